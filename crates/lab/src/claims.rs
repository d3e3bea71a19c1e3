//! Claims: a paper's statements checked against measurements, each with a verdict.

use crate::table::{format_sig, Table};
use std::fmt;

/// Significant digits of the numbers in [`Claim::within`].
const DIGITS: usize = 4;

/// The outcome of checking a [`Claim`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The measurement agrees with the prediction.
    Pass,
    /// The measurement disagrees with the prediction.
    Fail,
    /// Something measured where no prediction exists.
    NoPrediction,
}

/// The kebab-case name, as serialized: `pass`, `fail`, `no-prediction`.
impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::NoPrediction => "no-prediction",
        })
    }
}

/// A statement with its prediction, measurement, tolerance and verdict, all as display text.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Claim {
    /// Short identifier, e.g. `E2.1`.
    pub id: String,
    /// What is claimed.
    pub statement: String,
    /// The predicted value, or `—` when there is none.
    pub predicted: String,
    /// The measured value.
    pub measured: String,
    /// The accepted deviation, or `—` when there is none.
    pub tolerance: String,
    /// The outcome.
    pub verdict: Verdict,
}

impl Claim {
    /// Pass when |measured − predicted| ≤ tolerance (NaN measured or predicted → Fail); numbers
    /// printed with 4 significant digits.
    pub fn within(
        id: &str,
        statement: &str,
        predicted: f64,
        measured: f64,
        tolerance: f64,
    ) -> Claim {
        Claim::checked(
            id,
            statement,
            &format_sig(predicted, DIGITS),
            &format_sig(measured, DIGITS),
            &format_sig(tolerance, DIGITS),
            (measured - predicted).abs() <= tolerance,
        )
    }

    /// A claim checked by the caller: `holds` gives the verdict; the texts are shown as given.
    pub fn checked(
        id: &str,
        statement: &str,
        predicted: &str,
        measured: &str,
        tolerance: &str,
        holds: bool,
    ) -> Claim {
        Claim {
            id: id.to_string(),
            statement: statement.to_string(),
            predicted: predicted.to_string(),
            measured: measured.to_string(),
            tolerance: tolerance.to_string(),
            verdict: if holds { Verdict::Pass } else { Verdict::Fail },
        }
    }

    /// Something measured where no prediction exists: predicted and tolerance are `—`.
    pub fn measured_only(id: &str, statement: &str, measured: &str) -> Claim {
        Claim {
            id: id.to_string(),
            statement: statement.to_string(),
            predicted: "—".to_string(),
            measured: measured.to_string(),
            tolerance: "—".to_string(),
            verdict: Verdict::NoPrediction,
        }
    }
}

/// The claims as a table with columns id, statement, predicted, measured, tolerance, verdict
/// (the verdict as its kebab-case name).
pub fn claims_table(claims: &[Claim]) -> Table {
    let mut table = Table::new([
        "id",
        "statement",
        "predicted",
        "measured",
        "tolerance",
        "verdict",
    ]);
    for c in claims {
        table.push(vec![
            c.id.as_str().into(),
            c.statement.as_str().into(),
            c.predicted.as_str().into(),
            c.measured.as_str().into(),
            c.tolerance.as_str().into(),
            c.verdict.to_string().into(),
        ]);
    }
    table
}

