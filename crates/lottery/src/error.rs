//! The crate's error type: every refusal of a bad input, with the numbers that explain it.
//! Messages name the quantity (summands, m, kernel size, copies), never a command-line flag.

/// Why a computation was refused. Nothing is computed or written when one of these is returned.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Error {
    /// A quantity outside its valid range (η ≤ 0, copies < 2, a non-finite summand …).
    #[error(transparent)]
    Invalid(#[from] lab::error::Invalid),
    /// A subset-sum instance with no summands.
    #[error("the list of summands is empty")]
    NoSummands,
    /// A subset-sum instance with more summands than the exact solver accepts.
    #[error("{count} summands exceed the limit of {limit} summands per subset-sum instance")]
    TooManySummands {
        /// Number of summands given.
        count: usize,
        /// The largest number accepted ([`crate::subset_sum::MAX_SUMMANDS`]).
        limit: usize,
    },
    /// The index set is too small for the requested tensor orders or kernel (spec pitfall 2:
    /// the S_m bases have Bell(k + l) elements only when m ≥ k + l).
    #[error(
        "m = {m} is too small for orders {order_in}→{order_out}: the minimum is m = {minimum}"
    )]
    MTooSmall {
        /// The size given.
        m: usize,
        /// Input order.
        order_in: usize,
        /// Output order.
        order_out: usize,
        /// The smallest size accepted.
        minimum: usize,
    },
    /// An even kernel size for C4: the rotation of an even stencil has no centre tap.
    #[error("kernel size {kernel} is even; C4 convolutions need an odd kernel size")]
    EvenKernel {
        /// The kernel size given.
        kernel: usize,
    },
    /// A field order the group does not implement.
    #[error("order {order} is not available for group {group}: the largest order is {max}")]
    UnsupportedOrder {
        /// The group, as named on the command line of the later phase (`c4`, `sn`, …).
        group: &'static str,
        /// The order given.
        order: usize,
        /// The largest order implemented for this group.
        max: usize,
    },
    /// A λ draw of one field kept missing a sign after many resamples (probability ≤ 2^{−1000}
    /// for copies ≥ 2; reported rather than looping forever).
    #[error("field {field} of block {block}: no usable sign split of λ after {attempts} draws")]
    SignSplit {
        /// Block (target layer) index, 0-based.
        block: usize,
        /// Input field index, 0-based.
        field: usize,
        /// Draws made.
        attempts: usize,
    },
    /// A run whose estimated memory exceeds the limit.
    #[error("the run needs about {bytes} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Estimated bytes.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// Target training produced a non-finite loss or coefficient (learning rate too large).
    #[error("training diverged after {steps} steps at learning rate {learning_rate}")]
    TrainingDiverged {
        /// Steps run.
        steps: usize,
        /// The learning rate.
        learning_rate: f64,
    },
    /// A list that must not be empty (copies, seeds, η values …) is empty.
    #[error("the list of {name} is empty")]
    EmptyList {
        /// The quantity whose list is empty.
        name: &'static str,
    },
}

impl lab::error::AsInvalid for Error {
    /// The wrapped quantity of [`Error::Invalid`], so the binary can name its flag.
    fn as_invalid(&self) -> Option<&lab::error::Invalid> {
        match self {
            Error::Invalid(invalid) => Some(invalid),
            _ => None,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Refuse an empty list named `name`.
pub(crate) fn non_empty<T>(name: &'static str, list: &[T]) -> Result<()> {
    if list.is_empty() {
        Err(Error::EmptyList { name })
    } else {
        Ok(())
    }
}

/// `value` must lie in `lo..=hi` (integers), else [`lab::error::Invalid`].
pub(crate) fn in_range(name: &'static str, value: usize, lo: usize, hi: usize) -> Result<()> {
    lab::error::require(
        (lo..=hi).contains(&value),
        name,
        value as f64,
        format!("between {lo} and {hi}"),
    )?;
    Ok(())
}
