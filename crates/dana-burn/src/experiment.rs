//! The char-LSTM experiment as a whole: one [`train`] run per optimizer and seed, with
//! checkpoints, the fitted exponents, the seed spread and the figure of the curves.

use std::path::Path;
use std::time::Instant;

use lab::fit::{fit_saturating, SaturatingFit};
use lab::plot::{Axis, Figure, Rgb, Series, Style};
use lab::stats::{mean, sd};
use lab::table::{Table, Value};
use rayon::prelude::*;

use crate::corpus::Corpus;
use crate::error::Error;
use crate::train::{
    fit_second_half, train, Checkpoint, Curve, OptimizerKind, PowerLawFit, TrainConfig,
};

/// One finished (or diverged) training run.
#[derive(Clone, Debug)]
pub struct Run {
    /// Its configuration.
    pub config: TrainConfig,
    /// Its validation curve.
    pub curve: Curve,
    /// Steps computed by this process (fewer than `config.steps` after a resume).
    pub computed_steps: usize,
    /// Wall-clock seconds this process spent on the run.
    pub seconds: f64,
}

impl Run {
    /// Power law fitted to the second half of the validation loss; `None` when diverged.
    pub fn loss_fit(&self) -> Option<PowerLawFit> {
        self.fit_of(|l| l)
    }

    /// Power law fitted to the second half of the validation perplexity e^loss (spec E9 fits
    /// perplexity); `None` when diverged.
    pub fn perplexity_fit(&self) -> Option<PowerLawFit> {
        self.fit_of(f64::exp)
    }

    /// Saturating power law L∞ + a·tokens^(−η) fitted (lab's [`fit_saturating`]) to the
    /// validation loss of the whole curve after the warm-up (the evaluations after the first
    /// 10% of the steps); `None` when diverged or with fewer than 3 such points.
    pub fn saturating_fit(&self) -> Option<SaturatingFit> {
        if self.curve.diverged_at.is_some() {
            return None;
        }
        let warm_up = self.config.steps / 10;
        let (tokens, loss): (Vec<f64>, Vec<f64>) = self
            .curve
            .points
            .iter()
            .filter(|p| p.step > warm_up)
            .map(|p| (p.tokens as f64, p.valid_loss))
            .unzip();
        fit_saturating(&tokens, &loss)
    }

    fn fit_of(&self, f: impl Fn(f64) -> f64) -> Option<PowerLawFit> {
        if self.curve.diverged_at.is_some() {
            return None;
        }
        let tokens: Vec<f64> = self.curve.points.iter().map(|p| p.tokens as f64).collect();
        let y: Vec<f64> = self.curve.points.iter().map(|p| f(p.valid_loss)).collect();
        fit_second_half(&tokens, &y)
    }

    /// Training steps per second in this process; `None` when nothing was computed (resumed
    /// from a finished checkpoint).
    pub fn steps_per_second(&self) -> Option<f64> {
        (self.computed_steps > 0).then(|| self.computed_steps as f64 / self.seconds.max(1e-9))
    }
}

/// Runs every configuration on `corpus`, in parallel on rayon's pool (one run per thread;
/// each run is single-threaded and its result does not depend on the thread count), and
/// returns the runs in the order of `configs`. With `checkpoints`, each run checkpoints every
/// `checkpoint_every` steps to `checkpoints/<optimizer>-seed<seed>.ckpt` and resumes from it;
/// a finished run is read back without training. `progress(config, step, loss)` follows every
/// step of every run.
pub fn run_all(
    configs: &[TrainConfig],
    corpus: &Corpus,
    checkpoints: Option<&Path>,
    checkpoint_every: usize,
    progress: &(dyn Fn(&TrainConfig, usize, f64) + Sync),
) -> Result<Vec<Run>, Error> {
    if let Some(dir) = checkpoints {
        std::fs::create_dir_all(dir).map_err(|e| Error::Checkpoint {
            path: dir.to_path_buf(),
            what: format!("cannot create the folder: {e}"),
        })?;
    }
    configs
        .par_iter()
        .with_max_len(1)
        .map(|config| {
            let path = checkpoints.map(|d| {
                d.join(format!(
                    "{}-seed{}.ckpt",
                    config.optimizer.name(),
                    config.seed.0
                ))
            });
            let ck = path.as_deref().map(|path| Checkpoint {
                path,
                every: checkpoint_every.max(1),
            });
            let start = Instant::now();
            let computed = std::cell::Cell::new(0);
            let curve = train(config, corpus, ck.as_ref(), &|step, loss| {
                computed.set(computed.get() + 1);
                progress(config, step, loss);
            })?;
            Ok(Run {
                config: config.clone(),
                curve,
                computed_steps: computed.get(),
                seconds: start.elapsed().as_secs_f64(),
            })
        })
        .collect()
}