/// Number of failed claims.
pub fn failures(claims: &[Claim]) -> usize {
    claims.iter().filter(|c| c.verdict == Verdict::Fail).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Value;

    #[test]
    fn within_passes_at_the_boundary_and_fails_beyond_it() {
        let at = Claim::within("c1", "slope is -1", -1.0, -1.5, 0.5);
        assert_eq!(at.verdict, Verdict::Pass);
        let beyond = Claim::within("c1", "slope is -1", -1.0, -1.5 - 1e-12, 0.5);
        assert_eq!(beyond.verdict, Verdict::Fail);
        assert_eq!(
            Claim::within("c2", "s", 2.0, 2.5, 0.5).verdict,
            Verdict::Pass
        );
        assert_eq!(
            Claim::within("c2", "s", 2.0, 1.4, 0.5).verdict,
            Verdict::Fail
        );
    }

    #[test]
    fn within_fails_on_nan_and_infinite_values() {
        for (predicted, measured, tolerance) in [
            (1.0, f64::NAN, 1e9),
            (f64::NAN, 1.0, 1e9),
            (1.0, 1.0, f64::NAN),
            (f64::INFINITY, f64::INFINITY, 1.0),
            (1.0, f64::INFINITY, 1e300),
        ] {
            let claim = Claim::within("n", "s", predicted, measured, tolerance);
            assert_eq!(claim.verdict, Verdict::Fail, "{claim:?}");
        }
        assert_eq!(
            Claim::within("n", "s", 1.0, 1.0, f64::INFINITY).verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn within_prints_four_significant_digits() {
        let c = Claim::within("E2.1", "exponent", 1.0 / 3.0, 0.000123456, 2.5e-7);
        assert_eq!(c.id, "E2.1");
        assert_eq!(c.statement, "exponent");
        assert_eq!(c.predicted, "0.3333");
        assert_eq!(c.measured, "1.235e-4");
        assert_eq!(c.tolerance, "2.500e-7");
        assert_eq!(Claim::within("x", "s", f64::NAN, 1.0, 1.0).predicted, "NaN");
    }

    #[test]
    fn checked_and_measured_only_keep_their_texts() {
        let c = Claim::checked("o", "order", "a < b", "a = 1, b = 2", "exact", true);
        assert_eq!(
            (
                c.predicted.as_str(),
                c.measured.as_str(),
                c.tolerance.as_str()
            ),
            ("a < b", "a = 1, b = 2", "exact")
        );
        assert_eq!(c.verdict, Verdict::Pass);
        let c = Claim::checked("o", "order", "a < b", "a = 3, b = 2", "exact", false);
        assert_eq!(c.verdict, Verdict::Fail);
        let m = Claim::measured_only("m", "crossover time", "3.2e4");
        assert_eq!(
            (
                m.predicted.as_str(),
                m.measured.as_str(),
                m.tolerance.as_str()
            ),
            ("—", "3.2e4", "—")
        );
        assert_eq!(m.verdict, Verdict::NoPrediction);
    }

    #[test]
    fn verdict_names_match_serde() {
        for v in [Verdict::Pass, Verdict::Fail, Verdict::NoPrediction] {
            assert_eq!(serde_json::to_value(v).unwrap(), v.to_string());
        }
        assert_eq!(Verdict::NoPrediction.to_string(), "no-prediction");
        let json = serde_json::to_value(Claim::measured_only("m", "s", "1")).unwrap();
        assert_eq!(json["verdict"], "no-prediction");
        assert_eq!(json["predicted"], "—");
    }

    #[test]
    fn table_and_failures() {
        let claims = [
            Claim::within("a", "first", 1.0, 1.0, 0.0),
            Claim::within("b", "second", 1.0, 2.0, 0.5),
            Claim::measured_only("c", "third", "7"),
            Claim::checked("d", "fourth", "p", "m", "t", false),
        ];
        assert_eq!(failures(&claims), 2);
        assert_eq!(failures(&[]), 0);
        let table = claims_table(&claims);
        assert_eq!(
            table.columns,
            [
                "id",
                "statement",
                "predicted",
                "measured",
                "tolerance",
                "verdict"
            ]
        );
        assert_eq!(table.rows.len(), 4);
        let verdicts: Vec<&Value> = table.rows.iter().map(|r| &r[5]).collect();
        assert_eq!(
            verdicts,
            [
                &Value::from("pass"),
                &Value::from("fail"),
                &Value::from("no-prediction"),
                &Value::from("fail")
            ]
        );
        assert_eq!(table.rows[1][2], Value::from("1.000"));
        assert_eq!(table.rows[3][1], Value::from("fourth"));
    }
}
