//! Paths and operations → client methods: names, parameters, the path template, the request
//! body and the responses.

use std::collections::BTreeMap;

use openapiv3 as oa;
use openapiv3::ReferenceOr;

use super::schemas::constraints;
use super::Lowerer;
use crate::diagnostics::Diagnostic;
use crate::ir::*;
use crate::naming::{self, Namespace};
use crate::pointer::join;

/// Where an operation sits in the spec.
pub(super) struct OperationCtx<'a, 'p> {
    pub path: &'p str,
    pub item: &'a oa::PathItem,
    pub method: Method,
    pub pointer: &'p str,
}

/// Parameter identity: location and name (path-level parameters are overridden by
/// operation-level ones with the same key).
type ParamKey = (ParamLocation, String);

/// An extension on an operation that a later pass reads (`x-waiter`, `x-pagination`).
pub(super) struct OpExtension<'a> {
    /// The operation's `operationId`.
    pub operation: String,
    pub key: &'static str,
    pub value: &'a serde_json::Value,
    pub pointer: String,
}

/// The names of an operation's own types.
struct OperationNames {
    method: String,
    type_name: String,
    request: String,
    error: String,
    response: String,
    result: String,
}

impl<'a> Lowerer<'a> {
    pub(super) fn operation(
        &mut self,
        ctx: &OperationCtx<'a, '_>,
        op: &'a oa::Operation,
        methods: &mut Namespace,
        builder_reserved: &[&str],
    ) -> Option<Operation> {
        let before = self.error_count();
        let op_id = match op.operation_id.clone() {
            Some(id) => id,
            None => {
                self.diags.push(
                    Diagnostic::new(ctx.pointer, "operation has no `operationId`")
                        .with_help("add an `operationId`; it names the client method"),
                );
                // Keep lowering so every other problem of this operation is reported too.
                format!("{}{}", ctx.method.as_str(), ctx.path)
            }
        };
        let names = self.operation_names(&op_id, methods);
        let body = match &op.request_body {
            None => None,
            Some(rb) => self.request_body(
                rb,
                &format!("{}Body", names.type_name),
                &join(ctx.pointer, "requestBody"),
                builder_reserved,
            ),
        };
        let mut reserved = builder_reserved.to_vec();
        if op.request_body.is_some() {
            // The body is the method's last argument (or the `body` setter).
            reserved.push("body");
        }
        // The setters of the body's other media types.
        reserved.extend(body.iter().flat_map(|b| b.alternatives.iter().map(|a| a.setter.as_str())));
        if body.as_ref().is_some_and(|b| !b.alternatives.is_empty()) {
            // The builder's field for a body set that way.
            reserved.push("alt_body");
        }
        let params = self.parameters(ctx, op, &reserved);
        let path = self.path_template(ctx, &params);
        let responses = self.responses(ctx, op, &names.type_name);
        let schemes = std::mem::take(&mut self.schemes);
        let security = self.security(&op.security, ctx.pointer, &schemes);
        self.schemes = schemes;
        if self.error_count() > before {
            return None;
        }
        let server = if !op.servers.is_empty() {
            Some(self.base_url(&op.servers, &join(ctx.pointer, "servers")))
        } else if !ctx.item.servers.is_empty() {
            Some(self.base_url(&ctx.item.servers, &join(&join("/paths", ctx.path), "servers")))
        } else {
            None
        };
        for key in ["x-waiter", "x-pagination"] {
            if let Some(v) = op.extensions.get(key) {
                self.op_extensions.push(OpExtension {
                    operation: op_id.clone(),
                    key,
                    value: v,
                    pointer: join(ctx.pointer, key),
                });
            }
        }
        let follow_redirects =
            responses.iter().any(|r| matches!(r.status, StatusMatch::Code(301 | 302 | 303 | 307 | 308)));
        let accept =
            responses.iter().any(|r| r.success && r.body.is_some() && r.body_kind != BodyKind::Json).then(|| {
                let mut media: Vec<&str> =
                    responses.iter().filter(|r| r.success).filter_map(|r| r.media_type.as_deref()).collect();
                media.sort_unstable();
                media.dedup();
                media.join(", ")
            });
        Some(Operation {
            follow_redirects,
            accept,
            pagination: None,
            waiter: None,
            server,
            request_type: names.request,
            error_type: names.error,
            response_type: names.response,
            result_type: names.result,
            name: Name { rust: names.method, api: op_id },
            type_name: names.type_name,
            method: ctx.method,
            path_template: ctx.path.to_owned(),
            path,
            summary: naming::docs(op.summary.as_deref()),
            docs: naming::docs(op.description.as_deref()),
            params,
            body,
            responses,
            security,
            pointer: ctx.pointer.to_owned(),
        })
    }

