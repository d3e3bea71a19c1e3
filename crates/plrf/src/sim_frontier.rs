//! Compute-optimal frontiers by simulation (spec E5's right panel): for the methods that have
//! no loss ODE (Adam with a cosine schedule, Schedule-Free SGD) beside SGD and DANA.
//!
//! For each d of a grid: the theory inputs (λ_j = j^{-2α}, θ̃* = √ρ, theory P∞; smooth in d,
//! free of one instance's noise, as in E4) and seeded runs on them, with the eigenbasis
//! sampler for rotation-invariant methods and, for per-coordinate ones, the rotated sampler
//! in the parameter basis of one instance (its eigenvectors V, Haar-distributed); loss against
//! compute f = t·d (B = 1). Momentum methods also get their loss ODE on the same inputs.
//! The frontier exponent η is that of the envelope P*(f) = min_d P_d(f/d) of the seed-mean
//! curves; refitted with each seed left out, it has a jackknife standard error over seeds. Run
//! i of every method and d uses the batch stream ("plrf.batches", i): methods are compared on
//! common random numbers, so their differences have paired errors.
//!
//! A method whose rate follows a horizon (Adam-cosine decays to 0 at the run's end) is run once
//! per horizon T = N, N/2, N/4, … ≥ f_min/d, and its curve is the final risks P(T): only the
//! end of such a run is the point its schedule aims at.

use crate::curve::Curve;
use crate::error::Error;
use crate::frontier::{envelope, log_space, Envelope};
use crate::ode::{solve_ode, OdeSettings};
use crate::optimizer::{check_stability, Optimizer, Overrides, Preset, PresetContext};
use crate::problem::{Instance, Problem};
use crate::sampler::{EigenSampler, RotatedSampler, Sampler, SamplerKind};
use crate::simulate::{simulate, SimResult, SimSettings};
use crate::spectrum::Spectrum;
use crate::theory::LimitLossMode;
use lab::error::require;
use lab::grid::log_steps;
use lab::seed::Seed;
use serde::Serialize;

/// Settings of a frontier by simulation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimFrontierSettings {
    /// The data exponent α.
    pub alpha: f64,
    /// The target exponent β.
    pub beta: f64,
    /// Model sizes d, increasing.
    pub d_grid: Vec<usize>,
    /// v = v_ratio·d.
    pub v_ratio: usize,
    /// Compute range (f_min, f_max): every d runs f_max/d steps; horizon runs go down to
    /// T ≥ f_min/d.
    pub compute: (f64, f64),
    /// Points of the envelope per decade of compute.
    pub points_per_decade: usize,
    /// Peak rates tried for a horizon-scheduled method at each d and horizon, the best (lowest
    /// seed-mean final loss) kept: its compute-optimal curve is that of the tuned method. Empty,
    /// or a rate set in the overrides, keeps one rate.
    pub horizon_rates: Vec<f64>,
    /// Seeds per method and d.
    pub seeds: u64,
    /// The user seed: the instance of every d (stream "plrf.W") and the batches.
    pub seed: Seed,
}

impl SimFrontierSettings {
    /// Refuses an empty or unordered grid, a compute range that is empty or too short for a
    /// run at the largest d, and fewer than two seeds (no standard error).
    pub fn validate(&self) -> Result<(), Error> {
        let (lo, hi) = self.compute;
        require(
            !self.d_grid.is_empty() && self.d_grid.windows(2).all(|w| w[0] < w[1]),
            "model sizes",
            self.d_grid.len() as f64,
            "a non-empty increasing grid",
        )?;
        require(self.v_ratio >= 1, "v/d", self.v_ratio as f64, "at least 1")?;
        require(
            lo > 0.0 && hi > lo,
            "compute range",
            hi / lo,
            "0 < f_min < f_max",
        )?;
        let d_max = *self.d_grid.last().unwrap_or(&1) as f64;
        require(
            hi / d_max >= 1.0,
            "f_max/d_max",
            hi / d_max,
            "at least 1 step",
        )?;
        require(self.seeds >= 2, "seeds", self.seeds as f64, "at least 2")?;
        require(
            self.horizon_rates.iter().all(|r| r.is_finite() && *r > 0.0),
            "peak rates",
            self.horizon_rates.len() as f64,
            "finite and positive",
        )?;
        require(
            self.points_per_decade >= 1,
            "points per decade",
            self.points_per_decade as f64,
            "at least 1",
        )?;
        Ok(())
    }

