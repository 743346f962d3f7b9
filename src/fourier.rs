//! Real n-dimensional FFTs on lattice fields (ndrustfft/realfft).
//!
//! **The one place the DFT scaling is fixed.** Forward transform unnormalised,
//! x̂_k = Σ_x x_x e^{−ik·x}; inverse with 1/V, x_x = (1/V) Σ_k x̂_k e^{ik·x}. With this pair a
//! circulant operator with symbol s_k acts as x ↦ F⁻¹[s_k x̂_k], and its real-space kernel
//! (the row s(x − y) of the matrix) is F⁻¹\[s_k\] (R1.1). The derivations use the unitary DFT;
//! symbols are the same in both conventions.
//!
//! Fields are `ArrayD<f64>` of shape `[L; d]`; spectra of real fields are stored as half
//! spectra, shape `[L, …, L, L/2 + 1]` (the last axis is transformed real-to-complex).

use ndarray::{ArrayD, ArrayView, ArrayViewMut, Dimension, Ix1, Ix2, Ix3, Ix4, IxDyn};
use ndrustfft::{
    ndfft_inplace, ndfft_r2c, ndifft_inplace, ndifft_r2c, Complex, FftHandler, R2cFftHandler,
};

use std::sync::Arc;

use realfft::{ComplexToReal, RealToComplex};
use rustfft::Fft;

use crate::error::{Error, Result};
use crate::lattice::Lattice;
use crate::symbol::Symbol;

/// Planned real FFT for fields on one lattice (R1.1).
#[derive(Clone)]
pub struct RealFft {
    lattice: Lattice,
    r2c: R2cFftHandler<f64>,
    c2c: FftHandler<f64>,
    plans: Plans,
}

/// The 1-d plans of one side length, used directly by the d = 3 transforms.
#[derive(Clone)]
struct Plans {
    r2c: Arc<dyn RealToComplex<f64>>,
    c2r: Arc<dyn ComplexToReal<f64>>,
    fwd: Arc<dyn Fft<f64>>,
    inv: Arc<dyn Fft<f64>>,
}

impl Plans {
    fn new(n: usize) -> Self {
        // planned in the plans crate, which compiles rustfft's generic planner once
        let (r2c, c2r, fwd, inv) = critical_slowing_fft_plans::plans(n);
        Self { r2c, c2r, fwd, inv }
    }

    fn scratch_len(&self) -> usize {
        [
            self.r2c.get_scratch_len(),
            self.c2r.get_scratch_len(),
            self.fwd.get_inplace_scratch_len(),
            self.inv.get_inplace_scratch_len(),
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }
}

impl std::fmt::Debug for RealFft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RealFft")
            .field("lattice", &self.lattice)
            .finish()
    }
}

impl RealFft {
    /// Plans the transforms for `lattice`.
    pub fn new(lattice: Lattice) -> Self {
        Self {
            lattice,
            r2c: critical_slowing_fft_plans::real_handler(lattice.side()),
            c2c: critical_slowing_fft_plans::complex_handler(lattice.side()),
            plans: Plans::new(lattice.side()),
        }
    }

    /// The lattice.
    pub fn lattice(&self) -> Lattice {
        self.lattice
    }

    fn check(&self, shape: &[usize], want: Vec<usize>, what: &str) -> Result<()> {
        if shape == want.as_slice() {
            Ok(())
        } else {
            Err(Error::Mismatch(format!(
                "{what} has shape {shape:?}, lattice {:?} needs {want:?}",
                self.lattice
            )))
        }
    }

    /// Forward transform x̂_k = Σ_x x_x e^{−ik·x} of a real field, as a half spectrum.
    pub fn forward(&self, x: &ArrayD<f64>) -> Result<ArrayD<Complex<f64>>> {
        self.check(x.shape(), self.lattice.shape(), "field")?;
        let mut half = ArrayD::<Complex<f64>>::zeros(self.lattice.half_shape());
        self.forward_into(x, &mut half)?;
        Ok(half)
    }

