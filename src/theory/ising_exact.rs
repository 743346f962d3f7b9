//! Exact references for the finite-n Monte Carlo engine (derivations/07): Kaufman's
//! partition function of the 2D Ising model on a finite torus and its energy (R7.6), exact
//! energy distributions by enumeration of tiny lattices (R7.7), the XY model on the
//! 2×2 torus by Bessel functions (R7.8), and the joint law of energy and magnetisation by
//! enumeration (R7.11): exact ⟨|m|⟩, ⟨m²⟩, ⟨m⁴⟩ and Binder cumulant, and every configuration
//! with its Boltzmann weight.
//!
//! Normalisation as in `src/mc`: weight exp(K B), B = Σ_x Σ_μ s_x·s_{x+e_μ} the sum over the
//! dV forward bonds (a pair counted twice when L = 2), energy per site e = −B/V.

use crate::error::{positive, Error, Result};

/// The exact 2D Ising critical coupling K_c = ½ ln(1 + √2) (Onsager; sinh 2K_c = 1).
pub fn ising_2d_critical_coupling() -> f64 {
    0.5 * std::f64::consts::SQRT_2.ln_1p()
}

/// A factor f(K) of one of Kaufman's products, stored as e^{x}·(v, v') so that products of
/// L factors of size e^{O(L)} stay finite: f = e^{x} v, df/dK = e^{x} v'.
#[derive(Clone, Copy)]
struct Scaled {
    x: f64,
    v: f64,
    dv: f64,
}

/// 2 cosh(Lγ/2) (`even = true`) or 2 sinh(Lγ/2), with dγ/dK = `dg`, scaled by e^{L|γ|/2}.
fn factor(l: f64, gamma: f64, dg: f64, cosh: bool) -> Scaled {
    let x = 0.5 * l * gamma.abs();
    let e = (-l * gamma.abs()).exp();
    let sign = gamma.signum();
    // 2cosh(y) = e^{|y|}(1 + e^{−2|y|}), 2sinh(y) = sign(y) e^{|y|}(1 − e^{−2|y|}); the
    // derivatives are L γ' sinh(Lγ/2) and L γ' cosh(Lγ/2).
    if cosh {
        Scaled {
            x,
            v: 1.0 + e,
            dv: 0.5 * l * dg * sign * (1.0 - e),
        }
    } else {
        Scaled {
            x,
            v: sign * (1.0 - e),
            dv: 0.5 * l * dg * (1.0 + e),
        }
    }
}

/// Product Π f_r and its K-derivative Σ_r f_r' Π_{s≠r} f_s, as (scale, value, derivative);
/// the derivative is formed without dividing by f_r, which vanishes for sinh(Lγ_0/2) at K_c.
fn product(factors: &[Scaled]) -> (f64, f64, f64) {
    let x: f64 = factors.iter().map(|f| f.x).sum();
    let v: f64 = factors.iter().map(|f| f.v).product();
    let dv: f64 = (0..factors.len())
        .map(|r| {
            factors
                .iter()
                .enumerate()
                .map(|(s, f)| if s == r { f.dv } else { f.v })
                .product::<f64>()
        })
        .sum();
    (x, v, dv)
}

/// γ_q and dγ_q/dK of Kaufman's solution on an L-column torus: cosh γ_q =
/// cosh 2K coth 2K − cos(πq/L) for q ≥ 1, and γ_0 = 2K + ln tanh K (signed: < 0 for K < K_c).
fn gamma(k: f64, l: usize, q: usize) -> (f64, f64) {
    if q == 0 {
        return (2.0 * k + k.tanh().ln(), 2.0 + 2.0 / (2.0 * k).sinh());
    }
    let (c, s) = ((2.0 * k).cosh(), (2.0 * k).sinh());
    let arg = c * c / s - (std::f64::consts::PI * q as f64 / l as f64).cos();
    let g = arg.acosh();
    // d(c²/s)/dK = 4cs/s − 2c³/s² = 2c(2 − c²/s²) with c = cosh 2K, s = sinh 2K.
    let darg = 2.0 * c * (2.0 - c * c / (s * s));
    (g, darg / g.sinh())
}

