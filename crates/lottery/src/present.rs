//! Tables and figures of every experiment: what the `theorylab lottery` commands print and
//! write, and what `reproduce lottery` shows (the plots of spec §5: (1) error against p, (2)
//! sup error against copies with the coefficient errors overlaid, (3) n_min against log2(1/η),
//! (4) accuracy against copies, (5) equivariance violation of structured and unstructured
//! masks, (6) solver time against p).
//!
//! Every table has a column for each parameter that varies in it; every figure has a title,
//! labelled axes and a legend naming each line. Timings appear only in the columns named
//! `*_seconds` (the one thing two runs with the same seed do not share).

use crate::basis::{BasisReport, ElementReport};
use crate::run::{RunRecord, Tolerance};
use crate::stats::StatsResult;
use crate::sweep::SweepResult;
use crate::targets::TargetKind;
use crate::tolerance::{ParityResult, ToleranceResult};
use crate::width::WidthLawResult;
use lab::plot::{Axis, Band, BandPoint, Figure, Legend, Panels, Rgb, Series, Style, MAX_COLUMNS};
use lab::table::{Table, Value};

/// A target's name with its group, for titles and legends.
pub fn target_title(target: TargetKind) -> &'static str {
    match target {
        TargetKind::Mlp => "MLP (trivial group)",
        TargetKind::Deepsets => "T1 DeepSets (S_8)",
        TargetKind::Ign2 => "T2 2-IGN (S_5)",
        TargetKind::C4cnn => "T3 C4 G-CNN (8×8)",
    }
}

/// `true` / `false` as a table value.
fn flag(b: bool) -> Value {
    Value::from(if b { "true" } else { "false" })
}

/// The points (x, y) with both finite.
fn finite(points: impl IntoIterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    points
        .into_iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// E1: subset-sum statistics.

/// One row per (summand law, p): the error quantiles and the mean time per instance.
pub fn stats_table(results: &[StatsResult]) -> Table {
    let mut t = Table::new([
        "summands",
        "p",
        "trials",
        "seed",
        "median_error",
        "p99_error",
        "max_error",
        "mean_seconds",
    ]);
    for r in results {
        for row in &r.rows {
            t.push(vec![
                row.summands.name().into(),
                row.p.into(),
                row.trials.into(),
                r.config.seed.into(),
                row.median.into(),
                row.p99.into(),
                row.max.into(),
                row.mean_seconds.into(),
            ]);
        }
    }
    t
}

/// One row per summand law: the fitted slope of log2(median error) against p.
pub fn slope_table(results: &[StatsResult]) -> Table {
    let (lo, hi) = crate::stats::SLOPE_WINDOW;
    let mut t = Table::new([
        "summands",
        "p_from",
        "p_to",
        "points",
        "slope_bits_per_summand",
        "slope_stderr",
        "intercept_log2",
    ]);
    for r in results {
        let s = r.slope.as_ref();
        t.push(vec![
            r.config.summands.name().into(),
            lo.into(),
            hi.into(),
            s.map_or(Value::Null, |s| s.n.into()),
            s.map(|s| s.slope).into(),
            s.map(|s| s.slope_stderr).into(),
            s.map(|s| s.intercept).into(),
        ]);
    }
    t
}

/// The law of the summands in words.
fn summands_words(r: &StatsResult) -> &'static str {
    match r.config.summands {
        crate::stats::Summands::Uniform => "uniform U[−1, 1]",
        crate::stats::Summands::Product => "products U·U",
    }
}

