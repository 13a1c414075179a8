//! The `aaa` command.

fn main() {}
