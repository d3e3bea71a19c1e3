//! The library side of `theorylab lmc align`: match B to A for anyone's two MLPs, with the
//! interpolation table, barriers, midpoint losses, D₂ and Dim per layer, and timings.
//!
//! Flow: [`sequential::read`](crate::sequential::read) both files →
//! [`AlignData::resolve`] against A (every check on the data happens here, before any work) →
//! [`align`] → [`sequential::write`](crate::sequential::write) of
//! [`AlignReport::b_aligned`] with B's names and dtypes. The report serialises to
//! `summary.json` ([`AlignSummary`]), `permutations.json` ([`AlignReport::permutations`])
//! and `interpolation.csv` ([`InterpolationRow`]).

use crate::data::{digits, Data, Targets};
use crate::error::{Error, Result};
use crate::matching::{MatchOptions, Matcher};
use crate::matrix::Matrix;
use crate::metrics::GRID_POINTS;
use crate::mlp::Mlp;
use crate::pair::{analyze_pair, PairSetup};
use crate::perm::Permutation;
use lab::seed::Seed;
use std::time::Instant;

/// The data of an alignment, as given.
#[derive(Clone, Debug)]
pub enum AlignData {
    /// The digits: statistics on the 1437 training images, interpolation on the 360 test
    /// images (pixels/16, labels 0–9).
    Digits,
    /// User arrays: inputs \[n, d\] and optional integer labels \[n\]; used for both the
    /// statistics pass and the interpolation.
    Arrays {
        /// Inputs, n×d.
        x: Matrix,
        /// Labels (any integer; checked against the output width).
        labels: Option<Vec<i64>>,
    },
}

/// The data resolved against a network: the statistics inputs and the evaluation set.
#[derive(Clone, Debug)]
pub struct ResolvedData {
    /// Inputs of the statistics pass.
    pub moments_x: Matrix,
    /// Evaluation set of the interpolation.
    pub eval: Data,
}

impl AlignData {
    /// Checks the data against `net` (input width, finite values, at least 2 samples, label
    /// count and range 0..K with K the output width) and resolves it.
    pub fn resolve(self, net: &Mlp) -> Result<ResolvedData> {
        let (moments_x, eval) = match self {
            AlignData::Digits => {
                let (train, test) = digits();
                (train.x, test)
            }
            AlignData::Arrays { x, labels } => {
                if let Some((row, col, value)) = x.first_non_finite() {
                    return Err(Error::NonFiniteData { row, col, value });
                }
                let targets = match labels {
                    None => Targets::None,
                    Some(labels) => {
                        if labels.len() != x.rows {
                            return Err(Error::LabelCount {
                                expected: x.rows,
                                got: labels.len(),
                            });
                        }
                        let classes = net.output_dim();
                        if let Some(index) = labels
                            .iter()
                            .position(|&l| l < 0 || l as u64 >= classes as u64)
                        {
                            return Err(Error::LabelOutOfRange {
                                index,
                                value: labels[index],
                                classes,
                            });
                        }
                        Targets::Classes {
                            labels: labels.into_iter().map(|l| l as usize).collect(),
                            classes,
                        }
                    }
                };
                (x.clone(), Data::new(x, targets)?)
            }
        };
        if moments_x.cols != net.input_dim() {
            return Err(Error::DataWidth {
                expected: net.input_dim(),
                got: moments_x.cols,
            });
        }
        lab::error::require(
            moments_x.rows >= 2,
            "number of samples",
            moments_x.rows as f64,
            "at least 2",
        )?;
        eval.check_against(net)?;
        Ok(ResolvedData { moments_x, eval })
    }
}

/// Settings of an alignment.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AlignConfig {
    /// The matcher (`weight` by default).
    pub matcher: Matcher,
    /// Points of the interpolation grid (25).
    pub points: usize,
    /// Settings of the iterative matchers.
    pub options: MatchOptions,
    /// Seed of Git Re-Basin's random layer order (stream `lmc.align.rebasin`).
    pub seed: u64,
}

impl Default for AlignConfig {
    fn default() -> AlignConfig {
        AlignConfig {
            matcher: Matcher::Weight,
            points: GRID_POINTS,
            options: MatchOptions::default(),
            seed: 0,
        }
    }
}

