//! The statistics pass (spec §3.4): one pass over a data set in fixed chunks of rows, first
//! the means of every layer's units for A and B, then A's uncentred second moment
//! Σ h^A h^Aᵀ, and the centred cross-covariance Σ (h^A − m^A)(h^B − m^B)ᵀ, for the input
//! ("layer 0") and every hidden layer (post-activation), each divided by (n − 1), plus the
//! centred variances of A's and B's units.

use crate::error::Result;
use crate::matrix::Matrix;
use crate::mlp::Mlp;

/// Rows per chunk of the pass (the official code's batch of 2000).
pub const CHUNK: usize = 2000;

/// Moments of one layer's units.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerMoments {
    /// E h^A (length m).
    pub mean_a: Vec<f64>,
    /// E h^B (length m).
    pub mean_b: Vec<f64>,
    /// Σ_x h^A h^Aᵀ/(n − 1), uncentred (m×m).
    pub second_a: Matrix,
    /// Σ_x (h^A − m^A)(h^B − m^B)ᵀ/(n − 1), centred (m×m; rows A units, columns B units).
    pub cross: Matrix,
    /// Centred variances of A's units (/(n − 1)).
    pub var_a: Vec<f64>,
    /// Centred variances of B's units (/(n − 1)).
    pub var_b: Vec<f64>,
}

/// The moments of the input (index 0) and of every hidden layer (1..=L) of A and B.
#[derive(Clone, Debug, PartialEq)]
pub struct Moments {
    /// Number of samples n.
    pub n: usize,
    /// Index 0: the input; index ℓ: hidden layer ℓ.
    pub layers: Vec<LayerMoments>,
}

/// The statistics pass of A and B over the rows of `x` (n ≥ 2, width = A's input width;
/// A and B of the same architecture; callers check both).
pub fn moments(a: &Mlp, b: &Mlp, x: &Matrix) -> Result<Moments> {
    lab::error::require(
        x.rows >= 2,
        "number of samples",
        x.rows as f64,
        "at least 2",
    )?;
    a.check_same_architecture(b)?;
    let n = x.rows;
    let hidden = a.hidden_layers();
    // Per chunk: the input and the hidden post-activations of A and B.
    let chunk_activations = |start: usize| -> (Vec<Matrix>, Vec<Matrix>) {
        let rows: Vec<usize> = (start..(start + CHUNK).min(n)).collect();
        let xc = x.select_rows(&rows);
        let mut ha = a.forward_all(&xc);
        let mut hb = b.forward_all(&xc);
        ha.truncate(hidden);
        hb.truncate(hidden);
        ha.insert(0, xc.clone());
        hb.insert(0, xc);
        (ha, hb)
    };
    let starts: Vec<usize> = (0..n).step_by(CHUNK).collect();
    let widths = a.widths();
    let mut sum_a: Vec<Vec<f64>> = widths[..=hidden].iter().map(|&m| vec![0.0; m]).collect();
    let mut sum_b = sum_a.clone();
    for &s in &starts {
        let (ha, hb) = chunk_activations(s);
        for l in 0..=hidden {
            add_into(&mut sum_a[l], &ha[l].column_sums());
            add_into(&mut sum_b[l], &hb[l].column_sums());
        }
    }
    let nf = n as f64;
    let mean_a: Vec<Vec<f64>> = sum_a
        .iter()
        .map(|s| s.iter().map(|v| v / nf).collect())
        .collect();
    let mean_b: Vec<Vec<f64>> = sum_b
        .iter()
        .map(|s| s.iter().map(|v| v / nf).collect())
        .collect();
    let mut second: Vec<Matrix> = widths[..=hidden]
        .iter()
        .map(|&m| Matrix::zeros(m, m))
        .collect();
    let mut cross = second.clone();
    let mut var_a: Vec<Vec<f64>> = widths[..=hidden].iter().map(|&m| vec![0.0; m]).collect();
    let mut var_b = var_a.clone();
    let inv = 1.0 / (nf - 1.0);
    for &s in &starts {
        let (ha, hb) = chunk_activations(s);
        for l in 0..=hidden {
            second[l].add_t_matmul(inv, &ha[l], &ha[l]);
            let ca = centred(&ha[l], &mean_a[l]);
            let cb = centred(&hb[l], &mean_b[l]);
            cross[l].add_t_matmul(inv, &ca, &cb);
            for (v, c) in [(&mut var_a[l], &ca), (&mut var_b[l], &cb)] {
                for row in c.data.chunks_exact(c.cols.max(1)) {
                    v.iter_mut()
                        .zip(row)
                        .for_each(|(acc, x)| *acc += x * x * inv);
                }
            }
        }
    }
    let layers = (0..=hidden)
        .map(|l| LayerMoments {
            mean_a: mean_a[l].clone(),
            mean_b: mean_b[l].clone(),
            second_a: std::mem::replace(&mut second[l], Matrix::zeros(0, 0)),
            cross: std::mem::replace(&mut cross[l], Matrix::zeros(0, 0)),
            var_a: std::mem::take(&mut var_a[l]),
            var_b: std::mem::take(&mut var_b[l]),
        })
        .collect();
    Ok(Moments { n, layers })
}

