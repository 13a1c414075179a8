//! The CRC token guard on arbitrary strings: whatever it lets through must be safe to sign,
//! which means it is neither JSON nor a webhook body.

#![no_main]

use aaa_crypto::{
    CRC_TOKEN_MAX_LEN, ConsumerSecret, CrcTokenError, check_crc_token, crc_response_body,
    crc_response_token, sign,
};
use libfuzzer_sys::fuzz_target;

const TOKEN_BYTES: &[u8] = b"-_=+/.~: ";

fuzz_target!(|data: &[u8]| {
    // The guard sees the token after form decoding, so any UTF-8 string can reach it.
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let secret = ConsumerSecret::new("fuzz-consumer-secret");
    let checked = check_crc_token(token);
    let body = crc_response_body(&secret, token);

    match checked {
        Ok(()) => {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(token) {
                panic!("accepted a token that is the json value {v}");
            }
            assert!(
                aaa_parser::scan(token.as_bytes()).is_err(),
                "accepted a token that scans as a webhook body"
            );
            assert!(token.len() <= CRC_TOKEN_MAX_LEN);
            assert!(token.bytes().any(|b| b != b' '));
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || TOKEN_BYTES.contains(&b))
            );

            let body = body.expect("crc_response_body refused a token the guard accepts");
            let v: serde_json::Value =
                serde_json::from_str(&body).expect("the crc response is json");
            let response = v["response_token"].as_str().expect("response_token");
            assert_eq!(response, crc_response_token(&secret, token.as_bytes()));
            assert_eq!(response, sign(&secret, token.as_bytes()));
            assert_eq!(
                v.as_object().map(serde_json::Map::len),
                Some(1),
                "extra members in {body}"
            );
        }
        Err(e) => {
            assert_eq!(body, Err(e), "crc_response_body disagrees with the guard");
            let _ = e.to_string();
            if let CrcTokenError::InvalidByte { offset } = e {
                let b = token.as_bytes()[offset];
                assert!(!(b.is_ascii_alphanumeric() || TOKEN_BYTES.contains(&b)));
            }
        }
    }
});
