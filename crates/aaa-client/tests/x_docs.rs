//! Every example body of X's enterprise Account Activity API reference (the project's copies in
//! `fixtures/x-docs/`) decodes into the types the client returns.

use std::path::PathBuf;

use aaa_model::rest::{SubscriptionCount, SubscriptionList, Webhook, WebhookList, error_summary};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/x-docs")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn register_and_list_webhooks() {
    let body = fixture("register-200.json");
    let w: Webhook<'_> = serde_json::from_slice(&body).unwrap();
    assert_eq!(w.id.to_string(), "1234567890");
    assert_eq!(
        w.url.to_string(),
        "https://your_domain.com/webhook/twitter/0"
    );
    assert_eq!(w.valid, Some(true));
    assert_eq!(w.created().unwrap().as_secs(), 1_464_911_642);

    let body = fixture("list-webhooks-200.json");
    let list: WebhookList<'_> = serde_json::from_slice(&body).unwrap();
    assert_eq!(list.webhooks.len(), 2);
    assert_eq!(list.webhooks[1].id.to_string(), "2468013579");
    assert!(list.webhooks.iter().all(|w| w.created().is_some()));
}

#[test]
fn count_and_list_subscriptions() {
    let body = fixture("count-200.json");
    let count: SubscriptionCount<'_> = serde_json::from_slice(&body).unwrap();
    assert_eq!(count.account_name.as_deref(), Some("my-account"));
    assert_eq!(count.active(), Some(1));
    assert_eq!(count.subscriptions_count_direct_messages, Some(0));
    assert_eq!(count.provisioned_count, Some(50));

    let body = fixture("list-subscriptions-200.json");
    let list: SubscriptionList<'_> = serde_json::from_slice(&body).unwrap();
    assert_eq!(list.webhook_id.unwrap().to_string(), "1234567890");
    assert_eq!(list.application_id.unwrap().to_string(), "11231812");
    assert_eq!(list.subscriptions.len(), 1);
    assert_eq!(list.subscriptions[0].user_id.to_string(), "20212306");
}

#[test]
fn documented_errors() {
    for (name, code, message) in [
        (
            "register-403.json",
            214,
            "Too many resources already created.",
        ),
        ("count-401.json", 32, "Could not authenticate you."),
        (
            "list-subscriptions-401.json",
            32,
            "Could not authenticate you.",
        ),
    ] {
        let (got_code, got_message) = error_summary(&fixture(name)).unwrap();
        assert_eq!(
            (got_code, got_message.as_str()),
            (Some(code), message),
            "{name}"
        );
    }
}
