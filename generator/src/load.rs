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
    /// Every string schema with a `pattern`, with where it is: schemas that validate alike
    /// become one type, named after what the spec calls them most.
    pub pattern_sites: Vec<PatternSite>,
}

/// A string schema with a `pattern`.
#[derive(Debug, Clone)]
pub struct PatternSite {
    /// What makes two schemas the same type: the pattern and the length bounds.
    pub key: PatternKey,
    /// The schema's pointer.
    pub pointer: String,
    /// What the spec calls it there.
    pub context: SiteContext,
    /// Its description, or its parameter's or header's.
    pub description: Option<String>,
}

/// The validation of a pattern type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PatternKey {
    /// The `pattern`, as written.
    pub pattern: String,
    /// `minLength`.
    pub min_length: Option<u64>,
    /// `maxLength`.
    pub max_length: Option<u64>,
}

/// Where a pattern schema is, as far as naming goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteContext {
    /// `components/schemas/{0}`.
    Component(String),
    /// A parameter named `{0}`.
    Param(String),
    /// A header named `{0}`.
    Header(String),
    /// Property `name` of an object the spec calls `parent`.
    Property {
        /// The object's name (its component key or derived name).
        parent: String,
        /// The property's name.
        name: String,
    },
    /// The items of an array property `{0}`.
    Item(String),
    /// Anywhere else (a body's root schema).
    Other,
}

/// Parse `text` and check that it is an OpenAPI 3.0.x document.
pub fn load(text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    load_with(text, &[])
}

/// [`load`], with overlays (path, text) applied in order before the document is read.
pub fn load_with(text: &str, overlays: &[(&str, &str)]) -> Result<Loaded, Vec<Diagnostic>> {
    load_files(text, ("", ""), overlays, &[])
}

/// [`load_with`] for a document (its file name and folder, as diagnostics show them) whose
/// `$ref`s reach `externals` (paths relative to its folder → texts): those are bundled in
/// after the overlays.
pub fn load_files(
    text: &str,
    path: (&str, &str),
    overlays: &[(&str, &str)],
    externals: &[(&str, &str)],
) -> Result<Loaded, Vec<Diagnostic>> {
    let mut value = parse_value(text)?;
    check_version(&value)?;
    for (path, overlay) in overlays {
        let overlay =
            parse_value(overlay).map_err(|ds| ds.into_iter().map(|d| d.in_file(*path)).collect::<Vec<_>>())?;
        crate::overlay::apply(&mut value, &overlay, path)?;
    }
    crate::bundle::bundle(&mut value, path.0, path.1, externals)?;
    let problems = crate::shape::check(&value);
    if !problems.is_empty() {
        return Err(problems);
    }
    crate::normalize::normalize(&mut value);
    let mut ref_docs = std::collections::BTreeMap::new();
    collect_ref_docs(&value, &mut String::with_capacity(128), &mut ref_docs);
    let pattern_sites = pattern_sites(&mut value);
    Ok(Loaded { doc: deserialize(value)?, ref_docs, pattern_sites })
}

/// Every string schema with a `pattern`, in document order.
fn pattern_sites(doc: &mut serde_json::Value) -> Vec<PatternSite> {
    let mut found: Vec<(PatternKey, String, Option<String>)> = Vec::new();
    crate::normalize::for_each_schema(doc, &mut |s, at| {
        let Some(pattern) = s.get("pattern").and_then(|p| p.as_str()) else { return };
        if s.get("enum").is_some() || s.get("type").and_then(|t| t.as_str()).is_some_and(|t| t != "string") {
            return;
        }
        let bound = |k: &str| s.get(k).and_then(serde_json::Value::as_u64);
        let key =
            PatternKey { pattern: pattern.to_owned(), min_length: bound("minLength"), max_length: bound("maxLength") };
        let description = s.get("description").and_then(|d| d.as_str()).map(str::to_owned);
        found.push((key, at.to_owned(), description));
    });
    found
        .into_iter()
        .map(|(key, pointer, description)| {
            let context = site_context(doc, &pointer);
            let description = description.or_else(|| {
                // A parameter's or header's description is next to its schema.
                let owner = pointer.strip_suffix("/schema")?;
                Some(doc.pointer(owner)?.get("description")?.as_str()?.to_owned())
            });
            PatternSite { key, pointer, context, description }
        })
        .collect()
}

