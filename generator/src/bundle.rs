//! Multi-file documents: `$ref`s to other files (`schemas/pet.yaml`,
//! `common.yaml#/components/schemas/Error`) are bundled into the root document before anything
//! reads it.
//!
//! The generator does no IO: the caller hands over the other files' texts (see
//! [`referenced_files`], which lists what a file refers to). A referenced component becomes an
//! entry of the root's `components` (schemas, parameters, responses, request bodies, headers,
//! chosen by where the `$ref` stands), named after the fragment's last segment or the file's
//! name; anything else (a path item, say) is copied in place. Cycles across files end at the
//! component entries. Every problem is reported in the file and at the `$ref` it comes from.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::diagnostics::Diagnostic;
use crate::pointer::{escape, join, unescape};

/// The files `text` (at `path`) refers to, as paths relative to the root document's folder
/// (`path` itself is relative to it too). URLs are not files: they are left for the diagnostic.
pub fn referenced_files(text: &str, path: &str) -> Vec<String> {
    if only_local_refs(text) {
        return Vec::new();
    }
    let Ok(value) = crate::load::parse_value(text) else { return Vec::new() };
    let mut out = BTreeSet::new();
    visit_refs(&value, &mut |r| {
        if let Some(file) = file_part(r) {
            out.insert(resolve(path, file));
        }
    });
    out.into_iter().collect()
}

/// Whether a byte scan shows that every `$ref` in `text` points into the document itself
/// (`$ref: '#/…'`, `"$ref": "#/…"`), so there is nothing to read and no need to parse. Anything
/// the scan cannot read that way (an escaped `$`, a reference in another form) answers `false`.
fn only_local_refs(text: &str) -> bool {
    if ["\\u0024", "\\x24", "\\U00000024"].iter().any(|e| text.contains(e)) {
        return false;
    }
    text.match_indices("$ref").all(|(at, _)| {
        let rest = text[at + 4..].trim_start_matches(['"', '\'']).trim_start_matches([' ', '\t']);
        let Some(rest) = rest.strip_prefix(':') else { return false };
        rest.trim_start_matches([' ', '\t']).trim_start_matches(['"', '\'']).starts_with('#')
    })
}

fn visit_refs(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                f(r);
            }
            m.values().for_each(|c| visit_refs(c, f));
        }
        Value::Array(a) => a.iter().for_each(|c| visit_refs(c, f)),
        _ => {}
    }
}

/// The file of a reference to another file (`x.yaml` of `x.yaml#/a`), if it is one.
fn file_part(reference: &str) -> Option<&str> {
    let file = reference.split('#').next().unwrap_or("");
    (!file.is_empty() && !file.contains("://")).then_some(file)
}

/// `relative` (as written in `from`) as a path relative to the root's folder, normalized.
fn resolve(from: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop(); // `from`'s own name
    for seg in relative.split('/') {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(seg),
        }
    }
    parts.join("/")
}

/// What a `$ref` stands for, from where it stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Schema,
    Parameter,
    Response,
    RequestBody,
    Header,
    /// Copied in place.
    Inline,
}

impl Role {
    fn section(self) -> Option<&'static str> {
        Some(match self {
            Role::Schema => "schemas",
            Role::Parameter => "parameters",
            Role::Response => "responses",
            Role::RequestBody => "requestBodies",
            Role::Header => "headers",
            Role::Inline => return None,
        })
    }

    /// The role of the node at `path` (segments from the root document's top).
    fn of(path: &[String]) -> Role {
        let n = path.len();
        let at = |i: usize| if i < n { path[n - 1 - i].as_str() } else { "" };
        if n == 3 && path[0] == "components" {
            return match path[1].as_str() {
                "schemas" => Role::Schema,
                "parameters" => Role::Parameter,
                "responses" => Role::Response,
                "requestBodies" => Role::RequestBody,
                "headers" => Role::Header,
                _ => Role::Inline,
            };
        }
        match (at(1), at(0)) {
            (_, "schema" | "items" | "additionalProperties" | "not") => Role::Schema,
            ("properties" | "allOf" | "oneOf" | "anyOf", _) => Role::Schema,
            ("parameters", _) => Role::Parameter,
            ("responses", _) => Role::Response,
            ("headers", _) => Role::Header,
            (_, "requestBody") => Role::RequestBody,
            _ => Role::Inline,
        }
    }
}

