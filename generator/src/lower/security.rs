//! Servers and security schemes.

use openapiv3 as oa;
use openapiv3::ReferenceOr;

use super::{sorted_keys, Lowerer};
use crate::diagnostics::Diagnostic;
use crate::ir::*;
use crate::naming;
use crate::pointer::join;

impl Lowerer<'_> {
    pub(super) fn base_url(&mut self, servers: &[oa::Server], pointer: &str) -> String {
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

    pub(super) fn auth(&mut self) -> Vec<AuthScheme> {
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
}
