//! The measurements of `theorylab bench curation` (issue §6): one exact step and 100 rounds on
//! the 128×128 grid at K = 8 with the Laplace evaluator, `kwise` curation of 10⁶ samples, one
//! GMM-EM fit on 10⁴ 2-D points. Each returns wall seconds and a check value (so the work
//! cannot be optimised away and a wrong result is visible). Not timed tests.

use crate::curate::curate;
use crate::data::DataSpec;
use crate::error::Error;
use crate::examples::{grid8, ClippedBall, GridSpec};
use crate::gmm::{fit_em, kmeans_init, EmSettings};
use crate::names::{Choices, CurationRule, DataKind};
use crate::operator::{Operator, StepSettings};
use lab::seed::Seed;
use rand::RngExt;
use std::time::Instant;

/// One benchmark's result.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Measurement {
    /// What was measured.
    pub name: String,
    /// Wall seconds.
    pub seconds: f64,
    /// A number the work produced (q_t, kept count, log-likelihood), to show it ran correctly.
    pub check: f64,
}

/// Exact steps on the E3 grid (γ = 10) at K with the Laplace evaluator: (one step, `rounds`
/// rounds). The check of the second is q_T.
pub fn grid_rounds(k: u32, rounds: u32) -> Result<(Measurement, Measurement), Error> {
    let grid = grid8(&GridSpec::default(), &ClippedBall::e3(10.0))?;
    let op = Operator::new(
        grid.support.reward(),
        StepSettings::softmax(Choices::finite(k)?),
    )?;
    let p0 = grid.support.p0();
    let start = Instant::now();
    let one = op.step(p0, None)?;
    let step_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut p = p0.to_vec();
    for _ in 0..rounds {
        p = op.step(&p, None)?.p_next;
    }
    let rounds_s = start.elapsed().as_secs_f64();
    let q = |p: &[f64]| {
        p.iter()
            .zip(grid.support.reward())
            .filter(|(_, &r)| r == 0.0)
            .map(|(x, _)| x)
            .sum::<f64>()
    };
    Ok((
        Measurement {
            name: format!("exact step, 128x128 grid, K = {k}, laplace"),
            seconds: step_s,
            check: q(&one.p_next),
        },
        Measurement {
            name: format!("{rounds} rounds, 128x128 grid, K = {k}, laplace"),
            seconds: rounds_s,
            check: q(&p),
        },
    ))
}

/// `kwise` curation of `n` samples with N(0, 1) rewards at K; the check is the mean kept reward.
pub fn kwise_curation(n: usize, k: u32) -> Result<Measurement, Error> {
    let mut rng = Seed(0).stream("curation.bench.rewards", 0);
    let rewards: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 4.0 - 2.0).collect();
    let mut rng = Seed(0).stream("curation.bench.curate", 0);
    let m = n / k.max(1) as usize;
    let start = Instant::now();
    let kept = curate(&rewards, CurationRule::Kwise, k, m, 1.0, &mut rng)?.kept;
    let seconds = start.elapsed().as_secs_f64();
    Ok(Measurement {
        name: format!("kwise curation of {n} samples, K = {k}"),
        seconds,
        check: kept.iter().map(|&i| rewards[i]).sum::<f64>() / kept.len().max(1) as f64,
    })
}

/// One EM fit (k-means++ init + EM, 8 components) on `n` points of the 8-Gaussian data; the
/// check is the mean log-likelihood.
pub fn em_fit(n: usize) -> Result<Measurement, Error> {
    let data = DataSpec::default_for(DataKind::Gmm8).sample(n, Seed(0), "curation.bench.data", 0);
    let settings = EmSettings::with_components(8);
    let start = Instant::now();
    let init = kmeans_init(
        &data,
        &settings,
        &mut Seed(0).stream("curation.bench.init", 0),
    )?;
    let (_, report) = fit_em(&data, &init, &settings)?;
    let seconds = start.elapsed().as_secs_f64();
    Ok(Measurement {
        name: format!("GMM-EM fit, {n} 2-D points, 8 components"),
        seconds,
        check: report.log_likelihood,
    })
}

/// All benchmarks of issue §6 at their sizes.
pub fn all() -> Result<Vec<Measurement>, Error> {
    let (step, rounds) = grid_rounds(8, 100)?;
    Ok(vec![
        step,
        rounds,
        kwise_curation(1_000_000, 4)?,
        em_fit(10_000)?,
    ])
}
