//! Conversion of borrowed values into `'static` ones, and the macros that derive it.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

use crate::{Text, Timestamp};

/// Converts a value borrowing from its input into one that owns everything (`'static`).
///
/// Implemented for every type of this crate and for the containers they use; the public face of
/// it is each type's inherent `into_owned`.
pub(crate) trait IntoStatic {
    /// The `'static` form.
    type Static;
    /// Converts, copying only what is borrowed.
    fn into_static(self) -> Self::Static;
}

impl IntoStatic for Text<'_> {
    type Static = Text<'static>;
    fn into_static(self) -> Text<'static> {
        self.into_owned()
    }
}

impl<T: IntoStatic> IntoStatic for Option<T> {
    type Static = Option<T::Static>;
    fn into_static(self) -> Self::Static {
        self.map(IntoStatic::into_static)
    }
}

impl<T: IntoStatic> IntoStatic for Vec<T> {
    type Static = Vec<T::Static>;
    fn into_static(self) -> Self::Static {
        self.into_iter().map(IntoStatic::into_static).collect()
    }
}

impl<T: IntoStatic> IntoStatic for Box<T> {
    type Static = Box<T::Static>;
    fn into_static(self) -> Self::Static {
        Box::new((*self).into_static())
    }
}

impl<K, V, S> IntoStatic for HashMap<K, V, S>
where
    K: IntoStatic,
    K::Static: Eq + Hash,
    V: IntoStatic,
    S: BuildHasher + Default,
{
    type Static = HashMap<K::Static, V::Static, S>;
    fn into_static(self) -> Self::Static {
        self.into_iter()
            .map(|(k, v)| (k.into_static(), v.into_static()))
            .collect()
    }
}

impl<K, V> IntoStatic for BTreeMap<K, V>
where
    K: IntoStatic,
    K::Static: Ord,
    V: IntoStatic,
{
    type Static = BTreeMap<K::Static, V::Static>;
    fn into_static(self) -> Self::Static {
        self.into_iter()
            .map(|(k, v)| (k.into_static(), v.into_static()))
            .collect()
    }
}

/// Types that own all their data already convert to themselves.
macro_rules! static_types {
    ($($t:ty),* $(,)?) => {
        $(
            impl IntoStatic for $t {
                type Static = $t;
                fn into_static(self) -> $t {
                    self
                }
            }
        )*
    };
}

static_types!(
    bool,
    u32,
    u64,
    i64,
    f64,
    [u32; 2],
    [f64; 2],
    Timestamp,
    serde_json::Value,
    crate::UserId,
    crate::TweetId,
    crate::AppId,
    crate::DmEventId,
    crate::MediaId,
    crate::RuleId,
);

impl IntoStatic for crate::WebhookId<'_> {
    type Static = crate::WebhookId<'static>;
    fn into_static(self) -> Self::Static {
        self.into_owned()
    }
}

impl IntoStatic for crate::SubscriptionId<'_> {
    type Static = crate::SubscriptionId<'static>;
    fn into_static(self) -> Self::Static {
        self.into_owned()
    }
}

impl IntoStatic for crate::JobId<'_> {
    type Static = crate::JobId<'static>;
    fn into_static(self) -> Self::Static {
        self.into_owned()
    }
}

/// Declares a struct with lifetime `'a` and derives `into_owned(self) -> Name<'static>` (and
/// `IntoStatic`) for it, converting field by field.
macro_rules! borrowed_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident<'a> {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident : $ty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub struct $name<'a> {
            $(
                $(#[$fmeta])*
                pub $field: $ty,
            )*
        }

        impl $name<'_> {
            /// Converts into a value that owns all its strings, copying only those that were
            /// borrowed from the input.
            pub fn into_owned(self) -> $name<'static> {
                $name {
                    $( $field: $crate::owned::IntoStatic::into_static(self.$field), )*
                }
            }
        }

        impl $crate::owned::IntoStatic for $name<'_> {
            type Static = $name<'static>;
            fn into_static(self) -> $name<'static> {
                self.into_owned()
            }
        }
    };
}

/// Declares that types without borrowed data convert to themselves.
macro_rules! owned_types {
    ($($t:ty),* $(,)?) => {
        $(
            impl $crate::owned::IntoStatic for $t {
                type Static = $t;
                fn into_static(self) -> $t {
                    self
                }
            }
        )*
    };
}

/// Declares a string enum with known variants and an `Other(Text<'a>)` catch-all that keeps any
/// value X adds later. Serializes as the string; deserializes from a string.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident<'a> {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $value:literal
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[non_exhaustive]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name<'a> {
            $(
                $(#[$vmeta])*
                $variant,
            )*
            /// A value this crate does not know, kept verbatim.
            Other($crate::Text<'a>),
        }

        impl<'a> $name<'a> {
            /// The value as X writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $value, )*
                    $name::Other(s) => s.as_str(),
                }
            }

            /// The variant for a value (`Other` for unknown ones).
            pub fn from_text(s: $crate::Text<'a>) -> Self {
                match s.as_str() {
                    $( $value => $name::$variant, )*
                    _ => $name::Other(s),
                }
            }

            /// Converts into a value that owns its string.
            pub fn into_owned(self) -> $name<'static> {
                match self {
                    $( $name::$variant => $name::$variant, )*
                    $name::Other(s) => $name::Other(s.into_owned()),
                }
            }
        }

        impl Default for $name<'_> {
            /// An empty `Other` value.
            fn default() -> Self {
                $name::Other($crate::Text::default())
            }
        }

        impl core::fmt::Display for $name<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::owned::IntoStatic for $name<'_> {
            type Static = $name<'static>;
            fn into_static(self) -> $name<'static> {
                self.into_owned()
            }
        }

        impl serde::Serialize for $name<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de: 'a, 'a> serde::Deserialize<'de> for $name<'a> {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::Text::deserialize(deserializer).map($name::from_text)
            }
        }
    };
}

pub(crate) use {borrowed_struct, owned_types, string_enum};
