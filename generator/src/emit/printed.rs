//! Simple items written as text, exactly as prettyplease prints them, instead of as tokens
//! that `syn` parses and prettyplease prints again.
//!
//! Most of a generated file is a few regular shapes (a struct's fields, a builder's setters)
//! whose printed form is plain: one line per field, attribute or statement, or a list broken
//! one item per line, as long as every line fits inside prettyplease's margin. Parsing and printing those was most of codegen.
//! A [`Printed`] item is built as that text; when every line fits under [`WIDTH`] and the file
//! is being recorded ([`docs::recording`](super::docs::recording)), a placeholder goes into the
//! tokens and the text takes its place after printing. Otherwise the text is lexed into tokens
//! and formatted like everything else, so prettyplease stays the formatter of record: a test
//! renders every fixture both ways and compares the bytes (`Settings::format_all`), and the
//! tests below sweep names and types across the width limit.

use proc_macro2::TokenStream;

use crate::ir::TypeRef;

/// The widest line (indentation included) written as text: prettyplease's margin. It breaks
/// none of the lines this module writes up to that width (the tests below sweep across it).
pub const WIDTH: usize = 89;

/// An item (or several) being written as text.
pub struct Printed {
    text: String,
    /// Where the item's lines start in the printed file (4 for an item inside an `impl`).
    indent: usize,
    /// Every line fits under [`WIDTH`] and every doc line is safe to write as a comment.
    fits: bool,
}

impl Printed {
    /// An empty item whose lines start at column `indent`.
    pub fn new(indent: usize) -> Self {
        Printed { text: String::with_capacity(512), indent, fits: true }
    }

    /// Whether the text is what prettyplease prints (else [`finish`](Self::finish) lexes it).
    #[cfg(test)]
    pub fn fits(&self) -> bool {
        self.fits
    }

    /// The text so far.
    #[cfg(test)]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether no line has been written.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// A line of `parts` at `depth` levels of indentation inside the item.
    pub fn line(&mut self, depth: usize, parts: &[&str]) {
        self.push_line(depth, parts, true);
    }

    /// A line, its width checked against [`WIDTH`] when `check`.
    fn push_line(&mut self, depth: usize, parts: &[&str], check: bool) {
        let start = self.text.len();
        for _ in 0..depth {
            self.text.push_str("    ");
        }
        for p in parts {
            self.text.push_str(p);
        }
        if check && self.indent + self.text.len() - start > WIDTH {
            self.fits = false;
        }
        self.text.push('\n');
    }

    /// Items given as tokens: the item goes through prettyplease.
    pub fn tokens(&mut self, tokens: TokenStream) {
        self.fits = false;
        self.text.push_str(&tokens.to_string());
        self.text.push('\n');
    }

    /// Send the item through prettyplease: it has a line whose printed form this module does
    /// not model.
    pub fn defer(&mut self) {
        self.fits = false;
    }

    /// The lines of `other` (built for the same indentation) after these.
    pub fn append(&mut self, other: Printed) {
        self.fits &= other.fits;
        self.text.push_str(&other.text);
    }

    /// A line that ends in a parenthesized, comma-separated list: `head(a, b)tail` when it
    /// fits, else (as prettyplease breaks a signature or an attribute) `head(`, one item per
    /// line, and `)tail`. Items end in a comma when broken if `trailing_comma` (a signature's
    /// parameters do; an attribute's tokens do not).
    pub fn list(&mut self, depth: usize, head: &str, items: &[String], tail: &str, trailing_comma: bool) {
        self.delimited(depth, head, ('(', ')'), items, tail, trailing_comma);
    }

