//! Descriptive statistics over seeds and runs: mean, sample standard deviation, standard error,
//! quantiles, a one-line [`Summary`], a seeded percentile bootstrap that resamples indices
//! (seeds, reps) with replacement, and the jackknife standard error of any statistic.
//!
//! Conventions: the sample standard deviation divides by n − 1; quantiles interpolate linearly
//! between order statistics (type 7 of Hyndman and Fan, R's and NumPy's default). Undefined
//! values (the mean of nothing, the sd of one value) are NaN, never a panic.

use crate::seed::Rng;
use rand::RngExt;

/// Arithmetic mean; NaN for an empty slice.
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation (divisor n − 1); NaN with fewer than 2 values.
pub fn sd(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return f64::NAN;
    }
    let m = mean(xs);
    (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

/// Standard error of the mean, sd/√n; NaN with fewer than 2 values.
pub fn stderr(xs: &[f64]) -> f64 {
    sd(xs) / (xs.len() as f64).sqrt()
}

/// The jackknife standard error of a statistic from its n leave-one-out values x_(i) (the
/// statistic recomputed without item i): √((n−1)/n · Σ(x_(i) − x̄)²); NaN for an empty slice.
/// For the mean it is the usual s/√n. For a comparison of statistics computed on the same items
/// (seeds), pass the comparison's own leave-one-out values: the error is then paired.
pub fn jackknife_stderr(leave_outs: &[f64]) -> f64 {
    let n = leave_outs.len() as f64;
    let m = mean(leave_outs);
    ((n - 1.0) / n * leave_outs.iter().map(|x| (x - m).powi(2)).sum::<f64>()).sqrt()
}

/// The `q`-quantile (q in [0, 1]) by linear interpolation between order statistics (type 7);
/// NaN for an empty slice, a `q` outside [0, 1] or any NaN value.
pub fn quantile(xs: &[f64], q: f64) -> f64 {
    if xs.is_empty() || !(0.0..=1.0).contains(&q) || xs.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let h = q * (sorted.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Count, mean, sample sd, standard error, min and max of a set of values.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// Mean (NaN when n = 0).
    pub mean: f64,
    /// Sample standard deviation (NaN when n < 2).
    pub sd: f64,
    /// Standard error of the mean (NaN when n < 2).
    pub stderr: f64,
    /// Smallest value (NaN when n = 0).
    pub min: f64,
    /// Largest value (NaN when n = 0).
    pub max: f64,
}

impl Summary {
    /// The summary of `xs`.
    pub fn of(xs: &[f64]) -> Summary {
        let (min, max) = if xs.is_empty() {
            (f64::NAN, f64::NAN)
        } else {
            xs.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                    (lo.min(x), hi.max(x))
                })
        };
        Summary {
            n: xs.len(),
            mean: mean(xs),
            sd: sd(xs),
            stderr: stderr(xs),
            min,
            max,
        }
    }
}

/// A two-sided confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Interval {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

