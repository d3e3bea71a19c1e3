//! `theorylab`: the command line. It only parses, calls the libraries and prints.
//!
//! Every paper is one line of the registry below (`papers!`): its subcommand (a module with
//! a clap `Cmd`, `run` and `systems`), which `reproduce`, `bench`, `sweep` and `--help` then
//! pick up.

mod bench;
mod curation_cmd;
#[cfg(feature = "nn")]
mod dana_cmd;
mod lmc_cmd;
mod lottery_cmd;
mod output;
mod plrf_cmd;
mod reproduce_cmd;
mod sweep_cmd;
#[cfg(test)]
mod toy_cmd;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use lab::system::{BoxError, System};
use output::Ctx;
use std::ffi::OsString;
use std::process::ExitCode;

/// The registry: one line per paper, `Variant => module` (with its doc comment as the help
/// line and an optional `#[cfg(...)]`). Each module provides `Cmd` (its subcommands), `run`
/// and `systems` (what `reproduce` and `bench` run).
macro_rules! papers {
    ($($(#[doc = $doc:literal])* $(#[cfg($cfg:meta)])? $variant:ident => $module:ident,)*) => {
        /// The subcommands: one per paper, then the shared ones.
        #[derive(Subcommand)]
        #[allow(clippy::large_enum_variant)] // parsed once
        pub enum Command {
            $(
                $(#[doc = $doc])*
                $(#[cfg($cfg)])?
                $variant {
                    #[command(subcommand)]
                    command: $module::Cmd,
                },
            )*
            /// Run the papers' experiments and check their claims; writes report.html.
            Reproduce(reproduce_cmd::ReproduceArgs),
            /// Resumable parameter sweeps of any command, on local threads or as a Slurm job array.
            Sweep {
                #[command(subcommand)]
                command: sweep_cmd::SweepCommand,
            },
            /// Performance benchmarks against their targets and baselines.
            Bench(bench::BenchArgs),
        }

        /// Every registered system, in registry order.
        pub fn systems() -> Vec<&'static dyn System> {
            let mut all: Vec<&'static dyn System> = Vec::new();
            $(
                $(#[cfg($cfg)])?
                all.extend($module::systems());
            )*
            all
        }

        /// Runs the parsed command.
        fn dispatch(command: Command, ctx: &Ctx) -> Result<Outcome, BoxError> {
            match command {
                $(
                    $(#[cfg($cfg)])?
                    Command::$variant { command } => $module::run(command, ctx),
                )*
                Command::Reproduce(args) => reproduce_cmd::run(args, ctx),
                Command::Sweep { command } => sweep_cmd::run(command, ctx),
                Command::Bench(args) => bench::run(args, ctx),
            }
        }
    };
}

papers! {
    /// Power-law random features: SGD, SGD-M and DANA (arXiv 2505.16098).
    Plrf => plrf_cmd,
    /// DANA on real networks: a character-level LSTM language model (burn).
    #[cfg(feature = "nn")]
    Dana => dana_cmd,
    /// Curated self-consuming retraining: exact dynamics, retraining loops, digits (arXiv 2407.09499).
    Curation => curation_cmd,
    /// Linear mode connectivity via optimal transport (arXiv 2310.19103).
    Lmc => lmc_cmd,
    /// Equivariant strong lottery tickets by exact subset-sum (arXiv 2206.04270).
    Lottery => lottery_cmd,
    /// A toy system for the registry's tests (not shipped).
    #[cfg(test)]
    Toy => toy_cmd,
}

/// Reproduce deep-learning-theory papers as measured, checkable results.
#[derive(Parser)]
#[command(name = "theorylab", version, about, propagate_version = true)]
pub struct Cli {
    /// Worker threads (default: all cores). Results are identical at any thread count.
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    /// Hide progress bars (they are also hidden when stdout is not a terminal).
    #[arg(long, global = true)]
    quiet: bool,
    /// Run even where a check would refuse: a run estimated to need more memory than is
    /// available, an --out directory that holds another run (its files are replaced), an
    /// unstable step size (warned about instead).
    #[arg(long, global = true)]
    force: bool,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses `args` (the program name first), letting negative numbers reach their flags:
    /// `--alpha -1` is the value -1 of --alpha (then refused by its own check), not an
    /// unknown flag `-1`.
    pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Cli, clap::Error> {
        let matches = Cli::command().try_get_matches_from(join_negative_values(args))?;
        Cli::from_arg_matches(&matches)
    }
}

/// `--flag -1.5` (and `--flag -1,2`, `--flag -inf`) written as `--flag=-1.5`, so that a value
/// starting with a minus sign is not read as a flag.
fn join_negative_values(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let numeric = |s: &str| {
        let rest = s.strip_prefix('-').unwrap_or("");
        rest.starts_with(|c: char| c.is_ascii_digit() || c == '.')
            || rest.to_ascii_lowercase().starts_with("inf")
            || rest.to_ascii_lowercase().starts_with("nan")
    };
    let mut out: Vec<OsString> = Vec::new();
    for arg in args {
        let joined = match (out.last().and_then(|a| a.to_str()), arg.to_str()) {
            (Some(flag), Some(value))
                if flag.starts_with("--") && !flag.contains('=') && numeric(value) =>
            {
                Some(format!("{flag}={value}"))
            }
            _ => None,
        };
        match joined {
            Some(j) => *out.last_mut().expect("a previous argument") = j.into(),
            None => out.push(arg),
        }
    }
    out
}

/// Refuses a thread count of 0 or above 4× the cores, and warns above the cores.
fn check_threads(n: usize, cores: usize) -> Result<Option<String>, String> {
    if n == 0 {
        return Err("--threads must be at least 1".into());
    }
    if n > 4 * cores {
        return Err(format!(
            "--threads {n} is more than 4× the {cores} available cores (at most {})",
            4 * cores
        ));
    }
    Ok((n > cores).then(|| {
        format!("--threads {n} is more than the {cores} available cores: results are the same, the run is not faster")
    }))
}

/// How a command ended when it did not fail on its input.
pub enum Outcome {
    /// Everything ran and passed.
    Done,
    /// Ran, but a check asked for by the user failed (e.g. `--reference`).
    CheckFailed,
}

/// clap's message up to its usage block, folded into one line.
pub fn one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let message: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    format!("{} (see --help)", message.join(" "))
}

fn main() -> ExitCode {
    let cli = match Cli::parse_args(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{}", one_line(&e));
            return ExitCode::from(2);
        }
    };
    if let Some(n) = cli.threads {
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        match check_threads(n, cores) {
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
            Ok(Some(warning)) => eprintln!("warning: {warning}"),
            Ok(None) => {}
        }
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            eprintln!("error: cannot start {n} threads: {e}");
            return ExitCode::from(2);
        }
    }
    let ctx = Ctx {
        quiet: cli.quiet,
        force: cli.force,
    };
    match dispatch(cli.command, &ctx) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::CheckFailed) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {}", chain(e.as_ref()));
            ExitCode::from(2)
        }
    }
}

/// An error and its sources on one line, `outer: inner: …` (a source already contained in the
/// message is not repeated).
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = e.source();
    }
    line.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(args: &[&str]) -> Vec<String> {
        join_negative_values(args.iter().map(OsString::from))
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn negative_values_stay_with_their_flags() {
        assert_eq!(
            joined(&["t", "--alpha", "-1", "--d", "-5", "--lambda", "-0.5,1", "--x", "-inf"]),
            ["t", "--alpha=-1", "--d=-5", "--lambda=-0.5,1", "--x=-inf"]
        );
        // Flags, words and values that are not negative numbers are left alone.
        assert_eq!(
            joined(&["t", "--quiet", "--alpha", "1", "--out", "-dir", "--y=-2", "-1"]),
            ["t", "--quiet", "--alpha", "1", "--out", "-dir", "--y=-2", "-1"]
        );
    }

    #[test]
    fn thread_counts_are_bounded_by_the_cores() {
        assert!(check_threads(0, 2).is_err());
        assert_eq!(check_threads(2, 2), Ok(None));
        assert!(check_threads(8, 2).unwrap().is_some());
        let err = check_threads(9, 2).unwrap_err();
        assert!(err.contains("at most 8"), "{err}");
    }
}
