//! Least-squares fits: straight lines, power laws on log-log axes, and saturating power laws
//! L(t) = L∞ + a·t^(−η) ([`fit_saturating`]).

/// A least-squares line `y = intercept + slope * x` (for [`fit_loglog`], `ln y` on `ln x`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearFit {
    /// The fitted slope (the exponent of a log-log fit).
    pub slope: f64,
    /// The fitted y at x = 0 (`ln y` at x = 1 for a log-log fit).
    pub intercept: f64,
    /// Standard error of the slope (NaN when `n == 2`).
    pub slope_stderr: f64,
    /// Standard error of the intercept (NaN when `n == 2`).
    pub intercept_stderr: f64,
    /// Number of points used.
    pub n: usize,
    /// Coefficient of determination (NaN when all used y are equal).
    pub r2: f64,
}

/// A power-law fit: [`LinearFit`] of `ln y` on `ln x`.
pub type LogLogFit = LinearFit;

/// Least-squares line through the points with both coordinates finite. None if fewer than 2
/// points or all used x are equal (standard errors NaN when n == 2). Panics if `x` and `y`
/// differ in length (a programming error).
pub fn fit_linear(x: &[f64], y: &[f64]) -> Option<LinearFit> {
    assert_eq!(x.len(), y.len(), "fit_linear: x and y differ in length");
    let (lx, ly): (Vec<f64>, Vec<f64>) = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .unzip();
    least_squares(&lx, &ly)
}

/// Least-squares slope of ln y on ln x using only points with x>0, y>0, both finite, and lo <= x <= hi
/// when a window is given. None if fewer than 2 points or all used x are equal (stderr NaN when n == 2).
/// Panics if `x` and `y` differ in length (a programming error).
pub fn fit_loglog(x: &[f64], y: &[f64], window: Option<(f64, f64)>) -> Option<LogLogFit> {
    assert_eq!(x.len(), y.len(), "fit_loglog: x and y differ in length");
    let in_window = |v: f64| window.is_none_or(|(lo, hi)| lo <= v && v <= hi);
    let (lx, ly): (Vec<f64>, Vec<f64>) = x
        .iter()
        .zip(y)
        .filter(|&(&a, &b)| a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite() && in_window(a))
        .map(|(a, b)| (a.ln(), b.ln()))
        .unzip();
    least_squares(&lx, &ly)
}

/// Ordinary least squares of `ly` on `lx` (all points used).
fn least_squares(lx: &[f64], ly: &[f64]) -> Option<LinearFit> {
    let n = lx.len();
    if n < 2 {
        return None;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n as f64;
    let (mx, my) = (mean(lx), mean(ly));
    let sxx: f64 = lx.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = ly.iter().map(|b| (b - my).powi(2)).sum();
    let sxy: f64 = lx.iter().zip(ly).map(|(a, b)| (a - mx) * (b - my)).sum();
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let sse: f64 = lx
        .iter()
        .zip(ly)
        .map(|(a, b)| (b - intercept - slope * a).powi(2))
        .sum();
    let (slope_stderr, intercept_stderr) = if n > 2 {
        let s2 = sse / (n - 2) as f64;
        let sx2: f64 = lx.iter().map(|a| a * a).sum();
        ((s2 / sxx).sqrt(), (s2 * sx2 / (n as f64 * sxx)).sqrt())
    } else {
        (f64::NAN, f64::NAN)
    };
    let r2 = if syy > 0.0 { 1.0 - sse / syy } else { f64::NAN };
    Some(LinearFit {
        slope,
        intercept,
        slope_stderr,
        intercept_stderr,
        n,
        r2,
    })
}

/// A least-squares saturating power law `y = floor + amplitude · x^(−exponent)`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct SaturatingFit {
    /// η, the exponent of the decay (positive for a decreasing curve).
    pub exponent: f64,
    /// Standard error of η from the linearised model at the optimum (NaN when n = 3).
    pub exponent_stderr: f64,
    /// L∞, the level the curve tends to.
    pub floor: f64,
    /// a, the amplitude of the decaying part.
    pub amplitude: f64,
    /// Number of points used.
    pub n: usize,
    /// Coefficient of determination on linear axes.
    pub r2: f64,
    /// Whether η sits at an end of the searched range [`SATURATING_EXPONENTS`] (the fit then
    /// says little about η).
    pub at_edge: bool,
}

/// The range of η searched by [`fit_saturating`].
pub const SATURATING_EXPONENTS: (f64, f64) = (1e-3, 10.0);

