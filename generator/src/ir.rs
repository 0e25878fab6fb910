//! The intermediate representation: plain data between the spec and the tokens.
//!
//! Architecture invariant: every name in here is final (sanitized, keyword-safe, unique) and
//! every node keeps the JSON pointer (`pointer`) it came from. `emit` uses these names verbatim
//! and never sees an `openapiv3` type.
//!
//! Field names say what they hold (`docs` is rustdoc-safe text from the spec, `name` a
//! [`Name`]); only fields that carry a rule are documented.
#![allow(missing_docs)]

/// A name as Rust sees it and as the API spells it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Name {
    /// The Rust identifier (may be a raw identifier such as `r#type`).
    pub rust: String,
    /// The name in the spec.
    pub api: String,
}

/// Documentation text taken from the spec (already made safe for rustdoc).
pub type Docs = Vec<String>;
#[derive(Debug, Clone)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`, sanitized.
    pub docs: Docs,
    /// Default base URL (first entry of `servers`), without a trailing slash.
    pub base_url: String,
    /// Authentication schemes the client can use.
    pub auth: Vec<AuthScheme>,
    /// Named types, sorted by Rust name.
    pub types: Vec<TypeDef>,
    /// Operations, sorted by Rust name.
    pub operations: Vec<Operation>,
    /// Named types the client sends (reachable from a request body), sorted.
    pub sent_types: Vec<String>,
    /// Operation waiters (the spec's `x-waiter` declarations).
    pub waiters: Vec<WaiterDef>,
}

/// A status operation that reports how a long-running operation is going, as `x-waiter`
/// declares it.
#[derive(Debug, Clone)]
pub struct WaiterDef {
    /// The `static` describing it (`FETCH_OPERATION_WAITER`).
    pub static_name: String,
    /// The status operation: its client method and `operationId`.
    pub operation: Name,
    /// The status operation's error enum.
    pub error_type: String,
    /// The status it answers with (a named struct).
    pub status_type: String,
    /// The response header (lower case) naming the operation to wait for.
    pub header: String,
    /// States that end the wait successfully.
    pub success: Vec<String>,
    /// States that end it with a failure.
    pub failure: Vec<String>,
    /// The status property that says why it failed (its JSON name).
    pub error: Option<String>,
    /// How to read the state from the status.
    pub state: FieldPath,
}

/// A path of fields (Rust names) into a struct, each field a struct's until the last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath(pub Vec<String>);

/// How a list operation pages: the request's token parameter and where the response says
/// what comes next.
#[derive(Debug, Clone)]
pub struct Pagination {
    /// The request builder's setter of the page-token parameter.
    pub token_setter: String,
    /// The page token's parameter name in the spec (for docs).
    pub token_param: String,
    /// From the page's body to the next token.
    pub next: FieldPath,
    /// The body's field (Rust name) holding the page's items, when it has a list.
    pub items: Option<String>,
    /// The success enum's variant of the page response, when the operation documents other
    /// success responses (a redirect the client did not follow ends the stream).
    pub page_variant: Option<String>,
    /// The type of one item.
    pub item_type: Option<TypeRef>,
    /// The next token's JSON path in the response, dotted (for docs).
    pub next_api: String,
}

impl Api {
    /// The named type with this Rust name (`types` is sorted by Rust name: a binary search).
    pub fn type_def(&self, rust_name: &str) -> Option<&TypeDef> {
        self.types.binary_search_by(|t| t.name.rust.as_str().cmp(rust_name)).ok().map(|i| &self.types[i])
    }
}

/// A security scheme of `components/securitySchemes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthScheme {
    /// The scheme's key in the spec, and the name of the `static` describing it.
    pub name: Name,
    pub docs: Docs,
    pub kind: AuthKind,
    /// Named credential kinds (`x-credentials`, or the scheme's default), each a constructor in
    /// the generated `credentials` module and a source of `from_env`.
    pub kinds: Vec<CredentialKind>,
}

/// What a scheme sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthKind {
    /// HTTP basic (username + password).
    Basic,
    /// HTTP bearer token (also OpenID Connect).
    Bearer,
    /// An API key.
    ApiKey { location: ApiKeyLocation, name: String },
    /// OAuth 2.0; `token_url` is the client-credentials flow's, when the spec has that flow.
    OAuth2 { token_url: Option<String> },
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    Header,
    Query,
    Cookie,
}

