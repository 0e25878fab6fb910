//! Configuration: retry and timeout policies, per-call options, and [`Config`], the configured
//! core (credentials, policies, user agent, connection pool) that several clients can share.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;

use crate::credentials::Credentials;

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

    /// The delay before retry number `retry` (0-based) when the server gives none.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
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
///
/// The builders name the same three limits `connect_timeout`, `attempt_timeout` and
/// `total_timeout`. The attempt and total limits are enforced by timers that concurrent
/// attempts share, so one may end an attempt up to 1/32 of its length late, at most 250 ms (a
/// 30 s limit ends it between 30 and 30.25 s); limits under 100 ms are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimeoutConfig {
    /// Time to establish a connection (applies to connection pools this crate builds).
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
    pub headers: reqwest::header::HeaderMap,
    /// Largest response body this call accepts (default: the config's `max_response_bytes`).
    pub max_response_bytes: Option<usize>,
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
    /// The base URL cannot be parsed, or is not `http`/`https`.
    InvalidBaseUrl(String),
    /// The base URL carries credentials (`user:password@`), which would be sent unprotected and
    /// shown in logs; give them with `credentials(..)`.
    CredentialsInBaseUrl,
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
            ConfigError::CredentialsInBaseUrl => f.write_str(
                "the base URL carries credentials (user:password@); set them with `credentials(..)` instead",
            ),
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

/// The configured core of one or more clients: credentials, retry and timeout policies, user
/// agent suffix, response size limit and the connection pool. Cheap to clone; clones and the
/// clients built from it share one connection pool.
///
/// Build it once and hand it to every generated client (`Client::new(&config)`), or configure
/// a client directly with its own builder.
#[derive(Clone)]
pub struct Config {
    pub(crate) inner: Arc<ConfigInner>,
}

pub(crate) struct ConfigInner {
    pub(crate) credentials: Option<Credentials>,
    pub(crate) retry: RetryConfig,
    pub(crate) timeouts: TimeoutConfig,
    pub(crate) user_agent_suffix: Option<String>,
    pub(crate) max_response_bytes: usize,
    pub(crate) pools: Arc<Pools>,
}

/// Connection pools: the main one, and one per distinct per-call connect timeout.
pub(crate) struct Pools {
    main: reqwest::Client,
    /// The application supplied `main`; per-call connect timeouts do not apply.
    custom: bool,
    connect: Option<Duration>,
    by_connect_timeout: Mutex<Vec<(Duration, reqwest::Client)>>,
}

impl Pools {
    fn new(http: Option<reqwest::Client>, connect: Option<Duration>) -> Result<Self, ConfigError> {
        let custom = http.is_some();
        let main = match http {
            Some(h) => h,
            None => http_client(connect).map_err(ConfigError::Http)?,
        };
        Ok(Pools { main, custom, connect, by_connect_timeout: Mutex::new(Vec::new()) })
    }

