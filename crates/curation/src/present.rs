//! Tables and figures shared by `theorylab curation` and `reproduce curation`: the rows of the
//! sample-based runs as (seed, round) records over seeds (wide, long and mean ± sd tables,
//! bands over seeds), grid densities as heatmaps, and shares stacked over rounds.
//!
//! Every table names the parameters that vary in it (a record's run parameters are columns);
//! every figure has a title, axis labels and a legend naming each line.

use crate::dynamics::{DynamicsRow, DynamicsSettings, Trajectory};
use crate::experiments::e9::E9Row;
use crate::names::Rule;
use lab::plot::{
    color_for, Axis, Band, BandPoint, ColorBar, Figure, Heatmap, Legend, Rgb, Series, Stack,
    StackPart, Style,
};
use lab::table::{Table, Value};

/// One (seed, round) of a sample-based run: the parameters that identify the run (rule, K, λ,
/// reward, …), and every metric measured on its fresh sample.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedRound {
    /// The run's parameters, as (column, value), the same names for every record of a table.
    pub run: Vec<(&'static str, Value)>,
    /// The seed.
    pub seed: u64,
    /// The round (0 = the model fitted to the real data).
    pub round: u32,
    /// The metrics, as (name, value).
    pub metrics: Vec<(String, f64)>,
}

