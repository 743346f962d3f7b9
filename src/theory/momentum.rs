//! Heavy ball and Nesterov momentum on the population loss: closed forms (R9.1–R9.4, R9.8).
//!
//! Per mode the one-layer loss is ℓ(v) = C v² − 2v (gradient 2(Cv − 1), Hessian h = 2C). For
//! the error e = v − v*, v* = 1/C, both methods are a two-term linear recurrence
//! e_{n+1} = a e_n − b e_{n−1} (R9.1):
//! heavy ball a = 1 + β − ηh, b = β; Nesterov a = (1 − ηh)(1 + β), b = (1 − ηh)β;
//! started at rest (v_{−1} = v_0). Its solution is e_n = U_n e_1 − b U_{n−1} e_0 with the
//! Lucas sequence U_n = (r₊ⁿ − r₋ⁿ)/(r₊ − r₋) of the companion roots r₊, r₋ (R9.2).
//! Deeper balanced networks iterate the exact scalar map per distinct C_k (R9.8).

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::optimizer::Momentum;
use crate::model::Protocol;
use crate::symbol::Symbol;
use crate::theory::depth;

/// Which momentum method (R9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// Heavy ball v ← v − η∇ℓ(v) + β(v − v_prev).
    HeavyBall,
    /// Nesterov v ← y − η∇ℓ(y), y = v + β(v − v_prev).
    Nesterov,
}

/// Coefficients (a, b) of e_{n+1} = a e_n − b e_{n−1} for a mode of Hessian h = 2C (R9.1):
/// heavy ball (1 + β − ηh, β), Nesterov ((1 − ηh)(1 + β), (1 − ηh)β).
pub fn recurrence(method: Method, h: f64, eta: f64, beta: f64) -> (f64, f64) {
    match method {
        Method::HeavyBall => (1.0 + beta - eta * h, beta),
        Method::Nesterov => ((1.0 - eta * h) * (1.0 + beta), (1.0 - eta * h) * beta),
    }
}

/// Lucas sequence U_n(a, b) = (r₊ⁿ − r₋ⁿ)/(r₊ − r₋), r± the roots of r² − ar + b (R9.2), in
/// closed form without cancellation: with m = |a|/2 and Δ = m² − b,
/// complex roots (Δ < 0): U_n = ρ^{n−1} sin(nθ)/sin θ, ρ = √b, θ = atan2(√−Δ, m);
/// a double root (Δ = 0): U_n = n m^{n−1};
/// real roots: U_n = r₊^{n−1}(1 − qⁿ)/(1 − q), q = r₋/r₊, 1 − q = 2√Δ/r₊, qⁿ = exp(n ln1p(q − 1)).
/// A negative a flips the roots: U_n(−a, b) = (−1)^{n−1} U_n(a, b).
pub fn lucas_u(a: f64, b: f64, n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let sign = if a < 0.0 && n.is_multiple_of(2) {
        -1.0
    } else {
        1.0
    };
    let m = a.abs() / 2.0;
    let disc = m * m - b;
    let nf = n as f64;
    let u = if disc < 0.0 {
        let rho = b.sqrt();
        let theta = (-disc).sqrt().atan2(m);
        rho.powf(nf - 1.0) * (nf * theta).sin() / theta.sin()
    } else if disc == 0.0 {
        nf * m.powf(nf - 1.0)
    } else {
        let s = disc.sqrt();
        let rp = m + s;
        let one_minus_q = 2.0 * s / rp;
        let q = b / (rp * rp);
        let qn = if q > 0.0 {
            (nf * (-one_minus_q).ln_1p()).exp()
        } else {
            let mag = q.abs().powf(nf);
            if n.is_multiple_of(2) {
                mag
            } else {
                -mag
            }
        };
        rp.powf(nf - 1.0) * (1.0 - qn) / one_minus_q
    };
    sign * u
}

