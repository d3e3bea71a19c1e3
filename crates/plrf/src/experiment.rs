//! The runs behind `theorylab plrf simulate|ode|recursion`: a validated configuration in,
//! curves, tables, figures and summaries out. Every check on user input happens in
//! `prepare` before any work, so a refused run computes and writes nothing.

use crate::curve::Curve;
use crate::error::Error;
use crate::ode::{solve_ode, OdeSettings};
use crate::optimizer::{check_stability, Optimizer, Overrides, Preset, PresetContext};
use crate::problem::{Eigen, Instance, Problem};
use crate::recursion::moment_recursion;
use crate::sampler::{EigenSampler, ExactSampler, RotatedSampler, Sampler, SamplerKind};
use crate::schedule::Schedule;
use crate::simulate::{simulate, SimResult, SimSettings};
use crate::spectrum::{LimitLoss, Spectrum, SpectrumSource};
use crate::theory::LimitLossMode;
use lab::error::{finite, non_negative, positive, require};
use lab::grid::log_steps;
use lab::plot::{Axis, Figure, Rgb, Series, Style, VLine};
use lab::seed::Seed;
use lab::table::{Table, Value};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

/// Progress callback: called with the number of work units done since its last call.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// The problem and optimizer part shared by every PLRF command.
#[derive(Clone, Debug, Serialize)]
pub struct Setup {
    /// (α, β, v, d).
    pub problem: Problem,
    /// Batch size B.
    pub batch: usize,
    /// User seed (instance W and batches).
    pub seed: Seed,
    /// Resolved optimizers, in the order asked for.
    pub optimizers: Vec<Optimizer>,
    /// tr = Σ_{j≤v} j^{-2α}.
    pub tr: f64,
    /// Run even when the stability check fails.
    pub force: bool,
}

impl Setup {
    /// Validates the problem, batch and optimizer list, and resolves the presets.
    pub fn new(
        problem: Problem,
        batch: usize,
        seed: u64,
        optimizers: &[Preset],
        overrides: &Overrides,
        force: bool,
    ) -> Result<Setup, Error> {
        require(batch >= 1, "batch", batch as f64, "at least 1")?;
        check_overrides(overrides)?;
        crate::optimizer::check_presets(optimizers)?;
        let tr = problem.trace();
        let ctx = PresetContext {
            alpha: problem.alpha,
            beta: problem.beta,
            d: problem.d,
            batch,
            tr,
        };
        let resolved = optimizers
            .iter()
            .map(|p| p.build(&ctx, overrides))
            .collect();
        Ok(Setup {
            problem,
            batch,
            seed: Seed(seed),
            optimizers: resolved,
            tr,
            force,
        })
    }

    /// The stability check of every optimizer against λ_max; with `force`, violations
    /// become warnings.
    fn stability(&self, lambda_max: f64) -> Result<Vec<String>, Error> {
        let mut warnings = Vec::new();
        for opt in self.optimizers.iter().filter(|o| o.baseline.is_none()) {
            if let Err(e) = check_stability(opt, lambda_max, self.batch) {
                if !self.force {
                    return Err(e);
                }
                warnings.push(format!("{e} (running anyway, as forced)"));
            }
        }
        Ok(warnings)
    }

    fn instance(&self) -> Result<(Instance, Eigen), Error> {
        let inst = Instance::draw(self.problem, self.seed);
        // Sequential: setups run inside rayon loops, and results must not depend on threads.
        let eig = inst.eigen(faer::Par::Seq)?;
        Ok((inst, eig))
    }

    /// Refuses the baselines, which have no ODE or moment recursion.
    fn momentum_only(&self) -> Result<(), Error> {
        match self.optimizers.iter().find(|o| o.baseline.is_some()) {
            Some(o) => Err(Error::NoOde(o.name())),
            None => Ok(()),
        }
    }

    /// The ODE/recursion inputs for a spectrum source and limit-loss choice.
    fn spectrum(&self, source: SpectrumSource, limit: LimitLoss) -> Result<Spectrum, Error> {
        Ok(match source {
            SpectrumSource::Theory => {
                let p = &self.problem;
                let (lambda, rho) = crate::theory::theory_spectrum(p.alpha, p.beta, p.d);
                let p_inf = Spectrum::limit_loss(p, limit, None)?;
                Spectrum { lambda, rho, p_inf }
            }
            SpectrumSource::Empirical => {
                let (_, eig) = self.instance()?;
                let p_inf = Spectrum::limit_loss(&self.problem, limit, Some(&eig))?;
                Spectrum::empirical(&eig, p_inf)
            }
        })
    }
}

