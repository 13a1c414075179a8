//! Benchmarks for `aaa-crypto`: webhook signatures (sign and verify, with prepared and unprepared
//! keys) over 1 KB, 3 KB and 64 KB bodies, the CRC response, and OAuth 1.0a request signing.
//!
//! Run with `cargo bench -p aaa-benches --bench crypto`; the figures and the machine they were
//! measured on are in `docs/benchmarks.md`.

use std::hint::black_box;
use std::time::Duration;

use aaa_crypto::oauth1::{Credentials, Request, Signer};
use aaa_crypto::{
    ConsumerSecret, SigningKey, Verifier, crc_response_body, crc_response_token, sign,
};
use criterion::{BenchmarkId, Criterion, Throughput};

/// Body sizes for the signature benches: a small event, a typical `tweet_create_events` delivery
/// and a large batch.
const SIZES: [(&str, usize); 3] = [("1KB", 1024), ("3KB", 3 * 1024), ("64KB", 64 * 1024)];

/// A body of exactly `len` bytes, built from JSON-looking text. HMAC's cost does not depend on the
/// content, only on the length.
fn body(len: usize) -> Vec<u8> {
    let unit =
        br#"{"for_user_id":"2244994945","tweet_create_events":[{"id_str":"1","text":"hi"}]}"#;
    unit.iter().copied().cycle().take(len).collect()
}

fn signatures(c: &mut Criterion) {
    let secret = ConsumerSecret::new("bench-consumer-secret-0123456789abcdefghijklmnop");
    let old = ConsumerSecret::new("bench-previous-secret-0123456789abcdefghijklmnop");
    let key = SigningKey::new(&secret);
    let verifier = Verifier::new(std::slice::from_ref(&secret));
    // While secrets are rotated the matching one may be the second: two HMACs per request.
    let rotating = Verifier::new(&[old, secret.clone()]);

    for (label, len) in SIZES {
        let body = body(len);
        let header = sign(&secret, &body);
        assert_eq!(verifier.verify(header.as_bytes(), &body), Ok(0));
        assert_eq!(rotating.verify(header.as_bytes(), &body), Ok(1));

        let mut g = c.benchmark_group(format!("signature/{label}"));
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function("sign (prepared key)", |b| {
            b.iter(|| key.sign(black_box(&body)));
        });
        g.bench_function("sign (from secret)", |b| {
            b.iter(|| sign(black_box(&secret), black_box(&body)));
        });
        g.bench_function("verify (1 secret)", |b| {
            b.iter(|| verifier.verify(black_box(header.as_bytes()), black_box(&body)));
        });
        g.bench_function("verify (2 secrets, second matches)", |b| {
            b.iter(|| rotating.verify(black_box(header.as_bytes()), black_box(&body)));
        });
        g.finish();
    }
}

fn crc(c: &mut Criterion) {
    let secret = ConsumerSecret::new("bench-consumer-secret-0123456789abcdefghijklmnop");
    let key = SigningKey::new(&secret);
    // X's tokens are short opaque strings; this one has a realistic length.
    let token = "ZjZjYzEwZmEtNWJjZC00YzY0LWE3MjUtYzk2NTA0MDYzM2Ex";
    assert!(crc_response_body(&secret, token).is_ok());

    let mut g = c.benchmark_group("crc");
    g.bench_function("response_token (from secret)", |b| {
        b.iter(|| crc_response_token(black_box(&secret), black_box(token.as_bytes())));
    });
    g.bench_function("response_body (checked, from secret)", |b| {
        b.iter(|| crc_response_body(black_box(&secret), black_box(token)));
    });
    g.bench_function("response_body (checked, prepared key)", |b| {
        b.iter(|| key.crc_response_body(black_box(token)));
    });
    g.finish();
}

fn oauth1(c: &mut Criterion) {
    let credentials = Credentials::new(
        "xvz1evFS4wEEPTGEFPHBog",
        "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
    )
    .with_token(
        "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
    );
    let fixed = Signer::new(credentials.clone())
        .nonce("kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg")
        .timestamp(1_318_622_958);
    let fresh = Signer::new(credentials);

    let requests = [
        (
            "register webhook",
            Request::new(
                "POST",
                "https://api.twitter.com/1.1/account_activity/all/production/webhooks.json\
                 ?url=https%3A%2F%2Fhooks.example.com%2Fx%2Fwebhook",
            ),
        ),
        (
            "list subscriptions",
            Request::new(
                "GET",
                "https://api.twitter.com/1.1/account_activity/all/production/subscriptions/list.json",
            ),
        ),
        (
            "form body",
            Request::new(
                "POST",
                "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
            )
            .form("status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21"),
        ),
    ];

    let mut g = c.benchmark_group("oauth1");
    for (name, req) in &requests {
        assert!(fixed.sign(req).is_ok());
        g.bench_with_input(
            BenchmarkId::new("sign (fixed nonce)", name),
            req,
            |b, req| {
                b.iter(|| fixed.sign(black_box(req)));
            },
        );
        g.bench_with_input(
            BenchmarkId::new("sign (random nonce, clock)", name),
            req,
            |b, req| {
                b.iter(|| fresh.sign(black_box(req)));
            },
        );
    }
    g.finish();
}

fn main() {
    // Shorter than criterion's defaults (3 s and 5 s) to keep a whole run bounded; command-line
    // options still override them.
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    signatures(&mut c);
    crc(&mut c);
    oauth1(&mut c);
    c.final_summary();
}
