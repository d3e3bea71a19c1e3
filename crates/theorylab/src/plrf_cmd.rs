//! `theorylab plrf simulate|ode|recursion|slopes|frontier|phases`.

use crate::output::{flagged, warn, Ctx, OutputArgs, Run};
use crate::Outcome;
use clap::{Args, Subcommand};
use lab::system::{BoxError, System};
use plrf::experiment::{self, Curves, Footprint, Setup, SimulateSettings};
use plrf::frontier::{frontiers, FrontierSettings};
use plrf::ode::OdeSettings;
use plrf::reference::{compare, read_reference};
use plrf::sampler::SamplerKind;
use plrf::scaling;
use plrf::schedule::DeltaConvention;
use plrf::spectrum::{LimitLoss, SpectrumSource};
use plrf::theory::LimitLossMode;
use plrf::{Overrides, Preset, Problem};
use serde_json::json;
use std::path::PathBuf;

/// What `reproduce` and `bench` run for this paper.
pub fn systems() -> Vec<&'static dyn System> {
    vec![&plrf::reproduce::Plrf]
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Seeded simulations (seed mean ± standard error), optionally with the ODE (E1 figure).
    Simulate(SimulateArgs),
    /// The loss ODE (log-time backward Euler) for each optimizer.
    Ode(OdeArgs),
    /// The exact discrete moment recursion: E P(θ_k) with no sampling noise.
    Recursion(RecursionArgs),
    /// Local slopes of log(P − P∞) per decade of the ODE, beside the predicted slopes (E3).
    Slopes(SlopesArgs),
    /// Compute-optimal frontier over a grid of d: exponents η (loss) and ξ (size), E4.
    Frontier(FrontierArgs),
    /// The (α, β) plane coloured by phase, with the predicted exponents.
    Phases(PhasesArgs),
}

/// The problem (α, β, d, v, B, seed) and the optimizers.
#[derive(Args, Clone, Debug)]
pub struct ProblemArgs {
    /// Data exponent α > 0 (Var x_j = j^{-2α}).
    #[arg(long)]
    alpha: f64,
    /// Target exponent β (b_j = j^{-β}).
    #[arg(long)]
    beta: f64,
    /// Number of parameters d.
    #[arg(long, value_parser = parse_count)]
    d: u64,
    /// Ambient dimension v ≥ d [default: 4d].
    #[arg(long, value_parser = parse_count)]
    v: Option<u64>,
    /// Batch size B (gradients are batch means).
    #[arg(long, default_value = "1", value_parser = parse_count)]
    batch: u64,
    /// Seed of the instance W and of the batches.
    #[arg(long, default_value = "0")]
    seed: u64,
    #[command(flatten)]
    optimizers: OptimizerArgs,
}

/// The optimizer presets and their hyperparameter overrides.
#[derive(Args, Clone, Debug)]
pub struct OptimizerArgs {
    /// Comma-separated presets.
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    optimizer: Vec<Preset>,
    /// γ1 (constant) [preset: 1, SGD 0].
    #[arg(long)]
    gamma1: Option<f64>,
    /// γ2 (constant) [preset: 0.5·min(1, B/tr); SGD-M half of it]. The preset γ3 follows it.
    #[arg(long)]
    gamma2: Option<f64>,
    /// γ3 at t = 0, the scale of γ3(t) = γ3·(1+t)^{-κ3} [DANA-constant 0.5·γ2/d, DANA-decaying 0.5·γ2, SGD-M Δ·γ2].
    #[arg(long)]
    gamma3: Option<f64>,
    /// κ3, the decay exponent of γ3 [DANA-decaying 1/(2α), others 0].
    #[arg(long)]
    kappa3: Option<f64>,
    /// δ of Δ(t) [DANA 4 + (α+β)/α; SGD-M: the constant Δ = 0.1].
    #[arg(long)]
    delta: Option<f64>,
    /// Δ(t) = δ/(δ+t) (delta-plus-t), δ/(1+t) (one-plus-t) or δ (constant) [DANA delta-plus-t, SGD-M constant].
    #[arg(long, value_name = "CONVENTION")]
    delta_convention: Option<DeltaConvention>,
    /// Baselines' rate [adam 1e-4; adam-cosine peak 0.01; schedule-free-sgd γ: SGD's; adana γ* 1e-3].
    #[arg(long)]
    lr: Option<f64>,
    /// Adam's β1 [0.9].
    #[arg(long)]
    beta1: Option<f64>,
    /// Adam's β2 [0.999].
    #[arg(long)]
    beta2: Option<f64>,
    /// ε of Adam and ADana [1e-8].
    #[arg(long)]
    epsilon: Option<f64>,
    /// T of adam-cosine's decay [the run length].
    #[arg(long, value_parser = parse_count)]
    decay_steps: Option<u64>,
    /// β of schedule-free-sgd: gradients at (1−β)z + βx [0.9].
    #[arg(long)]
    sf_beta: Option<f64>,
    /// ADana's κ: Nesterov factor (1+t)^{1−κ} [0.85]. ADana's δ is --delta [8].
    #[arg(long)]
    kappa: Option<f64>,
    /// ADana's ω: weight decay ω/(1 + (t+1)/τ) [4].
    #[arg(long)]
    omega: Option<f64>,
    /// ADana's τ [1].
    #[arg(long)]
    wd_timescale: Option<f64>,
}

