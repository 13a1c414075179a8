//! The emulator as a `tower::Service`: reads a request, routes it to its API family, and answers
//! in that family's shapes.
//!
//! Each family keeps its own route table and handlers in its own module, below this one:
//! `account_activity` (the v1.1 enterprise and v2 Account Activity endpoints, replay included),
//! `activity` (the X Activity API's subscriptions, and `stream` its activity stream), `token`
//! (`POST /oauth2/token`) and `control` (`/_emulator/`). A family's `route` looks at the
//! method and path alone and returns `None` for a request that is not its own; [`authorize`]
//! (credentials, then the endpoint's rate window) is the one gate every authenticated endpoint
//! passes. Adding a family is a module with a `route` and a `handle`, and one arm below.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use aaa_model::rest::codes;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt as _, Limited};

use crate::auth::{Need, Presented, Who, authenticate};
use crate::consts::{MAX_BODY, PAGE_NOT_FOUND};
use crate::emulator::Emulator;
use crate::reply::{ResponseBody, Version, error, json, v1_error, v2_problem};

mod account_activity;
mod activity;
mod control;
mod rate;
mod replay;
mod stream;
mod token;

pub(crate) use rate::Limit;

/// A request routed to its family.
enum Routed {
    Token,
    AccountActivity(account_activity::Route),
    Activity(activity::Route),
    Stream,
}

fn route(method: &Method, path: &str) -> Option<Routed> {
    if token::route(method, path) {
        return Some(Routed::Token);
    }
    if stream::route(method, path) {
        return Some(Routed::Stream);
    }
    if let Some(r) = activity::route(method, path) {
        return Some(Routed::Activity(r));
    }
    account_activity::route(method, path).map(Routed::AccountActivity)
}

/// The parts of a request the handlers read.
pub(crate) struct Incoming {
    pub(crate) method: Method,
    /// The absolute URL the client addressed (`http://` + `Host` + path and query), as OAuth
    /// 1.0a signs it.
    pub(crate) url: String,
    pub(crate) query: Option<String>,
    /// The body, when it was `application/x-www-form-urlencoded`.
    pub(crate) form: Option<String>,
    pub(crate) body: Bytes,
    pub(crate) authorization: Option<String>,
}

impl Incoming {
    /// The first value of the query parameter `name`, form-decoded.
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        self.query
            .as_deref()
            .and_then(|q| aaa_crypto::oauth1::form_decode(q).ok())?
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// Authenticates a request with the credentials `need` names and counts it against the
/// caller's window for `limit`. On success, who called and the rate-limit headers to add to
/// the answer; otherwise the whole refusal (401/403 with X's codes, or 429 with its headers).
// The refusal is the response itself, built at most once per request.
#[allow(clippy::result_large_err)]
pub(crate) fn authorize(
    emulator: &Emulator,
    version: Version,
    need: Need,
    limit: Limit,
    req: &Incoming,
) -> Result<(Who, rate::Rate), Response<ResponseBody>> {
    let options = emulator.options();
    let mut state = emulator.state();
    let presented = Presented {
        method: req.method.as_str(),
        url: &req.url,
        form: req.form.as_deref(),
        authorization: req.authorization.as_deref(),
    };
    let who = authenticate(&mut state, options, version, need, &presented)?;
    match rate::take(&mut state, options, who.app_id(), who.user_id(), limit) {
        Ok(rate) => Ok((who, rate)),
        Err(rate) => Err(rate.apply(rate::limited())),
    }
}

async fn handle<B>(emulator: Emulator, req: Request<B>) -> Response<ResponseBody>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    if path.starts_with(control::PREFIX) {
        let Ok(body) = Limited::new(body, MAX_BODY).collect().await else {
            return json(
                StatusCode::PAYLOAD_TOO_LARGE,
                &serde_json::json!({"error": "the request body is too large or could not be read"}),
            );
        };
        return control::control(&emulator, &parts.method, &path, &body.to_bytes()).await;
    }
    let Some(routed) = route(&parts.method, &path) else {
        return not_found(&path);
    };
    let version = match &routed {
        Routed::AccountActivity(r) => r.version,
        Routed::Activity(_) | Routed::Stream => Version::V2,
        Routed::Token => Version::V1,
    };
    let Ok(body) = Limited::new(body, MAX_BODY).collect().await else {
        return error(
            version,
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::MISSING_PARAMETER,
            "The request body is too large or could not be read.",
        );
    };
    let body = body.to_bytes();
    let header_str = |name: header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let is_form = header_str(header::CONTENT_TYPE).is_some_and(|t| {
        t.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    let host = header_str(header::HOST).unwrap_or_else(|| "localhost".to_owned());
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| path.clone(), ToString::to_string);
    let incoming = Incoming {
        method: parts.method.clone(),
        url: format!("http://{host}{path_and_query}"),
        query: parts.uri.query().map(str::to_owned),
        form: is_form.then(|| String::from_utf8_lossy(&body).into_owned()),
        body,
        authorization: header_str(header::AUTHORIZATION),
    };
    match routed {
        Routed::Token => token::token(&emulator, &incoming),
        Routed::AccountActivity(r) => account_activity::handle(&emulator, r, &incoming).await,
        Routed::Activity(r) => activity::handle(&emulator, r, &incoming),
        Routed::Stream => stream::open(&emulator, &incoming),
    }
}

/// An unknown path or method: a v2 problem under `/2/`, else v1.1 code 34.
fn not_found(path: &str) -> Response<ResponseBody> {
    if path.starts_with("/2/") {
        v2_problem(
            StatusCode::NOT_FOUND,
            "Not Found Error",
            PAGE_NOT_FOUND,
            "https://api.x.com/2/problems/resource-not-found",
        )
    } else {
        v1_error(StatusCode::NOT_FOUND, codes::NOT_FOUND, PAGE_NOT_FOUND)
    }
}

impl<B> tower::Service<Request<B>> for Emulator
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { Ok(handle(this, req).await) })
    }
}
