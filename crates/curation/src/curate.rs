//! A2: finite-sample curation. Each rule takes the rewards of N generated samples and returns
//! the indices of the m kept ones; the rule's label goes with every output.
//!
//! - `kwise` (the paper's rule \[P\]): shuffle, split the first K·m into m disjoint groups of K,
//!   keep index k of a group with probability softmax(r_group/τ)_k (max-subtracted, one uniform
//!   per group). Disjoint groups of i.i.d. samples have the law of fresh groups. The shuffle
//!   makes the groups independent of the input order (spec §7, pitfall 16).
//! - `kwise-hardmax`: the argmax of each group, ties uniform (γ → ∞).
//! - `pool-softmax`: m draws without replacement from all N, each ∝ e^{r/τ} among those left,
//!   by Gumbel-top-m (keys r/τ + Gumbel, keep the m largest) [C: Wei-0125].
//! - `top-m`: the m highest rewards, ties by index [C: Wei-0125].

use crate::error::Error;
use crate::names::CurationRule;
use lab::seed::Rng;
use rand::seq::SliceRandom;
use rand::RngExt;
use rand_distr::{Distribution, Gumbel};

/// The kept indices and how many candidates could never be kept because their weight
/// e^{(r − group max)/τ} underflowed.
#[derive(Clone, Debug, PartialEq)]
pub struct Curated {
    /// Indices into the input, m of them (group order for the K-wise rules, key order for
    /// `pool-softmax`, reward order for `top-m`).
    pub kept: Vec<usize>,
    /// Candidates whose weight underflowed to 0 in their group.
    pub underflow: u64,
}

/// Picks one index of a group with rewards `r` under softmax(r/τ) (`hard = false`) or the
/// argmax with uniform ties (`hard = true`), using `rng`; returns (index, underflowed weights).
/// `weights` is scratch space (resized to the group).
pub fn pick_in_group(
    r: &[f64],
    tau: f64,
    hard: bool,
    rng: &mut Rng,
    weights: &mut Vec<f64>,
) -> (usize, u64) {
    let max = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if hard {
        let ties = r.iter().filter(|&&x| x == max).count();
        let pick = rng.random_range(0..ties);
        let i = r
            .iter()
            .enumerate()
            .filter(|(_, &x)| x == max)
            .nth(pick)
            .map_or(0, |(i, _)| i);
        return (i, 0);
    }
    let inv_tau = 1.0 / tau;
    weights.clear();
    weights.extend(r.iter().map(|&x| ((x - max) * inv_tau).exp()));
    let total: f64 = weights.iter().sum();
    let under = weights.iter().filter(|&&w| w == 0.0).count() as u64;
    let u = rng.random::<f64>() * total;
    let mut acc = 0.0;
    let mut last_positive = 0;
    for (i, &w) in weights.iter().enumerate() {
        if w > 0.0 {
            last_positive = i;
        }
        acc += w;
        if u < acc {
            return (i, under);
        }
    }
    (last_positive, under)
}

/// Keeps `m` of the samples with rewards `rewards` by `rule` (K candidates per group for the
/// K-wise rules, temperature τ for the softmax rules; the paper has τ = 1, spec §7 pitfall 4).
/// The K-wise rules need N ≥ K·m, the pool rules N ≥ m; rewards must not be NaN.
pub fn curate(
    rewards: &[f64],
    rule: CurationRule,
    k: u32,
    m: usize,
    tau: f64,
    rng: &mut Rng,
) -> Result<Curated, Error> {
    lab::error::require(k >= 1, "K", f64::from(k), "≥ 1")?;
    lab::error::positive("tau", tau)?;
    if let Some(i) = rewards.iter().position(|r| r.is_nan()) {
        return Err(Error::NonFinite {
            column: "reward",
            atom: i,
            value: f64::NAN,
        });
    }
    let n = rewards.len();
    let kwise = matches!(rule, CurationRule::Kwise | CurationRule::KwiseHardmax);
    let max_m = if kwise { n / k as usize } else { n };
    lab::error::require(
        m <= max_m,
        "kept samples m",
        m as f64,
        format!("≤ {max_m} (N = {n} generated, K = {k})"),
    )?;
    let need = if kwise { k as usize * m } else { m };
    match rule {
        CurationRule::Kwise | CurationRule::KwiseHardmax => {
            let mut order: Vec<usize> = (0..n).collect();
            order.shuffle(rng);
            let hard = rule == CurationRule::KwiseHardmax;
            let mut kept = Vec::with_capacity(m);
            let mut underflow = 0;
            let mut group = Vec::with_capacity(k as usize);
            let mut weights = Vec::with_capacity(k as usize);
            for g in order[..need].chunks_exact(k as usize) {
                group.clear();
                group.extend(g.iter().map(|&i| rewards[i]));
                let (i, u) = pick_in_group(&group, tau, hard, rng, &mut weights);
                kept.push(g[i]);
                underflow += u;
            }
            Ok(Curated { kept, underflow })
        }
        CurationRule::PoolSoftmax => {
            let gumbel = Gumbel::new(0.0, 1.0).expect("standard Gumbel");
            let keys: Vec<f64> = rewards
                .iter()
                .map(|r| r / tau + gumbel.sample(rng))
                .collect();
            Ok(Curated {
                kept: top_indices(&keys, m),
                underflow: 0,
            })
        }
        CurationRule::TopM => Ok(Curated {
            kept: top_indices(rewards, m),
            underflow: 0,
        }),
    }
}

/// The indices of the m largest keys, largest first, ties by index.
fn top_indices(keys: &[f64], m: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..keys.len()).collect();
    let cmp = |a: &usize, b: &usize| keys[*b].total_cmp(&keys[*a]).then(a.cmp(b));
    if m < idx.len() && m > 0 {
        idx.select_nth_unstable_by(m - 1, cmp);
        idx.truncate(m);
    } else {
        idx.truncate(m);
    }
    idx.sort_by(cmp);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;
    use lab::seed::Seed;

    #[test]
    fn top_m_keeps_the_largest_and_pool_softmax_keeps_m_distinct() {
        let r = [0.5, 3.0, -1.0, 3.0, 2.0];
        let mut rng = Seed(0).stream("t", 0);
        let c = curate(&r, CurationRule::TopM, 1, 3, 1.0, &mut rng).unwrap();
        assert_eq!(c.kept, vec![1, 3, 4]);
        let c = curate(&r, CurationRule::PoolSoftmax, 1, 5, 1.0, &mut rng).unwrap();
        let mut k = c.kept.clone();
        k.sort();
        assert_eq!(k, vec![0, 1, 2, 3, 4]);
        assert!(curate(&r, CurationRule::Kwise, 2, 3, 1.0, &mut rng).is_err());
        assert!(curate(&r, CurationRule::Kwise, 0, 1, 1.0, &mut rng).is_err());
        assert!(curate(&[f64::NAN], CurationRule::TopM, 1, 1, 1.0, &mut rng).is_err());
    }
}
