//! The experiment drivers of spec §5 (E0–E4), one module each, and what they share: the
//! per-matcher metric row, log-log slopes with bootstrap confidence intervals over seeds,
//! and stream keys.
//!
//! Every driver takes a fully resolved, serialisable config whose `validate()` refuses bad
//! settings before any work, runs its independent items (setting × width × seed) in parallel
//! on the current rayon pool with one random stream per item, and returns typed rows in a
//! fixed order: the same config gives bit-identical rows at any thread count. No row holds a
//! wall-clock time.

pub mod init;
pub mod lr_sweep;
pub mod presets;
pub mod rows;
pub mod teacher;
pub mod w2;
pub mod widths;

use crate::error::Result;
use crate::metrics::Connectivity;
use crate::pair::MatcherOutcome;
use lab::seed::Seed;
pub use rows::{PairResults, PairRow, RowKey, SlopeRow};

/// The scalar metrics of one (pair, matcher): connectivity on the evaluation set and the
/// matched distances of hidden layer 1.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Metrics {
    /// Barrier, midpoint loss, endpoint mean, accuracy barrier, gaps (flattened in JSON).
    #[serde(flatten)]
    pub connectivity: Connectivity,
    /// D₂ of incoming weights, hidden layer 1.
    pub d2_in: f64,
    /// D₂ of whole neurons (w, b, v), hidden layer 1.
    pub d2_full: f64,
    /// D₂ in the Σ metric, hidden layer 1 (None without data moments).
    pub d2_sigma: Option<f64>,
}

/// A metric of [`Metrics`], by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Metric {
    /// [`Connectivity::barrier`] of [`Metrics::connectivity`].
    Barrier,
    /// [`Connectivity::midpoint_loss`] of [`Metrics::connectivity`].
    MidpointLoss,
    /// [`Connectivity::endpoint_loss`] of [`Metrics::connectivity`].
    EndpointLoss,
    /// [`Connectivity::accuracy_barrier`] of [`Metrics::connectivity`].
    AccuracyBarrier,
    /// [`Connectivity::gap`] of [`Metrics::connectivity`].
    Gap,
    /// [`Connectivity::gap_rel`] of [`Metrics::connectivity`].
    GapRel,
    /// [`Metrics::d2_in`].
    D2In,
    /// [`Metrics::d2_full`].
    D2Full,
    /// [`Metrics::d2_sigma`].
    D2Sigma,
}

impl Metric {
    /// Every metric, in [`Metrics::COLUMNS`] order.
    pub const ALL: [Metric; 9] = [
        Metric::Barrier,
        Metric::MidpointLoss,
        Metric::EndpointLoss,
        Metric::AccuracyBarrier,
        Metric::Gap,
        Metric::GapRel,
        Metric::D2In,
        Metric::D2Full,
        Metric::D2Sigma,
    ];
}

impl Metrics {
    /// Column names of [`Metrics::values`], in order (the [`Metric`] names with `_`).
    pub const COLUMNS: [&'static str; 9] = [
        "barrier",
        "midpoint_loss",
        "endpoint_loss",
        "accuracy_barrier",
        "gap",
        "gap_rel",
        "d2_in",
        "d2_full",
        "d2_sigma",
    ];

    /// The values in [`Metrics::COLUMNS`] order (None where undefined).
    pub fn values(&self) -> [Option<f64>; 9] {
        Metric::ALL.map(|m| self.get(m))
    }

    /// One metric.
    pub fn get(&self, metric: Metric) -> Option<f64> {
        let c = &self.connectivity;
        match metric {
            Metric::Barrier => c.barrier,
            Metric::MidpointLoss => c.midpoint_loss,
            Metric::EndpointLoss => c.endpoint_loss,
            Metric::AccuracyBarrier => c.accuracy_barrier,
            Metric::Gap => Some(c.gap),
            Metric::GapRel => Some(c.gap_rel),
            Metric::D2In => Some(self.d2_in),
            Metric::D2Full => Some(self.d2_full),
            Metric::D2Sigma => self.d2_sigma,
        }
    }

    /// The metrics of one matcher's outcome.
    pub fn of(outcome: &MatcherOutcome) -> Metrics {
        let d = &outcome.distances[0];
        Metrics {
            connectivity: outcome.connectivity.clone(),
            d2_in: d.d2_in,
            d2_full: d.d2_full,
            d2_sigma: d.d2_sigma,
        }
    }
}

/// Settings of the percentile bootstrap over seeds.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bootstrap {
    /// Resamples (1000).
    pub resamples: usize,
    /// Confidence level (0.95).
    pub level: f64,
}

impl Default for Bootstrap {
    fn default() -> Bootstrap {
        Bootstrap {
            resamples: 1000,
            level: 0.95,
        }
    }
}

impl Bootstrap {
    /// Refuses 0 resamples and a level outside (0, 1).
    pub fn validate(&self) -> Result<()> {
        lab::error::require(
            self.resamples >= 1,
            "bootstrap resamples",
            self.resamples as f64,
            "at least 1",
        )?;
        lab::error::require(
            self.level > 0.0 && self.level < 1.0,
            "bootstrap confidence level",
            self.level,
            "in (0, 1)",
        )?;
        Ok(())
    }
}

