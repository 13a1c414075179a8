//! Management API bodies in their v1.1 and v2 shapes (examples written for these tests after
//! the shapes in X's documentation).

use aaa_model::rest::{
    ErrorBody, ProblemKind, ReplayJob, StatusFlags, SubscriptionCount, SubscriptionList, Webhook,
    WebhookList, codes, error_summary,
};
use aaa_model::{Timestamp, UserId};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn webhook_in_both_versions() {
    let v1 = r#"{"id":"1234567890","url":"https://hooks.example.com/x","valid":true,
                 "created_timestamp":"2016-06-02 23:54:02 +0000"}"#;
    let w: Webhook<'_> = serde_json::from_str(v1).unwrap();
    assert_eq!(w.id, "1234567890");
    assert_eq!(w.url, "https://hooks.example.com/x");
    assert_eq!(w.valid, Some(true));
    assert_eq!(w.created(), Some(ts("2016-06-02T23:54:02Z")));

    let v2 = r#"{"data":{"id":"1234567890","url":"https://hooks.example.com/x","valid":false,
                 "created_at":"2025-01-15T12:00:00.000Z"}}"#;
    let w: Webhook<'_> = serde_json::from_str(v2).unwrap();
    assert_eq!(w.valid, Some(false));
    assert_eq!(w.created(), Some(ts("2025-01-15T12:00:00Z")));
    let json = serde_json::to_string(&w).unwrap();
    assert_eq!(
        json,
        r#"{"id":"1234567890","url":"https://hooks.example.com/x","valid":false,"created_at":"2025-01-15T12:00:00.000Z"}"#
    );
    assert_eq!(serde_json::from_str::<Webhook<'_>>(&json).unwrap(), w);

    assert!(serde_json::from_str::<Webhook<'_>>(r#"{"url":"https://x"}"#).is_err());
    assert!(serde_json::from_str::<Webhook<'_>>(r#"{"data":{"id":"1"}}"#).is_err());
}

#[test]
fn webhook_lists() {
    let v1 = r#"[{"id":"1","url":"https://a.example","valid":true,"created_timestamp":"2016-06-02 23:54:02 +0000"},
                 {"id":"2","url":"https://b.example","valid":false,"created_timestamp":"2016-06-03 00:00:00 +0000"}]"#;
    let list: WebhookList<'_> = serde_json::from_str(v1).unwrap();
    assert_eq!(list.webhooks.len(), 2);
    assert_eq!(list.result_count, None);
    assert_eq!(list.webhooks[1].valid, Some(false));

    let v2 = r#"{"data":[{"created_at":"2025-01-15T12:00:00.000Z","id":"1","url":"https://a.example","valid":true}],
                 "meta":{"result_count":1}}"#;
    let list: WebhookList<'_> = serde_json::from_str(v2).unwrap();
    assert_eq!(list.webhooks[0].id, "1");
    assert_eq!(list.result_count, Some(1));
    let json = serde_json::to_string(&list).unwrap();
    assert_eq!(
        serde_json::from_str::<WebhookList<'_>>(&json).unwrap(),
        list
    );

    let empty: WebhookList<'_> =
        serde_json::from_str(r#"{"data":[],"meta":{"result_count":0}}"#).unwrap();
    assert!(empty.webhooks.is_empty());
    let no_data: WebhookList<'_> = serde_json::from_str(r#"{"meta":{"result_count":0}}"#).unwrap();
    assert!(no_data.webhooks.is_empty());
    assert_eq!(
        serde_json::to_string(&WebhookList::new(Vec::new())).unwrap(),
        r#"{"data":[],"meta":{"result_count":0}}"#
    );

    let envs = r#"{"environments":[{"environment_name":"prod","webhooks":[{"id":"9","url":"https://c.example","valid":true}]}]}"#;
    let list: WebhookList<'_> = serde_json::from_str(envs).unwrap();
    assert_eq!(list.webhooks[0].id, "9");

    assert!(serde_json::from_str::<WebhookList<'_>>(r#""webhooks""#).is_err());
}

#[test]
fn subscription_lists() {
    let v1 = r#"{"environment":"appname","application_id":"13090192",
                 "subscriptions":[{"user_id":"3001969357"},{"user_id":"4337869213"}]}"#;
    let list: SubscriptionList<'_> = serde_json::from_str(v1).unwrap();
    assert_eq!(list.environment.as_deref(), Some("appname"));
    assert_eq!(list.application_id.unwrap().get(), 13_090_192);
    assert_eq!(list.subscriptions[1].user_id, UserId::new(4_337_869_213));

    let v2 = r#"{"data":{"application_id":"13090192","webhook_id":"1146654567674912769",
                 "webhook_url":"https://hooks.example.com/x","subscriptions":[{"user_id":"3001969357"}]}}"#;
    let list: SubscriptionList<'_> = serde_json::from_str(v2).unwrap();
    assert_eq!(list.webhook_id.as_ref().unwrap(), "1146654567674912769");
    assert_eq!(
        list.webhook_url.as_deref(),
        Some("https://hooks.example.com/x")
    );
    assert_eq!(list.subscriptions.len(), 1);
    let json = serde_json::to_string(&list).unwrap();
    assert_eq!(
        serde_json::from_str::<SubscriptionList<'_>>(&json).unwrap(),
        list
    );

    let none: SubscriptionList<'_> = serde_json::from_str(r#"{"data":{}}"#).unwrap();
    assert!(none.subscriptions.is_empty());
}

