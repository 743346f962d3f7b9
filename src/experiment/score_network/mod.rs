//! Nonlinear, time-conditioned convolutional score networks in the `burn` deep
//! learning framework: reverse-mode autodiff and the optimizers come from the framework, the
//! network's shape from [`NetworkSpec`]. Nothing here calls the closed forms.
//!
//! Tensors are channels-last, `[batch, L₁, L₂, channels]`; a d = 1 lattice of side L is
//! `[batch, 1, L, channels]`. A periodic convolution is one framework operation with its own
//! backward pass ([`periodic`]): on the CPU backend it gathers the shifted copies h(x − r) into
//! one matrix and multiplies once, and every other backend gets the same map composed from
//! circular shifts, which autodiff differentiates. (The framework's own `conv2d` pads with
//! zeros, and its backward pass on the CPU backend measured 3× slower than the shift form;
//! the fused operation is what brought the step near the JAX peer: `docs/development.md`.)

pub mod average;
pub mod periodic;
pub mod response;
pub mod sample;
pub mod train;

use burn::module::{Ignored, Module, Param};
use burn::prelude::Backend;
use burn::tensor::{Tensor, TensorData, TensorPrimitive};
use ndarray::ArrayD;
use rand_distr::{Distribution, StandardNormal};

use crate::diffusion::forward::sigma2;
use crate::error::{Error, Result};
use crate::lattice::Lattice;
pub use crate::model::score_network::axis_sides;
use crate::model::score_network::{offset_site, Activation, NetworkSpec, Output};
use crate::sampling::seeded_rng;
pub use periodic::{periodic_conv, NetworkBackend, TrainBackend};

/// The CPU backend the crate trains on, in single precision (what practitioners train in).
pub type CpuF32 = burn::backend::NdArray<f32>;
/// The CPU backend in double precision (the cross-checks with the linear trainer).
pub type CpuF64 = burn::backend::NdArray<f64>;
/// [`CpuF32`] with reverse-mode autodiff.
pub type TrainF32 = burn::backend::Autodiff<CpuF32>;
/// [`CpuF64`] with reverse-mode autodiff.
pub type TrainF64 = burn::backend::Autodiff<CpuF64>;

/// The float type a network is trained in: [`TrainF32`] or [`TrainF64`]. Spelled `f32` and
/// `f64` on the command line and in files.
///
/// Entry points that train take this value instead of a backend type parameter, so the
/// training code is compiled once, in this crate, rather than again in every program that
/// calls it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FloatType {
    /// Single precision (what practitioners train in).
    #[default]
    F32,
    /// Double precision (the cross-checks with the linear trainer).
    F64,
}

impl std::str::FromStr for FloatType {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "f32" => Ok(FloatType::F32),
            "f64" => Ok(FloatType::F64),
            other => Err(format!("invalid float type {other:?}: expected f32 or f64")),
        }
    }
}

impl std::fmt::Display for FloatType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FloatType::F32 => "f32",
            FloatType::F64 => "f64",
        })
    }
}

/// One periodic convolution (W ⊛ h)(x) = Σ_r W(r) h(x − r) + b, C_in → C_out channels.
#[derive(Module, Debug)]
pub struct CircularConv<B: Backend> {
    /// Weight matrix, row (offset index)·C_in + input channel, column output channel.
    pub weight: Param<Tensor<B, 2>>,
    /// Bias per output channel, if any.
    pub bias: Option<Param<Tensor<B, 1>>>,
    /// Kernel offsets (r₁, r₂), in the order of the weight's row blocks.
    pub offsets: Ignored<Vec<(i64, i64)>>,
}

