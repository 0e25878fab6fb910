//! Credentials: what goes into the `Authorization` header, never shown by `Debug`.

use std::fmt;
use std::sync::Arc;

use reqwest::header::HeaderValue;

use crate::auth::{ClientCredentials, SecurityScheme, TokenProvider};
use crate::config::ConfigError;

/// Credentials sent with requests, for the security schemes operations require. `Debug`
/// never shows a secret.
///
/// Generated crates add named constructors for the kinds their API documents (for Twilio:
/// `credentials::api_key(sid, secret)`) and a `from_env` that reads the API's variables.
/// Several kinds combine with [`Credentials::and`] (for an API whose operations require, say, an
/// API key and basic credentials).
#[derive(Clone)]
pub struct Credentials {
    kinds: Vec<Kind>,
    /// The `Authorization` value of the basic (or else bearer) credentials, built once.
    authorization: Option<HeaderValue>,
    /// A kind that cannot be sent in a header.
    invalid: bool,
}

#[derive(Clone)]
pub(crate) enum Kind {
    /// The password and token live only in the (sensitive) header value.
    Basic {
        username: String,
        header: Option<HeaderValue>,
    },
    Bearer {
        header: Option<HeaderValue>,
    },
    ApiKey {
        value: String,
    },
    Tokens(Arc<dyn TokenProvider>),
}

fn sensitive(text: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(text).ok()?;
    v.set_sensitive(true);
    Some(v)
}

impl Credentials {
    fn one(kind: Kind) -> Self {
        let invalid = match &kind {
            Kind::Basic { header, .. } | Kind::Bearer { header, .. } => header.is_none(),
            Kind::ApiKey { value } => HeaderValue::from_str(value).is_err(),
            Kind::Tokens(_) => false,
        };
        let authorization = match &kind {
            Kind::Basic { header, .. } | Kind::Bearer { header, .. } => header.clone(),
            _ => None,
        };
        Credentials { kinds: vec![kind], authorization, invalid }
    }

