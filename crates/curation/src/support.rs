//! Finite supports for the population dynamics: one reward and the probabilities p_0 and
//! p_data per atom, validated on construction, and the CSV reader for support files
//! (`reward,p0[,p_data]`).

use crate::error::Error;
use crate::numeric;
use std::io::Read;

/// Largest |Σp − 1| accepted for a probability vector given by a user.
pub const SUM_TOLERANCE: f64 = 1e-9;

/// A finite support: per atom a reward r, the initial model p_0 and the real-data law p_data.
///
/// Invariants (checked by [`Support::new`]): at least one atom, every value finite,
/// probabilities ≥ 0, each probability vector sums to 1 within [`SUM_TOLERANCE`] (and is then
/// divided by its sum, so it sums to 1 to rounding).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Support {
    reward: Vec<f64>,
    p0: Vec<f64>,
    p_data: Vec<f64>,
}

impl Support {
    /// A validated support; `p_data = None` means p_data = p_0.
    pub fn new(reward: Vec<f64>, p0: Vec<f64>, p_data: Option<Vec<f64>>) -> Result<Support, Error> {
        if reward.is_empty() {
            return Err(Error::EmptySupport);
        }
        check_finite("reward", &reward)?;
        let p0 = check_probabilities("p0", p0, reward.len())?;
        let p_data = match p_data {
            Some(p) => check_probabilities("p_data", p, reward.len())?,
            None => p0.clone(),
        };
        Ok(Support { reward, p0, p_data })
    }

    /// Number of atoms.
    pub fn len(&self) -> usize {
        self.reward.len()
    }

    /// Always false (a support has at least one atom); for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.reward.is_empty()
    }

    /// Rewards, one per atom.
    pub fn reward(&self) -> &[f64] {
        &self.reward
    }

    /// Initial model p_0.
    pub fn p0(&self) -> &[f64] {
        &self.p0
    }

    /// Real-data law p_data (= p_0 unless given).
    pub fn p_data(&self) -> &[f64] {
        &self.p_data
    }

    /// The same atoms with another reward (e.g. the same grid at another γ).
    pub fn with_reward(&self, reward: Vec<f64>) -> Result<Support, Error> {
        if reward.len() != self.len() {
            return Err(Error::LengthMismatch {
                what: "reward",
                expected: self.len(),
                found: reward.len(),
            });
        }
        check_finite("reward", &reward)?;
        Ok(Support {
            reward,
            ..self.clone()
        })
    }

    /// r* = max of r over supp p_0 (the top level reached at initialisation).
    pub fn top_reward(&self) -> f64 {
        top_reward(&self.reward, &self.p0)
    }
}

/// max of r over the atoms with p > 0 (−∞ if none).
pub fn top_reward(reward: &[f64], p: &[f64]) -> f64 {
    reward
        .iter()
        .zip(p)
        .filter(|(_, &q)| q > 0.0)
        .map(|(&r, _)| r)
        .fold(f64::NEG_INFINITY, f64::max)
}

fn check_finite(column: &'static str, xs: &[f64]) -> Result<(), Error> {
    match xs.iter().position(|x| !x.is_finite()) {
        Some(atom) => Err(Error::NonFinite {
            column,
            atom,
            value: xs[atom],
        }),
        None => Ok(()),
    }
}

/// Checks a probability vector (length, finite, ≥ 0, sum within 1e-9 of 1) and divides it by
/// its sum.
pub fn check_probabilities(
    column: &'static str,
    p: Vec<f64>,
    len: usize,
) -> Result<Vec<f64>, Error> {
    if p.len() != len {
        return Err(Error::LengthMismatch {
            what: column,
            expected: len,
            found: p.len(),
        });
    }
    check_finite(column, &p)?;
    if let Some(atom) = p.iter().position(|&x| x < 0.0) {
        return Err(Error::NegativeProbability {
            column,
            atom,
            value: p[atom],
        });
    }
    let total = numeric::sum(&p);
    if (total - 1.0).abs() > SUM_TOLERANCE {
        return Err(Error::NotNormalised {
            column,
            sum: total,
            off_by: (total - 1.0).abs(),
        });
    }
    Ok(p.into_iter().map(|x| x / total).collect())
}

