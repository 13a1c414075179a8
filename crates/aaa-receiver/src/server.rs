//! Running a [`Receiver`] on hyper: connection cap, header timeout, optional TLS, graceful
//! shutdown.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
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

/// At most `limits.max_connections` connections are served at once; a client that does not send
/// its headers within `limits.header_timeout` is disconnected.
async fn run(
    listener: TcpListener,
    receiver: Receiver,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let limits = *receiver.limits();
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            p = Arc::clone(&permits).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(receiver.clone());
        let http = http.clone();
        match &tls {
            None => {
                let conn = http.serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                    drop(permit);
                });
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let header_timeout = limits.header_timeout;
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let tls =
                        match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                            Ok(Ok(s)) => s,
                            Ok(Err(e)) => {
                                tracing::debug!(%peer, error = %e, "tls handshake failed");
                                return;
                            }
                            Err(_) => return,
                        };
                    let conn = http.serve_connection(TokioIo::new(tls), service);
                    if let Err(e) = watcher.watch(conn).await {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
