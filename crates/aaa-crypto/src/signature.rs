//! Webhook signatures: `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(body)>`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::hmac;

use crate::secret::ConsumerSecret;

/// The request header that carries the webhook signature (header names are case-insensitive).
pub const SIGNATURE_HEADER: &str = "x-twitter-webhooks-signature";

/// The prefix of a signature header value and of a CRC response token.
pub const SIGNATURE_PREFIX: &str = "sha256=";

/// Length of the base64 part of a signature: 32 bytes, padded.
const B64_LEN: usize = 44;

/// Length of an HMAC-SHA256 tag.
const TAG_LEN: usize = 32;

/// Why a webhook signature was refused. The variants never carry the signature or the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureError {
    /// No signature: the header is absent or its value is empty.
    Missing,
    /// The value does not start with exactly `sha256=`.
    MalformedPrefix,
    /// The part after `sha256=` is not canonical standard base64.
    MalformedBase64,
    /// The part after `sha256=` is not 44 characters long, or does not decode to 32 bytes.
    WrongLength,
    /// The signature is well formed but matches none of the configured secrets.
    Mismatch,
    /// No secret is configured, so nothing can be verified.
    NoSecrets,
}

impl SignatureError {
    /// A static, lowercase description of the problem.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing x-twitter-webhooks-signature header",
            Self::MalformedPrefix => "signature does not start with sha256=",
            Self::MalformedBase64 => "signature is not valid base64",
            Self::WrongLength => "signature is not a 32-byte hmac-sha256 in 44 base64 characters",
            Self::Mismatch => "signature does not match the body",
            Self::NoSecrets => "no consumer secret is configured to verify signatures",
        }
    }
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for SignatureError {}

/// One consumer secret turned into a ready HMAC-SHA256 key, so the hot path does not rebuild the
/// key for every request. Its `Debug` output shows no key material.
#[derive(Clone)]
pub struct SigningKey {
    key: hmac::Key,
}

impl SigningKey {
    /// Prepares the key for `secret`.
    pub fn new(secret: &ConsumerSecret) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret.expose_secret()),
        }
    }

    /// The signature header value for `body`: `sha256=` + standard base64 of
    /// HMAC-SHA256(secret, body).
    pub fn sign(&self, body: &[u8]) -> String {
        let tag = hmac::sign(&self.key, body);
        let mut out = String::with_capacity(SIGNATURE_PREFIX.len() + B64_LEN);
        out.push_str(SIGNATURE_PREFIX);
        STANDARD.encode_string(tag.as_ref(), &mut out);
        out
    }

    /// Checks `header_value` against `body` with this key alone.
    ///
    /// # Errors
    ///
    /// As [`Verifier::verify`], except that [`SignatureError::NoSecrets`] cannot occur.
    pub fn verify(&self, header_value: &[u8], body: &[u8]) -> Result<(), SignatureError> {
        let tag = parse_header(header_value)?;
        hmac::verify(&self.key, body, &tag).map_err(|_| SignatureError::Mismatch)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// Verifies webhook signatures against one or more consumer secrets (for example the current and
/// the previous secret while rotating them), with every key prepared once.
///
/// ```
/// use aaa_crypto::{ConsumerSecret, SignatureError, Verifier};
///
/// let old = ConsumerSecret::new("old-secret");
/// let new = ConsumerSecret::new("new-secret");
/// let verifier = Verifier::new(&[new, old.clone()]);
///
/// let body = br#"{"for_user_id":"1"}"#;
/// let header = aaa_crypto::sign(&old, body);
/// assert_eq!(verifier.verify(header.as_bytes(), body), Ok(1));
/// assert_eq!(verifier.verify(header.as_bytes(), b"{}"), Err(SignatureError::Mismatch));
/// ```
#[derive(Clone)]
pub struct Verifier {
    keys: Vec<SigningKey>,
}

impl Verifier {
    /// Prepares a key for each secret, keeping their order.
    pub fn new(secrets: &[ConsumerSecret]) -> Self {
        Self {
            keys: secrets.iter().map(SigningKey::new).collect(),
        }
    }

    /// Builds a verifier from keys prepared earlier.
    pub fn from_keys(keys: Vec<SigningKey>) -> Self {
        Self { keys }
    }

    /// The prepared keys, in order.
    pub fn keys(&self) -> &[SigningKey] {
        &self.keys
    }

    /// Number of configured secrets.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no secret is configured.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Checks the raw `x-twitter-webhooks-signature` header value against the raw request body
    /// and returns the index of the first secret that produced it.
    ///
    /// The value must be exactly `sha256=` followed by 44 characters of canonical, padded
    /// standard base64 that decode to 32 bytes; no surrounding whitespace or trailing bytes are
    /// tolerated. Tags are compared in constant time with `ring::hmac::verify`.
    ///
    /// # Errors
    ///
    /// - [`SignatureError::NoSecrets`] when no secret is configured;
    /// - [`SignatureError::Missing`] when `header_value` is empty;
    /// - [`SignatureError::MalformedPrefix`], [`SignatureError::WrongLength`] or
    ///   [`SignatureError::MalformedBase64`] when the value is not well formed;
    /// - [`SignatureError::Mismatch`] when no secret's signature matches.
    pub fn verify(&self, header_value: &[u8], body: &[u8]) -> Result<usize, SignatureError> {
        if self.keys.is_empty() {
            return Err(SignatureError::NoSecrets);
        }
        let tag = parse_header(header_value)?;
        self.keys
            .iter()
            .position(|k| hmac::verify(&k.key, body, &tag).is_ok())
            .ok_or(SignatureError::Mismatch)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys.len())
            .finish()
    }
}