/// Plot (1): median, 99th percentile and largest error against p, one colour per summand
/// law, with a line of slope −1 bit per summand through the first median (Lueker's rate).
pub fn stats_error_figure(results: &[StatsResult]) -> Figure {
    let mut fig = Figure::new(
        "E1: exact subset-sum error against the number of summands",
        Axis::linear("summands p"),
        Axis::log("error |Σ_S a − z|, z ~ U[−1, 1]"),
    );
    type Stat = fn(&crate::stats::StatsRow) -> f64;
    let stats: [(&str, Style, Stat); 3] = [
        ("median", Style::Bold, |r| r.median),
        ("99th percentile", Style::Normal, |r| r.p99),
        ("largest", Style::Dotted, |r| r.max),
    ];
    for (i, r) in results.iter().enumerate() {
        for (name, style, get) in stats {
            fig.series.push(
                Series::line(finite(r.rows.iter().map(|row| (row.p as f64, get(row)))))
                    .label(format!("{}: {name}", summands_words(r)))
                    .color(Rgb::tab(i))
                    .style(style),
            );
        }
    }
    if let Some(first) = results.first().and_then(|r| r.rows.first()) {
        let (p0, m0) = (first.p as f64, first.median);
        let ps: Vec<f64> = results
            .iter()
            .flat_map(|r| r.rows.iter().map(|row| row.p as f64))
            .collect();
        let p1 = ps.iter().copied().fold(p0, f64::max);
        fig.series.push(
            Series::line(vec![(p0, m0), (p1, m0 * 2f64.powf(p0 - p1))])
                .label("slope −1 bit per summand (Lueker)")
                .color(Rgb::BLACK)
                .style(Style::Dashed),
        );
    }
    fig.legend = Legend::Outside;
    fig
}

/// Plot (6): mean solver time per instance against p, with a line ∝ 2^{p/2} (the
/// meet-in-the-middle cost) through the last point.
pub fn stats_time_figure(results: &[StatsResult]) -> Figure {
    let mut fig = Figure::new(
        "E1: exact meet-in-the-middle time per instance",
        Axis::linear("summands p"),
        Axis::log("seconds per instance (one thread)"),
    );
    for (i, r) in results.iter().enumerate() {
        fig.series.push(
            Series::line(finite(
                r.rows.iter().map(|row| (row.p as f64, row.mean_seconds)),
            ))
            .label(summands_words(r))
            .color(Rgb::tab(i))
            .style(Style::Bold),
        );
    }
    if let Some(last) = results.first().and_then(|r| r.rows.last()) {
        let first = &results[0].rows[0];
        let (p1, t1) = (last.p as f64, last.mean_seconds);
        let p0 = first.p as f64;
        fig.series.push(
            Series::line(vec![(p0, t1 * 2f64.powf((p0 - p1) / 2.0)), (p1, t1)])
                .label("∝ 2^(p/2)")
                .color(Rgb::BLACK)
                .style(Style::Dashed),
        );
    }
    fig
}

// ---------------------------------------------------------------------------------------------
// Run records (prune, sweep).

/// The tolerance kind and value of a run.
fn tolerance_parts(t: Tolerance) -> (&'static str, f64) {
    match t {
        Tolerance::Eta(v) => ("eta", v),
        Tolerance::Epsilon(v) => ("epsilon", v),
    }
}

/// The columns of [`records_table`].
const RECORD_COLUMNS: [&str; 37] = [
    "target",
    "group",
    "hidden_fields",
    "copies",
    "seed",
    "variant",
    "inner_positive_only",
    "coefficients",
    "scale",
    "tolerance",
    "tolerance_value",
    "eta_min",
    "problems",
    "resamples",
    "capped_problems",
    "coefficient_error_median",
    "coefficient_error_p99",
    "coefficient_error_max",
    "fraction_above_eta",
    "mean_subset_fraction",
    "params_random",
    "params_random_formula",
    "params_target",
    "params_kept",
    "random_ratio",
    "kept_ratio",
    "target_accuracy",
    "pruned_accuracy",
    "prediction_agreement",
    "sup_error",
    "mean_error",
    "sup_error_relative",
    "output_scale",
    "equivariance_violation",
    "equivariance_scale",
    "control_equivariance_violation",
    "control_equivariance_scale",
];

