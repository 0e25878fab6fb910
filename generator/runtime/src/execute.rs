//! The request loop: one call, with retries, timeouts, a body-size limit and a tracing span,
//! and the decoding helpers generated code uses on its final response.

use std::time::Duration;

// tokio's clock, so that limits follow a paused test clock as tokio's timers do.
use tokio::time::Instant;

use futures_util::future::{Either, FutureExt as _};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::StatusCode;
use std::borrow::Cow;
use std::future::Future;
use std::task::Poll;
use tracing::Instrument as _;

use crate::auth::authorize;
use crate::body::RequestBody;
use crate::client::ApiClient;
use crate::config::{ConfigInner, RequestOptions, RetryConfig};
use crate::error::{Error, ErrorBody, Response, TimeoutKind, UnhandledResponse, ValidationError};
use crate::stream::ByteStream;
use crate::validate::header_parse;

/// `Retry-After` (RFC 9110 §10.2.3): seconds, or an HTTP date (a date in the past is zero).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(secs) = header_parse::<u64>(headers, "retry-after") {
        return Some(Duration::from_secs(secs));
    }
    let text = headers.get("retry-after")?.to_str().ok()?;
    let when = httpdate::parse_http_date(text.trim()).ok()?;
    Some(when.duration_since(std::time::SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// Static facts about an operation.
#[doc(hidden)]
#[derive(Debug)]
pub struct OperationInfo {
    /// `operationId`.
    pub id: &'static str,
    /// A server of the operation's own, used unless the client's base URL was set explicitly.
    pub server: Option<&'static str>,
    /// HTTP method.
    pub method: &'static str,
    /// The path template, for tracing.
    pub path_template: &'static str,
    /// Retried without the caller's consent.
    pub idempotent: bool,
    /// What authentication the operation accepts.
    pub security: crate::auth::Security,
    /// The spec documents redirect responses (301, 302, 303, 307, 308): follow those that stay
    /// on the same origin.
    pub follow_redirects: bool,
}

/// Redirects followed for one call, at most.
pub const MAX_REDIRECTS: u32 = 5;

/// The same-origin URL a redirect response points at, if it does.
fn same_origin_location(from: &reqwest::Url, headers: &HeaderMap) -> Option<reqwest::Url> {
    let location = headers.get(reqwest::header::LOCATION)?.to_str().ok()?;
    let to = from.join(location.trim()).ok()?;
    (to.origin() == from.origin()).then_some(to)
}

/// Turn `request` into the request a redirect with `status` asks for: 307 and 308 repeat the
/// method and body; 303 (and 301/302 after a POST) become a GET without a body.
fn redirect(request: &mut reqwest::Request, status: StatusCode, to: reqwest::Url) {
    let method = request.method().clone();
    let to_get = match status.as_u16() {
        303 => method != reqwest::Method::HEAD,
        301 | 302 => method == reqwest::Method::POST,
        _ => false,
    };
    *request.url_mut() = to;
    if to_get {
        *request.method_mut() = reqwest::Method::GET;
        *request.body_mut() = None;
        for h in [reqwest::header::CONTENT_TYPE, reqwest::header::CONTENT_ENCODING, reqwest::header::CONTENT_LENGTH] {
            request.headers_mut().remove(h);
        }
    }
}

fn is_identity(encoding: &str) -> bool {
    matches!(encoding.trim(), "" | "identity")
}

/// Compress a request body as its `Content-Encoding` header says.
fn encode_body(body: Vec<u8>, encoding: &str) -> Result<Vec<u8>, ValidationError> {
    use std::io::Write as _;
    let unsupported = || {
        ValidationError::new(
            "header `Content-Encoding`",
            None,
            format!("`gzip`, `deflate` or `identity` (this client cannot compress with `{encoding}`)"),
        )
    };
    let io = |_: std::io::Error| unsupported();
    match encoding.trim().to_ascii_lowercase().as_str() {
        "identity" | "" => Ok(body),
        "gzip" | "x-gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 2), flate2::Compression::fast());
            e.write_all(&body).map_err(io)?;
            e.finish().map_err(io)
        }
        "deflate" => {
            let mut e =
                flate2::write::ZlibEncoder::new(Vec::with_capacity(body.len() / 2), flate2::Compression::fast());
            e.write_all(&body).map_err(io)?;
            e.finish().map_err(io)
        }
        _ => Err(unsupported()),
    }
}

/// A request ready to send.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct RequestParts {
    /// Path (already encoded), appended to the base URL.
    pub path: String,
    /// The query string, already encoded (see [`query_pair`](crate::query_pair)).
    pub query: String,
    /// Header names (lower case) and values.
    pub headers: Vec<(&'static str, String)>,
    /// Body bytes and content type.
    pub body: Option<crate::EncodedBody>,
    /// Hand a success body over unread ([`Exchange::success_stream`]).
    pub stream_response: bool,
}

/// The final response of a call.
#[doc(hidden)]
#[derive(Debug)]
pub struct Exchange {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// The whole body (empty when `streamed`).
    pub body: bytes::Bytes,
    /// A success response whose body is still to be read, and the limit for reading it.
    pub streamed: Option<Box<(reqwest::Response, usize)>>,
    /// Attempts made.
    pub attempts: u32,
}

enum Attempt {
    Done(Exchange),
    Transport(reqwest::Error),
    TooLarge(StatusCode),
}

/// What one call keeps from its first await to its last. The request loop's future holds
/// this once: work that needs no await is done in plain functions, so the future carries no
/// copies of arguments or moved-from locals (an `async fn` keeps both), and moving it (into a
/// task, a box) copies less.
struct Call<'a> {
    op: &'static OperationInfo,
    config: &'a ConfigInner,
    /// A per-call retry policy (boxed: rare, and the future stays small).
    retry_override: Option<Box<RetryConfig>>,
    http: Cow<'a, reqwest::Client>,
    start: Instant,
    attempt_timeout: Option<Duration>,
    deadline: Option<Instant>,
    may_retry: bool,
    max_body: usize,
    stream_success: bool,
    /// Query string; authorization may add to it before the first attempt.
    query: String,
    /// Per-call headers, set after authorization so they win over its headers.
    extra_headers: Option<Box<HeaderMap>>,
    /// A streamed body is sent once: that attempt is the last.
    streamed: bool,
    /// Kept until the last attempt (each earlier one sends a clone).
    request: Option<reqwest::Request>,
    /// OAuth 2.0 tokens used; a rejected one (401) is replaced once.
    tokens: Vec<(std::sync::Arc<dyn crate::auth::TokenProvider>, crate::auth::AccessToken)>,
    attempt: u32,
    /// Exchanges that were redirects followed (they do not count as retries).
    hops: u32,
}

