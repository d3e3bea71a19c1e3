//! Point sets and the real-data generators of the sample-based loops: a Gaussian (1-D/2-D),
//! eight Gaussians on a circle (the E3 layout) and two moons. Digits come from the `datasets`
//! crate (E9, [`crate::experiments::e9`]).
//!
//! Every generator draws in fixed-size chunks, chunk c from the stream
//! (`name`, index(round, c)) of the seed, so a sample does not depend on the thread count.

use crate::error::Error;
use crate::names::DataKind;
use lab::seed::{Rng, Seed};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use std::f64::consts::{PI, TAU};

/// Points drawn per stream chunk.
pub const CHUNK: usize = 4096;

/// The stream index of (round, chunk): round in the high 32 bits, chunk in the low.
pub fn stream_index(round: u32, chunk: usize) -> u64 {
    (u64::from(round) << 32) | (chunk as u64 & 0xffff_ffff)
}

/// `n` points of dimension `dim`, row-major.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Points {
    /// Dimension.
    pub dim: usize,
    /// Coordinates, point i at `x[i*dim..(i+1)*dim]`.
    pub x: Vec<f64>,
}

impl Points {
    /// Empty set of dimension `dim`.
    pub fn new(dim: usize) -> Points {
        Points { dim, x: Vec::new() }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.x.len().checked_div(self.dim).unwrap_or(0)
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Point i.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.dim..(i + 1) * self.dim]
    }

    /// Iterator over the points.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, f64> {
        self.x.chunks_exact(self.dim.max(1))
    }

    /// Appends the points of `other` (same dimension).
    pub fn extend(&mut self, other: &Points) {
        debug_assert_eq!(self.dim, other.dim);
        self.x.extend_from_slice(&other.x);
    }

    /// The points at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Points {
        Points {
            dim: self.dim,
            x: indices.iter().flat_map(|&i| self.row(i)).copied().collect(),
        }
    }
}

/// Draws `n` points in chunks of [`CHUNK`], chunk c from stream (`name`, index(round, c)) of
/// `seed`, each point written by `draw(rng, out)`; chunks run in parallel and are joined in
/// order.
pub fn sample_chunked(
    n: usize,
    dim: usize,
    seed: Seed,
    name: &str,
    round: u32,
    draw: &(dyn Fn(&mut Rng, &mut [f64]) + Sync),
) -> Points {
    let chunks = n.div_ceil(CHUNK);
    let parts: Vec<Vec<f64>> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut rng = seed.stream(name, stream_index(round, c));
            let len = CHUNK.min(n - c * CHUNK);
            let mut out = vec![0.0; len * dim];
            for p in out.chunks_exact_mut(dim.max(1)) {
                draw(&mut rng, p);
            }
            out
        })
        .collect();
    Points {
        dim,
        x: parts.concat(),
    }
}

/// The law of the real data.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DataSpec {
    /// N(mean, sd² I); the dimension is `mean.len()` (1 or 2).
    Gaussian {
        /// Mean.
        mean: Vec<f64>,
        /// Standard deviation per coordinate.
        sd: f64,
    },
    /// Equal-weight mixture of `modes` isotropic Gaussians (sd `sd`) centred on the circle of
    /// radius `radius` at angles 2πj/modes (E3 layout: 8, 2, 0.25).
    Gmm8 {
        /// Number of modes.
        modes: usize,
        /// Radius of the circle of centres.
        radius: f64,
        /// Standard deviation of each mode.
        sd: f64,
    },
    /// Two moons: with probability ½ each, (cos t, sin t) or (1 − cos t, ½ − sin t) with
    /// t ~ U[0, π], plus N(0, noise² I) (scikit-learn's `make_moons` layout, drawn at random).
    Moons {
        /// Noise standard deviation.
        noise: f64,
    },
}

