//! Multilayer perceptrons: layers, activations, the two parameterisations, the forward pass
//! and linear interpolation of parameters.
//!
//! A network with L hidden layers has L + 1 linear layers; layer ℓ (1-based) holds
//! W_ℓ ∈ R^{m_ℓ×m_{ℓ−1}} (row i = incoming vector of unit i) and b_ℓ ∈ R^{m_ℓ}. The forward
//! pass is z_ℓ = W_ℓh_{ℓ−1} + b_ℓ, h_ℓ = σ(z_ℓ), and the logits are
//! f = s·W_{L+1}h_L + b_{L+1} with output scale s = 1 (standard) or 1/m_L (mean field).

use crate::error::{Error, Result};
use crate::matrix::Matrix;
use lab::seed::Rng;
use rand_distr::{Distribution, StandardNormal};

/// The pointwise nonlinearity σ of the hidden layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Activation {
    /// max(0, z): allowed by the deep theorems (1-Lipschitz, σ(0) = 0).
    Relu,
    /// tanh(z): bounded and Lipschitz, as Theorem 3.1 (mean field) requires.
    Tanh,
}

impl Activation {
    /// σ(z).
    #[inline]
    pub fn apply(self, z: f64) -> f64 {
        match self {
            Activation::Relu => z.max(0.0),
            Activation::Tanh => z.tanh(),
        }
    }

    /// σ'(z) written as a function of h = σ(z) (ReLU: 1 where h > 0; tanh: 1 − h²).
    #[inline]
    pub fn derivative_from_output(self, h: f64) -> f64 {
        match self {
            Activation::Relu => {
                if h > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Tanh => 1.0 - h * h,
        }
    }
}

/// How parameters are initialised, how the output is scaled and how SGD steps are scaled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Parameterisation {
    /// Flax `Dense` defaults: weights LeCun normal (normal truncated at ±2 standard deviations,
    /// rescaled so the variance is 1/fan_in), biases 0, output scale 1.
    Standard,
    /// Mean field (two-layer theory, Mei et al.): f = (1/N)Σ_i a_iσ(w_iᵀx + b_i) with
    /// w_i ~ N(0, I/fan_in), b_i ~ N(0, 1/fan_in), a_i ~ N(0, I_K), the output bias fixed at
    /// 0; SGD multiplies every gradient by N (a per-neuron step that does not shrink with N).
    MeanField,
}

/// One linear layer: weight \[out, in\] and bias \[out\].
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// Weight W, out×in (row i = incoming vector of output unit i).
    pub weight: Matrix,
    /// Bias b (length out).
    pub bias: Vec<f64>,
}

impl Layer {
    /// Output width.
    pub fn outputs(&self) -> usize {
        self.weight.rows
    }

    /// Input width.
    pub fn inputs(&self) -> usize {
        self.weight.cols
    }
}

/// A multilayer perceptron: linear layers with σ between them (none after the last).
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    /// The linear layers in forward order (at least one).
    pub layers: Vec<Layer>,
    /// The hidden nonlinearity.
    pub activation: Activation,
    /// Standard or mean-field scaling.
    pub parameterisation: Parameterisation,
}

