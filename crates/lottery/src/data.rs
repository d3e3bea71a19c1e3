//! Synthetic data sets the crate generates itself (spec §5; no download). Every input is scaled
//! to Euclidean norm 1 over all its fields (the zero input stays zero): bias-free ReLU networks
//! are positively homogeneous, so this changes no prediction, and it puts every test input in
//! the unit ball where the tolerance theorem of spec 4.4 is stated.

use crate::network::norm;
use lab::seed::Rng;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

/// Inputs (flattened fields) with class labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// One vector of C·D entries per example, norm 1 (or 0).
    pub inputs: Vec<Vec<f64>>,
    /// Class of each example.
    pub labels: Vec<usize>,
    /// Number of classes.
    pub classes: usize,
}

impl Dataset {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.inputs.len()
    }

    /// Whether there is no example.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }
}

/// Scale `x` to norm 1 (leave 0 alone).
pub fn normalise(mut x: Vec<f64>) -> Vec<f64> {
    let n = norm(&x);
    if n > 0.0 {
        for v in &mut x {
            *v /= n;
        }
    }
    x
}

fn gauss(rng: &mut Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// MLP task: x ~ N(0, I_8); class 1 iff x_0·x_1 > 0 (an XOR of signs, which a bias-free ReLU
/// network represents as |x_0 + x_1| − |x_0 − x_1|).
pub fn xor_signs(n: usize, rng: &mut Rng) -> Dataset {
    let mut inputs = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let x: Vec<f64> = (0..8).map(|_| gauss(rng)).collect();
        labels.push(usize::from(x[0] * x[1] > 0.0));
        inputs.push(normalise(x));
    }
    Dataset {
        inputs,
        labels,
        classes: 2,
    }
}

/// T1 task: sets of 8 points in R² drawn from a centred Gaussian elongated along the first
/// axis (class 0) or the second (class 1), with axis ratio e^u, u ~ U[0.3, 1]: is the set
/// spread more horizontally or vertically? Invariant to permuting the points, and non-linear
/// (mean absolute deviations, |u| = σ(u) + σ(−u)). Field 0 holds the 8 first coordinates,
/// field 1 the 8 second coordinates.
pub fn elongated_sets(n: usize, rng: &mut Rng) -> Dataset {
    let mut inputs = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let class = rng.random_range(0..2usize);
        let u = 0.3 + 0.7 * rng.random::<f64>();
        let (major, minor) = ((u / 2.0).exp(), (-u / 2.0).exp());
        let (sx, sy) = if class == 0 {
            (major, minor)
        } else {
            (minor, major)
        };
        let mut x = vec![0.0; 16];
        for p in 0..8 {
            x[p] = sx * gauss(rng);
            x[8 + p] = sy * gauss(rng);
        }
        labels.push(class);
        inputs.push(normalise(x));
    }
    Dataset {
        inputs,
        labels,
        classes: 2,
    }
}

/// T2 task: Erdős–Rényi graphs G(5, q), q ~ U[0.2, 0.8], as a symmetric 5×5 adjacency with zero
/// diagonal (one order-2 field); class 1 iff the graph contains a triangle.
pub fn triangles(n: usize, rng: &mut Rng) -> Dataset {
    let m = 5;
    let mut inputs = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let q = 0.2 + 0.6 * rng.random::<f64>();
        let mut a = vec![0.0; m * m];
        for i in 0..m {
            for j in i + 1..m {
                if rng.random::<f64>() < q {
                    a[i * m + j] = 1.0;
                    a[j * m + i] = 1.0;
                }
            }
        }
        let mut triangle = false;
        for i in 0..m {
            for j in i + 1..m {
                for k in j + 1..m {
                    triangle |= a[i * m + j] * a[j * m + k] * a[i * m + k] > 0.0;
                }
            }
        }
        labels.push(usize::from(triangle));
        inputs.push(normalise(a));
    }
    Dataset {
        inputs,
        labels,
        classes: 2,
    }
}

/// The four tetrominoes of T3 (cells (row, column)): I, O, T, L.
pub const TETROMINOES: [[(i32, i32); 4]; 4] = [
    [(0, 0), (0, 1), (0, 2), (0, 3)],
    [(0, 0), (0, 1), (1, 0), (1, 1)],
    [(0, 0), (0, 1), (0, 2), (1, 1)],
    [(0, 0), (1, 0), (2, 0), (2, 1)],
];

/// T3 task: one tetromino (class = shape) turned by a random multiple of 90° and placed at a
/// random position on an 8×8 image, pixels 1 on the shape, N(0, 0.1²) noise everywhere.
pub fn tetrominoes(n: usize, rng: &mut Rng) -> Dataset {
    let side = 8i32;
    let mut inputs = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let class = rng.random_range(0..4usize);
        let turns = rng.random_range(0..4usize);
        let mut cells: Vec<(i32, i32)> = TETROMINOES[class].to_vec();
        for _ in 0..turns {
            for c in &mut cells {
                *c = (c.1, -c.0);
            }
        }
        let (r0, c0) = (
            cells.iter().map(|c| c.0).min().unwrap(),
            cells.iter().map(|c| c.1).min().unwrap(),
        );
        let (h, w) = (
            cells.iter().map(|c| c.0).max().unwrap() - r0 + 1,
            cells.iter().map(|c| c.1).max().unwrap() - c0 + 1,
        );
        let (dr, dc) = (
            rng.random_range(0..=side - h) - r0,
            rng.random_range(0..=side - w) - c0,
        );
        let mut x: Vec<f64> = (0..side * side).map(|_| 0.1 * gauss(rng)).collect();
        for (r, c) in cells {
            x[((r + dr) * side + c + dc) as usize] += 1.0;
        }
        labels.push(class);
        inputs.push(normalise(x));
    }
    Dataset {
        inputs,
        labels,
        classes: 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lab::seed::Seed;

    #[test]
    fn data_sets_are_normalised_and_balanced() {
        let mut rng = Seed(2).stream("test.data", 0);
        for data in [
            xor_signs(400, &mut rng),
            elongated_sets(400, &mut rng),
            triangles(400, &mut rng),
            tetrominoes(400, &mut rng),
        ] {
            for x in &data.inputs {
                let n = norm(x);
                assert!(n == 0.0 || (n - 1.0).abs() < 1e-12);
            }
            // Every class occurs at least 10% of the time.
            for c in 0..data.classes {
                let count = data.labels.iter().filter(|&&l| l == c).count();
                assert!(count * 10 >= data.len(), "class {c}: {count}");
            }
        }
        // Triangle labels against an independent count through the trace of A³.
        let d = triangles(200, &mut rng);
        for (x, &l) in d.inputs.iter().zip(&d.labels) {
            let a: Vec<f64> = x.iter().map(|v| f64::from(u8::from(*v > 0.0))).collect();
            let mut trace = 0.0;
            for i in 0..5 {
                for j in 0..5 {
                    for k in 0..5 {
                        trace += a[i * 5 + j] * a[j * 5 + k] * a[k * 5 + i];
                    }
                }
            }
            assert_eq!(l, usize::from(trace > 0.0));
        }
    }
}