/// What to do after an attempt.
enum Next<E> {
    /// Stop with this result, or wait this long and try again (when the request can still be
    /// sent and the deadline allows).
    Decided(Result<Exchange, Error<E>>, Option<Duration>),
    /// The OAuth 2.0 token was rejected: fetch a new one, then try again.
    Reauthorize(Exchange),
}

impl ApiClient {
    /// Send a request with retries and timeouts; returns the final response of any status.
    #[doc(hidden)]
    pub fn execute<'a, E: 'a>(
        &'a self,
        op: &'static OperationInfo,
        parts: RequestParts,
        options: RequestOptions,
    ) -> impl Future<Output = Result<Exchange, Error<E>>> + 'a {
        // Nothing happens until the first poll, as with an `async fn`: the clock (the total
        // deadline), the span's parent and the request's preparation are the poller's.
        futures_util::future::lazy(move |_| self.start::<E>(op, parts, options)).flatten()
    }

    /// The call's span and clock, its preparation, and the future of its attempts.
    fn start<'a, E: 'a>(
        &'a self,
        op: &'static OperationInfo,
        parts: RequestParts,
        options: RequestOptions,
    ) -> impl Future<Output = Result<Exchange, Error<E>>> + 'a {
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
        let record = span.clone();
        let call = match self.prepare(op, parts, options, start) {
            Ok(call) => Either::Left(call.run()),
            Err(e) => Either::Right(std::future::ready(Err(e))),
        };
        call.instrument(span).map(move |result| {
            // A disabled span (no subscriber wants it) would still look each field up by name.
            if !record.is_disabled() {
                let attempts = match &result {
                    Ok(ex) => {
                        record.record("status", ex.status.as_u16());
                        ex.attempts
                    }
                    Err(e) => e.attempts(),
                };
                record.record("attempts", attempts);
                record.record("elapsed_ms", start.elapsed().as_millis() as u64);
            }
            result
        })
    }

    /// Everything before the first await: URL, headers, body, connection pool.
    fn prepare<E>(
        &self,
        op: &'static OperationInfo,
        parts: RequestParts,
        options: RequestOptions,
        start: Instant,
    ) -> Result<Call<'_>, Error<E>> {
        let inner = &*self.inner;
        let config = &*inner.config.inner;
        let retry = options.retry.as_ref().unwrap_or(&config.retry);
        let may_retry = op.idempotent || retry.retry_non_idempotent;
        let method = reqwest::Method::from_bytes(op.method.as_bytes()).expect("generated methods are valid");
        let url = match (op.server, &inner.parsed_base) {
            (Some(server), _) if inner.base_url_is_default => {
                crate::base_url::parse_whole(server.trim_end_matches('/'), &parts.path)
            }
            (_, Some(base)) => crate::base_url::join_path(base, &parts.path, parts.query.len()),
            (_, None) => crate::base_url::parse_whole(&inner.base_url, &parts.path),
        };
        let url = url.map_err(|_| Error::InvalidRequest {
            source: ValidationError::new("path", None, "a path that forms a valid URL with the base URL"),
        })?;
        // Built here; authorization adds its header or query parameter before the first attempt.
        let mut request = reqwest::Request::new(method, url);
        // Room for every header the call adds (its own, a content type, authorization): a
        // clone of the defaults would have room for them alone, and growing it reallocates,
        // which takes the allocator's lock (glibc's `realloc` bypasses its per-thread cache).
        // Filled in place: the request's own map is empty and holds no allocation yet.
        let headers = request.headers_mut();
        headers.reserve(inner.default_headers.len() + parts.headers.len() + 2);
        for (name, value) in &inner.default_headers {
            headers.append(name.clone(), value.clone());
        }
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
            let value = HeaderValue::from_str(content_type).map_err(|_| Error::InvalidRequest {
                source: ValidationError::new("content type", None, "a header value without control characters"),
            })?;
            headers.insert(reqwest::header::CONTENT_TYPE, value);
        }
        // A documented `Content-Encoding` parameter compresses the body it describes.
        let mut body = parts.body.map(|(b, _)| b);
        if let Some((_, encoding)) = parts.headers.iter().find(|h| h.0 == "content-encoding") {
            match body.take() {
                Some(RequestBody::Buffered(b)) => {
                    let encoded = encode_body(b, encoding).map_err(|source| Error::InvalidRequest { source })?;
                    body = Some(RequestBody::Buffered(encoded));
                }
                Some(RequestBody::Streamed(_)) if !is_identity(encoding) => {
                    return Err(Error::InvalidRequest {
                        source: ValidationError::new(
                            "header `Content-Encoding`",
                            None,
                            "`identity` for a streamed body (this client compresses only bodies held in memory)",
                        ),
                    });
                }
                other => body = other,
            }
        }
        let streamed = matches!(body, Some(RequestBody::Streamed(_)));
        match body {
            Some(RequestBody::Buffered(b)) => *request.body_mut() = Some(b.into()),
            Some(RequestBody::Streamed(s)) => *request.body_mut() = Some(s.into_body()),
            None => {}
        }
        let http = config
            .pools
            .for_call(options.connect_timeout)
            .map_err(|source| Error::Transport { source, attempts: 0 })?;
        Ok(Call {
            op,
            config,
            attempt_timeout: options.attempt_timeout.or(config.timeouts.attempt),
            deadline: options.total_timeout.or(config.timeouts.total).map(|t| start + t),
            retry_override: options.retry.map(Box::new),
            http,
            start,
            may_retry,
            max_body: options.max_response_bytes.unwrap_or(config.max_response_bytes),
            stream_success: parts.stream_response,
            query: parts.query,
            streamed,
            extra_headers: (!options.headers.is_empty()).then(|| Box::new(options.headers)),
            request: Some(request),
            tokens: Vec::new(),
            attempt: 0,
            hops: 0,
        })
    }
}

