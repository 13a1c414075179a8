//! The webhook watchdog: lists the app's webhooks every interval, finds the ones that point at
//! this receiver, and when X says one is invalid, records the outage, checks that this receiver
//! answers CRC and asks X to check the webhook again (PUT) until it is valid.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Request;
use http_body_util::Empty;
use tokio::sync::watch;

use crate::journal::GapCause;
use crate::shared::{Manage, Shared, WebhookStatus, now_ms, wait_after};
use aaa_model::time::rfc3339_from_millis;

/// The path of `url` (`https://host/webhooks/x?y` -> `/webhooks/x`).
fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    path.split(['?', '#']).next().unwrap_or("/")
}

/// Whether a webhook with `url` points at this receiver.
fn points_here(url: &str, manage: &Manage, paths: &[String]) -> bool {
    match &manage.webhook_url {
        Some(want) => url.trim_end_matches('/') == want.trim_end_matches('/'),
        None => paths.iter().any(|p| p == url_path(url)),
    }
}

/// Whether this receiver answers a CRC check on `path` (asked in process, through the same
/// service X's checks reach).
async fn answers_crc(shared: &Shared, path: &str) -> bool {
    let token = format!("aaa-watchdog-{}", now_ms());
    let Ok(req) = Request::get(format!("{path}?crc_token={token}")).body(Empty::<Bytes>::new())
    else {
        return false;
    };
    shared.receiver.handle(req).await.status().is_success()
}

/// Runs until `stop`.
pub(crate) async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let Some(manage) = shared.manage.clone() else {
        return;
    };
    shared.watchdog().enabled = true;
    let paths: Vec<String> = shared.receiver.paths().map(str::to_owned).collect();
    loop {
        let wait = check(&shared, &manage, &paths).await;
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// One round; returns how long to wait before the next.
async fn check(shared: &Arc<Shared>, manage: &Manage, paths: &[String]) -> Duration {
    let now = now_ms();
    let listed = manage.client.list_webhooks().await;
    let list = match listed {
        Ok(r) => r.into_data(),
        Err(e) => {
            shared.metrics.watchdog_check(false);
            let text = e.to_string();
            tracing::warn!(error = %text, "watchdog: cannot list the webhooks");
            let mut w = shared.watchdog();
            w.checked_ms = Some(now);
            w.error = Some(text);
            // Wait out a rate limit rather than spend the next window's calls.
            return wait_after(&e, manage.interval);
        }
    };
    shared.metrics.watchdog_check(true);
    let mut statuses = Vec::new();
    for w in list.webhooks {
        let url = w.url.as_str().to_owned();
        if !points_here(&url, manage, paths) {
            continue;
        }
        let id = w.id.as_str().to_owned();
        let mut status = WebhookStatus {
            id: id.clone(),
            url: url.clone(),
            valid: w.valid,
            checked_ms: now,
            note: String::new(),
        };
        let (i, u, v) = (id.clone(), url.clone(), w.valid);
        if let Err(e) = shared
            .journal(move |j| j.record_webhook(&i, &u, v, now))
            .await
        {
            tracing::error!(error = %e, "watchdog: cannot record the webhook's state");
        }
        shared.metrics.webhook_valid(&id, w.valid != Some(false));
        if w.valid == Some(false) {
            status.note = revalidate(shared, manage, &id, &url, paths).await;
        } else {
            let open = shared.open().webhooks.remove(&id);
            if let Some(gap) = open {
                shared
                    .close_gap(
                        gap,
                        now,
                        format!("webhook {id} valid again at {}", rfc3339_from_millis(now)),
                    )
                    .await;
            }
            status.note = "valid".into();
        }
        statuses.push(status);
    }
    if statuses.is_empty() {
        tracing::warn!(
            paths = ?paths,
            url = ?manage.webhook_url,
            "watchdog: no webhook of this app points at this receiver"
        );
    }
    let mut w = shared.watchdog();
    w.checked_ms = Some(now);
    w.error = None;
    w.webhooks = statuses;
    manage.interval
}

/// The webhook is invalid: records the outage (once), and asks X to check it again if this
/// receiver answers CRC. Returns a note on what was done.
async fn revalidate(
    shared: &Arc<Shared>,
    manage: &Manage,
    id: &str,
    url: &str,
    paths: &[String],
) -> String {
    let open = shared.open().webhooks.get(id).copied();
    let gap = if let Some(g) = open {
        Some(g)
    } else {
        {
            // The last moment known good: the last check that saw it valid, or the newest
            // stored event (X delivered it, so the webhook was valid then).
            let last_valid = {
                let i = id.to_owned();
                shared
                    .journal(move |j| {
                        Ok(j.webhooks()?
                            .into_iter()
                            .find(|w| w.id == i)
                            .and_then(|w| w.last_valid_ms))
                    })
                    .await
                    .ok()
                    .flatten()
            };
            let last_event = shared.last_durable_event_ms().await;
            let from = last_valid.max(last_event).unwrap_or(shared.run_started_ms);
            tracing::error!(webhook_id = %id, %url, "watchdog: X says the webhook is invalid; X delivers nothing to it until it is checked again");
            let g = shared
                .open_gap(
                    GapCause::WebhookInvalid,
                    Some(id.to_owned()),
                    from,
                    format!("X marked webhook {id} invalid"),
                )
                .await;
            if let Some(g) = g {
                shared.open().webhooks.insert(id.to_owned(), g);
            }
            g
        }
    };
    let path = paths
        .iter()
        .find(|p| p.as_str() == url_path(url))
        .or_else(|| paths.first())
        .cloned()
        .unwrap_or_default();
    if !answers_crc(shared, &path).await {
        return "invalid; this receiver does not answer CRC yet".to_owned();
    }
    match manage.client.trigger_crc(id.to_owned()).await {
        Ok(r) if r.data().valid != Some(false) => {
            shared.metrics.revalidation(true);
            shared.metrics.webhook_valid(id, true);
            let now = now_ms();
            tracing::info!(webhook_id = %id, "watchdog: X checked the webhook again and it is valid");
            if let Some(g) = gap {
                shared.open().webhooks.remove(id);
                shared
                    .close_gap(
                        g,
                        now,
                        format!(
                            "re-validated by the watchdog at {}",
                            rfc3339_from_millis(now)
                        ),
                    )
                    .await;
            }
            "re-validated by the watchdog".to_owned()
        }
        Ok(_) => {
            shared.metrics.revalidation(false);
            "invalid; X's check failed again".to_owned()
        }
        Err(e) => {
            shared.metrics.revalidation(false);
            let text = e.to_string();
            tracing::warn!(webhook_id = %id, error = %text, "watchdog: re-validation failed; will try again");
            format!("invalid; re-validation failed: {text}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_urls() {
        assert_eq!(
            url_path("https://example.com/webhooks/x?y=1"),
            "/webhooks/x"
        );
        assert_eq!(url_path("http://127.0.0.1:9/a#f"), "/a");
        assert_eq!(url_path("https://example.com"), "/");
    }
}