impl DataSpec {
    /// The project defaults of each kind: N(0, 1) in 1-D; 8 modes, radius 2, sd 0.25; moons with
    /// noise 0.1 (\[U\]: the paper's toy settings are unknown).
    pub fn default_for(kind: DataKind) -> DataSpec {
        match kind {
            DataKind::Gaussian => DataSpec::Gaussian {
                mean: vec![0.0],
                sd: 1.0,
            },
            DataKind::Gmm8 => DataSpec::Gmm8 {
                modes: 8,
                radius: 2.0,
                sd: 0.25,
            },
            DataKind::Moons => DataSpec::Moons { noise: 0.1 },
        }
    }

    /// The kind.
    pub fn kind(&self) -> DataKind {
        match self {
            DataSpec::Gaussian { .. } => DataKind::Gaussian,
            DataSpec::Gmm8 { .. } => DataKind::Gmm8,
            DataSpec::Moons { .. } => DataKind::Moons,
        }
    }

    /// Dimension of the points.
    pub fn dim(&self) -> usize {
        match self {
            DataSpec::Gaussian { mean, .. } => mean.len(),
            _ => 2,
        }
    }

    /// Refuses a dimension other than 1 or 2, non-finite or non-positive scales, 0 modes.
    pub fn validate(&self) -> Result<(), Error> {
        match self {
            DataSpec::Gaussian { mean, sd } => {
                lab::error::require(
                    (1..=2).contains(&mean.len()),
                    "data dimension",
                    mean.len() as f64,
                    "1 or 2",
                )?;
                for &m in mean {
                    lab::error::finite("data mean", m)?;
                }
                lab::error::positive("data sd", *sd)?;
            }
            DataSpec::Gmm8 { modes, radius, sd } => {
                lab::error::require(*modes >= 1, "modes", *modes as f64, "≥ 1")?;
                lab::error::require(*modes <= 1000, "modes", *modes as f64, "≤ 1000")?;
                lab::error::non_negative("mode radius", *radius)?;
                lab::error::positive("mode sd", *sd)?;
            }
            DataSpec::Moons { noise } => lab::error::non_negative("moons noise", *noise)?,
        }
        Ok(())
    }

    /// One point.
    pub fn draw(&self, rng: &mut Rng, out: &mut [f64]) {
        match self {
            DataSpec::Gaussian { mean, sd } => {
                for (o, m) in out.iter_mut().zip(mean) {
                    let z: f64 = StandardNormal.sample(rng);
                    *o = m + sd * z;
                }
            }
            DataSpec::Gmm8 { modes, radius, sd } => {
                let j = rng.random_range(0..*modes);
                let a = TAU * j as f64 / *modes as f64;
                let (zx, zy): (f64, f64) = (StandardNormal.sample(rng), StandardNormal.sample(rng));
                out[0] = radius * a.cos() + sd * zx;
                out[1] = radius * a.sin() + sd * zy;
            }
            DataSpec::Moons { noise } => {
                let upper = rng.random_bool(0.5);
                let t = PI * rng.random::<f64>();
                let (zx, zy): (f64, f64) = (StandardNormal.sample(rng), StandardNormal.sample(rng));
                let (x, y) = if upper {
                    (t.cos(), t.sin())
                } else {
                    (1.0 - t.cos(), 0.5 - t.sin())
                };
                out[0] = x + noise * zx;
                out[1] = y + noise * zy;
            }
        }
    }

    /// `n` points from stream (`name`, round/chunk) of `seed`.
    pub fn sample(&self, n: usize, seed: Seed, name: &str, round: u32) -> Points {
        sample_chunked(n, self.dim(), seed, name, round, &|rng, out| {
            self.draw(rng, out)
        })
    }

    /// Number of modes (8 Gaussians: `modes`; moons: 2; Gaussian: none).
    pub fn mode_count(&self) -> Option<usize> {
        match self {
            DataSpec::Gaussian { .. } => None,
            DataSpec::Gmm8 { modes, .. } => Some(*modes),
            DataSpec::Moons { .. } => Some(2),
        }
    }

