//! Support code for the criterion benchmarks in `benches/`: the fixture corpus they run over.
//!
//! The corpus is read from the workspace's `fixtures/` directory:
//!
//! - every file of `fixtures/bench/` is a set of its own (`tweet_create_small`, `dm_users`, ...);
//! - `fixtures/payloads/tweet_create/batch_64.json` (64 events in one envelope) is the set
//!   `batch_64`;
//! - each directory of `fixtures/payloads/` is one set named `payloads/<dir>` holding all of its
//!   bodies up to [`KIND_SET_MAX_BODY`] bytes (the larger ones are covered by the sets above).

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
    Ok(Body {
        name,
        bytes: fs::read(path)?,
    })
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Loads the benchmark corpus described in the crate docs.
///
/// # Errors
///
/// When `fixtures/bench/` or `fixtures/payloads/` is missing or a file cannot be read.
pub fn corpus() -> io::Result<Vec<BodySet>> {
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