/// The flags of the quantities the PLRF library names (the rest are `--` and the name with
/// `-` for `_`).
const FLAGS: &[(&str, &str)] = &[
    ("t_max", "--t-max"),
    ("d_grid", "--d-grid"),
    ("f_range", "--f-range"),
    ("fit_range", "--fit-range"),
    ("delta_convention", "--delta-convention"),
];

/// A PLRF library error as the user sees it: each quantity named by its flag, and the
/// flags that fix an unstable step size or a reference mismatch.
fn cli(e: plrf::Error) -> BoxError {
    match &e {
        plrf::Error::Unstable { .. } => {
            format!("{e}; lower --gamma2/--gamma3 (or pass --force to run anyway)").into()
        }
        plrf::Error::RepeatedOptimizer(_) => format!("{e} in --optimizer").into(),
        plrf::Error::EmpiricalLimitLoss => {
            "--limit-loss empirical needs --spectrum empirical".into()
        }
        plrf::Error::FitRange { fit, computed } => format!(
            "--fit-range {:e},{:e} must lie within the computed compute range {:e},{:e} (--f-range)",
            fit.0, fit.1, computed.0, computed.1
        )
        .into(),
        plrf::Error::NoOde(_) => format!("{e} (plrf simulate)").into(),
        plrf::Error::ParameterBasis(_) => format!("{e} (--sampler exact or --sampler rotated)").into(),
        plrf::Error::ReferenceOptimizer(_) => format!("{e} (add it to --optimizer)").into(),
        _ => flagged::<plrf::Error>(FLAGS)(e),
    }
}

/// [`cli`] for the range errors the library reports alone.
fn cli_invalid(e: lab::error::Invalid) -> BoxError {
    cli(e.into())
}

/// `--limit-loss`: official, exact, empirical or a number ≥ 0.
fn parse_limit_loss(s: &str) -> Result<LimitLoss, String> {
    use clap::ValueEnum;
    if let Ok(mode) = LimitLossMode::from_str(s, false) {
        return Ok(LimitLoss::Theory(mode));
    }
    if s == "empirical" {
        return Ok(LimitLoss::Empirical);
    }
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(LimitLoss::Value(x)),
        _ => Err(format!(
            "invalid limit loss '{s}' (choose official, exact, empirical or a number ≥ 0)"
        )),
    }
}

impl OptimizerArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            gamma1: self.gamma1,
            gamma2: self.gamma2,
            gamma3: self.gamma3,
            kappa3: self.kappa3,
            delta: self.delta,
            delta_convention: self.delta_convention,
            lr: self.lr,
            beta1: self.beta1,
            beta2: self.beta2,
            epsilon: self.epsilon,
            decay_steps: self.decay_steps,
            sf_beta: self.sf_beta,
            kappa: self.kappa,
            omega: self.omega,
            wd_timescale: self.wd_timescale,
        }
    }
}