/// One scheme of a security requirement: the scheme (index into `Api::auth`) and its scopes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Requirement {
    pub scheme: usize,
    pub scopes: Vec<String>,
}

/// A named way of filling in credentials, e.g. "API key SID + secret" for basic auth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialKind {
    /// Constructor name, e.g. `api_key` (`None`: no constructor, `from_env` only).
    pub constructor: Option<String>,
    /// Parameter names of the constructor (one for a token or key, two for a pair).
    pub params: Vec<String>,
    /// Environment variables `from_env` reads, in the same order.
    pub env: Vec<String>,
    pub docs: Docs,
}

/// A named type.
#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: Name,
    pub docs: Docs,
    pub pointer: String,
    pub kind: TypeDefKind,
}

/// The shape of a named type.
#[derive(Debug, Clone)]
pub enum TypeDefKind {
    /// A struct with named fields.
    Struct {
        /// Fields, in the spec's order.
        fields: Vec<Field>,
    },
    /// A validated string newtype.
    Pattern(PatternType),
    /// A string enum that keeps unknown values.
    StringEnum { variants: Vec<Name> },
    /// An integer enum that keeps unknown values.
    IntEnum { variants: Vec<(Name, i64)> },
    /// `oneOf` / `anyOf`: tagged by `discriminator` when there is one, untagged otherwise.
    OneOf {
        variants: Vec<Variant>,
        /// The discriminator property.
        discriminator: Option<String>,
    },
    /// A transparent alias of another type.
    Alias(TypeRef),
    /// A tuple struct around another type (serialized as that type): an alias that refers to
    /// itself through an array or map, which a type alias cannot express.
    Newtype(TypeRef),
}

impl TypeDefKind {
    /// The type references the type holds (fields, variants, the aliased type).
    pub fn children(&self) -> Vec<&TypeRef> {
        match self {
            TypeDefKind::Struct { fields } => fields.iter().map(|f| &f.ty).collect(),
            TypeDefKind::OneOf { variants, .. } => variants.iter().map(|v| &v.ty).collect(),
            TypeDefKind::Alias(t) | TypeDefKind::Newtype(t) => vec![t],
            TypeDefKind::Pattern(_) | TypeDefKind::StringEnum { .. } | TypeDefKind::IntEnum { .. } => Vec::new(),
        }
    }
}

/// One alternative of a `oneOf`.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Variant name (API name: the schema or title it came from).
    pub name: Name,
    pub ty: TypeRef,
    /// Discriminator values that select it.
    pub tags: Vec<String>,
    /// Boxed because the type contains itself.
    pub boxed: bool,
}

/// Validation keywords the client enforces on what it sends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// `minLength`.
    pub min_length: Option<u64>,
    /// `maxLength`.
    pub max_length: Option<u64>,
    /// `minimum`.
    pub minimum: Option<f64>,
    /// `maximum`.
    pub maximum: Option<f64>,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
}

impl Constraints {
    /// No keyword set.
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

/// A string newtype validated by a compiled pattern and length bounds.
#[derive(Debug, Clone)]
pub struct PatternType {
    /// The pattern as written in the spec.
    pub source: String,
    /// `None` when the pattern cannot be compiled (a warning says so): only lengths are checked.
    pub matcher: Option<Matcher>,
    /// `minLength` (in UTF-16 code units per JSON Schema; we count chars).
    pub min_length: Option<u64>,
    /// `maxLength`.
    pub max_length: Option<u64>,
    /// An example value from the spec, if it validates.
    pub example: Option<String>,
}

/// A struct field.
#[derive(Debug, Clone)]
pub struct Field {
    pub pointer: String,
    pub name: Name,
    /// Name of its builder-style setter (`with_...`).
    pub setter: String,
    pub ty: TypeRef,
    /// Listed in `required`.
    pub required: bool,
    /// `nullable: true`.
    pub nullable: bool,
    pub docs: Docs,
    /// Checked before sending.
    pub constraints: Constraints,
    /// Boxed because the type contains itself.
    pub boxed: bool,
    /// Optional and nullable in a type the client sends: absent and `null` are different
    /// (`Option<Option<T>>`).
    pub absent_vs_null: bool,
}

/// A reference to a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i64` / `i32`.
    Integer {
        /// 32-bit (`format: int32`).
        bits32: bool,
    },
    /// `u64` for integers with `minimum >= 0`.
    Unsigned,
    /// `f64` / `f32`.
    Number {
        /// `format: float`.
        bits32: bool,
    },
    /// A named type by Rust name.
    Named(String),
    /// `Vec<T>`.
    Array(Box<TypeRef>),
    /// `BTreeMap<String, T>`.
    Map(Box<TypeRef>),
    /// `serde_json::Value`.
    Any,
    /// `format: date-time`: `time::OffsetDateTime` (RFC 3339).
    DateTime,
    /// `format: uuid`: `uuid::Uuid`.
    Uuid,
    /// A whole body that is not JSON, form or text (`application/octet-stream`, `image/*`,
    /// `application/xml`, `*/*`): `rt::Bytes`.
    Bytes,
    /// `format: binary` inside a schema (a file part of a multipart body): `rt::FilePart`.
    File,
}

