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

pub use types::{type_def, types_prelude};

/// The `use` that names the runtime crate `rt` in every generated module.
const RT_IMPORT: &str = "use ::apigen_runtime as rt;";

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
        printed::lex(RT_IMPORT)
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
    let exports: Vec<String> = crate::runtime_names::get().exports.clone();
    // The crate root as prettyplease prints it.
    let mut out = printed::Printed::new(0);
    if matches!(layout, crate::Layout::Crate) {
        out.inner_docs(&docs);
        out.line(0, &["#![forbid(unsafe_code)]"]);
        out.line(0, &["#![warn(missing_docs)]"]);
        out.line(0, &["mod operations;"]);
        out.line(0, &["pub mod types;"]);
    }
    // The modules follow inline in the other layout (see `render`); crate attributes belong
    // to the host crate.
    out.line(0, &[RT_IMPORT]);
    if !api.operations.is_empty() {
        out.line(0, &["pub use operations::*;"]);
    }
    out.use_group("pub use rt::", &exports, ";");
    if !api.types.is_empty() {
        out.line(0, &["pub use types::*;"]);
    }
    let credentials = credentials_module(cx, env_prefix);
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
    out.append(client);
    scheme_statics(cx, &mut out);
    out.append(credentials);
    out.finish()
}

/// `pub mod credentials`: one constructor per named credential kind and `from_env`; nothing
/// when the API documents no credentials.
fn credentials_module(cx: &Context<'_>, env_prefix: &str) -> printed::Printed {
    let mut out = printed::Printed::new(0);
    let mut fns = printed::Printed::new(0);
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
            let mut d = k.docs.clone();
            if d.is_empty() {
                d.push(format!("Credentials for the `{}` scheme.", scheme.name.api));
            }
            fns.docs(1, &d);
            let params: Vec<String> = k.params.iter().map(|p| format!("{p}: impl Into<String>")).collect();
            fns.list(1, &format!("pub fn {name}"), &params, " -> rt::Credentials {", true);
            fns.list(2, &format!("rt::Credentials::{ctor}"), &k.params, "", true);
            fns.line(1, &["}"]);
        }
    }
    if sources.is_empty() {
        return out;
    }
    let described: Vec<String> =
        sources.iter().map(|(_, e)| e.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(" + ")).collect();
    let env_doc = format!("Read credentials from the environment: {}, tried in this order.", described.join(", else "));
    out.line(0, &["/// Credentials this API documents; pass them to [`ClientBuilder::credentials`] or"]);
    out.line(0, &["/// [`ConfigBuilder::credentials`]."]);
    out.line(0, &["pub mod credentials {"]);
    out.line(1, &[RT_IMPORT]);
    out.append(fns);
    out.docs(1, &[env_doc]);
    out.line(1, &["pub fn from_env() -> Result<rt::Credentials, rt::ConfigError> {"]);
    // Struct expressions this wide are always broken, and so is everything around them.
    out.line(2, &["rt::Credentials::from_env_sources("]);
    out.line(3, &["&["]);
    for (kind, env) in &sources {
        out.line(4, &["rt::EnvSource {"]);
        out.line(5, &["kind: rt::EnvKind::", kind, ","]);
        out.unbroken_line(5, &["first: ", &printed::string_literal(&env[0]), ","]);
        match env.get(1) {
            Some(second) => out.line(5, &["second: Some(", &printed::string_literal(second), "),"]),
            None => out.line(5, &["second: None,"]),
        }
        out.line(4, &["},"]);
    }
    out.line(3, &["],"]);
    out.line(2, &[")"]);
    out.line(1, &["}"]);
    out.line(0, &["}"]);
    out
}

/// `static SCHEME_…: rt::SecurityScheme` for every scheme an operation refers to, then each
/// distinct security requirement once as `static SECURITY_<n>` (operations name it).
fn scheme_statics(cx: &Context<'_>, out: &mut printed::Printed) {
    let used: std::collections::BTreeSet<usize> =
        cx.api.operations.iter().flat_map(|o| o.security.iter().flatten().flatten().map(|r| r.scheme)).collect();
    for i in used {
        let s = &cx.api.auth[i];
        out.docs(0, &[format!("The `{}` security scheme.", s.name.api)]);
        let head = format!("static {}: rt::SecurityScheme = rt::SecurityScheme::", s.name.rust);
        // The struct values are wider than prettyplease keeps on one line.
        match &s.kind {
            AuthKind::Basic => out.line(0, &[&head, "Basic;"]),
            AuthKind::Bearer => out.line(0, &[&head, "Bearer;"]),
            AuthKind::ApiKey { location, name } => {
                let location = match location {
                    ApiKeyLocation::Header => "Header",
                    ApiKeyLocation::Query => "Query",
                    ApiKeyLocation::Cookie => "Cookie",
                };
                out.line(0, &[&head, "ApiKey {"]);
                out.line(1, &["location: rt::ApiKeyLocation::", location, ","]);
                out.unbroken_line(1, &["name: ", &printed::string_literal(name), ","]);
                out.line(0, &["};"]);
            }
            AuthKind::OAuth2 { token_url } => {
                out.line(0, &[&head, "OAuth2 {"]);
                match token_url {
                    Some(u) => out.line(1, &["token_url: Some(", &printed::string_literal(u), "),"]),
                    None => out.line(1, &["token_url: None,"]),
                }
                out.line(0, &["};"]);
            }
        }
    }
    for (n, alternatives) in cx.securities.iter().enumerate() {
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
            "The security requirement of the operations that send no credentials (`security: []`).".to_owned()
        } else {
            format!("The security requirement of the operations that accept {}.", described.join(", or "))
        };
        out.docs(0, &[doc]);
        let head = format!("static SECURITY_{n}: rt::Security = Some(");
        if alternatives.iter().all(|alt| alt.is_empty()) {
            let alts = vec!["&[]"; alternatives.len()].join(", ");
            out.line(0, &[&head, "&[", &alts, "]);"]);
            continue;
        }
        // A requirement is a struct expression wider than prettyplease keeps on one line, so
        // every list around it is broken.
        out.line(0, &[&head]);
        out.line(1, &["&["]);
        for alt in alternatives.iter() {
            if alt.is_empty() {
                out.line(2, &["&[],"]);
                continue;
            }
            out.line(2, &["&["]);
            for r in alt {
                out.line(3, &["rt::Requirement {"]);
                out.line(4, &["scheme: &", &cx.api.auth[r.scheme].name.rust, ","]);
                let scopes: Vec<String> = r.scopes.iter().map(|s| printed::string_literal(s)).collect();
                out.line(4, &["scopes: &[", &scopes.join(", "), "],"]);
                out.line(3, &["},"]);
            }
            out.line(2, &["],"]);
        }
        out.line(1, &["],"]);
        out.line(0, &[");"]);
    }
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
