//! `apigen`: generate a typed async Rust client from an OpenAPI 3.0 document.
//!
//! Three ways in, one set of rules (ownership by marker, staging, `--check`; see [`output`]):
//! - the command line: `cargo install --path generator/cli`, then
//!   `apigen api.yaml --out my-client` (`apigen --help` lists every flag);
//! - a build script, through [`build::Builder`], which writes one module file into `OUT_DIR`;
//! - this repository's `cargo xtask codegen`, which regenerates the committed client.
//!
//! The generation itself is `generator::generate`, a pure function; this crate does the IO.

pub mod build;
pub mod cli;
pub mod output;

use std::path::{Path, PathBuf};

pub use generator::{Diagnostics, Generated, Layout, OutputFile, RuntimeDependency, Settings};

/// The runtime crate's sources in this checkout (`generator/runtime`), if they are still there.
pub fn local_runtime() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?.join("runtime");
    dir.join("Cargo.toml").exists().then(|| dir.canonicalize().unwrap_or(dir))
}

/// One generation: a spec, an output folder and the settings.
#[derive(Debug, Clone)]
pub struct Job {
    /// The spec to read.
    pub spec: PathBuf,
    /// OpenAPI Overlay 1.0 documents applied to it, in order.
    pub overlays: Vec<PathBuf>,
    /// The folder to write (a crate) or the file's folder (a module).
    pub out: PathBuf,
    /// What to generate.
    pub settings: Settings,
}

