//! The crate's error type: every refusal of user input is one typed variant that holds the
//! numbers and shapes involved. Messages name the quantity, never a command-line flag.

use std::path::PathBuf;

/// Everything the crate refuses.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A quantity outside its valid range (a width of 0, a learning rate ≤ 0, …).
    #[error(transparent)]
    Invalid(#[from] lab::error::Invalid),

    /// An assignment cost (or similarity) that is NaN or infinite.
    #[error("assignment cost at row {row}, column {col} is not finite (got {value})")]
    NonFiniteCost {
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        col: usize,
        /// The entry.
        value: f64,
    },

    /// A matrix that should be square is not (assignment costs, couplings).
    #[error("{what} must be square (got {rows}×{cols})")]
    NotSquare {
        /// Which matrix.
        what: &'static str,
        /// Its number of rows.
        rows: usize,
        /// Its number of columns.
        cols: usize,
    },

    /// A list of indices that is not a permutation of 0..len.
    #[error("not a permutation of 0..{len}: index {value} at position {position}")]
    NotPermutation {
        /// Length of the list.
        len: usize,
        /// Position of the first offending entry.
        position: usize,
        /// The repeated or out-of-range value there.
        value: usize,
    },

    /// Two networks whose layers differ in shape.
    #[error(
        "architectures differ at layer {layer}: A has weight shape [{}, {}], B has [{}, {}]",
        shape_a[0], shape_a[1], shape_b[0], shape_b[1]
    )]
    ArchitectureMismatch {
        /// 1-based index of the layer (Linear pair) in forward order.
        layer: usize,
        /// A's weight shape [out, in].
        shape_a: [usize; 2],
        /// B's weight shape [out, in].
        shape_b: [usize; 2],
    },

    /// Two networks with different numbers of layers.
    #[error("architectures differ in depth: A has {layers_a} linear layers, B has {layers_b}")]
    DepthMismatch {
        /// Linear layers of A.
        layers_a: usize,
        /// Linear layers of B.
        layers_b: usize,
    },

    /// Consecutive layers whose shapes do not chain (input width ≠ previous output width).
    #[error("layer {layer} takes {input} inputs but layer {} outputs {previous_output}", layer - 1)]
    BrokenChain {
        /// 1-based index of the layer.
        layer: usize,
        /// Its input width.
        input: usize,
        /// The previous layer's output width.
        previous_output: usize,
    },

    /// A bias whose length is not its layer's output width.
    #[error("bias of layer {layer} has length {len}, but the layer has {out} outputs")]
    BiasLength {
        /// 1-based index of the layer.
        layer: usize,
        /// Length of the bias.
        len: usize,
        /// Output width of the weight.
        out: usize,
    },

    /// A network with no linear layer.
    #[error("no linear layer (no `<index>.weight` tensor)")]
    NoLinearLayers,

    /// A network without hidden units to match (a single linear layer).
    #[error("a network needs at least one hidden layer to be matched (got {layers} linear layer)")]
    NoHiddenLayer {
        /// Number of linear layers.
        layers: usize,
    },

    /// A weight or bias that is NaN or infinite.
    #[error("{tensor} has a non-finite entry at flat index {index} (got {value})")]
    NonFiniteWeight {
        /// Tensor name (`0.weight`, or `layer 1 weight` for networks built in memory).
        tensor: String,
        /// Flat (row-major) index of the entry.
        index: usize,
        /// The entry.
        value: f64,
    },

    /// A data value that is NaN or infinite.
    #[error("data has a non-finite value at row {row}, column {col} (got {value})")]
    NonFiniteData {
        /// Row (sample).
        row: usize,
        /// Column (feature).
        col: usize,
        /// The value.
        value: f64,
    },

    /// Data whose number of features is not the first layer's input width.
    #[error("data has {got} features per sample, but the first layer takes {expected} inputs")]
    DataWidth {
        /// The first layer's input width.
        expected: usize,
        /// Features per sample in the data.
        got: usize,
    },

    /// A number of labels different from the number of samples.
    #[error("there are {got} labels for {expected} samples")]
    LabelCount {
        /// Number of samples.
        expected: usize,
        /// Number of labels.
        got: usize,
    },

    /// A label outside 0..classes.
    #[error("label {value} at index {index} is outside 0..{classes}")]
    LabelOutOfRange {
        /// Position of the label.
        index: usize,
        /// The label.
        value: i64,
        /// Number of classes (the network's output width).
        classes: usize,
    },

    /// A matcher name that is not known.
    #[error("unknown matcher '{name}' (known: {known})")]
    UnknownMatcher {
        /// The name given.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },

    /// A matcher that does not align B by a permutation (`identity` aligns nothing; the soft
    /// `sinkhorn` coupling changes B's function), where an alignment is asked for.
    #[error("the {matcher} matcher does not align B by a permutation (use one of {aligning})")]
    NotAligning {
        /// The matcher's name.
        matcher: &'static str,
        /// The matchers that do, comma-separated.
        aligning: String,
    },

    /// A tensor whose name is not `<index>.weight` or `<index>.bias`.
    #[error("tensor '{name}' is not the weight or bias of a Linear layer of an nn.Sequential (expected `<index>.weight` or `<index>.bias`)")]
    UnexpectedTensor {
        /// The tensor's name.
        name: String,
    },

    /// A tensor that should be present is not (a bias without its weight).
    #[error("tensor '{name}' is missing")]
    MissingTensor {
        /// The missing tensor's name.
        name: String,
    },

    /// A tensor of the wrong shape.
    #[error("tensor '{name}' has shape {shape:?}, expected {expected}")]
    TensorShape {
        /// The tensor's name.
        name: String,
        /// Its shape.
        shape: Vec<usize>,
        /// The expected shape.
        expected: String,
    },

    /// A tensor of a dtype other than F32/F64.
    #[error("tensor '{name}' has dtype {dtype}; only F32 and F64 are read")]
    TensorDtype {
        /// The tensor's name.
        name: String,
        /// Its dtype.
        dtype: String,
    },

    /// A safetensors file that cannot be parsed.
    #[error("not a valid safetensors file: {0}")]
    Safetensors(#[from] safetensors::SafeTensorError),

    /// An .npy array of the wrong rank or shape.
    #[error(".npy array has shape {shape:?}, expected {expected}")]
    NpyShape {
        /// The array's shape.
        shape: Vec<u64>,
        /// What was expected.
        expected: &'static str,
    },

    /// An .npy array of an unsupported dtype.
    #[error(".npy array has dtype {dtype}, expected {expected}")]
    NpyDtype {
        /// The array's dtype (NumPy type string).
        dtype: String,
        /// What was expected.
        expected: &'static str,
    },

    /// An error while reading or writing a file, with the file's path.
    #[error("{}: {source}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },

    /// An I/O error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Error {
    /// This error, attributed to the file at `path`.
    pub fn in_file(self, path: impl Into<PathBuf>) -> Error {
        Error::InFile {
            path: path.into(),
            source: Box::new(self),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The wrapped [`lab::error::Invalid`] quantity (also inside a file's error), which the
/// binary rewords with the flag the user typed.
impl lab::error::AsInvalid for Error {
    fn as_invalid(&self) -> Option<&lab::error::Invalid> {
        match self {
            Error::Invalid(invalid) => Some(invalid),
            Error::InFile { source, .. } => source.as_invalid(),
            _ => None,
        }
    }
}
