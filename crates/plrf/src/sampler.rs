//! Samplers of (a, y): the exact O(v·d) sampler, the eigenbasis O(d) sampler (exact in
//! distribution), its rotation into the parameter basis, and the theory-input sampler (a
//! different problem), spec §3.4. The exact and rotated samplers draw [`SAMPLE_BLOCK`]
//! samples ahead, so that their a's are one matrix product.

use crate::normals::{fill_normals, normal, SamplerRng};
use crate::problem::{Eigen, Instance};
use faer::linalg::matmul::matmul;
use faer::{Accum, ColMut, ColRef, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

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

impl SamplerKind {
    /// Its name, as on the command line and in config.json.
    pub fn name(&self) -> &'static str {
        match self {
            SamplerKind::Eigen => "eigen",
            SamplerKind::Exact => "exact",
            SamplerKind::Rotated => "rotated",
            SamplerKind::Theory => "theory",
        }
    }
}

/// A source of fresh samples (a, y) with an exact population risk.
pub trait Sampler: Sync {
    /// Number of parameters d.
    fn dim(&self) -> usize;
    /// A new run's work space: one per run, used with that run's generator only (a sampler
    /// may draw samples ahead into it).
    fn scratch(&self) -> Scratch {
        Scratch::default()
    }
    /// Draws one sample: writes a into `a` and returns y.
    fn sample(&self, rng: &mut SamplerRng, a: &mut [f64], scratch: &mut Scratch) -> f64;
    /// Batch-mean gradient over B fresh samples into `grad` (`a` is a work buffer of length d).
    fn gradient(
        &self,
        theta: &[f64],
        batch: usize,
        rng: &mut SamplerRng,
        a: &mut [f64],
        scratch: &mut Scratch,
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
    rng: &mut SamplerRng,
    a: &mut [f64],
    scratch: &mut Scratch,
    grad: &mut [f64],
) {
    sampler.gradient(theta, batch, rng, a, scratch, grad)
}

/// The generic gradient: draw each sample with `sample`, then accumulate a(⟨a, θ⟩ − y).
fn sampled_gradient<S: Sampler + ?Sized>(
    sampler: &S,
    theta: &[f64],
    batch: usize,
    rng: &mut SamplerRng,
    a: &mut [f64],
    scratch: &mut Scratch,
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
#[inline(always)]
fn accumulate(grad: &mut [f64], a: &[f64], r: f64, first: bool) {
    if first {
        grad.iter_mut().zip(a).for_each(|(g, &aj)| *g = aj * r);
    } else {
        grad.iter_mut().zip(a).for_each(|(g, &aj)| *g += aj * r);
    }
}

/// Divides a batch sum by B (nothing to do for B = 1).
#[inline(always)]
fn scale_to_mean(grad: &mut [f64], batch: usize) {
    if batch > 1 {
        let inv = 1.0 / batch as f64;
        grad.iter_mut().for_each(|g| *g *= inv);
    }
}

/// ⟨x, y⟩ (equal lengths) in four interleaved partial sums, so the loop vectorises and is
/// not bound by the latency of one add chain.
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let ((xc, xr), (yc, yr)) = (x.as_chunks::<4>(), y.as_chunks::<4>());
    let mut acc = [0.0; 4];
    for (x4, y4) in xc.iter().zip(yc) {
        for l in 0..4 {
            acc[l] += x4[l] * y4[l];
        }
    }
    for (l, (a, b)) in xr.iter().zip(yr).enumerate() {
        acc[l] += a * b;
    }
    combine(acc)
}

/// Clears the upper halves of the vector registers (`vzeroupper`) where the CPU has AVX.
/// faer's AVX-512 kernels leave them dirty, and after that every SSE instruction of this
/// crate's loops runs several times slower (the momentum step at d = 500: 1.1 µs instead
/// of 0.2 µs after one SVD); the samplers call this once per step.
#[inline]
fn clear_upper_vector_state() {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX, which is all `vzeroupper` needs.
        unsafe { std::arch::x86_64::_mm256_zeroupper() }
    }
}

