//! Gaussian lattice fields: the large-n O(n) model, the massive free field, a user spectrum.

use serde::Serialize;

use crate::data::{critical_coupling, gap_equation};
use crate::error::{positive, Error, Result};
use crate::lattice::Lattice;
use crate::symbol::Symbol;

/// Which data model produced a spectrum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum ModelKind {
    /// One component of the O(n) model at n → ∞, μ from the gap equation (R1.2).
    LargeN {
        /// Coupling β.
        beta: f64,
        /// Mass μ solving the gap equation.
        mu: f64,
        /// Relative residual of the gap equation at μ.
        gap_residual: f64,
    },
    /// The massive free field with precision β(−Δ) + μ.
    MassiveFree {
        /// Stiffness β.
        beta: f64,
        /// Mass μ.
        mu: f64,
    },
    /// A spectrum given mode by mode.
    User,
}

/// A centred stationary Gaussian field on a periodic lattice, given by its covariance
/// spectrum C_k (a positive, even [`Symbol`]).
#[derive(Debug, Clone)]
pub struct GaussianField {
    kind: ModelKind,
    spectrum: Symbol,
}

/// Checks that a model spectrum is finite and > 0 on every mode (it underflows when βλ_k
/// overflows, e.g. for astronomically large β).
fn checked(kind: ModelKind, spectrum: Symbol) -> Result<GaussianField> {
    if spectrum.is_positive() {
        Ok(GaussianField { kind, spectrum })
    } else {
        Err(Error::Parameter {
            name: "spectrum minimum",
            value: spectrum.min(),
            requirement: "the parameters give a covariance that is not finite and > 0 on every mode (beta or mu too extreme)",
        })
    }
}

impl GaussianField {
    /// The n → ∞ O(n) model at coupling β: C_k = 1/(βλ_k + μ) with μ from the gap equation
    /// (R1.2, R1.3).
    pub fn large_n(lattice: Lattice, beta: f64) -> Result<Self> {
        positive("beta", beta)?;
        let classes = lattice.mode_classes();
        let gap = gap_equation::solve(&classes, beta)?;
        checked(
            ModelKind::LargeN {
                beta,
                mu: gap.mu,
                gap_residual: gap.residual,
            },
            Symbol::from_laplacian(&classes, |l| 1.0 / (beta * l + gap.mu)),
        )
    }

    /// The large-n model at the infinite-volume critical coupling β_c(d) (R1.4, R1.5);
    /// an error for d ≤ 2.
    pub fn large_n_critical(lattice: Lattice) -> Result<Self> {
        Self::large_n(lattice, critical_coupling(lattice.dim())?)
    }

    /// The massive free field, C_k = 1/(βλ_k + μ), with β > 0 and μ > 0 (μ = 0 would give the
    /// zero mode infinite variance).
    pub fn massive_free(lattice: Lattice, beta: f64, mu: f64) -> Result<Self> {
        positive("beta", beta)?;
        positive("mu", mu)?;
        let classes = lattice.mode_classes();
        checked(
            ModelKind::MassiveFree { beta, mu },
            Symbol::from_laplacian(&classes, |l| 1.0 / (beta * l + mu)),
        )
    }

    /// Any spectrum that is finite, > 0 and even (C_k = C_{−k}, so the field is real).
    pub fn user(spectrum: Symbol) -> Result<Self> {
        if !spectrum.is_positive() {
            return Err(Error::Parameter {
                name: "spectrum",
                value: spectrum.min(),
                requirement: "a covariance spectrum must be finite and > 0 on every mode",
            });
        }
        let lattice = spectrum.lattice();
        let l = lattice.side();
        let mut odd = None;
        lattice.for_each_index(|n| {
            let minus: Vec<usize> = n.iter().map(|&m| (l - m) % l).collect();
            let (a, b) = (spectrum.at(n), spectrum.at(&minus));
            if odd.is_none() && a != b {
                odd = Some(a - b);
            }
        });
        if let Some(diff) = odd {
            return Err(Error::Parameter {
                name: "spectrum asymmetry C_k - C_-k",
                value: diff,
                requirement: "a real field needs an even spectrum, C_k = C_-k",
            });
        }
        Ok(Self {
            kind: ModelKind::User,
            spectrum,
        })
    }

    /// The data model and its parameters.
    pub fn kind(&self) -> ModelKind {
        self.kind
    }

    /// The covariance spectrum C_k.
    pub fn spectrum(&self) -> &Symbol {
        &self.spectrum
    }

    /// The lattice.
    pub fn lattice(&self) -> Lattice {
        self.spectrum.lattice()
    }

    /// (β, μ) of the models that have them.
    pub fn coupling_and_mass(&self) -> Option<(f64, f64)> {
        match self.kind {
            ModelKind::LargeN { beta, mu, .. } | ModelKind::MassiveFree { beta, mu } => {
                Some((beta, mu))
            }
            ModelKind::User => None,
        }
    }

    /// Second-moment correlation length ξ = √(β/μ) in lattice units (R1.5); `None` for a
    /// user spectrum.
    pub fn correlation_length(&self) -> Option<f64> {
        self.coupling_and_mass().map(|(b, m)| (b / m).sqrt())
    }

    /// Spectral condition number κ = max_k C_k / min_k C_k (R1.5); (4dβ + μ)/μ for the
    /// O(n) and free models on even L.
    pub fn condition_number(&self) -> f64 {
        self.spectrum.condition_number()
    }
}
