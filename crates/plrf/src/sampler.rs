//! Samplers of (a, y): the exact O(v·d) sampler, the eigenbasis O(d) sampler (exact in
//! distribution) and the theory-input sampler (a different problem), spec §3.4.

use crate::problem::{Eigen, Instance};
use faer::linalg::matmul::matmul;
use faer::{Accum, ColMut, ColRef, Mat, Par};
use lab::seed::Rng;
use rand::{Rng as _, RngExt};

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

/// Fills `out` with independent N(0, 1) draws by the 256-layer ziggurat (Marsaglia & Tsang
/// 2000, as in `rand_distr`): first one u64 per entry, on a local copy of the generator so
/// its state stays in registers, then each turned into a draw (the rare rejections draw
/// afresh from `rng`).
#[inline(never)]
fn fill_normals(rng: &mut Rng, out: &mut [f64]) {
    let mut local = rng.clone();
    for x in out.iter_mut() {
        *x = f64::from_bits(local.next_u64());
    }
    *rng = local;
    let zig = &*ZIGGURAT;
    for x in out.iter_mut() {
        *x = zig.draw(rng, x.to_bits());
    }
}

/// One N(0, 1) draw (see [`fill_normals`]).
fn normal(rng: &mut Rng) -> f64 {
    let bits = rng.next_u64();
    ZIGGURAT.draw(rng, bits)
}

/// The ziggurat's layer edges x_i (x_0 = V/f(R), x_1 = R, x_256 = 0) and f(x_i) = e^{−x_i²/2}.
struct Ziggurat {
    x: [f64; 257],
    f: [f64; 257],
}

/// The tables, built once from R and V in f64 (top layer's area equals V to ~1e-13).
static ZIGGURAT: std::sync::LazyLock<Ziggurat> = std::sync::LazyLock::new(Ziggurat::new);

impl Ziggurat {
    /// Right edge of the base layer.
    const R: f64 = 3.654152885361009;
    /// Area of each layer: R·f(R) + √(π/2)·erfc(R/√2).
    const V: f64 = 4.928673233974655e-3;

    /// Layer edges by the recurrence x_{i+1} = f⁻¹(V/x_i + f(x_i)).
    fn new() -> Ziggurat {
        let f = |x: f64| (-0.5 * x * x).exp();
        let mut x = [0.0; 257];
        x[0] = Self::V / f(Self::R);
        x[1] = Self::R;
        for i in 1..255 {
            x[i + 1] = (-2.0 * (Self::V / x[i] + f(x[i])).ln()).sqrt();
        }
        Ziggurat { x, f: x.map(f) }
    }

    /// One draw from the u64 `bits`: layer i from the low 8 bits, a signed uniform u from the
    /// high 52, x = u·x_i, accepted at once when inside the layer's rectangle.
    #[inline(always)]
    fn draw(&self, rng: &mut Rng, bits: u64) -> f64 {
        let i = (bits & 0xff) as usize;
        let u = f64::from_bits((bits >> 12) | 0x4000_0000_0000_0000) - 3.0;
        let x = u * self.x[i];
        if x.abs() < self.x[i + 1] {
            x
        } else {
            self.edge(rng, i, u, x)
        }
    }

    /// The rare rest of the ziggurat: the tail beyond R (layer 0) or the wedge test, and on
    /// rejection a fresh draw.
    #[cold]
    #[inline(never)]
    fn edge(&self, rng: &mut Rng, i: usize, u: f64, x: f64) -> f64 {
        if i == 0 {
            // Marsaglia's tail method.
            loop {
                let t = open01(rng).ln() / Self::R;
                let y = open01(rng).ln();
                if -2.0 * y >= t * t {
                    return if u < 0.0 { t - Self::R } else { Self::R - t };
                }
            }
        }
        let v: f64 = rng.random();
        if self.f[i + 1] + (self.f[i] - self.f[i + 1]) * v < (-0.5 * x * x).exp() {
            x
        } else {
            normal(rng)
        }
    }
}

