//! `cargo xtask bench-build`: build cost of the generated crate: a clean build (time and crates
//! compiled) and the incremental rebuild after a one-line spec change; then, side by side in the
//! same run, the crate alone (dependencies built) and its size in lines against the crate
//! progenitor 0.15.1 generates from the same spec (skipped when `cargo progenitor` is not
//! installed: `cargo install cargo-progenitor --version 0.15.1 --locked`). Results go to stdout
//! as Markdown tables for BENCHMARKS.md.

use std::fs;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use apigen::Job;

use crate::codegen::root;

fn cargo_build(dir: &Path, target: &Path, release: bool) -> Result<(Duration, usize), String> {
    cargo_build_with(dir, target, release, true)
}

fn cargo_build_with(dir: &Path, target: &Path, release: bool, offline: bool) -> Result<(Duration, usize), String> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.arg("build");
    if offline {
        cmd.arg("--offline");
    }
    cmd.current_dir(dir).env("CARGO_TARGET_DIR", target).env("CARGO_TERM_COLOR", "never");
    if release {
        cmd.arg("--release");
    }
    let t = Instant::now();
    let out = cmd.output().map_err(|e| e.to_string())?;
    let took = t.elapsed();
    let log = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(log.into_owned());
    }
    Ok((took, log.lines().filter(|l| l.trim_start().starts_with("Compiling")).count()))
}

pub fn run() -> ExitCode {
    match measure() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn measure() -> Result<(), String> {
    let work = root().join("target/bench-build");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let spec = work.join("twilio_memory_v1.json");
    let original = fs::read_to_string(root().join("spec/twilio_memory_v1.json")).map_err(|e| e.to_string())?;
    fs::write(&spec, &original).map_err(|e| e.to_string())?;
    let out = work.join("twilio-memory");
    let mut job = Job::new(&spec, &out).overlay(root().join("spec/overlay.yaml"));
    job.settings.crate_name = "twilio-memory".into();
    job.write(&job.generate().map_err(|e| e.to_string())?.files).map_err(|e| e.to_string())?;
    fs::copy(root().join("Cargo.lock"), out.join("Cargo.lock")).map_err(|e| e.to_string())?;

    let tree = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["tree", "--offline", "-e", "normal", "--prefix", "none"])
        .current_dir(&out)
        .output()
        .map_err(|e| e.to_string())?;
    let mut crates: Vec<String> =
        String::from_utf8_lossy(&tree.stdout).lines().map(|l| l.trim_end_matches(" (*)").to_owned()).collect();
    crates.sort();
    crates.dedup();

    println!("| build | wall time (s) | crates compiled |");
    println!("| --- | ---: | ---: |");
    for release in [false, true] {
        let profile = if release { "release" } else { "dev" };
        let target = work.join(format!("target-{profile}"));
        let (clean, n) = cargo_build(&out, &target, release)?;
        println!("| clean `cargo build` ({profile}) | {:.1} | {n} |", clean.as_secs_f64());
        // One-line spec change: a new description for the operation.
        let changed = original.replace("Deletes the Memory Store and all", "Removes the Memory Store and all");
        assert_ne!(changed, original, "the spec edit must change something");
        fs::write(&spec, &changed).map_err(|e| e.to_string())?;
        let t = Instant::now();
        job.write(&job.generate().map_err(|e| e.to_string())?.files).map_err(|e| e.to_string())?;
        let regen = t.elapsed();
        let (incr, n) = cargo_build(&out, &target, release)?;
        println!(
            "| one-line spec change: codegen + `cargo build` ({profile}) | {:.2} (codegen {:.3}) | {n} |",
            (regen + incr).as_secs_f64(),
            regen.as_secs_f64()
        );
        fs::write(&spec, &original).map_err(|e| e.to_string())?;
        job.write(&job.generate().map_err(|e| e.to_string())?.files).map_err(|e| e.to_string())?;
    }
    println!("\nNormal dependency tree: {} crates (including twilio-memory itself).", crates.len());
    versus_progenitor(&work, &spec, &out)
}

/// Lines of Rust under `dir/src`.
fn rust_lines(dir: &Path) -> Result<usize, String> {
    let mut total = 0;
    let mut stack = vec![dir.join("src")];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                total += fs::read_to_string(&path).map_err(|e| e.to_string())?.lines().count();
            }
        }
    }
    Ok(total)
}

/// Rebuild after touching `src/lib.rs`: the crate alone, its dependencies already built. The
/// median of 3.
fn crate_only(dir: &Path, target: &Path) -> Result<Duration, String> {
    let mut times = Vec::new();
    for _ in 0..3 {
        let lib = dir.join("src/lib.rs");
        let text = fs::read_to_string(&lib).map_err(|e| e.to_string())?;
        fs::write(&lib, text).map_err(|e| e.to_string())?;
        let (t, n) = cargo_build_with(dir, target, false, false)?;
        if n != 1 {
            return Err(format!("{}: expected one crate rebuilt, cargo compiled {n}", dir.display()));
        }
        times.push(t);
    }
    times.sort();
    Ok(times[1])
}

/// The generated crate against progenitor's, from the same spec: lines, and a dev rebuild of the
/// crate alone.
fn versus_progenitor(work: &Path, spec: &Path, ours: &Path) -> Result<(), String> {
    let theirs = work.join("progenitor-crate");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .arg("progenitor")
        .arg("-i")
        .arg(spec)
        .arg("-o")
        .arg(&theirs)
        .args(["-n", "progenitor-memory", "-v", "0.1.0"])
        .output();
    match status {
        Ok(o) if o.status.success() => {}
        _ => {
            println!("\nprogenitor not installed (`cargo install cargo-progenitor --version 0.15.1 --locked`): no comparison");
            return Ok(());
        }
    }
    // A crate of its own, not a member of this workspace (ours says so already).
    let manifest = theirs.join("Cargo.toml");
    let text = fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
    if !text.contains("[workspace]") {
        fs::write(&manifest, format!("{text}\n[workspace]\n")).map_err(|e| e.to_string())?;
    }
    // Both crates' dependencies built first (progenitor's may need the registry).
    let (target_ours, target_theirs) = (work.join("target-dev"), work.join("target-progenitor"));
    cargo_build(ours, &target_ours, false)?;
    cargo_build_with(&theirs, &target_theirs, false, false)?;
    let (a, b) = (crate_only(ours, &target_ours)?, crate_only(&theirs, &target_theirs)?);
    let (la, lb) = (rust_lines(ours)?, rust_lines(&theirs)?);
    println!("\n| published Memory spec | this project | progenitor 0.15.1 | progenitor / this project |");
    println!("| --- | ---: | ---: | ---: |");
    println!("| lines of Rust in the generated crate | {la} | {lb} | {:.2} |", lb as f64 / la as f64);
    println!(
        "| `cargo build` of the crate alone, dependencies built (dev, s, median of 3) | {:.2} | {:.2} | {:.2} |",
        a.as_secs_f64(),
        b.as_secs_f64(),
        b.as_secs_f64() / a.as_secs_f64()
    );
    Ok(())
}
