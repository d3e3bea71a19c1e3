//! Exact subset-sum by meet-in-the-middle (spec A4), its brute-force reference, and the
//! checked entry point of the `subset-sum` command.
//!
//! Given a ∈ R^p and a target z, find S ⊆ {0..p−1} minimising |Σ_S a − z|. The summands are
//! split in halves A (the first ⌊p/2⌋) and B; the subset sums of each half are generated
//! already sorted by merging (the sums of the first i summands with the same list shifted by
//! a_i), which costs O(2^{p/2}) without a sort; one sweep with a pointer that only moves
//! forward then pairs every sum of A with its two neighbours z − s_A in B. Time O(2^{p/2}),
//! memory O(2^{p/2}), deterministic. Sums are formed left to right in index order, and the
//! reported sum of the chosen subset is recomputed that way, so the brute force and the MITM
//! report the same number for the same subset.
//!
//! Sparse mode: among the subsets whose error is within a tolerance of the optimum, the one
//! with the fewest elements (then the smallest error).

use crate::error::{Error, Result};

/// The most summands one instance may have (2^20 sums per half, about 30 ms).
pub const MAX_SUMMANDS: usize = 40;

/// What the solver optimises.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// The smallest |Σ_S a − z|.
    Closest,
    /// Among subsets within `tolerance` of the smallest error, the fewest elements.
    Sparse {
        /// Absolute tolerance on the error.
        tolerance: f64,
    },
}

/// An optimal subset: bit i of `mask` is set when summand i is used.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Solution {
    /// The subset as a bit mask over the summands.
    pub mask: u64,
    /// Σ_S a, summed left to right in index order.
    pub sum: f64,
    /// sum − z.
    pub error: f64,
}

impl Solution {
    /// |S|.
    pub fn size(&self) -> u32 {
        self.mask.count_ones()
    }
}

/// A reusable exact solver: its buffers grow to the largest instance seen and are never
/// freed, so solving many instances allocates nothing after the first.
#[derive(Clone, Debug, Default)]
pub struct Solver {
    left: Vec<(f64, u32)>,
    right: Vec<(f64, u32)>,
    scratch: Vec<(f64, u32)>,
}

/// Fill the first 2^{|values|} entries of `half` with the (sum, mask) pairs of all subsets of
/// `values`, sorted by sum, by repeated merging of the list with its copy shifted by the next
/// value; returns 2^{|values|}.
fn enumerate(values: &[f64], half: &mut Vec<(f64, u32)>, scratch: &mut Vec<(f64, u32)>) -> usize {
    let total = 1usize << values.len();
    for h in [&mut *half, &mut *scratch] {
        if h.len() < total {
            h.resize(total, (0.0, 0));
        }
    }
    half[0] = (0.0, 0);
    let mut n = 1;
    for (i, &v) in values.iter().enumerate() {
        let bit = 1u32 << i;
        let (src, dst) = (&half[..n], &mut scratch[..2 * n]);
        let (mut a, mut b) = (0, 0);
        for out in dst.iter_mut() {
            let ea = if a < n { src[a].0 } else { f64::INFINITY };
            let eb = if b < n { src[b].0 + v } else { f64::INFINITY };
            if ea <= eb {
                *out = src[a];
                a += 1;
            } else {
                *out = (eb, src[b].1 | bit);
                b += 1;
            }
        }
        std::mem::swap(half, scratch);
        n *= 2;
    }
    n
}

/// Σ_{i ∈ mask} values[i], left to right.
fn masked_sum(values: &[f64], mask: u64) -> f64 {
    let mut sum = 0.0;
    for (i, v) in values.iter().enumerate() {
        if mask >> i & 1 == 1 {
            sum += v;
        }
    }
    sum
}

impl Solver {
    /// A solver with empty buffers.
    pub fn new() -> Solver {
        Solver::default()
    }

