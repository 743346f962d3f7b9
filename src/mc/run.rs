//! Running chains in parallel, measuring, and summarising (R7.4, R7.5).

use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use super::chain::{Algorithm, Chain};
use super::config::McConfig;
use super::measure::{energy_per_site, magnetisation, two_point, SpectrumAccumulator};
use super::spins::{large_n_coupling, Geometry, Spins};
use super::stats::{estimate, jackknife, Estimate};
use crate::error::{Error, Result};
use crate::lattice::Lattice;

/// Progress observer of a run (the library never prints). Called from several threads.
pub trait Progress: Sync {
    /// A stage of `total` sweep-equivalents begins.
    fn start(&self, total: u64, label: &str);
    /// `n` more sweep-equivalents are done.
    fn advance(&self, n: u64);
    /// The stage is done.
    fn finish(&self);
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _total: u64, _label: &str) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

/// Sweeps between two progress reports.
const PROGRESS_STRIDE: u64 = 64;

/// The measurement series of one chain, one entry per measured sweep-equivalent.
#[derive(Debug, Clone, Default)]
pub struct ChainSeries {
    /// Energy per site e (R7.1).
    pub energy: Vec<f64>,
    /// |m|, m the magnetisation vector per site.
    pub m: Vec<f64>,
    /// m^1, the first component of m (for n = 1 the signed magnetisation): odd under the
    /// symmetry, so its autocorrelation shows the slowest mode of local updates.
    pub m1: Vec<f64>,
    /// |m|².
    pub m2: Vec<f64>,
    /// |m|⁴.
    pub m4: Vec<f64>,
    /// Wolff: spins reflected in the sweep; Metropolis: accepted proposals.
    pub sites: Vec<f64>,
    /// Wolff: clusters grown in the sweep; Metropolis: 0.
    pub clusters: Vec<f64>,
}

/// Binder cumulant with its jackknife error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Binder {
    /// U = 1 − n/(n+2) ⟨m⁴⟩/⟨m²⟩² (R7.5).
    pub value: f64,
    /// Jackknife error over 32 blocks.
    pub error: f64,
}

/// Ratio estimate with a jackknife error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ratio {
    /// Value.
    pub mean: f64,
    /// Jackknife error over 32 blocks.
    pub error: f64,
}

/// Spectrum and two-point function, averaged over measurements and components.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpectrumSummary {
    /// Half-spectrum shape `[L, …, L, L/2 + 1]`.
    pub shape: Vec<usize>,
    /// Ĉ_k in row-major half layout (R7.1).
    pub values: Vec<f64>,
    /// Ĉ_0 = V⟨|m|²⟩.
    pub c0: f64,
    /// G(r), r = 0..=L/2, averaged over axes (R7.1).
    pub two_point: Vec<f64>,
}

/// Result of [`run`].
#[derive(Debug, Clone, Serialize)]
pub struct McReport {
    /// The configuration that was run.
    pub config: McConfig,
    /// Coupling K (standard normalisation).
    pub k: f64,
    /// β = K/n, the large-n convention (R7.1).
    pub beta: f64,
    /// Energy per site.
    pub energy: Estimate,
    /// ⟨|m|⟩.
    pub magnetisation: Estimate,
    /// ⟨m^1⟩ (zero by symmetry; its τ_int is that of the slowest odd mode).
    pub m1: Estimate,
    /// ⟨|m|²⟩.
    pub m2: Estimate,
    /// ⟨|m|⁴⟩.
    pub m4: Estimate,
    /// χ = V⟨|m|²⟩ (= Ĉ_0 of the large-n fields).
    pub susceptibility: Estimate,
    /// Binder cumulant (R7.5).
    pub binder: Binder,
    /// Wolff: mean cluster size Σ|C|/#clusters; for n = 1 its expectation is χ.
    pub cluster_size: Option<Ratio>,
    /// Metropolis: accepted fraction of proposals.
    pub acceptance: Option<f64>,
    /// Spectrum and two-point function (if `spectrum` was set).
    pub spectrum: Option<SpectrumSummary>,
    /// Sweep-equivalents per measurement: 1 for Metropolis, ⟨Σ|C| per sweep⟩/V for Wolff.
    /// Multiply the `tau_int` fields (in measurements) by it to get sweep-equivalents.
    pub sweep_equivalents_per_measurement: f64,
    /// The per-chain series (not serialised; see [`super::npz::write_series`]).
    #[serde(skip)]
    pub series: Vec<ChainSeries>,
}

