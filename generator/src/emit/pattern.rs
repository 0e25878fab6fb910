//! A compiled pattern → straight-line matching code.
//!
//! A [`Linear`] pattern becomes two functions of the newtype. `matches` answers yes or no: a
//! length pre-check, then one pass over the pieces. `validate` calls it and, for a value that
//! fails, returns an `rt::InvalidValue` that borrows the value and points at the `LOCATE`
//! constant. For an anchored pattern that constant names the cold `locate`: the same pass,
//! returning where the value goes wrong and what was expected there (the runtime's
//! `choice_miss` and `run_miss` take another look for choices and counted runs); an unanchored
//! one fails at offset 0. `locate` runs only when the error is looked at, so a value that fails
//! costs what one that passes does, and the error needs no copy of the value. Counted runs are
//! loops, so the code does not grow with repetition counts. A linear pattern's code is written
//! as text, as prettyplease prints it ([`printed`](super::printed)).
//!
//! A [`Dfa`] becomes one `check` function: chains of single-successor states become literal
//! and class runs, so the only branches left are the pattern's real choice points. It is
//! emitted as tokens and formatted by prettyplease. `validate` asks it for yes or no; its
//! `LOCATE` runs it again for the offset and expected text when the error is read.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::printed::{lex, string_literal, Printed};
use crate::ir::{CharClass, Dfa, Linear, Matcher, Piece};

/// Write into `check` the statements of `validate` that check a value against `m` (at
/// `depth`, inside `validate(value: &str)`; they return `Err(rt::InvalidValue)` when it does
/// not match), and return the newtype's associated functions and the `LOCATE` constant they
/// use (one level less deep).
pub fn write_matcher(m: &Matcher, type_name: &str, check: &mut Printed, depth: usize) -> Printed {
    let mut fns = Printed::new(0);
    let d = depth;
    let name = string_literal(type_name);
    match m {
        Matcher::Linear(l) => {
            // Straight-line code, no regex engine: a yes/no pass, and an error that borrows
            // the value, so a value that fails costs what one that passes does.
            check.line(d, &["if !Self::matches(value) {"]);
            check.line(d + 1, &["return Err(rt::InvalidValue::new(value, &Self::LOCATE));"]);
            check.line(d, &["}"]);
            let f = d - 1;
            fns.line(f, &["/// Whether a value matches the pattern: straight-line code, no regex engine."]);
            // `validate` is the one caller, so inlining `matches` into it adds no code; it
            // saves a call, which for a value rejected at its first byte was over a quarter of the
            // cost. `validate` stays `#[inline]`: its callers' inliner decides there.
            fns.line(f, &["#[inline(always)]"]);
            fns.line(f, &["fn matches(s: &str) -> bool {"]);
            if l.anchored_start {
                pass(l, Mode::Matches, &mut fns, f + 1);
            } else {
                // A search: the pattern may match starting at any character.
                fns.line(f + 1, &["let at = |start: usize| -> bool {"]);
                fns.line(f + 2, &["let s = &s[start..];"]);
                pass(&Linear { anchored_start: true, ..l.clone() }, Mode::Matches, &mut fns, f + 2);
                fns.line(f + 1, &["};"]);
                fns.line(f + 1, &["(0..=s.len()).filter(|&k| s.is_char_boundary(k)).any(at)"]);
            }
            fns.line(f, &["}"]);
            if l.anchored_start {
                fns.line(f, &["/// Where a value that [`Self::matches`] rejects goes wrong, and what was"]);
                fns.line(f, &["/// expected there: worked out only when the error is looked at."]);
                fns.line(f, &["#[cold]"]);
                fns.line(f, &["#[inline(never)]"]);
                fns.line(f, &["fn locate(s: &str) -> (usize, &'static str) {"]);
                pass(l, Mode::Locate, &mut fns, f + 1);
                fns.line(f, &["}"]);
                fns.line(f, &["const LOCATE: rt::Locate = rt::Locate::new(", &name, ", Self::locate);"]);
            } else {
                fns.line(f, &["const LOCATE: rt::Locate = rt::Locate::search(", &name, ");"]);
            }
        }
        Matcher::Dfa(dfa) => {
            check.line(d, &["if Self::check(value.as_bytes()).is_err() {"]);
            check.line(d + 1, &["return Err(rt::InvalidValue::new(value, &Self::LOCATE));"]);
            check.line(d, &["}"]);
            let body = dfa_body(dfa);
            fns.tokens(quote! {
                /// The compiled pattern: straight-line code over UTF-8 bytes.
                #[inline]
                #[allow(unused_mut, unused_assignments, clippy::needless_return)]
                fn check(b: &[u8]) -> Result<(), (usize, &'static str)> {
                    #body
                }
            });
            fns.line(d - 1, &["const LOCATE: rt::Locate = rt::Locate::check(", &name, ", Self::check);"]);
        }
    }
    fns
}

