//! One Markov chain: a configuration, its update and its random stream.

use std::sync::Arc;

use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use super::spins::{Geometry, Spins};
use super::update::{metropolis_sweep, Wolff};
use crate::error::Result;
use crate::sampling::SeededRng;

/// The Monte Carlo update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// Wolff single-cluster update (R7.2); one sweep = a fixed number N_c ≈ V/⟨|C|⟩ of
    /// clusters (see [`Chain::sweep`]).
    #[default]
    Wolff,
    /// Sequential single-site Metropolis (R7.3); one sweep = V proposals.
    Metropolis,
}

impl Algorithm {
    /// The name the command line, the reports and exported files use: `wolff`, `metropolis`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Wolff => "wolff",
            Algorithm::Metropolis => "metropolis",
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What one sweep-equivalent did.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SweepInfo {
    /// Wolff: clusters grown; Metropolis: 0.
    pub clusters: u64,
    /// Wolff: spins reflected (sum of cluster sizes); Metropolis: accepted proposals.
    pub sites: u64,
}

/// A Markov chain for the O(n) model at coupling K with its own ChaCha8 stream.
///
/// The stream is `ChaCha8Rng::seed_from_u64(seed)` with stream number `stream`, so chain c of
/// a run depends only on (seed, c), never on the thread that runs it.
#[derive(Debug, Clone)]
pub struct Chain {
    geometry: Arc<Geometry>,
    spins: Spins,
    algorithm: Algorithm,
    k: f64,
    rng: SeededRng,
    wolff: Wolff,
    proposal: Vec<f64>,
    carry: u64,
    clusters_per_sweep: u64,
    calibration: (u64, u64),
}

impl Chain {
    /// A chain started from a uniformly random (infinite-temperature) configuration.
    pub fn new(
        geometry: Arc<Geometry>,
        n: usize,
        algorithm: Algorithm,
        k: f64,
        seed: u64,
        stream: u64,
    ) -> Result<Self> {
        crate::error::positive("K", k)?;
        let mut rng = SeededRng::seed_from_u64(seed);
        rng.set_stream(stream);
        let lattice = geometry.lattice();
        let spins = Spins::random(n, lattice, &mut rng)?;
        Ok(Self {
            wolff: Wolff::new(lattice.volume(), n),
            proposal: vec![0.0; n],
            geometry,
            spins,
            algorithm,
            k,
            rng,
            carry: 0,
            clusters_per_sweep: 0,
            calibration: (0, 0),
        })
    }

    /// The current configuration.
    pub fn spins(&self) -> &Spins {
        &self.spins
    }

    /// The neighbour table.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// One sweep (R7.2, R7.3). Metropolis: V proposals. Wolff before
    /// [`Chain::fix_clusters_per_sweep`]: clusters until their cumulative size since the last
    /// boundary reaches V (excess carried over), recording cluster statistics; after it:
    /// exactly N_c clusters. Only the fixed count may be used while measuring: a boundary
    /// set by the cluster sizes is a stopping time that depends on the configuration, and
    /// states observed at it are not distributed by the Boltzmann weight (a biased
    /// "inspection" of large clusters; on a 4×4 torus at K = 0.3 it shifts ⟨e⟩ by 25 %).
    pub fn sweep(&mut self) -> SweepInfo {
        let v = self.geometry.lattice().volume() as u64;
        match self.algorithm {
            Algorithm::Metropolis => SweepInfo {
                clusters: 0,
                // The chain built spins, geometry and proposal together: they always match.
                sites: metropolis_sweep(
                    &self.geometry,
                    &mut self.spins,
                    self.k,
                    &mut self.proposal,
                    &mut self.rng,
                )
                .unwrap_or(0) as u64,
            },
            Algorithm::Wolff if self.clusters_per_sweep > 0 => {
                let mut info = SweepInfo::default();
                for _ in 0..self.clusters_per_sweep {
                    info.sites += self.wolff_cluster() as u64;
                    info.clusters += 1;
                }
                info
            }
            Algorithm::Wolff => {
                let mut info = SweepInfo::default();
                while self.carry < v {
                    let size = self.wolff_cluster() as u64;
                    self.carry += size;
                    info.clusters += 1;
                    info.sites += size;
                }
                self.carry -= v;
                self.calibration.0 += info.clusters;
                self.calibration.1 += info.sites;
                info
            }
        }
    }

