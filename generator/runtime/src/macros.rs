//! Macros generated crates expand once per operation, so each operation's emitted code stays
//! short. The generator reads the method names of [`request_builder!`] from this file and keeps
//! a spec's parameter setters clear of them.

/// The per-call option setters and the `IntoFuture` impl every generated request builder shares
/// (a builder has an `options: RequestOptions` field and a `send` method returning its future).
#[doc(hidden)]
#[macro_export]
macro_rules! request_builder {
    ($request:ident, $output:ty) => {
        impl<'a> $request<'a> {
            /// Use this retry policy for this call.
            pub fn retry(mut self, retry: $crate::RetryConfig) -> Self {
                self.options.retry = Some(retry);
                self
            }

            /// Time for one attempt of this call.
            pub fn attempt_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.options.attempt_timeout = Some(timeout);
                self
            }

            /// Overall deadline for this call, retries included.
            pub fn total_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.options.total_timeout = Some(timeout);
                self
            }

            /// Connect timeout for this call (see [`RequestOptions::connect_timeout`]).
            ///
            /// [`RequestOptions::connect_timeout`]: $crate::RequestOptions
            pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.options.connect_timeout = Some(timeout);
                self
            }

            /// Largest response body this call accepts, in bytes (default: the config's
            /// `max_response_bytes`); `usize::MAX` lifts the limit, e.g. for a large download
            /// read with `send_streaming`.
            pub fn max_response_bytes(mut self, limit: usize) -> Self {
                self.options.max_response_bytes = Some(limit);
                self
            }

            /// Send an extra header with this call (replaces a generated header of that name).
            /// The value is marked sensitive, so it never shows in `Debug` output.
            pub fn header(mut self, name: $crate::header::HeaderName, mut value: $crate::header::HeaderValue) -> Self {
                value.set_sensitive(true);
                self.options.headers.insert(name, value);
                self
            }
        }

        impl<'a> ::std::future::IntoFuture for $request<'a> {
            type Output = $output;
            type IntoFuture =
                ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = Self::Output> + Send + 'a>>;

            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    };
}

/// `status()`, `raw_headers()`, `Display` and `Error` for a generated operation error enum,
/// from its `describe(&self) -> (StatusCode, &'static str, &HeaderMap)`.
#[doc(hidden)]
#[macro_export]
macro_rules! error_impls {
    ($error:ident, $operation:literal) => {
        impl $error {
            /// The HTTP status of the response.
            pub fn status(&self) -> $crate::StatusCode {
                self.describe().0
            }

            /// Every header of the response, as received (e.g. a request ID for support).
            pub fn raw_headers(&self) -> &$crate::header::HeaderMap {
                self.describe().2
            }
        }

        impl ::std::fmt::Display for $error {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let (status, summary, _) = self.describe();
                ::std::write!(f, "{} {}: {}", $operation, status, summary)
            }
        }

        impl ::std::error::Error for $error {}
    };
}

/// Everything a validated string newtype (`pub struct Name(String);` with an inherent
/// `fn validate(&str) -> Result<(), InvalidValue<'_>>`) shares: constructors, accessors, the
/// conversions, a validating `Deserialize`, and `IntoParam` from the type and from strings.
#[doc(hidden)]
#[macro_export]
macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            /// Validate and wrap a value.
            pub fn new(
                value: impl ::std::convert::Into<::std::string::String>,
            ) -> ::std::result::Result<Self, $crate::ValidationError> {
                let value = value.into();
                Self::validate(&value)?;
                ::std::result::Result::Ok(Self(value))
            }

            /// The value.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The value, unwrapped.
            pub fn into_inner(self) -> ::std::string::String {
                self.0
            }

            /// Deserialize a value the server sent, without validating it: identifiers in
            /// responses are trusted, so a server-side format change cannot fail a call.
            #[doc(hidden)]
            pub fn from_server<'de, D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                ::std::result::Result::Ok(Self(<::std::string::String as ::serde::Deserialize>::deserialize(d)?))
            }

            /// [`Self::from_server`] for optional fields.
            #[doc(hidden)]
            pub fn from_server_opt<'de, D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<::std::option::Option<Self>, D::Error> {
                ::std::result::Result::Ok(
                    <::std::option::Option<::std::string::String> as ::serde::Deserialize>::deserialize(d)?.map(Self),
                )
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ValidationError;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl ::std::convert::TryFrom<&str> for $name {
            type Error = $crate::ValidationError;
            fn try_from(s: &str) -> ::std::result::Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl ::std::convert::TryFrom<::std::string::String> for $name {
            type Error = $crate::ValidationError;
            fn try_from(s: ::std::string::String) -> ::std::result::Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl ::std::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
                Self::new(s).map_err(::serde::de::Error::custom)
            }
        }

        impl $crate::IntoParam<$name> for &$name {
            fn into_param(self) -> ::std::result::Result<$name, $crate::ValidationError> {
                ::std::result::Result::Ok(self.clone())
            }
        }

        impl $crate::IntoParam<$name> for &str {
            fn into_param(self) -> ::std::result::Result<$name, $crate::ValidationError> {
                $name::new(self)
            }
        }

        impl $crate::IntoParam<$name> for ::std::string::String {
            fn into_param(self) -> ::std::result::Result<$name, $crate::ValidationError> {
                $name::new(self)
            }
        }

        impl $crate::IntoParam<$name> for &::std::string::String {
            fn into_param(self) -> ::std::result::Result<$name, $crate::ValidationError> {
                $name::new(self.as_str())
            }
        }
    };
}

/// An open string enum: `pub enum Name { A, B, Unknown(String) }` with the wire values given
/// here; values the client does not know are kept in `Unknown`.
#[doc(hidden)]
#[macro_export]
macro_rules! string_enum {
    ($name:ident { $($variant:ident => $value:literal),* $(,)? }) => {
        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(s) => s,
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(match s {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                })
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
                ::std::result::Result::Ok(match s.as_str() {
                    $($value => Self::$variant,)*
                    _ => Self::Unknown(s),
                })
            }
        }

        impl $crate::IntoParam<$name> for &$name {
            fn into_param(self) -> ::std::result::Result<$name, $crate::ValidationError> {
                ::std::result::Result::Ok(self.clone())
            }
        }
    };
}

/// An open integer enum: `pub enum Name { V1, V2, Unknown(i64) }` with the wire values given
/// here.
#[doc(hidden)]
#[macro_export]
macro_rules! int_enum {
    ($name:ident { $($variant:ident => $value:literal),* $(,)? }) => {
        impl $name {
            /// The value as sent on the wire.
            pub fn value(&self) -> i64 {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(v) => *v,
                }
            }
        }

        impl ::std::convert::From<i64> for $name {
            fn from(v: i64) -> Self {
                match v {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::write!(f, "{}", self.value())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_i64(self.value())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                ::std::result::Result::Ok(<i64 as ::serde::Deserialize>::deserialize(d)?.into())
            }
        }

        impl $crate::IntoParam<$name> for &$name {
            fn into_param(self) -> ::std::result::Result<$name, $crate::ValidationError> {
                ::std::result::Result::Ok(*self)
            }
        }
    };
}

/// A header name built at compile time (the name must be a valid lower-case header name), so
/// reading a response header costs no parsing of its name.
#[doc(hidden)]
#[macro_export]
macro_rules! header_name {
    ($name:literal) => {
        const { $crate::header::HeaderName::from_static($name) }
    };
}
