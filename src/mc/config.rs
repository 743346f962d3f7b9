//! Run configuration of the Monte Carlo engine, validated before any work.

use serde::{Deserialize, Serialize};

use super::chain::Algorithm;
use crate::error::{Error, Result};
use crate::lattice::Lattice;

/// Fewest measurements per chain: the automatic window needs W ≥ 6 τ_int and a series many
/// windows long (R7.4).
pub const MIN_MEASUREMENTS: u64 = 100;
/// Most independent chains of one run.
pub const MAX_CHAINS: usize = 4096;
/// Upper limit of the memory estimate of [`McConfig::memory_estimate`], 4 GiB.
pub const MEMORY_LIMIT_BYTES: u64 = 4 << 30;
/// Spin-component updates per second of one thread, the slowest case measured here:
/// `mc --n 3 --d 3 --l 16 --samples 20000` made 2.6·10⁸ in 15 s (Wolff; 2D Ising Wolff
/// 2.6·10⁷/s, Metropolis 4.3·10⁷/s per spin).
pub const UPDATE_RATE: f64 = 1.7e7;

/// 2D Ising critical coupling K_c = ½ ln(1 + √2) (Onsager), standard normalisation.
pub const ISING_2D_KC: f64 = 0.440_686_793_509_771_5;
/// 3D Ising critical coupling (high-precision Monte Carlo).
pub const ISING_3D_KC: f64 = 0.221_654_626;
/// 3D XY critical coupling (high-precision Monte Carlo).
pub const XY_3D_KC: f64 = 0.454_164_74;
/// 3D Heisenberg critical coupling (high-precision Monte Carlo).
pub const HEISENBERG_3D_KC: f64 = 0.693_001;

/// Critical coupling K_c(n, d) in the standard normalisation where it is anchored:
/// (n, d) = (1, 2) exactly, (1, 3), (2, 3), (3, 3) from Monte Carlo; an error otherwise.
pub fn critical_coupling(n: usize, d: usize) -> Result<f64> {
    match (n, d) {
        (1, 2) => Ok(ISING_2D_KC),
        (1, 3) => Ok(ISING_3D_KC),
        (2, 3) => Ok(XY_3D_KC),
        (3, 3) => Ok(HEISENBERG_3D_KC),
        _ => Err(Error::Parameter {
            name: "coupling = critical",
            value: n as f64,
            requirement: "a critical coupling is anchored only for (n, d) = (1, 2), (1, 3), (2, 3), (3, 3); give K as a number",
        }),
    }
}

/// Anomalous dimension η at the anchored critical points: 1/4 (2D Ising), 0.0363 (3D Ising),
/// 0.0381 (3D XY), 0.0375 (3D Heisenberg); `None` elsewhere. χ ∝ L^{2−η} at K_c.
pub fn eta(n: usize, d: usize) -> Option<f64> {
    match (n, d) {
        (1, 2) => Some(0.25),
        (1, 3) => Some(0.0363),
        (2, 3) => Some(0.0381),
        (3, 3) => Some(0.0375),
        _ => None,
    }
}

/// The coupling K of a run: a number, or `"critical"` for the anchor of
/// [`critical_coupling`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Coupling {
    /// K given explicitly.
    Value(f64),
    /// The anchored critical coupling.
    Named(NamedCoupling),
}

/// Named couplings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NamedCoupling {
    /// K = K_c(n, d).
    Critical,
}

fn default_chains() -> usize {
    1
}

/// A Monte Carlo run: O(n) model with weight exp(K Σ_⟨xy⟩ s_x·s_y) on (Z_L)^d (R7.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McConfig {
    /// Number of spin components n ≥ 1 (1 = Ising).
    pub n: usize,
    /// Dimension d ∈ {2, 3, 4}.
    pub d: usize,
    /// Side L ≥ 2.
    pub l: usize,
    /// Coupling K > 0 (standard normalisation), or `"critical"`.
    pub coupling: Coupling,
    /// Update algorithm (default Wolff).
    #[serde(default)]
    pub algorithm: Algorithm,
    /// Independent chains, run in parallel (default 1).
    #[serde(default = "default_chains")]
    pub chains: usize,
    /// Sweep-equivalents discarded per chain before measuring.
    pub thermalization: u64,
    /// Sweep-equivalents measured per chain (one measurement each), ≥ [`MIN_MEASUREMENTS`].
    pub measurements: u64,
    /// Master seed; chain c uses stream c of ChaCha8 seeded with it.
    pub seed: u64,
    /// Also measure the spectrum Ĉ_k and the two-point function (costs n FFTs per sweep).
    #[serde(default)]
    pub spectrum: bool,
}

