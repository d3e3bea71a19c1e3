//! Finite groups acting on field indices by permutations, given by their generators.
//!
//! A field type is a vector space R^D on whose coordinates every generator g acts by a
//! permutation π_g: the entry at index i moves to π_g(i), i.e. `(g·x)[π_g(i)] = x[i]`. For S_m on
//! an order-k tensor this is (π·x)[i_1..i_k] = x[π⁻¹(i_1)..π⁻¹(i_k)] (spec §2). Because the
//! actions are index permutations, they are exact in floating point and commute with pointwise
//! ReLU, the two facts the exact-equivariance claims rest on.

use crate::error::{Error, Result};

/// The groups implemented (spec §2; D4 is optional and not implemented).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum GroupKind {
    /// The trivial group: plain MLPs (every linear map is equivariant).
    Trivial,
    /// Cyclic translations of an m×m periodic grid (CNN kernel taps).
    Translation,
    /// The rotations by multiples of 90° of an m×m grid: r·(i, j) = (j, m−1−i); on a regular
    /// field (4 orientation channels) r also shifts the orientation o ↦ o + 1 mod 4.
    C4,
    /// The symmetric group S_m permuting the index set {0..m−1} of order-k tensors.
    Sn,
}

impl GroupKind {
    /// The name used on the command line and in outputs.
    pub fn name(self) -> &'static str {
        match self {
            GroupKind::Trivial => "trivial",
            GroupKind::Translation => "translation",
            GroupKind::C4 => "c4",
            GroupKind::Sn => "sn",
        }
    }

    /// The largest field order implemented: tensor order for S_m and the trivial group,
    /// 0 (plain image) or 1 (regular, 4 orientations) for C4, 0 for translations.
    pub fn max_order(self) -> usize {
        match self {
            GroupKind::Trivial | GroupKind::Sn => 3,
            GroupKind::C4 => 1,
            GroupKind::Translation => 0,
        }
    }
}

impl std::fmt::Display for GroupKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A group together with the size of the set it acts on: m points for S_m and the trivial
/// group, an m×m grid for C4 and translations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Group {
    /// Which group.
    pub kind: GroupKind,
    /// Number of points (S_m, trivial) or grid side (C4, translations).
    pub m: usize,
}

/// A permutation representation: dimension and one index permutation per group generator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldType {
    /// Dimension D of one field.
    pub dim: usize,
    /// π_g for each generator g: entry i moves to `generators[g][i]`.
    pub generators: Vec<Vec<u32>>,
}

impl FieldType {
    /// g·x for generator `g` (a permutation of the entries of one field).
    pub fn act(&self, g: usize, x: &[f64], out: &mut [f64]) {
        for (i, &to) in self.generators[g].iter().enumerate() {
            out[to as usize] = x[i];
        }
    }

    /// g·x applied to each of the consecutive fields of `x` (length a multiple of `dim`).
    pub fn act_fields(&self, g: usize, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        for (xf, of) in x.chunks(self.dim).zip(out.chunks_mut(self.dim)) {
            self.act(g, xf, of);
        }
        out
    }
}

impl Group {
    /// Number of generators (the same for every field type of the group).
    pub fn generator_count(&self) -> usize {
        match self.kind {
            GroupKind::Trivial => 0,
            GroupKind::C4 => 1,
            GroupKind::Translation | GroupKind::Sn => 2,
        }
    }

    /// The scalar field R with every generator acting as the identity (pooled features,
    /// MLP units, logits).
    pub fn scalar(&self) -> FieldType {
        FieldType {
            dim: 1,
            generators: vec![vec![0]; self.generator_count()],
        }
    }

    /// The field of the given order: R^{m^order} for S_m and the trivial group; the m×m image
    /// (order 0) or the regular field of 4 orientation channels (order 1) for C4; the m×m
    /// periodic image (order 0) for translations. Orders above [`GroupKind::max_order`] are
    /// refused.
    pub fn field(&self, order: usize) -> Result<FieldType> {
        if order > self.kind.max_order() {
            return Err(Error::UnsupportedOrder {
                group: self.kind.name(),
                order,
                max: self.kind.max_order(),
            });
        }
        let m = self.m;
        Ok(match self.kind {
            GroupKind::Trivial => FieldType {
                dim: m.pow(order as u32),
                generators: vec![],
            },
            GroupKind::Sn => {
                let transposition: Vec<usize> = (0..m)
                    .map(|i| match (i, m >= 2) {
                        (0, true) => 1,
                        (1, true) => 0,
                        _ => i,
                    })
                    .collect();
                let cycle: Vec<usize> = (0..m).map(|i| (i + 1) % m).collect();
                FieldType {
                    dim: m.pow(order as u32),
                    generators: vec![
                        tensor_permutation(&transposition, order),
                        tensor_permutation(&cycle, order),
                    ],
                }
            }
            GroupKind::C4 => {
                let channels = if order == 1 { 4 } else { 1 };
                let mut rot = vec![0u32; channels * m * m];
                for o in 0..channels {
                    for i in 0..m {
                        for j in 0..m {
                            let (to_o, to_i, to_j) = ((o + 1) % channels, j, m - 1 - i);
                            rot[(o * m + i) * m + j] = ((to_o * m + to_i) * m + to_j) as u32;
                        }
                    }
                }
                FieldType {
                    dim: channels * m * m,
                    generators: vec![rot],
                }
            }
            GroupKind::Translation => {
                let shift = |di: usize, dj: usize| -> Vec<u32> {
                    (0..m * m)
                        .map(|p| {
                            let (i, j) = (p / m, p % m);
                            (((i + di) % m) * m + (j + dj) % m) as u32
                        })
                        .collect()
                };
                FieldType {
                    dim: m * m,
                    generators: vec![shift(1, 0), shift(0, 1)],
                }
            }
        })
    }

