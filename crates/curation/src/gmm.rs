//! A4 (iii): full-covariance Gaussian mixtures in d dimensions, fitted by EM.
//!
//! Initialisation: k-means++ seeding, then Lloyd iterations, then one Gaussian per cluster.
//! Across retraining rounds EM is warm-started from θ_t. Every covariance gets `cov_floor`·I
//! added (1e-6 by default, like scikit-learn's `reg_covar`), so it stays positive definite.
//! A component with less than one point's worth of responsibility is dropped (weight 0,
//! parameters frozen): under curation the mixture can lose modes, and a component with no data
//! has no maximum-likelihood estimate.
//!
//! Hand-written: no maintained Rust crate fits full-covariance mixtures by EM with a warm start
//! and deterministic parallel reductions (linfa-clustering's GMM has no warm start and pulls in
//! ndarray-linalg). The E- and M-step sums run over fixed chunks of points combined in chunk
//! order, so a fit does not depend on the thread count. Cholesky factors come from faer
//! ([`crate::linalg`]); the per-point triangular solves are plain loops (d ≤ 20).

use crate::data::Points;
use crate::error::Error;
use crate::linalg::cholesky;
use lab::seed::Rng;
use rand::distr::weighted::WeightedIndex;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

/// Points per chunk of the E- and M-step reductions.
const EM_CHUNK: usize = 1024;

/// EM settings.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EmSettings {
    /// Number of mixture components.
    pub components: usize,
    /// Iteration cap per fit.
    pub max_iter: u32,
    /// Stop when the mean log-likelihood per point changes by less than this.
    pub tol: f64,
    /// Added to every covariance's diagonal (spec: 1e-6).
    pub cov_floor: f64,
    /// Lloyd iterations after k-means++ seeding (first fit only).
    pub kmeans_iter: u32,
}

impl EmSettings {
    /// `components` components, 100 iterations, tol 1e-6, floor 1e-6, 20 Lloyd iterations.
    pub fn with_components(components: usize) -> EmSettings {
        EmSettings {
            components,
            max_iter: 100,
            tol: 1e-6,
            cov_floor: 1e-6,
            kmeans_iter: 20,
        }
    }

    /// Refuses 0 components, 0 iterations, a negative tolerance or floor.
    pub fn validate(&self) -> Result<(), Error> {
        lab::error::require(
            self.components >= 1,
            "mixture components",
            self.components as f64,
            "≥ 1",
        )?;
        lab::error::require(
            self.components <= 1000,
            "mixture components",
            self.components as f64,
            "≤ 1000",
        )?;
        lab::error::require(
            self.max_iter >= 1,
            "EM iterations",
            f64::from(self.max_iter),
            "≥ 1",
        )?;
        lab::error::non_negative("EM tolerance", self.tol)?;
        lab::error::positive("covariance floor", self.cov_floor)?;
        Ok(())
    }
}

/// A Gaussian mixture.
#[derive(Clone, Debug)]
pub struct Gmm {
    dim: usize,
    weights: Vec<f64>,
    means: Vec<f64>,
    covs: Vec<f64>,
    chols: Vec<f64>,
    log_norm: Vec<f64>,
    picker: WeightedIndex<f64>,
}

/// What one EM fit did.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EmReport {
    /// Iterations run.
    pub iterations: u32,
    /// Whether the tolerance was met before the cap.
    pub converged: bool,
    /// Mean log-likelihood per training point at the end.
    pub log_likelihood: f64,
    /// Components with weight 0.
    pub dead_components: usize,
}

