//! DANA and ADana optimizers for [burn](https://burn.dev) (pinned to `=0.22.1`, CPU backend
//! `flex` with `autodiff`: `Device::flex().autodiff()`).
//!
//! # DANA (Ferbach et al., arXiv 2505.16098; spec §3.1–3.2)
//!
//! DANA ("dimension-adapted Nesterov acceleration") is the generic momentum step
//!
//! ```text
//! m ← (1 − Δ(t))·m + γ1(t)·g          (momentum first, m₀ = 0)
//! θ ← θ − lr·(γ2(t)·g + γ3(t)·m)      (then uses the new m)
//! ```
//!
//! with t the 0-based step count of each parameter (kept in its state) and burn's learning
//! rate `lr` a dimensionless multiplier of the θ update (pass `1.0` to follow the schedules
//! exactly). The schedules are the `schedules` crate's [`Hyper`](schedules::Hyper), shared
//! with `plrf`, so [`Dana::new`] takes any PLRF preset's schedules. The decaying
//! γ3(t) ∝ (1 + t)^{-κ3} and the vanishing Δ(t) = δ/(δ + t) make the momentum a growing
//! average of past gradients: the γ3 term acts like a step that grows with t, which is what
//! lets DANA outscale SGD.
//!
//! Network presets ([`DanaConfig`], every field overridable), from the official LSTM
//! experiment (`dana-nonquadratic-tests/lstm-1b/`, spec §3.2 last row):
//!
//! | preset | γ1 | γ2 | γ3(t) | Δ(t) | layer-wise |
//! |---|---|---|---|---|---|
//! | `dana-decaying` | 1 | 0.1 | 0.5·(1 + t)^{-1/2} | (1 + t/8)^{-1} = 8/(8 + t) | no |
//! | `dana-constant` | 1 | 0.1 | 0.5·γ2 = 0.05 | 8/(8 + t) | yes |
//!
//! The LSTM row has no DANA-constant entry: `dana-constant` uses the PLRF form γ3 = 0.5·γ2/d
//! with d replaced, layer-wise, by each tensor's number of entries. **Layer-wise DANA**
//! (official `dana_optimizer_layerwise`) divides γ3 by the tensor's number of entries;
//! switch it with [`Dana::with_layerwise`] or [`DanaConfig::layerwise`].
//!
//! # ADana (Ferbach, C. Paquette, Gidel, Everett, E. Paquette, arXiv 2602.05298; spec §6.3)
//!
//! AdamW with log-time schedules and a damped Nesterov term. At the 0-based step t, with
//! α(t) = δ/(δ + t) (so β1 = β2 = 1 − α):
//!
//! ```text
//! m ← (1 − α)·m + α·g
//! v ← (1 − α)·v + α·g²
//! θ ← θ − γ(t)·[ γ*·(g + (1 + t)^{1−κ}·m)/(√v + ε) + λ(t)·θ ]
//! λ(t) = ω/(1 + (t + 1)/τ)
//! ```
//!
//! Defaults κ = 0.85, δ = 8, ω = 4, τ = 1, ε = 10⁻⁸; γ* has no default ([`Adana::new`]).
//! Choices where the spec is vague (checked against the public PyTorch class
//! `mlexpos/adana:src/optim/adana.py`):
//! - **γ(t) and γ\***: γ(t) is the learning-rate *schedule factor* (peak 1) and is burn's `lr`
//!   argument (pass `1.0` for a constant schedule); γ* is the peak learning rate
//!   [`Adana::peak_lr`]. γ* multiplies the adaptive direction only, the weight decay is
//!   scaled by γ(t) but not by γ* ("independent" weight decay, as in the PyTorch class).
//! - **No bias correction**: with the 0-based t, α(0) = 1, so m = g and v = g² after the first
//!   step, unbiased. (The PyTorch class counts steps from 1, so its α starts at δ/(δ + 1).)
//! - **Nesterov factor** (1 + t)^{1−κ} with the 0-based t (1 at the first step). The PyTorch
//!   class adds a further m/(√v + ε), i.e. uses the factor 1 + (2 + t)^{1−κ}; this crate follows
//!   the spec's formula.
//! - **ω/t at t = 0**: λ(t) = ω/(1 + s/τ) with s = t + 1 the 1-based step, the PyTorch class's
//!   value; it is finite at t = 0 and ≈ ω·τ/t for t ≫ τ. With ω = 4 the early decay
//!   γ(t)·λ(t) exceeds 1 (it is 2 at t = 0) unless γ(t) warms up from 0, as in the paper's
//!   training runs: use a warm-up, or a smaller ω.
//! - The decay uses the θ before the step (the spec's formula); the PyTorch class decays the
//!   already updated θ.
//!
//! [`Adana::torch_conventions`] switches the three departures above off together (the step
//! counted from 1 in α, the factor 1 + (2 + t)^{1−κ}, the decay of the updated θ), giving the
//! PyTorch class's update.
//!
//! # Char-LSTM language model (spec §5 E9, scaled down)
//!
//! [`corpus`] builds character corpora (a synthetic Zipf text, or named documents split
//! whole into train/validation), [`lstm`] the model [`CharLstm`], [`train`](mod@train) the
//! training loop with checkpoint/resume and the power-law fit of the validation curve,
//! [`experiment`] runs optimizers × seeds and reports exponents with their seed spread, and
//! [`reproduce`](mod@reproduce) is the paper's claim 4 ("DANA's loss exponent beats SGD's on an
//! LSTM") at a quick and a full scale.
//!
//! # Gradient clipping
//!
//! burn's `GradientClipping::Norm` clips each tensor separately. [`clip_grad_global_norm`]
//! clips the norm over all parameters of a module, and [`ClippedOptimizer`] applies it as an
//! option before every step.
//!
//! # Precision
//!
//! `flex` computes in the dtype of the tensors: f32 by default, f64 where parameters are
//! created as f64 (`Tensor::from_data(data, (&device, DType::F64))`) or the device is
//! configured with `device.configure(FloatDType::F64)` before any tensor is created. The
//! optimizer states inherit the parameters' dtype and keep it through save and load.
//!
//! # Example
//!
//! ```
//! use burn::nn::LinearConfig;
//! use burn::optim::GradientsParams;
//! use burn::tensor::{Device, Tensor};
//! use dana_burn::DanaConfig;
//!
//! let device = Device::flex().autodiff();
//! let mut model = LinearConfig::new(4, 1).with_bias(false).init(&device);
//! let mut optim = DanaConfig::decaying().init();
//! let x = Tensor::<2>::from_floats([[0.5, 0.0, 0.0, 0.0], [0.0, 0.5, 0.0, 0.0]], &device);
//! let y = Tensor::<2>::from_floats([[1.0], [-1.0]], &device);
//! let mut losses = Vec::new();
//! for _ in 0..50 {
//!     let loss = (model.forward(x.clone()) - y.clone()).square().mean();
//!     losses.push(loss.clone().into_scalar::<f64>());
//!     let grads = GradientsParams::from_grads(loss.backward(), &model);
//!     model = optim.step(1.0, model, grads);
//! }
//! assert!(losses[49] < 0.1 * losses[0]);
//! ```

mod adana;
mod clip;
pub mod corpus;
mod dana;
mod error;
pub mod experiment;
pub mod lstm;
pub mod reproduce;
mod state;
pub mod train;

pub use adana::{Adana, AdanaState};
pub use clip::{clip_grad_global_norm, global_grad_norm, ClippedOptimizer};
pub use dana::{Dana, DanaConfig, DanaPreset, DanaState};
pub use error::Error;
pub use schedules::AdanaSchedule;

pub use corpus::{shakespeare_dir, Corpus, SyntheticConfig};
pub use experiment::{run_all, Run};
pub use lstm::CharLstm;
pub use train::{
    fit_second_half, train, Checkpoint, Curve, CurvePoint, OptimizerKind, PowerLawFit, TrainConfig,
};
