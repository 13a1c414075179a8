//! Two ways to compare the parse candidates that hold up on a machine shared with other work.
//!
//! `iterate CANDIDATE TIMES FILE...` runs one candidate a fixed number of times over the bodies,
//! for instruction counts under `valgrind --tool=callgrind`:
//!
//! ```sh
//! cargo build --profile bench -p aaa-benches --example iterate
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/iterate scan 100 fixtures/bench/tweet_create_large.json
//! ```
//!
//! `iterate compare ROUNDS FILE...` alternates the candidates round after round (each round runs
//! one candidate over the bodies for about 20 ms) and measures each round in CPU time of this
//! thread (`/proc/thread-self/schedstat`), not wall-clock time, so that the time the scheduler
//! gives to other processes is not counted. It prints the mean time per pass over the bodies
//! and each candidate's time over aaa's:
//!
//! ```sh
//! target/release/examples/iterate compare 15 fixtures/bench/tweet_create_*.json
//! ```
//!
//! Candidates: `scan` (aaa scan + keys), `skip` (serde_json `IgnoredAny`), `sonic-skip`
//! (sonic-rs `IgnoredAny`), `decode` (aaa scan + typed decode), `serde_json` (serde_json into
//! `aaa_model::Envelope`), `sonic-rs`, `simd-json` (reused buffers), `none` (reads the files
//! only, the baseline to subtract from instruction counts).

use std::hint::black_box;

use serde::de::IgnoredAny;

/// Buffers kept between calls, as a server would.
struct Scratch {
    copy: Vec<u8>,
    buffers: simd_json::Buffers,
}

/// Runs `candidate` on `body` once; returns a count of what it found.
fn run(candidate: &str, body: &[u8], s: &mut Scratch) -> usize {
    try_run(candidate, body, s).unwrap_or_else(|e| panic!("{candidate}: {e}"))
}

/// Runs `candidate` on `body` once, or says why it refused the body.
fn try_run(candidate: &str, body: &[u8], s: &mut Scratch) -> Result<usize, String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    Ok(match candidate {
        "scan" => {
            let env = aaa_parser::scan(body).map_err(|x| e(&x))?;
            let mut n = 0;
            for ev in env.events() {
                black_box(ev.key());
                n += 1;
            }
            n
        }
        "skip" => serde_json::from_slice::<IgnoredAny>(body)
            .map(|_| 1)
            .map_err(|x| e(&x))?,
        "sonic-skip" => sonic_rs::from_slice::<IgnoredAny>(body)
            .map(|_| 1)
            .map_err(|x| e(&x))?,
        "decode" => {
            let env = aaa_parser::scan(body).map_err(|x| e(&x))?;
            let mut n = 0;
            for ev in env.events() {
                black_box(ev.decode().map_err(|x| e(&x))?);
                n += 1;
            }
            n
        }
        "serde_json" => serde_json::from_slice::<aaa_model::Envelope<'_>>(body)
            .map(|v| black_box(v).event_count())
            .map_err(|x| e(&x))?,
        "sonic-rs" => sonic_rs::from_slice::<aaa_model::Envelope<'_>>(body)
            .map(|v| black_box(v).event_count())
            .map_err(|x| e(&x))?,
        "simd-json" => {
            s.copy.clear();
            s.copy.extend_from_slice(body);
            simd_json::serde::from_slice_with_buffers::<aaa_model::Envelope<'_>>(
                &mut s.copy,
                &mut s.buffers,
            )
            .map(|v| black_box(v).event_count())
            .map_err(|x| e(&x))?
        }
        "none" => body.len(),
        other => return Err(format!("unknown candidate {other}")),
    })
}

/// CPU time this thread has run, in nanoseconds (the first field of its schedstat).
fn cpu_nanos() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .expect("reading /proc/thread-self/schedstat (Linux only)")
}

/// Alternates the candidates for `rounds` rounds and prints the mean CPU time per pass. Bodies
/// that a candidate refuses (X Activity API bodies, which the serde-based candidates would need
/// another type for; bodies that do not fit the model) are left out, with a note.
fn compare(rounds: usize, all: &[(String, Vec<u8>)], s: &mut Scratch) {
    let groups: [&[&str]; 2] = [
        &["scan", "skip", "sonic-skip"],
        &["decode", "serde_json", "sonic-rs", "simd-json"],
    ];
    let mut bodies = Vec::new();
    for (name, body) in all {
        let activity =
            aaa_parser::scan(body).is_ok_and(|e| e.format() == aaa_parser::Format::XActivity);
        let refused = if activity {
            // `aaa_model::Envelope` would read it as an envelope without events.
            Some("an X Activity API body; the serde-based candidates decode another type".into())
        } else {
            groups
                .iter()
                .flat_map(|g| g.iter())
                .find_map(|c| try_run(c, body, s).err().map(|e| format!("{c}: {e}")))
        };
        match refused {
            Some(why) => eprintln!("note: {name} left out ({why})"),
            None => bodies.push(body.clone()),
        }
    }
    assert!(!bodies.is_empty(), "no body that every candidate accepts");
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    println!(
        "{} bodies, {bytes} bytes; mean of {rounds} rounds\n",
        bodies.len()
    );
    let bodies = &bodies;
    for group in groups {
        // Passes per round, so that a round lasts about 20 ms for the first candidate.
        let start = cpu_nanos();
        let mut passes = 0u64;
        while cpu_nanos() - start < 20_000_000 {
            for b in bodies {
                black_box(run(group[0], b, s));
            }
            passes += 1;
        }
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); group.len()];
        for _ in 0..rounds {
            for (i, c) in group.iter().enumerate() {
                let t0 = cpu_nanos();
                for _ in 0..passes {
                    for b in bodies {
                        black_box(run(c, black_box(b), s));
                    }
                }
                #[allow(clippy::cast_precision_loss)]
                times[i].push((cpu_nanos() - t0) as f64 / passes as f64);
            }
        }
        // The mean over all rounds: the CPU time the kernel reports for a running thread moves
        // in scheduler ticks, and over many rounds those steps average out where a median of
        // single rounds would keep them.
        #[allow(clippy::cast_precision_loss)]
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let aaa = mean(&times[0]);
        for (i, c) in group.iter().enumerate() {
            let t = mean(&times[i]);
            #[allow(clippy::cast_precision_loss)]
            let gbps = bytes as f64 / t;
            println!(
                "{c:<12} {:>10.2} us/pass {gbps:>6.2} GB/s   its time / aaa's: {:.2}x",
                t / 1e3,
                t / aaa
            );
        }
        println!();
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: iterate CANDIDATE TIMES FILE... | iterate compare ROUNDS FILE...";
    let candidate = args.next().expect(usage);
    let times: usize = args.next().expect(usage).parse().expect(usage);
    let named: Vec<(String, Vec<u8>)> = args
        .map(|p| {
            let body = std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
            (p, body)
        })
        .collect();
    let mut s = Scratch {
        copy: Vec::new(),
        buffers: simd_json::Buffers::new(1 << 16),
    };
    if candidate == "compare" {
        compare(times.max(1), &named, &mut s);
        return;
    }
    let bodies: Vec<Vec<u8>> = named.into_iter().map(|(_, b)| b).collect();
    let mut found = 0usize;
    for _ in 0..times {
        for body in &bodies {
            found += run(&candidate, black_box(body.as_slice()), &mut s);
        }
    }
    println!("{found}");
}
