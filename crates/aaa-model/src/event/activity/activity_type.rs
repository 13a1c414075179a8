//! The X Activity API's event types (`profile.update.bio`, `post.create`, ...).

use core::fmt;

use crate::EventKind;

/// Declares the event types with their dotted names.
macro_rules! activity_types {
    ($( $(#[$meta:meta])* $variant:ident = $name:literal ),* $(,)?) => {
        /// One X Activity API event type, as named in subscriptions (`event_type`) and
        /// deliveries.
        ///
        /// [`ActivityType::from_name`] also accepts `chat.conversation_join`, the deprecated
        /// alias of `chat.conversation.join`; [`ActivityType::as_str`] always gives the canonical
        /// name, as X's answers do.
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ActivityType {
            $( $(#[$meta])* $variant, )*
        }

        impl ActivityType {
            /// Every event type, in X's documentation order.
            pub const ALL: &'static [ActivityType] = &[$( ActivityType::$variant, )*];

            /// The canonical dotted name (`profile.update.bio`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( ActivityType::$variant => $name, )*
                }
            }
        }
    };
}

activity_types! {
    /// The user changed their bio.
    ProfileUpdateBio = "profile.update.bio",
    /// The user changed their profile picture.
    ProfileUpdateProfilePicture = "profile.update.profile_picture",
    /// The user changed their banner.
    ProfileUpdateBannerPicture = "profile.update.banner_picture",
    /// The user changed their display name.
    ProfileUpdateScreenname = "profile.update.screenname",
    /// The user changed their profile location.
    ProfileUpdateGeo = "profile.update.geo",
    /// The user changed their profile website.
    ProfileUpdateUrl = "profile.update.url",
    /// The user's verified badge changed.
    ProfileUpdateVerifiedBadge = "profile.update.verified_badge",
    /// The user's affiliate badge changed.
    ProfileUpdateAffiliateBadge = "profile.update.affiliate_badge",
    /// The user changed their @handle.
    ProfileUpdateHandle = "profile.update.handle",
    /// A Grok-curated news item matching a keyword.
    NewsNew = "news.new",
    /// The user followed someone, or was followed.
    FollowFollow = "follow.follow",
    /// The user unfollowed someone, or was unfollowed.
    FollowUnfollow = "follow.unfollow",
    /// The user started a Space.
    SpacesStart = "spaces.start",
    /// The user ended a Space.
    SpacesEnd = "spaces.end",
    /// The user started a live broadcast.
    BroadcastStart = "broadcast.start",
    /// The user ended a live broadcast.
    BroadcastEnd = "broadcast.end",
    /// A chat message in a broadcast the user owns.
    BroadcastChat = "broadcast.chat",
    /// The user received an encrypted chat message (XChat).
    ChatReceived = "chat.received",
    /// The user sent an encrypted chat message.
    ChatSent = "chat.sent",
    /// The user joined an encrypted chat conversation (`chat.conversation_join` is the
    /// deprecated alias).
    ChatConversationJoin = "chat.conversation.join",
    /// A member was added to an encrypted group conversation.
    ChatConversationMemberAdded = "chat.conversation.member_added",
    /// A member was removed from an encrypted group conversation.
    ChatConversationMemberRemoved = "chat.conversation.member_removed",
    /// An admin was added to an encrypted group conversation.
    ChatConversationAdminAdded = "chat.conversation.admin_added",
    /// An admin was removed from an encrypted group conversation.
    ChatConversationAdminRemoved = "chat.conversation.admin_removed",
    /// An encrypted group conversation was renamed.
    ChatUpdateGroupName = "chat.update.group_name",
    /// An encrypted group conversation's restrictions changed.
    ChatUpdateRestrictions = "chat.update.restrictions",
    /// The user sent a (legacy, unencrypted) direct message.
    DmSent = "dm.sent",
    /// The user received a direct message.
    DmReceived = "dm.received",
    /// Someone is typing a direct message to the user.
    DmIndicateTyping = "dm.indicate_typing",
    /// Someone read the user's direct message.
    DmRead = "dm.read",
    /// The user created a post (standalone, reply, quote or repost).
    PostCreate = "post.create",
    /// The user deleted a post.
    PostDelete = "post.delete",
    /// Someone mentioned the user in a post.
    PostMentionCreate = "post.mention.create",
    /// Someone replied to one of the user's posts.
    PostReplyCreate = "post.reply.create",
    /// Someone quoted one of the user's posts.
    PostQuoteCreate = "post.quote.create",
    /// Someone reposted one of the user's posts.
    PostRepostCreate = "post.repost.create",
    /// The user liked a post, or one of their posts was liked.
    LikeCreate = "like.create",
    /// The user muted someone.
    MuteMute = "mute.mute",
    /// The user unmuted someone.
    MuteUnmute = "mute.unmute",
    /// The user blocked someone.
    BlockBlock = "block.block",
    /// The user unblocked someone.
    BlockUnblock = "block.unblock",
    /// The user revoked the app's access (delivered with an empty filter; not subscribable).
    OauthRevoke = "oauth.revoke",
}

/// The deprecated name X still accepts for [`ActivityType::ChatConversationJoin`].
pub const CHAT_CONVERSATION_JOIN_ALIAS: &str = "chat.conversation_join";

/// Which filter field a subscription of an event type takes.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterKind {
    /// `filter.user_id`.
    UserId,
    /// `filter.keyword` (1 to 150 characters).
    Keyword,
    /// No filter (`oauth.revoke` arrives with `filter: {}`).
    None,
}

/// The shape of an event type's `payload`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadShape {
    /// `{before, after}` ([`super::ProfileUpdate`]).
    ProfileUpdate,
    /// A news item ([`super::News`]).
    News,
    /// `{source, target}` users ([`super::UserPair`]).
    UserPair,
    /// A Space's host and id ([`super::SpaceActivity`]).
    Space,
    /// A live broadcast ([`super::BroadcastActivity`]).
    Broadcast,
    /// A broadcast chat message ([`super::BroadcastChat`]).
    BroadcastChat,
    /// Encrypted chat material ([`super::ChatActivity`]).
    Chat,
    /// Account Activity style direct message arrays and a `users` map ([`super::DmActivity`]).
    DirectMessage,
    /// A Post ([`super::Post`]).
    Post,
    /// `{id, author_id}` of a deleted post ([`super::PostDelete`]).
    PostDelete,
    /// A like ([`super::LikeActivity`]).
    Like,
    /// `{date_time, user_id, app_id}` ([`super::OauthRevoke`]).
    Revoke,
}

