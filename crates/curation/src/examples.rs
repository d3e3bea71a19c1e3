//! The built-in supports of the population experiments: the worked example (spec §4), a
//! 10-atom support (E2), the 8-Gaussian grid with the clipped reward (E3/E4) and the
//! 10-class × 5-bin classifier atoms (E5).

use crate::error::Error;
use crate::names::{Example, RewardKind};
use crate::support::Support;
use std::f64::consts::TAU;

/// The worked example of spec §4: p_0 = (0.5, 0.3, 0.2), r = (0, 1, 2), p_data = p_0.
pub fn worked() -> Support {
    Support::new(vec![0.0, 1.0, 2.0], vec![0.5, 0.3, 0.2], None).expect("valid by construction")
}

/// A 10-atom support for E2 (project choice, not from the paper): r_i = i/2 and
/// p_0(i) ∝ 10 − i for i = 0..9, so the top atom is the rarest (mass 1/55) and the gap to the
/// runner-up is Δ = ½.
pub fn ten_atoms() -> Support {
    let reward = (0..10).map(|i| f64::from(i) / 2.0).collect();
    let p0 = (0..10).map(|i| f64::from(10 - i) / 55.0).collect();
    Support::new(reward, p0, None).expect("valid by construction")
}

/// The E3 grid: `cells`×`cells` cells with centres −h + (i + ½)(2h/cells) per axis, p_0 = p_data
/// = the equal-weight mixture of `modes` isotropic Gaussians (sd `sd`, centres on the circle of
/// radius `radius` at angles 2πj/modes) evaluated at cell centres and normalised (project
/// defaults: 128, h = 4, 8 modes, radius 2, sd 0.25).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GridSpec {
    /// Cells per axis.
    pub cells: usize,
    /// The grid covers [−half_width, half_width]².
    pub half_width: f64,
    /// Number of Gaussian modes.
    pub modes: usize,
    /// Radius of the circle of mode centres.
    pub radius: f64,
    /// Standard deviation of each mode.
    pub sd: f64,
}

impl Default for GridSpec {
    fn default() -> GridSpec {
        GridSpec {
            cells: 128,
            half_width: 4.0,
            modes: 8,
            radius: 2.0,
            sd: 0.25,
        }
    }
}

impl GridSpec {
    /// Refuses 0 cells or modes, non-positive widths.
    pub fn validate(&self) -> Result<(), Error> {
        lab::error::require(self.cells >= 1, "grid cells", self.cells as f64, "≥ 1")?;
        lab::error::require(
            self.cells <= 4096,
            "grid cells",
            self.cells as f64,
            "≤ 4096",
        )?;
        lab::error::require(self.modes >= 1, "modes", self.modes as f64, "≥ 1")?;
        lab::error::positive("grid half width", self.half_width)?;
        lab::error::non_negative("mode radius", self.radius)?;
        lab::error::positive("mode sd", self.sd)?;
        Ok(())
    }

    /// The centre of mode j.
    pub fn mode_centre(&self, j: usize) -> [f64; 2] {
        let a = TAU * j as f64 / self.modes as f64;
        [self.radius * a.cos(), self.radius * a.sin()]
    }

    /// The centre coordinate of cell index i along one axis.
    pub fn cell_coordinate(&self, i: usize) -> f64 {
        -self.half_width + (i as f64 + 0.5) * (2.0 * self.half_width / self.cells as f64)
    }
}

/// The clipped reward (T9) r(x) = −γ·max(0, ‖x − x*‖ − r_min); top set = the ball B(x*, r_min).
/// E3 defaults: x* = (2, 0), r_min = 0.75 (Wei & Zhang use γ = 10, r_min = 3 \[C\]; the paper's
/// values are \[U\]).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClippedBall {
    /// Scale γ.
    pub gamma: f64,
    /// Centre x*.
    pub centre: [f64; 2],
    /// Radius of the flat top r_min.
    pub r_min: f64,
}

