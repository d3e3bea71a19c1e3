//! E0 — the OT mechanism (`theorylab lmc w2`): two i.i.d. N(0, I_dim) clouds of n points per
//! rep, exact matching on squared distances, D₂ = W₂(μ̂, μ̂′); the log-log slope of D₂ on n per
//! dim with a bootstrap interval over reps. Theory (spec §4.4): slope → −1/dim for dim ≥ 3,
//! −1/2 at dim = 1, −1/2 up to logarithms at dim = 2.

use super::{
    assignment_bytes, at_least_one, items3, positive_list, seed_slope, stream, Bootstrap, SlopeFit,
};
use crate::assignment::w2;
use crate::data::gaussian;
use crate::error::Result;
use rayon::prelude::*;

/// Settings of E0.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct W2Config {
    /// Dimensions.
    pub dims: Vec<usize>,
    /// Cloud sizes n.
    pub ns: Vec<usize>,
    /// Repetitions per (dim, n).
    pub reps: usize,
    /// User seed (streams `lmc.w2.a`/`lmc.w2.b` per (dim, n, rep)).
    pub seed: u64,
    /// Bootstrap over reps.
    pub bootstrap: Bootstrap,
}

impl W2Config {
    /// Refuses empty lists, zero dims, n or reps.
    pub fn validate(&self) -> Result<()> {
        positive_list("dim", &self.dims)?;
        positive_list("n", &self.ns)?;
        at_least_one("reps", self.reps)?;
        self.bootstrap.validate()
    }

    /// Progress units of [`run_with`]: one per (dim, n, rep).
    pub fn work(&self) -> u64 {
        (self.dims.len() * self.ns.len() * self.reps) as u64
    }

    /// Peak bytes: the largest assignment per concurrent item, times the rayon threads.
    pub fn memory_bytes(&self) -> u64 {
        let n = self.ns.iter().copied().max().unwrap_or(0);
        let d = self.dims.iter().copied().max().unwrap_or(0) as u64;
        (assignment_bytes(n) + 16 * n as u64 * d) * rayon::current_num_threads() as u64
    }
}

/// One cloud pair.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct W2Row {
    /// Dimension.
    pub dim: usize,
    /// Points per cloud.
    pub n: usize,
    /// Repetition (0-based).
    pub rep: usize,
    /// D₂ = W₂ between the two clouds.
    pub w2: f64,
}

/// Mean and sd of D₂ over reps at one (dim, n).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct W2Summary {
    /// Dimension.
    pub dim: usize,
    /// Points per cloud.
    pub n: usize,
    /// Mean D₂.
    pub mean: f64,
    /// Sample sd of D₂ (n − 1; NaN with one rep).
    pub sd: f64,
}

/// The slope of ln D₂ on ln n at one dim.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct W2Slope {
    /// Dimension.
    pub dim: usize,
    /// Asymptotic slope: −1/dim (dim ≥ 3), −1/2 (dim ≤ 2, up to logarithms at 2).
    pub theory: f64,
    /// The fit (None with fewer than 2 distinct n).
    pub fit: Option<SlopeFit>,
}

/// Everything E0 returns.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct W2Result {
    /// One row per (dim, n, rep), in that nesting order.
    pub rows: Vec<W2Row>,
    /// One per (dim, n).
    pub summary: Vec<W2Summary>,
    /// One per dim.
    pub slopes: Vec<W2Slope>,
}

/// Runs E0.
pub fn run(config: &W2Config) -> Result<W2Result> {
    run_with(config, &|_| {})
}

/// Runs E0, telling `progress` of each cloud pair done (one unit each, [`W2Config::work`] in
/// all; called from the worker threads).
pub fn run_with(config: &W2Config, progress: &(dyn Fn(u64) + Sync)) -> Result<W2Result> {
    config.validate()?;
    let items = items3(&config.dims, &config.ns, config.reps);
    let rows = items
        .par_iter()
        .map(|&(dim, n, rep)| {
            let parts = [dim as u64, n as u64, rep as u64];
            let a = gaussian(n, dim, &mut stream(config.seed, "lmc.w2.a", &parts));
            let b = gaussian(n, dim, &mut stream(config.seed, "lmc.w2.b", &parts));
            let (w, _) = w2(&a, &b)?;
            progress(1);
            Ok(W2Row { dim, n, rep, w2: w })
        })
        .collect::<Result<Vec<_>>>()?;
    let summary = config
        .dims
        .iter()
        .flat_map(|&dim| config.ns.iter().map(move |&n| (dim, n)))
        .map(|(dim, n)| {
            let v: Vec<f64> = rows
                .iter()
                .filter(|r| r.dim == dim && r.n == n)
                .map(|r| r.w2)
                .collect();
            W2Summary {
                dim,
                n,
                mean: lab::stats::mean(&v),
                sd: lab::stats::sd(&v),
            }
        })
        .collect();
    let slopes = config
        .dims
        .iter()
        .map(|&dim| {
            let points: Vec<(usize, f64, f64)> = rows
                .iter()
                .filter(|r| r.dim == dim)
                .map(|r| (r.rep, r.n as f64, r.w2))
                .collect();
            let mut rng = stream(config.seed, "lmc.w2.bootstrap", &[dim as u64]);
            W2Slope {
                dim,
                theory: if dim <= 2 { -0.5 } else { -1.0 / dim as f64 },
                fit: seed_slope(&points, config.reps, &config.bootstrap, &mut rng),
            }
        })
        .collect();
    Ok(W2Result {
        rows,
        summary,
        slopes,
    })
}
