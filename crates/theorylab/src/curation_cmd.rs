//! `theorylab curation step|dynamics|loop|digits`: curated self-consuming retraining
//! (Ferbach, Bertrand, Bose, Gidel 2024).

use crate::output::{flagged, warn, Ctx, OutputArgs, Run};
use crate::Outcome;
use clap::{Args, Subcommand};
use curation::data::DataSpec;
use curation::dynamics::{run_dynamics, DynamicsSettings};
use curation::examples::{Landscape, Layout};
use curation::experiments::e9::{self, E9Config};
use curation::loops::{run_loop, LoopConfig};
use curation::models::ModelSpec;
use curation::names::{
    Choices, CurationRule, DataKind, Evaluator, Example, ModelKind, RewardKind, Rule, Scale,
};
use curation::operator::{real_share, Operator, StepSettings};
use curation::present::{self as present, SeedRound};
use curation::reward::Reward;
use curation::Warning;
use lab::system::{BoxError, System};
use lab::table::Table;
use serde_json::json;
use std::path::{Path, PathBuf};

/// What `reproduce` and `bench` run for this paper.
pub fn systems() -> Vec<&'static dyn System> {
    vec![&curation::reproduce::Curation]
}

/// Library quantities that are not `--` + their name.
const FLAGS: &[(&str, &str)] = &[
    ("K", "--k"),
    ("k", "--k"),
    ("n", "--n"),
    ("real digits n", "--n"),
    ("lambda", "--lambda"),
    ("rounds", "--rounds"),
    ("seeds", "--seeds"),
    ("seed", "--seed"),
    ("gamma", "--gamma"),
];

#[derive(Subcommand)]
pub enum Cmd {
    /// One exact curation step p → p H^K_p (Eq. 6): H and p_{t+1} per atom.
    Step(StepArgs),
    /// T exact rounds on a finite support for each (K, λ): the metrics of every round.
    Dynamics(DynamicsArgs),
    /// Finite-sample retraining loop: generate, curate, refit, for each seed and round.
    Loop(LoopArgs),
    /// The digits generator (PCA + GMM) retrained on classifier-curated samples (E9).
    Digits(DigitsArgs),
}

/// K: an integer ≥ 1 or `inf`.
fn parse_k(s: &str) -> Result<Choices, String> {
    s.parse::<Choices>().map_err(|e| e.to_string())
}

