//! Fixed data sets of sampled fields and their noise, and their empirical statistics.
//!
//! A [`DataSet`] holds M clean fields x_0 drawn from a covariance spectrum and, for each
//! diffusion time t_j of a grid, its own M noise fields z; the noised fields are
//! x_t = α_t x_0 + σ_t z. Everything is drawn from explicit seeds.

use ndarray::{ArrayD, Zip};
use num_complex::Complex;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use crate::diffusion::forward::{alpha, sigma2};
use crate::error::{Error, Result};
use crate::experiment::REDUCTION_CHUNK;
use crate::fourier::{half_spectrum_weights, RealFft};
use crate::lattice::Lattice;
use crate::sampling::{seeded_rng, split_rngs, FieldSampler, SeededRng};
use crate::symbol::Symbol;

/// Real-space noised fields at one diffusion time: x_t^m and z^m, m = 1…M.
#[derive(Debug, Clone)]
pub struct NoisedBatch {
    /// σ_t (> 0).
    pub sigma: f64,
    /// Noised fields x_t.
    pub xt: Vec<ArrayD<f64>>,
    /// The noise z that produced them.
    pub z: Vec<ArrayD<f64>>,
}

impl NoisedBatch {
    /// Draws M fresh pairs (x_t, z) at time t > 0 from `sampler`, in parallel (rayon): pair
    /// m is drawn with its own generator seeded from the m-th `u64` of `rng`
    /// ([`split_rngs`]), so the batch is the same whatever the number of threads.
    pub fn draw(sampler: &FieldSampler, t: f64, m: usize, rng: &mut SeededRng) -> Result<Self> {
        let (a, s) = noise_scales(t)?;
        let pairs: Vec<(ArrayD<f64>, ArrayD<f64>)> = split_rngs(rng, m)
            .into_par_iter()
            .map(|mut r| {
                let mut x = sampler.sample(&mut r);
                let zz =
                    ArrayD::from_shape_simple_fn(x.raw_dim(), || StandardNormal.sample(&mut r));
                Zip::from(&mut x)
                    .and(&zz)
                    .for_each(|xi, &zi| *xi = *xi * a + zi * s);
                (x, zz)
            })
            .collect();
        let (xt, z) = pairs.into_iter().unzip();
        Ok(Self { sigma: s, xt, z })
    }

    /// Fourier transforms of the batch, computed once for repeated gradient evaluations
    /// (one sample per rayon task).
    pub fn to_spectral(&self, fft: &RealFft) -> Result<SpectralBatch> {
        let x_hat = self
            .xt
            .par_iter()
            .map(|x| fft.forward(x))
            .collect::<Result<_>>()?;
        let z_hat = self
            .z
            .par_iter()
            .map(|z| fft.forward(z))
            .collect::<Result<_>>()?;
        Ok(SpectralBatch {
            lattice: fft.lattice(),
            sigma: self.sigma,
            x_hat,
            z_hat,
        })
    }
}

/// A batch in Fourier space (half spectra of x_t and z, unnormalised DFT).
#[derive(Debug, Clone)]
pub struct SpectralBatch {
    lattice: Lattice,
    sigma: f64,
    x_hat: Vec<ArrayD<Complex<f64>>>,
    z_hat: Vec<ArrayD<Complex<f64>>>,
}

impl SpectralBatch {
    /// The lattice.
    pub fn lattice(&self) -> Lattice {
        self.lattice
    }
    /// σ_t.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
    /// Number of samples M.
    pub fn len(&self) -> usize {
        self.x_hat.len()
    }
    /// True for an empty batch.
    pub fn is_empty(&self) -> bool {
        self.x_hat.is_empty()
    }
    /// x̂_t per sample.
    pub fn x_hat(&self) -> &[ArrayD<Complex<f64>>] {
        &self.x_hat
    }
    /// ẑ per sample.
    pub fn z_hat(&self) -> &[ArrayD<Complex<f64>>] {
        &self.z_hat
    }
}

/// (α_t, σ_t) for t > 0; DSM needs σ_t > 0.
fn noise_scales(t: f64) -> Result<(f64, f64)> {
    let s2 = sigma2(t)?;
    if s2 <= 0.0 {
        return Err(Error::Parameter {
            name: "t",
            value: t,
            requirement: "denoising score matching needs a diffusion time t > 0",
        });
    }
    Ok((alpha(t)?, s2.sqrt()))
}

