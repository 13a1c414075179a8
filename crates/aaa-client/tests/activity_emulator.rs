//! The X Activity API calls and the stream consumer against the emulator on loopback: every
//! endpoint, each authentication, typed errors, and the stream's events, keep-alives,
//! reconnection with backfill and connection limit.

use std::time::Duration;

use aaa_client::stream::{Backoff, Disconnect, StreamItem};
use aaa_client::{Client, ErrorKind, UserToken};
use aaa_crypto::BearerToken;
use aaa_emulator::{ActivityTrigger, Emulator, Options, State};
use aaa_model::event::{ActivityFilter, ActivityType, Direction};
use aaa_model::rest::ProblemKind;
use aaa_model::{ActivityPayload, Event, UserId};

const CK: &str = "xaaClientKey";
const CS: &str = "xaaClientSecret";
const OWNER: u64 = 3001;
const ALICE: u64 = 3002;
const BOUND: Duration = Duration::from_secs(20);

fn seed() -> String {
    format!(
        r#"
        [[apps]]
        app_id = "55"
        consumer_key = "{CK}"
        consumer_secret = "{CS}"
        owner = "{OWNER}"
        [[users]]
        user_id = "{OWNER}"
        screen_name = "owner"
        access_token = "{OWNER}-ownerToken"
        access_token_secret = "ownerSecret"
        [[users]]
        user_id = "{ALICE}"
        screen_name = "alice"
        access_token = "{ALICE}-aliceToken"
        access_token_secret = "aliceSecret"
        "#
    )
}

