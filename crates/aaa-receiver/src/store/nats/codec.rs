//! How events are written into NATS messages: subject tokens, hashes and header values.

use std::fmt::Write as _;

/// The headers an event or delivery message carries.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Header {
    Kind,
    ForUserId,
    Key,
    App,
    ReceivedAt,
    /// The stream sequence of the event's delivery.
    Delivery,
    Signature,
    SecretIndex,
    /// Why a quarantined body is not an envelope.
    Error,
}

impl Header {
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Header::Kind => "Aaa-Kind",
            Header::ForUserId => "Aaa-For-User-Id",
            Header::Key => "Aaa-Key",
            Header::App => "Aaa-App",
            Header::ReceivedAt => "Aaa-Received-At",
            Header::Delivery => "Aaa-Delivery",
            Header::Signature => "Aaa-Signature",
            Header::SecretIndex => "Aaa-Secret-Index",
            Header::Error => "Aaa-Error",
        }
    }
}

/// `text` as one subject token: letters, digits, `_` and `-` kept, every other byte `_` (so a
/// kind such as `post.create` becomes `post_create`). Tokens only route and filter; the headers
/// hold the exact values.
pub(crate) fn subject_token(text: &str) -> String {
    let t: String = text
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
                char::from(b)
            } else {
                '_'
            }
        })
        .collect();
    if t.is_empty() { "_".to_owned() } else { t }
}

/// The first 128 bits of the SHA-256 of `bytes`, in hex: the last subject token of an event (of
/// its dedupe key) or a body.
pub(crate) fn digest_hex(bytes: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    let mut hex = String::with_capacity(32);
    for b in &d.as_ref()[..16] {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// `text` as a header value: printable ASCII other than `%` as is, every other byte as `%XX`
/// (values come from delivered bodies and may hold line breaks, which a header cannot).
pub(crate) fn header(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if (0x20..0x7f).contains(&b) && b != b'%' {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The text [`header`] wrote.
pub(crate) fn unheader(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(b) = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_round_trip_and_hold_no_line_break() {
        for text in ["plain", "100%", "a\r\nb", "ümlaut", "", "%41"] {
            let h = header(text);
            assert!(h.bytes().all(|b| (0x20..0x7f).contains(&b)), "{h:?}");
            assert_eq!(unheader(&h), text);
        }
    }

    #[test]
    fn subject_tokens_hold_no_separator_or_wildcard() {
        assert_eq!(subject_token("post.create"), "post_create");
        assert_eq!(subject_token("unknown:a b>*"), "unknown_a_b__");
        assert_eq!(subject_token(""), "_");
        assert_eq!(digest_hex(b"").len(), 32);
    }
}