    /// The compute values of the envelopes.
    pub fn compute_grid(&self) -> Vec<f64> {
        let (lo, hi) = self.compute;
        let n = ((hi / lo).log10() * self.points_per_decade as f64).ceil() as usize + 1;
        log_space(lo, hi, n)
    }

    /// Steps of a run at size d: ⌈f_max/d⌉, so that every d reaches f_max.
    pub fn steps(&self, d: usize) -> u64 {
        (self.compute.1 / d as f64).ceil() as u64
    }

    /// The horizons of a horizon-scheduled method at size d: N, N/2, … while T ≥ f_min/d
    /// (and T ≥ 1), increasing.
    pub fn horizons(&self, d: usize) -> Vec<u64> {
        let floor = (self.compute.0 / d as f64).max(1.0);
        let mut out = Vec::new();
        let mut t = self.steps(d);
        while t >= 1 && t as f64 >= floor {
            out.push(t);
            t /= 2;
        }
        out.reverse();
        out
    }
}

/// One method's runs over the grid of d.
#[derive(Clone, Debug)]
pub struct SimFrontier {
    /// The method.
    pub preset: Preset,
    /// The sampler it ran on: the eigenbasis, or the rotated one for per-coordinate methods.
    pub sampler: SamplerKind,
    /// Whether its curves are final risks of runs per horizon (true) or logged risks of one
    /// run (false).
    pub horizons: bool,
    /// Per d, the runs of every seed (t in steps).
    pub runs: Vec<(usize, SimResult)>,
    /// Per d, the loss ODE on the same inputs (momentum methods only).
    pub ode: Option<Vec<(usize, Curve)>>,
    /// For a horizon-scheduled method: (d, horizon, the peak rate kept).
    pub rates: Vec<(usize, u64, f64)>,
}

