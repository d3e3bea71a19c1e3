//! The generic momentum step (spec §3.1), the presets of spec §3.2 and the stability
//! check of spec §3.3.

use crate::schedule::{DeltaConvention, Hyper, Schedule};
use serde::Serialize;

/// The named optimizer presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// Plain SGD: γ1 = 0, γ3 = 0, Δ = 1 (the momentum stays zero).
    Sgd,
    /// Constant momentum: γ1 = 1, Δ = 0.1, γ2 = γ/2, γ3 = Δγ/2 (so γ2 + γ3/Δ = γ, SGD's step).
    SgdM,
    /// DANA with γ3 = 0.5·γ2/d constant in t and Δ = δ/(δ + t).
    DanaConstant,
    /// DANA with γ3 = 0.5·γ2·(1 + t)^{-1/(2α)} and Δ = δ/(δ + t).
    DanaDecaying,
    /// Adam (lr 1e-4, β1 0.9, β2 0.999, ε 1e-8), in the parameter basis.
    Adam,
    /// Adam with a cosine decay of the rate from 0.01 to 0 over the run, in the parameter basis.
    AdamCosine,
    /// Schedule-Free SGD (γ: SGD's rate, β 0.9); the loss at x.
    ScheduleFreeSgd,
    /// ADana (γ* 1e-3, κ 0.85, δ 8, ω 4, τ 1, ε 1e-8), in the parameter basis.
    Adana,
}

impl Preset {
    /// All presets, in display order.
    pub const ALL: [Preset; 4] = [
        Preset::Sgd,
        Preset::SgdM,
        Preset::DanaConstant,
        Preset::DanaDecaying,
    ];

    /// The preset's command-line name.
    pub fn name(&self) -> &'static str {
        match self {
            Preset::Sgd => "sgd",
            Preset::SgdM => "sgd-m",
            Preset::DanaConstant => "dana-constant",
            Preset::DanaDecaying => "dana-decaying",
            Preset::Adam => "adam",
            Preset::AdamCosine => "adam-cosine",
            Preset::ScheduleFreeSgd => "schedule-free-sgd",
            Preset::Adana => "adana",
        }
    }

    /// Whether it is one of the baselines (no ODE, stepped by [`crate::baselines`]).
    pub fn is_baseline(&self) -> bool {
        matches!(
            self,
            Preset::Adam | Preset::AdamCosine | Preset::ScheduleFreeSgd | Preset::Adana
        )
    }
}

/// Checks that `presets` is not empty and names no preset twice.
pub fn check_presets(presets: &[Preset]) -> Result<(), crate::Error> {
    if presets.is_empty() {
        return Err(crate::Error::NoOptimizer);
    }
    for (i, p) in presets.iter().enumerate() {
        if presets[..i].contains(p) {
            return Err(crate::Error::RepeatedOptimizer(p.name()));
        }
    }
    Ok(())
}

/// Problem quantities the preset defaults depend on.
#[derive(Clone, Copy, Debug)]
pub struct PresetContext {
    /// Data exponent α.
    pub alpha: f64,
    /// Target exponent β.
    pub beta: f64,
    /// Number of parameters d.
    pub d: usize,
    /// Batch size B.
    pub batch: usize,
    /// tr = Σ_{j≤v} j^{-2α}.
    pub tr: f64,
}

/// User overrides of preset defaults, one per symbol (`None` keeps the default).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Overrides {
    /// γ1 (constant).
    pub gamma1: Option<f64>,
    /// γ2 (constant); the presets' γ3 defaults follow it.
    pub gamma2: Option<f64>,
    /// γ3 at t = 0 (the scale of γ3(t) = γ3·(1+t)^{-κ3}).
    pub gamma3: Option<f64>,
    /// κ3, the decay exponent of γ3.
    pub kappa3: Option<f64>,
    /// δ of Δ(t) (the constant Δ under the `constant` convention).
    pub delta: Option<f64>,
    /// The Δ(t) convention.
    pub delta_convention: Option<DeltaConvention>,
    /// Learning rate of the baselines (Adam's lr, Adam-cosine's peak, Schedule-Free SGD's γ,
    /// ADana's γ*).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// Adam's β1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beta1: Option<f64>,
    /// Adam's β2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beta2: Option<f64>,
    /// ε of Adam and ADana.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epsilon: Option<f64>,
    /// T of Adam-cosine (None: the run length).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decay_steps: Option<u64>,
    /// β of Schedule-Free SGD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sf_beta: Option<f64>,
    /// ADana's κ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kappa: Option<f64>,
    /// ADana's ω.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub omega: Option<f64>,
    /// ADana's τ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wd_timescale: Option<f64>,
}

