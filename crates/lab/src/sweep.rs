//! Parameter sweeps: a TOML file names one command, its fixed flags and a grid; every
//! point of the grid runs in its own directory named by a stable hash of its
//! configuration, and is done when its `summary.json` exists. Points run on local
//! threads or as a Slurm job array; a rerun skips what is done.
//!
//! A point being computed is held by a lock file `points/<hash>.lock` naming the process
//! (pid and host): several runs on one sweep directory (two terminals, a local run beside a
//! Slurm array) share the pending points, each point computed once; a point held by a live
//! process is counted as busy, never as failed. A lock left by a process that died (same
//! host, pid gone) is stale and taken over.
//!
//! ```toml
//! command = "plrf ode"          # the theorylab command of every point
//! [fixed]                       # flags shared by every point
//! alpha = 1.0
//! beta = 0.3
//! t-max = 1e5
//! [grid]                        # lists; the points are their Cartesian product
//! d = [100, 200, 400]
//! optimizer = ["sgd", "dana-constant", "dana-decaying"]
//! [[points]]                    # optional explicit points (over the fixed flags)
//! d = 5000
//! optimizer = "sgd"
//! [slurm]                       # optional, for --executor slurm
//! partition = "debug"
//! time = "00:10:00"
//! mem = "1G"
//! cpus-per-task = 1
//! throttle = 4                  # at most 4 array tasks at once (%4)
//! extra = ["#SBATCH --qos=normal"]
//! ```

use crate::hash::fnv1a;
use crate::outdir::{write_atomic, SUMMARY};
use crate::system::BoxError;
use crate::table::{Table, Value};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A flag value: `--name value`, or `--name` alone for `true` (omitted for `false`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FlagValue {
    /// A boolean switch.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number.
    Float(f64),
    /// Text.
    Str(String),
}

impl FlagValue {
    fn from_toml(key: &str, v: &toml::Value) -> Result<FlagValue, SweepError> {
        Ok(match v {
            toml::Value::Boolean(b) => FlagValue::Bool(*b),
            toml::Value::Integer(i) => FlagValue::Int(*i),
            toml::Value::Float(x) => FlagValue::Float(*x),
            toml::Value::String(s) => FlagValue::Str(s.clone()),
            other => {
                return Err(SweepError::BadValue {
                    key: key.into(),
                    found: other.type_str(),
                })
            }
        })
    }

    /// The value as it appears on the command line.
    pub fn text(&self) -> String {
        match self {
            FlagValue::Bool(b) => b.to_string(),
            FlagValue::Int(i) => i.to_string(),
            FlagValue::Float(x) => format!("{x:?}"),
            FlagValue::Str(s) => s.clone(),
        }
    }
}

/// Slurm settings of a sweep (all optional).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SlurmOptions {
    /// `--partition`.
    pub partition: Option<String>,
    /// `--time`.
    pub time: Option<String>,
    /// `--mem`.
    pub mem: Option<String>,
    /// `--cpus-per-task`.
    pub cpus_per_task: Option<u32>,
    /// At most this many array tasks at once (`%N`).
    pub throttle: Option<u32>,
    /// Extra lines for the script (each should start with `#SBATCH`).
    #[serde(default)]
    pub extra: Vec<String>,
}

/// One point: its index, flags and directory name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Position in the sweep (the Slurm array index).
    pub index: usize,
    /// Every flag of the point (fixed flags merged with its grid values).
    pub flags: BTreeMap<String, FlagValue>,
    /// Stable 64-bit hash of (command, flags), as 16 hex digits: the directory name.
    pub hash: String,
}

/// A parsed, validated sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// The command words, e.g. `["plrf", "ode"]`.
    pub command: Vec<String>,
    /// Slurm settings.
    pub slurm: SlurmOptions,
    /// Every point, in order.
    pub points: Vec<Point>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    command: String,
    #[serde(default)]
    fixed: toml::Table,
    #[serde(default)]
    grid: toml::Table,
    #[serde(default)]
    points: Vec<toml::Table>,
    #[serde(default)]
    slurm: SlurmOptions,
}

