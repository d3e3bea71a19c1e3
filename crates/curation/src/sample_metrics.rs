//! A7 for samples: moments, Fréchet distance, k-NN precision and recall
//! (Kynkäänniemi et al. 2019), mode shares and their entropy, histogram KL on a fixed grid.
//!
//! k-NN precision/recall is hand-written by brute force: exact, O(n²d) with n of a few
//! thousand, parallel over query points (each result computed by one thread), so it is
//! deterministic; a k-d tree crate would not help in 15 dimensions.

use crate::data::Points;
use crate::error::Error;
use crate::linalg::frechet_distance;
use crate::numeric::{entropy, kl};
use rayon::prelude::*;

/// Mean and covariance (divisor n, the maximum-likelihood estimate; two passes) of `points`.
pub fn mean_covariance(points: &Points) -> (Vec<f64>, Vec<f64>) {
    let (n, d) = (points.len(), points.dim);
    let mut mean = vec![0.0; d];
    for x in points.rows() {
        for (m, v) in mean.iter_mut().zip(x) {
            *m += v;
        }
    }
    for m in mean.iter_mut() {
        *m /= n as f64;
    }
    let mut cov = vec![0.0; d * d];
    for x in points.rows() {
        for i in 0..d {
            let di = x[i] - mean[i];
            for j in 0..=i {
                cov[i * d + j] += di * (x[j] - mean[j]);
            }
        }
    }
    for i in 0..d {
        for j in 0..=i {
            let v = cov[i * d + j] / n as f64;
            cov[i * d + j] = v;
            cov[j * d + i] = v;
        }
    }
    (mean, cov)
}

/// Fréchet distance between the Gaussians fitted (by moments) to two point sets.
pub fn frechet_of_points(a: &Points, b: &Points) -> Result<f64, Error> {
    let (ma, ca) = mean_covariance(a);
    let (mb, cb) = mean_covariance(b);
    frechet_distance(&ma, &ca, &mb, &cb)
}

fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Squared distance from each point of `set` to its k-th nearest other point of `set`.
fn knn_radii2(set: &Points, k: usize) -> Vec<f64> {
    (0..set.len())
        .into_par_iter()
        .map(|i| {
            let x = set.row(i);
            let mut d: Vec<f64> = (0..set.len())
                .filter(|&j| j != i)
                .map(|j| dist2(x, set.row(j)))
                .collect();
            let k = k.min(d.len()).max(1);
            if d.is_empty() {
                return 0.0;
            }
            let (_, kth, _) = d.select_nth_unstable_by(k - 1, f64::total_cmp);
            *kth
        })
        .collect()
}

/// Share of the points of `query` inside the union of the balls B(s, radius(s)) over s in
/// `set`.
fn coverage(query: &Points, set: &Points, radii2: &[f64]) -> f64 {
    let inside: usize = (0..query.len())
        .into_par_iter()
        .map(|i| {
            let q = query.row(i);
            usize::from((0..set.len()).any(|j| dist2(q, set.row(j)) <= radii2[j]))
        })
        .sum();
    inside as f64 / query.len() as f64
}

/// Improved precision and recall (Kynkäänniemi et al. 2019) with k nearest neighbours:
/// precision = share of `generated` inside the union of the real k-NN balls, recall = share of
/// `real` inside the union of the generated k-NN balls. Returns (precision, recall).
pub fn precision_recall(real: &Points, generated: &Points, k: usize) -> (f64, f64) {
    KnnReference::new(real, k).precision_recall(generated)
}

/// The real side of precision/recall, computed once (its k-NN radii) and reused every round.
#[derive(Clone, Debug, PartialEq)]
pub struct KnnReference {
    real: Points,
    radii2: Vec<f64>,
    k: usize,
}

impl KnnReference {
    /// The real points and their squared k-NN radii.
    pub fn new(real: &Points, k: usize) -> KnnReference {
        KnnReference {
            radii2: knn_radii2(real, k),
            real: real.clone(),
            k,
        }
    }