/// A uniform draw in the open interval (0, 1).
fn open01(rng: &mut Rng) -> f64 {
    rng.sample(rand::distr::Open01)
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
        clear_upper_vector_state();
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
        clear_upper_vector_state();
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

    /// Turns g into ã = λ^{1/2} ⊙ g in place and returns ⟨ã, θ − θ̃*⟩ (four partial sums,
    /// as [`dot`]).
    fn scale_and_residual(&self, g: &mut [f64], theta: &[f64]) -> f64 {
        let (gc, gr) = g.as_chunks_mut::<4>();
        let (sc, sr) = self.sqrt_lambda.as_chunks::<4>();
        let (tc, tr) = theta.as_chunks::<4>();
        let (pc, pr) = self.theta_star.as_chunks::<4>();
        let mut acc = [0.0; 4];
        for (((g4, s4), t4), p4) in gc.iter_mut().zip(sc).zip(tc).zip(pc) {
            for l in 0..4 {
                g4[l] *= s4[l];
                acc[l] += g4[l] * (t4[l] - p4[l]);
            }
        }
        for (l, (((g, s), t), p)) in gr.iter_mut().zip(sr).zip(tr).zip(pr).enumerate() {
            *g *= s;
            acc[l] += *g * (t - p);
        }
        combine(acc)
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
        rng: &mut Rng,
        a: &mut [f64],
        _: &mut [f64],
        grad: &mut [f64],
    ) {
        // The same draws as `sample` (g_1..g_d, then ξ), then one pass for ã = λ^{1/2} ⊙ g
        // and the residual ⟨ã, θ − θ̃*⟩ − √(2P∞)ξ.
        clear_upper_vector_state();
        for i in 0..batch {
            fill_normals(rng, a);
            let xi = normal(rng);
            let r = self.scale_and_residual(a, theta) - self.noise * xi;
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
    fn scratch_len(&self) -> usize {
        self.dim()
    }
    fn sample(&self, rng: &mut Rng, a: &mut [f64], g: &mut [f64]) -> f64 {
        clear_upper_vector_state();
        fill_normals(rng, g);
        let xi = normal(rng);
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
        clear_upper_vector_state();
        dot(a, &self.theta_star) + self.noise * xi
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
    fn ziggurat_layers_have_equal_areas_and_draws_have_normal_tails() {
        let z = &*ZIGGURAT;
        assert_eq!(z.x[256], 0.0);
        // Every layer i ≥ 1 (rectangle x_i·(f(x_{i+1}) − f(x_i))) has area V, the top one too.
        for i in 1..256 {
            let area = z.x[i] * (z.f[i + 1] - z.f[i]);
            assert!(
                (area / Ziggurat::V - 1.0).abs() < 1e-11,
                "layer {i}: {area}"
            );
        }
        // P(X > q) for 4·10⁶ draws within 5 standard errors, q on both sides of R.
        let n = 4_000_000;
        let mut rng = Seed(12).stream("test.normals", 0);
        let mut draws = vec![0.0; n];
        fill_normals(&mut rng, &mut draws);
        let tails = [
            (0.0, 0.5),
            (1.0, 0.15865525393145707),
            (2.0, 0.02275013194817921),
            (3.0, 0.0013498980316300946),
            (4.0, 3.1671241833119857e-5),
        ];
        for (q, p) in tails {
            for sign in [1.0, -1.0] {
                let count = draws.iter().filter(|&&x| sign * x > q).count() as f64;
                let se = (p * (1.0 - p) / n as f64).sqrt();
                assert!((count / n as f64 - p).abs() < 5.0 * se, "P(±X > {q})");
            }
        }
    }

    #[test]
    /// Spec §8 item 2 at the spec's size: d = 50, v = 200, 10^6 samples, 5 standard errors.
    fn sampler_second_moments_spec_size() {
        moments_of_both_samplers(50, 200, 1_000_000);
    }
}
