//! Closed forms and bounds of spec §4 (T2–T8) that the dynamics are checked against.
//!
//! - T3 \[P\]: at K = ∞, p_t = p_0 e^{t r}/E_{p_0}[e^{t r}] ([`replicator_law`]).
//! - T4, Lemma 2.2 \[P\]: E_{p_{t+1}}[e^r] ≥ E_{p_t}[e^r] + ((K−1)/K) Var_{p_t}[e^r]/e^{r*}
//!   ([`t4_bound`]).
//! - T5 \[D\]: at K = ∞, KL(p*‖p_t) = ln(E_{p_0}[e^{t(r−r*)}]/P_0(r = r*)) ([`replicator_kl_target`]);
//!   near collapse the runner-up mass shrinks per round by ρ_K = K e^{−Δ}/(e^{−Δ} + K − 1)
//!   ([`runner_up_rate`]); with two levels q_{t+1} = q_t E_J[K/(1 + J + (K−1−J)e^{−Δ})],
//!   J ~ Bin(K−1, q_t) ([`two_level_next`]); under hard max 1 − q_t = (1 − q_0)^{K^t}
//!   ([`hardmax_non_top`]).
//! - T6 \[D\] (not the paper's constants): bounds of the nonparametric mixed update
//!   ([`t6_bounds`]).
//! - T8 \[D\]: Gaussians at K = ∞ under linear and quadratic rewards ([`gaussian_linear`],
//!   [`gaussian_quadratic`]).

use crate::error::Error;
use crate::linalg::inverse_spd;
use crate::numeric::{ln_factorials, log_sum_exp};

