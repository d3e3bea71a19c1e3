//! E4 — the Figure-2 analogue on the digits (`theorylab lmc lr-sweep`; the offline substitute
//! for the paper's MNIST sweep, which cannot run offline): ReLU MLPs with 3 hidden layers,
//! the official recipe (SGD momentum 0.9, 10 warm-up steps + cosine) at 6 learning rates
//! log-spaced in [10⁻⁴, 10⁻¹], pairs per (rate, rep); the midpoint test loss of naive WM (b),
//! WM (ours) (d) and AM (e), the endpoint mean ("Model"), and the three Dims per layer.
//! Expected shape (from the paper's stored run, [`PAPER_FIGURE2`]): midpoint loss falls with
//! the learning rate; (d), (e) ≪ (b) except possibly at the largest rate;
//! Dim(S_Σ), Dim(S_act) ≪ Dim(S_naive).

use super::rows::{AllWidths, DimsRow, EndpointRow, LrKey, PairResults, PairRow};
use super::{at_least_one, check_matchers, train_pair, Metrics, PairSpec, TrainedPair};
use crate::data::{digits, DataSet, DIGITS_TRAIN};
use crate::error::Result;
use crate::matching::{MatchOptions, Matcher};
use crate::metrics::LayerDims;
use crate::mlp::{Activation, Parameterisation};
use crate::moments::moments_bytes;
use crate::train::TrainConfig;
use rayon::prelude::*;

/// One column of the paper's Figure-2 table (spec §5, E-paper: the official notebook's stored
/// MNIST run; midpoint values ≈ read off the figure). The reference for shape, not a target.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct PaperPoint {
    /// Learning rate.
    pub lr: f64,
    /// Endpoint test loss (exact, mean of 8 nets).
    pub test_loss: f64,
    /// Endpoint test accuracy.
    pub test_accuracy: f64,
    /// Midpoint test loss, naive WM (≈).
    pub midpoint_weight: f64,
    /// Midpoint test loss, WM (ours) (≈).
    pub midpoint_sigma: f64,
    /// Midpoint test loss, AM (≈).
    pub midpoint_activation: f64,
}

/// The paper's Figure-2 numbers (MNIST, 784–512–512–512–10, 50 epochs, batch 500).
pub const PAPER_FIGURE2: [PaperPoint; 6] = [
    PaperPoint {
        lr: 1e-4,
        test_loss: 1.024,
        test_accuracy: 0.801,
        midpoint_weight: 2.0,
        midpoint_sigma: 1.34,
        midpoint_activation: 1.22,
    },
    PaperPoint {
        lr: 3.98e-4,
        test_loss: 0.331,
        test_accuracy: 0.908,
        midpoint_weight: 1.4,
        midpoint_sigma: 0.55,
        midpoint_activation: 0.48,
    },
    PaperPoint {
        lr: 1.58e-3,
        test_loss: 0.190,
        test_accuracy: 0.945,
        midpoint_weight: 1.26,
        midpoint_sigma: 0.40,
        midpoint_activation: 0.32,
    },
    PaperPoint {
        lr: 6.31e-3,
        test_loss: 0.083,
        test_accuracy: 0.974,
        midpoint_weight: 0.89,
        midpoint_sigma: 0.25,
        midpoint_activation: 0.18,
    },
    PaperPoint {
        lr: 2.51e-2,
        test_loss: 0.067,
        test_accuracy: 0.981,
        midpoint_weight: 0.39,
        midpoint_sigma: 0.14,
        midpoint_activation: 0.13,
    },
    PaperPoint {
        lr: 0.1,
        test_loss: 0.076,
        test_accuracy: 0.984,
        midpoint_weight: 0.085,
        midpoint_sigma: 0.097,
        midpoint_activation: 0.10,
    },
];

/// The paper's dimension ratio Dim(S_naive)/Dim(S_Σ) on MNIST: roughly 20–200×.
pub const PAPER_DIM_RATIO: (f64, f64) = (20.0, 200.0);

/// exp(linspace(ln 1e-4, ln 0.1, 6)): the paper's learning rates.
pub fn paper_lrs() -> Vec<f64> {
    let (lo, hi) = (1e-4f64.ln(), 0.1f64.ln());
    (0..6)
        .map(|i| (lo + (hi - lo) * i as f64 / 5.0).exp())
        .collect()
}