impl Sweep {
    /// Parses a sweep file. `check` receives each point's full argument list (command
    /// words then flags) and returns the command's own verdict on it (unknown command or
    /// flag, wrong type, missing flag), so nothing runs or is written for a bad file.
    pub fn parse(
        text: &str,
        check: &dyn Fn(&[String]) -> Result<(), String>,
    ) -> Result<Sweep, SweepError> {
        let file: SweepFile = toml::from_str(text).map_err(|e| SweepError::Toml {
            message: e.message().to_string(),
            line: e
                .span()
                .map(|span| text[..span.start].matches('\n').count() + 1),
        })?;
        let command: Vec<String> = file
            .command
            .split_whitespace()
            .map(str::to_string)
            .collect();
        if command.is_empty() {
            return Err(SweepError::EmptyCommand);
        }
        let fixed = flags(&file.fixed)?;
        let mut axes: Vec<(String, Vec<FlagValue>)> = Vec::new();
        for (key, value) in &file.grid {
            let list = value
                .as_array()
                .ok_or_else(|| SweepError::GridNotList(key.clone()))?;
            if list.is_empty() {
                return Err(SweepError::GridEmpty(key.clone()));
            }
            let values = list
                .iter()
                .map(|v| FlagValue::from_toml(key, v))
                .collect::<Result<_, _>>()?;
            axes.push((key.clone(), values));
        }
        let mut combos: Vec<BTreeMap<String, FlagValue>> = Vec::new();
        if !axes.is_empty() || file.points.is_empty() {
            combos.push(fixed.clone());
        }
        for (key, values) in &axes {
            combos = combos
                .into_iter()
                .flat_map(|base| {
                    values.iter().map(move |v| {
                        let mut p = base.clone();
                        p.insert(key.clone(), v.clone());
                        p
                    })
                })
                .collect();
        }
        for extra in &file.points {
            let mut p = fixed.clone();
            p.extend(flags(extra)?);
            combos.push(p);
        }
        let mut points: Vec<Point> = Vec::with_capacity(combos.len());
        for (index, flags) in combos.into_iter().enumerate() {
            let point = Point {
                index,
                hash: hash(&command, &flags),
                flags,
            };
            check(&point.args(&command)).map_err(|message| SweepError::Refused {
                index,
                point: point.describe(),
                message,
            })?;
            if let Some(other) = points.iter().find(|q| q.hash == point.hash) {
                return Err(SweepError::Duplicate {
                    first: other.index,
                    second: index,
                });
            }
            points.push(point);
        }
        Ok(Sweep {
            command,
            slurm: file.slurm,
            points,
        })
    }