/// One row per run: optimizer, seed, steps, tokens, final validation loss, loss exponent and R²,
/// perplexity exponent, steps/s, status (`ok`, `diverged at step N`).
pub fn runs_table(runs: &[Run]) -> Table {
    let mut table = Table::new([
        "optimizer",
        "seed",
        "steps",
        "tokens",
        "valid_loss",
        "exponent",
        "r2",
        "ppl_exponent",
        "steps_per_s",
        "status",
    ]);
    for run in runs {
        let last = run.curve.points.last();
        let fit = run.loss_fit();
        table.push(vec![
            run.config.optimizer.name().into(),
            run.config.seed.0.into(),
            run.config.steps.into(),
            last.map_or(Value::Null, |p| p.tokens.into()),
            last.map(|p| p.valid_loss).into(),
            fit.map(|f| f.exponent).into(),
            fit.map(|f| f.r2).into(),
            run.perplexity_fit().map(|f| f.exponent).into(),
            run.steps_per_second().into(),
            status(&run.curve).into(),
        ]);
    }
    table
}

/// `ok`, or `diverged at step N`.
fn status(curve: &Curve) -> String {
    match curve.diverged_at {
        Some(step) => format!("diverged at step {step}"),
        None => "ok".into(),
    }
}

/// Every evaluation of every run: optimizer, seed, step, tokens, train_loss, valid_loss
/// (step 0 is the initial validation loss).
pub fn curves_table(runs: &[Run]) -> Table {
    let mut table = Table::new([
        "optimizer",
        "seed",
        "step",
        "tokens",
        "train_loss",
        "valid_loss",
    ]);
    for run in runs {
        let name = run.config.optimizer.name();
        let seed = run.config.seed.0;
        table.push(vec![
            name.into(),
            seed.into(),
            0usize.into(),
            0usize.into(),
            Value::Null,
            run.curve.initial_valid_loss.into(),
        ]);
        for p in &run.curve.points {
            table.push(vec![
                name.into(),
                seed.into(),
                p.step.into(),
                p.tokens.into(),
                p.train_loss.into(),
                p.valid_loss.into(),
            ]);
        }
    }
    table
}

/// The results of one optimizer over seeds (diverged runs excluded).
#[derive(Clone, Debug, PartialEq)]
pub struct Spread {
    /// The optimizer.
    pub optimizer: OptimizerKind,
    /// Loss exponents of the runs that did not diverge, in run order.
    pub exponents: Vec<f64>,
    /// Final validation losses of the same runs.
    pub final_losses: Vec<f64>,
    /// Runs that diverged.
    pub diverged: usize,
}

impl Spread {
    /// Mean of the exponents (NaN when there are none).
    pub fn mean(&self) -> f64 {
        mean(&self.exponents)
    }

    /// Sample standard deviation of the exponents (NaN with fewer than 2).
    pub fn sd(&self) -> f64 {
        sd(&self.exponents)
    }
}

