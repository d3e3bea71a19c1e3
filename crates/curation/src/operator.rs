//! A1: the exact one-step operator on a finite support (Eq. 6) \[P\]
//!
//! p_{t+1} = α p_data + (1 − α) p_t H^K_{p_t} / Σ(p_t H^K_{p_t}),
//! H^K_p(x) = E_{y_1..y_{K−1} ~ p}[ K w(x) / (w(x) + Σ_i w(y_i)) ],   w = e^r.
//!
//! K = 1 gives H ≡ 1; K = ∞ the replicator step H = w/E_p\[w\] (Lemma 2.1) \[P\]; the hard max
//! rule (γ → ∞ at integer K) H = (G_ℓ^K − G_{ℓ−1}^K)/P_ℓ on reward level ℓ, with G_ℓ = P(r ≤ r_ℓ)
//! and ties broken uniformly \[D\]. For softmax at finite K ≥ 2 the [`Evaluator`] chooses
//! brute-force enumeration, level counts or the Laplace integral.
//!
//! Weights are rescaled by the largest weight on the support, ŵ = e^{r − r_top} (H is invariant
//! to adding a constant to r). The drift |Σ pH − 1| is recorded before dividing by the sum
//! (spec §7, pitfall 1), then the result is renormalised and mixed.

use crate::error::{Error, Warning};
use crate::exact::{brute_h, counts_h};
use crate::laplace::{self, Quadrature};
use crate::names::{Choices, Evaluator, Rule};
use crate::numeric;
use crate::support::top_reward;

/// The distinct rewards of a support, ascending, and the level of each atom.
#[derive(Clone, Debug, PartialEq)]
pub struct Levels {
    rewards: Vec<f64>,
    of_atom: Vec<u32>,
}

impl Levels {
    /// Groups atoms with bit-identical rewards (−0 counts as +0).
    pub fn new(reward: &[f64]) -> Levels {
        let key = |r: f64| r + 0.0;
        let mut order: Vec<usize> = (0..reward.len()).collect();
        order.sort_by(|&a, &b| key(reward[a]).total_cmp(&key(reward[b])));
        let mut rewards = Vec::new();
        let mut of_atom = vec![0u32; reward.len()];
        for &i in &order {
            let r = key(reward[i]);
            if rewards.last() != Some(&r) {
                rewards.push(r);
            }
            of_atom[i] = (rewards.len() - 1) as u32;
        }
        Levels { rewards, of_atom }
    }

    /// Number of levels.
    pub fn len(&self) -> usize {
        self.rewards.len()
    }

    /// Whether there are no levels.
    pub fn is_empty(&self) -> bool {
        self.rewards.is_empty()
    }

    /// The distinct rewards, ascending.
    pub fn rewards(&self) -> &[f64] {
        &self.rewards
    }

    /// The level of each atom.
    pub fn of_atom(&self) -> &[u32] {
        &self.of_atom
    }

    /// The mass P_ℓ of each level under `p` (summed in atom order).
    pub fn masses(&self, p: &[f64]) -> Vec<f64> {
        let mut m = vec![0.0; self.len()];
        for (&l, &q) in self.of_atom.iter().zip(p) {
            m[l as usize] += q;
        }
        m
    }
}

/// The settings of the one-step operator.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StepSettings {
    /// Candidates per choice.
    pub k: Choices,
    /// Softmax (the paper) or hard max.
    pub rule: Rule,
    /// How H is evaluated for softmax at finite K ≥ 2 (hard max uses its closed form unless
    /// `Brute` is asked for, which enumerates).
    pub evaluator: Evaluator,
    /// Quadrature of the Laplace evaluator.
    pub quadrature: Quadrature,
}

impl StepSettings {
    /// Softmax at K with the Laplace evaluator and the spec's quadrature.
    pub fn softmax(k: Choices) -> StepSettings {
        StepSettings {
            k,
            rule: Rule::Softmax,
            evaluator: Evaluator::Laplace,
            quadrature: Quadrature::default(),
        }
    }

