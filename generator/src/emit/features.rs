//! Paginators (`.pages()`, `.items()`) and operation waiters (`.wait()`, `.wait_with()`) on
//! request builders, and the `static` describing each waiter.

use proc_macro2::TokenStream;
use quote::quote;

use super::responses::ResponseItems;
use super::{doc_attrs, ident, ty, Context};
use crate::ir::{Field, FieldPath, Operation, Pagination, TypeDefKind, TypeRef, WaiterDef};

/// How a field's type wraps its schema's type (see `types::field_type`).
enum Wrap {
    Plain,
    Option,
    OptionOption,
}

fn wrap(f: &Field) -> Wrap {
    if f.required && !f.nullable {
        Wrap::Plain
    } else if f.absent_vs_null && f.ty != TypeRef::DateTime {
        Wrap::OptionOption
    } else {
        Wrap::Option
    }
}

/// The field `rust` of the struct `name` (through aliases).
fn field<'a>(cx: &Context<'a>, name: &str, rust: &str) -> Option<&'a Field> {
    let mut name = name;
    for _ in 0..8 {
        match &cx.api.type_def(name)?.kind {
            TypeDefKind::Struct { fields } => return fields.iter().find(|f| f.name.rust == rust),
            TypeDefKind::Alias(TypeRef::Named(n)) => name = n,
            _ => return None,
        }
    }
    None
}

