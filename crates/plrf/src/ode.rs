//! The loss ODE (spec §3.8), solved by backward Euler in log time with the closed-form
//! 3×3 solve per mode and the rank-one (Sherman–Morrison) coupling through P2.

use crate::curve::Curve;
use crate::moments::{coefficients, diverged};
use crate::schedule::Hyper;
use crate::spectrum::Spectrum;
use rayon::prelude::*;
use serde::Serialize;
use std::ops::{Add, Div, Mul, Sub};

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
///
/// Step k solves (I − hΩ_j)v_j⁺ = v_j + hλ_jP2⁺Γ per mode with P2⁺ = 2P∞ + Σλ_jρ_j⁺, so
/// P2⁺ = (2P∞ + Σλ_j e₀ᵀA_jv_j)/(1 − hΣλ_j² e₀ᵀA_jΓ) with A_j = (I − hΩ_j)⁻¹. One sweep
/// over the modes per step applies the previous step's update and gathers these two sums
/// (which need only row 0 of A_j), so the state is read and written once per step.
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
    let mut rho = spectrum.rho.clone();
    let (mut sigma, mut chi) = (vec![0.0; rho.len()], vec![0.0; rho.len()]);
    let mut p2 = 2.0 * p_inf + lambda.iter().zip(&rho).map(|(l, r)| l * r).sum::<f64>();
    let initial = p2;
    let mut curve = Curve {
        t: Vec::with_capacity(n),
        risk: Vec::with_capacity(n),
        diverged_at: None,
    };
    // The previous step's system and hP2⁺, not yet applied to the state (at first the
    // identity, which leaves the state as it is).
    let mut pending = (StepSystem::identity(), 0.0);
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
        let system = StepSystem::new(&hyper.at(s_next.exp_m1()), h, bf, approx);
        let update = (&pending.0, pending.1);
        let partial: Vec<[f64; 2]> = rho
            .par_chunks_mut(CHUNK)
            .zip(sigma.par_chunks_mut(CHUNK))
            .zip(chi.par_chunks_mut(CHUNK))
            .zip(lambda.par_chunks(CHUNK))
            .map(|(((r, s), c), l)| sweep_fastest(r, s, c, l, update, &system))
            .collect();
        let sums = partial
            .iter()
            .fold([0.0, 0.0], |acc, x| [acc[0] + x[0], acc[1] + x[1]]);
        p2 = (2.0 * p_inf + sums[0]) / (1.0 - h * sums[1]);
        pending = (system, h * p2);
        if k % 64 == 63 {
            progress(k as u64 + 1 - reported);
            reported = k as u64 + 1;
        }
    }
    progress(n as u64 - reported);
    curve
}

/// One step's per-mode system: M(λ) = I − hΩ(λ) = m[0] + λ·m[1] + λ²·m[2] (row-major; Ω is
/// quadratic in λ, so its coefficients come from Ω at λ = 0 and ±1) and Γ.
struct StepSystem {
    m: [[f64; 9]; 3],
    gamma: [f64; 3],
}

impl StepSystem {
    fn new(c: &crate::schedule::Coeffs, h: f64, batch: f64, approx: bool) -> StepSystem {
        let (o0, gamma) = coefficients(c, 0.0, batch, approx);
        let (op, _) = coefficients(c, 1.0, batch, approx);
        let (on, _) = coefficients(c, -1.0, batch, approx);
        let mut m = [[0.0; 9]; 3];
        for r in 0..3 {
            for col in 0..3 {
                let k = 3 * r + col;
                m[0][k] = f64::from(u8::from(r == col)) - h * o0[r][col];
                m[1][k] = -h * (0.5 * (op[r][col] - on[r][col]));
                m[2][k] = -h * (0.5 * (op[r][col] + on[r][col]) - o0[r][col]);
            }
        }
        StepSystem { m, gamma }
    }

    /// M = I with Γ = 0: solving with it returns the right-hand side.
    fn identity() -> StepSystem {
        let mut m = [[0.0; 9]; 3];
        (m[0][0], m[0][4], m[0][8]) = (1.0, 1.0, 1.0);
        StepSystem { m, gamma: [0.0; 3] }
    }

    /// M(λ), row-major: column 0 is quadratic in λ, column 1 constant, column 2 linear (the
    /// form of Ω, checked by `omega_has_the_form_step_system_assumes`).
    #[inline(always)]
    fn at<T: Real>(&self, l: T) -> [T; 9] {
        let [m0, m1, m2] = &self.m;
        let c = |k: usize| T::from(m0[k]);
        let quadratic = |k: usize| c(k) + l * (T::from(m1[k]) + l * T::from(m2[k]));
        let linear = |k: usize| c(k) + l * T::from(m1[k]);
        [
            quadratic(0),
            c(1),
            linear(2),
            quadratic(3),
            c(4),
            linear(5),
            quadratic(6),
            c(7),
            linear(8),
        ]
    }
}

