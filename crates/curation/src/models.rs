//! A4: the generative models of the sample-based loops and their fits.
//!
//! - Gaussian: closed-form maximum likelihood (mean, covariance with divisor n), sampled as
//!   μ + L z with L the Cholesky factor. At K = 1 the fitted variance shrinks in expectation by
//!   (n−1)/n per round (spec E6).
//! - KDE: resample a training point and add N(0, b² I) jitter; b fixed or by Scott's rule
//!   b = σ̄ n^{−1/(d+4)} (σ̄² the mean per-coordinate variance).
//! - GMM: full covariance, EM warm-started from θ_t ([`crate::gmm`]).

use crate::data::Points;
use crate::error::Error;
use crate::gmm::{fit_em, kmeans_init, EmReport, EmSettings, Gmm};
use crate::linalg::cholesky;
use crate::names::ModelKind;
use crate::sample_metrics::mean_covariance;
use lab::seed::Rng;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

/// The KDE bandwidth.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bandwidth {
    /// Scott's rule on the training set of each round.
    Scott,
    /// A fixed b > 0.
    Fixed(f64),
}

/// A model family with its settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ModelSpec {
    /// Gaussian by maximum likelihood.
    Gaussian,
    /// Kernel density estimate.
    Kde {
        /// Jitter scale.
        bandwidth: Bandwidth,
    },
    /// Gaussian mixture by EM.
    Gmm {
        /// EM settings.
        em: EmSettings,
    },
}

impl ModelSpec {
    /// Project defaults: Gaussian; KDE with Scott's rule; GMM with 8 components (one per mode of
    /// the 8-Gaussian data), 100 EM iterations, tol 1e-6, floor 1e-6.
    pub fn default_for(kind: ModelKind) -> ModelSpec {
        match kind {
            ModelKind::Gaussian => ModelSpec::Gaussian,
            ModelKind::Kde => ModelSpec::Kde {
                bandwidth: Bandwidth::Scott,
            },
            ModelKind::Gmm => ModelSpec::Gmm {
                em: EmSettings::with_components(8),
            },
        }
    }

    /// The family.
    pub fn kind(&self) -> ModelKind {
        match self {
            ModelSpec::Gaussian => ModelKind::Gaussian,
            ModelSpec::Kde { .. } => ModelKind::Kde,
            ModelSpec::Gmm { .. } => ModelKind::Gmm,
        }
    }

    /// Refuses bad settings.
    pub fn validate(&self) -> Result<(), Error> {
        match self {
            ModelSpec::Gaussian => Ok(()),
            ModelSpec::Kde { bandwidth } => match bandwidth {
                Bandwidth::Scott => Ok(()),
                Bandwidth::Fixed(b) => Ok(lab::error::positive("KDE bandwidth", *b)?),
            },
            ModelSpec::Gmm { em } => em.validate(),
        }
    }

    /// The fewest training points a fit needs in dimension `dim`.
    pub fn min_points(&self, dim: usize) -> usize {
        match self {
            ModelSpec::Gaussian => dim + 1,
            ModelSpec::Kde {
                bandwidth: Bandwidth::Scott,
            } => 2,
            ModelSpec::Kde { .. } => 1,
            ModelSpec::Gmm { em } => em.components.max(1),
        }
    }
}

/// A Gaussian N(mean, cov).
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianModel {
    /// Mean.
    pub mean: Vec<f64>,
    /// Covariance, row-major.
    pub cov: Vec<f64>,
    chol: Vec<f64>,
}

impl GaussianModel {
    /// N(mean, cov); cov must be positive definite.
    pub fn new(mean: Vec<f64>, cov: Vec<f64>) -> Result<GaussianModel, Error> {
        let chol = cholesky(&cov, mean.len(), "the Gaussian model's covariance")?;
        Ok(GaussianModel { mean, cov, chol })
    }
}

/// A kernel density estimate with isotropic Gaussian jitter.
#[derive(Clone, Debug, PartialEq)]
pub struct KdeModel {
    /// Training points.
    pub points: Points,
    /// Jitter standard deviation b.
    pub bandwidth: f64,
}

/// A fitted model.
#[derive(Clone, Debug)]
pub enum Model {
    /// Gaussian.
    Gaussian(GaussianModel),
    /// KDE.
    Kde(KdeModel),
    /// Gaussian mixture.
    Gmm(Gmm),
}

