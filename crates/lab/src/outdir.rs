//! Run directories: files are staged in memory, then written atomically together.

use crate::plot::Render;
use crate::table::Table;
use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The file whose presence marks a finished run; `commit` writes it last.
pub const SUMMARY: &str = "summary.json";

/// The `config.json` record of a run: the theorylab version and the command, then `fields`
/// (a JSON object: the fully resolved configuration).
pub fn config_record(command: &str, fields: serde_json::Value) -> serde_json::Value {
    let mut record = serde_json::json!({
        "theorylab_version": env!("CARGO_PKG_VERSION"),
        "command": command,
    });
    if let (Some(all), serde_json::Value::Object(more)) = (record.as_object_mut(), fields) {
        all.extend(more);
    }
    record
}

/// A run directory: a target path plus files staged in memory until [`OutDir::commit`].
#[derive(Clone, Debug)]
pub struct OutDir {
    path: PathBuf,
    files: Vec<(String, Vec<u8>)>,
}

impl OutDir {
    /// A run directory at `path` with no files staged; nothing touches the disk yet.
    pub fn new(path: impl Into<PathBuf>) -> OutDir {
        OutDir {
            path: path.into(),
            files: Vec::new(),
        }
    }

    /// Stages a file; `name` is relative to the directory and may contain subfolders. A name
    /// staged twice makes [`OutDir::commit`] fail with an error naming the file (and
    /// [`OutDir::add_figure`] refuses at once), so no file silently replaces another.
    pub fn add_bytes(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.push((name.to_string(), bytes));
    }

    /// Whether a file named `name` is staged.
    pub fn has(&self, name: &str) -> bool {
        self.files.iter().any(|(n, _)| n == name)
    }

    /// The names of the files staged so far, in staging order.
    pub fn names(&self) -> Vec<String> {
        self.files.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Stages a text file.
    pub fn add_text(&mut self, name: &str, text: String) {
        self.add_bytes(name, text.into_bytes());
    }

    /// Stages `value` as pretty-printed JSON.
    pub fn add_json<T: serde::Serialize>(
        &mut self,
        name: &str,
        value: &T,
    ) -> Result<(), OutDirError> {
        let mut bytes = serde_json::to_vec_pretty(value).map_err(|source| OutDirError::Json {
            name: name.into(),
            source,
        })?;
        bytes.push(b'\n');
        self.add_bytes(name, bytes);
        Ok(())
    }

    /// Stages `table` as CSV.
    pub fn add_csv(&mut self, name: &str, table: &Table) {
        self.add_text(name, table.to_csv());
    }

    /// Renders `figure` now at its natural [`Render::size`] and stages it as `stem.png` and
    /// `stem.svg`, with its plotted data ([`Render::data`]) as `stem.csv`. Refuses, staging
    /// nothing, when a file of one of these names is already staged (e.g. a table of the same
    /// stem).
    pub fn add_figure(&mut self, stem: &str, figure: &dyn Render) -> Result<(), OutDirError> {
        let names = ["png", "svg", "csv"].map(|ext| format!("{stem}.{ext}"));
        if let Some(name) = names.iter().find(|name| self.has(name)) {
            return Err(OutDirError::FigureClash {
                stem: stem.into(),
                name: name.clone(),
            });
        }
        let (w, h) = figure.size();
        let [png_name, svg_name, csv_name] = names;
        let rendered = |name: &str| {
            let name = name.to_string();
            move |source| OutDirError::Render { name, source }
        };
        let png = figure.render_png(w, h).map_err(rendered(&png_name))?;
        let svg = figure.render_svg(w, h).map_err(rendered(&svg_name))?;
        self.add_bytes(&png_name, png);
        self.add_text(&svg_name, svg);
        self.add_csv(&csv_name, &figure.data());
        Ok(())
    }

    /// Creates the directory (and parents) and writes every staged file to a temporary name in
    /// its final folder, then renames them all into place; returns the written paths in staging
    /// order. Names are checked before anything is written; on failure the temporary files are
    /// removed, and the directory too if this call created it and it is empty.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, OutDirError> {
        // `summary.json` goes last: its presence marks a complete run (sweeps rely on it).
        self.files.sort_by_key(|(name, _)| name == SUMMARY);
        let mut seen = HashSet::new();
        for (name, _) in &self.files {
            check_name(name)?;
            if !seen.insert(name.as_str()) {
                return Err(OutDirError::Twice(name.clone()));
            }
        }
        let targets: Vec<PathBuf> = self.files.iter().map(|(n, _)| self.path.join(n)).collect();
        if let Some(t) = targets.iter().find(|t| t.is_dir()) {
            return Err(OutDirError::IsDirectory(t.clone()));
        }
        let existed = self.path.exists();
        fs::create_dir_all(&self.path).map_err(|source| OutDirError::Io {
            action: "create",
            path: self.path.clone(),
            source,
        })?;

        let mut staged: Vec<PathBuf> = Vec::new();
        let cleanup = |temps: &[PathBuf]| {
            for t in temps {
                let _ = fs::remove_file(t);
            }
            if !existed {
                let _ = fs::remove_dir(&self.path);
            }
        };
        for (target, (_, bytes)) in targets.iter().zip(&self.files) {
            let parent = target.parent().unwrap_or(&self.path);
            match fs::create_dir_all(parent).and_then(|()| stage(target, bytes)) {
                Ok(temp) => staged.push(temp),
                Err(e) => {
                    cleanup(&staged);
                    return Err(OutDirError::Io {
                        action: "write",
                        path: target.clone(),
                        source: e,
                    });
                }
            }
        }
        for (i, (temp, target)) in staged.iter().zip(&targets).enumerate() {
            if let Err(e) = fs::rename(temp, target) {
                cleanup(&staged[i..]);
                return Err(OutDirError::Io {
                    action: "move into place",
                    path: target.clone(),
                    source: e,
                });
            }
        }
        sync_dir(&self.path);
        Ok(targets)
    }
}

