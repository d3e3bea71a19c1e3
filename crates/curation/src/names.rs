//! The names users choose between: curation rules, evaluators, models, data sets, rewards,
//! examples, scales, and the number of candidates K (an integer ≥ 1 or ∞).
//!
//! Every enum serialises in kebab-case, displays the same text (its `name()`), takes it as its
//! command-line value and derives `clap::ValueEnum` under the `clap` feature.

use crate::error::Error;
use std::fmt;
use std::str::FromStr;

/// The rule a user applies to K candidates in the population dynamics (A1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Rule {
    /// Bradley–Terry/Luce choice: keep candidate k with probability w(x_k)/Σ_j w(x_j) \[P\].
    Softmax,
    /// Keep the highest-reward candidate, ties broken uniformly: the γ → ∞ limit at integer K \[D\].
    Hardmax,
}

/// How H^K_p is evaluated (A1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Evaluator {
    /// Sum over the compositions of K − 1 into the distinct weight levels \[D\].
    Levels,
    /// Laplace integral H(x) = K ŵ(x) ∫_0^∞ e^{−uŵ(x)} M(u)^{K−1} du by the trapezoid rule in
    /// s = ln u \[D\].
    Laplace,
    /// Enumeration of all |X|^{K−1} tuples (tiny supports only).
    Brute,
}

/// How a batch of generated samples is curated (A2). Only `Kwise` is the paper's rule; the
/// label is part of every output (spec §7, pitfall 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum CurationRule {
    /// The paper's rule \[P\]: disjoint random groups of K, one kept per group by softmax(r/τ).
    Kwise,
    /// Argmax per group of K, ties uniform: the γ → ∞ limit of `Kwise` \[D\].
    KwiseHardmax,
    /// m draws without replacement from the whole pool, each ∝ e^{r/τ} among those left
    /// (Gumbel-top-m) [C: Wei-0125/Adversarial-Curation]. Not the paper's rule.
    PoolSoftmax,
    /// The m highest rewards, deterministic [C: Wei-0125/Adversarial-Curation]. Not the paper's
    /// rule.
    TopM,
}

/// The generative model retrained in a sample-based loop (A4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ModelKind {
    /// Gaussian, closed-form maximum likelihood (1-D or 2-D).
    Gaussian,
    /// Kernel density estimate: resample a training point and add N(0, b²I) jitter.
    Kde,
    /// Full-covariance Gaussian mixture fitted by EM (warm-started across rounds).
    Gmm,
}

/// The real data of a sample-based loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum DataKind {
    /// A Gaussian N(μ, σ²I) in 1 or 2 dimensions.
    Gaussian,
    /// Eight isotropic Gaussians on a circle (spec §5.2 E3 layout).
    Gmm8,
    /// Two interleaving half circles with Gaussian noise.
    Moons,
}

/// The reward families (the parameters live in [`crate::reward::Reward`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum RewardKind {
    /// r(x) = −γ·max(0, ‖x − x*‖ − r_min) (T9).
    Clipped,
    /// r = scale·q_c(x), the classifier's probability of one class (class 0 stands for
    /// "airplane") [S, C].
    Airplane,
    /// r = scale·max_i q_i(x), the classifier's confidence \[U\].
    Confidence,
    /// r(x) = aᵀx (T8).
    Linear,
    /// r(x) = −(γ/2)‖x − c‖² (T8).
    Quadratic,
    /// r(x) = −γ·max(0, dist(x, upper moon arc) − r_min): high on one moon.
    MoonTube,
}

/// The built-in supports of the population dynamics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Example {
    /// The spec's worked example: p_0 = (0.5, 0.3, 0.2), r = (0, 1, 2).
    Worked,
    /// The E3 grid: 8 Gaussians on 128×128 cells with the clipped reward.
    Grid8,
    /// The E5 classes: 10 classes × 5 confidence bins.
    Classes,
}

/// How large an experiment's preset is: `Quick` (minutes on 2 cores: E1–E5 exact, sample loops
/// with ≥ 5 seeds and ≥ 20 rounds at reduced sizes) or `Full` (the spec's sizes). The spine's
/// scale, so `reproduce` passes its own.
pub use lab::system::Scale;

/// `Display` as the kebab-case name each enum serialises to and takes on the command line.
macro_rules! names {
    ($($ty:ident { $($variant:ident => $name:literal),* $(,)? })*) => {
        $(
            impl $ty {
                /// The kebab-case name (as serialised and on the command line).
                pub fn name(self) -> &'static str {
                    match self {
                        $($ty::$variant => $name,)*
                    }
                }
            }

            impl fmt::Display for $ty {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str(self.name())
                }
            }
        )*
    };
}

names! {
    Rule { Softmax => "softmax", Hardmax => "hardmax" }
    Evaluator { Levels => "levels", Laplace => "laplace", Brute => "brute" }
    CurationRule {
        Kwise => "kwise",
        KwiseHardmax => "kwise-hardmax",
        PoolSoftmax => "pool-softmax",
        TopM => "top-m",
    }
    ModelKind { Gaussian => "gaussian", Kde => "kde", Gmm => "gmm" }
    DataKind { Gaussian => "gaussian", Gmm8 => "gmm8", Moons => "moons" }
    RewardKind {
        Clipped => "clipped",
        Airplane => "airplane",
        Confidence => "confidence",
        Linear => "linear",
        Quadratic => "quadratic",
        MoonTube => "moon-tube",
    }
    Example { Worked => "worked", Grid8 => "grid8", Classes => "classes" }
}

