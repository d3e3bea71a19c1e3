//! Connectivity metrics, kept strictly apart (spec §2.3), matched distances, and the
//! participation-ratio dimension (§2.4).
//!
//! On the segment θ(t) = (1 − t)θ_A + tθ̃_B, t on a grid of [`GRID_POINTS`] points:
//! - loss barrier B = max_t [ℒ(θ(t)) − ((1 − t)ℒ(θ_A) + tℒ(θ̃_B))] (Git Re-Basin's 25 points);
//! - midpoint loss M = ℒ(θ(½)) (the official notebook's "LMC error"; no endpoint subtraction);
//! - endpoint mean ½(ℒ(θ_A) + ℒ(θ̃_B)) (the official "Model" curve);
//! - accuracy barrier ½(acc(0) + acc(1)) − acc(½) (Entezari et al.);
//! - function gap G = E_x‖f(x; θ(½)) − ½(f_A(x) + f_B̃(x))‖₂, and G/RMS(f_A) with
//!   RMS(f_A) = (E_x‖f_A(x)‖²)^{1/2}.
//!
//! Distances between A's and aligned B's neurons of hidden layer ℓ (uniform weights 1/m):
//! D₂ on incoming weights, on whole neurons (w, b, v) and in the data metric ‖·‖_Σ; each is
//! W₂ between the two clouds when the matcher's π is optimal for that cost.

use crate::data::Data;
use crate::loss::{accuracy, mean_loss};
use crate::matrix::Matrix;
use crate::mlp::Mlp;
use crate::moments::Moments;
use rayon::prelude::*;

/// Points of the interpolation grid t = k/24, k = 0..=24 (Git Re-Basin's grid; t = ½ is on it).
pub const GRID_POINTS: usize = 25;

/// The grid t_k = k/(points − 1).
pub fn grid(points: usize) -> Vec<f64> {
    (0..points)
        .map(|k| k as f64 / (points - 1).max(1) as f64)
        .collect()
}

/// One point of the interpolation path.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PathPoint {
    /// t.
    pub t: f64,
    /// ℒ(θ(t)) (None without targets).
    pub loss: Option<f64>,
    /// acc(θ(t)) (None unless the targets are classes).
    pub accuracy: Option<f64>,
    /// E_x‖f(x; θ(t)) − ((1 − t)f_A(x) + t f_B̃(x))‖₂.
    pub gap: f64,
}

/// The path from `a` (t = 0) to `b` (t = 1) on `grid(points)` over `data` (grid points
/// evaluated in parallel, each sequentially). Callers check architectures and data.
pub fn path(a: &Mlp, b: &Mlp, data: &Data, points: usize) -> Vec<PathPoint> {
    let fa = a.forward(&data.x);
    let fb = b.forward(&data.x);
    grid(points)
        .into_par_iter()
        .map(|t| {
            let net = a.interpolate(b, t);
            let f = net.forward(&data.x);
            let gap = mean_row_norm(&f, |k| (1.0 - t) * fa.data[k] + t * fb.data[k]);
            PathPoint {
                t,
                loss: mean_loss(&f, &data.targets),
                accuracy: accuracy(&f, &data.targets),
                gap,
            }
        })
        .collect()
}

/// E over rows of ‖f_row − ref_row‖₂ where ref entry k is `reference(k)` (flat index).
fn mean_row_norm(f: &Matrix, reference: impl Fn(usize) -> f64) -> f64 {
    let cols = f.cols.max(1);
    let total: f64 = (0..f.rows)
        .map(|i| {
            (0..f.cols)
                .map(|j| {
                    let k = i * cols + j;
                    (f.data[k] - reference(k)).powi(2)
                })
                .sum::<f64>()
                .sqrt()
        })
        .sum();
    total / f.rows.max(1) as f64
}

/// The scalar connectivity metrics of one path.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Connectivity {
    /// Loss barrier on the grid (None without targets).
    pub barrier: Option<f64>,
    /// ℒ(θ(½)) (None without targets).
    pub midpoint_loss: Option<f64>,
    /// ½(ℒ(θ_A) + ℒ(θ̃_B)) (None without targets).
    pub endpoint_loss: Option<f64>,
    /// ½(acc(0) + acc(1)) − acc(½) (None unless classes).
    pub accuracy_barrier: Option<f64>,
    /// G = E_x‖f(θ(½)) − ½(f_A + f_B̃)‖₂.
    pub gap: f64,
    /// G / RMS(f_A).
    pub gap_rel: f64,
}

