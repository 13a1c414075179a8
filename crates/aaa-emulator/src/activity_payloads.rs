//! Deterministic, realistic X Activity API events: the `payload` and `includes` of every event
//! type, and the `{"data":{...}}` envelope they travel in.
//!
//! The bodies are shaped like the "representative real-world payloads" of X's event payloads
//! page (`x-api/activity/event-payloads.mdx`), which are what X delivers, and not like the
//! OpenAPI spec where the two disagree: posts carry `edit_history_tweet_ids` and
//! `referenced_tweets` (replies `in_reply_to_tweet_id`), counts with their `*_str` twins,
//! includes `tweets`; likes `liked_tweet_author_id` and a string `timestamp_ms`; follows, mutes
//! and blocks users wrapped in `{"data":...}`, as are the includes of a post delete; news items
//! `id`, `name` and `updated_at`. A receiver tested against these bodies reads X's. Every body
//! decodes into `aaa_model`'s typed payloads (a test checks each type).
//!
//! ```
//! use aaa_emulator::activity_payloads::ActivityGenerator;
//! use aaa_emulator::generate::Party;
//! use aaa_model::event::{ActivityFilter, ActivityType};
//! use aaa_model::UserId;
//!
//! let mut g = ActivityGenerator::new(7);
//! let me = Party::new("2244994945", "XDevelopers");
//! let them = Party::new("783214", "X");
//! let event = g.event(ActivityType::FollowFollow, &me, &them, "29820954", 1_780_000_000_000, None);
//! let body = event.envelope(&ActivityFilter::user(UserId::new(2244994945)), Some("follows"));
//! assert!(std::str::from_utf8(&body).unwrap().contains(r#""event_type":"follow.follow""#));
//! ```

use aaa_model::Timestamp;
use aaa_model::event::{ActivityFilter, ActivityType, Direction};
use serde_json::{Value, json};

use crate::generate::Party;
use crate::rng::{Rng, mix};

/// Milliseconds of X's snowflake epoch (2010-11-04).
const TWEPOCH: u64 = 1_288_834_974_657;

const WORDS: &[&str] = &[
    "shipping", "release", "notes", "today", "dark", "mode", "import", "faster", "quiet", "tools",
    "data", "team", "weekend", "coffee", "ferry", "launch", "thanks", "question", "roadmap", "bug",
    "fixed", "docs", "update", "live", "soon", "really", "great", "work", "🚀", "café",
];

const NEWS_CATEGORIES: &[&str] = &["News", "Technology", "Business", "Sports", "Science"];

/// One generated event: its type, the direction it goes (for the types that have one), its
/// `event_uuid`, its `payload` and its `includes`.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratedActivity {
    /// The event type.
    pub event_type: ActivityType,
    /// Which way it goes, seen from the subject (likes, direct messages, chats).
    pub direction: Option<Direction<'static>>,
    /// The delivery's id: a signed 64-bit number, as X's samples show.
    pub event_uuid: String,
    /// The `payload`.
    pub payload: Value,
    /// The `includes`, when the type has some.
    pub includes: Option<Value>,
    /// Words a `news.new` keyword filter matches against (its name and summary).
    pub text: String,
}

impl GeneratedActivity {
    /// The whole delivery body, `{"data":{...}}`, as compact JSON: the same bytes go to the
    /// subscription's webhook and to the stream. `filter` and `tag` are the subscription's.
    pub fn envelope(&self, filter: &ActivityFilter<'_>, tag: Option<&str>) -> Vec<u8> {
        let mut data = serde_json::Map::new();
        data.insert("event_uuid".into(), Value::from(self.event_uuid.as_str()));
        data.insert(
            "filter".into(),
            serde_json::to_value(filter).unwrap_or_else(|_| json!({})),
        );
        data.insert("event_type".into(), Value::from(self.event_type.as_str()));
        if let Some(tag) = tag {
            data.insert("tag".into(), Value::from(tag));
        }
        data.insert("payload".into(), self.payload.clone());
        if let Some(includes) = &self.includes {
            data.insert("includes".into(), includes.clone());
        }
        let body = json!({ "data": Value::Object(data) });
        serde_json::to_vec(&body).unwrap_or_default()
    }

