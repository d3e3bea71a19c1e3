//! Principal component analysis for the digits generator (E9: PCA + GMM): the top q
//! eigenvectors of the sample covariance (faer's symmetric eigendecomposition).

use crate::data::Points;
use crate::error::Error;
use crate::linalg::symmetric_eigen;
use crate::sample_metrics::mean_covariance;

/// A fitted PCA: x ≈ mean + V z with V the top q eigenvectors (columns, descending eigenvalue).
#[derive(Clone, Debug, PartialEq)]
pub struct Pca {
    mean: Vec<f64>,
    /// Row-major D×q.
    components: Vec<f64>,
    /// Eigenvalues of the kept components, descending.
    pub variances: Vec<f64>,
    /// Share of the total variance the kept components explain.
    pub explained: f64,
    dim: usize,
    q: usize,
}

impl Pca {
    /// Fits q ≤ D components to `data` (at least 2 points).
    pub fn fit(data: &Points, q: usize) -> Result<Pca, Error> {
        let dim = data.dim;
        lab::error::require(
            (1..=dim).contains(&q),
            "PCA dimensions",
            q as f64,
            format!("in 1..={dim}"),
        )?;
        if data.len() < 2 {
            return Err(Error::TooFewPoints {
                model: "PCA",
                needed: 2,
                got: data.len(),
            });
        }
        let (mean, cov) = mean_covariance(data);
        let (values, vectors) = symmetric_eigen(&cov, dim, "the data covariance")?;
        let order: Vec<usize> = (0..dim).rev().take(q).collect();
        let mut components = vec![0.0; dim * q];
        for (a, &j) in order.iter().enumerate() {
            // Sign convention: the largest-magnitude entry of each component is positive.
            let col: Vec<f64> = (0..dim).map(|i| vectors[i * dim + j]).collect();
            let big = col
                .iter()
                .copied()
                .fold(0.0f64, |m, v| if v.abs() > m.abs() { v } else { m });
            let sign = if big < 0.0 { -1.0 } else { 1.0 };
            for i in 0..dim {
                components[i * q + a] = sign * col[i];
            }
        }
        let variances: Vec<f64> = order.iter().map(|&j| values[j]).collect();
        let total: f64 = values.iter().map(|v| v.max(0.0)).sum();
        Ok(Pca {
            explained: variances.iter().sum::<f64>() / total,
            variances,
            mean,
            components,
            dim,
            q,
        })
    }

    /// Number of kept components q.
    pub fn q(&self) -> usize {
        self.q
    }

    /// Vᵀ(x − mean).
    pub fn project(&self, x: &[f64], z: &mut [f64]) {
        for (a, za) in z.iter_mut().enumerate().take(self.q) {
            *za = (0..self.dim)
                .map(|i| self.components[i * self.q + a] * (x[i] - self.mean[i]))
                .sum();
        }
    }

    /// mean + V z.
    pub fn reconstruct(&self, z: &[f64], x: &mut [f64]) {
        for (i, xi) in x.iter_mut().enumerate().take(self.dim) {
            *xi = self.mean[i]
                + (0..self.q)
                    .map(|a| self.components[i * self.q + a] * z[a])
                    .sum::<f64>();
        }
    }

    /// The projections of every point.
    pub fn project_all(&self, data: &Points) -> Points {
        let mut out = vec![0.0; data.len() * self.q];
        for (x, z) in data.rows().zip(out.chunks_exact_mut(self.q)) {
            self.project(x, z);
        }
        Points {
            dim: self.q,
            x: out,
        }
    }
}
