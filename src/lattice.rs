//! The periodic hypercubic lattice Λ = (Z_L)^d and its Fourier modes.
//!
//! Momenta are k = 2πn/L with n ∈ {0,…,L−1}^d; the lattice Laplacian −Δ has eigenvalue
//! λ_k = Σ_μ 4 sin²(k_μ/2) ∈ [0, 4d] on mode k (R1.1).
//!
//! Many modes share λ_k: permuting axes or reflecting n_μ → L − n_μ leaves it unchanged. A
//! [`ModeClasses`] groups the modes into such classes so that sums over the V modes of a function
//! of λ_k cost one term per class (≈ L^d/(2^d d!) classes instead of L^d modes).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::error::{Error, Result};

/// Largest supported dimension.
pub const MAX_DIM: usize = 4;
/// Largest supported number of sites (2³¹): keeps every per-mode array addressable and finite.
pub const MAX_VOLUME: usize = 1 << 31;

/// A periodic lattice (Z_L)^d with V = L^d sites, lattice spacing 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Lattice {
    d: usize,
    l: usize,
}

impl Lattice {
    /// Builds (Z_L)^d; `d ∈ 1..=4`, `L ≥ 1`, `L^d ≤ 2³¹`.
    pub fn new(d: usize, l: usize) -> Result<Self> {
        if d == 0 || d > MAX_DIM {
            return Err(Error::Lattice(format!(
                "dimension d = {d} is not supported (use 1 ≤ d ≤ {MAX_DIM})"
            )));
        }
        if l == 0 {
            return Err(Error::Lattice("side L = 0: a lattice needs L ≥ 1".into()));
        }
        let volume = (0..d).try_fold(1usize, |v, _| v.checked_mul(l));
        match volume {
            Some(v) if v <= MAX_VOLUME => Ok(Self { d, l }),
            _ => Err(Error::Lattice(format!(
                "L^d = {l}^{d} exceeds the supported volume 2^31"
            ))),
        }
    }

    /// Dimension d.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// Side L.
    pub fn side(&self) -> usize {
        self.l
    }

    /// Number of sites (and of Fourier modes) V = L^d.
    pub fn volume(&self) -> usize {
        self.l.pow(self.d as u32)
    }

    /// Array shape `[L; d]` of a real-space field or a full-spectrum symbol.
    pub fn shape(&self) -> Vec<usize> {
        vec![self.l; self.d]
    }

    /// Array shape of a real-FFT half spectrum: `[L, …, L, L/2 + 1]`.
    pub fn half_shape(&self) -> Vec<usize> {
        let mut s = self.shape();
        s[self.d - 1] = self.l / 2 + 1;
        s
    }

    /// One-axis Laplacian eigenvalue 4 sin²(πn/L) for integer momentum index n.
    pub fn axis_eigenvalue(&self, n: usize) -> f64 {
        let s = (std::f64::consts::PI * n as f64 / self.l as f64).sin();
        4.0 * s * s
    }

    /// λ_k = Σ_μ 4 sin²(k_μ/2) for the mode with integer indices `n` (R1.1).
    pub fn laplacian_eigenvalue(&self, n: &[usize]) -> f64 {
        n.iter().map(|&m| self.axis_eigenvalue(m)).sum()
    }

    /// Largest Laplacian eigenvalue over the modes of this lattice (4d for even L).
    pub fn max_laplacian_eigenvalue(&self) -> f64 {
        self.d as f64 * self.axis_eigenvalue(self.l / 2)
    }

    /// The folded index min(n, L − n) ∈ 0..=L/2 of one momentum component.
    pub fn fold(&self, n: usize) -> usize {
        n.min(self.l - n)
    }

    /// The periodic difference a − b of two sites (or offsets), componentwise mod L.
    pub fn difference(&self, a: &[usize], b: &[usize]) -> Vec<usize> {
        let l = self.l;
        a.iter()
            .zip(b)
            .map(|(&p, &q)| (p % l + l - q % l) % l)
            .collect()
    }

    /// Groups the modes into classes of equal λ_k by axis permutations and reflections (R1.1).
    pub fn mode_classes(&self) -> Arc<ModeClasses> {
        Arc::new(ModeClasses::by_symmetry(*self))
    }

    /// Every mode in its own class: for symbols that are not functions of λ_k alone.
    pub fn single_mode_classes(&self) -> Arc<ModeClasses> {
        Arc::new(ModeClasses::single_modes(*self))
    }

    /// Calls `f` with the multi-index of every site/mode, in row-major (C) order.
    pub fn for_each_index(&self, mut f: impl FnMut(&[usize])) {
        let mut idx = vec![0usize; self.d];
        for _ in 0..self.volume() {
            f(&idx);
            for axis in (0..self.d).rev() {
                idx[axis] += 1;
                if idx[axis] < self.l {
                    break;
                }
                idx[axis] = 0;
            }
        }
    }
}