    /// Reads `DIR/sweep.json`, written by `prepare`.
    pub fn load(dir: &Path) -> Result<Sweep, SweepError> {
        let path = dir.join(SWEEP_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| SweepError::NotASweep {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| SweepError::NotJson { path, source })
    }

    /// Creates `DIR` and writes `DIR/sweep.json` (atomically).
    pub fn prepare(&self, dir: &Path) -> Result<(), SweepError> {
        std::fs::create_dir_all(dir.join(POINTS)).map_err(io_error("create", dir))?;
        let json = serde_json::to_vec_pretty(self).expect("a sweep always serializes");
        write_atomic(&dir.join(SWEEP_FILE), &json).map_err(io_error("write", dir))
    }

    /// The state of every point under `dir`.
    pub fn states(&self, dir: &Path) -> Vec<State> {
        self.points.iter().map(|p| p.state(dir)).collect()
    }
}

/// The record of a sweep inside its directory.
pub const SWEEP_FILE: &str = "sweep.json";
/// The folder of the point directories.
pub const POINTS: &str = "points";
/// The file a failed point leaves with its error message.
pub const ERROR_FILE: &str = "error.txt";

/// Why a sweep cannot be read, prepared or collected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// The sweep file is not valid TOML of the expected shape.
    #[error("{message}{}", line.map_or(String::new(), |l| format!(" (line {l})")))]
    Toml {
        /// The parser's message.
        message: String,
        /// The line of the problem, when known.
        line: Option<usize>,
    },
    /// No command named.
    #[error("'command' is empty: name a theorylab command such as \"plrf ode\"")]
    EmptyCommand,
    /// A grid entry that is not a list.
    #[error("grid '{0}' must be a list of values")]
    GridNotList(String),
    /// A grid entry with no values.
    #[error("grid '{0}' is empty: give at least one value")]
    GridEmpty(String),
    /// A flag value that is not a string, number or boolean.
    #[error("'{key}' must be a string, number or boolean, not {found}")]
    BadValue {
        /// The flag.
        key: String,
        /// The TOML type found.
        found: &'static str,
    },
    /// The command refused a point's flags.
    #[error("point {index} ({point}): {message}")]
    Refused {
        /// The point's index.
        index: usize,
        /// Its flags.
        point: String,
        /// The command's verdict.
        message: String,
    },
    /// Two points with the same configuration.
    #[error("points {first} and {second} are the same configuration")]
    Duplicate {
        /// The earlier point.
        first: usize,
        /// The later one.
        second: usize,
    },
    /// No sweep record where one was expected.
    #[error("cannot read {} ({source}): is {} a sweep directory?", path.display(), path.parent().unwrap_or(path).display())]
    NotASweep {
        /// The record's path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file that should hold JSON does not.
    #[error("{} is not valid JSON of the expected shape: {source}", path.display())]
    NotJson {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// A file-system operation failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was attempted.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A point failed; its message is recorded in its error file.
    #[error("{0}")]
    PointFailed(String),
}

/// A closure turning an I/O error at `path` into [`SweepError::Io`].
fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SweepError {
    let path = path.to_path_buf();
    move |source| SweepError::Io {
        action,
        path,
        source,
    }
}

fn flags(table: &toml::Table) -> Result<BTreeMap<String, FlagValue>, SweepError> {
    table
        .iter()
        .map(|(k, v)| Ok((k.clone(), FlagValue::from_toml(k, v)?)))
        .collect()
}

/// FNV-1a 64 of the canonical text "command\nkey=value\n…" (keys sorted): stable across
/// platforms and Rust versions.
fn hash(command: &[String], flags: &BTreeMap<String, FlagValue>) -> String {
    let mut text = command.join(" ");
    text.push('\n');
    for (k, v) in flags {
        text.push_str(&format!("{k}={}\n", v.text()));
    }
    format!("{:016x}", fnv1a(text.as_bytes()))
}

/// Where a point stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Its `summary.json` exists.
    Done,
    /// It left an error file with this message.
    Failed(String),
    /// Not run yet (or interrupted).
    Pending,
}

impl Point {
    /// Command words followed by the point's flags.
    pub fn args(&self, command: &[String]) -> Vec<String> {
        let mut args = command.to_vec();
        for (k, v) in &self.flags {
            match v {
                FlagValue::Bool(false) => {}
                FlagValue::Bool(true) => args.push(format!("--{k}")),
                v => {
                    args.push(format!("--{k}"));
                    args.push(v.text());
                }
            }
        }
        args
    }

    /// `key=value` pairs of the point.
    pub fn describe(&self) -> String {
        self.flags
            .iter()
            .map(|(k, v)| format!("{k}={}", v.text()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The point's directory under a sweep directory.
    pub fn dir(&self, sweep_dir: &Path) -> PathBuf {
        sweep_dir.join(POINTS).join(&self.hash)
    }

    /// Done, failed or pending, from the files in its directory.
    pub fn state(&self, sweep_dir: &Path) -> State {
        let dir = self.dir(sweep_dir);
        if dir.join(SUMMARY).is_file() {
            State::Done
        } else if let Ok(msg) = std::fs::read_to_string(dir.join(ERROR_FILE)) {
            State::Failed(msg.trim().to_string())
        } else {
            State::Pending
        }
    }
}

/// Runs one point, writing its results into the given directory (`summary.json` last).
pub trait PointRunner: Sync {
    /// Runs `point`; the error's message is recorded in the point's error file.
    fn run(&self, sweep: &Sweep, point: &Point, dir: &Path) -> Result<(), BoxError>;
}

/// What [`run_point`] did with a point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PointOutcome {
    /// It was done already.
    Skipped,
    /// It was run to completion now.
    Ran,
    /// Another live process holds it (it is being computed there).
    Busy(Holder),
}

/// Runs a point unless done or held by another live process: takes its lock, checks again
/// that it is not done, runs it and releases the lock. A failure is recorded in its error
/// file and returned.
pub fn run_point(
    sweep: &Sweep,
    point: &Point,
    sweep_dir: &Path,
    runner: &dyn PointRunner,
) -> Result<PointOutcome, SweepError> {
    if point.state(sweep_dir) == State::Done {
        return Ok(PointOutcome::Skipped);
    }
    let _lock = match PointLock::take(&sweep_dir.join(POINTS).join(format!("{}.lock", point.hash)))?
    {
        Ok(lock) => lock,
        Err(holder) => return Ok(PointOutcome::Busy(holder)),
    };
    // Another run may have finished it between the first check and the lock.
    if point.state(sweep_dir) == State::Done {
        return Ok(PointOutcome::Skipped);
    }
    let dir = point.dir(sweep_dir);
    let error = dir.join(ERROR_FILE);
    let _ = std::fs::remove_file(&error);
    match runner.run(sweep, point, &dir) {
        Ok(()) => Ok(PointOutcome::Ran),
        Err(e) => {
            let msg = e.to_string();
            std::fs::create_dir_all(&dir).map_err(io_error("create", &dir))?;
            write_atomic(&error, format!("{msg}\n").as_bytes())
                .map_err(io_error("write", &error))?;
            Err(SweepError::PointFailed(msg))
        }
    }
}

/// The process holding a point's lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// Its process id.
    pub pid: u32,
    /// Its host name.
    pub host: String,
}

impl Holder {
    /// This process.
    fn this() -> Holder {
        Holder {
            pid: std::process::id(),
            host: host_name(),
        }
    }

