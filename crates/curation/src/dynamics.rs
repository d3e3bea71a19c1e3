//! Population dynamics: T rounds of the exact operator (A1) on a finite support, with the A7
//! metrics of every round (rounds 0..=T) and an observer that sees every p_t.

use crate::error::{merge_warning, Error, Warning};
use crate::metrics::{population_metrics, PopulationMetrics};
use crate::names::{Choices, Rule};
use crate::operator::{real_share, Operator, StepSettings};
use crate::support::Support;

/// The settings of one trajectory.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DynamicsSettings {
    /// The one-step operator (K, rule, evaluator, quadrature).
    pub step: StepSettings,
    /// Synthetic:real ratio λ ≥ 0 (α = 1/(1 + λ); λ = 0 is fully synthetic).
    pub lambda: f64,
    /// Number of rounds T ≥ 1.
    pub rounds: u32,
}

impl DynamicsSettings {
    /// Refuses K = 0, λ < 0 or non-finite, rounds = 0, a bad quadrature.
    pub fn validate(&self) -> Result<(), Error> {
        self.step.validate()?;
        lab::error::non_negative("lambda", self.lambda)?;
        lab::error::require(self.rounds >= 1, "rounds", f64::from(self.rounds), "≥ 1")?;
        Ok(())
    }
}

/// The metrics of one round of one trajectory: the row of `curation dynamics --format csv`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DynamicsRow {
    /// K.
    pub k: Choices,
    /// Softmax or hard max.
    pub rule: Rule,
    /// λ.
    pub lambda: f64,
    /// Round t (0 = initial).
    pub round: u32,
    /// The A7 metrics of p_t.
    #[serde(flatten)]
    pub metrics: PopulationMetrics,
    /// |Σ p_{t−1}H − 1| of the step that produced p_t (None at round 0).
    pub drift: Option<f64>,
}

/// One trajectory.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// Rows for rounds 0..=T.
    pub rows: Vec<DynamicsRow>,
    /// p_T.
    pub last: Vec<f64>,
    /// Warnings (each kind once).
    pub warnings: Vec<Warning>,
}

/// Runs T rounds from p_0 of `support`; `observe(t, p_t)` is called for t = 0..=T.
pub fn run_dynamics(
    support: &Support,
    settings: &DynamicsSettings,
    mut observe: impl FnMut(u32, &[f64]),
) -> Result<Trajectory, Error> {
    settings.validate()?;
    let op = Operator::new(support.reward(), settings.step)?;
    let alpha = real_share(settings.lambda);
    let r_star = support.top_reward();
    let row = |round: u32, p: &[f64], drift: Option<f64>| DynamicsRow {
        k: settings.step.k,
        rule: settings.step.rule,
        lambda: settings.lambda,
        round,
        metrics: population_metrics(p, support.reward(), support.p_data(), r_star),
        drift,
    };
    let mut p = support.p0().to_vec();
    let mut rows = vec![row(0, &p, None)];
    observe(0, &p);
    let mut warnings = Vec::new();
    for t in 1..=settings.rounds {
        let step = op.step(&p, Some((support.p_data(), alpha)))?;
        for w in step.warnings {
            merge_warning(&mut warnings, w);
        }
        p = step.p_next;
        rows.push(row(t, &p, Some(step.drift)));
        observe(t, &p);
    }
    Ok(Trajectory {
        rows,
        last: p,
        warnings,
    })
}
