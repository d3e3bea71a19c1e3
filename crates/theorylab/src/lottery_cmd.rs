//! `theorylab lottery subset-sum|stats|basis|prune|sweep|width-law`: equivariant strong
//! lottery tickets by exact subset-sum (Ferbach et al., ICLR 2023).

use crate::output::{flagged, Ctx, OutputArgs};
use crate::Outcome;
use clap::{Args, Subcommand};
use lab::system::{BoxError, System};
use lab::table::{render, Format, Table};
use lottery::basis::{basis_report, BasisConfig};
use lottery::group::GroupKind;
use lottery::overparam::Variant;
use lottery::present;
use lottery::run::{run_prune, CopiesRange, PruneConfig, PruneSettings, Tolerance};
use lottery::stats::{run_stats_with, StatsConfig, Summands};
use lottery::subset_sum::subset_sum;
use lottery::sweep::{run_sweep_with, sweep_work, SweepConfig, TargetTask};
use lottery::targets::TargetKind;
use lottery::width::{run_width_law_with, width_law_work, WidthLawConfig};
use lottery::Error;
use serde_json::json;

/// What `reproduce` and `bench` run for this paper.
pub fn systems() -> Vec<&'static dyn System> {
    vec![&lottery::reproduce::Lottery]
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Exact subset-sum (meet in the middle): the subset of --values whose sum is closest to --target.
    SubsetSum(SubsetSumArgs),
    /// E1: error and time of random exact subset-sum against the number of summands p.
    Stats(StatsArgs),
    /// The orbit basis of the equivariant linear maps between two field orders of a group.
    Basis(BasisArgs),
    /// Prune a random overparameterised network to a trained target: the run record.
    Prune(PruneArgs),
    /// E2–E4 (E7–E9 per run): prune targets at several widths and seeds.
    Sweep(SweepArgs),
    /// E6: the smallest width reaching every |e| ≤ η, and the fitted width law.
    WidthLaw(WidthLawArgs),
}

#[derive(Args)]
pub struct SubsetSumArgs {
    /// Comma-separated summands, at most 40 finite numbers (negative numbers as typed).
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    values: Vec<f64>,
    /// The target sum z.
    #[arg(long, value_name = "Z")]
    target: f64,
    /// Among the subsets within 10⁻¹²·max(1, |z|, Σ|a|) of the optimum, take one of the fewest summands.
    #[arg(long)]
    sparse: bool,
    /// Output: a human table, csv, or the JSON object {subset, sum, error, abs_error, p}.
    #[arg(long, default_value = "table", value_name = "table|csv|json")]
    format: Format,
}

