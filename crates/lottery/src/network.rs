//! Target networks: bias-free stacks of equivariant linear layers on basis coefficients
//! (spec A2), pointwise ReLU and fixed field-mean pooling, with hand-written backprop (A7).
//!
//! Layer i maps C_i input fields to C_{i+1} output fields: (W_i x)_{c'} = Σ_{c,k} α_{c'ck} b_k x_c.
//! The coefficients of one field pair are folded once into a dense filter Σ_k α_{c'ck} b_k, which
//! is then applied to the field (a matrix-vector product or a stencil). After every layer but the
//! last comes σ; a layer may be followed by the mean of each field over its entries (T3's pooling
//! over orientations and pixels, T1's readout), an equivariant map of operator norm ≤ 1.

use crate::basis::Basis;
use crate::group::{FieldType, Group};
use std::sync::Arc;

/// One target layer: field counts, the bases B_{i→i+1} and B_{i→i}, and the field types.
#[derive(Clone, Debug)]
pub struct LayerSpec {
    /// C_i, number of input fields.
    pub c_in: usize,
    /// C_{i+1}, number of output fields.
    pub c_out: usize,
    /// B_{i→i+1} (K_i elements).
    pub basis: Arc<Basis>,
    /// B_{i→i} (K'_i elements, the identity among them): the first layer of the random block.
    pub square: Arc<Basis>,
    /// Input field type ρ_i.
    pub in_type: FieldType,
    /// Output field type ρ_{i+1}.
    pub out_type: FieldType,
}

impl LayerSpec {
    /// Number of coefficients C_{i+1}·C_i·K_i.
    pub fn coefficients(&self) -> usize {
        self.c_out * self.c_in * self.basis.len()
    }
}

/// The shape of a target network.
#[derive(Clone, Debug)]
pub struct Architecture {
    /// The group all field types refer to.
    pub group: Group,
    /// The layers, input first.
    pub layers: Vec<LayerSpec>,
    /// `pool[i]`: each field of layer i's output (after σ when i is not last) is replaced by
    /// the mean of its entries.
    pub pool: Vec<bool>,
}

impl Architecture {
    /// Number of target layers L.
    pub fn depth(&self) -> usize {
        self.layers.len()
    }

    /// Length of one input (C_1·D_1).
    pub fn input_len(&self) -> usize {
        self.layers[0].c_in * self.layers[0].in_type.dim
    }

    /// The field type of the network output.
    pub fn output_type(&self) -> FieldType {
        let last = self.layers.len() - 1;
        if self.pool[last] {
            self.group.scalar()
        } else {
            self.layers[last].out_type.clone()
        }
    }

    /// Length of one output.
    pub fn output_len(&self) -> usize {
        self.layers[self.layers.len() - 1].c_out * self.output_type().dim
    }

    /// Field counts C_1, …, C_{L+1}.
    pub fn fields(&self) -> Vec<usize> {
        let mut f: Vec<usize> = self.layers.iter().map(|l| l.c_in).collect();
        f.push(self.layers[self.layers.len() - 1].c_out);
        f
    }

    /// Number of target coefficients Σ_i C_iC_{i+1}K_i.
    pub fn coefficients(&self) -> usize {
        self.layers.iter().map(LayerSpec::coefficients).sum()
    }

    /// The map that follows layer `i`: σ (unless last), then pooling if set.
    pub fn post(&self, i: usize, y: Vec<f64>) -> Vec<f64> {
        let mut y = y;
        if i + 1 < self.layers.len() {
            relu_in_place(&mut y);
        }
        if self.pool[i] {
            field_mean(&y, self.layers[i].c_out)
        } else {
            y
        }
    }
}

/// σ(x) = max(x, 0) entrywise.
pub fn relu_in_place(x: &mut [f64]) {
    for v in x {
        *v = v.max(0.0);
    }
}

