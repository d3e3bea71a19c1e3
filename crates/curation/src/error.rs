//! The crate's error and warning types.
//!
//! Errors name the quantity (K, λ, n, rounds, a CSV column), never a command-line flag; the binary
//! maps quantities to flags. Warnings are conditions that do not stop a computation but that a
//! user should hear about (weights that underflow to zero); they are returned in results, never
//! printed.

use crate::names::Evaluator;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A quantity outside its valid range (K = 0, λ < 0, rounds = 0, n = 0, …).
    #[error(transparent)]
    Invalid(#[from] lab::error::Invalid),
    /// Reading a support file failed at the I/O level.
    #[error("reading the support: {0}")]
    Io(#[from] std::io::Error),
    /// A support file is not valid CSV (bad quoting, invalid UTF-8).
    #[error("support file line {line}: not valid CSV ({message})")]
    Csv {
        /// 1-based line of the file.
        line: u64,
        /// The CSV parser's description.
        message: String,
    },
    /// A support file lacks a required column.
    #[error(
        "support file has no `{column}` column (the header needs reward,p0 and may add p_data)"
    )]
    MissingColumn {
        /// The missing column.
        column: &'static str,
    },
    /// A support file has a column this crate does not know (a typo would otherwise be ignored).
    #[error("support file has an unknown column `{column}` (known: reward, p0, p_data)")]
    UnknownColumn {
        /// The unknown column's header.
        column: String,
    },
    /// A support file names a column twice.
    #[error("support file has the column `{column}` twice")]
    DuplicateColumn {
        /// The repeated column.
        column: String,
    },
    /// A row of a support file has a different number of fields than the header.
    #[error("support file line {line} has {found} fields, the header has {expected}")]
    RaggedRow {
        /// 1-based line of the file.
        line: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// A field of a support file is not a number.
    #[error("support file line {line}, column `{column}`: `{text}` is not a number")]
    NotANumber {
        /// 1-based line of the file.
        line: u64,
        /// The column.
        column: &'static str,
        /// The field as written.
        text: String,
    },
    /// A support has no atoms.
    #[error("the support has no atoms")]
    EmptySupport,
    /// A probability or reward is NaN or infinite.
    #[error("{column} of atom {atom} is {value}; it must be finite")]
    NonFinite {
        /// `reward`, `p0` or `p_data`.
        column: &'static str,
        /// 0-based atom index (file order).
        atom: usize,
        /// The value.
        value: f64,
    },
    /// A probability is negative.
    #[error("{column} of atom {atom} is {value}; probabilities must be ≥ 0")]
    NegativeProbability {
        /// `p0` or `p_data`.
        column: &'static str,
        /// 0-based atom index (file order).
        atom: usize,
        /// The value.
        value: f64,
    },
    /// Probabilities do not sum to 1 within 1e-9.
    #[error("{column} sums to {sum}, off 1 by {off_by:.3e} (more than 1e-9)")]
    NotNormalised {
        /// `p0`, `p_data` or `p`.
        column: &'static str,
        /// The sum.
        sum: f64,
        /// |sum − 1|.
        off_by: f64,
    },
    /// Two arrays that describe the same atoms differ in length.
    #[error("{what} has {found} entries, expected {expected}")]
    LengthMismatch {
        /// What was too short or long.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Actual length.
        found: usize,
    },
    /// An evaluator would need more terms than it is allowed to compute.
    #[error(
        "the {evaluator} evaluator needs {terms:e} terms at {atoms} atoms and K = {k}, more than its limit {limit:e}; use the laplace evaluator"
    )]
    TooManyTerms {
        /// The evaluator.
        evaluator: Evaluator,
        /// Terms it would compute.
        terms: f64,
        /// Its limit.
        limit: f64,
        /// Atoms (or levels) with positive mass.
        atoms: usize,
        /// Candidates per choice.
        k: u32,
    },
    /// K = ∞ where a finite K is needed (sample-based curation draws K candidates).
    #[error("K must be finite for {what}")]
    InfiniteK {
        /// What needs a finite K.
        what: &'static str,
    },
    /// A text that should name K is neither a positive integer nor `inf`.
    #[error("K must be an integer ≥ 1 or inf (got `{text}`)")]
    ParseChoices {
        /// The text.
        text: String,
    },
    /// The A5 fixed point needs p_data to put mass on its top reward atom.
    #[error("the fixed point needs a real-data share α in (0, 1) (got {alpha})")]
    FixedPointAlpha {
        /// α = 1/(1 + λ).
        alpha: f64,
    },
    /// A reward family that does not apply here (e.g. a classifier reward on 2-D points).
    #[error("the {reward} reward does not apply to {what}")]
    UnsupportedReward {
        /// The reward family.
        reward: crate::names::RewardKind,
        /// Where it was asked for.
        what: &'static str,
    },
    /// A run would need more memory than allowed.
    #[error("{what} would need about {bytes} bytes, more than the limit {limit}")]
    TooMuchMemory {
        /// What grows.
        what: &'static str,
        /// Estimated bytes.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// A matrix that must be symmetric positive definite is not (a degenerate covariance).
    #[error("{what} is not positive definite (pivot {pivot})")]
    NotPositiveDefinite {
        /// Which matrix.
        what: &'static str,
        /// The failing pivot.
        pivot: usize,
    },
    /// An eigendecomposition did not converge.
    #[error("the eigendecomposition of {what} did not converge")]
    EigenNoConvergence {
        /// Which matrix.
        what: &'static str,
    },
    /// A model was asked to fit fewer points than it needs.
    #[error("{model} needs at least {needed} training points (got {got})")]
    TooFewPoints {
        /// The model.
        model: &'static str,
        /// Points needed.
        needed: usize,
        /// Points given.
        got: usize,
    },
    /// Points have the wrong dimension for a model or reward.
    #[error("{what} expects points of dimension {expected} (got {found})")]
    Dimension {
        /// What expected the dimension.
        what: &'static str,
        /// Expected dimension.
        expected: usize,
        /// Actual dimension.
        found: usize,
    },
    /// The reward classifier could not be fitted.
    #[error("fitting the reward classifier failed: {message}")]
    Classifier {
        /// The fitting library's message.
        message: String,
    },
}

