//! Spec §8 items 4 and 5: the seed mean of simulations matches the exact moment
//! recursion, and the eigenbasis sampler matches the exact sampler, within stated
//! numbers of standard errors at every logged step.

use lab::grid::log_steps;
use lab::seed::Seed;
use plrf::recursion::moment_recursion;
use plrf::sampler::{EigenSampler, ExactSampler, Sampler};
use plrf::simulate::{simulate, SimSettings};
use plrf::{Instance, Optimizer, Overrides, Preset, PresetContext, Problem, Spectrum};

fn optimizers(problem: &Problem, batch: usize) -> Vec<Optimizer> {
    let ctx = PresetContext {
        alpha: problem.alpha,
        beta: problem.beta,
        d: problem.d,
        batch,
        tr: problem.trace(),
    };
    [Preset::Sgd, Preset::DanaDecaying]
        .iter()
        .map(|p| p.build(&ctx, &Overrides::default()))
        .collect()
}

#[test]
fn simulation_mean_matches_moment_recursion() {
    // d = 50, v = 200, α = 1, β = 0.3, B ∈ {1, 4}, SGD and DANA-decaying, 400 steps,
    // 8,000 seeds: |mean − recursion| ≤ 4 standard errors at every logged step.
    let problem = Problem::new(1.0, 0.3, 200, 50).unwrap();
    let inst = Instance::draw(problem, Seed(21));
    let eig = inst.eigen(faer::Par::Seq).unwrap();
    let sampler = EigenSampler::from_eigen(&eig);
    let spectrum = Spectrum::empirical(&eig, eig.p_inf);
    let grid = log_steps(400, 1.1);
    for batch in [1, 4] {
        let opts = optimizers(&problem, batch);
        let settings = SimSettings {
            steps: 400,
            batch,
            seeds: 8000,
            seed: Seed(1),
        };
        let sims = simulate(&sampler, &opts, &settings, &grid, &|_| {});
        for (opt, sim) in opts.iter().zip(&sims) {
            let exact = moment_recursion(&spectrum, &opt.hyper, batch, &grid, &|_| {});
            let mean = sim.mean_curve();
            assert_eq!(mean.len(), exact.t.len());
            for (m, (&t, &r)) in mean.iter().zip(exact.t.iter().zip(&exact.risk)) {
                assert_eq!(m.t, t);
                if t == 0.0 {
                    assert!((m.mean - r).abs() < 1e-12 * r);
                    continue;
                }
                let z = (m.mean - r) / m.stderr;
                assert!(
                    z.abs() <= 4.0,
                    "{} B={batch} t={t}: mean {} vs {r}, z = {z:.2}",
                    opt.name(),
                    m.mean
                );
            }
        }
    }
}

fn samplers_agree(d: usize, seeds: u64, steps: u64) {
    let problem = Problem::new(1.0, 0.3, 4 * d, d).unwrap();
    let inst = Instance::draw(problem, Seed(8));
    let eig = inst.eigen(faer::Par::Seq).unwrap();
    let grid = log_steps(steps, 1.1);
    let opts = optimizers(&problem, 1);
    let run = |s: &dyn Sampler, seed| {
        let settings = SimSettings {
            steps,
            batch: 1,
            seeds,
            seed: Seed(seed),
        };
        simulate(s, &opts, &settings, &grid, &|_| {})
    };
    let eigen = run(&EigenSampler::from_eigen(&eig), 100);
    let exact = run(&ExactSampler::new(&inst, &eig), 200);
    for (a, b) in eigen.iter().zip(&exact) {
        for (p, q) in a.mean_curve().iter().zip(b.mean_curve()) {
            if p.t == 0.0 {
                assert!((p.mean - q.mean).abs() < 1e-10 * q.mean);
                continue;
            }
            let z = (p.mean - q.mean) / (p.stderr.powi(2) + q.stderr.powi(2)).sqrt();
            assert!(
                z.abs() <= 4.0,
                "{} t={}: {} vs {}, z = {z:.2}",
                a.optimizer,
                p.t,
                p.mean,
                q.mean
            );
        }
    }
}

#[test]
fn eigenbasis_and_exact_samplers_agree() {
    // Spec size: d = 100, v = 400, 1,000 seeds each, 10^3 steps, 4 combined standard errors.
    samplers_agree(100, 1000, 1000);
}
