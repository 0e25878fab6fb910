//! Every fixture's generated crate, and every real-world spec in `../shared/specs/`, compiles
//! with zero warnings and passes `cargo clippy -D warnings`.

use std::path::PathBuf;

use tests::{clippy_crates, fixture_settings, generate_file, root};

#[test]
fn fixtures_and_conformance_specs_compile_cleanly() {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    let shared = root().join("../shared/specs");
    let mut conformance: Vec<PathBuf> = std::fs::read_dir(&shared)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
                .collect()
        })
        .unwrap_or_default();
    assert!(!conformance.is_empty() || std::env::var_os("CI").is_none(), "CI must see ../shared/specs");
    specs.append(&mut conformance);
    specs.sort();
    let crates: Vec<(String, Vec<generator::OutputFile>)> = specs
        .iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().replace('_', "-");
            let mut settings = fixture_settings(p);
            settings.crate_name = format!("check-{stem}");
            (stem, generate_file(p, &settings))
        })
        .collect();
    assert!(crates.len() >= 6);
    if let Err(out) = clippy_crates("fixtures", &crates) {
        panic!("generated crates do not compile cleanly:\n{out}");
    }
}