#[derive(Args)]
pub struct StepArgs {
    /// CSV with header `reward,p0` and optionally `p_data` (default p_data = p0), one row per atom.
    #[arg(long, value_name = "FILE")]
    support: PathBuf,
    /// Candidates per choice K: an integer ≥ 1 or inf.
    #[arg(long, value_parser = parse_k)]
    k: Choices,
    /// Synthetic:real ratio λ ≥ 0 (real share α = 1/(1+λ)); 0 = fully synthetic.
    #[arg(long, default_value = "0")]
    lambda: f64,
    /// softmax (Bradley–Terry choice, the paper) or hardmax (γ → ∞ at integer K).
    #[arg(long, default_value = "softmax")]
    rule: Rule,
    /// How H is evaluated at finite K (levels and brute are exact sums, laplace a quadrature).
    #[arg(long, default_value = "levels")]
    evaluator: Evaluator,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct DynamicsArgs {
    /// CSV with header `reward,p0` and optionally `p_data` (one row per atom).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "example",
        required_unless_present = "example"
    )]
    support: Option<PathBuf>,
    /// A built-in support: the worked example, the 128×128 grid of 8 Gaussians (E3) or the
    /// classes of E5.
    #[arg(long)]
    example: Option<Example>,
    /// Candidates per choice K, a list of integers ≥ 1 and inf.
    #[arg(long, value_delimiter = ',', value_parser = parse_k, required = true)]
    k: Vec<Choices>,
    /// Synthetic:real ratios λ ≥ 0, a list (0 = fully synthetic).
    #[arg(long, value_delimiter = ',', required = true)]
    lambda: Vec<f64>,
    /// Rounds T ≥ 1 (rows for rounds 0..T).
    #[arg(long)]
    rounds: u32,
    /// softmax (the paper) or hardmax.
    #[arg(long, default_value = "softmax")]
    rule: Rule,
    /// Reward scale γ of the grid8 (default 10) or classes (default 5) example.
    #[arg(long)]
    gamma: Option<f64>,
    /// Reward of an example: clipped (grid8), airplane or confidence (classes).
    #[arg(long)]
    reward: Option<RewardKind>,
    /// How H is evaluated at finite K.
    #[arg(long, default_value = "laplace")]
    evaluator: Evaluator,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct LoopArgs {
    /// The generative model refitted each round.
    #[arg(long)]
    model: ModelKind,
    /// The real data law.
    #[arg(long)]
    data: DataKind,
    /// Real samples n (and kept samples per round m = n).
    #[arg(long)]
    n: usize,
    /// Candidates per choice K (an integer ≥ 1).
    #[arg(long, value_parser = parse_k)]
    k: Choices,
    /// Synthetic:real ratio λ ≥ 0 (0 = fully synthetic).
    #[arg(long)]
    lambda: f64,
    /// Rounds T ≥ 1.
    #[arg(long)]
    rounds: u32,
    /// Number of seeds S ≥ 1 (seeds S0 .. S0+S−1).
    #[arg(long)]
    seeds: u32,
    /// First seed S0.
    #[arg(long, default_value = "0")]
    seed: u64,
    /// Curation rule (only kwise is the paper's).
    #[arg(long, default_value = "kwise")]
    mode: CurationRule,
    /// Reward [default: linear on gaussian, clipped on gmm8, moon-tube on moons].
    #[arg(long)]
    reward: Option<RewardKind>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct DigitsArgs {
    /// Candidates per choice K (an integer ≥ 1).
    #[arg(long)]
    k: u32,
    /// Synthetic:real ratios λ ≥ 0, a list.
    #[arg(long, value_delimiter = ',', required = true)]
    lambda: Vec<f64>,
    /// Rounds T ≥ 1.
    #[arg(long)]
    rounds: u32,
    /// Number of seeds ≥ 1.
    #[arg(long)]
    seeds: u32,
    /// Curators' reward: airplane (class 0, scale 5) or confidence (scale 5).
    #[arg(long, default_value = "airplane")]
    reward: RewardKind,
    /// Real digits used (a seeded subset of the 1,797).
    #[arg(long, default_value = "1797")]
    n: usize,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(command: Cmd, ctx: &Ctx) -> Result<Outcome, BoxError> {
    match command {
        Cmd::Step(a) => step(a, ctx),
        Cmd::Dynamics(a) => dynamics(a, ctx),
        Cmd::Loop(a) => loop_cmd(a, ctx),
        Cmd::Digits(a) => digits(a, ctx),
    }
    .map(|()| Outcome::Done)
}

/// The library's warnings, once each, on stderr.
fn warn_all(warnings: &[Warning]) {
    warn(&warnings.iter().map(ToString::to_string).collect::<Vec<_>>());
}

/// Reads `--support FILE`.
fn read_support(path: &Path) -> Result<curation::support::Support, BoxError> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("--support {}: {e}", path.display()))?;
    curation::support::read_support(std::io::BufReader::new(file))
        .map_err(|e| format!("--support {}: {e}", path.display()).into())
}

