//! The receiver over real HTTP on loopback, with a real SQLite store in a temporary directory:
//! every bad input, CRC, deduplication, forwarding and store failure.
//!
//! Signatures are computed here with `ring` directly, never with the receiver's own code.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aaa_crypto::ConsumerSecret;
use aaa_receiver::{
    AppConfig, Content, Delivery, EventQuery, EventRecord, Forwarder, Limits, Metrics, Receiver,
    Store, StoreConfig, StoreErrorKind, StoredEvent,
};
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const SECRET: &str = "test-consumer-secret-KxQ93vT7pL";
const PATH: &str = "/webhooks/twitter";
const SIG: &str = "x-twitter-webhooks-signature";
/// Upper bound for any single exchange with the receiver.
const IO_BOUND: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Helpers

fn sign_with(secret: &[u8], body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let tag = ring::hmac::sign(&key, body);
    format!(
        "sha256={}",
        base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
    )
}

fn sign(body: &[u8]) -> String {
    sign_with(SECRET.as_bytes(), body)
}

mod common;
use common::TempDir;
use common::app::{Received, start_app, wait_received};

impl TempDir {
    fn store(&self) -> Store {
        Store::open_read_only(self.path()).expect("open the store read-only")
    }

    /// Every stored event, oldest first.
    async fn events(&self) -> Vec<StoredEvent> {
        self.store()
            .list(EventQuery::newest(None))
            .await
            .unwrap()
            .events
    }

    /// (events, quarantined deliveries, deliveries with new events).
    async fn counts(&self) -> (i64, i64, usize) {
        let c = self.store().counts().await.unwrap();
        (
            i64::try_from(c.events).unwrap(),
            i64::try_from(c.quarantined).unwrap(),
            usize::try_from(c.deliveries).unwrap(),
        )
    }

    async fn assert_nothing_stored(&self, what: &str) {
        assert_eq!(
            self.counts().await,
            (0, 0, 0),
            "{what}: something was stored"
        );
    }
}

fn fixture(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/payloads")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A one-tweet envelope with its own id (so its own dedupe key).
fn tweet(id: u64, text: &str) -> Vec<u8> {
    serde_json::json!({
        "for_user_id": "2244994945",
        "tweet_create_events": [{
            "created_at": "Wed Oct 10 20:19:24 +0000 2018",
            "id": id,
            "id_str": id.to_string(),
            "text": text,
            "user": {"id": 6_253_282, "id_str": "6253282", "screen_name": "someone"}
        }]
    })
    .to_string()
    .into_bytes()
}

#[derive(Clone, Copy)]
struct Options {
    limits: Limits,
    max_bytes: Option<u64>,
    /// Store files; four here so that every test also exercises the split store.
    shards: usize,
}

/// A store in four files.
fn four_files(dir: &Path) -> StoreConfig {
    let mut config = StoreConfig::new(dir);
    config.shards = 4;
    config
}

impl Default for Options {
    fn default() -> Options {
        Options {
            limits: Limits {
                max_body: 64 * 1024,
                ..Limits::default()
            },
            max_bytes: None,
            shards: 4,
        }
    }
}

/// A receiver (and optionally a forwarder) running in the current runtime.
struct Server {
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

async fn start(dir: &Path, opts: Options, forward_to: Option<&str>) -> Server {
    let mut config = StoreConfig::new(dir);
    config.max_bytes = opts.max_bytes;
    config.shards = opts.shards;
    let store = Store::open(config).expect("open the store");
    let metrics = Arc::clone(store.metrics());
    let receiver = Receiver::builder()
        .app(AppConfig::new("main", PATH, ConsumerSecret::new(SECRET)))
        .limits(opts.limits)
        .store(store.clone())
        .build()
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = watch::channel(false);
    let mut tasks = Vec::new();
    let mut shut = rx.clone();
    tasks.push(tokio::spawn(async move {
        aaa_receiver::serve(listener, receiver)
            .with_graceful_shutdown(async move {
                let _ = shut.wait_for(|s| *s).await;
            })
            .await
            .expect("serve");
    }));
    if let Some(url) = forward_to {
        let forwarder = Forwarder::new(store.clone(), url)
            .unwrap()
            .max_backoff(Duration::from_millis(200));
        let mut shut = rx.clone();
        tasks.push(tokio::spawn(forwarder.run(async move {
            let _ = shut.wait_for(|s| *s).await;
        })));
    }
    drop(store);
    Server {
        addr,
        metrics,
        stop,
        tasks,
    }
}

impl Server {
    async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            tokio::time::timeout(IO_BOUND, t)
                .await
                .expect("the receiver stops in time")
                .unwrap();
        }
    }
}

struct Reply {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{e}: not JSON: {:?}",
                String::from_utf8_lossy(&self.body).into_owned()
            )
        })
    }

    /// Asserts `status` and a JSON error body `{"error": code, "message": ...}`.
    fn assert_error(&self, status: u16, code: &str) -> String {
        assert_eq!(
            self.status.as_u16(),
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.headers
                .get(http::header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap()),
            Some("application/json")
        );
        let v = self.json();
        assert_eq!(v["error"], code, "{v}");
        let message = v["message"].as_str().expect("a message").to_owned();
        assert!(!message.is_empty());
        message
    }
}

async fn send(addr: SocketAddr, req: Request<Full<Bytes>>) -> Reply {
    tokio::time::timeout(IO_BOUND, async {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(conn);
        let resp = sender.send_request(req).await.expect("a response");
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.expect("a body").to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    })
    .await
    .expect("answered in time")
}

fn post_request(path: &str, body: &[u8], signatures: &[&str]) -> Request<Full<Bytes>> {
    let mut b = Request::post(path)
        .header("host", "localhost")
        .header("content-type", "application/json");
    for s in signatures {
        b = b.header(SIG, *s);
    }
    b.body(Full::new(Bytes::copy_from_slice(body))).unwrap()
}

async fn post(addr: SocketAddr, body: &[u8]) -> Reply {
    send(addr, post_request(PATH, body, &[&sign(body)])).await
}

async fn get(addr: SocketAddr, path_and_query: &str) -> Reply {
    let req = Request::get(path_and_query)
        .header("host", "localhost")
        .body(Full::new(Bytes::new()))
        .unwrap();
    send(addr, req).await
}

/// A response read off a raw socket.
#[derive(Debug)]
struct RawReply {
    status: u16,
    #[allow(dead_code)] // shown by Debug when an assertion fails
    head: String,
    body: Vec<u8>,
}

/// Reads one HTTP/1.1 response (status line, headers, `content-length` body) from `stream`.
async fn read_response(stream: &mut (impl AsyncReadExt + Unpin)) -> Result<RawReply, String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + IO_BOUND;
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let status = head
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("no status in {head:?}"))?;
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return Ok(RawReply {
                    status,
                    head,
                    body: buf[end + 4..end + 4 + len].to_vec(),
                });
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut chunk)).await {
            Err(_) => return Err("timed out".into()),
            Ok(Ok(0)) => return Err(format!("eof after {} bytes", buf.len())),
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) => return Err(format!("read error after {} bytes: {e}", buf.len())),
        }
    }
}

