//! Operation waiters: send a request that starts a long-running operation, then poll the
//! operation's status until it ends.
//!
//! The generator emits `.wait()` / `.wait_with(options)` on every request whose success
//! response declares the operation header of a waiter (the spec's `x-waiter`); the status
//! operation, the header, and which states mean success or failure come from there.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use tokio::time::Instant;

use crate::error::{Error, Response};
use crate::execute::retry_after;

/// A response's status and headers, whatever its body: implemented by [`Response`] and by the
/// generated enums of operations with several success responses.
pub trait HttpResponse {
    /// The HTTP status.
    fn status(&self) -> StatusCode;
    /// Every header as received.
    fn raw_headers(&self) -> &HeaderMap;
}

impl<B, H> HttpResponse for Response<B, H> {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn raw_headers(&self) -> &HeaderMap {
        &self.raw_headers
    }
}

/// A waiter, as the spec declares it (generated once per status operation).
#[doc(hidden)]
pub struct Waiter<S: 'static> {
    /// The status operation's `operationId`, for messages.
    pub operation: &'static str,
    /// The response header (lower case) that names the operation to wait for.
    pub header: &'static str,
    /// States that end the wait successfully.
    pub success: &'static [&'static str],
    /// States that end it with [`WaitError::Failed`].
    pub failure: &'static [&'static str],
    /// The status property that says why an operation failed.
    pub error: Option<&'static str>,
    /// The state a status reports.
    pub state: fn(&S) -> Option<&str>,
}

/// How long and how often a `.wait()` polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitOptions {
    /// The whole wait, the first request included (default 10 minutes).
    pub timeout: Duration,
    /// The first delay between polls when the server sends no `Retry-After` (default 1 s);
    /// it doubles after each poll up to [`max_delay`](Self::max_delay).
    pub initial_delay: Duration,
    /// The longest delay between polls without `Retry-After` (default 30 s).
    pub max_delay: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(600),
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl WaitOptions {
    /// Give up after `timeout` (the first request included).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Poll after `initial`, then twice as long each time up to `max`, when the server sends
    /// no `Retry-After`.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_delay = initial;
        self.max_delay = max.max(initial);
        self
    }

    fn delay(&self, polls: u32) -> Duration {
        let factor = 1u32.checked_shl(polls.min(16)).unwrap_or(u32::MAX);
        self.initial_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Why waiting for an operation did not end with its success.
///
/// `E` is the error of the request that starts the operation, `P` that of the status
/// operation, `S` the status it reports.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError<E, P, S> {
    /// The request that starts the operation failed.
    Request(Error<E>),
    /// It succeeded, but its response names no operation (no operation header).
    NoOperation {
        /// The response's status.
        status: StatusCode,
        /// The header that was expected.
        header: &'static str,
    },
    /// Asking for the operation's status failed.
    Poll {
        /// The operation.
        operation_id: String,
        /// The status request's error.
        error: Error<P>,
    },
    /// The operation ended without success (for instance `FAILED` or `CANCELLED`).
    Failed {
        /// The operation.
        operation_id: String,
        /// The state it ended in.
        state: String,
        /// Why, as the status reports it (its error property, as JSON).
        detail: Option<String>,
        /// The final status.
        status: Box<S>,
    },
    /// The deadline passed before the operation ended.
    TimedOut {
        /// The operation.
        operation_id: String,
        /// How long the wait lasted.
        waited: Duration,
        /// The last status seen, if any poll answered.
        last: Option<Box<S>>,
    },
}

impl<E: fmt::Display, P: fmt::Display, S> fmt::Display for WaitError<E, P, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Request(e) => write!(f, "the request failed: {e}"),
            WaitError::NoOperation { status, header } => {
                write!(f, "the {status} response names no operation to wait for (no `{header}` header)")
            }
            WaitError::Poll { operation_id, error } => {
                write!(f, "asking for the status of operation {operation_id} failed: {error}")
            }
            WaitError::Failed { operation_id, state, detail, .. } => {
                write!(f, "operation {operation_id} ended {state}")?;
                match detail {
                    Some(d) => write!(f, ": {d}"),
                    None => Ok(()),
                }
            }
            WaitError::TimedOut { operation_id, waited, last } => {
                write!(f, "operation {operation_id} had not ended after {:.1} s", waited.as_secs_f64())?;
                if last.is_none() {
                    f.write_str(" (no status received)")?;
                }
                Ok(())
            }
        }
    }
}

