//! The large-n gap equation, the critical coupling and finite-size scaling at β_c
//! (R1.2, R1.3, R1.4, R1.5).

use critical_slowing::data::critical_coupling::critical_coupling_d3_closed_form;
use critical_slowing::data::gap_equation::{self, RESIDUAL_TOLERANCE};
use critical_slowing::data::{critical_coupling, GaussianField};
use critical_slowing::{Error, Lattice};

/// g(μ) − 1 summed over every mode one by one, with no mode classes (independent of R1.1's
/// grouping).
fn brute_force_residual(lattice: Lattice, beta: f64, mu: f64) -> f64 {
    let mut sum = 0.0;
    lattice.for_each_index(|n| {
        let lambda: f64 = n
            .iter()
            .map(|&m| {
                let k = 2.0 * std::f64::consts::PI * m as f64 / lattice.side() as f64;
                2.0 - 2.0 * k.cos()
            })
            .sum();
        sum += 1.0 / (beta * lambda + mu);
    });
    sum / lattice.volume() as f64 - 1.0
}

/// R1.2, R1.3: the root has relative residual ≤ 1e-12, also when the residual is recomputed
/// mode by mode without the class grouping.
#[test]
fn gap_equation_residual_is_below_tolerance() {
    for (d, l) in [
        (1, 7),
        (1, 64),
        (2, 8),
        (2, 33),
        (3, 4),
        (3, 16),
        (4, 6),
        (4, 8),
    ] {
        let lattice = Lattice::new(d, l).unwrap();
        for beta in [0.05, 0.2, 0.252731009858663, 0.5, 2.0, 10.0] {
            let sol = gap_equation::solve(&lattice.mode_classes(), beta).unwrap();
            assert!(sol.mu > 0.0 && sol.mu.is_finite());
            assert!(
                sol.mu >= 1.0 / lattice.volume() as f64 && sol.mu <= 1.0,
                "R1.3 bracket"
            );
            assert!(sol.residual.abs() <= RESIDUAL_TOLERANCE);
            // Summation order differs: allow rounding of a V-term sum (V·1e-16 ≤ 5e-13).
            let brute = brute_force_residual(lattice, beta, sol.mu);
            assert!(
                brute.abs() <= RESIDUAL_TOLERANCE,
                "d = {d}, L = {l}, beta = {beta}: {brute:e}"
            );
        }
    }
}

/// The class grouping makes d = 3, L = 256 (16.7 M modes) cheap; the solution still meets the
/// residual bound.
#[test]
fn gap_equation_solves_large_lattices() {
    let lattice = Lattice::new(3, 256).unwrap();
    let beta = critical_coupling(3).unwrap();
    let sol = gap_equation::solve(&lattice.mode_classes(), beta).unwrap();
    assert!(sol.residual.abs() <= RESIDUAL_TOLERANCE);
}

/// R1.4: β_c(3) = W_s/2 to ≥ 10 digits, against the quoted constant and against the Γ-function
/// closed form; β_c(4) = u_4/8 with Pólya's u_4 = 1.239467121… (return probability 0.193206).
#[test]
fn critical_coupling_matches_watson() {
    let b3 = critical_coupling(3).unwrap();
    assert!(
        (b3 - 0.252731009858663).abs() < 1e-13,
        "beta_c(3) = {b3:.16}"
    );
    // statrs' Γ is accurate to ~1e-14 relative at these arguments.
    assert!((b3 - critical_coupling_d3_closed_form()).abs() < 1e-12);
    let b4 = critical_coupling(4).unwrap();
    // u_4 is known to 9 digits here, hence the 1e-8 relative tolerance.
    assert!(
        (b4 / (1.239467121 / 8.0) - 1.0).abs() < 1e-8,
        "beta_c(4) = {b4:.12}"
    );
    for d in [0, 1, 2] {
        assert_eq!(critical_coupling(d), Err(Error::NoTransition { d }));
    }
}

/// R1.5: at β_c in d = 3, μ_L L² and κ/L² converge (successive differences shrink, towards
/// the factor 1/2 per doubling of a 1/L correction) and κ = (4dβ + μ)/μ for even L; snapshot
/// of the sequence (6 digits).
#[test]
fn finite_size_scaling_at_criticality() {
    let beta = critical_coupling(3).unwrap();
    let sides = [4usize, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128];
    let mut table = String::from("L  mu_L*L^2  kappa/L^2  xi/L\n");
    let mut doubling: Vec<(usize, f64, f64)> = Vec::new();
    for &l in &sides {
        let field = GaussianField::large_n(Lattice::new(3, l).unwrap(), beta).unwrap();
        let (_, mu) = field.coupling_and_mass().unwrap();
        let lf = l as f64;
        let kappa = field.condition_number();
        // κ from the model's own formula (even L has the mode (π, π, π)): independent of the
        // min/max search over the spectrum.
        let kappa_formula = (12.0 * beta + mu) / mu;
        assert!((kappa / kappa_formula - 1.0).abs() < 1e-12);
        let xi = field.correlation_length().unwrap();
        table += &format!(
            "{l} {:.5e} {:.5e} {:.5e}\n",
            mu * lf * lf,
            kappa / (lf * lf),
            xi / lf
        );
        if l.is_power_of_two() && l >= 8 {
            doubling.push((l, mu * lf * lf, kappa / (lf * lf)));
        }
    }
    // Convergence: along L = 8, 16, …, 128 the increments of μL² (up) and κ/L² (down) keep
    // one sign and shrink at every doubling; the last two doublings shrink them by ≤ 0.6, as a
    // leading 1/L correction (factor 1/2) requires.
    let inc_mu: Vec<f64> = doubling.windows(2).map(|w| w[1].1 - w[0].1).collect();
    let inc_kappa: Vec<f64> = doubling.windows(2).map(|w| w[1].2 - w[0].2).collect();
    for w in inc_mu.windows(2) {
        assert!(
            w[0] > 0.0 && w[1] > 0.0 && w[1] < w[0],
            "mu L^2 increments {w:?}"
        );
    }
    for w in inc_kappa.windows(2) {
        assert!(
            w[0] < 0.0 && w[1] < 0.0 && w[1].abs() < w[0].abs(),
            "kappa/L^2 increments {w:?}"
        );
    }
    for inc in [&inc_mu, &inc_kappa] {
        let n = inc.len();
        assert!(
            inc[n - 1] / inc[n - 2] <= 0.6 && inc[n - 2] / inc[n - 3] <= 0.6,
            "{inc:?}"
        );
    }
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("finite_size_scaling_d3", table);
    });
}