/// Spectral radius max(|r₊|, |r₋|) of the companion matrix [[a, −b], [1, 0]] (R9.2): the
/// per-step contraction factor of the error; √b for complex roots.
pub fn spectral_radius(a: f64, b: f64) -> f64 {
    let m = a.abs() / 2.0;
    let disc = m * m - b;
    if disc < 0.0 {
        b.sqrt()
    } else {
        let rp = m + disc.sqrt();
        rp.max((b / rp).abs())
    }
}

/// One mode of a momentum method: recurrence coefficients and the first two errors (R9.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModeDynamics {
    /// a of e_{n+1} = a e_n − b e_{n−1}.
    pub a: f64,
    /// b of e_{n+1} = a e_n − b e_{n−1}.
    pub b: f64,
    /// e_0 = v_0 − v*.
    pub e0: f64,
    /// e_1 = (a − b) e_0 (start at rest, v_{−1} = v_0).
    pub e1: f64,
    /// v* = 1/C.
    pub optimum: f64,
}

impl ModeDynamics {
    /// The mode of variance C > 0 from symbol v_0, with step η and momentum β (R9.1).
    pub fn new(method: Method, c: f64, eta: f64, beta: f64, v0: f64) -> Self {
        let (a, b) = recurrence(method, 2.0 * c, eta, beta);
        let optimum = 1.0 / c;
        let e0 = v0 - optimum;
        Self {
            a,
            b,
            e0,
            e1: (a - b) * e0,
            optimum,
        }
    }

    /// Closed-form error e_n = U_n e_1 − b U_{n−1} e_0 (R9.2).
    pub fn error(&self, n: u64) -> f64 {
        if n == 0 {
            return self.e0;
        }
        lucas_u(self.a, self.b, n) * self.e1 - self.b * lucas_u(self.a, self.b, n - 1) * self.e0
    }

    /// Closed-form symbol v_n = v* + e_n (R9.2).
    pub fn symbol(&self, n: u64) -> f64 {
        self.optimum + self.error(n)
    }

    /// Spectral radius of the mode (R9.2).
    pub fn rate(&self) -> f64 {
        spectral_radius(self.a, self.b)
    }

    /// An upper bound on |e_n| that does not increase for n ≥ [`Self::envelope_start`]
    /// (R9.2): the smaller of the modal amplitude (complex roots: ρⁿ√(e₀² + Q²),
    /// Q = (e₁/ρ − e₀ cos θ)/sin θ; distinct real roots: |A| r₊ⁿ + |B| |r₋|ⁿ; double root:
    /// (|e₀| + |e₁/r − e₀| n) rⁿ) and the general |e₁| nρ^{n−1} + |b||e₀|(n − 1)ρ^{n−2}
    /// from |U_n| ≤ nρ^{n−1}.
    pub fn envelope(&self, n: u64) -> f64 {
        let rho = self.rate();
        let nf = n as f64;
        let general = self.e1.abs() * nf * rho.powf(nf - 1.0)
            + (self.b * self.e0).abs() * (nf - 1.0).max(0.0) * rho.powf(nf - 2.0);
        general.min(self.modal_envelope(nf))
    }

    fn modal_envelope(&self, nf: f64) -> f64 {
        let m = self.a / 2.0;
        let disc = m * m - self.b;
        if disc < 0.0 {
            let rho = self.b.sqrt();
            let cos = m / rho;
            let sin = (-disc).sqrt() / rho;
            let q = (self.e1 / rho - self.e0 * cos) / sin;
            rho.powf(nf) * self.e0.hypot(q)
        } else if disc == 0.0 {
            if m == 0.0 {
                return if nf >= 2.0 { 0.0 } else { f64::INFINITY };
            }
            let c1 = self.e1 / m - self.e0;
            (self.e0.abs() + c1.abs() * nf) * m.abs().powf(nf)
        } else {
            let s = disc.sqrt();
            let rp = if m >= 0.0 { m + s } else { m - s };
            let rm = self.b / rp;
            let big_a = (self.e1 - rm * self.e0) / (rp - rm);
            let big_b = (rp * self.e0 - self.e1) / (rp - rm);
            big_a.abs() * rp.abs().powf(nf) + big_b.abs() * rm.abs().powf(nf)
        }
    }

