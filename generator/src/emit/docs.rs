//! Doc comments and simple items without a round trip through `syn` and `prettyplease`.
//!
//! prettyplease prints a `#[doc = "..."]` attribute whose text has no line break (and, outside a
//! module's own docs, does not start with `/`) as `///` followed by the text with its trailing
//! spaces removed, at the current indentation: nothing about the text is formatted. Parsing and
//! printing thousands of doc lines (escaping each into a string literal first) was ~10 % of
//! codegen. So while a file is rendered, [`doc_attrs`](super::doc_attrs) records each block of
//! lines and emits one placeholder attribute in its place, and [`restore`] replaces each printed
//! placeholder with the lines exactly as prettyplease would have printed them. Items that
//! [`printed`](super::printed) writes as text go the same way: a placeholder item in the tokens,
//! the text in its place after printing. A test renders every fixture both ways and compares
//! the bytes (`Settings::format_all`).

use std::cell::RefCell;

/// Starts a placeholder's text; never in a doc line that is recorded.
const MARK: char = '\u{1}';

/// What a placeholder stands for.
#[derive(Debug)]
pub enum Block {
    /// Doc lines (without the `///`).
    Doc(Vec<String>),
    /// Items as prettyplease prints them, at indentation 0.
    Text(String),
}

/// The item after an item placeholder's doc line (its text replaces both).
const DUMMY_ITEM: &str = "__apigen_printed!();\n";

thread_local! {
    /// The blocks of the file being rendered on this thread, when recording is on.
    static BLOCKS: RefCell<Option<Vec<Block>>> = const { RefCell::new(None) };
}

/// Run `f` (which emits a file's tokens) with doc blocks recorded; returns its result and the
/// blocks, for [`restore`].
pub fn recording<T>(f: impl FnOnce() -> T) -> (T, Vec<Block>) {
    /// Puts the outer state back even when `f` panics, so a thread that goes on (the panic is
    /// caught and reported) does not record outside this call.
    struct Restore(Option<Option<Vec<Block>>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(outer) = self.0.take() {
                BLOCKS.with(|b| b.replace(outer));
            }
        }
    }
    let mut restore = Restore(Some(BLOCKS.with(|b| b.replace(Some(Vec::new())))));
    let value = f();
    let outer = restore.0.take().unwrap_or_default();
    let blocks = BLOCKS.with(|b| b.replace(outer)).unwrap_or_default();
    (value, blocks)
}

/// The placeholder text for `lines` when recording is on and the lines are safe to put back
/// after printing (no line break, no marker), or `None`.
pub fn placeholder(lines: &[String]) -> Option<String> {
    if lines.iter().any(|l| l.contains(['\n', '\r', MARK])) {
        return None;
    }
    push(Block::Doc(lines.to_vec()))
}