/// Why a run directory cannot be staged or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutDirError {
    /// A file name that is not a plain relative path.
    #[error("invalid file name '{0}' in run directory (use a relative path without '..')")]
    BadName(String),
    /// The same file staged twice.
    #[error("file '{0}' was added twice to the run directory")]
    Twice(String),
    /// A figure whose PNG, SVG or CSV name is already staged.
    #[error("cannot stage the figure '{stem}': the file '{name}' is already staged in the run directory")]
    FigureClash {
        /// The figure's stem.
        stem: String,
        /// The file already staged.
        name: String,
    },
    /// A figure that cannot be rendered.
    #[error("cannot render {name}: {source}")]
    Render {
        /// The file being rendered.
        name: String,
        /// Why.
        source: crate::plot::PlotError,
    },
    /// A value that cannot be serialized as JSON.
    #[error("cannot serialize {name} as JSON: {source}")]
    Json {
        /// The file.
        name: String,
        /// Why.
        source: serde_json::Error,
    },
    /// A file's target is a directory.
    #[error("cannot write {}: it is a directory", .0.display())]
    IsDirectory(PathBuf),
    /// A file-system operation failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was attempted (`create`, `write`, `move into place`).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, then rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = stage(path, bytes)?;
    if let Err(e) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    sync_dir(path.parent().unwrap_or(Path::new(".")));
    Ok(())
}

