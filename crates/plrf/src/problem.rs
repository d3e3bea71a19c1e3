//! The PLRF problem (spec §2.1) and one random instance W with its eigenbasis (§2.2).

use crate::theory;
use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors};
use faer::{Mat, Par};
use lab::error::{finite, positive, require, Invalid};
use lab::seed::Seed;
use rand::RngExt;
use rand_distr::StandardNormal;
use serde::Serialize;

/// The PLRF problem parameters (α, β, v, d), validated.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Problem {
    /// Data exponent α > 0: Var x_j = j^{-2α}.
    pub alpha: f64,
    /// Target exponent β: b_j = j^{-β}.
    pub beta: f64,
    /// Ambient dimension v ≥ d.
    pub v: usize,
    /// Number of parameters d ≥ 1.
    pub d: usize,
}

impl Problem {
    /// Validates α > 0 (finite), finite β, d ≥ 1 and v ≥ d.
    pub fn new(alpha: f64, beta: f64, v: usize, d: usize) -> Result<Problem, Invalid> {
        positive("alpha", alpha)?;
        finite("beta", beta)?;
        require(d >= 1, "d", d as f64, "at least 1")?;
        require(v >= d, "v", v as f64, format!("at least d = {d}"))?;
        Ok(Problem { alpha, beta, v, d })
    }

    /// tr = Σ_{j≤v} j^{-2α}.
    pub fn trace(&self) -> f64 {
        theory::trace(self.alpha, self.v)
    }

    /// The whitened target b̂_j = j^{-α-β}, j = 1..v.
    pub fn b_hat(&self) -> Vec<f64> {
        (1..=self.v)
            .map(|j| (j as f64).powf(-self.alpha - self.beta))
            .collect()
    }

    /// P(0) = ½‖b̂‖² = ½Σ_{j≤v} j^{-2(α+β)}.
    pub fn initial_risk(&self) -> f64 {
        0.5 * self.b_hat().iter().map(|b| b * b).sum::<f64>()
    }
}

/// One random instance: Ŵ = diag(j^{-α})·W with W_{jk} ~ N(0, 1/d), and b̂.
#[derive(Clone, Debug)]
pub struct Instance {
    /// The problem it instantiates.
    pub problem: Problem,
    /// Ŵ, v×d.
    pub w_hat: Mat<f64>,
    /// b̂, length v.
    pub b_hat: Vec<f64>,
}

/// The eigenbasis of K = ŴᵀŴ from the thin SVD Ŵ = U S Vᵀ (spec §3.4).
#[derive(Clone, Debug)]
pub struct Eigen {
    /// λ_j = s_j², descending.
    pub lambda: Vec<f64>,
    /// θ̃*_j = (u_jᵀ b̂)/s_j: the minimiser in eigen-coordinates.
    pub theta_star: Vec<f64>,
    /// Empirical limit loss P∞ = ½‖b̂ − UUᵀb̂‖² (a residual, in f64).
    pub p_inf: f64,
    /// V (d×d): column j is the eigenvector ω_j.
    pub basis: Mat<f64>,
}

impl Eigen {
    /// ρ_j = ⟨ω_j, θ* − θ_0⟩² with θ_0 = 0.
    pub fn rho(&self) -> Vec<f64> {
        self.theta_star.iter().map(|t| t * t).collect()
    }

    /// θ* in the original coordinates: V θ̃*.
    pub fn theta_star_original(&self) -> Vec<f64> {
        let d = self.theta_star.len();
        (0..d)
            .map(|i| {
                (0..d)
                    .map(|j| self.basis[(i, j)] * self.theta_star[j])
                    .sum()
            })
            .collect()
    }
}

impl Instance {
    /// Draws W from the stream ("plrf.W", 0) of `seed`, row by row.
    pub fn draw(problem: Problem, seed: Seed) -> Instance {
        let Problem { alpha, v, d, .. } = problem;
        let mut rng = seed.stream("plrf.W", 0);
        let scale = 1.0 / (d as f64).sqrt();
        let mut w_hat = Mat::zeros(v, d);
        for j in 0..v {
            let row_scale = ((j + 1) as f64).powf(-alpha) * scale;
            for k in 0..d {
                let z: f64 = rng.sample(StandardNormal);
                w_hat[(j, k)] = row_scale * z;
            }
        }
        Instance {
            problem,
            w_hat,
            b_hat: problem.b_hat(),
        }
    }

    /// Population risk P(θ) = ½‖Ŵθ − b̂‖².
    pub fn risk(&self, theta: &[f64]) -> f64 {
        let residual = self.residual(theta);
        0.5 * residual.iter().map(|r| r * r).sum::<f64>()
    }

