#![doc = include_str!("../README.md")]
#![deny(unsafe_code)]

mod bytes;
mod cursor;
mod de;
mod decode;
mod error;
mod event;
mod key;
mod kind;
mod raw;
mod scan;
mod simd;

pub use decode::DecodeError;
pub use error::{ScanError, ScanErrorKind};
pub use event::EventRef;
pub use key::DedupeKey;
pub use kind::Kind;
pub use scan::{Envelope, Events, Format, scan};

/// The deepest nesting of arrays and objects a body may have (the envelope object is level 1).
pub const MAX_DEPTH: u32 = 128;

/// How many events an [`Envelope`] holds without a heap allocation.
pub const INLINE_EVENTS: usize = 64;

/// How many top-level keys an envelope may have. Real deliveries have fewer than ten.
pub const MAX_ENVELOPE_KEYS: usize = 32;