/// Row 0 of adj(M) and det M (expanded along column 0).
#[inline(always)]
fn adjugate_row0<T: Real>(m: &[T; 9]) -> ([T; 3], T) {
    let [a, b, c, d, e, f, g, hh, i] = *m;
    let row = [e * i - f * hh, c * hh - b * i, b * f - c * e];
    (row, a * row[0] + d * row[1] + g * row[2])
}

/// M⁻¹x for x = `v` by cofactors.
#[inline(always)]
fn solve<T: Real>(m: &[T; 9], v: [T; 3]) -> [T; 3] {
    let [a, b, c, d, e, f, g, hh, i] = *m;
    let (row0, det) = adjugate_row0(m);
    let row1 = [f * g - d * i, a * i - c * g, c * d - a * f];
    let row2 = [d * hh - e * g, b * g - a * hh, a * e - b * d];
    let inv = T::from(1.0) / det;
    let dot = |r: [T; 3]| (r[0] * v[0] + r[1] * v[1] + r[2] * v[2]) * inv;
    [dot(row0), dot(row1), dot(row2)]
}

/// [`sweep`], compiled for AVX2 where the CPU has it (the same operations, so the same bits:
/// Rust never fuses a multiply and an add).
fn sweep_fastest(
    rho: &mut [f64],
    sigma: &mut [f64],
    chi: &mut [f64],
    lambda: &[f64],
    update: (&StepSystem, f64),
    system: &StepSystem,
) -> [f64; 2] {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[target_feature(enable = "avx2")]
        fn sweep_avx2(
            rho: &mut [f64],
            sigma: &mut [f64],
            chi: &mut [f64],
            lambda: &[f64],
            update: (&StepSystem, f64),
            system: &StepSystem,
        ) -> [f64; 2] {
            sweep(rho, sigma, chi, lambda, update, system)
        }
        // SAFETY: the CPU supports AVX2.
        return unsafe { sweep_avx2(rho, sigma, chi, lambda, update, system) };
    }
    sweep(rho, sigma, chi, lambda, update, system)
}

/// One chunk of modes: applies `update` (the previous step's system and hP2⁺) to
/// (ρ, σ, χ), then returns [Σλ e₀ᵀAv, Σλ² e₀ᵀAΓ] under `system`, in four partial sums
/// (modes four at a time, as [`Lanes`]) combined in a fixed order.
#[inline(always)]
fn sweep(
    rho: &mut [f64],
    sigma: &mut [f64],
    chi: &mut [f64],
    lambda: &[f64],
    update: (&StepSystem, f64),
    system: &StepSystem,
) -> [f64; 2] {
    let mut acc = [Lanes([0.0; 4]); 2];
    let (rc, rr) = rho.as_chunks_mut::<4>();
    let (sc, sr) = sigma.as_chunks_mut::<4>();
    let (cc, cr) = chi.as_chunks_mut::<4>();
    let (lc, lr) = lambda.as_chunks::<4>();
    for (((r, s), c), l) in rc.iter_mut().zip(sc).zip(cc).zip(lc) {
        let v = [Lanes(*r), Lanes(*s), Lanes(*c)];
        let (v, terms) = mode(v, Lanes(*l), update, system);
        (*r, *s, *c) = (v[0].0, v[1].0, v[2].0);
        acc = [acc[0] + terms[0], acc[1] + terms[1]];
    }
    for (lane, (((r, s), c), &l)) in rr.iter_mut().zip(sr).zip(cr).zip(lr).enumerate() {
        let (v, terms) = mode([*r, *s, *c], l, update, system);
        [*r, *s, *c] = v;
        acc[0].0[lane] += terms[0];
        acc[1].0[lane] += terms[1];
    }
    let total = |a: Lanes| (a.0[0] + a.0[1]) + (a.0[2] + a.0[3]);
    [total(acc[0]), total(acc[1])]
}

/// One mode (or four, as [`Lanes`]) of [`sweep`]: the updated (ρ, σ, χ) and its terms of
/// the two sums.
#[inline(always)]
fn mode<T: Real>(
    v: [T; 3],
    l: T,
    (prev, beta): (&StepSystem, f64),
    system: &StepSystem,
) -> ([T; 3], [T; 2]) {
    let f = T::from(beta) * l;
    let g = prev.gamma.map(T::from);
    let v = solve(
        &prev.at(l),
        [v[0] + f * g[0], v[1] + f * g[1], v[2] + f * g[2]],
    );
    let (row, det) = adjugate_row0(&system.at(l));
    let g = system.gamma.map(T::from);
    let inv = l / det;
    let terms = [
        (row[0] * v[0] + row[1] * v[1] + row[2] * v[2]) * inv,
        l * (row[0] * g[0] + row[1] * g[1] + row[2] * g[2]) * inv,
    ];
    (v, terms)
}

