//! Error bodies of the management API: v1.1 `{"errors":[{"code","message"}]}`, v2
//! `{"errors":[{"message","title","detail","type","parameters",...}],"title","detail","type"}` and
//! RFC 7807 problem documents (`application/problem+json`).

use serde::{Deserialize, Serialize};

use crate::Text;
use crate::owned::borrowed_struct;

/// X's v1.1 error codes that matter to Account Activity clients.
pub mod codes {
    /// Could not authenticate you.
    pub const COULD_NOT_AUTHENTICATE: i64 = 32;
    /// The webhook (or another resource) does not exist.
    pub const NOT_FOUND: i64 = 34;
    /// Rate limit exceeded.
    pub const RATE_LIMITED: i64 = 88;
    /// Unable to verify credentials / no access.
    pub const NO_ACCESS: i64 = 99;
    /// A webhook problem: CRC failed, invalid URL, too many webhooks, ...
    pub const WEBHOOK_PROBLEM: i64 = 214;
    /// The app is not permitted to do this (e.g. not allow-listed for the API).
    pub const NOT_PERMITTED: i64 = 348;
    /// The subscription already exists.
    pub const SUBSCRIPTION_EXISTS: i64 = 355;
    /// A required parameter is missing.
    pub const MISSING_PARAMETER: i64 = 357;
}

borrowed_struct! {
    /// Any error body X's management API sends.
    ///
    /// All three shapes fit this one type: v1.1 fills `errors` with `code` and `message`; v2 fills
    /// `errors` with `message` (and sometimes `title`, `detail`, `type`, `parameters`) and may add
    /// a top-level `title` / `detail` / `type`; an RFC 7807 problem document fills `type`,
    /// `title`, `status`, `detail` and `instance`. [`ErrorBody::summary`] reduces any of them to a
    /// code and a message. Where the v2 documentation names failure reasons (`WebhookIdInvalid`,
    /// `DuplicateSubscriptionFailed`, `CrcValidationFailed`, ...) it does not show the body they
    /// come in; they are expected in `errors[].message` / `title` / `detail` or in `reason`.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct ErrorBody<'a> {
        /// The individual errors (v1.1 and v2).
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub errors: Vec<ApiError<'a>>,
        /// Problem type URI (RFC 7807 / v2), e.g. `https://api.x.com/2/problems/invalid-request`.
        #[serde(default, borrow, rename = "type", skip_serializing_if = "Option::is_none")]
        pub problem_type: Option<Text<'a>>,
        /// Short summary (RFC 7807 / v2).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub title: Option<Text<'a>>,
        /// HTTP status (RFC 7807).
        #[serde(
            default,
            deserialize_with = "crate::lenient::count",
            skip_serializing_if = "Option::is_none"
        )]
        pub status: Option<u64>,
        /// Explanation (RFC 7807 / v2).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub detail: Option<Text<'a>>,
        /// The occurrence's URI (RFC 7807).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub instance: Option<Text<'a>>,
        /// A machine-readable reason some v2 answers add (e.g. `client-not-enrolled`).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub reason: Option<Text<'a>>,
        /// The single `error` string of OAuth and some older endpoints.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub error: Option<Text<'a>>,
        /// The numeric code of the flat `{"code","message"}` shape (the OpenAPI spec's `Error`).
        #[serde(
            default,
            deserialize_with = "crate::lenient::int",
            skip_serializing_if = "Option::is_none"
        )]
        pub code: Option<i64>,
        /// The message of the flat `{"code","message"}` shape.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub message: Option<Text<'a>>,
    }
}

