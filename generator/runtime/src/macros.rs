//! Macros generated crates expand once per operation, so each operation's emitted code stays
//! short. The generator reads the method names of [`request_builder!`] from this file and keeps
//! a spec's parameter setters clear of them.

/// The per-call option setters and the `IntoFuture` impl every generated request builder shares
/// (a builder has an `options: RequestOptions` field and an `async fn send`).
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

/// `status()`, `Display` and `Error` for a generated operation error enum, from its
/// `describe(&self) -> (StatusCode, &'static str)`.
#[doc(hidden)]
#[macro_export]
macro_rules! error_impls {
    ($error:ident, $operation:literal) => {
        impl $error {
            /// The HTTP status of the response.
            pub fn status(&self) -> $crate::StatusCode {
                self.describe().0
            }
        }

        impl ::std::fmt::Display for $error {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let (status, summary) = self.describe();
                ::std::write!(f, "{} {}: {}", $operation, status, summary)
            }
        }

        impl ::std::error::Error for $error {}
    };
}
