//! Analyse lattice configurations from an `.npz` file: the measured spectrum, κ and the
//! one-layer and two-layer training times with their jackknife errors.
//!
//! `cargo run --release --example analyse_npz -- data.npz` (an array [M, L, …] or
//! [M, n, L, …]); without an argument it first writes 2000 critical large-n fields (d = 3,
//! L = 8) to a temporary `.npz`, as numpy's `np.savez(path, phi=fields)` would.

use std::path::PathBuf;

use critical_slowing::data::file::{read, write_npz, FileOptions};
use critical_slowing::data::GaussianField;
use critical_slowing::diffusion::reverse::Sampler;
use critical_slowing::model::Protocol;
use critical_slowing::sampling::{seeded_rng, FieldSampler};
use critical_slowing::study::analyse::{analyse, AnalyseConfig};
use critical_slowing::study::GridSpec;
use critical_slowing::Lattice;

fn main() -> critical_slowing::Result<()> {
    let scratch = tempfile::tempdir()
        .map_err(|e| critical_slowing::Error::io("create", "temp".as_ref(), e))?;
    let path = match std::env::args().nth(1) {
        Some(p) => PathBuf::from(p),
        None => write_example(&scratch.path().join("critical.npz"))?,
    };
    let loaded = read(&path, &FileOptions::default())?;
    let cfg = AnalyseConfig {
        protocol: Protocol::new(1, 0.5, 1e-2)?,
        t: 0.0,
        level: 0.05,
        blocks: 10,
        sampler: Sampler::SdeExponential,
        grid: GridSpec("geometric:0.001:8:40".into()),
        budget: 100,
    };
    let analysis = analyse(&[(loaded.data, loaded.source)], &cfg)?;
    let f = &analysis.files[0];
    println!(
        "{}: {} configurations, d = {}, L = {}",
        path.display(),
        f.configurations,
        f.d,
        f.l
    );
    println!(
        "κ = {:.1} ± {:.1} (95 % for Gaussian data: [{:.1}, {:.1}])",
        f.kappa.kappa.value, f.kappa.kappa.error, f.kappa.lo, f.kappa.hi
    );
    for t in f
        .training
        .iter()
        .filter(|t| t.optimizer == "gd" && t.depth <= 2)
    {
        println!(
            "T_{}(ε = 0.01) = {:.0} ± {:.0} steps",
            t.depth, t.steps.value, t.steps.error
        );
    }
    Ok(())
}

/// 2000 fields of the critical large-n model, d = 3, L = 8, written as `phi` [M, L, L, L].
fn write_example(path: &std::path::Path) -> critical_slowing::Result<PathBuf> {
    let lattice = Lattice::new(3, 8)?;
    let field = GaussianField::large_n_critical(lattice)?;
    let sampler = FieldSampler::new(field.spectrum())?;
    let mut rng = seeded_rng(1);
    let fields: Vec<_> = (0..2000)
        .map(|_| sampler.sample_many(1, &mut rng).remove(0))
        .collect();
    let views: Vec<_> = fields.iter().map(|f| f.view()).collect();
    let phi = ndarray::stack(ndarray::Axis(0), &views)
        .map_err(|e| critical_slowing::Error::Mismatch(e.to_string()))?;
    write_npz(path, false, |npz| npz.add_array("phi", &phi))?;
    Ok(path.to_path_buf())
}
