//! One pruning run (the `prune` command): prune a target at n copies per field and measure
//! everything the spec's run record lists (spec §3 "Run output"; E7, E8, E9 per run).

use crate::control::{equivariance_violation, ControlNetwork};
use crate::error::Result;
use crate::group::GroupKind;
use crate::network::{norm, predict, Architecture};
use crate::overparam::Variant;
use crate::prune::{prune_network, PrunedNetwork, MAX_COPIES};
use crate::targets::TargetKind;
use crate::train::{accuracy, forward_all, prepare_target, Coefficients, Target, TaskConfig};
use lab::error::{positive, require};
use rayon::prelude::*;
use std::time::Instant;

/// The per-coefficient tolerance: η directly, or η_i derived from a network tolerance ε.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tolerance {
    /// The same η for every instance.
    Eta(f64),
    /// η_i = ε / (2√2 · L · β_i · K_i · √(C_i C_{i+1})) per block (spec 4.4), which makes the
    /// pruned network ε-close to the target on the unit ball when ‖W_i‖_op ≤ 1.
    Epsilon(f64),
}

impl Tolerance {
    /// η or ε, refused unless finite and > 0.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Tolerance::Eta(v) => positive("eta", v)?,
            Tolerance::Epsilon(v) => positive("epsilon", v)?,
        }
        Ok(())
    }

    /// η_i of every block of `arch`.
    pub fn etas(&self, arch: &Architecture) -> Vec<f64> {
        arch.layers
            .iter()
            .map(|l| match *self {
                Tolerance::Eta(eta) => eta,
                Tolerance::Epsilon(eps) => {
                    let depth = arch.depth() as f64;
                    let fields = ((l.c_in * l.c_out) as f64).sqrt();
                    eps / (2.0
                        * 2f64.sqrt()
                        * depth
                        * l.basis.beta()
                        * l.basis.len() as f64
                        * fields)
                }
            })
            .collect()
    }
}

/// Settings of a pruning run other than the target, its task, the copies and the seed.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PruneSettings {
    /// Per-coefficient tolerance (for the fraction of failed instances).
    pub tolerance: Tolerance,
    /// Dense or diagonal random first layers.
    pub variant: Variant,
    /// Skip the S⁻ instances of blocks after the first (their inputs are ≥ 0).
    pub inner_positive_only: bool,
    /// s: random coefficients U[−s, s].
    pub scale: f64,
    /// Test inputs on which equivariance is checked (the first ones of the test set).
    pub equivariance_inputs: usize,
}

impl Default for PruneSettings {
    /// Spec defaults: η = 10⁻³, dense Λ, both signs everywhere, s = 1, 32 equivariance inputs.
    fn default() -> PruneSettings {
        PruneSettings {
            tolerance: Tolerance::Eta(1e-3),
            variant: Variant::Dense,
            inner_positive_only: false,
            scale: 1.0,
            equivariance_inputs: 32,
        }
    }
}

impl PruneSettings {
    /// Refuse a non-positive η, ε or s, and zero equivariance inputs.
    pub fn validate(&self) -> Result<()> {
        self.tolerance.validate()?;
        positive("scale s", self.scale)?;
        crate::error::in_range("equivariance inputs", self.equivariance_inputs, 1, 100_000)?;
        Ok(())
    }
}

/// The `prune` command: one target, one width, one seed.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PruneConfig {
    /// The target.
    pub target: TargetKind,
    /// n, copies per input field.
    pub copies: usize,
    /// The seed of data, target and random network.
    pub seed: u64,
    /// Task and training settings.
    pub task: TaskConfig,
    /// Pruning settings.
    pub settings: PruneSettings,
}

/// Memory a run may use before it is refused.
pub const MEMORY_LIMIT: u64 = 8 << 30;

impl PruneConfig {
    /// The spec's defaults for `target` at `copies` copies and seed `seed`.
    pub fn new(target: TargetKind, copies: usize, seed: u64) -> PruneConfig {
        PruneConfig {
            target,
            copies,
            seed,
            task: TaskConfig::default_for(target),
            settings: PruneSettings::default(),
        }
    }

