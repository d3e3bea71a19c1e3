//! The crate's only linear algebra (faer, always sequential via an explicit `Par::Seq`):
//! spectral norms of expanded layers (target rescaling, A7) and numerical ranks (basis tests).

use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors};
use faer::{Mat, Par};

/// Singular values, nonincreasing, of the row-major `rows`×`cols` matrix `a` (all NaN when
/// `a` has a non-finite entry or the SVD does not converge).
pub fn singular_values(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    assert_eq!(a.len(), rows * cols, "singular_values: shape mismatch");
    if rows == 0 || cols == 0 {
        return vec![];
    }
    if a.iter().any(|v| !v.is_finite()) {
        return vec![f64::NAN; rows.min(cols)];
    }
    let m = Mat::<f64>::from_fn(rows, cols, |i, j| a[i * cols + j]);
    let mut s = Diag::<f64>::zeros(rows.min(cols));
    let par = Par::Seq;
    let mut mem = MemBuffer::new(svd_scratch::<f64>(
        rows,
        cols,
        ComputeSvdVectors::No,
        ComputeSvdVectors::No,
        par,
        Default::default(),
    ));
    let done = svd(
        m.as_ref(),
        s.as_mut(),
        None,
        None,
        par,
        MemStack::new(&mut mem),
        Default::default(),
    );
    match done {
        Ok(()) => s.column_vector().iter().copied().collect(),
        Err(_) => vec![f64::NAN; rows.min(cols)],
    }
}

/// Spectral norm ‖a‖₂ (largest singular value; 0 for an empty matrix).
pub fn spectral_norm(a: &[f64], rows: usize, cols: usize) -> f64 {
    singular_values(a, rows, cols)
        .first()
        .copied()
        .unwrap_or(0.0)
}

/// Numerical rank: singular values above `rel_tol` times the largest.
pub fn rank(a: &[f64], rows: usize, cols: usize, rel_tol: f64) -> usize {
    let s = singular_values(a, rows, cols);
    let top = s.first().copied().unwrap_or(0.0);
    s.iter().filter(|&&v| v > rel_tol * top && v > 0.0).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_and_rank_of_known_matrices() {
        // [[3, 0], [0, -2], [0, 0]]: singular values 3, 2.
        let a = [3.0, 0.0, 0.0, -2.0, 0.0, 0.0];
        assert!((spectral_norm(&a, 3, 2) - 3.0).abs() < 1e-14);
        assert_eq!(rank(&a, 3, 2, 1e-12), 2);
        // Rank-one outer product.
        let b: Vec<f64> = (0..12)
            .map(|i| ((i / 4) + 1) as f64 * ((i % 4) + 1) as f64)
            .collect();
        assert_eq!(rank(&b, 3, 4, 1e-12), 1);
        assert!(spectral_norm(&[f64::NAN, 1.0], 1, 2).is_nan());
        // ‖u vᵀ‖ = ‖u‖‖v‖ = √14 √30.
        assert!((spectral_norm(&b, 3, 4) - (14.0f64 * 30.0).sqrt()).abs() < 1e-12);
    }
}