struct ChainOutput {
    series: ChainSeries,
    spectrum: Option<(SpectrumAccumulator, Vec<f64>)>,
}

/// Advances `chain` by `sweeps` sweep-equivalents without measuring, then fixes its Wolff
/// clusters per sweep (R7.2).
fn thermalise(chain: &mut Chain, sweeps: u64, progress: &dyn Progress) {
    for t in 0..sweeps {
        chain.sweep();
        if (t + 1) % PROGRESS_STRIDE == 0 {
            progress.advance(PROGRESS_STRIDE);
        }
    }
    progress.advance(sweeps % PROGRESS_STRIDE);
    chain.fix_clusters_per_sweep();
}

/// Chain `c` of the configuration (its own seed stream), thermalised.
fn thermalised_chain(
    cfg: &McConfig,
    geometry: &Arc<Geometry>,
    k: f64,
    c: usize,
    progress: &dyn Progress,
) -> Result<Chain> {
    let mut chain = Chain::new(
        geometry.clone(),
        cfg.n,
        cfg.algorithm,
        k,
        cfg.seed,
        c as u64,
    )?;
    thermalise(&mut chain, cfg.thermalization, progress);
    Ok(chain)
}

fn run_chain(
    cfg: &McConfig,
    geometry: Arc<Geometry>,
    k: f64,
    c: usize,
    progress: &dyn Progress,
) -> Result<ChainOutput> {
    let mut chain = thermalised_chain(cfg, &geometry, k, c, progress)?;
    let m_len = cfg.measurements as usize;
    let mut s = ChainSeries::default();
    for v in [
        &mut s.energy,
        &mut s.m,
        &mut s.m2,
        &mut s.m4,
        &mut s.sites,
        &mut s.clusters,
    ] {
        v.reserve_exact(m_len);
    }
    let mut mvec = vec![0.0; cfg.n];
    let l = geometry.lattice().side();
    let mut spectrum = cfg
        .spectrum
        .then(|| (SpectrumAccumulator::new(&geometry), vec![0.0; l / 2 + 1]));
    let mut g = vec![0.0; l / 2 + 1];
    for t in 0..cfg.measurements {
        let info = chain.sweep();
        let spins = chain.spins();
        magnetisation(spins, &mut mvec);
        let m2: f64 = mvec.iter().map(|c| c * c).sum();
        s.energy.push(energy_per_site(&geometry, spins)?);
        s.m.push(m2.sqrt());
        s.m1.push(mvec[0]);
        s.m2.push(m2);
        s.m4.push(m2 * m2);
        s.sites.push(info.sites as f64);
        s.clusters.push(info.clusters as f64);
        if let Some((acc, gsum)) = spectrum.as_mut() {
            acc.add(spins)?;
            two_point(&geometry, spins, &mut g)?;
            gsum.iter_mut().zip(&g).for_each(|(a, b)| *a += b);
        }
        if (t + 1) % PROGRESS_STRIDE == 0 {
            progress.advance(PROGRESS_STRIDE);
        }
    }
    progress.advance(cfg.measurements % PROGRESS_STRIDE);
    Ok(ChainOutput {
        series: s,
        spectrum,
    })
}

/// Runs `cfg.chains` independent chains in parallel (rayon) and summarises them (R7.4,
/// R7.5). Chain c uses ChaCha8 stream c of `cfg.seed`, so the report does not depend on the
/// number of threads. Every parameter is validated before any work.
pub fn run(cfg: &McConfig, progress: &dyn Progress) -> Result<McReport> {
    let (lattice, k) = cfg.validate()?;
    let geometry = Arc::new(Geometry::new(lattice)?);
    progress.start(
        cfg.chains as u64 * (cfg.thermalization + cfg.measurements),
        "monte carlo",
    );
    let outputs: Vec<ChainOutput> = (0..cfg.chains)
        .into_par_iter()
        .map(|c| run_chain(cfg, geometry.clone(), k, c, progress))
        .collect::<Result<_>>()?;
    progress.finish();
    summarise(cfg, lattice, k, outputs)
}

