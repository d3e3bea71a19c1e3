//! Result tables and their output formats: aligned text, CSV and JSON.

use std::fmt;

/// One cell of a [`Table`].
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Text.
    Str(String),
    /// An integer.
    Int(i64),
    /// A real number (may be non-finite).
    Float(f64),
    /// A missing value.
    Null,
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Str(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Str(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

/// Values above `i64::MAX` (e.g. hashed seeds) become their exact decimal text.
impl From<u64> for Value {
    fn from(v: u64) -> Value {
        i64::try_from(v).map_or_else(|_| Value::Str(v.to_string()), Value::Int)
    }
}

/// Values above `i64::MAX` become their exact decimal text.
impl From<usize> for Value {
    fn from(v: usize) -> Value {
        Value::from(v as u64)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float(v)
    }
}

impl From<Option<f64>> for Value {
    fn from(v: Option<f64>) -> Value {
        v.map_or(Value::Null, Value::Float)
    }
}

/// A table of named columns and rows of [`Value`]s.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Column names, in output order.
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Table {
        Table {
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row. Panics if its length differs from the number of columns (a programming error).
    pub fn push(&mut self, row: Vec<Value>) {
        assert_eq!(
            row.len(),
            self.columns.len(),
            "row length does not match the columns {:?}",
            self.columns
        );
        self.rows.push(row);
    }

    /// CSV with a header line; floats in shortest round-trip form, `Null` as an empty field.
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(&self.columns)
            .expect("writing CSV to memory cannot fail");
        for row in &self.rows {
            writer
                .write_record(row.iter().map(csv_field))
                .expect("writing CSV to memory cannot fail");
        }
        let bytes = writer
            .into_inner()
            .expect("writing CSV to memory cannot fail");
        String::from_utf8(bytes).expect("CSV built from strings is UTF-8")
    }

    /// An array with one object per row, mapping column name to value; non-finite floats become null.
    pub fn to_json(&self) -> serde_json::Value {
        let rows = self.rows.iter().map(|row| {
            let object = self
                .columns
                .iter()
                .zip(row)
                .map(|(column, value)| (column.clone(), json_value(value)))
                .collect();
            serde_json::Value::Object(object)
        });
        serde_json::Value::Array(rows.collect())
    }

    /// An aligned human-readable table: floats with `sig_digits` significant digits, numbers
    /// right-aligned, text left-aligned.
    pub fn to_text(&self, sig_digits: usize) -> String {
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|v| text_cell(v, sig_digits)).collect())
            .collect();
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|j| {
                let header = self.columns[j].chars().count();
                cells
                    .iter()
                    .map(|row| row[j].chars().count())
                    .fold(header, usize::max)
            })
            .collect();
        let right = |j: usize| {
            self.rows
                .iter()
                .any(|row| matches!(row[j], Value::Int(_) | Value::Float(_)))
        };
        let aligned: Vec<bool> = (0..self.columns.len()).map(right).collect();
        let line = |row: &[String]| {
            let padded: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(j, cell)| {
                    if aligned[j] {
                        format!("{cell:>w$}", w = widths[j])
                    } else {
                        format!("{cell:<w$}", w = widths[j])
                    }
                })
                .collect();
            padded.join("  ").trim_end().to_string() + "\n"
        };
        let mut out = line(&self.columns);
        for row in &cells {
            out.push_str(&line(row));
        }
        out
    }
}

fn csv_field(value: &Value) -> String {
    match value {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Null => String::new(),
    }
}

fn json_value(value: &Value) -> serde_json::Value {
    match value {
        Value::Str(s) => serde_json::Value::String(s.clone()),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Null => serde_json::Value::Null,
    }
}

/// `value` as text for humans: floats with `sig_digits` significant digits, `Null` empty.
pub(crate) fn text_cell(value: &Value, sig_digits: usize) -> String {
    match value {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format_sig(*f, sig_digits),
        Value::Null => String::new(),
    }
}

