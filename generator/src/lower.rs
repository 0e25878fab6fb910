//! Lowering: `openapiv3::OpenAPI` → [`ir::Api`]. All validation and all naming happen here.

use std::collections::{BTreeMap, HashMap};

use openapiv3 as oa;
use openapiv3::ReferenceOr;

use crate::diagnostics::{join, Diagnostic};
use crate::ir::*;
use crate::naming::{self, Namespace};

/// Names the runtime exports at the crate root; spec types must not shadow them.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Client",
    "ClientBuilder",
    "Credentials",
    "Error",
    "ConfigError",
    "RetryConfig",
    "TimeoutConfig",
    "TimeoutKind",
    "RequestOptions",
    "Response",
    "UnhandledResponse",
    "PatternError",
    "IntoParam",
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Value",
];

/// Lower a loaded document. `ref_docs` holds the `description` written next to a `$ref`
/// (which `openapiv3` drops), by the pointer of the referencing node.
pub fn lower(doc: &oa::OpenAPI, ref_docs: &BTreeMap<String, String>) -> Result<Api, Vec<Diagnostic>> {
    let mut l = Lowerer {
        doc,
        ref_docs,
        types: BTreeMap::new(),
        ns: Namespace::with_reserved(RESERVED_TYPE_NAMES),
        diags: Vec::new(),
        cache: HashMap::new(),
        component_names: BTreeMap::new(),
    };
    // Components first, in key order, so their names win over derived ones.
    if let Some(c) = &doc.components {
        for key in sorted_keys(&c.schemas) {
            let name = l.ns.claim(&naming::pascal(key));
            l.component_names.insert(key.to_owned(), name);
        }
        for key in sorted_keys(&c.schemas) {
            let pointer = join("/components/schemas", key);
            let name = l.component_names[key].clone();
            let schema = &c.schemas[key];
            l.lower_component(schema, key, &name, &pointer);
        }
    }
    let base_url = l.base_url(&doc.servers, "/servers");
    let auth = l.auth();
    let mut methods = Namespace::with_reserved(&["builder", "from_env", "new", "clone", "options", "base_url"]);
    let mut operations = Vec::new();
    let mut entries: Vec<(&String, &ReferenceOr<oa::PathItem>)> = doc.paths.paths.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (path, item) in entries {
        let pointer = join("/paths", path);
        let item = match item {
            ReferenceOr::Item(i) => i,
            ReferenceOr::Reference { .. } => {
                l.diags.push(
                    Diagnostic::new(&pointer, "`$ref` on a path item is not supported")
                        .with_help("inline the path item"),
                );
                continue;
            }
        };
        for (method_name, op) in item.iter() {
            let Some(method) = parse_method(method_name) else { continue };
            let op_pointer = join(&pointer, method_name);
            if let Some(op) = l.operation(path, item, method, op, &op_pointer, &mut methods) {
                operations.push(op);
            }
        }
    }
    if !l.diags.is_empty() {
        return Err(l.diags);
    }
    operations.sort_by(|a, b| a.name.rust.cmp(&b.name.rust));
    for op in &mut operations {
        if op.server.as_deref() == Some(base_url.as_str()) {
            op.server = None;
        }
    }
    let mut types = l.types;
    box_recursive_fields(&mut types);
    let sent_types = mark_sent_types(&mut types, &operations);
    Ok(Api {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        docs: naming::docs(doc.info.description.as_deref()),
        base_url,
        auth,
        types: types.into_values().collect(),
        operations,
        sent_types,
    })
}

/// Named types a value of `t` holds directly (not behind a `Vec` or map, which already
/// allocate), for cycle detection.
fn direct_names(t: &TypeRef) -> Option<&str> {
    match t {
        TypeRef::Named(n) => Some(n),
        _ => None,
    }
}

/// Box fields (and variants) whose type leads back to the type that holds them, so recursive
/// schemas have a finite size.
fn box_recursive_fields(types: &mut BTreeMap<String, TypeDef>) {
    let edges = |t: &TypeDef| -> Vec<String> {
        match &t.kind {
            TypeDefKind::Struct { fields } => {
                fields.iter().filter_map(|f| direct_names(&f.ty)).map(str::to_owned).collect()
            }
            TypeDefKind::OneOf { variants, .. } => {
                variants.iter().filter_map(|v| direct_names(&v.ty)).map(str::to_owned).collect()
            }
            TypeDefKind::Alias(t) => direct_names(t).into_iter().map(str::to_owned).collect(),
            _ => Vec::new(),
        }
    };
    let graph: BTreeMap<String, Vec<String>> = types.iter().map(|(k, t)| (k.clone(), edges(t))).collect();
    let reaches = |from: &str, target: &str| -> bool {
        let mut seen = std::collections::BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(n) = stack.pop() {
            if n == target {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(graph.get(&n).into_iter().flatten().cloned());
            }
        }
        false
    };
    for (name, t) in types.iter_mut() {
        match &mut t.kind {
            TypeDefKind::Struct { fields } => {
                for f in fields {
                    if direct_names(&f.ty).is_some_and(|n| reaches(n, name)) {
                        f.boxed = true;
                    }
                }
            }
            TypeDefKind::OneOf { variants, .. } => {
                for v in variants {
                    if direct_names(&v.ty).is_some_and(|n| reaches(n, name)) {
                        v.boxed = true;
                    }
                }
            }
            _ => {}
        }
    }
}