impl Gmm {
    /// A mixture from weights (≥ 0, not all 0), means (k·d) and covariances (k·d·d,
    /// symmetric positive definite).
    pub fn new(
        dim: usize,
        weights: Vec<f64>,
        means: Vec<f64>,
        covs: Vec<f64>,
    ) -> Result<Gmm, Error> {
        let k = weights.len();
        if means.len() != k * dim || covs.len() != k * dim * dim {
            return Err(Error::LengthMismatch {
                what: "mixture parameters",
                expected: k * dim,
                found: means.len(),
            });
        }
        let total: f64 = weights.iter().sum();
        if !(total > 0.0 && total.is_finite()) || weights.iter().any(|&w| w < 0.0) {
            return Err(Error::NotNormalised {
                column: "mixture weights",
                sum: total,
                off_by: (total - 1.0).abs(),
            });
        }
        let weights: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let mut chols = Vec::with_capacity(k * dim * dim);
        let mut log_norm = Vec::with_capacity(k);
        let half_log_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
        for c in 0..k {
            let l = cholesky(
                &covs[c * dim * dim..(c + 1) * dim * dim],
                dim,
                "a mixture covariance",
            )?;
            let log_det_half: f64 = (0..dim).map(|i| l[i * dim + i].ln()).sum();
            log_norm.push(weights[c].ln() - dim as f64 * half_log_2pi - log_det_half);
            chols.extend(l);
        }
        let picker = WeightedIndex::new(&weights).map_err(|_| Error::NotNormalised {
            column: "mixture weights",
            sum: 1.0,
            off_by: 0.0,
        })?;
        Ok(Gmm {
            dim,
            weights,
            means,
            covs,
            chols,
            log_norm,
            picker,
        })
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of components (including dropped ones).
    pub fn components(&self) -> usize {
        self.weights.len()
    }

    /// Mixture weights.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Means, component-major.
    pub fn means(&self) -> &[f64] {
        &self.means
    }

    /// Covariances, component-major, each row-major.
    pub fn covariances(&self) -> &[f64] {
        &self.covs
    }

    /// ln(w_c N(x; μ_c, Σ_c)) for every component c, written to `out`.
    fn component_log_densities(&self, x: &[f64], y: &mut [f64], out: &mut [f64]) {
        let d = self.dim;
        for (c, o) in out.iter_mut().enumerate().take(self.components()) {
            if self.weights[c] <= 0.0 {
                *o = f64::NEG_INFINITY;
                continue;
            }
            let l = &self.chols[c * d * d..(c + 1) * d * d];
            let mu = &self.means[c * d..(c + 1) * d];
            let mut q = 0.0;
            for i in 0..d {
                let mut s = x[i] - mu[i];
                for j in 0..i {
                    s -= l[i * d + j] * y[j];
                }
                y[i] = s / l[i * d + i];
                q += y[i] * y[i];
            }
            *o = self.log_norm[c] - 0.5 * q;
        }
    }

    /// ln p(x).
    pub fn log_density(&self, x: &[f64]) -> f64 {
        let mut y = vec![0.0; self.dim];
        let mut out = vec![0.0; self.components()];
        self.component_log_densities(x, &mut y, &mut out);
        crate::numeric::log_sum_exp(&out)
    }

    /// One draw: a component by weight, then μ + L z.
    pub fn draw(&self, rng: &mut Rng, out: &mut [f64]) {
        let c = self.picker.sample(rng);
        let d = self.dim;
        let l = &self.chols[c * d * d..(c + 1) * d * d];
        let mu = &self.means[c * d..(c + 1) * d];
        let mut stack = [0.0f64; 32];
        let mut heap;
        let z: &mut [f64] = if d <= stack.len() {
            &mut stack[..d]
        } else {
            heap = vec![0.0; d];
            &mut heap
        };
        for zi in z.iter_mut() {
            *zi = StandardNormal.sample(rng);
        }
        for i in 0..d {
            out[i] = mu[i] + (0..=i).map(|j| l[i * d + j] * z[j]).sum::<f64>();
        }
    }

    /// Mean and covariance (row-major) of the mixture.
    pub fn mean_cov(&self) -> (Vec<f64>, Vec<f64>) {
        let d = self.dim;
        let mut mean = vec![0.0; d];
        for (&w, mu) in self.weights.iter().zip(self.means.chunks_exact(d)) {
            for (m, x) in mean.iter_mut().zip(mu) {
                *m += w * x;
            }
        }
        let mut cov = vec![0.0; d * d];
        for (c, &w) in self.weights.iter().enumerate() {
            for i in 0..d {
                for j in 0..d {
                    let di = self.means[c * d + i] - mean[i];
                    let dj = self.means[c * d + j] - mean[j];
                    cov[i * d + j] += w * (self.covs[c * d * d + i * d + j] + di * dj);
                }
            }
        }
        (mean, cov)
    }
}

/// Squared Euclidean distance.
fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Weighted covariances of `data` around `means` for every component: Σ_i r_ic (x_i − μ_c)
/// (x_i − μ_c)ᵀ / n_c + floor·I, with r the responsibilities (n × k) and n_c their column sums;
/// chunked, combined in chunk order.
fn weighted_covariances(
    data: &Points,
    resp: &[f64],
    k: usize,
    means: &[f64],
    nk: &[f64],
    floor: f64,
) -> Vec<f64> {
    let d = data.dim;
    let n = data.len();
    let parts: Vec<Vec<f64>> = (0..n.div_ceil(EM_CHUNK))
        .into_par_iter()
        .map(|ch| {
            let mut acc = vec![0.0; k * d * d];
            let mut diff = vec![0.0; d];
            for i in ch * EM_CHUNK..((ch + 1) * EM_CHUNK).min(n) {
                let x = data.row(i);
                for c in 0..k {
                    let r = resp[i * k + c];
                    if r == 0.0 {
                        continue;
                    }
                    for a in 0..d {
                        diff[a] = x[a] - means[c * d + a];
                    }
                    let s = &mut acc[c * d * d..(c + 1) * d * d];
                    for a in 0..d {
                        let ra = r * diff[a];
                        for b in 0..=a {
                            s[a * d + b] += ra * diff[b];
                        }
                    }
                }
            }
            acc
        })
        .collect();
    let mut cov = vec![0.0; k * d * d];
    for part in &parts {
        for (x, y) in cov.iter_mut().zip(part) {
            *x += y;
        }
    }
    for c in 0..k {
        let s = &mut cov[c * d * d..(c + 1) * d * d];
        for a in 0..d {
            for b in 0..=a {
                let v = if nk[c] > 0.0 {
                    s[a * d + b] / nk[c]
                } else {
                    0.0
                };
                s[a * d + b] = v;
                s[b * d + a] = v;
            }
            s[a * d + a] += floor;
        }
    }
    cov
}

/// Column sums of the responsibilities and the weighted sums Σ_i r_ic x_i, chunked.
fn weighted_sums(data: &Points, resp: &[f64], k: usize) -> (Vec<f64>, Vec<f64>) {
    let d = data.dim;
    let n = data.len();
    let parts: Vec<(Vec<f64>, Vec<f64>)> = (0..n.div_ceil(EM_CHUNK))
        .into_par_iter()
        .map(|ch| {
            let (mut nk, mut s1) = (vec![0.0; k], vec![0.0; k * d]);
            for i in ch * EM_CHUNK..((ch + 1) * EM_CHUNK).min(n) {
                let x = data.row(i);
                for c in 0..k {
                    let r = resp[i * k + c];
                    nk[c] += r;
                    for a in 0..d {
                        s1[c * d + a] += r * x[a];
                    }
                }
            }
            (nk, s1)
        })
        .collect();
    let (mut nk, mut s1) = (vec![0.0; k], vec![0.0; k * d]);
    for (a, b) in &parts {
        for (x, y) in nk.iter_mut().zip(a) {
            *x += y;
        }
        for (x, y) in s1.iter_mut().zip(b) {
            *x += y;
        }
    }
    (nk, s1)
}

/// k-means++ seeding, `settings.kmeans_iter` Lloyd iterations, then one Gaussian per cluster
/// (cluster covariance + floor; an empty cluster gets weight 0 and the data covariance).
pub fn kmeans_init(data: &Points, settings: &EmSettings, rng: &mut Rng) -> Result<Gmm, Error> {
    settings.validate()?;
    let (n, d, k) = (data.len(), data.dim, settings.components);
    if n < k {
        return Err(Error::TooFewPoints {
            model: "the Gaussian mixture",
            needed: k,
            got: n,
        });
    }
    // k-means++ seeding.
    let mut centres = Vec::with_capacity(k * d);
    centres.extend_from_slice(data.row(rng.random_range(0..n)));
    let mut d2: Vec<f64> = data.rows().map(|x| dist2(x, &centres[..d])).collect();
    for _ in 1..k {
        let total: f64 = d2.iter().sum();
        let pick = if total > 0.0 {
            let u = rng.random::<f64>() * total;
            let mut acc = 0.0;
            let mut pick = n - 1;
            for (i, &v) in d2.iter().enumerate() {
                acc += v;
                if u < acc {
                    pick = i;
                    break;
                }
            }
            pick
        } else {
            rng.random_range(0..n)
        };
        let c = data.row(pick).to_vec();
        for (i, x) in data.rows().enumerate() {
            d2[i] = d2[i].min(dist2(x, &c));
        }
        centres.extend(c);
    }
    // Lloyd iterations with hard responsibilities.
    let assign = |centres: &[f64]| -> Vec<usize> {
        (0..n)
            .into_par_iter()
            .with_min_len(EM_CHUNK)
            .map(|i| {
                let x = data.row(i);
                (0..k)
                    .min_by(|&a, &b| {
                        dist2(x, &centres[a * d..(a + 1) * d])
                            .total_cmp(&dist2(x, &centres[b * d..(b + 1) * d]))
                    })
                    .unwrap_or(0)
            })
            .collect()
    };
    let hard = |labels: &[usize]| -> Vec<f64> {
        let mut r = vec![0.0; n * k];
        for (i, &l) in labels.iter().enumerate() {
            r[i * k + l] = 1.0;
        }
        r
    };
    let mut labels = assign(&centres);
    for _ in 0..settings.kmeans_iter {
        let (nk, s1) = weighted_sums(data, &hard(&labels), k);
        for c in 0..k {
            if nk[c] > 0.0 {
                for a in 0..d {
                    centres[c * d + a] = s1[c * d + a] / nk[c];
                }
            }
        }
        let next = assign(&centres);
        if next == labels {
            break;
        }
        labels = next;
    }
    let resp = hard(&labels);
    let (nk, _) = weighted_sums(data, &resp, k);
    let mut covs = weighted_covariances(data, &resp, k, &centres, &nk, settings.cov_floor);
    let all = vec![1.0; n];
    let (_, s_all) = weighted_sums(data, &all, 1);
    let global_mean: Vec<f64> = s_all.iter().map(|s| s / n as f64).collect();
    let global = weighted_covariances(data, &all, 1, &global_mean, &[n as f64], settings.cov_floor);
    for c in 0..k {
        if nk[c] == 0.0 {
            covs[c * d * d..(c + 1) * d * d].copy_from_slice(&global);
        }
    }
    Gmm::new(d, nk, centres, covs)
}

/// EM from `init` on `data`: at most `max_iter` iterations, stopping when the mean
/// log-likelihood changes by less than `tol`.
pub fn fit_em(data: &Points, init: &Gmm, settings: &EmSettings) -> Result<(Gmm, EmReport), Error> {
    settings.validate()?;
    let (n, d, k) = (data.len(), data.dim, init.components());
    if n == 0 {
        return Err(Error::TooFewPoints {
            model: "the Gaussian mixture",
            needed: 1,
            got: 0,
        });
    }
    if d != init.dim {
        return Err(Error::Dimension {
            what: "the Gaussian mixture",
            expected: init.dim,
            found: d,
        });
    }
    let mut model = init.clone();
    let mut last_ll = f64::NEG_INFINITY;
    let mut iterations = 0;
    let mut converged = false;
    loop {
        // E-step.
        let parts: Vec<(Vec<f64>, f64)> = (0..n.div_ceil(EM_CHUNK))
            .into_par_iter()
            .map(|ch| {
                let lo = ch * EM_CHUNK;
                let hi = (lo + EM_CHUNK).min(n);
                let mut resp = vec![0.0; (hi - lo) * k];
                let mut y = vec![0.0; d];
                let mut ll = 0.0;
                for i in lo..hi {
                    let out = &mut resp[(i - lo) * k..(i - lo + 1) * k];
                    model.component_log_densities(data.row(i), &mut y, out);
                    let lse = crate::numeric::log_sum_exp(out);
                    ll += lse;
                    for v in out.iter_mut() {
                        *v = (*v - lse).exp();
                    }
                }
                (resp, ll)
            })
            .collect();
        let ll = parts.iter().map(|p| p.1).sum::<f64>() / n as f64;
        if iterations >= settings.max_iter {
            last_ll = ll;
            break;
        }
        if (ll - last_ll).abs() < settings.tol {
            converged = true;
            last_ll = ll;
            break;
        }
        last_ll = ll;
        let resp: Vec<f64> = parts.into_iter().flat_map(|p| p.0).collect();
        // M-step.
        let (nk, s1) = weighted_sums(data, &resp, k);
        let mut means = model.means.clone();
        let mut weights = vec![0.0; k];
        for c in 0..k {
            if nk[c] >= 1.0 && model.weights[c] > 0.0 {
                weights[c] = nk[c];
                for a in 0..d {
                    means[c * d + a] = s1[c * d + a] / nk[c];
                }
            }
        }
        let mut covs = weighted_covariances(data, &resp, k, &means, &nk, settings.cov_floor);
        for c in 0..k {
            if weights[c] == 0.0 {
                covs[c * d * d..(c + 1) * d * d]
                    .copy_from_slice(&model.covs[c * d * d..(c + 1) * d * d]);
            }
        }
        model = Gmm::new(d, weights, means, covs)?;
        iterations += 1;
    }
    let dead = model.weights.iter().filter(|&&w| w == 0.0).count();
    Ok((
        model,
        EmReport {
            iterations,
            converged,
            log_likelihood: last_ll,
            dead_components: dead,
        },
    ))
}
