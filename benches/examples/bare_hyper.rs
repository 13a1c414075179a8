//! The baseline for the receiver benchmark: a bare hyper 1 server that reads each request body
//! and answers 200, nothing else. Prints `listening on ADDR` on stderr.
//!
//! `cargo run --release -p aaa-benches --example bare_hyper -- 127.0.0.1:0`

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("listening on {}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                let body = req
                    .into_body()
                    .collect()
                    .await
                    .map_or(0, |b| b.to_bytes().len());
                Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(format!(
                    "{{\"read\":{body}}}"
                )))))
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
