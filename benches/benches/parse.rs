//! Parsing benchmarks: `aaa-parser` against the JSON libraries a user would otherwise pick, in the
//! same run, over the fixture corpus (see `aaa_benches::corpus`).
//!
//! - `scan/<set>`: validate the whole body and find the events. `aaa` is `aaa_parser::scan` plus
//!   each event's dedupe key; the others are the fastest validating skip each library offers
//!   (`serde::de::IgnoredAny` through serde_json and sonic-rs).
//! - `decode/<set>`: typed decode into the borrowed model types. `aaa` is `scan` plus
//!   `EventRef::decode` of every event; the others deserialize the whole body into the
//!   serde-derived `aaa_model::Envelope` (X Activity API bodies: `ActivityEnvelope`), which is
//!   what a user of those libraries would write.
//!   simd-json rewrites its input, so it runs twice: on a fresh copy with fresh internal buffers,
//!   and on a reused copy buffer with reused `simd_json::Buffers`.
//!
//! Throughput is the size of the bodies of one iteration. A library that rejects a body of a set
//! is reported on stderr and left out of that set's group rather than timed on its error path.
//!
//! Run with `cargo bench -p aaa-benches --bench parse`; the figures and the machine they were
//! measured on are in `docs/benchmarks.md`. With `AAA_BENCH_DIR=DIR` the sets come from the
//! webhook bodies under `DIR` instead of the fixtures (`cargo xtask bench parse --dir DIR` does
//! that and prints a table of the results).

use std::hint::black_box;
use std::time::Duration;

use aaa_benches::{BodySet, corpus};
use aaa_model::event::ActivityEnvelope;
use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};
use serde::Deserialize;
use serde::de::IgnoredAny;

/// How a candidate handles one body: `Ok` with a count of what it found, or why it failed.
type Run = fn(&[u8], &mut Scratch) -> Result<usize, String>;

/// Buffers a candidate may keep between calls, and what it is told about the body.
#[derive(Default)]
struct Scratch {
    copy: Vec<u8>,
    simd: Option<simd_json::Buffers>,
    /// The body is an X Activity API delivery: the serde-based candidates decode it into
    /// `ActivityEnvelope` instead of `aaa_model::Envelope`.
    activity: bool,
}

fn aaa_scan(body: &[u8], _: &mut Scratch) -> Result<usize, String> {
    let env = aaa_parser::scan(body).map_err(|e| e.to_string())?;
    let mut n = 0;
    for ev in env.events() {
        black_box(ev.key());
        n += 1;
    }
    Ok(n)
}

fn serde_json_skip(body: &[u8], _: &mut Scratch) -> Result<usize, String> {
    serde_json::from_slice::<IgnoredAny>(body).map_err(|e| e.to_string())?;
    Ok(0)
}

fn sonic_rs_skip(body: &[u8], _: &mut Scratch) -> Result<usize, String> {
    sonic_rs::from_slice::<IgnoredAny>(body).map_err(|e| e.to_string())?;
    Ok(0)
}

fn aaa_decode(body: &[u8], _: &mut Scratch) -> Result<usize, String> {
    let env = aaa_parser::scan(body).map_err(|e| e.to_string())?;
    let mut n = 0;
    for ev in env.events() {
        let event = ev.decode().map_err(|e| e.to_string())?;
        black_box(&event);
        n += 1;
    }
    Ok(n)
}

