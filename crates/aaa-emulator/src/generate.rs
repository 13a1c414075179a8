//! Deterministic, realistic Account Activity webhook bodies.
//!
//! A [`Generator`] writes whole delivery envelopes, as JSON bytes, for every kind of activity X
//! delivers (see [`Activity`]): posts and mentions, likes, follows, blocks and mutes and their
//! undoing (under their own keys and inside `follow_events` / `block_events` / `mute_events` with
//! `"type":"unfollow"` etc., as X also sends them), post deletions, direct messages, typing
//! indicators, read receipts and app revocations.
//!
//! # How realistic
//!
//! The shapes follow X's published payloads and the invented fixtures under `fixtures/payloads/`:
//! v1.1 post objects with `created_at` (`Wed Oct 10 20:19:24 +0000 2018`), numeric `id` and
//! `id_str`, an HTML `source` link, a full `user` object, `entities` whose `indices` count Unicode
//! code points, and `timestamp_ms` as a string; likes with a 32-hex `id` and a numeric
//! `timestamp_ms`; follow-family users with a string `id` and no `id_str`; direct messages with
//! the `apps` and `users` maps; revokes without `for_user_id`. Keys are written in the order X
//! writes them (the JSON is built as an ordered tree and serialized with serde_json, so the bytes
//! do not depend on serde_json's map features).
//!
//! Ids are snowflakes built from the event's time the way X builds them
//! (`(ms - 1288834974657) << 22 | low bits`), so an id agrees with its `created_at`. Texts are
//! composed from small built-in word lists; some carry emoji and accented letters, and some carry
//! characters that JSON must escape (`"`, a newline, a backslash). Profiles (display name,
//! location, counts, avatar) are derived from the seed and the user id, so one user looks the
//! same in every event of a generator. Everything is invented: websites use `*.example` domains.
//!
//! # Determinism and uniqueness
//!
//! The same seed and the same sequence of calls give the same bytes; there is no clock and no
//! system randomness inside. Every call yields an event with its own dedupe key: ids are strictly
//! increasing per generator, and so are the millisecond timestamps (`max(now_ms, last + 1)`), even
//! for calls within one millisecond. Revokes are keyed by a `date_time` with whole seconds, so
//! each revoke takes a second of its own. A burst faster than that runs ahead of `now_ms`.
//!
//! ```
//! use aaa_emulator::generate::{Activity, Generator, Party};
//!
//! let mut generator = Generator::new(7);
//! let subject = Party { user_id: "3001969357", screen_name: "furiouscamper" };
//! let other = Party { user_id: "1693649419", screen_name: "tweetinvitest" };
//! let body = generator.envelope(Activity::Follow, &subject, &other, "13090192", 1_700_000_000_000);
//! let text = std::str::from_utf8(&body).unwrap();
//! assert!(text.starts_with(r#"{"for_user_id":"3001969357","follow_events":[{"type":"follow","#));
//! ```

use core::fmt;
use std::borrow::Cow;

use aaa_model::EventKind;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::rng::{Rng, mix};
use crate::time::{post_created_at, revoke_date_time};

/// X's snowflake epoch, in milliseconds since the Unix epoch.
const TWEPOCH: u64 = 1_288_834_974_657;

/// Posts stay within the 140 code points of a non-extended v1.1 `text`.
const MAX_TEXT: usize = 140;

/// How long a post can be edited after it is created (30 minutes).
const EDIT_WINDOW_MS: u64 = 30 * 60 * 1000;

/// The app name used until [`Generator::with_app_name`] sets another.
const DEFAULT_APP_NAME: &str = "AAA Emulator";

/// One kind of activity the emulator can generate.
///
/// Directions: a post, a deletion, an unfollow and every block and mute are actions of the
/// subscribed user (`subject`); a mention, a like, a follow, a direct message, a typing indicator
/// and a read receipt come from the other party towards the subscribed user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Activity {
    /// The subscribed user posts, sometimes as a reply to the other party
    /// (`tweet_create_events`).
    TweetCreate,
    /// The other party posts a mention of the subscribed user (`tweet_create_events` with
    /// `"user_has_blocked":"false"` at the top level).
    Mention,
    /// The other party likes one of the subscribed user's posts (`favorite_events`).
    Favorite,
    /// The other party follows the subscribed user (`follow_events`).
    Follow,
    /// The subscribed user unfollows the other party (`unfollow_events`).
    Unfollow,
    /// The same unfollow in the form X often uses: `follow_events` with `"type":"unfollow"`.
    UnfollowInFollowEvents,
    /// The subscribed user blocks the other party (`block_events`).
    Block,
    /// The subscribed user unblocks the other party (`unblock_events`).
    Unblock,
    /// The same unblock inside `block_events` with `"type":"unblock"`.
    UnblockInBlockEvents,
    /// The subscribed user mutes the other party (`mute_events`).
    Mute,
    /// The subscribed user unmutes the other party (`unmute_events`).
    Unmute,
    /// The same unmute inside `mute_events` with `"type":"unmute"`.
    UnmuteInMuteEvents,
    /// The subscribed user deletes one of their posts (`tweet_delete_events`).
    TweetDelete,
    /// The other party sends the subscribed user a direct message through the app
    /// (`direct_message_events` with the `apps` and `users` maps).
    DirectMessage,
    /// The other party is typing a direct message to the subscribed user
    /// (`direct_message_indicate_typing_events`).
    DirectMessageIndicateTyping,
    /// The other party read the conversation with the subscribed user
    /// (`direct_message_mark_read_events`).
    DirectMessageMarkRead,
    /// The subscribed user revokes the app's access (`{"user_event":{"revoke":{...}}}`, without
    /// `for_user_id`).
    UserRevoke,
    /// The subscribed user replies to a post of the other party (`tweet_create_events`).
    Reply,
    /// The other party replies to a post of the subscribed user (`tweet_create_events`).
    ReplyToUser,
    /// The subscribed user retweets a post of the other party (`tweet_create_events` with
    /// `retweeted_status`).
    Retweet,
    /// The other party retweets a post of the subscribed user.
    RetweetOfUser,
    /// The subscribed user quotes a post of the other party (`tweet_create_events` with
    /// `is_quote_status`, `quoted_status_id` and `quoted_status`).
    Quote,
    /// The other party quotes a post of the subscribed user.
    QuoteOfUser,
    /// The subscribed user retweets the other party's quote of one of the subscribed user's
    /// posts (a retweet whose `retweeted_status` is a quote).
    RetweetOfQuote,
    /// The other party retweets the subscribed user's quote of one of the other party's posts.
    RetweetOfQuoteOfUser,
    /// The subscribed user likes a post of the other party (`favorite_events`).
    FavoriteByUser,
    /// The subscribed user follows the other party (`follow_events`).
    FollowByUser,
    /// The subscribed user sends the other party a direct message (`direct_message_events`).
    DirectMessageSent,
}

impl Activity {
    /// Every activity, in declaration order (the revoke last: it ends the subscription).
    pub const ALL: [Activity; 28] = [
        Activity::TweetCreate,
        Activity::Mention,
        Activity::Favorite,
        Activity::Follow,
        Activity::Unfollow,
        Activity::UnfollowInFollowEvents,
        Activity::Block,
        Activity::Unblock,
        Activity::UnblockInBlockEvents,
        Activity::Mute,
        Activity::Unmute,
        Activity::UnmuteInMuteEvents,
        Activity::TweetDelete,
        Activity::DirectMessage,
        Activity::DirectMessageIndicateTyping,
        Activity::DirectMessageMarkRead,
        Activity::Reply,
        Activity::ReplyToUser,
        Activity::Retweet,
        Activity::RetweetOfUser,
        Activity::Quote,
        Activity::QuoteOfUser,
        Activity::RetweetOfQuote,
        Activity::RetweetOfQuoteOfUser,
        Activity::FavoriteByUser,
        Activity::FollowByUser,
        Activity::DirectMessageSent,
        Activity::UserRevoke,
    ];

