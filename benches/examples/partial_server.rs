//! The rungs between the bare hyper baseline and `aaa serve`, for the receiver benchmark: hyper 1
//! servers that do part of what `aaa serve` does to a POST, so that one run shows what each part
//! costs. Prints `listening on ADDR` on stderr.
//!
//! - `verify`: read the body, check its `x-twitter-webhooks-signature` (HMAC-SHA256, constant
//!   time, as `aaa serve` does), scan the envelope for its events and dedupe keys, answer 200.
//! - `log DIR`: the same, then a durable append with group commit and no SQLite: a writer thread
//!   takes every queued body, writes them with one `pwrite` into a preallocated 64 MiB file in
//!   `DIR` (overwritten from its start once full, so no dedupe, no index, no history), calls
//!   `fdatasync`, and only then lets their requests answer 200. The least any receiver that
//!   acknowledges only durable events has to do.
//!
//! `cargo run --release -p aaa-benches --example partial_server -- verify 127.0.0.1:0 SECRET`
//! `cargo run --release -p aaa-benches --example partial_server -- log 127.0.0.1:0 SECRET DIR`

use std::convert::Infallible;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;

use aaa_crypto::{ConsumerSecret, SIGNATURE_HEADER, Verifier};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

/// The size of the log file, written from its start again once full.
const LOG_BYTES: u64 = 64 * 1024 * 1024;

type Job = (Bytes, oneshot::Sender<()>);

/// Creates the log file in `dir`, allocated and written once, so that appends overwrite blocks
/// (as SQLite's WAL is, once it starts over) instead of growing the file.
fn create_log(dir: &std::path::Path) -> std::io::Result<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(dir.join("partial-server.log"))?;
    let zeros = vec![0u8; 1024 * 1024];
    for k in 0..LOG_BYTES / 1024 / 1024 {
        file.write_all_at(&zeros, k * 1024 * 1024)?;
    }
    file.sync_all()?;
    Ok(file)
}

/// The log writer: group commit of whatever is queued, one `pwrite` and one `fdatasync` per batch.
fn log_writer(file: &std::fs::File, rx: &mpsc::Receiver<Job>) -> std::io::Result<()> {
    let mut offset = 0u64;
    let mut buf = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < 256 {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        buf.clear();
        for (body, _) in &batch {
            let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
            buf.extend_from_slice(&len.to_le_bytes());
            buf.extend_from_slice(body);
        }
        let len = buf.len() as u64;
        if offset + len > LOG_BYTES {
            offset = 0;
        }
        file.write_all_at(&buf, offset)?;
        file.sync_data()?;
        offset += len;
        for (_, done) in batch {
            let _ = done.send(());
        }
    }
    Ok(())
}

fn answer(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r
}

async fn handle(
    req: Request<hyper::body::Incoming>,
    verifier: &Verifier,
    log: Option<&mpsc::SyncSender<Job>>,
) -> Response<Full<Bytes>> {
    let Some(signature) = req.headers().get(SIGNATURE_HEADER).cloned() else {
        return answer(StatusCode::UNAUTHORIZED, "{\"error\":\"unauthorized\"}");
    };
    let Ok(body) = req
        .into_body()
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
    else {
        return answer(StatusCode::BAD_REQUEST, "{\"error\":\"bad_body\"}");
    };
    if verifier.verify(signature.as_bytes(), &body).is_err() {
        return answer(StatusCode::UNAUTHORIZED, "{\"error\":\"unauthorized\"}");
    }
    // What `aaa serve` builds for its store: each event's dedupe key, kind and byte range.
    let records: Vec<(String, String, std::ops::Range<usize>)> = aaa_parser::scan(&body)
        .map(|env| {
            env.events()
                .map(|e| (e.key().to_string(), e.kind().to_string(), e.range()))
                .collect()
        })
        .unwrap_or_default();
    if let Some(log) = log {
        let (done, wait) = oneshot::channel();
        if log.try_send((body, done)).is_err() || wait.await.is_err() {
            return answer(StatusCode::SERVICE_UNAVAILABLE, "{\"error\":\"log\"}");
        }
    }
    if records.is_empty() {
        return answer(StatusCode::OK, "{\"events\":0}");
    }
    answer(StatusCode::OK, "{\"events\":1}")
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let usage = "usage: partial_server verify|log ADDR SECRET [DIR]";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, addr, secret) = match args.as_slice() {
        [mode, addr, secret, ..] => (mode.as_str(), addr.as_str(), secret.as_str()),
        _ => return Err(std::io::Error::other(usage)),
    };
    let verifier = Arc::new(Verifier::new(&[ConsumerSecret::new(secret)]));
    let log = match (mode, args.get(3)) {
        ("verify", None) => None,
        ("log", Some(dir)) => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir)?;
            let file = create_log(&dir)?;
            let (tx, rx) = mpsc::sync_channel::<Job>(4096);
            std::thread::spawn(move || {
                if let Err(e) = log_writer(&file, &rx) {
                    eprintln!("log writer stopped: {e}");
                }
            });
            Some(tx)
        }
        _ => return Err(std::io::Error::other(usage)),
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!("listening on {}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let verifier = Arc::clone(&verifier);
        let log = log.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let verifier = Arc::clone(&verifier);
                let log = log.clone();
                async move { Ok::<_, Infallible>(handle(req, &verifier, log.as_ref()).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