/// M clean fields and their noise at each time of a grid.
#[derive(Debug, Clone)]
pub struct DataSet {
    lattice: Lattice,
    clean: Vec<ArrayD<f64>>,
    times: Vec<f64>,
    noise: Vec<Vec<ArrayD<f64>>>,
}

impl DataSet {
    /// Draws M fields from `spectrum` and M noise fields per time in `times` (each t > 0),
    /// from one seeded generator.
    pub fn draw(spectrum: &Symbol, m: usize, times: &[f64], seed: u64) -> Result<Self> {
        if m == 0 {
            return Err(Error::Parameter {
                name: "samples M",
                value: 0.0,
                requirement: "a data set needs M ≥ 1 fields",
            });
        }
        for &t in times {
            noise_scales(t)?;
        }
        let sampler = FieldSampler::new(spectrum)?;
        let mut rng = seeded_rng(seed);
        let clean = sampler.sample_many(m, &mut rng);
        Self::noised(spectrum.lattice(), clean, times, &mut rng)
    }

    /// A data set of the fields in an `.npz` file's entry `key` (see
    /// [`crate::data::file::read`]; every component of every configuration is one clean field
    /// x_0), with M noise fields per time in `times` drawn from a generator seeded by `seed`.
    pub fn from_npz(
        path: &std::path::Path,
        key: Option<&str>,
        times: &[f64],
        seed: u64,
    ) -> Result<Self> {
        let data = crate::data::ComponentData::from_npz(path, key)?;
        Self::from_fields(data.lattice(), data.scalar_fields(), times, seed)
    }

    /// A data set of given clean fields x_0 (shape `[L; d]` each: Monte Carlo configurations,
    /// one scalar component per field), with M noise fields per time drawn from a generator
    /// seeded by `seed`.
    pub fn from_fields(
        lattice: Lattice,
        clean: Vec<ArrayD<f64>>,
        times: &[f64],
        seed: u64,
    ) -> Result<Self> {
        if clean.is_empty() {
            return Err(Error::Parameter {
                name: "samples M",
                value: 0.0,
                requirement: "a data set needs M ≥ 1 fields",
            });
        }
        if let Some(bad) = clean
            .iter()
            .find(|x| x.shape() != lattice.shape().as_slice())
        {
            return Err(Error::Mismatch(format!(
                "a field of shape {:?} on a lattice of shape {:?}",
                bad.shape(),
                lattice.shape()
            )));
        }
        for &t in times {
            noise_scales(t)?;
        }
        Self::noised(lattice, clean, times, &mut seeded_rng(seed))
    }

    fn noised(
        lattice: Lattice,
        clean: Vec<ArrayD<f64>>,
        times: &[f64],
        rng: &mut SeededRng,
    ) -> Result<Self> {
        let shape = lattice.shape();
        // one generator per (time, field), seeded in that order from `rng`
        let noise = times
            .iter()
            .map(|_| {
                split_rngs(rng, clean.len())
                    .into_par_iter()
                    .map(|mut r| {
                        ArrayD::from_shape_simple_fn(shape.clone(), || {
                            StandardNormal.sample(&mut r)
                        })
                    })
                    .collect()
            })
            .collect();
        Ok(Self {
            lattice,
            clean,
            times: times.to_vec(),
            noise,
        })
    }

    /// The lattice.
    pub fn lattice(&self) -> Lattice {
        self.lattice
    }

    /// The diffusion times of the grid.
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// Number of fields M.
    pub fn len(&self) -> usize {
        self.clean.len()
    }

    /// True when M = 0 (never, by construction).
    pub fn is_empty(&self) -> bool {
        self.clean.is_empty()
    }

    /// The clean fields x_0.
    pub fn clean(&self) -> &[ArrayD<f64>] {
        &self.clean
    }