    /// Ŵθ − b̂.
    fn residual(&self, theta: &[f64]) -> Vec<f64> {
        let (v, d) = (self.problem.v, self.problem.d);
        (0..v)
            .map(|j| (0..d).map(|k| self.w_hat[(j, k)] * theta[k]).sum::<f64>() - self.b_hat[j])
            .collect()
    }

    /// Thin SVD of Ŵ, run by faer with the parallelism `par` (faer's process-wide setting is
    /// neither read nor changed). Pass [`Par::Seq`] inside rayon loops, so faer does not
    /// oversubscribe the cores, and wherever results must not depend on the thread count, as
    /// every theorylab command does: faer's parallel SVD does not give the sequential one's bits.
    pub fn eigen(&self, par: Par) -> Result<Eigen, crate::Error> {
        let (v, d) = (self.problem.v, self.problem.d);
        let (mut u, mut s, mut vt) = (Mat::zeros(v, d), Diag::zeros(d), Mat::zeros(d, d));
        let thin = ComputeSvdVectors::Thin;
        let scratch = svd_scratch::<f64>(v, d, thin, thin, par, Default::default());
        svd(
            self.w_hat.as_ref(),
            s.as_mut(),
            Some(u.as_mut()),
            Some(vt.as_mut()),
            par,
            MemStack::new(&mut MemBuffer::new(scratch)),
            Default::default(),
        )
        .map_err(|e| crate::Error::Svd(format!("{e:?}")))?;
        let s = s.column_vector();
        let proj: Vec<f64> = (0..d)
            .map(|j| (0..v).map(|i| u[(i, j)] * self.b_hat[i]).sum())
            .collect();
        let mut residual = self.b_hat.clone();
        for j in 0..d {
            for i in 0..v {
                residual[i] -= u[(i, j)] * proj[j];
            }
        }
        Ok(Eigen {
            lambda: (0..d).map(|j| s[j] * s[j]).collect(),
            theta_star: (0..d).map(|j| proj[j] / s[j]).collect(),
            p_inf: 0.5 * residual.iter().map(|r| r * r).sum::<f64>(),
            basis: vt,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    #[test]
    fn plrf_identities_hold() {
        // Spec §8 item 1 (d = 50, v = 200).
        let problem = Problem::new(1.0, 0.3, 200, 50).unwrap();
        let inst = Instance::draw(problem, Seed(3));
        let eig = inst.eigen(Par::Seq).unwrap();
        let p0: f64 = 0.5 * (1..=200).map(|j| (j as f64).powf(-2.6)).sum::<f64>();
        assert!(rel(inst.risk(&[0.0; 50]), p0) < 1e-10);
        let b2: f64 = inst.b_hat.iter().map(|b| b * b).sum();
        let lr: f64 = eig.lambda.iter().zip(eig.rho()).map(|(l, r)| l * r).sum();
        assert!(rel(lr + 2.0 * eig.p_inf, b2) < 1e-10);
        let mut rng = Seed(4).stream("test", 0);
        let star = eig.theta_star_original();
        for _ in 0..5 {
            let theta: Vec<f64> = (0..50).map(|_| rng.random::<f64>() - 0.5).collect();
            // ⟨ω_j, θ − θ*⟩ computed in original coordinates.
            let e: Vec<f64> = theta.iter().zip(&star).map(|(t, s)| t - s).collect();
            let modal: f64 = (0..50)
                .map(|j| {
                    let c: f64 = (0..50).map(|i| eig.basis[(i, j)] * e[i]).sum();
                    eig.lambda[j] * c * c
                })
                .sum();
            assert!(rel(inst.risk(&theta), eig.p_inf + 0.5 * modal) < 1e-10);
        }
        // θ* minimises P: P(θ*) = P∞.
        assert!(rel(inst.risk(&star), eig.p_inf) < 1e-8);
    }

    #[test]
    fn eigen_leaves_faers_global_parallelism_alone() {
        let before = faer::get_global_parallelism();
        let problem = Problem::new(1.0, 0.3, 40, 10).unwrap();
        Instance::draw(problem, Seed(1)).eigen(Par::Seq).unwrap();
        assert_eq!(faer::get_global_parallelism(), before);
    }

    #[test]
    fn bad_problems_are_refused() {
        assert!(Problem::new(0.0, 0.3, 10, 5).is_err());
        assert!(Problem::new(f64::NAN, 0.3, 10, 5).is_err());
        assert!(Problem::new(1.0, 0.3, 10, 0).is_err());
        assert!(Problem::new(1.0, 0.3, 4, 5).is_err());
    }
}