fn raw_json(r: &RawReply) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}: {r:?}"))
}

/// Waits until `stream` is closed by the peer (EOF or reset); returns how long that took.
async fn wait_closed(stream: &mut TcpStream, bound: Duration) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(bound, stream.read(&mut buf))
        .await
        .unwrap_or_else(|_| panic!("the connection was not closed within {bound:?}"));
    if let Ok(n) = read {
        assert_eq!(
            n,
            0,
            "unexpected bytes: {:?}",
            String::from_utf8_lossy(&buf[..n])
        );
    }
    started.elapsed()
}

fn sig_line(body: &[u8]) -> String {
    format!("{SIG}: {}\r\n", sign(body))
}

// ---------------------------------------------------------------------------------------------
// Signatures

#[tokio::test]
async fn bad_signatures_get_401_and_nothing_is_stored() {
    let dir = TempDir::new("sigs");
    let server = start(dir.path(), Options::default(), None).await;
    let body = fixture("tweet_create/plain.json");
    let good = sign(&body);
    let b64 = good.strip_prefix("sha256=").unwrap();
    let short = format!(
        "sha256={}",
        base64::engine::general_purpose::STANDARD.encode([7u8; 16])
    );
    let long = format!(
        "sha256={}",
        base64::engine::general_purpose::STANDARD.encode([7u8; 64])
    );
    let other_body = sign(&fixture("tweet_create/quote.json"));
    let other_secret = sign_with(b"another-secret", &body);
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "no header",
            vec![],
            "missing x-twitter-webhooks-signature header",
        ),
        (
            "empty",
            vec![String::new()],
            "missing x-twitter-webhooks-signature header",
        ),
        (
            "sha256= only",
            vec!["sha256=".into()],
            "signature is not a 32-byte hmac-sha256 in 44 base64 characters",
        ),
        (
            "sha1 prefix",
            vec![format!("sha1={b64}")],
            "signature does not start with sha256=",
        ),
        (
            "upper-case prefix",
            vec![format!("SHA256={b64}")],
            "signature does not start with sha256=",
        ),
        (
            "bare base64",
            vec![b64.to_owned()],
            "signature does not start with sha256=",
        ),
        (
            "non-base64",
            vec![format!("sha256={}=", "!".repeat(43))],
            "signature is not valid base64",
        ),
        (
            "url-safe alphabet",
            vec![format!("sha256={}=", "-".repeat(43))],
            "signature is not valid base64",
        ),
        (
            "short",
            vec![short],
            "signature is not a 32-byte hmac-sha256 in 44 base64 characters",
        ),
        (
            "long",
            vec![long],
            "signature is not a 32-byte hmac-sha256 in 44 base64 characters",
        ),
        (
            "one character too many",
            vec![format!("{good}A")],
            "signature is not a 32-byte hmac-sha256 in 44 base64 characters",
        ),
        (
            "two headers, both valid",
            vec![good.clone(), good.clone()],
            "more than one x-twitter-webhooks-signature header",
        ),
        (
            "two headers, one valid",
            vec![other_body.clone(), good.clone()],
            "more than one x-twitter-webhooks-signature header",
        ),
        (
            "signature over another body",
            vec![other_body],
            "signature does not match the body",
        ),
        (
            "another secret",
            vec![other_secret],
            "signature does not match the body",
        ),
    ];
    for (what, sigs, message) in &cases {
        let sigs: Vec<&str> = sigs.iter().map(String::as_str).collect();
        let reply = send(server.addr, post_request(PATH, &body, &sigs)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}");
        let got = reply.assert_error(401, "unauthorized");
        assert_eq!(&got, message, "{what}");
        dir.assert_nothing_stored(what).await;
    }
    assert_eq!(
        server.metrics.requests(aaa_receiver::Outcome::Unauthorized),
        cases.len() as u64
    );
    // The same body, correctly signed, is accepted: the refusals above were about the signature.
    let ok = post(server.addr, &body).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json(), serde_json::json!({"stored": 1, "duplicates": 0}));
    assert_eq!(dir.counts().await, (1, 0, 1));
    server.stop().await;
}

#[tokio::test]
async fn two_signature_headers_on_a_raw_socket_get_401() {
    let dir = TempDir::new("twosigs");
    let server = start(dir.path(), Options::default(), None).await;
    let body = fixture("tweet_create/plain.json");
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n{}{}\r\n",
        body.len(),
        sig_line(&body),
        sig_line(&body)
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body).await.unwrap();
    let r = read_response(&mut s).await.unwrap();
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(raw_json(&r)["error"], "unauthorized");
    dir.assert_nothing_stored("two signature headers").await;
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Size and time limits

