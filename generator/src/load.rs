//! Loading: spec text (YAML or JSON) → `openapiv3::OpenAPI`.
//!
//! Architecture invariant: this is the only module that uses `serde_yaml` or `serde_json` to
//! read the spec, and the only one that can fail with a syntax error.

use crate::diagnostics::Diagnostic;

/// A parsed document.
#[derive(Debug)]
pub struct Loaded {
    /// The document.
    pub doc: openapiv3::OpenAPI,
    /// `description` siblings of `$ref` nodes (dropped by `openapiv3`), by pointer.
    pub ref_docs: std::collections::BTreeMap<String, String>,
}

/// Parse `text` and check that it is an OpenAPI 3.0.x document.
pub fn load(text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    let mut value = parse_value(text)?;
    check_version(&value)?;
    crate::normalize::normalize(&mut value);
    let mut ref_docs = std::collections::BTreeMap::new();
    collect_ref_docs(&value, String::new(), &mut ref_docs);
    Ok(Loaded { doc: deserialize(value)?, ref_docs })
}

fn collect_ref_docs(v: &serde_json::Value, at: String, out: &mut std::collections::BTreeMap<String, String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let (Some(_), Some(serde_json::Value::String(d))) = (m.get("$ref"), m.get("description")) {
                out.insert(at.clone(), d.clone());
            }
            for (k, c) in m {
                collect_ref_docs(c, crate::pointer::join(&at, k), out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                collect_ref_docs(c, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn parse_value(text: &str) -> Result<serde_json::Value, Vec<Diagnostic>> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() {
        return Err(vec![
            Diagnostic::new("", "the spec is empty").with_help("expected an OpenAPI 3.0 document in YAML or JSON")
        ]);
    }
    if trimmed.starts_with('{') {
        return serde_json::from_str(trimmed).map_err(|e| {
            let msg = strip_position(&e.to_string());
            vec![Diagnostic::new("", format!("invalid JSON: {msg}")).at(e.line().max(1), e.column().max(1))]
        });
    }
    let yaml: serde_yaml::Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let msg = strip_position(&e.to_string());
            let mut d = Diagnostic::new("", format!("invalid YAML: {msg}"));
            if let Some(loc) = e.location() {
                d = d.at(loc.line(), loc.column());
            }
            return Err(vec![d]);
        }
    };
    let mut yaml = yaml;
    if let Err(e) = yaml.apply_merge() {
        return Err(vec![Diagnostic::new("", format!("invalid YAML merge key: {e}"))]);
    }
    let mut errors = Vec::new();
    let json = yaml_to_json(yaml, "", &mut errors);
    if errors.is_empty() {
        Ok(json)
    } else {
        Err(errors)
    }
}

/// serde_yaml and serde_json append " at line X column Y"; we render positions ourselves.
fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

fn yaml_to_json(value: serde_yaml::Value, pointer: &str, errors: &mut Vec<Diagnostic>) -> serde_json::Value {
    use serde_json::Value as J;
    use serde_yaml::Value as Y;
    match value {
        Y::Null => J::Null,
        Y::Bool(b) => J::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_u64() {
                J::from(i)
            } else if let Some(i) = n.as_i64() {
                J::from(i)
            } else {
                n.as_f64().and_then(serde_json::Number::from_f64).map(J::Number).unwrap_or(J::Null)
            }
        }
        Y::String(s) => J::String(s),
        Y::Sequence(items) => J::Array(
            items.into_iter().enumerate().map(|(i, v)| yaml_to_json(v, &format!("{pointer}/{i}"), errors)).collect(),
        ),
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_owned(),
                    _ => {
                        errors.push(Diagnostic::new(pointer, "mapping keys must be scalars"));
                        continue;
                    }
                };
                let child = crate::pointer::join(pointer, &key);
                let v = yaml_to_json(v, &child, errors);
                out.insert(key, v);
            }
            J::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value, pointer, errors),
    }
}

fn check_version(value: &serde_json::Value) -> Result<(), Vec<Diagnostic>> {
    let Some(obj) = value.as_object() else {
        return Err(vec![Diagnostic::new("", "the document is not a mapping")
            .with_help("an OpenAPI document is an object with `openapi`, `info` and `paths`")]);
    };
    if let Some(v) = obj.get("swagger") {
        return Err(vec![Diagnostic::new(
            "/swagger",
            format!("Swagger {} documents are not supported", v.as_str().unwrap_or("2.0")),
        )
        .with_help("convert the document to OpenAPI 3.0 (for example with swagger2openapi)")]);
    }
    match obj.get("openapi") {
        None => Err(vec![Diagnostic::new("", "missing `openapi` version field")
            .with_help("add `openapi: 3.0.3` at the top of the document")]),
        Some(serde_json::Value::String(v)) if v.starts_with("3.0.") || v == "3.0" => Ok(()),
        Some(serde_json::Value::String(v)) if v.starts_with("3.1") => {
            Err(vec![Diagnostic::new("/openapi", format!("OpenAPI {v} is not supported; only OpenAPI 3.0.x is"))
                .with_help("3.1 changes JSON Schema semantics (type arrays, nullable); write the document as 3.0.3")])
        }
        Some(v) => Err(vec![Diagnostic::new("/openapi", format!("unsupported OpenAPI version {v}"))
            .with_help("only OpenAPI 3.0.x documents are supported")]),
    }
}

fn deserialize(value: serde_json::Value) -> Result<openapiv3::OpenAPI, Vec<Diagnostic>> {
    serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(value).map_err(|e| {
        let mut pointer = String::new();
        for seg in e.path().iter() {
            match seg {
                serde_path_to_error::Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
                serde_path_to_error::Segment::Map { key } => pointer = crate::pointer::join(&pointer, key),
                _ => {}
            }
        }
        let inner = e.into_inner().to_string();
        let inner = inner.replace("ReferenceOr", "a `$ref` or an inline object");
        vec![Diagnostic::new(pointer, format!("invalid OpenAPI document: {inner}"))]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_swagger_and_31() {
        let e = load("swagger: '2.0'\ninfo: {}\n").unwrap_err();
        assert!(e[0].message.contains("Swagger 2.0"));
        let e = load("{\"openapi\": \"3.1.0\"}").unwrap_err();
        assert_eq!(e[0].pointer, "/openapi");
    }

    #[test]
    fn integer_keys_become_strings() {
        let loaded = load("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        200: {description: ok}\n").unwrap();
        assert_eq!(loaded.doc.paths.paths.len(), 1);
    }
}