/// What a run holds in memory, for [`memory_bytes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Footprint {
    /// Whether it draws the instance W (v×d) and its eigendecomposition: an empirical
    /// spectrum, or the eigen or exact sampler.
    pub instance: bool,
    /// ODE grid points per optimizer (0 without an ODE).
    pub ode_points: usize,
}

/// Estimated peak memory in bytes of a run on a v×d problem with `optimizers` optimizers: W
/// and its decomposition (about 2·v·d + 3·d² numbers) and, per rayon thread, a block of
/// samples drawn ahead ((v + d)·[`SAMPLE_BLOCK`](crate::sampler::SAMPLE_BLOCK)) when drawn,
/// and per optimizer the ODE's per-mode state (8 numbers per mode) and curve. Cheap: it is
/// meant to refuse a run before anything is allocated or summed.
pub fn memory_bytes(v: usize, d: usize, optimizers: usize, footprint: Footprint) -> u64 {
    let (v, d) = (v as f64, d as f64);
    let instance = if footprint.instance {
        let threads = rayon::current_num_threads() as f64;
        2.0 * v * d + 3.0 * d * d + threads * (v + d) * crate::sampler::SAMPLE_BLOCK as f64
    } else {
        0.0
    };
    let per_optimizer = 8.0 * d + 2.0 * footprint.ode_points as f64;
    (8.0 * (instance + optimizers as f64 * per_optimizer)).min(u64::MAX as f64) as u64
}

/// Checks that every override is a finite number (and γ2 ≥ 0).
pub fn check_overrides(o: &Overrides) -> Result<(), Error> {
    let named = [
        ("gamma1", o.gamma1),
        ("gamma2", o.gamma2),
        ("gamma3", o.gamma3),
        ("kappa3", o.kappa3),
        ("delta", o.delta),
    ];
    for (name, value) in named {
        if let Some(x) = value {
            finite(name, x)?;
        }
    }
    if let Some(x) = o.gamma2 {
        non_negative("gamma2", x)?;
    }
    let unit = |name: &'static str, x: Option<f64>, closed: bool| match x {
        Some(x) => require(
            x >= 0.0 && (x < 1.0 || (closed && x == 1.0)),
            name,
            x,
            if closed { "in [0, 1]" } else { "in [0, 1)" },
        ),
        None => Ok(()),
    };
    unit("beta1", o.beta1, false)?;
    unit("beta2", o.beta2, false)?;
    unit("sf_beta", o.sf_beta, true)?;
    for (name, x) in [("lr", o.lr), ("wd_timescale", o.wd_timescale)] {
        x.map_or(Ok(()), |x| positive(name, x))?;
    }
    for (name, x) in [("epsilon", o.epsilon), ("omega", o.omega)] {
        x.map_or(Ok(()), |x| non_negative(name, x))?;
    }
    o.kappa.map_or(Ok(()), |x| finite("kappa", x))?;
    if let Some(t) = o.decay_steps {
        require(t >= 1, "decay_steps", t as f64, "at least 1")?;
    }
    Ok(())
}

/// Curves of several optimizers, with everything a report needs.
#[derive(Clone, Debug)]
pub struct Curves {
    /// The setup that produced them.
    pub setup: Setup,
    /// One curve per optimizer, in the setup's order.
    pub curves: Vec<(String, Curve)>,
    /// The limit loss the curves tend to (for log(P − P∞)).
    pub p_inf: f64,
    /// Stability and divergence warnings to print.
    pub warnings: Vec<String>,
}

impl Curves {
    fn new(
        setup: Setup,
        curves: Vec<(String, Curve)>,
        p_inf: f64,
        mut warnings: Vec<String>,
    ) -> Curves {
        for (name, curve) in &curves {
            if let Some(t) = curve.diverged_at {
                warnings.push(format!("{name} diverged at t = {t} (risk non-finite or above {:e}·P(0)); its curve stops there", crate::moments::DIVERGENCE_FACTOR));
            }
            for s in curve.decade_slopes(p_inf).iter().filter(|s| s.unstable) {
                warnings.push(format!(
                    "{name}: the loss rises on [{:e}, {:e}] (local slope of log(P − P∞) = {:+.3}): unstable, do not fit slopes there",
                    s.t_lo, s.t_hi, s.slope
                ));
            }
        }
        Curves {
            setup,
            curves,
            p_inf,
            warnings,
        }
    }

