//! Inputs of the moment recursion and the ODE: eigenvalues λ, initial ρ and P∞ (spec §2.3).

use crate::problem::{Eigen, Problem};
use crate::theory::{theory_limit_loss, theory_spectrum, LimitLossMode};
use serde::Serialize;

/// Where λ and ρ come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SpectrumSource {
    /// λ_j = j^{-2α}, ρ_j = j^{-2β} + c_β/d (no matrix needed).
    Theory,
    /// SVD of one instance's Ŵ.
    Empirical,
}

impl std::str::FromStr for SpectrumSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "theory" => Ok(Self::Theory),
            "empirical" => Ok(Self::Empirical),
            _ => Err(format!(
                "unknown spectrum '{s}' (choose theory or empirical)"
            )),
        }
    }
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

impl std::str::FromStr for LimitLoss {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "official" => Ok(Self::Theory(LimitLossMode::Official)),
            "exact" => Ok(Self::Theory(LimitLossMode::Exact)),
            "empirical" => Ok(Self::Empirical),
            _ => match s.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(Self::Value(x)),
                _ => Err(format!(
                    "invalid limit loss '{s}' (choose official, exact, empirical or a number ≥ 0)"
                )),
            },
        }
    }
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
    ) -> Result<f64, String> {
        match (choice, eigen) {
            (LimitLoss::Theory(mode), _) => Ok(theory_limit_loss(
                problem.alpha,
                problem.beta,
                problem.v,
                problem.d,
                mode,
            )),
            (LimitLoss::Empirical, Some(e)) => Ok(e.p_inf),
            (LimitLoss::Empirical, None) => {
                Err("--limit-loss empirical needs --spectrum empirical".into())
            }
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
