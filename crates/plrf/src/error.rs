//! The errors of the PLRF library. Messages name the quantity (`alpha`, `d`, `batch`,
//! `t_max`, …), never a command-line flag: the binary maps quantities to its flags through
//! [`lab::error::AsInvalid`].

use lab::error::{AsInvalid, Invalid};
use std::path::PathBuf;

/// Everything the PLRF library refuses or fails at.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A quantity outside its valid range.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The step size violates the stability condition c·λ_max < 2B/(B+1) at t = 0.
    #[error("{optimizer} is unstable: c·λ_max = (γ2 + γ1·γ3)·λ_max = {product:.4e} at t = 0 must be below 2B/(B+1) = {bound:.4}")]
    Unstable {
        /// The optimizer's name.
        optimizer: &'static str,
        /// c·λ_max at t = 0.
        product: f64,
        /// The bound 2B/(B+1).
        bound: f64,
    },
    /// A fit window outside the computed range of compute values.
    #[error("the fit range {:e},{:e} must lie within the computed compute range {:e},{:e}", fit.0, fit.1, computed.0, computed.1)]
    FitRange {
        /// The fit window (LO, HI).
        fit: (f64, f64),
        /// The computed range (LO, HI).
        computed: (f64, f64),
    },
    /// A baseline asked for where only the momentum step has an ODE or recursion.
    #[error("{0} has no loss ODE or moment recursion: only simulations run it")]
    NoOde(&'static str),
    /// A per-coordinate method asked for on a sampler in K's eigenbasis.
    #[error("{0} normalises each coordinate, so it is not rotation-invariant: it runs only in the parameter basis, with the exact or the rotated sampler")]
    ParameterBasis(&'static str),
    /// An optimizer asked for twice.
    #[error("optimizer '{0}' is listed twice")]
    RepeatedOptimizer(&'static str),
    /// No optimizer asked for.
    #[error("no optimizer given")]
    NoOptimizer,
    /// The instance's own P∞ asked for without an instance.
    #[error("the empirical limit loss needs the empirical spectrum")]
    EmpiricalLimitLoss,
    /// The SVD of Ŵ did not converge.
    #[error("SVD of Ŵ did not converge: {0}")]
    Svd(String),
    /// A reference file that cannot be used.
    #[error("cannot read reference file {}: {why}", path.display())]
    Reference {
        /// The file.
        path: PathBuf,
        /// What is wrong (with its row and column where there is one).
        why: String,
    },
    /// A reference curve of an optimizer that was not run.
    #[error("reference optimizer '{0}' was not run")]
    ReferenceOptimizer(String),
    /// A computed curve with no points to compare.
    #[error("{0} has no points to compare")]
    EmptyCurve(String),
    /// A computation diverged.
    #[error("{0} diverged")]
    Diverged(&'static str),
    /// A fit with too few points in its window.
    #[error("{0} could not be fitted")]
    NoFit(&'static str),
}

impl AsInvalid for Error {
    fn as_invalid(&self) -> Option<&Invalid> {
        match self {
            Error::Invalid(i) => Some(i),
            _ => None,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