borrowed_struct! {
    /// One error of an [`ErrorBody`].
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct ApiError<'a> {
        /// X's numeric error code (v1.1; see [`codes`]).
        #[serde(
            default,
            deserialize_with = "crate::lenient::int",
            skip_serializing_if = "Option::is_none"
        )]
        pub code: Option<i64>,
        /// The message.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub message: Option<Text<'a>>,
        /// Short summary (v2).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub title: Option<Text<'a>>,
        /// Explanation (v2).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub detail: Option<Text<'a>>,
        /// Problem type URI (v2).
        #[serde(default, borrow, rename = "type", skip_serializing_if = "Option::is_none")]
        pub problem_type: Option<Text<'a>>,
        /// The offending parameters and values (v2), verbatim.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub parameters: Option<serde_json::Value>,
        /// The offending parameter's name (v2).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub parameter: Option<Text<'a>>,
        /// The offending value (v2), verbatim.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub value: Option<serde_json::Value>,
        /// The kind of resource concerned (v2).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub resource_type: Option<Text<'a>>,
        /// The resource concerned (v2).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub resource_id: Option<Text<'a>>,
    }
}

impl<'a> ApiError<'a> {
    /// A v1.1 style error with a code and a message.
    pub fn new(code: i64, message: impl Into<Text<'a>>) -> Self {
        ApiError {
            code: Some(code),
            message: Some(message.into()),
            ..ApiError::default()
        }
    }

    /// The best single description: `message`, else `detail`, else `title`.
    pub fn text(&self) -> Option<&str> {
        self.message
            .as_deref()
            .or(self.detail.as_deref())
            .or(self.title.as_deref())
    }
}

impl<'a> ErrorBody<'a> {
    /// A v1.1 style body with one error.
    pub fn v1(code: i64, message: impl Into<Text<'a>>) -> Self {
        ErrorBody {
            errors: vec![ApiError::new(code, message)],
            ..ErrorBody::default()
        }
    }

    /// An RFC 7807 problem document.
    pub fn problem(status: u16, title: impl Into<Text<'a>>, detail: impl Into<Text<'a>>) -> Self {
        ErrorBody {
            problem_type: Some(Text::from("about:blank")),
            title: Some(title.into()),
            status: Some(u64::from(status)),
            detail: Some(detail.into()),
            ..ErrorBody::default()
        }
    }

    /// Whether the body said nothing recognizable (no errors and no problem fields).
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
            && self.code.is_none()
            && self.message.is_none()
            && self.title.is_none()
            && self.detail.is_none()
            && self.error.is_none()
            && self.reason.is_none()
            && self.problem_type.is_none()
    }

    /// The first numeric code among the errors, else the flat shape's `code`.
    pub fn code(&self) -> Option<i64> {
        self.errors.iter().find_map(|e| e.code).or(self.code)
    }

    /// The kind of the first problem named (`errors[].type`, else the top-level `type`).
    pub fn problem_kind(&self) -> Option<ProblemKind> {
        self.errors
            .iter()
            .find_map(|e| e.problem_type.as_deref())
            .or(self.problem_type.as_deref())
            .and_then(ProblemKind::from_type_uri)
    }

    /// A one-line message: the errors' texts joined with `"; "`, else `title: detail` (or the one
    /// that is present), else `error`, else `reason`, else the problem type; empty when the body
    /// has none of these.
    pub fn message(&self) -> String {
        let parts: Vec<&str> = self.errors.iter().filter_map(ApiError::text).collect();
        if !parts.is_empty() {
            return parts.join("; ");
        }
        if let Some(m) = self.message.as_deref() {
            return m.to_owned();
        }
        match (self.title.as_deref(), self.detail.as_deref()) {
            (Some(t), Some(d)) if t != d => return format!("{t}: {d}"),
            (_, Some(d)) => return d.to_owned(),
            (Some(t), None) => return t.to_owned(),
            (None, None) => {}
        }
        self.error
            .as_deref()
            .or(self.reason.as_deref())
            .or(self.problem_type.as_deref())
            .unwrap_or_default()
            .to_owned()
    }

    /// `(code, message)`: see [`ErrorBody::code`] and [`ErrorBody::message`].
    pub fn summary(&self) -> (Option<i64>, String) {
        (self.code(), self.message())
    }
}