    /// First n from which the envelope is non-increasing: 1 + ⌈1/(−ln ρ)⌉ (nρ^{n−1} decreases
    /// for n ≥ 1/(−ln ρ), and so does (|c₀| + |c₁|n)ρⁿ) (R9.2).
    pub fn envelope_start(&self) -> u64 {
        let rho = self.rate();
        if rho <= 0.0 {
            return 2;
        }
        2 + (1.0 / -rho.ln()).ceil() as u64
    }
}

/// Steps until the error stays below ε v* for good (R9.3): the least T with |e_n| ≤ ε v* for
/// every n ≥ T. The envelope (non-increasing from `envelope_start`) is bisected for the first
/// N with envelope ≤ ε v*; then the exact closed form is scanned down from N − 1 to the last
/// exceedance. Steps below `floor` are not scanned (returns `floor` if no exceedance lies at or
/// above it): the maximum over modes needs no more. Errors if ρ ≥ 1 or T > 1e15.
pub fn training_steps_above(mode: &ModeDynamics, epsilon: f64, floor: u64) -> Result<u64> {
    let rho = mode.rate();
    if rho.is_nan() || rho >= 1.0 {
        return Err(Error::Unstable(format!(
            "momentum recurrence has spectral radius {rho} ≥ 1 (a = {}, b = {}): it does not converge",
            mode.a, mode.b
        )));
    }
    let target = epsilon * mode.optimum.abs();
    let start = mode.envelope_start();
    if floor >= start && mode.envelope(floor) <= target {
        // the envelope stays below target from `floor` on: nothing at or above it exceeds
        return Ok(floor);
    }
    let (mut lo, mut hi) = (start, start);
    let mut width = 1u64;
    while mode.envelope(hi) > target {
        lo = hi;
        hi = start + width;
        width *= 2;
        if width > 1 << 50 {
            return Err(Error::NoConvergence {
                what: "momentum training time",
                detail: format!("envelope above {target:e} after 1e15 steps (rho = {rho})"),
            });
        }
    }
    // envelope(lo) > target (or lo = start) and envelope(hi) ≤ target
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if mode.envelope(mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut n = hi;
    while n > floor {
        if mode.error(n - 1).abs() > target {
            return Ok(n);
        }
        n -= 1;
    }
    Ok(floor)
}

/// Learning rate η and momentum β of a protocol (R9.3, R9.4). Fixed β: η = c(1 − β)/λ*
/// (λ* of [`Protocol::hessian_top`]). Tuned, with λ_max, λ_min the extreme Hessian
/// eigenvalues at the optimum over the modes (2D C^{2/D−1}; 2C for D = 1), κ_h = λ_max/λ_min:
/// heavy ball (Polyak) β = ((√κ_h − 1)/(√κ_h + 1))², η = 4/(√λ_max + √λ_min)²;
/// Nesterov β = (√κ_h − 1)/(√κ_h + 1), η = 1/λ_max.
pub fn parameters(
    method: Method,
    momentum: Momentum,
    spectrum_t: &Symbol,
    protocol: &Protocol,
) -> Result<(f64, f64)> {
    match momentum {
        Momentum::Fixed(beta) => {
            if !(0.0..1.0).contains(&beta) {
                return Err(Error::Parameter {
                    name: "momentum beta",
                    value: beta,
                    requirement: "must lie in [0, 1)",
                });
            }
            Ok((
                protocol.lr_fraction * (1.0 - beta) / protocol.hessian_top(spectrum_t),
                beta,
            ))
        }
        Momentum::Tuned => {
            let h1 = depth::hessian_at_optimum(protocol.depth, spectrum_t.max());
            let h2 = depth::hessian_at_optimum(protocol.depth, spectrum_t.min());
            let (hmax, hmin) = (h1.max(h2), h1.min(h2));
            let s = (hmax / hmin).sqrt();
            Ok(match method {
                Method::HeavyBall => (
                    4.0 / (hmax.sqrt() + hmin.sqrt()).powi(2),
                    ((s - 1.0) / (s + 1.0)).powi(2),
                ),
                Method::Nesterov => (1.0 / hmax, (s - 1.0) / (s + 1.0)),
            })
        }
    }
}

/// Training time of a momentum method at one diffusion time, max over modes (R9.3, R9.4, R9.8).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MomentumTrainingTime {
    /// Heavy ball or Nesterov.
    pub method: Method,
    /// Depth D.
    pub depth: usize,
    /// Learning rate η.
    pub learning_rate: f64,
    /// Momentum β.
    pub momentum: f64,
    /// κ(t) of the spectrum.
    pub condition_number: f64,
    /// Steps T(ε) after which every mode stays within ε v*.
    pub steps: u64,
    /// C_k(t) of a mode that needs the most steps.
    pub slowest_variance: f64,
}