    /// Every point: columns `optimizer,t,risk`.
    pub fn table(&self) -> Table {
        let mut table = Table::new(["optimizer", "t", "risk"]);
        for (name, curve) in &self.curves {
            for (&t, &p) in curve.t.iter().zip(&curve.risk) {
                table.push(vec![name.as_str().into(), time(t), p.into()]);
            }
        }
        table
    }

    /// The points nearest t = 0 and 10^k (the E2 table): `optimizer,t_target,t,risk`.
    pub fn decade_table(&self) -> Table {
        let mut table = Table::new(["optimizer", "t_target", "t", "risk"]);
        for (name, curve) in &self.curves {
            for (target, i) in decade_points(curve) {
                table.push(vec![
                    name.as_str().into(),
                    time(target),
                    time(curve.t[i]),
                    curve.risk[i].into(),
                ]);
            }
        }
        table
    }

    /// Log-log risk curves, bold, with P∞ and the DANA-constant marker t = 1/γ3.
    pub fn figure(&self, title: &str) -> Figure {
        let mut fig = risk_figure(title);
        for (i, (name, curve)) in self.curves.iter().enumerate() {
            let points = curve.t.iter().cloned().zip(curve.risk.iter().cloned());
            fig.series.push(
                Series::line(points.collect())
                    .label(name.clone())
                    .color(Rgb::tab(i))
                    .style(Style::Bold),
            );
        }
        self.add_markers(&mut fig);
        fig
    }

    fn add_markers(&self, fig: &mut Figure) {
        if let Some(t_end) = self
            .curves
            .iter()
            .filter_map(|(_, c)| c.t.last())
            .cloned()
            .reduce(f64::max)
        {
            fig.series.push(
                Series::line(vec![(1.0, self.p_inf), (t_end, self.p_inf)])
                    .label(format!("P∞ = {:.4e}", self.p_inf))
                    .color(Rgb::GREY)
                    .style(Style::Dashed),
            );
        }
        for (i, opt) in self.setup.optimizers.iter().enumerate() {
            if let (Preset::DanaConstant, Schedule::PowerLaw { scale, .. }) =
                (opt.preset, opt.hyper.gamma3)
            {
                if scale > 0.0 {
                    fig.vlines.push(VLine {
                        x: 1.0 / scale,
                        label: Some(format!("1/γ3 ({})", opt.name())),
                        color: Rgb::tab(i),
                    });
                }
            }
        }
    }

    /// Per optimizer: final point, divergence and local slopes per decade.
    pub fn summary(&self) -> serde_json::Value {
        let per: Vec<_> = self
            .curves
            .iter()
            .map(|(name, c)| {
                json!({
                    "optimizer": name,
                    "final_t": c.t.last(),
                    "final_risk": c.risk.last(),
                    "diverged_at": c.diverged_at,
                    "decade_slopes": c.decade_slopes(self.p_inf),
                })
            })
            .collect();
        json!({ "p_inf": self.p_inf, "optimizers": per, "warnings": self.warnings })
    }
}

/// A time as a table value: steps (whole numbers) print as integers.
pub(crate) fn time(t: f64) -> Value {
    if t.fract() == 0.0 && t.abs() < 9.0e15 {
        Value::Int(t as i64)
    } else {
        Value::Float(t)
    }
}

/// Indices of the points nearest t = 0 and t = 10^k within the curve, with their targets.
fn decade_points(curve: &Curve) -> Vec<(f64, usize)> {
    let end = curve.t.last().copied().unwrap_or(0.0);
    let mut out = Vec::new();
    let mut target = 0.0;
    while target <= end * 1.05 {
        if let Some(i) = curve.nearest(target) {
            out.push((target, i));
        }
        target = if target == 0.0 { 1.0 } else { target * 10.0 };
    }
    out
}

/// `plrf ode`: the loss ODE of every optimizer (in parallel).
pub fn run_ode(
    setup: Setup,
    source: SpectrumSource,
    limit: LimitLoss,
    settings: OdeSettings,
    progress: Progress,
) -> Result<Curves, Error> {
    settings.validate()?;
    setup.momentum_only()?;
    let spectrum = setup.spectrum(source, limit)?;
    let warnings = setup.stability(spectrum.lambda_max())?;
    let curves = setup
        .optimizers
        .par_iter()
        .map(|o| {
            (
                o.name().to_string(),
                solve_ode(&spectrum, &o.hyper, &settings, progress),
            )
        })
        .collect();
    Ok(Curves::new(setup, curves, spectrum.p_inf, warnings))
}

/// Number of progress units `run_ode` reports in total.
pub fn ode_work(setup: &Setup, settings: &OdeSettings) -> u64 {
    (setup.optimizers.len() * settings.points()) as u64
}

