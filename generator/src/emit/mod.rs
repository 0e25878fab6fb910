//! Emission: IR → token streams, one per generated file.
//!
//! - `mod.rs`: shared helpers, `lib.rs` (the client type, re-exports, credentials) and
//!   `Cargo.toml`.
//! - [`types`](mod@types): named types (structs, validated newtypes, enums, `oneOf`).
//! - [`pattern`]: a compiled pattern as straight-line matching code.
//! - `request`: per operation, the client method and the request builder.
//! - `responses`: per operation, the success and error types and the response dispatch.
//! - [`docs`] and `printed`: doc comments and simple items written as the text prettyplease
//!   prints, put back after printing instead of being parsed and printed.
//!
//! Architecture invariant: nothing here imports `openapiv3`; every name comes from the IR, and
//! the runtime crate is named through [`Context::rt`] only.

pub mod docs;
mod features;
mod pattern;
mod printed;
mod request;
mod responses;
mod types;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{Api, ApiKeyLocation, AuthKind, Operation, TypeRef};

pub use pattern::{matcher_code, MatcherCode};
pub use types::{type_def, types_prelude};

/// Everything emission needs besides the item at hand.
pub struct Context<'a> {
    /// The API.
    pub api: &'a Api,
    /// The distinct security requirements of the operations, in order of first use: each is
    /// one `static SECURITY_<n>` in the crate root that operations refer to.
    securities: Vec<&'a [Vec<crate::ir::Requirement>]>,
    /// Where each of `securities` is.
    security_index: std::collections::BTreeMap<&'a [Vec<crate::ir::Requirement>], usize>,
}

impl<'a> Context<'a> {
    /// A context for `api`.
    pub fn new(api: &'a Api) -> Self {
        let mut securities: Vec<&'a [Vec<crate::ir::Requirement>]> = Vec::new();
        let mut security_index = std::collections::BTreeMap::new();
        for alts in api.operations.iter().filter_map(|o| o.security.as_deref()) {
            security_index.entry(alts).or_insert_with(|| {
                securities.push(alts);
                securities.len() - 1
            });
        }
        Context { api, securities, security_index }
    }

    /// The `SECURITY_<n>` static holding `alternatives`.
    pub(crate) fn security_static(&self, alternatives: &[Vec<crate::ir::Requirement>]) -> proc_macro2::Ident {
        let n = self.security_index[alternatives];
        quote::format_ident!("SECURITY_{}", n)
    }

    /// The alias every generated file gives the runtime crate (`use ::apigen_runtime as rt;`),
    /// so emitted code names runtime items `rt::Error`, which no spec name can shadow.
    pub fn rt(&self) -> TokenStream {
        quote! { rt }
    }

    /// The `use` that introduces [`Context::rt`]: the one place the runtime's path is written.
    pub fn rt_import(&self) -> TokenStream {
        quote! { use ::apigen_runtime as rt; }
    }
}

/// Every item generated for one operation: its response and error types, then its request.
pub fn operation(cx: &Context<'_>, op: &Operation) -> TokenStream {
    let responses = responses::ResponseItems::new(cx, op);
    let request = request::emit(cx, op, &responses);
    let items = &responses.items;
    let waiters =
        cx.api.waiters.iter().filter(|w| w.operation.api == op.name.api).map(|w| features::waiter_static(cx, w));
    quote! {
        #items
        #request
        #(#waiters)*
    }
}

/// The head of `operations.rs` (docs, lints, imports); the items come from [`operation`].
pub fn operations_prelude(cx: &Context<'_>) -> TokenStream {
    if cx.api.operations.is_empty() {
        return quote! {
            //! The spec documents no operations.
        };
    }
    let rt_import = cx.rt_import();
    quote! {
        //! One request builder per operation, the `Client` methods that start them, and the
        //! typed errors of each operation.
        #![allow(clippy::too_many_arguments)]

        #rt_import
        #[allow(unused_imports)]
        use super::types::*;
        use super::Client;
    }
}

