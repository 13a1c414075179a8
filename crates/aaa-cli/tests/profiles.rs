//! Config file profiles for the management and signing commands: which file is read, which
//! profile is used, the precedence flag > variable > profile > default, one-line errors for a
//! bad file or a missing profile, and the warning about a file others can read.

mod common;

use std::path::Path;

use common::{Emulate, TempDir, spawn_emulate};

/// Runs `aaa ARGS` with no `AAA_*` variable but `env`, `XDG_CONFIG_HOME` set to `config_home`.
fn run(config_home: &Path, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let home = config_home.display().to_string();
    let mut all = vec![("XDG_CONFIG_HOME", home.as_str())];
    all.extend_from_slice(env);
    common::aaa_env(args, &all)
}

/// Writes `text` to `path` (creating its directory) with mode 0600.
fn write_private(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

fn emulator_profiles(emu: &Emulate) -> String {
    format!(
        r#"
[profiles.default]
base_url = "{base}"
consumer_key = "{key}"
consumer_secret = "{secret}"

[profiles.owner]
base_url = "{base}"
api = "v1.1"
consumer_key = "{key}"
consumer_secret = "{secret}"
access_token = "{token}"
access_token_secret = "{token_secret}"

[profiles.broken]
base_url = "{base}"
consumer_key = "{key}"
consumer_secret = "PROFILE-SECRET-WRONG"
"#,
        base = emu.base_url(),
        key = emu.app("consumer_key"),
        secret = emu.app("consumer_secret"),
        token = emu.owner("access_token"),
        token_secret = emu.owner("access_token_secret"),
    )
}

fn assert_ok_list(r: &(Option<i32>, String, String)) {
    let (code, out, err) = r;
    assert_eq!(*code, Some(0), "{out}{err}");
    assert_eq!(out.trim(), "[]", "{out}");
    assert!(err.is_empty(), "{err}");
}

fn assert_fails(r: &(Option<i32>, String, String), code: i32, needle: &str) {
    let (got, out, err) = r;
    assert_eq!(*got, Some(code), "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("aaa: ") && err.contains(needle),
        "{needle}: {err}"
    );
}

#[test]
fn profiles_supply_settings_with_flags_and_variables_first() {
    let mut emu = spawn_emulate(&[]);
    let home = TempDir::new("profiles-home");
    let default_file = home.join("aaa/config.toml");
    write_private(&default_file, &emulator_profiles(&emu));
    let dead = "http://127.0.0.1:1";
    let secret = emu.app("consumer_secret");
    let h = home.path();

    // The default file's `default` profile, with nothing given.
    assert_ok_list(&run(h, &["webhooks", "list", "--json"], &[]));
    // A profile by flag and by variable.
    assert_ok_list(&run(
        h,
        &["webhooks", "list", "--json", "--profile", "owner"],
        &[],
    ));
    assert_ok_list(&run(
        h,
        &["webhooks", "list", "--json"],
        &[("AAA_PROFILE", "owner")],
    ));
    // The flag beats the variable.
    assert_ok_list(&run(
        h,
        &["webhooks", "list", "--json", "--profile", "default"],
        &[("AAA_PROFILE", "no-such-profile")],
    ));

    // base_url: flag > variable > profile.
    let r = run(h, &["webhooks", "list", "--base-url", dead], &[]);
    assert_fails(&r, 1, "could not reach x");
    let r = run(h, &["webhooks", "list"], &[("AAA_BASE_URL", dead)]);
    assert_fails(&r, 1, "could not reach x");
    assert_ok_list(&run(
        h,
        &["webhooks", "list", "--json", "--base-url", &emu.base_url()],
        &[("AAA_BASE_URL", dead)],
    ));

    // A secret: the variable beats the profile, the flag beats the variable.
    let r = run(h, &["webhooks", "list", "--profile", "broken"], &[]);
    assert_fails(&r, 1, "could not obtain a bearer token");
    assert!(!r.2.contains("PROFILE-SECRET-WRONG"), "{}", r.2);
    assert_ok_list(&run(
        h,
        &["webhooks", "list", "--json", "--profile", "broken"],
        &[("AAA_CONSUMER_SECRET", &secret)],
    ));
    assert_ok_list(&run(
        h,
        &[
            "webhooks",
            "list",
            "--json",
            "--profile",
            "broken",
            "--consumer-secret",
            &secret,
        ],
        &[("AAA_CONSUMER_SECRET", "VARIABLE-SECRET-WRONG")],
    ));

    // api: the profile's v1.1 unless a flag or variable says otherwise (the plan shows it).
    let plan = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec![
            "replay",
            "--webhook",
            "5",
            "--from",
            "-2h",
            "--to",
            "-1h",
            "--dry-run",
            "--json",
            "--profile",
            "owner",
        ];
        args.extend_from_slice(extra);
        let (code, out, err) = run(h, &args, env);
        assert_eq!(code, Some(0), "{err}");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        v["api"].as_str().unwrap().to_owned()
    };
    assert_eq!(plan(&[], &[]), "v1.1");
    assert_eq!(plan(&[], &[("AAA_API", "v2")]), "v2");
    assert_eq!(plan(&["--api", "v2"], &[("AAA_API", "v1.1")]), "v2");

    // The owner profile's user token signs v1.1 user calls.
    let r = run(
        h,
        &["subscriptions", "count", "--profile", "owner", "--json"],
        &[],
    );
    assert_eq!(r.0, Some(0), "{}{}", r.1, r.2);

    // --config and AAA_CONFIG name another file; the default one is then not read.
    let other = TempDir::new("profiles-other");
    let other_file = other.join("x.toml");
    write_private(
        &other_file,
        &format!(
            "[profiles.default]\nbase_url = \"{dead}\"\nbearer_token = \"t\"\n\n[profiles.elsewhere]\nbase_url = \"{dead}\"\nbearer_token = \"t\"\n"
        ),
    );
    let path = other_file.display().to_string();
    let r = run(h, &["webhooks", "list", "--config", &path], &[]);
    assert_fails(&r, 1, "could not reach x");
    let r = run(h, &["webhooks", "list"], &[("AAA_CONFIG", &path)]);
    assert_fails(&r, 1, "could not reach x");
    let r = run(
        h,
        &["webhooks", "list", "--profile", "elsewhere"],
        &[("AAA_CONFIG", &path)],
    );
    assert_fails(&r, 1, "could not reach x");

    assert_eq!(emu.stop().code(), Some(0), "{}", emu.stderr());
}

