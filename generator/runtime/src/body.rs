//! Request bodies other than JSON: form, text, raw bytes, and multipart with file parts.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::stream::{BoxStream, Stream, StreamExt};
use serde::Serialize;

use crate::ValidationError;

/// An encoded request body and its content type.
#[doc(hidden)]
pub type EncodedBody = (RequestBody, Cow<'static, str>);

/// The bytes of a request body: in memory (what a retry sends again), or a stream (a body with
/// a file part read from a stream; sent once, so such a call is not retried).
#[doc(hidden)]
#[derive(Debug, Clone)]
pub enum RequestBody {
    /// The whole body.
    Buffered(Vec<u8>),
    /// Chunks as they come.
    Streamed(SharedStream),
}

impl From<Vec<u8>> for RequestBody {
    fn from(bytes: Vec<u8>) -> Self {
        RequestBody::Buffered(bytes)
    }
}

/// The error a body stream may end with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

type ChunkStream = BoxStream<'static, Result<Bytes, BoxError>>;

/// A stream of chunks that can be taken once; clones share it (a request builder holding one
/// stays `Clone`, and sending a clone a second time fails instead of sending a partial body).
#[doc(hidden)]
#[derive(Clone)]
pub struct SharedStream(Arc<Mutex<Option<ChunkStream>>>);

impl SharedStream {
    fn new(stream: ChunkStream) -> Self {
        SharedStream(Arc::new(Mutex::new(Some(stream))))
    }

    /// The stream, or one that fails if it was already taken.
    fn take(&self) -> ChunkStream {
        let taken = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        taken.unwrap_or_else(|| {
            futures_util::stream::once(async { Err::<Bytes, BoxError>("a streamed body can be sent only once".into()) })
                .boxed()
        })
    }

    /// The stream as a request body.
    pub(crate) fn into_body(self) -> reqwest::Body {
        reqwest::Body::wrap_stream(self.take())
    }
}

impl fmt::Debug for SharedStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedStream")
    }
}

impl PartialEq for SharedStream {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for SharedStream {}

fn body_error(e: impl fmt::Display) -> ValidationError {
    ValidationError::new("request body", None, e.to_string())
}

/// Serialize a JSON request body.
#[doc(hidden)]
pub fn json_body<T: Serialize>(body: &T, content_type: &'static str) -> Result<EncodedBody, ValidationError> {
    let bytes = serde_json::to_vec(body).map_err(body_error)?;
    Ok((bytes.into(), Cow::Borrowed(content_type)))
}

/// Serialize an `application/x-www-form-urlencoded` request body.
#[doc(hidden)]
pub fn form_body<T: Serialize>(body: &T, content_type: &'static str) -> Result<EncodedBody, ValidationError> {
    let text = serde_urlencoded::to_string(body).map_err(body_error)?;
    Ok((text.into_bytes().into(), Cow::Borrowed(content_type)))
}

/// A `text/*` request body.
#[doc(hidden)]
pub fn text_body(body: String, content_type: &'static str) -> Result<EncodedBody, ValidationError> {
    Ok((body.into_bytes().into(), Cow::Borrowed(content_type)))
}

/// A raw request body (`application/octet-stream`, `image/png`, …).
#[doc(hidden)]
pub fn bytes_body(body: Bytes, content_type: &'static str) -> Result<EncodedBody, ValidationError> {
    Ok((Vec::from(body).into(), Cow::Borrowed(content_type)))
}

/// A `multipart/*` request body: `parts` adds the parts to the form.
#[doc(hidden)]
pub fn multipart_body(
    content_type: &'static str,
    parts: impl FnOnce(&mut Multipart) -> Result<(), ValidationError>,
) -> Result<EncodedBody, ValidationError> {
    let mut form = Multipart::new();
    parts(&mut form)?;
    Ok(form.finish(content_type))
}

/// A file to upload as one part of a multipart request: its bytes (or a stream of them), and
/// optionally the file name and content type the part announces.
///
/// ```
/// use apigen_runtime::FilePart;
/// let photo = FilePart::new(std::fs::read("Cargo.toml").unwrap())
///     .file_name("Cargo.toml")
///     .content_type("text/plain");
/// assert_eq!(photo.file_name_str(), Some("Cargo.toml"));
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct FilePart {
    content: FileContent,
    file_name: Option<String>,
    content_type: Option<String>,
}

#[derive(Clone, PartialEq, Eq)]
enum FileContent {
    Bytes(Bytes),
    Stream(SharedStream),
}

impl Default for FileContent {
    fn default() -> Self {
        FileContent::Bytes(Bytes::new())
    }
}

impl FilePart {
    /// A part with these bytes (`Vec<u8>`, `&'static [u8]`, `Bytes`, `String` …).
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        FilePart { content: FileContent::Bytes(bytes.into()), file_name: None, content_type: None }
    }

