//! The generator never panics: specs from the fixtures, our spec and `tests/specs/` are
//! mutated (keys deleted, types changed, refs broken, subtrees moved, text truncated or
//! garbled, random YAML) and every result must be `Ok` or `Err`, never a panic. A sample of
//! the results is rendered again with everything formatted by `syn` + `prettyplease`
//! (`Settings::format_all`) and must be byte for byte the same.
//!
//! CI runs 10,000 cases. A long campaign: `FUZZ_CASES=1000000 FUZZ_SEED=<n> cargo test
//! --release -p tests --test robustness -- --nocapture` (the seed is printed on failure).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use serde_json::Value;
use tests::Rng;

/// One corpus file: its name, its text, and its JSON value when it parses (an invalid fixture
/// that is not YAML at all is mutated as text only).
struct Entry {
    name: String,
    text: String,
    value: Option<Value>,
}

fn corpus() -> Vec<Entry> {
    let root = tests::root();
    let mut paths: Vec<PathBuf> = vec![root.join("spec/twilio_memory_v1.json")];
    for dir in [root.join("tests/fixtures"), root.join("tests/fixtures/invalid"), root.join("tests/specs")] {
        let d = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        paths.extend(
            d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json")),
        );
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            // The document as plain YAML (JSON is YAML), not through the generator: invalid
            // OpenAPI documents are still documents to mutate.
            let value = serde_yaml::from_str::<Value>(&text).ok();
            Entry { name: p.file_name().unwrap().to_string_lossy().into_owned(), text, value }
        })
        .collect()
}

fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            m.iter().for_each(|(k, c)| pointers(c, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out))
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| pointers(c, format!("{at}/{i}"), out)),
        _ => {}
    }
}

const WEIRD: &[&str] = &[
    "",
    "#/components/schemas/Missing",
    "#/components/parameters/Nope",
    "#/paths",
    "other.yaml#/x",
    "(?i)x",
    "[",
    "^(a|b$",
    "\\p{L}+",
    "a{99999}",
    "((((((((((a))))))))))*",
    "^[^\\s]{0,3}$",
    "type",
    "self",
    "123abc",
    "X-Rate-Limit",
    "\u{0}",
    "😀",
    "{id}",
    "/a/{b}/{c}",
    "4XX",
    "default",
    "3.1.0",
    "2.0",
];

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 2 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => Value::from(rng.next_u64() as i64 % 1000),
        3 => Value::from(-1.5),
        4 | 5 => Value::from(WEIRD[rng.below(WEIRD.len())]),
        6 => Value::Array((0..rng.below(3)).map(|_| random_value(rng, depth + 1)).collect()),
        _ => {
            let keys = [
                "type",
                "$ref",
                "properties",
                "items",
                "schema",
                "pattern",
                "enum",
                "required",
                "nullable",
                "allOf",
                "oneOf",
                "in",
                "name",
            ];
            Value::Object(
                (0..rng.below(4))
                    .map(|_| (keys[rng.below(keys.len())].to_owned(), random_value(rng, depth + 1)))
                    .collect(),
            )
        }
    }
}

fn mutate(rng: &mut Rng, doc: &mut Value) {
    let mut ps = Vec::new();
    pointers(doc, String::new(), &mut ps);
    let target = ps[rng.below(ps.len())].clone();
    let donor = ps[rng.below(ps.len())].clone();
    let donor_value = doc.pointer(&donor).cloned().unwrap_or(Value::Null);
    let (parent, key) = match target.rfind('/') {
        Some(i) => (target[..i].to_owned(), target[i + 1..].replace("~1", "/").replace("~0", "~")),
        None => return,
    };
    let Some(parent_v) = doc.pointer_mut(&parent) else { return };
    match rng.below(6) {
        0 => match parent_v {
            Value::Object(m) => {
                m.remove(&key);
            }
            Value::Array(a) => {
                if let Ok(i) = key.parse::<usize>() {
                    if i < a.len() {
                        a.remove(i);
                    }
                }
            }
            _ => {}
        },
        1 | 2 => {
            if let Some(slot) = doc.pointer_mut(&target) {
                *slot = random_value(rng, 0);
            }
        }
        3 => {
            if let Some(slot) = doc.pointer_mut(&target) {
                *slot = donor_value;
            }
        }
        4 => {
            if let Value::Object(m) = parent_v {
                let k = [
                    "$ref",
                    "type",
                    "pattern",
                    "nullable",
                    "enum",
                    "discriminator",
                    "additionalProperties",
                    "x-credentials",
                ][rng.below(8)];
                m.insert(k.to_owned(), random_value(rng, 1));
            }
        }
        _ => {
            if let Value::Object(m) = parent_v {
                let new_key = WEIRD[rng.below(WEIRD.len())].to_owned();
                if let Some(v) = m.remove(&key) {
                    m.insert(new_key, v);
                }
            }
        }
    }
}

