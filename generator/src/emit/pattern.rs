//! DFA → straight-line matching code: chains of single-successor states become literal and
//! class runs, so the only branches left are the pattern's real choice points.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::ir::Matcher;

/// Tokens for `fn check(b: &[u8]) -> Result<(), (usize, &'static str)>`'s body.
pub fn matcher_body(m: &Matcher) -> TokenStream {
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
fn chain(m: &Matcher, single: &[Option<usize>], start: usize) -> (Vec<Step>, usize) {
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
    m: &Matcher,
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
            Some(_) => Err((i, #expected)),
        }
    })
}

/// A target state and the byte ranges that lead to it.
type Targets = (usize, Vec<(u8, u8)>);

/// A state's self-loop code (a `while` over the bytes that stay in the state) and its other
/// transitions grouped by target.
fn split_transitions(m: &Matcher, s: usize) -> (TokenStream, Vec<Targets>) {
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

fn ranges_of(m: &Matcher, s: usize) -> Vec<(u8, u8)> {
    m.states[s].transitions.iter().map(|t| (t.0, t.1)).collect()
}

fn same_ranges(m: &Matcher, a: usize, b: usize) -> bool {
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

fn emit_run(m: &Matcher, run: &[usize]) -> Step {
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
fn merge_literals(m: &Matcher, body: Vec<Step>) -> Vec<TokenStream> {
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

fn emit_general(m: &Matcher, s: usize, multi: bool) -> TokenStream {
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
    quote! {
        #skip
        match b.get(i).copied() {
            None => #at_end,
            #(#arms)*
            Some(_) => return Err((i, #expected)),
        }
    }
}