    /// [`list`](Self::list) with other delimiters (`<` and `>` for a type's generic
    /// arguments).
    pub fn delimited(
        &mut self,
        depth: usize,
        head: &str,
        (open, close): (char, char),
        items: &[String],
        tail: &str,
        trailing_comma: bool,
    ) {
        let flat = self.indent
            + 4 * depth
            + head.len()
            + 2
            + items.iter().map(|i| i.len() + 2).sum::<usize>().saturating_sub(2)
            + tail.len();
        // An empty list has nothing to break at (an overlong line fails the width check).
        if flat <= WIDTH || items.is_empty() {
            let mut line = String::with_capacity(flat);
            line.push_str(head);
            line.push(open);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    line.push_str(", ");
                }
                line.push_str(item);
            }
            line.push(close);
            line.push_str(tail);
            self.line(depth, &[&line]);
        } else {
            self.line(depth, &[head, open.encode_utf8(&mut [0; 4])]);
            for (i, item) in items.iter().enumerate() {
                let comma = if trailing_comma || i + 1 < items.len() { "," } else { "" };
                self.line(depth + 1, &[item, comma]);
            }
            self.line(depth, &[close.encode_utf8(&mut [0; 4]), tail]);
        }
    }

    /// A `match` arm whose body is a tuple, `pattern => (a, b),`: see [`arm_call`](Self::arm_call).
    pub fn arm_tuple(&mut self, depth: usize, pattern: &str, items: &[String]) {
        self.arm_call(depth, pattern, "", items);
    }

    /// A `match` arm whose body is a call (or, with an empty `head`, a tuple),
    /// `pattern => head(a, b),`: on one line when it fits (prettyplease lets the arm's comma
    /// reach column 90), else in a block, with the call on one line when that fits, else one
    /// item per line (an item too long for any line, such as a string literal, stays as it is).
    pub fn arm_call(&mut self, depth: usize, pattern: &str, head: &str, items: &[String]) {
        let at = self.indent + 4 * depth;
        let tuple = items.iter().map(|i| i.len() + 2).sum::<usize>();
        let flat = at + pattern.len() + 5 + head.len() + tuple;
        if flat <= WIDTH + 1 {
            self.push_line(depth, &[pattern, " => ", head, "(", &items.join(", "), "),"], false);
        } else if at + 4 + head.len() + tuple <= WIDTH {
            self.line(depth, &[pattern, " => {"]);
            self.line(depth + 1, &[head, "(", &items.join(", "), ")"]);
            self.line(depth, &["}"]);
        } else {
            self.line(depth, &[pattern, " => {"]);
            self.line(depth + 1, &[head, "("]);
            for item in items {
                self.push_line(depth + 2, &[item, ","], false);
            }
            self.line(depth + 1, &[")"]);
            self.line(depth, &["}"]);
        }
    }

    /// A line prettyplease prints whole at any width: a field whose value is a literal, in a
    /// struct expression that is broken anyway.
    pub fn unbroken_line(&mut self, depth: usize, parts: &[&str]) {
        self.push_line(depth, parts, false);
    }

    /// A struct expression `path { fields }` as a block's last expression: on one line when
    /// it is at most 35 columns wide (prettyplease's limit for struct expressions), else one
    /// field per line.
    pub fn struct_expr(&mut self, depth: usize, path: &str, fields: &[String]) {
        let flat = path.len() + 3 + fields.iter().map(|f| f.len() + 2).sum::<usize>();
        if fields.is_empty() {
            self.line(depth, &[path, " {}"]);
        } else if flat <= 35 {
            let mut line = String::with_capacity(flat);
            line.push_str(path);
            line.push_str(" { ");
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    line.push_str(", ");
                }
                line.push_str(f);
            }
            line.push_str(" }");
            self.line(depth, &[&line]);
        } else {
            self.line(depth, &[path, " {"]);
            for f in fields {
                self.line(depth + 1, &[f, ","]);
            }
            self.line(depth, &["}"]);
        }
    }

    /// Doc lines as `doc_attrs` emits them and prettyplease prints them (trailing spaces
    /// trimmed); a line prettyplease would not print as a `///` comment makes the item go
    /// through prettyplease.
    pub fn docs(&mut self, depth: usize, lines: &[String]) {
        self.doc_lines(depth, "///", "#[doc = ", lines);
    }

    /// A module's own doc lines (`//!`), as prettyplease prints `#![doc = " line"]`.
    pub fn inner_docs(&mut self, lines: &[String]) {
        self.doc_lines(0, "//!", "#![doc = ", lines);
    }

    /// Doc lines as comments starting with `marker`; a line with a line break is written as
    /// the attribute (`attribute` opens it) and sends the item through prettyplease.
    fn doc_lines(&mut self, depth: usize, marker: &str, attribute: &str, lines: &[String]) {
        for l in lines {
            if l.contains(['\n', '\r']) {
                self.fits = false;
                let lit = proc_macro2::Literal::string(&format!(" {l}")).to_string();
                self.line(depth, &[attribute, &lit, "]"]);
                continue;
            }
            for _ in 0..depth {
                self.text.push_str("    ");
            }
            super::docs::push_comment_line(&mut self.text, marker, l);
        }
    }

    /// A `use` of a group of names, `head{a, b}tail` when it fits, else broken as prettyplease
    /// breaks a use group: as many names on a line as fit, then a trailing comma.
    pub fn use_group(&mut self, head: &str, items: &[String], tail: &str) {
        let flat = self.indent + head.len() + items.iter().map(|i| i.len() + 2).sum::<usize>() + tail.len();
        if let [one] = items {
            // prettyplease drops the braces around one name.
            self.line(0, &[head, one, tail]);
            return;
        }
        if flat <= WIDTH {
            self.line(0, &[head, "{", &items.join(", "), "}", tail]);
            return;
        }
        if items.iter().any(|i| self.indent + 5 + i.len() > WIDTH) {
            self.fits = false;
        }
        self.line(0, &[head, "{"]);
        let mut line = String::from("    ");
        for (k, item) in items.iter().enumerate() {
            // The width of what must follow on the same line: the name and its comma.
            let need = item.len() + usize::from(k + 1 < items.len());
            if line.len() > 4 && self.indent + line.len() + 1 + need > WIDTH {
                self.push_line(0, &[&line], false);
                line.truncate(4);
            }
            if line.len() > 4 {
                line.push(' ');
            }
            line.push_str(item);
            line.push(',');
        }
        // The last name's comma may reach one column past the margin.
        self.push_line(0, &[&line], false);
        self.line(0, &["}", tail]);
    }

    /// The item's tokens: a placeholder for the text, or the text lexed.
    pub fn finish(self) -> TokenStream {
        if self.text.is_empty() {
            return TokenStream::new();
        }
        let text = if self.fits {
            match super::docs::item_placeholder(self.text) {
                Ok(tokens) => return tokens,
                Err(text) => text,
            }
        } else {
            self.text
        };
        lex(&text)
    }
}