/// Find the named types reachable from request bodies and parameters; in those, an optional
/// and nullable field distinguishes "absent" from `null` (e.g. a PATCH that clears a field).
fn mark_sent_types(types: &mut BTreeMap<String, TypeDef>, ops: &[Operation]) -> Vec<String> {
    fn names(t: &TypeRef, out: &mut Vec<String>) {
        match t {
            TypeRef::Named(n) => out.push(n.clone()),
            TypeRef::Array(i) | TypeRef::Map(i) => names(i, out),
            _ => {}
        }
    }
    let mut stack = Vec::new();
    for op in ops {
        if let Some(b) = &op.body {
            names(&b.ty, &mut stack);
        }
        for p in &op.params {
            names(&p.ty, &mut stack);
        }
    }
    let mut sent = std::collections::BTreeSet::new();
    while let Some(n) = stack.pop() {
        if !sent.insert(n.clone()) {
            continue;
        }
        match types.get(&n).map(|t| &t.kind) {
            Some(TypeDefKind::Struct { fields }) => fields.iter().for_each(|f| names(&f.ty, &mut stack)),
            Some(TypeDefKind::OneOf { variants, .. }) => variants.iter().for_each(|v| names(&v.ty, &mut stack)),
            Some(TypeDefKind::Alias(t)) => names(t, &mut stack),
            _ => {}
        }
    }
    for n in &sent {
        if let Some(TypeDefKind::Struct { fields }) = types.get_mut(n).map(|t| &mut t.kind) {
            for f in fields {
                f.absent_vs_null = !f.required && f.nullable;
            }
        }
    }
    sent.into_iter().collect()
}

fn sorted_keys<V>(map: &indexmap::IndexMap<String, V>) -> Vec<&str> {
    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

fn parse_method(m: &str) -> Option<Method> {
    Some(match m {
        "get" => Method::Get,
        "put" => Method::Put,
        "post" => Method::Post,
        "delete" => Method::Delete,
        "options" => Method::Options,
        "head" => Method::Head,
        "patch" => Method::Patch,
        "trace" => Method::Trace,
        _ => return None,
    })
}

/// Parameter identity: location (0 path, 1 query, 2 header) and name.
type ParamKey = (u8, String);

struct Lowerer<'a> {
    doc: &'a oa::OpenAPI,
    ref_docs: &'a BTreeMap<String, String>,
    /// Named types by Rust name (sorted output).
    types: BTreeMap<String, TypeDef>,
    ns: Namespace,
    diags: Vec<Diagnostic>,
    /// Inline schemas already lowered, by JSON pointer, so shared components lower once.
    cache: HashMap<String, TypeRef>,
    /// `components/schemas` key → Rust name.
    component_names: BTreeMap<String, String>,
}

impl<'a> Lowerer<'a> {
    fn err(&mut self, pointer: &str, msg: impl Into<String>) {
        self.diags.push(Diagnostic::new(pointer, msg));
    }

    fn base_url(&mut self, servers: &[oa::Server], pointer: &str) -> String {
        let Some(server) = servers.first() else { return String::new() };
        let mut url = server.url.clone();
        if let Some(vars) = &server.variables {
            for (k, v) in vars {
                url = url.replace(&format!("{{{k}}}"), &v.default);
            }
        }
        if url.contains('{') {
            self.err(&format!("{pointer}/0/url"), format!("server URL `{url}` has a variable without a default"));
        }
        url.trim_end_matches('/').to_owned()
    }

    fn auth(&mut self) -> Vec<AuthScheme> {
        let mut out = Vec::new();
        let Some(c) = &self.doc.components else { return out };
        for key in sorted_keys(&c.security_schemes) {
            let pointer = join("/components/securitySchemes", key);
            let scheme = match &c.security_schemes[key] {
                ReferenceOr::Item(s) => s,
                ReferenceOr::Reference { .. } => {
                    self.err(&pointer, "`$ref` in securitySchemes is not supported");
                    continue;
                }
            };
            match scheme {
                oa::SecurityScheme::HTTP { scheme, description, extensions, .. }
                    if scheme.eq_ignore_ascii_case("basic") =>
                {
                    let kinds =
                        self.credential_kinds(extensions.get("x-credentials"), &join(&pointer, "x-credentials"));
                    out.push(AuthScheme::Basic {
                        scheme: key.to_owned(),
                        docs: naming::docs(description.as_deref()),
                        kinds,
                    });
                }
                oa::SecurityScheme::HTTP { scheme, description, .. } if scheme.eq_ignore_ascii_case("bearer") => {
                    out.push(AuthScheme::Bearer { scheme: key.to_owned(), docs: naming::docs(description.as_deref()) });
                }
                _ => self.diags.push(
                    Diagnostic::new(&pointer, "only HTTP `basic` and `bearer` security schemes are supported")
                        .with_help("remove the scheme or describe it as `type: http`"),
                ),
            }
        }
        out
    }