impl McConfig {
    /// The coupling K, resolving `"critical"` (R7.1).
    pub fn coupling_value(&self) -> Result<f64> {
        let k = match self.coupling {
            Coupling::Value(k) => k,
            Coupling::Named(NamedCoupling::Critical) => critical_coupling(self.n, self.d)?,
        };
        crate::error::positive("K", k)
    }

    /// Spin-component updates of a run, chains × (thermalisation + measured sweeps) × V × n
    /// (`None` when the count overflows).
    pub fn component_updates(&self) -> Option<u64> {
        let v = (self.l as u64).checked_pow(u32::try_from(self.d).ok()?)?;
        self.thermalization
            .checked_add(self.measurements)?
            .checked_mul(v)?
            .checked_mul(self.n as u64)?
            .checked_mul(self.chains as u64)
    }

    /// Seconds a run is expected to take on `threads` threads at [`UPDATE_RATE`] per thread
    /// (chains run in parallel); infinite when the count overflows.
    pub fn expected_seconds(&self, threads: usize) -> f64 {
        let parallel = self.chains.min(threads.max(1)) as f64;
        self.component_updates()
            .map_or(f64::INFINITY, |u| u as f64 / (UPDATE_RATE * parallel))
    }

    /// Bytes held at once by a run: per chain the spins (8nV), cluster work space (8V),
    /// FFT and spectrum buffers (40V when `spectrum`), and 48 bytes per measurement; plus the
    /// neighbour table (8dV).
    pub fn memory_estimate(&self) -> Option<u64> {
        let v = (self.l as u64).checked_pow(u32::try_from(self.d).ok()?)?;
        let spectrum = if self.spectrum { 40 } else { 0 };
        let per_site = (8u64.checked_mul(self.n as u64)?).checked_add(8 + spectrum)?;
        let per_chain = per_site
            .checked_mul(v)?
            .checked_add(self.measurements.checked_mul(48)?)?;
        per_chain
            .checked_mul(self.chains as u64)?
            .checked_add(8 * self.d as u64 * v)
    }

    /// Checks every parameter before any work and returns the lattice and K.
    pub fn validate(&self) -> Result<(Lattice, f64)> {
        if self.n == 0 {
            return Err(param("n", 0.0, "the number of spin components must be ≥ 1"));
        }
        if !(2..=4).contains(&self.d) {
            return Err(Error::Lattice(format!(
                "dimension d = {} is not supported by the Monte Carlo engine (use 2, 3 or 4)",
                self.d
            )));
        }
        if self.l < 2 {
            return Err(Error::Lattice(format!("side L = {} (use L ≥ 2)", self.l)));
        }
        if self.chains == 0 || self.chains > MAX_CHAINS {
            return Err(param("chains", self.chains as f64, "use 1 ≤ chains ≤ 4096"));
        }
        if self.measurements < MIN_MEASUREMENTS {
            return Err(param(
                "measurements",
                self.measurements as f64,
                "use at least 100 measured sweeps per chain",
            ));
        }
        if self.component_updates().is_none() {
            return Err(param(
                "sweeps",
                self.thermalization as f64 + self.measurements as f64,
                "the run's spin updates (chains × sweeps × V × n) overflow a 64-bit count; reduce the sweeps",
            ));
        }
        match self.memory_estimate() {
            Some(m) if m <= MEMORY_LIMIT_BYTES => {}
            m => {
                return Err(param(
                    "memory estimate (bytes)",
                    m.map_or(f64::INFINITY, |m| m as f64),
                    "the run would hold more than 4 GiB; reduce n, L, chains or measurements",
                ))
            }
        }
        let lattice = Lattice::new(self.d, self.l)?;
        let k = self.coupling_value()?;
        Ok((lattice, k))
    }
}

fn param(name: &'static str, value: f64, requirement: &'static str) -> Error {
    Error::Parameter {
        name,
        value,
        requirement,
    }
}

