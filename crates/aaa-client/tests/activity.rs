//! The X Activity API subscription calls against a stand-in for X on loopback: paths, methods,
//! bodies, the authentication each one is sent with, every documented answer shape, pagination,
//! bulk deletes with per-id results, both error shapes and rate limits.

mod support;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aaa_client::{Client, ErrorKind, UserToken};
use aaa_crypto::BearerToken;
use aaa_model::UserId;
use aaa_model::event::{ActivityFilter, ActivityType, Direction};
use aaa_model::rest::ProblemKind;
use support::{
    Auth, BEARER, CONSUMER_KEY, CONSUMER_SECRET, OWNER_SECRET, OWNER_TOKEN, Reply, Server,
    USER_SECRET, USER_TOKEN,
};

const SUB: &str = r#"{"subscription_id":"1976325569252868096","event_type":"profile.update.bio","filter":{"user_id":"2244994945"},"created_at":"2025-10-09T16:35:08.000Z","updated_at":"2025-10-09T16:35:08.000Z","tag":"bio","webhook_id":"1976325569252868099"}"#;

fn client(server: &Server) -> Client {
    Client::builder()
        .base_url(&server.base)
        .consumer(CONSUMER_KEY, CONSUMER_SECRET)
        .app_owner_token(OWNER_TOKEN, OWNER_SECRET)
        .oauth2_user_token("oauth2-user-token")
        .timeout(Duration::from_secs(5))
        .retry_backoff(Duration::from_millis(5))
        .build()
        .unwrap()
}

