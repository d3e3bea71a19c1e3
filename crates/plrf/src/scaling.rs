//! Scaling-law reports: local loss-curve slopes next to their predictions (spec E3) and
//! compute-optimal frontiers with their exponents (spec E4), as tables and figures.

use crate::experiment::{time, Curves};
use crate::frontier::Frontier;
use crate::optimizer::Preset;
use crate::phases::loss_slope;
use crate::schedule::Schedule;
use lab::plot::{color_for, Axis, Figure, Panels, Rgb, Series, Style, VLine, MAX_COLUMNS};
use lab::table::{Table, Value};
use serde::Serialize;

/// One decade's measured slope beside the prediction.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlopeRow {
    /// Data exponent α.
    pub alpha: f64,
    /// Target exponent β.
    pub beta: f64,
    /// Optimizer name.
    pub optimizer: String,
    /// Decade start.
    pub t_lo: f64,
    /// Decade end.
    pub t_hi: f64,
    /// Least-squares slope of log(P − P∞) vs log t.
    pub slope: f64,
    /// Predicted slope where a formula exists (DANA-constant: SGD's before 1/γ3, −p/α
    /// after; none on the decade containing 1/γ3).
    pub predicted: Option<f64>,
    /// Positive slope: the loss rises.
    pub unstable: bool,
}

/// Local slopes of every curve, with predictions for (α, β).
pub fn slope_rows(curves: &Curves) -> Vec<SlopeRow> {
    let (alpha, beta) = (curves.setup.problem.alpha, curves.setup.problem.beta);
    let mut rows = Vec::new();
    for ((name, curve), opt) in curves.curves.iter().zip(&curves.setup.optimizers) {
        let switch = match (opt.preset, opt.hyper.gamma3) {
            (Preset::DanaConstant, Schedule::PowerLaw { scale, .. }) if scale > 0.0 => {
                Some(1.0 / scale)
            }
            _ => None,
        };
        for s in curve.decade_slopes(curves.p_inf) {
            let predicted = match switch {
                Some(t3) if s.t_hi <= t3 => loss_slope(Preset::Sgd, alpha, beta),
                Some(t3) if s.t_lo >= t3 => loss_slope(Preset::DanaConstant, alpha, beta),
                Some(_) => None,
                None => loss_slope(opt.preset, alpha, beta),
            };
            rows.push(SlopeRow {
                alpha,
                beta,
                optimizer: name.clone(),
                t_lo: s.t_lo,
                t_hi: s.t_hi,
                slope: s.slope,
                predicted,
                unstable: s.unstable,
            });
        }
    }
    rows
}

/// The slope rows as a table.
pub fn slope_table(rows: &[SlopeRow]) -> Table {
    let mut table = Table::new([
        "alpha",
        "beta",
        "optimizer",
        "t_lo",
        "t_hi",
        "slope",
        "predicted",
        "unstable",
    ]);
    for r in rows {
        table.push(vec![
            r.alpha.into(),
            r.beta.into(),
            r.optimizer.as_str().into(),
            time(r.t_lo),
            time(r.t_hi),
            r.slope.into(),
            r.predicted.into(),
            if r.unstable { "yes" } else { "" }.into(),
        ]);
    }
    table
}

/// Local slope per decade (at the decade's geometric middle) with the predicted slope of each
/// decade dashed, as a step over the decade (broken where a decade has no prediction).
pub fn slope_figure(rows: &[SlopeRow], names: &[String], title: &str) -> Figure {
    let mut fig = Figure::new(
        title,
        Axis::log("t (decade middle)"),
        Axis::linear("local slope of log(P − P∞)"),
    );
    for (i, name) in names.iter().enumerate() {
        let mine: Vec<&SlopeRow> = rows.iter().filter(|r| &r.optimizer == name).collect();
        let mid = |r: &SlopeRow| (r.t_lo * r.t_hi).sqrt();
        fig.series.push(
            Series::line(mine.iter().map(|r| (mid(r), r.slope)).collect())
                .label(name.clone())
                .color(Rgb::tab(i))
                .style(Style::Bold),
        );
        let predicted = predicted_steps(&mine);
        if !predicted.is_empty() {
            fig.series.push(
                Series::step(predicted)
                    .label(format!("{name} (predicted)"))
                    .color(Rgb::tab(i))
                    .style(Style::Dashed),
            );
        }
    }
    fig
}

