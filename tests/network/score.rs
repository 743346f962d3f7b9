//! The framework's score network (burn) tied to the verified core (SPEC §11, issue 21 item 2):
//! its periodic convolution against the crate's direct loop convolution, its gradient-descent
//! trajectory with the identity activation against the crate's linear trainer step by step,
//! its autodiff gradient against finite differences, and its translation equivariance.

use burn::module::Param;
use burn::prelude::Backend;
use burn::tensor::{Tensor, TensorData};
use critical_slowing::data::GaussianField;
use critical_slowing::experiment::score_network::train::{
    dsm_loss, FixedBatch, LinearKernelRecorder, LrSchedule, NetworkOptimizer, NetworkTrainer,
    NoMonitor, NoisedFields,
};
use critical_slowing::experiment::score_network::{
    fields_tensor, tensor_fields, to_vec, ResidualBlock, ScoreNetwork, TrainF64,
};
use critical_slowing::experiment::trainer::{FullBatchGd, StoppingRule};
use critical_slowing::experiment::{ConvNet, NoisedBatch};
use critical_slowing::fourier::RealFft;
use critical_slowing::model::score_network::{NetworkSpec, Weighting};
use critical_slowing::model::LayerKind;
use critical_slowing::progress::Silent;
use critical_slowing::sampling::{seeded_rng, FieldSampler};
use critical_slowing::Lattice;
use ndarray::ArrayD;
use rand::Rng;

type B = TrainF64;

fn device() -> <B as Backend>::Device {
    Default::default()
}

fn sampler(lattice: Lattice) -> FieldSampler {
    let l = lattice.side() as f64;
    let field = GaussianField::massive_free(lattice, 1.0, 4.0 / (l * l)).unwrap();
    FieldSampler::new(field.spectrum()).unwrap()
}

fn random_kernel(lattice: Lattice, rng: &mut impl Rng) -> ArrayD<f64> {
    ArrayD::from_shape_simple_fn(lattice.shape(), || rng.random_range(-0.5..0.5))
}

/// The framework network's score equals the crate's direct loop convolution
/// s(x) = −Σ_r a(r) x(· − r) with the kernel it reports (one full layer, one radius-1 layer, a
/// two-layer full stack), in d = 1 and 2. Tolerance 1e-12 relative: f64 rounding of sums of
/// at most V² terms of size O(1).
#[test]
fn periodic_convolution_equals_direct_loop() {
    for (d, l) in [(1, 7), (2, 5), (2, 6)] {
        let lattice = Lattice::new(d, l).unwrap();
        let mut rng = seeded_rng(3);
        let x: Vec<ArrayD<f64>> = (0..3).map(|_| random_kernel(lattice, &mut rng)).collect();
        let specs = [
            NetworkSpec::linear(1).unwrap(),
            NetworkSpec {
                kernel: critical_slowing::model::score_network::KernelSize::Radius(1),
                ..NetworkSpec::linear(1).unwrap()
            },
            NetworkSpec::linear(2).unwrap(),
        ];
        for spec in specs {
            let net = ScoreNetwork::<B>::new(&spec, lattice, 11, &device()).unwrap();
            let kernels = net.linear_kernels().unwrap();
            let kinds = vec![LayerKind::Full; kernels.len()];
            let mut reference = ConvNet::new(lattice, &kinds).unwrap();
            reference.set_kernels(&kernels).unwrap();
            let xs = fields_tensor::<B>(&x.iter().collect::<Vec<_>>(), lattice, &device()).unwrap();
            let s = net.score(xs, &[0.3; 3]).unwrap();
            for (got, field) in tensor_fields(s, lattice).unwrap().iter().zip(&x) {
                let want = reference.score_direct(field).unwrap();
                let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                for (a, b) in got.iter().zip(&want) {
                    assert!(
                        (a - b).abs() <= 1e-12 * scale,
                        "d = {d} L = {l}: {a} vs {b}"
                    );
                }
            }
        }
    }
}

/// R11.4. With the identity activation, no time input, full kernels and plain full-batch GD
/// at one t, the framework network is the linear network of §4: on the same batch and from the same
/// start, its kernels after every one of 40 steps equal the crate's hand-differentiated
/// trainer's (whose trajectory equals the per-mode closed form on the batch statistics, C8).
/// 12 sampled fields noised at t = 0.2 (seed 5), as a batch and as the network's input.
fn fixed_time_batch(lattice: Lattice) -> (NoisedBatch, NoisedFields) {
    let t = 0.2;
    let batch = NoisedBatch::draw(&sampler(lattice), t, 12, &mut seeded_rng(5)).unwrap();
    let fields = NoisedFields {
        xt: batch.xt.clone(),
        z: batch.z.clone(),
        t: vec![t; batch.xt.len()],
    };
    (batch, fields)
}

