//! Losses on logits: mean softmax cross-entropy on class labels, mean ½‖f − y‖² on real
//! targets, the accuracy, and the gradient with respect to the logits.

use crate::data::Targets;
use crate::matrix::Matrix;

/// Mean loss of `logits` (n×K) against `targets`; `None` without targets. Cross-entropy uses
/// a max-shifted log-sum-exp per row.
pub fn mean_loss(logits: &Matrix, targets: &Targets) -> Option<f64> {
    let n = logits.rows as f64;
    match targets {
        Targets::None => None,
        Targets::Classes { labels, .. } => Some(
            labels
                .iter()
                .enumerate()
                .map(|(i, &y)| log_sum_exp(logits.row(i)) - logits.get(i, y))
                .sum::<f64>()
                / n,
        ),
        Targets::Values(y) => Some(
            0.5 * logits
                .data
                .iter()
                .zip(&y.data)
                .map(|(f, t)| (f - t) * (f - t))
                .sum::<f64>()
                / n,
        ),
    }
}

/// Fraction of rows whose largest logit is the label (first maximum on ties); `None` unless
/// the targets are classes.
pub fn accuracy(logits: &Matrix, targets: &Targets) -> Option<f64> {
    match targets {
        Targets::Classes { labels, .. } => Some(
            labels
                .iter()
                .enumerate()
                .filter(|&(i, &y)| argmax(logits.row(i)) == y)
                .count() as f64
                / logits.rows as f64,
        ),
        _ => None,
    }
}

/// The gradient of the mean loss over the rows `rows` of the batch with respect to the
/// logits: (softmax − one-hot)/n for cross-entropy, (f − y)/n for the squared loss.
/// `targets_rows` are the dataset indices of the batch rows. Panics without targets.
pub fn logits_gradient(logits: &Matrix, targets: &Targets, targets_rows: &[usize]) -> Matrix {
    let n = logits.rows as f64;
    let mut g = logits.clone();
    match targets {
        Targets::Classes { labels, .. } => {
            for (r, &idx) in targets_rows.iter().enumerate() {
                let row = g.row_mut(r);
                let lse = log_sum_exp(row);
                row.iter_mut().for_each(|v| *v = (*v - lse).exp() / n);
                row[labels[idx]] -= 1.0 / n;
            }
        }
        Targets::Values(y) => {
            for (r, &idx) in targets_rows.iter().enumerate() {
                g.row_mut(r)
                    .iter_mut()
                    .zip(y.row(idx))
                    .for_each(|(v, t)| *v = (*v - t) / n);
            }
        }
        Targets::None => panic!("logits_gradient: no targets"),
    }
    g
}

/// log Σ_j exp(v_j), shifted by the maximum.
pub fn log_sum_exp(v: &[f64]) -> f64 {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + v.iter().map(|x| (x - max).exp()).sum::<f64>().ln()
}

fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (j, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = j;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losses_match_hand_values() {
        // Logits (0, ln 3) with label 1: p = 3/4, loss ln(4/3); label 0: ln 4.
        let logits = Matrix::from_vec(2, 2, vec![0.0, 3f64.ln(), 0.0, 3f64.ln()]);
        let t = Targets::Classes {
            labels: vec![1, 0],
            classes: 2,
        };
        let want = ((4.0f64 / 3.0).ln() + 4f64.ln()) / 2.0;
        assert!((mean_loss(&logits, &t).unwrap() - want).abs() < 1e-15);
        assert_eq!(accuracy(&logits, &t), Some(0.5));
        // Gradient: (p − onehot)/n.
        let g = logits_gradient(&logits, &t, &[0, 1]);
        assert!((g.get(0, 0) - 0.25 / 2.0).abs() < 1e-15);
        assert!((g.get(0, 1) - (0.75 - 1.0) / 2.0).abs() < 1e-15);
        assert!((g.get(1, 0) - (0.25 - 1.0) / 2.0).abs() < 1e-15);
        let y = Targets::Values(Matrix::from_vec(2, 1, vec![1.0, -1.0]));
        let f = Matrix::from_vec(2, 1, vec![2.0, 1.0]);
        assert_eq!(mean_loss(&f, &y), Some(0.5 * (1.0 + 4.0) / 2.0));
        assert_eq!(logits_gradient(&f, &y, &[0, 1]).data, vec![0.5, 1.0]);
        assert_eq!(mean_loss(&f, &Targets::None), None);
    }
}