/// Fits `y = L∞ + a·x^(−η)` by nonlinear least squares on linear axes, over the points with
/// x > 0 and both coordinates finite: variable projection (for each η the best L∞ and a solve a
/// 2-parameter linear least squares), with η found by a scan of 200 log-spaced values of
/// [`SATURATING_EXPONENTS`] refined by golden-section search; η's standard error comes from the
/// Jacobian (1, x^(−η), −a·ln x·x^(−η)) at the optimum, s² = SSE/(n − 3). `None` with fewer
/// than 3 distinct x. Panics if `x` and `y` differ in length (a programming error).
pub fn fit_saturating(x: &[f64], y: &[f64]) -> Option<SaturatingFit> {
    assert_eq!(x.len(), y.len(), "fit_saturating: x and y differ in length");
    let (px, py): (Vec<f64>, Vec<f64>) = x
        .iter()
        .zip(y)
        .filter(|(a, b)| **a > 0.0 && a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .unzip();
    let n = px.len();
    let mut distinct = px.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() < 3 {
        return None;
    }
    // For a given η: the linear fit of y on x^(−η) and its sum of squares.
    let solve = |eta: f64| -> Option<(f64, f64, f64)> {
        let z: Vec<f64> = px.iter().map(|v| v.powf(-eta)).collect();
        let fit = least_squares(&z, &py)?;
        let sse: f64 = z
            .iter()
            .zip(&py)
            .map(|(zi, yi)| (yi - fit.intercept - fit.slope * zi).powi(2))
            .sum();
        Some((fit.intercept, fit.slope, sse))
    };
    let (lo, hi) = (SATURATING_EXPONENTS.0.ln(), SATURATING_EXPONENTS.1.ln());
    let grid: Vec<f64> = (0..200)
        .map(|i| lo + (hi - lo) * i as f64 / 199.0)
        .collect();
    let sse_at = |log_eta: f64| solve(log_eta.exp()).map_or(f64::INFINITY, |s| s.2);
    let best = (0..grid.len()).min_by(|&i, &j| sse_at(grid[i]).total_cmp(&sse_at(grid[j])))?;
    let at_edge = best == 0 || best == grid.len() - 1;
    // Golden-section refinement between the neighbours of the best grid point.
    let (mut a, mut b) = (
        grid[best.saturating_sub(1)],
        grid[(best + 1).min(grid.len() - 1)],
    );
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..100 {
        let (c, d) = (b - g * (b - a), a + g * (b - a));
        if sse_at(c) < sse_at(d) {
            b = d;
        } else {
            a = c;
        }
    }
    let eta = ((a + b) / 2.0).exp();
    let (floor, amplitude, sse) = solve(eta)?;
    // Gauss-Newton covariance (JᵀJ)^{-1}·s² at the optimum; η is the third parameter.
    let mut jtj = [[0.0f64; 3]; 3];
    for &xi in &px {
        let z = xi.powf(-eta);
        let row = [1.0, z, -amplitude * xi.ln() * z];
        for r in 0..3 {
            for c in 0..3 {
                jtj[r][c] += row[r] * row[c];
            }
        }
    }
    let exponent_stderr = if n > 3 {
        let m = jtj;
        let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
        let cof22 = m[0][0] * m[1][1] - m[0][1] * m[1][0];
        (sse / (n - 3) as f64 * cof22 / det).sqrt()
    } else {
        f64::NAN
    };
    let mean = py.iter().sum::<f64>() / n as f64;
    let syy: f64 = py.iter().map(|v| (v - mean).powi(2)).sum();
    Some(SaturatingFit {
        exponent: eta,
        exponent_stderr,
        floor,
        amplitude,
        n,
        r2: if syy > 0.0 { 1.0 - sse / syy } else { f64::NAN },
        at_edge,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn linear_fit_matches_hand_computation() {
        // x = 0, 1, 2, y = 0, 1, 3: slope 3/2, intercept −1/6, SSE 1/6, s² = 1/6, Sxx = 2,
        // Σx² = 5: se(slope) = √(1/12), se(intercept) = √(5/36).
        let fit = fit_linear(&[0.0, 1.0, f64::NAN, 2.0], &[0.0, 1.0, 7.0, 3.0]).unwrap();
        assert_eq!(fit.n, 3);
        assert!((fit.slope - 1.5).abs() < 1e-14);
        assert!((fit.intercept + 1.0 / 6.0).abs() < 1e-14);
        assert!((fit.slope_stderr - (1.0f64 / 12.0).sqrt()).abs() < 1e-14);
        assert!((fit.intercept_stderr - (5.0f64 / 36.0).sqrt()).abs() < 1e-14);
        assert!(fit_linear(&[1.0, 1.0], &[0.0, 2.0]).is_none());
    }

    #[test]
    fn saturating_fit_recovers_an_exact_law_and_its_noise_level() {
        // y = 1.5 + 3·x^(−0.4) exactly: the parameters come back to 1e-6.
        let x: Vec<f64> = (0..60).map(|i| 10f64.powf(1.0 + i as f64 / 15.0)).collect();
        let y: Vec<f64> = x.iter().map(|v| 1.5 + 3.0 * v.powf(-0.4)).collect();
        let fit = fit_saturating(&x, &y).unwrap();
        assert!((fit.exponent - 0.4).abs() < 1e-6, "{fit:?}");
        assert!(
            (fit.floor - 1.5).abs() < 1e-6 && (fit.amplitude - 3.0).abs() < 1e-5,
            "{fit:?}"
        );
        assert!(!fit.at_edge && fit.r2 > 1.0 - 1e-12);
        // With N(0, 0.01²) noise on 60 points the estimate is within 4 standard errors, and
        // the standard error is of the size a Monte Carlo over 200 noise draws gives (±40%).
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let mut noisy = || -> Vec<f64> {
            y.iter()
                .map(|v| {
                    let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
                    v + 0.01 * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
                })
                .collect()
        };
        let first = fit_saturating(&x, &noisy()).unwrap();
        assert!(
            (first.exponent - 0.4).abs() < 4.0 * first.exponent_stderr,
            "{first:?}"
        );
        let etas: Vec<f64> = (0..200)
            .map(|_| fit_saturating(&x, &noisy()).unwrap().exponent)
            .collect();
        let sd = crate::stats::sd(&etas);
        let ratio = first.exponent_stderr / sd;
        assert!(
            (0.6..1.4).contains(&ratio),
            "stderr {} vs Monte Carlo sd {sd}",
            first.exponent_stderr
        );
        // Fewer than 3 distinct x: no fit.
        assert!(fit_saturating(&[1.0, 1.0, 2.0], &[1.0, 2.0, 3.0]).is_none());
    }

    #[test]
    fn exact_power_law() {
        let x: Vec<f64> = (1..=50).map(|i| 1.3f64.powi(i)).collect();
        let y: Vec<f64> = x.iter().map(|v| 3.0 * v.powf(-1.5)).collect();
        let fit = fit_loglog(&x, &y, None).unwrap();
        assert!((fit.slope + 1.5).abs() < 1e-12, "{fit:?}");
        assert!((fit.intercept - 3f64.ln()).abs() < 1e-11, "{fit:?}");
        assert!(fit.slope_stderr < 1e-12, "{fit:?}");
        assert!((fit.r2 - 1.0).abs() < 1e-12, "{fit:?}");
        assert_eq!(fit.n, 50);
    }

    #[test]
    fn matches_hand_computation() {
        // ln x = 0, 1, 2 and ln y = 0, 1, 3: slope 3/2, intercept -1/6, SSE 1/6, Syy 14/3.
        let e = std::f64::consts::E;
        let fit = fit_loglog(&[1.0, e, e * e], &[1.0, e, e.powi(3)], None).unwrap();
        assert!((fit.slope - 1.5).abs() < 1e-14);
        assert!((fit.intercept + 1.0 / 6.0).abs() < 1e-14);
        assert!((fit.slope_stderr - (1.0f64 / 12.0).sqrt()).abs() < 1e-14);
        assert!((fit.r2 - 27.0 / 28.0).abs() < 1e-14);
    }

    #[test]
    fn noisy_power_law_within_stderr() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let sigma = 0.2;
        let x: Vec<f64> = (0..400).map(|i| 10f64.powf(i as f64 / 100.0)).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|v| {
                // Box-Muller standard normal.
                let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                2.0 * v.powf(0.7) * (sigma * z).exp()
            })
            .collect();
        let fit = fit_loglog(&x, &y, None).unwrap();
        assert!((fit.slope - 0.7).abs() < 4.0 * fit.slope_stderr, "{fit:?}");
        // The stderr should match its theoretical value sigma / sqrt(Sxx).
        let lx: Vec<f64> = x.iter().map(|v| v.ln()).collect();
        let m = lx.iter().sum::<f64>() / lx.len() as f64;
        let sxx: f64 = lx.iter().map(|a| (a - m).powi(2)).sum();
        let ratio = fit.slope_stderr / (sigma / sxx.sqrt());
        assert!((0.85..1.15).contains(&ratio), "stderr ratio {ratio}");
    }

    #[test]
    fn window_and_invalid_points() {
        // Slope 1 below x = 10, slope 2 above (continuous at 10).
        let x: Vec<f64> = (0..=40).map(|i| 10f64.powf(i as f64 / 10.0)).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|&v| if v <= 10.0 { v } else { v * v / 10.0 })
            .collect();
        let high = fit_loglog(&x, &y, Some((9.99, 1.001e4))).unwrap();
        assert!((high.slope - 2.0).abs() < 1e-12, "{high:?}");
        assert_eq!(high.n, 31);
        let low = fit_loglog(&x, &y, Some((0.5, 10.01))).unwrap();
        assert!((low.slope - 1.0).abs() < 1e-12, "{low:?}");
        assert_eq!(low.n, 11);

        let x = [0.0, -1.0, f64::NAN, 1.0, 2.0, 4.0, f64::INFINITY, 8.0];
        let y = [1.0, 1.0, 1.0, 1.0, 4.0, f64::NAN, 3.0, 64.0];
        let fit = fit_loglog(&x, &y, None).unwrap();
        assert_eq!(fit.n, 3);
        assert!((fit.slope - 2.0).abs() < 1e-12);

        let two = fit_loglog(&[1.0, 2.0], &[1.0, 8.0], None).unwrap();
        assert!((two.slope - 3.0).abs() < 1e-12 && two.slope_stderr.is_nan());
        assert!(fit_loglog(&[1.0, 2.0], &[1.0, -8.0], None).is_none());
        assert!(fit_loglog(&[3.0, 3.0], &[1.0, 2.0], None).is_none());
    }
}
