//! The activity stream consumer against loopback servers that misbehave the ways a long-lived
//! HTTP response can: stalls, connections dropped mid-line, lines split into tiny writes, lines
//! of a mebibyte, nothing but keep-alives, refusals, rate limits and connection limits.
//!
//! The servers are raw TCP (so every byte and every cut is the test's), answering each
//! connection with the next script of the test.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use aaa_client::stream::{Backoff, Disconnect, StreamItem, StreamLimits};
use aaa_client::{Client, ErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One step of a scripted response.
#[derive(Clone)]
enum Step {
    /// Write these bytes (raw: the test writes the status line and headers too).
    Write(Vec<u8>),
    /// Wait.
    Sleep(Duration),
    /// Keep the connection open without writing, until the client goes away.
    Hang,
}

fn head(status: u16, extra: &str) -> Step {
    Step::Write(
        format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{extra}connection: close\r\n\r\n"
        )
        .into_bytes(),
    )
}

fn ok_head() -> Step {
    head(200, "")
}

fn text(s: &str) -> Step {
    Step::Write(s.as_bytes().to_vec())
}

fn event(n: usize) -> String {
    format!(
        "{{\"data\":{{\"event_uuid\":\"{n}\",\"filter\":{{\"user_id\":\"42\"}},\"event_type\":\"profile.update.bio\",\"payload\":{{\"before\":\"a\",\"after\":\"b{n}\"}}}}}}\r\n"
    )
}

