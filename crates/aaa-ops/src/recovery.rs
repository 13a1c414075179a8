//! Gap recovery: every recorded window waits in the journal until X will take it (its start 31
//! minutes old and its end 10, or the ages configured), then becomes replay jobs planned by
//! `aaa_client::replay_plan` (whole minutes, at most 5 days per job on v1.1 and 24 hours on v2,
//! one job per webhook at a time), each followed to its `replay_job_status` as the store sees
//! it. A window X no longer replays (older than 5 days) is lost, loudly.

use std::sync::Arc;
use std::time::Duration;

use aaa_client::ApiVersion;
use aaa_client::replay_plan::{
    MAX_LOOKBACK_MS, ReplayKind, ReplayPlanError, ceil_minute, check_window_with, floor_minute,
    plan_replay_with,
};
use aaa_model::Timestamp;
use aaa_model::event::ReplayJobStatus;
use aaa_receiver::{Cursor, EventQuery};
use tokio::sync::watch;

use crate::journal::{Gap, GapState, JobState, ReplayRecord};
use crate::shared::{Manage, Shared, now_ms, wait_after};
use aaa_model::time::rfc3339_from_millis;

const MINUTE_MS: i64 = 60_000;

/// The whole-minute window X is asked for: the gap's start rounded down, its end rounded up.
pub(crate) fn window(gap: &Gap) -> Option<(i64, i64)> {
    let to = gap.to_ms?;
    let from = floor_minute(Timestamp::from_millis(gap.from_ms)).as_millis();
    let to = ceil_minute(Timestamp::from_millis(to))
        .as_millis()
        .max(from.saturating_add(MINUTE_MS));
    Some((from, to))
}

/// `wait` after `now` (milliseconds since the epoch), at most the largest time there is: a
/// rate-limit reset far in the future must not overflow.
fn later(now: i64, wait: std::time::Duration) -> i64 {
    now.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
}

/// Updates the per-state series from the journal.
async fn refresh_metrics(shared: &Arc<Shared>) {
    let Ok((gaps, jobs)) = shared
        .journal(|j| Ok((j.gaps(&[], usize::MAX)?, j.jobs(&JobState::ALL)?)))
        .await
    else {
        return;
    };
    for s in GapState::ALL {
        shared
            .metrics
            .set_gaps(s, gaps.iter().filter(|g| g.state == s).count());
    }
    for s in JobState::ALL {
        shared
            .metrics
            .set_jobs(s, jobs.iter().filter(|j| j.state == s).count());
    }
}

/// Runs until `stop`: plans due windows, starts queued jobs, follows running ones.
pub(crate) async fn run(shared: Arc<Shared>, tick: Duration, mut stop: watch::Receiver<bool>) {
    // From the start of the store: a status that arrived while this process was down is found.
    let mut cursor = Cursor::default();
    loop {
        refresh_metrics(&shared).await;
        if let Some(manage) = shared.manage.clone() {
            if let Err(e) = round(&shared, &manage, &mut cursor).await {
                tracing::warn!(error = %e, "gap recovery: will try again");
            }
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = tokio::time::sleep(tick) => {}
        }
    }
}

async fn round(shared: &Arc<Shared>, manage: &Manage, cursor: &mut Cursor) -> Result<(), String> {
    follow(shared, manage, cursor).await?;
    plan(shared, manage).await?;
    start(shared, manage).await
}

fn kind(manage: &Manage) -> ReplayKind {
    if manage.client.version() == ApiVersion::V1_1 {
        ReplayKind::AccountActivity
    } else {
        ReplayKind::Webhook
    }
}

/// The parts of `from..to` that none of `covered` covers, in order.
pub(crate) fn uncovered(from: i64, to: i64, covered: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = covered
        .iter()
        .copied()
        .filter(|&(f, t)| f < to && t > from)
        .collect();
    spans.sort_unstable();
    let mut out = Vec::new();
    let mut at = from;
    for (f, t) in spans {
        if f > at {
            out.push((at, f));
        }
        at = at.max(t);
    }
    if at < to {
        out.push((at, to));
    }
    out
}

/// A recorded window that X takes now, before merging.
struct Due {
    gap: Gap,
    from: i64,
    to: i64,
    /// The webhooks to replay, sorted.
    targets: Vec<String>,
    /// What was lost of it already, in words.
    lost: String,
}

