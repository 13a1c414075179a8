//! The CRC check X makes against a webhook URL: a GET with `crc_token` (and a `nonce`), a
//! deadline, and the `response_token` compared in constant time.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use ring::hmac;

use crate::rng::random_text;
use crate::web::WebClient;

/// The largest CRC answer read.
const MAX_CRC_BODY: usize = 16 * 1024;

/// Why a CRC check failed; each maps to one of X's 214 messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CrcFailure {
    /// No HTTP answer at all (connection refused, not http, ...).
    Failed,
    /// An answer other than 200.
    Non200,
    /// No full answer within the deadline.
    Slow,
    /// A 200 whose body is not `{"response_token":"sha256=..."}` with the right token.
    BadResponse,
}

impl CrcFailure {
    /// X's message for the failure.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Self::Failed => "Webhook URL does not meet the requirements. CRC GET request failed.",
            Self::Non200 => "Non-200 response code during CRC GET request (i.e. 404, 500, etc).",
            Self::Slow => {
                "High latency on CRC GET request. Your webhook should respond in less than 3 seconds."
            }
            Self::BadResponse => {
                "Webhook URL does not meet the requirements. Invalid CRC token or json response format."
            }
        }
    }
}

/// Runs one CRC check of `url` for an app with `consumer_secret`.
pub(crate) async fn check(
    client: Option<&WebClient>,
    url: &str,
    consumer_secret: &str,
    deadline: Duration,
) -> Result<(), CrcFailure> {
    let token = random_text(48).map_err(|_| CrcFailure::Failed)?;
    let nonce = random_text(16).map_err(|_| CrcFailure::Failed)?;
    let separator = if url.contains('?') { '&' } else { '?' };
    let target = format!("{url}{separator}crc_token={token}&nonce={nonce}");
    let client = client.ok_or(CrcFailure::Failed)?;
    let request = http::Request::get(target)
        .header(http::header::USER_AGENT, "aaa-emulator")
        .body(Full::new(Bytes::new()))
        .map_err(|_| CrcFailure::Failed)?;
    let exchange = async {
        let response = client
            .request(request)
            .await
            .map_err(|_| CrcFailure::Failed)?;
        if response.status() != http::StatusCode::OK {
            return Err(CrcFailure::Non200);
        }
        let body = Limited::new(response.into_body(), MAX_CRC_BODY)
            .collect()
            .await
            .map_err(|_| CrcFailure::BadResponse)?
            .to_bytes();
        Ok(body)
    };
    let body = tokio::time::timeout(deadline, exchange)
        .await
        .map_err(|_| CrcFailure::Slow)??;
    check_body(&body, consumer_secret, &token)
}

/// Checks `{"response_token":"sha256=<base64 HMAC-SHA256(consumer secret, token)>"}`.
fn check_body(body: &[u8], consumer_secret: &str, token: &str) -> Result<(), CrcFailure> {
    #[derive(serde::Deserialize)]
    struct Answer {
        response_token: String,
    }
    let answer: Answer = serde_json::from_slice(body).map_err(|_| CrcFailure::BadResponse)?;
    let tag = answer
        .response_token
        .strip_prefix("sha256=")
        .and_then(|b64| STANDARD.decode(b64).ok())
        .ok_or(CrcFailure::BadResponse)?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, consumer_secret.as_bytes());
    hmac::verify(&key, token.as_bytes(), &tag).map_err(|_| CrcFailure::BadResponse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_check_matches_the_crypto_crate() {
        let secret = aaa_crypto::ConsumerSecret::new("s3cret");
        let good = aaa_crypto::crc_response_body(&secret, "tok").unwrap();
        assert_eq!(check_body(good.as_bytes(), "s3cret", "tok"), Ok(()));
        assert_eq!(
            check_body(good.as_bytes(), "other", "tok"),
            Err(CrcFailure::BadResponse)
        );
        assert_eq!(
            check_body(b"{\"response_token\":\"abc\"}", "s3cret", "tok"),
            Err(CrcFailure::BadResponse)
        );
        assert_eq!(
            check_body(b"not json", "s3cret", "tok"),
            Err(CrcFailure::BadResponse)
        );
    }
}