/// What is expected where a linear pattern's input should end.
fn end_expected(l: &Linear) -> String {
    match l.pieces.last() {
        Some(Piece::Run { class, min, max }) if Some(*min) != *max => {
            format!("{} or end of input", describe_class(class))
        }
        _ => "end of input".to_owned(),
    }
}

/// What the straight-line code of a linear pattern returns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `locate`: `(offset, expected)` for a value known not to match.
    Locate,
    /// `matches` (a search for an unanchored pattern): `bool`.
    Matches,
}

/// `return` of the pass's answer for a value that fails here: `located` (an `(offset,
/// expected)` expression over `i` and `b`) for `locate`; `matches` only says "no".
fn fail(p: &mut Printed, depth: usize, mode: Mode, located: &str, tail: &str) {
    match mode {
        Mode::Locate => p.line(depth, &["return ", located, tail]),
        Mode::Matches => p.line(depth, &["return false", tail]),
    }
}

/// `if cond { return ...; }`: see [`fail`].
fn fail_if(p: &mut Printed, depth: usize, cond: &str, mode: Mode, located: &str) {
    p.line(depth, &["if ", cond, " {"]);
    fail(p, depth + 1, mode, located, ";");
    p.line(depth, &["}"]);
}

/// What a class expects, for error messages.
fn describe_class(c: &CharClass) -> String {
    let show = |ch: char| -> String {
        match ch {
            '\\' | '-' | ']' | '[' | '^' => format!("\\{ch}"),
            c if c.is_ascii_graphic() => c.to_string(),
            c => c.escape_unicode().to_string(),
        }
    };
    if c.ranges.len() == 1 && c.ranges[0].0 == c.ranges[0].1 {
        return format!("`{}`", show(c.ranges[0].0));
    }
    let ascii: String = c
        .ranges
        .iter()
        .filter(|r| r.0.is_ascii())
        .map(|&(lo, hi)| {
            let hi = if hi.is_ascii() { hi } else { '\u{7f}' };
            if lo == hi {
                show(lo)
            } else {
                format!("{}-{}", show(lo), show(hi))
            }
        })
        .collect();
    let non_ascii = c.ranges.last().is_some_and(|r| !r.1.is_ascii());
    match (ascii.is_empty(), non_ascii) {
        (false, false) => format!("a character in [{ascii}]"),
        (false, true) => format!("a character in [{ascii}] or a non-ASCII character"),
        (true, true) => "a non-ASCII character".to_owned(),
        (true, false) => "nothing (the class is empty)".to_owned(),
    }
}

/// The pattern (`b'0'..=b'9' | b'_'`, or with `char`s beyond ASCII) of a class's members.
fn class_pattern(c: &CharClass) -> String {
    if c.is_ascii() {
        let ranges: Vec<(u8, u8)> = c.ranges.iter().map(|&(lo, hi)| (lo as u8, hi as u8)).collect();
        return pattern_text(&ranges);
    }
    let alts: Vec<String> = c
        .ranges
        .iter()
        .map(|&(lo, hi)| {
            if lo == hi {
                Literal::character(lo).to_string()
            } else {
                format!("{}..={}", Literal::character(lo), Literal::character(hi))
            }
        })
        .collect();
    alts.join(" | ")
}

/// A test of `c` (a `u8` for ASCII classes, a `char` otherwise) against a class.
fn class_test(c: &CharClass) -> String {
    if c.ranges.is_empty() {
        return "false".to_owned();
    }
    if c.is_ascii() {
        let ranges: Vec<(u8, u8)> = c.ranges.iter().map(|&(lo, hi)| (lo as u8, hi as u8)).collect();
        return test_text(&ranges, " || ");
    }
    format!("matches!(c, {})", class_pattern(c))
}

