//! Exact linear sum assignment (LSAP), the exact optimal-transport solver between two uniform
//! empirical measures with the same number of atoms (Birkhoff–von Neumann, spec §3.1).
//!
//! The solver is the `lsap` crate, a port of SciPy's `linear_sum_assignment` (Crouse's
//! shortest augmenting path, the Jonker–Volgenant family): deterministic, exact on f64.
//! This module refuses non-square and non-finite costs with typed errors before calling it.

use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::perm::Permutation;

/// Whether an assignment minimises a cost or maximises a similarity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sense {
    /// Minimise Σ_i C[i, π(i)] (costs, squared distances).
    Minimise,
    /// Maximise Σ_i S[i, π(i)] (similarities, inner products).
    Maximise,
}

/// The optimal assignment of a square matrix: π with row i ↔ column π(i), optimal for
/// `sense`. Refuses a non-square matrix ([`Error::NotSquare`]) and NaN or infinite entries
/// ([`Error::NonFiniteCost`], naming the first one in row-major order).
pub fn solve(cost: &Matrix, sense: Sense) -> Result<Permutation> {
    check_cost(cost, "assignment cost")?;
    let n = cost.rows;
    if n == 0 {
        return Ok(Permutation::identity(0));
    }
    let (rows, cols) = lsap::solve(n, n, &cost.data, sense == Sense::Maximise).map_err(|_| {
        Error::NonFiniteCost {
            row: 0,
            col: 0,
            value: f64::NAN,
        }
    })?;
    let mut map = vec![0; n];
    for (r, c) in rows.into_iter().zip(cols) {
        map[r] = c;
    }
    Permutation::new(map)
}

/// Refuses a non-square matrix (named `what`) or one with a NaN or infinite entry.
pub fn check_cost(cost: &Matrix, what: &'static str) -> Result<()> {
    if cost.rows != cost.cols {
        return Err(Error::NotSquare {
            what,
            rows: cost.rows,
            cols: cost.cols,
        });
    }
    if let Some((row, col, value)) = cost.first_non_finite() {
        return Err(Error::NonFiniteCost { row, col, value });
    }
    Ok(())
}

/// Σ_i C[i, π(i)], summed in row order.
pub fn total(cost: &Matrix, perm: &Permutation) -> f64 {
    (0..cost.rows).map(|i| cost.get(i, perm.get(i))).sum()
}

/// The matrix of squared Euclidean distances ‖a_i − b_j‖² between the rows of `a` and `b`,
/// computed from the differences (no cancellation). Panics if the row lengths differ.
pub fn squared_distances(a: &Matrix, b: &Matrix) -> Matrix {
    assert_eq!(a.cols, b.cols, "squared_distances: dimensions differ");
    Matrix::from_fn(a.rows, b.rows, |i, j| {
        a.row(i)
            .iter()
            .zip(b.row(j))
            .map(|(x, y)| (x - y) * (x - y))
            .sum()
    })
}

/// The exact W₂ distance between the uniform empirical measures on the rows of `a` and of
/// `b` (same number of rows m): W₂² = min_π (1/m)Σ_i‖a_i − b_{π(i)}‖², and its optimal π.
pub fn w2(a: &Matrix, b: &Matrix) -> Result<(f64, Permutation)> {
    let cost = squared_distances(a, b);
    let perm = solve(&cost, Sense::Minimise)?;
    let m = a.rows.max(1) as f64;
    Ok(((total(&cost, &perm) / m).max(0.0).sqrt(), perm))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lab::seed::Seed;
    use rand_distr::{Distribution, StandardNormal};

    /// Every permutation of 0..n (Heap's algorithm).
    fn all_permutations(n: usize) -> Vec<Vec<usize>> {
        fn heap(k: usize, a: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
            if k <= 1 {
                out.push(a.clone());
                return;
            }
            for i in 0..k {
                heap(k - 1, a, out);
                let j = if k.is_multiple_of(2) { i } else { 0 };
                a.swap(j, k - 1);
            }
        }
        let mut out = Vec::new();
        heap(n, &mut (0..n).collect(), &mut out);
        out
    }

    #[test]
    fn lsap_equals_brute_force_and_d2_equals_w2() {
        // Spec §8.2: random clouds with n ≤ 7, squared distances; LSAP cost = brute force
        // over all n! permutations to 1e-12, and D₂ of the returned π is the W₂ value.
        for n in 1..=7 {
            for rep in 0..3 {
                let mut rng = Seed(11).stream("test.birkhoff", (n * 10 + rep) as u64);
                let d = 1 + rep;
                let mut draw = || Matrix::from_fn(n, d, |_, _| StandardNormal.sample(&mut rng));
                let (a, b) = (draw(), draw());
                let cost = squared_distances(&a, &b);
                let brute = all_permutations(n)
                    .into_iter()
                    .map(|p| (0..n).map(|i| cost.get(i, p[i])).sum::<f64>())
                    .fold(f64::INFINITY, f64::min);
                let (w, perm) = w2(&a, &b).unwrap();
                assert!((total(&cost, &perm) - brute).abs() < 1e-12, "n = {n}");
                let d2 = ((0..n)
                    .map(|i| {
                        a.row(i)
                            .iter()
                            .zip(b.row(perm.get(i)))
                            .map(|(x, y)| (x - y).powi(2))
                            .sum::<f64>()
                    })
                    .sum::<f64>()
                    / n as f64)
                    .sqrt();
                assert!((d2 - (brute / n as f64).sqrt()).abs() < 1e-12);
                assert!((w - d2).abs() < 1e-12);
                // Maximising −C gives the same optimum.
                let neg = Matrix::from_vec(n, n, cost.data.iter().map(|v| -v).collect());
                let p2 = solve(&neg, Sense::Maximise).unwrap();
                assert!((total(&cost, &p2) - brute).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn non_finite_and_non_square_costs_are_refused() {
        let mut c = Matrix::from_fn(3, 3, |i, j| (i + j) as f64);
        c.set(1, 2, f64::NAN);
        assert!(matches!(
            solve(&c, Sense::Minimise),
            Err(Error::NonFiniteCost { row: 1, col: 2, .. })
        ));
        c.set(1, 2, f64::NEG_INFINITY);
        assert!(matches!(
            solve(&c, Sense::Maximise),
            Err(Error::NonFiniteCost { row: 1, col: 2, .. })
        ));
        assert!(matches!(
            solve(&Matrix::zeros(2, 3), Sense::Minimise),
            Err(Error::NotSquare {
                rows: 2,
                cols: 3,
                ..
            })
        ));
    }
}