impl<B: NetworkBackend> CircularConv<B> {
    /// Applies the convolution to `h` of shape `[batch, L₁, L₂, C_in]`, adding the bias and,
    /// if given, a shift `[batch, C_out]` per field: one [`periodic_conv`] (the fused operation
    /// of [`periodic`]).
    pub fn forward(&self, h: Tensor<B, 4>, shift: Option<Tensor<B, 2>>) -> Tensor<B, 4> {
        let batch = h.dims()[0];
        let c_out = self.weight.dims()[1];
        let bias = self.bias.as_ref().map(|b| b.val().unsqueeze_dim::<2>(0));
        let a = match (bias, shift) {
            (Some(b), Some(s)) => s + b,
            (Some(b), None) => b.expand([batch, c_out]),
            (None, Some(s)) => s,
            (None, None) => Tensor::zeros([batch, c_out], &h.device()),
        };
        periodic_conv(h, self.weight.val(), a, &self.offsets.0)
    }

    /// The kernel W(r) of input channel `i` to output channel `o`, on the lattice's array
    /// `[L; d]` with offsets folded mod L (entries off the kernel's support are zero).
    pub fn kernel(&self, lattice: Lattice, i: usize, o: usize) -> Result<ArrayD<f64>> {
        let w = to_vec(self.weight.val())?;
        let c_in = self.weight.dims()[0] / self.offsets.0.len();
        let c_out = self.weight.dims()[1];
        let mut kernel = ArrayD::zeros(lattice.shape());
        for (j, &r) in self.offsets.0.iter().enumerate() {
            kernel[offset_site(lattice, r).as_slice()] += w[(j * c_in + i) * c_out + o];
        }
        Ok(kernel)
    }
}

/// A residual block: h + W₂ ⊛ φ(W₁ ⊛ φ(h) + E e(t)).
#[derive(Module, Debug)]
pub struct ResidualBlock<B: Backend> {
    /// First convolution W → W.
    pub first: CircularConv<B>,
    /// Second convolution W → W.
    pub second: CircularConv<B>,
    /// Time-embedding map E, `[features, W]` (absent without time input).
    pub time: Option<Param<Tensor<B, 2>>>,
    /// Time-scale map S, `[features, W]` (absent without the time scale).
    pub scale: Option<Param<Tensor<B, 2>>>,
    /// Global map G, `[W, W]`, of the lattice mean ⟨φ(h)⟩ (absent without the global path).
    pub global: Option<Param<Tensor<B, 2>>>,
}

/// A score network s_θ(x, t) of the shape a [`NetworkSpec`] describes.
#[derive(Module, Debug)]
pub struct ScoreNetwork<B: Backend> {
    /// Field → hidden channels (→ score when the width is 0).
    pub input: CircularConv<B>,
    /// Residual blocks.
    pub blocks: Vec<ResidualBlock<B>>,
    /// Hidden channels → output (absent when the width is 0).
    pub output: Option<CircularConv<B>>,
    /// The description it was built from.
    pub spec: Ignored<NetworkSpec>,
    /// Lattice dimension d and side L.
    pub lattice: Ignored<(usize, usize)>,
}

