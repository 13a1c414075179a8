//! `aaa crc`, `aaa signature` and `aaa oauth1`: the crypto crate on the command line.

use std::process::ExitCode;

use aaa_crypto::{ConsumerSecret, TokenSecret, Verifier};
use clap::{Subcommand, ValueEnum};

use crate::config::ConfigArgs;
use crate::failure::Failure;
use crate::input;

/// Arguments of `aaa crc`.
#[derive(Debug, clap::Args)]
pub(crate) struct CrcArgs {
    /// The app's consumer secret (API secret key).
    #[arg(long, env = "AAA_CONSUMER_SECRET", hide_env_values = true)]
    consumer_secret: ConsumerSecret,
    /// The `crc_token` X sent, already form-decoded.
    #[arg(long)]
    token: String,
}

/// `aaa signature ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum SignatureCommand {
    /// Print the x-twitter-webhooks-signature value for a body: sha256=<base64>.
    Sign {
        /// The app's consumer secret.
        #[arg(long, env = "AAA_CONSUMER_SECRET", hide_env_values = true)]
        consumer_secret: ConsumerSecret,
        /// The body to sign; `-` reads standard input.
        #[arg(value_name = "FILE|-", default_value = "-")]
        file: String,
    },
    /// Check a body against an x-twitter-webhooks-signature value; exit 0 if it matches.
    Verify {
        /// The app's consumer secret; repeat it to accept any of several apps.
        #[arg(
            long,
            env = "AAA_CONSUMER_SECRET",
            hide_env_values = true,
            value_delimiter = ',',
            required = true
        )]
        consumer_secret: Vec<ConsumerSecret>,
        /// The header value, `sha256=<base64>`.
        #[arg(long)]
        signature: String,
        /// The body to check; `-` reads standard input.
        #[arg(value_name = "FILE|-", default_value = "-")]
        file: String,
    },
}

/// `aaa oauth1 ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum OAuth1Command {
    /// Print the Authorization header value for a request signed with OAuth 1.0a.
    Header(HeaderArgs),
    /// Print a ready-to-run curl command carrying a signed Authorization header.
    Curl(CurlArgs),
}

/// Signature methods offered by `aaa oauth1 header`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Method {
    #[value(name = "HMAC-SHA1")]
    HmacSha1,
    #[value(name = "HMAC-SHA256")]
    HmacSha256,
}

/// The credentials and signing options of `aaa oauth1 header` and `aaa oauth1 curl`. The
/// credentials come from their flag, else their variable, else the config file's profile.
/// Secrets are held in `aaa-crypto`'s redacting types.
#[derive(Debug, clap::Args)]
pub(crate) struct SignArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// The app's consumer key (API key).
    #[arg(long, env = "AAA_CONSUMER_KEY", hide_env_values = true)]
    consumer_key: Option<String>,
    /// The app's consumer secret (API secret key).
    #[arg(long, env = "AAA_CONSUMER_SECRET", hide_env_values = true)]
    consumer_secret: Option<ConsumerSecret>,
    /// The user's access token.
    #[arg(long, env = "AAA_ACCESS_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The user's access token secret.
    #[arg(long, env = "AAA_ACCESS_TOKEN_SECRET", hide_env_values = true)]
    token_secret: Option<TokenSecret>,
    /// A fixed nonce instead of a random one.
    #[arg(long)]
    nonce: Option<String>,
    /// A fixed timestamp (seconds since the epoch) instead of the clock.
    #[arg(long)]
    timestamp: Option<u64>,
    /// Leave out oauth_version="1.0".
    #[arg(long)]
    omit_version: bool,
    /// The signature method.
    #[arg(long, value_enum, default_value = "HMAC-SHA1")]
    signature_method: Method,
}

