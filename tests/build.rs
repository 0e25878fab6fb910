//! Build script of the test crate:
//! - generates a Petstore client module with `apigen::build` (the build-script entry point a
//!   team with its own spec would use), included by `src/lib.rs` as `tests::petstore`;
//! - sets `cfg(prism)` when `PRISM_URL` is set, so the Prism contract tests show as `ignored`
//!   (with the reason) in the test output when no Prism server runs, instead of passing
//!   silently.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(prism)");
    println!("cargo:rerun-if-env-changed=PRISM_URL");
    if std::env::var_os("PRISM_URL").is_some() {
        println!("cargo:rustc-cfg=prism");
    }
    if let Err(e) = apigen::build::Builder::new("specs/petstore.yaml").name("petstore").generate() {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
