//! Tables built from the closed forms, as printed by the command-line tool (human text) and
//! exported as JSON.

use std::fmt::Write as _;

use serde::Serialize;

use crate::data::{critical_coupling, GaussianField};
use crate::diffusion::forward::spectrum_at;
use crate::error::Result;
use crate::fit;
use crate::lattice::Lattice;
use crate::theory::{training_time, Protocol};

/// Spectrum summary of the large-n model on one lattice (R1.2–R1.5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpectrumRow {
    /// Dimension d.
    pub d: usize,
    /// Side L.
    pub l: usize,
    /// Coupling β.
    pub beta: f64,
    /// Mass μ from the gap equation.
    pub mu: f64,
    /// μ L² (tends to a constant at β_c in d = 3).
    pub mu_l2: f64,
    /// Second-moment correlation length ξ = √(β/μ).
    pub xi: f64,
    /// ξ/L.
    pub xi_over_l: f64,
    /// Condition number κ = C_max/C_min.
    pub kappa: f64,
    /// κ/L².
    pub kappa_over_l2: f64,
    /// Relative residual of the gap equation.
    pub gap_residual: f64,
}

/// The large-n model on (Z_L)^d at coupling β (β_c(d) when `beta` is `None`).
pub fn spectrum_row(d: usize, l: usize, beta: Option<f64>) -> Result<SpectrumRow> {
    let lattice = Lattice::new(d, l)?;
    let beta = match beta {
        Some(b) => b,
        None => critical_coupling(d)?,
    };
    let field = GaussianField::large_n(lattice, beta)?;
    let (_, mu) = field
        .coupling_and_mass()
        .expect("large-n model has β and μ");
    let residual = match field.kind() {
        crate::data::model::ModelKind::LargeN { gap_residual, .. } => gap_residual,
        _ => unreachable!("built as large-n"),
    };
    let lf = l as f64;
    let xi = field.correlation_length().expect("large-n model has ξ");
    let kappa = field.condition_number();
    Ok(SpectrumRow {
        d,
        l,
        beta,
        mu,
        mu_l2: mu * lf * lf,
        xi,
        xi_over_l: xi / lf,
        kappa,
        kappa_over_l2: kappa / (lf * lf),
        gap_residual: residual,
    })
}

/// Human-readable spectrum table.
pub fn format_spectrum(rows: &[SpectrumRow]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>2} {:>5} {:>12} {:>13} {:>10} {:>11} {:>8} {:>13} {:>9} {:>10}",
        "d", "L", "beta", "mu", "mu*L^2", "xi", "xi/L", "kappa", "kappa/L^2", "residual"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{:>2} {:>5} {:>12.9} {:>13.6e} {:>10.6} {:>11.4} {:>8.5} {:>13.6e} {:>9.5} {:>10.1e}",
            r.d,
            r.l,
            r.beta,
            r.mu,
            r.mu_l2,
            r.xi,
            r.xi_over_l,
            r.kappa,
            r.kappa_over_l2,
            r.gap_residual
        );
    }
    s
}

/// One row of the training-time table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainingRow {
    /// Side L.
    pub l: usize,
    /// Depth D.
    pub depth: usize,
    /// κ(t) of the spectrum trained on.
    pub kappa: f64,
    /// Learning rate η.
    pub learning_rate: f64,
    /// Discrete GD steps T_D(ε).
    pub steps: u64,
    /// Gradient-flow time τ_D(ε).
    pub flow_time: f64,
}

/// Fitted scaling of the steps of one depth over L.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DepthFit {
    /// Depth D.
    pub depth: usize,
    /// Exponent p of T_D ∝ L^p (log–log least squares).
    pub exponent: f64,
    /// Slope b of T_D = a + b ln L (relevant for D = 2).
    pub log_slope: f64,
    /// Predicted exponent: 2 for D = 1 (R3.3), 2 − 4/D for D ≥ 3 (R4.5), none (logarithmic,
    /// R4.4) for D = 2.
    pub predicted_exponent: Option<f64>,
}

/// Training-time table T_D(L) at β_c(d), diffusion time t, for several depths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingTable {
    /// Dimension d.
    pub d: usize,
    /// Diffusion time t of the training.
    pub t: f64,
    /// Learning-rate fraction c and accuracy ε (depth varies per row).
    pub protocol: Protocol,
    /// One row per (depth, L).
    pub rows: Vec<TrainingRow>,
    /// One fit per depth (empty when fewer than two L).
    pub fits: Vec<DepthFit>,
}

/// Builds the table of T_D(ε) over `sides` × `depths` at β_c(d), diffusion time `t`.
pub fn training_table(
    d: usize,
    sides: &[usize],
    depths: &[usize],
    protocol: Protocol,
    t: f64,
) -> Result<TrainingTable> {
    let mut rows = Vec::new();
    for &l in sides {
        let field = GaussianField::large_n_critical(Lattice::new(d, l)?)?;
        let spectrum_t = spectrum_at(field.spectrum(), t)?;
        for &depth in depths {
            let tt = training_time(&spectrum_t, &protocol.with_depth(depth)?)?;
            rows.push(TrainingRow {
                l,
                depth,
                kappa: tt.condition_number,
                learning_rate: tt.learning_rate,
                steps: tt.steps,
                flow_time: tt.flow_time,
            });
        }
    }
    let mut fits = Vec::new();
    if sides.len() >= 2 {
        for &depth in depths {
            let pts: Vec<&TrainingRow> = rows.iter().filter(|r| r.depth == depth).collect();
            let ls: Vec<f64> = pts.iter().map(|r| r.l as f64).collect();
            let ts: Vec<f64> = pts.iter().map(|r| r.steps as f64).collect();
            let ln_l: Vec<f64> = ls.iter().map(|v| v.ln()).collect();
            let predicted_exponent = match depth {
                1 => Some(2.0),
                2 => None,
                _ => Some(2.0 - 4.0 / depth as f64),
            };
            fits.push(DepthFit {
                depth,
                exponent: fit::power_law(&ls, &ts)?.slope,
                log_slope: fit::line(&ln_l, &ts)?.slope,
                predicted_exponent,
            });
        }
    }
    Ok(TrainingTable {
        d,
        t,
        protocol,
        rows,
        fits,
    })
}

/// Human-readable training-time table with fits.
pub fn format_training(table: &TrainingTable) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "training time to eps = {} at beta_c, d = {}, t = {}, eta = c/lambda* with c = {}",
        table.protocol.epsilon, table.d, table.t, table.protocol.lr_fraction
    );
    let _ = writeln!(
        s,
        "{:>5} {:>5} {:>13} {:>11} {:>10} {:>13}",
        "depth", "L", "kappa", "eta", "steps", "flow time"
    );
    for r in &table.rows {
        let _ = writeln!(
            s,
            "{:>5} {:>5} {:>13.6e} {:>11.5e} {:>10} {:>13.6e}",
            r.depth, r.l, r.kappa, r.learning_rate, r.steps, r.flow_time
        );
    }
    for f in &table.fits {
        let predicted = match f.predicted_exponent {
            Some(p) => format!("{p:.4}"),
            None => "log L".to_string(),
        };
        let _ = writeln!(
            s,
            "depth {}: T ~ L^{:.4} (predicted {}); T = a + b ln L with b = {:.3}",
            f.depth, f.exponent, predicted, f.log_slope
        );
    }
    s
}