/// Depth 1 from zero, depth 2 from the balanced start and from a random start. Tolerance
/// 1e-10 relative to the largest kernel entry: the two compute the same sums in different
/// orders (FFT against shifted sums), f64 rounding ~1e-15 per step, amplified at most by the
/// step map's norm (< 2 at η below the stability limit) over 40 steps stays far below it.
#[test]
fn identity_network_follows_the_linear_trainer_step_by_step() {
    for (d, l) in [(1, 8), (2, 6)] {
        let lattice = Lattice::new(d, l).unwrap();
        let (batch, fields) = fixed_time_batch(lattice);
        let mut rng = seeded_rng(9);
        let one = vec![ArrayD::zeros(lattice.shape())];
        let mut delta = ArrayD::zeros(lattice.shape());
        delta[vec![0; d].as_slice()] = 1.0;
        let balanced = vec![delta.clone(), delta];
        let random = vec![
            random_kernel(lattice, &mut rng),
            random_kernel(lattice, &mut rng),
        ];
        for (depth, start, eta) in [(1, one, 0.4), (2, balanced, 0.1), (2, random, 0.05)] {
            let kinds = vec![LayerKind::Full; depth];
            let mut reference = ConvNet::new(lattice, &kinds).unwrap();
            reference.set_kernels(&start).unwrap();
            let spectral = batch.to_spectral(&RealFft::new(lattice)).unwrap();
            let mut expected = vec![reference.kernels().to_vec()];
            for _ in 0..40 {
                FullBatchGd::new(eta, 1)
                    .unwrap()
                    .train(&mut reference, &spectral, &StoppingRule::Never)
                    .unwrap();
                expected.push(reference.kernels().to_vec());
            }
            let spec = NetworkSpec::linear(depth).unwrap();
            let mut net = ScoreNetwork::<B>::new(&spec, lattice, 1, &device()).unwrap();
            net.set_linear_kernels(&start).unwrap();
            let trainer = NetworkTrainer {
                optimizer: NetworkOptimizer::Gd { lr: eta },
                weighting: Weighting::Unit,
                steps: 40,
                checkpoint_every: 1,
                schedule: Default::default(),
                average: None,
            };
            let mut recorder = LinearKernelRecorder::default();
            trainer
                .train(net, &mut FixedBatch(fields.clone()), &mut recorder, &Silent)
                .unwrap();
            assert_eq!(recorder.0.len(), expected.len());
            let scale = expected
                .iter()
                .flatten()
                .flat_map(|k| k.iter())
                .fold(0.0f64, |m, v| m.max(v.abs()));
            for (step, (got, want)) in recorder.0.iter().zip(&expected).enumerate() {
                for (g, w) in got.iter().zip(want) {
                    for (a, b) in g.iter().zip(w) {
                        assert!(
                            (a - b).abs() <= 1e-10 * scale,
                            "d = {d}, depth {depth}, step {step}: {a} vs {b}"
                        );
                    }
                }
            }
        }
    }
}

fn small_residual() -> NetworkSpec {
    NetworkSpec {
        embedding: 4,
        global: true,
        time_scale: true,
        ..NetworkSpec::residual(3, 1, 1)
    }
}

fn noised(lattice: Lattice, m: usize, seed: u64) -> NoisedFields {
    let mut rng = seeded_rng(seed);
    let clean = sampler(lattice).sample_many(m, &mut rng);
    let times: Vec<f64> = (0..m).map(|j| 0.05 * (1 + j) as f64).collect();
    NoisedFields::noise(&clean.iter().collect::<Vec<_>>(), &times, &mut rng).unwrap()
}

