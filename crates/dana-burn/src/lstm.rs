//! A character-level LSTM language model: Embedding → L stacked `Lstm` layers → Linear.

use burn::module::{Module, ModuleMapper, Param};
use burn::nn::loss::CrossEntropyLoss;
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig, Lstm, LstmConfig};
use burn::tensor::{Device, Int, Tensor, TensorData};
use lab::seed::{Rng, Seed};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

/// Char-LSTM LM: `Embedding(vocab, E)` → `layers` × `Lstm(hidden H)` → `Linear(H, vocab)`.
#[derive(Module, Debug)]
pub struct CharLstm {
    /// Token embedding, weight `[vocab, E]`.
    pub embedding: Embedding,
    /// The stacked LSTM layers (batch first).
    pub layers: Vec<Lstm>,
    /// Output projection to logits, weight `[H, vocab]`.
    pub output: Linear,
}

impl CharLstm {
    /// A model with parameters drawn from `seed` (stream `"dana-burn.lstm.init"`), independent
    /// of burn's global RNG: embedding N(0, 1); every weight of shape `[in, out]` uniform in
    /// ±1/√in; every bias uniform in ±1/√H (PyTorch's LSTM convention).
    pub fn new(
        vocab: usize,
        embed: usize,
        hidden: usize,
        layers: usize,
        seed: Seed,
        device: &Device,
    ) -> Self {
        let model = CharLstm {
            embedding: EmbeddingConfig::new(vocab, embed).init(device),
            layers: (0..layers)
                .map(|l| {
                    let d_in = if l == 0 { embed } else { hidden };
                    LstmConfig::new(d_in, hidden, true)
                        .with_batch_first(true)
                        .init(device)
                })
                .collect(),
            output: LinearConfig::new(hidden, vocab).init(device),
        };
        let mut init = SeededInit {
            rng: seed.stream("dana-burn.lstm.init", 0),
            path: Vec::new(),
            bias_scale: 1.0 / (hidden as f64).sqrt(),
        };
        model.map(&mut init)
    }

    /// Logits `[B, T, vocab]` of the tokens `[B, T]`.
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        let mut x = self.embedding.forward(tokens);
        for layer in &self.layers {
            x = layer.forward(x, None).0;
        }
        self.output.forward(x)
    }

    /// Mean cross-entropy (nats per character) of predicting `targets` `[B, T]` from
    /// `inputs` `[B, T]`.
    pub fn loss(&self, inputs: Tensor<2, Int>, targets: Tensor<2, Int>) -> Tensor<1> {
        let logits = self.forward(inputs);
        let [b, t, v] = logits.dims();
        let device = logits.device();
        CrossEntropyLoss::new(None, &device)
            .forward(logits.reshape([b * t, v]), targets.reshape([b * t]))
    }
}

struct SeededInit {
    rng: Rng,
    path: Vec<String>,
    bias_scale: f64,
}

impl ModuleMapper for SeededInit {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let is_embedding = self.path.first().is_some_and(|p| p == "embedding");
        param.map(|tensor| {
            let shape = tensor.dims();
            let device = tensor.device();
            let dtype = tensor.dtype();
            let n: usize = shape.iter().product();
            let values: Vec<f32> = if is_embedding {
                (0..n)
                    .map(|_| {
                        let z: f64 = StandardNormal.sample(&mut self.rng);
                        z as f32
                    })
                    .collect()
            } else {
                let scale = if D >= 2 {
                    1.0 / (shape[0] as f64).sqrt()
                } else {
                    self.bias_scale
                };
                (0..n)
                    .map(|_| (scale * (2.0 * self.rng.random::<f64>() - 1.0)) as f32)
                    .collect()
            };
            Tensor::<D>::from_data(TensorData::new(values, shape), (&device, dtype)).require_grad()
        })
    }
}

/// A batch of `batch` windows of `seq_len + 1` tokens from `tokens` at uniformly random starts
/// drawn from `rng`: inputs are the first `seq_len`, targets the last `seq_len`, both
/// row-major `[batch, seq_len]`. Panics if `tokens.len() < seq_len + 1`.
pub fn random_windows(
    tokens: &[u32],
    batch: usize,
    seq_len: usize,
    rng: &mut Rng,
) -> (Vec<i64>, Vec<i64>) {
    assert!(tokens.len() > seq_len, "token stream shorter than a window");
    let max_start = tokens.len() - seq_len - 1;
    let starts: Vec<usize> = (0..batch)
        .map(|_| rng.random_range(0..=max_start))
        .collect();
    windows_at(tokens, &starts, seq_len)
}

/// Evenly spaced window starts for validation: up to `max_windows` windows of `seq_len + 1`
/// tokens, non-overlapping when the stream is long enough. Deterministic.
pub fn validation_starts(len: usize, seq_len: usize, max_windows: usize) -> Vec<usize> {
    if len <= seq_len || max_windows == 0 {
        return Vec::new();
    }
    let max_start = len - seq_len - 1;
    let fit = len / (seq_len + 1);
    let count = fit.clamp(1, max_windows);
    if count == 1 {
        return vec![0];
    }
    (0..count).map(|i| i * max_start / (count - 1)).collect()
}

/// Inputs and targets (`[starts.len(), seq_len]`, row-major) of the windows at `starts`.
pub fn windows_at(tokens: &[u32], starts: &[usize], seq_len: usize) -> (Vec<i64>, Vec<i64>) {
    let mut inputs = Vec::with_capacity(starts.len() * seq_len);
    let mut targets = Vec::with_capacity(starts.len() * seq_len);
    for &s in starts {
        inputs.extend(tokens[s..s + seq_len].iter().map(|&t| i64::from(t)));
        targets.extend(tokens[s + 1..s + seq_len + 1].iter().map(|&t| i64::from(t)));
    }
    (inputs, targets)
}

/// An `Int` tensor `[rows, cols]` from row-major values.
pub fn int_tensor(values: Vec<i64>, rows: usize, cols: usize, device: &Device) -> Tensor<2, Int> {
    Tensor::from_data(TensorData::new(values, [rows, cols]), device)
}