    /// The activity's stable name (`tweet_create`, `mention`, `unfollow_in_follow_events`, ...),
    /// as the command line takes it.
    pub const fn name(self) -> &'static str {
        match self {
            Activity::TweetCreate => "tweet_create",
            Activity::Mention => "mention",
            Activity::Favorite => "favorite",
            Activity::Follow => "follow",
            Activity::Unfollow => "unfollow",
            Activity::UnfollowInFollowEvents => "unfollow_in_follow_events",
            Activity::Block => "block",
            Activity::Unblock => "unblock",
            Activity::UnblockInBlockEvents => "unblock_in_block_events",
            Activity::Mute => "mute",
            Activity::Unmute => "unmute",
            Activity::UnmuteInMuteEvents => "unmute_in_mute_events",
            Activity::TweetDelete => "tweet_delete",
            Activity::DirectMessage => "direct_message",
            Activity::DirectMessageIndicateTyping => "direct_message_indicate_typing",
            Activity::DirectMessageMarkRead => "direct_message_mark_read",
            Activity::UserRevoke => "user_revoke",
            Activity::Reply => "reply",
            Activity::ReplyToUser => "reply_to_user",
            Activity::Retweet => "retweet",
            Activity::RetweetOfUser => "retweet_of_user",
            Activity::Quote => "quote",
            Activity::QuoteOfUser => "quote_of_user",
            Activity::RetweetOfQuote => "retweet_of_quote",
            Activity::RetweetOfQuoteOfUser => "retweet_of_quote_of_user",
            Activity::FavoriteByUser => "favorite_by_user",
            Activity::FollowByUser => "follow_by_user",
            Activity::DirectMessageSent => "direct_message_sent",
        }
    }

    /// What happens, in a few words, for help texts (`the other party likes a post of the
    /// subscribed user`).
    pub const fn description(self) -> &'static str {
        match self {
            Activity::TweetCreate => "the user posts (a third are replies)",
            Activity::Mention => "another user mentions the user",
            Activity::Favorite => "another user likes the user's post",
            Activity::Follow => "another user follows the user",
            Activity::Unfollow => "the user unfollows another",
            Activity::UnfollowInFollowEvents => "the same, inside follow_events",
            Activity::Block => "the user blocks another",
            Activity::Unblock => "the user unblocks another",
            Activity::UnblockInBlockEvents => "the same, inside block_events",
            Activity::Mute => "the user mutes another",
            Activity::Unmute => "the user unmutes another",
            Activity::UnmuteInMuteEvents => "the same, inside mute_events",
            Activity::TweetDelete => "the user deletes a post",
            Activity::DirectMessage => "the user receives a direct message",
            Activity::DirectMessageIndicateTyping => "another user is typing to the user",
            Activity::DirectMessageMarkRead => "another user read the user's messages",
            Activity::UserRevoke => "the user revokes the app (ends the subscription)",
            Activity::Reply => "the user replies to another",
            Activity::ReplyToUser => "another user replies to the user",
            Activity::Retweet => "the user retweets another",
            Activity::RetweetOfUser => "another user retweets the user",
            Activity::Quote => "the user quotes another",
            Activity::QuoteOfUser => "another user quotes the user",
            Activity::RetweetOfQuote => "the user retweets a quote of their post",
            Activity::RetweetOfQuoteOfUser => "another user retweets the user's quote",
            Activity::FavoriteByUser => "the user likes another's post",
            Activity::FollowByUser => "the user follows another",
            Activity::DirectMessageSent => "the user sends a direct message",
        }
    }

    /// Parses a name as returned by [`Activity::name`].
    pub fn from_name(name: &str) -> Option<Activity> {
        Activity::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The kind a parser reports for the generated event (`Mention` is a
    /// [`EventKind::TweetCreate`], `UnfollowInFollowEvents` an [`EventKind::Unfollow`], ...).
    pub const fn event_kind(self) -> EventKind {
        match self {
            Activity::TweetCreate
            | Activity::Mention
            | Activity::Reply
            | Activity::ReplyToUser
            | Activity::Retweet
            | Activity::RetweetOfUser
            | Activity::Quote
            | Activity::QuoteOfUser
            | Activity::RetweetOfQuote
            | Activity::RetweetOfQuoteOfUser => EventKind::TweetCreate,
            Activity::Favorite | Activity::FavoriteByUser => EventKind::Favorite,
            Activity::Follow | Activity::FollowByUser => EventKind::Follow,
            Activity::Unfollow | Activity::UnfollowInFollowEvents => EventKind::Unfollow,
            Activity::Block => EventKind::Block,
            Activity::Unblock | Activity::UnblockInBlockEvents => EventKind::Unblock,
            Activity::Mute => EventKind::Mute,
            Activity::Unmute | Activity::UnmuteInMuteEvents => EventKind::Unmute,
            Activity::TweetDelete => EventKind::TweetDelete,
            Activity::DirectMessage | Activity::DirectMessageSent => EventKind::DirectMessage,
            Activity::DirectMessageIndicateTyping => EventKind::DirectMessageIndicateTyping,
            Activity::DirectMessageMarkRead => EventKind::DirectMessageMarkRead,
            Activity::UserRevoke => EventKind::UserRevoke,
        }
    }

    /// The envelope key the event is delivered under (`follow_events` for
    /// `UnfollowInFollowEvents`, `user_event` for `UserRevoke`, ...).
    pub const fn envelope_key(self) -> &'static str {
        match self {
            Activity::UnfollowInFollowEvents => "follow_events",
            Activity::UnblockInBlockEvents => "block_events",
            Activity::UnmuteInMuteEvents => "mute_events",
            other => other.event_kind().envelope_key(),
        }
    }
}

impl fmt::Display for Activity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who an activity is about: the subscribed user or the other party.
///
/// `user_id` should be a decimal id, as X writes ids; profile details other than the screen name
/// (display name, location, counts, avatar) are invented from the generator's seed and the id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Party<'a> {
    /// The user id (decimal).
    pub user_id: &'a str,
    /// The handle, without `@`.
    pub screen_name: &'a str,
}

impl<'a> Party<'a> {
    /// A party with this id and handle.
    pub const fn new(user_id: &'a str, screen_name: &'a str) -> Self {
        Party {
            user_id,
            screen_name,
        }
    }
}

/// Deterministic generator: same seed and same calls -> same bytes.
///
/// It keeps a small PRNG (splitmix64), the last id and timestamp it issued (so every event gets
/// its own dedupe key) and the name of the app it writes into `source` links and `apps` maps.
#[derive(Clone, Debug)]
pub struct Generator {
    seed: u64,
    rng: Rng,
    /// The last snowflake id issued.
    last_id: u64,
    /// The last event time issued, in milliseconds.
    last_ms: Option<u64>,
    /// The second of the last revoke's `date_time`.
    last_revoke_secs: Option<u64>,
    /// How many 32-hex like ids were issued (makes them distinct).
    likes: u64,
    app_name: String,
}

