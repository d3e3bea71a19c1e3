//! ADana (spec §6.3): AdamW with log-time momentum, log-time weight decay and a damped
//! Nesterov term, as a burn [`Optimizer`].

use burn::optim::{LearningRate, ModuleOptimizer, Optimizer, RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};
use burn_pack::Scalar;
use schedules::AdanaSchedule;

use crate::state::{take_tensor, tensor_data};

/// The ADana optimizer (see the crate docs for the update and every convention).
///
/// burn's learning rate `lr` is the schedule factor γ(t) (pass `1.0` for a constant schedule,
/// or a warm-up/decay scheduler's value); the peak learning rate γ* is `peak_lr`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adana {
    /// γ*, the peak learning rate (multiplies the adaptive direction, not the weight decay).
    pub peak_lr: f64,
    /// κ, δ, ω, τ and ε, and the schedules they define (shared with `plrf`'s ADana).
    pub schedule: AdanaSchedule,
    /// Follow the public PyTorch class `mlexpos/adana:src/optim/adana.py` instead of the spec's
    /// formula (default false): the step counted from 1 in α, the Nesterov factor
    /// 1 + (2 + t)^{1−κ}, and the weight decay applied to the already updated θ. These are the
    /// three departures listed in the crate documentation, switched off.
    pub torch_conventions: bool,
}

impl Adana {
    /// ADana with peak learning rate γ* and the defaults κ = 0.85, δ = 8, ω = 4, τ = 1, ε = 1e-8.
    pub fn new(peak_lr: f64) -> Self {
        Adana {
            peak_lr,
            schedule: AdanaSchedule::default(),
            torch_conventions: false,
        }
    }

    /// Wraps the optimizer for a whole module (`ModuleOptimizer::from`).
    pub fn init(self) -> ModuleOptimizer {
        ModuleOptimizer::from(self)
    }
}

/// Per-parameter ADana state: first and second moments and the number of steps taken.
#[derive(Clone, Debug)]
pub struct AdanaState<const D: usize> {
    /// m, the log-time EMA of g.
    pub m: Tensor<D>,
    /// v, the log-time EMA of g².
    pub v: Tensor<D>,
    /// Steps taken so far = the 0-based index of the next step.
    pub step: u64,
}

impl<const D: usize> RecordState for AdanaState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_tensor(prefix, "m", tensor_data(&self.m));
        out.push_tensor(prefix, "v", tensor_data(&self.v));
        out.push_scalar(prefix, "step", Scalar::from(self.step));
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        let step = u64::try_from(src.take_scalar(prefix, "step")?).ok()?;
        let m = take_tensor(src, prefix, "m", device)?;
        let v = take_tensor(src, prefix, "v", device)?;
        Some(AdanaState { m, v, step })
    }
}

impl Optimizer for Adana {
    type State<const D: usize> = AdanaState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let t = state.as_ref().map_or(0, |s| s.step);
        let s = &self.schedule;
        let (alpha, nesterov) = if self.torch_conventions {
            (s.ema_weight(t + 1), 1.0 + s.nesterov_factor(t + 1))
        } else {
            (s.ema_weight(t), s.nesterov_factor(t))
        };
        let g2 = grad.clone().square().mul_scalar(alpha);
        let g1 = grad.clone().mul_scalar(alpha);
        let (m, v) = match state {
            Some(s) => (
                s.m.mul_scalar(1.0 - alpha) + g1,
                s.v.mul_scalar(1.0 - alpha) + g2,
            ),
            None => (g1, g2),
        };
        let direction =
            (grad + m.clone().mul_scalar(nesterov)) / v.clone().sqrt().add_scalar(s.epsilon);
        let decay = lr * s.weight_decay(t);
        let step = direction.mul_scalar(lr * self.peak_lr);
        let tensor = if self.torch_conventions {
            let moved = tensor - step;
            moved.clone() - moved.mul_scalar(decay)
        } else {
            tensor.clone() - tensor.mul_scalar(decay) - step
        };
        (tensor, Some(AdanaState { m, v, step: t + 1 }))
    }

    fn to_device<const D: usize>(mut state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.m = state.m.to_device(device);
        state.v = state.v.to_device(device);
        state
    }
}
