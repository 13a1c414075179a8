//! The challenge-response check (CRC): the response token and the token shape guard.

use std::fmt;

use crate::secret::ConsumerSecret;
use crate::signature::SigningKey;

/// The longest `crc_token` accepted by [`check_crc_token`], in bytes.
///
/// X's tokens are short (tens of bytes); the limit leaves ample room while keeping the CRC
/// endpoint from hashing large attacker-chosen inputs.
pub const CRC_TOKEN_MAX_LEN: usize = 512;

/// Why a `crc_token` was refused by [`check_crc_token`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CrcTokenError {
    /// The token is empty or consists only of spaces.
    Empty,
    /// The token is longer than [`CRC_TOKEN_MAX_LEN`] bytes.
    TooLong,
    /// The token holds a byte outside the allowed set (ASCII letters and digits, `-_=+/.~:`
    /// and space).
    InvalidByte {
        /// Offset of the first offending byte.
        offset: usize,
    },
    /// The token is itself a JSON text (`true`, `false`, `null` or a number), so its signature
    /// could pass for the signature of a request body.
    LooksLikeJson,
}

impl CrcTokenError {
    /// A static, lowercase description of the problem.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "crc_token is empty",
            Self::TooLong => "crc_token is longer than 512 bytes",
            Self::InvalidByte { .. } => {
                "crc_token contains a character other than ascii letters, digits, space and -_=+/.~:"
            }
            Self::LooksLikeJson => "crc_token is a json value and will not be signed",
        }
    }
}

impl fmt::Display for CrcTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidByte { offset } => write!(f, "{} (at byte {offset})", self.as_str()),
            _ => f.write_str(self.as_str()),
        }
    }
}

impl std::error::Error for CrcTokenError {}

/// Checks that a `crc_token` (already form-decoded, so a `+` on the wire is a space here) has a
/// shape that is safe to sign.
///
/// The CRC response is an HMAC-SHA256 under the consumer secret, the same key X uses to sign
/// webhook bodies. Signing arbitrary input would let anyone who can reach the endpoint obtain a
/// valid signature for a body of their choice. The guard therefore refuses:
///
/// - an empty token, or one made only of spaces;
/// - a token longer than [`CRC_TOKEN_MAX_LEN`] bytes;
/// - any byte outside ASCII letters and digits, `-`, `_`, `=`, `+`, `/`, `.`, `~`, `:` and space
///   (this rules out `{`, `[` and `"`, so no JSON object, array or string can get through);
/// - a token that, once JSON whitespace is trimmed, is a JSON text: `true`, `false`, `null` or a
///   JSON number such as `12` or `-1.5e3`.
///
/// # Errors
///
/// Returns the first [`CrcTokenError`] that applies, in the order above.
///
/// ```
/// use aaa_crypto::{CrcTokenError, check_crc_token};
///
/// assert_eq!(check_crc_token("r4nd0m-T0ken"), Ok(()));
/// assert_eq!(check_crc_token("{\"a\":1}"), Err(CrcTokenError::InvalidByte { offset: 0 }));
/// assert_eq!(check_crc_token(" 12 "), Err(CrcTokenError::LooksLikeJson));
/// ```
pub fn check_crc_token(token: &str) -> Result<(), CrcTokenError> {
    let bytes = token.as_bytes();
    if bytes.iter().all(|&b| b == b' ') {
        return Err(CrcTokenError::Empty);
    }
    if bytes.len() > CRC_TOKEN_MAX_LEN {
        return Err(CrcTokenError::TooLong);
    }
    if let Some(offset) = bytes.iter().position(|&b| !is_token_byte(b)) {
        return Err(CrcTokenError::InvalidByte { offset });
    }
    // Of JSON's whitespace only the space can be present at this point.
    let trimmed = token.trim_matches(' ').as_bytes();
    if matches!(trimmed, b"true" | b"false" | b"null") || is_json_number(trimmed) {
        return Err(CrcTokenError::LooksLikeJson);
    }
    Ok(())
}

/// Whether `b` belongs to the documented `crc_token` character set.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'_' | b'=' | b'+' | b'/' | b'.' | b'~' | b':' | b' '
        )
}

/// Whether `s` is exactly a JSON number (RFC 8259 section 6):
/// `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`.
fn is_json_number(s: &[u8]) -> bool {
    fn digits(s: &[u8], mut i: usize) -> usize {
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        i
    }
    let mut i = 0;
    if s.first() == Some(&b'-') {
        i += 1;
    }
    match s.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(s, i + 1),
        _ => return false,
    }
    if s.get(i) == Some(&b'.') {
        let end = digits(s, i + 1);
        if end == i + 1 {
            return false;
        }
        i = end;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits(s, i);
        if end == i {
            return false;
        }
        i = end;
    }
    i == s.len()
}

/// The CRC response token for `token`: `sha256=` followed by the standard (padded) base64 of
/// HMAC-SHA256 keyed with the consumer secret.
///
/// This is the bare primitive and signs whatever it is given; a CRC endpoint should call
/// [`crc_response_body`] (or [`check_crc_token`] first), which refuses tokens that could double
/// as a signed body.
///
/// ```
/// use aaa_crypto::{ConsumerSecret, crc_response_token};
///
/// let secret = ConsumerSecret::new("my-consumer-secret");
/// let token = crc_response_token(&secret, b"some-crc-token");
/// assert!(token.starts_with("sha256=") && token.len() == 51);
/// ```
pub fn crc_response_token(secret: &ConsumerSecret, token: &[u8]) -> String {
    SigningKey::new(secret).crc_response_token(token)
}

