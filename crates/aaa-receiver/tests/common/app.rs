//! A small app on loopback that records what it is sent and answers 200: what the forwarder
//! posts to.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

const SIG: &str = "x-twitter-webhooks-signature";
const IO_BOUND: Duration = Duration::from_secs(10);

/// What the test app received: (signature header, body), in order.
pub(crate) type Received = Arc<Mutex<Vec<(String, Bytes)>>>;

/// A small app on loopback that records what it is sent and answers 200.
pub(crate) struct App {
    pub(crate) addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

pub(crate) fn start_app(listener: TcpListener, received: &Received) -> App {
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = watch::channel(false);
    let rec = Arc::clone(received);
    let task = tokio::spawn(async move {
        let mut conns = tokio::task::JoinSet::new();
        loop {
            let mut shut = rx.clone();
            let (stream, _) = tokio::select! {
                _ = shut.wait_for(|s| *s) => break,
                r = listener.accept() => r.unwrap(),
            };
            let rec = Arc::clone(&rec);
            let mut shut = rx.clone();
            conns.spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let rec = Arc::clone(&rec);
                        async move {
                            let sig = req
                                .headers()
                                .get(SIG)
                                .map(|v| v.to_str().unwrap().to_owned())
                                .unwrap_or_default();
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            rec.lock().unwrap().push((sig, body));
                            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"ok"))))
                        }
                    });
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                tokio::pin!(conn);
                tokio::select! {
                    _ = conn.as_mut() => {}
                    _ = shut.wait_for(|s| *s) => {}
                }
            });
        }
        conns.abort_all();
        drop(listener);
    });
    App { addr, stop, task }
}

impl App {
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        tokio::time::timeout(IO_BOUND, self.task)
            .await
            .unwrap()
            .unwrap();
    }
}

/// Waits until `received` holds `n` entries (bounded), then a little more to catch extras.
pub(crate) async fn wait_received(received: &Received, n: usize) -> Vec<(String, Bytes)> {
    let until = Instant::now() + Duration::from_secs(15);
    while received.lock().unwrap().len() < n && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    received.lock().unwrap().clone()
}
