//! Webhook signature verification over arbitrary header values and bodies: never panics, and
//! accepts exactly the one header value the signer produces for the body.

#![no_main]

use aaa_crypto::{ConsumerSecret, SignatureError, SigningKey, Verifier, sign, verify};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Header<'a> {
    /// Arbitrary bytes.
    Raw(&'a [u8]),
    /// The valid header for secret `secret % 3` (the third is not configured), with one byte
    /// replaced.
    Edited { secret: u8, index: u8, byte: u8 },
    /// The valid header, cut short or extended.
    Resized {
        secret: u8,
        keep: u8,
        tail: &'a [u8],
    },
    /// The valid header, exactly.
    Valid { secret: u8 },
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    header: Header<'a>,
    body: &'a [u8],
}

fuzz_target!(|input: Input<'_>| {
    let secrets = [
        ConsumerSecret::new("current-consumer-secret"),
        ConsumerSecret::new("previous-consumer-secret"),
        ConsumerSecret::new("unconfigured-secret"),
    ];
    let configured = &secrets[..2];
    let verifier = Verifier::new(configured);
    let body = input.body;
    let valid = |i: u8| sign(&secrets[usize::from(i % 3)], body).into_bytes();

    let header = match input.header {
        Header::Raw(h) => h.to_vec(),
        Header::Edited {
            secret,
            index,
            byte,
        } => {
            let mut h = valid(secret);
            let i = usize::from(index) % h.len();
            h[i] = byte;
            h
        }
        Header::Resized { secret, keep, tail } => {
            let mut h = valid(secret);
            h.truncate(usize::from(keep));
            h.extend_from_slice(tail);
            h
        }
        Header::Valid { secret } => valid(secret),
    };

    let result = verifier.verify(&header, body);
    assert_eq!(result, verify(configured, &header, body));
    assert_eq!(
        Verifier::new(&[]).verify(&header, body),
        Err(SignatureError::NoSecrets)
    );
    for (i, key) in verifier.keys().iter().enumerate() {
        let expected = key.sign(body);
        let single = key.verify(&header, body);
        if header == expected.as_bytes() {
            assert_eq!(single, Ok(()));
            // The first matching secret wins.
            if let Ok(found) = result {
                assert!(found <= i);
            }
        } else {
            assert!(single.is_err(), "accepted {header:?}, expected {expected}");
        }
    }
    match result {
        Ok(i) => assert_eq!(
            header,
            sign(&configured[i], body).into_bytes(),
            "accepted a header the signer never writes"
        ),
        Err(SignatureError::Mismatch) => {
            for s in configured {
                assert_ne!(header, sign(s, body).into_bytes());
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }

    // The unconfigured secret's signature is refused; the configured ones round-trip.
    let foreign = sign(&secrets[2], body);
    assert_eq!(
        verifier.verify(foreign.as_bytes(), body),
        Err(SignatureError::Mismatch)
    );
    let key = SigningKey::new(&secrets[1]);
    assert_eq!(verifier.verify(key.sign(body).as_bytes(), body), Ok(1));
});
