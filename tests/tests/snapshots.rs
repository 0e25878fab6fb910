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
        let Err(err) = tests::generate_files(path, &fixture_settings(path)) else {
            panic!("invalid fixtures must fail");
        };
        insta::assert_snapshot!(err.to_string());
    });
}

/// Output is byte-for-byte identical from run to run.
#[test]
fn deterministic() {
    let spec = tests::root().join("spec/twilio_memory_v1.json");
    let settings = fixture_settings(&spec);
    let a = generate_file(&spec, &settings);
    for _ in 0..3 {
        assert_eq!(a, generate_file(&spec, &settings));
    }
}

/// Counted repetition compiles to loops, not unrolled states: a crate holding the patterns
/// real specs use (`.{1,100}`, `[^\s]{1,1000}`, `a{1999}`, an unanchored SID) stays small.
#[test]
fn counted_patterns_give_small_code() {
    let spec = r#"
openapi: 3.0.3
info: {title: Counted, version: '1'}
paths: {}
components:
  schemas:
    A: {type: string, pattern: '^.{1,100}$'}
    B: {type: string, pattern: '^.{1,255}$'}
    C: {type: string, pattern: '^[^\s]{1,1000}$'}
    D: {type: string, pattern: '^a{1999}$'}
    E: {type: string, pattern: 'OR[0-9a-f]{32}'}
"#;
    let settings = generator::Settings::new("counted.yaml", "counted");
    let generated = generator::generate_full(spec, &settings).unwrap_or_else(|d| panic!("{d}"));
    assert!(generated.warnings.is_empty(), "{}", generated.warnings);
    let code: usize = generated.files.iter().filter(|f| f.path.ends_with(".rs")).map(|f| f.contents.len()).sum();
    assert!(code < 50_000, "{code} bytes of code");
}

/// An overlay is applied before the spec is read; an action whose target selects nothing is
/// an error in the overlay file, at the action's line and column, and nothing is generated.
#[test]
fn overlays_apply_and_their_errors_point_into_the_overlay() {
    let spec = "openapi: 3.0.3\ninfo: {title: O, version: '1'}\npaths: {}\ncomponents:\n  securitySchemes:\n    basic: {type: http, scheme: basic}\n";
    let overlay = "overlay: 1.0.0\ninfo: {title: hints, version: '1'}\nactions:\n  - target: $.components.securitySchemes.basic\n    update:\n      x-credentials:\n        - {name: account, username: sid, password: token, username-env: O_SID, password-env: O_TOKEN}\n";
    let settings = generator::Settings::new("api.yaml", "o");
    let inputs = |overlay: &'static str| generator::Inputs {
        spec: generator::Source { path: "api.yaml", text: spec },
        overlays: vec![generator::Source { path: "hints.yaml", text: overlay }],
        externals: Vec::new(),
    };
    let generated = generator::generate_inputs(&inputs(overlay), &settings).unwrap();
    let lib = &generated.files.iter().find(|f| f.path == "src/lib.rs").unwrap().contents;
    assert!(lib.contains("pub fn account(") && lib.contains("O_SID"), "the overlay's credentials are generated");

    let stale = "overlay: 1.0.0\ninfo: {title: hints, version: '1'}\nactions:\n  - target: $.components.securitySchemes.gone\n    update: {x-credentials: []}\n";
    let err = generator::generate_inputs(&inputs(stale), &settings).unwrap_err().to_string();
    assert!(err.contains("hints.yaml:4:"), "{err}");
    assert!(err.contains("selects nothing"), "{err}");
}

/// Spec bugs with one reading (a path parameter spelled differently from its template slot)
/// are warnings, each at the parameter, and the crate is generated.
#[test]
fn lenient_readings_are_warnings() {
    let path = tests::root().join("tests/fixtures/lenient.yaml");
    let text = fs::read_to_string(&path).unwrap();
    let generated = generator::generate_full(&text, &fixture_settings(&path)).unwrap_or_else(|d| panic!("{d}"));
    insta::assert_snapshot!(generated.warnings.to_string());
}