/// A SiLU residual network with every parameter non-zero: a few Adam steps from its start
/// move the biases and time maps off zero.
fn trained_residual(lattice: Lattice) -> ScoreNetwork<B> {
    let net = ScoreNetwork::<B>::new(&small_residual(), lattice, 4, &device()).unwrap();
    let trainer = NetworkTrainer {
        optimizer: NetworkOptimizer::adam(0.05),
        weighting: Weighting::Sigma2,
        steps: 5,
        checkpoint_every: 5,
        average: None,
        schedule: Default::default(),
    };
    let mut source = FixedBatch(noised(lattice, 4, 8));
    let (net, _) = trainer
        .train(net, &mut source, &mut NoMonitor, &Silent)
        .unwrap();
    net
}

fn loss_of(net: &ScoreNetwork<B>, batch: &NoisedFields) -> f64 {
    to_vec(dsm_loss(net, batch, Weighting::Sigma2).unwrap()).unwrap()[0]
}

fn with_entry<const D: usize>(p: &Param<Tensor<B, D>>, i: usize, h: f64) -> Param<Tensor<B, D>> {
    let t = p.val();
    let shape = t.dims();
    let mut v = to_vec(t).unwrap();
    v[i] += h;
    Param::from_tensor(Tensor::from_data(TensorData::new(v, shape), &device()))
}

/// The autodiff gradient of the denoising loss equals central finite differences on every
/// entry of the input weights, the first block's first-convolution bias, time map, time-scale
/// map and global map, and the output weights. Step h = 1e-5: truncation h²|ℒ'''|/6 ~ 1e-10 and rounding
/// ε|ℒ|/h ~ 1e-11 for O(1) derivatives; tolerance 1e-7 absolute + 1e-6 relative.
#[test]
fn autodiff_gradient_equals_finite_differences() {
    let lattice = Lattice::new(2, 5).unwrap();
    let net = trained_residual(lattice);
    let batch = noised(lattice, 4, 21);
    let grads = dsm_loss(&net, &batch, Weighting::Sigma2)
        .unwrap()
        .backward();
    let h = 1e-5;
    let check =
        |name: &str, autodiff: Vec<f64>, perturbed: &dyn Fn(usize, f64) -> ScoreNetwork<B>| {
            for (i, g) in autodiff.iter().enumerate() {
                let fd = (loss_of(&perturbed(i, h), &batch) - loss_of(&perturbed(i, -h), &batch))
                    / (2.0 * h);
                assert!(
                    (g - fd).abs() <= 1e-7 + 1e-6 * g.abs(),
                    "{name}[{i}]: autodiff {g} vs {fd}"
                );
            }
        };
    let g = to_vec(net.input.weight.grad(&grads).unwrap()).unwrap();
    check("input weight", g, &|i, h| {
        let mut n = net.clone();
        n.input.weight = with_entry(&net.input.weight, i, h);
        n
    });
    let block = &net.blocks[0];
    let g = to_vec(block.first.bias.as_ref().unwrap().grad(&grads).unwrap()).unwrap();
    check("block bias", g, &|i, h| {
        let mut n = net.clone();
        n.blocks[0].first.bias = Some(with_entry(block.first.bias.as_ref().unwrap(), i, h));
        n
    });
    // the per-block maps of the time embedding and the lattice mean, each needing a gradient
    type BlockMap = fn(&mut ResidualBlock<B>) -> &mut Option<Param<Tensor<B, 2>>>;
    let maps: [(&str, BlockMap); 3] = [
        ("time map", |b| &mut b.time),
        ("time-scale map", |b| &mut b.scale),
        ("global map", |b| &mut b.global),
    ];
    for (name, map) in maps {
        let param = map(&mut block.clone()).clone().unwrap();
        let g = to_vec(param.grad(&grads).unwrap()).unwrap();
        assert!(
            g.iter().any(|&v| v.abs() > 1e-6),
            "the {name} must receive a gradient"
        );
        check(name, g, &|i, h| {
            let mut n = net.clone();
            *map(&mut n.blocks[0]) = Some(with_entry(&param, i, h));
            n
        });
    }
    let out = net.output.as_ref().unwrap();
    let g = to_vec(out.weight.grad(&grads).unwrap()).unwrap();
    check("output weight", g, &|i, h| {
        let mut n = net.clone();
        n.output.as_mut().unwrap().weight = with_entry(&out.weight, i, h);
        n
    });
}

/// A field as values per site and channel.
type Field = Vec<Vec<f64>>;

