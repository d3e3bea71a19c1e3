//! Rewards on points (the hidden preference of the curators). The scale γ is part of the
//! reward; there is no separate temperature \[P\].

use crate::data::upper_arc_distance;
use crate::error::Error;
use crate::names::RewardKind;

/// A reward with its parameters.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reward {
    /// T9: r(x) = −γ·max(0, ‖x − centre‖ − r_min); top set the ball B(centre, r_min).
    Clipped {
        /// Scale γ.
        gamma: f64,
        /// Centre x*.
        centre: Vec<f64>,
        /// Radius of the flat top.
        r_min: f64,
    },
    /// T8: r(x) = aᵀx (unbounded: T4/T5 are vacuous, spec §7 pitfall 12).
    Linear {
        /// Direction a.
        a: Vec<f64>,
    },
    /// T8: r(x) = −(γ/2)‖x − c‖² (zero-mass argmax: collapse onto a point, pitfall 9).
    Quadratic {
        /// Scale γ.
        gamma: f64,
        /// Centre c.
        centre: Vec<f64>,
    },
    /// r(x) = −γ·max(0, dist(x, upper moon arc) − r_min): high on one moon (project choice; the
    /// paper's two-moons reward is unknown \[U\]).
    MoonTube {
        /// Scale γ.
        gamma: f64,
        /// Half width of the flat top around the arc.
        r_min: f64,
    },
    /// r = scale·q_class(x) from the reward classifier (P3, "airplane" = class 0) [S, C].
    Airplane {
        /// Scale (5 in P3).
        scale: f64,
        /// The rewarded class.
        class: usize,
    },
    /// r = scale·max_i q_i(x) from the reward classifier (P4) \[U\].
    Confidence {
        /// Scale (5 in P4).
        scale: f64,
    },
}

impl Reward {
    /// The family.
    pub fn kind(&self) -> RewardKind {
        match self {
            Reward::Clipped { .. } => RewardKind::Clipped,
            Reward::Linear { .. } => RewardKind::Linear,
            Reward::Quadratic { .. } => RewardKind::Quadratic,
            Reward::MoonTube { .. } => RewardKind::MoonTube,
            Reward::Airplane { .. } => RewardKind::Airplane,
            Reward::Confidence { .. } => RewardKind::Confidence,
        }
    }

    /// The project defaults of each family for points of dimension `dim` (2 for the clipped
    /// reward: E3's x* = (2, 0), r_min = 0.75, γ = 10; linear a = 0.5·1; quadratic γ = 1,
    /// c = 2·1; moon tube γ = 10, r_min = 0.25; classifier rewards scale 5).
    pub fn default_for(kind: RewardKind, dim: usize) -> Reward {
        match kind {
            RewardKind::Clipped => {
                let mut centre = vec![0.0; dim];
                if let Some(c) = centre.first_mut() {
                    *c = 2.0;
                }
                Reward::Clipped {
                    gamma: 10.0,
                    centre,
                    r_min: 0.75,
                }
            }
            RewardKind::Linear => Reward::Linear { a: vec![0.5; dim] },
            RewardKind::Quadratic => Reward::Quadratic {
                gamma: 1.0,
                centre: vec![2.0; dim],
            },
            RewardKind::MoonTube => Reward::MoonTube {
                gamma: 10.0,
                r_min: 0.25,
            },
            RewardKind::Airplane => Reward::Airplane {
                scale: 5.0,
                class: 0,
            },
            RewardKind::Confidence => Reward::Confidence { scale: 5.0 },
        }
    }

    /// The default reward of a data set of `curation loop`: linear on the Gaussian, the clipped
    /// ball on the 8 Gaussians, the moon tube on the moons.
    pub fn default_for_data(data: &crate::data::DataSpec) -> Reward {
        let kind = match data.kind() {
            crate::names::DataKind::Gaussian => RewardKind::Linear,
            crate::names::DataKind::Gmm8 => RewardKind::Clipped,
            crate::names::DataKind::Moons => RewardKind::MoonTube,
        };
        Reward::default_for(kind, data.dim())
    }

