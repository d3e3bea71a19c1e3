//! The contract every paper implements, and the runner that drives it.
//!
//! A [`System`] is one paper's reproduction: it names itself, says how much work a scale is,
//! checks what it needs before anything runs ([`System::prepare`]), and runs its experiments
//! into a [`Sink`] ([`System::reproduce`]). The sink receives the report's sections, text,
//! settings, tables, figures and claims; the runner ([`reproduce`]) owns everything the systems
//! share: the run directory and its atomic commit, the HTML report with its table of contents,
//! claims.json, progress, and the checkpoint folder. Tests use [`MemorySink`].

use crate::claims::{claims_table, Claim, Tally};
use crate::outdir::OutDir;
use crate::plot::Render;
use crate::report::Report;
use crate::table::Table;
use std::path::{Path, PathBuf};

/// Any error a system reports; the binary prints its chain on one line.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How much a `reproduce` runs: `Quick` fits in minutes on 2 cores, `Full` uses each spec's
/// settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Scale {
    /// Minutes on 2 cores.
    Quick,
    /// The spec's settings.
    Full,
}

impl Scale {
    /// `quick` or `full`.
    pub fn name(self) -> &'static str {
        match self {
            Scale::Quick => "quick",
            Scale::Full => "full",
        }
    }
}

/// Where an experiment puts what it shows: report sections with text, settings, tables and
/// figures (each table and figure also written as files), and claims.
pub trait Sink {
    /// Starts a report section (one entry of the table of contents); what follows goes in it.
    fn section(&mut self, heading: &str);
    /// A paragraph of plain text.
    fn text(&mut self, paragraph: &str);
    /// Settings as JSON, folded under `label` in the report.
    fn settings(&mut self, label: &str, value: &serde_json::Value);
    /// A table shown in the report and written as `stem.csv`.
    fn table(&mut self, stem: &str, caption: &str, table: &Table) -> Result<(), BoxError>;
    /// A data table written as `stem.csv` only (too long to show).
    fn data(&mut self, stem: &str, table: &Table) -> Result<(), BoxError>;
    /// A figure shown in the report and written as `stem.png`, `stem.svg` and `stem.csv` (its
    /// plotted points).
    fn figure(&mut self, stem: &str, caption: &str, figure: &dyn Render) -> Result<(), BoxError>;
    /// A checked claim.
    fn claim(&mut self, claim: Claim);
    /// Progress: the returned function is told `units` more of the system's [`System::work`]
    /// are done and `stage` names what runs now; it may be called from any thread.
    fn progress(&self) -> &(dyn Fn(u64, &str) + Sync);
    /// A folder for checkpoints that survives a killed run (`None`: don't checkpoint).
    fn checkpoints(&self) -> Option<&Path>;
}

/// One paper's reproduction.
pub trait System: Sync {
    /// The name on the command line (`theorylab reproduce NAME`).
    fn name(&self) -> &'static str;
    /// One line for `--help` and the report: the paper and what is reproduced.
    fn about(&self) -> &'static str;
    /// Progress units of [`System::reproduce`] at `scale` (for the progress bar).
    fn work(&self, scale: Scale) -> u64;
    /// Refuses before anything runs when something the run needs is missing (data to fetch,
    /// memory). The default needs nothing.
    fn prepare(&self, _scale: Scale) -> Result<(), BoxError> {
        Ok(())
    }
    /// Runs the experiments at `scale` into `sink`.
    fn reproduce(&self, scale: Scale, sink: &mut dyn Sink) -> Result<(), BoxError>;
    /// Whether the system has a benchmark (`theorylab bench NAME`).
    fn has_bench(&self) -> bool {
        false
    }
    /// Progress units of [`System::bench`].
    fn bench_work(&self) -> u64 {
        0
    }
    /// The benchmark: measurements next to their targets and baselines, one row each;
    /// `progress` is told units done and the stage. The default has none.
    fn bench(&self, _progress: &(dyn Fn(u64, &str) + Sync)) -> Result<Table, BoxError> {
        Err(format!("{} has no benchmark", self.name()).into())
    }
}

