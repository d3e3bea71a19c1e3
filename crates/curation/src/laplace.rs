//! Evaluator (c) of H^K_p: the Laplace integral \[D\]
//!
//! H(x) = K ŵ(x) ∫_0^∞ e^{−u ŵ(x)} M(u)^{K−1} du,   M(u) = Σ_y p(y) e^{−u ŵ(y)},
//!
//! which follows from 1/a = ∫_0^∞ e^{−ua} du. With u = e^s the trapezoid rule on the nodes
//! s_j = s_min + j h, j = 0..G, up to s_max = ln(tail/(K ŵ_min)), gives
//!
//! H(x) ≈ K ŵ(x) h Σ_j exp(a_j − b_j ŵ(x)),   b_j = e^{s_j},   a_j = s_j + (K−1) ln M(b_j).
//!
//! The integrand is analytic in the strip |Im s| < π/2, so the error of the step-h rule is
//! about e^{−π²/h} (≈ 1e-43 at the default h = 0.1): the sum is exact to rounding.
//!
//! Two implementations:
//! - [`h_levels_plain`]: the sum above over every node, ln M by log-sum-exp over all levels.
//!   O(L·G) exponentials; the reference the fast one is tested against.
//! - [`h_levels`]: the same sum, computed with only the nodes that matter. H depends on x only
//!   through ŵ(x), so the work is per reward level, not per atom. For each level, the nodes with
//!   b_j ŵ ≤ ½ are summed in closed form from moments (e^{−b_jŵ} = Σ_m (−b_jŵ)^m/m!, 15 terms,
//!   truncation < 3e-17 relative) kept as running sums over the nodes; the nodes beyond are
//!   summed one by one until a bound on the rest (max of a_j over the rest, geometric decay of
//!   e^{−b_jŵ}) falls below 1e-18 of the sum; single nodes below e^{−46} of the running sum are
//!   skipped. M(b_j) is computed the same way over the levels: levels with b_j v < ½ from
//!   moments, levels with b_j v > 745 contribute exactly 0 in f64, only the rest are
//!   exponentiated; ln M = ln1p(M − 1) while M ≥ ½ (so (K − 1) ln M keeps its relative
//!   accuracy for large K), ln M directly below, and log-sum-exp where M underflows.
//!   Nodes and levels are computed in parallel, each by one thread in a fixed order, so the
//!   result does not depend on the thread count.

use crate::numeric::log_sum_exp;
use rayon::prelude::*;

/// The quadrature settings of the Laplace evaluator (spec A1(c)).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Quadrature {
    /// Step h in s = ln u (spec: 0.1).
    pub step: f64,
    /// First node s_min (spec: −40).
    pub s_min: f64,
    /// The last node is s_max = ln(tail/(K ŵ_min)) (spec: tail = 40).
    pub tail: f64,
}

impl Default for Quadrature {
    fn default() -> Quadrature {
        Quadrature {
            step: 0.1,
            s_min: -40.0,
            tail: 40.0,
        }
    }
}

impl Quadrature {
    /// Refuses a step or tail that is not finite and > 0, or a non-finite s_min.
    pub fn validate(&self) -> Result<(), lab::error::Invalid> {
        lab::error::positive("quadrature step h", self.step)?;
        lab::error::require(self.step <= 1.0, "quadrature step h", self.step, "≤ 1")?;
        lab::error::finite("quadrature s_min", self.s_min)?;
        lab::error::positive("quadrature tail", self.tail)
    }
}

/// Floor on ŵ_min for the quadrature range (spec §7, pitfall 3).
const W_FLOOR: f64 = 1e-300;
/// Arguments b·v below this are summed from moments.
const SMALL: f64 = 0.5;
/// e^{−x} is 0 in f64 beyond this.
const UNDERFLOW: f64 = 745.2;
/// Number of moment terms (m = 0..MOMENTS−1): 0.5^15/15! < 3e-17.
const MOMENTS: usize = 15;
/// 1/m! for m = 0..MOMENTS.
fn inv_factorials() -> [f64; MOMENTS] {
    let mut out = [1.0; MOMENTS];
    for m in 1..MOMENTS {
        out[m] = out[m - 1] / m as f64;
    }
    out
}

/// Σ_m (−x)^m/m! · moments[m].
fn moment_series(x: f64, moments: &[f64], inv_fact: &[f64; MOMENTS]) -> f64 {
    let mut acc = 0.0;
    let mut pow = 1.0;
    for m in 0..MOMENTS {
        acc += pow * inv_fact[m] * moments[m];
        pow *= -x;
    }
    acc
}