impl Generator {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Generator {
            seed,
            rng: Rng::new(seed),
            last_id: 0,
            last_ms: None,
            last_revoke_secs: None,
            likes: 0,
            app_name: DEFAULT_APP_NAME.to_owned(),
        }
    }

    /// Sets the app name written in post `source` links and in the `apps` map of direct
    /// messages (default `AAA Emulator`).
    #[must_use]
    pub fn with_app_name(mut self, name: impl Into<String>) -> Self {
        self.set_app_name(name);
        self
    }

    /// Changes the app name for the calls that follow, e.g. when one generator serves several
    /// apps.
    pub fn set_app_name(&mut self, name: impl Into<String>) {
        self.app_name = name.into();
    }

    /// A full envelope describing `activity` between `subject` (the subscribed user) and
    /// `other`, happening at `now_ms` (milliseconds since the Unix epoch), for the app `app_id`.
    ///
    /// The envelope's `for_user_id` is `subject.user_id`, except for
    /// [`Activity::UserRevoke`], which X sends without one. The app appears in the `source` of
    /// the subscribed user's posts, in `source_app_id` and the `apps` map of direct messages, and
    /// as the target of a revoke. The result is compact JSON.
    pub fn envelope(
        &mut self,
        activity: Activity,
        subject: &Party<'_>,
        other: &Party<'_>,
        app_id: &str,
        now_ms: u64,
    ) -> Vec<u8> {
        let me = self.profile(subject);
        let them = self.profile(other);
        let app = AppInfo::new(app_id, &self.app_name);
        let body = match activity {
            Activity::TweetCreate => {
                let ms = self.tick(now_ms);
                let tweet = self.post(&me, Some(&them), ms, &app, Role::Own);
                delivery(&me, &[], activity, tweet, Obj::new())
            }
            Activity::Mention => {
                let ms = self.tick(now_ms);
                let tweet = self.post(&them, Some(&me), ms, &app, Role::Mention);
                let extra = [("user_has_blocked", J::from("false"))];
                delivery(&me, &extra, activity, tweet, Obj::new())
            }
            Activity::Favorite => {
                let ms = self.tick(now_ms);
                let event = self.favorite(&me, &them, ms, &app);
                delivery(&me, &[], activity, event, Obj::new())
            }
            Activity::FavoriteByUser => {
                let ms = self.tick(now_ms);
                let event = self.favorite(&them, &me, ms, &app);
                delivery(&me, &[], activity, event, Obj::new())
            }
            Activity::FollowByUser => {
                let ms = self.tick(now_ms);
                delivery(
                    &me,
                    &[],
                    activity,
                    user_action("follow", &me, &them, ms),
                    Obj::new(),
                )
            }
            Activity::DirectMessageSent => {
                let ms = self.tick(now_ms);
                let event = self.direct_message(&me, &them, ms, &app);
                let maps = Obj::new()
                    .with("apps", Obj::new().with(app.id.clone(), app.to_json()))
                    .with("users", dm_users(&me, &them));
                delivery(&me, &[], activity, event, maps)
            }
            Activity::Reply | Activity::ReplyToUser => {
                let ms = self.tick(now_ms);
                let tweet = if activity == Activity::Reply {
                    self.post(&me, Some(&them), ms, &app, Role::ReplyOwn)
                } else {
                    self.post(&them, Some(&me), ms, &app, Role::ReplyOther)
                };
                delivery(&me, &[], activity, tweet, Obj::new())
            }
            Activity::Retweet | Activity::RetweetOfUser => {
                let ms = self.tick(now_ms);
                let (by, of) = if activity == Activity::Retweet {
                    (&me, &them)
                } else {
                    (&them, &me)
                };
                let age = self.rng.range(60_000, 3 * 86_400_000);
                let original = self.post(of, None, ms.saturating_sub(age), &app, Role::Embedded);
                let tweet = self.retweet(by, of, original, ms, &app, activity == Activity::Retweet);
                delivery(&me, &[], activity, tweet, Obj::new())
            }
            Activity::Quote | Activity::QuoteOfUser => {
                let ms = self.tick(now_ms);
                let (by, of) = if activity == Activity::Quote {
                    (&me, &them)
                } else {
                    (&them, &me)
                };
                let tweet = self.quote(by, of, ms, &app, activity == Activity::Quote);
                delivery(&me, &[], activity, tweet, Obj::new())
            }
            Activity::RetweetOfQuote | Activity::RetweetOfQuoteOfUser => {
                let ms = self.tick(now_ms);
                let (by, quoter) = if activity == Activity::RetweetOfQuote {
                    (&me, &them)
                } else {
                    (&them, &me)
                };
                let age = self.rng.range(60_000, 86_400_000);
                let quoted = self.quote(quoter, by, ms.saturating_sub(age), &app, false);
                let quoted = embedded(quoted);
                let own = activity == Activity::RetweetOfQuote;
                let tweet = self.retweet(by, quoter, quoted, ms, &app, own);
                delivery(&me, &[], activity, tweet, Obj::new())
            }
            Activity::Follow => {
                let ms = self.tick(now_ms);
                delivery(
                    &me,
                    &[],
                    activity,
                    user_action("follow", &them, &me, ms),
                    Obj::new(),
                )
            }
            Activity::Unfollow
            | Activity::UnfollowInFollowEvents
            | Activity::Block
            | Activity::Unblock
            | Activity::UnblockInBlockEvents
            | Activity::Mute
            | Activity::Unmute
            | Activity::UnmuteInMuteEvents => {
                let ms = self.tick(now_ms);
                let ty = activity.event_kind().as_str();
                delivery(
                    &me,
                    &[],
                    activity,
                    user_action(ty, &me, &them, ms),
                    Obj::new(),
                )
            }
            Activity::TweetDelete => {
                let ms = self.tick(now_ms);
                let age = self.rng.range(60_000, 30 * 86_400_000);
                let deleted = self.old_id(ms.saturating_sub(age));
                let event = Obj::new()
                    .with(
                        "status",
                        Obj::new()
                            .with("id", deleted.to_string())
                            .with("user_id", me.id.clone()),
                    )
                    .with("timestamp_ms", ms.to_string());
                delivery(&me, &[], activity, event.into(), Obj::new())
            }
            Activity::DirectMessage => {
                let ms = self.tick(now_ms);
                let event = self.direct_message(&them, &me, ms, &app);
                let maps = Obj::new()
                    .with("apps", Obj::new().with(app.id.clone(), app.to_json()))
                    .with("users", dm_users(&them, &me));
                delivery(&me, &[], activity, event, maps)
            }
            Activity::DirectMessageIndicateTyping => {
                let ms = self.tick(now_ms);
                let event = Obj::new()
                    .with("created_timestamp", ms.to_string())
                    .with("sender_id", them.id.clone())
                    .with("target", Obj::new().with("recipient_id", me.id.clone()));
                let maps = Obj::new().with("users", dm_users(&them, &me));
                delivery(&me, &[], activity, event.into(), maps)
            }
            Activity::DirectMessageMarkRead => {
                let ms = self.tick(now_ms);
                let age = self.rng.range(1_000, 600_000);
                let last_read = self.old_id(ms.saturating_sub(age));
                let event = Obj::new()
                    .with("created_timestamp", ms.to_string())
                    .with("sender_id", them.id.clone())
                    .with("target", Obj::new().with("recipient_id", me.id.clone()))
                    .with("last_read_event_id", last_read.to_string());
                let maps = Obj::new().with("users", dm_users(&them, &me));
                delivery(&me, &[], activity, event.into(), maps)
            }
            Activity::UserRevoke => {
                let secs = self.tick_second(now_ms);
                let revoke = Obj::new()
                    .with("date_time", revoke_date_time(secs))
                    .with("target", Obj::new().with("app_id", app.id.clone()))
                    .with("source", Obj::new().with("user_id", me.id.clone()));
                J::from(Obj::new().with("user_event", Obj::new().with("revoke", revoke)))
            }
        };
        serde_json::to_vec(&body).expect("writing JSON to memory does not fail")
    }

    /// The time of the next event: `now_ms`, or one millisecond after the last one when the
    /// clock has not moved on.
    fn tick(&mut self, now_ms: u64) -> u64 {
        let ms = match self.last_ms {
            Some(last) => now_ms.max(last.saturating_add(1)),
            None => now_ms,
        };
        self.last_ms = Some(ms);
        ms
    }

    /// The second of the next revoke: the second of the next event time, or one after the last
    /// revoke's. Moves the event clock along so it never falls behind a revoke.
    fn tick_second(&mut self, now_ms: u64) -> u64 {
        let ms = self.tick(now_ms);
        let mut secs = ms / 1_000;
        if let Some(last) = self.last_revoke_secs {
            secs = secs.max(last.saturating_add(1));
        }
        self.last_revoke_secs = Some(secs);
        self.last_ms = Some(ms.max(secs.saturating_mul(1_000)));
        secs
    }

    /// A new snowflake id for something created at `ms`, greater than every id issued before.
    fn new_id(&mut self, ms: u64) -> u64 {
        let id = self.old_id(ms).max(self.last_id.saturating_add(1));
        self.last_id = id;
        id
    }

    /// A snowflake id for something created at `ms` (not necessarily new: older posts, earlier
    /// messages).
    fn old_id(&mut self, ms: u64) -> u64 {
        let since = ms.saturating_sub(TWEPOCH).min(u64::MAX >> 23);
        (since << 22) | (self.rng.next_u64() & 0x3F_FFFF)
    }

    /// A like's 32-hex id; the low half is a bijection of a counter, so ids never repeat.
    /// A like's 32-hex-digit id at `ms`: unique within the generator (a counter) and between
    /// runs of one seed at different times (the time), as the like's dedupe key needs.
    fn like_id(&mut self, ms: u64) -> String {
        self.likes += 1;
        let high = self.rng.next_u64() ^ mix(ms);
        let low = mix(self.likes ^ self.seed.rotate_left(17));
        format!("{high:016x}{low:016x}")
    }

    /// The invented profile of `party`, the same for every call of this generator.
    fn profile(&self, party: &Party<'_>) -> Profile {
        Profile::new(self.seed, party)
    }

    /// A post by `author`. `Role::Own` posts are the subscribed user's, written with the app and
    /// replying to `peer` a third of the time; `Role::Mention` posts mention `peer`, often as a
    /// reply to one of `peer`'s posts; `Role::Embedded` posts are older posts quoted inside another
    /// event (a like), with counts and without stream fields.
    fn post(
        &mut self,
        author: &Profile,
        peer: Option<&Profile>,
        ms: u64,
        app: &AppInfo,
        role: Role,
    ) -> J {
        let id = if role == Role::Embedded {
            self.old_id(ms)
        } else {
            self.new_id(ms)
        };
        let reply_to = match (role, peer) {
            (Role::Own, Some(p)) if self.rng.chance(33) => Some(p),
            (Role::Mention, Some(p)) if self.rng.chance(50) => Some(p),
            (Role::ReplyOwn | Role::ReplyOther, Some(p)) => Some(p),
            _ => None,
        };
        let mut lead = Vec::new();
        if let Some(p) = reply_to {
            lead.push(Piece::mention(p));
            lead.push(Piece::text(" "));
        }
        let tail = match (role, reply_to, peer) {
            (Role::Mention, None, Some(p)) => {
                let intro = *self.rng.pick(&["cc", "h/t", "thanks", "via"]);
                vec![Piece::text(format!(" {intro} ")), Piece::mention(p)]
            }
            _ => Vec::new(),
        };
        let pieces = self.compose(lead, tail, true);
        let built = Built::new(&pieces, EntityOrder::Post);

        let source = match role {
            Role::Own | Role::ReplyOwn => app.source_link(),
            _ => (*self.rng.pick(&CLIENTS)).to_owned(),
        };
        let mut t = Obj::new()
            .with("created_at", post_created_at(ms))
            .with("id", id)
            .with("id_str", id.to_string())
            .with("text", built.text.clone());
        // Edit metadata, as X's "Edit Posts" fundamentals show it on every post since edits.
        t.push(
            "edit_history",
            Obj::new()
                .with("initial_tweet_id", id.to_string())
                .with("edit_tweet_ids", J::Arr(vec![J::from(id.to_string())])),
        );
        t.push(
            "edit_controls",
            Obj::new()
                .with("editable_until_ms", ms.saturating_add(EDIT_WINDOW_MS))
                .with("edits_remaining", 5u64),
        );
        t.push("editable", true);
        if let Some(p) = reply_to {
            let start = p.screen_name.chars().count() + 2;
            t.push("display_text_range", J::indices(start, built.len));
        }
        t.push("source", source);
        t.push("truncated", false);
        if let Some(p) = reply_to {
            let age = self.rng.range(30_000, 3 * 86_400_000);
            let parent = self.old_id(ms.saturating_sub(age));
            t.push("in_reply_to_status_id", parent);
            t.push("in_reply_to_status_id_str", parent.to_string());
            t.push("in_reply_to_user_id", p.id_json());
            t.push("in_reply_to_user_id_str", p.id.clone());
            t.push("in_reply_to_screen_name", p.screen_name.clone());
        } else {
            for key in [
                "in_reply_to_status_id",
                "in_reply_to_status_id_str",
                "in_reply_to_user_id",
                "in_reply_to_user_id_str",
                "in_reply_to_screen_name",
            ] {
                t.push(key, J::Null);
            }
        }
        t.push("user", author.v11());
        for key in ["geo", "coordinates", "place", "contributors"] {
            t.push(key, J::Null);
        }
        t.push("is_quote_status", false);
        let counts = if role == Role::Embedded {
            [
                self.rng.below(8),
                self.rng.below(30),
                self.rng.below(60),
                self.rng.range(1, 400),
            ]
        } else {
            [0; 4]
        };
        for (key, n) in [
            "quote_count",
            "reply_count",
            "retweet_count",
            "favorite_count",
        ]
        .into_iter()
        .zip(counts)
        {
            t.push(key, n);
        }
        let has_urls = built.has_urls;
        t.push("entities", built.entities);
        t.push("favorited", false);
        t.push("retweeted", false);
        if has_urls {
            t.push("possibly_sensitive", false);
        }
        if role != Role::Embedded {
            t.push("filter_level", "low");
        }
        t.push("lang", "en");
        if role != Role::Embedded {
            t.push("timestamp_ms", ms.to_string());
        }
        t.into()
    }

    /// `by` retweets `original` (a post of `of`): a new post whose text is `RT @of: ...`, whose
    /// only entity is the mention, with the original under `retweeted_status`. Retweets cannot
    /// be edited.
    fn retweet(
        &mut self,
        by: &Profile,
        of: &Profile,
        original: J,
        ms: u64,
        app: &AppInfo,
        own: bool,
    ) -> J {
        let role = if own { Role::Own } else { Role::Mention };
        let J::Obj(mut t) = self.post(by, None, ms, app, role) else {
            unreachable!("a post is an object")
        };
        let quoted_text = match &original {
            J::Obj(o) => o.get_str("text").unwrap_or_default().to_owned(),
            _ => String::new(),
        };
        let room = MAX_TEXT.saturating_sub(of.screen_name.chars().count() + 6);
        let mut rest: String = quoted_text.chars().take(room).collect();
        if rest.chars().count() < quoted_text.chars().count() {
            rest.pop();
            rest.push('\u{2026}');
        }
        let pieces = [
            Piece::text("RT "),
            Piece::mention(of),
            Piece::text(format!(": {rest}")),
        ];
        let built = Built::new(&pieces, EntityOrder::Post);
        t.set("text", built.text);
        t.remove("display_text_range");
        t.set("entities", built.entities);
        t.remove("possibly_sensitive");
        t.set("editable", false);
        t.insert_after("contributors", "retweeted_status", original);
        J::Obj(t)
    }

    /// `by` quotes an older post of `of`: `is_quote_status`, `quoted_status_id(_str)` and the
    /// quoted post under `quoted_status`.
    fn quote(&mut self, by: &Profile, of: &Profile, ms: u64, app: &AppInfo, own: bool) -> J {
        let role = if own { Role::Own } else { Role::Mention };
        let age = self.rng.range(60_000, 3 * 86_400_000);
        let quoted = self.post(of, None, ms.saturating_sub(age), app, Role::Embedded);
        let J::Obj(mut t) = self.post(by, None, ms, app, role) else {
            unreachable!("a post is an object")
        };
        let quoted_id = match &quoted {
            J::Obj(o) => o.get_str("id_str").unwrap_or_default().to_owned(),
            _ => String::new(),
        };
        t.set("is_quote_status", true);
        let id: u64 = quoted_id.parse().unwrap_or_default();
        t.insert_after("is_quote_status", "quoted_status_id", id);
        t.insert_after("quoted_status_id", "quoted_status_id_str", quoted_id);
        t.insert_after("quoted_status_id_str", "quoted_status", quoted);
        J::Obj(t)
    }

    /// `liker` likes an older post of `author`.
    fn favorite(&mut self, author: &Profile, liker: &Profile, ms: u64, app: &AppInfo) -> J {
        let id = self.like_id(ms);
        let age = self.rng.range(60_000, 3 * 86_400_000);
        let liked = self.post(author, None, ms.saturating_sub(age), app, Role::Embedded);
        Obj::new()
            .with("id", id)
            .with("created_at", post_created_at(ms))
            .with("timestamp_ms", ms)
            .with("favorited_status", liked)
            .with("user", liker.v11())
            .into()
    }

    /// A direct message from `sender` to `recipient`, sent with the app.
    fn direct_message(
        &mut self,
        sender: &Profile,
        recipient: &Profile,
        ms: u64,
        app: &AppInfo,
    ) -> J {
        let id = self.new_id(ms);
        let pieces = self.compose(Vec::new(), Vec::new(), false);
        let built = Built::new(&pieces, EntityOrder::DirectMessage);
        let create = Obj::new()
            .with(
                "target",
                Obj::new().with("recipient_id", recipient.id.clone()),
            )
            .with("sender_id", sender.id.clone())
            .with("source_app_id", app.id.clone())
            .with(
                "message_data",
                Obj::new()
                    .with("text", built.text)
                    .with("entities", built.entities),
            );
        Obj::new()
            .with("type", "message_create")
            .with("id", id.to_string())
            .with("created_timestamp", ms.to_string())
            .with("message_create", create)
            .into()
    }

    /// The pieces of a text: `lead`, a sentence, optional extras (emoji, a quoted word, a line
    /// break, a shrug, a hashtag, a cashtag, a link) and `tail`, kept within [`MAX_TEXT`] code
    /// points. Posts get hashtags and cashtags more often than direct messages.
    fn compose(&mut self, lead: Vec<Piece>, tail: Vec<Piece>, post: bool) -> Vec<Piece> {
        let mut pieces = lead;
        pieces.push(Piece::text(format!(
            "{} {} {}",
            self.rng.pick(&SUBJECTS),
            self.rng.pick(&VERBS),
            self.rng.pick(&OBJECTS)
        )));
        let mut extras = Vec::new();
        if self.rng.chance(35) {
            extras.push(Piece::text(format!(" {}", self.rng.pick(&EMOJI))));
        }
        if self.rng.chance(15) {
            extras.push(Piece::text(format!(" \"{}\"", self.rng.pick(&QUOTED))));
        }
        if self.rng.chance(10) {
            extras.push(Piece::text(" \u{af}\\_(\u{30c4})_/\u{af}"));
        }
        let line_break = self.rng.chance(12);
        let mut tags = Vec::new();
        if self.rng.chance(if post { 40 } else { 15 }) {
            tags.push(Piece::Hashtag(self.rng.word(&HASHTAGS)));
        }
        if self.rng.chance(if post { 12 } else { 4 }) {
            tags.push(Piece::Cashtag(self.rng.word(&CASHTAGS)));
        }
        if self.rng.chance(30) {
            tags.push(self.link());
        }
        for (i, tag) in tags.into_iter().enumerate() {
            extras.push(Piece::text(match (i, line_break) {
                (0, true) if self.rng.chance(50) => "\n",
                (0, true) => "\n\n",
                _ => " ",
            }));
            extras.push(tag);
        }
        // Drop extras from the end until the whole text fits.
        let fixed: usize = pieces.iter().chain(&tail).map(Piece::len).sum();
        while fixed + extras.iter().map(Piece::len).sum::<usize>() > MAX_TEXT {
            extras.pop();
        }
        while extras.last().is_some_and(Piece::is_blank) {
            extras.pop();
        }
        pieces.extend(extras);
        pieces.extend(tail);
        pieces
    }

    /// A t.co link to an invented page.
    fn link(&mut self) -> Piece {
        let tco = format!("https://t.co/{}", self.rng.alnum(10));
        let (site, path) = *self.rng.pick(&SITES);
        let expanded = format!("https://{site}/{path}");
        let display = display_url(&expanded);
        Piece::Link {
            tco,
            expanded,
            display,
        }
    }
}

