//! The periodic convolution and SiLU as framework operations with their own backward passes.
//!
//! For a field h of shape `[batch, L₁, L₂, C_in]` (channels last) and a weight matrix W of
//! shape `[K·C_in, C_out]` whose k-th row block W_k = W(r_k) belongs to the kernel offset
//! r_k = (r₁, r₂),
//!
//! ```text
//! y_b(x) = Σ_k h_b(x − r_k) W_k + a_b        (indices of x − r_k taken mod L₁, L₂)
//! ```
//!
//! with a `[batch, C_out]` a shift per field and channel (the bias, plus the time embedding's
//! shift E e(t_b) and the global path's G ⟨φ(h_b)⟩ when the network adds them here). Written
//! as a product, y = P W + a with P the `[batch·L₁·L₂, K·C_in]` matrix whose row x holds the K
//! shifted copies h(x − r_1) … h(x − r_K) side by side ("im2col"). Reverse mode needs, for an
//! upstream gradient G = ∂ℓ/∂y of y's shape:
//!
//! ```text
//! ∂ℓ/∂W   = Pᵀ G                              (weight gradient)
//! ∂ℓ/∂h(z) = Σ_k (G W_kᵀ)(z + r_k)           (input gradient: a gather, periodic again)
//! ∂ℓ/∂a_b  = Σ_x G_b(x)                       (shift gradient: a sum over sites)
//! ```
//!
//! [`NetworkBackend`] carries these maps (and SiLU, the other operation the network applies
//! to every hidden value, with its derivative). Its provided methods compose them from the
//! framework's tensor operations (one circular shift per offset), so any backend can declare
//! `impl NetworkBackend for MyBackend {}`; the CPU backend overrides them with direct loops
//! and one matrix product each ([`fused`]), and the autodiff backend records the forward map
//! as one node whose backward pass calls the gradient maps. The profile that motivates it
//! (`docs/development.md`): built from shifts, the step's time went to copies, not arithmetic.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{unary, Backward, Ops, OpsKind};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::backend::ndarray::NdArrayTensor;
use burn::backend::NdArray;
use burn::prelude::Backend;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{Tensor, TensorPrimitive};

/// Kernel offsets (r₁, r₂) in the order of the weight matrix's row blocks.
pub type Offsets = [(i64, i64)];

/// A backend that applies the periodic convolution y_b = Σ_k h_b(· − r_k) W_k + a_b, its
/// three gradients and SiLU with its derivative (module documentation). Every method has a
/// default built from tensor operations; a backend overrides them with faster kernels.
pub trait NetworkBackend: Backend {
    /// y_b = Σ_k h_b(· − r_k) W_k + a_b for h `[batch, L₁, L₂, C_in]`, W `[K·C_in, C_out]`
    /// and a `[batch, C_out]`.
    fn periodic_conv(
        h: FloatTensor<Self>,
        w: FloatTensor<Self>,
        a: FloatTensor<Self>,
        offsets: &Offsets,
    ) -> FloatTensor<Self> {
        composed::forward::<Self>(h, w, a, offsets)
    }

    /// ∂ℓ/∂h(z) = Σ_k (G W_kᵀ)(z + r_k) for the upstream gradient G `[batch, L₁, L₂, C_out]`.
    fn periodic_conv_input_grad(
        g: FloatTensor<Self>,
        w: FloatTensor<Self>,
        offsets: &Offsets,
    ) -> FloatTensor<Self> {
        composed::input_grad::<Self>(g, w, offsets)
    }

    /// ∂ℓ/∂W = Pᵀ G: row block k is Σ_x h(x − r_k)ᵀ G(x), shape `[K·C_in, C_out]`.
    fn periodic_conv_weight_grad(
        h: FloatTensor<Self>,
        g: FloatTensor<Self>,
        offsets: &Offsets,
    ) -> FloatTensor<Self> {
        composed::weight_grad::<Self>(h, g, offsets)
    }

    /// ∂ℓ/∂a_b = Σ_x G_b(x), shape `[batch, C_out]`.
    fn periodic_conv_shift_grad(g: FloatTensor<Self>) -> FloatTensor<Self> {
        composed::shift_grad::<Self>(g)
    }

    /// SiLU, φ(u) = u σ(u) with σ(u) = 1/(1 + e^{−u}), entry by entry (any shape).
    fn silu(u: FloatTensor<Self>) -> FloatTensor<Self> {
        composed::silu::<Self>(u)
    }

    /// The upstream gradient times φ'(u) = σ(u) (1 + u (1 − σ(u))), entry by entry.
    fn silu_grad(u: FloatTensor<Self>, g: FloatTensor<Self>) -> FloatTensor<Self> {
        composed::silu_grad::<Self>(u, g)
    }
}

/// A backend a score network trains on: reverse-mode autodiff over a [`NetworkBackend`], itself a
/// [`NetworkBackend`] (the network's forward pass runs on both).
pub trait TrainBackend: AutodiffBackend<InnerBackend: NetworkBackend> + NetworkBackend {}