/// The metrics of `path` (whose grid must hold t = ½, i.e. an odd number of points ≥ 3)
/// with RMS(f_A) = `rms_a`.
pub fn connectivity(path: &[PathPoint], rms_a: f64) -> Connectivity {
    let first = &path[0];
    let last = &path[path.len() - 1];
    let mid = &path[path.len() / 2];
    let barrier = match (first.loss, last.loss) {
        (Some(l0), Some(l1)) => path
            .iter()
            .map(|p| p.loss.map(|l| l - ((1.0 - p.t) * l0 + p.t * l1)))
            .try_fold(f64::NEG_INFINITY, |acc, v| v.map(|v| acc.max(v))),
        _ => None,
    };
    Connectivity {
        barrier,
        midpoint_loss: mid.loss,
        endpoint_loss: first.loss.zip(last.loss).map(|(a, b)| 0.5 * (a + b)),
        accuracy_barrier: match (first.accuracy, last.accuracy, mid.accuracy) {
            (Some(a0), Some(a1), Some(am)) => Some(0.5 * (a0 + a1) - am),
            _ => None,
        },
        gap: mid.gap,
        gap_rel: mid.gap / rms_a,
    }
}

/// (E_x‖f(x)‖²)^{1/2} over the rows of `x`.
pub fn rms_output(net: &Mlp, x: &Matrix) -> f64 {
    let f = net.forward(x);
    (f.frobenius_sq() / f.rows.max(1) as f64).sqrt()
}

/// Matched distances of hidden layer `layer` (1-based) between A and aligned B.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LayerDistance {
    /// Hidden layer ℓ (1-based).
    pub layer: usize,
    /// ((1/m)Σ_i‖w^A_i − w̃^B_i‖²)^{1/2}: incoming weights.
    pub d2_in: f64,
    /// ((1/m)Σ_i(‖Δw_i‖² + Δb_i² + ‖Δv_i‖²))^{1/2}: whole neurons, v = column i of W_{ℓ+1}.
    pub d2_full: f64,
    /// ((1/m)Σ_i Δw_iᵀΣ_{ℓ−1}Δw_i)^{1/2} with A's input moment (None without moments).
    pub d2_sigma: Option<f64>,
}

/// The distances of every hidden layer between `a` and `b_aligned` (same architecture).
pub fn distances(a: &Mlp, b_aligned: &Mlp, moments: Option<&Moments>) -> Vec<LayerDistance> {
    (1..=a.hidden_layers())
        .map(|l| {
            let (la, lb) = (&a.layers[l - 1], &b_aligned.layers[l - 1]);
            let m = la.outputs() as f64;
            let dw = Matrix::from_vec(
                la.weight.rows,
                la.weight.cols,
                la.weight
                    .data
                    .iter()
                    .zip(&lb.weight.data)
                    .map(|(x, y)| x - y)
                    .collect(),
            );
            let sq_in = dw.frobenius_sq();
            let sq_b: f64 = la
                .bias
                .iter()
                .zip(&lb.bias)
                .map(|(x, y)| (x - y).powi(2))
                .sum();
            let (va, vb) = (&a.layers[l].weight, &b_aligned.layers[l].weight);
            let sq_v: f64 = va
                .data
                .iter()
                .zip(&vb.data)
                .map(|(x, y)| (x - y).powi(2))
                .sum();
            let d2_sigma = moments.map(|mo| {
                let sigma = &mo.layers[l - 1].second_a;
                let q = dw.matmul(sigma);
                let quad: f64 = q.data.iter().zip(&dw.data).map(|(x, y)| x * y).sum();
                (quad.max(0.0) / m).sqrt()
            });
            LayerDistance {
                layer: l,
                d2_in: (sq_in / m).sqrt(),
                d2_full: ((sq_in + sq_b + sq_v) / m).sqrt(),
                d2_sigma,
            }
        })
        .collect()
}

/// The participation ratio Dim(S) = (tr S)²/tr(S²) = (tr S)²/‖S‖²_F of a symmetric PSD
/// matrix (NaN for S = 0).
pub fn participation_ratio(s: &Matrix) -> f64 {
    let tr = s.trace();
    tr * tr / s.frobenius_sq()
}

/// Dim of the three matrices of hidden layer `layer` of model A (spec §2.4).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LayerDims {
    /// Hidden layer ℓ (1-based).
    pub layer: usize,
    /// Dim(S_naive), S_naive = W_ℓᵀW_ℓ (computed on the Gram matrix of the smaller side,
    /// which has the same nonzero spectrum).
    pub naive: f64,
    /// Dim(S_Σ), S_Σ = W_ℓΣ_{ℓ−1}W_ℓᵀ.
    pub sigma: f64,
    /// Dim(S_act), S_act = E\[h_ℓh_ℓᵀ\] (uncentred, post-activation).
    pub act: f64,
}