impl ClippedBall {
    /// The E3 reward at scale γ: x* = (2, 0), r_min = 0.75.
    pub fn e3(gamma: f64) -> ClippedBall {
        ClippedBall {
            gamma,
            centre: [2.0, 0.0],
            r_min: 0.75,
        }
    }

    /// Refuses a negative or non-finite γ or r_min.
    pub fn validate(&self) -> Result<(), Error> {
        lab::error::non_negative("gamma", self.gamma)?;
        lab::error::non_negative("r_min", self.r_min)?;
        lab::error::finite("x*", self.centre[0])?;
        lab::error::finite("x*", self.centre[1])?;
        Ok(())
    }

    /// r(x).
    pub fn reward(&self, x: [f64; 2]) -> f64 {
        let d = ((x[0] - self.centre[0]).powi(2) + (x[1] - self.centre[1]).powi(2)).sqrt();
        -self.gamma * (d - self.r_min).max(0.0) + 0.0
    }
}

/// The E3 grid as a support, with the cell centres and the nearest mode of every cell.
/// Atom a = row·cells + col: x from the column, y from the row.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// The layout.
    pub spec: GridSpec,
    /// Rewards, p_0 = p_data.
    pub support: Support,
    /// Centre of each cell.
    pub centres: Vec<[f64; 2]>,
    /// Nearest mode of each cell (the mode masses of E4).
    pub mode: Vec<u32>,
}

/// Builds the E3 grid with the clipped reward.
pub fn grid8(spec: &GridSpec, reward: &ClippedBall) -> Result<Grid, Error> {
    spec.validate()?;
    reward.validate()?;
    let n = spec.cells;
    let two_var = 2.0 * spec.sd * spec.sd;
    let modes: Vec<[f64; 2]> = (0..spec.modes).map(|j| spec.mode_centre(j)).collect();
    let mut centres = Vec::with_capacity(n * n);
    let mut density = Vec::with_capacity(n * n);
    let mut mode = Vec::with_capacity(n * n);
    for row in 0..n {
        for col in 0..n {
            let x = [spec.cell_coordinate(col), spec.cell_coordinate(row)];
            let d2: Vec<f64> = modes
                .iter()
                .map(|c| (x[0] - c[0]).powi(2) + (x[1] - c[1]).powi(2))
                .collect();
            density.push(d2.iter().map(|d| (-d / two_var).exp()).sum::<f64>());
            let nearest = (0..modes.len())
                .min_by(|&a, &b| d2[a].total_cmp(&d2[b]))
                .unwrap_or(0);
            mode.push(nearest as u32);
            centres.push(x);
        }
    }
    let total = crate::numeric::sum(&density);
    if total <= 0.0 || !total.is_finite() {
        return Err(Error::NotNormalised {
            column: "p0",
            sum: total,
            off_by: (total - 1.0).abs(),
        });
    }
    let p0: Vec<f64> = density.iter().map(|d| d / total).collect();
    let r = centres.iter().map(|&x| reward.reward(x)).collect();
    Ok(Grid {
        spec: *spec,
        support: Support::new(r, p0, None)?,
        centres,
        mode,
    })
}

/// The E5 atoms: `classes` classes × `bins` confidence bins; atom (c, b) has confidence
/// κ = base + class_step·c + bin_step·(b − (bins−1)/2), the classifier outputs q_c = κ and
/// q_i = (1 − κ)/(classes − 1) for i ≠ c; p_0 = p_data uniform (project defaults: 10 × 5,
/// 0.60 + 0.03c + 0.05(b − 2), scale 5).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassesSpec {
    /// Number of classes C.
    pub classes: usize,
    /// Bins per class B.
    pub bins: usize,
    /// Confidence of the middle bin of class 0.
    pub base: f64,
    /// Confidence increase per class.
    pub class_step: f64,
    /// Confidence increase per bin.
    pub bin_step: f64,
    /// Reward scale (5 in P3/P4).
    pub scale: f64,
}

