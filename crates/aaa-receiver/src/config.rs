//! Receiver settings, from code or from a TOML file.

use std::path::PathBuf;
use std::time::Duration;

use aaa_crypto::ConsumerSecret;
use serde::Deserialize;

use crate::store::sqlite::StoreConfig;

/// One X app whose deliveries the receiver accepts, on its own path.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// A name for logs, metrics and the store.
    pub name: String,
    /// The URL path X delivers to, e.g. `/webhooks/twitter`.
    pub path: String,
    /// The consumer secrets signatures are checked against; the first one answers CRC checks.
    /// Several allow a secret to be rotated without downtime.
    pub consumer_secrets: Vec<ConsumerSecret>,
}

impl AppConfig {
    /// An app on `path` whose deliveries are signed with `secret` (add older secrets to
    /// [`AppConfig::consumer_secrets`] while rotating).
    pub fn new(
        name: impl Into<String>,
        path: impl Into<String>,
        secret: ConsumerSecret,
    ) -> AppConfig {
        AppConfig {
            name: name.into(),
            path: path.into(),
            consumer_secrets: vec![secret],
        }
    }
}

/// Limits that protect the receiver from slow, large or many requests.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest body accepted (413 above it).
    pub max_body: usize,
    /// How long a new connection may stay silent before it is closed (X sends its request as
    /// soon as it connects).
    pub first_byte_timeout: Duration,
    /// How long a client may take to send its headers.
    pub header_timeout: Duration,
    /// How long a client may take to send its body (408 after it).
    pub body_timeout: Duration,
    /// The most connections served at once. At the cap, the connection idle the longest is
    /// closed to admit a new one; only when every connection is answering a request do new
    /// ones wait.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 1024 * 1024,
            first_byte_timeout: Duration::from_secs(2),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub(crate) String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Checks a set of apps: at least one, paths absolute and distinct, not reserved, each with a
/// non-empty secret.
///
/// # Errors
///
/// A [`ConfigError`] naming the problem.
pub(crate) fn validate_apps(apps: &[AppConfig]) -> Result<(), ConfigError> {
    if apps.is_empty() {
        return Err(ConfigError(
            "no app configured: the receiver needs at least one app with its consumer secret"
                .into(),
        ));
    }
    for (i, a) in apps.iter().enumerate() {
        if !a.path.starts_with('/') {
            return Err(ConfigError(format!(
                "app {:?}: path {:?} must start with /",
                a.name, a.path
            )));
        }
        if a.path == "/healthz" || a.path == "/metrics" {
            return Err(ConfigError(format!(
                "app {:?}: path {} is reserved",
                a.name, a.path
            )));
        }
        if a.consumer_secrets.is_empty() || a.consumer_secrets.iter().any(ConsumerSecret::is_empty)
        {
            return Err(ConfigError(format!(
                "app {:?}: consumer secret missing or empty",
                a.name
            )));
        }
        if apps[..i].iter().any(|b| b.path == a.path) {
            return Err(ConfigError(format!("two apps share the path {}", a.path)));
        }
        if apps[..i].iter().any(|b| b.name == a.name) {
            return Err(ConfigError(format!("two apps share the name {:?}", a.name)));
        }
    }
    Ok(())
}

