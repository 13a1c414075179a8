//! `aaa emulate`: run the X-side emulator on a local address.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use std::time::Duration;

use aaa_emulator::{ActivityOptions, Delivery, Emulator, Faults, Options, ReplayMinAge, State};

use crate::failure::Failure;
use crate::runtime::{Threads, block_on};

/// Arguments of `aaa emulate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// A TOML file with the apps and users to start with; without it, one app and two users
    /// with random credentials are generated.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Apply X's webhook URL rules (https, no port, a public host).
    #[arg(long)]
    strict_urls: bool,
    /// How many users to generate besides the app owner (without --state).
    #[arg(long, default_value_t = 1, value_name = "N", conflicts_with = "state")]
    users: usize,
    /// How many webhooks the generated app may register (without --state; a state file sets
    /// `webhook_limit` per app). X's enterprise tier: 3.
    #[arg(long, default_value_t = aaa_emulator::DEFAULT_WEBHOOK_LIMIT, value_name = "N", conflicts_with = "state")]
    webhook_limit: usize,
    /// How many users the generated app may subscribe (without --state; a state file sets
    /// `subscription_limit` per app). X's enterprise tier: 500.
    #[arg(long, default_value_t = aaa_emulator::DEFAULT_SUBSCRIPTION_LIMIT, value_name = "N", conflicts_with = "state")]
    subscription_limit: usize,
    /// How long a webhook has to answer a CRC check.
    #[arg(long, default_value = "3s", value_name = "DURATION", value_parser = duration)]
    crc_deadline: Duration,
    /// How often every valid webhook is CRC-checked again, as X does daily (`off` for never).
    /// A webhook that fails stays invalid until `aaa webhooks validate` passes.
    #[arg(long, default_value = "24h", value_name = "DURATION|off", value_parser = optional_duration)]
    crc_interval: OptionalDuration,
    /// How long a webhook has to answer a delivery.
    #[arg(long, default_value = "3s", value_name = "DURATION", value_parser = duration)]
    delivery_deadline: Duration,
    /// The waits before each retry of a delivery that got no 200, comma-separated
    /// (`none` for no retries).
    #[arg(long, default_value = "25s,75s,200s", value_name = "LIST", value_parser = duration_list)]
    retry_delays: DurationList,
    /// Probability (0 to 1) of delivering an activity twice.
    #[arg(long, default_value_t = 0.0, value_name = "P", value_parser = probability)]
    duplicate_rate: f64,
    /// Probability (0 to 1) of swapping a delivery with the next one.
    #[arg(long, default_value_t = 0.0, value_name = "P", value_parser = probability)]
    reorder_rate: f64,
    /// Delay each delivery by a random time up to this long.
    #[arg(long, default_value = "0s", value_name = "DURATION", value_parser = duration)]
    max_delay: Duration,
    /// Trust the certificates of this PEM file (besides the webpki roots) when checking and
    /// delivering to https webhook URLs, e.g. a receiver's self-signed test certificate.
    #[arg(long, value_name = "FILE")]
    ca_cert: Vec<PathBuf>,
    /// Seed of the fault draws and of the generated payloads, so a run can be repeated.
    #[arg(long, default_value_t = 0, value_name = "N")]
    seed: u64,
    /// How long an X Activity API stream may be quiet before a keep-alive newline is sent
    /// (X: at least every 20 s).
    #[arg(long, default_value = "20s", value_name = "DURATION", value_parser = duration)]
    stream_keepalive: Duration,
    /// X Activity API subscriptions an app may hold (X's tiers: 1500, 75000, 150000).
    #[arg(long, default_value_t = 1_500, value_name = "N")]
    activity_subscription_limit: usize,
    /// How old a replay window's start and end must be, X's 31 and 10 minutes by default;
    /// shorter ages let tests replay a window seconds after it ended.
    #[arg(long, default_value = "31m,10m", value_name = "FROM,TO", value_parser = crate::events::parse_min_ages)]
    replay_min_age: (Duration, Duration),
}

/// A duration or `off`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OptionalDuration(Option<Duration>);

/// A comma-separated list of durations.
#[derive(Clone, Debug)]
pub(crate) struct DurationList(Vec<Duration>);

fn duration(s: &str) -> Result<Duration, String> {
    crate::events::parse_duration(s)
}

fn optional_duration(s: &str) -> Result<OptionalDuration, String> {
    if s == "off" {
        return Ok(OptionalDuration(None));
    }
    let d = duration(s)?;
    if d.is_zero() {
        return Err("use `off` rather than 0".to_owned());
    }
    Ok(OptionalDuration(Some(d)))
}

fn duration_list(s: &str) -> Result<DurationList, String> {
    if s == "none" {
        return Ok(DurationList(Vec::new()));
    }
    s.split(',')
        .map(|p| duration(p.trim()))
        .collect::<Result<_, _>>()
        .map(DurationList)
}

fn probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("{s:?}: expected a probability from 0 to 1")),
    }
}

impl Args {
    fn options(&self) -> Options {
        let mut activity = ActivityOptions::default();
        activity.keepalive = self.stream_keepalive;
        activity.subscription_limit = self.activity_subscription_limit;
        Options {
            strict_urls: self.strict_urls,
            crc_deadline: self.crc_deadline,
            delivery: Delivery {
                deadline: self.delivery_deadline,
                retry_delays: self.retry_delays.0.clone(),
                crc_interval: self.crc_interval.0,
                faults: Faults {
                    duplicate: self.duplicate_rate,
                    max_delay: self.max_delay,
                    reorder: self.reorder_rate,
                    seed: self.seed,
                },
                seed: self.seed,
            },
            activity,
            replay_min_age: ReplayMinAge {
                from: self.replay_min_age.0,
                to: self.replay_min_age.1,
            },
            ..Options::default()
        }
    }
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Failure> {
    let mut state = if let Some(path) = &args.state {
        State::from_toml_file(path)?
    } else {
        let mut state = State::generate(args.users)?;
        state.set_limits(args.webhook_limit, args.subscription_limit);
        state
    };
    let mut options = args.options();
    for path in &args.ca_cert {
        options.trust_pem_file(path)?;
    }
    block_on(Threads::PerCore, async move {
        let listen = args.listen;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| Failure::new(format!("cannot listen on {listen}: {e}")))?;
        let local = listener.local_addr()?;
        let base_url = format!("http://{local}");
        state.set_base_url(base_url.clone());
        let shutdown = crate::serve::shutdown_signal();
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", state.summary_json())
                .and_then(|()| out.flush())
                .map_err(|e| Failure::new(format!("cannot write the summary: {e}")))?;
        }
        tracing::info!(%base_url, "emulator listening");
        let emulator = Emulator::new(state, options);
        aaa_emulator::serve(listener, emulator, shutdown).await?;
        tracing::info!("emulator stopped");
        Ok(ExitCode::SUCCESS)
    })
}
