//! The runner: builds the studies a set of claims reads, each once, by calling [`crate::study`]
//! with the configuration's parameters and seeds, observes their progress, and maps the
//! registry over the results. It computes no row itself.

use std::collections::BTreeSet;
use std::time::Instant;

use serde::Serialize;

use crate::claims::{ClaimResult, ReproduceConfig, StudyId, REGISTRY};
use crate::diffusion::reverse::Sampler;
use crate::error::{Error, Result};
use crate::experiment::ConvNet;
use crate::lattice::Lattice;
use crate::model::{LayerKind, Protocol};
use crate::progress::Observer;
use crate::study::{self, sampled, sampled_continuous as continuous};

use crate::claims::studies::Built;
pub use crate::claims::studies::Studies;

/// Everything a reproduction computed, and the verdicts.
#[derive(Debug, Clone, Serialize)]
pub struct Reproduction {
    /// The studies.
    pub studies: Studies,
    /// The claims, in registry order.
    pub claims: Vec<ClaimResult>,
    /// Wall time in seconds.
    pub wall_seconds: f64,
    /// Where the numbers came from: commit, compiler, backend, threads, command, date, the
    /// configuration's hash.
    pub provenance: crate::provenance::Provenance,
}

impl Studies {
    /// Builds every study of `cfg`.
    pub fn run(cfg: &ReproduceConfig, observer: &dyn Observer) -> Result<Self> {
        Self::build(cfg, StudyId::ALL, observer)
    }

    /// Builds the studies `ids` of `cfg` (each once, in [`StudyId::ALL`] order).
    pub fn build(cfg: &ReproduceConfig, ids: &[StudyId], observer: &dyn Observer) -> Result<Self> {
        let protocol = Protocol::new(1, cfg.lr_fraction, cfg.epsilon)?;
        let wanted: BTreeSet<StudyId> = ids.iter().copied().collect();
        let mut studies = Studies::empty(cfg.clone());
        for &id in StudyId::ALL.iter().filter(|id| wanted.contains(id)) {
            studies.insert(build_one(id, cfg, protocol, observer)?);
        }
        Ok(studies)
    }
}

/// Runs `f` as one progress stage named after the study.
fn staged<T>(observer: &dyn Observer, id: StudyId, f: impl FnOnce() -> Result<T>) -> Result<T> {
    observer.stage(id.name(), 1);
    let out = f()?;
    observer.advance(1);
    observer.finish();
    Ok(out)
}

