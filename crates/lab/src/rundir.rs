//! The output-directory policy, checked before anything is computed: a run directory holds
//! exactly one run.
//!
//! - A path that does not exist, or an empty directory, is a new run; its nearest existing
//!   ancestor must be a writable directory (checked by creating and removing a probe file).
//! - A directory whose `config.json` equals this run's configuration (the theorylab version
//!   aside) is the same run: it is rerun, or resumed where the run checkpoints.
//! - Anything else (another configuration, or files that no theorylab run wrote) is refused,
//!   unless `force`: then the new run replaces the old one, whose files listed in its manifest
//!   ([`MANIFEST`]) are removed at commit; files theorylab did not write are left alone.

use crate::outdir::{OutDir, OutDirError};
use std::fs;
use std::path::{Path, PathBuf};

/// The hidden file listing the files a run wrote (one per line), written with the run.
pub const MANIFEST: &str = ".theorylab-files";

/// Why a run directory cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunDirError {
    /// The path exists and is not a directory.
    #[error("{path} is a file, not a directory")]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// Nothing can be written there.
    #[error(
        "cannot write {target}: its nearest existing folder {path} is not writable ({source})"
    )]
    NotWritable {
        /// The run directory asked for.
        target: PathBuf,
        /// The directory tried.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The directory holds another run or foreign files.
    #[error("{path} already holds {what}; choose another output directory, or force to replace that run")]
    Occupied {
        /// The directory.
        path: PathBuf,
        /// What it holds (another configuration, or files theorylab did not write).
        what: String,
    },
}

/// What the directory holds and what the commit must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claimed {
    /// A new run (the directory is missing or empty).
    New,
    /// The same configuration ran here before: rerun or resume.
    SameRun,
    /// Forced over another run: these files of the old run go before the commit.
    Replace(Vec<PathBuf>),
}