impl<B: NetworkBackend> ScoreNetwork<B> {
    /// A network of shape `spec` on `lattice`, weights drawn from a generator seeded with
    /// `seed`: every weight N(0, 1/fan-in), biases and time maps zero (so the untrained
    /// network does not depend on t). Refuses a spec the lattice cannot hold.
    pub fn new(
        spec: &NetworkSpec,
        lattice: Lattice,
        seed: u64,
        device: &B::Device,
    ) -> Result<Self> {
        spec.validate(lattice)?;
        let offsets = spec.offsets(lattice);
        let mut rng = seeded_rng(seed);
        let mut conv = |c_in: usize, c_out: usize| {
            let fan_in = (offsets.len() * c_in) as f64;
            let values: Vec<f64> = (0..offsets.len() * c_in * c_out)
                .map(|_| StandardNormal.sample(&mut rng))
                .map(|z: f64| z / fan_in.sqrt())
                .collect();
            CircularConv {
                weight: Param::from_tensor(tensor2(values, [offsets.len() * c_in, c_out], device)),
                bias: spec
                    .bias
                    .then(|| Param::from_tensor(Tensor::zeros([c_out], device))),
                offsets: Ignored(offsets.clone()),
            }
        };
        let w = spec.width;
        let input = conv(1, w.max(1));
        let blocks = (0..spec.blocks)
            .map(|_| ResidualBlock {
                first: conv(w, w),
                second: conv(w, w),
                time: (spec.embedding > 0)
                    .then(|| Param::from_tensor(Tensor::zeros([spec.embedding, w], device))),
                scale: (spec.time_scale && spec.embedding > 0)
                    .then(|| Param::from_tensor(Tensor::zeros([spec.embedding, w], device))),
                global: spec
                    .global
                    .then(|| Param::from_tensor(Tensor::zeros([w, w], device))),
            })
            .collect();
        let output = (w > 0).then(|| conv(w, 1));
        Ok(Self {
            input,
            blocks,
            output,
            spec: Ignored(spec.clone()),
            lattice: Ignored((lattice.dim(), lattice.side())),
        })
    }

    /// The lattice the network was built for.
    pub fn lattice(&self) -> Lattice {
        Lattice::new(self.lattice.0 .0, self.lattice.0 .1).expect("validated at construction")
    }

    /// The description the network was built from.
    pub fn spec(&self) -> &NetworkSpec {
        &self.spec.0
    }