    /// Refuse copies outside 2..=128, bad task or pruning settings, and runs estimated above
    /// [`MEMORY_LIMIT`].
    pub fn validate(&self) -> Result<()> {
        validate_copies(self.copies)?;
        self.task.validate()?;
        self.settings.validate()?;
        let bytes = self.memory_bytes();
        if bytes > MEMORY_LIMIT {
            return Err(crate::error::Error::TooLarge {
                bytes,
                limit: MEMORY_LIMIT,
            });
        }
        Ok(())
    }

    /// Estimated peak memory: data sets, the control network's filters (the largest part: one
    /// filter per copy and field pair), the copy-use lists and solutions.
    pub fn memory_bytes(&self) -> u64 {
        let Ok(arch) = self.target.architecture(self.task.hidden) else {
            return 0;
        };
        let data = (self.task.train_size + self.task.test_size) * arch.input_len() * 8;
        let n = self.copies;
        let blocks: usize = arch
            .layers
            .iter()
            .map(|l| {
                let lam = l.c_in * l.c_in * n * l.square.kernel.len();
                let mu = l.c_out * l.c_in * n * l.basis.kernel.len();
                let problems = 2 * l.coefficients() * 48;
                (lam + mu) * 8 + problems
            })
            .sum();
        (data + blocks) as u64
    }
}

/// The largest [`PruneConfig::memory_bytes`] over `targets` at `copies`.
pub fn largest_run_bytes(
    targets: &[crate::sweep::TargetTask],
    copies: usize,
    settings: &PruneSettings,
) -> u64 {
    targets
        .iter()
        .map(|t| {
            PruneConfig {
                target: t.target,
                copies,
                seed: 0,
                task: t.task.clone(),
                settings: settings.clone(),
            }
            .memory_bytes()
        })
        .max()
        .unwrap_or(0)
}

/// Copies per field must be in 2..=128.
pub fn validate_copies(copies: usize) -> Result<()> {
    crate::error::in_range("copies", copies, 2, MAX_COPIES)
}

/// The width range of a search: n = start, start + 2, …, ≤ max.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CopiesRange {
    /// First n tried.
    pub start: usize,
    /// Last n tried.
    pub max: usize,
}

impl CopiesRange {
    /// Both ends in 2..=128 and start ≤ max.
    pub fn validate(&self) -> Result<()> {
        validate_copies(self.start)?;
        validate_copies(self.max)?;
        require(
            self.start <= self.max,
            "largest copies",
            self.max as f64,
            format!("≥ the first copies {}", self.start),
        )?;
        Ok(())
    }
}

/// Median, 99th percentile and maximum of |e| over all instances.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ErrorSummary {
    /// Median |e|.
    pub median: f64,
    /// 99th percentile of |e|.
    pub p99: f64,
    /// Largest |e|.
    pub max: f64,
}

impl ErrorSummary {
    /// The summary of `abs_errors`.
    pub fn of(abs_errors: &[f64]) -> ErrorSummary {
        ErrorSummary {
            median: lab::stats::quantile(abs_errors, 0.5),
            p99: lab::stats::quantile(abs_errors, 0.99),
            max: abs_errors.iter().copied().fold(0.0, f64::max),
        }
    }
}

/// Parameter accounting (spec 4.7, E7).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ParamCounts {
    /// Random coefficients, counted while building the full random network.
    pub random: usize,
    /// Random coefficients by the 4.7 formula.
    pub random_formula: usize,
    /// Target coefficients (Σ C_iC_{i+1}K_i).
    pub target: usize,
    /// Kept coefficients: kept μ plus kept λ.
    pub kept: usize,
    /// Kept μ (Σ|S⁺| + |S⁻|).
    pub kept_mu: usize,
    /// Kept λ (copies used by a kept μ).
    pub kept_lambda: usize,
    /// random / target.
    pub random_ratio: f64,
    /// kept / target.
    pub kept_ratio: f64,
}

/// Wall-clock seconds (the only fields that differ between identical runs).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Timings {
    /// Data generation and target training.
    pub train_seconds: f64,
    /// Solving all subset-sum instances.
    pub prune_seconds: f64,
    /// Evaluation: outputs, errors, equivariance, control.
    pub eval_seconds: f64,
}