    /// HTTP basic credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        let (username, password) = (username.into(), password.into());
        let header = sensitive(&format!("Basic {}", base64(format!("{username}:{password}").as_bytes())));
        Credentials::one(Kind::Basic { username, header })
    }

    /// A bearer token (also for OAuth 2.0 operations, when the application has a token).
    pub fn bearer(token: impl Into<String>) -> Self {
        let token = token.into();
        let header = sensitive(&format!("Bearer {token}"));
        Credentials::one(Kind::Bearer { header })
    }

    /// An API key, sent where the spec's `apiKey` scheme says (header, query or cookie).
    pub fn api_key(value: impl Into<String>) -> Self {
        Credentials::one(Kind::ApiKey { value: value.into() })
    }

    /// OAuth 2.0 client credentials: tokens are fetched from the spec's token URL, cached
    /// until shortly before they expire, and refreshed once however many calls need one.
    pub fn client_credentials(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Credentials::token_provider(ClientCredentials::new(client_id, client_secret))
    }

    /// OAuth 2.0 tokens from a provider of the application's (or a configured
    /// [`ClientCredentials`]).
    pub fn token_provider(provider: impl TokenProvider + 'static) -> Self {
        Credentials::one(Kind::Tokens(Arc::new(provider)))
    }

    /// These credentials and `other` (for operations that require several schemes at once, or
    /// a client whose operations use different ones).
    #[must_use]
    pub fn and(mut self, other: Credentials) -> Self {
        self.authorization = self.authorization.or(other.authorization);
        self.invalid |= other.invalid;
        self.kinds.extend(other.kinds);
        self
    }

    /// The username of basic credentials (an identifier, not a secret).
    pub fn username(&self) -> Option<&str> {
        self.kinds.iter().find_map(|k| match k {
            Kind::Basic { username, .. } => Some(username.as_str()),
            _ => None,
        })
    }

    /// Whether every part can be sent in a header.
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        if self.invalid {
            Err(ConfigError::InvalidCredentials)
        } else {
            Ok(())
        }
    }

    /// The `Authorization` header for an operation whose spec names no requirement.
    pub(crate) fn authorization(&self) -> Option<&HeaderValue> {
        self.authorization.as_ref()
    }

    /// The credentials that satisfy `scheme`, if any.
    pub(crate) fn for_scheme(&self, scheme: &SecurityScheme) -> Option<&Kind> {
        self.kinds.iter().find(|k| {
            matches!(
                (scheme, k),
                (SecurityScheme::Basic, Kind::Basic { .. })
                    | (SecurityScheme::Bearer | SecurityScheme::OAuth2 { .. }, Kind::Bearer { .. } | Kind::Tokens(_))
                    | (SecurityScheme::ApiKey { .. }, Kind::ApiKey { .. })
            )
        })
    }

    pub(crate) fn satisfies(&self, scheme: &SecurityScheme) -> bool {
        self.for_scheme(scheme).is_some()
    }

    /// The static `Authorization` value for `scheme` (basic, or a bearer token).
    pub(crate) fn header_for(&self, scheme: &SecurityScheme) -> Option<&HeaderValue> {
        match self.for_scheme(scheme)? {
            Kind::Basic { header, .. } | Kind::Bearer { header, .. } => header.as_ref(),
            _ => None,
        }
    }

    /// Read credentials from the environment: the first source whose variables are set.
    #[doc(hidden)]
    pub fn from_env_sources(sources: &[EnvSource]) -> Result<Self, ConfigError> {
        for s in sources {
            let (first, second) = (env(s.first), s.second.map(env));
            match (first, second, s.kind) {
                (Some(a), Some(Some(b)), EnvKind::Basic) => return Ok(Credentials::basic(a, b)),
                (Some(a), Some(Some(b)), EnvKind::ClientCredentials) => {
                    return Ok(Credentials::client_credentials(a, b))
                }
                (Some(a), None, EnvKind::Bearer) => return Ok(Credentials::bearer(a)),
                (Some(a), None, EnvKind::ApiKey) => return Ok(Credentials::api_key(a)),
                (Some(_), Some(None), _) => {
                    return Err(ConfigError::MissingEnv { missing: s.second.into_iter().collect() })
                }
                (None, Some(Some(_)), _) => return Err(ConfigError::MissingEnv { missing: vec![s.first] }),
                _ => {}
            }
        }
        Err(ConfigError::MissingEnv {
            missing: sources.iter().flat_map(|s| std::iter::once(s.first).chain(s.second)).collect(),
        })
    }

    /// Read the first complete pair of environment variables, in order, as basic credentials.
    #[doc(hidden)]
    pub fn from_env_pairs(pairs: &[(&'static str, &'static str)]) -> Result<Self, ConfigError> {
        let sources: Vec<EnvSource> =
            pairs.iter().map(|&(a, b)| EnvSource { kind: EnvKind::Basic, first: a, second: Some(b) }).collect();
        Credentials::from_env_sources(&sources)
    }

    /// Read a bearer token from an environment variable.
    #[doc(hidden)]
    pub fn from_env_token(name: &'static str) -> Result<Self, ConfigError> {
        Credentials::from_env_sources(&[EnvSource { kind: EnvKind::Bearer, first: name, second: None }])
    }
}

/// Where `from_env` looks, and what the variables hold.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct EnvSource {
    /// What kind of credentials.
    pub kind: EnvKind,
    /// The first variable (username, client id, token, key).
    pub first: &'static str,
    /// The second variable (password, client secret), for kinds with two.
    pub second: Option<&'static str>,
}

/// What an [`EnvSource`] reads.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvKind {
    /// Username and password.
    Basic,
    /// OAuth 2.0 client id and secret.
    ClientCredentials,
    /// A bearer token.
    Bearer,
    /// An API key.
    ApiKey,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Credentials");
        for k in &self.kinds {
            match k {
                Kind::Basic { username, .. } => d.field("username", username).field("password", &Redacted),
                Kind::Bearer { .. } => d.field("token", &Redacted),
                Kind::ApiKey { .. } => d.field("api_key", &Redacted),
                Kind::Tokens(p) => d.field("tokens", p),
            };
        }
        d.finish()
    }
}

/// Shows as `<redacted>`.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn debug_redacts() {
        let c = Credentials::basic("AC123", "hunter2");
        let s = format!("{c:?}");
        assert!(s.contains("AC123") && !s.contains("hunter2"));
        let s = format!("{:?}", Credentials::bearer("tok-en"));
        assert!(!s.contains("tok-en"));
    }
}
