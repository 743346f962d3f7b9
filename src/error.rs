//! Typed errors. Every fallible entry point of the library returns [`Result`]; the messages are
//! one line, name the offending input, and say what would be valid.

/// Errors raised by the library for invalid input or failed numerics.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A lattice that cannot be built (dimension or side out of range).
    #[error("invalid lattice: {0}")]
    Lattice(String),
    /// A real parameter outside its domain (non-finite, wrong sign, out of range).
    #[error("invalid {name} = {}: {requirement}", number(*value))]
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
    /// An input that is not a number, or not of the form asked for (a grid, a layer stack, a
    /// configuration file, a list of sides).
    #[error("invalid {name} {value:?}: {requirement}")]
    Invalid {
        /// What the input is, as a user would name it (e.g. `grid`, `config`).
        name: &'static str,
        /// The text that was given (or where in it the problem is).
        value: String,
        /// What a valid input looks like.
        requirement: String,
    },
    /// Reading or writing a file or directory failed.
    #[error("cannot {action} {}: {message}", path.display())]
    Io {
        /// What was attempted (`write`, `read`, `create`, …).
        action: &'static str,
        /// The path concerned.
        path: std::path::PathBuf,
        /// The operating system's (or the encoder's) message.
        message: String,
    },
    /// A figure could not be drawn.
    #[error("figure {name}: {message}")]
    Plot {
        /// The figure's file name.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// A run that would need more memory than allowed; nothing was allocated.
    #[error("{what} would need about {} of memory, more than the limit of {}: {advice}", bytes(*needed), bytes(*limit))]
    TooLarge {
        /// What was to be run.
        what: String,
        /// Estimated bytes.
        needed: f64,
        /// The limit in bytes.
        limit: f64,
        /// Which option to change.
        advice: String,
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
}

/// A number as messages print it: plain when short, scientific otherwise (never hundreds of
/// digits), `NaN`/`inf` spelled out.
pub fn number(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else if x == 0.0 || (x.abs() >= 1e-3 && x.abs() < 1e6) {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        let s = format!("{x:.3e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{mantissa}e{exponent}")
    }
}

/// Bytes as messages print them (kB, MB, GB, TB).
pub fn bytes(b: f64) -> String {
    let units = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    for (name, size) in units {
        if b >= size {
            return format!("{:.1} {name}", b / size);
        }
    }
    format!("{b:.0} B")
}

impl Error {
    /// An I/O error at `path`.
    pub fn io(action: &'static str, path: &std::path::Path, e: impl std::fmt::Display) -> Self {
        Error::Io {
            action,
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
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
