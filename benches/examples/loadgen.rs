//! Load generator for the receiver benchmark: signed Account Activity deliveries over keep-alive
//! HTTP/1.1 connections on loopback, each body unique (a fresh tweet id), for a bounded time and
//! a bounded number of requests; optionally a CRC probe measuring latency while the load runs.
//! Prints one JSON line of results.
//!
//! `loadgen --url http://127.0.0.1:8080/webhooks/twitter --secret S --body fixtures/bench/tweet_create_small.json
//!  [--connections 64] [--seconds 10] [--max-requests 2000000] [--users 1] [--crc]`
//!
//! `--users N`: request i is for user i mod N of a fixed set of N user ids (the body's
//! `for_user_id` with its last digits replaced, same length), as X delivers the events of all of
//! an app's subscribed users to one webhook.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;

struct Opts {
    url: hyper::Uri,
    secret: String,
    body: Vec<u8>,
    connections: usize,
    seconds: u64,
    max_requests: u64,
    users: u64,
    crc: bool,
}

fn opts() -> Result<Opts, String> {
    let mut args = std::env::args().skip(1);
    let mut o = Opts {
        url: "http://127.0.0.1:8080/webhooks/twitter"
            .parse()
            .map_err(|e| format!("{e}"))?,
        secret: String::new(),
        body: Vec::new(),
        connections: 64,
        seconds: 10,
        max_requests: 2_000_000,
        users: 1,
        crc: false,
    };
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--url" => o.url = val()?.parse().map_err(|e| format!("--url: {e}"))?,
            "--secret" => o.secret = val()?,
            "--body" => {
                let p = val()?;
                o.body = std::fs::read(&p).map_err(|e| format!("{p}: {e}"))?;
            }
            "--connections" => {
                o.connections = val()?.parse().map_err(|e| format!("--connections: {e}"))?;
            }
            "--seconds" => o.seconds = val()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--max-requests" => {
                o.max_requests = val()?.parse().map_err(|e| format!("--max-requests: {e}"))?;
            }
            "--users" => {
                o.users = val()?.parse().map_err(|e| format!("--users: {e}"))?;
                if o.users == 0 || o.users > 1_000_000 {
                    return Err("--users: between 1 and 1000000".into());
                }
            }
            "--crc" => o.crc = true,
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    if o.body.is_empty() || o.secret.is_empty() {
        return Err("--body and --secret are required".into());
    }
    Ok(o)
}

