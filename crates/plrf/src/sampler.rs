//! Samplers of (a, y): the exact O(v·d) sampler, the eigenbasis O(d) sampler (exact in
//! distribution) and the theory-input sampler (a different problem), spec §3.4.

use crate::problem::{Eigen, Instance};
use faer::linalg::matmul::matmul;
use faer::{Accum, ColMut, ColRef, Mat, Par};
use lab::seed::Rng;
use rand::RngExt;
use rand_distr::StandardNormal;

/// Which sampler drives a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum SamplerKind {
    /// Eigenbasis of one W: O(B·d) per step, exact in distribution.
    Eigen,
    /// z ~ N(0, I_v), a = Ŵᵀz, y = b̂ᵀz: O(B·v·d) per step (the reference).
    Exact,
    /// The eigenbasis draws rotated into the parameter basis, a = V(λ^{1/2} ⊙ g): O(B·d²) per
    /// step, exact in distribution, for the per-coordinate methods (Adam, ADana).
    Rotated,
    /// Theory inputs λ_j = j^{-2α}, θ̃* = √ρ, theory P∞: the deterministic-equivalent
    /// problem, not a fixed-W instance.
    Theory,
}

/// A source of fresh samples (a, y) with an exact population risk.
pub trait Sampler: Sync {
    /// Number of parameters d.
    fn dim(&self) -> usize;
    /// Length of the scratch buffer `sample` needs.
    fn scratch_len(&self) -> usize {
        0
    }
    /// Draws one sample: writes a into `a` and returns y.
    fn sample(&self, rng: &mut Rng, a: &mut [f64], scratch: &mut [f64]) -> f64;
    /// Batch-mean gradient over B fresh samples into `grad` (`a` and `scratch` are work
    /// buffers of lengths d and `scratch_len`).
    fn gradient(
        &self,
        theta: &[f64],
        batch: usize,
        rng: &mut Rng,
        a: &mut [f64],
        scratch: &mut [f64],
        grad: &mut [f64],
    ) {
        sampled_gradient(self, theta, batch, rng, a, scratch, grad)
    }
    /// Population risk P(θ) in the sampler's coordinates.
    fn risk(&self, theta: &[f64]) -> f64;
    /// Largest eigenvalue of K (for the stability check).
    fn lambda_max(&self) -> f64;
    /// The limit loss P∞ of this problem.
    fn p_inf(&self) -> f64;
}

/// Batch-mean gradient (1/B)Σ a_i(⟨a_i, θ⟩ − y_i) over B fresh samples, into `grad`.
pub fn batch_gradient(
    sampler: &dyn Sampler,
    theta: &[f64],
    batch: usize,
    rng: &mut Rng,
    a: &mut [f64],
    scratch: &mut [f64],
    grad: &mut [f64],
) {
    sampler.gradient(theta, batch, rng, a, scratch, grad)
}

/// The generic gradient: draw each sample with `sample`, then accumulate a(⟨a, θ⟩ − y).
fn sampled_gradient<S: Sampler + ?Sized>(
    sampler: &S,
    theta: &[f64],
    batch: usize,
    rng: &mut Rng,
    a: &mut [f64],
    scratch: &mut [f64],
    grad: &mut [f64],
) {
    for i in 0..batch {
        let y = sampler.sample(rng, a, scratch);
        let r = dot(a, theta) - y;
        accumulate(grad, a, r, i == 0);
    }
    scale_to_mean(grad, batch);
}

/// grad = a·r (first sample) or grad += a·r.
fn accumulate(grad: &mut [f64], a: &[f64], r: f64, first: bool) {
    if first {
        grad.iter_mut().zip(a).for_each(|(g, &aj)| *g = aj * r);
    } else {
        grad.iter_mut().zip(a).for_each(|(g, &aj)| *g += aj * r);
    }
}

/// Divides a batch sum by B (nothing to do for B = 1).
fn scale_to_mean(grad: &mut [f64], batch: usize) {
    if batch > 1 {
        let inv = 1.0 / batch as f64;
        grad.iter_mut().for_each(|g| *g *= inv);
    }
}

/// Fills `out` with N(0, 1) draws. Kept out of line, on a local copy of the generator,
/// so the generator state stays in registers (twice as fast as the same loop inlined).
#[inline(never)]
fn fill_normals(rng: &mut Rng, out: &mut [f64]) {
    let mut local = rng.clone();
    for x in out.iter_mut() {
        *x = local.sample(StandardNormal);
    }
    *rng = local;
}

fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// The exact sampler on one instance.
pub struct ExactSampler<'a> {
    instance: &'a Instance,
    eigen: &'a Eigen,
}

impl<'a> ExactSampler<'a> {
    /// Samples (Ŵᵀz, b̂ᵀz); `eigen` gives λ_max and P∞ of the same instance.
    pub fn new(instance: &'a Instance, eigen: &'a Eigen) -> Self {
        ExactSampler { instance, eigen }
    }
}

impl Sampler for ExactSampler<'_> {
    fn dim(&self) -> usize {
        self.instance.problem.d
    }
    fn scratch_len(&self) -> usize {
        self.instance.problem.v
    }
    fn sample(&self, rng: &mut Rng, a: &mut [f64], z: &mut [f64]) -> f64 {
        fill_normals(rng, z);
        let w: &Mat<f64> = &self.instance.w_hat;
        matmul(
            ColMut::from_slice_mut(a).as_mat_mut(),
            Accum::Replace,
            w.transpose(),
            ColRef::from_slice(z).as_mat(),
            1.0,
            Par::Seq,
        );
        dot(&self.instance.b_hat, z)
    }
    fn risk(&self, theta: &[f64]) -> f64 {
        self.instance.risk(theta)
    }
    fn lambda_max(&self) -> f64 {
        self.eigen.lambda[0]
    }
    fn p_inf(&self) -> f64 {
        self.eigen.p_inf
    }
}

/// The eigenbasis sampler: ã = λ^{1/2} ⊙ g, y = ⟨ã, θ̃*⟩ + √(2P∞)·ξ, in eigen-coordinates.
pub struct EigenSampler {
    lambda: Vec<f64>,
    sqrt_lambda: Vec<f64>,
    theta_star: Vec<f64>,
    p_inf: f64,
    noise: f64,
}

impl EigenSampler {
    /// From eigenvalues λ (descending), the minimiser θ̃* and P∞.
    pub fn new(lambda: Vec<f64>, theta_star: Vec<f64>, p_inf: f64) -> Self {
        EigenSampler {
            sqrt_lambda: lambda.iter().map(|l| l.sqrt()).collect(),
            lambda,
            theta_star,
            p_inf,
            noise: (2.0 * p_inf).sqrt(),
        }
    }

    /// The eigenbasis of one instance.
    pub fn from_eigen(eigen: &Eigen) -> Self {
        Self::new(eigen.lambda.clone(), eigen.theta_star.clone(), eigen.p_inf)
    }

    /// The theory-input problem: λ, θ̃* = √ρ and P∞ from theory.
    pub fn from_spectrum(spectrum: &crate::Spectrum) -> Self {
        let star = spectrum.rho.iter().map(|r| r.sqrt()).collect();
        Self::new(spectrum.lambda.clone(), star, spectrum.p_inf)
    }

    /// θ̃*, the minimiser in eigen-coordinates.
    pub fn theta_star(&self) -> &[f64] {
        &self.theta_star
    }
}

impl Sampler for EigenSampler {
    fn dim(&self) -> usize {
        self.lambda.len()
    }
    fn sample(&self, rng: &mut Rng, a: &mut [f64], _: &mut [f64]) -> f64 {
        fill_normals(rng, a);
        let xi: f64 = rng.sample(StandardNormal);
        let mut y = self.noise * xi;
        for ((aj, &s), &t) in a.iter_mut().zip(&self.sqrt_lambda).zip(&self.theta_star) {
            *aj *= s;
            y += *aj * t;
        }
        y
    }
    fn gradient(
        &self,
        theta: &[f64],
        batch: usize,
        rng: &mut Rng,
        a: &mut [f64],
        _: &mut [f64],
        grad: &mut [f64],
    ) {
        // One pass per sample: the residual ⟨ã, θ − θ̃*⟩ − √(2P∞)ξ, with the same draws
        // (g_1..g_d, then ξ) as `sample`.
        for i in 0..batch {
            // The same draws as `sample` (g_1..g_d, then ξ), then one pass for the residual
            // ⟨ã, θ − θ̃*⟩ − √(2P∞)ξ.
            fill_normals(rng, a);
            let xi: f64 = rng.sample(StandardNormal);
            let mut r = -self.noise * xi;
            for (((aj, &s), &t), &th) in a
                .iter_mut()
                .zip(&self.sqrt_lambda)
                .zip(&self.theta_star)
                .zip(theta)
            {
                *aj *= s;
                r += *aj * (th - t);
            }
            accumulate(grad, a, r, i == 0);
        }
        scale_to_mean(grad, batch);
    }
    fn risk(&self, theta: &[f64]) -> f64 {
        let modal: f64 = self
            .lambda
            .iter()
            .zip(theta)
            .zip(&self.theta_star)
            .map(|((l, t), s)| l * (t - s) * (t - s))
            .sum();
        self.p_inf + 0.5 * modal
    }
    fn lambda_max(&self) -> f64 {
        self.lambda.iter().cloned().fold(0.0, f64::max)
    }
    fn p_inf(&self) -> f64 {
        self.p_inf
    }
}

