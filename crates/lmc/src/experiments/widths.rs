//! E3 — small real data, width sweep (`theorylab lmc widths`; not in the paper): two-layer
//! MLPs (ReLU or tanh, standard scaling) of width N trained on the digits with the official
//! recipe (§3.5); barrier vs N per matcher, Dim(S_naive) vs Dim(S_Σ). MNIST-1D is not
//! implemented (optional in the issue).

use super::rows::{AllWidths, PairResults, WidthsKey};
use super::{
    at_least_one, check_matchers, group_slopes, positive_list, train_pair, Bootstrap, Metric,
    PairSpec, TrainedPair,
};
use crate::data::{digits, DataSet};
use crate::error::Result;
use crate::matching::{MatchOptions, Matcher};
use crate::mlp::{Activation, Parameterisation};
use crate::moments::moments_bytes;
use crate::train::TrainConfig;
use rayon::prelude::*;

/// Settings of E3.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WidthsConfig {
    /// The data set.
    pub data: DataSet,
    /// Hidden widths N.
    pub widths: Vec<usize>,
    /// Seeds (pairs) per N.
    pub seeds: usize,
    /// User seed.
    pub seed: u64,
    /// Training epochs.
    pub epochs: usize,
    /// Hidden activation.
    pub activation: Activation,
    /// Peak learning rate.
    pub lr: f64,
    /// Batch size.
    pub batch: usize,
    /// Matchers (default identity, weight, rebasin, sigma, activation).
    pub matchers: Vec<Matcher>,
    /// Settings of the iterative matchers.
    pub options: MatchOptions,
    /// Bootstrap over seeds.
    pub bootstrap: Bootstrap,
}

impl WidthsConfig {
    /// Defaults for the given widths, seeds and epochs: digits, ReLU, learning rate 0.05,
    /// batch 64.
    pub fn new(widths: Vec<usize>, seeds: usize, epochs: usize) -> WidthsConfig {
        WidthsConfig {
            data: DataSet::Digits,
            widths,
            seeds,
            seed: 0,
            epochs,
            activation: Activation::Relu,
            lr: 0.05,
            batch: 64,
            matchers: vec![
                Matcher::Identity,
                Matcher::Weight,
                Matcher::Rebasin,
                Matcher::Sigma,
                Matcher::Activation,
            ],
            options: MatchOptions::default(),
            bootstrap: Bootstrap::default(),
        }
    }

    /// The training settings of every run (official recipe, `epochs` over the training set).
    pub fn train_config(&self) -> TrainConfig {
        TrainConfig::official(self.lr, self.batch, self.epochs, crate::data::DIGITS_TRAIN)
    }

    /// Refuses empty lists and zero sizes and bad training settings.
    pub fn validate(&self) -> Result<()> {
        positive_list("width", &self.widths)?;
        at_least_one("seeds", self.seeds)?;
        at_least_one("epochs", self.epochs)?;
        check_matchers(&self.matchers)?;
        self.train_config().validate()?;
        self.bootstrap.validate()
    }

    /// Progress units of [`run_with`]: one per (N, seed).
    pub fn work(&self) -> u64 {
        (self.widths.len() * self.seeds) as u64
    }

    /// Peak bytes per concurrent item × threads.
    pub fn memory_bytes(&self) -> u64 {
        let n = self.widths.iter().copied().max().unwrap_or(0);
        let per_item =
            super::assignment_bytes(n) + moments_bytes(&[64, n]) + 8 * 4 * 1437 * n as u64;
        per_item * rayon::current_num_threads() as u64
    }
}

/// Everything E3 returns: rows per (N, seed, matcher) with test-set metrics, two endpoints
/// and A's Dims per (N, seed), slopes of barrier, midpoint loss, gap_rel and d2_in per
/// matcher.
pub type WidthsResult = PairResults<WidthsKey, AllWidths>;

/// The metrics whose slopes E3 reports.
pub const WIDTHS_SLOPE_METRICS: [Metric; 4] = [
    Metric::Barrier,
    Metric::MidpointLoss,
    Metric::GapRel,
    Metric::D2In,
];

/// Runs E3.
pub fn run(config: &WidthsConfig) -> Result<WidthsResult> {
    run_with(config, &|_| {})
}

/// Runs E3, telling `progress` of each pair trained and analysed (one unit each,
/// [`WidthsConfig::work`] in all; called from the worker threads).
pub fn run_with(config: &WidthsConfig, progress: &(dyn Fn(u64) + Sync)) -> Result<WidthsResult> {
    config.validate()?;
    let (train, test) = match config.data {
        DataSet::Digits => digits(),
    };
    let train_config = config.train_config();
    let items: Vec<(usize, usize)> = config
        .widths
        .iter()
        .flat_map(|&n| (0..config.seeds).map(move |s| (n, s)))
        .collect();
    let results: Vec<(WidthsKey, TrainedPair)> = items
        .par_iter()
        .map(|&(width, seed)| -> Result<(WidthsKey, TrainedPair)> {
            let spec = PairSpec {
                widths: &[train.dim(), width, 10],
                activation: config.activation,
                parameterisation: Parameterisation::Standard,
                train: &train,
                test: &test,
                train_config: &train_config,
                matchers: &config.matchers,
                options: &config.options,
                seed: config.seed,
                component: "lmc.widths",
            };
            let pair = train_pair(&spec, &[width as u64, seed as u64])?;
            progress(1);
            Ok((WidthsKey { width, seed }, pair))
        })
        .collect::<Result<_>>()?;
    let mut out = WidthsResult::from_items(results);
    out.slopes = group_slopes(
        &out.rows,
        AllWidths {},
        0,
        |_| true,
        |key| (key.seed, key.width as f64),
        &config.matchers,
        &WIDTHS_SLOPE_METRICS,
        config.seeds,
        &config.bootstrap,
        config.seed,
        "lmc.widths.bootstrap",
    );
    Ok(out)
}
