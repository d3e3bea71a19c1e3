//! A dense row-major f64 matrix and its products. Every faer call of the crate is in this
//! module; products run sequentially (`Par::Seq`): the crate parallelises over independent
//! items (seeds, widths, grid points) with rayon instead, so a result never depends on the
//! number of threads.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

/// A dense matrix of f64, row-major: entry (i, j) is `data[i * cols + j]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Entries, row by row (length rows·cols).
    pub data: Vec<f64>,
}

impl Matrix {
    /// The rows×cols zero matrix.
    pub fn zeros(rows: usize, cols: usize) -> Matrix {
        Matrix {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// A matrix from row-major entries. Panics if `data.len() != rows * cols` (a programming
    /// error: callers build `data` from the shape).
    pub fn from_vec(rows: usize, cols: usize, data: Vec<f64>) -> Matrix {
        assert_eq!(data.len(), rows * cols, "Matrix::from_vec: wrong length");
        Matrix { rows, cols, data }
    }

    /// The matrix with entries f(i, j).
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> f64) -> Matrix {
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                data.push(f(i, j));
            }
        }
        Matrix { rows, cols, data }
    }

    /// The n×n identity.
    pub fn identity(n: usize) -> Matrix {
        Matrix::from_fn(n, n, |i, j| if i == j { 1.0 } else { 0.0 })
    }

    /// Entry (i, j).
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }

    /// Sets entry (i, j).
    #[inline]
    pub fn set(&mut self, i: usize, j: usize, value: f64) {
        self.data[i * self.cols + j] = value;
    }

    /// Row i.
    #[inline]
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Row i, mutable.
    #[inline]
    pub fn row_mut(&mut self, i: usize) -> &mut [f64] {
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// The transpose.
    pub fn transpose(&self) -> Matrix {
        Matrix::from_fn(self.cols, self.rows, |i, j| self.get(j, i))
    }

    /// The rows at `indices`, in that order.
    pub fn select_rows(&self, indices: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(indices.len() * self.cols);
        for &i in indices {
            data.extend_from_slice(self.row(i));
        }
        Matrix::from_vec(indices.len(), self.cols, data)
    }

    /// Sum of squared entries (the squared Frobenius norm).
    pub fn frobenius_sq(&self) -> f64 {
        self.data.iter().map(|v| v * v).sum()
    }

    /// Trace of a square matrix (sum of the diagonal; of the leading square block otherwise).
    pub fn trace(&self) -> f64 {
        (0..self.rows.min(self.cols)).map(|i| self.get(i, i)).sum()
    }

    /// `(row, col, value)` of the first non-finite entry, if any.
    pub fn first_non_finite(&self) -> Option<(usize, usize, f64)> {
        self.data
            .iter()
            .position(|v| !v.is_finite())
            .map(|k| (k / self.cols.max(1), k % self.cols.max(1), self.data[k]))
    }

    /// Adds `v` to every row (a broadcast bias). Panics if `v.len() != cols`.
    pub fn add_row_vector(&mut self, v: &[f64]) {
        assert_eq!(v.len(), self.cols, "add_row_vector: wrong length");
        for row in self.data.chunks_exact_mut(self.cols.max(1)) {
            for (x, b) in row.iter_mut().zip(v) {
                *x += b;
            }
        }
    }

    /// Column sums (a vector of length `cols`), accumulated row by row.
    pub fn column_sums(&self) -> Vec<f64> {
        let mut s = vec![0.0; self.cols];
        for row in self.data.chunks_exact(self.cols.max(1)) {
            for (acc, x) in s.iter_mut().zip(row) {
                *acc += x;
            }
        }
        s
    }

    /// `self · other`.
    pub fn matmul(&self, other: &Matrix) -> Matrix {
        assert_eq!(self.cols, other.rows, "matmul: inner dimensions differ");
        product(self.view(), other.view(), self.rows, other.cols)
    }

    /// `self · otherᵀ`.
    pub fn matmul_t(&self, other: &Matrix) -> Matrix {
        assert_eq!(self.cols, other.cols, "matmul_t: inner dimensions differ");
        product(self.view(), other.view().transpose(), self.rows, other.rows)
    }

    /// `selfᵀ · other`.
    pub fn t_matmul(&self, other: &Matrix) -> Matrix {
        assert_eq!(self.rows, other.rows, "t_matmul: inner dimensions differ");
        product(self.view().transpose(), other.view(), self.cols, other.cols)
    }

    /// `self + alpha · selfᵀ·other` accumulated in place: `self ← self + alpha · aᵀ·b`.
    pub fn add_t_matmul(&mut self, alpha: f64, a: &Matrix, b: &Matrix) {
        assert_eq!(a.rows, b.rows, "add_t_matmul: inner dimensions differ");
        assert_eq!(
            (self.rows, self.cols),
            (a.cols, b.cols),
            "add_t_matmul: shape"
        );
        let (rows, cols) = (self.rows, self.cols);
        let dst = MatMut::from_row_major_slice_mut(&mut self.data, rows, cols);
        matmul(
            dst,
            Accum::Add,
            a.view().transpose(),
            b.view(),
            alpha,
            Par::Seq,
        );
    }

    fn view(&self) -> MatRef<'_, f64> {
        MatRef::from_row_major_slice(&self.data, self.rows, self.cols)
    }
}

/// `lhs · rhs` into a new rows×cols matrix, sequentially.
fn product(lhs: MatRef<'_, f64>, rhs: MatRef<'_, f64>, rows: usize, cols: usize) -> Matrix {
    let mut out = Matrix::zeros(rows, cols);
    if rows == 0 || cols == 0 {
        return out;
    }
    let dst = MatMut::from_row_major_slice_mut(&mut out.data, rows, cols);
    matmul(dst, Accum::Replace, lhs, rhs, 1.0, Par::Seq);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &Matrix, b: &Matrix) -> Matrix {
        Matrix::from_fn(a.rows, b.cols, |i, j| {
            (0..a.cols).map(|k| a.get(i, k) * b.get(k, j)).sum()
        })
    }

    #[test]
    fn products_match_the_triple_loop() {
        let a = Matrix::from_fn(5, 3, |i, j| (i as f64 + 1.0) * 0.5 - j as f64);
        let b = Matrix::from_fn(3, 4, |i, j| (i * j) as f64 - 0.25 * i as f64 + 1.0);
        let c = Matrix::from_fn(4, 3, |i, j| (i + 2 * j) as f64 * 0.1);
        let close = |x: &Matrix, y: &Matrix| {
            x.rows == y.rows
                && x.cols == y.cols
                && x.data
                    .iter()
                    .zip(&y.data)
                    .all(|(p, q)| (p - q).abs() < 1e-12)
        };
        assert!(close(&a.matmul(&b), &naive(&a, &b)));
        assert!(close(&a.matmul_t(&c), &naive(&a, &c.transpose())));
        let d = Matrix::from_fn(5, 2, |i, j| (i as f64) - (j as f64) * 0.3);
        assert!(close(&a.t_matmul(&d), &naive(&a.transpose(), &d)));
        let mut acc = Matrix::identity(3).matmul(&Matrix::from_fn(3, 2, |_, _| 1.0));
        let before = acc.clone();
        acc.add_t_matmul(2.0, &a, &d);
        let want = naive(&a.transpose(), &d);
        assert!(acc
            .data
            .iter()
            .zip(&want.data)
            .zip(&before.data)
            .all(|((x, w), b)| (x - b - 2.0 * w).abs() < 1e-12));
    }
}