/// `plrf recursion`: the exact expected risk E P(θ_k) on the logging grid.
pub fn run_recursion(
    setup: Setup,
    source: SpectrumSource,
    limit: LimitLoss,
    steps: u64,
    progress: Progress,
) -> Result<Curves, Error> {
    require(steps >= 1, "steps", steps as f64, "at least 1")?;
    setup.momentum_only()?;
    let spectrum = setup.spectrum(source, limit)?;
    let warnings = setup.stability(spectrum.lambda_max())?;
    let grid = log_steps(steps, 1.1);
    let curves = setup
        .optimizers
        .par_iter()
        .map(|o| {
            let c = moment_recursion(&spectrum, &o.hyper, setup.batch, &grid, progress);
            (o.name().to_string(), c)
        })
        .collect();
    Ok(Curves::new(setup, curves, spectrum.p_inf, warnings))
}

/// Settings of `plrf simulate`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct SimulateSettings {
    /// Steps N.
    pub steps: u64,
    /// Number of seeds K.
    pub seeds: u64,
    /// Sampler.
    pub sampler: SamplerKind,
    /// Also solve the ODE with matching inputs, with this Δs.
    pub with_ode: Option<f64>,
}

/// Result of `plrf simulate`.
#[derive(Clone, Debug)]
pub struct Simulation {
    /// Per optimizer, all seeded runs.
    pub results: Vec<SimResult>,
    /// The ODE curves with matching inputs, when asked for.
    pub ode: Option<Curves>,
    /// The P∞ of the simulated problem.
    pub p_inf: f64,
    /// Warnings to print.
    pub warnings: Vec<String>,
}

/// `plrf simulate`: seeded runs (in parallel over optimizers × seeds), and optionally the
/// ODE with the same inputs (empirical λ, ρ and P∞ of the instance for the eigen and exact
/// samplers; theory inputs for the theory sampler).
pub fn run_simulate(
    setup: Setup,
    s: SimulateSettings,
    progress: Progress,
) -> Result<Simulation, Error> {
    require(s.steps >= 1, "steps", s.steps as f64, "at least 1")?;
    require(s.seeds >= 1, "seeds", s.seeds as f64, "at least 1")?;
    if s.with_ode.is_some() {
        setup.momentum_only()?;
    }
    if !matches!(s.sampler, SamplerKind::Exact | SamplerKind::Rotated) {
        let eigenbasis = setup
            .optimizers
            .iter()
            .find(|o| o.baseline.is_some_and(|b| b.per_coordinate()));
        if let Some(o) = eigenbasis {
            return Err(Error::ParameterBasis(o.name()));
        }
    }
    let instance = match s.sampler {
        SamplerKind::Theory => None,
        _ => Some(setup.instance()?),
    };
    let sampler: Box<dyn Sampler + '_> = match &instance {
        None => Box::new(EigenSampler::from_spectrum(&setup.spectrum(
            SpectrumSource::Theory,
            LimitLoss::Theory(LimitLossMode::Official),
        )?)),
        Some((inst, eig)) => match s.sampler {
            SamplerKind::Exact => Box::new(ExactSampler::new(inst, eig)),
            SamplerKind::Rotated => Box::new(RotatedSampler::from_eigen(eig)),
            _ => Box::new(EigenSampler::from_eigen(eig)),
        },
    };
    let sampler = &*sampler;
    let mut warnings = setup.stability(sampler.lambda_max())?;
    let settings = SimSettings {
        steps: s.steps,
        batch: setup.batch,
        seeds: s.seeds,
        seed: setup.seed,
    };
    let grid = log_steps(s.steps, 1.1);
    let results = simulate(sampler, &setup.optimizers, &settings, &grid, progress);
    for r in &results {
        if let Some(t) = r.diverged_at() {
            warnings.push(format!(
                "{} diverged at step {t} in at least one seed; its curves stop there",
                r.optimizer
            ));
        }
    }
    let ode = match s.with_ode {
        None => None,
        Some(dt) => {
            let spectrum = match &instance {
                Some((_, eig)) => Spectrum::empirical(eig, eig.p_inf),
                None => Spectrum::theory(&setup.problem, LimitLossMode::Official),
            };
            let settings = OdeSettings {
                t_max: s.steps as f64,
                dt,
                batch: setup.batch,
                approximate: false,
            };
            settings.validate()?;
            let curves = setup
                .optimizers
                .par_iter()
                .map(|o| {
                    (
                        o.name().to_string(),
                        solve_ode(&spectrum, &o.hyper, &settings, &|_| {}),
                    )
                })
                .collect();
            Some(Curves::new(
                setup.clone(),
                curves,
                spectrum.p_inf,
                Vec::new(),
            ))
        }
    };
    Ok(Simulation {
        results,
        ode,
        p_inf: sampler.p_inf(),
        warnings,
    })
}

