//! Seeded simulation of the momentum step on a sampler, many seeds in parallel, logged on
//! the official grid (spec §3.5).

use crate::curve::Curve;
use crate::moments::diverged;
use crate::normals::SamplerRng;
use crate::optimizer::Optimizer;
use crate::sampler::Sampler;
use lab::seed::Seed;
use rayon::prelude::*;
use serde::Serialize;

/// Settings of a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SimSettings {
    /// Number of steps N.
    pub steps: u64,
    /// Batch size B.
    pub batch: usize,
    /// Number of seeds (independent runs) K.
    pub seeds: u64,
    /// The user seed; run i uses the stream ("plrf.batches", i), shared by all
    /// optimizers (common random numbers).
    pub seed: Seed,
}

/// All runs of one optimizer.
#[derive(Clone, Debug)]
pub struct SimResult {
    /// The optimizer's name.
    pub optimizer: String,
    /// One curve per seed, on the logging grid (cut at divergence).
    pub runs: Vec<Curve>,
}

/// Mean and standard error over seeds at one logged time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MeanPoint {
    /// Step.
    pub t: f64,
    /// Mean risk over the seeds.
    pub mean: f64,
    /// Standard error of the mean (NaN for one seed).
    pub stderr: f64,
    /// Number of seeds averaged.
    pub seeds: usize,
}

impl SimResult {
    /// The earliest divergence over all seeds, if any.
    pub fn diverged_at(&self) -> Option<f64> {
        self.runs
            .iter()
            .filter_map(|c| c.diverged_at)
            .min_by(f64::total_cmp)
    }

    /// Seed mean and standard error at each logged time, up to the first divergence
    /// (a diverged optimizer is never averaged past it).
    pub fn mean_curve(&self) -> Vec<MeanPoint> {
        let len = self.runs.iter().map(|c| c.t.len()).min().unwrap_or(0);
        (0..len)
            .map(|i| {
                let n = self.runs.len() as f64;
                let mean = self.runs.iter().map(|c| c.risk[i]).sum::<f64>() / n;
                let var = self
                    .runs
                    .iter()
                    .map(|c| (c.risk[i] - mean).powi(2))
                    .sum::<f64>()
                    / (n - 1.0);
                MeanPoint {
                    t: self.runs[0].t[i],
                    mean,
                    stderr: (var / n).sqrt(),
                    seeds: self.runs.len(),
                }
            })
            .collect()
    }
}

/// Runs every optimizer for `settings.seeds` seeds (in parallel over optimizers × seeds;
/// results are identical at any thread count) and logs P at `log_steps`.
pub fn simulate(
    sampler: &dyn Sampler,
    optimizers: &[Optimizer],
    settings: &SimSettings,
    log_steps: &[u64],
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<SimResult> {
    let jobs: Vec<(usize, u64)> = (0..optimizers.len())
        .flat_map(|o| (0..settings.seeds).map(move |s| (o, s)))
        .collect();
    let curves: Vec<Curve> = jobs
        .par_iter()
        .map(|&(o, s)| run_one(sampler, &optimizers[o], settings, s, log_steps, progress))
        .collect();
    let mut curves = curves.into_iter();
    optimizers
        .iter()
        .map(|opt| SimResult {
            optimizer: opt.name().to_string(),
            runs: curves.by_ref().take(settings.seeds as usize).collect(),
        })
        .collect()
}

/// One seeded run from θ = m = 0.
pub fn run_one(
    sampler: &dyn Sampler,
    opt: &Optimizer,
    settings: &SimSettings,
    seed_index: u64,
    log_steps: &[u64],
    progress: &(dyn Fn(u64) + Sync),
) -> Curve {
    let d = sampler.dim();
    let mut rng = SamplerRng::new(settings.seed.stream("plrf.batches", seed_index));
    let mut walker = crate::baselines::Walker::new(opt, d, settings.steps);
    let (mut grad, mut a) = (vec![0.0; d], vec![0.0; d]);
    let mut scratch = sampler.scratch();
    let initial = sampler.risk(&walker.theta);
    let mut curve = Curve {
        t: Vec::new(),
        risk: Vec::new(),
        diverged_at: None,
    };
    let mut k = 0u64;
    for &target in log_steps {
        let start = k;
        while k < target {
            walker.step(
                sampler,
                settings.batch,
                k,
                &mut rng,
                &mut a,
                &mut scratch,
                &mut grad,
            );
            k += 1;
        }
        progress(k - start);
        let risk = sampler.risk(&walker.theta);
        if diverged(risk, initial) {
            curve.diverged_at = Some(k as f64);
            progress(settings.steps.saturating_sub(k));
            break;
        }
        curve.t.push(k as f64);
        curve.risk.push(risk);
    }
    curve
}
