//! `aaa events list|tail`: read the receiver's store.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use aaa_model::Timestamp;
use aaa_receiver::{EventQuery, Store, StoreErrorKind, StoredEvent};
use clap::Subcommand;

use crate::failure::Failure;

/// `aaa events ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print stored events, oldest first.
    List {
        #[command(flatten)]
        common: Common,
        /// Only events received within this long (e.g. 90s, 15m, 2h, 7d).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        since: Option<Duration>,
        /// At most this many (the newest ones).
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
    /// Print the newest events, then new ones as they arrive, until interrupted.
    Tail {
        #[command(flatten)]
        common: Common,
        /// How many existing events to print first.
        #[arg(long, value_name = "N", default_value_t = 10)]
        last: usize,
    },
}

/// Options shared by `list` and `tail`.
#[derive(Debug, clap::Args)]
pub(crate) struct Common {
    /// Directory of the event store.
    #[arg(long, value_name = "DIR", default_value = "./aaa-data")]
    data_dir: PathBuf,
    /// Read the JetStream stream that `aaa serve --store nats://...` writes instead:
    /// nats://HOST:PORT[,HOST:PORT...].
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    #[command(flatten)]
    nats: NatsArgs,
    /// Only this kind (tweet_create, follow, post.create, ...).
    #[arg(long)]
    kind: Option<String>,
    /// Only events for this user id.
    #[arg(long, value_name = "ID")]
    user: Option<String>,
    /// Only events whose raw JSON contains this text (as delivered, escapes included).
    #[arg(long, value_name = "TEXT")]
    text: Option<String>,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
}

/// How to reach a NATS cluster (`aaa serve --store` and `aaa events --store`).
#[derive(Debug, clap::Args)]
pub(crate) struct NatsArgs {
    /// A NATS credentials file (JWT and NKey seed) for --store nats://.
    #[arg(long, value_name = "FILE")]
    nats_creds: Option<PathBuf>,
    /// A CA certificate (PEM) to trust for the NATS servers' TLS certificates.
    #[arg(long, value_name = "FILE")]
    nats_tls_ca: Option<PathBuf>,
}

impl NatsArgs {
    /// Applies the flags that were given to `nats`.
    pub(crate) fn apply(&self, nats: &mut aaa_receiver::NatsConfig) {
        if self.nats_creds.is_some() {
            nats.credentials.clone_from(&self.nats_creds);
        }
        if self.nats_tls_ca.is_some() {
            nats.tls_ca.clone_from(&self.nats_tls_ca);
        }
    }
}

/// Parses `250ms`, `90s`, `15m`, `2h`, `7d` (or plain seconds).
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a number and a unit (ms, s, m, h, d)"))?;
    let secs = match unit {
        "ms" => return Ok(Duration::from_millis(n)),
        "" | "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => {
            return Err(format!(
                "{s:?}: unknown unit {unit:?} (use ms, s, m, h or d)"
            ));
        }
    };
    Ok(Duration::from_secs(secs))
}

/// Parses `FROM,TO`, two durations (`31m,10m`): how old a replay window's start and end must
/// be (`aaa emulate` and `aaa serve --replay-min-age`).
pub(crate) fn parse_min_ages(s: &str) -> Result<(Duration, Duration), String> {
    let (from, to) = s
        .split_once(',')
        .ok_or_else(|| format!("{s:?}: expected FROM,TO, two durations such as 31m,10m"))?;
    Ok((parse_duration(from.trim())?, parse_duration(to.trim())?))
}

/// The JSON line printed for one event (by `events --json` and `serve --stdout`):
/// `{"kind","for_user_id","key","received_at","event"}`, `event` being the raw event JSON.
pub(crate) fn json_line(
    kind: &str,
    for_user_id: Option<&str>,
    key: &str,
    received_at: i64,
    raw: &[u8],
) -> String {
    let s = |v: &str| serde_json::to_string(v).unwrap_or_default();
    // The raw event was validated as JSON when it was stored; check again rather than trust it.
    let event = std::str::from_utf8(raw)
        .ok()
        .filter(|t| serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok())
        .unwrap_or("null");
    // One line per event, whatever the layout X (or a test fixture) gave the body: in valid JSON
    // a raw line break can only be whitespace between tokens (inside strings it is escaped), so
    // it becomes a space and every other byte stays as delivered.
    let event: std::borrow::Cow<'_, str> = if event.contains(['\n', '\r']) {
        event.replace(['\n', '\r'], " ").into()
    } else {
        event.into()
    };
    format!(
        "{{\"kind\":{},\"for_user_id\":{},\"key\":{},\"received_at\":{},\"event\":{event}}}",
        s(kind),
        for_user_id.map_or_else(|| "null".to_owned(), s),
        s(key),
        s(&Timestamp::from_millis(received_at).to_rfc3339()),
    )
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

