//! `cargo xtask fuzz`: runs the cargo-fuzz targets in `fuzz/` on stable Rust.
//!
//! Every target is built and run with `--sanitizer none` (the sanitizers need nightly), in
//! release mode with debug assertions, so integer overflow panics like any other bug. Targets run
//! one after another, each for the same number of seconds.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::run::{Error, cargo, cargo_cmd, human, project_root};

/// Seconds per target when `--time` is not given.
pub(crate) const DEFAULT_SECS: u64 = 60;

/// The cargo-fuzz options of every build and run: no sanitizer (so stable Rust works), an
/// optimised build, and debug assertions (overflow checks) on.
const FUZZ_FLAGS: &[&str] = &["--sanitizer", "none", "--release", "--debug-assertions"];

/// libFuzzer's per-input time limit, in seconds: an input that takes longer is reported as a
/// timeout (a crash) instead of silently slowing the run down.
const INPUT_TIMEOUT_SECS: u64 = 10;

/// Targets whose input is a webhook body: seeded from `fixtures/` and given `fuzz/json.dict`.
const BODY_TARGETS: &[&str] = &["decode", "differential", "scan"];

/// The largest input libFuzzer makes for the body targets, and the largest fixture copied into
/// their corpus: room for a delivery of dozens of events, while keeping runs fast.
const MAX_BODY_LEN: u64 = 64 * 1024;

/// What one target's run produced.
struct Outcome {
    target: String,
    status: ExitStatus,
    runs: Option<u64>,
    execs_per_sec: Option<u64>,
    corpus: usize,
    artifacts: Vec<PathBuf>,
    log: PathBuf,
}

impl Outcome {
    fn crashed(&self) -> bool {
        !self.status.success()
    }

    /// What went wrong, from the names libFuzzer gives its inputs (`crash-<sha1>`, ...).
    fn failure(&self) -> String {
        let mut kinds: Vec<&str> = self
            .artifacts
            .iter()
            .filter_map(|a| a.file_name()?.to_str()?.split('-').next())
            .map(|kind| match kind {
                "crash" => "panic or crash",
                "timeout" => "timeout",
                "oom" => "out of memory",
                "leak" => "leak",
                _ => "failure",
            })
            .collect();
        kinds.dedup();
        if kinds.is_empty() {
            format!("FAILED ({})", self.status)
        } else {
            format!("FAILED: {}", kinds.join(", "))
        }
    }
}

/// Fuzzes `target` (or every target) for `secs` seconds each.
pub(crate) fn fuzz(target: Option<&str>, secs: u64) -> Result<(), Error> {
    let root = project_root();
    let fuzz_dir = root.join("fuzz");
    let all = list_targets(&fuzz_dir)?;
    let chosen: Vec<String> = match target {
        None => all,
        Some(t) if all.iter().any(|a| a == t) => vec![t.to_owned()],
        Some(t) => {
            return Err(Error::Usage(format!(
                "unknown fuzz target `{t}` (targets: {})",
                all.join(", ")
            )));
        }
    };

    let install = ensure_cargo_fuzz(&root)?;
    let started = Instant::now();
    let mut build = vec!["fuzz", "build"];
    build.extend(FUZZ_FLAGS);
    if let Some(t) = target {
        build.push(t);
    }
    cargo(&root, &build).map_err(|e| Error::failed(format!("building the fuzz targets: {e}")))?;
    let build_time = started.elapsed();
    println!("fuzz: built in {}", human(build_time));

    let mut outcomes = Vec::new();
    for t in &chosen {
        outcomes.push(run_target(&root, t, secs)?);
    }

    print_summary(&outcomes, secs, install, build_time);
    let crashed = outcomes.iter().filter(|o| o.crashed()).count();
    if crashed == 0 {
        Ok(())
    } else {
        Err(Error::failed(format!(
            "{crashed} of {} fuzz targets failed; inputs are listed above",
            outcomes.len()
        )))
    }
}

