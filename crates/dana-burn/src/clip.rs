//! Global-norm gradient clipping over all parameters of a module.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::{GradientsParams, LearningRate, ModuleOptimizer};
use burn::tensor::Tensor;

struct SumSquares<'a> {
    grads: &'a GradientsParams,
    sum: f64,
}

impl ModuleVisitor for SumSquares<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.get::<D>(param.id) {
            self.sum += g.square().sum().into_scalar::<f64>();
        }
    }
}

struct Scale<'a> {
    grads: &'a mut GradientsParams,
    factor: f64,
}

impl ModuleVisitor for Scale<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.remove::<D>(param.id) {
            self.grads.register(param.id, g.mul_scalar(self.factor));
        }
    }
}

/// The global norm ‖g‖ = (Σ over all parameters of `module` of Σ g²)^{1/2}.
pub fn global_grad_norm<M: Module>(module: &M, grads: &GradientsParams) -> f64 {
    let mut visitor = SumSquares { grads, sum: 0.0 };
    module.visit(&mut visitor);
    visitor.sum.sqrt()
}

/// Scales all gradients by `max_norm/‖g‖` when the global norm ‖g‖ exceeds `max_norm`
/// (no ε is added); returns the clipped gradients and ‖g‖ before clipping.
pub fn clip_grad_global_norm<M: Module>(
    module: &M,
    mut grads: GradientsParams,
    max_norm: f64,
) -> (GradientsParams, f64) {
    let norm = global_grad_norm(module, &grads);
    if norm > max_norm {
        let mut visitor = Scale {
            grads: &mut grads,
            factor: max_norm / norm,
        };
        module.visit(&mut visitor);
    }
    (grads, norm)
}

/// A [`ModuleOptimizer`] with optional global-norm clipping applied before each step
/// (burn's own `GradientClipping::Norm` clips each tensor separately).
#[derive(Clone)]
pub struct ClippedOptimizer {
    /// The wrapped optimizer.
    pub inner: ModuleOptimizer,
    /// Clip the global gradient norm to this value; `None` disables clipping.
    pub max_norm: Option<f64>,
}

impl ClippedOptimizer {
    /// Wraps `inner` with clipping at `max_norm` (`None`: no clipping).
    pub fn new(inner: ModuleOptimizer, max_norm: Option<f64>) -> Self {
        ClippedOptimizer { inner, max_norm }
    }

    /// Clips (if enabled) and takes one step; see [`ModuleOptimizer::step`].
    pub fn step<M: Module>(&mut self, lr: LearningRate, module: M, grads: GradientsParams) -> M {
        let grads = match self.max_norm {
            Some(max_norm) => clip_grad_global_norm(&module, grads, max_norm).0,
            None => grads,
        };
        self.inner.step(lr, module, grads)
    }
}
