//! Compute-optimal frontiers (spec E4): loss curves P_d(t) over a grid of model sizes d,
//! the envelope P*(f) = min_d P_d(f/(d·B)) at compute f = t·d·B, the optimal size d*(f),
//! and their power-law exponents.

use crate::curve::Curve;
use crate::ode::{solve_ode, OdeSettings};
use crate::optimizer::{check_stability, Overrides, Preset, PresetContext};
use crate::problem::Problem;
use crate::spectrum::Spectrum;
use crate::theory::LimitLossMode;
use lab::error::require;
use lab::fit::{fit_loglog, LogLogFit};
use rayon::prelude::*;
use serde::Serialize;

/// Log-log linear interpolation of y(t) at `x`; None outside [first positive t, last t]
/// or where y is not positive.
pub fn interpolate_loglog(t: &[f64], y: &[f64], x: f64) -> Option<f64> {
    let start = t.iter().position(|&v| v > 0.0)?;
    let (t, y) = (&t[start..], &y[start..]);
    if !(x >= t[0] && x <= *t.last()?) {
        return None;
    }
    let i = t.partition_point(|&v| v < x);
    if t[i] == x {
        return (y[i] > 0.0).then_some(y[i]);
    }
    let (t0, t1, y0, y1) = (t[i - 1], t[i], y[i - 1], y[i]);
    if y0 <= 0.0 || y1 <= 0.0 {
        return None;
    }
    let w = (x.ln() - t0.ln()) / (t1.ln() - t0.ln());
    Some((y0.ln() * (1.0 - w) + y1.ln() * w).exp())
}

/// n log-spaced values from lo to hi inclusive.
pub fn log_space(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![lo];
    }
    (0..n)
        .map(|i| (lo.ln() + (hi.ln() - lo.ln()) * i as f64 / (n - 1) as f64).exp())
        .collect()
}

/// The envelope of loss curves over model sizes at each compute value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Envelope {
    /// Compute values f.
    pub f: Vec<f64>,
    /// P*(f), None where no curve reaches t = f/(d·B).
    pub p_star: Vec<Option<f64>>,
    /// d*(f), the minimising size.
    pub d_star: Vec<Option<usize>>,
}

/// P*(f) = min over d of P_d(f/(d·B)) (interpolated), skipping f/(d·B) outside each run.
pub fn envelope(curves: &[(usize, Curve)], f: &[f64], batch: usize) -> Envelope {
    let mut p_star = Vec::with_capacity(f.len());
    let mut d_star = Vec::with_capacity(f.len());
    for &fv in f {
        let best = curves
            .iter()
            .filter_map(|(d, c)| {
                interpolate_loglog(&c.t, &c.risk, fv / (*d as f64 * batch as f64)).map(|p| (p, *d))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0));
        p_star.push(best.map(|b| b.0));
        d_star.push(best.map(|b| b.1));
    }
    Envelope {
        f: f.to_vec(),
        p_star,
        d_star,
    }
}

/// Fitted exponents of an envelope over a window of f: η = −slope of log P*, ξ = slope
/// of log d*.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FrontierFit {
    /// Loss exponent η (positive for a decreasing loss) with its standard error.
    pub loss_exponent: f64,
    /// Standard error of η.
    pub loss_exponent_stderr: f64,
    /// Size exponent ξ.
    pub d_exponent: f64,
    /// Standard error of ξ.
    pub d_exponent_stderr: f64,
}

impl Envelope {
    /// Least-squares fits of log P* and log d* on log f inside `window`.
    pub fn fit(&self, window: (f64, f64)) -> Option<FrontierFit> {
        let (mut f, mut p, mut d) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..self.f.len() {
            if let (Some(pv), Some(dv)) = (self.p_star[i], self.d_star[i]) {
                f.push(self.f[i]);
                p.push(pv);
                d.push(dv as f64);
            }
        }
        let lp: LogLogFit = fit_loglog(&f, &p, Some(window))?;
        let ld: LogLogFit = fit_loglog(&f, &d, Some(window))?;
        Some(FrontierFit {
            loss_exponent: -lp.slope,
            loss_exponent_stderr: lp.slope_stderr,
            d_exponent: ld.slope,
            d_exponent_stderr: ld.slope_stderr,
        })
    }
}