impl AlignConfig {
    /// Refuses the identity matcher (nothing to align) and the soft Sinkhorn baseline (its B
    /// is transported, not permuted, so it no longer computes B's function), a grid without
    /// t = ½, and Git Re-Basin settings out of range.
    pub fn validate(&self) -> Result<()> {
        if !Matcher::ALIGNING.contains(&self.matcher) {
            return Err(Error::NotAligning {
                matcher: self.matcher.name(),
                aligning: Matcher::ALIGNING.map(Matcher::name).join(", "),
            });
        }
        lab::error::require(
            self.points >= 3 && self.points % 2 == 1,
            "interpolation grid points",
            self.points as f64,
            "odd and at least 3",
        )?;
        lab::error::require(
            self.options.max_sweeps >= 1,
            "Re-Basin sweeps",
            self.options.max_sweeps as f64,
            "at least 1",
        )?;
        lab::error::non_negative("Re-Basin tolerance", self.options.tolerance)?;
        lab::error::positive("Sinkhorn regularisation", self.options.sinkhorn_reg)?;
        Ok(())
    }
}

/// Peak bytes of [`align`] for `net`'s architecture with `samples_moments` rows in the
/// statistics pass and `samples_eval` in the interpolation: the two m×m moment matrices per
/// layer and one chunk of activations, one assignment, and the activations of the grid
/// points evaluated at once (one per rayon thread).
pub fn memory_bytes(net: &Mlp, samples_moments: usize, samples_eval: usize) -> u64 {
    let widths = net.widths();
    let hidden = &widths[..widths.len() - 1];
    let m = hidden[1..].iter().copied().max().unwrap_or(0) as u64;
    let chunk = samples_moments.min(crate::moments::CHUNK) as u64;
    let moments: u64 = hidden
        .iter()
        .map(|&w| 8 * (2 * (w as u64).pow(2) + 4 * chunk * w as u64))
        .sum();
    let acts: u64 = widths
        .iter()
        .map(|&w| 8 * samples_eval as u64 * w as u64)
        .sum();
    let params = 8 * net.parameter_count() as u64;
    moments + 24 * m * m + (acts + params) * (2 + rayon::current_num_threads() as u64)
}

/// One row of `interpolation.csv`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct InterpolationRow {
    /// t.
    pub t: f64,
    /// ℒ((1 − t)θ_A + tθ_B) (None without labels).
    pub loss_unaligned: Option<f64>,
    /// ℒ((1 − t)θ_A + tθ̃_B) (None without labels).
    pub loss_aligned: Option<f64>,
    /// Accuracy on the unaligned segment (None without labels).
    pub acc_unaligned: Option<f64>,
    /// Accuracy on the aligned segment (None without labels).
    pub acc_aligned: Option<f64>,
    /// E‖f(θ(t)) − ((1 − t)f_A + tf_B)‖₂ on the unaligned segment.
    pub gap_unaligned: f64,
    /// The same on the aligned segment.
    pub gap_aligned: f64,
}

/// Per hidden layer: matched distances and A's dimensions.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LayerSummary {
    /// Hidden layer ℓ (1-based).
    pub layer: usize,
    /// Its width m_ℓ.
    pub width: usize,
    /// D₂ of incoming weights before alignment.
    pub d2_in_unaligned: f64,
    /// D₂ of incoming weights after alignment.
    pub d2_in: f64,
    /// D₂ of whole neurons (w, b, v) after alignment.
    pub d2_full: f64,
    /// D₂ in A's data metric ‖·‖_Σ after alignment.
    pub d2_sigma: Option<f64>,
    /// Dim(S_naive) of A.
    pub dim_naive: f64,
    /// Dim(S_Σ) of A.
    pub dim_sigma: f64,
    /// Dim(S_act) of A.
    pub dim_act: f64,
}

/// Wall-clock seconds of each stage.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Timings {
    /// Statistics pass.
    pub moments: f64,
    /// Matching.
    pub matching: f64,
    /// Both interpolation paths.
    pub interpolation: f64,
    /// Everything in [`align`].
    pub total: f64,
}

/// `summary.json`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AlignSummary {
    /// The matcher.
    pub matcher: Matcher,
    /// Widths [d, m_1, …, m_L, K].
    pub widths: Vec<usize>,
    /// Samples in the statistics pass.
    pub samples_moments: usize,
    /// Samples in the interpolation.
    pub samples_eval: usize,
    /// Loss barrier before alignment (None without labels).
    pub barrier_unaligned: Option<f64>,
    /// Loss barrier after alignment (None without labels).
    pub barrier_aligned: Option<f64>,
    /// Midpoint loss before alignment.
    pub midpoint_loss_unaligned: Option<f64>,
    /// Midpoint loss after alignment.
    pub midpoint_loss_aligned: Option<f64>,
    /// ½(ℒ(θ_A) + ℒ(θ_B)).
    pub endpoint_loss: Option<f64>,
    /// Accuracy barrier before alignment.
    pub accuracy_barrier_unaligned: Option<f64>,
    /// Accuracy barrier after alignment.
    pub accuracy_barrier_aligned: Option<f64>,
    /// Relative function gap at t = ½ before alignment.
    pub gap_rel_unaligned: f64,
    /// Relative function gap at t = ½ after alignment.
    pub gap_rel_aligned: f64,
    /// Largest |f_B̃ − f_B| over the evaluation inputs (0 up to rounding for exact matchers).
    pub max_function_change: f64,
    /// Git Re-Basin sweeps (0 for other matchers).
    pub sweeps: usize,
    /// Per hidden layer.
    pub layers: Vec<LayerSummary>,
    /// Timings.
    pub timings: Timings,
}