    /// The method name and the operation's own type names, claimed now so no schema can take
    /// them.
    fn operation_names(&mut self, op_id: &str, methods: &mut Namespace) -> OperationNames {
        let method = methods.claim(&naming::snake(op_id));
        let type_name = self.ns.claim(&naming::pascal(op_id));
        OperationNames {
            method,
            request: self.ns.claim(&format!("{type_name}Request")),
            error: self.ns.claim(&format!("{type_name}Error")),
            response: self.ns.claim(&format!("{type_name}Response")),
            result: self.ns.claim(&format!("{type_name}Result")),
            type_name,
        }
    }

    /// Path-level parameters merged with operation-level ones; path parameters first, in path
    /// order, then the rest by location and name. Names avoid `reserved`.
    fn parameters(&mut self, ctx: &OperationCtx<'a, '_>, op: &'a oa::Operation, reserved: &[&str]) -> Vec<Param> {
        let mut raw: BTreeMap<ParamKey, (&'a oa::Parameter, String)> = BTreeMap::new();
        let lists = [(&ctx.item.parameters, join("/paths", ctx.path)), (&op.parameters, ctx.pointer.to_owned())];
        for (list, base) in lists {
            for (i, p) in list.iter().enumerate() {
                let at = format!("{base}/parameters/{i}");
                let Some((param, at)) = self.resolve(p, &at) else { continue };
                let data = param.parameter_data_ref();
                let location = match param {
                    oa::Parameter::Path { .. } => ParamLocation::Path,
                    oa::Parameter::Query { .. } => ParamLocation::Query,
                    oa::Parameter::Header { .. } => ParamLocation::Header,
                    oa::Parameter::Cookie { .. } => {
                        self.diags.push(
                            Diagnostic::new(&at, format!("cookie parameter `{}` is not supported", data.name))
                                .with_help("send it as a header parameter or remove it"),
                        );
                        continue;
                    }
                };
                raw.insert((location, data.name.clone()), (param, at));
            }
        }
        let path_order = path_params(ctx.path);
        let mut keyed: Vec<(ParamKey, (&'a oa::Parameter, String))> = raw.into_iter().collect();
        keyed.sort_by_key(|((location, name), _)| {
            let in_path = match location {
                ParamLocation::Path => path_order.iter().position(|n| n == name).unwrap_or(usize::MAX),
                _ => 0,
            };
            (*location, in_path, name.clone())
        });
        let mut names = Namespace::with_reserved(reserved).on_reserved_suffix("_param");
        let mut params = Vec::new();
        for ((location, api_name), (param, at)) in keyed {
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
            // On failure the diagnostic is recorded; keep the parameter so that later checks
            // (path template) do not report follow-on errors.
            let mut ty =
                self.type_of(schema, &naming::pascal(&api_name), &join(&at, "schema")).unwrap_or(TypeRef::String);
            // A `date-time` parameter takes a `time::OffsetDateTime` (sent as RFC 3339).
            if ty == TypeRef::String && is_date_time(schema) {
                ty = TypeRef::DateTime;
            }
            if location == ParamLocation::Path && !data.required {
                self.err(&join(&at, "required"), format!("path parameter `{api_name}` must be `required: true`"));
            }
            if location == ParamLocation::Header && !crate::naming::is_header_name(&api_name) {
                self.diags.push(
                    Diagnostic::new(
                        join(&at, "name"),
                        format!("header parameter `{api_name}` is not a valid HTTP header name"),
                    )
                    .with_help("header names are tokens: letters, digits and !#$%&'*+-.^_`|~ (no spaces)"),
                );
                continue;
            }
            let style = match param {
                oa::Parameter::Query { style, .. } => match style {
                    oa::QueryStyle::Form => ParamStyle::Form,
                    oa::QueryStyle::SpaceDelimited => ParamStyle::SpaceDelimited,
                    oa::QueryStyle::PipeDelimited => ParamStyle::PipeDelimited,
                    oa::QueryStyle::DeepObject => ParamStyle::DeepObject,
                },
                oa::Parameter::Path { style, .. } => match style {
                    oa::PathStyle::Simple => ParamStyle::Simple,
                    oa::PathStyle::Label => ParamStyle::Label,
                    oa::PathStyle::Matrix => ParamStyle::Matrix,
                },
                _ => ParamStyle::Simple,
            };
            let explode = data.explode.unwrap_or(style == ParamStyle::Form);
            params.push(Param {
                pointer: at.clone(),
                name: Name { rust: names.claim(&naming::snake(&api_name)), api: api_name.clone() },
                location,
                ty,
                required: data.required || location == ParamLocation::Path,
                docs: naming::docs(data.description.as_deref()),
                constraints: match schema {
                    ReferenceOr::Item(s) => constraints(s),
                    ReferenceOr::Reference { .. } => Constraints::default(),
                },
                style,
                explode,
            });
        }
        params
    }

    /// The path split into literals and parameters; every `{name}` must be a declared path
    /// parameter and every path parameter must appear.
    fn path_template(&mut self, ctx: &OperationCtx<'a, '_>, params: &[Param]) -> Vec<PathSegment> {
        let mut segments = Vec::new();
        let mut matched = Vec::new();
        let mut rest = ctx.path;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                segments.push(PathSegment::Literal(rest[..open].to_owned()));
            }
            let Some(close) = rest[open..].find('}') else {
                self.err(&join("/paths", ctx.path), "unclosed `{` in path template");
                return segments;
            };
            let name = &rest[open + 1..open + close];
            match params.iter().position(|p| p.location == ParamLocation::Path && p.name.api == name) {
                Some(i) => segments.push(PathSegment::Param(i)),
                None => match self.misspelled_path_param(ctx, params, name) {
                    Some(i) => {
                        matched.push(i);
                        segments.push(PathSegment::Param(i));
                    }
                    None => self.diags.push(
                        Diagnostic::new(ctx.pointer, format!("path parameter `{name}` is not declared"))
                            .with_help(format!("add a parameter with `name: {name}` and `in: path`")),
                    ),
                },
            }
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            segments.push(PathSegment::Literal(rest.to_owned()));
        }
        let in_path = path_params(ctx.path);
        for (i, p) in params.iter().enumerate().filter(|(_, p)| p.location == ParamLocation::Path) {
            if !in_path.contains(&p.name.api) && !matched.contains(&i) {
                self.err(
                    ctx.pointer,
                    format!("path parameter `{}` does not appear in the path `{}`", p.name.api, ctx.path),
                );
            }
        }
        segments
    }

    /// A spec bug with one reading: the template says `{itemId}`, the only undeclared-in-the-path
    /// path parameter is `item_id` (same name but for case, `_` and `-`). A warning, and that
    /// parameter fills the slot.
    fn misspelled_path_param(&mut self, ctx: &OperationCtx<'a, '_>, params: &[Param], name: &str) -> Option<usize> {
        let fold =
            |s: &str| s.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_lowercase).collect::<String>();
        let in_path = path_params(ctx.path);
        let candidates: Vec<usize> = params
            .iter()
            .enumerate()
            .filter(|(_, p)| p.location == ParamLocation::Path && !in_path.contains(&p.name.api))
            .filter(|(_, p)| fold(&p.name.api) == fold(name))
            .map(|(i, _)| i)
            .collect();
        let [i] = candidates.as_slice() else { return None };
        self.diags.push(
            Diagnostic::warning(
                &params[*i].pointer,
                format!(
                    "path parameter `{}` is written `{{{name}}}` in the path `{}`; the client uses it for `{{{name}}}`",
                    params[*i].name.api, ctx.path
                ),
            )
            .with_help(format!("name the parameter `{name}` (or the template `{{{}}}`)", params[*i].name.api)),
        );
        Some(*i)
    }

