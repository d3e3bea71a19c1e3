//! Comparison of computed curves with a reference CSV (`optimizer,t,risk`), e.g. from the
//! official code, at the nearest grid points.

use crate::curve::Curve;
use crate::error::Error;
use serde::Serialize;
use std::path::Path;

/// One reference point.
#[derive(Clone, Debug, PartialEq)]
pub struct RefPoint {
    /// Optimizer name.
    pub optimizer: String,
    /// Time.
    pub t: f64,
    /// Reference risk P.
    pub risk: f64,
}

/// Reads a reference CSV with header `optimizer,t,risk` (extra columns ignored).
pub fn read_reference(path: &Path) -> Result<Vec<RefPoint>, Error> {
    let bad = |why: String| Error::Reference {
        path: path.to_path_buf(),
        why,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let header = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let col = |name: &str| {
        header.iter().position(|h| h.trim() == name).ok_or_else(|| {
            bad(format!(
                "no '{name}' column (expected header optimizer,t,risk)"
            ))
        })
    };
    let (io, it, ir) = (col("optimizer")?, col("t")?, col("risk")?);
    let mut points = Vec::new();
    for (line, row) in reader.records().enumerate() {
        let row = row.map_err(|e| bad(e.to_string()))?;
        let num = |i: usize| -> Result<f64, Error> {
            let s = row.get(i).unwrap_or("").trim();
            s.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    bad(format!(
                        "row {}, column {}: '{s}' is not a finite number",
                        line + 2,
                        header.get(i).unwrap_or("").trim()
                    ))
                })
        };
        points.push(RefPoint {
            optimizer: row.get(io).unwrap_or("").trim().to_string(),
            t: num(it)?,
            risk: num(ir)?,
        });
    }
    if points.is_empty() {
        return Err(bad("no data rows".into()));
    }
    Ok(points)
}

/// One compared point.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// Optimizer name.
    pub optimizer: String,
    /// Reference time.
    pub t_reference: f64,
    /// Nearest grid time of the computed curve.
    pub t_grid: f64,
    /// Reference risk.
    pub risk_reference: f64,
    /// Computed risk.
    pub risk: f64,
    /// |risk − reference| / |reference|.
    pub relative_difference: f64,
}

/// Compares each reference point with the nearest point of the curve of its optimizer.
pub fn compare(
    reference: &[RefPoint],
    curves: &[(String, Curve)],
) -> Result<Vec<Comparison>, Error> {
    reference
        .iter()
        .map(|p| {
            let (_, curve) = curves
                .iter()
                .find(|(name, _)| *name == p.optimizer)
                .ok_or_else(|| Error::ReferenceOptimizer(p.optimizer.clone()))?;
            let i = curve
                .nearest(p.t)
                .ok_or_else(|| Error::EmptyCurve(p.optimizer.clone()))?;
            Ok(Comparison {
                optimizer: p.optimizer.clone(),
                t_reference: p.t,
                t_grid: curve.t[i],
                risk_reference: p.risk,
                risk: curve.risk[i],
                relative_difference: (curve.risk[i] - p.risk).abs() / p.risk.abs(),
            })
        })
        .collect()
}
