//! Data-driven vectors from `fixtures/crypto/`, computed independently of this crate (see
//! `fixtures/crypto/generate.py`) and, where published, checked against X's docs and RFC 5849.

use std::path::PathBuf;

use aaa_crypto::oauth1::{
    self, AuthorizationHeader, Credentials, Request, SignatureMethod, Signer, verify_request,
};
use aaa_crypto::{
    BearerToken, ConsumerSecret, CrcTokenError, SignatureError, Verifier, bearer, check_crc_token,
    crc_response_body, crc_response_token, sign, verify,
};
use serde::Deserialize;

fn load<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "fixtures",
        "crypto",
        name,
    ]
    .iter()
    .collect();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

#[derive(Deserialize)]
struct CrcFile {
    response_tokens: Vec<CrcVector>,
    guard: Vec<GuardCase>,
}

#[derive(Deserialize)]
struct CrcVector {
    secret: String,
    token: String,
    response_token: String,
    response_body: String,
}

#[derive(Deserialize)]
struct GuardCase {
    token: String,
    error: Option<String>,
    offset: Option<usize>,
}

#[test]
fn crc_vectors() {
    let file: CrcFile = load("crc.json");
    assert!(!file.response_tokens.is_empty());
    for v in &file.response_tokens {
        let secret = ConsumerSecret::new(v.secret.as_str());
        assert_eq!(
            crc_response_token(&secret, v.token.as_bytes()),
            v.response_token
        );
        assert_eq!(
            crc_response_body(&secret, &v.token).unwrap(),
            v.response_body
        );
    }
    for case in &file.guard {
        let expected = match case.error.as_deref() {
            None => Ok(()),
            Some("empty") => Err(CrcTokenError::Empty),
            Some("too_long") => Err(CrcTokenError::TooLong),
            Some("invalid_byte") => Err(CrcTokenError::InvalidByte {
                offset: case.offset.expect("invalid_byte cases give an offset"),
            }),
            Some("looks_like_json") => Err(CrcTokenError::LooksLikeJson),
            Some(other) => panic!("unknown error kind {other}"),
        };
        assert_eq!(check_crc_token(&case.token), expected, "{:?}", case.token);
        // A refused token is never signed by the guarded helper.
        let body = crc_response_body(&ConsumerSecret::new("s"), &case.token);
        assert_eq!(body.is_ok(), expected.is_ok(), "{:?}", case.token);
    }
}

#[derive(Deserialize)]
struct SignatureFile {
    vectors: Vec<SignatureVector>,
    headers: HeaderCases,
    multi: Vec<MultiCase>,
}

#[derive(Deserialize)]
struct SignatureVector {
    secret: String,
    body: String,
    signature: String,
}

#[derive(Deserialize)]
struct HeaderCases {
    secret: String,
    body: String,
    cases: Vec<HeaderCase>,
}

#[derive(Deserialize)]
struct HeaderCase {
    header: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct MultiCase {
    secrets: Vec<String>,
    body: String,
    header: String,
    index: usize,
}

#[test]
fn signature_vectors() {
    let file: SignatureFile = load("signature.json");
    for v in &file.vectors {
        let secret = ConsumerSecret::new(v.secret.as_str());
        assert_eq!(sign(&secret, v.body.as_bytes()), v.signature);
        assert_eq!(
            verify(&[secret], v.signature.as_bytes(), v.body.as_bytes()),
            Ok(0)
        );
    }

    let secret = ConsumerSecret::new(file.headers.secret.as_str());
    let verifier = Verifier::new(&[secret]);
    for case in &file.headers.cases {
        let expected = match case.error.as_deref() {
            None => Ok(0),
            Some("missing") => Err(SignatureError::Missing),
            Some("malformed_prefix") => Err(SignatureError::MalformedPrefix),
            Some("malformed_base64") => Err(SignatureError::MalformedBase64),
            Some("wrong_length") => Err(SignatureError::WrongLength),
            Some("mismatch") => Err(SignatureError::Mismatch),
            Some(other) => panic!("unknown error kind {other}"),
        };
        assert_eq!(
            verifier.verify(case.header.as_bytes(), file.headers.body.as_bytes()),
            expected,
            "{:?}",
            case.header
        );
    }

    for case in &file.multi {
        let secrets: Vec<ConsumerSecret> = case.secrets.iter().map(ConsumerSecret::new).collect();
        assert_eq!(
            verify(&secrets, case.header.as_bytes(), case.body.as_bytes()),
            Ok(case.index)
        );
        assert_eq!(
            Verifier::new(&secrets).verify(case.header.as_bytes(), case.body.as_bytes()),
            Ok(case.index)
        );
    }
}

#[derive(Deserialize)]
struct OAuthFile {
    cases: Vec<OAuthCase>,
    percent_encoding: Vec<PercentCase>,
    base_string_uri: Vec<BaseUriCase>,
}

#[derive(Deserialize)]
struct OAuthCase {
    name: String,
    method: String,
    url: String,
    form: Option<String>,
    #[serde(default)]
    params: Vec<(String, String)>,
    consumer_key: String,
    consumer_secret: String,
    token: Option<String>,
    token_secret: Option<String>,
    nonce: String,
    timestamp: u64,
    callback: Option<String>,
    verifier: Option<String>,
    signature_method: String,
    version: bool,
    base_string: String,
    signature: String,
    header: String,
}

#[derive(Deserialize)]
struct PercentCase {
    input: String,
    encoded: String,
}

#[derive(Deserialize)]
struct BaseUriCase {
    url: String,
    base_uri: String,
}

impl OAuthCase {
    fn request(&self) -> Request {
        let mut req = Request::new(self.method.as_str(), self.url.as_str());
        if let Some(form) = &self.form {
            req = req.form(form.as_str());
        }
        for (name, value) in &self.params {
            req = req.param(name.as_str(), value.as_str());
        }
        req
    }

