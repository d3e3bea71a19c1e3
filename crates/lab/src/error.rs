//! The error every system shares: a quantity outside its valid range. Libraries name the
//! quantity (α, d, batch) and the rule; the binary maps the quantity to the flag the user typed.

/// A quantity outside its valid range: `name must be rule (got value)`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{name} must be {rule} (got {value})")]
pub struct Invalid {
    /// The quantity, as the library names it (e.g. `alpha`, `d`, `batch`).
    pub name: &'static str,
    /// The value that was given.
    pub value: f64,
    /// What it must be, completing "must be …" (e.g. `> 0`, `at least d = 100`).
    pub rule: String,
}

impl Invalid {
    /// `name` with `value` breaks `rule`.
    pub fn new(name: &'static str, value: f64, rule: impl Into<String>) -> Invalid {
        Invalid {
            name,
            value,
            rule: rule.into(),
        }
    }
}

/// Errors that may be an [`Invalid`] quantity: the binary names that quantity by the flag the
/// user typed. Every system's error type implements it.
pub trait AsInvalid {
    /// The invalid quantity this error reports, if it is one.
    fn as_invalid(&self) -> Option<&Invalid>;
}

impl AsInvalid for Invalid {
    fn as_invalid(&self) -> Option<&Invalid> {
        Some(self)
    }
}

/// `Ok(())` when `holds`, else [`Invalid`] for (`name`, `value`, `rule`).
pub fn require(
    holds: bool,
    name: &'static str,
    value: f64,
    rule: impl Into<String>,
) -> Result<(), Invalid> {
    if holds {
        Ok(())
    } else {
        Err(Invalid::new(name, value, rule))
    }
}

/// `value` must be finite and > 0.
pub fn positive(name: &'static str, value: f64) -> Result<(), Invalid> {
    require(
        value.is_finite() && value > 0.0,
        name,
        value,
        "finite and > 0",
    )
}

/// `value` must be finite and ≥ 0.
pub fn non_negative(name: &'static str, value: f64) -> Result<(), Invalid> {
    require(
        value.is_finite() && value >= 0.0,
        name,
        value,
        "finite and ≥ 0",
    )
}

/// `value` must be finite.
pub fn finite(name: &'static str, value: f64) -> Result<(), Invalid> {
    require(value.is_finite(), name, value, "finite")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_fail_exactly_outside_their_range() {
        assert!(positive("alpha", 0.5).is_ok());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(positive("alpha", bad).is_err(), "{bad}");
        }
        assert!(non_negative("lambda", 0.0).is_ok());
        assert!(non_negative("lambda", -1e-300).is_err());
        assert!(finite("target", f64::NEG_INFINITY).is_err());
        let e = require(false, "d", 5.0, "at least v = 10").unwrap_err();
        assert_eq!(e.to_string(), "d must be at least v = 10 (got 5)");
        assert_eq!(
            positive("alpha", -1.0).unwrap_err().to_string(),
            "alpha must be finite and > 0 (got -1)"
        );
    }
}
