//! A toy paper for the registry's tests: registered by one line of `papers!` (under
//! `cfg(test)`), it must appear in `--help`, in `reproduce` and in its report without any
//! other file knowing it.

use crate::{Cli, Outcome};
use clap::{CommandFactory, Parser, Subcommand};
use lab::claims::Claim;
use lab::system::{BoxError, Scale, Sink, System};
use lab::table::Table;

/// The toy's system: one section, one table, one claim that 2 + 2 = 4.
pub struct Toy;

impl System for Toy {
    fn name(&self) -> &'static str {
        "toy"
    }
    fn about(&self) -> &'static str {
        "A toy paper that checks 2 + 2 = 4"
    }
    fn work(&self, _scale: Scale) -> u64 {
        1
    }
    fn reproduce(&self, scale: Scale, sink: &mut dyn Sink) -> Result<(), BoxError> {
        sink.section("Toy experiment");
        sink.text("Adds two and two.");
        let mut table = Table::new(["a", "b", "sum"]);
        table.push(vec![2i64.into(), 2i64.into(), 4i64.into()]);
        sink.table("toy_sums", "Sums", &table)?;
        let claim = Claim::within("toy-sum", "2 + 2 = 4", 4.0, 2.0 + 2.0, 0.0).paper();
        sink.claim(match scale {
            Scale::Quick => claim.stand_in("integers", "the reals"),
            Scale::Full => claim,
        });
        sink.progress()(1, "done");
        Ok(())
    }
}

/// What `reproduce` runs for the toy.
pub fn systems() -> Vec<&'static dyn System> {
    vec![&Toy]
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Prints 4.
    Add,
}

pub fn run(command: Cmd, _ctx: &crate::Ctx) -> Result<Outcome, BoxError> {
    let Cmd::Add = command;
    println!("4");
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help(args: &[&str]) -> String {
        let mut cmd = Cli::command();
        let mut sub = &mut cmd;
        for a in args {
            sub = sub.find_subcommand_mut(a).expect("a registered subcommand");
        }
        sub.render_long_help().to_string()
    }

    #[test]
    fn a_registered_paper_appears_in_help_reproduce_and_bench_lists() {
        assert!(help(&[]).contains("toy"), "{}", help(&[]));
        let reproduce = help(&["reproduce"]);
        assert!(
            reproduce.contains("toy") && reproduce.contains("A toy paper that checks 2 + 2 = 4"),
            "{reproduce}"
        );
        assert!(Cli::try_parse_from(["theorylab", "reproduce", "toy"]).is_ok());
        assert!(Cli::try_parse_from(["theorylab", "toy", "add"]).is_ok());
        assert!(Cli::try_parse_from(["theorylab", "reproduce", "no-such-paper"]).is_err());
        // The toy has no benchmark: bench does not offer it.
        assert!(Cli::try_parse_from(["theorylab", "bench", "toy"]).is_err());
    }

    #[test]
    fn reproduce_runs_a_registered_paper_into_its_report() {
        let out = std::env::temp_dir().join(format!("theorylab-toy-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let cli = Cli::try_parse_from([
            "theorylab",
            "--quiet",
            "reproduce",
            "toy",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ])
        .unwrap();
        assert!(matches!(
            crate::dispatch(
                cli.command,
                &crate::Ctx {
                    quiet: true,
                    force: false
                }
            ),
            Ok(Outcome::Done)
        ));
        let claims: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("claims.json")).unwrap())
                .unwrap();
        assert_eq!(claims[0]["id"], "toy-sum");
        assert_eq!(claims[0]["verdict"], "pass");
        assert_eq!(claims[0]["setting"]["kind"], "stand-in");
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert!(html.contains("<h2>toy · Toy experiment</h2>") && html.contains("toy-sum"));
        assert!(html.contains("stand-in settings: 1 pass, 0 fail"));
        assert_eq!(
            std::fs::read_to_string(out.join("toy/toy_sums.csv")).unwrap(),
            "a,b,sum\n2,2,4\n"
        );
        let _ = std::fs::remove_dir_all(out);
    }
}
