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
    /// A data file that cannot be used: not a numpy file, a missing array, a wrong dtype or
    /// shape, non-finite entries, or more data than the memory limit allows.
    #[error("cannot use {} (array {array}): {problem}", path.display())]
    DataFile {
        /// The file.
        path: std::path::PathBuf,
        /// The array in it (the key of an `.npz` entry, or `-` for an `.npy` file).
        array: String,
        /// What is wrong, and what would be valid.
        problem: String,
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
    /// A claim or the report read a study that was not built: the claim's registry entry
    /// must name every study its evaluator reads.
    #[error("study {study} was not built (the registry entry of a claim that reads it must name it in its studies)")]
    NotBuilt {
        /// The study's name (`spectrum`, `monte_carlo`, …).
        study: &'static str,
    },
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

/// Memory limit set by the command line (`--max-memory`), in bytes; 0 when unset.
static MEMORY_LIMIT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Memory assumed when `/proc/meminfo` cannot be read (8 GB).
pub const FALLBACK_MEMORY: f64 = 8e9;

/// Sets the memory limit every size check compares its estimate with (see [`memory_limit`]).
pub fn set_memory_limit(bytes: u64) {
    MEMORY_LIMIT.store(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// The memory a run may use, in bytes: the value of [`set_memory_limit`] if set, else half of
/// the physical memory (`MemTotal` of `/proc/meminfo`; [`FALLBACK_MEMORY`] where it cannot be
/// read).
pub fn memory_limit() -> f64 {
    match MEMORY_LIMIT.load(std::sync::atomic::Ordering::Relaxed) {
        0 => physical_memory().unwrap_or(FALLBACK_MEMORY) / 2.0,
        b => b as f64,
    }
}

fn physical_memory() -> Option<f64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

/// Bytes free for an unprivileged writer on the file system that holds `dir` (statvfs), or
/// `None` where it cannot be asked.
pub fn free_disk(dir: &std::path::Path) -> Option<f64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: statvfs(3) fills the struct for a NUL-terminated path; it is read only on success.
    let ok = unsafe { libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) } == 0;
    if !ok {
        return None;
    }
    // SAFETY: initialised by the successful call above.
    let stat = unsafe { stat.assume_init() };
    Some(stat.f_bavail as f64 * stat.f_frsize as f64)
}

/// Refuses to write a file of about `needed` bytes at `path` when the disk that would hold it
/// has less free space (checked before anything is computed or written).
pub fn check_disk(path: &std::path::Path, needed: f64) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    match free_disk(dir) {
        Some(free) if free < needed => Err(Error::Io {
            action: "write",
            path: path.to_path_buf(),
            message: format!(
                "it needs about {} and the disk has {} free",
                bytes(needed),
                bytes(free)
            ),
        }),
        _ => Ok(()),
    }
}

/// Refuses a run whose estimated memory `needed` (bytes) exceeds [`memory_limit`]; called
/// before anything is allocated. `advice` names the option to change.
pub fn check_memory(what: impl Into<String>, needed: f64, advice: impl Into<String>) -> Result<()> {
    let limit = memory_limit();
    if needed.is_finite() && needed <= limit {
        Ok(())
    } else {
        Err(Error::TooLarge {
            what: what.into(),
            needed,
            limit,
            advice: format!("{} (or raise the limit with --max-memory)", advice.into()),
        })
    }
}

/// Parses a byte count as the command line spells it: `1000000`, `512M`, `8G`, `1.5T`
/// (decimal suffixes k/K, M, G, T; an optional trailing `B`, `iB` for binary multiples).
pub fn parse_bytes(text: &str) -> Result<u64> {
    let bad = || Error::Invalid {
        name: "byte count",
        value: text.to_string(),
        requirement: "use a number of bytes with an optional suffix K, M, G or T (e.g. 8G)".into(),
    };
    let t = text.trim();
    let (t, binary) = match t.strip_suffix("iB").or_else(|| t.strip_suffix("ib")) {
        Some(rest) => (rest, true),
        None => (t.strip_suffix(['B', 'b']).unwrap_or(t), false),
    };
    let (digits, power) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 1),
        Some('M') => (&t[..t.len() - 1], 2),
        Some('G') => (&t[..t.len() - 1], 3),
        Some('T') => (&t[..t.len() - 1], 4),
        _ => (t, 0),
    };
    let base: f64 = if binary { 1024.0 } else { 1000.0 };
    let x: f64 = digits.trim().parse().map_err(|_| bad())?;
    let bytes = x * base.powi(power);
    if (1.0..1.8e19).contains(&bytes) {
        Ok(bytes as u64)
    } else {
        Err(bad())
    }
}

/// The smallest accuracy ε the trainers and closed forms accept: relative symbol errors are
/// computed in double precision (unit roundoff 1.1·10⁻¹⁶) from sums over up to 2³¹ modes, so
/// errors below about 10⁻¹² cannot be resolved and a run asked for them would never stop.
pub const MIN_EPSILON: f64 = 1e-12;

/// Checks ε ≥ [`MIN_EPSILON`] (the range (0, 1) is checked by the protocol).
pub fn resolvable_epsilon(epsilon: f64) -> Result<f64> {
    if epsilon >= MIN_EPSILON {
        Ok(epsilon)
    } else {
        Err(Error::Parameter {
            name: "epsilon",
            value: epsilon,
            requirement:
                "must be ≥ 1e-12: smaller relative errors are below what double precision resolves",
        })
    }
}

/// A run whose estimated work exceeds [`MAX_WORK`]: refused before it starts.
pub fn too_slow(what: impl std::fmt::Display, work: f64, advice: &str) -> Error {
    Error::Invalid {
        name: "run size",
        value: what.to_string(),
        requirement: format!(
            "needs about {} elementary updates (roughly {} s at 1e8 per second), more than the {} allowed; {advice}",
            number(work),
            number((work / 1e8).round()),
            number(MAX_WORK)
        ),
    }
}

/// Most elementary updates (one mode, one step) a closed-form table may iterate: about one
/// minute of one core.
pub const MAX_WORK: f64 = 5e9;