/// Bytes held by [`moments`] for networks of hidden widths `widths` (input first): two m×m
/// matrices per layer plus one chunk of activations of both networks.
pub fn moments_bytes(widths: &[usize]) -> u64 {
    let squares: u64 = widths.iter().map(|&m| 2 * (m as u64).pow(2)).sum();
    let chunk: u64 = widths.iter().map(|&m| 4 * CHUNK as u64 * m as u64).sum();
    8 * (squares + chunk)
}

fn add_into(acc: &mut [f64], v: &[f64]) {
    acc.iter_mut().zip(v).for_each(|(a, x)| *a += x);
}

fn centred(h: &Matrix, mean: &[f64]) -> Matrix {
    let mut c = h.clone();
    for row in c.data.chunks_exact_mut(h.cols.max(1)) {
        row.iter_mut().zip(mean).for_each(|(x, m)| *x -= m);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mlp::{Activation, Parameterisation};
    use lab::seed::Seed;

    #[test]
    fn moments_match_direct_sums() {
        // 2100 samples span two chunks; compare with per-sample sums in plain loops.
        let mut rng = Seed(3).stream("t", 0);
        let widths = [3, 4, 2];
        let a = Mlp::init(
            &widths,
            Activation::Relu,
            Parameterisation::Standard,
            &mut rng,
        )
        .unwrap();
        let b = Mlp::init(
            &widths,
            Activation::Relu,
            Parameterisation::Standard,
            &mut rng,
        )
        .unwrap();
        let x = crate::data::gaussian(2100, 3, &mut rng);
        let m = moments(&a, &b, &x).unwrap();
        let ha = a.forward_all(&x).remove(0);
        let hb = b.forward_all(&x).remove(0);
        let n = x.rows as f64;
        let mean = |h: &Matrix, i: usize| (0..h.rows).map(|r| h.get(r, i)).sum::<f64>() / n;
        let l1 = &m.layers[1];
        for i in 0..4 {
            assert!((l1.mean_a[i] - mean(&ha, i)).abs() < 1e-12);
            assert!((l1.mean_b[i] - mean(&hb, i)).abs() < 1e-12);
            for j in 0..4 {
                let s: f64 = (0..ha.rows)
                    .map(|r| ha.get(r, i) * ha.get(r, j))
                    .sum::<f64>()
                    / (n - 1.0);
                assert!((l1.second_a.get(i, j) - s).abs() < 1e-12);
                let c: f64 = (0..ha.rows)
                    .map(|r| (ha.get(r, i) - mean(&ha, i)) * (hb.get(r, j) - mean(&hb, j)))
                    .sum::<f64>()
                    / (n - 1.0);
                assert!((l1.cross.get(i, j) - c).abs() < 1e-12);
            }
            assert!(
                (l1.var_b[i] - {
                    let mb = mean(&hb, i);
                    (0..hb.rows)
                        .map(|r| (hb.get(r, i) - mb).powi(2))
                        .sum::<f64>()
                        / (n - 1.0)
                })
                .abs()
                    < 1e-12
            );
        }
        // Layer 0 is the input: Σ₀ ≈ I for standard normal inputs (n = 2100: entries within
        // 5/√n of their expectation).
        let s0 = &m.layers[0].second_a;
        for i in 0..3 {
            for j in 0..3 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((s0.get(i, j) - want).abs() < 5.0 / n.sqrt() * 1.5);
            }
        }
    }
}