/// Rust source text as tokens.
pub fn lex(text: &str) -> TokenStream {
    match text.parse() {
        Ok(tokens) => tokens,
        // A bug of ours; the renderer reports it as an internal error naming the file.
        Err(e) => panic!("generated text does not lex: {e}\n{text}"),
    }
}

/// The statements of a block: runs written as text (one placeholder each) between statements
/// given as tokens.
pub struct Stmts {
    indent: usize,
    out: TokenStream,
    run: Printed,
}

impl Stmts {
    /// Statements whose lines start at column `indent`.
    pub fn new(indent: usize) -> Self {
        Stmts { indent, out: TokenStream::new(), run: Printed::new(indent) }
    }

    /// The run of text statements to add to.
    pub fn text(&mut self) -> &mut Printed {
        &mut self.run
    }

    /// A statement (or several) as tokens.
    pub fn tokens(&mut self, tokens: TokenStream) {
        if tokens.is_empty() {
            return;
        }
        let run = std::mem::replace(&mut self.run, Printed::new(self.indent));
        self.out.extend(run.finish());
        self.out.extend(tokens);
    }

    /// Every statement, in order.
    pub fn finish(mut self) -> TokenStream {
        self.out.extend(self.run.finish());
        self.out
    }
}

/// A string literal as the tokens (and so prettyplease) spell it.
pub fn string_literal(s: &str) -> String {
    proc_macro2::Literal::string(s).to_string()
}

/// The Rust type for a type reference, as prettyplease prints [`super::ty`].
pub fn ty_string(t: &TypeRef) -> String {
    let mut out = String::new();
    ty(t, &mut out);
    out
}