/// `x` with `sig` significant digits: plain notation for magnitudes in [1e-3, 1e6), else
/// scientific (`1.235e-5`).
pub(crate) fn format_sig(x: f64, sig: usize) -> String {
    if !x.is_finite() || x == 0.0 {
        return format!("{x}");
    }
    let sig = sig.max(1);
    let sci = format!("{:.*e}", sig - 1, x);
    // The exponent after rounding, so 999.96 at 4 digits counts as 1.000e3.
    let exponent: i32 = sci
        .rsplit('e')
        .next()
        .and_then(|e| e.parse().ok())
        .unwrap_or(0);
    if (-3..6).contains(&exponent) {
        let decimals = (sig as i32 - 1 - exponent).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        sci
    }
}

/// How a table is written out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    /// Aligned human-readable text.
    #[default]
    Table,
    /// Comma-separated values with a header line.
    Csv,
    /// A JSON array of row objects.
    Json,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
        })
    }
}

/// `table` in `format`; `sig_digits` applies to the text table only. Ends with a newline.
pub fn render(table: &Table, format: Format, sig_digits: usize) -> String {
    match format {
        Format::Table => table.to_text(sig_digits),
        Format::Csv => table.to_csv(),
        Format::Json => {
            serde_json::to_string_pretty(&table.to_json()).expect("a JSON value always serializes")
                + "\n"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(["name", "n", "loss"]);
        t.push(vec!["a,b".into(), 3i64.into(), 0.1f64.into()]);
        t.push(vec!["plain".into(), Value::Null, f64::NAN.into()]);
        t.push(vec!["\"q\"".into(), 7usize.into(), Some(1.0 / 3.0).into()]);
        t
    }

    #[test]
    fn csv_round_trips_floats_and_quotes_text() {
        let values = [0.1, 1.0 / 3.0, 1e-300, 6.02214076e23, -2.5e-7, 1.0];
        let mut t = Table::new(["x"]);
        for v in values {
            t.push(vec![v.into()]);
        }
        let csv = t.to_csv();
        let parsed: Vec<f64> = csv.lines().skip(1).map(|l| l.parse().unwrap()).collect();
        assert_eq!(parsed, values);

        let csv = sample().to_csv();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(reader.headers().unwrap(), vec!["name", "n", "loss"]);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&records[0], vec!["a,b", "3", "0.1"]);
        assert_eq!(&records[1], vec!["plain", "", "NaN"]);
        assert_eq!(&records[2][0], "\"q\"");
        assert_eq!(records[2][2].parse::<f64>().unwrap(), 1.0 / 3.0);
    }

    #[test]
    fn json_rows_map_columns_and_null_non_finite() {
        let json = sample().to_json();
        let expected = serde_json::json!([
            {"name": "a,b", "n": 3, "loss": 0.1},
            {"name": "plain", "n": null, "loss": null},
            {"name": "\"q\"", "n": 7, "loss": 1.0 / 3.0},
        ]);
        assert_eq!(json, expected);
        let text = render(&sample(), Format::Json, 4);
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, expected);
    }

    #[test]
    fn large_unsigned_values_stay_exact() {
        assert_eq!(Value::from(5u64), Value::Int(5));
        assert_eq!(Value::from(u64::MAX), Value::Str(u64::MAX.to_string()));
    }

    #[test]
    fn significant_digits() {
        assert_eq!(format_sig(123.456, 4), "123.5");
        assert_eq!(format_sig(0.001234567, 3), "0.00123");
        assert_eq!(format_sig(1.234567e-5, 4), "1.235e-5");
        assert_eq!(format_sig(999.96, 4), "1000");
        assert_eq!(format_sig(-2.0e7, 2), "-2.0e7");
        assert_eq!(format_sig(0.0, 3), "0");
        assert_eq!(format_sig(f64::INFINITY, 3), "inf");
    }

    #[test]
    fn text_is_aligned() {
        let text = sample().to_text(3);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            vec![
                "name   n   loss",
                "a,b    3  0.100",
                "plain       NaN",
                "\"q\"    7  0.333",
            ]
        );
        assert_eq!(render(&sample(), Format::Table, 3), text);
        assert_eq!(render(&sample(), Format::Csv, 3), sample().to_csv());
    }

    #[test]
    #[cfg(feature = "clap")]
    fn format_names_on_the_command_line_are_its_display_names() {
        use clap::ValueEnum;
        for f in Format::value_variants() {
            assert_eq!(Format::from_str(&f.to_string(), false), Ok(*f));
        }
        assert_eq!(Format::default(), Format::Table);
        assert!(Format::from_str("xml", false).is_err());
    }
}