impl<T: AutodiffBackend<InnerBackend: NetworkBackend> + NetworkBackend> TrainBackend for T {}

/// Applies [`NetworkBackend::periodic_conv`] to tensors: y_b = Σ_k h_b(· − r_k) W_k + a_b.
pub fn periodic_conv<B: NetworkBackend>(
    h: Tensor<B, 4>,
    w: Tensor<B, 2>,
    a: Tensor<B, 2>,
    offsets: &Offsets,
) -> Tensor<B, 4> {
    let (h, w, a) = (h.into_primitive(), w.into_primitive(), a.into_primitive());
    let y = B::periodic_conv(h.tensor(), w.tensor(), a.tensor(), offsets);
    Tensor::from_primitive(TensorPrimitive::Float(y))
}

macro_rules! fused_cpu_backend {
    ($($e:ty => $variant:ident),*) => {$(
        /// The fused loops of [`fused`] on the CPU backend.
        impl NetworkBackend for NdArray<$e> {
            fn periodic_conv(h: NdArrayTensor, w: NdArrayTensor, a: NdArrayTensor, offsets: &Offsets) -> NdArrayTensor {
                match (h, w, a) {
                    (NdArrayTensor::$variant(h), NdArrayTensor::$variant(w), NdArrayTensor::$variant(a)) => {
                        fused::forward(h.view(), w.view(), a.view(), offsets).into_shared().into()
                    }
                    (h, w, a) => composed::forward::<Self>(h, w, a, offsets),
                }
            }

            fn periodic_conv_shift_grad(g: NdArrayTensor) -> NdArrayTensor {
                match g {
                    NdArrayTensor::$variant(g) => fused::shift_grad(g.view()).into_shared().into(),
                    g => composed::shift_grad::<Self>(g),
                }
            }

            fn periodic_conv_input_grad(g: NdArrayTensor, w: NdArrayTensor, offsets: &Offsets) -> NdArrayTensor {
                match (g, w) {
                    (NdArrayTensor::$variant(g), NdArrayTensor::$variant(w)) => {
                        fused::input_grad(g.view(), w.view(), offsets).into_shared().into()
                    }
                    (g, w) => composed::input_grad::<Self>(g, w, offsets),
                }
            }

            fn periodic_conv_weight_grad(h: NdArrayTensor, g: NdArrayTensor, offsets: &Offsets) -> NdArrayTensor {
                match (h, g) {
                    (NdArrayTensor::$variant(h), NdArrayTensor::$variant(g)) => {
                        fused::weight_grad(h.view(), g.view(), offsets).into_shared().into()
                    }
                    (h, g) => composed::weight_grad::<Self>(h, g, offsets),
                }
            }

            fn silu(u: NdArrayTensor) -> NdArrayTensor {
                match u {
                    NdArrayTensor::$variant(u) => u
                        .view()
                        .mapv(|u: $e| u / (1.0 + (-u).exp()))
                        .into_shared()
                        .into(),
                    u => composed::silu::<Self>(u),
                }
            }

            fn silu_grad(u: NdArrayTensor, g: NdArrayTensor) -> NdArrayTensor {
                match (u, g) {
                    (NdArrayTensor::$variant(u), NdArrayTensor::$variant(g)) => {
                        ndarray::Zip::from(&u.view())
                            .and(&g.view())
                            .map_collect(|&u: &$e, &g: &$e| {
                                let s = 1.0 / (1.0 + (-u).exp());
                                g * s * (1.0 + u * (1.0 - s))
                            })
                            .into_shared()
                            .into()
                    }
                    (u, g) => composed::silu_grad::<Self>(u, g),
                }
            }
        }
    )*};
}

fused_cpu_backend!(f32 => F32, f64 => F64);

