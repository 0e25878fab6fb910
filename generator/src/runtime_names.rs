//! What the runtime crate owns, read from its own sources (compiled in with `include_str!`):
//! the names every generated crate re-exports at its root (`apigen_runtime::exports`), the
//! methods its `request_builder!` macro puts on every request builder, and its version.
//!
//! Lowering keeps a spec's names clear of exactly these, so the list cannot drift from the
//! runtime: adding an export or a builder method there reserves it here.

use std::sync::OnceLock;

const LIB_RS: &str = include_str!("../runtime/src/lib.rs");
const MACROS_RS: &str = include_str!("../runtime/src/macros.rs");
const CARGO_TOML: &str = include_str!("../runtime/Cargo.toml");

/// The runtime's names, parsed once.
#[derive(Debug)]
pub struct RuntimeNames {
    /// Items of `apigen_runtime::exports`, re-exported at the root of every generated crate.
    pub exports: Vec<String>,
    /// Methods `request_builder!` defines on every request builder.
    pub builder_methods: Vec<String>,
    /// The runtime crate's version (`Cargo.toml`).
    pub version: String,
}

/// The runtime's names.
pub fn get() -> &'static RuntimeNames {
    static NAMES: OnceLock<RuntimeNames> = OnceLock::new();
    NAMES.get_or_init(|| RuntimeNames {
        exports: exports(LIB_RS),
        builder_methods: macro_methods(MACROS_RS, "request_builder"),
        version: version(CARGO_TOML),
    })
}

/// The names in `pub mod exports { pub use crate::{...}; }`.
fn exports(lib: &str) -> Vec<String> {
    let Some(start) = lib.find("pub mod exports {") else { return Vec::new() };
    let rest = &lib[start..];
    let (Some(open), Some(close)) = (rest.find("pub use crate::{"), rest.find("};")) else { return Vec::new() };
    let list = &rest[open + "pub use crate::{".len()..close];
    let mut names: Vec<String> = list.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect();
    names.sort();
    names
}

/// The `pub fn` names in the body of `macro_rules! name`.
fn macro_methods(source: &str, name: &str) -> Vec<String> {
    let Some(start) = source.find(&format!("macro_rules! {name}")) else { return Vec::new() };
    let body = &source[start + 1..];
    let body = &body[..body.find("macro_rules!").unwrap_or(body.len())];
    let mut names: Vec<String> = body
        .split("pub fn ")
        .skip(1)
        .filter_map(|rest| {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
            (end > 0).then(|| rest[..end].to_owned())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

fn version(cargo_toml: &str) -> String {
    cargo_toml
        .lines()
        .find_map(|l| l.strip_prefix("version = \"").and_then(|v| v.strip_suffix('"')))
        .unwrap_or("0.1.0")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_from_the_runtime_sources() {
        let n = get();
        for name in ["Error", "ValidationError", "Config", "Credentials", "Response", "StatusCode"] {
            assert!(n.exports.iter().any(|e| e == name), "{name} missing from {:?}", n.exports);
        }
        assert_eq!(
            n.builder_methods,
            ["attempt_timeout", "connect_timeout", "header", "max_response_bytes", "retry", "total_timeout"]
        );
        assert!(n.version.starts_with("0."), "{}", n.version);
    }
}