impl Default for ClassesSpec {
    fn default() -> ClassesSpec {
        ClassesSpec {
            classes: 10,
            bins: 5,
            base: 0.60,
            class_step: 0.03,
            bin_step: 0.05,
            scale: 5.0,
        }
    }
}

/// The E5 support with the class of every atom.
#[derive(Clone, Debug, PartialEq)]
pub struct Classes {
    /// The layout.
    pub spec: ClassesSpec,
    /// Rewards, p_0 = p_data uniform.
    pub support: Support,
    /// Class of each atom (atom = c·bins + b).
    pub class: Vec<u32>,
    /// Confidence κ of each atom.
    pub confidence: Vec<f64>,
}

impl ClassesSpec {
    /// Refuses fewer than 2 classes, 0 bins, confidences outside (0, 1], a bad scale.
    pub fn validate(&self) -> Result<(), Error> {
        lab::error::require(self.classes >= 2, "classes", self.classes as f64, "≥ 2")?;
        lab::error::require(
            self.classes <= 10_000,
            "classes",
            self.classes as f64,
            "≤ 10000",
        )?;
        lab::error::require(self.bins >= 1, "bins", self.bins as f64, "≥ 1")?;
        lab::error::require(self.bins <= 10_000, "bins", self.bins as f64, "≤ 10000")?;
        lab::error::finite("reward scale", self.scale)?;
        for c in [0, self.classes - 1] {
            for b in [0, self.bins - 1] {
                let k = self.confidence(c, b);
                lab::error::require(k > 0.0 && k <= 1.0, "confidence κ", k, "in (0, 1]")?;
            }
        }
        Ok(())
    }

    /// κ of atom (c, b).
    pub fn confidence(&self, c: usize, b: usize) -> f64 {
        self.base
            + self.class_step * c as f64
            + self.bin_step * (b as f64 - (self.bins as f64 - 1.0) / 2.0)
    }
}

/// Builds the E5 support under the `Airplane` (scale·q_0) or `Confidence` (scale·κ) reward.
pub fn classes(spec: &ClassesSpec, reward: RewardKind) -> Result<Classes, Error> {
    spec.validate()?;
    if !matches!(reward, RewardKind::Airplane | RewardKind::Confidence) {
        return Err(Error::UnsupportedReward {
            reward,
            what: "the classes example (airplane or confidence)",
        });
    }
    let n = spec.classes * spec.bins;
    let mut r = Vec::with_capacity(n);
    let mut class = Vec::with_capacity(n);
    let mut confidence = Vec::with_capacity(n);
    for c in 0..spec.classes {
        for b in 0..spec.bins {
            let k = spec.confidence(c, b);
            let q0 = if c == 0 {
                k
            } else {
                (1.0 - k) / (spec.classes as f64 - 1.0)
            };
            r.push(if reward == RewardKind::Confidence {
                spec.scale * k
            } else {
                spec.scale * q0
            });
            class.push(c as u32);
            confidence.push(k);
        }
    }
    Ok(Classes {
        spec: *spec,
        support: Support::new(r, vec![1.0 / n as f64; n], None)?,
        class,
        confidence,
    })
}

/// How the atoms of a support are arranged, for figures: none, a square grid, or classes.
#[derive(Clone, Debug, PartialEq)]
pub enum Layout {
    /// Atoms without geometry (a support file, the worked example).
    Atoms,
    /// A `cells`×`cells` grid over [−half_width, half_width]², atom = row·cells + col.
    Grid {
        /// Cells per axis.
        cells: usize,
        /// Half the side of the square.
        half_width: f64,
    },
    /// Atoms grouped into classes.
    Classes {
        /// Class of each atom.
        class: Vec<u32>,
        /// Number of classes.
        classes: usize,
    },
}

/// A support with the layout of its atoms.
#[derive(Clone, Debug, PartialEq)]
pub struct Landscape {
    /// Rewards, p_0, p_data.
    pub support: Support,
    /// The arrangement of the atoms.
    pub layout: Layout,
}

