//! The cold half of a generated pattern check. Generated code says yes or no with straight-line
//! code of its own; for a value it rejects, its `locate` (run only when the error is looked at)
//! walks the value again and, at the branch where it goes wrong, knows the offset and what was
//! expected there. These helpers finish the cases that need another look at the value: how far
//! it follows a literal, which option of a choice it follows furthest, and where a counted run
//! breaks.

/// Where `b[i..]`, which does not start with `lit`, leaves it: the offset of the first differing
/// byte, and the literal's character expected there.
#[doc(hidden)]
#[cold]
pub fn literal_miss(b: &[u8], i: usize, lit: &'static str) -> (usize, &'static str) {
    let j = common_prefix(&b[i..], lit);
    // The literal's character that the mismatch is part of.
    let start = (0..=j).rev().find(|&k| lit.is_char_boundary(k)).unwrap_or(0);
    let end = (j + 1..=lit.len()).find(|&k| lit.is_char_boundary(k)).unwrap_or(lit.len());
    (i + j, literal_char(&lit[start..end]))
}

/// [`literal_miss`] for an ASCII literal: the offset of the first differing byte, and the
/// literal's byte expected there.
#[doc(hidden)]
#[inline]
pub fn ascii_literal_miss(b: &[u8], i: usize, lit: &'static [u8]) -> (usize, &'static str) {
    let j = common_prefix(&b[i..], lit);
    // `b[i..]` does not start with `lit`, so `j < lit.len()`; `min` keeps the index in range.
    (i + j, ascii_char(lit[j.min(lit.len() - 1)]))
}

/// Where `b[i..]`, which starts with none of `options`, goes wrong: past the part of the option
/// it follows furthest, expecting that option's next character, when one option is the clear
/// candidate; otherwise at `i`, expecting `expected` (all the options).
#[doc(hidden)]
#[cold]
pub fn choice_miss(
    b: &[u8],
    i: usize,
    options: &'static [&'static str],
    expected: &'static str,
) -> (usize, &'static str) {
    let best = options.iter().map(|o| common_prefix(&b[i..], o)).max().unwrap_or(0);
    let mut next = options
        .iter()
        .filter(|o| common_prefix(&b[i..], o) == best)
        .filter_map(|o| o.get(best..).and_then(|rest| rest.chars().next()).map(|c| &o[best..best + c.len_utf8()]));
    match (next.next(), next.next()) {
        (Some(one), None) if best > 0 => (i + best, literal_char(one)),
        _ => (i, expected),
    }
}

/// Whether the `N` bytes from `b[i]` are all in the class (`false` for a value too short for
/// the run). Branch-free over the run, and `N` a constant, so the compiler can unroll and
/// vectorize it; inlined into each pattern's `matches`.
#[doc(hidden)]
#[inline(always)]
pub fn run_all<const N: usize>(b: &[u8], i: usize, in_class: impl Fn(u8) -> bool) -> bool {
    match b.get(i..i + N) {
        Some(run) => run.iter().fold(true, |ok, &c| ok & in_class(c)),
        None => false,
    }
}

/// Where a run of exactly `N` bytes of a class, from `b[i]`, goes wrong: the first byte outside
/// the class (or the end of a value too short for the run), or `None` when the run is there.
/// `N` is a constant so the test below is unrolled and vectorized.
#[doc(hidden)]
#[inline(never)]
pub fn run_miss<const N: usize>(b: &[u8], i: usize, in_class: impl Fn(u8) -> bool) -> Option<usize> {
    let Some(run) = b.get(i..i + N) else {
        return Some(i + b[i..].iter().take_while(|&&c| in_class(c)).count());
    };
    if N <= 64 {
        // One bit per byte outside the class, branch-free; the lowest is it.
        let miss = run.iter().enumerate().fold(0u64, |m, (k, &c)| m | (u64::from(!in_class(c)) << k));
        return (miss != 0).then(|| i + miss.trailing_zeros() as usize);
    }
    run.iter().position(|&c| !in_class(c)).map(|k| i + k)
}

/// How many leading bytes `b` shares with `lit`.
fn common_prefix(b: &[u8], lit: impl AsRef<[u8]>) -> usize {
    b.iter().zip(lit.as_ref()).take_while(|(x, y)| x == y).count()
}