/// The mean of each of the `fields` consecutive fields of `x`.
pub fn field_mean(x: &[f64], fields: usize) -> Vec<f64> {
    let dim = x.len() / fields;
    x.chunks(dim)
        .map(|f| f.iter().sum::<f64>() / dim as f64)
        .collect()
}

/// y_{c'} = Σ_c W_{c'c} x_c with W_{c'c} the dense filter `filters[(c'·C_in + c)·|F|..]`.
pub fn apply_layer(spec: &LayerSpec, filters: &[f64], x: &[f64]) -> Vec<f64> {
    let kernel = &spec.basis.kernel;
    let (din, dout, flen) = (kernel.cols(), kernel.rows(), kernel.len());
    let mut y = vec![0.0; spec.c_out * dout];
    for (co, yo) in y.chunks_mut(dout).enumerate() {
        for (ci, xc) in x.chunks(din).enumerate() {
            let pair = co * spec.c_in + ci;
            kernel.apply(&filters[pair * flen..(pair + 1) * flen], xc, yo);
        }
    }
    y
}

/// A target network: architecture and coefficients α^{(i)}_{c'ck} at index (c'·C_i + c)·K_i + k.
#[derive(Clone, Debug)]
pub struct Network {
    /// The shape.
    pub arch: Arc<Architecture>,
    /// Coefficients per layer.
    pub coeffs: Vec<Vec<f64>>,
}

/// Inputs and pre-activations of every layer of one forward pass (for backprop).
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// Input of layer i.
    pub inputs: Vec<Vec<f64>>,
    /// Output of layer i before σ and pooling.
    pub outputs: Vec<Vec<f64>>,
}

impl Network {
    /// The dense filters Σ_k α_{c'ck} b_k of every field pair of every layer.
    pub fn filters(&self) -> Vec<Vec<f64>> {
        self.arch
            .layers
            .iter()
            .zip(&self.coeffs)
            .map(|(spec, alpha)| {
                let (k, flen) = (spec.basis.len(), spec.basis.kernel.len());
                let mut f = vec![0.0; spec.c_out * spec.c_in * flen];
                for (pair, fp) in f.chunks_mut(flen).enumerate() {
                    spec.basis.combine(&alpha[pair * k..(pair + 1) * k], fp);
                }
                f
            })
            .collect()
    }

    /// f(x) with precomputed `filters`; records the pass in `trace` when given.
    pub fn forward_with(
        &self,
        filters: &[Vec<f64>],
        x: &[f64],
        mut trace: Option<&mut Trace>,
    ) -> Vec<f64> {
        let mut h = x.to_vec();
        for (i, spec) in self.arch.layers.iter().enumerate() {
            let y = apply_layer(spec, &filters[i], &h);
            if let Some(t) = trace.as_deref_mut() {
                t.inputs.push(h);
                t.outputs.push(y.clone());
            }
            h = self.arch.post(i, y);
        }
        h
    }

