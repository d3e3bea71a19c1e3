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

impl Envelope {
    /// The compute values inside `window` where d* is the smallest or the largest size of
    /// `grid`: there the optimum may lie outside the grid, and a fit through them is not the
    /// compute-optimal frontier.
    pub fn edge_points(&self, window: (f64, f64), grid: &[usize]) -> Vec<f64> {
        let (lo, hi) = grid_edges(grid);
        self.f
            .iter()
            .zip(&self.d_star)
            .filter(|(f, d)| {
                (window.0..=window.1).contains(*f) && matches!(d, Some(d) if *d == lo || *d == hi)
            })
            .map(|(f, _)| *f)
            .collect()
    }

    /// The longest run of consecutive compute values inside `window` where d* is known and
    /// strictly inside the grid, as (first f, last f); None when no run spans `min_span`
    /// (a ratio of compute, e.g. 10 for a decade).
    pub fn interior_window(
        &self,
        window: (f64, f64),
        grid: &[usize],
        min_span: f64,
    ) -> Option<(f64, f64)> {
        let (lo, hi) = grid_edges(grid);
        let mut best: Option<(f64, f64)> = None;
        let mut start: Option<f64> = None;
        let mut last = f64::NAN;
        for (&f, d) in self.f.iter().zip(&self.d_star) {
            let inside = (window.0..=window.1).contains(&f);
            let interior = matches!(d, Some(d) if *d != lo && *d != hi);
            if inside && interior {
                start.get_or_insert(f);
                last = f;
            } else if let Some(s) = start.take() {
                best = longer(best, (s, last));
            }
        }
        if let Some(s) = start {
            best = longer(best, (s, last));
        }
        best.filter(|(a, b)| b / a >= min_span)
    }
}

/// The longest run of compute values inside `window` where d* is strictly inside `grid` for
/// every envelope at once (see [`Envelope::interior_window`]); the envelopes share their
/// compute values.
pub fn common_interior_window(
    envelopes: &[&Envelope],
    window: (f64, f64),
    grid: &[usize],
    min_span: f64,
) -> Option<(f64, f64)> {
    let first = envelopes.first()?;
    let (lo, hi) = grid_edges(grid);
    let interior = |e: &Envelope, i: usize| matches!(e.d_star[i], Some(d) if d != lo && d != hi);
    let all = Envelope {
        f: first.f.clone(),
        p_star: first.p_star.clone(),
        d_star: (0..first.f.len())
            .map(|i| {
                let every = envelopes.iter().all(|e| interior(e, i));
                if every {
                    first.d_star[i]
                } else {
                    None
                }
            })
            .collect(),
    };
    all.interior_window(window, grid, min_span)
}

fn grid_edges(grid: &[usize]) -> (usize, usize) {
    let lo = grid.iter().min().copied().unwrap_or(0);
    (lo, grid.iter().max().copied().unwrap_or(lo))
}

fn longer(best: Option<(f64, f64)>, run: (f64, f64)) -> Option<(f64, f64)> {
    match best {
        Some(b) if b.1 / b.0 >= run.1 / run.0 => Some(b),
        _ => Some(run),
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
    /// The fit window.
    pub fit_window: (f64, f64),
    /// Whether d* is the smallest or largest d of the grid somewhere inside the fit window
    /// (then the fit is not of the compute-optimal frontier).
    pub d_star_at_edge: bool,
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
    if let Some(p) = presets.iter().find(|p| p.is_baseline()) {
        return Err(crate::Error::NoOde(p.name()));
    }
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
                fit_window: s.fit_range,
                d_star_at_edge: !envelope.edge_points(s.fit_range, &s.d_grid).is_empty(),
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
        let grid: Vec<usize> = curves.iter().map(|c| c.0).collect();
        assert!(env.edge_points((1e7, 1e11), &grid).is_empty());
    }

    #[test]
    fn d_star_at_the_grid_edge_is_found_and_excluded_from_the_interior_window() {
        // d* ∝ f^{1/2} on the grid 100..1600: d* = 100 (the smallest size) up to f = 1e4,
        // interior from 3.2e4 to 1e6, then 1600 (the largest) from 3.2e6 on.
        let grid = [100, 200, 400, 800, 1600];
        let f = log_space(1e3, 1e8, 11);
        let d_star = f
            .iter()
            .map(|x: &f64| {
                let ideal = x.sqrt();
                Some(
                    *grid
                        .iter()
                        .min_by_key(|d| ((**d as f64) / ideal).ln().abs().to_bits())
                        .unwrap(),
                )
            })
            .collect::<Vec<_>>();
        let env = Envelope {
            p_star: vec![Some(1.0); f.len()],
            f: f.clone(),
            d_star,
        };
        // Hand-computed: √f for f = 1e3·10^{k/2} is 31.6, 56.2, 100, 178, 316, 562, 1000, 1778, …
        // nearest (in log) grid sizes: 100, 100, 100, 200, 400, 400, 800, 1600, 1600, …
        assert_eq!(
            env.d_star[..8]
                .iter()
                .map(|d| d.unwrap())
                .collect::<Vec<_>>(),
            [100, 100, 100, 200, 400, 400, 800, 1600]
        );
        let all = (f[0], f[10]); // 1e3 and 1e8 up to rounding
        let edges = env.edge_points(all, &grid);
        assert_eq!(edges.len(), 3 + 4);
        assert!(env.edge_points((2e4, 1e6), &grid).is_empty());
        let (a, b) = env.interior_window(all, &grid, 10.0).unwrap();
        assert!((a / f[3] - 1.0).abs() < 1e-12 && (b / f[6] - 1.0).abs() < 1e-12);
        // No interior run spans three decades.
        assert_eq!(env.interior_window(all, &grid, 1e3), None);
    }
}