    /// Every element of S_m as a permutation of {0..m−1}, in lexicographic order (for
    /// checking invariance under the whole group at small m; m ≤ 8).
    pub fn all_permutations(m: usize) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        let mut current: Vec<usize> = (0..m).collect();
        loop {
            out.push(current.clone());
            // Next permutation in lexicographic order.
            let Some(i) = (1..m).rev().find(|&i| current[i - 1] < current[i]) else {
                return out;
            };
            let j = (i..m).rev().find(|&j| current[j] > current[i - 1]).unwrap();
            current.swap(i - 1, j);
            current[i..].reverse();
        }
    }
}

/// The permutation of `[m]^order` induced by the point permutation `perm`: the tuple
/// (i_1..i_k) moves to (perm(i_1)..perm(i_k)). Tuples are numbered in row-major order.
pub fn tensor_permutation(perm: &[usize], order: usize) -> Vec<u32> {
    let m = perm.len();
    let size = m.pow(order as u32);
    (0..size)
        .map(|index| {
            let mut rest = index;
            let mut image = 0usize;
            let mut place = 1usize;
            for _ in 0..order {
                image += perm[rest % m] * place;
                rest /= m;
                place *= m;
            }
            image as u32
        })
        .collect()
}

/// The digits (i_1..i_k) of a row-major tuple index in `[m]^order`.
pub fn tuple_digits(mut index: usize, m: usize, order: usize) -> Vec<usize> {
    let mut digits = vec![0; order];
    for d in digits.iter_mut().rev() {
        *d = index % m;
        index /= m;
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_are_permutations_and_c4_has_order_four() {
        for (kind, m, order) in [
            (GroupKind::Sn, 5, 2),
            (GroupKind::C4, 6, 1),
            (GroupKind::C4, 5, 0),
            (GroupKind::Translation, 4, 0),
        ] {
            let field = Group { kind, m }.field(order).unwrap();
            for g in &field.generators {
                let mut seen = vec![false; field.dim];
                for &to in g {
                    seen[to as usize] = true;
                }
                assert!(
                    seen.iter().all(|&s| s),
                    "{kind:?} generator not a bijection"
                );
            }
        }
        // r⁴ = identity on a regular field; r moves pixel (0, 0) of orientation 0 to (0, m−1)
        // of orientation 1.
        let f = Group {
            kind: GroupKind::C4,
            m: 5,
        }
        .field(1)
        .unwrap();
        let x: Vec<f64> = (0..f.dim).map(|i| i as f64).collect();
        let mut y = x.clone();
        for _ in 0..4 {
            let mut z = vec![0.0; f.dim];
            f.act(0, &y, &mut z);
            y = z;
        }
        assert_eq!(x, y);
        let mut z = vec![0.0; f.dim];
        f.act(0, &x, &mut z);
        assert_eq!(z[25 + 4], 0.0);
    }

    #[test]
    fn tensor_action_matches_definition() {
        // (π·x)[i1, i2] = x[π⁻¹(i1), π⁻¹(i2)] for π = (0 1 2) on m = 3.
        let pi = [1usize, 2, 0];
        let inv = [2usize, 0, 1];
        let p = tensor_permutation(&pi, 2);
        let field = FieldType {
            dim: 9,
            generators: vec![p],
        };
        let x: Vec<f64> = (0..9).map(|i| (i * i) as f64).collect();
        let mut y = vec![0.0; 9];
        field.act(0, &x, &mut y);
        for i1 in 0..3 {
            for i2 in 0..3 {
                assert_eq!(y[i1 * 3 + i2], x[inv[i1] * 3 + inv[i2]]);
            }
        }
        assert_eq!(Group::all_permutations(5).len(), 120);
        assert_eq!(tuple_digits(7, 3, 2), vec![2, 1]);
    }
}
