//! Tables and figures of every experiment's results, shared by the command line
//! (`theorylab lmc …`) and `theorylab reproduce lmc` ([`crate::reproduce`]).
//!
//! Every table names the parameters that vary in it (the item's key columns, the matcher, the
//! metric); every figure has a title, labelled axes and a legend naming each line. Matchers
//! keep one colour everywhere ([`matcher_color`]).

use crate::align::AlignReport;
use crate::experiments::lr_sweep::{LrSweepResult, PAPER_FIGURE2};
use crate::experiments::rows::{DimsRow, EndpointRow, PairRow, RowKey, SlopeRow};
use crate::experiments::w2::W2Result;
use crate::experiments::{Metric, Metrics};
use crate::matching::Matcher;
use lab::plot::{color_for, Axis, Band, BandPoint, Figure, Panels, Rgb, Series, Style};
use lab::table::{Table, Value};

/// The colour of a matcher in every figure (the unaligned baseline grey).
pub fn matcher_color(m: Matcher) -> Rgb {
    match m {
        Matcher::Identity => Rgb::GREY,
        Matcher::Weight => Rgb::tab(0),
        Matcher::Rebasin => Rgb::tab(1),
        Matcher::RebasinScaled => Rgb::tab(5),
        Matcher::Sigma => Rgb::tab(2),
        Matcher::SigmaBias => Rgb::tab(8),
        Matcher::Activation => Rgb::tab(3),
        Matcher::Sinkhorn => Rgb::tab(6),
    }
}

/// A matcher's legend entry: its name and the official plots' label, e.g. `sigma (WM (ours))`.
pub fn matcher_legend(m: Matcher) -> String {
    format!("{} ({})", m.name(), m.label())
}

/// The matchers' short names with the official plots' labels, for captions.
pub const MATCHER_KEY: &str = "identity = unaligned (a), weight = naive WM (b), rebasin = Git Re-Basin WM (c), \
     rebasin-scaled = Git Re-Basin with √N-scaled output weights, sigma = Σ-weighted WM, \"WM (ours)\" (d), \
     activation = AM (e)";

/// The text of a metric's name as a column or axis label.
pub fn metric_name(m: Metric) -> &'static str {
    Metrics::COLUMNS[Metric::ALL
        .iter()
        .position(|&x| x == m)
        .expect("every metric is listed")]
}

/// The key's cells as table values.
fn key_values<K: RowKey>(key: &K) -> Vec<Value> {
    key.values()
}

