//! Shared helpers for the test suite: fixture settings and a compile check that builds
//! generated crates in one throwaway workspace (one shared target directory, so it is fast).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use generator::{OutputFile, Settings};

/// The Petstore client, generated into `OUT_DIR` by this crate's `build.rs` with
/// `apigen::build` (the build-script entry point).
pub mod petstore {
    include!(concat!(env!("OUT_DIR"), "/petstore.rs"));
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is in the workspace").to_path_buf()
}

/// Settings used for a fixture spec (paths relative to the workspace root).
pub fn fixture_settings(path: &Path) -> Settings {
    let rel = path.strip_prefix(root()).unwrap_or(path).to_string_lossy().replace('\\', "/");
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("fixture").replace('_', "-");
    let mut s = Settings::new(rel, format!("fixture-{stem}"));
    s.command = "cargo test -p tests".to_owned();
    s
}

/// Generate a crate for `path`, with the other files its `$ref`s reach (panics with the
/// diagnostics on failure).
pub fn generate_file(path: &Path, settings: &Settings) -> Vec<OutputFile> {
    generate_files(path, settings).unwrap_or_else(|d| panic!("{d}")).files
}

/// [`generate_file`], returning the diagnostics (the way `apigen` reads a spec and its files).
pub fn generate_files(path: &Path, settings: &Settings) -> Result<generator::Generated, generator::Diagnostics> {
    let mut job = apigen::Job::new(path, root().join("target/unused-out"));
    job.settings = settings.clone();
    match job.generate() {
        Ok(g) => Ok(g),
        Err(apigen::Error::Spec(d)) => Err(d),
        Err(e) => panic!("{e}"),
    }
}

/// What a behaviour test (`tests/fixtures/<stem>.behaviour.rs`) may use besides the crate.
const BEHAVIOUR_DEV_DEPENDENCIES: &str = "\n[dev-dependencies]\ntokio = { version = \"1\", features = [\"macros\", \"rt\", \"rt-multi-thread\", \"net\", \"io-util\"] }\nregress = \"0.10\"\nfutures-util = { version = \"0.3\", default-features = false, features = [\"std\"] }\n";

