//! Listings with a bound on how many stored events each request looks at, checked the same way
//! on every backend.

use aaa_receiver::{Cursor, EventQuery, Store};

/// Pages back from the newest event and forward from the start through every event whose raw
/// JSON holds `text`, `limit` at a time, looking at no more than `examine` events per request;
/// checks that both walks find the same events, and returns their keys (oldest first) and how
/// many requests the walk back took.
pub(crate) async fn walk_with_bound(
    store: &Store,
    text: &str,
    limit: usize,
    examine: usize,
) -> (Vec<String>, usize) {
    let mut back: Vec<String> = Vec::new();
    let mut query = EventQuery::newest(Some(limit)).text(text).examine(examine);
    let mut requests = 0;
    loop {
        requests += 1;
        assert!(requests < 10_000, "the walk back does not end");
        let page = store.list(query).await.unwrap();
        assert!(page.events.len() <= limit);
        let mut keys: Vec<String> = page.events.iter().map(|e| e.key.clone()).collect();
        keys.append(&mut back);
        back = keys;
        if !page.more {
            break;
        }
        query = EventQuery::before(page.before, limit)
            .text(text)
            .examine(examine);
    }
    let mut forward = Vec::new();
    let mut cursor = Cursor::default();
    for _ in 0..10_000 {
        let page = store
            .list(
                EventQuery::after(cursor)
                    .limit(limit)
                    .text(text)
                    .examine(examine),
            )
            .await
            .unwrap();
        forward.extend(page.events.iter().map(|e| e.key.clone()));
        cursor = page.after;
        if !page.more {
            break;
        }
    }
    assert_eq!(forward, back, "forward and back find the same events");
    (back, requests)
}