async fn open(common: &Common) -> Result<Store, Failure> {
    if let Some(url) = &common.store {
        let mut nats = aaa_receiver::NatsConfig::new(url)
            .map_err(|e| Failure::usage(format!("--store: {e}")))?;
        common.nats.apply(&mut nats);
        return Store::open_nats_read_only(nats)
            .await
            .map_err(|e| Failure::new(e.to_string()));
    }
    Store::open_read_only(&common.data_dir).map_err(|e| match e.kind() {
        StoreErrorKind::NotFound => Failure::new(format!(
            "{}: no event store here (run aaa serve --data-dir {} first)",
            common.data_dir.display(),
            common.data_dir.display()
        )),
        _ => Failure::new(e.to_string()),
    })
}

/// The query's filters from the common options.
fn filtered(common: &Common, mut query: EventQuery) -> EventQuery {
    query.kind.clone_from(&common.kind);
    query.user.clone_from(&common.user);
    query.text.clone_from(&common.text);
    query
}

/// `s` with control characters (C0, DEL and C1, which terminals may act on) written as `\u{..}`
/// escapes. Kinds, user ids and keys come from delivered bodies and may hold any of them.
pub(crate) fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

fn print(out: &mut impl Write, common: &Common, events: &[StoredEvent]) -> std::io::Result<()> {
    for e in events {
        if common.json {
            writeln!(
                out,
                "{}",
                json_line(
                    &e.kind,
                    e.for_user_id.as_deref(),
                    &e.key,
                    e.received_at,
                    &e.raw
                )
            )?;
        } else {
            writeln!(
                out,
                "{}  {:<32}  {:<20}  {}",
                Timestamp::from_millis(e.received_at).to_rfc3339(),
                printable(&e.kind),
                printable(e.for_user_id.as_deref().unwrap_or("-")),
                printable(&e.key)
            )?;
        }
    }
    out.flush()
}

pub(crate) fn run(cmd: Command) -> Result<ExitCode, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(run_async(cmd))
}

async fn run_async(cmd: Command) -> Result<ExitCode, Failure> {
    let stdout = std::io::stdout();
    match cmd {
        Command::List {
            common,
            since,
            limit,
        } => {
            let store = open(&common).await?;
            let mut query = filtered(&common, EventQuery::newest(limit));
            query.since_ms =
                since.map(|d| now_ms() - i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            let page = store.list(query).await?;
            print(&mut stdout.lock(), &common, &page.events)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Tail { common, last } => {
            let store = open(&common).await?;
            // The page's `after` is past the newest event of every store file, matching or not:
            // with nothing to print first (`--last 0`, or no match yet) the tail still starts
            // at the end instead of printing the whole history on the next poll.
            let page = store
                .list(filtered(&common, EventQuery::newest(Some(last))))
                .await?;
            let mut cursor = page.after;
            print(&mut stdout.lock(), &common, &page.events)?;
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let page = store
                    .list(filtered(&common, EventQuery::after(cursor.clone())))
                    .await?;
                cursor = page.after;
                print(&mut stdout.lock(), &common, &page.events)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("5w").is_err());
        assert!(parse_duration("h").is_err());
    }

    #[test]
    fn a_pretty_printed_event_is_one_json_line() {
        let raw = "{\r\n\t\"id_str\": \"1\",\n  \"text\": \"a\\nb\"\n}";
        let line = json_line("tweet_create", Some("7"), "k", 0, raw.as_bytes());
        assert!(!line.contains(['\n', '\r']), "{line}");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        let original: serde_json::Value = serde_json::from_str(raw).unwrap();
        assert_eq!(v["event"], original);
        assert_eq!(v["event"]["text"], "a\nb");
    }
}
