//! The analysis of one pair of networks (the official `analyze_optima`, spec §3.6): the
//! statistics pass, every requested matcher, the interpolation path of each aligned pair,
//! the connectivity metrics, matched distances and model A's dimensions.

use crate::data::Data;
use crate::error::Result;
use crate::matching::{align, Alignment, MatchOptions, Matcher};
use crate::matrix::Matrix;
use crate::metrics::{
    connectivity, dims, distances, path, rms_output, Connectivity, LayerDims, LayerDistance,
    PathPoint,
};
use crate::mlp::Mlp;
use crate::moments::{moments, Moments};
use lab::seed::Rng;
use std::time::Instant;

/// What to compute for a pair.
#[derive(Clone, Debug)]
pub struct PairSetup<'a> {
    /// Inputs of the statistics pass (the training set); needed by (d), (d+), (e), Dim and
    /// D₂ in the Σ metric.
    pub moments_x: Option<&'a Matrix>,
    /// The evaluation set of the interpolation path (the test set).
    pub eval: &'a Data,
    /// The matchers, in output order.
    pub matchers: &'a [Matcher],
    /// Settings of the iterative matchers.
    pub options: &'a MatchOptions,
    /// Points of the interpolation grid (odd, ≥ 3; [`crate::metrics::GRID_POINTS`]).
    pub points: usize,
}

/// One matcher's outcome on a pair.
#[derive(Clone, Debug)]
pub struct MatcherOutcome {
    /// The alignment (permutations and aligned B).
    pub alignment: Alignment,
    /// The interpolation path from A to aligned B.
    pub path: Vec<PathPoint>,
    /// Barrier, midpoint loss, endpoint mean, accuracy barrier, gaps.
    pub connectivity: Connectivity,
    /// Matched distances per hidden layer.
    pub distances: Vec<LayerDistance>,
    /// Seconds spent matching (wall clock).
    pub match_seconds: f64,
    /// Seconds spent on the interpolation path (wall clock).
    pub path_seconds: f64,
}

/// Everything measured on a pair.
#[derive(Clone, Debug)]
pub struct PairAnalysis {
    /// One outcome per matcher of the setup, in its order.
    pub outcomes: Vec<MatcherOutcome>,
    /// Dim of S_naive, S_Σ, S_act per hidden layer of A (when moments were computed).
    pub dims: Option<Vec<LayerDims>>,
    /// The statistics pass (when computed).
    pub moments: Option<Moments>,
    /// RMS(f_A) over the evaluation inputs.
    pub rms_a: f64,
    /// Seconds of the statistics pass.
    pub moments_seconds: f64,
}

/// Analyses the pair (A, B) under `setup`; `rng` orders Git Re-Basin's sweeps. The statistics
/// pass runs when `setup.moments_x` is given.
pub fn analyze_pair(
    a: &Mlp,
    b: &Mlp,
    setup: &PairSetup<'_>,
    rng: &mut Rng,
) -> Result<PairAnalysis> {
    a.check_same_architecture(b)?;
    setup.eval.check_against(a)?;
    lab::error::require(
        setup.points >= 3 && setup.points % 2 == 1,
        "interpolation grid points",
        setup.points as f64,
        "odd and at least 3 (t = ½ on the grid)",
    )?;
    let start = Instant::now();
    let mo = match setup.moments_x {
        Some(x) => Some(moments(a, b, x)?),
        None => None,
    };
    let moments_seconds = start.elapsed().as_secs_f64();
    let rms_a = rms_output(a, &setup.eval.x);
    let mut outcomes = Vec::with_capacity(setup.matchers.len());
    for &matcher in setup.matchers {
        let start = Instant::now();
        let alignment = align(a, b, matcher, mo.as_ref(), setup.options, rng)?;
        let match_seconds = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let p = path(a, &alignment.b_aligned, setup.eval, setup.points);
        let path_seconds = start.elapsed().as_secs_f64();
        outcomes.push(MatcherOutcome {
            connectivity: connectivity(&p, rms_a),
            distances: distances(a, &alignment.b_aligned, mo.as_ref()),
            alignment,
            path: p,
            match_seconds,
            path_seconds,
        });
    }
    Ok(PairAnalysis {
        outcomes,
        dims: mo.as_ref().map(|m| dims(a, m)),
        moments: mo,
        rms_a,
        moments_seconds,
    })
}