/// The binary names an invalid quantity by the flag the user typed.
impl lab::error::AsInvalid for Error {
    fn as_invalid(&self) -> Option<&lab::error::Invalid> {
        match self {
            Error::Invalid(invalid) => Some(invalid),
            _ => None,
        }
    }
}

/// A condition worth telling the user about that does not stop the computation.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, thiserror::Error)]
#[serde(rename_all = "kebab-case", tag = "kind")]
#[non_exhaustive]
pub enum Warning {
    /// The reward spread is so wide that e^{r − r*} underflows to 0 for some atoms with
    /// positive mass: they get H = 0 (spec §7, pitfall 3).
    #[error(
        "{atoms} atoms with positive mass have e^(r − r*) = 0 (reward spread {spread} nats): they get H = 0"
    )]
    WeightUnderflow {
        /// Atoms with positive mass whose weight underflows.
        atoms: usize,
        /// r* − min r over those atoms, in nats.
        spread: f64,
    },
    /// Sample-based curation: the weights e^{r − max r} of some candidates underflow to 0 within
    /// their group, so they can never be kept.
    #[error("{candidates} generated candidates had e^(r − group max) = 0 and could never be kept")]
    CandidateUnderflow {
        /// Number of such candidates over the run.
        candidates: u64,
    },
}

/// Keeps each warning once: a second warning of the same kind replaces the first only when it
/// reports more atoms/candidates.
pub(crate) fn merge_warning(list: &mut Vec<Warning>, w: Warning) {
    for existing in list.iter_mut() {
        match (&*existing, &w) {
            (
                Warning::WeightUnderflow { atoms: a, .. },
                Warning::WeightUnderflow { atoms: b, .. },
            ) => {
                if b > a {
                    *existing = w;
                }
                return;
            }
            (
                Warning::CandidateUnderflow { candidates: a },
                Warning::CandidateUnderflow { candidates: b },
            ) => {
                *existing = Warning::CandidateUnderflow { candidates: a + b };
                return;
            }
            _ => {}
        }
    }
    list.push(w);
}