/// The fixed-order total of four partial sums.
fn combine(acc: [f64; 4]) -> f64 {
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// [`EigenSampler`]'s pass over whole groups of four: g ← s ⊙ g and acc_l += g_l·(t_l − p_l)
/// lane by lane.
#[inline(always)]
fn scale_and_residual_lanes(
    g: &mut [[f64; 4]],
    s: &[[f64; 4]],
    t: &[[f64; 4]],
    p: &[[f64; 4]],
    acc: &mut [f64; 4],
) {
    for (((g4, s4), t4), p4) in g.iter_mut().zip(s).zip(t).zip(p) {
        for l in 0..4 {
            g4[l] *= s4[l];
            acc[l] += g4[l] * (t4[l] - p4[l]);
        }
    }
}

/// [`scale_and_residual_lanes`] in AVX2 registers, four lanes in one (the compiler splits
/// the four sums across registers otherwise): the same operations, so the same bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn scale_and_residual_avx2(
    g: &mut [[f64; 4]],
    s: &[[f64; 4]],
    t: &[[f64; 4]],
    p: &[[f64; 4]],
) -> [f64; 4] {
    use std::arch::x86_64::*;
    let mut acc = _mm256_setzero_pd();
    for (((g4, s4), t4), p4) in g.iter_mut().zip(s).zip(t).zip(p) {
        // SAFETY: each is four f64.
        unsafe {
            let scaled = _mm256_mul_pd(_mm256_loadu_pd(g4.as_ptr()), _mm256_loadu_pd(s4.as_ptr()));
            _mm256_storeu_pd(g4.as_mut_ptr(), scaled);
            let diff = _mm256_sub_pd(_mm256_loadu_pd(t4.as_ptr()), _mm256_loadu_pd(p4.as_ptr()));
            acc = _mm256_add_pd(acc, _mm256_mul_pd(scaled, diff));
        }
    }
    let mut out = [0.0; 4];
    // SAFETY: `out` is four f64.
    unsafe { _mm256_storeu_pd(out.as_mut_ptr(), acc) };
    out
}

/// Samples per block of the samplers that draw ahead ([`ExactSampler`], [`RotatedSampler`]):
/// their a's are a fixed linear map M of the normals, so a block's a's are one matrix product
/// M·Z that reads M once per block instead of once per sample (memory-bound at one sample,
/// compute-bound at 32). The draws of a run do not depend on θ, so drawing ahead changes no
/// draw; only the summation order inside the product differs from a per-sample product.
pub const SAMPLE_BLOCK: usize = 32;

/// Rows of a block's product per rayon task: a fixed split, so the bits do not depend on the
/// thread count.
const PRODUCT_ROWS: usize = 64;

/// A run's work space: the samples a sampler drew ahead and the next one to hand out
/// (empty for samplers that draw as they go).
#[derive(Default)]
pub struct Scratch {
    /// The block's normals, column-major, one column per sample.
    draws: Vec<f64>,
    /// The block's a's, column-major d × [`SAMPLE_BLOCK`].
    samples: Vec<f64>,
    /// The block's y's.
    targets: Vec<f64>,
    /// Index of the next sample to hand out ([`SAMPLE_BLOCK`] when the block is used up).
    next: usize,
}

impl Scratch {
    /// Space for blocks of samples drawn from `draws` normals each, a of length d.
    fn blocks(draws: usize, d: usize) -> Self {
        Scratch {
            draws: vec![0.0; draws * SAMPLE_BLOCK],
            samples: vec![0.0; d * SAMPLE_BLOCK],
            targets: vec![0.0; SAMPLE_BLOCK],
            next: SAMPLE_BLOCK,
        }
    }

    /// Hands out the next sample, refilling the block with `refill` when it is used up.
    fn take(&mut self, a: &mut [f64], refill: impl FnOnce(&mut Scratch)) -> f64 {
        if self.next == SAMPLE_BLOCK {
            refill(self);
            self.next = 0;
        }
        let i = self.next;
        self.next += 1;
        let d = a.len();
        a.copy_from_slice(&self.samples[i * d..(i + 1) * d]);
        self.targets[i]
    }

    /// Fills each column of `draws` with normals in turn (`rows` each; the same stream as
    /// [`SAMPLE_BLOCK`] separate draws of one sample).
    fn draw(&mut self, rng: &mut SamplerRng, rows: usize) {
        self.draws
            .chunks_mut(rows)
            .for_each(|column| fill_normals(rng, column));
    }

