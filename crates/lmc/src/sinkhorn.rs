//! Entropic optimal transport between two uniform measures of m atoms (log-domain Sinkhorn),
//! the soft baseline of OTFusion (Singh and Jaggi 2020). It is *not* an exact matcher: the
//! coupling is a doubly stochastic matrix, not a permutation, and a network transported with
//! it no longer computes B's function. It is labelled as a baseline wherever it appears.

use crate::error::Result;
use crate::matrix::Matrix;

/// The coupling Γ (rows and columns sum to 1/m) of the entropic problem
/// min ⟨Γ, C⟩ − ε·H(Γ) with ε = `reg`·mean(C) (`reg` relative to the mean cost, as OTFusion
/// normalises its ground metric; ε = `reg` if the mean cost is 0), computed in the log domain
/// until both marginals are within `tol` (ℓ¹) or `max_iter` iterations.
pub fn sinkhorn(cost: &Matrix, reg: f64, tol: f64, max_iter: usize) -> Result<Matrix> {
    lab::error::positive("Sinkhorn regularisation", reg)?;
    crate::assignment::check_cost(cost, "Sinkhorn cost")?;
    let m = cost.rows;
    if m == 0 {
        return Ok(Matrix::zeros(0, 0));
    }
    let mean = cost.data.iter().sum::<f64>() / cost.data.len() as f64;
    let eps = if mean.abs() > 0.0 {
        reg * mean.abs()
    } else {
        reg
    };
    let log_marginal = -(m as f64).ln();
    let (mut f, mut g) = (vec![0.0; m], vec![0.0; m]);
    let lse = |vals: &mut dyn Iterator<Item = f64>| -> f64 {
        let v: Vec<f64> = vals.collect();
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        max + v.iter().map(|x| (x - max).exp()).sum::<f64>().ln()
    };
    for _ in 0..max_iter {
        for (i, fi) in f.iter_mut().enumerate() {
            let s = lse(&mut g
                .iter()
                .enumerate()
                .map(|(j, gj)| (gj - cost.get(i, j)) / eps));
            *fi = eps * (log_marginal - s);
        }
        for (j, gj) in g.iter_mut().enumerate() {
            let s = lse(&mut f
                .iter()
                .enumerate()
                .map(|(i, fi)| (fi - cost.get(i, j)) / eps));
            *gj = eps * (log_marginal - s);
        }
        // Columns are exact after the g-update; check the rows.
        let err: f64 = (0..m)
            .map(|i| {
                let row: f64 = (0..m)
                    .map(|j| ((f[i] + g[j] - cost.get(i, j)) / eps).exp())
                    .sum();
                (row - 1.0 / m as f64).abs()
            })
            .sum();
        if err < tol {
            break;
        }
    }
    Ok(Matrix::from_fn(m, m, |i, j| {
        ((f[i] + g[j] - cost.get(i, j)) / eps).exp()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coupling_has_uniform_marginals_and_tends_to_the_permutation() {
        // Cost with a unique optimal permutation i ↦ (i + 1) mod 4 (cost 0 there, 1 elsewhere):
        // at a small regularisation Γ ≈ P/m; marginals are 1/m to the tolerance.
        let m = 4;
        let c = Matrix::from_fn(m, m, |i, j| if j == (i + 1) % m { 0.0 } else { 1.0 });
        let gamma = sinkhorn(&c, 0.01, 1e-12, 10_000).unwrap();
        for i in 0..m {
            let row: f64 = gamma.row(i).iter().sum();
            let col: f64 = (0..m).map(|k| gamma.get(k, i)).sum();
            assert!((row - 0.25).abs() < 1e-10 && (col - 0.25).abs() < 1e-10);
            assert!((gamma.get(i, (i + 1) % m) - 0.25).abs() < 1e-6);
        }
        // A large regularisation gives the independent coupling 1/m².
        let flat = sinkhorn(&c, 1e6, 1e-12, 1000).unwrap();
        assert!(flat.data.iter().all(|v| (v - 1.0 / 16.0).abs() < 1e-6));
        assert!(sinkhorn(&c, 0.0, 1e-9, 10).is_err());
    }
}
