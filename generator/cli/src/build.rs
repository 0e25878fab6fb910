//! Generating a client from a build script: one module file in `OUT_DIR`, regenerated when the
//! spec changes.
//!
//! In `build.rs` (with `apigen` as a build-dependency), `main` runs:
//!
//! ```no_run
//! if let Err(e) = apigen::build::Builder::new("openapi.yaml").name("petstore").generate() {
//!     eprintln!("{e}");
//!     std::process::exit(1);
//! }
//! ```
//!
//! ```ignore
//! // src/lib.rs
//! pub mod petstore {
//!     include!(concat!(env!("OUT_DIR"), "/petstore.rs"));
//! }
//! ```
//!
//! The crate then depends on `apigen-runtime`, `serde` (with `derive`) and `serde_json` (and on
//! `time` / `uuid` when the spec uses `date-time` / `uuid` formats).

use std::path::{Path, PathBuf};

use crate::{Error, Job, Layout};

/// Configures one generation from a build script.
#[derive(Debug, Clone)]
pub struct Builder {
    spec: PathBuf,
    name: Option<String>,
    out_dir: Option<PathBuf>,
}

impl Builder {
    /// Generate from `spec` (relative to the package root, where build scripts run).
    pub fn new(spec: impl Into<PathBuf>) -> Self {
        Builder { spec: spec.into(), name: None, out_dir: None }
    }

    /// The module file's name, `<name>.rs` (default: the spec's file stem). It also names the
    /// client in its User-Agent (`<name>-rust`).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Write somewhere else than `OUT_DIR`.
    #[must_use]
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Generate and write `<out_dir>/<name>.rs`, and tell cargo to rerun when the spec changes.
    /// Returns the file's path.
    pub fn generate(self) -> Result<PathBuf, Error> {
        println!("cargo:rerun-if-changed={}", self.spec.display());
        let out_dir = match self.out_dir {
            Some(d) => d,
            None => PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_else(|| ".".into())),
        };
        let name = self.name.unwrap_or_else(|| {
            self.spec.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "client".into())
        });
        let module = name.replace('-', "_");
        let mut job = Job::new(&self.spec, &out_dir);
        job.settings.crate_name = module.clone();
        job.settings.layout = Layout::Module;
        job.settings.command = "cargo build (apigen::build in build.rs)".to_owned();
        let generated = job.generate()?;
        if let Ok(text) = std::fs::read_to_string(&self.spec) {
            let dir = self.spec.parent().map(Path::to_path_buf).unwrap_or_default();
            for (file, _) in job.external_files(&text) {
                println!("cargo:rerun-if-changed={}", dir.join(file).display());
            }
        }
        // Cargo shows a build script's warnings.
        for w in generated.warnings.items.iter() {
            println!("cargo:warning={} ({}#{})", w.message, generated.warnings.file, w.pointer);
        }
        job.write(&generated.files)?;
        Ok(out_dir.join(format!("{module}.rs")))
    }
}
