//! Performance measurements of the samplers and the ODE (spec §8 item 16), reported by
//! `theorylab bench plrf`.

use crate::error::Error;
use crate::normals::SamplerRng;
use crate::ode::{solve_ode, OdeSettings};
use crate::optimizer::{momentum_step, Overrides, Preset, PresetContext};
use crate::problem::{Instance, Problem};
use crate::sampler::{batch_gradient, EigenSampler, ExactSampler, Sampler};
use crate::spectrum::Spectrum;
use crate::theory::LimitLossMode;
use lab::seed::Seed;
use lab::system::BenchTable;
use lab::table::Table;
use std::time::Instant;

/// Seconds per step of DANA-decaying (B = 1) on `sampler`, over `steps` steps.
pub fn seconds_per_step(sampler: &dyn Sampler, alpha: f64, beta: f64, tr: f64, steps: u64) -> f64 {
    let d = sampler.dim();
    let ctx = PresetContext {
        alpha,
        beta,
        d,
        batch: 1,
        tr,
    };
    let opt = Preset::DanaDecaying.build(&ctx, &Overrides::default());
    let mut rng = SamplerRng::new(Seed(0).stream("bench", 0));
    let (mut theta, mut m, mut g, mut a) = (vec![0.0; d], vec![0.0; d], vec![0.0; d], vec![0.0; d]);
    let mut scratch = sampler.scratch();
    let start = Instant::now();
    for k in 0..steps {
        batch_gradient(sampler, &theta, 1, &mut rng, &mut a, &mut scratch, &mut g);
        momentum_step(&mut theta, &mut m, &g, opt.hyper.at(k as f64));
    }
    let secs = start.elapsed().as_secs_f64() / steps as f64;
    assert!(sampler.risk(&theta).is_finite(), "benchmark run diverged");
    secs
}

/// Per-step seconds of the eigenbasis and exact samplers at (d, v = 4d), α = 1, β = 0.5: the
/// fastest of three runs of a third of the steps each (the least disturbed by other work on
/// the machine).
pub fn sampler_step_times(
    d: usize,
    eigen_steps: u64,
    exact_steps: u64,
) -> Result<(f64, f64), Error> {
    let problem = Problem::new(1.0, 0.5, 4 * d, d)?;
    let inst = Instance::draw(problem, Seed(0));
    let eig = inst.eigen(faer::Par::Seq)?;
    let tr = problem.trace();
    let fastest = |sampler: &dyn Sampler, steps: u64| {
        (0..3)
            .map(|_| seconds_per_step(sampler, 1.0, 0.5, tr, steps.div_ceil(3)))
            .fold(f64::INFINITY, f64::min)
    };
    let eigen = fastest(&EigenSampler::from_eigen(&eig), eigen_steps);
    let exact = fastest(&ExactSampler::new(&inst, &eig), exact_steps);
    Ok((eigen, exact))
}

/// Wall seconds of one full DANA-decaying ODE solve with theory inputs (α = 1, β = 0.3).
pub fn ode_seconds(d: usize, t_max: f64, dt: f64) -> Result<f64, Error> {
    let problem = Problem::new(1.0, 0.3, 4 * d, d)?;
    let start = Instant::now();
    let spectrum = Spectrum::theory(&problem, LimitLossMode::Official);
    let ctx = PresetContext {
        alpha: 1.0,
        beta: 0.3,
        d,
        batch: 1,
        tr: problem.trace(),
    };
    let opt = Preset::DanaDecaying.build(&ctx, &Overrides::default());
    let settings = OdeSettings {
        t_max,
        dt,
        batch: 1,
        approximate: false,
    };
    let curve = solve_ode(&spectrum, &opt.hyper, &settings, &|_| {});
    if curve.diverged_at.is_some() {
        return Err(Error::Diverged("benchmark ODE"));
    }
    Ok(start.elapsed().as_secs_f64())
}

/// Wall seconds of the E4 frontier (SGD, DANA-constant, DANA-decaying; 8 sizes; spec
/// settings) at (α, β) = (1, 0.3), and the exponents it measured (to check it ran).
pub fn frontier_seconds() -> Result<f64, Error> {
    let start = Instant::now();
    let presets = [Preset::Sgd, Preset::DanaConstant, Preset::DanaDecaying];
    let settings = crate::frontier::FrontierSettings::default();
    let fronts = crate::frontier::frontiers(
        1.0,
        0.3,
        &presets,
        &Overrides::default(),
        &settings,
        false,
        &|_| {},
    )?;
    if fronts.iter().any(|f| f.fit.is_none()) {
        return Err(Error::NoFit("benchmark frontier"));
    }
    Ok(start.elapsed().as_secs_f64())
}

/// Progress units of [`bench_table`].
pub const BENCH_WORK: u64 = 7;

/// The official code's steady-state figures (issue 15, measured on this machine kind: JAX 0.10.2
/// on CPU, float32, a jitted `lax.scan` of its DANA step with its own data oracle, after
/// compilation), the low end of each measured range: a step at d = 200, v = 800 (16–19 µs) and
/// at d = 500, v = 2000 (83–87 µs), in µs; the DANA-decaying loss ODE to t_max = 10¹² at
/// d = 10⁵ and 10⁶, in s.
pub const OFFICIAL: [(&str, f64); 4] = [
    ("step d=200", 16.0),
    ("step d=500", 83.0),
    ("ode d=1e5", 6.6),
    ("ode d=1e6", 105.9),
];

/// `theorylab bench plrf`: the samplers at (d, v) = (200, 800) and (500, 2000), B = 1, the ODE
/// at d = 10⁵ and 10⁶, t_max = 10¹², and the E4 frontier, against their targets and the
/// official code's steady-state figures ([`OFFICIAL`], the baseline column; ratio = official /
/// theorylab); `progress` is told each finished measurement.
pub fn bench_table(progress: &(dyn Fn(u64, &str) + Sync)) -> Result<Table, Error> {
    let official = |name: &str| OFFICIAL.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let mut table = BenchTable::default();
    for (d, eigen_steps, exact_steps) in [(200, 2_000_000, 5_000), (500, 1_000_000, 2_000)] {
        progress(0, &format!("samplers at d = {d}"));
        let (eigen, exact) = sampler_step_times(d, eigen_steps, exact_steps)?;
        progress(2, "");
        let baseline = official(&format!("step d={d}"));
        let size = format!("d={d}, v={}", 4 * d);
        let (eigen_target, exact_target) = if d == 200 {
            (Some(2.0), None)
        } else {
            (Some(1.5), Some(80.0))
        };
        table.row(
            format!("eigen sampler step, {size}"),
            eigen * 1e6,
            "µs",
            eigen_target,
            baseline,
        );
        table.row(
            format!("exact sampler step, {size}"),
            exact * 1e6,
            "µs",
            exact_target,
            baseline,
        );
    }
    for d in [100_000, 1_000_000] {
        progress(0, &format!("ODE at d = {d}"));
        let seconds = ode_seconds(d, 1e12, 0.01)?;
        progress(1, "");
        let name = if d == 100_000 { "1e5" } else { "1e6" };
        table.row(
            format!("ODE solve, DANA-decaying, d={name}, t_max=1e12, dt=0.01"),
            seconds,
            "s",
            Some(10.0),
            official(&format!("ode d={name}")),
        );
    }
    progress(0, "E4 frontier");
    let frontier = frontier_seconds()?;
    progress(1, "");
    table.row(
        "E4 frontier, 3 optimizers x 8 d, (1, 0.3)",
        frontier,
        "s",
        Some(60.0),
        None,
    );
    Ok(table.into_table())
}
