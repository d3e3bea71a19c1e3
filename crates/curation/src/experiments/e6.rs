//! E6, the Gaussian loop (model (i)): real data N(0, I) in 1-D or 2-D, m = n, `kwise`
//! curation, linear and quadratic rewards. Each row carries the fitted model's mean and
//! covariance next to the K = ∞ closed form T8 at that round (from p_0 = N(0, I)); at K = 1 the
//! fitted variance shrinks in expectation by (n−1)/n per round.

use crate::data::DataSpec;
use crate::error::{merge_warning, Error, Warning};
use crate::experiments::non_empty;
use crate::loops::{run_loop, LoopConfig, LoopRow, Schedule};
use crate::models::ModelSpec;
use crate::names::{Choices, CurationRule, RewardKind, Scale};
use crate::reward::Reward;
use crate::theory::{gaussian_linear, gaussian_quadratic, GaussianLaw};

/// One Gaussian loop.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct E6Case {
    /// Dimension (1 or 2).
    pub dim: usize,
    /// Real samples n (= kept per round m).
    pub n: usize,
    /// K (finite).
    pub k: u32,
    /// Linear or quadratic reward.
    pub reward: Reward,
    /// Rounds T.
    pub rounds: u32,
    /// Seeds.
    pub seeds: u32,
}

impl E6Case {
    /// A 1-D case with the default reward of `kind` (linear a = ½, quadratic γ = 1, c = 2).
    pub fn one_dimensional(kind: RewardKind, n: usize, k: u32, rounds: u32, seeds: u32) -> E6Case {
        E6Case {
            dim: 1,
            n,
            k,
            reward: Reward::default_for(kind, 1),
            rounds,
            seeds,
        }
    }
}

/// E6 settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct E6Config {
    /// The loops.
    pub cases: Vec<E6Case>,
    /// First seed.
    pub seed: u64,
    /// Curation rule (the paper's: kwise).
    pub rule: CurationRule,
    /// Softmax temperature τ.
    pub tau: f64,
    /// Fresh samples per round for the sample metrics.
    pub n_eval: usize,
}

impl E6Config {
    /// Full: dims {1, 2} × n {100, 1000, 10⁴} × K {1, 4, 1000} × {linear a = ½, quadratic γ = 1,
    /// c = 2}, T = 10, 10 seeds; plus K = 1, n = 100, T = 50, 400 seeds. Quick: 1-D, n = 1000,
    /// K {1, 4, 100}, T = 20, 5 seeds; plus the same K = 1 variance case.
    pub fn preset(scale: Scale) -> E6Config {
        let (dims, ns, ks, rounds, seeds): (Vec<usize>, Vec<usize>, Vec<u32>, u32, u32) =
            match scale {
                Scale::Full => (
                    vec![1, 2],
                    vec![100, 1000, 10_000],
                    vec![1, 4, 1000],
                    10,
                    10,
                ),
                Scale::Quick => (vec![1], vec![1000], vec![1, 4, 100], 20, 5),
            };
        let mut cases = Vec::new();
        for &dim in &dims {
            for &n in &ns {
                for &k in &ks {
                    for kind in [RewardKind::Linear, RewardKind::Quadratic] {
                        cases.push(E6Case {
                            dim,
                            n,
                            k,
                            reward: Reward::default_for(kind, dim),
                            rounds,
                            seeds,
                        });
                    }
                }
            }
        }
        cases.push(E6Case::one_dimensional(RewardKind::Linear, 100, 1, 50, 400));
        E6Config {
            cases,
            seed: 0,
            rule: CurationRule::Kwise,
            tau: 1.0,
            n_eval: 1000,
        }
    }

    /// The loop of one case.
    pub fn loop_config(&self, case: &E6Case) -> LoopConfig {
        let mut c = LoopConfig::new(
            ModelSpec::Gaussian,
            DataSpec::Gaussian {
                mean: vec![0.0; case.dim],
                sd: 1.0,
            },
            case.reward.clone(),
            case.n,
            0.0,
            case.rounds,
        );
        c.k = Choices::Finite(case.k);
        c.schedule = Schedule {
            rounds: case.rounds,
            seeds: case.seeds,
            seed: self.seed,
            rule: self.rule,
            tau: self.tau,
            n_eval: self.n_eval,
        };
        c.n_reference = 0;
        c
    }

    /// Refuses an empty case list, rewards other than linear/quadratic, and whatever a case's
    /// loop refuses.
    pub fn validate(&self) -> Result<(), Error> {
        non_empty(&self.cases, "cases")?;
        for case in &self.cases {
            if !matches!(
                case.reward,
                Reward::Linear { .. } | Reward::Quadratic { .. }
            ) {
                return Err(Error::UnsupportedReward {
                    reward: case.reward.kind(),
                    what: "E6 (linear or quadratic)",
                });
            }
            self.loop_config(case).validate()?;
        }
        Ok(())
    }

    /// The largest memory estimate of its cases (they run one after another).
    pub fn memory_bytes(&self) -> u64 {
        self.cases
            .iter()
            .map(|c| self.loop_config(c).memory_bytes())
            .max()
            .unwrap_or(0)
    }
}

/// One round of one seed of one case.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E6Row {
    /// Index of the case in the config.
    pub case: usize,
    /// Dimension.
    pub dim: usize,
    /// n.
    pub n: usize,
    /// Reward family.
    pub reward: RewardKind,
    /// T8 mean at this round (K = ∞, from p_0 = N(0, I)).
    pub theory_mean: Vec<f64>,
    /// T8 covariance at this round, row-major.
    pub theory_cov: Vec<f64>,
    /// The loop's row.
    #[serde(flatten)]
    pub row: LoopRow,
}

/// E6 output.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E6Result {
    /// Rows per (case, seed, round).
    pub rows: Vec<E6Row>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// The T8 law after t rounds at K = ∞ from N(0, I).
fn t8_law(reward: &Reward, dim: usize, t: f64) -> Result<GaussianLaw, Error> {
    let mut cov = vec![0.0; dim * dim];
    for i in 0..dim {
        cov[i * dim + i] = 1.0;
    }
    let p0 = GaussianLaw {
        mean: vec![0.0; dim],
        cov,
    };
    match reward {
        Reward::Linear { a } => Ok(gaussian_linear(&p0, a, t)),
        Reward::Quadratic { gamma, centre } => gaussian_quadratic(&p0, *gamma, centre, t),
        other => Err(Error::UnsupportedReward {
            reward: other.kind(),
            what: "T8 (linear or quadratic)",
        }),
    }
}

/// Runs E6 (cases one after another, seeds of a case in parallel).
pub fn run(config: &E6Config) -> Result<E6Result, Error> {
    config.validate()?;
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    for (i, case) in config.cases.iter().enumerate() {
        let laws: Vec<GaussianLaw> = (0..=case.rounds)
            .map(|t| t8_law(&case.reward, case.dim, f64::from(t)))
            .collect::<Result<_, _>>()?;
        let result = run_loop(&config.loop_config(case))?;
        for w in result.warnings {
            merge_warning(&mut warnings, w);
        }
        for row in result.rows {
            let law = &laws[row.key.round as usize];
            rows.push(E6Row {
                case: i,
                dim: case.dim,
                n: case.n,
                reward: case.reward.kind(),
                theory_mean: law.mean.clone(),
                theory_cov: law.cov.clone(),
                row,
            });
        }
    }
    Ok(E6Result { rows, warnings })
}
