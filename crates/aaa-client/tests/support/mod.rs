//! A small stand-in for X on 127.0.0.1:0: it checks each request's authentication
//! independently of the client (OAuth 1.0a with `aaa_crypto::oauth1::verify_request`, bearer
//! and HTTP Basic by comparison) and answers what the test's handler says.

#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use aaa_crypto::oauth1::{AuthorizationHeader, Request, verify_request};
use aaa_crypto::{ConsumerSecret, TokenSecret};
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

pub const CONSUMER_KEY: &str = "ck-test";
pub const CONSUMER_SECRET: &str = "cs-test/secret+";
pub const OWNER_TOKEN: &str = "1-owner-token";
pub const OWNER_SECRET: &str = "owner secret";
pub const USER_TOKEN: &str = "2-user-token";
pub const USER_SECRET: &str = "user-secret";
pub const BEARER: &str = "AAAA%2Ffetched-bearer";

/// How a request authenticated, as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// A valid OAuth 1.0a signature with this access token.
    OAuth1(String),
    /// `Bearer <token>`.
    Bearer(String),
    /// HTTP Basic with the right consumer key and secret.
    Basic,
    /// Nothing, or something that did not verify (the reason).
    Bad(String),
}

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub content_type: Option<String>,
    pub body: Bytes,
    pub auth: Auth,
}

pub struct Reply {
    /// How long to wait before answering.
    pub delay: Option<std::time::Duration>,
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply {
            delay: None,
            status,
            headers: vec![("content-type", "application/json".to_owned())],
            body: body.to_owned(),
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            delay: None,
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    pub fn after(mut self, delay: std::time::Duration) -> Reply {
        self.delay = Some(delay);
        self
    }

    pub fn header(mut self, name: &'static str, value: impl std::fmt::Display) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

pub struct Server {
    pub base: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Starts a server whose handler gets each request and its index (0-based).
    pub async fn start(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let seen2 = Arc::clone(&seen);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let seen = Arc::clone(&seen2);
                let handler = Arc::clone(&handler);
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let seen = Arc::clone(&seen);
                        let handler = Arc::clone(&handler);
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(http_body_util::Collected::to_bytes)
                                .unwrap_or_default();
                            let s = observe(&parts, body);
                            let index = {
                                let mut v = seen.lock().unwrap();
                                v.push(s.clone());
                                v.len() - 1
                            };
                            let reply = match &s.auth {
                                Auth::Bad(why) => Reply::json(
                                    401,
                                    &format!(
                                        r#"{{"errors":[{{"code":32,"message":"Could not authenticate you. ({why})"}}]}}"#
                                    ),
                                ),
                                _ => handler(&s, index),
                            };
                            if let Some(delay) = reply.delay {
                                tokio::time::sleep(delay).await;
                            }
                            let mut resp = hyper::Response::builder().status(reply.status);
                            for (k, v) in reply.headers {
                                resp = resp.header(k, v);
                            }
                            Ok::<_, Infallible>(
                                resp.body(Full::new(Bytes::from(reply.body))).unwrap(),
                            )
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Server {
            base: format!("http://{addr}"),
            seen,
            task,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn observe(parts: &http::request::Parts, body: Bytes) -> Seen {
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let host = header("host").unwrap_or_default();
    let auth = match header("authorization") {
        None => Auth::Bad("no authorization header".into()),
        Some(v) if v.starts_with("Bearer ") => Auth::Bearer(v["Bearer ".len()..].to_owned()),
        Some(v) if v.starts_with("Basic ") => {
            let expected = base64::engine::general_purpose::STANDARD.encode(format!(
                "{CONSUMER_KEY}:{}",
                CONSUMER_SECRET.replace('/', "%2F").replace('+', "%2B")
            ));
            if v["Basic ".len()..] == expected {
                Auth::Basic
            } else {
                Auth::Bad("wrong basic credentials".into())
            }
        }
        Some(v) => verify_oauth1(&v, parts, &host, &body),
    };
    Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        content_type: header("content-type"),
        body,
        auth,
    }
}

/// Recomputes the OAuth 1.0a signature of the request as received.
fn verify_oauth1(value: &str, parts: &http::request::Parts, host: &str, body: &Bytes) -> Auth {
    let header = match AuthorizationHeader::parse(value) {
        Ok(h) => h,
        Err(e) => return Auth::Bad(e.to_string()),
    };
    if header.consumer_key() != Some(CONSUMER_KEY) {
        return Auth::Bad("unknown consumer key".into());
    }
    let Some(token) = header.token().map(str::to_owned) else {
        return Auth::Bad("no oauth_token".into());
    };
    let secret = match token.as_str() {
        OWNER_TOKEN => OWNER_SECRET,
        USER_TOKEN => USER_SECRET,
        _ => return Auth::Bad("unknown token".into()),
    };
    let mut req = Request::new(parts.method.as_str(), format!("http://{host}{}", parts.uri));
    let form = parts.headers.get("content-type").is_some_and(|v| {
        v.as_bytes()
            .starts_with(b"application/x-www-form-urlencoded")
    });
    if form {
        req = req.form(String::from_utf8_lossy(body).into_owned());
    }
    match verify_request(
        &req,
        &header,
        &ConsumerSecret::new(CONSUMER_SECRET),
        Some(&TokenSecret::new(secret)),
    ) {
        Ok(()) => Auth::OAuth1(token),
        Err(e) => Auth::Bad(e.to_string()),
    }
}
