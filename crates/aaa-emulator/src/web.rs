//! The emulator's outgoing HTTP client (CRC checks and deliveries): plain `http`, and `https`
//! over rustls with the webpki roots plus any extra roots the options trust (a local test CA).

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls_pki_types::CertificateDer;

/// The client type.
pub(crate) type WebClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A client trusting the webpki roots and `extra_roots`; `None` (logged) if TLS cannot be set
/// up, in which case every CRC check and delivery fails as "no answer".
pub(crate) fn client(extra_roots: &[CertificateDer<'static>]) -> Option<WebClient> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let (_, ignored) = roots.add_parsable_certificates(extra_roots.iter().cloned());
    if ignored > 0 {
        tracing::warn!(ignored, "some extra root certificates could not be used");
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| tracing::error!(error = %e, "TLS setup failed; webhooks cannot be reached"))
    .ok()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Some(Client::builder(TokioExecutor::new()).build(https))
}