/// Accepts whole numbers written plainly or in scientific notation (1e5), from 0 to 9·10¹⁵
/// (exact in f64), and says which of those conditions a value breaks.
fn parse_count(s: &str) -> Result<u64, String> {
    let x: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if !x.is_finite() {
        Err(format!("'{s}' is not finite"))
    } else if x < 0.0 {
        Err(format!("'{s}' is negative (a count is ≥ 0)"))
    } else if x.fract() != 0.0 {
        Err(format!("'{s}' is not a whole number"))
    } else if x > 9.0e15 {
        Err(format!("'{s}' is too large (at most 9e15)"))
    } else {
        Ok(x as u64)
    }
}

impl ProblemArgs {
    /// Refuses a run whose memory estimate does not fit, from the flags alone (before the
    /// problem's O(v) set-up).
    fn check_memory(&self, footprint: Footprint, ctx: &Ctx) -> Result<(), BoxError> {
        let optimizers = self.optimizers.optimizer.len();
        let v = self.v.unwrap_or(4 * self.d);
        ctx.memory(experiment::memory_bytes(
            v as usize,
            self.d as usize,
            optimizers,
            footprint,
        ))
    }

    /// The validated problem and optimizers; an unstable step size only warns with --force.
    fn setup(&self, ctx: &Ctx) -> Result<Setup, BoxError> {
        let v = self.v.unwrap_or(4 * self.d);
        let problem = Problem::new(self.alpha, self.beta, v as usize, self.d as usize)
            .map_err(cli_invalid)?;
        let o = &self.optimizers;
        Setup::new(
            problem,
            self.batch as usize,
            self.seed,
            &o.optimizer,
            &o.overrides(),
            ctx.force,
        )
        .map_err(cli)
    }
}

/// Where the recursion and ODE take λ, ρ and P∞ from.
#[derive(Args, Clone, Debug)]
pub struct SpectrumArgs {
    /// λ and ρ from theory (j^{-2α}, j^{-2β} + c_β/d) or from the SVD of one W (--seed).
    #[arg(long, default_value = "theory", value_name = "theory|empirical")]
    spectrum: SpectrumSource,
    /// P∞: theory formula as the official code (official) or solved exactly (exact), the
    /// instance's own (empirical, with --spectrum empirical), or a number.
    #[arg(
        long,
        default_value = "official",
        value_name = "official|exact|empirical|NUMBER",
        value_parser = parse_limit_loss
    )]
    limit_loss: LimitLoss,
}

