//! `POST /oauth2/token`: app-only bearer tokens, as X issues them.

use aaa_crypto::oauth1::{form_decode, percent_decode};
use aaa_model::rest::codes;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{Method, Response, StatusCode};

use super::Incoming;
use crate::consts::CODE_INTERNAL;
use crate::emulator::Emulator;
use crate::reply::{ResponseBody, json, v1_error};
use crate::rng::random_text;

/// Whether the request is the token endpoint's (`POST /oauth2/token`; another method is not
/// found).
pub(crate) fn route(method: &Method, path: &str) -> bool {
    path == "/oauth2/token" && method == Method::POST
}

/// `POST /oauth2/token`: HTTP Basic with the app's key and secret,
/// `grant_type=client_credentials`. The same token comes back until it is invalidated.
pub(crate) fn token(emulator: &Emulator, req: &Incoming) -> Response<ResponseBody> {
    let refuse = || {
        json(
            StatusCode::FORBIDDEN,
            &serde_json::json!({"errors": [{
                "code": codes::NO_ACCESS,
                "label": "authenticity_token_error",
                "message": "Unable to verify your credentials",
            }]}),
        )
    };
    let Some((key, secret)) = req.authorization.as_deref().and_then(basic_credentials) else {
        return refuse();
    };
    let grant = req
        .form
        .as_deref()
        .and_then(|f| form_decode(f).ok())
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(n, _)| n == "grant_type")
                .map(|(_, v)| v)
        });
    let mut state = emulator.state();
    let Some(app) = state
        .apps
        .iter()
        .find(|a| a.consumer_key == key && a.consumer_secret == secret)
    else {
        return refuse();
    };
    if grant.as_deref() != Some("client_credentials") {
        return json(
            StatusCode::FORBIDDEN,
            &serde_json::json!({"errors": [{
                "code": 170,
                "label": "forbidden_missing_parameter",
                "message": "Missing required parameter: grant_type",
            }]}),
        );
    }
    let app_id = app.app_id.clone();
    let existing = state
        .bearer_tokens
        .iter()
        .find(|(_, a)| **a == app_id)
        .map(|(t, _)| t.clone());
    let token = if let Some(token) = existing {
        token
    } else {
        let Ok(random) = random_text(100) else {
            return v1_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                CODE_INTERNAL,
                "Internal error",
            );
        };
        let token = format!("AAAAAAAAAAAAAAAAAAAAA{random}");
        state.bearer_tokens.insert(token.clone(), app_id);
        token
    };
    json(
        StatusCode::OK,
        &serde_json::json!({"token_type": "bearer", "access_token": token}),
    )
}

/// `Basic base64(key:secret)`, each part percent-decoded.
fn basic_credentials(value: &str) -> Option<(String, String)> {
    let encoded = value
        .get(..6)
        .filter(|s| s.eq_ignore_ascii_case("basic "))
        .map(|_| value[6..].trim())?;
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let (key, secret) = decoded.split_once(':')?;
    let key = String::from_utf8(percent_decode(key).ok()?).ok()?;
    let secret = String::from_utf8(percent_decode(secret).ok()?).ok()?;
    Some((key, secret))
}
