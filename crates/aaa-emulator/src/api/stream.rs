//! `GET /2/activity/stream`: one long-lived response of newline-delimited event envelopes, with
//! keep-alives, backfill of up to five minutes, and X's connection limits.

use aaa_model::Timestamp;
use aaa_model::rest::ProblemKind;
use http::{HeaderValue, Method, Response, StatusCode, header};

use super::Incoming;
use super::activity::{caller, now, problem};
use super::rate::Limit;
use crate::delivery::stream::{BACKLOG_MS, OpenRefused, OpenRequest};
use crate::emulator::Emulator;
use crate::reply::{ResponseBody, json};

/// Whether the request is the stream's (`GET /2/activity/stream`).
pub(crate) fn route(method: &Method, path: &str) -> bool {
    path == "/2/activity/stream" && method == Method::GET
}

/// The most minutes of backfill X serves.
const MAX_BACKFILL: u64 = 5;

fn invalid(detail: &str, parameter: &str) -> Response<ResponseBody> {
    problem(
        StatusCode::BAD_REQUEST,
        ProblemKind::InvalidRequest,
        detail,
        Some(parameter),
    )
}

/// A time parameter: RFC 3339 (`YYYY-MM-DDTHH:mm:ssZ`).
#[allow(clippy::result_large_err)] // the refusal is the response itself
fn time_param(req: &Incoming, name: &str) -> Result<Option<Timestamp>, Response<ResponseBody>> {
    match req.query_param(name) {
        None => Ok(None),
        Some(v) => Timestamp::parse_rfc3339(&v).map(Some).map_err(|_| {
            invalid(
                &format!("The `{name}` value [{v}] is not a time like YYYY-MM-DDTHH:mm:ssZ."),
                name,
            )
        }),
    }
}

/// Opens a stream connection.
pub(crate) fn open(emulator: &Emulator, req: &Incoming) -> Response<ResponseBody> {
    let options = emulator.options().activity.clone();
    let limit = Limit {
        endpoint: "xaa stream",
        per_window: options.stream_connects,
    };
    let (caller, rate) = match caller(emulator, req, false, limit) {
        Ok(c) => c,
        Err(res) => return res,
    };
    let backfill = match req.query_param("backfill_minutes") {
        None => 0,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n <= MAX_BACKFILL => n,
            _ => {
                return rate.apply(invalid(
                    &format!("The `backfill_minutes` value [{v}] is not between 0 and 5."),
                    "backfill_minutes",
                ));
            }
        },
    };
    let (start, end) = match (time_param(req, "start_time"), time_param(req, "end_time")) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(res), _) | (_, Err(res)) => return rate.apply(res),
    };
    if let (Some(s), Some(e)) = (start, end) {
        if e <= s {
            return rate.apply(invalid(
                "The `end_time` must be after the `start_time`.",
                "end_time",
            ));
        }
    }
    let now_ms = u64::try_from(now(emulator).as_millis()).unwrap_or(0);
    let from_backfill = (backfill > 0).then(|| now_ms.saturating_sub(backfill * 60_000));
    let from_start = start.map(|s| u64::try_from(s.as_millis()).unwrap_or(0));
    let since_ms = match (from_backfill, from_start) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
    .map(|s| s.max(now_ms.saturating_sub(BACKLOG_MS)));
    let request = OpenRequest {
        since_ms,
        until_ms: end.map(|e| u64::try_from(e.as_millis()).unwrap_or(0)),
        now_ms,
        max_connections: options.stream_connections,
        buffer: options.stream_buffer,
        keepalive: options.keepalive,
    };
    match emulator.streams().open(&caller.app_id, request) {
        Ok(feed) => {
            tracing::info!(app_id = %caller.app_id, backfill, "activity stream connected");
            let mut res = Response::new(ResponseBody::stream(feed));
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            rate.apply(res)
        }
        Err(OpenRefused::TooManyConnections) => rate.apply(json(
            StatusCode::TOO_MANY_REQUESTS,
            &serde_json::json!({
                "title": "ConnectionException",
                "detail": "This stream is currently at the maximum allowed connection limit.",
                "connection_issue": "TooManyConnections",
                "type": "https://api.x.com/2/problems/streaming-connection",
            }),
        )),
    }
}