/// The step points of the predicted slopes: each decade's level from its start to its end,
/// contiguous decades joined by a riser, a NaN point where decades without a prediction (or
/// gaps between decades) break the line.
fn predicted_steps(rows: &[&SlopeRow]) -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    // The end and level of the decade drawn last, while the line is unbroken.
    let mut open: Option<(f64, f64)> = None;
    for r in rows {
        let joined = open.is_some_and(|(end, _)| (end / r.t_lo - 1.0).abs() < 1e-9);
        if let (Some((end, level)), false) = (open, joined && r.predicted.is_some()) {
            points.extend([(end, level), (f64::NAN, f64::NAN)]);
            open = None;
        }
        if let Some(p) = r.predicted {
            points.push((r.t_lo, p));
            open = Some((r.t_hi, p));
        }
    }
    if let Some((end, level)) = open {
        points.push((end, level));
    }
    points
}

/// One row per optimizer: measured and predicted (η, ξ) with standard errors, the fit window
/// and whether d* reaches the grid's edge inside it (`true`/`false`; [`frontier_json`] holds
/// it as a JSON boolean).
pub fn frontier_table(fronts: &[Frontier]) -> Table {
    let mut table = Table::new([
        "optimizer",
        "loss_exponent",
        "loss_exponent_stderr",
        "loss_exponent_theory",
        "d_exponent",
        "d_exponent_stderr",
        "d_exponent_theory",
        "fit_lo",
        "fit_hi",
        "d_star_at_edge",
    ]);
    for f in fronts {
        let fit = f.fit.as_ref();
        table.push(vec![
            f.preset.name().into(),
            fit.map(|x| x.loss_exponent).into(),
            fit.map(|x| x.loss_exponent_stderr).into(),
            f.theory.map(|t| t.0).into(),
            fit.map(|x| x.d_exponent).into(),
            fit.map(|x| x.d_exponent_stderr).into(),
            f.theory.map(|t| t.1).into(),
            f.fit_window.0.into(),
            f.fit_window.1.into(),
            if f.d_star_at_edge { "true" } else { "false" }.into(),
        ]);
    }
    table
}

/// [`frontier_table`] as JSON rows, with `d_star_at_edge` a boolean.
pub fn frontier_json(fronts: &[Frontier]) -> serde_json::Value {
    let mut rows = frontier_table(fronts).to_json();
    if let Some(rows) = rows.as_array_mut() {
        for (row, fr) in rows.iter_mut().zip(fronts) {
            row["d_star_at_edge"] = serde_json::Value::Bool(fr.d_star_at_edge);
        }
    }
    rows
}

/// Every envelope point: `optimizer,f,p_star,d_star`.
pub fn envelope_table(fronts: &[Frontier]) -> Table {
    let mut table = Table::new(["optimizer", "f", "p_star", "d_star"]);
    for fr in fronts {
        let e = &fr.envelope;
        for i in 0..e.f.len() {
            table.push(vec![
                fr.preset.name().into(),
                e.f[i].into(),
                e.p_star[i].into(),
                e.d_star[i].map_or(Value::Null, Value::from),
            ]);
        }
    }
    table
}

