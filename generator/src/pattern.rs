//! Compiles a schema `pattern` (ECMA-262 semantics, the regular subset) into an
//! [`ir::Matcher`](Matcher), which `emit::pattern` turns into straight-line Rust.
//!
//! The pattern is parsed with `regex-syntax`'s AST parser and translated here with ECMA-262
//! meanings (`\d`, `\w` are ASCII; `.` excludes line terminators; `^`/`$` are input
//! boundaries). Two forms:
//! - [`Linear`]: a sequence of literals, literal choices and counted runs of one class
//!   (`[0-9a-z]{25}`, `.{1,100}`), matched greedily left to right. Chosen whenever greedy
//!   matching is exact (a run's class never overlaps what may follow it); its code does not
//!   grow with repetition counts. Most identifier patterns have this form.
//! - [`Dfa`]: anything else in the supported syntax, by Thompson construction and subset
//!   construction over UTF-8 bytes, with states that cannot reach a match pruned so errors point
//!   at the first offending byte; refused beyond [`MAX_EMITTED_STATES`].

use std::collections::BTreeMap;

use regex_syntax::ast::{self, Ast};

use crate::ir::{CharClass, Dfa, DfaState, Linear, Matcher, Piece};

/// Upper bound on NFA nodes while building a DFA.
const MAX_NFA: usize = 20_000;
/// Upper bound on DFA states while building one.
const MAX_DFA: usize = 2_000;
/// Largest DFA turned into code (a linear pattern has no such limit).
pub const MAX_EMITTED_STATES: usize = 256;

/// Compile `pattern`. The error is a human-readable reason (the construct that is not supported,
/// or why the automaton would be too large).
pub fn compile(pattern: &str) -> Result<Matcher, String> {
    let ast = ast::parse::Parser::new().parse(pattern).map_err(|e| match e.kind() {
        ast::ErrorKind::UnsupportedLookAround => {
            "lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`) is not supported".to_owned()
        }
        ast::ErrorKind::UnsupportedBackreference => "backreferences (`\\1`) are not supported".to_owned(),
        kind => format!("invalid regular expression: {kind}"),
    })?;
    check_supported(&ast)?;
    if let Some(l) = linear(&ast) {
        return Ok(Matcher::Linear(l));
    }
    let dfa = dfa(&ast)?;
    if dfa.states.len() > MAX_EMITTED_STATES {
        return Err(format!(
            "its automaton has {} states (at most {MAX_EMITTED_STATES} are turned into code); counted \
             repetition of a single character class is supported at any count",
            dfa.states.len()
        ));
    }
    Ok(Matcher::Dfa(dfa))
}

/// Reject constructs outside the supported subset, naming them.
fn check_supported(ast: &Ast) -> Result<(), String> {
    match ast {
        Ast::Flags(_) => Err("inline flags such as `(?i)` are not part of ECMA-262 patterns".into()),
        Ast::Assertion(a) => match a.kind {
            ast::AssertionKind::StartLine
            | ast::AssertionKind::EndLine
            | ast::AssertionKind::WordBoundary
            | ast::AssertionKind::NotWordBoundary => Ok(()),
            _ => Err(format!("assertion {} is not supported (only `^`, `$`, `\\b` and `\\B`)", span_text(a.span))),
        },
        Ast::ClassUnicode(_) => Err("Unicode property classes (`\\p{..}`) are not supported".into()),
        Ast::ClassBracketed(c) => bracketed(c).map(|_| ()),
        Ast::Repetition(r) => check_supported(&r.ast),
        Ast::Group(g) => {
            if let ast::GroupKind::NonCapturing(flags) = &g.kind {
                if !flags.items.is_empty() {
                    return Err("inline flags such as `(?i:..)` are not part of ECMA-262 patterns".into());
                }
            }
            check_supported(&g.ast)
        }
        Ast::Alternation(a) => a.asts.iter().try_for_each(check_supported),
        Ast::Concat(c) => c.asts.iter().try_for_each(check_supported),
        Ast::Empty(_) | Ast::Literal(_) | Ast::Dot(_) | Ast::ClassPerl(_) => Ok(()),
    }
}

/// `pattern` as a DFA (the search form: an unanchored pattern may start anywhere).
fn dfa(ast: &Ast) -> Result<Dfa, String> {
    let mut b = Builder { nodes: vec![Node::Match] };
    let start = b.compile(ast, 0)?;
    // Unanchored search: any leading characters may precede the match.
    let loop_id = b.push(Node::Split(vec![]))?;
    let any = b.push(Node::Range { lo: 0, hi: 255, next: loop_id })?;
    b.nodes[loop_id] = Node::Split(vec![start, any]);
    determinize(&b.nodes, loop_id)
}