/// [`ty_string`], added to `out`.
pub fn ty(t: &TypeRef, out: &mut String) {
    match t {
        TypeRef::String => out.push_str("String"),
        TypeRef::Bool => out.push_str("bool"),
        TypeRef::Integer { bits32: true } => out.push_str("i32"),
        TypeRef::Integer { bits32: false } => out.push_str("i64"),
        TypeRef::Unsigned => out.push_str("u64"),
        TypeRef::Number { bits32: true } => out.push_str("f32"),
        TypeRef::Number { bits32: false } => out.push_str("f64"),
        TypeRef::Named(n) => out.push_str(n),
        TypeRef::Array(inner) => {
            out.push_str("Vec<");
            ty(inner, out);
            out.push('>');
        }
        TypeRef::Map(inner) => {
            out.push_str("::std::collections::BTreeMap<String, ");
            ty(inner, out);
            out.push('>');
        }
        TypeRef::Any => out.push_str("serde_json::Value"),
        TypeRef::DateTime => out.push_str("time::OffsetDateTime"),
        TypeRef::Uuid => out.push_str("uuid::Uuid"),
        TypeRef::Bytes => out.push_str("rt::Bytes"),
        TypeRef::File => out.push_str("rt::FilePart"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(tokens: TokenStream) -> String {
        prettyplease::unparse(&syn::parse2(tokens).expect("parses"))
    }

    /// prettyplease prints `p`'s text, put inside an `impl` (and a function when `in_fn`), as
    /// it is.
    fn assert_printed_as_written(p: &Printed, in_fn: bool, case: &str) {
        let text: TokenStream = p.text.parse().expect("lexes");
        let (tokens, open, close) = if in_fn {
            (quote::quote! { impl Y { fn f() { #text } } }, "impl Y {\n    fn f() {\n", "    }\n}\n")
        } else {
            (quote::quote! { impl Y { #text } }, "impl Y {\n", "}\n")
        };
        let pad = if in_fn { "        " } else { "    " };
        let indented: String = p.text.lines().map(|l| format!("{pad}{l}\n")).collect();
        assert_eq!(print(tokens), format!("{open}{indented}{close}"), "{case}");
    }

    /// Every type reference prints as the tokens of [`super::super::ty`] print.
    #[test]
    fn types_print_as_prettyplease_prints_them() {
        let leaves = [
            TypeRef::String,
            TypeRef::Bool,
            TypeRef::Integer { bits32: true },
            TypeRef::Integer { bits32: false },
            TypeRef::Unsigned,
            TypeRef::Number { bits32: true },
            TypeRef::Number { bits32: false },
            TypeRef::Named("Thing".to_owned()),
            TypeRef::Named("r#type".to_owned()),
            TypeRef::Any,
            TypeRef::DateTime,
            TypeRef::Uuid,
            TypeRef::Bytes,
            TypeRef::File,
        ];
        let mut all = leaves.to_vec();
        for l in &leaves {
            all.push(TypeRef::Array(Box::new(l.clone())));
            all.push(TypeRef::Map(Box::new(TypeRef::Array(Box::new(l.clone())))));
        }
        for t in &all {
            let tokens = super::super::ty(t);
            let mut text = String::new();
            ty(t, &mut text);
            assert_eq!(print(quote::quote! { type X = #tokens; }), format!("type X = {text};\n"), "{t:?}");
        }
    }

    /// Lines up to the width limit are not broken by prettyplease; a longer line, or a doc line
    /// with a line break, sends the item through it.
    #[test]
    fn what_fits_is_what_prettyplease_prints() {
        let mut seen = [false; 2];
        for len in 1..=120 {
            let name = "a".repeat(len);
            let mut p = Printed::new(4);
            p.docs(0, &["Set it.  ".to_owned(), String::new()]);
            p.line(0, &["#[must_use]"]);
            p.line(0, &["pub fn ", &name, "(mut self, value: impl Into<Option<Vec<String>>>) -> Self {"]);
            p.line(1, &["self.", &name, " = value.into();"]);
            p.line(1, &["self"]);
            p.line(0, &["}"]);
            seen[usize::from(p.fits)] = true;
            if p.fits {
                assert_printed_as_written(&p, false, &len.to_string());
            }
        }
        assert_eq!(seen, [true, true]);
        let mut p = Printed::new(0);
        p.docs(0, &["two\nlines".to_owned()]);
        assert!(!p.fits);
    }

    /// Signatures and attributes break where prettyplease breaks them.
    #[test]
    fn lists_break_where_prettyplease_breaks_them() {
        let mut seen = [false; 2];
        for len in 1..=100 {
            for n in 1..4 {
                let name = "n".repeat(len);
                let args: Vec<String> = (0..n).map(|i| format!("a{i}: Option<{name}>")).collect();
                let attr: Vec<String> = (0..n).map(|i| format!("rename = \"{name}{i}\"")).collect();
                let mut p = Printed::new(4);
                p.list(0, "#[serde", &attr, "]", false);
                p.list(0, "pub fn new", &args, " -> Self {", true);
                p.line(1, &["Self"]);
                p.line(0, &["}"]);
                seen[usize::from(p.text.lines().count() > 5)] = true;
                if p.fits {
                    assert_printed_as_written(&p, false, &format!("{len} {n}"));
                }
            }
        }
        assert_eq!(seen, [true, true], "one-line and broken forms");
        // Call statements, as `exchange` writes them.
        let mut seen = [false; 2];
        for len in 1..=100 {
            for tail in ["?;", ";"] {
                let name = "n".repeat(len);
                let items = ["&mut parts.query".to_owned(), format!("\"{name}\""), name.clone(), "true".to_owned()];
                let mut p = Printed::new(8);
                p.line(0, &["if let Some(", &name, ") = &", &name, " {"]);
                p.list(1, "rt::query_param", &items, tail, true);
                p.line(0, &["}"]);
                seen[usize::from(p.text.lines().count() > 3)] = true;
                if p.fits {
                    assert_printed_as_written(&p, true, &len.to_string());
                }
            }
        }
        assert_eq!(seen, [true, true], "one-line and broken calls");
        for len in 1..=100 {
            for n in 1..3 {
                let tys: Vec<String> = (0..n).map(|i| format!("rt::Response<{}{i}>", "T".repeat(len))).collect();
                let mut p = Printed::new(0);
                p.delimited(0, "pub type T = Result", ('<', '>'), &tys, ";", true);
                if p.fits {
                    let item: TokenStream = p.text.parse().expect("lexes");
                    assert_eq!(print(item), p.text, "{len} {n}");
                }
            }
        }
    }

    /// Match arms with a tuple body break where prettyplease breaks them.
    #[test]
    fn tuple_arms_break_where_prettyplease_breaks_them() {
        let mut seen = [false; 3];
        for v in (1..40).step_by(3) {
            for len in 0..130 {
                let pattern = format!("Self::V{}(r)", "a".repeat(v));
                let items = ["r.status".to_owned(), format!("\"{}\"", "x".repeat(len)), "&r.raw_headers".to_owned()];
                let mut p = Printed::new(8);
                if len % 2 == 0 {
                    p.arm_tuple(0, &pattern, &items);
                } else {
                    p.arm_call(0, &pattern, "ex.failure", &items[1..]);
                }
                seen[match p.text.lines().count() {
                    1 => 0,
                    3 => 1,
                    _ => 2,
                }] = true;
                let arm: TokenStream = p.text.parse().expect("lexes");
                let printed = print(quote::quote! { fn f() { match x { #arm } } });
                let indented: String = p.text.lines().map(|l| format!("        {l}\n")).collect();
                assert_eq!(printed, format!("fn f() {{\n    match x {{\n{indented}    }}\n}}\n"), "{v} {len}");
            }
        }
        assert_eq!(seen, [true, true, true], "one-line, block and broken forms");
        // A literal field of a broken struct expression stays on its line at any width.
        for len in [10, 80, 120] {
            let mut p = Printed::new(8);
            p.line(0, &["static OPERATION: rt::OperationInfo = rt::OperationInfo {"]);
            p.unbroken_line(1, &["path_template: \"", &"x".repeat(len), "\","]);
            p.line(1, &["idempotent: true,"]);
            p.line(0, &["};"]);
            assert_printed_as_written(&p, true, &len.to_string());
        }
    }

    /// A use group is on one line when it fits, else filled as prettyplease fills it.
    #[test]
    fn use_groups_break_where_prettyplease_breaks_them() {
        let mut seen = [false; 2];
        for seed in 0..600u64 {
            let n = 1 + (seed % 37) as usize;
            let names: Vec<String> = (0..n)
                .map(|k| format!("N{}{k}", "a".repeat(((seed * 31 + k as u64 * 17 + seed / 37) % 29) as usize)))
                .collect();
            let mut p = Printed::new(0);
            p.use_group("pub use rt::", &names, ";");
            seen[usize::from(p.text.lines().count() > 1)] = true;
            assert!(p.fits, "{names:?}\n{}", p.text);
            let item: TokenStream = p.text.parse().expect("lexes");
            assert_eq!(print(item), p.text, "{names:?}");
        }
        assert_eq!(seen, [true, true], "one-line and filled forms");
    }

    /// A struct expression is on one line up to prettyplease's width for them, and as wide as
    /// the margin when broken.
    #[test]
    fn struct_expressions_break_where_prettyplease_breaks_them() {
        let mut seen = [false; 2];
        for len in 1..=90 {
            for n in 0..3 {
                let fields: Vec<String> = (0..n).map(|i| format!("{}{i}: None", "f".repeat(len))).collect();
                let mut p = Printed::new(4);
                p.line(0, &["pub fn new() -> Self {"]);
                p.struct_expr(1, "Self", &fields);
                p.line(0, &["}"]);
                seen[usize::from(p.text.lines().count() > 3)] = true;
                if p.fits {
                    assert_printed_as_written(&p, false, &format!("{len} {n}"));
                }
            }
        }
        assert_eq!(seen, [true, true], "one-line and broken forms");
    }
}
