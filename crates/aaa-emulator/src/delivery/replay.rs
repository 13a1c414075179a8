//! Replay like X: the window rules, one job per webhook, redelivery of the logged deliveries in
//! order, then a signed `replay_job_status` message.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use aaa_model::Timestamp;
use bytes::Bytes;

use super::{Deliverer, Target};
use crate::consts::RETENTION_SECS;
use crate::crc;
use crate::options::ReplayMinAge;
/// The longest window of `POST /2/webhooks/replay`.
const WEBHOOK_REPLAY_SPAN_SECS: u64 = 24 * 60 * 60;

/// Which replay endpoint was called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// v1.1 or v2 account-activity replay: up to five days.
    Subscriptions,
    /// `POST /2/webhooks/replay`: up to 24 hours.
    Webhook,
}

/// Why a replay window was refused; the message is the answer's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WindowError {
    Missing,
    Format,
    Order,
    TooOld,
    FromTooRecent,
    ToTooRecent,
    TooLong,
}

impl WindowError {
    pub(crate) fn message(self) -> &'static str {
        match self {
            Self::Missing => "from_date and to_date are required.",
            Self::Format => "from_date and to_date must be UTC times in the format yyyymmddhhmm.",
            Self::Order => "from_date must be earlier than to_date.",
            Self::TooOld => "from_date must be within the last 5 days.",
            Self::FromTooRecent => "from_date must be at least 31 minutes ago.",
            Self::ToTooRecent => "to_date must be at least 10 minutes ago.",
            Self::TooLong => "The time between from_date and to_date may not exceed 24 hours.",
        }
    }
}

/// Checks a window against `now` (seconds) and the minimum ages of its ends (X's 31 and 10
/// minutes unless the options say otherwise); on success the window in seconds, `from`
/// inclusive and `to` exclusive.
pub(crate) fn check_window(
    from: Option<&str>,
    to: Option<&str>,
    now: u64,
    kind: Kind,
    min_age: ReplayMinAge,
) -> Result<(u64, u64), WindowError> {
    let (Some(from), Some(to)) = (from, to) else {
        return Err(WindowError::Missing);
    };
    let parse = |s: &str| {
        Timestamp::parse_yyyymmddhhmm(s)
            .ok()
            .and_then(|t| u64::try_from(t.as_secs()).ok())
            .ok_or(WindowError::Format)
    };
    let (from, to) = (parse(from)?, parse(to)?);
    if from >= to {
        return Err(WindowError::Order);
    }
    if from < now.saturating_sub(RETENTION_SECS) {
        return Err(WindowError::TooOld);
    }
    if from > now.saturating_sub(min_age.from.as_secs()) {
        return Err(WindowError::FromTooRecent);
    }
    if to > now.saturating_sub(min_age.to.as_secs()) {
        return Err(WindowError::ToTooRecent);
    }
    if kind == Kind::Webhook && to - from > WEBHOOK_REPLAY_SPAN_SECS {
        return Err(WindowError::TooLong);
    }
    Ok((from, to))
}

/// The `replay_job_status` message that ends a job.
pub(crate) fn status_body(webhook_id: &str, job_id: &str, complete: bool) -> Bytes {
    let (state, description) = if complete {
        ("Complete", "Job completed successfully")
    } else {
        (
            "Incomplete",
            "Job failed to deliver all events, please retry your replay job",
        )
    };
    Bytes::from(
        serde_json::json!({"replay_job_status": {
            "webhook_id": webhook_id,
            "job_id": job_id,
            "job_state": state,
            "job_state_description": description,
        }})
        .to_string(),
    )
}

impl Deliverer {
    /// Runs a replay job in the background: a CRC check (X checks before replaying), each
    /// logged delivery of `from..to` to `target` in order, then the status message.
    pub(crate) fn spawn_replay(
        self: &Arc<Self>,
        target: Target,
        secret: String,
        job_id: String,
        (from, to): (u64, u64),
    ) {
        self.begin(1);
        let this = Arc::clone(self);
        tokio::spawn(async move {
            this.run_replay(target, secret, job_id, from, to).await;
        });
    }