/// The autodiff nodes of the periodic convolution and of SiLU: the forward maps of the inner
/// backend, and backward passes that call its gradient maps (the convolution's weight gradient
/// only when W is tracked, its input gradient only when h is, its shift gradient only when a
/// is).
impl<B: NetworkBackend, C: CheckpointStrategy> NetworkBackend for Autodiff<B, C> {
    fn periodic_conv(
        h: FloatTensor<Self>,
        w: FloatTensor<Self>,
        a: FloatTensor<Self>,
        offsets: &Offsets,
    ) -> FloatTensor<Self> {
        #[derive(Debug)]
        struct PeriodicConv;

        impl<B: NetworkBackend> Backward<B, 3> for PeriodicConv {
            type State = (Option<NodeId>, Option<NodeId>, Vec<(i64, i64)>);

            fn backward(
                self,
                ops: Ops<Self::State, 3>,
                grads: &mut Gradients,
                checkpointer: &mut Checkpointer,
            ) {
                let (h, w, offsets) = ops.state;
                let h = h.map(|id| checkpointer.retrieve_node_output(id));
                let w = w.map(|id| checkpointer.retrieve_node_output(id));
                let g = grads.consume::<B>(&ops.node);
                let [h_node, w_node, a_node] = ops.parents;
                if let Some(node) = a_node {
                    grads.register::<B>(node.id, B::periodic_conv_shift_grad(g.clone()));
                }
                if let (Some(node), Some(h)) = (w_node, h) {
                    grads.register::<B>(
                        node.id,
                        B::periodic_conv_weight_grad(h, g.clone(), &offsets),
                    );
                }
                if let (Some(node), Some(w)) = (h_node, w) {
                    grads.register::<B>(node.id, B::periodic_conv_input_grad(g, w, &offsets));
                }
            }
        }

        let (h_tracked, w_tracked) = (h.is_tracked(), w.is_tracked());
        match PeriodicConv
            .prepare::<C>([h.node.clone(), w.node.clone(), a.node.clone()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                // h is what W's gradient needs, W what h's gradient needs
                let h_state = w_tracked.then(|| prep.checkpoint(&h));
                let w_state = h_tracked.then(|| prep.checkpoint(&w));
                let y = B::periodic_conv(h.primitive, w.primitive, a.primitive, offsets);
                prep.finish((h_state, w_state, offsets.to_vec()), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::periodic_conv(
                h.primitive,
                w.primitive,
                a.primitive,
                offsets,
            )),
        }
    }

    fn silu(u: FloatTensor<Self>) -> FloatTensor<Self> {
        #[derive(Debug)]
        struct Silu;

        impl<B: NetworkBackend> Backward<B, 1> for Silu {
            type State = NodeId;

            fn backward(
                self,
                ops: Ops<Self::State, 1>,
                grads: &mut Gradients,
                checkpointer: &mut Checkpointer,
            ) {
                let u = checkpointer.retrieve_node_output(ops.state);
                unary::<B, _>(ops.parents, ops.node, grads, |g| B::silu_grad(u, g));
            }
        }

        match Silu
            .prepare::<C>([u.node.clone()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let state = prep.checkpoint(&u);
                prep.finish(state, B::silu(u.primitive))
            }
            OpsKind::UnTracked(prep) => prep.finish(B::silu(u.primitive)),
        }
    }
}

/// The convolution's maps as direct loops on arrays: the im2col matrix P built in parallel over
/// the batch, one matrix product, and the input gradient gathered (not scattered) so that every
/// output entry is one fixed-order sum, whatever the thread count.
pub mod fused {
    use ndarray::linalg::general_mat_mul;
    use ndarray::{
        s, Array2, Array4, ArrayView2, ArrayView4, ArrayViewD, CowArray, Ix2, Ix4, IxDyn,
        LinalgScalar,
    };
    use rayon::prelude::*;

    use super::Offsets;

    /// Site index of (i − r₁, j − r₂) mod (L₁, L₂), per offset and site: `shifted[k][i·L₂ + j]`.
    fn shifted_sites(l1: usize, l2: usize, offsets: &Offsets, sign: i64) -> Vec<Vec<usize>> {
        offsets
            .iter()
            .map(|&(r1, r2)| {
                (0..l1 * l2)
                    .map(|site| {
                        let i = ((site / l2) as i64 - sign * r1).rem_euclid(l1 as i64) as usize;
                        // site ≡ j (mod L₂): the reduction below gives the column
                        let j = (site as i64 - sign * r2).rem_euclid(l2 as i64) as usize;
                        i * l2 + j
                    })
                    .collect()
            })
            .collect()
    }

