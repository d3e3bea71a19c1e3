//! Claims: a paper's statements checked against measurements.
//!
//! A [`Claim`] holds numbers, not text: a prediction with its tolerance, a bound, an ordering
//! with its operands, the claims it rests on ([`Check`]). Its [`Verdict`] comes from comparing
//! those numbers, and its display (the predicted, measured and tolerance columns) is formatted
//! once, here. A claim also says whose it is ([`Origin`]: the paper's, or a check this project
//! derived) and whether it was checked in the paper's setting or in a stand-in ([`Setting`]:
//! reduced scale, synthetic data), so a report never counts a stand-in verdict as the paper's.

use crate::table::{format_sig, Table};
use serde::Serialize;
use std::fmt;

/// Significant digits of the numbers in a claim's display.
const DIGITS: usize = 4;

/// The outcome of checking a [`Claim`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
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

/// A named number: one operand of an ordering, one measured value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Operand {
    /// What the value is (e.g. `DANA-decaying η`).
    pub label: String,
    /// The value (NaN when it could not be measured: the check then fails).
    pub value: f64,
}

impl Operand {
    /// `label` = `value`.
    pub fn new(label: impl Into<String>, value: f64) -> Operand {
        Operand {
            label: label.into(),
            value,
        }
    }
}

/// A yes/no property with the answer expected and the one observed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fact {
    /// The property (e.g. `SGD flagged unstable`).
    pub label: String,
    /// The answer the prediction requires.
    pub expected: bool,
    /// The answer measured.
    pub observed: bool,
}

/// What a claim compares, with every number it compares.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Check {
    /// |measured − predicted| ≤ tolerance.
    Within {
        /// The predicted value.
        predicted: f64,
        /// The measured value.
        measured: f64,
        /// The accepted deviation.
        tolerance: f64,
    },
    /// measured ≤ bound.
    AtMost {
        /// What is measured.
        measured: Operand,
        /// The largest accepted value.
        bound: f64,
    },
    /// measured ≥ bound.
    AtLeast {
        /// What is measured.
        measured: Operand,
        /// The smallest accepted value.
        bound: f64,
    },
    /// The operands strictly decrease in the order given: first > second > ….
    Decreasing {
        /// The values, largest predicted first.
        operands: Vec<Operand>,
    },
    /// Every fact has its expected answer.
    Facts {
        /// The properties checked.
        facts: Vec<Fact>,
    },
    /// Rests on other claims: holds when every one of them passes.
    RestsOn {
        /// The claims and their verdicts.
        claims: Vec<(String, Verdict)>,
    },
    /// Every part holds (a conjunction of checks, each with a label).
    All {
        /// The parts.
        parts: Vec<(String, Check)>,
    },
    /// At least `at_least` of the parts hold.
    AtLeastCount {
        /// How many parts must hold.
        at_least: usize,
        /// The parts.
        parts: Vec<(String, Check)>,
    },
    /// Values measured where no prediction exists; `reference` gives values shown for
    /// comparison without a verdict (e.g. derived, untested formulas).
    Measured {
        /// The measurements.
        values: Vec<Operand>,
        /// Values for comparison, not checked.
        reference: Vec<Operand>,
    },
}

impl Check {
    /// Whether the check holds; `None` for [`Check::Measured`]. Non-finite numbers never hold.
    pub fn holds(&self) -> Option<bool> {
        Some(match self {
            Check::Within {
                predicted,
                measured,
                tolerance,
            } => (measured - predicted).abs() <= *tolerance,
            Check::AtMost { measured, bound } => measured.value <= *bound,
            Check::AtLeast { measured, bound } => measured.value >= *bound,
            Check::Decreasing { operands } => {
                operands.len() >= 2
                    && operands.windows(2).all(|w| w[0].value > w[1].value)
                    && operands.iter().all(|o| o.value.is_finite())
            }
            Check::Facts { facts } => facts.iter().all(|f| f.expected == f.observed),
            Check::RestsOn { claims } => {
                !claims.is_empty() && claims.iter().all(|(_, v)| *v == Verdict::Pass)
            }
            Check::All { parts } => {
                !parts.is_empty() && parts.iter().all(|(_, c)| c.holds() == Some(true))
            }
            Check::AtLeastCount { at_least, parts } => {
                parts
                    .iter()
                    .filter(|(_, c)| c.holds() == Some(true))
                    .count()
                    >= *at_least
            }
            Check::Measured { .. } => return None,
        })
    }

