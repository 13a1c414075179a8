//! Times written the way X writes them, all through [`aaa_model::Timestamp`].

use aaa_model::Timestamp;

fn from_secs(secs: u64) -> Timestamp {
    Timestamp::from_secs(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// A v1.1 webhook's `created_at`, as X's reference shows it: `2016-06-02T23:54:02Z`.
pub(crate) fn webhook_created_at(secs: u64) -> String {
    let (y, mo, d, h, mi, s, _) = from_secs(secs).to_utc();
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// RFC 3339 with milliseconds, as v2 answers carry it: `2016-06-02T23:54:02.000Z`.
pub(crate) fn rfc3339_millis(secs: u64) -> String {
    from_secs(secs).to_rfc3339()
}

/// A v1.1 replay job's `created_at`: `2019-02-11 22:54:08 +0000`.
pub(crate) fn replay_created_at(secs: u64) -> String {
    let (y, mo, d, h, mi, s, _) = from_secs(secs).to_utc();
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} +0000")
}

/// A revoke's `date_time`: `2018-05-24T09:48:12+00:00`.
pub(crate) fn revoke_date_time(secs: u64) -> String {
    let (y, mo, d, h, mi, s, _) = from_secs(secs).to_utc();
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+00:00")
}

/// A post's or a like's v1.1 `created_at`: `Wed Oct 10 20:19:24 +0000 2018`.
pub(crate) fn post_created_at(ms: u64) -> String {
    Timestamp::from_millis(i64::try_from(ms).unwrap_or(i64::MAX)).to_created_at()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_like_x() {
        assert_eq!(webhook_created_at(1_464_911_642), "2016-06-02T23:54:02Z");
        assert_eq!(
            replay_created_at(1_464_911_642),
            "2016-06-02 23:54:02 +0000"
        );
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_millis(951_782_400), "2000-02-29T00:00:00.000Z");
        assert_eq!(revoke_date_time(1_527_155_292), "2018-05-24T09:48:12+00:00");
        assert_eq!(
            post_created_at(1_539_202_764_000),
            "Wed Oct 10 20:19:24 +0000 2018"
        );
        // Each form reads back as the same instant.
        for text in [
            replay_created_at(1_464_911_642),
            rfc3339_millis(1_464_911_642),
        ] {
            assert_eq!(Timestamp::parse(&text).unwrap().as_secs(), 1_464_911_642);
        }
    }
}
