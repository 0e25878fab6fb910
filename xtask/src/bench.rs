//! `cargo xtask bench-build`: build cost of the generated crate: a clean build (time and crates
//! compiled) and the incremental rebuild after a one-line spec change. Results go to stdout as
//! a Markdown table for BENCHMARKS.md.

use std::fs;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use apigen::Job;

use crate::codegen::root;

fn cargo_build(dir: &Path, target: &Path, release: bool) -> Result<(Duration, usize), String> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.arg("build").arg("--offline").current_dir(dir).env("CARGO_TARGET_DIR", target).env("CARGO_TERM_COLOR", "never");
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
    Ok(())
}
