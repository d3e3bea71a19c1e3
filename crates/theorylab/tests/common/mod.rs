//! Helpers shared by the command-line tests (each test file uses some of them).
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_theorylab")
}

/// Runs the binary with `args` and waits for it.
pub fn theorylab(args: &[&str]) -> Output {
    Command::new(exe())
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs the binary and returns (exit code, stderr, stdout).
pub fn refused(args: &[&str]) -> (Option<i32>, String, String) {
    let out = theorylab(args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The stdout of a run that must have succeeded (else its stderr is the panic message).
pub fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A fresh path under the temporary folder, unique to this test file, process and `name`;
/// removed if it exists, not created.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "theorylab-{}-{}-{name}",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// As [`scratch`], created.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Entries directly under `dir` (0 when it does not exist).
pub fn files_under(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

/// The rows of a CSV file without quoted fields, as column → value maps.
pub fn csv_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .map(|h| h.to_string())
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}
