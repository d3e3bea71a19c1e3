//! The paper's other baselines as parameter-basis steps on plain vectors (spec §3.2 below the
//! preset table, issue 15): Adam, Adam with a cosine learning-rate decay, Schedule-Free SGD
//! (Defazio et al., arXiv 2405.15682, as the spec writes it) and ADana (the schedules of
//! [`schedules::AdanaSchedule`], shared with `dana-burn`).
//!
//! Adam and ADana normalise each coordinate: they are not rotation-invariant, so on PLRF they
//! must run on θ in the parameter basis, never on the eigenbasis coordinates of K:
//! `plrf simulate` runs them only with the exact sampler (Schedule-Free SGD, a linear method,
//! with any). No ODE exists for them.

use schedules::AdanaSchedule;
use serde::Serialize;

/// Adam's hyperparameters (Kingma & Ba, with bias correction); `lr` is the constant rate or
/// the peak of the cosine decay.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Adam {
    /// Learning rate (peak rate with [`Adam::cosine_lr`]).
    pub lr: f64,
    /// β1, the first-moment EMA factor.
    pub beta1: f64,
    /// β2, the second-moment EMA factor.
    pub beta2: f64,
    /// ε added to √v̂.
    pub epsilon: f64,
}

impl Adam {
    /// Adam at learning rate `lr` with β1 = 0.9, β2 = 0.999, ε = 1e-8.
    pub fn new(lr: f64) -> Adam {
        Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }

    /// The cosine-decayed rate at the 0-based step t: lr·½(1 + cos(π·min(t, T)/T)), from lr at
    /// t = 0 to 0 at t = T = `decay_steps`.
    pub fn cosine_lr(&self, t: u64, decay_steps: u64) -> f64 {
        let frac = t.min(decay_steps) as f64 / decay_steps.max(1) as f64;
        self.lr * 0.5 * (1.0 + (std::f64::consts::PI * frac).cos())
    }

    /// One step at the 0-based step t with rate `lr`: m ← β1·m + (1−β1)·g,
    /// v ← β2·v + (1−β2)·g², θ ← θ − lr·m̂/(√v̂ + ε) with m̂ = m/(1−β1^{t+1}),
    /// v̂ = v/(1−β2^{t+1}).
    pub fn step(
        &self,
        t: u64,
        lr: f64,
        theta: &mut [f64],
        m: &mut [f64],
        v: &mut [f64],
        g: &[f64],
    ) {
        let (b1, b2) = (self.beta1, self.beta2);
        let c1 = 1.0 - b1.powf(t as f64 + 1.0);
        let c2 = 1.0 - b2.powf(t as f64 + 1.0);
        for (((x, mj), vj), &gj) in theta.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(g) {
            *mj = b1 * *mj + (1.0 - b1) * gj;
            *vj = b2 * *vj + (1.0 - b2) * gj * gj;
            *x -= lr * (*mj / c1) / ((*vj / c2).sqrt() + self.epsilon);
        }
    }
}

/// Schedule-Free SGD: the gradient is taken at u = (1 − β)·z + β·x, z ← z − γ·g(u),
/// x ← (1 − 1/(k+1))·x + z/(k+1) at the 0-based step k; the loss is evaluated at x.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ScheduleFreeSgd {
    /// γ, the step size.
    pub gamma: f64,
    /// β, the interpolation weight of x in the gradient point (default 0.9).
    pub beta: f64,
}

impl ScheduleFreeSgd {
    /// The point u where the next gradient is taken.
    pub fn gradient_point(&self, x: &[f64], z: &[f64], u: &mut [f64]) {
        for ((uj, &xj), &zj) in u.iter_mut().zip(x).zip(z) {
            *uj = (1.0 - self.beta) * zj + self.beta * xj;
        }
    }

    /// One step at the 0-based step k with the gradient `g` taken at the gradient point.
    pub fn step(&self, k: u64, x: &mut [f64], z: &mut [f64], g: &[f64]) {
        let c = 1.0 / (k as f64 + 1.0);
        for ((xj, zj), &gj) in x.iter_mut().zip(z.iter_mut()).zip(g) {
            *zj -= self.gamma * gj;
            *xj = (1.0 - c) * *xj + c * *zj;
        }
    }
}

/// ADana on a vector: peak rate γ* and the shared schedules (EMA weight, damped Nesterov factor,
/// weight decay, ε), with the spec's conventions (those of `dana-burn`'s `Adana` with
/// `torch_conventions = false`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Adana {
    /// γ*, the peak learning rate.
    pub peak_lr: f64,
    /// The schedules.
    pub schedule: AdanaSchedule,
}

