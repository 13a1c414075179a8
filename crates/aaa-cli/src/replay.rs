//! `aaa replay`: check a replay window against X's rules, plan its jobs, and run them one at a
//! time, waiting for each job's `replay_job_status` in the receiver's store.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use aaa_client::replay_plan::{
    ReplayKind, ReplayWindow, check_window, floor_minute, parse_replay_time, plan_replay,
};
use aaa_client::{ApiVersion, Client, Route};
use aaa_model::Timestamp;
use aaa_model::event::ReplayJobStatus;
use aaa_receiver::{Cursor, EventQuery, Store, StoreErrorKind};

use crate::events::now_ms;

use crate::conn::Conn;
use crate::failure::Failure;
use crate::manage::run as run_calls;
use crate::output::{one_line, print_json, print_line};

/// Arguments of `aaa replay`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    conn: Conn,
    /// The webhook whose events to replay.
    #[arg(long, value_name = "ID")]
    webhook: String,
    /// Start of the window (inclusive): yyyymmddhhmm (UTC), RFC 3339, or -N[m|h|d] ago.
    #[arg(long, value_name = "TIME", value_parser = parse_time, allow_hyphen_values = true)]
    from: TimeArg,
    /// End of the window (exclusive): yyyymmddhhmm (UTC), RFC 3339, or -N[m|h|d] ago.
    #[arg(long, value_name = "TIME", value_parser = parse_time, allow_hyphen_values = true)]
    to: TimeArg,
    /// Use POST /2/webhooks/replay (v2 only, at most 24 hours per job) instead of the
    /// account-activity replay (at most 5 days per job).
    #[arg(long)]
    webhook_replay: bool,
    /// Print the planned jobs and call nothing.
    #[arg(long)]
    dry_run: bool,
    /// The receiver's data directory (`aaa serve --data-dir`): after starting each job, wait
    /// for its replay_job_status there before going on.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// How long to wait for each job's replay_job_status (with --data-dir).
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = crate::events::parse_duration)]
    timeout: Duration,
    /// One JSON object per job and line instead of a table.
    #[arg(long)]
    json: bool,
}

/// A `--from` / `--to` value: an instant, or a time before now (resolved once, against the
/// current minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeArg {
    At(Timestamp),
    Ago(i64),
}

impl TimeArg {
    fn resolve(self, now_minute: Timestamp) -> Timestamp {
        match self {
            TimeArg::At(t) => t,
            TimeArg::Ago(ms) => Timestamp::from_millis(now_minute.as_millis().saturating_sub(ms)),
        }
    }
}

/// Parses `yyyymmddhhmm`, RFC 3339 (`2026-05-10T12:00:00Z`) or `-N[m|h|d]`.
fn parse_time(s: &str) -> Result<TimeArg, String> {
    const FORMS: &str = "expected yyyymmddhhmm (UTC), RFC 3339 or -N[m|h|d]";
    if let Some(rel) = s.strip_prefix('-') {
        let split = rel.find(|c: char| !c.is_ascii_digit()).unwrap_or(rel.len());
        let (num, unit) = rel.split_at(split);
        let n: i64 = num.parse().map_err(|_| format!("{s:?}: {FORMS}"))?;
        let unit_ms = match unit {
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(format!("{s:?}: {FORMS}")),
        };
        return n
            .checked_mul(unit_ms)
            .map(TimeArg::Ago)
            .ok_or_else(|| format!("{s:?}: too far back"));
    }
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        return parse_replay_time(s)
            .map(TimeArg::At)
            .map_err(|e| e.to_string());
    }
    if s.len() >= 19 && s.as_bytes()[4] == b'-' {
        return Timestamp::parse_rfc3339(s)
            .map(TimeArg::At)
            .map_err(|e| format!("{s:?}: {e}"));
    }
    Err(format!("{s:?}: {FORMS}"))
}