struct Emu {
    base: String,
    emulator: Emulator,
    alice_oauth2: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Emu {
    async fn start(tweak: impl FnOnce(&mut Options)) -> Emu {
        let mut options = Options::default();
        options.activity.keepalive = Duration::from_millis(100);
        tweak(&mut options);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut state = State::from_toml(&seed()).unwrap();
        state.set_base_url(base.clone());
        let summary: serde_json::Value = serde_json::from_str(&state.summary_json()).unwrap();
        let alice_oauth2 = summary["apps"][0]["oauth2_user_tokens"][ALICE.to_string()]
            .as_str()
            .unwrap()
            .to_owned();
        let emulator = Emulator::new(state, options);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(aaa_emulator::serve(listener, emulator.clone(), async {
            let _ = stopped.await;
        }));
        Emu {
            base,
            emulator,
            alice_oauth2,
            _stop: stop,
        }
    }

    fn client(&self) -> Client {
        Client::builder()
            .base_url(&self.base)
            .consumer(CK, CS)
            .app_owner_token(format!("{OWNER}-ownerToken"), "ownerSecret")
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap()
    }
}

async fn bounded<T>(f: impl std::future::IntoFuture<Output = T>) -> T {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("within the bound")
}

#[tokio::test]
async fn every_subscription_endpoint_with_each_authentication() {
    let emu = Emu::start(|_| {}).await;
    let client = emu.client();
    let alice = UserId::new(ALICE);

    // Bearer (fetched from /oauth2/token) for a public type.
    let bio = bounded(
        client
            .create_activity_subscription(
                ActivityType::ProfileUpdateBio,
                ActivityFilter::user(alice),
            )
            .tag("bio"),
    )
    .await
    .unwrap()
    .into_data()
    .subscription;
    assert_eq!(bio.event_type, "profile.update.bio");
    assert!(bio.created_at.is_some());
    // A private type: refused with the bearer token, as a typed error...
    let err = bounded(
        client.create_activity_subscription(ActivityType::LikeCreate, ActivityFilter::user(alice)),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (err.status(), err.problem()),
        (Some(403), Some(ProblemKind::NotAuthorizedForResource))
    );
    // ...created with Alice's OAuth 2.0 token or her OAuth 1.0a user context.
    let like = bounded(
        client
            .create_activity_subscription(ActivityType::LikeCreate, ActivityFilter::user(alice))
            .direction(Direction::Inbound)
            .as_oauth2_user(Some(BearerToken::new(emu.alice_oauth2.clone()))),
    )
    .await
    .unwrap()
    .into_data()
    .subscription;
    assert_eq!(like.filter.direction, Some(Direction::Inbound));
    bounded(
        client
            .create_activity_subscription(ActivityType::DmReceived, ActivityFilter::user(alice))
            .as_user(Some(UserToken::new(
                format!("{ALICE}-aliceToken"),
                "aliceSecret",
            ))),
    )
    .await
    .unwrap();
    for i in 0..4 {
        bounded(client.create_activity_subscription(
            ActivityType::NewsNew,
            ActivityFilter::keyword(format!("topic{i}")),
        ))
        .await
        .unwrap();
    }

    // List: one page, then every page.
    let page = bounded(client.list_activity_subscriptions().max_results(3))
        .await
        .unwrap();
    assert_eq!(page.data().subscriptions.len(), 3);
    assert_eq!(page.data().total_subscriptions, Some(7));
    assert!(page.rate_limit().is_some_and(|r| r.limit == 500));
    let all = bounded(
        client
            .list_activity_subscriptions()
            .max_results(3)
            .pages()
            .all(),
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 7);
    assert_eq!(all[0], bio);

    // Update, delete, bulk delete.
    let updated = bounded(
        client
            .update_activity_subscription(bio.subscription_id.clone())
            .tag("bio, renamed"),
    )
    .await
    .unwrap()
    .into_data();
    assert_eq!(updated.subscription.tag.as_deref(), Some("bio, renamed"));
    assert_eq!(updated.total_subscriptions, Some(7));
    let deleted = bounded(client.delete_activity_subscription(bio.subscription_id.clone()))
        .await
        .unwrap()
        .into_data();
    assert!(deleted.deleted && deleted.total_subscriptions == Some(6));
    let err = bounded(client.delete_activity_subscription(bio.subscription_id.clone()))
        .await
        .unwrap_err();
    assert_eq!(err.problem(), Some(ProblemKind::ResourceNotFound));
    let mut ids: Vec<String> = all[1..]
        .iter()
        .map(|s| s.subscription_id.to_string())
        .collect();
    ids.push(bio.subscription_id.to_string());
    let bulk = bounded(client.delete_activity_subscriptions(ids))
        .await
        .unwrap()
        .into_data();
    assert_eq!(bulk.deleted.len(), 6);
    assert_eq!(bulk.errors.len(), 1);
    assert_eq!(
        bulk.errors[0].subscription_id.as_ref().unwrap(),
        &bio.subscription_id
    );
    assert_eq!(bulk.total_subscriptions(), Some(0));

    // The like was deleted in bulk: updating it now is X's not-found problem.
    let err = bounded(
        client
            .update_activity_subscription(like.subscription_id.clone())
            .tag("x"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Api);
    assert_eq!(err.problem(), Some(ProblemKind::ResourceNotFound));
}

#[tokio::test]
async fn the_stream_consumer_reads_the_emulators_stream_and_recovers_with_backfill() {
    let emu = Emu::start(|_| {}).await;
    let client = emu.client();
    let alice = UserId::new(ALICE);
    bounded(
        client.create_activity_subscription(ActivityType::PostCreate, ActivityFilter::user(alice)),
    )
    .await
    .unwrap();
    let mut stream = client
        .activity_stream()
        .stall_timeout(Duration::from_secs(2))
        .backoff(Backoff::default().scaled(0.001))
        .open();
    let first = bounded(stream.next()).await.unwrap();
    assert!(
        matches!(
            first,
            StreamItem::Connected {
                backfill_minutes: 0,
                ..
            }
        ),
        "{first:?}"
    );
    let done = emu
        .emulator
        .trigger_activity(&ActivityTrigger::new(ActivityType::PostCreate, "3002").count(3))
        .unwrap();
    assert_eq!(done.stream_copies, 3);
    let mut events = Vec::new();
    let mut keepalives = 0;
    while events.len() < 3 {
        match bounded(stream.next()).await.unwrap() {
            StreamItem::Line(line) => {
                let text = std::str::from_utf8(&line).unwrap();
                let Event::Activity(a) = aaa_model::decode_activity(text).unwrap() else {
                    panic!("not an activity: {text}")
                };
                assert!(matches!(a.payload, ActivityPayload::Post(_)));
                events.push(a.event_uuid.unwrap().into_owned().to_string());
            }
            StreamItem::KeepAlive => keepalives += 1,
            other => panic!("{other:?}"),
        }
    }
    // Quiet: only keep-alives, no stall.
    let started = tokio::time::Instant::now();
    while started.elapsed() < Duration::from_millis(500) {
        match bounded(stream.next()).await.unwrap() {
            StreamItem::KeepAlive => keepalives += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(keepalives >= 3);
    assert_eq!(stream.connections(), 1);

    // The emulator goes away mid-stream; events happen meanwhile; the consumer reconnects with
    // backfill and gets them (and the ones it had again, which dedupe keys recognise).
    emu.emulator.close_streams();
    emu.emulator
        .trigger_activity(&ActivityTrigger::new(ActivityType::PostCreate, "3002"))
        .unwrap();
    let mut lines = Vec::new();
    let mut reconnected = None;
    while lines.len() < 4 {
        match bounded(stream.next()).await.unwrap() {
            StreamItem::Disconnected { reason, .. } => {
                assert!(
                    matches!(reason, Disconnect::Closed { dropped: 0 }),
                    "{reason:?}"
                );
            }
            StreamItem::Connected {
                backfill_minutes, ..
            } => reconnected = Some(backfill_minutes),
            StreamItem::Line(line) => {
                let text = std::str::from_utf8(&line).unwrap();
                let Event::Activity(a) = aaa_model::decode_activity(text).unwrap() else {
                    panic!("not an activity: {text}")
                };
                lines.push(a.event_uuid.unwrap().into_owned().to_string());
            }
            StreamItem::KeepAlive => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(reconnected, Some(1));
    assert_eq!(
        lines[..3],
        events[..],
        "the backfill repeats what was seen (same event_uuid)"
    );
    assert!(!events.contains(&lines[3]), "and brings the missed event");
    assert_eq!(stream.connections(), 2);
}

#[tokio::test]
async fn the_emulators_connection_limit_is_kept_by_one_client() {
    let emu = Emu::start(|_| {}).await;
    let client = emu.client();
    let mut one = client.activity_stream().open();
    let mut two = client.activity_stream().open();
    assert!(matches!(
        bounded(one.next()).await.unwrap(),
        StreamItem::Connected { .. }
    ));
    assert!(matches!(
        bounded(two.next()).await.unwrap(),
        StreamItem::Connected { .. }
    ));
    // A third consumer of the same client waits for a slot instead of being refused by X.
    let mut three = client.activity_stream().open();
    assert!(
        tokio::time::timeout(Duration::from_millis(300), three.next())
            .await
            .is_err()
    );
    drop(one);
    assert!(matches!(
        bounded(three.next()).await.unwrap(),
        StreamItem::Connected { .. }
    ));
    drop(two);
    // A second client of the same app is refused by the emulator while two are open: X's 429.
    let mut again = client.activity_stream().open();
    assert!(matches!(
        bounded(again.next()).await.unwrap(),
        StreamItem::Connected { .. }
    ));
    let other = emu.client();
    let mut refused = other
        .activity_stream()
        .backoff(Backoff::default().scaled(0.001))
        .open();
    match bounded(refused.next()).await.unwrap() {
        StreamItem::Disconnected {
            reason: Disconnect::RateLimited,
            ..
        } => {}
        other => panic!("{other:?}"),
    }
}
