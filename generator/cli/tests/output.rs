//! The write/check rules shared by `apigen`, `cargo xtask codegen` and build scripts, on real
//! folders: a new operation is a new method, a broken spec changes nothing, only owned files
//! are replaced or removed, and hand-written files, workspace roots and symbolic links stop
//! the run before anything changes.

use std::fs;
use std::path::{Path, PathBuf};

use apigen::output::MARKER;
use apigen::Job;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("apigen-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn spec_text() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/seed_delete_store.yaml"))
        .unwrap()
}

fn job_for(spec_text: &str, dir: &Path) -> Job {
    let spec = dir.join("api.yaml");
    fs::write(&spec, spec_text).unwrap();
    let mut job = Job::new(spec, dir.join("client"));
    job.settings.crate_name = "demo-client".into();
    job
}

/// `apigen`'s way of writing: each piece straight to the staging folder as it is generated.
fn write_streamed(job: &Job) -> Result<apigen::output::Report, String> {
    job.generate_and_write().and_then(|(_, report)| report).map_err(|e| e.to_string())
}

/// Every file and folder under `dir` with its contents (links listed as `-> target`, folders as
/// `<dir>`).
fn snapshot(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let kind = e.file_type().unwrap();
            if kind.is_symlink() {
                out.push((e.path(), format!("-> {}", fs::read_link(e.path()).unwrap().display())));
            } else if kind.is_dir() {
                out.push((e.path(), "<dir>".to_owned()));
                stack.push(e.path());
            } else {
                out.push((e.path(), fs::read_to_string(e.path()).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

/// A new operation in a copy of the spec is a new client method, with no generator change.
#[test]
fn second_operation_becomes_a_second_method() {
    let dir = temp_dir("second-op");
    let extra = "  /v1/ControlPlane/Stores/{storeId}/Snapshot:\n    get:\n      operationId: GetStoreSnapshot\n      summary: Fetch a snapshot\n      parameters:\n        - name: storeId\n          in: path\n          required: true\n          schema:\n            $ref: '#/components/schemas/StoreId'\n      responses:\n        '200':\n          description: The snapshot.\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/OperationAccepted'\n        '404':\n          $ref: '#/components/responses/NotFound'\n";
    let spec = spec_text().replacen("paths:\n", &format!("paths:\n{extra}"), 1);
    let job = job_for(&spec, &dir);
    let files = job.generate().unwrap().files;
    job.write(&files).unwrap();
    let ops = fs::read_to_string(dir.join("client/src/operations.rs")).unwrap();
    assert!(ops.contains("pub fn delete_store("), "first method kept");
    assert!(ops.contains("pub fn get_store_snapshot("), "second method added");
    assert!(ops.contains("pub enum GetStoreSnapshotError"));
    let types = fs::read_to_string(dir.join("client/src/types.rs")).unwrap();
    assert_eq!(types.matches("pub struct StoreId(").count(), 1, "one shared StoreId newtype");
    let manifest = fs::read_to_string(dir.join("client/Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"demo-client\""));
    // The runtime by a path relative to the crate, which resolves to this checkout's runtime.
    let path = manifest.split("path = \"").nth(1).unwrap().split('"').next().unwrap();
    assert!(dir.join("client").join(path).join("src/lib.rs").exists(), "{path}");
    let _ = fs::remove_dir_all(&dir);
}

/// A broken spec gives diagnostics and leaves the output folder exactly as it was.
#[test]
fn broken_spec_leaves_output_untouched() {
    let dir = temp_dir("broken");
    let job = job_for(&spec_text(), &dir);
    job.write(&job.generate().unwrap().files).unwrap();
    fs::write(dir.join("client/NOTES.md"), "hand-written").unwrap();
    let before = snapshot(&dir.join("client"));
    let broken = spec_text()
        .replace("$ref: '#/components/schemas/StoreId'", "$ref: '#/components/schemas/Nope'")
        .replace("      operationId: DeleteStore\n", "");
    let job = job_for(&broken, &dir);
    let err = job.generate().unwrap_err().to_string();
    assert!(err.contains("does not exist") && err.contains("operationId"), "{err}");
    assert!(err.contains("api.yaml:"), "diagnostics name file and line: {err}");
    assert_eq!(snapshot(&dir.join("client")), before);
    let before = snapshot(&dir);
    assert_eq!(write_streamed(&job).unwrap_err(), err);
    assert_eq!(snapshot(&dir), before, "no staging folder is left (or made)");
    let _ = fs::remove_dir_all(&dir);
}

/// Stale owned files are removed, hand-written files survive, and `check` names edits.
#[test]
fn ownership_and_check() {
    let dir = temp_dir("owned");
    let job = job_for(&spec_text(), &dir);
    let files = job.generate().unwrap().files;
    job.write(&files).unwrap();
    assert!(job.check(&files).is_empty());
    let out = dir.join("client");
    fs::write(out.join("src/old.rs"), format!("// {MARKER}cargo xtask codegen` from x. Do not edit by hand.\n"))
        .unwrap();
    fs::write(out.join("src/mine.rs"), "// written by a person\n").unwrap();
    let types = out.join("src/types.rs");
    fs::write(&types, fs::read_to_string(&types).unwrap() + "\n// edit\n").unwrap();
    fs::remove_file(out.join("src/lib.rs")).unwrap();
    let problems = job.check(&files).join("\n");
    assert!(problems.contains("types.rs is stale"), "{problems}");
    assert!(problems.contains("lib.rs is missing"), "{problems}");
    assert!(problems.contains("old.rs is generated but no longer produced"), "{problems}");
    assert!(!problems.contains("mine.rs"), "{problems}");
    // `apigen --check` compares as the text is generated, and finds the same.
    assert_eq!(job.generate_and_check().unwrap().1.join("\n"), problems);
    let report = job.write(&files).unwrap();
    assert_eq!(report.removed, ["src/old.rs"]);
    assert!(job.check(&files).is_empty());
    assert!(!out.join("src/old.rs").exists());
    assert!(out.join("src/mine.rs").exists());
    let _ = fs::remove_dir_all(&dir);
}

/// Hand-written files that would be overwritten stop the run; nothing changes.
#[test]
fn hand_written_files_are_never_overwritten() {
    let dir = temp_dir("hand-written");
    let out = dir.join("client");
    fs::create_dir_all(out.join("src")).unwrap();
    fs::write(out.join("Cargo.toml"), "[package]\nname = \"mine\"\n").unwrap();
    fs::write(out.join("src/lib.rs"), "pub fn mine() {}\n").unwrap();
    fs::write(out.join("src/types.rs"), "// my types\n").unwrap();
    let before = snapshot(&dir);
    let job = job_for(&spec_text(), &dir);
    let before_with_spec = snapshot(&dir);
    let err = job.write(&job.generate().unwrap().files).unwrap_err().to_string();
    for f in ["Cargo.toml", "src/lib.rs", "src/types.rs"] {
        assert!(err.contains(&format!("{f} exists and was not generated")), "{f}: {err}");
    }
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(snapshot(&dir), before_with_spec);
    // Written as generated, the files in the way are found before any is moved into place,
    // and the staging folder is removed.
    assert_eq!(write_streamed(&job).unwrap_err(), err);
    assert_eq!(snapshot(&dir), before_with_spec);
    assert!(before.len() + 1 == before_with_spec.len());
    let _ = fs::remove_dir_all(&dir);
}

/// A workspace root is refused; its crates' generated files are not swept away.
#[test]
fn a_workspace_root_is_refused() {
    let dir = temp_dir("workspace");
    let ws = dir.join("client");
    // A workspace whose member is a generated crate.
    let member = Job::new(dir.join("api.yaml"), ws.join("member"));
    fs::write(dir.join("api.yaml"), spec_text()).unwrap();
    member.write(&member.generate().unwrap().files).unwrap();
    fs::write(ws.join("Cargo.toml"), "[workspace]\nmembers = [\"member\"]\n").unwrap();
    let job = job_for(&spec_text(), &dir);
    let before = snapshot(&dir);
    let err = job.write(&job.generate().unwrap().files).unwrap_err().to_string();
    assert!(err.contains("is a workspace root"), "{err}");
    assert_eq!(snapshot(&dir), before);
    assert_eq!(write_streamed(&job).unwrap_err(), err);
    assert_eq!(snapshot(&dir), before);
    let _ = fs::remove_dir_all(&dir);
}

/// Links are never followed: not to write, not to sweep.
#[cfg(unix)]
#[test]
fn symbolic_links_are_not_followed() {
    let dir = temp_dir("links");
    // A folder elsewhere with generated files in it.
    let elsewhere = dir.join("elsewhere");
    let other = Job::new(dir.join("api.yaml"), &elsewhere);
    fs::write(dir.join("api.yaml"), spec_text()).unwrap();
    other.write(&other.generate().unwrap().files).unwrap();
    // `client/src` is a link to that folder's `src`.
    let out = dir.join("client");
    fs::create_dir_all(&out).unwrap();
    std::os::unix::fs::symlink(elsewhere.join("src"), out.join("src")).unwrap();
    let job = job_for(&spec_text(), &dir);
    let before = snapshot(&dir);
    let err = job.write(&job.generate().unwrap().files).unwrap_err().to_string();
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(snapshot(&dir), before);
    assert_eq!(write_streamed(&job).unwrap_err(), err);
    assert_eq!(snapshot(&dir), before);
    // A link inside the crate to a file elsewhere is neither followed nor swept.
    fs::remove_file(out.join("src")).unwrap();
    job.write(&job.generate().unwrap().files).unwrap();
    std::os::unix::fs::symlink(elsewhere.join("src/types.rs"), out.join("src/extra.rs")).unwrap();
    let before = snapshot(&dir);
    job.write(&job.generate().unwrap().files).unwrap();
    assert_eq!(snapshot(&dir), before);
    let _ = fs::remove_dir_all(&dir);
}

/// Written as generated, the folder holds what the files generated in memory hold; a second run
/// changes nothing, and an owned file no longer produced is swept.
#[test]
fn streamed_write_is_the_generated_files() {
    let dir = temp_dir("streamed");
    let job = job_for(&spec_text(), &dir);
    let report = write_streamed(&job).unwrap();
    assert_eq!(report.written, ["Cargo.toml", "README.md", "src/lib.rs", "src/operations.rs", "src/types.rs"]);
    let files = job.generate().unwrap().files;
    assert!(job.check(&files).is_empty(), "{:?}", job.check(&files));
    let out = dir.join("client");
    fs::write(out.join("src/old.rs"), format!("// {MARKER}cargo xtask codegen` from x. Do not edit by hand.\n"))
        .unwrap();
    let report = write_streamed(&job).unwrap();
    assert_eq!((report.written.len(), report.unchanged, report.removed.clone()), (0, 5, vec!["src/old.rs".to_owned()]));
    // A file edited to the same length is still found to differ.
    let lib = out.join("src/lib.rs");
    let text = fs::read_to_string(&lib).unwrap();
    fs::write(&lib, text.replacen("pub", "pud", 1)).unwrap();
    assert_eq!(write_streamed(&job).unwrap().written, ["src/lib.rs"]);
    // Line ends changed to CRLF (a Windows checkout) are the same text.
    fs::write(&lib, text.replace('\n', "\r\n")).unwrap();
    assert!(job.generate_and_check().unwrap().1.is_empty());
    assert!(job.check(&files).is_empty());
    assert_eq!(write_streamed(&job).unwrap().unchanged, 5);
    // One byte more, or one fewer, is stale.
    for edited in [text.clone() + "\n", text[..text.len() - 1].to_owned()] {
        fs::write(&lib, edited).unwrap();
        let problems = job.generate_and_check().unwrap().1;
        assert!(problems.len() == 1 && problems[0].ends_with("src/lib.rs is stale"), "{problems:?}");
        assert_eq!(job.check(&files), problems);
    }
    fs::write(&lib, &text).unwrap();
    assert_eq!(snapshot(&dir).iter().filter(|(p, _)| p.to_string_lossy().contains("staging")).count(), 0);
    let _ = fs::remove_dir_all(&dir);
}

/// A write that stops partway (an error while generating, a panic) removes what it staged and
/// changes nothing in the output folder.
#[test]
fn an_unfinished_write_changes_nothing() {
    use generator::Sink as _;
    let dir = temp_dir("unfinished");
    let job = job_for(&spec_text(), &dir);
    write_streamed(&job).unwrap();
    let before = snapshot(&dir);
    let mut staged = apigen::output::Staged::new(&dir.join("client"));
    staged.append("Cargo.toml", "# @generated by `x` from y. Do not edit by hand.\n").unwrap();
    staged.append("src/lib.rs", "// @generated by `x` from y. Do not edit by hand.\n").unwrap();
    staged.append("src/lib.rs", "pub fn half() {}\n").unwrap();
    assert_ne!(snapshot(&dir), before, "pieces are on disk as they come");
    drop(staged);
    assert_eq!(snapshot(&dir), before);
    let result = std::panic::catch_unwind(|| {
        let mut staged = apigen::output::Staged::new(&dir.join("client"));
        staged.append("src/lib.rs", "// @generated by `x` from y. Do not edit by hand.\n").unwrap();
        panic!("a render thread's panic, surfacing");
    });
    assert!(result.is_err());
    assert_eq!(snapshot(&dir), before);
    let _ = fs::remove_dir_all(&dir);
}

/// A folder that looks like staging but is not ours is left alone.
#[test]
fn existing_staging_like_folders_are_not_touched() {
    let dir = temp_dir("staging");
    for n in 0..3 {
        let d = dir.join(format!(".client.apigen-staging-{}-{n}", std::process::id()));
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("precious.txt"), "keep me").unwrap();
    }
    let job = job_for(&spec_text(), &dir);
    job.write(&job.generate().unwrap().files).unwrap();
    for n in 0..3 {
        let d = dir.join(format!(".client.apigen-staging-{}-{n}", std::process::id()));
        assert_eq!(fs::read_to_string(d.join("precious.txt")).unwrap(), "keep me");
    }
    let _ = fs::remove_dir_all(&dir);
}

/// The build-script entry point writes one module file and leaves other files alone.
#[test]
fn build_script_module() {
    let dir = temp_dir("build");
    fs::write(dir.join("api.yaml"), spec_text()).unwrap();
    fs::write(dir.join("other.rs"), format!("// {MARKER}x` from y. Do not edit by hand.\n")).unwrap();
    let path = apigen::build::Builder::new(dir.join("api.yaml")).name("memory").out_dir(&dir).generate().unwrap();
    assert_eq!(path, dir.join("memory.rs"));
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("// @generated by `cargo build (apigen::build in build.rs)`"), "{}", &text[..80]);
    assert!(text.contains("pub mod types {") && text.contains("mod operations {"));
    assert!(!text.contains("#![forbid"), "no crate attributes in an include!d file");
    assert!(dir.join("other.rs").exists(), "other owned files in OUT_DIR survive");
    let _ = fs::remove_dir_all(&dir);
}
