//! Per operation: the `Client` method that starts a call, the request builder (one field per
//! parameter, setters for optional ones) and its `send`, which checks every argument, builds the
//! request parts and runs the runtime's request loop.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::responses::{dispatch, ResponseItems};
use super::types::value_checks;
use super::{doc_attrs, ident, printed, ty, Context};
use crate::ir::{
    AltBody, Body, BodyKind, Field, Operation, Param, ParamLocation, ParamStyle, PathSegment, TypeDefKind, TypeRef,
};

/// The request of one operation.
pub(super) fn emit(cx: &Context<'_>, op: &Operation, responses: &ResponseItems) -> TokenStream {
    let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    let optional: Vec<&Param> = op.params.iter().filter(|p| !p.required).collect();
    let request = ident(&op.request_type);
    let output = &responses.output;
    let method = client_method(op, &required, &optional);
    let mut def = printed::Printed::new(0);
    def.docs(
        0,
        &[format!(
            "A pending `{}` call; await it to send. Built by [`Client::{}`].",
            op.name.api,
            op.name.rust.trim_start_matches("r#")
        )],
    );
    def.line(0, &["#[must_use = \"a request does nothing until it is awaited\"]"]);
    def.line(0, &["#[derive(Debug, Clone)]"]);
    def.line(0, &["pub struct ", &op.request_type, "<'a> {"]);
    def.line(1, &["client: &'a Client,"]);
    for p in required.iter().chain(&optional) {
        let t = printed::ty_string(&p.ty);
        let (open, close) = if p.required { ("Result<", ">") } else { ("Option<Result<", ">>") };
        def.line(1, &[&p.name.rust, ": ", open, &t, ", rt::ValidationError", close, ","]);
    }
    if let Some(b) = &op.body {
        let t = printed::ty_string(&b.ty);
        if b.required {
            def.line(1, &["body: ", &t, ","]);
        } else {
            def.line(1, &["body: Option<", &t, ">,"]);
        }
        if !b.alternatives.is_empty() {
            def.line(1, &["alt_body: Option<Result<rt::EncodedBody, rt::ValidationError>>,"]);
        }
    }
    def.line(1, &["options: rt::RequestOptions,"]);
    def.line(0, &["}"]);
    let def = def.finish();
    // The setters of optional parameters and of an optional body.
    let mut setters = printed::Printed::new(4);
    for p in &optional {
        let mut d = p.docs.clone();
        if !d.is_empty() {
            d.push(String::new());
        }
        d.push(format!("Optional {} parameter `{}`.", location_name(p.location), p.name.api));
        setters.docs(0, &d);
        let t = printed::ty_string(&p.ty);
        let n = &p.name.rust;
        setters.list(
            0,
            &format!("pub fn {n}"),
            &["mut self".to_owned(), format!("value: impl rt::IntoParam<{t}>")],
            " -> Self {",
            true,
        );
        setters.line(1, &["self.", n, " = Some(value.into_param());"]);
        setters.line(1, &["self"]);
        setters.line(0, &["}"]);
    }
    if let Some(b) = op.body.as_ref().filter(|b| !b.required) {
        let mut d = b.docs.clone();
        d.push("Optional request body.".to_owned());
        setters.docs(0, &d);
        let t = printed::ty_string(&b.ty);
        setters.list(0, "pub fn body", &["mut self".to_owned(), format!("body: {t}")], " -> Self {", true);
        setters.line(1, &["self.body = Some(body);"]);
        setters.line(1, &["self"]);
        setters.line(0, &["}"]);
    }
    let setters = setters.finish();
    let alt_setters: Vec<TokenStream> =
        op.body.iter().flat_map(|b| b.alternatives.iter().map(move |a| alt_setter(cx, b, a))).collect();
    let send = send(cx, op, responses);
    let paginator = op.pagination.as_ref().map(|p| super::features::paginator(cx, op, p, responses));
    let waiter = op.waiter.and_then(|i| cx.api.waiters.get(i));
    let wait = waiter.map(|w| super::features::wait_methods(cx, w, responses));
    let several_successes = op.responses.iter().filter(|r| r.success).count() > 1;
    let http_response = several_successes.then(|| super::features::http_response_impl(op));
    quote! {
        #method
        #def

        impl<'a> #request<'a> {
            #setters
            #(#alt_setters)*
            #send
            #paginator
            #wait
        }

        #http_response

        rt::request_builder!(#request, #output);
    }
}

fn location_name(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}

/// `impl Client { pub fn op(&self, required…, body) -> OpRequest<'_> }`.
fn client_method(op: &Operation, required: &[&Param], optional: &[&Param]) -> TokenStream {
    let mut args = vec!["&self".to_owned()];
    let mut inits = vec!["client: self".to_owned()];
    for p in required {
        let t = printed::ty_string(&p.ty);
        args.push(format!("{}: impl rt::IntoParam<{t}>", p.name.rust));
        inits.push(format!("{0}: {0}.into_param()", p.name.rust));
    }
    inits.extend(optional.iter().map(|p| format!("{}: None", p.name.rust)));
    match &op.body {
        Some(b) if b.required => {
            let t = printed::ty_string(&b.ty);
            args.push(format!("body: {t}"));
            inits.push("body".to_owned());
        }
        Some(_) => inits.push("body: None".to_owned()),
        None => {}
    }
    if op.body.as_ref().is_some_and(|b| !b.alternatives.is_empty()) {
        inits.push("alt_body: None".to_owned());
    }
    inits.push("options: Default::default()".to_owned());
    let mut p = printed::Printed::new(0);
    p.line(0, &["impl Client {"]);
    p.docs(1, &method_docs(op, required));
    p.list(1, &format!("pub fn {}", op.name.rust), &args, &format!(" -> {}<'_> {{", op.request_type), true);
    p.struct_expr(2, &op.request_type, &inits);
    p.line(1, &["}"]);
    p.line(0, &["}"]);
    p.finish()
}

fn method_docs(op: &Operation, required: &[&Param]) -> Vec<String> {
    let mut docs: Vec<String> = Vec::new();
    if !op.summary.is_empty() {
        docs.extend(op.summary.iter().cloned());
        docs.push(String::new());
    }
    docs.push(format!("`{} {}` (operation `{}`).", op.method.as_str(), op.path_template, op.name.api));
    if !op.docs.is_empty() {
        docs.push(String::new());
        docs.extend(op.docs.iter().cloned());
    }
    let mut args: Vec<String> = required
        .iter()
        .map(|p| {
            let first = p.docs.first().map(|d| format!(": {d}")).unwrap_or_default();
            format!(
                "- `{}` ({} parameter `{}`){first}",
                p.name.rust.trim_start_matches("r#"),
                location_name(p.location),
                p.name.api
            )
        })
        .collect();
    if let Some(b) = op.body.as_ref().filter(|b| b.required) {
        let what = match b.kind {
            BodyKind::Json => "JSON",
            BodyKind::Form => "form-encoded",
            BodyKind::Multipart => "multipart",
            BodyKind::Text => "text",
            BodyKind::Binary => "raw",
        };
        args.push(format!("- `body`: the {what} request body (`{}`)", b.content_type));
    }
    if !args.is_empty() {
        docs.push(String::new());
        docs.push("Arguments:".to_owned());
        docs.extend(args);
    }
    docs.push(String::new());
    docs.push(format!(
        "Await the returned [`{}`] (or call `.send()`); set optional parameters and per-call options on it first.",
        op.request_type
    ));
    docs
}

/// `body_<media>(value)`: send the body as another documented media type instead.
fn alt_setter(cx: &Context<'_>, primary: &Body, a: &AltBody) -> TokenStream {
    let (name, t) = (ident(&a.setter), ty(&a.ty));
    let d = doc_attrs(&[format!(
        "Send the request body as `{}` instead of `{}`{}.",
        a.content_type,
        primary.content_type,
        if primary.required { " (this value replaces the one given to the method)" } else { "" }
    )]);
    let encode = encode_body(cx, &a.ty, a.kind, &a.content_type);
    quote! {
        #d
        pub fn #name(mut self, body: #t) -> Self {
            self.alt_body = Some(#encode);
            self
        }
    }
}

/// An expression, over `body: T`, giving `Result<rt::EncodedBody, rt::ValidationError>`:
/// validated (structs the client sends) and encoded as `kind`.
fn encode_body(cx: &Context<'_>, t: &TypeRef, kind: BodyKind, content_type: &str) -> TokenStream {
    let fields = match t {
        TypeRef::Named(n) => match cx.api.type_def(n).map(|d| &d.kind) {
            Some(TypeDefKind::Struct { fields }) => Some(fields),
            _ => None,
        },
        _ => None,
    };
    let encode = match kind {
        BodyKind::Json => quote! { rt::json_body(&body, #content_type) },
        BodyKind::Form => quote! { rt::form_body(&body, #content_type) },
        BodyKind::Text => quote! { rt::text_body(body, #content_type) },
        BodyKind::Binary => quote! { rt::bytes_body(body, #content_type) },
        BodyKind::Multipart => {
            let parts = match fields {
                Some(fields) => {
                    let parts = fields.iter().map(multipart_part);
                    quote! { #(#parts)* }
                }
                None => quote! { form.fields(&body)?; },
            };
            quote! {
                rt::multipart_body(#content_type, |form| {
                    #parts
                    Ok(())
                })
            }
        }
    };
    match fields {
        Some(_) if matches!(kind, BodyKind::Json | BodyKind::Form | BodyKind::Multipart) => {
            quote! { body.validate().and_then(|()| #encode) }
        }
        _ => encode,
    }
}

/// One property of a multipart body: files as file parts, anything else as text (JSON for
/// objects; one part per item for arrays).
fn multipart_part(f: &Field) -> TokenStream {
    let (n, key) = (ident(&f.name.rust), &f.name.api);
    let optional = !f.required || f.nullable;
    let (pattern, files) = match &f.ty {
        TypeRef::File => (quote! { v }, quote! { form.file(#key, v); }),
        TypeRef::Array(inner) if **inner == TypeRef::File => {
            (quote! { v }, quote! { for file in v.iter() { form.file(#key, file); } })
        }
        _ => return quote! { form.value(#key, &body.#n)?; },
    };
    match (optional, f.absent_vs_null) {
        (false, _) => quote! { { let #pattern = &body.#n; #files } },
        (true, false) => quote! { if let Some(#pattern) = &body.#n { #files } },
        (true, true) => quote! { if let Some(Some(#pattern)) = &body.#n { #files } },
    }
}

/// `send`: unwrap and check the arguments, build the parts, run the request loop, dispatch.
/// The statements whose printed form is plain (most of them) are written as text.
fn send(cx: &Context<'_>, op: &Operation, responses: &ResponseItems) -> TokenStream {
    let streaming = responses.streaming.is_some();
    // `exchange` is inside an `impl`: its statements start at column 8.
    let mut stmts = printed::Stmts::new(8);
    let t = stmts.text();
    t.line(0, &["static OPERATION: rt::OperationInfo = rt::OperationInfo {"]);
    t.unbroken_line(1, &["id: ", &printed::string_literal(&op.name.api), ","]);
    match &op.server {
        Some(server) => t.line(1, &["server: Some(", &printed::string_literal(server), "),"]),
        None => t.line(1, &["server: None,"]),
    }
    t.unbroken_line(1, &["method: ", &printed::string_literal(op.method.as_str()), ","]);
    t.unbroken_line(1, &["path_template: ", &printed::string_literal(&op.path_template), ","]);
    t.line(1, &["idempotent: ", if op.method.idempotent() { "true" } else { "false" }, ","]);
    match &op.security {
        None => t.line(1, &["security: None,"]),
        Some(alternatives) => t.line(1, &["security: super::", &cx.security_static(alternatives).to_string(), ","]),
    }
    t.line(1, &["follow_redirects: ", if op.follow_redirects { "true" } else { "false" }, ","]);
    t.line(0, &["};"]);
    // An invalid argument leaves through `?` (`rt::Error` converts from `ValidationError`).
    for p in &op.params {
        let unwrap = if p.required { "?;" } else { ".transpose()?;" };
        stmts.text().line(0, &["let ", &p.name.rust, " = self.", &p.name.rust, unwrap]);
    }
    for p in &op.params {
        let what = format!("{} parameter `{}`", location_name(p.location), p.name.api);
        let n = ident(&p.name.rust);
        if p.required {
            let checks = value_checks(cx, &what, &p.ty, &p.constraints, Some(&quote! { #n }));
            stmts.tokens(quote! { #(#checks)* });
            continue;
        }
        let checks = value_checks(cx, &what, &p.ty, &p.constraints, None);
        if !checks.is_empty() {
            stmts.tokens(quote! { if let Some(v) = &#n { #(#checks)* } });
        }
    }
    let capacity = (op.path_template.len() + 32).to_string();
    stmts.text().line(0, &["let mut path = String::with_capacity(", &capacity, ");"]);
    for seg in &op.path {
        match seg {
            PathSegment::Literal(l) if l.chars().count() == 1 => {
                let c = l.chars().next().expect("one character");
                stmts.text().line(0, &["path.push(", &Literal::character(c).to_string(), ");"]);
            }
            PathSegment::Literal(l) => stmts.text().line(0, &["path.push_str(", &printed::string_literal(l), ");"]),
            PathSegment::Param(i) => {
                let p = &op.params[*i];
                let n = &p.name.rust;
                if p.style == ParamStyle::Simple && scalar(cx, &p.ty) {
                    let what = printed::string_literal(&format!("path parameter `{}`", p.name.api));
                    match text_of_text(cx, &p.ty, n) {
                        Some(text) => {
                            let items = ["&mut path".to_owned(), text, what];
                            stmts.text().list(0, "rt::push_segment", &items, "?;", true);
                        }
                        None => {
                            let text = text_of(cx, &p.ty, n);
                            let what = format!("path parameter `{}`", p.name.api);
                            stmts.tokens(quote! { rt::push_segment(&mut path, #text, #what)?; });
                        }
                    }
                } else {
                    let items = [
                        "&mut path".to_owned(),
                        printed::string_literal(&p.name.api),
                        format!("&{n}"),
                        format!("rt::Style::{}", p.style.runtime_name()),
                        p.explode.to_string(),
                    ];
                    stmts.text().list(0, "rt::path_param", &items, "?;", true);
                }
            }
        }
    }
    let t = stmts.text();
    t.line(0, &["#[allow(unused_mut)]"]);
    t.line(0, &["let mut parts = rt::RequestParts {"]);
    t.line(1, &["path,"]);
    if streaming {
        t.line(1, &["stream_response,"]);
    }
    t.line(1, &["..Default::default()"]);
    t.line(0, &["};"]);
    for p in op.params.iter().filter(|p| p.location == ParamLocation::Query) {
        query_push(cx, p, &mut stmts);
    }
    for p in op.params.iter().filter(|p| p.location == ParamLocation::Header) {
        header_push(cx, p, &mut stmts);
    }
    if let Some(a) = &op.accept {
        stmts.text().line(0, &["parts.headers.push((\"accept\", ", &printed::string_literal(a), ".to_owned()));"]);
    }
    if let Some(b) = &op.body {
        stmts.tokens(body_build(cx, b));
    }
    stmts.text().line(0, &["Ok((&OPERATION, parts, self.options))"]);
    let body = stmts.finish();
    let (output, error) = (&responses.output, &responses.error);
    // `send` is a plain function: arguments are checked and the request's parts built when
    // it is called (`exchange`), and the future it returns is the runtime's exchange followed
    // by the decoding of the response. The decoding closure returns the operation's error,
    // which may be large (typed error bodies); an `async fn` was not linted for that.
    let Some((stream_ok, stream_arms)) = &responses.streaming else {
        let send = match responses.arms.as_slice() {
            arms @ [_, _, ..] => {
                let mut p = printed::Printed::new(4);
                p.line(0, &["/// Send the request."]);
                p.line(0, &["#[allow(clippy::result_large_err)]"]);
                let tail = format!(" -> impl rt::Future<Output = {}> + 'a {{", op.result_type);
                p.list(0, "pub fn send", &["self".to_owned()], &tail, true);
                p.line(1, &["rt::respond("]);
                p.line(2, &["&self.client.inner,"]);
                p.line(2, &["self.exchange(),"]);
                p.line(2, &["|ex| {"]);
                p.line(3, &["match ex.status.as_u16() {"]);
                for arm in arms {
                    match (&arm.read, &arm.map) {
                        (Some(read), _) => {
                            p.line(4, &[&arm.pattern, " => {"]);
                            p.line(5, &[read]);
                            p.line(5, &[&arm.call()]);
                            p.line(4, &["}"]);
                        }
                        (None, None) => p.arm_call(4, &arm.pattern, arm.method, &arm.args),
                        (None, Some(_)) => p.line(4, &[&arm.pattern, " => ", &arm.call(), ","]),
                    }
                }
                p.line(3, &["}"]);
                p.line(2, &["},"]);
                p.line(1, &[")"]);
                p.line(0, &["}"]);
                p.finish()
            }
            arms => {
                let dispatch = dispatch(arms);
                quote! {
                    /// Send the request.
                    #[allow(clippy::result_large_err)]
                    pub fn send(self) -> impl rt::Future<Output = #output> + 'a {
                        rt::respond(&self.client.inner, self.exchange(), |ex| { #dispatch })
                    }
                }
            }
        };
        return quote! {
            #send

            fn exchange(self) -> rt::Prepared {
                #body
            }
        };
    };
    let (dispatch, stream_dispatch) = (dispatch(&responses.arms), dispatch(stream_arms));
    quote! {
        /// Send the request.
        #[allow(clippy::result_large_err)]
        pub fn send(self) -> impl rt::Future<Output = #output> + 'a {
            rt::respond(&self.client.inner, self.exchange(false), |ex| { #dispatch })
        }

        /// Send the request, and hand the success body over as it arrives instead of reading
        /// it into memory first (still within the size limit: see `max_response_bytes`).
        #[allow(clippy::result_large_err)]
        pub fn send_streaming(self) -> impl rt::Future<Output = Result<#stream_ok, rt::Error<#error>>> + 'a {
            rt::respond(&self.client.inner, self.exchange(true), |ex| { #stream_dispatch })
        }

        fn exchange(self, stream_response: bool) -> rt::Prepared {
            #body
        }
    }
}

/// A `date-time` parameter as RFC 3339 text (a value `time` cannot write, such as a year
/// beyond 9999, is refused before sending).
fn rfc3339(value: &str) -> TokenStream {
    let value = ident(value);
    quote! {
        #value
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| rt::ValidationError::new("date-time", None, e.to_string()))?
    }
}

/// How a parameter value (the local `value`) becomes text (`&str`), as prettyplease prints
/// it; `None` for a date-time (a method chain whose printed form depends on its width: see
/// [`text_of`]).
fn text_of_text(cx: &Context<'_>, t: &TypeRef, value: &str) -> Option<String> {
    Some(match t {
        TypeRef::String => format!("{value}.as_str()"),
        TypeRef::DateTime => return None,
        TypeRef::Named(n) => match cx.api.type_def(n).map(|d| &d.kind) {
            Some(TypeDefKind::Pattern(_) | TypeDefKind::StringEnum { .. } | TypeDefKind::Alias(TypeRef::String)) => {
                format!("{value}.as_str()")
            }
            _ => format!("&{value}.to_string()"),
        },
        _ => format!("&{value}.to_string()"),
    })
}

/// [`text_of_text`] as tokens, date-times included.
fn text_of(cx: &Context<'_>, t: &TypeRef, value: &str) -> TokenStream {
    match text_of_text(cx, t, value) {
        Some(text) => printed::lex(&text),
        None => {
            let text = rfc3339(value);
            quote! { &#text }
        }
    }
}

/// How a parameter value (the local `value`) becomes an owned `String`, as prettyplease
/// prints it; `None` for a date-time (see [`owned_text_of`]).
fn owned_text_of_text(cx: &Context<'_>, t: &TypeRef, value: &str) -> Option<String> {
    Some(match t {
        TypeRef::String => format!("{value}.clone()"),
        TypeRef::DateTime => return None,
        TypeRef::Named(n) => match cx.api.type_def(n).map(|d| &d.kind) {
            Some(TypeDefKind::Pattern(_) | TypeDefKind::StringEnum { .. }) => format!("{value}.as_str().to_owned()"),
            Some(TypeDefKind::Alias(TypeRef::String)) => format!("{value}.clone()"),
            _ => format!("{value}.to_string()"),
        },
        _ => format!("{value}.to_string()"),
    })
}

/// [`owned_text_of_text`] as tokens, date-times included.
fn owned_text_of(cx: &Context<'_>, t: &TypeRef, value: &str) -> TokenStream {
    match owned_text_of_text(cx, t, value) {
        Some(text) => printed::lex(&text),
        None => rfc3339(value),
    }
}

/// Whether values of `t` are sent as one piece of text (`to_string`, `as_str`).
fn scalar(cx: &Context<'_>, t: &TypeRef) -> bool {
    match t {
        TypeRef::String
        | TypeRef::Bool
        | TypeRef::Integer { .. }
        | TypeRef::Unsigned
        | TypeRef::Number { .. }
        | TypeRef::Uuid
        | TypeRef::DateTime => true,
        TypeRef::Named(n) => match cx.api.type_def(n).map(|d| &d.kind) {
            Some(TypeDefKind::Pattern(_) | TypeDefKind::StringEnum { .. } | TypeDefKind::IntEnum { .. }) => true,
            Some(TypeDefKind::Alias(t)) => scalar(cx, t),
            _ => false,
        },
        TypeRef::Array(_) | TypeRef::Map(_) | TypeRef::Any | TypeRef::Bytes | TypeRef::File => false,
    }
}

/// Add a query parameter to `parts.query`.
fn query_push(cx: &Context<'_>, p: &Param, stmts: &mut printed::Stmts) {
    let n = &p.name.rust;
    let key = printed::string_literal(&p.name.api);
    let pair = |text: String| vec!["&mut parts.query".to_owned(), key.clone(), text];
    // The statement in the block, at depth 1, as text when its printed form is plain.
    let mut inner = printed::Printed::new(8);
    let plain = match &p.ty {
        t if scalar(cx, t) => {
            text_of_text(cx, t, n).map(|text| inner.list(1, "rt::query_pair", &pair(text), ";", true))
        }
        // The common case (`form`, exploded: `id=1&id=2`) without serde.
        TypeRef::Array(item) if scalar(cx, item) && p.style == ParamStyle::Form && p.explode => {
            text_of_text(cx, item, "item").map(|text| {
                inner.line(1, &["for item in ", n, ".iter() {"]);
                inner.list(2, "rt::query_pair", &pair(text), ";", true);
                inner.line(1, &["}"]);
            })
        }
        _ => {
            let items = [
                "&mut parts.query".to_owned(),
                key.clone(),
                n.clone(),
                format!("rt::Style::{}", p.style.runtime_name()),
                p.explode.to_string(),
            ];
            inner.list(1, "rt::query_param", &items, "?;", true);
            Some(())
        }
    };
    if plain.is_some() {
        let t = stmts.text();
        if p.required {
            t.line(0, &["{"]);
            t.line(1, &["let ", n, " = &", n, ";"]);
        } else {
            t.line(0, &["if let Some(", n, ") = &", n, " {"]);
        }
        t.append(inner);
        t.line(0, &["}"]);
        return;
    }
    let n = ident(n);
    let key = &p.name.api;
    let body = match &p.ty {
        t if scalar(cx, t) => {
            let text = text_of(cx, t, &p.name.rust);
            quote! { rt::query_pair(&mut parts.query, #key, #text); }
        }
        _ => {
            let item = match &p.ty {
                TypeRef::Array(item) => &**item,
                t => t,
            };
            let text = text_of(cx, item, "item");
            quote! { for item in #n.iter() { rt::query_pair(&mut parts.query, #key, #text); } }
        }
    };
    stmts.tokens(if p.required {
        quote! { { let #n = &#n; #body } }
    } else {
        quote! { if let Some(#n) = &#n { #body } }
    });
}

/// Add a header parameter to `parts.headers`.
fn header_push(cx: &Context<'_>, p: &Param, stmts: &mut printed::Stmts) {
    let n = &p.name.rust;
    let key = printed::string_literal(&p.name.api.to_ascii_lowercase());
    let text = match &p.ty {
        t if scalar(cx, t) => owned_text_of_text(cx, t, n),
        TypeRef::Array(inner) if **inner == TypeRef::String => Some(format!("{n}.join(\",\")")),
        // A closure in a method chain: printed by prettyplease.
        TypeRef::Array(inner) if scalar(cx, inner) => None,
        _ => Some(format!("rt::header_param({}, &{n}, {})?", printed::string_literal(&p.name.api), p.explode)),
    };
    if let Some(text) = text {
        let t = stmts.text();
        let depth = usize::from(!p.required);
        if !p.required {
            t.line(0, &["if let Some(", n, ") = &", n, " {"]);
        }
        t.line(depth, &["parts.headers.push((", &key, ", ", &text, "));"]);
        if !p.required {
            t.line(0, &["}"]);
        }
        return;
    }
    let n = ident(n);
    let key = p.name.api.to_ascii_lowercase();
    let text = match &p.ty {
        t if scalar(cx, t) => owned_text_of(cx, t, &p.name.rust),
        TypeRef::Array(inner) => {
            let t = owned_text_of(cx, inner, "x");
            quote! { #n.iter().map(|x| #t).collect::<Vec<_>>().join(",") }
        }
        _ => {
            let (name, explode) = (&p.name.api, p.explode);
            quote! { rt::header_param(#name, &#n, #explode)? }
        }
    };
    stmts.tokens(if p.required {
        quote! { parts.headers.push((#key, #text)); }
    } else {
        quote! { if let Some(#n) = &#n { parts.headers.push((#key, #text)); } }
    });
}

/// Validate (sent structs) and encode the body into `parts.body`; a body set with another
/// media type's setter wins.
fn body_build(cx: &Context<'_>, b: &Body) -> TokenStream {
    let encode = encode_body(cx, &b.ty, b.kind, &b.content_type);
    let encode = quote! { parts.body = Some(#encode?); };
    let primary = if b.required {
        quote! { let body = self.body; #encode }
    } else {
        quote! { if let Some(body) = self.body { #encode } }
    };
    if b.alternatives.is_empty() {
        primary
    } else {
        quote! {
            if let Some(alt) = self.alt_body {
                parts.body = Some(alt?);
            } else {
                #primary
            }
        }
    }
}