fn step(a: StepArgs, ctx: &Ctx) -> Result<(), BoxError> {
    let settings = StepSettings {
        k: a.k,
        rule: a.rule,
        evaluator: a.evaluator,
        ..StepSettings::softmax(a.k)
    };
    settings.validate().map_err(flagged(FLAGS))?;
    lab::error::non_negative("lambda", a.lambda)
        .map_err(curation::Error::from)
        .map_err(flagged(FLAGS))?;
    let support = read_support(&a.support)?;
    ctx.memory(support.len() as u64 * 8 * 8)?;
    let op = Operator::new(support.reward(), settings).map_err(flagged(FLAGS))?;
    let config = json!({
        "support": a.support, "atoms": support.len(), "settings": settings, "lambda": a.lambda,
    });
    let mut run = a.output.start("curation step", config, ctx)?;
    let alpha = real_share(a.lambda);
    let mix = (a.lambda > 0.0).then(|| (support.p_data(), alpha));
    let s = op.step(support.p0(), mix).map_err(flagged(FLAGS))?;
    warn_all(&s.warnings);
    let mut table = Table::new(["atom", "reward", "p", "h", "p_next"]);
    for i in 0..support.len() {
        table.push(vec![
            i.into(),
            support.reward()[i].into(),
            support.p0()[i].into(),
            s.h[i].into(),
            s.p_next[i].into(),
        ]);
    }
    run.print(&table, &table);
    run.csv("step.csv", &table);
    run.finish(&json!({ "drift": s.drift, "atoms": support.len(), "warnings": s.warnings }))
}

/// The dynamics CSV columns (issue §2): k, lambda, round, then the metrics.
fn dynamics_columns() -> Vec<&'static str> {
    let mut columns = vec!["k", "lambda", "round"];
    columns.extend(present::DYNAMICS_METRICS);
    columns
}

/// Atoms up to which `dynamics --out` writes distribution.csv.
const MAX_DISTRIBUTION_ATOMS: usize = 10_000;

/// Rounds whose grid densities are drawn: 0, T/4, T/2, T (distinct).
fn snapshot_rounds(rounds: u32) -> Vec<u32> {
    let mut v = vec![0, rounds / 4, rounds / 2, rounds];
    v.dedup();
    v
}

