//! `theorylab lmc w2|init|teacher|widths|lr-sweep|align`: linear mode connectivity via
//! optimal transport (Ferbach et al., AISTATS 2024).

use crate::output::{flagged, Ctx, OutputArgs, Run};
use crate::Outcome;
use clap::{Args, Subcommand};
use lab::system::{BoxError, System};
use lab::table::{render, Format, Table};
use lmc::align::{AlignConfig, AlignData};
use lmc::data::DataSet;
use lmc::experiments::rows::{PairResults, RowKey};
use lmc::experiments::{init, lr_sweep, teacher, w2, widths};
use lmc::matching::Matcher;
use lmc::mlp::Activation;
use lmc::present;
use serde_json::json;
use std::path::PathBuf;

/// What `reproduce` and `bench` run for this paper.
pub fn systems() -> Vec<&'static dyn System> {
    vec![&lmc::reproduce::Lmc]
}

#[derive(Subcommand)]
pub enum Cmd {
    /// E0: W₂ between two i.i.d. N(0, I_dim) clouds of n points (exact matching); slopes vs −1/dim.
    W2(W2Args),
    /// E1: LMC at initialisation against width, per input dimension and matcher.
    Init(InitArgs),
    /// E2: mean-field teacher–student with intrinsic dimension k, against width.
    Teacher(TeacherArgs),
    /// E3: two-layer networks trained on the digits, against width.
    Widths(WidthsArgs),
    /// E4: midpoint loss per matcher against learning rate (the offline Figure-2 analogue).
    LrSweep(LrSweepArgs),
    /// Align B to A (two PyTorch nn.Sequential MLPs in safetensors) and measure the barrier.
    Align(AlignArgs),
}

#[derive(Args)]
pub struct W2Args {
    /// Dimensions of the clouds.
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    dim: Vec<usize>,
    /// Points per cloud.
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    n: Vec<usize>,
    /// Repetitions per (dim, n).
    #[arg(long)]
    reps: usize,
    /// Seed of the clouds.
    #[arg(long, default_value = "0")]
    seed: u64,
    #[command(flatten)]
    output: OutputArgs,
}

/// The matchers and seed shared by init, teacher and widths.
#[derive(Args)]
pub struct MatchArgs {
    /// Matchers [default: the experiment's set].
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    matcher: Vec<Matcher>,
    /// Seed of every draw.
    #[arg(long, default_value = "0")]
    seed: u64,
}

impl MatchArgs {
    fn apply(&self, matchers: &mut Vec<Matcher>, seed: &mut u64) {
        if !self.matcher.is_empty() {
            *matchers = self.matcher.clone();
        }
        *seed = self.seed;
    }
}

