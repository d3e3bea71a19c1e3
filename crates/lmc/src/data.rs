//! Data sets: inputs with optional targets, the digits split, and the generated Gaussian and
//! teacher–student data of experiments E1 and E2.

use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::mlp::{Activation, Layer, Mlp, Parameterisation};
use lab::seed::{Rng, Seed};
use rand_distr::{Distribution, StandardNormal};

/// Which data set an experiment trains on.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum DataSet {
    /// The UCI 8×8 handwritten digits (64 features scaled by 1/16, 10 classes), split
    /// 1437/360 with a fixed seed.
    Digits,
}

/// What the network is asked to predict.
#[derive(Clone, Debug, PartialEq)]
pub enum Targets {
    /// No targets: only function gaps can be measured.
    None,
    /// Class labels in 0..classes (softmax cross-entropy).
    Classes {
        /// One label per sample.
        labels: Vec<usize>,
        /// Number of classes K.
        classes: usize,
    },
    /// Real targets, one row of K values per sample (squared loss ½‖f − y‖²).
    Values(Matrix),
}

/// Inputs (one row per sample) and their targets.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// Inputs, n×d.
    pub x: Matrix,
    /// Targets of the n samples.
    pub targets: Targets,
}

impl Data {
    /// Data from inputs and targets, checked: every input finite, as many targets as samples,
    /// labels in range.
    pub fn new(x: Matrix, targets: Targets) -> Result<Data> {
        if let Some((row, col, value)) = x.first_non_finite() {
            return Err(Error::NonFiniteData { row, col, value });
        }
        match &targets {
            Targets::None => {}
            Targets::Classes { labels, classes } => {
                if labels.len() != x.rows {
                    return Err(Error::LabelCount {
                        expected: x.rows,
                        got: labels.len(),
                    });
                }
                if let Some(index) = labels.iter().position(|&l| l >= *classes) {
                    return Err(Error::LabelOutOfRange {
                        index,
                        value: labels[index] as i64,
                        classes: *classes,
                    });
                }
            }
            Targets::Values(y) => {
                if y.rows != x.rows {
                    return Err(Error::LabelCount {
                        expected: x.rows,
                        got: y.rows,
                    });
                }
                if let Some((row, col, value)) = y.first_non_finite() {
                    return Err(Error::NonFiniteData { row, col, value });
                }
            }
        }
        Ok(Data { x, targets })
    }

    /// Number of samples n.
    pub fn len(&self) -> usize {
        self.x.rows
    }

    /// Whether n = 0.
    pub fn is_empty(&self) -> bool {
        self.x.rows == 0
    }

    /// Features per sample d.
    pub fn dim(&self) -> usize {
        self.x.cols
    }

    /// Whether losses can be computed (targets present).
    pub fn has_targets(&self) -> bool {
        !matches!(self.targets, Targets::None)
    }

    /// The samples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Data {
        let targets = match &self.targets {
            Targets::None => Targets::None,
            Targets::Classes { labels, classes } => Targets::Classes {
                labels: indices.iter().map(|&i| labels[i]).collect(),
                classes: *classes,
            },
            Targets::Values(y) => Targets::Values(y.select_rows(indices)),
        };
        Data {
            x: self.x.select_rows(indices),
            targets,
        }
    }

    /// Checks that `net` can read these data: the input width is the first layer's, and
    /// labels (if any) are below the output width.
    pub fn check_against(&self, net: &Mlp) -> Result<()> {
        if self.dim() != net.input_dim() {
            return Err(Error::DataWidth {
                expected: net.input_dim(),
                got: self.dim(),
            });
        }
        match &self.targets {
            Targets::Classes { labels, .. } => {
                if let Some(index) = labels.iter().position(|&l| l >= net.output_dim()) {
                    return Err(Error::LabelOutOfRange {
                        index,
                        value: labels[index] as i64,
                        classes: net.output_dim(),
                    });
                }
            }
            Targets::Values(y) => {
                lab::error::require(
                    y.cols == net.output_dim(),
                    "target width",
                    y.cols as f64,
                    format!("the network's output width {}", net.output_dim()),
                )?;
            }
            Targets::None => {}
        }
        Ok(())
    }
}

/// Number of digits images in the training part of the split.
pub const DIGITS_TRAIN: usize = 1437;

/// The seed of the digits split (fixed, so every experiment sees the same 1437/360 split).
pub const DIGITS_SPLIT_SEED: u64 = 0;

/// The digits as (train, test): pixels/16 (inputs in [0, 1], no centring, as the official
/// code's pixel/255), labels 0–9, split 1437/360 by `datasets`' seeded split with seed
/// [`DIGITS_SPLIT_SEED`].
pub fn digits() -> (Data, Data) {
    let (train, test) = datasets::digits().split(DIGITS_TRAIN, Seed(DIGITS_SPLIT_SEED));
    let convert = |d: datasets::Labeled| Data {
        x: Matrix::from_vec(d.len(), d.dim, d.x.iter().map(|v| v / 16.0).collect()),
        targets: Targets::Classes {
            labels: d.labels,
            classes: d.classes,
        },
    };
    (convert(train), convert(test))
}