/// What a post is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Own,
    Mention,
    Embedded,
    /// The subscribed user's reply to the peer (always a reply, written with the app).
    ReplyOwn,
    /// Another user's reply to the peer (always a reply).
    ReplyOther,
}

/// The app the events name.
struct AppInfo {
    id: String,
    name: String,
    url: String,
}

impl AppInfo {
    fn new(id: &str, name: &str) -> Self {
        let slug: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let slug = if slug.is_empty() {
            "app".to_owned()
        } else {
            slug
        };
        AppInfo {
            id: id.to_owned(),
            name: name.to_owned(),
            url: format!("https://{slug}.example"),
        }
    }

    /// The post `source` field: an HTML link to the app.
    fn source_link(&self) -> String {
        format!(
            "<a href=\"{}\" rel=\"nofollow\">{}</a>",
            self.url,
            html_escape(&self.name)
        )
    }

    /// The app's entry in a direct message's `apps` map.
    fn to_json(&self) -> Obj {
        Obj::new()
            .with("id", self.id.clone())
            .with("name", self.name.clone())
            .with("url", self.url.clone())
    }
}

/// A whole envelope: `for_user_id`, `extra` top-level fields, the event array under the
/// activity's key, then `maps` (`apps`, `users`).
fn delivery(
    me: &Profile,
    extra: &[(&'static str, J)],
    activity: Activity,
    event: J,
    maps: Obj,
) -> J {
    let mut env = Obj::new().with("for_user_id", me.id.clone());
    for (key, value) in extra {
        env.push(*key, value.clone());
    }
    env.push(activity.envelope_key(), J::Arr(vec![event]));
    env.0.extend(maps.0);
    env.into()
}

/// A post as it appears inside another (`retweeted_status`): without the stream-only fields.
fn embedded(post: J) -> J {
    match post {
        J::Obj(mut o) => {
            o.remove("filter_level");
            o.remove("timestamp_ms");
            J::Obj(o)
        }
        other => other,
    }
}

/// A follow, unfollow, block, unblock, mute or unmute of `target` by `source`.
fn user_action(ty: &'static str, source: &Profile, target: &Profile, ms: u64) -> J {
    Obj::new()
        .with("type", ty)
        .with("created_timestamp", ms.to_string())
        .with("target", target.activity_user())
        .with("source", source.activity_user())
        .into()
}

/// The `users` map of direct message, typing and read events.
fn dm_users(sender: &Profile, recipient: &Profile) -> Obj {
    let mut users = Obj::new().with(sender.id.clone(), sender.dm_user());
    if recipient.id != sender.id {
        users.push(recipient.id.clone(), recipient.dm_user());
    }
    users
}

/// A URL as X shows it: no scheme or `www.`, cut at 25 characters with an ellipsis.
fn display_url(url: &str) -> String {
    let u = url.split_once("://").map_or(url, |(_, rest)| rest);
    let u = u.strip_prefix("www.").unwrap_or(u);
    if u.chars().count() > 26 {
        let mut cut: String = u.chars().take(25).collect();
        cut.push('\u{2026}');
        cut
    } else {
        u.to_owned()
    }
}

/// Escapes `&`, `<` and `>` as X does in HTML fields.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

// ---- profiles ----

/// An invented profile for a party, derived from the seed and the user id alone.
#[allow(clippy::struct_excessive_bools)] // X's user objects are full of flags
struct Profile {
    id: String,
    screen_name: String,
    name: String,
    location: Option<&'static str>,
    description: Option<&'static str>,
    url: Option<String>,
    protected: bool,
    verified: bool,
    followers: u64,
    friends: u64,
    listed: u64,
    favourites: u64,
    statuses: u64,
    created_ms: u64,
    geo_enabled: bool,
    default_profile: bool,
    default_image: bool,
    colors: [&'static str; 2],
    image: String,
    banner: Option<u64>,
}

impl Profile {
    fn new(seed: u64, party: &Party<'_>) -> Self {
        let mut r = Rng::new(seed ^ mix(fnv64(party.user_id.as_bytes())));
        let numeric = party.user_id.parse::<u64>().ok();
        // Snowflake user ids (from 2016 on) carry their creation time; older accounts get one
        // between 2008 and 2016.
        let created_ms = match numeric {
            Some(id) if id >= 1 << 50 => (id >> 22) + TWEPOCH,
            _ => r.range(1_199_145_600_000, 1_451_606_400_000),
        };
        let name = if r.chance(10) {
            party.screen_name.to_owned()
        } else {
            let mut n = format!("{} {}", r.pick(&FIRST_NAMES), r.pick(&LAST_NAMES));
            if r.chance(12) {
                n.push(' ');
                n.push_str(r.word(&EMOJI));
            }
            n
        };
        let followers =
            r.range(1, 9) * 10u64.pow(u32::try_from(r.below(5)).unwrap_or(0)) + r.below(10);
        let default_profile = r.chance(25);
        // Avatars uploaded from 2016 on have snowflake ids, as most do now.
        let upload_ms = created_ms.max(1_451_606_400_000) + r.range(86_400_000, 400 * 86_400_000);
        let image = format!(
            "{}/{}_normal.{}",
            ((upload_ms.saturating_sub(TWEPOCH)) << 22) | (r.next_u64() & 0x3F_FFFF),
            r.alnum(8),
            if r.chance(70) { "jpg" } else { "png" }
        );
        Profile {
            id: party.user_id.to_owned(),
            screen_name: party.screen_name.to_owned(),
            name,
            location: if r.chance(75) {
                Some(*r.pick(&LOCATIONS))
            } else {
                None
            },
            description: if r.chance(85) {
                Some(*r.pick(&BIOS))
            } else {
                None
            },
            url: if r.chance(30) {
                Some(format!("https://t.co/{}", r.alnum(10)))
            } else {
                None
            },
            protected: r.chance(3),
            verified: r.chance(5),
            followers,
            friends: r.range(5, 2_000),
            listed: r.below(followers / 40 + 1),
            favourites: r.range(0, 40_000),
            statuses: r.range(1, 60_000),
            created_ms,
            geo_enabled: r.chance(30),
            default_profile,
            default_image: r.chance(5),
            colors: if default_profile {
                ["F5F8FA", "1DA1F2"]
            } else {
                [
                    *r.pick(&["000000", "1A1B1F", "022330", "352726", "C0DEED"]),
                    *r.pick(&["1B95E0", "E81C4F", "19CF86", "FAB81E", "ABB8C2"]),
                ]
            },
            image,
            banner: if default_profile {
                None
            } else {
                Some(upload_ms / 1_000 + r.below(9_000_000))
            },
        }
    }

    /// The id as a JSON number, as v1.1 objects write `id` (a string if it is not decimal).
    fn id_json(&self) -> J {
        self.id
            .parse::<u64>()
            .map_or_else(|_| J::from(self.id.clone()), J::from)
    }

    fn image_url(&self, https: bool) -> String {
        let scheme = if https { "https" } else { "http" };
        if self.default_image {
            format!(
                "{scheme}://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
            )
        } else {
            format!("{scheme}://pbs.twimg.com/profile_images/{}", self.image)
        }
    }

    /// The full v1.1 user object of posts and likes.
    fn v11(&self) -> J {
        self.v11_fields(true).into()
    }

    fn v11_fields(&self, id_str: bool) -> Obj {
        let mut u = Obj::new().with("id", self.id_json());
        if id_str {
            u.push("id_str", self.id.clone());
        }
        u.push("name", self.name.clone());
        u.push("screen_name", self.screen_name.clone());
        u.push("location", self.location);
        u.push("url", self.url.clone());
        u.push("description", self.description);
        u.push("translator_type", "none");
        u.push("protected", self.protected);
        u.push("verified", self.verified);
        u.push("followers_count", self.followers);
        u.push("friends_count", self.friends);
        u.push("listed_count", self.listed);
        u.push("favourites_count", self.favourites);
        u.push("statuses_count", self.statuses);
        u.push("created_at", post_created_at(self.created_ms));
        u.push("utc_offset", J::Null);
        u.push("time_zone", J::Null);
        u.push("geo_enabled", self.geo_enabled);
        u.push("lang", J::Null);
        u.push("contributors_enabled", false);
        u.push("is_translator", false);
        let [background, link] = self.colors;
        let theme = if self.default_profile {
            ""
        } else {
            "abs.twimg.com/images/themes/theme1/bg.png"
        };
        let themed = |scheme: &str| {
            if theme.is_empty() {
                String::new()
            } else {
                format!("{scheme}://{theme}")
            }
        };
        u.push("profile_background_color", background);
        u.push("profile_background_image_url", themed("http"));
        u.push("profile_background_image_url_https", themed("https"));
        u.push("profile_background_tile", false);
        u.push("profile_link_color", link);
        let (border, fill, text) = if self.default_profile {
            ("C0DEED", "DDEEF6", "333333")
        } else {
            ("000000", "000000", "000000")
        };
        u.push("profile_sidebar_border_color", border);
        u.push("profile_sidebar_fill_color", fill);
        u.push("profile_text_color", text);
        u.push("profile_use_background_image", self.default_profile);
        u.push("profile_image_url", self.image_url(false));
        u.push("profile_image_url_https", self.image_url(true));
        if let Some(banner) = self.banner {
            u.push(
                "profile_banner_url",
                format!("https://pbs.twimg.com/profile_banners/{}/{banner}", self.id),
            );
        }
        u.push("default_profile", self.default_profile);
        u.push("default_profile_image", self.default_image);
        u
    }

    /// A user as follow, block and mute events carry it: `id` as a string, no `id_str`.
    fn activity_user(&self) -> J {
        let mut u = self.v11_fields(false);
        u.0[0].1 = J::from(self.id.clone());
        u.push("following", false);
        u.push("follow_request_sent", false);
        u.push("notifications", false);
        u.into()
    }

    /// A user in the `users` map of direct message, typing and read events.
    fn dm_user(&self) -> J {
        let mut u = Obj::new()
            .with("id", self.id.clone())
            .with("created_timestamp", self.created_ms.to_string())
            .with("name", self.name.clone())
            .with("screen_name", self.screen_name.clone());
        if let Some(location) = self.location {
            u.push("location", location);
        }
        if let Some(description) = self.description {
            u.push("description", description);
        }
        if let Some(url) = &self.url {
            u.push("url", url.clone());
        }
        u.push("protected", self.protected);
        u.push("verified", self.verified);
        u.push("followers_count", self.followers);
        u.push("friends_count", self.friends);
        u.push("statuses_count", self.statuses);
        u.push("profile_image_url", self.image_url(false));
        u.push("profile_image_url_https", self.image_url(true));
        u.into()
    }
}

// ---- texts and entities ----

/// A piece of a text; entities know their place once the text is laid out.
enum Piece {
    Text(Cow<'static, str>),
    Mention {
        screen_name: String,
        name: String,
        id: J,
        id_str: String,
    },
    Hashtag(&'static str),
    Cashtag(&'static str),
    Link {
        tco: String,
        expanded: String,
        display: String,
    },
}

impl Piece {
    fn text(s: impl Into<Cow<'static, str>>) -> Self {
        Piece::Text(s.into())
    }

    fn mention(p: &Profile) -> Self {
        Piece::Mention {
            screen_name: p.screen_name.clone(),
            name: p.name.clone(),
            id: p.id_json(),
            id_str: p.id.clone(),
        }
    }

    /// The piece as it appears in the text.
    fn render(&self) -> Cow<'_, str> {
        match self {
            Piece::Text(s) => Cow::Borrowed(s),
            Piece::Mention { screen_name, .. } => Cow::Owned(format!("@{screen_name}")),
            Piece::Hashtag(tag) => Cow::Owned(format!("#{tag}")),
            Piece::Cashtag(sym) => Cow::Owned(format!("${sym}")),
            Piece::Link { tco, .. } => Cow::Borrowed(tco),
        }
    }

    /// Its length in code points.
    fn len(&self) -> usize {
        self.render().chars().count()
    }

    fn is_blank(&self) -> bool {
        matches!(self, Piece::Text(s) if s.trim().is_empty())
    }
}

/// The order X writes entity lists in: posts and direct messages differ.
#[derive(Clone, Copy)]
enum EntityOrder {
    Post,
    DirectMessage,
}

/// A laid-out text and its `entities` object.
struct Built {
    text: String,
    /// Length in code points.
    len: usize,
    entities: Obj,
    has_urls: bool,
}

impl Built {
    fn new(pieces: &[Piece], order: EntityOrder) -> Self {
        let mut text = String::new();
        let mut len = 0;
        let (mut hashtags, mut symbols, mut mentions, mut urls) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for piece in pieces {
            let rendered = piece.render();
            let start = len;
            len += rendered.chars().count();
            text.push_str(&rendered);
            let indices = J::indices(start, len);
            match piece {
                Piece::Text(_) => {}
                Piece::Mention {
                    screen_name,
                    name,
                    id,
                    id_str,
                } => mentions.push(J::from(
                    Obj::new()
                        .with("screen_name", screen_name.clone())
                        .with("name", name.clone())
                        .with("id", id.clone())
                        .with("id_str", id_str.clone())
                        .with("indices", indices),
                )),
                Piece::Hashtag(tag) => hashtags.push(J::from(
                    Obj::new().with("text", *tag).with("indices", indices),
                )),
                Piece::Cashtag(sym) => symbols.push(J::from(
                    Obj::new().with("text", *sym).with("indices", indices),
                )),
                Piece::Link {
                    tco,
                    expanded,
                    display,
                } => urls.push(J::from(
                    Obj::new()
                        .with("url", tco.clone())
                        .with("expanded_url", expanded.clone())
                        .with("display_url", display.clone())
                        .with("indices", indices),
                )),
            }
        }
        let has_urls = !urls.is_empty();
        let entities = match order {
            EntityOrder::Post => Obj::new()
                .with("hashtags", J::Arr(hashtags))
                .with("urls", J::Arr(urls))
                .with("user_mentions", J::Arr(mentions))
                .with("symbols", J::Arr(symbols)),
            EntityOrder::DirectMessage => Obj::new()
                .with("hashtags", J::Arr(hashtags))
                .with("symbols", J::Arr(symbols))
                .with("user_mentions", J::Arr(mentions))
                .with("urls", J::Arr(urls)),
        };
        Built {
            text,
            len,
            entities,
            has_urls,
        }
    }
}

// ---- an ordered JSON tree ----

/// A JSON value whose objects keep their keys in insertion order, so the bytes look like X's
/// whatever features serde_json is built with.
#[derive(Clone, Debug)]
enum J {
    Null,
    Bool(bool),
    Num(u64),
    Str(String),
    Arr(Vec<J>),
    Obj(Obj),
}

impl J {
    fn indices(start: usize, end: usize) -> J {
        J::Arr(vec![
            J::Num(u64::try_from(start).unwrap_or(u64::MAX)),
            J::Num(u64::try_from(end).unwrap_or(u64::MAX)),
        ])
    }
}

/// An object with ordered keys.
#[derive(Clone, Debug, Default)]
struct Obj(Vec<(Cow<'static, str>, J)>);

impl Obj {
    fn new() -> Self {
        Obj::default()
    }

    fn push(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<J>) {
        self.0.push((key.into(), value.into()));
    }

    /// Replaces the value of `key`, or adds it at the end.
    fn set(&mut self, key: &'static str, value: impl Into<J>) {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key.into(), value)),
        }
    }

    /// Drops `key` if present.
    fn remove(&mut self, key: &str) {
        self.0.retain(|(k, _)| k != key);
    }

    /// Adds `key` right after `after` (at the end when `after` is absent).
    fn insert_after(&mut self, after: &str, key: &'static str, value: impl Into<J>) {
        let at = self
            .0
            .iter()
            .position(|(k, _)| k == after)
            .map_or(self.0.len(), |i| i + 1);
        self.0.insert(at, (key.into(), value.into()));
    }

    /// The string value of `key`.
    fn get_str(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| match v {
                J::Str(s) => Some(s.as_str()),
                _ => None,
            })
    }

    fn with(mut self, key: impl Into<Cow<'static, str>>, value: impl Into<J>) -> Self {
        self.push(key, value);
        self
    }
}

impl From<Obj> for J {
    fn from(o: Obj) -> Self {
        J::Obj(o)
    }
}

impl From<bool> for J {
    fn from(b: bool) -> Self {
        J::Bool(b)
    }
}

impl From<u64> for J {
    fn from(n: u64) -> Self {
        J::Num(n)
    }
}

impl From<&'static str> for J {
    fn from(s: &'static str) -> Self {
        J::Str(s.to_owned())
    }
}

impl From<String> for J {
    fn from(s: String) -> Self {
        J::Str(s)
    }
}

impl<T: Into<J>> From<Option<T>> for J {
    fn from(o: Option<T>) -> Self {
        o.map_or(J::Null, Into::into)
    }
}

impl Serialize for J {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            J::Null => serializer.serialize_unit(),
            J::Bool(b) => serializer.serialize_bool(*b),
            J::Num(n) => serializer.serialize_u64(*n),
            J::Str(s) => serializer.serialize_str(s),
            J::Arr(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            J::Obj(obj) => {
                let mut map = serializer.serialize_map(Some(obj.0.len()))?;
                for (key, value) in &obj.0 {
                    map.serialize_entry(key.as_ref(), value)?;
                }
                map.end()
            }
        }
    }
}

/// 64-bit FNV-1a, to turn a user id into a profile seed.
fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

// ---- word lists ----

const SUBJECTS: [&str; 14] = [
    "The new build",
    "My caf\u{e9} order",
    "Our webhook",
    "This na\u{ef}ve retry loop",
    "The changelog",
    "Today's standup",
    "The Z\u{fc}rich meetup",
    "Your cr\u{e8}me br\u{fb}l\u{e9}e recipe",
    "Every deploy",
    "A tiny patch",
    "The sm\u{f6}rg\u{e5}sbord of bugs",
    "The ferry schedule",
    "My little side project",
    "The ma\u{f1}ana plan",
];

const VERBS: [&str; 12] = [
    "finally works on",
    "is blocked by",
    "reminds me of",
    "survived",
    "needs more tests for",
    "just shipped with",
    "broke again after",
    "is better than",
    "made my day on",
    "keeps timing out on",
    "got a fa\u{e7}ade lift for",
    "was rewritten for",
];

const OBJECTS: [&str; 12] = [
    "a rainy Tuesday",
    "the staging server",
    "the first try",
    "a Friday afternoon",
    "three cups of coffee",
    "the old fa\u{e7}ade",
    "the Malm\u{f6} office",
    "a cold start",
    "half the team",
    "the 5 pm train",
    "S\u{e3}o Paulo time",
    "the night shift",
];

const EMOJI: [&str; 10] = [
    "\u{1f389}",
    "\u{1f680}",
    "\u{2615}",
    "\u{2728}",
    "\u{1f64c}",
    "\u{1f605}",
    "\u{1f525}",
    "\u{1f33f}",
    "\u{2764}\u{fe0f}",
    "\u{1f440}",
];

const QUOTED: [&str; 6] = [
    "ship it",
    "works on my machine",
    "just one more thing",
    "it's fine",
    "d\u{e9}j\u{e0} vu",
    "LGTM",
];

const HASHTAGS: [&str; 8] = [
    "buildinpublic",
    "rustlang",
    "webhooks",
    "DevOps",
    "Z\u{fc}rich",
    "caf\u{e9}",
    "MondayMotivation",
    "100DaysOfCode",
];

const CASHTAGS: [&str; 5] = ["KSTL", "NVFR", "ACME", "QUIL", "LNTN"];

const SITES: [(&str, &str); 6] = [
    ("kestrellabs.example", "blog/incident-review"),
    ("nordvikferry.example", "timetable/2025/winter"),
    (
        "www.quillpress.example",
        "articles/on-retries-and-idempotency",
    ),
    ("lantern.example", "docs/webhooks"),
    ("cafe-soleil.example", "menu"),
    ("tinyrelease.example", "changelog#v1.4.2"),
];

const CLIENTS: [&str; 4] = [
    "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
    "<a href=\"http://twitter.com/download/android\" rel=\"nofollow\">Twitter for Android</a>",
    "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
    "<a href=\"https://about.twitter.com/products/tweetdeck\" rel=\"nofollow\">TweetDeck</a>",
];

const FIRST_NAMES: [&str; 12] = [
    "Zo\u{eb}",
    "Tom\u{e1}s",
    "Priya",
    "Bj\u{f6}rn",
    "Marisol",
    "Hamid",
    "Yutong",
    "Grace",
    "Odalys",
    "Rowan",
    "Ana\u{ef}s",
    "Dmitri",
];

const LAST_NAMES: [&str; 12] = [
    "Lindqvist",
    "Oyelaran",
    "Garc\u{ed}a",
    "M\u{fc}ller",
    "Park",
    "Okafor",
    "Nakamura",
    "Ferreira",
    "\u{c5}berg",
    "Haddad",
    "Novak",
    "Brennan",
];

const LOCATIONS: [&str; 10] = [
    "Malm\u{f6}",
    "S\u{e3}o Paulo",
    "Z\u{fc}rich",
    "Toronto",
    "Lagos",
    "Remote \u{b7} UTC+1",
    "Boulder, CO",
    "Osaka",
    "Dublin",
    "somewhere with coffee",
];

const BIOS: [&str; 10] = [
    "Climbing, cardamom buns, compilers.",
    "Building quiet tools for noisy data.",
    "Opinions are my own. Mostly about trains.",
    "Backend person. Ask me about retries.",
    "Caf\u{e9} hopper \u{2615} and part-time pianist",
    "she/her \u{b7} data by day, design by dusk",
    "Here for the threads \u{1f9f5}",
    "Writing about \"small\" software",
    "Product @ a ferry company \u{26f4}\u{fe0f}",
    "",
];

#[cfg(test)]
mod tests {
    use super::*;
    use aaa_model::Timestamp;

    const NOW: u64 = 1_700_000_000_000;

    fn parties() -> (Party<'static>, Party<'static>) {
        (
            Party::new("1245855954975051776", "test_twit_42"),
            Party::new("1693649419", "tweetinvitest"),
        )
    }

    fn value(body: &[u8]) -> serde_json::Value {
        serde_json::from_slice(body).expect("generated body is JSON")
    }

    #[test]
    fn names_round_trip_and_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for activity in Activity::ALL {
            assert!(seen.insert(activity.name()), "{activity} named twice");
            assert_eq!(Activity::from_name(activity.name()), Some(activity));
            assert_eq!(activity.to_string(), activity.name());
        }
        assert_eq!(Activity::from_name("nope"), None);
        assert_eq!(Activity::Mention.event_kind(), EventKind::TweetCreate);
        assert_eq!(
            Activity::UnfollowInFollowEvents.event_kind(),
            EventKind::Unfollow
        );
        assert_eq!(Activity::UnmuteInMuteEvents.envelope_key(), "mute_events");
        assert_eq!(Activity::Unblock.envelope_key(), "unblock_events");
    }

    #[test]
    fn every_documented_activity_type_is_generated_with_edit_metadata() {
        let (me, them) = parties();
        let mut g = Generator::new(3);
        let mut body = |a| value(&g.envelope(a, &me, &them, "13090192", NOW));
        let post = |v: &serde_json::Value| v["tweet_create_events"][0].clone();
        let edits = |t: &serde_json::Value| {
            assert_eq!(t["edit_history"]["edit_tweet_ids"][0], t["id_str"], "{t}");
            assert_eq!(t["edit_history"]["initial_tweet_id"], t["id_str"], "{t}");
            assert_eq!(t["edit_controls"]["edits_remaining"], 5, "{t}");
            assert!(
                t["edit_controls"]["editable_until_ms"].as_u64().is_some(),
                "{t}"
            );
            assert!(t["editable"].is_boolean(), "{t}");
        };

        let t = post(&body(Activity::Retweet));
        assert_eq!(t["user"]["id_str"], me.user_id);
        assert_eq!(t["retweeted_status"]["user"]["id_str"], them.user_id);
        assert!(
            t["text"]
                .as_str()
                .unwrap()
                .starts_with("RT @tweetinvitest: "),
            "{t}"
        );
        assert_eq!(
            t["entities"]["user_mentions"][0]["indices"],
            serde_json::json!([3, 17])
        );
        assert_eq!(t["editable"], false);
        edits(&t);
        edits(&t["retweeted_status"]);

        let t = post(&body(Activity::RetweetOfUser));
        assert_eq!(t["user"]["id_str"], them.user_id);
        assert_eq!(t["retweeted_status"]["user"]["id_str"], me.user_id);

        let t = post(&body(Activity::Quote));
        assert_eq!(t["user"]["id_str"], me.user_id);
        assert_eq!(t["is_quote_status"], true);
        assert_eq!(t["quoted_status"]["user"]["id_str"], them.user_id);
        assert_eq!(t["quoted_status_id_str"], t["quoted_status"]["id_str"]);
        edits(&t);

        let t = post(&body(Activity::QuoteOfUser));
        assert_eq!(t["quoted_status"]["user"]["id_str"], me.user_id);

        let t = post(&body(Activity::RetweetOfQuote));
        assert_eq!(t["user"]["id_str"], me.user_id);
        assert_eq!(t["retweeted_status"]["is_quote_status"], true);
        assert_eq!(
            t["retweeted_status"]["quoted_status"]["user"]["id_str"],
            me.user_id
        );
        let t = post(&body(Activity::RetweetOfQuoteOfUser));
        assert_eq!(t["user"]["id_str"], them.user_id);
        assert_eq!(t["retweeted_status"]["user"]["id_str"], me.user_id);

        let t = post(&body(Activity::Reply));
        assert_eq!(t["in_reply_to_user_id_str"], them.user_id);
        assert_eq!(t["user"]["id_str"], me.user_id);
        let t = post(&body(Activity::ReplyToUser));
        assert_eq!(t["in_reply_to_user_id_str"], me.user_id);
        assert_eq!(t["user"]["id_str"], them.user_id);

        let v = body(Activity::FavoriteByUser);
        assert_eq!(v["favorite_events"][0]["user"]["id_str"], me.user_id);
        assert_eq!(
            v["favorite_events"][0]["favorited_status"]["user"]["id_str"],
            them.user_id
        );
        let v = body(Activity::FollowByUser);
        assert_eq!(v["follow_events"][0]["source"]["id"], me.user_id);
        assert_eq!(v["follow_events"][0]["target"]["id"], them.user_id);
        let v = body(Activity::DirectMessageSent);
        let dm = &v["direct_message_events"][0]["message_create"];
        assert_eq!(dm["sender_id"], me.user_id);
        assert_eq!(dm["target"]["recipient_id"], them.user_id);

        // The plain kinds carry the edit metadata too.
        edits(&post(&body(Activity::TweetCreate)));
        edits(&post(&body(Activity::Mention)));
    }

    #[test]
    fn clock_and_ids_move_on_within_one_millisecond() {
        let (me, them) = parties();
        let mut g = Generator::new(1);
        let mut last_ms = 0;
        let mut last_id = 0;
        for _ in 0..50 {
            let v = value(&g.envelope(Activity::DirectMessage, &me, &them, "1", NOW));
            let dm = &v["direct_message_events"][0];
            let ms: u64 = dm["created_timestamp"].as_str().unwrap().parse().unwrap();
            let id: u64 = dm["id"].as_str().unwrap().parse().unwrap();
            assert!(ms > last_ms && id > last_id);
            assert!(ms >= NOW);
            // The id is a snowflake of its time.
            if last_id == 0 {
                assert_eq!((id >> 22) + TWEPOCH, ms);
            }
            (last_ms, last_id) = (ms, id);
        }
    }

    #[test]
    fn revokes_take_a_second_each() {
        let (me, them) = parties();
        let mut g = Generator::new(1);
        let a = value(&g.envelope(Activity::UserRevoke, &me, &them, "13090192", NOW));
        let b = value(&g.envelope(Activity::UserRevoke, &me, &them, "13090192", NOW));
        let (a, b) = (
            a["user_event"]["revoke"]["date_time"]
                .as_str()
                .unwrap()
                .to_owned(),
            b["user_event"]["revoke"]["date_time"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        assert_eq!(a, "2023-11-14T22:13:20+00:00");
        assert_eq!(b, "2023-11-14T22:13:21+00:00");
        // The clock does not fall behind the revoke.
        let c = value(&g.envelope(Activity::Follow, &me, &them, "1", NOW));
        let ms: u64 = c["follow_events"][0]["created_timestamp"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(ms > 1_700_000_001_000);
    }

    #[test]
    fn shapes_follow_x() {
        let (me, them) = parties();
        let mut generator = Generator::new(3).with_app_name("Furious <Camper>");
        let v = value(&generator.envelope(Activity::Mention, &me, &them, "13090192", NOW));
        assert_eq!(v["for_user_id"], "1245855954975051776");
        assert_eq!(v["user_has_blocked"], "false");
        let tweet = &v["tweet_create_events"][0];
        assert_eq!(tweet["user"]["id_str"], "1693649419");
        assert_eq!(tweet["user"]["id"], 1_693_649_419u64);
        assert!(tweet["timestamp_ms"].is_string());
        assert_eq!(
            Timestamp::parse_created_at(tweet["created_at"].as_str().unwrap())
                .unwrap()
                .as_secs(),
            1_700_000_000
        );
        let mentions = tweet["entities"]["user_mentions"].as_array().unwrap();
        assert!(
            mentions
                .iter()
                .any(|m| m["id_str"] == "1245855954975051776")
        );

        let v = value(&generator.envelope(Activity::TweetCreate, &me, &them, "13090192", NOW));
        assert_eq!(
            v["tweet_create_events"][0]["source"],
            "<a href=\"https://furiouscamper.example\" rel=\"nofollow\">Furious &lt;Camper&gt;</a>"
        );

        let v = value(&generator.envelope(Activity::UnfollowInFollowEvents, &me, &them, "1", NOW));
        let event = &v["follow_events"][0];
        assert_eq!(event["type"], "unfollow");
        assert_eq!(event["source"]["id"], "1245855954975051776");
        assert_eq!(event["target"]["id"], "1693649419");
        assert!(event["source"].get("id_str").is_none());

        let v = value(&generator.envelope(Activity::Favorite, &me, &them, "1", NOW));
        let fav = &v["favorite_events"][0];
        let id = fav["id"].as_str().unwrap();
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(fav["timestamp_ms"].is_u64());
        assert_eq!(
            fav["favorited_status"]["user"]["id_str"],
            "1245855954975051776"
        );
        assert_eq!(fav["user"]["id_str"], "1693649419");

        let v = value(&generator.envelope(Activity::DirectMessage, &me, &them, "13090192", NOW));
        assert_eq!(v["apps"]["13090192"]["name"], "Furious <Camper>");
        let users = v["users"].as_object().unwrap();
        assert!(users.contains_key("1693649419") && users.contains_key("1245855954975051776"));
        let mc = &v["direct_message_events"][0]["message_create"];
        assert_eq!(mc["sender_id"], "1693649419");
        assert_eq!(mc["target"]["recipient_id"], "1245855954975051776");
        assert_eq!(mc["source_app_id"], "13090192");

        let v = value(&generator.envelope(Activity::UserRevoke, &me, &them, "13090192", NOW));
        assert!(v.get("for_user_id").is_none());
        assert_eq!(v["user_event"]["revoke"]["target"]["app_id"], "13090192");
        assert_eq!(
            v["user_event"]["revoke"]["source"]["user_id"],
            "1245855954975051776"
        );
    }

    /// Every entity's `indices` select its text, counted in code points.
    #[test]
    fn indices_count_code_points() {
        let (me, them) = parties();
        let mut g = Generator::new(11);
        let (mut non_ascii, mut escaped, mut entities) = (0, 0, 0);
        for i in 0..300u64 {
            let activity = [
                Activity::TweetCreate,
                Activity::Mention,
                Activity::DirectMessage,
            ][usize::try_from(i % 3).unwrap()];
            let v = value(&g.envelope(activity, &me, &them, "1", NOW));
            let holder = if activity == Activity::DirectMessage {
                &v["direct_message_events"][0]["message_create"]["message_data"]
            } else {
                &v["tweet_create_events"][0]
            };
            let text = holder["text"].as_str().unwrap().to_owned();
            let ents = holder["entities"].clone();
            let chars: Vec<char> = text.chars().collect();
            assert!(chars.len() <= MAX_TEXT, "{text}");
            non_ascii += usize::from(!text.is_ascii());
            escaped += usize::from(text.contains(['"', '\n', '\\']));
            for (list, prefix, field) in [
                ("hashtags", "#", "text"),
                ("symbols", "$", "text"),
                ("user_mentions", "@", "screen_name"),
                ("urls", "", "url"),
            ] {
                for e in ents[list].as_array().unwrap() {
                    let [s, t] =
                        [0, 1].map(|k| usize::try_from(e["indices"][k].as_u64().unwrap()).unwrap());
                    let got: String = chars[s..t].iter().collect();
                    let want = format!("{prefix}{}", e[field].as_str().unwrap());
                    assert_eq!(got, want, "in {text:?}");
                    entities += 1;
                }
            }
        }
        assert!(non_ascii > 100, "{non_ascii}");
        assert!(escaped > 20 && escaped < 200, "{escaped}");
        assert!(entities > 200, "{entities}");
    }

    #[test]
    fn profiles_are_stable_per_user() {
        let (me, them) = parties();
        let mut g = Generator::new(5);
        let a = value(&g.envelope(Activity::Follow, &me, &them, "1", NOW));
        let b = value(&g.envelope(Activity::Block, &me, &them, "1", NOW + 9));
        assert_eq!(
            a["follow_events"][0]["source"],
            b["block_events"][0]["target"]
        );
        // A snowflake user id's account was created when the id says.
        let created = a["follow_events"][0]["target"]["created_at"]
            .as_str()
            .unwrap();
        let id: u64 = me.user_id.parse().unwrap();
        assert_eq!(created, post_created_at((id >> 22) + TWEPOCH));
        assert!(created.starts_with("Thu Apr 02 23:29:") && created.ends_with(" 2020"));
    }

    #[test]
    fn display_urls_are_cut_like_x() {
        assert_eq!(
            display_url("https://www.lantern.example/docs"),
            "lantern.example/docs"
        );
        assert_eq!(
            display_url("https://www.quillpress.example/articles/on-retries-and-idempotency"),
            "quillpress.example/articl\u{2026}"
        );
    }
}