    /// The exact optimum for `values` (all finite) and `target`. Panics with more than
    /// [`MAX_SUMMANDS`] values (a programming error: [`subset_sum`] is the checked entry point).
    pub fn solve(&mut self, values: &[f64], target: f64, mode: Mode) -> Solution {
        assert!(
            values.len() <= MAX_SUMMANDS,
            "at most {MAX_SUMMANDS} summands"
        );
        let h = values.len() / 2;
        let na = enumerate(&values[..h], &mut self.left, &mut self.scratch);
        let nb = enumerate(&values[h..], &mut self.right, &mut self.scratch);
        let (left, right) = (&self.left[..na], &self.right[..nb]);
        // Closest pair: left sums descending, so z − s_A ascends and `j` only moves forward.
        let (mut best, mut best_i, mut best_j) = (f64::INFINITY, 0, 0);
        let mut j = 0;
        for i in (0..na).rev() {
            let t = target - left[i].0;
            while j < nb && right[j].0 < t {
                j += 1;
            }
            for c in [j.wrapping_sub(1), j] {
                if c < nb {
                    let err = (left[i].0 + right[c].0 - target).abs();
                    if err < best {
                        (best, best_i, best_j) = (err, i, c);
                    }
                }
            }
            if best == 0.0 {
                break;
            }
        }
        if let Mode::Sparse { tolerance } = mode {
            let bound = best + tolerance;
            let mut key = (u32::MAX, f64::INFINITY);
            let (mut lo, mut hi) = (0, 0);
            for i in (0..na).rev() {
                let t = target - left[i].0;
                while lo < nb && right[lo].0 < t - bound {
                    lo += 1;
                }
                hi = hi.max(lo);
                while hi < nb && right[hi].0 <= t + bound {
                    hi += 1;
                }
                for (c, r) in right.iter().enumerate().take(hi).skip(lo) {
                    let err = (left[i].0 + r.0 - target).abs();
                    if err <= bound {
                        let size = left[i].1.count_ones() + r.1.count_ones();
                        if (size, err) < key {
                            key = (size, err);
                            (best_i, best_j) = (i, c);
                        }
                    }
                }
            }
        }
        let mask = u64::from(left[best_i].1) | u64::from(right[best_j].1) << h;
        let sum = masked_sum(values, mask);
        Solution {
            mask,
            sum,
            error: sum - target,
        }
    }
}

/// The reference: every one of the 2^p subsets, sums formed left to right (p ≤ 24; tests).
/// Ties go to the smallest mask; in sparse mode, the fewest elements within the tolerance,
/// then the smallest error.
pub fn brute_force(values: &[f64], target: f64, mode: Mode) -> Solution {
    assert!(values.len() <= 24, "brute force is for p ≤ 24");
    let errors: Vec<f64> = (0..1u64 << values.len())
        .map(|mask| (masked_sum(values, mask) - target).abs())
        .collect();
    let mut best = 0u64;
    for (mask, &e) in errors.iter().enumerate() {
        if e < errors[best as usize] {
            best = mask as u64;
        }
    }
    if let Mode::Sparse { tolerance } = mode {
        let bound = errors[best as usize] + tolerance;
        let mut key = (u32::MAX, f64::INFINITY);
        for (mask, &e) in errors.iter().enumerate() {
            let size = (mask as u64).count_ones();
            if e <= bound && (size, e) < key {
                key = (size, e);
                best = mask as u64;
            }
        }
    }
    let sum = masked_sum(values, best);
    Solution {
        mask: best,
        sum,
        error: sum - target,
    }
}

/// Peak memory of one instance with `p` summands: the sorted (sum, mask) lists of both halves
/// and the merge buffer, 2^⌈p/2⌉ entries of 16 bytes each.
pub fn memory_bytes(p: usize) -> u64 {
    (3 * 16u64) << p.min(MAX_SUMMANDS).div_ceil(2)
}

/// The exact optimum as the `subset-sum` command prints it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SubsetSumResult {
    /// Indices of the chosen summands, 0-based, ascending.
    pub subset: Vec<usize>,
    /// Σ_S a.
    pub sum: f64,
    /// sum − target.
    pub error: f64,
    /// |sum − target|.
    pub abs_error: f64,
    /// Number of summands given.
    pub p: usize,
}

/// The tie tolerance of the sparse mode: 10⁻¹² · max(1, |z|, Σ|a|), above the rounding of
/// sums of at most 40 terms and below every tolerance η used in the experiments.
pub fn sparse_tolerance(values: &[f64], target: f64) -> f64 {
    let scale = values.iter().map(|v| v.abs()).sum::<f64>();
    1e-12 * scale.max(target.abs()).max(1.0)
}