/// Everything `lmc align` writes.
#[derive(Clone, Debug)]
pub struct AlignReport {
    /// π_1, …, π_L (`permutations.json`: one list per hidden layer).
    pub permutations: Vec<Permutation>,
    /// B aligned to A.
    pub b_aligned: Mlp,
    /// The 25 (or `points`) rows of `interpolation.csv`.
    pub interpolation: Vec<InterpolationRow>,
    /// `summary.json`.
    pub summary: AlignSummary,
}

/// Matches `b` to `a` on `data` (already resolved against `a`) with `config`.
pub fn align(a: &Mlp, b: &Mlp, data: &ResolvedData, config: &AlignConfig) -> Result<AlignReport> {
    config.validate()?;
    a.check_same_architecture(b)?;
    let start = Instant::now();
    let matchers = [Matcher::Identity, config.matcher];
    let setup = PairSetup {
        moments_x: Some(&data.moments_x),
        eval: &data.eval,
        matchers: &matchers,
        options: &config.options,
        points: config.points,
    };
    let mut rng = Seed(config.seed).stream("lmc.align.rebasin", 0);
    let pair = analyze_pair(a, b, &setup, &mut rng)?;
    let (unaligned, aligned) = (&pair.outcomes[0], &pair.outcomes[1]);
    let interpolation = unaligned
        .path
        .iter()
        .zip(&aligned.path)
        .map(|(u, v)| InterpolationRow {
            t: u.t,
            loss_unaligned: u.loss,
            loss_aligned: v.loss,
            acc_unaligned: u.accuracy,
            acc_aligned: v.accuracy,
            gap_unaligned: u.gap,
            gap_aligned: v.gap,
        })
        .collect();
    let dims = pair.dims.clone().unwrap_or_default();
    let layers = aligned
        .distances
        .iter()
        .zip(&unaligned.distances)
        .zip(&dims)
        .map(|((d, u), dim)| LayerSummary {
            layer: d.layer,
            width: a.layers[d.layer - 1].outputs(),
            d2_in_unaligned: u.d2_in,
            d2_in: d.d2_in,
            d2_full: d.d2_full,
            d2_sigma: d.d2_sigma,
            dim_naive: dim.naive,
            dim_sigma: dim.sigma,
            dim_act: dim.act,
        })
        .collect();
    let fb = b.forward(&data.eval.x);
    let fbt = aligned.alignment.b_aligned.forward(&data.eval.x);
    let max_function_change = fb
        .data
        .iter()
        .zip(&fbt.data)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    let (cu, ca) = (&unaligned.connectivity, &aligned.connectivity);
    let summary = AlignSummary {
        matcher: config.matcher,
        widths: a.widths(),
        samples_moments: data.moments_x.rows,
        samples_eval: data.eval.len(),
        barrier_unaligned: cu.barrier,
        barrier_aligned: ca.barrier,
        midpoint_loss_unaligned: cu.midpoint_loss,
        midpoint_loss_aligned: ca.midpoint_loss,
        endpoint_loss: cu.endpoint_loss,
        accuracy_barrier_unaligned: cu.accuracy_barrier,
        accuracy_barrier_aligned: ca.accuracy_barrier,
        gap_rel_unaligned: cu.gap_rel,
        gap_rel_aligned: ca.gap_rel,
        max_function_change,
        sweeps: aligned.alignment.sweeps,
        layers,
        timings: Timings {
            moments: pair.moments_seconds,
            matching: aligned.match_seconds,
            interpolation: unaligned.path_seconds + aligned.path_seconds,
            total: start.elapsed().as_secs_f64(),
        },
    };
    Ok(AlignReport {
        permutations: aligned.alignment.perms.clone(),
        b_aligned: aligned.alignment.b_aligned.clone(),
        interpolation,
        summary,
    })
}
