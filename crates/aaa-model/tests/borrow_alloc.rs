//! Proves that decoding a post without escaped strings copies no string: every heap allocation
//! made while decoding is a container (a non-empty `Vec` or a `Box`), and each escaped string
//! adds one allocation (its unescaped copy).
//!
//! This file installs a counting global allocator, which needs `unsafe`; it is the only place in
//! the crate that does (the library is `#![forbid(unsafe_code)]`).

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use aaa_model::{Text, Tweet};

struct CountingAllocator;

thread_local! {
    /// Allocations made on this thread while counting is on (`None` when off).
    static ALLOCATIONS: Cell<Option<usize>> = const { Cell::new(None) };
}

fn note_allocation() {
    let _ = ALLOCATIONS.try_with(|c| {
        if let Some(n) = c.get() {
            c.set(Some(n + 1));
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the only extra
// work is bumping a thread-local counter, which neither allocates nor touches the memory.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above; `ptr` came from `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Growing a container that already exists is not a new allocation for this count.
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Runs `f` and returns its result and the number of allocations it made on this thread.
fn count_allocations<R>(f: impl FnOnce() -> R) -> (R, usize) {
    ALLOCATIONS.with(|c| c.set(Some(0)));
    let result = f();
    let n = ALLOCATIONS.with(|c| c.replace(None)).unwrap_or(0);
    (result, n)
}

const PLAIN: &str = include_str!("fixtures/tweet_plain.json");

/// The containers in `tweet_plain.json`: the boxed `quoted_status`, and the non-empty vectors
/// `entities.hashtags`, `entities.user_mentions`, `entities.urls` and
/// `edit_history.edit_tweet_ids`. (Empty vectors do not allocate.)
const CONTAINERS: usize = 5;

/// The same post with three strings that need unescaping.
fn escaped() -> String {
    let replaced = PLAIN
        .replace("\"Reading about ", "\"Reading\\u0020about ")
        .replace("\"Lisbon\"", "\"Lisb\\u00f3n\"")
        .replace("\"Testing decoders\"", "\"Testing \\\"decoders\\\"\"");
    assert_eq!(replaced.matches('\\').count(), 4, "fixture changed");
    replaced
}

#[test]
fn a_post_without_escapes_decodes_without_copying_strings() {
    let input: &str = PLAIN;
    // Warm up anything lazily initialised on first use.
    let _: Tweet<'_> = serde_json::from_str(input).unwrap();

    let (tweet, plain_allocs) = count_allocations(|| serde_json::from_str::<Tweet<'_>>(input));
    let tweet = tweet.unwrap();
    assert_eq!(
        plain_allocs, CONTAINERS,
        "decoding a post without escapes must allocate only its containers"
    );

    // Every string of the decoded post is borrowed from the input.
    let user = tweet.user.as_ref().unwrap();
    let entities = tweet.entities.as_ref().unwrap();
    let quoted = tweet.quoted_status.as_ref().unwrap();
    let strings: Vec<&Text<'_>> = [
        tweet.text.as_ref(),
        tweet.source.as_ref(),
        tweet.filter_level.as_ref(),
        tweet.lang.as_ref(),
        user.name.as_ref(),
        user.screen_name.as_ref(),
        user.location.as_ref(),
        user.description.as_ref(),
        user.profile_background_color.as_ref(),
        user.profile_image_url_https.as_ref(),
        Some(&entities.hashtags[0].text),
        entities.user_mentions[0].screen_name.as_ref(),
        entities.urls[0].expanded_url.as_ref(),
        quoted.text.as_ref(),
        quoted.user.as_ref().unwrap().name.as_ref(),
    ]
    .into_iter()
    .map(Option::unwrap)
    .collect();
    for s in &strings {
        assert!(s.is_borrowed(), "{s:?} was copied");
        assert!(input.as_bytes().as_ptr_range().contains(&s.as_ptr()));
    }
    assert_eq!(tweet.id.get(), 1_900_000_000_000_000_001);
    assert_eq!(
        tweet.created_at.unwrap().as_millis(),
        tweet.timestamp_ms.unwrap().as_millis()
    );
}

#[test]
fn each_escaped_string_costs_one_copy() {
    let escaped = escaped();
    let _: Tweet<'_> = serde_json::from_str(&escaped).unwrap();

    let (_, plain_allocs) = count_allocations(|| serde_json::from_str::<Tweet<'_>>(PLAIN).unwrap());
    let (tweet, escaped_allocs) =
        count_allocations(|| serde_json::from_str::<Tweet<'_>>(&escaped).unwrap());

    // Three unescaped copies, plus at most one scratch buffer serde_json uses for unescaping.
    let extra = escaped_allocs - plain_allocs;
    assert!(
        (3..=4).contains(&extra),
        "expected 3 copies (+1 scratch buffer), got {extra} extra allocations"
    );

    let user = tweet.user.as_ref().unwrap();
    assert!(!tweet.text.as_ref().unwrap().is_borrowed());
    assert!(!user.location.as_ref().unwrap().is_borrowed());
    assert!(!user.description.as_ref().unwrap().is_borrowed());
    assert_eq!(user.location.as_deref(), Some("Lisbón"));
    assert_eq!(user.description.as_deref(), Some("Testing \"decoders\""));
    assert!(user.name.as_ref().unwrap().is_borrowed());
}

#[test]
fn a_cow_str_field_always_copies_for_comparison() {
    // The baseline this crate's `Text` avoids: serde's `Option<Cow<str>>` owns even plain strings.
    #[derive(serde::Deserialize)]
    struct Plain<'a> {
        #[serde(borrow)]
        text: Option<std::borrow::Cow<'a, str>>,
    }
    #[derive(serde::Deserialize)]
    struct Borrowed<'a> {
        #[serde(borrow)]
        text: Option<Text<'a>>,
    }
    let json = r#"{"text":"no escapes here"}"#;
    let (value, allocs) = count_allocations(|| serde_json::from_str::<Plain<'_>>(json).unwrap());
    assert!(matches!(value.text, Some(std::borrow::Cow::Owned(_))));
    assert_eq!(allocs, 1);

    let (value, allocs) = count_allocations(|| serde_json::from_str::<Borrowed<'_>>(json).unwrap());
    assert!(value.text.unwrap().is_borrowed());
    assert_eq!(allocs, 0);
}