impl ActivityType {
    /// The type with this name; the deprecated `chat.conversation_join` gives
    /// [`ActivityType::ChatConversationJoin`].
    pub fn from_name(name: &str) -> Option<ActivityType> {
        if name == CHAT_CONVERSATION_JOIN_ALIAS {
            return Some(ActivityType::ChatConversationJoin);
        }
        ActivityType::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == name)
    }

    /// The canonical name for `name`: itself, or `chat.conversation.join` for the deprecated
    /// alias. Names this crate does not know are returned unchanged.
    pub fn canonical_name(name: &str) -> &str {
        if name == CHAT_CONVERSATION_JOIN_ALIAS {
            ActivityType::ChatConversationJoin.as_str()
        } else {
            name
        }
    }

    /// The family: the part before the first dot (`profile`, `post`, `chat`, ...).
    pub fn family(self) -> &'static str {
        let name = self.as_str();
        name.split('.').next().unwrap_or(name)
    }

    /// Which filter field a subscription takes.
    pub const fn filter_kind(self) -> FilterKind {
        match self {
            ActivityType::NewsNew => FilterKind::Keyword,
            ActivityType::OauthRevoke => FilterKind::None,
            _ => FilterKind::UserId,
        }
    }

    /// Whether a subscription may carry `filter.direction` (likes, direct messages and chats).
    pub const fn takes_direction(self) -> bool {
        matches!(
            self.payload_shape(),
            PayloadShape::Like | PayloadShape::DirectMessage | PayloadShape::Chat
        )
    }

    /// Whether the event is private: X delivers it only for a user who authorized the app, so
    /// a subscription needs user-context authentication (OAuth 2.0 user token or OAuth 1.0a
    /// user context) rather than the app-only bearer token.
    pub const fn is_private(self) -> bool {
        matches!(
            self,
            ActivityType::LikeCreate
                | ActivityType::PostMentionCreate
                | ActivityType::PostReplyCreate
                | ActivityType::PostQuoteCreate
                | ActivityType::PostRepostCreate
                | ActivityType::MuteMute
                | ActivityType::MuteUnmute
                | ActivityType::BlockBlock
                | ActivityType::BlockUnblock
                | ActivityType::BroadcastChat
        ) || matches!(
            self.payload_shape(),
            PayloadShape::Chat | PayloadShape::DirectMessage
        )
    }

    /// Whether `filter.user_id` must be the authenticated user (mutes and blocks: X delivers
    /// only the user's own actions).
    pub const fn requires_own_user(self) -> bool {
        matches!(
            self,
            ActivityType::MuteMute
                | ActivityType::MuteUnmute
                | ActivityType::BlockBlock
                | ActivityType::BlockUnblock
        )
    }

    /// Whether a subscription can be created for the type (all but `oauth.revoke`, which every
    /// app receives for its users).
    pub const fn is_subscribable(self) -> bool {
        !matches!(self, ActivityType::OauthRevoke)
    }

    /// The shape of the type's `payload`.
    pub const fn payload_shape(self) -> PayloadShape {
        use ActivityType as T;
        match self {
            T::ProfileUpdateBio
            | T::ProfileUpdateProfilePicture
            | T::ProfileUpdateBannerPicture
            | T::ProfileUpdateScreenname
            | T::ProfileUpdateGeo
            | T::ProfileUpdateUrl
            | T::ProfileUpdateVerifiedBadge
            | T::ProfileUpdateAffiliateBadge
            | T::ProfileUpdateHandle => PayloadShape::ProfileUpdate,
            T::NewsNew => PayloadShape::News,
            T::FollowFollow
            | T::FollowUnfollow
            | T::MuteMute
            | T::MuteUnmute
            | T::BlockBlock
            | T::BlockUnblock => PayloadShape::UserPair,
            T::SpacesStart | T::SpacesEnd => PayloadShape::Space,
            T::BroadcastStart | T::BroadcastEnd => PayloadShape::Broadcast,
            T::BroadcastChat => PayloadShape::BroadcastChat,
            T::ChatReceived
            | T::ChatSent
            | T::ChatConversationJoin
            | T::ChatConversationMemberAdded
            | T::ChatConversationMemberRemoved
            | T::ChatConversationAdminAdded
            | T::ChatConversationAdminRemoved
            | T::ChatUpdateGroupName
            | T::ChatUpdateRestrictions => PayloadShape::Chat,
            T::DmSent | T::DmReceived | T::DmIndicateTyping | T::DmRead => {
                PayloadShape::DirectMessage
            }
            T::PostCreate
            | T::PostMentionCreate
            | T::PostReplyCreate
            | T::PostQuoteCreate
            | T::PostRepostCreate => PayloadShape::Post,
            T::PostDelete => PayloadShape::PostDelete,
            T::LikeCreate => PayloadShape::Like,
            T::OauthRevoke => PayloadShape::Revoke,
        }
    }

    /// The Account Activity kind this type replaces, where there is one (the migration table of
    /// `docs/xaa.md`): `post.*` creations were `tweet_create`, `like.create` was `favorite`, the
    /// `dm.*` types the three direct message kinds, and so on.
    pub const fn replaces(self) -> Option<EventKind> {
        use ActivityType as T;
        Some(match self {
            T::PostCreate
            | T::PostMentionCreate
            | T::PostReplyCreate
            | T::PostQuoteCreate
            | T::PostRepostCreate => EventKind::TweetCreate,
            T::PostDelete => EventKind::TweetDelete,
            T::LikeCreate => EventKind::Favorite,
            T::FollowFollow => EventKind::Follow,
            T::FollowUnfollow => EventKind::Unfollow,
            T::MuteMute => EventKind::Mute,
            T::MuteUnmute => EventKind::Unmute,
            T::BlockBlock => EventKind::Block,
            T::BlockUnblock => EventKind::Unblock,
            T::DmSent | T::DmReceived => EventKind::DirectMessage,
            T::DmIndicateTyping => EventKind::DirectMessageIndicateTyping,
            T::DmRead => EventKind::DirectMessageMarkRead,
            T::OauthRevoke => EventKind::UserRevoke,
            _ => return None,
        })
    }
}