/// P vs compute f for every d (thin, one colour per d from small to large, each listed) with
/// the envelope (bold black), one panel per optimizer.
pub fn frontier_panels(fronts: &[Frontier], title: &str) -> Panels {
    let panels = fronts
        .iter()
        .map(|fr| {
            let mut fig = Figure::new(
                fr.preset.name(),
                Axis::log("compute f = t·d·B"),
                Axis::log("population risk P"),
            );
            let n = fr.curves.len();
            for (k, (d, c)) in fr.curves.iter().enumerate() {
                let points = c.t.iter().zip(&c.risk).map(|(&t, &p)| (t * *d as f64, p));
                fig.series.push(
                    Series::line(points.collect())
                        .label(format!("d = {d}"))
                        .color(color_for(k, n)),
                );
            }
            fig.series.push(
                Series::line(points(&fr.envelope.f, &fr.envelope.p_star))
                    .label("envelope P*(f)")
                    .color(Rgb::BLACK)
                    .style(Style::Bold),
            );
            fig
        })
        .collect();
    Panels {
        title: title.to_string(),
        panels,
        columns: fronts.len().clamp(1, MAX_COLUMNS),
    }
}

/// d*(f) for every optimizer, as steps (d* holds between the compute values where it changes).
pub fn d_star_figure(fronts: &[Frontier], title: &str) -> Figure {
    let mut fig = Figure::new(title, Axis::log("compute f"), Axis::log("optimal size d*"));
    for (i, fr) in fronts.iter().enumerate() {
        let d: Vec<Option<f64>> = fr
            .envelope
            .d_star
            .iter()
            .map(|d| d.map(|x| x as f64))
            .collect();
        fig.series.push(
            Series::step(points(&fr.envelope.f, &d))
                .label(fr.preset.name())
                .color(Rgb::tab(i))
                .style(Style::Bold),
        );
        if fr.d_star_at_edge {
            let grid: Vec<usize> = fr.curves.iter().map(|c| c.0).collect();
            let edges = fr.envelope.edge_points(fr.fit_window, &grid);
            let marks: Vec<Option<f64>> = fr
                .envelope
                .f
                .iter()
                .zip(&d)
                .map(|(f, d)| if edges.contains(f) { *d } else { None })
                .collect();
            fig.series.push(
                Series::scatter(points(&fr.envelope.f, &marks))
                    .label(format!(
                        "{}: d* at the grid's edge in the fit window",
                        fr.preset.name()
                    ))
                    .color(Rgb::tab(i)),
            );
        }
    }
    if let Some(fr) = fronts.first() {
        for (x, end) in [(fr.fit_window.0, "start"), (fr.fit_window.1, "end")] {
            fig.vlines.push(VLine {
                x,
                label: Some(format!("fit window {end}")),
                color: Rgb::GREY,
            });
        }
    }
    fig
}

fn points(x: &[f64], y: &[Option<f64>]) -> Vec<(f64, f64)> {
    x.iter()
        .zip(y)
        .filter_map(|(&a, b)| b.map(|b| (a, b)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t_lo: f64, predicted: Option<f64>) -> SlopeRow {
        SlopeRow {
            alpha: 1.0,
            beta: 0.3,
            optimizer: "dana-constant".into(),
            t_lo,
            t_hi: 10.0 * t_lo,
            slope: -0.5,
            predicted,
            unstable: false,
        }
    }

    #[test]
    fn predicted_slopes_are_levels_per_decade_broken_where_missing() {
        let rows = [
            row(1.0, Some(-0.5)),
            row(10.0, Some(-0.5)),
            row(100.0, None),
            row(1e3, Some(-1.2)),
            row(1e4, Some(-1.2)),
        ];
        let refs: Vec<&SlopeRow> = rows.iter().collect();
        let points = predicted_steps(&refs);
        let expected = [
            (1.0, -0.5),
            (10.0, -0.5),
            (100.0, -0.5),
            (f64::NAN, f64::NAN),
            (1e3, -1.2),
            (1e4, -1.2),
            (1e5, -1.2),
        ];
        assert_eq!(points.len(), expected.len());
        for (p, e) in points.iter().zip(&expected) {
            assert!(
                p.0.total_cmp(&e.0).is_eq() && p.1.total_cmp(&e.1).is_eq(),
                "{points:?}"
            );
        }
        assert!(predicted_steps(&[]).is_empty());
    }
}