/// An identifier from an IR name (handles `r#` raw identifiers).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// `#[doc = "..."]` attributes, one per line (while a file is rendered, one placeholder that
/// [`docs::restore`] turns back into the lines after printing).
pub fn doc_attrs(lines: &[String]) -> TokenStream {
    if lines.is_empty() {
        return TokenStream::new();
    }
    if let Some(text) = docs::placeholder(lines) {
        return quote! { #[doc = #text] };
    }
    let lines = lines.iter().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote! { #( #[doc = #lines] )* }
}

/// The Rust type for a type reference.
pub fn ty(t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::String => quote! { String },
        TypeRef::Bool => quote! { bool },
        TypeRef::Integer { bits32: true } => quote! { i32 },
        TypeRef::Integer { bits32: false } => quote! { i64 },
        TypeRef::Unsigned => quote! { u64 },
        TypeRef::Number { bits32: true } => quote! { f32 },
        TypeRef::Number { bits32: false } => quote! { f64 },
        TypeRef::Named(n) => {
            let n = ident(n);
            quote! { #n }
        }
        TypeRef::Array(inner) => {
            let inner = ty(inner);
            quote! { Vec<#inner> }
        }
        TypeRef::Map(inner) => {
            let inner = ty(inner);
            quote! { ::std::collections::BTreeMap<String, #inner> }
        }
        TypeRef::Any => quote! { serde_json::Value },
        TypeRef::DateTime => quote! { time::OffsetDateTime },
        TypeRef::Uuid => quote! { uuid::Uuid },
        TypeRef::Bytes => quote! { rt::Bytes },
        TypeRef::File => quote! { rt::FilePart },
    }
}

/// `lib.rs`: crate docs, modules, the runtime's re-exports, the `Client` type and, when the API
/// documents credentials, the `credentials` module.
pub fn lib_file(cx: &Context<'_>, crate_ident: &str, env_prefix: &str, layout: crate::Layout) -> TokenStream {
    let api = cx.api;
    let mut docs = vec![format!("Client for {} (API version {}).", api.title, api.version)];
    if !api.docs.is_empty() {
        docs.push(String::new());
        docs.extend(api.docs.iter().cloned());
    }
    docs.push(String::new());
    docs.push("Generated from an OpenAPI document; see the [`Client`] methods for the operations.".to_owned());
    let docs: Vec<TokenStream> = docs
        .iter()
        .map(|l| {
            let l = if l.is_empty() { String::new() } else { format!(" {l}") };
            quote! { #![doc = #l] }
        })
        .collect();
    let rt_import = cx.rt_import();
    let rt = cx.rt();
    let exports = crate::runtime_names::get().exports.iter().map(|e| ident(e));
    let types_use = if api.types.is_empty() {
        quote! {}
    } else {
        quote! { pub use types::*; }
    };
    let credentials = credentials_module(cx, env_prefix);
    let schemes = scheme_statics(cx);
    let ops_use = if api.operations.is_empty() {
        quote! {}
    } else {
        quote! { pub use operations::*; }
    };
    // The client type and its inherent methods, as prettyplease prints them.
    let mut client = printed::Printed::new(0);
    client.docs(
        0,
        &[
            format!("The {} client. Cheap to clone: clones share one connection pool.", api.title),
            String::new(),
            "Build one with [`Client::builder`], or share one [`Config`] between several clients".to_owned(),
            "with [`Client::new`].".to_owned(),
        ],
    );
    for line in [
        "#[derive(Clone, Debug)]",
        "pub struct Client {",
        "    inner: rt::ApiClient,",
        "}",
        "static API: rt::ApiInfo = rt::ApiInfo {",
    ] {
        client.line(0, &[line]);
    }
    client.line(1, &["default_base_url: ", &printed::string_literal(&api.base_url), ","]);
    client.line(1, &["product: ", &printed::string_literal(&format!("{crate_ident}-rust")), ","]);
    for line in [
        "    version: env!(\"CARGO_PKG_VERSION\"),",
        "};",
        "impl rt::GeneratedClient for Client {",
        "    const API: &'static rt::ApiInfo = &API;",
        "    fn from_api_client(inner: rt::ApiClient) -> Self {",
        "        Client { inner }",
        "    }",
        "}",
        "impl Client {",
        "    /// Start configuring a client (base URL defaults to the spec's server).",
        "    pub fn builder() -> rt::ClientBuilder<Client> {",
        "        rt::ClientBuilder::default()",
        "    }",
        "    /// A client that uses `config` (credentials, policies and connection pool), which",
        "    /// other clients may share.",
        "    pub fn new(config: &rt::Config) -> Client {",
        "        Client {",
        "            inner: rt::ApiClient::new(&API, config),",
        "        }",
        "    }",
    ] {
        client.line(0, &[line]);
    }
    if credentials.is_empty() {
        client.line(1, &["/// A client with default settings (this API documents no credentials)."]);
        client.line(1, &["pub fn from_env() -> Result<Client, rt::ConfigError> {"]);
        client.line(2, &["Client::builder().build()"]);
    } else {
        client.line(1, &["/// A client with default settings and credentials from the environment"]);
        client.line(1, &["/// (see [`credentials::from_env`])."]);
        client.line(1, &["pub fn from_env() -> Result<Client, rt::ConfigError> {"]);
        client.line(2, &["Client::builder().credentials(credentials::from_env()?).build()"]);
    }
    for line in [
        "    }",
        "    /// Base URL requests go to.",
        "    pub fn base_url(&self) -> &str {",
        "        self.inner.base_url()",
        "    }",
        "    /// The configuration this client uses.",
        "    pub fn config(&self) -> &rt::Config {",
        "        self.inner.config()",
        "    }",
        "}",
    ] {
        client.line(0, &[line]);
    }
    let client = client.finish();
    let head = match layout {
        crate::Layout::Crate => quote! {
            #(#docs)*
            #![forbid(unsafe_code)]
            #![warn(missing_docs)]

            mod operations;
            pub mod types;
        },
        // The modules follow inline (see `render`); crate attributes belong to the host crate.
        crate::Layout::Module => quote! {},
    };
    quote! {
        #head

        #rt_import

        #ops_use
        pub use #rt::{#(#exports),*};
        #types_use

        #client

        #schemes

        #credentials
    }
}

/// `pub mod credentials`: one constructor per named credential kind and `from_env`; empty
/// when the API documents no credentials.
fn credentials_module(cx: &Context<'_>, env_prefix: &str) -> TokenStream {
    let mut fns = Vec::new();
    let mut sources: Vec<(&'static str, Vec<String>)> = Vec::new();
    // A scheme no operation accepts has no use for credentials (a document may define spares).
    let used: std::collections::BTreeSet<usize> =
        cx.api.operations.iter().flat_map(|op| op.security.iter().flatten().flatten().map(|r| r.scheme)).collect();
    for (i, scheme) in cx.api.auth.iter().enumerate() {
        if !used.contains(&i) && !used.is_empty() {
            continue;
        }
        for k in &scheme.kinds {
            let (env_kind, ctor, defaults): (&str, &str, Vec<String>) = match &scheme.kind {
                AuthKind::Basic => {
                    ("Basic", "basic", vec![format!("{env_prefix}_USERNAME"), format!("{env_prefix}_PASSWORD")])
                }
                AuthKind::Bearer | AuthKind::OAuth2 { token_url: None } => {
                    ("Bearer", "bearer", vec![format!("{env_prefix}_TOKEN")])
                }
                AuthKind::ApiKey { .. } => ("ApiKey", "api_key", vec![format!("{env_prefix}_API_KEY")]),
                AuthKind::OAuth2 { token_url: Some(_) } => (
                    "ClientCredentials",
                    "client_credentials",
                    vec![format!("{env_prefix}_CLIENT_ID"), format!("{env_prefix}_CLIENT_SECRET")],
                ),
            };
            let env = if k.env.is_empty() { defaults } else { k.env.clone() };
            if !sources.iter().any(|(kind, e)| *kind == env_kind && *e == env) {
                sources.push((env_kind, env));
            }
            let Some(name) = &k.constructor else { continue };
            let f = ident(name);
            let params: Vec<_> = k.params.iter().map(|p| ident(p)).collect();
            let ctor = ident(ctor);
            let mut d = k.docs.clone();
            if d.is_empty() {
                d.push(format!("Credentials for the `{}` scheme.", scheme.name.api));
            }
            let d = doc_attrs(&d);
            fns.push(quote! {
                #d
                pub fn #f(#(#params: impl Into<String>),*) -> rt::Credentials {
                    rt::Credentials::#ctor(#(#params),*)
                }
            });
        }
    }
    if sources.is_empty() {
        return quote! {};
    }
    let described: Vec<String> =
        sources.iter().map(|(_, e)| e.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(" + ")).collect();
    let env_doc =
        format!(" Read credentials from the environment: {}, tried in this order.", described.join(", else "));
    let sources = sources.iter().map(|(kind, env)| {
        let kind = ident(kind);
        let first = &env[0];
        let second = match env.get(1) {
            Some(s) => quote! { Some(#s) },
            None => quote! { None },
        };
        quote! { rt::EnvSource { kind: rt::EnvKind::#kind, first: #first, second: #second } }
    });
    let rt_import = cx.rt_import();
    quote! {
        /// Credentials this API documents; pass them to [`ClientBuilder::credentials`] or
        /// [`ConfigBuilder::credentials`].
        pub mod credentials {
            #rt_import

            #(#fns)*

            #[doc = #env_doc]
            pub fn from_env() -> Result<rt::Credentials, rt::ConfigError> {
                rt::Credentials::from_env_sources(&[#(#sources),*])
            }
        }
    }
}

/// `static SCHEME_…: rt::SecurityScheme` for every scheme an operation refers to.
fn scheme_statics(cx: &Context<'_>) -> TokenStream {
    let used: std::collections::BTreeSet<usize> =
        cx.api.operations.iter().flat_map(|o| o.security.iter().flatten().flatten().map(|r| r.scheme)).collect();
    let statics = used.into_iter().map(|i| {
        let s = &cx.api.auth[i];
        let name = ident(&s.name.rust);
        let value = match &s.kind {
            AuthKind::Basic => quote! { rt::SecurityScheme::Basic },
            AuthKind::Bearer => quote! { rt::SecurityScheme::Bearer },
            AuthKind::ApiKey { location, name } => {
                let location = ident(match location {
                    ApiKeyLocation::Header => "Header",
                    ApiKeyLocation::Query => "Query",
                    ApiKeyLocation::Cookie => "Cookie",
                });
                quote! { rt::SecurityScheme::ApiKey { location: rt::ApiKeyLocation::#location, name: #name } }
            }
            AuthKind::OAuth2 { token_url } => {
                let url = match token_url {
                    Some(u) => quote! { Some(#u) },
                    None => quote! { None },
                };
                quote! { rt::SecurityScheme::OAuth2 { token_url: #url } }
            }
        };
        let doc = format!(" The `{}` security scheme.", s.name.api);
        quote! {
            #[doc = #doc]
            static #name: rt::SecurityScheme = #value;
        }
    });
    // Each distinct requirement once; operations name it (`super::SECURITY_0`).
    let requirements = cx.securities.iter().enumerate().map(|(n, alternatives)| {
        let name = quote::format_ident!("SECURITY_{}", n);
        let alts = alternatives.iter().map(|alt| {
            let reqs = alt.iter().map(|r| {
                let scheme = ident(&cx.api.auth[r.scheme].name.rust);
                let scopes = &r.scopes;
                quote! { rt::Requirement { scheme: &#scheme, scopes: &[#(#scopes),*] } }
            });
            quote! { &[#(#reqs),*] }
        });
        let described: Vec<String> = alternatives
            .iter()
            .map(|alt| {
                let names: Vec<String> = alt.iter().map(|r| format!("`{}`", cx.api.auth[r.scheme].name.api)).collect();
                if names.is_empty() {
                    "no credentials".to_owned()
                } else {
                    names.join(" and ")
                }
            })
            .collect();
        let doc = if described.is_empty() {
            " The security requirement of the operations that send no credentials (`security: []`).".to_owned()
        } else {
            format!(" The security requirement of the operations that accept {}.", described.join(", or "))
        };
        quote! {
            #[doc = #doc]
            static #name: rt::Security = Some(&[#(#alts),*]);
        }
    });
    quote! { #(#statics)* #(#requirements)* }
}

/// `Cargo.toml` of the generated crate.
pub fn cargo_toml(cx: &Context<'_>, settings: &crate::Settings, description: &str) -> String {
    let api = cx.api;
    let header = format!("# {}", settings.header_text());
    let description = description.replace('\\', "\\\\").replace('"', "\\\"");
    let version = &crate::runtime_names::get().version;
    let runtime = match &settings.runtime {
        crate::RuntimeDependency::Path(path) => {
            format!("{{ version = \"{version}\", path = \"{}\" }}", path.replace('\\', "/"))
        }
        crate::RuntimeDependency::Registry => format!("\"{version}\""),
    };
    let (name, crate_version) = (&settings.crate_name, &settings.crate_version);
    let repository = match &settings.repository {
        Some(r) => format!("\nrepository = \"{}\"", r.replace('\\', "\\\\").replace('"', "\\\"")),
        None => String::new(),
    };
    let mut out = format!(
        r#"{header}
[package]
name = "{name}"
version = "{crate_version}"
edition = "2021"
rust-version = "1.80"
description = "{description}"
license = "MIT OR Apache-2.0"
readme = "README.md"
keywords = ["api", "client", "openapi"]
categories = ["api-bindings", "web-programming::http-client"]
documentation = "https://docs.rs/{name}"{repository}

# Each dependency earns its place:
[dependencies]
# Credentials, configuration, retries, timeouts and the request loop, shared by every
# generated client.
{runtime_pkg} = {runtime}
# (De)serialization of request and response bodies.
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
"#,
        runtime_pkg = crate::RUNTIME_PACKAGE,
    );
    // Dependencies only some APIs need.
    let fields = || {
        api.types.iter().flat_map(|t| match &t.kind {
            crate::ir::TypeDefKind::Struct { fields } => fields.iter().map(|f| &f.ty).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    };
    if fields().any(|t| *t == TypeRef::DateTime) || uses(api, &TypeRef::DateTime) {
        out.push_str("# `format: date-time` fields (RFC 3339).\ntime = { version = \"0.3\", default-features = false, features = [\"std\", \"serde-well-known\"] }\n");
    }
    if uses(api, &TypeRef::Uuid) {
        out.push_str("# `format: uuid` values.\nuuid = { version = \"1\", default-features = false, features = [\"std\", \"serde\"] }\n");
    }
    // Not a dependency of the library: what its own examples and tests run on.
    out.push_str(
        "\n[dev-dependencies]\n# Examples and tests (`examples/`, `tests/`, written by hand) run the client on tokio.\ntokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n",
    );
    if settings.standalone {
        out.push_str("\n[workspace]\n");
    }
    out
}

/// `README.md` of the generated crate (shown by the registry).
pub fn readme(cx: &Context<'_>, settings: &crate::Settings) -> String {
    let api = cx.api;
    let name = &settings.crate_name;
    let ident = name.replace('-', "_");
    let mut out = format!(
        "<!-- {} -->\n# {name}\n\nAsync Rust client for {} (API version {}), generated from its OpenAPI document.\n",
        settings.header_text(),
        api.title,
        api.version
    );
    if !api.docs.is_empty() {
        out.push('\n');
        for l in &api.docs {
            out.push_str(l);
            out.push('\n');
        }
    }
    let version = &settings.crate_version;
    out.push_str(&format!(
        "\n## Use it\n\n```toml\n[dependencies]\n{name} = \"{version}\"\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n```\n\n\
         Every operation is a method on `{ident}::Client` ({} in all); build the client with \
         `Client::builder()` (credentials, retries, timeouts) and await the calls. The crate \
         documentation lists them with their parameters and typed errors.\n",
        api.operations.len()
    ));
    out
}

/// Whether any type, field, parameter, body or header of the API uses `t`.
fn uses(api: &Api, t: &TypeRef) -> bool {
    api.types.iter().any(|d| d.kind.children().iter().any(|c| c.contains(t)))
        || api.operations.iter().any(|o| {
            o.params.iter().any(|p| p.ty.contains(t))
                || o.body.as_ref().is_some_and(|b| b.ty.contains(t))
                || o.responses.iter().any(|r| {
                    r.body.as_ref().is_some_and(|b| b.contains(t)) || r.headers.iter().any(|h| h.ty.contains(t))
                })
        })
}
