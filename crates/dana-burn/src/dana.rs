//! DANA: the generic momentum step of spec §3.1 as a burn [`Optimizer`].

use burn::optim::{LearningRate, ModuleOptimizer, Optimizer, RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};
use burn_pack::Scalar;
use schedules::{DeltaConvention, Hyper, Schedule};

use crate::state::{take_tensor, tensor_data};

/// The DANA optimizer: m ← (1 − Δ(t))·m + γ1(t)·g, then θ ← θ − lr·(γ2(t)·g + γ3(t)·m).
///
/// `t` is the 0-based step count of each parameter (kept in its state), `lr` is burn's
/// learning rate, a dimensionless multiplier of the θ update: pass `1.0` to follow the
/// schedules exactly. With `layerwise`, γ3 is divided by each tensor's number of entries.
#[derive(Clone, Debug, PartialEq)]
pub struct Dana {
    /// The four schedules γ1, γ2, γ3, Δ (the `schedules` crate, shared with `plrf`).
    pub hyper: Hyper,
    /// Layer-wise DANA: γ3 / (number of entries of the tensor).
    pub layerwise: bool,
}

impl Dana {
    /// DANA with the given schedules (not layer-wise).
    pub fn new(hyper: Hyper) -> Self {
        Dana {
            hyper,
            layerwise: false,
        }
    }

    /// Sets the layer-wise variant on or off.
    pub fn with_layerwise(mut self, layerwise: bool) -> Self {
        self.layerwise = layerwise;
        self
    }

    /// Wraps the optimizer for a whole module (`ModuleOptimizer::from`).
    pub fn init(self) -> ModuleOptimizer {
        ModuleOptimizer::from(self)
    }
}

/// The network presets of [`DanaConfig`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum DanaPreset {
    /// [`DanaConfig::decaying`].
    DanaDecaying,
    /// [`DanaConfig::constant`].
    DanaConstant,
}

/// Network defaults of the two presets, every field overridable
/// (`DanaConfig { gamma2: 0.05, ..DanaConfig::decaying() }`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DanaConfig {
    /// γ1 (constant).
    pub gamma1: f64,
    /// γ2 (constant).
    pub gamma2: f64,
    /// γ3 at t = 0: γ3(t) = gamma3·(1 + t)^{-kappa3}.
    pub gamma3: f64,
    /// κ3, the decay exponent of γ3 (0: constant).
    pub kappa3: f64,
    /// δ of Δ(t).
    pub delta: f64,
    /// The form of Δ(t); `DeltaPlusT` gives Δ = δ/(δ + t) = (1 + t/δ)^{-1}.
    pub convention: DeltaConvention,
    /// Layer-wise variant (γ3 divided by each tensor's number of entries).
    pub layerwise: bool,
}

impl DanaConfig {
    /// `dana-decaying`, the official LSTM row of spec §3.2: γ1 = 1, γ2 = 0.1,
    /// γ3 = 0.5·(1 + t)^{-1/2}, Δ = (1 + t/8)^{-1}; not layer-wise.
    pub fn decaying() -> Self {
        DanaConfig {
            gamma1: 1.0,
            gamma2: 0.1,
            gamma3: 0.5,
            kappa3: 0.5,
            delta: 8.0,
            convention: DeltaConvention::DeltaPlusT,
            layerwise: false,
        }
    }

    /// `dana-constant` for networks: as [`decaying`](Self::decaying) but γ3 = 0.5·γ2 constant
    /// in t and layer-wise, so each tensor gets γ3 = 0.5·γ2/n (n its entries), the network
    /// analogue of the PLRF preset's 0.5·γ2/d (the LSTM row has no DANA-constant entry).
    pub fn constant() -> Self {
        DanaConfig {
            gamma3: 0.05,
            kappa3: 0.0,
            layerwise: true,
            ..Self::decaying()
        }
    }

    /// The configuration of `preset`.
    pub fn preset(preset: DanaPreset) -> Self {
        match preset {
            DanaPreset::DanaDecaying => Self::decaying(),
            DanaPreset::DanaConstant => Self::constant(),
        }
    }

    /// The schedules of this configuration.
    pub fn hyper(&self) -> Hyper {
        Hyper {
            gamma1: Schedule::constant(self.gamma1),
            gamma2: Schedule::constant(self.gamma2),
            gamma3: Schedule::PowerLaw {
                scale: self.gamma3,
                exponent: self.kappa3,
            },
            delta: Schedule::Momentum {
                delta: self.delta,
                convention: self.convention,
            },
        }
    }

    /// The optimizer.
    pub fn build(&self) -> Dana {
        Dana::new(self.hyper()).with_layerwise(self.layerwise)
    }

    /// The optimizer wrapped for a whole module.
    pub fn init(&self) -> ModuleOptimizer {
        self.build().init()
    }
}

/// Per-parameter DANA state: the momentum m and the number of steps taken.
#[derive(Clone, Debug)]
pub struct DanaState<const D: usize> {
    /// The momentum m (called `y` in the official code).
    pub momentum: Tensor<D>,
    /// Steps taken so far = the 0-based index of the next step.
    pub step: u64,
}

impl<const D: usize> RecordState for DanaState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_tensor(prefix, "momentum", tensor_data(&self.momentum));
        out.push_scalar(prefix, "step", Scalar::from(self.step));
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        let step = u64::try_from(src.take_scalar(prefix, "step")?).ok()?;
        let momentum = take_tensor(src, prefix, "momentum", device)?;
        Some(DanaState { momentum, step })
    }
}

impl Optimizer for Dana {
    type State<const D: usize> = DanaState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let t = state.as_ref().map_or(0, |s| s.step);
        let c = self.hyper.at(t as f64);
        let g3 = if self.layerwise {
            c.g3 / tensor.shape().num_elements() as f64
        } else {
            c.g3
        };
        let fresh = grad.clone().mul_scalar(c.g1);
        let momentum = match state {
            Some(s) => s.momentum.mul_scalar(1.0 - c.delta) + fresh,
            None => fresh,
        };
        let tensor = tensor - grad.mul_scalar(lr * c.g2) - momentum.clone().mul_scalar(lr * g3);
        (
            tensor,
            Some(DanaState {
                momentum,
                step: t + 1,
            }),
        )
    }

    fn to_device<const D: usize>(mut state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.momentum = state.momentum.to_device(device);
        state
    }
}
