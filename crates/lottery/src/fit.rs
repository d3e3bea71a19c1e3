//! Least squares with two regressors, y ≈ a·x₁ + b·x₂ + c (the width law of E6). A general
//! helper that `lab::fit` lacks (it fits one regressor); a candidate to move there.

/// A fitted plane y = a·x₁ + b·x₂ + c.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlaneFit {
    /// Coefficient of x₁.
    pub a: f64,
    /// Coefficient of x₂.
    pub b: f64,
    /// Intercept.
    pub c: f64,
    /// Standard error of a (NaN with 3 points).
    pub a_stderr: f64,
    /// Standard error of b (NaN with 3 points).
    pub b_stderr: f64,
    /// Coefficient of determination (NaN when all y are equal).
    pub r2: f64,
    /// Points used.
    pub n: usize,
}

/// Ordinary least squares of y on (x₁, x₂, 1) over the points with all three finite; None with
/// fewer than 3 points or collinear regressors. Panics if the slices differ in length.
pub fn fit_plane(x1: &[f64], x2: &[f64], y: &[f64]) -> Option<PlaneFit> {
    assert!(
        x1.len() == y.len() && x2.len() == y.len(),
        "fit_plane: lengths differ"
    );
    let pts: Vec<(f64, f64, f64)> = x1
        .iter()
        .zip(x2)
        .zip(y)
        .map(|((&a, &b), &c)| (a, b, c))
        .filter(|(a, b, c)| a.is_finite() && b.is_finite() && c.is_finite())
        .collect();
    let n = pts.len();
    if n < 3 {
        return None;
    }
    let nf = n as f64;
    // Centre the regressors; the intercept follows from the means.
    let (m1, m2, my) = pts.iter().fold((0.0, 0.0, 0.0), |(s1, s2, s3), p| {
        (s1 + p.0 / nf, s2 + p.1 / nf, s3 + p.2 / nf)
    });
    let (mut s11, mut s12, mut s22, mut s1y, mut s2y, mut syy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for &(a, b, c) in &pts {
        let (u, v, w) = (a - m1, b - m2, c - my);
        s11 += u * u;
        s12 += u * v;
        s22 += v * v;
        s1y += u * w;
        s2y += v * w;
        syy += w * w;
    }
    let det = s11 * s22 - s12 * s12;
    if det.abs() <= 1e-12 * (s11 * s22).max(f64::MIN_POSITIVE) {
        return None;
    }
    let a = (s22 * s1y - s12 * s2y) / det;
    let b = (s11 * s2y - s12 * s1y) / det;
    let c = my - a * m1 - b * m2;
    let sse: f64 = pts
        .iter()
        .map(|&(u, v, w)| (w - a * u - b * v - c).powi(2))
        .sum();
    let (a_stderr, b_stderr) = if n > 3 {
        let s2 = sse / (n - 3) as f64;
        ((s2 * s22 / det).sqrt(), (s2 * s11 / det).sqrt())
    } else {
        (f64::NAN, f64::NAN)
    };
    Some(PlaneFit {
        a,
        b,
        c,
        a_stderr,
        b_stderr,
        r2: if syy > 0.0 { 1.0 - sse / syy } else { f64::NAN },
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_plane_and_degenerate_inputs() {
        let x1 = [0.0, 1.0, 0.0, 1.0, 2.0, f64::NAN];
        let x2 = [0.0, 0.0, 1.0, 1.0, 3.0, 1.0];
        let y: Vec<f64> = x1
            .iter()
            .zip(&x2)
            .map(|(a, b)| 2.0 * a - 0.5 * b + 3.0)
            .collect();
        let f = fit_plane(&x1, &x2, &y).unwrap();
        assert_eq!(f.n, 5);
        assert!(
            (f.a - 2.0).abs() < 1e-13 && (f.b + 0.5).abs() < 1e-13 && (f.c - 3.0).abs() < 1e-13
        );
        assert!((f.r2 - 1.0).abs() < 1e-13 && f.a_stderr < 1e-12);
        // Collinear regressors: no fit.
        assert!(fit_plane(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0], &[1.0, 2.0, 4.0]).is_none());
        assert!(fit_plane(&[1.0, 2.0], &[0.0, 1.0], &[1.0, 2.0]).is_none());
    }

    #[test]
    fn hand_computed_residuals() {
        // Points (x1, x2, y): (0,0,0), (1,0,1), (0,1,1), (1,1,3): the fit is a = b = 1.5,
        // c = −0.25, residuals ±0.25, SSE 0.25, s² = 0.25, Sxx = diag(1, 1): se = 0.5.
        let f = fit_plane(
            &[0.0, 1.0, 0.0, 1.0],
            &[0.0, 0.0, 1.0, 1.0],
            &[0.0, 1.0, 1.0, 3.0],
        )
        .unwrap();
        assert!((f.a - 1.5).abs() < 1e-14 && (f.b - 1.5).abs() < 1e-14);
        assert!((f.c + 0.25).abs() < 1e-14);
        assert!((f.a_stderr - 0.5).abs() < 1e-14 && (f.b_stderr - 0.5).abs() < 1e-14);
    }
}