/// One pass over the pieces from `s`'s start, as the body of `matches` or `locate`.
fn pass(l: &Linear, mode: Mode, p: &mut Printed, d: usize) {
    // Shortest and longest match: most wrong lengths fail before any byte is read.
    let len_check = (has_len_check(l) && mode != Mode::Locate).then(|| {
        let (min, max) = (l.min_len, l.max_len);
        match (min, max) {
            _ if max == Some(min) => format!("b.len() != {min}"),
            (0, None) => String::new(),
            (0, Some(max)) => format!("b.len() > {max}"),
            (1, None) => "b.is_empty()".to_owned(),
            (1, Some(max)) => format!("b.is_empty() || b.len() > {max}"),
            (min, None) => format!("b.len() < {min}"),
            (min, Some(max)) => format!("b.len() < {min} || b.len() > {max}"),
        }
    });
    let len_check = len_check.filter(|c| !c.is_empty());
    // Runs beyond ASCII read `s`; everything else reads the bytes.
    let bytes_read = len_check.is_some()
        || (l.anchored_end && mode != Mode::Locate)
        || l.pieces.iter().any(|p| !matches!(p, Piece::Run { class, .. } if !class.is_ascii()));
    if bytes_read {
        p.line(d, &["let b = s.as_bytes();"]);
    }
    if let Some(cond) = &len_check {
        fail_if(p, d, cond, mode, "");
    }
    p.line(d, &["let mut i = 0usize;"]);
    // Once the last piece of variable length is past, the rest of an anchored value has one
    // length: a value of any other length fails there, before the rest is read (as a choice
    // between options of different lengths does for `mem_store_...` one byte too long).
    let last_variable = l.pieces.iter().rposition(|p| fixed_len(p).is_none());
    let rest_check = match (mode, l.anchored_start && l.anchored_end, last_variable) {
        (Mode::Matches, true, Some(k)) if k + 1 < l.pieces.len() => Some(k),
        _ => None,
    };
    for (k, piece) in l.pieces.iter().enumerate() {
        write_piece(piece, mode, p, d);
        if rest_check == Some(k) {
            let rest: usize = l.pieces[k + 1..].iter().filter_map(fixed_len).sum();
            fail_if(p, d, &format!("b.len() != i + {rest}"), mode, "");
        }
    }
    match (l.anchored_end, mode) {
        (true, Mode::Locate) => p.line(d, &["(i, ", &string_literal(&end_expected(l)), ")"]),
        (true, Mode::Matches) => p.line(d, &["i == b.len()"]),
        // Anything may follow the match (`locate` only runs for a value that does not match).
        (false, Mode::Locate) => p.line(d, &["(i, \"a value that matches\")"]),
        (false, Mode::Matches) => {
            p.line(d, &["let _ = i;"]);
            p.line(d, &["true"]);
        }
    }
}

/// The length in bytes of every value `p` matches, when it has one.
fn fixed_len(p: &Piece) -> Option<usize> {
    match p {
        Piece::Literal(lit) => Some(lit.len()),
        Piece::Choice(options) => {
            let n = options.first()?.len();
            options.iter().all(|o| o.len() == n).then_some(n)
        }
        Piece::Run { class, min, max } if class.is_ascii() && Some(*min) == *max => Some(*min as usize),
        Piece::Run { .. } => None,
    }
}

/// Whether the pass starts with a length pre-check (both ends anchored, some length bound).
fn has_len_check(l: &Linear) -> bool {
    l.anchored_start && l.anchored_end && (l.min_len > 0 || l.max_len.is_some())
}

