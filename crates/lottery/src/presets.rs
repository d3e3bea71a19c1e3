//! Typed quick and full presets of `reproduce lottery`: one fully resolved config per
//! experiment, so the reproduce phase only runs and formats.

use crate::error::Result;
use crate::run::{CopiesRange, PruneSettings, Tolerance};
use crate::stats::{StatsConfig, Summands};
use crate::sweep::{SweepConfig, TargetTask};
use crate::targets::TargetKind;
use crate::tolerance::{ParityConfig, SearchConfig, ToleranceConfig};
use crate::train::TaskConfig;
use crate::width::WidthLawConfig;

/// How much to run: the runner's scale. `Quick` takes minutes on 2 cores (fewer seeds, widths,
/// tolerances and smaller training sets), `Full` the spec's sizes (tens of minutes on 2 cores).
pub use lab::system::Scale;

/// Every experiment of `reproduce lottery` at one scale.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ReproducePlan {
    /// The scale.
    pub scale: Scale,
    /// E1 with uniform and with product summands.
    pub stats: Vec<StatsConfig>,
    /// E2–E4 (with E7–E9 per run).
    pub sweep: SweepConfig,
    /// E6, one width law per target (T1 with 2–16 hidden fields down to η = 10⁻⁶ at full
    /// scale; T3 with 2–8 fields down to 10⁻⁵, since its 16-field network has 18,848 instances
    /// of ~36 summands per width tried).
    pub width_law: Vec<WidthLawConfig>,
    /// Spec §8 item 9.
    pub tolerance: ToleranceConfig,
    /// E9 at the width where every |e| ≤ 10⁻³.
    pub parity: ParityConfig,
}

/// The task of `target` at `scale`: the spec's defaults at full scale; at quick scale half the
/// training examples (T3: 256) and fewer Adam steps.
pub fn task(target: TargetKind, scale: Scale) -> TaskConfig {
    let full = TaskConfig::default_for(target);
    match scale {
        Scale::Full => full,
        Scale::Quick => TaskConfig {
            train_size: full.train_size / 2,
            steps: full.steps / 2,
            ..full
        },
    }
}

impl ReproducePlan {
    /// The plan at `scale`.
    pub fn new(scale: Scale) -> ReproducePlan {
        let quick = scale == Scale::Quick;
        let tasks = |targets: &[TargetKind]| -> Vec<TargetTask> {
            targets
                .iter()
                .map(|&target| TargetTask {
                    target,
                    task: task(target, scale),
                })
                .collect()
        };
        let seeds = |quick_n: u64, full_n: u64| -> Vec<u64> {
            (0..if quick { quick_n } else { full_n }).collect()
        };
        let p: Vec<usize> = if quick {
            (8..=32).step_by(4).collect()
        } else {
            (8..=40).step_by(4).collect()
        };
        let stats = [Summands::Uniform, Summands::Product]
            .map(|summands| StatsConfig {
                p: p.clone(),
                trials: if quick { 400 } else { 1000 },
                summands,
                seed: 0,
            })
            .to_vec();
        let all = [
            TargetKind::Mlp,
            TargetKind::Deepsets,
            TargetKind::Ign2,
            TargetKind::C4cnn,
        ];
        let equivariant = [TargetKind::Deepsets, TargetKind::Ign2, TargetKind::C4cnn];
        let sweep = SweepConfig {
            targets: tasks(if quick { &equivariant } else { &all }),
            copies: if quick {
                (8..=48).step_by(8).collect()
            } else {
                (8..=48).step_by(4).collect()
            },
            seeds: seeds(2, 5),
            settings: PruneSettings::default(),
        };
        let width = |target, etas: &[f64], fields: &[usize]| WidthLawConfig {
            targets: vec![target],
            etas: etas.to_vec(),
            fields: fields.to_vec(),
            seeds: seeds(3, 5),
            copies: CopiesRange {
                start: 8,
                max: if quick { 96 } else { 128 },
            },
            alpha_max: 0.25,
            scale: 1.0,
            inner_positive_only: false,
        };
        let width_law = if quick {
            let etas = [1e-2, 1e-3, 1e-4];
            vec![
                width(TargetKind::Deepsets, &etas, &[2, 4]),
                width(TargetKind::C4cnn, &etas, &[2, 4]),
            ]
        } else {
            vec![
                width(
                    TargetKind::Deepsets,
                    &[1e-2, 1e-3, 1e-4, 1e-5, 1e-6],
                    &[2, 4, 8, 16],
                ),
                width(TargetKind::C4cnn, &[1e-2, 1e-3, 1e-4, 1e-5], &[2, 4, 8]),
            ]
        };
        let tolerance = ToleranceConfig {
            search: SearchConfig {
                targets: tasks(if quick {
                    &[TargetKind::Mlp, TargetKind::Deepsets]
                } else {
                    &[TargetKind::Mlp, TargetKind::Deepsets, TargetKind::Ign2]
                }),
                seeds: seeds(1, 3),
                copies: CopiesRange { start: 8, max: 128 },
                settings: PruneSettings::default(),
            },
            epsilons: vec![1e-1, 1e-2, 1e-3],
        };
        let parity = ParityConfig {
            targets: tasks(&all),
            seeds: seeds(1, 3),
            copies: CopiesRange { start: 8, max: 96 },
            settings: PruneSettings {
                tolerance: Tolerance::Eta(1e-3),
                ..PruneSettings::default()
            },
        };
        ReproducePlan {
            scale,
            stats,
            sweep,
            width_law,
            tolerance,
            parity,
        }
    }

    /// Peak memory: the largest of the experiments' estimates (they run one after another).
    pub fn memory_bytes(&self) -> u64 {
        let stats = self.stats.iter().map(StatsConfig::memory_bytes);
        let width = self.width_law.iter().map(WidthLawConfig::memory_bytes);
        stats
            .chain(width)
            .chain([
                self.sweep.memory_bytes(),
                self.tolerance.memory_bytes(),
                self.parity.memory_bytes(),
            ])
            .max()
            .unwrap_or(0)
    }

    /// Progress units of the whole plan: one per summand count of E1, per pruning run of the
    /// sweep, per (target, seed) of the parity check, per (target, C, seed) of the width law
    /// and per (target, seed, ε) of the tolerance check.
    pub fn work(&self) -> u64 {
        let stats: usize = self.stats.iter().map(|s| s.p.len()).sum();
        let width: u64 = self
            .width_law
            .iter()
            .map(crate::width::width_law_work)
            .sum();
        stats as u64
            + crate::sweep::sweep_work(&self.sweep)
            + crate::tolerance::parity_work(&self.parity)
            + width
            + crate::tolerance::tolerance_work(&self.tolerance)
    }

    /// Validate every config of the plan.
    pub fn validate(&self) -> Result<()> {
        for s in &self.stats {
            s.validate()?;
        }
        self.sweep.validate()?;
        for w in &self.width_law {
            w.validate()?;
        }
        self.tolerance.validate()?;
        self.parity.validate()
    }
}
