//! Performance measurements (issue §6), reported by `theorylab bench lottery`: one exact
//! subset-sum instance at p = 20, 24, 32, 40; pruning T3 at 48 copies; and Pensia et al.'s MNIST
//! count — 397,000 target coefficients (an MLP 784 → 500 → 10), each two one-sign instances of
//! p ≈ 21 product summands — which their Gurobi run solved in about 21.5 h on 36 cores.

use crate::error::Result;
use crate::network::Network;
use crate::overparam::Variant;
use crate::prune::{prune_block, prune_network, random_block};
use crate::stats::{instance, Summands};
use crate::subset_sum::{Mode, Solver};
use crate::targets::{mlp_architecture, TargetKind};
use crate::train::uniform_coefficients;
use std::sync::Arc;
use std::time::Instant;

/// Timing of one subset-sum size.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MitmTiming {
    /// Summands.
    pub p: usize,
    /// Instances solved (product summands, z ~ U[−1, 1], seed 0).
    pub instances: usize,
    /// Mean wall seconds per instance (one thread).
    pub seconds: f64,
    /// Median |error| over the instances (a check that the work was done).
    pub median_abs_error: f64,
}

/// Solve `instances` product-summand instances with p summands on this thread.
pub fn mitm(p: usize, instances: usize) -> MitmTiming {
    let mut solver = Solver::new();
    let problems: Vec<(Vec<f64>, f64)> = (0..instances)
        .map(|t| instance(Summands::Product, 0, p, t))
        .collect();
    let start = Instant::now();
    let errors: Vec<f64> = problems
        .iter()
        .map(|(v, z)| solver.solve(v, *z, Mode::Closest).error.abs())
        .collect();
    MitmTiming {
        p,
        instances,
        seconds: start.elapsed().as_secs_f64() / instances.max(1) as f64,
        median_abs_error: lab::stats::quantile(&errors, 0.5),
    }
}

/// Timing of one network pruning.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PruneTiming {
    /// Target.
    pub target: TargetKind,
    /// Copies per field.
    pub copies: usize,
    /// Instances solved.
    pub problems: usize,
    /// Wall seconds of the pruning (all threads).
    pub seconds: f64,
    /// Largest |e|.
    pub max_abs_error: f64,
}

/// Prune `target` (default width, uniform coefficients α ~ U[−¼, ¼], seed 0) at `copies`.
pub fn prune_timing(target: TargetKind, copies: usize) -> Result<PruneTiming> {
    crate::run::validate_copies(copies)?;
    let arch = Arc::new(target.architecture(target.default_hidden())?);
    let coeffs = uniform_coefficients(&arch, 0, "lottery.target.uniform", |_| 0.25);
    let net = Network { arch, coeffs };
    let start = Instant::now();
    let pruned = prune_network(&net, 0, copies, 1.0, Variant::Dense, false)?;
    let seconds = start.elapsed().as_secs_f64();
    let errors: Vec<f64> = pruned
        .blocks
        .iter()
        .flat_map(|b| b.problems().map(|p| p.error.abs()))
        .collect();
    Ok(PruneTiming {
        target,
        copies,
        problems: errors.len(),
        seconds,
        max_abs_error: errors.iter().copied().fold(0.0, f64::max),
    })
}

/// Pensia et al.'s count: an MLP of the given widths, every coefficient two one-sign instances.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PensiaConfig {
    /// Layer widths (784, 500, 10 for their MNIST network: 397,000 coefficients).
    pub widths: Vec<usize>,
    /// Copies per input unit (42: p ~ Binomial(42, ½), mean 21 summands per instance).
    pub copies: usize,
    /// Target coefficients α ~ U[−α_max, α_max].
    pub alpha_max: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for PensiaConfig {
    fn default() -> PensiaConfig {
        PensiaConfig {
            widths: vec![784, 500, 10],
            copies: 42,
            alpha_max: 0.25,
            seed: 0,
        }
    }
}

impl PensiaConfig {
    /// Refuse fewer than two widths, widths outside 1..=100,000, copies outside 2..=128, α_max ≤ 0.
    pub fn validate(&self) -> Result<()> {
        crate::error::in_range("number of widths", self.widths.len(), 2, 64)?;
        for &w in &self.widths {
            crate::error::in_range("width", w, 1, 100_000)?;
        }
        crate::run::validate_copies(self.copies)?;
        lab::error::positive("alpha_max", self.alpha_max)?;
        Ok(())
    }