    /// Whether the holder certainly no longer runs: same host and no such process (known on
    /// Linux through /proc; elsewhere, and for other hosts, a holder is presumed alive).
    fn is_stale(&self) -> bool {
        cfg!(target_os = "linux")
            && self.host == host_name()
            && !Path::new(&format!("/proc/{}", self.pid)).exists()
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {} on {}", self.pid, self.host)
    }
}

/// This machine's host name (from /proc on Linux, else `$HOSTNAME`, else `unknown`).
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// A point's lock file, holding "pid host"; removed on drop.
struct PointLock(PathBuf);

impl PointLock {
    /// Creates the lock file at `path` (exclusively); `Ok(Err(holder))` when a live process
    /// holds it. A stale lock is removed and taken (once: if another process takes it first,
    /// that process is the holder).
    fn take(path: &Path) -> Result<Result<PointLock, Holder>, SweepError> {
        let me = Holder::this();
        for attempt in 0.. {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(mut file) => {
                    use std::io::Write;
                    writeln!(file, "{} {}", me.pid, me.host).map_err(io_error("write", path))?;
                    return Ok(Ok(PointLock(path.to_path_buf())));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(path).unwrap_or_default();
                    let mut words = text.split_whitespace();
                    let holder = match (words.next().and_then(|p| p.parse().ok()), words.next()) {
                        (Some(pid), Some(host)) => Holder {
                            pid,
                            host: host.into(),
                        },
                        // Being written this instant: a live holder.
                        _ => {
                            return Ok(Err(Holder {
                                pid: 0,
                                host: "?".into(),
                            }))
                        }
                    };
                    if attempt > 0 || !holder.is_stale() {
                        return Ok(Err(holder));
                    }
                    let _ = std::fs::remove_file(path);
                }
                Err(e) => return Err(io_error("create", path)(e)),
            }
        }
        unreachable!("the loop returns by its second attempt")
    }
}

impl Drop for PointLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// What a local run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunCounts {
    /// Points found done and skipped.
    pub skipped: usize,
    /// Points run to completion now.
    pub completed: usize,
    /// Points that failed now.
    pub failed: usize,
    /// Points left to another live process computing them (see the module docs).
    pub busy: usize,
}

