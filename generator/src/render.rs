//! Tokens → formatted files: `syn` parses what `emit` produced, `prettyplease` prints it, and
//! every file gets the header line that names the command regenerating it. Text goes to a
//! [`Sink`] as it is finished: a file's items arrive batch by batch, so neither the whole output
//! nor a whole file is ever held.

use crate::{emit, ir, Diagnostic, Layout, Settings, Sink};

/// Why rendering stopped: a generated file that does not parse (a bug of ours), or the sink.
#[derive(Debug)]
pub enum Stop<E> {
    /// An internal error (the generator produced something it cannot format).
    Internal(Diagnostic),
    /// The sink refused the text.
    Sink(E),
}

impl<E> From<Diagnostic> for Stop<E> {
    fn from(d: Diagnostic) -> Self {
        Stop::Internal(d)
    }
}

/// Render every file into `sink`, in path order; returns emit time and format time (both summed
/// over worker threads when the API is large enough to render in parallel).
pub fn render<S: Sink + ?Sized>(
    api: &ir::Api,
    settings: &Settings,
    sink: &mut S,
) -> Result<(std::time::Duration, std::time::Duration), Stop<S::Error>> {
    let crate_ident = settings.crate_name.replace('-', "_");
    let env_prefix = crate_ident.to_ascii_uppercase();
    let header = format!("// {}\n", settings.header_text());
    let cx = emit::Context::new(api);
    let cx = &cx;
    let restore_docs = !settings.format_all;
    let threads = match settings.render_threads {
        // A small API renders faster on this thread than with workers to start.
        0 if api.operations.len() + api.types.len() < PARALLEL_ITEMS => 1,
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()).min(4),
        n => n,
    };
    // Every piece of every Rust file, in the order they are written: items are independent, so
    // all pieces are emitted and formatted on several threads at once, and reach the sink in
    // this order, so the output does not depend on the thread count.
    let operations = std::iter::once(Part::OperationsPrelude).chain(api.operations.chunks(BATCH).map(Part::Operations));
    let types = std::iter::once(Part::TypesPrelude).chain(api.types.chunks(BATCH).map(Part::Types));
    let mut parts = vec![Part::Lib];
    match settings.layout {
        Layout::Crate => parts.extend(operations.chain(types)),
        Layout::Module => parts.extend(types.chain(operations)),
    }
    let work = |part: &Part<'_>| -> Result<(String, Clock), Diagnostic> {
        let mut clock = Clock { restore_docs, ..Clock::default() };
        let path = part.path();
        let text = match part {
            Part::Lib => clock.format(path, || emit::lib_file(cx, &settings.crate_name, &env_prefix, settings.layout)),
            Part::OperationsPrelude => clock.format(path, || emit::operations_prelude(cx)),
            Part::Operations(ops) => clock.format(path, || ops.iter().map(|op| emit::operation(cx, op)).collect()),
            Part::TypesPrelude => clock.format(path, || emit::types_prelude(cx)),
            Part::Types(types) => clock.format(path, || types.iter().map(|t| emit::type_def(cx, t)).collect()),
        }?;
        Ok((text, clock))
    };
    let mut lines = Lines::default();
    let mut buf = String::new();
    let mut push = |sink: &mut S, path: &str, lines: &mut Lines, text: &str| {
        buf.clear();
        lines.push(text, &mut buf);
        sink.append(path, &buf).map_err(Stop::Sink)
    };
    let clock = match settings.layout {
        Layout::Crate => {
            let description = format!("Generated async client for {}", api.title);
            sink.append("Cargo.toml", &emit::cargo_toml(cx, settings, &description)).map_err(Stop::Sink)?;
            sink.append("README.md", &emit::readme(cx, settings)).map_err(Stop::Sink)?;
            let mut file = "";
            render_parts(&parts, threads, work, &mut |part, text| {
                if part.path() != file {
                    file = part.path();
                    sink.append(file, &header).map_err(Stop::Sink)?;
                    lines = Lines::new(true);
                }
                push(sink, file, &mut lines, text)
            })?
        }
        // Inline modules: an `include!`d file may not start with inner attributes, but a
        // module block may.
        Layout::Module => {
            let path = format!("{crate_ident}.rs");
            sink.append(&path, &header).map_err(Stop::Sink)?;
            let clock = render_parts(&parts, threads, work, &mut |part, text| {
                let open = match part {
                    Part::TypesPrelude => "\npub mod types {\n",
                    Part::OperationsPrelude => "}\n\nmod operations {\n",
                    _ => "",
                };
                if !open.is_empty() {
                    sink.append(&path, open).map_err(Stop::Sink)?;
                    lines = Lines::new(false);
                }
                push(sink, &path, &mut lines, text)
            })?;
            sink.append(&path, "}\n").map_err(Stop::Sink)?;
            clock
        }
    };
    Ok((clock.emit, clock.format))
}

