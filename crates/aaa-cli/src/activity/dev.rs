//! `aaa dev --api xaa`: the X Activity API round of `aaa dev` - a subscription of every event
//! type for the demo user, delivered to the registered webhook, one event of each triggered and
//! shown as it is stored.

use std::time::Duration;

use aaa_client::{Client, UserToken};
use aaa_emulator::{ActivityTrigger, Emulator, User};
use aaa_model::UserId;
use aaa_model::event::{ActivityFilter, ActivityType};
use aaa_receiver::StoredEvent;
use tokio::sync::mpsc;

use crate::failure::Failure;

/// The keyword of the demo's `news.new` subscription.
const NEWS_KEYWORD: &str = "kestrel";

/// Creates the demo user's subscriptions to every private type (with the user's OAuth 1.0a
/// authorization) or every type (`all`), all delivering to `webhook_id`.
async fn subscribe(
    client: &Client,
    demo: &User,
    webhook_id: &str,
    private_only: bool,
) -> Result<usize, Failure> {
    let user = UserId::new(demo.user_id.parse().unwrap_or_default());
    let token = UserToken::new(demo.access_token.clone(), demo.access_token_secret.as_str());
    let mut n = 0;
    for &ty in ActivityType::ALL {
        if !ty.is_subscribable() || (private_only && !ty.is_private()) {
            continue;
        }
        let filter = if ty == ActivityType::NewsNew {
            ActivityFilter::keyword(NEWS_KEYWORD)
        } else {
            ActivityFilter::user(user)
        };
        let mut req = client
            .create_activity_subscription(ty, filter)
            .tag(format!("aaa dev {ty}"))
            .webhook(webhook_id.to_owned());
        if ty.is_private() {
            req = req.as_user(Some(token.clone()));
        }
        req.await
            .map_err(|e| Failure::new(format!("subscribing @{} to {ty}: {e}", demo.screen_name)))?;
        n += 1;
    }
    Ok(n)
}

/// The X Activity API round: subscriptions, one event of every type (the revoke last), each
/// shown as the receiver stores it; then the private subscriptions the revoke ended are made
/// again. Returns how many events arrived and how many were expected.
pub(crate) async fn round(
    client: &Client,
    emulator: &Emulator,
    demo: &User,
    webhook_id: &str,
    arrivals: &mut mpsc::UnboundedReceiver<StoredEvent>,
    say: impl Fn(&str) -> Result<(), Failure>,
    describe: impl Fn(&StoredEvent) -> String,
) -> Result<(usize, usize), Failure> {
    let made = subscribe(client, demo, webhook_id, false).await?;
    say(&format!(
        "aaa dev: created {made} X Activity API subscriptions for @{} (user id {}), every event \
         type, news.new on the keyword {NEWS_KEYWORD:?}, all delivering to webhook {webhook_id}",
        demo.screen_name, demo.user_id
    ))?;
    let mut types: Vec<ActivityType> = ActivityType::ALL
        .iter()
        .copied()
        .filter(|t| *t != ActivityType::OauthRevoke)
        .collect();
    types.push(ActivityType::OauthRevoke);
    say(&format!(
        "aaa dev: triggering one event of each of the {} event types...",
        types.len()
    ))?;
    let mut seen = 0;
    for ty in &types {
        let trigger = if *ty == ActivityType::NewsNew {
            ActivityTrigger::news(NEWS_KEYWORD)
        } else {
            ActivityTrigger::new(*ty, &demo.user_id)
        };
        emulator
            .trigger_activity(&trigger)
            .map_err(|e| Failure::new(format!("{ty}: {e}")))?;
        match tokio::time::timeout(Duration::from_secs(10), arrivals.recv()).await {
            Ok(Some(event)) => {
                seen += 1;
                say(&describe(&event))?;
            }
            Ok(None) | Err(_) => break,
        }
    }
    // The revoke ended the subscriptions to the demo user's private types; authorize anew.
    subscribe(client, demo, webhook_id, true).await?;
    Ok((seen, types.len()))
}