fn dynamics(a: DynamicsArgs, ctx: &Ctx) -> Result<(), BoxError> {
    let mut settings = Vec::new();
    for &k in &a.k {
        for &lambda in &a.lambda {
            let s = DynamicsSettings {
                step: StepSettings {
                    k,
                    rule: a.rule,
                    evaluator: a.evaluator,
                    ..StepSettings::softmax(k)
                },
                lambda,
                rounds: a.rounds,
            };
            s.validate().map_err(flagged(FLAGS))?;
            settings.push(s);
        }
    }
    if let Some(g) = a.gamma {
        lab::error::positive("gamma", g)
            .map_err(curation::Error::from)
            .map_err(flagged(FLAGS))?;
    }
    let landscape = match (&a.support, a.example) {
        (Some(path), None) => {
            if a.gamma.is_some() || a.reward.is_some() {
                return Err(
                    "--gamma and --reward apply to --example only (a support file has its rewards)"
                        .into(),
                );
            }
            Landscape::atoms(read_support(path)?)
        }
        (None, Some(example)) => Landscape::example(example, a.reward, a.gamma)
            .map_err(flagged(&[("gamma", "--gamma")]))
            .map_err(|e| format!("--example {example}: {e}"))?,
        _ => return Err("give one of --support FILE and --example".into()),
    };
    let support = &landscape.support;
    let atoms = support.len();
    let write_distribution = a.output.out.is_some() && atoms <= MAX_DISTRIBUTION_ATOMS;
    let kept_rounds = if write_distribution {
        u64::from(a.rounds) + 1
    } else {
        snapshot_rounds(a.rounds).len() as u64
    };
    ctx.memory(
        (atoms as u64 * 8)
            .saturating_mul(settings.len() as u64)
            .saturating_mul(kept_rounds + 8),
    )?;
    let config = json!({
        "support": a.support, "example": a.example, "reward": a.reward, "gamma": a.gamma,
        "atoms": atoms, "runs": settings,
    });
    let mut run = a.output.start("curation dynamics", config, ctx)?;
    let bar = ctx.bar(
        settings.len() as u64 * u64::from(a.rounds),
        "curation dynamics",
    );
    let mut full = Table::new(dynamics_columns());
    let mut distribution = Table::new(["k", "lambda", "round", "atom", "p"]);
    let mut trajectories = Vec::new();
    let mut snapshots: Vec<(DynamicsSettings, u32, Vec<f64>)> = Vec::new();
    let snap_rounds = snapshot_rounds(a.rounds);
    let mut warnings = Vec::new();
    for s in &settings {
        let k_text = s.step.k.to_string();
        let traj = run_dynamics(support, s, |t, p| {
            if t > 0 {
                bar.inc(1);
            }
            if write_distribution {
                for (i, &x) in p.iter().enumerate() {
                    distribution.push(vec![
                        k_text.as_str().into(),
                        s.lambda.into(),
                        i64::from(t).into(),
                        i.into(),
                        x.into(),
                    ]);
                }
            }
            if snap_rounds.contains(&t) {
                snapshots.push((*s, t, p.to_vec()));
            }
        })
        .map_err(flagged(FLAGS))?;
        for r in &traj.rows {
            let mut row: Vec<lab::table::Value> = vec![
                k_text.as_str().into(),
                r.lambda.into(),
                i64::from(r.round).into(),
            ];
            row.extend(present::dynamics_metric_values(r));
            full.push(row);
        }
        warnings.extend(traj.warnings.clone());
        trajectories.push((*s, traj));
    }
    bar.finish_and_clear();
    warnings.dedup();
    warn_all(&warnings);
    // For humans: rounds 0, T and about ten in between.
    let every = (a.rounds / 10).max(1);
    let mut summary = Table::new(dynamics_columns());
    for (row, values) in full.rows.iter().enumerate() {
        let t = row % (a.rounds as usize + 1);
        if (t as u32).is_multiple_of(every) || t as u32 == a.rounds {
            summary.push(values.clone());
        }
    }
    run.print(&summary, &full);
    run.csv("dynamics.csv", &full);
    if write_distribution {
        run.csv("distribution.csv", &distribution);
    }
    if a.output.out.is_some() {
        for fig in curation::present::dynamics_figures(&trajectories) {
            run.figure(&fig.0, &fig.1)?;
        }
        if let Layout::Grid { cells, half_width } = landscape.layout {
            let max = snapshots
                .iter()
                .flat_map(|(_, _, p)| p.iter().copied())
                .fold(0.0, f64::max);
            for (s, t, p) in &snapshots {
                let title = format!(
                    "p_t at round {t}, K = {}, λ = {} ({})",
                    s.step.k, s.lambda, s.step.rule
                );
                let map = present::grid_heatmap(
                    &title,
                    cells,
                    half_width,
                    p,
                    present::density_colors("p_t (log scale)", max),
                );
                let stem = format!(
                    "density_k{}_lambda{}_round{t}",
                    s.step.k,
                    present::stem_number(s.lambda)
                );
                run.figure(&stem, &map)?;
            }
        }
    }
    let last: Vec<_> = trajectories
        .iter()
        .map(|(s, tr)| {
            let m = &tr.rows.last().expect("round 0").metrics;
            json!({ "k": s.step.k, "lambda": s.lambda, "expected_reward": m.expected_reward,
                    "q_top": m.q_top, "kl_target": m.kl_target })
        })
        .collect();
    run.finish(&json!({ "rounds": a.rounds, "final": last, "warnings": warnings }))
}

/// Metrics shown in the human tables of `loop`.
const LOOP_SUMMARY: [&str; 6] = [
    "mean_reward",
    "mean_weight",
    "top_share",
    "mode_entropy",
    "hist_kl_data",
    "hist_kl_target",
];