    /// The score s_θ(x, t) of fields `x`, shape `[batch, L₁, L₂]`, at times `t`, one per
    /// field. An error for a time that is not finite and > 0 or a count that differs.
    pub fn score(&self, x: Tensor<B, 3>, t: &[f64]) -> Result<Tensor<B, 3>> {
        let [batch, l1, l2] = x.dims();
        if t.len() != batch {
            return Err(Error::Mismatch(format!(
                "{} times for {batch} fields",
                t.len()
            )));
        }
        let sigmas = t
            .iter()
            .map(|&t| Ok(sigma2(t)?.sqrt()))
            .collect::<Result<Vec<f64>>>()?;
        let device = x.device();
        let spec = &self.spec.0;
        let act = |h: Tensor<B, 4>| match spec.activation {
            Activation::Silu => silu(h),
            Activation::Identity => h,
        };
        let mut h = self.input.forward(x.unsqueeze_dim(3), None);
        let features = (spec.embedding > 0).then(|| {
            let values = t
                .iter()
                .flat_map(|&t| embedding(t, spec.embedding))
                .collect();
            tensor2(values, [batch, spec.embedding], &device)
        });
        for block in &self.blocks {
            let input = act(h.clone());
            // the per-field shifts E e(t) and G ⟨φ(h)⟩, each [batch, W]
            let time = match (&block.time, &features) {
                (Some(map), Some(e)) => Some(e.clone().matmul(map.val())),
                _ => None,
            };
            let global = block.global.as_ref().map(|map| {
                let w = map.dims()[1];
                input
                    .clone()
                    .mean_dim(1)
                    .mean_dim(2)
                    .reshape([batch, w])
                    .matmul(map.val())
            });
            let shift = match (time, global) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            };
            let inner = match (&block.scale, &features) {
                // (1 + S e) ⊙ (W ⊛ φ(h) + b) + shift: the shift comes after the gain
                (Some(map), Some(e)) => {
                    let w = map.dims()[1];
                    let gain = e.clone().matmul(map.val()).reshape([batch, 1, 1, w]) + 1.0;
                    let scaled = block.first.forward(input, None) * gain;
                    match shift {
                        Some(a) => scaled + a.reshape([batch, 1, 1, w]),
                        None => scaled,
                    }
                }
                _ => block.first.forward(input, shift),
            };
            h = h + block.second.forward(act(inner), None);
        }
        if let Some(out) = &self.output {
            h = out.forward(act(h), None);
        }
        let o = h.reshape([batch, l1, l2]);
        Ok(match spec.output {
            Output::Score => -o,
            Output::Noise => {
                let inv_sigma = sigmas.iter().map(|s| 1.0 / s).collect();
                -o * per_field(inv_sigma, &device)
            }
        })
    }

    /// Sets the kernels of a single-channel network (width 0 or 1, no blocks) from arrays
    /// a_l(r) of the lattice's shape, first convolution first: the start of the cross-check
    /// with the linear network of §4 (R11.4: with the identity activation, no biases and no
    /// time input the weights are a relabelling of the kernels a_l(r)).
    pub fn set_linear_kernels(&mut self, kernels: &[ArrayD<f64>]) -> Result<()> {
        let lattice = self.lattice();
        let mut convs: Vec<&mut CircularConv<B>> = vec![&mut self.input];
        convs.extend(self.output.as_mut());
        let single = convs.iter().all(|c| c.weight.dims()[1] == 1) && self.blocks.is_empty();
        if !single || convs.len() != kernels.len() {
            return Err(Error::Mismatch(format!(
                "{} kernels for a network of {} single-channel convolutions (single channel: {single})",
                kernels.len(),
                convs.len()
            )));
        }
        for (conv, kernel) in convs.into_iter().zip(kernels) {
            if kernel.shape() != lattice.shape().as_slice() {
                return Err(Error::Mismatch("a kernel of the wrong shape".into()));
            }
            let values = conv
                .offsets
                .0
                .iter()
                .map(|&r| kernel[offset_site(lattice, r).as_slice()])
                .collect::<Vec<f64>>();
            let device = conv.weight.device();
            let rows = values.len();
            conv.weight = Param::from_tensor(tensor2(values, [rows, 1], &device));
        }
        Ok(())
    }

    /// The kernels a_l(r) of the input and output convolutions (input channel 0 to output
    /// channel 0), first convolution first: for a single-channel network, the inverse of
    /// [`ScoreNetwork::set_linear_kernels`].
    pub fn linear_kernels(&self) -> Result<Vec<ArrayD<f64>>> {
        let lattice = self.lattice();
        std::iter::once(&self.input)
            .chain(self.output.as_ref())
            .map(|c| c.kernel(lattice, 0, 0))
            .collect()
    }

    /// Every parameter array with its name, in the order of the forward pass:
    /// `input.weight` (shape offsets·C_in × C_out), `input.bias` (C_out),
    /// `block{j}.first.weight`, …, `output.weight`, `output.bias`, then per block
    /// `block{j}.time` (features × W), `block{j}.scale` (features × W) and `block{j}.global`
    /// (W × W).
    pub fn named_weights(&self) -> Result<Vec<(String, ArrayD<f64>)>> {
        let mut out = Vec::new();
        let mut conv = |name: String, c: &CircularConv<B>| -> Result<()> {
            out.push((format!("{name}.weight"), array(c.weight.val())?));
            if let Some(b) = &c.bias {
                out.push((format!("{name}.bias"), array(b.val())?));
            }
            Ok(())
        };
        conv("input".into(), &self.input)?;
        for (j, block) in self.blocks.iter().enumerate() {
            conv(format!("block{j}.first"), &block.first)?;
            conv(format!("block{j}.second"), &block.second)?;
        }
        if let Some(o) = &self.output {
            conv("output".into(), o)?;
        }
        for (j, block) in self.blocks.iter().enumerate() {
            if let Some(time) = &block.time {
                out.push((format!("block{j}.time"), array(time.val())?));
            }
            if let Some(scale) = &block.scale {
                out.push((format!("block{j}.scale"), array(scale.val())?));
            }
            if let Some(global) = &block.global {
                out.push((format!("block{j}.global"), array(global.val())?));
            }
        }
        Ok(out)
    }

    /// Trainable parameters.
    pub fn parameter_count(&self) -> usize {
        self.num_params()
    }
}