/// The arithmetic the per-mode algebra needs: f64, or four f64 side by side.
trait Real:
    Copy + From<f64> + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
{
}

impl<T> Real for T where
    T: Copy + From<f64> + Add<Output = T> + Sub<Output = T> + Mul<Output = T> + Div<Output = T>
{
}

/// Four modes side by side, lane by lane (the same operations as on one f64, so the same
/// bits), which the compiler turns into vector instructions.
#[derive(Clone, Copy)]
struct Lanes([f64; 4]);

impl From<f64> for Lanes {
    #[inline(always)]
    fn from(x: f64) -> Lanes {
        Lanes([x; 4])
    }
}

macro_rules! lanewise {
    ($trait:ident, $method:ident, $op:tt) => {
        impl $trait for Lanes {
            type Output = Lanes;
            #[inline(always)]
            fn $method(self, other: Lanes) -> Lanes {
                let (a, b) = (self.0, other.0);
                Lanes([a[0] $op b[0], a[1] $op b[1], a[2] $op b[2], a[3] $op b[3]])
            }
        }
    };
}
lanewise!(Add, add, +);
lanewise!(Sub, sub, -);
lanewise!(Mul, mul, *);
lanewise!(Div, div, /);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omega_has_the_form_step_system_assumes() {
        // Column 1 of Ω constant in λ, column 2 linear, for both forms and several batches.
        let c = crate::schedule::Coeffs {
            g1: 0.9,
            g2: 0.3,
            g3: 0.07,
            delta: 0.2,
        };
        for approx in [false, true] {
            for batch in [1.0, 3.0] {
                let sys = StepSystem::new(&c, 1.7, batch, approx);
                for (k, (m1, m2)) in sys.m[1].iter().zip(&sys.m[2]).enumerate() {
                    match k % 3 {
                        1 => assert_eq!((*m1, *m2), (0.0, 0.0)),
                        2 => assert_eq!(*m2, 0.0),
                        _ => {}
                    }
                }
                for l in [0.3, 2.0] {
                    let (om, _) = coefficients(&c, l, batch, approx);
                    let m = sys.at(l);
                    for k in 0..9 {
                        let want = f64::from(u8::from(k % 4 == 0)) - 1.7 * om[k / 3][k % 3];
                        assert!((m[k] - want).abs() < 1e-13 * (1.0 + want.abs()), "{k}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_vectorised_sweep_gives_the_scalar_bits() {
        // 4k + 3 modes: the lanes and the scalar remainder; each mode by itself as f64.
        let c = crate::schedule::Coeffs {
            g1: 1.0,
            g2: 0.25,
            g3: 0.03,
            delta: 0.1,
        };
        let (prev, system) = (
            StepSystem::new(&c, 0.8, 1.0, false),
            StepSystem::new(&c, 0.9, 1.0, false),
        );
        let n = 11;
        let lambda: Vec<f64> = (1..=n).map(|j| (j as f64).powf(-1.3)).collect();
        let start: Vec<f64> = (0..3 * n)
            .map(|i| 0.1 + 0.37 * (i as f64).sin().abs())
            .collect();
        let [mut r, mut s, mut x] = [0, 1, 2].map(|k| start[k * n..(k + 1) * n].to_vec());
        let sums = sweep_fastest(&mut r, &mut s, &mut x, &lambda, (&prev, 0.4), &system);
        let mut acc = [[0.0; 4]; 2];
        for j in 0..n {
            let v = [start[j], start[n + j], start[2 * n + j]];
            let (v, terms) = mode(v, lambda[j], (&prev, 0.4), &system);
            assert_eq!(v.map(f64::to_bits), [r[j], s[j], x[j]].map(f64::to_bits));
            acc[0][j % 4] += terms[0];
            acc[1][j % 4] += terms[1];
        }
        let total = |a: [f64; 4]| (a[0] + a[1]) + (a[2] + a[3]);
        assert_eq!(
            sums.map(f64::to_bits),
            [total(acc[0]).to_bits(), total(acc[1]).to_bits()]
        );
    }

    #[test]
    fn cofactor_solve_solves() {
        let m = [0.3, -1.2, 0.5, 2.0, 0.1, -0.7, -0.4, 0.9, 1.5];
        let v = [0.7, -2.0, 0.25];
        let x = solve(&m, v);
        for r in 0..3 {
            let mx: f64 = (0..3).map(|c| m[3 * r + c] * x[c]).sum();
            assert!((mx - v[r]).abs() < 1e-14);
        }
    }
}