impl Adana {
    /// One step at the 0-based step t with schedule factor `lr` (1 for a constant schedule):
    /// m ← (1−a)·m + a·g, v ← (1−a)·v + a·g² (a = δ/(δ+t); m = a·g, v = a·g² at t = 0),
    /// θ ← θ − lr·λ(t)·θ − lr·γ*·(g + (1+t)^{1−κ}·m)/(√v + ε).
    pub fn step(
        &self,
        t: u64,
        lr: f64,
        theta: &mut [f64],
        m: &mut [f64],
        v: &mut [f64],
        g: &[f64],
    ) {
        let s = &self.schedule;
        let a = s.ema_weight(t); // 1 at t = 0: the moments start at g and g²
        let keep = 1.0 - a;
        let nesterov = s.nesterov_factor(t);
        let decay = lr * s.weight_decay(t);
        for (((x, mj), vj), &gj) in theta.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(g) {
            *mj = keep * *mj + a * gj;
            *vj = keep * *vj + a * gj * gj;
            let direction = (gj + nesterov * *mj) / (vj.sqrt() + s.epsilon);
            *x = *x - decay * *x - lr * self.peak_lr * direction;
        }
    }
}

/// A baseline optimizer with its resolved hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Baseline {
    /// Adam at a constant rate.
    Adam(Adam),
    /// Adam with the rate decayed by a cosine from `adam.lr` to 0 over `decay_steps` (None:
    /// the run length).
    AdamCosine {
        /// The hyperparameters (lr: the peak rate).
        adam: Adam,
        /// T of the cosine.
        decay_steps: Option<u64>,
    },
    /// Schedule-Free SGD.
    ScheduleFreeSgd(ScheduleFreeSgd),
    /// ADana.
    Adana(Adana),
}

impl Baseline {
    /// The learning rate: Adam's lr (the cosine's peak), Schedule-Free SGD's γ, ADana's γ*.
    pub fn rate(&self) -> f64 {
        match self {
            Baseline::Adam(a) | Baseline::AdamCosine { adam: a, .. } => a.lr,
            Baseline::ScheduleFreeSgd(sf) => sf.gamma,
            Baseline::Adana(a) => a.peak_lr,
        }
    }

    /// Whether the method normalises coordinates (Adam, ADana), so that it is not
    /// rotation-invariant and must run in the parameter basis.
    pub fn per_coordinate(&self) -> bool {
        !matches!(self, Baseline::ScheduleFreeSgd(_))
    }
}

/// The state of one run of any optimizer: θ (for Schedule-Free SGD, x: the point whose loss is
/// reported), the momentum or first moment m, the second moment v, Schedule-Free SGD's z and
/// gradient point u.
pub struct Walker<'a> {
    opt: &'a crate::Optimizer,
    steps: u64,
    /// The parameters whose risk is reported.
    pub theta: Vec<f64>,
    m: Vec<f64>,
    v: Vec<f64>,
    z: Vec<f64>,
    u: Vec<f64>,
}

impl<'a> Walker<'a> {
    /// θ = m = v = z = 0 in dimension d, for a run of `steps` steps.
    pub fn new(opt: &'a crate::Optimizer, d: usize, steps: u64) -> Self {
        let extra = if opt.baseline.is_some() { d } else { 0 };
        Walker {
            opt,
            steps,
            theta: vec![0.0; d],
            m: vec![0.0; d],
            v: vec![0.0; extra],
            z: vec![0.0; extra],
            u: vec![0.0; extra],
        }
    }