/// Doc comments and simple items (a struct's fields, its constructor and setters) are put back
/// after printing instead of going through `syn` and `prettyplease` (`generator::emit::docs`,
/// `generator::emit::printed`); the bytes must be what prettyplease prints, for every fixture,
/// the Memory spec and the conformance specs.
#[test]
fn text_put_back_is_what_prettyplease_prints() {
    let mut specs: Vec<std::path::PathBuf> = ["tests/fixtures", "tests/specs"]
        .iter()
        .flat_map(|dir| fs::read_dir(tests::root().join(dir)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    specs.push(tests::root().join("spec/twilio_memory_v1.json"));
    specs.sort();
    let mut docs = 0;
    for spec in &specs {
        let fast = fixture_settings(spec);
        let slow = generator::Settings { format_all: true, ..fast.clone() };
        let a = generate_file(spec, &fast);
        assert_eq!(a, generate_file(spec, &slow), "{}", spec.display());
        docs += a.iter().map(|f| f.contents.matches("///").count()).sum::<usize>();
    }
    assert!(specs.len() > 20 && docs > 5_000, "{} specs, {docs} doc lines", specs.len());
}

/// The files reach a sink in path order, each in one run of pieces, a large file in several
/// (batch by batch, so it is never held whole); the pieces make the same files with 1, 2 and 4
/// render threads, and a sink's error stops generation at once.
#[test]
fn files_stream_in_pieces() {
    /// Records every call (path, length); refuses every call after the first `limit`.
    struct Pieces(Vec<(String, String)>, Option<usize>);
    impl generator::Sink for Pieces {
        type Error = String;
        fn append(&mut self, path: &str, text: &str) -> Result<(), String> {
            self.0.push((path.to_owned(), text.to_owned()));
            match self.1 {
                Some(limit) if self.0.len() > limit => Err(format!("full at {path}")),
                _ => Ok(()),
            }
        }
    }
    let spec = tests::synthetic_spec(100);
    let inputs = generator::Inputs {
        spec: generator::Source { path: "synthetic.json", text: &spec },
        overlays: Vec::new(),
        externals: Vec::new(),
    };
    let mut settings = generator::Settings::new("synthetic.json", "synthetic");
    settings.render_threads = 1;
    let mut one = Pieces(Vec::new(), None);
    generator::generate_into(&inputs, &settings, &mut one).unwrap();
    let mut order: Vec<&str> = one.0.iter().map(|(p, _)| p.as_str()).collect();
    order.dedup();
    assert_eq!(order, ["Cargo.toml", "README.md", "src/lib.rs", "src/operations.rs", "src/types.rs"]);
    for threads in [2, 4] {
        settings.render_threads = threads;
        let mut many = Pieces(Vec::new(), None);
        generator::generate_into(&inputs, &settings, &mut many).unwrap();
        assert!(many.0 == one.0, "{threads} threads: the same pieces in the same order");
    }
    let files = generator::generate_inputs(&inputs, &settings).unwrap().files;
    assert_eq!(files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), order);
    for f in &files {
        let pieces: Vec<&str> = one.0.iter().filter(|(p, _)| *p == f.path).map(|(_, t)| t.as_str()).collect();
        assert_eq!(pieces.concat(), f.contents, "{}", f.path);
        if f.path == "src/operations.rs" || f.path == "src/types.rs" {
            // Header, prelude, then one piece per batch of items (batches of at most 32).
            assert!(pieces.len() >= 2 + 100 / 32, "{}: {}", f.path, pieces.len());
            assert!(pieces.iter().all(|p| p.len() < f.contents.len() / 2), "{}", f.path);
        }
    }
    for threads in [1, 2] {
        settings.render_threads = threads;
        let mut full = Pieces(Vec::new(), Some(7));
        match generator::generate_into(&inputs, &settings, &mut full) {
            Err(generator::Stopped::Sink(e)) => assert!(e.starts_with("full at src/"), "{e}"),
            other => panic!("the sink's error is returned: {other:?}"),
        }
        assert_eq!(full.0.len(), 8, "{threads} threads: no call after the refused one");
    }
}
