//! Small protocol bodies: the CRC answer and the OAuth 2.0 bearer token answer.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::Text;
use crate::owned::borrowed_struct;

borrowed_struct! {
    /// The answer to a CRC check, `{"response_token":"sha256=<base64 HMAC>"}`.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
    pub struct CrcResponse<'a> {
        /// `sha256=` followed by the base64 HMAC-SHA256 of the CRC token under the consumer
        /// secret.
        #[serde(borrow)]
        pub response_token: Text<'a>,
    }
}

impl<'a> CrcResponse<'a> {
    /// An answer carrying `response_token`.
    pub fn new(response_token: impl Into<Text<'a>>) -> Self {
        CrcResponse {
            response_token: response_token.into(),
        }
    }
}

borrowed_struct! {
    /// The answer of `POST /oauth2/token` (`grant_type=client_credentials`):
    /// `{"token_type":"bearer","access_token":"..."}`.
    ///
    /// `Debug` does not print the token.
    #[non_exhaustive]
    #[derive(Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
    pub struct BearerToken<'a> {
        /// `bearer`.
        #[serde(default, borrow)]
        pub token_type: Option<Text<'a>>,
        /// The app-only bearer token (a secret).
        #[serde(borrow)]
        pub access_token: Text<'a>,
    }
}

impl<'a> BearerToken<'a> {
    /// A `bearer` token answer.
    pub fn new(access_token: impl Into<Text<'a>>) -> Self {
        BearerToken {
            token_type: Some(Text::from("bearer")),
            access_token: access_token.into(),
        }
    }
}

impl fmt::Debug for BearerToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken")
            .field("token_type", &self.token_type)
            .field("access_token", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_token_debug_is_redacted() {
        let t: BearerToken<'_> =
            serde_json::from_str(r#"{"token_type":"bearer","access_token":"AAAA%2Fsecret"}"#)
                .unwrap();
        assert_eq!(t.access_token, "AAAA%2Fsecret");
        let debug = format!("{t:?}");
        assert!(!debug.contains("secret"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }

    #[test]
    fn crc_response_round_trips() {
        let r = CrcResponse::new("sha256=abc=");
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, r#"{"response_token":"sha256=abc="}"#);
        assert_eq!(serde_json::from_str::<CrcResponse<'_>>(&json).unwrap(), r);
    }
}