    /// Refuses K = 0 and a bad quadrature.
    pub fn validate(&self) -> Result<(), Error> {
        self.k.validate()?;
        self.quadrature.validate()?;
        Ok(())
    }
}

/// H^K_p at every atom.
#[derive(Clone, Debug, PartialEq)]
pub struct HValues {
    /// H per atom.
    pub h: Vec<f64>,
    /// Warnings (weights that underflow to 0 on the support).
    pub warnings: Vec<Warning>,
}

/// One step of the operator.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// H^K_{p_t} per atom.
    pub h: Vec<f64>,
    /// p_{t+1} per atom (renormalised, mixed).
    pub p_next: Vec<f64>,
    /// |Σ p_t H − 1| before renormalising.
    pub drift: f64,
    /// Warnings of this step.
    pub warnings: Vec<Warning>,
}

/// The one-step operator for a fixed reward vector: levels are computed once and reused.
#[derive(Clone, Debug)]
pub struct Operator {
    reward: Vec<f64>,
    levels: Levels,
    settings: StepSettings,
}

/// The real-data share α = 1/(1 + λ), with λ = 0 meaning fully synthetic (α = 0): the
/// synthetic:real ratio convention of QB3/gen_models_dont_go_mad \[C\] (\[U\] for this paper).
pub fn real_share(lambda: f64) -> f64 {
    if lambda == 0.0 {
        0.0
    } else {
        1.0 / (1.0 + lambda)
    }
}

impl Operator {
    /// The operator for `reward` (finite values) under `settings`.
    pub fn new(reward: &[f64], settings: StepSettings) -> Result<Operator, Error> {
        settings.validate()?;
        if reward.is_empty() {
            return Err(Error::EmptySupport);
        }
        if let Some(atom) = reward.iter().position(|r| !r.is_finite()) {
            return Err(Error::NonFinite {
                column: "reward",
                atom,
                value: reward[atom],
            });
        }
        Ok(Operator {
            reward: reward.to_vec(),
            levels: Levels::new(reward),
            settings,
        })
    }

    /// The settings.
    pub fn settings(&self) -> &StepSettings {
        &self.settings
    }

    /// The reward levels.
    pub fn levels(&self) -> &Levels {
        &self.levels
    }

    /// H^K_p at every atom for a probability vector `p` (≥ 0, summing to ≈ 1).
    pub fn h(&self, p: &[f64]) -> Result<HValues, Error> {
        if p.len() != self.reward.len() {
            return Err(Error::LengthMismatch {
                what: "p",
                expected: self.reward.len(),
                found: p.len(),
            });
        }
        let r_top = top_reward(&self.reward, p);
        if r_top == f64::NEG_INFINITY {
            return Err(Error::NotNormalised {
                column: "p",
                sum: 0.0,
                off_by: 1.0,
            });
        }
        let lv = &self.levels;
        let mass = lv.masses(p);
        let v: Vec<f64> = lv.rewards().iter().map(|r| (r - r_top).exp()).collect();
        let mut warnings = Vec::new();
        let (mut under, mut spread) = (0usize, 0.0f64);
        for (i, &q) in p.iter().enumerate() {
            if q > 0.0 && v[lv.of_atom[i] as usize] == 0.0 {
                under += 1;
                spread = spread.max(r_top - self.reward[i]);
            }
        }
        if under > 0 {
            warnings.push(Warning::WeightUnderflow {
                atoms: under,
                spread,
            });
        }
        let s = &self.settings;
        let per_level: Vec<f64> = match (s.k, s.rule) {
            (Choices::Finite(1), _) => vec![1.0; lv.len()],
            (_, Rule::Hardmax) if s.evaluator == Evaluator::Brute => {
                let k = s.k.get().ok_or(Error::InfiniteK {
                    what: "the brute-force evaluator",
                })?;
                let w: Vec<f64> = self.reward.iter().map(|r| (r - r_top).exp()).collect();
                let h = brute_h(&w, &self.reward, p, k, Rule::Hardmax)?;
                return Ok(HValues { h, warnings });
            }
            (k, Rule::Hardmax) => hardmax_h(&mass, k),
            (Choices::Infinite, Rule::Softmax) => {
                let total = numeric::sum(&mass);
                let mean_w = numeric::sum_iter(mass.iter().zip(&v).map(|(m, w)| m * w)) / total;
                v.iter().map(|w| w / mean_w).collect()
            }
            (Choices::Finite(k), Rule::Softmax) => match s.evaluator {
                Evaluator::Brute => {
                    let w: Vec<f64> = self.reward.iter().map(|r| (r - r_top).exp()).collect();
                    let h = brute_h(&w, &self.reward, p, k, Rule::Softmax)?;
                    return Ok(HValues { h, warnings });
                }
                Evaluator::Levels => counts_h(&v, &mass, k)?,
                Evaluator::Laplace => laplace::h_levels(&v, &mass, k, &s.quadrature),
            },
        };
        let h = lv.of_atom.iter().map(|&l| per_level[l as usize]).collect();
        Ok(HValues { h, warnings })
    }