/// "`c`" for a literal's character, as a static string for the common ASCII characters.
fn literal_char(c: &str) -> &'static str {
    match c.as_bytes() {
        [b] if b.is_ascii() => ascii_char(*b),
        _ => "a character of the pattern's literal text",
    }
}

/// "`c`" for an ASCII byte `c`, from one static table.
#[inline]
fn ascii_char(c: u8) -> &'static str {
    const ASCII: &str = "`\u{0}``\u{1}``\u{2}``\u{3}``\u{4}``\u{5}``\u{6}``\u{7}``\u{8}``\u{9}``\u{a}``\u{b}``\u{c}``\u{d}``\u{e}``\u{f}``\u{10}``\u{11}``\u{12}``\u{13}``\u{14}``\u{15}``\u{16}``\u{17}``\u{18}``\u{19}``\u{1a}``\u{1b}``\u{1c}``\u{1d}``\u{1e}``\u{1f}`` ``!``\"``#``$``%``&``'``(``)``*``+``,``-``.``/``0``1``2``3``4``5``6``7``8``9``:``;``<``=``>``?``@``A``B``C``D``E``F``G``H``I``J``K``L``M``N``O``P``Q``R``S``T``U``V``W``X``Y``Z``[``\\``]``^``_`````a``b``c``d``e``f``g``h``i``j``k``l``m``n``o``p``q``r``s``t``u``v``w``x``y``z``{``|``}``~``\u{7f}`";
    let k = usize::from(c & 0x7f) * 3;
    &ASCII[k..k + 3]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(literal_miss(b"mex", 0, "mem_"), (2, "`m`"));
        assert_eq!(literal_miss(b"xx_mem", 3, "mem_"), (6, "`_`"));
        // The first differing byte, inside a character of more than one byte.
        assert_eq!(literal_miss("aé".as_bytes(), 0, "aè"), (2, "a character of the pattern's literal text"));
        assert_eq!(literal_char("_"), "`_`");
        assert_eq!(literal_char("`"), "```");
        assert_eq!(ascii_literal_miss(b"xem_", 0, b"mem_"), (0, "`m`"));
        assert_eq!(ascii_literal_miss(b"ab_mex", 3, b"mem_"), (5, "`m`"));
        // The value ends inside the literal.
        assert_eq!(ascii_literal_miss(b"ab_me", 3, b"mem_"), (5, "`m`"));
        assert_eq!(ascii_literal_miss(b"mem", 0, b"mem_"), (3, "`_`"));
    }

    #[test]
    fn runs() {
        let digit = |c: u8| c.is_ascii_digit();
        assert_eq!(run_miss::<3>(b"ab123", 2, digit), None);
        assert_eq!(run_miss::<3>(b"ab1x3", 2, digit), Some(3));
        assert_eq!(run_miss::<3>(b"ab12", 2, digit), Some(4));
        let long = [b'7'; 100];
        assert_eq!(run_miss::<100>(&long, 0, digit), None);
        let mut bad = long;
        bad[70] = b'x';
        assert_eq!(run_miss::<100>(&bad, 0, digit), Some(70));
        assert_eq!(run_miss::<50>(&bad, 10, digit), None);
        // `run_all` answers what `run_miss` finds, without the place.
        for (b, i) in [(&b"ab123"[..], 2), (b"ab1x3", 2), (b"ab12", 2), (b"123", 0), (b"12", 0)] {
            assert_eq!(run_all::<3>(b, i, digit), run_miss::<3>(b, i, digit).is_none(), "{b:?} {i}");
        }
        assert!(run_all::<100>(&long, 0, digit));
        assert!(!run_all::<100>(&bad, 0, digit));
        assert!(run_all::<50>(&bad, 10, digit));
    }

    #[test]
    fn choices() {
        let options: &[&str] = &["store", "service"];
        let all = "`store` or `service`";
        assert_eq!(choice_miss(b"mem_stor", 4, options, all), (8, "`e`"));
        assert_eq!(choice_miss(b"mem_sto_", 4, options, all), (7, "`r`"));
        assert_eq!(choice_miss(b"mem_x", 4, options, all), (4, all));
        // Both options follow `s` equally far: no single next character.
        assert_eq!(choice_miss(b"mem_s", 4, options, all), (4, all));
    }
}
