//! Typed errors. Every fallible entry point of the library returns [`Result`]; the messages are
//! one line, name the offending input, and say what would be valid.

/// Errors raised by the library for invalid input or failed numerics.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A lattice that cannot be built (dimension or side out of range).
    #[error("invalid lattice: {0}")]
    Lattice(String),
    /// A real parameter outside its domain (non-finite, wrong sign, out of range).
    #[error("invalid {name} = {value}: {requirement}")]
    Parameter {
        /// Name of the parameter as a user would type it (e.g. `beta`).
        name: &'static str,
        /// The value that was given.
        value: f64,
        /// What a valid value looks like.
        requirement: &'static str,
    },
    /// The large-n model has no finite critical coupling in d ≤ 2 (R1.4).
    #[error("no critical coupling in d = {d}: the large-n O(n) model has a phase transition only for d ≥ 3 (the integral defining beta_c diverges)")]
    NoTransition {
        /// The requested dimension.
        d: usize,
    },
    /// Two objects that must live on the same lattice do not.
    #[error("lattice mismatch: {0}")]
    Mismatch(String),
    /// A numerical procedure did not reach its tolerance.
    #[error("{what} did not converge: {detail}")]
    NoConvergence {
        /// Which procedure.
        what: &'static str,
        /// What went wrong, with numbers.
        detail: String,
    },
    /// A dynamics that diverges for the given parameters (e.g. learning rate too large).
    #[error("unstable dynamics: {0}")]
    Unstable(String),
    /// A file could not be written or read (or exists and may not be overwritten).
    #[error("I/O error on {path}: {detail}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        detail: String,
    },
}

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Checks that `value` is finite and `> 0`.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Error::Parameter {
            name,
            value,
            requirement: "must be a finite number > 0",
        })
    }
}

/// Checks that `value` is finite and `≥ 0`.
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Error::Parameter {
            name,
            value,
            requirement: "must be a finite number ≥ 0",
        })
    }
}

/// Checks that `value` lies in the open interval (0, 1).
pub(crate) fn unit_open(name: &'static str, value: f64) -> Result<f64> {
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(Error::Parameter {
            name,
            value,
            requirement: "must lie in the open interval (0, 1)",
        })
    }
}
