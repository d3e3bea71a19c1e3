//! E5, class-level bias amplification (the P3/P4 analogue): 10 classes × 5 confidence bins,
//! the airplane reward 5·q_0 and the confidence reward 5·max_i q_i, K = 4, λ ∈ {0, 0.5, 1},
//! T = 20. Per round: class shares and their entropy. Also T7, the misaligned-curation
//! identity at K = ∞: E_{p_1}[e^r] − E_{p_0}[e^r] = Cov_{p_0}(e^r, e^{r′})/E_{p_0}[e^{r′}] when users
//! curate with r′ while quality is r.

use crate::dynamics::{run_dynamics, DynamicsRow, DynamicsSettings};
use crate::error::{merge_warning, Error, Warning};
use crate::examples::{classes, ClassesSpec};
use crate::experiments::non_empty;
use crate::laplace::Quadrature;
use crate::metrics::{group_shares, population_metrics};
use crate::names::{Choices, Evaluator, RewardKind, Rule, Scale};
use crate::numeric::{entropy, sum_iter};
use crate::operator::{Operator, StepSettings};

/// E5 settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct E5Config {
    /// The class layout.
    pub classes: ClassesSpec,
    /// Rewards (airplane, confidence).
    pub rewards: Vec<RewardKind>,
    /// K.
    pub k: Choices,
    /// Softmax or hard max.
    pub rule: Rule,
    /// The values of λ.
    pub lambdas: Vec<f64>,
    /// Rounds T.
    pub rounds: u32,
    /// Evaluator for finite K ≥ 2.
    pub evaluator: Evaluator,
    /// Quadrature of the Laplace evaluator.
    pub quadrature: Quadrature,
}

impl E5Config {
    /// The spec's settings (both scales).
    pub fn preset(_scale: Scale) -> E5Config {
        E5Config {
            classes: ClassesSpec::default(),
            rewards: vec![RewardKind::Airplane, RewardKind::Confidence],
            k: Choices::Finite(4),
            rule: Rule::Softmax,
            lambdas: vec![0.0, 0.5, 1.0],
            rounds: 20,
            evaluator: Evaluator::Laplace,
            quadrature: Quadrature::default(),
        }
    }

    /// Refuses a bad layout, rewards other than airplane/confidence, K = 0, λ < 0, rounds = 0.
    pub fn validate(&self) -> Result<(), Error> {
        self.classes.validate()?;
        non_empty(&self.rewards, "rewards")?;
        non_empty(&self.lambdas, "lambda values")?;
        for &r in &self.rewards {
            if !matches!(r, RewardKind::Airplane | RewardKind::Confidence) {
                return Err(Error::UnsupportedReward {
                    reward: r,
                    what: "E5 (airplane or confidence)",
                });
            }
        }
        self.k.validate()?;
        for &l in &self.lambdas {
            lab::error::non_negative("lambda", l)?;
        }
        lab::error::require(self.rounds >= 1, "rounds", f64::from(self.rounds), "≥ 1")?;
        self.quadrature.validate()?;
        Ok(())
    }
}

/// One round of one (reward, λ) run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E5Row {
    /// The curators' reward.
    pub reward: RewardKind,
    /// The dynamics row (K, rule, λ, round, A7 metrics, drift).
    #[serde(flatten)]
    pub row: DynamicsRow,
    /// Share π_c of each class.
    pub class_shares: Vec<f64>,
    /// Entropy of the class shares over ln C (1 = uniform).
    pub class_entropy_ratio: f64,
}

/// T7 for one (quality, curation) pair of rewards, one K = ∞ step from p_0.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E5Misaligned {
    /// The quality reward r.
    pub quality: RewardKind,
    /// The curators' reward r′.
    pub curation: RewardKind,
    /// E_{p_1}[e^r] − E_{p_0}[e^r] with p_1 the replicator step under r′.
    pub gain: f64,
    /// Cov_{p_0}(e^r, e^{r′})/E_{p_0}[e^{r′}].
    pub covariance_ratio: f64,
}

/// E5 output.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E5Result {
    /// Rows per (reward, λ, round).
    pub rows: Vec<E5Row>,
    /// T7 per ordered pair of distinct rewards.
    pub misaligned: Vec<E5Misaligned>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// Runs E5.
pub fn run(config: &E5Config) -> Result<E5Result, Error> {
    config.validate()?;
    let c = config.classes.classes;
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    for &reward in &config.rewards {
        let ex = classes(&config.classes, reward)?;
        for &lambda in &config.lambdas {
            let settings = DynamicsSettings {
                step: StepSettings {
                    k: config.k,
                    rule: config.rule,
                    evaluator: config.evaluator,
                    quadrature: config.quadrature,
                },
                lambda,
                rounds: config.rounds,
            };
            let mut shares = Vec::new();
            let traj = run_dynamics(&ex.support, &settings, |_, p| {
                shares.push(group_shares(p, &ex.class, c))
            })?;
            for w in traj.warnings {
                merge_warning(&mut warnings, w);
            }
            for (row, s) in traj.rows.into_iter().zip(shares) {
                rows.push(E5Row {
                    reward,
                    row,
                    class_entropy_ratio: entropy(&s) / (c as f64).ln(),
                    class_shares: s,
                });
            }
        }
    }
    let mut misaligned = Vec::new();
    for &quality in &config.rewards {
        for &curation in &config.rewards {
            if quality == curation {
                continue;
            }
            let q = classes(&config.classes, quality)?.support;
            let cur = classes(&config.classes, curation)?.support;
            let p1 = Operator::new(cur.reward(), StepSettings::softmax(Choices::Infinite))?
                .step(q.p0(), None)?
                .p_next;
            let e = |p: &[f64]| {
                population_metrics(p, q.reward(), q.p_data(), q.top_reward()).expected_weight
            };
            let p0 = q.p0();
            let ew = |r: &[f64]| sum_iter(p0.iter().zip(r).map(|(p, x)| p * x.exp()));
            let (er, erp) = (ew(q.reward()), ew(cur.reward()));
            let cov = sum_iter(
                p0.iter()
                    .zip(q.reward().iter().zip(cur.reward()))
                    .map(|(p, (a, b))| p * (a.exp() - er) * (b.exp() - erp)),
            );
            misaligned.push(E5Misaligned {
                quality,
                curation,
                gain: e(&p1) - e(p0),
                covariance_ratio: cov / erp,
            });
        }
    }
    Ok(E5Result {
        rows,
        misaligned,
        warnings,
    })
}