/// `24h00m`, `1h30m`, `45m`.
fn span(ms: i64) -> String {
    let minutes = ms / 60_000;
    if minutes >= 60 {
        format!("{}h{:02}m", minutes / 60, minutes % 60)
    } else {
        format!("{minutes}m")
    }
}

/// `1m05s`, `42s`.
fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

fn api_name(v: ApiVersion) -> &'static str {
    if v == ApiVersion::V1_1 { "v1.1" } else { "v2" }
}

/// `POST /2/webhooks/replay`, `POST /1.1/account_activity/replay/...json`.
fn endpoint(kind: ReplayKind, webhook: &str, version: ApiVersion) -> String {
    let route = match kind {
        ReplayKind::Webhook => Route::WebhookReplay,
        _ => Route::Replay {
            webhook_id: webhook.to_owned().into(),
        },
    };
    format!(
        "{} {}",
        route.method(),
        route.path(&version).unwrap_or_default()
    )
}

fn print_plan(args: &Args, jobs: &[ReplayWindow], version: ApiVersion, kind: ReplayKind) {
    let mut out = std::io::stdout().lock();
    if args.json {
        for (i, j) in jobs.iter().enumerate() {
            let _ = writeln!(
                out,
                "{}",
                serde_json::json!({
                    "job": i + 1,
                    "of": jobs.len(),
                    "webhook_id": args.webhook,
                    "api": api_name(version),
                    "endpoint": endpoint(kind, &args.webhook, version),
                    "from_date": j.from_date(),
                    "to_date": j.to_date(),
                    "from": j.from.to_rfc3339(),
                    "to": j.to.to_rfc3339(),
                })
            );
        }
    } else {
        let _ = writeln!(
            out,
            "{:<4} {:<13} {:<13} {:<7} {:<25} TO",
            "JOB", "FROM_DATE", "TO_DATE", "SPAN", "FROM"
        );
        for (i, j) in jobs.iter().enumerate() {
            let _ = writeln!(
                out,
                "{:<4} {:<13} {:<13} {:<7} {:<25} {}",
                i + 1,
                j.from_date(),
                j.to_date(),
                span(j.span_ms()),
                j.from.to_rfc3339(),
                j.to.to_rfc3339()
            );
        }
    }
    let _ = out.flush();
}

/// Opens the receiver's store read-only, or says why it cannot.
fn open_store(dir: &Path) -> Result<Store, Failure> {
    Store::open_read_only(dir).map_err(|e| match e.kind() {
        StoreErrorKind::NotFound => Failure::new(format!(
            "{}: no event store here (give the --data-dir of aaa serve)",
            dir.display()
        )),
        _ => Failure::new(e.to_string()),
    })
}

/// Shows progress on stderr: a line rewritten in place on a terminal, one plain line otherwise.
struct Progress {
    tty: bool,
    label: String,
}

impl Progress {
    fn start(label: String, dir: &Path, timeout: Duration) -> Progress {
        let tty = std::io::stderr().is_terminal();
        if !tty {
            let _ = writeln!(
                std::io::stderr(),
                "aaa: {label}: waiting up to {} for its replay_job_status in {}",
                elapsed(timeout),
                dir.display()
            );
        }
        Progress { tty, label }
    }

    fn tick(&self, waited: Duration, timeout: Duration) {
        if self.tty {
            let _ = write!(
                std::io::stderr(),
                "{}",
                progress_line(&self.label, waited, timeout)
            );
            let _ = std::io::stderr().flush();
        }
    }

    fn done(&self) {
        if self.tty {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            let _ = std::io::stderr().flush();
        }
    }
}

/// The terminal's progress line: back to the start of the line, clear it, then a spinner frame,
/// the job and the time waited. No newline, so the next one overwrites it.
fn progress_line(label: &str, waited: Duration, timeout: Duration) -> String {
    const SPIN: [char; 4] = ['|', '/', '-', '\\'];
    let frame = SPIN[usize::try_from(waited.as_millis() / 250 % 4).unwrap_or(0)];
    format!(
        "\r\x1b[2K{frame} {label}: waiting for replay_job_status {} / {}",
        elapsed(waited),
        elapsed(timeout)
    )
}