impl SimFrontier {
    /// The earliest divergence as (d, step), if any run diverged.
    pub fn diverged(&self) -> Option<(usize, f64)> {
        self.runs
            .iter()
            .filter_map(|(d, r)| r.diverged_at().map(|t| (*d, t)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// The number of seeds.
    pub fn seeds(&self) -> usize {
        self.runs.first().map_or(0, |(_, r)| r.runs.len())
    }

    /// The envelope at the compute values `f` of the seed-mean curves, with the seed
    /// `leave_out` left out of the means when given.
    pub fn mean_envelope(&self, f: &[f64], leave_out: Option<usize>) -> Envelope {
        let curves: Vec<(usize, Curve)> = self
            .runs
            .iter()
            .map(|(d, r)| {
                let kept = SimResult {
                    optimizer: r.optimizer.clone(),
                    runs: (r.runs.iter().enumerate())
                        .filter(|(s, _)| Some(*s) != leave_out)
                        .map(|(_, c)| c.clone())
                        .collect(),
                };
                let mean = kept.mean_curve();
                let curve = Curve {
                    t: mean.iter().map(|p| p.t).collect(),
                    risk: mean.iter().map(|p| p.mean).collect(),
                    diverged_at: None,
                };
                (*d, curve)
            })
            .collect();
        envelope(&curves, f, 1)
    }

    /// The frontier exponent η of the seed-mean envelope on `window` (NaN where the envelope
    /// has fewer than two points there), and η with each seed left out in turn (for
    /// [`lab::stats::jackknife_stderr`]).
    pub fn exponent(&self, f: &[f64], window: (f64, f64)) -> (f64, Vec<f64>) {
        let eta = |leave_out| {
            self.mean_envelope(f, leave_out)
                .fit(window)
                .map_or(f64::NAN, |x| x.loss_exponent)
        };
        let leave_outs = (0..self.seeds()).map(|i| eta(Some(i))).collect();
        (eta(None), leave_outs)
    }
}

/// Runs `preset` over the grid (default hyperparameters but for `overrides`), and for a
/// momentum method also its loss ODE on the same inputs; refuses an unstable momentum method
/// before running.
pub fn simulate_frontier(
    preset: Preset,
    overrides: &Overrides,
    s: &SimFrontierSettings,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<SimFrontier, Error> {
    s.validate()?;
    let probe = preset.build(&context(s, s.d_grid[0], 1.0), overrides);
    let horizons = matches!(
        probe.baseline,
        Some(crate::baselines::Baseline::AdamCosine {
            decay_steps: None,
            ..
        })
    );
    let rotated = probe.baseline.is_some_and(|b| b.per_coordinate());
    let mut runs = Vec::new();
    let mut ode = Vec::new();
    let mut rates = Vec::new();
    for &d in &s.d_grid {
        let problem = Problem::new(s.alpha, s.beta, s.v_ratio * d, d)?;
        let spectrum = Spectrum::theory(&problem, LimitLossMode::Official);
        let star: Vec<f64> = spectrum.rho.iter().map(|r| r.sqrt()).collect();
        let (eigen_sampler, rotated_sampler);
        let sampler: &dyn Sampler = if rotated {
            // The parameter basis: the eigenvectors of one instance's K (Haar-distributed).
            let basis = Instance::draw(problem, s.seed).eigen(faer::Par::Seq)?.basis;
            rotated_sampler =
                RotatedSampler::new(basis, spectrum.lambda.clone(), &star, spectrum.p_inf);
            &rotated_sampler
        } else {
            eigen_sampler = EigenSampler::from_spectrum(&spectrum);
            &eigen_sampler
        };
        let ctx = context(s, d, problem.trace());
        let opt = preset.build(&ctx, overrides);
        let steps = s.steps(d);
        if opt.baseline.is_none() {
            check_stability(&opt, sampler.lambda_max(), 1)?;
            let settings = OdeSettings {
                t_max: steps as f64,
                dt: 1e-2,
                batch: 1,
                approximate: false,
            };
            ode.push((d, solve_ode(&spectrum, &opt.hyper, &settings, &|_| {})));
        }
        let settings = |steps| SimSettings {
            steps,
            batch: 1,
            seeds: s.seeds,
            seed: s.seed,
        };
        let result = if horizons {
            // Per horizon, one run per candidate rate, logged at its end only; the best kept.
            let candidates: Vec<Optimizer> = if s.horizon_rates.is_empty() || overrides.lr.is_some()
            {
                vec![opt]
            } else {
                s.horizon_rates
                    .iter()
                    .map(|&lr| {
                        preset.build(
                            &ctx,
                            &Overrides {
                                lr: Some(lr),
                                ..*overrides
                            },
                        )
                    })
                    .collect()
            };
            let mut ends = Vec::new();
            for t in s.horizons(d) {
                let runs = simulate(sampler, &candidates, &settings(t), &[t], progress);
                let (best, end) = runs
                    .into_iter()
                    .enumerate()
                    .min_by(|a, b| final_mean(&a.1).total_cmp(&final_mean(&b.1)))
                    .expect("at least one candidate");
                rates.push((
                    d,
                    t,
                    candidates[best].baseline.map_or(f64::NAN, |b| b.rate()),
                ));
                ends.push(end);
            }
            join_ends(&ends)
        } else {
            let one = std::slice::from_ref(&opt);
            simulate(
                sampler,
                one,
                &settings(steps),
                &log_steps(steps, 1.1),
                progress,
            )
            .remove(0)
        };
        runs.push((d, result));
    }
    Ok(SimFrontier {
        preset,
        sampler: if rotated {
            SamplerKind::Rotated
        } else {
            SamplerKind::Eigen
        },
        horizons,
        runs,
        ode: (!ode.is_empty()).then_some(ode),
        rates,
    })
}

/// The seed mean of the final risks; +∞ when a seed diverged.
fn final_mean(r: &SimResult) -> f64 {
    match (r.diverged_at(), r.mean_curve().last()) {
        (None, Some(end)) => end.mean,
        _ => f64::INFINITY,
    }
}

/// The preset context at size d, B = 1.
fn context(s: &SimFrontierSettings, d: usize, tr: f64) -> PresetContext {
    PresetContext {
        alpha: s.alpha,
        beta: s.beta,
        d,
        batch: 1,
        tr,
    }
}

/// One curve per seed from the final points of runs with increasing horizons; a seed's curve
/// stops at its first diverged horizon.
fn join_ends(ends: &[SimResult]) -> SimResult {
    let seeds = ends.first().map_or(0, |r| r.runs.len());
    let runs = (0..seeds)
        .map(|s| {
            let mut curve = Curve {
                t: Vec::new(),
                risk: Vec::new(),
                diverged_at: None,
            };
            for end in ends {
                let run = &end.runs[s];
                if let Some(t) = run.diverged_at {
                    curve.diverged_at = Some(t);
                    break;
                }
                if let (Some(&t), Some(&p)) = (run.t.last(), run.risk.last()) {
                    curve.t.push(t);
                    curve.risk.push(p);
                }
            }
            curve
        })
        .collect();
    SimResult {
        optimizer: ends.first().map_or(String::new(), |r| r.optimizer.clone()),
        runs,
    }
}

/// The longest run of compute values in `window` where the seed-mean envelope's d* lies
/// strictly inside the grid for every method at once, spanning at least `min_span`.
pub fn common_window(
    fronts: &[SimFrontier],
    f: &[f64],
    window: (f64, f64),
    grid: &[usize],
    min_span: f64,
) -> Option<(f64, f64)> {
    let envelopes: Vec<Envelope> = fronts.iter().map(|fr| fr.mean_envelope(f, None)).collect();
    let refs: Vec<&Envelope> = envelopes.iter().collect();
    crate::frontier::common_interior_window(&refs, window, grid, min_span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SimFrontierSettings {
        SimFrontierSettings {
            alpha: 1.25,
            beta: 0.35,
            d_grid: vec![8, 16],
            v_ratio: 4,
            compute: (1e2, 1e4),
            points_per_decade: 4,
            horizon_rates: Vec::new(),
            seeds: 3,
            seed: Seed(0),
        }
    }

    #[test]
    fn horizons_halve_down_to_the_smallest_compute() {
        let s = settings();
        // d = 8: N = 1250, T ≥ 12.5: 19, 39, 78, 156, 312, 625, 1250.
        assert_eq!(s.horizons(8), vec![19, 39, 78, 156, 312, 625, 1250]);
        assert_eq!(s.compute_grid().len(), 9);
    }

    #[test]
    fn bad_settings_are_refused() {
        let mut s = settings();
        s.d_grid = vec![16, 8];
        assert!(s.validate().is_err());
        let mut s = settings();
        s.seeds = 1;
        assert!(s.validate().is_err());
        let mut s = settings();
        s.compute = (1e4, 1e2);
        assert!(s.validate().is_err());
    }

    #[test]
    fn horizon_curves_are_the_final_risks_of_each_horizon() {
        // Adam-cosine's curve at d = 8, seed i, horizon T equals the last logged risk of a
        // separate run of T steps with the cosine over T.
        let s = settings();
        let fr = simulate_frontier(Preset::AdamCosine, &Overrides::default(), &s, &|_| {}).unwrap();
        assert!(fr.horizons);
        assert_eq!(fr.sampler, SamplerKind::Rotated);
        let problem = Problem::new(1.25, 0.35, 32, 8).unwrap();
        let spectrum = Spectrum::theory(&problem, LimitLossMode::Official);
        let basis = Instance::draw(problem, Seed(0))
            .eigen(faer::Par::Seq)
            .unwrap()
            .basis;
        let star: Vec<f64> = spectrum.rho.iter().map(|r| r.sqrt()).collect();
        let sampler = RotatedSampler::new(basis, spectrum.lambda.clone(), &star, spectrum.p_inf);
        let opt = Preset::AdamCosine.build(
            &PresetContext {
                alpha: 1.25,
                beta: 0.35,
                d: 8,
                batch: 1,
                tr: problem.trace(),
            },
            &Overrides::default(),
        );
        let t = 156;
        let one = SimSettings {
            steps: t,
            batch: 1,
            seeds: 3,
            seed: Seed(0),
        };
        let grid = log_steps(t, 1.1);
        let direct = simulate(&sampler, &[opt], &one, &grid, &|_| {}).remove(0);
        let (_, runs) = &fr.runs[0];
        for (seed, run) in runs.runs.iter().enumerate() {
            let i = run.t.iter().position(|&x| x == t as f64).unwrap();
            let want = *direct.runs[seed].risk.last().unwrap();
            assert_eq!(run.risk[i], want, "seed {seed}");
        }
    }
}
