//! The learned symbol of a network: its linear response to plane waves around a reference
//! field, v̂_k(t) = −Re⟨e_k, J_θ(x̄, t) e_k⟩ with J_θ the Jacobian of s_θ in x and
//! e_k = V^{−1/2} e^{ik·x}.
//!
//! With real waves c_k = √(2/V) cos(k·x) and s_k = √(2/V) sin(k·x), e_k = (c_k + i s_k)/√2 and
//! Re⟨e_k, J e_k⟩ = (⟨c_k, J c_k⟩ + ⟨s_k, J s_k⟩)/2; on a self-conjugate mode (every k_i ∈
//! {0, π}) the sine vanishes and e_k = V^{−1/2} cos(k·x) is real. Each ⟨w, J w⟩ = ⟨Jᵀw, w⟩
//! comes from one reverse-mode pass: the gradient in x of ⟨w, s_θ(x, t)⟩ at x = x̄. All
//! probes of a call go in one batch and one backward pass.

use std::f64::consts::PI;

use crate::experiment::score_network::TrainBackend;
use burn::module::Module;
use ndarray::ArrayD;

use super::{fields_tensor, to_vec, ScoreNetwork};
use crate::error::{Error, Result};
use crate::lattice::Lattice;

/// v̂_k(t) for each mode index `modes[j]` (integers n with k = 2πn/L), around `reference`
/// (R11.5).
pub fn learned_symbol<B: TrainBackend>(
    net: &ScoreNetwork<B>,
    reference: &ArrayD<f64>,
    t: f64,
    modes: &[Vec<usize>],
) -> Result<Vec<f64>> {
    let lattice = net.lattice();
    let device = net.devices()[0].clone();
    let mut probes = Vec::new();
    // (first probe, number of probes) of each mode
    let mut owners = Vec::with_capacity(modes.len());
    for n in modes {
        if n.len() != lattice.dim() || n.iter().any(|&m| m >= lattice.side()) {
            return Err(Error::Invalid {
                name: "mode index",
                value: format!("{n:?}"),
                requirement: "needs d integers in 0…L−1".into(),
            });
        }
        let waves = plane_waves(lattice, n);
        owners.push((probes.len(), waves.len()));
        probes.extend(waves);
    }
    let batch = probes.len();
    let x = fields_tensor::<B>(&vec![reference; batch], lattice, &device)?.require_grad();
    let w = fields_tensor::<B>(&probes.iter().collect::<Vec<_>>(), lattice, &device)?;
    let s = net.score(x.clone(), &vec![t; batch])?;
    let grads = (s * w.clone()).sum().backward();
    let jt_w = x
        .grad(&grads)
        .ok_or_else(|| Error::Mismatch("no gradient with respect to the fields".into()))?;
    let w_inner = w.inner();
    let quadratic = to_vec((jt_w * w_inner).sum_dim(2).sum_dim(1))?;
    Ok(owners
        .iter()
        .map(|&(first, count)| -quadratic[first..first + count].iter().sum::<f64>() / count as f64)
        .collect())
}

/// Unit-norm real waves of mode n: [c_k, s_k] with c_k = √(2/V) cos(k·x), s_k = √(2/V)
/// sin(k·x); only V^{−1/2} cos(k·x) on a self-conjugate mode.
pub fn plane_waves(lattice: Lattice, n: &[usize]) -> Vec<ArrayD<f64>> {
    let l = lattice.side();
    let v = lattice.volume() as f64;
    let self_conjugate = n.iter().all(|&m| (2 * m) % l == 0);
    let phase = |x: &[usize]| {
        n.iter()
            .zip(x)
            .map(|(&m, &xi)| 2.0 * PI * (m * xi % l) as f64 / l as f64)
            .sum::<f64>()
    };
    let wave = |f: fn(f64) -> f64, scale: f64| {
        let mut a = ArrayD::zeros(lattice.shape());
        lattice.for_each_index(|x| a[x] = scale * f(phase(x)));
        a
    };
    if self_conjugate {
        vec![wave(f64::cos, 1.0 / v.sqrt())]
    } else {
        let scale = (2.0 / v).sqrt();
        vec![wave(f64::cos, scale), wave(f64::sin, scale)]
    }
}