/// Reads a support from CSV: a header naming `reward` and `p0` and optionally `p_data`, in any
/// order, then one row per atom. Unknown or repeated columns, ragged rows, fields that are not
/// numbers, negative/NaN/non-finite values and probabilities that do not sum to 1 within 1e-9
/// are refused with a typed [`Error`] (lines are 1-based, the header is line 1).
pub fn read_support<R: Read>(reader: R) -> Result<Support, Error> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = csv.headers().map_err(csv_error)?.clone();
    let mut cols: [Option<usize>; 3] = [None; 3];
    const NAMES: [&str; 3] = ["reward", "p0", "p_data"];
    for (i, h) in headers.iter().enumerate() {
        let Some(c) = NAMES.iter().position(|&n| n == h) else {
            return Err(Error::UnknownColumn {
                column: h.to_string(),
            });
        };
        if cols[c].is_some() {
            return Err(Error::DuplicateColumn {
                column: h.to_string(),
            });
        }
        cols[c] = Some(i);
    }
    let reward_col = cols[0].ok_or(Error::MissingColumn { column: "reward" })?;
    let p0_col = cols[1].ok_or(Error::MissingColumn { column: "p0" })?;
    let expected = headers.len();
    let (mut reward, mut p0, mut p_data) = (Vec::new(), Vec::new(), Vec::new());
    for record in csv.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != expected {
            return Err(Error::RaggedRow {
                line,
                expected,
                found: record.len(),
            });
        }
        let field = |col: usize, column: &'static str| -> Result<f64, Error> {
            let text = &record[col];
            text.parse::<f64>().map_err(|_| Error::NotANumber {
                line,
                column,
                text: text.to_string(),
            })
        };
        reward.push(field(reward_col, "reward")?);
        p0.push(field(p0_col, "p0")?);
        if let Some(c) = cols[2] {
            p_data.push(field(c, "p_data")?);
        }
    }
    Support::new(reward, p0, cols[2].map(|_| p_data))
}

fn csv_error(e: csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::Io(io),
        kind => Error::Csv {
            line,
            message: format!("{kind:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_columns_in_any_order_and_defaults_p_data() {
        let s = read_support("p0,reward\n0.5,0\n0.3,1\n0.2,2\n".as_bytes()).unwrap();
        assert_eq!(s.reward(), &[0.0, 1.0, 2.0]);
        assert_eq!(s.p0(), &[0.5, 0.3, 0.2]);
        assert_eq!(s.p_data(), s.p0());
        let s = read_support("reward,p0,p_data\n0,0.5,0.1\n1,0.5,0.9\n".as_bytes()).unwrap();
        assert_eq!(s.p_data(), &[0.1, 0.9]);
    }

    #[test]
    fn refuses_each_kind_of_bad_file_with_its_own_error() {
        let r = |t: &str| read_support(t.as_bytes()).unwrap_err();
        assert!(matches!(
            r("reward\n1\n"),
            Error::MissingColumn { column: "p0" }
        ));
        assert!(matches!(
            r("p0\n1\n"),
            Error::MissingColumn { column: "reward" }
        ));
        assert!(matches!(
            r("reward,p0,pdata\n0,1,1\n"),
            Error::UnknownColumn { .. }
        ));
        assert!(matches!(
            r("reward,p0,p0\n0,1,1\n"),
            Error::DuplicateColumn { .. }
        ));
        assert!(matches!(
            r("reward,p0\n0,0.5\n1\n"),
            Error::RaggedRow {
                line: 3,
                expected: 2,
                found: 1
            }
        ));
        assert!(matches!(
            r("reward,p0\n0,abc\n"),
            Error::NotANumber {
                line: 2,
                column: "p0",
                ..
            }
        ));
        assert!(matches!(
            r("reward,p0\n0,-0.5\n1,1.5\n"),
            Error::NegativeProbability {
                column: "p0",
                atom: 0,
                ..
            }
        ));
        assert!(matches!(
            r("reward,p0\nNaN,1\n"),
            Error::NonFinite {
                column: "reward",
                ..
            }
        ));
        assert!(matches!(
            r("reward,p0\ninf,1\n"),
            Error::NonFinite {
                column: "reward",
                ..
            }
        ));
        assert!(matches!(
            r("reward,p0\n0,NaN\n"),
            Error::NonFinite { column: "p0", .. }
        ));
        assert!(matches!(r("reward,p0\n"), Error::EmptySupport));
        match r("reward,p0\n0,0.5\n1,0.4\n") {
            Error::NotNormalised {
                column,
                sum,
                off_by,
            } => {
                assert_eq!(column, "p0");
                assert!((sum - 0.9).abs() < 1e-15 && (off_by - 0.1).abs() < 1e-15);
            }
            e => panic!("{e:?}"),
        }
        // Off by 1e-10 passes (and is renormalised); off by 2e-9 does not.
        let s = read_support("reward,p0\n0,0.5\n1,0.5000000001\n".as_bytes()).unwrap();
        assert!((s.p0().iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!(matches!(
            r("reward,p0\n0,0.5\n1,0.500000002\n"),
            Error::NotNormalised { .. }
        ));
    }
}