// ----- the linear form ---------------------------------------------------------------------

/// The characters `.` matches.
fn dot() -> Ranges {
    complement(&[(0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029)])
}

/// The set of one-character nodes (a literal, `.`, a class, or a group of one of those or of
/// an alternation of single characters).
fn char_set(ast: &Ast) -> Option<Ranges> {
    match ast {
        Ast::Literal(l) => Some(vec![(l.c as u32, l.c as u32)]),
        Ast::Dot(_) => Some(dot()),
        Ast::ClassPerl(p) => Some(perl(p)),
        Ast::ClassBracketed(c) => bracketed(c).ok(),
        Ast::Group(g) => char_set(&g.ast),
        Ast::Alternation(a) => {
            let mut all = Vec::new();
            for x in &a.asts {
                all.extend(char_set(x)?);
            }
            Some(normalize(all))
        }
        _ => None,
    }
}

/// A literal string node (a literal, or a concatenation or group of literals).
fn literal_text(ast: &Ast) -> Option<String> {
    match ast {
        Ast::Literal(l) => Some(l.c.to_string()),
        Ast::Concat(c) => c.asts.iter().map(literal_text).collect(),
        Ast::Group(g) => literal_text(&g.ast),
        Ast::Empty(_) => Some(String::new()),
        _ => None,
    }
}

fn to_class(set: &Ranges) -> CharClass {
    let ranges = set
        .iter()
        .filter_map(|&(lo, hi)| {
            let lo = if (0xD800..=0xDFFF).contains(&lo) { 0xE000 } else { lo };
            let (lo, hi) = (char::from_u32(lo)?, char::from_u32(clamp_scalar(hi))?);
            (lo <= hi).then_some((lo, hi))
        })
        .collect();
    CharClass { ranges }
}

fn repetition_bounds(r: &ast::Repetition) -> (u32, Option<u32>) {
    match &r.op.kind {
        ast::RepetitionKind::ZeroOrOne => (0, Some(1)),
        ast::RepetitionKind::ZeroOrMore => (0, None),
        ast::RepetitionKind::OneOrMore => (1, None),
        ast::RepetitionKind::Range(ast::RepetitionRange::Exactly(n)) => (*n, Some(*n)),
        ast::RepetitionKind::Range(ast::RepetitionRange::AtLeast(n)) => (*n, None),
        ast::RepetitionKind::Range(ast::RepetitionRange::Bounded(a, b)) => (*a, Some(*b)),
    }
}

/// `pattern` in the linear form, if it has one where greedy matching is exact.
fn linear(ast: &Ast) -> Option<Linear> {
    let items: Vec<&Ast> = match ast {
        Ast::Concat(c) => c.asts.iter().collect(),
        other => vec![other],
    };
    let mut items = items.as_slice();
    let is = |a: &Ast, kind: ast::AssertionKind| matches!(a, Ast::Assertion(x) if x.kind == kind);
    let anchored_start = items.first().is_some_and(|a| is(a, ast::AssertionKind::StartLine));
    if anchored_start {
        items = &items[1..];
    }
    let anchored_end = items.last().is_some_and(|a| is(a, ast::AssertionKind::EndLine));
    if anchored_end {
        items = &items[..items.len() - 1];
    }
    let mut pieces: Vec<Piece> = Vec::new();
    for item in items {
        flatten(item, &mut pieces)?;
    }
    // Greedy runs are exact only if nothing that may follow can start with their class.
    for (k, p) in pieces.iter().enumerate() {
        if let Piece::Run { class, min, max } = p {
            if Some(*min) != *max && overlaps(class, &first_chars(&pieces[k + 1..])) {
                return None;
            }
        }
    }
    let (min_len, max_len) = byte_lengths(&pieces);
    Some(Linear { anchored_start, anchored_end, pieces, min_len, max_len })
}