    /// Step k (0-based) with a fresh batch gradient from `sampler`.
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &mut self,
        sampler: &dyn crate::sampler::Sampler,
        batch: usize,
        k: u64,
        rng: &mut crate::normals::SamplerRng,
        a: &mut [f64],
        scratch: &mut crate::sampler::Scratch,
        grad: &mut [f64],
    ) {
        use crate::sampler::batch_gradient;
        let (theta, m, v) = (&mut self.theta, &mut self.m, &mut self.v);
        match &self.opt.baseline {
            None => {
                batch_gradient(sampler, theta, batch, rng, a, scratch, grad);
                crate::optimizer::momentum_step(theta, m, grad, self.opt.hyper.at(k as f64));
            }
            Some(Baseline::Adam(adam)) => {
                batch_gradient(sampler, theta, batch, rng, a, scratch, grad);
                adam.step(k, adam.lr, theta, m, v, grad);
            }
            Some(Baseline::AdamCosine { adam, decay_steps }) => {
                batch_gradient(sampler, theta, batch, rng, a, scratch, grad);
                let lr = adam.cosine_lr(k, decay_steps.unwrap_or(self.steps));
                adam.step(k, lr, theta, m, v, grad);
            }
            Some(Baseline::ScheduleFreeSgd(sf)) => {
                sf.gradient_point(theta, &self.z, &mut self.u);
                batch_gradient(sampler, &self.u, batch, rng, a, scratch, grad);
                sf.step(k, theta, &mut self.z, grad);
            }
            Some(Baseline::Adana(adana)) => {
                batch_gradient(sampler, theta, batch, rng, a, scratch, grad);
                adana.step(k, 1.0, theta, m, v, grad);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_first_two_steps_by_hand() {
        // g = (1, −2) then (0.5, 0): after bias correction the first step is −lr·sign(g)
        // (up to ε); the second uses m̂ = (0.9·0.1 + 0.1·0.5)/(1 − 0.81) etc.
        let adam = Adam {
            lr: 0.1,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 0.0,
        };
        let (mut x, mut m, mut v) = (vec![1.0, 1.0], vec![0.0; 2], vec![0.0; 2]);
        adam.step(0, adam.lr, &mut x, &mut m, &mut v, &[1.0, -2.0]);
        assert!(
            (x[0] - 0.9).abs() < 1e-15 && (x[1] - 1.1).abs() < 1e-15,
            "{x:?}"
        );
        adam.step(1, adam.lr, &mut x, &mut m, &mut v, &[0.5, 0.0]);
        let m_hat = [(0.09 + 0.05) / 0.19, (-0.18) / 0.19];
        let v_hat = [
            (0.999 * 0.001 + 0.001 * 0.25) / (1.0 - 0.999f64.powi(2)),
            (0.999 * 0.004) / (1.0 - 0.999f64.powi(2)),
        ];
        let expected = [
            0.9 - 0.1 * m_hat[0] / v_hat[0].sqrt(),
            1.1 - 0.1 * m_hat[1] / v_hat[1].sqrt(),
        ];
        for j in 0..2 {
            assert!((x[j] - expected[j]).abs() < 1e-12, "{x:?} vs {expected:?}");
        }
    }

    #[test]
    fn cosine_decay_goes_from_the_peak_to_zero() {
        let adam = Adam::new(0.01);
        assert_eq!(adam.cosine_lr(0, 100), 0.01);
        assert!((adam.cosine_lr(50, 100) - 0.005).abs() < 1e-15);
        assert!(adam.cosine_lr(100, 100).abs() < 1e-18);
        assert!(adam.cosine_lr(500, 100).abs() < 1e-18);
    }

    #[test]
    fn schedule_free_sgd_first_two_steps_by_hand() {
        // f(w) = ½w², g(u) = u; x0 = z0 = 1, γ = 0.5, β = 0.9.
        let sf = ScheduleFreeSgd {
            gamma: 0.5,
            beta: 0.9,
        };
        let (mut x, mut z, mut u) = (vec![1.0], vec![1.0], vec![0.0]);
        sf.gradient_point(&x, &z, &mut u);
        assert_eq!(u[0], 1.0);
        let g = u.clone();
        sf.step(0, &mut x, &mut z, &g);
        // z1 = 1 − 0.5 = 0.5; x1 = z1 (weight 1/1).
        assert_eq!((x[0], z[0]), (0.5, 0.5));
        sf.gradient_point(&x, &z, &mut u);
        let g = u.clone();
        sf.step(1, &mut x, &mut z, &g);
        // u1 = 0.5, z2 = 0.25, x2 = ½·0.5 + ½·0.25 = 0.375.
        assert_eq!((x[0], z[0]), (0.375, 0.25));
    }

    #[test]
    fn adana_first_two_steps_by_hand() {
        // Defaults κ = 0.85, δ = 8, ω = 4, τ = 1, ε = 0; γ* = 0.1, lr = 1, θ0 = 2, g = 1 then 3.
        let schedule = AdanaSchedule {
            epsilon: 0.0,
            ..Default::default()
        };
        let adana = Adana {
            peak_lr: 0.1,
            schedule,
        };
        let (mut x, mut m, mut v) = (vec![2.0], vec![0.0], vec![0.0]);
        adana.step(0, 1.0, &mut x, &mut m, &mut v, &[1.0]);
        // t = 0: a = 1, m = 1, v = 1, Nesterov 1, λ = 4/2 = 2: θ = 2 − 2·2 − 0.1·(1 + 1)/1.
        assert!((x[0] - (2.0 - 4.0 - 0.2)).abs() < 1e-15, "{x:?}");
        let x1 = x[0];
        adana.step(1, 1.0, &mut x, &mut m, &mut v, &[3.0]);
        // t = 1: a = 8/9, m = (1/9)·1 + (8/9)·3, v = (1/9)·1 + (8/9)·9, Nesterov 2^{0.15},
        // λ = 4/3.
        let (a, n) = (8.0 / 9.0, 2f64.powf(0.15));
        let (m1, v1) = ((1.0 - a) + a * 3.0, (1.0 - a) + a * 9.0);
        let expected = x1 - 4.0 / 3.0 * x1 - 0.1 * (3.0 + n * m1) / v1.sqrt();
        assert!((x[0] - expected).abs() < 1e-14, "{} vs {expected}", x[0]);
    }
}