fn loop_cmd(a: LoopArgs, ctx: &Ctx) -> Result<(), BoxError> {
    let data = DataSpec::default_for(a.data);
    let reward = match a.reward {
        Some(kind) => Reward::default_for(kind, data.dim()),
        None => Reward::default_for_data(&data),
    };
    let mut config = LoopConfig::new(
        ModelSpec::default_for(a.model),
        data,
        reward,
        a.n,
        a.lambda,
        a.rounds,
    );
    config.k = a.k;
    config.schedule.seeds = a.seeds;
    config.schedule.seed = a.seed;
    config.schedule.rule = a.mode;
    config.validate().map_err(flagged(FLAGS))?;
    ctx.memory(config.memory_bytes())?;
    let mut run = a.output.start("curation loop", json!(config), ctx)?;
    let bar = ctx.bar(u64::from(a.seeds), "curation loop");
    let result = run_loop(&config).map_err(flagged(FLAGS))?;
    bar.finish_and_clear();
    warn_all(&result.warnings);
    let records: Vec<SeedRound> = result
        .rows
        .iter()
        .map(|r| SeedRound {
            run: vec![
                ("mode", r.key.rule.name().into()),
                ("k", i64::from(r.key.k).into()),
                ("lambda", r.key.lambda.into()),
            ],
            seed: r.key.seed,
            round: r.key.round,
            metrics: r.named_values(),
        })
        .collect();
    write_seed_rounds(&mut run, &records, &LOOP_SUMMARY, "curation loop")?;
    run.finish(&json!({ "rows": records.len(), "warnings": result.warnings }))
}

/// Prints and stages the (seed, round) records of `loop` and `digits`: every metric per row
/// (csv/json), mean ± sd over seeds of `shown` (table), rounds.csv, and one band figure per
/// shown metric.
fn write_seed_rounds(
    run: &mut Run,
    records: &[SeedRound],
    shown: &[&str],
    what: &str,
) -> Result<(), BoxError> {
    let names = present::metric_names(records);
    let shown: Vec<String> = shown
        .iter()
        .filter(|m| names.iter().any(|n| n == *m))
        .map(|m| m.to_string())
        .collect();
    run.print(
        &present::seed_summary(records, &shown),
        &present::wide_table(records),
    );
    run.csv("rounds.csv", &present::long_table(records));
    for metric in &shown {
        let fig = present::seed_bands(
            records,
            metric,
            &format!("{what}: {metric} per round (mean ± sd over seeds)"),
            metric,
        );
        run.figure(metric, &fig)?;
    }
    Ok(())
}

/// Metrics shown in the human tables of `digits`.
const DIGITS_SUMMARY: [&str; 6] = [
    "mean_reward",
    "class_share_0",
    "class_entropy_ratio",
    "frechet",
    "precision",
    "recall",
];

fn digits(a: DigitsArgs, ctx: &Ctx) -> Result<(), BoxError> {
    if !matches!(a.reward, RewardKind::Airplane | RewardKind::Confidence) {
        return Err(format!(
            "--reward must be airplane or confidence for digits (got {})",
            a.reward
        )
        .into());
    }
    let mut config = E9Config::preset(Scale::Full);
    config.n = a.n;
    config.m = a.n;
    config.k = a.k;
    config.lambdas = a.lambda.clone();
    config.schedule.rounds = a.rounds;
    config.schedule.seeds = a.seeds;
    config.rewards = vec![Reward::default_for(a.reward, 0)];
    config.validate().map_err(flagged(&[
        ("K", "--k"),
        ("real digits n", "--n"),
        ("m", "--n"),
    ]))?;
    ctx.memory(config.memory_bytes())?;
    let mut run = a.output.start("curation digits", json!(config), ctx)?;
    let bar = ctx.bar(1, "curation digits");
    let result = e9::run(&config).map_err(flagged(FLAGS))?;
    bar.finish_and_clear();
    warn_all(&result.warnings);
    let records = present::digits_records(&result.rows);
    write_seed_rounds(&mut run, &records, &DIGITS_SUMMARY, "curation digits")?;
    run.finish(&json!({
        "classifier_accuracy": result.classifier_accuracy,
        "pca_explained": result.pca_explained,
        "real_class_shares": result.real_class_shares,
        "warnings": result.warnings,
    }))
}