    fn dims4<'a, T>(a: &ArrayViewD<'a, T>) -> ArrayView4<'a, T> {
        a.clone()
            .into_dimensionality::<Ix4>()
            .expect("a [batch, L₁, L₂, C] tensor")
    }

    fn dims2<'a, T>(a: &ArrayViewD<'a, T>) -> ArrayView2<'a, T> {
        a.clone().into_dimensionality::<Ix2>().expect("a matrix")
    }

    /// A `[batch, L₁, L₂, C]` array as the `[batch·L₁·L₂, C]` matrix of its sites' values
    /// (copied only if it is not in standard layout).
    fn site_rows<'a, T: Clone>(a: &ArrayViewD<'a, T>) -> CowArray<'a, T, Ix2> {
        let view = dims4(a);
        let (batch, l1, l2, c) = view.dim();
        let standard = if view.is_standard_layout() {
            CowArray::from(view)
        } else {
            CowArray::from(view.as_standard_layout().into_owned())
        };
        standard
            .into_shape_with_order((batch * l1 * l2, c))
            .expect("standard layout")
    }

    /// P: row (b, x) holds h_b(x − r_1) … h_b(x − r_K), shape `[batch·L₁·L₂, K·C_in]`.
    pub fn im2col<T: LinalgScalar + Send + Sync>(
        h: ArrayView4<'_, T>,
        offsets: &Offsets,
    ) -> Array2<T> {
        let (batch, l1, l2, c) = h.dim();
        let h = h.as_standard_layout();
        let h = h.as_slice().expect("standard layout");
        let (v, k) = (l1 * l2, offsets.len());
        let sites = shifted_sites(l1, l2, offsets, 1);
        let mut p = Array2::zeros((batch * v, k * c));
        let rows = p.as_slice_mut().expect("fresh array");
        rows.par_chunks_mut(v * k * c)
            .enumerate()
            .for_each(|(b, field)| {
                let source = &h[b * v * c..(b + 1) * v * c];
                for (site, row) in field.chunks_mut(k * c).enumerate() {
                    for (block, shift) in row.chunks_mut(c).zip(&sites) {
                        let from = shift[site] * c;
                        block.copy_from_slice(&source[from..from + c]);
                    }
                }
            });
        p
    }

    /// y = P W + a (a's row b added to every site of field b), shape `[batch, L₁, L₂, C_out]`.
    pub fn forward<T: LinalgScalar + Send + Sync>(
        h: ArrayViewD<'_, T>,
        w: ArrayViewD<'_, T>,
        a: ArrayViewD<'_, T>,
        offsets: &Offsets,
    ) -> ndarray::ArrayD<T> {
        let h = dims4(&h);
        let (batch, l1, l2, _) = h.dim();
        let (w, a) = (dims2(&w), dims2(&a));
        let mut y = im2col(h, offsets).dot(&w);
        let v = l1 * l2;
        for (b, shift) in a.outer_iter().enumerate() {
            y.slice_mut(s![b * v..(b + 1) * v, ..])
                .zip_mut_with(&shift, |y, &a| *y = *y + a);
        }
        into_field(y, [batch, l1, l2, w.ncols()])
    }

    /// ∂ℓ/∂a_b = Σ_x G_b(x), summed site by site in order, shape `[batch, C_out]`.
    pub fn shift_grad<T: LinalgScalar>(g: ArrayViewD<'_, T>) -> ndarray::ArrayD<T> {
        let g = dims4(&g);
        let (batch, _, _, c_out) = g.dim();
        let mut out = Array2::<T>::zeros((batch, c_out));
        for (field, mut total) in g.outer_iter().zip(out.outer_iter_mut()) {
            for row in field.rows() {
                total.zip_mut_with(&row, |t, &x| *t = *t + x);
            }
        }
        out.into_dyn()
    }

    /// ∂ℓ/∂W = Pᵀ G, shape `[K·C_in, C_out]`.
    pub fn weight_grad<T: LinalgScalar + Send + Sync>(
        h: ArrayViewD<'_, T>,
        g: ArrayViewD<'_, T>,
        offsets: &Offsets,
    ) -> ndarray::ArrayD<T> {
        let gw = im2col(dims4(&h), offsets).t().dot(&site_rows(&g));
        gw.as_standard_layout().into_owned().into_dyn()
    }

    /// ∂ℓ/∂h(z) = Σ_k (G W_kᵀ)(z + r_k), shape `[batch, L₁, L₂, C_in]`.
    pub fn input_grad<T: LinalgScalar + Send + Sync>(
        g: ArrayViewD<'_, T>,
        w: ArrayViewD<'_, T>,
        offsets: &Offsets,
    ) -> ndarray::ArrayD<T> {
        let (batch, l1, l2, _) = dims4(&g).dim();
        let g = site_rows(&g);
        let w = dims2(&w);
        let (k, v) = (offsets.len(), l1 * l2);
        let c = w.nrows() / k;
        // G Wᵀ written row by row: `dot` would return it column-major when C_out = 1
        let mut gp = Array2::<T>::zeros((batch * v, k * c));
        general_mat_mul(T::one(), &g, &w.t(), T::zero(), &mut gp);
        let gp = gp.as_slice().expect("fresh array");
        let sites = shifted_sites(l1, l2, offsets, -1);
        let mut out = Array4::<T>::zeros((batch, l1, l2, c));
        let slots = out.as_slice_mut().expect("fresh array");
        slots
            .par_chunks_mut(v * c)
            .enumerate()
            .for_each(|(b, field)| {
                let rows = &gp[b * v * k * c..(b + 1) * v * k * c];
                for (site, target) in field.chunks_mut(c).enumerate() {
                    for (j, shift) in sites.iter().enumerate() {
                        let from = shift[site] * k * c + j * c;
                        for (t, &value) in target.iter_mut().zip(&rows[from..from + c]) {
                            *t = *t + value;
                        }
                    }
                }
            });
        out.into_dyn()
    }

    fn into_field<T: LinalgScalar>(y: Array2<T>, shape: [usize; 4]) -> ndarray::ArrayD<T> {
        y.as_standard_layout()
            .into_owned()
            .into_shape_with_order(IxDyn(&shape))
            .expect("rows are the sites of the fields")
    }
}

/// The three maps composed from the framework's tensor operations, one circular shift per
/// offset: the default of every backend and the reference the fused loops are tested against.
pub mod composed {
    use burn::tensor::ops::FloatTensor;
    use burn::tensor::{Tensor, TensorPrimitive};

