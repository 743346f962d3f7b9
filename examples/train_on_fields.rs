//! Train a one-layer and a two-layer score network by full-batch gradient descent on sampled
//! critical fields, and compare the measured training time with its closed form on the data
//! set's own statistics and on the population spectrum.
//!
//! `cargo run --release --example train_on_fields`

use critical_slowing::experiment::trainer::{FullBatchGd, StoppingRule};
use critical_slowing::experiment::ConvNet;
use critical_slowing::model::{LayerKind, Protocol};
use critical_slowing::study::training::{empirical_prediction, SampledProblem};
use critical_slowing::theory::training_time;

fn main() -> critical_slowing::Result<()> {
    // d = 3, L = 6, M = 1024 fields of the large-n model at β_c, noised to t = 1/2, seed 7
    let problem = SampledProblem::draw(3, 6, 1024, 0.5, 7)?;
    let spectrum = &problem.spectrum_t;
    for depth in [1, 2] {
        let p = Protocol::new(depth, 0.5, 1e-2)?;
        let (eta, v0) = (p.learning_rate(spectrum), p.initial_symbol(spectrum));
        let mut net = ConvNet::balanced(spectrum.lattice(), &vec![LayerKind::Full; depth], v0)?;
        let rule = StoppingRule::relative_symbol_error(p.epsilon, problem.stats.optimum())?;
        let log = FullBatchGd::new(eta, 100_000)?.train(&mut net, &problem.batch, &rule)?;
        let data = empirical_prediction(&problem.stats, depth, eta, v0, p.epsilon, 100_000);
        let population = training_time(spectrum, &p)?.steps;
        let steps = |n: Option<u64>| n.map_or("not reached".to_string(), |n| n.to_string());
        println!(
            "depth {depth}: measured {} steps; closed form on the data {}; on the population {population}",
            steps(log.trained_at),
            steps(data)
        );
    }
    Ok(())
}