/// Settings of a frontier computation (spec E4 defaults via `Default`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FrontierSettings {
    /// Model sizes d (v = `v_ratio`·d).
    pub d_grid: Vec<usize>,
    /// v/d.
    pub v_ratio: usize,
    /// Each run's t_max = `compute_max`/(d·B).
    pub compute_max: f64,
    /// Range of compute values f.
    pub f_range: (f64, f64),
    /// Number of log-spaced f values.
    pub f_points: usize,
    /// Window of f for the fits.
    pub fit_range: (f64, f64),
    /// ODE log-time step.
    pub dt: f64,
    /// Batch size.
    pub batch: usize,
    /// P∞ mode of the theory inputs.
    pub limit_loss: LimitLossMode,
}

impl Default for FrontierSettings {
    fn default() -> Self {
        FrontierSettings {
            d_grid: (0..8).map(|i| 200 << i).collect(),
            v_ratio: 4,
            compute_max: 1e13,
            f_range: (1e5, 1e13),
            f_points: 81,
            fit_range: (1e7, 1e11),
            dt: 1e-2,
            batch: 1,
            limit_loss: LimitLossMode::Official,
        }
    }
}

impl FrontierSettings {
    /// Checks the grid and ranges.
    pub fn validate(&self) -> Result<(), crate::Error> {
        let smallest = self.d_grid.iter().min().copied().unwrap_or(0);
        require(
            smallest >= 1,
            "d_grid",
            smallest as f64,
            "a list of at least one size, each ≥ 1",
        )?;
        for (name, (lo, hi)) in [("f_range", self.f_range), ("fit_range", self.fit_range)] {
            require(
                lo.is_finite() && hi.is_finite() && 0.0 < lo && lo < hi,
                name,
                lo,
                format!("a range with 0 < LO < HI (LO,HI = {lo:e},{hi:e})"),
            )?;
        }
        let (f_lo, f_hi) = self.f_range;
        let (lo, hi) = self.fit_range;
        if lo < f_lo || hi > f_hi {
            return Err(crate::Error::FitRange {
                fit: self.fit_range,
                computed: self.f_range,
            });
        }
        Ok(require(
            self.f_points >= 2,
            "f_points",
            self.f_points as f64,
            "at least 2",
        )?)
    }
}

/// One optimizer's frontier: its loss curves per d and the envelope.
#[derive(Clone, Debug)]
pub struct Frontier {
    /// The preset.
    pub preset: Preset,
    /// (d, ODE loss curve) per size.
    pub curves: Vec<(usize, Curve)>,
    /// The envelope over d.
    pub envelope: Envelope,
    /// Fitted exponents (None when the window holds too few points).
    pub fit: Option<FrontierFit>,
    /// Predicted (η, ξ) where a formula exists.
    pub theory: Option<(f64, f64)>,
}

