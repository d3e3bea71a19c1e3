//! Spec §8 item 9 (the tolerance theorem of spec 4.4) and E9 (task parity): both find the
//! smallest width at which every instance meets its tolerance, prune there and measure.
//!
//! Tolerance theorem: with ‖W_i‖_op ≤ 1 (the rescaled trained targets), ‖x‖ ≤ 1 and every
//! |e| ≤ η_i = ε / (2√2 · L · β_i · K_i · √(C_iC_{i+1})), the pruned network is within ε of the
//! target on the whole unit ball, so the measured sup error over the test inputs must never
//! exceed ε. Task parity: at the smallest width with every |e| ≤ η (default 10⁻³), pruned and
//! target predictions should agree on essentially every test input.

use crate::error::{non_empty, Result};
use crate::run::{prune_target, CopiesRange, PruneSettings, Tolerance};
use crate::sweep::TargetTask;
use crate::targets::TargetKind;
use crate::train::{prepare_target, Target};
use crate::width::min_copies;
use lab::error::positive;

/// What the width searches share: targets, seeds, the width range and the pruning settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SearchConfig {
    /// Targets and tasks.
    pub targets: Vec<TargetTask>,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Width range searched.
    pub copies: CopiesRange,
    /// Pruning settings; the width is the smallest meeting their tolerance.
    pub settings: PruneSettings,
}

impl SearchConfig {
    /// Refuse empty lists, bad tasks, a bad width range or bad settings.
    pub fn validate(&self) -> Result<()> {
        non_empty("targets", &self.targets)?;
        non_empty("seeds", &self.seeds)?;
        for t in &self.targets {
            t.task.validate()?;
        }
        self.copies.validate()?;
        self.settings.validate()
    }

    /// Peak memory: the largest run at the largest width (runs are sequential).
    pub fn memory_bytes(&self) -> u64 {
        crate::run::largest_run_bytes(&self.targets, self.copies.max, &self.settings)
    }
}

/// Task parity (E9): the width is the smallest meeting the settings' tolerance (spec: η = 10⁻³).
pub type ParityConfig = SearchConfig;

/// The tolerance-theorem check (spec §8 item 9).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ToleranceConfig {
    /// Targets (trained, so that ‖W_i‖_op ≤ 1 holds), seeds, width range and settings (whose
    /// tolerance is replaced by each ε).
    pub search: SearchConfig,
    /// Network tolerances ε.
    pub epsilons: Vec<f64>,
}

impl ToleranceConfig {
    /// Refuse ε ≤ 0 or an empty ε list, and a bad search.
    pub fn validate(&self) -> Result<()> {
        non_empty("epsilon values", &self.epsilons)?;
        for &e in &self.epsilons {
            positive("epsilon", e)?;
        }
        self.search.validate()
    }

    /// Peak memory (that of the search).
    pub fn memory_bytes(&self) -> u64 {
        self.search.memory_bytes()
    }
}

/// One (target, ε, seed) of the tolerance check.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ToleranceRow {
    /// Target.
    pub target: TargetKind,
    /// ε.
    pub epsilon: f64,
    /// Seed.
    pub seed: u64,
    /// The width found (None: no n in range met every η_i).
    pub copies: Option<usize>,
    /// η_i per block.
    pub eta: Vec<f64>,
    /// Largest ‖W_i‖_op of the target (must be ≤ 1).
    pub max_layer_norm: f64,
    /// Measured sup error over the test inputs (NaN when no width was found).
    pub sup_error: f64,
    /// sup_error / ε.
    pub sup_error_over_epsilon: f64,
    /// Whether sup_error ≤ ε (None when no width was found).
    pub holds: Option<bool>,
}

/// The tolerance-check result.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ToleranceResult {
    /// The settings.
    pub config: ToleranceConfig,
    /// One row per (target, ε, seed).
    pub rows: Vec<ToleranceRow>,
    /// Whether every row with a width found holds.
    pub all_hold: bool,
}

/// Progress units of [`run_tolerance_with`]: one per (target, seed, ε).
pub fn tolerance_work(config: &ToleranceConfig) -> u64 {
    (config.search.targets.len() * config.search.seeds.len() * config.epsilons.len()) as u64
}

/// Run the tolerance-theorem check.
pub fn run_tolerance(config: &ToleranceConfig) -> Result<ToleranceResult> {
    run_tolerance_with(config, &|_| {})
}

