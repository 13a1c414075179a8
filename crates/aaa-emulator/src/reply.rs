//! Response bodies in X's shapes: v1.1 `{"errors":[{"code","message"}]}`, v2 `{"data":...}`,
//! `{"errors":[...],"title","detail","type"}` and RFC 7807 problem documents.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body::{Body, Frame, SizeHint};

use crate::delivery::stream::StreamFeed;

/// The body of the emulator's answers: a whole body, or the activity stream's endless one.
#[derive(Debug)]
pub struct ResponseBody(Kind);

#[derive(Debug)]
enum Kind {
    Full(Option<Bytes>),
    Stream(StreamFeed),
}

impl ResponseBody {
    /// A whole body.
    pub(crate) fn full(bytes: Bytes) -> Self {
        ResponseBody(Kind::Full(Some(bytes).filter(|b| !b.is_empty())))
    }

    /// The activity stream's body.
    pub(crate) fn stream(feed: StreamFeed) -> Self {
        ResponseBody(Kind::Stream(feed))
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match &mut self.get_mut().0 {
            Kind::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Kind::Stream(feed) => feed.poll_next(cx).map(|b| b.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(&self.0, Kind::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Kind::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Stream(_) => SizeHint::default(),
        }
    }
}

/// Which API generation a request addressed; errors are written in its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Version {
    V1,
    V2,
}

pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response<ResponseBody> {
    with_type(status, value.to_string(), "application/json; charset=utf-8")
}

pub(crate) fn no_content() -> Response<ResponseBody> {
    let mut res = Response::new(ResponseBody::full(Bytes::new()));
    *res.status_mut() = StatusCode::NO_CONTENT;
    res
}

fn with_type(
    status: StatusCode,
    body: String,
    content_type: &'static str,
) -> Response<ResponseBody> {
    let mut res = Response::new(ResponseBody::full(Bytes::from(body)));
    *res.status_mut() = status;
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// A v1.1 error: `{"errors":[{"code":code,"message":message}]}`.
pub(crate) fn v1_error(status: StatusCode, code: i64, message: &str) -> Response<ResponseBody> {
    json(
        status,
        &serde_json::json!({ "errors": [{ "code": code, "message": message }] }),
    )
}

/// An RFC 7807 problem document, as v2 answers authentication and rate-limit failures.
pub(crate) fn v2_problem(
    status: StatusCode,
    title: &str,
    detail: &str,
    problem_type: &str,
) -> Response<ResponseBody> {
    let body = serde_json::json!({
        "title": title,
        "detail": detail,
        "type": problem_type,
        "status": status.as_u16(),
    });
    with_type(status, body.to_string(), "application/problem+json")
}

/// A v2 error list with a message and X's v1.1 code where one applies.
pub(crate) fn v2_errors(
    status: StatusCode,
    title: &str,
    problem_type: &str,
    code: i64,
    message: &str,
) -> Response<ResponseBody> {
    let body = serde_json::json!({
        "errors": [{ "code": code, "message": message }],
        "title": title,
        "detail": message,
        "type": problem_type,
    });
    json(status, &body)
}

/// The same failure in whichever shape `version` uses: v1.1 `{"errors":[{code,message}]}` or a
/// v2 error list titled after the status.
pub(crate) fn error(
    version: Version,
    status: StatusCode,
    code: i64,
    message: &str,
) -> Response<ResponseBody> {
    match version {
        Version::V1 => v1_error(status, code, message),
        Version::V2 => {
            let (title, problem_type) = match status {
                StatusCode::NOT_FOUND => (
                    "Not Found Error",
                    "https://api.x.com/2/problems/resource-not-found",
                ),
                StatusCode::FORBIDDEN => {
                    ("Forbidden", "https://api.x.com/2/problems/client-forbidden")
                }
                StatusCode::CONFLICT => {
                    ("Conflict", "https://api.x.com/2/problems/duplicate-rules")
                }
                _ => (
                    "Invalid Request",
                    "https://api.x.com/2/problems/invalid-request",
                ),
            };
            v2_errors(status, title, problem_type, code, message)
        }
    }
}