    /// [`RealFft::forward`] into a preallocated half spectrum `half` (overwritten), so that
    /// hot loops can reuse one buffer.
    pub fn forward_into(&self, x: &ArrayD<f64>, half: &mut ArrayD<Complex<f64>>) -> Result<()> {
        self.check(x.shape(), self.lattice.shape(), "field")?;
        self.check(half.shape(), self.lattice.half_shape(), "half spectrum")?;
        // Fixed-dimension views make ndrustfft's lane iteration several times faster than
        // on dynamic-dimension arrays.
        macro_rules! fixed {
            ($dim:ty) => {
                forward_nd(
                    &self.r2c,
                    &self.c2c,
                    fixed_view::<$dim, _>(x.view()),
                    fixed_view_mut::<$dim, _>(half.view_mut()),
                )
            };
        }
        if let (3, Some(xs), Some(hs)) = (self.lattice.dim(), x.as_slice(), half.as_slice_mut()) {
            forward_3d(&self.plans, self.lattice.side(), xs, hs);
            return Ok(());
        }
        match self.lattice.dim() {
            1 => fixed!(Ix1),
            2 => fixed!(Ix2),
            3 => fixed!(Ix3),
            4 => fixed!(Ix4),
            _ => forward_nd(&self.r2c, &self.c2c, x.view(), half.view_mut()),
        }
        Ok(())
    }

    /// Inverse transform x_x = (1/V) Σ_k x̂_k e^{ik·x} of a Hermitian half spectrum.
    pub fn inverse(&self, half: &ArrayD<Complex<f64>>) -> Result<ArrayD<f64>> {
        self.check(half.shape(), self.lattice.half_shape(), "half spectrum")?;
        self.inverse_owned(half.clone())
    }

    /// [`RealFft::inverse`] that takes its half spectrum by value and uses it as the work
    /// buffer (no copy of the spectrum).
    pub fn inverse_owned(&self, mut work: ArrayD<Complex<f64>>) -> Result<ArrayD<f64>> {
        self.check(work.shape(), self.lattice.half_shape(), "half spectrum")?;
        let mut x = ArrayD::<f64>::zeros(self.lattice.shape());
        macro_rules! fixed {
            ($dim:ty) => {
                inverse_nd(
                    &self.r2c,
                    &self.c2c,
                    fixed_view_mut::<$dim, _>(work.view_mut()),
                    fixed_view_mut::<$dim, _>(x.view_mut()),
                )
            };
        }
        if let (3, Some(ws), Some(xs)) = (self.lattice.dim(), work.as_slice_mut(), x.as_slice_mut())
        {
            inverse_3d(&self.plans, self.lattice.side(), ws, xs);
            return Ok(x);
        }
        match self.lattice.dim() {
            1 => fixed!(Ix1),
            2 => fixed!(Ix2),
            3 => fixed!(Ix3),
            4 => fixed!(Ix4),
            _ => inverse_nd(&self.r2c, &self.c2c, work.view_mut(), x.view_mut()),
        }
        Ok(x)
    }

    /// Applies the circulant operator with real symbol `symbol_half` (half layout, e.g. from
    /// [`Symbol::to_half`]) to the field `x`: F⁻¹[s_k x̂_k].
    pub fn apply(&self, symbol_half: &ArrayD<f64>, x: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        self.check(symbol_half.shape(), self.lattice.half_shape(), "symbol")?;
        let mut xh = self.forward(x)?;
        xh.zip_mut_with(symbol_half, |c, &s| *c *= s);
        self.inverse(&xh)
    }

    /// Real-space kernel s(r) = (1/V) Σ_k s_k e^{ik·r} of an even real symbol (R1.1): the
    /// matrix of the operator is S_{xy} = s(x − y mod L).
    pub fn kernel(&self, symbol: &Symbol) -> Result<ArrayD<f64>> {
        if symbol.lattice() != self.lattice {
            return Err(Error::Mismatch(format!(
                "symbol on {:?}, transform planned for {:?}",
                symbol.lattice(),
                self.lattice
            )));
        }
        let half = symbol.to_half().mapv(|s| Complex::new(s, 0.0));
        self.inverse(&half)
    }
}