/// Write each crate into `target/compile-check/<label>/` as members of one workspace and run
/// `cargo clippy --workspace --all-targets -- -D warnings` and `cargo doc` (warnings denied) on
/// it, then `cargo test` when a crate
/// carries behaviour tests (`tests/fixtures/<stem>.behaviour.rs`, copied to the crate's
/// `tests/`). Returns cargo's output on failure.
pub fn clippy_crates(label: &str, crates: &[(String, Vec<OutputFile>)]) -> Result<(), String> {
    let root = root();
    let ws = root.join("target/compile-check").join(label);
    let _ = fs::remove_dir_all(&ws);
    fs::create_dir_all(&ws).map_err(|e| e.to_string())?;
    let mut members = Vec::new();
    for (dir, files) in crates {
        for f in files {
            let p = ws.join(dir).join(&f.path);
            fs::create_dir_all(p.parent().expect("has parent")).map_err(|e| e.to_string())?;
            fs::write(&p, &f.contents).map_err(|e| e.to_string())?;
        }
        members.push(format!("\"{dir}\""));
    }
    // Two generated crates in one program sharing one `Config`.
    // The committed Memory crate (`generated/`) and the Knowledge crate generated here.
    if crates.iter().any(|(d, _)| d == "twilio-knowledge-v2") {
        let dir = ws.join("two-clients");
        fs::create_dir_all(dir.join("tests")).map_err(|e| e.to_string())?;
        fs::copy(root.join("tests/fixtures/multi/two_clients.rs"), dir.join("tests/two_clients.rs"))
            .map_err(|e| e.to_string())?;
        let runtime = root.join("generator/runtime");
        fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"two-clients\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [dev-dependencies]\ntwilio-memory = {{ path = \"{}\" }}\n\
                 check-twilio-knowledge-v2 = {{ path = \"../twilio-knowledge-v2\" }}\napigen-runtime = {{ path = \"{}\" }}\n{}",
                root.join("generated").display(),
                runtime.display(),
                BEHAVIOUR_DEV_DEPENDENCIES.trim_start().trim_start_matches("[dev-dependencies]\n"),
            ),
        )
        .map_err(|e| e.to_string())?;
        fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
        fs::write(dir.join("src/lib.rs"), "//! Only tests.\n").map_err(|e| e.to_string())?;
        members.push("\"two-clients\"".to_owned());
    }
    // The main workspace's profiles too, so the dependencies are built with the same settings
    // and their artifacts in the shared target dir are reused, not built a second time.
    let root_manifest = fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let profiles = root_manifest.find("\n[profile.").map_or("", |at| &root_manifest[at..]);
    fs::write(
        ws.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n{profiles}", members.join(", ")),
    )
    .map_err(|e| e.to_string())?;
    // Same dependency versions as the main workspace, and no network needed.
    fs::copy(root.join("Cargo.lock"), ws.join("Cargo.lock")).map_err(|e| e.to_string())?;
    let mut behaviour = false;
    for (dir, _) in crates {
        let companion = root.join("tests/fixtures").join(format!("{}.behaviour.rs", dir.replace('-', "_")));
        if companion.exists() {
            let dest = ws.join(dir).join("tests/behaviour.rs");
            fs::create_dir_all(dest.parent().expect("has parent")).map_err(|e| e.to_string())?;
            fs::copy(&companion, dest).map_err(|e| e.to_string())?;
            // The behaviour test runs a local server on tokio.
            let manifest = ws.join(dir).join("Cargo.toml");
            let text = fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
            // The crate's own `[dev-dependencies]` (tokio for its examples) give way to ours.
            let text = match text.find("\n[dev-dependencies]") {
                Some(at) => {
                    let (head, tail) = text.split_at(at);
                    let rest = tail.trim_start_matches("\n[dev-dependencies]");
                    let kept: String =
                        rest.lines().filter(|l| !l.starts_with("tokio =")).map(|l| format!("{l}\n")).collect();
                    format!("{head}{BEHAVIOUR_DEV_DEPENDENCIES}{}", kept.trim_start_matches('\n'))
                }
                None => format!("{text}{BEHAVIOUR_DEV_DEPENDENCIES}"),
            };
            fs::write(&manifest, text).map_err(|e| e.to_string())?;
            behaviour = true;
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let run = |args: &[&str]| -> Result<(), String> {
        let out = Command::new(&cargo)
            .args(args)
            .current_dir(&ws)
            // The workspace's own target dir: the dependencies `cargo test --workspace` built are
            // reused instead of building a second tree (the outer cargo holds no lock while
            // tests run).
            .env("CARGO_TARGET_DIR", root.join("target"))
            .env("RUSTDOCFLAGS", "-D warnings")
            // Each fixture crate is built once per run: incremental caches would only take
            // disk (over a gigabyte for all of them).
            .env("CARGO_INCREMENTAL", "0")
            .env_remove("RUSTFLAGS")
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
        }
    };
    run(&["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"])?;
    // Spec prose turned into rustdoc must not produce broken links or doctests.
    run(&["doc", "--workspace", "--no-deps", "--quiet"])?;
    // Only the warnings were wanted: the pages of these throwaway crates (5–10 MB each) would
    // stay in the shared `target/doc`.
    for member in &members {
        let manifest = ws.join(member.trim_matches('"')).join("Cargo.toml");
        let text = fs::read_to_string(&manifest).unwrap_or_default();
        let name = text.lines().find_map(|l| l.strip_prefix("name = \"")?.strip_suffix('"'));
        if let Some(name) = name {
            let doc = root.join("target/doc");
            let _ = fs::remove_dir_all(doc.join(name.replace('-', "_")));
            let _ = fs::remove_dir_all(doc.join("src").join(name.replace('-', "_")));
        }
    }
    if behaviour || members.iter().any(|m| m.contains("two-clients")) {
        run(&["test", "--workspace", "--quiet"])?;
    }
    Ok(())
}

/// xorshift64*: a tiny deterministic generator, so property and robustness cases are the same
/// on every run (and reproducible from a seed).
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with the given probability in percent.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// A spec with `n` operations, each with a path parameter, a request body schema and error
/// responses, and its own body and response schemas.
pub fn synthetic_spec(n: usize) -> String {
    use serde_json::json;
    let mut paths = serde_json::Map::new();
    let mut schemas = serde_json::Map::new();
    for i in 0..n {
        schemas.insert(
            format!("Thing{i}"),
            json!({"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string", "maxLength": 64, "description": format!("Name of thing {i}.")},
                "count": {"type": "integer", "format": "int32"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "createdAt": {"type": "string", "format": "date-time"}
            }}),
        );
        paths.insert(
            format!("/v1/things{i}/{{thingId}}"),
            json!({"put": {
                "operationId": format!("UpdateThing{i}"),
                "summary": format!("Update thing {i}"),
                "parameters": [{"name": "thingId", "in": "path", "required": true, "schema": {"$ref": "#/components/schemas/ThingId"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/Thing{i}")}}}},
                "responses": {
                    "200": {"description": "Updated.", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/Thing{i}")}}}},
                    "400": {"$ref": "#/components/responses/Error"},
                    "404": {"$ref": "#/components/responses/Error"},
                    "429": {"description": "Slow down.", "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 0}}},
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    "500": {"$ref": "#/components/responses/Error"}
                }
            }}),
        );
    }
    schemas.insert("ThingId".into(), json!({"type": "string", "pattern": "^thg_[0-7][0-9a-z]{25}$"}));
    schemas.insert(
        "Error".into(),
        json!({"type": "object", "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}}),
    );
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "Synthetic", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": paths,
        "components": {"schemas": schemas, "responses": {"Error": {"description": "Error.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}
    });
    serde_json::to_string_pretty(&doc).unwrap()
}
