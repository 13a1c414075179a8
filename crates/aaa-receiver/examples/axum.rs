//! The receiver mounted in an existing axum application: X's deliveries and CRC checks go to
//! `/webhooks/twitter`, everything else is the application's own.
//!
//! `AAA_CONSUMER_SECRET=... cargo run -p aaa-receiver --example axum -- 127.0.0.1:8080 ./aaa-data`

use aaa_crypto::ConsumerSecret;
use aaa_receiver::{AppConfig, EventQuery, Receiver, Store, StoreConfig};
use axum::Router;
use axum::extract::State;
use axum::routing::get;

/// The application's own page: how many events the receiver has stored.
async fn status(State(store): State<Store>) -> String {
    match store.counts().await {
        Ok(c) => {
            let newest = store
                .list(EventQuery::newest(Some(1)))
                .await
                .ok()
                .and_then(|p| p.events.into_iter().next())
                .map_or_else(|| "none".to_owned(), |e| format!("{} {}", e.kind, e.key));
            format!("{} events stored; newest: {newest}\n", c.events)
        }
        Err(e) => format!("store unavailable: {e}\n"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let data_dir = args.next().unwrap_or_else(|| "./aaa-data".to_owned());
    let secret = std::env::var("AAA_CONSUMER_SECRET")
        .map_err(|_| "set AAA_CONSUMER_SECRET to the app's consumer secret")?;

    let store = Store::open(StoreConfig::new(data_dir))?;
    let receiver = Receiver::builder()
        .app(AppConfig::new(
            "main",
            "/webhooks/twitter",
            ConsumerSecret::new(secret),
        ))
        .store(store.clone())
        .build()?;
    // The receiver is a tower Service: axum routes to it like to any other service. Its limits
    // on body size and body time apply per request; the connection limits are the server's,
    // here axum's.
    let app = Router::new()
        .route("/", get(status))
        .route_service("/webhooks/twitter", receiver)
        .with_state(store);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("listening on http://{}/", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
