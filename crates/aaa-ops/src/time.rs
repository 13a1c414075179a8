//! Times as people read them.

use aaa_model::Timestamp;

/// `2026-05-10T12:00:00Z` (or with milliseconds when it has some).
pub(crate) fn rfc3339(ms: i64) -> String {
    Timestamp::from_millis(ms).to_rfc3339()
}
