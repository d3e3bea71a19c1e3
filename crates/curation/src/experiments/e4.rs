//! E4, stability with real data: the E3 grid with p_0 = p_data, λ ∈ {0, 0.1, 0.25, 0.5, 1, 2},
//! T = 200. Per round: the A7 metrics, the mass of each of the 8 modes, max_x p_t/p_data and,
//! at K = ∞, the distance to the A5 fixed point; per (γ, λ, K): the T6 bounds.

use crate::dynamics::{run_dynamics, DynamicsRow, DynamicsSettings};
use crate::error::{merge_warning, Error, Warning};
use crate::examples::grid8;
use crate::experiments::e3::E3Config;
use crate::experiments::{non_empty, Curator};
use crate::fixed_point::fixed_point;
use crate::metrics::{group_shares, population_metrics};
use crate::names::{Choices, Rule, Scale};
use crate::operator::{real_share, StepSettings};
use crate::theory::{t6_bounds, T6Bounds};
use rayon::prelude::*;

/// E4 settings: the E3 grid and reward, with a list of λ.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct E4Config {
    /// Grid, reward, curators, evaluator (its `lambda` and `snapshot_rounds` are ignored).
    pub base: E3Config,
    /// The values of λ.
    pub lambdas: Vec<f64>,
    /// Rounds T.
    pub rounds: u32,
}

impl E4Config {
    /// The spec's settings (both scales): E3's grid, γ and curators, λ ∈ {0, 0.1, 0.25, 0.5, 1,
    /// 2}, T = 200.
    pub fn preset(scale: Scale) -> E4Config {
        let mut base = E3Config::preset(scale);
        base.snapshot_rounds.clear();
        E4Config {
            base,
            lambdas: vec![0.0, 0.1, 0.25, 0.5, 1.0, 2.0],
            rounds: 200,
        }
    }

    /// Refuses what E3 refuses, an empty λ list, λ < 0, rounds = 0.
    pub fn validate(&self) -> Result<(), Error> {
        let mut base = self.base.clone();
        base.snapshot_rounds.clear();
        base.rounds = self.rounds.max(1);
        base.validate()?;
        non_empty(&self.lambdas, "lambda values")?;
        for &l in &self.lambdas {
            lab::error::non_negative("lambda", l)?;
        }
        lab::error::require(self.rounds >= 1, "rounds", f64::from(self.rounds), "≥ 1")?;
        Ok(())
    }
}

/// One round of one (γ, λ, curator) run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E4Row {
    /// γ.
    pub gamma: f64,
    /// The dynamics row (K, rule, λ, round, A7 metrics, drift).
    #[serde(flatten)]
    pub row: DynamicsRow,
    /// Mass of each mode (cells by nearest mode centre; mode 0 holds the reward's ball).
    pub mode_masses: Vec<f64>,
    /// max_x p_t(x)/p_data(x).
    pub max_ratio: f64,
    /// max_x |p_t(x) − p_∞(x)| to the A5 fixed point (K = ∞ softmax, λ > 0).
    pub fixed_point_residual: Option<f64>,
}

/// The constants of one (γ, λ, curator) run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E4Run {
    /// γ.
    pub gamma: f64,
    /// λ.
    pub lambda: f64,
    /// Curator.
    pub curator: Curator,
    /// α = 1/(1 + λ) (0 for λ = 0).
    pub alpha: f64,
    /// T6 bounds (λ > 0).
    pub bounds: Option<T6Bounds>,
    /// E_{p_∞}[e^r] of the A5 fixed point (K = ∞ softmax, λ > 0).
    pub fixed_point_expected_weight: Option<f64>,
}

/// E4 output.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E4Result {
    /// Rows per (γ, λ, curator, round).
    pub rows: Vec<E4Row>,
    /// Constants per run.
    pub runs: Vec<E4Run>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// What one run returns.
type E4Rows = (Vec<E4Row>, E4Run, Vec<Warning>);

/// Runs E4.
pub fn run(config: &E4Config) -> Result<E4Result, Error> {
    config.validate()?;
    let base = &config.base;
    let mut jobs = Vec::new();
    let mut grids = Vec::new();
    for &gamma in &base.gammas {
        grids.push(grid8(&base.grid, &base.reward(gamma))?);
    }
    for (g, &gamma) in base.gammas.iter().enumerate() {
        for &lambda in &config.lambdas {
            for &curator in &base.curators {
                jobs.push((g, gamma, lambda, curator));
            }
        }
    }
    let modes = base.grid.modes;
    let results: Vec<Result<E4Rows, Error>> = jobs
        .par_iter()
        .map(|&(g, gamma, lambda, curator)| {
            let grid = &grids[g];
            let s = &grid.support;
            let alpha = real_share(lambda);
            let replicator = curator.k == Choices::Infinite && curator.rule == Rule::Softmax;
            let fp = if replicator && lambda > 0.0 {
                Some(fixed_point(s.reward(), s.p_data(), alpha)?)
            } else {
                None
            };
            let data_weight =
                population_metrics(s.p_data(), s.reward(), s.p_data(), s.top_reward())
                    .expected_weight;
            let run = E4Run {
                gamma,
                lambda,
                curator,
                alpha,
                bounds: (lambda > 0.0).then(|| t6_bounds(lambda, curator.k.as_f64(), data_weight)),
                fixed_point_expected_weight: fp.as_ref().map(|f| f.expected_weight),
            };
            let mut extras = Vec::new();
            let settings = DynamicsSettings {
                step: StepSettings {
                    k: curator.k,
                    rule: curator.rule,
                    evaluator: base.evaluator,
                    quadrature: base.quadrature,
                },
                lambda,
                rounds: config.rounds,
            };
            let traj = run_dynamics(s, &settings, |_, p| {
                let ratio = p
                    .iter()
                    .zip(s.p_data())
                    .filter(|(_, &d)| d > 0.0)
                    .map(|(q, d)| q / d)
                    .fold(0.0, f64::max);
                let residual = fp.as_ref().map(|f| {
                    p.iter()
                        .zip(&f.p)
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0, f64::max)
                });
                extras.push((group_shares(p, &grid.mode, modes), ratio, residual));
            })?;
            let rows = traj
                .rows
                .into_iter()
                .zip(extras)
                .map(
                    |(row, (mode_masses, max_ratio, fixed_point_residual))| E4Row {
                        gamma,
                        row,
                        mode_masses,
                        max_ratio,
                        fixed_point_residual,
                    },
                )
                .collect();
            Ok((rows, run, traj.warnings))
        })
        .collect();
    let mut out = E4Result {
        rows: Vec::new(),
        runs: Vec::new(),
        warnings: Vec::new(),
    };
    for r in results {
        let (rows, run, warns) = r?;
        out.rows.extend(rows);
        out.runs.push(run);
        for w in warns {
            merge_warning(&mut out.warnings, w);
        }
    }
    Ok(out)
}