/// The targets: one `fuzz/fuzz_targets/<name>.rs` each, in name order.
fn list_targets(fuzz_dir: &Path) -> Result<Vec<String>, Error> {
    let dir = fuzz_dir.join("fuzz_targets");
    let entries = fs::read_dir(&dir)
        .map_err(|e| Error::failed(format!("cannot list {}: {e}", dir.display())))?;
    let mut names = BTreeSet::new();
    for entry in entries {
        let path = entry
            .map_err(|e| Error::failed(format!("cannot list {}: {e}", dir.display())))?
            .path();
        if path.extension().is_some_and(|x| x == "rs") {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                names.insert(stem.to_owned());
            }
        }
    }
    if names.is_empty() {
        return Err(Error::failed(format!(
            "no fuzz targets in {}",
            dir.display()
        )));
    }
    Ok(names.into_iter().collect())
}

/// Makes sure `cargo fuzz` works, installing cargo-fuzz if it is missing. Returns how long the
/// install took, if there was one.
fn ensure_cargo_fuzz(root: &Path) -> Result<Option<Duration>, Error> {
    if let Some(version) = cargo_fuzz_version(root) {
        println!("fuzz: using {version}");
        return Ok(None);
    }
    println!("fuzz: cargo-fuzz is not installed; installing it (once)");
    let started = Instant::now();
    cargo(root, &["install", "cargo-fuzz", "--locked"])
        .map_err(|e| Error::failed(format!("installing cargo-fuzz: {e}")))?;
    let took = started.elapsed();
    let version = cargo_fuzz_version(root).ok_or_else(|| {
        Error::failed("cargo-fuzz was installed but `cargo fuzz --version` still fails; is ~/.cargo/bin on PATH?")
    })?;
    println!("fuzz: installed {version} in {}", human(took));
    Ok(Some(took))
}

fn cargo_fuzz_version(root: &Path) -> Option<String> {
    let out = cargo_cmd(root, &["fuzz", "--version"])
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// Seeds, runs and reports one target.
fn run_target(root: &Path, target: &str, secs: u64) -> Result<Outcome, Error> {
    let fuzz_dir = root.join("fuzz");
    let corpus = fuzz_dir.join("corpus").join(target);
    let artifacts = fuzz_dir.join("artifacts").join(target);
    let logs = fuzz_dir.join("logs");
    for dir in [&corpus, &artifacts, &logs] {
        fs::create_dir_all(dir)
            .map_err(|e| Error::failed(format!("cannot create {}: {e}", dir.display())))?;
    }
    let seeded = seed(root, target, &corpus)
        .map_err(|e| Error::failed(format!("seeding {}: {e}", corpus.display())))?;
    let before = list_files(&artifacts);

    let mut args: Vec<String> = ["fuzz", "run"].iter().map(ToString::to_string).collect();
    args.extend(FUZZ_FLAGS.iter().map(ToString::to_string));
    args.push(target.to_owned());
    args.push("--".to_owned());
    args.push(format!("-max_total_time={secs}"));
    args.push(format!("-timeout={INPUT_TIMEOUT_SECS}"));
    args.push("-print_final_stats=1".to_owned());
    if BODY_TARGETS.contains(&target) {
        args.push(format!("-max_len={MAX_BODY_LEN}"));
    }
    if let Some(dict) = dictionary(&fuzz_dir, target) {
        args.push(format!("-dict={}", dict.display()));
    }

    println!(
        "\nfuzz: {target} for {secs} s ({} inputs in {}, {seeded} new from seeds)",
        count_files(&corpus),
        relative(root, &corpus).display(),
    );
    println!("$ cargo {}", args.join(" "));
    let log_path = logs.join(format!("{target}.log"));
    let mut log = fs::File::create(&log_path)
        .map_err(|e| Error::failed(format!("cannot create {}: {e}", log_path.display())))?;

    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = cargo_cmd(root, &arg_refs)
        // cargo-fuzz's own error trace says nothing the fuzzer's output does not; the target's
        // panic backtraces still follow RUST_BACKTRACE.
        .env("RUST_LIB_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::failed(format!("could not start cargo fuzz run: {e}")))?;
    let stderr = child.stderr.take().expect("stderr is piped");

    let mut stats = Stats::default();
    let mut reader = BufReader::new(stderr);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(Error::failed(format!("reading the fuzzer's output: {e}"))),
        }
        io::Write::write_all(&mut log, &buf)
            .map_err(|e| Error::failed(format!("writing {}: {e}", log_path.display())))?;
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end();
        stats.read(line);
        if worth_showing(line) {
            println!("  {line}");
        }
    }
    let status = child
        .wait()
        .map_err(|e| Error::failed(format!("waiting for cargo fuzz run: {e}")))?;

    let mut found: BTreeSet<PathBuf> = stats
        .artifacts
        .iter()
        .map(|p| {
            let p = Path::new(p);
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                root.join(p)
            }
        })
        .collect();
    for path in list_files(&artifacts).difference(&before) {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if ["crash-", "timeout-", "oom-", "leak-"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            found.insert(path.clone());
        }
    }
    Ok(Outcome {
        target: target.to_owned(),
        status,
        runs: stats.runs,
        execs_per_sec: stats.execs_per_sec,
        corpus: count_files(&corpus),
        artifacts: found.into_iter().collect(),
        log: log_path,
    })
}