struct Bundler<'a> {
    root: &'a str,
    /// The root's folder as diagnostics show it.
    shown_dir: &'a str,
    texts: &'a [(&'a str, &'a str)],
    docs: BTreeMap<String, Option<Value>>,
    /// `(file, fragment)` → the component it became: section and key.
    placed: BTreeMap<(String, String), (&'static str, String)>,
    /// Keys taken in each section (the root's own and those added).
    taken: BTreeMap<&'static str, BTreeSet<String>>,
    added: Vec<(&'static str, String, Value)>,
    /// In-place copies under way (a cycle of them has no end).
    inlining: Vec<(String, String)>,
    diags: Vec<Diagnostic>,
}

/// Bundle every reference to another file into `doc` (the document at `root`), with `texts`
/// the other files (path relative to the root's folder → text).
pub fn bundle(doc: &mut Value, root: &str, shown_dir: &str, texts: &[(&str, &str)]) -> Result<(), Vec<Diagnostic>> {
    let mut has_external = false;
    visit_refs(doc, &mut |r| has_external |= !r.starts_with('#'));
    if !has_external {
        return Ok(());
    }
    let mut b = Bundler {
        root,
        shown_dir,
        texts,
        docs: BTreeMap::new(),
        placed: BTreeMap::new(),
        taken: BTreeMap::new(),
        added: Vec::new(),
        inlining: Vec::new(),
        diags: Vec::new(),
    };
    for section in ["schemas", "parameters", "responses", "requestBodies", "headers"] {
        let keys = doc.pointer(&format!("/components/{section}")).and_then(Value::as_object);
        b.taken.insert(section, keys.map(|m| m.keys().cloned().collect()).unwrap_or_default());
    }
    // The root's own component entries first, so an entry that is a reference to a file
    // (`Tag: {$ref: tag.yaml}`) names that file's content wherever else it is used.
    for section in ["schemas", "parameters", "responses", "requestBodies", "headers"] {
        let Some(entries) = doc.pointer_mut(&format!("/components/{section}")).and_then(Value::as_object_mut) else {
            continue;
        };
        for (name, entry) in entries.iter_mut() {
            let is_file_ref = entry.get("$ref").and_then(Value::as_str).is_some_and(|r| !r.starts_with('#'));
            if is_file_ref {
                let mut path = vec!["components".to_owned(), section.to_owned(), name.clone()];
                b.walk(entry, root, &format!("/components/{section}/{}", escape(name)), &mut path);
            }
        }
    }
    let mut path = Vec::new();
    b.walk(doc, root, "", &mut path);
    if !b.diags.is_empty() {
        return Err(b.diags);
    }
    for (section, key, value) in std::mem::take(&mut b.added) {
        let Some(top) = doc.as_object_mut() else { break };
        let components = top.entry("components").or_insert_with(|| Value::Object(Map::new()));
        let Some(components) = components.as_object_mut() else { break };
        let section = components.entry(section).or_insert_with(|| Value::Object(Map::new()));
        if let Some(section) = section.as_object_mut() {
            section.insert(key, value);
        }
    }
    Ok(())
}

impl Bundler<'_> {
    /// Rewrite the references in `v` (content of `file`, at `src` in it; at `path` in the
    /// bundled document).
    fn walk(&mut self, v: &mut Value, file: &str, src: &str, path: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    let r = r.clone();
                    // A local reference inside another file means that file's component.
                    if file != self.root || !r.starts_with('#') {
                        if let Some(replacement) = self.reference(&r, file, src, path) {
                            *v = replacement;
                        }
                        return;
                    }
                }
                for (k, c) in m.iter_mut() {
                    path.push(k.clone());
                    self.walk(c, file, &join(src, k), path);
                    path.pop();
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter_mut().enumerate() {
                    path.push(i.to_string());
                    self.walk(c, file, &format!("{src}/{i}"), path);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// The replacement for a `$ref` to `reference` written in `file` at `src`: a local `$ref`
    /// to the component it became, or the copied content.
    fn reference(&mut self, reference: &str, file: &str, src: &str, path: &mut Vec<String>) -> Option<Value> {
        let at = join(src, "$ref");
        let (target_file, fragment) = match reference.split_once('#') {
            Some((f, frag)) => (f, frag),
            None => (reference, ""),
        };
        if target_file.contains("://") {
            let d = Diagnostic::new(&at, format!("`$ref` `{reference}` points at a URL; the generator does not fetch"))
                .with_help("download the document next to the spec and refer to it by a relative path");
            self.diags.push(self.in_file(d, file));
            return None;
        }
        let target_file = if target_file.is_empty() { file.to_owned() } else { resolve(file, target_file) };
        if target_file == self.root {
            // Back into the root document: an ordinary local reference.
            let mut m = Map::new();
            m.insert("$ref".to_owned(), Value::String(format!("#{fragment}")));
            return Some(Value::Object(m));
        }
        if !self.load(&target_file, file, &at) {
            return None;
        }
        let found = self.docs.get(&target_file).and_then(|d| d.as_ref()).and_then(|d| d.pointer(fragment)).cloned();
        let Some(target) = found else {
            let d = Diagnostic::new(&at, format!("`$ref` target `{fragment}` does not exist in `{target_file}`"))
                .with_help("fix the reference or the referenced file");
            self.diags.push(self.in_file(d, file));
            return None;
        };
        let key = (target_file.clone(), fragment.to_owned());
        let role = Role::of(path);
        // A component entry of the root that is a reference (`Pet: {$ref: pet.yaml}`) becomes
        // the content itself, under the root's name.
        if let (Some(section), [c, _, name]) = (role.section(), path.as_slice()) {
            if c == "components" && !self.placed.contains_key(&key) {
                self.placed.insert(key, (section, name.clone()));
                let mut content = target;
                self.walk(&mut content, &target_file, fragment, path);
                return Some(content);
            }
        }
        match role.section() {
            Some(section) => {
                if let Some((s, name)) = self.placed.get(&key) {
                    return Some(local_ref(s, name));
                }
                let name = self.name(section, &target_file, fragment);
                self.placed.insert(key, (section, name.clone()));
                let mut content = target;
                let mut inner = vec!["components".to_owned(), section.to_owned(), name.clone()];
                self.walk(&mut content, &target_file, fragment, &mut inner);
                self.added.push((section, name.clone(), content));
                Some(local_ref(section, &name))
            }
            None => {
                if self.inlining.contains(&key) {
                    let d = Diagnostic::new(&at, format!("`$ref` `{reference}` contains itself"))
                        .with_help("a reference cycle must pass through a schema");
                    self.diags.push(self.in_file(d, file));
                    return None;
                }
                self.inlining.push(key);
                let mut content = target;
                self.walk(&mut content, &target_file, fragment, path);
                self.inlining.pop();
                Some(content)
            }
        }
    }

    /// Parse the file `path` once; `false` (with a diagnostic at `at` in `from`, or in the file
    /// itself when it does not parse) when there is nothing to read.
    fn load(&mut self, path: &str, from: &str, at: &str) -> bool {
        if !self.docs.contains_key(path) {
            let parsed = match self.texts.iter().find(|(p, _)| *p == path) {
                None => {
                    let d = Diagnostic::new(at, format!("`$ref` file `{path}` was not found"))
                        .with_help("paths are relative to the file that contains the `$ref`");
                    self.diags.push(self.in_file(d, from));
                    None
                }
                Some((_, text)) => match crate::load::parse_value(text) {
                    Ok(v) => Some(v),
                    Err(ds) => {
                        let shown = self.shown(path);
                        self.diags.extend(ds.into_iter().map(|d| d.in_file(shown.clone())));
                        None
                    }
                },
            };
            self.docs.insert(path.to_owned(), parsed);
        }
        self.docs.get(path).is_some_and(Option::is_some)
    }

    /// A free key in `section` for the content at `fragment` of `file`.
    fn name(&mut self, section: &'static str, file: &str, fragment: &str) -> String {
        let base = match fragment.rsplit('/').next().filter(|s| !s.is_empty()) {
            Some(last) => unescape(last),
            None => {
                let stem = file.rsplit('/').next().unwrap_or(file);
                stem.split('.').next().unwrap_or(stem).to_owned()
            }
        };
        // Keys that differ only in case would become one Rust name: they clash too.
        let taken = self.taken.entry(section).or_default();
        let mut name = base.clone();
        let mut n = 2;
        while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) || !taken.insert(name.clone()) {
            name = format!("{base}{n}");
            n += 1;
        }
        name
    }

    fn in_file(&self, d: Diagnostic, file: &str) -> Diagnostic {
        if file == self.root {
            d
        } else {
            d.in_file(self.shown(file))
        }
    }

    /// A file's path as diagnostics show it (next to the spec's).
    fn shown(&self, file: &str) -> String {
        if self.shown_dir.is_empty() {
            file.to_owned()
        } else {
            format!("{}/{file}", self.shown_dir)
        }
    }
}

fn local_ref(section: &str, name: &str) -> Value {
    let mut m = Map::new();
    m.insert("$ref".to_owned(), Value::String(format!("#/components/{section}/{}", escape(name))));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_scan_only_skips_documents_with_local_refs() {
        assert!(only_local_refs("{\"a\": {\"$ref\": \"#/components/schemas/A\"}}"));
        assert!(only_local_refs("a:\n  $ref: '#/components/schemas/A'\nb: {$ref: \"#/x\"}\n"));
        assert!(!only_local_refs("a:\n  $ref: 'pet.yaml'\n"));
        assert!(!only_local_refs("a:\n  $ref: pet.yaml#/Pet\n"));
        assert!(!only_local_refs("{\"\\u0024ref\": \"#/x\"}"));
        assert!(!only_local_refs("description: see $ref below\n"));
        assert_eq!(referenced_files("a:\n  $ref: 'pet.yaml'\n", "spec/root.yaml"), vec!["spec/pet.yaml".to_owned()]);
    }

    #[test]
    fn paths_resolve_from_the_referring_file() {
        assert_eq!(resolve("api.yaml", "schemas/pet.yaml"), "schemas/pet.yaml");
        assert_eq!(resolve("schemas/pet.yaml", "./tag.yaml"), "schemas/tag.yaml");
        assert_eq!(resolve("schemas/pet.yaml", "../common.yaml"), "common.yaml");
        assert_eq!(resolve("a/b/c.yaml", "../../d.yaml"), "d.yaml");
    }
}
