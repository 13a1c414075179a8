//! The emulator answers as X's enterprise Account Activity API reference says: HTTP statuses,
//! error codes and messages, body shapes and rate limits, endpoint by endpoint.

mod common;

use common::*;

use http::{Method, StatusCode};

const WEBHOOK_NOT_FOUND: &str =
    "Webhook does not exist or is associated with a different twitter application.";
const PAGE_NOT_FOUND: &str = "Sorry, that page does not exist.";
const NO_VIEW: &str =
    "Your application does not have permission to view subscriptions for the specified webhook.";

fn assert_error(r: &Reply, status: StatusCode, code: i64, message: &str) {
    assert_eq!(r.status, status, "{}", r.json);
    assert_eq!(v1_error(r), (code, message.to_owned()), "{}", r.json);
}

fn limit(r: &Reply) -> u32 {
    r.headers["x-rate-limit-limit"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn register(h: &Harness, url: &str) -> Reply {
    h.user(Method::POST, &register_path(url), OWNER_CREDS, None)
        .await
}

#[tokio::test]
async fn every_crc_failure_of_register_and_validate_is_403_code_214() {
    let h = Harness::start(3, |_| {}).await;
    let hook = Responder::start(CS).await;
    for (mode, message) in [
        (
            Mode::WrongToken,
            "Webhook URL does not meet the requirements. Invalid CRC token or json response format.",
        ),
        (
            Mode::ServerError,
            "Non-200 response code during CRC GET request (i.e. 404, 500, etc).",
        ),
        (
            Mode::Slow,
            "High latency on CRC GET request. Your webhook should respond in less than 3 seconds.",
        ),
    ] {
        hook.set(mode);
        assert_error(
            &register(&h, &hook.url).await,
            StatusCode::FORBIDDEN,
            214,
            message,
        );
    }
    let r = register(&h, "http://example.com/webhook").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.json);
    assert_eq!(v1_error(&r).0, 214);

    hook.set(Mode::Correct);
    let r = register(&h, &hook.url).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let id = r.json["id"].as_str().unwrap().to_owned();
    hook.set(Mode::ServerError);
    let r = h
        .user(
            Method::PUT,
            &format!("/1.1/account_activity/webhooks/{id}.json"),
            OWNER_CREDS,
            None,
        )
        .await;
    assert_error(
        &r,
        StatusCode::FORBIDDEN,
        214,
        "Non-200 response code during CRC GET request (i.e. 404, 500, etc).",
    );
}

#[tokio::test]
async fn code_34_says_which_resource_is_missing() {
    let h = Harness::start(3, |_| {}).await;
    let hook = Responder::start(CS).await;
    let r = h
        .user(
            Method::PUT,
            "/1.1/account_activity/webhooks/404404.json",
            OWNER_CREDS,
            None,
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, 34, WEBHOOK_NOT_FOUND);
    let r = h
        .user(
            Method::POST,
            "/1.1/account_activity/webhooks/404404/subscriptions/all.json",
            OWNER_CREDS,
            None,
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, 34, WEBHOOK_NOT_FOUND);

    let id = register(&h, &hook.url).await.json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = h.bearer_token(CK, CS).await;
    let r = h
        .bearer(
            Method::DELETE,
            &format!("/1.1/account_activity/webhooks/{id}/subscriptions/{OTHER}/all.json"),
            &bearer,
            None,
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, 34, PAGE_NOT_FOUND);
}

#[tokio::test]
async fn count_answers_strings_and_the_enterprise_provisioning() {
    let h = Harness::start(3, |_| {}).await;
    let hook = Responder::start(CS).await;
    let id = register(&h, &hook.url).await.json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = h
        .user(
            Method::POST,
            &format!("/1.1/account_activity/webhooks/{id}/subscriptions/all.json"),
            OTHER_CREDS,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    let bearer = h.bearer_token(CK, CS).await;
    let r = h
        .bearer(
            Method::GET,
            "/1.1/account_activity/subscriptions/count.json",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json,
        serde_json::json!({
            "account_name": "owner",
            "subscriptions_count_all": "1",
            "subscriptions_count_direct_messages": "0",
            "provisioned_count": "500",
        })
    );
}

fn is_documented_created_at(s: &str) -> bool {
    // "2016-06-02T23:54:02Z"
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[tokio::test]
async fn v1_webhooks_carry_created_at_as_documented() {
    let h = Harness::start(3, |_| {}).await;
    let hook = Responder::start(CS).await;
    let r = register(&h, &hook.url).await;
    let obj = r.json.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["created_at", "id", "url", "valid"], "{}", r.json);
    assert!(
        is_documented_created_at(obj["created_at"].as_str().unwrap()),
        "{}",
        r.json
    );
    let bearer = h.bearer_token(CK, CS).await;
    let r = h
        .bearer(
            Method::GET,
            "/1.1/account_activity/webhooks.json",
            &bearer,
            None,
        )
        .await;
    let first = &r.json[0];
    assert!(first.get("created_timestamp").is_none(), "{}", r.json);
    assert!(is_documented_created_at(
        first["created_at"].as_str().unwrap()
    ));
}

#[tokio::test]
async fn each_endpoint_has_its_documented_rate_limit() {
    let h = Harness::start(3, |_| {}).await;
    let hook = Responder::start(CS).await;
    let bearer = h.bearer_token(CK, CS).await;
    let r = register(&h, &hook.url).await;
    assert_eq!(limit(&r), 15, "register");
    let id = r.json["id"].as_str().unwrap().to_owned();
    let webhook = format!("/1.1/account_activity/webhooks/{id}.json");
    let subs = format!("/1.1/account_activity/webhooks/{id}/subscriptions/all.json");
    let list = format!("/1.1/account_activity/webhooks/{id}/subscriptions/all/list.json");
    let count = "/1.1/account_activity/subscriptions/count.json";
    let r = h.user(Method::PUT, &webhook, OWNER_CREDS, None).await;
    assert_eq!(limit(&r), 15, "validate");
    let r = h
        .bearer(
            Method::GET,
            "/1.1/account_activity/webhooks.json",
            &bearer,
            None,
        )
        .await;
    assert_eq!(limit(&r), 15, "list webhooks");
    let r = h.bearer(Method::GET, count, &bearer, None).await;
    assert_eq!(limit(&r), 15, "count");
    let r = h.bearer(Method::GET, &list, &bearer, None).await;
    assert_eq!(limit(&r), 50, "list subscriptions");
    let r = h.user(Method::POST, &subs, OTHER_CREDS, None).await;
    assert_eq!(limit(&r), 500, "subscribe");
    let r = h.user(Method::GET, &subs, OTHER_CREDS, None).await;
    assert_eq!(limit(&r), 500, "check");
    let r = h.user(Method::DELETE, &subs, OTHER_CREDS, None).await;
    assert_eq!(limit(&r), 500, "deactivate");
    let r = h
        .bearer(
            Method::DELETE,
            &format!("/1.1/account_activity/webhooks/{id}/subscriptions/{OTHER}/all.json"),
            &bearer,
            None,
        )
        .await;
    assert_eq!(limit(&r), 500, "deactivate by user id");
    // Count: 15 a window, then 429 code 88, with the headers on every answer.
    for n in 2..=15 {
        let r = h.bearer(Method::GET, count, &bearer, None).await;
        assert_eq!(r.status, StatusCode::OK, "call {n}");
        assert_eq!(r.headers["x-rate-limit-remaining"], (15 - n).to_string());
    }
    let r = h.bearer(Method::GET, count, &bearer, None).await;
    assert_error(&r, StatusCode::TOO_MANY_REQUESTS, 88, "Rate limit exceeded");
    assert_eq!(r.headers["x-rate-limit-remaining"], "0");
    assert!(r.headers.contains_key("x-rate-limit-reset"));

    let r = h.user(Method::DELETE, &webhook, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    assert_eq!(limit(&r), 15, "delete");
}

/// X's rate-limit table (x-api/fundamentals/rate-limits.mdx) gives each `/2/webhooks`
/// endpoint 450 calls per 15 minutes and `POST /2/webhooks/replay` 100; over a limit every API
/// answers 429 with `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`, and X's v2
/// problem types live under `https://api.x.com/2/problems/`.
#[tokio::test]
async fn the_v2_webhook_endpoints_have_xs_v2_limits_and_answers() {
    let h = Harness::start(3, |_| {}).await;
    let hook = Responder::start(CS).await;
    let bearer = h.bearer_token(CK, CS).await;
    let body = serde_json::json!({ "url": hook.url }).to_string();
    let r = h
        .bearer(Method::POST, "/2/webhooks", &bearer, Some(&body))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(limit(&r), 450, "POST /2/webhooks");
    let id = r.json["data"]["id"].as_str().unwrap().to_owned();
    let r = h.bearer(Method::GET, "/2/webhooks", &bearer, None).await;
    assert_eq!(limit(&r), 450, "GET /2/webhooks");
    let r = h
        .bearer(Method::PUT, &format!("/2/webhooks/{id}"), &bearer, None)
        .await;
    assert_eq!(limit(&r), 450, "PUT /2/webhooks/:id");
    let replay = serde_json::json!({
        "webhook_id": id, "from_date": "202001010000", "to_date": "202001010100"
    })
    .to_string();
    let r = h
        .bearer(Method::POST, "/2/webhooks/replay", &bearer, Some(&replay))
        .await;
    assert_eq!(limit(&r), 100, "POST /2/webhooks/replay: {}", r.json);
    // The v1.1 endpoint of the same operation counts in a window of its own.
    let r = h
        .bearer(
            Method::GET,
            "/1.1/account_activity/webhooks.json",
            &bearer,
            None,
        )
        .await;
    assert_eq!(limit(&r), 15);
    assert_eq!(r.headers["x-rate-limit-remaining"], "14");
    let r = h
        .bearer(Method::GET, "/2/nothing/here", &bearer, None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.json["type"], "https://api.x.com/2/problems/resource-not-found",
        "{}",
        r.json
    );

    let h = Harness::start(3, |o| {
        o.rate_limits = aaa_emulator::RateLimits::uniform(1, std::time::Duration::from_secs(900));
    })
    .await;
    let bearer = h.bearer_token(CK, CS).await;
    for path in ["/2/webhooks", "/2/account_activity/subscriptions/count"] {
        let r = h.bearer(Method::GET, path, &bearer, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.json);
        let r = h.bearer(Method::GET, path, &bearer, None).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{path}");
        assert_eq!(
            r.json,
            serde_json::json!({"errors": [{"code": 88, "message": "Rate limit exceeded"}]}),
            "{path}"
        );
        assert_eq!(r.headers["x-rate-limit-remaining"], "0", "{path}");
    }
}

#[tokio::test]
async fn a_user_context_window_is_the_users_and_an_app_only_window_the_apps() {
    let h = Harness::start(3, |_| {}).await;
    let hook = Responder::start(CS).await;
    let id = register(&h, &hook.url).await.json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let subs = format!("/1.1/account_activity/webhooks/{id}/subscriptions/all.json");
    let remaining = |r: &Reply| -> u32 {
        r.headers["x-rate-limit-remaining"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    // Check (500 per window, user auth): each user of the app has a window of their own.
    let r = h.user(Method::GET, &subs, OWNER_CREDS, None).await;
    assert_eq!(remaining(&r), 499, "{}", r.json);
    for n in 1..=3 {
        let r = h.user(Method::GET, &subs, OTHER_CREDS, None).await;
        assert_eq!(remaining(&r), 500 - n, "{}", r.json);
    }
    let r = h.user(Method::GET, &subs, OWNER_CREDS, None).await;
    assert_eq!(
        remaining(&r),
        498,
        "the other user's calls took from this user's window"
    );
    // Count (15 per window, app auth): every bearer token of the app shares the app's window.
    let count = "/1.1/account_activity/subscriptions/count.json";
    let first = h.bearer_token(CK, CS).await;
    let r = h.bearer(Method::GET, count, &first, None).await;
    assert_eq!(remaining(&r), 14, "{}", r.json);
    let second = h.bearer_token(CK, CS).await;
    let r = h.bearer(Method::GET, count, &second, None).await;
    assert_eq!(remaining(&r), 13, "{}", r.json);
}

#[tokio::test]
async fn the_documented_error_codes_occur() {
    let h = Harness::start(3, |_| {}).await;
    let hook = Responder::start(CS).await;
    let id = register(&h, &hook.url).await.json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let count = "/1.1/account_activity/subscriptions/count.json";
    let list = format!("/1.1/account_activity/webhooks/{id}/subscriptions/all/list.json");

    // 99: credentials of an app without Account Activity access.
    let locked = h.bearer_token(CK2, CS2).await;
    let r = h
        .bearer(
            Method::GET,
            "/1.1/account_activity/webhooks.json",
            &locked,
            None,
        )
        .await;
    assert_error(
        &r,
        StatusCode::FORBIDDEN,
        99,
        "You don't have access to this resource.",
    );

    // 32 with 401: credentials X cannot verify.
    for path in [count, list.as_str()] {
        let r = h
            .bearer(Method::GET, path, "Bearer AAAAnotAToken", None)
            .await;
        assert_error(
            &r,
            StatusCode::UNAUTHORIZED,
            32,
            "Could not authenticate you.",
        );
    }

    // 401: another app may not look at this app's webhook's subscriptions, and an app without
    // Account Activity access may not count or list any.
    let other = h.bearer_token(CK3, CS3).await;
    for (bearer, path) in [
        (&other, list.as_str()),
        (&locked, count),
        (&locked, list.as_str()),
    ] {
        let r = h.bearer(Method::GET, path, bearer, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}: {}", r.json);
        assert_eq!(v1_error(&r).1, NO_VIEW, "{path}");
    }
}

#[tokio::test]
async fn a_url_is_registered_once_per_app() {
    let h = Harness::start(3, |_| {}).await;
    let hook = Responder::start(CS).await;
    let r = register(&h, &hook.url).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let r = register(&h, &hook.url).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.json);
    assert_eq!(v1_error(&r).0, 214);
    assert!(v1_error(&r).1.contains("already registered"), "{}", r.json);
    let bearer = h.bearer_token(CK, CS).await;
    let r = h
        .bearer(
            Method::GET,
            "/1.1/account_activity/webhooks.json",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.json.as_array().unwrap().len(), 1, "{}", r.json);
}

#[test]
fn enterprise_defaults() {
    assert_eq!(aaa_emulator::DEFAULT_WEBHOOK_LIMIT, 3);
    assert_eq!(aaa_emulator::DEFAULT_SUBSCRIPTION_LIMIT, 500);
    let every = aaa_emulator::Delivery::default().crc_interval;
    assert_eq!(every, Some(std::time::Duration::from_secs(24 * 60 * 60)));
    let limits = aaa_emulator::RateLimits::default();
    assert_eq!(limits.window, std::time::Duration::from_secs(15 * 60));
}

fn doc_example(name: &str) -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/x-docs")
        .join(name);
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&text).unwrap()
}

/// The shape of a JSON value: its type, the keys of every object and the shape of the first
/// element of every array.
fn shape(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "bool".into(),
        Value::Number(_) => "number".into(),
        Value::String(_) => "string".into(),
        Value::Array(items) => Value::Array(items.iter().take(1).map(shape).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
    }
}

#[tokio::test]
async fn the_emulator_answers_in_the_shapes_of_the_documented_examples() {
    let h = Harness::start(3, |_| {}).await;
    let hook = Responder::start(CS).await;
    let bearer = h.bearer_token(CK, CS).await;

    let r = register(&h, &hook.url).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        shape(&r.json),
        shape(&doc_example("register-200.json")),
        "{}",
        r.json
    );
    let id = r.json["id"].as_str().unwrap().to_owned();
    let r = register(&h, &format!("{}&two=1", hook.url)).await;
    assert_eq!(r.status, StatusCode::OK);

    let r = h
        .bearer(
            Method::GET,
            "/1.1/account_activity/webhooks.json",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        shape(&r.json),
        shape(&doc_example("list-webhooks-200.json")),
        "{}",
        r.json
    );

    register(&h, &format!("{}&three=1", hook.url)).await;
    let r = register(&h, &format!("{}&four=1", hook.url)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json, doc_example("register-403.json"));

    let subs = format!("/1.1/account_activity/webhooks/{id}/subscriptions/all.json");
    assert_eq!(
        h.user(Method::POST, &subs, OTHER_CREDS, None).await.status,
        StatusCode::NO_CONTENT
    );
    let count = "/1.1/account_activity/subscriptions/count.json";
    let r = h.bearer(Method::GET, count, &bearer, None).await;
    assert_eq!(
        shape(&r.json),
        shape(&doc_example("count-200.json")),
        "{}",
        r.json
    );
    let r = h
        .bearer(Method::GET, count, "Bearer AAAAnotatoken", None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json, doc_example("count-401.json"));

    let list = format!("/1.1/account_activity/webhooks/{id}/subscriptions/all/list.json");
    let r = h.bearer(Method::GET, &list, &bearer, None).await;
    assert_eq!(
        shape(&r.json),
        shape(&doc_example("list-subscriptions-200.json")),
        "{}",
        r.json
    );
    let r = h
        .bearer(Method::GET, &list, "Bearer AAAAnotatoken", None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json, doc_example("list-subscriptions-401.json"));
}