/// The run record (spec §3 "Run output"), one JSON object per configuration.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    /// Target id.
    pub target: TargetKind,
    /// Its group.
    pub group: GroupKind,
    /// Points (S_m) or grid side (C4) the group acts on.
    pub group_size: usize,
    /// Field counts C_1, …, C_{L+1}.
    pub fields: Vec<usize>,
    /// K_i = |B_{i→i+1}| per block.
    pub basis_sizes: Vec<usize>,
    /// K'_i = |B_{i→i}| per block.
    pub square_basis_sizes: Vec<usize>,
    /// β_i per block (upper bounds, exact for S_m and trivial).
    pub beta: Vec<f64>,
    /// n, copies per input field.
    pub copies: usize,
    /// s.
    pub scale: f64,
    /// Seed of data, target and random network.
    pub seed: u64,
    /// Dense or diagonal Λ.
    pub variant: Variant,
    /// Whether blocks after the first skipped S⁻.
    pub inner_positive_only: bool,
    /// Trained or uniform target coefficients.
    pub coefficients: Coefficients,
    /// The tolerance setting.
    pub tolerance: Tolerance,
    /// η_i per block.
    pub eta: Vec<f64>,
    /// Number of subset-sum instances.
    pub problems: usize,
    /// Sign-split resamples (all fields of all blocks).
    pub resamples: usize,
    /// Instances cut to 40 summands.
    pub capped_problems: usize,
    /// |e| over all instances.
    pub coefficient_error: ErrorSummary,
    /// Fraction of instances with |e| > η_i.
    pub fraction_above_eta: f64,
    /// Mean |S|/p over instances with p > 0.
    pub mean_subset_fraction: f64,
    /// Parameter accounting.
    pub params: ParamCounts,
    /// ‖W_i‖_op of the target after rescaling (empty for uniform coefficients).
    pub layer_norms: Vec<f64>,
    /// Test inputs.
    pub test_inputs: usize,
    /// Target test accuracy.
    pub target_accuracy: f64,
    /// Pruned network test accuracy.
    pub pruned_accuracy: f64,
    /// Fraction of test inputs where pruned and target predictions agree.
    pub prediction_agreement: f64,
    /// max over test inputs of ‖f̃(x) − f(x)‖ (Euclidean over the outputs).
    pub sup_error: f64,
    /// Mean over test inputs of ‖f̃(x) − f(x)‖.
    pub mean_error: f64,
    /// `sup_error` divided by the largest ‖f(x)‖ over the test inputs.
    pub sup_error_relative: f64,
    /// The largest ‖f(x)‖ over the test inputs.
    pub output_scale: f64,
    /// Pruned network: max over equivariance inputs and generators of ‖f̃(g·x) − g·f̃(x)‖∞.
    pub equivariance_violation: f64,
    /// max ‖f̃(x)‖∞ over the equivariance inputs.
    pub equivariance_scale: f64,
    /// The same violation for the unstructured control (E8).
    pub control_equivariance_violation: f64,
    /// max ‖f_control(x)‖∞ over the equivariance inputs.
    pub control_equivariance_scale: f64,
    /// Kept fraction used by the control's mask.
    pub control_keep_fraction: f64,
    /// max over test inputs of ‖expanded − collapsed‖∞ (A6).
    pub collapsed_max_difference: f64,
    /// Wall-clock timings.
    pub timings: Timings,
}

/// The `prune` command: build the target (train it, or draw it), prune and measure.
pub fn run_prune(config: &PruneConfig) -> Result<RunRecord> {
    config.validate()?;
    let target = prepare_target(config.target, config.seed, &config.task)?;
    prune_target(&target, config.copies, &config.settings)
}