/// Parses a signature header value strictly into the 32-byte tag it carries.
fn parse_header(value: &[u8]) -> Result<[u8; TAG_LEN], SignatureError> {
    if value.is_empty() {
        return Err(SignatureError::Missing);
    }
    let b64 = value
        .strip_prefix(SIGNATURE_PREFIX.as_bytes())
        .ok_or(SignatureError::MalformedPrefix)?;
    if b64.len() != B64_LEN {
        return Err(SignatureError::WrongLength);
    }
    // 44 characters decode to at most 33 bytes.
    let mut buf = [0u8; TAG_LEN + 1];
    let n = STANDARD
        .decode_slice(b64, &mut buf)
        .map_err(|_| SignatureError::MalformedBase64)?;
    if n != TAG_LEN {
        return Err(SignatureError::WrongLength);
    }
    let mut tag = [0u8; TAG_LEN];
    tag.copy_from_slice(&buf[..TAG_LEN]);
    Ok(tag)
}

/// The `x-twitter-webhooks-signature` value for `body`: `sha256=` + standard base64 of
/// HMAC-SHA256(consumer secret, body).
///
/// ```
/// let secret = aaa_crypto::ConsumerSecret::new("my-consumer-secret");
/// let header = aaa_crypto::sign(&secret, b"{}");
/// assert!(header.starts_with("sha256=") && header.len() == 51);
/// ```
pub fn sign(secret: &ConsumerSecret, body: &[u8]) -> String {
    SigningKey::new(secret).sign(body)
}