    /// (precision, recall) of `generated`.
    pub fn precision_recall(&self, generated: &Points) -> (f64, f64) {
        let gen_r = knn_radii2(generated, self.k);
        (
            coverage(generated, &self.real, &self.radii2),
            coverage(&self.real, generated, &gen_r),
        )
    }
}

/// Share of each of `groups` groups among `labels`, and the entropy of the shares in nats.
pub fn shares(labels: impl IntoIterator<Item = usize>, groups: usize) -> (Vec<f64>, f64) {
    let mut counts = vec![0usize; groups];
    let mut n = 0usize;
    for l in labels {
        if l < groups {
            counts[l] += 1;
            n += 1;
        }
    }
    let s: Vec<f64> = counts.iter().map(|&c| c as f64 / n.max(1) as f64).collect();
    let h = entropy(&s);
    (s, h)
}

/// A fixed 2-D histogram grid: `bins`×`bins` cells over [lo, hi]; points outside are clamped
/// into the border cells.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HistogramGrid {
    /// Lower corner.
    pub lo: [f64; 2],
    /// Upper corner.
    pub hi: [f64; 2],
    /// Cells per axis.
    pub bins: usize,
}

impl HistogramGrid {
    /// Cell counts of the first two coordinates of `points`, plus `pseudo` per cell, normalised.
    pub fn histogram(&self, points: &Points, pseudo: f64) -> Vec<f64> {
        let b = self.bins;
        let mut h = vec![pseudo; b * b];
        let cell = |v: f64, a: usize| -> usize {
            let t = (v - self.lo[a]) / (self.hi[a] - self.lo[a]);
            ((t * b as f64).floor().max(0.0) as usize).min(b - 1)
        };
        for x in points.rows() {
            if x.len() >= 2 && x[0].is_finite() && x[1].is_finite() {
                h[cell(x[1], 1) * b + cell(x[0], 0)] += 1.0;
            }
        }
        let total: f64 = h.iter().sum();
        h.iter().map(|c| c / total).collect()
    }

    /// KL(reference ‖ model) between the histograms of two point sets, each with ½ added to
    /// every cell (so it stays finite; a relative measure, biased for small samples).
    pub fn kl(&self, reference: &Points, model: &Points) -> f64 {
        kl(&self.histogram(reference, 0.5), &self.histogram(model, 0.5))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_recall_of_a_set_with_itself_is_one_and_of_a_far_set_is_zero() {
        let a = Points {
            dim: 2,
            x: (0..200)
                .flat_map(|i| [(i % 20) as f64, (i / 20) as f64])
                .collect(),
        };
        assert_eq!(precision_recall(&a, &a, 3), (1.0, 1.0));
        let far = Points {
            dim: 2,
            x: a.x.iter().map(|v| v + 1000.0).collect(),
        };
        assert_eq!(precision_recall(&a, &far, 3), (0.0, 0.0));
        // A tight cluster inside the real cloud: precision 1, recall small.
        let tight = Points {
            dim: 2,
            x: (0..200)
                .flat_map(|i| [5.0 + 0.001 * i as f64, 5.0])
                .collect(),
        };
        let (p, r) = precision_recall(&a, &tight, 3);
        assert_eq!(p, 1.0);
        assert!(r < 0.05, "{r}");
    }

    #[test]
    fn shares_and_moments_match_hand_values() {
        let (s, h) = shares([0, 1, 1, 3], 4);
        assert_eq!(s, vec![0.25, 0.5, 0.0, 0.25]);
        assert!((h - (2.0 * 0.25 * 4f64.ln() + 0.5 * 2f64.ln())).abs() < 1e-15);
        let p = Points {
            dim: 1,
            x: vec![1.0, 2.0, 3.0, 6.0],
        };
        let (m, c) = mean_covariance(&p);
        assert_eq!(m, vec![3.0]);
        assert_eq!(c, vec![3.5]);
    }
}
