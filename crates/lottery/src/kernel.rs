//! Filter spaces: how the weights of one field pair act on a field (spec A2).
//!
//! A *filter* is a vector over a filter space F. For a dense layer F = Y×X (one weight per
//! matrix entry, index f = y·D_in + x); for a convolution F = (o_out, o_in, tap) (one weight
//! per kernel entry, applied at every pixel, zero padding or periodic wrap, stride 1). Basis
//! elements are sparse filters (see [`crate::basis`]); random and target layers hold dense
//! filters per field pair.

/// A filter space together with the way each of its entries acts on a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// A dense D_out×D_in matrix; filter index f = y·cols + x.
    Dense {
        /// D_out.
        rows: usize,
        /// D_in.
        cols: usize,
    },
    /// A size×size convolution on a side×side grid with `ch_in` → `ch_out` channels;
    /// filter index f = ((o_out·ch_in + o_in)·size + ti)·size + tj, tap offset
    /// (ti − size/2, tj − size/2): `out[o_out][p] += w·in[o_in][p + offset]`.
    Conv {
        /// Grid side.
        side: usize,
        /// Output channels (1 for a plain image, 4 for a regular C4 field).
        ch_out: usize,
        /// Input channels.
        ch_in: usize,
        /// Kernel size.
        size: usize,
        /// Periodic wrap (translations) instead of zero padding (C4).
        periodic: bool,
    },
}

/// The index range of output rows (or columns) whose shifted source `i + d` lies inside
/// `0..side`.
fn valid_range(d: isize, side: usize) -> (usize, usize) {
    let lo = (-d).max(0) as usize;
    let hi = (side as isize - d).clamp(0, side as isize) as usize;
    (lo, hi.max(lo))
}

impl Kernel {
    /// Length of a filter (|F|).
    pub fn len(&self) -> usize {
        match *self {
            Kernel::Dense { rows, cols } => rows * cols,
            Kernel::Conv {
                ch_out,
                ch_in,
                size,
                ..
            } => ch_out * ch_in * size * size,
        }
    }

    /// Whether the filter space is empty (never for the kernels built here).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Output field dimension D_out.
    pub fn rows(&self) -> usize {
        match *self {
            Kernel::Dense { rows, .. } => rows,
            Kernel::Conv { side, ch_out, .. } => ch_out * side * side,
        }
    }

    /// Input field dimension D_in.
    pub fn cols(&self) -> usize {
        match *self {
            Kernel::Dense { cols, .. } => cols,
            Kernel::Conv { side, ch_in, .. } => ch_in * side * side,
        }
    }

    /// The filter-space row of entry f (y for a matrix, o_out for a convolution): row
    /// normalisation counts orbit entries per row.
    pub fn filter_row(&self, f: usize) -> usize {
        match *self {
            Kernel::Dense { cols, .. } => f / cols,
            Kernel::Conv { ch_in, size, .. } => f / (ch_in * size * size),
        }
    }

    /// (o_out, o_in, ti, tj) of a convolution entry; (y, x, 0, 0) of a matrix entry.
    pub fn decode(&self, f: usize) -> (usize, usize, usize, usize) {
        match *self {
            Kernel::Dense { cols, .. } => (f / cols, f % cols, 0, 0),
            Kernel::Conv { ch_in, size, .. } => {
                let taps = size * size;
                let (pair, tap) = (f / taps, f % taps);
                (pair / ch_in, pair % ch_in, tap / size, tap % size)
            }
        }
    }

    /// Whether entry f lies on the identity (y = x; o_out = o_in at the centre tap).
    pub fn is_diagonal(&self, f: usize) -> bool {
        let (a, b, ti, tj) = self.decode(f);
        match *self {
            Kernel::Dense { .. } => a == b,
            Kernel::Conv { size, .. } => a == b && ti == size / 2 && tj == size / 2,
        }
    }