fn token(seen: &support::Seen, _: usize) -> Option<Reply> {
    (seen.path == "/oauth2/token").then(|| {
        Reply::json(
            200,
            &format!(r#"{{"token_type":"bearer","access_token":"{BEARER}"}}"#),
        )
    })
}

#[tokio::test]
async fn create_with_each_authentication_and_each_answer_shape() {
    let shapes = [
        format!(r#"{{"data":{{"subscription":{SUB}}}}}"#),
        format!(r#"{{"data":{SUB}}}"#),
        format!(r#"{{"data":[{SUB}],"meta":{{"total_subscriptions":7}}}}"#),
    ];
    let server = Server::start(move |seen, i| {
        token(seen, i).unwrap_or_else(|| Reply::json(200, &shapes[(i - 1).min(2) % 3]))
    })
    .await;
    let client = client(&server);
    let filter = ActivityFilter::user(UserId::new(2_244_994_945));

    let a = client
        .create_activity_subscription(ActivityType::ProfileUpdateBio, filter.clone())
        .tag("bio")
        .webhook("1976325569252868099")
        .await
        .unwrap()
        .into_data();
    assert_eq!(a.subscription.subscription_id, "1976325569252868096");
    let b = client
        .create_activity_subscription(ActivityType::LikeCreate, filter.clone())
        .direction(Direction::Outbound)
        .as_user(Some(UserToken::new(USER_TOKEN, USER_SECRET)))
        .await
        .unwrap()
        .into_data();
    assert_eq!(b.subscription, a.subscription);
    let c = client
        .create_activity_subscription(ActivityType::ChatConversationJoin, filter)
        .as_oauth2_user(None)
        .await
        .unwrap()
        .into_data();
    assert_eq!(c.total_subscriptions, Some(7));
    let d = client
        .create_activity_subscription(ActivityType::NewsNew, ActivityFilter::keyword("kestrel"))
        .as_oauth2_user(Some(BearerToken::new("another-user")))
        .await
        .unwrap()
        .into_data();
    assert_eq!(d.subscription, a.subscription);

    let seen = server.seen();
    assert_eq!(seen.len(), 5, "token fetch + four creates");
    let creates: Vec<_> = seen[1..].iter().collect();
    assert!(
        creates
            .iter()
            .all(|s| s.method == "POST" && s.path == "/2/activity/subscriptions")
    );
    assert!(
        creates
            .iter()
            .all(|s| s.content_type.as_deref() == Some("application/json"))
    );
    assert_eq!(creates[0].auth, Auth::Bearer(BEARER.into()));
    assert_eq!(creates[1].auth, Auth::OAuth1(USER_TOKEN.into()));
    assert_eq!(creates[2].auth, Auth::Bearer("oauth2-user-token".into()));
    assert_eq!(creates[3].auth, Auth::Bearer("another-user".into()));
    let body = |i: usize| serde_json::from_slice::<serde_json::Value>(&creates[i].body).unwrap();
    assert_eq!(
        body(0),
        serde_json::json!({"event_type":"profile.update.bio","filter":{"user_id":"2244994945"},
            "tag":"bio","webhook_id":"1976325569252868099"})
    );
    assert_eq!(
        body(1),
        serde_json::json!({"event_type":"like.create",
            "filter":{"user_id":"2244994945","direction":"outbound"}})
    );
    // The canonical name is sent, never the deprecated alias.
    assert_eq!(body(2)["event_type"], "chat.conversation.join");
    assert_eq!(body(3)["filter"], serde_json::json!({"keyword":"kestrel"}));
}

#[tokio::test]
async fn the_other_calls_take_the_bearer_token_only() {
    let server = Server::start(|seen, i| {
        token(seen, i).unwrap_or_else(|| match (seen.method.as_str(), seen.path.as_str()) {
            ("PUT", "/2/activity/subscriptions/19") => Reply::json(
                200,
                &format!(r#"{{"data":{{"subscription":{SUB},"total_subscriptions":3}}}}"#),
            ),
            ("DELETE", "/2/activity/subscriptions/19") => Reply::json(
                200,
                r#"{"data":{"deleted":true},"meta":{"total_subscriptions":2}}"#,
            ),
            _ => Reply::json(404, "{}"),
        })
    })
    .await;
    let client = client(&server);
    let updated = client
        .update_activity_subscription("19")
        .tag("new tag")
        .webhook("77")
        .await
        .unwrap()
        .into_data();
    assert_eq!(updated.total_subscriptions, Some(3));
    let deleted = client
        .delete_activity_subscription("19")
        .await
        .unwrap()
        .into_data();
    assert!(deleted.deleted);
    assert_eq!(deleted.total_subscriptions, Some(2));
    let seen = server.seen();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&seen[1].body).unwrap(),
        serde_json::json!({"tag":"new tag","webhook_id":"77"})
    );
    assert!(
        seen[1..]
            .iter()
            .all(|s| s.auth == Auth::Bearer(BEARER.into()))
    );
}

#[tokio::test]
async fn pages_are_followed_to_the_end() {
    let server = Server::start(|seen, i| {
        token(seen, i).unwrap_or_else(|| {
            let q = seen.query.clone().unwrap_or_default();
            let sub = |id: u32| {
                format!(
                    r#"{{"subscription_id":"{id}","event_type":"post.create","filter":{{"user_id":"{id}"}}}}"#
                )
            };
            let page = |ids: &[u32], next: Option<&str>| {
                let data: Vec<String> = ids.iter().map(|&i| sub(i)).collect();
                let next = next.map_or(String::new(), |n| format!(r#","next_token":"{n}""#));
                Reply::json(
                    200,
                    &format!(
                        r#"{{"data":[{}],"meta":{{"total_subscriptions":5,"result_count":{}{next}}}}}"#,
                        data.join(","),
                        ids.len()
                    ),
                )
            };
            match q.as_str() {
                "max_results=2" => page(&[1, 2], Some("GE000000000000001")),
                "max_results=2&pagination_token=GE000000000000001" => {
                    page(&[3, 4], Some("GE000000000000002"))
                }
                "max_results=2&pagination_token=GE000000000000002" => page(&[5], None),
                other => Reply::json(400, &format!(r#"{{"detail":"unexpected query {other}"}}"#)),
            }
        })
    })
    .await;
    let client = client(&server);
    let all = client
        .list_activity_subscriptions()
        .max_results(2)
        .pages()
        .all()
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().map(|s| s.subscription_id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    // One page, with a user token.
    let page = client
        .list_activity_subscriptions()
        .max_results(2)
        .as_user(None)
        .await
        .unwrap()
        .into_data();
    assert_eq!(page.next_token.as_deref(), Some("GE000000000000001"));
    assert_eq!(
        server.seen().last().unwrap().auth,
        Auth::OAuth1(OWNER_TOKEN.into())
    );

    // A server that repeats a token is not followed forever.
    let looping = Server::start(|seen, i| {
        token(seen, i)
            .unwrap_or_else(|| Reply::json(200, r#"{"meta":{"next_token":"GE00000000000000L"}}"#))
    })
    .await;
    let err = client_for(&looping)
        .list_activity_subscriptions()
        .pages()
        .all()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
}

fn client_for(server: &Server) -> Client {
    client(server)
}

#[tokio::test]
async fn bulk_delete_reports_each_id_and_checks_the_count_first() {
    let server = Server::start(|seen, i| {
        token(seen, i).unwrap_or_else(|| {
            Reply::json(
                200,
                r#"{"data":[{"subscription_id":"1","deleted":true},{"subscription_id":"3","deleted":true}],
                    "errors":[{"subscription_id":"2","reason":"not_found","message":"Subscription 2 does not exist."}],
                    "meta":{"total_subscriptions":4}}"#,
            )
        })
    })
    .await;
    let client = client(&server);
    let result = client
        .delete_activity_subscriptions(["1", "2", "3"])
        .await
        .unwrap()
        .into_data();
    assert_eq!(result.deleted.len(), 2);
    assert_eq!(result.errors[0].subscription_id.as_ref().unwrap(), "2");
    assert_eq!(result.errors[0].reason.as_deref(), Some("not_found"));
    assert_eq!(result.total_subscriptions(), Some(4));
    assert!(!result.all_deleted());
    let seen = server.seen();
    assert_eq!(seen[1].method, "DELETE");
    assert_eq!(seen[1].path, "/2/activity/subscriptions");
    assert_eq!(seen[1].query.as_deref(), Some("ids=1%2C2%2C3"));

    let too_many: Vec<String> = (0..101).map(|i| i.to_string()).collect();
    let err = client
        .delete_activity_subscriptions(too_many)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidRequest);
    let err = client
        .delete_activity_subscriptions(Vec::<String>::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidRequest);
    assert_eq!(server.seen().len(), 2, "nothing sent for the refused calls");
}

#[tokio::test]
async fn both_error_shapes_and_rate_limits() {
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 2;
    let server = Server::start(move |seen, i| {
        token(seen, i).unwrap_or_else(|| match (seen.method.as_str(), seen.path.as_str()) {
            ("DELETE", _) => Reply::json(
                404,
                r#"{"errors":[{"type":"https://api.x.com/2/problems/resource-not-found","title":"Not Found Error",
                    "detail":"Could not find subscription with id: [9].","resource_type":"subscription"}]}"#,
            ),
            ("POST", _) => Reply::json(
                400,
                r#"{"errors":[{"type":"https://api.x.com/2/problems/invalid-request","title":"Invalid Request",
                    "detail":"tag must be 1 to 200 characters"}],"title":"Invalid Request","type":"https://api.x.com/2/problems/invalid-request"}"#,
            ),
            ("GET", _) if i <= 4 => Reply::json(429, r#"{"code":88,"message":"Rate limit exceeded"}"#)
                .header("x-rate-limit-limit", 500)
                .header("x-rate-limit-remaining", 0)
                .header("x-rate-limit-reset", reset),
            ("GET", _) => Reply::json(200, r#"{"meta":{"total_subscriptions":0}}"#)
                .header("x-rate-limit-limit", 500)
                .header("x-rate-limit-remaining", 499)
                .header("x-rate-limit-reset", reset + 900),
            _ => Reply::json(500, "{}"),
        })
    })
    .await;
    let client = client(&server);
    let err = client.delete_activity_subscription("9").await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (&ErrorKind::Api, Some(404)));
    assert_eq!(err.problem(), Some(ProblemKind::ResourceNotFound));
    assert_eq!(
        err.message(),
        Some("Could not find subscription with id: [9].")
    );
    let err = client
        .create_activity_subscription(
            ActivityType::PostCreate,
            ActivityFilter::user(UserId::new(1)),
        )
        .tag("")
        .await
        .unwrap_err();
    assert_eq!(err.problem(), Some(ProblemKind::InvalidRequest));
    assert_eq!(err.message(), Some("tag must be 1 to 200 characters"));

    // The flat {code, message} 429: an error with the reset time, or waited out when allowed.
    let err = client.list_activity_subscriptions().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::RateLimited);
    assert_eq!(
        (err.code(), err.message()),
        (Some(88), Some("Rate limit exceeded"))
    );
    assert_eq!(err.rate_limit().unwrap().reset_epoch_secs(), reset);
    let waiting = Client::builder()
        .base_url(&server.base)
        .bearer_token(BEARER)
        .wait_on_rate_limit(Duration::from_secs(10))
        .build()
        .unwrap();
    let started = Instant::now();
    let page = waiting.list_activity_subscriptions().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(page.rate_limit().unwrap().remaining, 499);
    assert_eq!(page.data().total_subscriptions, Some(0));
}

#[tokio::test]
async fn an_authentication_the_endpoint_does_not_take_is_refused_before_sending() {
    let server =
        Server::start(|seen, i| token(seen, i).unwrap_or_else(|| Reply::json(200, "{}"))).await;
    let client = Client::builder()
        .base_url(&server.base)
        .bearer_token(BEARER)
        .build()
        .unwrap();
    // No OAuth 2.0 user token anywhere: a clear error, nothing sent.
    let err = client
        .create_activity_subscription(
            ActivityType::DmReceived,
            ActivityFilter::user(UserId::new(5)),
        )
        .as_oauth2_user(None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::MissingCredentials);
    assert!(
        err.to_string().contains("oauth 2.0 user access token"),
        "{err}"
    );
    assert!(server.seen().is_empty());
    // Debug output of a request never shows a token.
    let request = client
        .create_activity_subscription(
            ActivityType::DmReceived,
            ActivityFilter::user(UserId::new(5)),
        )
        .as_oauth2_user(Some(BearerToken::new("very-secret-token")));
    assert!(!format!("{request:?}").contains("very-secret-token"));
}