/// One row per run record: its settings and every measurement, timings left out (so the
/// table is byte-identical at any thread count).
pub fn records_table(records: &[RunRecord]) -> Table {
    let mut t = Table::new(RECORD_COLUMNS);
    for r in records {
        let (kind, value) = tolerance_parts(r.tolerance);
        let hidden = r.fields.get(1).copied().unwrap_or(0);
        t.push(vec![
            r.target.name().into(),
            r.group.name().into(),
            hidden.into(),
            r.copies.into(),
            r.seed.into(),
            r.variant.name().into(),
            flag(r.inner_positive_only),
            r.coefficients.name().into(),
            r.scale.into(),
            kind.into(),
            value.into(),
            r.eta.iter().copied().fold(f64::INFINITY, f64::min).into(),
            r.problems.into(),
            r.resamples.into(),
            r.capped_problems.into(),
            r.coefficient_error.median.into(),
            r.coefficient_error.p99.into(),
            r.coefficient_error.max.into(),
            r.fraction_above_eta.into(),
            r.mean_subset_fraction.into(),
            r.params.random.into(),
            r.params.random_formula.into(),
            r.params.target.into(),
            r.params.kept.into(),
            r.params.random_ratio.into(),
            r.params.kept_ratio.into(),
            r.target_accuracy.into(),
            r.pruned_accuracy.into(),
            r.prediction_agreement.into(),
            r.sup_error.into(),
            r.mean_error.into(),
            r.sup_error_relative.into(),
            r.output_scale.into(),
            r.equivariance_violation.into(),
            r.equivariance_scale.into(),
            r.control_equivariance_violation.into(),
            r.control_equivariance_scale.into(),
        ]);
    }
    t
}