/// The eigenbasis sampler's draws rotated into the parameter basis: a = V(λ^{1/2} ⊙ g),
/// y = ⟨a, θ*⟩ + √(2P∞)·ξ with θ* = Vθ̃* (V: the eigenvectors of K). The same draws as
/// [`EigenSampler`] (g_1..g_d, then ξ), so a rotation-invariant method follows V times its
/// eigenbasis path; a ~ N(0, K) and (a, y) have the exact sampler's joint law, at O(d²) per
/// sample instead of O(v·d). θ lives in the parameter basis, as Adam and ADana need.
pub struct RotatedSampler {
    basis: Mat<f64>,
    lambda: Vec<f64>,
    sqrt_lambda: Vec<f64>,
    theta_star: Vec<f64>,
    p_inf: f64,
}

impl RotatedSampler {
    /// From the basis V (d×d, orthogonal, column j the eigenvector of λ_j), the eigenvalues λ,
    /// the minimiser θ̃* in eigen-coordinates and P∞.
    pub fn new(basis: Mat<f64>, lambda: Vec<f64>, theta_star: &[f64], p_inf: f64) -> Self {
        let mut star = vec![0.0; theta_star.len()];
        matmul(
            ColMut::from_slice_mut(&mut star).as_mat_mut(),
            Accum::Replace,
            basis.as_ref(),
            ColRef::from_slice(theta_star).as_mat(),
            1.0,
            Par::Seq,
        );
        RotatedSampler {
            basis,
            sqrt_lambda: lambda.iter().map(|l| l.sqrt()).collect(),
            lambda,
            theta_star: star,
            p_inf,
        }
    }

    /// The parameter basis of one instance, with its own eigenvalues, θ̃* and P∞.
    pub fn from_eigen(eigen: &Eigen) -> Self {
        Self::new(
            eigen.basis.clone(),
            eigen.lambda.clone(),
            &eigen.theta_star,
            eigen.p_inf,
        )
    }
}