/// Checks a signature header value against a body and returns the index of the matching secret.
///
/// This prepares every key on each call; a server should build a [`Verifier`] once instead.
///
/// # Errors
///
/// As [`Verifier::verify`].
pub fn verify(
    secrets: &[ConsumerSecret],
    header_value: &[u8],
    body: &[u8],
) -> Result<usize, SignatureError> {
    Verifier::new(secrets).verify(header_value, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> ConsumerSecret {
        ConsumerSecret::new(s)
    }

    #[test]
    fn sign_then_verify_returns_index() {
        let secrets = [secret("a"), secret("b"), secret("c")];
        for (i, s) in secrets.iter().enumerate() {
            let header = sign(s, b"body");
            assert_eq!(verify(&secrets, header.as_bytes(), b"body"), Ok(i));
        }
    }

    #[test]
    fn strict_parsing() {
        let s = secret("key");
        let good = sign(&s, b"x");
        let b64 = &good[SIGNATURE_PREFIX.len()..];
        let keys = [s];
        let check = |h: &str| verify(&keys, h.as_bytes(), b"x");
        assert_eq!(check(&good), Ok(0));
        assert_eq!(check(""), Err(SignatureError::Missing));
        assert_eq!(check(b64), Err(SignatureError::MalformedPrefix));
        assert_eq!(
            check(&format!("SHA256={b64}")),
            Err(SignatureError::MalformedPrefix)
        );
        assert_eq!(
            check(&format!(" sha256={b64}")),
            Err(SignatureError::MalformedPrefix)
        );
        assert_eq!(
            check(&format!("sha1={b64}")),
            Err(SignatureError::MalformedPrefix)
        );
        assert_eq!(check(&format!("{good} ")), Err(SignatureError::WrongLength));
        assert_eq!(
            check(&format!("{good}\n")),
            Err(SignatureError::WrongLength)
        );
        assert_eq!(check(&format!("{good}=")), Err(SignatureError::WrongLength));
        assert_eq!(
            check(&good[..good.len() - 1]),
            Err(SignatureError::WrongLength)
        );
        assert_eq!(check("sha256="), Err(SignatureError::WrongLength));
        // 44 characters, but no padding (33 bytes) or double padding (31 bytes).
        let unpadded = format!("sha256={}A", &b64[..43]);
        assert_eq!(check(&unpadded), Err(SignatureError::WrongLength));
        let double = format!("sha256={}==", &b64[..42]);
        assert!(matches!(
            check(&double),
            Err(SignatureError::WrongLength | SignatureError::MalformedBase64)
        ));
        // URL-safe alphabet and stray characters are not standard base64.
        let mut bad = String::from("sha256=");
        bad.push_str(&"-".repeat(43));
        bad.push('=');
        assert_eq!(check(&bad), Err(SignatureError::MalformedBase64));
        let spaced = format!("sha256= {}", &b64[1..]);
        assert_eq!(check(&spaced), Err(SignatureError::MalformedBase64));
    }

    #[test]
    fn non_canonical_trailing_bits_are_refused() {
        // The last symbol before '=' carries 2 unused bits; they must be zero.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let s = secret("key");
        let good = sign(&s, b"x");
        let b64 = &good.as_bytes()[SIGNATURE_PREFIX.len()..];
        let last = b64[42];
        let idx = ALPHABET.iter().position(|&c| c == last).unwrap();
        let tweaked = ALPHABET[idx ^ 1] as char;
        let header = format!("sha256={}{}=", &good[7..49], tweaked);
        assert_eq!(
            verify(&[s], header.as_bytes(), b"x"),
            Err(SignatureError::MalformedBase64)
        );
    }

    #[test]
    fn mismatch_and_no_secrets() {
        let header = sign(&secret("a"), b"body");
        assert_eq!(
            verify(&[secret("b")], header.as_bytes(), b"body"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&[], header.as_bytes(), b"body"),
            Err(SignatureError::NoSecrets)
        );
    }

    #[test]
    fn signing_key_matches_free_functions() {
        let s = secret("k");
        let key = SigningKey::new(&s);
        assert_eq!(key.sign(b"abc"), sign(&s, b"abc"));
        assert_eq!(key.verify(key.sign(b"abc").as_bytes(), b"abc"), Ok(()));
        assert_eq!(
            key.verify(key.sign(b"abc").as_bytes(), b"abd"),
            Err(SignatureError::Mismatch)
        );
        let verifier = Verifier::from_keys(vec![key.clone()]);
        assert_eq!(verifier.len(), 1);
        assert!(!verifier.is_empty());
        assert_eq!(verifier.keys().len(), 1);
    }

    #[test]
    fn debug_shows_no_key_material() {
        let verifier = Verifier::new(&[secret("hunter2")]);
        assert_eq!(format!("{verifier:?}"), "Verifier { keys: 1 }");
        assert_eq!(
            format!("{:?}", verifier.keys()[0]),
            "SigningKey(<redacted>)"
        );
    }

    #[test]
    fn messages_are_static_and_lowercase() {
        for e in [
            SignatureError::Missing,
            SignatureError::MalformedPrefix,
            SignatureError::MalformedBase64,
            SignatureError::WrongLength,
            SignatureError::Mismatch,
            SignatureError::NoSecrets,
        ] {
            assert_eq!(e.as_str(), e.as_str().to_lowercase());
            assert_eq!(e.to_string(), e.as_str());
        }
    }
}