/// Writes `bytes` to a fresh hidden sibling of `path` and fsyncs it; returns the sibling's path.
fn stage(path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let temp = path.with_file_name(format!(
        ".{}.tmp.{}.{}",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    match file.write_all(bytes).and_then(|()| file.sync_all()) {
        Ok(()) => Ok(temp),
        Err(e) => {
            drop(file);
            let _ = fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// Best-effort fsync of a folder so that renames inside it survive a crash.
fn sync_dir(dir: &Path) {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Accepts non-empty relative names made only of plain components (no `..`, no root).
fn check_name(name: &str) -> Result<(), OutDirError> {
    let path = Path::new(name);
    let plain = path.components().all(|c| matches!(c, Component::Normal(_)));
    if name.is_empty() || !plain || name.ends_with('/') {
        return Err(OutDirError::BadName(name.into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh scratch folder path under the system temp dir (not created).
    fn scratch(name: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("lab-outdir-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        p
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn summary_is_written_last() {
        let dir = scratch("summary-last");
        let mut out = OutDir::new(&dir);
        out.add_text(SUMMARY, "{}".to_string());
        out.add_text("data.csv", "a\n".to_string());
        let written = out.commit().unwrap();
        assert_eq!(written.last(), Some(&dir.join(SUMMARY)));
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn commit_writes_every_file() {
        let root = scratch("ok");
        let dir = root.join("a/b");
        let mut out = OutDir::new(&dir);
        out.add_text("notes.txt", "hello\n".to_string());
        out.add_bytes("sub/raw.bin", vec![0, 1, 2, 255]);
        out.add_json("config.json", &serde_json::json!({"n": 3, "x": [1.5]}))
            .unwrap();
        let mut t = Table::new(["k", "v"]);
        t.push(vec![1i64.into(), 0.25.into()]);
        out.add_csv("t.csv", &t);
        let written = out.commit().unwrap();

        assert_eq!(
            written,
            vec![
                dir.join("notes.txt"),
                dir.join("sub/raw.bin"),
                dir.join("config.json"),
                dir.join("t.csv")
            ]
        );
        assert_eq!(
            fs::read_to_string(dir.join("notes.txt")).unwrap(),
            "hello\n"
        );
        assert_eq!(
            fs::read(dir.join("sub/raw.bin")).unwrap(),
            vec![0, 1, 2, 255]
        );
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("config.json")).unwrap()).unwrap();
        assert_eq!(json, serde_json::json!({"n": 3, "x": [1.5]}));
        assert_eq!(
            fs::read_to_string(dir.join("t.csv")).unwrap(),
            "k,v\n1,0.25\n"
        );
        assert_eq!(
            listing(&dir),
            vec!["config.json", "notes.txt", "sub", "t.csv"]
        );
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn failure_leaves_no_temporary_files() {
        let dir = scratch("fail");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("sub"), "a file, not a folder").unwrap();
        let mut out = OutDir::new(&dir);
        out.add_text("a.txt", "a".to_string());
        out.add_text("sub/x.txt", "x".to_string());
        let err = out.commit().unwrap_err().to_string();
        assert!(err.contains("sub/x.txt"), "{err}");
        assert_eq!(listing(&dir), vec!["sub"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_names_are_rejected_before_writing() {
        let dir = scratch("names");
        for bad in ["", "../x", "/abs", "dup"] {
            let mut out = OutDir::new(&dir);
            out.add_text("dup", String::new());
            if bad != "dup" {
                out.add_text(bad, String::new());
            } else {
                out.add_text("dup", String::new());
            }
            let err = out.commit().unwrap_err().to_string();
            assert!(err.contains(&format!("'{bad}'")), "{err}");
            assert!(!dir.exists());
        }

        fs::create_dir_all(dir.join("b.txt")).unwrap();
        let mut out = OutDir::new(&dir);
        out.add_text("a.txt", "a".to_string());
        out.add_text("b.txt", "b".to_string());
        let err = out.commit().unwrap_err().to_string();
        assert!(err.contains("b.txt") && err.contains("directory"), "{err}");
        assert_eq!(listing(&dir), vec!["b.txt"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn write_atomic_replaces_content() {
        let dir = scratch("atomic");
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        assert_eq!(listing(&dir), vec!["state.json"]);
        assert!(write_atomic(&dir.join("missing/state.json"), b"x").is_err());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn figures_are_staged_at_their_natural_size_with_their_data() {
        use crate::plot::{Axis, Figure, Panels, Series, DEFAULT_SIZE};
        let png_size = |bytes: &[u8]| {
            let info = png::Decoder::new(std::io::Cursor::new(bytes))
                .read_info()
                .unwrap();
            (info.info().width, info.info().height)
        };
        let dir = scratch("figures");
        let mut figure = Figure::new("one", Axis::linear("x"), Axis::linear("y"));
        figure
            .series
            .push(Series::line(vec![(1.0, 2.0), (3.0, 4.5)]).label("a, b"));
        let panels = Panels {
            title: "three".into(),
            panels: vec![figure.clone(), figure.clone(), figure.clone()],
            columns: 3,
        };
        let mut out = OutDir::new(&dir);
        out.add_figure("single", &figure).unwrap();
        out.add_figure("grid", &panels).unwrap();
        let err = out
            .add_figure(
                "empty",
                &Panels {
                    panels: vec![],
                    ..panels.clone()
                },
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("empty.png") && err.contains("no figures"),
            "{err}"
        );
        out.commit().unwrap();
        assert_eq!(
            listing(&dir),
            vec![
                "grid.csv",
                "grid.png",
                "grid.svg",
                "single.csv",
                "single.png",
                "single.svg"
            ]
        );
        assert_eq!(
            png_size(&fs::read(dir.join("single.png")).unwrap()),
            DEFAULT_SIZE
        );
        assert_eq!(
            png_size(&fs::read(dir.join("grid.png")).unwrap()),
            panels.size()
        );
        // Three figures asked in 3 columns are laid out 2 across, in 2 rows.
        assert_eq!(panels.size(), (2000, 1400));
        let svg = fs::read_to_string(dir.join("grid.svg")).unwrap();
        assert!(svg.starts_with("<svg width=\"2000\" height=\"1400\""));
        // The CSV holds the plotted points, the label quoted.
        assert_eq!(
            fs::read_to_string(dir.join("single.csv")).unwrap(),
            concat!(
                "series,label,kind,x,y,lower,upper\n",
                "0,\"a, b\",line,1.0,2.0,,\n",
                "0,\"a, b\",line,3.0,4.5,,\n"
            )
        );
        let grid = fs::read_to_string(dir.join("grid.csv")).unwrap();
        assert_eq!(grid.lines().count(), 1 + 3 * 2);
        assert!(grid.starts_with("panel,series,"));
        assert!(grid.lines().last().unwrap().starts_with("2,0,"));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_name_is_never_staged_twice() {
        use crate::plot::{Axis, Figure};
        let figure = Figure::new("one", Axis::linear("x"), Axis::log("y"));
        let dir = scratch("twice");
        // A table under the figure's stem: the figure is refused, naming the file.
        let mut out = OutDir::new(&dir);
        out.add_csv("phases.csv", &Table::new(["phase"]));
        let err = out.add_figure("phases", &figure).unwrap_err().to_string();
        assert!(err.contains("'phases.csv'"), "{err}");
        assert!(!out.has("phases.png") && !out.has("phases.svg"));
        out.add_figure("map", &figure).unwrap();
        assert!(out.has("map.csv") && out.has("map.png") && out.has("map.svg"));
        assert!(out
            .add_figure("map", &figure)
            .unwrap_err()
            .to_string()
            .contains("'map.png'"));
        // A table staged after a figure of the same stem: the commit refuses, naming it.
        out.add_csv("map.csv", &Table::new(["x"]));
        let err = out.commit().unwrap_err().to_string();
        assert!(err.contains("'map.csv'") && err.contains("twice"), "{err}");
        assert!(!dir.exists());
    }
}