/// One N(0, 1) draw from `rng`.
pub(crate) fn normal(rng: &mut Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// n i.i.d. rows of N(0, I_dim) drawn from `rng`.
pub fn gaussian(n: usize, dim: usize, rng: &mut Rng) -> Matrix {
    Matrix::from_fn(n, dim, |_, _| StandardNormal.sample(rng))
}

/// A d×k matrix with orthonormal columns (modified Gram–Schmidt on a Gaussian matrix drawn
/// from `rng`). Requires 1 ≤ k ≤ d.
pub fn orthonormal_columns(d: usize, k: usize, rng: &mut Rng) -> Result<Matrix> {
    lab::error::require(
        k >= 1 && k <= d,
        "k",
        k as f64,
        format!("in 1..={d} (the ambient dimension d)"),
    )?;
    // Work on columns as rows of a k×d matrix, then transpose.
    let mut q = gaussian(k, d, rng);
    for i in 0..k {
        for j in 0..i {
            let dot: f64 = q.row(i).iter().zip(q.row(j)).map(|(a, b)| a * b).sum();
            let qj = q.row(j).to_vec();
            q.row_mut(i)
                .iter_mut()
                .zip(&qj)
                .for_each(|(a, b)| *a -= dot * b);
        }
        let norm = q.row(i).iter().map(|a| a * a).sum::<f64>().sqrt();
        q.row_mut(i).iter_mut().for_each(|a| *a /= norm);
    }
    Ok(q.transpose())
}

/// The teacher–student problem of E2: x = Uz with z ~ N(0, I_k) and U (d×k) orthonormal,
/// y = teacher(z), a two-layer tanh network of `teacher_width` units acting on z.
#[derive(Clone, Debug)]
pub struct TeacherStudent {
    /// U, d×k with orthonormal columns.
    pub u: Matrix,
    /// The teacher: z ↦ Σ_j a_j tanh(w_jᵀz + b_j), w_j ~ N(0, I_k/k), b_j ~ N(0, 1/4),
    /// a_j ~ N(0, 1/teacher_width) (so the output has variance O(1) for every k).
    pub teacher: Mlp,
}

impl TeacherStudent {
    /// Draws U and the teacher from `rng`.
    pub fn new(d: usize, k: usize, teacher_width: usize, rng: &mut Rng) -> Result<TeacherStudent> {
        lab::error::require(
            teacher_width >= 1,
            "teacher width",
            teacher_width as f64,
            "at least 1",
        )?;
        let u = orthonormal_columns(d, k, rng)?;
        let scale_w = (1.0 / k as f64).sqrt();
        let w = Matrix::from_fn(teacher_width, k, |_, _| scale_w * crate::data::normal(rng));
        let b = (0..teacher_width)
            .map(|_| 0.5 * crate::data::normal(rng))
            .collect();
        let scale_a = (1.0 / teacher_width as f64).sqrt();
        let a = Matrix::from_fn(1, teacher_width, |_, _| scale_a * crate::data::normal(rng));
        let teacher = Mlp::new(
            vec![
                Layer { weight: w, bias: b },
                Layer {
                    weight: a,
                    bias: vec![0.0],
                },
            ],
            Activation::Tanh,
            Parameterisation::Standard,
        )?;
        Ok(TeacherStudent { u, teacher })
    }

    /// n samples (x = Uz, y = teacher(z)) drawn from `rng`.
    pub fn sample(&self, n: usize, rng: &mut Rng) -> Data {
        let z = gaussian(n, self.u.cols, rng);
        let x = z.matmul_t(&self.u);
        let y = self.teacher.forward(&z);
        Data {
            x,
            targets: Targets::Values(y),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_split_and_scaling() {
        let (train, test) = digits();
        assert_eq!((train.len(), test.len(), train.dim()), (1437, 360, 64));
        assert!(train.x.data.iter().all(|&v| (0.0..=1.0).contains(&v)));
        assert!(matches!(
            train.targets,
            Targets::Classes { classes: 10, .. }
        ));
    }

    #[test]
    fn teacher_student_inputs_lie_in_the_subspace() {
        let mut rng = Seed(2).stream("t", 0);
        let ts = TeacherStudent::new(16, 3, 8, &mut rng).unwrap();
        // UᵀU = I_k.
        let utu = ts.u.t_matmul(&ts.u);
        for i in 0..3 {
            for j in 0..3 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((utu.get(i, j) - want).abs() < 1e-12);
            }
        }
        // x = U Uᵀ x for every sample: the data lie in span(U).
        let data = ts.sample(50, &mut rng);
        let proj = data.x.matmul(&ts.u).matmul_t(&ts.u);
        assert!(proj
            .data
            .iter()
            .zip(&data.x.data)
            .all(|(p, x)| (p - x).abs() < 1e-12));
        assert!(orthonormal_columns(4, 5, &mut rng).is_err());
    }

    #[test]
    fn bad_data_are_refused() {
        let x = Matrix::from_vec(2, 2, vec![0.0, 1.0, f64::INFINITY, 0.0]);
        assert!(matches!(
            Data::new(x, Targets::None),
            Err(Error::NonFiniteData { row: 1, col: 0, .. })
        ));
        let x = Matrix::zeros(3, 2);
        assert!(matches!(
            Data::new(
                x.clone(),
                Targets::Classes {
                    labels: vec![0, 1],
                    classes: 2
                }
            ),
            Err(Error::LabelCount {
                expected: 3,
                got: 2
            })
        ));
        assert!(matches!(
            Data::new(
                x,
                Targets::Classes {
                    labels: vec![0, 1, 5],
                    classes: 2
                }
            ),
            Err(Error::LabelOutOfRange {
                index: 2,
                value: 5,
                classes: 2
            })
        ));
    }
}