struct Server {
    base: String,
    /// The request line of every connection, in order.
    requests: Arc<Mutex<Vec<String>>>,
    /// Connections open right now, and the most ever open at once.
    open: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Server {
    /// Serves connection `i` with `scripts[i]` (the last script for any later connection).
    async fn start(scripts: Vec<Vec<Step>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let open = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (r, o, p) = (requests.clone(), open.clone(), peak.clone());
        tokio::spawn(async move {
            let mut n = 0;
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let script = scripts[n.min(scripts.len() - 1)].clone();
                n += 1;
                let (r, o, p) = (r.clone(), o.clone(), p.clone());
                tokio::spawn(async move {
                    let now = o.fetch_add(1, Ordering::SeqCst) + 1;
                    p.fetch_max(now, Ordering::SeqCst);
                    serve(sock, script, &r).await;
                    o.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Server {
            base,
            requests,
            open,
            peak,
        }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    fn client(&self, limits: StreamLimits) -> Client {
        Client::builder()
            .base_url(&self.base)
            .bearer_token("stream-bearer")
            .timeout(Duration::from_secs(10))
            .stream_limits(limits)
            .build()
            .unwrap()
    }
}

async fn serve(mut sock: TcpStream, script: Vec<Step>, requests: &Mutex<Vec<String>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match sock.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let line = text.lines().next().unwrap_or_default().to_owned();
    assert!(
        text.to_ascii_lowercase()
            .contains("authorization: bearer stream-bearer"),
        "{text}"
    );
    requests.lock().unwrap().push(line);
    for step in script {
        match step {
            Step::Write(bytes) => {
                if sock.write_all(&bytes).await.is_err() {
                    return;
                }
                let _ = sock.flush().await;
            }
            Step::Sleep(d) => tokio::time::sleep(d).await,
            Step::Hang => {
                // Until the client closes its side.
                let _ = sock.read(&mut buf).await;
                return;
            }
        }
    }
    let _ = sock.shutdown().await;
}

/// Backoff waits of a few milliseconds.
fn quick() -> Backoff {
    Backoff::default().scaled(0.001)
}

/// Reads items until `stop` says so, under a generous deadline.
async fn collect(
    stream: &mut aaa_client::stream::StreamConsumer,
    mut stop: impl FnMut(&[StreamItem]) -> bool,
) -> Vec<StreamItem> {
    let mut items = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !stop(&items) {
        let left = deadline.saturating_duration_since(Instant::now());
        let item = tokio::time::timeout(left, stream.next())
            .await
            .unwrap_or_else(|_| panic!("timed out; items so far: {items:?}"))
            .unwrap_or_else(|e| panic!("stream error {e}; items so far: {items:?}"));
        items.push(item);
    }
    items
}

fn lines(items: &[StreamItem]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            StreamItem::Line(l) => Some(String::from_utf8(l.to_vec()).unwrap()),
            _ => None,
        })
        .collect()
}

fn count_lines(n: usize) -> impl FnMut(&[StreamItem]) -> bool {
    move |items| lines(items).len() >= n
}

#[tokio::test]
async fn lines_split_into_tiny_writes_come_out_whole() {
    let mut script = vec![ok_head()];
    let body: String = (0..5).map(event).collect::<Vec<_>>().join("\r\n");
    for chunk in body.as_bytes().chunks(7) {
        script.push(Step::Write(chunk.to_vec()));
        script.push(Step::Sleep(Duration::from_millis(1)));
    }
    script.push(text("\r\n"));
    script.push(Step::Hang);
    let server = Server::start(vec![script]).await;
    let client = server.client(StreamLimits::default());
    let mut stream = client.activity_stream().backoff(quick()).open();
    let items = collect(&mut stream, count_lines(5)).await;
    let got = lines(&items);
    let want: Vec<String> = (0..5).map(|n| event(n).trim_end().to_owned()).collect();
    assert_eq!(got, want);
    // The blank lines between events are keep-alives.
    assert!(
        items
            .iter()
            .filter(|i| **i == StreamItem::KeepAlive)
            .count()
            >= 4
    );
    assert!(matches!(
        items[0],
        StreamItem::Connected {
            backfill_minutes: 0,
            uncovered: None
        }
    ));
    assert_eq!(server.requests(), ["GET /2/activity/stream HTTP/1.1"]);
}

#[tokio::test]
async fn mebibyte_lines_pass_and_longer_than_the_limit_are_dropped_in_bounded_memory() {
    let big = |n: usize| {
        let filler = "x".repeat(1024 * 1024);
        format!(
            "{{\"data\":{{\"event_uuid\":\"big{n}\",\"event_type\":\"post.create\",\"payload\":{{\"id\":\"{n}\",\"text\":\"{filler}\"}}}}}}\r\n"
        )
    };
    let mut script = vec![ok_head()];
    for n in 0..3 {
        for chunk in big(n).as_bytes().chunks(64 * 1024) {
            script.push(Step::Write(chunk.to_vec()));
        }
        script.push(text(&event(n)));
    }
    script.push(Step::Hang);
    let server = Server::start(vec![script]).await;
    let client = server.client(StreamLimits::default());

    // Default limit (16 MiB): every line arrives whole.
    let mut stream = client.activity_stream().backoff(quick()).open();
    let items = collect(&mut stream, count_lines(6)).await;
    let got = lines(&items);
    assert_eq!(got.len(), 6);
    for n in 0..3 {
        assert_eq!(got[2 * n], big(n).trim_end(), "big line {n}");
        assert!(got[2 * n].len() > 1024 * 1024);
        assert_eq!(got[2 * n + 1], event(n).trim_end());
    }
    drop(stream);

    // A 64 KiB limit: the big lines are reported and dropped, the small ones still come.
    let mut stream = client
        .activity_stream()
        .max_line_bytes(64 * 1024)
        .backoff(quick())
        .open();
    let items = collect(&mut stream, count_lines(3)).await;
    assert_eq!(
        lines(&items),
        (0..3)
            .map(|n| event(n).trim_end().to_owned())
            .collect::<Vec<_>>()
    );
    let oversized: Vec<usize> = items
        .iter()
        .filter_map(|i| match i {
            StreamItem::Oversized(n) => Some(*n),
            _ => None,
        })
        .collect();
    assert_eq!(oversized.len(), 3);
    assert!(oversized.iter().all(|&n| n == big(0).len()));
}

#[tokio::test]
async fn a_connection_dropped_mid_line_loses_no_whole_line_and_yields_no_half_line() {
    let half = &event(1)[..40];
    let server = Server::start(vec![
        // Close-delimited body, cut after half a line.
        vec![ok_head(), text(&event(0)), text(half)],
        // Chunked body, the connection cut mid-chunk.
        vec![
            head(200, "transfer-encoding: chunked\r\n").clone(),
            Step::Write(format!("{:x}\r\n{}\r\n", event(1).len(), event(1)).into_bytes()),
            Step::Write(format!("{:x}\r\n{}", event(2).len(), &event(2)[..30]).into_bytes()),
        ],
        vec![ok_head(), text(&event(2)), text(&event(3)), Step::Hang],
    ])
    .await;
    let client = server.client(StreamLimits::default());
    let mut stream = client.activity_stream().backoff(quick()).open();
    let items = collect(&mut stream, count_lines(4)).await;
    assert_eq!(
        lines(&items),
        (0..4)
            .map(|n| event(n).trim_end().to_owned())
            .collect::<Vec<_>>(),
        "{items:?}"
    );
    let reasons: Vec<&Disconnect> = items
        .iter()
        .filter_map(|i| match i {
            StreamItem::Disconnected { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 2, "{items:?}");
    assert_eq!(
        reasons[0],
        &Disconnect::Closed {
            dropped: half.len()
        }
    );
    assert!(
        matches!(reasons[1], Disconnect::Broken(_)),
        "{:?}",
        reasons[1]
    );
    // Each reconnect asked for a backfill covering the gap (under a minute: one).
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[1],
        "GET /2/activity/stream?backfill_minutes=1 HTTP/1.1"
    );
    assert_eq!(
        requests[2],
        "GET /2/activity/stream?backfill_minutes=1 HTTP/1.1"
    );
    assert_eq!(stream.connections(), 3);
}

#[tokio::test]
async fn a_stalled_connection_is_noticed_and_replaced() {
    let server = Server::start(vec![
        vec![ok_head(), text(&event(0)), Step::Hang],
        vec![ok_head(), text(&event(1)), Step::Hang],
    ])
    .await;
    let client = server.client(StreamLimits::default());
    let stall = Duration::from_millis(400);
    let mut stream = client
        .activity_stream()
        .stall_timeout(stall)
        .backoff(quick())
        .open();
    let started = Instant::now();
    let items = collect(&mut stream, count_lines(2)).await;
    assert!(started.elapsed() >= stall);
    assert!(
        items.iter().any(|i| matches!(
            i,
            StreamItem::Disconnected {
                reason: Disconnect::Stalled(d),
                ..
            } if *d == stall
        )),
        "{items:?}"
    );
    assert_eq!(lines(&items).len(), 2);
    let requests = server.requests();
    assert_eq!(
        requests[1],
        "GET /2/activity/stream?backfill_minutes=1 HTTP/1.1"
    );
    // The stalled connection was closed by the client, not left open beside the new one.
    assert_eq!(server.peak.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn keep_alives_alone_keep_the_connection() {
    let mut script = vec![ok_head()];
    for _ in 0..20 {
        script.push(text("\r\n"));
        script.push(Step::Sleep(Duration::from_millis(100)));
    }
    script.push(text(&event(9)));
    script.push(Step::Hang);
    let server = Server::start(vec![script]).await;
    let client = server.client(StreamLimits::default());
    let mut stream = client
        .activity_stream()
        .stall_timeout(Duration::from_secs(2))
        .backoff(quick())
        .open();
    let items = collect(&mut stream, count_lines(1)).await;
    assert_eq!(
        items
            .iter()
            .filter(|i| **i == StreamItem::KeepAlive)
            .count(),
        20
    );
    assert!(
        !items
            .iter()
            .any(|i| matches!(i, StreamItem::Disconnected { .. })),
        "{items:?}"
    );
    assert_eq!(stream.connections(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn refusals_back_off_rate_limits_wait_and_bad_credentials_stop() {
    let reset = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 2;
    let server = Server::start(vec![
        vec![head(503, ""), text(r#"{"title":"Service Unavailable"}"#)],
        vec![
            head(
                409,
                "",
            ),
            text(r#"{"title":"ConnectionException","detail":"This stream is currently at the maximum allowed connection limit.","connection_issue":"TooManyConnections","type":"https://api.x.com/2/problems/streaming-connection"}"#),
        ],
        vec![
            head(
                429,
                &format!("x-rate-limit-limit: 450\r\nx-rate-limit-remaining: 0\r\nx-rate-limit-reset: {reset}\r\n"),
            ),
            text(r#"{"code":88,"message":"Rate limit exceeded"}"#),
        ],
        vec![ok_head(), text(&event(0)), Step::Hang],
    ])
    .await;
    let client = server.client(StreamLimits::default());
    let mut stream = client.activity_stream().backoff(quick()).open();
    let started = Instant::now();
    let items = collect(&mut stream, count_lines(1)).await;
    let waits: Vec<(String, Duration)> = items
        .iter()
        .filter_map(|i| match i {
            StreamItem::Disconnected { reason, retry_in } => Some((reason.to_string(), *retry_in)),
            _ => None,
        })
        .collect();
    assert_eq!(waits.len(), 3, "{items:?}");
    assert!(waits[0].0.contains("503"));
    // HTTP errors back off exponentially: 5 s, then 10 s (scaled to ms here), jittered down by
    // at most half.
    assert!(waits[0].1 <= Duration::from_millis(5) && waits[0].1 >= Duration::from_micros(2500));
    assert!(
        waits[1].0.contains("maximum allowed connection limit"),
        "{}",
        waits[1].0
    );
    assert!(waits[1].1 <= Duration::from_millis(10) && waits[1].1 >= Duration::from_millis(5));
    // A 429 waits for the window to reset.
    assert!(waits[2].0.contains("429"));
    assert!(waits[2].1 > Duration::from_millis(10), "{:?}", waits[2].1);
    assert!(started.elapsed() >= waits[2].1);
    drop(stream);

    // A refused token is not retried.
    let server = Server::start(vec![vec![
        head(401, ""),
        text(
            r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#,
        ),
    ]])
    .await;
    let client = server.client(StreamLimits::default());
    let mut stream = client.activity_stream().backoff(quick()).open();
    let err = stream.next().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Authentication);
    assert_eq!(server.requests().len(), 1);

    // Nobody listening: network failures back off, up to the limit given.
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .bearer_token("stream-bearer")
        .build()
        .unwrap();
    let mut stream = client
        .activity_stream()
        .backoff(quick())
        .max_failures(3)
        .open();
    let mut unreachable = 0;
    let err = loop {
        match stream.next().await {
            Ok(StreamItem::Disconnected {
                reason: Disconnect::Unreachable(_),
                ..
            }) => unreachable += 1,
            Ok(other) => panic!("{other:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(unreachable, 2);
    assert_eq!(err.kind(), &ErrorKind::Stream);
}

#[tokio::test]
async fn one_client_keeps_to_its_connection_limits() {
    let script = vec![ok_head(), text(&event(0)), Step::Hang];
    let server = Server::start(vec![script]).await;

    // One connection at a time: a second consumer waits until the first is dropped.
    let client = server.client(StreamLimits::new(1, 450, Duration::from_secs(900)));
    let mut first = client.activity_stream().backoff(quick()).open();
    collect(&mut first, count_lines(1)).await;
    let mut second = client.activity_stream().backoff(quick()).open();
    let waiting = tokio::time::timeout(Duration::from_millis(300), second.next()).await;
    assert!(
        waiting.is_err(),
        "the second consumer connected beside the first"
    );
    drop(first);
    collect(&mut second, count_lines(1)).await;
    assert_eq!(server.peak.load(Ordering::SeqCst), 1);
    drop(second);

    // Two connection attempts per window: the third waits for the window.
    let client = server.client(StreamLimits::new(2, 2, Duration::from_millis(800)));
    let started = Instant::now();
    let mut one = client.activity_stream().backoff(quick()).open();
    collect(&mut one, count_lines(1)).await;
    let mut two = client.activity_stream().backoff(quick()).open();
    collect(&mut two, count_lines(1)).await;
    drop(one);
    let mut three = client.activity_stream().backoff(quick()).open();
    let items = collect(&mut three, count_lines(1)).await;
    assert!(
        matches!(
            items[0],
            StreamItem::Disconnected {
                reason: Disconnect::ConnectLimit,
                ..
            }
        ),
        "{items:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(800));
    assert!(server.open.load(Ordering::SeqCst) <= 2);
}

#[tokio::test]
async fn a_resumed_stream_asks_for_the_backfill_of_its_gap() {
    let server = Server::start(vec![vec![ok_head(), text(&event(0)), Step::Hang]]).await;
    let client = server.client(StreamLimits::default());
    let last_seen = SystemTime::now() - Duration::from_secs(3 * 60 + 30);
    let mut stream = client
        .activity_stream()
        .resume_after(last_seen)
        .backoff(quick())
        .open();
    let items = collect(&mut stream, count_lines(1)).await;
    assert!(matches!(
        items[0],
        StreamItem::Connected {
            backfill_minutes: 4,
            ..
        }
    ));
    assert_eq!(
        server.requests(),
        ["GET /2/activity/stream?backfill_minutes=4 HTTP/1.1"]
    );
    // A gap longer than X keeps is capped at five minutes.
    drop(stream);
    let mut stream = client
        .activity_stream()
        .resume_after(SystemTime::now() - Duration::from_secs(3600))
        .backoff(quick())
        .open();
    collect(&mut stream, count_lines(1)).await;
    assert_eq!(
        server.requests()[1],
        "GET /2/activity/stream?backfill_minutes=5 HTTP/1.1"
    );
}