impl Mlp {
    /// A network from its layers, checked: at least one layer, no width of 0, shapes that
    /// chain, biases of the right length, all entries finite.
    pub fn new(
        layers: Vec<Layer>,
        activation: Activation,
        parameterisation: Parameterisation,
    ) -> Result<Mlp> {
        if layers.is_empty() {
            return Err(Error::NoLinearLayers);
        }
        for (k, layer) in layers.iter().enumerate() {
            lab::error::require(
                layer.inputs() >= 1 && layer.outputs() >= 1,
                "layer width",
                layer.inputs().min(layer.outputs()) as f64,
                format!(
                    "at least 1 (layer {} is {}×{})",
                    k + 1,
                    layer.outputs(),
                    layer.inputs()
                ),
            )?;
            if layer.bias.len() != layer.outputs() {
                return Err(Error::BiasLength {
                    layer: k + 1,
                    len: layer.bias.len(),
                    out: layer.outputs(),
                });
            }
            if k > 0 && layer.inputs() != layers[k - 1].outputs() {
                return Err(Error::BrokenChain {
                    layer: k + 1,
                    input: layer.inputs(),
                    previous_output: layers[k - 1].outputs(),
                });
            }
            if let Some(index) = layer.weight.data.iter().position(|v| !v.is_finite()) {
                return Err(Error::NonFiniteWeight {
                    tensor: format!("layer {} weight", k + 1),
                    index,
                    value: layer.weight.data[index],
                });
            }
            if let Some(index) = layer.bias.iter().position(|v| !v.is_finite()) {
                return Err(Error::NonFiniteWeight {
                    tensor: format!("layer {} bias", k + 1),
                    index,
                    value: layer.bias[index],
                });
            }
        }
        Ok(Mlp {
            layers,
            activation,
            parameterisation,
        })
    }

    /// A freshly initialised network of widths `[d, m_1, …, m_L, K]` (at least two entries,
    /// all ≥ 1), drawing every parameter from `rng` layer by layer (weights row by row, then
    /// biases).
    pub fn init(
        widths: &[usize],
        activation: Activation,
        parameterisation: Parameterisation,
        rng: &mut Rng,
    ) -> Result<Mlp> {
        lab::error::require(
            widths.len() >= 2,
            "number of widths",
            widths.len() as f64,
            "at least 2 (input and output)",
        )?;
        for &w in widths {
            lab::error::require(w >= 1, "width", w as f64, "at least 1")?;
        }
        let last = widths.len() - 2;
        let layers = widths
            .windows(2)
            .enumerate()
            .map(|(k, w)| {
                let (fan_in, fan_out) = (w[0], w[1]);
                let (weight, bias) = match parameterisation {
                    Parameterisation::Standard => {
                        let std = (1.0 / fan_in as f64).sqrt() / TRUNCATED_STD;
                        let weight =
                            Matrix::from_fn(fan_out, fan_in, |_, _| std * truncated_normal(rng));
                        (weight, vec![0.0; fan_out])
                    }
                    Parameterisation::MeanField if k == last => {
                        let weight =
                            Matrix::from_fn(fan_out, fan_in, |_, _| StandardNormal.sample(rng));
                        (weight, vec![0.0; fan_out])
                    }
                    Parameterisation::MeanField => {
                        let std = (1.0 / fan_in as f64).sqrt();
                        let weight =
                            Matrix::from_fn(fan_out, fan_in, |_, _| std * crate::data::normal(rng));
                        let bias = (0..fan_out)
                            .map(|_| std * crate::data::normal(rng))
                            .collect();
                        (weight, bias)
                    }
                };
                Layer { weight, bias }
            })
            .collect();
        Mlp::new(layers, activation, parameterisation)
    }

    /// Number of hidden layers L.
    pub fn hidden_layers(&self) -> usize {
        self.layers.len() - 1
    }

    /// Widths `[d, m_1, …, m_L, K]`.
    pub fn widths(&self) -> Vec<usize> {
        std::iter::once(self.layers[0].inputs())
            .chain(self.layers.iter().map(Layer::outputs))
            .collect()
    }

    /// Input width d.
    pub fn input_dim(&self) -> usize {
        self.layers[0].inputs()
    }

    /// Output width K.
    pub fn output_dim(&self) -> usize {
        self.layers[self.layers.len() - 1].outputs()
    }