/// The spread of each optimizer, in order of first appearance.
pub fn spreads(runs: &[Run]) -> Vec<Spread> {
    let mut out: Vec<Spread> = Vec::new();
    for run in runs {
        let kind = run.config.optimizer;
        let index = match out.iter().position(|s| s.optimizer == kind) {
            Some(i) => i,
            None => {
                out.push(Spread {
                    optimizer: kind,
                    exponents: Vec::new(),
                    final_losses: Vec::new(),
                    diverged: 0,
                });
                out.len() - 1
            }
        };
        match (run.loss_fit(), run.curve.points.last()) {
            (Some(fit), Some(last)) => {
                out[index].exponents.push(fit.exponent);
                out[index].final_losses.push(last.valid_loss);
            }
            _ => out[index].diverged += 1,
        }
    }
    out
}

/// Per optimizer: seeds, diverged, mean, sd, min and max of the exponent, mean and sd of the
/// final validation loss.
pub fn spread_table(spreads: &[Spread]) -> Table {
    let mut table = Table::new([
        "optimizer",
        "seeds",
        "diverged",
        "exponent_mean",
        "exponent_sd",
        "exponent_min",
        "exponent_max",
        "valid_loss_mean",
        "valid_loss_sd",
    ]);
    let finite = |x: f64| {
        if x.is_finite() {
            Value::from(x)
        } else {
            Value::Null
        }
    };
    for s in spreads {
        let min = s.exponents.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = s
            .exponents
            .iter()
            .cloned()
            .fold(f64::NEG_INFINITY, f64::max);
        table.push(vec![
            s.optimizer.name().into(),
            (s.exponents.len() + s.diverged).into(),
            s.diverged.into(),
            finite(s.mean()),
            finite(s.sd()),
            finite(min),
            finite(max),
            finite(mean(&s.final_losses)),
            finite(sd(&s.final_losses)),
        ]);
    }
    table
}

/// Validation loss against tokens, one colour per optimizer, one line per seed, with the
/// second-half power-law fits dashed (keyed once per optimizer in the legend, the fit's entry
/// with the seed-mean exponent; each line is named by optimizer and seed in the figure's data).
/// Diverged runs are left out.
pub fn figure(runs: &[Run], title: &str) -> Figure {
    // Linear loss axis: the losses span less than a decade.
    let mut fig = Figure::new(
        title,
        Axis::log("tokens seen"),
        Axis::linear("validation loss (nats/char)"),
    );
    let spreads = spreads(runs);
    let mut keyed = Vec::new();
    for run in runs {
        let Some(fit) = run.loss_fit() else { continue };
        let name = run.config.optimizer.name();
        let seed = run.config.seed.0;
        let i = spreads
            .iter()
            .position(|s| s.optimizer == run.config.optimizer)
            .unwrap_or(0);
        let color = Rgb::tab(i);
        if !keyed.contains(&name) {
            keyed.push(name);
            let s = &spreads[i];
            let fit_key = if s.exponents.len() > 1 {
                format!("{name} fit: exponent {:.3} ± {:.3}", s.mean(), s.sd())
            } else {
                format!("{name} fit: exponent {:.3}, R² {:.3}", fit.exponent, fit.r2)
            };
            fig.series
                .push(Series::key(name).color(color).style(Style::Bold));
            fig.series
                .push(Series::key(fit_key).color(color).style(Style::Dashed));
        }
        let curve = run.curve.points.iter();
        fig.series.push(
            Series::line(
                curve
                    .clone()
                    .map(|p| (p.tokens as f64, p.valid_loss))
                    .collect(),
            )
            .label(format!("{name}, seed {seed}"))
            .color(color)
            .style(Style::Bold)
            .unlisted(),
        );
        let max = run.curve.points.last().map_or(0.0, |p| p.tokens as f64);
        let fitted = curve
            .map(|p| p.tokens as f64)
            .filter(|&t| 2.0 * t >= max)
            .map(|t| (t, fit.prefactor * t.powf(-fit.exponent)));
        fig.series.push(
            Series::line(fitted.collect())
                .label(format!("{name} fit, seed {seed}"))
                .color(color)
                .style(Style::Dashed)
                .unlisted(),
        );
    }
    fig
}