    use super::{NetworkBackend, Offsets};

    fn tensor<B: NetworkBackend, const D: usize>(x: FloatTensor<B>) -> Tensor<B, D> {
        Tensor::from_primitive(TensorPrimitive::Float(x))
    }

    /// The K shifted copies h(· − r_k), each flattened to `[batch·L₁·L₂, C]`.
    fn shifted<B: NetworkBackend>(h: &Tensor<B, 4>, offsets: &Offsets) -> Vec<Tensor<B, 2>> {
        let [batch, l1, l2, c] = h.dims();
        let mut last_r1 = None;
        let mut row = h.clone();
        offsets
            .iter()
            .map(|&(r1, r2)| {
                if last_r1 != Some(r1) {
                    row = shift(h.clone(), r1, 1);
                    last_r1 = Some(r1);
                }
                shift(row.clone(), r2, 2).reshape([batch * l1 * l2, c])
            })
            .collect()
    }

    /// y_b = Σ_k h_b(· − r_k) W_k + a_b: the K shifted copies stacked along a leading axis,
    /// one batched product with the K blocks of W, summed over K, plus a broadcast over sites.
    pub fn forward<B: NetworkBackend>(
        h: FloatTensor<B>,
        w: FloatTensor<B>,
        a: FloatTensor<B>,
        offsets: &Offsets,
    ) -> FloatTensor<B> {
        let h: Tensor<B, 4> = tensor(h);
        let w: Tensor<B, 2> = tensor(w);
        let a: Tensor<B, 2> = tensor(a);
        let [batch, l1, l2, c_in] = h.dims();
        let (k, c_out) = (offsets.len(), w.dims()[1]);
        let stacked: Vec<_> = shifted(&h, offsets)
            .into_iter()
            .map(|x| x.unsqueeze_dim(0))
            .collect();
        Tensor::cat(stacked, 0)
            .matmul(w.reshape([k, c_in, c_out]))
            .sum_dim(0)
            .reshape([batch, l1, l2, c_out])
            .add(a.reshape([batch, 1, 1, c_out]))
            .into_primitive()
            .tensor()
    }

    /// ∂ℓ/∂a_b = Σ_x G_b(x).
    pub fn shift_grad<B: NetworkBackend>(g: FloatTensor<B>) -> FloatTensor<B> {
        let g: Tensor<B, 4> = tensor(g);
        let [batch, l1, l2, c_out] = g.dims();
        g.reshape([batch, l1 * l2, c_out])
            .sum_dim(1)
            .reshape([batch, c_out])
            .into_primitive()
            .tensor()
    }

    /// ∂ℓ/∂W: block k is h(· − r_k)ᵀ G.
    pub fn weight_grad<B: NetworkBackend>(
        h: FloatTensor<B>,
        g: FloatTensor<B>,
        offsets: &Offsets,
    ) -> FloatTensor<B> {
        let h: Tensor<B, 4> = tensor(h);
        let g: Tensor<B, 4> = tensor(g);
        let [batch, l1, l2, c_out] = g.dims();
        let g = g.reshape([batch * l1 * l2, c_out]);
        let blocks: Vec<_> = shifted(&h, offsets)
            .into_iter()
            .map(|x| x.transpose().matmul(g.clone()))
            .collect();
        Tensor::cat(blocks, 0).into_primitive().tensor()
    }

    /// ∂ℓ/∂h = Σ_k (G W_kᵀ)(· + r_k).
    pub fn input_grad<B: NetworkBackend>(
        g: FloatTensor<B>,
        w: FloatTensor<B>,
        offsets: &Offsets,
    ) -> FloatTensor<B> {
        let g: Tensor<B, 4> = tensor(g);
        let w: Tensor<B, 2> = tensor(w);
        let [batch, l1, l2, c_out] = g.dims();
        let k = offsets.len();
        let c_in = w.dims()[0] / k;
        let g = g.reshape([batch * l1 * l2, c_out]);
        let mut total: Option<Tensor<B, 4>> = None;
        for (j, &(r1, r2)) in offsets.iter().enumerate() {
            let block = w.clone().slice([j * c_in..(j + 1) * c_in, 0..c_out]);
            let moved = g
                .clone()
                .matmul(block.transpose())
                .reshape([batch, l1, l2, c_in]);
            let moved = shift(shift(moved, -r1, 1), -r2, 2);
            total = Some(match total {
                Some(t) => t + moved,
                None => moved,
            });
        }
        total
            .expect("a kernel has at least one offset")
            .into_primitive()
            .tensor()
    }

