//! Per operation: the success type (one `Response<B, H>` or an enum of them), typed header
//! structs, the `#[non_exhaustive]` error enum with one variant per documented error status
//! plus `Unhandled`, the `Result` alias, and the `match` that turns a status into them.

use proc_macro2::TokenStream;
use quote::quote;

use super::{ident, printed, ty, Context};
use crate::ir::{BodyKind, Operation, Response, StatusMatch, TypeRef};

/// What the responses of one operation contribute.
pub(super) struct ResponseItems {
    /// The type awaiting the request gives (the operation's `Result` alias).
    pub output: TokenStream,
    /// The operation's error enum.
    pub error: TokenStream,
    /// The success type (`rt::Response<B, H>`, or the success enum).
    pub ok: TokenStream,
    /// Success enum, header structs, `Result` alias, error enum and its impls.
    pub items: TokenStream,
    /// How the final exchange `ex` gives the result: the arms of a `match` on the status (one
    /// arm when every status goes the same way; see [`dispatch`]).
    pub arms: Vec<Arm>,
    /// For an operation whose one success response is a raw body: the success type and the
    /// arms of `send_streaming` (the body handed over unread, as an `rt::ByteStream`).
    pub streaming: Option<(TokenStream, Vec<Arm>)>,
}

impl ResponseItems {
    pub(super) fn new(cx: &Context<'_>, op: &Operation) -> Self {
        let successes: Vec<&Response> = op.responses.iter().filter(|r| r.success).collect();
        let errors: Vec<&Response> = op.responses.iter().filter(|r| !r.success).collect();
        let error = ident(&op.error_type);
        let result = ident(&op.result_type);
        let (ok_ty, ok_def) = success_type(op, &successes);
        let header_structs =
            op.responses.iter().filter(|r| !r.headers.is_empty() && r.headers_owner).map(|r| headers_struct(op, r));
        let error_enum = error_enum(cx, op, &errors);
        let mut alias = printed::Printed::new(0);
        alias.docs(0, &[format!("What awaiting [`{}`] gives.", op.request_type)]);
        let ok_text = match successes.as_slice() {
            [] => "rt::Response<()>".to_owned(),
            [one] => response_ty_text(one),
            _ => op.response_type.clone(),
        };
        let args = [ok_text, format!("rt::Error<{}>", op.error_type)];
        alias.delimited(0, &format!("pub type {} = Result", op.result_type), ('<', '>'), &args, ";", true);
        let alias = alias.finish();
        let items = quote! {
            #ok_def
            #(#header_structs)*
            #alias
            #error_enum
        };
        let streaming = match successes.as_slice() {
            [r] if r.body.is_some() && r.body_kind == BodyKind::Binary => {
                let h = headers_ty(r);
                Some((quote! { rt::Response<rt::ByteStream, #h> }, dispatch_arms(op, &successes, true)))
            }
            _ => None,
        };
        ResponseItems {
            output: quote! { #result },
            error: quote! { #error },
            ok: ok_ty.clone(),
            items,
            arms: dispatch_arms(op, &successes, false),
            streaming,
        }
    }
}

/// The body type: the documented type for success, and for errors `rt::ErrorBody` of it (an
/// error body that is not the documented JSON keeps its variant, with the text).
fn body_ty(r: &Response) -> TokenStream {
    match &r.body {
        Some(t) if r.success => ty(t),
        Some(t) => {
            let t = ty(t);
            quote! { rt::ErrorBody<#t> }
        }
        None => quote! { () },
    }
}

fn headers_ty(r: &Response) -> TokenStream {
    if r.headers.is_empty() {
        quote! { () }
    } else {
        let n = ident(&r.headers_type);
        quote! { #n }
    }
}

/// `rt::Response<B, H>` of one response.
fn response_ty(r: &Response) -> TokenStream {
    let (b, h) = (body_ty(r), headers_ty(r));
    quote! { rt::Response<#b, #h> }
}

/// [`response_ty`] as prettyplease prints it.
fn response_ty_text(r: &Response) -> String {
    let mut out = String::with_capacity(64);
    out.push_str("rt::Response<");
    match &r.body {
        Some(t) if r.success => printed::ty(t, &mut out),
        Some(t) => {
            out.push_str("rt::ErrorBody<");
            printed::ty(t, &mut out);
            out.push('>');
        }
        None => out.push_str("()"),
    }
    out.push_str(", ");
    out.push_str(if r.headers.is_empty() { "()" } else { &r.headers_type });
    out.push('>');
    out
}

/// The payload of a response's enum variant, as prettyplease prints it: the response, boxed
/// when lowering says so.
fn variant_ty_text(r: &Response) -> String {
    let t = response_ty_text(r);
    if r.boxed {
        format!("Box<{t}>")
    } else {
        t
    }
}

fn status_text(s: StatusMatch) -> String {
    match s {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(n) => format!("{n}XX"),
        StatusMatch::Default => "default".to_owned(),
    }
}

fn with_status(r: &Response) -> Vec<String> {
    let mut d = vec![format!("Status {}.", status_text(r.status))];
    if !r.docs.is_empty() {
        d.push(String::new());
        d.extend(r.docs.iter().cloned());
    }
    d
}

fn method_name(op: &Operation) -> &str {
    op.name.rust.trim_start_matches("r#")
}

/// The head of an enum with one variant per response (the caller closes it).
fn response_enum(p: &mut printed::Printed, doc: &str, name: &str, responses: &[&Response]) {
    p.docs(0, &[doc.to_owned()]);
    p.line(0, &["#[derive(Debug, Clone)]"]);
    p.line(0, &["#[non_exhaustive]"]);
    p.line(0, &["pub enum ", name, " {"]);
    for r in responses {
        p.docs(1, &with_status(r));
        p.line(1, &[&r.variant, "(", &variant_ty_text(r), "),"]);
    }
}

/// The success type, and its definition when several success statuses need an enum.
fn success_type(op: &Operation, successes: &[&Response]) -> (TokenStream, TokenStream) {
    match successes {
        [] => (quote! { rt::Response<()> }, quote! {}),
        [one] => (response_ty(one), quote! {}),
        many => {
            let mut p = printed::Printed::new(0);
            let doc = format!("The successful responses of [`Client::{}`].", method_name(op));
            response_enum(&mut p, &doc, &op.response_type, many);
            p.line(0, &["}"]);
            let name = ident(&op.response_type);
            (quote! { #name }, p.finish())
        }
    }
}

fn headers_struct(op: &Operation, r: &Response) -> TokenStream {
    let name = &r.headers_type;
    let mut p = printed::Printed::new(0);
    p.docs(
        0,
        &[match &r.component {
            Some(c) => format!("Headers of the `{c}` response (`components/responses`)."),
            None => format!("Headers of the {} response of `{}`.", status_text(r.status), op.name.api),
        }],
    );
    p.line(0, &["#[derive(Debug, Clone, Default, PartialEq)]"]);
    p.line(0, &["#[non_exhaustive]"]);
    p.line(0, &["pub struct ", name, " {"]);
    let mut reads = Vec::with_capacity(r.headers.len());
    for h in &r.headers {
        let mut d = h.docs.clone();
        if !d.is_empty() {
            d.push(String::new());
        }
        d.push(format!("Header `{}`.", h.name.api));
        p.docs(1, &d);
        let t = printed::ty_string(&h.ty);
        p.line(1, &["pub ", &h.name.rust, ": Option<", &t, ">,"]);
        let lower = h.name.api.to_ascii_lowercase();
        let literal = printed::string_literal(&lower);
        // A valid name is built at compile time, so reading it costs no parsing.
        let key = if crate::naming::is_header_name(&lower) { format!("rt::header_name!({literal})") } else { literal };
        let read = if h.ty == TypeRef::String { "header_str" } else { "header_parse" };
        reads.push((&h.name.rust, read, key));
    }
    p.line(0, &["}"]);
    p.line(0, &["impl ", name, " {"]);
    p.line(1, &["pub(crate) fn read(headers: &rt::header::HeaderMap) -> Self {"]);
    // Never one line: a single read is wider than prettyplease's 35 columns for that.
    p.line(2, &["Self {"]);
    for (field, read, key) in &reads {
        p.list(3, &format!("{field}: rt::{read}"), &["headers".to_owned(), key.clone()], ",", true);
    }
    p.line(2, &["}"]);
    p.line(1, &["}"]);
    p.line(0, &["}"]);
    p.finish()
}

fn error_enum(_cx: &Context<'_>, op: &Operation, errors: &[&Response]) -> TokenStream {
    let error = &op.error_type;
    let mut p = printed::Printed::new(0);
    let doc = format!("The documented error responses of [`Client::{}`], plus any other status.", method_name(op));
    response_enum(&mut p, &doc, error, errors);
    p.line(1, &["/// A status the spec does not document for this operation."]);
    p.line(1, &["Unhandled(rt::UnhandledResponse),"]);
    p.line(0, &["}"]);
    p.line(0, &["impl ", error, " {"]);
    p.line(1, &["/// The HTTP status, a one-line description and the headers of the response."]);
    p.line(1, &["fn describe(&self) -> (rt::StatusCode, &'static str, &rt::header::HeaderMap) {"]);
    p.line(2, &["match self {"]);
    for r in errors {
        let summary = printed::string_literal(r.docs.first().map_or("", String::as_str));
        let items = ["r.status".to_owned(), summary, "&r.raw_headers".to_owned()];
        p.arm_tuple(3, &format!("Self::{}(r)", r.variant), &items);
    }
    let items =
        ["r.status".to_owned(), "\"status not documented for this operation\"".to_owned(), "&r.headers".to_owned()];
    p.arm_tuple(3, "Self::Unhandled(r)", &items);
    p.line(2, &["}"]);
    p.line(1, &["}"]);
    p.line(0, &["}"]);
    p.line(0, &["rt::error_impls!(", error, ", ", &printed::string_literal(&op.type_name), ");"]);
    p.finish()
}

/// One arm of the status `match`, as text.
pub(super) struct Arm {
    /// The status pattern (`404`, `500..=599`, `_`).
    pub pattern: String,
    /// The statement reading the response's headers, when it has any.
    pub read: Option<String>,
    /// The call that gives the result (`ex.success`, ...).
    pub method: &'static str,
    /// Its arguments.
    pub args: Vec<String>,
    /// The success enum's constructor (`.map(...)`) when the response is one of several.
    pub map: Option<String>,
}

impl Arm {
    /// The call with its `.map(...)`.
    pub fn call(&self) -> String {
        let map = self.map.as_ref().map(|m| format!(".map({m})")).unwrap_or_default();
        format!("{}({}){map}", self.method, self.args.join(", "))
    }

    /// The arm's expression: the call, after reading the headers when there are any.
    fn body(&self) -> String {
        match &self.read {
            Some(read) => format!("{{ {read} {} }}", self.call()),
            None => self.call(),
        }
    }
}

/// The arms of the status `match` that turns the final exchange `ex` into the call's result:
/// one per documented status, plus `Unhandled` unless the spec documents `default`. With
/// `stream`, a raw success body is handed over unread.
fn dispatch_arms(op: &Operation, successes: &[&Response], stream: bool) -> Vec<Arm> {
    let ctor = |e: &str, r: &Response| {
        if r.boxed {
            format!("|r| {e}::{}(Box::new(r))", r.variant)
        } else {
            format!("{e}::{}", r.variant)
        }
    };
    let mut arms = Vec::with_capacity(op.responses.len() + 1);
    for r in &op.responses {
        let pattern = match r.status {
            StatusMatch::Code(c) => c.to_string(),
            StatusMatch::Range(n) => format!("{}..={}", n * 100, n * 100 + 99),
            StatusMatch::Default => "_".to_owned(),
        };
        let h = if r.headers.is_empty() { "()" } else { "headers" }.to_owned();
        // Responses without a documented body are not decoded (a body there is ignored).
        let method = match (r.success, r.body.is_some()) {
            (true, true) if r.body_kind == BodyKind::Text => "ex.success_text",
            (true, true) if r.body_kind == BodyKind::Binary && stream => "ex.success_stream",
            (true, true) if r.body_kind == BodyKind::Binary => "ex.success_bytes",
            (true, true) => "ex.success",
            (true, false) => "ex.success_empty",
            (false, true) => "ex.failure",
            (false, false) => "ex.failure_empty",
        };
        let args = if r.success { vec![h] } else { vec![h, ctor(&op.error_type, r)] };
        let map = (r.success && successes.len() > 1).then(|| ctor(&op.response_type, r));
        let read = (!r.headers.is_empty()).then(|| format!("let headers = {}::read(&ex.headers);", r.headers_type));
        arms.push(Arm { pattern, read, method, args, map });
    }
    if !op.responses.iter().any(|r| r.status == StatusMatch::Default) {
        let args = vec![format!("{}::Unhandled", op.error_type)];
        arms.push(Arm { pattern: "_".to_owned(), read: None, method: "ex.unhandled_status", args, map: None });
    }
    arms
}

/// `arms` as the expression over `ex` that gives the call's result: a `match` on the status,
/// or, when every status goes the same way (no responses, or only `default`), that one arm's
/// body.
pub(super) fn dispatch(arms: &[Arm]) -> TokenStream {
    if let [only] = arms {
        return printed::lex(&only.body());
    }
    let mut text = String::from("match ex.status.as_u16() {");
    for arm in arms {
        text.push_str(&format!(" {} => {},", arm.pattern, arm.body()));
    }
    text.push_str(" }");
    printed::lex(&text)
}
