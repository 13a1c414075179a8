//! The OAuth 1.0a signer on arbitrary requests and credentials, and the `Authorization` header
//! parser on arbitrary strings and on what the signer wrote.

#![no_main]

use aaa_crypto::oauth1::{
    AuthorizationHeader, Credentials, OAuthError, Request, SignatureMethod, Signer, verify_request,
};
use aaa_crypto::{ConsumerSecret, TokenSecret};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    method: String,
    url: String,
    forms: Vec<String>,
    params: Vec<(String, String)>,
    consumer_key: String,
    consumer_secret: String,
    token: Option<(String, String)>,
    nonce: String,
    timestamp: u64,
    callback: Option<String>,
    verifier: Option<String>,
    realm: Option<String>,
    version: bool,
    sha256: bool,
    /// Parsed on its own, as a server reads a header from the network.
    header: String,
}

fuzz_target!(|input: Input| {
    if let Ok(parsed) = AuthorizationHeader::parse(&input.header) {
        let _ = format!("{parsed:?}");
        for (name, _) in parsed.params() {
            assert_ne!(name, "realm");
        }
    }

    let mut request = Request::new(input.method.as_str(), input.url.as_str());
    for form in &input.forms {
        request = request.form(form.as_str());
    }
    for (name, value) in &input.params {
        request = request.param(name.as_str(), value.as_str());
    }
    let mut creds = Credentials::new(input.consumer_key.as_str(), input.consumer_secret.as_str());
    if let Some((token, secret)) = &input.token {
        creds = creds.with_token(token.as_str(), secret.as_str());
    }
    let method = if input.sha256 {
        SignatureMethod::HmacSha256
    } else {
        SignatureMethod::HmacSha1
    };
    let mut signer = Signer::new(creds.clone())
        .method(method)
        .nonce(input.nonce.as_str())
        .timestamp(input.timestamp)
        .version(input.version);
    if let Some(c) = &input.callback {
        signer = signer.callback(c.as_str());
    }
    if let Some(v) = &input.verifier {
        signer = signer.verifier(v.as_str());
    }
    if let Some(r) = &input.realm {
        signer = signer.realm(r.as_str());
    }

    let signed = match signer.sign(&request) {
        Ok(signed) => signed,
        Err(e) => {
            assert!(
                matches!(
                    e,
                    OAuthError::InvalidUrl
                        | OAuthError::InvalidMethod
                        | OAuthError::InvalidPercentEncoding
                ),
                "unexpected signing error {e:?}"
            );
            // The same request fails the same way without the signer.
            assert_eq!(request.base_string(&[]), Err(e));
            return;
        }
    };
    let _ = format!("{signed:?}");

    // What the signer wrote, the parser reads back unchanged.
    let header = match AuthorizationHeader::parse(&signed.header) {
        Ok(h) => h,
        Err(e) => panic!("the signer's header does not parse: {e}"),
    };
    assert_eq!(header.realm(), input.realm.as_deref());
    assert_eq!(header.consumer_key(), Some(input.consumer_key.as_str()));
    assert_eq!(
        header.token(),
        input.token.as_ref().map(|(t, _)| t.as_str())
    );
    assert_eq!(header.signature(), Some(signed.signature.as_str()));
    assert_eq!(header.get("oauth_nonce"), Some(input.nonce.as_str()));
    assert_eq!(header.get("oauth_nonce"), Some(signed.nonce.as_str()));
    let timestamp = input.timestamp.to_string();
    assert_eq!(header.get("oauth_timestamp"), Some(timestamp.as_str()));
    assert_eq!(signed.timestamp, timestamp);
    assert_eq!(header.get("oauth_signature_method"), Some(method.as_str()));
    assert_eq!(header.get("oauth_callback"), input.callback.as_deref());
    assert_eq!(header.get("oauth_verifier"), input.verifier.as_deref());
    assert_eq!(header.get("oauth_version"), input.version.then_some("1.0"));
    let expected_params = 5
        + usize::from(input.token.is_some())
        + usize::from(input.callback.is_some())
        + usize::from(input.verifier.is_some())
        + usize::from(input.version);
    assert_eq!(header.params().len(), expected_params);

    // A server holding the same secrets accepts it; one holding others does not.
    let token_secret = creds.token_secret.as_ref();
    assert_eq!(
        verify_request(&request, &header, &creds.consumer_secret, token_secret),
        Ok(())
    );
    let other = ConsumerSecret::new(format!("{}x", input.consumer_secret));
    assert_eq!(
        verify_request(&request, &header, &other, token_secret),
        Err(OAuthError::SignatureMismatch)
    );
    let other_token = TokenSecret::new(format!(
        "{}x",
        input.token.as_ref().map_or("", |(_, s)| s.as_str())
    ));
    assert_eq!(
        verify_request(
            &request,
            &header,
            &creds.consumer_secret,
            Some(&other_token)
        ),
        Err(OAuthError::SignatureMismatch)
    );
});