/// Checks `path` for a run with configuration `config` (the JSON of its config.json) before
/// anything is computed; see the module documentation for the policy.
pub fn claim(path: &Path, config: &serde_json::Value, force: bool) -> Result<Claimed, RunDirError> {
    if path.exists() && !path.is_dir() {
        return Err(RunDirError::NotADirectory {
            path: path.to_path_buf(),
        });
    }
    let probe_dir = nearest_existing(path);
    probe(&probe_dir).map_err(|source| RunDirError::NotWritable {
        target: path.to_path_buf(),
        path: probe_dir,
        source,
    })?;
    if !path.is_dir() || is_empty(path) {
        return Ok(Claimed::New);
    }
    let previous = fs::read_to_string(path.join("config.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
    if previous.as_ref().map(without_version) == Some(without_version(config)) {
        return Ok(Claimed::SameRun);
    }
    if force {
        let old = fs::read_to_string(path.join(MANIFEST)).unwrap_or_default();
        return Ok(Claimed::Replace(
            old.lines()
                .filter(|l| !l.is_empty() && !l.contains(".."))
                .map(|l| path.join(l))
                .collect(),
        ));
    }
    let what = match previous {
        Some(p) => format!(
            "a run with another configuration (its config.json: {})",
            describe(&without_version(&p))
        ),
        None => "files that no theorylab run wrote (there is no config.json)".to_string(),
    };
    Err(RunDirError::Occupied {
        path: path.to_path_buf(),
        what,
    })
}

/// The configuration without the theorylab version (a rebuilt binary reruns the same run).
fn without_version(config: &serde_json::Value) -> serde_json::Value {
    let mut c = config.clone();
    if let Some(o) = c.as_object_mut() {
        o.remove("theorylab_version");
    }
    c
}

/// The configuration on one line, cut at 200 characters.
fn describe(config: &serde_json::Value) -> String {
    let text = config.to_string();
    match text.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

/// `path` or its nearest existing ancestor (`.` for a relative path with none).
fn nearest_existing(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    loop {
        if p.exists() {
            return p;
        }
        if !p.pop() || p.as_os_str().is_empty() {
            return PathBuf::from(".");
        }
    }
}

/// Creates and removes a probe file in `dir`.
fn probe(dir: &Path) -> std::io::Result<()> {
    let file = dir.join(format!(".theorylab-probe-{}", std::process::id()));
    let result = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)
        .map(drop);
    let _ = fs::remove_file(&file);
    result
}

/// Whether the directory has no entries (an unreadable one counts as not empty).
fn is_empty(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
}

/// Commits a run directory claimed by [`claim`]: stages the manifest of its files, removes the
/// files of a run it replaces (a [`Claimed::Replace`]; others are left untouched), and writes
/// everything atomically ([`OutDir::commit`]); returns the paths written.
pub fn commit(mut dir: OutDir, claimed: &Claimed) -> Result<Vec<PathBuf>, OutDirError> {
    let mut files = dir.names();
    files.push(MANIFEST.to_string());
    let mut text = files.join("\n");
    text.push('\n');
    dir.add_text(MANIFEST, text);
    if let Claimed::Replace(old) = claimed {
        for f in old {
            let _ = fs::remove_file(f);
        }
    }
    dir.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lab-rundir-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn new_same_other_and_foreign_directories() {
        let dir = scratch("policy");
        let config = json!({"theorylab_version": "0.1.0", "command": "x", "d": 10});
        assert_eq!(
            claim(&dir.join("a/b"), &config, false).unwrap(),
            Claimed::New
        );
        assert!(!dir.exists(), "the check writes nothing");
        fs::create_dir_all(&dir).unwrap();
        assert_eq!(claim(&dir, &config, false).unwrap(), Claimed::New);
        fs::write(
            dir.join("config.json"),
            json!({"theorylab_version": "0.0.9", "command": "x", "d": 10}).to_string(),
        )
        .unwrap();
        fs::write(dir.join(MANIFEST), "config.json\nold.csv\n").unwrap();
        assert_eq!(claim(&dir, &config, false).unwrap(), Claimed::SameRun);
        let other = json!({"theorylab_version": "0.1.0", "command": "x", "d": 20});
        let err = claim(&dir, &other, false).unwrap_err().to_string();
        assert!(
            err.contains("another configuration") && err.contains("\"d\":10"),
            "{err}"
        );
        assert_eq!(
            claim(&dir, &other, true).unwrap(),
            Claimed::Replace(vec![dir.join("config.json"), dir.join("old.csv")])
        );
        // A forced replacement removes the old run's files and keeps the foreign ones.
        fs::write(dir.join("old.csv"), "a\n").unwrap();
        fs::write(dir.join("mine.txt"), "keep").unwrap();
        let claimed = claim(&dir, &other, true).unwrap();
        let mut new = OutDir::new(&dir);
        new.add_json("config.json", &other).unwrap();
        commit(new, &claimed).unwrap();
        assert!(!dir.join("old.csv").exists() && dir.join("mine.txt").exists());
        assert_eq!(
            fs::read_to_string(dir.join(MANIFEST)).unwrap(),
            format!("config.json\n{MANIFEST}\n")
        );
        assert_eq!(claim(&dir, &other, false).unwrap(), Claimed::SameRun);
        let foreign = scratch("foreign");
        fs::create_dir_all(&foreign).unwrap();
        fs::write(foreign.join("notes.txt"), "mine").unwrap();
        let err = claim(&foreign, &config, false).unwrap_err().to_string();
        assert!(err.contains("no theorylab run wrote"), "{err}");
        assert_eq!(
            claim(&foreign, &config, true).unwrap(),
            Claimed::Replace(vec![])
        );
        let _ = fs::remove_dir_all(dir);
        let _ = fs::remove_dir_all(foreign);
    }

    #[test]
    fn files_and_unwritable_places_are_refused() {
        let dir = scratch("file");
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("f");
        fs::write(&file, "x").unwrap();
        let config = json!({});
        assert!(matches!(
            claim(&file, &config, true),
            Err(RunDirError::NotADirectory { .. })
        ));
        assert!(matches!(
            claim(Path::new("/proc/theorylab-x"), &config, true),
            Err(RunDirError::NotWritable { .. })
        ));
        let _ = fs::remove_dir_all(dir);
    }
}
