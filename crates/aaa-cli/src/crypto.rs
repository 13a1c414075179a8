//! `aaa crc`, `aaa signature` and `aaa oauth1`: the crypto crate on the command line.

use std::process::ExitCode;

use aaa_crypto::{ConsumerSecret, Verifier};
use clap::{Subcommand, ValueEnum};

use crate::{Failure, input};

/// Arguments of `aaa crc`.
#[derive(Debug, clap::Args)]
pub(crate) struct CrcArgs {
    /// The app's consumer secret (API secret key).
    #[arg(long, env = "AAA_CONSUMER_SECRET", hide_env_values = true)]
    consumer_secret: String,
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
        consumer_secret: String,
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
        consumer_secret: Vec<String>,
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
}

/// Signature methods offered by `aaa oauth1 header`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Method {
    #[value(name = "HMAC-SHA1")]
    HmacSha1,
    #[value(name = "HMAC-SHA256")]
    HmacSha256,
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
    /// The app's consumer key (API key).
    #[arg(long, env = "AAA_CONSUMER_KEY")]
    consumer_key: String,
    /// The app's consumer secret (API secret key).
    #[arg(long, env = "AAA_CONSUMER_SECRET", hide_env_values = true)]
    consumer_secret: String,
    /// The user's access token.
    #[arg(long, env = "AAA_ACCESS_TOKEN")]
    token: Option<String>,
    /// The user's access token secret.
    #[arg(long, env = "AAA_ACCESS_TOKEN_SECRET", hide_env_values = true)]
    token_secret: Option<String>,
    /// oauth_callback, for request-token calls.
    #[arg(long)]
    callback: Option<String>,
    /// oauth_verifier, for access-token calls.
    #[arg(long)]
    verifier: Option<String>,
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

pub(crate) fn crc(args: &CrcArgs) -> ExitCode {
    let secret = ConsumerSecret::new(args.consumer_secret.as_str());
    let token = aaa_crypto::crc_response_token(&secret, args.token.as_bytes());
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
            let secret = ConsumerSecret::new(consumer_secret);
            println!("{}", aaa_crypto::sign(&secret, &body));
            Ok(ExitCode::SUCCESS)
        }
        SignatureCommand::Verify {
            consumer_secret,
            signature,
            file,
        } => {
            let body = input::read(&file)?;
            let secrets: Vec<ConsumerSecret> = consumer_secret
                .into_iter()
                .map(ConsumerSecret::new)
                .collect();
            match Verifier::new(&secrets).verify(signature.as_bytes(), &body) {
                Ok(_) => Ok(ExitCode::SUCCESS),
                Err(e) => Err(Failure(format!("{file}: signature not valid: {e}"))),
            }
        }
    }
}

pub(crate) fn oauth1(cmd: OAuth1Command) -> Result<ExitCode, Failure> {
    let OAuth1Command::Header(args) = cmd;
    let header = oauth1_header(&args)?;
    println!("{header}");
    Ok(ExitCode::SUCCESS)
}

fn oauth1_header(args: &HeaderArgs) -> Result<String, Failure> {
    use aaa_crypto::oauth1::{Credentials, Request, SignatureMethod, Signer};
    let mut req = Request::new(args.method.as_str(), args.url.as_str());
    if let Some(form) = &args.form {
        req = req.form(form.as_str());
    }
    for p in &args.params {
        let Some((name, value)) = p.split_once('=') else {
            return Err(Failure(format!("--param {p:?}: expected NAME=VALUE")));
        };
        req = req.param(name, value);
    }
    let mut creds = Credentials::new(
        args.consumer_key.as_str(),
        ConsumerSecret::new(args.consumer_secret.as_str()),
    );
    match (&args.token, &args.token_secret) {
        (Some(t), Some(s)) => {
            creds = creds.with_token(t.as_str(), aaa_crypto::TokenSecret::new(s.as_str()));
        }
        (None, None) => {}
        (Some(_), None) => {
            return Err(Failure(
                "--token needs --token-secret (or AAA_ACCESS_TOKEN_SECRET)".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(Failure(
                "--token-secret needs --token (or AAA_ACCESS_TOKEN)".into(),
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
    if let Some(c) = &args.callback {
        signer = signer.callback(c.as_str());
    }
    if let Some(v) = &args.verifier {
        signer = signer.verifier(v.as_str());
    }
    if args.omit_version {
        signer = signer.version(false);
    }
    let signed = signer.sign(&req)?;
    Ok(signed.header)
}
