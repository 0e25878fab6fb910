//! Runtime support for the generated client: credentials, configuration, the retrying request
//! loop, response decoding and the error envelope.
//!
//! This file is written by hand in the generator's source tree (`generator/runtime/`) and
//! copied verbatim into every generated crate, so a generated crate depends on no support
//! crate of ours. Items marked `#[doc(hidden)]` exist for the generated code only.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
pub use reqwest::StatusCode;
use tracing::Instrument as _;

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/// Credentials sent with every request. `Debug` never shows a secret.
#[derive(Clone)]
pub struct Credentials {
    kind: CredentialsKind,
}

#[derive(Clone)]
enum CredentialsKind {
    Basic { username: String, password: String },
    Bearer { token: String },
}

impl Credentials {
    /// HTTP basic credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials { kind: CredentialsKind::Basic { username: username.into(), password: password.into() } }
    }

    /// A bearer token.
    pub fn bearer(token: impl Into<String>) -> Self {
        Credentials { kind: CredentialsKind::Bearer { token: token.into() } }
    }

    /// The username of basic credentials (an identifier, not a secret).
    pub fn username(&self) -> Option<&str> {
        match &self.kind {
            CredentialsKind::Basic { username, .. } => Some(username),
            CredentialsKind::Bearer { .. } => None,
        }
    }

    fn header(&self) -> Result<HeaderValue, ConfigError> {
        let text = match &self.kind {
            CredentialsKind::Basic { username, password } => {
                format!("Basic {}", base64(format!("{username}:{password}").as_bytes()))
            }
            CredentialsKind::Bearer { token } => format!("Bearer {token}"),
        };
        let mut value = HeaderValue::from_str(&text).map_err(|_| ConfigError::InvalidCredentials)?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// Read the first complete pair of environment variables, in order.
    #[doc(hidden)]
    pub fn from_env_pairs(pairs: &[(&'static str, &'static str)]) -> Result<Self, ConfigError> {
        let get = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        for &(user, pass) in pairs {
            match (get(user), get(pass)) {
                (Some(u), Some(p)) => return Ok(Credentials::basic(u, p)),
                (Some(_), None) => return Err(ConfigError::MissingEnv { missing: vec![pass] }),
                (None, Some(_)) => return Err(ConfigError::MissingEnv { missing: vec![user] }),
                (None, None) => {}
            }
        }
        Err(ConfigError::MissingEnv { missing: pairs.iter().flat_map(|&(a, b)| [a, b]).collect() })
    }

    /// Read a bearer token from an environment variable.
    #[doc(hidden)]
    pub fn from_env_token(name: &'static str) -> Result<Self, ConfigError> {
        match std::env::var(name).ok().filter(|v| !v.is_empty()) {
            Some(t) => Ok(Credentials::bearer(t)),
            None => Err(ConfigError::MissingEnv { missing: vec![name] }),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            CredentialsKind::Basic { username, .. } => {
                f.debug_struct("Credentials").field("username", username).field("password", &Redacted).finish()
            }
            CredentialsKind::Bearer { .. } => f.debug_struct("Credentials").field("token", &Redacted).finish(),
        }
    }
}

struct Redacted;

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

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/// When and how often a request is retried.
///
/// By default, idempotent requests (GET, PUT, DELETE, HEAD, OPTIONS, TRACE) are retried on
/// 429 and 503 responses, connection failures and per-attempt timeouts, up to 3 attempts in
/// all. A `Retry-After` header (seconds) sets the delay, capped by `max_retry_after`; otherwise
/// the delay grows exponentially from `initial_backoff` to `max_backoff`, with jitter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts in all, including the first (1 disables retries).
    pub max_attempts: u32,
    /// Delay before the first retry when the server gives no `Retry-After`.
    pub initial_backoff: Duration,
    /// Upper bound for the exponential backoff.
    pub max_backoff: Duration,
    /// Upper bound for a server-requested `Retry-After` delay.
    pub max_retry_after: Duration,
    /// Response statuses that are retried.
    pub retry_statuses: Vec<u16>,
    /// Retry connection failures and per-attempt timeouts.
    pub retry_transport_errors: bool,
    /// Also retry non-idempotent requests (POST, PATCH). Off by default.
    pub retry_non_idempotent: bool,
}

impl RetryConfig {
    /// The default policy (see the type's documentation).
    pub fn standard() -> Self {
        RetryConfig {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            retry_statuses: vec![429, 503],
            retry_transport_errors: true,
            retry_non_idempotent: false,
        }
    }

    /// Never retry.
    pub fn disabled() -> Self {
        RetryConfig { max_attempts: 1, ..Self::standard() }
    }

