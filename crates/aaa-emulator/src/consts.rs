//! What X's documentation fixes: the error messages its API returns, word for word, and the
//! limits the emulator shares between its handlers and its delivery machinery.

/// The largest request body read.
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// Five days: how far back replay reaches, and how long deliveries are kept for it.
pub(crate) const RETENTION_SECS: u64 = 5 * 24 * 60 * 60;

/// Code 34 for a path that does not exist, and for a user who is not subscribed
/// (`DELETE .../subscriptions/:user_id/all.json`).
pub(crate) const PAGE_NOT_FOUND: &str = "Sorry, that page does not exist.";
/// Code 34 of `PUT webhooks/:id.json` and `POST .../subscriptions/all.json` (and, the emulator's
/// choice, of every other call naming a webhook the app does not have).
pub(crate) const WEBHOOK_NOT_FOUND: &str =
    "Webhook does not exist or is associated with a different twitter application.";
/// Code 214: a URL that breaks X's rules.
pub(crate) const URL_INVALID: &str = "Webhook URL does not meet the requirements.";
/// Code 214 for a URL that is not https (the emulator's wording: X documents only
/// [`URL_INVALID`]).
pub(crate) const URL_NOT_HTTPS: &str =
    "Webhook URL does not meet the requirements. Please use HTTPS.";
/// Code 214 when the app's webhook limit is reached.
pub(crate) const TOO_MANY: &str = "Too many resources already created.";
/// Code 214 for a URL the app has registered already (the reason X's v2 webhook guide gives as
/// `DuplicateUrlFailed`; the v1.1 reference has no message of its own for it).
pub(crate) const URL_TAKEN: &str =
    "A webhook is already registered by your application for this URL.";
/// Code 348.
pub(crate) const NOT_PERMITTED: &str =
    "Client application is not permitted to access this user's webhook subscriptions.";
/// Code 32, HTTP 401.
pub(crate) const COULD_NOT_AUTHENTICATE: &str = "Could not authenticate you.";
/// Code 99 of `GET webhooks.json` for credentials without Account Activity access.
pub(crate) const NO_ACCESS: &str = "You don't have access to this resource.";
/// HTTP 401 of count and list for an app that does not own the webhook (X documents no code:
/// the emulator writes the HTTP status as the code).
pub(crate) const NO_VIEW_PERMISSION: &str =
    "Your application does not have permission to view subscriptions for the specified webhook.";
/// Code 88, HTTP 429 (X's rate-limit pages, word for word: no full stop).
pub(crate) const RATE_LIMITED: &str = "Rate limit exceeded";
/// Code 355, HTTP 409.
pub(crate) const SUBSCRIPTION_EXISTS: &str = "Subscription already exists.";
/// Code 357 for a missing `url`.
pub(crate) const URL_MISSING: &str = "url: A required parameter is missing.";
/// Code 215, HTTP 400: no `Authorization` header.
pub(crate) const BAD_AUTHENTICATION_DATA: &str = "Bad Authentication data.";
/// Code 220, HTTP 403: the wrong kind of credentials.
pub(crate) const WRONG_CREDENTIALS: &str = "Your credentials do not allow access to this resource.";

/// X's code for "Bad Authentication data."
pub(crate) const CODE_BAD_AUTHENTICATION_DATA: i64 = 215;
/// X's code for "Your credentials do not allow access to this resource."
pub(crate) const CODE_WRONG_CREDENTIALS: i64 = 220;
/// X's code for an internal error.
pub(crate) const CODE_INTERNAL: i64 = 131;
