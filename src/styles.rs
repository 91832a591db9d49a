//! The themes in `styles/`, embedded in the binary so that a build needs nothing beside it.

#[derive(Debug)]
pub struct Theme {
    pub name: &'static str,
    pub description: &'static str,
    pub css: &'static str,
}

pub const DEFAULT: &str = "classic";

pub const THEMES: &[Theme] = &[Theme {
    name: "classic",
    description: "a serif book page: indented paragraphs, small caps bylines, quiet notes",
    css: include_str!("../styles/classic.css"),
}];

pub fn find(name: &str) -> Option<&'static Theme> {
    let name = name.trim().to_ascii_lowercase();
    let name = if name == "default" {
        DEFAULT
    } else {
        name.as_str()
    };
    THEMES.iter().find(|t| t.name == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    THEMES.iter().map(|t| t.name)
}

/// Removes `@import` rules and replaces `url(…)` values by `none` in a user's style sheet:
/// a book's CSS must not reach for files outside the book. Returns the count removed.
pub fn without_external_references(css: &str) -> (String, usize) {
    let mut out = String::with_capacity(css.len());
    let mut removed = 0;
    let mut rest = css;
    loop {
        let lower = rest.to_ascii_lowercase();
        let next_import = lower.find("@import");
        let next_url = lower.find("url(");
        let (at, is_import) = match (next_import, next_url) {
            (Some(i), Some(u)) if i <= u => (i, true),
            (Some(i), None) => (i, true),
            (_, Some(u)) => (u, false),
            (None, None) => break,
        };
        out.push_str(&rest[..at]);
        removed += 1;
        if is_import {
            let end = rest[at..].find(';').map_or(rest.len(), |e| at + e + 1);
            rest = &rest[end..];
        } else {
            let end = rest[at..].find(')').map_or(rest.len(), |e| at + e + 1);
            out.push_str("none");
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    (out, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_references_go() {
        let (css, n) = without_external_references(
            "@import 'x.css';\np { background: URL(http://e.vil/x.png) no-repeat; }",
        );
        assert_eq!(n, 2);
        assert_eq!(css, "\np { background: none no-repeat; }");
    }

    #[test]
    fn themes_are_found() {
        assert!(find("classic").is_some());
        assert!(find("Default").is_some());
        assert!(find("nope").is_none());
    }
}