/// The libFuzzer figures read from its output.
#[derive(Default)]
struct Stats {
    runs: Option<u64>,
    execs_per_sec: Option<u64>,
    artifacts: Vec<String>,
}

impl Stats {
    fn read(&mut self, line: &str) {
        let number = |s: &str| s.trim().parse::<u64>().ok();
        if let Some(v) = line.strip_prefix("stat::number_of_executed_units:") {
            self.runs = number(v);
        } else if let Some(v) = line.strip_prefix("stat::average_exec_per_sec:") {
            self.execs_per_sec = number(v);
        } else if let Some(rest) = line.strip_prefix("Done ") {
            // "Done 123 runs in 60 second(s)", printed before the final stats.
            if let Some(n) = rest.split_whitespace().next().and_then(number) {
                self.runs.get_or_insert(n);
            }
        } else if let Some(i) = line.find("Test unit written to ") {
            let path = line[i + "Test unit written to ".len()..].trim();
            self.artifacts.push(path.to_owned());
        }
    }
}

/// Whether a line of libFuzzer output is shown live: everything but the per-input progress
/// lines, the recommended dictionary and warnings about absent sanitizer hooks (all of which
/// stay in the log file).
fn worth_showing(line: &str) -> bool {
    let noise = line.starts_with("######")
        || line.contains("# Uses: ")
        || line.trim_start().starts_with("NEW_FUNC")
        // Hooks that only exist when a sanitizer runtime is linked in.
        || line.starts_with("WARNING: Failed to find function \"__sanitizer");
    if noise {
        return false;
    }
    if line.starts_with('#') {
        return ["INITED", "pulse", "DONE"].iter().any(|w| line.contains(w));
    }
    !line.is_empty()
}