#[test]
fn oauth1_commands_read_credentials_from_a_profile() {
    let home = TempDir::new("profiles-oauth1");
    write_private(
        &home.join("aaa/config.toml"),
        "[profiles.signer]\nconsumer_key = \"ck\"\nconsumer_secret = \"cs\"\naccess_token = \"at\"\naccess_token_secret = \"ats\"\n",
    );
    let fixed = [
        "--method",
        "GET",
        "--url",
        "https://api.x.com/2/webhooks",
        "--nonce",
        "n",
        "--timestamp",
        "1700000000",
    ];
    let by_flags = run(
        home.path(),
        &[
            &["oauth1", "header"][..],
            &fixed[..],
            &[
                "--consumer-key",
                "ck",
                "--consumer-secret",
                "cs",
                "--token",
                "at",
                "--token-secret",
                "ats",
            ],
        ]
        .concat(),
        &[],
    );
    assert_eq!(by_flags.0, Some(0), "{}", by_flags.2);
    let by_profile = run(
        home.path(),
        &[
            &["oauth1", "header"][..],
            &fixed[..],
            &["--profile", "signer"],
        ]
        .concat(),
        &[],
    );
    assert_eq!(by_profile.0, Some(0), "{}", by_profile.2);
    assert_eq!(by_profile.1, by_flags.1);
    assert!(
        by_profile.1.contains("oauth_token=\"at\""),
        "{}",
        by_profile.1
    );

    let curl = run(
        home.path(),
        &[
            "oauth1",
            "curl",
            "GET",
            "https://api.x.com/2/webhooks",
            "--profile",
            "signer",
        ],
        &[],
    );
    assert_eq!(curl.0, Some(0), "{}", curl.2);
    assert!(curl.1.starts_with("curl -X 'GET' "), "{}", curl.1);
    assert!(
        !curl.1.contains("ats") && !curl.1.contains("'cs'"),
        "{}",
        curl.1
    );

    // Without the profile there are no credentials.
    let r = run(
        home.path(),
        &[&["oauth1", "header"][..], &fixed[..]].concat(),
        &[],
    );
    assert_fails(&r, 64, "missing credentials");
}