/// What the spec calls the schema at `pointer`.
fn site_context(doc: &serde_json::Value, pointer: &str) -> SiteContext {
    let segments: Vec<String> = pointer.split('/').skip(1).map(crate::pointer::unescape).collect();
    let seg = |i: usize| segments.get(i).map(String::as_str);
    let n = segments.len();
    if n == 3 && seg(0) == Some("components") && seg(1) == Some("schemas") {
        return SiteContext::Component(segments[2].clone());
    }
    if seg(n.wrapping_sub(1)) == Some("schema") {
        // A parameter's or header's schema.
        let owner = &pointer[..pointer.len() - "/schema".len()];
        if let Some(name) = doc.pointer(owner).and_then(|p| p.get("name")).and_then(|v| v.as_str()) {
            return SiteContext::Param(name.to_owned());
        }
        if n >= 3 && seg(n - 3) == Some("headers") {
            return SiteContext::Header(segments[n - 2].clone());
        }
        return SiteContext::Other;
    }
    if n >= 3 && seg(n - 2) == Some("properties") {
        // The object's name: a component, a property holding it, or the array property whose
        // items it is (singular); `allOf` members belong to the schema they merge into.
        let mut i = n - 3;
        let parent = loop {
            match seg(i) {
                Some("items") if i > 0 => {
                    let holder = &segments[i - 1];
                    break holder.strip_suffix('s').unwrap_or(holder).to_owned();
                }
                Some(d)
                    if d.parse::<usize>().is_ok()
                        && i >= 2
                        && matches!(seg(i - 1), Some("allOf" | "oneOf" | "anyOf")) =>
                {
                    i -= 2;
                }
                Some("schema") | None => break String::new(),
                Some(other) => break other.to_owned(),
            }
        };
        return SiteContext::Property { parent, name: segments[n - 1].clone() };
    }
    if seg(n.wrapping_sub(1)) == Some("items") && n >= 3 && seg(n - 3) == Some("properties") {
        return SiteContext::Item(segments[n - 2].clone());
    }
    SiteContext::Other
}

