//! The infinite-volume critical coupling β_c(d) of the large-n model (R1.4).
//!
//! β_c(d) = ∫_BZ d^dk/(2π)^d 1/λ_k = ∫_0^∞ [e^{−2s} I_0(2s)]^d ds, finite only for d ≥ 3.
//! For d = 3 this is half of Watson's simple-cubic integral, 0.252731009858663…

use crate::error::{Error, Result};

/// Absolute error target of each quadrature.
const QUADRATURE_TOLERANCE: f64 = 1e-15;

/// e^{−x} I_0(x) √(2πx), which tends to 1 as x → ∞ (its asymptotic series is 1 + 1/(8x) + …).
fn scaled_bessel_i0(x: f64) -> f64 {
    if x > 1e30 {
        // 1/(8x) < 1e-31: below double precision.
        1.0
    } else {
        pxfm::f_i0e(x) * (2.0 * std::f64::consts::PI * x).sqrt()
    }
}

/// β_c(d) for d ≥ 3 by double-exponential quadrature of ∫_0^∞ [e^{−2s} I_0(2s)]^d ds (R1.4).
///
/// The range is split at s = 1; the tail is mapped by s = 1/w² to a smooth integrand on
/// (0, 1]. Errors with [`Error::NoTransition`] for d ≤ 2, where the integral diverges.
pub fn critical_coupling(d: usize) -> Result<f64> {
    if d <= 2 {
        return Err(Error::NoTransition { d });
    }
    let di = d as i32;
    let head = quadrature::double_exponential::integrate(
        |s| pxfm::f_i0e(2.0 * s).powi(di),
        0.0,
        1.0,
        QUADRATURE_TOLERANCE,
    );
    // s = 1/w², ds = 2 w⁻³ dw; [e^{-2s}I_0(2s)]^d = (4πs)^{-d/2} g(2s)^d with g → 1.
    let prefactor = 2.0 * (4.0 * std::f64::consts::PI).powf(-(d as f64) / 2.0);
    let tail = quadrature::double_exponential::integrate(
        |w| {
            let s = 1.0 / (w * w);
            prefactor * w.powi(di - 3) * scaled_bessel_i0(2.0 * s).powi(di)
        },
        0.0,
        1.0,
        QUADRATURE_TOLERANCE,
    );
    let value = head.integral + tail.integral;
    if !value.is_finite() || head.error_estimate > 1e-12 || tail.error_estimate > 1e-12 {
        return Err(Error::NoConvergence {
            what: "critical-coupling quadrature",
            detail: format!(
                "d = {d}: value {value}, error estimates {:e} and {:e}",
                head.error_estimate, tail.error_estimate
            ),
        });
    }
    Ok(value)
}

/// β_c(3) from a closed form that shares nothing with the quadrature of
/// [`critical_coupling`] (R1.4): Pólya's simple-cubic constant
/// u_3 = ∫ d³k/(2π)³ 1/(1 − (1/3)Σ cos k_μ) = √6/(32π³) Γ(1/24) Γ(5/24) Γ(7/24) Γ(11/24)
/// (Glasser–Zucker), and since λ_k = 2d(1 − (1/d)Σ cos k_μ), β_c(3) = u_3/6.
pub fn critical_coupling_d3_closed_form() -> f64 {
    use statrs::function::gamma::gamma;
    let pi = std::f64::consts::PI;
    let u3 = 6f64.sqrt() / (32.0 * pi.powi(3))
        * gamma(1.0 / 24.0)
        * gamma(5.0 / 24.0)
        * gamma(7.0 / 24.0)
        * gamma(11.0 / 24.0);
    u3 / 6.0
}