/// Runs every pending point on `jobs` threads (a local rayon pool, one point per task);
/// `progress` is called once per finished point.
pub fn run_local(
    sweep: &Sweep,
    sweep_dir: &Path,
    jobs: usize,
    runner: &dyn PointRunner,
    progress: &(dyn Fn() + Sync),
) -> RunCounts {
    let pending: Vec<&Point> = sweep
        .points
        .iter()
        .filter(|p| p.state(sweep_dir) != State::Done)
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1).min(pending.len().max(1)))
        .build()
        .expect("cannot start the sweep's threads");
    // One point per task (max_len 1), so no point waits behind another while a thread idles.
    let outcomes: Vec<Result<PointOutcome, SweepError>> = pool.install(|| {
        pending
            .par_iter()
            .with_max_len(1)
            .map(|point| {
                let outcome = run_point(sweep, point, sweep_dir, runner);
                progress();
                outcome
            })
            .collect()
    });
    let count = |f: &dyn Fn(&Result<PointOutcome, SweepError>) -> bool| {
        outcomes.iter().filter(|o| f(o)).count()
    };
    RunCounts {
        skipped: sweep.points.len() - pending.len()
            + count(&|o| matches!(o, Ok(PointOutcome::Skipped))),
        completed: count(&|o| matches!(o, Ok(PointOutcome::Ran))),
        failed: count(&|o| o.is_err()),
        busy: count(&|o| matches!(o, Ok(PointOutcome::Busy(_)))),
    }
}

/// The sbatch job-array script for `indices` (one task per point).
pub fn slurm_script(sweep: &Sweep, sweep_dir: &Path, exe: &Path, indices: &[usize]) -> String {
    let o = &sweep.slurm;
    let mut array = compress(indices);
    if let Some(n) = o.throttle {
        array.push_str(&format!("%{n}"));
    }
    let mut s = String::from("#!/bin/bash\n#SBATCH --job-name=theorylab-sweep\n");
    s.push_str(&format!("#SBATCH --array={array}\n"));
    s.push_str(&format!(
        "#SBATCH --output={}/slurm/%A_%a.out\n",
        sweep_dir.display()
    ));
    let opts = [
        ("partition", &o.partition),
        ("time", &o.time),
        ("mem", &o.mem),
    ];
    for (name, value) in opts {
        if let Some(v) = value {
            s.push_str(&format!("#SBATCH --{name}={v}\n"));
        }
    }
    if let Some(c) = o.cpus_per_task {
        s.push_str(&format!("#SBATCH --cpus-per-task={c}\n"));
    }
    for line in &o.extra {
        s.push_str(line);
        s.push('\n');
    }
    s.push_str(&format!(
        "exec '{}' --quiet sweep run-point '{}' \"$SLURM_ARRAY_TASK_ID\"\n",
        exe.display(),
        sweep_dir.display()
    ));
    s
}

/// "0-3,7,9-10" for [0, 1, 2, 3, 7, 9, 10].
fn compress(indices: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let mut j = i;
        while j + 1 < indices.len() && indices[j + 1] == indices[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            indices[i].to_string()
        } else {
            format!("{}-{}", indices[i], indices[j])
        });
        i = j + 1;
    }
    parts.join(",")
}

/// One row per done point: index, hash, its flags, then its config and summary flattened
/// to `config.<path>` and `summary.<path>` columns (union over points, sorted).
pub fn collect(sweep: &Sweep, sweep_dir: &Path) -> Result<Table, SweepError> {
    let mut rows: Vec<BTreeMap<String, Value>> = Vec::new();
    for p in sweep
        .points
        .iter()
        .filter(|p| p.state(sweep_dir) == State::Done)
    {
        let mut row = BTreeMap::new();
        row.insert("index".to_string(), Value::from(p.index));
        row.insert("hash".to_string(), Value::from(p.hash.as_str()));
        for (k, v) in &p.flags {
            row.insert(format!("flag.{k}"), flag_cell(v));
        }
        for (prefix, file) in [("config", "config.json"), ("summary", SUMMARY)] {
            let path = p.dir(sweep_dir).join(file);
            if let Ok(text) = std::fs::read_to_string(&path) {
                let json: serde_json::Value =
                    serde_json::from_str(&text).map_err(|source| SweepError::NotJson {
                        path: path.clone(),
                        source,
                    })?;
                flatten(prefix, &json, &mut row);
            }
        }
        rows.push(row);
    }
    let mut columns: Vec<String> = vec!["index".into(), "hash".into()];
    let mut rest: Vec<String> = rows.iter().flat_map(|r| r.keys().cloned()).collect();
    rest.sort();
    rest.dedup();
    columns.extend(rest.into_iter().filter(|c| c != "index" && c != "hash"));
    let mut table = Table::new(columns.clone());
    for row in rows {
        table.push(
            columns
                .iter()
                .map(|c| row.get(c).cloned().unwrap_or(Value::Null))
                .collect(),
        );
    }
    Ok(table)
}

