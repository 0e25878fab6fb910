//! JSON pointers (RFC 6901): how the generator names a place in a spec.

/// Escape one token.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Undo [`escape`].
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Append a token to a pointer in place (walks reuse one buffer: push, recurse, truncate).
pub fn push(pointer: &mut String, token: &str) {
    pointer.push('/');
    if token.contains(['~', '/']) {
        pointer.push_str(&escape(token));
    } else {
        pointer.push_str(token);
    }
}

/// Append an array index to a pointer in place.
pub fn push_index(pointer: &mut String, index: usize) {
    use std::fmt::Write as _;
    let _ = write!(pointer, "/{index}");
}

/// Append a token to a pointer.
pub fn join(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    push(&mut out, token);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(join("/paths", "/a/{b}"), "/paths/~1a~1{b}");
        assert_eq!(join("", "a~b"), "/a~0b");
        assert_eq!(unescape(&escape("~/x~1")), "~/x~1");
    }
}