/// The number K of candidates shown per choice: an integer ≥ 1 or ∞.
///
/// Serialises as the integer or the string `"inf"`; parses `inf`, `infinity`, `∞` or an
/// integer ≥ 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Choices {
    /// K candidates.
    Finite(u32),
    /// K = ∞: the replicator step p w / E_p\[w\] (Lemma 2.1) \[P\].
    Infinite,
}

impl Choices {
    /// K = `k`; refuses 0.
    pub fn finite(k: u32) -> Result<Choices, Error> {
        lab::error::require(k >= 1, "K", f64::from(k), "an integer ≥ 1 or inf")?;
        Ok(Choices::Finite(k))
    }

    /// K as a finite integer, `None` for ∞.
    pub fn get(self) -> Option<u32> {
        match self {
            Choices::Finite(k) => Some(k),
            Choices::Infinite => None,
        }
    }

    /// K as a real number (∞ for [`Choices::Infinite`]).
    pub fn as_f64(self) -> f64 {
        self.get().map_or(f64::INFINITY, f64::from)
    }

    /// `Ok(())` when K ≥ 1 (the only way a [`Choices`] can be invalid is `Finite(0)`).
    pub fn validate(self) -> Result<(), Error> {
        if let Choices::Finite(k) = self {
            Choices::finite(k)?;
        }
        Ok(())
    }
}

impl fmt::Display for Choices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Choices::Finite(k) => write!(f, "{k}"),
            Choices::Infinite => write!(f, "inf"),
        }
    }
}

impl FromStr for Choices {
    type Err = Error;

    fn from_str(s: &str) -> Result<Choices, Error> {
        let t = s.trim();
        if matches!(t.to_ascii_lowercase().as_str(), "inf" | "infinity") || t == "∞" {
            return Ok(Choices::Infinite);
        }
        match t.parse::<u64>() {
            Ok(k) if k <= u64::from(u32::MAX) => Choices::finite(k as u32),
            Ok(k) => {
                Err(lab::error::Invalid::new("K", k as f64, "at most 4294967295 or inf").into())
            }
            Err(_) => Err(Error::ParseChoices {
                text: s.to_string(),
            }),
        }
    }
}

impl serde::Serialize for Choices {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Choices::Finite(k) => s.serialize_u32(*k),
            Choices::Infinite => s.serialize_str("inf"),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Choices {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Choices, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Choices;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer ≥ 1 or \"inf\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Choices, E> {
                u32::try_from(v)
                    .map_err(|_| E::custom("K too large"))
                    .and_then(|k| Choices::finite(k).map_err(E::custom))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Choices, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("K must be ≥ 1"))
                    .and_then(|k| self.visit_u64(k))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Choices, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serialised_kebab_case_names() {
        fn json<T: serde::Serialize>(v: &T) -> String {
            serde_json::to_string(v).unwrap()
        }
        let pairs: Vec<(String, &str)> = vec![
            (json(&Rule::Hardmax), Rule::Hardmax.name()),
            (json(&Evaluator::Laplace), Evaluator::Laplace.name()),
            (
                json(&CurationRule::KwiseHardmax),
                CurationRule::KwiseHardmax.name(),
            ),
            (
                json(&CurationRule::PoolSoftmax),
                CurationRule::PoolSoftmax.name(),
            ),
            (json(&CurationRule::TopM), CurationRule::TopM.name()),
            (json(&ModelKind::Kde), ModelKind::Kde.name()),
            (json(&DataKind::Gmm8), DataKind::Gmm8.name()),
            (json(&RewardKind::MoonTube), RewardKind::MoonTube.name()),
            (json(&Example::Grid8), Example::Grid8.name()),
        ];
        for (serialised, name) in pairs {
            assert_eq!(serialised, format!("\"{name}\""));
        }
        assert_eq!(RewardKind::MoonTube.to_string(), "moon-tube");
    }

    #[test]
    fn choices_parse_print_and_refuse_zero() {
        assert_eq!("4".parse::<Choices>().unwrap(), Choices::Finite(4));
        assert_eq!("inf".parse::<Choices>().unwrap(), Choices::Infinite);
        assert_eq!("∞".parse::<Choices>().unwrap(), Choices::Infinite);
        assert!(matches!("0".parse::<Choices>(), Err(Error::Invalid(_))));
        assert!(matches!(
            "-3".parse::<Choices>(),
            Err(Error::ParseChoices { .. })
        ));
        assert!(matches!(
            "abc".parse::<Choices>(),
            Err(Error::ParseChoices { .. })
        ));
        assert_eq!(Choices::Finite(12).to_string(), "12");
        assert_eq!(Choices::Infinite.to_string(), "inf");
    }
}