fn pooled(outputs: &[ChainOutput], pick: impl Fn(&ChainSeries) -> &Vec<f64>) -> Result<Estimate> {
    let chains: Vec<&[f64]> = outputs.iter().map(|o| pick(&o.series).as_slice()).collect();
    estimate(&chains)
}

fn concat(outputs: &[ChainOutput], pick: impl Fn(&ChainSeries) -> &Vec<f64>) -> Vec<f64> {
    outputs
        .iter()
        .flat_map(|o| pick(&o.series).iter().copied())
        .collect()
}

/// Number of jackknife blocks of the Binder cumulant and the ratio estimates.
const JACKKNIFE_BLOCKS: usize = 32;

fn summarise(
    cfg: &McConfig,
    lattice: Lattice,
    k: f64,
    outputs: Vec<ChainOutput>,
) -> Result<McReport> {
    let v = lattice.volume() as f64;
    let n = cfg.n as f64;
    let m2 = pooled(&outputs, |s| &s.m2)?;
    let moments = [concat(&outputs, |s| &s.m2), concat(&outputs, |s| &s.m4)];
    let (value, error) = jackknife(&moments, JACKKNIFE_BLOCKS, |m| {
        1.0 - n / (n + 2.0) * m[1] / (m[0] * m[0])
    })?;
    let sites = concat(&outputs, |s| &s.sites);
    let clusters = concat(&outputs, |s| &s.clusters);
    let (cluster_size, acceptance) = match cfg.algorithm {
        Algorithm::Wolff => {
            let (mean, error) = jackknife(&[sites.clone(), clusters], JACKKNIFE_BLOCKS, |m| {
                m[0] / m[1]
            })?;
            (Some(Ratio { mean, error }), None)
        }
        Algorithm::Metropolis => (
            None,
            Some(sites.iter().sum::<f64>() / (sites.len() as f64 * v)),
        ),
    };
    let spectrum = spectrum_summary(lattice, &outputs)?;
    let sweep_equivalents_per_measurement = match cfg.algorithm {
        Algorithm::Wolff => sites.iter().sum::<f64>() / (sites.len() as f64 * v),
        Algorithm::Metropolis => 1.0,
    };
    Ok(McReport {
        config: cfg.clone(),
        k,
        beta: large_n_coupling(k, cfg.n),
        energy: pooled(&outputs, |s| &s.energy)?,
        magnetisation: pooled(&outputs, |s| &s.m)?,
        m1: pooled(&outputs, |s| &s.m1)?,
        m4: pooled(&outputs, |s| &s.m4)?,
        susceptibility: Estimate {
            mean: v * m2.mean,
            error: v * m2.error,
            ..m2
        },
        m2,
        binder: Binder { value, error },
        cluster_size,
        acceptance,
        spectrum,
        sweep_equivalents_per_measurement,
        series: outputs.into_iter().map(|o| o.series).collect(),
    })
}

fn spectrum_summary(lattice: Lattice, outputs: &[ChainOutput]) -> Result<Option<SpectrumSummary>> {
    let mut values: Option<ndarray::ArrayD<f64>> = None;
    let mut g = vec![0.0; lattice.side() / 2 + 1];
    let mut count = 0u64;
    for (acc, gsum) in outputs.iter().filter_map(|o| o.spectrum.as_ref()) {
        let c = acc.count() as f64;
        if let Some(mean) = acc.mean() {
            let weighted = mean * c;
            values = Some(match values {
                Some(v) => v + weighted,
                None => weighted,
            });
        }
        g.iter_mut().zip(gsum).for_each(|(a, b)| *a += b);
        count += acc.count();
    }
    let Some(sum) = values else { return Ok(None) };
    if count == 0 {
        return Err(Error::Mismatch(
            "spectrum accumulated no configuration".into(),
        ));
    }
    let mean = sum / count as f64;
    let c0 = mean.iter().next().copied().unwrap_or(f64::NAN);
    Ok(Some(SpectrumSummary {
        shape: lattice.half_shape(),
        values: mean.iter().copied().collect(),
        c0,
        two_point: g.iter().map(|x| x / count as f64).collect(),
    }))
}

