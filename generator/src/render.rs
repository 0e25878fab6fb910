//! Tokens → formatted files: `syn` parses what `emit` produced, `prettyplease` prints it, and
//! every file gets the header line that names the command regenerating it.

use crate::{emit, ir, Diagnostic, Layout, OutputFile, Settings};

/// Render every file of the crate; returns files, emit time and format time (both summed
/// over worker threads when the API is large enough to render in parallel).
pub fn render(
    api: &ir::Api,
    settings: &Settings,
) -> Result<(Vec<OutputFile>, std::time::Duration, std::time::Duration), Diagnostic> {
    let crate_ident = settings.crate_name.replace('-', "_");
    let env_prefix = crate_ident.to_ascii_uppercase();
    let header = format!("// {}", settings.header_text());
    let cx = emit::Context::new(api);
    let cx = &cx;
    let mut clock = Clock { restore_docs: !settings.format_docs, ..Clock::default() };
    let lib = clock.format("src/lib.rs", || emit::lib_file(cx, &settings.crate_name, &env_prefix, settings.layout))?;
    let mut ops = clock.format("src/operations.rs", || emit::operations_prelude(cx))?;
    let mut types = clock.format("src/types.rs", || emit::types_prelude(cx))?;
    // Items are independent, so large APIs are emitted and formatted on several threads;
    // chunks are concatenated in order, so the output does not depend on the thread count.
    let restore = clock.restore_docs;
    let (op_text, op_clock) =
        render_items(&api.operations, "src/operations.rs", restore, |op| emit::operation(cx, op))?;
    let (type_text, type_clock) = render_items(&api.types, "src/types.rs", restore, |t| emit::type_def(cx, t))?;
    ops.push_str(&op_text);
    types.push_str(&type_text);
    clock.emit += op_clock.emit + type_clock.emit;
    clock.format += op_clock.format + type_clock.format;
    let t = std::time::Instant::now();
    let mut files = match settings.layout {
        Layout::Crate => {
            let description = format!("Generated async client for {}", api.title);
            let mut files = vec![
                OutputFile { path: "Cargo.toml".to_owned(), contents: emit::cargo_toml(cx, settings, &description) },
                OutputFile { path: "README.md".to_owned(), contents: emit::readme(cx, settings) },
            ];
            for (path, text) in [("src/lib.rs", lib), ("src/operations.rs", ops), ("src/types.rs", types)] {
                files.push(OutputFile {
                    path: path.to_owned(),
                    contents: format!("{header}\n{}", skip_rustfmt(&space_out_items(&text))),
                });
            }
            files
        }
        // Inline modules: an `include!`d file may not start with inner attributes, but a
        // module block may.
        Layout::Module => vec![OutputFile {
            path: format!("{crate_ident}.rs"),
            contents: format!(
                "{header}\n{}\npub mod types {{\n{}}}\n\nmod operations {{\n{}}}\n",
                space_out_items(&lib),
                space_out_items(&types),
                space_out_items(&ops)
            ),
        }],
    };
    files.sort_by(|a, b| a.path.cmp(&b.path));
    clock.format += t.elapsed();
    Ok((files, clock.emit, clock.format))
}

/// Emission and formatting time, and how doc comments are printed.
#[derive(Default)]
struct Clock {
    emit: std::time::Duration,
    format: std::time::Duration,
    /// Doc comments go around `syn` and `prettyplease` ([`emit::docs`]).
    restore_docs: bool,
}

impl Clock {
    /// Emit tokens with `f`, then parse and pretty-print them.
    fn format(&mut self, path: &str, f: impl FnOnce() -> proc_macro2::TokenStream) -> Result<String, Diagnostic> {
        let t = std::time::Instant::now();
        let (tokens, docs) = if self.restore_docs { emit::docs::recording(f) } else { (f(), Vec::new()) };
        self.emit += t.elapsed();
        let t = std::time::Instant::now();
        let file = syn::parse2::<syn::File>(tokens)
            .map_err(|e| Diagnostic::new("", format!("internal error: generated {path} does not parse: {e}")))?;
        let text = prettyplease::unparse(&file);
        let text = emit::docs::restore(&text, &docs).ok_or_else(|| {
            Diagnostic::new("", format!("internal error: a doc comment of generated {path} could not be put back"))
        })?;
        self.format += t.elapsed();
        Ok(text)
    }
}

/// Items rendered together: tokens and syntax trees exist for one batch at a time, so memory
/// follows the output, not the spec.
const BATCH: usize = 32;

