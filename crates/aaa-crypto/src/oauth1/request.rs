//! The request being signed and its signature base string (RFC 5849 section 3.4.1).

use super::OAuthError;
use super::encode::{encode_into, form_decode_bytes, percent_encode_bytes};

/// An HTTP request as OAuth 1.0a sees it: method, URL (with its query), an optional
/// `application/x-www-form-urlencoded` body and any further parameters.
///
/// The builder never fails; problems with the method, URL or encoding are reported when the
/// request is signed or its base string is built.
///
/// ```
/// use aaa_crypto::oauth1::Request;
///
/// let req = Request::new("post", "https://API.x.com:443/1.1/statuses/update.json?include_entities=true")
///     .form("status=Hello%20Ladies%20%2b%20Gentlemen");
/// assert_eq!(req.base_string_uri()?, "https://api.x.com/1.1/statuses/update.json");
/// # Ok::<(), aaa_crypto::oauth1::OAuthError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    method: String,
    url: String,
    forms: Vec<String>,
    params: Vec<(String, String)>,
}

impl Request {
    /// A request with this method (any case; it is upper-cased) and absolute URL. Query
    /// parameters in the URL are signed; a fragment is ignored.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            url: url.into(),
            forms: Vec::new(),
            params: Vec::new(),
        }
    }

    /// Adds an `application/x-www-form-urlencoded` body, exactly as it is sent. Its parameters
    /// are decoded and signed. Do not call this for other content types (JSON bodies are not
    /// signed by OAuth 1.0a).
    #[must_use]
    pub fn form(mut self, body: impl Into<String>) -> Self {
        self.forms.push(body.into());
        self
    }

    /// Adds one parameter to sign, given decoded (it is percent-encoded for the base string).
    /// Use it for form fields that are supplied as pairs rather than as an encoded body.
    #[must_use]
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// The method as given.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The URL as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The base string URI (RFC 5849 section 3.4.1.2): scheme and host lowercased, userinfo,
    /// query and fragment removed, the port dropped when it is the scheme's default (80 for
    /// `http`, 443 for `https`), and `/` for an empty path.
    ///
    /// # Errors
    ///
    /// [`OAuthError::InvalidUrl`] when the URL has no `scheme://`, no host, a non-numeric port
    /// or characters that cannot appear in a URL (spaces, controls, quotes, ...).
    pub fn base_string_uri(&self) -> Result<String, OAuthError> {
        Ok(parse_url(&self.url)?.base_uri)
    }

    /// The signature base string: `METHOD&enc(base string URI)&enc(normalized parameters)`,
    /// where the parameters are those of the URL query, the form bodies, [`Request::param`] and
    /// `oauth_params` (give the protocol parameters without `oauth_signature` and `realm`).
    ///
    /// # Errors
    ///
    /// [`OAuthError::InvalidMethod`] for an empty method or one that is not an HTTP token,
    /// [`OAuthError::InvalidUrl`] as for [`Request::base_string_uri`], and
    /// [`OAuthError::InvalidPercentEncoding`] for a bad escape in the query or a body.
    pub fn base_string(&self, oauth_params: &[(&str, &str)]) -> Result<String, OAuthError> {
        let method = normalize_method(&self.method)?;
        let url = parse_url(&self.url)?;

        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut push_decoded = |source: &str| -> Result<(), OAuthError> {
            for (name, value) in form_decode_bytes(source)? {
                pairs.push((percent_encode_bytes(&name), percent_encode_bytes(&value)));
            }
            Ok(())
        };
        if let Some(query) = url.query {
            push_decoded(query)?;
        }
        for body in &self.forms {
            push_decoded(body)?;
        }
        let encoded = |(name, value): (&str, &str)| {
            (
                percent_encode_bytes(name.as_bytes()),
                percent_encode_bytes(value.as_bytes()),
            )
        };
        pairs.extend(self.params.iter().map(|(n, v)| encoded((n, v))));
        pairs.extend(oauth_params.iter().map(|&(n, v)| encoded((n, v))));
        pairs.sort_unstable();

        let mut normalized = String::new();
        for (i, (name, value)) in pairs.iter().enumerate() {
            if i > 0 {
                normalized.push('&');
            }
            normalized.push_str(name);
            normalized.push('=');
            normalized.push_str(value);
        }

        let mut out = method;
        out.push('&');
        encode_into(url.base_uri.as_bytes(), &mut out);
        out.push('&');
        encode_into(normalized.as_bytes(), &mut out);
        Ok(out)
    }
}

