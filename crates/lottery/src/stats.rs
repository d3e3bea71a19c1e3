//! E1: random subset-sum statistics (the `stats` command). For each p, `trials` instances with
//! summands U[−1, 1] (or products U·U of two independent uniforms) and a target z ~ U[−1, 1],
//! solved exactly; median, 99th percentile and maximum error per p, the mean time per instance,
//! and the fitted slope of log2(median error) per summand over p ∈ [8, 32] (Lueker: ≈ −1).

use crate::error::{non_empty, Result};
use crate::subset_sum::{Mode, Solver, MAX_SUMMANDS};
use lab::seed::Seed;
use rand::RngExt;
use rayon::prelude::*;
use std::time::Instant;

/// The law of the summands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Summands {
    /// a_i ~ U[−1, 1].
    Uniform,
    /// a_i = u·v with u, v ~ U[−1, 1] independent (the products of the pruning problems).
    Product,
}

impl Summands {
    /// The name used on the command line and in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Summands::Uniform => "uniform",
            Summands::Product => "product",
        }
    }
}

/// The `stats` command.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StatsConfig {
    /// Summand counts p (each 1..=40).
    pub p: Vec<usize>,
    /// Instances per p.
    pub trials: usize,
    /// Summand law.
    pub summands: Summands,
    /// Seed.
    pub seed: u64,
}

/// The window of p over which the slope is fitted.
pub const SLOPE_WINDOW: (usize, usize) = (8, 32);

impl StatsConfig {
    /// Refuse an empty p list, p outside 1..=40, zero trials.
    pub fn validate(&self) -> Result<()> {
        non_empty("summand counts p", &self.p)?;
        for &p in &self.p {
            crate::error::in_range("summand count p", p, 1, MAX_SUMMANDS)?;
        }
        crate::error::in_range("trials", self.trials, 1, 10_000_000)?;
        Ok(())
    }

    /// Peak memory: the errors of one p plus per-worker solver buffers (3 halves of 2^{⌈p/2⌉}
    /// sums and masks, 12 bytes each).
    pub fn memory_bytes(&self) -> u64 {
        let p = self.p.iter().copied().max().unwrap_or(0).min(MAX_SUMMANDS);
        let half = 12u64 << p.div_ceil(2);
        self.trials as u64 * 16 + rayon::current_num_threads() as u64 * 3 * half
    }
}

/// Errors at one p.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StatsRow {
    /// Summands per instance.
    pub p: usize,
    /// Summand law.
    pub summands: Summands,
    /// Instances.
    pub trials: usize,
    /// Median |error|.
    pub median: f64,
    /// 99th percentile of |error|.
    pub p99: f64,
    /// Largest |error|.
    pub max: f64,
    /// Mean seconds per instance (the only field that differs between identical runs).
    pub mean_seconds: f64,
}

/// The fitted slope of log2(median error) against p.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SlopeFit {
    /// Bits of error per extra summand (expected ≈ −1).
    pub slope: f64,
    /// Its standard error.
    pub slope_stderr: f64,
    /// log2 median error at p = 0.
    pub intercept: f64,
    /// Points used (p within [`SLOPE_WINDOW`]).
    pub n: usize,
}

/// The E1 result.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StatsResult {
    /// The settings.
    pub config: StatsConfig,
    /// One row per p.
    pub rows: Vec<StatsRow>,
    /// The slope over p ∈ [8, 32] (None with fewer than two such p).
    pub slope: Option<SlopeFit>,
}

/// One random instance (values, target) of stream (seed, p, trial).
pub fn instance(summands: Summands, seed: u64, p: usize, trial: usize) -> (Vec<f64>, f64) {
    let component = match summands {
        Summands::Uniform => "lottery.stats.uniform",
        Summands::Product => "lottery.stats.product",
    };
    let mut rng = Seed(seed).stream(component, (p as u64) << 40 | trial as u64);
    let mut u = || 2.0 * rng.random::<f64>() - 1.0;
    let target = u();
    let values = (0..p)
        .map(|_| match summands {
            Summands::Uniform => u(),
            Summands::Product => u() * u(),
        })
        .collect();
    (values, target)
}

/// The `stats` command (E1).
pub fn run_stats(config: &StatsConfig) -> Result<StatsResult> {
    run_stats_with(config, &|_| {})
}

/// [`run_stats`], telling `progress` one unit per summand count p done.
pub fn run_stats_with(config: &StatsConfig, progress: &crate::Progress<'_>) -> Result<StatsResult> {
    config.validate()?;
    let rows: Vec<StatsRow> = config
        .p
        .iter()
        .map(|&p| {
            let results: Vec<(f64, f64)> = (0..config.trials)
                .into_par_iter()
                .map_init(Solver::new, |solver, trial| {
                    let (values, target) = instance(config.summands, config.seed, p, trial);
                    let start = Instant::now();
                    let s = solver.solve(&values, target, Mode::Closest);
                    (s.error.abs(), start.elapsed().as_secs_f64())
                })
                .collect();
            let errors: Vec<f64> = results.iter().map(|r| r.0).collect();
            progress(1);
            StatsRow {
                p,
                summands: config.summands,
                trials: config.trials,
                median: lab::stats::quantile(&errors, 0.5),
                p99: lab::stats::quantile(&errors, 0.99),
                max: errors.iter().copied().fold(0.0, f64::max),
                mean_seconds: results.iter().map(|r| r.1).sum::<f64>() / config.trials as f64,
            }
        })
        .collect();
    let (x, y): (Vec<f64>, Vec<f64>) = rows
        .iter()
        .filter(|r| (SLOPE_WINDOW.0..=SLOPE_WINDOW.1).contains(&r.p) && r.median > 0.0)
        .map(|r| (r.p as f64, r.median.log2()))
        .unzip();
    let slope = lab::fit::fit_linear(&x, &y).map(|f| SlopeFit {
        slope: f.slope,
        slope_stderr: f.slope_stderr,
        intercept: f.intercept,
        n: f.n,
    });
    Ok(StatsResult {
        config: config.clone(),
        rows,
        slope,
    })
}
