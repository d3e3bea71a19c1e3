//! E3, collapse on the 2-D grid (the P1 analogue): 8 Gaussians on 128×128 cells, the clipped
//! reward (x* = (2, 0), r_min = 0.75), γ ∈ {1, 10}, K ∈ {2, 4, 10, ∞} and hard max K = 4,
//! λ = 0, T = 50. Returns the A7 metrics per round, density snapshots, and the triptych
//! (reward, p_0, p*).

use crate::dynamics::{run_dynamics, DynamicsRow, DynamicsSettings};
use crate::error::{merge_warning, Error, Warning};
use crate::examples::{grid8, ClippedBall, GridSpec};
use crate::experiments::{non_empty, Curator};
use crate::laplace::Quadrature;
use crate::names::{Evaluator, Scale};
use crate::operator::StepSettings;
use rayon::prelude::*;

/// E3 settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct E3Config {
    /// The grid.
    pub grid: GridSpec,
    /// Centre x* of the clipped reward.
    pub centre: [f64; 2],
    /// Radius r_min of its flat top.
    pub r_min: f64,
    /// Reward scales γ.
    pub gammas: Vec<f64>,
    /// Curators (K, rule).
    pub curators: Vec<Curator>,
    /// λ (0 = fully synthetic).
    pub lambda: f64,
    /// Rounds T.
    pub rounds: u32,
    /// Evaluator for finite K ≥ 2.
    pub evaluator: Evaluator,
    /// Quadrature of the Laplace evaluator.
    pub quadrature: Quadrature,
    /// Rounds whose full distribution is returned (density snapshots).
    pub snapshot_rounds: Vec<u32>,
}

impl E3Config {
    /// The spec's settings (both scales).
    pub fn preset(_scale: Scale) -> E3Config {
        E3Config {
            grid: GridSpec::default(),
            centre: [2.0, 0.0],
            r_min: 0.75,
            gammas: vec![1.0, 10.0],
            curators: Curator::e3_set(),
            lambda: 0.0,
            rounds: 50,
            evaluator: Evaluator::Laplace,
            quadrature: Quadrature::default(),
            snapshot_rounds: vec![0, 1, 5, 10, 20, 50],
        }
    }

    /// Refuses empty lists, bad grids and rewards, K = 0, rounds = 0, λ < 0, snapshot rounds
    /// past T.
    pub fn validate(&self) -> Result<(), Error> {
        self.grid.validate()?;
        non_empty(&self.gammas, "gamma values")?;
        non_empty(&self.curators, "curators")?;
        for &g in &self.gammas {
            self.reward(g).validate()?;
        }
        for c in &self.curators {
            c.k.validate()?;
        }
        lab::error::non_negative("lambda", self.lambda)?;
        lab::error::require(self.rounds >= 1, "rounds", f64::from(self.rounds), "≥ 1")?;
        for &t in &self.snapshot_rounds {
            lab::error::require(t <= self.rounds, "snapshot round", f64::from(t), "≤ rounds")?;
        }
        self.quadrature.validate()?;
        Ok(())
    }

    /// The reward at scale γ.
    pub fn reward(&self, gamma: f64) -> ClippedBall {
        ClippedBall {
            gamma,
            centre: self.centre,
            r_min: self.r_min,
        }
    }

    /// Memory of the returned snapshots and triptychs, in bytes.
    pub fn memory_bytes(&self) -> u64 {
        let cells = (self.grid.cells * self.grid.cells) as u64;
        let runs = (self.gammas.len() * self.curators.len()) as u64;
        8 * cells * (runs * (self.snapshot_rounds.len() as u64 + 2) + 3 * self.gammas.len() as u64)
    }
}

/// One round of one (γ, curator) run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E3Row {
    /// γ.
    pub gamma: f64,
    /// The dynamics row (K, rule, λ, round, A7 metrics, drift).
    #[serde(flatten)]
    pub row: DynamicsRow,
}

/// The distribution of one run at one round.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E3Snapshot {
    /// γ.
    pub gamma: f64,
    /// Curator.
    pub curator: Curator,
    /// Round.
    pub round: u32,
    /// p_t per cell (atom = row·cells + col).
    pub p: Vec<f64>,
}

/// The triptych of one γ: reward, p_0 and the theoretical limit p* per cell.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Triptych {
    /// γ.
    pub gamma: f64,
    /// Cells per axis.
    pub cells: usize,
    /// r per cell.
    pub reward: Vec<f64>,
    /// p_0 per cell.
    pub p0: Vec<f64>,
    /// p* = p_0 restricted to the top set, renormalised.
    pub p_star: Vec<f64>,
}

/// E3 output.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E3Result {
    /// Rows per (γ, curator, round).
    pub rows: Vec<E3Row>,
    /// Snapshots per (γ, curator, snapshot round).
    pub snapshots: Vec<E3Snapshot>,
    /// One triptych per γ.
    pub triptychs: Vec<Triptych>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// p* = p restricted to the atoms with reward = r* (the top on supp p), renormalised.
pub fn target_law(reward: &[f64], p: &[f64]) -> Vec<f64> {
    let r_star = crate::support::top_reward(reward, p);
    let top: f64 = p
        .iter()
        .zip(reward)
        .filter(|(_, &r)| r == r_star)
        .map(|(q, _)| q)
        .sum();
    p.iter()
        .zip(reward)
        .map(|(&q, &r)| if r == r_star { q / top } else { 0.0 })
        .collect()
}

/// What one run returns.
type E3Rows = (Vec<E3Row>, Vec<E3Snapshot>, Vec<Warning>);

/// Runs E3.
pub fn run(config: &E3Config) -> Result<E3Result, Error> {
    config.validate()?;
    let mut triptychs = Vec::new();
    let mut jobs = Vec::new();
    for &gamma in &config.gammas {
        let grid = grid8(&config.grid, &config.reward(gamma))?;
        triptychs.push(Triptych {
            gamma,
            cells: config.grid.cells,
            reward: grid.support.reward().to_vec(),
            p0: grid.support.p0().to_vec(),
            p_star: target_law(grid.support.reward(), grid.support.p0()),
        });
        for &curator in &config.curators {
            jobs.push((gamma, curator, grid.support.clone()));
        }
    }
    // Runs are independent; each is deterministic, so running them in parallel changes nothing.
    let results: Vec<Result<E3Rows, Error>> = jobs
        .par_iter()
        .map(|(gamma, curator, support)| {
            let settings = DynamicsSettings {
                step: StepSettings {
                    k: curator.k,
                    rule: curator.rule,
                    evaluator: config.evaluator,
                    quadrature: config.quadrature,
                },
                lambda: config.lambda,
                rounds: config.rounds,
            };
            let mut snapshots = Vec::new();
            let traj = run_dynamics(support, &settings, |t, p| {
                if config.snapshot_rounds.contains(&t) {
                    snapshots.push(E3Snapshot {
                        gamma: *gamma,
                        curator: *curator,
                        round: t,
                        p: p.to_vec(),
                    });
                }
            })?;
            let rows = traj
                .rows
                .into_iter()
                .map(|row| E3Row { gamma: *gamma, row })
                .collect();
            Ok((rows, snapshots, traj.warnings))
        })
        .collect();
    let mut out = E3Result {
        rows: Vec::new(),
        snapshots: Vec::new(),
        triptychs,
        warnings: Vec::new(),
    };
    for r in results {
        let (rows, snaps, warns) = r?;
        out.rows.extend(rows);
        out.snapshots.extend(snaps);
        for w in warns {
            merge_warning(&mut out.warnings, w);
        }
    }
    Ok(out)
}