impl TypeRef {
    /// Push the named types this reference reaches (through arrays and maps) onto `out`.
    pub fn collect_names(&self, out: &mut Vec<String>) {
        match self {
            TypeRef::Named(n) => out.push(n.clone()),
            TypeRef::Array(i) | TypeRef::Map(i) => i.collect_names(out),
            _ => {}
        }
    }

    /// Whether this reference is `t` or holds `t` in an array or map.
    pub fn contains(&self, t: &TypeRef) -> bool {
        self == t || matches!(self, TypeRef::Array(i) | TypeRef::Map(i) if i.contains(t))
    }
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    /// Upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// Idempotent per RFC 9110 §9.2.2.
    pub fn idempotent(self) -> bool {
        !matches!(self, Method::Post | Method::Patch)
    }
}

/// One operation → one client method.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Method name (snake case) and `operationId`.
    pub name: Name,
    /// PascalCase prefix for the operation's types (`DeleteStore`).
    pub type_name: String,
    /// The request builder type (`DeleteStoreRequest`).
    pub request_type: String,
    /// The error enum (`DeleteStoreError`).
    pub error_type: String,
    /// The success enum, used when several success statuses are documented.
    pub response_type: String,
    /// The alias for the call's `Result` (`DeleteStoreResult`).
    pub result_type: String,
    pub method: Method,
    /// The path template as written.
    pub path_template: String,
    /// The path split into literals and parameters.
    pub path: Vec<PathSegment>,
    /// Summary line, made safe for rustdoc (empty when the spec has none).
    pub summary: Docs,
    pub docs: Docs,
    /// Parameters (path parameters in path order first, then the rest by name).
    pub params: Vec<Param>,
    /// Request body.
    pub body: Option<Body>,
    /// A server of its own (path- or operation-level `servers`), when it differs from the API's.
    pub server: Option<String>,
    /// Responses, sorted by status.
    pub responses: Vec<Response>,
    /// Accepted authentication: alternatives, each a set of requirements (`None`: the spec
    /// says nothing, so configured credentials are sent; an empty list: none).
    pub security: Option<Vec<Vec<Requirement>>>,
    pub pointer: String,
    /// Documents redirect responses (301, 302, 303, 307, 308): the client follows those that
    /// stay on the same origin.
    pub follow_redirects: bool,
    /// The `Accept` header to send when a success response is not JSON: every media type the
    /// successes document (the client's default is `application/json`).
    pub accept: Option<String>,
    /// A list operation the client can page through.
    pub pagination: Option<Pagination>,
    /// Starts a long-running operation that a waiter (index into [`Api::waiters`]) reports on.
    pub waiter: Option<usize>,
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// Literal text, sent as is.
    Literal(String),
    /// Index into `Operation::params`.
    Param(usize),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
}

/// A request parameter.
#[derive(Debug, Clone)]
pub struct Param {
    pub pointer: String,
    pub name: Name,
    pub location: ParamLocation,
    pub ty: TypeRef,
    pub required: bool,
    pub docs: Docs,
    /// Checked before sending.
    pub constraints: Constraints,
    /// How the value is serialized (`style`, with the location's default).
    pub style: ParamStyle,
    /// `explode` (default: true for `form`, false otherwise).
    pub explode: bool,
}

/// OpenAPI `style` of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamStyle {
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
    Simple,
    Label,
    Matrix,
}

