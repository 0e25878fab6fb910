//! Servers and security schemes.

use openapiv3 as oa;
use openapiv3::ReferenceOr;

use super::{sorted_keys, Lowerer};
use crate::diagnostics::Diagnostic;
use crate::ir::*;
use crate::naming::{self, Namespace};
use crate::pointer::join;

impl Lowerer<'_> {
    pub(super) fn base_url(&mut self, servers: &[oa::Server], pointer: &str) -> String {
        let Some(server) = servers.first() else { return String::new() };
        // One pass over the template: a default that contains braces is text, not another
        // variable.
        let vars = server.variables.as_ref();
        let mut url = String::with_capacity(server.url.len());
        let mut unresolved = false;
        let mut rest = server.url.as_str();
        while let Some(open) = rest.find('{') {
            url.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                unresolved = true;
                url.push_str(&rest[open..]);
                rest = "";
                break;
            };
            let name = &rest[open + 1..open + close];
            match vars.and_then(|v| v.get(name)) {
                Some(v) => url.push_str(&v.default),
                None => {
                    unresolved = true;
                    url.push_str(&rest[open..=open + close]);
                }
            }
            rest = &rest[open + close + 1..];
        }
        url.push_str(rest);
        if unresolved {
            self.err(&format!("{pointer}/0/url"), format!("server URL `{url}` has a variable without a default"));
        }
        url.trim_end_matches('/').to_owned()
    }

    /// The security schemes, sorted by name (their index is what requirements refer to).
    pub(super) fn auth(&mut self) -> Vec<AuthScheme> {
        let mut out = Vec::new();
        let Some(c) = &self.doc.components else { return out };
        let mut statics = Namespace::default();
        for key in sorted_keys(&c.security_schemes) {
            let pointer = join("/components/securitySchemes", key);
            let scheme = match &c.security_schemes[key] {
                ReferenceOr::Item(s) => s,
                ReferenceOr::Reference { .. } => {
                    self.err(&pointer, "`$ref` in securitySchemes is not supported");
                    continue;
                }
            };
            let (kind, description, extensions) = match scheme {
                oa::SecurityScheme::HTTP { scheme, description, extensions, .. } => {
                    let kind = if scheme.eq_ignore_ascii_case("basic") {
                        AuthKind::Basic
                    } else if scheme.eq_ignore_ascii_case("bearer") {
                        AuthKind::Bearer
                    } else {
                        self.diags.push(
                            Diagnostic::new(
                                join(&pointer, "scheme"),
                                format!("HTTP scheme `{scheme}` is not supported"),
                            )
                            .with_help("`basic` and `bearer` are"),
                        );
                        continue;
                    };
                    (kind, description, extensions)
                }
                oa::SecurityScheme::APIKey { location, name, description, extensions } => {
                    let location = match location {
                        oa::APIKeyLocation::Header => ApiKeyLocation::Header,
                        oa::APIKeyLocation::Query => ApiKeyLocation::Query,
                        oa::APIKeyLocation::Cookie => ApiKeyLocation::Cookie,
                    };
                    if location != ApiKeyLocation::Query && !crate::naming::is_header_name(name) {
                        self.diags.push(Diagnostic::new(
                            join(&pointer, "name"),
                            format!("API key name `{name}` is not a valid header or cookie name"),
                        ));
                        continue;
                    }
                    (AuthKind::ApiKey { location, name: name.clone() }, description, extensions)
                }
                oa::SecurityScheme::OAuth2 { flows, description, extensions } => {
                    let token_url = flows.client_credentials.as_ref().map(|f| f.token_url.clone());
                    (AuthKind::OAuth2 { token_url }, description, extensions)
                }
                oa::SecurityScheme::OpenIDConnect { description, extensions, .. } => {
                    (AuthKind::Bearer, description, extensions)
                }
            };
            let mut kinds = self.credential_kinds(extensions.get("x-credentials"), &join(&pointer, "x-credentials"));
            if kinds.is_empty() {
                kinds.push(default_kind(&kind));
            }
            out.push(AuthScheme {
                name: Name {
                    rust: statics
                        .claim(&format!("SCHEME_{}", naming::snake(key).trim_start_matches("r#").to_ascii_uppercase())),
                    api: key.to_owned(),
                },
                docs: naming::docs(description.as_deref()),
                kind,
                kinds,
            });
        }
        out
    }

    /// An operation's requirements (its own `security`, else the document's), as indexes into
    /// `schemes`; `None` when neither says anything.
    pub(super) fn security(
        &mut self,
        own: &Option<Vec<oa::SecurityRequirement>>,
        pointer: &str,
        schemes: &[AuthScheme],
    ) -> Option<Vec<Vec<Requirement>>> {
        let (list, at) = match own {
            Some(l) => (l, join(pointer, "security")),
            None => (self.doc.security.as_ref()?, "/security".to_owned()),
        };
        let mut out = Vec::new();
        for (i, alternative) in list.iter().enumerate() {
            let mut all = Vec::new();
            for (name, scopes) in alternative {
                match schemes.iter().position(|s| s.name.api == *name) {
                    Some(scheme) => all.push(Requirement { scheme, scopes: scopes.clone() }),
                    None => self.diags.push(
                        Diagnostic::new(
                            format!("{at}/{i}"),
                            format!("security requirement names `{name}`, which is not a security scheme"),
                        )
                        .with_help("define it under components/securitySchemes"),
                    ),
                }
            }
            out.push(all);
        }
        Some(out)
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
                    constructor: Some(naming::snake(&n)),
                    params: vec![naming::snake(&u), naming::snake(&pw)],
                    env: vec![ue, pe],
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

/// The credentials of a scheme the spec says nothing more about: basic, bearer and API-key
/// credentials come from the runtime's constructors and `from_env` (whose variable names the
/// generated crate derives from its name); OAuth 2.0 client credentials get a constructor and
/// variables named after the token URL's domain (`oauth.twilio.com` → `TWILIO_CLIENT_ID`,
/// `TWILIO_CLIENT_SECRET`).
fn default_kind(kind: &AuthKind) -> CredentialKind {
    match kind {
        AuthKind::OAuth2 { token_url: Some(url) } => {
            let vendor = vendor(url);
            CredentialKind {
                constructor: Some("client_credentials".to_owned()),
                params: vec!["client_id".to_owned(), "client_secret".to_owned()],
                env: vendor.map(|v| vec![format!("{v}_CLIENT_ID"), format!("{v}_CLIENT_SECRET")]).unwrap_or_default(),
                docs: vec![format!("OAuth 2.0 client credentials, exchanged for tokens at <{url}>.")],
            }
        }
        _ => CredentialKind { constructor: None, params: Vec::new(), env: Vec::new(), docs: Vec::new() },
    }
}

/// `TWILIO` for `https://oauth.twilio.com/v2/token`: the label before the top-level domain.
fn vendor(url: &str) -> Option<String> {
    let host = url.split("://").nth(1)?.split(['/', ':', '?']).next()?;
    let labels: Vec<&str> = host.split('.').collect();
    let label = labels.get(labels.len().checked_sub(2)?)?;
    let v: String =
        label.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    (!v.is_empty() && !v.starts_with(|c: char| c.is_ascii_digit())).then_some(v)
}
