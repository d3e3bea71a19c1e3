//! Spec §8 items 6, 7, 8 and 14: the loss ODE against the exact recursion, its
//! first-order convergence in Δs, its output conventions, and the instability guard.

use plrf::ode::{solve_ode, OdeSettings};
use plrf::recursion::moment_recursion;
use plrf::theory::LimitLossMode;
use plrf::{Curve, Optimizer, Overrides, Preset, PresetContext, Problem, Spectrum};

const DANA: [Preset; 3] = [Preset::Sgd, Preset::DanaConstant, Preset::DanaDecaying];

/// The E2 setting: α = 1, β = 0.3, d = 1000, v = 4000, theory inputs, official P∞.
fn e2() -> (Problem, Spectrum, Vec<Optimizer>) {
    let problem = Problem::new(1.0, 0.3, 4000, 1000).unwrap();
    let spectrum = Spectrum::theory(&problem, LimitLossMode::Official);
    let ctx = PresetContext {
        alpha: 1.0,
        beta: 0.3,
        d: 1000,
        batch: 1,
        tr: problem.trace(),
    };
    let opts = DANA
        .iter()
        .map(|p| p.build(&ctx, &Overrides::default()))
        .collect();
    (problem, spectrum, opts)
}

fn ode(spectrum: &Spectrum, opt: &Optimizer, t_max: f64, dt: f64) -> Curve {
    let settings = OdeSettings {
        t_max,
        dt,
        batch: 1,
        approximate: false,
    };
    solve_ode(spectrum, &opt.hyper, &settings, &|_| {})
}

#[test]
fn ode_tracks_the_exact_recursion() {
    // Item 6: relative gap ≤ 2% on [10², 10⁵] and ≤ 0.2% on [10³, 10⁵].
    let (_, spectrum, opts) = e2();
    let steps: Vec<u64> = (0..=100_000).collect();
    for opt in &opts {
        let rec = moment_recursion(&spectrum, &opt.hyper, 1, &steps, &|_| {});
        let sol = ode(&spectrum, opt, 1e5 + 1.0, 1e-2);
        let mut worst = [0.0f64; 2];
        for (&t, &p) in sol.t.iter().zip(&sol.risk) {
            if !(1e2..=1e5).contains(&t) {
                continue;
            }
            // Interpolate the recursion in log t between its neighbouring integer steps.
            let (lo, hi) = (t.floor(), t.ceil());
            let (plo, phi) = (rec.risk[lo as usize], rec.risk[hi as usize]);
            let r = if hi == lo {
                plo
            } else {
                let w = (t.ln() - lo.ln()) / (hi.ln() - lo.ln());
                (plo.ln() * (1.0 - w) + phi.ln() * w).exp()
            };
            let gap = (p - r).abs() / r;
            worst[0] = worst[0].max(gap);
            if t >= 1e3 {
                worst[1] = worst[1].max(gap);
            }
        }
        assert!(
            worst[0] <= 0.02,
            "{}: gap {:.4} on [1e2, 1e5]",
            opt.name(),
            worst[0]
        );
        assert!(
            worst[1] <= 0.002,
            "{}: gap {:.5} on [1e3, 1e5]",
            opt.name(),
            worst[1]
        );
    }
}

#[test]
fn ode_converges_at_first_order_in_the_log_step() {
    // Item 7: (P(Δs) − P(Δs/2)) / (P(Δs/2) − P(Δs/4)) = 2 ± 0.2 at the common grid
    // points nearest 10³, 10⁴, 10⁵.
    let (_, spectrum, opts) = e2();
    for opt in &opts {
        let runs: Vec<Curve> = [1e-2, 5e-3, 2.5e-3]
            .iter()
            .map(|&dt| ode(&spectrum, opt, 1e6, dt))
            .collect();
        for target in [1e3, 1e4, 1e5] {
            let k = runs[0].nearest(target).unwrap();
            let (a, b, c) = (runs[0].risk[k], runs[1].risk[2 * k], runs[2].risk[4 * k]);
            assert!(
                (runs[2].t[4 * k] / runs[0].t[k] - 1.0).abs() < 1e-9,
                "same time"
            );
            let ratio = (a - b) / (b - c);
            assert!(
                (ratio - 2.0).abs() <= 0.2,
                "{} t={target}: ratio {ratio}",
                opt.name()
            );
        }
    }
}

#[test]
fn ode_output_conventions() {
    // Item 8: entry 0 = P∞ + ½Σλρ; N = ⌈ln t_max/Δs⌉ entries at t_k = e^{kΔs} − 1.
    let (_, spectrum, opts) = e2();
    let sol = ode(&spectrum, &opts[2], 1e6, 1e-2);
    let p0 = spectrum.p_inf
        + 0.5
            * spectrum
                .lambda
                .iter()
                .zip(&spectrum.rho)
                .map(|(l, r)| l * r)
                .sum::<f64>();
    assert!((sol.risk[0] - p0).abs() <= 1e-14 * p0);
    assert_eq!(sol.t.len(), (1e6f64.ln() / 1e-2).ceil() as usize);
    for (k, &t) in sol.t.iter().enumerate() {
        assert!((t - ((k as f64) * 1e-2).exp() + 1.0).abs() <= 1e-12 * (1.0 + t));
    }
    // The output is P, not 2P: it tends to a level between P∞ and P(0).
    let last = *sol.risk.last().unwrap();
    assert!(last > spectrum.p_inf && last < 0.1 * p0);
}

