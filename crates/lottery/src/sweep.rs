//! E2–E4 (with E7–E9 per run): the `sweep` command. For every target and seed the target is
//! built once and pruned at every width n; each run gives a full [`RunRecord`]. Per target, the
//! seed-averaged log10 sup error is fitted against n (a straight line: geometric decay).

use crate::error::{non_empty, Result};
use crate::run::{prune_target, validate_copies, PruneSettings, RunRecord};
use crate::targets::TargetKind;
use crate::train::{prepare_target, TaskConfig};

/// A target with its task settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TargetTask {
    /// The target.
    pub target: TargetKind,
    /// Its task and training settings.
    pub task: TaskConfig,
}

impl TargetTask {
    /// `target` with the spec's default task.
    pub fn default_for(target: TargetKind) -> TargetTask {
        TargetTask {
            target,
            task: TaskConfig::default_for(target),
        }
    }
}

/// The `sweep` command.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SweepConfig {
    /// Targets and their tasks.
    pub targets: Vec<TargetTask>,
    /// Widths n.
    pub copies: Vec<usize>,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Pruning settings.
    pub settings: PruneSettings,
}

impl SweepConfig {
    /// Refuse empty lists, copies outside 2..=128 and bad task or pruning settings.
    pub fn validate(&self) -> Result<()> {
        non_empty("targets", &self.targets)?;
        non_empty("copies", &self.copies)?;
        non_empty("seeds", &self.seeds)?;
        for &n in &self.copies {
            validate_copies(n)?;
        }
        for t in &self.targets {
            t.task.validate()?;
        }
        self.settings.validate()
    }

    /// Peak memory: the largest single run (runs are sequential).
    pub fn memory_bytes(&self) -> u64 {
        let largest = self.copies.iter().copied().max().unwrap_or(2);
        crate::run::largest_run_bytes(&self.targets, largest, &self.settings)
    }
}

/// Seed aggregates of one target over the widths.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SweepSummary {
    /// Target.
    pub target: TargetKind,
    /// Widths, ascending.
    pub copies: Vec<usize>,
    /// Seed mean of log10 sup error per width.
    pub mean_log10_sup_error: Vec<f64>,
    /// Seed mean of the median coefficient error per width.
    pub mean_median_coefficient_error: Vec<f64>,
    /// Largest max coefficient error over seeds per width.
    pub max_coefficient_error: Vec<f64>,
    /// Seed mean of the pruned accuracy per width.
    pub mean_pruned_accuracy: Vec<f64>,
    /// Seed mean of the target accuracy.
    pub mean_target_accuracy: f64,
    /// Slope of the seed-mean log10 sup error against n (None with one width).
    pub slope_per_copy: Option<f64>,
    /// 10^(mean log10 sup error at the smallest n − at the largest n).
    pub decay_factor: f64,
    /// Largest sup error over seeds at the largest n.
    pub last_sup_error_max: f64,
    /// Largest relative sup error over seeds at the largest n.
    pub last_sup_error_relative_max: f64,
    /// Largest equivariance violation / scale over all runs.
    pub max_equivariance_ratio: f64,
    /// Smallest control violation / scale over all runs.
    pub min_control_ratio: f64,
}

/// The sweep result: every run record and the per-target summaries.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SweepResult {
    /// The settings.
    pub config: SweepConfig,
    /// One record per (target, copies, seed), in that loop order (target, seed, copies).
    pub records: Vec<RunRecord>,
    /// One summary per target.
    pub summaries: Vec<SweepSummary>,
}

/// Progress units of [`run_sweep_with`]: one per pruning run.
pub fn sweep_work(config: &SweepConfig) -> u64 {
    let mut copies = config.copies.clone();
    copies.sort_unstable();
    copies.dedup();
    (config.targets.len() * config.seeds.len() * copies.len()) as u64
}

/// The `sweep` command.
pub fn run_sweep(config: &SweepConfig) -> Result<SweepResult> {
    run_sweep_with(config, &|_| {})
}

/// [`run_sweep`], telling `progress` one unit per pruning run done.
pub fn run_sweep_with(config: &SweepConfig, progress: &crate::Progress<'_>) -> Result<SweepResult> {
    config.validate()?;
    let mut copies = config.copies.clone();
    copies.sort_unstable();
    copies.dedup();
    let mut records = Vec::new();
    for t in &config.targets {
        for &seed in &config.seeds {
            let target = prepare_target(t.target, seed, &t.task)?;
            for &n in &copies {
                records.push(prune_target(&target, n, &config.settings)?);
                progress(1);
            }
        }
    }
    let summaries = config
        .targets
        .iter()
        .map(|t| summarise(t.target, &copies, &records))
        .collect();
    Ok(SweepResult {
        config: config.clone(),
        records,
        summaries,
    })
}

/// The summary of `target` over `records`.
pub fn summarise(target: TargetKind, copies: &[usize], records: &[RunRecord]) -> SweepSummary {
    let at = |n: usize| -> Vec<&RunRecord> {
        records
            .iter()
            .filter(|r| r.target == target && r.copies == n)
            .collect()
    };
    let mean = |v: Vec<f64>| lab::stats::mean(&v);
    let max = |v: Vec<f64>| v.into_iter().fold(f64::NEG_INFINITY, f64::max);
    let log_sup = |r: &&RunRecord| r.sup_error.max(f64::MIN_POSITIVE).log10();
    let mean_log: Vec<f64> = copies
        .iter()
        .map(|&n| mean(at(n).iter().map(log_sup).collect()))
        .collect();
    let x: Vec<f64> = copies.iter().map(|&n| n as f64).collect();
    let last = at(copies[copies.len() - 1]);
    let all: Vec<&RunRecord> = records.iter().filter(|r| r.target == target).collect();
    SweepSummary {
        target,
        copies: copies.to_vec(),
        mean_log10_sup_error: mean_log.clone(),
        mean_median_coefficient_error: copies
            .iter()
            .map(|&n| mean(at(n).iter().map(|r| r.coefficient_error.median).collect()))
            .collect(),
        max_coefficient_error: copies
            .iter()
            .map(|&n| max(at(n).iter().map(|r| r.coefficient_error.max).collect()))
            .collect(),
        mean_pruned_accuracy: copies
            .iter()
            .map(|&n| mean(at(n).iter().map(|r| r.pruned_accuracy).collect()))
            .collect(),
        mean_target_accuracy: mean(at(copies[0]).iter().map(|r| r.target_accuracy).collect()),
        slope_per_copy: lab::fit::fit_linear(&x, &mean_log).map(|f| f.slope),
        decay_factor: 10f64.powf(mean_log[0] - mean_log[mean_log.len() - 1]),
        last_sup_error_max: max(last.iter().map(|r| r.sup_error).collect()),
        last_sup_error_relative_max: max(last.iter().map(|r| r.sup_error_relative).collect()),
        max_equivariance_ratio: max(all
            .iter()
            .map(|r| r.equivariance_violation / r.equivariance_scale)
            .collect()),
        min_control_ratio: all
            .iter()
            .map(|r| r.control_equivariance_violation / r.control_equivariance_scale)
            .fold(f64::INFINITY, f64::min),
    }
}
