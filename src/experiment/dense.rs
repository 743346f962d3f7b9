//! The dense trainer: a one-layer linear score s(x) = −W x with a full V × V matrix W and no
//! weight sharing, trained by full-batch GD with ndarray matrix products. It checks that
//! translation invariance is *learned* (from translation-augmented data), not assumed.

use ndarray::{Array2, ArrayD};

use crate::error::{positive, Error, Result};
use crate::experiment::dataset::NoisedBatch;
use crate::lattice::Lattice;

/// Largest volume the dense trainer accepts (a V × V matrix and a V × MV data matrix).
pub const MAX_DENSE_VOLUME: usize = 512;

/// All lattice translations of a field, `V` fields.
fn translates(lattice: Lattice, x: &ArrayD<f64>) -> Vec<Vec<f64>> {
    let l = lattice.side();
    let mut sites = Vec::new();
    lattice.for_each_index(|s| sites.push(s.to_vec()));
    sites
        .iter()
        .map(|shift| {
            sites
                .iter()
                .map(|s| {
                    let y: Vec<usize> = s.iter().zip(shift).map(|(&a, &b)| (a + b) % l).collect();
                    x[ndarray::IxDyn(&y)]
                })
                .collect()
        })
        .collect()
}

/// Columns of the data matrices (x_t and z), optionally augmented with every translation.
fn data_matrices(
    batch: &NoisedBatch,
    lattice: Lattice,
    augment: bool,
) -> (Array2<f64>, Array2<f64>) {
    let v = lattice.volume();
    let mut xs = Vec::new();
    let mut zs = Vec::new();
    for (x, z) in batch.xt.iter().zip(&batch.z) {
        if augment {
            xs.extend(translates(lattice, x));
            zs.extend(translates(lattice, z));
        } else {
            xs.push(x.iter().copied().collect());
            zs.push(z.iter().copied().collect());
        }
    }
    let n = xs.len();
    let to_matrix = |cols: Vec<Vec<f64>>| Array2::from_shape_fn((v, n), |(i, j)| cols[j][i]);
    (to_matrix(xs), to_matrix(zs))
}

/// Full-batch GD on W for the per-field DSM loss (1/N) ‖−W X + Z/σ‖²_F, from W = w0·I:
/// W ← W − η · (2/N) (W X − Z/σ) Xᵀ. Returns W after `steps` steps. With `augment`, the
/// N = M·V columns are every translation of every field.
///
/// Why per field, not per site: a convolution kernel entry a(r) is shared by the V matrix
/// entries W_{x, x−r}, so its gradient of the per-site loss is the sum of theirs. The per-field
/// loss (V times the per-site loss) gives the dense matrix the same per-mode update
/// w_k ← w_k − 2η(Ĉ_k w_k − T_k) as the convolution at the same η.
pub fn train_dense(
    batch: &NoisedBatch,
    lattice: Lattice,
    augment: bool,
    eta: f64,
    w0: f64,
    steps: usize,
) -> Result<Array2<f64>> {
    positive("eta", eta)?;
    let v = lattice.volume();
    if v > MAX_DENSE_VOLUME {
        return Err(Error::Parameter {
            name: "volume V",
            value: v as f64,
            requirement: "the dense trainer is for V ≤ 512",
        });
    }
    let (x, z) = data_matrices(batch, lattice, augment);
    let n = x.ncols() as f64;
    let scale = 2.0 / n;
    // The gradient is affine in W: (2/N) (W X Xᵀ − Z Xᵀ/σ); form the products once.
    let xx = x.dot(&x.t()) * scale;
    let zx = z.dot(&x.t()) * (scale / batch.sigma);
    let mut w = Array2::<f64>::eye(v) * w0;
    for _ in 0..steps {
        let grad = w.dot(&xx) - &zx;
        w.scaled_add(-eta, &grad);
        if !w.iter().all(|a| a.is_finite()) {
            return Err(Error::Unstable(format!("dense GD diverged (eta = {eta})")));
        }
    }
    Ok(w)
}

/// The precision matrix K = β(−Δ) + μ built site by site from nearest-neighbour bonds
/// ((2dβ + μ) on the diagonal, −β per bond), with no Fourier transform: the dense
/// counterpart of the symbol βλ_k + μ.
pub fn precision_matrix(lattice: Lattice, beta: f64, mu: f64) -> Array2<f64> {
    let (d, l, v) = (lattice.dim(), lattice.side(), lattice.volume());
    let index = |x: &[usize]| x.iter().fold(0, |acc, &m| acc * l + m);
    let mut k = Array2::<f64>::zeros((v, v));
    lattice.for_each_index(|x| {
        let i = index(x);
        k[[i, i]] += 2.0 * d as f64 * beta + mu;
        for axis in 0..d {
            for step in [1, l - 1] {
                let mut y = x.to_vec();
                y[axis] = (y[axis] + step) % l;
                k[[i, index(&y)]] -= beta;
            }
        }
    });
    k
}