impl Landscape {
    /// A support without geometry.
    pub fn atoms(support: Support) -> Landscape {
        Landscape {
            support,
            layout: Layout::Atoms,
        }
    }

    /// A built-in example as `curation dynamics --example` names it: the worked example (no
    /// reward or scale choice: both are refused), the E3 grid with the clipped reward at scale
    /// γ (default 10), or the E5 classes under the airplane (default) or confidence reward at
    /// scale γ (default 5).
    pub fn example(
        example: Example,
        reward: Option<RewardKind>,
        gamma: Option<f64>,
    ) -> Result<Landscape, Error> {
        match example {
            Example::Worked => match (reward, gamma) {
                (None, None) => Ok(Landscape::atoms(worked())),
                (Some(r), _) => Err(Error::UnsupportedReward {
                    reward: r,
                    what: "the worked example (its rewards are fixed)",
                }),
                (None, Some(g)) => Err(lab::error::Invalid::new(
                    "gamma",
                    g,
                    "left unset for the worked example (its rewards are fixed)",
                )
                .into()),
            },
            Example::Grid8 => match reward.unwrap_or(RewardKind::Clipped) {
                RewardKind::Clipped => {
                    let spec = GridSpec::default();
                    let grid = grid8(&spec, &ClippedBall::e3(gamma.unwrap_or(10.0)))?;
                    Ok(Landscape {
                        support: grid.support,
                        layout: Layout::Grid {
                            cells: spec.cells,
                            half_width: spec.half_width,
                        },
                    })
                }
                r => Err(Error::UnsupportedReward {
                    reward: r,
                    what: "the grid8 example (clipped)",
                }),
            },
            Example::Classes => {
                let spec = ClassesSpec {
                    scale: gamma.unwrap_or(5.0),
                    ..ClassesSpec::default()
                };
                let c = classes(&spec, reward.unwrap_or(RewardKind::Airplane))?;
                Ok(Landscape {
                    support: c.support,
                    layout: Layout::Classes {
                        class: c.class,
                        classes: spec.classes,
                    },
                })
            }
        }
    }
}

/// The support of a built-in example (see [`Landscape::example`]).
pub fn example_support(
    example: Example,
    reward: Option<RewardKind>,
    gamma: Option<f64>,
) -> Result<Support, Error> {
    Ok(Landscape::example(example, reward, gamma)?.support)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_have_their_documented_shapes_and_refuse_foreign_rewards() {
        let g = example_support(Example::Grid8, None, Some(1.0)).unwrap();
        assert_eq!(g.len(), 128 * 128);
        // The ball holds q_0 = 0.12369537 of p_0 (spec E3).
        let q0: f64 = g
            .p0()
            .iter()
            .zip(g.reward())
            .filter(|(_, &r)| r == 0.0)
            .map(|(p, _)| p)
            .sum();
        assert!((q0 - 0.12369537).abs() < 1e-8);
        // Class atoms: κ from 0.50 (class 0, bin 0) to 0.97 (class 9, bin 4); confidence reward 5κ.
        let c = example_support(Example::Classes, Some(RewardKind::Confidence), None).unwrap();
        assert_eq!(c.len(), 50);
        assert!((c.reward()[0] - 2.5).abs() < 1e-12 && (c.reward()[49] - 4.85).abs() < 1e-12);
        let a = example_support(Example::Classes, None, None).unwrap();
        assert!((a.reward()[5] - 5.0 * (1.0 - 0.53) / 9.0).abs() < 1e-12);
        assert_eq!(
            example_support(Example::Worked, None, None).unwrap(),
            worked()
        );
        assert!(example_support(Example::Worked, Some(RewardKind::Clipped), None).is_err());
        assert!(matches!(
            example_support(Example::Worked, None, Some(2.0)),
            Err(Error::Invalid(lab::error::Invalid { name: "gamma", .. }))
        ));
        assert!(example_support(Example::Grid8, Some(RewardKind::Airplane), None).is_err());
        assert!(example_support(Example::Classes, Some(RewardKind::Linear), None).is_err());
    }
}
