//! The two enumerating evaluators of H^K_p (A1 (a) and (b)), the references the Laplace
//! evaluator is tested against.
//!
//! - [`brute_h`]: H(x) = Σ over all (K−1)-tuples y of atoms with positive mass of
//!   Π p(y_i) · K w(x)/(w(x) + Σ w(y_i)) (softmax), or K·1{x wins}/(1 + ties) (hard max).
//!   |X⁺|^{K−1}·|X| terms.
//! - [`counts_h`]: group the atoms into L⁺ distinct weights v_ℓ with masses P_ℓ; then
//!   H(v) = Σ_{c ∈ ℕ^{L⁺}, Σc = K−1} multinom(K−1; c) Π P_ℓ^{c_ℓ} · K v/(v + Σ c_ℓ v_ℓ),
//!   C(L⁺+K−2, K−1) compositions \[D\].

use crate::error::Error;
use crate::names::{Evaluator, Rule};
use crate::numeric::ln_factorials;

/// Most terms an enumerating evaluator computes before refusing.
pub const MAX_TERMS: f64 = 2e8;

/// Refuses more than [`MAX_TERMS`] terms.
fn check_terms(evaluator: Evaluator, terms: f64, atoms: usize, k: u32) -> Result<(), Error> {
    if terms > MAX_TERMS {
        return Err(Error::TooManyTerms {
            evaluator,
            terms,
            limit: MAX_TERMS,
            atoms,
            k,
        });
    }
    Ok(())
}

/// H per atom by enumerating every (K−1)-tuple of atoms with positive mass. `w`: weights
/// ŵ (for softmax), `reward`: rewards (for hard max comparisons), `p`: probabilities summing
/// to ≈ 1 (divided by their sum), `k` ≥ 1.
pub fn brute_h(
    w: &[f64],
    reward: &[f64],
    p: &[f64],
    k: u32,
    rule: Rule,
) -> Result<Vec<f64>, Error> {
    let total = crate::numeric::sum(p);
    let support: Vec<usize> = (0..p.len()).filter(|&i| p[i] > 0.0).collect();
    let km1 = (k - 1) as usize;
    let terms = (support.len() as f64).powi(km1 as i32) * p.len() as f64;
    check_terms(Evaluator::Brute, terms, support.len(), k)?;
    let kf = f64::from(k);
    let mut h = vec![0.0; p.len()];
    let mut idx = vec![0usize; km1];
    loop {
        let mut prob = 1.0;
        let mut sum_w = 0.0;
        let mut best = f64::NEG_INFINITY;
        let mut ties = 0usize;
        for &i in &idx {
            let a = support[i];
            prob *= p[a] / total;
            sum_w += w[a];
            if reward[a] > best {
                best = reward[a];
                ties = 1;
            } else if reward[a] == best {
                ties += 1;
            }
        }
        for x in 0..p.len() {
            h[x] += prob
                * match rule {
                    Rule::Softmax => {
                        if w[x] > 0.0 {
                            kf * w[x] / (w[x] + sum_w)
                        } else {
                            0.0
                        }
                    }
                    Rule::Hardmax => {
                        if reward[x] > best {
                            kf
                        } else if reward[x] == best {
                            kf / (1 + ties) as f64
                        } else {
                            0.0
                        }
                    }
                };
        }
        // Odometer over the tuple.
        let mut pos = 0;
        loop {
            if pos == km1 {
                return Ok(h);
            }
            idx[pos] += 1;
            if idx[pos] < support.len() {
                break;
            }
            idx[pos] = 0;
            pos += 1;
        }
    }
}

/// Number of compositions of `n` into `parts` parts, C(n + parts − 1, n), as a real number.
fn compositions(n: usize, parts: usize) -> f64 {
    if parts == 0 {
        return if n == 0 { 1.0 } else { 0.0 };
    }
    let (top, small) = (n + parts - 1, n.min(parts - 1));
    (0..small).fold(1.0, |acc, i| acc * (top - i) as f64 / (i + 1) as f64)
}