    /// φ(u) = u σ(u) with σ(u) = (1 + tanh(u/2))/2, from `tanh` (bounded, so no overflow for
    /// large |u|). burn-ndarray 0.20's own `sigmoid` rounds to single precision even on the
    /// f64 backend — σ(1) = 0.7310585975646973 against 0.7310585786300049 — which the
    /// finite-difference gradient check sees.
    pub fn silu<B: NetworkBackend>(u: FloatTensor<B>) -> FloatTensor<B> {
        let u: Tensor<B, 1> = flat(u);
        let shape = u.shape();
        let y = u.clone() * ((u * 0.5).tanh() + 1.0) * 0.5;
        B::float_reshape(y.into_primitive().tensor(), shape)
    }

    /// g φ'(u) = g σ(u) (1 + u (1 − σ(u))), σ from `tanh` as in [`silu`].
    pub fn silu_grad<B: NetworkBackend>(u: FloatTensor<B>, g: FloatTensor<B>) -> FloatTensor<B> {
        let shape = burn::tensor::TensorMetadata::shape(&u);
        let (u, g): (Tensor<B, 1>, Tensor<B, 1>) = (flat(u), flat(g));
        let s = ((u.clone() * 0.5).tanh() + 1.0) * 0.5;
        let d = s.clone() * ((-s + 1.0) * u + 1.0);
        B::float_reshape((g * d).into_primitive().tensor(), shape)
    }

    /// Any tensor as a flat one.
    fn flat<B: NetworkBackend>(x: FloatTensor<B>) -> Tensor<B, 1> {
        let n = burn::tensor::TensorMetadata::shape(&x).num_elements();
        tensor(B::float_reshape(x, [n].into()))
    }

    /// h(x − r) along one spatial axis (1 or 2) of a `[batch, L₁, L₂, C]` tensor, as one
    /// circular shift of a merged axis whose inner part moves whole: the rows (L₂·C values) for
    /// axis 1, the sites (C values) for axis 2, so both copies are contiguous.
    pub fn shift<B: burn::prelude::Backend>(h: Tensor<B, 4>, r: i64, axis: usize) -> Tensor<B, 4> {
        let dims = h.dims();
        let side = dims[axis] as i64;
        let r = r.rem_euclid(side);
        if r == 0 {
            return h;
        }
        let inner: usize = dims[axis + 1..].iter().product();
        let outer: usize = dims[..axis].iter().product();
        // roll_dim(s) gives out[i] = in[i + s]: s = −r·inner makes h(x − r)
        h.reshape([outer, dims[axis] * inner])
            .roll_dim(-(r * inner as i64), 1)
            .reshape(dims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;
    use rand::Rng;

    type Cpu = NdArray<f64>;

    fn random(shape: &[usize], seed: u64) -> FloatTensor<Cpu> {
        let mut rng = crate::sampling::seeded_rng(seed);
        let n = shape.iter().product();
        let values: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        Tensor::<Cpu, 1>::from_data(TensorData::new(values, [n]), &Default::default())
            .into_primitive()
            .tensor()
            .reshape_to(shape)
    }

    trait ReshapeTo {
        fn reshape_to(self, shape: &[usize]) -> Self;
    }

    impl ReshapeTo for FloatTensor<Cpu> {
        fn reshape_to(self, shape: &[usize]) -> Self {
            <Cpu as burn::tensor::ops::FloatTensorOps<Cpu>>::float_reshape(self, shape.into())
        }
    }

    fn zeros(shape: &[usize]) -> FloatTensor<Cpu> {
        let n: usize = shape.iter().product();
        Tensor::<Cpu, 1>::zeros([n], &Default::default())
            .into_primitive()
            .tensor()
            .reshape_to(shape)
    }

    fn values(x: FloatTensor<Cpu>) -> Vec<f64> {
        Tensor::<Cpu, 1>::from_primitive(TensorPrimitive::Float(x.clone().reshape_to(&[x_len(&x)])))
            .into_data()
            .to_vec()
            .unwrap()
    }

    fn x_len(x: &FloatTensor<Cpu>) -> usize {
        burn::tensor::TensorMetadata::shape(x).num_elements()
    }

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    fn assert_close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            // sums of at most 100 products of numbers below 1 in different orders:
            // 100 · 2⁻⁵² ≈ 2e-14
            assert!((x - y).abs() < 1e-13, "{x} against {y}");
        }
    }

    /// (lattice sides, channels in, channels out, offsets).
    type Case = ([usize; 2], usize, usize, Vec<(i64, i64)>);

    /// A 3 × 3 kernel on a 5 × 5 lattice,
    /// an irregular kernel with offsets beyond ±1 on a 4 × 6 lattice, a d = 1 line with one
    /// output channel (the network's last convolution; the products' layouts differ there).
    fn cases() -> Vec<Case> {
        let square = (-1..=1)
            .flat_map(|a| (-1..=1).map(move |b| (a, b)))
            .collect();
        vec![
            ([5, 5], 2, 3, square),
            ([4, 6], 3, 2, vec![(0, 0), (2, -1), (-1, 3), (1, 1)]),
            ([1, 7], 2, 1, vec![(0, -2), (0, 0), (0, 1), (0, 5)]),
        ]
    }

