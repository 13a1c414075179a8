//! Support code for the criterion benchmarks in `benches/`: the fixture corpus they run over.
//!
//! The corpus is read from the workspace's `fixtures/` directory:
//!
//! - every file of `fixtures/bench/` is a set of its own (`tweet_create_small`, `dm_users`, ...);
//! - `fixtures/payloads/tweet_create/batch_64.json` (64 events in one envelope) is the set
//!   `batch_64`;
//! - each directory of `fixtures/payloads/` is one set named `payloads/<dir>` holding all of its
//!   bodies up to [`KIND_SET_MAX_BODY`] bytes (the larger ones are covered by the sets above).
//!
//! When the environment variable [`BENCH_DIR_VAR`] (`AAA_BENCH_DIR`) names a directory, the
//! corpus is read from there instead, so that the benches can be pointed at bodies this project
//! does not ship (see [`corpus_from`]).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Bodies larger than this are left out of the `payloads/<dir>` sets.
pub const KIND_SET_MAX_BODY: usize = 64 * 1024;

/// One webhook body, as read from disk.
#[derive(Debug, Clone)]
pub struct Body {
    /// The file name, relative to `fixtures/`.
    pub name: String,
    /// The exact bytes of the file.
    pub bytes: Vec<u8>,
    /// Whether it is an X Activity API delivery (`{"data":{...}}`), which the serde-based
    /// candidates decode into another type than an Account Activity envelope.
    pub activity: bool,
}

/// A named group of bodies that are benchmarked together: one iteration handles each of them once.
#[derive(Debug, Clone)]
pub struct BodySet {
    /// The name used in benchmark ids, e.g. `tweet_create_small` or `payloads/favorite`.
    pub name: String,
    /// The bodies, in file-name order.
    pub bodies: Vec<Body>,
}

impl BodySet {
    /// Total size of the bodies in bytes (criterion's `Throughput::Bytes` for one iteration).
    pub fn total_bytes(&self) -> u64 {
        self.bodies.iter().map(|b| b.bytes.len() as u64).sum()
    }

    /// Number of bodies.
    pub fn len(&self) -> usize {
        self.bodies.len()
    }

    /// Whether the set has no body.
    pub fn is_empty(&self) -> bool {
        self.bodies.is_empty()
    }
}

/// The workspace's `fixtures/` directory.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("fixtures")
}

/// The `.json` files directly in `dir`, sorted by name.
fn json_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn read_body(root: &Path, path: &Path) -> io::Result<Body> {
    let name = path
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned();
    let bytes = fs::read(path)?;
    let activity =
        aaa_parser::scan(&bytes).is_ok_and(|e| e.format() == aaa_parser::Format::XActivity);
    Ok(Body {
        name,
        bytes,
        activity,
    })
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The environment variable that points the benches at an outside corpus.
pub const BENCH_DIR_VAR: &str = "AAA_BENCH_DIR";

/// Loads the benchmark corpus: the one named by [`BENCH_DIR_VAR`] if it is set (see
/// [`corpus_from`]), else the fixture corpus described in the crate docs.
///
/// # Errors
///
/// When a directory is missing or a file cannot be read.
pub fn corpus() -> io::Result<Vec<BodySet>> {
    match std::env::var_os(BENCH_DIR_VAR) {
        Some(dir) if !dir.is_empty() => corpus_from(Path::new(&dir)),
        _ => fixture_corpus(),
    }
}

/// Every file under `dir` (recursively), sorted.
fn files_under(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// An outside corpus: every file under `dir` whose name ends in `.json` is a body. Each
/// directory that holds bodies directly is a set named by its path relative to `dir` (`.` for
/// `dir` itself), and the set `all` holds every Account Activity body (X Activity API bodies
/// only in their own directories' sets, since sonic-rs and simd-json cannot decode their raw
/// `payload`), so that a whole corpus gets one figure.
///
/// A body that `aaa_parser` refuses to scan or decode is left out with a note on stderr (the
/// candidates could not be compared on it); the benches report on stderr any other library that
/// refuses a body.
///
/// # Errors
///
/// When `dir` cannot be read or holds no body.
pub fn corpus_from(dir: &Path) -> io::Result<Vec<BodySet>> {
    let mut by_dir: Vec<BodySet> = Vec::new();
    let mut all = Vec::new();
    for path in files_under(dir)? {
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let body = read_body(dir, &path)?;
        let decoded = aaa_parser::scan(&body.bytes)
            .map_err(|e| e.to_string())
            .and_then(|env| env.decode_all().map(drop).map_err(|e| e.to_string()));
        if let Err(e) = decoded {
            eprintln!("note: {} left out: aaa-parser refuses it ({e})", body.name);
            continue;
        }
        let set = path
            .parent()
            .and_then(|p| p.strip_prefix(dir).ok())
            .map(|p| p.to_string_lossy().into_owned())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| ".".to_owned());
        match by_dir.iter_mut().find(|s| s.name == set) {
            Some(s) => s.bodies.push(body.clone()),
            None => by_dir.push(BodySet {
                name: set,
                bodies: vec![body.clone()],
            }),
        }
        if !body.activity {
            all.push(body);
        }
    }
    if by_dir.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no webhook body (*.json) under {}", dir.display()),
        ));
    }
    by_dir.sort_by(|a, b| a.name.cmp(&b.name));
    if !all.is_empty() {
        by_dir.insert(
            0,
            BodySet {
                name: "all".to_owned(),
                bodies: all,
            },
        );
    }
    Ok(by_dir)
}

/// The fixture corpus described in the crate docs.
fn fixture_corpus() -> io::Result<Vec<BodySet>> {
    let root = fixtures_dir();
    let mut sets = Vec::new();

    for path in json_files(&root.join("bench"))? {
        sets.push(BodySet {
            name: stem(&path),
            bodies: vec![read_body(&root, &path)?],
        });
    }

    let batch = root
        .join("payloads")
        .join("tweet_create")
        .join("batch_64.json");
    sets.push(BodySet {
        name: "batch_64".to_owned(),
        bodies: vec![read_body(&root, &batch)?],
    });

    let mut dirs = Vec::new();
    for entry in fs::read_dir(root.join("payloads"))? {
        let path = entry?.path();
        if path.is_dir() {
            dirs.push(path);
        }
    }
    dirs.sort();
    for dir in dirs {
        let mut bodies = Vec::new();
        for path in json_files(&dir)? {
            let body = read_body(&root, &path)?;
            if body.bytes.len() <= KIND_SET_MAX_BODY {
                bodies.push(body);
            }
        }
        if !bodies.is_empty() {
            sets.push(BodySet {
                name: format!("payloads/{}", stem(&dir)),
                bodies,
            });
        }
    }
    Ok(sets)
}
