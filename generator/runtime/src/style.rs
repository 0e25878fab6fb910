//! Parameter serialization by OpenAPI 3.0 `style` and `explode` (the specification's
//! "Style Examples" table): primitives, arrays and objects in the path (`simple`, `label`,
//! `matrix`), the query (`form`, `spaceDelimited`, `pipeDelimited`, `deepObject`) and headers
//! (`simple`). Values are serialized with serde, so any generated type can be a parameter;
//! object properties keep their declared order.
//!
//! Everything here is `#[doc(hidden)]`: generated code calls it.

use std::fmt::Write as _;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::ValidationError;

/// How a parameter is serialized (OpenAPI `style`).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Query default: `color=blue`, `color=blue&color=black`, `R=100&G=200`.
    Form,
    /// Query arrays joined by `%20`.
    SpaceDelimited,
    /// Query arrays joined by `|`.
    PipeDelimited,
    /// Query objects as `color[R]=100`.
    DeepObject,
    /// Path and header default: `blue`, `blue,black`, `R,100,G,200`.
    Simple,
    /// Path: `.blue`, `.blue.black`.
    Label,
    /// Path: `;color=blue`, `;color=blue,black`.
    Matrix,
}

/// A parameter value, flattened: what the style rules distinguish.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Null,
    /// A string.
    Scalar(String),
    /// A number or boolean, as its JSON text.
    Literal(String),
    Array(Vec<Node>),
    /// Properties in declared order.
    Object(Vec<(String, Node)>),
}

impl Node {
    /// Text of a value inside an array or object (nested structures as compact JSON).
    fn text(&self) -> String {
        match self {
            Node::Null => String::new(),
            Node::Scalar(s) | Node::Literal(s) => s.clone(),
            Node::Array(items) => {
                format!("[{}]", items.iter().map(Node::json).collect::<Vec<_>>().join(","))
            }
            Node::Object(_) => self.json(),
        }
    }