    /// The mode a point belongs to: the nearest centre (8 Gaussians) or the nearest arc
    /// (moons: 0 = upper, 1 = lower).
    pub fn mode_of(&self, x: &[f64]) -> Option<usize> {
        match self {
            DataSpec::Gaussian { .. } => None,
            DataSpec::Gmm8 { modes, radius, .. } => {
                let mut best = (f64::INFINITY, 0);
                for j in 0..*modes {
                    let a = TAU * j as f64 / *modes as f64;
                    let d = (x[0] - radius * a.cos()).powi(2) + (x[1] - radius * a.sin()).powi(2);
                    if d < best.0 {
                        best = (d, j);
                    }
                }
                Some(best.1)
            }
            DataSpec::Moons { .. } => {
                Some(usize::from(lower_arc_distance(x) < upper_arc_distance(x)))
            }
        }
    }

    /// A box that holds the data with margin, for histograms: (lower corner, upper corner).
    pub fn bounding_box(&self) -> ([f64; 2], [f64; 2]) {
        match self {
            DataSpec::Gaussian { mean, sd } => {
                let c = |i: usize| mean.get(i).copied().unwrap_or(0.0);
                (
                    [c(0) - 5.0 * sd, c(1) - 5.0 * sd],
                    [c(0) + 5.0 * sd, c(1) + 5.0 * sd],
                )
            }
            DataSpec::Gmm8 { radius, sd, .. } => {
                let h = radius + 4.0 * sd;
                ([-h, -h], [h, h])
            }
            DataSpec::Moons { noise } => {
                let m = 4.0 * noise;
                ([-1.0 - m, -0.5 - m], [2.0 + m, 1.0 + m])
            }
        }
    }
}

/// Distance from x to the upper moon arc {(cos t, sin t): t ∈ [0, π]}.
pub fn upper_arc_distance(x: &[f64]) -> f64 {
    arc_distance(x, [0.0, 0.0], true)
}

/// Distance from x to the lower moon arc {(1 − cos t, ½ − sin t): t ∈ [0, π]}.
pub fn lower_arc_distance(x: &[f64]) -> f64 {
    arc_distance(x, [1.0, 0.5], false)
}

/// Distance to the unit half circle around `c`, the upper half (y ≥ c_y) or the lower one.
fn arc_distance(x: &[f64], c: [f64; 2], upper: bool) -> f64 {
    let (dx, dy) = (x[0] - c[0], x[1] - c[1]);
    if (dy >= 0.0) == upper {
        ((dx * dx + dy * dy).sqrt() - 1.0).abs()
    } else {
        // Nearest end point (c ± (1, 0)).
        let a = ((dx - 1.0).powi(2) + dy * dy).sqrt();
        let b = ((dx + 1.0).powi(2) + dy * dy).sqrt();
        a.min(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moons_points_lie_on_their_arcs_without_noise() {
        let spec = DataSpec::Moons { noise: 0.0 };
        let pts = spec.sample(2000, Seed(1), "t", 0);
        for x in pts.rows() {
            let (u, l) = (upper_arc_distance(x), lower_arc_distance(x));
            assert!(u.min(l) < 1e-12, "{x:?}");
        }
        let upper = pts.rows().filter(|x| spec.mode_of(x) == Some(0)).count();
        // Binomial(2000, ½): sd 22; 5 sd band.
        assert!((upper as f64 - 1000.0).abs() < 112.0, "{upper}");
    }

    #[test]
    fn sampling_is_chunk_deterministic() {
        let spec = DataSpec::default_for(DataKind::Gmm8);
        let a = spec.sample(10_000, Seed(3), "t", 2);
        let b = spec.sample(10_000, Seed(3), "t", 2);
        assert_eq!(a, b);
        assert_eq!(a.len(), 10_000);
        assert_ne!(a, spec.sample(10_000, Seed(3), "t", 3));
    }
}
