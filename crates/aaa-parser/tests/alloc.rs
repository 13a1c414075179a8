//! `scan` makes no heap allocation for deliveries of up to `INLINE_EVENTS` events.
//!
//! This file holds a single test so that the counting allocator sees only this thread's work.

mod counting;

use counting::allocations_during;

fn scan_and_use(body: &[u8]) -> usize {
    let env = aaa_parser::scan(body).expect("fixture scans");
    // Touch every event's kind, range and key parts without formatting them.
    env.events()
        .map(|e| {
            let k = e.key();
            usize::from(k.is_hashed()) + e.range().len() + usize::from(e.kind().known().is_some())
        })
        .sum()
}

#[test]
fn scan_does_not_allocate_up_to_the_inline_capacity() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut bodies = Vec::new();
    for dir in ["payloads", "bench"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    bodies.push((p.display().to_string(), std::fs::read(&p).unwrap()));
                }
            }
        }
    }
    assert!(bodies.len() >= 30, "too few fixtures: {}", bodies.len());
    // A synthetic delivery of exactly INLINE_EVENTS events, and one just past it.
    let synth = |n: usize| {
        let events: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"id_str":"{i}","text":"t"}}"#))
            .collect();
        format!(
            r#"{{"for_user_id":"1","tweet_create_events":[{}]}}"#,
            events.join(",")
        )
    };
    let full = synth(aaa_parser::INLINE_EVENTS);
    let over = synth(aaa_parser::INLINE_EVENTS + 1);

    let mut checked = 0;
    for (name, body) in &bodies {
        let (n, used) = allocations_during(|| scan_and_use(body));
        assert!(used > 0, "{name}");
        let events = aaa_parser::scan(body).unwrap().len();
        if events <= aaa_parser::INLINE_EVENTS {
            assert_eq!(n, 0, "{name}: {n} allocations for {events} events");
            checked += 1;
        }
    }
    assert!(checked >= 30);
    let (n, _) = allocations_during(|| scan_and_use(full.as_bytes()));
    assert_eq!(n, 0, "{} events", aaa_parser::INLINE_EVENTS);
    let (n, _) = allocations_during(|| scan_and_use(over.as_bytes()));
    assert!(n >= 1, "the spill past the inline capacity must allocate");
}