/// A log-log slope with its bootstrap interval over seeds (spec §3.7).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SlopeFit {
    /// OLS slope of ln(metric) on ln(x) over every (seed, x) point with a positive value.
    pub slope: f64,
    /// Its OLS standard error (NaN with 2 points).
    pub stderr: f64,
    /// Lower end of the bootstrap interval (None when the bootstrap fails).
    pub ci_lo: Option<f64>,
    /// Upper end of the bootstrap interval.
    pub ci_hi: Option<f64>,
    /// Points used in the fit.
    pub points: usize,
    /// Seeds (bootstrap units).
    pub seeds: usize,
}

impl SlopeFit {
    /// Whether the interval excludes 0 on the negative side.
    pub fn significantly_negative(&self) -> bool {
        self.ci_hi.is_some_and(|hi| hi < 0.0)
    }
}

/// The slope of ln y on ln x over `points` = (seed index, x, y) with seeds 0..`seeds`, and a
/// percentile bootstrap interval that resamples whole seeds (all of a seed's points go
/// together) with `rng`. None when fewer than 2 usable points or distinct x.
pub fn seed_slope(
    points: &[(usize, f64, f64)],
    seeds: usize,
    bootstrap: &Bootstrap,
    rng: &mut lab::seed::Rng,
) -> Option<SlopeFit> {
    let by_seed: Vec<Vec<(f64, f64)>> = (0..seeds)
        .map(|s| {
            points
                .iter()
                .filter(|p| p.0 == s)
                .map(|p| (p.1, p.2))
                .collect()
        })
        .collect();
    let fit_of = |indices: &[usize]| {
        let (x, y): (Vec<f64>, Vec<f64>) = indices
            .iter()
            .flat_map(|&s| by_seed[s].iter().copied())
            .unzip();
        lab::fit::fit_loglog(&x, &y, None)
    };
    let all: Vec<usize> = (0..seeds).collect();
    let fit = fit_of(&all)?;
    let ci = lab::stats::bootstrap_ci(
        seeds,
        |idx| fit_of(idx).map_or(f64::NAN, |f| f.slope),
        bootstrap.level,
        bootstrap.resamples,
        rng,
    );
    Some(SlopeFit {
        slope: fit.slope,
        stderr: fit.slope_stderr,
        ci_lo: ci.map(|c| c.lo),
        ci_hi: ci.map(|c| c.hi),
        points: fit.n,
        seeds,
    })
}

/// Slopes against width of every (matcher, metric) over the rows of one group (`in_group`),
/// points (seed index, width) from `point`, each with its own bootstrap stream
/// (`component`, [group_index, matcher, metric]) of `seed`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn group_slopes<K, G: Clone>(
    rows: &[PairRow<K>],
    group: G,
    group_index: u64,
    in_group: impl Fn(&K) -> bool,
    point: impl Fn(&K) -> (usize, f64),
    matchers: &[crate::matching::Matcher],
    metrics: &[Metric],
    seeds: usize,
    bootstrap: &Bootstrap,
    seed: u64,
    component: &str,
) -> Vec<SlopeRow<G>> {
    let mut out = Vec::with_capacity(matchers.len() * metrics.len());
    for &matcher in matchers {
        for &metric in metrics {
            let points: Vec<(usize, f64, f64)> = rows
                .iter()
                .filter(|r| r.matcher == matcher && in_group(&r.key))
                .filter_map(|r| {
                    let (s, x) = point(&r.key);
                    r.metrics.get(metric).map(|v| (s, x, v))
                })
                .collect();
            let mut rng = stream(
                seed,
                component,
                &[group_index, matcher as u64, metric as u64],
            );
            out.push(SlopeRow {
                group: group.clone(),
                matcher,
                metric,
                fit: seed_slope(&points, seeds, bootstrap, &mut rng),
            });
        }
    }
    out
}

/// How one trained network ended.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Endpoint {
    /// Mean loss on the training set after training.
    pub train_loss: f64,
    /// Mean loss on the test set after training.
    pub test_loss: f64,
    /// Training accuracy (None unless classes).
    pub train_accuracy: Option<f64>,
    /// Test accuracy (None unless classes).
    pub test_accuracy: Option<f64>,
    /// The 1-based step whose loss was not finite, if training diverged.
    pub diverged_at: Option<usize>,
}

/// What two networks trained and analysed together share: architecture, data, training,
/// matchers and the stream names `<component>.init`, `.shuffle`, `.rebasin`.
pub(crate) struct PairSpec<'a> {
    pub widths: &'a [usize],
    pub activation: crate::mlp::Activation,
    pub parameterisation: crate::mlp::Parameterisation,
    pub train: &'a crate::data::Data,
    pub test: &'a crate::data::Data,
    pub train_config: &'a crate::train::TrainConfig,
    pub matchers: &'a [crate::matching::Matcher],
    pub options: &'a crate::matching::MatchOptions,
    pub seed: u64,
    pub component: &'static str,
}