/// Due windows grouped for replay: windows for the same webhooks that overlap or touch (as
/// whole minutes) are replayed as one, in order of their start.
fn groups(mut due: Vec<Due>) -> Vec<Vec<Due>> {
    due.sort_by_key(|d| (d.from, d.gap.id));
    let mut groups: Vec<Vec<Due>> = Vec::new();
    for d in due {
        let joins = groups.iter_mut().rev().find(|g| {
            g[0].targets == d.targets && d.from <= g.iter().map(|x| x.to).max().unwrap_or(0)
        });
        match joins {
            Some(g) => g.push(d),
            None => groups.push(vec![d]),
        }
    }
    groups
}

/// Recorded windows without jobs: lost if X no longer replays them, jobs once X takes them.
/// Windows for the same webhooks that overlap or touch become one replay (the first of them
/// holds the jobs, the others are merged into it), and no minute a job already asked for (or
/// got) is asked again.
async fn plan(shared: &Arc<Shared>, manage: &Manage) -> Result<(), String> {
    let (gaps, webhooks, jobs) = shared
        .journal(|j| {
            Ok((
                j.gaps(&[GapState::Recorded], usize::MAX)?,
                j.webhooks()?,
                j.jobs(&[JobState::Queued, JobState::Running, JobState::Complete])?,
            ))
        })
        .await
        .map_err(|e| e.to_string())?;
    let now = now_ms();
    let mut due = Vec::new();
    for gap in gaps
        .into_iter()
        .filter(|g| g.replays.is_empty() && g.merged_into.is_none())
    {
        let Some((mut from, to)) = window(&gap) else {
            continue;
        };
        let oldest =
            ceil_minute(Timestamp::from_millis(now - MAX_LOOKBACK_MS)).as_millis() + MINUTE_MS;
        let mut detail = String::new();
        if to <= oldest {
            shared.metrics.lost();
            tracing::error!(gap = gap.id, from = %rfc3339_from_millis(from), to = %rfc3339_from_millis(to), "gap recovery: the window is older than X replays (5 days): its events are lost");
            let text = format!(
                "lost: {}..{} is older than X replays (5 days)",
                rfc3339_from_millis(from),
                rfc3339_from_millis(to)
            );
            let id = gap.id;
            shared
                .journal(move |j| j.set_gap_state(id, GapState::Lost, &text, now))
                .await
                .map_err(|e| e.to_string())?;
            continue;
        }
        if from < oldest {
            shared.metrics.lost();
            tracing::error!(gap = gap.id, from = %rfc3339_from_millis(from), until = %rfc3339_from_millis(oldest), "gap recovery: the start of the window is older than X replays (5 days): those events are lost");
            detail = format!(
                "lost {}..{} (older than X replays); ",
                rfc3339_from_millis(from),
                rfc3339_from_millis(oldest)
            );
            from = oldest;
        }
        let due_at = shared
            .rules
            .due_at(Timestamp::from_millis(from), Timestamp::from_millis(to))
            .as_millis();
        let mut targets: Vec<String> = match &gap.webhook_id {
            Some(w) => vec![w.clone()],
            None => webhooks.iter().map(|w| w.id.clone()).collect(),
        };
        targets.sort();
        let waiting = if targets.is_empty() {
            Some(format!(
                "{detail}waiting for the watchdog to find this receiver's webhook"
            ))
        } else if now < due_at {
            Some(format!(
                "{detail}waiting until X takes the window (at {})",
                rfc3339_from_millis(due_at)
            ))
        } else {
            None
        };
        if let Some(text) = waiting {
            if text != gap.detail {
                let id = gap.id;
                shared
                    .journal(move |j| j.set_gap_state(id, GapState::Recorded, &text, now))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            continue;
        }
        due.push(Due {
            gap,
            from,
            to,
            targets,
            lost: detail,
        });
    }
    // What the jobs of other windows already replay, per webhook, and whose jobs they are.
    let mut covered: std::collections::HashMap<String, Vec<(i64, i64, i64)>> =
        std::collections::HashMap::new();
    for j in &jobs {
        covered
            .entry(j.webhook_id.clone())
            .or_default()
            .push((j.from_ms, j.to_ms, j.gap_id));
    }
    let kind = kind(manage);
    for group in groups(due) {
        let first = &group[0];
        let from = first.from;
        let to = group.iter().map(|d| d.to).max().unwrap_or(first.to);
        let mut planned = Vec::new();
        let mut owner = None;
        for w in &first.targets {
            let spans = covered.entry(w.clone()).or_default();
            let done: Vec<(i64, i64)> = spans.iter().map(|&(f, t, _)| (f, t)).collect();
            for (f, t) in uncovered(from, to, &done) {
                let jobs = plan_replay_with(
                    shared.rules,
                    kind,
                    Timestamp::from_millis(f),
                    Timestamp::from_millis(t),
                    Timestamp::from_millis(now),
                )
                .map_err(|e| format!("gap {}: {e}", first.gap.id))?;
                for j in jobs {
                    planned.push((w.clone(), j.from.as_millis(), j.to.as_millis()));
                }
            }
            if owner.is_none() {
                owner = spans
                    .iter()
                    .find(|&&(f, t, _)| f <= from && t > from)
                    .map(|&(_, _, g)| g);
            }
            spans.push((from, to, first.gap.id));
        }
        // Every minute already asked for by another window's jobs: this one follows that.
        let primary = if planned.is_empty() {
            owner.unwrap_or(first.gap.id)
        } else {
            first.gap.id
        };
        let merged: Vec<i64> = group
            .iter()
            .map(|d| d.gap.id)
            .filter(|&id| id != primary)
            .collect();
        let n = planned.len();
        let with = if merged.len() > usize::from(primary != first.gap.id) {
            format!(
                " (with window{} {})",
                if merged.len() == 1 { "" } else { "s" },
                merged
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            String::new()
        };
        let text = format!(
            "{}{n} replay job{} queued for {}..{}{with}",
            first.lost,
            if n == 1 { "" } else { "s" },
            rfc3339_from_millis(from),
            rfc3339_from_millis(to)
        );
        let first_id = first.gap.id;
        shared
            .journal(move |j| {
                for (w, f, t) in &planned {
                    j.add_job(primary, w, *f, *t)?;
                }
                if !planned.is_empty() {
                    j.set_gap_state(primary, GapState::Recorded, &text, now)?;
                }
                for id in merged {
                    j.merge_gap(
                        id,
                        primary,
                        &format!("replayed together with window {primary}"),
                        now,
                    )?;
                }
                Ok(())
            })
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(gap = first_id, jobs = n, windows = group.len(), from = %rfc3339_from_millis(from), to = %rfc3339_from_millis(to), "gap recovery: replay jobs queued");
    }
    Ok(())
}

/// Starts the oldest queued job of each webhook that has none running.
async fn start(shared: &Arc<Shared>, manage: &Manage) -> Result<(), String> {
    let jobs = shared
        .journal(|j| j.jobs(&[JobState::Queued, JobState::Running]))
        .await
        .map_err(|e| e.to_string())?;
    let now = now_ms();
    let mut busy: Vec<String> = jobs
        .iter()
        .filter(|j| j.state == JobState::Running)
        .map(|j| j.webhook_id.clone())
        .collect();
    for mut job in jobs.into_iter().filter(|j| j.state == JobState::Queued) {
        if busy.contains(&job.webhook_id) || job.not_before_ms > now {
            continue;
        }
        let (from, to) = (
            Timestamp::from_millis(job.from_ms),
            Timestamp::from_millis(job.to_ms),
        );
        match check_window_with(shared.rules, from, to, Timestamp::from_millis(now)) {
            Ok(()) => {}
            Err(ReplayPlanError::FromTooOld { .. }) => {
                shared.metrics.lost();
                tracing::error!(
                    job = job.id,
                    gap = job.gap_id,
                    "gap recovery: the job's window became older than X replays before it could run: its events are lost"
                );
                job.state = JobState::Lost;
                job.detail = "older than X replays (5 days) before it could run".into();
                save(shared, job, Some(GapState::Lost)).await?;
                continue;
            }
            Err(_) => continue,
        }
        busy.push(job.webhook_id.clone());
        let started = match kind(manage) {
            ReplayKind::Webhook => {
                manage
                    .client
                    .webhook_replay(job.webhook_id.clone(), from, to)
                    .await
            }
            _ => manage.client.replay(job.webhook_id.clone(), from, to).await,
        };
        job.attempts += 1;
        match started {
            Ok(r) => {
                let id = r.into_data().job_id.as_str().to_owned();
                tracing::info!(job = %id, webhook_id = %job.webhook_id, from = %rfc3339_from_millis(job.from_ms), to = %rfc3339_from_millis(job.to_ms), "gap recovery: replay job started");
                job.state = JobState::Running;
                job.job_id = Some(id);
                job.started_ms = Some(now);
                job.detail = "asked of X; waiting for its replay_job_status".into();
                save(shared, job, Some(GapState::Requested)).await?;
            }
            Err(e) => {
                let wait = wait_after(&e, manage.retry);
                let text = aaa_text(&e.to_string());
                tracing::warn!(webhook_id = %job.webhook_id, error = %text, retry_in_s = wait.as_secs(), "gap recovery: X did not start the replay job; will ask again");
                job.not_before_ms = later(now, wait);
                job.detail = format!(
                    "X refused: {text}; asking again at {}",
                    rfc3339_from_millis(job.not_before_ms)
                );
                save(shared, job, None).await?;
            }
        }
    }
    Ok(())
}

/// One line of an error's text.
fn aaa_text(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Follows running jobs: a `replay_job_status` in the store ends one; no status within the
/// timeout queues it again.
async fn follow(shared: &Arc<Shared>, manage: &Manage, cursor: &mut Cursor) -> Result<(), String> {
    let running = shared
        .journal(|j| j.jobs(&[JobState::Running]))
        .await
        .map_err(|e| e.to_string())?;
    let mut statuses = Vec::new();
    loop {
        let page = shared
            .receiver
            .store()
            .list(
                EventQuery::after(cursor.clone())
                    .kind("replay_job_status")
                    .limit(500),
            )
            .await
            .map_err(|e| e.to_string())?;
        *cursor = page.after;
        let n = page.events.len();
        statuses.extend(
            page.events.iter().filter_map(|e| {
                ReplayJobStatus::from_json(&e.raw).map(ReplayJobStatus::into_owned)
            }),
        );
        if n < 500 {
            break;
        }
    }
    let now = now_ms();
    for mut job in running {
        let status = statuses
            .iter()
            .find(|s| Some(s.job_id.as_str()) == job.job_id.as_deref());
        if let Some(s) = status {
            {
                let state = s.job_state.as_str().to_owned();
                shared.metrics.job_finished(&state);
                let description = s
                    .job_state_description
                    .as_ref()
                    .map(|d| aaa_text(d.as_str()))
                    .unwrap_or_default();
                if state.eq_ignore_ascii_case("complete") {
                    tracing::info!(job = ?job.job_id, "gap recovery: replay job complete");
                    job.state = JobState::Complete;
                    job.finished_ms = Some(now);
                    job.detail = format!("{state}: {description}");
                    save(shared, job, None).await?;
                } else {
                    tracing::warn!(job = ?job.job_id, %state, "gap recovery: replay job did not complete; asking again");
                    job.state = JobState::Queued;
                    job.not_before_ms = later(now, manage.retry);
                    job.detail = format!("{state}: {description}; asking again");
                    save(shared, job, None).await?;
                }
            }
        } else {
            {
                let timeout = i64::try_from(manage.job_timeout.as_millis()).unwrap_or(i64::MAX);
                if job
                    .started_ms
                    .is_some_and(|s| now.saturating_sub(s) > timeout)
                {
                    tracing::warn!(job = ?job.job_id, "gap recovery: no replay_job_status in time; asking again");
                    job.state = JobState::Queued;
                    job.detail = "no replay_job_status in time; asking again".into();
                    save(shared, job, None).await?;
                }
            }
        }
    }
    Ok(())
}

/// Writes a job back; moves its gap to `gap_state` (or to `replayed` once every job of the gap
/// is complete).
async fn save(
    shared: &Arc<Shared>,
    job: ReplayRecord,
    gap_state: Option<GapState>,
) -> Result<(), String> {
    let now = now_ms();
    shared
        .journal(move |j| {
            j.update_job(&job)?;
            let Some(gap) = j
                .gaps(&[], usize::MAX)?
                .into_iter()
                .find(|g| g.id == job.gap_id)
            else {
                return Ok(());
            };
            let all_done = gap.replays.iter().all(|r| r.state == JobState::Complete);
            let (state, detail) = match gap_state {
                _ if all_done => {
                    tracing::info!(
                        gap = gap.id,
                        "gap recovery: every replay job of the window complete"
                    );
                    (
                        GapState::Replayed,
                        format!(
                            "replayed: {} job{} complete",
                            gap.replays.len(),
                            if gap.replays.len() == 1 { "" } else { "s" }
                        ),
                    )
                }
                Some(GapState::Lost) => (
                    GapState::Lost,
                    "lost: a job's window became older than X replays before it could run"
                        .to_owned(),
                ),
                Some(s) if gap.state != GapState::Lost => {
                    let running = gap
                        .replays
                        .iter()
                        .filter(|r| r.state == JobState::Running)
                        .count();
                    (
                        s,
                        format!(
                            "{} of {} replay jobs complete, {running} running",
                            gap.replays
                                .iter()
                                .filter(|r| r.state == JobState::Complete)
                                .count(),
                            gap.replays.len()
                        ),
                    )
                }
                _ => return Ok(()),
            };
            j.set_gap_state(gap.id, state, &detail, now)
        })
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::GapCause;

    fn gap(from: i64, to: i64) -> Gap {
        Gap {
            id: 1,
            cause: GapCause::Crashed,
            webhook_id: None,
            from_ms: from,
            to_ms: Some(to),
            state: GapState::Recorded,
            detail: String::new(),
            recorded_ms: 0,
            updated_ms: 0,
            merged_into: None,
            replays: Vec::new(),
        }
    }

    #[test]
    fn the_minutes_no_job_covers() {
        assert_eq!(uncovered(0, 10, &[]), vec![(0, 10)]);
        assert_eq!(uncovered(0, 10, &[(0, 10)]), vec![]);
        assert_eq!(uncovered(0, 10, &[(-5, 3), (6, 8)]), vec![(3, 6), (8, 10)]);
        assert_eq!(
            uncovered(0, 10, &[(6, 8), (2, 4), (3, 5)]),
            vec![(0, 2), (5, 6), (8, 10)]
        );
        assert_eq!(uncovered(0, 10, &[(10, 20), (-3, 0)]), vec![(0, 10)]);
    }

    fn due(id: i64, from: i64, to: i64, targets: &[&str]) -> Due {
        let mut g = gap(from, to);
        g.id = id;
        Due {
            gap: g,
            from,
            to,
            targets: targets.iter().map(|t| (*t).to_owned()).collect(),
            lost: String::new(),
        }
    }

    #[test]
    fn windows_for_the_same_webhooks_that_overlap_or_touch_are_one() {
        let ids = |gs: &[Vec<Due>]| -> Vec<Vec<i64>> {
            gs.iter()
                .map(|g| g.iter().map(|d| d.gap.id).collect())
                .collect()
        };
        let m = MINUTE_MS;
        let g = groups(vec![
            due(3, 5 * m, 6 * m, &["w"]),
            due(1, 0, 2 * m, &["w"]),
            due(2, m, 3 * m, &["w"]),
            due(4, 3 * m, 4 * m, &["w"]),
            due(5, 0, m, &["v"]),
            due(6, 0, 9 * m, &["v", "w"]),
        ]);
        // 1, 2 overlap and 4 touches them; 3 starts later; other webhooks apart.
        assert_eq!(ids(&g), vec![vec![1, 2, 4], vec![5], vec![6], vec![3]]);
    }

    #[test]
    fn windows_are_whole_minutes_covering_the_gap() {
        assert_eq!(window(&gap(61_000, 119_000)), Some((60_000, 120_000)));
        assert_eq!(window(&gap(60_000, 60_000)), Some((60_000, 120_000)));
        assert_eq!(window(&gap(60_000, 180_001)), Some((60_000, 240_000)));
    }

    #[test]
    fn times_at_the_ends_of_the_range_do_not_overflow() {
        // A journal row may hold any integer; X may name any reset time.
        let (from, to) = window(&gap(i64::MIN, i64::MAX)).unwrap();
        assert!(
            from <= i64::MIN + MINUTE_MS && to == i64::MAX,
            "{from} {to}"
        );
        assert_eq!(
            window(&gap(i64::MAX, i64::MAX)),
            Some((i64::MAX - i64::MAX.rem_euclid(MINUTE_MS), i64::MAX))
        );
        assert_eq!(later(1_000, std::time::Duration::from_secs(1)), 2_000);
        assert_eq!(later(1_000, std::time::Duration::MAX), i64::MAX);
        assert_eq!(
            later(1_000, std::time::Duration::from_millis(u64::MAX)),
            i64::MAX
        );
        for t in [i64::MIN, i64::MAX] {
            assert!(!rfc3339_from_millis(t).is_empty());
        }
    }
}