    /// Set the number of attempts in all (at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Set the first backoff delay.
    #[must_use]
    pub fn with_initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Set the largest backoff delay.
    #[must_use]
    pub fn with_max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Set the largest delay honoured from `Retry-After`.
    #[must_use]
    pub fn with_max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Set the statuses that are retried.
    #[must_use]
    pub fn with_retry_statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.retry_statuses = statuses.into_iter().collect();
        self
    }

    /// Allow retrying non-idempotent requests.
    #[must_use]
    pub fn with_retry_non_idempotent(mut self, yes: bool) -> Self {
        self.retry_non_idempotent = yes;
        self
    }

    fn backoff(&self, retry: u32) -> Duration {
        let exp = self.initial_backoff.saturating_mul(1u32 << retry.min(20));
        let cap = exp.min(self.max_backoff);
        // "Equal jitter": half fixed, half random, so retries of many clients spread out.
        let half = cap / 2;
        half + half.mul_f64(random_unit())
    }
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::standard()
    }
}

fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Timeouts. `None` means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimeoutConfig {
    /// Time to establish a connection (client-wide; applies to clients this crate builds).
    pub connect: Option<Duration>,
    /// Time for one attempt: sending the request and reading the whole response.
    pub attempt: Option<Duration>,
    /// Time for the whole call, all retries and backoff included.
    pub total: Option<Duration>,
}

impl TimeoutConfig {
    /// Defaults: 10 s to connect, 30 s per attempt, 120 s in all.
    pub fn standard() -> Self {
        TimeoutConfig {
            connect: Some(Duration::from_secs(10)),
            attempt: Some(Duration::from_secs(30)),
            total: Some(Duration::from_secs(120)),
        }
    }

    /// Set the connect timeout.
    #[must_use]
    pub fn with_connect(mut self, d: Option<Duration>) -> Self {
        self.connect = d;
        self
    }

    /// Set the per-attempt timeout.
    #[must_use]
    pub fn with_attempt(mut self, d: Option<Duration>) -> Self {
        self.attempt = d;
        self
    }

    /// Set the overall deadline.
    #[must_use]
    pub fn with_total(mut self, d: Option<Duration>) -> Self {
        self.total = d;
        self
    }
}

impl Default for TimeoutConfig {
    fn default() -> Self {
        Self::standard()
    }
}

/// Per-call settings that override the client's.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Retry policy for this call.
    pub retry: Option<RetryConfig>,
    /// Per-attempt timeout for this call.
    pub attempt_timeout: Option<Duration>,
    /// Overall deadline for this call.
    pub total_timeout: Option<Duration>,
    /// Connect timeout for this call. A different value than the client's uses a second
    /// connection pool kept for that value; ignored when a custom `reqwest::Client` is supplied.
    pub connect_timeout: Option<Duration>,
    /// Extra headers sent with this call (they replace generated ones of the same name).
    pub headers: HeaderMap,
}

/// A problem with the client configuration.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// Environment variables needed for credentials are not set.
    MissingEnv {
        /// The variables that were looked for and are missing.
        missing: Vec<&'static str>,
    },
    /// Credentials contain characters that cannot be sent in a header.
    InvalidCredentials,
    /// The base URL cannot be parsed.
    InvalidBaseUrl(String),
    /// The User-Agent suffix cannot be sent in a header.
    InvalidUserAgent,
    /// The HTTP client could not be built.
    Http(reqwest::Error),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::MissingEnv { missing } => write!(f, "missing environment variable(s): {}", missing.join(", ")),
            ConfigError::InvalidCredentials => {
                f.write_str("credentials contain characters that are not allowed in an HTTP header")
            }
            ConfigError::InvalidBaseUrl(u) => write!(f, "invalid base URL `{u}`"),
            ConfigError::InvalidUserAgent => f.write_str("the User-Agent suffix is not a valid header value"),
            ConfigError::Http(e) => write!(f, "could not build the HTTP client: {e}"),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Http(e) => Some(e),
            _ => None,
        }
    }
}

/// Facts about the API this crate was generated for.
#[doc(hidden)]
#[derive(Debug)]
pub struct ApiInfo {
    /// Default base URL (from the spec's `servers`).
    pub default_base_url: &'static str,
    /// User-Agent product token.
    pub product: &'static str,
    /// Crate version.
    pub version: &'static str,
}

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    api: &'static ApiInfo,
    base_url: Option<String>,
    credentials: Option<Credentials>,
    retry: RetryConfig,
    timeouts: TimeoutConfig,
    user_agent_suffix: Option<String>,
    max_response_bytes: usize,
    http: Option<reqwest::Client>,
}

/// Default limit on response bodies: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

impl ClientBuilder {
    #[doc(hidden)]
    pub fn new(api: &'static ApiInfo) -> Self {
        ClientBuilder {
            api,
            base_url: None,
            credentials: None,
            retry: RetryConfig::standard(),
            timeouts: TimeoutConfig::standard(),
            user_agent_suffix: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            http: None,
        }
    }

    /// Credentials for every request.
    #[must_use]
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Base URL (default: the spec's first server).
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Retry policy.
    #[must_use]
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// All timeouts at once.
    #[must_use]
    pub fn timeouts(mut self, timeouts: TimeoutConfig) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Per-attempt timeout.
    #[must_use]
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeouts.attempt = Some(d);
        self
    }

