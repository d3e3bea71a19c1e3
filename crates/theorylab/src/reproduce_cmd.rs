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
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// Every system (today: PLRF/DANA, and the LSTM claim when built with feature `nn`).
    All,
    /// Power-law random features and DANA on the quadratic model (claims 1–3).
    Plrf,
    /// DANA on a character-level LSTM language model (claim 4; feature `nn`).
    #[cfg(feature = "nn")]
    Lstm,
}

#[derive(Args)]
pub struct ReproduceArgs {
    /// Which system.
    #[arg(value_enum, default_value = "all")]
    target: Target,
    /// Reduced simulations (about a minute on 2 cores); the default.
    #[arg(long, conflicts_with = "full")]
    quick: bool,
    /// The spec's settings everywhere (about 31 minutes on 2 cores, 25 of them the LSTM runs,
    /// which need scripts/fetch-shakespeare.sh first).
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
        &format!("theorylab reproduce ({})", scale_name(scale)),
        "Each row of the claims table is a statement of a paper, what theory predicts, what theorylab measured, the \
         tolerance and the verdict. Figures and data are in this directory as PNG, SVG and CSV.",
    );
    let mut dir = OutDir::new(&a.out);
    let plrf = matches!(a.target, Target::All | Target::Plrf);
    #[cfg(feature = "nn")]
    let lstm = {
        let wanted = matches!(a.target, Target::All | Target::Lstm);
        // Load the corpus before anything runs: a missing download fails at once.
        wanted
            .then(|| dana_burn::reproduce::corpus(scale))
            .transpose()?
    };
    let mut claims = Vec::new();
    let mut sink = Sink {
        report: &mut report,
        dir: &mut dir,
    };
    if plrf {
        let bar = lab::progress::bar(5, "reproduce plrf", quiet);
        claims.extend(reproduce(scale, &mut sink, &|name| {
            bar.set_message(name.to_string());
            bar.inc(1);
        })?);
        bar.finish_and_clear();
    }
    #[cfg(feature = "nn")]
    if let Some(corpus) = lstm {
        let configs = dana_burn::reproduce::configs(scale);
        let steps = configs.iter().map(|c| c.steps as u64).sum();
        let bar = lab::progress::bar(steps, "reproduce lstm", quiet);
        let checkpoints = a
            .out
            .join("checkpoints")
            .join(format!("lstm-{}", scale_name(scale)));
        claims.extend(dana_burn::reproduce::reproduce(
            scale,
            &corpus,
            Some(&checkpoints),
            &mut sink,
            &crate::dana_cmd::lstm_progress(&bar),
        )?);
        bar.finish_and_clear();
    }
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

/// `quick` or `full`.
fn scale_name(scale: Scale) -> &'static str {
    match scale {
        Scale::Quick => "quick",
        Scale::Full => "full",
    }
}
