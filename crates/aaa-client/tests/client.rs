//! The client against a stand-in for X on loopback: every route in both versions, the
//! authentication each one uses, error decoding, rate limits, retries and the webhook URL check.

mod support;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aaa_client::{ApiVersion, AuthKind, Client, ClientBuilder, ErrorKind, UserToken};
use aaa_model::{Timestamp, UserId};
use support::{
    Auth, BEARER, CONSUMER_KEY, CONSUMER_SECRET, OWNER_SECRET, OWNER_TOKEN, Reply, Server,
    USER_SECRET, USER_TOKEN,
};

const WEBHOOK_URL: &str = "https://example.com/webhooks/x";

fn builder(server: &Server, version: ApiVersion) -> ClientBuilder {
    Client::builder()
        .base_url(&server.base)
        .version(version)
        .consumer(CONSUMER_KEY, CONSUMER_SECRET)
        .app_owner_token(OWNER_TOKEN, OWNER_SECRET)
        .timeout(Duration::from_secs(5))
        .retry_backoff(Duration::from_millis(5))
}

/// X-shaped answers for every endpoint of both versions.
fn x_like(seen: &support::Seen, _: usize) -> Reply {
    let wh1 = r#"{"id":"1234","url":"https://example.com/webhooks/x","valid":true,"created_timestamp":"2016-06-02 23:54:02 +0000"}"#;
    let wh2 = r#"{"id":"1234","url":"https://example.com/webhooks/x","valid":true,"created_at":"2024-05-01T10:00:00.000Z"}"#;
    let json = |s: &str| {
        Reply::json(200, s)
            .header("x-rate-limit-limit", 15)
            .header("x-rate-limit-remaining", 14)
            .header("x-rate-limit-reset", 1_900_000_000)
    };
    let a = "/1.1/account_activity";
    let b = "/2/account_activity";
    match (seen.method.as_str(), seen.path.as_str()) {
        ("POST", "/oauth2/token") => Reply::json(
            200,
            &format!(r#"{{"token_type":"bearer","access_token":"{BEARER}"}}"#),
        ),
        ("POST", p) if p == format!("{a}/webhooks.json") => json(wh1),
        ("GET", p) if p == format!("{a}/webhooks.json") => json(&format!("[{wh1}]")),
        ("PUT" | "DELETE", p) if p == format!("{a}/webhooks/1234.json") => Reply::empty(204),
        ("POST" | "GET" | "DELETE", p)
            if p == format!("{a}/webhooks/1234/subscriptions/all.json") =>
        {
            Reply::empty(204)
        }
        ("GET", p) if p == format!("{a}/subscriptions/count.json") => json(
            r#"{"account_name":"my-account","subscriptions_count_all":"3","subscriptions_count_direct_messages":"0"}"#,
        ),
        ("GET", p) if p == format!("{a}/webhooks/1234/subscriptions/all/list.json") => json(
            r#"{"environment":"appname","application_id":"13090192","subscriptions":[{"user_id":"3001969357"}]}"#,
        ),
        ("DELETE", p) if p == format!("{a}/webhooks/1234/subscriptions/42/all.json") => {
            Reply::empty(204)
        }
        ("POST", p) if p == format!("{a}/replay/webhooks/1234/subscriptions/all.json") => {
            Reply::json(
                202,
                r#"{"job_id":"1095098195724558337","created_at":"2019-02-11 22:54:08 +0000"}"#,
            )
        }
        ("POST", "/2/webhooks") => json(&format!(r#"{{"data":{wh2}}}"#)),
        ("GET", "/2/webhooks") => json(&format!(
            r#"{{"data":[{wh2}],"meta":{{"result_count":1}}}}"#
        )),
        ("PUT", "/2/webhooks/1234") => json(r#"{"data":{"attempted":true}}"#),
        ("DELETE", "/2/webhooks/1234") => json(r#"{"data":{"deleted":true}}"#),
        ("POST" | "GET", p) if p == format!("{b}/webhooks/1234/subscriptions/all") => {
            json(r#"{"data":{"subscribed":true}}"#)
        }
        ("GET", p) if p == format!("{b}/subscriptions/count") => json(
            r#"{"data":{"account_name":"my-account","provisioned_count":"50","subscriptions_count_all":"3","subscriptions_count_direct_messages":"0"}}"#,
        ),
        ("GET", p) if p == format!("{b}/webhooks/1234/subscriptions/all/list") => json(
            r#"{"data":{"application_id":"13090192","webhook_id":"1234","webhook_url":"https://example.com/webhooks/x","subscriptions":[{"user_id":"3001969357"}]}}"#,
        ),
        ("DELETE", p) if p == format!("{b}/webhooks/1234/subscriptions/42/all") => {
            json(r#"{"data":{"subscribed":false}}"#)
        }
        ("POST", p) if p == format!("{b}/replay/webhooks/1234/subscriptions/all") => json(
            r#"{"data":{"job_id":"1095098195724558337","created_at":"2019-02-11T22:54:08.000Z"}}"#,
        ),
        ("POST", "/2/webhooks/replay") => json(
            r#"{"data":{"job_id":"1095098195724558338","created_at":"2019-02-11T22:54:08.000Z"}}"#,
        ),
        _ => Reply::json(
            404,
            r#"{"errors":[{"code":34,"message":"Sorry, that page does not exist."}]}"#,
        ),
    }
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_yyyymmddhhmm(s).unwrap()
}

fn owner() -> Auth {
    Auth::OAuth1(OWNER_TOKEN.to_owned())
}

fn user() -> Auth {
    Auth::OAuth1(USER_TOKEN.to_owned())
}

fn bearer() -> Auth {
    Auth::Bearer(BEARER.to_owned())
}

/// (method, path, query, auth) of each request.
fn requests(server: &Server) -> Vec<(String, String, Option<String>, Auth)> {
    server
        .seen()
        .into_iter()
        .map(|s| (s.method, s.path, s.query, s.auth))
        .collect()
}

fn req(m: &str, p: &str, q: Option<&str>, a: Auth) -> (String, String, Option<String>, Auth) {
    (m.to_owned(), p.to_owned(), q.map(str::to_owned), a)
}

#[tokio::test]
async fn every_v1_route_with_its_auth() {
    let server = Server::start(x_like).await;
    let client = builder(&server, ApiVersion::V1_1)
        .bearer_token(BEARER)
        .build()
        .unwrap();
    let alice = UserToken::new(USER_TOKEN, USER_SECRET);

    let wh = client.register_webhook(WEBHOOK_URL).await.unwrap();
    assert_eq!(wh.status(), 200);
    assert_eq!(wh.data().id, "1234");
    assert!(wh.data().created().is_some());
    let rl = wh.rate_limit().unwrap();
    assert_eq!(
        (rl.limit, rl.remaining, rl.reset_epoch_secs()),
        (15, 14, 1_900_000_000)
    );
    assert_eq!(client.last_rate_limit(), Some(rl));

    let list = client.list_webhooks().await.unwrap().into_data();
    assert_eq!(list.webhooks.len(), 1);
    let crc = client.trigger_crc("1234").await.unwrap();
    assert_eq!((crc.status(), crc.data().valid), (204, Some(true)));
    let sub = client
        .subscribe("1234")
        .as_user(alice.clone())
        .await
        .unwrap();
    assert_eq!(sub.data().subscribed, Some(true));
    let check = client.check_subscription("1234").await.unwrap();
    assert_eq!(check.data().subscribed, Some(true));
    let count = client.count_subscriptions().await.unwrap().into_data();
    assert_eq!(count.active(), Some(3));
    let subs = client.list_subscriptions("1234").await.unwrap().into_data();
    assert_eq!(subs.subscriptions[0].user_id, UserId::new(3_001_969_357));
    let gone = client.deactivate("1234").as_user(alice).await.unwrap();
    assert_eq!(gone.data().subscribed, Some(false));
    let gone = client
        .deactivate_user("1234", UserId::new(42))
        .await
        .unwrap();
    assert_eq!(gone.data().subscribed, Some(false));
    let job = client
        .replay("1234", ts("201902112200"), ts("201902112300"))
        .await
        .unwrap();
    assert_eq!(
        (job.status(), job.data().job_id.as_str()),
        (202, "1095098195724558337")
    );
    let deleted = client.delete_webhook("1234").await.unwrap();
    assert_eq!(deleted.data().deleted, Some(true));
    let err = client
        .webhook_replay("1234", ts("201902112200"), ts("201902112300"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unsupported);

    let a = "/1.1/account_activity";
    assert_eq!(
        requests(&server),
        vec![
            req(
                "POST",
                &format!("{a}/webhooks.json"),
                Some("url=https%3A%2F%2Fexample.com%2Fwebhooks%2Fx"),
                owner()
            ),
            req("GET", &format!("{a}/webhooks.json"), None, bearer()),
            req("PUT", &format!("{a}/webhooks/1234.json"), None, owner()),
            req(
                "POST",
                &format!("{a}/webhooks/1234/subscriptions/all.json"),
                None,
                user()
            ),
            req(
                "GET",
                &format!("{a}/webhooks/1234/subscriptions/all.json"),
                None,
                owner()
            ),
            req(
                "GET",
                &format!("{a}/subscriptions/count.json"),
                None,
                bearer()
            ),
            req(
                "GET",
                &format!("{a}/webhooks/1234/subscriptions/all/list.json"),
                None,
                bearer()
            ),
            req(
                "DELETE",
                &format!("{a}/webhooks/1234/subscriptions/all.json"),
                None,
                user()
            ),
            req(
                "DELETE",
                &format!("{a}/webhooks/1234/subscriptions/42/all.json"),
                None,
                bearer()
            ),
            req(
                "POST",
                &format!("{a}/replay/webhooks/1234/subscriptions/all.json"),
                Some("from_date=201902112200&to_date=201902112300"),
                bearer()
            ),
            req("DELETE", &format!("{a}/webhooks/1234.json"), None, owner()),
        ]
    );
}

#[tokio::test]
async fn every_v2_route_with_its_auth_and_a_fetched_bearer() {
    let server = Server::start(x_like).await;
    let client = builder(&server, ApiVersion::V2).build().unwrap();
    let alice = UserToken::new(USER_TOKEN, USER_SECRET);

    let wh = client
        .register_webhook(WEBHOOK_URL)
        .await
        .unwrap()
        .into_data();
    assert_eq!((wh.id.as_str(), wh.valid), ("1234", Some(true)));
    let list = client.list_webhooks().await.unwrap().into_data();
    assert_eq!((list.webhooks.len(), list.result_count), (1, Some(1)));
    let crc = client.trigger_crc("1234").await.unwrap().into_data();
    assert_eq!((crc.attempted, crc.valid), (Some(true), Some(true)));
    let sub = client
        .subscribe("1234")
        .as_user(alice.clone())
        .await
        .unwrap()
        .into_data();
    assert_eq!(sub.subscribed, Some(true));
    let check = client
        .check_subscription("1234")
        .as_user(alice)
        .await
        .unwrap()
        .into_data();
    assert_eq!(check.subscribed, Some(true));
    let count = client.count_subscriptions().await.unwrap().into_data();
    assert_eq!(
        (count.active(), count.provisioned_count),
        (Some(3), Some(50))
    );
    let subs = client.list_subscriptions("1234").await.unwrap().into_data();
    assert_eq!(
        subs.webhook_id.as_ref().map(aaa_model::WebhookId::as_str),
        Some("1234")
    );
    let gone = client
        .deactivate_user("1234", UserId::new(42))
        .await
        .unwrap()
        .into_data();
    assert_eq!(gone.subscribed, Some(false));
    let job = client
        .replay("1234", ts("201902112200"), ts("201902112300"))
        .await
        .unwrap();
    assert_eq!(job.data().job_id.as_str(), "1095098195724558337");
    let job = client
        .webhook_replay("1234", ts("201902112200"), ts("201902112300"))
        .await
        .unwrap();
    assert_eq!(job.data().job_id.as_str(), "1095098195724558338");
    let deleted = client.delete_webhook("1234").await.unwrap().into_data();
    assert_eq!(deleted.deleted, Some(true));
    let err = client.deactivate("1234").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unsupported);

    let b = "/2/account_activity";
    assert_eq!(
        requests(&server),
        vec![
            req("POST", "/oauth2/token", None, Auth::Basic),
            req("POST", "/2/webhooks", None, bearer()),
            req("GET", "/2/webhooks", None, bearer()),
            req("PUT", "/2/webhooks/1234", None, bearer()),
            req(
                "POST",
                &format!("{b}/webhooks/1234/subscriptions/all"),
                None,
                user()
            ),
            req(
                "GET",
                &format!("{b}/webhooks/1234/subscriptions/all"),
                None,
                user()
            ),
            req("GET", &format!("{b}/subscriptions/count"), None, bearer()),
            req(
                "GET",
                &format!("{b}/webhooks/1234/subscriptions/all/list"),
                None,
                bearer()
            ),
            req(
                "DELETE",
                &format!("{b}/webhooks/1234/subscriptions/42/all"),
                None,
                bearer()
            ),
            req(
                "POST",
                &format!("{b}/replay/webhooks/1234/subscriptions/all"),
                Some("from_date=201902112200&to_date=201902112300"),
                bearer()
            ),
            req("POST", "/2/webhooks/replay", None, bearer()),
            req("DELETE", "/2/webhooks/1234", None, bearer()),
        ]
    );
    let seen = server.seen();
    assert_eq!(seen[0].body.as_ref(), b"grant_type=client_credentials");
    assert_eq!(seen[1].content_type.as_deref(), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&seen[1].body).unwrap();
    assert_eq!(body, serde_json::json!({ "url": WEBHOOK_URL }));
    let body: serde_json::Value = serde_json::from_slice(&seen[10].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"webhook_id": "1234", "from_date": "201902112200", "to_date": "201902112300"})
    );
}

fn error_server(
    status: u16,
    content_type: &'static str,
    body: &'static str,
) -> impl Fn(&support::Seen, usize) -> Reply {
    move |_, _| Reply {
        delay: None,
        status,
        headers: vec![("content-type", content_type.to_owned())],
        body: body.to_owned(),
    }
}

#[tokio::test]
async fn v1_error_codes_decode() {
    let cases: [(u16, &'static str, ErrorKind, i64); 3] = [
        (
            403,
            r#"{"errors":[{"code":214,"message":"Webhook URL does not meet the requirements."}]}"#,
            ErrorKind::Api,
            214,
        ),
        (
            404,
            r#"{"errors":[{"code":34,"message":"Sorry, that page does not exist."}]}"#,
            ErrorKind::Api,
            34,
        ),
        (
            401,
            r#"{"errors":[{"code":32,"message":"Could not authenticate you."}]}"#,
            ErrorKind::Authentication,
            32,
        ),
    ];
    for (status, body, kind, code) in cases {
        let server = Server::start(error_server(status, "application/json", body)).await;
        let client = builder(&server, ApiVersion::V1_1)
            .max_retries(0)
            .build()
            .unwrap();
        let err = client.trigger_crc("1234").await.unwrap_err();
        assert_eq!(
            (err.kind(), err.status(), err.code()),
            (&kind, Some(status), Some(code))
        );
        assert!(err.message().unwrap().len() > 5, "{err}");
        if kind == ErrorKind::Authentication {
            assert_eq!(err.auth(), Some(AuthKind::OAuth1AppOwner));
            assert!(
                err.to_string().contains("oauth 1.0a as the app owner"),
                "{err}"
            );
        } else {
            assert_eq!(err.auth(), None);
        }
    }
}

#[tokio::test]
async fn bad_signature_is_an_authentication_error_naming_the_needed_auth() {
    let server = Server::start(x_like).await;
    let client = builder(&server, ApiVersion::V1_1)
        .consumer(CONSUMER_KEY, "not-the-secret")
        .build()
        .unwrap();
    let err = client.subscribe("1234").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Authentication);
    assert_eq!((err.status(), err.code()), (Some(401), Some(32)));
    assert_eq!(err.auth(), Some(AuthKind::OAuth1User));
    assert!(matches!(server.seen()[0].auth, Auth::Bad(_)));
}

#[tokio::test]
async fn rate_limit_code_88_carries_the_reset() {
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 600;
    let server = Server::start(move |_, _| {
        Reply::json(
            429,
            r#"{"errors":[{"code":88,"message":"Rate limit exceeded"}]}"#,
        )
        .header("x-rate-limit-limit", 15)
        .header("x-rate-limit-remaining", 0)
        .header("x-rate-limit-reset", reset)
    })
    .await;
    let client = builder(&server, ApiVersion::V1_1)
        .wait_on_rate_limit(Duration::from_secs(2))
        .bearer_token(BEARER)
        .build()
        .unwrap();
    let err = client.list_webhooks().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (&ErrorKind::RateLimited, Some(88))
    );
    assert_eq!(err.reset(), Some(UNIX_EPOCH + Duration::from_secs(reset)));
    assert_eq!(err.rate_limit().unwrap().remaining, 0);
    // The reset reads as a time and a wait, not as epoch seconds.
    let text = err.to_string();
    assert!(
        text.contains(" UTC, in 9m ") || text.contains(" UTC, in 10m "),
        "{err}"
    );
    assert!(!text.contains(&reset.to_string()), "{err}");
    // The reset is beyond the cap, so the client did not wait and did not retry.
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn v2_problem_json_decodes() {
    let server = Server::start(error_server(
        400,
        "application/problem+json",
        r#"{"type":"https://api.x.com/2/problems/invalid-request","title":"Invalid Request","detail":"One or more parameters to your request was invalid.","status":400}"#,
    ))
    .await;
    let client = builder(&server, ApiVersion::V2)
        .bearer_token(BEARER)
        .build()
        .unwrap();
    let err = client.list_webhooks().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.code()),
        (&ErrorKind::Api, Some(400), None)
    );
    assert_eq!(
        err.message(),
        Some("Invalid Request: One or more parameters to your request was invalid.")
    );
}

#[tokio::test]
async fn waits_out_a_short_rate_limit_when_allowed() {
    let server = Server::start(|_, i| {
        if i == 0 {
            let reset = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 1;
            Reply::json(429, r#"{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}"#)
                .header("x-rate-limit-limit", 15)
                .header("x-rate-limit-remaining", 0)
                .header("x-rate-limit-reset", reset)
        } else {
            Reply::json(200, r#"{"data":{"account_name":"a","subscriptions_count_all":"1"}}"#)
        }
    })
    .await;
    let waiting = builder(&server, ApiVersion::V2)
        .bearer_token(BEARER)
        .wait_on_rate_limit(Duration::from_secs(3))
        .build()
        .unwrap();
    let started = Instant::now();
    let count = waiting.count_subscriptions().await.unwrap();
    assert_eq!(count.data().active(), Some(1));
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(server.seen().len(), 2);

    let impatient = builder(&server, ApiVersion::V2)
        .bearer_token(BEARER)
        .build()
        .unwrap();
    // The server now answers 200; a fresh server is needed to see the error path.
    drop(impatient);
    let server = Server::start(|_, _| {
        Reply::json(429, r#"{"title":"Too Many Requests","status":429}"#)
            .header("x-rate-limit-limit", 15)
            .header("x-rate-limit-remaining", 0)
            .header("x-rate-limit-reset", 2_000_000_000u64)
    })
    .await;
    let impatient = builder(&server, ApiVersion::V2)
        .bearer_token(BEARER)
        .build()
        .unwrap();
    let err = impatient.count_subscriptions().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::RateLimited);
    assert_eq!(
        err.reset(),
        Some(UNIX_EPOCH + Duration::from_secs(2_000_000_000))
    );
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn retries_only_idempotent_calls_after_5xx() {
    // Two 503s, then success.
    let flaky = |_: &support::Seen, i: usize| {
        if i < 2 {
            Reply::json(503, r#"{"title":"Service Unavailable","status":503}"#)
        } else {
            Reply::json(200, r#"{"data":{"valid":true}}"#)
        }
    };
    let server = Server::start(flaky).await;
    let client = builder(&server, ApiVersion::V2)
        .bearer_token(BEARER)
        .build()
        .unwrap();
    let ok = client.trigger_crc("1234").await.unwrap();
    assert_eq!(ok.data().valid, Some(true));
    assert_eq!(server.seen().len(), 3);

    let server = Server::start(flaky).await;
    let client = builder(&server, ApiVersion::V2)
        .bearer_token(BEARER)
        .build()
        .unwrap();
    let err = client.register_webhook(WEBHOOK_URL).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (&ErrorKind::Api, Some(503)));
    assert_eq!(server.seen().len(), 1, "a POST is never retried");

    let server = Server::start(|_, _| Reply::json(500, "{}")).await;
    let client = builder(&server, ApiVersion::V2)
        .bearer_token(BEARER)
        .max_retries(1)
        .build()
        .unwrap();
    let err = client.list_webhooks().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(server.seen().len(), 2, "one try and one retry");
}

#[tokio::test]
async fn connect_errors_are_typed() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .bearer_token(BEARER)
        .max_retries(1)
        .retry_backoff(Duration::from_millis(1))
        .build()
        .unwrap();
    let err = client.list_webhooks().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Connect);
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn webhook_url_is_checked_before_any_call() {
    let server = Server::start(x_like).await;
    let client = builder(&server, ApiVersion::V2)
        .bearer_token(BEARER)
        .build()
        .unwrap();
    for bad in [
        "http://example.com/webhooks/x",
        "https://example.com:8443/webhooks/x",
        "https://example.com/webhooks/x#frag",
    ] {
        let err = client.register_webhook(bad).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidWebhookUrl, "{bad}");
    }
    assert!(server.seen().is_empty());

    let local = builder(&server, ApiVersion::V2)
        .bearer_token(BEARER)
        .check_webhook_urls(false)
        .build()
        .unwrap();
    local
        .register_webhook("http://127.0.0.1:9/webhooks/x")
        .await
        .unwrap();
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn missing_credentials_name_the_auth() {
    let server = Server::start(x_like).await;
    let client = Client::builder().base_url(&server.base).build().unwrap();
    let err = client.list_webhooks().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.auth()),
        (&ErrorKind::MissingCredentials, Some(AuthKind::Bearer))
    );
    let err = client.subscribe("1234").await.unwrap_err();
    assert_eq!(
        (err.kind(), err.auth()),
        (&ErrorKind::MissingCredentials, Some(AuthKind::OAuth1User))
    );
    assert!(server.seen().is_empty());
}

#[test]
fn base_url_rules_and_redaction() {
    for ok in [
        "https://api.x.com",
        "https://api.twitter.com/",
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:2",
    ] {
        assert!(Client::builder().base_url(ok).build().is_ok(), "{ok}");
    }
    for bad in [
        "http://api.x.com",
        "ftp://x",
        "https://",
        "https://api.x.com?x=1",
        "http://10.0.0.1",
    ] {
        let err = Client::builder().base_url(bad).build().unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidConfig, "{bad}");
    }
    let builder = Client::builder()
        .consumer("key", "consumer-secret-value")
        .app_owner_token("token", "token-secret-value")
        .bearer_token("bearer-secret-value");
    let debug = format!("{builder:?} {:?}", UserToken::new("t", "user-secret-value"));
    assert!(!debug.contains("secret-value"), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
}

#[tokio::test]
async fn a_refused_fetched_bearer_is_fetched_again_once() {
    // The first bearer call is refused as if the token had been invalidated.
    let server = Server::start(|seen, i| {
        if i == 1 {
            Reply::json(401, r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#)
        } else {
            x_like(seen, i)
        }
    })
    .await;
    let client = builder(&server, ApiVersion::V2).build().unwrap();
    let list = client.list_webhooks().await.unwrap().into_data();
    assert_eq!(list.webhooks.len(), 1);
    let paths: Vec<(String, Auth)> = server
        .seen()
        .into_iter()
        .map(|s| (s.path, s.auth))
        .collect();
    assert_eq!(
        paths,
        vec![
            ("/oauth2/token".to_owned(), Auth::Basic),
            ("/2/webhooks".to_owned(), bearer()),
            ("/oauth2/token".to_owned(), Auth::Basic),
            ("/2/webhooks".to_owned(), bearer()),
        ]
    );

    // A bearer token that was given is not replaced: the 401 is the caller's to see.
    let server = Server::start(|_, _| {
        Reply::json(
            401,
            r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#,
        )
    })
    .await;
    let client = builder(&server, ApiVersion::V2)
        .bearer_token("stale")
        .build()
        .unwrap();
    let err = client.list_webhooks().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.auth()),
        (&ErrorKind::Authentication, Some(AuthKind::Bearer))
    );
    assert_eq!(err.message(), Some("Unauthorized"));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn timeouts_are_retried_only_for_idempotent_calls() {
    // The first answer comes after the client's timeout; later ones at once.
    let slow_first = |seen: &support::Seen, i: usize| {
        let reply = x_like(seen, i);
        if i == 0 {
            reply.after(Duration::from_secs(2))
        } else {
            reply
        }
    };
    let server = Server::start(slow_first).await;
    let client = builder(&server, ApiVersion::V2)
        .bearer_token(BEARER)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    let count = client.count_subscriptions().await.unwrap();
    assert_eq!(count.data().active(), Some(3));
    assert_eq!(server.seen().len(), 2);
    assert!(started.elapsed() < Duration::from_secs(2));

    let server = Server::start(slow_first).await;
    let client = builder(&server, ApiVersion::V2)
        .bearer_token(BEARER)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = client.register_webhook(WEBHOOK_URL).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Timeout);
    assert_eq!(server.seen().len(), 1, "a POST is never retried");
}

#[tokio::test]
async fn token_endpoint_failures_are_token_errors() {
    let server = Server::start(|seen, _| {
        if seen.path == "/oauth2/token" {
            Reply::json(403, r#"{"errors":[{"code":99,"label":"authenticity_token_error","message":"Unable to verify your credentials"}]}"#)
        } else {
            Reply::json(200, "{}")
        }
    })
    .await;
    let client = builder(&server, ApiVersion::V2).build().unwrap();
    let err = client.list_webhooks().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.code()),
        (&ErrorKind::Token, Some(403), Some(99))
    );
    assert_eq!(server.seen().len(), 1);

    let server =
        Server::start(|_, _| Reply::json(200, r#"{"token_type":"mac","access_token":"x"}"#)).await;
    let client = builder(&server, ApiVersion::V2).build().unwrap();
    let err = client.count_subscriptions().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Token);
    assert_eq!(server.seen().len(), 1);
}
