//! Data sets shared by the theorylab systems, embedded in a registry crate or generated, never
//! downloaded at run time and never committed.
//!
//! - [`digits`]: the UCI optical-recognition handwritten digits, 1,797 images of 8×8 pixels with
//!   integer intensities 0–16 and labels 0–9 (the copy scikit-learn ships as `load_digits`), as
//!   embedded by the `smartcore` crate (feature `datasets`). It stands in for MNIST, which no
//!   registry package embeds.
//! - [`Labeled::split`]: a seeded train/test split (a uniformly random permutation from a
//!   [`lab::seed`] stream), so every system splits the same way for the same seed.
//!
//! ```
//! let digits = datasets::digits();
//! assert_eq!((digits.len(), digits.dim, digits.classes), (1797, 64, 10));
//! let (train, test) = digits.split(1437, lab::seed::Seed(0));
//! assert_eq!((train.len(), test.len()), (1437, 360));
//! ```
#![deny(missing_docs)]

use lab::seed::Seed;
use rand::seq::SliceRandom;

/// A labelled data set: `len()` points of `dim` features, row-major, each with a class label.
#[derive(Clone, Debug, PartialEq)]
pub struct Labeled {
    /// Features, row-major: point i is `x[i * dim..(i + 1) * dim]`.
    pub x: Vec<f64>,
    /// Features per point.
    pub dim: usize,
    /// Class of each point, in `0..classes`.
    pub labels: Vec<usize>,
    /// Number of classes.
    pub classes: usize,
}

impl Labeled {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The features of point `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.dim..(i + 1) * self.dim]
    }

    /// The points at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Labeled {
        Labeled {
            x: indices.iter().flat_map(|&i| self.row(i)).copied().collect(),
            dim: self.dim,
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            classes: self.classes,
        }
    }

    /// A random split into `n_train` training points and the rest, from the stream
    /// (`datasets.split`, 0) of `seed`: the points are permuted uniformly at random and the
    /// first `n_train` are the training set. Panics if `n_train > len()` (a programming error).
    pub fn split(&self, n_train: usize, seed: Seed) -> (Labeled, Labeled) {
        assert!(n_train <= self.len(), "split: n_train > number of points");
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(&mut seed.stream("datasets.split", 0));
        (
            self.select(&order[..n_train]),
            self.select(&order[n_train..]),
        )
    }
}

/// The 1,797 handwritten digits, 8×8 pixels with intensities 0–16 (row by row), labels 0–9,
/// in the order of the UCI test set.
pub fn digits() -> Labeled {
    let d = smartcore::dataset::digits::load_dataset();
    Labeled {
        x: d.data.iter().map(|&v| f64::from(v)).collect(),
        dim: d.num_features,
        labels: d.target.iter().map(|&c| c as usize).collect(),
        classes: 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_have_the_uci_shape_and_statistics() {
        let d = digits();
        assert_eq!((d.len(), d.dim, d.x.len()), (1797, 64, 1797 * 64));
        assert!(d
            .x
            .iter()
            .all(|&v| v == v.round() && (0.0..=16.0).contains(&v)));
        // Class counts of the UCI test set (scikit-learn's load_digits): 178, 182, 177, 183,
        // 181, 182, 181, 179, 174, 180.
        let mut counts = [0usize; 10];
        for &c in &d.labels {
            counts[c] += 1;
        }
        assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
        // The first image is a 0 whose first row is 0 0 5 13 9 1 0 0.
        assert_eq!(d.labels[0], 0);
        assert_eq!(&d.row(0)[..8], &[0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn split_is_a_seeded_partition() {
        let d = digits();
        let (a, b) = d.split(1437, Seed(0));
        assert_eq!((a.len(), b.len()), (1437, 360));
        assert_eq!(d.split(1437, Seed(0)), (a.clone(), b.clone()));
        assert_ne!(d.split(1437, Seed(1)).0, a);
        // Every image appears exactly once across the two parts.
        let mut all: Vec<(Vec<u64>, usize)> = (0..d.len())
            .map(|i| (d.row(i).iter().map(|v| v.to_bits()).collect(), d.labels[i]))
            .collect();
        let mut parts: Vec<(Vec<u64>, usize)> = [&a, &b]
            .iter()
            .flat_map(|p| {
                (0..p.len()).map(|i| (p.row(i).iter().map(|v| v.to_bits()).collect(), p.labels[i]))
            })
            .collect();
        all.sort();
        parts.sort();
        assert_eq!(all, parts);
    }
}