    /// samples = M·draws (M: d × rows, given by `m`), [`PRODUCT_ROWS`] rows of M per rayon
    /// task with faer's kernel, in parallel once a block is 2²² multiply-adds.
    fn product(&mut self, m: MatRef<'_, f64>) {
        let (d, rows) = (m.nrows(), m.ncols());
        let z = MatRef::from_column_major_slice(&self.draws, rows, SAMPLE_BLOCK);
        let out = MatMut::from_column_major_slice_mut(&mut self.samples, d, SAMPLE_BLOCK);
        let min_len = if d * rows * SAMPLE_BLOCK < 1 << 22 {
            usize::MAX
        } else {
            1
        };
        out.par_row_chunks_mut(PRODUCT_ROWS)
            .with_min_len(min_len)
            .enumerate()
            .for_each(|(i, piece)| {
                let start = i * PRODUCT_ROWS;
                let lhs = m.subrows(start, piece.nrows());
                matmul(piece, Accum::Replace, lhs, z, 1.0, Par::Seq);
                clear_upper_vector_state();
            });
        clear_upper_vector_state();
    }
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
    fn scratch(&self) -> Scratch {
        Scratch::blocks(self.instance.problem.v, self.instance.problem.d)
    }
    /// [`SAMPLE_BLOCK`] draws z ~ N(0, I_v) at a time, then their a = Ŵᵀz in one product and
    /// y = b̂ᵀz each.
    fn sample(&self, rng: &mut SamplerRng, a: &mut [f64], scratch: &mut Scratch) -> f64 {
        let (w, b) = (&self.instance.w_hat, &self.instance.b_hat);
        scratch.take(a, |s| {
            clear_upper_vector_state();
            s.draw(rng, b.len());
            s.product(w.transpose());
            for (y, z) in s.targets.iter_mut().zip(s.draws.chunks(b.len())) {
                *y = dot(b, z);
            }
        })
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

    /// Turns g into ã = λ^{1/2} ⊙ g in place and returns ⟨ã, θ − θ̃*⟩ (four partial sums,
    /// as [`dot`]).
    #[inline(always)]
    fn scale_and_residual(&self, g: &mut [f64], theta: &[f64]) -> f64 {
        let (gc, gr) = g.as_chunks_mut::<4>();
        let (sc, sr) = self.sqrt_lambda.as_chunks::<4>();
        let (tc, tr) = theta.as_chunks::<4>();
        let (pc, pr) = self.theta_star.as_chunks::<4>();
        let mut acc = [0.0; 4];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2.
            acc = unsafe { scale_and_residual_avx2(gc, sc, tc, pc) };
        } else {
            scale_and_residual_lanes(gc, sc, tc, pc, &mut acc);
        }
        #[cfg(not(target_arch = "x86_64"))]
        scale_and_residual_lanes(gc, sc, tc, pc, &mut acc);
        for (l, (((g, s), t), p)) in gr.iter_mut().zip(sr).zip(tr).zip(pr).enumerate() {
            *g *= s;
            acc[l] += *g * (t - p);
        }
        combine(acc)
    }