    #[test]
    fn fused_loops_equal_the_composed_shifts() {
        for (case, ([l1, l2], c_in, c_out, offsets)) in cases().into_iter().enumerate() {
            let seed = 10 * case as u64;
            let h = random(&[3, l1, l2, c_in], seed);
            let w = random(&[offsets.len() * c_in, c_out], seed + 1);
            let g = random(&[3, l1, l2, c_out], seed + 2);
            let a = random(&[3, c_out], seed + 3);
            assert_close(
                &values(Cpu::periodic_conv(
                    h.clone(),
                    w.clone(),
                    a.clone(),
                    &offsets,
                )),
                &values(composed::forward::<Cpu>(h.clone(), w.clone(), a, &offsets)),
            );
            assert_close(
                &values(Cpu::periodic_conv_shift_grad(g.clone())),
                &values(composed::shift_grad::<Cpu>(g.clone())),
            );
            assert_close(
                &values(Cpu::periodic_conv_input_grad(
                    g.clone(),
                    w.clone(),
                    &offsets,
                )),
                &values(composed::input_grad::<Cpu>(g.clone(), w.clone(), &offsets)),
            );
            assert_close(
                &values(Cpu::periodic_conv_weight_grad(
                    h.clone(),
                    g.clone(),
                    &offsets,
                )),
                &values(composed::weight_grad::<Cpu>(h, g, &offsets)),
            );
        }
    }

    /// The gradients are the adjoints of the forward map: ⟨G, y(h, W)⟩ = ⟨∂/∂h, h⟩ = ⟨∂/∂W, W⟩,
    /// since y is linear in each argument. Checked on the fused loops.
    #[test]
    fn gradients_are_adjoints_of_the_convolution() {
        for (case, ([l1, l2], c_in, c_out, offsets)) in cases().into_iter().enumerate() {
            let seed = 100 + 10 * case as u64;
            let h = random(&[2, l1, l2, c_in], seed);
            let w = random(&[offsets.len() * c_in, c_out], seed + 1);
            let g = random(&[2, l1, l2, c_out], seed + 2);
            let a = random(&[2, c_out], seed + 3);
            let zero = zeros(&[2, c_out]);
            let y = values(Cpu::periodic_conv(h.clone(), w.clone(), zero, &offsets));
            let pairing = dot(&values(g.clone()), &y);
            let shifted = values(Cpu::periodic_conv(
                h.clone(),
                w.clone(),
                a.clone(),
                &offsets,
            ));
            let by_shift = dot(
                &values(Cpu::periodic_conv_shift_grad(g.clone())),
                &values(a),
            );
            let added = dot(&values(g.clone()), &shifted) - pairing;
            assert!(
                (added - by_shift).abs() < 1e-12,
                "{added} against {by_shift}"
            );
            let by_input = dot(
                &values(Cpu::periodic_conv_input_grad(
                    g.clone(),
                    w.clone(),
                    &offsets,
                )),
                &values(h.clone()),
            );
            let by_weight = dot(
                &values(Cpu::periodic_conv_weight_grad(h, g, &offsets)),
                &values(w),
            );
            assert!(
                (pairing - by_input).abs() < 1e-12,
                "{pairing} against {by_input}"
            );
            assert!(
                (pairing - by_weight).abs() < 1e-12,
                "{pairing} against {by_weight}"
            );
        }
    }

    /// One entry by hand: with one input and one output channel, y(x) = Σ_k h(x − r_k) w_k.
    #[test]
    fn forward_shifts_by_minus_the_offset() {
        let h = random(&[1, 4, 6, 1], 7);
        let w = random(&[2, 1], 8);
        let offsets = [(1, 0), (0, -2)];
        let y = values(Cpu::periodic_conv(
            h.clone(),
            w.clone(),
            zeros(&[1, 1]),
            &offsets,
        ));
        let (h, w) = (values(h), values(w));
        let at = |i: i64, j: i64| h[(i.rem_euclid(4) * 6 + j.rem_euclid(6)) as usize];
        for i in 0..4 {
            for j in 0..6 {
                let expected = at(i - 1, j) * w[0] + at(i, j + 2) * w[1];
                assert!((y[(i * 6 + j) as usize] - expected).abs() < 1e-15);
            }
        }
    }

    /// The fused SiLU and its derivative against the `tanh` composition, on a range that
    /// reaches both tails (e^{−u} overflows to infinity for u < −709 and the fused form must
    /// still give −0, not NaN).
    #[test]
    fn fused_silu_equals_the_composed_one() {
        let us: Vec<f64> = (-40..=40)
            .map(|j| j as f64 * 0.37)
            .chain([-800.0, 800.0])
            .collect();
        let n = us.len();
        let u = Tensor::<Cpu, 1>::from_data(TensorData::new(us.clone(), [n]), &Default::default())
            .into_primitive()
            .tensor();
        let g = random(&[n], 4);
        let pairs = [
            (
                values(Cpu::silu(u.clone())),
                values(composed::silu::<Cpu>(u.clone())),
            ),
            (
                values(Cpu::silu_grad(u.clone(), g.clone())),
                values(composed::silu_grad::<Cpu>(u, g)),
            ),
        ];
        for (fused, reference) in pairs {
            for (a, b) in fused.iter().zip(&reference) {
                // relative 1e-15 of the larger of |φ| and 1 (tanh and exp round differently)
                assert!((a - b).abs() <= 2e-15 * (1.0 + b.abs()), "{a} against {b}");
            }
        }
    }