/// Append the pieces of one concatenation item (no assertions inside).
fn flatten(ast: &Ast, pieces: &mut Vec<Piece>) -> Option<()> {
    match ast {
        Ast::Empty(_) => {}
        Ast::Literal(l) => match pieces.last_mut() {
            Some(Piece::Literal(s)) => s.push(l.c),
            _ => pieces.push(Piece::Literal(l.c.to_string())),
        },
        Ast::Dot(_) | Ast::ClassPerl(_) | Ast::ClassBracketed(_) => {
            pieces.push(Piece::Run { class: to_class(&char_set(ast)?), min: 1, max: Some(1) })
        }
        Ast::Repetition(r) => {
            let (min, max) = repetition_bounds(r);
            if max.is_some_and(|m| m < min) {
                return None;
            }
            let class = to_class(&char_set(&r.ast)?);
            pieces.push(Piece::Run { class, min, max });
        }
        Ast::Group(g) => match &*g.ast {
            Ast::Alternation(a) => {
                if let Some(set) = char_set(&g.ast) {
                    pieces.push(Piece::Run { class: to_class(&set), min: 1, max: Some(1) });
                    return Some(());
                }
                let options: Vec<String> = a.asts.iter().map(literal_text).collect::<Option<_>>()?;
                // At most one option may match at a position: none is a prefix of another.
                let prefix_free = options
                    .iter()
                    .enumerate()
                    .all(|(i, o)| options.iter().enumerate().all(|(j, p)| i == j || !p.starts_with(o.as_str())));
                if !prefix_free {
                    return None;
                }
                pieces.push(Piece::Choice(options));
            }
            inner => match inner {
                Ast::Concat(c) => {
                    for x in &c.asts {
                        flatten(x, pieces)?;
                    }
                }
                other => flatten(other, pieces)?,
            },
        },
        Ast::Concat(c) => {
            for x in &c.asts {
                flatten(x, pieces)?;
            }
        }
        Ast::Alternation(_) | Ast::Assertion(_) | Ast::Flags(_) | Ast::ClassUnicode(_) => return None,
    }
    Some(())
}

/// The characters that may come first in `pieces`, as ranges.
fn first_chars(pieces: &[Piece]) -> Vec<(char, char)> {
    let mut out = Vec::new();
    for p in pieces {
        match p {
            Piece::Literal(l) => {
                out.extend(l.chars().next().map(|c| (c, c)));
                return out;
            }
            Piece::Choice(options) => {
                out.extend(options.iter().filter_map(|o| o.chars().next()).map(|c| (c, c)));
                if options.iter().all(|o| !o.is_empty()) {
                    return out;
                }
            }
            Piece::Run { class, min, .. } => {
                out.extend(class.ranges.iter().copied());
                if *min > 0 {
                    return out;
                }
            }
        }
    }
    out
}

fn overlaps(class: &CharClass, ranges: &[(char, char)]) -> bool {
    class.ranges.iter().any(|&(a, b)| ranges.iter().any(|&(c, d)| a <= d && c <= b))
}

/// Byte lengths an anchored match can have.
fn byte_lengths(pieces: &[Piece]) -> (usize, Option<usize>) {
    let mut min = 0usize;
    let mut max = Some(0usize);
    for p in pieces {
        let (lo, hi) = match p {
            Piece::Literal(l) => (l.len(), Some(l.len())),
            Piece::Choice(o) => {
                (o.iter().map(String::len).min().unwrap_or(0), Some(o.iter().map(String::len).max().unwrap_or(0)))
            }
            Piece::Run { class, min, max } => {
                let widths = class.ranges.iter().flat_map(|&(a, b)| [a.len_utf8(), b.len_utf8()]);
                let (w_lo, w_hi) = widths.fold((4, 0), |(lo, hi), w| (lo.min(w), hi.max(w)));
                let w_lo = if class.ranges.is_empty() { 0 } else { w_lo };
                (w_lo * *min as usize, max.map(|m| w_hi * m as usize))
            }
        };
        min = min.saturating_add(lo);
        max = match (max, hi) {
            (Some(a), Some(b)) => a.checked_add(b),
            _ => None,
        };
    }
    (min, max)
}

#[derive(Debug, Clone)]
enum Node {
    Range {
        lo: u8,
        hi: u8,
        next: usize,
    },
    Split(Vec<usize>),
    AssertStart(usize),
    AssertEnd(usize),
    /// `\b` (`word`) or `\B`: whether the characters on either side differ in being word
    /// characters (ECMA-262: ASCII `[0-9A-Za-z_]`; the input's ends count as non-word).
    Boundary {
        word: bool,
        next: usize,
    },
    Match,
}

struct Builder {
    nodes: Vec<Node>,
}

type Ranges = Vec<(u32, u32)>;

impl Builder {
    fn push(&mut self, n: Node) -> Result<usize, String> {
        if self.nodes.len() >= MAX_NFA {
            return Err("pattern is too large (repetition counts expand beyond the supported size)".into());
        }
        self.nodes.push(n);
        Ok(self.nodes.len() - 1)
    }

