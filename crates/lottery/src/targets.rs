//! The four target networks and their tasks (spec §5): a plain MLP (trivial group, Pensia's
//! setting), T1 DeepSets on S_8, T2 a 2-IGN on graphs of 5 nodes, T3 a C4 G-CNN on 8×8 images.

use crate::basis::{group_basis, Basis};
use crate::data::{self, Dataset};
use crate::error::Result;
use crate::group::{Group, GroupKind};
use crate::network::{Architecture, LayerSpec};
use lab::seed::Seed;
use std::sync::Arc;

/// The target networks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum TargetKind {
    /// Plain MLP, trivial group: 8 scalar inputs → C → C → 2 logits; sign-XOR task.
    Mlp,
    /// T1 DeepSets on S_8: fields 2 → C → C → 1 of R^8, mean-pool readout; is the point set
    /// elongated horizontally or vertically?
    Deepsets,
    /// T2 2-IGN on S_5: order 2 → 2 (1 → C), 2 → 2 (C → C), 2 → 0 (C → 1); triangle detection.
    Ign2,
    /// T3 C4 G-CNN on 8×8 images: lifting conv 1 → C regular fields, regular conv C → C, mean
    /// over orientations and pixels, linear head C → 4; tetromino shape.
    C4cnn,
}

impl TargetKind {
    /// All targets.
    pub const ALL: [TargetKind; 4] = [
        TargetKind::Mlp,
        TargetKind::Deepsets,
        TargetKind::Ign2,
        TargetKind::C4cnn,
    ];

    /// The name used on the command line and in outputs.
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Mlp => "mlp",
            TargetKind::Deepsets => "deepsets",
            TargetKind::Ign2 => "ign2",
            TargetKind::C4cnn => "c4cnn",
        }
    }

    /// The group the target is equivariant under.
    pub fn group(self) -> Group {
        match self {
            TargetKind::Mlp => Group {
                kind: GroupKind::Trivial,
                m: 1,
            },
            TargetKind::Deepsets => Group {
                kind: GroupKind::Sn,
                m: 8,
            },
            TargetKind::Ign2 => Group {
                kind: GroupKind::Sn,
                m: 5,
            },
            TargetKind::C4cnn => Group {
                kind: GroupKind::C4,
                m: 8,
            },
        }
    }

    /// The default number of hidden fields C (spec §5: 8 for T1, 4 for T2 and T3).
    pub fn default_hidden(self) -> usize {
        match self {
            TargetKind::Mlp => 16,
            TargetKind::Deepsets => 8,
            TargetKind::Ign2 | TargetKind::C4cnn => 4,
        }
    }

    /// The architecture with `hidden` hidden fields per layer.
    pub fn architecture(self, hidden: usize) -> Result<Architecture> {
        crate::error::in_range("hidden fields", hidden, 1, 64)?;
        let group = self.group();
        let c = hidden;
        let layer = |c_in, c_out, basis: &Arc<Basis>, square: &Arc<Basis>| LayerSpec {
            c_in,
            c_out,
            in_type: field_type(group, &basis.kernel, false),
            out_type: field_type(group, &basis.kernel, true),
            basis: basis.clone(),
            square: square.clone(),
        };
        let (layers, pool) = match self {
            TargetKind::Mlp => return Ok(mlp_architecture(&[8, c, c, 2])),
            TargetKind::Deepsets => {
                let b = Arc::new(group_basis(group, 1, 1, 1)?);
                let layers = [(2, c, &b, &b), (c, c, &b, &b), (c, 1, &b, &b)];
                (
                    layers.map(|(i, o, b, s)| layer(i, o, b, s)),
                    [false, false, true],
                )
            }
            TargetKind::Ign2 => {
                let b22 = Arc::new(group_basis(group, 2, 2, 1)?);
                let b20 = Arc::new(group_basis(group, 2, 0, 1)?);
                let layers = [(1, c, &b22, &b22), (c, c, &b22, &b22), (c, 1, &b20, &b22)];
                (
                    layers.map(|(i, o, b, s)| layer(i, o, b, s)),
                    [false, false, false],
                )
            }
            TargetKind::C4cnn => {
                let lift = Arc::new(group_basis(group, 0, 1, 3)?);
                let tt = Arc::new(group_basis(group, 0, 0, 3)?);
                let rr = Arc::new(group_basis(group, 1, 1, 3)?);
                let head = Arc::new(Basis::dense(&group.scalar(), &group.scalar(), true));
                let layers = [(1, c, &lift, &tt), (c, c, &rr, &rr), (c, 4, &head, &head)];
                (
                    layers.map(|(i, o, b, s)| layer(i, o, b, s)),
                    [false, true, false],
                )
            }
        };
        Ok(Architecture {
            group,
            layers: layers.to_vec(),
            pool: pool.to_vec(),
        })
    }

    /// `n` examples of the target's task drawn from `rng`.
    pub fn data(self, n: usize, rng: &mut lab::seed::Rng) -> Dataset {
        match self {
            TargetKind::Mlp => data::xor_signs(n, rng),
            TargetKind::Deepsets => data::elongated_sets(n, rng),
            TargetKind::Ign2 => data::triangles(n, rng),
            TargetKind::C4cnn => data::tetrominoes(n, rng),
        }
    }

    /// The training and test sets of seed `seed` (streams `lottery.data` 0 and 1).
    pub fn datasets(self, seed: u64, train: usize, test: usize) -> (Dataset, Dataset) {
        let s = Seed(seed);
        (
            self.data(train, &mut s.stream("lottery.data", 0)),
            self.data(test, &mut s.stream("lottery.data", 1)),
        )
    }
}