impl ParamStyle {
    /// The runtime's name for it (`rt::Style::...`).
    pub fn runtime_name(self) -> &'static str {
        match self {
            ParamStyle::Form => "Form",
            ParamStyle::SpaceDelimited => "SpaceDelimited",
            ParamStyle::PipeDelimited => "PipeDelimited",
            ParamStyle::DeepObject => "DeepObject",
            ParamStyle::Simple => "Simple",
            ParamStyle::Label => "Label",
            ParamStyle::Matrix => "Matrix",
        }
    }
}

/// Which statuses a response covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusMatch {
    /// One status code.
    Code(u16),
    /// `4XX`: a class of codes (the digit).
    Range(u16),
    /// `default`.
    Default,
}

/// A documented response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Where it was defined (after `$ref` resolution).
    pub pointer: String,
    /// Status it covers.
    pub status: StatusMatch,
    /// Variant name (`Accepted`, `NotFound`, `ClientError`, `Default`).
    pub variant: String,
    /// `true` for 2xx (and 1xx/3xx, which are not errors either).
    pub success: bool,
    pub docs: Docs,
    /// Body type, if any (JSON unless `body_kind` says otherwise).
    pub body: Option<TypeRef>,
    /// How the body is read: `Json`, `Text` (`String`) or `Binary` (`rt::Bytes`).
    pub body_kind: BodyKind,
    /// The media type the body was documented with (sent as `Accept` for text and binary).
    pub media_type: Option<String>,
    /// Typed headers; when non-empty the response gets a headers struct with this name.
    pub headers: Vec<Header>,
    /// Name of the headers struct.
    pub headers_type: String,
    /// This operation defines the headers struct (a shared response's is defined once).
    pub headers_owner: bool,
    /// The `components/responses` entry it is (PascalCase), if it is one.
    pub component: Option<String>,
    /// Boxed in the operation's success or error enum, so one large variant does not make
    /// every value of the enum large.
    pub boxed: bool,
}

/// A typed response header.
#[derive(Debug, Clone)]
pub struct Header {
    pub pointer: String,
    /// Field name and wire name.
    pub name: Name,
    /// Type (scalars only).
    pub ty: TypeRef,
    pub docs: Docs,
}

/// A request body.
#[derive(Debug, Clone)]
pub struct Body {
    /// Type of the body.
    pub ty: TypeRef,
    /// `required: true`.
    pub required: bool,
    /// Media type to send.
    pub content_type: String,
    /// How it is encoded.
    pub kind: BodyKind,
    pub docs: Docs,
    /// The operation's other request media types, each a builder setter that sends the body
    /// that way instead.
    pub alternatives: Vec<AltBody>,
}

/// Another media type an operation accepts for its request body.
#[derive(Debug, Clone)]
pub struct AltBody {
    /// The setter's name (`body_form`, `body_xml`, …).
    pub setter: String,
    pub ty: TypeRef,
    pub content_type: String,
    pub kind: BodyKind,
}

/// How a body is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json`, `*+json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data` (and other `multipart/*`): one part per property.
    Multipart,
    /// `text/*`: a `String`.
    Text,
    /// Anything else: raw bytes.
    Binary,
}

impl BodyKind {
    /// The kind of a media type (parameters such as `; charset=utf-8` ignored).
    pub fn of(media: &str) -> BodyKind {
        let m = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if m == "application/json" || m.ends_with("+json") {
            BodyKind::Json
        } else if m == "application/x-www-form-urlencoded" {
            BodyKind::Form
        } else if m.starts_with("multipart/") {
            BodyKind::Multipart
        } else if m.starts_with("text/") {
            BodyKind::Text
        } else {
            BodyKind::Binary
        }
    }

    /// Which of several media types the client prefers (lower is preferred).
    pub fn rank(self) -> u8 {
        match self {
            BodyKind::Json => 0,
            BodyKind::Form => 1,
            BodyKind::Multipart => 2,
            BodyKind::Text => 3,
            BodyKind::Binary => 4,
        }
    }
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    /// A sequence of literals, classes and counted runs, matched left to right without
    /// backtracking (code size does not depend on repetition counts).
    Linear(Linear),
    /// A DFA over UTF-8 bytes.
    Dfa(Dfa),
}

impl Matcher {
    /// Whether `input` matches (for the generator's own checks, e.g. of a spec's examples).
    pub fn is_match(&self, input: &str) -> bool {
        match self {
            Matcher::Linear(l) => l.find(input).is_ok(),
            Matcher::Dfa(d) => d.is_match(input),
        }
    }
}

