//! `theorylab reproduce`: every system's experiments, a claims table, report.html.

use crate::output::{commit, config_record};
use crate::Outcome;
use clap::{Args, ValueEnum};
use lab::claims::{claims_table, failures};
use lab::outdir::OutDir;
use lab::report::{Report, Scale, Sink};
use lab::table::{render, Format};
use plrf::reproduce::reproduce;
use serde_json::json;
use std::path::PathBuf;

/// Which systems to reproduce.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Target {
    /// Every system (today: PLRF/DANA).
    All,
    /// Power-law random features and DANA.
    Plrf,
}

#[derive(Args)]
pub struct ReproduceArgs {
    /// Which system.
    #[arg(value_enum, default_value = "all")]
    target: Target,
    /// Reduced simulations (minutes on 2 cores); the default.
    #[arg(long, conflicts_with = "full")]
    quick: bool,
    /// The spec's settings everywhere.
    #[arg(long)]
    full: bool,
    /// Output directory for report.html, claims.json, figures and data.
    #[arg(long, value_name = "DIR", default_value = "reproduce")]
    out: PathBuf,
    /// Exit 1 when any claim fails.
    #[arg(long)]
    strict: bool,
    /// Claims table on stdout as table, csv or json.
    #[arg(long, default_value = "table", value_name = "table|csv|json")]
    format: Format,
}

pub fn run(a: ReproduceArgs, quiet: bool) -> Result<Outcome, String> {
    let scale = if a.full { Scale::Full } else { Scale::Quick };
    let mut report = Report::new(
        &format!("theorylab reproduce ({})", if a.full { "full" } else { "quick" }),
        "Each row of the claims table is a statement of a paper, what theory predicts, what theorylab measured, the \
         tolerance and the verdict. Figures and data are in this directory as PNG, SVG and CSV.",
    );
    let mut dir = OutDir::new(&a.out);
    let bar = lab::progress::bar(5, "reproduce", quiet);
    let claims = match a.target {
        Target::All | Target::Plrf => {
            let mut sink = Sink {
                report: &mut report,
                dir: &mut dir,
            };
            reproduce(scale, &mut sink, &|name| {
                bar.set_message(name.to_string());
                bar.inc(1);
            })?
        }
    };
    bar.finish_and_clear();
    let table = claims_table(&claims);
    print!("{}", render(&table, a.format, 4));
    let failed = failures(&claims);
    dir.add_text("report.html", report.to_html(&claims));
    dir.add_json("claims.json", &claims)?;
    dir.add_json(
        "config.json",
        &config_record(
            "reproduce",
            json!({ "target": format!("{:?}", a.target).to_lowercase(), "scale": scale }),
        ),
    )?;
    dir.add_json(
        "summary.json",
        &json!({ "claims": claims.len(), "failed": failed }),
    )?;
    commit(Some(dir))?;
    eprintln!(
        "{} claims, {failed} failed; report: {}",
        claims.len(),
        a.out.join("report.html").display()
    );
    Ok(if a.strict && failed > 0 {
        Outcome::CheckFailed
    } else {
        Outcome::Done
    })
}
