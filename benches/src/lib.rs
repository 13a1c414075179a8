//! Criterion benchmarks for the aaa crates (see `benches/`).
