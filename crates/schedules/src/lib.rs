//! # Schedules of the generic momentum step
//!
//! The generic momentum step of Ferbach, Everett, Gidel, E. Paquette and C. Paquette,
//! *Dimension-adapted Momentum Outscales SGD* (arXiv 2505.16098, spec §3.1), at the 0-based
//! step t with gradient g:
//!
//! ```text
//! m ← (1 − Δ(t))·m + γ1(t)·g
//! θ ← θ − γ2(t)·g − γ3(t)·m      (using the new m)
//! ```
//!
//! SGD, SGD with constant momentum and DANA differ only in their four schedules.
//!
//! **Brief overview.** A [`Schedule`] is one scalar function of t: a power law
//! scale·(1 + t)^{-exponent} (constant when the exponent is 0) or a momentum rate Δ(t) in one of
//! three recorded forms ([`DeltaConvention`]). [`Hyper`] holds the four schedules of an
//! optimizer; [`Hyper::at`] evaluates them at one step into [`Coeffs`].
//!
//! This crate holds only the schedules, with no numerical dependencies, so that both the
//! PLRF simulators (`plrf`, which re-exports it as `plrf::schedule`) and the burn optimizers
//! (`dana-burn`) use the same definitions.
//!
//! **Preconditions.** Nothing is validated here: a schedule is evaluated as written for any
//! t ≥ 0 (Δ(t) = δ/(1 + t) exceeds 1 for t < δ − 1, by design of that convention).
//!
//! ```
//! use schedules::{DeltaConvention, Hyper, Schedule};
//!
//! // DANA-decaying at α = 1: γ3(t) = 0.05·(1 + t)^{-1/2}, Δ(t) = 6/(6 + t).
//! let hyper = Hyper {
//!     gamma1: Schedule::constant(1.0),
//!     gamma2: Schedule::constant(0.1),
//!     gamma3: Schedule::PowerLaw { scale: 0.05, exponent: 0.5 },
//!     delta: Schedule::Momentum { delta: 6.0, convention: DeltaConvention::DeltaPlusT },
//! };
//! let c = hyper.at(3.0);
//! assert_eq!(c.g3, 0.025);
//! assert_eq!(c.delta, 6.0 / 9.0);
//! assert_eq!(c.c(), 0.1 + 0.025);
//! ```

#![deny(missing_docs)]

use serde::Serialize;

/// Which rational form Δ(t) takes (spec §7 pitfall 3); an explicit, recorded parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum DeltaConvention {
    /// Δ(t) = δ/(δ + t) ≤ 1 (optax, `powerlaw_schedule`; theorylab's default).
    DeltaPlusT,
    /// Δ(t) = δ/(1 + t); exceeds 1 for t < δ − 1 (`DANA_ODE_example`).
    OnePlusT,
    /// Δ(t) = δ for all t (SGD-M).
    Constant,
}

/// A scalar schedule t ↦ value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Schedule {
    /// scale · (1 + t)^{-exponent} (constant when exponent = 0).
    PowerLaw {
        /// The value at t = 0.
        scale: f64,
        /// The decay exponent (0: constant).
        exponent: f64,
    },
    /// Δ(t) = δ/(δ + t), δ/(1 + t) or δ, per the convention.
    Momentum {
        /// δ.
        delta: f64,
        /// Which form Δ(t) takes.
        convention: DeltaConvention,
    },
}

impl Schedule {
    /// A constant schedule.
    pub fn constant(value: f64) -> Schedule {
        Schedule::PowerLaw {
            scale: value,
            exponent: 0.0,
        }
    }

    /// The value at step (or continuous time) t ≥ 0.
    pub fn at(&self, t: f64) -> f64 {
        match *self {
            Schedule::PowerLaw { scale, exponent } => {
                if exponent == 0.0 {
                    scale
                } else {
                    scale * (1.0 + t).powf(-exponent)
                }
            }
            Schedule::Momentum { delta, convention } => match convention {
                DeltaConvention::DeltaPlusT => delta / (delta + t),
                DeltaConvention::OnePlusT => delta / (1.0 + t),
                DeltaConvention::Constant => delta,
            },
        }
    }
}

