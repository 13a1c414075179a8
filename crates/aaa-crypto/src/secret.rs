//! Types that hold shared secrets and never print them.

use std::fmt;

/// Defines a byte-string secret newtype with a redacted `Debug`, no `Display`, no `PartialEq`
/// (so nobody compares secrets with a short-circuiting `==`), and a best-effort wipe on drop.
macro_rules! byte_secret {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(Vec<u8>);

        impl $name {
            /// Wraps a secret given as text.
            pub fn new(secret: impl Into<String>) -> Self {
                Self(secret.into().into_bytes())
            }

            /// Wraps a secret given as raw bytes.
            pub fn from_bytes(secret: impl Into<Vec<u8>>) -> Self {
                Self(secret.into())
            }

            /// The secret's bytes. Keep them out of logs and error messages.
            pub fn expose_secret(&self) -> &[u8] {
                &self.0
            }

            /// Whether the secret is empty.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }

        impl From<String> for $name {
            fn from(secret: String) -> Self {
                Self::new(secret)
            }
        }

        impl From<&str> for $name {
            fn from(secret: &str) -> Self {
                Self::new(secret)
            }
        }

        impl From<Vec<u8>> for $name {
            fn from(secret: Vec<u8>) -> Self {
                Self::from_bytes(secret)
            }
        }

        impl From<&[u8]> for $name {
            fn from(secret: &[u8]) -> Self {
                Self::from_bytes(secret)
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                wipe(&mut self.0);
            }
        }
    };
}

byte_secret! {
    /// An app's consumer secret (API key secret).
    ///
    /// It keys the webhook signature (`x-twitter-webhooks-signature`), the CRC response token and,
    /// together with a [`TokenSecret`], OAuth 1.0a request signatures. Its `Debug` output is
    /// `<redacted>`.
    ///
    /// ```
    /// let secret = aaa_crypto::ConsumerSecret::new("s3cr3t");
    /// assert_eq!(format!("{secret:?}"), "<redacted>");
    /// ```
    ConsumerSecret
}

byte_secret! {
    /// A user's OAuth 1.0a access token secret (or a temporary credentials secret). Its `Debug`
    /// output is `<redacted>`.
    TokenSecret
}

/// Overwrites a buffer with zeros before it is freed. Best effort: it cannot reach copies the
/// allocator or the caller made earlier.
pub(crate) fn wipe(buf: &mut [u8]) {
    buf.fill(0);
    std::hint::black_box(buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let consumer = ConsumerSecret::new("kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw");
        let token = TokenSecret::from_bytes(b"LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE".to_vec());
        assert_eq!(format!("{consumer:?}"), "<redacted>");
        assert_eq!(format!("{token:?}"), "<redacted>");
        assert_eq!(format!("{consumer:#?}"), "<redacted>");
        let nested = format!("{:?}", Some((&consumer, &token)));
        assert!(!nested.contains("kAcSOq"));
        assert!(!nested.contains("Lswwdo"));
    }

    #[test]
    fn constructors_agree() {
        let a = ConsumerSecret::new(String::from("abc"));
        let b = ConsumerSecret::from_bytes(*b"abc");
        let c = ConsumerSecret::from("abc");
        let d = ConsumerSecret::from(&b"abc"[..]);
        for s in [&a, &b, &c, &d] {
            assert_eq!(s.expose_secret(), b"abc");
            assert!(!s.is_empty());
        }
        assert!(TokenSecret::new("").is_empty());
    }

    #[test]
    fn wipe_zeroes() {
        let mut buf = *b"secret";
        wipe(&mut buf);
        assert_eq!(buf, [0u8; 6]);
    }
}
