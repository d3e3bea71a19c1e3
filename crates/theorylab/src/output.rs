//! What every command shares: its context (`--quiet`, `--force`), printing tables, and the one
//! helper that writes its run directory (config, data, figures, summary, atomic commit).

use clap::Args;
use lab::error::AsInvalid;
use lab::outdir::{config_record, OutDir};
use lab::plot::Render;
use lab::rundir::{self, Claimed};
use lab::system::BoxError;
use lab::table::{render, Format, Table};
use std::path::PathBuf;

/// The global flags every command receives.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    /// Hide progress bars.
    pub quiet: bool,
    /// Run even where a check would refuse (memory, an occupied --out, an unstable step size).
    pub force: bool,
}

impl Ctx {
    /// Refuses a run estimated at `bytes` of memory when it does not fit (unless `--force`).
    pub fn memory(&self, bytes: u64) -> Result<(), BoxError> {
        lab::memory::check(bytes, lab::memory::available(), self.force)
            .map_err(|e| format!("{e} (--force)").into())
    }

    /// A progress bar on stderr (hidden with `--quiet` or when stdout is not a terminal).
    pub fn bar(&self, len: u64, message: &str) -> lab::progress::ProgressBar {
        lab::progress::bar(len, message, self.quiet)
    }
}

/// `--format` and `--out`, shared by every command.
#[derive(Args, Clone, Debug)]
pub struct OutputArgs {
    /// Output on stdout: a human table (summary rows), or every point as csv or json.
    #[arg(long, default_value = "table", value_name = "table|csv|json")]
    pub format: Format,
    /// Write config.json, the data as CSV, summary.json and figures (PNG, SVG, and each
    /// figure's points as CSV) to DIR. A DIR holding another run is refused (see --force).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Significant digits in human tables.
const DIGITS: usize = 7;

impl OutputArgs {
    /// Starts a run of `command` with its fully resolved configuration `config`: checks `--out`
    /// against the output-directory policy (before anything is computed) and stages
    /// config.json.
    pub fn start(
        &self,
        command: &str,
        config: serde_json::Value,
        ctx: &Ctx,
    ) -> Result<Run, BoxError> {
        let record = config_record(command, config);
        let dir = match &self.out {
            None => None,
            Some(path) => {
                let claimed = rundir::claim(path, &record, ctx.force).map_err(|e| match e {
                    rundir::RunDirError::Occupied { .. } => format!("--out: {e} (--force)"),
                    e => format!("--out: {e}"),
                })?;
                let mut dir = OutDir::new(path);
                dir.add_json("config.json", &record)?;
                Some((dir, claimed))
            }
        };
        Ok(Run {
            format: self.format,
            path: self.out.clone(),
            dir,
        })
    }
}

/// A run in progress: prints to stdout and stages its directory (when `--out` was given) until
/// [`Run::finish`]. Without `--out` the staging calls do nothing.
pub struct Run {
    format: Format,
    path: Option<PathBuf>,
    dir: Option<(OutDir, Claimed)>,
}

impl Run {
    /// Prints `summary` for humans, `full` for csv/json.
    pub fn print(&self, summary: &Table, full: &Table) {
        let text = match self.format {
            Format::Table => render(summary, Format::Table, DIGITS),
            f => render(full, f, DIGITS),
        };
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
    }

    /// The output format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The run directory, when `--out` was given (for checkpoints written during the run).
    #[cfg(feature = "nn")]
    pub fn path(&self) -> Option<&std::path::Path> {
        self.path.as_deref()
    }

    /// Stages `table` as `name` (a CSV file).
    pub fn csv(&mut self, name: &str, table: &Table) {
        if let Some((dir, _)) = &mut self.dir {
            dir.add_csv(name, table);
        }
    }

    /// Stages `value` as pretty JSON under `name`.
    pub fn json(&mut self, name: &str, value: &impl serde::Serialize) -> Result<(), BoxError> {
        if let Some((dir, _)) = &mut self.dir {
            dir.add_json(name, value)?;
        }
        Ok(())
    }

    /// Stages raw bytes under `name`.
    pub fn bytes(&mut self, name: &str, bytes: Vec<u8>) {
        if let Some((dir, _)) = &mut self.dir {
            dir.add_bytes(name, bytes);
        }
    }

    /// Renders `figure` as `stem.png`, `stem.svg` and its points as `stem.csv`.
    pub fn figure(&mut self, stem: &str, figure: &dyn Render) -> Result<(), BoxError> {
        if let Some((dir, _)) = &mut self.dir {
            dir.add_figure(stem, figure)?;
        }
        Ok(())
    }

    /// Stages `summary.json` and the manifest, replaces a forced-over run's files, and writes
    /// everything atomically; says where on stderr.
    pub fn finish(self, summary: &impl serde::Serialize) -> Result<(), BoxError> {
        let Some((mut dir, claimed)) = self.dir else {
            return Ok(());
        };
        dir.add_json(lab::outdir::SUMMARY, summary)?;
        let written = rundir::commit(dir, &claimed)?;
        if let Some(path) = &self.path {
            eprintln!("wrote {} files to {}", written.len(), path.display());
        }
        Ok(())
    }
}

/// The one place where a library's invalid quantity becomes the flag the user typed: an error
/// whose [`AsInvalid::as_invalid`] names a quantity (e.g. `lambda must be ≥ 0 (got -1)`) is
/// reworded with its flag (`--lambda must be ≥ 0 (got -1)`); `flags` maps quantity names to
/// flags where they differ from `--` + the name with `_` written `-`. Other errors pass as
/// they are.
pub fn flagged<E>(flags: &'static [(&'static str, &'static str)]) -> impl Fn(E) -> BoxError
where
    E: AsInvalid + std::error::Error + Send + Sync + 'static,
{
    move |e: E| match e.as_invalid() {
        Some(invalid) => {
            let flag = flags
                .iter()
                .find(|(name, _)| *name == invalid.name)
                .map_or_else(
                    || format!("--{}", invalid.name.replace('_', "-")),
                    |(_, f)| f.to_string(),
                );
            format!("{flag} must be {} (got {})", invalid.rule, invalid.value).into()
        }
        None => Box::new(e),
    }
}

/// Prints warnings to stderr, one line each.
pub fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}
