//! The config file and its profiles: `--config FILE` / `AAA_CONFIG` (default
//! `$XDG_CONFIG_HOME/aaa/config.toml`, else `~/.config/aaa/config.toml`) and `--profile NAME` /
//! `AAA_PROFILE`.
//!
//! ```toml
//! [profiles.default]
//! base_url = "https://api.x.com"
//! api = "v2"
//! consumer_key = "..."
//! consumer_secret = "..."
//! access_token = "..."
//! access_token_secret = "..."
//! bearer_token = "..."
//! ```
//!
//! A value comes from its flag, else its `AAA_*` variable, else the profile, else the default.
//! Without `--profile`, the `default` profile is used when the file has one; a missing default
//! file is no error then.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use aaa_crypto::{BearerToken, ConsumerSecret, TokenSecret};

use crate::failure::Failure;

/// `--profile` and `--config`, shared by the management and signing commands.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ConfigArgs {
    /// The profile of the config file to use ([profiles.NAME]); without it, `default` if the
    /// file has one.
    #[arg(long, global = true, env = "AAA_PROFILE", value_name = "NAME")]
    profile: Option<String>,
    /// The config file (default $XDG_CONFIG_HOME/aaa/config.toml, else
    /// ~/.config/aaa/config.toml).
    #[arg(long, global = true, env = "AAA_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
}

/// One `[profiles.NAME]` table. Every field is optional. Secrets are held in `aaa-crypto`'s
/// redacting types, so `Debug` prints none.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profile {
    pub(crate) base_url: Option<String>,
    pub(crate) api: Option<String>,
    pub(crate) consumer_key: Option<String>,
    #[serde(default, deserialize_with = "secret")]
    pub(crate) consumer_secret: Option<ConsumerSecret>,
    pub(crate) access_token: Option<String>,
    #[serde(default, deserialize_with = "secret")]
    pub(crate) access_token_secret: Option<TokenSecret>,
    #[serde(default, deserialize_with = "secret")]
    pub(crate) bearer_token: Option<BearerToken>,
}

/// Reads a secret string straight into its redacting type.
fn secret<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: From<String>,
{
    Ok(Option::<String>::deserialize(deserializer)?.map(T::from))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// The default config file: `$XDG_CONFIG_HOME/aaa/config.toml` when that variable is an
/// absolute path, else `$HOME/.config/aaa/config.toml`.
fn default_path() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME") {
        let x = PathBuf::from(x);
        if x.is_absolute() {
            return Some(x.join("aaa").join("config.toml"));
        }
    }
    let home = PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?);
    Some(home.join(".config").join("aaa").join("config.toml"))
}

/// One line for a TOML error: its message and the line it points at.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {msg}")
        }
        None => msg,
    }
}

/// Warns (one line) when `path` can be read by group or others: it holds secrets.
#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o044 != 0 {
            let _ = writeln!(
                std::io::stderr(),
                "aaa: warning: {} is readable by group or others and holds secrets; chmod 600 it",
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}

impl ConfigArgs {
    /// The profile `profile` of the config file `config` (each as its flag would give it).
    pub(crate) fn new(profile: Option<String>, config: Option<PathBuf>) -> ConfigArgs {
        ConfigArgs { profile, config }
    }

    /// The selected profile, or an empty one when there is none to use.
    ///
    /// # Errors
    ///
    /// When a file was named (or a profile asked for) but cannot be read, when the file is not
    /// valid, or when the profile is not in it.
    pub(crate) fn load(&self) -> Result<Profile, Failure> {
        let profile = self.profile.as_deref().filter(|p| !p.is_empty());
        let named = self.config.clone().filter(|p| !p.as_os_str().is_empty());
        let explicit = named.is_some();
        let Some(path) = named.or_else(default_path) else {
            return match profile {
                Some(p) => Err(Failure::new(format!(
                    "profile {p:?}: no config file (give --config FILE or set AAA_CONFIG)"
                ))),
                None => Ok(Profile::default()),
            };
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound && !explicit && profile.is_none() =>
            {
                return Ok(Profile::default());
            }
            Err(e) => {
                return Err(Failure::new(format!(
                    "{}: cannot read the config file: {e}",
                    path.display()
                )));
            }
        };
        warn_if_shared(&path);
        let mut file: File = toml::from_str(&text).map_err(|e| {
            Failure::new(format!(
                "{}: invalid config file: {}",
                path.display(),
                toml_error(&text, &e)
            ))
        })?;
        for (name, p) in &file.profiles {
            if let Some(api) = p.api.as_deref().filter(|a| !matches!(*a, "v1.1" | "v2")) {
                return Err(Failure::new(format!(
                    "{}: invalid config file: profile {name:?}: api must be \"v1.1\" or \"v2\", not {api:?}",
                    path.display()
                )));
            }
        }
        let name = profile.unwrap_or("default");
        let Some(found) = file.profiles.remove(name) else {
            if profile.is_none() {
                return Ok(Profile::default());
            }
            let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
            return Err(Failure::new(format!(
                "{}: no profile {name:?} (it has {})",
                path.display(),
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )));
        };
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let p = Profile {
            consumer_key: Some("key".into()),
            consumer_secret: Some("SECRET1".into()),
            access_token: Some("visible-token".into()),
            access_token_secret: Some("SECRET3".into()),
            bearer_token: Some("SECRET4".into()),
            ..Profile::default()
        };
        let s = format!("{p:?}");
        assert!(!s.contains("SECRET"), "{s}");
        assert!(
            s.contains("<redacted>") && s.contains("visible-token"),
            "{s}"
        );
    }

    #[test]
    fn toml_errors_are_one_line_with_the_line_number() {
        let text = "[profiles.a]\nbase_url = \"x\"\nnope = 1\n";
        let e = toml::from_str::<File>(text).err().unwrap();
        let line = toml_error(text, &e);
        assert!(line.starts_with("line 3: "), "{line}");
        assert!(!line.contains('\n'), "{line}");
    }
}