impl SeedRound {
    /// The value of `metric`, if measured.
    pub fn metric(&self, metric: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|(name, _)| name == metric)
            .map(|&(_, v)| v)
    }

    /// The run's parameters as one label, e.g. `λ = 0.5` (names as in [`param_label`]).
    pub fn run_label(&self) -> String {
        self.run
            .iter()
            .map(|(name, value)| format!("{} = {}", param_label(name), value_text(value)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How a run parameter reads in a legend: `lambda` as λ, `k` as K, others as named.
pub fn param_label(name: &str) -> &str {
    match name {
        "lambda" => "λ",
        "k" => "K",
        other => other,
    }
}

/// A value as plain text (shortest float form).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => format!("{x}"),
        Value::Null => String::new(),
    }
}

/// The runs of `records` in order of first appearance: (label, records of that run).
pub fn by_run(records: &[SeedRound]) -> Vec<(String, Vec<&SeedRound>)> {
    let mut runs: Vec<(String, Vec<&SeedRound>)> = Vec::new();
    for r in records {
        let label = r.run_label();
        match runs.iter_mut().find(|(l, _)| *l == label) {
            Some((_, list)) => list.push(r),
            None => runs.push((label, vec![r])),
        }
    }
    runs
}

/// The metric names of `records` in order of first appearance.
pub fn metric_names(records: &[SeedRound]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in records {
        for (name, _) in &r.metrics {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

/// Run parameter column names (from the first record).
fn run_columns(records: &[SeedRound]) -> Vec<&'static str> {
    records
        .first()
        .map(|r| r.run.iter().map(|(n, _)| *n).collect())
        .unwrap_or_default()
}

/// One row per (run, seed, round): the run's parameters, `seed`, `round`, then every metric
/// (empty where a record lacks it).
pub fn wide_table(records: &[SeedRound]) -> Table {
    let metrics = metric_names(records);
    wide_table_of(records, &metrics)
}

/// [`wide_table`] restricted to `metrics`.
pub fn wide_table_of(records: &[SeedRound], metrics: &[String]) -> Table {
    let mut columns: Vec<String> = run_columns(records).into_iter().map(String::from).collect();
    columns.extend(["seed".to_string(), "round".to_string()]);
    columns.extend(metrics.iter().cloned());
    let mut table = Table::new(columns);
    for r in records {
        let mut row: Vec<Value> = r.run.iter().map(|(_, v)| v.clone()).collect();
        row.push(r.seed.into());
        row.push(i64::from(r.round).into());
        row.extend(metrics.iter().map(|m| Value::from(r.metric(m))));
        table.push(row);
    }
    table
}

/// The long form, one row per (run, round, seed, metric): the run's parameters, then `round`,
/// `seed`, `metric`, `value` (the `rounds.csv` of `curation loop` and `curation digits`).
pub fn long_table(records: &[SeedRound]) -> Table {
    let mut columns: Vec<String> = run_columns(records).into_iter().map(String::from).collect();
    columns.extend(["round", "seed", "metric", "value"].map(String::from));
    let mut table = Table::new(columns);
    for r in records {
        for (name, value) in &r.metrics {
            let mut row: Vec<Value> = r.run.iter().map(|(_, v)| v.clone()).collect();
            row.push(i64::from(r.round).into());
            row.push(r.seed.into());
            row.push(name.as_str().into());
            row.push((*value).into());
            table.push(row);
        }
    }
    table
}

/// The values of `metric` over the seeds of `records` at `round` (records lacking it skipped).
pub fn at_round(records: &[&SeedRound], round: u32, metric: &str) -> Vec<f64> {
    records
        .iter()
        .filter(|r| r.round == round)
        .filter_map(|r| r.metric(metric))
        .collect()
}

/// The rounds of `records`, ascending, each once.
pub fn rounds_of(records: &[&SeedRound]) -> Vec<u32> {
    let mut rounds: Vec<u32> = records.iter().map(|r| r.round).collect();
    rounds.sort_unstable();
    rounds.dedup();
    rounds
}

/// Mean and sample sd over seeds, one row per (run, round): the run's parameters, `round`,
/// `seeds`, then `metric` and `metric_sd` for each of `metrics` (the table `curation loop` and
/// `curation digits` print for humans).
pub fn seed_summary(records: &[SeedRound], metrics: &[String]) -> Table {
    let mut columns: Vec<String> = run_columns(records).into_iter().map(String::from).collect();
    columns.extend(["round".to_string(), "seeds".to_string()]);
    for m in metrics {
        columns.push(m.clone());
        columns.push(format!("{m}_sd"));
    }
    let mut table = Table::new(columns);
    for (_, run) in by_run(records) {
        for round in rounds_of(&run) {
            let mut row: Vec<Value> = run[0].run.iter().map(|(_, v)| v.clone()).collect();
            let seeds = run.iter().filter(|r| r.round == round).count();
            row.push(i64::from(round).into());
            row.push(seeds.into());
            for m in metrics {
                let xs = at_round(&run, round, m);
                if xs.is_empty() {
                    row.extend([Value::Null, Value::Null]);
                } else {
                    row.push(lab::stats::mean(&xs).into());
                    row.push(lab::stats::sd(&xs).into());
                }
            }
            table.push(row);
        }
    }
    table
}

/// A colour for member `i` of `n` runs: tab10 colours up to 10, an ordered family beyond.
pub fn run_color(i: usize, n: usize) -> Rgb {
    if n <= 10 {
        Rgb::tab(i)
    } else {
        color_for(i, n)
    }
}

/// The mean over seeds of `metric` against the round, with a band of ± one sample sd, one band
/// per run (labelled by its parameters and seed count), on linear axes.
pub fn seed_bands(records: &[SeedRound], metric: &str, title: &str, y_label: &str) -> Figure {
    let mut fig = Figure::new(title, Axis::linear("round"), Axis::linear(y_label));
    let runs = by_run(records);
    let n = runs.len();
    for (i, (label, run)) in runs.iter().enumerate() {
        let mut seeds = 0;
        let points: Vec<BandPoint> = rounds_of(run)
            .into_iter()
            .filter_map(|t| {
                let xs = at_round(run, t, metric);
                seeds = seeds.max(xs.len());
                if xs.is_empty() {
                    return None;
                }
                let m = lab::stats::mean(&xs);
                let s = if xs.len() > 1 {
                    lab::stats::sd(&xs)
                } else {
                    0.0
                };
                Some(BandPoint {
                    x: f64::from(t),
                    lower: m - s,
                    mean: m,
                    upper: m + s,
                })
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        let name = if label.is_empty() {
            format!("mean ± sd over {seeds} seeds")
        } else {
            format!("{label} (mean ± sd, {seeds} seeds)")
        };
        fig.bands.push(Band {
            label: Some(name),
            points,
            color: run_color(i, n),
            style: Style::Normal,
        });
    }
    fig
}

/// Shares (one vector per x, summing to 1) stacked over x, component `i` labelled `labels[i]`,
/// with the legend outside the plot (the stack fills it).
pub fn shares_stack(
    title: &str,
    x_label: &str,
    x: &[f64],
    shares: &[Vec<f64>],
    labels: &[String],
) -> Figure {
    let mut fig = Figure::new(title, Axis::linear(x_label), Axis::linear("share"));
    let parts = labels
        .iter()
        .enumerate()
        .map(|(c, label)| StackPart {
            label: label.clone(),
            values: shares
                .iter()
                .map(|s| s.get(c).copied().unwrap_or(0.0))
                .collect(),
            color: Rgb::tab(c),
        })
        .collect();
    fig.stack = Some(Stack {
        x: x.to_vec(),
        parts,
    });
    fig.legend = Legend::Outside;
    fig
}

/// Per-atom values of a `cells`×`cells` grid over [−h, h]² (atom = row·cells + col, x from the
/// column, y from the row) as a heatmap.
pub fn grid_heatmap(
    title: &str,
    cells: usize,
    half_width: f64,
    values: &[f64],
    color: ColorBar,
) -> Heatmap {
    Heatmap {
        title: title.to_string(),
        x: Axis::linear("x₁"),
        y: Axis::linear("x₂"),
        x_range: (-half_width, half_width),
        y_range: (-half_width, half_width),
        values: values.chunks(cells).map(<[f64]>::to_vec).collect(),
        color,
    }
}

/// A log colour scale for densities from `max`/10⁸ to `max` (lower values get the lowest
/// colour), shared by the snapshots it is given to.
pub fn density_colors(label: &str, max: f64) -> ColorBar {
    ColorBar {
        range: (max > 0.0 && max.is_finite()).then_some((max * 1e-8, max)),
        ..ColorBar::log(label)
    }
}

/// A number for a file stem: `0.5` → `0p5`, `inf` stays.
pub fn stem_number(x: impl std::fmt::Display) -> String {
    x.to_string().replace('.', "p").replace('-', "m")
}

/// A (K, λ, rule) trajectory's legend label.
pub fn trajectory_label(s: &DynamicsSettings) -> String {
    let rule = match s.step.rule {
        Rule::Softmax => String::new(),
        Rule::Hardmax => " hardmax".to_string(),
    };
    format!("K = {}{rule}, λ = {}", s.step.k, s.lambda)
}

/// One line per trajectory of `value(row)` against the round (points where it is finite and,
/// on a log axis, positive).
pub fn trajectory_lines(
    trajectories: &[(DynamicsSettings, Trajectory)],
    title: &str,
    y: Axis,
    value: impl Fn(&DynamicsRow) -> f64,
) -> Figure {
    let log = matches!(y.scale, lab::plot::Scale::Log);
    let mut fig = Figure::new(title, Axis::linear("round t"), y);
    let n = trajectories.len();
    for (i, (s, traj)) in trajectories.iter().enumerate() {
        let points: Vec<(f64, f64)> = traj
            .rows
            .iter()
            .map(|r| (f64::from(r.round), value(r)))
            .filter(|&(_, v)| v.is_finite() && (!log || v > 0.0))
            .collect();
        if points.is_empty() {
            continue;
        }
        fig.series.push(
            Series::line(points)
                .label(trajectory_label(s))
                .color(run_color(i, n)),
        );
    }
    fig
}

/// The figures of `curation dynamics --out`, as (stem, figure): E\[r\], E\[e^r\], 1 − q_t (log)
/// and KL(p_t ‖ p_data) against the round, one line per (K, λ).
pub fn dynamics_figures(trajectories: &[(DynamicsSettings, Trajectory)]) -> Vec<(String, Figure)> {
    type Metric = fn(&DynamicsRow) -> f64;
    let figures: [(&str, &str, Axis, Metric); 4] = [
        (
            "expected_reward",
            "Expected reward E_{p_t}[r] per round",
            Axis::linear("E[r]"),
            |r| r.metrics.expected_reward,
        ),
        (
            "expected_weight",
            "Expected weight E_{p_t}[e^r] per round",
            Axis::linear("E[e^r]"),
            |r| r.metrics.expected_weight,
        ),
        (
            "non_top_mass",
            "Mass off the top reward set, 1 − q_t",
            Axis::log("1 − q_t"),
            |r| r.metrics.non_top_mass,
        ),
        (
            "kl_model_data",
            "KL(p_t ‖ p_data) per round",
            Axis::linear("KL(p_t ‖ p_data) (nats)"),
            |r| r.metrics.kl_model_data,
        ),
    ];
    figures
        .into_iter()
        .map(|(stem, title, y, value)| {
            (
                stem.to_string(),
                trajectory_lines(trajectories, title, y, value),
            )
        })
        .collect()
}

/// The metric columns of a dynamics row, after its k, (rule,) lambda and round.
pub const DYNAMICS_METRICS: [&str; 8] = [
    "expected_reward",
    "expected_weight",
    "q_top",
    "kl_target",
    "kl_data_model",
    "kl_model_data",
    "entropy",
    "drift",
];

/// The values of [`DYNAMICS_METRICS`] of `row` (drift empty at round 0).
pub fn dynamics_metric_values(row: &DynamicsRow) -> Vec<Value> {
    let m = &row.metrics;
    vec![
        m.expected_reward.into(),
        m.expected_weight.into(),
        m.q_top.into(),
        m.kl_target.into(),
        m.kl_data_model.into(),
        m.kl_model_data.into(),
        m.entropy.into(),
        row.drift.into(),
    ]
}

/// The E9 rows as (seed, round) records: run = (reward, K, λ); metrics = mean reward and
/// weight, class shares, class entropy ratio, Fréchet distance, precision, recall.
pub fn digits_records(rows: &[E9Row]) -> Vec<SeedRound> {
    rows.iter()
        .map(|r| {
            let mut metrics = vec![
                ("mean_reward".to_string(), r.mean_reward),
                ("mean_weight".to_string(), r.mean_weight),
            ];
            for (c, share) in r.class_shares.iter().enumerate() {
                metrics.push((format!("class_share_{c}"), *share));
            }
            metrics.extend([
                ("class_entropy_ratio".to_string(), r.class_entropy_ratio),
                ("frechet".to_string(), r.frechet),
                ("precision".to_string(), r.precision),
                ("recall".to_string(), r.recall),
            ]);
            SeedRound {
                run: vec![
                    ("reward", r.reward.name().into()),
                    ("k", i64::from(r.key.k).into()),
                    ("lambda", r.key.lambda.into()),
                ],
                seed: r.key.seed,
                round: r.key.round,
                metrics,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(lambda: f64, seed: u64, round: u32, reward: f64) -> SeedRound {
        SeedRound {
            run: vec![("lambda", lambda.into())],
            seed,
            round,
            metrics: vec![("mean_reward".into(), reward)],
        }
    }

    #[test]
    fn summaries_group_by_run_and_round() {
        let records = vec![
            record(0.0, 0, 0, 1.0),
            record(0.0, 1, 0, 3.0),
            record(0.0, 0, 1, 2.0),
            record(0.0, 1, 1, 6.0),
            record(0.5, 0, 0, 5.0),
        ];
        let s = seed_summary(&records, &["mean_reward".to_string()]);
        assert_eq!(
            s.columns,
            ["lambda", "round", "seeds", "mean_reward", "mean_reward_sd"]
        );
        assert_eq!(s.rows.len(), 3);
        assert_eq!(s.rows[1][3], Value::Float(4.0));
        assert_eq!(s.rows[1][4], Value::Float(8f64.sqrt()));
        assert_eq!(s.rows[2][2], Value::Int(1));
        let long = long_table(&records);
        assert_eq!(long.columns, ["lambda", "round", "seed", "metric", "value"]);
        assert_eq!(long.rows.len(), 5);
        let wide = wide_table(&records);
        assert_eq!(wide.columns, ["lambda", "seed", "round", "mean_reward"]);
        let fig = seed_bands(&records, "mean_reward", "t", "reward");
        assert_eq!(fig.bands.len(), 2);
        assert_eq!(
            fig.bands[0].label.as_deref(),
            Some("λ = 0 (mean ± sd, 2 seeds)")
        );
        assert_eq!(fig.bands[0].points[1].upper, 4.0 + 8f64.sqrt());
        assert_eq!(stem_number(0.25), "0p25");
    }
}
