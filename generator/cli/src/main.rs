//! `apigen <SPEC> --out <DIR>`: see `apigen --help`.

use std::process::ExitCode;

use apigen::cli::{self, Options};

/// mimalloc: glibc's malloc was ~40 % of the instructions of a run (many small strings and
/// token trees); this cuts instructions by a quarter and wall time by a third. Without
/// transparent huge pages (the `no_thp` feature, see `Cargo.toml`) its peak RSS on the Memory
/// spec is ~15 MB (glibc: 24 MB). Build with `--no-default-features` for the system allocator.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match Options::parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}\n(see `apigen --help`)");
            return ExitCode::from(2);
        }
    };
    if opts.help || args.is_empty() {
        print!("{}", cli::HELP);
        return if opts.help { ExitCode::SUCCESS } else { ExitCode::from(2) };
    }
    match opts.job() {
        Ok(job) => cli::run(&job, opts.check),
        Err(e) => {
            eprintln!("error: {e}\n(see `apigen --help`)");
            ExitCode::from(2)
        }
    }
}
