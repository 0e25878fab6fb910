//! A compiled pattern → straight-line matching code.
//!
//! A [`Linear`] pattern becomes two functions of the newtype. `matches` answers yes or no: a
//! length pre-check, then one pass over the pieces. `validate` calls it and, for a value that
//! fails, returns an `rt::InvalidValue` that borrows the value and the cold `locate`: the same
//! pass, returning where the value goes wrong and what was expected there (the runtime's
//! `choice_miss` and `run_miss` take another look for choices and counted runs). `locate` runs
//! only when the error is looked at, so a value that fails costs what one that passes does,
//! and the error needs no copy of the value. Counted runs are loops, so the code does not grow
//! with repetition counts. A [`Dfa`] becomes one `check` function: chains of single-successor
//! states become literal and class runs, so the only branches left are the pattern's real
//! choice points.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::ir::{CharClass, Dfa, Linear, Matcher, Piece};

/// How a pattern newtype checks a value.
pub struct MatcherCode {
    /// Associated functions of the newtype.
    pub fns: TokenStream,
    /// Statements over `value: &str` that return `Err(rt::InvalidValue)` when it does not
    /// match (the type's name is `type_name`).
    pub check: TokenStream,
}

/// The code that checks a value against `m`.
pub fn matcher_code(m: &Matcher, type_name: &str) -> MatcherCode {
    match m {
        Matcher::Linear(l) if !l.anchored_start => MatcherCode {
            fns: matches_fn(l),
            check: quote! {
                if !Self::matches(value) {
                    return Err(rt::InvalidValue::known(#type_name, value, Some(0), "a match of the pattern somewhere in the value"));
                }
            },
        },
        Matcher::Linear(l) => {
            let matches = matches_fn(l);
            let locate = pass(l, Mode::Locate);
            MatcherCode {
                fns: quote! {
                    #matches

                    /// Where a value that [`Self::matches`] rejects goes wrong, and what was
                    /// expected there: worked out only when the error is looked at.
                    #[cold]
                    #[inline(never)]
                    fn locate(s: &str) -> (usize, &'static str) {
                        #locate
                    }

                    const LOCATE: rt::Locate = rt::Locate::new(#type_name, Self::locate);
                },
                // Straight-line code, no regex engine: a yes/no pass, and an error that
                // borrows the value, so a value that fails costs what one that passes does.
                check: quote! {
                    if !Self::matches(value) {
                        return Err(rt::InvalidValue::located(value, &Self::LOCATE));
                    }
                },
            }
        }
        Matcher::Dfa(d) => {
            let body = dfa_body(d);
            MatcherCode {
                fns: quote! {
                    /// The compiled pattern: straight-line code over UTF-8 bytes.
                    #[inline]
                    #[allow(unused_mut, unused_assignments, clippy::needless_return)]
                    fn check(b: &[u8]) -> Result<(), (usize, &'static str)> {
                        #body
                    }
                },
                check: quote! {
                    if let Err((offset, expected)) = Self::check(value.as_bytes()) {
                        return Err(rt::InvalidValue::known(#type_name, value, Some(offset), expected));
                    }
                },
            }
        }
    }
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

/// Leave the pass: `locate` returns `located` (an `(offset, expected)` expression over `i`,
/// `b`); `matches` only says "no".
fn fail(mode: Mode, located: TokenStream) -> TokenStream {
    match mode {
        Mode::Locate => quote! { return #located },
        Mode::Matches => quote! { return false },
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
fn class_pattern(c: &CharClass) -> TokenStream {
    let alts = c.ranges.iter().map(|&(lo, hi)| match (c.is_ascii(), lo == hi) {
        (true, true) => byte_lit(lo as u8),
        (true, false) => {
            let (lo, hi) = (byte_lit(lo as u8), byte_lit(hi as u8));
            quote! { #lo..=#hi }
        }
        (false, true) => quote! { #lo },
        (false, false) => quote! { #lo..=#hi },
    });
    quote! { #(#alts)|* }
}

/// A test of `c` (a `u8` for ASCII classes, a `char` otherwise) against a class.
fn class_test(c: &CharClass) -> TokenStream {
    if c.ranges.is_empty() {
        return quote! { false };
    }
    if c.is_ascii() {
        let ranges: Vec<(u8, u8)> = c.ranges.iter().map(|&(lo, hi)| (lo as u8, hi as u8)).collect();
        return test_of(&ranges);
    }
    let pat = class_pattern(c);
    quote! { matches!(c, #pat) }
}

/// `matches`: a length pre-check (when both ends are anchored), then one greedy pass over the
/// pieces, answering yes or no.
fn matches_fn(l: &Linear) -> TokenStream {
    let body = if l.anchored_start {
        pass(l, Mode::Matches)
    } else {
        // A search: the pattern may match starting at any character.
        let body = pass(&Linear { anchored_start: true, ..l.clone() }, Mode::Matches);
        quote! {
            let at = |start: usize| -> bool {
                let s = &s[start..];
                #body
            };
            (0..=s.len()).filter(|&k| s.is_char_boundary(k)).any(at)
        }
    };
    quote! {
        /// Whether a value matches the pattern: straight-line code, no regex engine.
        #[inline]
        fn matches(s: &str) -> bool {
            #body
        }
    }
}

/// One pass over the pieces from `s`'s start.
fn pass(l: &Linear, mode: Mode) -> TokenStream {
    let mut pieces: Vec<TokenStream> = l.pieces.iter().map(|p| piece(p, mode)).collect();
    // Once the last piece of variable length is past, the rest of an anchored value has one
    // length: a value of any other length fails there, before the rest is read (as a choice
    // between options of different lengths does for `mem_store_...` one byte too long).
    let last_variable = l.pieces.iter().rposition(|p| fixed_len(p).is_none());
    if let (Mode::Matches, true, Some(k)) = (mode, l.anchored_start && l.anchored_end, last_variable) {
        if k + 1 < l.pieces.len() {
            let rest: usize = l.pieces[k + 1..].iter().filter_map(fixed_len).sum();
            let rest = Literal::usize_unsuffixed(rest);
            pieces.insert(k + 1, quote! { if b.len() != i + #rest { return false; } });
        }
    }
    let end = match (l.anchored_end, mode) {
        (true, Mode::Locate) => {
            let expected = end_expected(l);
            quote! { (i, #expected) }
        }
        (true, Mode::Matches) => quote! { i == b.len() },
        // Anything may follow the match (`locate` only runs for a value that does not match).
        (false, Mode::Locate) => quote! { (i, "a value that matches") },
        (false, Mode::Matches) => quote! { { let _ = i; true } },
    };
    // Shortest and longest match: most wrong lengths fail before any byte is read.
    let len_check = if has_len_check(l) && mode != Mode::Locate {
        let min = Literal::usize_unsuffixed(l.min_len);
        let too_short = match l.min_len {
            0 => None,
            1 => Some(quote! { b.is_empty() }),
            _ => Some(quote! { b.len() < #min }),
        };
        let too_long = l.max_len.map(|max| {
            let max = Literal::usize_unsuffixed(max);
            quote! { b.len() > #max }
        });
        let reject = quote! { return false };
        match (too_short, too_long) {
            _ if l.max_len == Some(l.min_len) => {
                let n = Literal::usize_unsuffixed(l.min_len);
                quote! { if b.len() != #n { #reject; } }
            }
            (Some(a), Some(b)) => quote! { if #a || #b { #reject; } },
            (Some(a), None) | (None, Some(a)) => quote! { if #a { #reject; } },
            (None, None) => quote! {},
        }
    } else {
        quote! {}
    };
    // Runs beyond ASCII read `s`; everything else reads the bytes.
    let bytes_read = !len_check.is_empty()
        || (l.anchored_end && mode != Mode::Locate)
        || l.pieces.iter().any(|p| !matches!(p, Piece::Run { class, .. } if !class.is_ascii()));
    let b = bytes_read.then(|| quote! { let b = s.as_bytes(); });
    quote! {
        #b
        #len_check
        let mut i = 0usize;
        #(#pieces)*
        #end
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

fn piece(p: &Piece, mode: Mode) -> TokenStream {
    match p {
        Piece::Literal(lit) if lit.len() == 1 => {
            let byte = byte_lit(lit.as_bytes()[0]);
            // The runtime's text for a literal character (one byte: ASCII).
            let expected = format!("`{lit}`");
            let fail = fail(mode, quote! { (i, #expected) });
            quote! {
                if b.get(i) != Some(&#byte) { #fail; }
                i += 1;
            }
        }
        Piece::Literal(lit) => {
            let bytes = Literal::byte_string(lit.as_bytes());
            let n = Literal::usize_unsuffixed(lit.len());
            // An ASCII literal's miss is found inline; others need the runtime's cold helper.
            let located = if lit.is_ascii() {
                quote! { rt::ascii_literal_miss(b, i, #bytes) }
            } else {
                quote! { rt::literal_miss(b, i, #lit) }
            };
            let fail = fail(mode, located);
            quote! {
                if !b[i..].starts_with(#bytes) { #fail; }
                i += #n;
            }
        }
        Piece::Choice(options) => {
            let arms = options.iter().map(|o| {
                let bytes = Literal::byte_string(o.as_bytes());
                let n = Literal::usize_unsuffixed(o.len());
                quote! { if b[i..].starts_with(#bytes) { i += #n; } else }
            });
            let expected = options.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(" or ");
            let fail = fail(mode, quote! { rt::choice_miss(b, i, &[#(#options),*], #expected) });
            quote! { #(#arms)* { #fail; } }
        }
        Piece::Run { class, min, max } => run(class, *min, *max, mode),
    }
}

fn run(class: &CharClass, min: u32, max: Option<u32>, mode: Mode) -> TokenStream {
    let expected = describe_class(class);
    let test = class_test(class);
    if class.is_ascii() {
        let pat_single = class_pattern(class);
        if min == 1 && max == Some(1) {
            let fail = fail(mode, quote! { (i, #expected) });
            return quote! {
                match b.get(i) {
                    Some(#pat_single) => i += 1,
                    _ => #fail,
                }
            };
        }
        if Some(min) == max {
            let n = Literal::usize_unsuffixed(min as usize);
            let wide = class_test_wide(class);
            return match mode {
                Mode::Matches => quote! {
                    match b.get(i..i + #n) {
                        // Branch-free over the run so the compiler can vectorize it.
                        Some(run) if run.iter().fold(true, |ok, &c| ok & (#wide)) => i += #n,
                        _ => return false,
                    }
                },
                Mode::Locate => quote! {
                    if let Some(at) = rt::run_miss::<#n>(b, i, |c| #wide) {
                        return (at, #expected);
                    }
                    i += #n;
                },
            };
        }
        let take = max.map(|m| {
            let m = Literal::usize_unsuffixed(m as usize);
            quote! { .take(#m) }
        });
        let check = (min > 0).then(|| {
            let m = Literal::usize_unsuffixed(min as usize);
            let fail = fail(mode, quote! { (i + n, #expected) });
            quote! { if n < #m { #fail; } }
        });
        return quote! {
            let n = b[i..].iter()#take.take_while(|&&c| #test).count();
            #check
            i += n;
        };
    }
    // Characters beyond ASCII: decode and count characters (JSON Schema counts characters).
    let limit = max.map(|m| {
        let m = Literal::usize_unsuffixed(m as usize);
        quote! { n == #m || }
    });
    let check = (min > 0).then(|| {
        let m = Literal::usize_unsuffixed(min as usize);
        let fail = fail(mode, quote! { (i, #expected) });
        quote! { if n < #m { #fail; } }
    });
    if limit.is_none() && check.is_none() {
        return quote! {
            for c in s[i..].chars() {
                if !(#test) { break; }
                i += c.len_utf8();
            }
        };
    }
    quote! {
        let mut n = 0usize;
        for c in s[i..].chars() {
            if #limit !(#test) { break; }
            i += c.len_utf8();
            n += 1;
        }
        #check
    }
}

/// [`class_test`] for an ASCII class, branch-free (`|` between comparisons).
fn class_test_wide(c: &CharClass) -> TokenStream {
    let ranges: Vec<(u8, u8)> = c.ranges.iter().map(|&(lo, hi)| (lo as u8, hi as u8)).collect();
    test_of_with(&ranges, quote! { | })
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

fn byte_lit(b: u8) -> TokenStream {
    if (0x20..0x7F).contains(&b) {
        let l = Literal::byte_character(b);
        quote! { #l }
    } else {
        let l = Literal::u8_unsuffixed(b);
        quote! { #l }
    }
}

fn pattern_of(ranges: &[(u8, u8)]) -> TokenStream {
    let alts = ranges.iter().map(|&(lo, hi)| {
        if lo == hi {
            byte_lit(lo)
        } else {
            let (lo, hi) = (byte_lit(lo), byte_lit(hi));
            quote! { #lo..=#hi }
        }
    });
    quote! { #(#alts)|* }
}

/// A boolean expression testing the byte `c` against ranges.
fn test_of(ranges: &[(u8, u8)]) -> TokenStream {
    test_of_with(ranges, quote! { || })
}

/// Like [`test_of`], joining alternatives with `op` (`|` keeps it branch-free).
fn test_of_with(ranges: &[(u8, u8)], op: TokenStream) -> TokenStream {
    let alts = ranges.iter().map(|&(lo, hi)| {
        if lo == hi {
            let b = byte_lit(lo);
            quote! { c == #b }
        } else if (lo, hi) == (b'0', b'9') {
            quote! { c.is_ascii_digit() }
        } else if (lo, hi) == (b'a', b'z') {
            quote! { c.is_ascii_lowercase() }
        } else if (lo, hi) == (b'A', b'Z') {
            quote! { c.is_ascii_uppercase() }
        } else {
            let (lo, hi) = (byte_lit(lo), byte_lit(hi));
            quote! { (#lo..=#hi).contains(&c) }
        }
    });
    let mut out = TokenStream::new();
    for (n, alt) in alts.enumerate() {
        if n > 0 {
            out.extend(op.clone());
        }
        out.extend(alt);
    }
    out
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
    let wide = test_of_with(&ranges, quote! { | });
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