    /// Connect timeout (ignored when a custom `reqwest::Client` is supplied).
    #[must_use]
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.timeouts.connect = Some(d);
        self
    }

    /// Overall deadline for a call, retries included.
    #[must_use]
    pub fn total_timeout(mut self, d: Duration) -> Self {
        self.timeouts.total = Some(d);
        self
    }

    /// Appended to the User-Agent, e.g. `my-app/1.2`.
    #[must_use]
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Largest response body accepted, in bytes.
    #[must_use]
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }

    /// Use this HTTP client (proxies, pools, TLS roots). Its redirect policy and connect
    /// timeout apply; clients this crate builds follow no redirects.
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Build the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let base_url_is_default = self.base_url.is_none();
        let base_url = self.base_url.unwrap_or_else(|| self.api.default_base_url.to_owned());
        let base_url = base_url.trim_end_matches('/').to_owned();
        match reqwest::Url::parse(&base_url) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
            _ => return Err(ConfigError::InvalidBaseUrl(base_url)),
        }
        let auth = self.credentials.as_ref().map(Credentials::header).transpose()?;
        let mut ua =
            format!("{}/{} ({} {})", self.api.product, self.api.version, std::env::consts::OS, std::env::consts::ARCH);
        if let Some(s) = &self.user_agent_suffix {
            ua.push(' ');
            ua.push_str(s);
        }
        let user_agent = HeaderValue::from_str(&ua).map_err(|_| ConfigError::InvalidUserAgent)?;
        let mut default_headers = HeaderMap::with_capacity(4);
        default_headers.insert(reqwest::header::USER_AGENT, user_agent);
        default_headers.insert(reqwest::header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(auth) = &auth {
            default_headers.insert(reqwest::header::AUTHORIZATION, auth.clone());
        }
        let custom_http = self.http.is_some();
        let http = match self.http {
            Some(h) => h,
            None => http_client(self.timeouts.connect).map_err(ConfigError::Http)?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                base_url_is_default,
                default_headers,
                credentials: self.credentials,
                retry: self.retry,
                timeouts: self.timeouts,
                max_response_bytes: self.max_response_bytes,
                custom_http,
                by_connect_timeout: std::sync::Mutex::new(Vec::new()),
            }),
        })
    }
}

/// The HTTP client this crate builds: no redirects followed, the given connect timeout.
fn http_client(connect: Option<Duration>) -> Result<reqwest::Client, reqwest::Error> {
    let mut b = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some(c) = connect {
        b = b.connect_timeout(c);
    }
    b.build()
}

/// The API client. Cheap to clone; clones share one connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    base_url_is_default: bool,
    /// User-Agent, Accept and (sensitive) Authorization, built once.
    default_headers: HeaderMap,
    credentials: Option<Credentials>,
    retry: RetryConfig,
    timeouts: TimeoutConfig,
    max_response_bytes: usize,
    /// The application supplied `http`; per-call connect timeouts do not apply.
    custom_http: bool,
    /// Clients for per-call connect timeouts that differ from the client's, one per value.
    by_connect_timeout: std::sync::Mutex<Vec<(Duration, reqwest::Client)>>,
}

impl Inner {
    /// The HTTP client for a call: the shared one, or one with the call's connect timeout.
    fn http_for(&self, connect: Option<Duration>) -> Result<std::borrow::Cow<'_, reqwest::Client>, reqwest::Error> {
        match connect {
            Some(t) if !self.custom_http && Some(t) != self.timeouts.connect => {
                let mut cache = self.by_connect_timeout.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some((_, c)) = cache.iter().find(|(d, _)| *d == t) {
                    return Ok(std::borrow::Cow::Owned(c.clone()));
                }
                let c = http_client(Some(t))?;
                cache.push((t, c.clone()));
                Ok(std::borrow::Cow::Owned(c))
            }
            _ => Ok(std::borrow::Cow::Borrowed(&self.http)),
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .field("timeouts", &self.inner.timeouts)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// Responses and errors
// ---------------------------------------------------------------------------------------------

/// A decoded response: status, body, typed headers and all raw headers.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response<B, H = ()> {
    /// HTTP status.
    pub status: StatusCode,
    /// Decoded body.
    pub body: B,
    /// Headers the spec documents, parsed (unparsable values become `None`).
    pub headers: H,
    /// Every header as received.
    pub raw_headers: HeaderMap,
}

impl<B, H> Response<B, H> {
    /// The body alone.
    pub fn into_body(self) -> B {
        self.body
    }
}

/// A response whose status the spec does not document for the operation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UnhandledResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Headers as received.
    pub headers: HeaderMap,
    /// Body as text (lossy UTF-8).
    pub body: String,
}

/// Which limit ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// One attempt took longer than the per-attempt timeout.
    Attempt,
    /// The call as a whole passed its deadline.
    Total,
}

