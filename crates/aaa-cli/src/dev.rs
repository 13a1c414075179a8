//! `aaa dev`: the whole loop on one machine. It starts the emulator and the receiver on
//! loopback, registers the receiver's URL through the management client (so X's CRC runs for
//! real), subscribes a demo user, triggers one activity of every kind and prints each event as
//! the receiver stores it; then it keeps running until interrupted.

use std::future::IntoFuture as _;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use aaa_client::{ApiVersion, Client, UserToken};
use aaa_crypto::ConsumerSecret;
use aaa_emulator::{Activity, Emulator, Options, State};
use aaa_receiver::{AppConfig, Receiver, Store, StoreConfig, StoredEvent};
use tokio::sync::{mpsc, watch};

use crate::failure::Failure;
use crate::runtime::{Threads, block_on};

/// The path the receiver listens on.
const HOOK_PATH: &str = "/webhooks/twitter";

/// Arguments of `aaa dev`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Address of the receiver (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Address of the emulator (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    emulator_listen: SocketAddr,
    /// Directory of the receiver's event store; the emulator's credentials are written there
    /// too (emulator.json).
    #[arg(long, value_name = "DIR", default_value = "./aaa-dev-data")]
    data_dir: PathBuf,
    /// Which API to register and subscribe with: the Account Activity API in v2 or v1.1, or
    /// the X Activity API (xaa: a subscription of every event type, delivered to the webhook).
    #[arg(long, value_name = "API", default_value = "v2",
          value_parser = ["v2", "v1.1", "xaa"])]
    api: String,
    /// Exit after the first round of events instead of running until interrupted.
    #[arg(long)]
    once: bool,
    /// Address of the live dashboard (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    dashboard: SocketAddr,
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Failure> {
    block_on(Threads::PerCore, dev(args))
}

fn say(line: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| Failure::new(format!("stdout: {e}")))
}