impl<E, P, S> std::error::Error for WaitError<E, P, S>
where
    E: fmt::Debug + fmt::Display + 'static,
    P: fmt::Debug + fmt::Display + 'static,
    S: fmt::Debug,
{
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Request(e) => Some(e),
            WaitError::Poll { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl<E, P, S> WaitError<E, P, S> {
    /// The final or last status, when one was received.
    pub fn status(&self) -> Option<&S> {
        match self {
            WaitError::Failed { status, .. } => Some(status),
            WaitError::TimedOut { last, .. } => last.as_deref(),
            _ => None,
        }
    }
}

/// Send with `send`, then poll with `poll` (given the operation's ID) until the operation's
/// state is one of `waiter`'s success or failure states, or `options.timeout` passes.
///
/// Before the first poll it sleeps for the first response's `Retry-After`; before each next
/// poll, for the last status response's `Retry-After`; without one, for a delay that doubles
/// from `options.initial_delay` up to `options.max_delay`. A sleep that would end past the
/// deadline ends the wait at once with [`WaitError::TimedOut`].
#[doc(hidden)]
pub async fn wait<R, E, S, H, P, Fut>(
    send: impl Future<Output = Result<R, Error<E>>>,
    poll: impl Fn(String) -> Fut,
    options: WaitOptions,
    waiter: &'static Waiter<S>,
) -> Result<S, WaitError<E, P, S>>
where
    R: HttpResponse,
    S: serde::Serialize,
    Fut: Future<Output = Result<Response<S, H>, Error<P>>>,
{
    let start = Instant::now();
    let deadline = start + options.timeout;
    let first = send.await.map_err(WaitError::Request)?;
    let Some(operation_id) = first
        .raw_headers()
        .get(waiter.header)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
    else {
        return Err(WaitError::NoOperation { status: first.status(), header: waiter.header });
    };
    let mut delay = retry_after(first.raw_headers()).unwrap_or(options.initial_delay);
    let mut last: Option<Box<S>> = None;
    let mut polls = 0u32;
    loop {
        if Instant::now() + delay > deadline {
            return Err(WaitError::TimedOut { operation_id, waited: start.elapsed(), last });
        }
        tokio::time::sleep(delay).await;
        polls += 1;
        let response = poll(operation_id.clone())
            .await
            .map_err(|error| WaitError::Poll { operation_id: operation_id.clone(), error })?;
        delay = retry_after(&response.raw_headers).unwrap_or_else(|| options.delay(polls));
        let status = response.body;
        let state = (waiter.state)(&status).map(str::to_owned);
        tracing::debug!(
            operation = waiter.operation,
            operation_id,
            state = state.as_deref(),
            polls,
            "operation status"
        );
        match state.as_deref() {
            Some(s) if waiter.success.contains(&s) => return Ok(status),
            Some(s) if waiter.failure.contains(&s) => {
                let detail = waiter.error.and_then(|prop| {
                    let v = serde_json::to_value(&status).ok()?;
                    v.get(prop).filter(|e| !e.is_null()).map(|e| e.to_string())
                });
                return Err(WaitError::Failed { operation_id, state: s.to_owned(), detail, status: Box::new(status) });
            }
            _ => last = Some(Box::new(status)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let o = WaitOptions::default().backoff(Duration::from_millis(100), Duration::from_millis(350));
        let d: Vec<u128> = (0..5).map(|i| o.delay(i).as_millis()).collect();
        assert_eq!(d, [100, 200, 350, 350, 350]);
        assert_eq!(WaitOptions::default().delay(40), Duration::from_secs(30));
    }
}