/// Settings of E4.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LrSweepConfig {
    /// The data set.
    pub data: DataSet,
    /// Hidden width (128 or 256).
    pub width: usize,
    /// Hidden layers (3).
    pub depth: usize,
    /// Learning rates (increasing).
    pub lrs: Vec<f64>,
    /// Pairs per learning rate.
    pub reps: usize,
    /// Training epochs.
    pub epochs: usize,
    /// Batch size (64: batch 500 would give ~3 steps per epoch on 1437 images).
    pub batch: usize,
    /// User seed.
    pub seed: u64,
    /// Matchers (default weight, sigma, activation: the official three).
    pub matchers: Vec<Matcher>,
    /// Settings of the iterative matchers.
    pub options: MatchOptions,
}

impl LrSweepConfig {
    /// Defaults: digits, the paper's six learning rates, batch 64, matchers (b), (d), (e).
    pub fn new(width: usize, depth: usize, reps: usize, epochs: usize) -> LrSweepConfig {
        LrSweepConfig {
            data: DataSet::Digits,
            width,
            depth,
            lrs: paper_lrs(),
            reps,
            epochs,
            batch: 64,
            seed: 0,
            matchers: vec![Matcher::Weight, Matcher::Sigma, Matcher::Activation],
            options: MatchOptions::default(),
        }
    }

    /// The training settings at learning rate `lr`.
    pub fn train_config(&self, lr: f64) -> TrainConfig {
        TrainConfig::official(lr, self.batch, self.epochs, DIGITS_TRAIN)
    }

    /// Refuses zero sizes, an empty or non-positive learning-rate list, bad training settings.
    pub fn validate(&self) -> Result<()> {
        at_least_one("width", self.width)?;
        at_least_one("depth", self.depth)?;
        at_least_one("reps", self.reps)?;
        at_least_one("epochs", self.epochs)?;
        lab::error::require(
            !self.lrs.is_empty(),
            "learning rates",
            0.0,
            "a non-empty list",
        )?;
        for &lr in &self.lrs {
            self.train_config(lr).validate()?;
        }
        check_matchers(&self.matchers)
    }

    /// Progress units of [`run_with`]: one per (rate, rep).
    pub fn work(&self) -> u64 {
        (self.lrs.len() * self.reps) as u64
    }

    /// Peak bytes: every trained network, plus per concurrent pair the moments and
    /// assignment, times the threads.
    pub fn memory_bytes(&self) -> u64 {
        let mut widths = vec![64];
        widths.extend(std::iter::repeat_n(self.width, self.depth));
        let params: u64 = widths
            .windows(2)
            .map(|w| (w[0] * w[1] + w[1]) as u64)
            .sum::<u64>()
            + 10 * (self.width as u64 + 1);
        let nets = 2 * (self.lrs.len() * self.reps) as u64 * 8 * params;
        let per_pair = super::assignment_bytes(self.width) + moments_bytes(&widths);
        nets + per_pair * rayon::current_num_threads() as u64
    }
}

/// Mean and population sd over reps of a matcher's midpoint test loss at one rate.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LrMatcherSummary {
    /// Learning rate.
    pub lr: f64,
    /// Matcher.
    pub matcher: Matcher,
    /// Mean midpoint test loss.
    pub midpoint_mean: f64,
    /// Population sd (÷ reps, as the official bands).
    pub midpoint_sd: f64,
    /// Mean loss barrier (25 points).
    pub barrier_mean: f64,
}

/// The "Model" curve at one rate: per rep the mean of the pair's two test losses, then mean
/// and population sd over reps.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LrModelSummary {
    /// Learning rate.
    pub lr: f64,
    /// Mean endpoint test loss.
    pub endpoint_mean: f64,
    /// Population sd over reps.
    pub endpoint_sd: f64,
    /// Mean endpoint test accuracy.
    pub test_accuracy: f64,
    /// Networks whose training diverged.
    pub diverged: usize,
}

/// Mean Dims of one layer at one rate, and the ratios to Dim(S_naive).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LrDimSummary {
    /// Learning rate.
    pub lr: f64,
    /// Hidden layer (1-based).
    pub layer: usize,
    /// Mean Dim(S_naive).
    pub naive: f64,
    /// Mean Dim(S_Σ).
    pub sigma: f64,
    /// Mean Dim(S_act).
    pub act: f64,
    /// naive / sigma.
    pub ratio_sigma: f64,
    /// naive / act.
    pub ratio_act: f64,
}

/// Everything E4 returns.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LrSweepResult {
    /// Rows in (rate, rep, matcher) order (midpoint_loss is the official "LMC error").
    pub rows: Vec<PairRow<LrKey>>,
    /// Rows in (rate, rep, run) order.
    pub endpoints: Vec<EndpointRow<LrKey>>,
    /// Rows in (rate, rep, layer) order.
    pub dims: Vec<DimsRow<LrKey>>,
    /// One per (rate, matcher).
    pub matchers: Vec<LrMatcherSummary>,
    /// One per rate.
    pub model: Vec<LrModelSummary>,
    /// One per (rate, layer).
    pub dim_summary: Vec<LrDimSummary>,
}

