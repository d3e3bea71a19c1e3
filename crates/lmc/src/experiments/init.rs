//! E1 — LMC at initialisation (`theorylab lmc init`; Theorem 5.2 regime): two independently
//! initialised networks in standard (LeCun fan-in) scaling, x ~ N(0, I_d); the relative
//! function gap at t = ½ and the matched distances after each matcher, against the width N.
//! Hypothesis (to check): identity stays O(1); (b)/(c) decay with slopes between −1/D and
//! −2/D, D = d (+1 if √N·v is matched, `rebasin-scaled`). Mean-field scaling is not offered
//! here: its output vanishes like N^{−1/2} at init, so unaligned midpoints look connected.

use super::rows::{DimGroup, InitKey, PairRow, SlopeRow};
use super::{
    assignment_bytes, at_least_one, check_matchers, group_slopes, items3, positive_list, stream,
    Bootstrap, Metric, Metrics,
};
use crate::data::{gaussian, Data, Targets};
use crate::error::Result;
use crate::matching::{MatchOptions, Matcher};
use crate::metrics::GRID_POINTS;
use crate::mlp::{Activation, Mlp, Parameterisation};
use crate::moments::moments_bytes;
use crate::pair::{analyze_pair, PairSetup};
use rayon::prelude::*;

/// Settings of E1.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InitConfig {
    /// Input dimensions d.
    pub dims: Vec<usize>,
    /// Hidden widths N.
    pub widths: Vec<usize>,
    /// Seeds (independent pairs) per (d, N).
    pub seeds: usize,
    /// User seed.
    pub seed: u64,
    /// Matchers (default identity, weight, rebasin, rebasin-scaled).
    pub matchers: Vec<Matcher>,
    /// Hidden layers, all of width N (1: the two-layer net; 2: the deep variant of P5).
    pub hidden_layers: usize,
    /// Output width K.
    pub outputs: usize,
    /// The activation.
    pub activation: Activation,
    /// Evaluation inputs (fresh N(0, I_d) draws; also the statistics pass when a matcher needs it).
    pub samples: usize,
    /// Settings of the iterative matchers.
    pub options: MatchOptions,
    /// Bootstrap over seeds.
    pub bootstrap: Bootstrap,
}

impl InitConfig {
    /// The default E1 settings for the given lists.
    pub fn new(dims: Vec<usize>, widths: Vec<usize>, seeds: usize) -> InitConfig {
        InitConfig {
            dims,
            widths,
            seeds,
            seed: 0,
            matchers: vec![
                Matcher::Identity,
                Matcher::Weight,
                Matcher::Rebasin,
                Matcher::RebasinScaled,
            ],
            hidden_layers: 1,
            outputs: 1,
            activation: Activation::Relu,
            samples: 2048,
            options: MatchOptions::default(),
            bootstrap: Bootstrap::default(),
        }
    }

    /// Refuses empty lists and zero sizes.
    pub fn validate(&self) -> Result<()> {
        positive_list("dim", &self.dims)?;
        positive_list("width", &self.widths)?;
        at_least_one("seeds", self.seeds)?;
        at_least_one("hidden layers", self.hidden_layers)?;
        at_least_one("outputs", self.outputs)?;
        lab::error::require(
            self.samples >= 2,
            "samples",
            self.samples as f64,
            "at least 2",
        )?;
        check_matchers(&self.matchers)?;
        self.bootstrap.validate()
    }

    /// Progress units of [`run_with`]: one per (d, N, seed).
    pub fn work(&self) -> u64 {
        (self.dims.len() * self.widths.len() * self.seeds) as u64
    }

    /// Peak bytes per concurrent item (assignment, activations, moments if needed) × threads.
    pub fn memory_bytes(&self) -> u64 {
        let n = self.widths.iter().copied().max().unwrap_or(0);
        let d = self.dims.iter().copied().max().unwrap_or(0);
        let acts = 8 * 4 * (self.samples as u64) * (n as u64) * self.hidden_layers as u64;
        let mom = if self.matchers.iter().any(|m| m.needs_moments()) {
            moments_bytes(&[d, n])
        } else {
            0
        };
        (assignment_bytes(n) + acts + mom) * rayon::current_num_threads() as u64
    }
}

/// Everything E1 returns.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InitResult {
    /// One per (d, N, seed, matcher), in that order (losses are None: no targets).
    pub rows: Vec<PairRow<InitKey>>,
    /// Slopes of gap_rel, d2_in and d2_full per (d, matcher).
    pub slopes: Vec<SlopeRow<DimGroup>>,
}

/// The metrics whose slopes E1 reports.
pub const INIT_SLOPE_METRICS: [Metric; 3] = [Metric::GapRel, Metric::D2In, Metric::D2Full];

/// Runs E1.
pub fn run(config: &InitConfig) -> Result<InitResult> {
    run_with(config, &|_| {})
}

/// Runs E1, telling `progress` of each pair analysed (one unit each, [`InitConfig::work`] in
/// all; called from the worker threads).
pub fn run_with(config: &InitConfig, progress: &(dyn Fn(u64) + Sync)) -> Result<InitResult> {
    config.validate()?;
    let items = items3(&config.dims, &config.widths, config.seeds);
    let needs_moments = config.matchers.iter().any(|m| m.needs_moments());
    let rows: Vec<Vec<PairRow<InitKey>>> = items
        .par_iter()
        .map(|&(dim, width, seed)| {
            let parts = [dim as u64, width as u64, seed as u64];
            let mut widths = vec![dim];
            widths.extend(std::iter::repeat_n(width, config.hidden_layers));
            widths.push(config.outputs);
            let init = |name: &str| {
                Mlp::init(
                    &widths,
                    config.activation,
                    Parameterisation::Standard,
                    &mut stream(config.seed, name, &parts),
                )
            };
            let (a, b) = (init("lmc.init.a")?, init("lmc.init.b")?);
            let x = gaussian(
                config.samples,
                dim,
                &mut stream(config.seed, "lmc.init.x", &parts),
            );
            let eval = Data {
                x,
                targets: Targets::None,
            };
            let setup = PairSetup {
                moments_x: needs_moments.then_some(&eval.x),
                eval: &eval,
                matchers: &config.matchers,
                options: &config.options,
                points: GRID_POINTS,
            };
            let pair = analyze_pair(
                &a,
                &b,
                &setup,
                &mut stream(config.seed, "lmc.init.rebasin", &parts),
            )?;
            progress(1);
            Ok(pair
                .outcomes
                .iter()
                .map(|o| PairRow {
                    key: InitKey { dim, width, seed },
                    matcher: o.alignment.matcher,
                    metrics: Metrics::of(o),
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    let rows: Vec<PairRow<InitKey>> = rows.into_iter().flatten().collect();
    let mut slopes = Vec::new();
    for &dim in &config.dims {
        slopes.extend(group_slopes(
            &rows,
            DimGroup { dim },
            dim as u64,
            |k| k.dim == dim,
            |k| (k.seed, k.width as f64),
            &config.matchers,
            &INIT_SLOPE_METRICS,
            config.seeds,
            &config.bootstrap,
            config.seed,
            "lmc.init.bootstrap",
        ));
    }
    Ok(InitResult { rows, slopes })
}
