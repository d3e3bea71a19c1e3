//! The loss ODE (spec §3.8), solved by backward Euler in log time with the closed-form
//! 3×3 solve per mode and the rank-one (Sherman–Morrison) coupling through P2.

use crate::curve::Curve;
use crate::moments::{coefficients, diverged};
use crate::schedule::Hyper;
use crate::spectrum::Spectrum;
use rayon::prelude::*;
use serde::Serialize;

/// Settings of one ODE solve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct OdeSettings {
    /// Final time t_max > 1.
    pub t_max: f64,
    /// Log-time step Δs > 0.
    pub dt: f64,
    /// Batch size B.
    pub batch: usize,
    /// Use the official `approximate=True` coefficients.
    pub approximate: bool,
}

impl OdeSettings {
    /// Checks t_max > 1 and Δs > 0 (finite).
    pub fn validate(&self) -> Result<(), lab::error::Invalid> {
        use lab::error::{positive, require};
        let t_max = self.t_max;
        require(
            t_max.is_finite() && t_max > 1.0,
            "t_max",
            t_max,
            "finite and > 1",
        )?;
        positive("dt", self.dt)?;
        require(self.batch >= 1, "batch", self.batch as f64, "at least 1")
    }

    /// Number of grid points N = ⌈ln(t_max)/Δs⌉.
    pub fn points(&self) -> usize {
        (self.t_max.ln() / self.dt).ceil() as usize
    }
}

/// Modes per parallel chunk; fixed, so sums do not depend on the thread count.
const CHUNK: usize = 2048;

/// Solves the ODE and returns entry k = (t_k = e^{kΔs} − 1, P of the state before step
/// k) for k = 0..N−1, the risk P (half of the official P2). Stops at divergence.
/// `progress` is called with the number of steps done since its last call.
pub fn solve_ode(
    spectrum: &Spectrum,
    hyper: &Hyper,
    settings: &OdeSettings,
    progress: &(dyn Fn(u64) + Sync),
) -> Curve {
    let n = settings.points();
    let (dt, bf, approx) = (settings.dt, settings.batch as f64, settings.approximate);
    let p_inf = spectrum.p_inf;
    let lambda = &spectrum.lambda;
    let mut state: Vec<[f64; 3]> = spectrum.rho.iter().map(|&r| [r, 0.0, 0.0]).collect();
    let mut w = vec![[0.0f64; 3]; state.len()];
    let mut p2 = 2.0 * p_inf
        + lambda
            .iter()
            .zip(&state)
            .map(|(l, v)| l * v[0])
            .sum::<f64>();
    let initial = p2;
    let mut curve = Curve {
        t: Vec::with_capacity(n),
        risk: Vec::with_capacity(n),
        diverged_at: None,
    };
    let mut reported = 0;
    for k in 0..n {
        let t_k = (k as f64 * dt).exp_m1();
        if diverged(p2, initial) {
            curve.diverged_at = Some(t_k);
            break;
        }
        curve.t.push(t_k);
        curve.risk.push(p2 / 2.0);
        if k + 1 == n {
            break;
        }
        let s_next = (k + 1) as f64 * dt;
        let h = dt * s_next.exp();
        let c = hyper.at(s_next.exp_m1());
        // Pass 1: x_j = A_j(v_j + 2hP∞λ_jΓ), w_j = λ_j A_jΓ, with partial sums.
        let partial: Vec<(f64, f64)> = state
            .par_chunks_mut(CHUNK)
            .zip(w.par_chunks_mut(CHUNK))
            .zip(lambda.par_chunks(CHUNK))
            .map(|((vs, ws), ls)| {
                let (mut sx, mut sw) = (0.0, 0.0);
                for ((v, wj), &l) in vs.iter_mut().zip(ws.iter_mut()).zip(ls) {
                    let (om, ga) = coefficients(&c, l, bf, approx);
                    let inv = inverse_i_minus(&om, h);
                    let f = 2.0 * h * p_inf * l;
                    let rhs = [v[0] + f * ga[0], v[1] + f * ga[1], v[2] + f * ga[2]];
                    *v = apply(&inv, &rhs);
                    let a = apply(&inv, &ga);
                    *wj = [l * a[0], l * a[1], l * a[2]];
                    sx += l * v[0];
                    sw += l * wj[0];
                }
                (sx, sw)
            })
            .collect();
        let (sx, sw) = partial
            .iter()
            .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
        // Pass 2: the rank-one coupling through P2⁺ = 2P∞ + Σλρ⁺.
        let s = sx / (1.0 - h * sw);
        state
            .par_chunks_mut(CHUNK)
            .zip(w.par_chunks(CHUNK))
            .for_each(|(vs, ws)| {
                for (v, wj) in vs.iter_mut().zip(ws) {
                    for r in 0..3 {
                        v[r] += h * s * wj[r];
                    }
                }
            });
        p2 = 2.0 * p_inf + s;
        if k % 64 == 63 {
            progress(k as u64 + 1 - reported);
            reported = k as u64 + 1;
        }
    }
    progress(n as u64 - reported);
    curve
}

/// (I − hΩ)^{-1} by cofactors.
#[inline]
fn inverse_i_minus(om: &[[f64; 3]; 3], h: f64) -> [[f64; 3]; 3] {
    let m = |r: usize, c: usize| f64::from(u8::from(r == c)) - h * om[r][c];
    let (a, b, c) = (m(0, 0), m(0, 1), m(0, 2));
    let (d, e, f) = (m(1, 0), m(1, 1), m(1, 2));
    let (g, hh, i) = (m(2, 0), m(2, 1), m(2, 2));
    let co00 = e * i - f * hh;
    let co01 = f * g - d * i;
    let co02 = d * hh - e * g;
    let det = a * co00 + b * co01 + c * co02;
    let inv = 1.0 / det;
    [
        [co00 * inv, (c * hh - b * i) * inv, (b * f - c * e) * inv],
        [co01 * inv, (a * i - c * g) * inv, (c * d - a * f) * inv],
        [co02 * inv, (b * g - a * hh) * inv, (a * e - b * d) * inv],
    ]
}

#[inline]
fn apply(m: &[[f64; 3]; 3], x: &[f64; 3]) -> [f64; 3] {
    [
        m[0][0] * x[0] + m[0][1] * x[1] + m[0][2] * x[2],
        m[1][0] * x[0] + m[1][1] * x[1] + m[1][2] * x[2],
        m[2][0] * x[0] + m[2][1] * x[1] + m[2][2] * x[2],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::needless_range_loop)] // index notation mirrors (I − hΩ)·A = I
    fn cofactor_inverse_is_an_inverse() {
        let om = [[0.3, -1.2, 0.5], [2.0, 0.1, -0.7], [-0.4, 0.9, 1.5]];
        let h = 0.37;
        let inv = inverse_i_minus(&om, h);
        for (r, row) in om.iter().enumerate() {
            for c in 0..3 {
                let prod: f64 = (0..3)
                    .map(|k| (f64::from(u8::from(r == k)) - h * row[k]) * inv[k][c])
                    .sum();
                let want = f64::from(u8::from(r == c));
                assert!((prod - want).abs() < 1e-14);
            }
        }
    }
}
