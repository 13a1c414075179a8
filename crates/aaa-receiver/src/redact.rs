//! Credentials kept out of what is shown: `Debug` output, errors and logs.

/// `url` as text with the user name and password it may carry (`SCHEME://USER:PASSWORD@HOST`)
/// replaced by `<redacted>`; anything after the host (path, query) is kept.
pub(crate) fn url_without_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    let host_on = &rest[at + 1..];
    scheme.map_or_else(
        || format!("<redacted>@{host_on}"),
        |s| format!("{s}://<redacted>@{host_on}"),
    )
}

#[cfg(test)]
mod tests {
    use super::url_without_userinfo;

    #[test]
    fn userinfo_is_redacted_and_the_rest_kept() {
        assert_eq!(
            url_without_userinfo("http://alice:s3cret@127.0.0.1:8080/hook?x=@y"),
            "http://<redacted>@127.0.0.1:8080/hook?x=@y"
        );
        assert_eq!(url_without_userinfo("a:b@c:d@h/p"), "<redacted>@h/p");
        for plain in ["http://127.0.0.1:8080/a@b", "http://h", "", "h?q=@"] {
            assert_eq!(url_without_userinfo(plain), plain);
        }
    }
}
