//! OAuth 1.0a request signing (RFC 5849) with HMAC-SHA1 or HMAC-SHA256, as X's v1.1 and v2
//! APIs accept for user-context requests.
//!
//! Build a [`Request`], sign it with a [`Signer`] holding [`Credentials`], and send
//! [`Signed::header`] as the `Authorization` header. A server (or a test double of X) reads a
//! header back with [`AuthorizationHeader::parse`] and checks it with [`verify_request`].
//!
//! ```
//! use aaa_crypto::oauth1::{Credentials, Request, Signer};
//!
//! let creds = Credentials::new("consumer-key", "consumer-secret")
//!     .with_token("access-token", "access-token-secret");
//! let req = Request::new("POST", "https://api.twitter.com/1.1/account_activity/all/dev/webhooks.json")
//!     .param("url", "https://example.com/webhook");
//! let signed = Signer::new(creds).sign(&req)?;
//! assert!(signed.header.starts_with("OAuth oauth_consumer_key=\"consumer-key\", oauth_nonce=\""));
//! # Ok::<(), aaa_crypto::oauth1::OAuthError>(())
//! ```

use std::fmt;

use ring::hmac;

mod encode;
mod header;
mod request;
mod signer;

pub use self::encode::{form_decode, percent_decode, percent_encode, percent_encode_bytes};
pub use self::header::{AuthorizationHeader, verify_request};
pub use self::request::Request;
pub use self::signer::{Credentials, Signed, Signer};

/// An OAuth 1.0a signature method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureMethod {
    /// `HMAC-SHA1`, the method X documents and the default.
    #[default]
    HmacSha1,
    /// `HMAC-SHA256`.
    HmacSha256,
}

impl SignatureMethod {
    /// The `oauth_signature_method` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::HmacSha1 => "HMAC-SHA1",
            Self::HmacSha256 => "HMAC-SHA256",
        }
    }

    /// The method named by an `oauth_signature_method` value (exact, case-sensitive match).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "HMAC-SHA1" => Some(Self::HmacSha1),
            "HMAC-SHA256" => Some(Self::HmacSha256),
            _ => None,
        }
    }

    pub(crate) fn algorithm(self) -> hmac::Algorithm {
        match self {
            Self::HmacSha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Self::HmacSha256 => hmac::HMAC_SHA256,
        }
    }
}

impl fmt::Display for SignatureMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why OAuth 1.0a signing, parsing or verification failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OAuthError {
    /// The URL lacks `scheme://` or a host, has a bad port, or holds characters a URL cannot.
    InvalidUrl,
    /// The HTTP method is empty or not an HTTP token.
    InvalidMethod,
    /// A `%` is not followed by two hex digits.
    InvalidPercentEncoding,
    /// A percent-decoded value is not UTF-8.
    InvalidUtf8,
    /// The system random number generator failed while making a nonce.
    Random,
    /// The system clock reads before 1970.
    Clock,
    /// An `Authorization` header is not `OAuth name="value", ...`.
    MalformedHeader,
    /// An `Authorization` header repeats a parameter.
    DuplicateParameter,
    /// An `Authorization` header lacks a required parameter.
    MissingParameter {
        /// The missing parameter's name.
        name: &'static str,
    },
    /// `oauth_signature_method` is neither `HMAC-SHA1` nor `HMAC-SHA256`.
    UnsupportedSignatureMethod,
    /// `oauth_version` is present and is not `1.0`.
    UnsupportedVersion,
    /// `oauth_signature` is not standard base64.
    MalformedSignature,
    /// `oauth_signature` does not match the request.
    SignatureMismatch,
}

impl OAuthError {
    /// A static, lowercase description of the problem.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidUrl => {
                "invalid url: expected an absolute scheme://host[:port]/path url without spaces"
            }
            Self::InvalidMethod => "invalid http method: expected a token such as GET or POST",
            Self::InvalidPercentEncoding => {
                "invalid percent-encoding: '%' must be followed by two hex digits"
            }
            Self::InvalidUtf8 => "percent-decoded text is not valid utf-8",
            Self::Random => "the system random number generator failed",
            Self::Clock => "the system clock reads before 1970",
            Self::MalformedHeader => {
                "malformed authorization header: expected OAuth name=\"value\", ..."
            }
            Self::DuplicateParameter => "authorization header repeats a parameter",
            Self::MissingParameter { .. } => "authorization header lacks a required parameter",
            Self::UnsupportedSignatureMethod => {
                "unsupported oauth_signature_method: use HMAC-SHA1 or HMAC-SHA256"
            }
            Self::UnsupportedVersion => "unsupported oauth_version: only 1.0 is accepted",
            Self::MalformedSignature => "oauth_signature is not valid base64",
            Self::SignatureMismatch => "oauth_signature does not match the request",
        }
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingParameter { name } => write!(f, "{} ({name})", self.as_str()),
            _ => f.write_str(self.as_str()),
        }
    }
}

impl std::error::Error for OAuthError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names() {
        for m in [SignatureMethod::HmacSha1, SignatureMethod::HmacSha256] {
            assert_eq!(SignatureMethod::from_name(m.as_str()), Some(m));
            assert_eq!(m.to_string(), m.as_str());
        }
        assert_eq!(SignatureMethod::from_name("hmac-sha1"), None);
        assert_eq!(SignatureMethod::from_name("PLAINTEXT"), None);
        assert_eq!(SignatureMethod::default(), SignatureMethod::HmacSha1);
    }

    #[test]
    fn error_messages() {
        let missing = OAuthError::MissingParameter {
            name: "oauth_nonce",
        };
        assert_eq!(
            missing.to_string(),
            "authorization header lacks a required parameter (oauth_nonce)"
        );
        for e in [
            OAuthError::InvalidUrl,
            OAuthError::InvalidMethod,
            OAuthError::InvalidPercentEncoding,
            OAuthError::InvalidUtf8,
            OAuthError::Random,
            OAuthError::Clock,
            OAuthError::MalformedHeader,
            OAuthError::DuplicateParameter,
            missing,
            OAuthError::UnsupportedSignatureMethod,
            OAuthError::UnsupportedVersion,
            OAuthError::MalformedSignature,
            OAuthError::SignatureMismatch,
        ] {
            let first = e.as_str().chars().next().unwrap();
            assert!(first.is_ascii_lowercase(), "{e:?}");
            assert!(e.to_string().starts_with(e.as_str()));
        }
    }
}