    fn credentials(&self) -> Credentials {
        let mut creds = Credentials::new(self.consumer_key.as_str(), self.consumer_secret.as_str());
        creds.token.clone_from(&self.token);
        creds.token_secret = self.token_secret.as_deref().map(Into::into);
        creds
    }
}

#[test]
fn oauth1_vectors() {
    let file: OAuthFile = load("oauth1.json");
    let names: Vec<&str> = file.cases.iter().map(|c| c.name.as_str()).collect();
    assert!(names.contains(&"x creating a signature"), "{names:?}");
    for case in &file.cases {
        let method = SignatureMethod::from_name(&case.signature_method).unwrap();
        let mut signer = Signer::new(case.credentials())
            .method(method)
            .nonce(case.nonce.as_str())
            .timestamp(case.timestamp)
            .version(case.version);
        if let Some(callback) = &case.callback {
            signer = signer.callback(callback.as_str());
        }
        if let Some(verifier) = &case.verifier {
            signer = signer.verifier(verifier.as_str());
        }
        let req = case.request();
        let signed = signer.sign(&req).unwrap();
        assert_eq!(signed.base_string, case.base_string, "{}", case.name);
        assert_eq!(signed.signature, case.signature, "{}", case.name);
        assert_eq!(signed.header, case.header, "{}", case.name);

        // The header reads back and verifies; a different secret does not.
        let header = AuthorizationHeader::parse(&case.header).unwrap();
        assert_eq!(header.signature(), Some(case.signature.as_str()));
        let creds = case.credentials();
        let token_secret = creds.token_secret.as_ref();
        assert_eq!(
            verify_request(&req, &header, &creds.consumer_secret, token_secret),
            Ok(()),
            "{}",
            case.name
        );
        assert_eq!(
            verify_request(&req, &header, &ConsumerSecret::new("other"), token_secret),
            Err(oauth1::OAuthError::SignatureMismatch),
            "{}",
            case.name
        );
    }
    for case in &file.percent_encoding {
        assert_eq!(oauth1::percent_encode(&case.input), case.encoded);
        assert_eq!(
            oauth1::percent_decode(&case.encoded).unwrap(),
            case.input.as_bytes()
        );
    }
    for case in &file.base_string_uri {
        assert_eq!(
            Request::new("GET", case.url.as_str())
                .base_string_uri()
                .unwrap(),
            case.base_uri
        );
    }
}

#[derive(Deserialize)]
struct BearerFile {
    token_request_authorization: Vec<BasicCase>,
    bearer: Vec<BearerCase>,
}

#[derive(Deserialize)]
struct BasicCase {
    consumer_key: String,
    consumer_secret: String,
    authorization: String,
}

#[derive(Deserialize)]
struct BearerCase {
    token: String,
    authorization: String,
}

#[test]
fn bearer_vectors() {
    let file: BearerFile = load("bearer.json");
    for case in &file.token_request_authorization {
        let secret = ConsumerSecret::new(case.consumer_secret.as_str());
        assert_eq!(
            bearer::token_request_authorization(&case.consumer_key, &secret),
            case.authorization
        );
    }
    for case in &file.bearer {
        let token = BearerToken::new(case.token.as_str());
        assert_eq!(token.authorization_header(), case.authorization);
        assert_eq!(format!("{token:?}"), "<redacted>");
    }
}