/// The four schedules of the generic momentum step (spec §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Hyper {
    /// γ1(t): gradient weight in the momentum.
    pub gamma1: Schedule,
    /// γ2(t): plain gradient step.
    pub gamma2: Schedule,
    /// γ3(t): momentum step.
    pub gamma3: Schedule,
    /// Δ(t): momentum forgetting rate.
    pub delta: Schedule,
}

/// The four hyperparameters evaluated at one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coeffs {
    /// γ1 at this step.
    pub g1: f64,
    /// γ2 at this step.
    pub g2: f64,
    /// γ3 at this step.
    pub g3: f64,
    /// Δ at this step.
    pub delta: f64,
}

impl Coeffs {
    /// The effective gradient step c = γ2 + γ1·γ3.
    pub fn c(&self) -> f64 {
        self.g2 + self.g1 * self.g3
    }
}

impl Hyper {
    /// All four schedules at step (or time) t.
    pub fn at(&self, t: f64) -> Coeffs {
        Coeffs {
            g1: self.gamma1.at(t),
            g2: self.gamma2.at(t),
            g3: self.gamma3.at(t),
            delta: self.delta.at(t),
        }
    }
}

/// The schedules of ADana (spec §6.3), shared by `dana-burn`'s optimizer and the PLRF
/// baselines: the log-time EMA weight, the damped Nesterov factor and the log-time weight
/// decay, at the 0-based step t.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AdanaSchedule {
    /// κ: the Nesterov factor is (1 + t)^{1−κ} (default 0.85; κ = 1 switches it to 1).
    pub kappa: f64,
    /// δ of the EMA weight a(t) = δ/(δ + t) = 1 − β1(t) = 1 − β2(t) (default 8).
    pub delta: f64,
    /// ω of the weight decay λ(t) = ω/(1 + (t + 1)/τ) (default 4; 0 disables it).
    pub omega: f64,
    /// τ, the time scale of the weight decay (default 1: λ(t) = ω/(t + 2)).
    pub wd_timescale: f64,
    /// ε added to √v (default 1e-8).
    pub epsilon: f64,
}

impl Default for AdanaSchedule {
    /// κ = 0.85, δ = 8, ω = 4, τ = 1, ε = 1e-8.
    fn default() -> Self {
        AdanaSchedule {
            kappa: 0.85,
            delta: 8.0,
            omega: 4.0,
            wd_timescale: 1.0,
            epsilon: 1e-8,
        }
    }
}

impl AdanaSchedule {
    /// The EMA weight a(t) = δ/(δ + t).
    pub fn ema_weight(&self, t: u64) -> f64 {
        self.delta / (self.delta + t as f64)
    }

    /// The damped Nesterov factor (1 + t)^{1−κ}.
    pub fn nesterov_factor(&self, t: u64) -> f64 {
        (1.0 + t as f64).powf(1.0 - self.kappa)
    }

    /// The weight decay λ(t) = ω/(1 + (t + 1)/τ).
    pub fn weight_decay(&self, t: u64) -> f64 {
        self.omega / (1.0 + (t as f64 + 1.0) / self.wd_timescale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_follow_their_formulas() {
        let p = Schedule::PowerLaw {
            scale: 2.0,
            exponent: 0.5,
        };
        assert_eq!(p.at(0.0), 2.0);
        assert!((p.at(3.0) - 1.0).abs() < 1e-15);
        let m = |convention| Schedule::Momentum {
            delta: 5.0,
            convention,
        };
        assert_eq!(m(DeltaConvention::DeltaPlusT).at(5.0), 0.5);
        assert_eq!(m(DeltaConvention::OnePlusT).at(0.0), 5.0);
        assert_eq!(m(DeltaConvention::Constant).at(1e9), 5.0);
    }
}
