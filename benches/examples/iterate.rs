//! Runs one candidate of the parse bench over the given bodies a fixed number of times, for
//! instruction counts under `valgrind --tool=callgrind` (stable where wall-clock time on a shared
//! machine is not):
//!
//! ```sh
//! cargo build --profile bench -p aaa-benches --example iterate
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/iterate scan 100 fixtures/bench/tweet_create_large.json
//! ```
//!
//! Candidates: `scan` (aaa scan + keys), `skip` (serde_json `IgnoredAny`), `decode` (aaa scan +
//! typed decode), `serde_json` (serde_json into `aaa_model::Envelope`), `simd-json` (reused
//! buffers), `sonic-rs`, `none` (reads the files only, the baseline to subtract).

use std::hint::black_box;

use serde::de::IgnoredAny;

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: iterate CANDIDATE TIMES FILE...";
    let candidate = args.next().expect(usage);
    let times: usize = args.next().expect(usage).parse().expect(usage);
    let bodies: Vec<Vec<u8>> = args.map(|p| std::fs::read(p).expect("read")).collect();
    let mut copy = Vec::new();
    let mut buffers = simd_json::Buffers::new(1 << 16);
    let mut found = 0usize;
    for _ in 0..times {
        for body in &bodies {
            let body = black_box(body.as_slice());
            found += match candidate.as_str() {
                "scan" => {
                    let env = aaa_parser::scan(body).expect("scan");
                    let mut n = 0;
                    for e in env.events() {
                        black_box(e.key());
                        n += 1;
                    }
                    n
                }
                "skip" => serde_json::from_slice::<IgnoredAny>(body)
                    .map(|_| 1)
                    .expect("skip"),
                "decode" => {
                    let env = aaa_parser::scan(body).expect("scan");
                    let mut n = 0;
                    for e in env.events() {
                        black_box(e.decode().expect("decode"));
                        n += 1;
                    }
                    n
                }
                "serde_json" => serde_json::from_slice::<aaa_model::Envelope<'_>>(body)
                    .map(|e| black_box(e).event_count())
                    .expect("serde_json"),
                "sonic-rs" => sonic_rs::from_slice::<aaa_model::Envelope<'_>>(body)
                    .map(|e| black_box(e).event_count())
                    .expect("sonic-rs"),
                "simd-json" => {
                    copy.clear();
                    copy.extend_from_slice(body);
                    simd_json::serde::from_slice_with_buffers::<aaa_model::Envelope<'_>>(
                        &mut copy,
                        &mut buffers,
                    )
                    .map(|e| black_box(e).event_count())
                    .expect("simd-json")
                }
                "none" => body.len(),
                other => panic!("unknown candidate {other}; {usage}"),
            };
        }
    }
    println!("{found}");
}