fn distinct_values(spectrum_t: &Symbol) -> Vec<f64> {
    let mut v = spectrum_t.values().to_vec();
    v.sort_by(f64::total_cmp);
    v.dedup();
    v
}

/// T(ε) of heavy ball or Nesterov on the spectrum C_k(t) under `protocol` (depth, c, ε):
/// D = 1 by the closed form ([`training_steps_above`], modes visited from the smallest C, the
/// slowest under a fixed β; R9.3, R9.4), D ≥ 2 by iterating the balanced map per distinct
/// C_k ([`depth_training_steps`], R9.8). The network starts at the protocol's v_0 at rest.
pub fn training_time(
    spectrum_t: &Symbol,
    method: Method,
    momentum: Momentum,
    protocol: &Protocol,
) -> Result<MomentumTrainingTime> {
    if !spectrum_t.is_positive() {
        return Err(Error::Parameter {
            name: "spectrum minimum",
            value: spectrum_t.min(),
            requirement: "training needs a spectrum C_k(t) that is finite and > 0 on every mode",
        });
    }
    let (eta, beta) = parameters(method, momentum, spectrum_t, protocol)?;
    let v0 = protocol.initial_symbol(spectrum_t);
    let mut steps = 0;
    let mut slowest = spectrum_t.min();
    for c in distinct_values(spectrum_t) {
        let n = if protocol.depth == 1 {
            let mode = ModeDynamics::new(method, c, eta, beta, v0);
            training_steps_above(&mode, protocol.epsilon, steps)?
        } else {
            let map = BalancedMomentum {
                method,
                depth: protocol.depth,
                c,
                eta,
                beta,
            };
            depth_training_steps(&map, v0, protocol.epsilon, super::training_time::MAX_STEPS)?
        };
        if n > steps {
            steps = n;
            slowest = c;
        }
    }
    Ok(MomentumTrainingTime {
        method,
        depth: protocol.depth,
        learning_rate: eta,
        momentum: beta,
        condition_number: spectrum_t.condition_number(),
        steps,
        slowest_variance: slowest,
    })
}

/// The balanced depth-D momentum map on one mode (R9.8): with layer value a and per-layer
/// gradient g(a) = 2a^{D−1}(C a^D − 1) (R4.2), heavy ball a ← a − ηg(a) + β(a − a_prev),
/// Nesterov a ← y − ηg(y), y = a + β(a − a_prev).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BalancedMomentum {
    /// Heavy ball or Nesterov.
    pub method: Method,
    /// Depth D ≥ 1.
    pub depth: usize,
    /// Variance C of the mode.
    pub c: f64,
    /// Learning rate η.
    pub eta: f64,
    /// Momentum β.
    pub beta: f64,
}

impl BalancedMomentum {
    fn gradient(&self, a: f64) -> f64 {
        let others = a.powi(self.depth as i32 - 1);
        2.0 * others * (self.c * others * a - 1.0)
    }