/// (W ⊛ h)(x) + b = Σ_k Σ_c h(x − r_k)_c W[k·C_in + c, ·] + b with the weight and bias that
/// `named_weights` reports under `name`, as a plain loop over sites, offsets and channels.
fn documented_conv(
    weights: &std::collections::HashMap<String, ArrayD<f64>>,
    name: &str,
    offsets: &[(i64, i64)],
    (l1, l2): (usize, usize),
    h: &Field,
) -> Field {
    let w = &weights[&format!("{name}.weight")];
    let bias = weights.get(&format!("{name}.bias"));
    let (c_in, c_out) = (h[0].len(), w.shape()[1]);
    (0..l1 * l2)
        .map(|site| {
            let (i, j) = ((site / l2) as i64, (site % l2) as i64);
            (0..c_out)
                .map(|o| {
                    let mut y = bias.map_or(0.0, |b| b[[o]]);
                    for (k, &(r1, r2)) in offsets.iter().enumerate() {
                        let i2 = (i - r1).rem_euclid(l1 as i64) as usize;
                        let j2 = (j - r2).rem_euclid(l2 as i64) as usize;
                        for (c, value) in h[i2 * l2 + j2].iter().enumerate() {
                            y += value * w[[k * c_in + c, o]];
                        }
                    }
                    y
                })
                .collect()
        })
        .collect()
}

/// The network's map as `model::score_network` documents it, evaluated with plain loops on
/// the weights the network reports (`named_weights`), independently of the framework:
/// h₀ = W_in ⊛ x + b_in; u_j = (1 + S_j e) ⊙ (W_j1 ⊛ φ(h) + b_j1) + E_j e + G_j ⟨φ(h)⟩;
/// h_j = h + W_j2 ⊛ φ(u_j) + b_j2; s = −(W_out ⊛ φ(h_B) + b_out)/σ_t, with
/// (W ⊛ h)(x) = Σ_k h(x − r_k) W_k, φ(u) = u/(1 + e^{−u}) and e(t) = (sin ω_j ln t,
/// cos ω_j ln t), ω_j = 64^{j/(E/2 − 1)}/4.
fn documented_score(net: &ScoreNetwork<B>, x: &ArrayD<f64>, t: f64) -> Vec<f64> {
    let (lattice, spec) = (net.lattice(), net.spec().clone());
    let weights: std::collections::HashMap<String, ArrayD<f64>> =
        net.named_weights().unwrap().into_iter().collect();
    let offsets = spec.offsets(lattice);
    let (l1, l2) = critical_slowing::experiment::score_network::axis_sides(lattice);
    let conv = |name: &str, h: &Field| documented_conv(&weights, name, &offsets, (l1, l2), h);
    let phi = |h: &Field| -> Field {
        h.iter()
            .map(|c| c.iter().map(|u| u / (1.0 + (-u).exp())).collect())
            .collect()
    };
    let half = spec.embedding / 2;
    let e: Vec<f64> = (0..half)
        .flat_map(|j| {
            let omega = 0.25 * 64f64.powf(j as f64 / (half - 1) as f64);
            [(omega * t.ln()).sin(), (omega * t.ln()).cos()]
        })
        .collect();
    let through = |m: &ArrayD<f64>, v: &[f64], o: usize| -> f64 {
        v.iter().enumerate().map(|(f, x)| x * m[[f, o]]).sum()
    };
    let mut h = conv("input", &x.iter().map(|&v| vec![v]).collect());
    for j in 0..spec.blocks {
        let a = phi(&h);
        let width = a[0].len();
        let mean: Vec<f64> = (0..width)
            .map(|c| a.iter().map(|s| s[c]).sum::<f64>() / a.len() as f64)
            .collect();
        let mut u = conv(&format!("block{j}.first"), &a);
        for o in 0..width {
            let gain = weights
                .get(&format!("block{j}.scale"))
                .map_or(1.0, |s| 1.0 + through(s, &e, o));
            let shift = weights
                .get(&format!("block{j}.time"))
                .map_or(0.0, |m| through(m, &e, o))
                + weights
                    .get(&format!("block{j}.global"))
                    .map_or(0.0, |g| through(g, &mean, o));
            for site in u.iter_mut() {
                site[o] = gain * site[o] + shift;
            }
        }
        let du = conv(&format!("block{j}.second"), &phi(&u));
        for (site, d) in h.iter_mut().zip(du) {
            for (value, d) in site.iter_mut().zip(d) {
                *value += d;
            }
        }
    }
    let sigma = (1.0 - (-2.0 * t).exp()).sqrt();
    conv("output", &phi(&h))
        .iter()
        .map(|o| -o[0] / sigma)
        .collect()
}