/// A trained pair and its analysis.
pub(crate) struct TrainedPair {
    /// One (matcher, metrics) per matcher of the spec.
    pub outcomes: Vec<(crate::matching::Matcher, Metrics)>,
    /// Runs 0 (A) and 1 (B).
    pub endpoints: [Endpoint; 2],
    /// A's Dims per hidden layer.
    pub dims: Vec<crate::metrics::LayerDims>,
}

/// Trains runs 0 and 1 of the item `parts` (init and shuffle streams keyed by parts + run),
/// then analyses the pair: statistics on the training inputs, metrics on the test set.
pub(crate) fn train_pair(spec: &PairSpec<'_>, parts: &[u64]) -> Result<TrainedPair> {
    use crate::loss::{accuracy, mean_loss};
    let mut nets = Vec::with_capacity(2);
    let mut endpoints = Vec::with_capacity(2);
    for run in 0..2u64 {
        let mut run_parts = parts.to_vec();
        run_parts.push(run);
        let mut init = stream(spec.seed, &format!("{}.init", spec.component), &run_parts);
        let mut shuffle = stream(
            spec.seed,
            &format!("{}.shuffle", spec.component),
            &run_parts,
        );
        let mut net = crate::mlp::Mlp::init(
            spec.widths,
            spec.activation,
            spec.parameterisation,
            &mut init,
        )?;
        let outcome = crate::train::train(&mut net, spec.train, spec.train_config, &mut shuffle)?;
        let (ftr, fte) = (net.forward(&spec.train.x), net.forward(&spec.test.x));
        endpoints.push(Endpoint {
            train_loss: mean_loss(&ftr, &spec.train.targets).unwrap_or(f64::NAN),
            test_loss: mean_loss(&fte, &spec.test.targets).unwrap_or(f64::NAN),
            train_accuracy: accuracy(&ftr, &spec.train.targets),
            test_accuracy: accuracy(&fte, &spec.test.targets),
            diverged_at: outcome.diverged_at,
        });
        nets.push(net);
    }
    let setup = crate::pair::PairSetup {
        moments_x: Some(&spec.train.x),
        eval: spec.test,
        matchers: spec.matchers,
        options: spec.options,
        points: crate::metrics::GRID_POINTS,
    };
    let mut rng = stream(spec.seed, &format!("{}.rebasin", spec.component), parts);
    let pair = crate::pair::analyze_pair(&nets[0], &nets[1], &setup, &mut rng)?;
    let endpoints: [Endpoint; 2] = endpoints.try_into().expect("two runs");
    Ok(TrainedPair {
        outcomes: pair
            .outcomes
            .iter()
            .map(|o| (o.alignment.matcher, Metrics::of(o)))
            .collect(),
        endpoints,
        dims: pair.dims.expect("moments computed"),
    })
}

/// Every (a, b, i) for a in `outer`, b in `middle`, i in 0..`count`, in that nesting order.
pub(crate) fn items3(
    outer: &[usize],
    middle: &[usize],
    count: usize,
) -> Vec<(usize, usize, usize)> {
    let mut items = Vec::with_capacity(outer.len() * middle.len() * count);
    for &a in outer {
        for &b in middle {
            items.extend((0..count).map(|i| (a, b, i)));
        }
    }
    items
}

/// A stream index combining several integers (FNV-1a over their little-endian bytes).
pub fn key(parts: &[u64]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for p in parts {
        for byte in p.to_le_bytes() {
            h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The random stream of (`component`, `parts`) under `seed`.
pub fn stream(seed: u64, component: &str, parts: &[u64]) -> lab::seed::Rng {
    Seed(seed).stream(component, key(parts))
}

/// Refuses an empty list or a zero entry of a list of sizes named `name`.
pub(crate) fn positive_list(name: &'static str, values: &[usize]) -> Result<()> {
    lab::error::require(!values.is_empty(), name, 0.0, "a non-empty list")?;
    for &v in values {
        lab::error::require(v >= 1, name, v as f64, "at least 1")?;
    }
    Ok(())
}

/// Refuses a count of 0.
pub(crate) fn at_least_one(name: &'static str, value: usize) -> Result<()> {
    Ok(lab::error::require(
        value >= 1,
        name,
        value as f64,
        "at least 1",
    )?)
}

/// Refuses an empty or repeated matcher list.
pub(crate) fn check_matchers(matchers: &[crate::matching::Matcher]) -> Result<()> {
    lab::error::require(!matchers.is_empty(), "matchers", 0.0, "a non-empty list")?;
    for (i, m) in matchers.iter().enumerate() {
        lab::error::require(
            !matchers[..i].contains(m),
            "matchers",
            i as f64,
            format!("without repeats ({} appears twice)", m.name()),
        )?;
    }
    Ok(())
}

/// Bytes of one exact assignment of size m (cost matrix and the solver's negated copy).
pub(crate) fn assignment_bytes(m: usize) -> u64 {
    3 * 8 * (m as u64).pow(2)
}