/// The placeholder item for `text` (items as prettyplease prints them at indentation 0) when
/// recording is on; else the text back.
pub fn item_placeholder(text: String) -> Result<proc_macro2::TokenStream, String> {
    let recording = BLOCKS.with(|b| b.borrow().is_some());
    if !recording {
        return Err(text);
    }
    let marker = push(Block::Text(text)).unwrap_or_default();
    Ok(quote::quote! { #[doc = #marker] __apigen_printed!(); })
}

fn push(block: Block) -> Option<String> {
    BLOCKS.with(|b| {
        let mut b = b.borrow_mut();
        let blocks = b.as_mut()?;
        blocks.push(block);
        Some(format!("{MARK}{}", blocks.len() - 1))
    })
}

/// `line` as prettyplease prints what `doc_attrs` emits for it (` line`): `///`, the text,
/// trailing spaces trimmed, and a line break.
pub fn push_doc_line(out: &mut String, line: &str) {
    push_comment_line(out, "///", line);
}

/// [`push_doc_line`] for `marker` (`//!` for a module's own docs).
pub fn push_comment_line(out: &mut String, marker: &str, line: &str) {
    let start = out.len();
    out.push_str(marker);
    if !line.is_empty() {
        out.push(' ');
        out.push_str(line);
    }
    let kept = out[start..].trim_end_matches(' ').len();
    out.truncate(start + kept);
    out.push('\n');
}

/// Put the recorded blocks back into printed `text`: every line that is a placeholder as
/// prettyplease prints it (`///` and the marker, no space between: a recorded line never holds
/// the marker, and a doc line printed by prettyplease starts with a space). `None` for a
/// placeholder with no block, or an item placeholder not followed by its dummy item (the
/// output cannot be trusted then).
pub fn restore(text: &str, blocks: &[Block]) -> Option<String> {
    if blocks.is_empty() {
        return Some(text.to_owned());
    }
    const PLACEHOLDER: &str = "///\u{1}";
    let extra = |b: &Block| match b {
        Block::Doc(lines) => lines.iter().map(|l| l.len() + 8).sum::<usize>(),
        Block::Text(t) => t.len() + t.len() / 4,
    };
    let mut out = String::with_capacity(text.len() + blocks.iter().map(extra).sum::<usize>());
    // Text between placeholders is copied as it is; only placeholder lines are rewritten.
    let mut copied = 0;
    for (at, _) in text.match_indices(PLACEHOLDER) {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let indent = &text[line_start..at];
        if at < copied || !indent.bytes().all(|b| b == b' ') {
            continue;
        }
        let rest = &text[at + PLACEHOLDER.len()..];
        let digits = rest.find('\n').unwrap_or(rest.len());
        let index: usize = rest[..digits].parse().ok()?;
        out.push_str(&text[copied..line_start]);
        copied = (at + PLACEHOLDER.len() + digits + 1).min(text.len());
        match blocks.get(index)? {
            Block::Doc(lines) => {
                for l in lines {
                    out.push_str(indent);
                    push_doc_line(&mut out, l);
                }
            }
            Block::Text(t) => {
                let next = &text[copied..];
                if !(next.starts_with(indent) && next[indent.len()..].starts_with(DUMMY_ITEM)) {
                    return None;
                }
                copied += indent.len() + DUMMY_ITEM.len();
                for line in t.lines() {
                    if !line.is_empty() {
                        out.push_str(indent);
                    }
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
    out.push_str(&text[copied..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn print(tokens: TokenStream) -> String {
        prettyplease::unparse(&syn::parse2(tokens).expect("parses"))
    }

    /// A panic while recording (caught by the renderer, which reports it) leaves the thread
    /// not recording, as it was.
    #[test]
    fn a_panic_while_recording_leaves_recording_off() {
        let caught = std::panic::catch_unwind(|| {
            recording(|| {
                assert!(placeholder(&["a".to_owned()]).is_some(), "recording");
                panic!("a bug while emitting");
            })
        });
        assert!(caught.is_err());
        assert_eq!(placeholder(&["b".to_owned()]), None, "no longer recording");
    }

    /// Edge cases the specs do not have: trailing and lone spaces, empty lines, quotes and
    /// backslashes, the marker itself (that block goes through prettyplease), one block used
    /// twice, nesting.
    #[test]
    fn lines_come_back_as_prettyplease_prints_them() {
        let lines: Vec<String> =
            ["plain", "trailing  ", "   ", "", "`code`, \"quotes\", \\ and é", "  indented", "/slash"]
                .map(String::from)
                .to_vec();
        let marked = vec!["a \u{1}0 marker".to_owned()];
        let item = || {
            let docs = super::super::doc_attrs(&lines);
            let other = super::super::doc_attrs(&marked);
            quote! { #docs pub struct S { #docs pub f: u8, #other pub g: u8 } #other pub mod m { #docs pub fn f() {} } }
        };
        let expected = print(item());
        let (tokens, blocks) = super::recording(item);
        assert_eq!(blocks.len(), 1, "one recorded block (the marked one is not)");
        let restored = super::restore(&print(tokens), &blocks).expect("every placeholder is restored");
        assert_eq!(restored, expected);
    }
}