/// The TOML configuration file of `aaa serve`.
///
/// ```toml
/// listen = "127.0.0.1:8080"
/// data_dir = "./aaa-data"
/// max_body_bytes = 1048576
/// retention_hours = 168
/// store_shards = 4
///
/// [[app]]
/// name = "main"
/// path = "/webhooks/twitter"
/// consumer_secret_env = "MAIN_CONSUMER_SECRET"   # or consumer_secret = "..."
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address to listen on.
    pub listen: Option<String>,
    /// Store directory.
    pub data_dir: Option<PathBuf>,
    /// Body size limit.
    pub max_body_bytes: Option<usize>,
    /// How long a new connection may stay silent, milliseconds.
    pub first_byte_timeout_ms: Option<u64>,
    /// Header read timeout, seconds.
    pub header_timeout_secs: Option<u64>,
    /// Body read timeout, seconds.
    pub body_timeout_secs: Option<u64>,
    /// Connection cap.
    pub max_connections: Option<usize>,
    /// Event retention, hours.
    pub retention_hours: Option<u64>,
    /// Store size bound, bytes (per store file).
    pub max_store_bytes: Option<u64>,
    /// How many files the store is split into.
    pub store_shards: Option<usize>,
    /// Where to forward deliveries.
    pub forward_to: Option<String>,
    /// The store: `nats://HOST:PORT[,HOST:PORT...]` for a JetStream stream shared by several
    /// receivers; the SQLite files in `data_dir` when absent.
    pub store: Option<String>,
    /// The JetStream settings, for `store = "nats://..."`.
    pub nats: Option<FileNats>,
    /// TLS certificate chain (PEM).
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    pub tls_key: Option<PathBuf>,
    /// The apps.
    #[serde(default, rename = "app")]
    pub apps: Vec<FileApp>,
}

/// The `[nats]` table: how to reach and use the JetStream store.
///
/// ```toml
/// store = "nats://10.0.0.1:4222,10.0.0.2:4222,10.0.0.3:4222"
///
/// [nats]
/// credentials = "/etc/aaa/receiver.creds"   # or user + password_env, or token_env
/// tls_ca = "/etc/aaa/nats-ca.pem"
/// stream = "AAA"
/// replicas = 3
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileNats {
    /// A credentials file (JWT and NKey seed).
    pub credentials: Option<PathBuf>,
    /// A user name (with `password_env`).
    pub user: Option<String>,
    /// The environment variable holding the user's password.
    pub password_env: Option<String>,
    /// The environment variable holding an authentication token.
    pub token_env: Option<String>,
    /// A CA certificate (PEM) for the servers' certificates.
    pub tls_ca: Option<PathBuf>,
    /// A client certificate (PEM), with `tls_key`.
    pub tls_cert: Option<PathBuf>,
    /// The client certificate's key (PEM).
    pub tls_key: Option<PathBuf>,
    /// Insist on TLS.
    pub tls_required: Option<bool>,
    /// The stream's name (default `AAA`).
    pub stream: Option<String>,
    /// The subjects' first token (default `aaa`).
    pub subject_prefix: Option<String>,
    /// The stream's replicas (default 3 on a cluster of three or more, else 1).
    pub replicas: Option<usize>,
    /// How long a delivery may wait for JetStream, milliseconds (default 2000).
    pub publish_timeout_ms: Option<u64>,
    /// An upper bound on the stream's size, bytes.
    pub max_bytes: Option<u64>,
}

/// One `[[app]]` table.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileApp {
    /// Name.
    pub name: String,
    /// Path.
    pub path: String,
    /// The secret itself (prefer `consumer_secret_env`).
    pub consumer_secret: Option<String>,
    /// Name of the environment variable holding the secret.
    pub consumer_secret_env: Option<String>,
    /// More secrets accepted for signatures (rotation).
    #[serde(default)]
    pub extra_secrets_env: Vec<String>,
}

impl std::fmt::Debug for FileApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileApp")
            .field("name", &self.name)
            .field("path", &self.path)
            .field(
                "consumer_secret",
                &self.consumer_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("consumer_secret_env", &self.consumer_secret_env)
            .field("extra_secrets_env", &self.extra_secrets_env)
            .finish()
    }
}

