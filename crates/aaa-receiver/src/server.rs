//! Running a [`Receiver`] on hyper: connection cap (idle connections make room for new ones),
//! first-byte and header timeouts, optional TLS, graceful shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;

use crate::config::ConfigError;
use crate::service::Receiver;

/// Loads a TLS certificate chain and private key (PEM files) into a rustls acceptor.
///
/// # Errors
///
/// When a file cannot be read or holds no certificate or key.
pub fn tls_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, ConfigError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| ConfigError(format!("certificate file {}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(ConfigError(format!(
            "certificate file {}: no certificate found",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| ConfigError(format!("key file {}: {e}", key.display())))?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError(format!("tls: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ConfigError(format!("tls: {e}")))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves `receiver` on `listener`, with the connection limits the receiver was built with; await
/// the returned value to run it. Add TLS with [`Serve::tls`] and a shutdown signal with
/// [`Serve::with_graceful_shutdown`]:
///
/// ```no_run
/// # async fn run(receiver: aaa_receiver::Receiver) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// aaa_receiver::serve(listener, receiver)
///     .with_graceful_shutdown(async { let _ = tokio::signal::ctrl_c().await; })
///     .await
/// # }
/// ```
pub fn serve(listener: TcpListener, receiver: Receiver) -> Serve<std::future::Pending<()>> {
    Serve {
        listener,
        receiver,
        tls: None,
        shutdown: std::future::pending(),
    }
}

/// A receiver being served (see [`serve()`]); await it to run it.
#[must_use = "a Serve does nothing until it is awaited"]
pub struct Serve<F> {
    listener: TcpListener,
    receiver: Receiver,
    tls: Option<TlsAcceptor>,
    shutdown: F,
}

impl<F> std::fmt::Debug for Serve<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serve")
            .field("receiver", &self.receiver)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl<F> Serve<F> {
    /// Serves HTTPS with `acceptor` (see [`tls_acceptor`]).
    pub fn tls(mut self, acceptor: TlsAcceptor) -> Serve<F> {
        self.tls = Some(acceptor);
        self
    }

    /// Stops accepting once `signal` resolves, lets in-flight requests finish (their events are
    /// durable before they are answered) and returns.
    pub fn with_graceful_shutdown<G>(self, signal: G) -> Serve<G>
    where
        G: Future<Output = ()> + Send + 'static,
    {
        Serve {
            listener: self.listener,
            receiver: self.receiver,
            tls: self.tls,
            shutdown: signal,
        }
    }
}

impl<F> std::future::IntoFuture for Serve<F>
where
    F: Future<Output = ()> + Send + 'static,
{
    type Output = std::io::Result<()>;
    type IntoFuture = std::pin::Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(run(self.listener, self.receiver, self.tls, self.shutdown))
    }
}

/// The connections being served, so that at the cap the one idle the longest can make room for
/// a new one. A connection is idle while no request of it is being answered: before its first
/// byte, between keep-alive requests, or while a request head trickles in.
struct Slots {
    max: usize,
    started: Instant,
    inner: Mutex<SlotsInner>,
    /// Signalled when a connection ends, for an accept loop waiting at the cap.
    freed: Notify,
}

#[derive(Default)]
struct SlotsInner {
    next: u64,
    conns: HashMap<u64, Slot>,
}

struct Slot {
    state: Arc<ConnState>,
    evict: Option<oneshot::Sender<()>>,
}

/// What a connection's requests update without taking the lock.
struct ConnState {
    busy: AtomicUsize,
    /// Milliseconds after `Slots::started` since which the connection has been idle.
    idle_since: AtomicU64,
}

/// Room for one connection, given back when dropped.
struct Admitted {
    slots: Arc<Slots>,
    id: u64,
    state: Arc<ConnState>,
    evicted: oneshot::Receiver<()>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        if let Ok(mut inner) = self.slots.inner.lock() {
            inner.conns.remove(&self.id);
        }
        self.slots.freed.notify_one();
    }
}

impl Slots {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Room for a new connection: a free slot, or the slot of the connection idle the longest
    /// (told to close). `None` when every connection is answering a request.
    fn admit(self: &Arc<Slots>) -> Option<Admitted> {
        let mut inner = self.inner.lock().ok()?;
        if inner.conns.len() >= self.max {
            let oldest = inner
                .conns
                .iter()
                .filter(|(_, s)| s.state.busy.load(Ordering::Acquire) == 0)
                .min_by_key(|(id, s)| (s.state.idle_since.load(Ordering::Relaxed), **id))
                .map(|(id, _)| *id)?;
            if let Some(mut slot) = inner.conns.remove(&oldest) {
                if let Some(evict) = slot.evict.take() {
                    let _ = evict.send(());
                }
            }
        }
        let id = inner.next;
        inner.next += 1;
        let state = Arc::new(ConnState {
            busy: AtomicUsize::new(0),
            idle_since: AtomicU64::new(self.now_ms()),
        });
        let (evict, evicted) = oneshot::channel();
        inner.conns.insert(
            id,
            Slot {
                state: Arc::clone(&state),
                evict: Some(evict),
            },
        );
        Some(Admitted {
            slots: Arc::clone(self),
            id,
            state,
            evicted,
        })
    }
}

/// Marks a connection busy while one of its requests is answered (even if the answer is
/// dropped half-way, when the client goes away).
struct Busy {
    slots: Arc<Slots>,
    state: Arc<ConnState>,
}

impl Busy {
    fn new(slots: &Arc<Slots>, state: &Arc<ConnState>) -> Busy {
        state.busy.fetch_add(1, Ordering::AcqRel);
        Busy {
            slots: Arc::clone(slots),
            state: Arc::clone(state),
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.state
            .idle_since
            .store(self.slots.now_ms(), Ordering::Relaxed);
        self.state.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Waits for the first byte of a new connection (without reading it); false when the client
/// sent nothing within `limit`, closed, or the connection was evicted meanwhile.
async fn first_byte(
    stream: &tokio::net::TcpStream,
    limit: Duration,
    evicted: &mut oneshot::Receiver<()>,
) -> bool {
    let mut probe = [0u8; 1];
    tokio::select! {
        _ = evicted => false,
        r = tokio::time::timeout(limit, stream.peek(&mut probe)) => matches!(r, Ok(Ok(n)) if n > 0),
    }
}

/// At most `limits.max_connections` connections are served at once. A client that sends nothing
/// within `limits.first_byte_timeout`, or does not send its headers within
/// `limits.header_timeout`, is disconnected; and at the cap, the connection idle the longest is
/// closed to admit a new one, so that idle connections cannot keep X's CRC checks and
/// deliveries out. Only when every connection is answering a request do new ones wait.
async fn run(
    listener: TcpListener,
    receiver: Receiver,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let limits = *receiver.limits();
    let slots = Arc::new(Slots {
        max: limits.max_connections.max(1),
        started: Instant::now(),
        inner: Mutex::default(),
        freed: Notify::new(),
    });
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let admitted = loop {
            let freed = slots.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if let Some(a) = slots.admit() {
                break Some(a);
            }
            tokio::select! {
                () = &mut shutdown => break None,
                () = freed => {}
            }
        };
        let Some(mut admitted) = admitted else {
            break;
        };
        let _ = stream.set_nodelay(true);
        let (receiver, slots_for_conn, state) = (
            receiver.clone(),
            Arc::clone(&slots),
            Arc::clone(&admitted.state),
        );
        let service = hyper::service::service_fn(move |req| {
            let busy = Busy::new(&slots_for_conn, &state);
            let receiver = receiver.clone();
            async move {
                let response = receiver.handle(req).await;
                drop(busy);
                Ok::<_, std::convert::Infallible>(response)
            }
        });
        let http = http.clone();
        let acceptor = tls.clone();
        let watcher = graceful.watcher();
        let first_byte_timeout = limits.first_byte_timeout;
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            if !first_byte(&stream, first_byte_timeout, &mut admitted.evicted).await {
                tracing::debug!(%peer, "closed: nothing sent in time");
                return;
            }
            let result = match acceptor {
                None => {
                    let conn = watcher.watch(http.serve_connection(TokioIo::new(stream), service));
                    tokio::select! {
                        r = conn => r,
                        _ = &mut admitted.evicted => Ok(()),
                    }
                }
                Some(acceptor) => {
                    let tls = tokio::select! {
                        r = tokio::time::timeout(header_timeout, acceptor.accept(stream)) => r,
                        _ = &mut admitted.evicted => return,
                    };
                    let tls = match tls {
                        Ok(Ok(s)) => s,
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, error = %e, "tls handshake failed");
                            return;
                        }
                        Err(_) => return,
                    };
                    let conn = watcher.watch(http.serve_connection(TokioIo::new(tls), service));
                    tokio::select! {
                        r = conn => r,
                        _ = &mut admitted.evicted => Ok(()),
                    }
                }
            };
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(admitted);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