    fn json(&self) -> String {
        match self {
            Node::Null => "null".to_owned(),
            Node::Scalar(s) => serde_json::to_string(s).unwrap_or_default(),
            Node::Literal(s) => s.clone(),
            Node::Array(items) => format!("[{}]", items.iter().map(Node::json).collect::<Vec<_>>().join(",")),
            Node::Object(props) => format!(
                "{{{}}}",
                props
                    .iter()
                    .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap_or_default(), v.json()))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Literal(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Literal(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Literal(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Literal(serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string())))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Scalar(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(n) = seq.next_element()? {
                    items.push(n);
                }
                Ok(Node::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut props = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Node>()? {
                    props.push((k, v));
                }
                Ok(Node::Object(props))
            }
        }
        d.deserialize_any(V)
    }
}

/// The value as a [`Node`], properties in declared order (serialized to JSON text, which keeps
/// field order, then read back in order).
fn node<T: serde::Serialize + ?Sized>(value: &T, name: &'static str) -> Result<Node, ValidationError> {
    let text = serde_json::to_string(value).map_err(|e| ValidationError::new(name, None, e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| ValidationError::new(name, None, e.to_string()))
}

/// Characters kept as-is in a query or path value (RFC 3986 unreserved); everything else,
/// including the delimiters this module adds, is percent-encoded.
const COMPONENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

fn encode(text: &str, out: &mut String) {
    out.extend(percent_encoding::utf8_percent_encode(text, COMPONENT));
}

/// Append `name=text` to a query string (both percent-encoded).
#[doc(hidden)]
pub fn query_pair(query: &mut String, name: &str, text: &str) {
    if !query.is_empty() {
        query.push('&');
    }
    encode(name, query);
    query.push('=');
    encode(text, query);
}

/// Append a query parameter of any shape, by `style` and `explode`.
#[doc(hidden)]
pub fn query_param<T: serde::Serialize + ?Sized>(
    query: &mut String,
    name: &'static str,
    value: &T,
    style: Style,
    explode: bool,
) -> Result<(), ValidationError> {
    let what = name;
    match node(value, what)? {
        Node::Null => query_pair(query, name, ""),
        Node::Scalar(s) | Node::Literal(s) => query_pair(query, name, &s),
        Node::Array(items) => {
            let texts: Vec<String> = items.iter().map(Node::text).collect();
            if explode {
                for t in &texts {
                    query_pair(query, name, t);
                }
            } else {
                query_joined(query, name, &texts, separator(style));
            }
        }
        Node::Object(props) => match (style, explode) {
            (Style::DeepObject, _) => {
                for (k, v) in &props {
                    if !query.is_empty() {
                        query.push('&');
                    }
                    encode(name, query);
                    query.push('[');
                    encode(k, query);
                    query.push_str("]=");
                    encode(&v.text(), query);
                }
            }
            (Style::Form, true) => {
                for (k, v) in &props {
                    query_pair(query, k, &v.text());
                }
            }
            _ => {
                let texts: Vec<String> = props.iter().flat_map(|(k, v)| [k.clone(), v.text()]).collect();
                query_joined(query, name, &texts, separator(style));
            }
        },
    }
    Ok(())
}

/// The (already encoded) separator of a non-exploded array or object.
fn separator(style: Style) -> &'static str {
    match style {
        Style::SpaceDelimited => "%20",
        Style::PipeDelimited => "|",
        _ => ",",
    }
}

fn query_joined(query: &mut String, name: &str, texts: &[String], sep: &str) {
    if !query.is_empty() {
        query.push('&');
    }
    encode(name, query);
    query.push('=');
    for (i, t) in texts.iter().enumerate() {
        if i > 0 {
            query.push_str(sep);
        }
        encode(t, query);
    }
}

/// Append a path parameter of any shape, by `style` and `explode` (`simple`, `label`,
/// `matrix`). A `simple` value that would be an empty, `.` or `..` segment is rejected (URL
/// parsing would send the request elsewhere).
#[doc(hidden)]
pub fn path_param<T: serde::Serialize + ?Sized>(
    path: &mut String,
    name: &'static str,
    value: &T,
    style: Style,
    explode: bool,
) -> Result<(), ValidationError> {
    let mut out = String::new();
    let (prefix, sep) = match style {
        Style::Label => (".", if explode { "." } else { "," }),
        Style::Matrix => (";", if explode { ";" } else { "," }),
        _ => ("", ","),
    };
    out.push_str(prefix);
    let named = |out: &mut String, key: &str| {
        if style == Style::Matrix {
            encode(key, out);
            out.push('=');
        }
    };
    match node(value, name)? {
        Node::Null => {
            if style == Style::Matrix {
                encode(name, &mut out);
            }
        }
        Node::Scalar(s) | Node::Literal(s) => {
            named(&mut out, name);
            encode(&s, &mut out);
        }
        Node::Array(items) => {
            let texts: Vec<String> = items.iter().map(Node::text).collect();
            if style == Style::Matrix && explode {
                for (i, t) in texts.iter().enumerate() {
                    if i > 0 {
                        out.push(';');
                    }
                    named(&mut out, name);
                    encode(t, &mut out);
                }
            } else {
                let sep = if style == Style::Label { "." } else { sep };
                named(&mut out, name);
                for (i, t) in texts.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    encode(t, &mut out);
                }
            }
        }
        Node::Object(props) => {
            if explode {
                for (i, (k, v)) in props.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    encode(k, &mut out);
                    out.push('=');
                    encode(&v.text(), &mut out);
                }
            } else {
                let sep = if style == Style::Label { "." } else { "," };
                named(&mut out, name);
                for (i, (k, v)) in props.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    encode(k, &mut out);
                    out.push_str(sep);
                    encode(&v.text(), &mut out);
                }
            }
        }
    }
    if style == Style::Simple && (out.is_empty() || out == "." || out == "..") {
        return Err(ValidationError::new(name, None, "a path segment other than \"\", \".\" or \"..\""));
    }
    path.push_str(&out);
    Ok(())
}

