//! Typed responses and the error envelope of every call.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

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

/// The body of a documented error response: the documented type, or, when the body is not
/// that (an HTML page from a proxy, an empty body), its text.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorBody<B> {
    /// The documented body.
    Parsed(B),
    /// Something else, as text (lossy UTF-8, at most 4 KiB).
    Unparsed(String),
}

impl<B> ErrorBody<B> {
    /// The documented body, if it was one.
    pub fn parsed(&self) -> Option<&B> {
        match self {
            ErrorBody::Parsed(b) => Some(b),
            ErrorBody::Unparsed(_) => None,
        }
    }

    /// The documented body, by value.
    pub fn into_parsed(self) -> Option<B> {
        match self {
            ErrorBody::Parsed(b) => Some(b),
            ErrorBody::Unparsed(_) => None,
        }
    }

    /// The text of a body that was not the documented one.
    pub fn unparsed(&self) -> Option<&str> {
        match self {
            ErrorBody::Parsed(_) => None,
            ErrorBody::Unparsed(t) => Some(t),
        }
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

/// A value that fails its schema's constraints: where (a byte offset, for patterns) and what
/// was expected there. Small and allocation-free for patterns, so rejecting a value costs about
/// what accepting it does.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidationError {
    type_name: &'static str,
    offset: Option<usize>,
    expected: Cow<'static, str>,
}

impl ValidationError {
    #[doc(hidden)]
    pub fn new(type_name: &'static str, offset: Option<usize>, expected: impl Into<Cow<'static, str>>) -> Self {
        ValidationError { type_name, offset, expected: expected.into() }
    }

    /// Name of the type (or parameter) that rejected the value.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// Byte offset of the first offending byte, when a pattern was violated.
    pub fn offset(&self) -> Option<usize> {
        self.offset
    }

    /// What was expected there.
    pub fn expected(&self) -> &str {
        &self.expected
    }
}

impl fmt::Debug for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The rejected value itself is never shown: it may be sensitive.
        f.debug_struct("ValidationError")
            .field("type_name", &self.type_name)
            .field("offset", &self.offset())
            .field("expected", &self.expected())
            .finish()
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset() {
            Some(o) => write!(f, "invalid {}: expected {} at byte offset {o}", self.type_name, self.expected()),
            None => write!(f, "invalid {}: {}", self.type_name, self.expected()),
        }
    }
}

impl std::error::Error for ValidationError {}

/// A value a validated string type's `validate` rejected. It borrows the value and, for a
/// pattern, works out where the value goes wrong and what was expected there only when asked
/// ([`offset`], [`expected`], `Display`), so rejecting a value costs what accepting it does.
/// [`ValidationError::from`] (or `?` into a `ValidationError` or an [`Error`]) keeps the
/// answer without the borrow. It is three words: the value and a pointer to a static that
/// says why, so `Result<(), InvalidValue>` is three words too. Each read of the offset or the
/// expected text (and `Display`, `Debug`, `==`) runs the pattern's cold pass again; keep a
/// [`ValidationError`] to read them more than once cheaply.
///
/// [`offset`]: InvalidValue::offset
/// [`expected`]: InvalidValue::expected
#[derive(Clone, Copy)]
pub struct InvalidValue<'a> {
    value: &'a str,
    why: &'static Locate,
}

/// Why a type rejects a value: its name, and the offset and expected text or the function that
/// works them out. Generated types keep one per way of failing as an associated constant.
#[doc(hidden)]
pub struct Locate {
    type_name: &'static str,
    how: How,
}

/// A compiled automaton: `Err((offset, expected))` for a value it rejects.
type CheckFn = fn(&[u8]) -> Result<(), (usize, &'static str)>;

/// How a [`Locate`] answers.
#[derive(Clone, Copy)]
enum How {
    /// Known when the code was generated: a length limit (no offset), or an unanchored
    /// pattern that matches nowhere (offset 0).
    Fixed { offset: Option<usize>, expected: &'static str },
    /// A linear pattern's cold `locate`, for a value the pattern rejects.
    Locate(fn(&str) -> (usize, &'static str)),
    /// A compiled automaton's `check`, run again.
    Check(CheckFn),
}

impl Locate {
    /// A pattern's `locate`: the offset and expected text for a value the pattern rejects.
    #[doc(hidden)]
    pub const fn new(type_name: &'static str, locate: fn(&str) -> (usize, &'static str)) -> Self {
        Locate { type_name, how: How::Locate(locate) }
    }

    /// An answer known in advance: an offset (`None` for a length limit) and what was
    /// expected there.
    #[doc(hidden)]
    pub const fn fixed(type_name: &'static str, offset: Option<usize>, expected: &'static str) -> Self {
        Locate { type_name, how: How::Fixed { offset, expected } }
    }

    /// An unanchored pattern's: it matches nowhere in the value.
    #[doc(hidden)]
    pub const fn search(type_name: &'static str) -> Self {
        Self::fixed(type_name, Some(0), "a match of the pattern somewhere in the value")
    }

    /// An automaton's `check`, which answers with the offset and expected text itself.
    #[doc(hidden)]
    pub const fn check(type_name: &'static str, check: CheckFn) -> Self {
        Locate { type_name, how: How::Check(check) }
    }
}

impl<'a> InvalidValue<'a> {
    /// A value rejected for the reason `why` gives (worked out only when asked).
    #[doc(hidden)]
    #[inline]
    pub fn new(value: &'a str, why: &'static Locate) -> Self {
        InvalidValue { value, why }
    }

    /// Name of the type that rejected the value.
    pub fn type_name(&self) -> &'static str {
        self.why.type_name
    }

    /// Byte offset of the first offending byte, when a pattern was violated (`None` for a
    /// length limit).
    pub fn offset(&self) -> Option<usize> {
        self.answer().0
    }

    /// What was expected there.
    pub fn expected(&self) -> &'static str {
        self.answer().1
    }

    /// The offset and expected text, worked out now when they were not known in advance.
    fn answer(&self) -> (Option<usize>, &'static str) {
        match self.why.how {
            How::Fixed { offset, expected } => (offset, expected),
            How::Locate(locate) => {
                let (offset, expected) = locate(self.value);
                (Some(offset), expected)
            }
            How::Check(check) => match check(self.value.as_bytes()) {
                Err((offset, expected)) => (Some(offset), expected),
                // Unreachable from generated code, which builds these only for values `check`
                // rejected; a value it accepts has no offset to report.
                Ok(()) => (None, "a value the pattern rejects (this one matches it)"),
            },
        }
    }
}

impl From<InvalidValue<'_>> for ValidationError {
    fn from(e: InvalidValue<'_>) -> Self {
        let (offset, expected) = e.answer();
        ValidationError::new(e.type_name(), offset, expected)
    }
}