/// Why a job failed.
#[derive(Debug)]
pub enum Error {
    /// The spec could not be read.
    Read(PathBuf, std::io::Error),
    /// The spec has problems (each with its place).
    Spec(Diagnostics),
    /// The output could not be written (nothing was changed).
    Write(output::WriteError),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Read(p, e) => write!(f, "error: cannot read {}: {e}", p.display()),
            Error::Spec(d) => write!(f, "{d}"),
            Error::Write(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl Job {
    /// A job that writes a crate for `spec` into `out`. The crate is named after the folder, is
    /// standalone (its own `[workspace]`), and depends on the runtime in this checkout by a path
    /// relative to `out` (or, when the checkout is gone, on the registry's version).
    pub fn new(spec: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Job {
        let (spec, out) = (spec.into(), out.into());
        let name = out
            .file_name()
            .and_then(|n| n.to_str())
            .map(|n| n.to_ascii_lowercase().replace('_', "-"))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "api-client".into());
        let mut settings = Settings::new(spec.display().to_string(), name);
        settings.command = format!("apigen {} --out {}", spec.display(), out.display());
        settings.standalone = true;
        settings.runtime = match local_runtime() {
            Some(rt) => RuntimeDependency::Path(output::relative_path(&absolute(&out), &rt)),
            None => RuntimeDependency::Registry,
        };
        Job { spec, overlays: Vec::new(), out, settings }
    }

    /// Apply an OpenAPI Overlay 1.0 document to the spec (after those added before).
    pub fn overlay(mut self, path: impl Into<PathBuf>) -> Job {
        let path = path.into();
        self.settings.overlay_paths.push(path.display().to_string());
        self.overlays.push(path);
        self
    }

    /// Read the spec and generate the files (with warnings: what the client leaves out).
    pub fn generate(&self) -> Result<Generated, Error> {
        let mut files = Vec::new();
        let streamed = self.generate_into(&mut files, |never| match never {})?;
        Ok(Generated { files, warnings: streamed.warnings, times: streamed.times })
    }

    /// Read the spec and write the output folder, each piece of text as soon as it is finished
    /// (through a staging folder, see [`output::Staged`]): the output is never held whole.
    /// `Err` when nothing was generated; otherwise the warnings (what the client leaves out)
    /// and what writing changed, or why it changed nothing.
    pub fn generate_and_write(&self) -> Result<(Diagnostics, Result<output::Report, Error>), Error> {
        let mut staged = output::Staged::new(&self.out);
        let streamed = self.generate_into(&mut staged, Error::Write)?;
        let report = staged.commit(self.settings.layout == Layout::Crate).map_err(Error::Write);
        Ok((streamed.warnings, report))
    }

    /// Read the spec and compare what it generates with the output folder as the text comes
    /// (see [`output::Checked`]). Returns the warnings and the differences, one line each.
    pub fn generate_and_check(&self) -> Result<(Diagnostics, Vec<String>), Error> {
        let mut checked = output::Checked::new(&self.out);
        let streamed = self.generate_into(&mut checked, |never| match never {})?;
        Ok((streamed.warnings, checked.finish()))
    }

    /// Read the spec and generate into `sink`.
    fn generate_into<S: generator::Sink>(
        &self,
        sink: &mut S,
        sink_error: impl FnOnce(S::Error) -> Error,
    ) -> Result<generator::Streamed, Error> {
        let read = |p: &PathBuf| std::fs::read_to_string(p).map_err(|e| Error::Read(p.clone(), e));
        let text = read(&self.spec)?;
        let overlays = self.overlays.iter().map(read).collect::<Result<Vec<String>, Error>>()?;
        let externals = self.external_files(&text);
        let inputs = generator::Inputs {
            externals: externals.iter().map(|(path, text)| generator::Source { path, text }).collect(),
            spec: generator::Source { path: &self.settings.spec_path, text: &text },
            overlays: self
                .settings
                .overlay_paths
                .iter()
                .zip(&overlays)
                .map(|(path, text)| generator::Source { path, text })
                .collect(),
        };
        generator::generate_into(&inputs, &self.settings, sink).map_err(|e| match e {
            generator::Stopped::Spec(d) => Error::Spec(d),
            generator::Stopped::Sink(e) => sink_error(e),
        })
    }

    /// The other files the spec's `$ref`s reach, transitively: paths relative to the spec's
    /// folder and their texts. A file that cannot be read is left out (the generator reports the
    /// `$ref` that names it).
    pub fn external_files(&self, spec_text: &str) -> Vec<(String, String)> {
        let dir = self.spec.parent().map(Path::to_path_buf).unwrap_or_default();
        let root = self.spec.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut queue = generator::bundle::referenced_files(spec_text, &root);
        let mut seen: std::collections::BTreeSet<String> = queue.iter().cloned().collect();
        seen.insert(root);
        let mut out = Vec::new();
        // A bound, so a folder of thousands of cross-referencing files cannot run away.
        while let Some(rel) = queue.pop() {
            if out.len() >= 10_000 {
                break;
            }
            let Ok(text) = std::fs::read_to_string(dir.join(&rel)) else { continue };
            for next in generator::bundle::referenced_files(&text, &rel) {
                if seen.insert(next.clone()) {
                    queue.push(next);
                }
            }
            out.push((rel, text));
        }
        out.sort();
        out
    }

    /// Write the files (see [`output::write`]).
    pub fn write(&self, files: &[OutputFile]) -> Result<output::Report, Error> {
        output::write(&self.out, files, self.settings.layout == Layout::Crate).map_err(Error::Write)
    }

    /// Compare the output folder with `files` (see [`output::check`]).
    pub fn check(&self, files: &[OutputFile]) -> Vec<String> {
        output::check(&self.out, files)
    }
}

/// `p`, absolute (joined to the current folder when relative), without resolving links.
pub fn absolute(p: &Path) -> PathBuf {
    let p = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
    // Canonicalize what exists (so `..` and the temp folder's links resolve like the runtime's).
    let mut existing = p.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name().map(|n| n.to_owned()), existing.parent()) {
            (Some(n), Some(parent)) => {
                rest.push(n);
                existing = parent.to_path_buf();
            }
            _ => return p,
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    out.extend(rest.into_iter().rev());
    out
}