/// The position of the first `"id_str":"<digits>"` value, whose digits are replaced per request.
fn id_slot(body: &[u8]) -> Option<(usize, usize)> {
    let pat = br#""id_str":""#;
    let start = body.windows(pat.len()).position(|w| w == pat)? + pat.len();
    let len = body[start..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    (len >= 12).then_some((start, len))
}

/// The position of the `"for_user_id":"<digits>"` value, whose last digits pick the user.
fn user_slot(body: &[u8]) -> Option<(usize, usize)> {
    let pat = br#""for_user_id":""#;
    let start = body.windows(pat.len()).position(|w| w == pat)? + pat.len();
    let len = body[start..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    (len >= 7).then_some((start, len))
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

async fn connect(url: &hyper::Uri) -> Result<http1::SendRequest<Full<Bytes>>, String> {
    let addr = format!(
        "{}:{}",
        url.host().unwrap_or("127.0.0.1"),
        url.port_u16().unwrap_or(80)
    );
    let stream = tokio::net::TcpStream::connect(&addr)
        .await
        .map_err(|e| format!("{addr}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (send, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    Ok(send)
}

#[tokio::main]
async fn main() {
    let o = match opts() {
        Ok(o) => Arc::new(o),
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(2);
        }
    };
    let Some((slot, len)) = id_slot(&o.body) else {
        eprintln!("loadgen: the body needs an \"id_str\" of at least 12 digits to vary");
        std::process::exit(2);
    };
    let user = if o.users > 1 {
        let Some(slot) = user_slot(&o.body) else {
            eprintln!("loadgen: --users needs a \"for_user_id\" of at least 7 digits to vary");
            std::process::exit(2);
        };
        Some(slot)
    } else {
        None
    };
    let key = Arc::new(aaa_crypto::SigningKey::new(
        &aaa_crypto::ConsumerSecret::new(o.secret.as_str()),
    ));
    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..o.connections {
        let (o, key, sent) = (Arc::clone(&o), Arc::clone(&key), Arc::clone(&sent));
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(100_000);
            let mut errors = 0u64;
            let Ok(mut send) = connect(&o.url).await else {
                return (lat, 1);
            };
            let mut body = o.body.clone();
            while Instant::now() < deadline {
                let n = sent.fetch_add(1, Ordering::Relaxed);
                if n >= o.max_requests {
                    break;
                }
                // Tweet ids grow with time, as X's snowflake ids do: one shared counter.
                let id = format!("{:0width$}", 1_800_000_000_000_000_000 + n, width = len);
                body[slot..slot + len].copy_from_slice(&id.as_bytes()[id.len() - len..]);
                if let Some((at, ulen)) = user {
                    let u = format!("{:06}", n % o.users);
                    body[at + ulen - 6..at + ulen].copy_from_slice(u.as_bytes());
                }
                let sig = key.sign(&body);
                let req = hyper::Request::post(o.url.clone())
                    .header("content-type", "application/json")
                    .header("x-twitter-webhooks-signature", sig)
                    .body(Full::new(Bytes::from(body.clone())))
                    .expect("request");
                let t = Instant::now();
                if let Ok(resp) = send.send_request(req).await {
                    let ok = resp.status() == 200;
                    let _ = resp.into_body().collect().await;
                    #[allow(clippy::cast_possible_truncation)]
                    lat.push(t.elapsed().as_micros() as u32);
                    if !ok {
                        errors += 1;
                    }
                } else {
                    errors += 1;
                    let Ok(s) = connect(&o.url).await else { break };
                    send = s;
                }
            }
            (lat, errors)
        }));
    }
    let crc = o.crc.then(|| {
        let o = Arc::clone(&o);
        tokio::spawn(async move {
            let mut lat = Vec::new();
            let Ok(mut send) = connect(&o.url).await else {
                return lat;
            };
            let uri: hyper::Uri = format!("{}?crc_token=loadgenProbeToken", o.url)
                .parse()
                .expect("uri");
            while Instant::now() < deadline {
                let req = hyper::Request::get(uri.clone())
                    .body(Full::new(Bytes::new()))
                    .expect("request");
                let t = Instant::now();
                if let Ok(resp) = send.send_request(req).await {
                    let _ = resp.into_body().collect().await;
                    #[allow(clippy::cast_possible_truncation)]
                    lat.push(t.elapsed().as_micros() as u32);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            lat
        })
    });
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((lat, e)) = t.await {
            all.extend(lat);
            errors += e;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let crc_lat = match crc {
        Some(t) => {
            let mut v = t.await.unwrap_or_default();
            v.sort_unstable();
            Some(v)
        }
        None => None,
    };
    #[allow(clippy::cast_precision_loss)]
    let rps = all.len() as f64 / elapsed;
    let crc_json = crc_lat.map_or_else(
        || "null".to_owned(),
        |v| {
            format!(
                "{{\"count\":{},\"p50_us\":{},\"p99_us\":{},\"max_us\":{}}}",
                v.len(),
                percentile(&v, 0.5),
                percentile(&v, 0.99),
                v.last().copied().unwrap_or(0)
            )
        },
    );
    println!(
        "{{\"requests\":{},\"errors\":{errors},\"seconds\":{elapsed:.2},\"rps\":{rps:.0},\"p50_us\":{},\"p99_us\":{},\"body_bytes\":{},\"connections\":{},\"crc\":{crc_json}}}",
        all.len(),
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        o.body.len(),
        o.connections,
    );
}
