//! Tests of the finite-n Monte Carlo engine (src/mc) against exact and analytic references
//! (derivations/07, R7.1–R7.8).

use critical_slowing::theory::ising_exact::{
    ising_energy_distribution, kaufman_energy_per_site, kaufman_log_partition,
    xy_2x2_energy_per_site,
};

/// Exact ⟨e⟩ by enumeration: Σ_e e P(e).
fn enumerated_energy(d: usize, l: usize, k: f64) -> f64 {
    ising_energy_distribution(d, l, k)
        .unwrap()
        .iter()
        .map(|(e, p)| e * p)
        .sum()
}

/// R7.6 against R7.7: Kaufman's ln Z derivative equals enumeration on 3×3 and 4×4 tori; the
/// tolerance 1e-10 is rounding in sums of ~10⁴ positive terms and the L-fold products.
#[test]
fn kaufman_energy_equals_enumeration() {
    for l in [2, 3, 4] {
        for k in [0.1, 0.3, 0.440_686_793_509_771_5, 0.6, 1.2] {
            let exact = enumerated_energy(2, l, k);
            let kaufman = kaufman_energy_per_site(k, l).unwrap();
            assert!((exact - kaufman).abs() < 1e-10, "L = {l}, K = {k}: {exact} vs {kaufman}");
        }
    }
}
