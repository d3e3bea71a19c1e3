//! The workloads of `theorylab bench lmc` (issue §6), as library functions that time
//! themselves: exact assignment on random dense costs, one full matching + 25-point barrier
//! of two MLPs on the digits, and training epochs. Wall-clock timings are not reproducible
//! and appear nowhere else in the crate's results.

use crate::assignment::{solve, total, Sense};
use crate::data::digits;
use crate::error::Result;
use crate::matching::{MatchOptions, Matcher};
use crate::matrix::Matrix;
use crate::metrics::GRID_POINTS;
use crate::mlp::{Activation, Mlp, Parameterisation};
use crate::pair::{analyze_pair, PairSetup};
use crate::train::{train, TrainConfig};
use lab::seed::Seed;
use rand::RngExt;
use std::time::Instant;

/// One exact assignment on an n×n matrix of i.i.d. uniform [0, 1) costs.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AssignmentBench {
    /// n.
    pub n: usize,
    /// Seconds in the solver (the finiteness check included).
    pub seconds: f64,
    /// The optimal total cost.
    pub cost: f64,
}

/// Times [`solve`] on an n×n uniform cost matrix drawn from (`seed`, `lmc.bench.cost`, n).
pub fn assignment(n: usize, seed: u64) -> Result<AssignmentBench> {
    lab::error::require(n >= 1, "n", n as f64, "at least 1")?;
    let mut rng = Seed(seed).stream("lmc.bench.cost", n as u64);
    let cost = Matrix::from_fn(n, n, |_, _| rng.random::<f64>());
    let start = Instant::now();
    let perm = solve(&cost, Sense::Minimise)?;
    let seconds = start.elapsed().as_secs_f64();
    Ok(AssignmentBench {
        n,
        seconds,
        cost: total(&cost, &perm),
    })
}

/// Timings of one full matching + barrier of a pair.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MatchingBench {
    /// Hidden widths.
    pub widths: Vec<usize>,
    /// The matcher.
    pub matcher: Matcher,
    /// Seconds of the statistics pass (1437 training images).
    pub moments: f64,
    /// Seconds of the matching.
    pub matching: f64,
    /// Seconds of the 25-point path on the 360 test images.
    pub barrier: f64,
    /// Everything.
    pub total: f64,
}

/// Two freshly initialised ReLU MLPs with `depth` hidden layers of `width` units on the
/// digits (64 → … → 10): statistics pass, `matcher`, 25-point barrier (grid points in
/// parallel on the current rayon pool).
pub fn matching_and_barrier(
    width: usize,
    depth: usize,
    matcher: Matcher,
    seed: u64,
) -> Result<MatchingBench> {
    let widths = digits_widths(width, depth)?;
    let mut rng = Seed(seed).stream("lmc.bench.init", 0);
    let a = Mlp::init(
        &widths,
        Activation::Relu,
        Parameterisation::Standard,
        &mut rng,
    )?;
    let b = Mlp::init(
        &widths,
        Activation::Relu,
        Parameterisation::Standard,
        &mut rng,
    )?;
    let (train_set, test_set) = digits();
    let start = Instant::now();
    let matchers = [matcher];
    let setup = PairSetup {
        moments_x: Some(&train_set.x),
        eval: &test_set,
        matchers: &matchers,
        options: &MatchOptions::default(),
        points: GRID_POINTS,
    };
    let pair = analyze_pair(&a, &b, &setup, &mut rng)?;
    Ok(MatchingBench {
        widths: widths[1..widths.len() - 1].to_vec(),
        matcher,
        moments: pair.moments_seconds,
        matching: pair.outcomes[0].match_seconds,
        barrier: pair.outcomes[0].path_seconds,
        total: start.elapsed().as_secs_f64(),
    })
}

/// Timings of training epochs.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct EpochBench {
    /// Hidden widths.
    pub widths: Vec<usize>,
    /// Batch size.
    pub batch: usize,
    /// Steps per epoch.
    pub steps: usize,
    /// Seconds of each timed epoch (after one untimed warm-up epoch).
    pub seconds: Vec<f64>,
}

impl EpochBench {
    /// The median epoch time.
    pub fn median(&self) -> f64 {
        lab::stats::quantile(&self.seconds, 0.5)
    }
}

/// Trains a ReLU MLP with `depth` hidden layers of `width` units on the 1437 digits training
/// images (SGD momentum 0.9, batch `batch`, learning rate 0.01) for one warm-up epoch, then
/// times `epochs` single epochs (hand-written f64 forward/backward, one thread).
pub fn training_epochs(
    width: usize,
    depth: usize,
    batch: usize,
    epochs: usize,
    seed: u64,
) -> Result<EpochBench> {
    lab::error::require(epochs >= 1, "timed epochs", epochs as f64, "at least 1")?;
    let widths = digits_widths(width, depth)?;
    let mut rng = Seed(seed).stream("lmc.bench.init", 1);
    let mut net = Mlp::init(
        &widths,
        Activation::Relu,
        Parameterisation::Standard,
        &mut rng,
    )?;
    let (train_set, _) = digits();
    let mut config = TrainConfig::official(0.01, batch, 1, train_set.len());
    config.schedule = crate::train::ScheduleKind::Constant;
    let mut shuffle = Seed(seed).stream("lmc.bench.shuffle", 0);
    train(&mut net, &train_set, &config, &mut shuffle)?;
    let mut seconds = Vec::with_capacity(epochs);
    for _ in 0..epochs {
        let start = Instant::now();
        train(&mut net, &train_set, &config, &mut shuffle)?;
        seconds.push(start.elapsed().as_secs_f64());
    }
    Ok(EpochBench {
        widths: widths[1..widths.len() - 1].to_vec(),
        batch,
        steps: config.steps,
        seconds,
    })
}

/// [64, width × depth, 10], refusing width or depth 0.
fn digits_widths(width: usize, depth: usize) -> Result<Vec<usize>> {
    lab::error::require(width >= 1, "width", width as f64, "at least 1")?;
    lab::error::require(depth >= 1, "depth", depth as f64, "at least 1")?;
    let mut widths = vec![64];
    widths.extend(std::iter::repeat_n(width, depth));
    widths.push(10);
    Ok(widths)
}