async fn dev(args: &Args) -> Result<ExitCode, Failure> {
    std::fs::create_dir_all(&args.data_dir)
        .map_err(|e| Failure::new(format!("{}: {e}", args.data_dir.display())))?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };

    // X's side.
    let listener = tokio::net::TcpListener::bind(args.emulator_listen)
        .await
        .map_err(|e| Failure::new(format!("cannot listen on {}: {e}", args.emulator_listen)))?;
    let emulator_url = format!("http://{}", listener.local_addr()?);
    let mut state = State::generate(1)?;
    state.set_base_url(emulator_url.clone());
    write_credentials(&args.data_dir.join("emulator.json"), &state.summary_json())?;
    let app = state.apps()[0].clone();
    let owner = state.users()[0].clone();
    let demo = state.users()[1].clone();
    let emulator = Emulator::new(state, Options::default());
    let emulator_task = tokio::spawn(aaa_emulator::serve(
        listener,
        emulator.clone(),
        stopped(stop_rx.clone()),
    ));

    // The receiver.
    let store = Store::open(StoreConfig::new(&args.data_dir))
        .map_err(|e| crate::serve::store_failure(&e))?;
    let (sink, mut arrivals) = mpsc::unbounded_channel::<StoredEvent>();
    let board = aaa_ops::Board::default();
    let health = board.clone();
    let receiver = Receiver::builder()
        .app(AppConfig::new(
            "dev",
            HOOK_PATH,
            ConsumerSecret::new(app.consumer_secret.as_str()),
        ))
        .store(store)
        .on_stored(sink)
        .health(move || health.healthz())
        .build()?;
    let dashboard = aaa_ops::Dashboard::start(
        aaa_ops::DashboardConfig::new(args.dashboard),
        receiver.clone(),
        board,
        None,
    )
    .await
    .map_err(|e| Failure::new(e.to_string()))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| Failure::new(format!("cannot listen on {}: {e}", args.listen)))?;
    let hook_url = format!("http://{}{HOOK_PATH}", listener.local_addr()?);
    let receiver_task = tokio::spawn(
        aaa_receiver::serve(listener, receiver)
            .with_graceful_shutdown(stopped(stop_rx.clone()))
            .into_future(),
    );
    say(&format!(
        "aaa dev: emulator  {emulator_url}  (credentials in {})",
        args.data_dir.join("emulator.json").display()
    ))?;
    say(&format!(
        "aaa dev: receiver  {hook_url}  (store in {})",
        args.data_dir.display()
    ))?;
    say(&format!(
        "aaa dev: dashboard {}  (open it in a browser: events arrive live)",
        dashboard.url()
    ))?;

    // Register and subscribe through the management client, as against X.
    let version = if args.api == "v1.1" {
        ApiVersion::V1_1
    } else {
        ApiVersion::V2
    };
    let client = Client::builder()
        .base_url(emulator_url.clone())
        .version(version)
        .check_webhook_urls(false)
        .consumer(app.consumer_key.clone(), app.consumer_secret.as_str())
        .app_owner_token(
            owner.access_token.clone(),
            owner.access_token_secret.as_str(),
        )
        .build()
        .map_err(|e| Failure::new(e.to_string()))?;
    let webhook = client
        .register_webhook(hook_url.clone())
        .await
        .map_err(|e| Failure::new(format!("registering {hook_url}: {e}")))?
        .into_data();
    say(&format!(
        "aaa dev: registered webhook {} through the {} API; its CRC check passed",
        webhook.id,
        if args.api == "xaa" { "v2" } else { &args.api }
    ))?;
    let xaa = args.api == "xaa";
    let (seen, expected) = if xaa {
        crate::activity::dev::round(
            &client,
            &emulator,
            &demo,
            webhook.id.as_str(),
            &mut arrivals,
            say,
            describe,
        )
        .await?
    } else {
        aaa_round(
            &client,
            &emulator,
            &demo,
            webhook.id.as_str(),
            &mut arrivals,
        )
        .await?
    };
    let all_arrived = seen == expected;
    if !all_arrived {
        say(&format!(
            "aaa dev: only {seen} of {expected} events arrived (each had 10 s)"
        ))?;
    } else if xaa {
        say(&format!(
            "aaa dev: {seen} events stored, each once, keyed by event_uuid. The revoke ended \
             the subscriptions to @{}'s private types, as at X; subscribed again.",
            demo.screen_name
        ))?;
    } else {
        say(&format!(
            "aaa dev: {seen} events stored, each once. The revoke ended @{}'s subscription, as \
             at X; subscribed again.",
            demo.screen_name
        ))?;
    }
    let code = finish(
        args,
        &emulator_url,
        &demo,
        stop_tx,
        emulator_task,
        receiver_task,
        arrivals,
        all_arrived,
        xaa,
    )
    .await;
    dashboard.stop().await;
    code
}

/// The Account Activity API round: the demo user subscribed, one activity of every kind, each
/// shown as the receiver stores it; then the subscription the revoke ended is made again.
/// Returns how many events arrived and how many were expected.
async fn aaa_round(
    client: &Client,
    emulator: &Emulator,
    demo: &aaa_emulator::User,
    webhook_id: &str,
    arrivals: &mut mpsc::UnboundedReceiver<StoredEvent>,
) -> Result<(usize, usize), Failure> {
    let subscribe_demo = || async {
        client
            .subscribe(webhook_id.to_owned())
            .as_user(UserToken::new(
                demo.access_token.clone(),
                demo.access_token_secret.as_str(),
            ))
            .await
            .map_err(|e| Failure::new(format!("subscribing @{}: {e}", demo.screen_name)))
    };
    subscribe_demo().await?;
    say(&format!(
        "aaa dev: subscribed @{} (user id {})",
        demo.screen_name, demo.user_id
    ))?;

    // One activity of every kind, shown as the receiver stores them.
    say(&format!(
        "aaa dev: triggering one activity of each of the {} kinds...",
        Activity::ALL.len()
    ))?;
    let expected = Activity::ALL.len();
    let mut seen = 0;
    for activity in Activity::ALL {
        emulator
            .trigger(activity, &demo.user_id, 1)
            .map_err(|e| Failure::new(e.to_string()))?;
        // One at a time, so they show in order.
        match tokio::time::timeout(Duration::from_secs(10), arrivals.recv()).await {
            Ok(Some(event)) => {
                seen += 1;
                say(&describe(&event))?;
            }
            Ok(None) | Err(_) => break,
        }
    }
    // The revoke ended the demo user's subscription, as at X; subscribe again (as the user
    // would by authorizing the app anew) so that live triggers reach the webhook.
    subscribe_demo().await?;
    Ok((seen, expected))
}

