//! Every call into faer: Cholesky factors (GMM, Gaussian sampling), symmetric
//! eigendecompositions (PCA, matrix square roots), and what is built from them (inverse of a
//! symmetric positive definite matrix, tr (AB)^{1/2}, the Fréchet distance).
//!
//! Matrices cross this boundary as row-major `&[f64]` of side `d`. Every call runs with
//! `Par::Seq`: the callers are already parallel over seeds or chunks, and faer's global
//! parallelism is never touched.

use crate::error::Error;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{cholesky_in_place, cholesky_in_place_scratch};
use faer::linalg::evd::{self_adjoint_evd, self_adjoint_evd_scratch, ComputeEigenvectors};
use faer::{Mat, Par};

fn to_mat(a: &[f64], d: usize) -> Mat<f64> {
    Mat::from_fn(d, d, |i, j| a[i * d + j])
}

/// The lower Cholesky factor L (row-major, zeros above the diagonal) of a symmetric positive
/// definite matrix `a` (row-major, side `d`; only the lower triangle is read).
pub fn cholesky(a: &[f64], d: usize, what: &'static str) -> Result<Vec<f64>, Error> {
    let mut m = to_mat(a, d);
    let mut buf = MemBuffer::new(cholesky_in_place_scratch::<f64>(
        d,
        Par::Seq,
        Default::default(),
    ));
    cholesky_in_place(
        m.as_mut(),
        Default::default(),
        Par::Seq,
        MemStack::new(&mut buf),
        Default::default(),
    )
    .map_err(|e| match e {
        faer::linalg::cholesky::llt::factor::LltError::NonPositivePivot { index } => {
            Error::NotPositiveDefinite { what, pivot: index }
        }
    })?;
    let mut out = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            out[i * d + j] = m[(i, j)];
        }
    }
    Ok(out)
}

/// Eigenvalues (ascending) and eigenvectors (row-major d×d, column j is the eigenvector of
/// eigenvalue j) of a symmetric matrix `a` (row-major; only the lower triangle is read).
pub fn symmetric_eigen(
    a: &[f64],
    d: usize,
    what: &'static str,
) -> Result<(Vec<f64>, Vec<f64>), Error> {
    let m = to_mat(a, d);
    let mut s = Mat::<f64>::zeros(d, d);
    let mut u = Mat::<f64>::zeros(d, d);
    let mut buf = MemBuffer::new(self_adjoint_evd_scratch::<f64>(
        d,
        ComputeEigenvectors::Yes,
        Par::Seq,
        Default::default(),
    ));
    self_adjoint_evd(
        m.as_ref(),
        s.as_mut().diagonal_mut(),
        Some(u.as_mut()),
        Par::Seq,
        MemStack::new(&mut buf),
        Default::default(),
    )
    .map_err(|_| Error::EigenNoConvergence { what })?;
    let values = (0..d).map(|i| s[(i, i)]).collect();
    let mut vectors = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            vectors[i * d + j] = u[(i, j)];
        }
    }
    Ok((values, vectors))
}

/// V f(Λ) Vᵀ for a symmetric `a` = V Λ Vᵀ.
fn spectral_map(
    a: &[f64],
    d: usize,
    what: &'static str,
    f: impl Fn(f64) -> f64,
) -> Result<Vec<f64>, Error> {
    let (values, v) = symmetric_eigen(a, d, what)?;
    let fl: Vec<f64> = values.into_iter().map(f).collect();
    let mut out = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            out[i * d + j] = (0..d).map(|k| v[i * d + k] * fl[k] * v[j * d + k]).sum();
        }
    }
    Ok(out)
}

/// The inverse of a symmetric positive definite matrix (by its eigendecomposition).
pub fn inverse_spd(a: &[f64], d: usize, what: &'static str) -> Result<Vec<f64>, Error> {
    let (values, _) = symmetric_eigen(a, d, what)?;
    if let Some(i) = values.iter().position(|&l| l <= 0.0 || !l.is_finite()) {
        return Err(Error::NotPositiveDefinite { what, pivot: i });
    }
    spectral_map(a, d, what, |l| 1.0 / l)
}

/// tr (A B)^{1/2} for symmetric positive semi-definite A, B: Σ √eig(A^{1/2} B A^{1/2}), with
/// eigenvalues below 0 (rounding) taken as 0.
pub fn trace_sqrt_product(a: &[f64], b: &[f64], d: usize) -> Result<f64, Error> {
    let ra = spectral_map(a, d, "a covariance", |l| l.max(0.0).sqrt())?;
    let mut m = vec![0.0; d * d];
    // m = ra · b · ra
    let mut tmp = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            tmp[i * d + j] = (0..d).map(|k| ra[i * d + k] * b[k * d + j]).sum();
        }
    }
    for i in 0..d {
        for j in 0..d {
            m[i * d + j] = (0..d).map(|k| tmp[i * d + k] * ra[k * d + j]).sum();
        }
    }
    // Symmetrise against rounding.
    for i in 0..d {
        for j in 0..i {
            let s = 0.5 * (m[i * d + j] + m[j * d + i]);
            m[i * d + j] = s;
            m[j * d + i] = s;
        }
    }
    let (values, _) = symmetric_eigen(&m, d, "a covariance product")?;
    Ok(values.iter().map(|l| l.max(0.0).sqrt()).sum())
}

/// Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂):
/// ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2}).
pub fn frechet_distance(
    mu1: &[f64],
    cov1: &[f64],
    mu2: &[f64],
    cov2: &[f64],
) -> Result<f64, Error> {
    let d = mu1.len();
    let mean_term: f64 = mu1.iter().zip(mu2).map(|(a, b)| (a - b) * (a - b)).sum();
    let tr: f64 = (0..d).map(|i| cov1[i * d + i] + cov2[i * d + i]).sum();
    Ok(mean_term + tr - 2.0 * trace_sqrt_product(cov1, cov2, d)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reproduces_matrix_and_refuses_indefinite() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let l = cholesky(&a, 2, "a").unwrap();
        // L = [[2, 0], [1, √2]].
        assert!((l[0] - 2.0).abs() < 1e-15 && l[1] == 0.0);
        assert!((l[2] - 1.0).abs() < 1e-15 && (l[3] - 2f64.sqrt()).abs() < 1e-15);
        assert!(matches!(
            cholesky(&[1.0, 2.0, 2.0, 1.0], 2, "b"),
            Err(Error::NotPositiveDefinite { .. })
        ));
    }

    #[test]
    fn frechet_distance_of_commuting_covariances_is_closed_form() {
        // Diagonal covariances: FD = ‖Δμ‖² + Σ (√a_i − √b_i)².
        let (m1, m2) = ([0.0, 1.0, 2.0], [1.0, 1.0, 0.0]);
        let (a, b) = ([1.0, 4.0, 9.0], [4.0, 1.0, 9.0]);
        let diag = |v: &[f64; 3]| {
            let mut m = vec![0.0; 9];
            for i in 0..3 {
                m[i * 3 + i] = v[i];
            }
            m
        };
        let want = 1.0 + 4.0 + (1.0f64 - 2.0).powi(2) + (2.0f64 - 1.0).powi(2);
        let got = frechet_distance(&m1, &diag(&a), &m2, &diag(&b)).unwrap();
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        let inv = inverse_spd(&[4.0, 2.0, 2.0, 3.0], 2, "a").unwrap();
        // inverse of [[4,2],[2,3]] = [[3,−2],[−2,4]]/8.
        for (x, y) in inv.iter().zip([0.375, -0.25, -0.25, 0.5]) {
            assert!((x - y).abs() < 1e-14);
        }
    }
}
