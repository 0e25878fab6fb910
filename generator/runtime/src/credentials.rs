//! Credentials: what goes into the `Authorization` header, never shown by `Debug`.

use std::fmt;

use reqwest::header::HeaderValue;

use crate::config::ConfigError;

/// Credentials sent with every request. `Debug` never shows a secret.
///
/// Generated crates add named constructors for the kinds their API documents (for Twilio:
/// `credentials::api_key(sid, secret)`) and a `from_env` that reads the API's variables.
#[derive(Clone)]
pub struct Credentials {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Basic { username: String, password: String },
    Bearer { token: String },
}

impl Credentials {
    /// HTTP basic credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials { kind: Kind::Basic { username: username.into(), password: password.into() } }
    }

    /// A bearer token.
    pub fn bearer(token: impl Into<String>) -> Self {
        Credentials { kind: Kind::Bearer { token: token.into() } }
    }

    /// The username of basic credentials (an identifier, not a secret).
    pub fn username(&self) -> Option<&str> {
        match &self.kind {
            Kind::Basic { username, .. } => Some(username),
            Kind::Bearer { .. } => None,
        }
    }

    /// The `Authorization` header value, marked sensitive.
    pub(crate) fn header(&self) -> Result<HeaderValue, ConfigError> {
        let text = match &self.kind {
            Kind::Basic { username, password } => {
                format!("Basic {}", base64(format!("{username}:{password}").as_bytes()))
            }
            Kind::Bearer { token } => format!("Bearer {token}"),
        };
        let mut value = HeaderValue::from_str(&text).map_err(|_| ConfigError::InvalidCredentials)?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// Read the first complete pair of environment variables, in order, as basic credentials.
    #[doc(hidden)]
    pub fn from_env_pairs(pairs: &[(&'static str, &'static str)]) -> Result<Self, ConfigError> {
        for &(user, pass) in pairs {
            match (env(user), env(pass)) {
                (Some(u), Some(p)) => return Ok(Credentials::basic(u, p)),
                (Some(_), None) => return Err(ConfigError::MissingEnv { missing: vec![pass] }),
                (None, Some(_)) => return Err(ConfigError::MissingEnv { missing: vec![user] }),
                (None, None) => {}
            }
        }
        Err(ConfigError::MissingEnv { missing: pairs.iter().flat_map(|&(a, b)| [a, b]).collect() })
    }

    /// Read a bearer token from an environment variable.
    #[doc(hidden)]
    pub fn from_env_token(name: &'static str) -> Result<Self, ConfigError> {
        match env(name) {
            Some(t) => Ok(Credentials::bearer(t)),
            None => Err(ConfigError::MissingEnv { missing: vec![name] }),
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Basic { username, .. } => {
                f.debug_struct("Credentials").field("username", username).field("password", &Redacted).finish()
            }
            Kind::Bearer { .. } => f.debug_struct("Credentials").field("token", &Redacted).finish(),
        }
    }
}

/// Shows as `<redacted>`.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn debug_redacts() {
        let c = Credentials::basic("AC123", "hunter2");
        let s = format!("{c:?}");
        assert!(s.contains("AC123") && !s.contains("hunter2"));
        let s = format!("{:?}", Credentials::bearer("tok-en"));
        assert!(!s.contains("tok-en"));
    }
}