/// Every parameter of `net` replaced by uniform draws in (−0.5, 0.5) (seed 40): biases, time,
/// time-scale and global maps start at zero, and training cannot be trusted to move them (a
/// term the forward pass drops gets no gradient and stays zero).
fn randomised(mut net: ScoreNetwork<B>) -> ScoreNetwork<B> {
    let mut rng = seeded_rng(40);
    fn draw<const D: usize>(p: &Param<Tensor<B, D>>, rng: &mut impl Rng) -> Param<Tensor<B, D>> {
        let shape = p.val().dims();
        let v: Vec<f64> = (0..shape.iter().product())
            .map(|_| rng.random_range(-0.5..0.5))
            .collect();
        Param::from_tensor(Tensor::from_data(TensorData::new(v, shape), &device()))
    }
    net.input.bias = net.input.bias.map(|b| draw(&b, &mut rng));
    for block in &mut net.blocks {
        block.first.bias = block.first.bias.take().map(|b| draw(&b, &mut rng));
        block.second.bias = block.second.bias.take().map(|b| draw(&b, &mut rng));
        block.time = block.time.take().map(|m| draw(&m, &mut rng));
        block.scale = block.scale.take().map(|m| draw(&m, &mut rng));
        block.global = block.global.take().map(|m| draw(&m, &mut rng));
    }
    if let Some(out) = net.output.as_mut() {
        out.bias = out.bias.take().map(|b| draw(&b, &mut rng));
    }
    net
}

/// The framework network computes the documented map: a SiLU residual network with every
/// bias, time map, time-scale map and global map drawn at random ([`randomised`]), against [`documented_score`], with
/// and without the time scale (the two ways the per-field shifts enter), in d = 2 and d = 1,
/// three fields at three times. Tolerance 1e-11 relative: f64 sums of a few hundred O(1) terms.
#[test]
fn network_computes_its_documented_map() {
    let cases = [
        (Lattice::new(2, 5).unwrap(), small_residual()),
        (
            Lattice::new(2, 5).unwrap(),
            NetworkSpec {
                time_scale: false,
                blocks: 2,
                ..small_residual()
            },
        ),
        (Lattice::new(1, 7).unwrap(), small_residual()),
    ];
    for (lattice, spec) in cases {
        let net = randomised(ScoreNetwork::<B>::new(&spec, lattice, 4, &device()).unwrap());
        let mut rng = seeded_rng(30);
        let x: Vec<ArrayD<f64>> = (0..3).map(|_| random_kernel(lattice, &mut rng)).collect();
        let times = [0.03, 0.4, 2.5];
        let xs = fields_tensor::<B>(&x.iter().collect::<Vec<_>>(), lattice, &device()).unwrap();
        let got = tensor_fields(net.score(xs, &times).unwrap(), lattice).unwrap();
        for ((got, field), &t) in got.iter().zip(&x).zip(&times) {
            let want = documented_score(&net, field, t);
            let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (a, b) in got.iter().zip(&want) {
                assert!(
                    (a - b).abs() <= 1e-11 * scale,
                    "{spec:?} t = {t}: {a} vs {b}"
                );
            }
        }
    }
}

/// Shifting the input field by a lattice vector shifts the score by the same vector: periodic
/// convolutions, site-independent biases, a site-independent time input and the lattice mean
/// (shift-invariant) on the global path. Exact up to f64
/// rounding of the reordered sums (1e-12 relative).
#[test]
fn score_is_translation_equivariant() {
    for (d, l, shift) in [(1, 9, vec![4]), (2, 6, vec![2, 5])] {
        let lattice = Lattice::new(d, l).unwrap();
        let net = trained_residual(lattice);
        let x = sampler(lattice).sample(&mut seeded_rng(2));
        let mut moved = ArrayD::zeros(lattice.shape());
        lattice.for_each_index(|i| {
            let j: Vec<usize> = i.iter().zip(&shift).map(|(a, s)| (a + s) % l).collect();
            moved[j.as_slice()] = x[i];
        });
        let s = |f: &ArrayD<f64>| {
            let xs = fields_tensor::<B>(&[f], lattice, &device()).unwrap();
            tensor_fields(net.score(xs, &[0.4]).unwrap(), lattice)
                .unwrap()
                .remove(0)
        };
        let (s0, s1) = (s(&x), s(&moved));
        let scale = s0.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(scale > 0.0);
        lattice.for_each_index(|i| {
            let j: Vec<usize> = i.iter().zip(&shift).map(|(a, s)| (a + s) % l).collect();
            assert!((s1[j.as_slice()] - s0[i]).abs() <= 1e-12 * scale);
        });
        // and a different time gives a different score (the time input is wired in)
        let xs = fields_tensor::<B>(&[&x], lattice, &device()).unwrap();
        let other = tensor_fields(net.score(xs, &[0.05]).unwrap(), lattice)
            .unwrap()
            .remove(0);
        assert!(other
            .iter()
            .zip(&s0)
            .any(|(a, b)| (a - b).abs() > 1e-6 * scale));
    }
}