    /// One step: p_{t+1} = α p_data + (1 − α) pH/Σ(pH). `mix = None` means α = 0.
    pub fn step(&self, p: &[f64], mix: Option<(&[f64], f64)>) -> Result<Step, Error> {
        let HValues { h, warnings } = self.h(p)?;
        let ph: Vec<f64> = p
            .iter()
            .zip(&h)
            .map(|(&q, &hx)| if q > 0.0 { q * hx } else { 0.0 })
            .collect();
        let total = numeric::sum(&ph);
        let drift = (total - 1.0).abs();
        let p_next = match mix {
            Some((p_data, alpha)) if alpha > 0.0 => {
                if p_data.len() != p.len() {
                    return Err(Error::LengthMismatch {
                        what: "p_data",
                        expected: p.len(),
                        found: p_data.len(),
                    });
                }
                ph.iter()
                    .zip(p_data)
                    .map(|(&x, &d)| alpha * d + (1.0 - alpha) * x / total)
                    .collect()
            }
            _ => ph.iter().map(|&x| x / total).collect(),
        };
        Ok(Step {
            h,
            p_next,
            drift,
            warnings,
        })
    }
}

/// Hard max H per level: (G_ℓ^K − G_{ℓ−1}^K)/P_ℓ with G the cumulative normalised mass of the
/// ascending levels, computed as G_ℓ^K·(1 − (1 − P_ℓ/G_ℓ)^K)/P_ℓ; K·G^{K−1} on levels without
/// mass (the limit). K = ∞: 1/P_top on the top level with mass, 0 below.
pub fn hardmax_h(mass: &[f64], k: Choices) -> Vec<f64> {
    // Plain sum in the same order as the running prefix, so G = 1 exactly on the top level.
    let total: f64 = mass.iter().sum();
    let mut out = Vec::with_capacity(mass.len());
    let mut below = 0.0;
    for &m in mass {
        let pm = m / total;
        let g = (below + m) / total;
        below += m;
        out.push(match k {
            Choices::Finite(k) => {
                let kf = f64::from(k);
                if g <= 0.0 {
                    if k == 1 {
                        1.0
                    } else {
                        0.0
                    }
                } else if pm > 0.0 {
                    g.powf(kf) * -(kf * (-pm / g).ln_1p()).exp_m1() / pm
                } else {
                    kf * g.powf(kf - 1.0)
                }
            }
            Choices::Infinite => {
                if g < 1.0 {
                    0.0
                } else if pm > 0.0 {
                    1.0 / pm
                } else {
                    f64::INFINITY
                }
            }
        });
    }
    out
}