/// Runs the ODE for every (optimizer, d) in parallel with theory inputs and builds each
/// optimizer's frontier. Refuses unstable step sizes before any work unless `force`.
pub fn frontiers(
    alpha: f64,
    beta: f64,
    presets: &[Preset],
    overrides: &Overrides,
    s: &FrontierSettings,
    force: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Frontier>, crate::Error> {
    s.validate()?;
    let mut jobs = Vec::new();
    for (oi, &preset) in presets.iter().enumerate() {
        for &d in &s.d_grid {
            let problem = Problem::new(alpha, beta, s.v_ratio * d, d)?;
            let ctx = PresetContext {
                alpha,
                beta,
                d,
                batch: s.batch,
                tr: problem.trace(),
            };
            let opt = preset.build(&ctx, overrides);
            if !force {
                check_stability(&opt, 1.0, s.batch)?; // theory λ_max = 1
            }
            let settings = OdeSettings {
                t_max: s.compute_max / (d * s.batch) as f64,
                dt: s.dt,
                batch: s.batch,
                approximate: false,
            };
            settings.validate()?;
            jobs.push((oi, d, problem, opt, settings));
        }
    }
    let curves: Vec<(usize, usize, Curve)> = jobs
        .par_iter()
        .map(|(oi, d, problem, opt, settings)| {
            let spectrum = Spectrum::theory(problem, s.limit_loss);
            let curve = solve_ode(&spectrum, &opt.hyper, settings, &|_| {});
            progress(1);
            (*oi, *d, curve)
        })
        .collect();
    let f = log_space(s.f_range.0, s.f_range.1, s.f_points);
    Ok(presets
        .iter()
        .enumerate()
        .map(|(oi, &preset)| {
            let mine: Vec<(usize, Curve)> = curves
                .iter()
                .filter(|c| c.0 == oi)
                .map(|(_, d, c)| (*d, c.clone()))
                .collect();
            let envelope = envelope(&mine, &f, s.batch);
            Frontier {
                preset,
                fit: envelope.fit(s.fit_range),
                theory: crate::phases::frontier_exponents(preset, alpha, beta),
                curves: mine,
                envelope,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_is_exact_on_power_laws() {
        let t: Vec<f64> = (0..20).map(|k| 10f64.powf(k as f64 * 0.5)).collect();
        let y: Vec<f64> = t.iter().map(|x| 3.0 * x.powf(-0.7)).collect();
        for x in [1.0, 2.5, 77.0, 1e9] {
            let got = interpolate_loglog(&t, &y, x).unwrap();
            assert!((got / (3.0 * x.powf(-0.7)) - 1.0).abs() < 1e-12);
        }
        assert_eq!(interpolate_loglog(&t, &y, 0.5), None);
        assert_eq!(interpolate_loglog(&t, &y, 4e9), None);
        // A leading t = 0 is skipped, as in ODE curves.
        let t0: Vec<f64> = std::iter::once(0.0).chain(t.iter().cloned()).collect();
        let y0: Vec<f64> = std::iter::once(5.0).chain(y.iter().cloned()).collect();
        assert_eq!(
            interpolate_loglog(&t0, &y0, 77.0),
            interpolate_loglog(&t, &y, 77.0)
        );
    }

    #[test]
    fn envelope_of_a_two_term_model_has_the_closed_form_exponents() {
        // P_d(t) = t^{-a} + d^{-b}: minimising (f/d)^{-a} + d^{-b} over d gives
        // d* ∝ f^{a/(a+b)} and P* ∝ f^{-ab/(a+b)}. A factor-2 d-grid (a staircase) and
        // the E4 window recover them within 0.02 (η) and 0.05 (ξ).
        let (a, b) = (0.8, 1.6);
        let t: Vec<f64> = log_space(1.0, 1e13, 1300);
        let curves: Vec<(usize, Curve)> = (0..14)
            .map(|i| {
                let d = 50usize << i;
                let risk = t.iter().map(|x| x.powf(-a) + (d as f64).powf(-b)).collect();
                (
                    d,
                    Curve {
                        t: t.clone(),
                        risk,
                        diverged_at: None,
                    },
                )
            })
            .collect();
        let env = envelope(&curves, &log_space(1e5, 1e13, 81), 1);
        let fit = env.fit((1e7, 1e11)).unwrap();
        let (eta, xi) = (a * b / (a + b), a / (a + b));
        assert!(
            (fit.loss_exponent - eta).abs() < 0.02,
            "η {} vs {eta}",
            fit.loss_exponent
        );
        assert!(
            (fit.d_exponent - xi).abs() < 0.05,
            "ξ {} vs {xi}",
            fit.d_exponent
        );
        // Every f where some run reaches f/d is covered, with d* on the grid.
        assert!(env.d_star.iter().flatten().all(|d| d % 50 == 0));
    }
}