impl FileConfig {
    /// Parses a configuration file's text.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] with TOML's message (which never quotes secret values).
    pub fn parse(text: &str) -> Result<FileConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError(format!("config file: {}", e.message())))
    }

    /// The apps, with secrets read from the environment where the file names a variable.
    ///
    /// # Errors
    ///
    /// When a secret is missing or its variable is unset.
    pub fn resolve_apps(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<AppConfig>, ConfigError> {
        self.apps
            .iter()
            .map(|a| {
                let primary = match (&a.consumer_secret, &a.consumer_secret_env) {
                    (Some(s), None) => s.clone(),
                    (None, Some(var)) => env(var).ok_or_else(|| {
                        ConfigError(format!(
                            "app {:?}: environment variable {var} is not set",
                            a.name
                        ))
                    })?,
                    _ => {
                        return Err(ConfigError(format!(
                            "app {:?}: give exactly one of consumer_secret and consumer_secret_env",
                            a.name
                        )));
                    }
                };
                let mut secrets = vec![ConsumerSecret::new(primary)];
                for var in &a.extra_secrets_env {
                    let s = env(var).ok_or_else(|| {
                        ConfigError(format!(
                            "app {:?}: environment variable {var} is not set",
                            a.name
                        ))
                    })?;
                    secrets.push(ConsumerSecret::new(s));
                }
                Ok(AppConfig {
                    name: a.name.clone(),
                    path: a.path.clone(),
                    consumer_secrets: secrets,
                })
            })
            .collect()
    }

    /// Applies the file's store settings to `store`.
    pub fn apply_store(&self, store: &mut StoreConfig) {
        if let Some(d) = &self.data_dir {
            store.data_dir.clone_from(d);
        }
        if let Some(h) = self.retention_hours {
            store.retention = Duration::from_secs(h.saturating_mul(3600));
        }
        if self.max_store_bytes.is_some() {
            store.max_bytes = self.max_store_bytes;
        }
        if let Some(n) = self.store_shards {
            store.shards = n;
        }
    }

    /// Applies the file's `[nats]` table and retention to `nats`, reading secrets from the
    /// environment variables it names.
    ///
    /// # Errors
    ///
    /// When a named variable is unset, or only one of a client certificate and key is given.
    #[cfg(feature = "nats")]
    pub fn apply_nats(
        &self,
        nats: &mut crate::NatsConfig,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        use aaa_crypto::ConsumerSecret;
        if let Some(h) = self.retention_hours {
            nats.retention = Duration::from_secs(h.saturating_mul(3600));
        }
        let Some(n) = &self.nats else {
            return Ok(());
        };
        let var = |name: &String| {
            env(name).ok_or_else(|| {
                ConfigError(format!("[nats]: environment variable {name} is not set"))
            })
        };
        if n.credentials.is_some() {
            nats.credentials.clone_from(&n.credentials);
        }
        if let Some(user) = &n.user {
            let password = n
                .password_env
                .as_ref()
                .map(var)
                .transpose()?
                .unwrap_or_default();
            nats.user_password = Some((user.clone(), ConsumerSecret::new(password)));
        }
        if let Some(t) = &n.token_env {
            nats.token = Some(ConsumerSecret::new(var(t)?));
        }
        if n.tls_ca.is_some() {
            nats.tls_ca.clone_from(&n.tls_ca);
        }
        match (&n.tls_cert, &n.tls_key) {
            (Some(c), Some(k)) => nats.tls_client = Some((c.clone(), k.clone())),
            (None, None) => {}
            _ => {
                return Err(ConfigError(
                    "[nats]: a client certificate needs both tls_cert and tls_key".into(),
                ));
            }
        }
        if let Some(r) = n.tls_required {
            nats.tls_required = r;
        }
        if let Some(s) = &n.stream {
            nats.stream.clone_from(s);
        }
        if let Some(p) = &n.subject_prefix {
            nats.subject_prefix.clone_from(p);
        }
        if n.replicas.is_some() {
            nats.replicas = n.replicas;
        }
        if let Some(ms) = n.publish_timeout_ms {
            nats.publish_timeout = Duration::from_millis(ms);
        }
        if n.max_bytes.is_some() {
            nats.max_bytes = n.max_bytes;
        }
        Ok(())
    }

    /// Applies the file's limits to `limits`.
    pub fn apply_limits(&self, limits: &mut Limits) {
        if let Some(v) = self.max_body_bytes {
            limits.max_body = v;
        }
        if let Some(v) = self.first_byte_timeout_ms {
            limits.first_byte_timeout = Duration::from_millis(v);
        }
        if let Some(v) = self.header_timeout_secs {
            limits.header_timeout = Duration::from_secs(v);
        }
        if let Some(v) = self.body_timeout_secs {
            limits.body_timeout = Duration::from_secs(v);
        }
        if let Some(v) = self.max_connections {
            limits.max_connections = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_apps_and_reads_secrets_from_the_environment() {
        let cfg = FileConfig::parse(
            r#"
            listen = "127.0.0.1:9000"
            max_body_bytes = 2048
            store_shards = 2
            [[app]]
            name = "a"
            path = "/a"
            consumer_secret = "s1"
            [[app]]
            name = "b"
            path = "/b"
            consumer_secret_env = "B_SECRET"
            extra_secrets_env = ["B_OLD"]
            "#,
        )
        .unwrap();
        let apps = cfg
            .resolve_apps(|v| match v {
                "B_SECRET" => Some("s2".into()),
                "B_OLD" => Some("s0".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(apps.len(), 2);
        assert_eq!(apps[1].consumer_secrets.len(), 2);
        assert_eq!(apps[1].consumer_secrets[0].expose_secret(), b"s2");
        validate_apps(&apps).unwrap();
        let mut limits = Limits::default();
        cfg.apply_limits(&mut limits);
        assert_eq!(limits.max_body, 2048);
        let mut store = StoreConfig::new("d");
        cfg.apply_store(&mut store);
        assert_eq!(store.shards, 2);
        assert!(!format!("{:?}", cfg.apps[0]).contains("s1"));
    }

    #[cfg(feature = "nats")]
    #[test]
    fn the_nats_table_fills_the_store_settings_and_keeps_secrets_out_of_debug() {
        let cfg = FileConfig::parse(
            r#"
            store = "nats://127.0.0.1:4222,127.0.0.1:4223"
            retention_hours = 120
            [nats]
            user = "aaa"
            password_env = "NATS_PW"
            token_env = "NATS_TOKEN"
            tls_ca = "/etc/ca.pem"
            stream = "EVENTS"
            replicas = 3
            publish_timeout_ms = 1500
            "#,
        )
        .unwrap();
        let mut nats = crate::NatsConfig::new(cfg.store.as_deref().unwrap()).unwrap();
        assert_eq!(
            nats.servers,
            vec!["nats://127.0.0.1:4222", "nats://127.0.0.1:4223"]
        );
        cfg.apply_nats(&mut nats, |v| match v {
            "NATS_PW" => Some("pw-s3cret".into()),
            "NATS_TOKEN" => Some("tok-s3cret".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(nats.retention, Duration::from_secs(120 * 3600));
        assert_eq!(nats.stream, "EVENTS");
        assert_eq!(nats.replicas, Some(3));
        assert_eq!(nats.publish_timeout, Duration::from_millis(1500));
        assert_eq!(nats.user_password.as_ref().unwrap().0, "aaa");
        let debug = format!("{nats:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
        // A variable that is not set, and half a client certificate, are refused.
        assert!(cfg.apply_nats(&mut nats, |_| None).is_err());
        let half = FileConfig::parse("[nats]\ntls_cert = \"c.pem\"").unwrap();
        assert!(half.apply_nats(&mut nats, |_| None).is_err());
        assert!(crate::NatsConfig::new(" , ").is_err());
    }

    #[test]
    fn refuses_bad_configurations() {
        assert!(
            FileConfig::parse("bogus = 1")
                .unwrap_err()
                .0
                .contains("bogus")
        );
        let cfg =
            FileConfig::parse("[[app]]\nname=\"a\"\npath=\"/a\"\nconsumer_secret_env=\"NOPE\"")
                .unwrap();
        assert!(cfg.resolve_apps(|_| None).unwrap_err().0.contains("NOPE"));
        let app = |name: &str, path: &str, s: &str| AppConfig {
            name: name.into(),
            path: path.into(),
            consumer_secrets: vec![ConsumerSecret::new(s)],
        };
        assert!(validate_apps(&[]).is_err());
        assert!(validate_apps(&[app("a", "x", "s")]).is_err());
        assert!(validate_apps(&[app("a", "/metrics", "s")]).is_err());
        assert!(validate_apps(&[app("a", "/a", "")]).is_err());
        assert!(validate_apps(&[app("a", "/a", "s"), app("b", "/a", "t")]).is_err());
    }
}
