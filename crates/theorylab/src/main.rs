//! `theorylab`: the command line. It only parses, calls the libraries and prints.
//!
//! Every paper is one line of the registry below ([`papers!`]): its subcommand (a module with
//! a clap `Cmd`, `run` and `systems`), which `reproduce`, `bench`, `sweep` and `--help` then
//! pick up.

mod bench;
#[cfg(feature = "nn")]
mod dana_cmd;
mod output;
mod plrf_cmd;
mod reproduce_cmd;
mod sweep_cmd;
#[cfg(test)]
mod toy_cmd;

use clap::{Parser, Subcommand};
use lab::system::{BoxError, System};
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
        fn dispatch(command: Command, quiet: bool) -> Result<Outcome, BoxError> {
            match command {
                $(
                    $(#[cfg($cfg)])?
                    Command::$variant { command } => $module::run(command, quiet),
                )*
                Command::Reproduce(args) => reproduce_cmd::run(args, quiet),
                Command::Sweep { command } => sweep_cmd::run(command, quiet),
                Command::Bench(args) => bench::run(args, quiet),
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
    #[command(subcommand)]
    pub command: Command,
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
    let cli = match Cli::try_parse() {
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
        if n == 0 {
            eprintln!("error: --threads must be at least 1");
            return ExitCode::from(2);
        }
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            eprintln!("error: cannot start {n} threads: {e}");
            return ExitCode::from(2);
        }
    }
    match dispatch(cli.command, cli.quiet) {
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