    /// A part whose bytes come from a stream (a file read in chunks, a download passed on),
    /// sent as it is read, without holding the file in memory.
    ///
    /// The request body is then a stream too: it is sent with chunked encoding, and the call is
    /// not retried (the stream cannot be read twice). A request holding it can be cloned, but
    /// only one send reads the stream; another fails with a transport error.
    ///
    /// ```
    /// use apigen_runtime::{Bytes, FilePart};
    /// let chunks = vec![Ok::<_, std::io::Error>(Bytes::from("a,b\n")), Ok(Bytes::from("1,2\n"))];
    /// let part = FilePart::stream(futures_util::stream::iter(chunks)).file_name("data.csv");
    /// assert!(part.bytes().is_none());
    /// ```
    pub fn stream<S, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        let stream = stream.map(|chunk| chunk.map_err(Into::into)).boxed();
        FilePart { content: FileContent::Stream(SharedStream::new(stream)), file_name: None, content_type: None }
    }

    /// The file name the part announces (`filename="…"`).
    #[must_use]
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// The part's content type (default `application/octet-stream`).
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The bytes (`None` for a part made with [`FilePart::stream`]).
    pub fn bytes(&self) -> Option<&Bytes> {
        match &self.content {
            FileContent::Bytes(b) => Some(b),
            FileContent::Stream(_) => None,
        }
    }

    /// The file name, if one was set.
    pub fn file_name_str(&self) -> Option<&str> {
        self.file_name.as_deref()
    }
}

impl fmt::Debug for FilePart {
    /// The size, not the contents.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("FilePart");
        match &self.content {
            FileContent::Bytes(b) => d.field("len", &b.len()),
            FileContent::Stream(_) => d.field("len", &format_args!("streamed")),
        };
        d.field("file_name", &self.file_name).field("content_type", &self.content_type).finish()
    }
}

impl<T: Into<Bytes>> From<T> for FilePart {
    fn from(bytes: T) -> Self {
        FilePart::new(bytes)
    }
}

/// Inside JSON a file is its bytes (`format: binary` outside a multipart body is rare).
impl Serialize for FilePart {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.content {
            FileContent::Bytes(b) => s.serialize_bytes(b),
            FileContent::Stream(_) => {
                Err(serde::ser::Error::custom("a streamed file can only be sent as a part of a multipart body"))
            }
        }
    }
}

