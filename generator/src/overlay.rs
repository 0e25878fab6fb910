//! OpenAPI Overlay 1.0: changes applied to the spec before it is read, so what a published
//! document lacks (credential kinds, hints) lives next to it instead of in an edited copy.
//!
//! Each action's `target` is an RFC 9535 JSONPath query (`serde_json_path`). `update` merges an
//! object into every object it selects (recursively; other values are replaced) and appends to
//! every array it selects; `remove: true` removes what it selects. A target that selects
//! nothing is an error reported in the overlay file: the spec changed under the overlay.

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::diagnostics::Diagnostic;

/// Apply the overlay `overlay` (already parsed; its diagnostics name `file`) to `doc`.
pub fn apply(doc: &mut Value, overlay: &Value, file: &str) -> Result<(), Vec<Diagnostic>> {
    let fail = |pointer: &str, msg: String| Diagnostic::new(pointer, msg).in_file(file);
    let Some(o) = overlay.as_object() else {
        return Err(vec![fail("", "an overlay is an object with `overlay`, `info` and `actions`".into())]);
    };
    match o.get("overlay").and_then(Value::as_str) {
        Some(v) if v.starts_with("1.0") => {}
        Some(v) => return Err(vec![fail("/overlay", format!("overlay version `{v}` is not supported; 1.0.x is"))]),
        None => return Err(vec![fail("", "missing `overlay: 1.0.0`".into())]),
    }
    let Some(actions) = o.get("actions").and_then(Value::as_array) else {
        return Err(vec![fail("/actions", "`actions` must be a list".into())]);
    };
    let mut errors = Vec::new();
    for (i, action) in actions.iter().enumerate() {
        let at = format!("/actions/{i}");
        let Some(target) = action.get("target").and_then(Value::as_str) else {
            errors.push(fail(&at, "an action needs a `target` (a JSONPath query)".into()));
            continue;
        };
        let path = match JsonPath::parse(target) {
            Ok(p) => p,
            Err(e) => {
                errors.push(fail(&format!("{at}/target"), format!("invalid JSONPath `{target}`: {e}")));
                continue;
            }
        };
        let mut pointers: Vec<String> = path.query_located(doc).locations().map(|l| l.to_json_pointer()).collect();
        if pointers.is_empty() {
            errors.push(
                Diagnostic::new(format!("{at}/target"), format!("target `{target}` selects nothing in the spec"))
                    .with_help("the spec may have changed: update or remove this action")
                    .in_file(file),
            );
            continue;
        }
        if action.get("remove").and_then(Value::as_bool) == Some(true) {
            // Deepest and last first (indexes compared as numbers), so the array indexes of
            // the others stay valid.
            let key = |p: &String| -> Vec<(u64, String)> {
                p.split('/').map(|s| (s.parse::<u64>().unwrap_or(u64::MAX), s.to_owned())).collect()
            };
            pointers.sort_by_key(|p| std::cmp::Reverse(key(p)));
            for p in pointers {
                remove(doc, &p);
            }
        } else if let Some(update) = action.get("update") {
            for p in pointers {
                if let Some(node) = doc.pointer_mut(&p) {
                    match node {
                        Value::Array(items) => items.push(update.clone()),
                        node => merge(node, update),
                    }
                }
            }
        } else {
            errors.push(fail(&at, "an action needs `update` or `remove: true`".into()));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Merge `update` into `node`: objects recursively, anything else replaced.
fn merge(node: &mut Value, update: &Value) {
    match (node, update) {
        (Value::Object(target), Value::Object(source)) => {
            for (k, v) in source {
                match target.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        target.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (node, update) => *node = update.clone(),
    }
}

fn remove(doc: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else { return };
    let key = crate::pointer::unescape(last);
    match doc.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.remove(&key);
        }
        Some(Value::Array(a)) => {
            if let Ok(i) = key.parse::<usize>() {
                if i < a.len() {
                    a.remove(i);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn update_remove_and_unmatched_targets() {
        let mut doc = json!({
            "components": {"securitySchemes": {"a": {"type": "http", "scheme": "basic"}}},
            "tags": [{"name": "x"}],
            "paths": {"/a": {"get": {}}, "/b": {"get": {}}}
        });
        let overlay = json!({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": [
            {"target": "$.components.securitySchemes.a", "update": {"x-credentials": [{"name": "k"}], "scheme": "basic"}},
            {"target": "$.tags", "update": {"name": "y"}},
            {"target": "$.paths['/b']", "remove": true}
        ]});
        apply(&mut doc, &overlay, "o.yaml").unwrap();
        assert_eq!(doc["components"]["securitySchemes"]["a"]["x-credentials"][0]["name"], "k");
        assert_eq!(doc["tags"][1]["name"], "y");
        assert!(doc["paths"].get("/b").is_none() && doc["paths"].get("/a").is_some());

        // Removing several array items: indexes 9 and 10 both go.
        let mut list = json!({"xs": (0..12).map(|i| json!({"n": i, "drop": i == 9 || i == 10})).collect::<Vec<_>>()});
        let drop =
            json!({"overlay": "1.0.0", "info": {}, "actions": [{"target": "$.xs[?@.drop == true]", "remove": true}]});
        apply(&mut list, &drop, "o.yaml").unwrap();
        let left: Vec<i64> = list["xs"].as_array().unwrap().iter().map(|x| x["n"].as_i64().unwrap()).collect();
        assert_eq!(left, [0, 1, 2, 3, 4, 5, 6, 7, 8, 11]);

        let bad = json!({"overlay": "1.0.0", "info": {}, "actions": [{"target": "$.nope", "update": {}}]});
        let e = apply(&mut doc, &bad, "o.yaml").unwrap_err();
        assert_eq!((e[0].pointer.as_str(), e[0].file.as_deref()), ("/actions/0/target", Some("o.yaml")));
        assert!(e[0].message.contains("selects nothing"));
    }
}