/// A resolved optimizer: a preset name and its four schedules.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Optimizer {
    /// The preset it was built from.
    pub preset: Preset,
    /// The resolved schedules (of the momentum step; unused by the baselines).
    pub hyper: Hyper,
    /// The baseline's resolved hyperparameters, for the baselines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::baselines::Baseline>,
}

impl Optimizer {
    /// The preset's name (used as the curve label).
    pub fn name(&self) -> &'static str {
        self.preset.name()
    }
}

impl Preset {
    /// Builds the preset's schedules (defaults: `mlexpos/adana:jax/dana_plrf.py`, spec §3.2
    /// first row) and applies the overrides.
    pub fn build(&self, ctx: &PresetContext, o: &Overrides) -> Optimizer {
        let sgd_rate = 0.5 * f64::min(1.0, ctx.batch as f64 / ctx.tr);
        let g1 = o.gamma1.unwrap_or(match self {
            Preset::Sgd => 0.0,
            _ => 1.0,
        });
        let g2 = o.gamma2.unwrap_or(match self {
            Preset::SgdM => sgd_rate / 2.0,
            _ => sgd_rate,
        });
        let delta = o.delta.unwrap_or(match self {
            Preset::Sgd => 1.0,
            Preset::SgdM => 0.1,
            _ => 4.0 + (ctx.alpha + ctx.beta) / ctx.alpha,
        });
        let g3 = o.gamma3.unwrap_or(match self {
            Preset::SgdM => g2 * delta,
            Preset::DanaConstant => 0.5 * g2 / ctx.d as f64,
            Preset::DanaDecaying => 0.5 * g2,
            _ => 0.0, // SGD; the baselines do not use the momentum step
        });
        let kappa3 = o.kappa3.unwrap_or(match self {
            Preset::DanaDecaying => 1.0 / (2.0 * ctx.alpha),
            _ => 0.0,
        });
        let convention = o.delta_convention.unwrap_or(match self {
            Preset::Sgd | Preset::SgdM => DeltaConvention::Constant,
            _ => DeltaConvention::DeltaPlusT,
        });
        Optimizer {
            preset: *self,
            baseline: self.baseline(sgd_rate, o),
            hyper: Hyper {
                gamma1: Schedule::constant(g1),
                gamma2: Schedule::constant(g2),
                gamma3: Schedule::PowerLaw {
                    scale: g3,
                    exponent: kappa3,
                },
                delta: Schedule::Momentum { delta, convention },
            },
        }
    }
}

impl Preset {
    /// The baseline's hyperparameters (defaults overridden by `o`), None for the momentum
    /// presets.
    fn baseline(&self, sgd_rate: f64, o: &Overrides) -> Option<crate::baselines::Baseline> {
        use crate::baselines::{Adam, Adana, Baseline, ScheduleFreeSgd};
        let adam = |lr: f64| Adam {
            lr: o.lr.unwrap_or(lr),
            beta1: o.beta1.unwrap_or(0.9),
            beta2: o.beta2.unwrap_or(0.999),
            epsilon: o.epsilon.unwrap_or(1e-8),
        };
        Some(match self {
            Preset::Adam => Baseline::Adam(adam(1e-4)),
            Preset::AdamCosine => Baseline::AdamCosine {
                adam: adam(0.01),
                decay_steps: o.decay_steps,
            },
            Preset::ScheduleFreeSgd => Baseline::ScheduleFreeSgd(ScheduleFreeSgd {
                gamma: o.lr.unwrap_or(sgd_rate),
                beta: o.sf_beta.unwrap_or(0.9),
            }),
            Preset::Adana => {
                let d = schedules::AdanaSchedule::default();
                Baseline::Adana(Adana {
                    peak_lr: o.lr.unwrap_or(1e-3),
                    schedule: schedules::AdanaSchedule {
                        kappa: o.kappa.unwrap_or(d.kappa),
                        delta: o.delta.unwrap_or(d.delta),
                        omega: o.omega.unwrap_or(d.omega),
                        wd_timescale: o.wd_timescale.unwrap_or(d.wd_timescale),
                        epsilon: o.epsilon.unwrap_or(d.epsilon),
                    },
                })
            }
            _ => return None,
        })
    }
}