    /// The predicted column.
    fn predicted(&self) -> String {
        match self {
            Check::Within { predicted, .. } => num(*predicted),
            Check::AtMost { bound, .. } => format!("≤ {}", num(*bound)),
            Check::AtLeast { bound, .. } => format!("≥ {}", num(*bound)),
            Check::Decreasing { operands } => operands
                .iter()
                .map(|o| o.label.as_str())
                .collect::<Vec<_>>()
                .join(" > "),
            Check::Facts { facts } => facts
                .iter()
                .map(|f| fact(&f.label, f.expected))
                .collect::<Vec<_>>()
                .join(", "),
            Check::RestsOn { claims } => {
                let ids: Vec<&str> = claims.iter().map(|(id, _)| id.as_str()).collect();
                format!("every one passes: {}", ids.join(", "))
            }
            Check::All { parts } => labelled(parts, Check::predicted),
            Check::AtLeastCount { at_least, parts } => {
                format!(
                    "at least {at_least} of {}: {}",
                    parts.len(),
                    labelled(parts, Check::predicted)
                )
            }
            Check::Measured { reference, .. } if reference.is_empty() => "—".into(),
            Check::Measured { reference, .. } => format!("{} (no verdict)", operands(reference)),
        }
    }

    /// The measured column.
    fn measured(&self) -> String {
        match self {
            Check::Within { measured, .. } => num(*measured),
            Check::AtMost { measured, .. } | Check::AtLeast { measured, .. } => {
                operands(std::slice::from_ref(measured))
            }
            Check::Decreasing { operands } => operands
                .iter()
                .map(|o| num(o.value))
                .collect::<Vec<_>>()
                .join(" > "),
            Check::Facts { facts } => facts
                .iter()
                .map(|f| fact(&f.label, f.observed))
                .collect::<Vec<_>>()
                .join(", "),
            Check::RestsOn { claims } => {
                let passed = claims.iter().filter(|(_, v)| *v == Verdict::Pass).count();
                format!("{passed} of {} pass", claims.len())
            }
            Check::All { parts } => labelled(parts, Check::measured),
            Check::AtLeastCount { parts, .. } => {
                let held = parts
                    .iter()
                    .filter(|(_, c)| c.holds() == Some(true))
                    .count();
                format!("{held} hold: {}", labelled(parts, Check::measured))
            }
            Check::Measured { values, .. } => operands(values),
        }
    }

    /// The tolerance column.
    fn tolerance(&self) -> String {
        match self {
            Check::Within { tolerance, .. } => num(*tolerance),
            Check::Decreasing { .. } => "ordering".into(),
            Check::All { parts } | Check::AtLeastCount { parts, .. } => {
                let mut kinds: Vec<String> = parts.iter().map(|(_, c)| c.tolerance()).collect();
                kinds.dedup();
                kinds.join("; ")
            }
            _ => "—".into(),
        }
    }
}

/// A number with [`DIGITS`] significant digits.
fn num(x: f64) -> String {
    format_sig(x, DIGITS)
}

