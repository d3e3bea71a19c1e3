//! E2 — trained mean-field teacher–student (`theorylab lmc teacher`; the main width
//! experiment): x = Uz, z ~ N(0, I_k), U ∈ R^{d×k} orthonormal; a random two-layer tanh
//! teacher of width 8 on z; mean-field tanh students of width N trained by SGD on the squared
//! loss. Barrier, midpoint gap and D₂ against N per matcher, Dim of the trained clouds.
//! Expectation [derived, spec §5]: the d − k directions orthogonal to U never move, so raw
//! matching sees a ≈ d(+2)-dimensional cloud and Σ-weighted/activation matching a ≈ k(+2)
//! one: slopes steeper for smaller k under (d)/(e) (P6).

use super::rows::{KGroup, PairResults, TeacherKey};
use super::{
    at_least_one, check_matchers, group_slopes, items3, positive_list, stream, train_pair,
    Bootstrap, Metric, PairSpec, TrainedPair,
};
use crate::data::TeacherStudent;
use crate::error::Result;
use crate::matching::{MatchOptions, Matcher};
use crate::mlp::{Activation, Parameterisation};
use crate::moments::moments_bytes;
use crate::train::{ScheduleKind, TrainConfig};
use rayon::prelude::*;

/// Settings of E2.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TeacherConfig {
    /// Intrinsic dimensions k (each ≤ `dim`).
    pub ks: Vec<usize>,
    /// Student widths N.
    pub widths: Vec<usize>,
    /// Seeds per (k, N): each seed draws its own U and teacher (shared across widths) and two
    /// students.
    pub seeds: usize,
    /// User seed.
    pub seed: u64,
    /// Matchers (default identity, weight, rebasin, sigma, activation).
    pub matchers: Vec<Matcher>,
    /// Ambient dimension d (16).
    pub dim: usize,
    /// Teacher width (8).
    pub teacher_width: usize,
    /// Training samples (2000).
    pub train_samples: usize,
    /// Test samples (2000).
    pub test_samples: usize,
    /// Student activation (tanh: bounded and Lipschitz, as Theorem 3.1 requires).
    pub activation: Activation,
    /// SGD: batch 100, 2000 steps, constant learning rate, no momentum (mean-field steps).
    pub train: TrainConfig,
    /// Settings of the iterative matchers.
    pub options: MatchOptions,
    /// Bootstrap over seeds.
    pub bootstrap: Bootstrap,
}

impl TeacherConfig {
    /// The spec's E2 settings for the given lists: d = 16, teacher width 8, 2000/2000 samples,
    /// batch 100, `steps` steps at learning rate 0.5 (per-neuron mean-field step).
    pub fn new(ks: Vec<usize>, widths: Vec<usize>, seeds: usize, steps: usize) -> TeacherConfig {
        TeacherConfig {
            ks,
            widths,
            seeds,
            seed: 0,
            matchers: vec![
                Matcher::Identity,
                Matcher::Weight,
                Matcher::Rebasin,
                Matcher::Sigma,
                Matcher::Activation,
            ],
            dim: 16,
            teacher_width: 8,
            train_samples: 2000,
            test_samples: 2000,
            activation: Activation::Tanh,
            train: TrainConfig {
                lr: 0.5,
                momentum: 0.0,
                batch: 100,
                steps,
                schedule: ScheduleKind::Constant,
                warmup: 0,
                initial_lr: 0.5,
            },
            options: MatchOptions::default(),
            bootstrap: Bootstrap::default(),
        }
    }

    /// Refuses empty lists, zero sizes, k > d and bad training settings.
    pub fn validate(&self) -> Result<()> {
        positive_list("k", &self.ks)?;
        positive_list("width", &self.widths)?;
        at_least_one("seeds", self.seeds)?;
        at_least_one("dim", self.dim)?;
        at_least_one("teacher width", self.teacher_width)?;
        lab::error::require(
            self.train_samples >= 2,
            "training samples",
            self.train_samples as f64,
            "at least 2",
        )?;
        at_least_one("test samples", self.test_samples)?;
        for &k in &self.ks {
            lab::error::require(
                k <= self.dim,
                "k",
                k as f64,
                format!("at most the dimension d = {}", self.dim),
            )?;
        }
        check_matchers(&self.matchers)?;
        self.train.validate()?;
        self.bootstrap.validate()
    }

    /// Progress units of [`run_with`]: one per (k, N, seed).
    pub fn work(&self) -> u64 {
        (self.ks.len() * self.widths.len() * self.seeds) as u64
    }

    /// Peak bytes per concurrent item × threads.
    pub fn memory_bytes(&self) -> u64 {
        let n = self.widths.iter().copied().max().unwrap_or(0);
        let samples = self.train_samples.max(self.test_samples) as u64;
        let per_item =
            super::assignment_bytes(n) + moments_bytes(&[self.dim, n]) + 8 * 4 * samples * n as u64;
        per_item * rayon::current_num_threads() as u64
    }
}

/// Everything E2 returns: rows per (k, N, seed, matcher) with test-set metrics (squared
/// loss), two endpoints and A's Dims per (k, N, seed), slopes of barrier, gap_rel, d2_full
/// and d2_sigma per (k, matcher).
pub type TeacherResult = PairResults<TeacherKey, KGroup>;

/// The metrics whose slopes E2 reports.
pub const TEACHER_SLOPE_METRICS: [Metric; 4] = [
    Metric::Barrier,
    Metric::GapRel,
    Metric::D2Full,
    Metric::D2Sigma,
];

/// Runs E2.
pub fn run(config: &TeacherConfig) -> Result<TeacherResult> {
    run_with(config, &|_| {})
}

/// Runs E2, telling `progress` of each pair trained and analysed (one unit each,
/// [`TeacherConfig::work`] in all; called from the worker threads).
pub fn run_with(config: &TeacherConfig, progress: &(dyn Fn(u64) + Sync)) -> Result<TeacherResult> {
    config.validate()?;
    let items = items3(&config.ks, &config.widths, config.seeds);
    let results: Vec<(TeacherKey, TrainedPair)> = items
        .par_iter()
        .map(|&(k, width, seed)| -> Result<(TeacherKey, TrainedPair)> {
            let problem_parts = [k as u64, seed as u64];
            let mut prng = stream(config.seed, "lmc.teacher.problem", &problem_parts);
            let problem = TeacherStudent::new(config.dim, k, config.teacher_width, &mut prng)?;
            let train = problem.sample(config.train_samples, &mut prng);
            let test = problem.sample(config.test_samples, &mut prng);
            let spec = PairSpec {
                widths: &[config.dim, width, 1],
                activation: config.activation,
                parameterisation: Parameterisation::MeanField,
                train: &train,
                test: &test,
                train_config: &config.train,
                matchers: &config.matchers,
                options: &config.options,
                seed: config.seed,
                component: "lmc.teacher",
            };
            let pair = train_pair(&spec, &[k as u64, width as u64, seed as u64])?;
            progress(1);
            Ok((TeacherKey { k, width, seed }, pair))
        })
        .collect::<Result<_>>()?;
    let mut out = TeacherResult::from_items(results);
    for &k in &config.ks {
        out.slopes.extend(group_slopes(
            &out.rows,
            KGroup { k },
            k as u64,
            |key| key.k == k,
            |key| (key.seed, key.width as f64),
            &config.matchers,
            &TEACHER_SLOPE_METRICS,
            config.seeds,
            &config.bootstrap,
            config.seed,
            "lmc.teacher.bootstrap",
        ));
    }
    Ok(out)
}
