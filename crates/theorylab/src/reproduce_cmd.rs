//! `theorylab reproduce`: every registered system's experiments, a claims table, report.html.

use crate::output::Ctx;
use crate::{systems, Outcome};
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::Args;
use lab::claims::{claims_table, Tally};
use lab::system::{BoxError, Scale};
use lab::table::{render, Format};
use std::path::PathBuf;

#[derive(Args)]
pub struct ReproduceArgs {
    /// Which system: all, or one of the registered papers.
    #[arg(default_value = "all", value_parser = targets())]
    target: String,
    /// Reduced settings that fit in minutes on 2 cores (the default); claims checked at a
    /// reduced scale are marked as stand-ins.
    #[arg(long, conflicts_with = "full")]
    quick: bool,
    /// The spec's settings everywhere (about half an hour or more on 2 cores; the LSTM needs
    /// scripts/fetch-shakespeare.sh first).
    #[arg(long)]
    full: bool,
    /// Output directory for report.html, claims.json, figures and data.
    #[arg(long, value_name = "DIR", default_value = "reproduce")]
    out: PathBuf,
    /// Exit 1 when any claim fails.
    #[arg(long)]
    strict: bool,
    /// Claims on stdout: a table, its csv, or json (as claims.json: with every number).
    #[arg(long, default_value = "table", value_name = "table|csv|json")]
    format: Format,
}

/// `all` and the name of every registered system, with its one-line description.
fn targets() -> PossibleValuesParser {
    let all = PossibleValue::new("all").help("every system below");
    PossibleValuesParser::new(
        std::iter::once(all).chain(
            systems()
                .into_iter()
                .map(|s| PossibleValue::new(s.name()).help(s.about())),
        ),
    )
}

pub fn run(a: ReproduceArgs, ctx: &Ctx) -> Result<Outcome, BoxError> {
    let scale = if a.full { Scale::Full } else { Scale::Quick };
    let selected: Vec<_> = systems()
        .into_iter()
        .filter(|s| a.target == "all" || s.name() == a.target)
        .collect();
    let done =
        lab::system::reproduce(&selected, scale, &a.out, ctx.quiet, ctx.force).map_err(|e| {
            match e.downcast_ref::<lab::rundir::RunDirError>() {
                Some(lab::rundir::RunDirError::Occupied { .. }) => format!("--out: {e} (--force)"),
                Some(_) => format!("--out: {e}"),
                None => e.to_string(),
            }
        })?;
    let claims = done.claims;
    match a.format {
        // The claims as in claims.json: the numbers each verdict comes from, with the columns.
        Format::Json => println!("{}", serde_json::to_string_pretty(&claims)?),
        format => print!("{}", render(&claims_table(&claims), format, 4)),
    }
    let tally = Tally::of(&claims);
    eprintln!(
        "{} claims ({tally}); report: {}",
        claims.len(),
        a.out.join("report.html").display()
    );
    Ok(if a.strict && tally.failed() > 0 {
        Outcome::CheckFailed
    } else {
        Outcome::Done
    })
}
