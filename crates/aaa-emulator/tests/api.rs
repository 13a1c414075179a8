//! The emulator over real loopback HTTP: OAuth 1.0a checks (with an OAuth signer written here
//! from RFC 5849, and with aaa-crypto's), bearer tokens, CRC on register against a real
//! responder, the webhook limit, subscriptions in both versions and rate limits.

mod common;

use common::*;

use std::sync::atomic::Ordering;
use std::time::Duration;

use aaa_emulator::RateLimits;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{Method, StatusCode};

#[tokio::test]
async fn oauth_failures_answer_code_32() {
    let h = Harness::start(1, |_| {}).await;
    let path = "/1.1/account_activity/webhooks/5/subscriptions/all.json";

    // A good signature gets past authentication: the webhook simply does not exist.
    let r = h.user(Method::GET, path, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        v1_error(&r),
        (
            34,
            "Webhook does not exist or is associated with a different twitter application.".into()
        )
    );

    // aaa-crypto's signer is accepted too.
    let creds = aaa_crypto::oauth1::Credentials::new(CK, CS).with_token(OWNER_TOKEN, OWNER_SECRET);
    let url = format!("{}{path}", h.base);
    let signed = aaa_crypto::oauth1::Signer::new(creds)
        .sign(&aaa_crypto::oauth1::Request::new("GET", url.as_str()))
        .unwrap();
    let r = h
        .send(Method::GET, path, Some(signed.header.clone()), None, "")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let refused = |r: &Reply| {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);
        assert_eq!(v1_error(r), (32, "Could not authenticate you.".into()));
    };

    // Tampered signature: one character of the signature changed.
    let good = h.sign(
        &Method::GET,
        path,
        CK,
        CS,
        OWNER_CREDS,
        None,
        "tamper1",
        now(),
    );
    let sig_at = good.find("oauth_signature=\"").unwrap() + 17;
    let mut tampered = good.clone().into_bytes();
    tampered[sig_at] = if tampered[sig_at] == b'A' { b'B' } else { b'A' };
    let r = h
        .send(
            Method::GET,
            path,
            Some(String::from_utf8(tampered).unwrap()),
            None,
            "",
        )
        .await;
    refused(&r);
    // A signed query parameter that is changed in transit.
    let signed_q = h.sign(
        &Method::GET,
        &format!("{path}?a=1"),
        CK,
        CS,
        OWNER_CREDS,
        None,
        "tamper2",
        now(),
    );
    let r = h
        .send(
            Method::GET,
            &format!("{path}?a=2"),
            Some(signed_q),
            None,
            "",
        )
        .await;
    refused(&r);

    // Stale timestamp: the emulator's clock is 10 minutes ahead.
    h.clock.fetch_add(600, Ordering::SeqCst);
    let r = h.user(Method::GET, path, OWNER_CREDS, None).await;
    refused(&r);
    h.clock.store(now(), Ordering::SeqCst);
    let old = h.sign(
        &Method::GET,
        path,
        CK,
        CS,
        OWNER_CREDS,
        None,
        "old",
        now() - 301,
    );
    refused(&h.send(Method::GET, path, Some(old), None, "").await);

    // Reused nonce: the same signed request twice.
    let once = h.sign(&Method::GET, path, CK, CS, OWNER_CREDS, None, "once", now());
    let r = h
        .send(Method::GET, path, Some(once.clone()), None, "")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    refused(&h.send(Method::GET, path, Some(once), None, "").await);

    // Unknown consumer key, unknown token, wrong token secret.
    let r = h
        .send(
            Method::GET,
            path,
            Some(h.sign(
                &Method::GET,
                path,
                "nokey",
                CS,
                OWNER_CREDS,
                None,
                "k",
                now(),
            )),
            None,
            "",
        )
        .await;
    refused(&r);
    let r = h
        .send(
            Method::GET,
            path,
            Some(h.sign(
                &Method::GET,
                path,
                CK,
                CS,
                ("9-none", OWNER_SECRET),
                None,
                "t",
                now(),
            )),
            None,
            "",
        )
        .await;
    refused(&r);
    let r = h
        .send(
            Method::GET,
            path,
            Some(h.sign(
                &Method::GET,
                path,
                CK,
                CS,
                (OWNER_TOKEN, "wrong"),
                None,
                "s",
                now(),
            )),
            None,
            "",
        )
        .await;
    refused(&r);

    // v2 refuses in its own shape.
    let v2 = "/2/account_activity/webhooks/5/subscriptions/all";
    let r = h
        .send(
            Method::GET,
            v2,
            Some(h.sign(
                &Method::GET,
                v2,
                "nokey",
                CS,
                OWNER_CREDS,
                None,
                "v2",
                now(),
            )),
            None,
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json["title"], "Unauthorized");
    assert_eq!(r.json["status"], 401);
    assert_eq!(r.headers["content-type"], "application/problem+json");
}

