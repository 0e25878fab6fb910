//! Every fixture's generated crate, and every real-world spec vendored in `tests/specs/`,
//! compiles with zero warnings and passes `cargo clippy -D warnings` and `cargo doc`.
//!
//! A vendored spec that uses constructs the generator does not support yet is listed in
//! [`EXPECTED_DIAGNOSTICS`]; its diagnostics are a snapshot, so the day it starts to generate
//! (or fails differently) this test says so.

use std::path::PathBuf;

use tests::{clippy_crates, fixture_settings, generate_file, root};

/// Vendored specs that must fail, with the reason.
const EXPECTED_DIAGNOSTICS: &[(&str, &str)] = &[];

fn yaml_or_json(dir: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("cannot read {dir}: {e}"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    out.sort();
    out
}

#[test]
fn fixtures_and_conformance_specs_compile_cleanly() {
    let mut specs = yaml_or_json("tests/fixtures");
    let conformance = yaml_or_json("tests/specs");
    assert!(conformance.len() >= 5, "tests/specs holds the vendored conformance specs");
    for p in conformance {
        let file = p.file_name().unwrap().to_string_lossy().into_owned();
        if EXPECTED_DIAGNOSTICS.iter().any(|(f, _)| *f == file) {
            let text = std::fs::read_to_string(&p).unwrap();
            let Err(err) = generator::generate(&text, &fixture_settings(&p)) else {
                panic!("{file} is listed as expected to fail, and generates: remove it from EXPECTED_DIAGNOSTICS");
            };
            insta::assert_snapshot!(format!("conformance_diagnostics_{file}"), err.to_string());
        } else {
            specs.push(p);
        }
    }
    // `COMPILE_ONLY=bodies` checks only the specs whose file name contains `bodies` (a quick
    // loop while working on one fixture; the full run is what CI does).
    let only = std::env::var("COMPILE_ONLY").ok();
    if let Some(only) = &only {
        specs.retain(|p| p.file_name().is_some_and(|f| f.to_string_lossy().contains(only.as_str())));
        assert!(!specs.is_empty(), "COMPILE_ONLY={only} matches no spec");
    }
    let crates: Vec<(String, Vec<generator::OutputFile>)> = specs
        .iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().replace('_', "-");
            let mut settings = fixture_settings(p);
            settings.crate_name = format!("check-{stem}");
            settings.runtime =
                generator::RuntimeDependency::Path(root().join("generator/runtime").display().to_string());
            (stem, generate_file(p, &settings))
        })
        .collect();
    if only.is_none() {
        assert!(crates.len() >= 6);
        // `clippy_crates` also builds the two-clients program from the Knowledge crate.
        assert!(
            crates.iter().any(|(d, _)| d == "twilio-knowledge-v2"),
            "tests/specs/twilio_knowledge_v2.json is vendored"
        );
    }
    if let Err(out) = clippy_crates("fixtures", &crates) {
        panic!("generated crates do not compile cleanly:\n{out}");
    }
}