/// ln Z and d ln Z/dK of the 2D Ising model on the L×L torus by Kaufman's formula (R7.6):
/// Z = ½ (2 sinh 2K)^{L²/2} (Z_1 + Z_2 + Z_3 + Z_4), Z_1,2 = Π_{r<L} 2cosh, 2sinh(Lγ_{2r+1}/2),
/// Z_3,4 = Π_{r<L} 2cosh, 2sinh(Lγ_{2r}/2).
pub fn kaufman_log_partition(k: f64, l: usize) -> Result<(f64, f64)> {
    positive("K", k)?;
    if l < 2 {
        return Err(Error::Lattice(format!(
            "Kaufman's formula needs L ≥ 2 (got {l})"
        )));
    }
    let lf = l as f64;
    let odd: Vec<(f64, f64)> = (0..l).map(|r| gamma(k, l, 2 * r + 1)).collect();
    let even: Vec<(f64, f64)> = (0..l).map(|r| gamma(k, l, 2 * r)).collect();
    let terms = [
        product(
            &odd.iter()
                .map(|&(g, d)| factor(lf, g, d, true))
                .collect::<Vec<_>>(),
        ),
        product(
            &odd.iter()
                .map(|&(g, d)| factor(lf, g, d, false))
                .collect::<Vec<_>>(),
        ),
        product(
            &even
                .iter()
                .map(|&(g, d)| factor(lf, g, d, true))
                .collect::<Vec<_>>(),
        ),
        product(
            &even
                .iter()
                .map(|&(g, d)| factor(lf, g, d, false))
                .collect::<Vec<_>>(),
        ),
    ];
    let top = terms.iter().map(|t| t.0).fold(f64::NEG_INFINITY, f64::max);
    let (sum, dsum) = terms.iter().fold((0.0, 0.0), |(s, ds), &(x, v, dv)| {
        let w = (x - top).exp();
        (s + w * v, ds + w * dv)
    });
    if sum.is_nan() || sum <= 0.0 {
        return Err(Error::NoConvergence {
            what: "Kaufman partition function",
            detail: format!("K = {k}, L = {l}: the four-term sum is {sum}"),
        });
    }
    let v = lf * lf;
    let ln_z = -std::f64::consts::LN_2 + 0.5 * v * (2.0 * (2.0 * k).sinh()).ln() + top + sum.ln();
    let dln_z = v / (2.0 * k).tanh() + dsum / sum;
    Ok((ln_z, dln_z))
}

/// Mean energy per site of the 2D Ising model on the L×L torus (R7.6):
/// ⟨e⟩ = −(1/V) d ln Z/dK, from the analytic derivative of Kaufman's formula.
pub fn kaufman_energy_per_site(k: f64, l: usize) -> Result<f64> {
    let (_, d) = kaufman_log_partition(k, l)?;
    Ok(-d / (l * l) as f64)
}

/// Largest volume for exact enumeration (2^V states).
pub const MAX_ENUMERATION_VOLUME: usize = 24;

/// Degeneracies g(B) of the bond sum B = Σ_x Σ_μ s_x s_{x+e_μ} of the Ising model on
/// (Z_L)^d by enumerating all 2^V configurations (R7.7); returns (B, g(B)) with g > 0,
/// B ascending. Neighbours are computed from coordinates here, independently of `src/mc`.
pub fn ising_bond_sum_degeneracies(d: usize, l: usize) -> Result<Vec<(i64, u64)>> {
    let mut counts = std::collections::BTreeMap::new();
    for (b, _, g) in ising_bond_magnetisation_degeneracies(d, l)? {
        *counts.entry(b).or_insert(0) += g;
    }
    Ok(counts.into_iter().collect())
}

/// Volume V = L^d, if d ≥ 1, L ≥ 2 and V ≤ `most`.
fn enumerable_volume(d: usize, l: usize, most: usize) -> Result<usize> {
    let v = (0..d).try_fold(1usize, |v, _| v.checked_mul(l));
    match v {
        Some(v) if d >= 1 && l >= 2 && v <= most => Ok(v),
        _ => Err(Error::Lattice(format!(
            "enumeration needs d ≥ 1, L ≥ 2 and L^d ≤ {most} (got d = {d}, L = {l})"
        ))),
    }
}