fn columns_with<K: RowKey>(rest: &[&str]) -> Vec<String> {
    K::COLUMNS
        .iter()
        .chain(rest)
        .map(|c| c.to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------
// E0

/// `dim,n,rep,w2`: one row per cloud pair (what `lmc w2 --format csv` prints).
pub fn w2_rows(r: &W2Result) -> Table {
    let mut t = Table::new(["dim", "n", "rep", "w2"]);
    for row in &r.rows {
        t.push(vec![
            row.dim.into(),
            row.n.into(),
            row.rep.into(),
            row.w2.into(),
        ]);
    }
    t
}

/// `dim,n,reps,w2_mean,w2_sd`: D₂ over reps per (dim, n).
pub fn w2_summary(r: &W2Result, reps: usize) -> Table {
    let mut t = Table::new(["dim", "n", "reps", "w2_mean", "w2_sd"]);
    for s in &r.summary {
        t.push(vec![
            s.dim.into(),
            s.n.into(),
            reps.into(),
            s.mean.into(),
            s.sd.into(),
        ]);
    }
    t
}

/// `dim,slope,stderr,ci_lo,ci_hi` (`slopes.csv`): the log-log slope of D₂ on n per dim with
/// its bootstrap interval over reps.
pub fn w2_slopes(r: &W2Result) -> Table {
    let mut t = Table::new(["dim", "slope", "stderr", "ci_lo", "ci_hi"]);
    for s in &r.slopes {
        let f = s.fit.as_ref();
        t.push(vec![
            s.dim.into(),
            f.map(|f| f.slope).into(),
            f.map(|f| f.stderr).into(),
            f.and_then(|f| f.ci_lo).into(),
            f.and_then(|f| f.ci_hi).into(),
        ]);
    }
    t
}

/// The slopes beside their asymptotic values: `dim,slope,ci_lo,ci_hi,theory` with theory
/// −1/dim (dim ≥ 3) or −1/2.
pub fn w2_slopes_vs_theory(r: &W2Result) -> Table {
    let mut t = Table::new(["dim", "slope", "ci_lo", "ci_hi", "theory"]);
    for s in &r.slopes {
        let f = s.fit.as_ref();
        t.push(vec![
            s.dim.into(),
            f.map(|f| f.slope).into(),
            f.and_then(|f| f.ci_lo).into(),
            f.and_then(|f| f.ci_hi).into(),
            s.theory.into(),
        ]);
    }
    t
}

/// D₂ against n per dim on log-log axes (mean over reps, band: min to max over reps), each
/// with a dashed guide of the asymptotic slope through its largest-n mean.
pub fn w2_figure(r: &W2Result) -> Figure {
    let mut fig = Figure::new(
        "E0: W₂ between two i.i.d. N(0, I_d) clouds of n points",
        Axis::log("points per cloud n"),
        Axis::log("D₂ = W₂ (root mean squared matched distance)"),
    );
    let dims: Vec<usize> = r.slopes.iter().map(|s| s.dim).collect();
    for (i, s) in r.slopes.iter().enumerate() {
        let color = color_for(i, dims.len());
        let points: Vec<BandPoint> = r
            .summary
            .iter()
            .filter(|x| x.dim == s.dim)
            .map(|x| {
                let reps: Vec<f64> = r
                    .rows
                    .iter()
                    .filter(|row| row.dim == s.dim && row.n == x.n)
                    .map(|row| row.w2)
                    .collect();
                BandPoint {
                    x: x.n as f64,
                    lower: reps.iter().copied().fold(f64::INFINITY, f64::min),
                    mean: x.mean,
                    upper: reps.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                }
            })
            .collect();
        if let Some(last) = points.last() {
            let (n0, n1) = (points[0].x, last.x);
            let guide = |n: f64| last.mean * (n / n1).powf(s.theory);
            fig.series.push(
                Series::line(vec![(n0, guide(n0)), (n1, guide(n1))])
                    .label(format!("d = {}: slope {}", s.dim, slope_text(s.dim)))
                    .color(color)
                    .style(Style::Dashed)
                    .unlisted(),
            );
        }
        let label = match &s.fit {
            Some(f) => format!("d = {} (fitted slope {:.3})", s.dim, f.slope),
            None => format!("d = {}", s.dim),
        };
        fig.bands.push(Band {
            label: Some(label),
            points,
            color,
            style: Style::Normal,
        });
    }
    fig.series.push(
        Series::key("dashed: asymptotic slope (−1/d; −1/2 for d ≤ 2)")
            .color(Rgb::BLACK)
            .style(Style::Dashed),
    );
    fig
}

fn slope_text(dim: usize) -> String {
    if dim <= 2 {
        "−1/2".into()
    } else {
        format!("−1/{dim}")
    }
}

// ---------------------------------------------------------------------------------------
// E1–E4 rows

/// One row per (item, matcher): the key columns, `matcher`, then every metric (empty where
/// undefined, e.g. losses without targets).
pub fn pair_rows<K: RowKey>(rows: &[PairRow<K>]) -> Table {
    let mut columns = columns_with::<K>(&["matcher"]);
    columns.extend(Metrics::COLUMNS.iter().map(|c| c.to_string()));
    let mut t = Table::new(columns);
    for row in rows {
        let mut cells = key_values(&row.key);
        cells.push(row.matcher.name().into());
        cells.extend(row.metrics.values().iter().map(|&v| Value::from(v)));
        t.push(cells);
    }
    t
}

/// One row per trained network: the key, `run` (0 = A, 1 = B), train/test loss and accuracy,
/// and the step where training diverged (empty if it did not).
pub fn endpoint_rows<K: RowKey>(rows: &[EndpointRow<K>]) -> Table {
    let mut t = Table::new(columns_with::<K>(&[
        "run",
        "train_loss",
        "test_loss",
        "train_accuracy",
        "test_accuracy",
        "diverged_at",
    ]));
    for row in rows {
        let e = &row.endpoint;
        let mut cells = key_values(&row.key);
        cells.extend([
            row.run.into(),
            e.train_loss.into(),
            e.test_loss.into(),
            e.train_accuracy.into(),
            e.test_accuracy.into(),
            e.diverged_at.map_or(Value::Null, Value::from),
        ]);
        t.push(cells);
    }
    t
}

/// One row per (item, hidden layer) of network A: Dim(S_naive), Dim(S_Σ), Dim(S_act).
pub fn dims_rows<K: RowKey>(rows: &[DimsRow<K>]) -> Table {
    let mut t = Table::new(columns_with::<K>(&[
        "layer",
        "dim_naive",
        "dim_sigma",
        "dim_act",
    ]));
    for row in rows {
        let mut cells = key_values(&row.key);
        cells.extend([
            row.dims.layer.into(),
            row.dims.naive.into(),
            row.dims.sigma.into(),
            row.dims.act.into(),
        ]);
        t.push(cells);
    }
    t
}

/// One row per (group, matcher, metric): the log-log slope against width with its standard
/// error, bootstrap interval over seeds, points and seeds (empty where no fit).
pub fn slope_rows<G: RowKey>(rows: &[SlopeRow<G>]) -> Table {
    let mut t = Table::new(columns_with::<G>(&[
        "matcher", "metric", "slope", "stderr", "ci_lo", "ci_hi", "points", "seeds",
    ]));
    for row in rows {
        let f = row.fit.as_ref();
        let mut cells = key_values(&row.group);
        cells.extend([
            row.matcher.name().into(),
            metric_name(row.metric).into(),
            f.map(|f| f.slope).into(),
            f.map(|f| f.stderr).into(),
            f.and_then(|f| f.ci_lo).into(),
            f.and_then(|f| f.ci_hi).into(),
            f.map_or(Value::Null, |f| f.points.into()),
            f.map_or(Value::Null, |f| f.seeds.into()),
        ]);
        t.push(cells);
    }
    t
}

/// The values of `metric` of the rows with `matcher` whose key `keep`s, in row order.
pub fn metric_values<K>(
    rows: &[PairRow<K>],
    matcher: Matcher,
    metric: Metric,
    keep: impl Fn(&K) -> bool,
) -> Vec<f64> {
    rows.iter()
        .filter(|r| r.matcher == matcher && keep(&r.key))
        .filter_map(|r| r.metrics.get(metric))
        .collect()
}

/// Mean and sd over seeds per (setting, width, matcher) of `metrics`: columns `setting`
/// (named `setting_name`, absent when None), `width`, `matcher`, `seeds`, then
/// `<metric>_mean` and `<metric>_sd` for each metric.
pub fn width_means<K>(
    rows: &[PairRow<K>],
    setting_name: Option<&str>,
    setting: impl Fn(&K) -> usize,
    width: impl Fn(&K) -> usize,
    metrics: &[Metric],
) -> Table {
    let mut columns: Vec<String> = setting_name.iter().map(|s| s.to_string()).collect();
    columns.extend(["width", "matcher", "seeds"].map(String::from));
    for &m in metrics {
        columns.push(format!("{}_mean", metric_name(m)));
        columns.push(format!("{}_sd", metric_name(m)));
    }
    let mut t = Table::new(columns);
    let mut seen: Vec<(usize, usize, Matcher)> = Vec::new();
    for r in rows {
        let key = (setting(&r.key), width(&r.key), r.matcher);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let same = |k: &K| setting(k) == key.0 && width(k) == key.1;
        let seeds = rows
            .iter()
            .filter(|x| x.matcher == key.2 && same(&x.key))
            .count();
        let mut cells: Vec<Value> = Vec::new();
        if setting_name.is_some() {
            cells.push(key.0.into());
        }
        cells.extend([key.1.into(), key.2.name().into(), seeds.into()]);
        for &m in metrics {
            let v = metric_values(rows, key.2, m, same);
            if v.is_empty() {
                cells.extend([Value::Null, Value::Null]);
            } else {
                cells.extend([lab::stats::mean(&v).into(), lab::stats::sd(&v).into()]);
            }
        }
        t.push(cells);
    }
    t
}

/// One figure of `metric` against width on log-log axes, a line per matcher (mean over
/// seeds, band: min to max over seeds), for the rows whose key `keep`s. The legend names the
/// matchers by their short names (these figures come in panels, where the official labels
/// would squeeze the plots; [`MATCHER_KEY`] gives them in captions).
#[allow(clippy::too_many_arguments)]
pub fn width_figure<K>(
    title: &str,
    rows: &[PairRow<K>],
    matchers: &[Matcher],
    metric: Metric,
    y_label: &str,
    keep: impl Fn(&K) -> bool,
    width: impl Fn(&K) -> usize,
) -> Figure {
    let mut fig = Figure::new(title, Axis::log("hidden width N"), Axis::log(y_label));
    let mut widths: Vec<usize> = rows
        .iter()
        .filter(|r| keep(&r.key))
        .map(|r| width(&r.key))
        .collect();
    widths.sort_unstable();
    widths.dedup();
    for &m in matchers {
        let points: Vec<BandPoint> = widths
            .iter()
            .filter_map(|&n| {
                let v = metric_values(rows, m, metric, |k| keep(k) && width(k) == n);
                (!v.is_empty()).then(|| BandPoint {
                    x: n as f64,
                    lower: v.iter().copied().fold(f64::INFINITY, f64::min),
                    mean: lab::stats::mean(&v),
                    upper: v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                })
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        fig.bands.push(Band {
            label: Some(m.name().to_string()),
            points,
            color: matcher_color(m),
            style: Style::Normal,
        });
    }
    fig
}

/// The relative function gap at t = ½ against width, one panel per value of a setting
/// (`name` = value, e.g. `d = 4`), a line per matcher.
#[allow(clippy::too_many_arguments)]
pub fn gap_panels<K>(
    title: &str,
    rows: &[PairRow<K>],
    matchers: &[Matcher],
    name: &str,
    values: &[usize],
    setting: impl Fn(&K) -> usize + Copy,
    width: impl Fn(&K) -> usize + Copy,
) -> Panels {
    let figures = values
        .iter()
        .map(|&v| {
            width_figure(
                &format!("{name} = {v}"),
                rows,
                matchers,
                Metric::GapRel,
                "relative function gap at t = ½",
                |k| setting(k) == v,
                width,
            )
        })
        .collect();
    panels(title, figures)
}

/// Figures in a grid of two columns under `title`.
pub fn panels(title: &str, figures: Vec<Figure>) -> Panels {
    Panels {
        title: title.to_string(),
        columns: figures.len().clamp(1, 2),
        panels: figures,
    }
}

/// Mean Dims of layer 1 per width: `width,seeds,dim_naive,dim_sigma,dim_act` (rows of items
/// whose key `keep`s).
pub fn width_dims<K>(
    rows: &[DimsRow<K>],
    keep: impl Fn(&K) -> bool,
    width: impl Fn(&K) -> usize,
) -> Vec<(usize, usize, [f64; 3])> {
    let mut widths: Vec<usize> = rows
        .iter()
        .filter(|r| keep(&r.key))
        .map(|r| width(&r.key))
        .collect();
    widths.sort_unstable();
    widths.dedup();
    widths
        .into_iter()
        .map(|n| {
            let at: Vec<_> = rows
                .iter()
                .filter(|r| keep(&r.key) && width(&r.key) == n && r.dims.layer == 1)
                .collect();
            let mean = |f: fn(&crate::metrics::LayerDims) -> f64| {
                lab::stats::mean(&at.iter().map(|r| f(&r.dims)).collect::<Vec<_>>())
            };
            (
                n,
                at.len(),
                [mean(|d| d.naive), mean(|d| d.sigma), mean(|d| d.act)],
            )
        })
        .collect()
}

/// The three Dims of layer 1 against width (log-log), one line each.
pub fn width_dims_figure(title: &str, dims: &[(usize, usize, [f64; 3])]) -> Figure {
    let mut fig = Figure::new(
        title,
        Axis::log("hidden width N"),
        Axis::log("Dim (participation ratio), layer 1"),
    );
    for (j, name) in DIM_NAMES.iter().enumerate() {
        fig.series.push(
            Series::line(dims.iter().map(|(n, _, d)| (*n as f64, d[j])).collect())
                .label(*name)
                .color(dim_color(j)),
        );
    }
    fig
}

/// The colour of Dim j (naive, Σ, act): that of the matcher that sees the cloud (weight,
/// sigma, activation), so a colour means the same thing in every figure.
pub fn dim_color(j: usize) -> Rgb {
    matcher_color([Matcher::Weight, Matcher::Sigma, Matcher::Activation][j])
}

/// The legend names of the three Dims.
pub const DIM_NAMES: [&str; 3] = [
    "Dim(S_naive) = Dim(WᵀW)",
    "Dim(S_Σ) = Dim(WΣWᵀ)",
    "Dim(S_act) = Dim(E[hhᵀ])",
];

/// Layer-1 Dims per width as a table: `width,seeds,dim_naive,dim_sigma,dim_act`.
pub fn width_dims_table(dims: &[(usize, usize, [f64; 3])]) -> Table {
    let mut t = Table::new(["width", "seeds", "dim_naive", "dim_sigma", "dim_act"]);
    for (n, seeds, d) in dims {
        t.push(vec![
            (*n).into(),
            (*seeds).into(),
            d[0].into(),
            d[1].into(),
            d[2].into(),
        ]);
    }
    t
}

// ---------------------------------------------------------------------------------------
// E4

/// The curves of the Figure-2 analogue: `lr,curve,test_loss_mean,test_loss_sd,barrier_mean,
/// test_accuracy,diverged`, where the loss is the midpoint's for a matcher (with its mean
/// barrier) and the endpoints' for `model` (with the endpoint test accuracy and the diverged
/// runs); sd is the population sd over reps, as the official bands.
pub fn lr_curves(r: &LrSweepResult) -> Table {
    let mut t = Table::new([
        "lr",
        "curve",
        "test_loss_mean",
        "test_loss_sd",
        "barrier_mean",
        "test_accuracy",
        "diverged",
    ]);
    for m in &r.model {
        for s in r.matchers.iter().filter(|s| s.lr == m.lr) {
            t.push(vec![
                s.lr.into(),
                s.matcher.name().into(),
                s.midpoint_mean.into(),
                s.midpoint_sd.into(),
                s.barrier_mean.into(),
                Value::Null,
                Value::Null,
            ]);
        }
        t.push(vec![
            m.lr.into(),
            "model".into(),
            m.endpoint_mean.into(),
            m.endpoint_sd.into(),
            Value::Null,
            m.test_accuracy.into(),
            m.diverged.into(),
        ]);
    }
    t
}

/// Mean Dims per (learning rate, layer) and the ratios to Dim(S_naive).
pub fn lr_dims(r: &LrSweepResult) -> Table {
    let mut t = Table::new([
        "lr",
        "layer",
        "dim_naive",
        "dim_sigma",
        "dim_act",
        "ratio_naive_sigma",
        "ratio_naive_act",
    ]);
    for d in &r.dim_summary {
        t.push(vec![
            d.lr.into(),
            d.layer.into(),
            d.naive.into(),
            d.sigma.into(),
            d.act.into(),
            d.ratio_sigma.into(),
            d.ratio_act.into(),
        ]);
    }
    t
}

/// The paper's Figure-2 numbers (spec §5, E-paper: MNIST, the official notebook's stored run;
/// midpoints read off the figure).
pub fn paper_figure2_table() -> Table {
    let mut t = Table::new([
        "lr",
        "test_loss",
        "test_accuracy",
        "midpoint_weight",
        "midpoint_sigma",
        "midpoint_activation",
    ]);
    for p in PAPER_FIGURE2 {
        t.push(vec![
            p.lr.into(),
            p.test_loss.into(),
            p.test_accuracy.into(),
            p.midpoint_weight.into(),
            p.midpoint_sigma.into(),
            p.midpoint_activation.into(),
        ]);
    }
    t
}

/// The Figure-2 analogue: midpoint test loss against learning rate per matcher (± population
/// sd over reps) and the "Model" endpoint mean, log-log; beside it the paper's MNIST curves
/// (read off its figure) on the same axes' kind.
pub fn lr_figure(r: &LrSweepResult, data_label: &str) -> Panels {
    let mut ours = Figure::new(
        format!("This run: {data_label}"),
        Axis::log("peak learning rate"),
        Axis::log("test loss at t = ½ (midpoint)"),
    );
    let matchers: Vec<Matcher> = {
        let mut v: Vec<Matcher> = Vec::new();
        for s in &r.matchers {
            if !v.contains(&s.matcher) {
                v.push(s.matcher);
            }
        }
        v
    };
    for &m in &matchers {
        ours.bands.push(Band {
            label: Some(matcher_legend(m)),
            points: r
                .matchers
                .iter()
                .filter(|s| s.matcher == m)
                .map(|s| BandPoint {
                    x: s.lr,
                    lower: s.midpoint_mean - s.midpoint_sd,
                    mean: s.midpoint_mean,
                    upper: s.midpoint_mean + s.midpoint_sd,
                })
                .collect(),
            color: matcher_color(m),
            style: Style::Normal,
        });
    }
    ours.bands.push(Band {
        label: Some("Model: endpoint mean ½(ℒ_A + ℒ_B)".into()),
        points: r
            .model
            .iter()
            .map(|m| BandPoint {
                x: m.lr,
                lower: m.endpoint_mean - m.endpoint_sd,
                mean: m.endpoint_mean,
                upper: m.endpoint_mean + m.endpoint_sd,
            })
            .collect(),
        color: Rgb::BLACK,
        style: Style::Dashed,
    });
    let mut paper = Figure::new(
        "Paper (MNIST, 3×512, stored run; read off its Figure 2)",
        Axis::log("peak learning rate"),
        Axis::log("test loss at t = ½ (midpoint)"),
    );
    type Curve = (
        Matcher,
        fn(&crate::experiments::lr_sweep::PaperPoint) -> f64,
    );
    let paper_curves: [Curve; 3] = [
        (Matcher::Weight, |p| p.midpoint_weight),
        (Matcher::Sigma, |p| p.midpoint_sigma),
        (Matcher::Activation, |p| p.midpoint_activation),
    ];
    for (m, f) in paper_curves {
        paper.series.push(
            Series::line(PAPER_FIGURE2.iter().map(|p| (p.lr, f(p))).collect())
                .label(matcher_legend(m))
                .color(matcher_color(m)),
        );
    }
    paper.series.push(
        Series::line(PAPER_FIGURE2.iter().map(|p| (p.lr, p.test_loss)).collect())
            .label("Model: endpoint test loss")
            .color(Rgb::BLACK)
            .style(Style::Dashed),
    );
    panels(
        "Figure-2 analogue: midpoint test loss against learning rate (band ± sd over reps)",
        vec![ours, paper],
    )
}

/// Dim against learning rate (log-log): colour = matrix, line style = layer.
pub fn lr_dims_figure(r: &LrSweepResult) -> Figure {
    let mut fig = Figure::new(
        "Dimension of the matched clouds against learning rate (network A, mean over reps)",
        Axis::log("peak learning rate"),
        Axis::log("Dim (participation ratio)"),
    );
    const STYLES: [Style; 3] = [Style::Normal, Style::Dashed, Style::Dotted];
    let mut layers: Vec<usize> = r.dim_summary.iter().map(|d| d.layer).collect();
    layers.sort_unstable();
    layers.dedup();
    type Pick = fn(&crate::experiments::lr_sweep::LrDimSummary) -> f64;
    let picks: [Pick; 3] = [|d| d.naive, |d| d.sigma, |d| d.act];
    for (j, pick) in picks.iter().enumerate() {
        for (li, &layer) in layers.iter().enumerate() {
            fig.series.push(
                Series::line(
                    r.dim_summary
                        .iter()
                        .filter(|d| d.layer == layer)
                        .map(|d| (d.lr, pick(d)))
                        .collect(),
                )
                .label(format!("{}, layer {layer}", DIM_NAMES[j]))
                .color(dim_color(j))
                .style(STYLES[li % STYLES.len()])
                .unlisted(),
            );
        }
        fig.series
            .push(Series::key(DIM_NAMES[j]).color(dim_color(j)));
    }
    for (li, &layer) in layers.iter().enumerate() {
        fig.series.push(
            Series::key(format!("layer {layer}"))
                .color(Rgb::BLACK)
                .style(STYLES[li % STYLES.len()]),
        );
    }
    fig
}

// ---------------------------------------------------------------------------------------
// align

/// `interpolation.csv`: `t,loss_unaligned,loss_aligned,acc_unaligned,acc_aligned,
/// gap_unaligned,gap_aligned` (losses and accuracies empty without labels).
pub fn interpolation_table(report: &AlignReport) -> Table {
    let mut t = Table::new([
        "t",
        "loss_unaligned",
        "loss_aligned",
        "acc_unaligned",
        "acc_aligned",
        "gap_unaligned",
        "gap_aligned",
    ]);
    for r in &report.interpolation {
        t.push(vec![
            r.t.into(),
            r.loss_unaligned.into(),
            r.loss_aligned.into(),
            r.acc_unaligned.into(),
            r.acc_aligned.into(),
            r.gap_unaligned.into(),
            r.gap_aligned.into(),
        ]);
    }
    t
}

/// Per hidden layer: width, D₂ before and after alignment, and A's Dims.
pub fn align_layers_table(report: &AlignReport) -> Table {
    let mut t = Table::new([
        "layer",
        "width",
        "d2_in_unaligned",
        "d2_in",
        "d2_full",
        "d2_sigma",
        "dim_naive",
        "dim_sigma",
        "dim_act",
    ]);
    for l in &report.summary.layers {
        t.push(vec![
            l.layer.into(),
            l.width.into(),
            l.d2_in_unaligned.into(),
            l.d2_in.into(),
            l.d2_full.into(),
            l.d2_sigma.into(),
            l.dim_naive.into(),
            l.dim_sigma.into(),
            l.dim_act.into(),
        ]);
    }
    t
}

/// The unaligned and aligned values of one quantity at a point of the path.
type PathPair = dyn Fn(&crate::align::InterpolationRow) -> (Option<f64>, Option<f64>);

/// The interpolation paths before and after alignment: the loss (with labels) and the
/// function gap against t.
pub fn align_figure(report: &AlignReport) -> Panels {
    let m = report.summary.matcher;
    let rows = &report.interpolation;
    let pair = |title: &str, y: &str, get: &PathPair| {
        let mut fig = Figure::new(
            title,
            Axis::linear("t (0 = A, 1 = B or aligned B)"),
            Axis::linear(y),
        );
        let (u, a): (Vec<_>, Vec<_>) = rows
            .iter()
            .map(|r| {
                let (u, a) = get(r);
                ((r.t, u.unwrap_or(f64::NAN)), (r.t, a.unwrap_or(f64::NAN)))
            })
            .unzip();
        fig.series.push(
            Series::line(u)
                .label("unaligned: (1 − t)θ_A + tθ_B")
                .color(matcher_color(Matcher::Identity)),
        );
        fig.series.push(
            Series::line(a)
                .label(format!("aligned by {}", matcher_legend(m)))
                .color(matcher_color(m))
                .style(Style::Bold),
        );
        fig
    };
    let mut figures = Vec::new();
    if rows.iter().any(|r| r.loss_unaligned.is_some()) {
        figures.push(pair(
            "Loss along the segment",
            "mean cross-entropy loss",
            &|r| (r.loss_unaligned, r.loss_aligned),
        ));
    }
    figures.push(pair(
        "Function gap along the segment",
        "E‖f(θ(t)) − ((1 − t)f_A + t f_B)‖₂",
        &|r| (Some(r.gap_unaligned), Some(r.gap_aligned)),
    ));
    panels("lmc align: B matched to A", figures)
}

/// The headline numbers of an alignment, one row per quantity: `quantity,unaligned,aligned`
/// (losses and accuracy barriers empty without labels).
pub fn align_overview(report: &AlignReport) -> Table {
    let s = &report.summary;
    let mut t = Table::new(["quantity", "unaligned", "aligned"]);
    let rows: [(&str, Option<f64>, Option<f64>); 4] = [
        ("loss barrier", s.barrier_unaligned, s.barrier_aligned),
        (
            "midpoint loss",
            s.midpoint_loss_unaligned,
            s.midpoint_loss_aligned,
        ),
        (
            "accuracy barrier",
            s.accuracy_barrier_unaligned,
            s.accuracy_barrier_aligned,
        ),
        (
            "relative function gap at t = ½",
            Some(s.gap_rel_unaligned),
            Some(s.gap_rel_aligned),
        ),
    ];
    for (name, u, a) in rows {
        t.push(vec![name.into(), u.into(), a.into()]);
    }
    t
}
