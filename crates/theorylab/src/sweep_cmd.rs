//! `theorylab sweep run|status|collect`: resumable parameter sweeps of any theorylab
//! command, each point a child process writing its own run directory.

use crate::output::{warn, Ctx};
use crate::{one_line, Cli, Outcome};
use clap::{Args, CommandFactory, Subcommand, ValueEnum};
use lab::sweep::{
    collect, run_local, run_point, slurm_script, Point, PointOutcome, PointRunner, State, Sweep,
};
use lab::system::BoxError;
use lab::table::{render, Format, Table};
use std::path::{Path, PathBuf};
use std::process::Stdio;

#[derive(Subcommand)]
pub enum SweepCommand {
    /// Run every pending point of SWEEP.toml (done points are skipped).
    Run {
        /// The sweep file (format: README, "Sweeps").
        file: PathBuf,
        /// Where points run: local threads, or a Slurm job array submitted with sbatch.
        #[arg(long, value_enum, default_value = "local")]
        executor: Executor,
        /// Points run at once by the local executor [default: all cores].
        #[arg(long)]
        jobs: Option<usize>,
        /// The sweep directory [default: the file's name without .toml].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[command(flatten)]
        slurm: SlurmFlags,
    },
    /// Count points done, pending and failed (and Slurm tasks queued, when submitted).
    Status {
        /// The sweep directory.
        dir: PathBuf,
        /// table, csv or json.
        #[arg(long, default_value = "table", value_name = "table|csv|json")]
        format: Format,
    },
    /// One table of every done point: its flags, config and summary (flattened).
    Collect {
        /// The sweep directory.
        dir: PathBuf,
        /// csv or json.
        #[arg(long, default_value = "csv", value_name = "csv|json")]
        format: Format,
    },
    /// Run one point (what each Slurm array task calls).
    #[command(hide = true)]
    RunPoint {
        /// The sweep directory.
        dir: PathBuf,
        /// The point's index.
        index: usize,
    },
}

/// Slurm settings given on the command line; each overrides the sweep file's `[slurm]`.
#[derive(Args, Debug, Default)]
pub struct SlurmFlags {
    /// Slurm partition.
    #[arg(long)]
    partition: Option<String>,
    /// Slurm time limit per point, e.g. 00:10:00.
    #[arg(long)]
    time: Option<String>,
    /// Slurm memory per point, e.g. 2G.
    #[arg(long)]
    mem: Option<String>,
    /// CPUs per point (the point runs with as many threads).
    #[arg(long)]
    cpus_per_task: Option<u32>,
    /// At most this many array tasks at once (%N).
    #[arg(long)]
    throttle: Option<u32>,
    /// An extra sbatch line (repeatable), e.g. "#SBATCH --qos=normal".
    #[arg(long = "sbatch-line", value_name = "LINE")]
    extra: Vec<String>,
}

impl SlurmFlags {
    fn apply(self, o: &mut lab::sweep::SlurmOptions) {
        o.partition = self.partition.or(o.partition.take());
        o.time = self.time.or(o.time.take());
        o.mem = self.mem.or(o.mem.take());
        o.cpus_per_task = self.cpus_per_task.or(o.cpus_per_task);
        o.throttle = self.throttle.or(o.throttle);
        o.extra.extend(self.extra);
    }
}

/// Where sweep points run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Executor {
    /// A pool of local threads.
    Local,
    /// A Slurm job array (sbatch).
    Slurm,
}

/// Flags the sweep sets itself for every point.
const RESERVED: [&str; 4] = ["out", "format", "threads", "quiet"];

/// Checks a point's arguments with the real command-line parser, so a bad sweep file is
/// refused before anything runs.
fn check(args: &[String]) -> Result<(), String> {
    for r in RESERVED {
        if args.iter().any(|a| a == &format!("--{r}")) {
            return Err(format!(
                "--{r} is set by the sweep itself; remove it from the file"
            ));
        }
    }
    let commands = sweepable();
    if !commands.iter().any(|c| args.starts_with(c)) {
        let list: Vec<String> = commands.iter().map(|c| c.join(" ")).collect();
        return Err(format!(
            "'{}' cannot be swept: sweep one of {}",
            args.iter().take(2).cloned().collect::<Vec<_>>().join(" "),
            list.join(", ")
        ));
    }
    let argv = ["theorylab".to_string()]
        .into_iter()
        .chain(args.iter().cloned())
        .chain(["--out".into(), "x".into()]);
    Cli::parse_args(argv.map(Into::into))
        .map(|_| ())
        .map_err(|e| one_line(&e).trim_start_matches("error: ").to_string())
}

