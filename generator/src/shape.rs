//! A structural check of the document before it is typed: every field of the OpenAPI 3.0
//! objects the generator reads has the JSON type the specification gives it. `openapiv3`
//! would report such a mistake too, but where its untagged enums lose track of the path (a
//! wrong `description` under an operation is reported at `#/paths`); this check reports it at
//! the value itself, with what was expected.
//!
//! Unknown fields and `x-` extensions are not checked (the generator ignores them).

use serde_json::Value;

use crate::diagnostics::Diagnostic;
use crate::pointer::{join, push};

/// What a field holds.
#[derive(Clone, Copy)]
enum Expect {
    String,
    Bool,
    Number,
    /// A non-negative integer (`minLength`, …).
    Count,
    Object(Obj),
    /// An object (or a `$ref`).
    RefOr(Obj),
    /// An object whose every value is `T`.
    MapOf(&'static Expect),
    /// An array whose every item is `T`.
    ArrayOf(&'static Expect),
    /// `additionalProperties`: a boolean or a schema.
    BoolOrSchema,
    /// Anything (`example`, `default`, `enum` items).
    Any,
}

/// The OpenAPI objects checked.
#[derive(Clone, Copy)]
enum Obj {
    Root,
    Info,
    Server,
    ServerVariable,
    PathItem,
    Operation,
    Parameter,
    RequestBody,
    MediaType,
    Response,
    Header,
    Schema,
    Discriminator,
    Components,
    SecurityScheme,
    Tag,
    Free,
}

const STRING: Expect = Expect::String;
const SCHEMA: Expect = Expect::RefOr(Obj::Schema);
const STRINGS: Expect = Expect::ArrayOf(&STRING);
const SCHEMAS: Expect = Expect::ArrayOf(&SCHEMA);
const SCHEMA_MAP: Expect = Expect::MapOf(&SCHEMA);
const PARAMETER: Expect = Expect::RefOr(Obj::Parameter);
const PARAMETERS: Expect = Expect::ArrayOf(&PARAMETER);
const MEDIA_TYPE: Expect = Expect::Object(Obj::MediaType);
const CONTENT: Expect = Expect::MapOf(&MEDIA_TYPE);
const HEADER: Expect = Expect::RefOr(Obj::Header);
const HEADERS: Expect = Expect::MapOf(&HEADER);
const RESPONSE: Expect = Expect::RefOr(Obj::Response);
const RESPONSES: Expect = Expect::MapOf(&RESPONSE);
const SERVER: Expect = Expect::Object(Obj::Server);
const SERVERS: Expect = Expect::ArrayOf(&SERVER);
const VARIABLE: Expect = Expect::Object(Obj::ServerVariable);
const PATH_ITEM: Expect = Expect::RefOr(Obj::PathItem);
const OPERATION: Expect = Expect::Object(Obj::Operation);
const REQUEST_BODY: Expect = Expect::RefOr(Obj::RequestBody);
const SECURITY_SCHEME: Expect = Expect::RefOr(Obj::SecurityScheme);
const TAG: Expect = Expect::Object(Obj::Tag);
const FREE: Expect = Expect::Object(Obj::Free);
const ANY: Expect = Expect::Any;

fn fields(o: Obj) -> &'static [(&'static str, Expect)] {
    match o {
        Obj::Root => &[
            ("openapi", STRING),
            ("info", Expect::Object(Obj::Info)),
            ("servers", SERVERS),
            ("paths", Expect::MapOf(&PATH_ITEM)),
            ("components", Expect::Object(Obj::Components)),
            ("security", Expect::ArrayOf(&FREE)),
            ("tags", Expect::ArrayOf(&TAG)),
        ],
        Obj::Info => &[("title", STRING), ("version", STRING), ("description", STRING)],
        Obj::Server => &[("url", STRING), ("description", STRING), ("variables", Expect::MapOf(&VARIABLE))],
        Obj::ServerVariable => &[("default", STRING), ("enum", STRINGS), ("description", STRING)],
        Obj::PathItem => &[
            ("summary", STRING),
            ("description", STRING),
            ("get", OPERATION),
            ("put", OPERATION),
            ("post", OPERATION),
            ("delete", OPERATION),
            ("options", OPERATION),
            ("head", OPERATION),
            ("patch", OPERATION),
            ("trace", OPERATION),
            ("servers", SERVERS),
            ("parameters", PARAMETERS),
        ],
        Obj::Operation => &[
            ("tags", STRINGS),
            ("summary", STRING),
            ("description", STRING),
            ("operationId", STRING),
            ("parameters", PARAMETERS),
            ("requestBody", REQUEST_BODY),
            ("responses", RESPONSES),
            ("deprecated", Expect::Bool),
            ("security", Expect::ArrayOf(&FREE)),
            ("servers", SERVERS),
        ],
        Obj::Parameter => &[
            ("name", STRING),
            ("in", STRING),
            ("description", STRING),
            ("required", Expect::Bool),
            ("deprecated", Expect::Bool),
            ("allowEmptyValue", Expect::Bool),
            ("style", STRING),
            ("explode", Expect::Bool),
            ("allowReserved", Expect::Bool),
            ("schema", SCHEMA),
            ("content", CONTENT),
        ],
        Obj::RequestBody => &[("description", STRING), ("content", CONTENT), ("required", Expect::Bool)],
        Obj::MediaType => &[("schema", SCHEMA)],
        Obj::Response => &[("description", STRING), ("headers", HEADERS), ("content", CONTENT)],
        Obj::Header => &[
            ("description", STRING),
            ("required", Expect::Bool),
            ("deprecated", Expect::Bool),
            ("style", STRING),
            ("explode", Expect::Bool),
            ("schema", SCHEMA),
            ("content", CONTENT),
        ],
        Obj::Schema => &[
            ("title", STRING),
            ("description", STRING),
            ("type", STRING),
            ("format", STRING),
            ("pattern", STRING),
            ("nullable", Expect::Bool),
            ("readOnly", Expect::Bool),
            ("writeOnly", Expect::Bool),
            ("deprecated", Expect::Bool),
            ("uniqueItems", Expect::Bool),
            ("exclusiveMinimum", Expect::Bool),
            ("exclusiveMaximum", Expect::Bool),
            ("required", STRINGS),
            ("enum", Expect::ArrayOf(&ANY)),
            ("properties", SCHEMA_MAP),
            ("items", SCHEMA),
            ("additionalProperties", Expect::BoolOrSchema),
            ("allOf", SCHEMAS),
            ("oneOf", SCHEMAS),
            ("anyOf", SCHEMAS),
            ("not", SCHEMA),
            ("minimum", Expect::Number),
            ("maximum", Expect::Number),
            ("multipleOf", Expect::Number),
            ("minLength", Expect::Count),
            ("maxLength", Expect::Count),
            ("minItems", Expect::Count),
            ("maxItems", Expect::Count),
            ("minProperties", Expect::Count),
            ("maxProperties", Expect::Count),
            ("discriminator", Expect::Object(Obj::Discriminator)),
        ],
        Obj::Discriminator => &[("propertyName", STRING), ("mapping", Expect::MapOf(&STRING))],
        Obj::Components => &[
            ("schemas", SCHEMA_MAP),
            ("responses", RESPONSES),
            ("parameters", Expect::MapOf(&PARAMETER)),
            ("requestBodies", Expect::MapOf(&REQUEST_BODY)),
            ("headers", HEADERS),
            ("securitySchemes", Expect::MapOf(&SECURITY_SCHEME)),
        ],
        Obj::SecurityScheme => &[
            ("type", STRING),
            ("description", STRING),
            ("name", STRING),
            ("in", STRING),
            ("scheme", STRING),
            ("bearerFormat", STRING),
            ("flows", FREE),
            ("openIdConnectUrl", STRING),
        ],
        Obj::Tag => &[("name", STRING), ("description", STRING)],
        Obj::Free => &[],
    }
}