/// Runs until interrupted (unless `--once`), showing events as they are stored, then stops both
/// servers.
#[allow(clippy::too_many_arguments)]
async fn finish(
    args: &Args,
    emulator_url: &str,
    demo: &aaa_emulator::User,
    stop_tx: watch::Sender<bool>,
    emulator_task: tokio::task::JoinHandle<std::io::Result<()>>,
    receiver_task: tokio::task::JoinHandle<std::io::Result<()>>,
    mut arrivals: mpsc::UnboundedReceiver<StoredEvent>,
    all_arrived: bool,
    xaa: bool,
) -> Result<ExitCode, Failure> {
    if !args.once {
        let aaa = std::env::args().next().unwrap_or_else(|| "aaa".to_owned());
        if xaa {
            say(&format!(
                "aaa dev: running; Ctrl-C stops. Try, from another terminal:\n    \
                 {aaa} trigger post.create --user {} --emulator {emulator_url}\n    \
                 {aaa} trigger like.create --user {} --direction outbound --emulator {emulator_url}\n    \
                 {aaa} events list --data-dir {}\n  \
                 and the activity stream, into the same store (each event stored once):\n    \
                 AAA_BASE_URL={emulator_url} AAA_CONSUMER_KEY=... AAA_CONSUMER_SECRET=... \
                 {aaa} activity stream --data-dir {} --stdout\n  \
                 (the key and secret are in {})",
                demo.user_id,
                demo.user_id,
                args.data_dir.display(),
                args.data_dir.display(),
                args.data_dir.join("emulator.json").display()
            ))?;
        } else {
            say(&format!(
                "aaa dev: running; Ctrl-C stops. Try, from another terminal:\n    \
                 {aaa} trigger mention --user {} --emulator {emulator_url}\n    \
                 {aaa} trigger all --user {} --count 3 --emulator {emulator_url}\n    \
                 {aaa} events list --data-dir {}",
                demo.user_id,
                demo.user_id,
                args.data_dir.display()
            ))?;
        }
        let shutdown = crate::serve::shutdown_signal();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                event = arrivals.recv() => match event {
                    Some(event) => say(&describe(&event))?,
                    None => break,
                },
            }
        }
    }
    let _ = stop_tx.send(true);
    let _ = emulator_task.await;
    if let Ok(Err(e)) = receiver_task.await {
        return Err(Failure::new(format!("receiver: {e}")));
    }
    while let Ok(event) = arrivals.try_recv() {
        say(&describe(&event))?;
    }
    Ok(if all_arrived {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One stored event, for people: kind, user, key.
fn describe(e: &StoredEvent) -> String {
    format!(
        "  stored  {:<32} for {:<20} {}",
        crate::events::printable(&e.kind),
        crate::events::printable(e.for_user_id.as_deref().unwrap_or("-")),
        crate::events::printable(&e.key)
    )
}

/// Writes the emulator's credentials where only the user can read them.
fn write_credentials(path: &Path, summary: &str) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    writeln!(file, "{summary}").map_err(|e| Failure::new(format!("{}: {e}", path.display())))
}
