//! The width search (spec A8) and the width-law experiment (E6).
//!
//! n_min(η) is the smallest n (step 2) at which every subset-sum instance of the network reaches
//! |e| ≤ η_i. Random blocks are nested in n (draws in copy order), so an instance's optimum over
//! more copies is never worse, and the search for a smaller η starts from the n_min of the
//! larger one (a sign-split resample at small n is the only way nesting can break). The width
//! law fits n_min ≈ a·log2(1/η) + b·log2(#problems) + c over the seed-averaged n_min.

use crate::error::{non_empty, Result};
use crate::fit::{fit_plane, PlaneFit};
use crate::network::Network;
use crate::overparam::Variant;
use crate::prune::{block_within, random_block, MAX_COPIES};
use crate::run::CopiesRange;
use crate::targets::TargetKind;
use crate::train::uniform_coefficients;
use lab::error::positive;
use std::sync::Arc;

/// The smallest n in `start, start+2, …, max` at which every instance of every block of `net`
/// reaches |e| ≤ `etas[i]`; None if none does.
pub fn min_copies(
    net: &Network,
    seed: u64,
    etas: &[f64],
    start: usize,
    max: usize,
    scale: f64,
    inner_positive_only: bool,
) -> Result<Option<usize>> {
    for n in (start..=max).step_by(2) {
        let mut ok = true;
        for (i, eta) in etas.iter().enumerate() {
            let random = random_block(&net.arch, i, seed, n, scale, Variant::Dense);
            if !block_within(&random, &net.coeffs[i], inner_positive_only && i > 0, *eta)? {
                ok = false;
                break;
            }
        }
        if ok {
            return Ok(Some(n));
        }
    }
    Ok(None)
}

/// Number of subset-sum instances of a network (2 per coefficient, 1 in blocks after the first
/// with `inner_positive_only`).
pub fn problem_count(net: &Network, inner_positive_only: bool) -> usize {
    net.arch
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| l.coefficients() * if inner_positive_only && i > 0 { 1 } else { 2 })
        .sum()
}

/// The `width-law` command (E6).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WidthLawConfig {
    /// Targets (their architectures; coefficients are drawn U[−α_max, α_max], untrained).
    pub targets: Vec<TargetKind>,
    /// Tolerances η.
    pub etas: Vec<f64>,
    /// Hidden field counts C.
    pub fields: Vec<usize>,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Width range searched.
    pub copies: CopiesRange,
    /// Coefficient bound α_max.
    pub alpha_max: f64,
    /// s.
    pub scale: f64,
    /// Skip S⁻ after the first block.
    pub inner_positive_only: bool,
}

impl WidthLawConfig {
    /// Refuse empty lists, η ≤ 0, copies outside 2..=128 or start > max, fields outside 1..=64.
    pub fn validate(&self) -> Result<()> {
        non_empty("targets", &self.targets)?;
        non_empty("eta values", &self.etas)?;
        non_empty("field counts", &self.fields)?;
        non_empty("seeds", &self.seeds)?;
        for &eta in &self.etas {
            positive("eta", eta)?;
        }
        for &c in &self.fields {
            crate::error::in_range("hidden fields", c, 1, 64)?;
        }
        self.copies.validate()?;
        positive("alpha_max", self.alpha_max)?;
        positive("scale s", self.scale)?;
        Ok(())
    }

    /// Peak memory: the coefficients of the largest network plus per-worker solver buffers
    /// (2^{p/2} sums per half at p ≤ 40).
    pub fn memory_bytes(&self) -> u64 {
        let coeffs: usize = self
            .targets
            .iter()
            .flat_map(|t| self.fields.iter().map(move |&c| (t, c)))
            .filter_map(|(t, c)| t.architecture(c).ok())
            .map(|a| a.coefficients() * 8)
            .max()
            .unwrap_or(0);
        let p = (self.copies.max.min(MAX_COPIES) / 2).min(40) as u32;
        (coeffs + rayon::current_num_threads() * 3 * (12usize << p.div_ceil(2))) as u64
    }
}

/// n_min of one (target, η, C, seed).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WidthRow {
    /// Target.
    pub target: TargetKind,
    /// η.
    pub eta: f64,
    /// Hidden fields C.
    pub fields: usize,
    /// Seed.
    pub seed: u64,
    /// Number of subset-sum instances.
    pub problems: usize,
    /// n_min, None when no n ≤ the largest copies reached η.
    pub n_min: Option<usize>,
}

/// The seed average of n_min at one (target, η, C).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WidthMean {
    /// Target.
    pub target: TargetKind,
    /// η.
    pub eta: f64,
    /// Hidden fields C.
    pub fields: usize,
    /// Number of instances.
    pub problems: usize,
    /// Mean n_min over the seeds that found one.
    pub mean_n_min: f64,
    /// Seeds that found n_min.
    pub seeds_found: usize,
    /// Seeds run.
    pub seeds: usize,
}