/// [`run_tolerance`], telling `progress` one unit per (target, seed, ε) done.
pub fn run_tolerance_with(
    config: &ToleranceConfig,
    progress: &crate::Progress<'_>,
) -> Result<ToleranceResult> {
    config.validate()?;
    let mut rows = Vec::new();
    for t in &config.search.targets {
        for &seed in &config.search.seeds {
            let target = prepare_target(t.target, seed, &t.task)?;
            for &epsilon in &config.epsilons {
                let tolerance = Tolerance::Epsilon(epsilon);
                let settings = PruneSettings {
                    tolerance,
                    ..config.search.settings.clone()
                };
                let (copies, record) = search_and_prune(&target, &settings, config.search.copies)?;
                let sup = record.as_ref().map_or(f64::NAN, |r| r.sup_error);
                rows.push(ToleranceRow {
                    target: t.target,
                    epsilon,
                    seed,
                    copies,
                    eta: tolerance.etas(&target.network.arch),
                    max_layer_norm: target.layer_norms.iter().copied().fold(0.0, f64::max),
                    sup_error: sup,
                    sup_error_over_epsilon: sup / epsilon,
                    holds: record.map(|r| r.sup_error <= epsilon),
                });
                progress(1);
            }
        }
    }
    let all_hold = rows.iter().all(|r| r.holds != Some(false));
    Ok(ToleranceResult {
        config: config.clone(),
        rows,
        all_hold,
    })
}

/// The smallest width in `range` meeting the settings' tolerance, and the run record there.
pub fn search_and_prune(
    target: &Target,
    settings: &PruneSettings,
    range: CopiesRange,
) -> Result<(Option<usize>, Option<crate::run::RunRecord>)> {
    let net = &target.network;
    let etas = settings.tolerance.etas(&net.arch);
    let found = min_copies(
        net,
        target.seed,
        &etas,
        range.start,
        range.max,
        settings.scale,
        settings.inner_positive_only,
    )?;
    let record = match found {
        Some(n) => Some(prune_target(target, n, settings)?),
        None => None,
    };
    Ok((found, record))
}

/// One (target, seed) of the parity check.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ParityRow {
    /// Target.
    pub target: TargetKind,
    /// Seed.
    pub seed: u64,
    /// The width found.
    pub copies: Option<usize>,
    /// Largest |e| there.
    pub max_coefficient_error: f64,
    /// Fraction of test inputs with equal predictions.
    pub prediction_agreement: f64,
    /// Target accuracy.
    pub target_accuracy: f64,
    /// Pruned accuracy.
    pub pruned_accuracy: f64,
    /// |pruned − target| accuracy in percentage points.
    pub accuracy_gap_pp: f64,
}

/// The parity result.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ParityResult {
    /// The settings.
    pub config: ParityConfig,
    /// One row per (target, seed).
    pub rows: Vec<ParityRow>,
}

/// Progress units of [`run_parity_with`]: one per (target, seed).
pub fn parity_work(config: &ParityConfig) -> u64 {
    (config.targets.len() * config.seeds.len()) as u64
}

/// Run the parity check.
pub fn run_parity(config: &ParityConfig) -> Result<ParityResult> {
    run_parity_with(config, &|_| {})
}

/// [`run_parity`], telling `progress` one unit per (target, seed) done.
pub fn run_parity_with(
    config: &ParityConfig,
    progress: &crate::Progress<'_>,
) -> Result<ParityResult> {
    config.validate()?;
    let mut rows = Vec::new();
    for t in &config.targets {
        for &seed in &config.seeds {
            let target = prepare_target(t.target, seed, &t.task)?;
            let (copies, record) = search_and_prune(&target, &config.settings, config.copies)?;
            let nan = f64::NAN;
            rows.push(ParityRow {
                target: t.target,
                seed,
                copies,
                max_coefficient_error: record.as_ref().map_or(nan, |r| r.coefficient_error.max),
                prediction_agreement: record.as_ref().map_or(nan, |r| r.prediction_agreement),
                target_accuracy: target.accuracy,
                pruned_accuracy: record.as_ref().map_or(nan, |r| r.pruned_accuracy),
                accuracy_gap_pp: record.as_ref().map_or(nan, |r| {
                    100.0 * (r.pruned_accuracy - r.target_accuracy).abs()
                }),
            });
            progress(1);
        }
    }
    Ok(ParityResult {
        config: config.clone(),
        rows,
    })
}
