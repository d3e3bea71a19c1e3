//! `theorylab bench NAME`: a registered system's performance measurements, next to their
//! targets and baselines.

use crate::output::Ctx;
use crate::{systems, Outcome};
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::Args;
use lab::system::BoxError;
use lab::table::{render, Format};

#[derive(Args)]
pub struct BenchArgs {
    /// Which system to measure.
    #[arg(value_parser = targets())]
    target: String,
    /// table or json.
    #[arg(long, default_value = "table", value_name = "table|json")]
    format: Format,
}

/// The systems that have a benchmark.
fn targets() -> PossibleValuesParser {
    PossibleValuesParser::new(
        systems()
            .into_iter()
            .filter(|s| s.has_bench())
            .map(|s| PossibleValue::new(s.name()).help(s.about())),
    )
}

pub fn run(a: BenchArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    if a.format == Format::Csv {
        return Err("--format: bench prints table or json (got csv)".into());
    }
    let system = systems()
        .into_iter()
        .find(|s| s.name() == a.target)
        .ok_or("no such benchmark")?;
    let bar = ctx.bar(system.bench_work(), &format!("bench {}", a.target));
    let progress = |units: u64, stage: &str| {
        bar.set_message(format!("bench {}: {stage}", a.target));
        bar.inc(units);
    };
    let table = system.bench(&progress)?;
    bar.finish_and_clear();
    print!("{}", render(&table, a.format, 4));
    Ok(Outcome::Done)
}