/// A header parameter of any shape (`simple` style).
#[doc(hidden)]
pub fn header_param<T: serde::Serialize + ?Sized>(
    name: &'static str,
    value: &T,
    explode: bool,
) -> Result<String, ValidationError> {
    let mut out = String::new();
    match node(value, name)? {
        Node::Null => {}
        Node::Scalar(s) | Node::Literal(s) => out.push_str(&s),
        Node::Array(items) => {
            out.push_str(&items.iter().map(Node::text).collect::<Vec<_>>().join(","));
        }
        Node::Object(props) => {
            for (i, (k, v)) in props.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{k}{}{}", if explode { "=" } else { "," }, v.text());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    #[allow(non_snake_case)]
    struct Rgb {
        R: u8,
        G: u8,
        B: u8,
    }

    const RGB: Rgb = Rgb { R: 100, G: 200, B: 150 };
    const ARRAY: [&str; 3] = ["blue", "black", "brown"];

    fn path(style: Style, explode: bool, v: &(impl serde::Serialize + ?Sized)) -> String {
        let mut p = String::new();
        path_param(&mut p, "color", v, style, explode).unwrap();
        p
    }

    fn query(style: Style, explode: bool, v: &(impl serde::Serialize + ?Sized)) -> String {
        let mut q = String::new();
        query_param(&mut q, "color", v, style, explode).unwrap();
        q
    }

    /// The OpenAPI 3.0.3 specification's "Style Examples" table, row by row (empty, string,
    /// array, object), with `color` as the parameter.
    #[test]
    fn the_specifications_style_table() {
        // matrix
        assert_eq!(path(Style::Matrix, false, &()), ";color");
        assert_eq!(path(Style::Matrix, false, "blue"), ";color=blue");
        assert_eq!(path(Style::Matrix, false, &ARRAY), ";color=blue,black,brown");
        assert_eq!(path(Style::Matrix, false, &RGB), ";color=R,100,G,200,B,150");
        assert_eq!(path(Style::Matrix, true, &()), ";color");
        assert_eq!(path(Style::Matrix, true, "blue"), ";color=blue");
        assert_eq!(path(Style::Matrix, true, &ARRAY), ";color=blue;color=black;color=brown");
        assert_eq!(path(Style::Matrix, true, &RGB), ";R=100;G=200;B=150");
        // label
        assert_eq!(path(Style::Label, false, &()), ".");
        assert_eq!(path(Style::Label, false, "blue"), ".blue");
        assert_eq!(path(Style::Label, false, &ARRAY), ".blue.black.brown");
        assert_eq!(path(Style::Label, false, &RGB), ".R.100.G.200.B.150");
        assert_eq!(path(Style::Label, true, "blue"), ".blue");
        assert_eq!(path(Style::Label, true, &ARRAY), ".blue.black.brown");
        assert_eq!(path(Style::Label, true, &RGB), ".R=100.G=200.B=150");
        // form
        assert_eq!(query(Style::Form, false, &()), "color=");
        assert_eq!(query(Style::Form, false, "blue"), "color=blue");
        assert_eq!(query(Style::Form, false, &ARRAY), "color=blue,black,brown");
        assert_eq!(query(Style::Form, false, &RGB), "color=R,100,G,200,B,150");
        assert_eq!(query(Style::Form, true, &()), "color=");
        assert_eq!(query(Style::Form, true, "blue"), "color=blue");
        assert_eq!(query(Style::Form, true, &ARRAY), "color=blue&color=black&color=brown");
        assert_eq!(query(Style::Form, true, &RGB), "R=100&G=200&B=150");
        // simple (path)
        assert_eq!(path(Style::Simple, false, "blue"), "blue");
        assert_eq!(path(Style::Simple, false, &ARRAY), "blue,black,brown");
        assert_eq!(path(Style::Simple, false, &RGB), "R,100,G,200,B,150");
        assert_eq!(path(Style::Simple, true, "blue"), "blue");
        assert_eq!(path(Style::Simple, true, &ARRAY), "blue,black,brown");
        assert_eq!(path(Style::Simple, true, &RGB), "R=100,G=200,B=150");
        // simple (header)
        assert_eq!(header_param("color", &ARRAY, false).unwrap(), "blue,black,brown");
        assert_eq!(header_param("color", &RGB, false).unwrap(), "R,100,G,200,B,150");
        assert_eq!(header_param("color", &RGB, true).unwrap(), "R=100,G=200,B=150");
        // spaceDelimited, pipeDelimited
        assert_eq!(query(Style::SpaceDelimited, false, &ARRAY), "color=blue%20black%20brown");
        assert_eq!(query(Style::SpaceDelimited, false, &RGB), "color=R%20100%20G%20200%20B%20150");
        assert_eq!(query(Style::PipeDelimited, false, &ARRAY), "color=blue|black|brown");
        assert_eq!(query(Style::PipeDelimited, false, &RGB), "color=R|100|G|200|B|150");
        // deepObject
        assert_eq!(query(Style::DeepObject, true, &RGB), "color[R]=100&color[G]=200&color[B]=150");
    }

    #[test]
    fn nested_values_are_json() {
        #[derive(serde::Serialize)]
        struct P {
            x: i32,
            s: &'static str,
        }
        assert_eq!(query(Style::Form, true, &[P { x: 1, s: "a" }]), "color=%7B%22x%22%3A1%2C%22s%22%3A%22a%22%7D");
    }

    #[test]
    fn values_are_encoded_but_delimiters_are_not() {
        assert_eq!(query(Style::Form, false, &["a,b", "c d"]), "color=a%2Cb,c%20d");
        let mut q = String::from("x=1");
        query_pair(&mut q, "q", "1 & 2");
        assert_eq!(q, "x=1&q=1%20%26%202");
        let mut p = String::new();
        assert!(path_param(&mut p, "id", &Vec::<String>::new(), Style::Simple, false).is_err());
    }
}
