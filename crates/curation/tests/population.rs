//! Spec §8 items 1, 2, 4–11: the exact population dynamics (E1–E5) against brute force, closed
//! forms, the spec's reference tables and the theory's inequalities.

use curation::dynamics::{run_dynamics, DynamicsSettings};
use curation::examples::{grid8, ten_atoms, worked, ClippedBall, GridSpec};
use curation::experiments::{e1, e2, e3, e4, e5};
use curation::laplace::{self, Quadrature};
use curation::names::{Choices, Evaluator, RewardKind, Rule, Scale};
use curation::operator::{Levels, Operator, StepSettings};
use curation::reference;
use curation::support::Support;
use curation::theory;
use std::sync::OnceLock;

fn e1_result() -> &'static e1::E1Result {
    static R: OnceLock<e1::E1Result> = OnceLock::new();
    R.get_or_init(|| e1::run(&e1::E1Config::preset(Scale::Full)).unwrap())
}

fn e2_result() -> &'static e2::E2Result {
    static R: OnceLock<e2::E2Result> = OnceLock::new();
    R.get_or_init(|| e2::run(&e2::E2Config::preset(Scale::Full)).unwrap())
}

fn e3_result() -> &'static e3::E3Result {
    static R: OnceLock<e3::E3Result> = OnceLock::new();
    R.get_or_init(|| e3::run(&e3::E3Config::preset(Scale::Full)).unwrap())
}

fn e4_result() -> &'static e4::E4Result {
    static R: OnceLock<e4::E4Result> = OnceLock::new();
    R.get_or_init(|| e4::run(&e4::E4Config::preset(Scale::Full)).unwrap())
}

fn e5_result() -> &'static e5::E5Result {
    static R: OnceLock<e5::E5Result> = OnceLock::new();
    R.get_or_init(|| e5::run(&e5::E5Config::preset(Scale::Full)).unwrap())
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn settings(k: Choices, rule: Rule, lambda: f64, rounds: u32) -> DynamicsSettings {
    DynamicsSettings {
        step: StepSettings {
            k,
            rule,
            evaluator: Evaluator::Laplace,
            quadrature: Quadrature::default(),
        },
        lambda,
        rounds,
    }
}

/// All p_t of a run.
fn trajectory(support: &Support, s: &DynamicsSettings) -> Vec<Vec<f64>> {
    let mut ps = Vec::new();
    run_dynamics(support, s, |_, p| ps.push(p.to_vec())).unwrap();
    ps
}

// ---------------------------------------------------------------- item 1

#[test]
fn item1_three_evaluators_agree_within_1e10_on_worked_example_and_200_random_supports() {
    let r = e1_result();
    let supports: std::collections::BTreeSet<usize> =
        r.evaluators.iter().map(|x| x.support).collect();
    assert_eq!(supports.len(), 201, "worked example + 200 random supports");
    assert!(
        r.evaluators.iter().any(|x| x.reward_sd > 14.0),
        "the sweep reaches reward sd 15"
    );
    let mut ks = std::collections::BTreeSet::new();
    for row in &r.evaluators {
        ks.insert(row.k);
        assert!(row.reward.len() <= 5);
        // Brute force is the reference: the other two must agree with it to 1e-10.
        let d_levels = max_abs_diff(&row.h_levels, &row.h_brute);
        let d_laplace = max_abs_diff(&row.h_laplace, &row.h_brute);
        assert!(
            d_levels <= 1e-10 && d_laplace <= 1e-10,
            "support {} K = {}: {d_levels:e}, {d_laplace:e}",
            row.support,
            row.k
        );
    }
    assert_eq!(ks.into_iter().collect::<Vec<_>>(), vec![2, 3, 4]);
}

#[test]
fn item1_every_worked_example_value_of_the_spec_is_reproduced_to_1e8() {
    let rows = &e1_result().worked;
    assert!(rows.len() >= 39);
    for w in rows {
        assert!(w.tolerance <= 1e-8);
        assert!((w.value - w.reference).abs() <= w.tolerance, "{w:?}");
    }
}

