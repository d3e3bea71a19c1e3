//! The errors of this crate: invalid quantities, corpus folders and checkpoints.

use std::path::PathBuf;

/// What can go wrong configuring, loading or training; messages name quantities
/// (`steps`, `seq_len`), never command-line flags.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A quantity outside its valid range.
    #[error(transparent)]
    Invalid(#[from] lab::error::Invalid),
    /// The corpus is too short for one window of the configured length.
    #[error("the corpus has {train} training and {valid} validation characters; both must exceed the sequence length {seq_len}")]
    CorpusTooShort {
        /// Training tokens.
        train: usize,
        /// Validation tokens.
        valid: usize,
        /// The sequence length T.
        seq_len: usize,
    },
    /// A corpus folder or one of its files could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The folder or file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A corpus folder holds fewer than two plays (one is needed for training, one for
    /// validation).
    #[error("{} holds {found} plays (files named *_gut.txt); at least 2 are needed", path.display())]
    TooFewPlays {
        /// The folder.
        path: PathBuf,
        /// The plays found.
        found: usize,
    },
    /// The Shakespeare plays have not been fetched.
    #[error("{source}; run scripts/fetch-shakespeare.sh to fetch the plays")]
    ShakespeareMissing {
        /// What failed reading the folder.
        source: Box<Error>,
    },
    /// A checkpoint file could not be written or read back.
    #[error("checkpoint {}: {what}", path.display())]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What failed.
        what: String,
    },
    /// A checkpoint holds another run's configuration.
    #[error("checkpoint {} holds a different configuration (delete it to start over)", path.display())]
    CheckpointMismatch {
        /// The checkpoint file.
        path: PathBuf,
    },
}

impl lab::error::AsInvalid for Error {
    fn as_invalid(&self) -> Option<&lab::error::Invalid> {
        match self {
            Error::Invalid(e) => Some(e),
            _ => None,
        }
    }
}