/// A serde-derived type for a whole body, as a user of a general JSON library would write it.
trait Model {
    /// The type, borrowing from the body.
    type Of<'a>: Deserialize<'a>;
    /// How many events a decoded body holds.
    fn events(value: &Self::Of<'_>) -> usize;
    /// Converts a decoded body into one that owns all its strings (`into_owned`), as a caller
    /// that keeps the value past the request would; returns its event count.
    fn owned(value: Self::Of<'_>) -> usize;
}

/// Account Activity API bodies: `aaa_model::Envelope`.
struct AaaBody;

impl Model for AaaBody {
    type Of<'a> = aaa_model::Envelope<'a>;
    fn events(value: &Self::Of<'_>) -> usize {
        value.event_count()
    }
    fn owned(value: Self::Of<'_>) -> usize {
        black_box(value.into_owned()).event_count()
    }
}

/// X Activity API bodies, `{"data":{...}}`: `aaa_model::event::ActivityEnvelope`.
struct ActivityBody;

impl Model for ActivityBody {
    type Of<'a> = ActivityEnvelope<'a>;
    fn events(_: &Self::Of<'_>) -> usize {
        1
    }
    fn owned(value: Self::Of<'_>) -> usize {
        black_box(value.into_owned());
        1
    }
}

/// Runs the serde-based candidate `f` with the model that fits the body.
macro_rules! by_model {
    ($name:ident, $f:ident) => {
        fn $name(body: &[u8], scratch: &mut Scratch) -> Result<usize, String> {
            if scratch.activity {
                $f::<ActivityBody>(body, scratch)
            } else {
                $f::<AaaBody>(body, scratch)
            }
        }
    };
}

by_model!(serde_json_decode_any, serde_json_decode);
by_model!(serde_json_owned_any, serde_json_owned);
by_model!(sonic_rs_decode_any, sonic_rs_decode);
by_model!(simd_json_fresh_any, simd_json_fresh);
by_model!(simd_json_reused_any, simd_json_reused);

fn serde_json_decode<M: Model>(body: &[u8], _: &mut Scratch) -> Result<usize, String> {
    let value: M::Of<'_> = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    Ok(M::events(black_box(&value)))
}

/// serde_json into the model, then `into_owned()`: the cost of an owned model.
fn serde_json_owned<M: Model>(body: &[u8], _: &mut Scratch) -> Result<usize, String> {
    let value: M::Of<'_> = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    Ok(M::owned(value))
}

/// aaa's decode of every event, then `into_owned()` of each.
fn aaa_owned(body: &[u8], _: &mut Scratch) -> Result<usize, String> {
    let env = aaa_parser::scan(body).map_err(|e| e.to_string())?;
    let mut n = 0;
    for ev in env.events() {
        let event = ev.decode().map_err(|e| e.to_string())?.into_owned();
        black_box(&event);
        n += 1;
    }
    Ok(n)
}

fn sonic_rs_decode<M: Model>(body: &[u8], _: &mut Scratch) -> Result<usize, String> {
    let value: M::Of<'_> = sonic_rs::from_slice(body).map_err(|e| e.to_string())?;
    Ok(M::events(black_box(&value)))
}

fn simd_json_fresh<M: Model>(body: &[u8], _: &mut Scratch) -> Result<usize, String> {
    let mut copy = body.to_vec();
    let value: M::Of<'_> = simd_json::serde::from_slice(&mut copy).map_err(|e| e.to_string())?;
    Ok(M::events(black_box(&value)))
}

fn simd_json_reused<M: Model>(body: &[u8], scratch: &mut Scratch) -> Result<usize, String> {
    scratch.copy.clear();
    scratch.copy.extend_from_slice(body);
    let buffers = scratch
        .simd
        .get_or_insert_with(|| simd_json::Buffers::new(body.len()));
    let value: M::Of<'_> = simd_json::serde::from_slice_with_buffers(&mut scratch.copy, buffers)
        .map_err(|e| e.to_string())?;
    Ok(M::events(black_box(&value)))
}

const SCAN: [(&str, Run); 3] = [
    ("aaa", aaa_scan),
    ("serde_json IgnoredAny", serde_json_skip),
    ("sonic-rs IgnoredAny", sonic_rs_skip),
];

/// The `decode` candidates; the serde-based ones decode into the model that fits each body.
const DECODE: [(&str, Run); 7] = [
    ("aaa", aaa_decode),
    ("serde_json", serde_json_decode_any),
    ("aaa owned", aaa_owned),
    ("serde_json owned", serde_json_owned_any),
    ("sonic-rs", sonic_rs_decode_any),
    ("simd-json fresh", simd_json_fresh_any),
    ("simd-json reused", simd_json_reused_any),
];

/// Runs `run` over every body of `set` once, checking that it accepts all of them, and returns
/// the number of events it found.
fn check(set: &BodySet, run: Run) -> Result<usize, String> {
    let mut scratch = Scratch::default();
    let mut events = 0;
    for body in &set.bodies {
        scratch.activity = body.activity;
        events += run(&body.bytes, &mut scratch).map_err(|e| format!("{}: {e}", body.name))?;
    }
    Ok(events)
}

/// Adds one benchmark per candidate to `g`. The first candidate is the reference for the event
/// count: a candidate that finds a different number of events is timed but reported on stderr.
fn bench_set(
    g: &mut BenchmarkGroup<'_, WallTime>,
    set: &BodySet,
    candidates: &[(&str, Run)],
    count_events: bool,
) {
    g.throughput(Throughput::Bytes(set.total_bytes()));
    let mut reference = None;
    for &(name, run) in candidates {
        let events = match check(set, run) {
            Ok(n) => n,
            Err(e) => {
                eprintln!("note: {name} skipped on {}: it rejects {e}", set.name);
                continue;
            }
        };
        if count_events {
            match reference {
                None => reference = Some(events),
                Some(r) if r != events => eprintln!(
                    "note: {name} finds {events} events in {}, the first candidate {r}",
                    set.name
                ),
                Some(_) => {}
            }
        }
        let mut scratch = Scratch::default();
        g.bench_function(name, |b| {
            b.iter(|| {
                for body in &set.bodies {
                    scratch.activity = body.activity;
                    let _ = black_box(run(black_box(&body.bytes), &mut scratch));
                }
            });
        });
    }
}

fn main() {
    let sets = corpus().expect("reading the fixture corpus under fixtures/");
    // Shorter than criterion's defaults (3 s and 5 s) to keep a whole run bounded; command-line
    // options still override them.
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    for set in &sets {
        let mut g = c.benchmark_group(format!("scan/{}", set.name));
        bench_set(&mut g, set, &SCAN, false);
        g.finish();
    }
    for set in &sets {
        let mut g = c.benchmark_group(format!("decode/{}", set.name));
        bench_set(&mut g, set, &DECODE, true);
        g.finish();
    }
    c.final_summary();
}