impl Sampler for RotatedSampler {
    fn dim(&self) -> usize {
        self.sqrt_lambda.len()
    }
    fn scratch_len(&self) -> usize {
        self.dim()
    }
    fn sample(&self, rng: &mut Rng, a: &mut [f64], g: &mut [f64]) -> f64 {
        fill_normals(rng, g);
        let xi: f64 = rng.sample(StandardNormal);
        g.iter_mut()
            .zip(&self.sqrt_lambda)
            .for_each(|(x, s)| *x *= s);
        matmul(
            ColMut::from_slice_mut(a).as_mat_mut(),
            Accum::Replace,
            self.basis.as_ref(),
            ColRef::from_slice(g).as_mat(),
            1.0,
            Par::Seq,
        );
        dot(a, &self.theta_star) + (2.0 * self.p_inf).sqrt() * xi
    }
    fn risk(&self, theta: &[f64]) -> f64 {
        let e: Vec<f64> = theta
            .iter()
            .zip(&self.theta_star)
            .map(|(t, s)| t - s)
            .collect();
        let mut c = vec![0.0; e.len()];
        matmul(
            ColMut::from_slice_mut(&mut c).as_mat_mut(),
            Accum::Replace,
            self.basis.transpose(),
            ColRef::from_slice(&e).as_mat(),
            1.0,
            Par::Seq,
        );
        let modal: f64 = c.iter().zip(&self.lambda).map(|(c, l)| l * c * c).sum();
        self.p_inf + 0.5 * modal
    }
    fn lambda_max(&self) -> f64 {
        self.lambda.iter().cloned().fold(0.0, f64::max)
    }
    fn p_inf(&self) -> f64 {
        self.p_inf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Problem;
    use lab::seed::Seed;

    /// Checks E[a aᵀ], E[a y], E[y²] of `n` samples against `k`, `ky`, `yy` within `z`
    /// Monte-Carlo standard errors (each entry's own sample standard deviation).
    fn check_moments(s: &dyn Sampler, n: usize, k: &[Vec<f64>], ky: &[f64], yy: f64, z: f64) {
        let d = s.dim();
        let mut rng = Seed(11).stream("test.moments", 0);
        let (mut a, mut scratch) = (vec![0.0; d], vec![0.0; s.scratch_len()]);
        // Running sums of each product and of its square.
        let mut sum_k = vec![vec![(0.0, 0.0); d]; d];
        let mut sum_ky = vec![(0.0, 0.0); d];
        let mut sum_yy = (0.0, 0.0);
        let acc = |s: &mut (f64, f64), x: f64| {
            s.0 += x;
            s.1 += x * x;
        };
        for _ in 0..n {
            let y = s.sample(&mut rng, &mut a, &mut scratch);
            for i in 0..d {
                for j in 0..=i {
                    acc(&mut sum_k[i][j], a[i] * a[j]);
                }
                acc(&mut sum_ky[i], a[i] * y);
            }
            acc(&mut sum_yy, y * y);
        }
        let nf = n as f64;
        let zscore = |s: (f64, f64), want: f64| {
            let mean = s.0 / nf;
            let se = ((s.1 / nf - mean * mean) / nf).sqrt();
            (mean - want).abs() / se
        };
        let mut worst: f64 = 0.0;
        for i in 0..d {
            for j in 0..=i {
                worst = worst.max(zscore(sum_k[i][j], k[i][j]));
            }
            worst = worst.max(zscore(sum_ky[i], ky[i]));
        }
        worst = worst.max(zscore(sum_yy, yy));
        assert!(worst < z, "largest deviation {worst:.2} standard errors");
    }

    fn moments_of_both_samplers(d: usize, v: usize, n: usize) {
        let problem = Problem::new(1.0, 0.3, v, d).unwrap();
        let inst = Instance::draw(problem, Seed(5));
        let eig = inst.eigen(Par::Seq).unwrap();
        let w = &inst.w_hat;
        // Exact sampler: (K = ŴᵀŴ, Ŵᵀb̂, ‖b̂‖²).
        let k: Vec<Vec<f64>> = (0..d)
            .map(|i| {
                (0..d)
                    .map(|j| (0..v).map(|r| w[(r, i)] * w[(r, j)]).sum())
                    .collect()
            })
            .collect();
        let ky: Vec<f64> = (0..d)
            .map(|i| (0..v).map(|r| w[(r, i)] * inst.b_hat[r]).sum())
            .collect();
        let yy: f64 = inst.b_hat.iter().map(|b| b * b).sum();
        check_moments(&ExactSampler::new(&inst, &eig), n, &k, &ky, yy, 5.0);
        // The rotated sampler has the exact sampler's joint law.
        check_moments(&RotatedSampler::from_eigen(&eig), n, &k, &ky, yy, 5.0);
        // Eigenbasis sampler: (diag λ, λ ⊙ θ̃*, Σλθ̃*² + 2P∞).
        let es = EigenSampler::from_eigen(&eig);
        let diag: Vec<Vec<f64>> = (0..d)
            .map(|i| {
                (0..d)
                    .map(|j| if i == j { eig.lambda[i] } else { 0.0 })
                    .collect()
            })
            .collect();
        let ly: Vec<f64> = (0..d).map(|i| eig.lambda[i] * eig.theta_star[i]).collect();
        let yy2: f64 = ly
            .iter()
            .zip(&eig.theta_star)
            .map(|(a, b)| a * b)
            .sum::<f64>()
            + 2.0 * eig.p_inf;
        check_moments(&es, n, &diag, &ly, yy2, 5.0);
    }

    #[test]
    /// Spec §8 item 2 at the spec's size: d = 50, v = 200, 10^6 samples, 5 standard errors.
    fn sampler_second_moments_spec_size() {
        moments_of_both_samplers(50, 200, 1_000_000);
    }
}
