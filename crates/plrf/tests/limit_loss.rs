//! Spec §8 item 9: the theory P∞ (official mode) against the mean empirical P∞ of 8
//! random instances, within 10%, on both branches (2α ≥ 1 and 2α < 1).

use lab::seed::Seed;
use plrf::theory::{theory_limit_loss, LimitLossMode};
use plrf::{Instance, Problem};

#[test]
fn theory_limit_loss_matches_the_empirical_mean() {
    let (d, v) = (800, 3200);
    for (alpha, beta) in [(1.0, 0.5), (0.75, 0.25), (0.4, 0.7)] {
        let problem = Problem::new(alpha, beta, v, d).unwrap();
        let empirical: f64 = (0..8)
            .map(|i| {
                Instance::draw(problem, Seed(100 + i))
                    .eigen(faer::Par::Seq)
                    .unwrap()
                    .p_inf
            })
            .sum::<f64>()
            / 8.0;
        let theory = theory_limit_loss(alpha, beta, v, d, LimitLossMode::Official);
        let rel = (theory - empirical).abs() / empirical;
        assert!(
            rel < 0.10,
            "({alpha}, {beta}): theory {theory:.5e} vs empirical {empirical:.5e} ({rel:.3})"
        );
    }
}
