//! Printing tables and writing run directories.

use clap::Args;
use lab::outdir::OutDir;
use lab::table::{render, Format, Table};
use std::path::PathBuf;

/// `--format` and `--out`, shared by every command.
#[derive(Args, Clone, Debug)]
pub struct OutputArgs {
    /// Output on stdout: a human table (decade points), or every point as csv or json.
    #[arg(long, default_value = "table", value_name = "table|csv|json")]
    pub format: Format,
    /// Write config.json, the data as CSV, summary.json and figures (PNG, SVG) to DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Significant digits in human tables.
const DIGITS: usize = 7;

impl OutputArgs {
    /// Prints `summary_table` for humans, `full` for csv/json.
    pub fn print(&self, summary_table: &Table, full: &Table) {
        let text = match self.format {
            Format::Table => render(summary_table, Format::Table, DIGITS),
            f => render(full, f, DIGITS),
        };
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
    }

    /// A run directory to fill, or None without `--out`.
    pub fn dir(&self) -> Option<OutDir> {
        self.out.as_ref().map(OutDir::new)
    }
}

/// Writes the staged directory (atomically, file by file) and says where.
pub fn commit(dir: Option<OutDir>) -> Result<(), String> {
    if let Some(dir) = dir {
        let written = dir.commit()?;
        if let Some(first) = written.first() {
            eprintln!(
                "wrote {} files to {}",
                written.len(),
                first.parent().unwrap_or(first).display()
            );
        }
    }
    Ok(())
}

/// Prints warnings to stderr, one line each.
pub fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}