/// What a fit did (EM only reports something).
#[derive(Clone, Copy, Debug, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct FitReport {
    /// EM report, for mixtures.
    pub em: Option<EmReport>,
}

impl Model {
    /// Dimension.
    pub fn dim(&self) -> usize {
        match self {
            Model::Gaussian(g) => g.mean.len(),
            Model::Kde(k) => k.points.dim,
            Model::Gmm(g) => g.dim(),
        }
    }

    /// One draw.
    pub fn draw(&self, rng: &mut Rng, out: &mut [f64]) {
        match self {
            Model::Gaussian(g) => {
                let d = g.mean.len();
                let mut z = [0.0f64; 2];
                let mut heap;
                let z: &mut [f64] = if d <= 2 {
                    &mut z[..d]
                } else {
                    heap = vec![0.0; d];
                    &mut heap
                };
                for zi in z.iter_mut() {
                    *zi = StandardNormal.sample(rng);
                }
                for (i, o) in out.iter_mut().enumerate().take(d) {
                    *o = g.mean[i] + (0..=i).map(|j| g.chol[i * d + j] * z[j]).sum::<f64>();
                }
            }
            Model::Kde(k) => {
                let i = rng.random_range(0..k.points.len());
                for (o, &x) in out.iter_mut().zip(k.points.row(i)) {
                    let z: f64 = StandardNormal.sample(rng);
                    *o = x + k.bandwidth * z;
                }
            }
            Model::Gmm(g) => g.draw(rng, out),
        }
    }

    /// The model's mean and covariance (row-major).
    pub fn mean_cov(&self) -> (Vec<f64>, Vec<f64>) {
        match self {
            Model::Gaussian(g) => (g.mean.clone(), g.cov.clone()),
            Model::Kde(k) => {
                let (m, mut c) = mean_covariance(&k.points);
                let d = k.points.dim;
                for i in 0..d {
                    c[i * d + i] += k.bandwidth * k.bandwidth;
                }
                (m, c)
            }
            Model::Gmm(g) => g.mean_cov(),
        }
    }
}

/// Fits `spec` to `data`; a mixture is warm-started from `previous` when it is a mixture of the
/// same shape, else initialised by k-means++ from `rng`.
pub fn fit(
    spec: &ModelSpec,
    data: &Points,
    previous: Option<&Model>,
    rng: &mut Rng,
) -> Result<(Model, FitReport), Error> {
    spec.validate()?;
    let need = spec.min_points(data.dim);
    if data.len() < need {
        return Err(Error::TooFewPoints {
            model: match spec.kind() {
                ModelKind::Gaussian => "the Gaussian model",
                ModelKind::Kde => "the KDE",
                ModelKind::Gmm => "the Gaussian mixture",
            },
            needed: need,
            got: data.len(),
        });
    }
    match spec {
        ModelSpec::Gaussian => {
            let (mean, cov) = mean_covariance(data);
            Ok((
                Model::Gaussian(GaussianModel::new(mean, cov)?),
                FitReport::default(),
            ))
        }
        ModelSpec::Kde { bandwidth } => {
            let b = match bandwidth {
                Bandwidth::Fixed(b) => *b,
                Bandwidth::Scott => {
                    let (_, cov) = mean_covariance(data);
                    let d = data.dim;
                    let var = (0..d).map(|i| cov[i * d + i]).sum::<f64>() / d as f64;
                    var.sqrt() * (data.len() as f64).powf(-1.0 / (d as f64 + 4.0))
                }
            };
            lab::error::positive("KDE bandwidth", b)?;
            Ok((
                Model::Kde(KdeModel {
                    points: data.clone(),
                    bandwidth: b,
                }),
                FitReport::default(),
            ))
        }
        ModelSpec::Gmm { em } => {
            let init = match previous {
                Some(Model::Gmm(g)) if g.components() == em.components && g.dim() == data.dim => {
                    g.clone()
                }
                _ => kmeans_init(data, em, rng)?,
            };
            let (g, report) = fit_em(data, &init, em)?;
            Ok((Model::Gmm(g), FitReport { em: Some(report) }))
        }
    }
}