fn write_piece(piece: &Piece, mode: Mode, p: &mut Printed, d: usize) {
    match piece {
        Piece::Literal(lit) if lit.len() == 1 => {
            let byte = byte_text(lit.as_bytes()[0]);
            // The runtime's text for a literal character (one byte: ASCII).
            let located = format!("(i, {})", string_literal(&format!("`{lit}`")));
            fail_if(p, d, &format!("b.get(i) != Some(&{byte})"), mode, &located);
            p.line(d, &["i += 1;"]);
        }
        Piece::Literal(lit) => {
            let bytes = Literal::byte_string(lit.as_bytes()).to_string();
            // An ASCII literal's miss is found inline; others need the runtime's cold helper.
            let located = if lit.is_ascii() {
                format!("rt::ascii_literal_miss(b, i, {bytes})")
            } else {
                format!("rt::literal_miss(b, i, {})", string_literal(lit))
            };
            fail_if(p, d, &format!("!b[i..].starts_with({bytes})"), mode, &located);
            p.line(d, &["i += ", &lit.len().to_string(), ";"]);
        }
        Piece::Choice(options) => {
            for (k, o) in options.iter().enumerate() {
                let bytes = Literal::byte_string(o.as_bytes()).to_string();
                let head = if k == 0 { "if " } else { "} else if " };
                p.line(d, &[head, "b[i..].starts_with(", &bytes, ") {"]);
                p.line(d + 1, &["i += ", &o.len().to_string(), ";"]);
            }
            p.line(d, &["} else {"]);
            let expected = options.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(" or ");
            let list = options.iter().map(|o| string_literal(o)).collect::<Vec<_>>().join(", ");
            let located = format!("rt::choice_miss(b, i, &[{list}], {})", string_literal(&expected));
            fail(p, d + 1, mode, &located, ";");
            p.line(d, &["}"]);
        }
        Piece::Run { class, min, max } => write_run(class, *min, *max, mode, p, d),
    }
}

fn write_run(class: &CharClass, min: u32, max: Option<u32>, mode: Mode, p: &mut Printed, d: usize) {
    let expected = string_literal(&describe_class(class));
    let test = class_test(class);
    if class.is_ascii() {
        if min == 1 && max == Some(1) {
            p.line(d, &["match b.get(i) {"]);
            p.line(d + 1, &["Some(", &class_pattern(class), ") => i += 1,"]);
            let located = format!("(i, {expected})");
            match mode {
                Mode::Locate => p.line(d + 1, &["_ => return ", &located, ","]),
                Mode::Matches => p.line(d + 1, &["_ => return false,"]),
            }
            p.line(d, &["}"]);
            return;
        }
        if Some(min) == max {
            // `run_all` is branch-free over the run so the compiler can vectorize it.
            let n = min.to_string();
            let ranges: Vec<(u8, u8)> = class.ranges.iter().map(|&(lo, hi)| (lo as u8, hi as u8)).collect();
            p.line(d, &["let class = |c: u8| ", &test_text(&ranges, " | "), ";"]);
            match mode {
                Mode::Matches => fail_if(p, d, &format!("!rt::run_all::<{n}>(b, i, class)"), mode, ""),
                Mode::Locate => {
                    p.line(d, &["if let Some(at) = rt::run_miss::<", &n, ">(b, i, class) {"]);
                    p.line(d + 1, &["return (at, ", &expected, ");"]);
                    p.line(d, &["}"]);
                }
            }
            p.line(d, &["i += ", &n, ";"]);
            return;
        }
        let take = max.map(|m| format!(".take({m})")).unwrap_or_default();
        p.line(d, &["let class = |c: u8| ", &test, ";"]);
        p.line(d, &["let n = b[i..].iter()", &take, ".take_while(|&&c| class(c)).count();"]);
        if min > 0 {
            fail_if(p, d, &format!("n < {min}"), mode, &format!("(i + n, {expected})"));
        }
        p.line(d, &["i += n;"]);
        return;
    }
    // Characters beyond ASCII: decode and count characters (JSON Schema counts characters).
    // prettyplease prints `matches!` in its own way: the item goes through it.
    p.defer();
    let limit = max.map(|m| format!("n == {m} || ")).unwrap_or_default();
    let counted = !limit.is_empty() || min > 0;
    if counted {
        p.line(d, &["let mut n = 0usize;"]);
    }
    p.line(d, &["for c in s[i..].chars() {"]);
    p.line(d + 1, &["if ", &limit, "!(", &test, ") {"]);
    p.line(d + 2, &["break;"]);
    p.line(d + 1, &["}"]);
    p.line(d + 1, &["i += c.len_utf8();"]);
    if counted {
        p.line(d + 1, &["n += 1;"]);
    }
    p.line(d, &["}"]);
    if min > 0 {
        fail_if(p, d, &format!("n < {min}"), mode, &format!("(i, {expected})"));
    }
}