/// Prune a prepared target at `copies` copies per field (the random network uses the target's
/// seed) and measure the run record.
pub fn prune_target(target: &Target, copies: usize, settings: &PruneSettings) -> Result<RunRecord> {
    validate_copies(copies)?;
    settings.validate()?;
    let net = &target.network;
    let arch = &net.arch;
    let start = Instant::now();
    let pruned = prune_network(
        net,
        target.seed,
        copies,
        settings.scale,
        settings.variant,
        settings.inner_positive_only,
    )?;
    let prune_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let etas = settings.tolerance.etas(arch);

    let mut abs_errors = Vec::new();
    let (mut above, mut capped, mut frac_sum, mut frac_n) = (0usize, 0usize, 0.0, 0usize);
    for (block, eta) in pruned.blocks.iter().zip(&etas) {
        for p in block.problems() {
            abs_errors.push(p.error.abs());
            above += usize::from(p.error.abs() > *eta);
            capped += usize::from(p.capped);
            if p.p > 0 {
                frac_sum += p.mask.count_ones() as f64 / f64::from(p.p);
                frac_n += 1;
            }
        }
    }
    let problems = abs_errors.len();

    let test = &target.test;
    let target_out = forward_all(net, &test.inputs);
    let pruned_out: Vec<Vec<f64>> = test.inputs.par_iter().map(|x| pruned.forward(x)).collect();
    let collapsed_out: Vec<Vec<f64>> = test
        .inputs
        .par_iter()
        .map(|x| pruned.forward_collapsed(x))
        .collect();
    let errors: Vec<f64> = pruned_out
        .iter()
        .zip(&target_out)
        .map(|(a, b)| norm(&sub(a, b)))
        .collect();
    let sup_error = errors.iter().copied().fold(0.0, f64::max);
    let output_scale = target_out.iter().map(|z| norm(z)).fold(0.0, f64::max);
    let collapsed_max_difference = pruned_out
        .iter()
        .zip(&collapsed_out)
        .flat_map(|(a, b)| a.iter().zip(b).map(|(u, v)| (u - v).abs()))
        .fold(0.0, f64::max);
    let agree = pruned_out
        .iter()
        .zip(&target_out)
        .filter(|(a, b)| predict(a) == predict(b))
        .count();

    let eq_inputs = &test.inputs[..settings.equivariance_inputs.min(test.len())];
    let (violation, violation_scale) =
        equivariance_violation(arch, eq_inputs, &|x| pruned.forward(x));
    let (kept_mu, kept_lambda) = pruned.kept();
    let params_formula = random_formula(&pruned);
    let keep_fraction = (kept_mu + kept_lambda) as f64 / params_formula as f64;
    let control = ControlNetwork::new(&pruned, keep_fraction);
    let (control_violation, control_scale) =
        equivariance_violation(arch, eq_inputs, &|x| control.forward(x));
    let target_params = arch.coefficients();
    let kept = kept_mu + kept_lambda;
    let eval_seconds = start.elapsed().as_secs_f64();

    Ok(RunRecord {
        target: target.kind,
        group: arch.group.kind,
        group_size: arch.group.m,
        fields: arch.fields(),
        basis_sizes: arch.layers.iter().map(|l| l.basis.len()).collect(),
        square_basis_sizes: arch.layers.iter().map(|l| l.square.len()).collect(),
        beta: arch.layers.iter().map(|l| l.basis.beta()).collect(),
        copies,
        scale: settings.scale,
        seed: target.seed,
        variant: settings.variant,
        inner_positive_only: settings.inner_positive_only,
        coefficients: target.task.coefficients,
        tolerance: settings.tolerance,
        eta: etas,
        problems,
        resamples: pruned.blocks.iter().flat_map(|b| &b.resamples).sum(),
        capped_problems: capped,
        coefficient_error: ErrorSummary::of(&abs_errors),
        fraction_above_eta: above as f64 / problems.max(1) as f64,
        mean_subset_fraction: frac_sum / frac_n.max(1) as f64,
        params: ParamCounts {
            random: control.random_coefficients,
            random_formula: params_formula,
            target: target_params,
            kept,
            kept_mu,
            kept_lambda,
            random_ratio: control.random_coefficients as f64 / target_params as f64,
            kept_ratio: kept as f64 / target_params as f64,
        },
        layer_norms: target.layer_norms.clone(),
        test_inputs: test.len(),
        target_accuracy: target.accuracy,
        pruned_accuracy: accuracy(&pruned_out, test),
        prediction_agreement: agree as f64 / test.len().max(1) as f64,
        sup_error,
        mean_error: lab::stats::mean(&errors),
        sup_error_relative: sup_error / output_scale,
        output_scale,
        equivariance_violation: violation,
        equivariance_scale: violation_scale,
        control_equivariance_violation: control_violation,
        control_equivariance_scale: control_scale,
        control_keep_fraction: keep_fraction,
        collapsed_max_difference,
        timings: Timings {
            train_seconds: target.seconds,
            prune_seconds,
            eval_seconds,
        },
    })
}

/// Random coefficients of the pruned network's random blocks by the 4.7 formula.
pub fn random_formula(pruned: &PrunedNetwork) -> usize {
    pruned
        .blocks
        .iter()
        .map(|b| b.random.lambda_formula() + b.random.mu_formula())
        .sum()
}

fn sub(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}