    /// Peak memory: per instance one solution (48 bytes) plus the coefficients of the largest
    /// layer.
    pub fn memory_bytes(&self) -> u64 {
        let coeffs: usize = self
            .widths
            .windows(2)
            .map(|w| w[0] * w[1])
            .max()
            .unwrap_or(0);
        (coeffs * (2 * 48 + 16)) as u64
    }
}

/// The result of the Pensia count.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PensiaResult {
    /// The settings.
    pub config: PensiaConfig,
    /// Target coefficients.
    pub coefficients: usize,
    /// Instances solved (2 per coefficient).
    pub problems: usize,
    /// Mean summands per instance.
    pub mean_p: f64,
    /// Median |e|.
    pub median_abs_error: f64,
    /// Largest |e|.
    pub max_abs_error: f64,
    /// Wall seconds (all threads).
    pub seconds: f64,
    /// Threads used.
    pub threads: usize,
    /// Their reported cost in core-seconds: 21.5 h × 36 cores.
    pub reference_core_seconds: f64,
    /// reference_core_seconds / (seconds × threads).
    pub core_time_ratio: f64,
}

/// Run the Pensia count: every coefficient of the MLP pruned (diagonal variant, both signs).
pub fn pensia(config: &PensiaConfig) -> Result<PensiaResult> {
    config.validate()?;
    let arch = mlp_architecture(&config.widths);
    let coeffs = uniform_coefficients(&arch, config.seed, "lottery.target.uniform", |_| {
        config.alpha_max
    });
    let start = Instant::now();
    let (mut problems, mut p_sum, mut errors) = (0usize, 0usize, Vec::new());
    for (i, alpha) in coeffs.iter().enumerate() {
        let random = random_block(&arch, i, config.seed, config.copies, 1.0, Variant::Diagonal);
        let block = prune_block(&random, alpha, false)?;
        for p in block.problems() {
            problems += 1;
            p_sum += usize::from(p.p);
            errors.push(p.error.abs());
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let threads = rayon::current_num_threads();
    let reference = 21.5 * 3600.0 * 36.0;
    Ok(PensiaResult {
        config: config.clone(),
        coefficients: arch.coefficients(),
        problems,
        mean_p: p_sum as f64 / problems.max(1) as f64,
        median_abs_error: lab::stats::quantile(&errors, 0.5),
        max_abs_error: errors.iter().copied().fold(0.0, f64::max),
        seconds,
        threads,
        reference_core_seconds: reference,
        core_time_ratio: reference / (seconds * threads as f64),
    })
}

/// The targets: one p = 32 instance, pruning T3 at 48 copies, the Pensia count (on 2
/// cores), in seconds.
pub const TARGET_SECONDS: [(&str, f64); 3] = [
    ("mitm-p32", 0.05),
    ("prune-c4cnn-48", 5.0),
    ("pensia", 300.0),
];

/// The whole benchmark of `theorylab bench lottery`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BenchConfig {
    /// (p, instances) of the subset-sum timings.
    pub mitm: Vec<(usize, usize)>,
    /// Copies of the T3 pruning timing.
    pub c4cnn_copies: usize,
    /// The Pensia count.
    pub pensia: PensiaConfig,
}

impl Default for BenchConfig {
    /// p = 20, 24, 32, 40 with 200, 100, 20, 3 instances; T3 at 48 copies; the full count.
    fn default() -> BenchConfig {
        BenchConfig {
            mitm: vec![(20, 200), (24, 100), (32, 20), (40, 3)],
            c4cnn_copies: 48,
            pensia: PensiaConfig::default(),
        }
    }
}

impl BenchConfig {
    /// Refuse p outside 1..=40, zero instances, bad copies or a bad Pensia config.
    pub fn validate(&self) -> Result<()> {
        for &(p, n) in &self.mitm {
            crate::error::in_range("summand count p", p, 1, crate::subset_sum::MAX_SUMMANDS)?;
            crate::error::in_range("instances", n, 1, 1_000_000)?;
        }
        crate::run::validate_copies(self.c4cnn_copies)?;
        self.pensia.validate()
    }
}

/// All benchmark timings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BenchResult {
    /// Subset-sum timings per p.
    pub mitm: Vec<MitmTiming>,
    /// T3 pruning.
    pub c4cnn: PruneTiming,
    /// The Pensia count.
    pub pensia: PensiaResult,
}

/// Run the whole benchmark.
pub fn run_bench(config: &BenchConfig) -> Result<BenchResult> {
    config.validate()?;
    Ok(BenchResult {
        mitm: config.mitm.iter().map(|&(p, n)| mitm(p, n)).collect(),
        c4cnn: prune_timing(TargetKind::C4cnn, config.c4cnn_copies)?,
        pensia: pensia(&config.pensia)?,
    })
}
