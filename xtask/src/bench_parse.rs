//! `cargo xtask bench parse [--dir DIR] [FILTER]`: the parse benchmarks (aaa-parser against
//! serde_json, sonic-rs and simd-json, in one run), optionally over an outside directory of
//! webhook bodies, followed by a table of the results with each candidate's ratio to aaa.
//!
//! `cargo xtask bench compare DIR [--rounds N]`: the same candidates alternated round by round
//! over every body under DIR and timed in thread CPU time (the `iterate` example's `compare`),
//! which other processes on a shared machine do not disturb as they do wall-clock time.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::run::{Error, cargo_cmd, project_root};

/// One criterion result of this run.
struct Result {
    group: String,
    candidate: String,
    /// Mean time of one iteration, in nanoseconds.
    nanos: f64,
    /// Bytes of one iteration.
    bytes: Option<f64>,
}

pub(crate) fn run(dir: Option<&str>, filter: Option<&str>) -> std::result::Result<(), Error> {
    let root = project_root();
    let mut args = vec!["bench", "-p", "aaa-benches", "--bench", "parse"];
    if let Some(f) = filter {
        args.extend(["--", f]);
    }
    let mut cmd = cargo_cmd(&root, &args);
    if let Some(d) = dir {
        let abs = fs::canonicalize(d)
            .map_err(|e| Error::failed(format!("cannot read the corpus directory {d}: {e}")))?;
        cmd.env("AAA_BENCH_DIR", &abs);
        println!("corpus: {}", abs.display());
    }
    println!("$ cargo {}", args.join(" "));
    let started = SystemTime::now();
    let status = cmd
        .status()
        .map_err(|e| Error::failed(format!("could not start cargo bench: {e}")))?;
    if !status.success() {
        return Err(Error::failed(format!("cargo bench failed ({status})")));
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let mut results = Vec::new();
    collect(&target.join("criterion"), started, &mut results);
    if results.is_empty() {
        return Err(Error::failed(
            "no criterion results from this run (did the filter match nothing?)",
        ));
    }
    print_table(&mut results);
    Ok(())
}

/// `cargo xtask bench compare DIR [--rounds N]`.
pub(crate) fn compare(dir: &str, rounds: u64) -> std::result::Result<(), Error> {
    let root = project_root();
    let status = cargo_cmd(
        &root,
        &[
            "build",
            "--quiet",
            "--profile",
            "bench",
            "-p",
            "aaa-benches",
            "--example",
            "iterate",
        ],
    )
    .status()
    .map_err(|e| Error::failed(format!("could not start cargo build: {e}")))?;
    if !status.success() {
        return Err(Error::failed(format!(
            "building the iterate example failed ({status})"
        )));
    }
    let mut files = Vec::new();
    json_files(Path::new(dir), &mut files)
        .map_err(|e| Error::failed(format!("cannot read the corpus directory {dir}: {e}")))?;
    files.sort();
    if files.is_empty() {
        return Err(Error::failed(format!("no *.json body under {dir}")));
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let exe = target.join("release").join("examples").join("iterate");
    println!("corpus: {dir} ({} files)", files.len());
    let status = std::process::Command::new(&exe)
        .arg("compare")
        .arg(rounds.to_string())
        .args(&files)
        .status()
        .map_err(|e| Error::failed(format!("could not start {}: {e}", exe.display())))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::failed(format!("the comparison failed ({status})")))
    }
}

/// Every `*.json` file under `dir`, recursively.
fn json_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            json_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads every `new/benchmark.json` under `dir` written since `since`, with its estimates.
fn collect(dir: &Path, since: SystemTime, out: &mut Vec<Result>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let bench = path.join("new").join("benchmark.json");
        let fresh = fs::metadata(&bench)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t >= since);
        if fresh {
            if let Some(r) = read_result(&path.join("new")) {
                out.push(r);
            }
        } else {
            collect(&path, since, out);
        }
    }
}

fn read_result(dir: &Path) -> Option<Result> {
    let bench = fs::read_to_string(dir.join("benchmark.json")).ok()?;
    let estimates = fs::read_to_string(dir.join("estimates.json")).ok()?;
    let group = string_field(&bench, "group_id")?;
    let candidate = string_field(&bench, "function_id")?;
    let mean = estimates.find("\"mean\"")?;
    let nanos = number_after(estimates.get(mean..)?, "\"point_estimate\":")?;
    let bytes = bench
        .find("\"Bytes\":")
        .and_then(|at| number_after(bench.get(at..)?, "\"Bytes\":"));
    Some(Result {
        group,
        candidate,
        nanos,
        bytes,
    })
}

/// The string value of `"key":"..."` in a JSON text (criterion writes no escapes in these).
fn string_field(json: &str, key: &str) -> Option<String> {
    let pat = format!("\"{key}\":\"");
    let start = json.find(&pat)? + pat.len();
    let len = json.get(start..)?.find('"')?;
    Some(json.get(start..start + len)?.to_owned())
}

/// The number right after the first `pat` in `text`.
fn number_after(text: &str, pat: &str) -> Option<f64> {
    let start = text.find(pat)? + pat.len();
    let rest = text.get(start..)?;
    let len = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+')))
        .unwrap_or(rest.len());
    rest.get(..len)?.parse().ok()
}

fn human_time(nanos: f64) -> String {
    if nanos >= 1e6 {
        format!("{:.2} ms", nanos / 1e6)
    } else if nanos >= 1e3 {
        format!("{:.2} us", nanos / 1e3)
    } else {
        format!("{nanos:.0} ns")
    }
}

/// Prints the results by group: time per iteration, GB/s, and each candidate's time over aaa's
/// (above 1.0, aaa is faster).
fn print_table(results: &mut [Result]) {
    results.sort_by(|a, b| a.group.cmp(&b.group));
    println!();
    println!(
        "{:<44} {:<24} {:>12} {:>8} {:>10}",
        "group", "candidate", "time/iter", "GB/s", "its÷aaa"
    );
    let mut groups: Vec<&str> = results.iter().map(|r| r.group.as_str()).collect();
    groups.dedup();
    for group in groups {
        let in_group: Vec<&Result> = results.iter().filter(|r| r.group == group).collect();
        let aaa = in_group
            .iter()
            .find(|r| r.candidate == "aaa")
            .map(|r| r.nanos);
        for (i, r) in in_group.iter().enumerate() {
            let gbps = r
                .bytes
                .map_or_else(|| "-".to_owned(), |b| format!("{:.2}", b / r.nanos));
            let ratio = aaa.map_or_else(|| "-".to_owned(), |a| format!("{:.2}x", r.nanos / a));
            println!(
                "{:<44} {:<24} {:>12} {:>8} {:>10}",
                if i == 0 { group } else { "" },
                r.candidate,
                human_time(r.nanos),
                gbps,
                ratio
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_files() {
        let bench = r#"{"group_id":"scan/all","function_id":"aaa","value_str":null,"throughput":{"Bytes":2485},"full_id":"scan/all/aaa"}"#;
        assert_eq!(string_field(bench, "group_id").as_deref(), Some("scan/all"));
        assert_eq!(string_field(bench, "function_id").as_deref(), Some("aaa"));
        assert_eq!(number_after(bench, "\"Bytes\":"), Some(2485.0));
        let est = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":2.0},"point_estimate":1234.5,"standard_error":3.0},"median":{"point_estimate":9.0}}"#;
        let mean = est.find("\"mean\"").unwrap();
        assert_eq!(
            number_after(&est[mean..], "\"point_estimate\":"),
            Some(1234.5)
        );
        assert_eq!(human_time(1234.5), "1.23 us");
    }
}
