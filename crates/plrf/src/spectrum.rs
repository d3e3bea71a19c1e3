//! Inputs of the moment recursion and the ODE: eigenvalues λ, initial ρ and P∞ (spec §2.3).

use crate::problem::{Eigen, Problem};
use crate::theory::{theory_limit_loss, theory_spectrum, LimitLossMode};
use serde::Serialize;

/// Where λ and ρ come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum SpectrumSource {
    /// λ_j = j^{-2α}, ρ_j = j^{-2β} + c_β/d (no matrix needed).
    Theory,
    /// SVD of one instance's Ŵ.
    Empirical,
}

/// Which P∞ the recursion and ODE use.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitLoss {
    /// Theory P∞ in the given mode (spec §2.4).
    Theory(LimitLossMode),
    /// The instance's own P∞ (only with an empirical spectrum).
    Empirical,
    /// A number given by the user.
    Value(f64),
}

/// Per-mode inputs (λ_j, ρ_j(0)) and the limit loss P∞ (not doubled).
#[derive(Clone, Debug, PartialEq)]
pub struct Spectrum {
    /// Eigenvalues λ_j of K.
    pub lambda: Vec<f64>,
    /// ρ_j(0) = ⟨ω_j, θ* − θ_0⟩².
    pub rho: Vec<f64>,
    /// P∞.
    pub p_inf: f64,
}

impl Spectrum {
    /// The cheap theory inputs with the theory P∞ in `mode`.
    pub fn theory(problem: &Problem, mode: LimitLossMode) -> Spectrum {
        let (lambda, rho) = theory_spectrum(problem.alpha, problem.beta, problem.d);
        let p_inf = theory_limit_loss(problem.alpha, problem.beta, problem.v, problem.d, mode);
        Spectrum { lambda, rho, p_inf }
    }

    /// The empirical inputs of one instance with the given P∞.
    pub fn empirical(eigen: &Eigen, p_inf: f64) -> Spectrum {
        Spectrum {
            lambda: eigen.lambda.clone(),
            rho: eigen.rho(),
            p_inf,
        }
    }

    /// Resolves a `LimitLoss` choice for `problem` (`eigen` is the instance, if any).
    pub fn limit_loss(
        problem: &Problem,
        choice: LimitLoss,
        eigen: Option<&Eigen>,
    ) -> Result<f64, crate::Error> {
        match (choice, eigen) {
            (LimitLoss::Theory(mode), _) => Ok(theory_limit_loss(
                problem.alpha,
                problem.beta,
                problem.v,
                problem.d,
                mode,
            )),
            (LimitLoss::Empirical, Some(e)) => Ok(e.p_inf),
            (LimitLoss::Empirical, None) => Err(crate::Error::EmpiricalLimitLoss),
            (LimitLoss::Value(x), _) => Ok(x),
        }
    }

    /// Initial risk P(0) = P∞ + ½Σλ_jρ_j.
    pub fn initial_risk(&self) -> f64 {
        self.p_inf
            + 0.5
                * self
                    .lambda
                    .iter()
                    .zip(&self.rho)
                    .map(|(l, r)| l * r)
                    .sum::<f64>()
    }

    /// Largest eigenvalue.
    pub fn lambda_max(&self) -> f64 {
        self.lambda.iter().cloned().fold(0.0, f64::max)
    }
}
