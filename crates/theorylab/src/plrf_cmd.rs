//! `theorylab plrf simulate|ode|recursion`.

use crate::output::{commit, warn, OutputArgs};
use crate::Outcome;
use clap::{Args, Subcommand};
use lab::outdir::config_record;
use lab::system::{BoxError, System};
use plrf::experiment::{self, Curves, Setup, SimulateSettings};
use plrf::frontier::{frontiers, FrontierSettings};
use plrf::ode::OdeSettings;
use plrf::reference::{compare, read_reference};
use plrf::sampler::SamplerKind;
use plrf::scaling;
use plrf::schedule::DeltaConvention;
use plrf::spectrum::{LimitLoss, SpectrumSource};
use plrf::{Overrides, Problem};
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
    /// Comma-separated presets: sgd, sgd-m, dana-constant, dana-decaying.
    #[arg(long, value_name = "LIST")]
    optimizer: String,
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
    /// Run even when c·λ_max ≥ 2B/(B+1) at t = 0 (unstable step size); warns instead.
    #[arg(long)]
    force: bool,
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
        }
    }
}

/// Accepts integers written plainly or in scientific notation (1e5).
fn parse_count(s: &str) -> Result<u64, String> {
    let x: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if !(x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= 9.0e15) {
        return Err(format!("'{s}' is not a whole number ≥ 0"));
    }
    Ok(x as u64)
}

