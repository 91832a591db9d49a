//! Web addresses a book may carry. Every `href` and `src` that leaves the book is checked here
//! by the WHATWG URL standard (the `url` crate parses as browsers do) and must parse without a
//! single validation error, the stricter reading that EPUBCheck applies (`https:evil.example`
//! parses in a browser, yet EPUBCheck reports it, RSC-020). What passes is written as given,
//! with the characters a URL may not hold percent-encoded.

use std::cell::Cell;

/// Schemes a book may link to. Everything else (`javascript:`, `data:`, `file:`…) is refused.
pub const LINK_SCHEMES: &[&str] = &["http", "https", "mailto", "ftp", "tel"];

/// Why an address is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlProblem {
    /// A scheme a book may not carry (lower-cased).
    Scheme(String),
    /// Not a valid URL: what is wrong with it.
    Invalid(String),
}

impl std::fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UrlProblem::Scheme(s) => write!(f, "`{s}:` addresses are not allowed in a book"),
            UrlProblem::Invalid(why) => write!(f, "it is not a valid web address ({why})"),
        }
    }
}

/// The address to write for `href`, an absolute URL with one of [`LINK_SCHEMES`]
/// (`//host/…` counts as `https://host/…`), or why it cannot be kept.
pub fn check(href: &str) -> Result<String, UrlProblem> {
    let cleaned = clean(href);
    let cleaned = if cleaned.starts_with("//") {
        format!("https:{cleaned}")
    } else {
        cleaned
    };
    let cleaned = brackets_encoded(&cleaned);
    let violation = Cell::new(None);
    let parsed = url::Url::options()
        .syntax_violation_callback(Some(&|v| {
            if violation.get().is_none() {
                violation.set(Some(v));
            }
        }))
        .parse(&cleaned);
    let url = parsed.map_err(|e| UrlProblem::Invalid(e.to_string()))?;
    if !LINK_SCHEMES.contains(&url.scheme()) {
        return Err(UrlProblem::Scheme(url.scheme().to_string()));
    }
    if let Some(v) = violation.get() {
        return Err(UrlProblem::Invalid(v.description().to_string()));
    }
    let empty = match url.scheme() {
        "mailto" | "tel" => url.path().is_empty(),
        _ => url.host_str().is_none_or(str::is_empty),
    };
    if empty {
        return Err(UrlProblem::Invalid("it names no address".into()));
    }
    Ok(cleaned)
}

/// `[` and `]` percent-encoded after the host (where browsers take them as they are, but a
/// valid URL has them encoded); in the host they enclose an IPv6 address and stay.
fn brackets_encoded(url: &str) -> String {
    let after_host = url.find("://").map_or(0, |i| {
        i + 3
            + url[i + 3..]
                .find(['/', '?', '#'])
                .unwrap_or(url.len() - i - 3)
    });
    let (head, tail) = url.split_at(after_host);
    if !tail.contains(['[', ']']) {
        return url.to_string();
    }
    format!("{head}{}", tail.replace('[', "%5B").replace(']', "%5D"))
}

/// Percent-encodes what may not appear in a URL (spaces, quotes, non-ASCII) and drops control
/// characters, as a browser does before it reads an address.
pub fn clean(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.trim().chars() {
        if c.is_ascii_graphic()
            && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
        {
            out.push(c);
        } else if !c.is_control() {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_addresses_are_kept_as_written() {
        for ok in [
            "https://example.com",
            "http://example.com/a/b?c=d#e",
            "HTTPS://Example.COM/Path",
            "mailto:someone@example.com",
            "tel:+44-20-7946-0000",
            "ftp://ftp.example.org/pub/file.txt",
            "https://例え.jp/パス",
            "https://[::1]:8080/",
        ] {
            assert!(check(ok).is_ok(), "{ok}: {:?}", check(ok));
        }
        assert_eq!(check("//example.com/x").unwrap(), "https://example.com/x");
        assert_eq!(
            check("https://example.com/a b").unwrap(),
            "https://example.com/a%20b"
        );
        assert_eq!(
            check("https://example.com/?search=](uri)").unwrap(),
            "https://example.com/?search=%5D(uri)"
        );
        assert_eq!(
            check("https://example.com/\\[\\").unwrap(),
            "https://example.com/%5C%5B%5C"
        );
    }

    #[test]
    fn what_epubcheck_refuses_is_refused() {
        for bad in [
            "https:evil.example",
            "http://",
            "https://[::1",
            "https://example.com:99999/",
            "https://exa%mple.com/",
            "http://%20http://example.com/",
            "https://",
            "mailto:",
            "http:/example.com",
        ] {
            assert!(
                matches!(check(bad), Err(UrlProblem::Invalid(_))),
                "{bad}: {:?}",
                check(bad)
            );
        }
    }

    #[test]
    fn other_schemes_are_refused() {
        assert_eq!(
            check("javascript:alert(1)"),
            Err(UrlProblem::Scheme("javascript".into()))
        );
        assert_eq!(
            check("data:text/html,x"),
            Err(UrlProblem::Scheme("data".into()))
        );
    }
}
