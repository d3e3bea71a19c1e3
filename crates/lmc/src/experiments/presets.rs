//! The configurations of `theorylab reproduce lmc --quick|--full`: every experiment E0–E4 at
//! two scales. Quick fits in minutes on 2 cores (widths ≤ 256–1024, few seeds, short
//! training); full uses the spec's sizes (§5).

use super::init::InitConfig;
use super::lr_sweep::LrSweepConfig;
use super::teacher::TeacherConfig;
use super::w2::W2Config;
use super::widths::WidthsConfig;
use super::Bootstrap;

/// The scale of a reproduction (the spine's).
pub use lab::system::Scale;

/// Powers of two from 2^lo to 2^hi.
fn powers_of_two(lo: u32, hi: u32) -> Vec<usize> {
    (lo..=hi).map(|e| 1usize << e).collect()
}

/// E0: d ∈ {1, 2, 4, 8, 16, 32}; n = 64…1024 (quick, 3 reps) or 64…2048 (full, 5 reps).
pub fn w2(scale: Scale) -> W2Config {
    let (hi, reps) = match scale {
        Scale::Quick => (10, 3),
        Scale::Full => (11, 5),
    };
    W2Config {
        dims: vec![1, 2, 4, 8, 16, 32],
        ns: powers_of_two(6, hi),
        reps,
        seed: 0,
        bootstrap: Bootstrap::default(),
    }
}

/// E1: d ∈ {2, 4, 8, 16}; N = 16…512, 5 seeds (quick) or 16…4096, 8 seeds (full).
pub fn init(scale: Scale) -> InitConfig {
    match scale {
        Scale::Quick => InitConfig::new(vec![2, 4, 8, 16], powers_of_two(4, 9), 5),
        Scale::Full => InitConfig::new(vec![2, 4, 8, 16], powers_of_two(4, 12), 8),
    }
}

/// E2: k ∈ {1, 2, 4, 8}, d = 16; N = 16…256, 3 seeds, 500 steps, 1000 test samples (quick:
/// the 25-point paths of the tanh students dominate its time) or N = 16…1024, 5 seeds,
/// 2000 steps, 2000 test samples (full, the spec's sizes).
pub fn teacher(scale: Scale) -> TeacherConfig {
    match scale {
        Scale::Quick => TeacherConfig {
            test_samples: 1000,
            ..TeacherConfig::new(vec![1, 2, 4, 8], powers_of_two(4, 8), 3, 500)
        },
        Scale::Full => TeacherConfig::new(vec![1, 2, 4, 8], powers_of_two(4, 10), 5, 2000),
    }
}

/// E3 on the digits, ReLU: N = 16…256, 3 seeds, 20 epochs (quick; the spec's CI variant) or
/// N = 16…1024, 5 seeds, 200 epochs (full).
pub fn widths(scale: Scale) -> WidthsConfig {
    match scale {
        Scale::Quick => WidthsConfig::new(powers_of_two(4, 8), 3, 20),
        Scale::Full => WidthsConfig::new(powers_of_two(4, 10), 5, 200),
    }
}

/// E4: 3 hidden layers, the paper's 6 learning rates; width 128, 2 reps, 20 epochs (quick) or
/// width 256, 4 reps, 50 epochs (full).
pub fn lr_sweep(scale: Scale) -> LrSweepConfig {
    match scale {
        Scale::Quick => LrSweepConfig::new(128, 3, 2, 20),
        Scale::Full => LrSweepConfig::new(256, 3, 4, 50),
    }
}

/// Every experiment of `reproduce lmc` at one scale.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReproducePlan {
    /// The scale.
    pub scale: Scale,
    /// E0.
    pub w2: W2Config,
    /// E1.
    pub init: InitConfig,
    /// E2.
    pub teacher: TeacherConfig,
    /// E3.
    pub widths: WidthsConfig,
    /// E4.
    pub lr_sweep: LrSweepConfig,
}

impl ReproducePlan {
    /// The plan at `scale`.
    pub fn new(scale: Scale) -> ReproducePlan {
        ReproducePlan {
            scale,
            w2: w2(scale),
            init: init(scale),
            teacher: teacher(scale),
            widths: widths(scale),
            lr_sweep: lr_sweep(scale),
        }
    }

    /// Validates every config.
    pub fn validate(&self) -> crate::error::Result<()> {
        self.w2.validate()?;
        self.init.validate()?;
        self.teacher.validate()?;
        self.widths.validate()?;
        self.lr_sweep.validate()
    }
}