#[derive(Args)]
pub struct InitArgs {
    /// Input dimensions d.
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    dim: Vec<usize>,
    /// Hidden widths N.
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    width: Vec<usize>,
    /// Pairs per (d, N).
    #[arg(long)]
    seeds: usize,
    #[command(flatten)]
    matching: MatchArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct TeacherArgs {
    /// Intrinsic dimensions k of the teacher (k ≤ 16, the input dimension).
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    k: Vec<usize>,
    /// Student widths N.
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    width: Vec<usize>,
    /// Pairs per (k, N).
    #[arg(long)]
    seeds: usize,
    /// Training steps of each student.
    #[arg(long, default_value = "2000")]
    steps: usize,
    #[command(flatten)]
    matching: MatchArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct WidthsArgs {
    /// Data set (digits: 1437 train / 360 test; MNIST-1D is not built in).
    #[arg(long, value_name = "digits")]
    data: DataSet,
    /// Hidden widths N.
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    width: Vec<usize>,
    /// Pairs per width.
    #[arg(long)]
    seeds: usize,
    /// Training epochs.
    #[arg(long, default_value = "200")]
    epochs: usize,
    /// Hidden activation.
    #[arg(long, default_value = "relu", value_name = "relu|tanh")]
    activation: Activation,
    #[command(flatten)]
    matching: MatchArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct LrSweepArgs {
    /// Data set.
    #[arg(long, value_name = "digits")]
    data: DataSet,
    /// Hidden width.
    #[arg(long, default_value = "256")]
    width: usize,
    /// Hidden layers.
    #[arg(long, default_value = "3")]
    depth: usize,
    /// Peak learning rates [default: the paper's 1e-4 … 1e-1].
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    lrs: Vec<f64>,
    /// Pairs per learning rate.
    #[arg(long, default_value = "4")]
    reps: usize,
    /// Training epochs.
    #[arg(long, default_value = "50")]
    epochs: usize,
    #[command(flatten)]
    matching: MatchArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// `--data digits` or an .npy file.
#[derive(Clone, Debug)]
pub enum DataArg {
    /// The built-in digits.
    Digits,
    /// An .npy array [n, d].
    File(PathBuf),
}

fn parse_data(s: &str) -> Result<DataArg, String> {
    if s == "digits" {
        Ok(DataArg::Digits)
    } else if s.ends_with(".npy") {
        Ok(DataArg::File(PathBuf::from(s)))
    } else {
        Err(format!("'{s}' is neither `digits` nor an .npy file"))
    }
}

#[derive(Args)]
pub struct AlignArgs {
    /// Network A (safetensors of an nn.Sequential of Linear and ReLU layers).
    #[arg(long, value_name = "A.safetensors")]
    a: PathBuf,
    /// Network B, matched to A.
    #[arg(long, value_name = "B.safetensors")]
    b: PathBuf,
    /// The data: `digits` or an .npy array [n, d] (f32/f64).
    #[arg(long, value_name = "digits|X.npy", value_parser = parse_data)]
    data: DataArg,
    /// Integer labels [n] of the .npy data (losses and accuracies need them).
    #[arg(long, value_name = "Y.npy")]
    labels: Option<PathBuf>,
    /// The matcher (weight, sigma, activation, rebasin; also sigma-bias, rebasin-scaled).
    #[arg(long, default_value = "weight")]
    matcher: Matcher,
    /// Seed of Git Re-Basin's layer order.
    #[arg(long, default_value = "0")]
    seed: u64,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(command: Cmd, ctx: &Ctx) -> Result<Outcome, BoxError> {
    match command {
        Cmd::W2(a) => w2_cmd(a, ctx),
        Cmd::Init(a) => init_cmd(a, ctx),
        Cmd::Teacher(a) => teacher_cmd(a, ctx),
        Cmd::Widths(a) => widths_cmd(a, ctx),
        Cmd::LrSweep(a) => lr_sweep_cmd(a, ctx),
        Cmd::Align(a) => align_cmd(a, ctx),
    }
}

/// Library quantities → the flags that set them.
const FLAGS: &[(&str, &str)] = &[
    ("dim", "--dim"),
    ("n", "--n"),
    ("reps", "--reps"),
    ("width", "--width"),
    ("seeds", "--seeds"),
    ("k", "--k"),
    ("epochs", "--epochs"),
    ("depth", "--depth"),
    ("learning rates", "--lrs"),
    ("learning rate", "--lrs"),
    ("matchers", "--matcher"),
    ("training steps", "--steps"),
    ("number of samples", "--data"),
];

fn flags(e: lmc::Error) -> BoxError {
    flagged::<lmc::Error>(FLAGS)(e)
}

/// Refuses an invalid configuration (naming the flags) or one that does not fit in memory,
/// then starts the run (the `--out` policy is checked before anything is computed).
fn begin(
    ctx: &Ctx,
    output: &OutputArgs,
    command: &str,
    config: serde_json::Value,
    valid: lmc::Result<()>,
    memory: impl FnOnce() -> u64,
) -> Result<Run, BoxError> {
    valid.map_err(flags)?;
    ctx.memory(memory())?;
    output.start(command, config, ctx)
}

/// Runs `f` with a progress bar of `work` units.
fn with_bar<T>(
    ctx: &Ctx,
    work: u64,
    message: &str,
    f: impl FnOnce(&(dyn Fn(u64) + Sync)) -> lmc::Result<T>,
) -> Result<T, BoxError> {
    let bar = ctx.bar(work, message);
    let result = f(&|n| bar.inc(n)).map_err(flags)?;
    bar.finish_and_clear();
    Ok(result)
}

/// Prints `extra` after the summary in table format (csv/json print only the full rows).
fn print_extra(run: &Run, extra: &Table) {
    if run.format() == Format::Table {
        println!();
        print!("{}", render(extra, Format::Table, 7));
    }
}

fn w2_cmd(a: W2Args, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let config = w2::W2Config {
        dims: a.dim,
        ns: a.n,
        reps: a.reps,
        seed: a.seed,
        bootstrap: Default::default(),
    };
    let mut run = begin(
        ctx,
        &a.output,
        "lmc w2",
        json!(config),
        config.validate(),
        || config.memory_bytes(),
    )?;
    let r = with_bar(ctx, config.work(), "lmc w2", |p| w2::run_with(&config, p))?;
    let rows = present::w2_rows(&r);
    run.print(&present::w2_summary(&r, config.reps), &rows);
    print_extra(&run, &present::w2_slopes_vs_theory(&r));
    run.csv("w2.csv", &rows);
    run.csv("summary.csv", &present::w2_summary(&r, config.reps));
    run.csv("slopes.csv", &present::w2_slopes(&r));
    run.figure("w2_vs_n", &present::w2_figure(&r))?;
    run.finish(&json!({ "slopes": present::w2_slopes_vs_theory(&r).to_json() }))?;
    Ok(Outcome::Done)
}

/// Writes the rows, endpoints, Dims and slopes of a trained-pair experiment.
fn pair_outputs<K: RowKey, G: RowKey>(
    run: &mut Run,
    r: &PairResults<K, G>,
) -> Result<Table, BoxError> {
    let rows = present::pair_rows(&r.rows);
    let slopes = present::slope_rows(&r.slopes);
    run.print(&slopes, &rows);
    run.csv("pairs.csv", &rows);
    run.csv("slopes.csv", &slopes);
    run.csv("endpoints.csv", &present::endpoint_rows(&r.endpoints));
    run.csv("dims.csv", &present::dims_rows(&r.dims));
    Ok(slopes)
}

fn init_cmd(a: InitArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let mut config = init::InitConfig::new(a.dim, a.width, a.seeds);
    a.matching.apply(&mut config.matchers, &mut config.seed);
    let mut run = begin(
        ctx,
        &a.output,
        "lmc init",
        json!(config),
        config.validate(),
        || config.memory_bytes(),
    )?;
    let r = with_bar(ctx, config.work(), "lmc init", |p| {
        init::run_with(&config, p)
    })?;
    let rows = present::pair_rows(&r.rows);
    let slopes = present::slope_rows(&r.slopes);
    run.print(&slopes, &rows);
    run.csv("pairs.csv", &rows);
    run.csv("slopes.csv", &slopes);
    run.figure(
        "gap_vs_width",
        &present::gap_panels(
            "E1: LMC at initialisation against width",
            &r.rows,
            &config.matchers,
            "d",
            &config.dims,
            |k| k.dim,
            |k| k.width,
        ),
    )?;
    run.finish(&json!({ "slopes": slopes.to_json() }))?;
    Ok(Outcome::Done)
}

fn teacher_cmd(a: TeacherArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let mut config = teacher::TeacherConfig::new(a.k, a.width, a.seeds, a.steps);
    a.matching.apply(&mut config.matchers, &mut config.seed);
    let mut run = begin(
        ctx,
        &a.output,
        "lmc teacher",
        json!(config),
        config.validate(),
        || config.memory_bytes(),
    )?;
    let r = with_bar(ctx, config.work(), "lmc teacher", |p| {
        teacher::run_with(&config, p)
    })?;
    let slopes = pair_outputs(&mut run, &r)?;
    run.figure(
        "gap_vs_width",
        &present::gap_panels(
            "E2: teacher–student (mean field) against width",
            &r.rows,
            &config.matchers,
            "k",
            &config.ks,
            |k| k.k,
            |k| k.width,
        ),
    )?;
    run.finish(&json!({ "slopes": slopes.to_json() }))?;
    Ok(Outcome::Done)
}

fn widths_cmd(a: WidthsArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let mut config = widths::WidthsConfig::new(a.width, a.seeds, a.epochs);
    config.data = a.data;
    config.activation = a.activation;
    a.matching.apply(&mut config.matchers, &mut config.seed);
    let mut run = begin(
        ctx,
        &a.output,
        "lmc widths",
        json!(config),
        config.validate(),
        || config.memory_bytes(),
    )?;
    let r = with_bar(ctx, config.work(), "lmc widths", |p| {
        widths::run_with(&config, p)
    })?;
    let slopes = pair_outputs(&mut run, &r)?;
    let figures = [
        (lmc::experiments::Metric::Barrier, "loss barrier"),
        (
            lmc::experiments::Metric::GapRel,
            "relative function gap at t = ½",
        ),
    ]
    .into_iter()
    .map(|(metric, label)| {
        present::width_figure(
            label,
            &r.rows,
            &config.matchers,
            metric,
            label,
            |_| true,
            |k| k.width,
        )
    })
    .collect();
    run.figure(
        "barrier_vs_width",
        &present::panels(
            "E3: two-layer networks on the digits against width",
            figures,
        ),
    )?;
    run.finish(&json!({ "slopes": slopes.to_json() }))?;
    Ok(Outcome::Done)
}

fn lr_sweep_cmd(a: LrSweepArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let mut config = lr_sweep::LrSweepConfig::new(a.width, a.depth, a.reps, a.epochs);
    config.data = a.data;
    if !a.lrs.is_empty() {
        config.lrs = a.lrs;
    }
    a.matching.apply(&mut config.matchers, &mut config.seed);
    let mut run = begin(
        ctx,
        &a.output,
        "lmc lr-sweep",
        json!(config),
        config.validate(),
        || config.memory_bytes(),
    )?;
    let r = with_bar(ctx, config.work(), "lmc lr-sweep", |p| {
        lr_sweep::run_with(&config, p)
    })?;
    let summary = present::lr_curves(&r);
    let rows = present::pair_rows(&r.rows);
    run.print(&summary, &rows);
    print_extra(&run, &present::lr_dims(&r));
    run.csv("pairs.csv", &rows);
    run.csv("summary.csv", &summary);
    run.csv("endpoints.csv", &present::endpoint_rows(&r.endpoints));
    run.csv("dims.csv", &present::dims_rows(&r.dims));
    run.csv("dims_summary.csv", &present::lr_dims(&r));
    run.figure("midpoint_vs_lr", &present::lr_figure(&r, "digits"))?;
    run.figure("dims_vs_lr", &present::lr_dims_figure(&r))?;
    run.finish(&json!({ "summary": summary.to_json(), "dims": present::lr_dims(&r).to_json() }))?;
    Ok(Outcome::Done)
}

fn align_cmd(a: AlignArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let config = AlignConfig {
        matcher: a.matcher,
        seed: a.seed,
        ..AlignConfig::default()
    };
    config.validate().map_err(|e| format!("--matcher: {e}"))?;
    if a.labels.is_some() && matches!(a.data, DataArg::Digits) {
        return Err(
            "--labels: the digits bring their own labels (--labels goes with --data X.npy)".into(),
        );
    }
    let net_a = lmc::sequential::read(&a.a, Activation::Relu).map_err(|e| format!("--a: {e}"))?;
    let net_b = lmc::sequential::read(&a.b, Activation::Relu).map_err(|e| format!("--b: {e}"))?;
    let data = match &a.data {
        DataArg::Digits => AlignData::Digits,
        DataArg::File(path) => AlignData::Arrays {
            x: lmc::npy::read_matrix(path).map_err(|e| format!("--data: {e}"))?,
            labels: match &a.labels {
                Some(p) => Some(lmc::npy::read_labels(p).map_err(|e| format!("--labels: {e}"))?),
                None => None,
            },
        },
    };
    let resolved = data.resolve(&net_a.mlp).map_err(|e| {
        let flag = match e {
            lmc::Error::LabelCount { .. } | lmc::Error::LabelOutOfRange { .. } => "--labels",
            _ => "--data",
        };
        format!("{flag}: {e}")
    })?;
    ctx.memory(lmc::align::memory_bytes(
        &net_a.mlp,
        resolved.moments_x.rows,
        resolved.eval.len(),
    ))?;
    let record = json!({
        "a": a.a, "b": a.b,
        "data": match &a.data { DataArg::Digits => json!("digits"), DataArg::File(p) => json!(p) },
        "labels": a.labels,
        "align": config,
    });
    let mut run = a.output.start("lmc align", record, ctx)?;
    let report = lmc::align::align(&net_a.mlp, &net_b.mlp, &resolved, &config).map_err(flags)?;
    let interpolation = present::interpolation_table(&report);
    let layers = present::align_layers_table(&report);
    run.print(&present::align_overview(&report), &interpolation);
    print_extra(&run, &layers);
    run.bytes(
        "b_aligned.safetensors",
        lmc::sequential::to_bytes(&net_b, &report.b_aligned)?,
    );
    run.json("permutations.json", &report.permutations)?;
    run.csv("interpolation.csv", &interpolation);
    run.csv("layers.csv", &layers);
    run.figure("interpolation_path", &present::align_figure(&report))?;
    run.finish(&report.summary)?;
    Ok(Outcome::Done)
}