    /// Calls `visit(y, x)` for every matrix position (y, x) of the expanded operator where
    /// entry f sits.
    pub fn for_each_position(&self, f: usize, mut visit: impl FnMut(usize, usize)) {
        match *self {
            Kernel::Dense { cols, .. } => visit(f / cols, f % cols),
            Kernel::Conv {
                side,
                size,
                periodic,
                ..
            } => {
                let (o_out, o_in, ti, tj) = self.decode(f);
                let (di, dj) = (
                    ti as isize - (size / 2) as isize,
                    tj as isize - (size / 2) as isize,
                );
                let (yb, xb) = (o_out * side * side, o_in * side * side);
                for i in 0..side {
                    for j in 0..side {
                        let (si, sj) = (i as isize + di, j as isize + dj);
                        let s = side as isize;
                        let (si, sj) = if periodic {
                            (si.rem_euclid(s), sj.rem_euclid(s))
                        } else if (0..s).contains(&si) && (0..s).contains(&sj) {
                            (si, sj)
                        } else {
                            continue;
                        };
                        visit(yb + i * side + j, xb + si as usize * side + sj as usize);
                    }
                }
            }
        }
    }

    /// Calls `visit(y, x, len)` for runs of positions (y + t, x + t), t < len, that together
    /// are the positions of entry f: whole image rows for a zero-padded convolution, single
    /// positions otherwise.
    fn for_each_run(&self, f: usize, mut visit: impl FnMut(usize, usize, usize)) {
        match *self {
            Kernel::Conv {
                side,
                size,
                periodic: false,
                ..
            } => {
                let (o_out, o_in, ti, tj) = self.decode(f);
                let r = (size / 2) as isize;
                let (di, dj) = (ti as isize - r, tj as isize - r);
                let (i0, i1) = valid_range(di, side);
                let (j0, j1) = valid_range(dj, side);
                let plane = side * side;
                for i in i0..i1 {
                    let y = o_out * plane + i * side + j0;
                    let x = o_in * plane + (i as isize + di) as usize * side;
                    visit(y, (x as isize + j0 as isize + dj) as usize, j1 - j0);
                }
            }
            _ => self.for_each_position(f, |y, x| visit(y, x, 1)),
        }
    }

    /// y += w · E_f x, with E_f the operator of entry f.
    pub fn apply_entry(&self, f: usize, w: f64, x: &[f64], y: &mut [f64]) {
        self.for_each_run(f, |ys, xs, len| {
            for (yy, xx) in y[ys..ys + len].iter_mut().zip(&x[xs..xs + len]) {
                *yy += w * xx;
            }
        });
    }

    /// dx += w · E_fᵀ dy.
    pub fn apply_entry_transpose(&self, f: usize, w: f64, dy: &[f64], dx: &mut [f64]) {
        self.for_each_run(f, |ys, xs, len| {
            for (xx, yy) in dx[xs..xs + len].iter_mut().zip(&dy[ys..ys + len]) {
                *xx += w * yy;
            }
        });
    }

    /// ⟨dy, E_f x⟩.
    pub fn entry_dot(&self, f: usize, dy: &[f64], x: &[f64]) -> f64 {
        let mut acc = 0.0;
        self.for_each_run(f, |ys, xs, len| {
            for (yy, xx) in dy[ys..ys + len].iter().zip(&x[xs..xs + len]) {
                acc += yy * xx;
            }
        });
        acc
    }

    /// y += W x for the dense filter `filter` (one weight per entry of F).
    pub fn apply(&self, filter: &[f64], x: &[f64], y: &mut [f64]) {
        match *self {
            Kernel::Dense { cols, .. } => {
                for (yy, row) in y.iter_mut().zip(filter.chunks(cols)) {
                    *yy += row.iter().zip(x).map(|(w, v)| w * v).sum::<f64>();
                }
            }
            Kernel::Conv { .. } => {
                for (f, &w) in filter.iter().enumerate() {
                    if w != 0.0 {
                        self.apply_entry(f, w, x, y);
                    }
                }
            }
        }
    }

