//! The local check of a webhook URL before it is sent to X.

use crate::error::{Error, ErrorKind};

/// Checks what X requires of a webhook URL and can be checked locally: `https`, a host, no
/// explicit port, no fragment, no user info.
///
/// # Errors
///
/// [`ErrorKind::InvalidWebhookUrl`] naming the first problem found.
///
/// ```
/// assert!(aaa_client::check_webhook_url("https://example.com/webhooks/x").is_ok());
/// assert!(aaa_client::check_webhook_url("https://example.com:8443/webhooks/x").is_err());
/// ```
pub fn check_webhook_url(url: &str) -> Result<(), Error> {
    let fail = |why: &'static str| Err(Error::new(ErrorKind::InvalidWebhookUrl).with_message(why));
    let Some(rest) = url.strip_prefix("https://") else {
        return fail("webhook url must start with https://");
    };
    if url.contains('#') {
        return fail("webhook url must not have a fragment (#...)");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail("webhook url must not contain spaces or control characters");
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return fail("webhook url must not carry user info (user@)");
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        let Some((_, after)) = v6.split_once(']') else {
            return fail("webhook url has a malformed host");
        };
        if !after.is_empty() {
            return fail("webhook url must not name a port; X calls port 443");
        }
        authority
    } else {
        if authority.contains(':') {
            return fail("webhook url must not name a port; X calls port 443");
        }
        authority
    };
    if host.is_empty() {
        return fail("webhook url has no host");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_rejects() {
        for ok in [
            "https://example.com/webhook",
            "https://example.com",
            "https://a.example.com/x?y=1",
        ] {
            assert!(check_webhook_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/webhook",
            "https://example.com:443/webhook",
            "https://example.com:8080/webhook",
            "https://example.com/webhook#frag",
            "https:///webhook",
            "https://user@example.com/webhook",
            "https://exa mple.com/",
            "ftp://example.com/",
        ] {
            let err = check_webhook_url(bad).unwrap_err();
            assert_eq!(err.kind(), &ErrorKind::InvalidWebhookUrl, "{bad}");
            assert!(err.to_string().starts_with("invalid webhook url"), "{err}");
        }
    }
}