/// H per level by summing over the compositions of K − 1 into the levels with positive mass.
/// `v`: weights ŵ of all levels (any order), `mass`: their probabilities (summing to ≈ 1;
/// divided by their sum), `k` ≥ 1. Softmax rule.
pub fn counts_h(v: &[f64], mass: &[f64], k: u32) -> Result<Vec<f64>, Error> {
    let total = crate::numeric::sum(mass);
    let pos: Vec<usize> = (0..v.len()).filter(|&l| mass[l] > 0.0).collect();
    let km1 = (k - 1) as usize;
    let terms = compositions(km1, pos.len()) * v.len() as f64;
    check_terms(Evaluator::Levels, terms, pos.len(), k)?;
    let kf = f64::from(k);
    let lf = ln_factorials(km1);
    let ln_p: Vec<f64> = pos.iter().map(|&l| (mass[l] / total).ln()).collect();
    let mut h = vec![0.0; v.len()];
    let n = pos.len();
    if n == 0 {
        return Ok(h);
    }
    let vp: Vec<f64> = pos.iter().map(|&l| v[l]).collect();
    // Iterative depth-first walk over the compositions c of K − 1: levels 0..n−1 take c_i in
    // 0..=left_i, the last level takes the remainder. Prefix arrays hold, before level i, the
    // count left, ln of multinom · Π P^c so far, and Σ c v so far.
    let mut c = vec![0usize; n];
    let mut left = vec![0usize; n];
    let mut log_coef = vec![0.0f64; n];
    let mut sum_w = vec![0.0f64; n];
    left[0] = km1;
    log_coef[0] = lf[km1];
    let mut from = 0;
    loop {
        for i in from..n - 1 {
            c[i] = 0;
            left[i + 1] = left[i];
            log_coef[i + 1] = log_coef[i];
            sum_w[i + 1] = sum_w[i];
        }
        let rest = left[n - 1];
        let coef = (log_coef[n - 1] + rest as f64 * ln_p[n - 1] - lf[rest]).exp();
        let s = sum_w[n - 1] + rest as f64 * vp[n - 1];
        for (hx, &w) in h.iter_mut().zip(v) {
            if w > 0.0 {
                *hx += coef * kf * w / (w + s);
            }
        }
        // Advance the deepest level that can still take one more.
        let mut j = n - 1;
        let next = loop {
            if j == 0 {
                break None;
            }
            j -= 1;
            if c[j] < left[j] {
                break Some(j);
            }
        };
        let Some(j) = next else {
            return Ok(h);
        };
        c[j] += 1;
        left[j + 1] = left[j] - c[j];
        log_coef[j + 1] = log_coef[j] + c[j] as f64 * ln_p[j] - lf[c[j]];
        sum_w[j + 1] = sum_w[j] + c[j] as f64 * vp[j];
        from = j + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composition_counts_are_binomials() {
        assert_eq!(compositions(3, 3), 10.0);
        assert_eq!(compositions(0, 4), 1.0);
        assert_eq!(compositions(999, 3), 500_500.0);
    }

    #[test]
    fn k2_matches_hand_formula_both_ways() {
        // p = (0.5, 0.5), w = (1, 0.5), K = 2: H(x) = Σ_y p(y) 2 w(x)/(w(x) + w(y)).
        let (w, r, p) = ([1.0, 0.5], [0.0, -(2f64.ln())], [0.5, 0.5]);
        let want = [0.5 * 1.0 + 0.5 * 2.0 / 1.5, 0.5 * 1.0 / 1.5 + 0.5 * 1.0];
        let b = brute_h(&w, &r, &p, 2, Rule::Softmax).unwrap();
        let c = counts_h(&w, &p, 2).unwrap();
        for i in 0..2 {
            assert!((b[i] - want[i]).abs() < 1e-15 && (c[i] - want[i]).abs() < 1e-15);
        }
    }
}
