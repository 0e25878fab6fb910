//! The slow half of a generated pattern check. Generated code decides *whether* a value
//! matches with straight-line code of its own; when it does not, this module says *where* and
//! *what was expected*, from a static description of the pattern, and only when asked (an
//! error's `offset()`, `expected()` or `Display`), so a rejected value costs no more than an
//! accepted one.

/// One piece of a linear pattern (see the generator's `ir::Linear`).
#[doc(hidden)]
#[derive(Debug)]
pub enum Piece {
    /// A literal.
    Literal(&'static str),
    /// One of several literals, none a prefix of another.
    Choice(&'static [&'static str], &'static str),
    /// `min..=max` characters of a class (`max == u32::MAX`: unbounded).
    Run {
        /// The class, as sorted inclusive ranges.
        ranges: &'static [(char, char)],
        /// Fewest characters.
        min: u32,
        /// Most characters.
        max: u32,
        /// What the class expects, for messages.
        expected: &'static str,
    },
}

/// A linear pattern, described for [`LinearPattern::explain`].
#[doc(hidden)]
#[derive(Debug)]
pub struct LinearPattern {
    /// `^`.
    pub anchored_start: bool,
    /// `$`.
    pub anchored_end: bool,
    /// The pieces, matched greedily in order.
    pub pieces: &'static [Piece],
    /// What is expected where the input should end.
    pub end_expected: &'static str,
}

fn in_class(ranges: &[(char, char)], c: char) -> bool {
    ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi)
}

impl LinearPattern {
    /// Where `s` (which does not match) goes wrong: the byte offset and what was expected.
    pub fn explain(&self, s: &str) -> (usize, &'static str) {
        if !self.anchored_start {
            return (0, "a match of the pattern somewhere in the value");
        }
        let b = s.as_bytes();
        let mut i = 0;
        for p in self.pieces {
            match p {
                Piece::Literal(l) => {
                    if !s[i..].starts_with(l) {
                        let j = b[i..].iter().zip(l.as_bytes()).take_while(|(x, y)| x == y).count();
                        // The literal's character that the mismatch is part of.
                        let start = (0..=j).rev().find(|&k| l.is_char_boundary(k)).unwrap_or(0);
                        let end = (j + 1..=l.len()).find(|&k| l.is_char_boundary(k)).unwrap_or(l.len());
                        return (i + j, literal_char(&l[start..end]));
                    }
                    i += l.len();
                }
                Piece::Choice(options, expected) => match options.iter().find(|o| s[i..].starts_with(**o)) {
                    Some(o) => i += o.len(),
                    None => {
                        // Where the value leaves the option it follows furthest.
                        let common = |o: &str| b[i..].iter().zip(o.as_bytes()).take_while(|(x, y)| x == y).count();
                        let best = options.iter().map(|o| common(o)).max().unwrap_or(0);
                        let next: Vec<&str> = options
                            .iter()
                            .filter(|o| common(o) == best)
                            .filter_map(|o| {
                                o.get(best..)
                                    .and_then(|rest| rest.chars().next())
                                    .map(|c| &o[best..best + c.len_utf8()])
                            })
                            .collect();
                        return match next.as_slice() {
                            [one] if best > 0 => (i + best, literal_char(one)),
                            _ => (i, expected),
                        };
                    }
                },
                Piece::Run { ranges, min, max, expected } => {
                    let mut n = 0u32;
                    for c in s[i..].chars() {
                        if n == *max || !in_class(ranges, c) {
                            break;
                        }
                        i += c.len_utf8();
                        n += 1;
                    }
                    if n < *min {
                        return (i, expected);
                    }
                }
            }
        }
        if self.anchored_end && i != s.len() {
            return (i, self.end_expected);
        }
        (s.len(), "a value that matches")
    }
}

/// "`c`" for a literal's character, as a static string for the common ASCII characters.
fn literal_char(c: &str) -> &'static str {
    const ASCII: &str = "`\u{0}``\u{1}``\u{2}``\u{3}``\u{4}``\u{5}``\u{6}``\u{7}``\u{8}``\u{9}``\u{a}``\u{b}``\u{c}``\u{d}``\u{e}``\u{f}``\u{10}``\u{11}``\u{12}``\u{13}``\u{14}``\u{15}``\u{16}``\u{17}``\u{18}``\u{19}``\u{1a}``\u{1b}``\u{1c}``\u{1d}``\u{1e}``\u{1f}`` ``!``\"``#``$``%``&``'``(``)``*``+``,``-``.``/``0``1``2``3``4``5``6``7``8``9``:``;``<``=``>``?``@``A``B``C``D``E``F``G``H``I``J``K``L``M``N``O``P``Q``R``S``T``U``V``W``X``Y``Z``[``\\``]``^``_`````a``b``c``d``e``f``g``h``i``j``k``l``m``n``o``p``q``r``s``t``u``v``w``x``y``z``{``|``}``~``\u{7f}`";
    match c.as_bytes() {
        [b] if b.is_ascii() => {
            let k = *b as usize * 3;
            &ASCII[k..k + 3]
        }
        _ => "a character of the pattern's literal text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static TTID: LinearPattern = LinearPattern {
        anchored_start: true,
        anchored_end: true,
        pieces: &[
            Piece::Literal("mem_"),
            Piece::Choice(&["store", "service"], "`store` or `service`"),
            Piece::Literal("_"),
            Piece::Run { ranges: &[('0', '7')], min: 1, max: 1, expected: "a character in [0-7]" },
            Piece::Run { ranges: &[('0', '9'), ('a', 'z')], min: 25, max: 25, expected: "a character in [0-9a-z]" },
        ],
        end_expected: "end of input",
    };

    #[test]
    fn explains_the_first_problem() {
        let z = "z".repeat(25);
        assert_eq!(TTID.explain("mex"), (2, "`m`"));
        assert_eq!(TTID.explain("mem_stor"), (8, "`e`"));
        assert_eq!(TTID.explain("mem_x"), (4, "`store` or `service`"));
        assert_eq!(TTID.explain(&format!("mem_store_8{z}")), (10, "a character in [0-7]"));
        assert_eq!(TTID.explain(&format!("mem_store_0{}A", "z".repeat(24))), (35, "a character in [0-9a-z]"));
        assert_eq!(TTID.explain(&format!("mem_store_0{z}z")), (36, "end of input"));
        assert_eq!(literal_char("_"), "`_`");
        assert_eq!(literal_char("`"), "```");
    }
}