/// The network's SiLU is φ(u) = u/(1 + e^{−u}) to f64 precision in value and derivative
/// (1e-15 relative): the framework's own sigmoid rounds to f32, which the gradient check
/// above would see as a 1e-3 disagreement.
#[test]
fn silu_is_double_precision() {
    let us: [f64; 9] = [-40.0, -3.0, -1.0, -0.3, 0.0, 0.4, 1.0, 2.5, 40.0];
    let x = Tensor::<B, 1>::from_data(TensorData::new(us.to_vec(), [us.len()]), &device())
        .require_grad();
    let y = critical_slowing::experiment::score_network::silu(x.clone());
    let dy = to_vec(x.grad(&y.clone().sum().backward()).unwrap()).unwrap();
    for ((u, y), dy) in us.iter().zip(to_vec(y).unwrap()).zip(dy) {
        let s = 1.0 / (1.0 + (-u).exp());
        assert!((y - u * s).abs() <= 1e-15 * (1.0 + y.abs()), "φ({u}) = {y}");
        let want = s * (1.0 + u * (1.0 - s));
        assert!(
            (dy - want).abs() <= 1e-15 * (1.0 + want.abs()),
            "φ'({u}) = {dy}"
        );
    }
}

/// GD at η = 0.4 with unit weights, the monitor looking at every step.
fn gd(steps: u64, schedule: LrSchedule, average: Option<f64>) -> NetworkTrainer {
    NetworkTrainer {
        optimizer: NetworkOptimizer::Gd { lr: 0.4 },
        weighting: Weighting::Unit,
        steps,
        checkpoint_every: 1,
        schedule,
        average,
    }
}

/// The depth-1 identity network from a zero kernel, trained by [`gd`] on one fixed batch:
/// the kernel at every checkpoint as the monitor saw it, and the network the run returns.
fn zero_start_gd(
    lattice: Lattice,
    fields: &NoisedFields,
    steps: u64,
    schedule: LrSchedule,
    average: Option<f64>,
) -> (Vec<ArrayD<f64>>, ScoreNetwork<B>) {
    let mut net =
        ScoreNetwork::<B>::new(&NetworkSpec::linear(1).unwrap(), lattice, 1, &device()).unwrap();
    net.set_linear_kernels(&[ArrayD::zeros(lattice.shape())])
        .unwrap();
    let mut recorder = LinearKernelRecorder::default();
    let (out, _) = gd(steps, schedule, average)
        .train(net, &mut FixedBatch(fields.clone()), &mut recorder, &Silent)
        .unwrap();
    let seen = recorder.0.into_iter().map(|k| k[0].clone()).collect();
    (seen, out)
}

