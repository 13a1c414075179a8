//! Reading an `Authorization: OAuth ...` header and checking the signature it carries.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::hmac;

use super::encode::percent_decode;
use super::request::Request;
use super::signer::signing_key;
use super::{OAuthError, SignatureMethod};
use crate::secret::{ConsumerSecret, TokenSecret};

/// The parameters of an `Authorization: OAuth ...` header (RFC 5849 section 3.5.1), decoded.
///
/// ```
/// use aaa_crypto::oauth1::AuthorizationHeader;
///
/// let header = AuthorizationHeader::parse(
///     r#"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_callback="http%3A%2F%2Fprinter.example.com%2Fready""#,
/// )?;
/// assert_eq!(header.realm(), Some("Photos"));
/// assert_eq!(header.get("oauth_callback"), Some("http://printer.example.com/ready"));
/// # Ok::<(), aaa_crypto::oauth1::OAuthError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationHeader {
    realm: Option<String>,
    params: Vec<(String, String)>,
}

impl AuthorizationHeader {
    /// Parses a header value: the scheme `OAuth` (any case), whitespace, then
    /// `name="value"` pairs separated by commas with optional whitespace. Names and values are
    /// percent-decoded; `realm` is kept apart from the other parameters.
    ///
    /// # Errors
    ///
    /// [`OAuthError::MalformedHeader`] when the value does not have that shape (including a
    /// backslash or a missing quote), [`OAuthError::DuplicateParameter`] when a name appears
    /// twice, and [`OAuthError::InvalidPercentEncoding`] or [`OAuthError::InvalidUtf8`] for a bad
    /// name or value.
    pub fn parse(value: &str) -> Result<Self, OAuthError> {
        let rest = value
            .get(..5)
            .filter(|scheme| scheme.eq_ignore_ascii_case("oauth"))
            .map(|_| &value[5..])
            .ok_or(OAuthError::MalformedHeader)?;
        if !rest.starts_with(is_space) {
            return Err(OAuthError::MalformedHeader);
        }
        let mut rest = rest.trim_start_matches(is_space);

        let mut realm = None;
        let mut params: Vec<(String, String)> = Vec::new();
        loop {
            let (name, after_name) = rest.split_once('=').ok_or(OAuthError::MalformedHeader)?;
            let name_ok = !name.is_empty()
                && name.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'%')
                });
            if !name_ok {
                return Err(OAuthError::MalformedHeader);
            }
            let quoted = after_name
                .strip_prefix('"')
                .ok_or(OAuthError::MalformedHeader)?;
            let (raw_value, after_value) =
                quoted.split_once('"').ok_or(OAuthError::MalformedHeader)?;
            if raw_value.contains('\\') {
                return Err(OAuthError::MalformedHeader);
            }
            let name = decode_utf8(name)?;
            let value = decode_utf8(raw_value)?;
            if name == "realm" {
                if realm.replace(value).is_some() {
                    return Err(OAuthError::DuplicateParameter);
                }
            } else if params.iter().any(|(n, _)| *n == name) {
                return Err(OAuthError::DuplicateParameter);
            } else {
                params.push((name, value));
            }

            let after_value = after_value.trim_start_matches(is_space);
            if after_value.is_empty() {
                break;
            }
            rest = after_value
                .strip_prefix(',')
                .ok_or(OAuthError::MalformedHeader)?
                .trim_start_matches(is_space);
        }
        Ok(Self { realm, params })
    }

    /// The `realm`, if present.
    pub fn realm(&self) -> Option<&str> {
        self.realm.as_deref()
    }

    /// All parameters except `realm`, in header order.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `oauth_consumer_key`, if present.
    pub fn consumer_key(&self) -> Option<&str> {
        self.get("oauth_consumer_key")
    }

    /// `oauth_token`, if present.
    pub fn token(&self) -> Option<&str> {
        self.get("oauth_token")
    }

    /// `oauth_signature`, if present.
    pub fn signature(&self) -> Option<&str> {
        self.get("oauth_signature")
    }
}

impl fmt::Debug for AuthorizationHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_map();
        if let Some(realm) = &self.realm {
            list.entry(&"realm", realm);
        }
        for (name, value) in &self.params {
            if name == "oauth_signature" {
                list.entry(name, &"<redacted>");
            } else {
                list.entry(name, value);
            }
        }
        list.finish()
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn decode_utf8(s: &str) -> Result<String, OAuthError> {
    String::from_utf8(percent_decode(s)?).map_err(|_| OAuthError::InvalidUtf8)
}