#[test]
fn subscription_counts() {
    let v1 = r#"{"account_name":"my-account","subscriptions_count_all":3,"subscriptions_count_direct_messages":0}"#;
    let c: SubscriptionCount<'_> = serde_json::from_str(v1).unwrap();
    assert_eq!(c.active(), Some(3));
    assert_eq!(c.subscriptions_count_direct_messages, Some(0));

    let v2 = r#"{"data":{"account_name":"my-app","provisioned_count":"50",
                 "subscriptions_count_all":"7","subscriptions_count_direct_messages":"0"}}"#;
    let c: SubscriptionCount<'_> = serde_json::from_str(v2).unwrap();
    assert_eq!(c.provisioned_count, Some(50));
    assert_eq!(c.active(), Some(7));

    let old = r#"{"account_name":"x","subscriptions_count":"2"}"#;
    let c: SubscriptionCount<'_> = serde_json::from_str(old).unwrap();
    assert_eq!(c.active(), Some(2));

    assert!(
        serde_json::from_str::<SubscriptionCount<'_>>(r#"{"subscriptions_count_all":"many"}"#)
            .is_err()
    );
}

#[test]
fn replay_jobs() {
    let created = ts("2026-02-13T12:00:00Z");
    let v1 = r#"{"job_id":"1095098195724558337","created_at":"2026-02-13T12:00:00.000Z"}"#;
    let job: ReplayJob<'_> = serde_json::from_str(v1).unwrap();
    assert_eq!(job.job_id, "1095098195724558337");
    assert_eq!(job.created_at, Some(created));

    let v2 = r#"{"data":{"job_id":"1095098195724558337","created_at":"2026-02-13T12:00:00.000Z"}}"#;
    assert_eq!(serde_json::from_str::<ReplayJob<'_>>(v2).unwrap(), job);

    let guide = r#"{"for_user_id":"42","replay_event":{"job_id":"1095098195724558337","created_at":"2026-02-13T12:00:00.000Z"}}"#;
    let g: ReplayJob<'_> = serde_json::from_str(guide).unwrap();
    assert_eq!(g.for_user_id, Some(UserId::new(42)));
    assert_eq!(g.job_id, job.job_id);

    let written = ReplayJob::new("77", created);
    assert_eq!(
        serde_json::to_string(&written).unwrap(),
        r#"{"data":{"job_id":"77","created_at":"2026-02-13T12:00:00.000Z"}}"#
    );
    assert!(serde_json::from_str::<ReplayJob<'_>>(r#"{"data":{}}"#).is_err());
}

#[test]
fn status_flags() {
    let s: StatusFlags = serde_json::from_str(r#"{"data":{"subscribed":true}}"#).unwrap();
    assert_eq!(s, StatusFlags::subscribed(true));
    let s: StatusFlags = serde_json::from_str(r#"{"data":{"deleted":true}}"#).unwrap();
    assert_eq!(s.deleted, Some(true));
    let s: StatusFlags = serde_json::from_str(r#"{"valid":"false"}"#).unwrap();
    assert_eq!(s, StatusFlags::valid(false));
    assert_eq!(
        serde_json::to_string(&StatusFlags::subscribed(false)).unwrap(),
        r#"{"data":{"subscribed":false}}"#
    );
    assert_eq!(
        serde_json::to_string(&StatusFlags::attempted(true)).unwrap(),
        r#"{"data":{"attempted":true}}"#
    );
}

#[test]
fn error_bodies() {
    let v1 = r#"{"errors":[{"code":214,"message":"Webhook URL does not meet the requirements. Invalid CRC token or json response format."}]}"#;
    let e: ErrorBody<'_> = serde_json::from_str(v1).unwrap();
    assert_eq!(e.code(), Some(codes::WEBHOOK_PROBLEM));
    assert!(e.message().starts_with("Webhook URL does not meet"));

    let two = r#"{"errors":[{"code":"88","message":"Rate limit exceeded"},{"code":32,"message":"Could not authenticate you."}]}"#;
    assert_eq!(
        error_summary(two.as_bytes()),
        Some((
            Some(codes::RATE_LIMITED),
            "Rate limit exceeded; Could not authenticate you.".to_owned()
        ))
    );

    let v2 = r#"{"errors":[{"parameters":{"url":["http://x"]},"message":"The `url` query parameter value [http://x] is not valid"}],
                 "title":"Invalid Request","detail":"One or more parameters to your request was invalid.",
                 "type":"https://api.x.com/2/problems/invalid-request"}"#;
    let e: ErrorBody<'_> = serde_json::from_str(v2).unwrap();
    assert_eq!(e.code(), None);
    assert_eq!(
        e.message(),
        "The `url` query parameter value [http://x] is not valid"
    );
    assert!(e.errors[0].parameters.as_ref().unwrap()["url"].is_array());

    let problem =
        r#"{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Unauthorized"}"#;
    assert_eq!(
        error_summary(problem.as_bytes()),
        Some((None, "Unauthorized".to_owned()))
    );
    let problem =
        r#"{"title":"Forbidden","status":"403","detail":"WebhookIdInvalid","reason":"x"}"#;
    let e: ErrorBody<'_> = serde_json::from_str(problem).unwrap();
    assert_eq!(e.status, Some(403));
    assert_eq!(e.message(), "Forbidden: WebhookIdInvalid");

    let partial = r#"{"errors":[{"title":"Not Found Error","detail":"Could not find webhook with id: [1].",
                      "type":"https://api.x.com/2/problems/resource-not-found","resource_type":"webhook",
                      "resource_id":"1","parameter":"webhook_id","value":"1"}]}"#;
    let e: ErrorBody<'_> = serde_json::from_str(partial).unwrap();
    assert_eq!(e.message(), "Could not find webhook with id: [1].");
    assert_eq!(e.errors[0].resource_type.as_deref(), Some("webhook"));
    assert_eq!(e.problem_kind(), Some(ProblemKind::ResourceNotFound));

    // The OpenAPI spec's flat error shape, as the X Activity API's 429 sends it too.
    let flat = r#"{"code":88,"message":"Rate limit exceeded"}"#;
    assert_eq!(
        error_summary(flat.as_bytes()),
        Some((Some(codes::RATE_LIMITED), "Rate limit exceeded".to_owned()))
    );
    // Problem kinds from type URIs.
    for kind in [
        ProblemKind::InvalidRequest,
        ProblemKind::ResourceNotFound,
        ProblemKind::UsageCapped,
        ProblemKind::Conflict,
    ] {
        assert_eq!(ProblemKind::from_type_uri(&kind.type_uri()), Some(kind));
    }
    assert_eq!(ProblemKind::from_type_uri("about:blank"), None);
    assert_eq!(
        ProblemKind::from_type_uri("https://api.x.com/2/problems/something-new"),
        Some(ProblemKind::Other)
    );

    assert_eq!(
        error_summary(br#"{"error":"invalid_request"}"#),
        Some((None, "invalid_request".to_owned()))
    );
    assert_eq!(error_summary(b"<html>502 Bad Gateway</html>"), None);
    assert_eq!(error_summary(br#"{"data":{"ok":true}}"#), None);
    assert_eq!(error_summary(b""), None);

    let written = ErrorBody::v1(codes::SUBSCRIPTION_EXISTS, "Subscription already exists.");
    assert_eq!(
        serde_json::to_string(&written).unwrap(),
        r#"{"errors":[{"code":355,"message":"Subscription already exists."}]}"#
    );
    let problem = ErrorBody::problem(429, "Too Many Requests", "Rate limit exceeded");
    let json = serde_json::to_string(&problem).unwrap();
    assert_eq!(
        json,
        r#"{"type":"about:blank","title":"Too Many Requests","status":429,"detail":"Rate limit exceeded"}"#
    );
    assert_eq!(
        error_summary(json.as_bytes()),
        Some((None, "Too Many Requests: Rate limit exceeded".to_owned()))
    );
}
