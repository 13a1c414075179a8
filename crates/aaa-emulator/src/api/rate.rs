//! Rate-limit windows per caller and endpoint, and the `x-rate-limit-*` headers. As at X, a call
//! with user context (OAuth 1.0a) counts against the window of that user of that app, and an
//! app-only call (bearer token) against the app's own window.

use aaa_model::rest::codes;
use http::{HeaderValue, Response, StatusCode};

use crate::consts::RATE_LIMITED;
use crate::options::Options;
use crate::reply::{ResponseBody, json};
use crate::state::State;

/// The window an endpoint counts against: its name (one window per caller and name) and how many
/// calls the window allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limit {
    pub(crate) endpoint: &'static str,
    pub(crate) per_window: u32,
}

/// The rate-limit headers of one call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rate {
    limit: u32,
    remaining: u32,
    reset: u64,
}

impl Rate {
    /// Adds `x-rate-limit-limit`, `x-rate-limit-remaining` and `x-rate-limit-reset` (epoch
    /// seconds when the window ends).
    pub(crate) fn apply(self, mut res: Response<ResponseBody>) -> Response<ResponseBody> {
        let headers = res.headers_mut();
        headers.insert("x-rate-limit-limit", HeaderValue::from(self.limit));
        headers.insert("x-rate-limit-remaining", HeaderValue::from(self.remaining));
        headers.insert("x-rate-limit-reset", HeaderValue::from(self.reset));
        res
    }
}

/// Counts a call against the caller's window for `limit`: the window of `user_id` in `app_id`
/// for a call with user context, the app's own for an app-only call. `Err` when the window is
/// used up.
pub(crate) fn take(
    state: &mut State,
    options: &Options,
    app_id: &str,
    user_id: Option<&str>,
    limit: Limit,
) -> Result<Rate, Rate> {
    let now = options.clock.now();
    let window = options.rate_limits.window.as_secs().max(1);
    let caller = match user_id {
        Some(user) => format!("{app_id}/{user}"),
        None => app_id.to_owned(),
    };
    let entry = state
        .rate_windows
        .entry((caller, limit.endpoint))
        .or_insert((now + window, 0));
    if entry.0 <= now {
        *entry = (now + window, 0);
    }
    if entry.1 >= limit.per_window {
        return Err(Rate {
            limit: limit.per_window,
            remaining: 0,
            reset: entry.0,
        });
    }
    entry.1 += 1;
    Ok(Rate {
        limit: limit.per_window,
        remaining: limit.per_window - entry.1,
        reset: entry.0,
    })
}

/// The 429 answer, the same for every API: X's rate-limit pages document
/// `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`.
pub(crate) fn limited() -> Response<ResponseBody> {
    json(
        StatusCode::TOO_MANY_REQUESTS,
        &serde_json::json!({"errors": [{"code": codes::RATE_LIMITED, "message": RATE_LIMITED}]}),
    )
}
