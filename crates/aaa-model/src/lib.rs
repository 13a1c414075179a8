#![doc = include_str!("../README.md")]

mod kind;

pub use kind::EventKind;
