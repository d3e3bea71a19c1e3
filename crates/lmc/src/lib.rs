//! # Linear mode connectivity via optimal transport (placeholder doc, completed below)
#![deny(missing_docs)]

pub mod align;
pub mod assignment;
pub mod data;
pub mod error;
pub mod loss;
pub mod matching;
pub mod matrix;
pub mod metrics;
pub mod mlp;
pub mod moments;
pub mod npy;
pub mod pair;
pub mod perm;
pub mod sequential;
pub mod sinkhorn;
pub mod train;

pub use error::{Error, Result};
