//! Borrowed strings that copy only when they must.

use core::borrow::Borrow;
use core::fmt;
use core::ops::Deref;
use std::borrow::Cow;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// A string from a JSON document: borrowed from the input when the JSON string had no escapes,
/// owned when it had (the unescaped text does not exist in the input then).
///
/// Every string field of this crate's types is a `Text`. Unlike `Cow<'a, str>`, whose serde
/// implementation always copies, and unlike `#[serde(borrow)] Option<Cow<'a, str>>`, which does not
/// borrow at all (serde issue 2016), a `Text` inside an `Option`, a `Vec` or a map borrows whenever
/// the deserializer can lend the string (`serde_json::from_str` / `from_slice` can).
///
/// Like `&'a str`, a type holding `Text<'a>` is not `DeserializeOwned`: to decode from a reader,
/// read into a buffer, decode with `from_slice`, and call `into_owned` to keep the result.
///
/// ```
/// use aaa_model::Text;
///
/// let plain: Text<'_> = serde_json::from_str(r#""hello""#).unwrap();
/// assert!(plain.is_borrowed());
/// let escaped: Text<'_> = serde_json::from_str(r#""a\nb""#).unwrap();
/// assert!(!escaped.is_borrowed());
/// assert_eq!(escaped, "a\nb");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Text<'a>(Cow<'a, str>);

impl<'a> Text<'a> {
    /// Wraps a borrowed or owned string.
    pub fn new(s: impl Into<Cow<'a, str>>) -> Self {
        Text(s.into())
    }

    /// A `Text` borrowing a static string.
    pub const fn from_static(s: &'static str) -> Text<'static> {
        Text(Cow::Borrowed(s))
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the string is borrowed from the input (no copy was made).
    pub fn is_borrowed(&self) -> bool {
        matches!(self.0, Cow::Borrowed(_))
    }

    /// The string as a `Cow`.
    pub fn as_cow(&self) -> &Cow<'a, str> {
        &self.0
    }

    /// Unwraps the `Cow`.
    pub fn into_cow(self) -> Cow<'a, str> {
        self.0
    }

    /// Converts into a `Text` that owns its string, copying it if it was borrowed.
    pub fn into_owned(self) -> Text<'static> {
        Text(Cow::Owned(self.0.into_owned()))
    }
}

impl Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Text(Cow::Borrowed(s))
    }
}

impl From<String> for Text<'_> {
    fn from(s: String) -> Self {
        Text(Cow::Owned(s))
    }
}

impl<'a> From<Cow<'a, str>> for Text<'a> {
    fn from(s: Cow<'a, str>) -> Self {
        Text(s)
    }
}

impl<'a> From<Text<'a>> for Cow<'a, str> {
    fn from(t: Text<'a>) -> Self {
        t.0
    }
}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Text<'_>> for str {
    fn eq(&self, other: &Text<'_>) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Text<'_>> for &str {
    fn eq(&self, other: &Text<'_>) -> bool {
        **self == *other.0
    }
}

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v)))
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        core::str::from_utf8(v)
            .map(|s| Text(Cow::Borrowed(s)))
            .map_err(|_| E::invalid_value(de::Unexpected::Bytes(v), &self))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        core::str::from_utf8(v)
            .map(|s| Text(Cow::Owned(s.to_owned())))
            .map_err(|_| E::invalid_value(de::Unexpected::Bytes(v), &self))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_without_escapes_and_owns_with_them() {
        let t: Text<'_> = serde_json::from_str(r#""plain text""#).unwrap();
        assert!(t.is_borrowed());
        assert_eq!(t, "plain text");

        let t: Text<'_> = serde_json::from_str(r#""caf\u00e9 \/ ok""#).unwrap();
        assert!(!t.is_borrowed());
        assert_eq!(t, "café / ok");
    }

    #[test]
    fn borrows_inside_option_and_vec() {
        let v: Option<Vec<Text<'_>>> = serde_json::from_str(r#"["a","b"]"#).unwrap();
        assert!(v.unwrap().iter().all(Text::is_borrowed));
        let o: Option<Text<'_>> = serde_json::from_str(r#""x""#).unwrap();
        assert!(o.unwrap().is_borrowed());
    }

    #[test]
    fn borrows_from_byte_slices_too() {
        let bytes = br#"["bytes", "esc\u0061ped"]"#.to_vec();
        let v: Vec<Text<'_>> = serde_json::from_slice(&bytes).unwrap();
        assert!(v[0].is_borrowed());
        assert!(!v[1].is_borrowed());
        assert_eq!(v[1], "escaped");
    }

    #[test]
    fn rejects_non_strings() {
        assert!(serde_json::from_str::<Text<'_>>("12").is_err());
        assert!(serde_json::from_str::<Text<'_>>("null").is_err());
    }

    #[test]
    fn serializes_as_a_string_and_converts() {
        let t = Text::from("a\"b");
        assert_eq!(serde_json::to_string(&t).unwrap(), r#""a\"b""#);
        let owned = t.clone().into_owned();
        assert!(!owned.is_borrowed());
        assert_eq!(owned, t);
        assert_eq!(format!("{t}|{t:?}"), "a\"b|\"a\\\"b\"");
    }
}
