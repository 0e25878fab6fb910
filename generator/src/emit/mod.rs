//! Emission: IR → token streams, one per generated file.
//!
//! Architecture invariant: nothing here imports `openapiv3`; every name comes from the IR.

mod ops;
mod pattern;
mod types;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{Api, AuthScheme, TypeRef};

pub use ops::{operation, operations_prelude};
pub use pattern::matcher_body;
pub(crate) use types::value_checks;
pub use types::{type_def, types_prelude};

/// An identifier from an IR name (handles `r#` raw identifiers).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// `#[doc = "..."]` attributes, one per line.
pub fn doc_attrs(lines: &[String]) -> TokenStream {
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
    }
}

/// `lib.rs`.
pub fn lib_file(api: &Api, crate_ident: &str, env_prefix: &str) -> TokenStream {
    let mut docs = vec![format!("Client for {} (API version {}).", api.title, api.version)];
    if !api.docs.is_empty() {
        docs.push(String::new());
        docs.extend(api.docs.iter().cloned());
    }
    docs.push(String::new());
    docs.push("Generated from an OpenAPI document; see the `Client` methods for the operations.".to_owned());
    let docs: Vec<TokenStream> = docs
        .iter()
        .map(|l| {
            let l = if l.is_empty() { String::new() } else { format!(" {l}") };
            quote! { #![doc = #l] }
        })
        .collect();
    let base_url = &api.base_url;
    let product = format!("{crate_ident}-rust");

    let mut cred_fns = Vec::new();
    let mut env_pairs: Vec<(String, String)> = Vec::new();
    let mut bearer_env = None;
    for scheme in &api.auth {
        match scheme {
            AuthScheme::Basic { kinds, .. } => {
                for k in kinds {
                    let f = ident(&k.constructor);
                    let (u, p) = (ident(&k.params.0), ident(&k.params.1));
                    let mut d = k.docs.clone();
                    if d.is_empty() {
                        d.push(format!("Basic credentials: `{}` and `{}`.", k.params.0, k.params.1));
                    }
                    let d = doc_attrs(&d);
                    cred_fns.push(quote! {
                        #d
                        pub fn #f(#u: impl Into<String>, #p: impl Into<String>) -> Self {
                            Self::basic(#u, #p)
                        }
                    });
                    env_pairs.push(k.env.clone());
                }
                if kinds.is_empty() {
                    env_pairs.push((format!("{env_prefix}_USERNAME"), format!("{env_prefix}_PASSWORD")));
                }
            }
            AuthScheme::Bearer { .. } => bearer_env = Some(format!("{env_prefix}_TOKEN")),
        }
    }
    let env_doc = if !env_pairs.is_empty() {
        let names: Vec<String> = env_pairs.iter().map(|(u, p)| format!("`{u}` + `{p}`")).collect();
        format!("Read credentials from the environment: {}, tried in this order.", names.join(", else "))
    } else if let Some(b) = &bearer_env {
        format!("Read a bearer token from `{b}`.")
    } else {
        "This API documents no credentials; returns no credentials.".to_owned()
    };
    let env_doc = format!(" {env_doc}");
    let types_use = if api.types.is_empty() {
        quote! {}
    } else {
        quote! { pub use types::*; }
    };
    let from_env_body = if !env_pairs.is_empty() {
        let pairs = env_pairs.iter().map(|(u, p)| quote! { (#u, #p) });
        quote! { Credentials::from_env_pairs(&[#(#pairs),*]) }
    } else if let Some(b) = &bearer_env {
        quote! { Credentials::from_env_token(#b) }
    } else {
        quote! { Err(ConfigError::MissingEnv { missing: Vec::new() }) }
    };
    quote! {
        #(#docs)*
        #![forbid(unsafe_code)]
        #![warn(missing_docs)]

        mod operations;
        // Generic support code; some helpers are unused by a given API.
        #[allow(dead_code)]
        mod runtime;
        pub mod types;

        pub use operations::*;
        pub use reqwest::header;
        pub use runtime::{
            Client, ClientBuilder, ConfigError, Credentials, Error, IntoParam, RequestOptions, Response, RetryConfig,
            StatusCode, TimeoutConfig, TimeoutKind, UnhandledResponse, ValidationError, DEFAULT_MAX_RESPONSE_BYTES,
        };
        #types_use

        static API: runtime::ApiInfo = runtime::ApiInfo {
            default_base_url: #base_url,
            product: #product,
            version: env!("CARGO_PKG_VERSION"),
        };

        impl Client {
            /// Start configuring a client (base URL defaults to the spec's server).
            pub fn builder() -> ClientBuilder {
                ClientBuilder::new(&API)
            }

            /// A client with default settings and credentials from the environment
            /// (see [`Credentials::from_env`]).
            pub fn from_env() -> Result<Client, ConfigError> {
                Client::builder().credentials(Credentials::from_env()?).build()
            }
        }

        impl Credentials {
            #(#cred_fns)*

            #[doc = #env_doc]
            pub fn from_env() -> Result<Credentials, ConfigError> {
                #from_env_body
            }
        }
    }
}

/// `Cargo.toml` of the generated crate.
pub fn cargo_toml(api: &Api, header: &str, name: &str, version: &str, description: &str, standalone: bool) -> String {
    let description = description.replace('\\', "\\\\").replace('"', "\\\"");
    let mut out = format!(
        r#"{header}
[package]
name = "{name}"
version = "{version}"
edition = "2021"
rust-version = "1.80"
description = "{description}"
license = "MIT OR Apache-2.0"
publish = false

# Each dependency earns its place:
[dependencies]
# HTTP client; rustls, so no system OpenSSL is needed.
reqwest = {{ version = "0.12", default-features = false, features = ["rustls-tls"] }}
# (De)serialization of request and response bodies.
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
# Timers for timeouts and retry backoff (reqwest already depends on tokio).
tokio = {{ version = "1", default-features = false, features = ["time"] }}
# One span per request, for the application's subscriber.
tracing = {{ version = "0.1", default-features = false, features = ["std"] }}
# Percent-encoding of path segments (reqwest already depends on it through `url`).
percent-encoding = "2"

[dev-dependencies]
# Only for the runtime's own unit tests (a tiny local HTTP server).
tokio = {{ version = "1", features = ["macros", "rt", "net", "io-util"] }}
"#
    );
    // Dependencies only some APIs need.
    let mut optional = String::new();
    let fields = || {
        api.types.iter().flat_map(|t| match &t.kind {
            crate::ir::TypeDefKind::Struct { fields } => fields.iter().map(|f| &f.ty).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    };
    if fields().any(|t| *t == TypeRef::DateTime) {
        optional.push_str("# `format: date-time` fields (RFC 3339).\ntime = { version = \"0.3\", default-features = false, features = [\"std\", \"serde-well-known\"] }\n");
    }
    if uses(api, &TypeRef::Uuid) {
        optional.push_str("# `format: uuid` values.\nuuid = { version = \"1\", default-features = false, features = [\"std\", \"serde\"] }\n");
    }
    if api.operations.iter().any(|o| o.body.as_ref().is_some_and(|b| b.form)) {
        optional
            .push_str("# Form-encoded request bodies (reqwest already depends on it).\nserde_urlencoded = \"0.7\"\n");
    }
    if !optional.is_empty() {
        out = out.replacen("\n[dev-dependencies]", &format!("{optional}\n[dev-dependencies]"), 1);
    }
    if standalone {
        out.push_str("\n[workspace]\n");
    }
    out
}

/// Whether any type, field, parameter, body or header of the API uses `t`.
fn uses(api: &Api, t: &TypeRef) -> bool {
    fn has(x: &TypeRef, t: &TypeRef) -> bool {
        x == t || matches!(x, TypeRef::Array(i) | TypeRef::Map(i) if has(i, t))
    }
    api.types.iter().any(|d| match &d.kind {
        crate::ir::TypeDefKind::Struct { fields } => fields.iter().any(|f| has(&f.ty, t)),
        crate::ir::TypeDefKind::OneOf { variants, .. } => variants.iter().any(|v| has(&v.ty, t)),
        crate::ir::TypeDefKind::Alias(a) => has(a, t),
        _ => false,
    }) || api.operations.iter().any(|o| {
        o.params.iter().any(|p| has(&p.ty, t))
            || o.body.as_ref().is_some_and(|b| has(&b.ty, t))
            || o.responses
                .iter()
                .any(|r| r.body.as_ref().is_some_and(|b| has(b, t)) || r.headers.iter().any(|h| has(&h.ty, t)))
    })
}
