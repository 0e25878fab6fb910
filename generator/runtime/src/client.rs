//! The per-API client: a [`Config`] plus what belongs to one API (base URL, user agent).

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};

use crate::config::{Config, ConfigBuilder, ConfigError, RetryConfig, TimeoutConfig};
use crate::credentials::Credentials;

/// Facts about the API a crate was generated for.
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

/// Implemented by every generated `Client`: it wraps an [`ApiClient`].
#[doc(hidden)]
pub trait GeneratedClient: Sized {
    /// The API the client was generated for.
    const API: &'static ApiInfo;
    /// Wrap a configured client.
    fn from_api_client(client: ApiClient) -> Self;
}

/// One API's view of a [`Config`]: base URL and default headers. Cheap to clone. Generated
/// clients wrap it; applications reach it through them.
#[derive(Clone)]
pub struct ApiClient {
    pub(crate) inner: Arc<ApiInner>,
}

pub(crate) struct ApiInner {
    pub(crate) config: Config,
    pub(crate) base_url: String,
    /// The base URL parsed once, when calls can resolve their paths against it
    /// (`crate::base_url::parse_base`): they then parse only their path.
    pub(crate) parsed_base: Option<reqwest::Url>,
    /// The base URL is the spec's: operations with a server of their own use theirs.
    pub(crate) base_url_is_default: bool,
    /// User-Agent and Accept, built once (authentication is added per operation).
    pub(crate) default_headers: HeaderMap,
}

impl ApiClient {
    /// A client for `api` with the spec's base URL.
    #[doc(hidden)]
    pub fn new(api: &'static ApiInfo, config: &Config) -> ApiClient {
        // The spec's URL was checked when the crate was generated; a spec without servers has
        // none, and calls then fail with `InvalidRequest` until a base URL is set.
        Self::assemble(api, config, api.default_base_url.trim_end_matches('/').to_owned(), true)
    }

    fn with_base_url(api: &'static ApiInfo, config: &Config, base_url: Option<String>) -> Result<Self, ConfigError> {
        let base_url_is_default = base_url.is_none();
        let base_url = base_url.unwrap_or_else(|| api.default_base_url.to_owned());
        let base_url = base_url.trim_end_matches('/').to_owned();
        match reqwest::Url::parse(&base_url) {
            // Never echo such a URL: it holds a secret.
            Ok(u) if !u.username().is_empty() || u.password().is_some() => {
                return Err(ConfigError::CredentialsInBaseUrl)
            }
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
            _ => return Err(ConfigError::InvalidBaseUrl(base_url)),
        }
        Ok(Self::assemble(api, config, base_url, base_url_is_default))
    }

    fn assemble(api: &'static ApiInfo, config: &Config, base_url: String, base_url_is_default: bool) -> Self {
        let c = &config.inner;
        let mut ua = format!("{}/{} ({} {})", api.product, api.version, std::env::consts::OS, std::env::consts::ARCH);
        if let Some(s) = &c.user_agent_suffix {
            ua.push(' ');
            ua.push_str(s);
        }
        let mut default_headers = HeaderMap::with_capacity(4);
        // The suffix was checked by `ConfigBuilder::build`; product and version are generated.
        let ua = HeaderValue::from_str(&ua).unwrap_or_else(|_| HeaderValue::from_static("apigen-client"));
        default_headers.insert(reqwest::header::USER_AGENT, ua);
        default_headers.insert(reqwest::header::ACCEPT, HeaderValue::from_static("application/json"));
        let parsed_base = crate::base_url::parse_base(&base_url);
        ApiClient {
            inner: Arc::new(ApiInner {
                config: config.clone(),
                base_url,
                parsed_base,
                base_url_is_default,
                default_headers,
            }),
        }
    }

    /// Base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The configuration (shared with every client built from it).
    pub fn config(&self) -> &Config {
        &self.inner.config
    }
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("base_url", &self.inner.base_url).field("config", &self.inner.config).finish()
    }
}

/// Builds a generated client `C`: everything a [`ConfigBuilder`] sets, plus the base URL.
pub struct ClientBuilder<C> {
    base_url: Option<String>,
    config: ConfigBuilder,
    _client: PhantomData<fn() -> C>,
}

impl<C: GeneratedClient> Default for ClientBuilder<C> {
    fn default() -> Self {
        ClientBuilder { base_url: None, config: ConfigBuilder::default(), _client: PhantomData }
    }
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder").field("base_url", &self.base_url).field("config", &self.config).finish()
    }
}

impl<C: GeneratedClient> ClientBuilder<C> {
    /// Start from a shared configuration (call this first: it replaces what was set before).
    /// The client shares its connection pool unless `http_client` or `connect_timeout` change it.
    #[must_use]
    pub fn config(mut self, config: &Config) -> Self {
        self.config = config.to_builder();
        self
    }

    /// Base URL (default: the spec's first server).
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Credentials for every request.
    #[must_use]
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.config = self.config.credentials(credentials);
        self
    }

    /// Retry policy.
    #[must_use]
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.config = self.config.retry(retry);
        self
    }

    /// All timeouts at once.
    #[must_use]
    pub fn timeouts(mut self, timeouts: TimeoutConfig) -> Self {
        self.config = self.config.timeouts(timeouts);
        self
    }

    /// Time for one attempt: sending the request and reading the whole response.
    #[must_use]
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.config = self.config.attempt_timeout(d);
        self
    }

    /// Time to establish a connection (ignored when a custom `reqwest::Client` is supplied).
    #[must_use]
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.config = self.config.connect_timeout(d);
        self
    }

    /// Overall deadline for a call, retries included.
    #[must_use]
    pub fn total_timeout(mut self, d: Duration) -> Self {
        self.config = self.config.total_timeout(d);
        self
    }

    /// Appended to the User-Agent, e.g. `my-app/1.2`.
    #[must_use]
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.config = self.config.user_agent_suffix(suffix);
        self
    }

    /// Largest response body accepted, in bytes.
    #[must_use]
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.config = self.config.max_response_bytes(n);
        self
    }

    /// Use this HTTP client (proxies, pools, TLS roots). Its redirect policy and connect
    /// timeout apply; clients this crate builds follow no redirects.
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.config = self.config.http_client(client);
        self
    }

    /// Build the client.
    pub fn build(self) -> Result<C, ConfigError> {
        let config = self.config.build()?;
        Ok(C::from_api_client(ApiClient::with_base_url(C::API, &config, self.base_url)?))
    }
}