    /// `x-credentials: [{name, username, password, username-env, password-env, description}]`.
    fn credential_kinds(&mut self, ext: Option<&serde_json::Value>, pointer: &str) -> Vec<CredentialKind> {
        let mut out = Vec::new();
        let Some(ext) = ext else { return out };
        let Some(items) = ext.as_array() else {
            self.err(pointer, "`x-credentials` must be a list");
            return out;
        };
        for (i, item) in items.iter().enumerate() {
            let p = format!("{pointer}/{i}");
            let get = |k: &str| item.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            match (get("name"), get("username"), get("password"), get("username-env"), get("password-env")) {
                (Some(n), Some(u), Some(pw), Some(ue), Some(pe)) => out.push(CredentialKind {
                    constructor: naming::snake(&n),
                    params: (naming::snake(&u), naming::snake(&pw)),
                    env: (ue, pe),
                    docs: naming::docs(get("description").as_deref()),
                }),
                _ => self.err(
                    &p,
                    "`x-credentials` entries need `name`, `username`, `password`, `username-env` and `password-env`",
                ),
            }
        }
        out
    }

    // ----- schemas -------------------------------------------------------------------------

    fn resolve_schema_ref(&mut self, r: &str, pointer: &str) -> Option<TypeRef> {
        match r.strip_prefix("#/components/schemas/") {
            Some(key) => match self.component_names.get(&unescape(key)) {
                Some(name) => Some(TypeRef::Named(name.clone())),
                None => {
                    self.diags.push(
                        Diagnostic::new(join(pointer, "$ref"), format!("`$ref` target `{r}` does not exist"))
                            .with_help("define it under components/schemas or fix the reference"),
                    );
                    None
                }
            },
            None => {
                self.diags.push(
                    Diagnostic::new(join(pointer, "$ref"), format!("unsupported `$ref` `{r}`"))
                        .with_help("schemas may only reference `#/components/schemas/...` in the same document"),
                );
                None
            }
        }
    }

    fn lower_component(&mut self, schema: &'a ReferenceOr<oa::Schema>, key: &str, name: &str, pointer: &str) {
        let ty = match schema {
            ReferenceOr::Reference { reference } => match self.resolve_schema_ref(reference, pointer) {
                Some(t) => t,
                None => return,
            },
            ReferenceOr::Item(s) => {
                if let Some(t) = self.named_shape(s, name, pointer) {
                    let _ = key;
                    self.cache.insert(pointer.to_owned(), t);
                    return;
                }
                self.type_ref_inline(s, name, pointer)
            }
        };
        let docs = match schema {
            ReferenceOr::Item(s) => naming::docs(s.schema_data.description.as_deref()),
            _ => Vec::new(),
        };
        self.types.insert(
            name.to_owned(),
            TypeDef {
                name: Name { rust: name.to_owned(), api: key.to_owned() },
                docs,
                pointer: pointer.to_owned(),
                kind: TypeDefKind::Alias(demote(ty)),
            },
        );
    }

