//! Authentication: the security schemes a spec declares, what each operation requires, and how
//! configured [`Credentials`] satisfy it: HTTP basic and bearer, API keys, and OAuth 2.0 tokens
//! (a [`TokenProvider`] of the application's, or the built-in client-credentials flow, which
//! caches its token and fetches a new one once for any number of concurrent calls).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::StatusCode;

use crate::credentials::{Credentials, Kind};

/// A security scheme from the spec's `components/securitySchemes`.
#[doc(hidden)]
#[derive(Debug)]
pub enum SecurityScheme {
    /// HTTP basic.
    Basic,
    /// HTTP bearer (also OpenID Connect: the client only sends the token).
    Bearer,
    /// An API key in a header, the query or a cookie.
    ApiKey {
        /// Where it goes.
        location: ApiKeyLocation,
        /// The header, query parameter or cookie name.
        name: &'static str,
    },
    /// OAuth 2.0: a bearer token, which the client-credentials flow can fetch from `token_url`.
    OAuth2 {
        /// The client-credentials flow's token URL (`None` when the spec has no such flow).
        token_url: Option<&'static str>,
    },
}

/// Where an API key goes.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// One scheme of a security requirement, with the scopes it asks for.
#[doc(hidden)]
#[derive(Debug)]
pub struct Requirement {
    /// The scheme.
    pub scheme: &'static SecurityScheme,
    /// OAuth 2.0 scopes.
    pub scopes: &'static [&'static str],
}

/// What an operation accepts: one of several alternatives, each a set of schemes that must all
/// be satisfied. `None`: the spec says nothing, so whatever credentials are configured are sent.
#[doc(hidden)]
pub type Security = Option<&'static [&'static [Requirement]]>;

/// An access token. `Debug` never shows it.
#[derive(Clone)]
pub struct AccessToken {
    secret: Arc<str>,
    expires_at: Option<Instant>,
}

impl AccessToken {
    /// A token valid for `expires_in` (or until the server rejects it, when `None`).
    pub fn new(secret: impl Into<String>, expires_in: Option<Duration>) -> Self {
        AccessToken { secret: Arc::from(secret.into()), expires_at: expires_in.map(|d| Instant::now() + d) }
    }

    /// The token, to send.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// Still good for at least `margin`.
    fn fresh(&self, margin: Duration) -> bool {
        self.expires_at.map_or(true, |t| Instant::now() + margin < t)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken").field("secret", &crate::credentials::Redacted).finish_non_exhaustive()
    }
}

/// What a token is for.
#[derive(Debug)]
#[non_exhaustive]
pub struct TokenRequest<'a> {
    /// The token URL of the API's client-credentials flow, if the spec gives one.
    pub token_url: Option<&'a str>,
    /// Scopes the operation asks for.
    pub scopes: &'a [&'a str],
    /// The HTTP client of the configuration (to fetch a token with).
    pub http: &'a reqwest::Client,
}

/// A boxed future, as [`TokenProvider::token`] returns it.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Supplies OAuth 2.0 access tokens. Implement it to use tokens from elsewhere (an
/// authorization-code flow, a vault); [`Credentials::client_credentials`] uses a built-in one.
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// A token for `request`; called for every request that needs one, so cache.
    fn token<'a>(&'a self, request: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken, AuthError>>;

    /// The API rejected `token` (401): drop it, so the next call gets a new one.
    fn invalidate(&self, token: &AccessToken) {
        let _ = token;
    }
}

/// Why no token could be had.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthError {
    /// The token endpoint answered with an error status.
    TokenEndpoint {
        /// Its status.
        status: StatusCode,
        /// Its body (at most 1 KiB).
        body: String,
    },
    /// The token endpoint could not be reached.
    Transport(reqwest::Error),
    /// The token response could not be read.
    InvalidResponse(String),
    /// The operation needs a token URL and the spec gives none.
    NoTokenUrl,
    /// A token provider of the application failed.
    Provider(Box<dyn std::error::Error + Send + Sync>),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::TokenEndpoint { status, body } => write!(f, "the token endpoint answered {status}: {body}"),
            AuthError::Transport(e) => write!(f, "the token endpoint could not be reached: {e}"),
            AuthError::InvalidResponse(e) => write!(f, "the token response could not be read: {e}"),
            AuthError::NoTokenUrl => f.write_str("the spec gives no token URL for the client-credentials flow"),
            AuthError::Provider(e) => write!(f, "the token provider failed: {e}"),
        }
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AuthError::Transport(e) => Some(e),
            AuthError::Provider(e) => Some(&**e),
            _ => None,
        }
    }
}

/// The OAuth 2.0 client-credentials flow (RFC 6749 §4.4): `client_id` and `client_secret`
/// are exchanged for a token at the API's token URL; the token is kept until shortly before it
/// expires, and a new one is fetched once however many calls wait for it.
pub struct ClientCredentials {
    client_id: String,
    client_secret: String,
    token_url: Option<String>,
    /// Tokens by token URL and scopes. The lock is held while a token is fetched: concurrent
    /// calls wait for that one request instead of sending their own.
    cache: tokio::sync::Mutex<HashMap<(String, Vec<String>), AccessToken>>,
}