/// Polls the store (read-only) until the `replay_job_status` of `job_id` arrives, or `timeout`.
async fn wait_for_status(
    store: &Store,
    mut cursor: Cursor,
    job_id: &str,
    progress: &Progress,
    timeout: Duration,
) -> Result<Option<ReplayJobStatus<'static>>, Failure> {
    let started = Instant::now();
    loop {
        let page = store
            .list(EventQuery::after(cursor.clone()).kind("replay_job_status"))
            .await?;
        cursor = page.after;
        for e in page.events {
            if let Some(status) = ReplayJobStatus::from_json(&e.raw) {
                if status.job_id.as_str() == job_id {
                    return Ok(Some(status.into_owned()));
                }
            }
        }
        let waited = started.elapsed();
        if waited >= timeout {
            return Ok(None);
        }
        progress.tick(waited, timeout);
        tokio::time::sleep(Duration::from_millis(250).min(timeout.saturating_sub(waited))).await;
    }
}

pub(crate) fn run(args: Args) -> Result<ExitCode, Failure> {
    let settings = args.conn.settings()?;
    let version = settings.version;
    let kind = if args.webhook_replay {
        ReplayKind::Webhook
    } else {
        ReplayKind::AccountActivity
    };
    if args.webhook_replay && version == ApiVersion::V1_1 {
        return Err(Failure::usage(
            "--webhook-replay is POST /2/webhooks/replay, which only v2 has; leave out --api v1.1",
        ));
    }
    let now = Timestamp::from_millis(now_ms());
    let minute = floor_minute(now);
    let (from, to) = (args.from.resolve(minute), args.to.resolve(minute));
    let jobs = plan_replay(kind, from, to, now).map_err(|e| Failure::new(e.to_string()))?;
    if args.dry_run {
        print_plan(&args, &jobs, version, kind);
        return Ok(ExitCode::SUCCESS);
    }
    if jobs.len() > 1 && args.data_dir.is_none() {
        return Err(Failure::usage(format!(
            "the window needs {} jobs of at most 24 hours and X runs one job per webhook at a \
             time: give --data-dir (the aaa serve store) so that each job's end is awaited \
             before the next starts, or replay at most 24 hours",
            jobs.len()
        )));
    }
    let reader = args.data_dir.as_deref().map(open_store).transpose()?;
    run_calls(async move {
        let client = settings.client(true)?;
        let total = jobs.len();
        for (i, job) in jobs.iter().enumerate() {
            run_job(&args, &client, reader.as_ref(), kind, job, (i + 1, total)).await?;
        }
        Ok(())
    })
}