/// A block giving `Option<&str>`: the string at `path` below `start` (a struct `root`), `None`
/// where an optional field on the way is absent.
fn string_at(cx: &Context<'_>, root: &str, path: &FieldPath, start: TokenStream) -> TokenStream {
    let mut stmts = Vec::new();
    let mut current = root.to_owned();
    let mut value = start;
    for (i, name) in path.0.iter().enumerate() {
        let Some(f) = field(cx, &current, name) else { return quote! { None } };
        let n = ident(name);
        stmts.push(match wrap(f) {
            Wrap::Plain => quote! { let v = &#value.#n; },
            Wrap::Option => quote! { let v = #value.#n.as_ref()?; },
            Wrap::OptionOption => quote! { let v = #value.#n.as_ref()?.as_ref()?; },
        });
        value = quote! { v };
        if i + 1 < path.0.len() {
            let TypeRef::Named(next) = &f.ty else { return quote! { None } };
            current = next.clone();
        }
    }
    quote! { { #(#stmts)* Some(v.as_str()) } }
}

/// `.pages()` and `.items()` of a list operation's request builder.
pub(super) fn paginator(cx: &Context<'_>, op: &Operation, p: &Pagination, responses: &ResponseItems) -> TokenStream {
    let page_response = op.responses.iter().find(|r| match &p.page_variant {
        Some(v) => &r.variant == v,
        None => r.success,
    });
    let Some(TypeRef::Named(body)) = page_response.and_then(|r| r.body.as_ref()) else {
        return quote! {};
    };
    let (result, ok, error) = (&responses.output, &responses.ok, &responses.error);
    let setter = ident(&p.token_setter);
    let next = string_at(cx, body, &p.next, quote! { page.body });
    // With several success responses, the page is one variant of the success enum.
    let (next, unwrap_page) = match &p.page_variant {
        Some(v) => {
            let (e, v) = (ident(&op.response_type), ident(v));
            (quote! { match page { #e::#v(page) => #next, _ => None } }, Some((e, v)))
        }
        None => (next, None),
    };
    let mut pages_doc = vec![
        format!(
            "Every page, in order, as a stream: the request is sent again with `{}` set to the previous \
             page's `{}` until a page has none. Each page is one call, with the client's retries and \
             timeouts; an error ends the stream.",
            p.token_param, p.next_api
        ),
        String::new(),
        "Consume it with [`StreamExt`](crate::StreamExt) or [`TryStreamExt`](crate::TryStreamExt) \
         (`.next().await`, `.try_collect().await`)."
            .to_owned(),
    ];
    if unwrap_page.is_some() {
        pages_doc.push(String::new());
        pages_doc.push("A response other than a page (a redirect to another origin, which the client does not follow) ends the stream.".to_owned());
    }
    let pages_doc = doc_attrs(&pages_doc);
    let pages = quote! {
        #pages_doc
        pub fn pages(self) -> rt::BoxStream<'a, #result> {
            rt::StreamExt::boxed(rt::pages(
                move |token: Option<String>| match token {
                    Some(token) => self.clone().#setter(token).send(),
                    None => self.clone().send(),
                },
                |page: &#ok| #next,
            ))
        }
    };
    let (Some(items), Some(item_type)) = (&p.items, &p.item_type) else { return pages };
    let Some(items_field) = field(cx, body, items) else { return pages };
    let items = ident(items);
    let items_expr = match wrap(items_field) {
        Wrap::Plain => quote! { page.body.#items },
        Wrap::Option => quote! { page.body.#items.unwrap_or_default() },
        Wrap::OptionOption => quote! { page.body.#items.flatten().unwrap_or_default() },
    };
    let items_expr = match unwrap_page {
        Some((e, v)) => quote! { match page { #e::#v(page) => #items_expr, _ => Vec::new() } },
        None => items_expr,
    };
    let item = ty(item_type);
    let items_doc = format!(
        " Every item of every page, in order, as a stream (see [`pages`](Self::pages)): the `{}` of \
         each page.",
        items_field.name.api
    );
    quote! {
        #pages

        #[doc = #items_doc]
        pub fn items(self) -> rt::BoxStream<'a, Result<#item, rt::Error<#error>>> {
            rt::StreamExt::boxed(rt::items(self.pages(), |page: #ok| #items_expr))
        }
    }
}

/// `.wait()` and `.wait_with()` of a request that starts a long-running operation.
pub(super) fn wait_methods(cx: &Context<'_>, w: &WaiterDef, responses: &ResponseItems) -> TokenStream {
    let status = ident(&w.status_type);
    let poll_error = ident(&w.error_type);
    let error = &responses.error;
    let poll = ident(&w.operation.rust);
    let waiter = ident(&w.static_name);
    let out = quote! { Result<#status, rt::WaitError<#error, #poll_error, #status>> };
    let states = |s: &[String]| s.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
    let doc = doc_attrs(&[
        format!(
            "Send the request, then wait until the operation it starts (named by the response's `{}` \
             header) ends, asking [`Client::{}`] how it is going. Between polls it sleeps for the \
             `Retry-After` of the last response, or for a growing delay; the whole wait is bounded by \
             [`WaitOptions::timeout`](crate::WaitOptions::timeout) (10 minutes unless set with \
             [`wait_with`](Self::wait_with)).",
            w.header,
            w.operation.rust.trim_start_matches("r#")
        ),
        String::new(),
        format!(
            "Returns the final status when it is {}; {} end in [`WaitError::Failed`](crate::WaitError::Failed) \
             with that status{}.",
            states(&w.success),
            states(&w.failure),
            w.error.as_deref().map(|e| format!(" (its `{e}` says why)")).unwrap_or_default()
        ),
    ]);
    let _ = cx;
    quote! {
        #doc
        pub async fn wait(self) -> #out {
            self.wait_with(rt::WaitOptions::default()).await
        }

        /// [`wait`](Self::wait), with these limits.
        pub async fn wait_with(self, options: rt::WaitOptions) -> #out {
            let client = self.client;
            rt::wait(self.send(), move |id: String| client.#poll(id).send(), options, &#waiter).await
        }
    }
}

/// The `static` describing a waiter, next to its status operation.
pub(super) fn waiter_static(cx: &Context<'_>, w: &WaiterDef) -> TokenStream {
    let name = ident(&w.static_name);
    let status = ident(&w.status_type);
    let (operation, header) = (&w.operation.api, &w.header);
    let (success, failure) = (&w.success, &w.failure);
    let error = match &w.error {
        Some(e) => quote! { Some(#e) },
        None => quote! { None },
    };
    let state = string_at(cx, &w.status_type, &w.state, quote! { status });
    let doc = format!(
        " How [`Client::{}`] reports on the operations other calls start (the spec's `x-waiter`).",
        w.operation.rust.trim_start_matches("r#")
    );
    quote! {
        #[doc = #doc]
        static #name: rt::Waiter<#status> = rt::Waiter {
            operation: #operation,
            header: #header,
            success: &[#(#success),*],
            failure: &[#(#failure),*],
            error: #error,
            state: |status| #state,
        };
    }
}

/// `rt::HttpResponse` for an operation's success enum: the status and headers whatever the
/// variant (a waiter reads the headers through it).
pub(super) fn http_response_impl(op: &Operation) -> TokenStream {
    let successes: Vec<&str> = op.responses.iter().filter(|r| r.success).map(|r| r.variant.as_str()).collect();
    let mut p = super::printed::Printed::new(0);
    p.line(0, &["impl rt::HttpResponse for ", &op.response_type, " {"]);
    for (signature, value) in [
        ("fn status(&self) -> rt::StatusCode {", "r.status"),
        ("fn raw_headers(&self) -> &rt::header::HeaderMap {", "&r.raw_headers"),
    ] {
        p.line(1, &[signature]);
        p.line(2, &["match self {"]);
        for v in &successes {
            p.line(3, &["Self::", v, "(r) => ", value, ","]);
        }
        p.line(2, &["}"]);
        p.line(1, &["}"]);
    }
    p.line(0, &["}"]);
    p.finish()
}