/// Fetch a new token this long before the old one expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

impl ClientCredentials {
    /// A client id and secret for the spec's token URL.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        ClientCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            token_url: None,
            cache: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Use this token URL instead of the spec's.
    #[must_use]
    pub fn with_token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    async fn fetch(&self, url: &str, scopes: &[&str], http: &reqwest::Client) -> Result<AccessToken, AuthError> {
        let mut form = vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", self.client_id.clone()),
            ("client_secret", self.client_secret.clone()),
        ];
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        let body = serde_urlencoded::to_string(&form).map_err(|e| AuthError::InvalidResponse(e.to_string()))?;
        let resp = http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| AuthError::Transport(e.without_url()))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| AuthError::Transport(e.without_url()))?;
        if !status.is_success() {
            let body = text.chars().take(1024).collect();
            return Err(AuthError::TokenEndpoint { status, body });
        }
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| AuthError::InvalidResponse(e.to_string()))?;
        let token = v
            .get("access_token")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| AuthError::InvalidResponse("the token response has no `access_token` string".into()))?;
        let expires_in = v.get("expires_in").and_then(serde_json::Value::as_u64);
        Ok(AccessToken::new(token, expires_in.map(Duration::from_secs)))
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &crate::credentials::Redacted)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

impl TokenProvider for ClientCredentials {
    fn token<'a>(&'a self, request: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            let url = self.token_url.as_deref().or(request.token_url).ok_or(AuthError::NoTokenUrl)?;
            let key = (url.to_owned(), request.scopes.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            let mut cache = self.cache.lock().await;
            if let Some(t) = cache.get(&key).filter(|t| t.fresh(EXPIRY_MARGIN)) {
                return Ok(t.clone());
            }
            tracing::debug!("fetching an OAuth 2.0 token");
            let token = self.fetch(url, request.scopes, request.http).await?;
            cache.insert(key, token.clone());
            Ok(token)
        })
    }

    fn invalidate(&self, token: &AccessToken) {
        if let Ok(mut cache) = self.cache.try_lock() {
            cache.retain(|_, t| !Arc::ptr_eq(&t.secret, &token.secret));
        }
    }
}

/// What [`authorize`] applied, so a 401 can invalidate a token.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub(crate) tokens: Vec<(Arc<dyn TokenProvider>, AccessToken)>,
}

/// Add to `headers` and `query` what `security` asks for, from `credentials`: the first
/// alternative the credentials can satisfy. Nothing is added when none can (the server then
/// answers 401) or when the operation needs no authentication.
pub(crate) async fn authorize(
    credentials: Option<&Credentials>,
    security: Security,
    http: &reqwest::Client,
    headers: &mut HeaderMap,
    query: &mut String,
) -> Result<Applied, AuthError> {
    let mut applied = Applied::default();
    let Some(credentials) = credentials else { return Ok(applied) };
    let Some(alternatives) = security else {
        // The spec says nothing: send the configured basic or bearer credentials.
        if let Some(v) = credentials.authorization() {
            headers.insert(reqwest::header::AUTHORIZATION, v.clone());
        }
        return Ok(applied);
    };
    // The first alternative the credentials satisfy (an empty one, "no authentication", only
    // counts when none does).
    let chosen = alternatives.iter().find(|alt| !alt.is_empty() && alt.iter().all(|r| credentials.satisfies(r.scheme)));
    let Some(chosen) = chosen else { return Ok(applied) };
    for r in chosen.iter() {
        match (r.scheme, credentials.for_scheme(r.scheme)) {
            (SecurityScheme::ApiKey { location, name }, Some(Kind::ApiKey { value })) => match location {
                ApiKeyLocation::Header => {
                    if let (Ok(n), Ok(mut v)) = (HeaderName::try_from(*name), HeaderValue::from_str(value)) {
                        v.set_sensitive(true);
                        headers.insert(n, v);
                    }
                }
                ApiKeyLocation::Query => crate::style::query_pair(query, name, value),
                ApiKeyLocation::Cookie => {
                    let cookie = format!("{name}={value}");
                    if let Ok(mut v) = HeaderValue::from_str(&cookie) {
                        v.set_sensitive(true);
                        headers.append(reqwest::header::COOKIE, v);
                    }
                }
            },
            (SecurityScheme::OAuth2 { token_url }, Some(Kind::Tokens(provider))) => {
                let request = TokenRequest { token_url: *token_url, scopes: r.scopes, http };
                let token = provider.token(&request).await?;
                let mut v = HeaderValue::from_str(&format!("Bearer {}", token.secret()))
                    .map_err(|_| AuthError::InvalidResponse("the token is not a valid header value".into()))?;
                v.set_sensitive(true);
                headers.insert(reqwest::header::AUTHORIZATION, v);
                applied.tokens.push((provider.clone(), token));
            }
            (_, Some(_)) => {
                if let Some(v) = credentials.header_for(r.scheme) {
                    headers.insert(reqwest::header::AUTHORIZATION, v.clone());
                }
            }
            (_, None) => {}
        }
    }
    Ok(applied)
}
