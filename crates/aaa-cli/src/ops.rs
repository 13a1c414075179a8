//! The operations flags of `aaa serve` (`--manage`, `--replay-min-age`, `--dashboard`) and
//! `aaa gaps`. The work is `aaa-ops`'s; this parses, builds and prints.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use aaa_client::replay_plan::ReplayRules;
use aaa_crypto::{BearerToken, ConsumerSecret, TokenSecret};
use aaa_model::time::rfc3339_from_millis;
use aaa_ops::{Board, Dashboard, DashboardConfig, Gap, Journal, Manage, Operations, OpsConfig};
use aaa_receiver::{Forwarder, Receiver};

use crate::config::ConfigArgs;
use crate::failure::Failure;
use crate::output::{print_json, print_line};

/// The operations flags of `aaa serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeOps {
    /// Watch the webhook that points here (re-validate it when X marks it invalid) and replay
    /// recorded outage windows, with the app's management credentials (the AAA_* variables, a
    /// profile or the config file, as `aaa webhooks` takes them).
    #[arg(long)]
    manage: bool,
    /// The webhook URL X delivers to (default: any of the app's webhooks whose URL path is one
    /// this receiver serves).
    #[arg(long, value_name = "URL", requires = "manage")]
    webhook_url: Option<String>,
    /// How often the watchdog lists the webhooks (X allows 15 lists per 15 minutes on v1.1, 450 on v2).
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = parse_interval)]
    watchdog_interval: Duration,
    /// How old an outage window's start and end must be before it is replayed: X's 31m,10m
    /// (shorter only against `aaa emulate --replay-min-age`).
    #[arg(long, value_name = "FROM,TO", default_value = "31m,10m", value_parser = crate::events::parse_min_ages)]
    replay_min_age: (Duration, Duration),
    /// Serve the live dashboard on this address (loopback by default; elsewhere it needs
    /// --dashboard-token).
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8081")]
    dashboard: Option<SocketAddr>,
    /// The dashboard's access token (at least 16 letters, digits, `-`, `.`, `_` or `~`),
    /// required when it is bound to a non-loopback address.
    #[arg(
        long,
        env = "AAA_DASHBOARD_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    dashboard_token: Option<TokenSecret>,
    /// Base URL of X's API for --manage [default: https://api.x.com].
    #[arg(long, env = "AAA_BASE_URL", value_name = "URL")]
    base_url: Option<String>,
    /// Which management API --manage calls [default: v2].
    #[arg(long, env = "AAA_API", value_name = "VERSION", value_parser = ["v1.1", "v2"])]
    api: Option<String>,
    /// The app's consumer key, for --manage.
    #[arg(long, env = "AAA_CONSUMER_KEY", hide_env_values = true)]
    consumer_key: Option<String>,
    /// The app owner's access token, for --manage.
    #[arg(long, env = "AAA_ACCESS_TOKEN", hide_env_values = true)]
    access_token: Option<String>,
    /// The access token's secret.
    #[arg(long, env = "AAA_ACCESS_TOKEN_SECRET", hide_env_values = true)]
    access_token_secret: Option<TokenSecret>,
    /// An app-only bearer token (otherwise fetched with the consumer key and secret).
    #[arg(long, env = "AAA_BEARER_TOKEN", hide_env_values = true)]
    bearer_token: Option<BearerToken>,
    /// The profile of the management config file ([profiles.NAME]).
    #[arg(long, env = "AAA_PROFILE", value_name = "NAME")]
    profile: Option<String>,
    /// The management config file (default $XDG_CONFIG_HOME/aaa/config.toml).
    #[arg(long, env = "AAA_CONFIG", value_name = "FILE")]
    profile_file: Option<PathBuf>,
}

/// What `aaa serve` starts beside the receiver.
#[derive(Debug)]
pub(crate) struct Plan {
    config: OpsConfig,
    dashboard: Option<DashboardConfig>,
}

