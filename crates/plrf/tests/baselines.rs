//! The baselines on PLRF (issue 15 §1): Adam normalises coordinates, so it depends on the
//! basis its coordinates are taken in; SGD does not.

use plrf::sampler::{EigenSampler, ExactSampler, RotatedSampler, Sampler};
use plrf::simulate::{simulate, SimSettings};
use plrf::{Eigen, Instance, Overrides, Preset, PresetContext, Problem};

/// An instance at (α, β) = (1, 0.3), v = 4d, its eigendecomposition and the presets' context.
fn setup(d: usize, batch: usize, seed: u64) -> (Instance, Eigen, PresetContext) {
    let problem = Problem::new(1.0, 0.3, 4 * d, d).unwrap();
    let instance = Instance::draw(problem, lab::seed::Seed(seed));
    let eigen = instance.eigen(faer::Par::Seq).unwrap();
    let ctx = PresetContext {
        alpha: 1.0,
        beta: 0.3,
        d,
        batch,
        tr: problem.trace(),
    };
    (instance, eigen, ctx)
}

/// Mean and standard error over seeds of the final risk of `preset` on `sampler`.
fn final_risk(sampler: &dyn Sampler, preset: Preset, ctx: &PresetContext) -> (f64, f64) {
    let overrides = Overrides {
        lr: Some(0.02),
        ..Default::default()
    };
    let opt = preset.build(ctx, &overrides);
    let settings = SimSettings {
        steps: 300,
        batch: 1,
        seeds: 60,
        seed: lab::seed::Seed(3),
    };
    let result = simulate(sampler, &[opt], &settings, &[300], &|_| {});
    let last = result[0].mean_curve().pop().unwrap();
    (last.mean, last.stderr)
}

#[test]
fn adam_in_the_eigenbasis_is_another_algorithm_sgd_is_not() {
    // d = 20, v = 80. The eigenbasis and rotated samplers are exact in distribution, so SGD's
    // mean risk after 300 steps agrees on all three samplers, and Adam's on the exact and the
    // rotated one (parameter basis), within 4 combined standard errors; Adam run on the
    // eigenbasis coordinates differs from Adam on θ by more than 6.
    let (instance, eigen, ctx) = setup(20, 1, 1);
    let exact = ExactSampler::new(&instance, &eigen);
    let eig = EigenSampler::from_eigen(&eigen);
    let rotated = RotatedSampler::from_eigen(&eigen);
    let gap = |preset: Preset, other: &dyn Sampler| {
        let (a, sa) = final_risk(&exact, preset, &ctx);
        let (b, sb) = final_risk(other, preset, &ctx);
        (a - b).abs() / (sa * sa + sb * sb).sqrt()
    };
    for (name, gap) in [
        ("SGD, eigenbasis", gap(Preset::Sgd, &eig)),
        ("SGD, rotated", gap(Preset::Sgd, &rotated)),
        ("Adam, rotated", gap(Preset::Adam, &rotated)),
    ] {
        assert!(
            gap < 4.0,
            "{name} differs from exact by {gap} standard errors"
        );
    }
    let adam = gap(Preset::Adam, &eig);
    assert!(
        adam > 6.0,
        "eigenbasis Adam differs by only {adam} standard errors"
    );
}

#[test]
fn the_rotated_sampler_moves_a_rotation_invariant_method_along_the_rotated_path() {
    // Same draws: SGD and DANA on the rotated sampler are V times their eigenbasis paths, so
    // the risks agree at every logged step to rounding (1e-9 relative), over 2000 steps.
    let (_, eigen, ctx) = setup(30, 2, 2);
    let opts: Vec<_> = [Preset::Sgd, Preset::DanaDecaying, Preset::ScheduleFreeSgd]
        .iter()
        .map(|p| p.build(&ctx, &Overrides::default()))
        .collect();
    let settings = SimSettings {
        steps: 2000,
        batch: 2,
        seeds: 2,
        seed: lab::seed::Seed(5),
    };
    let grid = lab::grid::log_steps(2000, 1.1);
    let on_eigen = simulate(
        &EigenSampler::from_eigen(&eigen),
        &opts,
        &settings,
        &grid,
        &|_| {},
    );
    let on_rotated = simulate(
        &RotatedSampler::from_eigen(&eigen),
        &opts,
        &settings,
        &grid,
        &|_| {},
    );
    for (e, r) in on_eigen.iter().zip(&on_rotated) {
        for (ce, cr) in e.runs.iter().zip(&r.runs) {
            assert_eq!(ce.t, cr.t);
            for (a, b) in ce.risk.iter().zip(&cr.risk) {
                assert!(
                    (a - b).abs() <= 1e-9 * a.abs(),
                    "{}: {a} vs {b}",
                    e.optimizer
                );
            }
        }
    }
}
