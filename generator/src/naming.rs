//! Every naming decision: identifiers from spec names (heck + keyword handling), uniqueness,
//! and spec text made safe for rustdoc.
//!
//! Architecture invariant: no other module invents an identifier from spec text.

use std::collections::BTreeSet;

use heck::{ToPascalCase, ToSnakeCase};

/// Words that cannot be identifiers even as raw identifiers (`r#self` is invalid).
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "extern", "_"];

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen", "union",
];

/// Reduce spec text to identifier-friendly words before case conversion.
fn words(input: &str) -> String {
    input.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect::<String>()
}

fn fix_start(mut s: String, fallback: &str) -> String {
    if s.is_empty() {
        s = fallback.to_owned();
    }
    if s.chars().all(|c| c.is_ascii_digit() || c == '_') {
        // Only digits (`3.0.3`): a name, not a number (`_3_0_3` would read as one).
        s.insert(0, 'v');
    } else if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

/// An HTTP header name: an RFC 9110 token.
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A snake_case identifier for fields, parameters and methods (`type` → `r#type`).
pub fn snake(input: &str) -> String {
    let s = fix_start(words(input).to_snake_case(), "value");
    keyword_safe(s)
}

/// The `with_...` setter for a field's Rust name.
pub fn setter(field: &str) -> String {
    format!("with_{}", field.trim_start_matches("r#").trim_start_matches('_').trim_end_matches('_'))
}

/// A PascalCase identifier for types and variants.
pub fn pascal(input: &str) -> String {
    let s = words(input).to_pascal_case();
    let s = if s.starts_with(|c: char| c.is_ascii_digit()) { format!("V{s}") } else { s };
    let s = if s.is_empty() { "Value".to_owned() } else { s };
    keyword_safe(s)
}

fn keyword_safe(s: String) -> String {
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// Hands out unique names in one namespace; collisions get `2`, `3`, … suffixes, in the
/// (deterministic) order names are requested. A name that collides with a *reserved* name (one
/// the runtime or the generated code owns) first tries a fixed suffix (`ValidationError` →
/// `ValidationErrorModel`, a `retry` parameter → `retry_param`).
#[derive(Debug, Default)]
pub struct Namespace {
    taken: BTreeSet<String>,
    reserved: BTreeSet<String>,
    suffix: Option<&'static str>,
}

impl Namespace {
    /// A namespace with some names reserved up front.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        let reserved: BTreeSet<String> = reserved.iter().map(|s| s.to_string()).collect();
        Namespace { taken: reserved.clone(), reserved, suffix: None }
    }

    /// Names that collide with a reserved one try `{name}{suffix}` first.
    #[must_use]
    pub fn on_reserved_suffix(mut self, suffix: &'static str) -> Self {
        self.suffix = Some(suffix);
        self
    }

    /// Claim `base`, or a free variant of it.
    pub fn claim(&mut self, base: &str) -> String {
        let bare = base.trim_start_matches("r#");
        if self.taken.insert(bare.to_owned()) {
            return base.to_owned();
        }
        let mut stem = bare.trim_end_matches('_').to_owned();
        if let Some(suffix) = self.suffix.filter(|_| self.reserved.contains(bare)) {
            stem.push_str(suffix);
            if self.taken.insert(stem.clone()) {
                return stem;
            }
        }
        for i in 2.. {
            let candidate = format!("{stem}{i}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
        unreachable!("an unbounded counter always finds a free name")
    }

    /// Whether `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name.trim_start_matches("r#"))
    }
}

/// The HTTP reason phrase of a status, as a variant name.
pub fn status_variant(code: u16) -> String {
    let name = match code {
        100 => "Continue",
        101 => "SwitchingProtocols",
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritativeInformation",
        204 => "NoContent",
        205 => "ResetContent",
        206 => "PartialContent",
        300 => "MultipleChoices",
        301 => "MovedPermanently",
        302 => "Found",
        303 => "SeeOther",
        304 => "NotModified",
        307 => "TemporaryRedirect",
        308 => "PermanentRedirect",
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        408 => "RequestTimeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "LengthRequired",
        412 => "PreconditionFailed",
        413 => "ContentTooLarge",
        415 => "UnsupportedMediaType",
        416 => "RangeNotSatisfiable",
        422 => "UnprocessableContent",
        423 => "Locked",
        424 => "FailedDependency",
        428 => "PreconditionRequired",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => return format!("Status{code}"),
    };
    name.to_owned()
}

/// Spec prose → rustdoc lines: no HTML blocks or doctests, bare URLs linked, brackets escaped.
pub fn docs(text: Option<&str>) -> Vec<String> {
    let Some(text) = text else { return Vec::new() };
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in text.trim().lines() {
        let line = line.trim_end();
        if line.trim_start().starts_with("```") {
            // Foreign code blocks must never run as doctests.
            if in_fence {
                out.push("```".to_owned());
            } else {
                out.push("```text".to_owned());
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_owned());
            continue;
        }
        out.push(sanitize_line(line));
    }
    if in_fence {
        out.push("```".to_owned());
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    out
}

fn sanitize_line(line: &str) -> String {
    // Indented text would become a code block (and a doctest): flatten it.
    let line = line.trim_start();
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while !rest.is_empty() {
        if let Some(url_len) = url_at(rest) {
            let url = &rest[..url_len];
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url_len..];
            continue;
        }
        let c = rest.chars().next().expect("non-empty");
        match c {
            '[' | ']' | '<' | '>' | '`' | '*' | '_' | '#' | '|' => {
                if c == '<' || c == '>' {
                    out.push_str(if c == '<' { "&lt;" } else { "&gt;" });
                } else if c == '#' && out.is_empty() {
                    out.push_str("\\#");
                } else if matches!(c, '[' | ']') {
                    out.push('\\');
                    out.push(c);
                } else {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn url_at(s: &str) -> Option<usize> {
    if !(s.starts_with("http://") || s.starts_with("https://")) {
        return None;
    }
    let end = s.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`' | ')' | ']')).unwrap_or(s.len());
    let url = s[..end].trim_end_matches(['.', ',', ';', ':']);
    Some(url.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("statusUrl"), "status_url");
        assert_eq!(snake("X-RateLimit-Limit"), "x_rate_limit_limit");
        assert_eq!(snake("1st"), "_1st");
        assert_eq!(snake("3.0.3"), "v3_0_3");
        assert_eq!(pascal("Self"), "Self_");
        assert_eq!(pascal("mem_store"), "MemStore");
        assert_eq!(pascal("2fa"), "V2fa");
        assert_eq!(snake("---"), "value");
    }

    #[test]
    fn namespace() {
        let mut ns = Namespace::with_reserved(&["Error"]);
        assert_eq!(ns.claim("Error"), "Error2");
        let mut ns = Namespace::with_reserved(&["Error", "retry"]).on_reserved_suffix("Model");
        assert_eq!(ns.claim("Error"), "ErrorModel");
        assert_eq!(ns.claim("Error"), "ErrorModel2");
        assert_eq!(ns.claim("ProfileId"), "ProfileId");
        assert_eq!(ns.claim("ProfileId"), "ProfileId2");
    }

    #[test]
    fn docs_are_safe() {
        let d = docs(Some("See https://example.com/x. Use [brackets] and <b>.\n    indented\n```js\nx()\n```"));
        assert_eq!(d[0], "See <https://example.com/x>. Use \\[brackets\\] and &lt;b&gt;.");
        assert_eq!(d[1], "indented");
        assert_eq!(d[2], "```text");
    }
}