/// The started operations layer and dashboard.
#[derive(Debug)]
pub(crate) struct Started {
    ops: Operations,
    dashboard: Option<Dashboard>,
}

impl ServeOps {
    /// Checks the flags and builds the management client.
    ///
    /// # Errors
    ///
    /// A usage failure for missing or half-given credentials; a failure when another receiver
    /// runs with the data directory.
    pub(crate) fn plan(
        &self,
        data_dir: &Path,
        consumer_secret: Option<ConsumerSecret>,
    ) -> Result<Plan, Failure> {
        let mut config = OpsConfig::new(data_dir).rules(ReplayRules {
            min_from_age_ms: millis(self.replay_min_age.0),
            min_to_age_ms: millis(self.replay_min_age.1),
        });
        if self.manage {
            let p = ConfigArgs::new(self.profile.clone(), self.profile_file.clone()).load()?;
            let api = self
                .api
                .clone()
                .or(p.api)
                .unwrap_or_else(|| "v2".to_owned());
            let mut b = aaa_client::Client::builder()
                .base_url(
                    self.base_url
                        .clone()
                        .or(p.base_url)
                        .unwrap_or_else(|| aaa_client::DEFAULT_BASE_URL.to_owned()),
                )
                .version(if api == "v1.1" {
                    aaa_client::ApiVersion::V1_1
                } else {
                    aaa_client::ApiVersion::V2
                })
                .check_webhook_urls(false);
            let key = self.consumer_key.clone().or(p.consumer_key);
            let secret = consumer_secret.or(p.consumer_secret);
            match (key, secret) {
                (Some(k), Some(s)) => b = b.consumer(k, s),
                _ => {
                    return Err(Failure::usage(
                        "--manage needs the app's consumer key and secret (AAA_CONSUMER_KEY, AAA_CONSUMER_SECRET or a profile)",
                    ));
                }
            }
            match (
                self.access_token.clone().or(p.access_token),
                self.access_token_secret.clone().or(p.access_token_secret),
            ) {
                (Some(t), Some(s)) => b = b.app_owner_token(t, s),
                (None, None) => {}
                _ => {
                    return Err(Failure::usage(
                        "--access-token and --access-token-secret go together",
                    ));
                }
            }
            if let Some(t) = self.bearer_token.clone().or(p.bearer_token) {
                b = b.bearer_token(t);
            }
            let mut manage = Manage::new(b.build()?);
            manage.interval = self.watchdog_interval;
            manage.webhook_url.clone_from(&self.webhook_url);
            config = config.manage(manage);
        }
        // Before anything listens: a second receiver on this directory stops here.
        let config = config
            .lock_data_dir()
            .map_err(|e| Failure::new(e.to_string()))?;
        let dashboard = self.dashboard.map(|addr| {
            let mut d = DashboardConfig::new(addr);
            d.access_token = self
                .dashboard_token
                .as_ref()
                .map(|t| String::from_utf8_lossy(t.expose_secret()).into_owned());
            d
        });
        Ok(Plan { config, dashboard })
    }
}