/// One generic momentum step with the coefficients of this step:
/// m ← (1 − Δ)·m + γ1·g, then θ ← θ − γ2·g − γ3·m (using the new m).
pub fn momentum_step(theta: &mut [f64], m: &mut [f64], grad: &[f64], c: crate::schedule::Coeffs) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[target_feature(enable = "avx2")]
        fn step_avx2(theta: &mut [f64], m: &mut [f64], grad: &[f64], c: crate::schedule::Coeffs) {
            momentum_update(theta, m, grad, c)
        }
        // SAFETY: the CPU supports AVX2.
        return unsafe { step_avx2(theta, m, grad, c) };
    }
    momentum_update(theta, m, grad, c)
}

/// [`momentum_step`]'s loop, compiled for AVX2 where the CPU has it (the same operations, so
/// the same bits).
#[inline(always)]
fn momentum_update(theta: &mut [f64], m: &mut [f64], grad: &[f64], c: crate::schedule::Coeffs) {
    let keep = 1.0 - c.delta;
    for ((t, mj), &g) in theta.iter_mut().zip(m.iter_mut()).zip(grad) {
        *mj = keep * *mj + c.g1 * g;
        *t = *t - c.g2 * g - c.g3 * *mj;
    }
}

/// Checks the mode-wise stability condition c·λ_max < 2B/(B+1) at t = 0 (spec §3.3);
/// `Err` says by how much it is violated and how to fix it.
pub fn check_stability(opt: &Optimizer, lambda_max: f64, batch: usize) -> Result<(), crate::Error> {
    let c = opt.hyper.at(0.0).c();
    let bound = 2.0 * batch as f64 / (batch as f64 + 1.0);
    let product = c * lambda_max;
    if product >= bound || !product.is_finite() {
        return Err(crate::Error::Unstable {
            optimizer: opt.name(),
            product,
            bound,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Coeffs;

    #[test]
    fn three_hand_computed_steps() {
        // d = 2, B = 1, constant γ1 = 1, γ2 = 0.1, γ3 = 0.2, Δ = 0.5; samples
        // (a, y) = ((1, 2), 1), ((0, 1), -1), ((2, -1), 0.5); gradient a(⟨a,θ⟩ − y).
        let c = Coeffs {
            g1: 1.0,
            g2: 0.1,
            g3: 0.2,
            delta: 0.5,
        };
        let samples = [([1.0, 2.0], 1.0), ([0.0, 1.0], -1.0), ([2.0, -1.0], 0.5)];
        let (mut theta, mut m) = ([0.0f64; 2], [0.0f64; 2]);
        for (a, y) in samples {
            let r = a[0] * theta[0] + a[1] * theta[1] - y;
            let g = [a[0] * r, a[1] * r];
            momentum_step(&mut theta, &mut m, &g, c);
        }
        // By hand (exact rationals):
        // step 1: r = -1, g = (-1, -2), m = (-1, -2), θ = (0.1+0.2, 0.2+0.4) = (0.3, 0.6)
        // step 2: r = 0.6+1 = 1.6, g = (0, 1.6), m = (-0.5, -1+1.6) = (-0.5, 0.6),
        //         θ = (0.3 - 0 + 0.1, 0.6 - 0.16 - 0.12) = (0.4, 0.32)
        // step 3: r = 0.8 - 0.32 - 0.5 = -0.02, g = (-0.04, 0.02),
        //         m = (-0.25 - 0.04, 0.3 + 0.02) = (-0.29, 0.32),
        //         θ = (0.4 + 0.004 + 0.058, 0.32 - 0.002 - 0.064) = (0.462, 0.254)
        let want_theta = [0.462, 0.254];
        let want_m = [-0.29, 0.32];
        for j in 0..2 {
            assert!((theta[j] - want_theta[j]).abs() < 1e-14, "θ {theta:?}");
            assert!((m[j] - want_m[j]).abs() < 1e-14, "m {m:?}");
        }
    }

    #[test]
    fn sgd_preset_is_plain_sgd_bit_for_bit() {
        let ctx = PresetContext {
            alpha: 1.0,
            beta: 0.3,
            d: 3,
            batch: 1,
            tr: 1.5,
        };
        let opt = Preset::Sgd.build(&ctx, &Overrides::default());
        let mut theta = [0.3, -1.2, 2.5];
        let mut plain = theta;
        let mut m = [0.0; 3];
        let grads = [[0.7, -0.1, 3.3], [1e-3, 2.0, -0.4], [5.0, 0.25, 0.125]];
        for (k, g) in grads.iter().enumerate() {
            let c = opt.hyper.at(k as f64);
            momentum_step(&mut theta, &mut m, g, c);
            for j in 0..3 {
                plain[j] -= c.g2 * g[j];
            }
            assert_eq!(theta.map(f64::to_bits), plain.map(f64::to_bits));
        }
    }

    #[test]
    fn presets_follow_the_spec_table() {
        let ctx = PresetContext {
            alpha: 1.0,
            beta: 0.5,
            d: 1000,
            batch: 1,
            tr: 1.64,
        };
        let none = Overrides::default();
        let g2 = 0.5 / 1.64;
        let dec = Preset::DanaDecaying.build(&ctx, &none).hyper;
        assert_eq!(dec.gamma2.at(7.0), g2);
        assert!((dec.gamma3.at(3.0) - 0.5 * g2 * 0.5).abs() < 1e-15); // (1+3)^{-1/2}
        assert!((dec.delta.at(5.5) - 0.5).abs() < 1e-15); // δ = 4 + 1.5 = 5.5
        let con = Preset::DanaConstant.build(&ctx, &none).hyper;
        assert_eq!(con.gamma3.at(1e6), 0.5 * g2 / 1000.0);
        let sgdm = Preset::SgdM.build(&ctx, &none).hyper.at(0.0);
        assert!((sgdm.g2 + sgdm.g1 * sgdm.g3 / sgdm.delta - g2).abs() < 1e-15);
        // Overriding γ2 moves the γ3 default with it; γ3 itself overrides both.
        let o = Overrides {
            gamma2: Some(0.1),
            ..none
        };
        assert_eq!(
            Preset::DanaConstant.build(&ctx, &o).hyper.gamma3.at(0.0),
            0.05 / 1000.0
        );
        let o = Overrides {
            gamma3: Some(0.3),
            kappa3: Some(1.0),
            ..none
        };
        assert!((Preset::DanaDecaying.build(&ctx, &o).hyper.gamma3.at(2.0) - 0.1).abs() < 1e-15);
    }

    #[test]
    fn stability_bound_is_enforced_at_t0() {
        let ctx = PresetContext {
            alpha: 1.0,
            beta: 0.3,
            d: 10,
            batch: 1,
            tr: 1.0,
        };
        let ok = Preset::DanaDecaying.build(&ctx, &Overrides::default());
        assert!(check_stability(&ok, 1.0, 1).is_ok()); // c = 0.75 < 1
        let o = Overrides {
            gamma2: Some(0.8),
            ..Default::default()
        };
        let bad = Preset::DanaDecaying.build(&ctx, &o); // c = 1.2 > 1
        assert!(check_stability(&bad, 1.0, 1).is_err());
        assert!(check_stability(&bad, 1.0, 1000).is_ok()); // bound → 2 as B grows
    }
}