/// Training configurations from Monte Carlo (R7.4): thermalised chains sampled every
/// `spacing` sweep-equivalents, spacing = ⌈2 τ_int(|m|²)⌉ from a pilot run.
#[derive(Debug, Clone)]
pub struct McDataSet {
    /// The configuration used (pilot: `measurements` sweeps per chain).
    pub config: McConfig,
    /// Coupling K.
    pub k: f64,
    /// β = K/n (R7.1).
    pub beta: f64,
    /// τ_int of |m|² from the pilot run, in sweep-equivalents.
    pub tau_int_m2: f64,
    /// Sweep-equivalents between recorded configurations, ≥ 2 τ_int(|m|²).
    pub spacing: u64,
    /// The configurations, chain by chain (round-robin order of chains).
    pub configurations: Vec<Spins>,
}

impl McDataSet {
    /// The large-n fields of every configuration (R7.1): element j holds the n fields φ^a of
    /// configuration j, each of shape `[L; d]`.
    pub fn fields(&self) -> Result<Vec<Vec<ndarray::ArrayD<f64>>>> {
        self.configurations.iter().map(Spins::to_fields).collect()
    }
}

/// Generates `count` configurations for training (R7.4). Each chain thermalises, measures
/// τ_int(|m|²) over `measurements` sweeps (pooled over chains), and then records a
/// configuration every ⌈2 τ_int⌉ sweeps; chain c contributes configurations c, c + C, ….
pub fn dataset(cfg: &McConfig, count: usize, progress: &dyn Progress) -> Result<McDataSet> {
    let (lattice, k) = cfg.validate()?;
    if count == 0 {
        return Err(Error::Parameter {
            name: "configurations",
            value: 0.0,
            requirement: "ask for ≥ 1 configuration",
        });
    }
    let per_site = 8 * cfg.n as u64 * lattice.volume() as u64;
    if per_site.saturating_mul(count as u64) > super::config::MEMORY_LIMIT_BYTES {
        return Err(Error::Parameter {
            name: "configurations",
            value: count as f64,
            requirement: "the data set would exceed 4 GiB",
        });
    }
    let geometry = Arc::new(Geometry::new(lattice)?);
    progress.start(
        cfg.chains as u64 * (cfg.thermalization + cfg.measurements),
        "pilot",
    );
    let mut chains: Vec<(Chain, Vec<f64>)> = (0..cfg.chains)
        .into_par_iter()
        .map(|c| -> Result<(Chain, Vec<f64>)> {
            let mut chain = thermalised_chain(cfg, &geometry, k, c, progress)?;
            let mut mvec = vec![0.0; cfg.n];
            let mut m2 = Vec::with_capacity(cfg.measurements as usize);
            for _ in 0..cfg.measurements {
                chain.sweep();
                magnetisation(chain.spins(), &mut mvec);
                m2.push(mvec.iter().map(|c| c * c).sum());
            }
            progress.advance(cfg.measurements);
            Ok((chain, m2))
        })
        .collect::<Result<_>>()?;
    progress.finish();
    let series: Vec<&[f64]> = chains.iter().map(|(_, s)| s.as_slice()).collect();
    let tau = estimate(&series)?.tau_int;
    let spacing = (2.0 * tau).ceil().max(1.0) as u64;
    let per_chain = count.div_ceil(cfg.chains);
    progress.start(
        cfg.chains as u64 * per_chain as u64 * spacing,
        "configurations",
    );
    let recorded: Vec<Vec<Spins>> = chains
        .par_iter_mut()
        .map(|(chain, _)| {
            (0..per_chain)
                .map(|_| {
                    (0..spacing).for_each(|_| {
                        chain.sweep();
                    });
                    progress.advance(spacing);
                    chain.spins().clone()
                })
                .collect()
        })
        .collect();
    progress.finish();
    let configurations = (0..count)
        .map(|j| recorded[j % cfg.chains][j / cfg.chains].clone())
        .collect();
    Ok(McDataSet {
        config: cfg.clone(),
        k,
        beta: large_n_coupling(k, cfg.n),
        tau_int_m2: tau,
        spacing,
        configurations,
    })
}
