//! The reward classifier of E9: multinomial logistic regression on the 8×8 digits (pixels
//! scaled to [0, 1]), trained once on a seeded split of the real digits.
//!
//! Fitted with smartcore's `LogisticRegression` (multinomial softmax loss with an L2 penalty
//! ½α‖W‖², L-BFGS), the crate that already embeds the digits; it reaches ≈ 96% accuracy on
//! the 360 held-out digits at α = 1, well above what a reward that ranks digits by class
//! probability needs. smartcore has no `predict_proba` for this model, so the class
//! probabilities are computed here from its coefficients and intercepts (softmax,
//! max-subtracted).

use crate::error::Error;
use lab::seed::Seed;
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

/// Settings of the reward classifier.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassifierSettings {
    /// L2 penalty α (smartcore's `alpha`, on the summed loss).
    pub alpha: f64,
    /// Training digits (the rest are held out for the accuracy).
    pub train_size: usize,
    /// Seed of the train/test split (`datasets::Labeled::split`).
    pub split_seed: u64,
}

impl Default for ClassifierSettings {
    fn default() -> ClassifierSettings {
        ClassifierSettings {
            alpha: 1.0,
            train_size: 1437,
            split_seed: 0,
        }
    }
}

impl ClassifierSettings {
    /// Refuses a negative α and a training size outside 20..=1777 (both parts non-trivial).
    pub fn validate(&self) -> Result<(), Error> {
        lab::error::non_negative("classifier alpha", self.alpha)?;
        lab::error::require(
            (20..=1777).contains(&self.train_size),
            "classifier training size",
            self.train_size as f64,
            "in 20..=1777",
        )?;
        Ok(())
    }
}

/// A fitted multinomial logistic regression: p(c | x) = softmax(W x/16 + b)_c.
#[derive(Clone, Debug, PartialEq)]
pub struct Classifier {
    classes: usize,
    dim: usize,
    weights: Vec<f64>,
    bias: Vec<f64>,
    /// Accuracy on the held-out digits.
    pub test_accuracy: f64,
}

/// Pixel intensities run 0..16; features are pixels/16.
const PIXEL_SCALE: f64 = 16.0;

impl Classifier {
    /// Trains on the digits split by `settings` and measures the held-out accuracy.
    pub fn train_digits(settings: &ClassifierSettings) -> Result<Classifier, Error> {
        settings.validate()?;
        let digits = datasets::digits();
        let (train, test) = digits.split(settings.train_size, Seed(settings.split_seed));
        let x: Vec<f64> = train.x.iter().map(|v| v / PIXEL_SCALE).collect();
        let xm =
            DenseMatrix::new(train.len(), train.dim, x, false).map_err(|e| Error::Classifier {
                message: e.to_string(),
            })?;
        let y: Vec<u32> = train.labels.iter().map(|&c| c as u32).collect();
        let fitted = LogisticRegression::fit(
            &xm,
            &y,
            LogisticRegressionParameters::default().with_alpha(settings.alpha),
        )
        .map_err(|e| Error::Classifier {
            message: e.to_string(),
        })?;
        let classes = fitted.classes().len();
        let labels: Vec<u32> = fitted.classes().clone();
        if labels.iter().enumerate().any(|(i, &c)| c as usize != i) {
            return Err(Error::Classifier {
                message: "the training split does not contain every class".into(),
            });
        }
        let (coef, icpt) = (fitted.coefficients(), fitted.intercept());
        let mut weights = Vec::with_capacity(classes * train.dim);
        for c in 0..classes {
            for j in 0..train.dim {
                weights.push(*coef.get((c, j)));
            }
        }
        let bias = (0..classes).map(|c| *icpt.get((c, 0))).collect();
        let mut model = Classifier {
            classes,
            dim: train.dim,
            weights,
            bias,
            test_accuracy: f64::NAN,
        };
        let correct = (0..test.len())
            .filter(|&i| model.predict(test.row(i)) == test.labels[i])
            .count();
        model.test_accuracy = correct as f64 / test.len() as f64;
        Ok(model)
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Input dimension (64 pixels).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Class probabilities of pixel vector `x` (intensities 0..16), written to `out`.
    pub fn probabilities(&self, x: &[f64], out: &mut [f64]) {
        for (c, o) in out.iter_mut().enumerate().take(self.classes) {
            let w = &self.weights[c * self.dim..(c + 1) * self.dim];
            *o = self.bias[c]
                + w.iter()
                    .zip(x)
                    .map(|(a, b)| a * b / PIXEL_SCALE)
                    .sum::<f64>();
        }
        let max = out[..self.classes]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let mut total = 0.0;
        for v in out[..self.classes].iter_mut() {
            *v = (*v - max).exp();
            total += *v;
        }
        for v in out[..self.classes].iter_mut() {
            *v /= total;
        }
    }

    /// The most probable class of `x`.
    pub fn predict(&self, x: &[f64]) -> usize {
        let mut q = vec![0.0; self.classes];
        self.probabilities(x, &mut q);
        (0..self.classes)
            .max_by(|&a, &b| q[a].total_cmp(&q[b]))
            .unwrap_or(0)
    }
}