    /// dx += Wᵀ dy for the dense filter `filter`.
    pub fn apply_transpose(&self, filter: &[f64], dy: &[f64], dx: &mut [f64]) {
        match *self {
            Kernel::Dense { cols, .. } => {
                for (&d, row) in dy.iter().zip(filter.chunks(cols)) {
                    if d != 0.0 {
                        for (xx, w) in dx.iter_mut().zip(row) {
                            *xx += w * d;
                        }
                    }
                }
            }
            Kernel::Conv { .. } => {
                for (f, &w) in filter.iter().enumerate() {
                    if w != 0.0 {
                        self.apply_entry_transpose(f, w, dy, dx);
                    }
                }
            }
        }
    }

    /// `grad[f] += ⟨dy, E_f x⟩` for every entry f (the gradient of ⟨dy, W x⟩ in the filter).
    pub fn accumulate_gradient(&self, dy: &[f64], x: &[f64], grad: &mut [f64]) {
        match *self {
            Kernel::Dense { cols, .. } => {
                for (&d, row) in dy.iter().zip(grad.chunks_mut(cols)) {
                    if d != 0.0 {
                        for (g, v) in row.iter_mut().zip(x) {
                            *g += d * v;
                        }
                    }
                }
            }
            Kernel::Conv { .. } => {
                for (f, g) in grad.iter_mut().enumerate() {
                    *g += self.entry_dot(f, dy, x);
                }
            }
        }
    }

    /// The expanded D_out×D_in matrix (row-major) of a sparse filter.
    pub fn to_dense(&self, filter: &[(u32, f64)]) -> Vec<f64> {
        let cols = self.cols();
        let mut m = vec![0.0; self.rows() * cols];
        for &(f, w) in filter {
            self.for_each_position(f as usize, |r, c| m[r * cols + c] += w);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lab::seed::Seed;
    use rand::RngExt;

    #[test]
    fn fast_paths_agree_with_the_expanded_matrix() {
        // The slice loops of the zero-padded convolution against y = M x with M built from
        // `for_each_position`, for apply, its transpose and the gradient.
        let k = Kernel::Conv {
            side: 5,
            ch_out: 4,
            ch_in: 4,
            size: 3,
            periodic: false,
        };
        let mut rng = Seed(1).stream("test.kernel", 0);
        let filter: Vec<f64> = (0..k.len()).map(|_| rng.random::<f64>() - 0.5).collect();
        let x: Vec<f64> = (0..k.cols()).map(|_| rng.random::<f64>() - 0.5).collect();
        let dy: Vec<f64> = (0..k.rows()).map(|_| rng.random::<f64>() - 0.5).collect();
        let sparse: Vec<(u32, f64)> = filter
            .iter()
            .enumerate()
            .map(|(f, &w)| (f as u32, w))
            .collect();
        let m = k.to_dense(&sparse);
        let (rows, cols) = (k.rows(), k.cols());
        let mut y = vec![0.0; rows];
        k.apply(&filter, &x, &mut y);
        let mut dx = vec![0.0; cols];
        k.apply_transpose(&filter, &dy, &mut dx);
        for r in 0..rows {
            let want: f64 = (0..cols).map(|c| m[r * cols + c] * x[c]).sum();
            assert!((y[r] - want).abs() < 1e-13);
        }
        for c in 0..cols {
            let want: f64 = (0..rows).map(|r| m[r * cols + c] * dy[r]).sum();
            assert!((dx[c] - want).abs() < 1e-13);
        }
        let mut g = vec![0.0; k.len()];
        k.accumulate_gradient(&dy, &x, &mut g);
        for (f, gf) in g.iter().enumerate() {
            let e = k.to_dense(&[(f as u32, 1.0)]);
            let want: f64 = (0..rows)
                .map(|r| dy[r] * (0..cols).map(|c| e[r * cols + c] * x[c]).sum::<f64>())
                .sum();
            assert!((gf - want).abs() < 1e-13);
        }
    }
}