/// `--watchdog-interval`: a duration of at least a second (0 would list the webhooks, or log
/// that it cannot, in a tight loop).
fn parse_interval(s: &str) -> Result<Duration, String> {
    let d = crate::events::parse_duration(s)?;
    if d < Duration::from_secs(1) {
        return Err(format!(
            "{s:?}: at least 1s (X allows 450 lists per 15 minutes on v2, one per 2s)"
        ));
    }
    Ok(d)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Plan {
    /// Starts the operations layer (after the receiver's listener is up) and the dashboard;
    /// prints the dashboard's address.
    ///
    /// # Errors
    ///
    /// When the journal cannot be opened or the dashboard cannot start.
    pub(crate) async fn start(
        self,
        receiver: Receiver,
        board: Board,
        forward: Option<Forwarder>,
    ) -> Result<Started, Failure> {
        let ops = Operations::start(self.config, receiver.clone(), board.clone())
            .await
            .map_err(|e| Failure::new(e.to_string()))?;
        let dashboard = match self.dashboard {
            Some(mut d) => {
                d.forward = forward;
                let d = Dashboard::start(d, receiver, board, Some(ops.journal().clone()))
                    .await
                    .map_err(|e| Failure::usage(e.to_string()))?;
                eprintln!("aaa: dashboard on {}", d.public_url());
                Some(d)
            }
            None => None,
        };
        Ok(Started { ops, dashboard })
    }
}

impl Started {
    /// Stops the dashboard and the operations layer (the journal records a clean stop).
    pub(crate) async fn stop(self) {
        if let Some(d) = self.dashboard {
            d.stop().await;
        }
        self.ops.stop().await;
    }
}

/// Arguments of `aaa gaps`.
#[derive(Debug, clap::Args)]
pub(crate) struct GapsArgs {
    /// The receiver's data directory (`aaa serve --data-dir`).
    #[arg(long, value_name = "DIR", default_value = "./aaa-data")]
    data_dir: PathBuf,
    /// At most this many windows, newest first.
    #[arg(long, value_name = "N", default_value_t = 100)]
    limit: usize,
    /// One JSON object per window and line instead of a table.
    #[arg(long)]
    json: bool,
}

fn gap_json(g: &Gap) -> serde_json::Value {
    serde_json::json!({
        "id": g.id,
        "from": rfc3339_from_millis(g.from_ms),
        "to": g.to_ms.map(rfc3339_from_millis),
        "state": g.state,
        "cause": g.cause,
        "webhook_id": g.webhook_id,
        "detail": g.detail,
        "recorded_at": rfc3339_from_millis(g.recorded_ms),
        "merged_into": g.merged_into,
        "replays": g.replays.iter().map(|r| serde_json::json!({
            "webhook_id": r.webhook_id,
            "job_id": r.job_id,
            "from_date": aaa_client::replay_plan::format_replay_time(aaa_model::Timestamp::from_millis(r.from_ms)),
            "to_date": aaa_client::replay_plan::format_replay_time(aaa_model::Timestamp::from_millis(r.to_ms)),
            "state": r.state,
            "attempts": r.attempts,
            "detail": r.detail,
        })).collect::<Vec<_>>(),
    })
}

/// `aaa gaps`: the outage windows of the journal and what was done for each.
pub(crate) fn gaps(args: &GapsArgs) -> Result<ExitCode, Failure> {
    let journal =
        Journal::open_read_only(&args.data_dir).map_err(|e| Failure::new(e.to_string()))?;
    let gaps = journal
        .gaps(&[], args.limit)
        .map_err(|e| Failure::new(e.to_string()))?;
    if args.json {
        for g in &gaps {
            print_json(&gap_json(g))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if gaps.is_empty() {
        print_line("no outage window recorded")?;
        return Ok(ExitCode::SUCCESS);
    }
    print_line(&format!(
        "{:<5} {:<24} {:<24} {:<10} {:<17} WHAT WAS DONE",
        "ID", "FROM", "TO", "STATE", "CAUSE"
    ))?;
    for g in &gaps {
        let jobs: Vec<String> = g
            .replays
            .iter()
            .map(|r| {
                format!(
                    "job {} {}",
                    r.job_id.as_deref().unwrap_or("-"),
                    r.state.as_str()
                )
            })
            .collect();
        print_line(&format!(
            "{:<5} {:<24} {:<24} {:<10} {:<17} {}{}",
            g.id,
            rfc3339_from_millis(g.from_ms),
            g.to_ms
                .map_or_else(|| "ongoing".to_owned(), rfc3339_from_millis),
            g.state.as_str(),
            g.cause.as_str(),
            crate::output::one_line(&g.detail),
            if jobs.is_empty() {
                String::new()
            } else {
                format!(" ({})", jobs.join(", "))
            }
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
