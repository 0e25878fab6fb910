//! A call's URL from the client's base URL and the call's path.
//!
//! The URL is what parsing the base URL's text followed by the path gives. Parsing all of it
//! for every call parses the scheme and host again (a host name goes through IDNA mapping),
//! about as much work as the rest of building a request. So a client parses its base once,
//! and a call parses only its path, resolved against the parsed base: the same URL whenever
//! the base's text is the parsed URL's own (see [`parse_base`]) and the path starts with
//! exactly one `/` (otherwise the whole URL is parsed, as before).

use reqwest::Url;

/// The base parsed, if calls can resolve their paths against it: an `http` or `https` URL that
/// parses, whose text is its serialization (so the path text a call would follow is
/// `Url::path`), with no trailing `/` (the client trims it), no query or fragment, and a path
/// that does not start with `//` (it would read as a host once a call's path is resolved).
pub(crate) fn parse_base(base: &str) -> Option<Url> {
    if base.ends_with('/') {
        return None;
    }
    let url = Url::parse(base).ok()?;
    let text = url.as_str();
    // A root path serializes as one `/`.
    let canonical = text == base || (url.path() == "/" && text.strip_suffix('/') == Some(base));
    let usable = matches!(url.scheme(), "http" | "https")
        && url.query().is_none()
        && url.fragment().is_none()
        && !url.path().starts_with("//");
    (canonical && usable).then_some(url)
}

/// The URL `base` followed by `path` names, parsed whole.
pub(crate) fn parse_whole(base: &str, path: &str) -> Result<Url, url_error::ParseError> {
    let mut full = String::with_capacity(base.len() + path.len());
    full.push_str(base);
    full.push_str(path);
    Url::parse(&full)
}

/// `base` (from [`parse_base`]) followed by `path`, with room for a query of `query_len`
/// bytes: the URL [`parse_whole`] gives for the base's text, parsing only the path.
pub(crate) fn join_path(base: &Url, path: &str, query_len: usize) -> Result<Url, url_error::ParseError> {
    let prefix = match base.path() {
        "/" => "",
        p => p,
    };
    // Resolved against a base, `//x` or `/\x` would name a host and `x` a sibling of the
    // base's last segment; after the base's text they are just path. The parser drops tabs and
    // newlines first, so `/<tab>/x` reads as `//x`.
    let mut read = path.bytes().filter(|b| !matches!(b, b'\t' | b'\n' | b'\r'));
    let plain = read.next() == Some(b'/') && !matches!(read.next(), Some(b'/' | b'\\'));
    let joinable = plain || (path.is_empty() && prefix.is_empty());
    if !joinable {
        return parse_whole(base.as_str().strip_suffix('/').unwrap_or(base.as_str()), path);
    }
    // The parser sizes the URL's buffer by its input, which holds only the path: trailing
    // spaces, which URL parsing strips, make room for the scheme and host it copies from the
    // base and for the call's query set later, so the buffer is not grown (growing is a
    // `realloc`, which takes the allocator's lock) unless the parser percent-encodes characters
    // of the path or authorization adds to the query.
    let room = base.as_str().len() + 1 + query_len;
    let mut input = String::with_capacity(prefix.len() + path.len() + room);
    input.push_str(prefix);
    input.push_str(path);
    input.extend(std::iter::repeat(' ').take(room));
    Url::options().base_url(Some(base)).parse(&input)
}

/// `reqwest` does not re-export `url::ParseError` by that path.
mod url_error {
    pub(crate) type ParseError = <reqwest::Url as std::str::FromStr>::Err;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_joined_path_is_the_whole_url_parsed() {
        let bases = [
            "https://memory.twilio.com",
            "http://127.0.0.1:8080",
            "https://example.com:443",
            "https://EXAMPLE.com/api",
            "https://example.com/api/v2",
            "https://example.com/a/%2e",
            "https://example.com/a/..",
            "https://b\u{fc}cher.example",
            "https://example.com/api?k=v",
            "https://example.com/api#f",
            "http://[::1]:9000/x",
            "https://example.com//api",
            "https://example.com/api/",
            "https://example.com/",
            "foo:/.//a",
            "file:///tmp",
        ];
        let paths = [
            "",
            "/",
            "/v1/ControlPlane/Stores/mem_store_01h9krwzhcf3bdm6wdzwpvc3zj",
            "/v1/a%2Fb/c",
            "/v1/./x/../y",
            "/v1/%2e%2e/y",
            "/..",
            "//evil.example/x",
            "/\\evil.example/x",
            "\\x",
            "x/y",
            "/a b/\u{e9}",
            "/a?b=c",
            "/a#frag",
            "/a/",
            "/a//b",
            "/a\\b",
            "/a\tb",
            "/a ",
            "/\t/evil.example/x",
            "/\n\\evil.example/x",
            "/\r/x",
            "/\t/",
            "\t/x",
            "/%2e%2E/x",
            "/\u{e9}/\u{e9}",
        ];
        for base in bases {
            let parsed = parse_base(base);
            for path in paths {
                let whole = parse_whole(base, path).map(String::from).ok();
                if let Some(b) = &parsed {
                    let joined = join_path(b, path, 0).map(String::from).ok();
                    assert_eq!(joined, whole, "base {base:?}, path {path:?}");
                }
            }
        }
        assert!(parse_base("https://memory.twilio.com").is_some());
        assert!(parse_base("https://example.com/api/v2").is_some());
        // Not canonical, with a query, a path starting `//`, a trailing `/`, another scheme:
        // every call parses the whole URL.
        for base in [
            "https://EXAMPLE.com/api",
            "https://example.com/api?k=v",
            "",
            "https://example.com//api",
            "https://example.com/api/",
            "foo:/.//a",
            "file:///tmp",
        ] {
            assert!(parse_base(base).is_none(), "{base}");
        }
    }

    #[test]
    fn the_buffer_has_room_for_the_query() {
        let base = parse_base("https://memory.twilio.com").unwrap();
        let mut url = join_path(&base, "/v1/Stores", 12).unwrap();
        url.set_query(Some("pageSize=100"));
        assert_eq!(url.as_str(), "https://memory.twilio.com/v1/Stores?pageSize=100");
        // Never grown: still the capacity the parser gave it (the padded input's length).
        let room = "https://memory.twilio.com/".len() + 1 + 12;
        assert_eq!(String::from(url).capacity(), "/v1/Stores".len() + room);
    }
}
