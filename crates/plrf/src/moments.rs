//! The one-step moment dynamics shared by the exact recursion (spec §3.7) and the ODE
//! (spec §3.8): per eigenmode, v = (ρ, σ, χ) changes by Ω·v + λ·P2·Γ.

use crate::schedule::Coeffs;

/// Ω (3×3, row-major over (ρ, σ, χ)) and Γ for one mode of eigenvalue `lambda`.
///
/// The full form is the exact expected one-step change of the discrete algorithm with
/// batch-mean gradients (b = (B+1)/B); `approximate` drops the O(λ²) and cross terms as
/// the official `approximate=True`.
#[inline]
pub fn coefficients(
    c: &Coeffs,
    lambda: f64,
    batch: f64,
    approximate: bool,
) -> ([[f64; 3]; 3], [f64; 3]) {
    let Coeffs { g1, g2, g3, delta } = *c;
    let l = lambda;
    if approximate {
        return (
            [
                [-2.0 * g2 * l, 0.0, -2.0 * g3],
                [0.0, -2.0 * delta, 2.0 * g1 * l],
                [g1 * l, -g3, -delta - g2 * l],
            ],
            [g2 * g2 / batch, g1 * g1 / batch, 0.0],
        );
    }
    let b = (batch + 1.0) / batch;
    let cc = c.c();
    let keep = 1.0 - delta;
    (
        [
            [
                -2.0 * cc * l + b * cc * cc * l * l,
                g3 * g3 * keep * keep,
                -2.0 * g3 * keep + 2.0 * cc * g3 * keep * l,
            ],
            [
                b * g1 * g1 * l * l,
                -2.0 * delta + delta * delta,
                2.0 * g1 * l * keep,
            ],
            [
                g1 * l - b * g1 * cc * l * l,
                -g3 * keep * keep,
                -delta - keep * (g2 + 2.0 * g1 * g3) * l,
            ],
        ],
        [cc * cc / batch, g1 * g1 / batch, -g1 * cc / batch],
    )
}

/// Risk above which (relative to the initial risk) a run counts as diverged.
pub const DIVERGENCE_FACTOR: f64 = 1e4;

/// True when a risk is non-finite or has exploded past `DIVERGENCE_FACTOR`·P(0).
pub fn diverged(risk: f64, initial: f64) -> bool {
    !risk.is_finite() || risk > DIVERGENCE_FACTOR * initial
}