#[test]
fn approximate_variant_error_is_first_order_in_the_step() {
    // `approximate` drops the b·c²λ² term of the ρ row (spec §3.8, b = (B+1)/B). For SGD
    // (c = γ2) that changes each mode's decay rate 2γ2λ by the relative amount (b/2)·γ2·λ, so
    // the noise-driven level ρ* = forcing/rate moves by exactly that fraction, and a decaying
    // mode's relative error (b/2)·γ2·λ·x after x = 2γ2λt units of progress is weighted by e^{-x}.
    // First order: the largest relative gap of P over the run is at most (b/2)·γ2·λ_max (10%
    // margin for the second-order terms) and proportional to γ2 (at least half of that bound).
    let (problem, spectrum, _) = e2();
    let ctx = PresetContext {
        alpha: 1.0,
        beta: 0.3,
        d: 1000,
        batch: 1,
        tr: problem.trace(),
    };
    let lambda_max = spectrum.lambda.iter().copied().fold(0.0, f64::max);
    let b = 2.0; // (B + 1)/B at B = 1
    let gap = |gamma2: Option<f64>| {
        let opt = Preset::Sgd.build(
            &ctx,
            &Overrides {
                gamma2,
                ..Default::default()
            },
        );
        let full = ode(&spectrum, &opt, 1e5, 1e-2);
        let settings = OdeSettings {
            t_max: 1e5,
            dt: 1e-2,
            batch: 1,
            approximate: true,
        };
        let approx = solve_ode(&spectrum, &opt.hyper, &settings, &|_| {});
        let gap = full
            .risk
            .iter()
            .zip(&approx.risk)
            .map(|(a, b)| (a - b).abs() / a)
            .fold(0.0, f64::max);
        (opt.hyper.at(0.0).g2, gap)
    };
    for gamma2 in [Some(1e-3), Some(1e-2), None] {
        let (g2, gap) = gap(gamma2);
        let bound = b / 2.0 * g2 * lambda_max;
        assert!(
            gap <= 1.1 * bound,
            "γ2 = {g2}: gap {gap} above the first-order bound {bound}"
        );
        assert!(
            gap >= 0.5 * bound,
            "γ2 = {g2}: gap {gap} not first order (bound {bound})"
        );
    }
}

#[test]
fn instability_guard_flags_late_dana_constant_only() {
    // Item 14: E3's DANA-constant at (0.75, 0.25) and (1.0, 0.3), d = 2·10⁴,
    // t_max = 10⁹, has a decade of positive local slope; SGD has none.
    for (alpha, beta) in [(0.75, 0.25), (1.0, 0.3)] {
        let d = 20_000;
        let problem = Problem::new(alpha, beta, 4 * d, d).unwrap();
        let spectrum = Spectrum::theory(&problem, LimitLossMode::Official);
        let ctx = PresetContext {
            alpha,
            beta,
            d,
            batch: 1,
            tr: problem.trace(),
        };
        for (preset, flagged) in [(Preset::DanaConstant, true), (Preset::Sgd, false)] {
            let opt = preset.build(&ctx, &Overrides::default());
            let sol = ode(&spectrum, &opt, 1e9, 1e-2);
            let unstable = sol.diverged_at.is_some()
                || sol.decade_slopes(spectrum.p_inf).iter().any(|s| s.unstable);
            assert_eq!(
                unstable,
                flagged,
                "{} at ({alpha}, {beta}): {:?}",
                opt.name(),
                sol.decade_slopes(spectrum.p_inf)
            );
        }
    }
}

#[test]
fn constant_step_sgd_levels_off_at_its_noise_floor_not_at_p_inf() {
    // d = 50, α = 1: the slowest mode λ = 1/2500 relaxes at rate ~2γ2λ ≈ 4e-4, so t = 1e6 is
    // stationary; the ODE's last point must equal the floor of `sgd_noise_floor` (an
    // independent closed form) to 1e-6, and lie visibly above P∞.
    let problem = Problem::new(1.0, 0.3, 200, 50).unwrap();
    let spectrum = Spectrum::theory(&problem, LimitLossMode::Official);
    let ctx = PresetContext {
        alpha: 1.0,
        beta: 0.3,
        d: 50,
        batch: 1,
        tr: problem.trace(),
    };
    let sgd = Preset::Sgd.build(&ctx, &Overrides::default());
    let settings = OdeSettings {
        t_max: 1e6,
        dt: 1e-3,
        batch: 1,
        approximate: false,
    };
    let curve = solve_ode(&spectrum, &sgd.hyper, &settings, &|_| {});
    let last = *curve.risk.last().unwrap();
    let gamma2 = sgd.hyper.at(0.0).g2;
    let floor = plrf::theory::sgd_noise_floor(&spectrum.lambda, gamma2, spectrum.p_inf).unwrap();
    assert!(
        (last / floor - 1.0).abs() < 1e-3,
        "ODE {last} vs floor {floor}"
    );
    assert!(
        floor > 1.2 * spectrum.p_inf,
        "floor {floor} vs P∞ {}",
        spectrum.p_inf
    );
}