    /// Refuses parameters that are not finite, negative scales, and a dimension that does not
    /// match `dim` (classifier rewards accept any dimension).
    pub fn validate(&self, dim: usize) -> Result<(), Error> {
        let check_dim = |v: &[f64], what: &'static str| -> Result<(), Error> {
            if v.len() != dim {
                return Err(Error::Dimension {
                    what,
                    expected: dim,
                    found: v.len(),
                });
            }
            for &x in v {
                lab::error::finite(what, x)?;
            }
            Ok(())
        };
        match self {
            Reward::Clipped {
                gamma,
                centre,
                r_min,
            } => {
                lab::error::non_negative("gamma", *gamma)?;
                lab::error::non_negative("r_min", *r_min)?;
                check_dim(centre, "reward centre")?;
            }
            Reward::Linear { a } => check_dim(a, "linear reward a")?,
            Reward::Quadratic { gamma, centre } => {
                lab::error::non_negative("gamma", *gamma)?;
                check_dim(centre, "reward centre")?;
            }
            Reward::MoonTube { gamma, r_min } => {
                lab::error::non_negative("gamma", *gamma)?;
                lab::error::non_negative("r_min", *r_min)?;
                if dim != 2 {
                    return Err(Error::Dimension {
                        what: "the moon-tube reward",
                        expected: 2,
                        found: dim,
                    });
                }
            }
            Reward::Airplane { scale, class } => {
                lab::error::finite("reward scale", *scale)?;
                lab::error::require(
                    *class < 10_000,
                    "rewarded class",
                    *class as f64,
                    "a class index",
                )?;
            }
            Reward::Confidence { scale } => lab::error::finite("reward scale", *scale)?,
        }
        Ok(())
    }

    /// Whether the reward is a function of the point alone (not of a classifier).
    pub fn is_geometric(&self) -> bool {
        !matches!(self, Reward::Airplane { .. } | Reward::Confidence { .. })
    }

    /// r(x) for a geometric reward; `None` for classifier rewards.
    pub fn at(&self, x: &[f64]) -> Option<f64> {
        Some(match self {
            Reward::Clipped {
                gamma,
                centre,
                r_min,
            } => {
                let d = x
                    .iter()
                    .zip(centre)
                    .map(|(a, c)| (a - c) * (a - c))
                    .sum::<f64>()
                    .sqrt();
                -gamma * (d - r_min).max(0.0) + 0.0
            }
            Reward::Linear { a } => x.iter().zip(a).map(|(x, a)| x * a).sum(),
            Reward::Quadratic { gamma, centre } => {
                -0.5 * gamma
                    * x.iter()
                        .zip(centre)
                        .map(|(a, c)| (a - c) * (a - c))
                        .sum::<f64>()
            }
            Reward::MoonTube { gamma, r_min } => {
                -gamma * (upper_arc_distance(x) - r_min).max(0.0) + 0.0
            }
            Reward::Airplane { .. } | Reward::Confidence { .. } => return None,
        })
    }

    /// The reward of the top level set when it has positive volume (clipped and moon-tube: 0),
    /// else `None` (linear, quadratic: no top set of positive mass).
    pub fn top_level(&self) -> Option<f64> {
        match self {
            Reward::Clipped { .. } | Reward::MoonTube { .. } => Some(0.0),
            _ => None,
        }
    }

    /// r from a classifier's class probabilities `q` (classifier rewards only).
    pub fn from_probabilities(&self, q: &[f64]) -> Option<f64> {
        match self {
            Reward::Airplane { scale, class } => q.get(*class).map(|p| scale * p),
            Reward::Confidence { scale } => Some(scale * q.iter().copied().fold(0.0, f64::max)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipped_reward_is_flat_on_the_ball_and_linear_outside() {
        let r = Reward::default_for(RewardKind::Clipped, 2);
        assert_eq!(r.at(&[2.5, 0.0]), Some(0.0));
        assert!((r.at(&[2.0, 1.75]).unwrap() + 10.0).abs() < 1e-12);
        assert!(r.validate(1).is_err() && r.validate(2).is_ok());
        let q = Reward::Confidence { scale: 5.0 };
        assert_eq!(q.from_probabilities(&[0.1, 0.7, 0.2]), Some(3.5));
        assert_eq!(q.at(&[0.0]), None);
    }
}
