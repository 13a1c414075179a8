//! Running an [`Emulator`] on hyper over plain HTTP until a shutdown signal.

use std::future::Future;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use crate::emulator::Emulator;

/// How long a client has to send its request headers.
const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves `emulator` on `listener` until `shutdown` resolves, then stops accepting, lets
/// in-flight requests finish and returns. While it runs, every webhook is CRC-checked again
/// every `Options::delivery.crc_interval`.
///
/// # Errors
///
/// None at present; accept errors are logged and the loop goes on. The `Result` leaves room for
/// a listener that can fail for good.
pub async fn serve(
    listener: TcpListener,
    emulator: Emulator,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .keep_alive(true);
    tokio::pin!(shutdown);
    let rechecks = emulator.options().delivery.crc_interval.map(|every| {
        let emulator = emulator.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                emulator.recheck_webhooks().await;
            }
        })
    });
    loop {
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
        let service = TowerToHyperService::new(emulator.clone());
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if let Some(task) = rechecks {
        task.abort();
    }
    // Activity stream responses never end by themselves.
    emulator.close_streams();
    graceful.shutdown().await;
    Ok(())
}