/// Copies the target's seeds into its corpus: `fuzz/seeds/<target>/*` and, for targets that
/// read webhook bodies, every file under `fixtures/` except the crypto vectors. Returns how many
/// files were new.
fn seed(root: &Path, target: &str, corpus: &Path) -> io::Result<usize> {
    let mut sources = Vec::new();
    walk(&root.join("fuzz").join("seeds").join(target), &mut sources)?;
    if BODY_TARGETS.contains(&target) {
        let fixtures = root.join("fixtures");
        let mut files = Vec::new();
        walk(&fixtures, &mut files)?;
        let vectors = fixtures.join("crypto");
        sources.extend(files.into_iter().filter(|p| {
            !p.starts_with(&vectors) && !p.extension().is_some_and(|x| x == "md" || x == "py")
        }));
    }
    let mut added = 0;
    for src in sources {
        if fs::metadata(&src)?.len() > MAX_BODY_LEN {
            continue;
        }
        // `seed-fixtures-payloads-follow.json`: unique, and recognisable in the corpus.
        let name = relative(root, &src)
            .to_string_lossy()
            .replace(['/', '\\'], "-");
        let dest = corpus.join(format!("seed-{name}"));
        let data = fs::read(&src)?;
        if fs::read(&dest).ok().as_deref() != Some(&data[..]) {
            fs::write(&dest, &data)?;
            added += 1;
        }
    }
    Ok(added)
}

/// Every regular file under `dir`, recursively; nothing if `dir` does not exist.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    paths.sort();
    for path in paths {
        let kind = fs::metadata(&path)?;
        if kind.is_dir() {
            walk(&path, out)?;
        } else if kind.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// `fuzz/json.dict` for body targets, else `fuzz/<target>.dict` if there is one.
fn dictionary(fuzz_dir: &Path, target: &str) -> Option<PathBuf> {
    let path = if BODY_TARGETS.contains(&target) {
        fuzz_dir.join("json.dict")
    } else {
        fuzz_dir.join(format!("{target}.dict"))
    };
    path.is_file().then_some(path)
}

fn list_files(dir: &Path) -> BTreeSet<PathBuf> {
    fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default()
}

fn count_files(dir: &Path) -> usize {
    list_files(dir).iter().filter(|p| p.is_file()).count()
}

/// The first `max` bytes of `bytes` in hex, with `...` if there are more.
fn hex(bytes: &[u8], max: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(2 * max.min(bytes.len()) + 3);
    for b in bytes.iter().take(max) {
        let _ = write!(out, "{b:02x}");
    }
    if bytes.len() > max {
        out.push_str("...");
    }
    out
}

fn relative<'a>(root: &Path, path: &'a Path) -> &'a Path {
    path.strip_prefix(root).unwrap_or(path)
}

fn print_summary(outcomes: &[Outcome], secs: u64, install: Option<Duration>, build: Duration) {
    let root = project_root();
    println!("\nfuzz summary: {secs} s per target, run one after another (--sanitizer none)");
    match install {
        Some(took) => println!(
            "  setup: cargo-fuzz installed in {}, targets built in {}",
            human(took),
            human(build)
        ),
        None => println!("  setup: targets built in {}", human(build)),
    }
    let width = outcomes
        .iter()
        .map(|o| o.target.len())
        .max()
        .unwrap_or(6)
        .max(6);
    println!(
        "  {:<width$}  {:>12}  {:>9}  {:>7}  result",
        "target", "runs", "runs/s", "corpus"
    );
    let show = |n: Option<u64>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
    for o in outcomes {
        let result = if o.crashed() {
            o.failure()
        } else {
            "ok".to_owned()
        };
        println!(
            "  {:<width$}  {:>12}  {:>9}  {:>7}  {result}",
            o.target,
            show(o.runs),
            show(o.execs_per_sec),
            o.corpus,
        );
        if o.crashed() {
            for a in &o.artifacts {
                let a = relative(&root, a);
                println!("      input: {}", a.display());
                if let Ok(bytes) = fs::read(a) {
                    println!("      hex ({} bytes): {}", bytes.len(), hex(&bytes, 256));
                }
                println!(
                    "      reproduce: cargo fuzz run {} {} {}",
                    FUZZ_FLAGS.join(" "),
                    o.target,
                    a.display()
                );
            }
            if o.artifacts.is_empty() {
                println!(
                    "      no input was saved; the fuzzer's output is in {}",
                    relative(&root, &o.log).display()
                );
            }
        }
    }
}