/// Unit tests of the run arithmetic and its limits, on numbers worked by hand.
#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> McConfig {
        McConfig {
            n: 3,
            d: 3,
            l: 4,
            coupling: Coupling::Value(0.7),
            algorithm: Algorithm::Wolff,
            chains: 2,
            thermalization: 10,
            measurements: 100,
            seed: 1,
            spectrum: false,
        }
    }

    #[test]
    fn anchored_couplings_and_exponents() {
        assert_eq!(critical_coupling(1, 2).unwrap(), ISING_2D_KC);
        assert!((ISING_2D_KC - 0.5 * (1.0 + 2f64.sqrt()).ln()).abs() < 1e-15);
        assert_eq!(critical_coupling(1, 3).unwrap(), ISING_3D_KC);
        assert_eq!(critical_coupling(2, 3).unwrap(), XY_3D_KC);
        assert_eq!(critical_coupling(3, 3).unwrap(), HEISENBERG_3D_KC);
        assert!(critical_coupling(2, 2).is_err() && critical_coupling(1, 4).is_err());
        assert_eq!(eta(1, 2), Some(0.25));
        assert_eq!(eta(1, 3), Some(0.0363));
        assert_eq!(eta(2, 3), Some(0.0381));
        assert_eq!(eta(3, 3), Some(0.0375));
        assert_eq!(eta(3, 2), None);
        let mut c = config();
        c.coupling = Coupling::Named(NamedCoupling::Critical);
        assert_eq!(c.coupling_value().unwrap(), HEISENBERG_3D_KC);
        c.coupling = Coupling::Value(-0.1);
        assert!(c.coupling_value().is_err());
    }

    /// 2 chains × 110 sweeps × 64 sites × 3 components = 42 240 updates; on 1 thread
    /// 42 240/1.7·10⁷ s, on 8 threads the 2 chains run side by side (half the time).
    /// Memory: per site 8·3 + 8 = 32 bytes (72 with the spectrum), per chain
    /// 64·32 + 100·48 = 6 848, plus the table 8·3·64 = 1 536: 15 232 bytes (20 352).
    #[test]
    fn run_size_by_hand() {
        let c = config();
        assert_eq!(c.component_updates(), Some(42_240));
        assert!((c.expected_seconds(1) - 42_240.0 / UPDATE_RATE).abs() < 1e-15);
        assert!((c.expected_seconds(8) - 21_120.0 / UPDATE_RATE).abs() < 1e-15);
        assert_eq!(c.expected_seconds(0), c.expected_seconds(1));
        assert_eq!(c.memory_estimate(), Some(15_232));
        let spectrum = McConfig {
            spectrum: true,
            ..config()
        };
        assert_eq!(spectrum.memory_estimate(), Some(20_352));
        let huge = McConfig {
            measurements: u64::MAX,
            ..config()
        };
        assert_eq!(huge.component_updates(), None);
        assert_eq!(huge.expected_seconds(2), f64::INFINITY);
        assert!(huge.validate().is_err());
    }

    /// Every limit refuses its first bad value and accepts its last good one.
    #[test]
    fn validation_limits() {
        let ok = |c: McConfig| c.validate().is_ok();
        assert!(ok(config()));
        assert_eq!(config().validate().unwrap().1, 0.7);
        assert!(!ok(McConfig { n: 0, ..config() }));
        assert!(!ok(McConfig { d: 1, ..config() }) && ok(McConfig { d: 2, ..config() }));
        assert!(ok(McConfig { d: 4, ..config() }) && !ok(McConfig { d: 5, ..config() }));
        assert!(!ok(McConfig { l: 1, ..config() }) && ok(McConfig { l: 2, ..config() }));
        assert!(!ok(McConfig {
            chains: 0,
            ..config()
        }));
        assert!(ok(McConfig {
            chains: MAX_CHAINS,
            ..config()
        }));
        assert!(!ok(McConfig {
            chains: MAX_CHAINS + 1,
            ..config()
        }));
        assert!(!ok(McConfig {
            measurements: 99,
            ..config()
        }));
        assert!(ok(McConfig {
            measurements: 100,
            ..config()
        }));
        // Memory: 4 GiB at most. One chain of n = 1, d = 2: 16 bytes a site plus the
        // table's 16, 100 measurements (4 800 bytes): 32 L² + 4 800. L = 11 585 gives
        // 4 294 796 000 bytes, L = 11 586 gives 4 295 537 472 > 4 294 967 296.
        let big = |l| McConfig {
            n: 1,
            d: 2,
            l,
            chains: 1,
            ..config()
        };
        assert_eq!(big(11_585).memory_estimate(), Some(4_294_796_000));
        assert!(ok(big(11_585)) && !ok(big(11_586)));
        // Work: chains × sweeps × V × n must fit 64 bits: 2 × (2⁵⁶ + 100) × 64 × 3 > 2⁶⁴.
        // The refusal names the sweeps asked for (2⁵⁶ + 100, exact to 16 in a double).
        let endless = McConfig {
            thermalization: 1 << 56,
            ..config()
        };
        match endless.validate() {
            Err(Error::Parameter {
                name: "sweeps",
                value,
                ..
            }) => assert_eq!(value, (1u64 << 56) as f64 + 100.0),
            other => panic!("{other:?}"),
        }
    }
}
