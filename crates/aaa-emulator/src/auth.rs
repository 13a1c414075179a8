//! Authentication as X does it: OAuth 1.0a user context (signature, timestamp window, nonce
//! reuse) and app-only bearer tokens.

use aaa_crypto::oauth1::{AuthorizationHeader, Request, verify_request};
use aaa_crypto::{ConsumerSecret, TokenSecret};
use aaa_model::rest::codes;
use http::{Response, StatusCode};

use crate::consts::{
    BAD_AUTHENTICATION_DATA, CODE_BAD_AUTHENTICATION_DATA, CODE_WRONG_CREDENTIALS,
    COULD_NOT_AUTHENTICATE, WRONG_CREDENTIALS,
};
use crate::options::Options;
use crate::reply::{ResponseBody, Version, v1_error, v2_problem};
use crate::state::State;

/// Who a request was made as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Who {
    /// OAuth 1.0a: an app's consumer key with a user's access token.
    User { app_id: String, user_id: String },
    /// A bearer token issued to an app.
    App { app_id: String },
}

impl Who {
    pub(crate) fn app_id(&self) -> &str {
        match self {
            Who::User { app_id, .. } | Who::App { app_id } => app_id,
        }
    }

    /// The user of a call with user context; `None` for an app-only call.
    pub(crate) fn user_id(&self) -> Option<&str> {
        match self {
            Who::User { user_id, .. } => Some(user_id),
            Who::App { .. } => None,
        }
    }
}

/// The kinds of authentication an endpoint takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    User,
    Bearer,
    UserOrBearer,
}

/// What the request carried, as the authenticator needs it.
pub(crate) struct Presented<'a> {
    pub(crate) method: &'a str,
    /// The absolute URL the client addressed, query included.
    pub(crate) url: &'a str,
    /// An `application/x-www-form-urlencoded` body, if there was one.
    pub(crate) form: Option<&'a str>,
    pub(crate) authorization: Option<&'a str>,
}

pub(crate) fn unauthorized(version: Version) -> Response<ResponseBody> {
    match version {
        Version::V1 => v1_error(
            StatusCode::UNAUTHORIZED,
            codes::COULD_NOT_AUTHENTICATE,
            COULD_NOT_AUTHENTICATE,
        ),
        Version::V2 => v2_problem(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Unauthorized",
            "about:blank",
        ),
    }
}

fn wrong_kind(version: Version, need: Need) -> Response<ResponseBody> {
    match version {
        Version::V1 => v1_error(
            StatusCode::FORBIDDEN,
            CODE_WRONG_CREDENTIALS,
            WRONG_CREDENTIALS,
        ),
        Version::V2 => {
            let detail = if need == Need::Bearer {
                "Authenticating with OAuth 1.0a User Context is forbidden for this endpoint.  \
                 Supported authentication types are [OAuth 2.0 Application-Only]."
            } else {
                "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  \
                 Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User \
                 Context]."
            };
            v2_problem(
                StatusCode::FORBIDDEN,
                "Unsupported Authentication",
                detail,
                "https://api.x.com/2/problems/unsupported-authentication",
            )
        }
    }
}

/// Authenticates a request, recording its nonce when it is OAuth 1.0a.
// The refusal is the response itself, built at most once per request.
#[allow(clippy::result_large_err)]
pub(crate) fn authenticate(
    state: &mut State,
    options: &Options,
    version: Version,
    need: Need,
    presented: &Presented<'_>,
) -> Result<Who, Response<ResponseBody>> {
    let Some(value) = presented.authorization else {
        return Err(match version {
            Version::V1 => v1_error(
                StatusCode::BAD_REQUEST,
                CODE_BAD_AUTHENTICATION_DATA,
                BAD_AUTHENTICATION_DATA,
            ),
            Version::V2 => unauthorized(version),
        });
    };
    if value.len() > 7 && value[..7].eq_ignore_ascii_case("bearer ") {
        if need == Need::User {
            return Err(wrong_kind(version, need));
        }
        let token = value[7..].trim();
        return match state.bearer_tokens.get(token) {
            Some(app_id) => Ok(Who::App {
                app_id: app_id.clone(),
            }),
            None => Err(unauthorized(version)),
        };
    }
    let header = AuthorizationHeader::parse(value).map_err(|_| unauthorized(version))?;
    if need == Need::Bearer {
        return Err(wrong_kind(version, need));
    }
    let consumer_key = header.consumer_key().ok_or_else(|| unauthorized(version))?;
    let app = state
        .apps
        .iter()
        .find(|a| a.consumer_key == consumer_key)
        .ok_or_else(|| unauthorized(version))?;
    let token = header.token().ok_or_else(|| unauthorized(version))?;
    let user = state
        .users
        .iter()
        .find(|u| u.access_token == token)
        .ok_or_else(|| unauthorized(version))?;

    let mut request = Request::new(presented.method, presented.url);
    if let Some(form) = presented.form {
        request = request.form(form);
    }
    verify_request(
        &request,
        &header,
        &ConsumerSecret::new(app.consumer_secret.clone()),
        Some(&TokenSecret::new(user.access_token_secret.clone())),
    )
    .map_err(|_| unauthorized(version))?;

    let now = options.clock.now();
    let window = options.timestamp_window.as_secs();
    let timestamp: u64 = header
        .get("oauth_timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| unauthorized(version))?;
    if timestamp.abs_diff(now) > window {
        return Err(unauthorized(version));
    }
    let nonce = header.get("oauth_nonce").unwrap_or_default().to_owned();
    let who = Who::User {
        app_id: app.app_id.clone(),
        user_id: user.user_id.clone(),
    };
    let key = (consumer_key.to_owned(), nonce);
    if state.nonces.contains_key(&key) {
        return Err(unauthorized(version));
    }
    // A nonce older than the window can no longer come with an accepted timestamp.
    state
        .nonces
        .retain(|_, seen| seen.saturating_add(2 * window) >= now);
    state.nonces.insert(key, timestamp);
    Ok(who)
}
