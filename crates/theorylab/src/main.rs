//! `theorylab`: the command line. It only parses, calls the libraries and prints.

mod bench;
#[cfg(feature = "nn")]
mod dana_cmd;
mod output;
mod plrf_cmd;
mod reproduce_cmd;
mod sweep_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

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

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once
pub enum Command {
    /// Power-law random features: SGD, SGD-M and DANA (arXiv 2505.16098).
    Plrf {
        #[command(subcommand)]
        command: plrf_cmd::PlrfCommand,
    },
    /// DANA on real networks: a character-level LSTM language model (burn).
    #[cfg(feature = "nn")]
    Dana {
        #[command(subcommand)]
        command: dana_cmd::DanaCommand,
    },
    /// Run the papers' experiments and check their claims; writes report.html.
    Reproduce(reproduce_cmd::ReproduceArgs),
    /// Resumable parameter sweeps of any command, on local threads or as a Slurm job array.
    Sweep {
        #[command(subcommand)]
        command: sweep_cmd::SweepCommand,
    },
    /// Performance benchmarks against the official code's figures.
    Bench {
        #[command(subcommand)]
        target: bench::BenchTarget,
    },
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
    let result = match cli.command {
        Command::Plrf { command } => plrf_cmd::run(command, cli.quiet),
        #[cfg(feature = "nn")]
        Command::Dana { command } => dana_cmd::run(command, cli.quiet),
        Command::Reproduce(args) => reproduce_cmd::run(args, cli.quiet),
        Command::Sweep { command } => sweep_cmd::run(command, cli.quiet),
        Command::Bench { target } => bench::run(target, cli.quiet),
    };
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::CheckFailed) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