/// Upper-cases an HTTP method and percent-encodes it (a no-op for standard methods).
fn normalize_method(method: &str) -> Result<String, OAuthError> {
    let is_tchar = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            )
    };
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(OAuthError::InvalidMethod);
    }
    Ok(percent_encode_bytes(method.to_ascii_uppercase().as_bytes()))
}

struct ParsedUrl<'a> {
    base_uri: String,
    query: Option<&'a str>,
}

/// Whether `b` may appear in a URL component without being escaped (roughly RFC 3986's
/// unreserved, sub-delims, `:`, `@`, `/`, `%` and the IPv6 brackets).
fn is_url_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'/'
                | b'%'
                | b'['
                | b']'
                | b'?'
        )
}

fn parse_url(url: &str) -> Result<ParsedUrl<'_>, OAuthError> {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    if !url.bytes().all(is_url_byte) {
        return Err(OAuthError::InvalidUrl);
    }
    let (before_query, query) = match url.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (url, None),
    };
    let (scheme, rest) = before_query
        .split_once("://")
        .ok_or(OAuthError::InvalidUrl)?;
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Err(OAuthError::InvalidUrl);
    }
    let scheme = scheme.to_ascii_lowercase();

    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_userinfo, host_port)| host_port);
    let (host, port) = if host_port.starts_with('[') {
        let end = host_port.find(']').ok_or(OAuthError::InvalidUrl)?;
        let (host, after) = host_port.split_at(end + 1);
        match after {
            "" => (host, ""),
            _ => (host, after.strip_prefix(':').ok_or(OAuthError::InvalidUrl)?),
        }
    } else {
        host_port.split_once(':').unwrap_or((host_port, ""))
    };
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(ip) => {
            !ip.is_empty()
                && ip
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        }
        None => !host.is_empty() && !host.contains(['[', ']', ':', '@']),
    };
    if !host_ok {
        return Err(OAuthError::InvalidUrl);
    }
    let port = if port.is_empty() {
        None
    } else if port.bytes().all(|b| b.is_ascii_digit()) {
        Some(port.parse::<u16>().map_err(|_| OAuthError::InvalidUrl)?)
    } else {
        return Err(OAuthError::InvalidUrl);
    };
    let port = match (scheme.as_str(), port) {
        ("http", Some(80)) | ("https", Some(443)) => None,
        (_, port) => port,
    };

    let mut base_uri = String::with_capacity(url.len());
    base_uri.push_str(&scheme);
    base_uri.push_str("://");
    base_uri.push_str(&host.to_ascii_lowercase());
    if let Some(port) = port {
        base_uri.push(':');
        base_uri.push_str(&port.to_string());
    }
    base_uri.push_str(path);
    Ok(ParsedUrl { base_uri, query })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(url: &str) -> Result<String, OAuthError> {
        Request::new("GET", url).base_string_uri()
    }

    #[test]
    fn base_string_uri_rfc_examples() {
        // RFC 5849 section 3.4.1.2.
        assert_eq!(
            uri("http://EXAMPLE.COM:80/r%20v/X?id=123").unwrap(),
            "http://example.com/r%20v/X"
        );
        assert_eq!(
            uri("https://www.example.net:8080/?q=1").unwrap(),
            "https://www.example.net:8080/"
        );
    }

    #[test]
    fn base_string_uri_normalization() {
        assert_eq!(
            uri("HTTPS://Api.X.com:443/2/Users").unwrap(),
            "https://api.x.com/2/Users"
        );
        assert_eq!(
            uri("https://api.x.com:80/a").unwrap(),
            "https://api.x.com:80/a"
        );
        assert_eq!(
            uri("http://api.x.com:443/a").unwrap(),
            "http://api.x.com:443/a"
        );
        assert_eq!(uri("https://api.x.com").unwrap(), "https://api.x.com/");
        assert_eq!(uri("https://api.x.com?x=1").unwrap(), "https://api.x.com/");
        assert_eq!(uri("https://api.x.com:/a").unwrap(), "https://api.x.com/a");
        assert_eq!(
            uri("https://api.x.com:0443/a").unwrap(),
            "https://api.x.com/a"
        );
        assert_eq!(
            uri("https://user:pw@api.x.com/a#frag").unwrap(),
            "https://api.x.com/a"
        );
        assert_eq!(uri("http://[::1]:8080/a").unwrap(), "http://[::1]:8080/a");
        assert_eq!(uri("http://[::1]/a").unwrap(), "http://[::1]/a");
        assert_eq!(uri("http://127.0.0.1:80/").unwrap(), "http://127.0.0.1/");
    }

    #[test]
    fn invalid_urls() {
        for url in [
            "",
            "api.x.com/a",
            "/relative",
            "https://",
            "https:///path",
            "https://:443/",
            "https://host:port/",
            "https://host:99999/",
            "https://ho st/",
            "https://host/a b",
            "https://host/\r\n",
            "https://[::1/",
            "https://[::1]x/",
            "1http://host/",
            "https://a:b:c/",
        ] {
            assert_eq!(uri(url), Err(OAuthError::InvalidUrl), "{url:?}");
        }
    }

    #[test]
    fn methods() {
        let req = |m: &str| Request::new(m, "https://a/").base_string(&[]);
        assert!(req("get").unwrap().starts_with("GET&"));
        assert!(req("Patch").unwrap().starts_with("PATCH&"));
        assert_eq!(req(""), Err(OAuthError::InvalidMethod));
        assert_eq!(req("GET POST"), Err(OAuthError::InvalidMethod));
        assert_eq!(req("GET\r\n"), Err(OAuthError::InvalidMethod));
        assert!(req("M!").unwrap().starts_with("M%21&"));
    }

    #[test]
    fn rfc5849_base_string() {
        // RFC 5849 section 3.4.1.1.
        let req = Request::new(
            "POST",
            "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
        )
        .form("c2&a3=2+q");
        let base = req
            .base_string(&[
                ("oauth_consumer_key", "9djdj82h48djs9d2"),
                ("oauth_token", "kkk9d7dh3k39sjv7"),
                ("oauth_signature_method", "HMAC-SHA1"),
                ("oauth_timestamp", "137131201"),
                ("oauth_nonce", "7d8f3e4a"),
            ])
            .unwrap();
        assert_eq!(
            base,
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q\
             %26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_\
             key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m\
             ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk\
             9d7dh3k39sjv7"
        );
    }

    #[test]
    fn params_sort_by_encoded_name_then_value() {
        let base = Request::new("GET", "https://a/?z=1&a=2&a=10")
            .param("a", "1")
            .param("A", "x")
            .base_string(&[])
            .unwrap();
        // Byte order: "A" < "a"; values "1" < "10" < "2".
        assert_eq!(
            base,
            "GET&https%3A%2F%2Fa%2F&A%3Dx%26a%3D1%26a%3D10%26a%3D2%26z%3D1"
        );
    }

    #[test]
    fn bad_escape_in_query_or_body() {
        assert_eq!(
            Request::new("GET", "https://a/?x=%zz").base_string(&[]),
            Err(OAuthError::InvalidPercentEncoding)
        );
        assert_eq!(
            Request::new("POST", "https://a/")
                .form("x=%")
                .base_string(&[]),
            Err(OAuthError::InvalidPercentEncoding)
        );
    }
}