/// The `description` next to each `$ref`, by the pointer of the object holding both (`at` is
/// one buffer for the whole walk: push a token, recurse, truncate).
fn collect_ref_docs(v: &serde_json::Value, at: &mut String, out: &mut std::collections::BTreeMap<String, String>) {
    match v {
        serde_json::Value::Object(m) => {
            if m.contains_key("$ref") {
                if let Some(serde_json::Value::String(d)) = m.get("description") {
                    out.insert(at.clone(), d.clone());
                }
            }
            // Only objects and arrays can hold a `$ref`: leaves are not visited.
            for (k, c) in m.iter().filter(|(_, c)| c.is_object() || c.is_array()) {
                let len = at.len();
                crate::pointer::push(at, k);
                collect_ref_docs(c, at, out);
                at.truncate(len);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, c) in a.iter().enumerate().filter(|(_, c)| c.is_object() || c.is_array()) {
                let len = at.len();
                crate::pointer::push_index(at, i);
                collect_ref_docs(c, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// Largest spec accepted, in bytes.
pub const MAX_SIZE: usize = 64 * 1024 * 1024;

/// Deepest nesting accepted (the limit `serde_json` and `serde_yaml` apply as well); a deeper
/// document is refused before any parser runs, in linear time.
pub const MAX_DEPTH: usize = 128;

pub(crate) fn parse_value(text: &str) -> Result<serde_json::Value, Vec<Diagnostic>> {
    if text.len() > MAX_SIZE {
        return Err(vec![Diagnostic::new(
            "",
            format!("the spec is {} bytes; at most {MAX_SIZE} are accepted", text.len()),
        )
        .at(1, 1)]);
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() {
        return Err(vec![Diagnostic::new("", "the spec is empty")
            .with_help("expected an OpenAPI 3.0 document in YAML or JSON")
            .at(1, 1)]);
    }
    if let Some((line, col)) = too_deep(text) {
        return Err(vec![Diagnostic::new("", format!("the document nests deeper than {MAX_DEPTH} levels"))
            .with_help("an OpenAPI document is much shallower; is this the right file?")
            .at(line, col)]);
    }
    if trimmed.starts_with('{') {
        return serde_json::from_str(trimmed).map_err(|e| {
            let msg = strip_position(&e.to_string());
            vec![Diagnostic::new("", format!("invalid JSON: {msg}")).at(e.line().max(1), e.column().max(1))]
        });
    }
    let mut value = match serde_yaml::from_str::<Yaml>(text) {
        Ok(Yaml(v)) => v,
        Err(e) => {
            let msg = strip_position(&e.to_string());
            // serde_yaml names the path (`a.b.c: invalid type…`); the position says where.
            let msg = match msg.split_once(": ") {
                Some((path, rest)) if !path.contains(' ') => rest.to_owned(),
                _ => msg,
            };
            let mut d = Diagnostic::new("", format!("invalid YAML: {msg}"));
            if let Some(loc) = e.location() {
                d = d.at(loc.line(), loc.column());
            }
            return Err(vec![d]);
        }
    };
    apply_merge_keys(&mut value);
    Ok(value)
}

/// Where the document first nests deeper than [`MAX_DEPTH`] (line, column), by one linear pass
/// over the text: block nesting from indentation (and compact `- - x` sequences), flow nesting
/// from brackets outside quoted scalars, comments and block scalars.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut quote: Option<char> = None;
    let mut block_scalar: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = &line[indent..];
        if let Some(parent) = block_scalar {
            if body.is_empty() || indent > parent {
                continue;
            }
            block_scalar = None;
        }
        if flow == 0 && quote.is_none() && !body.is_empty() && !body.starts_with('#') {
            while indents.last().is_some_and(|&i| i >= indent) {
                indents.pop();
            }
            indents.push(indent);
        }
        let mut prev = ' ';
        let mut dashes = 0;
        let mut at_start = true;
        for (col, c) in body.char_indices() {
            match quote {
                Some('\'') if c == '\'' => quote = None,
                Some('"') if c == '"' && prev != '\\' => quote = None,
                Some(_) => {}
                None => match c {
                    '#' if prev == ' ' || col == 0 => break,
                    '\'' | '"' if matches!(prev, ' ' | ':' | ',' | '[' | '{') || col == 0 => quote = Some(c),
                    '-' if at_start && body[col + 1..].starts_with(' ') => dashes += 1,
                    '[' | '{' if flow > 0 || matches!(prev, ' ' | ':' | '-' | ',' | '[' | '{' | '?') || col == 0 => {
                        flow += 1
                    }
                    ']' | '}' if flow > 0 => flow -= 1,
                    _ => {}
                },
            }
            if c != ' ' && c != '-' {
                at_start = false;
            }
            if indents.len() + dashes + flow > MAX_DEPTH {
                return Some((n + 1, indent + col + 1));
            }
            prev = c;
        }
        let trimmed = body.trim_end();
        if flow == 0
            && quote.is_none()
            && (trimmed.ends_with(": |")
                || trimmed.ends_with(": >")
                || trimmed == "|"
                || trimmed == ">"
                || trimmed.ends_with(": |-")
                || trimmed.ends_with(": >-"))
        {
            block_scalar = Some(indent);
        }
    }
    None
}

/// A YAML document read straight into a JSON value: any scalar as a key, integers beyond 64
/// bits as numbers, tags dropped.
struct Yaml(serde_json::Value);

impl<'de> serde::Deserialize<'de> for Yaml {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(YamlVisitor).map(Yaml)
    }
}

struct YamlVisitor;

impl<'de> serde::de::Visitor<'de> for YamlVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i128<E>(self, v: i128) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map(Into::into).unwrap_or_else(|_| (v as f64).into()))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Self::Value, E> {
        Ok(u64::try_from(v).map(Into::into).unwrap_or_else(|_| (v as f64).into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        // `.nan` and `.inf` have no JSON form.
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Yaml(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(serde_json::Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some((Key(k), Yaml(v))) = map.next_entry()? {
            out.insert(k, v);
        }
        Ok(serde_json::Value::Object(out))
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        // A tagged value (`!tag value`): the tag is dropped.
        use serde::de::VariantAccess;
        let (_, variant) = data.variant::<serde::de::IgnoredAny>()?;
        variant.newtype_variant::<Yaml>().map(|Yaml(v)| v)
    }
}

/// A mapping key: any scalar, as text.
struct Key(String);

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(YamlVisitor)? {
            serde_json::Value::String(s) => Ok(Key(s)),
            serde_json::Value::Null => Ok(Key("null".to_owned())),
            v @ (serde_json::Value::Bool(_) | serde_json::Value::Number(_)) => Ok(Key(v.to_string())),
            _ => Err(serde::de::Error::custom("mapping keys must be scalars")),
        }
    }
}

/// YAML merge keys (`<<: *anchor`, `<<: [*a, *b]`): the merged mappings' entries, where the
/// mapping has none of its own (earlier mappings of a list win).
fn apply_merge_keys(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(merge) = m.remove("<<") {
                let sources = match merge {
                    serde_json::Value::Array(items) => items,
                    other => vec![other],
                };
                for source in sources {
                    if let serde_json::Value::Object(src) = source {
                        for (k, val) in src {
                            m.entry(k).or_insert(val);
                        }
                    }
                }
            }
            m.values_mut().for_each(apply_merge_keys);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(apply_merge_keys),
        _ => {}
    }
}

/// serde_yaml and serde_json append " at line X column Y"; we render positions ourselves.
fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
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

/// The document as `openapiv3` types; a document that does not fit them gets the JSON pointer
/// where reading stopped.
fn deserialize(value: serde_json::Value) -> Result<openapiv3::OpenAPI, Vec<Diagnostic>> {
    // Without path tracking first (it wraps every field read); only a document that fails is
    // read again to say where.
    if let Ok(doc) = <openapiv3::OpenAPI as serde::Deserialize>::deserialize(&value) {
        return Ok(doc);
    }
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

    /// A document the shape check lets through but `openapiv3` cannot read is read a second
    /// time, with path tracking, to say where.
    #[test]
    fn a_document_openapiv3_cannot_read_names_where() {
        let doc = r#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},
            "components":{"securitySchemes":{"x":{"type":"http"}}}}"#;
        let e = load(doc).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].pointer, "/components/securitySchemes/x");
        assert_eq!(e[0].message, "invalid OpenAPI document: missing field `scheme`");
    }

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
        let Some(openapiv3::ReferenceOr::Item(item)) = loaded.doc.paths.paths.get("/a") else { panic!("no /a") };
        let op = item.get.as_ref().expect("GET /a");
        let (code, response) = op.responses.responses.iter().next().expect("one response");
        assert_eq!(*code, openapiv3::StatusCode::Code(200));
        let openapiv3::ReferenceOr::Item(r) = response else { panic!("inline response") };
        assert_eq!(r.description, "ok");
    }

    #[test]
    fn deep_documents_are_refused_before_parsing() {
        let block = format!("{}x\n", "- ".repeat(50_000));
        let flow = format!("openapi: 3.0.3\nx: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        for text in [block, flow] {
            let e = load(&text).unwrap_err();
            assert!(e[0].message.contains("nests deeper than 128 levels"), "{}", e[0].message);
            assert!(e[0].position.is_some(), "the position is known without a source map");
        }
        // Brackets inside scalars are not nesting.
        let ok = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx-p: '[[[['\nx-q: ^[[[[a]\n";
        assert!(too_deep(ok).is_none());
    }
}
