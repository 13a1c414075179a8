//! The operations layer against the emulator on loopback: a receiver stopped while X delivers
//! without retries gets the missed events back through replay, stored once; a webhook X marked
//! invalid while the receiver was down is re-validated by the watchdog once it is back.

mod common;
#[path = "../../aaa-receiver/tests/common/nats_server.rs"]
mod nats_server;

use std::collections::HashSet;
use std::time::Duration;

use aaa_client::replay_plan::ReplayRules;
use aaa_client::{ApiVersion, Client, UserToken};
use aaa_emulator::{Activity, Delivery, Emulator, Options, RateLimits, ReplayMinAge, State};
use aaa_ops::{DashboardConfig, GapCause, GapState, JobState};
use common::{Running, eventually, quick_manage, stored, temp_dir};

/// Windows are whole minutes, so a replay waits for the minute after the outage to pass.
const BOUND: Duration = Duration::from_secs(150);

struct World {
    emulator: Emulator,
    base: String,
    secret: String,
    client: Client,
    user: String,
    user_token: UserToken,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn world(version: ApiVersion) -> World {
    let options = Options {
        rate_limits: RateLimits::uniform(10_000, Duration::from_secs(900)),
        delivery: Delivery {
            retry_delays: Vec::new(),
            crc_interval: None,
            ..Delivery::default()
        },
        replay_min_age: ReplayMinAge {
            from: Duration::ZERO,
            to: Duration::ZERO,
        },
        ..Options::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut state = State::generate(1).unwrap();
    state.set_base_url(base.clone());
    let app = state.apps()[0].clone();
    let owner = state.users()[0].clone();
    let user = state.users()[1].clone();
    let emulator = Emulator::new(state, options);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(aaa_emulator::serve(listener, emulator.clone(), async {
        let _ = stopped.await;
    }));
    let client = Client::builder()
        .base_url(base.clone())
        .version(version)
        .check_webhook_urls(false)
        .consumer(app.consumer_key.clone(), app.consumer_secret.as_str())
        .app_owner_token(
            owner.access_token.clone(),
            owner.access_token_secret.as_str(),
        )
        .build()
        .unwrap();
    World {
        emulator,
        base,
        secret: app.consumer_secret.as_str().to_owned(),
        client,
        user: user.user_id.clone(),
        user_token: UserToken::new(user.access_token.clone(), user.access_token_secret.as_str()),
        _stop: stop,
    }
}

const QUICK: ReplayRules = ReplayRules {
    min_from_age_ms: 0,
    min_to_age_ms: 0,
};

async fn register(w: &World, url: &str) -> String {
    let id = w
        .client
        .register_webhook(url.to_owned())
        .await
        .unwrap()
        .into_data()
        .id
        .as_str()
        .to_owned();
    w.client
        .subscribe(id.clone())
        .as_user(w.user_token.clone())
        .await
        .unwrap();
    id
}

/// Events other than replay status messages, checked to be stored once each.
async fn activity_keys(store: &aaa_receiver::Store) -> Vec<String> {
    let keys: Vec<String> = stored(store)
        .await
        .into_iter()
        .filter(|e| e.kind != "replay_job_status")
        .map(|e| e.key)
        .collect();
    let unique: HashSet<&String> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "an event stored twice: {keys:?}");
    keys
}

/// The store of a run: SQLite in `dir`, or the JetStream stream at `nats`.
async fn open_store(dir: &std::path::Path, nats: Option<&str>) -> aaa_receiver::Store {
    match nats {
        Some(url) => aaa_receiver::Store::open_nats(aaa_receiver::NatsConfig::new(url).unwrap())
            .await
            .unwrap(),
        None => aaa_receiver::Store::open(aaa_receiver::StoreConfig::new(dir)).unwrap(),
    }
}

async fn outage_is_replayed(version: ApiVersion, nats: Option<&str>) {
    let w = world(version).await;
    let dir = temp_dir("outage");
    let manage = |c: &Client| quick_manage(c.clone());
    let first = Running::start_on(
        open_store(&dir, nats).await,
        &dir,
        "127.0.0.1:0".parse().unwrap(),
        &w.secret,
        |c| c.rules(QUICK).manage(manage(&w.client)),
    )
    .await;
    let addr = first.addr;
    let webhook = register(&w, &first.url()).await;
    w.emulator
        .trigger(Activity::TweetCreate, &w.user, 3)
        .unwrap();
    let store = first.receiver.store().clone();
    eventually(BOUND, "three events stored", || async {
        (activity_keys(&store).await.len() == 3).then_some(())
    })
    .await;
    drop(store);

    // The receiver stops; X delivers four more, without retries: each attempt fails.
    first.stop().await;
    w.emulator.trigger(Activity::Favorite, &w.user, 4).unwrap();
    tokio::time::timeout(BOUND, w.emulator.settled())
        .await
        .unwrap();
    assert_eq!(
        w.emulator.delivery_stats().gave_up,
        4,
        "{:?}",
        w.emulator.delivery_stats()
    );

    // Back on the same address and data directory: the window is recorded, waits until X
    // takes it, is replayed, and the four events arrive, each once.
    let second = Running::start_on(open_store(&dir, nats).await, &dir, addr, &w.secret, |c| {
        c.rules(QUICK).manage(manage(&w.client))
    })
    .await;
    let store = second.receiver.store().clone();
    let journal = second.ops.journal().clone();
    let gap = eventually(BOUND, "the window replayed", || async {
        let gaps = journal.gaps(&[], 10).unwrap();
        gaps.into_iter().find(|g| g.state == GapState::Replayed)
    })
    .await;
    assert_eq!(gap.cause, GapCause::Stopped);
    assert!(gap.webhook_id.is_none());
    assert!(!gap.replays.is_empty());
    for r in &gap.replays {
        assert_eq!(r.state, JobState::Complete, "{r:?}");
        assert_eq!(r.webhook_id, webhook);
        assert!(r.job_id.is_some());
        assert_eq!(r.from_ms % 60_000, 0);
        assert_eq!(r.to_ms % 60_000, 0);
        assert!(r.from_ms <= gap.from_ms && r.to_ms >= gap.to_ms.unwrap());
    }
    let keys = eventually(BOUND, "seven events stored", || async {
        let keys = activity_keys(&store).await;
        (keys.len() == 7).then_some(keys)
    })
    .await;
    assert_eq!(
        keys.iter().filter(|k| k.starts_with("favorite/")).count(),
        4
    );
    let metrics = second.receiver.metrics().clone();
    let text = eventually(BOUND, "the gap counted as replayed", || async {
        let text = metrics.render();
        text.contains("aaa_gaps{state=\"replayed\"} 1\n")
            .then_some(text)
    })
    .await;
    assert!(
        text.contains("aaa_replay_jobs_finished_total{job_state=\"Complete\"}"),
        "{text}"
    );
    second.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_missed_while_stopped_arrive_through_replay_once_v2() {
    outage_is_replayed(ApiVersion::V2, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_missed_while_stopped_arrive_through_replay_once_v1_1() {
    outage_is_replayed(ApiVersion::V1_1, None).await;
}

/// The same on the JetStream store: the journal is still a file of the data directory, the
/// newest stored event and the replay's status are read from the stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_missed_while_stopped_arrive_through_replay_once_on_jetstream() {
    let dir = temp_dir("outage-nats");
    let nats = nats_server::Cluster::start(&dir, 1);
    outage_is_replayed(ApiVersion::V2, Some(&nats.url())).await;
    drop(nats);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_invalidated_while_down_is_revalidated_by_the_watchdog() {
    let w = world(ApiVersion::V2).await;
    let dir = temp_dir("invalid");
    let first = Running::start(&dir, "127.0.0.1:0".parse().unwrap(), &w.secret, |c| c).await;
    let addr = first.addr;
    let webhook = register(&w, &first.url()).await;
    first.stop().await;

    // X's periodic check fails while the receiver is down: the webhook is invalid.
    let checked = w.emulator.recheck_webhooks().await;
    assert_eq!(checked, vec![(webhook.clone(), false)]);
    assert!(w.emulator.trigger(Activity::Follow, &w.user, 1).is_err());

    let second = Running::start(&dir, addr, &w.secret, |c| {
        c.rules(QUICK).manage(quick_manage(w.client.clone()))
    })
    .await;
    let emulator = w.emulator.clone();
    let id = webhook.clone();
    eventually(BOUND, "the webhook valid again", || async {
        emulator
            .state()
            .webhooks()
            .iter()
            .any(|h| h.id == id && h.valid)
            .then_some(())
    })
    .await;
    let journal = second.ops.journal().clone();
    let gap = eventually(BOUND, "the invalid window closed", || async {
        journal
            .gaps(&[], 10)
            .unwrap()
            .into_iter()
            .find(|g| g.cause == GapCause::WebhookInvalid && g.to_ms.is_some())
    })
    .await;
    assert_eq!(gap.webhook_id.as_deref(), Some(webhook.as_str()));
    let text = second.receiver.metrics().render();
    assert!(
        text.contains("aaa_webhook_revalidations_total{result=\"ok\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "aaa_webhook_valid{{webhook_id=\"{webhook}\"}} 1\n"
        )),
        "{text}"
    );
    // /healthz says so too.
    let health = eventually(BOUND, "healthz shows the webhook", || async {
        let h = second.ops.board().healthz();
        let ok = h["watchdog"]["webhooks"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["valid"] == true));
        ok.then_some(h)
    })
    .await;
    assert_eq!(health["watchdog"]["enabled"], true);
    // Deliveries flow again.
    w.emulator.trigger(Activity::Follow, &w.user, 1).unwrap();
    let store = second.receiver.store().clone();
    eventually(BOUND, "a follow stored after re-validation", || async {
        activity_keys(&store)
            .await
            .iter()
            .any(|k| k.starts_with("follow/"))
            .then_some(())
    })
    .await;

    // Two windows for the same webhook, touching at the restart: the stopped one and the
    // invalid one. Replayed without asking X for any minute twice, both end replayed, and the
    // dashboard shows them with the webhook's state.
    let gaps = eventually(BOUND, "both windows replayed", || async {
        let gaps = journal.gaps(&[], 10).unwrap();
        (gaps.len() == 2 && gaps.iter().all(|g| g.state == GapState::Replayed)).then_some(gaps)
    })
    .await;
    let mut minutes: Vec<(i64, i64)> = Vec::new();
    for g in &gaps {
        assert!(
            !g.replays.is_empty() || g.merged_into.is_some(),
            "a window with neither jobs nor a window it is merged into: {g:?}"
        );
        for r in &g.replays {
            assert_eq!(r.state, JobState::Complete);
            minutes.push((r.from_ms, r.to_ms));
        }
    }
    minutes.sort_unstable();
    assert!(
        minutes.windows(2).all(|p| p[0].1 <= p[1].0),
        "a minute asked twice: {minutes:?}"
    );
    let dashboard = second
        .dashboard(DashboardConfig::new("127.0.0.1:0".parse().unwrap()))
        .await;
    let http = common::webdriver::http();
    let ops =
        common::webdriver::call(&http, "GET", &format!("{}api/ops", dashboard.url()), None).await;
    assert_eq!(ops["watchdog"]["enabled"], true, "{ops}");
    assert_eq!(ops["watchdog"]["webhooks"][0]["id"], webhook.as_str());
    assert_eq!(ops["watchdog"]["webhooks"][0]["valid"], true);
    let shown = ops["gaps"].as_array().unwrap();
    assert_eq!(shown.len(), 2);
    assert!(shown.iter().all(|g| g["state"] == "replayed"), "{ops}");
    assert!(
        shown
            .iter()
            .flat_map(|g| g["replays"].as_array().unwrap())
            .all(|r| r["state"] == "complete" && r["job_id"].is_string()),
        "{ops}"
    );
    dashboard.stop().await;
    let _ = &w.base;
    second.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