/// T3: the K = ∞ law after `t` rounds from `p0` (a probability vector), p_t ∝ p_0 e^{t r}.
pub fn replicator_law(p0: &[f64], reward: &[f64], t: f64) -> Vec<f64> {
    let logs: Vec<f64> = p0
        .iter()
        .zip(reward)
        .map(|(&p, &r)| {
            if p > 0.0 {
                p.ln() + t * r
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect();
    let z = log_sum_exp(&logs);
    logs.iter().map(|l| (l - z).exp()).collect()
}

/// T5 at K = ∞: KL(p*‖p_t) = ln(E_{p_0}[e^{t(r − r*)}] / P_0(r = r*)), r* = max r on supp p_0.
pub fn replicator_kl_target(p0: &[f64], reward: &[f64], t: f64) -> f64 {
    let r_star = crate::support::top_reward(reward, p0);
    let logs: Vec<f64> = p0
        .iter()
        .zip(reward)
        .filter(|(&p, _)| p > 0.0)
        .map(|(&p, &r)| p.ln() + t * (r - r_star))
        .collect();
    let top: Vec<f64> = p0
        .iter()
        .zip(reward)
        .filter(|(&p, &r)| p > 0.0 && r == r_star)
        .map(|(&p, _)| p.ln())
        .collect();
    log_sum_exp(&logs) - log_sum_exp(&top)
}

/// T4 (Lemma 2.2) \[P\]: the lower bound E_{p_t}[e^r] + ((K−1)/K) Var_{p_t}[e^r]/e^{r*} on
/// E_{p_{t+1}}[e^r]. `k = ∞` gives the factor 1.
pub fn t4_bound(expected_weight: f64, variance_weight: f64, k: f64, r_star: f64) -> f64 {
    let factor = if k.is_infinite() { 1.0 } else { (k - 1.0) / k };
    expected_weight + factor * variance_weight / r_star.exp()
}

/// T5 \[D\]: the per-round factor ρ_K = K e^{−Δ}/(e^{−Δ} + K − 1) of the runner-up mass near
/// collapse (gap Δ > 0 to the top level); e^{−Δ} at K = ∞.
pub fn runner_up_rate(k: f64, delta: f64) -> f64 {
    let e = (-delta).exp();
    if k.is_infinite() {
        e
    } else {
        k * e / (e + k - 1.0)
    }
}

/// T5 \[D\], two reward levels with gap Δ, finite K: q_{t+1} = q_t E_J[K/(1 + J + (K−1−J)e^{−Δ})]
/// with J ~ Bin(K−1, q_t). Independent of the operator: the binomial sum directly.
pub fn two_level_next(q: f64, k: u32, delta: f64) -> f64 {
    let km1 = (k - 1) as usize;
    let lf = ln_factorials(km1);
    let e = (-delta).exp();
    let kf = f64::from(k);
    let mut acc = 0.0;
    for j in 0..=km1 {
        let ln_pmf = lf[km1] - lf[j] - lf[km1 - j]
            + if j > 0 { j as f64 * q.ln() } else { 0.0 }
            + if km1 > j {
                (km1 - j) as f64 * (-q).ln_1p()
            } else {
                0.0
            };
        acc += ln_pmf.exp() * kf / (1.0 + j as f64 + (km1 - j) as f64 * e);
    }
    q * acc
}

/// T5 \[D\], hard max: 1 − q_t = (1 − q_0)^{K^t}.
pub fn hardmax_non_top(q0: f64, k: u32, t: u32) -> f64 {
    ((-q0).ln_1p() * f64::from(k).powi(t as i32)).exp()
}

/// The bounds T6 1–3 \[D\] for the mixed update with p_0 = p_data, α = 1/(1 + λ), λ > 0.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct T6Bounds {
    /// 1. KL(p_data‖p_t) ≤ ln(1 + λ) for t ≥ 1.
    pub kl_data_model_max: f64,
    /// 2. KL(p_t‖p_data) ≤ −ln(1 − λ(K−1)) when λ(K−1) < 1 (None otherwise).
    pub kl_model_data_max: Option<f64>,
    /// 2'. p_t ≤ p_data/(1 − λ(K−1)) pointwise when λ(K−1) < 1 (the ratio bound).
    pub ratio_max: Option<f64>,
    /// 3. E_{p_t}[e^r] ≥ E_{p_data}[e^r] (monotone in every case tried; not proven).
    pub expected_weight_min: f64,
}

/// T6 bounds for λ > 0, K (∞ allowed: bound 2 then needs λ(K−1) < 1, never true), and
/// E_{p_data}[e^r].
pub fn t6_bounds(lambda: f64, k: f64, expected_weight_data: f64) -> T6Bounds {
    let c = lambda * (k - 1.0);
    let (kl_max, ratio) = if c < 1.0 {
        (Some(-(-c).ln_1p()), Some(1.0 / (1.0 - c)))
    } else {
        (None, None)
    };
    T6Bounds {
        kl_data_model_max: lambda.ln_1p(),
        kl_model_data_max: kl_max,
        ratio_max: ratio,
        expected_weight_min: expected_weight_data,
    }
}

/// A Gaussian law N(mean, cov) in d dimensions (cov row-major d×d).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GaussianLaw {
    /// Mean.
    pub mean: Vec<f64>,
    /// Covariance, row-major.
    pub cov: Vec<f64>,
}

/// T8 \[D\], linear reward r = aᵀx, K = ∞: μ_t = μ_0 + t Σ_0 a, Σ_t = Σ_0.
pub fn gaussian_linear(p0: &GaussianLaw, a: &[f64], t: f64) -> GaussianLaw {
    let d = p0.mean.len();
    let mean = (0..d)
        .map(|i| p0.mean[i] + t * (0..d).map(|j| p0.cov[i * d + j] * a[j]).sum::<f64>())
        .collect();
    GaussianLaw {
        mean,
        cov: p0.cov.clone(),
    }
}

/// T8 \[D\], quadratic reward r = −(γ/2)‖x − c‖², K = ∞: precision Λ_t = Λ_0 + tγI,
/// μ_t = Λ_t^{−1}(Λ_0 μ_0 + tγ c).
pub fn gaussian_quadratic(
    p0: &GaussianLaw,
    gamma: f64,
    c: &[f64],
    t: f64,
) -> Result<GaussianLaw, Error> {
    let d = p0.mean.len();
    let lambda0 = inverse_spd(&p0.cov, d, "Σ_0")?;
    let mut lambda_t = lambda0.clone();
    for i in 0..d {
        lambda_t[i * d + i] += t * gamma;
    }
    let cov = inverse_spd(&lambda_t, d, "Λ_t")?;
    let rhs: Vec<f64> = (0..d)
        .map(|i| (0..d).map(|j| lambda0[i * d + j] * p0.mean[j]).sum::<f64>() + t * gamma * c[i])
        .collect();
    let mean = (0..d)
        .map(|i| (0..d).map(|j| cov[i * d + j] * rhs[j]).sum())
        .collect();
    Ok(GaussianLaw { mean, cov })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t8_one_dimensional_examples_match_the_spec() {
        // N(0,1), T = 10: r = 0.5x gives μ = 5; r = −½(x − 2)² gives μ = 20/11, σ² = 1/11.
        let p0 = GaussianLaw {
            mean: vec![0.0],
            cov: vec![1.0],
        };
        let lin = gaussian_linear(&p0, &[0.5], 10.0);
        assert!((lin.mean[0] - 5.0).abs() < 1e-15 && lin.cov[0] == 1.0);
        let quad = gaussian_quadratic(&p0, 1.0, &[2.0], 10.0).unwrap();
        assert!((quad.mean[0] - 20.0 / 11.0).abs() < 1e-14);
        assert!((quad.cov[0] - 1.0 / 11.0).abs() < 1e-15);
    }

    #[test]
    fn runner_up_rates_match_the_spec() {
        // Spec §8 item 9: ρ = 0.537883, 0.436927, 0.392703 for K = 2, 4, 10 at Δ = 1.
        for (k, want) in [(2.0, 0.537883), (4.0, 0.436927), (10.0, 0.392703)] {
            assert!((runner_up_rate(k, 1.0) - want).abs() < 5e-7);
        }
    }
}