impl fmt::Display for ActivityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for ActivityType {
    type Err = UnknownActivityType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ActivityType::from_name(s).ok_or(UnknownActivityType)
    }
}

/// The error of parsing a name that is not an X Activity API event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownActivityType;

impl fmt::Display for UnknownActivityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an x activity api event type (e.g. profile.update.bio, post.create)")
    }
}

impl std::error::Error for UnknownActivityType {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_the_alias_is_canonicalised() {
        assert_eq!(ActivityType::ALL.len(), 42);
        for &t in ActivityType::ALL {
            assert_eq!(ActivityType::from_name(t.as_str()), Some(t));
            assert_eq!(t.as_str().parse::<ActivityType>(), Ok(t));
        }
        assert_eq!(
            ActivityType::from_name("chat.conversation_join"),
            Some(ActivityType::ChatConversationJoin)
        );
        assert_eq!(
            ActivityType::canonical_name("chat.conversation_join"),
            "chat.conversation.join"
        );
        assert_eq!(ActivityType::canonical_name("post.future"), "post.future");
        assert_eq!(ActivityType::from_name("ProfileBioUpdate"), None);
        assert!("tweet_create".parse::<ActivityType>().is_err());
    }

    #[test]
    fn rules_per_type() {
        use ActivityType as T;
        assert_eq!(T::NewsNew.filter_kind(), FilterKind::Keyword);
        assert_eq!(T::OauthRevoke.filter_kind(), FilterKind::None);
        assert!(!T::OauthRevoke.is_subscribable());
        assert!(T::LikeCreate.takes_direction());
        assert!(T::DmRead.takes_direction() && T::ChatSent.takes_direction());
        assert!(!T::MuteMute.takes_direction() && T::MuteMute.requires_own_user());
        assert!(T::LikeCreate.is_private() && T::DmSent.is_private());
        assert!(!T::ProfileUpdateBio.is_private() && !T::PostCreate.is_private());
        assert_eq!(T::PostReplyCreate.replaces(), Some(EventKind::TweetCreate));
        assert_eq!(T::ProfileUpdateBio.replaces(), None);
        assert_eq!(T::ChatUpdateGroupName.family(), "chat");
        // Every AAA kind but the replay status has an XAA successor.
        for kind in EventKind::ALL {
            let successor = ActivityType::ALL.iter().any(|t| t.replaces() == Some(kind));
            assert_eq!(successor, kind != EventKind::ReplayJobStatus, "{kind}");
        }
    }
}