    /// Fixes the Wolff clusters per sweep to N_c = max(1, round(V·#clusters/Σ|C|)) from the
    /// sweeps done so far (≈ V/⟨|C|⟩, so a sweep reflects ≈ V spins); returns N_c. Call it
    /// after thermalisation; later calls keep the first value. Metropolis: returns 0.
    pub fn fix_clusters_per_sweep(&mut self) -> u64 {
        if self.algorithm == Algorithm::Wolff && self.clusters_per_sweep == 0 {
            let v = self.geometry.lattice().volume() as f64;
            let (clusters, sites) = self.calibration;
            self.clusters_per_sweep = if sites == 0 {
                1
            } else {
                ((v * clusters as f64 / sites as f64).round() as u64).max(1)
            };
        }
        self.clusters_per_sweep
    }

    /// One Wolff cluster regardless of the chain's algorithm; returns its size (for benches).
    pub fn wolff_cluster(&mut self) -> usize {
        self.wolff
            .update(&self.geometry, &mut self.spins, self.k, &mut self.rng)
    }
}

/// Unit tests of the sweep bookkeeping (R7.2, R7.3).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::Lattice;

    fn chain(algorithm: Algorithm, k: f64) -> Chain {
        let geometry = Arc::new(Geometry::new(Lattice::new(2, 4).unwrap()).unwrap());
        Chain::new(geometry, 1, algorithm, k, 3, 0).unwrap()
    }

    #[test]
    fn algorithm_names() {
        assert_eq!(Algorithm::Wolff.to_string(), "wolff");
        assert_eq!(Algorithm::Metropolis.to_string(), "metropolis");
        assert_eq!(Algorithm::default(), Algorithm::Wolff);
    }

    /// At K = 10⁻¹² the Ising bond threshold ⌊p·2³²⌋ is 0, so every cluster is one spin:
    /// a calibration sweep grows exactly V = 16 clusters, every time (the carry returns to
    /// 0), and N_c = round(V·16/16) = 16. A fixed sweep then grows exactly N_c.
    #[test]
    fn wolff_sweeps_of_single_spin_clusters() {
        let mut c = chain(Algorithm::Wolff, 1e-12);
        for _ in 0..3 {
            let info = c.sweep();
            assert_eq!((info.clusters, info.sites), (16, 16));
        }
        assert_eq!(c.fix_clusters_per_sweep(), 16);
        let info = c.sweep();
        assert_eq!((info.clusters, info.sites), (16, 16));
    }

    /// Near K_c clusters vary in size. The calibration sweeps reflect at least V spins each
    /// and carry the excess: over s sweeps the spins reflected lie in [sV, sV + V); N_c is
    /// round(V·clusters/spins) of the sweeps' own counts; it is kept by later calls, and a
    /// fixed sweep grows exactly N_c clusters.
    #[test]
    fn wolff_calibration_counts_its_sweeps() {
        let mut c = chain(Algorithm::Wolff, 0.44);
        let (mut clusters, mut sites) = (0u64, 0u64);
        for s in 1..=20u64 {
            let info = c.sweep();
            clusters += info.clusters;
            sites += info.sites;
            assert!(
                sites >= 16 * s && sites < 16 * (s + 1),
                "sweep {s}: {sites} spins"
            );
        }
        let expected = ((16.0 * clusters as f64 / sites as f64).round() as u64).max(1);
        assert_eq!(c.fix_clusters_per_sweep(), expected);
        for _ in 0..5 {
            assert_eq!(c.sweep().clusters, expected);
        }
        assert_eq!(c.fix_clusters_per_sweep(), expected);
        let mut fresh = chain(Algorithm::Wolff, 0.44);
        assert_eq!(
            fresh.fix_clusters_per_sweep(),
            1,
            "no calibration yet: one cluster"
        );
        assert_eq!(fresh.sweep().clusters, 1);
    }

    /// Metropolis: no clusters, N_c = 0, and at K = 10⁻¹² (every ΔS ≈ 0 accepted unless
    /// e^{ΔS} < u, ΔS ≥ −8·10⁻¹²) every proposal is accepted.
    #[test]
    fn metropolis_sweeps() {
        let mut c = chain(Algorithm::Metropolis, 1e-12);
        assert_eq!(c.fix_clusters_per_sweep(), 0);
        let info = c.sweep();
        assert_eq!(info.clusters, 0);
        assert_eq!(info.sites, 16, "a rejection has probability ≤ 16·8·10⁻¹²");
        assert_eq!(c.spins().lattice(), c.geometry().lattice());
        assert_eq!(
            c.wolff_cluster(),
            1,
            "a Wolff cluster on request, here one spin"
        );
        assert!(Chain::new(
            Arc::new(c.geometry().clone()),
            1,
            Algorithm::Wolff,
            0.0,
            1,
            0
        )
        .is_err());
    }
}