#[tokio::test]
async fn a_declared_length_over_the_limit_gets_413_before_the_body_is_read() {
    let dir = TempDir::new("cl413");
    let opts = Options::default();
    let server = start(dir.path(), opts, None).await;
    let body = vec![b' '; opts.limits.max_body + 1];
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    // Headers only: the answer must come without a single body byte sent.
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n{}\r\n",
        body.len(),
        sig_line(&body)
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let r = read_response(&mut s).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(r.status, 413, "{r:?}");
    let v = raw_json(&r);
    assert_eq!(v["error"], "too_large");
    assert!(v["message"].as_str().unwrap().contains("65536"), "{v}");
    // An unsigned request over the limit is refused the same way, before its signature matters.
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    let head = format!("POST {PATH} HTTP/1.1\r\nhost: x\r\ncontent-length: 99999999999\r\n\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    assert_eq!(read_response(&mut s).await.unwrap().status, 413);
    dir.assert_nothing_stored("declared length over the limit")
        .await;
    server.stop().await;
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_gets_413() {
    let dir = TempDir::new("chunk413");
    let opts = Options::default();
    let server = start(dir.path(), opts, None).await;
    // A signed body (over the limit, so the signature cannot be what refuses it).
    let body = vec![b'x'; opts.limits.max_body + 10];
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n{}\r\n",
        sig_line(&body)
    );
    let mut wire = head.into_bytes();
    for c in body.chunks(8192) {
        wire.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
        wire.extend_from_slice(c);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"0\r\n\r\n");
    let (mut rd, mut wr) = s.split();
    let (w, r) = tokio::join!(
        async {
            let _ = wr.write_all(&wire).await;
        },
        read_response(&mut rd)
    );
    let () = w;
    let r = r.unwrap();
    assert_eq!(r.status, 413, "{r:?}");
    assert_eq!(raw_json(&r)["error"], "too_large");
    dir.assert_nothing_stored("chunked body over the limit")
        .await;
    server.stop().await;
}

#[tokio::test]
async fn an_endless_chunked_body_ends_with_413_or_408_in_bounded_time() {
    let dir = TempDir::new("endless");
    let mut opts = Options::default();
    opts.limits.body_timeout = Duration::from_secs(2);
    let server = start(dir.path(), opts, None).await;
    let s = TcpStream::connect(server.addr).await.unwrap();
    let (mut rd, mut wr) = s.into_split();
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n{}\r\n",
        sig_line(b"{}")
    );
    let started = Instant::now();
    let writer = tokio::spawn(async move {
        if wr.write_all(head.as_bytes()).await.is_err() {
            return 0usize;
        }
        let chunk = format!("1000\r\n{}\r\n", "a".repeat(0x1000));
        // Bounded: at most 64 MiB or 8 seconds, whichever comes first.
        let mut sent = 0;
        let until = Instant::now() + Duration::from_secs(8);
        while sent < 16 * 1024 && Instant::now() < until {
            if wr.write_all(chunk.as_bytes()).await.is_err() {
                break;
            }
            sent += 1;
        }
        sent
    });
    let r = read_response(&mut rd).await.expect("a response");
    let took = started.elapsed();
    assert!(
        r.status == 413 || r.status == 408,
        "expected 413 or 408, got {r:?}"
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let sent = tokio::time::timeout(IO_BOUND, writer)
        .await
        .unwrap()
        .unwrap();
    assert!(sent < 16 * 1024, "the server kept reading: {sent} chunks");
    dir.assert_nothing_stored("endless chunked body").await;
    server.stop().await;
}

#[tokio::test]
async fn slow_headers_close_the_connection() {
    let dir = TempDir::new("slowhead");
    let mut opts = Options::default();
    opts.limits.header_timeout = Duration::from_millis(300);
    let server = start(dir.path(), opts, None).await;
    // A partial request head, then nothing.
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(format!("POST {PATH} HTTP/1.1\r\nhost: x\r\n").as_bytes())
        .await
        .unwrap();
    let took = wait_closed(&mut s, Duration::from_secs(5)).await;
    assert!(took >= Duration::from_millis(200), "closed after {took:?}");
    // A connection that sends nothing at all.
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    let took = wait_closed(&mut s, Duration::from_secs(5)).await;
    assert!(took >= Duration::from_millis(200), "closed after {took:?}");
    // An idle keep-alive connection after a first request.
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_response(&mut s).await.unwrap().status, 200);
    wait_closed(&mut s, Duration::from_secs(5)).await;
    // A byte at a time, slower than the timeout allows in total.
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    let mut closed = false;
    for b in b"GET /healthz HTTP/1.1\r\nhost: localhost\r\nx-padding: aaaaaaaaaaaaaaaaaaaa\r\n\r\n"
    {
        if s.write_all(&[*b]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if !closed {
        let mut buf = [0u8; 256];
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("closed in time")
            .unwrap_or(0);
        assert_eq!(n, 0, "got {:?}", String::from_utf8_lossy(&buf[..n]));
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    dir.assert_nothing_stored("slow headers").await;
    // The server still answers.
    assert_eq!(get(server.addr, "/healthz").await.status, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn a_slow_body_gets_408() {
    let dir = TempDir::new("slowbody");
    let mut opts = Options::default();
    opts.limits.body_timeout = Duration::from_millis(300);
    let server = start(dir.path(), opts, None).await;
    let body = fixture("tweet_create/plain.json");
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n{}\r\n",
        body.len(),
        sig_line(&body)
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body[..10]).await.unwrap();
    let started = Instant::now();
    let r = read_response(&mut s).await.unwrap();
    let took = started.elapsed();
    assert_eq!(r.status, 408, "{r:?}");
    assert_eq!(raw_json(&r)["error"], "timeout");
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(3),
        "{took:?}"
    );
    // The rest of the body arriving late changes nothing.
    let _ = s.write_all(&body[10..]).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    dir.assert_nothing_stored("slow body").await;
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Authentic bodies that are not envelopes

#[tokio::test]
async fn deeply_nested_json_is_quarantined_and_the_server_survives() {
    let dir = TempDir::new("deep");
    let server = start(dir.path(), Options::default(), None).await;
    let mut body = br#"{"for_user_id":"1","tweet_create_events":"#.to_vec();
    body.extend(std::iter::repeat_n(b'[', 10_000));
    body.extend(std::iter::repeat_n(b']', 10_000));
    body.push(b'}');
    let reply = post(server.addr, &body).await;
    assert_eq!(reply.status, StatusCode::OK);
    let v = reply.json();
    assert_eq!(v["status"], "quarantined", "{v}");
    // Bare nesting, no envelope around it: arrays, then objects.
    let mut arrays = vec![b'['; 10_000];
    arrays.extend(vec![b']'; 10_000]);
    assert_eq!(
        post(server.addr, &arrays).await.json()["status"],
        "quarantined"
    );
    let mut objects = "{\"a\":".repeat(10_000).into_bytes();
    objects.push(b'1');
    objects.extend(vec![b'}'; 10_000]);
    assert_eq!(
        post(server.addr, &objects).await.json()["status"],
        "quarantined"
    );
    assert_eq!(dir.counts().await, (0, 3, 0));
    let health = get(server.addr, "/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["store"], "ok");
    // Quarantined once: the same body again adds nothing.
    assert_eq!(post(server.addr, &body).await.status, StatusCode::OK);
    assert_eq!(dir.counts().await, (0, 3, 0));
    server.stop().await;
}

#[tokio::test]
async fn bodies_that_are_not_envelopes_are_quarantined_not_stored_as_events() {
    let dir = TempDir::new("quarantine");
    let server = start(dir.path(), Options::default(), None).await;
    let event = r#"{"id_str":"1","id":1,"text":"hi","user":{"id":2,"id_str":"2"}}"#;
    let cases: Vec<(&str, String)> = vec![
        (
            "duplicate for_user_id",
            format!(r#"{{"for_user_id":"1","tweet_create_events":[{event}],"for_user_id":"2"}}"#),
        ),
        (
            "duplicate event key",
            format!(
                r#"{{"for_user_id":"1","tweet_create_events":[{event}],"tweet_create_events":[]}}"#
            ),
        ),
        (
            "invalid json",
            r#"{"for_user_id":"1","tweet_create_events":[{"#.to_owned(),
        ),
        ("no event key", r#"{"for_user_id":"1"}"#.to_owned()),
        ("not an object", "[1,2,3]".to_owned()),
        (
            "trailing bytes",
            format!(r#"{{"for_user_id":"1","tweet_create_events":[{event}]}} x"#),
        ),
        (
            "lone surrogate",
            r#"{"for_user_id":"1","tweet_create_events":[{"id_str":"\ud800"}]}"#.to_owned(),
        ),
    ];
    for (i, (what, body)) in cases.iter().enumerate() {
        let reply = post(server.addr, body.as_bytes()).await;
        assert_eq!(reply.status, StatusCode::OK, "{what}");
        let v = reply.json();
        assert_eq!(v["status"], "quarantined", "{what}: {v}");
        assert_eq!(
            dir.counts().await,
            (0, i64::try_from(i).unwrap() + 1, 0),
            "{what}"
        );
    }
    // Invalid UTF-8, signed.
    let reply = post(server.addr, b"{\"for_user_id\":\"\xff\"}").await;
    assert_eq!(reply.json()["status"], "quarantined");
    assert_eq!(
        dir.counts().await,
        (0, i64::try_from(cases.len()).unwrap() + 1, 0)
    );
    server.stop().await;
}

/// A buffer the log subscriber writes to.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn terminal_escapes_body_text_secrets_and_signatures_stay_out_of_the_logs() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // A current-thread runtime: every task runs on this thread, under the subscriber above.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = TempDir::new("logs");
    let mut signatures = Vec::new();
    rt.block_on(async {
        let server = start(dir.path(), Options::default(), None).await;
        let marker = "ZQXJ-body-text-marker";
        let escaped = tweet(
            1_850_000_000_000_000_001,
            &format!("{marker} \u{1b}[31mred\u{1b}[0m \u{9b}31m csi \u{7} bell"),
        );
        // serde_json writes ESC as \u001b; U+009B goes raw (two bytes, C2 9B).
        assert!(escaped.windows(2).any(|w| w == [0xc2, 0x9b]));
        let reply = post(server.addr, &escaped).await;
        assert_eq!(reply.json(), serde_json::json!({"stored": 1, "duplicates": 0}));
        signatures.push(sign(&escaped));
        // A raw ESC in a string is not JSON: quarantined, and the reason is logged.
        let mut raw_esc = tweet(1_850_000_000_000_000_002, marker);
        let at = raw_esc.windows(marker.len()).position(|w| w == marker.as_bytes()).unwrap();
        raw_esc.splice(at..at, b"\x1b[31m\xc2\x9b".iter().copied());
        let reply = post(server.addr, &raw_esc).await;
        assert_eq!(reply.json()["status"], "quarantined");
        signatures.push(sign(&raw_esc));
        // An escape code in an unknown event key.
        let odd_key = format!(
            "{{\"for_user_id\":\"1\",\"\u{9b}31m{marker}_events\":[{{\"id\":\"1\"}}],\"tweet_create_events\":[{{\"id_str\":\"9\"}}]}}"
        );
        let reply = post(server.addr, odd_key.as_bytes()).await;
        assert_eq!(reply.status, StatusCode::OK);
        signatures.push(sign(odd_key.as_bytes()));
        // A refused signature and a refused CRC token are logged (as warnings).
        let wrong = sign_with(b"not-the-secret", &escaped);
        let reply = send(server.addr, post_request(PATH, &escaped, &[&wrong])).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        signatures.push(wrong);
        let reply = get(server.addr, &format!("{PATH}?crc_token=%1B%5B31m{marker}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        let reply = get(server.addr, &format!("{PATH}?crc_token={marker}")).await;
        assert_eq!(reply.status, StatusCode::OK);
        server.stop().await;
    });
    let logs = logs.0.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&logs);
    assert!(text.contains("signature refused"), "{text}");
    assert!(text.contains("quarantined"), "{text}");
    assert!(!logs.contains(&0x1b), "ESC in the logs: {text}");
    assert!(!text.contains('\u{9b}'), "CSI in the logs: {text}");
    assert!(!logs.contains(&0x07), "BEL in the logs: {text}");
    assert!(!text.contains("ZQXJ"), "body text in the logs: {text}");
    assert!(!text.contains(SECRET), "the secret in the logs: {text}");
    for s in &signatures {
        let b64 = s.strip_prefix("sha256=").unwrap();
        assert!(!text.contains(b64), "a signature in the logs: {text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Paths and methods

#[tokio::test]
async fn unknown_paths_get_404_and_wrong_methods_405_with_allow() {
    let dir = TempDir::new("paths");
    let server = start(dir.path(), Options::default(), None).await;
    let body = fixture("tweet_create/plain.json");
    for path in [
        "/",
        "/nope",
        "/webhooks/twitter/",
        "/webhooks/Twitter",
        "/webhooks",
    ] {
        get(server.addr, path).await.assert_error(404, "not_found");
        send(server.addr, post_request(path, &body, &[&sign(&body)]))
            .await
            .assert_error(404, "not_found");
    }
    for (method, path, allow) in [
        ("PUT", PATH, "GET, POST"),
        ("DELETE", PATH, "GET, POST"),
        ("PATCH", PATH, "GET, POST"),
        ("HEAD", PATH, "GET, POST"),
        ("POST", "/healthz", "GET"),
        ("DELETE", "/metrics", "GET"),
    ] {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "x")
            .header(SIG, sign(&body))
            .body(Full::new(Bytes::from(body.clone())))
            .unwrap();
        let reply = send(server.addr, req).await;
        if method == "HEAD" {
            assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
        } else {
            reply.assert_error(405, "method_not_allowed");
        }
        assert_eq!(
            reply.headers.get(http::header::ALLOW).unwrap(),
            allow,
            "{method} {path}"
        );
    }
    dir.assert_nothing_stored("paths and methods").await;
    let health = get(server.addr, "/healthz").await;
    assert_eq!(
        health.json(),
        serde_json::json!({"status": "ok", "store": "ok"})
    );
    let metrics = get(server.addr, "/metrics").await;
    let text = String::from_utf8_lossy(&metrics.body);
    assert!(
        text.contains("aaa_requests_total{outcome=\"not_found\"} 10\n"),
        "{text}"
    );
    assert!(
        text.contains("aaa_requests_total{outcome=\"method_not_allowed\"} 6\n"),
        "{text}"
    );
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// CRC

fn crc_body(token: &str) -> serde_json::Value {
    serde_json::json!({ "response_token": sign(token.as_bytes()) })
}

/// Percent-encodes everything but unreserved characters.
fn url_encode(s: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for &b in s {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[tokio::test]
async fn crc_answers_with_the_hmac_of_the_decoded_token() {
    let dir = TempDir::new("crc");
    let server = start(dir.path(), Options::default(), None).await;
    let crc = |q: String| {
        let addr = server.addr;
        async move { get(addr, &format!("{PATH}?{q}")).await }
    };
    let reply = crc("crc_token=r4nd0m-T0ken".into()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.headers.get("content-type").unwrap(),
        "application/json"
    );
    assert_eq!(reply.json(), crc_body("r4nd0m-T0ken"));
    // `+` is a space, %2B a plus.
    assert_eq!(crc("crc_token=a+b".into()).await.json(), crc_body("a b"));
    assert_eq!(crc("crc_token=a%2Bb".into()).await.json(), crc_body("a+b"));
    // Other parameters are ignored, wherever they are.
    assert_eq!(
        crc("nonce=abc123&crc_token=tok&x=1".into()).await.json(),
        crc_body("tok")
    );
    assert_eq!(
        crc("crc_token=tok&nonce=%FF%FE&junk=%ZZ".into())
            .await
            .json(),
        crc_body("tok")
    );
    // Missing token.
    for q in ["", "nonce=1", "crc_tokenx=a", "CRC_TOKEN=a"] {
        crc(q.into()).await.assert_error(400, "missing_crc_token");
    }
    get(server.addr, PATH)
        .await
        .assert_error(400, "missing_crc_token");
    // Tokens of the wrong shape.
    for token in [
        "",
        "+",
        "12",
        "-1.5e3",
        "true",
        "null",
        "false",
        "%20true%20",
        "%7B%22a%22%3A1%7D",
        "%5B1%5D",
        "%22s%22",
        "a%00b",
        "caf%C3%A9",
        "a%0Ab",
        "%ZZ",
        "%FF",
        "a%",
    ] {
        crc(format!("crc_token={token}"))
            .await
            .assert_error(400, "invalid_crc_token");
    }
    let long = "a".repeat(513);
    crc(format!("crc_token={long}"))
        .await
        .assert_error(400, "invalid_crc_token");
    assert_eq!(
        crc(format!("crc_token={}", &long[1..])).await.json(),
        crc_body(&long[1..])
    );
    dir.assert_nothing_stored("crc").await;
    server.stop().await;
}

#[tokio::test]
async fn crc_is_not_a_signing_oracle_for_bodies() {
    let dir = TempDir::new("oracle");
    let server = start(dir.path(), Options::default(), None).await;
    let candidates: Vec<Vec<u8>> = vec![
        fixture("tweet_create/plain.json"),
        fixture("favorite/with_id.json"),
        br#"{"for_user_id":"1","tweet_create_events":[{"id_str":"1"}]}"#.to_vec(),
        b"12".to_vec(),
        b"true".to_vec(),
        b"null".to_vec(),
        b" 7 ".to_vec(),
        b"plainToken".to_vec(),
        b"a b".to_vec(),
        b"x.y~z:1/2=3".to_vec(),
    ];
    let mut signed = 0;
    for token in &candidates {
        let reply = get(
            server.addr,
            &format!("{PATH}?crc_token={}", url_encode(token)),
        )
        .await;
        if reply.status == StatusCode::OK {
            // The token was signed: that signature must not let the same bytes in as a body.
            signed += 1;
            let sig = reply.json()["response_token"].as_str().unwrap().to_owned();
            assert_eq!(sig, sign(token), "the CRC answer is the HMAC of the token");
            let post = send(server.addr, post_request(PATH, token, &[&sig])).await;
            post.assert_error(401, "unauthorized");
        } else {
            reply.assert_error(400, "invalid_crc_token");
            assert!(
                serde_json::from_slice::<serde_json::Value>(token).is_ok(),
                "a non-JSON token was refused: {:?}",
                String::from_utf8_lossy(token)
            );
        }
        dir.assert_nothing_stored(&String::from_utf8_lossy(token))
            .await;
    }
    // Both branches ran: JSON refused, plain tokens signed.
    assert_eq!(signed, 3);
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Duplicates and forwarding

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_body_is_stored_once_and_forwarded_once() {
    let dir = TempDir::new("dedupe");
    let received = Received::default();
    let app = start_app(TcpListener::bind("127.0.0.1:0").await.unwrap(), &received);
    let url = format!("http://{}/app", app.addr);
    let server = start(dir.path(), Options::default(), Some(&url)).await;
    let a = fixture("tweet_create/two_events.json");
    let b = fixture("mixed/follow_tweet_favorite.json");
    let first = post(server.addr, &a).await;
    assert_eq!(
        first.json(),
        serde_json::json!({"stored": 2, "duplicates": 0})
    );
    // Sequential redeliveries.
    for _ in 0..3 {
        let again = post(server.addr, &a).await;
        assert_eq!(
            again.json(),
            serde_json::json!({"stored": 0, "duplicates": 2})
        );
    }
    // Sixteen at once.
    let n_b = {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let addr = server.addr;
            let b = b.clone();
            set.spawn(async move { post(addr, &b).await.json() });
        }
        let mut stored = Vec::new();
        while let Some(v) = set.join_next().await {
            let v = v.unwrap();
            stored.push((
                v["stored"].as_u64().unwrap(),
                v["duplicates"].as_u64().unwrap(),
            ));
        }
        let winners: Vec<_> = stored.iter().filter(|(s, _)| *s > 0).collect();
        assert_eq!(winners.len(), 1, "{stored:?}");
        let total = winners[0].0;
        assert!(
            stored
                .iter()
                .all(|&(s, d)| s == total || (s == 0 && d == total)),
            "{stored:?}"
        );
        total
    };
    assert!(n_b >= 3, "{n_b}");
    let events = 2 + i64::try_from(n_b).unwrap();
    assert_eq!(dir.counts().await, (events, 0, 2));
    // After a restart on the same data directory.
    server.stop().await;
    let server = start(dir.path(), Options::default(), Some(&url)).await;
    assert_eq!(post(server.addr, &a).await.json()["stored"], 0);
    assert_eq!(post(server.addr, &b).await.json()["stored"], 0);
    assert_eq!(dir.counts().await, (events, 0, 2));
    let got = wait_received(&received, 2).await;
    assert_eq!(got.len(), 2, "forwarded more or less than once each");
    assert_eq!(got[0].0, sign(&a));
    assert_eq!(&got[0].1[..], &a[..], "forwarded byte for byte");
    assert_eq!(got[1].0, sign(&b));
    assert_eq!(&got[1].1[..], &b[..]);
    // Every stored event's key is unique and the events are in the store once.
    let keys: Vec<String> = dir.events().await.into_iter().map(|e| e.key).collect();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), keys.len());
    server.stop().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_retries_while_the_app_is_down_and_resumes_after_a_restart_in_order() {
    let dir = TempDir::new("forward");
    let received = Received::default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_addr = listener.local_addr().unwrap();
    let app = start_app(listener, &received);
    let url = format!("http://{app_addr}/hook");
    let server = start(dir.path(), Options::default(), Some(&url)).await;
    let bodies: Vec<Vec<u8>> = (0..6)
        .map(|i| tweet(1_860_000_000_000_000_000 + i, "hello"))
        .collect();
    assert_eq!(post(server.addr, &bodies[0]).await.json()["stored"], 1);
    assert_eq!(wait_received(&received, 1).await.len(), 1);
    // The app goes away; deliveries keep being accepted and wait.
    app.stop().await;
    for body in &bodies[1..3] {
        assert_eq!(post(server.addr, body).await.json()["stored"], 1);
    }
    // Retried with backoff: a few failed attempts, not a hot loop.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let failures = |s: &Server| {
        let text = s.metrics.render();
        text.lines()
            .find_map(|l| l.strip_prefix("aaa_forward_failures_total "))
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let f = failures(&server);
    assert!((2..=12).contains(&f), "{f} failed attempts in 0.8 s");
    // The receiver restarts while the app is still down.
    server.stop().await;
    let server = start(dir.path(), Options::default(), Some(&url)).await;
    for body in &bodies[3..] {
        assert_eq!(post(server.addr, body).await.json()["stored"], 1);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(failures(&server) >= 1);
    assert_eq!(received.lock().unwrap().len(), 1);
    // The app comes back on the same address.
    let listener = TcpListener::bind(app_addr)
        .await
        .expect("rebind the app's port");
    let app = start_app(listener, &received);
    let got = wait_received(&received, bodies.len()).await;
    assert_eq!(got.len(), bodies.len(), "skipped or repeated a delivery");
    for (i, (sig, body)) in got.iter().enumerate() {
        assert_eq!(
            &body[..],
            &bodies[i][..],
            "delivery {i} out of order or altered"
        );
        assert_eq!(sig, &sign(&bodies[i]));
    }
    assert_eq!(
        forward_cursor(&dir),
        6,
        "the forwarder's cursor is past every delivery"
    );
    server.stop().await;
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Store failure

// Running as root (as CI does), a read-only data directory or file made with chmod is still
// writable, so the store is made to fail with its size bound (SQLite's max_page_count) instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_store_answers_503_keeps_answering_crc_and_stores_nothing_half() {
    let dir = TempDir::new("full");
    let opts = Options {
        max_bytes: Some(96 * 1024),
        ..Options::default()
    };
    let server = start(dir.path(), opts, None).await;
    let filler = "x".repeat(6000);
    let mut accepted = Vec::new();
    let mut refused = None;
    for i in 0..200u64 {
        let body = tweet(1_870_000_000_000_000_000 + i, &filler);
        let reply = post(server.addr, &body).await;
        if reply.status == StatusCode::OK {
            assert_eq!(reply.json()["stored"], 1);
            accepted.push(body);
            continue;
        }
        let message = reply.assert_error(503, "store_unavailable");
        assert!(message.contains("retry"), "{message}");
        assert_eq!(reply.headers.get(http::header::RETRY_AFTER).unwrap(), "5");
        refused = Some((1_870_000_000_000_000_000 + i, body));
        break;
    }
    let (refused_id, refused_body) = refused.expect("the store filled up");
    assert!(!accepted.is_empty(), "nothing fit at all");
    // Nothing of the refused delivery is in the store; everything acknowledged is.
    let n = i64::try_from(accepted.len()).unwrap();
    assert_eq!(dir.counts().await, (n, 0, accepted.len()));
    let keys: Vec<String> = dir.events().await.into_iter().map(|e| e.key).collect();
    assert!(
        keys.iter().all(|k| !k.contains(&refused_id.to_string())),
        "{keys:?}"
    );
    // Still failing: retries of it and concurrent deliveries all get 503.
    let mut set = tokio::task::JoinSet::new();
    for i in 0..4u64 {
        let addr = server.addr;
        let body = tweet(1_871_000_000_000_000_000 + i, &filler);
        set.spawn(async move { post(addr, &body).await.status });
    }
    while let Some(s) = set.join_next().await {
        assert_eq!(s.unwrap(), StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(
        post(server.addr, &refused_body).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(dir.counts().await, (n, 0, accepted.len()));
    // CRC and health keep answering.
    let crc = get(server.addr, &format!("{PATH}?crc_token=still-here")).await;
    assert_eq!(crc.status, StatusCode::OK);
    assert_eq!(crc.json(), crc_body("still-here"));
    let health = get(server.addr, "/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["store"], "failing", "{}", health.json());
    let metrics = String::from_utf8_lossy(&get(server.addr, "/metrics").await.body).into_owned();
    assert!(
        metrics.contains("aaa_requests_total{outcome=\"store_unavailable\"} 6\n"),
        "{metrics}"
    );
    server.stop().await;
    // A receiver on a fresh store works.
    let fresh = TempDir::new("fresh");
    let server = start(fresh.path(), Options::default(), None).await;
    assert_eq!(post(server.addr, &refused_body).await.json()["stored"], 1);
    assert_eq!(get(server.addr, "/healthz").await.json()["store"], "ok");
    assert_eq!(fresh.counts().await, (1, 0, 1));
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Store files

/// A one-tweet envelope for `user`.
fn tweet_for(user: &str, id: u64, text: &str) -> Vec<u8> {
    let body = String::from_utf8(tweet(id, text)).unwrap();
    body.replace("\"2244994945\"", &format!("{user:?}"))
        .into_bytes()
}

/// The events in each of the four files of the test layout, read one file at a time with
/// plain SQL.
fn events_per_file(dir: &TempDir) -> Vec<Vec<String>> {
    (0..4)
        .map(|k| {
            let path = dir.path().join(format!("aaa-{k}.sqlite3"));
            let conn = rusqlite::Connection::open(&path).expect("open one store file");
            let mut stmt = conn.prepare("SELECT key FROM events ORDER BY id").unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<Vec<String>, _>>()
                .unwrap()
        })
        .collect()
}

/// The forwarder's cursors (one per store file), summed, read with plain SQL.
fn forward_cursor(dir: &TempDir) -> i64 {
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sqlite3"))
        .collect();
    files
        .iter()
        .map(|path| {
            rusqlite::Connection::open(path)
                .unwrap()
                .query_row(
                    "SELECT COALESCE(SUM(cursor), 0) FROM cursors WHERE name = 'forward'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap()
        })
        .sum()
}

/// The store file of `user` in a store of `files` files: FNV-1a 64 of the id, modulo the count
/// (written here from the algorithm's definition, not taken from the receiver).
fn file_of_user(user: &str, files: u64) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in user.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    usize::try_from(h % files).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_redelivery_reaches_the_same_file_and_is_stored_and_forwarded_once() {
    let dir = TempDir::new("shard-dedupe");
    let received = Received::default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = start_app(listener, &received);
    let url = format!("http://{}/hook", app.addr);
    let server = start(dir.path(), Options::default(), Some(&url)).await;
    assert!(!dir.path().join("aaa.sqlite3").exists());
    let users = ["783214", "6253282", "1003", "1004"];
    let bodies: Vec<Vec<u8>> = users
        .iter()
        .enumerate()
        .map(|(i, u)| tweet_for(u, 1_880_500_000_000_000_000 + i as u64, "again"))
        .collect();
    // Each body eight times, concurrently: exactly one attempt stores it.
    let mut set = tokio::task::JoinSet::new();
    for body in &bodies {
        for _ in 0..8 {
            let (addr, body) = (server.addr, body.clone());
            set.spawn(async move { post(addr, &body).await.json()["stored"].as_u64().unwrap() });
        }
    }
    let mut stored = 0;
    while let Some(s) = set.join_next().await {
        stored += s.unwrap();
    }
    assert_eq!(stored, 4);
    // And again after a restart.
    server.stop().await;
    let server = start(dir.path(), Options::default(), Some(&url)).await;
    for body in &bodies {
        assert_eq!(post(server.addr, body).await.json()["duplicates"], 1);
    }
    assert_eq!(dir.counts().await, (4, 0, 4));
    // Each event is in one file only, and the files are the users' own.
    let files = events_per_file(&dir);
    for (i, u) in users.iter().enumerate() {
        let holding: Vec<usize> = (0..4)
            .filter(|&k| files[k].iter().any(|key| key.contains(&format!("/{u}/"))))
            .collect();
        assert_eq!(holding.len(), 1, "user {u} ({i}) in files {holding:?}");
        assert_eq!(holding[0], file_of_user(u, 4), "user {u}");
    }
    assert_eq!(files.iter().map(Vec::len).sum::<usize>(), 4);
    let got = wait_received(&received, 4).await;
    assert_eq!(got.len(), 4, "forwarded more or less than once each");
    for body in &bodies {
        assert_eq!(got.iter().filter(|(_, b)| b[..] == body[..]).count(), 1);
    }
    server.stop().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deliveries_for_many_users_spread_over_every_file_and_forward_in_order_per_user() {
    let dir = TempDir::new("shard-spread");
    let received = Received::default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = start_app(listener, &received);
    let url = format!("http://{}/hook", app.addr);
    let server = start(dir.path(), Options::default(), Some(&url)).await;
    let users: Vec<String> = (0..40).map(|i| format!("{}", 900_000 + i)).collect();
    // Each user's three tweets in order, the users concurrently.
    let mut set = tokio::task::JoinSet::new();
    for (u, user) in users.iter().enumerate() {
        let (addr, user) = (server.addr, user.clone());
        set.spawn(async move {
            for n in 0..3u64 {
                let body = tweet_for(&user, 1_880_600_000_000_000_000 + 10 * u as u64 + n, "x");
                assert_eq!(post(addr, &body).await.json()["stored"], 1);
            }
        });
    }
    while let Some(r) = set.join_next().await {
        r.unwrap();
    }
    assert_eq!(dir.counts().await, (120, 0, 120));
    let files = events_per_file(&dir);
    assert!(
        files.iter().all(|f| !f.is_empty()),
        "{:?}",
        files.iter().map(Vec::len).collect::<Vec<_>>()
    );
    // Listing merges the files; each user's events keep their order.
    let listed = dir.events().await;
    assert_eq!(listed.len(), 120);
    for user in &users {
        let ids: Vec<&str> = listed
            .iter()
            .filter(|e| e.for_user_id.as_deref() == Some(user.as_str()))
            .map(|e| e.key.as_str())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted, "user {user}");
    }
    let newest = dir
        .store()
        .list(EventQuery::newest(Some(5)))
        .await
        .unwrap()
        .events;
    assert_eq!(newest[..], listed[115..]);
    // Forwarded once each, and in order for each user.
    let got = wait_received(&received, 120).await;
    assert_eq!(got.len(), 120);
    for (u, user) in users.iter().enumerate() {
        let mine: Vec<&Bytes> = got
            .iter()
            .map(|(_, b)| b)
            .filter(|b| String::from_utf8_lossy(b).contains(&format!("\"{user}\"")))
            .collect();
        let expected: Vec<Vec<u8>> = (0..3u64)
            .map(|n| tweet_for(user, 1_880_600_000_000_000_000 + 10 * u as u64 + n, "x"))
            .collect();
        assert_eq!(mine.len(), 3, "user {user}");
        for (m, e) in mine.iter().zip(&expected) {
            assert_eq!(&m[..], &e[..], "user {user}: out of order");
        }
    }
    assert_eq!(forward_cursor(&dir), 120);
    server.stop().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_dir_made_with_four_files_refuses_another_number() {
    let dir = TempDir::new("shard-layout");
    let server = start(dir.path(), Options::default(), None).await;
    assert_eq!(
        post(
            server.addr,
            &tweet_for("1004", 1_880_700_000_000_000_000, "x")
        )
        .await
        .json()["stored"],
        1
    );
    server.stop().await;
    for n in [1, 2, 8] {
        let mut config = StoreConfig::new(dir.path());
        config.shards = n;
        let e = Store::open(config).expect_err("another number of files is refused");
        assert_eq!(
            e.kind(),
            StoreErrorKind::LayoutMismatch {
                found: 4,
                wanted: n
            },
            "{e}"
        );
        assert!(
            !e.to_string().contains("--"),
            "a library error names no flag: {e}"
        );
    }
    // Nothing was created by the refused attempts, and four files still open.
    assert!(!dir.path().join("aaa.sqlite3").exists());
    assert!(!dir.path().join("aaa-4.sqlite3").exists());
    let store = Store::open(four_files(dir.path())).unwrap();
    drop(store);
    assert_eq!(dir.counts().await, (1, 0, 1));
    // A single-file store refuses four.
    let single = TempDir::new("shard-single");
    let mut config = StoreConfig::new(single.path());
    config.shards = 1;
    drop(Store::open(config).unwrap());
    assert!(single.path().join("aaa.sqlite3").exists());
    let e =
        Store::open(four_files(single.path())).expect_err("a single-file store refuses four files");
    assert!(
        matches!(e.kind(), StoreErrorKind::LayoutMismatch { found: 1, .. }),
        "{e}"
    );
    assert!(!single.path().join("aaa-0.sqlite3").exists());
}

/// The schema of stores made before the store was split into files (version 1).
const SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS deliveries (
    id          INTEGER PRIMARY KEY,
    app         TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    signature   TEXT    NOT NULL,
    body        BLOB    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('ok', 'quarantined')),
    error       TEXT,
    digest      TEXT,
    new_events  INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_quarantined_once
    ON deliveries (app, digest) WHERE status = 'quarantined';
CREATE INDEX IF NOT EXISTS deliveries_received_at ON deliveries (received_at);
CREATE TABLE IF NOT EXISTS events (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL,
    for_user_id TEXT,
    delivery_id INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    raw_start   INTEGER NOT NULL,
    raw_end     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_received_at ON events (received_at);
CREATE TABLE IF NOT EXISTS cursors (
    name   TEXT    PRIMARY KEY,
    cursor INTEGER NOT NULL
);
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_file_store_of_an_earlier_version_opens_with_one_file_and_keeps_its_keys() {
    let dir = TempDir::new("v1");
    let body = tweet(1_880_800_000_000_000_000, "old");
    {
        let conn = rusqlite::Connection::open(dir.path().join("aaa.sqlite3")).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA journal_mode=WAL; {SCHEMA_V1} PRAGMA user_version=1;"
        ))
        .unwrap();
        conn.execute(
            "INSERT INTO deliveries (id, app, received_at, signature, body, status, new_events)
             VALUES (1, 'main', 1700000000000, 'sig', ?1, 'ok', 1)",
            [&body[..]],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO events (key, kind, for_user_id, delivery_id, received_at, raw_start, raw_end)
             VALUES ('tweet_create/2244994945/1880800000000000000', 'tweet_create', '2244994945', 1, 1700000000000, 0, 2)",
            [],
        )
        .unwrap();
    }
    // Four files refuse it and say how to open it.
    let e = Store::open(four_files(dir.path())).expect_err("four files refuse a single-file store");
    assert!(
        matches!(e.kind(), StoreErrorKind::LayoutMismatch { found: 1, .. }),
        "{e}"
    );
    // With one file it opens, keeps the event and its key, and stores new ones after it.
    let mut config = StoreConfig::new(dir.path());
    config.shards = 1;
    let store = Store::open(config).unwrap();
    let again = |body: Vec<u8>| {
        let events = match aaa_parser::scan(&body) {
            Ok(env) => env
                .events()
                .map(|e| EventRecord {
                    key: e.key().to_string(),
                    kind: e.kind().to_string(),
                    for_user_id: env.for_user_id().map(str::to_owned),
                    range: e.range(),
                })
                .collect(),
            Err(e) => panic!("{e}"),
        };
        Arc::new(Delivery {
            app: "main".into(),
            received_at: 1_700_000_100_000,
            signature: sign(&body),
            secret_index: 0,
            body: Bytes::from(body),
            content: Content::Events(events),
        })
    };
    let a = store.append(again(body)).await.unwrap();
    assert_eq!(
        (a.new_events.len(), a.duplicates),
        (0, 1),
        "the old key is kept"
    );
    let new = tweet(1_880_800_000_000_000_001, "new");
    let a = store.append(again(new)).await.unwrap();
    assert_eq!((a.new_events.len(), a.duplicates), (1, 0));
    drop(store);
    let events = dir.events().await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].key, "tweet_create/2244994945/1880800000000000000");
    assert_eq!(events[1].id.seq, 2);
    // The old event counted the redelivery, and its delivery has no recorded secret.
    let old = dir.store().event(events[0].id).await.unwrap().unwrap();
    assert_eq!(old.duplicates, Some(1));
    assert_eq!(old.delivery.unwrap().secret_index, None);
}

/// Opens `n` connections to `addr` that send nothing, `batch` at a time, and holds them.
async fn idle_connections(addr: SocketAddr, n: usize, batch: usize) -> Vec<TcpStream> {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut held = Vec::with_capacity(n);
    while held.len() < n {
        assert!(
            Instant::now() < deadline,
            "only {} connections in two minutes",
            held.len()
        );
        let round: Vec<_> = (0..batch.min(n - held.len()))
            .map(|_| tokio::spawn(tokio::time::timeout(IO_BOUND, TcpStream::connect(addr))))
            .collect();
        for t in round {
            if let Ok(Ok(s)) = t.await.unwrap() {
                held.push(s);
            }
        }
    }
    held
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_idle_connections_do_not_keep_crc_out() {
    let dir = TempDir::new("idle-flood");
    // The default cap (1,024 connections) and timeouts.
    let opts = Options {
        limits: Limits::default(),
        ..Options::default()
    };
    let server = start(dir.path(), opts, None).await;
    let held = idle_connections(server.addr, 10_000, 250).await;
    // X's CRC check comes on a new connection while all of them are held open.
    let mut times = Vec::new();
    for token in ["first", "second", "third", "fourth", "fifth"] {
        let started = Instant::now();
        let r = get(server.addr, &format!("{PATH}?crc_token={token}")).await;
        let took = started.elapsed();
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.json(), crc_body(token));
        times.push(took);
    }
    times.sort();
    eprintln!("CRC with {} idle connections held: {times:?}", held.len());
    assert!(
        times[2] < Duration::from_secs(1),
        "CRC answered in {times:?} (median over 1 s)"
    );
    assert!(
        times[4] < Duration::from_secs(3),
        "CRC answered in {times:?} (one over X's 3 s deadline)"
    );
    // A delivery gets through too, and is stored.
    let r = post(server.addr, &tweet(1_881_000_000_000_000_000, "through")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(dir.counts().await.0, 1);
    drop(held);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_an_idle_connection_makes_room_and_a_busy_one_does_not() {
    let dir = TempDir::new("idle-cap");
    let mut opts = Options::default();
    opts.limits.max_connections = 4;
    opts.limits.first_byte_timeout = Duration::from_secs(30);
    let server = start(dir.path(), opts, None).await;
    // A POST whose body is still coming: its connection is answering a request.
    let body = tweet(1_881_000_000_000_000_001, "slow but busy");
    let mut busy = TcpStream::connect(server.addr).await.unwrap();
    busy.write_all(
        format!(
            "POST {PATH} HTTP/1.1\r\nhost: x\r\n{}content-length: {}\r\nexpect: 100-continue\r\n\r\n",
            sig_line(&body),
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    // hyper answers 100 Continue once the receiver starts reading the body: from then on the
    // connection is answering a request.
    let cont = read_response(&mut busy).await.expect("100 Continue");
    assert_eq!(cont.status, 100, "{cont:?}");
    busy.write_all(&body[..10]).await.unwrap();
    // Many more silent connections than the cap: the oldest idle ones are closed to admit them.
    let mut idle = idle_connections(server.addr, 20, 5).await;
    let mut first = idle.remove(0);
    wait_closed(&mut first, IO_BOUND).await;
    // CRC still gets in.
    let r = get(server.addr, &format!("{PATH}?crc_token=room")).await;
    assert_eq!(r.status, StatusCode::OK);
    // The busy connection was left alone: its body completes and is stored.
    busy.write_all(&body[10..]).await.unwrap();
    let reply = read_response(&mut busy)
        .await
        .expect("the busy connection was kept");
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(raw_json(&reply)["stored"], 1);
    drop(idle);
    server.stop().await;
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_first_byte_timeout() {
    let dir = TempDir::new("first-byte");
    let mut opts = Options::default();
    opts.limits.first_byte_timeout = Duration::from_millis(300);
    opts.limits.header_timeout = Duration::from_secs(30);
    let server = start(dir.path(), opts, None).await;
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    let took = wait_closed(&mut s, IO_BOUND).await;
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(10),
        "closed after {took:?}"
    );
    // A connection that speaks at once is served.
    assert_eq!(get(server.addr, "/healthz").await.status, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn ambiguous_lengths_get_400_and_nothing_is_stored() {
    let dir = TempDir::new("lengths");
    let server = start(dir.path(), Options::default(), None).await;
    let body = tweet(1_881_000_000_000_000_002, "ambiguous");
    let n = body.len();
    for (what, framing) in [
        ("a signed length", format!("content-length: +{n}\r\n")),
        // Two equal lengths are one length (RFC 9112, 6.3), and are served as such.
        (
            "two different lengths",
            format!("content-length: {n}\r\ncontent-length: 5\r\n"),
        ),
        ("a list of lengths", format!("content-length: {n}, 5\r\n")),
        (
            "chunked, identity",
            "transfer-encoding: chunked, identity\r\n".to_owned(),
        ),
    ] {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        let mut request = format!(
            "POST {PATH} HTTP/1.1\r\nhost: x\r\n{}{framing}\r\n",
            sig_line(&body)
        )
        .into_bytes();
        request.extend_from_slice(&body);
        s.write_all(&request).await.unwrap();
        let reply = read_response(&mut s)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(reply.status, 400, "{what}: {reply:?}");
    }
    dir.assert_nothing_stored("ambiguous lengths").await;
    server.stop().await;
}