/// One formatted piece of a Rust file: the crate root, a file's prelude, or a batch of items.
#[derive(Clone, Copy)]
enum Part<'a> {
    Lib,
    OperationsPrelude,
    Operations(&'a [ir::Operation]),
    TypesPrelude,
    Types(&'a [ir::TypeDef]),
}

impl Part<'_> {
    /// The crate file the piece belongs to.
    fn path(&self) -> &'static str {
        match self {
            Part::Lib => "src/lib.rs",
            Part::OperationsPrelude | Part::Operations(_) => "src/operations.rs",
            Part::TypesPrelude | Part::Types(_) => "src/types.rs",
        }
    }
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

    fn add(&mut self, other: &Clock) {
        self.emit += other.emit;
        self.format += other.format;
    }
}

/// Items rendered together: tokens and syntax trees exist for a few batches at a time, so
/// memory follows the output, not the spec; small batches keep both cores busy to the end.
const BATCH: usize = 8;

/// From this many items (operations and types) on, rendering uses worker threads. Below it,
/// one thread is faster: on the seed spec (1 operation) 5.80 ms against 6.34 ms whole process,
/// on petstore (3) 5.11 against 5.79 ms; from the 10-operation synthetic spec on, workers win.
const PARALLEL_ITEMS: usize = 16;

/// `work` on `part`, with a panic in it (a bug of ours) turned into an internal error that
/// names the file, on any thread.
fn guarded<'p>(
    work: &impl Fn(&Part<'p>) -> Result<(String, Clock), Diagnostic>,
    part: &Part<'p>,
) -> Result<(String, Clock), Diagnostic> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(part)))
        .unwrap_or_else(|_| Err(Diagnostic::new("", format!("internal error: rendering {} panicked", part.path()))))
}

/// Where [`render_parts`] hands each part's text.
type Out<'a, 'p, E> = dyn FnMut(&Part<'p>, &str) -> Result<(), Stop<E>> + 'a;

/// Render `parts` with `work` on up to `threads` threads, handing each text to `out` in order
/// as soon as it and the parts before it are done. The output does not depend on the thread
/// count.
fn render_parts<'p, E>(
    parts: &[Part<'p>],
    threads: usize,
    work: impl Fn(&Part<'p>) -> Result<(String, Clock), Diagnostic> + Sync,
    out: &mut Out<'_, 'p, E>,
) -> Result<Clock, Stop<E>> {
    let threads = threads.min(parts.len());
    let mut clock = Clock::default();
    if threads <= 1 {
        for part in parts {
            let (text, c) = guarded(&work, part)?;
            out(part, &text)?;
            clock.add(&c);
        }
        return Ok(clock);
    }
    // Workers take the next part from a shared counter and send its text here; this thread
    // passes the texts on in order (keeping the few that finish early) and tells the workers
    // to stop when something fails.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<(String, Clock), Diagnostic>)>();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let tx = tx.clone();
                let (next, stop, work) = (&next, &stop, &work);
                scope.spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(part) = parts.get(i) else { break };
                        if tx.send((i, guarded(work, part))).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        let mut early = std::collections::BTreeMap::new();
        let mut done = 0;
        let mut result = Ok(());
        // Ends when every worker has finished (or died: its sender is dropped either way).
        for (i, r) in rx.iter() {
            early.insert(i, r);
            while let Some(r) = early.remove(&done) {
                result = r.map_err(Stop::Internal).and_then(|(text, c)| {
                    clock.add(&c);
                    out(&parts[done], &text)
                });
                done += 1;
                if result.is_err() {
                    break;
                }
            }
            if result.is_err() {
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                break;
            }
        }
        drop(rx);
        // Joined here, so a worker's panic becomes the error below instead of a panic.
        for w in workers {
            let _ = w.join();
        }
        result?;
        if done < parts.len() {
            return Err(Stop::Internal(Diagnostic::new("", "internal error: a render thread panicked")));
        }
        Ok(clock)
    })
}

