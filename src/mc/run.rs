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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::sync::Mutex;

    use super::*;
    use crate::mc::config::Coupling;

    const V: f64 = 16.0;

    fn config(n: usize, algorithm: Algorithm) -> McConfig {
        McConfig {
            n,
            d: 2,
            l: 4,
            coupling: Coupling::Value(0.3),
            algorithm,
            chains: 2,
            thermalization: 70,
            measurements: 150,
            seed: 5,
            spectrum: false,
        }
    }

    /// Records what a run reports: the stages announced, the sweep-equivalents advanced and
    /// the stages finished.
    #[derive(Default)]
    struct Counting {
        stages: Mutex<Vec<(u64, String)>>,
        advanced: AtomicU64,
        finished: AtomicUsize,
    }

    impl Progress for Counting {
        fn start(&self, total: u64, label: &str) {
            self.stages.lock().unwrap().push((total, label.to_string()));
        }
        fn advance(&self, n: u64) {
            self.advanced.fetch_add(n, Ordering::Relaxed);
        }
        fn finish(&self) {
            self.finished.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Every sweep-equivalent is reported once: 2 chains × (70 + 150) = 440, neither 70 nor
    /// 150 a multiple of the 64-sweep stride (their remainders 6 and 22 come at the end; 150
    /// so that the remainder differs from the quotient 2).
    /// The series have one entry per measurement, with |m| = √|m|², |m|⁴ = (|m|²)² and, for
    /// n = 1, (m¹)² = |m|².
    #[test]
    fn a_run_reports_every_sweep_and_measures_each_one() {
        for algorithm in [Algorithm::Wolff, Algorithm::Metropolis] {
            let p = Counting::default();
            let report = run(&config(1, algorithm), &p).unwrap();
            assert_eq!(
                *p.stages.lock().unwrap(),
                vec![(440, "monte carlo".to_string())]
            );
            assert_eq!(p.advanced.load(Ordering::Relaxed), 440);
            assert_eq!(p.finished.load(Ordering::Relaxed), 1);
            assert_eq!(report.series.len(), 2);
            for s in &report.series {
                for v in [&s.energy, &s.m, &s.m1, &s.m2, &s.m4, &s.sites, &s.clusters] {
                    assert_eq!(v.len(), 150);
                }
                for i in 0..150 {
                    assert!((s.m[i] - s.m2[i].sqrt()).abs() < 1e-15);
                    assert!((s.m4[i] - s.m2[i] * s.m2[i]).abs() < 1e-15);
                    assert!((s.m1[i] * s.m1[i] - s.m2[i]).abs() < 1e-15);
                }
            }
            assert_eq!(report.beta, 0.3);
        }
    }

    /// With the spectrum switched on, its zero mode is Ĉ_0 = V|m|² averaged over the same
    /// measurements as the series (a second path to χ), and G(0) = 1.
    #[test]
    fn the_spectrum_zero_mode_is_the_susceptibility_of_the_series() {
        let cfg = McConfig {
            spectrum: true,
            ..config(2, Algorithm::Metropolis)
        };
        let report = run(&cfg, &NoProgress).unwrap();
        let spectrum = report.spectrum.unwrap();
        let m2: Vec<f64> = report.series.iter().flat_map(|s| s.m2.clone()).collect();
        let chi = V * m2.iter().sum::<f64>() / m2.len() as f64;
        assert!(
            (spectrum.c0 - chi).abs() < 1e-12 * chi,
            "{} {chi}",
            spectrum.c0
        );
        assert_eq!(spectrum.values[0], spectrum.c0);
        assert_eq!(spectrum.shape, vec![4, 3]);
        assert!((spectrum.two_point[0] - 1.0).abs() < 1e-12);
        assert!((report.susceptibility.mean - chi).abs() < 1e-12 * chi);
    }

    fn series(phase: usize) -> ChainSeries {
        let at =
            |i: usize, f: fn(usize) -> f64| -> Vec<f64> { (0..64).map(|j| f(j + i)).collect() };
        let p = phase;
        ChainSeries {
            energy: at(p, |i| -1.0 + 0.01 * (i % 5) as f64),
            m: at(p, |i| 0.3 + 0.001 * (i % 7) as f64),
            m1: at(p, |i| 0.1 * (i % 3) as f64 - 0.1),
            m2: at(p, |i| 0.1 + 0.01 * ((7 * i) % 13) as f64),
            m4: at(p, |i| 0.02 + 0.003 * (i % 11) as f64),
            sites: at(p, |i| 10.0 + (i % 4) as f64),
            clusters: at(p, |i| 2.0 + (i % 2) as f64),
        }
    }

    fn outputs() -> Vec<ChainOutput> {
        [0, 3]
            .into_iter()
            .map(|p| ChainOutput {
                series: series(p),
                spectrum: None,
            })
            .collect()
    }

    fn all(pick: fn(&ChainSeries) -> &Vec<f64>) -> Vec<f64> {
        [series(0), series(3)]
            .iter()
            .flat_map(|s| pick(s).clone())
            .collect()
    }

    fn mean(x: &[f64]) -> f64 {
        x.iter().sum::<f64>() / x.len() as f64
    }

    /// The summary of two hand-made chains of 64 measurements (n = 2, V = 16): each estimate
    /// from its own series, χ = V⟨|m|²⟩, U = 1 − ½⟨m⁴⟩/⟨m²⟩² with the jackknife over 32
    /// blocks of 4 written out here, the Wolff cluster size Σ|C|/#clusters and sweep
    /// equivalents Σ|C|/(N V), the Metropolis acceptance Σaccepted/(N V), β = K/2.
    #[test]
    fn summary_of_hand_made_chains() {
        let chains = |pick: fn(&ChainSeries) -> &Vec<f64>| {
            estimate(&[pick(&series(0)), pick(&series(3))]).unwrap()
        };
        let (m2, m4) = (all(|s| &s.m2), all(|s| &s.m4));
        let binder = |a: &[f64], b: &[f64]| 1.0 - 0.5 * mean(b) / (mean(a) * mean(a));
        let leave_out: Vec<f64> = (0..32)
            .map(|b| {
                let keep = |x: &[f64]| -> Vec<f64> {
                    (0..128).filter(|i| i / 4 != b).map(|i| x[i]).collect()
                };
                binder(&keep(&m2), &keep(&m4))
            })
            .collect();
        let bar = mean(&leave_out);
        let jack = (31.0 / 32.0 * leave_out.iter().map(|v| (v - bar).powi(2)).sum::<f64>()).sqrt();
        let (sites, clusters) = (all(|s| &s.sites), all(|s| &s.clusters));
        let per_measurement = sites.iter().sum::<f64>() / (128.0 * V);
        let lattice = Lattice::new(2, 4).unwrap();

        let wolff = summarise(&config(2, Algorithm::Wolff), lattice, 0.3, outputs()).unwrap();
        assert_eq!(wolff.energy, chains(|s| &s.energy));
        assert_eq!(wolff.magnetisation, chains(|s| &s.m));
        assert_eq!(wolff.m1, chains(|s| &s.m1));
        assert_eq!(wolff.m2, chains(|s| &s.m2));
        assert_eq!(wolff.m4, chains(|s| &s.m4));
        let chi = wolff.susceptibility;
        assert!((chi.mean - V * mean(&m2)).abs() < 1e-14);
        assert!((chi.error - V * wolff.m2.error).abs() < 1e-15);
        assert_eq!(
            (chi.tau_int, chi.window),
            (wolff.m2.tau_int, wolff.m2.window)
        );
        assert!((wolff.binder.value - binder(&m2, &m4)).abs() < 1e-14);
        assert!((wolff.binder.error - jack).abs() < 1e-14, "{jack}");
        let size = wolff.cluster_size.unwrap();
        assert!(
            (size.mean - sites.iter().sum::<f64>() / clusters.iter().sum::<f64>()).abs() < 1e-14
        );
        assert!(size.error > 0.0);
        assert_eq!(wolff.acceptance, None);
        assert!((wolff.sweep_equivalents_per_measurement - per_measurement).abs() < 1e-15);
        assert_eq!((wolff.k, wolff.beta), (0.3, 0.15));
        assert!(wolff.spectrum.is_none());
        assert_eq!(wolff.series[1].m2, series(3).m2);

        let metropolis =
            summarise(&config(2, Algorithm::Metropolis), lattice, 0.3, outputs()).unwrap();
        assert_eq!(metropolis.cluster_size, None);
        assert!((metropolis.acceptance.unwrap() - per_measurement).abs() < 1e-15);
        assert_eq!(metropolis.sweep_equivalents_per_measurement, 1.0);
    }

    /// Ordered configurations three times in one chain and the checkerboard once in the
    /// other: Ĉ_0 = (3·16 + 0)/4 = 12, Ĉ_(π,π) = 16/4 = 4 (half-layout index 2·3 + 2 = 8),
    /// every other mode 0; G = (3·(1, 1, 1) + (1, −1, 1))/4 = (1, ½, 1).
    #[test]
    fn spectra_of_chains_are_pooled_by_measurement() {
        let lattice = Lattice::new(2, 4).unwrap();
        let geometry = Geometry::new(lattice).unwrap();
        let ordered = Spins::ordered(1, lattice).unwrap();
        let checkerboard = crate::mc::measure::tests::checkerboard(2, 4);
        let chain = |spins: &Spins, times: usize| {
            let mut acc = SpectrumAccumulator::new(&geometry);
            let mut g = vec![0.0; 3];
            let mut sum = vec![0.0; 3];
            for _ in 0..times {
                acc.add(spins).unwrap();
                two_point(&geometry, spins, &mut g).unwrap();
                sum.iter_mut().zip(&g).for_each(|(a, b)| *a += b);
            }
            ChainOutput {
                series: ChainSeries::default(),
                spectrum: Some((acc, sum)),
            }
        };
        let s = spectrum_summary(lattice, &[chain(&ordered, 3), chain(&checkerboard, 1)])
            .unwrap()
            .unwrap();
        assert_eq!(s.shape, vec![4, 3]);
        for (i, v) in s.values.iter().enumerate() {
            let want = match i {
                0 => 12.0,
                8 => 4.0,
                _ => 0.0,
            };
            assert!((v - want).abs() < 1e-12, "mode {i}: {v}");
        }
        assert_eq!(s.c0, s.values[0]);
        for (g, want) in s.two_point.iter().zip([1.0, 0.5, 1.0]) {
            assert!((g - want).abs() < 1e-12, "{:?}", s.two_point);
        }
        assert!(spectrum_summary(lattice, &outputs()).unwrap().is_none());
    }

    /// The data set's two stages (pilot 2 × 220; recording 2 chains × ⌈5/2⌉ configurations ×
    /// spacing), the spacing ⌈2 τ_int(|m|²)⌉ of the pilot's series, and the order: replaying
    /// chain c (thermalise, fix the clusters per sweep, 150 pilot sweeps, then `spacing`
    /// sweeps per configuration) gives configurations c, c + 2, … of the set; their fields
    /// are the spins themselves (n = 1).
    #[test]
    fn a_data_set_is_the_replayed_chains_in_round_robin() {
        let cfg = config(1, Algorithm::Wolff);
        let p = Counting::default();
        let data = dataset(&cfg, 5, &p).unwrap();
        let spacing = data.spacing;
        assert_eq!(
            *p.stages.lock().unwrap(),
            vec![
                (440, "pilot".to_string()),
                (6 * spacing, "configurations".to_string())
            ]
        );
        assert_eq!(p.advanced.load(Ordering::Relaxed), 440 + 6 * spacing);
        assert_eq!(p.finished.load(Ordering::Relaxed), 2);
        assert_eq!(data.configurations.len(), 5);
        assert_eq!((data.k, data.beta), (0.3, 0.3));
        let geometry = Arc::new(Geometry::new(Lattice::new(2, 4).unwrap()).unwrap());
        let mut pilot = Vec::new();
        let mut replayed = vec![None; 5];
        for c in 0..2 {
            let mut chain = Chain::new(geometry.clone(), 1, Algorithm::Wolff, 0.3, 5, c).unwrap();
            for _ in 0..70 {
                chain.sweep();
            }
            chain.fix_clusters_per_sweep();
            let mut m = [0.0];
            pilot.push(
                (0..150)
                    .map(|_| {
                        chain.sweep();
                        magnetisation(chain.spins(), &mut m);
                        m[0] * m[0]
                    })
                    .collect::<Vec<f64>>(),
            );
            for j in (c as usize..5).step_by(2) {
                for _ in 0..spacing {
                    chain.sweep();
                }
                replayed[j] = Some(chain.spins().clone());
            }
        }
        let tau = estimate(&[&pilot[0], &pilot[1]]).unwrap().tau_int;
        assert_eq!(data.tau_int_m2, tau);
        assert_eq!(spacing, (2.0 * tau).ceil().max(1.0) as u64);
        for (j, (got, want)) in data.configurations.iter().zip(&replayed).enumerate() {
            assert_eq!(
                got.values(),
                want.as_ref().unwrap().values(),
                "configuration {j}"
            );
        }
        // n = 1: one field per configuration, φ = √1 s on the 4 × 4 lattice
        let fields = data.fields().unwrap();
        assert_eq!(fields.len(), 5);
        for (f, c) in fields.iter().zip(&data.configurations) {
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].shape(), &[4, 4]);
            assert_eq!(f[0].iter().copied().collect::<Vec<_>>(), c.values());
        }
    }

    /// Refused before any work: no configuration, or more than 4 GiB of them
    /// (8 bytes × 16 sites × 33 554 433 > 2³²).
    #[test]
    fn a_data_set_refuses_bad_counts() {
        let cfg = config(1, Algorithm::Wolff);
        let p = Counting::default();
        assert!(dataset(&cfg, 0, &p).is_err());
        assert!(dataset(&cfg, 33_554_433, &p).is_err());
        assert!(p.stages.lock().unwrap().is_empty());
    }
}