#[tokio::test]
async fn bearer_tokens_and_the_wrong_kind_of_auth() {
    let h = Harness::start(1, |_| {}).await;
    let bearer = h.bearer_token(CK, CS).await;
    assert_eq!(
        bearer,
        h.bearer_token(CK, CS).await,
        "the same token comes back"
    );

    let basic = format!("Basic {}", STANDARD.encode(format!("{CK}:wrong")));
    let r = h
        .send(
            Method::POST,
            "/oauth2/token",
            Some(basic),
            Some("application/x-www-form-urlencoded"),
            "grant_type=client_credentials",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["errors"][0]["code"], 99);
    let basic = format!("Basic {}", STANDARD.encode(format!("{CK}:{CS}")));
    let r = h
        .send(
            Method::POST,
            "/oauth2/token",
            Some(basic),
            Some("application/x-www-form-urlencoded"),
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["errors"][0]["code"], 170);

    // Bearer-only endpoints.
    let r = h.bearer(Method::GET, REGISTER_V1, &bearer, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json, serde_json::json!([]));
    let r = h.bearer(Method::GET, "/2/webhooks", &bearer, None).await;
    assert_eq!(r.json["meta"]["result_count"], 0);
    let r = h
        .bearer(
            Method::GET,
            "/1.1/account_activity/subscriptions/count.json",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = h
        .bearer(Method::GET, REGISTER_V1, "Bearer not-a-token", None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(v1_error(&r).0, 32);

    // No credentials at all.
    let r = h.send(Method::GET, REGISTER_V1, None, None, "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(v1_error(&r), (215, "Bad Authentication data.".into()));

    // OAuth 1.0a where only a bearer token is taken, and the other way round.
    let r = h.user(Method::GET, REGISTER_V1, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(v1_error(&r).0, 220);
    let r = h
        .bearer(
            Method::POST,
            "/1.1/account_activity/webhooks/1/subscriptions/all.json",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(v1_error(&r).0, 220);
    let r = h
        .bearer(
            Method::POST,
            &register_path("http://127.0.0.1:1/x"),
            &bearer,
            None,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "v1.1 register takes OAuth 1.0a only"
    );
    let r = h.user(Method::GET, "/2/webhooks", OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["title"], "Unsupported Authentication");
    let r = h
        .bearer(
            Method::POST,
            "/2/account_activity/webhooks/1/subscriptions/all",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["title"], "Unsupported Authentication");
    assert!(
        r.json["detail"]
            .as_str()
            .unwrap()
            .contains("OAuth 2.0 Application-Only is forbidden")
    );
}

#[tokio::test]
async fn register_checks_crc_and_reports_each_failure() {
    let h = Harness::start(10, |_| {}).await;
    let hook = Responder::start(CS).await;
    let expect_214 = |r: &Reply, message: &str| {
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.json);
        assert_eq!(v1_error(r), (214, message.to_owned()));
    };
    let register = |url: String| {
        let h = &h;
        async move {
            h.user(Method::POST, &register_path(&url), OWNER_CREDS, None)
                .await
        }
    };

    hook.set(Mode::WrongToken);
    expect_214(
        &register(hook.url.clone()).await,
        "Webhook URL does not meet the requirements. Invalid CRC token or json response format.",
    );
    hook.set(Mode::BadJson);
    expect_214(
        &register(hook.url.clone()).await,
        "Webhook URL does not meet the requirements. Invalid CRC token or json response format.",
    );
    hook.set(Mode::ServerError);
    expect_214(
        &register(hook.url.clone()).await,
        "Non-200 response code during CRC GET request (i.e. 404, 500, etc).",
    );
    hook.set(Mode::Slow);
    expect_214(
        &register(hook.url.clone()).await,
        "High latency on CRC GET request. Your webhook should respond in less than 3 seconds.",
    );

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}/webhook", closed.local_addr().unwrap());
    drop(closed);
    expect_214(
        &register(dead).await,
        "Webhook URL does not meet the requirements. CRC GET request failed.",
    );
    expect_214(
        &register("http://example.com/webhook".into()).await,
        "Webhook URL does not meet the requirements. Please use HTTPS.",
    );
    let r = h.user(Method::POST, REGISTER_V1, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(v1_error(&r).0, 357);

    let bearer = h.bearer_token(CK, CS).await;
    let r = h.bearer(Method::GET, REGISTER_V1, &bearer, None).await;
    assert_eq!(
        r.json,
        serde_json::json!([]),
        "no failed registration left a webhook"
    );

    // Success, v1.1 (OAuth 1.0a, url in a form body) and v2 (bearer, JSON body).
    hook.set(Mode::Correct);
    let form = format!("url={}", pct(&hook.url));
    let r = h
        .user(Method::POST, REGISTER_V1, OWNER_CREDS, Some(&form))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["url"], hook.url.as_str());
    assert_eq!(r.json["valid"], true);
    assert!(r.json["created_at"].as_str().unwrap().ends_with('Z'));
    // v2 (the same URL may not be registered twice by one app).
    let body = serde_json::json!({ "url": format!("{}&v2=1", hook.url) }).to_string();
    let r = h
        .bearer(Method::POST, "/2/webhooks", &bearer, Some(&body))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert!(r.json["data"]["id"].as_str().is_some());
    assert!(
        r.json["data"]["created_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    // A user who does not own the app may not register.
    let r = h
        .user(Method::POST, &register_path(&hook.url), OTHER_CREDS, None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(v1_error(&r).0, 348);
}

#[tokio::test]
async fn webhook_limit_crc_trigger_and_delete() {
    let h = Harness::start(1, |_| {}).await;
    let hook = Responder::start(CS).await;
    let bearer = h.bearer_token(CK, CS).await;
    let r = h
        .user(Method::POST, &register_path(&hook.url), OWNER_CREDS, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let id = r.json["id"].as_str().unwrap().to_owned();

    let second = format!("{}&second=1", hook.url);
    let r = h
        .user(Method::POST, &register_path(&second), OWNER_CREDS, None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        v1_error(&r),
        (214, "Too many resources already created.".into())
    );

    // PUT re-runs the CRC and sets `valid`.
    hook.set(Mode::ServerError);
    let put = format!("/1.1/account_activity/webhooks/{id}.json");
    let r = h.user(Method::PUT, &put, OWNER_CREDS, None).await;
    assert_eq!(v1_error(&r).0, 214);
    let r = h.bearer(Method::GET, REGISTER_V1, &bearer, None).await;
    assert_eq!(r.json[0]["valid"], false);
    hook.set(Mode::Correct);
    let r = h.user(Method::PUT, &put, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h.bearer(Method::GET, "/2/webhooks", &bearer, None).await;
    assert_eq!(r.json["data"][0]["valid"], true);
    assert_eq!(r.json["data"][0]["id"], id.as_str());
    let r = h
        .bearer(Method::PUT, &format!("/2/webhooks/{id}"), &bearer, None)
        .await;
    assert_eq!(r.json["data"]["attempted"], true);
    let r = h
        .user(
            Method::PUT,
            "/1.1/account_activity/webhooks/404.json",
            OWNER_CREDS,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(v1_error(&r).0, 34);

    // Delete frees the slot.
    let r = h.user(Method::DELETE, &put, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h.user(Method::DELETE, &put, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = h
        .user(Method::POST, &register_path(&hook.url), OWNER_CREDS, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let r = h
        .bearer(Method::DELETE, &format!("/2/webhooks/{id}"), &bearer, None)
        .await;
    assert_eq!(r.json["data"]["deleted"], true);
}

#[tokio::test]
async fn subscriptions_in_both_versions() {
    let h = Harness::start(1, |_| {}).await;
    let hook = Responder::start(CS).await;
    let bearer = h.bearer_token(CK, CS).await;
    let r = h
        .user(Method::POST, &register_path(&hook.url), OWNER_CREDS, None)
        .await;
    let id = r.json["id"].as_str().unwrap().to_owned();
    let v1 = format!("/1.1/account_activity/webhooks/{id}/subscriptions/all.json");
    let v2 = format!("/2/account_activity/webhooks/{id}/subscriptions/all");

    let r = h.user(Method::POST, &v1, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h.user(Method::POST, &v1, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(v1_error(&r), (355, "Subscription already exists.".into()));
    let r = h.user(Method::GET, &v1, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h.user(Method::GET, &v1, OTHER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(v1_error(&r).0, 34);
    let r = h.user(Method::GET, &v2, OTHER_CREDS, None).await;
    assert_eq!(r.json["data"]["subscribed"], false);
    let r = h.user(Method::POST, &v2, OTHER_CREDS, None).await;
    assert_eq!(r.json["data"]["subscribed"], true);
    let r = h.user(Method::GET, &v2, OTHER_CREDS, None).await;
    assert_eq!(r.json["data"]["subscribed"], true);

    let r = h
        .bearer(
            Method::GET,
            "/1.1/account_activity/subscriptions/count.json",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.json["subscriptions_count_all"], "2");
    assert_eq!(r.json["account_name"], "owner");
    let r = h
        .bearer(
            Method::GET,
            "/2/account_activity/subscriptions/count",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.json["data"]["subscriptions_count_all"], "2");
    assert_eq!(r.json["data"]["provisioned_count"], "500");

    let r = h
        .bearer(
            Method::GET,
            &format!("/1.1/account_activity/webhooks/{id}/subscriptions/all/list.json"),
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.json["webhook_id"], id.as_str());
    assert_eq!(
        r.json["subscriptions"],
        serde_json::json!([{"user_id": OWNER}, {"user_id": OTHER}])
    );
    let r = h
        .bearer(Method::GET, &format!("{v2}/list"), &bearer, None)
        .await;
    assert_eq!(r.json["data"]["application_id"], "77");
    assert_eq!(r.json["data"]["subscriptions"].as_array().unwrap().len(), 2);

    // Deactivate: the deprecated user-context form and by user id in both versions.
    let r = h.user(Method::DELETE, &v1, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h.user(Method::GET, &v1, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = h
        .bearer(
            Method::DELETE,
            &format!("/2/account_activity/webhooks/{id}/subscriptions/{OTHER}/all"),
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.json["data"]["subscribed"], false);
    let r = h.user(Method::POST, &v1, OTHER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h
        .bearer(
            Method::DELETE,
            &format!("/1.1/account_activity/webhooks/{id}/subscriptions/{OTHER}/all.json"),
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h
        .bearer(
            Method::GET,
            "/2/account_activity/subscriptions/count",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.json["data"]["subscriptions_count_all"], "0");

    // An unknown webhook, and an app that may not manage subscriptions (348).
    let r = h
        .user(
            Method::POST,
            "/1.1/account_activity/webhooks/1/subscriptions/all.json",
            OWNER_CREDS,
            None,
        )
        .await;
    assert_eq!(v1_error(&r).0, 34);
    let path = format!("/1.1/account_activity/webhooks/{id}/subscriptions/all.json");
    let auth = h.sign(
        &Method::POST,
        &path,
        CK2,
        CS2,
        OWNER_CREDS,
        None,
        "locked",
        now(),
    );
    let r = h.send(Method::POST, &path, Some(auth), None, "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(v1_error(&r).0, 348);
}

#[tokio::test]
async fn rate_limits_are_counted_and_enforced() {
    let h = Harness::start(1, |o| {
        o.rate_limits = RateLimits {
            webhooks: 2,
            v2_webhooks: 2,
            subscriptions: 3,
            replay: 5,
            webhook_replay: 5,
            window: Duration::from_secs(900),
            count: 3,
            list_subscriptions: 3,
        };
    })
    .await;
    let bearer = h.bearer_token(CK, CS).await;
    let header =
        |r: &Reply, name: &str| -> u64 { r.headers[name].to_str().unwrap().parse().unwrap() };
    let r = h.bearer(Method::GET, REGISTER_V1, &bearer, None).await;
    assert_eq!(header(&r, "x-rate-limit-limit"), 2);
    assert_eq!(header(&r, "x-rate-limit-remaining"), 1);
    let reset = header(&r, "x-rate-limit-reset");
    assert!(reset > now() && reset <= now() + 901);
    let r = h.bearer(Method::GET, REGISTER_V1, &bearer, None).await;
    assert_eq!(header(&r, "x-rate-limit-remaining"), 0);
    let r = h.bearer(Method::GET, REGISTER_V1, &bearer, None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(v1_error(&r), (88, "Rate limit exceeded".into()));
    assert_eq!(header(&r, "x-rate-limit-remaining"), 0);
    assert_eq!(header(&r, "x-rate-limit-reset"), reset);

    // Another endpoint has its own window; v2 answers 429 as v1.1 does, as X documents.
    let count = "/2/account_activity/subscriptions/count";
    for left in [2, 1, 0] {
        let r = h.bearer(Method::GET, count, &bearer, None).await;
        assert_eq!(header(&r, "x-rate-limit-remaining"), left);
        assert_eq!(header(&r, "x-rate-limit-limit"), 3);
    }
    let r = h.bearer(Method::GET, count, &bearer, None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(v1_error(&r), (88, "Rate limit exceeded".into()));

    // The window resets.
    h.clock.fetch_add(901, Ordering::SeqCst);
    let r = h.bearer(Method::GET, REGISTER_V1, &bearer, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(header(&r, "x-rate-limit-remaining"), 1);
}

#[tokio::test]
async fn strict_urls_follow_x_rules() {
    let h = Harness::start(1, |o| o.strict_urls = true).await;
    let hook = Responder::start(CS).await;
    let r = h
        .user(Method::POST, &register_path(&hook.url), OWNER_CREDS, None)
        .await;
    assert_eq!(
        v1_error(&r),
        (
            214,
            "Webhook URL does not meet the requirements. Please use HTTPS.".into()
        )
    );
    let r = h
        .user(
            Method::POST,
            &register_path("https://example.com:8443/hook"),
            OWNER_CREDS,
            None,
        )
        .await;
    assert_eq!(
        v1_error(&r),
        (214, "Webhook URL does not meet the requirements.".into())
    );
    let r = h
        .send(
            Method::GET,
            "/1.1/account_activity/nothing.json",
            None,
            None,
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(v1_error(&r).0, 34);
}