/// Checks the signature of an OAuth 1.0a request as a server would: it rebuilds the base string
/// from `request` and every parameter of `header` except `oauth_signature`, and compares the
/// HMAC in constant time with `ring::hmac::verify`.
///
/// It checks that `oauth_consumer_key`, `oauth_nonce`, `oauth_signature`,
/// `oauth_signature_method` and `oauth_timestamp` are present and that `oauth_version`, when
/// present, is `1.0`. Looking up the secrets for the header's consumer key and token, and
/// refusing stale timestamps or reused nonces, is left to the caller.
///
/// # Errors
///
/// [`OAuthError::MissingParameter`], [`OAuthError::UnsupportedSignatureMethod`],
/// [`OAuthError::UnsupportedVersion`], [`OAuthError::MalformedSignature`], any error of
/// [`Request::base_string`], and [`OAuthError::SignatureMismatch`] when the signature is wrong.
///
/// ```
/// use aaa_crypto::oauth1::{AuthorizationHeader, Credentials, Request, Signer, verify_request};
///
/// let creds = Credentials::new("key", "secret").with_token("token", "token-secret");
/// let req = Request::new("GET", "https://api.x.com/2/users/me?user.fields=id");
/// let signed = Signer::new(creds.clone()).sign(&req)?;
///
/// let header = AuthorizationHeader::parse(&signed.header)?;
/// verify_request(&req, &header, &creds.consumer_secret, creds.token_secret.as_ref())?;
/// # Ok::<(), aaa_crypto::oauth1::OAuthError>(())
/// ```
pub fn verify_request(
    request: &Request,
    header: &AuthorizationHeader,
    consumer_secret: &ConsumerSecret,
    token_secret: Option<&TokenSecret>,
) -> Result<(), OAuthError> {
    let required = |name: &'static str| {
        header
            .get(name)
            .ok_or(OAuthError::MissingParameter { name })
    };
    required("oauth_consumer_key")?;
    required("oauth_nonce")?;
    required("oauth_timestamp")?;
    let signature = required("oauth_signature")?;
    let method = SignatureMethod::from_name(required("oauth_signature_method")?)
        .ok_or(OAuthError::UnsupportedSignatureMethod)?;
    if header.get("oauth_version").is_some_and(|v| v != "1.0") {
        return Err(OAuthError::UnsupportedVersion);
    }
    let tag = STANDARD
        .decode(signature)
        .map_err(|_| OAuthError::MalformedSignature)?;

    let params: Vec<(&str, &str)> = header
        .params()
        .iter()
        .filter(|(name, _)| name != "oauth_signature")
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let base_string = request.base_string(&params)?;
    let key = signing_key(method, consumer_secret, token_secret);
    hmac::verify(&key, base_string.as_bytes(), &tag).map_err(|_| OAuthError::SignatureMismatch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth1::{Credentials, Signer};

    #[test]
    fn parses_rfc_header_with_line_breaks() {
        let header = AuthorizationHeader::parse(
            "OAuth realm=\"Example\",\n   oauth_consumer_key=\"9djdj82h48djs9d2\",\n   \
             oauth_token=\"kkk9d7dh3k39sjv7\",\n   oauth_signature_method=\"HMAC-SHA1\",\n   \
             oauth_timestamp=\"137131201\",\n   oauth_nonce=\"7d8f3e4a\",\n   \
             oauth_signature=\"r6%2FTJjbCOr97%2F%2BUU0NsvSne7s5g%3D\"",
        )
        .unwrap();
        assert_eq!(header.realm(), Some("Example"));
        assert_eq!(header.consumer_key(), Some("9djdj82h48djs9d2"));
        assert_eq!(header.token(), Some("kkk9d7dh3k39sjv7"));
        assert_eq!(header.signature(), Some("r6/TJjbCOr97/+UU0NsvSne7s5g="));
        assert_eq!(header.params().len(), 6);
        assert!(!format!("{header:?}").contains("r6/TJ"));

        let req = Request::new(
            "POST",
            "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
        )
        .form("c2&a3=2+q");
        let consumer = ConsumerSecret::new("j49sk3j29djd");
        let token = TokenSecret::new("dh893hdasih9");
        assert_eq!(
            verify_request(&req, &header, &consumer, Some(&token)),
            Ok(())
        );
        assert_eq!(
            verify_request(&req, &header, &consumer, None),
            Err(OAuthError::SignatureMismatch)
        );
        let other = Request::new(
            "POST",
            "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
        );
        assert_eq!(
            verify_request(&other, &header, &consumer, Some(&token)),
            Err(OAuthError::SignatureMismatch)
        );
    }

    #[test]
    fn malformed_headers() {
        for value in [
            "",
            "OAuth",
            "OAuth ",
            "Bearer abc",
            "OAuthx a=\"b\"",
            "OAuth a=b",
            "OAuth a=\"b",
            "OAuth a=\"b\" c=\"d\"",
            "OAuth a=\"b\",",
            "OAuth =\"b\"",
            "OAuth a b=\"c\"",
            "OAuth a=\"b\\\"c\"",
            "OAuth a=\"b\";c=\"d\"",
        ] {
            assert_eq!(
                AuthorizationHeader::parse(value),
                Err(OAuthError::MalformedHeader),
                "{value:?}"
            );
        }
        assert_eq!(
            AuthorizationHeader::parse("OAuth a=\"1\", a=\"2\""),
            Err(OAuthError::DuplicateParameter)
        );
        assert_eq!(
            AuthorizationHeader::parse("OAuth realm=\"1\", realm=\"2\""),
            Err(OAuthError::DuplicateParameter)
        );
        assert_eq!(
            AuthorizationHeader::parse("OAuth a=\"%zz\""),
            Err(OAuthError::InvalidPercentEncoding)
        );
        assert_eq!(
            AuthorizationHeader::parse("OAuth a=\"%ff\""),
            Err(OAuthError::InvalidUtf8)
        );
        let ok = AuthorizationHeader::parse("oauth a=\"\" ,\tb=\"x\"  ").unwrap();
        assert_eq!(ok.get("a"), Some(""));
        assert_eq!(ok.get("b"), Some("x"));
        assert_eq!(ok.get("c"), None);
    }

    #[test]
    fn verify_checks_required_params() {
        let req = Request::new("GET", "https://a/");
        let secret = ConsumerSecret::new("s");
        let check =
            |h: &str| verify_request(&req, &AuthorizationHeader::parse(h).unwrap(), &secret, None);
        let full = Signer::new(Credentials::new("k", "s"))
            .sign(&req)
            .unwrap()
            .header;
        assert_eq!(check(&full), Ok(()));
        for name in [
            "oauth_consumer_key",
            "oauth_nonce",
            "oauth_timestamp",
            "oauth_signature",
            "oauth_signature_method",
        ] {
            let kept: Vec<String> = AuthorizationHeader::parse(&full)
                .unwrap()
                .params()
                .iter()
                .filter(|(n, _)| n != name)
                .map(|(n, v)| format!("{n}=\"{}\"", crate::oauth1::percent_encode(v)))
                .collect();
            assert_eq!(
                check(&format!("OAuth {}", kept.join(", "))),
                Err(OAuthError::MissingParameter { name })
            );
        }
        let plaintext = full.replace("HMAC-SHA1", "PLAINTEXT");
        assert_eq!(
            check(&plaintext),
            Err(OAuthError::UnsupportedSignatureMethod)
        );
        let v2 = full.replace("oauth_version=\"1.0\"", "oauth_version=\"2.0\"");
        assert_eq!(check(&v2), Err(OAuthError::UnsupportedVersion));
        let header = AuthorizationHeader::parse(&full).unwrap();
        let bad_sig: Vec<String> = header
            .params()
            .iter()
            .map(|(n, v)| {
                let v = if n == "oauth_signature" {
                    "not*base64"
                } else {
                    v
                };
                format!("{n}=\"{}\"", crate::oauth1::percent_encode(v))
            })
            .collect();
        assert_eq!(
            check(&format!("OAuth {}", bad_sig.join(", "))),
            Err(OAuthError::MalformedSignature)
        );
    }

    #[test]
    fn sha256_round_trip() {
        let creds = Credentials::new("k", "s").with_token("t", "ts");
        let req =
            Request::new("POST", "https://api.x.com/2/webhooks").param("url", "https://e.com/hook");
        let signed = Signer::new(creds.clone())
            .method(SignatureMethod::HmacSha256)
            .sign(&req)
            .unwrap();
        let header = AuthorizationHeader::parse(&signed.header).unwrap();
        assert_eq!(
            verify_request(
                &req,
                &header,
                &creds.consumer_secret,
                creds.token_secret.as_ref()
            ),
            Ok(())
        );
    }
}