/// Builds one study into `s`. Seeds are `cfg.seed` plus a fixed offset per study, so a study
/// gives the same result whichever others are built beside it.
///
/// Long (one short arm per study, 27 studies) on purpose: this match is the one place that maps
/// a study to the call and configuration values that build it; split up, that map would be
/// scattered over several functions.
fn build_one(
    id: StudyId,
    cfg: &ReproduceConfig,
    protocol: Protocol,
    observer: &dyn Observer,
) -> Result<Built> {
    use StudyId as S;
    let (d, seed, o) = (cfg.d, cfg.seed, observer);
    let setup = study::GenerationSetup {
        d,
        protocol,
        ..study::GenerationSetup::default()
    };
    let sampled_setup = study::SampledSetup {
        d,
        samples: cfg.numeric_samples,
        t: cfg.numeric_t,
        protocol,
        seed,
    };
    Ok(match id {
        S::Spectrum => Built::Spectrum(staged(o, id, || {
            study::spectrum_rows(d, &cfg.spectrum_sides, None)
        })?),
        S::DenseKappa => Built::DenseKappa(staged(o, id, || {
            study::dense::dense_kappa_rows(d, &cfg.numeric_sides)
        })?),
        S::Training => Built::Training(staged(o, id, || {
            study::training_table(d, &cfg.training_sides, &cfg.depths, protocol, 0.0)
        })?),
        S::NumericTraining => Built::NumericTraining(study::numeric_training(
            &sampled_setup,
            &cfg.numeric_sides,
            &cfg.depths,
            o,
        )?),
        S::TrainerComparison => {
            let setup = study::SampledSetup {
                seed: seed + 1000,
                ..sampled_setup
            };
            Built::TrainerComparison(staged(o, id, || {
                study::compare_trainer_with_closed_form(&setup, 6, 40)
            })?)
        }
        S::Timescales => Built::Timescales(staged(o, id, || study::timescales(d, 32, protocol))?),
        S::Local => {
            let rates = (cfg.lr_fraction, cfg.epsilon);
            Built::Local(study::local_rows(
                d,
                &cfg.local_sides,
                &[0.0, 0.2, 1.0],
                &[1, 2, 3],
                rates,
                o,
            )?)
        }
        S::EmpiricalLocal => {
            let largest_two = &cfg.local_sides[cfg.local_sides.len() - 2..];
            Built::EmpiricalLocal(study::local_fields::empirical_local_rows(
                d,
                largest_two,
                seed,
                o,
            )?)
        }
        S::LocalNetworkParameters => {
            let lmax = *cfg.local_sides.last().ok_or(Error::NotBuilt {
                study: "local_network_parameters (no local sides)",
            })?;
            let radius_one = [LayerKind::Local { radius: 1 }];
            Built::LocalNetworkParameters(
                ConvNet::new(Lattice::new(d, lmax)?, &radius_one)?.parameter_count(),
            )
        }
        S::LocalTraining => Built::LocalTraining(study::local_fields::local_training_rows(
            d,
            &cfg.local_sides,
            protocol,
            seed,
            o,
        )?),
        S::SampledGeneration => {
            let config = study::GenerateConfig {
                d,
                l: cfg.sampling_l,
                depth: Some(1),
                steps: 100,
                protocol,
                sampler: Sampler::SdeExponential,
                grid: study::GridSpec("geometric:0.001:8:40".into()),
                samples: cfg.sampling_samples,
                seed: seed + 7,
            };
            Built::SampledGeneration(staged(o, id, || study::generate(config))?)
        }
        S::ContinuousExactness => Built::ContinuousExactness(staged(o, id, || {
            let kappa0 = study::spectrum_row(d, cfg.spectrum_sides[0], None)?.kappa;
            let c0s = [0.05, 1.0, 4.0, kappa0];
            Ok(study::generation::continuous_time_exactness(&c0s, 3.0))
        })?),
        S::GenerationOneLayer => Built::GenerationOneLayer(staged(o, id, || {
            study::generation::one_layer_budget_rows(&setup, &cfg.generation_sides)
        })?),
        S::GenerationTwoLayer => Built::GenerationTwoLayer(staged(o, id, || {
            study::generation::two_layer_budget_rows(&setup, &cfg.generation_sides)
        })?),
        S::Horizon => Built::Horizon(staged(o, id, || {
            study::horizon_rows(d, &cfg.spectrum_sides, 1e-2)
        })?),
        S::HorizonSampled => Built::HorizonSampled(staged(o, id, || {
            continuous::sampled_horizon_rows(3, &[4, 8, 16], cfg.sampled.horizon_samples, seed + 17)
        })?),
        S::GirsanovSlack => {
            Built::GirsanovSlack(staged(o, id, || study::generation::girsanov_slack(8))?)
        }
        S::GirsanovSampled => Built::GirsanovSampled(staged(o, id, || {
            continuous::girsanov_rows(8, cfg.sampled.girsanov_samples, 400, seed + 11)
        })?),
        S::ContinuousSampled => Built::ContinuousSampled(staged(o, id, || {
            continuous::extrapolation_row(d, 8, 40, cfg.sampled.extrapolation_samples, seed + 13)
        })?),
        S::DenseScoreDeviation => Built::DenseScoreDeviation(staged(o, id, || {
            study::dense::dense_score_deviation(d, 6, 0.3)
        })?),
        S::SamplerChecks => {
            let l = cfg.sampled.sides.first().copied().unwrap_or(4);
            Built::SamplerChecks(staged(o, id, || {
                sampled::sampler_checks(d, l, 40, seed + 5000)
            })?)
        }
        S::Magnetisation => {
            let l = cfg.sampled.sides.first().copied().unwrap_or(4);
            Built::Magnetisation(staged(o, id, || {
                sampled::magnetisation_study(d, &cfg.generation_sides, l, seed + 5100)
            })?)
        }
        S::SampledGenerationScaling => Built::SampledGenerationScaling(staged(o, id, || {
            study::sampled_generation::sampled_generation_scaling(
                &setup,
                &cfg.sampled.generation_sides,
                seed + 6000,
            )
        })?),
        S::MonteCarlo => Built::MonteCarlo(study::finite_n::monte_carlo_studies(
            &cfg.monte_carlo,
            protocol,
            cfg.numeric_t,
            seed + 9000,
            o,
        )?),
        S::Optimizers => Built::Optimizers(study::optimizers::optimizer_study(
            d,
            &cfg.optimizers,
            (protocol, cfg.numeric_t, seed),
            o,
        )?),
        S::Networks => Built::Networks(study::network_check::network_claim_study(&cfg.network, o)?),
        S::NetworkIsing => Built::NetworkIsing(Box::new(
            study::network_ising::ising_network_study(&cfg.network_ising, o)?,
        )),
    })
}

