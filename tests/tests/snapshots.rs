//! Snapshot tests: the generator's output for each fixture under `tests/fixtures/`, and its
//! diagnostics for each spec under `tests/fixtures/invalid/`.
//!
//! Review changes with `cargo insta review`; CI runs with `INSTA_UPDATE=no` and never writes.

use std::fs;

use tests::{fixture_settings, generate_file};

#[test]
fn generated_code() {
    insta::glob!("../fixtures", "*.yaml", |path| {
        let files = generate_file(path, &fixture_settings(path));
        let mut out = String::new();
        for f in &files {
            out.push_str(&format!("==> {} <==\n{}\n", f.path, f.contents));
        }
        insta::assert_snapshot!(out);
    });
}

#[test]
fn diagnostics() {
    insta::glob!("../fixtures/invalid", "*.*", |path| {
        let text = fs::read_to_string(path).unwrap();
        let err = generator::generate(&text, &fixture_settings(path)).expect_err("invalid fixtures must fail");
        insta::assert_snapshot!(err.to_string());
    });
}

/// Output is byte-for-byte identical from run to run.
#[test]
fn deterministic() {
    let spec = tests::root().join("spec/openapi.yaml");
    let settings = fixture_settings(&spec);
    let a = generate_file(&spec, &settings);
    for _ in 0..3 {
        assert_eq!(a, generate_file(&spec, &settings));
    }
}
