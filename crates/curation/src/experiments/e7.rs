//! E7, finite-sample toy loops: a GMM fitted by EM on 8 Gaussians with the E3 clipped reward,
//! and a KDE on two moons with a reward high on the upper moon; m ∈ {1000, 5000} (n = m real
//! points), K = 4, λ ∈ {0, 0.5, 1}, T = 50, 5 seeds.

use crate::data::DataSpec;
use crate::error::{merge_warning, Error, Warning};
use crate::experiments::non_empty;
use crate::loops::{run_loop, LoopConfig, LoopRow, Schedule};
use crate::models::ModelSpec;
use crate::names::{Choices, DataKind, ModelKind, RewardKind, Scale};
use crate::reward::Reward;

/// One (model, data, reward) combination.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct E7Case {
    /// Model.
    pub model: ModelSpec,
    /// Real data.
    pub data: DataSpec,
    /// Reward.
    pub reward: Reward,
}

/// E7 settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct E7Config {
    /// The combinations.
    pub cases: Vec<E7Case>,
    /// Kept samples per round m (n = m real points).
    pub ms: Vec<usize>,
    /// K.
    pub k: u32,
    /// The values of λ.
    pub lambdas: Vec<f64>,
    /// Rounds, seeds, rule, τ, n_eval.
    #[serde(flatten)]
    pub schedule: Schedule,
}

impl E7Config {
    /// Full: m ∈ {1000, 5000}, T = 50. Quick: m = 1000, T = 20. Both: the two cases, K = 4,
    /// λ ∈ {0, 0.5, 1}, 5 seeds, `kwise`.
    pub fn preset(scale: Scale) -> E7Config {
        let (ms, rounds) = match scale {
            Scale::Full => (vec![1000, 5000], 50),
            Scale::Quick => (vec![1000], 20),
        };
        E7Config {
            cases: vec![
                E7Case {
                    model: ModelSpec::default_for(ModelKind::Gmm),
                    data: DataSpec::default_for(DataKind::Gmm8),
                    reward: Reward::default_for(RewardKind::Clipped, 2),
                },
                E7Case {
                    model: ModelSpec::default_for(ModelKind::Kde),
                    data: DataSpec::default_for(DataKind::Moons),
                    reward: Reward::default_for(RewardKind::MoonTube, 2),
                },
            ],
            ms,
            k: 4,
            lambdas: vec![0.0, 0.5, 1.0],
            schedule: Schedule::new(rounds, 5),
        }
    }

    /// The loop of one (case, m, λ).
    pub fn loop_config(&self, case: &E7Case, m: usize, lambda: f64) -> LoopConfig {
        let mut c = LoopConfig::new(
            case.model.clone(),
            case.data.clone(),
            case.reward.clone(),
            m,
            lambda,
            self.schedule.rounds,
        );
        c.k = Choices::Finite(self.k);
        c.schedule = self.schedule;
        c
    }

    /// Refuses empty lists and whatever a loop refuses.
    pub fn validate(&self) -> Result<(), Error> {
        non_empty(&self.cases, "cases")?;
        non_empty(&self.ms, "m values")?;
        non_empty(&self.lambdas, "lambda values")?;
        for case in &self.cases {
            for &m in &self.ms {
                for &l in &self.lambdas {
                    self.loop_config(case, m, l).validate()?;
                }
            }
        }
        Ok(())
    }

    /// The largest memory estimate of its loops (they run one after another).
    pub fn memory_bytes(&self) -> u64 {
        let mut most = 0;
        for case in &self.cases {
            for &m in &self.ms {
                for &l in &self.lambdas {
                    most = most.max(self.loop_config(case, m, l).memory_bytes());
                }
            }
        }
        most
    }
}

/// One round of one seed of one (case, m, λ).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E7Row {
    /// Index of the case.
    pub case: usize,
    /// Model family.
    pub model: ModelKind,
    /// Data set.
    pub data: DataKind,
    /// m (= n).
    pub m: usize,
    /// The loop's row (rule, K, λ, seed, round, metrics).
    #[serde(flatten)]
    pub row: LoopRow,
}

/// E7 output.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E7Result {
    /// Rows per (case, m, λ, seed, round).
    pub rows: Vec<E7Row>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// Runs E7.
pub fn run(config: &E7Config) -> Result<E7Result, Error> {
    config.validate()?;
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    for (i, case) in config.cases.iter().enumerate() {
        for &m in &config.ms {
            for &lambda in &config.lambdas {
                let result = run_loop(&config.loop_config(case, m, lambda))?;
                for w in result.warnings {
                    merge_warning(&mut warnings, w);
                }
                rows.extend(result.rows.into_iter().map(|row| E7Row {
                    case: i,
                    model: case.model.kind(),
                    data: case.data.kind(),
                    m,
                    row,
                }));
            }
        }
    }
    Ok(E7Result { rows, warnings })
}
