//! URL parsing for the JS `URL` class: the `url` crate implements the WHATWG
//! URL Standard's parser, so the binding only maps its components.
#![forbid(unsafe_code)]

use url::Url;

fn components(u: &Url) -> Vec<String> {
    let origin = match u.scheme() {
        // blob: URLs take the origin of the URL in their path.
        "blob" => {
            Url::parse(u.path()).map_or("null".to_string(), |i| i.origin().ascii_serialization())
        }
        _ => u.origin().ascii_serialization(),
    };
    vec![
        u.as_str().to_string(),
        origin,
        format!("{}:", u.scheme()),
        u.username().to_string(),
        u.password().unwrap_or("").to_string(),
        match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => String::new(),
        },
        u.host_str().unwrap_or("").to_string(),
        u.port().map(|p| p.to_string()).unwrap_or_default(),
        u.path().to_string(),
        match u.query() {
            Some(q) if !q.is_empty() => format!("?{q}"),
            _ => String::new(),
        },
        match u.fragment() {
            Some(f) if !f.is_empty() => format!("#{f}"),
            _ => String::new(),
        },
    ]
}

/// The basic URL parser (URL Standard `#concept-basic-url-parser`):
/// `[href, origin, protocol, username, password, host, hostname, port,
/// pathname, search, hash]`, or `None` for failure.
pub(crate) fn parse(input: &str, base: Option<&str>) -> Option<Vec<String>> {
    let u = match base {
        Some(b) => Url::parse(b).ok()?.join(input).ok()?,
        None => Url::parse(input).ok()?,
    };
    Some(components(&u))
}

/// A URL setter (`url.search = …` and friends) applied to `href`.
pub(crate) fn set(href: &str, part: &str, value: &str) -> Option<Vec<String>> {
    let mut u = Url::parse(href).ok()?;
    match part {
        "href" => u = Url::parse(value).ok()?,
        "protocol" => {
            let _ = u.set_scheme(value.trim_end_matches(':'));
        }
        "username" => {
            let _ = u.set_username(value);
        }
        "password" => {
            let _ = u.set_password(Some(value).filter(|v| !v.is_empty()));
        }
        "host" => {
            let _ = url::quirks::set_host(&mut u, value);
        }
        "hostname" => {
            let _ = url::quirks::set_hostname(&mut u, value);
        }
        "port" => {
            let _ = url::quirks::set_port(&mut u, value);
        }
        "pathname" => url::quirks::set_pathname(&mut u, value),
        "search" => url::quirks::set_search(&mut u, value),
        "hash" => url::quirks::set_hash(&mut u, value),
        _ => return None,
    }
    Some(components(&u))
}

#[cfg(test)]
mod tests {
    #[test]
    fn relative_and_components() {
        let c = super::parse("../b/c.js?x=1#h", Some("file:///root/a/main.js")).unwrap();
        assert_eq!(c[0], "file:///root/b/c.js?x=1#h");
        assert_eq!(c[8], "/root/b/c.js");
        assert_eq!(c[9], "?x=1");
        assert_eq!(c[10], "#h");
        let c = super::parse("https://EXAMPLE.com:443/p", None).unwrap();
        assert_eq!(
            (c[0].as_str(), c[1].as_str(), c[7].as_str()),
            ("https://example.com/p", "https://example.com", "")
        );
        assert!(super::parse("nope", None).is_none());
    }
}
