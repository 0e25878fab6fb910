//! Schema normalization on the JSON document, before it is typed by `openapiv3`.
//!
//! `openapiv3` reads a schema whose keywords do not fit one of its shapes as `Any`, which
//! would lower to `serde_json::Value`. Common, valid ways of writing schemas do that, so they
//! are rewritten into the equivalent canonical form first:
//! - `properties` / `required` / `additionalProperties` without `type` → `type: object`
//!   (e.g. Petstore's `Pet`);
//! - `allOf` with sibling `properties` / `required` → the siblings become one more `allOf`
//!   member (e.g. a list's `meta` that extends a shared `Meta`);
//! - `oneOf` / `anyOf` with sibling `type: object` (and object keywords) → the union alone (the
//!   members carry the object shapes; e.g. discriminated unions);
//! - `items` without `type` → `type: array`; an `enum` of only strings (or only integers)
//!   without `type` → `type: string` (`integer`);
//! - integer bounds written as floats (a 64-bit bound printed by a JSON encoder) → integers.
//!
//! [`for_each_schema`] visits every schema object of a document, in document order.

use serde_json::{Map, Value};

/// Rewrite every schema of `doc` into canonical form (see the module documentation).
pub fn normalize(doc: &mut Value) {
    for_each_schema(doc, &mut |schema, _| canonical(schema));
}

/// Call `f` on every (non-`$ref`) schema object in `doc`, with its JSON pointer. Parents are
/// visited before their children, and `f` may rewrite a schema before its children are
/// visited.
pub fn for_each_schema(doc: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>, &str)) {
    let Some(root) = doc.as_object_mut() else { return };
    if let Some(Value::Object(c)) = root.get_mut("components") {
        let at = "/components";
        each_entry(c.get_mut("schemas"), &format!("{at}/schemas"), &mut |v, p| schema(v, p, f));
        each_entry(c.get_mut("parameters"), &format!("{at}/parameters"), &mut |v, p| parameter(v, p, f));
        each_entry(c.get_mut("headers"), &format!("{at}/headers"), &mut |v, p| parameter(v, p, f));
        each_entry(c.get_mut("responses"), &format!("{at}/responses"), &mut |v, p| response(v, p, f));
        each_entry(c.get_mut("requestBodies"), &format!("{at}/requestBodies"), &mut |v, p| content(v, p, f));
    }
    each_entry(root.get_mut("paths"), "/paths", &mut |item, p| {
        let Some(item) = item.as_object_mut() else { return };
        for (key, v) in item.iter_mut() {
            let at = crate::pointer::join(p, key);
            match key.as_str() {
                "parameters" => each_item(Some(v), &at, &mut |v, p| parameter(v, p, f)),
                "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace" => operation(v, &at, f),
                _ => {}
            }
        }
    });
}

type Visit<'f> = &'f mut dyn FnMut(&mut Map<String, Value>, &str);

fn each_entry(v: Option<&mut Value>, at: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    if let Some(Value::Object(m)) = v {
        for (k, v) in m.iter_mut() {
            f(v, &crate::pointer::join(at, k));
        }
    }
}

fn each_item(v: Option<&mut Value>, at: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    if let Some(Value::Array(a)) = v {
        for (i, v) in a.iter_mut().enumerate() {
            f(v, &format!("{at}/{i}"));
        }
    }
}

fn operation(v: &mut Value, at: &str, f: Visit<'_>) {
    let Some(op) = v.as_object_mut() else { return };
    each_item(op.get_mut("parameters"), &format!("{at}/parameters"), &mut |v, p| parameter(v, p, f));
    if let Some(body) = op.get_mut("requestBody") {
        content(body, &format!("{at}/requestBody"), f);
    }
    each_entry(op.get_mut("responses"), &format!("{at}/responses"), &mut |v, p| response(v, p, f));
}

/// A parameter or header: `schema`, or `content`.
fn parameter(v: &mut Value, at: &str, f: Visit<'_>) {
    let Some(p) = v.as_object_mut() else { return };
    if let Some(s) = p.get_mut("schema") {
        schema(s, &format!("{at}/schema"), f);
    }
    if p.contains_key("content") {
        content(v, at, f);
    }
}

fn response(v: &mut Value, at: &str, f: Visit<'_>) {
    let Some(r) = v.as_object_mut() else { return };
    each_entry(r.get_mut("headers"), &format!("{at}/headers"), &mut |v, p| parameter(v, p, f));
    content(v, at, f);
}

