//! Where a result came from: written at the top of `report.md` and into `claims.json`, so a
//! number can be traced to the code, the machine's configuration and the command that made it.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The provenance of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The crate's version.
    pub version: String,
    /// The git commit the binary was built from (`unknown` outside a checkout).
    pub commit: String,
    /// `clean` when the tracked files equalled the commit at build time, else `dirty`.
    pub tree: String,
    /// The compiler that built it (`rustc --version`).
    pub rustc: String,
    /// The ndarray-linalg backend feature compiled in.
    pub blas: String,
    /// Worker threads of the parallel parts (rayon).
    pub threads: usize,
    /// The command line of the run.
    pub command_line: String,
    /// When the run started, UTC (RFC 3339).
    pub date_utc: String,
    /// SHA-256 of the configuration the run read (hex).
    pub config_sha256: String,
}

/// The ndarray-linalg backend feature this build links.
fn blas_backend() -> &'static str {
    if cfg!(feature = "openblas-system") {
        "openblas-system"
    } else if cfg!(feature = "openblas-static") {
        "openblas-static"
    } else if cfg!(feature = "netlib-system") {
        "netlib-system"
    } else if cfg!(feature = "netlib-static") {
        "netlib-static"
    } else if cfg!(feature = "intel-mkl-system") {
        "intel-mkl-system"
    } else if cfg!(feature = "intel-mkl-static") {
        "intel-mkl-static"
    } else {
        "none"
    }
}

impl Provenance {
    /// The provenance of a run starting now on the configuration `config` (its text as read,
    /// or its serialisation).
    pub fn now(config: &str) -> Self {
        let digest = Sha256::digest(config.as_bytes());
        Self {
            version: env!("CARGO_PKG_VERSION").into(),
            commit: env!("CRITICAL_SLOWING_COMMIT").into(),
            tree: env!("CRITICAL_SLOWING_TREE").into(),
            rustc: env!("CRITICAL_SLOWING_RUSTC").into(),
            blas: blas_backend().into(),
            threads: rayon::current_num_threads(),
            command_line: std::env::args().collect::<Vec<_>>().join(" "),
            date_utc: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            config_sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}