#[test]
fn item1_fast_laplace_equals_the_plain_trapezoid_sum_on_the_grid() {
    // The node-skipping evaluator against the spec's plain sum over every node (same h), on the
    // E3 grid at p_0 and γ ∈ {1, 10}, K ∈ {2, 8, 100}: relative 1e-13.
    for gamma in [1.0, 10.0] {
        let grid = grid8(&GridSpec::default(), &ClippedBall::e3(gamma)).unwrap();
        let lv = Levels::new(grid.support.reward());
        let mass = lv.masses(grid.support.p0());
        let v: Vec<f64> = lv.rewards().iter().map(|r| r.exp()).collect();
        for k in [2, 8, 100] {
            let q = Quadrature::default();
            let fast = laplace::h_levels(&v, &mass, k, &q);
            let plain = laplace::h_levels_plain(&v, &mass, k, &q);
            for (a, b) in fast.iter().zip(&plain) {
                assert!(
                    ((a - b) / b).abs() < 1e-13,
                    "γ = {gamma}, K = {k}: {a} vs {b}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------- item 2

#[test]
fn item2_drift_before_renormalising_is_below_1e12_in_e1_e2_e3() {
    for row in &e1_result().evaluators {
        for h in [&row.h_brute, &row.h_levels, &row.h_laplace] {
            let s: f64 = row.p.iter().zip(h).map(|(p, h)| p * h).sum();
            assert!(
                (s - 1.0).abs() <= 1e-12,
                "support {} K = {}: Σ pH − 1 = {:e}",
                row.support,
                row.k,
                s - 1.0
            );
        }
    }
    for row in &e2_result().rows {
        assert!(row.drift.unwrap_or(0.0) <= 1e-12, "{row:?}");
    }
    let e3 = e3_result();
    assert_eq!(e3.rows.len(), 2 * 5 * 51);
    for row in &e3.rows {
        assert!(row.row.drift.unwrap_or(0.0) <= 1e-12, "{:?}", row.row);
    }
}

#[test]
fn item2_h_lies_in_zero_k_is_one_at_k1_and_at_least_one_on_the_argmax() {
    let check = |reward: &[f64], p: &[f64], k: u32| {
        let h = Operator::new(reward, StepSettings::softmax(Choices::Finite(k)))
            .unwrap()
            .h(p)
            .unwrap()
            .h;
        let r_max = reward
            .iter()
            .zip(p)
            .filter(|(_, &q)| q > 0.0)
            .map(|(r, _)| *r)
            .fold(f64::NEG_INFINITY, f64::max);
        for (i, &x) in h.iter().enumerate() {
            if k == 1 {
                assert_eq!(x, 1.0);
            } else {
                assert!(x > 0.0 && x < f64::from(k), "H = {x} at K = {k}");
            }
            if reward[i] == r_max {
                assert!(x >= 1.0 - 1e-15, "H = {x} on the argmax");
            }
        }
    };
    for row in &e1_result().evaluators {
        for k in [1, 2, 3, 4] {
            check(&row.reward, &row.p, k);
        }
    }
    for gamma in [1.0, 10.0] {
        let grid = grid8(&GridSpec::default(), &ClippedBall::e3(gamma)).unwrap();
        for k in [1, 2, 4, 10] {
            check(grid.support.reward(), grid.support.p0(), k);
        }
    }
}

// ---------------------------------------------------------------- item 4

#[test]
fn item4_k_times_distance_to_replicator_stays_in_04_06_for_k_10_100_1000() {
    // p H^K by the level-count evaluator, p w/E w by hand.
    let w = worked();
    let ew: f64 = w
        .p0()
        .iter()
        .zip(w.reward())
        .map(|(p, r)| p * r.exp())
        .sum();
    let replicator: Vec<f64> = w
        .p0()
        .iter()
        .zip(w.reward())
        .map(|(p, r)| p * r.exp() / ew)
        .collect();
    for (k, reference) in reference::worked::T2_K_ERROR {
        let s = StepSettings {
            evaluator: Evaluator::Levels,
            ..StepSettings::softmax(Choices::Finite(k))
        };
        let p1 = Operator::new(w.reward(), s)
            .unwrap()
            .step(w.p0(), None)
            .unwrap()
            .p_next;
        let err = f64::from(k) * max_abs_diff(&p1, &replicator);
        assert!((0.4..=0.6).contains(&err), "K = {k}: {err}");
        assert!(
            (err - reference).abs() < 1e-3,
            "K = {k}: {err} vs the spec's {reference}"
        );
    }
    // E2 reports the same numbers (its own Laplace evaluator).
    for row in e2_result()
        .k_error
        .iter()
        .filter(|r| r.support == e2::E2Support::Worked && r.k >= 10)
    {
        assert!((0.4..=0.6).contains(&row.k_times_error), "{row:?}");
    }
}

// ---------------------------------------------------------------- item 5

/// E e^r and Var e^r of `p` computed here.
fn weight_moments(p: &[f64], reward: &[f64]) -> (f64, f64) {
    let m: f64 = p.iter().zip(reward).map(|(p, r)| p * r.exp()).sum();
    let v: f64 = p
        .iter()
        .zip(reward)
        .map(|(p, r)| p * (r.exp() - m).powi(2))
        .sum();
    (m, v)
}

#[test]
fn item5_lemma_2_2_bound_holds_every_round_for_k_2_4_10_in_e2_and_e3() {
    // E2: the bound from the previous round's moments, computed here from the trajectories.
    for support in [worked(), ten_atoms()] {
        let r_star = support.top_reward();
        for k in [2u32, 4, 10] {
            let ps = trajectory(
                &support,
                &settings(Choices::Finite(k), Rule::Softmax, 0.0, 50),
            );
            for t in 1..ps.len() {
                let (m0, v0) = weight_moments(&ps[t - 1], support.reward());
                let (m1, _) = weight_moments(&ps[t], support.reward());
                let bound = m0 + (f64::from(k) - 1.0) / f64::from(k) * v0 / r_star.exp();
                assert!(m1 >= bound - 1e-12 * m1, "K = {k}, t = {t}: {m1} < {bound}");
            }
        }
    }
    // E3: from the reported moments (r* = 0 on the grid).
    let e3 = e3_result();
    for k in [2u32, 4, 10] {
        for gamma in [1.0, 10.0] {
            let rows: Vec<_> = e3
                .rows
                .iter()
                .filter(|r| {
                    r.gamma == gamma && r.row.k == Choices::Finite(k) && r.row.rule == Rule::Softmax
                })
                .collect();
            assert_eq!(rows.len(), 51);
            for t in 1..rows.len() {
                let (a, b) = (&rows[t - 1].row.metrics, &rows[t].row.metrics);
                let bound =
                    a.expected_weight + (f64::from(k) - 1.0) / f64::from(k) * a.variance_weight;
                assert!(
                    b.expected_weight >= bound - 1e-12,
                    "γ = {gamma}, K = {k}, t = {t}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------- item 6

#[test]
fn item6_pure_curation_raises_every_nondecreasing_reward_statistic_and_keeps_level_ratios() {
    let grid = grid8(&GridSpec::default(), &ClippedBall::e3(10.0)).unwrap();
    let cases: Vec<(Support, Choices, Rule)> = vec![
        (worked(), Choices::Finite(4), Rule::Softmax),
        (ten_atoms(), Choices::Finite(2), Rule::Softmax),
        (ten_atoms(), Choices::Infinite, Rule::Softmax),
        (ten_atoms(), Choices::Finite(3), Rule::Hardmax),
        (grid.support.clone(), Choices::Finite(4), Rule::Softmax),
    ];
    for (support, k, rule) in cases {
        let r = support.reward();
        let p0 = support.p0();
        let ps = trajectory(&support, &settings(k, rule, 0.0, 50));
        let thresholds = [-30.0, -5.0, -1.0, -0.1, 0.5, 1.0, 2.0, 4.0];
        let stats = |p: &[f64]| -> Vec<f64> {
            let mut s = vec![
                p.iter().zip(r).map(|(p, r)| p * r).sum::<f64>(),
                p.iter().zip(r).map(|(p, r)| p * r.exp()).sum::<f64>(),
            ];
            for c in thresholds {
                s.push(
                    p.iter()
                        .zip(r)
                        .filter(|(_, &x)| x >= c)
                        .map(|(p, _)| p)
                        .sum(),
                );
            }
            s
        };
        for t in 1..ps.len() {
            let (a, b) = (stats(&ps[t - 1]), stats(&ps[t]));
            for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                assert!(
                    *y >= x - 1e-12,
                    "{k} {rule:?} t = {t}, statistic {i}: {y} < {x}"
                );
            }
        }
        // p_t/p_0 is constant on every level set (relative spread ≤ 1e-9).
        let levels = Levels::new(r);
        for p in &ps {
            let mut lo = vec![f64::INFINITY; levels.len()];
            let mut hi = vec![f64::NEG_INFINITY; levels.len()];
            for (i, &l) in levels.of_atom().iter().enumerate() {
                if p0[i] > 0.0 && p[i] > 1e-300 {
                    let ratio = p[i] / p0[i];
                    lo[l as usize] = lo[l as usize].min(ratio);
                    hi[l as usize] = hi[l as usize].max(ratio);
                }
            }
            for l in 0..levels.len() {
                if lo[l].is_finite() {
                    assert!(
                        (hi[l] - lo[l]) <= 1e-9 * hi[l],
                        "level {l}: {} .. {}",
                        lo[l],
                        hi[l]
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------- item 7

#[test]
fn item7_kl_to_target_is_minus_log_q_nonincreasing_and_e3_matches_the_q_table() {
    let e3 = e3_result();
    // KL(p*‖p_t) by its definition Σ p* ln(p*/p_t), on the snapshots, against −ln q_t.
    for snap in &e3.snapshots {
        let tri = e3.triptychs.iter().find(|t| t.gamma == snap.gamma).unwrap();
        let kl: f64 = tri
            .p_star
            .iter()
            .zip(&snap.p)
            .filter(|(&s, _)| s > 0.0)
            .map(|(s, p)| s * (s / p).ln())
            .sum();
        let row = e3
            .rows
            .iter()
            .find(|r| {
                r.gamma == snap.gamma
                    && r.row.k == snap.curator.k
                    && r.row.rule == snap.curator.rule
                    && r.row.round == snap.round
            })
            .unwrap();
        let q: f64 = snap
            .p
            .iter()
            .zip(&tri.reward)
            .filter(|(_, &r)| r == 0.0)
            .map(|(p, _)| p)
            .sum();
        assert!(
            (kl - row.row.metrics.kl_target).abs() <= 1e-12,
            "{kl} vs {}",
            row.row.metrics.kl_target
        );
        assert!((row.row.metrics.kl_target + q.ln()).abs() <= 1e-12);
    }
    // Nonincreasing along every run.
    for w in e3.rows.windows(2) {
        if w[1].row.round > 0 {
            assert!(w[1].row.metrics.kl_target <= w[0].row.metrics.kl_target + 1e-12);
        }
    }
    // The spec's q_t table to 1e-4 (q_0 to 1e-8).
    for &(gamma, k, hard, values) in &reference::E3_Q {
        let k = if k == 0 {
            Choices::Infinite
        } else {
            Choices::Finite(k)
        };
        let rule = if hard { Rule::Hardmax } else { Rule::Softmax };
        for (t, want) in reference::E3_ROUNDS.iter().zip(values) {
            let row = e3
                .rows
                .iter()
                .find(|r| {
                    r.gamma == gamma && r.row.k == k && r.row.rule == rule && r.row.round == *t
                })
                .unwrap();
            assert!(
                (row.row.metrics.q_top - want).abs() <= 1e-4,
                "γ = {gamma}, {k} {rule:?}, t = {t}: {} vs {want}",
                row.row.metrics.q_top
            );
            let q0 = e3
                .rows
                .iter()
                .find(|r| r.gamma == gamma && r.row.round == 0)
                .unwrap()
                .row
                .metrics
                .q_top;
            assert!((q0 - reference::E3_Q0).abs() <= 1e-8);
        }
    }
}

// ---------------------------------------------------------------- item 8

#[test]
fn item8_k_infinity_matches_the_closed_form_and_the_rlhf_identity_to_1e9() {
    let mut supports = vec![worked(), ten_atoms()];
    for gamma in [1.0, 10.0] {
        supports.push(
            grid8(&GridSpec::default(), &ClippedBall::e3(gamma))
                .unwrap()
                .support,
        );
    }
    for support in &supports {
        let (r, p0) = (support.reward(), support.p0());
        let rows_ps = {
            let mut ps = Vec::new();
            let traj = run_dynamics(
                support,
                &settings(Choices::Infinite, Rule::Softmax, 0.0, 50),
                |_, p| ps.push(p.to_vec()),
            )
            .unwrap();
            (traj.rows, ps)
        };
        for (t, p) in rows_ps.1.iter().enumerate() {
            let tf = t as f64;
            let closed = theory::replicator_law(p0, r, tf);
            assert!(max_abs_diff(p, &closed) <= 1e-9, "t = {t}");
            let kl = theory::replicator_kl_target(p0, r, tf);
            let got = rows_ps.0[t].metrics.kl_target;
            assert!(
                (got - kl).abs() <= 1e-9 * kl.max(1.0),
                "t = {t}: {got} vs {kl}"
            );
            // ln(p_t/p_0) − t r is the same on every atom with mass.
            let c: Vec<f64> = p
                .iter()
                .zip(p0)
                .zip(r)
                .filter(|((p, q), _)| **q > 0.0 && **p > 1e-300)
                .map(|((p, q), r)| (p / q).ln() - tf * r)
                .collect();
            let spread = c.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                - c.iter().copied().fold(f64::INFINITY, f64::min);
            assert!(spread <= 1e-9 * (1.0 + tf), "t = {t}: spread {spread:e}");
        }
    }
    // Consequence: round 1 at γ = 10 equals round 10 at γ = 1.
    let run = |gamma: f64, rounds: u32| {
        let s = grid8(&GridSpec::default(), &ClippedBall::e3(gamma))
            .unwrap()
            .support;
        trajectory(&s, &settings(Choices::Infinite, Rule::Softmax, 0.0, rounds))
            .pop()
            .unwrap()
    };
    assert!(max_abs_diff(&run(10.0, 1), &run(1.0, 10)) <= 1e-9);
}

// ---------------------------------------------------------------- item 9

#[test]
fn item9_runner_up_ratio_reaches_rho_k_and_hard_max_and_two_levels_follow_their_laws() {
    let w = worked();
    for (k, rho) in reference::worked::RHO {
        assert!((theory::runner_up_rate(f64::from(k), 1.0) - rho).abs() < 5e-7);
        let ps = trajectory(&w, &settings(Choices::Finite(k), Rule::Softmax, 0.0, 40));
        for t in 30..40 {
            let ratio = ps[t + 1][1] / ps[t][1];
            assert!((ratio - rho).abs() <= 1e-6, "K = {k}, t = {t}: {ratio}");
        }
    }
    // E2 reports the same ratio.
    for row in e2_result()
        .rows
        .iter()
        .filter(|r| r.support == e2::E2Support::Worked && r.round >= 30)
    {
        if let (Some(ratio), Some(k)) = (row.runner_up_ratio, row.k.get()) {
            if (2..=10).contains(&k) {
                assert!((ratio - row.rho_k).abs() <= 1e-6, "{row:?}");
            }
        }
    }
    // Hard max: 1 − q_t = (1 − q_0)^{K^t}.
    for k in [2u32, 4] {
        let mut non_top = Vec::new();
        run_dynamics(
            &w,
            &settings(Choices::Finite(k), Rule::Hardmax, 0.0, 5),
            |_, p| non_top.push(p[0] + p[1]),
        )
        .unwrap();
        for (t, x) in non_top.iter().enumerate() {
            let want = 0.8f64.powf(f64::from(k).powi(t as i32));
            assert!(
                ((x - want) / want).abs() <= 1e-9,
                "K = {k}, t = {t}: {x} vs {want}"
            );
        }
    }
    // Two levels (Δ = 1, q_0 = 0.1): A1 by two evaluators against the binomial recursion and the
    // spec's values.
    let two = Support::new(vec![0.0, 1.0], vec![0.9, 0.1], None).unwrap();
    for evaluator in [Evaluator::Laplace, Evaluator::Levels, Evaluator::Brute] {
        let mut s = settings(Choices::Finite(4), Rule::Softmax, 0.0, 3);
        s.step.evaluator = evaluator;
        let ps = trajectory(&two, &s);
        let mut q = 0.1;
        for (t, p) in ps.iter().enumerate().skip(1) {
            q = theory::two_level_next(q, 4, 1.0);
            assert!((p[1] - q).abs() <= 1e-10, "{evaluator:?} t = {t}");
            assert!((p[1] - reference::worked::TWO_LEVEL_Q[t - 1]).abs() <= 1e-8);
        }
    }
}

// ---------------------------------------------------------------- item 10

#[test]
fn item10_e4_bounds_hold_every_round_and_k_infinity_reaches_the_fixed_point_table() {
    let e4 = e4_result();
    assert_eq!(e4.rows.len(), 2 * 6 * 5 * 201);
    for gamma in [1.0, 10.0] {
        let grid = grid8(&GridSpec::default(), &ClippedBall::e3(gamma)).unwrap();
        let s = &grid.support;
        let (data_weight, _) = weight_moments(s.p_data(), s.reward());
        let data_modes = curation::metrics::group_shares(s.p_data(), &grid.mode, 8);
        assert!(
            data_modes.iter().all(|m| (m - 0.125).abs() < 1e-3),
            "{data_modes:?}"
        );
        for row in e4.rows.iter().filter(|r| r.gamma == gamma) {
            let lambda = row.row.lambda;
            let m = &row.row.metrics;
            if lambda == 0.0 || row.row.round == 0 {
                continue;
            }
            let alpha = 1.0 / (1.0 + lambda);
            // 1. KL(p_data‖p_t) ≤ ln(1 + λ).
            assert!(m.kl_data_model <= lambda.ln_1p() + 1e-12, "{row:?}");
            // 2. λ(K − 1) < 1: p_t ≤ p_data/(1 − λ(K−1)) and KL(p_t‖p_data) ≤ −ln(1 − λ(K−1)).
            let c = lambda * (row.row.k.as_f64() - 1.0);
            if c < 1.0 && row.row.rule == Rule::Softmax {
                assert!(row.max_ratio <= 1.0 / (1.0 - c) + 1e-12, "{row:?}");
                assert!(m.kl_model_data <= -(-c).ln_1p() + 1e-12, "{row:?}");
            }
            // 3. E_{p_t}[e^r] ≥ E_{p_data}[e^r].
            assert!(m.expected_weight >= data_weight - 1e-12, "{row:?}");
            // Every mode keeps mass ≥ α p_data(mode) (p_t ≥ α p_data pointwise), which is α/8 up
            // to the grid's mode asymmetry (p_data's mode masses lie within 1e-3 of 1/8).
            for (&mass, &data) in row.mode_masses.iter().zip(&data_modes) {
                assert!(
                    mass >= alpha * data - 1e-12,
                    "γ = {gamma}, λ = {lambda}: mode mass {mass}"
                );
                assert!(
                    mass >= 0.999 * alpha / 8.0,
                    "γ = {gamma}, λ = {lambda}: mode mass {mass}"
                );
            }
        }
        // K = ∞: the A5 fixed point (residual < 1e-10 at T = 200) and the q_200 table.
        let table = reference::E4_Q200
            .iter()
            .find(|(g, _)| *g == gamma)
            .unwrap()
            .1;
        for (lambda, want) in reference::E4_LAMBDAS.iter().zip(table) {
            let last = e4
                .rows
                .iter()
                .find(|r| {
                    r.gamma == gamma
                        && r.row.lambda == *lambda
                        && r.row.k == Choices::Infinite
                        && r.row.round == 200
                })
                .unwrap();
            assert!(
                (last.row.metrics.q_top - want).abs() <= 1e-4,
                "γ = {gamma}, λ = {lambda}: {}",
                last.row.metrics.q_top
            );
            if *lambda > 0.0 {
                assert!(last.fixed_point_residual.unwrap() < 1e-10);
            } else {
                // Without real data the target mode takes everything.
                assert!(last.mode_masses[0] > 0.99);
            }
        }
    }
}

// ---------------------------------------------------------------- item 11

#[test]
fn item11_e5_misaligned_identity_airplane_monotone_reference_values_and_confidence_entropy() {
    let e5 = e5_result();
    // T7 by hand: one replicator step under r′ from the uniform p_0.
    let spec = curation::examples::ClassesSpec::default();
    for (quality, curation_reward) in [
        (RewardKind::Airplane, RewardKind::Confidence),
        (RewardKind::Confidence, RewardKind::Airplane),
    ] {
        let r = curation::examples::classes(&spec, quality).unwrap().support;
        let rp = curation::examples::classes(&spec, curation_reward)
            .unwrap()
            .support;
        let p0 = r.p0();
        let e_rp: f64 = p0.iter().zip(rp.reward()).map(|(p, x)| p * x.exp()).sum();
        let p1: Vec<f64> = p0
            .iter()
            .zip(rp.reward())
            .map(|(p, x)| p * x.exp() / e_rp)
            .collect();
        let (e0, _) = weight_moments(p0, r.reward());
        let (e1, _) = weight_moments(&p1, r.reward());
        let cov: f64 = p0
            .iter()
            .zip(r.reward().iter().zip(rp.reward()))
            .map(|(p, (a, b))| p * (a.exp() - e0) * (b.exp() - e_rp))
            .sum();
        assert!(
            ((e1 - e0) - cov / e_rp).abs() <= 1e-12 * e0,
            "{quality:?}/{curation_reward:?}"
        );
        let row = e5
            .misaligned
            .iter()
            .find(|m| m.quality == quality && m.curation == curation_reward)
            .unwrap();
        assert!(
            (row.gain - (e1 - e0)).abs() <= 1e-12 * e0
                && (row.covariance_ratio - cov / e_rp).abs() <= 1e-12 * e0
        );
    }
    for (i, lambda) in [0.0, 0.5, 1.0].into_iter().enumerate() {
        let run = |reward: RewardKind| -> Vec<&e5::E5Row> {
            e5.rows
                .iter()
                .filter(|r| r.reward == reward && r.row.lambda == lambda)
                .collect()
        };
        let air = run(RewardKind::Airplane);
        let conf = run(RewardKind::Confidence);
        assert_eq!(air.len(), 21);
        for w in air.windows(2) {
            assert!(
                w[1].class_shares[0] >= w[0].class_shares[0],
                "π_0 must rise (λ = {lambda})"
            );
            assert!(w[1].row.metrics.expected_reward >= w[0].row.metrics.expected_reward - 1e-12);
        }
        for w in conf.windows(2) {
            assert!(w[1].row.metrics.expected_reward >= w[0].row.metrics.expected_reward - 1e-12);
        }
        let (a, c) = (air[20], conf[20]);
        assert!(
            (a.class_shares[0] - reference::E5_AIRPLANE_SHARE[i]).abs() <= 1e-3,
            "λ = {lambda}: {}",
            a.class_shares[0]
        );
        assert!(
            (c.class_entropy_ratio - reference::E5_CONFIDENCE_ENTROPY_RATIO[i]).abs() <= 1e-3,
            "λ = {lambda}: {}",
            c.class_entropy_ratio
        );
        if lambda == 0.0 {
            assert!((c.class_shares[9] - reference::E5_CONFIDENCE_CLASS9_SHARE).abs() <= 1e-3);
            assert!(c.class_entropy_ratio < 0.5);
        }
        if lambda == 1.0 {
            assert!(c.class_entropy_ratio > 0.9);
        }
    }
}
