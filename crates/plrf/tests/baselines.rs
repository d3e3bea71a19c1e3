//! The baselines on PLRF (issue 15 §1): Adam normalises coordinates, so it depends on the
//! basis its coordinates are taken in; SGD does not.

use plrf::sampler::{EigenSampler, ExactSampler, Sampler};
use plrf::simulate::{simulate, SimSettings};
use plrf::{Instance, Overrides, Preset, PresetContext, Problem};

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
    // d = 20, v = 80: the eigenbasis sampler is exact in distribution, so SGD's mean risk after
    // 300 steps agrees on both (within 4 combined standard errors), while Adam run on the
    // eigenbasis coordinates differs from Adam on θ (the parameter basis) by more than 6.
    let problem = Problem::new(1.0, 0.3, 80, 20).unwrap();
    let instance = Instance::draw(problem, lab::seed::Seed(1));
    let eigen = instance.eigen(faer::Par::Seq).unwrap();
    let ctx = PresetContext {
        alpha: 1.0,
        beta: 0.3,
        d: 20,
        batch: 1,
        tr: problem.trace(),
    };
    let exact = ExactSampler::new(&instance, &eigen);
    let eig = EigenSampler::from_eigen(&eigen);
    let gap = |preset: Preset| {
        let (a, sa) = final_risk(&exact, preset, &ctx);
        let (b, sb) = final_risk(&eig, preset, &ctx);
        (a - b).abs() / (sa * sa + sb * sb).sqrt()
    };
    let sgd = gap(Preset::Sgd);
    let adam = gap(Preset::Adam);
    assert!(sgd < 4.0, "SGD differs by {sgd} standard errors");
    assert!(adam > 6.0, "Adam differs by only {adam} standard errors");
}
