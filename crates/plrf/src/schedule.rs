//! Hyperparameter schedules γ1, γ2, γ3, Δ as functions of the (0-based) step t: the
//! [`schedules`] crate, which `dana-burn` shares without depending on `plrf`.

pub use schedules::{Coeffs, DeltaConvention, Hyper, Schedule};