/// The dV forward bonds (x, x + e_μ) of (Z_L)^d, sites numbered row-major (last axis fastest),
/// from coordinates.
fn forward_bonds(d: usize, l: usize, v: usize) -> Vec<(usize, usize)> {
    let mut bonds = Vec::with_capacity(d * v);
    for x in 0..v {
        for mu in 0..d {
            let stride = l.pow((d - 1 - mu) as u32);
            let coord = (x / stride) % l;
            bonds.push((x, x - coord * stride + ((coord + 1) % l) * stride));
        }
    }
    bonds
}

/// Bond sum B and magnetisation M = Σ_x s_x of configuration `config` (bit x set: s_x = +1).
fn bond_sum_and_magnetisation(config: u64, v: usize, bonds: &[(usize, usize)]) -> (i64, i64) {
    let aligned = bonds
        .iter()
        .filter(|&&(x, y)| (config >> x) & 1 == (config >> y) & 1)
        .count() as i64;
    let up = i64::from(config.count_ones());
    (2 * aligned - bonds.len() as i64, 2 * up - v as i64)
}

/// Joint degeneracies g(B, M) of the bond sum B and the magnetisation M = Σ_x s_x of the Ising
/// model on (Z_L)^d, by enumerating all 2^V configurations (R7.11); returns (B, M, g) with
/// g > 0, ordered by B then M. Neighbours from coordinates, independently of `src/mc`.
pub fn ising_bond_magnetisation_degeneracies(d: usize, l: usize) -> Result<Vec<(i64, i64, u64)>> {
    let v = enumerable_volume(d, l, MAX_ENUMERATION_VOLUME)?;
    let bonds = forward_bonds(d, l, v);
    let mut counts = std::collections::BTreeMap::new();
    for config in 0u64..(1u64 << v) {
        *counts
            .entry(bond_sum_and_magnetisation(config, v, &bonds))
            .or_insert(0u64) += 1;
    }
    Ok(counts.into_iter().map(|((b, m), g)| (b, m, g)).collect())
}

/// Exact magnetisation moments of the Ising model at coupling K (R7.11), m = M/V.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ExactMagnetisation {
    /// ⟨|m|⟩.
    pub abs_m: f64,
    /// ⟨m²⟩.
    pub m2: f64,
    /// ⟨m⁴⟩.
    pub m4: f64,
    /// The Binder cumulant U = 1 − ⟨m⁴⟩/(3⟨m²⟩²) (R7.5 for n = 1).
    pub binder: f64,
    /// The energy per site ⟨e⟩ = −⟨B⟩/V.
    pub energy: f64,
}

/// ⟨|m|⟩, ⟨m²⟩, ⟨m⁴⟩, U and ⟨e⟩ on (Z_L)^d at coupling K from g(B, M) (R7.11):
/// ⟨f⟩ = Σ_{B,M} g(B, M) e^{KB} f / Σ_{B,M} g(B, M) e^{KB}.
pub fn ising_magnetisation_moments(d: usize, l: usize, k: f64) -> Result<ExactMagnetisation> {
    if !k.is_finite() || k < 0.0 {
        return Err(Error::Invalid {
            name: "K",
            value: k.to_string(),
            requirement: "a finite coupling ≥ 0".into(),
        });
    }
    let g = ising_bond_magnetisation_degeneracies(d, l)?;
    let v = l.pow(d as u32) as f64;
    let bmax = g.iter().map(|&(b, _, _)| b).max().unwrap_or(0);
    let (mut z, mut abs_m, mut m2, mut m4, mut e) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &(b, m, count) in &g {
        let w = count as f64 * (k * (b - bmax) as f64).exp();
        let m = m as f64 / v;
        z += w;
        abs_m += w * m.abs();
        m2 += w * m * m;
        m4 += w * m.powi(4);
        e -= w * b as f64 / v;
    }
    let (m2, m4) = (m2 / z, m4 / z);
    Ok(ExactMagnetisation {
        abs_m: abs_m / z,
        m2,
        m4,
        binder: 1.0 - m4 / (3.0 * m2 * m2),
        energy: e / z,
    })
}

/// Largest volume whose configurations [`ising_configurations`] lists (2^16 fields of 16
/// values, 8 MiB).
pub const MAX_LISTED_VOLUME: usize = 16;

