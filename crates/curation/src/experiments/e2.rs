//! E2, the K sweep: K ∈ {1, 2, 4, 10, 100, 1000, ∞} on the worked example and a 10-atom
//! support. Per round: the A7 metrics, the T4 bound on this round's E[e^r] from the previous
//! round, the runner-up level's mass ratio next to ρ_K; per K: K·max|pH^K − pw/E w| (T2).

use crate::dynamics::{run_dynamics, DynamicsSettings};
use crate::error::{merge_warning, Error, Warning};
use crate::examples::{ten_atoms, worked};
use crate::experiments::non_empty;
use crate::laplace::Quadrature;
use crate::names::{Choices, Evaluator, Rule, Scale};
use crate::operator::{Levels, Operator, StepSettings};
use crate::support::Support;
use crate::theory::{runner_up_rate, t4_bound};

/// The supports of E2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum E2Support {
    /// The worked example (Δ = 1).
    Worked,
    /// The 10-atom support of [`crate::examples::ten_atoms`] (Δ = ½).
    TenAtoms,
}

impl E2Support {
    /// The support.
    pub fn support(self) -> Support {
        match self {
            E2Support::Worked => worked(),
            E2Support::TenAtoms => ten_atoms(),
        }
    }
}

/// E2 settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct E2Config {
    /// The values of K.
    pub ks: Vec<Choices>,
    /// The supports.
    pub supports: Vec<E2Support>,
    /// Rounds T.
    pub rounds: u32,
    /// Evaluator for finite K ≥ 2.
    pub evaluator: Evaluator,
    /// Quadrature of the Laplace evaluator.
    pub quadrature: Quadrature,
}

impl E2Config {
    /// The spec's settings (both scales): K ∈ {1, 2, 4, 10, 100, 1000, ∞}, both supports,
    /// T = 50, the Laplace evaluator.
    pub fn preset(_scale: Scale) -> E2Config {
        E2Config {
            ks: [1, 2, 4, 10, 100, 1000]
                .into_iter()
                .map(Choices::Finite)
                .chain([Choices::Infinite])
                .collect(),
            supports: vec![E2Support::Worked, E2Support::TenAtoms],
            rounds: 50,
            evaluator: Evaluator::Laplace,
            quadrature: Quadrature::default(),
        }
    }

    /// Refuses empty lists, K = 0, rounds = 0.
    pub fn validate(&self) -> Result<(), Error> {
        non_empty(&self.ks, "K values")?;
        non_empty(&self.supports, "supports")?;
        for k in &self.ks {
            k.validate()?;
        }
        lab::error::require(self.rounds >= 1, "rounds", f64::from(self.rounds), "≥ 1")?;
        self.quadrature.validate()?;
        Ok(())
    }
}

/// One round of one (support, K) run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E2Row {
    /// Support.
    pub support: E2Support,
    /// K.
    pub k: Choices,
    /// Round t.
    pub round: u32,
    /// E\[r\].
    pub expected_reward: f64,
    /// E[e^r].
    pub expected_weight: f64,
    /// Var[e^r].
    pub variance_weight: f64,
    /// q_t.
    pub q_top: f64,
    /// KL(p*‖p_t).
    pub kl_target: f64,
    /// |Σ pH − 1| of the step into this round.
    pub drift: Option<f64>,
    /// The T4 lower bound on this round's E[e^r], from round t − 1.
    pub t4_bound: Option<f64>,
    /// Mass of the runner-up level at t over its mass at t − 1.
    pub runner_up_ratio: Option<f64>,
    /// ρ_K for the support's gap Δ (T5).
    pub rho_k: f64,
}

/// T2 at round 0 for one (support, finite K).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E2KErrorRow {
    /// Support.
    pub support: E2Support,
    /// K.
    pub k: u32,
    /// K·max_x |p H^K(x) − p w/E_p w|.
    pub k_times_error: f64,
}

/// E2 output.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E2Result {
    /// Rows per (support, K, round).
    pub rows: Vec<E2Row>,
    /// T2 per (support, K ≥ 2).
    pub k_error: Vec<E2KErrorRow>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// Runs E2.
pub fn run(config: &E2Config) -> Result<E2Result, Error> {
    config.validate()?;
    let mut rows = Vec::new();
    let mut k_error = Vec::new();
    let mut warnings = Vec::new();
    for &which in &config.supports {
        let support = which.support();
        let levels = Levels::new(support.reward());
        let r_star = support.top_reward();
        // Runner-up level: the second-highest reward with p_0 mass.
        let masses0 = levels.masses(support.p0());
        let mut present: Vec<usize> = (0..levels.len()).filter(|&l| masses0[l] > 0.0).collect();
        present.sort();
        let runner_up = present.len().checked_sub(2).map(|i| present[i]);
        let delta = runner_up.map_or(f64::INFINITY, |l| r_star - levels.rewards()[l]);
        let replicator = Operator::new(support.reward(), StepSettings::softmax(Choices::Infinite))?
            .step(support.p0(), None)?
            .p_next;
        for &k in &config.ks {
            let step = StepSettings {
                k,
                rule: Rule::Softmax,
                evaluator: config.evaluator,
                quadrature: config.quadrature,
            };
            if let Some(kf) = k.get().filter(|&kf| kf >= 2) {
                let p1 = Operator::new(support.reward(), step)?
                    .step(support.p0(), None)?
                    .p_next;
                k_error.push(E2KErrorRow {
                    support: which,
                    k: kf,
                    k_times_error: f64::from(kf)
                        * p1.iter()
                            .zip(&replicator)
                            .map(|(a, b)| (a - b).abs())
                            .fold(0.0, f64::max),
                });
            }
            let mut runner_mass = Vec::new();
            let traj = run_dynamics(
                &support,
                &DynamicsSettings {
                    step,
                    lambda: 0.0,
                    rounds: config.rounds,
                },
                |_, p| runner_mass.push(runner_up.map(|l| levels.masses(p)[l])),
            )?;
            for w in traj.warnings {
                merge_warning(&mut warnings, w);
            }
            let rho = runner_up_rate(k.as_f64(), delta);
            for (t, r) in traj.rows.iter().enumerate() {
                let prev = t.checked_sub(1).map(|s| &traj.rows[s]);
                rows.push(E2Row {
                    support: which,
                    k,
                    round: r.round,
                    expected_reward: r.metrics.expected_reward,
                    expected_weight: r.metrics.expected_weight,
                    variance_weight: r.metrics.variance_weight,
                    q_top: r.metrics.q_top,
                    kl_target: r.metrics.kl_target,
                    drift: r.drift,
                    t4_bound: prev.map(|p| {
                        t4_bound(
                            p.metrics.expected_weight,
                            p.metrics.variance_weight,
                            k.as_f64(),
                            r_star,
                        )
                    }),
                    runner_up_ratio: match (t.checked_sub(1), runner_mass[t]) {
                        (Some(s), Some(now)) => runner_mass[s].map(|before| now / before),
                        _ => None,
                    },
                    rho_k: rho,
                });
            }
        }
    }
    Ok(E2Result {
        rows,
        k_error,
        warnings,
    })
}