    /// The request body: the preferred media type (JSON, form, multipart, text, bytes) is the
    /// method's `body`; every other one is a setter sending the body that way instead.
    fn request_body(
        &mut self,
        rb: &'a ReferenceOr<oa::RequestBody>,
        ctx: &str,
        pointer: &str,
        reserved: &[&str],
    ) -> Option<Body> {
        let (rb, at) = self.resolve(rb, pointer)?;
        let mut keys: Vec<&String> = rb.content.keys().collect();
        keys.sort_by_key(|k| (BodyKind::of(k).rank(), (*k).clone()));
        let Some(first) = keys.first() else {
            self.diags.push(
                Diagnostic::new(join(&at, "content"), "request body has no media type")
                    .with_help("add one under `content`, e.g. `application/json: {schema: …}`"),
            );
            return None;
        };
        let mut lowered = Vec::new();
        let mut setters = Namespace::with_reserved(reserved).on_reserved_suffix("_media");
        for (i, key) in keys.iter().enumerate() {
            let kind = BodyKind::of(key);
            let media = &rb.content[*key];
            let schema_at = join(&join(&join(&at, "content"), key), "schema");
            let ty = match (kind, &media.schema) {
                (BodyKind::Binary, _) => TypeRef::Bytes,
                (BodyKind::Text, _) => TypeRef::String,
                (_, None) => TypeRef::Any,
                // Every media type of one body usually shares one schema: one type.
                (_, Some(s)) => self.type_of(s, ctx, &schema_at)?,
            };
            let setter = if i == 0 { String::new() } else { setters.claim(&format!("body_{}", media_suffix(key))) };
            lowered.push(AltBody { setter, ty, content_type: (*key).clone(), kind });
        }
        let primary = lowered.remove(0);
        debug_assert_eq!(&primary.content_type, *first);
        Some(Body {
            ty: primary.ty,
            required: rb.required,
            kind: primary.kind,
            content_type: primary.content_type,
            docs: naming::docs(rb.description.as_deref()),
            alternatives: lowered,
        })
    }