    /// One step (a, a_prev) ↦ (a_next, a) of the map (R9.8).
    pub fn step(&self, a: f64, a_prev: f64) -> (f64, f64) {
        let next = match self.method {
            Method::HeavyBall => a - self.eta * self.gradient(a) + self.beta * (a - a_prev),
            Method::Nesterov => {
                let y = a + self.beta * (a - a_prev);
                y - self.eta * self.gradient(y)
            }
        };
        (next, a)
    }

    /// Symbols v_0, …, v_n = a_n^D from the balanced start at symbol v_0 at rest (R9.8).
    pub fn trajectory(&self, v0: f64, n: usize) -> Vec<f64> {
        let a0 = depth::balanced_layer(self.depth, v0);
        let (mut a, mut prev) = (a0, a0);
        let mut out = vec![v0];
        for _ in 0..n {
            (a, prev) = self.step(a, prev);
            out.push(a.powi(self.depth as i32));
        }
        out
    }

    /// Transient bound G = (1 + |b|) max_n nρ^{n−1} of the map linearised at the optimum
    /// (Hessian h = 2D C^{2/D−1}, R4.1): every later linearised error is at most G times the
    /// larger of the last two (R9.2 with |U_n| ≤ nρ^{n−1}); infinite if ρ ≥ 1.
    pub fn transient_bound(&self) -> f64 {
        let h = depth::hessian_at_optimum(self.depth, self.c);
        let (a, b) = recurrence(self.method, h, self.eta, self.beta);
        let rho = spectral_radius(a, b);
        if rho >= 1.0 || rho.is_nan() {
            return f64::INFINITY;
        }
        let peak = if rho <= 0.0 {
            1.0
        } else {
            let n = (1.0 / -rho.ln()).max(1.0);
            let (lo, hi) = (n.floor().max(1.0), n.ceil().max(1.0));
            (lo * rho.powf(lo - 1.0)).max(hi * rho.powf(hi - 1.0))
        };
        (1.0 + b.abs()) * peak
    }
}

/// Steps until the balanced momentum map stays within ε v* (R9.8): iterate, remembering the
/// last step with |v − v*| > ε v*, until the layer errors δ_n = a_n − a*, δ_{n−1} satisfy
/// G · D max(|δ_n|, |δ_{n−1}|)/a* ≤ ε/2 (G the transient bound: the linearised future stays
/// within ε/2, and the neglected quadratic terms are O(ε²)). Errors on divergence or after
/// `max_steps`.
pub fn depth_training_steps(
    map: &BalancedMomentum,
    v0: f64,
    epsilon: f64,
    max_steps: u64,
) -> Result<u64> {
    let v_star = 1.0 / map.c;
    let a_star = depth::balanced_layer(map.depth, v_star);
    let g = map.transient_bound();
    let a0 = depth::balanced_layer(map.depth, v0);
    let (mut a, mut prev) = (a0, a0);
    let mut last_out = None;
    for n in 0..=max_steps {
        let v = a.powi(map.depth as i32);
        if !v.is_finite() || v.abs() > 1e12 * v_star {
            return Err(Error::Unstable(format!(
                "depth-{} momentum diverges (eta = {}, beta = {}, C = {}, step {n})",
                map.depth, map.eta, map.beta, map.c
            )));
        }
        if (v - v_star).abs() > epsilon * v_star {
            last_out = Some(n);
        }
        let spread = (a - a_star).abs().max((prev - a_star).abs());
        if g * map.depth as f64 * spread / a_star <= epsilon / 2.0 {
            return Ok(last_out.map_or(0, |k| k + 1));
        }
        (a, prev) = map.step(a, prev);
    }
    Err(Error::NoConvergence {
        what: "depth-D momentum training",
        detail: format!(
            "more than {max_steps} steps (depth {}, C = {})",
            map.depth, map.c
        ),
    })
}
