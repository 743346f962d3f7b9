use critical_slowing::mc::*;
fn main() {
    for alg in [Algorithm::Wolff, Algorithm::Metropolis] {
        let cfg = McConfig {
            n: 1,
            d: 2,
            l: 4,
            coupling: Coupling::Value(0.3),
            algorithm: alg,
            chains: 1,
            thermalization: 100,
            measurements: 20000,
            seed: 1,
            spectrum: false,
        };
        let r = run(&cfg, &NoProgress).unwrap();
        println!("{alg:?} e={:?} cl={:?}", r.energy, r.cluster_size);
    }
    let g = Geometry::new(critical_slowing::Lattice::new(2, 4).unwrap()).unwrap();
    for x in 0..16 {
        println!("{x}: {:?}", g.neighbours(x));
    }
}
