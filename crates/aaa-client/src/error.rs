//! The client's error type.

use std::error::Error as StdError;
use std::fmt;
use std::time::SystemTime;

use aaa_model::rest::{ErrorBody, ProblemKind, codes};

use crate::rate_limit::RateLimit;
use crate::route::AuthKind;

/// What went wrong, in broad strokes; the [`Error`] carries the details.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The webhook URL fails the local check (https, no port, no fragment); nothing was sent.
    InvalidWebhookUrl,
    /// The client configuration is unusable (bad base URL, plain http to a non-loopback host).
    InvalidConfig,
    /// The selected API version has no such endpoint.
    Unsupported,
    /// The endpoint needs credentials the client was not given.
    MissingCredentials,
    /// Signing the request failed.
    Signing,
    /// The connection failed or broke before an answer arrived.
    Connect,
    /// No answer within the configured timeout.
    Timeout,
    /// X refused the credentials (HTTP 401, or codes 32, 89, 99, 215).
    Authentication,
    /// X's rate limit is exhausted (HTTP 429 or code 88); see [`Error::rate_limit`].
    RateLimited,
    /// X answered with another error status; see [`Error::status`], [`Error::code`],
    /// [`Error::message`].
    Api,
    /// X answered 2xx with a body that does not decode as the expected type.
    Decode,
    /// Obtaining a bearer token with `POST /oauth2/token` failed.
    Token,
    /// The request breaks a rule checked before sending (e.g. more than 100 ids in a bulk
    /// delete); nothing was sent.
    InvalidRequest,
    /// The activity stream could not be kept open (see the message for why).
    Stream,
}

impl ErrorKind {
    const fn as_str(&self) -> &'static str {
        match self {
            ErrorKind::InvalidWebhookUrl => "invalid webhook url",
            ErrorKind::InvalidConfig => "invalid client configuration",
            ErrorKind::Unsupported => "endpoint not available in this api version",
            ErrorKind::MissingCredentials => "missing credentials",
            ErrorKind::Signing => "could not sign the request",
            ErrorKind::Connect => "could not reach x",
            ErrorKind::Timeout => "x did not answer in time",
            ErrorKind::Authentication => "x refused the credentials",
            ErrorKind::RateLimited => "rate limit exhausted",
            ErrorKind::Api => "x answered with an error",
            ErrorKind::Decode => "could not decode x's answer",
            ErrorKind::Token => "could not obtain a bearer token",
            ErrorKind::InvalidRequest => "invalid request",
            ErrorKind::Stream => "the activity stream failed",
        }
    }
}

