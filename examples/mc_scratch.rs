use critical_slowing::mc::*;
use std::time::Instant;
fn main() {
    let kc = 0.440_686_793_509_771_5;
    for (alg, ls, meas) in [
        (Algorithm::Metropolis, vec![4usize, 8, 16], 100_000u64),
        (Algorithm::Wolff, vec![8, 16, 32], 5_000),
    ] {
        for l in ls {
            let t = Instant::now();
            let cfg = McConfig {
                n: 1,
                d: 2,
                l,
                coupling: Coupling::Value(kc),
                algorithm: alg,
                chains: 2,
                thermalization: 2000,
                measurements: meas,
                seed: 1,
                spectrum: false,
            };
            let r = run(&cfg, &NoProgress).unwrap();
            println!("{alg:?} L={l} chi={:.3}±{:.3} tau_m2={:.2}±{:.2} tau_m1={:.2} se/meas={:.3} U={:.4}±{:.4} cl={:?} {:.2}s", r.susceptibility.mean, r.susceptibility.error, r.m2.tau_int, r.m2.tau_error, r.m1.tau_int, r.sweep_equivalents_per_measurement, r.binder.value, r.binder.error, r.cluster_size.map(|c| c.mean), t.elapsed().as_secs_f64());
        }
    }
    let bc = critical_slowing::data::critical_coupling(3).unwrap();
    for n in [0usize; 0] {
        let t = Instant::now();
        let cfg = McConfig {
            n,
            d: 3,
            l: 4,
            coupling: Coupling::Value(n as f64 * bc),
            algorithm: Algorithm::Wolff,
            chains: 2,
            thermalization: 1000,
            measurements: 20000,
            seed: 1,
            spectrum: false,
        };
        let r = run(&cfg, &NoProgress).unwrap();
        let lat = critical_slowing::Lattice::new(3, 4).unwrap();
        let c0 = critical_slowing::data::GaussianField::large_n(lat, bc)
            .unwrap()
            .spectrum()
            .at(&[0, 0, 0]);
        println!(
            "n={n} chi={:.4}±{:.4} largeN={c0:.4} rel={:.4} tau={:.2} {:.2}s",
            r.susceptibility.mean,
            r.susceptibility.error,
            r.susceptibility.mean / c0 - 1.0,
            r.m2.tau_int,
            t.elapsed().as_secs_f64()
        );
    }
}
