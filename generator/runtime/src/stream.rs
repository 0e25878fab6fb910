//! Response bodies read as they arrive (`send_streaming` on operations with a raw body).

use std::fmt;

use bytes::Bytes;
use futures_util::stream::Stream;

/// A success response body read chunk by chunk, still within the size limit: the config's
/// `max_response_bytes`, or the call's (`.max_response_bytes(n)` on the request; `usize::MAX`
/// lifts it).
///
/// Reading the body is not covered by the call's attempt or total timeouts (they end when
/// the headers arrive); the connection's own timeouts still apply.
pub struct ByteStream {
    source: Source,
    received: usize,
    limit: usize,
}

enum Source {
    Response(reqwest::Response),
    Buffered(Option<Bytes>),
}

impl ByteStream {
    pub(crate) fn from_response(response: reqwest::Response, limit: usize) -> Self {
        ByteStream { source: Source::Response(response), received: 0, limit }
    }

    pub(crate) fn from_bytes(bytes: Bytes, limit: usize) -> Self {
        ByteStream { source: Source::Buffered(Some(bytes)), received: 0, limit }
    }

    /// The length the server announced (`Content-Length`), if any.
    pub fn content_length(&self) -> Option<u64> {
        match &self.source {
            Source::Response(r) => r.content_length(),
            Source::Buffered(b) => b.as_ref().map(|b| b.len() as u64),
        }
    }

    /// The next chunk, or `None` at the end of the body.
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, StreamError>> {
        let chunk = match &mut self.source {
            Source::Response(r) => match r.chunk().await {
                Ok(c) => c?,
                Err(e) => return Some(Err(StreamError::Transport(e))),
            },
            Source::Buffered(b) => b.take()?,
        };
        self.received = self.received.saturating_add(chunk.len());
        if self.received > self.limit {
            // Nothing more is read.
            self.source = Source::Buffered(None);
            return Some(Err(StreamError::TooLarge { limit: self.limit }));
        }
        Some(Ok(chunk))
    }

    /// The rest of the body in one buffer.
    pub async fn collect_bytes(mut self) -> Result<Bytes, StreamError> {
        let mut out = Vec::new();
        while let Some(chunk) = self.next_chunk().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out.into())
    }

    /// The body as a [`Stream`] of chunks (for `StreamExt`, `tokio_util::io::StreamReader`, …).
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, StreamError>> + Send + 'static {
        futures_util::stream::unfold(self, |mut s| async move { s.next_chunk().await.map(|c| (c, s)) })
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("content_length", &self.content_length())
            .field("received", &self.received)
            .field("limit", &self.limit)
            .finish()
    }
}

/// Why reading a [`ByteStream`] stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamError {
    /// The connection failed or closed before the body ended.
    Transport(reqwest::Error),
    /// The body grew beyond the limit.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Transport(e) => write!(f, "reading the response body failed: {e}"),
            StreamError::TooLarge { limit } => write!(f, "the response body is larger than {limit} bytes"),
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Transport(e) => Some(e),
            StreamError::TooLarge { .. } => None,
        }
    }
}