impl<'a> Call<'a> {
    fn retry(&self) -> &RetryConfig {
        self.retry_override.as_deref().unwrap_or(&self.config.retry)
    }

    /// Authorize, then attempt until an attempt decides the result.
    // Not an `async fn`: that would keep `self` twice in the future (argument and local).
    #[allow(clippy::manual_async_fn)]
    fn run<E>(mut self) -> impl Future<Output = Result<Exchange, Error<E>>> + 'a {
        // Only `self` is captured, and each await's future is built in place.
        async move {
            if let Some(request) = self.request.as_mut() {
                let applied = authorize(
                    self.config.credentials.as_ref(),
                    self.op.security,
                    self.config.pools.main(),
                    request.headers_mut(),
                    &mut self.query,
                )
                .await
                .map_err(|source| Error::Auth { source, attempts: 0 })?;
                self.tokens = applied.tokens;
            }
            self.finish_request();
            loop {
                self.attempt += 1;
                let limit = self.attempt_limit()?;
                let delay = {
                    // The attempt's future is built in place and polled beside its time limit:
                    // each combinator around it would be one more copy of it.
                    let outcome = match limit {
                        Some((at, l, kind)) => {
                            let mut attempt = std::pin::pin!(self.send_once());
                            let mut limit = crate::timer::Limit::new(at, l);
                            std::future::poll_fn(|cx| match attempt.as_mut().poll(cx) {
                                Poll::Ready(a) => Poll::Ready(Ok(a)),
                                Poll::Pending => limit.poll_expired(cx).map(|()| Err(kind)),
                            })
                            .await
                        }
                        None => Ok(self.send_once().await),
                    };
                    let (give_up, delay) = match self.decide(outcome) {
                        Next::Decided(result, delay) => (result, delay),
                        // Boxed: a rare path, kept out of the future's size.
                        Next::Reauthorize(ex) => Box::pin(self.reauthorize(ex)).await,
                    };
                    match self.may_wait(delay) {
                        Some(delay) => delay,
                        None => return give_up,
                    }
                };
                tokio::time::sleep(delay).await;
            }
        }
    }

    /// Add what authorization put in the query, and the per-call headers.
    fn finish_request(&mut self) {
        let Some(request) = self.request.as_mut() else { return };
        if !self.query.is_empty() {
            request.url_mut().set_query(Some(&self.query));
        }
        if let Some(extra) = self.extra_headers.take() {
            let headers = request.headers_mut();
            for (k, v) in extra.iter() {
                headers.insert(k.clone(), v.clone());
            }
        }
    }

    /// Attempts so far that were not redirects.
    fn tries(&self) -> u32 {
        self.attempt - self.hops
    }

    fn may_redirect(&self) -> bool {
        self.op.follow_redirects && self.hops < MAX_REDIRECTS
    }

    /// When the next attempt must end and which limit sets that; an error when the total
    /// deadline has passed.
    fn attempt_limit<E>(&self) -> Result<Option<(Instant, Duration, TimeoutKind)>, Error<E>> {
        // The first attempt of a call whose authorization fetched no token starts when the call
        // did (nothing waited in between): no need to read the clock again.
        let now = if self.attempt == 1 && self.tokens.is_empty() { self.start } else { Instant::now() };
        let remaining = self.deadline.map(|d| d.saturating_duration_since(now));
        if remaining == Some(Duration::ZERO) {
            return Err(Error::Timeout {
                kind: TimeoutKind::Total,
                elapsed: self.start.elapsed(),
                attempts: self.attempt - 1,
            });
        }
        let (limit, kind) = match (self.attempt_timeout, remaining) {
            (Some(a), Some(r)) if r < a => (r, TimeoutKind::Total),
            (Some(a), _) => (a, TimeoutKind::Attempt),
            (None, Some(r)) => (r, TimeoutKind::Total),
            (None, None) => return Ok(None),
        };
        Ok(Some((now + limit, limit, kind)))
    }

    /// One attempt's future (time limits are the caller's).
    fn send_once(&mut self) -> impl Future<Output = Attempt> {
        let last_possible = self.streamed
            || ((!self.may_retry || self.tries() >= self.retry().max_attempts)
                && self.tokens.is_empty()
                && !self.may_redirect());
        let copy = if last_possible { None } else { self.request.as_ref().and_then(reqwest::Request::try_clone) };
        let request = match copy {
            Some(copy) => copy,
            None => self.request.take().expect("the request is kept until the last attempt"),
        };
        attempt_once(&self.http, request, self.max_body, self.stream_success, self.attempt)
    }

    /// The result to return if we stop now, and the delay if we retry.
    fn decide<E>(&mut self, outcome: Result<Attempt, TimeoutKind>) -> Next<E> {
        let attempt = self.attempt;
        let tries = self.tries();
        let retry = self.retry();
        let retries_left = self.may_retry && tries < retry.max_attempts;
        match outcome {
            Err(kind) => {
                tracing::debug!(attempt, "attempt timed out");
                let retry_it = kind == TimeoutKind::Attempt && retries_left && retry.retry_transport_errors;
                let err = Error::Timeout { kind, elapsed: self.start.elapsed(), attempts: attempt };
                Next::Decided(Err(err), retry_it.then(|| retry.backoff(tries - 1)))
            }
            Ok(Attempt::Transport(e)) => {
                tracing::debug!(attempt, error = %e, "transport error");
                // Connection failures, and connections reset or closed before or while the
                // response arrived (reqwest calls a body cut short a "decode" error; bodies
                // are decoded here, not by reqwest): safe to repeat for requests that may be
                // retried.
                let transient = !(e.is_builder() || e.is_redirect());
                let retry_it = retries_left && retry.retry_transport_errors && transient;
                let delay = retry_it.then(|| retry.backoff(tries - 1));
                Next::Decided(Err(Error::Transport { source: e, attempts: attempt }), delay)
            }
            Ok(Attempt::TooLarge(status)) => {
                Next::Decided(Err(Error::ResponseTooLarge { status, limit: self.max_body, attempts: attempt }), None)
            }
            Ok(Attempt::Done(ex)) if ex.status == StatusCode::UNAUTHORIZED && !self.tokens.is_empty() => {
                Next::Reauthorize(ex)
            }
            Ok(Attempt::Done(ex)) if self.may_redirect() && ex.status.is_redirection() => {
                // A documented redirect: followed (method, body and credentials kept for
                // 307/308) when it stays on the same origin; any other is the response.
                let to = self.request.as_ref().and_then(|r| same_origin_location(r.url(), &ex.headers));
                match (to, self.request.as_mut()) {
                    (Some(to), Some(req)) if matches!(ex.status.as_u16(), 301 | 302 | 303 | 307 | 308) => {
                        self.hops += 1;
                        tracing::debug!(
                            attempt,
                            status = ex.status.as_u16(),
                            hops = self.hops,
                            "following a same-origin redirect"
                        );
                        redirect(req, ex.status, to);
                        Next::Decided(Ok(ex), Some(Duration::ZERO))
                    }
                    _ => Next::Decided(Ok(ex), None),
                }
            }
            Ok(Attempt::Done(ex)) => {
                let status = ex.status.as_u16();
                tracing::debug!(attempt, status, "response");
                let delay = if retries_left && retry.retry_statuses.contains(&status) {
                    match retry_after(&ex.headers) {
                        // Longer than we may wait: give up now; the error carries the value.
                        Some(d) if d > retry.max_retry_after => None,
                        Some(d) => Some(d),
                        None => Some(retry.backoff(tries - 1)),
                    }
                } else {
                    None
                };
                Next::Decided(Ok(ex), delay)
            }
        }
    }

    /// Replace the rejected OAuth 2.0 token and try again at once; `ex` is the result when
    /// that is not possible.
    async fn reauthorize<E>(&mut self, ex: Exchange) -> (Result<Exchange, Error<E>>, Option<Duration>) {
        tracing::debug!(attempt = self.attempt, "token rejected; fetching a new one");
        for (provider, token) in self.tokens.drain(..) {
            provider.invalidate(&token);
        }
        let Some(req) = self.request.as_mut() else { return (Ok(ex), None) };
        let mut headers = req.headers().clone();
        let mut unused = String::new();
        let credentials = self.config.credentials.as_ref();
        match authorize(credentials, self.op.security, self.config.pools.main(), &mut headers, &mut unused).await {
            Ok(applied) if !applied.tokens.is_empty() => {
                if let Some(req) = self.request.as_mut() {
                    *req.headers_mut() = headers;
                }
                (Ok(ex), Some(Duration::ZERO))
            }
            Ok(_) => (Ok(ex), None),
            Err(source) => (Err(Error::Auth { source, attempts: self.attempt }), None),
        }
    }

    /// The delay before the next attempt, when there is a request left to send and waiting
    /// leaves time before the deadline.
    fn may_wait(&self, delay: Option<Duration>) -> Option<Duration> {
        // Nothing to send again once the request was handed over (its body was a stream).
        let delay = delay.filter(|_| self.request.is_some())?;
        if self.deadline.is_some_and(|d| Instant::now() + delay >= d) {
            // Waiting would pass the deadline: stop now with what we have.
            tracing::debug!(attempt = self.attempt, "no time left for another attempt");
            return None;
        }
        tracing::debug!(attempt = self.attempt, delay_ms = delay.as_millis() as u64, "retrying");
        Some(delay)
    }
}