/// The `content` map of a request body, response or parameter.
fn content(v: &mut Value, at: &str, f: Visit<'_>) {
    let Some(o) = v.as_object_mut() else { return };
    each_entry(o.get_mut("content"), &format!("{at}/content"), &mut |media, p| {
        if let Some(s) = media.as_object_mut().and_then(|m| m.get_mut("schema")) {
            schema(s, &format!("{p}/schema"), f);
        }
    });
}

fn schema(v: &mut Value, at: &str, f: Visit<'_>) {
    let Some(s) = v.as_object_mut() else { return };
    if s.contains_key("$ref") {
        return;
    }
    f(s, at);
    each_entry(s.get_mut("properties"), &format!("{at}/properties"), &mut |v, p| schema(v, p, f));
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = s.get_mut(key) {
            schema(child, &format!("{at}/{key}"), f);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        each_item(s.get_mut(key), &format!("{at}/{key}"), &mut |v, p| schema(v, p, f));
    }
}

/// Object keywords (moved into an `allOf` member, or dropped beside a union).
const OBJECT_KEYWORDS: &[&str] = &["properties", "required", "additionalProperties", "minProperties", "maxProperties"];

/// Integer keywords written as floats (`minimum: -9223372036854776000`, which JSON parsers
/// read as a float) become integers, saturating at the 64-bit bounds.
fn integral_bounds(s: &mut Map<String, Value>) {
    if s.get("type").and_then(Value::as_str) != Some("integer") {
        return;
    }
    for key in ["minimum", "maximum", "multipleOf"] {
        if let Some(f) = s.get(key).and_then(Value::as_f64).filter(|f| f.fract() == 0.0) {
            if !s[key].is_i64() && !s[key].is_u64() {
                s.insert(key.into(), Value::from(f as i64));
            }
        }
    }
}

fn canonical(s: &mut Map<String, Value>) {
    integral_bounds(s);
    let is_union = s.contains_key("oneOf") || s.contains_key("anyOf");
    let has_object_keywords = OBJECT_KEYWORDS.iter().any(|k| s.contains_key(*k));
    if s.contains_key("allOf") && !is_union && has_object_keywords {
        let mut member = Map::new();
        member.insert("type".into(), Value::from("object"));
        for k in OBJECT_KEYWORDS {
            if let Some(v) = s.remove(*k) {
                member.insert((*k).into(), v);
            }
        }
        s.remove("type");
        if let Some(Value::Array(all)) = s.get_mut("allOf") {
            all.push(Value::Object(member));
        }
        return;
    }
    if is_union && !s.contains_key("allOf") {
        if s.get("type").and_then(Value::as_str) == Some("object") {
            s.remove("type");
        }
        for k in OBJECT_KEYWORDS {
            s.remove(*k);
        }
        return;
    }
    if s.contains_key("type") || s.contains_key("allOf") || is_union || s.contains_key("not") {
        return;
    }
    if has_object_keywords {
        s.insert("type".into(), Value::from("object"));
    } else if s.contains_key("items") {
        s.insert("type".into(), Value::from("array"));
    } else if let Some(Value::Array(values)) = s.get("enum") {
        if !values.is_empty() && values.iter().all(Value::is_string) {
            s.insert("type".into(), Value::from("string"));
        } else if !values.is_empty() && values.iter().all(|v| v.is_i64() || v.is_u64()) {
            s.insert("type".into(), Value::from("integer"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_forms() {
        let mut doc = json!({"components": {"schemas": {
            "Pet": {"required": ["id"], "properties": {"id": {"type": "integer"}, "kind": {"enum": ["a", "b"]}}},
            "Page": {"allOf": [{"$ref": "#/components/schemas/Meta"}], "properties": {"key": {"type": "string"}}},
            "Union": {"type": "object", "oneOf": [{"$ref": "#/components/schemas/Pet"}], "discriminator": {"propertyName": "t"}},
            "List": {"items": {"type": "string"}}
        }}});
        normalize(&mut doc);
        let s = &doc["components"]["schemas"];
        assert_eq!(s["Pet"]["type"], "object");
        assert_eq!(s["Pet"]["properties"]["kind"]["type"], "string");
        assert_eq!(s["Page"]["allOf"][1], json!({"type": "object", "properties": {"key": {"type": "string"}}}));
        assert!(s["Page"].get("properties").is_none());
        assert!(s["Union"].get("type").is_none());
        assert_eq!(s["List"]["type"], "array");
    }
}