#[derive(Args)]
pub struct StatsArgs {
    /// Comma-separated summand counts p (1 to 40).
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    p: Vec<usize>,
    /// Random instances per p.
    #[arg(long, value_name = "N")]
    trials: usize,
    /// Summands U[−1, 1] (uniform) or products U·U of two uniforms (product, as in pruning).
    #[arg(long, default_value = "uniform", value_name = "uniform|product")]
    summands: Summands,
    /// Seed of the instances.
    #[arg(long, default_value = "0")]
    seed: u64,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct BasisArgs {
    /// The group acting on the points or the grid.
    #[arg(long, value_name = "trivial|translation|c4|sn")]
    group: GroupKind,
    /// Points m (S_m, trivial) or side of the m×m grid (C4, translations).
    #[arg(long, value_name = "M")]
    m: usize,
    /// Input and output field orders IN,OUT (S_m: tensor orders; C4: 0 trivial, 1 regular).
    #[arg(long, value_name = "IN,OUT", value_delimiter = ',', required = true)]
    orders: Vec<usize>,
    /// Kernel size K of the convolution groups (odd for C4).
    #[arg(long, default_value = "3", value_name = "K")]
    kernel: usize,
    /// Output format.
    #[arg(long, default_value = "table", value_name = "table|csv|json")]
    format: Format,
}

/// The per-coefficient tolerance: η or a network tolerance ε (one of them).
#[derive(Args, Clone, Copy, Debug)]
#[group(multiple = false)]
pub struct ToleranceArgs {
    /// Tolerance η of every coefficient's error (default 1e-3).
    #[arg(long, value_name = "X")]
    eta: Option<f64>,
    /// Network tolerance ε: η_i = ε / (2√2·L·β_i·K_i·√(C_i·C_(i+1))) per block (spec 4.4).
    #[arg(long, value_name = "X")]
    epsilon: Option<f64>,
}

impl ToleranceArgs {
    fn tolerance(&self) -> Tolerance {
        match (self.eta, self.epsilon) {
            (_, Some(e)) => Tolerance::Epsilon(e),
            (Some(e), None) => Tolerance::Eta(e),
            (None, None) => Tolerance::Eta(1e-3),
        }
    }
}

#[derive(Args)]
pub struct PruneArgs {
    /// The target network (trained on its synthetic task).
    #[arg(long, value_name = "mlp|deepsets|ign2|c4cnn")]
    target: TargetKind,
    /// Copies n per input field of the random network (2 to 128).
    #[arg(long, value_name = "N")]
    copies: usize,
    /// Seed of the data, the target and the random network.
    #[arg(long, default_value = "0")]
    seed: u64,
    #[command(flatten)]
    tolerance: ToleranceArgs,
    /// Random first layers of each block: dense over B_(i→i), or diagonal.
    #[arg(long, default_value = "dense", value_name = "dense|diagonal")]
    variant: Variant,
    /// Skip the negative-sign problems of blocks after the first (their inputs are ≥ 0).
    #[arg(long)]
    inner_positive_only: bool,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct SweepArgs {
    /// Comma-separated targets.
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    target: Vec<TargetKind>,
    /// Comma-separated copies per field n (2 to 128).
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    copies: Vec<usize>,
    /// Number of seeds S (seeds 0, 1, …, S−1).
    #[arg(long, value_name = "S")]
    seeds: u64,
    #[command(flatten)]
    tolerance: ToleranceArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct WidthLawArgs {
    /// Comma-separated targets (untrained: coefficients U[−α_max, α_max]).
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    target: Vec<TargetKind>,
    /// Comma-separated tolerances η > 0.
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    eta: Vec<f64>,
    /// Comma-separated hidden field counts C (1 to 64).
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    fields: Vec<usize>,
    /// Number of seeds S (seeds 0, 1, …, S−1).
    #[arg(long, value_name = "S")]
    seeds: u64,
    /// Widths searched: n = FROM, FROM+2, …, ≤ TO (each 2 to 128).
    #[arg(
        long,
        default_value = "8,128",
        value_name = "FROM,TO",
        value_delimiter = ','
    )]
    copies: Vec<usize>,
    /// Bound α_max of the uniform target coefficients.
    #[arg(long, default_value = "0.25")]
    alpha_max: f64,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(command: Cmd, ctx: &Ctx) -> Result<Outcome, BoxError> {
    match command {
        Cmd::SubsetSum(a) => subset_sum_cmd(a),
        Cmd::Stats(a) => stats(a, ctx),
        Cmd::Basis(a) => basis(a, ctx),
        Cmd::Prune(a) => prune(a, ctx),
        Cmd::Sweep(a) => sweep(a, ctx),
        Cmd::WidthLaw(a) => width_law(a, ctx),
    }
}

/// Library quantity names → the flags that set them (where not `--` + the name).
const FLAGS: &[(&str, &str)] = &[
    ("summand", "--values"),
    ("sum of |summands| and |target|", "--values"),
    ("summand count p", "--p"),
    ("summand counts p", "--p"),
    ("kernel size", "--kernel"),
    ("copies", "--copies"),
    ("largest copies", "--copies"),
    ("hidden fields", "--fields"),
    ("field counts", "--fields"),
    ("eta values", "--eta"),
    ("targets", "--target"),
    ("alpha_max", "--alpha-max"),
];

/// A library error in the user's terms: an invalid quantity named by its flag, and the
/// refusals that are not quantities prefixed with the flag they concern.
fn refusal(e: Error) -> BoxError {
    let flag = |name: &str| {
        FLAGS.iter().find(|(q, _)| *q == name).map_or_else(
            || format!("--{}", name.replace([' ', '_'], "-")),
            |(_, f)| f.to_string(),
        )
    };
    match &e {
        Error::Invalid(_) => flagged::<Error>(FLAGS)(e),
        Error::NoSummands | Error::TooManySummands { .. } => format!("--values: {e}").into(),
        Error::MTooSmall { .. } => format!("--m: {e}").into(),
        Error::EvenKernel { .. } => format!("--kernel: {e}").into(),
        Error::UnsupportedOrder { .. } => format!("--orders: {e}").into(),
        Error::EmptyList { name } => format!("{}: {e}", flag(name)).into(),
        _ => Box::new(e),
    }
}

/// Seeds 0..count, refusing 0 (named by `flag`).
fn seed_list(count: u64, flag: &str) -> Result<Vec<u64>, BoxError> {
    if count == 0 || count > 1000 {
        return Err(format!("{flag} must be between 1 and 1000 (got {count})").into());
    }
    Ok((0..count).collect())
}

/// Prints `value` as pretty JSON.
fn print_json(value: &impl serde::Serialize) -> Result<(), BoxError> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn subset_sum_cmd(a: SubsetSumArgs) -> Result<Outcome, BoxError> {
    let r = subset_sum(&a.values, a.target, a.sparse).map_err(refusal)?;
    if a.format == Format::Json {
        print_json(&r)?;
        return Ok(Outcome::Done);
    }
    let subset = r
        .subset
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let mut t = Table::new([
        "p",
        "target",
        "sparse",
        "subset",
        "sum",
        "error",
        "abs_error",
    ]);
    t.push(vec![
        r.p.into(),
        a.target.into(),
        a.sparse.to_string().into(),
        subset.into(),
        r.sum.into(),
        r.error.into(),
        r.abs_error.into(),
    ]);
    // Full precision where a program reads the numbers.
    let digits = if a.format == Format::Table { 10 } else { 17 };
    print!("{}", render(&t, a.format, digits));
    Ok(Outcome::Done)
}

fn stats(a: StatsArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let config = StatsConfig {
        p: a.p,
        trials: a.trials,
        summands: a.summands,
        seed: a.seed,
    };
    config.validate().map_err(refusal)?;
    ctx.memory(config.memory_bytes())?;
    let mut run = a
        .output
        .start("lottery stats", serde_json::to_value(&config)?, ctx)?;
    let bar = ctx.bar(config.p.len() as u64, "lottery stats");
    let result = run_stats_with(&config, &|n| bar.inc(n)).map_err(refusal)?;
    bar.finish_and_clear();
    let results = [result];
    let table = present::stats_table(&results);
    let slopes = present::slope_table(&results);
    run.print(&table, &table);
    if run.format() == Format::Table {
        print!("{}", render(&slopes, Format::Table, 7));
    }
    run.csv("stats.csv", &table);
    run.csv("slope.csv", &slopes);
    run.figure("error_vs_p", &present::stats_error_figure(&results))?;
    run.figure("time_vs_p", &present::stats_time_figure(&results))?;
    run.finish(&json!({ "slope": results[0].slope }))?;
    Ok(Outcome::Done)
}

fn basis(a: BasisArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let [order_in, order_out] = a.orders[..] else {
        return Err(format!(
            "--orders must be two orders IN,OUT (got {} values)",
            a.orders.len()
        )
        .into());
    };
    let config = BasisConfig {
        group: a.group,
        m: a.m,
        order_in,
        order_out,
        kernel: a.kernel,
    };
    config.validate().map_err(refusal)?;
    ctx.memory(config.memory_bytes())?;
    let report = basis_report(&config).map_err(refusal)?;
    let summary = present::basis_summary_table(&report);
    match a.format {
        Format::Json => print_json(&report)?,
        Format::Csv => print!(
            "{}",
            render(&present::basis_elements_table(&report), Format::Csv, 17)
        ),
        Format::Table => {
            print!("{}", render(&summary, Format::Table, 7));
            println!();
            print!(
                "{}",
                render(&present::basis_elements_table(&report), Format::Table, 7)
            );
        }
    }
    Ok(Outcome::Done)
}

fn prune(a: PruneArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let mut config = PruneConfig::new(a.target, a.copies, a.seed);
    config.settings = PruneSettings {
        tolerance: a.tolerance.tolerance(),
        variant: a.variant,
        inner_positive_only: a.inner_positive_only,
        ..PruneSettings::default()
    };
    config.validate().map_err(refusal)?;
    ctx.memory(config.memory_bytes())?;
    let mut run = a
        .output
        .start("lottery prune", serde_json::to_value(&config)?, ctx)?;
    let record = run_prune(&config).map_err(refusal)?;
    let table = present::records_table(std::slice::from_ref(&record));
    if run.format() == Format::Json {
        print_json(&record)?;
    } else {
        run.print(&present::record_summary(&record), &table);
    }
    run.csv("run.csv", &table);
    run.json("record.json", &record)?;
    run.finish(&json!({
        "sup_error": record.sup_error,
        "sup_error_relative": record.sup_error_relative,
        "equivariance_violation": record.equivariance_violation,
        "control_equivariance_violation": record.control_equivariance_violation,
    }))?;
    Ok(Outcome::Done)
}

fn sweep(a: SweepArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let config = SweepConfig {
        targets: a
            .target
            .iter()
            .map(|&t| TargetTask::default_for(t))
            .collect(),
        copies: a.copies,
        seeds: seed_list(a.seeds, "--seeds")?,
        settings: PruneSettings {
            tolerance: a.tolerance.tolerance(),
            ..PruneSettings::default()
        },
    };
    config.validate().map_err(refusal)?;
    ctx.memory(config.memory_bytes())?;
    let mut run = a
        .output
        .start("lottery sweep", serde_json::to_value(&config)?, ctx)?;
    let bar = ctx.bar(sweep_work(&config), "lottery sweep");
    let result = run_sweep_with(&config, &|n| bar.inc(n)).map_err(refusal)?;
    bar.finish_and_clear();
    let runs = present::records_table(&result.records);
    let widths = present::sweep_width_table(&result);
    let summary = present::sweep_summary_table(&result);
    run.print(&widths, &runs);
    if run.format() == Format::Table {
        println!();
        print!("{}", render(&summary, Format::Table, 7));
    }
    run.csv("runs.csv", &runs);
    run.csv("widths.csv", &widths);
    run.csv("summary_by_target.csv", &summary);
    run.figure("error_vs_copies", &present::sweep_error_figure(&result))?;
    run.figure(
        "accuracy_vs_copies",
        &present::sweep_accuracy_figure(&result),
    )?;
    run.figure(
        "equivariance",
        &present::equivariance_figure(&result.records),
    )?;
    run.finish(&result.summaries)?;
    Ok(Outcome::Done)
}

fn width_law(a: WidthLawArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let [start, max] = a.copies[..] else {
        return Err(format!(
            "--copies must be two widths FROM,TO (got {} values)",
            a.copies.len()
        )
        .into());
    };
    let config = WidthLawConfig {
        targets: a.target,
        etas: a.eta,
        fields: a.fields,
        seeds: seed_list(a.seeds, "--seeds")?,
        copies: CopiesRange { start, max },
        alpha_max: a.alpha_max,
        scale: 1.0,
        inner_positive_only: false,
    };
    config.validate().map_err(refusal)?;
    ctx.memory(config.memory_bytes())?;
    let mut run = a
        .output
        .start("lottery width-law", serde_json::to_value(&config)?, ctx)?;
    let bar = ctx.bar(width_law_work(&config), "lottery width-law");
    let result = run_width_law_with(&config, &|n| bar.inc(n)).map_err(refusal)?;
    bar.finish_and_clear();
    let rows = present::width_rows_table(&result);
    let means = present::width_means_table(&result);
    let fit = present::width_fit_table(&result);
    run.print(&means, &rows);
    if run.format() == Format::Table {
        println!();
        print!("{}", render(&fit, Format::Table, 7));
    }
    run.csv("width_runs.csv", &rows);
    run.csv("width_means.csv", &means);
    run.csv("width_fit.csv", &fit);
    run.csv("width_growth.csv", &present::width_growth_table(&result));
    run.figure("width_law", &present::width_figure(&result))?;
    run.finish(&json!({ "fit": result.fit, "growth": result.growth }))?;
    Ok(Outcome::Done)
}
