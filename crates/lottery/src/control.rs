//! Exact equivariance of the pruned network and its unstructured control (spec E8, pitfall 6).
//!
//! The control is the same random overparameterised network, every layer expanded to its filter
//! entries (matrix entries of a dense layer, kernel entries (o_out, o_in, tap) of a
//! convolution), with a random mask keeping each non-zero entry with the ticket's kept fraction
//! (stream `lottery.control`). Masking expanded entries instead of basis coefficients leaves the
//! span of the equivariant basis, so the control is not equivariant, at O(‖x‖) scale.

use crate::network::{Architecture, LayerSpec};
use crate::prune::PrunedNetwork;
use lab::seed::Seed;
use rand::RngExt;
use rayon::prelude::*;
use std::sync::Arc;

/// max over `inputs` and generators g of ‖f(g·x) − g·f(x)‖∞, and max over `inputs` of ‖f(x)‖∞
/// (the scale to compare it with).
pub fn equivariance_violation(
    arch: &Architecture,
    inputs: &[Vec<f64>],
    f: &(dyn Fn(&[f64]) -> Vec<f64> + Sync),
) -> (f64, f64) {
    let in_type = &arch.layers[0].in_type;
    let out_type = arch.output_type();
    let per_input: Vec<(f64, f64)> = inputs
        .par_iter()
        .map(|x| {
            let fx = f(x);
            let scale = fx.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let mut worst = 0.0f64;
            for g in 0..in_type.generators.len() {
                let fgx = f(&in_type.act_fields(g, x));
                let gfx = out_type.act_fields(g, &fx);
                for (a, b) in fgx.iter().zip(&gfx) {
                    worst = worst.max((a - b).abs());
                }
            }
            (worst, scale)
        })
        .collect();
    per_input
        .iter()
        .fold((0.0, 0.0), |(v, s), &(a, b)| (v.max(a), s.max(b)))
}

/// One control block: masked dense filters of Λ (only the non-zero field pairs) and of M.
#[derive(Clone, Debug)]
struct ControlBlock {
    /// (copy t = c''·n + j, input field c, filter over B_{i→i}'s space).
    lambda: Vec<(usize, usize, Vec<f64>)>,
    /// Filter of M for (c', t) at index c'·(C_i n) + t.
    mu: Vec<Vec<f64>>,
    /// C_i n.
    copies_total: usize,
}

/// The unstructured control of a pruned network.
#[derive(Clone, Debug)]
pub struct ControlNetwork {
    arch: Arc<Architecture>,
    blocks: Vec<ControlBlock>,
    /// Number of random coefficients drawn to build the full random network (Λ and M of every
    /// block): the counted parameter number that spec §8 item 12 compares with 4.7.
    pub random_coefficients: usize,
    /// Fraction of non-zero filter entries kept.
    pub keep_fraction: f64,
}

/// Keep each non-zero entry of `filter` with probability `q`.
fn mask(filter: &mut [f64], q: f64, rng: &mut lab::seed::Rng) {
    for w in filter.iter_mut() {
        if *w != 0.0 && rng.random::<f64>() >= q {
            *w = 0.0;
        }
    }
}

impl ControlNetwork {
    /// The full random network behind `pruned`, expanded and masked at `keep_fraction`.
    pub fn new(pruned: &PrunedNetwork, keep_fraction: f64) -> ControlNetwork {
        let mut count = 0;
        let blocks = pruned
            .arch
            .layers
            .iter()
            .zip(&pruned.blocks)
            .map(|(spec, pb)| {
                let r = &pb.random;
                let mut rng = Seed(r.seed).stream("lottery.control", r.block as u64);
                let (sq, flen_sq) = (&spec.square, spec.square.kernel.len());
                let identity = sq.identity.expect("square bases hold the identity");
                let n = r.copies;
                let mut lambda = Vec::new();
                for c2 in 0..r.c_in {
                    for c in 0..r.c_in {
                        let coeffs: Vec<f64> = match r.variant {
                            crate::overparam::Variant::Dense => r.dense_lambda(c2, c),
                            crate::overparam::Variant::Diagonal if c2 == c => {
                                let mut v = vec![0.0; n * r.k_square];
                                for j in 0..n {
                                    v[j * r.k_square + identity] = 1.0;
                                }
                                v
                            }
                            crate::overparam::Variant::Diagonal => continue,
                        };
                        count += match r.variant {
                            crate::overparam::Variant::Dense => coeffs.len(),
                            crate::overparam::Variant::Diagonal => n,
                        };
                        for j in 0..n {
                            let mut lj = coeffs[j * r.k_square..(j + 1) * r.k_square].to_vec();
                            if c2 == c {
                                lj[identity] = pb.lambda[c][j];
                            }
                            let mut w = vec![0.0; flen_sq];
                            sq.combine(&lj, &mut w);
                            mask(&mut w, keep_fraction, &mut rng);
                            lambda.push((c2 * n + j, c, w));
                        }
                    }
                }
                let flen = spec.basis.kernel.len();
                let mut mu_filters = vec![Vec::new(); r.c_out * r.c_in * n];
                let mut mu = Vec::new();
                for co in 0..r.c_out {
                    for c in 0..r.c_in {
                        r.mu_into(co, c, &mut mu);
                        count += mu.len();
                        for j in 0..n {
                            let mut w = vec![0.0; flen];
                            spec.basis.combine(&mu[j * r.k..(j + 1) * r.k], &mut w);
                            mask(&mut w, keep_fraction, &mut rng);
                            mu_filters[co * r.c_in * n + c * n + j] = w;
                        }
                    }
                }
                ControlBlock {
                    lambda,
                    mu: mu_filters,
                    copies_total: r.c_in * n,
                }
            })
            .collect();
        ControlNetwork {
            arch: pruned.arch.clone(),
            blocks,
            random_coefficients: count,
            keep_fraction,
        }
    }

    /// The control's output.
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut h = x.to_vec();
        for (i, (spec, b)) in self.arch.layers.iter().zip(&self.blocks).enumerate() {
            h = self.arch.post(i, control_block(spec, b, &h));
        }
        h
    }
}

fn control_block(spec: &LayerSpec, b: &ControlBlock, x: &[f64]) -> Vec<f64> {
    let sq = &spec.square.kernel;
    let din = sq.cols();
    let mut hidden = vec![0.0; b.copies_total * din];
    for (t, c, w) in &b.lambda {
        sq.apply(
            w,
            &x[c * din..(c + 1) * din],
            &mut hidden[t * din..(t + 1) * din],
        );
    }
    crate::network::relu_in_place(&mut hidden);
    let kernel = &spec.basis.kernel;
    let dout = kernel.rows();
    let mut y = vec![0.0; spec.c_out * dout];
    for (co, yo) in y.chunks_mut(dout).enumerate() {
        for (t, ht) in hidden.chunks(din).enumerate() {
            kernel.apply(&b.mu[co * b.copies_total + t], ht, yo);
        }
    }
    y
}