    fn compile(&mut self, ast: &Ast, next: usize) -> Result<usize, String> {
        match ast {
            Ast::Empty(_) => Ok(next),
            Ast::Flags(_) => Err("inline flags such as `(?i)` are not part of ECMA-262 patterns".into()),
            Ast::Literal(l) => self.class(&[(l.c as u32, l.c as u32)], next),
            Ast::Dot(_) => self.class(&complement(&[(0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029)]), next),
            Ast::Assertion(a) => match a.kind {
                ast::AssertionKind::StartLine => self.push(Node::AssertStart(next)),
                ast::AssertionKind::EndLine => self.push(Node::AssertEnd(next)),
                ast::AssertionKind::WordBoundary => self.push(Node::Boundary { word: true, next }),
                ast::AssertionKind::NotWordBoundary => self.push(Node::Boundary { word: false, next }),
                _ => Err(format!("assertion {} is not supported (only `^`, `$`, `\\b` and `\\B`)", span_text(a.span))),
            },
            Ast::ClassUnicode(_) => Err("Unicode property classes (`\\p{..}`) are not supported".into()),
            Ast::ClassPerl(p) => self.class(&perl(p), next),
            Ast::ClassBracketed(c) => {
                let set = bracketed(c)?;
                self.class(&set, next)
            }
            Ast::Repetition(r) => {
                let (min, max) = match &r.op.kind {
                    ast::RepetitionKind::ZeroOrOne => (0, Some(1)),
                    ast::RepetitionKind::ZeroOrMore => (0, None),
                    ast::RepetitionKind::OneOrMore => (1, None),
                    ast::RepetitionKind::Range(ast::RepetitionRange::Exactly(n)) => (*n, Some(*n)),
                    ast::RepetitionKind::Range(ast::RepetitionRange::AtLeast(n)) => (*n, None),
                    ast::RepetitionKind::Range(ast::RepetitionRange::Bounded(a, b)) => (*a, Some(*b)),
                };
                if min as usize > MAX_NFA || max.is_some_and(|m| m as usize > MAX_NFA) {
                    return Err("pattern is too large (repetition counts expand beyond the supported size)".into());
                }
                // Build from the end: optional tail first, then the mandatory copies.
                let mut cont = next;
                match max {
                    None => {
                        let l = self.push(Node::Split(vec![]))?;
                        let body = self.compile(&r.ast, l)?;
                        self.nodes[l] = Node::Split(vec![body, next]);
                        cont = l;
                    }
                    Some(max) => {
                        for _ in min..max {
                            let body = self.compile(&r.ast, cont)?;
                            cont = self.push(Node::Split(vec![body, cont]))?;
                        }
                    }
                }
                for _ in 0..min {
                    cont = self.compile(&r.ast, cont)?;
                }
                Ok(cont)
            }
            Ast::Group(g) => {
                if let ast::GroupKind::NonCapturing(flags) = &g.kind {
                    if !flags.items.is_empty() {
                        return Err("inline flags such as `(?i:..)` are not part of ECMA-262 patterns".into());
                    }
                }
                self.compile(&g.ast, next)
            }
            Ast::Alternation(a) => {
                let mut branches = Vec::new();
                for x in &a.asts {
                    branches.push(self.compile(x, next)?);
                }
                self.push(Node::Split(branches))
            }
            Ast::Concat(c) => {
                let mut cont = next;
                for x in c.asts.iter().rev() {
                    cont = self.compile(x, cont)?;
                }
                Ok(cont)
            }
        }
    }

    /// A set of Unicode scalar values, as UTF-8 byte sequences.
    fn class(&mut self, set: &[(u32, u32)], next: usize) -> Result<usize, String> {
        let mut alts = Vec::new();
        for &(lo, hi) in set {
            let lo = if (0xD800..=0xDFFF).contains(&lo) { 0xE000 } else { lo };
            let (Some(lo), Some(hi)) = (char::from_u32(lo), char::from_u32(clamp_scalar(hi))) else { continue };
            if lo > hi {
                continue;
            }
            for seq in regex_syntax::utf8::Utf8Sequences::new(lo, hi) {
                let mut cont = next;
                for r in seq.as_slice().iter().rev() {
                    cont = self.push(Node::Range { lo: r.start, hi: r.end, next: cont })?;
                }
                alts.push(cont);
            }
        }
        if alts.len() == 1 {
            Ok(alts[0])
        } else {
            self.push(Node::Split(alts))
        }
    }
}