    /// A copy with a fresh `event_uuid` (each subscription's delivery of one happening has its
    /// own).
    #[must_use]
    pub fn with_uuid(&self, event_uuid: String) -> Self {
        GeneratedActivity {
            event_uuid,
            ..self.clone()
        }
    }
}

/// The direction an event of `event_type` goes, seen from the filtered user, when `requested`
/// (`None`: the default): `dm.sent` and `chat.sent` go out and `dm.received` and
/// `chat.received` come in whatever is asked; other likes, direct messages and chats come in
/// unless asked to go out; the other types have no direction.
///
/// # Errors
///
/// A direction for a type that has none, or one contrary to the type (`dm.sent` inbound), with
/// a sentence saying so.
pub fn event_direction(
    event_type: ActivityType,
    requested: Option<&Direction<'_>>,
) -> Result<Option<Direction<'static>>, String> {
    use ActivityType as T;
    let fixed = match event_type {
        T::DmSent | T::ChatSent => Some(Direction::Outbound),
        T::DmReceived | T::ChatReceived => Some(Direction::Inbound),
        _ => None,
    };
    match (requested, fixed) {
        (Some(_), _) if !event_type.takes_direction() => Err(format!(
            "{event_type} has no direction: only likes, direct messages and chats have one"
        )),
        (Some(d), Some(f)) if *d != f => Err(format!("{event_type} always goes {f}, not {d}")),
        (_, Some(f)) => Ok(Some(f)),
        (Some(d), None) => Ok(Some(d.clone().into_owned())),
        (None, None) if event_type.takes_direction() => Ok(Some(Direction::Inbound)),
        (None, None) => Ok(None),
    }
}

/// Deterministic generator of X Activity API events: the same seed and calls give the same
/// events; ids and times strictly increase per generator.
#[derive(Clone, Debug)]
pub struct ActivityGenerator {
    seed: u64,
    rng: Rng,
    last_id: u64,
    last_ms: u64,
}