    /// Number of parameters.
    pub fn parameter_count(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.weight.data.len() + l.bias.len())
            .sum()
    }

    /// The factor s in front of W_{L+1}h_L: 1 (standard) or 1/m_L (mean field).
    pub fn output_scale(&self) -> f64 {
        match self.parameterisation {
            Parameterisation::Standard => 1.0,
            Parameterisation::MeanField => 1.0 / self.layers[self.layers.len() - 1].inputs() as f64,
        }
    }

    /// Logits for the rows of `x` (n×d → n×K). Panics if `x.cols != d` (callers check data
    /// against the network first).
    pub fn forward(&self, x: &Matrix) -> Matrix {
        self.forward_all(x).pop().expect("at least one layer")
    }

    /// The post-activations h_1, …, h_L of every hidden layer followed by the logits.
    pub fn forward_all(&self, x: &Matrix) -> Vec<Matrix> {
        assert_eq!(x.cols, self.input_dim(), "forward: data width");
        let mut out: Vec<Matrix> = Vec::with_capacity(self.layers.len());
        let last = self.layers.len() - 1;
        for (k, layer) in self.layers.iter().enumerate() {
            let input = if k == 0 { x } else { &out[k - 1] };
            let mut z = input.matmul_t(&layer.weight);
            if k == last {
                let s = self.output_scale();
                if s != 1.0 {
                    z.data.iter_mut().for_each(|v| *v *= s);
                }
                z.add_row_vector(&layer.bias);
            } else {
                z.add_row_vector(&layer.bias);
                let act = self.activation;
                z.data.iter_mut().for_each(|v| *v = act.apply(*v));
            }
            out.push(z);
        }
        out
    }

    /// Checks that `other` has the same widths, activation and parameterisation.
    pub fn check_same_architecture(&self, other: &Mlp) -> Result<()> {
        if self.layers.len() != other.layers.len() {
            return Err(Error::DepthMismatch {
                layers_a: self.layers.len(),
                layers_b: other.layers.len(),
            });
        }
        for (k, (la, lb)) in self.layers.iter().zip(&other.layers).enumerate() {
            if (la.outputs(), la.inputs()) != (lb.outputs(), lb.inputs()) {
                return Err(Error::ArchitectureMismatch {
                    layer: k + 1,
                    shape_a: [la.outputs(), la.inputs()],
                    shape_b: [lb.outputs(), lb.inputs()],
                });
            }
        }
        Ok(())
    }

    /// θ(t) = (1 − t)·θ_self + t·θ_other, parameter by parameter (θ(0) = self and θ(1) = other
    /// exactly). Panics if the architectures differ (callers check first).
    pub fn interpolate(&self, other: &Mlp, t: f64) -> Mlp {
        assert!(
            self.check_same_architecture(other).is_ok(),
            "interpolate: architectures differ"
        );
        let mix = |a: &[f64], b: &[f64]| -> Vec<f64> {
            a.iter()
                .zip(b)
                .map(|(x, y)| (1.0 - t) * x + t * y)
                .collect()
        };
        let layers = self
            .layers
            .iter()
            .zip(&other.layers)
            .map(|(la, lb)| Layer {
                weight: Matrix::from_vec(
                    la.weight.rows,
                    la.weight.cols,
                    mix(&la.weight.data, &lb.weight.data),
                ),
                bias: mix(&la.bias, &lb.bias),
            })
            .collect();
        Mlp {
            layers,
            activation: self.activation,
            parameterisation: self.parameterisation,
        }
    }
}

/// Standard deviation of N(0, 1) truncated to [−2, 2] (Flax's LeCun-normal correction).
const TRUNCATED_STD: f64 = 0.879_625_661_034_239_8;