/// What a generated request builder hands to [`respond`]: the operation, its request parts
/// and per-call options, or the argument that failed its checks (nothing is sent then).
#[doc(hidden)]
pub type Prepared = Result<(&'static OperationInfo, RequestParts, RequestOptions), ValidationError>;

/// A generated `send`: the exchange, then `decode` on the final response. A plain combinator
/// rather than an `async fn`, so the future is the exchange's plus a tag and nothing is copied
/// into it twice.
#[doc(hidden)]
pub fn respond<'a, T: 'a, E: 'a, D>(
    client: &'a ApiClient,
    prepared: Prepared,
    decode: D,
) -> impl Future<Output = Result<T, Error<E>>> + 'a
where
    D: FnOnce(Exchange) -> Result<T, Error<E>> + 'a,
{
    match prepared {
        Ok((op, parts, options)) => Either::Left(client.execute::<E>(op, parts, options).map(|r| r.and_then(decode))),
        Err(source) => Either::Right(std::future::ready(Err(Error::InvalidRequest { source }))),
    }
}

/// One attempt: send, then read the whole body within `max` bytes (a success body is left
/// unread when `stream_success`). The request is handed to reqwest before the first await,
/// so the future holds reqwest's small pending handle, not the request.
fn attempt_once(
    http: &reqwest::Client,
    request: reqwest::Request,
    max: usize,
    stream_success: bool,
    attempt: u32,
) -> impl Future<Output = Attempt> {
    let pending = http.execute(request);
    async move {
        let mut resp = match pending.await {
            Ok(r) => r,
            Err(e) => return Attempt::Transport(e),
        };
        let status = resp.status();
        match resp.content_length() {
            Some(n) if n > max as u64 => return Attempt::TooLarge(status),
            _ if stream_success && status.is_success() => {
                let headers = std::mem::take(resp.headers_mut());
                let streamed = Some(Box::new((resp, max)));
                return Attempt::Done(Exchange {
                    status,
                    headers,
                    body: bytes::Bytes::new(),
                    streamed,
                    attempts: attempt,
                });
            }
            _ => {}
        }
        // A body that arrives in one chunk is kept as it came; longer ones are gathered into
        // one buffer.
        let mut first: Option<bytes::Bytes> = None;
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    let held = first.as_ref().map_or(0, bytes::Bytes::len) + body.len();
                    if held + chunk.len() > max {
                        return Attempt::TooLarge(status);
                    }
                    match first.take() {
                        None if body.is_empty() => first = Some(chunk),
                        earlier => {
                            if let Some(earlier) = earlier {
                                // Grown as bytes arrive, never from the server's claimed length.
                                body.reserve(earlier.len() + chunk.len());
                                body.extend_from_slice(&earlier);
                            }
                            body.extend_from_slice(&chunk);
                        }
                    }
                }
                Ok(None) => break,
                Err(e) => return Attempt::Transport(e),
            }
        }
        let body = match first {
            Some(b) => b,
            None => body.into(),
        };
        let headers = std::mem::take(resp.headers_mut());
        Attempt::Done(Exchange { status, headers, body, streamed: None, attempts: attempt })
    }
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

    /// A documented success status with a text body (lossy UTF-8).
    #[doc(hidden)]
    pub fn success_text<H, E>(mut self, headers: H) -> Result<Response<String, H>, Error<E>> {
        let body = String::from_utf8(Vec::from(std::mem::take(&mut self.body)))
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok(self.response(body, headers))
    }

    /// A documented success status with a body handed over as bytes.
    #[doc(hidden)]
    pub fn success_bytes<H, E>(mut self, headers: H) -> Result<Response<bytes::Bytes, H>, Error<E>> {
        let body = std::mem::take(&mut self.body);
        Ok(self.response(body, headers))
    }

    /// A documented success status with a raw body, read as it arrives.
    #[doc(hidden)]
    pub fn success_stream<H, E>(mut self, headers: H) -> Result<Response<ByteStream, H>, Error<E>> {
        let body = match self.streamed.take().map(|s| *s) {
            Some((response, limit)) => ByteStream::from_response(response, limit),
            None => ByteStream::from_bytes(std::mem::take(&mut self.body), usize::MAX),
        };
        Ok(self.response(body, headers))
    }

    /// A documented success status without a body (any body sent is ignored).
    #[doc(hidden)]
    pub fn success_empty<H, E>(self, headers: H) -> Result<Response<(), H>, Error<E>> {
        Ok(self.response((), headers))
    }

    /// A documented error status with a JSON body, wrapped in the operation's error variant. A
    /// body that is not the documented JSON (an HTML page from a proxy) keeps the variant, with
    /// the text.
    #[doc(hidden)]
    pub fn failure<B: serde::de::DeserializeOwned, H, E, T>(
        self,
        headers: H,
        variant: impl FnOnce(Response<ErrorBody<B>, H>) -> E,
    ) -> Result<T, Error<E>> {
        let body = match self.json::<B, E>() {
            Ok(b) => ErrorBody::Parsed(b),
            Err(_) => ErrorBody::Unparsed(self.text(4096)),
        };
        let (attempts, retry_after) = (self.attempts, retry_after(&self.headers));
        Err(Error::Service { error: variant(self.response(body, headers)), attempts, retry_after })
    }

    /// A documented error status without a body.
    #[doc(hidden)]
    pub fn failure_empty<H, E, T>(self, headers: H, variant: impl FnOnce(Response<(), H>) -> E) -> Result<T, Error<E>> {
        let (attempts, retry_after) = (self.attempts, retry_after(&self.headers));
        Err(Error::Service { error: variant(self.response((), headers)), attempts, retry_after })
    }

    /// A status the operation does not document.
    #[doc(hidden)]
    pub fn unhandled_status<E, T>(self, variant: impl FnOnce(UnhandledResponse) -> E) -> Result<T, Error<E>> {
        let (attempts, retry_after) = (self.attempts, retry_after(&self.headers));
        Err(Error::Service { error: variant(self.unhandled()), attempts, retry_after })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{ApiInfo, ClientBuilder, GeneratedClient};
    use crate::config::RetryConfig;

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
    static POST: OperationInfo = OperationInfo {
        id: "Create",
        server: None,
        method: "POST",
        path_template: "/things",
        idempotent: false,
        security: None,
        follow_redirects: false,
    };

    struct TestClient(ApiClient);

    impl GeneratedClient for TestClient {
        const API: &'static ApiInfo = &API;
        fn from_api_client(client: ApiClient) -> Self {
            TestClient(client)
        }
    }

    fn fast_retry() -> RetryConfig {
        RetryConfig::standard()
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(2))
    }

    fn parts() -> RequestParts {
        RequestParts { path: "/things".into(), ..Default::default() }
    }

    #[tokio::test]
    async fn non_idempotent_requests_are_not_retried_unless_opted_in() {
        let (url, count) = counting_server(503).await;
        let TestClient(client) =
            ClientBuilder::<TestClient>::default().base_url(&url).retry(fast_retry()).build().unwrap();
        let ex = client.execute::<()>(&POST, parts(), RequestOptions::default()).await.unwrap();
        assert_eq!((ex.status.as_u16(), ex.attempts), (503, 1));
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);

        let opts = RequestOptions { retry: Some(fast_retry().with_retry_non_idempotent(true)), ..Default::default() };
        let ex = client.execute::<()>(&POST, parts(), opts).await.unwrap();
        assert_eq!((ex.status.as_u16(), ex.attempts), (503, 3));
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_streamed_body_is_sent_once_even_when_retries_are_allowed() {
        let (url, count) = counting_server(503).await;
        let TestClient(client) =
            ClientBuilder::<TestClient>::default().base_url(&url).retry(fast_retry()).build().unwrap();
        let mut form = crate::Multipart::new();
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from("data"))]);
        form.file("f", &crate::FilePart::stream(chunks));
        let parts = RequestParts { body: Some(form.finish("multipart/form-data")), ..parts() };
        let opts = RequestOptions { retry: Some(fast_retry().with_retry_non_idempotent(true)), ..Default::default() };
        let ex = client.execute::<()>(&POST, parts, opts).await.unwrap();
        assert_eq!((ex.status.as_u16(), ex.attempts), (503, 1));
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn per_call_connect_timeout_uses_one_extra_pool_per_value() {
        let (url, count) = counting_server(200).await;
        let TestClient(client) = ClientBuilder::<TestClient>::default().base_url(&url).build().unwrap();
        for _ in 0..3 {
            let opts = RequestOptions { connect_timeout: Some(Duration::from_millis(1500)), ..Default::default() };
            let ex = client.execute::<()>(&POST, parts(), opts).await.unwrap();
            assert_eq!(ex.status.as_u16(), 200);
        }
        // The client's own value needs no extra pool.
        let opts = RequestOptions { connect_timeout: Some(Duration::from_secs(10)), ..Default::default() };
        client.execute::<()>(&POST, parts(), opts).await.unwrap();
        assert_eq!(client.config().inner.pools.extra_pools(), 1);
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 4);
    }
}

