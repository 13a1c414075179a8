//! How many heap allocations a typed decode makes per event, against serde_json decoding the
//! same event into the same model. The figures are printed (run with `--nocapture`) and quoted in
//! `docs/benchmarks.md`.
//!
//! This file holds a single test so that the counting allocator sees only this thread's work.

mod counting;

use counting::allocations_during;

use aaa_parser::Kind;

/// The bench sets: each file of `fixtures/bench/`, and each directory of `fixtures/payloads/`.
fn sets() -> Vec<(String, Vec<Vec<u8>>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let read_dir = |d: &std::path::Path| {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    };
    let mut out = Vec::new();
    for p in read_dir(&root.join("bench")) {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        out.push((name, vec![std::fs::read(&p).unwrap()]));
    }
    for d in read_dir(&root.join("payloads")) {
        let bodies: Vec<Vec<u8>> = read_dir(&d)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| std::fs::read(p).unwrap())
            .collect();
        let name = format!("payloads/{}", d.file_name().unwrap().to_string_lossy());
        out.push((name, bodies));
    }
    out
}

#[test]
fn decode_allocations_per_event() {
    let mut total_events = 0;
    println!(
        "{:<45} {:>7} {:>12} {:>12} {:>12}",
        "set", "events", "aaa/event", "serde_json", "+into_owned"
    );
    for (name, bodies) in sets() {
        let (mut events, mut aaa, mut theirs, mut owned) = (0usize, 0usize, 0usize, 0usize);
        for body in &bodies {
            let env = aaa_parser::scan(body).expect("fixture scans");
            for ev in env.events() {
                let (n, decoded) = allocations_during(|| ev.decode());
                let decoded = decoded.expect("fixture decodes");
                let (m, reference) = allocations_during(|| match ev.kind() {
                    Kind::Known(k) => aaa_model::decode_event(k, ev.raw()).ok(),
                    Kind::Activity(_) => aaa_model::decode_activity(ev.raw()).ok(),
                    _ => None,
                });
                // `into_owned` of a clone: the copies an owned model costs on top.
                let copy = decoded.clone();
                let (o, _) = allocations_during(|| copy.into_owned());
                if let Some(reference) = reference {
                    assert_eq!(decoded, reference, "{name}");
                    // The same model, with strings borrowed wherever the JSON has no escape:
                    // never more allocations than serde_json needs for it.
                    assert!(n <= m, "{name}: aaa {n} allocations, serde_json {m}");
                    theirs += m;
                }
                events += 1;
                aaa += n;
                owned += o;
            }
        }
        #[allow(clippy::cast_precision_loss)]
        let per = |x: usize| x as f64 / events.max(1) as f64;
        println!(
            "{name:<45} {events:>7} {:>12.1} {:>12.1} {:>12.1}",
            per(aaa),
            per(theirs),
            per(owned)
        );
        total_events += events;
    }
    assert!(total_events > 100, "{total_events}");

    // A tweet without any escape: every string is borrowed, so the decode allocates only the
    // boxed event and the vectors of the model (entities), never a string.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let body = std::fs::read(root.join("payloads/tweet_create/no_backslash.json")).unwrap();
    let env = aaa_parser::scan(&body).unwrap();
    let ev = env.get(0).unwrap();
    let (n, decoded) = allocations_during(|| ev.decode());
    let decoded = decoded.unwrap();
    let aaa_model::Event::TweetCreate(tweet) = &decoded else {
        panic!("not a tweet")
    };
    assert!(
        tweet
            .text
            .as_ref()
            .is_some_and(aaa_model::Text::is_borrowed)
    );
    let copy = decoded.clone();
    let (owned, _) = allocations_during(|| copy.into_owned());
    assert!(owned > 0, "an owned copy copies the borrowed strings");
    assert!(
        n <= 12,
        "borrowed decode of a tweet without escapes: {n} allocations"
    );
}