#[derive(Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    problem: ProblemArgs,
    /// Steps N (logged at unique(⌊1.1^k⌋) ∪ {0, N}).
    #[arg(long, default_value = "1e5", value_parser = parse_count)]
    steps: u64,
    /// Number of independent runs K.
    #[arg(long, default_value = "1", value_parser = parse_count)]
    seeds: u64,
    /// eigen (O(B·d)/step, exact in distribution), exact (O(B·v·d)/step), rotated (eigenbasis draws rotated into
    /// the parameter basis: O(B·d²)/step, exact in distribution, for adam, adam-cosine, adana) or theory inputs
    /// (a different problem).
    #[arg(
        long,
        default_value = "eigen",
        value_name = "eigen|exact|rotated|theory"
    )]
    sampler: SamplerKind,
    /// Also solve the ODE with matching inputs and draw single runs against it (E1 figure).
    #[arg(long)]
    with_ode: bool,
    /// Log-time step Δs of the ODE (with --with-ode).
    #[arg(long, default_value = "0.01")]
    dt: f64,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct OdeArgs {
    #[command(flatten)]
    problem: ProblemArgs,
    #[command(flatten)]
    spectrum: SpectrumArgs,
    /// Final time t_max > 1.
    #[arg(long, default_value = "1e6")]
    t_max: f64,
    /// Log-time step Δs > 0; N = ⌈ln(t_max)/Δs⌉ grid points t_k = e^{kΔs} − 1.
    #[arg(long, default_value = "0.01")]
    dt: f64,
    /// Use the official approximate coefficients (drops O(λ²) terms).
    #[arg(long)]
    approximate: bool,
    /// Compare with a CSV `optimizer,t,risk` at the nearest grid points; exit 1 when a
    /// relative difference exceeds --tolerance.
    #[arg(long, value_name = "FILE")]
    reference: Option<PathBuf>,
    /// Largest accepted relative difference with --reference.
    #[arg(long, default_value = "1e-2")]
    tolerance: f64,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct RecursionArgs {
    #[command(flatten)]
    problem: ProblemArgs,
    #[command(flatten)]
    spectrum: SpectrumArgs,
    /// Steps N (logged at unique(⌊1.1^k⌋) ∪ {0, N}).
    #[arg(long, default_value = "1e5", value_parser = parse_count)]
    steps: u64,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct SlopesArgs {
    #[command(flatten)]
    problem: ProblemArgs,
    #[command(flatten)]
    spectrum: SpectrumArgs,
    /// Final time t_max > 1.
    #[arg(long, default_value = "1e9")]
    t_max: f64,
    /// Log-time step Δs > 0.
    #[arg(long, default_value = "0.01")]
    dt: f64,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct FrontierArgs {
    /// Data exponent α > 0.
    #[arg(long)]
    alpha: f64,
    /// Target exponent β.
    #[arg(long)]
    beta: f64,
    /// Batch size B.
    #[arg(long, default_value = "1", value_parser = parse_count)]
    batch: u64,
    #[command(flatten)]
    optimizers: OptimizerArgs,
    /// Model sizes d (v = 4d) [default: 200·2^i, i = 0..7].
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_count)]
    d_grid: Vec<u64>,
    /// Range of compute f = t·d·B (81 log-spaced values).
    #[arg(long, default_value = "1e5,1e13", value_name = "LO,HI", value_parser = parse_range)]
    f_range: (f64, f64),
    /// Window of f for the fits of log P* and log d* on log f.
    #[arg(long, default_value = "1e7,1e11", value_name = "LO,HI", value_parser = parse_range)]
    fit_range: (f64, f64),
    /// Log-time step Δs of the ODEs (each run to t_max = max f/(d·B)).
    #[arg(long, default_value = "0.01")]
    dt: f64,
    /// P∞ of the theory inputs: official or exact.
    #[arg(long, default_value = "official", value_name = "official|exact")]
    limit_loss: LimitLossMode,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct PhasesArgs {
    /// Range of α.
    #[arg(long, default_value = "0.05,2", value_name = "LO,HI", value_parser = parse_range)]
    alpha_range: (f64, f64),
    /// Range of β.
    #[arg(long, default_value = "0.05,2", value_name = "LO,HI", value_parser = parse_range)]
    beta_range: (f64, f64),
    /// Cells per axis of the map.
    #[arg(long, default_value = "200", value_parser = parse_count)]
    grid: u64,
    #[command(flatten)]
    output: OutputArgs,
}

/// Parses "LO,HI" with finite LO < HI.
fn parse_range(s: &str) -> Result<(f64, f64), String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let nums: Vec<f64> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    match nums[..] {
        [lo, hi] if parts.len() == 2 && lo.is_finite() && hi.is_finite() && lo < hi => Ok((lo, hi)),
        _ => Err(format!(
            "'{s}' is not a range LO,HI of two finite numbers with LO < HI"
        )),
    }
}

pub fn run(command: Cmd, ctx: &Ctx) -> Result<Outcome, BoxError> {
    match command {
        Cmd::Simulate(a) => simulate(a, ctx),
        Cmd::Ode(a) => ode(a, ctx),
        Cmd::Recursion(a) => recursion(a, ctx),
        Cmd::Slopes(a) => slopes(a, ctx),
        Cmd::Frontier(a) => frontier(a, ctx),
        Cmd::Phases(a) => phases(a, ctx),
    }
}

/// The config.json fields of a run on `setup`.
fn config(setup: &Setup, extra: serde_json::Value) -> serde_json::Value {
    json!({ "setup": setup, "settings": extra })
}

fn simulate(a: SimulateArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let settings = SimulateSettings {
        steps: a.steps,
        seeds: a.seeds,
        sampler: a.sampler,
        with_ode: a.with_ode.then_some(a.dt),
    };
    if a.with_ode {
        lab::error::positive("dt", a.dt).map_err(cli_invalid)?;
    }
    let ode_points = settings.with_ode.map_or(0, |dt| {
        OdeSettings {
            t_max: a.steps as f64,
            dt,
            batch: 1,
            approximate: false,
        }
        .points()
    });
    a.problem.check_memory(
        Footprint {
            instance: a.sampler != SamplerKind::Theory,
            ode_points,
        },
        ctx,
    )?;
    let setup = a.problem.setup(ctx)?;
    let basis: Vec<&str> = setup
        .optimizers
        .iter()
        .filter(|o| o.baseline.is_some_and(|b| b.per_coordinate()))
        .map(|o| o.name())
        .collect();
    let mut run = a
        .output
        .start("plrf simulate", config(&setup, json!(settings)), ctx)?;
    let work = setup.optimizers.len() as u64 * a.seeds * a.steps;
    let bar = ctx.bar(work, "plrf simulate");
    let sim = experiment::run_simulate(setup, settings, &|n| bar.inc(n)).map_err(cli)?;
    bar.finish_and_clear();
    warn(&sim.warnings);
    if !basis.is_empty() {
        eprintln!(
            "note: {} ran in the parameter basis ({} sampler)",
            basis.join(", "),
            a.sampler.name()
        );
    }
    run.print(&sim.decade_table(), &sim.table());
    run.csv("simulate.csv", &sim.table());
    run.csv("runs.csv", &sim.runs_table());
    if let Some(ode) = &sim.ode {
        run.csv("ode.csv", &ode.table());
    }
    run.figure("risk", &sim.figure("PLRF: simulated runs"))?;
    run.finish(&sim.summary())?;
    Ok(Outcome::Done)
}

/// Starts the output of an ODE run and solves the ODE of every optimizer with a progress bar.
fn solve_odes(
    command: &str,
    setup: Setup,
    spectrum: &SpectrumArgs,
    settings: OdeSettings,
    output: &OutputArgs,
    ctx: &Ctx,
) -> Result<(Run, Curves), BoxError> {
    let run = output.start(
        command,
        config(
            &setup,
            json!({ "spectrum": spectrum.spectrum, "limit_loss": spectrum.limit_loss, "ode": settings }),
        ),
        ctx,
    )?;
    let bar = ctx.bar(experiment::ode_work(&setup, &settings), command);
    let curves = experiment::run_ode(
        setup,
        spectrum.spectrum,
        spectrum.limit_loss,
        settings,
        &|n| bar.inc(n),
    )
    .map_err(cli)?;
    bar.finish_and_clear();
    warn(&curves.warnings);
    Ok((run, curves))
}

/// Validates the ODE settings and refuses an ODE run that cannot fit in memory, before the
/// problem is set up.
fn check_ode(
    problem: &ProblemArgs,
    spectrum: &SpectrumArgs,
    settings: &OdeSettings,
    ctx: &Ctx,
) -> Result<(), BoxError> {
    settings.validate().map_err(cli_invalid)?;
    problem.check_memory(
        Footprint {
            instance: spectrum.spectrum == SpectrumSource::Empirical,
            ode_points: settings.points(),
        },
        ctx,
    )
}

fn ode(a: OdeArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let settings = OdeSettings {
        t_max: a.t_max,
        dt: a.dt,
        batch: a.problem.batch as usize,
        approximate: a.approximate,
    };
    check_ode(&a.problem, &a.spectrum, &settings, ctx)?;
    let setup = a.problem.setup(ctx)?;
    lab::error::non_negative("tolerance", a.tolerance).map_err(cli_invalid)?;
    let reference = a
        .reference
        .as_deref()
        .map(read_reference)
        .transpose()
        .map_err(cli)?;
    let (run, curves) = solve_odes("plrf ode", setup, &a.spectrum, settings, &a.output, ctx)?;
    let mut outcome = Outcome::Done;
    let mut summary = curves.summary();
    match &reference {
        None => run.print(&curves.decade_table(), &curves.table()),
        Some(points) => {
            let rows = compare(points, &curves.curves).map_err(cli)?;
            let mut table = lab::table::Table::new([
                "optimizer",
                "t_reference",
                "t_grid",
                "risk_reference",
                "risk",
                "relative_difference",
            ]);
            for r in &rows {
                table.push(vec![
                    r.optimizer.as_str().into(),
                    r.t_reference.into(),
                    r.t_grid.into(),
                    r.risk_reference.into(),
                    r.risk.into(),
                    r.relative_difference.into(),
                ]);
            }
            run.print(&table, &table);
            let worst = rows
                .iter()
                .map(|r| r.relative_difference)
                .fold(0.0, f64::max);
            let pass = worst <= a.tolerance;
            eprintln!(
                "reference: {} points, largest relative difference {worst:.3e} ({} tolerance {:e})",
                rows.len(),
                if pass { "within" } else { "ABOVE" },
                a.tolerance
            );
            summary["reference"] = json!({ "points": rows, "max_relative_difference": worst, "tolerance": a.tolerance, "pass": pass });
            if !pass {
                outcome = Outcome::CheckFailed;
            }
        }
    }
    finish_curves(run, &curves, summary, "ode.csv", "PLRF: loss ODE")?;
    Ok(outcome)
}

fn recursion(a: RecursionArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    a.problem.check_memory(
        Footprint {
            instance: a.spectrum.spectrum == SpectrumSource::Empirical,
            ode_points: 0,
        },
        ctx,
    )?;
    let setup = a.problem.setup(ctx)?;
    let run = a.output.start(
        "plrf recursion",
        config(
            &setup,
            json!({ "spectrum": a.spectrum.spectrum, "limit_loss": a.spectrum.limit_loss, "steps": a.steps }),
        ),
        ctx,
    )?;
    let bar = ctx.bar(setup.optimizers.len() as u64 * a.steps, "plrf recursion");
    let curves = experiment::run_recursion(
        setup,
        a.spectrum.spectrum,
        a.spectrum.limit_loss,
        a.steps,
        &|n| bar.inc(n),
    )
    .map_err(cli)?;
    bar.finish_and_clear();
    warn(&curves.warnings);
    run.print(&curves.decade_table(), &curves.table());
    let summary = curves.summary();
    finish_curves(
        run,
        &curves,
        summary,
        "recursion.csv",
        "PLRF: exact moment recursion",
    )?;
    Ok(Outcome::Done)
}

/// Writes the curves, their figure and `summary`.
fn finish_curves(
    mut run: Run,
    curves: &Curves,
    summary: serde_json::Value,
    csv_name: &str,
    title: &str,
) -> Result<(), BoxError> {
    run.csv(csv_name, &curves.table());
    run.figure("risk", &curves.figure(title))?;
    run.finish(&summary)
}

fn slopes(a: SlopesArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let settings = OdeSettings {
        t_max: a.t_max,
        dt: a.dt,
        batch: a.problem.batch as usize,
        approximate: false,
    };
    check_ode(&a.problem, &a.spectrum, &settings, ctx)?;
    let setup = a.problem.setup(ctx)?;
    let (mut run, curves) =
        solve_odes("plrf slopes", setup, &a.spectrum, settings, &a.output, ctx)?;
    let rows = scaling::slope_rows(&curves);
    let table = scaling::slope_table(&rows);
    run.print(&table, &table);
    let names: Vec<String> = curves.curves.iter().map(|c| c.0.clone()).collect();
    run.csv("decade_slopes.csv", &table);
    run.csv("ode.csv", &curves.table());
    run.figure(
        "slopes",
        &scaling::slope_figure(&rows, &names, "Local slopes of log(P − P∞)"),
    )?;
    run.figure("risk", &curves.figure("PLRF: loss ODE"))?;
    run.finish(&json!({ "p_inf": curves.p_inf, "slopes": rows, "warnings": curves.warnings }))?;
    Ok(Outcome::Done)
}

fn frontier(a: FrontierArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    Problem::new(a.alpha, a.beta, 4, 1).map_err(cli_invalid)?;
    let presets = &a.optimizers.optimizer;
    plrf::optimizer::check_presets(presets).map_err(cli)?;
    let overrides = a.optimizers.overrides();
    experiment::check_overrides(&overrides).map_err(cli)?;
    let mut settings = FrontierSettings {
        dt: a.dt,
        batch: a.batch as usize,
        limit_loss: a.limit_loss,
        ..Default::default()
    };
    lab::error::require(a.batch >= 1, "batch", a.batch as f64, "at least 1")
        .map_err(cli_invalid)?;
    if !a.d_grid.is_empty() {
        settings.d_grid = a.d_grid.iter().map(|&d| d as usize).collect();
    }
    settings.compute_max = a.f_range.1;
    settings.f_range = a.f_range;
    settings.fit_range = a.fit_range;
    settings.validate().map_err(cli)?;
    let largest = settings.d_grid.iter().max().copied().unwrap_or(1);
    let ode = OdeSettings {
        t_max: settings.compute_max / largest as f64 / a.batch as f64,
        dt: a.dt,
        batch: settings.batch,
        approximate: false,
    };
    if ode.validate().is_err() {
        return Err(format!(
            "the top of --f-range ({:e}) must exceed the largest d ({largest}) times --batch ({}): raise it or lower the largest d",
            settings.compute_max, a.batch
        )
        .into());
    }
    // Every (optimizer, d) ODE may run at once: per mode 8 numbers, per grid point 2.
    let modes: usize = settings.d_grid.iter().sum();
    ctx.memory(
        8 * (presets.len() * (8 * modes + 2 * ode.points() * settings.d_grid.len())) as u64,
    )?;
    let mut run = a.output.start(
        "plrf frontier",
        json!({
            "alpha": a.alpha,
            "beta": a.beta,
            "optimizers": presets,
            "overrides": overrides,
            "settings": settings,
        }),
        ctx,
    )?;
    let bar = ctx.bar(
        (presets.len() * settings.d_grid.len()) as u64,
        "plrf frontier",
    );
    let fronts = frontiers(
        a.alpha,
        a.beta,
        presets,
        &overrides,
        &settings,
        ctx.force,
        &|n| bar.inc(n),
    )
    .map_err(cli)?;
    bar.finish_and_clear();
    for fr in fronts.iter().filter(|fr| fr.d_star_at_edge) {
        let edges = fr
            .envelope
            .edge_points(settings.fit_range, &settings.d_grid);
        warn(&[format!(
            "{}: d* is the smallest or largest d of --d-grid inside --fit-range at {} of its compute values (first f = {:.3e}); these exponents are not of the compute-optimal frontier: widen --d-grid or narrow --fit-range (d_star_at_edge: true)",
            fr.preset.name(),
            edges.len(),
            edges.first().copied().unwrap_or(f64::NAN)
        )]);
    }
    let table = scaling::frontier_table(&fronts);
    run.print(&table, &table);
    run.csv("exponents.csv", &table);
    run.csv("envelope.csv", &scaling::envelope_table(&fronts));
    run.figure(
        "frontier",
        &scaling::frontier_panels(&fronts, "Loss vs compute for each d, and the envelope"),
    )?;
    run.figure(
        "d_star",
        &scaling::d_star_figure(&fronts, "Compute-optimal model size d*(f)"),
    )?;
    run.finish(&scaling::frontier_json(&fronts))?;
    Ok(Outcome::Done)
}

fn phases(a: PhasesArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    if a.grid < 2 || a.grid > 2000 {
        return Err(format!("--grid must be between 2 and 2000 (got {})", a.grid).into());
    }
    let mut run = a.output.start(
        "plrf phases",
        json!({
            "alpha_range": a.alpha_range,
            "beta_range": a.beta_range,
            "grid": a.grid,
        }),
        ctx,
    )?;
    let table = plrf::phases::phase_table();
    run.print(&table, &table);
    run.csv("regions.csv", &table);
    run.figure(
        "phases",
        &plrf::phases::phase_map(a.alpha_range, a.beta_range, a.grid as usize),
    )?;
    run.finish(&table.to_json())?;
    Ok(Outcome::Done)
}