fn kind(v: &Value) -> String {
    let shown =
        |s: String| if s.chars().count() > 40 { format!("{}…", s.chars().take(40).collect::<String>()) } else { s };
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => format!("a string ({})", shown(format!("{s:?}"))),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// Check `doc` against the OpenAPI 3.0 object fields; every mismatch, where it is.
pub fn check(doc: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    object(doc, Obj::Root, &mut String::with_capacity(128), &mut out);
    out
}

// The walk keeps the pointer of the value it is at in one buffer (`at`: push a token, recurse,
// truncate), so a valid spec costs no allocation per node.

fn object(v: &Value, o: Obj, at: &mut String, out: &mut Vec<Diagnostic>) {
    let Value::Object(m) = v else { return };
    let fields = fields(o);
    // Which known fields the object has, from its own (few) keys: the map is then asked only
    // for those, in the order of `fields`, so diagnostics keep that order.
    let mut present = 0u64;
    for key in m.keys() {
        if let Some(i) = fields.iter().position(|(name, _)| name == key) {
            present |= 1u64.checked_shl(i as u32).unwrap_or(0);
        }
    }
    for (i, (key, expect)) in fields.iter().enumerate() {
        if i < 64 && present & (1 << i) == 0 {
            continue;
        }
        if let Some(child) = m.get(*key) {
            let len = at.len();
            push(at, key);
            value(child, *expect, at, key, out);
            at.truncate(len);
        }
    }
}

fn fail(out: &mut Vec<Diagnostic>, at: &str, name: &str, v: &Value, what: &str) {
    out.push(Diagnostic::new(at, format!("`{name}` must be {what}, found {}", kind(v))));
}

fn value(v: &Value, e: Expect, at: &mut String, name: &str, out: &mut Vec<Diagnostic>) {
    match e {
        Expect::String if !v.is_string() => fail(out, at, name, v, "a string"),
        Expect::Bool if !v.is_boolean() => fail(out, at, name, v, "a boolean"),
        Expect::Number if !v.is_number() => fail(out, at, name, v, "a number"),
        Expect::Count if !(v.is_u64() || v.as_f64().is_some_and(|f| f >= 0.0 && f.fract() == 0.0)) => {
            fail(out, at, name, v, "a non-negative integer")
        }
        Expect::Object(o) => match v {
            Value::Object(_) => object(v, o, at, out),
            _ => fail(out, at, name, v, "an object"),
        },
        Expect::RefOr(o) => match v {
            Value::Object(m) => match m.get("$ref") {
                Some(r) if !r.is_string() => {
                    out.push(Diagnostic::new(join(at, "$ref"), format!("`$ref` must be a string, found {}", kind(r))))
                }
                Some(_) => {}
                None => object(v, o, at, out),
            },
            _ => fail(out, at, name, v, "an object"),
        },
        Expect::MapOf(inner) => match v {
            Value::Object(m) => {
                for (k, c) in m {
                    if !k.starts_with("x-") {
                        let len = at.len();
                        push(at, k);
                        value(c, *inner, at, k, out);
                        at.truncate(len);
                    }
                }
            }
            _ => fail(out, at, name, v, "an object"),
        },
        Expect::ArrayOf(inner) => match v {
            Value::Array(items) => {
                for (i, c) in items.iter().enumerate() {
                    let len = at.len();
                    crate::pointer::push_index(at, i);
                    value(c, *inner, at, name, out);
                    at.truncate(len);
                }
            }
            _ => fail(out, at, name, v, "an array"),
        },
        Expect::BoolOrSchema => match v {
            Value::Bool(_) => {}
            Value::Object(_) => value(v, SCHEMA, at, name, out),
            _ => fail(out, at, name, v, "a boolean or a schema"),
        },
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_at_the_value() {
        let doc = json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": 1},
            "paths": {"/a": {"get": {"description": 42, "responses": {"200": {"description": "ok"}},
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string", "maxLength": -1}}]}}}
        });
        let d = check(&doc);
        let at: Vec<&str> = d.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(at, ["/info/version", "/paths/~1a/get/description", "/paths/~1a/get/parameters/0/schema/maxLength"]);
        assert!(d[1].message.contains("`description` must be a string, found a number (42)"), "{}", d[1].message);
    }
}