fn flag_cell(v: &FlagValue) -> Value {
    match v {
        FlagValue::Bool(b) => Value::from(b.to_string()),
        FlagValue::Int(i) => Value::Int(*i),
        FlagValue::Float(x) => Value::Float(*x),
        FlagValue::Str(s) => Value::from(s.as_str()),
    }
}

fn flatten(prefix: &str, json: &serde_json::Value, row: &mut BTreeMap<String, Value>) {
    match json {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{prefix}.{k}"), v, row);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}.{i}"), v, row);
            }
        }
        serde_json::Value::Null => {
            row.insert(prefix.to_string(), Value::Null);
        }
        serde_json::Value::Bool(b) => {
            row.insert(prefix.to_string(), Value::from(b.to_string()));
        }
        serde_json::Value::Number(n) => {
            let v = n
                .as_i64()
                .map(Value::Int)
                .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN)));
            row.insert(prefix.to_string(), v);
        }
        serde_json::Value::String(s) => {
            row.insert(prefix.to_string(), Value::from(s.as_str()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(_: &[String]) -> Result<(), String> {
        Ok(())
    }

    #[test]
    fn grid_is_the_cartesian_product_over_fixed_flags() {
        let text = "command = \"plrf ode\"\n[fixed]\nalpha = 1.0\nforce = true\n[grid]\nd = [10, 20]\noptimizer = [\"sgd\", \"dana-decaying\", \"sgd-m\"]\n[[points]]\nd = 99\n";
        let s = Sweep::parse(text, &ok).unwrap();
        assert_eq!(s.points.len(), 2 * 3 + 1);
        let mut seen: Vec<(String, String)> = s.points[..6]
            .iter()
            .map(|p| (p.flags["d"].text(), p.flags["optimizer"].text()))
            .collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 6, "every combination once");
        assert!(s
            .points
            .iter()
            .all(|p| p.flags["alpha"] == FlagValue::Float(1.0)));
        assert_eq!(s.points[6].flags.get("optimizer"), None);
        let args = s.points[0].args(&s.command);
        assert_eq!(&args[..2], ["plrf", "ode"]);
        assert!(args.contains(&"--force".to_string()) && args.contains(&"1.0".to_string()));
        // The hash depends on the configuration only.
        let again = Sweep::parse(text, &ok).unwrap();
        assert_eq!(again.points, s.points);
        assert_ne!(s.points[0].hash, s.points[1].hash);
    }

    #[test]
    fn point_hashes_are_stable() {
        // The directory name of point 0 of examples/sweep-plrf-ode.toml, as earlier releases
        // wrote it: FNV-1a of "plrf ode\nalpha=1.0\nbeta=0.3\nd=250\ndt=0.01\noptimizer=sgd\nt-max=1000000.0\n".
        let text = include_str!("../../../examples/sweep-plrf-ode.toml");
        let s = Sweep::parse(text, &ok).unwrap();
        assert_eq!(s.points[0].hash, "6370219a9b23399c");
    }

    #[test]
    fn malformed_files_are_refused_with_a_reason() {
        let cases = [
            ("command = \"plrf ode\"\n[grid]\nd = []\n", "empty"),
            ("command = \"plrf ode\"\n[grid]\nd = 5\n", "must be a list"),
            (
                "command = \"plrf ode\"\n[fixed]\nd = 1\nd = 2\n",
                "duplicate",
            ),
            (
                "command = \"plrf ode\"\n[fixed]\nd = [[1]]\n",
                "string, number or boolean",
            ),
            ("command = \"plrf ode\"\n[sbatch]\n", "unknown field"),
            ("[grid]\nd = [1]\n", "command"),
        ];
        for (text, want) in cases {
            let err = Sweep::parse(text, &ok).unwrap_err().to_string();
            assert!(err.to_lowercase().contains(want), "{text:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        let refuse = |args: &[String]| {
            if args.contains(&"--bad".to_string()) {
                Err("unknown flag --bad".to_string())
            } else {
                Ok(())
            }
        };
        let err = Sweep::parse("command = \"plrf ode\"\n[grid]\nbad = [1]\n", &refuse)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown flag --bad") && err.starts_with("point 0"));
    }

    #[test]
    fn slurm_script_is_a_throttled_job_array_of_run_point() {
        let text = "command = \"plrf ode\"\n[grid]\nd = [1, 2, 3]\n[slurm]\npartition = \"p\"\ntime = \"0:10:00\"\nmem = \"1G\"\ncpus-per-task = 2\nthrottle = 2\nextra = [\"#SBATCH --qos=q\"]\n";
        let s = Sweep::parse(text, &ok).unwrap();
        let script = slurm_script(
            &s,
            Path::new("/runs/x"),
            Path::new("/bin/theorylab"),
            &[0, 2],
        );
        let lines: Vec<&str> = script.lines().collect();
        assert_eq!(lines[0], "#!/bin/bash");
        for want in [
            "#SBATCH --array=0,2%2",
            "#SBATCH --partition=p",
            "#SBATCH --time=0:10:00",
            "#SBATCH --mem=1G",
            "#SBATCH --cpus-per-task=2",
            "#SBATCH --qos=q",
            "exec '/bin/theorylab' --quiet sweep run-point '/runs/x' \"$SLURM_ARRAY_TASK_ID\"",
        ] {
            assert!(lines.contains(&want), "missing {want:?} in\n{script}");
        }
    }

    #[test]
    fn array_indices_compress_to_ranges() {
        assert_eq!(compress(&[0, 1, 2, 3, 7, 9, 10]), "0-3,7,9-10");
        assert_eq!(compress(&[4]), "4");
    }

    #[test]
    fn run_local_runs_jobs_points_at_once_and_counts_failures() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        struct Runner {
            active: AtomicUsize,
            most: AtomicUsize,
        }
        impl PointRunner for Runner {
            fn run(&self, _: &Sweep, point: &Point, dir: &Path) -> Result<(), BoxError> {
                let now = self.active.fetch_add(1, Ordering::SeqCst) + 1;
                self.most.fetch_max(now, Ordering::SeqCst);
                // Hold the point until 3 run at once (or 5 s pass: then the assert fails).
                let start = std::time::Instant::now();
                while self.most.load(Ordering::SeqCst) < 3 && start.elapsed().as_secs() < 5 {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                self.active.fetch_sub(1, Ordering::SeqCst);
                if point.flags["d"] == FlagValue::Int(3) {
                    return Err("d = 3 fails".into());
                }
                std::fs::create_dir_all(dir)?;
                Ok(std::fs::write(dir.join(SUMMARY), "{}")?)
            }
        }
        let root = std::env::temp_dir().join(format!("lab-sweep-run-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let s = Sweep::parse("command = \"x\"\n[grid]\nd = [1, 2, 3, 4, 5, 6, 7]\n", &ok).unwrap();
        s.prepare(&root).unwrap();
        let runner = Runner {
            active: AtomicUsize::new(0),
            most: AtomicUsize::new(0),
        };
        let ticks = AtomicUsize::new(0);
        let tick = || {
            ticks.fetch_add(1, Ordering::SeqCst);
        };
        let counts = run_local(&s, &root, 3, &runner, &tick);
        assert_eq!((counts.skipped, counts.completed, counts.failed), (0, 6, 1));
        assert_eq!(
            runner.most.load(Ordering::SeqCst),
            3,
            "--jobs 3 runs 3 points at once"
        );
        assert_eq!(ticks.load(Ordering::SeqCst), 7);
        assert_eq!(
            s.points[2].state(&root),
            State::Failed("d = 3 fails".into())
        );
        // A rerun skips what is done and retries the failure.
        let counts = run_local(&s, &root, 3, &runner, &tick);
        assert_eq!((counts.skipped, counts.completed, counts.failed), (6, 0, 1));
        let _ = std::fs::remove_dir_all(root);
    }

    /// Writes a summary after `ms` milliseconds, counting the runs of each point.
    struct Slow {
        ms: u64,
        runs: std::sync::Mutex<BTreeMap<usize, usize>>,
    }

    impl PointRunner for Slow {
        fn run(&self, _: &Sweep, point: &Point, dir: &Path) -> Result<(), BoxError> {
            *self.runs.lock().unwrap().entry(point.index).or_default() += 1;
            std::thread::sleep(std::time::Duration::from_millis(self.ms));
            std::fs::create_dir_all(dir)?;
            Ok(std::fs::write(dir.join(SUMMARY), "{}")?)
        }
    }

    #[test]
    fn concurrent_runs_share_the_points_and_compute_each_once() {
        let root = std::env::temp_dir().join(format!("lab-sweep-twice-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let s = Sweep::parse(
            "command = \"x\"\n[grid]\nd = [1, 2, 3, 4, 5, 6, 7, 8]\n",
            &ok,
        )
        .unwrap();
        s.prepare(&root).unwrap();
        let runner = Slow {
            ms: 40,
            runs: Default::default(),
        };
        let (a, b) = std::thread::scope(|scope| {
            let a = scope.spawn(|| run_local(&s, &root, 2, &runner, &|| {}));
            let b = scope.spawn(|| run_local(&s, &root, 2, &runner, &|| {}));
            (a.join().unwrap(), b.join().unwrap())
        });
        assert_eq!((a.failed, b.failed), (0, 0), "{a:?} {b:?}");
        assert_eq!(a.completed + b.completed, 8, "{a:?} {b:?}");
        for counts in [a, b] {
            assert_eq!(
                counts.skipped + counts.completed + counts.busy,
                8,
                "{counts:?}"
            );
        }
        let runs = runner.runs.lock().unwrap();
        assert!(
            runs.values().all(|&n| n == 1),
            "a point ran twice: {runs:?}"
        );
        assert!(s.states(&root).iter().all(|st| *st == State::Done));
        // No lock is left behind.
        let locks = std::fs::read_dir(root.join(POINTS))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension() == Some("lock".as_ref()))
            .count();
        assert_eq!(locks, 0);
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn a_live_holder_makes_a_point_busy_and_a_dead_one_is_taken_over() {
        let root = std::env::temp_dir().join(format!("lab-sweep-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let s = Sweep::parse("command = \"x\"\n[grid]\nd = [1]\n", &ok).unwrap();
        s.prepare(&root).unwrap();
        let lock = root.join(POINTS).join(format!("{}.lock", s.points[0].hash));
        let runner = Slow {
            ms: 0,
            runs: Default::default(),
        };
        // Held by a live process (this one, as another run of it would be).
        let me = Holder::this();
        std::fs::write(&lock, format!("{} {}\n", me.pid, me.host)).unwrap();
        assert_eq!(
            run_point(&s, &s.points[0], &root, &runner).unwrap(),
            PointOutcome::Busy(me.clone())
        );
        assert_eq!(run_local(&s, &root, 1, &runner, &|| {}).busy, 1);
        // Held by a process of another host: presumed alive.
        std::fs::write(&lock, "1 elsewhere\n").unwrap();
        assert!(matches!(
            run_point(&s, &s.points[0], &root, &runner).unwrap(),
            PointOutcome::Busy(_)
        ));
        if cfg!(target_os = "linux") {
            // A pid that cannot exist (above Linux's maximum 2²²) on this host: stale.
            std::fs::write(&lock, format!("4294967295 {}\n", me.host)).unwrap();
            assert_eq!(
                run_point(&s, &s.points[0], &root, &runner).unwrap(),
                PointOutcome::Ran
            );
            assert!(!lock.exists());
        }
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn collect_flattens_summaries_of_done_points_only() {
        let root = std::env::temp_dir().join(format!("lab-sweep-{}", std::process::id()));
        let s = Sweep::parse("command = \"x\"\n[grid]\nd = [1, 2]\n", &ok).unwrap();
        s.prepare(&root).unwrap();
        let done = s.points[1].dir(&root);
        std::fs::create_dir_all(&done).unwrap();
        std::fs::write(done.join(SUMMARY), r#"{"p": 0.5, "list": [{"a": 1}]}"#).unwrap();
        assert_eq!(s.points[0].state(&root), State::Pending);
        assert_eq!(Sweep::load(&root).unwrap(), s);
        let t = collect(&s, &root).unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(
            t.columns,
            ["index", "hash", "flag.d", "summary.list.0.a", "summary.p"]
        );
        assert_eq!(t.rows[0][4], Value::Float(0.5));
        let _ = std::fs::remove_dir_all(root);
    }
}
