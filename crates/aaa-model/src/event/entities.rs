//! Entities: hashtags, cashtags, mentions, links, media and polls found in a post's or a direct
//! message's text.

use serde::{Deserialize, Serialize};

use crate::owned::{borrowed_struct, string_enum};
use crate::{MediaId, Text, Timestamp, TweetId, UserId};

/// A `[start, end)` range of code points in the text.
pub type Indices = [u32; 2];

borrowed_struct! {
    /// The `entities` object of a post or a direct message.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct Entities<'a> {
        /// `#hashtags`.
        #[serde(default, borrow)]
        pub hashtags: Vec<HashtagEntity<'a>>,
        /// `$cashtags`.
        #[serde(default, borrow)]
        pub symbols: Vec<HashtagEntity<'a>>,
        /// `@mentions`.
        #[serde(default, borrow)]
        pub user_mentions: Vec<UserMention<'a>>,
        /// Links.
        #[serde(default, borrow)]
        pub urls: Vec<UrlEntity<'a>>,
        /// The first attached photo (all media are in `extended_entities`).
        #[serde(default, borrow)]
        pub media: Vec<Media<'a>>,
        /// Polls (delivered to enterprise consumers only).
        #[serde(default, borrow)]
        pub polls: Vec<Poll<'a>>,
    }
}

borrowed_struct! {
    /// The `extended_entities` object: every attached media item.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct ExtendedEntities<'a> {
        /// The media items, in order.
        #[serde(default, borrow)]
        pub media: Vec<Media<'a>>,
    }
}

borrowed_struct! {
    /// A hashtag or a cashtag.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct HashtagEntity<'a> {
        /// The tag, without `#` / `$`.
        #[serde(borrow)]
        pub text: Text<'a>,
        /// Where it is in the text.
        #[serde(default)]
        pub indices: Option<Indices>,
    }
}

borrowed_struct! {
    /// A mention of a user.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct UserMention<'a> {
        /// The user id.
        #[serde(default)]
        pub id: Option<UserId>,
        /// The user id as a string.
        #[serde(default)]
        pub id_str: Option<UserId>,
        /// The handle, without `@`.
        #[serde(default, borrow)]
        pub screen_name: Option<Text<'a>>,
        /// The display name.
        #[serde(default, borrow)]
        pub name: Option<Text<'a>>,
        /// Where it is in the text.
        #[serde(default)]
        pub indices: Option<Indices>,
    }
}

borrowed_struct! {
    /// A link.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct UrlEntity<'a> {
        /// The t.co link as it appears in the text.
        #[serde(default, borrow)]
        pub url: Option<Text<'a>>,
        /// The full URL.
        #[serde(default, borrow, deserialize_with = "crate::lenient::url")]
        pub expanded_url: Option<Text<'a>>,
        /// The URL as shown to readers.
        #[serde(default, borrow)]
        pub display_url: Option<Text<'a>>,
        /// Where it is in the text.
        #[serde(default)]
        pub indices: Option<Indices>,
    }
}

string_enum! {
    /// The type of a media item.
    pub enum MediaType<'a> {
        /// A photo.
        Photo = "photo",
        /// A video.
        Video = "video",
        /// An animated GIF (delivered as a looping video).
        AnimatedGif = "animated_gif",
    }
}

borrowed_struct! {
    /// A media item (photo, video, GIF), or the media of a direct message attachment.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct Media<'a> {
        /// The media id.
        #[serde(default)]
        pub id: Option<MediaId>,
        /// The media id as a string.
        #[serde(default)]
        pub id_str: Option<MediaId>,
        /// Where its t.co link is in the text.
        #[serde(default)]
        pub indices: Option<Indices>,
        /// The media file URL.
        #[serde(default, borrow, deserialize_with = "crate::lenient::url")]
        pub media_url: Option<Text<'a>>,
        /// The media file URL over https.
        #[serde(default, borrow, deserialize_with = "crate::lenient::url")]
        pub media_url_https: Option<Text<'a>>,
        /// The t.co link in the text.
        #[serde(default, borrow)]
        pub url: Option<Text<'a>>,
        /// The link as shown to readers.
        #[serde(default, borrow)]
        pub display_url: Option<Text<'a>>,
        /// The link to the media page.
        #[serde(default, borrow)]
        pub expanded_url: Option<Text<'a>>,
        /// `photo`, `video` or `animated_gif`.
        #[serde(default, borrow, rename = "type")]
        pub media_type: Option<MediaType<'a>>,
        /// The available sizes.
        #[serde(default, borrow)]
        pub sizes: Option<MediaSizes<'a>>,
        /// For media reused from another post: that post.
        #[serde(default)]
        pub source_status_id: Option<TweetId>,
        /// The same as a string.
        #[serde(default)]
        pub source_status_id_str: Option<TweetId>,
        /// For media reused from another post: its author.
        #[serde(default)]
        pub source_user_id: Option<UserId>,
        /// The same as a string.
        #[serde(default)]
        pub source_user_id_str: Option<UserId>,
        /// Video and GIF renditions.
        #[serde(default, borrow)]
        pub video_info: Option<VideoInfo<'a>>,
        /// Alt text.
        #[serde(default, borrow)]
        pub ext_alt_text: Option<Text<'a>>,
    }
}

borrowed_struct! {
    /// The sizes a media item is available in.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct MediaSizes<'a> {
        /// Thumbnail.
        #[serde(default, borrow)]
        pub thumb: Option<MediaSize<'a>>,
        /// Small.
        #[serde(default, borrow)]
        pub small: Option<MediaSize<'a>>,
        /// Medium.
        #[serde(default, borrow)]
        pub medium: Option<MediaSize<'a>>,
        /// Large.
        #[serde(default, borrow)]
        pub large: Option<MediaSize<'a>>,
    }
}

borrowed_struct! {
    /// One size of a media item.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct MediaSize<'a> {
        /// Width in pixels.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub w: Option<u64>,
        /// Height in pixels.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub h: Option<u64>,
        /// `fit` or `crop`.
        #[serde(default, borrow)]
        pub resize: Option<Text<'a>>,
    }
}

borrowed_struct! {
    /// The renditions of a video or GIF.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct VideoInfo<'a> {
        /// Aspect ratio, e.g. `[16, 9]`.
        #[serde(default)]
        pub aspect_ratio: Option<[u32; 2]>,
        /// Duration in milliseconds (absent for GIFs).
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub duration_millis: Option<u64>,
        /// The renditions.
        #[serde(default, borrow)]
        pub variants: Vec<VideoVariant<'a>>,
    }
}

borrowed_struct! {
    /// One rendition of a video.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct VideoVariant<'a> {
        /// Bits per second (absent for streaming playlists).
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub bitrate: Option<u64>,
        /// MIME type, e.g. `video/mp4` or `application/x-mpegURL`.
        #[serde(default, borrow)]
        pub content_type: Option<Text<'a>>,
        /// The file URL.
        #[serde(default, borrow)]
        pub url: Option<Text<'a>>,
    }
}

borrowed_struct! {
    /// A poll.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct Poll<'a> {
        /// The choices.
        #[serde(default, borrow)]
        pub options: Vec<PollOption<'a>>,
        /// When voting closes.
        #[serde(default)]
        pub end_datetime: Option<Timestamp>,
        /// How long voting lasts, in minutes.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub duration_minutes: Option<u64>,
    }
}

borrowed_struct! {
    /// One choice of a poll.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct PollOption<'a> {
        /// 1-based position.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub position: Option<u64>,
        /// The label.
        #[serde(default, borrow)]
        pub text: Option<Text<'a>>,
    }
}