/// The JSON body answering a CRC, `{"response_token":"sha256=..."}`, after checking the token
/// with [`check_crc_token`].
///
/// # Errors
///
/// Returns a [`CrcTokenError`] when the token's shape is refused; nothing is signed then.
///
/// ```
/// use aaa_crypto::{ConsumerSecret, CrcTokenError, crc_response_body};
///
/// let secret = ConsumerSecret::new("my-consumer-secret");
/// let body = crc_response_body(&secret, "some-crc-token")?;
/// assert!(body.starts_with(r#"{"response_token":"sha256="#));
/// assert_eq!(crc_response_body(&secret, "null"), Err(CrcTokenError::LooksLikeJson));
/// # Ok::<(), CrcTokenError>(())
/// ```
pub fn crc_response_body(secret: &ConsumerSecret, token: &str) -> Result<String, CrcTokenError> {
    SigningKey::new(secret).crc_response_body(token)
}

/// The CRC answers of a prepared key: they live beside the token guard, above the signature
/// primitive they use.
impl SigningKey {
    /// The CRC response token for `token`, computed exactly like [`SigningKey::sign`]. This is
    /// the unguarded primitive; see [`crate::crc_response_token`].
    pub fn crc_response_token(&self, token: &[u8]) -> String {
        self.sign(token)
    }

    /// The CRC response JSON for `token` after [`check_crc_token`]; see
    /// [`crate::crc_response_body`].
    ///
    /// # Errors
    ///
    /// Returns a [`CrcTokenError`] when the token's shape is refused.
    pub fn crc_response_body(&self, token: &str) -> Result<String, CrcTokenError> {
        check_crc_token(token)?;
        Ok(response_body(&self.crc_response_token(token.as_bytes())))
    }
}

/// Wraps a response token in the CRC response JSON. The token holds only base64 characters and
/// `sha256=`, none of which need escaping in a JSON string.
fn response_body(response_token: &str) -> String {
    let mut body = String::with_capacity(response_token.len() + 22);
    body.push_str("{\"response_token\":\"");
    body.push_str(response_token);
    body.push_str("\"}");
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_tokens() {
        for token in [
            "a",
            "r4nd0m-T0ken_with.all~chars:and/more=+",
            "token with spaces",
            "NDk3ZDJlZDctYTE1Yy00Mjk3LWFlYWEtYjE3NmZiNTNlZmY5",
            "1a",
            "01",
            "1.",
            ".5",
            "1e",
            "-",
            "+1",
            "1e5x",
            "truefalse",
            "True",
            "NULL",
            "nan",
            "Infinity",
        ] {
            assert_eq!(check_crc_token(token), Ok(()), "{token:?}");
        }
        assert_eq!(check_crc_token(&"x".repeat(CRC_TOKEN_MAX_LEN)), Ok(()));
    }

    #[test]
    fn refuses_empty_and_long() {
        assert_eq!(check_crc_token(""), Err(CrcTokenError::Empty));
        assert_eq!(check_crc_token("   "), Err(CrcTokenError::Empty));
        assert_eq!(
            check_crc_token(&"x".repeat(CRC_TOKEN_MAX_LEN + 1)),
            Err(CrcTokenError::TooLong)
        );
    }

    #[test]
    fn refuses_bytes_outside_the_set() {
        for (token, offset) in [
            ("{}", 0),
            ("ab\"c", 2),
            ("[1]", 0),
            ("a\tb", 1),
            ("a\nb", 1),
            ("caf\u{e9}", 3),
            ("a%20b", 1),
            ("a&b", 1),
            ("a,b", 1),
        ] {
            assert_eq!(
                check_crc_token(token),
                Err(CrcTokenError::InvalidByte { offset }),
                "{token:?}"
            );
        }
    }

    #[test]
    fn refuses_json_scalars() {
        for token in [
            "true", "false", "null", " true ", "0", "12", "-0", "-1.5e3", "1E+5", "2e-7", "3.25",
            " 7", "7  ",
        ] {
            assert_eq!(
                check_crc_token(token),
                Err(CrcTokenError::LooksLikeJson),
                "{token:?}"
            );
        }
    }

    #[test]
    fn messages_are_static_and_lowercase() {
        for e in [
            CrcTokenError::Empty,
            CrcTokenError::TooLong,
            CrcTokenError::InvalidByte { offset: 3 },
            CrcTokenError::LooksLikeJson,
        ] {
            let msg = e.as_str();
            assert!(msg.starts_with("crc_token"));
            assert_eq!(msg, msg.to_lowercase());
            assert!(e.to_string().starts_with(msg));
        }
        assert_eq!(
            CrcTokenError::InvalidByte { offset: 3 }.to_string(),
            "crc_token contains a character other than ascii letters, digits, space and -_=+/.~: \
             (at byte 3)"
        );
    }

    #[test]
    fn body_wraps_token() {
        let secret = ConsumerSecret::new("secret");
        let token = crc_response_token(&secret, b"abc");
        assert_eq!(
            crc_response_body(&secret, "abc").unwrap(),
            format!("{{\"response_token\":\"{token}\"}}")
        );
        assert_eq!(crc_response_body(&secret, ""), Err(CrcTokenError::Empty));
    }
}