fn text_mutation(rng: &mut Rng, text: &mut String) {
    let cut = |s: &str, at: usize| -> usize {
        let mut at = at.min(s.len());
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    match rng.below(3) {
        0 => {
            let at = cut(text, rng.below(text.len() + 1));
            text.truncate(at);
        }
        1 => {
            let at = cut(text, rng.below(text.len() + 1));
            let junk = ["\n  - ", ": [", "{", "}\n", "\t", "&a *a ", "!!binary ", "'", "\"", "\u{FEFF}", "---\n", "? "]
                [rng.below(12)];
            text.insert_str(at, junk);
        }
        _ => {
            // Random YAML-looking text.
            let tokens = [
                "openapi", ": ", "3.0.0", "\n", "  ", "- ", "paths", "{", "}", "[", "]", "$ref", "'#/x'", "info",
                "title", "a",
            ];
            *text = (0..rng.below(60)).map(|_| tokens[rng.below(tokens.len())]).collect();
        }
    }
}

#[test]
fn generator_never_panics_on_mutated_specs() {
    let cases: usize = std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5EED_1234_ABCD_0001);
    let corpus = corpus();
    assert!(corpus.len() >= 8, "corpus too small: {}", corpus.len());
    let unparsed: Vec<&str> = corpus.iter().filter(|e| e.value.is_none()).map(|e| e.name.as_str()).collect();
    assert!(
        unparsed.iter().all(|n| *n == "syntax_error.yaml"),
        "only the syntax-error fixture is not YAML: {unparsed:?}"
    );
    let settings = generator::Settings::new("fuzz.yaml", "fuzz-client");
    let slow = generator::Settings { format_all: true, ..settings.clone() };
    let mut printed_checked = 0usize;
    let mut rng = Rng(seed);
    let (mut ok, mut err) = (0usize, 0usize);
    // Panics are caught and reported by case; keep the default hook quiet meanwhile.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    // Mutants that generate, kept to be compiled: a spec that generates must compile.
    let mut generated: Vec<(String, Vec<generator::OutputFile>)> = Vec::new();
    let big: Vec<bool> = corpus.iter().map(|e| e.text.len() > 20_000).collect();
    let mut case = 0;
    while case < cases {
        // Large real-world specs cost more per case; draw them less often.
        let pick = rng.below(corpus.len());
        if big[pick] && !rng.chance(15) {
            continue;
        }
        case += 1;
        let entry = &corpus[pick];
        let mut text = match &entry.value {
            Some(base) => {
                let mut doc = base.clone();
                for _ in 0..1 + rng.below(3) {
                    mutate(&mut rng, &mut doc);
                }
                if rng.chance(50) {
                    serde_json::to_string_pretty(&doc).unwrap()
                } else {
                    format!("# yaml path\n{}", doc)
                }
            }
            None => entry.text.clone(),
        };
        if entry.value.is_none() || rng.chance(20) {
            text_mutation(&mut rng, &mut text);
        }
        match catch_unwind(AssertUnwindSafe(|| generator::generate(&text, &settings))) {
            Ok(Ok(files)) => {
                ok += 1;
                // Every 25th success is also rendered with everything through `syn` and
                // prettyplease: the text written around them (`emit::printed`, doc comments)
                // must be what they print, and must parse, for mutated specs too.
                if ok % 25 == 1 {
                    let formatted = catch_unwind(AssertUnwindSafe(|| generator::generate(&text, &slow)));
                    let same = matches!(&formatted, Ok(Ok(f)) if *f == files);
                    if !same {
                        failures.push(format!(
                            "case {case} (seed {seed}, from {}): output differs when everything is formatted by prettyplease\n--- spec ---\n{}",
                            entry.name,
                            &text[..text.len().min(3000)]
                        ));
                    }
                    printed_checked += 1;
                }
                // A sample: the first success of every 1,250 cases.
                if generated.len() < case.div_ceil(1250).min(8) {
                    let dir = format!("mutant-{case}");
                    let mut files = files;
                    for f in &mut files {
                        if f.path == "Cargo.toml" {
                            f.contents =
                                f.contents.replace("name = \"fuzz-client\"", &format!("name = \"{dir}\"")).replace(
                                    "path = \"../generator/runtime\"",
                                    &format!("path = \"{}\"", tests::root().join("generator/runtime").display()),
                                );
                        }
                    }
                    files.push(generator::OutputFile { path: "spec.txt".into(), contents: text.clone() });
                    generated.push((dir, files));
                }
            }
            Ok(Err(d)) => {
                assert!(!d.items.is_empty(), "an Err must carry at least one diagnostic");
                err += 1;
            }
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!(
                    "case {case} (seed {seed}, from {}): panic: {msg}\n--- spec ---\n{}",
                    entry.name,
                    &text[..text.len().min(3000)]
                ));
                if failures.len() >= 3 {
                    break;
                }
            }
        }
    }
    std::panic::set_hook(hook);
    assert!(failures.is_empty(), "{} panic(s):\n{}", failures.len(), failures.join("\n\n"));
    eprintln!(
        "{ok} generated ({printed_checked} also formatted entirely by prettyplease), {err} rejected with diagnostics; compiling {} of the generated",
        generated.len()
    );
    assert!(ok > cases / 20 && err > cases / 20, "mutations should both pass and fail sometimes: {ok} ok, {err} err");
    if cases >= 1_000 {
        assert!(generated.len() >= 4, "too few mutants generated to compile: {}", generated.len());
    }
    // Each crate keeps its spec in `spec.txt` (target/compile-check/robustness/mutant-N/).
    if let Err(out) = tests::clippy_crates("robustness", &generated) {
        panic!("a mutated spec generated a crate that does not compile cleanly:\n{out}");
    }
}
