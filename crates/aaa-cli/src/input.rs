//! Reading bodies from files or standard input.

use std::io::Read;

use crate::failure::Failure;

/// Reads `path`, or standard input when it is `-`.
pub(crate) fn read(path: &str) -> Result<Vec<u8>, Failure> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Failure::new(format!("-: cannot read standard input: {e}")))?;
        Ok(buf)
    } else {
        std::fs::read(path).map_err(|e| Failure::new(format!("{path}: cannot read: {e}")))
    }
}