/// Solve one instance exactly. Refuses an empty list, more than [`MAX_SUMMANDS`] values, a
/// non-finite value or target, and values whose absolute sum overflows.
pub fn subset_sum(values: &[f64], target: f64, sparse: bool) -> Result<SubsetSumResult> {
    if values.is_empty() {
        return Err(Error::NoSummands);
    }
    if values.len() > MAX_SUMMANDS {
        return Err(Error::TooManySummands {
            count: values.len(),
            limit: MAX_SUMMANDS,
        });
    }
    for &v in values {
        lab::error::finite("summand", v)?;
    }
    lab::error::finite("target", target)?;
    let total = values.iter().map(|v| v.abs()).sum::<f64>() + target.abs();
    lab::error::finite("sum of |summands| and |target|", total)?;
    let mode = if sparse {
        Mode::Sparse {
            tolerance: sparse_tolerance(values, target),
        }
    } else {
        Mode::Closest
    };
    let s = Solver::new().solve(values, target, mode);
    Ok(SubsetSumResult {
        subset: (0..values.len()).filter(|i| s.mask >> i & 1 == 1).collect(),
        sum: s.sum,
        error: s.error,
        abs_error: s.error.abs(),
        p: values.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lab::seed::Seed;
    use rand::RngExt;

    /// Spec §8 item 4: MITM equals brute force (same optimal error to 1e-15) on 1000 random
    /// instances with p ≤ 16, in both modes.
    #[test]
    fn mitm_equals_brute_force_on_1000_instances() {
        let mut rng = Seed(4).stream("test.subset-sum", 0);
        let mut same_subset = 0;
        for trial in 0..1000 {
            let p = rng.random_range(1..=16usize);
            let scale = if trial % 2 == 0 { 1.0 } else { 1e3 };
            let values: Vec<f64> = (0..p)
                .map(|_| scale * (2.0 * rng.random::<f64>() - 1.0))
                .collect();
            let target = scale * (2.0 * rng.random::<f64>() - 1.0);
            let mut solver = Solver::new();
            for mode in [
                Mode::Closest,
                Mode::Sparse {
                    tolerance: 0.01 * scale,
                },
            ] {
                let fast = solver.solve(&values, target, mode);
                let slow = brute_force(&values, target, mode);
                let tol = 1e-15 * scale;
                assert!(
                    (fast.error.abs() - slow.error.abs()).abs() <= tol,
                    "trial {trial} p {p} {mode:?}: {fast:?} vs {slow:?}"
                );
                assert_eq!((fast.sum - target), fast.error);
                if let Mode::Sparse { .. } = mode {
                    assert_eq!(fast.size(), slow.size(), "trial {trial}");
                } else {
                    same_subset += usize::from(fast.mask == slow.mask);
                }
            }
        }
        // Exact ties at rounding level are essentially impossible for random reals.
        assert!(same_subset >= 995, "{same_subset}");
    }

    #[test]
    fn hand_instances_and_negative_values() {
        // 0.25 + 0.7 = 0.95 vs target 1: the closest subset of {−0.5, 0.25, 0.7} to −0.3 is
        // {−0.5, 0.25} (−0.25, error 0.05).
        let r = subset_sum(&[-0.5, 0.25, 0.7], -0.3, false).unwrap();
        assert_eq!(r.subset, vec![0, 1]);
        assert!((r.error - 0.05).abs() < 1e-15 && r.p == 3);
        // Exact hit: {3, 5} and {8} both reach 8; sparse mode takes the single element.
        let dense = subset_sum(&[3.0, 5.0, 8.0], 8.0, false).unwrap();
        assert_eq!(dense.abs_error, 0.0);
        let sparse = subset_sum(&[3.0, 5.0, 8.0], 8.0, true).unwrap();
        assert_eq!(sparse.subset, vec![2]);
        // The empty subset is allowed: target 0.
        assert!(subset_sum(&[1.0, 2.0], 0.0, false)
            .unwrap()
            .subset
            .is_empty());
    }

    #[test]
    fn bad_instances_are_refused_with_typed_errors() {
        assert_eq!(subset_sum(&[], 0.0, false), Err(Error::NoSummands));
        assert_eq!(
            subset_sum(&[0.1; 41], 0.0, false),
            Err(Error::TooManySummands {
                count: 41,
                limit: 40
            })
        );
        for bad in [f64::NAN, f64::INFINITY] {
            assert!(matches!(
                subset_sum(&[0.5, bad], 0.0, false),
                Err(Error::Invalid(_))
            ));
            assert!(matches!(
                subset_sum(&[0.5], bad, false),
                Err(Error::Invalid(_))
            ));
        }
        assert!(matches!(
            subset_sum(&[f64::MAX, f64::MAX], 0.0, false),
            Err(Error::Invalid(_))
        ));
        assert!(subset_sum(&[0.5; 40], 3.0, false).is_ok());
    }
}