    /// The noised batch at grid time j.
    pub fn batch(&self, j: usize) -> Result<NoisedBatch> {
        let t = *self.times.get(j).ok_or(Error::Parameter {
            name: "grid index",
            value: j as f64,
            requirement: "must index a time of the data set's grid",
        })?;
        let (a, s) = noise_scales(t)?;
        let xt = self
            .clean
            .iter()
            .zip(&self.noise[j])
            .map(|(x0, z)| x0 * a + z * s)
            .collect();
        Ok(NoisedBatch {
            sigma: s,
            xt,
            z: self.noise[j].clone(),
        })
    }

    /// Translation-averaged empirical statistics at grid time j.
    pub fn statistics(&self, j: usize) -> Result<EmpiricalStatistics> {
        let fft = RealFft::new(self.lattice);
        EmpiricalStatistics::of(&self.batch(j)?.to_spectral(&fft)?)
    }
}

/// Translation-averaged second moments of a batch, per mode (half-spectrum layout):
/// Ĉ_k = (1/(MV)) Σ_m |x̂_t^m(k)|² and ĝ_k = (1/(MV)) Σ_m x̂_t^m(k) conj(ẑ^m(k)).
///
/// The empirical DSM loss of a network with symbol v_k is
/// (1/V) Σ_k [Ĉ_k |v_k|² − 2 Re(v_k ĝ_k)/σ + …], minimised mode by mode at
/// v̂*_k = conj(ĝ_k)/(σ Ĉ_k); its population values are C_k(t) and σ.
#[derive(Debug, Clone)]
pub struct EmpiricalStatistics {
    /// σ_t.
    pub sigma: f64,
    /// Ĉ_k.
    pub c_hat: ArrayD<f64>,
    /// ĝ_k.
    pub cross: ArrayD<Complex<f64>>,
    /// Weight of each half-spectrum entry in a sum over all V modes (1 or 2).
    pub weights: ArrayD<f64>,
}

impl EmpiricalStatistics {
    /// Statistics of a batch in Fourier space. Partial sums over fixed chunks of
    /// [`REDUCTION_CHUNK`] samples run in parallel and are added in chunk order.
    pub fn of(batch: &SpectralBatch) -> Result<Self> {
        let lattice = batch.lattice();
        let shape = lattice.half_shape();
        let partials: Vec<(ArrayD<f64>, ArrayD<Complex<f64>>)> = batch
            .x_hat()
            .par_chunks(REDUCTION_CHUNK)
            .zip(batch.z_hat().par_chunks(REDUCTION_CHUNK))
            .map(|(xs, zs)| {
                let mut c_hat = ArrayD::<f64>::zeros(shape.clone());
                let mut cross = ArrayD::<Complex<f64>>::zeros(shape.clone());
                for (x, z) in xs.iter().zip(zs) {
                    Zip::from(&mut c_hat)
                        .and(&mut cross)
                        .and(x)
                        .and(z)
                        .for_each(|c, g, &xk, &zk| {
                            *c += xk.norm_sqr();
                            *g += xk * zk.conj();
                        });
                }
                (c_hat, cross)
            })
            .collect();
        let mut c_hat = ArrayD::<f64>::zeros(shape.clone());
        let mut cross = ArrayD::<Complex<f64>>::zeros(shape);
        for (c, g) in &partials {
            c_hat += c;
            cross += g;
        }
        let norm = 1.0 / (batch.len() as f64 * lattice.volume() as f64);
        c_hat *= norm;
        cross *= Complex::new(norm, 0.0);
        Ok(Self {
            sigma: batch.sigma(),
            c_hat,
            cross,
            weights: half_spectrum_weights(lattice),
        })
    }

    /// The per-mode target conj(ĝ_k)/σ (population value 1): the empirical optimum of a full
    /// network is v̂*_k = target_k / Ĉ_k.
    pub fn target(&self) -> ArrayD<Complex<f64>> {
        self.cross.mapv(|g| g.conj() / self.sigma)
    }

    /// The empirical optimum v̂*_k = conj(ĝ_k)/(σ Ĉ_k) of a full network (normal equations of
    /// the least-squares DSM loss, solved mode by mode).
    pub fn optimum(&self) -> ArrayD<Complex<f64>> {
        let mut t = self.target();
        Zip::from(&mut t).and(&self.c_hat).for_each(|v, &c| *v /= c);
        t
    }
}