/// The step-size schedule reaches the update: on the depth-1 identity network with GD (a
/// linear map of the kernel, so the gradient at step n depends on the kernel only), cosine:0
/// over N = 4 steps takes steps η₀(1 + cos(πn/4))/2 for n = 0…3. So the first step equals the
/// constant run's, and the second step's change is (1 + cos(π/4))/2 times the constant run's
/// second change taken from the same kernel; cosine:1 is the constant run exactly. Spellings
/// round-trip and bad ones are refused.
#[test]
fn cosine_schedule_scales_each_step() {
    let lattice = Lattice::new(1, 8).unwrap();
    let (_, fields) = fixed_time_batch(lattice);
    let run =
        |schedule: LrSchedule, steps: u64| zero_start_gd(lattice, &fields, steps, schedule, None).0;
    let constant = run(LrSchedule::Constant, 4);
    let cosine = run(
        LrSchedule::Cosine {
            final_fraction: 0.0,
        },
        4,
    );
    let flat = run(
        LrSchedule::Cosine {
            final_fraction: 1.0,
        },
        4,
    );
    assert_eq!(constant, flat);
    let close =
        |a: &ArrayD<f64>, b: &ArrayD<f64>| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
    assert!(close(&cosine[1], &constant[1]), "the first step is η₀");
    // the constant run's second change, from the cosine run's kernel after step 1 (the same)
    let factor = (1.0 + (std::f64::consts::PI / 4.0).cos()) / 2.0;
    let want = &cosine[1] + &((&constant[2] - &constant[1]) * factor);
    assert!(close(&cosine[2], &want), "{:?} vs {want:?}", cosine[2]);
    assert!(!close(&cosine[2], &constant[2]));
    for spelling in ["constant", "cosine:0", "cosine:0.25"] {
        assert_eq!(
            spelling.parse::<LrSchedule>().unwrap().to_string(),
            spelling
        );
    }
    for bad in ["cosine", "cosine:-0.1", "cosine:2", "linear:0", "cosine:x"] {
        assert!(bad.parse::<LrSchedule>().is_err(), "{bad} accepted");
    }
}

/// The weight average by hand: on the linear network under GD, the averaged run's monitor sees
/// ā_0 = a_0 and ā_n = β_{n−1} ā_{n−1} + (1 − β_{n−1}) a_n with β_j = min(β, (1 + j)/(10 + j))
/// and a_n the plain run's kernels (the average does not steer the training); β = 0 is the
/// plain run exactly; the run returns ā_N, which trains on; a bad decay and a network of
/// another shape are refused.
#[test]
fn weight_average_follows_its_recursion() {
    use critical_slowing::experiment::score_network::average::WeightAverage;
    let lattice = Lattice::new(1, 8).unwrap();
    let (_, fields) = fixed_time_batch(lattice);
    let run =
        |average: Option<f64>| zero_start_gd(lattice, &fields, 4, Default::default(), average);
    let (plain, _) = run(None);
    let (averaged, returned) = run(Some(0.5));
    assert_eq!(run(Some(0.0)).0, plain);
    let mut want = plain[0].clone();
    assert_eq!(averaged[0], want);
    for n in 1..plain.len() {
        let beta = 0.5f64.min(n as f64 / (9.0 + n as f64));
        want = &want * beta + &plain[n] * (1.0 - beta);
        let gap = (&averaged[n] - &want)
            .mapv(f64::abs)
            .fold(0.0f64, |m, &v| m.max(v));
        assert!(gap < 1e-12, "step {n}: average off by {gap}");
        assert!(
            averaged[n] != plain[n],
            "step {n}: the average is the plain kernel"
        );
    }
    assert_eq!(
        &returned.linear_kernels().unwrap()[0],
        averaged.last().unwrap()
    );
    // the averaged network trains on: one more GD step moves its kernel
    let (further, _) = gd(1, Default::default(), None)
        .train(
            returned,
            &mut FixedBatch(fields.clone()),
            &mut NoMonitor,
            &Silent,
        )
        .unwrap();
    assert!(further.linear_kernels().unwrap()[0] != *averaged.last().unwrap());
    let net = ScoreNetwork::<B>::new(&small_residual(), lattice, 2, &device()).unwrap();
    for bad in [1.0, -0.1, f64::NAN] {
        assert!(
            WeightAverage::new(&net, bad).is_err(),
            "decay {bad} accepted"
        );
    }
    let other =
        ScoreNetwork::<B>::new(&NetworkSpec::linear(1).unwrap(), lattice, 2, &device()).unwrap();
    let mut average = WeightAverage::new(&net, 0.9).unwrap();
    assert!(
        average.update(&other).is_err(),
        "another architecture accepted"
    );
}

/// The description's parameter count is the framework network's, with and without the
/// optional time scale and global path (each a zero-initialised map per block).
#[test]
fn described_parameter_count_is_the_networks() {
    let lattice = Lattice::new(2, 6).unwrap();
    for spec in [
        NetworkSpec::residual(4, 2, 1),
        small_residual(),
        NetworkSpec {
            global: true,
            ..NetworkSpec::residual(5, 1, 2)
        },
    ] {
        let net = ScoreNetwork::<B>::new(&spec, lattice, 1, &device()).unwrap();
        assert_eq!(
            net.parameter_count(),
            spec.parameter_count(lattice),
            "{spec:?}"
        );
    }
}
