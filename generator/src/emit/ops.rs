//! Operations: one request builder, one method on `Client`, one error enum (and a success enum
//! when several success statuses are documented) per operation.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{doc_attrs, ident, ty};
use crate::ir::{Api, Operation, Param, ParamLocation, PathSegment, Response, StatusMatch, TypeDefKind, TypeRef};

/// The head of `operations.rs` (docs, lints, imports); the items come from [`operation`].
pub fn operations_prelude(api: &Api) -> TokenStream {
    let any_params = api.operations.iter().any(|op| !op.params.is_empty());
    let any_body = api.operations.iter().any(|op| op.body.is_some());
    let into_param = if any_params {
        quote! { IntoParam, }
    } else {
        quote! {}
    };
    let validation = if any_params || any_body {
        quote! { ValidationError, }
    } else {
        quote! {}
    };
    let imports = quote! {
        use crate::runtime::{self, Client, Error, #into_param RequestOptions, Response, UnhandledResponse, #validation};
    };
    quote! {
        //! One request builder per operation, the `Client` methods that start them, and the
        //! typed errors of each operation.
        #![allow(clippy::too_many_arguments)]

        #imports
        #[allow(unused_imports)]
        use crate::types::*;
    }
}

/// How a parameter value becomes an owned `String`.
fn owned_text_of(api: &Api, t: &TypeRef, value: TokenStream) -> TokenStream {
    match t {
        TypeRef::String => quote! { #value.clone() },
        TypeRef::Named(n) => match api.type_def(n).map(|d| &d.kind) {
            Some(TypeDefKind::Pattern(_)) | Some(TypeDefKind::StringEnum { .. }) => {
                quote! { #value.as_str().to_owned() }
            }
            Some(TypeDefKind::Alias(TypeRef::String)) => quote! { #value.clone() },
            _ => quote! { #value.to_string() },
        },
        _ => quote! { #value.to_string() },
    }
}

/// How a parameter value becomes text.
fn text_of(api: &Api, t: &TypeRef, value: TokenStream) -> TokenStream {
    match t {
        TypeRef::String => quote! { #value.as_str() },
        TypeRef::Named(n) => match api.type_def(n).map(|d| &d.kind) {
            Some(TypeDefKind::Pattern(_)) | Some(TypeDefKind::StringEnum { .. }) => quote! { #value.as_str() },
            Some(TypeDefKind::Alias(TypeRef::String)) => quote! { #value.as_str() },
            _ => quote! { &#value.to_string() },
        },
        _ => quote! { &#value.to_string() },
    }
}

fn body_ty(r: &Response) -> TokenStream {
    match &r.body {
        Some(t) => ty(t),
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

fn status_pattern(s: StatusMatch) -> TokenStream {
    match s {
        StatusMatch::Code(c) => {
            let c = Literal::u16_unsuffixed(c);
            quote! { #c }
        }
        StatusMatch::Range(n) => {
            let lo = Literal::u16_unsuffixed(n * 100);
            let hi = Literal::u16_unsuffixed(n * 100 + 99);
            quote! { #lo..=#hi }
        }
        StatusMatch::Default => quote! { _ },
    }
}

fn status_text(s: StatusMatch) -> String {
    match s {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(n) => format!("{n}XX"),
        StatusMatch::Default => "default".to_owned(),
    }
}

/// Every item generated for one operation.
pub fn operation(api: &Api, op: &Operation) -> TokenStream {
    let method = ident(&op.name.rust);
    let base = &op.type_name;
    let request = ident(&op.request_type);
    let error = ident(&op.error_type);
    let successes: Vec<&Response> = op.responses.iter().filter(|r| r.success).collect();
    let errors: Vec<&Response> = op.responses.iter().filter(|r| !r.success).collect();

    // ----- success type
    let (ok_ty, ok_def) = match successes.as_slice() {
        [] => (quote! { Response<()> }, quote! {}),
        [one] => {
            let (b, h) = (body_ty(one), headers_ty(one));
            (quote! { Response<#b, #h> }, quote! {})
        }
        many => {
            let name = ident(&op.response_type);
            let doc = format!(" The successful responses of [`Client::{}`].", op.name.rust.trim_start_matches("r#"));
            let variants = many.iter().map(|r| {
                let v = ident(&r.variant);
                let (b, h) = (body_ty(r), headers_ty(r));
                let d = doc_attrs(&with_status(r));
                quote! { #d #v(Response<#b, #h>), }
            });
            (
                quote! { #name },
                quote! {
                    #[doc = #doc]
                    #[derive(Debug, Clone)]
                    #[non_exhaustive]
                    pub enum #name { #(#variants)* }
                },
            )
        }
    };

    // ----- headers structs
    let header_structs = op.responses.iter().filter(|r| !r.headers.is_empty()).map(|r| {
        let name = ident(&r.headers_type);
        let doc = format!(" Headers of the {} response of `{}`.", status_text(r.status), op.name.api);
        let fields = r.headers.iter().map(|h| {
            let f = ident(&h.name.rust);
            let t = ty(&h.ty);
            let mut d = h.docs.clone();
            if !d.is_empty() {
                d.push(String::new());
            }
            d.push(format!("Header `{}`.", h.name.api));
            let d = doc_attrs(&d);
            quote! { #d pub #f: Option<#t>, }
        });
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, Default, PartialEq)]
            #[non_exhaustive]
            pub struct #name { #(#fields)* }
        }
    });

    // ----- error enum
    let error_variants = errors.iter().map(|r| {
        let v = ident(&r.variant);
        let (b, h) = (body_ty(r), headers_ty(r));
        let d = doc_attrs(&with_status(r));
        quote! { #d #v(Response<#b, #h>), }
    });
    let error_summaries = errors.iter().map(|r| {
        let v = ident(&r.variant);
        let summary = r.docs.first().cloned().unwrap_or_default();
        quote! { Self::#v(r) => (r.status, #summary), }
    });
    let error_doc = format!(
        " The documented error responses of [`Client::{}`], plus any other status.",
        op.name.rust.trim_start_matches("r#")
    );

    // ----- parameters
    let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    let optional: Vec<&Param> = op.params.iter().filter(|p| !p.required).collect();
    let req_fields = required.iter().map(|p| {
        let n = ident(&p.name.rust);
        let t = ty(&p.ty);
        quote! { #n: Result<#t, ValidationError>, }
    });
    let opt_fields = optional.iter().map(|p| {
        let n = ident(&p.name.rust);
        let t = ty(&p.ty);
        quote! { #n: Option<Result<#t, ValidationError>>, }
    });
    let args = required.iter().map(|p| {
        let n = ident(&p.name.rust);
        let t = ty(&p.ty);
        quote! { #n: impl IntoParam<#t> }
    });
    let arg_inits = required.iter().map(|p| {
        let n = ident(&p.name.rust);
        quote! { #n: #n.into_param(), }
    });
    let opt_inits = optional.iter().map(|p| {
        let n = ident(&p.name.rust);
        quote! { #n: None, }
    });
    let setters = optional.iter().map(|p| {
        let n = ident(&p.name.rust);
        let t = ty(&p.ty);
        let mut d = p.docs.clone();
        if !d.is_empty() {
            d.push(String::new());
        }
        d.push(format!("Optional {} parameter `{}`.", location_name(p.location), p.name.api));
        let d = doc_attrs(&d);
        quote! {
            #d
            pub fn #n(mut self, value: impl IntoParam<#t>) -> Self {
                self.#n = Some(value.into_param());
                self
            }
        }
    });
    let arg_docs: Vec<String> = required
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
    let unwrap_required = required.iter().map(|p| {
        let n = ident(&p.name.rust);
        quote! { let #n = self.#n.map_err(|source| Error::InvalidRequest { source })?; }
    });
    let unwrap_optional = optional.iter().map(|p| {
        let n = ident(&p.name.rust);
        quote! { let #n = self.#n.transpose().map_err(|source| Error::InvalidRequest { source })?; }
    });
    let wrap = quote! { |source| Error::InvalidRequest { source } };
    let param_checks = op.params.iter().map(|p| {
        let what = format!("{} parameter `{}`", location_name(p.location), p.name.api);
        let checks = super::value_checks(api, &what, &p.ty, &p.constraints, Some(&wrap));
        let n = ident(&p.name.rust);
        if checks.is_empty() {
            quote! {}
        } else if p.required {
            quote! { { let v = &#n; #(#checks)* } }
        } else {
            quote! { if let Some(v) = &#n { #(#checks)* } }
        }
    });

    // ----- body
    let (body_field, body_arg, body_init, body_setter, body_build, body_arg_doc) = match &op.body {
        None => (quote! {}, quote! {}, quote! {}, quote! {}, quote! {}, None),
        Some(b) => {
            let t = ty(&b.ty);
            let ct = &b.content_type;
            let sent_struct = matches!(&b.ty, TypeRef::Named(n) if matches!(api.type_def(n).map(|d| &d.kind), Some(TypeDefKind::Struct { .. })));
            let check = if sent_struct {
                quote! { body.validate().map_err(|source| Error::InvalidRequest { source })?; }
            } else {
                quote! {}
            };
            let serialize = if b.form {
                quote! { serde_urlencoded::to_string(&body).map(String::into_bytes) }
            } else {
                quote! { serde_json::to_vec(&body) }
            };
            let encode = quote! {
                #check
                parts.body = Some((
                    #serialize.map_err(|e| Error::InvalidRequest { source: ValidationError::new("request body", None, e.to_string()) })?,
                    #ct,
                ));
            };
            if b.required {
                (
                    quote! { body: #t, },
                    quote! { body: #t },
                    quote! { body, },
                    quote! {},
                    quote! { let body = self.body; #encode },
                    Some("- `body`: the JSON request body".to_owned()),
                )
            } else {
                let mut d = b.docs.clone();
                d.push("Optional JSON request body.".to_owned());
                let d = doc_attrs(&d);
                (
                    quote! { body: Option<#t>, },
                    quote! {},
                    quote! { body: None, },
                    quote! {
                        #d
                        pub fn body(mut self, body: #t) -> Self {
                            self.body = Some(body);
                            self
                        }
                    },
                    quote! { if let Some(body) = self.body { #encode } },
                    None,
                )
            }
        }
    };
    let mut args: Vec<TokenStream> = args.collect();
    if !body_arg.is_empty() {
        args.push(body_arg);
    }

    // ----- path
    let path_pushes = op.path.iter().map(|seg| match seg {
        PathSegment::Literal(l) => quote! { path.push_str(#l); },
        PathSegment::Param(i) => {
            let p = &op.params[*i];
            let n = ident(&p.name.rust);
            let text = text_of(api, &p.ty, quote! { #n });
            let what = format!("path parameter `{}`", p.name.api);
            quote! { runtime::push_segment(&mut path, #text, #what).map_err(|source| Error::InvalidRequest { source })?; }
        }
    });
    let query_pushes = op.params.iter().filter(|p| p.location == ParamLocation::Query).map(|p| {
        let n = ident(&p.name.rust);
        let key = &p.name.api;
        let push_one = |v: TokenStream, t: &TypeRef| {
            let text = owned_text_of(api, t, v);
            quote! { parts.query.push((#key, #text)); }
        };
        let body = match &p.ty {
            TypeRef::Array(inner) => {
                let one = push_one(quote! { item }, inner);
                quote! { for item in #n.iter() { #one } }
            }
            t => push_one(quote! { #n }, t),
        };
        if p.required {
            quote! { { let #n = &#n; #body } }
        } else {
            quote! { if let Some(#n) = &#n { #body } }
        }
    });
    let header_pushes = op.params.iter().filter(|p| p.location == ParamLocation::Header).map(|p| {
        let n = ident(&p.name.rust);
        let key = p.name.api.to_ascii_lowercase();
        let text = match &p.ty {
            TypeRef::Array(inner) => {
                let t = owned_text_of(api, inner, quote! { x });
                quote! { #n.iter().map(|x| #t).collect::<Vec<_>>().join(",") }
            }
            t => owned_text_of(api, t, quote! { #n }),
        };
        if p.required {
            quote! { parts.headers.push((#key, #text)); }
        } else {
            quote! { if let Some(#n) = &#n { parts.headers.push((#key, #text)); } }
        }
    });

    // ----- response dispatch
    let mut arms = Vec::new();
    let mut has_default = false;
    for r in &op.responses {
        if r.status == StatusMatch::Default {
            has_default = true;
        }
        let pat = status_pattern(r.status);
        let v = ident(&r.variant);
        let headers = if r.headers.is_empty() {
            quote! { () }
        } else {
            let name = ident(&r.headers_type);
            let fields = r.headers.iter().map(|h| {
                let f = ident(&h.name.rust);
                let key = h.name.api.to_ascii_lowercase();
                match &h.ty {
                    TypeRef::String => quote! { #f: runtime::header_str(&ex.headers, #key), },
                    _ => quote! { #f: runtime::header_parse(&ex.headers, #key), },
                }
            });
            quote! { #name { #(#fields)* } }
        };
        let h = if r.headers.is_empty() {
            quote! { () }
        } else {
            quote! { headers }
        };
        // Responses without a documented body are not decoded (a body there is ignored).
        let call = match (r.success, r.body.is_some()) {
            (true, true) => quote! { ex.success(#h) },
            (true, false) => quote! { ex.success_empty(#h) },
            (false, true) => quote! { ex.failure(#h, #error::#v) },
            (false, false) => quote! { ex.failure_empty(#h, #error::#v) },
        };
        let call = if r.success && successes.len() > 1 {
            let name = ident(&op.response_type);
            quote! { #call.map(#name::#v) }
        } else {
            call
        };
        let arm = if r.headers.is_empty() {
            quote! { #pat => #call, }
        } else {
            quote! { #pat => { let headers = #headers; #call } }
        };
        arms.push(arm);
    }
    if !has_default {
        arms.push(quote! { _ => ex.unhandled_status(#error::Unhandled), });
    }

    // ----- docs
    let mut method_docs: Vec<String> = Vec::new();
    if !op.summary.is_empty() {
        method_docs.extend(op.summary.iter().cloned());
        method_docs.push(String::new());
    }
    method_docs.push(format!("`{} {}` (operation `{}`).", op.method.as_str(), op.path_template, op.name.api));
    if !op.docs.is_empty() {
        method_docs.push(String::new());
        method_docs.extend(op.docs.iter().cloned());
    }
    let mut all_args = arg_docs.clone();
    if let Some(b) = body_arg_doc {
        all_args.push(b);
    }
    if !all_args.is_empty() {
        method_docs.push(String::new());
        method_docs.push("Arguments:".to_owned());
        method_docs.extend(all_args);
    }
    method_docs.push(String::new());
    method_docs.push(format!(
        "Await the returned [`{request}`] (or call `.send()`); set optional parameters and per-call options on it first."
    ));
    let method_docs = doc_attrs(&method_docs);
    let request_doc = format!(
        " A pending `{}` call; await it to send. Built by [`Client::{}`].",
        op.name.api,
        op.name.rust.trim_start_matches("r#")
    );

    let op_id = &op.name.api;
    let http_method = op.method.as_str();
    let template = &op.path_template;
    let idempotent = op.method.idempotent();
    let capacity = Literal::usize_unsuffixed(op.path_template.len() + 32);
    let server = match &op.server {
        Some(s) => quote! { Some(#s) },
        None => quote! { None },
    };
    let result = ident(&op.result_type);
    let output = quote! { #result };
    let result_doc = format!(" What awaiting [`{}`] gives.", op.request_type);

    quote! {
        #ok_def
        #(#header_structs)*

        #[doc = #result_doc]
        pub type #result = Result<#ok_ty, Error<#error>>;

        #[doc = #error_doc]
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum #error {
            #(#error_variants)*
            /// A status the spec does not document for this operation.
            Unhandled(UnhandledResponse),
        }

        impl #error {
            /// The HTTP status and a one-line description of the response.
            fn describe(&self) -> (runtime::StatusCode, &'static str) {
                match self {
                    #(#error_summaries)*
                    Self::Unhandled(r) => (r.status, "status not documented for this operation"),
                }
            }
        }

        runtime::error_impls!(#error, #base);

        impl Client {
            #method_docs
            pub fn #method(&self, #(#args),*) -> #request<'_> {
                #request {
                    client: self,
                    #(#arg_inits)*
                    #(#opt_inits)*
                    #body_init
                    options: RequestOptions::default(),
                }
            }
        }

        #[doc = #request_doc]
        #[must_use = "a request does nothing until it is awaited"]
        #[derive(Debug)]
        pub struct #request<'a> {
            client: &'a Client,
            #(#req_fields)*
            #(#opt_fields)*
            #body_field
            options: RequestOptions,
        }

        impl<'a> #request<'a> {
            #(#setters)*
            #body_setter

            /// Send the request.
            pub async fn send(self) -> #output {
                static OPERATION: runtime::OperationInfo = runtime::OperationInfo {
                    id: #op_id,
                    server: #server,
                    method: #http_method,
                    path_template: #template,
                    idempotent: #idempotent,
                };
                #(#unwrap_required)*
                #(#unwrap_optional)*
                #(#param_checks)*
                let mut path = String::with_capacity(#capacity);
                #(#path_pushes)*
                #[allow(unused_mut)]
                let mut parts = runtime::RequestParts { path, ..Default::default() };
                #(#query_pushes)*
                #(#header_pushes)*
                #body_build
                let ex = self.client.execute::<#error>(&OPERATION, parts, self.options).await?;
                match ex.status.as_u16() {
                    #(#arms)*
                }
            }
        }

        runtime::request_builder!(#request, #output);
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

fn location_name(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}
