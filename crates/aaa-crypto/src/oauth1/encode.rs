//! RFC 3986 percent-encoding (RFC 5849 section 3.6) and form decoding.

use super::OAuthError;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Whether `b` is in RFC 3986's unreserved set, the only bytes left as they are.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes `s` as RFC 5849 section 3.6 requires: every byte of its UTF-8 form outside
/// `A-Z a-z 0-9 - . _ ~` becomes `%XX` with uppercase hex digits.
///
/// ```
/// use aaa_crypto::oauth1::percent_encode;
///
/// assert_eq!(percent_encode("Ladies + Gentlemen"), "Ladies%20%2B%20Gentlemen");
/// assert_eq!(percent_encode("\u{2603}"), "%E2%98%83");
/// ```
pub fn percent_encode(s: &str) -> String {
    percent_encode_bytes(s.as_bytes())
}

/// Percent-encodes arbitrary bytes like [`percent_encode`].
pub fn percent_encode_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    encode_into(bytes, &mut out);
    out
}

/// Appends the percent-encoding of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// Decodes `%XX` escapes (either case of hex digit). A `+` stays a `+`; see [`form_decode`] for
/// form data.
///
/// # Errors
///
/// [`OAuthError::InvalidPercentEncoding`] when a `%` is not followed by two hex digits.
///
/// ```
/// use aaa_crypto::oauth1::percent_decode;
///
/// assert_eq!(percent_decode("r%20b+c")?, b"r b+c");
/// # Ok::<(), aaa_crypto::oauth1::OAuthError>(())
/// ```
pub fn percent_decode(s: &str) -> Result<Vec<u8>, OAuthError> {
    decode(s.as_bytes(), false)
}

/// Splits an `application/x-www-form-urlencoded` string (a form body or a URL query) into
/// decoded name/value pairs, in order: pairs are separated by `&`, a missing `=` means an empty
/// value, empty pairs are skipped, `+` means a space and `%XX` escapes are decoded.
///
/// # Errors
///
/// [`OAuthError::InvalidPercentEncoding`] for a bad escape and [`OAuthError::InvalidUtf8`] when a
/// decoded name or value is not UTF-8.
///
/// ```
/// use aaa_crypto::oauth1::form_decode;
///
/// let pairs = form_decode("c2&a3=2+q&c%40=")?;
/// assert_eq!(pairs, [("c2".into(), "".into()), ("a3".into(), "2 q".into()), ("c@".into(), "".into())]);
/// # Ok::<(), aaa_crypto::oauth1::OAuthError>(())
/// ```
pub fn form_decode(s: &str) -> Result<Vec<(String, String)>, OAuthError> {
    form_decode_bytes(s)?
        .into_iter()
        .map(|(name, value)| {
            let name = String::from_utf8(name).map_err(|_| OAuthError::InvalidUtf8)?;
            let value = String::from_utf8(value).map_err(|_| OAuthError::InvalidUtf8)?;
            Ok((name, value))
        })
        .collect()
}

/// A decoded name/value pair that need not be UTF-8.
pub(crate) type BytePair = (Vec<u8>, Vec<u8>);

/// [`form_decode`] without the UTF-8 requirement.
pub(crate) fn form_decode_bytes(s: &str) -> Result<Vec<BytePair>, OAuthError> {
    s.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((
                decode(name.as_bytes(), true)?,
                decode(value.as_bytes(), true)?,
            ))
        })
        .collect()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn decode(s: &[u8], plus_is_space: bool) -> Result<Vec<u8>, OAuthError> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                let hi = s.get(i + 1).copied().and_then(hex_value);
                let lo = s.get(i + 2).copied().and_then(hex_value);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(OAuthError::InvalidPercentEncoding),
                }
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(percent_encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(
            percent_encode("Hello Ladies + Gentlemen, a signed OAuth request!"),
            "Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21"
        );
        assert_eq!(
            percent_encode("*'()/?#[]@=&%"),
            "%2A%27%28%29%2F%3F%23%5B%5D%40%3D%26%25"
        );
        assert_eq!(percent_encode_bytes(&[0, 0x7f, 0x80, 0xff]), "%00%7F%80%FF");
        assert_eq!(percent_encode(""), "");
    }

    #[test]
    fn decodes_both_hex_cases_and_refuses_bad_escapes() {
        assert_eq!(
            percent_decode("%2b%2B%e2%98%83").unwrap(),
            "++\u{2603}".as_bytes()
        );
        assert_eq!(percent_decode("a+b").unwrap(), b"a+b");
        for bad in ["%", "%2", "%zz", "a%g0", "%%41"] {
            assert_eq!(
                percent_decode(bad),
                Err(OAuthError::InvalidPercentEncoding),
                "{bad}"
            );
        }
    }

    #[test]
    fn form_decoding() {
        assert_eq!(
            form_decode("b5=%3D%253D&a3=a&c%40=&a2=r%20b").unwrap(),
            [
                ("b5".to_owned(), "=%3D".to_owned()),
                ("a3".to_owned(), "a".to_owned()),
                ("c@".to_owned(), String::new()),
                ("a2".to_owned(), "r b".to_owned()),
            ]
        );
        assert_eq!(
            form_decode("&&a=1=2&").unwrap(),
            [("a".to_owned(), "1=2".to_owned())]
        );
        assert_eq!(form_decode("").unwrap(), []);
        assert_eq!(form_decode("a=%FF"), Err(OAuthError::InvalidUtf8));
        assert_eq!(
            form_decode_bytes("a=%FF").unwrap(),
            [(b"a".to_vec(), vec![0xff])]
        );
    }
}
