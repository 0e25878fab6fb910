//! Maintainers' entry point.
//!
//! - `cargo xtask codegen` regenerates `generated/` from `spec/openapi.yaml`.
//! - `cargo xtask codegen --check` fails when the committed crate is stale.
//! - `cargo xtask codegen --spec PATH --out DIR [--name CRATE]` generates a crate for any spec.
//! - `cargo xtask bench-build` measures the generated crate's build cost (see BENCHMARKS.md).
//!
//! The freshness check also runs as a `#[test]` (`cargo test -p xtask`).

mod bench;
mod codegen;

use std::process::ExitCode;

const USAGE: &str = "usage:
  cargo xtask codegen [--check]
  cargo xtask codegen --spec PATH --out DIR [--name CRATE] [--check]
  cargo xtask bench-build";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => match codegen::Options::parse(&args[1..]) {
            Ok(opts) => codegen::run(&opts),
            Err(e) => {
                eprintln!("error: {e}\n{USAGE}");
                ExitCode::from(2)
            }
        },
        Some("bench-build") => bench::run(),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