fn population_sd(xs: &[f64]) -> f64 {
    let m = lab::stats::mean(xs);
    (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64).sqrt()
}

/// Runs E4.
pub fn run(config: &LrSweepConfig) -> Result<LrSweepResult> {
    run_with(config, &|_| {})
}

/// Runs E4, telling `progress` of each pair trained and analysed (one unit each,
/// [`LrSweepConfig::work`] in all; called from the worker threads).
pub fn run_with(config: &LrSweepConfig, progress: &(dyn Fn(u64) + Sync)) -> Result<LrSweepResult> {
    config.validate()?;
    let (train, test) = match config.data {
        DataSet::Digits => digits(),
    };
    let mut widths = vec![train.dim()];
    widths.extend(std::iter::repeat_n(config.width, config.depth));
    widths.push(10);
    let pairs: Vec<(usize, usize)> = (0..config.lrs.len())
        .flat_map(|i| (0..config.reps).map(move |r| (i, r)))
        .collect();
    let analysed: Vec<(LrKey, TrainedPair)> = pairs
        .par_iter()
        .map(|&(i, rep)| -> Result<(LrKey, TrainedPair)> {
            let lr = config.lrs[i];
            let train_config = config.train_config(lr);
            let spec = PairSpec {
                widths: &widths,
                activation: Activation::Relu,
                parameterisation: Parameterisation::Standard,
                train: &train,
                test: &test,
                train_config: &train_config,
                matchers: &config.matchers,
                options: &config.options,
                seed: config.seed,
                component: "lmc.lr-sweep",
            };
            let pair = train_pair(&spec, &[i as u64, rep as u64])?;
            progress(1);
            Ok((LrKey { lr, rep }, pair))
        })
        .collect::<Result<_>>()?;
    let PairResults {
        rows,
        endpoints,
        dims,
        ..
    } = PairResults::<LrKey, AllWidths>::from_items(analysed);
    let mut matchers = Vec::new();
    let mut model = Vec::new();
    let mut dim_summary = Vec::new();
    for &lr in &config.lrs {
        for &matcher in &config.matchers {
            let pick = |f: fn(&Metrics) -> Option<f64>| -> Vec<f64> {
                rows.iter()
                    .filter(|r| r.key.lr == lr && r.matcher == matcher)
                    .filter_map(|r| f(&r.metrics))
                    .collect()
            };
            let mid = pick(|m| m.connectivity.midpoint_loss);
            matchers.push(LrMatcherSummary {
                lr,
                matcher,
                midpoint_mean: lab::stats::mean(&mid),
                midpoint_sd: population_sd(&mid),
                barrier_mean: lab::stats::mean(&pick(|m| m.connectivity.barrier)),
            });
        }
        let at_lr: Vec<&EndpointRow<LrKey>> = endpoints.iter().filter(|e| e.key.lr == lr).collect();
        let per_rep: Vec<f64> = (0..config.reps)
            .map(|rep| {
                let v: Vec<f64> = at_lr
                    .iter()
                    .filter(|e| e.key.rep == rep)
                    .map(|e| e.endpoint.test_loss)
                    .collect();
                lab::stats::mean(&v)
            })
            .collect();
        let acc: Vec<f64> = at_lr
            .iter()
            .filter_map(|e| e.endpoint.test_accuracy)
            .collect();
        model.push(LrModelSummary {
            lr,
            endpoint_mean: lab::stats::mean(&per_rep),
            endpoint_sd: population_sd(&per_rep),
            test_accuracy: lab::stats::mean(&acc),
            diverged: at_lr
                .iter()
                .filter(|e| e.endpoint.diverged_at.is_some())
                .count(),
        });
        for layer in 1..=config.depth {
            let of = |f: fn(&LayerDims) -> f64| -> f64 {
                let v: Vec<f64> = dims
                    .iter()
                    .filter(|d| d.key.lr == lr && d.dims.layer == layer)
                    .map(|d| f(&d.dims))
                    .collect();
                lab::stats::mean(&v)
            };
            let (naive, sigma, act) = (of(|d| d.naive), of(|d| d.sigma), of(|d| d.act));
            dim_summary.push(LrDimSummary {
                lr,
                layer,
                naive,
                sigma,
                act,
                ratio_sigma: naive / sigma,
                ratio_act: naive / act,
            });
        }
    }
    Ok(LrSweepResult {
        rows,
        endpoints,
        dims,
        matchers,
        model,
        dim_summary,
    })
}