    /// f(x).
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        self.forward_with(&self.filters(), x, None)
    }

    /// Adds to `filter_grads` (per layer, per pair, per filter entry) the gradient of the loss
    /// whose gradient in the output is `grad_out`, back-propagated through `trace`.
    pub fn backward(
        &self,
        filters: &[Vec<f64>],
        trace: &Trace,
        grad_out: &[f64],
        filter_grads: &mut [Vec<f64>],
    ) {
        let mut grad = grad_out.to_vec();
        for i in (0..self.arch.depth()).rev() {
            let spec = &self.arch.layers[i];
            let kernel = &spec.basis.kernel;
            let (din, dout, flen) = (kernel.cols(), kernel.rows(), kernel.len());
            let pre = &trace.outputs[i];
            let mut d = if self.arch.pool[i] {
                let mut d = vec![0.0; pre.len()];
                for (c, dc) in d.chunks_mut(dout).enumerate() {
                    dc.fill(grad[c] / dout as f64);
                }
                d
            } else {
                grad
            };
            if i + 1 < self.arch.depth() {
                for (dv, &p) in d.iter_mut().zip(pre) {
                    if p <= 0.0 {
                        *dv = 0.0;
                    }
                }
            }
            let x = &trace.inputs[i];
            let mut dx = vec![0.0; if i > 0 { x.len() } else { 0 }];
            for (co, dco) in d.chunks(dout).enumerate() {
                for (ci, xc) in x.chunks(din).enumerate() {
                    let pair = co * spec.c_in + ci;
                    let range = pair * flen..(pair + 1) * flen;
                    kernel.accumulate_gradient(dco, xc, &mut filter_grads[i][range.clone()]);
                    if i > 0 {
                        kernel.apply_transpose(
                            &filters[i][range],
                            dco,
                            &mut dx[ci * din..(ci + 1) * din],
                        );
                    }
                }
            }
            grad = dx;
        }
    }

    /// The coefficient gradient from filter gradients: ∂L/∂α_{c'ck} = Σ_{(f,w) ∈ b_k} `w·∂L/∂W[f]`.
    pub fn project_gradients(&self, filter_grads: &[Vec<f64>]) -> Vec<Vec<f64>> {
        self.arch
            .layers
            .iter()
            .zip(filter_grads)
            .map(|(spec, g)| {
                let (k, flen) = (spec.basis.len(), spec.basis.kernel.len());
                let mut out = vec![0.0; spec.coefficients()];
                for (pair, o) in out.chunks_mut(k).enumerate() {
                    spec.basis.project(&g[pair * flen..(pair + 1) * flen], o);
                }
                out
            })
            .collect()
    }

    /// The expanded matrix of layer `i` (C_{i+1}D_{i+1} × C_iD_i, row-major).
    pub fn layer_matrix(&self, filters: &[Vec<f64>], i: usize) -> Vec<f64> {
        let spec = &self.arch.layers[i];
        let kernel = &spec.basis.kernel;
        let (din, dout, flen) = (kernel.cols(), kernel.rows(), kernel.len());
        let cols = spec.c_in * din;
        let mut m = vec![0.0; spec.c_out * dout * cols];
        for co in 0..spec.c_out {
            for ci in 0..spec.c_in {
                let pair = co * spec.c_in + ci;
                for (f, &w) in filters[i][pair * flen..(pair + 1) * flen]
                    .iter()
                    .enumerate()
                {
                    if w != 0.0 {
                        kernel.for_each_position(f, |r, c| {
                            m[(co * dout + r) * cols + ci * din + c] += w;
                        });
                    }
                }
            }
        }
        m
    }
}

/// Loss and its gradient in the outputs: logistic loss on one output (label 0 or 1),
/// softmax cross-entropy on several (label = class index).
pub fn loss_gradient(z: &[f64], label: usize) -> (f64, Vec<f64>) {
    if z.len() == 1 {
        let y = label as f64;
        let s = 1.0 / (1.0 + (-z[0]).exp());
        // softplus(z) − y z, computed stably.
        let loss = z[0].max(0.0) + (-z[0].abs()).exp().ln_1p() - y * z[0];
        (loss, vec![s - y])
    } else {
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exps: Vec<f64> = z.iter().map(|v| (v - max).exp()).collect();
        let total: f64 = exps.iter().sum();
        let loss = total.ln() + max - z[label];
        let grad = exps
            .iter()
            .enumerate()
            .map(|(c, e)| e / total - f64::from(u8::from(c == label)))
            .collect();
        (loss, grad)
    }
}

/// The predicted class: z > 0 for one output, else the first largest output.
pub fn predict(z: &[f64]) -> usize {
    if z.len() == 1 {
        usize::from(z[0] > 0.0)
    } else {
        let mut best = 0;
        for (c, v) in z.iter().enumerate() {
            if *v > z[best] {
                best = c;
            }
        }
        best
    }
}

/// Euclidean norm.
pub fn norm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}