/// One draw of N(0, 1) conditioned on |z| ≤ 2 (rejection; acceptance ≈ 95%).
fn truncated_normal(rng: &mut Rng) -> f64 {
    loop {
        let z: f64 = StandardNormal.sample(rng);
        if z.abs() <= 2.0 {
            return z;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lab::seed::Seed;

    #[test]
    fn lecun_init_has_variance_one_over_fan_in() {
        // 200×400 weights: sample variance within 3% of 1/400 (sd of the estimate ≈ 0.5%),
        // no entry beyond 2 standard deviations of the untruncated normal.
        let mut rng = Seed(1).stream("test", 0);
        let net = Mlp::init(
            &[400, 200, 3],
            Activation::Relu,
            Parameterisation::Standard,
            &mut rng,
        )
        .unwrap();
        let w = &net.layers[0].weight.data;
        let var = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
        assert!(
            (var * 400.0 - 1.0).abs() < 0.03,
            "variance·fan_in = {}",
            var * 400.0
        );
        let bound = 2.0 * (1.0f64 / 400.0).sqrt() / TRUNCATED_STD;
        assert!(w.iter().all(|v| v.abs() <= bound + 1e-15));
        assert!(net.layers[0].bias.iter().all(|&b| b == 0.0));
    }

    #[test]
    fn forward_matches_a_hand_computation() {
        // d = 2, one hidden ReLU layer of 2 units, K = 1.
        let net = Mlp::new(
            vec![
                Layer {
                    weight: Matrix::from_vec(2, 2, vec![1.0, -1.0, 0.5, 2.0]),
                    bias: vec![0.0, -1.0],
                },
                Layer {
                    weight: Matrix::from_vec(1, 2, vec![3.0, -2.0]),
                    bias: vec![0.25],
                },
            ],
            Activation::Relu,
            Parameterisation::Standard,
        )
        .unwrap();
        // x = (1, 2): z = (1 − 2, 0.5 + 4 − 1) = (−1, 3.5), h = (0, 3.5), f = −7 + 0.25.
        let f = net.forward(&Matrix::from_vec(1, 2, vec![1.0, 2.0]));
        assert_eq!(f.data, vec![-6.75]);
        let mut mf = net.clone();
        mf.parameterisation = Parameterisation::MeanField;
        // Mean field halves the output weights' contribution (m_L = 2).
        assert_eq!(
            mf.forward(&Matrix::from_vec(1, 2, vec![1.0, 2.0])).data,
            vec![-3.25]
        );
        // Interpolation endpoints are exact.
        let other = Mlp::init(
            &[2, 2, 1],
            Activation::Relu,
            Parameterisation::Standard,
            &mut Seed(0).stream("t", 0),
        )
        .unwrap();
        assert_eq!(net.interpolate(&other, 0.0), net);
        assert_eq!(net.interpolate(&other, 1.0), other);
    }

    #[test]
    fn bad_networks_are_refused() {
        let layer = |o: usize, i: usize| Layer {
            weight: Matrix::zeros(o, i),
            bias: vec![0.0; o],
        };
        let (relu, std) = (Activation::Relu, Parameterisation::Standard);
        assert!(matches!(
            Mlp::new(vec![], relu, std),
            Err(Error::NoLinearLayers)
        ));
        assert!(matches!(
            Mlp::new(vec![layer(3, 2), layer(1, 4)], relu, std),
            Err(Error::BrokenChain {
                layer: 2,
                input: 4,
                previous_output: 3
            })
        ));
        let mut bad = layer(2, 2);
        bad.weight.data[3] = f64::NAN;
        assert!(matches!(
            Mlp::new(vec![bad], relu, std),
            Err(Error::NonFiniteWeight { index: 3, .. })
        ));
        let a = Mlp::new(vec![layer(3, 2), layer(1, 3)], relu, std).unwrap();
        let b = Mlp::new(vec![layer(4, 2), layer(1, 4)], relu, std).unwrap();
        assert!(matches!(
            a.check_same_architecture(&b),
            Err(Error::ArchitectureMismatch {
                layer: 1,
                shape_a: [3, 2],
                shape_b: [4, 2]
            })
        ));
        assert!(Mlp::init(&[3, 0, 1], relu, std, &mut Seed(0).stream("t", 0)).is_err());
        assert!(matches!(
            Mlp::new(vec![layer(0, 2), layer(1, 0)], relu, std),
            Err(Error::Invalid(_))
        ));
    }
}
