//! Small numerical kernels the crate needs everywhere: compensated summation, log-sum-exp,
//! entropies and KL divergences of finite distributions.
//!
//! Hand-written: each is a few lines and no maintained crate offers them for plain `f64`
//! slices without pulling in a tensor library. Candidates to move into `lab`.

/// Σ xs by Neumaier's compensated summation (error ~1 ulp of the sum, independent of n), in
/// slice order.
pub fn sum(xs: &[f64]) -> f64 {
    sum_iter(xs.iter().copied())
}

/// Σ of an iterator by Neumaier's compensated summation, in iteration order.
pub fn sum_iter(xs: impl IntoIterator<Item = f64>) -> f64 {
    let mut acc = Neumaier::default();
    for x in xs {
        acc.add(x);
    }
    acc.value()
}

/// A running Neumaier-compensated sum.
#[derive(Clone, Copy, Debug, Default)]
struct Neumaier {
    sum: f64,
    carry: f64,
}

impl Neumaier {
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        self.carry += if self.sum.abs() >= x.abs() {
            (self.sum - t) + x
        } else {
            (x - t) + self.sum
        };
        self.sum = t;
    }

    fn value(&self) -> f64 {
        self.sum + self.carry
    }
}

/// ln Σ e^{x_i}, stable for any range; −∞ for an empty slice or all −∞.
pub fn log_sum_exp(xs: &[f64]) -> f64 {
    let m = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY || m.is_nan() {
        return m;
    }
    if m == f64::INFINITY {
        return m;
    }
    m + xs.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// Shannon entropy −Σ p ln p in nats (0 ln 0 = 0).
pub fn entropy(p: &[f64]) -> f64 {
    0.0 - sum_iter(p.iter().filter(|&&x| x > 0.0).map(|&x| x * x.ln()))
}

/// KL(a‖b) = Σ a ln(a/b) in nats; +∞ when b = 0 somewhere a > 0.
pub fn kl(a: &[f64], b: &[f64]) -> f64 {
    let mut terms = Vec::with_capacity(a.len());
    for (&x, &y) in a.iter().zip(b) {
        if x > 0.0 {
            if y <= 0.0 {
                return f64::INFINITY;
            }
            terms.push(x * (x / y).ln());
        }
    }
    sum(&terms)
}

/// ln k! for k = 0..=n (by summing logarithms; relative error ~1e-15).
pub fn ln_factorials(n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n + 1);
    let mut acc = Neumaier::default();
    out.push(0.0);
    for k in 1..=n {
        acc.add((k as f64).ln());
        out.push(acc.value());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensated_sum_recovers_what_naive_summation_loses() {
        // 1 + 1e-16 added 10^4 times: exact 1 + 1e-12; naive summation returns 1.
        let mut xs = vec![1.0];
        xs.extend(std::iter::repeat_n(1e-16, 10_000));
        assert!((sum(&xs) - (1.0 + 1e-12)).abs() < 1e-15);
        assert_eq!(xs.iter().sum::<f64>(), 1.0);
    }

    #[test]
    fn log_sum_exp_matches_direct_and_handles_extremes() {
        let xs = [0.1, -2.0, 1.5];
        let direct = xs.iter().map(|x: &f64| x.exp()).sum::<f64>().ln();
        assert!((log_sum_exp(&xs) - direct).abs() < 1e-15);
        assert!((log_sum_exp(&[-1000.0, -1000.0]) - (-1000.0 + 2f64.ln())).abs() < 1e-12);
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
    }

    #[test]
    fn entropy_and_kl_match_hand_values() {
        assert!((entropy(&[0.5, 0.5]) - 2f64.ln()).abs() < 1e-15);
        assert_eq!(entropy(&[1.0, 0.0]), 0.0);
        // KL((½,½)‖(¼,¾)) = ½ ln 2 + ½ ln(2/3).
        let want = 0.5 * 2f64.ln() + 0.5 * (2.0f64 / 3.0).ln();
        assert!((kl(&[0.5, 0.5], &[0.25, 0.75]) - want).abs() < 1e-15);
        assert_eq!(kl(&[0.5, 0.5], &[1.0, 0.0]), f64::INFINITY);
        let lf = ln_factorials(20);
        assert!((lf[20] - 2_432_902_008_176_640_000f64.ln()).abs() < 1e-13);
    }
}