impl Simulation {
    /// Seed means: `optimizer,t,risk_mean,risk_stderr,seeds`.
    pub fn table(&self) -> Table {
        let mut table = Table::new(["optimizer", "t", "risk_mean", "risk_stderr", "seeds"]);
        for r in &self.results {
            for p in r.mean_curve() {
                table.push(vec![
                    r.optimizer.as_str().into(),
                    time(p.t),
                    p.mean.into(),
                    p.stderr.into(),
                    p.seeds.into(),
                ]);
            }
        }
        table
    }

    /// Seed means nearest t = 0 and 10^k, with the ODE beside them when it was solved.
    pub fn decade_table(&self) -> Table {
        let mut table = Table::new([
            "optimizer",
            "t",
            "risk_mean",
            "risk_stderr",
            "seeds",
            "risk_ode",
        ]);
        for (i, r) in self.results.iter().enumerate() {
            let mean = r.mean_curve();
            let curve = Curve {
                t: mean.iter().map(|p| p.t).collect(),
                risk: mean.iter().map(|p| p.mean).collect(),
                diverged_at: None,
            };
            for (_, k) in decade_points(&curve) {
                let p = mean[k];
                let ode = self.ode.as_ref().and_then(|o| {
                    let c = &o.curves[i].1;
                    c.nearest(p.t).map(|j| c.risk[j])
                });
                table.push(vec![
                    r.optimizer.as_str().into(),
                    time(p.t),
                    p.mean.into(),
                    p.stderr.into(),
                    p.seeds.into(),
                    Value::from(ode),
                ]);
            }
        }
        table
    }

    /// Every seed's curve: `optimizer,seed,t,risk`.
    pub fn runs_table(&self) -> Table {
        let mut table = Table::new(["optimizer", "seed", "t", "risk"]);
        for r in &self.results {
            for (s, c) in r.runs.iter().enumerate() {
                for (&t, &p) in c.t.iter().zip(&c.risk) {
                    table.push(vec![
                        r.optimizer.as_str().into(),
                        s.into(),
                        time(t),
                        p.into(),
                    ]);
                }
            }
        }
        table
    }

    /// The E1 figure: faded single runs, bold ODE curves (or bold seed means without ODE).
    pub fn figure(&self, title: &str) -> Figure {
        let mut fig = risk_figure(title);
        for (i, r) in self.results.iter().enumerate() {
            for c in &r.runs {
                let points = c.t.iter().cloned().zip(c.risk.iter().cloned());
                fig.series.push(
                    Series::line(points.collect())
                        .color(Rgb::tab(i))
                        .style(Style::Faded),
                );
            }
            let bold = match &self.ode {
                Some(o) => {
                    let c = &o.curves[i].1;
                    (
                        format!("{} (ODE)", r.optimizer),
                        c.t.iter().cloned().zip(c.risk.iter().cloned()).collect(),
                    )
                }
                None => (
                    format!("{} (mean of {} seeds)", r.optimizer, r.runs.len()),
                    r.mean_curve().iter().map(|p| (p.t, p.mean)).collect(),
                ),
            };
            fig.series.push(
                Series::line(bold.1)
                    .label(bold.0)
                    .color(Rgb::tab(i))
                    .style(Style::Bold),
            );
        }
        if let Some(o) = &self.ode {
            o.add_markers(&mut fig);
        }
        fig
    }

    /// Per optimizer: final mean, divergence, seeds.
    pub fn summary(&self) -> serde_json::Value {
        let per: Vec<_> = self
            .results
            .iter()
            .map(|r| {
                let mean = r.mean_curve();
                json!({
                    "optimizer": r.optimizer,
                    "seeds": r.runs.len(),
                    "final_t": mean.last().map(|p| p.t),
                    "final_risk_mean": mean.last().map(|p| p.mean),
                    "final_risk_stderr": mean.last().map(|p| p.stderr),
                    "diverged_at": r.diverged_at(),
                })
            })
            .collect();
        json!({ "p_inf": self.p_inf, "optimizers": per, "ode": self.ode.as_ref().map(Curves::summary), "warnings": self.warnings })
    }
}

/// An empty risk-versus-steps figure on log-log axes.
fn risk_figure(title: &str) -> Figure {
    Figure::new(
        title,
        Axis::log("t (steps)"),
        Axis::log("population risk P"),
    )
}