/// A value that fails its schema's constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    type_name: &'static str,
    offset: Option<usize>,
    expected: std::borrow::Cow<'static, str>,
}

impl ValidationError {
    #[doc(hidden)]
    pub fn new(
        type_name: &'static str,
        offset: Option<usize>,
        expected: impl Into<std::borrow::Cow<'static, str>>,
    ) -> Self {
        ValidationError { type_name, offset, expected: expected.into() }
    }

    /// Name of the type that rejected the value.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// Byte offset of the first offending byte, when the pattern was violated.
    pub fn offset(&self) -> Option<usize> {
        self.offset
    }

    /// What was expected there.
    pub fn expected(&self) -> &str {
        &self.expected
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(o) => write!(f, "invalid {}: expected {} at byte offset {o}", self.type_name, self.expected),
            None => write!(f, "invalid {}: {}", self.type_name, self.expected),
        }
    }
}

impl std::error::Error for ValidationError {}

/// Check a string's length in characters (JSON Schema counts characters).
#[doc(hidden)]
pub fn check_length(
    value: &str,
    min: Option<u64>,
    max: Option<u64>,
    what: &'static str,
) -> Result<(), ValidationError> {
    let n = value.chars().count() as u64;
    if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
        return Err(ValidationError::new(
            what,
            None,
            bounds("characters", n as f64, min.map(|m| m as f64), max.map(|m| m as f64)),
        ));
    }
    Ok(())
}

/// Check a number against `minimum` / `maximum`.
#[doc(hidden)]
pub fn check_range(value: f64, min: Option<f64>, max: Option<f64>, what: &'static str) -> Result<(), ValidationError> {
    if min.is_some_and(|m| value < m) || max.is_some_and(|m| value > m) {
        return Err(ValidationError::new(what, None, bounds("a value", value, min, max)));
    }
    Ok(())
}

/// Check an array's length against `minItems` / `maxItems`.
#[doc(hidden)]
pub fn check_items(len: usize, min: Option<u64>, max: Option<u64>, what: &'static str) -> Result<(), ValidationError> {
    if min.is_some_and(|m| (len as u64) < m) || max.is_some_and(|m| len as u64 > m) {
        return Err(ValidationError::new(
            what,
            None,
            bounds("items", len as f64, min.map(|m| m as f64), max.map(|m| m as f64)),
        ));
    }
    Ok(())
}

fn bounds(unit: &str, got: f64, min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{unit} between {a} and {b}, got {got}"),
        (Some(a), None) => format!("{unit} of at least {a}, got {got}"),
        (None, Some(b)) => format!("{unit} of at most {b}, got {got}"),
        (None, None) => format!("{unit}, got {got}"),
    }
}

/// Serde for `Option<Option<T>>` fields: absent → `None`, `null` → `Some(None)`.
#[doc(hidden)]
pub mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(value: &Option<Option<T>>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// Converts an argument into a parameter type, validating it. Implemented for the type itself,
/// references to it, and strings for validated string types.
pub trait IntoParam<T> {
    /// Convert, or say why the value is invalid.
    fn into_param(self) -> Result<T, ValidationError>;
}

impl<T> IntoParam<T> for T {
    fn into_param(self) -> Result<T, ValidationError> {
        Ok(self)
    }
}

impl IntoParam<String> for &str {
    fn into_param(self) -> Result<String, ValidationError> {
        Ok(self.to_owned())
    }
}

impl IntoParam<String> for &String {
    fn into_param(self) -> Result<String, ValidationError> {
        Ok(self.clone())
    }
}

/// Everything that can go wrong with a call. `E` is the operation's error type, which has one
/// variant per documented error status.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E> {
    /// The request was never sent: an argument is invalid.
    InvalidRequest {
        /// Why.
        source: ValidationError,
    },
    /// The request could not be sent or the response could not be read.
    Transport {
        /// The underlying error.
        source: reqwest::Error,
        /// Attempts made.
        attempts: u32,
    },
    /// A timeout ran out.
    Timeout {
        /// Which one.
        kind: TimeoutKind,
        /// Time spent on the call.
        elapsed: Duration,
        /// Attempts made.
        attempts: u32,
    },
    /// The service answered with an error status.
    Service {
        /// The typed error.
        error: E,
        /// Attempts made.
        attempts: u32,
    },
    /// The response body could not be decoded.
    Decode {
        /// HTTP status.
        status: StatusCode,
        /// The body as text (lossy UTF-8, at most 4 KiB).
        body: String,
        /// The JSON error.
        source: serde_json::Error,
        /// Attempts made.
        attempts: u32,
    },
    /// The response body exceeded the configured limit.
    ResponseTooLarge {
        /// HTTP status.
        status: StatusCode,
        /// The limit in bytes.
        limit: usize,
        /// Attempts made.
        attempts: u32,
    },
}

