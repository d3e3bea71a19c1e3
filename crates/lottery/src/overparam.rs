//! The random overparameterised block of one target layer (spec A3, Figure 1 of the paper).
//!
//! Target layer i (C_i → C_{i+1} fields) becomes two random equivariant layers: Λ_i maps the C_i
//! input fields to C_i·n copies (copy j of field c'' is field (c'', j)), σ, then M_i maps the
//! copies to the C_{i+1} output fields. Λ's coefficients λ_{(c'',j),c,k'} range over B_{i→i}
//! (dense variant: every field pair; diagonal variant, Pensia's `RedLayer`: only the identity
//! coefficient of c'' = c); M's coefficients μ_{c',(c,j),k} over B_{i→i+1}. All are i.i.d.
//! U[−s, s].
//!
//! Every number comes from its own seeded stream, so a block is a pure function of
//! (seed, block, field indices) and identical at any thread count: the identity coefficients
//! λ_{cj} := λ_{(c,j),c,I} from `lottery.lambda` (one stream per field and resample attempt),
//! μ_{c',(c,j),·} from `lottery.mu` (one stream per field pair, drawn in (j, k) order), the other
//! dense Λ coefficients from `lottery.lambda-dense`. Draws are in copy order, so the block with n
//! copies is a prefix of the block with n + 2: widths are nested, and the ticket only uses the
//! identity coefficients, so the dense and diagonal variants prune to the same subnetwork.

use lab::seed::{Rng, Seed};
use rand::RngExt;

/// Which random first layer Λ a block has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Variant {
    /// All C_i·(C_i n)·K'_i coefficients of Λ are random.
    Dense,
    /// Only the identity coefficient of each copy of its own field (C_i n coefficients).
    Diagonal,
}

impl Variant {
    /// The name used on the command line and in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Dense => "dense",
            Variant::Diagonal => "diagonal",
        }
    }
}

/// Bits for a field index in a stream index (fields < 2^28).
const FIELD_BITS: u32 = 28;

/// The largest number of fields (inputs or outputs) of one layer.
pub const MAX_FIELDS: usize = 1 << FIELD_BITS;

/// The stream index of (block, a, b): block in the top 8 bits, then a and b in 28 bits each.
fn stream_index(block: usize, a: usize, b: usize) -> u64 {
    debug_assert!(block < 256 && a < MAX_FIELDS && b < MAX_FIELDS);
    (block as u64) << (2 * FIELD_BITS) | (a as u64) << FIELD_BITS | b as u64
}

/// The random block of target layer `block` (a pure description; values are drawn on demand).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RandomBlock {
    /// The run's seed.
    pub seed: u64,
    /// Target layer index, 0-based.
    pub block: usize,
    /// C_i.
    pub c_in: usize,
    /// C_{i+1}.
    pub c_out: usize,
    /// n, copies per input field.
    pub copies: usize,
    /// K_i = |B_{i→i+1}|.
    pub k: usize,
    /// K'_i = |B_{i→i}|.
    pub k_square: usize,
    /// s: coefficients are U[−s, s].
    pub scale: f64,
    /// Dense or diagonal Λ.
    pub variant: Variant,
}

impl RandomBlock {
    fn uniform(&self, rng: &mut Rng) -> f64 {
        self.scale * (2.0 * rng.random::<f64>() - 1.0)
    }

    /// λ_{c,0..n} of input field `c` at resample `attempt`.
    pub fn lambda(&self, c: usize, attempt: usize) -> Vec<f64> {
        let mut rng =
            Seed(self.seed).stream("lottery.lambda", stream_index(self.block, attempt, c));
        (0..self.copies).map(|_| self.uniform(&mut rng)).collect()
    }

    /// μ_{c',(c,j),k} for all j, k into `out` at index j·K + k.
    pub fn mu_into(&self, c_out: usize, c: usize, out: &mut Vec<f64>) {
        let mut rng = Seed(self.seed).stream("lottery.mu", stream_index(self.block, c_out, c));
        out.clear();
        out.extend((0..self.copies * self.k).map(|_| self.uniform(&mut rng)));
    }

    /// The dense-variant coefficients λ_{(c2,j),c,k'} for all j, k' at index j·K' + k' (the
    /// identity coefficients of c2 = c are replaced by λ_{cj} by the caller).
    pub fn dense_lambda(&self, c2: usize, c: usize) -> Vec<f64> {
        let mut rng =
            Seed(self.seed).stream("lottery.lambda-dense", stream_index(self.block, c2, c));
        (0..self.copies * self.k_square)
            .map(|_| self.uniform(&mut rng))
            .collect()
    }

    /// Number of Λ coefficients by spec 4.7: C_i·(C_i n)·K'_i (dense) or C_i n (diagonal).
    pub fn lambda_formula(&self) -> usize {
        match self.variant {
            Variant::Dense => self.c_in * self.c_in * self.copies * self.k_square,
            Variant::Diagonal => self.c_in * self.copies,
        }
    }

    /// Number of M coefficients by spec 4.7: (C_i n)·C_{i+1}·K_i.
    pub fn mu_formula(&self) -> usize {
        self.c_in * self.copies * self.c_out * self.k
    }
}