/// Arguments of `aaa oauth1 header`.
#[derive(Debug, clap::Args)]
pub(crate) struct HeaderArgs {
    /// HTTP method (GET, POST, PUT, DELETE, ...).
    #[arg(long)]
    method: String,
    /// The full request URL, query string included.
    #[arg(long)]
    url: String,
    /// An application/x-www-form-urlencoded request body whose parameters are signed too.
    #[arg(long, value_name = "BODY")]
    form: Option<String>,
    /// An extra parameter to sign, NAME=VALUE (not percent-encoded); repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// oauth_callback, for request-token calls.
    #[arg(long)]
    callback: Option<String>,
    /// oauth_verifier, for access-token calls.
    #[arg(long)]
    verifier: Option<String>,
    #[command(flatten)]
    sign: SignArgs,
}

/// Arguments of `aaa oauth1 curl`.
#[derive(Debug, clap::Args)]
pub(crate) struct CurlArgs {
    /// HTTP method (GET, POST, PUT, DELETE, ...).
    method: String,
    /// The full request URL, query string included.
    url: String,
    /// A form field NAME=VALUE (not percent-encoded), sent as an
    /// application/x-www-form-urlencoded body and signed; repeatable.
    #[arg(long = "data", value_name = "NAME=VALUE", conflicts_with = "json")]
    data: Vec<String>,
    /// A JSON body, sent as application/json (OAuth 1.0a does not sign JSON bodies).
    #[arg(long, value_name = "BODY")]
    json: Option<String>,
    #[command(flatten)]
    sign: SignArgs,
}

pub(crate) fn crc(args: &CrcArgs) -> ExitCode {
    let token = aaa_crypto::crc_response_token(&args.consumer_secret, args.token.as_bytes());
    let body = serde_json::json!({ "response_token": token });
    println!("{body}");
    ExitCode::SUCCESS
}

pub(crate) fn signature(cmd: SignatureCommand) -> Result<ExitCode, Failure> {
    match cmd {
        SignatureCommand::Sign {
            consumer_secret,
            file,
        } => {
            let body = input::read(&file)?;
            println!("{}", aaa_crypto::sign(&consumer_secret, &body));
            Ok(ExitCode::SUCCESS)
        }
        SignatureCommand::Verify {
            consumer_secret,
            signature,
            file,
        } => {
            let body = input::read(&file)?;
            match Verifier::new(&consumer_secret).verify(signature.as_bytes(), &body) {
                Ok(_) => Ok(ExitCode::SUCCESS),
                Err(e) => Err(Failure::new(format!("{file}: signature not valid: {e}"))),
            }
        }
    }
}

pub(crate) fn oauth1(cmd: OAuth1Command) -> Result<ExitCode, Failure> {
    let line = match cmd {
        OAuth1Command::Header(args) => oauth1_header(&args)?,
        OAuth1Command::Curl(args) => oauth1_curl(&args)?,
    };
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}

/// `s` as one shell word: in single quotes, each embedded `'` written as `'\''`.
pub(crate) fn shell_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// `NAME=VALUE` split at the first `=`.
fn name_value<'a>(flag: &str, p: &'a str) -> Result<(&'a str, &'a str), Failure> {
    p.split_once('=')
        .ok_or_else(|| Failure::new(format!("{flag} {p:?}: expected NAME=VALUE")))
}

fn oauth1_curl(args: &CurlArgs) -> Result<String, Failure> {
    use aaa_crypto::oauth1::percent_encode;
    let mut req = aaa_crypto::oauth1::Request::new(args.method.as_str(), args.url.as_str());
    let mut form = Vec::with_capacity(args.data.len());
    for p in &args.data {
        let (name, value) = name_value("--data", p)?;
        req = req.param(name, value);
        form.push(format!(
            "{}={}",
            percent_encode(name),
            percent_encode(value)
        ));
    }
    if let Some(json) = &args.json {
        if serde_json::from_str::<serde::de::IgnoredAny>(json).is_err() {
            return Err(Failure::new("--json: the body is not valid JSON"));
        }
    }
    let header = sign(&req, &args.sign, None, None)?;
    let mut words = vec![
        "curl".to_owned(),
        "-X".to_owned(),
        shell_quote(&args.method.to_ascii_uppercase()),
        shell_quote(&args.url),
        "-H".to_owned(),
        shell_quote(&format!("Authorization: {header}")),
    ];
    let body = if let Some(json) = &args.json {
        Some(("application/json", json.clone()))
    } else if form.is_empty() {
        None
    } else {
        Some(("application/x-www-form-urlencoded", form.join("&")))
    };
    if let Some((content_type, body)) = body {
        words.push("-H".to_owned());
        words.push(shell_quote(&format!("Content-Type: {content_type}")));
        words.push("--data-raw".to_owned());
        words.push(shell_quote(&body));
    }
    Ok(words.join(" "))
}