impl ActivityGenerator {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        ActivityGenerator {
            seed,
            rng: Rng::new(seed ^ 0x5841_4100),
            last_id: 0,
            last_ms: 0,
        }
    }

    /// A signed 64-bit `event_uuid` for a delivery at `now_ms` (negative half the time, as in
    /// X's samples): a snowflake of that time, so uuids never repeat within a generator nor
    /// between runs of one seed at different times (a receiver's store would take a later
    /// run's events for redeliveries of an earlier run's).
    pub fn event_uuid(&mut self, now_ms: u64) -> String {
        let v = self.new_id(now_ms);
        let v = i64::try_from(v).unwrap_or(i64::MAX);
        if self.rng.chance(50) {
            (-v).to_string()
        } else {
            v.to_string()
        }
    }

    /// An event of `event_type` happening to `subject` (the filtered user) with `other` as the
    /// other party, at `now_ms`, for the app `app_id`. `direction` picks which way a like,
    /// message or chat goes; by default `*.sent` go out, `*.received` come in, the rest come in.
    pub fn event(
        &mut self,
        event_type: ActivityType,
        subject: &Party<'_>,
        other: &Party<'_>,
        app_id: &str,
        now_ms: u64,
        direction: Option<&Direction<'_>>,
    ) -> GeneratedActivity {
        use ActivityType as T;
        let ms = self.tick(now_ms);
        let direction = event_direction(event_type, direction)
            .or_else(|_| event_direction(event_type, None))
            .unwrap_or_default();
        let outbound = direction == Some(Direction::Outbound);
        let mut text = String::new();
        let (payload, includes) = match event_type {
            T::ProfileUpdateBio
            | T::ProfileUpdateProfilePicture
            | T::ProfileUpdateBannerPicture
            | T::ProfileUpdateScreenname
            | T::ProfileUpdateGeo
            | T::ProfileUpdateUrl
            | T::ProfileUpdateVerifiedBadge
            | T::ProfileUpdateAffiliateBadge
            | T::ProfileUpdateHandle => {
                let (before, after) = self.profile_change(event_type, subject);
                (json!({"before": before, "after": after}), None)
            }
            T::NewsNew => {
                let name = format!("{} {}", capitalize(&self.words(3)), other.screen_name);
                let summary = format!(
                    "{} {}. {}.",
                    capitalize(&self.words(8)),
                    other.screen_name,
                    capitalize(&self.words(10))
                );
                text = format!("{name} {summary}");
                let id = self.new_id(ms);
                (
                    json!({
                        "id": id.to_string(),
                        "name": name,
                        "category": self.rng.word(NEWS_CATEGORIES),
                        "hook": format!("{}?", capitalize(&self.words(6))),
                        "summary": summary,
                        "updated_at": rfc3339(ms),
                    }),
                    None,
                )
            }
            T::FollowFollow | T::FollowUnfollow => {
                let (source, target) = if self.rng.chance(50) {
                    (subject, other)
                } else {
                    (other, subject)
                };
                (
                    json!({"source": {"data": self.user(source)}, "target": {"data": self.user(target)}}),
                    None,
                )
            }
            T::MuteMute | T::MuteUnmute | T::BlockBlock | T::BlockUnblock => (
                json!({"source": {"data": self.user(subject)}, "target": {"data": self.user(other)}}),
                None,
            ),
            T::SpacesStart | T::SpacesEnd => {
                let inner = if event_type == T::SpacesStart {
                    "spaces_start"
                } else {
                    "spaces_end"
                };
                (
                    json!({
                        "user": {"data": self.user(subject)},
                        "broadcast_id": self.broadcast_id(subject),
                        "event_type": inner,
                    }),
                    None,
                )
            }
            T::BroadcastStart | T::BroadcastEnd => (self.broadcast(event_type, subject, ms), None),
            T::BroadcastChat => {
                let id = self.new_id(ms);
                (
                    json!({
                        "broadcast_id": self.broadcast_id(subject),
                        "message_id": id.to_string(),
                        "message": capitalize(&self.words(5)),
                        "author": {"data": self.user(other)},
                    }),
                    None,
                )
            }
            T::ChatReceived
            | T::ChatSent
            | T::ChatConversationJoin
            | T::ChatConversationMemberAdded
            | T::ChatConversationMemberRemoved
            | T::ChatConversationAdminAdded
            | T::ChatConversationAdminRemoved
            | T::ChatUpdateGroupName
            | T::ChatUpdateRestrictions => {
                let (sender, recipient) = if outbound {
                    (subject, other)
                } else {
                    (other, subject)
                };
                (self.chat(sender, recipient, ms), None)
            }
            T::DmSent | T::DmReceived => {
                let (sender, recipient) = if outbound {
                    (subject, other)
                } else {
                    (other, subject)
                };
                let id = self.new_id(ms);
                let event = json!({
                    "type": "message_create",
                    "id": id.to_string(),
                    "created_timestamp": ms.to_string(),
                    "message_create": {
                        "target": {"recipient_id": recipient.user_id},
                        "sender_id": sender.user_id,
                        "message_data": {
                            "text": capitalize(&self.words(7)),
                            "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
                        },
                    },
                });
                (
                    json!({"direct_message_events": [event], "users": self.users_map(subject, other)}),
                    None,
                )
            }
            T::DmIndicateTyping => {
                let (sender, recipient) = if outbound {
                    (subject, other)
                } else {
                    (other, subject)
                };
                (
                    json!({
                        "direct_message_indicate_typing_events": [{
                            "created_timestamp": ms.to_string(),
                            "sender_id": sender.user_id,
                            "target": {"recipient_id": recipient.user_id},
                        }],
                        "users": self.users_map(subject, other),
                    }),
                    None,
                )
            }
            T::DmRead => {
                let (sender, recipient) = if outbound {
                    (subject, other)
                } else {
                    (other, subject)
                };
                let read = self.old_id(ms.saturating_sub(60_000));
                (
                    json!({
                        "direct_message_mark_read_events": [{
                            "created_timestamp": ms.to_string(),
                            "sender_id": sender.user_id,
                            "target": {"recipient_id": recipient.user_id},
                            "last_read_event_id": read.to_string(),
                        }],
                        "users": self.users_map(subject, other),
                    }),
                    None,
                )
            }
            T::PostCreate => {
                let post = self.post(subject, &[], ms, None);
                (post, Some(json!({"users": [self.user(subject)]})))
            }
            T::PostMentionCreate => {
                let post = self.post(other, &[subject], ms, None);
                (
                    post,
                    Some(json!({"users": [self.user(other), self.user(subject)]})),
                )
            }
            T::PostReplyCreate | T::PostQuoteCreate | T::PostRepostCreate => {
                let parent = self.post(subject, &[], ms.saturating_sub(3_600_000), None);
                let kind = match event_type {
                    T::PostReplyCreate => "replied_to",
                    T::PostQuoteCreate => "quoted",
                    _ => "retweeted",
                };
                let post = self.post(other, &[], ms, Some((kind, &parent, subject)));
                (
                    post,
                    Some(json!({"users": [self.user(other)], "tweets": [parent]})),
                )
            }
            T::PostDelete => {
                let id = self.old_id(ms.saturating_sub(7_200_000));
                (
                    json!({"id": id.to_string(), "author_id": subject.user_id}),
                    Some(json!({"users": [{"data": self.user(subject)}]})),
                )
            }
            T::LikeCreate => {
                let author = if outbound { other } else { subject };
                let liked = self.post(author, &[], ms.saturating_sub(900_000), None);
                let like_id = format!("{:016x}{:016x}", self.rng.next_u64(), mix(ms ^ self.seed));
                (
                    json!({
                        "id": like_id,
                        "created_at": liked["created_at"],
                        "timestamp_ms": ms.to_string(),
                        "liked_tweet_author_id": author.user_id,
                        "liked_tweet_id": liked["id"],
                    }),
                    Some(json!({"users": [self.user(author)], "tweets": [liked]})),
                )
            }
            T::OauthRevoke => {
                let (y, mo, d, h, mi, s, _) =
                    Timestamp::from_millis(i64::try_from(ms).unwrap_or(i64::MAX)).to_utc();
                (
                    json!({
                        "date_time": format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+00:00"),
                        "user_id": subject.user_id,
                        "app_id": app_id,
                    }),
                    None,
                )
            }
            // Types added to the model later: an empty payload rather than a guess.
            _ => (json!({}), None),
        };
        GeneratedActivity {
            event_type,
            direction,
            event_uuid: self.event_uuid(ms),
            payload,
            includes,
            text,
        }
    }

    /// The next event time: `now_ms`, or one after the last time issued.
    fn tick(&mut self, now_ms: u64) -> u64 {
        let ms = now_ms.max(self.last_ms + 1);
        self.last_ms = ms;
        ms
    }

    /// A new snowflake for `ms`, above every one issued.
    fn new_id(&mut self, ms: u64) -> u64 {
        let id = self.old_id(ms).max(self.last_id + 1);
        self.last_id = id;
        id
    }

    /// A snowflake for something created at `ms`.
    fn old_id(&mut self, ms: u64) -> u64 {
        let since = ms.saturating_sub(TWEPOCH).min(u64::MAX >> 23);
        (since << 22) | (self.rng.next_u64() & 0x3F_FFFF)
    }

    fn words(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| self.rng.word(WORDS))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The v2 user object of `party`: details invented from the seed and the id, the same on
    /// every call.
    fn user(&self, party: &Party<'_>) -> Value {
        let bits = mix(self.seed ^ hash(party.user_id));
        let followers = bits % 50_000;
        let following = (bits >> 16) % 2_000;
        let posts = (bits >> 32) % 20_000;
        let created = 1_230_000_000_000 + (bits >> 20) % 500_000_000_000;
        let verified = bits % 3 == 0;
        json!({
            "id": party.user_id,
            "name": display_name(party.screen_name),
            "username": party.screen_name,
            "created_at": rfc3339(created),
            "description": format!("Posts about {}.", Rng::new(bits).word(WORDS)),
            "url": "",
            "protected": false,
            "verified": verified,
            "verified_type": if verified { "blue" } else { "none" },
            "is_identity_verified": false,
            "profile_image_url": format!(
                "https://pbs.twimg.com/profile_images/{}/avatar_normal.jpg",
                bits % 1_000_000_000_000
            ),
            "public_metrics": {
                "followers_count": followers, "followers_count_str": followers.to_string(),
                "following_count": following, "following_count_str": following.to_string(),
                "tweet_count": posts, "tweet_count_str": posts.to_string(),
                "listed_count": followers / 40, "listed_count_str": (followers / 40).to_string(),
            },
        })
    }

    /// The `users` map of direct message payloads: v2 users wrapped in `{"data":...}`.
    fn users_map(&self, a: &Party<'_>, b: &Party<'_>) -> Value {
        let mut map = serde_json::Map::new();
        for p in [a, b] {
            map.insert(p.user_id.to_owned(), json!({"data": self.user(p)}));
        }
        Value::Object(map)
    }

    /// A v2 Post by `author` at `ms`, mentioning `mentions`, or replying to / quoting /
    /// reposting `reference` (kind, the post, its author).
    fn post(
        &mut self,
        author: &Party<'_>,
        mentions: &[&Party<'_>],
        ms: u64,
        reference: Option<(&str, &Value, &Party<'_>)>,
    ) -> Value {
        let id = self.new_id(ms);
        let mut text = String::new();
        let mut entities = Vec::new();
        let mut mention = |text: &mut String, p: &Party<'_>| {
            let start = text.chars().count();
            text.push('@');
            text.push_str(p.screen_name);
            let end = text.chars().count();
            entities.push(json!({
                "start": start, "start_str": start.to_string(),
                "end": end, "end_str": end.to_string(),
                "username": p.screen_name, "id": p.user_id,
            }));
        };
        match reference {
            Some(("retweeted", _, to)) => {
                text.push_str("RT ");
                mention(&mut text, to);
                text.push_str(": ");
            }
            Some(("replied_to", _, to)) => {
                mention(&mut text, to);
                text.push(' ');
            }
            _ => {}
        }
        let lead = text.chars().count();
        for p in mentions {
            mention(&mut text, p);
            text.push(' ');
        }
        text.push_str(&capitalize(&self.words(6)));
        let len = text.chars().count();
        let mut post = json!({
            "id": id.to_string(),
            "text": text,
            "author_id": author.user_id,
            "created_at": rfc3339(ms),
            "conversation_id": id.to_string(),
            "lang": "en",
            "possibly_sensitive": false,
            "reply_settings": "everyone",
            "paid_partnership": false,
            "display_text_range": [if reference.is_some_and(|r| r.0 == "replied_to") { lead } else { 0 }, len],
            "edit_history_tweet_ids": [id.to_string()],
            "edit_controls": {
                "edits_remaining": 5, "edits_remaining_str": "5", "is_edit_eligible": true,
                "editable_until": rfc3339(ms + 3_600_000),
            },
            "public_metrics": {
                "retweet_count": 0, "retweet_count_str": "0", "reply_count": 0, "reply_count_str": "0",
                "like_count": 0, "like_count_str": "0", "quote_count": 0, "quote_count_str": "0",
                "bookmark_count": 0, "bookmark_count_str": "0",
                "impression_count": 0, "impression_count_str": "0",
            },
        });
        if !entities.is_empty() {
            post["entities"] = json!({ "mentions": entities });
        }
        if let Some((kind, parent, to)) = reference {
            post["referenced_tweets"] = json!([{"type": kind, "id": parent["id"]}]);
            if kind == "replied_to" {
                post["in_reply_to_tweet_id"] = parent["id"].clone();
                post["in_reply_to_user_id"] = Value::from(to.user_id);
                post["conversation_id"] = parent["conversation_id"].clone();
            }
        }
        post
    }

    fn profile_change(
        &mut self,
        event_type: ActivityType,
        subject: &Party<'_>,
    ) -> (String, String) {
        use ActivityType as T;
        let n = self.rng.below(1_000_000);
        match event_type {
            T::ProfileUpdateBio => (
                format!("{}.", capitalize(&self.words(5))),
                format!("{}. {}", capitalize(&self.words(5)), self.rng.word(WORDS)),
            ),
            T::ProfileUpdateProfilePicture => (
                format!("https://pbs.twimg.com/profile_images/{n}/old_normal.jpg"),
                format!(
                    "https://pbs.twimg.com/profile_images/{}/new_normal.jpg",
                    n + 1
                ),
            ),
            T::ProfileUpdateBannerPicture => (
                format!(
                    "https://pbs.twimg.com/profile_banners/{}/{n}",
                    subject.user_id
                ),
                format!(
                    "https://pbs.twimg.com/profile_banners/{}/{}",
                    subject.user_id,
                    n + 1
                ),
            ),
            T::ProfileUpdateScreenname => (
                display_name(subject.screen_name),
                format!("{} ✨", display_name(subject.screen_name)),
            ),
            T::ProfileUpdateGeo => ("Lisboa".to_owned(), "Porto, Portugal".to_owned()),
            T::ProfileUpdateUrl => (
                "https://t.co/0ldL1nk".to_owned(),
                format!("https://t.co/{}", self.rng.alnum(10)),
            ),
            T::ProfileUpdateHandle => (
                subject.screen_name.to_owned(),
                format!("{}_{n}", subject.screen_name),
            ),
            T::ProfileUpdateVerifiedBadge => ("none".to_owned(), "blue".to_owned()),
            _ => (String::new(), "Example Organization".to_owned()),
        }
    }

    fn broadcast_id(&self, subject: &Party<'_>) -> String {
        let mut rng = Rng::new(self.seed ^ hash(subject.user_id));
        format!("1{}", rng.alnum(12))
    }

    fn broadcast(&mut self, event_type: ActivityType, subject: &Party<'_>, ms: u64) -> Value {
        let id = self.broadcast_id(subject);
        let ended = event_type == ActivityType::BroadcastEnd;
        let created = ms.saturating_sub(if ended { 2_700_000 } else { 4_000 });
        let mut b = json!({
            "user": {"data": self.user(subject)},
            "broadcast_id": id,
            "event_timestamp_ms": ms, "event_timestamp_ms_str": ms.to_string(),
            "title": capitalize(&self.words(4)),
            "broadcast_state": if ended { "Ended" } else { "Running" },
            "created_timestamp_ms": created, "created_timestamp_ms_str": created.to_string(),
            "updated_timestamp_ms": ms, "updated_timestamp_ms_str": ms.to_string(),
            "language": "en",
            "thumbnail_url": format!("https://broadcasts.example/{id}/{}-thumbnail.jpg", if ended { "replay" } else { "live" }),
            "available_for_replay": ended,
        });
        if ended {
            let d = ms - created;
            b["duration_ms"] = Value::from(d);
            b["duration_ms_str"] = Value::from(d.to_string());
        }
        b
    }

    fn chat(&mut self, sender: &Party<'_>, recipient: &Party<'_>, ms: u64) -> Value {
        let uuid = format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            self.rng.next_u64() & 0xFFFF_FFFF,
            self.rng.next_u64() & 0xFFFF,
            self.rng.next_u64() & 0xFFF,
            0x8000 | (self.rng.next_u64() & 0x3FFF),
            self.rng.next_u64() & 0xFFFF_FFFF_FFFF
        );
        json!({
            "conversation_token": format!("eyJhbGciOiJIUzI1NiJ9.{}", self.rng.alnum(48)),
            "id": uuid,
            "created_at_msec": ms.to_string(),
            "sender_id": sender.user_id,
            "conversation_id": format!("{}:{}", recipient.user_id, sender.user_id),
            "conversation_key_version": (ms - 30 * 86_400_000).to_string(),
            "encoded_event": format!("CwABAAAAEz{}", self.rng.alnum(120)),
            "message_event_signature": {
                "public_key_version": (ms - 90 * 86_400_000).to_string(),
                "signature": self.rng.alnum(86),
                "signature_version": "7",
                "signing_public_key": format!("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE{}", self.rng.alnum(88)),
            },
        })
    }
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn rfc3339(ms: u64) -> String {
    Timestamp::from_millis(i64::try_from(ms).unwrap_or(i64::MAX)).to_rfc3339()
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// A display name made from a handle: `emulated_user_1` -> `Emulated User 1`.
fn display_name(screen_name: &str) -> String {
    screen_name
        .split('_')
        .filter(|w| !w.is_empty())
        .map(capitalize)
        .collect::<Vec<_>>()
        .join(" ")
}