/// One run record for people: a `quantity, value` table (timings included).
pub fn record_summary(r: &RunRecord) -> Table {
    let list = |v: &[usize]| {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (kind, value) = tolerance_parts(r.tolerance);
    let mut t = Table::new(["quantity", "value"]);
    let mut row = |q: &str, v: Value| t.push(vec![q.into(), v]);
    row("target", r.target.name().into());
    row(
        "group",
        format!("{} (m = {})", r.group, r.group_size).into(),
    );
    row("fields C_1..C_{L+1}", list(&r.fields).into());
    row("basis sizes K_i", list(&r.basis_sizes).into());
    row(
        "square basis sizes K'_i",
        list(&r.square_basis_sizes).into(),
    );
    row("copies per field n", r.copies.into());
    row("seed", r.seed.into());
    row("variant", r.variant.name().into());
    row("inner_positive_only", flag(r.inner_positive_only));
    row(&format!("tolerance {kind}"), value.into());
    row("subset-sum instances", r.problems.into());
    row("sign-split resamples", r.resamples.into());
    row(
        "coefficient error median",
        r.coefficient_error.median.into(),
    );
    row("coefficient error p99", r.coefficient_error.p99.into());
    row("coefficient error max", r.coefficient_error.max.into());
    row(
        "fraction of instances above eta",
        r.fraction_above_eta.into(),
    );
    row("mean |S|/p", r.mean_subset_fraction.into());
    row("random coefficients", r.params.random.into());
    row("target coefficients", r.params.target.into());
    row("kept coefficients", r.params.kept.into());
    row("target accuracy", r.target_accuracy.into());
    row("pruned accuracy", r.pruned_accuracy.into());
    row("prediction agreement", r.prediction_agreement.into());
    row("sup_error", r.sup_error.into());
    row("mean_error", r.mean_error.into());
    row("sup_error_relative", r.sup_error_relative.into());
    row("equivariance_violation", r.equivariance_violation.into());
    row(
        "control_equivariance_violation",
        r.control_equivariance_violation.into(),
    );
    row(
        "expanded vs collapsed max difference",
        r.collapsed_max_difference.into(),
    );
    row("train_seconds", r.timings.train_seconds.into());
    row("prune_seconds", r.timings.prune_seconds.into());
    row("eval_seconds", r.timings.eval_seconds.into());
    t
}

/// The records of `target` at `copies`.
fn at(records: &[RunRecord], target: TargetKind, copies: usize) -> Vec<&RunRecord> {
    records
        .iter()
        .filter(|r| r.target == target && r.copies == copies)
        .collect()
}

/// violation / scale (0 when both are 0).
pub fn ratio(violation: f64, scale: f64) -> f64 {
    if violation == 0.0 {
        0.0
    } else {
        violation / scale
    }
}

/// Geometric mean of positive values (values ≤ 0 count as the smallest positive f64).
fn geometric_mean(values: impl Iterator<Item = f64>) -> f64 {
    let logs: Vec<f64> = values.map(|v| v.max(f64::MIN_POSITIVE).ln()).collect();
    lab::stats::mean(&logs).exp()
}

fn max_of(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(f64::NEG_INFINITY, f64::max)
}

fn min_of(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(f64::INFINITY, f64::min)
}

/// One row per (target, copies): seed aggregates of the sweep.
pub fn sweep_width_table(result: &SweepResult) -> Table {
    let mut t = Table::new([
        "target",
        "copies",
        "seeds",
        "sup_error_geomean",
        "sup_error_max",
        "sup_error_relative_max",
        "coefficient_error_median_mean",
        "coefficient_error_max",
        "pruned_accuracy_mean",
        "target_accuracy_mean",
        "prediction_agreement_min",
    ]);
    for s in &result.summaries {
        for &n in &s.copies {
            let rs = at(&result.records, s.target, n);
            let mean = |f: fn(&RunRecord) -> f64| {
                lab::stats::mean(&rs.iter().map(|r| f(r)).collect::<Vec<_>>())
            };
            t.push(vec![
                s.target.name().into(),
                n.into(),
                rs.len().into(),
                geometric_mean(rs.iter().map(|r| r.sup_error)).into(),
                max_of(rs.iter().map(|r| r.sup_error)).into(),
                max_of(rs.iter().map(|r| r.sup_error_relative)).into(),
                mean(|r| r.coefficient_error.median).into(),
                max_of(rs.iter().map(|r| r.coefficient_error.max)).into(),
                mean(|r| r.pruned_accuracy).into(),
                mean(|r| r.target_accuracy).into(),
                min_of(rs.iter().map(|r| r.prediction_agreement)).into(),
            ]);
        }
    }
    t
}

/// One row per target: the decay of the sup error over the widths and the equivariance
/// ratios (violation / output scale) over all runs.
pub fn sweep_summary_table(result: &SweepResult) -> Table {
    let mut t = Table::new([
        "target",
        "copies_min",
        "copies_max",
        "seeds",
        "slope_log10_sup_error_per_copy",
        "decay_factor",
        "sup_error_max_at_copies_max",
        "sup_error_relative_max_at_copies_max",
        "equivariance_ratio_max",
        "control_ratio_min",
    ]);
    for s in &result.summaries {
        t.push(vec![
            s.target.name().into(),
            s.copies.first().copied().unwrap_or(0).into(),
            s.copies.last().copied().unwrap_or(0).into(),
            result.config.seeds.len().into(),
            s.slope_per_copy.into(),
            s.decay_factor.into(),
            s.last_sup_error_max.into(),
            s.last_sup_error_relative_max.into(),
            s.max_equivariance_ratio.into(),
            s.min_control_ratio.into(),
        ]);
    }
    t
}

/// Plot (2): per target, the sup output error against copies n (geometric mean over seeds,
/// bold; each seed faded) with the median and largest coefficient error |e| overlaid.
pub fn sweep_error_figure(result: &SweepResult) -> Panels {
    let panels = result
        .summaries
        .iter()
        .map(|s| {
            let mut fig = Figure::new(
                target_title(s.target),
                Axis::linear("copies per field n"),
                Axis::log("error"),
            );
            let seeds = &result.config.seeds;
            for &seed in seeds {
                let pts = result
                    .records
                    .iter()
                    .filter(|r| r.target == s.target && r.seed == seed)
                    .map(|r| (r.copies as f64, r.sup_error));
                fig.series.push(
                    Series::line(finite(pts))
                        .label(format!("sup output error, seed {seed}"))
                        .color(Rgb::tab(0))
                        .style(Style::Faded)
                        .unlisted(),
                );
            }
            fig.series.push(
                Series::key("sup output error, single seeds")
                    .color(Rgb::tab(0))
                    .style(Style::Faded),
            );
            let n: Vec<f64> = s.copies.iter().map(|&c| c as f64).collect();
            let sup = s.mean_log10_sup_error.iter().map(|l| 10f64.powf(*l));
            fig.series.push(
                Series::line(finite(n.iter().copied().zip(sup)))
                    .label("sup output error, geometric mean over seeds")
                    .color(Rgb::tab(0))
                    .style(Style::Bold),
            );
            fig.series.push(
                Series::line(finite(
                    n.iter()
                        .copied()
                        .zip(s.mean_median_coefficient_error.iter().copied()),
                ))
                .label("median coefficient error |e| (seed mean)")
                .color(Rgb::tab(1))
                .style(Style::Dashed),
            );
            fig.series.push(
                Series::line(finite(
                    n.iter()
                        .copied()
                        .zip(s.max_coefficient_error.iter().copied()),
                ))
                .label("largest coefficient error |e| (all seeds)")
                .color(Rgb::tab(3))
                .style(Style::Dotted),
            );
            fig
        })
        .collect::<Vec<_>>();
    Panels {
        title: "E2–E4: error of the pruned network against copies per field".into(),
        columns: panels.len().clamp(1, MAX_COLUMNS),
        panels,
    }
}

/// Plot (4): pruned test accuracy (seed mean) against copies, one colour per target, with the
/// target's own accuracy dashed.
pub fn sweep_accuracy_figure(result: &SweepResult) -> Figure {
    let mut fig = Figure::new(
        "E9: test accuracy of the pruned network against copies per field",
        Axis::linear("copies per field n"),
        Axis::linear("test accuracy"),
    );
    for (i, s) in result.summaries.iter().enumerate() {
        let n: Vec<f64> = s.copies.iter().map(|&c| c as f64).collect();
        fig.series.push(
            Series::line(finite(
                n.iter()
                    .copied()
                    .zip(s.mean_pruned_accuracy.iter().copied()),
            ))
            .label(format!("{}: pruned", target_title(s.target)))
            .color(Rgb::tab(i))
            .style(Style::Bold),
        );
        let (lo, hi) = (n[0], n[n.len() - 1]);
        fig.series.push(
            Series::line(vec![
                (lo, s.mean_target_accuracy),
                (hi, s.mean_target_accuracy),
            ])
            .label(format!("{}: target", target_title(s.target)))
            .color(Rgb::tab(i))
            .style(Style::Dashed),
        );
    }
    fig.legend = Legend::Outside;
    fig
}

/// The smallest width whose control violation the E8 claim and figure use: below it the
/// control keeps so few filter entries that its output can vanish.
pub const CONTROL_MIN_COPIES: usize = 16;

/// Where zero violations are drawn on the log axis of [`equivariance_figure`].
pub const VIOLATION_FLOOR: f64 = 1e-18;

/// Plot (5): per target (in order of appearance), two log bars: the largest equivariance
/// violation ‖f(g·x) − g·f(x)‖∞ / max‖f(x)‖∞ of the pruned networks (coefficient masks) over all
/// runs, and the smallest one of the unstructured control (masks on expanded filter entries)
/// over the runs with n ≥ [`CONTROL_MIN_COPIES`];
/// with the claims' bounds 10⁻¹² and 10⁻² and f64's machine epsilon. A zero violation is drawn
/// at [`VIOLATION_FLOOR`].
pub fn equivariance_figure(records: &[RunRecord]) -> Figure {
    let mut targets: Vec<TargetKind> = Vec::new();
    for r in records {
        if !targets.contains(&r.target) {
            targets.push(r.target);
        }
    }
    let names: Vec<String> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{} = {}", i + 1, target_title(*t)))
        .collect();
    let mut fig = Figure::new(
        "E8: equivariance violation, coefficient masks vs unstructured masks",
        Axis::linear(format!("target: {}", names.join(", "))),
        Axis::log("violation / output scale (0 drawn at 1e-18)"),
    );
    let bar = |x0: f64, value: f64| -> Vec<BandPoint> {
        let v = value.max(VIOLATION_FLOOR);
        [x0, x0 + 0.33]
            .map(|x| BandPoint {
                x,
                lower: VIOLATION_FLOOR,
                mean: v,
                upper: v,
            })
            .to_vec()
    };
    for (i, &t) in targets.iter().enumerate() {
        let rs: Vec<&RunRecord> = records.iter().filter(|r| r.target == t).collect();
        let structured = max_of(
            rs.iter()
                .map(|r| ratio(r.equivariance_violation, r.equivariance_scale)),
        );
        // The control at n ≥ CONTROL_MIN_COPIES (all runs when none is that wide).
        let wide: Vec<&&RunRecord> = rs
            .iter()
            .filter(|r| r.copies >= CONTROL_MIN_COPIES)
            .collect();
        let controls: Vec<&RunRecord> = if wide.is_empty() {
            rs.clone()
        } else {
            wide.into_iter().copied().collect()
        };
        let control = min_of(controls.iter().map(|r| {
            ratio(
                r.control_equivariance_violation,
                r.control_equivariance_scale,
            )
        }));
        let x = (i + 1) as f64;
        for (x0, value, color, label) in [
            (
                x - 0.35,
                structured,
                Rgb::tab(0),
                "coefficient masks (the ticket): largest over runs",
            ),
            (
                x + 0.02,
                control,
                Rgb::tab(3),
                "unstructured filter masks (control): smallest over runs with n ≥ 16 (all if none)",
            ),
        ] {
            fig.bands.push(Band {
                label: (i == 0).then(|| label.to_string()),
                points: bar(x0, value),
                color,
                style: Style::Bold,
            });
        }
    }
    let (lo, hi) = (0.5, targets.len() as f64 + 0.5);
    for (y, label, style) in [
        (1e-2, "claim: control ≥ 1e-2", Style::Dotted),
        (1e-12, "claim: ticket ≤ 1e-12", Style::Dashed),
        (f64::EPSILON, "f64 machine epsilon", Style::Faded),
    ] {
        fig.series.push(
            Series::line(vec![(lo, y), (hi, y)])
                .label(label)
                .color(Rgb::BLACK)
                .style(style),
        );
    }
    fig.legend = Legend::Outside;
    fig
}

/// One row per target at its largest width: the parameter accounting of spec 4.7 (E7).
pub fn params_table(result: &SweepResult) -> Table {
    let mut t = Table::new([
        "target",
        "copies",
        "seed",
        "params_target",
        "params_random",
        "params_random_formula",
        "random_ratio",
        "params_kept",
        "kept_ratio",
        "kept_ratio_reference_n_over_2",
        "mean_subset_fraction",
    ]);
    for s in &result.summaries {
        let Some(&n) = s.copies.last() else { continue };
        for r in at(&result.records, s.target, n) {
            t.push(vec![
                r.target.name().into(),
                n.into(),
                r.seed.into(),
                r.params.target.into(),
                r.params.random.into(),
                r.params.random_formula.into(),
                r.params.random_ratio.into(),
                r.params.kept.into(),
                r.params.kept_ratio.into(),
                (n as f64 / 2.0).into(),
                r.mean_subset_fraction.into(),
            ]);
        }
    }
    t
}

// ---------------------------------------------------------------------------------------------
// E6: the width law.

/// The n_min the fitted law predicts at (η, #problems).
fn fitted(r: &WidthLawResult, eta: f64, problems: usize) -> Option<f64> {
    r.fit
        .map(|f| f.a * (1.0 / eta).log2() + f.b * (problems as f64).log2() + f.c)
}

/// One row per (target, η, C, seed): n_min (empty when no width up to the largest reached η).
pub fn width_rows_table(r: &WidthLawResult) -> Table {
    let mut t = Table::new(["target", "eta", "fields", "seed", "problems", "n_min"]);
    for row in &r.rows {
        t.push(vec![
            row.target.name().into(),
            row.eta.into(),
            row.fields.into(),
            row.seed.into(),
            row.problems.into(),
            row.n_min.map_or(Value::Null, Value::from),
        ]);
    }
    t
}

/// One row per (target, η, C): the seed mean of n_min and the fitted law's value.
pub fn width_means_table(r: &WidthLawResult) -> Table {
    let mut t = Table::new([
        "target",
        "eta",
        "log2_inverse_eta",
        "fields",
        "problems",
        "mean_n_min",
        "seeds_found",
        "seeds",
        "fitted_n_min",
    ]);
    for m in &r.means {
        t.push(vec![
            m.target.name().into(),
            m.eta.into(),
            (1.0 / m.eta).log2().into(),
            m.fields.into(),
            m.problems.into(),
            m.mean_n_min.into(),
            m.seeds_found.into(),
            m.seeds.into(),
            fitted(r, m.eta, m.problems).into(),
        ]);
    }
    t
}

/// The fitted law n_min ≈ a·log2(1/η) + b·log2(#problems) + c, one row (empty when it could
/// not be fitted).
pub fn width_fit_table(r: &WidthLawResult) -> Table {
    let mut t = Table::new(["a", "a_stderr", "b", "b_stderr", "c", "r2", "points"]);
    if let Some(f) = r.fit {
        t.push(vec![
            f.a.into(),
            f.a_stderr.into(),
            f.b.into(),
            f.b_stderr.into(),
            f.c.into(),
            f.r2.into(),
            f.n.into(),
        ]);
    }
    t
}

/// One row per (target, C): the growth of the seed-mean n_min from the largest to the
/// smallest η.
pub fn width_growth_table(r: &WidthLawResult) -> Table {
    let mut t = Table::new(["target", "fields", "eta_from", "eta_to", "growth"]);
    for g in &r.growth {
        t.push(vec![
            g.target.name().into(),
            g.fields.into(),
            g.eta_from.into(),
            g.eta_to.into(),
            g.growth.into(),
        ]);
    }
    t
}

/// Plot (3): seed-mean n_min against log2(1/η), one line per (target, C), with the fitted law
/// dotted in the same colour.
pub fn width_figure(r: &WidthLawResult) -> Figure {
    let mut fig = Figure::new(
        "E6: smallest width reaching every |e| ≤ η (seed mean)",
        Axis::linear("log2(1/η)"),
        Axis::linear("copies per field n_min"),
    );
    let mut k = 0;
    for &target in &r.config.targets {
        for &fields in &r.config.fields {
            let ms: Vec<_> = r
                .means
                .iter()
                .filter(|m| m.target == target && m.fields == fields)
                .collect();
            let Some(first) = ms.first() else { continue };
            let label = format!(
                "{}, C = {fields} ({} instances)",
                target.name(),
                first.problems
            );
            fig.series.push(
                Series::line(finite(
                    ms.iter()
                        .filter(|m| m.seeds_found == m.seeds)
                        .map(|m| ((1.0 / m.eta).log2(), m.mean_n_min)),
                ))
                .label(label.clone())
                .color(Rgb::tab(k))
                .style(Style::Bold),
            );
            if r.fit.is_some() {
                fig.series.push(
                    Series::line(finite(ms.iter().map(|m| {
                        (
                            (1.0 / m.eta).log2(),
                            fitted(r, m.eta, m.problems).unwrap_or(f64::NAN),
                        )
                    })))
                    .label(format!("{label}: fitted law"))
                    .color(Rgb::tab(k))
                    .style(Style::Dotted)
                    .unlisted(),
                );
            }
            k += 1;
        }
    }
    if let Some(f) = r.fit {
        fig.series.push(
            Series::key(format!(
                "dotted: fitted n_min = {:.2}·log2(1/η) + {:.2}·log2(#instances) + {:.1}",
                f.a, f.b, f.c
            ))
            .color(Rgb::BLACK)
            .style(Style::Dotted),
        );
    }
    fig.legend = Legend::Outside;
    fig
}

// ---------------------------------------------------------------------------------------------
// Tolerance theorem and task parity.

/// One row per (target, ε, seed) of the tolerance check.
pub fn tolerance_table(r: &ToleranceResult) -> Table {
    let mut t = Table::new([
        "target",
        "epsilon",
        "seed",
        "copies",
        "eta_min",
        "eta_max",
        "max_layer_norm",
        "sup_error",
        "sup_error_over_epsilon",
        "holds",
    ]);
    for row in &r.rows {
        t.push(vec![
            row.target.name().into(),
            row.epsilon.into(),
            row.seed.into(),
            row.copies.map_or(Value::Null, Value::from),
            min_of(row.eta.iter().copied()).into(),
            max_of(row.eta.iter().copied()).into(),
            row.max_layer_norm.into(),
            row.sup_error.into(),
            row.sup_error_over_epsilon.into(),
            row.holds.map_or(Value::Null, flag),
        ]);
    }
    t
}

/// The measured sup error against ε, one marker per (target, seed), with the bound y = ε.
pub fn tolerance_figure(r: &ToleranceResult) -> Figure {
    let mut fig = Figure::new(
        "Tolerance theorem: sup error at the width where every |e| ≤ η_i",
        Axis::log("network tolerance ε"),
        Axis::log("measured sup error over the test inputs"),
    );
    for (i, t) in r.config.search.targets.iter().enumerate() {
        let pts = r
            .rows
            .iter()
            .filter(|row| row.target == t.target)
            .map(|row| (row.epsilon, row.sup_error));
        fig.series.push(
            Series::scatter(finite(pts))
                .label(target_title(t.target))
                .color(Rgb::tab(i))
                .style(Style::Bold),
        );
    }
    let lo = min_of(r.config.epsilons.iter().copied());
    let hi = max_of(r.config.epsilons.iter().copied());
    fig.series.push(
        Series::line(vec![(lo, lo), (hi, hi)])
            .label("bound: sup error = ε (spec 4.4)")
            .color(Rgb::BLACK)
            .style(Style::Dashed),
    );
    fig
}

/// One row per (target, seed) of the parity check (E9).
pub fn parity_table(r: &ParityResult) -> Table {
    let mut t = Table::new([
        "target",
        "seed",
        "copies",
        "max_coefficient_error",
        "prediction_agreement",
        "target_accuracy",
        "pruned_accuracy",
        "accuracy_gap_pp",
    ]);
    for row in &r.rows {
        t.push(vec![
            row.target.name().into(),
            row.seed.into(),
            row.copies.map_or(Value::Null, Value::from),
            row.max_coefficient_error.into(),
            row.prediction_agreement.into(),
            row.target_accuracy.into(),
            row.pruned_accuracy.into(),
            row.accuracy_gap_pp.into(),
        ]);
    }
    t
}

// ---------------------------------------------------------------------------------------------
// Bases.

/// The two bases of a report: B_{in→out} and B_{in→in}, one row each.
pub fn basis_summary_table(r: &BasisReport) -> Table {
    let c = &r.config;
    let mut t = Table::new([
        "basis",
        "group",
        "m",
        "order_in",
        "order_out",
        "kernel",
        "dim_in",
        "dim_out",
        "size",
        "beta",
        "identity_element",
        "identity_fixed",
    ]);
    let kernel: Value = match c.group {
        crate::group::GroupKind::C4 | crate::group::GroupKind::Translation => c.kernel.into(),
        _ => Value::Null,
    };
    let has_identity = |els: &[ElementReport]| flag(els.iter().any(|e| e.is_identity));
    t.push(vec![
        "in→out".into(),
        c.group.name().into(),
        c.m.into(),
        c.order_in.into(),
        c.order_out.into(),
        kernel.clone(),
        r.dim_in.into(),
        r.dim_out.into(),
        r.size.into(),
        r.beta.into(),
        has_identity(&r.elements),
        Value::Null,
    ]);
    t.push(vec![
        "in→in".into(),
        c.group.name().into(),
        c.m.into(),
        c.order_in.into(),
        c.order_in.into(),
        kernel,
        r.dim_in.into(),
        r.dim_in.into(),
        r.square_size.into(),
        r.square_beta.into(),
        has_identity(&r.square_elements),
        flag(r.identity_fixed),
    ]);
    t
}

/// Every element of both bases: its orbit key, orbit size, row count, non-zeros and norm
/// bound.
pub fn basis_elements_table(r: &BasisReport) -> Table {
    let mut t = Table::new([
        "basis",
        "index",
        "key",
        "orbit_size",
        "row_count",
        "nonzeros",
        "norm_bound",
        "is_identity",
    ]);
    for (name, elements) in [("in→out", &r.elements), ("in→in", &r.square_elements)] {
        for (k, e) in elements.iter().enumerate() {
            t.push(vec![
                name.into(),
                k.into(),
                e.key.as_str().into(),
                e.orbit_size.into(),
                e.row_count.into(),
                e.nonzeros.into(),
                e.norm_bound.into(),
                flag(e.is_identity),
            ]);
        }
    }
    t
}