/// `label = value; …`.
fn operands(values: &[Operand]) -> String {
    values
        .iter()
        .map(|o| {
            if o.label.is_empty() {
                num(o.value)
            } else {
                format!("{} = {}", o.label, num(o.value))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `label` or `not label`.
fn fact(label: &str, yes: bool) -> String {
    if yes {
        label.to_string()
    } else {
        format!("not {label}")
    }
}

/// Each part's column, prefixed by its label: `label: text; …`.
fn labelled(parts: &[(String, Check)], column: fn(&Check) -> String) -> String {
    parts
        .iter()
        .map(|(label, c)| format!("{label}: {}", column(c)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whose claim it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// A statement of the paper.
    Paper,
    /// A check this project derived from the paper's theory or its spec (a formula, an
    /// identity, a property of the method).
    #[default]
    Derived,
}

/// Where a claim was checked: the paper's own setting, or a stand-in for it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Setting {
    /// The setting the claim is about (for a derived check: the one it was derived for).
    #[default]
    Paper,
    /// A stand-in: reduced scale, synthetic data, a smaller model.
    StandIn {
        /// What was run (e.g. `synthetic Zipf corpus, 300 steps`).
        used: String,
        /// What the paper ran (e.g. `lm1b, 10⁵ steps`).
        paper: String,
    },
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setting::Paper => f.write_str("paper"),
            Setting::StandIn { used, paper } => write!(f, "stand-in: {used} (paper: {paper})"),
        }
    }
}

/// A statement with the check that decides it.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    /// Short identifier, unique within a run (e.g. `E4-sgd-η (α, β) = (1, 0.3)`).
    pub id: String,
    /// What is claimed, in plain words.
    pub statement: String,
    /// The paper's statement or a derived check.
    pub origin: Origin,
    /// The paper's setting or a stand-in.
    pub setting: Setting,
    /// The numbers and how they are compared.
    pub check: Check,
}

impl Claim {
    /// A derived check in the paper's setting.
    pub fn new(id: impl Into<String>, statement: impl Into<String>, check: Check) -> Claim {
        Claim {
            id: id.into(),
            statement: statement.into(),
            origin: Origin::Derived,
            setting: Setting::Paper,
            check,
        }
    }

    /// |measured − predicted| ≤ tolerance.
    pub fn within(
        id: impl Into<String>,
        statement: impl Into<String>,
        predicted: f64,
        measured: f64,
        tolerance: f64,
    ) -> Claim {
        Claim::new(
            id,
            statement,
            Check::Within {
                predicted,
                measured,
                tolerance,
            },
        )
    }

    /// Measured values without a prediction.
    pub fn measured(
        id: impl Into<String>,
        statement: impl Into<String>,
        values: Vec<Operand>,
    ) -> Claim {
        Claim::new(
            id,
            statement,
            Check::Measured {
                values,
                reference: Vec::new(),
            },
        )
    }

    /// The same claim marked as the paper's statement.
    pub fn paper(mut self) -> Claim {
        self.origin = Origin::Paper;
        self
    }

    /// The same claim checked in a stand-in setting: `used` instead of the paper's `paper`.
    pub fn stand_in(mut self, used: impl Into<String>, paper: impl Into<String>) -> Claim {
        self.setting = Setting::StandIn {
            used: used.into(),
            paper: paper.into(),
        };
        self
    }

    /// The verdict, from the check.
    pub fn verdict(&self) -> Verdict {
        match self.check.holds() {
            None => Verdict::NoPrediction,
            Some(true) => Verdict::Pass,
            Some(false) => Verdict::Fail,
        }
    }

    /// The predicted column (`—` without a prediction).
    pub fn predicted(&self) -> String {
        self.check.predicted()
    }

    /// The measured column.
    pub fn measured_text(&self) -> String {
        self.check.measured()
    }

    /// The tolerance column (`—` where none applies).
    pub fn tolerance(&self) -> String {
        self.check.tolerance()
    }
}

/// claims.json: the numbers (`check`), the display columns, the setting and the verdict.
impl Serialize for Claim {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Claim", 9)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("statement", &self.statement)?;
        st.serialize_field("origin", &self.origin)?;
        st.serialize_field("setting", &self.setting)?;
        st.serialize_field("predicted", &self.predicted())?;
        st.serialize_field("measured", &self.measured_text())?;
        st.serialize_field("tolerance", &self.tolerance())?;
        st.serialize_field("verdict", &self.verdict())?;
        st.serialize_field("check", &self.check)?;
        st.end()
    }
}

/// Counts of verdicts, the paper-setting claims apart from the stand-in ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Passed in the paper's setting.
    pub pass: usize,
    /// Failed in the paper's setting.
    pub fail: usize,
    /// Passed in a stand-in setting.
    pub stand_in_pass: usize,
    /// Failed in a stand-in setting.
    pub stand_in_fail: usize,
    /// Without a prediction (either setting).
    pub no_prediction: usize,
}

impl Tally {
    /// The tally of `claims`.
    pub fn of(claims: &[Claim]) -> Tally {
        let mut t = Tally::default();
        for c in claims {
            let stand_in = c.setting != Setting::Paper;
            match (c.verdict(), stand_in) {
                (Verdict::Pass, false) => t.pass += 1,
                (Verdict::Fail, false) => t.fail += 1,
                (Verdict::Pass, true) => t.stand_in_pass += 1,
                (Verdict::Fail, true) => t.stand_in_fail += 1,
                (Verdict::NoPrediction, _) => t.no_prediction += 1,
            }
        }
        t
    }

    /// Failed claims in either setting.
    pub fn failed(&self) -> usize {
        self.fail + self.stand_in_fail
    }
}