fn with<'a>(list: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    [list, extra].concat()
}

#[test]
fn a_bad_file_or_a_missing_profile_is_one_line_and_exit_1() {
    let home = TempDir::new("profiles-bad");
    let file = home.join("aaa/config.toml");
    let h = home.path();
    let list = ["webhooks", "list", "--bearer-token", "t"];

    // No file at the default place: fine without --profile, an error with one.
    let r = run(h, &with(&list, &["--base-url", "http://127.0.0.1:1"]), &[]);
    assert_fails(&r, 1, "could not reach x");
    let r = run(h, &with(&list, &["--profile", "p"]), &[]);
    assert_fails(&r, 1, "cannot read the config file");
    let missing = home.arg("nope.toml");
    let r = run(h, &with(&list, &["--config", &missing]), &[]);
    assert_fails(&r, 1, "nope.toml: cannot read the config file");

    write_private(
        &file,
        "[profiles.a]\nconsumer_secret = \"FILE-SECRET-1\"\n[profiles.b]\n",
    );
    let r = run(h, &with(&list, &["--profile", "c"]), &[]);
    assert_fails(&r, 1, "no profile \"c\" (it has a, b)");
    let r = run(h, &with(&list, &[]), &[("AAA_PROFILE", "c")]);
    assert_fails(&r, 1, "no profile \"c\"");
    assert!(!r.2.contains("FILE-SECRET-1"));

    for (text, needle) in [
        (
            "[profiles.a]\nconsumer_secret = \"FILE-SECRET-2\"\nconsumer_secert = \"x\"\n",
            "invalid config file: line 3: unknown field `consumer_secert`",
        ),
        (
            "[profiles.a]\nconsumer_secret = \"FILE-SECRET-2\n",
            "invalid config file: line 2",
        ),
        ("[profile.a]\n", "invalid config file: line 1"),
        (
            "[profiles.a]\napi = \"v3\"\nconsumer_secret = \"FILE-SECRET-2\"\n",
            "api must be \"v1.1\" or \"v2\"",
        ),
    ] {
        write_private(&file, text);
        let r = run(h, &with(&list, &["--profile", "a"]), &[]);
        assert_fails(&r, 1, needle);
        assert!(!r.2.contains("FILE-SECRET-2"), "{}", r.2);
        // The default file is read (and found invalid) without --profile too.
        let r = run(h, &with(&list, &[]), &[]);
        assert_fails(&r, 1, "invalid config file");
    }

    // A directory is not a readable file.
    let dir = home.arg("aaa");
    let r = run(h, &with(&list, &["--config", &dir]), &[]);
    assert_fails(&r, 1, "cannot read the config file");
}

#[cfg(unix)]
#[test]
fn a_file_others_can_read_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let home = TempDir::new("profiles-mode");
    let file = home.join("aaa/config.toml");
    write_private(
        &file,
        "[profiles.default]\nbase_url = \"http://127.0.0.1:1\"\nbearer_token = \"BEARER-SECRET\"\n",
    );
    let args = [
        "replay",
        "--webhook",
        "5",
        "--from",
        "-2h",
        "--to",
        "-1h",
        "--dry-run",
    ];
    let (code, _, err) = run(home.path(), &args, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "{err}");

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, out, err) = run(home.path(), &args, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("aaa: warning: ")
            && err.contains("config.toml is readable by group or others"),
        "{err}"
    );
    assert!(!err.contains("BEARER-SECRET"));
}