/// An MLP architecture (trivial group, scalar fields) with the given widths.
pub fn mlp_architecture(widths: &[usize]) -> Architecture {
    let group = Group {
        kind: GroupKind::Trivial,
        m: 1,
    };
    let b = Arc::new(crate::basis::Basis::dense(
        &group.scalar(),
        &group.scalar(),
        true,
    ));
    Architecture {
        group,
        layers: widths
            .windows(2)
            .map(|w| LayerSpec {
                c_in: w[0],
                c_out: w[1],
                basis: b.clone(),
                square: b.clone(),
                in_type: group.scalar(),
                out_type: group.scalar(),
            })
            .collect(),
        pool: vec![false; widths.len() - 1],
    }
}

/// The field type on the input (`out` false) or output side of a kernel of `group`.
fn field_type(group: Group, kernel: &crate::kernel::Kernel, out: bool) -> crate::group::FieldType {
    use crate::kernel::Kernel;
    match *kernel {
        Kernel::Dense { rows, cols } => {
            let dim = if out { rows } else { cols };
            if dim == 1 {
                group.scalar()
            } else {
                let order = (1..=3).find(|&o| group.m.pow(o) == dim).unwrap_or(0) as usize;
                group.field(order).expect("orders of the targets exist")
            }
        }
        Kernel::Conv { ch_out, ch_in, .. } => {
            let ch = if out { ch_out } else { ch_in };
            group
                .field(usize::from(ch == 4))
                .expect("C4 fields of the targets exist")
        }
    }
}

impl std::fmt::Display for TargetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_counts_match_the_spec() {
        // Spec §5: T1 352 problems (208 with inner_positive_only), T2 616, T3 2·(36 + 576) plus
        // the head; computed here as 2·Σ C_iC_{i+1}K_i from the built architectures.
        let count = |t: TargetKind, positive_only: bool| -> usize {
            let a = t.architecture(t.default_hidden()).unwrap();
            a.layers
                .iter()
                .enumerate()
                .map(|(i, l)| l.coefficients() * if positive_only && i > 0 { 1 } else { 2 })
                .sum()
        };
        assert_eq!(count(TargetKind::Deepsets, false), 352);
        assert_eq!(count(TargetKind::Deepsets, true), 208);
        assert_eq!(count(TargetKind::Ign2, false), 616);
        assert_eq!(count(TargetKind::C4cnn, false), 2 * (36 + 576 + 16));
    }
}