/// The dimensions of every hidden layer of `a` given the statistics pass.
pub fn dims(a: &Mlp, moments: &Moments) -> Vec<LayerDims> {
    (1..=a.hidden_layers())
        .map(|l| {
            let w = &a.layers[l - 1].weight;
            let naive = if w.rows <= w.cols {
                w.matmul_t(w)
            } else {
                w.t_matmul(w)
            };
            let s_sigma = w.matmul(&moments.layers[l - 1].second_a).matmul_t(w);
            LayerDims {
                layer: l,
                naive: participation_ratio(&naive),
                sigma: participation_ratio(&s_sigma),
                act: participation_ratio(&moments.layers[l].second_a),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::gaussian;
    use lab::seed::Seed;

    #[test]
    fn dim_of_an_isotropic_cloud_and_its_invariances() {
        // Spec §8.5: n points of N(0, I_k) have E Dim(XᵀX) ≈ k/(1 + (k+1)/n); with k = 10,
        // n = 2000 and 20 clouds the mean is within 1% of that.
        let (k, n) = (10, 2000);
        let want = k as f64 / (1.0 + (k as f64 + 1.0) / n as f64);
        let mut total = 0.0;
        for rep in 0..20 {
            let x = gaussian(n, k, &mut Seed(8).stream("t", rep));
            total += participation_ratio(&x.t_matmul(&x));
        }
        let mean = total / 20.0;
        assert!((mean / want - 1.0).abs() < 0.01, "{mean} vs {want}");
        // Scale and sign invariance, and the eigenvalue formula on a diagonal matrix with
        // eigenvalues 3, 1, 0: Dim = 16/10.
        let x = gaussian(50, 4, &mut Seed(8).stream("t", 99));
        let s = x.t_matmul(&x);
        let scaled = Matrix::from_vec(4, 4, s.data.iter().map(|v| -7.5 * v).collect());
        assert!((participation_ratio(&s) - participation_ratio(&scaled)).abs() < 1e-12);
        let diag = Matrix::from_fn(3, 3, |i, j| if i == j { [3.0, 1.0, 0.0][i] } else { 0.0 });
        assert!((participation_ratio(&diag) - 1.6).abs() < 1e-15);
    }

    #[test]
    fn frobenius_formula_equals_eigenvalues_on_a_rotated_spectrum() {
        // S = Q diag(λ) Qᵀ with Q a product of Givens rotations: Dim from the Frobenius
        // formula equals (Σλ)²/Σλ².
        let lambda = [5.0, 2.0, 1.0, 0.5];
        let mut q = Matrix::identity(4);
        for (i, j, theta) in [(0, 1, 0.3), (1, 2, 1.1), (0, 3, -0.7), (2, 3, 0.4)] {
            let g = Matrix::from_fn(4, 4, |r, c| match (r, c) {
                _ if (r, c) == (i, i) || (r, c) == (j, j) => f64::cos(theta),
                _ if (r, c) == (i, j) => -f64::sin(theta),
                _ if (r, c) == (j, i) => f64::sin(theta),
                _ if r == c => 1.0,
                _ => 0.0,
            });
            q = q.matmul(&g);
        }
        let d = Matrix::from_fn(4, 4, |r, c| if r == c { lambda[r] } else { 0.0 });
        let s = q.matmul(&d).matmul_t(&q);
        let sum: f64 = lambda.iter().sum();
        let sq: f64 = lambda.iter().map(|l| l * l).sum();
        assert!((participation_ratio(&s) - sum * sum / sq).abs() < 1e-12);
    }

    #[test]
    fn connectivity_of_a_hand_made_path() {
        // Losses 1, 3, 2 at t = 0, ½, 1: barrier max(0, 3 − 1.5, 0) = 1.5, midpoint 3.
        let p = |t: f64, l: f64, a: f64, g: f64| PathPoint {
            t,
            loss: Some(l),
            accuracy: Some(a),
            gap: g,
        };
        let c = connectivity(
            &[
                p(0.0, 1.0, 0.9, 0.0),
                p(0.5, 3.0, 0.5, 2.0),
                p(1.0, 2.0, 0.7, 0.0),
            ],
            4.0,
        );
        assert_eq!(c.barrier, Some(1.5));
        assert_eq!(c.midpoint_loss, Some(3.0));
        assert_eq!(c.endpoint_loss, Some(1.5));
        assert!((c.accuracy_barrier.unwrap() - 0.3).abs() < 1e-15);
        assert_eq!((c.gap, c.gap_rel), (2.0, 0.5));
        assert_eq!(grid(25)[12], 0.5);
    }
}
