//! Training the targets (spec A7): full-batch Adam on the basis coefficients with hand-written
//! backprop, then the rescaling that enforces ‖W_i‖_op ≤ 1 and max|α| ≤ α_max.
//!
//! Rescaling: multiplying layer i of a bias-free ReLU network by t_i > 0 multiplies the logits
//! by Π t_i and leaves every prediction unchanged. Each layer is scaled by
//! t_i = min(1/‖W_i‖_op, α_max/max|α_i|), the largest factor meeting both constraints, with
//! ‖W_i‖_op the exact spectral norm of the expanded layer (faer SVD).

use crate::data::Dataset;
use crate::error::Result;
use crate::linalg::spectral_norm;
use crate::network::{loss_gradient, predict, Architecture, Network, Trace};
use crate::targets::TargetKind;
use lab::error::positive;
use lab::seed::Seed;
use rand::RngExt;
use rayon::prelude::*;
use std::sync::Arc;

/// How the target coefficients are obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Coefficients {
    /// Trained on the target's task (A7), then rescaled.
    Trained,
    /// Drawn i.i.d. U[−α_max, α_max], untrained (the spec's prototype targets; enough for the
    /// width law, where only the coefficient values matter).
    Uniform,
}

impl Coefficients {
    /// The name used on the command line and in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Coefficients::Trained => "trained",
            Coefficients::Uniform => "uniform",
        }
    }
}

/// Task and training settings of one target.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TaskConfig {
    /// Hidden fields C.
    pub hidden: usize,
    /// Trained or uniform coefficients.
    pub coefficients: Coefficients,
    /// Training examples.
    pub train_size: usize,
    /// Test examples (accuracy, sup and mean output error).
    pub test_size: usize,
    /// Full-batch Adam steps.
    pub steps: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Decoupled weight decay (AdamW): every step multiplies α by 1 − lr·decay.
    pub weight_decay: f64,
    /// Bound on |α| after rescaling (spec default 1/4).
    pub alpha_max: f64,
}

impl TaskConfig {
    /// The spec's defaults for `target` (full-batch Adam, lr 10⁻², α_max = 1/4, 1000 test
    /// inputs; T3 trains on fewer examples and steps because its 4 → 4 regular convolution
    /// costs ~0.15 MFLOP per example and pass).
    pub fn default_for(target: TargetKind) -> TaskConfig {
        let (train_size, steps) = match target {
            TargetKind::Mlp | TargetKind::Deepsets => (2000, 400),
            TargetKind::Ign2 => (2000, 300),
            TargetKind::C4cnn => (512, 200),
        };
        TaskConfig {
            hidden: target.default_hidden(),
            coefficients: Coefficients::Trained,
            train_size,
            test_size: 1000,
            steps,
            learning_rate: 1e-2,
            weight_decay: 0.0,
            alpha_max: 0.25,
        }
    }

    /// Refuse an empty test set (or training set, for trained coefficients), more than 10⁶
    /// examples, a non-positive learning rate or α_max, a negative weight decay, hidden fields
    /// outside 1..=64.
    pub fn validate(&self) -> Result<()> {
        crate::error::in_range("hidden fields", self.hidden, 1, 64)?;
        let min_train = usize::from(self.coefficients == Coefficients::Trained);
        crate::error::in_range("training examples", self.train_size, min_train, 1_000_000)?;
        crate::error::in_range("test examples", self.test_size, 1, 1_000_000)?;
        positive("learning rate", self.learning_rate)?;
        lab::error::non_negative("weight decay", self.weight_decay)?;
        positive("alpha_max", self.alpha_max)?;
        Ok(())
    }
}

/// A target ready for pruning.
#[derive(Clone, Debug)]
pub struct Target {
    /// Which target.
    pub kind: TargetKind,
    /// The seed it was built with.
    pub seed: u64,
    /// The task settings.
    pub task: TaskConfig,
    /// The (rescaled) network.
    pub network: Network,
    /// The test set.
    pub test: Dataset,
    /// Test accuracy of the target.
    pub accuracy: f64,
    /// Rescaling factors t_i (1 for uniform coefficients).
    pub rescale: Vec<f64>,
    /// ‖W_i‖_op after rescaling (exact; empty for uniform coefficients, where it is not
    /// needed).
    pub layer_norms: Vec<f64>,
    /// Final training loss (NaN for uniform coefficients).
    pub train_loss: f64,
    /// Wall seconds of data generation and training.
    pub seconds: f64,
}

/// Examples per parallel work item of the full-batch gradient (fixed, so the sum order does
/// not depend on the thread count).
const CHUNK: usize = 32;

/// Mean loss and its coefficient gradient over `data`.
pub fn loss_and_gradient(net: &Network, data: &Dataset) -> (f64, Vec<Vec<f64>>) {
    let filters = net.filters();
    let zero: Vec<Vec<f64>> = filters.iter().map(|f| vec![0.0; f.len()]).collect();
    let parts: Vec<(f64, Vec<Vec<f64>>)> = data
        .inputs
        .par_chunks(CHUNK)
        .zip(data.labels.par_chunks(CHUNK))
        .map(|(xs, ls)| {
            let mut grads = zero.clone();
            let mut loss = 0.0;
            for (x, &l) in xs.iter().zip(ls) {
                let mut trace = Trace::default();
                let z = net.forward_with(&filters, x, Some(&mut trace));
                let (lv, g) = loss_gradient(&z, l);
                loss += lv;
                net.backward(&filters, &trace, &g, &mut grads);
            }
            (loss, grads)
        })
        .collect();
    let mut total = zero;
    let mut loss = 0.0;
    for (l, g) in parts {
        loss += l;
        for (t, gi) in total.iter_mut().zip(g) {
            for (a, b) in t.iter_mut().zip(gi) {
                *a += b;
            }
        }
    }
    let n = data.len().max(1) as f64;
    let mut grad = net.project_gradients(&total);
    for g in grad.iter_mut().flatten() {
        *g /= n;
    }
    (loss / n, grad)
}