/// The nodes b_j = e^{s_j} for weights down to `w_min` and K = `k`.
fn nodes(w_min: f64, k: f64, quad: &Quadrature) -> (Vec<f64>, Vec<f64>) {
    let w_min = w_min.max(W_FLOOR);
    let s_max = (quad.tail / (k * w_min)).ln().max(quad.s_min);
    let g = ((s_max - quad.s_min) / quad.step).floor() as usize + 1;
    let s: Vec<f64> = (0..g).map(|j| quad.s_min + j as f64 * quad.step).collect();
    let b = s.iter().map(|x| x.exp()).collect();
    (s, b)
}

/// The masses and weights of the levels, normalised: (v of positive-mass levels with v > 0,
/// their masses, the mass of levels with v = 0, the smallest positive v of all levels).
fn split_levels(v: &[f64], mass: &[f64]) -> (Vec<f64>, Vec<f64>, f64, f64) {
    let total = crate::numeric::sum(mass);
    let (mut pv, mut pp, mut p_zero) = (Vec::new(), Vec::new(), 0.0);
    for (&w, &m) in v.iter().zip(mass) {
        if m > 0.0 {
            if w > 0.0 {
                pv.push(w);
                pp.push(m / total);
            } else {
                p_zero += m / total;
            }
        }
    }
    let w_min = v
        .iter()
        .copied()
        .filter(|&w| w > 0.0)
        .fold(f64::INFINITY, f64::min);
    (pv, pp, p_zero, w_min)
}

/// H per level by the plain trapezoid sum over every node (the reference). `v`: the weights
/// ŵ of the levels (any order), `mass`: their probabilities (summing to ≈ 1; divided by their
/// sum), `k` ≥ 2.
pub fn h_levels_plain(v: &[f64], mass: &[f64], k: u32, quad: &Quadrature) -> Vec<f64> {
    let (pv, pp, p_zero, w_min) = split_levels(v, mass);
    let kf = f64::from(k);
    let (s, b) = nodes(w_min, kf, quad);
    let mut ln_p: Vec<f64> = pp.iter().map(|p| p.ln()).collect();
    if p_zero > 0.0 {
        ln_p.push(p_zero.ln());
    }
    let a: Vec<f64> = (0..s.len())
        .into_par_iter()
        .map(|j| {
            let terms: Vec<f64> = pv
                .iter()
                .chain(std::iter::once(&0.0).filter(|_| p_zero > 0.0))
                .zip(&ln_p)
                .map(|(&w, &lp)| lp - b[j] * w)
                .collect();
            s[j] + (kf - 1.0) * log_sum_exp(&terms)
        })
        .collect();
    v.par_iter()
        .map(|&w| {
            if w <= 0.0 {
                return 0.0;
            }
            let sum: f64 = a.iter().zip(&b).map(|(&aj, &bj)| (aj - bj * w).exp()).sum();
            kf * w * quad.step * sum
        })
        .collect()
}