    /// The HTTP client for a call: the main one, or one with the call's connect timeout.
    pub(crate) fn for_call(
        &self,
        connect: Option<Duration>,
    ) -> Result<std::borrow::Cow<'_, reqwest::Client>, reqwest::Error> {
        match connect {
            Some(t) if !self.custom && Some(t) != self.connect => {
                let mut cache = self.by_connect_timeout.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some((_, c)) = cache.iter().find(|(d, _)| *d == t) {
                    return Ok(std::borrow::Cow::Owned(c.clone()));
                }
                let c = http_client(Some(t))?;
                cache.push((t, c.clone()));
                Ok(std::borrow::Cow::Owned(c))
            }
            _ => Ok(std::borrow::Cow::Borrowed(&self.main)),
        }
    }

    /// The main HTTP client.
    pub(crate) fn main(&self) -> &reqwest::Client {
        &self.main
    }

    #[cfg(test)]
    pub(crate) fn extra_pools(&self) -> usize {
        self.by_connect_timeout.lock().unwrap_or_else(PoisonError::into_inner).len()
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

impl Config {
    /// Start configuring.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// A builder that starts from this configuration; unless the connection pool's settings
    /// change (`http_client`, `connect_timeout`), what it builds shares this pool.
    pub fn to_builder(&self) -> ConfigBuilder {
        let c = &self.inner;
        ConfigBuilder {
            credentials: c.credentials.clone(),
            retry: c.retry.clone(),
            timeouts: c.timeouts,
            user_agent_suffix: c.user_agent_suffix.clone(),
            max_response_bytes: c.max_response_bytes,
            http: None,
            pools: Some(c.pools.clone()),
        }
    }

    /// The credentials, if any.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.inner.credentials.as_ref()
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryConfig {
        &self.inner.retry
    }

    /// The timeouts.
    pub fn timeouts(&self) -> TimeoutConfig {
        self.inner.timeouts
    }

    /// The response size limit in bytes.
    pub fn max_response_bytes(&self) -> usize {
        self.inner.max_response_bytes
    }

    /// Whether two configurations share one connection pool.
    pub fn shares_pool_with(&self, other: &Config) -> bool {
        Arc::ptr_eq(&self.inner.pools, &other.inner.pools)
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.inner;
        f.debug_struct("Config")
            .field("credentials", &c.credentials)
            .field("retry", &c.retry)
            .field("timeouts", &c.timeouts)
            .field("user_agent_suffix", &c.user_agent_suffix)
            .field("max_response_bytes", &c.max_response_bytes)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Config`].
pub struct ConfigBuilder {
    credentials: Option<Credentials>,
    retry: RetryConfig,
    timeouts: TimeoutConfig,
    user_agent_suffix: Option<String>,
    max_response_bytes: usize,
    http: Option<reqwest::Client>,
    /// The pool of the configuration this builder started from.
    pools: Option<Arc<Pools>>,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        ConfigBuilder {
            credentials: None,
            retry: RetryConfig::standard(),
            timeouts: TimeoutConfig::standard(),
            user_agent_suffix: None,
            max_response_bytes: crate::DEFAULT_MAX_RESPONSE_BYTES,
            http: None,
            pools: None,
        }
    }
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// Credentials for every request.
    #[must_use]
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
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

    /// Time for one attempt: sending the request and reading the whole response.
    #[must_use]
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.timeouts.attempt = Some(d);
        self
    }

    /// Time to establish a connection (ignored when a custom `reqwest::Client` is supplied).
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

    /// Build the configuration.
    pub fn build(self) -> Result<Config, ConfigError> {
        if let Some(c) = &self.credentials {
            c.check()?;
        }
        if let Some(s) = &self.user_agent_suffix {
            HeaderValue::from_str(s).map_err(|_| ConfigError::InvalidUserAgent)?;
        }
        let pools = match (self.http, self.pools) {
            (None, Some(p)) if p.connect == self.timeouts.connect || p.custom => p,
            (http, _) => Arc::new(Pools::new(http, self.timeouts.connect)?),
        };
        Ok(Config {
            inner: Arc::new(ConfigInner {
                credentials: self.credentials,
                retry: self.retry,
                timeouts: self.timeouts,
                user_agent_suffix: self.user_agent_suffix,
                max_response_bytes: self.max_response_bytes,
                pools,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn derived_configs_share_the_pool_unless_it_changes() {
        let base = Config::builder().build().unwrap();
        let derived = base.to_builder().retry(RetryConfig::disabled()).build().unwrap();
        assert!(derived.shares_pool_with(&base));
        assert_eq!(derived.retry().max_attempts, 1);
        let other = base.to_builder().connect_timeout(Duration::from_millis(1234)).build().unwrap();
        assert!(!other.shares_pool_with(&base));
    }

    #[test]
    fn debug_redacts() {
        let c = Config::builder().credentials(Credentials::basic("AC1", "hunter2")).build().unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(!format!("{:?}", c.to_builder()).contains("hunter2"));
    }
}
