//! The crate-wide error type.

use std::fmt;

use crate::crc::CrcTokenError;
use crate::oauth1::OAuthError;
use crate::signature::SignatureError;

/// Any error this crate reports. Each function returns the narrower type of its own area; this
/// enum lets callers gather them into one with `?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A `crc_token` was refused.
    CrcToken(CrcTokenError),
    /// A webhook signature was refused.
    Signature(SignatureError),
    /// OAuth 1.0a signing, parsing or verification failed.
    OAuth(OAuthError),
}

impl Error {
    /// A static, lowercase description of the problem.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CrcToken(e) => e.as_str(),
            Self::Signature(e) => e.as_str(),
            Self::OAuth(e) => e.as_str(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CrcToken(e) => e.fmt(f),
            Self::Signature(e) => e.fmt(f),
            Self::OAuth(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::CrcToken(e) => Some(e),
            Self::Signature(e) => Some(e),
            Self::OAuth(e) => Some(e),
        }
    }
}

impl From<CrcTokenError> for Error {
    fn from(e: CrcTokenError) -> Self {
        Self::CrcToken(e)
    }
}

impl From<SignatureError> for Error {
    fn from(e: SignatureError) -> Self {
        Self::Signature(e)
    }
}

impl From<OAuthError> for Error {
    fn from(e: OAuthError) -> Self {
        Self::OAuth(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn wraps_and_displays() {
        let e: Error = SignatureError::Mismatch.into();
        assert_eq!(e.to_string(), SignatureError::Mismatch.as_str());
        assert_eq!(e.as_str(), SignatureError::Mismatch.as_str());
        assert!(e.source().is_some());
        let e: Error = CrcTokenError::InvalidByte { offset: 2 }.into();
        assert!(e.to_string().ends_with("(at byte 2)"));
        let e: Error = OAuthError::InvalidUrl.into();
        assert_eq!(e, Error::OAuth(OAuthError::InvalidUrl));
    }
}