/// Emit and format `items` (in order) in batches, on up to 4 threads when there are several
/// batches. Batches are joined in order, so the output does not depend on the thread count.
fn render_items<T: Sync>(
    items: &[T],
    path: &str,
    restore_docs: bool,
    emit_one: impl Fn(&T) -> proc_macro2::TokenStream + Sync,
) -> Result<(String, Clock), Diagnostic> {
    let batches: Vec<&[T]> = items.chunks(BATCH).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4).min(batches.len());
    let work = |batch: &[T]| -> Result<(String, Clock), Diagnostic> {
        let mut clock = Clock { restore_docs, ..Clock::default() };
        let text = clock.format(path, || batch.iter().map(&emit_one).collect())?;
        Ok((text, clock))
    };
    let results: Vec<Result<(String, Clock), Diagnostic>> = if threads <= 1 {
        batches.iter().map(|b| work(b)).collect()
    } else {
        // Workers take the next batch from a shared counter; each result goes to its slot.
        let next = std::sync::atomic::AtomicUsize::new(0);
        type Slot = std::sync::Mutex<Option<Result<(String, Clock), Diagnostic>>>;
        let slots: Vec<Slot> = batches.iter().map(|_| std::sync::Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(batch) = batches.get(i) else { break };
                        let result = work(batch);
                        *slots[i].lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
                    })
                })
                .collect();
            // Joined here, so a worker's panic becomes the error below instead of a panic.
            for w in workers {
                let _ = w.join();
            }
        });
        slots
            .into_iter()
            .map(|slot| {
                slot.into_inner()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .unwrap_or_else(|| Err(Diagnostic::new("", "internal error: a render thread panicked")))
            })
            .collect()
    };
    let mut text = String::new();
    let mut clock = Clock::default();
    for r in results {
        let (t, c) = r?;
        text.push_str(&t);
        clock.emit += c.emit;
        clock.format += c.format;
    }
    Ok((text, clock))
}

/// Tell rustfmt to leave the file alone (it is formatted by prettyplease, and `cargo fmt`
/// must not make it differ from what codegen writes). Goes after the module docs. Lines end in
/// `\n` on the way out, as they do on the way in from [`space_out_items`].
pub fn skip_rustfmt(text: &str) -> String {
    const ATTR: &str = "#![cfg_attr(rustfmt, rustfmt::skip)]\n";
    let mut out = String::with_capacity(text.len() + ATTR.len() + 1);
    let mut rest = text;
    // The leading comment lines, then the attribute, then everything else at once.
    while let Some(line) = rest.split_inclusive('\n').next().filter(|l| l.starts_with("//")) {
        out.push_str(line);
        rest = &rest[line.len()..];
    }
    if !rest.is_empty() {
        out.push_str(ATTR);
        out.push_str(rest);
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Lines that start an item (or a field, variant or statement `space_out_items` separates).
const STARTS: &[&str] = &[
    "///", "#[", "pub ", "pub(", "impl", "fn ", "async fn", "const ", "static ", "type ", "mod ", "struct ", "enum ",
    "use ",
];

/// prettyplease puts items back to back; add a blank line between items (and after the
/// module header) so the output reads like hand-written code.
pub fn space_out_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    // The previous line without its indentation, and its indentation.
    let mut prev: Option<(&str, usize)> = None;
    for line in text.lines() {
        let body = line.trim_start();
        let indent = line.len() - body.len();
        if let Some((p_body, p_indent)) = prev {
            // Cheap tests first: most lines follow neither a closed item nor the header.
            // A comment line (a doc line may end in `;` or `}`) never closes an item.
            let after_close = indent == p_indent
                && !p_body.starts_with("//")
                && (p_body == "}"
                    || p_body == "};"
                    || p_body.ends_with("{}")
                    || (p_body.ends_with(';') && !body.starts_with("use ") && p_body.starts_with("use "))
                    || (p_body.ends_with(';') && indent == 0 && !p_body.starts_with("use ")))
                && !(p_body.ends_with(';')
                    && body.ends_with(';')
                    && p_body.split(' ').next() == body.split(' ').next());
            let after_header = indent == 0
                && p_indent == 0
                && (p_body.starts_with("//!") || p_body.starts_with("#![") || p_body == ")]")
                && !(body.starts_with("//!") || body.starts_with("#!["));
            let starts_item = || STARTS.iter().any(|s| body.starts_with(s)) || (indent == 0 && body.contains("!("));
            if (after_close || after_header) && starts_item() {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        prev = Some((body, indent));
    }
    out
}