    /// A weight matrix stored transposed (column-major, as `transpose()` leaves it) gives the
    /// same maps as a contiguous one.
    #[test]
    fn strided_weights_give_the_same_convolution() {
        let offsets = [(0, 0), (1, 1), (-1, 0)];
        let h = random(&[2, 3, 4, 2], 20);
        let g = random(&[2, 3, 4, 5], 21);
        let stored = random(&[5, 6], 22);
        let strided = <Cpu as burn::tensor::ops::FloatTensorOps<Cpu>>::float_transpose(stored);
        let copy = values(strided.clone());
        let contiguous =
            Tensor::<Cpu, 1>::from_data(TensorData::new(copy, [30]), &Default::default())
                .into_primitive()
                .tensor()
                .reshape_to(&[6, 5]);
        assert_close(
            &values(Cpu::periodic_conv(
                h.clone(),
                strided.clone(),
                zeros(&[2, 5]),
                &offsets,
            )),
            &values(Cpu::periodic_conv(
                h,
                contiguous.clone(),
                zeros(&[2, 5]),
                &offsets,
            )),
        );
        assert_close(
            &values(Cpu::periodic_conv_input_grad(g.clone(), strided, &offsets)),
            &values(Cpu::periodic_conv_input_grad(g, contiguous, &offsets)),
        );
    }

    /// Through autodiff: SiLU's node passes g φ'(u) to its input (the derivative the fused
    /// map gives, checked against the tanh form above).
    #[test]
    fn autodiff_silu_node_passes_its_derivative() {
        type Ad = Autodiff<Cpu>;
        let u = random(&[3, 4], 5);
        let g = random(&[3, 4], 6);
        let x = Tensor::<Ad, 2>::from_primitive(TensorPrimitive::Float(
            Autodiff::<Cpu>::from_inner(u.clone()),
        ))
        .require_grad();
        let weight =
            Tensor::<Ad, 2>::from_inner(Tensor::from_primitive(TensorPrimitive::Float(g.clone())));
        let y = Tensor::<Ad, 2>::from_primitive(TensorPrimitive::Float(Ad::silu(
            x.clone().into_primitive().tensor(),
        )));
        let grads = (y * weight).sum().backward();
        let got = x.grad(&grads).unwrap().into_primitive().tensor();
        assert_close(&values(got), &values(composed::silu_grad::<Cpu>(u, g)));
    }

    /// Through autodiff: the gradients of ℓ = ⟨G, y⟩ are the two maps (the node registers the
    /// right gradient with the right parent).
    #[test]
    fn autodiff_node_hands_each_parent_its_gradient() {
        type Ad = Autodiff<Cpu>;
        let offsets = vec![(0, 0), (1, -1), (-1, 2)];
        let h = Tensor::<Ad, 4>::from_primitive(TensorPrimitive::Float(
            Autodiff::<Cpu>::from_inner(random(&[2, 4, 5, 2], 1)),
        ))
        .require_grad();
        let w = Tensor::<Ad, 2>::from_primitive(TensorPrimitive::Float(
            Autodiff::<Cpu>::from_inner(random(&[6, 3], 2)),
        ))
        .require_grad();
        let a = Tensor::<Ad, 2>::from_primitive(TensorPrimitive::Float(
            Autodiff::<Cpu>::from_inner(random(&[2, 3], 4)),
        ))
        .require_grad();
        let g = Tensor::<Cpu, 4>::from_primitive(TensorPrimitive::Float(random(&[2, 4, 5, 3], 3)));
        let y = periodic_conv(h.clone(), w.clone(), a.clone(), &offsets);
        let grads = (y * Tensor::<Ad, 4>::from_inner(g.clone()))
            .sum()
            .backward();
        let gh = h.grad(&grads).unwrap().into_primitive().tensor();
        let gw = w.grad(&grads).unwrap().into_primitive().tensor();
        let ga = a.grad(&grads).unwrap().into_primitive().tensor();
        let g = g.into_primitive().tensor();
        assert_close(
            &values(ga),
            &values(Cpu::periodic_conv_shift_grad(g.clone())),
        );
        let (h, w) = (
            h.inner().into_primitive().tensor(),
            w.inner().into_primitive().tensor(),
        );
        assert_close(
            &values(gh),
            &values(Cpu::periodic_conv_input_grad(g.clone(), w, &offsets)),
        );
        assert_close(
            &values(gw),
            &values(Cpu::periodic_conv_weight_grad(h, g, &offsets)),
        );
    }
}
