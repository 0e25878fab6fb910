//! `cargo xtask codegen`: the committed crate by default, any spec with `--spec`/`--out`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use apigen::cli::{self, Options};
use apigen::{Job, RuntimeDependency, Settings};

const HELP: &str = "\
cargo xtask codegen: regenerate the committed client, or generate one for any spec

Usage:
  cargo xtask codegen [--check]
  cargo xtask codegen --spec <SPEC> --out <DIR> [--name <CRATE>] [--publishable] [--strict] [--check]

Without --spec: reads spec/twilio_memory_v1.json with spec/overlay.yaml and writes generated/ (package twilio-memory, which
depends on generator/runtime by path and version). --name is refused there: the committed
crate's name is part of the workspace.

With --spec and --out, the flags are those of the `apigen` command:
";

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// The job that regenerates the committed crate.
pub fn committed() -> Job {
    let root = root();
    let mut settings = Settings::new("spec/twilio_memory_v1.json", "twilio-memory");
    settings.runtime = RuntimeDependency::Path("../generator/runtime".to_owned());
    settings.repository = workspace_repository(&root);
    settings.overlay_paths = vec!["spec/overlay.yaml".to_owned()];
    Job {
        spec: root.join("spec/twilio_memory_v1.json"),
        overlays: vec![root.join("spec/overlay.yaml")],
        out: root.join("generated"),
        settings,
    }
}

/// `repository` of `[workspace.package]`.
fn workspace_repository(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).ok()?;
    text.lines().find_map(|l| l.strip_prefix("repository = \"").and_then(|r| r.strip_suffix('"')).map(str::to_owned))
}

/// Parse the arguments after `codegen` into a job (or a usage error).
pub fn job(args: &[String]) -> Result<(Job, bool), String> {
    let opts = Options::parse(args)?;
    match (&opts.spec, &opts.out) {
        (None, None) => {
            if opts.name.is_some() || opts.publishable {
                return Err("`--name` and `--publishable` go with `--spec`/`--out`; the committed crate \
                            (generated/) is always `twilio-memory`"
                    .into());
            }
            Ok((committed(), opts.check))
        }
        (Some(_), Some(_)) => {
            let mut job = opts.job()?;
            job.settings.command = job.settings.command.replacen("apigen ", "cargo xtask codegen --spec ", 1);
            Ok((job, opts.check))
        }
        _ => Err("`--spec` and `--out` go together".into()),
    }
}

pub fn main(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{HELP}\n{}", cli::HELP);
        return ExitCode::SUCCESS;
    }
    match job(args) {
        Ok((job, check)) => cli::run(&job, check),
        Err(e) => {
            eprintln!("error: {e}\n(see `cargo xtask codegen --help`)");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain `cargo test` fails when `generated/` is stale.
    #[test]
    fn generated_crate_is_fresh() {
        let job = committed();
        let files = job.generate().unwrap_or_else(|e| panic!("{e}")).files;
        let problems = job.check(&files);
        assert!(problems.is_empty(), "{}\nrun `cargo xtask codegen` to regenerate", problems.join("\n"));
    }

    #[test]
    fn name_without_spec_is_refused() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let err = job(&args(&["--name", "other"])).unwrap_err();
        assert!(err.contains("twilio-memory"), "{err}");
        assert!(job(&args(&["--spec", "x.yaml"])).is_err());
        let (j, check) = job(&args(&["--check"])).unwrap();
        assert!(check);
        assert_eq!(j.settings.crate_name, "twilio-memory");
        let (j, _) = job(&args(&["--spec", "a.yaml", "--out", "/tmp/my_client", "--name", "my-client"])).unwrap();
        assert_eq!(j.settings.crate_name, "my-client");
        assert_eq!(j.settings.command, "cargo xtask codegen --spec a.yaml --out /tmp/my_client --name my-client");
    }
}
