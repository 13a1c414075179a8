//! How a command fails: one line on stderr and a non-zero exit, 64 for a usage mistake (a flag
//! missing or in conflict) and 1 for anything else.

use std::fmt;

/// A failure to report on one line.
#[derive(Debug)]
pub(crate) struct Failure {
    message: String,
    usage: bool,
}

impl Failure {
    /// A failure of the work itself (exit 1).
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            usage: false,
        }
    }

    /// A usage mistake (exit 64), reported with a pointer to the command's help.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            usage: true,
        }
    }

    /// The one-line message.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// Whether it is a usage mistake.
    pub(crate) fn is_usage(&self) -> bool {
        self.usage
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Errors whose message is the whole failure (exit 1).
macro_rules! failure_from {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for Failure {
            fn from(e: $error) -> Failure {
                Failure::new(e.to_string())
            }
        }
    )*};
}

failure_from!(
    std::io::Error,
    aaa_crypto::Error,
    aaa_crypto::oauth1::OAuthError,
    aaa_emulator::Error,
    aaa_receiver::ConfigError,
    aaa_receiver::StoreError,
);

impl From<aaa_client::Error> for Failure {
    fn from(e: aaa_client::Error) -> Failure {
        let text = crate::output::one_line(&e.to_string());
        if matches!(
            e.kind(),
            aaa_client::ErrorKind::MissingCredentials | aaa_client::ErrorKind::InvalidConfig
        ) {
            Failure::usage(text)
        } else {
            Failure::new(text)
        }
    }
}