fn oauth1_header(args: &HeaderArgs) -> Result<String, Failure> {
    use aaa_crypto::oauth1::Request;
    let mut req = Request::new(args.method.as_str(), args.url.as_str());
    if let Some(form) = &args.form {
        req = req.form(form.as_str());
    }
    for p in &args.params {
        let (name, value) = name_value("--param", p)?;
        req = req.param(name, value);
    }
    sign(
        &req,
        &args.sign,
        args.callback.as_deref(),
        args.verifier.as_deref(),
    )
}

/// Signs `req` with the credentials of `args` (flags, variables, then the profile). A missing
/// consumer key or secret is a usage error: it is printed and its exit code returned.
fn sign(
    req: &aaa_crypto::oauth1::Request,
    args: &SignArgs,
    callback: Option<&str>,
    verifier: Option<&str>,
) -> Result<String, Failure> {
    use aaa_crypto::oauth1::{Credentials, SignatureMethod, Signer};
    let profile = args.config.load()?;
    let key = args.consumer_key.clone().or(profile.consumer_key);
    let secret = args.consumer_secret.clone().or(profile.consumer_secret);
    let (Some(key), Some(secret)) = (key, secret) else {
        return Err(Failure::usage(
            "missing credentials: give --consumer-key and --consumer-secret (or AAA_CONSUMER_KEY \
             and AAA_CONSUMER_SECRET, or a profile that has them)",
        ));
    };
    let mut creds = Credentials::new(key, secret);
    let token = args.token.clone().or(profile.access_token);
    let token_secret = args.token_secret.clone().or(profile.access_token_secret);
    match (token, token_secret) {
        (Some(t), Some(s)) => {
            creds = creds.with_token(t, s);
        }
        (None, None) => {}
        (Some(_), None) => {
            return Err(Failure::usage(
                "--token needs --token-secret (or AAA_ACCESS_TOKEN_SECRET)",
            ));
        }
        (None, Some(_)) => {
            return Err(Failure::usage(
                "--token-secret needs --token (or AAA_ACCESS_TOKEN)",
            ));
        }
    }
    let mut signer = Signer::new(creds).method(match args.signature_method {
        Method::HmacSha1 => SignatureMethod::HmacSha1,
        Method::HmacSha256 => SignatureMethod::HmacSha256,
    });
    if let Some(n) = &args.nonce {
        signer = signer.nonce(n.as_str());
    }
    if let Some(t) = args.timestamp {
        signer = signer.timestamp(t);
    }
    if let Some(c) = callback {
        signer = signer.callback(c);
    }
    if let Some(v) = verifier {
        signer = signer.verifier(v);
    }
    if args.omit_version {
        signer = signer.version(false);
    }
    let signed = signer.sign(req)?;
    Ok(signed.header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_args_debug_hides_secrets() {
        use clap::Parser;
        #[derive(Debug, Parser)]
        struct Wrap {
            #[command(flatten)]
            sign: SignArgs,
        }
        let w = Wrap::try_parse_from([
            "t",
            "--consumer-secret",
            "SECRET-1",
            "--token-secret",
            "SECRET-2",
        ])
        .unwrap();
        let text = format!("{w:?}");
        assert!(!text.contains("SECRET"), "{text}");
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("plain"), "'plain'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote("$HOME `x` \\ \"q\""), "'$HOME `x` \\ \"q\"'");
    }
}