/// Every configuration of the Ising model on (Z_L)^d as a ±1 field of shape [L; d] (row-major,
/// last axis fastest), with its log Boltzmann weight K·B (R7.11, unnormalised): the exact law,
/// for scores of the noised Ising distribution. V ≤ [`MAX_LISTED_VOLUME`].
pub fn ising_configurations(
    d: usize,
    l: usize,
    k: f64,
) -> Result<(Vec<ndarray::ArrayD<f64>>, Vec<f64>)> {
    let v = enumerable_volume(d, l, MAX_LISTED_VOLUME)?;
    if !k.is_finite() {
        return Err(Error::Invalid {
            name: "K",
            value: k.to_string(),
            requirement: "a finite coupling".into(),
        });
    }
    let bonds = forward_bonds(d, l, v);
    let shape = vec![l; d];
    let (mut fields, mut log_weights) = (Vec::new(), Vec::new());
    for config in 0u64..(1u64 << v) {
        let spins = (0..v)
            .map(|x| if (config >> x) & 1 == 1 { 1.0 } else { -1.0 })
            .collect();
        let field = ndarray::ArrayD::from_shape_vec(shape.clone(), spins)
            .map_err(|e| Error::Lattice(e.to_string()))?;
        fields.push(field);
        log_weights.push(k * bond_sum_and_magnetisation(config, v, &bonds).0 as f64);
    }
    Ok((fields, log_weights))
}

/// Exact distribution of the energy per site e = −B/V at coupling K (R7.7):
/// P(e) = g(B) e^{KB}/Z; returns (e, P) with e ascending.
pub fn ising_energy_distribution(d: usize, l: usize, k: f64) -> Result<Vec<(f64, f64)>> {
    positive("K", k)?;
    let g = ising_bond_sum_degeneracies(d, l)?;
    let v = l.pow(d as u32) as f64;
    let bmax = g.iter().map(|&(b, _)| b).max().unwrap_or(0) as f64;
    let w: Vec<f64> = g
        .iter()
        .map(|&(b, c)| c as f64 * (k * (b as f64 - bmax)).exp())
        .collect();
    let z: f64 = w.iter().sum();
    let mut out: Vec<(f64, f64)> = g
        .iter()
        .zip(&w)
        .map(|(&(b, _), wi)| (-(b as f64) / v, wi / z))
        .collect();
    out.reverse();
    Ok(out)
}

/// Modified Bessel function I_m(x) = (1/π) ∫_0^π e^{x cos θ} cos(mθ) dθ by double-exponential
/// quadrature (integer m ≥ 0, 0 ≤ x ≤ 50).
fn bessel_i(m: usize, x: f64) -> Result<f64> {
    let r = quadrature::double_exponential::integrate(
        |t: f64| (x * t.cos()).exp() * (m as f64 * t).cos(),
        0.0,
        std::f64::consts::PI,
        1e-14,
    );
    if !r.integral.is_finite() || r.error_estimate > 1e-10 * r.integral.abs().max(1.0) {
        return Err(Error::NoConvergence {
            what: "Bessel quadrature",
            detail: format!("I_{m}({x}): {} ± {:e}", r.integral, r.error_estimate),
        });
    }
    Ok(r.integral / std::f64::consts::PI)
}

/// Mean energy per site of the XY model (n = 2) on the 2×2 torus (R7.8). Its bonds form a
/// 4-ring whose pairs are each counted twice, i.e. a ring with coupling J = 2K, and
/// Z = (2π)^4 Σ_{m∈Z} I_m(J)^4, so ⟨e⟩ = −2 Σ_m I_m(J)³ I_m'(J) / Σ_m I_m(J)⁴ with
/// I_m' = (I_{m−1} + I_{m+1})/2.
pub fn xy_2x2_energy_per_site(k: f64) -> Result<f64> {
    positive("K", k)?;
    if k > 10.0 {
        return Err(Error::Parameter {
            name: "K",
            value: k,
            requirement: "the Bessel sum is implemented for K ≤ 10",
        });
    }
    let j = 2.0 * k;
    let terms = 40;
    let i: Vec<f64> = (0..=terms + 1)
        .map(|m| bessel_i(m, j))
        .collect::<Result<_>>()?;
    let (mut num, mut den) = (0.0, 0.0);
    for m in -(terms as i64)..=terms as i64 {
        let a = m.unsigned_abs() as usize;
        let below = i[(m - 1).unsigned_abs() as usize];
        let above = i[(m + 1).unsigned_abs() as usize];
        num += i[a].powi(3) * 0.5 * (below + above);
        den += i[a].powi(4);
    }
    Ok(-2.0 * num / den)
}