/// `steps` full-batch Adam steps (β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸); returns the final loss.
pub fn train(net: &mut Network, data: &Dataset, steps: usize, lr: f64, weight_decay: f64) -> f64 {
    let mut m: Vec<Vec<f64>> = net.coeffs.iter().map(|c| vec![0.0; c.len()]).collect();
    let mut v = m.clone();
    let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
    let mut loss = f64::NAN;
    for step in 1..=steps {
        let (l, grad) = loss_and_gradient(net, data);
        loss = l;
        let (c1, c2) = (1.0 - b1.powi(step as i32), 1.0 - b2.powi(step as i32));
        for i in 0..net.coeffs.len() {
            for j in 0..net.coeffs[i].len() {
                let g = grad[i][j];
                m[i][j] = b1 * m[i][j] + (1.0 - b1) * g;
                v[i][j] = b2 * v[i][j] + (1.0 - b2) * g * g;
                let a = net.coeffs[i][j] * (1.0 - lr * weight_decay);
                net.coeffs[i][j] = a - lr * (m[i][j] / c1) / ((v[i][j] / c2).sqrt() + eps);
            }
        }
    }
    if steps > 0 {
        loss = loss_and_gradient(net, data).0;
    }
    loss
}

/// Exact ‖W_i‖_op of every layer.
pub fn layer_norms(net: &Network) -> Vec<f64> {
    let filters = net.filters();
    (0..net.arch.depth())
        .map(|i| {
            let spec = &net.arch.layers[i];
            let rows = spec.c_out * spec.basis.kernel.rows();
            let cols = spec.c_in * spec.basis.kernel.cols();
            spectral_norm(&net.layer_matrix(&filters, i), rows, cols)
        })
        .collect()
}

/// Scale layer i by t_i = min(1/‖W_i‖_op, α_max/max|α_i|); returns the factors.
pub fn rescale(net: &mut Network, alpha_max: f64) -> Vec<f64> {
    let norms = layer_norms(net);
    net.coeffs
        .iter_mut()
        .zip(norms)
        .map(|(alpha, nu)| {
            let amax = alpha.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let t = (1.0 / nu).min(alpha_max / amax);
            let t = if t.is_finite() { t } else { 1.0 };
            for a in alpha.iter_mut() {
                *a *= t;
            }
            t
        })
        .collect()
}

/// Fraction of `data` that `predict_fn` classifies correctly.
pub fn accuracy(outputs: &[Vec<f64>], data: &Dataset) -> f64 {
    let hits = outputs
        .iter()
        .zip(&data.labels)
        .filter(|(z, &l)| predict(z) == l)
        .count();
    hits as f64 / data.len().max(1) as f64
}

/// Coefficients i.i.d. U[−a, a] per layer from stream (`component`, layer), with a given per
/// layer by `scale(i)`.
pub fn uniform_coefficients(
    arch: &Architecture,
    seed: u64,
    component: &str,
    scale: impl Fn(usize) -> f64,
) -> Vec<Vec<f64>> {
    arch.layers
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let mut rng = Seed(seed).stream(component, i as u64);
            let a = scale(i);
            (0..spec.coefficients())
                .map(|_| a * (2.0 * rng.random::<f64>() - 1.0))
                .collect()
        })
        .collect()
}

/// Build, train (or draw) and rescale a target for `seed`.
pub fn prepare_target(kind: TargetKind, seed: u64, task: &TaskConfig) -> Result<Target> {
    task.validate()?;
    let start = std::time::Instant::now();
    let arch = Arc::new(kind.architecture(task.hidden)?);
    let (train_set, test) = kind.datasets(seed, task.train_size, task.test_size);
    let (network, rescale_factors, norms, train_loss) = match task.coefficients {
        Coefficients::Uniform => {
            let coeffs =
                uniform_coefficients(&arch, seed, "lottery.target.uniform", |_| task.alpha_max);
            let net = Network { arch, coeffs };
            let ones = vec![1.0; net.arch.depth()];
            (net, ones, vec![], f64::NAN)
        }
        Coefficients::Trained => {
            // He-uniform initialisation over the C_i·K_i coefficients feeding one output field.
            let coeffs = uniform_coefficients(&arch, seed, "lottery.target.init", |i| {
                let l = &arch.layers[i];
                (6.0 / (l.c_in * l.basis.len()) as f64).sqrt()
            });
            let mut net = Network { arch, coeffs };
            let loss = train(
                &mut net,
                &train_set,
                task.steps,
                task.learning_rate,
                task.weight_decay,
            );
            if !loss.is_finite() || net.coeffs.iter().flatten().any(|a| !a.is_finite()) {
                return Err(crate::error::Error::TrainingDiverged {
                    steps: task.steps,
                    learning_rate: task.learning_rate,
                });
            }
            let t = rescale(&mut net, task.alpha_max);
            let norms = layer_norms(&net);
            (net, t, norms, loss)
        }
    };
    let outputs = forward_all(&network, &test.inputs);
    Ok(Target {
        kind,
        seed,
        task: task.clone(),
        accuracy: accuracy(&outputs, &test),
        network,
        test,
        rescale: rescale_factors,
        layer_norms: norms,
        train_loss,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// f(x) for every input, in parallel, in input order.
pub fn forward_all(net: &Network, inputs: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let filters = net.filters();
    inputs
        .par_iter()
        .map(|x| net.forward_with(&filters, x, None))
        .collect()
}
