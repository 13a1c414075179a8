//! Signing requests: credentials, the signer and its output.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

use super::encode::encode_into;
use super::request::Request;
use super::{OAuthError, SignatureMethod};
use crate::secret::{ConsumerSecret, TokenSecret, wipe};

/// The credentials a request is signed with: the app's consumer key and secret and, when acting
/// as a user, that user's access token and token secret. Secrets print as `<redacted>`.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The consumer key (API key), sent as `oauth_consumer_key`.
    pub consumer_key: String,
    /// The consumer secret (API key secret).
    pub consumer_secret: ConsumerSecret,
    /// The access token (or temporary token), sent as `oauth_token` when present.
    pub token: Option<String>,
    /// The token secret; the empty string is used when absent.
    pub token_secret: Option<TokenSecret>,
}

impl Credentials {
    /// App-only credentials (no token), as used to obtain temporary credentials.
    pub fn new(
        consumer_key: impl Into<String>,
        consumer_secret: impl Into<ConsumerSecret>,
    ) -> Self {
        Self {
            consumer_key: consumer_key.into(),
            consumer_secret: consumer_secret.into(),
            token: None,
            token_secret: None,
        }
    }

    /// Adds a token and its secret.
    #[must_use]
    pub fn with_token(
        mut self,
        token: impl Into<String>,
        token_secret: impl Into<TokenSecret>,
    ) -> Self {
        self.token = Some(token.into());
        self.token_secret = Some(token_secret.into());
        self
    }

    /// The HMAC key: `enc(consumer secret) & enc(token secret)`.
    fn hmac_key(&self, method: SignatureMethod) -> hmac::Key {
        signing_key(method, &self.consumer_secret, self.token_secret.as_ref())
    }
}

/// Builds the HMAC key `enc(consumer secret) & enc(token secret)` (RFC 5849 section 3.4.2).
pub(crate) fn signing_key(
    method: SignatureMethod,
    consumer_secret: &ConsumerSecret,
    token_secret: Option<&TokenSecret>,
) -> hmac::Key {
    let mut key = String::new();
    encode_into(consumer_secret.expose_secret(), &mut key);
    key.push('&');
    if let Some(token_secret) = token_secret {
        encode_into(token_secret.expose_secret(), &mut key);
    }
    let hmac_key = hmac::Key::new(method.algorithm(), key.as_bytes());
    let mut bytes = key.into_bytes();
    wipe(&mut bytes);
    hmac_key
}

/// Signs [`Request`]s with one set of [`Credentials`].
///
/// By default it uses HMAC-SHA1, a fresh random 32-character alphanumeric nonce and the system
/// clock for every request, and sends `oauth_version="1.0"`.
///
/// ```
/// use aaa_crypto::oauth1::{Credentials, Request, Signer};
///
/// let creds = Credentials::new("xvz1evFS4wEEPTGEFPHBog", "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw")
///     .with_token(
///         "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
///         "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
///     );
/// let req = Request::new("POST", "https://api.twitter.com/1.1/statuses/update.json?include_entities=true")
///     .form("status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21");
/// let signed = Signer::new(creds)
///     .nonce("kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg")
///     .timestamp(1_318_622_958)
///     .sign(&req)?;
/// assert_eq!(signed.signature, "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
/// assert!(signed.header.starts_with(r#"OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", "#));
/// # Ok::<(), aaa_crypto::oauth1::OAuthError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Signer {
    credentials: Credentials,
    method: SignatureMethod,
    nonce: Option<String>,
    timestamp: Option<u64>,
    callback: Option<String>,
    verifier: Option<String>,
    realm: Option<String>,
    version: bool,
}