fn fixed_view<D: Dimension, T>(v: ArrayView<'_, T, IxDyn>) -> ArrayView<'_, T, D> {
    v.into_dimensionality::<D>()
        .expect("the dimension is matched on the lattice")
}

fn fixed_view_mut<D: Dimension, T>(v: ArrayViewMut<'_, T, IxDyn>) -> ArrayViewMut<'_, T, D> {
    v.into_dimensionality::<D>()
        .expect("the dimension is matched on the lattice")
}

/// r2c along the last axis, then c2c along every other axis.
fn forward_nd<D: Dimension>(
    r2c: &R2cFftHandler<f64>,
    c2c: &FftHandler<f64>,
    x: ArrayView<'_, f64, D>,
    mut half: ArrayViewMut<'_, Complex<f64>, D>,
) {
    let d = x.ndim();
    ndfft_r2c(&x, &mut half, r2c, d - 1);
    for axis in 0..d - 1 {
        ndfft_inplace(&mut half, c2c, axis);
    }
}

/// Inverse c2c along every axis but the last (in place in `work`), then c2r along the last.
fn inverse_nd<D: Dimension>(
    r2c: &R2cFftHandler<f64>,
    c2c: &FftHandler<f64>,
    mut work: ArrayViewMut<'_, Complex<f64>, D>,
    mut x: ArrayViewMut<'_, f64, D>,
) {
    let d = x.ndim();
    for axis in 0..d - 1 {
        ndifft_inplace(&mut work, c2c, axis);
    }
    ndifft_r2c(&work, &mut x, r2c, d - 1);
}

/// 1/n on every entry, as ndrustfft's default normalisation does it.
fn normalise(data: &mut [Complex<f64>], n: usize) {
    let f = 1.0 / n as f64;
    for c in data {
        c.re *= f;
        c.im *= f;
    }
}

/// Complex transforms along axis 0 or 1 of a row-major `[L, L, H]` array: the H lanes of
/// one block (fixed j for axis 0, fixed i for axis 1) are gathered into one small buffer,
/// transformed by one batched call and scattered back; an inverse transform is scaled by 1/L.
fn lanes_3d(plan: &dyn Fft<f64>, l: usize, data: &mut [Complex<f64>], axis: usize, inverse: bool) {
    let h = data.len() / (l * l);
    // element p of lane q of block b sits at b·block + q + p·stride
    let (block, stride) = if axis == 0 { (h, l * h) } else { (l * h, h) };
    let mut buf = vec![Complex::new(0.0, 0.0); h * l];
    let mut scratch = vec![Complex::new(0.0, 0.0); plan.get_inplace_scratch_len()];
    for b in 0..l {
        let base = b * block;
        for (q, lane) in buf.chunks_exact_mut(l).enumerate() {
            for (p, v) in lane.iter_mut().enumerate() {
                *v = data[base + q + p * stride];
            }
        }
        plan.process_with_scratch(&mut buf, &mut scratch);
        if inverse {
            for lane in buf.chunks_exact_mut(l) {
                normalise(lane, l);
            }
        }
        for (q, lane) in buf.chunks_exact(l).enumerate() {
            for (p, v) in lane.iter().enumerate() {
                data[base + q + p * stride] = *v;
            }
        }
    }
}

/// Forward r2c along the last axis, then c2c along axes 1 and 0, of a `[L; 3]` field (the
/// same plans and order as [`forward_nd`], without per-lane allocations).
fn forward_3d(plans: &Plans, l: usize, x: &[f64], half: &mut [Complex<f64>]) {
    let h = l / 2 + 1;
    let mut row = vec![0.0; l];
    let mut scratch = vec![Complex::new(0.0, 0.0); plans.scratch_len()];
    for (src, dst) in x.chunks_exact(l).zip(half.chunks_exact_mut(h)) {
        row.copy_from_slice(src);
        plans
            .r2c
            .process_with_scratch(&mut row, dst, &mut scratch)
            .expect("lengths are fixed by the plan");
    }
    lanes_3d(plans.fwd.as_ref(), l, half, 0, false);
    lanes_3d(plans.fwd.as_ref(), l, half, 1, false);
}

/// Inverse of [`forward_3d`] with 1/V: c2c along axes 0 and 1, then c2r along the last axis.
/// `work` is overwritten.
fn inverse_3d(plans: &Plans, l: usize, work: &mut [Complex<f64>], x: &mut [f64]) {
    let h = l / 2 + 1;
    lanes_3d(plans.inv.as_ref(), l, work, 0, true);
    lanes_3d(plans.inv.as_ref(), l, work, 1, true);
    let mut scratch = vec![Complex::new(0.0, 0.0); plans.scratch_len()];
    for (src, dst) in work.chunks_exact_mut(h).zip(x.chunks_exact_mut(l)) {
        normalise(src, l);
        src[0].im = 0.0;
        if l.is_multiple_of(2) {
            src[h - 1].im = 0.0;
        }
        plans
            .c2r
            .process_with_scratch(src, dst, &mut scratch)
            .expect("lengths are fixed by the plan");
    }
}

/// The weight of each half-spectrum entry in a sum over all V modes: 1 on the last-axis
/// planes n = 0 and n = L/2 (even L), whose conjugate partners are in the half spectrum
/// already, and 2 elsewhere.
pub fn half_spectrum_weights(lattice: Lattice) -> ArrayD<f64> {
    let l = lattice.side();
    let last = lattice.dim() - 1;
    ArrayD::from_shape_fn(IxDyn(&lattice.half_shape()), |idx| {
        let n = idx[last];
        if n == 0 || (l.is_multiple_of(2) && n == l / 2) {
            1.0
        } else {
            2.0
        }
    })
}