/// The table every [`System::bench`] returns: one row per measurement with its unit, its
/// target and its baseline (a reference figure, e.g. another implementation's time) where
/// they exist, and the ratio baseline / value (how many times better than the baseline, for
/// times).
#[derive(Clone, Debug)]
pub struct BenchTable(Table);

impl Default for BenchTable {
    fn default() -> Self {
        BenchTable(Table::new([
            "measurement",
            "value",
            "unit",
            "target",
            "baseline",
            "ratio",
        ]))
    }
}

impl BenchTable {
    /// Adds a measurement.
    pub fn row(
        &mut self,
        measurement: impl Into<String>,
        value: f64,
        unit: &str,
        target: Option<f64>,
        baseline: Option<f64>,
    ) {
        self.0.push(vec![
            measurement.into().into(),
            value.into(),
            unit.into(),
            target.into(),
            baseline.into(),
            baseline.map(|b| b / value).into(),
        ]);
    }

    /// The finished table.
    pub fn into_table(self) -> Table {
        self.0
    }
}

/// A sink that keeps everything in memory: for tests and for systems run inside others.
#[derive(Debug, Default)]
pub struct MemorySink {
    /// Section headings, in order.
    pub sections: Vec<String>,
    /// Paragraphs, in order.
    pub texts: Vec<String>,
    /// Tables by stem.
    pub tables: Vec<(String, Table)>,
    /// Figure stems, in order.
    pub figures: Vec<String>,
    /// Claims, in order.
    pub claims: Vec<Claim>,
}

impl Sink for MemorySink {
    fn section(&mut self, heading: &str) {
        self.sections.push(heading.to_string());
    }
    fn text(&mut self, paragraph: &str) {
        self.texts.push(paragraph.to_string());
    }
    fn settings(&mut self, _label: &str, _value: &serde_json::Value) {}
    fn table(&mut self, stem: &str, _caption: &str, table: &Table) -> Result<(), BoxError> {
        self.tables.push((stem.to_string(), table.clone()));
        Ok(())
    }
    fn data(&mut self, stem: &str, table: &Table) -> Result<(), BoxError> {
        self.tables.push((stem.to_string(), table.clone()));
        Ok(())
    }
    fn figure(&mut self, stem: &str, _caption: &str, _figure: &dyn Render) -> Result<(), BoxError> {
        self.figures.push(stem.to_string());
        Ok(())
    }
    fn claim(&mut self, claim: Claim) {
        self.claims.push(claim);
    }
    fn progress(&self) -> &(dyn Fn(u64, &str) + Sync) {
        &|_, _| {}
    }
    fn checkpoints(&self) -> Option<&Path> {
        None
    }
}

/// The sink of [`reproduce`]: report sections and files of one run directory, claims kept.
struct RunSink<'a> {
    report: &'a mut Report,
    dir: &'a mut OutDir,
    claims: Vec<Claim>,
    progress: &'a (dyn Fn(u64, &str) + Sync),
    checkpoints: PathBuf,
    /// The system's folder in the run directory, with its trailing `/`.
    folder: String,
}

impl Sink for RunSink<'_> {
    fn section(&mut self, heading: &str) {
        // Named by system, so that the contents tell one paper's E1 from another's.
        let system = self.folder.trim_end_matches('/');
        self.report.section(&format!("{system} · {heading}"));
    }
    fn text(&mut self, paragraph: &str) {
        self.report.current().text(paragraph);
    }
    fn settings(&mut self, label: &str, value: &serde_json::Value) {
        self.report.current().settings(label, value);
    }
    fn table(&mut self, stem: &str, caption: &str, table: &Table) -> Result<(), BoxError> {
        self.dir
            .add_csv(&format!("{}{stem}.csv", self.folder), table);
        self.report.current().caption(caption).table(table);
        Ok(())
    }
    fn data(&mut self, stem: &str, table: &Table) -> Result<(), BoxError> {
        self.dir
            .add_csv(&format!("{}{stem}.csv", self.folder), table);
        Ok(())
    }
    fn figure(&mut self, stem: &str, caption: &str, figure: &dyn Render) -> Result<(), BoxError> {
        self.dir
            .add_figure(&format!("{}{stem}", self.folder), figure)?;
        self.report.current().figure(caption, figure)?;
        Ok(())
    }
    fn claim(&mut self, claim: Claim) {
        self.claims.push(claim);
    }
    fn progress(&self) -> &(dyn Fn(u64, &str) + Sync) {
        self.progress
    }
    fn checkpoints(&self) -> Option<&Path> {
        Some(&self.checkpoints)
    }
}