impl Signer {
    /// A signer with default settings.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            method: SignatureMethod::HmacSha1,
            nonce: None,
            timestamp: None,
            callback: None,
            verifier: None,
            realm: None,
            version: true,
        }
    }

    /// The credentials in use.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Chooses the signature method (HMAC-SHA1 by default).
    #[must_use]
    pub fn method(mut self, method: SignatureMethod) -> Self {
        self.method = method;
        self
    }

    /// Uses this nonce instead of a random one (for tests and reproducible vectors; a nonce must
    /// never be reused in real traffic).
    #[must_use]
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// Uses this timestamp (seconds since the Unix epoch) instead of the system clock.
    #[must_use]
    pub fn timestamp(mut self, timestamp: u64) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// Sends `oauth_callback` (for the temporary credentials request; `oob` for out-of-band).
    #[must_use]
    pub fn callback(mut self, callback: impl Into<String>) -> Self {
        self.callback = Some(callback.into());
        self
    }

    /// Sends `oauth_verifier` (for the token request).
    #[must_use]
    pub fn verifier(mut self, verifier: impl Into<String>) -> Self {
        self.verifier = Some(verifier.into());
        self
    }

    /// Adds a `realm` to the header. It is not signed.
    #[must_use]
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    /// Whether to send `oauth_version="1.0"` (the default is to send it; it is optional).
    #[must_use]
    pub fn version(mut self, include: bool) -> Self {
        self.version = include;
        self
    }

    /// Signs `request`.
    ///
    /// # Errors
    ///
    /// Any error of [`Request::base_string`], [`OAuthError::Random`] if no nonce was given and
    /// the system random generator fails, and [`OAuthError::Clock`] if no timestamp was given and
    /// the system clock reads before 1970.
    pub fn sign(&self, request: &Request) -> Result<Signed, OAuthError> {
        let nonce = match &self.nonce {
            Some(nonce) => nonce.clone(),
            None => random_nonce()?,
        };
        let timestamp = match self.timestamp {
            Some(t) => t,
            None => now()?,
        }
        .to_string();

        let mut params: Vec<(&str, &str)> = Vec::with_capacity(9);
        if let Some(callback) = &self.callback {
            params.push(("oauth_callback", callback));
        }
        params.push(("oauth_consumer_key", &self.credentials.consumer_key));
        params.push(("oauth_nonce", &nonce));
        params.push(("oauth_signature_method", self.method.as_str()));
        params.push(("oauth_timestamp", &timestamp));
        if let Some(token) = &self.credentials.token {
            params.push(("oauth_token", token));
        }
        if let Some(verifier) = &self.verifier {
            params.push(("oauth_verifier", verifier));
        }
        if self.version {
            params.push(("oauth_version", "1.0"));
        }

        let base_string = request.base_string(&params)?;
        let tag = hmac::sign(
            &self.credentials.hmac_key(self.method),
            base_string.as_bytes(),
        );
        let signature = STANDARD.encode(tag.as_ref());

        params.push(("oauth_signature", &signature));
        params.sort_unstable();
        let mut header = String::from("OAuth ");
        if let Some(realm) = &self.realm {
            header.push_str("realm=\"");
            encode_into(realm.as_bytes(), &mut header);
            header.push_str("\", ");
        }
        for (i, (name, value)) in params.iter().enumerate() {
            if i > 0 {
                header.push_str(", ");
            }
            encode_into(name.as_bytes(), &mut header);
            header.push_str("=\"");
            encode_into(value.as_bytes(), &mut header);
            header.push('"');
        }

        Ok(Signed {
            header,
            base_string,
            signature,
            nonce,
            timestamp,
        })
    }
}

/// The result of signing a request. Its `Debug` output leaves out the signature and header.
#[derive(Clone, PartialEq, Eq)]
pub struct Signed {
    /// The `Authorization` header value, `OAuth oauth_consumer_key="...", ...`.
    pub header: String,
    /// The signature base string that was signed.
    pub base_string: String,
    /// The signature, standard base64 (not percent-encoded).
    pub signature: String,
    /// The `oauth_nonce` used.
    pub nonce: String,
    /// The `oauth_timestamp` used.
    pub timestamp: String,
}