/// Tell rustfmt to leave a crate file alone (it is formatted by prettyplease, and `cargo fmt`
/// must not make it differ from what codegen writes): the attribute goes after the module docs.
const SKIP_RUSTFMT: &str = "#![cfg_attr(rustfmt, rustfmt::skip)]\n";

/// Lines that start an item (or a field, variant or statement [`Lines`] separates).
const STARTS: &[&str] = &[
    "///", "#[", "pub ", "pub(", "impl", "fn ", "async fn", "const ", "static ", "type ", "mod ", "struct ", "enum ",
    "use ",
];

/// The line pass over printed code, fed piece by piece: prettyplease puts items back to back,
/// so a blank line goes between items (and after the module header) to read like hand-written
/// code; in a crate file, [`SKIP_RUSTFMT`] goes before the first line that is not a comment.
/// Pieces are whole lines (prettyplease ends its text with a newline), so feeding a text in
/// pieces gives what feeding it at once gives.
#[derive(Debug, Default)]
pub struct Lines {
    /// The previous line without its indentation, and its indentation.
    prev: Option<(String, usize)>,
    /// [`SKIP_RUSTFMT`] is still to come.
    skip_rustfmt: bool,
}

impl Lines {
    /// A pass for a new file (or module block); `skip_rustfmt` for a crate file.
    pub fn new(skip_rustfmt: bool) -> Self {
        Lines { prev: None, skip_rustfmt }
    }

    /// Append `text`, spaced out, to `out`.
    pub fn push(&mut self, text: &str, out: &mut String) {
        out.reserve(text.len() + text.len() / 16);
        let mut skip_rustfmt = self.skip_rustfmt;
        let mut prev: Option<(&str, usize)> = self.prev.as_ref().map(|(b, i)| (b.as_str(), *i));
        for line in text.lines() {
            let body = line.trim_start();
            let indent = line.len() - body.len();
            let blank = prev.is_some_and(|(p_body, p_indent)| {
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
                (after_close || after_header)
                    && (STARTS.iter().any(|s| body.starts_with(s)) || (indent == 0 && body.contains("!(")))
            });
            if skip_rustfmt && (blank || !line.starts_with("//")) {
                out.push_str(SKIP_RUSTFMT);
                skip_rustfmt = false;
            }
            if blank {
                out.push('\n');
            }
            out.push_str(line);
            out.push('\n');
            prev = Some((body, indent));
        }
        let prev = prev.map(|(b, i)| (b.to_owned(), i));
        self.prev = prev;
        self.skip_rustfmt = skip_rustfmt;
    }
}

/// [`Lines`] over a whole text, without the rustfmt attribute.
pub fn space_out_items(text: &str) -> String {
    let mut out = String::new();
    Lines::new(false).push(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any split at line ends gives the same text as one push.
    #[test]
    fn pieces_give_what_the_whole_gives() {
        let text =
            "//! Docs.\n#![allow(x)]\nuse a;\nuse b;\npub struct A;\nimpl A {\n    fn f() {}\n    fn g() {}\n}\n\
                    /// Doc.\npub fn h() {}\nconst C: u8 = 1;\nconst D: u8 = 2;\nmod m {}\n";
        for skip in [false, true] {
            let mut whole = String::new();
            Lines::new(skip).push(text, &mut whole);
            assert!(whole.contains("\n\npub struct A;\n"), "{whole}");
            assert_eq!(whole.contains(SKIP_RUSTFMT), skip);
            let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
            for a in 0..ends.len() {
                for b in a..ends.len() {
                    let (x, y, z) = (&text[..ends[a]], &text[ends[a]..ends[b]], &text[ends[b]..]);
                    let mut lines = Lines::new(skip);
                    let mut out = String::new();
                    for piece in [x, y, z] {
                        lines.push(piece, &mut out);
                    }
                    assert_eq!(out, whole, "split at {} and {}", ends[a], ends[b]);
                }
            }
        }
    }

    /// The rustfmt attribute follows the leading comments, before the blank line after them.
    #[test]
    fn rustfmt_attribute_follows_the_module_docs() {
        let mut out = String::new();
        Lines::new(true).push("//! Docs.\n//! More.\nuse a;\n", &mut out);
        assert_eq!(out, format!("//! Docs.\n//! More.\n{SKIP_RUSTFMT}\nuse a;\n"));
        let mut out = String::new();
        Lines::new(true).push("// only a comment\n", &mut out);
        assert_eq!(out, "// only a comment\n");
    }
}
