//! One driver per experiment of spec §5.2: a serde config of fully resolved settings with
//! `preset(Scale)`, `validate()` (and `memory_bytes()` where memory grows with the input), and
//! a `run` returning typed rows. The CLI/report phase only formats these rows.
//!
//! | experiment | module | what it returns |
//! |---|---|---|
//! | E1 Eq. 6 oracle | [`e1`] | evaluator agreement, Monte Carlo of the samplers, the worked example |
//! | E2 K sweep | [`e2`] | per (support, K, round) metrics, T4 bound, runner-up ratio; K·error |
//! | E3 grid collapse | [`e3`] | per (γ, curator, round) metrics, density snapshots, triptych |
//! | E4 stability with real data | [`e4`] | per (γ, λ, curator, round) metrics, mode masses, T6 bounds, A5 |
//! | E5 class bias amplification | [`e5`] | per (reward, λ, round) class shares; T7 covariance identity |
//! | E6 Gaussian loop | [`e6`] | per (case, seed, round) model moments next to T8 |
//! | E7 toy loops (GMM, KDE) | [`e7`] | per (case, m, λ, seed, round) sample metrics |
//! | E9 digits | [`e9`] | per (reward, λ, seed, round) class shares, reward, Fréchet, precision/recall |
//!
//! E8 (the optional flow-matching loop) is not implemented.

pub mod e1;
pub mod e2;
pub mod e3;
pub mod e4;
pub mod e5;
pub mod e6;
pub mod e7;
pub mod e9;

use crate::error::Error;
use crate::names::{Choices, Rule};

/// A curator of the population dynamics: K and the rule (softmax or hard max).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Curator {
    /// Candidates per choice.
    pub k: Choices,
    /// Softmax or hard max.
    pub rule: Rule,
}

impl Curator {
    /// Softmax at K.
    pub fn softmax(k: Choices) -> Curator {
        Curator {
            k,
            rule: Rule::Softmax,
        }
    }

    /// The E3 set: softmax K ∈ {2, 4, 10, ∞} and hard max K = 4.
    pub fn e3_set() -> Vec<Curator> {
        let mut v: Vec<Curator> = [
            Choices::Finite(2),
            Choices::Finite(4),
            Choices::Finite(10),
            Choices::Infinite,
        ]
        .into_iter()
        .map(Curator::softmax)
        .collect();
        v.push(Curator {
            k: Choices::Finite(4),
            rule: Rule::Hardmax,
        });
        v
    }
}

/// Refuses an empty list.
pub(crate) fn non_empty<T>(v: &[T], name: &'static str) -> Result<(), Error> {
    lab::error::require(!v.is_empty(), name, 0.0, "a non-empty list")?;
    Ok(())
}