/// An error of the management client: a kind, the HTTP status and X's code and message when X
/// answered, the authentication the endpoint needed when authentication failed, the rate-limit
/// window when X sent one, and an optional underlying cause.
pub struct Error {
    kind: ErrorKind,
    status: Option<u16>,
    code: Option<i64>,
    message: Option<String>,
    auth: Option<AuthKind>,
    rate_limit: Option<RateLimit>,
    problem: Option<ProblemKind>,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Error {
            kind,
            status: None,
            code: None,
            message: None,
            auth: None,
            rate_limit: None,
            problem: None,
            source: None,
        }
    }

    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    pub(crate) fn with_source(
        mut self,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        self.source = Some(source.into());
        self
    }

    pub(crate) fn with_auth(mut self, auth: AuthKind) -> Self {
        self.auth = Some(auth);
        self
    }

    pub(crate) fn into_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// An error for an answer with a non-success status, classified from the status and X's
    /// error body (v1.1 `errors[]`, v2 `errors` of problems, RFC 7807, the flat
    /// `{"code","message"}`).
    pub(crate) fn from_response(
        status: u16,
        body: &[u8],
        auth: AuthKind,
        rate_limit: Option<RateLimit>,
    ) -> Self {
        let parsed = serde_json::from_slice::<ErrorBody<'_>>(body)
            .ok()
            .filter(|b| !b.is_empty());
        let problem = parsed.as_ref().and_then(ErrorBody::problem_kind);
        let (code, message) = match parsed.map(|b| b.summary()) {
            Some((code, message)) => (code, (!message.is_empty()).then_some(message)),
            None => (None, None),
        };
        let kind = if status == 429 || code == Some(codes::RATE_LIMITED) {
            ErrorKind::RateLimited
        } else if status == 401
            || matches!(
                code,
                Some(codes::COULD_NOT_AUTHENTICATE | codes::NO_ACCESS | 89 | 215)
            )
        {
            ErrorKind::Authentication
        } else {
            ErrorKind::Api
        };
        Error {
            kind: kind.clone(),
            status: Some(status),
            code,
            message,
            auth: (kind == ErrorKind::Authentication).then_some(auth),
            rate_limit,
            problem,
            source: None,
        }
    }

    /// The kind of X API v2 problem the answer named (`errors[].type` or `type`), such as
    /// [`ProblemKind::ResourceNotFound`] for an unknown subscription id.
    pub fn problem(&self) -> Option<ProblemKind> {
        self.problem
    }

    /// The kind of failure.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The HTTP status X answered with.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// X's numeric error code (v1.1; see [`aaa_model::rest::codes`]).
    pub fn code(&self) -> Option<i64> {
        self.code
    }

    /// X's error message, or the local reason.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The authentication the endpoint needed, when authentication failed or was missing.
    pub fn auth(&self) -> Option<AuthKind> {
        self.auth
    }

    /// The rate-limit window X reported with the failed answer.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// When the rate-limit window resets, for [`ErrorKind::RateLimited`].
    pub fn reset(&self) -> Option<SystemTime> {
        self.rate_limit.map(|r| r.reset)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind);
        if let Some(s) = self.status {
            d.field("status", &s);
        }
        if let Some(c) = self.code {
            d.field("code", &c);
        }
        if let Some(m) = &self.message {
            d.field("message", m);
        }
        if let Some(a) = self.auth {
            d.field("auth", &a);
        }
        if let Some(r) = &self.rate_limit {
            d.field("rate_limit", r);
        }
        if let Some(p) = &self.problem {
            d.field("problem", p);
        }
        if let Some(s) = &self.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_str())?;
        if let Some(s) = self.status {
            write!(f, " (http {s}")?;
            if let Some(c) = self.code {
                write!(f, ", code {c}")?;
            }
            f.write_str(")")?;
        }
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        if let Some(a) = self.auth {
            write!(f, "; this endpoint needs {a}")?;
        }
        if self.kind == ErrorKind::RateLimited {
            if let Some(r) = &self.rate_limit {
                let at = aaa_model::Timestamp::from_secs(
                    i64::try_from(r.reset_epoch_secs()).unwrap_or(i64::MAX),
                );
                let (year, month, day, hour, minute, second, _) = at.to_utc();
                let wait = r.until_reset().as_secs();
                write!(
                    f,
                    "; the window resets at {year:04}-{month:02}-{day:02} \
                     {hour:02}:{minute:02}:{second:02} UTC, in {}m {:02}s",
                    wait / 60,
                    wait % 60
                )?;
            }
        }
        // The whole chain of causes: hyper's "client error (Connect)" alone says nothing of
        // why; its sources name the refused connection, the DNS failure, the TLS problem.
        let mut cause: Option<&(dyn StdError + 'static)> = self
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static));
        while let Some(c) = cause {
            write!(f, ": {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_bodies() {
        let e = Error::from_response(
            401,
            br#"{"errors":[{"code":32,"message":"Could not authenticate you."}]}"#,
            AuthKind::OAuth1User,
            None,
        );
        assert_eq!(e.kind(), &ErrorKind::Authentication);
        assert_eq!(e.code(), Some(32));
        assert_eq!(e.auth(), Some(AuthKind::OAuth1User));
        assert_eq!(
            e.to_string(),
            "x refused the credentials (http 401, code 32): Could not authenticate you.; \
             this endpoint needs oauth 1.0a as the subscribing user"
        );
        let e = Error::from_response(502, b"<html>", AuthKind::Bearer, None);
        assert_eq!(e.kind(), &ErrorKind::Api);
        assert_eq!((e.code(), e.message(), e.auth()), (None, None, None));

        // Both X Activity API error shapes.
        let e = Error::from_response(
            429,
            br#"{"code":88,"message":"Rate limit exceeded"}"#,
            AuthKind::Bearer,
            None,
        );
        assert_eq!(e.kind(), &ErrorKind::RateLimited);
        assert_eq!(
            (e.code(), e.message()),
            (Some(88), Some("Rate limit exceeded"))
        );
        let e = Error::from_response(
            404,
            br#"{"errors":[{"type":"https://api.x.com/2/problems/resource-not-found",
                 "title":"Not Found Error","detail":"Could not find subscription with id: [9]."}]}"#,
            AuthKind::Bearer,
            None,
        );
        assert_eq!(e.kind(), &ErrorKind::Api);
        assert_eq!(e.problem(), Some(ProblemKind::ResourceNotFound));
        assert_eq!(
            e.message(),
            Some("Could not find subscription with id: [9].")
        );
    }

    #[test]
    fn a_rate_limit_reset_reads_as_a_time_and_a_wait() {
        let reset = std::time::SystemTime::now() + std::time::Duration::from_secs(14 * 60 + 30);
        let window = RateLimit {
            limit: 15,
            remaining: 0,
            reset,
        };
        let e = Error::from_response(
            429,
            br#"{"errors":[{"code":88,"message":"Rate limit exceeded."}]}"#,
            AuthKind::Bearer,
            Some(window),
        );
        let text = e.to_string();
        assert!(text.contains(" UTC, in 14m "), "{text}");
        assert!(!text.contains("epoch"), "{text}");
    }

    #[test]
    fn every_cause_is_named() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("client error (Connect)")
            }
        }
        impl StdError for Outer {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
        let inner = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused here");
        let e = Error::new(ErrorKind::Connect)
            .with_message("GET http://127.0.0.1:9/2/webhooks")
            .with_source(Outer(inner));
        assert_eq!(
            e.to_string(),
            "could not reach x: GET http://127.0.0.1:9/2/webhooks: client error (Connect): \
             refused here"
        );
    }
}