/// Starts one job, waits for its end when there is a store to watch, and prints its line.
async fn run_job(
    args: &Args,
    client: &Client,
    reader: Option<&Store>,
    kind: ReplayKind,
    job: &ReplayWindow,
    (n, total): (usize, usize),
) -> Result<(), Failure> {
    // Time has passed since planning (a previous job may have run for minutes): check again.
    check_window(job.from, job.to, Timestamp::from_millis(now_ms()))
        .map_err(|e| Failure::new(format!("job {n}/{total}: {e}")))?;
    let cursor = match reader {
        Some(store) => Some(store.end_cursor().await.map_err(Failure::from)?),
        None => None,
    };
    let started = match kind {
        ReplayKind::Webhook => {
            client
                .webhook_replay(args.webhook.clone(), job.from, job.to)
                .await?
        }
        _ => {
            client
                .replay(args.webhook.clone(), job.from, job.to)
                .await?
        }
    }
    .into_data();
    let job_id = started.job_id.as_str().to_owned();
    let status = match (reader, cursor) {
        (Some(reader), Some(cursor)) => {
            let dir = args.data_dir.as_deref().unwrap_or(Path::new("."));
            let progress = Progress::start(format!("job {n}/{total} {job_id}"), dir, args.timeout);
            let status = wait_for_status(reader, cursor, &job_id, &progress, args.timeout).await;
            progress.done();
            let Some(status) = status? else {
                return Err(Failure::new(format!(
                    "replay job {job_id}: no replay_job_status in {} within {} (is aaa serve \
                     receiving webhook {}'s deliveries?)",
                    dir.display(),
                    elapsed(args.timeout),
                    args.webhook
                )));
            };
            Some(status)
        }
        _ => None,
    };
    let state = status.as_ref().map(|s| s.job_state.as_str().to_owned());
    let description = status
        .as_ref()
        .and_then(|s| s.job_state_description.as_ref())
        .map(|d| d.as_str().to_owned());
    if args.json {
        print_json(&serde_json::json!({
            "job": n,
            "of": total,
            "webhook_id": args.webhook,
            "job_id": job_id,
            "created_at": started.created_at.map(Timestamp::to_rfc3339),
            "from_date": job.from_date(),
            "to_date": job.to_date(),
            "job_state": state,
            "job_state_description": description,
        }))?;
    } else {
        let head = format!(
            "job {n}/{total} {job_id} ({}..{})",
            job.from_date(),
            job.to_date()
        );
        print_line(&match (&state, &description) {
            (None, _) => format!("{head}: started"),
            (Some(s), Some(d)) => format!("{head}: {s}: {}", one_line(d)),
            (Some(s), None) => format!("{head}: {s}"),
        })?;
    }
    match state {
        Some(s) if !s.eq_ignore_ascii_case("complete") => Err(Failure::new(format!(
            "replay job {job_id} ended {s}{}; run it again",
            description
                .map(|d| format!(": {}", one_line(&d)))
                .unwrap_or_default()
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_forms() {
        let at = |s: &str| match parse_time(s).unwrap() {
            TimeArg::At(t) => t,
            TimeArg::Ago(_) => panic!("{s}"),
        };
        assert_eq!(
            at("202605101200"),
            parse_replay_time("202605101200").unwrap()
        );
        assert_eq!(
            at("2026-05-10T14:00:00+02:00"),
            parse_replay_time("202605101200").unwrap()
        );
        assert_eq!(parse_time("-2h"), Ok(TimeArg::Ago(7_200_000)));
        assert_eq!(parse_time("-90m"), Ok(TimeArg::Ago(5_400_000)));
        assert_eq!(parse_time("-3d"), Ok(TimeArg::Ago(259_200_000)));
        for bad in [
            "-2",
            "-2w",
            "-h",
            "yesterday",
            "2026051012",
            "202613101200",
            "",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
        let minute = parse_replay_time("202605101200").unwrap();
        assert_eq!(
            TimeArg::Ago(7_200_000).resolve(minute),
            parse_replay_time("202605101000").unwrap()
        );
    }

    #[test]
    fn progress_is_one_line_rewritten_in_place() {
        let a = progress_line(
            "job 1/2 7",
            Duration::from_secs(65),
            Duration::from_secs(1800),
        );
        assert_eq!(
            a,
            "\r\x1b[2K| job 1/2 7: waiting for replay_job_status 1m05s / 30m00s"
        );
        let b = progress_line(
            "job 1/2 7",
            Duration::from_millis(65_250),
            Duration::from_secs(1800),
        );
        assert!(b.starts_with("\r\x1b[2K/ "), "{b:?}");
        assert!(!a.contains('\n') && !b.contains('\n'));
    }

    #[test]
    fn spans_and_elapsed() {
        assert_eq!(span(86_400_000), "24h00m");
        assert_eq!(span(5_400_000), "1h30m");
        assert_eq!(span(2_700_000), "45m");
        assert_eq!(elapsed(Duration::from_secs(65)), "1m05s");
        assert_eq!(elapsed(Duration::from_secs(42)), "42s");
    }
}