/// SiLU, φ(u) = u σ(u) with σ(u) = 1/(1 + e^{−u}): one framework operation with its own
/// backward pass ([`NetworkBackend::silu`]), in the backend's float type (f64 to 1e-15 on the
/// double-precision backend; burn-ndarray 0.20's own `sigmoid` rounds to single precision).
pub fn silu<B: NetworkBackend, const D: usize>(u: Tensor<B, D>) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(B::silu(u.into_primitive().tensor())))
}

/// One value per field as a `[batch, 1, 1]` tensor that broadcasts over the sites.
pub fn per_field<B: Backend>(values: Vec<f64>, device: &B::Device) -> Tensor<B, 3> {
    let n = values.len();
    Tensor::from_data(
        TensorData::new(values, [n, 1, 1]).convert::<B::FloatElem>(),
        device,
    )
}

/// Sinusoidal features of u = ln t: sin(ω_j u), cos(ω_j u) for j = 0…E/2 − 1, with ω_j
/// geometric from 1/4 to 16 (one frequency: ω = 1).
pub fn embedding(t: f64, features: usize) -> Vec<f64> {
    let u = t.ln();
    let half = features / 2;
    (0..half)
        .flat_map(|j| {
            let omega = if half > 1 {
                0.25 * 64f64.powf(j as f64 / (half - 1) as f64)
            } else {
                1.0
            };
            [(omega * u).sin(), (omega * u).cos()]
        })
        .collect()
}

/// Fields of the lattice's shape stacked into a `[batch, L₁, L₂]` tensor.
pub fn fields_tensor<B: Backend>(
    fields: &[&ArrayD<f64>],
    lattice: Lattice,
    device: &B::Device,
) -> Result<Tensor<B, 3>> {
    let (s1, s2) = axis_sides(lattice);
    let mut values = Vec::with_capacity(fields.len() * s1 * s2);
    for f in fields {
        if f.shape() != lattice.shape().as_slice() {
            return Err(Error::Mismatch(format!(
                "a field of shape {:?} on a lattice of shape {:?}",
                f.shape(),
                lattice.shape()
            )));
        }
        values.extend(f.iter().copied());
    }
    Ok(Tensor::from_data(
        TensorData::new(values, [fields.len(), s1, s2]).convert::<B::FloatElem>(),
        device,
    ))
}

/// A `[batch, L₁, L₂]` tensor back into fields of the lattice's shape.
pub fn tensor_fields<B: Backend>(x: Tensor<B, 3>, lattice: Lattice) -> Result<Vec<ArrayD<f64>>> {
    let [batch, ..] = x.dims();
    let values = to_vec(x)?;
    let v = lattice.volume();
    (0..batch)
        .map(|m| {
            ArrayD::from_shape_vec(lattice.shape(), values[m * v..(m + 1) * v].to_vec())
                .map_err(|e| Error::Mismatch(e.to_string()))
        })
        .collect()
}

/// A tensor's values as f64, in row-major order.
pub fn to_vec<B: Backend, const D: usize>(x: Tensor<B, D>) -> Result<Vec<f64>> {
    x.into_data()
        .convert::<f64>()
        .to_vec::<f64>()
        .map_err(|e| Error::Mismatch(format!("tensor data: {e:?}")))
}

fn array<B: Backend, const D: usize>(x: Tensor<B, D>) -> Result<ArrayD<f64>> {
    let shape = x.dims().to_vec();
    ArrayD::from_shape_vec(shape, to_vec(x)?).map_err(|e| Error::Mismatch(e.to_string()))
}

fn tensor2<B: Backend>(values: Vec<f64>, shape: [usize; 2], device: &B::Device) -> Tensor<B, 2> {
    Tensor::from_data(
        TensorData::new(values, shape).convert::<B::FloatElem>(),
        device,
    )
}