/// Percentile bootstrap interval at confidence `level` (e.g. 0.95) of a statistic of `n` units
/// (seeds, reps): `resamples` times, draw n indices in 0..n with replacement from `rng` and
/// evaluate `statistic` on them; the interval is the (1 − level)/2 and (1 + level)/2 quantiles
/// of the finite values. Resamples whose statistic is not finite (a fit on too few distinct
/// units) are dropped; `None` when fewer than half remain, n = 0 or `level` is not in (0, 1).
/// The same `rng` state gives the same interval.
pub fn bootstrap_ci(
    n: usize,
    statistic: impl Fn(&[usize]) -> f64,
    level: f64,
    resamples: usize,
    rng: &mut Rng,
) -> Option<Interval> {
    if n == 0 || !(level > 0.0 && level < 1.0) || resamples == 0 {
        return None;
    }
    let mut indices = vec![0usize; n];
    let mut values = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for i in indices.iter_mut() {
            *i = rng.random_range(0..n);
        }
        let v = statistic(&indices);
        if v.is_finite() {
            values.push(v);
        }
    }
    if values.len() * 2 < resamples {
        return None;
    }
    let tail = (1.0 - level) / 2.0;
    Some(Interval {
        lo: quantile(&values, tail),
        hi: quantile(&values, 1.0 - tail),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jackknife_of_a_mean_is_its_standard_error() {
        let x = [0.3, 1.7, -0.4, 2.2, 0.9, 1.1];
        let n = x.len();
        let leave_outs: Vec<f64> = (0..n)
            .map(|i| (x.iter().sum::<f64>() - x[i]) / (n - 1) as f64)
            .collect();
        let want = sd(&x) / (n as f64).sqrt();
        assert!((jackknife_stderr(&leave_outs) - want).abs() < 1e-12);
    }
    use crate::seed::Seed;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn moments_match_hand_values() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&xs), 5.0);
        // Sum of squared deviations 32, n − 1 = 7.
        assert!((sd(&xs) - (32.0f64 / 7.0).sqrt()).abs() < 1e-15);
        assert!((stderr(&xs) - (32.0f64 / 7.0 / 8.0).sqrt()).abs() < 1e-15);
        assert!(mean(&[]).is_nan() && sd(&[1.0]).is_nan() && stderr(&[1.0]).is_nan());
        let s = Summary::of(&xs);
        assert_eq!((s.n, s.min, s.max), (8, 2.0, 9.0));
        assert!(Summary::of(&[]).min.is_nan());
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        // numpy.quantile([1, 3, 2, 10], [0, .25, .5, .9, 1]) = 1, 1.75, 2.5, 7.9, 10.
        let xs = [1.0, 3.0, 2.0, 10.0];
        for (q, v) in [
            (0.0, 1.0),
            (0.25, 1.75),
            (0.5, 2.5),
            (0.9, 7.9),
            (1.0, 10.0),
        ] {
            assert!((quantile(&xs, q) - v).abs() < 1e-12, "q = {q}");
        }
        assert_eq!(quantile(&[4.0], 0.3), 4.0);
        assert!(quantile(&[], 0.5).is_nan());
        assert!(quantile(&xs, 1.5).is_nan());
        assert!(quantile(&[1.0, f64::NAN], 0.5).is_nan());
    }

    #[test]
    fn bootstrap_interval_of_the_mean_covers_at_its_level() {
        // 400 data sets of 30 N(0, 1) values: the 90% interval of the mean should cover 0 in
        // about 90% of them (a percentile bootstrap undercovers slightly at n = 30); the binomial
        // sd of the coverage is 1.5%, so [0.84, 0.95] is a ≥ 3.5 s.e. band around 0.89.
        let mut data_rng = Seed(3).stream("data", 0);
        let mut boot_rng = Seed(3).stream("boot", 0);
        let mut covered = 0;
        let sets = 400;
        for _ in 0..sets {
            let xs: Vec<f64> = (0..30)
                .map(|_| StandardNormal.sample(&mut data_rng))
                .collect();
            let ci = bootstrap_ci(
                xs.len(),
                |idx| idx.iter().map(|&i| xs[i]).sum::<f64>() / idx.len() as f64,
                0.9,
                400,
                &mut boot_rng,
            )
            .unwrap();
            assert!(ci.lo < ci.hi);
            covered += usize::from(ci.lo <= 0.0 && 0.0 <= ci.hi);
        }
        let coverage = covered as f64 / sets as f64;
        assert!((0.84..=0.95).contains(&coverage), "coverage {coverage}");
    }

    #[test]
    fn bootstrap_is_reproducible_and_refuses_degenerate_input() {
        let xs = [1.0, 2.0, 4.0, 8.0, 16.0];
        let stat = |idx: &[usize]| idx.iter().map(|&i| xs[i]).sum::<f64>();
        let a = bootstrap_ci(5, stat, 0.95, 200, &mut Seed(1).stream("b", 0));
        let b = bootstrap_ci(5, stat, 0.95, 200, &mut Seed(1).stream("b", 0));
        assert_eq!(a, b);
        let mut rng = Seed(1).stream("b", 0);
        assert!(bootstrap_ci(0, stat, 0.95, 200, &mut rng).is_none());
        assert!(bootstrap_ci(5, stat, 1.0, 200, &mut rng).is_none());
        assert!(bootstrap_ci(5, |_| f64::NAN, 0.95, 200, &mut rng).is_none());
    }
}
