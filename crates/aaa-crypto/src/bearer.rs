//! App-only (OAuth 2.0 bearer) credentials.
//!
//! A bearer token is obtained with `POST /oauth2/token`, body [`TOKEN_REQUEST_BODY`], content
//! type [`TOKEN_REQUEST_CONTENT_TYPE`] and an `Authorization` header built by
//! [`token_request_authorization`]; it is then sent as `Authorization: Bearer <token>`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::oauth1::percent_encode_bytes;
use crate::secret::{ConsumerSecret, wipe};

/// The form body of the token request.
pub const TOKEN_REQUEST_BODY: &str = "grant_type=client_credentials";

/// The content type of the token request.
pub const TOKEN_REQUEST_CONTENT_TYPE: &str = "application/x-www-form-urlencoded;charset=UTF-8";

/// An app-only access token (bearer token). Its `Debug` output is `<redacted>`.
///
/// ```
/// let token = aaa_crypto::BearerToken::new("AAAA%2FAAA");
/// assert_eq!(token.authorization_header(), "Bearer AAAA%2FAAA");
/// assert_eq!(format!("{token:?}"), "<redacted>");
/// ```
#[derive(Clone)]
pub struct BearerToken(String);

impl BearerToken {
    /// Wraps a bearer token as X returned it (the `access_token` value).
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// Wraps a bearer token given as bytes, replacing any invalid UTF-8 sequence with U+FFFD.
    pub fn from_bytes(token: &[u8]) -> Self {
        Self(String::from_utf8_lossy(token).into_owned())
    }

    /// The token itself. Keep it out of logs and error messages.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The `Authorization` header value: `Bearer <token>`. The value carries the secret.
    pub fn authorization_header(&self) -> String {
        let mut out = String::with_capacity(7 + self.0.len());
        out.push_str("Bearer ");
        out.push_str(&self.0);
        out
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for BearerToken {
    fn from(token: String) -> Self {
        Self::new(token)
    }
}

impl From<&str> for BearerToken {
    fn from(token: &str) -> Self {
        Self::new(token)
    }
}

impl Drop for BearerToken {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        wipe(&mut bytes);
    }
}

/// The `Authorization` header value for `POST /oauth2/token`:
/// `Basic base64(urlencode(consumer_key) ":" urlencode(consumer_secret))`.
///
/// Key and secret are percent-encoded with the RFC 3986 unreserved set (X's documentation asks
/// for RFC 1738 encoding; X's keys and secrets are alphanumeric, so both give the same result).
/// The returned value carries the secret.
///
/// ```
/// use aaa_crypto::{ConsumerSecret, bearer};
///
/// let secret = ConsumerSecret::new("L8qq9PZyRg6ieKGEKhZolGC0vJWLw8iEJ88DRdyOg");
/// assert_eq!(
///     bearer::token_request_authorization("xvz1evFS4wEEPTGEFPHBog", &secret),
///     "Basic eHZ6MWV2RlM0d0VFUFRHRUZQSEJvZzpMOHFxOVBaeVJnNmllS0dFS2hab2xHQzB2SldMdzhpRUo4OERSZHlPZw==",
/// );
/// ```
pub fn token_request_authorization(consumer_key: &str, consumer_secret: &ConsumerSecret) -> String {
    let mut credentials = percent_encode_bytes(consumer_key.as_bytes());
    credentials.push(':');
    credentials.push_str(&percent_encode_bytes(consumer_secret.expose_secret()));
    let mut out = String::from("Basic ");
    STANDARD.encode_string(credentials.as_bytes(), &mut out);
    let mut bytes = credentials.into_bytes();
    wipe(&mut bytes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_and_redaction() {
        let token = BearerToken::from("abc");
        assert_eq!(token.authorization_header(), "Bearer abc");
        assert_eq!(token.expose_secret(), "abc");
        assert_eq!(format!("{token:?}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(token.clone())), "Some(<redacted>)");
        assert_eq!(BearerToken::from_bytes(b"xyz").expose_secret(), "xyz");
    }

    #[test]
    fn basic_header_encodes_reserved_characters() {
        // "a b" -> "a%20b", "s:e/c" -> "s%3Ae%2Fc"; base64 of "a%20b:s%3Ae%2Fc".
        let header = token_request_authorization("a b", &ConsumerSecret::new("s:e/c"));
        assert_eq!(header, "Basic YSUyMGI6cyUzQWUlMkZj");
    }
}