impl ProblemArgs {
    fn setup(&self) -> Result<Setup, String> {
        let v = self.v.unwrap_or(4 * self.d);
        let problem = Problem::new(self.alpha, self.beta, v as usize, self.d as usize)?;
        let o = &self.optimizers;
        Setup::new(
            problem,
            self.batch as usize,
            self.seed,
            &o.optimizer,
            &o.overrides(),
            o.force,
        )
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
        value_name = "official|exact|empirical|NUMBER"
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
    /// eigen (O(B·d)/step, exact in distribution), exact (O(B·v·d)/step) or theory inputs (a different problem).
    #[arg(long, default_value = "eigen", value_name = "eigen|exact|theory")]
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
    limit_loss: LimitLoss,
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

pub fn run(command: Cmd, quiet: bool) -> Result<Outcome, BoxError> {
    Ok(match command {
        Cmd::Simulate(a) => simulate(a, quiet),
        Cmd::Ode(a) => ode(a, quiet),
        Cmd::Recursion(a) => recursion(a, quiet),
        Cmd::Slopes(a) => slopes(a, quiet),
        Cmd::Frontier(a) => frontier(a, quiet),
        Cmd::Phases(a) => phases(a),
    }?)
}

fn config(command: &str, setup: &Setup, extra: serde_json::Value) -> serde_json::Value {
    config_record(command, json!({ "setup": setup, "settings": extra }))
}

fn simulate(a: SimulateArgs, quiet: bool) -> Result<Outcome, String> {
    let setup = a.problem.setup()?;
    let settings = SimulateSettings {
        steps: a.steps,
        seeds: a.seeds,
        sampler: a.sampler,
        with_ode: a.with_ode.then_some(a.dt),
    };
    if a.with_ode && !(a.dt.is_finite() && a.dt > 0.0) {
        return Err(format!("--dt must be a finite number > 0 (got {})", a.dt));
    }
    let work = setup.optimizers.len() as u64 * a.seeds * a.steps;
    let bar = lab::progress::bar(work, "plrf simulate", quiet);
    let cfg = config("plrf simulate", &setup, json!(settings));
    let sim = experiment::run_simulate(setup, settings, &|n| bar.inc(n))?;
    bar.finish_and_clear();
    warn(&sim.warnings);
    a.output.print(&sim.decade_table(), &sim.table());
    let mut dir = a.output.dir();
    if let Some(dir) = dir.as_mut() {
        dir.add_json("config.json", &cfg)?;
        dir.add_csv("simulate.csv", &sim.table());
        dir.add_csv("runs.csv", &sim.runs_table());
        if let Some(ode) = &sim.ode {
            dir.add_csv("ode.csv", &ode.table());
        }
        dir.add_json("summary.json", &sim.summary())?;
        dir.add_figure("risk", &sim.figure("PLRF: simulated runs"))?;
    }
    commit(dir)?;
    Ok(Outcome::Done)
}

/// Solves the ODE of every optimizer with a progress bar; returns the config record too.
fn solve_odes(
    command: &str,
    setup: Setup,
    spectrum: &SpectrumArgs,
    settings: OdeSettings,
    quiet: bool,
) -> Result<(serde_json::Value, Curves), String> {
    let bar = lab::progress::bar(experiment::ode_work(&setup, &settings), command, quiet);
    let cfg = config(
        command,
        &setup,
        json!({ "spectrum": spectrum.spectrum, "limit_loss": spectrum.limit_loss, "ode": settings }),
    );
    let curves = experiment::run_ode(
        setup,
        spectrum.spectrum,
        spectrum.limit_loss,
        settings,
        &|n| bar.inc(n),
    )?;
    bar.finish_and_clear();
    Ok((cfg, curves))
}

fn ode(a: OdeArgs, quiet: bool) -> Result<Outcome, String> {
    let setup = a.problem.setup()?;
    let settings = OdeSettings {
        t_max: a.t_max,
        dt: a.dt,
        batch: setup.batch,
        approximate: a.approximate,
    };
    settings.validate()?;
    if !(a.tolerance.is_finite() && a.tolerance >= 0.0) {
        return Err(format!(
            "--tolerance must be a finite number ≥ 0 (got {})",
            a.tolerance
        ));
    }
    let reference = a.reference.as_deref().map(read_reference).transpose()?;
    let (cfg, curves) = solve_odes("plrf ode", setup, &a.spectrum, settings, quiet)?;
    let mut outcome = Outcome::Done;
    let mut summary = curves.summary();
    match &reference {
        None => a.output.print(&curves.decade_table(), &curves.table()),
        Some(points) => {
            let rows = compare(points, &curves.curves)?;
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
            a.output.print(&table, &table);
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
    warn(&curves.warnings);
    write_curves(
        &a.output,
        &cfg,
        &curves,
        summary,
        "ode.csv",
        "PLRF: loss ODE",
    )?;
    Ok(outcome)
}

fn recursion(a: RecursionArgs, quiet: bool) -> Result<Outcome, String> {
    let setup = a.problem.setup()?;
    let bar = lab::progress::bar(
        setup.optimizers.len() as u64 * a.steps,
        "plrf recursion",
        quiet,
    );
    let cfg = config(
        "plrf recursion",
        &setup,
        json!({ "spectrum": a.spectrum.spectrum, "limit_loss": a.spectrum.limit_loss, "steps": a.steps }),
    );
    let curves = experiment::run_recursion(
        setup,
        a.spectrum.spectrum,
        a.spectrum.limit_loss,
        a.steps,
        &|n| bar.inc(n),
    )?;
    bar.finish_and_clear();
    warn(&curves.warnings);
    a.output.print(&curves.decade_table(), &curves.table());
    write_curves(
        &a.output,
        &cfg,
        &curves,
        curves.summary(),
        "recursion.csv",
        "PLRF: exact moment recursion",
    )?;
    Ok(Outcome::Done)
}

fn write_curves(
    output: &OutputArgs,
    cfg: &serde_json::Value,
    curves: &Curves,
    summary: serde_json::Value,
    csv_name: &str,
    title: &str,
) -> Result<(), String> {
    let mut dir = output.dir();
    if let Some(dir) = dir.as_mut() {
        dir.add_json("config.json", cfg)?;
        dir.add_csv(csv_name, &curves.table());
        dir.add_json("summary.json", &summary)?;
        dir.add_figure("risk", &curves.figure(title))?;
    }
    commit(dir)
}

fn slopes(a: SlopesArgs, quiet: bool) -> Result<Outcome, String> {
    let setup = a.problem.setup()?;
    let settings = OdeSettings {
        t_max: a.t_max,
        dt: a.dt,
        batch: setup.batch,
        approximate: false,
    };
    settings.validate()?;
    let (cfg, curves) = solve_odes("plrf slopes", setup, &a.spectrum, settings, quiet)?;
    warn(&curves.warnings);
    let rows = scaling::slope_rows(&curves);
    let table = scaling::slope_table(&rows);
    a.output.print(&table, &table);
    let mut dir = a.output.dir();
    if let Some(dir) = dir.as_mut() {
        let names: Vec<String> = curves.curves.iter().map(|c| c.0.clone()).collect();
        dir.add_json("config.json", &cfg)?;
        dir.add_csv("decade_slopes.csv", &table);
        dir.add_csv("ode.csv", &curves.table());
        dir.add_json(
            "summary.json",
            &json!({ "p_inf": curves.p_inf, "slopes": rows, "warnings": curves.warnings }),
        )?;
        dir.add_figure(
            "slopes",
            &scaling::slope_figure(&rows, &names, "Local slopes of log(P − P∞)"),
        )?;
        dir.add_figure("risk", &curves.figure("PLRF: loss ODE"))?;
    }
    commit(dir)?;
    Ok(Outcome::Done)
}

fn frontier(a: FrontierArgs, quiet: bool) -> Result<Outcome, String> {
    Problem::new(a.alpha, a.beta, 4, 1)?;
    let presets = plrf::optimizer::parse_presets(&a.optimizers.optimizer)?;
    let overrides = a.optimizers.overrides();
    experiment::check_overrides(&overrides)?;
    let limit_loss = match a.limit_loss {
        LimitLoss::Theory(mode) => mode,
        _ => return Err("plrf frontier takes --limit-loss official or exact".into()),
    };
    let mut settings = FrontierSettings {
        dt: a.dt,
        batch: a.batch as usize,
        limit_loss,
        ..Default::default()
    };
    if a.batch == 0 {
        return Err("--batch must be at least 1".into());
    }
    if !a.d_grid.is_empty() {
        settings.d_grid = a.d_grid.iter().map(|&d| d as usize).collect();
    }
    settings.compute_max = a.f_range.1;
    settings.f_range = a.f_range;
    settings.fit_range = a.fit_range;
    OdeSettings {
        t_max: settings.compute_max
            / settings.d_grid.iter().max().copied().unwrap_or(1) as f64
            / a.batch as f64,
        dt: a.dt,
        batch: settings.batch,
        approximate: false,
    }
    .validate()
    .map_err(|e| format!("{e}: raise the top of --f-range or lower the largest d"))?;
    let bar = lab::progress::bar(
        (presets.len() * settings.d_grid.len()) as u64,
        "plrf frontier",
        quiet,
    );
    let fronts = frontiers(
        a.alpha,
        a.beta,
        &presets,
        &overrides,
        &settings,
        a.optimizers.force,
        &|n| bar.inc(n),
    )?;
    bar.finish_and_clear();
    let table = scaling::frontier_table(&fronts);
    a.output.print(&table, &table);
    let mut dir = a.output.dir();
    if let Some(dir) = dir.as_mut() {
        dir.add_json(
            "config.json",
            &config_record(
                "plrf frontier",
                json!({
                    "alpha": a.alpha,
                    "beta": a.beta,
                    "optimizers": presets,
                    "overrides": overrides,
                    "settings": settings,
                }),
            ),
        )?;
        dir.add_csv("exponents.csv", &table);
        dir.add_csv("envelope.csv", &scaling::envelope_table(&fronts));
        dir.add_json("summary.json", &table.to_json())?;
        dir.add_figure(
            "frontier",
            &scaling::frontier_panels(&fronts, "Loss vs compute for each d, and the envelope"),
        )?;
        dir.add_figure(
            "d_star",
            &scaling::d_star_figure(&fronts, "Compute-optimal model size d*(f)"),
        )?;
    }
    commit(dir)?;
    Ok(Outcome::Done)
}

fn phases(a: PhasesArgs) -> Result<Outcome, String> {
    if a.grid < 2 || a.grid > 2000 {
        return Err(format!(
            "--grid must be between 2 and 2000 (got {})",
            a.grid
        ));
    }
    let table = plrf::phases::phase_table();
    a.output.print(&table, &table);
    let mut dir = a.output.dir();
    if let Some(dir) = dir.as_mut() {
        let map = plrf::phases::phase_map(a.alpha_range, a.beta_range, a.grid as usize);
        dir.add_json(
            "config.json",
            &config_record(
                "plrf phases",
                json!({
                    "alpha_range": a.alpha_range,
                    "beta_range": a.beta_range,
                    "grid": a.grid,
                }),
            ),
        )?;
        dir.add_csv("regions.csv", &table);
        dir.add_json("summary.json", &table.to_json())?;
        dir.add_figure("phases", &map)?;
    }
    commit(dir)?;
    Ok(Outcome::Done)
}
