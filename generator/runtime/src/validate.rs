//! Checks generated code runs before sending (constraints, path segments) and helpers it uses to
//! read headers. Everything here is `#[doc(hidden)]` except [`IntoParam`].

use reqwest::header::{AsHeaderName, HeaderMap};

use crate::error::ValidationError;

/// Check a string's length in characters (JSON Schema counts characters).
#[doc(hidden)]
pub fn check_length(
    value: &str,
    min: Option<u64>,
    max: Option<u64>,
    what: &'static str,
) -> Result<(), ValidationError> {
    let n = value.chars().count() as u64;
    if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
        return Err(ValidationError::new(
            what,
            None,
            bounds("characters", n as f64, min.map(|m| m as f64), max.map(|m| m as f64)),
        ));
    }
    Ok(())
}

/// Check a number against `minimum` / `maximum`.
#[doc(hidden)]
pub fn check_range(value: f64, min: Option<f64>, max: Option<f64>, what: &'static str) -> Result<(), ValidationError> {
    if min.is_some_and(|m| value < m) || max.is_some_and(|m| value > m) {
        return Err(ValidationError::new(what, None, bounds("a value", value, min, max)));
    }
    Ok(())
}

/// Check an array's length against `minItems` / `maxItems`.
#[doc(hidden)]
pub fn check_items(len: usize, min: Option<u64>, max: Option<u64>, what: &'static str) -> Result<(), ValidationError> {
    if min.is_some_and(|m| (len as u64) < m) || max.is_some_and(|m| len as u64 > m) {
        return Err(ValidationError::new(
            what,
            None,
            bounds("items", len as f64, min.map(|m| m as f64), max.map(|m| m as f64)),
        ));
    }
    Ok(())
}

fn bounds(unit: &str, got: f64, min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{unit} between {a} and {b}, got {got}"),
        (Some(a), None) => format!("{unit} of at least {a}, got {got}"),
        (None, Some(b)) => format!("{unit} of at most {b}, got {got}"),
        (None, None) => format!("{unit}, got {got}"),
    }
}

/// Serde for `Option<Option<T>>` fields: absent → `None`, `null` → `Some(None)`.
#[doc(hidden)]
pub mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serialize `Some(None)` as `null` (`None` is skipped by the field's attribute).
    pub fn serialize<T: Serialize, S: Serializer>(value: &Option<Option<T>>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    /// A present field is `Some(..)`, `null` included.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// Converts an argument into a parameter type, validating it. Implemented for the type itself,
/// references to it, and strings for validated string types.
pub trait IntoParam<T> {
    /// Convert, or say why the value is invalid.
    fn into_param(self) -> Result<T, ValidationError>;
}

impl<T> IntoParam<T> for T {
    fn into_param(self) -> Result<T, ValidationError> {
        Ok(self)
    }
}

impl IntoParam<String> for &str {
    fn into_param(self) -> Result<String, ValidationError> {
        Ok(self.to_owned())
    }
}

impl IntoParam<String> for &String {
    fn into_param(self) -> Result<String, ValidationError> {
        Ok(self.clone())
    }
}

/// Characters kept as-is in a path segment (RFC 3986 unreserved); everything else is encoded.
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Append `value` to `path` as one percent-encoded path segment. `.` and `..` (also when
/// percent-encoded) are dot segments that URL parsing removes, which would send the request to
/// another resource, so they are rejected. The empty string is rejected too.
#[doc(hidden)]
pub fn push_segment(path: &mut String, value: &str, name: &'static str) -> Result<(), ValidationError> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(ValidationError::new(name, None, "a path segment other than \"\", \".\" or \"..\""));
    }
    if value.bytes().all(|b| UNRESERVED[b as usize]) {
        // Nothing to encode (the common case for identifiers).
        path.push_str(value);
    } else {
        path.extend(percent_encoding::utf8_percent_encode(value, SEGMENT));
    }
    Ok(())
}

/// RFC 3986 unreserved bytes: ALPHA / DIGIT / "-" / "." / "_" / "~".
static UNRESERVED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    t
};

/// Read a header as text (`name` is best a `HeaderName` built at compile time: a `&str` is
/// parsed on every call).
#[doc(hidden)]
pub fn header_str(headers: &HeaderMap, name: impl AsHeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Read and parse a header; unparsable values become `None`.
#[doc(hidden)]
pub fn header_parse<T: std::str::FromStr>(headers: &HeaderMap, name: impl AsHeaderName) -> Option<T> {
    headers.get(name).and_then(|v| v.to_str().ok()).and_then(|s| s.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        let mut p = String::new();
        push_segment(&mut p, "a/b c?d#%", "id").unwrap();
        assert_eq!(p, "a%2Fb%20c%3Fd%23%25");
        for dot in ["", ".", ".."] {
            assert!(push_segment(&mut String::new(), dot, "id").is_err(), "{dot:?}");
        }
        let mut p = String::new();
        push_segment(&mut p, "...", "id").unwrap();
        assert_eq!(p, "...");
    }
}