/// H per level by the trapezoid sum restricted to the nodes that matter (module docs). Same
/// inputs as [`h_levels_plain`], but `v` must be ascending (levels sorted by reward).
pub fn h_levels(v: &[f64], mass: &[f64], k: u32, quad: &Quadrature) -> Vec<f64> {
    debug_assert!(
        v.windows(2).all(|w| w[0] <= w[1]),
        "levels must be ascending"
    );
    let (pv, pp, p_zero, w_min) = split_levels(v, mass);
    let kf = f64::from(k);
    let h = quad.step;
    let (s, b) = nodes(w_min, kf, quad);
    let g = s.len();
    let inv_fact = inv_factorials();

    // Moments of the levels below each index, scaled by the last included level:
    // qhat[i][m] = Σ_{ℓ<i} P_ℓ (v_ℓ/v_{i−1})^m.
    let n_lv = pv.len();
    let mut qhat = vec![[0.0f64; MOMENTS]; n_lv + 1];
    for i in 0..n_lv {
        let ratio = if i == 0 { 0.0 } else { pv[i - 1] / pv[i] };
        let (below, above) = qhat.split_at_mut(i + 1);
        let mut pow = 1.0;
        for (next, prev) in above[0].iter_mut().zip(&below[i]) {
            *next = prev * pow + pp[i];
            pow *= ratio;
        }
    }
    // Mass of the levels from i on.
    let mut tail_mass = vec![0.0; n_lv + 1];
    for i in (0..n_lv).rev() {
        tail_mass[i] = tail_mass[i + 1] + pp[i];
    }
    let ln_pp: Vec<f64> = pp.iter().map(|p| p.ln()).collect();

    let ln_m: Vec<f64> = (0..g)
        .into_par_iter()
        .with_min_len(16)
        .map(|j| {
            let bj = b[j];
            let i1 = pv.partition_point(|&w| bj * w < SMALL);
            let i2 = pv.partition_point(|&w| bj * w <= UNDERFLOW);
            let (s_small, d_small) = if i1 == 0 {
                (0.0, 0.0)
            } else {
                let q = &qhat[i1];
                let x = bj * pv[i1 - 1];
                let d = moment_series(x, q, &inv_fact) - q[0];
                (q[0] + d, d)
            };
            let (mut m_mid, mut d_mid) = (0.0, 0.0);
            for l in i1..i2 {
                let e = (-bj * pv[l]).exp();
                m_mid += pp[l] * e;
                d_mid += pp[l] * (e - 1.0);
            }
            let m = p_zero + s_small + m_mid;
            if m >= 0.5 {
                (d_small + d_mid - tail_mass[i2]).ln_1p()
            } else if m > 1e-280 {
                m.ln()
            } else {
                let mut terms: Vec<f64> = (i1..n_lv).map(|l| ln_pp[l] - bj * pv[l]).collect();
                if p_zero > 0.0 {
                    terms.push(p_zero.ln());
                }
                if s_small > 0.0 {
                    terms.push(s_small.ln());
                }
                log_sum_exp(&terms)
            }
        })
        .collect();

    let a: Vec<f64> = (0..g).map(|j| s[j] + (kf - 1.0) * ln_m[j]).collect();
    let mut a_suffix_max = vec![f64::NEG_INFINITY; g + 1];
    for j in (0..g).rev() {
        a_suffix_max[j] = a_suffix_max[j + 1].max(a[j]);
    }
    // that[J][m] = Σ_{j<J} A_j (b_j/b_{J−1})^m = Σ_{j<J} A_j e^{−(J−1−j) h m}.
    let decay: Vec<f64> = (0..MOMENTS).map(|m| (-(m as f64) * h).exp()).collect();
    let mut that = vec![[0.0f64; MOMENTS]; g + 1];
    for j in 0..g {
        let aj = a[j].exp();
        for m in 0..MOMENTS {
            that[j + 1][m] = that[j][m] * decay[m] + aj;
        }
    }

    v.par_iter()
        .with_min_len(64)
        .map(|&w| {
            if w <= 0.0 {
                return 0.0;
            }
            // J = number of nodes with b_j w ≤ SMALL.
            let jf = ((SMALL / w).ln() - quad.s_min) / h;
            let mut big_j = if jf < 0.0 {
                0
            } else {
                (jf.floor() as usize + 1).min(g)
            };
            // Guard against rounding in jf: the left part needs b_{J−1} w ≤ SMALL.
            while big_j > 0 && b[big_j - 1] * w > SMALL {
                big_j -= 1;
            }
            let mut sum = if big_j > 0 {
                moment_series(b[big_j - 1] * w, &that[big_j], &inv_fact)
            } else {
                0.0
            };
            let mut ln_sum = sum.ln();
            let mut sum_at_ln = sum;
            for j in big_j..g {
                let bw = b[j] * w;
                // The rest: Σ_{j'≥j} e^{a_j' − b_j' w} ≤ e^{max a − b_j w}/(1 − e^{−b_j w h}),
                // and b_j w h ≥ 0.05 here, so the factor is below e^{3.1}.
                if a_suffix_max[j] - bw + 3.1 < ln_sum - 41.5 {
                    break;
                }
                let e = a[j] - bw;
                if e < ln_sum - 46.0 {
                    continue;
                }
                sum += e.exp();
                if sum > 2.0 * sum_at_ln {
                    ln_sum = sum.ln();
                    sum_at_ln = sum;
                }
            }
            kf * w * h * sum
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_atoms_k2_matches_closed_form() {
        // Two atoms, weights (1, v), masses (q, 1−q), K = 2:
        // H(1) = 2[q·½ + (1−q)·1/(1+v)], H(v) = 2[q·v/(v+1) + (1−q)·½].
        let (q, v) = (0.3, 0.2);
        let h = h_levels(&[v, 1.0], &[1.0 - q, q], 2, &Quadrature::default());
        let want_top = 2.0 * (q * 0.5 + (1.0 - q) / (1.0 + v));
        let want_low = 2.0 * (q * v / (v + 1.0) + (1.0 - q) * 0.5);
        assert!((h[1] - want_top).abs() < 1e-14, "{h:?}");
        assert!((h[0] - want_low).abs() < 1e-14, "{h:?}");
    }
}