/// What [`reproduce`] found: every claim, in the order the systems made them.
#[derive(Debug)]
pub struct Reproduction {
    /// The claims.
    pub claims: Vec<Claim>,
    /// The files written, in order.
    pub written: Vec<PathBuf>,
}

/// Runs `systems` at `scale` into the run directory `out`: the directory is checked against
/// the output-directory policy ([`crate::rundir`], `force` to replace another run) and every
/// system's [`prepare`](System::prepare) runs first (nothing runs if one refuses), then each
/// [`reproduce`](System::reproduce) with a progress bar (hidden when `quiet`), its tables,
/// data and figures under `out/NAME/` (so that systems never share a file name), checkpoints
/// under `out/checkpoints/NAME-SCALE/`; then `report.html` (claims first, a table of contents,
/// a section per experiment), `claims.json`, `config.json` (the version, the systems, the
/// scale) and `summary.json` (the claim counts), committed atomically.
pub fn reproduce(
    systems: &[&dyn System],
    scale: Scale,
    out: &Path,
    quiet: bool,
    force: bool,
) -> Result<Reproduction, BoxError> {
    let names: Vec<&str> = systems.iter().map(|s| s.name()).collect();
    let config = crate::outdir::config_record(
        "reproduce",
        serde_json::json!({ "systems": names, "scale": scale }),
    );
    let claimed = crate::rundir::claim(out, &config, force)?;
    for system in systems {
        system.prepare(scale)?;
    }
    let mut report = Report::new(
        &format!("theorylab reproduce {} ({})", names.join(", "), scale.name()),
        "Each row of the claims table is a statement, what theory predicts, what theorylab measured, the tolerance \
         and the verdict; its origin says whether it is the paper's claim or a check derived from the paper's theory, \
         and its setting whether it was checked in the paper's setting or a stand-in (reduced scale, synthetic data). \
         Figures and data are in this directory, one folder per system, as PNG, SVG and CSV.",
    );
    let mut dir = OutDir::new(out);
    let mut claims = Vec::new();
    for system in systems {
        let bar = crate::progress::bar(
            system.work(scale),
            &format!("reproduce {}", system.name()),
            quiet,
        );
        let progress = |units: u64, stage: &str| {
            bar.set_message(format!("reproduce {}: {stage}", system.name()));
            bar.inc(units);
        };
        let mut sink = RunSink {
            report: &mut report,
            dir: &mut dir,
            claims: Vec::new(),
            progress: &progress,
            checkpoints: out.join("checkpoints").join(format!(
                "{}-{}",
                system.name(),
                scale.name()
            )),
            folder: format!("{}/", system.name()),
        };
        system.reproduce(scale, &mut sink)?;
        claims.extend(sink.claims);
        bar.finish_and_clear();
    }
    let tally = Tally::of(&claims);
    dir.add_text("report.html", report.to_html(&claims));
    dir.add_json("claims.json", &claims)?;
    dir.add_csv("claims.csv", &claims_table(&claims));
    dir.add_json("config.json", &config)?;
    dir.add_json(
        "summary.json",
        &serde_json::json!({ "claims": claims.len(), "failed": tally.failed(), "tally": tally }),
    )?;
    let written = crate::rundir::commit(dir, &claimed)?;
    Ok(Reproduction { claims, written })
}
