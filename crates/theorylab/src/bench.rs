//! `theorylab bench plrf`: per-step sampler times and an ODE solve, against targets and
//! the official code's steady-state figures (spec §6.2).

use crate::Outcome;
use clap::Subcommand;
use lab::table::{render, Format, Table, Value};

#[derive(Subcommand)]
pub enum BenchTarget {
    /// Samplers at (d, v) = (200, 800) and (500, 2000), B = 1, the ODE at d = 1e5, t_max = 1e12, and the E4 frontier.
    Plrf {
        /// table or json.
        #[arg(long, default_value = "table", value_name = "table|json")]
        format: Format,
    },
}

/// One table row: label, value, unit, target, official figure, speed-up over it.
fn row(
    label: String,
    value: f64,
    unit: &str,
    target: Option<f64>,
    official: Option<f64>,
) -> Vec<Value> {
    vec![
        label.into(),
        value.into(),
        unit.into(),
        target.into(),
        official.into(),
        official.map(|o| o / value).into(),
    ]
}

pub fn run(target: BenchTarget, quiet: bool) -> Result<Outcome, String> {
    let BenchTarget::Plrf { format } = target;
    if format == Format::Csv {
        return Err("bench prints table or json (got csv)".into());
    }
    let bar = lab::progress::bar(6, "bench plrf", quiet);
    let mut table = Table::new([
        "measurement",
        "value",
        "unit",
        "target",
        "official",
        "speedup_vs_official",
    ]);
    for (d, eigen_steps, exact_steps) in [(200, 2_000_000, 5_000), (500, 1_000_000, 2_000)] {
        let (eigen, exact) = plrf::bench::sampler_step_times(d, eigen_steps, exact_steps)?;
        bar.inc(2);
        // Official: the steady-state jitted step of the official code at this size (µs).
        let official = Some(if d == 200 { 43.0 } else { 334.0 });
        let size = format!("d={d}, v={}", 4 * d);
        table.push(row(
            format!("eigen sampler step, {size}"),
            eigen * 1e6,
            "µs",
            (d == 200).then_some(2.0),
            official,
        ));
        table.push(row(
            format!("exact sampler step, {size}"),
            exact * 1e6,
            "µs",
            (d == 500).then_some(334.0),
            official,
        ));
    }
    let ode = plrf::bench::ode_seconds(100_000, 1e12, 0.01)?;
    bar.inc(1);
    let frontier = plrf::bench::frontier_seconds()?;
    bar.finish_and_clear();
    table.push(row(
        "ODE solve, d=1e5, t_max=1e12, dt=0.01".into(),
        ode,
        "s",
        Some(10.0),
        None,
    ));
    table.push(row(
        "E4 frontier, 3 optimizers x 8 d, (1, 0.3)".into(),
        frontier,
        "s",
        Some(60.0),
        None,
    ));
    print!("{}", render(&table, format, 4));
    Ok(Outcome::Done)
}