/// A byte as a literal: `b'x'` when printable ASCII, else a number.
fn byte_text(b: u8) -> String {
    if (0x20..0x7F).contains(&b) {
        Literal::byte_character(b).to_string()
    } else {
        Literal::u8_unsuffixed(b).to_string()
    }
}

/// The pattern of a set of byte ranges: `b'0'..=b'9' | b'_'`.
fn pattern_text(ranges: &[(u8, u8)]) -> String {
    let alts: Vec<String> = ranges
        .iter()
        .map(|&(lo, hi)| if lo == hi { byte_text(lo) } else { format!("{}..={}", byte_text(lo), byte_text(hi)) })
        .collect();
    alts.join(" | ")
}

/// A boolean expression testing the byte `c` against ranges, alternatives joined with `op`
/// (` | ` keeps it branch-free).
fn test_text(ranges: &[(u8, u8)], op: &str) -> String {
    let alts: Vec<String> = ranges
        .iter()
        .map(|&(lo, hi)| {
            if lo == hi {
                format!("c == {}", byte_text(lo))
            } else if (lo, hi) == (b'0', b'9') {
                "c.is_ascii_digit()".to_owned()
            } else if (lo, hi) == (b'a', b'z') {
                "c.is_ascii_lowercase()".to_owned()
            } else if (lo, hi) == (b'A', b'Z') {
                "c.is_ascii_uppercase()".to_owned()
            } else {
                format!("({}..={}).contains(&c)", byte_text(lo), byte_text(hi))
            }
        })
        .collect();
    alts.join(op)
}