    /// The gradient: the same draws as `sample` (g_1..g_d, then ξ), then one pass for
    /// ã = λ^{1/2} ⊙ g and the residual ⟨ã, θ − θ̃*⟩ − √(2P∞)ξ. Inlined into an AVX2 copy
    /// where the CPU has it: the same operations, so the same bits (Rust never fuses a
    /// multiply and an add).
    #[inline(always)]
    fn eigen_gradient(
        &self,
        theta: &[f64],
        batch: usize,
        rng: &mut SamplerRng,
        a: &mut [f64],
        grad: &mut [f64],
    ) {
        for i in 0..batch {
            fill_normals(rng, a);
            let xi = normal(rng);
            let r = self.scale_and_residual(a, theta) - self.noise * xi;
            accumulate(grad, a, r, i == 0);
        }
        scale_to_mean(grad, batch);
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
    fn sample(&self, rng: &mut SamplerRng, a: &mut [f64], _: &mut Scratch) -> f64 {
        fill_normals(rng, a);
        let xi = normal(rng);
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
        rng: &mut SamplerRng,
        a: &mut [f64],
        _: &mut Scratch,
        grad: &mut [f64],
    ) {
        clear_upper_vector_state();
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            #[target_feature(enable = "avx2")]
            fn gradient_avx2(
                s: &EigenSampler,
                theta: &[f64],
                batch: usize,
                rng: &mut SamplerRng,
                a: &mut [f64],
                grad: &mut [f64],
            ) {
                s.eigen_gradient(theta, batch, rng, a, grad)
            }
            // SAFETY: the CPU supports AVX2.
            return unsafe { gradient_avx2(self, theta, batch, rng, a, grad) };
        }
        self.eigen_gradient(theta, batch, rng, a, grad)
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
    noise: f64,
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
            noise: (2.0 * p_inf).sqrt(),
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
    fn scratch(&self) -> Scratch {
        Scratch::blocks(self.dim(), self.dim())
    }
    /// [`SAMPLE_BLOCK`] samples at a time: for each, g ~ N(0, I_d) then ξ; then
    /// a = V(λ^{1/2} ⊙ g) for the block in one product, and y = ⟨a, θ*⟩ + √(2P∞)·ξ each.
    fn sample(&self, rng: &mut SamplerRng, a: &mut [f64], scratch: &mut Scratch) -> f64 {
        let d = self.dim();
        scratch.take(a, |s| {
            clear_upper_vector_state();
            for (g, xi) in s.draws.chunks_mut(d).zip(&mut s.targets) {
                fill_normals(rng, g);
                *xi = normal(rng);
                g.iter_mut()
                    .zip(&self.sqrt_lambda)
                    .for_each(|(x, s)| *x *= s);
            }
            s.product(self.basis.as_ref());
            for (y, a) in s.targets.iter_mut().zip(s.samples.chunks(d)) {
                *y = dot(a, &self.theta_star) + self.noise * *y;
            }
        })
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
        let mut rng = SamplerRng::new(Seed(11).stream("test.moments", 0));
        let (mut a, mut scratch) = (vec![0.0; d], s.scratch());
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
    fn residual_pass_has_the_same_bits_in_avx2() {
        let n = 103;
        let v = |k: usize| {
            (0..4 * n)
                .map(|i| ((i * k) % 17) as f64 / 7.0 - 1.1)
                .collect()
        };
        let (s, t, p): (Vec<f64>, Vec<f64>, Vec<f64>) = (v(3), v(5), v(11));
        let chunks = |x: &[f64]| x.as_chunks::<4>().0.to_vec();
        let (mut g1, mut g2) = (chunks(&v(7)), chunks(&v(7)));
        let mut want = [0.0; 4];
        scale_and_residual_lanes(&mut g1, &chunks(&s), &chunks(&t), &chunks(&p), &mut want);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2.
            let got =
                unsafe { scale_and_residual_avx2(&mut g2, &chunks(&s), &chunks(&t), &chunks(&p)) };
            assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits));
            assert_eq!(g1, g2);
        }
    }

    #[test]
    fn block_product_is_the_product_at_any_thread_count() {
        // d = 400, v = 1600 (parallel branch) and d = 70, v = 280 (sequential branch).
        for (d, v) in [(400, 1600), (70, 280)] {
            let w = Mat::<f64>::from_fn(v, d, |i, j| ((i * 31 + j * 17) % 23) as f64 - 11.0);
            let z = |i: usize, c: usize| ((i * 7 + c * 5) % 13) as f64 / 13.0 - 0.4;
            // By hand, in a different order: |error| ≤ v·ε·Σ|w z| for each entry.
            let want = |j: usize, c: usize| {
                let terms = (0..v).rev().map(|i| w[(i, j)] * z(i, c));
                let bound = (0..v).map(|i| (w[(i, j)] * z(i, c)).abs()).sum::<f64>();
                (terms.sum::<f64>(), bound * v as f64 * f64::EPSILON)
            };
            let mut runs = Vec::new();
            for threads in [1, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let mut s = Scratch::blocks(v, d);
                for (k, x) in s.draws.iter_mut().enumerate() {
                    *x = z(k % v, k / v);
                }
                pool.install(|| s.product(w.transpose()));
                for (k, x) in s.samples.iter().enumerate() {
                    let (y, tol) = want(k % d, k / d);
                    assert!((x - y).abs() <= tol, "entry {k}: {x} vs {y}");
                }
                runs.push(s.samples.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
            }
            assert_eq!(runs[0], runs[1], "bits differ between 1 and 3 threads");
        }
    }

    #[test]
    fn drawing_ahead_changes_no_draw() {
        // Across two block boundaries: each sample's z is the next v normals of the stream,
        // a = Ŵᵀz within v·ε·Σ|w z| of a hand sum, y = b̂ᵀz bit for bit.
        let problem = Problem::new(1.0, 0.3, 120, 30).unwrap();
        let inst = Instance::draw(problem, Seed(5));
        let eig = inst.eigen(Par::Seq).unwrap();
        let sampler = ExactSampler::new(&inst, &eig);
        let (mut rng, mut reference) = (
            SamplerRng::new(Seed(2).stream("t", 0)),
            SamplerRng::new(Seed(2).stream("t", 0)),
        );
        let (mut scratch, mut a, mut z) = (sampler.scratch(), vec![0.0; 30], vec![0.0; 120]);
        for _ in 0..2 * SAMPLE_BLOCK + 5 {
            let y = sampler.sample(&mut rng, &mut a, &mut scratch);
            fill_normals(&mut reference, &mut z);
            assert_eq!(y.to_bits(), dot(&inst.b_hat, &z).to_bits());
            for (j, x) in a.iter().enumerate() {
                let terms = (0..120).map(|i| inst.w_hat[(i, j)] * z[i]);
                let bound: f64 = terms.clone().map(f64::abs).sum::<f64>() * 120.0 * f64::EPSILON;
                assert!((x - terms.sum::<f64>()).abs() <= bound, "a[{j}]");
            }
        }
    }

    #[test]
    /// Spec §8 item 2 at the spec's size: d = 50, v = 200, 10^6 samples, 5 standard errors.
    fn sampler_second_moments_spec_size() {
        moments_of_both_samplers(50, 200, 1_000_000);
    }
}