impl<E> Error<E> {
    /// Attempts made (0 when the request was never sent).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::InvalidRequest { .. } => 0,
            Error::Transport { attempts, .. }
            | Error::Timeout { attempts, .. }
            | Error::Service { attempts, .. }
            | Error::Decode { attempts, .. }
            | Error::ResponseTooLarge { attempts, .. } => *attempts,
        }
    }

    /// The typed service error, if the service answered with an error status.
    pub fn service_error(&self) -> Option<&E> {
        match self {
            Error::Service { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The typed service error, by value.
    pub fn into_service_error(self) -> Option<E> {
        match self {
            Error::Service { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Whether the request may have reached the server.
    pub fn may_have_been_sent(&self) -> bool {
        !matches!(self, Error::InvalidRequest { .. })
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl<E: fmt::Display> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest { source } => write!(f, "request not sent: {source}"),
            Error::Transport { source, attempts } => {
                write!(f, "transport error after {attempts} attempt{}: {source}", plural(*attempts))
            }
            Error::Timeout { kind, elapsed, attempts } => {
                let k = match kind {
                    TimeoutKind::Attempt => "per-attempt timeout",
                    TimeoutKind::Total => "overall deadline",
                };
                write!(f, "{k} exceeded after {attempts} attempt{} ({elapsed:?})", plural(*attempts))
            }
            Error::Service { error, attempts } => write!(f, "{error} (after {attempts} attempt{})", plural(*attempts)),
            Error::Decode { status, source, attempts, .. } => {
                write!(
                    f,
                    "could not decode the {status} response after {attempts} attempt{}: {source}",
                    plural(*attempts)
                )
            }
            Error::ResponseTooLarge { status, limit, attempts } => {
                write!(
                    f,
                    "the {status} response body exceeds {limit} bytes (after {attempts} attempt{})",
                    plural(*attempts)
                )
            }
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::InvalidRequest { source } => Some(source),
            Error::Transport { source, .. } => Some(source),
            Error::Decode { source, .. } => Some(source),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request execution (used by generated code)
// ---------------------------------------------------------------------------------------------

/// The per-call option setters and the `IntoFuture` impl every generated request builder shares
/// (a builder has an `options: RequestOptions` field and an `async fn send`).
#[allow(unused_macros)]
macro_rules! request_builder {
    ($request:ident, $output:ty) => {
        impl<'a> $request<'a> {
            /// Use this retry policy for this call.
            pub fn retry(mut self, retry: $crate::runtime::RetryConfig) -> Self {
                self.options.retry = Some(retry);
                self
            }

            /// Per-attempt timeout for this call.
            pub fn attempt_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.options.attempt_timeout = Some(timeout);
                self
            }

            /// Overall deadline for this call, retries included.
            pub fn total_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.options.total_timeout = Some(timeout);
                self
            }

            /// Connect timeout for this call (see [`RequestOptions::connect_timeout`](crate::RequestOptions)).
            pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.options.connect_timeout = Some(timeout);
                self
            }

            /// Send an extra header with this call (replaces a generated header of that name).
            /// The value is marked sensitive, so it never shows in `Debug` output.
            pub fn header(
                mut self,
                name: reqwest::header::HeaderName,
                mut value: reqwest::header::HeaderValue,
            ) -> Self {
                value.set_sensitive(true);
                self.options.headers.insert(name, value);
                self
            }
        }

        impl<'a> ::std::future::IntoFuture for $request<'a> {
            type Output = $output;
            type IntoFuture = ::std::pin::Pin<Box<dyn ::std::future::Future<Output = Self::Output> + Send + 'a>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use request_builder;

/// `status()`, `Display` and `Error` for a generated operation error enum, from its
/// `describe(&self) -> (StatusCode, &'static str)`.
#[allow(unused_macros)]
macro_rules! error_impls {
    ($error:ident, $operation:literal) => {
        impl $error {
            /// The HTTP status of the response.
            pub fn status(&self) -> $crate::runtime::StatusCode {
                self.describe().0
            }
        }

        impl ::std::fmt::Display for $error {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let (status, summary) = self.describe();
                write!(f, "{} {}: {}", $operation, status, summary)
            }
        }

        impl ::std::error::Error for $error {}
    };
}
#[allow(unused_imports)]
pub(crate) use error_impls;

/// Static facts about an operation.
#[doc(hidden)]
#[derive(Debug)]
pub struct OperationInfo {
    pub id: &'static str,
    /// A server of the operation's own, used unless the client's base URL was set explicitly.
    pub server: Option<&'static str>,
    pub method: &'static str,
    pub path_template: &'static str,
    pub idempotent: bool,
}

/// A request ready to send.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct RequestParts {
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<(Vec<u8>, &'static str)>,
}

/// The final response of a call.
#[doc(hidden)]
#[derive(Debug)]
pub struct Exchange {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub attempts: u32,
}

enum Attempt {
    Done(Exchange),
    Transport(reqwest::Error),
    TooLarge(StatusCode),
}

/// Characters kept as-is in a path segment (RFC 3986 unreserved); everything else is encoded.
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Append `value` to `path` as one percent-encoded path segment. `.` and `..` (also when
/// percent-encoded) are dot segments that URL parsing removes, which would send the request to
/// another resource, so they are rejected. The empty string is rejected too.
#[doc(hidden)]
pub fn push_segment(path: &mut String, value: &str, name: &'static str) -> Result<(), ValidationError> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(ValidationError::new(name, None, "a path segment other than \"\", \".\" or \"..\""));
    }
    if value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')) {
        // Nothing to encode (the common case for identifiers).
        path.push_str(value);
    } else {
        path.extend(percent_encoding::utf8_percent_encode(value, SEGMENT));
    }
    Ok(())
}

/// Read a header as text.
#[doc(hidden)]
pub fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Read and parse a header; unparsable values become `None`.
#[doc(hidden)]
pub fn header_parse<T: std::str::FromStr>(headers: &HeaderMap, name: &str) -> Option<T> {
    headers.get(name).and_then(|v| v.to_str().ok()).and_then(|s| s.trim().parse().ok())
}

impl Exchange {
    /// Decode the JSON body. An empty body reads as `null`, then as `{}`.
    #[doc(hidden)]
    pub fn json<T: serde::de::DeserializeOwned, E>(&self) -> Result<T, Error<E>> {
        let body: &[u8] = &self.body;
        let result = if body.iter().all(u8::is_ascii_whitespace) {
            serde_json::from_slice(b"null").or_else(|_| serde_json::from_slice(b"{}"))
        } else {
            serde_json::from_slice(body)
        };
        result.map_err(|source| Error::Decode {
            status: self.status,
            body: self.text(4096),
            source,
            attempts: self.attempts,
        })
    }

    /// The body as lossy UTF-8, at most `limit` bytes.
    #[doc(hidden)]
    pub fn text(&self, limit: usize) -> String {
        let end = self.body.len().min(limit);
        String::from_utf8_lossy(&self.body[..end]).into_owned()
    }

    /// A typed response.
    #[doc(hidden)]
    pub fn response<B, H>(self, body: B, headers: H) -> Response<B, H> {
        Response { status: self.status, body, headers, raw_headers: self.headers }
    }

    /// The response for an undocumented status.
    #[doc(hidden)]
    pub fn unhandled(self) -> UnhandledResponse {
        let body = self.text(usize::MAX);
        UnhandledResponse { status: self.status, headers: self.headers, body }
    }

    /// A documented success status with a JSON body.
    #[doc(hidden)]
    pub fn success<B: serde::de::DeserializeOwned, H, E>(self, headers: H) -> Result<Response<B, H>, Error<E>> {
        let body = self.json()?;
        Ok(self.response(body, headers))
    }

    /// A documented success status without a body (any body sent is ignored).
    #[doc(hidden)]
    pub fn success_empty<H, E>(self, headers: H) -> Result<Response<(), H>, Error<E>> {
        Ok(self.response((), headers))
    }

    /// A documented error status with a JSON body, wrapped in the operation's error variant.
    #[doc(hidden)]
    pub fn failure<B: serde::de::DeserializeOwned, H, E, T>(
        self,
        headers: H,
        variant: impl FnOnce(Response<B, H>) -> E,
    ) -> Result<T, Error<E>> {
        let body = self.json()?;
        let attempts = self.attempts;
        Err(Error::Service { error: variant(self.response(body, headers)), attempts })
    }

    /// A documented error status without a body.
    #[doc(hidden)]
    pub fn failure_empty<H, E, T>(self, headers: H, variant: impl FnOnce(Response<(), H>) -> E) -> Result<T, Error<E>> {
        let attempts = self.attempts;
        Err(Error::Service { error: variant(self.response((), headers)), attempts })
    }

    /// A status the operation does not document.
    #[doc(hidden)]
    pub fn unhandled_status<E, T>(self, variant: impl FnOnce(UnhandledResponse) -> E) -> Result<T, Error<E>> {
        let attempts = self.attempts;
        Err(Error::Service { error: variant(self.unhandled()), attempts })
    }
}

impl Client {
    /// Base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Send a request with retries and timeouts; returns the final response of any status.
    #[doc(hidden)]
    pub async fn execute<E>(
        &self,
        op: &'static OperationInfo,
        parts: RequestParts,
        options: RequestOptions,
    ) -> Result<Exchange, Error<E>> {
        let span = tracing::info_span!(
            "request",
            operation = op.id,
            method = op.method,
            path = op.path_template,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let start = Instant::now();
        let result = self.execute_inner(op, parts, options, start).instrument(span.clone()).await;
        let attempts = match &result {
            Ok(ex) => {
                span.record("status", ex.status.as_u16());
                ex.attempts
            }
            Err(e) => e.attempts(),
        };
        if !span.is_disabled() {
            span.record("attempts", attempts);
            span.record("elapsed_ms", start.elapsed().as_millis() as u64);
        }
        result
    }

    async fn execute_inner<E>(
        &self,
        op: &'static OperationInfo,
        parts: RequestParts,
        options: RequestOptions,
        start: Instant,
    ) -> Result<Exchange, Error<E>> {
        let inner = &*self.inner;
        let retry = options.retry.as_ref().unwrap_or(&inner.retry);
        let attempt_timeout = options.attempt_timeout.or(inner.timeouts.attempt);
        let deadline = options.total_timeout.or(inner.timeouts.total).map(|t| start + t);
        let may_retry = op.idempotent || retry.retry_non_idempotent;
        let method = reqwest::Method::from_bytes(op.method.as_bytes()).expect("generated methods are valid");
        let base = match op.server {
            Some(server) if inner.base_url_is_default => server.trim_end_matches('/'),
            _ => inner.base_url.as_str(),
        };
        let mut full = String::with_capacity(base.len() + parts.path.len());
        full.push_str(base);
        full.push_str(&parts.path);
        let mut url = reqwest::Url::parse(&full).map_err(|_| Error::InvalidRequest {
            source: ValidationError::new("path", None, "a path that forms a valid URL with the base URL"),
        })?;
        if !parts.query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in &parts.query {
                q.append_pair(k, v);
            }
        }
        let mut headers = inner.default_headers.clone();
        for (k, v) in &parts.headers {
            let value = HeaderValue::from_str(v).map_err(|_| Error::InvalidRequest {
                source: ValidationError::new(
                    "header",
                    None,
                    format!("a value without control characters for header `{k}`"),
                ),
            })?;
            headers.insert(HeaderName::from_static(k), value);
        }
        if let Some((_, content_type)) = &parts.body {
            headers.insert(reqwest::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        for (k, v) in &options.headers {
            headers.insert(k.clone(), v.clone());
        }
        // Build the request once; clone it only while another attempt may follow.
        let http =
            inner.http_for(options.connect_timeout).map_err(|source| Error::Transport { source, attempts: 0 })?;
        let mut first = reqwest::Request::new(method, url);
        *first.headers_mut() = headers;
        if let Some((body, _)) = parts.body {
            *first.body_mut() = Some(body.into());
        }
        let mut request = Some(first);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let remaining = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if remaining == Some(Duration::ZERO) {
                return Err(Error::Timeout {
                    kind: TimeoutKind::Total,
                    elapsed: start.elapsed(),
                    attempts: attempt - 1,
                });
            }
            let (limit, kind) = match (attempt_timeout, remaining) {
                (Some(a), Some(r)) if r < a => (Some(r), TimeoutKind::Total),
                (Some(a), _) => (Some(a), TimeoutKind::Attempt),
                (None, Some(r)) => (Some(r), TimeoutKind::Total),
                (None, None) => (None, TimeoutKind::Attempt),
            };
            let last_possible = !may_retry || attempt >= retry.max_attempts;
            let copy = if last_possible { None } else { request.as_ref().and_then(reqwest::Request::try_clone) };
            let this = match copy {
                Some(copy) => copy,
                None => request.take().expect("the request is kept until the last attempt"),
            };
            let fut = Self::attempt(&http, this, inner.max_response_bytes, attempt);
            let outcome = match limit {
                Some(l) => tokio::time::timeout(l, fut).await.ok(),
                None => Some(fut.await),
            };
            let retries_left = may_retry && attempt < retry.max_attempts;
            // Each outcome gives the result to return if we stop now, and the delay if we retry.
            let (give_up, delay): (Result<Exchange, Error<E>>, Option<Duration>) = match outcome {
                None => {
                    tracing::debug!(attempt, "attempt timed out");
                    let retry_it = kind == TimeoutKind::Attempt && retries_left && retry.retry_transport_errors;
                    let err = Error::Timeout { kind, elapsed: start.elapsed(), attempts: attempt };
                    (Err(err), retry_it.then(|| retry.backoff(attempt - 1)))
                }
                Some(Attempt::Transport(e)) => {
                    tracing::debug!(attempt, error = %e, "transport error");
                    let retry_it = retries_left && retry.retry_transport_errors && (e.is_connect() || e.is_timeout());
                    (
                        Err(Error::Transport { source: e, attempts: attempt }),
                        retry_it.then(|| retry.backoff(attempt - 1)),
                    )
                }
                Some(Attempt::TooLarge(status)) => {
                    return Err(Error::ResponseTooLarge { status, limit: inner.max_response_bytes, attempts: attempt });
                }
                Some(Attempt::Done(ex)) => {
                    let status = ex.status.as_u16();
                    tracing::debug!(attempt, status, "response");
                    let delay = (retries_left && retry.retry_statuses.contains(&status)).then(|| {
                        match header_parse::<u64>(&ex.headers, "retry-after") {
                            Some(secs) => Duration::from_secs(secs).min(retry.max_retry_after),
                            None => retry.backoff(attempt - 1),
                        }
                    });
                    (Ok(ex), delay)
                }
            };
            let Some(delay) = delay else { return give_up };
            if deadline.is_some_and(|d| Instant::now() + delay >= d) {
                // Waiting would pass the deadline: stop now with what we have.
                tracing::debug!(attempt, "no time left for another attempt");
                return give_up;
            }
            tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(http: &reqwest::Client, request: reqwest::Request, max: usize, attempt: u32) -> Attempt {
        let mut resp = match http.execute(request).await {
            Ok(r) => r,
            Err(e) => return Attempt::Transport(e),
        };
        let status = resp.status();
        let headers = std::mem::take(resp.headers_mut());
        match resp.content_length() {
            Some(n) if n > max as u64 => return Attempt::TooLarge(status),
            // Known length within the limit: one read into one buffer.
            Some(_) => {
                return match resp.bytes().await {
                    Ok(body) if body.len() <= max => {
                        Attempt::Done(Exchange { status, headers, body: body.to_vec(), attempts: attempt })
                    }
                    Ok(_) => Attempt::TooLarge(status),
                    Err(e) => Attempt::Transport(e),
                }
            }
            None => {}
        }
        let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0).min(max as u64) as usize);
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > max {
                        return Attempt::TooLarge(status);
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Attempt::Transport(e),
            }
        }
        Attempt::Done(Exchange { status, headers, body, attempts: attempt })
    }
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
    fn segments_are_encoded() {
        let mut p = String::new();
        push_segment(&mut p, "a/b c?d#%", "id").unwrap();
        assert_eq!(p, "a%2Fb%20c%3Fd%23%25");
        for dot in ["", ".", ".."] {
            assert!(push_segment(&mut String::new(), dot, "id").is_err(), "{dot:?}");
        }
        let mut p = String::new();
        push_segment(&mut p, "...", "id").unwrap();
        assert_eq!(p, "...");
    }

    #[test]
    fn debug_redacts() {
        let c = Credentials::basic("AC123", "hunter2");
        let s = format!("{c:?}");
        assert!(s.contains("AC123") && !s.contains("hunter2"));
    }

    /// A local server that answers every request with `status` and counts requests.
    async fn counting_server(status: u16) -> (String, std::sync::Arc<std::sync::atomic::AtomicU32>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let count = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let c = count.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else { return };
                let c = c.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let mut seen = Vec::new();
                    loop {
                        let n = sock.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        seen.extend_from_slice(&buf[..n]);
                        if seen.windows(4).any(|w| w == b"\r\n\r\n") {
                            break;
                        }
                    }
                    c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let resp = format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}");
                    let _ = sock.write_all(resp.as_bytes()).await;
                });
            }
        });
        (format!("http://{addr}"), count)
    }

    static API: ApiInfo = ApiInfo { default_base_url: "http://127.0.0.1:9", product: "test", version: "0" };
    static POST: OperationInfo =
        OperationInfo { id: "Create", server: None, method: "POST", path_template: "/things", idempotent: false };

    fn fast_retry() -> RetryConfig {
        RetryConfig::standard()
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(2))
    }

    #[tokio::test]
    async fn non_idempotent_requests_are_not_retried_unless_opted_in() {
        let (url, count) = counting_server(503).await;
        let client = ClientBuilder::new(&API).base_url(&url).retry(fast_retry()).build().unwrap();
        let parts = || RequestParts { path: "/things".into(), ..Default::default() };
        let ex = client.execute::<()>(&POST, parts(), RequestOptions::default()).await.unwrap();
        assert_eq!((ex.status.as_u16(), ex.attempts), (503, 1));
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);

        let opts = RequestOptions { retry: Some(fast_retry().with_retry_non_idempotent(true)), ..Default::default() };
        let ex = client.execute::<()>(&POST, parts(), opts).await.unwrap();
        assert_eq!((ex.status.as_u16(), ex.attempts), (503, 3));
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn per_call_connect_timeout_uses_one_extra_pool_per_value() {
        let (url, count) = counting_server(200).await;
        let client = ClientBuilder::new(&API).base_url(&url).build().unwrap();
        let parts = || RequestParts { path: "/things".into(), ..Default::default() };
        for _ in 0..3 {
            let opts = RequestOptions { connect_timeout: Some(Duration::from_millis(1500)), ..Default::default() };
            let ex = client.execute::<()>(&POST, parts(), opts).await.unwrap();
            assert_eq!(ex.status.as_u16(), 200);
        }
        // The client's own value needs no extra pool.
        let opts = RequestOptions { connect_timeout: Some(Duration::from_secs(10)), ..Default::default() };
        client.execute::<()>(&POST, parts(), opts).await.unwrap();
        assert_eq!(client.inner.by_connect_timeout.lock().unwrap().len(), 1);
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 4);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let r = RetryConfig::standard()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(1));
        for retry in 0..10 {
            let d = r.backoff(retry);
            let cap = Duration::from_millis(100 * (1u64 << retry)).min(Duration::from_secs(1));
            assert!(d >= cap / 2 && d <= cap, "retry {retry}: {d:?} not in [{:?}, {cap:?}]", cap / 2);
        }
    }
}