/// The commands a sweep can run, from the command-line definition itself: every leaf
/// subcommand that writes a run directory (`--out`), except the shared ones (sweep,
/// reproduce, bench).
fn sweepable() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        if cmd.get_subcommands().next().is_none() {
            if cmd.get_arguments().any(|a| a.get_id() == "out") {
                out.push(path.clone());
            }
            return;
        }
        for sub in cmd.get_subcommands() {
            path.push(sub.get_name().to_string());
            walk(sub, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    for sub in Cli::command().get_subcommands() {
        if !["sweep", "reproduce", "bench", "help"].contains(&sub.get_name()) {
            let mut path = vec![sub.get_name().to_string()];
            walk(sub, &mut path, &mut out);
        }
    }
    out
}

/// Runs a point as a child `theorylab` process writing into the point's directory.
struct ChildRunner {
    threads: Option<usize>,
}

impl PointRunner for ChildRunner {
    fn run(&self, sweep: &Sweep, point: &Point, dir: &Path) -> Result<(), BoxError> {
        let exe = std::env::current_exe()
            .map_err(|e| format!("cannot find the theorylab binary: {e}"))?;
        let mut cmd = std::process::Command::new(exe);
        cmd.arg("--quiet");
        if let Some(n) = self.threads {
            cmd.args(["--threads", &n.to_string()]);
        }
        cmd.args(point.args(&sweep.command))
            .arg("--out")
            .arg(dir)
            .args(["--format", "csv"]);
        let out = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot start the point: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stderr
            .lines()
            .rev()
            .find(|l| l.starts_with("error:"))
            .or_else(|| stderr.lines().last());
        Err(line
            .unwrap_or("the point exited with an error and no message")
            .trim_start_matches("error: ")
            .into())
    }
}

pub fn run(command: SweepCommand, ctx: &Ctx) -> Result<Outcome, BoxError> {
    sweep(command, ctx.quiet)
}

fn sweep(command: SweepCommand, quiet: bool) -> Result<Outcome, BoxError> {
    match command {
        SweepCommand::Run {
            file,
            executor,
            jobs,
            out,
            slurm,
        } => run_sweep(&file, executor, jobs, out, slurm, quiet),
        SweepCommand::Status { dir, format } => status(&dir, format),
        SweepCommand::Collect { dir, format } => {
            if format == Format::Table {
                return Err("collect prints csv or json".into());
            }
            let sweep = Sweep::load(&dir)?;
            print!("{}", render(&collect(&sweep, &dir)?, format, 7));
            Ok(Outcome::Done)
        }
        SweepCommand::RunPoint { dir, index } => {
            let sweep = Sweep::load(&dir)?;
            let point = sweep.points.get(index).ok_or_else(|| {
                format!(
                    "the sweep has no point {index} (it has {})",
                    sweep.points.len()
                )
            })?;
            let threads = std::env::var("SLURM_CPUS_PER_TASK")
                .ok()
                .and_then(|v| v.parse().ok());
            if let PointOutcome::Busy(holder) =
                run_point(&sweep, point, &dir, &ChildRunner { threads })?
            {
                eprintln!("point {index} is being computed by {holder}: left to it");
            }
            Ok(Outcome::Done)
        }
    }
}

fn run_sweep(
    file: &Path,
    executor: Executor,
    jobs: Option<usize>,
    out: Option<PathBuf>,
    slurm: SlurmFlags,
    quiet: bool,
) -> Result<Outcome, BoxError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let mut sweep = Sweep::parse(&text, &check).map_err(|e| format!("{}: {e}", file.display()))?;
    slurm.apply(&mut sweep.slurm);
    if jobs == Some(0) {
        return Err("--jobs must be at least 1".into());
    }
    let dir = match out {
        Some(d) => d,
        None => PathBuf::from(file.file_stem().ok_or("the sweep file has no name")?),
    };
    let dir = std::path::absolute(&dir).map_err(|e| format!("bad --out {}: {e}", dir.display()))?;
    sweep.prepare(&dir)?;
    let pending: Vec<usize> = sweep
        .points
        .iter()
        .filter(|p| p.state(&dir) != State::Done)
        .map(|p| p.index)
        .collect();
    eprintln!(
        "{}: {} points, {} done, {} to run",
        dir.display(),
        sweep.points.len(),
        sweep.points.len() - pending.len(),
        pending.len()
    );
    match executor {
        Executor::Local => {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            let jobs = jobs.unwrap_or(cores);
            let bar = lab::progress::bar(pending.len() as u64, "sweep", quiet);
            let runner = ChildRunner {
                threads: Some((cores / jobs).max(1)),
            };
            let counts = run_local(&sweep, &dir, jobs, &runner, &|| bar.inc(1));
            bar.finish_and_clear();
            println!(
                "skipped {} done, completed {}, failed {}, busy {}",
                counts.skipped, counts.completed, counts.failed, counts.busy
            );
            if counts.busy > 0 {
                eprintln!(
                    "{} points were being computed by another run on this directory; \
                     `theorylab sweep status {}` shows when they are done",
                    counts.busy,
                    dir.display()
                );
            }
            report_failures(&sweep, &dir);
            Ok(if counts.failed > 0 {
                Outcome::CheckFailed
            } else {
                Outcome::Done
            })
        }
        Executor::Slurm => {
            if pending.is_empty() {
                println!("nothing to run");
                return Ok(Outcome::Done);
            }
            let exe = std::env::current_exe()
                .map_err(|e| format!("cannot find the theorylab binary: {e}"))?;
            let slurm_dir = dir.join("slurm");
            std::fs::create_dir_all(&slurm_dir)
                .map_err(|e| format!("cannot create {}: {e}", slurm_dir.display()))?;
            let n = std::fs::read_dir(&slurm_dir)
                .map(|d| d.count())
                .unwrap_or(0);
            let script = slurm_dir.join(format!("array-{n}.sbatch"));
            lab::outdir::write_atomic(
                &script,
                slurm_script(&sweep, &dir, &exe, &pending).as_bytes(),
            )
            .map_err(|e| format!("cannot write {}: {e}", script.display()))?;
            let out = std::process::Command::new("sbatch")
                .arg("--parsable")
                .arg(&script)
                .output()
                .map_err(|e| format!("cannot run sbatch ({e}): is Slurm installed? (scripts/slurm-local.sh start runs a local one)"))?;
            if !out.status.success() {
                return Err(format!(
                    "sbatch refused {}: {}",
                    script.display(),
                    String::from_utf8_lossy(&out.stderr).trim()
                )
                .into());
            }
            let id = String::from_utf8_lossy(&out.stdout)
                .trim()
                .split(';')
                .next()
                .unwrap_or("")
                .to_string();
            let jobs_file = slurm_dir.join("jobs.txt");
            let mut ids = std::fs::read_to_string(&jobs_file).unwrap_or_default();
            ids.push_str(&format!("{id}\n"));
            lab::outdir::write_atomic(&jobs_file, ids.as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", jobs_file.display()))?;
            println!("{id}");
            eprintln!("submitted Slurm job array {id} ({} points); follow it with: theorylab sweep status {}", pending.len(), dir.display());
            Ok(Outcome::Done)
        }
    }
}

/// Prints each failed point with its message.
fn report_failures(sweep: &Sweep, dir: &Path) {
    let failures: Vec<String> = sweep
        .points
        .iter()
        .filter_map(|p| match p.state(dir) {
            State::Failed(msg) => Some(format!(
                "point {} ({}) failed: {msg}",
                p.index,
                p.describe()
            )),
            _ => None,
        })
        .collect();
    warn(&failures);
}

fn status(dir: &Path, format: Format) -> Result<Outcome, BoxError> {
    let sweep = Sweep::load(dir)?;
    let states = sweep.states(dir);
    let count = |f: &dyn Fn(&State) -> bool| states.iter().filter(|s| f(s)).count() as i64;
    let mut table = Table::new(["state", "points"]);
    table.push(vec!["done".into(), count(&|s| *s == State::Done).into()]);
    table.push(vec![
        "pending".into(),
        count(&|s| *s == State::Pending).into(),
    ]);
    table.push(vec![
        "failed".into(),
        count(&|s| matches!(s, State::Failed(_))).into(),
    ]);
    table.push(vec!["total".into(), (states.len() as i64).into()]);
    if let Ok(ids) = std::fs::read_to_string(dir.join("slurm").join("jobs.txt")) {
        let ids: Vec<&str> = ids.lines().filter(|l| !l.is_empty()).collect();
        match std::process::Command::new("squeue")
            .args(["-h", "-o", "%T", "-j", &ids.join(",")])
            .output()
        {
            Ok(out) if out.status.success() => {
                let text = String::from_utf8_lossy(&out.stdout);
                for state in ["RUNNING", "PENDING"] {
                    let n = text.lines().filter(|l| l.trim() == state).count() as i64;
                    table.push(vec![
                        format!("slurm {}", state.to_lowercase()).into(),
                        n.into(),
                    ]);
                }
            }
            _ => eprintln!(
                "warning: squeue is unavailable; counts come from the run directories only"
            ),
        }
    }
    print!("{}", render(&table, format, 7));
    report_failures(&sweep, dir);
    Ok(Outcome::Done)
}