/// Tokens for `fn check(b: &[u8]) -> Result<(), (usize, &'static str)>`'s body.
fn dfa_body(m: &Dfa) -> TokenStream {
    let n = m.states.len();
    // Distinct predecessors of each state (self-loops excluded).
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (s, st) in m.states.iter().enumerate() {
        for &(_, _, t) in &st.transitions {
            if t != s && !preds[t].contains(&s) {
                preds[t].push(s);
            }
        }
    }
    // A chain state consumes one byte and always moves on to one absorbable successor.
    let single_target = |s: usize| -> Option<usize> {
        let st = &m.states[s];
        let first = st.transitions.first()?.2;
        let all_same = st.transitions.iter().all(|t| t.2 == first);
        (all_same && first != s && !st.accept_now && !st.accept_at_end && first != 0 && preds[first].len() == 1)
            .then_some(first)
    };
    let single: Vec<Option<usize>> = (0..n).map(single_target).collect();
    // Preferred form: every choice point inlined as nested code (no state variable at all),
    // possible when the automaton is acyclic apart from self-loops and small enough. Shared
    // states are duplicated, so any single-successor state can join a chain.
    let single_any: Vec<Option<usize>> = (0..n)
        .map(|s| {
            let st = &m.states[s];
            let first = st.transitions.first()?.2;
            (st.transitions.iter().all(|t| t.2 == first) && first != s && !st.accept_now && !st.accept_at_end)
                .then_some(first)
        })
        .collect();
    let mut budget = 64usize;
    if let Some(body) = inline_block(m, &single_any, 0, &mut vec![0], &mut budget) {
        return quote! {
            let mut i = 0usize;
            #body
        };
    }
    let mut is_block_start = vec![true; n];
    for t in single.iter().flatten() {
        is_block_start[*t] = false;
    }
    let blocks: Vec<usize> = (0..n).filter(|&s| is_block_start[s]).collect();
    // A dispatch loop is needed as soon as control can reach another block.
    let multi =
        blocks.len() > 1 || (0..n).any(|s| single[s].is_none() && m.states[s].transitions.iter().any(|t| t.2 != s));
    let mut arms = Vec::new();
    for &start in &blocks {
        let (mut body, s) = chain(m, &single, start);
        body.push(Step::Code(emit_general(m, s, multi)));
        let body = merge_literals(m, body);
        let id = Literal::u32_unsuffixed(start as u32);
        arms.push((id, quote! { #(#body)* }));
    }
    if !multi {
        let (_, body) = arms.pop().expect("one block");
        return quote! {
            let mut i = 0usize;
            #body
        };
    }
    let arms = arms.into_iter().map(|(id, body)| quote! { #id => { #body } });
    quote! {
        let mut i = 0usize;
        let mut state = 0u32;
        loop {
            match state {
                #(#arms)*
                _ => unreachable!("state numbers are generated"),
            }
        }
    }
}

/// The chain steps from `start` (grouped into runs) and the state where the chain ends.
fn chain(m: &Dfa, single: &[Option<usize>], start: usize) -> (Vec<Step>, usize) {
    let mut body = Vec::new();
    let mut s = start;
    while single[s].is_some() {
        let mut run = vec![s];
        let mut cur = s;
        while let Some(t) = single[cur] {
            if single[t].is_some() && same_ranges(m, s, t) {
                run.push(t);
                cur = t;
            } else {
                break;
            }
        }
        let last = *run.last().expect("run is non-empty");
        body.push(emit_run(m, &run));
        s = single[last].expect("chain state");
    }
    (body, s)
}

/// The block starting at `s` as an expression, with successor blocks nested inside its match
/// arms. `None` when a successor is already on the path (a cycle) or the budget runs out.
fn inline_block(
    m: &Dfa,
    single: &[Option<usize>],
    s: usize,
    path: &mut Vec<usize>,
    budget: &mut usize,
) -> Option<TokenStream> {
    *budget = budget.checked_sub(1)?;
    // A chain that comes back to a state on the path is a loop: not inlinable.
    let mut cur = s;
    for _ in 0..=m.states.len() {
        match single[cur] {
            Some(t) if path.contains(&t) => return None,
            Some(t) => cur = t,
            None => break,
        }
    }
    if single[cur].is_some() {
        return None;
    }
    let (steps, f) = chain(m, single, s);
    let steps = merge_literals(m, steps);
    let st = &m.states[f];
    let expected = &st.expected;
    if st.accept_now {
        return Some(quote! { #(#steps)* Ok(()) });
    }
    let (skip, targets) = split_transitions(m, f);
    let at_end = if st.accept_at_end {
        quote! { Ok(()) }
    } else {
        quote! { Err((i, #expected)) }
    };
    if targets.is_empty() {
        return Some(quote! {
            #(#steps)*
            #skip
            if i == b.len() { #at_end } else { Err((i, #expected)) }
        });
    }
    let other = (!covers_all_bytes(&targets)).then(|| quote! { Some(_) => Err((i, #expected)), });
    let mut arms = Vec::new();
    for (t, ranges) in targets {
        if path.contains(&t) {
            return None;
        }
        path.push(t);
        let sub = inline_block(m, single, t, path, budget)?;
        path.pop();
        let pat = pattern_of(&ranges);
        arms.push(quote! { Some(#pat) => { i += 1; #sub } });
    }
    Some(quote! {
        #(#steps)*
        #skip
        match b.get(i).copied() {
            None => #at_end,
            #(#arms)*
            #other
        }
    })
}

/// Whether the transitions to other states cover every byte (then a fallback arm would be
/// unreachable).
fn covers_all_bytes(targets: &[Targets]) -> bool {
    let mut ranges: Vec<(u8, u8)> = targets.iter().flat_map(|t| t.1.iter().copied()).collect();
    ranges.sort_unstable();
    let mut next = 0u16;
    for (lo, hi) in ranges {
        if u16::from(lo) > next {
            return false;
        }
        next = next.max(u16::from(hi) + 1);
    }
    next > 255
}

/// A target state and the byte ranges that lead to it.
type Targets = (usize, Vec<(u8, u8)>);

/// A state's self-loop code (a `while` over the bytes that stay in the state) and its other
/// transitions grouped by target.
fn split_transitions(m: &Dfa, s: usize) -> (TokenStream, Vec<Targets>) {
    let st = &m.states[s];
    let self_loop: Vec<(u8, u8)> = st.transitions.iter().filter(|t| t.2 == s).map(|t| (t.0, t.1)).collect();
    let mut targets: Vec<Targets> = Vec::new();
    for &(lo, hi, t) in st.transitions.iter().filter(|t| t.2 != s) {
        match targets.iter_mut().find(|x| x.0 == t) {
            Some(x) => x.1.push((lo, hi)),
            None => targets.push((t, vec![(lo, hi)])),
        }
    }
    let skip = if self_loop.is_empty() {
        quote! {}
    } else {
        let pat = pattern_of(&self_loop);
        quote! {
            while let Some(#pat) = b.get(i).copied() {
                i += 1;
            }
        }
    };
    (skip, targets)
}

fn ranges_of(m: &Dfa, s: usize) -> Vec<(u8, u8)> {
    m.states[s].transitions.iter().map(|t| (t.0, t.1)).collect()
}

fn same_ranges(m: &Dfa, a: usize, b: usize) -> bool {
    ranges_of(m, a) == ranges_of(m, b) && m.states[a].expected == m.states[b].expected
}

/// One piece of a block: a single literal byte (merged into runs later) or finished code.
enum Step {
    Lit(u8, usize),
    Code(TokenStream),
}

fn emit_run(m: &Dfa, run: &[usize]) -> Step {
    let s = run[0];
    let ranges = ranges_of(m, s);
    let expected = &m.states[s].expected;
    if run.len() == 1 {
        if ranges.len() == 1 && ranges[0].0 == ranges[0].1 {
            return Step::Lit(ranges[0].0, s);
        }
        let pat = pattern_of(&ranges);
        return Step::Code(quote! {
            match b.get(i).copied() {
                Some(#pat) => i += 1,
                _ => return Err((i, #expected)),
            }
        });
    }
    let k = Literal::usize_unsuffixed(run.len());
    let test = test_of(&ranges);
    let wide = lex(&test_text(&ranges, " | "));
    Step::Code(quote! {
        match b.get(i..i + #k) {
            // Branch-free over the run so the compiler can vectorize it.
            Some(run) if run.iter().fold(true, |ok, &c| ok & (#wide)) => i += #k,
            _ => return Err((i + b[i..].iter().take(#k).take_while(|&&c| #test).count(), #expected)),
        }
    })
}

/// Replace runs of tagged literal steps by one `starts_with` check.
fn merge_literals(m: &Dfa, body: Vec<Step>) -> Vec<TokenStream> {
    let mut out = Vec::new();
    let mut pending: Vec<(u8, usize)> = Vec::new();
    let flush = |pending: &mut Vec<(u8, usize)>, out: &mut Vec<TokenStream>| {
        if pending.is_empty() {
            return;
        }
        if pending.len() == 1 {
            let (byte, s) = pending[0];
            let pat = byte_lit(byte);
            let expected = &m.states[s].expected;
            out.push(quote! {
                match b.get(i).copied() {
                    Some(#pat) => i += 1,
                    _ => return Err((i, #expected)),
                }
            });
        } else {
            let bytes: Vec<u8> = pending.iter().map(|p| p.0).collect();
            let lit = Literal::byte_string(&bytes);
            let k = Literal::usize_unsuffixed(bytes.len());
            let expected: Vec<&String> = pending.iter().map(|p| &m.states[p.1].expected).collect();
            out.push(quote! {
                if b[i..].starts_with(#lit) {
                    i += #k;
                } else {
                    const EXPECTED: [&str; #k] = [#(#expected),*];
                    let j = b[i..].iter().zip(#lit).take_while(|(x, y)| x == y).count();
                    return Err((i + j, EXPECTED[j]));
                }
            });
        }
        pending.clear();
    };
    for item in body {
        match item {
            Step::Lit(b, s) => pending.push((b, s)),
            Step::Code(code) => {
                flush(&mut pending, &mut out);
                out.push(code);
            }
        }
    }
    flush(&mut pending, &mut out);
    out
}

fn emit_general(m: &Dfa, s: usize, multi: bool) -> TokenStream {
    let st = &m.states[s];
    let expected = &st.expected;
    if st.accept_now {
        return if multi {
            quote! { return Ok(()); }
        } else {
            quote! { Ok(()) }
        };
    }
    let (skip, targets) = split_transitions(m, s);
    let at_end = if st.accept_at_end {
        quote! { return Ok(()) }
    } else {
        quote! { return Err((i, #expected)) }
    };
    if targets.is_empty() {
        if !multi {
            // The function's tail expression.
            let at_end = if st.accept_at_end {
                quote! { Ok(()) }
            } else {
                quote! { Err((i, #expected)) }
            };
            return quote! {
                #skip
                if i == b.len() {
                    #at_end
                } else {
                    Err((i, #expected))
                }
            };
        }
        return quote! {
            #skip
            if i == b.len() {
                #at_end
            }
            return Err((i, #expected));
        };
    }
    debug_assert!(multi, "a state with successors implies a dispatch loop");
    let arms = targets.iter().map(|(t, ranges)| {
        let pat = pattern_of(ranges);
        let t = Literal::u32_unsuffixed(*t as u32);
        quote! { Some(#pat) => { i += 1; state = #t; } }
    });
    let other = (!covers_all_bytes(&targets)).then(|| quote! { Some(_) => return Err((i, #expected)), });
    quote! {
        #skip
        match b.get(i).copied() {
            None => #at_end,
            #(#arms)*
            #other
        }
    }
}

fn byte_lit(b: u8) -> TokenStream {
    lex(&byte_text(b))
}

fn pattern_of(ranges: &[(u8, u8)]) -> TokenStream {
    lex(&pattern_text(ranges))
}

/// A boolean expression testing the byte `c` against ranges.
fn test_of(ranges: &[(u8, u8)]) -> TokenStream {
    lex(&test_text(ranges, " || "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole newtype's text, for a pattern and a type name.
    fn newtype(pattern: &str, name: &str, lengths: (Option<u64>, Option<u64>)) -> Printed {
        let matcher = crate::pattern::compile(pattern).expect("compiles");
        let p = crate::ir::PatternType {
            source: pattern.to_owned(),
            matcher: Some(matcher),
            min_length: lengths.0,
            max_length: lengths.1,
            example: None,
        };
        let t = crate::ir::TypeDef {
            name: crate::ir::Name { rust: name.to_owned(), api: name.to_owned() },
            docs: Vec::new(),
            pointer: String::new(),
            kind: crate::ir::TypeDefKind::Pattern(p.clone()),
        };
        super::super::types::pattern_text(&t, &["Docs.".to_owned()], &p)
    }

    /// Linear patterns of every piece kind, their literals, options, classes and type names
    /// swept across the width limit: whatever is written as text is what prettyplease prints
    /// for it, and the sweep reaches both sides of the limit.
    #[test]
    fn pattern_code_is_what_prettyplease_prints() {
        let mut seen = [0usize; 2];
        let mut widest = 0;
        let classes = ["[0-9]", "[0-9a-z]", "[0-9a-fA-F_-]", "[a-z0-9.,;:_~!$&'()*+=@ -]", "[\\x01-\\x1f]"];
        for len in 1..64 {
            let word = "w".repeat(len);
            for (k, class) in classes.iter().enumerate() {
                let patterns = [
                    format!("^{word}_{class}{{25}}$"),
                    format!("^(ab|{word})-{class}{{2,{}}}$", len + 2),
                    format!("^x(store|{word})_{class}{class}*$"),
                    format!("{word}{class}+"),
                    format!("^{class}{{{len}}}{word}$"),
                    format!("^{word}[\u{e9}a-z]{{1,3}}$"),
                ];
                for (j, pattern) in patterns.iter().enumerate() {
                    // Type names and length checks long enough to reach the limit.
                    let name = format!("T{}", "n".repeat((len * 7 + k + j) % 23));
                    let lengths = if (len + j) % 5 == 0 { (Some(1), Some(len as u64 * 9)) } else { (None, None) };
                    let p = newtype(pattern, &name, lengths);
                    seen[usize::from(p.fits())] += 1;
                    if p.fits() {
                        // Doc lines and the pattern's literal are never broken; the width check is about the rest.
                        let code =
                            p.text().lines().filter(|l| !l.contains("PATTERN") && !l.trim_start().starts_with("///"));
                        widest = widest.max(code.map(str::len).max().unwrap_or(0));
                        let tokens: TokenStream = p.text().parse().expect("lexes");
                        let printed = prettyplease::unparse(&syn::parse2(tokens).expect("parses"));
                        let printed = crate::render::space_out_items(&printed);
                        let written = crate::render::space_out_items(p.text());
                        assert_eq!(printed, written, "{pattern}");
                    }
                }
            }
        }
        assert!(seen[0] > 100 && seen[1] > 100, "text and deferred items: {seen:?}");
        assert!(widest >= super::super::printed::WIDTH - 1, "lines reach the limit: {widest}");
    }
}
