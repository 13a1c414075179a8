//! Property tests for the webhook signature, the CRC guard and percent-encoding.

use aaa_crypto::oauth1::{
    AuthorizationHeader, Credentials, OAuthError, Request, Signer, form_decode, percent_decode,
    percent_encode, percent_encode_bytes, verify_request,
};
use aaa_crypto::{ConsumerSecret, SignatureError, Verifier, check_crc_token, sign, verify};
use proptest::prelude::*;

fn secrets() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 1..5)
}

/// Strings drawn mostly from the CRC token alphabet, with JSON-ish and stray characters mixed
/// in, so that the guard sees both accepted and refused shapes.
fn token_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ 0-9eE.+-]{0,12}",
        "[A-Za-z0-9_=+/.~: -]{0,40}",
        " *(true|false|null) *",
        " *-?(0|[1-9][0-9]{0,6})(\\.[0-9]{1,4})?([eE][+-]?[0-9]{1,3})? *",
        any::<String>(),
    ]
}

proptest! {
    #[test]
    fn sign_then_verify_finds_the_signing_secret(
        raw in secrets(),
        pick in any::<prop::sample::Index>(),
        body in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let secrets: Vec<ConsumerSecret> = raw.iter().cloned().map(ConsumerSecret::from_bytes).collect();
        let i = pick.index(secrets.len());
        let header = sign(&secrets[i], &body);
        let found = verify(&secrets, header.as_bytes(), &body).unwrap();
        // Two secrets may be equal; the first equal one is reported.
        prop_assert!(found <= i);
        prop_assert_eq!(&raw[found], &raw[i]);
        prop_assert_eq!(Verifier::new(&secrets).verify(header.as_bytes(), &body), Ok(found));
    }

    #[test]
    fn any_bit_flip_in_the_body_fails(
        secret in prop::collection::vec(any::<u8>(), 1..64),
        body in prop::collection::vec(any::<u8>(), 1..512),
        bit in any::<prop::sample::Index>(),
    ) {
        let secret = ConsumerSecret::from_bytes(secret);
        let header = sign(&secret, &body);
        let mut tampered = body.clone();
        let bit = bit.index(body.len() * 8);
        tampered[bit / 8] ^= 1 << (bit % 8);
        prop_assert_eq!(
            verify(&[secret], header.as_bytes(), &tampered),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn any_bit_flip_in_the_header_fails(
        secret in prop::collection::vec(any::<u8>(), 1..64),
        body in prop::collection::vec(any::<u8>(), 0..256),
        bit in any::<prop::sample::Index>(),
    ) {
        let secret = ConsumerSecret::from_bytes(secret);
        let mut header = sign(&secret, &body).into_bytes();
        let bit = bit.index(header.len() * 8);
        header[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(verify(&[secret], &header, &body).is_err());
    }

    #[test]
    fn garbage_headers_never_verify(
        header in prop::collection::vec(any::<u8>(), 0..80),
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let secret = ConsumerSecret::new("s");
        if header != sign(&secret, &body).into_bytes() {
            prop_assert!(verify(&[secret], &header, &body).is_err());
        }
    }

    #[test]
    fn guard_never_accepts_a_json_text(token in token_like()) {
        if check_crc_token(&token).is_ok() {
            prop_assert!(serde_json::from_str::<serde_json::Value>(&token).is_err(), "{:?}", token);
        }
    }

    #[test]
    fn guard_refuses_every_json_scalar(value in prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| serde_json::to_string(&f).unwrap()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("null".to_owned()),
    ], pad_left in 0usize..3, pad_right in 0usize..3) {
        let token = format!("{}{value}{}", " ".repeat(pad_left), " ".repeat(pad_right));
        prop_assert!(check_crc_token(&token).is_err(), "{:?}", token);
    }

    #[test]
    fn percent_encoding_round_trips(s in any::<String>()) {
        let encoded = percent_encode(&s);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        prop_assert_eq!(percent_decode(&encoded).unwrap(), s.as_bytes());
    }

    #[test]
    fn percent_encoding_round_trips_bytes(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(percent_decode(&percent_encode_bytes(&bytes)).unwrap(), bytes);
    }

    #[test]
    fn form_decoding_inverts_encoding(pairs in prop::collection::vec((".{1,8}", ".{0,8}"), 0..6)) {
        let body: Vec<String> = pairs
            .iter()
            .map(|(n, v)| format!("{}={}", percent_encode(n), percent_encode(v)))
            .collect();
        prop_assert_eq!(form_decode(&body.join("&")).unwrap(), pairs);
    }

    #[test]
    fn percent_decode_never_panics(s in any::<String>()) {
        match percent_decode(&s) {
            Ok(_) | Err(OAuthError::InvalidPercentEncoding) => {}
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
    }

    #[test]
    fn oauth_sign_then_verify(
        key in "[ -~]{1,16}",
        secret in "[ -~]{0,16}",
        token in prop::option::of(("[ -~]{1,16}", "[ -~]{0,16}")),
        path in "(/[a-zA-Z0-9._~-]{0,8}){0,3}",
        query in prop::collection::vec(("[a-z]{1,4}", ".{0,6}"), 0..4),
        form in prop::collection::vec(("[a-z]{1,4}", ".{0,6}"), 0..4),
        nonce in ".{1,16}",
        timestamp in any::<u64>(),
    ) {
        let mut creds = Credentials::new(key, secret.as_str());
        if let Some((t, ts)) = token {
            creds = creds.with_token(t, ts.as_str());
        }
        let q: Vec<String> = query.iter().map(|(n, v)| format!("{n}={}", percent_encode(v))).collect();
        let f: Vec<String> = form.iter().map(|(n, v)| format!("{n}={}", percent_encode(v))).collect();
        let url = format!("https://api.x.com{path}?{}", q.join("&"));
        let req = Request::new("POST", url).form(f.join("&"));
        let signed = Signer::new(creds.clone()).nonce(nonce).timestamp(timestamp).sign(&req).unwrap();
        let header = AuthorizationHeader::parse(&signed.header).unwrap();
        prop_assert_eq!(header.signature(), Some(signed.signature.as_str()));
        prop_assert_eq!(
            verify_request(&req, &header, &creds.consumer_secret, creds.token_secret.as_ref()),
            Ok(())
        );
        let other = ConsumerSecret::new(format!("{secret}x"));
        prop_assert_eq!(
            verify_request(&req, &header, &other, creds.token_secret.as_ref()),
            Err(OAuthError::SignatureMismatch)
        );
    }
}
