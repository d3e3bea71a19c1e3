//! A7 for finite supports: the per-round metrics of a distribution p_t.
//!
//! KL(p*‖p_t) = −ln q_t exactly \[D\] (p* is p_0 restricted to the top level set, so
//! p*/p_t = 1/q_t on it), evaluated as −ln1p(−(1 − q_t)) from the summed non-top mass so that it
//! stays accurate when q_t ≈ 1 (spec §7, pitfall 2).

use crate::numeric::{entropy, kl, sum_iter};

/// The metrics of one distribution on a finite support.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PopulationMetrics {
    /// E_p\[r\].
    pub expected_reward: f64,
    /// E_p[e^r] (computed as e^{r*} E_p[e^{r − r*}]; may overflow to ∞ for huge rewards).
    pub expected_weight: f64,
    /// Var_p[e^r].
    pub variance_weight: f64,
    /// q = P_p(r = r*), r* the top reward on supp p_0.
    pub q_top: f64,
    /// 1 − q_t, summed over the non-top atoms (accurate when q ≈ 1).
    pub non_top_mass: f64,
    /// KL(p*‖p) = −ln q.
    pub kl_target: f64,
    /// KL(p_data‖p).
    pub kl_data_model: f64,
    /// KL(p‖p_data).
    pub kl_model_data: f64,
    /// Entropy of p in nats.
    pub entropy: f64,
}

/// The metrics of `p` for rewards `reward` with top level `r_star` (the top reward on
/// supp p_0), against `p_data`.
pub fn population_metrics(
    p: &[f64],
    reward: &[f64],
    p_data: &[f64],
    r_star: f64,
) -> PopulationMetrics {
    let total = sum_iter(p.iter().copied());
    let w: Vec<f64> = reward.iter().map(|r| (r - r_star).exp()).collect();
    let mean_w = sum_iter(p.iter().zip(&w).map(|(q, x)| q * x)) / total;
    let var_w = sum_iter(
        p.iter()
            .zip(&w)
            .map(|(q, x)| q * (x - mean_w) * (x - mean_w)),
    ) / total;
    let scale = r_star.exp();
    let non_top = sum_iter(
        p.iter()
            .zip(reward)
            .filter(|(_, &r)| r != r_star)
            .map(|(&q, _)| q),
    ) / total;
    PopulationMetrics {
        expected_reward: sum_iter(p.iter().zip(reward).map(|(q, r)| q * r)) / total,
        expected_weight: scale * mean_w,
        variance_weight: scale * scale * var_w,
        q_top: 1.0 - non_top,
        non_top_mass: non_top,
        kl_target: -(-non_top).ln_1p(),
        kl_data_model: kl(p_data, p),
        kl_model_data: kl(p, p_data),
        entropy: entropy(p),
    }
}

/// The mass of each group (class, mode) under `p`: `group[i]` in 0..`groups`.
pub fn group_shares(p: &[f64], group: &[u32], groups: usize) -> Vec<f64> {
    let mut out = vec![0.0; groups];
    for (&q, &g) in p.iter().zip(group) {
        out[g as usize] += q;
    }
    let total: f64 = out.iter().sum();
    out.iter().map(|x| x / total).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_metrics_match_hand_values() {
        let (p, r) = ([0.5, 0.3, 0.2], [0.0, 1.0, 2.0]);
        let m = population_metrics(&p, &r, &p, 2.0);
        // E e^r = 0.5 + 0.3e + 0.2e² = 2.79329577 (spec §4).
        assert!((m.expected_weight - 2.79329577).abs() < 1e-8);
        assert!((m.q_top - 0.2).abs() < 1e-15 && (m.kl_target + 0.2f64.ln()).abs() < 1e-15);
        assert_eq!(m.kl_data_model, 0.0);
        let e2 = 0.5 + 0.3 * 2f64.exp() + 0.2 * 4f64.exp();
        assert!((m.variance_weight - (e2 - 2.79329577f64.powi(2))).abs() < 1e-7);
    }
}
