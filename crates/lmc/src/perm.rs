//! Permutations of hidden units and their action on a network, with the spec's index
//! convention (§2.2): π_ℓ maps A-unit i to B-unit π_ℓ(i), and B is gathered with π,
//!
//! W̃_ℓ\[i, j\] = W_ℓ\[π_ℓ(i), π_{ℓ−1}(j)\],   b̃_ℓ\[i\] = b_ℓ\[π_ℓ(i)\],   π₀ = π_{L+1} = identity,
//!
//! so that unit i of the permuted network is unit π_ℓ(i) of the original and the function is
//! unchanged for any pointwise σ.

use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::mlp::{Layer, Mlp};
use lab::seed::Rng;
use rand::seq::SliceRandom;

/// A permutation of 0..n, stored as the image list: position i holds π(i).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "Vec<usize>", into = "Vec<usize>")]
pub struct Permutation(Vec<usize>);

impl Permutation {
    /// The permutation with images `map` (π(i) = map\[i\]); refused unless every value in
    /// 0..len appears once.
    pub fn new(map: Vec<usize>) -> Result<Permutation> {
        let n = map.len();
        let mut seen = vec![false; n];
        for (position, &value) in map.iter().enumerate() {
            if value >= n || seen[value] {
                return Err(Error::NotPermutation {
                    len: n,
                    position,
                    value,
                });
            }
            seen[value] = true;
        }
        Ok(Permutation(map))
    }

    /// The identity of 0..n.
    pub fn identity(n: usize) -> Permutation {
        Permutation((0..n).collect())
    }

    /// A uniformly random permutation of 0..n drawn from `rng`.
    pub fn random(n: usize, rng: &mut Rng) -> Permutation {
        let mut map: Vec<usize> = (0..n).collect();
        map.shuffle(rng);
        Permutation(map)
    }

    /// n.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether n = 0.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// π(i).
    pub fn get(&self, i: usize) -> usize {
        self.0[i]
    }

    /// The image list [π(0), …, π(n−1)].
    pub fn as_slice(&self) -> &[usize] {
        &self.0
    }

    /// Whether π is the identity.
    pub fn is_identity(&self) -> bool {
        self.0.iter().enumerate().all(|(i, &p)| i == p)
    }

    /// π⁻¹.
    pub fn inverse(&self) -> Permutation {
        let mut inv = vec![0; self.0.len()];
        for (i, &p) in self.0.iter().enumerate() {
            inv[p] = i;
        }
        Permutation(inv)
    }

    /// The composition (self ∘ other)(i) = self(other(i)). Panics if the lengths differ.
    pub fn compose(&self, other: &Permutation) -> Permutation {
        assert_eq!(self.len(), other.len(), "compose: lengths differ");
        Permutation(other.0.iter().map(|&i| self.0[i]).collect())
    }
}

impl TryFrom<Vec<usize>> for Permutation {
    type Error = Error;
    fn try_from(map: Vec<usize>) -> Result<Permutation> {
        Permutation::new(map)
    }
}

impl From<Permutation> for Vec<usize> {
    fn from(p: Permutation) -> Vec<usize> {
        p.0
    }
}

/// `m` gathered on both axes: out[i, j] = m[rows(i), cols(j)] (`None` keeps an axis).
pub fn gather(m: &Matrix, rows: Option<&Permutation>, cols: Option<&Permutation>) -> Matrix {
    let row_of = |i: usize| rows.map_or(i, |p| p.get(i));
    let col_of = |j: usize| cols.map_or(j, |p| p.get(j));
    Matrix::from_fn(m.rows, m.cols, |i, j| m.get(row_of(i), col_of(j)))
}

/// The hidden-layer permutations must be one per hidden layer with the layer's width.
pub fn check_permutations(net: &Mlp, perms: &[Permutation]) -> Result<()> {
    lab::error::require(
        perms.len() == net.hidden_layers(),
        "number of permutations",
        perms.len() as f64,
        format!("one per hidden layer ({})", net.hidden_layers()),
    )?;
    for (k, p) in perms.iter().enumerate() {
        let width = net.layers[k].outputs();
        lab::error::require(
            p.len() == width,
            "permutation length",
            p.len() as f64,
            format!("the width {width} of hidden layer {}", k + 1),
        )?;
    }
    Ok(())
}

/// The network `net` with its hidden units permuted by `perms` (one per hidden layer,
/// π_1, …, π_L), with the gather convention of this module. Rows of W_ℓ, entries of b_ℓ and
/// columns of W_{ℓ+1} are all moved, so the function is unchanged.
pub fn permute(net: &Mlp, perms: &[Permutation]) -> Result<Mlp> {
    check_permutations(net, perms)?;
    let layers = net
        .layers
        .iter()
        .enumerate()
        .map(|(k, layer)| {
            let rows = perms.get(k);
            let cols = if k == 0 { None } else { perms.get(k - 1) };
            Layer {
                weight: gather(&layer.weight, rows, cols),
                bias: match rows {
                    Some(p) => (0..layer.bias.len())
                        .map(|i| layer.bias[p.get(i)])
                        .collect(),
                    None => layer.bias.clone(),
                },
            }
        })
        .collect();
    Ok(Mlp {
        layers,
        activation: net.activation,
        parameterisation: net.parameterisation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lab::seed::Seed;

    #[test]
    fn algebra_of_permutations() {
        let p = Permutation::new(vec![2, 0, 3, 1]).unwrap();
        let q = Permutation::new(vec![1, 3, 0, 2]).unwrap();
        assert!(p.compose(&p.inverse()).is_identity());
        assert!(p.inverse().compose(&p).is_identity());
        // (p ∘ q)(0) = p(q(0)) = p(1) = 0.
        assert_eq!(p.compose(&q).get(0), 0);
        assert_eq!(p.compose(&q).as_slice(), &[0, 1, 2, 3]);
        assert!(matches!(
            Permutation::new(vec![0, 2, 2]),
            Err(Error::NotPermutation {
                position: 2,
                value: 2,
                ..
            })
        ));
        assert!(Permutation::new(vec![0, 3, 1]).is_err());
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "[2,0,3,1]");
        assert!(serde_json::from_str::<Permutation>("[0,0]").is_err());
    }

    #[test]
    fn gather_follows_the_index_convention() {
        // W̃[i, j] = W[π(i), σ(j)] on a matrix whose entries encode their position.
        let m = Matrix::from_fn(3, 3, |i, j| (10 * i + j) as f64);
        let p = Permutation::new(vec![2, 0, 1]).unwrap();
        let s = Permutation::new(vec![1, 2, 0]).unwrap();
        let g = gather(&m, Some(&p), Some(&s));
        assert_eq!(g.row(0), &[21.0, 22.0, 20.0]);
        assert_eq!(g.row(1), &[1.0, 2.0, 0.0]);
        let mut rng = Seed(4).stream("t", 0);
        let r = Permutation::random(50, &mut rng);
        assert!(Permutation::new(r.as_slice().to_vec()).is_ok());
        assert!(!r.is_identity());
    }
}