    /// If `s` needs a named type (struct, enum, pattern newtype), define it under `name`.
    fn named_shape(&mut self, s: &'a oa::Schema, name: &str, pointer: &str) -> Option<TypeRef> {
        let docs = naming::docs(s.schema_data.description.as_deref().or(s.schema_data.title.as_deref()));
        let api = name.to_owned();
        let kind = match &s.schema_kind {
            oa::SchemaKind::Type(oa::Type::String(st)) => {
                let strings: Vec<&str> = st.enumeration.iter().flatten().map(String::as_str).collect();
                if !strings.is_empty() {
                    let mut vns = Namespace::with_reserved(&["Unknown"]);
                    let mut variants = Vec::new();
                    for v in strings {
                        let rust = vns.claim(&naming::pascal(if v.is_empty() { "Empty" } else { v }));
                        variants.push(Name { rust, api: v.to_owned() });
                    }
                    TypeDefKind::StringEnum { variants }
                } else if let Some(pattern) = &st.pattern {
                    let matcher = match crate::pattern::compile(pattern) {
                        Ok(m) => m,
                        Err(reason) => {
                            self.diags.push(
                                Diagnostic::new(join(pointer, "pattern"), format!("pattern `{pattern}` is not supported: {reason}"))
                                    .with_help("supported: ^, $, literals, escapes, groups, alternation, classes with ranges, \\d \\w \\s, ?, *, +, {n}, {n,m}"),
                            );
                            return Some(TypeRef::String);
                        }
                    };
                    let example = s
                        .schema_data
                        .example
                        .as_ref()
                        .and_then(|e| e.as_str())
                        .filter(|e| matcher.is_match(e))
                        .map(str::to_owned);
                    TypeDefKind::Pattern(PatternType {
                        source: pattern.clone(),
                        matcher,
                        min_length: st.min_length.map(|v| v as u64),
                        max_length: st.max_length.map(|v| v as u64),
                        example,
                    })
                } else {
                    return None;
                }
            }
            oa::SchemaKind::Type(oa::Type::Integer(it)) if it.enumeration.iter().any(Option::is_some) => {
                let mut vns = Namespace::with_reserved(&["Unknown"]);
                let variants = it
                    .enumeration
                    .iter()
                    .flatten()
                    .map(|v| {
                        let base = if *v < 0 { format!("Minus{}", v.unsigned_abs()) } else { format!("V{v}") };
                        (Name { rust: vns.claim(&base), api: v.to_string() }, *v)
                    })
                    .collect();
                TypeDefKind::IntEnum { variants }
            }
            oa::SchemaKind::Type(oa::Type::Object(obj)) if !obj.properties.is_empty() => {
                let props: Vec<(&'a String, &'a ReferenceOr<Box<oa::Schema>>, String)> =
                    obj.properties.iter().map(|(k, v)| (k, v, join(&join(pointer, "properties"), k))).collect();
                let required: Vec<&'a String> = obj.required.iter().collect();
                TypeDefKind::Struct { fields: self.fields(name, props, &required) }
            }
            oa::SchemaKind::AllOf { all_of } => {
                // Merge the members' properties into one struct (later members win).
                let mut props: Vec<(&'a String, &'a ReferenceOr<Box<oa::Schema>>, String)> = Vec::new();
                let mut required: Vec<&'a String> = Vec::new();
                let mut only_ref = None;
                let mut stack: Vec<(&'a ReferenceOr<oa::Schema>, String)> =
                    all_of.iter().enumerate().rev().map(|(i, m)| (m, format!("{pointer}/allOf/{i}"))).collect();
                let mut guard = 0;
                while let Some((member, at)) = stack.pop() {
                    guard += 1;
                    if guard > 256 {
                        self.err(pointer, "`allOf` nesting is too deep or cyclic");
                        break;
                    }
                    let (schema, at) = match member {
                        ReferenceOr::Reference { reference } => {
                            if all_of.len() == 1 {
                                only_ref = self.resolve_schema_ref(reference, &at);
                            }
                            match self.component_schema(reference, &at) {
                                Some(x) => x,
                                None => continue,
                            }
                        }
                        ReferenceOr::Item(s) => (s, at),
                    };
                    match &schema.schema_kind {
                        oa::SchemaKind::Type(oa::Type::Object(o)) => {
                            for (k, v) in &o.properties {
                                let p = join(&join(&at, "properties"), k);
                                match props.iter_mut().find(|x| x.0 == k) {
                                    Some(slot) => *slot = (k, v, p),
                                    None => props.push((k, v, p)),
                                }
                            }
                            required.extend(o.required.iter());
                        }
                        oa::SchemaKind::AllOf { all_of } => {
                            stack.extend(all_of.iter().enumerate().rev().map(|(i, m)| (m, format!("{at}/allOf/{i}"))));
                        }
                        _ => {}
                    }
                }
                match (props.is_empty(), only_ref) {
                    (true, Some(t)) => TypeDefKind::Alias(t),
                    (true, None) => TypeDefKind::Alias(TypeRef::Any),
                    (false, _) => TypeDefKind::Struct { fields: self.fields(name, props, &required) },
                }
            }
            oa::SchemaKind::OneOf { one_of: members } | oa::SchemaKind::AnyOf { any_of: members } => {
                let key = if matches!(s.schema_kind, oa::SchemaKind::OneOf { .. }) { "oneOf" } else { "anyOf" };
                let mut vns = Namespace::with_reserved(&["Unknown", "Other"]);
                let mut variants = Vec::new();
                let disc = s.schema_data.discriminator.as_ref();
                for (i, m) in members.iter().enumerate() {
                    let at = format!("{pointer}/{key}/{i}");
                    let (ty, base, schema_key) = match m {
                        ReferenceOr::Reference { reference } => {
                            let Some(t) = self.resolve_schema_ref(reference, &at) else { continue };
                            let key = reference.rsplit('/').next().map(unescape).unwrap_or_default();
                            let base = match &t {
                                TypeRef::Named(n) => n.clone(),
                                _ => format!("Variant{i}"),
                            };
                            (t, base, Some((key, reference.clone())))
                        }
                        ReferenceOr::Item(ms) => {
                            let base = ms
                                .schema_data
                                .title
                                .as_deref()
                                .map(naming::pascal)
                                .unwrap_or_else(|| variant_base(ms, i));
                            let ctx = format!("{name}{base}");
                            (demote(self.type_ref_inline(ms, &ctx, &at)), base, None)
                        }
                    };
                    let mut tags = Vec::new();
                    if let (Some(d), Some((key, reference))) = (disc, &schema_key) {
                        let mut mapped = false;
                        for (tag, target) in &d.mapping {
                            if target == reference || target == key {
                                tags.push(tag.clone());
                                mapped = true;
                            }
                        }
                        if !mapped {
                            tags.push(key.clone());
                        }
                    }
                    variants.push(Variant {
                        name: Name { rust: vns.claim(&base), api: base.clone() },
                        ty,
                        tags,
                        boxed: false,
                    });
                }
                if disc.is_some() && variants.iter().any(|v| v.tags.is_empty()) {
                    self.diags.push(
                        Diagnostic::new(
                            join(pointer, key),
                            "a `oneOf` with a `discriminator` must list `$ref` members",
                        )
                        .with_help("move inline members to components/schemas"),
                    );
                }
                TypeDefKind::OneOf { variants, discriminator: disc.map(|d| d.property_name.clone()) }
            }
            _ => return None,
        };
        self.types.insert(
            name.to_owned(),
            TypeDef { name: Name { rust: name.to_owned(), api }, docs, pointer: pointer.to_owned(), kind },
        );
        Some(TypeRef::Named(name.to_owned()))
    }

    /// Struct fields from properties (with their JSON pointers) and the `required` list.
    fn fields(
        &mut self,
        owner: &str,
        props: Vec<(&'a String, &'a ReferenceOr<Box<oa::Schema>>, String)>,
        required: &[&'a String],
    ) -> Vec<Field> {
        let mut fields_ns = Namespace::default();
        let mut setters = Namespace::with_reserved(&["new", "validate"]);
        let mut fields = Vec::new();
        for (prop, schema, p) in props {
            let rust = fields_ns.claim(&naming::snake(prop));
            let setter = setters.claim(&naming::setter(&rust));
            let (ty, nullable, fdocs, constraints) = match schema {
                ReferenceOr::Reference { reference } => match self.resolve_schema_ref(reference, &p) {
                    // A `$ref` with a sibling `description` keeps it.
                    Some(t) => {
                        (t, false, naming::docs(self.ref_docs.get(&p).map(String::as_str)), Constraints::default())
                    }
                    None => continue,
                },
                ReferenceOr::Item(fs) => {
                    let ctx = format!("{owner}{}", naming::pascal(prop));
                    let ty = self.type_ref_inline(fs, &ctx, &p);
                    (ty, fs.schema_data.nullable, naming::docs(fs.schema_data.description.as_deref()), constraints(fs))
                }
            };
            fields.push(Field {
                pointer: p.clone(),
                name: Name { rust, api: prop.clone() },
                setter,
                ty,
                required: required.contains(&prop),
                nullable,
                docs: fdocs,
                constraints,
                boxed: false,
                absent_vs_null: false,
            });
        }
        fields
    }

    /// The schema a `#/components/schemas/...` reference points at (following chains).
    fn component_schema(&mut self, reference: &str, pointer: &str) -> Option<(&'a oa::Schema, String)> {
        let mut r = reference.to_owned();
        for _ in 0..16 {
            let key = r.strip_prefix("#/components/schemas/").map(unescape)?;
            match self.doc.components.as_ref().and_then(|c| c.schemas.get(&key)) {
                Some(ReferenceOr::Item(s)) => return Some((s, join("/components/schemas", &key))),
                Some(ReferenceOr::Reference { reference }) => r = reference.clone(),
                None => {
                    self.resolve_schema_ref(&r, pointer);
                    return None;
                }
            }
        }
        None
    }

    /// The type of an inline schema; named shapes get `ctx` (made unique) as their name.
    fn type_ref_inline(&mut self, s: &'a oa::Schema, ctx: &str, pointer: &str) -> TypeRef {
        if let Some(t) = self.cache.get(pointer) {
            return t.clone();
        }
        let needs_name = match &s.schema_kind {
            oa::SchemaKind::Type(oa::Type::String(st)) => {
                st.pattern.is_some() || st.enumeration.iter().any(Option::is_some)
            }
            oa::SchemaKind::Type(oa::Type::Integer(it)) => it.enumeration.iter().any(Option::is_some),
            oa::SchemaKind::Type(oa::Type::Object(o)) => !o.properties.is_empty(),
            oa::SchemaKind::AllOf { .. } | oa::SchemaKind::OneOf { .. } | oa::SchemaKind::AnyOf { .. } => true,
            _ => false,
        };
        let t = if needs_name {
            let name = self.ns.claim(ctx);
            self.named_shape(s, &name, pointer).unwrap_or(TypeRef::Any)
        } else {
            match &s.schema_kind {
                oa::SchemaKind::Type(oa::Type::String(st)) => match &st.format {
                    oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::DateTime) => TypeRef::DateTime,
                    oa::VariantOrUnknownOrEmpty::Unknown(f) if f == "uuid" => TypeRef::Uuid,
                    _ => TypeRef::String,
                },
                oa::SchemaKind::Type(oa::Type::Boolean(_)) => TypeRef::Bool,
                oa::SchemaKind::Type(oa::Type::Integer(i)) => {
                    let bits32 = matches!(i.format, oa::VariantOrUnknownOrEmpty::Item(oa::IntegerFormat::Int32));
                    if !bits32 && i.minimum.is_some_and(|m| m >= 0) {
                        TypeRef::Unsigned
                    } else {
                        TypeRef::Integer { bits32 }
                    }
                }
                oa::SchemaKind::Type(oa::Type::Number(n)) => TypeRef::Number {
                    bits32: matches!(n.format, oa::VariantOrUnknownOrEmpty::Item(oa::NumberFormat::Float)),
                },
                oa::SchemaKind::Type(oa::Type::Array(a)) => {
                    let p = join(pointer, "items");
                    let item = match &a.items {
                        None => TypeRef::Any,
                        Some(ReferenceOr::Reference { reference }) => {
                            self.resolve_schema_ref(reference, &p).unwrap_or(TypeRef::Any)
                        }
                        Some(ReferenceOr::Item(b)) => self.type_ref_inline(b, &format!("{ctx}Item"), &p),
                    };
                    TypeRef::Array(Box::new(demote(item)))
                }
                oa::SchemaKind::Type(oa::Type::Object(o)) => match &o.additional_properties {
                    Some(oa::AdditionalProperties::Schema(s)) => {
                        let p = join(pointer, "additionalProperties");
                        let v = match &**s {
                            ReferenceOr::Reference { reference } => {
                                self.resolve_schema_ref(reference, &p).unwrap_or(TypeRef::Any)
                            }
                            ReferenceOr::Item(b) => self.type_ref_inline(b, &format!("{ctx}Value"), &p),
                        };
                        TypeRef::Map(Box::new(demote(v)))
                    }
                    _ => TypeRef::Map(Box::new(TypeRef::Any)),
                },
                _ => TypeRef::Any,
            }
        };
        self.cache.insert(pointer.to_owned(), t.clone());
        t
    }

    /// The type of a schema that may be a `$ref`.
    fn type_of(&mut self, s: &'a ReferenceOr<oa::Schema>, ctx: &str, pointer: &str) -> Option<TypeRef> {
        match s {
            ReferenceOr::Reference { reference } => self.resolve_schema_ref(reference, pointer),
            ReferenceOr::Item(s) => Some(demote(self.type_ref_inline(s, ctx, pointer))),
        }
    }

    // ----- operations ----------------------------------------------------------------------

    fn resolve<T>(
        &mut self,
        r: &'a ReferenceOr<T>,
        section: &str,
        pointer: &str,
        get: impl Fn(&'a oa::Components) -> &'a indexmap::IndexMap<String, ReferenceOr<T>>,
    ) -> Option<(&'a T, String)> {
        let mut current = r;
        let mut at = pointer.to_owned();
        for _ in 0..16 {
            match current {
                ReferenceOr::Item(t) => return Some((t, at)),
                ReferenceOr::Reference { reference } => {
                    let prefix = format!("#/components/{section}/");
                    let target = reference
                        .strip_prefix(&prefix)
                        .map(unescape)
                        .and_then(|k| self.doc.components.as_ref().and_then(|c| get(c).get(&k)).map(|t| (k, t)));
                    match target {
                        Some((k, t)) => {
                            current = t;
                            at = join(&format!("/components/{section}"), &k);
                        }
                        None => {
                            self.diags.push(
                                Diagnostic::new(
                                    join(&at, "$ref"),
                                    format!("`$ref` target `{reference}` does not exist"),
                                )
                                .with_help(format!("define it under components/{section} or fix the reference")),
                            );
                            return None;
                        }
                    }
                }
            }
        }
        self.err(pointer, "`$ref` chain is too long or cyclic");
        None
    }

    fn operation(
        &mut self,
        path: &str,
        item: &'a oa::PathItem,
        method: Method,
        op: &'a oa::Operation,
        pointer: &str,
        methods: &mut Namespace,
    ) -> Option<Operation> {
        let before = self.diags.len();
        let op_id = match op.operation_id.clone() {
            Some(id) => id,
            None => {
                self.diags.push(
                    Diagnostic::new(pointer, "operation has no `operationId`")
                        .with_help("add an `operationId`; it names the client method"),
                );
                // Keep lowering so every other problem of this operation is reported too.
                format!("{}{}", method.as_str(), path)
            }
        };
        let method_name = methods.claim(&naming::snake(&op_id));
        let type_name = self.ns.claim(&naming::pascal(&op_id));
        // The operation's own types: claimed now so no schema can take their names.
        let request_type = self.ns.claim(&format!("{type_name}Request"));
        let error_type = self.ns.claim(&format!("{type_name}Error"));
        let response_type = self.ns.claim(&format!("{type_name}Response"));
        let result_type = self.ns.claim(&format!("{type_name}Result"));

        // Parameters: path-level first, overridden by operation-level (same name and location).
        let mut raw: BTreeMap<ParamKey, (&'a oa::Parameter, String)> = BTreeMap::new();
        for (list, base) in [(&item.parameters, join("/paths", path)), (&op.parameters, pointer.to_owned())] {
            for (i, p) in list.iter().enumerate() {
                let at = format!("{base}/parameters/{i}");
                let Some((param, at)) = self.resolve(p, "parameters", &at, |c| &c.parameters) else { continue };
                let data = param.parameter_data_ref();
                let loc = match param {
                    oa::Parameter::Path { .. } => 0,
                    oa::Parameter::Query { .. } => 1,
                    oa::Parameter::Header { .. } => 2,
                    oa::Parameter::Cookie { .. } => {
                        self.diags.push(
                            Diagnostic::new(&at, format!("cookie parameter `{}` is not supported", data.name))
                                .with_help("send it as a header parameter or remove it"),
                        );
                        continue;
                    }
                };
                raw.insert((loc, data.name.clone()), (param, at));
            }
        }
        let mut params = Vec::new();
        let mut pns = Namespace::with_reserved(&["client", "options"]);
        let path_order: Vec<String> = path_params(path);
        let mut keyed: Vec<(ParamKey, (&'a oa::Parameter, String))> = raw.into_iter().collect();
        keyed.sort_by_key(|((loc, name), _)| {
            (
                *loc,
                if *loc == 0 { path_order.iter().position(|n| n == name).unwrap_or(usize::MAX) } else { 0 },
                name.clone(),
            )
        });
        for ((loc, api_name), (param, at)) in keyed {
            let data = param.parameter_data_ref();
            let schema = match &data.format {
                oa::ParameterSchemaOrContent::Schema(s) => s,
                oa::ParameterSchemaOrContent::Content(_) => {
                    self.diags.push(
                        Diagnostic::new(
                            &at,
                            format!("parameter `{api_name}` uses `content`; only `schema` is supported"),
                        )
                        .with_help("describe the parameter with `schema`"),
                    );
                    continue;
                }
            };
            let ctx = naming::pascal(&api_name);
            // On failure the diagnostic is recorded; keep the parameter so that later checks
            // (path template) do not report follow-on errors.
            let ty = self.type_of(schema, &ctx, &join(&at, "schema")).unwrap_or(TypeRef::String);
            let location = match loc {
                0 => ParamLocation::Path,
                1 => ParamLocation::Query,
                _ => ParamLocation::Header,
            };
            if location == ParamLocation::Path && !data.required {
                self.err(&join(&at, "required"), format!("path parameter `{api_name}` must be `required: true`"));
            }
            params.push(Param {
                pointer: at.clone(),
                name: Name { rust: pns.claim(&naming::snake(&api_name)), api: api_name.clone() },
                location,
                ty,
                required: data.required || location == ParamLocation::Path,
                docs: naming::docs(data.description.as_deref()),
                constraints: match schema {
                    ReferenceOr::Item(s) => constraints(s),
                    ReferenceOr::Reference { .. } => Constraints::default(),
                },
            });
        }
        // Path template.
        let mut segments = Vec::new();
        let mut rest = path;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                segments.push(PathSegment::Literal(rest[..open].to_owned()));
            }
            let Some(close) = rest[open..].find('}') else {
                self.err(&join("/paths", path), "unclosed `{` in path template");
                return None;
            };
            let name = &rest[open + 1..open + close];
            match params.iter().position(|p| p.location == ParamLocation::Path && p.name.api == name) {
                Some(i) => segments.push(PathSegment::Param(i)),
                None => self.diags.push(
                    Diagnostic::new(pointer, format!("path parameter `{name}` is not declared"))
                        .with_help(format!("add a parameter with `name: {name}` and `in: path`")),
                ),
            }
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            segments.push(PathSegment::Literal(rest.to_owned()));
        }
        for p in params.iter().filter(|p| p.location == ParamLocation::Path) {
            if !path_order.contains(&p.name.api) {
                self.err(pointer, format!("path parameter `{}` does not appear in the path `{path}`", p.name.api));
            }
        }
        let body = match &op.request_body {
            None => None,
            Some(rb) => self.request_body(rb, &format!("{type_name}Body"), &join(pointer, "requestBody")),
        };

        // Responses.
        let mut responses = Vec::new();
        let mut all: Vec<(StatusMatch, &ReferenceOr<oa::Response>, String)> = Vec::new();
        for (code, r) in &op.responses.responses {
            let (status, key) = match code {
                oa::StatusCode::Code(c) => (StatusMatch::Code(*c), c.to_string()),
                oa::StatusCode::Range(c) => (StatusMatch::Range(*c), format!("{c}XX")),
            };
            all.push((status, r, join(&join(pointer, "responses"), &key)));
        }
        if let Some(d) = &op.responses.default {
            all.push((StatusMatch::Default, d, join(&join(pointer, "responses"), "default")));
        }
        all.sort_by_key(|a| a.0);
        for (status, r, at) in all {
            let Some((resp, resp_at)) = self.resolve(r, "responses", &at, |c| &c.responses) else { continue };
            let variant = match status {
                StatusMatch::Code(c) => naming::status_variant(c),
                StatusMatch::Range(4) => "ClientError".to_owned(),
                StatusMatch::Range(5) => "ServerError".to_owned(),
                StatusMatch::Range(n) => format!("Status{n}xx"),
                StatusMatch::Default => "Default".to_owned(),
            };
            let success = match status {
                StatusMatch::Code(c) => (100..400).contains(&c),
                StatusMatch::Range(n) => (1..4).contains(&n),
                StatusMatch::Default => false,
            };
            let body = self.response_body(resp, &format!("{type_name}{variant}Body"), &resp_at);
            let mut headers = Vec::new();
            let mut hns = Namespace::with_reserved(&["raw"]);
            let mut hkeys: Vec<&String> = resp.headers.keys().collect();
            hkeys.sort_by_key(|k| k.to_ascii_lowercase());
            for hk in hkeys {
                if hk.eq_ignore_ascii_case("content-type") {
                    continue;
                }
                let hat = join(&join(&resp_at, "headers"), hk);
                let Some((h, hat)) = self.resolve(&resp.headers[hk], "headers", &hat, |c| &c.headers) else { continue };
                let ty = match &h.format {
                    oa::ParameterSchemaOrContent::Schema(s) => {
                        self.type_of(s, &naming::pascal(hk), &join(&hat, "schema")).unwrap_or(TypeRef::String)
                    }
                    oa::ParameterSchemaOrContent::Content(_) => TypeRef::String,
                };
                let ty = match ty {
                    TypeRef::Array(_) | TypeRef::Map(_) | TypeRef::Any => TypeRef::String,
                    t => t,
                };
                headers.push(Header {
                    pointer: hat.clone(),
                    name: Name { rust: hns.claim(&naming::snake(hk)), api: hk.clone() },
                    ty,
                    docs: naming::docs(h.description.as_deref()),
                });
            }
            let headers_type =
                if headers.is_empty() { String::new() } else { self.ns.claim(&format!("{type_name}{variant}Headers")) };
            responses.push(Response {
                pointer: resp_at.clone(),
                status,
                headers_type,
                variant,
                success,
                docs: naming::docs(Some(&resp.description)),
                body,
                headers,
            });
        }
        if self.diags.len() > before {
            return None;
        }
        let server = if !op.servers.is_empty() {
            Some(self.base_url(&op.servers, &join(pointer, "servers")))
        } else if !item.servers.is_empty() {
            Some(self.base_url(&item.servers, &join(&join("/paths", path), "servers")))
        } else {
            None
        };
        Some(Operation {
            server,
            request_type,
            error_type,
            response_type,
            result_type,
            name: Name { rust: method_name, api: op_id },
            type_name,
            method,
            path_template: path.to_owned(),
            path: segments,
            summary: naming::docs(op.summary.as_deref()),
            docs: naming::docs(op.description.as_deref()),
            params,
            body,
            responses,
            pointer: pointer.to_owned(),
        })
    }

    fn request_body(&mut self, rb: &'a ReferenceOr<oa::RequestBody>, ctx: &str, pointer: &str) -> Option<Body> {
        let (rb, at) = self.resolve(rb, "requestBodies", pointer, |c| &c.request_bodies)?;
        let mut keys: Vec<&String> = rb.content.keys().collect();
        keys.sort();
        let Some(key) = keys.iter().find(|k| is_json(k)).or_else(|| keys.iter().find(|k| is_form(k))) else {
            let found = keys.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ");
            self.diags.push(
                Diagnostic::new(join(&at, "content"), format!("request body media type `{found}` is not supported"))
                    .with_help("describe the body as `application/json` or `application/x-www-form-urlencoded`"),
            );
            return None;
        };
        let media = &rb.content[*key];
        let schema_at = join(&join(&join(&at, "content"), key), "schema");
        let ty = match &media.schema {
            None => TypeRef::Any,
            Some(s) => self.type_of(s, ctx, &schema_at)?,
        };
        Some(Body {
            ty,
            required: rb.required,
            form: is_form(key),
            content_type: (*key).clone(),
            docs: naming::docs(rb.description.as_deref()),
        })
    }

    fn response_body(&mut self, resp: &'a oa::Response, ctx: &str, pointer: &str) -> Option<TypeRef> {
        let mut keys: Vec<&String> = resp.content.keys().collect();
        keys.sort();
        let key = keys.iter().find(|k| is_json(k))?;
        let media = &resp.content[*key];
        let at = join(&join(&join(pointer, "content"), key), "schema");
        match &media.schema {
            None => Some(TypeRef::Any),
            Some(s) => self.type_of(s, ctx, &at),
        }
    }
}

/// A variant name for an inline `oneOf` member without a title.
fn variant_base(s: &oa::Schema, i: usize) -> String {
    match &s.schema_kind {
        oa::SchemaKind::Type(oa::Type::String(_)) => "String".to_owned(),
        oa::SchemaKind::Type(oa::Type::Integer(_)) => "Integer".to_owned(),
        oa::SchemaKind::Type(oa::Type::Number(_)) => "Number".to_owned(),
        oa::SchemaKind::Type(oa::Type::Boolean(_)) => "Boolean".to_owned(),
        oa::SchemaKind::Type(oa::Type::Array(_)) => "Array".to_owned(),
        oa::SchemaKind::Type(oa::Type::Object(_)) => format!("Object{i}"),
        _ => format!("Variant{i}"),
    }
}

/// Validation keywords of a schema that the client checks before sending.
fn constraints(s: &oa::Schema) -> Constraints {
    match &s.schema_kind {
        oa::SchemaKind::Type(oa::Type::String(st)) => Constraints {
            min_length: st.min_length.map(|v| v as u64),
            max_length: st.max_length.map(|v| v as u64),
            ..Constraints::default()
        },
        oa::SchemaKind::Type(oa::Type::Integer(it)) => Constraints {
            minimum: it.minimum.map(|v| v as f64),
            maximum: it.maximum.map(|v| v as f64),
            ..Constraints::default()
        },
        oa::SchemaKind::Type(oa::Type::Number(nt)) => {
            Constraints { minimum: nt.minimum, maximum: nt.maximum, ..Constraints::default() }
        }
        oa::SchemaKind::Type(oa::Type::Array(at)) => Constraints {
            min_items: at.min_items.map(|v| v as u64),
            max_items: at.max_items.map(|v| v as u64),
            ..Constraints::default()
        },
        _ => Constraints::default(),
    }
}

/// `date-time` becomes `time::OffsetDateTime` only in struct fields (where the generator adds
/// the RFC 3339 serde attributes); elsewhere it stays a `String`.
fn demote(t: TypeRef) -> TypeRef {
    match t {
        TypeRef::DateTime => TypeRef::String,
        t => t,
    }
}

fn is_form(media: &str) -> bool {
    media.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

fn is_json(media: &str) -> bool {
    let m = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    m == "application/json" || m.ends_with("+json")
}

fn path_params(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        out.push(rest[open + 1..open + close].to_owned());
        rest = &rest[open + close + 1..];
    }
    out
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}