/// Evaluates one claim: its verdict, or a failed claim that says why when the evaluator
/// errors (never a silent disappearance).
fn judge(claim: &crate::claims::Claim, studies: &Studies) -> ClaimResult {
    use crate::claims::{Evaluation, Verdict};
    match (claim.evaluate)(studies) {
        Ok(evaluation) => ClaimResult::judge(claim.spec, evaluation),
        Err(e) => ClaimResult {
            verdict: Verdict::Fail,
            ..ClaimResult::judge(claim.spec, Evaluation::Skipped(e.to_string()))
        },
    }
}

/// Maps the registry over the studies: one verdict per claim, in registry order.
pub fn evaluate(studies: &Studies) -> Vec<ClaimResult> {
    REGISTRY.iter().map(|claim| judge(claim, studies)).collect()
}

/// Runs every study of `cfg` and evaluates every claim.
pub fn run(cfg: &ReproduceConfig, observer: &dyn Observer) -> Result<Reproduction> {
    let start = Instant::now();
    cfg.validate()?;
    let config_text = serde_json::to_string(cfg).map_err(|e| Error::Invalid {
        name: "configuration",
        value: "the configuration".into(),
        requirement: format!("serialisable: {e}"),
    })?;
    let provenance = crate::provenance::Provenance::now(&config_text);
    let studies = Studies::run(cfg, observer)?;
    let claims = evaluate(&studies);
    Ok(Reproduction {
        studies,
        claims,
        wall_seconds: start.elapsed().as_secs_f64(),
        provenance,
    })
}

/// Evaluates the claims `ids` (e.g. `["C9"]`) on `cfg`, building only the studies their
/// registry entries name. Unknown IDs are refused before any work.
pub fn evaluate_claims(
    cfg: &ReproduceConfig,
    ids: &[String],
    observer: &dyn Observer,
) -> Result<Vec<ClaimResult>> {
    cfg.validate()?;
    let claims = ids
        .iter()
        .map(|id| crate::claims::registry::find(id))
        .collect::<Result<Vec<_>>>()?;
    let needs: Vec<StudyId> = claims
        .iter()
        .flat_map(|c| c.studies.iter().copied())
        .collect();
    let studies = Studies::build(cfg, &needs, observer)?;
    Ok(claims.iter().map(|c| judge(c, &studies)).collect())
}
