//! `apigen <SPEC> --out <DIR>`: see `apigen --help`.

use std::process::ExitCode;

use apigen::cli::{self, Options};

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