/// One line: `paper setting: N pass, M fail; stand-in settings: …; K without prediction`.
impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "paper setting: {} pass, {} fail; stand-in settings: {} pass, {} fail; {} without prediction",
            self.pass, self.fail, self.stand_in_pass, self.stand_in_fail, self.no_prediction
        )
    }
}

/// The claims as a table with columns id, statement, predicted, measured, tolerance, verdict,
/// origin (`paper` or `derived`) and setting (`paper` or `stand-in: … (paper: …)`).
pub fn claims_table(claims: &[Claim]) -> Table {
    let mut table = Table::new([
        "id",
        "statement",
        "predicted",
        "measured",
        "tolerance",
        "verdict",
        "origin",
        "setting",
    ]);
    for c in claims {
        let origin = match c.origin {
            Origin::Paper => "paper",
            Origin::Derived => "derived",
        };
        table.push(vec![
            c.id.as_str().into(),
            c.statement.as_str().into(),
            c.predicted().into(),
            c.measured_text().into(),
            c.tolerance().into(),
            c.verdict().to_string().into(),
            origin.into(),
            c.setting.to_string().into(),
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Value;

    fn op(label: &str, value: f64) -> Operand {
        Operand::new(label, value)
    }

    #[test]
    fn within_passes_at_the_boundary_and_fails_beyond_it() {
        assert_eq!(
            Claim::within("c", "s", -1.0, -1.5, 0.5).verdict(),
            Verdict::Pass
        );
        assert_eq!(
            Claim::within("c", "s", -1.0, -1.5 - 1e-12, 0.5).verdict(),
            Verdict::Fail
        );
        assert_eq!(
            Claim::within("c", "s", 2.0, 1.4, 0.5).verdict(),
            Verdict::Fail
        );
    }

    #[test]
    fn non_finite_numbers_never_pass() {
        for (predicted, measured, tolerance) in [
            (1.0, f64::NAN, 1e9),
            (f64::NAN, 1.0, 1e9),
            (1.0, 1.0, f64::NAN),
            (f64::INFINITY, f64::INFINITY, 1.0),
        ] {
            let c = Claim::within("n", "s", predicted, measured, tolerance);
            assert_eq!(c.verdict(), Verdict::Fail, "{c:?}");
        }
        let nan = |check: Check| Claim::new("n", "s", check).verdict();
        assert_eq!(
            nan(Check::AtMost {
                measured: op("x", f64::NAN),
                bound: 1.0
            }),
            Verdict::Fail
        );
        assert_eq!(
            nan(Check::AtLeast {
                measured: op("x", f64::NAN),
                bound: 1.0
            }),
            Verdict::Fail
        );
        assert_eq!(
            nan(Check::Decreasing {
                operands: vec![op("a", 2.0), op("b", f64::NAN)]
            }),
            Verdict::Fail
        );
        assert_eq!(
            nan(Check::Decreasing {
                operands: vec![op("a", f64::INFINITY), op("b", 1.0)]
            }),
            Verdict::Fail
        );
    }

    #[test]
    fn orderings_bounds_facts_and_conjunctions() {
        let dec = |v: [f64; 3]| Check::Decreasing {
            operands: vec![op("dec", v[0]), op("const", v[1]), op("sgd", v[2])],
        };
        assert_eq!(dec([0.67, 0.62, 0.53]).holds(), Some(true));
        assert_eq!(dec([0.67, 0.62, 0.62]).holds(), Some(false));
        assert_eq!(
            Check::Decreasing {
                operands: vec![op("a", 1.0)]
            }
            .holds(),
            Some(false)
        );
        let facts = |observed: bool| Check::Facts {
            facts: vec![
                Fact {
                    label: "DANA flagged".into(),
                    expected: true,
                    observed: true,
                },
                Fact {
                    label: "SGD flagged".into(),
                    expected: false,
                    observed,
                },
            ],
        };
        assert_eq!(facts(false).holds(), Some(true));
        assert_eq!(facts(true).holds(), Some(false));
        let all = Check::All {
            parts: vec![
                (
                    "a".into(),
                    Check::AtMost {
                        measured: op("|T|", 2.0),
                        bound: 3.0,
                    },
                ),
                (
                    "b".into(),
                    Check::AtLeast {
                        measured: op("x", 0.5),
                        bound: 0.6,
                    },
                ),
            ],
        };
        assert_eq!(all.holds(), Some(false));
        assert_eq!(Check::All { parts: vec![] }.holds(), Some(false));
        let within = |m: f64| Check::Within {
            predicted: -0.8,
            measured: m,
            tolerance: 0.03,
        };
        let two_of = |m: [f64; 3]| Check::AtLeastCount {
            at_least: 2,
            parts: m
                .iter()
                .map(|&m| ("decade".to_string(), within(m)))
                .collect(),
        };
        assert_eq!(two_of([-0.81, -0.79, -0.5]).holds(), Some(true));
        assert_eq!(two_of([-0.81, -0.7, -0.5]).holds(), Some(false));
        let rests = |v: Verdict| Check::RestsOn {
            claims: vec![("E6-a".into(), Verdict::Pass), ("E6-b".into(), v)],
        };
        assert_eq!(rests(Verdict::Pass).holds(), Some(true));
        assert_eq!(rests(Verdict::Fail).holds(), Some(false));
        assert_eq!(rests(Verdict::NoPrediction).holds(), Some(false));
        assert_eq!(Check::RestsOn { claims: vec![] }.holds(), Some(false));
    }

    #[test]
    fn columns_are_formatted_from_the_numbers() {
        let c = Claim::within("E2.1", "exponent", 1.0 / 3.0, 0.000123456, 2.5e-7);
        assert_eq!(
            (c.predicted(), c.measured_text(), c.tolerance()),
            ("0.3333".into(), "1.235e-4".into(), "2.500e-7".into())
        );
        let order = Claim::new(
            "o",
            "order",
            Check::Decreasing {
                operands: vec![op("dec", 0.674), op("sgd", 0.531)],
            },
        );
        assert_eq!(order.predicted(), "dec > sgd");
        assert_eq!(order.measured_text(), "0.6740 > 0.5310");
        assert_eq!(order.tolerance(), "ordering");
        let m = Claim::measured("m", "crossover", vec![op("t", 3.2e-5)]);
        assert_eq!(
            (m.predicted(), m.measured_text()),
            ("—".into(), "t = 3.200e-5".into())
        );
        assert_eq!(m.verdict(), Verdict::NoPrediction);
        let r = Claim::new(
            "p",
            "rests",
            Check::RestsOn {
                claims: vec![("a".into(), Verdict::Pass), ("b".into(), Verdict::Fail)],
            },
        );
        assert_eq!(r.measured_text(), "1 of 2 pass");
    }

    #[test]
    fn json_carries_the_numbers_the_setting_and_the_verdict() {
        let c = Claim::within("a", "s", 1.0, 1.25, 0.5)
            .paper()
            .stand_in("synthetic corpus", "lm1b");
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["verdict"], "pass");
        assert_eq!(json["origin"], "paper");
        assert_eq!(json["setting"]["kind"], "stand-in");
        assert_eq!(json["setting"]["paper"], "lm1b");
        assert_eq!(json["check"]["kind"], "within");
        assert_eq!(json["check"]["measured"], 1.25);
        assert_eq!(json["predicted"], "1.000");
        for v in [Verdict::Pass, Verdict::Fail, Verdict::NoPrediction] {
            assert_eq!(serde_json::to_value(v).unwrap(), v.to_string());
        }
    }

    #[test]
    fn tally_counts_stand_in_verdicts_apart() {
        let claims = [
            Claim::within("a", "s", 1.0, 1.0, 0.0),
            Claim::within("b", "s", 1.0, 2.0, 0.5),
            Claim::within("c", "s", 1.0, 1.0, 0.0).stand_in("quick", "full"),
            Claim::within("d", "s", 1.0, 3.0, 0.0).stand_in("quick", "full"),
            Claim::within("e", "s", 1.0, 3.0, 0.0).stand_in("quick", "full"),
            Claim::measured("f", "s", vec![op("x", 1.0)]),
        ];
        let t = Tally::of(&claims);
        assert_eq!(
            (
                t.pass,
                t.fail,
                t.stand_in_pass,
                t.stand_in_fail,
                t.no_prediction
            ),
            (1, 1, 1, 2, 1)
        );
        assert_eq!(t.failed(), 3);
        let table = claims_table(&claims);
        assert_eq!(table.rows.len(), 6);
        assert_eq!(table.rows[3][5], Value::from("fail"));
        assert_eq!(
            table.rows[3][7],
            Value::from("stand-in: quick (paper: full)")
        );
        assert_eq!(table.rows[0][7], Value::from("paper"));
    }
}