/// How modes are assigned to classes.
#[derive(Debug)]
enum Grouping {
    /// Classes are orbits of axis permutations and reflections; lookup by folded indices.
    Symmetry { table: OnceLock<Vec<u32>> },
    /// One class per mode, numbered in row-major order.
    SingleModes,
}

/// A partition of the V Fourier modes into classes on which symmetric symbols are constant.
///
/// Class `c` has Laplacian eigenvalue `lambda()[c]` and contains `multiplicity()[c]` modes;
/// the multiplicities sum to V.
#[derive(Debug)]
pub struct ModeClasses {
    lattice: Lattice,
    lambda: Vec<f64>,
    multiplicity: Vec<u64>,
    /// Sorted folded indices of a representative (symmetry grouping only).
    representative: Vec<[u16; MAX_DIM]>,
    grouping: Grouping,
}

impl ModeClasses {
    fn by_symmetry(lattice: Lattice) -> Self {
        let d = lattice.d;
        let h = lattice.l / 2;
        let weight = |a: usize| -> u64 {
            if a == 0 || (lattice.l.is_multiple_of(2) && a == h) {
                1
            } else {
                2
            }
        };
        let mut lambda = Vec::new();
        let mut multiplicity = Vec::new();
        let mut representative = Vec::new();
        // Enumerate non-decreasing tuples a_1 ≤ … ≤ a_d with a_μ ∈ 0..=h.
        let mut a = vec![0usize; d];
        loop {
            let mut rep = [0u16; MAX_DIM];
            for (r, &x) in rep.iter_mut().zip(&a) {
                *r = x as u16;
            }
            // distinct permutations: d! / Π (run lengths)!
            let mut perms = factorial(d);
            let mut run = 1;
            for i in 1..=d {
                if i < d && a[i] == a[i - 1] {
                    run += 1;
                } else {
                    perms /= factorial(run);
                    run = 1;
                }
            }
            let w: u64 = a.iter().map(|&x| weight(x)).product();
            lambda.push(lattice.laplacian_eigenvalue(&a));
            multiplicity.push(perms * w);
            representative.push(rep);
            // next non-decreasing tuple
            let mut i = d;
            loop {
                if i == 0 {
                    return Self {
                        lattice,
                        lambda,
                        multiplicity,
                        representative,
                        grouping: Grouping::Symmetry {
                            table: OnceLock::new(),
                        },
                    };
                }
                i -= 1;
                if a[i] < h {
                    a[i] += 1;
                    let v = a[i];
                    for x in a.iter_mut().skip(i + 1) {
                        *x = v;
                    }
                    break;
                }
            }
        }
    }

    fn single_modes(lattice: Lattice) -> Self {
        let mut lambda = Vec::with_capacity(lattice.volume());
        lattice.for_each_index(|n| lambda.push(lattice.laplacian_eigenvalue(n)));
        let multiplicity = vec![1; lambda.len()];
        Self {
            lattice,
            lambda,
            multiplicity,
            representative: Vec::new(),
            grouping: Grouping::SingleModes,
        }
    }

    /// The lattice whose modes are grouped.
    pub fn lattice(&self) -> Lattice {
        self.lattice
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.lambda.len()
    }

    /// Never true: every lattice has at least the zero mode.
    pub fn is_empty(&self) -> bool {
        self.lambda.is_empty()
    }

    /// Laplacian eigenvalue λ of each class.
    pub fn lambda(&self) -> &[f64] {
        &self.lambda
    }

    /// Number of modes in each class (sums to V).
    pub fn multiplicity(&self) -> &[u64] {
        &self.multiplicity
    }

    /// Index of the class that contains the mode with integer momentum indices `n`.
    pub fn class_of(&self, n: &[usize]) -> usize {
        let lat = self.lattice;
        match &self.grouping {
            Grouping::SingleModes => n.iter().fold(0, |acc, &m| acc * lat.l + m),
            Grouping::Symmetry { table } => {
                let h1 = lat.l / 2 + 1;
                let table = table.get_or_init(|| self.build_table());
                let flat = n.iter().fold(0, |acc, &m| acc * h1 + lat.fold(m));
                table[flat] as usize
            }
        }
    }

    /// Lookup table from unsorted folded indices to class number.
    fn build_table(&self) -> Vec<u32> {
        let d = self.lattice.d;
        let h1 = self.lattice.l / 2 + 1;
        let index: HashMap<[u16; MAX_DIM], u32> = self
            .representative
            .iter()
            .enumerate()
            .map(|(c, r)| (*r, c as u32))
            .collect();
        let size = h1.pow(d as u32);
        let mut table = vec![0u32; size];
        for (flat, slot) in table.iter_mut().enumerate() {
            let mut key = [0u16; MAX_DIM];
            let mut rest = flat;
            for axis in (0..d).rev() {
                key[axis] = (rest % h1) as u16;
                rest /= h1;
            }
            key[..d].sort_unstable();
            *slot = index[&key];
        }
        table
    }
}

fn factorial(n: usize) -> u64 {
    (1..=n as u64).product()
}