    async fn run_replay(&self, target: Target, secret: String, job_id: String, from: u64, to: u64) {
        let deadline = self.shared().options().crc_deadline;
        let mut complete = crc::check(self.client(), &target.url, &secret, deadline)
            .await
            .is_ok();
        let bodies: Vec<Bytes> = {
            let state = self.shared().state();
            state
                .log
                .iter()
                .filter(|l| l.webhook_id == target.webhook_id && (from..to).contains(&l.at))
                .map(|l| l.body.clone())
                .collect()
        };
        tracing::info!(
            webhook_id = %target.webhook_id,
            %job_id,
            deliveries = bodies.len(),
            "replay job started"
        );
        if complete {
            for body in &bodies {
                if !self.deliver_with_retries(&target, body).await {
                    complete = false;
                    break;
                }
            }
        }
        let status = status_body(&target.webhook_id, &job_id, complete);
        let _ = self.deliver_with_retries(&target, &status).await;
        self.shared().state().replay_jobs.remove(&target.webhook_id);
        tracing::info!(webhook_id = %target.webhook_id, %job_id, complete, "replay job finished");
        self.replay_jobs.fetch_add(1, Ordering::Relaxed);
        self.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> u64 {
        u64::try_from(Timestamp::parse_yyyymmddhhmm(s).unwrap().as_secs()).unwrap()
    }

    #[test]
    fn window_rules() {
        let now = secs("202611221200");
        let ok = |f, t, k| check_window(Some(f), Some(t), now, k, ReplayMinAge::default());
        assert_eq!(
            ok("202611221000", "202611221100", Kind::Subscriptions),
            Ok((secs("202611221000"), secs("202611221100")))
        );
        // from: at least 31 minutes ago; to: at least 10 minutes ago.
        assert_eq!(
            ok("202611221129", "202611221150", Kind::Subscriptions),
            Ok((secs("202611221129"), secs("202611221150")))
        );
        assert_eq!(
            ok("202611221130", "202611221150", Kind::Subscriptions),
            Err(WindowError::FromTooRecent)
        );
        assert_eq!(
            ok("202611221100", "202611221151", Kind::Subscriptions),
            Err(WindowError::ToTooRecent)
        );
        assert_eq!(
            ok("202611171200", "202611171300", Kind::Subscriptions),
            Ok((secs("202611171200"), secs("202611171300")))
        );
        assert_eq!(
            ok("202611171159", "202611171300", Kind::Subscriptions),
            Err(WindowError::TooOld)
        );
        assert_eq!(
            ok("202611221000", "202611221000", Kind::Subscriptions),
            Err(WindowError::Order)
        );
        assert_eq!(
            ok("2026112210", "202611221100", Kind::Subscriptions),
            Err(WindowError::Format)
        );
        assert_eq!(
            ok("202611201000", "202611211001", Kind::Webhook),
            Err(WindowError::TooLong)
        );
        assert!(ok("202611201000", "202611211000", Kind::Webhook).is_ok());
        assert_eq!(
            check_window(
                None,
                Some("202611221000"),
                now,
                Kind::Webhook,
                ReplayMinAge::default()
            ),
            Err(WindowError::Missing)
        );
    }

    #[test]
    fn shorter_minimum_ages_for_tests() {
        let now = secs("202611221200");
        let quick = ReplayMinAge {
            from: std::time::Duration::ZERO,
            to: std::time::Duration::ZERO,
        };
        let check = |f, t, m| check_window(Some(f), Some(t), now, Kind::Subscriptions, m);
        assert_eq!(
            check("202611221150", "202611221200", ReplayMinAge::default()),
            Err(WindowError::FromTooRecent)
        );
        assert!(check("202611221150", "202611221200", quick).is_ok());
        assert_eq!(
            check("202611221150", "202611221201", quick),
            Err(WindowError::ToTooRecent)
        );
    }

    #[test]
    fn status_bodies_are_xs() {
        let v: serde_json::Value = serde_json::from_slice(&status_body("1", "2", false)).unwrap();
        assert_eq!(v["replay_job_status"]["job_state"], "Incomplete");
        assert_eq!(v["replay_job_status"]["job_id"], "2");
    }
}