#[cfg(test)]
mod oauth_tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::auth::{Requirement, SecurityScheme};
    use crate::client::{ApiInfo, ClientBuilder, GeneratedClient};
    use crate::credentials::Credentials;

    /// One server on 127.0.0.1 for both the token endpoint (`POST /token`) and the API: the
    /// API answers 200 to `Bearer tok-N` of the newest token and 401 otherwise.
    async fn server(expires_in: u64) -> (String, Arc<AtomicU32>, Arc<AtomicU32>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tokens, calls) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
        let (t, c) = (tokens.clone(), calls.clone());
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (t, c) = (t.clone(), c.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                            continue;
                        };
                        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                        let len: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length: "))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        while buf.len() < end + 4 + len {
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into_owned();
                        buf.drain(..end + 4 + len);
                        let (status, reply) = if head.starts_with("post /token") {
                            assert!(body.contains("grant_type=client_credentials"), "{body}");
                            assert!(body.contains("client_id=cid") && body.contains("client_secret=csecret"), "{body}");
                            // Slow enough that concurrent callers overlap.
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            let n = t.fetch_add(1, Ordering::SeqCst) + 1;
                            (
                                200,
                                format!(
                                    r#"{{"access_token": "tok-{n}", "token_type": "Bearer", "expires_in": {expires_in}}}"#
                                ),
                            )
                        } else {
                            c.fetch_add(1, Ordering::SeqCst);
                            let newest = t.load(Ordering::SeqCst);
                            if head.contains(&format!("authorization: bearer tok-{newest}\r"))
                                || head.ends_with(&format!("authorization: bearer tok-{newest}"))
                            {
                                (200, "{}".to_owned())
                            } else {
                                (401, "{}".to_owned())
                            }
                        };
                        let resp = format!("HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{reply}", reply.len());
                        if sock.write_all(resp.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (format!("http://{addr}"), tokens, calls)
    }

    static API: ApiInfo = ApiInfo { default_base_url: "http://127.0.0.1:9", product: "test", version: "0" };
    static OAUTH: SecurityScheme = SecurityScheme::OAuth2 { token_url: None };
    static GET: OperationInfo = OperationInfo {
        id: "Get",
        server: None,
        method: "GET",
        path_template: "/things",
        idempotent: true,
        security: Some(&[&[Requirement { scheme: &OAUTH, scopes: &[] }]]),
        follow_redirects: false,
    };

    struct TestClient(ApiClient);

    impl GeneratedClient for TestClient {
        const API: &'static ApiInfo = &API;
        fn from_api_client(client: ApiClient) -> Self {
            TestClient(client)
        }
    }

    fn client(url: &str) -> ApiClient {
        let provider = crate::auth::ClientCredentials::new("cid", "csecret").with_token_url(format!("{url}/token"));
        let TestClient(c) = ClientBuilder::<TestClient>::default()
            .base_url(url)
            .credentials(Credentials::token_provider(provider))
            .build()
            .unwrap();
        c
    }

    fn parts() -> RequestParts {
        RequestParts { path: "/things".into(), ..Default::default() }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_token_request_for_a_hundred_concurrent_calls() {
        let (url, tokens, calls) = server(3600).await;
        let c = client(&url);
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let c = c.clone();
                tokio::spawn(async move {
                    c.execute::<()>(&GET, parts(), RequestOptions::default()).await.map(|ex| ex.status)
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), StatusCode::OK);
        }
        assert_eq!(tokens.load(Ordering::SeqCst), 1, "one token request");
        assert_eq!(calls.load(Ordering::SeqCst), 100);
        // Cached: a later call fetches none.
        c.execute::<()>(&GET, parts(), RequestOptions::default()).await.unwrap();
        assert_eq!(tokens.load(Ordering::SeqCst), 1);
        // No secret in Debug output.
        let debug = format!("{c:?}");
        assert!(!debug.contains("csecret") && !debug.contains("tok-1"), "{debug}");
    }

    #[tokio::test]
    async fn a_token_near_expiry_is_replaced_and_a_rejected_one_refreshed_once() {
        // Valid for 30 s: inside the 30 s margin, so every call fetches a new one.
        let (url, tokens, _) = server(30).await;
        let c = client(&url);
        c.execute::<()>(&GET, parts(), RequestOptions::default()).await.unwrap();
        c.execute::<()>(&GET, parts(), RequestOptions::default()).await.unwrap();
        assert_eq!(tokens.load(Ordering::SeqCst), 2);

        // The server starts rejecting the cached token (another client got a newer one): one
        // refresh, then success.
        let (url, tokens, calls) = server(3600).await;
        let c = client(&url);
        c.execute::<()>(&GET, parts(), RequestOptions::default()).await.unwrap();
        tokens.fetch_add(1, Ordering::SeqCst); // tok-2 is now the only valid one…
        let ex = c.execute::<()>(&GET, parts(), RequestOptions::default()).await.unwrap();
        // …so the call got 401 with tok-1, fetched tok-3 (the server counts on) and sent again.
        assert_eq!(ex.status, StatusCode::OK);
        assert_eq!(tokens.load(Ordering::SeqCst), 3);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn token_endpoint_errors_are_auth_errors_without_secrets() {
        let c = {
            let provider =
                crate::auth::ClientCredentials::new("cid", "csecret").with_token_url("http://127.0.0.1:9/token");
            let TestClient(c) = ClientBuilder::<TestClient>::default()
                .base_url("http://127.0.0.1:9")
                .credentials(Credentials::token_provider(provider))
                .build()
                .unwrap();
            c
        };
        let err = c.execute::<()>(&GET, parts(), RequestOptions::default()).await.unwrap_err();
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
        let text = format!("{err:?}");
        assert!(!text.contains("csecret"), "{text}");
    }
}