impl<E> From<InvalidValue<'_>> for Error<E> {
    fn from(e: InvalidValue<'_>) -> Self {
        ValidationError::from(e).into()
    }
}

impl PartialEq for InvalidValue<'_> {
    fn eq(&self, other: &Self) -> bool {
        ValidationError::from(*self) == ValidationError::from(*other)
    }
}

impl fmt::Debug for InvalidValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Shown as the error it stands for; the rejected value itself is never shown.
        fmt::Debug::fmt(&ValidationError::from(*self), f)
    }
}

impl fmt::Display for InvalidValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&ValidationError::from(*self), f)
    }
}

impl std::error::Error for InvalidValue<'_> {}

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
    /// No credentials could be had for the request (an OAuth 2.0 token endpoint failed).
    Auth {
        /// Why.
        source: crate::auth::AuthError,
        /// Attempts made.
        attempts: u32,
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
        /// How long the service asked to wait before trying again (`Retry-After`), when it
        /// did; a wait longer than the retry policy's `max_retry_after` ends the call at once
        /// with this error.
        retry_after: Option<Duration>,
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

/// An invalid argument: the request is not sent (generated code checks arguments with `?`).
impl<E> From<ValidationError> for Error<E> {
    fn from(source: ValidationError) -> Self {
        Error::InvalidRequest { source }
    }
}

impl<E> Error<E> {
    /// Attempts made (0 when the request was never sent).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::InvalidRequest { .. } => 0,
            Error::Auth { attempts, .. }
            | Error::Transport { attempts, .. }
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

    /// How long the service asked to wait before trying again, when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Service { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether the request may have reached the server.
    pub fn may_have_been_sent(&self) -> bool {
        !matches!(self, Error::InvalidRequest { .. })
    }

    /// The same error with the service error mapped (attempt counts and sources kept).
    pub fn map_service<F>(self, f: impl FnOnce(E) -> F) -> Error<F> {
        match self {
            Error::InvalidRequest { source } => Error::InvalidRequest { source },
            Error::Auth { source, attempts } => Error::Auth { source, attempts },
            Error::Transport { source, attempts } => Error::Transport { source, attempts },
            Error::Timeout { kind, elapsed, attempts } => Error::Timeout { kind, elapsed, attempts },
            Error::Service { error, attempts, retry_after } => {
                Error::Service { error: f(error), attempts, retry_after }
            }
            Error::Decode { status, body, source, attempts } => Error::Decode { status, body, source, attempts },
            Error::ResponseTooLarge { status, limit, attempts } => Error::ResponseTooLarge { status, limit, attempts },
        }
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `error`, then each cause that adds something (reqwest's own message names only the URL;
/// the cause says "connection refused").
fn with_causes(f: &mut fmt::Formatter<'_>, error: &(dyn std::error::Error + 'static)) -> fmt::Result {
    let mut shown = error.to_string();
    f.write_str(&shown)?;
    let mut cause = error.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !text.is_empty() && !shown.contains(&text) {
            write!(f, ": {text}")?;
            shown = text;
        }
        cause = c.source();
    }
    Ok(())
}

impl<E: fmt::Display> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest { source } => write!(f, "request not sent: {source}"),
            Error::Auth { source, .. } => {
                f.write_str("no credentials for the request: ")?;
                with_causes(f, source)
            }
            Error::Transport { source, attempts } => {
                write!(f, "transport error after {attempts} attempt{}: ", plural(*attempts))?;
                with_causes(f, source)
            }
            Error::Timeout { kind, elapsed, attempts } => {
                let k = match kind {
                    TimeoutKind::Attempt => "per-attempt timeout",
                    TimeoutKind::Total => "overall deadline",
                };
                write!(f, "{k} exceeded after {attempts} attempt{} ({elapsed:?})", plural(*attempts))
            }
            Error::Service { error, attempts, retry_after } => {
                write!(f, "{error} (after {attempts} attempt{}", plural(*attempts))?;
                if let Some(d) = retry_after {
                    write!(f, "; retry after {}s", d.as_secs())?;
                }
                f.write_str(")")
            }
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
            Error::Auth { source, .. } => Some(source),
            Error::Transport { source, .. } => Some(source),
            Error::Decode { source, .. } => Some(source),
            _ => None,
        }
    }
}