fn clamp_scalar(c: u32) -> u32 {
    if (0xD800..=0xDFFF).contains(&c) {
        0xD7FF
    } else {
        c.min(0x10FFFF)
    }
}

fn span_text(span: ast::Span) -> String {
    format!("at offset {}", span.start.offset)
}

fn normalize(mut set: Ranges) -> Ranges {
    set.sort_unstable();
    let mut out: Ranges = Vec::new();
    for (lo, hi) in set {
        if let Some(last) = out.last_mut() {
            if lo <= last.1.saturating_add(1) {
                last.1 = last.1.max(hi);
                continue;
            }
        }
        out.push((lo, hi));
    }
    out
}

fn complement(set: &[(u32, u32)]) -> Ranges {
    let set = normalize(set.to_vec());
    let mut out = Vec::new();
    let mut next = 0u32;
    for (lo, hi) in set {
        if lo > next {
            out.push((next, lo - 1));
        }
        next = hi + 1;
    }
    if next <= 0x10FFFF {
        out.push((next, 0x10FFFF));
    }
    out
}

fn perl(p: &ast::ClassPerl) -> Ranges {
    let base: Ranges = match p.kind {
        ast::ClassPerlKind::Digit => vec![(0x30, 0x39)],
        ast::ClassPerlKind::Word => vec![(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
        // ECMA-262 WhiteSpace and LineTerminator.
        ast::ClassPerlKind::Space => vec![
            (0x09, 0x0D),
            (0x20, 0x20),
            (0xA0, 0xA0),
            (0x1680, 0x1680),
            (0x2000, 0x200A),
            (0x2028, 0x2029),
            (0x202F, 0x202F),
            (0x205F, 0x205F),
            (0x3000, 0x3000),
            (0xFEFF, 0xFEFF),
        ],
    };
    if p.negated {
        complement(&base)
    } else {
        base
    }
}

fn bracketed(c: &ast::ClassBracketed) -> Result<Ranges, String> {
    let set = match &c.kind {
        ast::ClassSet::Item(item) => item_set(item)?,
        ast::ClassSet::BinaryOp(_) => {
            return Err("class set operations (`&&`, `--`, `~~`) are not part of ECMA-262".into())
        }
    };
    Ok(if c.negated { complement(&set) } else { normalize(set) })
}

fn item_set(item: &ast::ClassSetItem) -> Result<Ranges, String> {
    Ok(match item {
        ast::ClassSetItem::Empty(_) => vec![],
        ast::ClassSetItem::Literal(l) => vec![(l.c as u32, l.c as u32)],
        ast::ClassSetItem::Range(r) => vec![(r.start.c as u32, r.end.c as u32)],
        ast::ClassSetItem::Ascii(_) => {
            return Err("POSIX classes such as `[[:alpha:]]` are not part of ECMA-262".into())
        }
        ast::ClassSetItem::Unicode(_) => return Err("Unicode property classes (`\\p{..}`) are not supported".into()),
        ast::ClassSetItem::Perl(p) => perl(p),
        ast::ClassSetItem::Bracketed(_) => return Err("nested character classes are not part of ECMA-262".into()),
        ast::ClassSetItem::Union(u) => {
            let mut out = Vec::new();
            for i in &u.items {
                out.extend(item_set(i)?);
            }
            out
        }
    })
}

/// What is known of the character after the position a closure is taken at (word boundaries
/// depend on it).
#[derive(Clone, Copy)]
enum Next {
    /// Not yet read: boundary assertions wait in [`Closure::pending`].
    Unknown,
    /// A character follows; whether it is a word character.
    Char { word: bool },
    /// The input ends here.
    End,
}

#[derive(Default)]
struct Closure {
    ranges: Vec<usize>,
    /// Word-boundary assertions that wait for the next character.
    pending: Vec<usize>,
    accept_now: bool,
    accept_at_end: bool,
}

/// ECMA-262 `\w` (without the `i` flag): ASCII only, so one byte decides it.
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn closure(nodes: &[Node], roots: &[usize], at_start: bool, prev_word: bool, next: Next) -> Closure {
    let mut seen = vec![[false; 2]; nodes.len()];
    let mut stack: Vec<(usize, bool)> = roots.iter().map(|&r| (r, false)).collect();
    let mut c = Closure::default();
    while let Some((id, ended)) = stack.pop() {
        if std::mem::replace(&mut seen[id][ended as usize], true) {
            continue;
        }
        match &nodes[id] {
            Node::Range { .. } => {
                if !ended && !matches!(next, Next::End) {
                    c.ranges.push(id);
                }
            }
            Node::Split(ts) => stack.extend(ts.iter().rev().map(|&t| (t, ended))),
            Node::AssertStart(n) => {
                if at_start {
                    stack.push((*n, ended));
                }
            }
            Node::AssertEnd(n) => {
                if !matches!(next, Next::Char { .. }) {
                    stack.push((*n, true));
                }
            }
            Node::Boundary { word, next: n } => {
                let next_word = match next {
                    _ if ended => Some(false),
                    Next::Unknown => None,
                    Next::Char { word } => Some(word),
                    Next::End => Some(false),
                };
                match next_word {
                    None => c.pending.push(id),
                    Some(w) => {
                        if (prev_word != w) == *word {
                            stack.push((*n, ended));
                        }
                    }
                }
            }
            Node::Match => {
                if ended || matches!(next, Next::End) {
                    c.accept_at_end = true;
                } else {
                    c.accept_now = true;
                    c.accept_at_end = true;
                }
            }
        }
    }
    c.ranges.sort_unstable();
    c.ranges.dedup();
    c.pending.sort_unstable();
    c.pending.dedup();
    c
}

/// A DFA state under construction: its closure and what its pending boundaries depend on.
struct Building {
    c: Closure,
    prev_word: bool,
    at_start: bool,
    transitions: Vec<(u8, u8, usize)>,
}

/// The closure of `roots` as a state, with its acceptance at the end of input decided (a
/// boundary waiting for the next character is resolved against the end).
fn state(nodes: &[Node], roots: &[usize], at_start: bool, prev_word: bool) -> Building {
    let mut c = closure(nodes, roots, at_start, prev_word, Next::Unknown);
    if !c.pending.is_empty() {
        c.accept_at_end = closure(nodes, roots, at_start, prev_word, Next::End).accept_at_end;
    }
    Building { c, prev_word, at_start, transitions: Vec::new() }
}

fn determinize(nodes: &[Node], start: usize) -> Result<Dfa, String> {
    // What tells states apart; what pending boundaries depend on counts only when some wait.
    type Key = (Vec<usize>, Vec<usize>, Option<(bool, bool)>, bool, bool);
    let key = |b: &Building| {
        let context = (!b.c.pending.is_empty()).then_some((b.prev_word, b.at_start));
        (b.c.ranges.clone(), b.c.pending.clone(), context, b.c.accept_now, b.c.accept_at_end)
    };
    let mut index: BTreeMap<Key, usize> = BTreeMap::new();
    let mut states: Vec<Building> = vec![state(nodes, &[start], true, false)];
    index.insert(key(&states[0]), 0);
    let mut work = 0;
    // Byte classes: bytes no range boundary separates behave the same, so one representative
    // per class is enough.
    let mut cuts = vec![0u16, 256];
    for n in nodes {
        match n {
            Node::Range { lo, hi, .. } => cuts.extend([*lo as u16, *hi as u16 + 1]),
            // Word and non-word bytes differ wherever a boundary is asserted.
            Node::Boundary { .. } => cuts.extend([0x30, 0x3A, 0x41, 0x5B, 0x5F, 0x60, 0x61, 0x7B]),
            _ => {}
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let classes: Vec<(u8, u8)> = cuts.windows(2).map(|w| (w[0] as u8, (w[1] - 1) as u8)).collect();
    while work < states.len() {
        let mut transitions: Vec<(u8, u8, usize)> = Vec::new();
        if !states[work].c.accept_now {
            for &(byte, last) in &classes {
                let s = &states[work];
                let word = is_word(byte);
                // Boundaries that hold before this byte open more of the pattern.
                let resumed: Vec<usize> =
                    s.c.pending
                        .iter()
                        .filter_map(|&id| match nodes[id] {
                            Node::Boundary { word: w, next } if (s.prev_word != word) == w => Some(next),
                            _ => None,
                        })
                        .collect();
                let opened = (!resumed.is_empty())
                    .then(|| closure(nodes, &resumed, s.at_start, s.prev_word, Next::Char { word }));
                let next = if opened.as_ref().is_some_and(|o| o.accept_now) {
                    // The match ended before this byte.
                    Building {
                        c: Closure { accept_now: true, accept_at_end: true, ..Closure::default() },
                        prev_word: false,
                        at_start: false,
                        transitions: Vec::new(),
                    }
                } else {
                    let ranges = s.c.ranges.iter().chain(opened.iter().flat_map(|o| o.ranges.iter()));
                    let mut targets: Vec<usize> = ranges
                        .filter_map(|&id| match nodes[id] {
                            Node::Range { lo, hi, next } if lo <= byte && byte <= hi => Some(next),
                            _ => None,
                        })
                        .collect();
                    targets.sort_unstable();
                    targets.dedup();
                    if targets.is_empty() {
                        continue;
                    }
                    let next = state(nodes, &targets, false, word);
                    if next.c.ranges.is_empty() && next.c.pending.is_empty() && !next.c.accept_at_end {
                        continue;
                    }
                    next
                };
                let k = key(&next);
                let target = match index.get(&k) {
                    Some(&t) => t,
                    None => {
                        if states.len() >= MAX_DFA {
                            return Err("pattern is too complex (its automaton exceeds the supported size)".into());
                        }
                        let t = states.len();
                        index.insert(k, t);
                        states.push(next);
                        t
                    }
                };
                match transitions.last_mut() {
                    Some(prev) if prev.2 == target && prev.1 as u16 + 1 == byte as u16 => prev.1 = last,
                    _ => transitions.push((byte, last, target)),
                }
            }
        }
        states[work].transitions = transitions;
        work += 1;
    }
    // Prune states that can never lead to a match, then renumber from the start state.
    let n = states.len();
    let mut live: Vec<bool> = states.iter().map(|b| b.c.accept_now || b.c.accept_at_end).collect();
    loop {
        let mut changed = false;
        for s in 0..n {
            if !live[s] && states[s].transitions.iter().any(|t| live[t.2]) {
                live[s] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut order = vec![usize::MAX; n];
    let mut queue = vec![0usize];
    let mut out_order = Vec::new();
    order[0] = 0;
    while let Some(s) = queue.first().copied() {
        queue.remove(0);
        out_order.push(s);
        for &(_, _, t) in &states[s].transitions {
            if live[t] && order[t] == usize::MAX {
                order[t] = out_order.len() + queue.len();
                queue.push(t);
            }
        }
    }
    let mut out = Vec::with_capacity(out_order.len());
    for &s in &out_order {
        let Building { c, transitions: ts, .. } = &states[s];
        let transitions: Vec<(u8, u8, usize)> =
            ts.iter().filter(|t| live[t.2]).map(|&(lo, hi, t)| (lo, hi, order[t])).collect();
        let expected = describe(&transitions, c.accept_at_end && !c.accept_now);
        out.push(DfaState { accept_now: c.accept_now, accept_at_end: c.accept_at_end, transitions, expected });
    }
    // Merge adjacent ranges that now point to the same state.
    for s in &mut out {
        let mut merged: Vec<(u8, u8, usize)> = Vec::new();
        for &(lo, hi, t) in &s.transitions {
            match merged.last_mut() {
                Some(last) if last.2 == t && last.1 as u16 + 1 == lo as u16 => last.1 = hi,
                _ => merged.push((lo, hi, t)),
            }
        }
        s.transitions = merged;
    }
    Ok(Dfa { states: out })
}

/// Describe what a state accepts, e.g. "`m`", "one of [0-9a-z]", "end of input".
fn describe(transitions: &[(u8, u8, usize)], end: bool) -> String {
    let mut ranges: Vec<(u8, u8)> = Vec::new();
    for &(lo, hi, _) in transitions {
        match ranges.last_mut() {
            Some(last) if last.1 as u16 + 1 == lo as u16 => last.1 = hi,
            _ => ranges.push((lo, hi)),
        }
    }
    let mut parts = Vec::new();
    let mut ascii = String::new();
    let mut count = 0u32;
    let mut non_ascii = false;
    for &(lo, hi) in &ranges {
        let hi_ascii = hi.min(0x7F);
        if lo <= 0x7F {
            count += (hi_ascii - lo) as u32 + 1;
            if lo == hi_ascii {
                ascii.push_str(&show(lo));
            } else {
                ascii.push_str(&format!("{}-{}", show(lo), show(hi_ascii)));
            }
        }
        if hi > 0x7F {
            non_ascii = true;
        }
    }
    if count == 1 && !non_ascii {
        let single = ranges.iter().find(|r| r.0 <= 0x7F).map(|r| r.0).unwrap_or(b'?');
        parts.push(format!(
            "`{}`",
            if (0x21..=0x7E).contains(&single) { (single as char).to_string() } else { format!("\\x{single:02X}") }
        ));
    } else if count > 0 {
        parts.push(format!("a character in [{ascii}]"));
    }
    if non_ascii {
        parts.push("a non-ASCII character".to_owned());
    }
    if end {
        parts.push("end of input".to_owned());
    }
    if parts.is_empty() {
        return "nothing (the pattern cannot match)".to_owned();
    }
    parts.join(" or ")
}

fn show(b: u8) -> String {
    match b {
        b'\\' | b'-' | b']' | b'[' | b'^' => format!("\\{}", b as char),
        0x21..=0x7E => (b as char).to_string(),
        _ => format!("\\x{b:02X}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttid() {
        let m = compile("^mem_(store|service)_[0-7][0-9a-z]{25}$").unwrap();
        assert!(matches!(m, Matcher::Linear(_)));
        assert!(m.is_match("mem_store_00000000000000000000000000"));
        assert!(m.is_match("mem_service_7zzzzzzzzzzzzzzzzzzzzzzzzz"));
        assert!(!m.is_match("mem_store_80000000000000000000000000"));
        assert!(!m.is_match("mem_store_0000000000000000000000000"));
        assert!(!m.is_match("xmem_store_00000000000000000000000000"));
        let Matcher::Linear(l) = m else { unreachable!() };
        assert_eq!((l.min_len, l.max_len), (36, Some(38)));
    }

    #[test]
    fn linear_or_not() {
        for p in ["^.{1,100}$", "^[^\\s]{1,1000}$", "^a{1999}$", "OR[0-9a-f]{32}", "^\\+?[1-9]\\d{1,14}$", "^[A-Z]{2}$"]
        {
            assert!(matches!(compile(p), Ok(Matcher::Linear(_))), "{p}");
        }
        // Greedy would be wrong (the run's class overlaps what follows): a DFA.
        for p in ["^a*ab$", "^.{1,3}x$", "^(ab|a)c$"] {
            assert!(matches!(compile(p), Ok(Matcher::Dfa(_))), "{p}");
        }
        let m = compile("^.{1,3}x$").unwrap();
        assert!(m.is_match("xxx") && m.is_match("abcx") && !m.is_match("abcdx"));
        assert!(compile("^(ab){1,500}$").is_err(), "too many states, and not linear");
    }

    #[test]
    fn unanchored_and_mixed() {
        let m = compile("ab+").unwrap();
        assert!(m.is_match("xxabbb"));
        assert!(!m.is_match("xxa"));
        let m = compile("^a$|b").unwrap();
        assert!(m.is_match("a"));
        assert!(m.is_match("zzbzz"));
        assert!(!m.is_match("aa"));
        let m = compile("^a*ab$").unwrap();
        assert!(m.is_match("aaab"));
        assert!(m.is_match("ab"));
        assert!(!m.is_match("b"));
    }

    #[test]
    fn non_ascii() {
        let m = compile("^[^a]$").unwrap();
        assert!(m.is_match("é"));
        assert!(m.is_match("😀"));
        assert!(!m.is_match("a"));
        let m = compile("^.$").unwrap();
        assert!(!m.is_match("\n"));
    }

    #[test]
    fn word_boundaries() {
        let m = compile("\\bfoo\\b").unwrap();
        assert!(matches!(m, Matcher::Dfa(_)));
        for (input, want) in [
            ("foo", true),
            ("a foo b", true),
            ("foo-bar", true),
            ("xfoo", false),
            ("foox", false),
            ("foo_", false),
            ("fo", false),
            ("foofoo foo", true),
            ("é foo", true),
            ("éfooé", true),
        ] {
            assert_eq!(m.is_match(input), want, "{input:?}");
        }
        let m = compile("^a\\Bb").unwrap();
        assert!(m.is_match("ab") && m.is_match("abc") && !m.is_match("a b"));
        let m = compile("^\\w+\\b-\\b\\w+$").unwrap();
        assert!(m.is_match("ab-cd") && !m.is_match("ab-") && !m.is_match("-cd"));
        let m = compile("x\\B").unwrap();
        assert!(m.is_match("xy") && !m.is_match("x") && !m.is_match("x-"));
        let m = compile("\\b$").unwrap();
        assert!(m.is_match("a") && !m.is_match("a ") && !m.is_match(""));
    }

    #[test]
    fn unsupported() {
        assert!(compile("(?i)abc").is_err());
        assert!(compile("a(?=b)").unwrap_err().contains("lookaround"));
        assert!(compile("(a)\\1").unwrap_err().contains("backreference"));
        assert!(compile("\\p{L}").is_err());
        assert!(compile("[").is_err());
    }
}