    /// Every documented response, sorted by status.
    fn responses(&mut self, ctx: &OperationCtx<'a, '_>, op: &'a oa::Operation, type_name: &str) -> Vec<Response> {
        let mut all: Vec<(StatusMatch, &'a ReferenceOr<oa::Response>, String)> = Vec::new();
        let at = join(ctx.pointer, "responses");
        for (code, r) in &op.responses.responses {
            let (status, key) = match code {
                oa::StatusCode::Code(c) => (StatusMatch::Code(*c), c.to_string()),
                oa::StatusCode::Range(c) => (StatusMatch::Range(*c), format!("{c}XX")),
            };
            all.push((status, r, join(&at, &key)));
        }
        if let Some(d) = &op.responses.default {
            all.push((StatusMatch::Default, d, join(&at, "default")));
        }
        all.sort_by_key(|a| a.0);
        let mut responses = Vec::new();
        for (status, r, at) in all {
            let Some((resp, resp_at)) = self.resolve(r, &at) else { continue };
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
            // A response of `components/responses` is one shape wherever it is used: its
            // inline body and its headers are named after it and defined once.
            let component = resp_at
                .strip_prefix("/components/responses/")
                .filter(|k| !k.contains('/'))
                .map(|k| naming::pascal(&crate::pointer::unescape(k)));
            let body_ctx = match &component {
                Some(c) => format!("{c}Body"),
                None => format!("{type_name}{variant}Body"),
            };
            let (body, body_kind, media_type) = match self.response_body(resp, &body_ctx, &resp_at, success) {
                Some((t, kind, media)) => (Some(t), kind, Some(media)),
                None => (None, BodyKind::Json, None),
            };
            let headers = self.response_headers(resp, &resp_at);
            let (headers_type, headers_owner) = match (&component, headers.is_empty()) {
                (_, true) => (String::new(), false),
                (Some(c), false) => match self.shared_headers.get(&resp_at) {
                    Some(name) => (name.clone(), false),
                    None => {
                        let name = self.ns.claim(&format!("{c}Headers"));
                        self.shared_headers.insert(resp_at.clone(), name.clone());
                        (name, true)
                    }
                },
                (None, false) => (self.ns.claim(&format!("{type_name}{variant}Headers")), true),
            };
            responses.push(Response {
                component,
                headers_owner,
                pointer: resp_at.clone(),
                status,
                headers_type,
                variant,
                success,
                docs: naming::docs(Some(&resp.description)),
                body,
                body_kind,
                media_type,
                headers,
                boxed: false,
            });
        }
        responses
    }

    /// Typed response headers (scalars; anything else is read as text).
    fn response_headers(&mut self, resp: &'a oa::Response, resp_at: &str) -> Vec<Header> {
        let mut headers = Vec::new();
        let mut names = Namespace::with_reserved(&["raw"]);
        let mut keys: Vec<&String> = resp.headers.keys().collect();
        keys.sort_by_key(|k| k.to_ascii_lowercase());
        for key in keys {
            if key.eq_ignore_ascii_case("content-type") {
                continue;
            }
            let at = join(&join(resp_at, "headers"), key);
            let Some((h, at)) = self.resolve(&resp.headers[key], &at) else { continue };
            let ty = match &h.format {
                oa::ParameterSchemaOrContent::Schema(s) => {
                    self.type_of(s, &naming::pascal(key), &join(&at, "schema")).unwrap_or(TypeRef::String)
                }
                oa::ParameterSchemaOrContent::Content(_) => TypeRef::String,
            };
            let ty = match ty {
                TypeRef::Array(_) | TypeRef::Map(_) | TypeRef::Any => TypeRef::String,
                t => t,
            };
            headers.push(Header {
                pointer: at.clone(),
                name: Name { rust: names.claim(&naming::snake(key)), api: key.clone() },
                ty,
                docs: naming::docs(h.description.as_deref()),
            });
        }
        headers
    }

    /// The body of a response: JSON when documented (its type), else for a success text
    /// (`String`) or anything else as bytes. Error bodies are JSON or nothing (the runtime keeps
    /// the text of any other).
    fn response_body(
        &mut self,
        resp: &'a oa::Response,
        ctx: &str,
        pointer: &str,
        success: bool,
    ) -> Option<(TypeRef, BodyKind, String)> {
        let mut keys: Vec<&String> = resp.content.keys().collect();
        // Preferred kind first, then by name (the map's order is the document's).
        keys.sort_by_key(|k| (BodyKind::of(k).rank(), (*k).clone()));
        let key = *keys.first()?;
        match BodyKind::of(key) {
            BodyKind::Json => {
                let media = &resp.content[key];
                let at = join(&join(&join(pointer, "content"), key), "schema");
                let t = match &media.schema {
                    None => TypeRef::Any,
                    Some(s) => self.type_of(s, ctx, &at)?,
                };
                Some((t, BodyKind::Json, key.clone()))
            }
            _ if !success => None,
            // The client accepts every media type documented for it.
            BodyKind::Text if keys.iter().all(|k| BodyKind::of(k) == BodyKind::Text) => {
                Some((TypeRef::String, BodyKind::Text, join_media(&keys)))
            }
            // Form and multipart responses are rare; the client hands over the bytes.
            _ => Some((TypeRef::Bytes, BodyKind::Binary, join_media(&keys))),
        }
    }
}

/// An inline `type: string, format: date-time` schema.
fn is_date_time(schema: &ReferenceOr<oa::Schema>) -> bool {
    matches!(schema, ReferenceOr::Item(s) if matches!(&s.schema_kind,
        oa::SchemaKind::Type(oa::Type::String(st))
            if matches!(st.format, oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::DateTime))))
}

/// Media types as one `Accept` value, sorted.
fn join_media(keys: &[&String]) -> String {
    let mut keys: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
    keys.sort_unstable();
    keys.join(", ")
}

/// A setter suffix for a media type: `form`, `multipart`, `xml`, `text`, `bytes`, `png`, ….
fn media_suffix(media: &str) -> String {
    let m = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let suffix = match BodyKind::of(&m) {
        BodyKind::Form => "form".to_owned(),
        BodyKind::Multipart => "multipart".to_owned(),
        BodyKind::Text if m == "text/plain" => "text".to_owned(),
        BodyKind::Binary if m == "application/octet-stream" || m.contains('*') => "bytes".to_owned(),
        BodyKind::Json if m == "application/json" => "json".to_owned(),
        _ => {
            // `application/vnd.api+json` → `vnd_api_json`, `image/png` → `png`.
            let sub = m.rsplit('/').next().unwrap_or(&m);
            sub.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
        }
    };
    naming::snake(&suffix)
}

/// The parameter names in a path template, in order.
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