/// The kind of an X API v2 problem, from its `type` URI
/// (`https://api.x.com/2/problems/<kind>`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// `invalid-request`: the request breaks a rule (a parameter, a body field).
    InvalidRequest,
    /// `resource-not-found`: no such subscription, webhook, user ...
    ResourceNotFound,
    /// `not-authorized-for-resource`: the credentials may not act on it.
    NotAuthorizedForResource,
    /// `not-authorized-for-field`.
    NotAuthorizedForField,
    /// `field-unauthorized`.
    FieldUnauthorized,
    /// `field-hydration-failure`.
    FieldHydrationFailure,
    /// `resource-unavailable`.
    ResourceUnavailable,
    /// `disallowed-resource`.
    DisallowedResource,
    /// `internal-error`.
    InternalError,
    /// `usage-capped`: a usage cap (a subscription or connection limit) is reached.
    UsageCapped,
    /// `conflict`: the resource exists already or is in use.
    Conflict,
    /// `rate-limit-exceeded` / `too-many-requests`.
    RateLimited,
    /// Another problem type.
    Other,
}

impl ProblemKind {
    /// The last path segment of X's problem type URIs for this kind.
    pub const fn slug(self) -> &'static str {
        match self {
            ProblemKind::InvalidRequest => "invalid-request",
            ProblemKind::ResourceNotFound => "resource-not-found",
            ProblemKind::NotAuthorizedForResource => "not-authorized-for-resource",
            ProblemKind::NotAuthorizedForField => "not-authorized-for-field",
            ProblemKind::FieldUnauthorized => "field-unauthorized",
            ProblemKind::FieldHydrationFailure => "field-hydration-failure",
            ProblemKind::ResourceUnavailable => "resource-unavailable",
            ProblemKind::DisallowedResource => "disallowed-resource",
            ProblemKind::InternalError => "internal-error",
            ProblemKind::UsageCapped => "usage-capped",
            ProblemKind::Conflict => "conflict",
            ProblemKind::RateLimited => "rate-limit-exceeded",
            ProblemKind::Other => "other",
        }
    }

    /// The full type URI, `https://api.x.com/2/problems/<slug>`.
    pub fn type_uri(self) -> String {
        format!("https://api.x.com/2/problems/{}", self.slug())
    }

    /// The kind a type URI names; `None` for `about:blank` and other non-X URIs.
    pub fn from_type_uri(uri: &str) -> Option<ProblemKind> {
        let slug = uri
            .strip_prefix("https://api.x.com/2/problems/")
            .or_else(|| uri.strip_prefix("https://api.twitter.com/2/problems/"))?;
        Some(match slug {
            "invalid-request" => ProblemKind::InvalidRequest,
            "resource-not-found" => ProblemKind::ResourceNotFound,
            "not-authorized-for-resource" => ProblemKind::NotAuthorizedForResource,
            "not-authorized-for-field" => ProblemKind::NotAuthorizedForField,
            "field-unauthorized" => ProblemKind::FieldUnauthorized,
            "field-hydration-failure" => ProblemKind::FieldHydrationFailure,
            "resource-unavailable" => ProblemKind::ResourceUnavailable,
            "disallowed-resource" => ProblemKind::DisallowedResource,
            "internal-error" => ProblemKind::InternalError,
            "usage-capped" => ProblemKind::UsageCapped,
            "conflict" | "duplicate-rules" => ProblemKind::Conflict,
            "rate-limit-exceeded" | "too-many-requests" => ProblemKind::RateLimited,
            _ => ProblemKind::Other,
        })
    }
}

/// Reads any error body X sends and reduces it to `(code, message)`; `None` when `body` is not
/// JSON or carries no recognizable error fields.
///
/// ```
/// let (code, message) =
///     aaa_model::rest::error_summary(br#"{"errors":[{"code":214,"message":"Webhook URL does not meet the requirements."}]}"#)
///         .unwrap();
/// assert_eq!(code, Some(214));
/// assert_eq!(message, "Webhook URL does not meet the requirements.");
/// ```
pub fn error_summary(body: &[u8]) -> Option<(Option<i64>, String)> {
    let parsed: ErrorBody<'_> = serde_json::from_slice(body).ok()?;
    if parsed.is_empty() {
        None
    } else {
        Some(parsed.summary())
    }
}