/// The growth of the seed-mean n_min from the largest to the smallest η at one (target, C).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WidthGrowth {
    /// Target.
    pub target: TargetKind,
    /// Hidden fields C.
    pub fields: usize,
    /// Largest η.
    pub eta_from: f64,
    /// Smallest η.
    pub eta_to: f64,
    /// mean n_min(eta_to) − mean n_min(eta_from) (NaN if a seed found none).
    pub growth: f64,
}

/// The width-law result.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WidthLawResult {
    /// The settings.
    pub config: WidthLawConfig,
    /// One row per (target, η, C, seed).
    pub rows: Vec<WidthRow>,
    /// Seed means.
    pub means: Vec<WidthMean>,
    /// Growth per (target, C).
    pub growth: Vec<WidthGrowth>,
    /// n_min ≈ a·log2(1/η) + b·log2(#problems) + c over the means where every seed found
    /// n_min (all targets together).
    pub fit: Option<PlaneFit>,
}

/// Progress units of [`run_width_law_with`]: one per (target, C, seed).
pub fn width_law_work(config: &WidthLawConfig) -> u64 {
    (config.targets.len() * config.fields.len() * config.seeds.len()) as u64
}

/// The `width-law` command: n_min for every (target, η, C, seed), seed means, the fitted law.
pub fn run_width_law(config: &WidthLawConfig) -> Result<WidthLawResult> {
    run_width_law_with(config, &|_| {})
}

/// [`run_width_law`], telling `progress` one unit per (target, C, seed) done.
pub fn run_width_law_with(
    config: &WidthLawConfig,
    progress: &crate::Progress<'_>,
) -> Result<WidthLawResult> {
    config.validate()?;
    let mut etas = config.etas.clone();
    etas.sort_by(|a, b| b.total_cmp(a));
    let mut rows = Vec::new();
    for &target in &config.targets {
        for &fields in &config.fields {
            let arch = Arc::new(target.architecture(fields)?);
            for &seed in &config.seeds {
                let coeffs = uniform_coefficients(&arch, seed, "lottery.target.uniform", |_| {
                    config.alpha_max
                });
                let net = Network {
                    arch: arch.clone(),
                    coeffs,
                };
                let problems = problem_count(&net, config.inner_positive_only);
                let mut start = config.copies.start;
                for &eta in &etas {
                    let found = min_copies(
                        &net,
                        seed,
                        &vec![eta; arch.depth()],
                        start,
                        config.copies.max,
                        config.scale,
                        config.inner_positive_only,
                    )?;
                    if let Some(n) = found {
                        start = n;
                    } else {
                        start = config.copies.max + 2;
                    }
                    rows.push(WidthRow {
                        target,
                        eta,
                        fields,
                        seed,
                        problems,
                        n_min: found,
                    });
                }
                progress(1);
            }
        }
    }
    let mut means = Vec::new();
    let mut growth = Vec::new();
    for &target in &config.targets {
        for &fields in &config.fields {
            let mut at = Vec::new();
            for &eta in &etas {
                let sel: Vec<&WidthRow> = rows
                    .iter()
                    .filter(|r| r.target == target && r.fields == fields && r.eta == eta)
                    .collect();
                let found: Vec<f64> = sel
                    .iter()
                    .filter_map(|r| r.n_min.map(|n| n as f64))
                    .collect();
                let mean = WidthMean {
                    target,
                    eta,
                    fields,
                    problems: sel[0].problems,
                    mean_n_min: lab::stats::mean(&found),
                    seeds_found: found.len(),
                    seeds: sel.len(),
                };
                at.push(mean.clone());
                means.push(mean);
            }
            let complete = |m: &WidthMean| {
                if m.seeds_found == m.seeds {
                    m.mean_n_min
                } else {
                    f64::NAN
                }
            };
            growth.push(WidthGrowth {
                target,
                fields,
                eta_from: etas[0],
                eta_to: etas[etas.len() - 1],
                growth: complete(&at[at.len() - 1]) - complete(&at[0]),
            });
        }
    }
    let usable: Vec<&WidthMean> = means.iter().filter(|m| m.seeds_found == m.seeds).collect();
    let x1: Vec<f64> = usable.iter().map(|m| (1.0 / m.eta).log2()).collect();
    let x2: Vec<f64> = usable.iter().map(|m| (m.problems as f64).log2()).collect();
    let y: Vec<f64> = usable.iter().map(|m| m.mean_n_min).collect();
    let fit = fit_plane(&x1, &x2, &y);
    Ok(WidthLawResult {
        config: config.clone(),
        rows,
        means,
        growth,
        fit,
    })
}
