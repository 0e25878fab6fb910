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

/// Lower a loaded document.
pub fn lower(doc: &oa::OpenAPI) -> Result<Api, Vec<Diagnostic>> {
    let mut l = Lowerer {
        doc,
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
    let types = l.types.into_values().collect();
    Ok(Api {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        docs: naming::docs(doc.info.description.as_deref()),
        base_url,
        auth,
        types,
        operations,
    })
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

struct Lowerer<'a> {
    doc: &'a oa::OpenAPI,
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

    fn lower_component(&mut self, schema: &ReferenceOr<oa::Schema>, key: &str, name: &str, pointer: &str) {
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
                kind: TypeDefKind::Alias(ty),
            },
        );
    }

    /// If `s` needs a named type (struct, enum, pattern newtype), define it under `name`.
    fn named_shape(&mut self, s: &oa::Schema, name: &str, pointer: &str) -> Option<TypeRef> {
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
            oa::SchemaKind::Type(oa::Type::Object(obj)) if !obj.properties.is_empty() => {
                let mut fields_ns = Namespace::default();
                let mut fields = Vec::new();
                for (prop, schema) in &obj.properties {
                    let p = join(&join(pointer, "properties"), prop);
                    let rust = fields_ns.claim(&naming::snake(prop));
                    let (ty, nullable, fdocs) = match schema {
                        ReferenceOr::Reference { reference } => match self.resolve_schema_ref(reference, &p) {
                            Some(t) => (t, false, Vec::new()),
                            None => continue,
                        },
                        ReferenceOr::Item(fs) => {
                            let ctx = format!("{name}{}", naming::pascal(prop));
                            (
                                self.type_ref_inline(fs, &ctx, &p),
                                fs.schema_data.nullable,
                                naming::docs(fs.schema_data.description.as_deref()),
                            )
                        }
                    };
                    fields.push(Field {
                        name: Name { rust, api: prop.clone() },
                        ty,
                        required: obj.required.contains(prop),
                        nullable,
                        docs: fdocs,
                    });
                }
                TypeDefKind::Struct { fields }
            }
            _ => return None,
        };
        self.types.insert(
            name.to_owned(),
            TypeDef { name: Name { rust: name.to_owned(), api }, docs, pointer: pointer.to_owned(), kind },
        );
        Some(TypeRef::Named(name.to_owned()))
    }

    /// The type of an inline schema; named shapes get `ctx` (made unique) as their name.
    fn type_ref_inline(&mut self, s: &oa::Schema, ctx: &str, pointer: &str) -> TypeRef {
        if let Some(t) = self.cache.get(pointer) {
            return t.clone();
        }
        let needs_name = match &s.schema_kind {
            oa::SchemaKind::Type(oa::Type::String(st)) => {
                st.pattern.is_some() || st.enumeration.iter().any(Option::is_some)
            }
            oa::SchemaKind::Type(oa::Type::Object(o)) => !o.properties.is_empty(),
            _ => false,
        };
        let t = if needs_name {
            let name = self.ns.claim(ctx);
            self.named_shape(s, &name, pointer).unwrap_or(TypeRef::Any)
        } else {
            match &s.schema_kind {
                oa::SchemaKind::Type(oa::Type::String(_)) => TypeRef::String,
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
                    TypeRef::Array(Box::new(item))
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
                        TypeRef::Map(Box::new(v))
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
    fn type_of(&mut self, s: &ReferenceOr<oa::Schema>, ctx: &str, pointer: &str) -> Option<TypeRef> {
        match s {
            ReferenceOr::Reference { reference } => self.resolve_schema_ref(reference, pointer),
            ReferenceOr::Item(s) => Some(self.type_ref_inline(s, ctx, pointer)),
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

        // Parameters: path-level first, overridden by operation-level (same name and location).
        let mut raw: BTreeMap<(u8, String), (oa::Parameter, String)> = BTreeMap::new();
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
                raw.insert((loc, data.name.clone()), (param.clone(), at));
            }
        }
        let mut params = Vec::new();
        let mut pns = Namespace::with_reserved(&["client", "options"]);
        let path_order: Vec<String> = path_params(path);
        let mut keyed: Vec<((u8, String), (oa::Parameter, String))> = raw.into_iter().collect();
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
                name: Name { rust: pns.claim(&naming::snake(&api_name)), api: api_name.clone() },
                location,
                ty,
                required: data.required || location == ParamLocation::Path,
                docs: naming::docs(data.description.as_deref()),
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
                    name: Name { rust: hns.claim(&naming::snake(hk)), api: hk.clone() },
                    ty,
                    docs: naming::docs(h.description.as_deref()),
                });
            }
            let headers_type =
                if headers.is_empty() { String::new() } else { self.ns.claim(&format!("{type_name}{variant}Headers")) };
            responses.push(Response {
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
        Some(Operation {
            name: Name { rust: method_name, api: op_id },
            type_name,
            method,
            path_template: path.to_owned(),
            path: segments,
            summary: op.summary.clone(),
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
        let Some(key) = keys.iter().find(|k| is_json(k)) else {
            let found = keys.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ");
            self.diags.push(
                Diagnostic::new(join(&at, "content"), format!("request body media type `{found}` is not supported"))
                    .with_help("describe the body as `application/json`"),
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