impl fmt::Debug for Signed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signed")
            .field("header", &"<redacted>")
            .field("base_string", &self.base_string)
            .field("signature", &"<redacted>")
            .field("nonce", &self.nonce)
            .field("timestamp", &self.timestamp)
            .finish()
    }
}

/// Length of a generated nonce.
const NONCE_LEN: usize = 32;

/// A random nonce of [`NONCE_LEN`] ASCII letters and digits, drawn without modulo bias.
fn random_nonce() -> Result<String, OAuthError> {
    const ALPHANUMERIC: &[u8; 62] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let rng = SystemRandom::new();
    let mut nonce = String::with_capacity(NONCE_LEN);
    let mut buf = [0u8; 48];
    while nonce.len() < NONCE_LEN {
        rng.fill(&mut buf).map_err(|_| OAuthError::Random)?;
        // 248 = 4 * 62: bytes at or above it would favour the first symbols.
        for &b in buf.iter().filter(|&&b| b < 248) {
            nonce.push(char::from(ALPHANUMERIC[usize::from(b % 62)]));
            if nonce.len() == NONCE_LEN {
                break;
            }
        }
    }
    Ok(nonce)
}

fn now() -> Result<u64, OAuthError> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| OAuthError::Clock)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x_example() -> (Credentials, Request) {
        let creds = Credentials::new(
            "xvz1evFS4wEEPTGEFPHBog",
            "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
        )
        .with_token(
            "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
            "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
        );
        let req = Request::new(
            "POST",
            "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
        )
        .form("status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21");
        (creds, req)
    }

    #[test]
    fn x_creating_a_signature_example() {
        let (creds, req) = x_example();
        let signed = Signer::new(creds)
            .nonce("kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg")
            .timestamp(1_318_622_958)
            .sign(&req)
            .unwrap();
        assert_eq!(signed.signature, "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
        assert_eq!(
            signed.header,
            "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", \
             oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", \
             oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\", \
             oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1318622958\", \
             oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", \
             oauth_version=\"1.0\""
        );
        assert_eq!(signed.timestamp, "1318622958");
    }

    #[test]
    fn param_instead_of_form_gives_same_signature() {
        let (creds, _) = x_example();
        let req = Request::new(
            "POST",
            "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
        )
        .param(
            "status",
            "Hello Ladies + Gentlemen, a signed OAuth request!",
        );
        let signed = Signer::new(creds)
            .nonce("kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg")
            .timestamp(1_318_622_958)
            .sign(&req)
            .unwrap();
        assert_eq!(signed.signature, "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
    }

    #[test]
    fn random_nonce_and_clock() {
        let (creds, req) = x_example();
        let signer = Signer::new(creds);
        let a = signer.sign(&req).unwrap();
        let b = signer.sign(&req).unwrap();
        assert_eq!(a.nonce.len(), NONCE_LEN);
        assert!(a.nonce.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a.nonce, b.nonce);
        assert!(a.timestamp.parse::<u64>().unwrap() > 1_700_000_000);
    }

    #[test]
    fn realm_version_and_debug() {
        let signed = Signer::new(Credentials::new("key", "secret"))
            .realm("Photos")
            .version(false)
            .nonce("n")
            .timestamp(1)
            .method(SignatureMethod::HmacSha256)
            .sign(&Request::new("GET", "https://a/"))
            .unwrap();
        assert!(
            signed
                .header
                .starts_with("OAuth realm=\"Photos\", oauth_consumer_key=\"key\"")
        );
        assert!(!signed.header.contains("oauth_version"));
        assert!(!signed.header.contains("oauth_token"));
        assert!(
            signed
                .header
                .contains("oauth_signature_method=\"HMAC-SHA256\"")
        );
        assert_eq!(signed.signature.len(), 44);
        let debug = format!("{signed:?}");
        assert!(!debug.contains(&signed.signature));
        let signer_debug = format!("{:?}", Signer::new(Credentials::new("key", "hunter2")));
        assert!(!signer_debug.contains("hunter2"));
    }
}
