#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod bearer;
mod crc;
mod error;
pub mod oauth1;
mod secret;
mod signature;

pub use crate::bearer::BearerToken;
pub use crate::crc::{
    CRC_TOKEN_MAX_LEN, CrcTokenError, check_crc_token, crc_response_body, crc_response_token,
};
pub use crate::error::Error;
pub use crate::secret::{ConsumerSecret, TokenSecret};
pub use crate::signature::{
    SIGNATURE_HEADER, SIGNATURE_PREFIX, SignatureError, SigningKey, Verifier, sign, verify,
};