/// A pattern as a sequence of pieces, each matched greedily: lowering only builds one when
/// greedy matching is exact (a run's class never overlaps what may follow it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linear {
    /// `^`: the match starts at the beginning; otherwise it may start anywhere.
    pub anchored_start: bool,
    /// `$`: the match ends at the end; otherwise anything may follow.
    pub anchored_end: bool,
    pub pieces: Vec<Piece>,
    /// Shortest and longest input (in bytes) that can match when both ends are anchored.
    pub min_len: usize,
    pub max_len: Option<usize>,
}

/// One piece of a [`Linear`] pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Literal(String),
    /// One of several literals, none a prefix of another (so at most one matches).
    Choice(Vec<String>),
    /// `min..=max` characters of a class (`max: None` is unbounded).
    Run {
        class: CharClass,
        min: u32,
        max: Option<u32>,
    },
}

/// A set of characters, as sorted, disjoint, inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharClass {
    pub ranges: Vec<(char, char)>,
}

impl CharClass {
    /// Whether `c` is in the class.
    pub fn contains(&self, c: char) -> bool {
        self.ranges
            .binary_search_by(|&(lo, hi)| {
                if hi < c {
                    std::cmp::Ordering::Less
                } else if lo > c {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }

    /// Whether every character of the class is ASCII.
    pub fn is_ascii(&self) -> bool {
        self.ranges.last().map_or(true, |r| r.1.is_ascii())
    }
}

impl Linear {
    /// Match `input`; on failure, the byte offset of the first problem and the piece (index
    /// into `pieces`, or `pieces.len()` for the end) expected there.
    pub fn find(&self, input: &str) -> Result<(), (usize, usize)> {
        if self.anchored_start {
            self.match_at(input, 0)
        } else {
            let starts = input.char_indices().map(|(i, _)| i).chain(std::iter::once(input.len()));
            for start in starts {
                if self.match_at(input, start).is_ok() {
                    return Ok(());
                }
            }
            Err((0, 0))
        }
    }

    fn match_at(&self, input: &str, start: usize) -> Result<(), (usize, usize)> {
        let mut i = start;
        for (k, p) in self.pieces.iter().enumerate() {
            let rest = &input[i..];
            match p {
                Piece::Literal(l) => {
                    if !rest.starts_with(l.as_str()) {
                        let common = rest.bytes().zip(l.bytes()).take_while(|(a, b)| a == b).count();
                        return Err((i + common, k));
                    }
                    i += l.len();
                }
                Piece::Choice(options) => match options.iter().find(|o| rest.starts_with(o.as_str())) {
                    Some(o) => i += o.len(),
                    None => return Err((i, k)),
                },
                Piece::Run { class, min, max } => {
                    let mut n = 0u32;
                    for c in rest.chars() {
                        if max.is_some_and(|m| n == m) || !class.contains(c) {
                            break;
                        }
                        i += c.len_utf8();
                        n += 1;
                    }
                    if n < *min {
                        return Err((i, k));
                    }
                }
            }
        }
        if self.anchored_end && i != input.len() {
            return Err((i, self.pieces.len()));
        }
        Ok(())
    }
}

/// A compiled pattern as a DFA over UTF-8 bytes whose state 0 is the start state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dfa {
    pub states: Vec<DfaState>,
}

/// One DFA state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DfaState {
    /// The input matches as soon as this state is reached (pattern not anchored at the end).
    pub accept_now: bool,
    /// The input matches if it ends in this state.
    pub accept_at_end: bool,
    /// Byte ranges `(lo, hi, target)`, sorted and disjoint.
    pub transitions: Vec<(u8, u8, usize)>,
    /// What the state expects, for error messages ("`m`", "a character in [0-9a-z]").
    pub expected: String,
}

impl Dfa {
    /// Run the DFA.
    pub fn is_match(&self, input: &str) -> bool {
        let mut s = 0;
        for &b in input.as_bytes() {
            if self.states[s].accept_now {
                return true;
            }
            match self.states[s].transitions.iter().find(|t| t.0 <= b && b <= t.1) {
                Some(t) => s = t.2,
                None => return false,
            }
        }
        self.states[s].accept_now || self.states[s].accept_at_end
    }
}