impl<'de> serde::Deserialize<'de> for FilePart {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = FilePart;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or bytes")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FilePart, E> {
                Ok(FilePart::new(v.to_owned()))
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<FilePart, E> {
                Ok(FilePart::new(v.to_vec()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<FilePart, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(FilePart::new(out))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// A `multipart/form-data` body being built (RFC 7578).
#[doc(hidden)]
#[derive(Debug)]
pub struct Multipart {
    boundary: String,
    buf: Vec<u8>,
    /// What comes before `buf` when the form has streamed parts.
    segments: Vec<Segment>,
}

#[derive(Debug)]
enum Segment {
    Bytes(Vec<u8>),
    Stream(SharedStream),
}

impl Default for Multipart {
    fn default() -> Self {
        Self::new()
    }
}

impl Multipart {
    /// An empty form with a fresh boundary.
    pub fn new() -> Self {
        use std::hash::{BuildHasher, Hasher};
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        // Random per process (std's hasher keys), distinct per form: the chance that a part
        // contains it is negligible.
        let state = std::collections::hash_map::RandomState::new();
        let mut words = [0u64; 2];
        for (i, w) in words.iter_mut().enumerate() {
            let mut h = state.build_hasher();
            h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
            h.write_usize(i);
            *w = h.finish();
        }
        Multipart {
            boundary: format!("apigen-{:016x}{:016x}", words[0], words[1]),
            buf: Vec::new(),
            segments: Vec::new(),
        }
    }

    fn head(&mut self, name: &str, file_name: Option<&str>, content_type: Option<&str>) {
        self.buf.extend_from_slice(b"--");
        self.buf.extend_from_slice(self.boundary.as_bytes());
        self.buf.extend_from_slice(b"\r\ncontent-disposition: form-data; name=\"");
        self.buf.extend_from_slice(quoted(name).as_bytes());
        self.buf.push(b'"');
        if let Some(f) = file_name {
            self.buf.extend_from_slice(b"; filename=\"");
            self.buf.extend_from_slice(quoted(f).as_bytes());
            self.buf.push(b'"');
        }
        self.buf.extend_from_slice(b"\r\n");
        if let Some(ct) = content_type {
            self.buf.extend_from_slice(b"content-type: ");
            self.buf.extend_from_slice(ct.replace(['\r', '\n'], " ").as_bytes());
            self.buf.extend_from_slice(b"\r\n");
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A text part.
    pub fn text(&mut self, name: &str, value: &str) {
        self.head(name, None, None);
        self.buf.extend_from_slice(value.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A file part.
    pub fn file(&mut self, name: &str, file: &FilePart) {
        let ct = file.content_type.as_deref().unwrap_or("application/octet-stream");
        // A file part always names a file (some servers only treat such parts as uploads).
        self.head(name, Some(file.file_name.as_deref().unwrap_or(name)), Some(ct));
        match &file.content {
            FileContent::Bytes(b) => self.buf.extend_from_slice(b),
            FileContent::Stream(s) => {
                self.segments.push(Segment::Bytes(std::mem::take(&mut self.buf)));
                self.segments.push(Segment::Stream(s.clone()));
            }
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A property: nothing when absent or null, its text for strings, numbers and booleans, one
    /// part per item for arrays, JSON (`application/json`) for objects.
    pub fn value<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), ValidationError> {
        let v = serde_json::to_value(value).map_err(body_error)?;
        self.json_value(name, &v);
        Ok(())
    }

    fn json_value(&mut self, name: &str, v: &serde_json::Value) {
        use serde_json::Value;
        match v {
            Value::Null => {}
            Value::String(s) => self.text(name, s),
            Value::Bool(_) | Value::Number(_) => self.text(name, &v.to_string()),
            Value::Array(items) => {
                for item in items {
                    if let Value::Array(_) = item {
                        self.json_part(name, item);
                    } else {
                        self.json_value(name, item);
                    }
                }
            }
            Value::Object(_) => self.json_part(name, v),
        }
    }

    fn json_part(&mut self, name: &str, v: &serde_json::Value) {
        self.head(name, None, Some("application/json"));
        self.buf.extend_from_slice(v.to_string().as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// Every top-level property of `value` (an object) as a part.
    pub fn fields<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValidationError> {
        match serde_json::to_value(value).map_err(body_error)? {
            serde_json::Value::Object(map) => {
                for (k, v) in &map {
                    self.json_value(k, v);
                }
                Ok(())
            }
            serde_json::Value::Null => Ok(()),
            _ => Err(ValidationError::new("request body", None, "an object (one part per property)")),
        }
    }

    /// The body, and its content type with the boundary.
    pub fn finish(mut self, content_type: &str) -> EncodedBody {
        self.buf.extend_from_slice(b"--");
        self.buf.extend_from_slice(self.boundary.as_bytes());
        self.buf.extend_from_slice(b"--\r\n");
        let media = content_type.split(';').next().unwrap_or(content_type).trim();
        let content_type = Cow::Owned(format!("{media}; boundary={}", self.boundary));
        if self.segments.is_empty() {
            return (RequestBody::Buffered(self.buf), content_type);
        }
        self.segments.push(Segment::Bytes(self.buf));
        // Each file stream is taken when the body reaches it.
        let chunks = futures_util::stream::iter(self.segments).flat_map(|segment| match segment {
            Segment::Bytes(b) => futures_util::stream::once(async move { Ok(Bytes::from(b)) }).boxed(),
            Segment::Stream(s) => s.take(),
        });
        (RequestBody::Streamed(SharedStream::new(chunks.boxed())), content_type)
    }
}

/// A name or file name inside a quoted header parameter: quotes and line breaks escaped as
/// HTML form submission does (RFC 7578 §4.2).
fn quoted(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| matches!(b, b'"' | b'\r' | b'\n')) {
        Cow::Owned(s.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A"))
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_parts_are_framed() {
        let mut form = Multipart::new();
        let boundary = form.boundary.clone();
        form.value("name", "Rex").unwrap();
        form.value("age", &3).unwrap();
        form.value("tags", &["a", "b"]).unwrap();
        form.value("missing", &None::<String>).unwrap();
        form.value("meta", &serde_json::json!({"k": 1})).unwrap();
        form.file("photo", &FilePart::new(&b"\x89PNG"[..]).file_name("a\"b.png").content_type("image/png"));
        let (RequestBody::Buffered(body), ct) = form.finish("multipart/form-data") else { panic!("buffered") };
        assert_eq!(ct, format!("multipart/form-data; boundary={boundary}"));
        let text = String::from_utf8_lossy(&body);
        let b = format!("--{boundary}\r\n");
        let expected = [
            format!("{b}content-disposition: form-data; name=\"name\"\r\n\r\nRex\r\n"),
            format!("{b}content-disposition: form-data; name=\"age\"\r\n\r\n3\r\n"),
            format!("{b}content-disposition: form-data; name=\"tags\"\r\n\r\na\r\n"),
            format!("{b}content-disposition: form-data; name=\"tags\"\r\n\r\nb\r\n"),
            format!("{b}content-disposition: form-data; name=\"meta\"\r\ncontent-type: application/json\r\n\r\n{{\"k\":1}}\r\n"),
            format!(
                "{b}content-disposition: form-data; name=\"photo\"; filename=\"a%22b.png\"\r\ncontent-type: image/png\r\n\r\n\u{fffd}PNG\r\n"
            ),
            format!("--{boundary}--\r\n"),
        ]
        .concat();
        assert_eq!(text, expected);
    }

    #[tokio::test]
    async fn streamed_file_parts_are_read_in_place_and_once() {
        use futures_util::TryStreamExt;
        let mut form = Multipart::new();
        let boundary = form.boundary.clone();
        form.text("name", "Rex");
        let chunks = vec![Ok::<_, std::io::Error>(Bytes::from("ab")), Ok(Bytes::from("cd"))];
        let part = FilePart::stream(futures_util::stream::iter(chunks)).file_name("f.bin");
        assert_eq!(format!("{part:?}"), "FilePart { len: streamed, file_name: Some(\"f.bin\"), content_type: None }");
        form.file("file", &part);
        form.text("after", "1");
        let (RequestBody::Streamed(stream), _) = form.finish("multipart/form-data") else { panic!("streamed") };
        let body: Vec<u8> = stream.take().map_ok(|b| b.to_vec()).try_concat().await.unwrap();
        let b = format!("--{boundary}\r\n");
        let expected = [
            format!("{b}content-disposition: form-data; name=\"name\"\r\n\r\nRex\r\n"),
            format!("{b}content-disposition: form-data; name=\"file\"; filename=\"f.bin\"\r\ncontent-type: application/octet-stream\r\n\r\nabcd\r\n"),
            format!("{b}content-disposition: form-data; name=\"after\"\r\n\r\n1\r\n"),
            format!("--{boundary}--\r\n"),
        ]
        .concat();
        assert_eq!(String::from_utf8(body).unwrap(), expected);
        // The same part in a second form: its stream was read, so that body fails.
        let mut again = Multipart::new();
        again.file("file", &part);
        let (RequestBody::Streamed(stream), _) = again.finish("multipart/form-data") else { panic!("streamed") };
        let err = stream.take().map_ok(|b| b.to_vec()).try_concat().await.unwrap_err();
        assert!(err.to_string().contains("only once"), "{err}");
        assert!(serde_json::to_string(&part).is_err());
    }

    #[test]
    fn boundaries_differ() {
        assert_ne!(Multipart::new().boundary, Multipart::new().boundary);
    }

    #[test]
    fn file_debug_shows_the_size_only() {
        let f = FilePart::new(vec![7u8; 1000]).file_name("x.bin");
        assert_eq!(format!("{f:?}"), "FilePart { len: 1000, file_name: Some(\"x.bin\"), content_type: None }");
    }
}
