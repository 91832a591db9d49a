//! The themes in `styles/`, embedded in the binary so that a build needs nothing beside it,
//! and the book's style sheet made of a theme (or the user's file), the embedded fonts'
//! `@font-face` rules and the user's `extra-css`.

use crate::book::Resource;
use crate::diag::{Diagnostic, location_in};
use crate::manifest::{Collection, Style};
use crate::paths::{InnerPath, Root};

#[derive(Debug)]
pub struct Theme {
    pub name: &'static str,
    pub description: &'static str,
    pub css: &'static str,
}

pub const DEFAULT: &str = "classic";

pub const THEMES: &[Theme] = &[
    Theme {
        name: "classic",
        description: "a serif book page: indented paragraphs, small caps bylines, quiet notes",
        css: include_str!("../styles/classic.css"),
    },
    Theme {
        name: "modern",
        description: "a sans-serif page: spaced paragraphs, ragged right, bold headings",
        css: include_str!("../styles/modern.css"),
    },
    Theme {
        name: "large-print",
        description: "high contrast and large type: bigger text and spacing, no italics, underlined links",
        css: include_str!("../styles/large-print.css"),
    },
];

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

/// The book's style sheet and the font files it uses. Problems (an unreadable file) go to
/// `diags`; `None` then.
pub fn stylesheet(
    collection: &Collection,
    diags: &mut Vec<Diagnostic>,
) -> Option<(String, Vec<Resource>)> {
    let mut css = match &collection.style {
        Style::Theme(theme) => theme.css.to_string(),
        Style::File(file) => user_file(&collection.root, file, diags)?,
    };
    let (fonts, font_css) = crate::fonts::package(&collection.fonts);
    if !font_css.is_empty() {
        css.push_str("\n/* ---- Embedded fonts (`fonts:` in the manifest). ---- */\n\n");
        css.push_str(&font_css);
    }
    if let Some(extra) = &collection.extra_css {
        let text = user_file(&collection.root, extra, diags)?;
        css.push_str("\n/* ---- `extra-css` from the manifest. ---- */\n\n");
        css.push_str(&text);
    }
    Some((css, fonts))
}

/// A style sheet of the user's: read, cleaned of references to outside files, and checked
/// for what e-readers are known to choke on (each a warning at its line).
fn user_file(root: &Root, file: &InnerPath, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let display = &root.shown(&file.rel);
    let text = root
        .read(file)
        .map_err(|e| {
            Diagnostic::error("style", format!("cannot read the style sheet: {e}")).in_file(display)
        })
        .and_then(|bytes| crate::manifest::decode(bytes, display));
    let text = match text {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    for (line, col, width, what) in reader_troubles(&text) {
        diags.push(
            Diagnostic::warning("style-compat", format!("{what} is known to break some e-readers"))
                .at(location_in(display, &text, line, col, width))
                .help("Kindle and Kobo lay such pages out badly or not at all: use plain blocks and relative sizes"),
        );
    }
    let (css, removed) = without_external_references(&text);
    if removed > 0 {
        diags.push(
            Diagnostic::warning(
                "style-url",
                format!("{removed} `url()`/`@import` reference(s) removed from the style sheet"),
            )
            .in_file(display)
            .help("a book's style sheet cannot load other files; embed fonts with `fonts:` in the manifest"),
        );
    }
    Some(css)
}

/// What e-readers are known to choke on, with where: `display: flex` and `grid`, fixed
/// positioning, `text-rendering`, `-webkit-` prefixes. (line, column, width, what)
pub fn reader_troubles(css: &str) -> Vec<(usize, usize, usize, &'static str)> {
    const TROUBLES: &[(&str, &str)] = &[
        ("display: flex", "`display: flex`"),
        ("display:flex", "`display: flex`"),
        ("display: inline-flex", "`display: inline-flex`"),
        ("display: grid", "`display: grid`"),
        ("display:grid", "`display: grid`"),
        ("position: fixed", "`position: fixed`"),
        ("position:fixed", "`position: fixed`"),
        ("text-rendering", "`text-rendering`"),
        ("-webkit-", "a `-webkit-` property"),
    ];
    let mut found = Vec::new();
    let mut in_comment = false;
    for (n, line) in css.lines().enumerate() {
        // Comments say nothing to a reader; what they mention is no trouble.
        let mut code = String::with_capacity(line.len());
        let mut rest = line;
        while !rest.is_empty() {
            if in_comment {
                match rest.find("*/") {
                    Some(i) => {
                        code.push_str(&" ".repeat(rest[..i + 2].chars().count()));
                        rest = &rest[i + 2..];
                        in_comment = false;
                    }
                    None => rest = "",
                }
            } else {
                match rest.find("/*") {
                    Some(i) => {
                        code.push_str(&rest[..i]);
                        code.push_str("  ");
                        rest = &rest[i + 2..];
                        in_comment = true;
                    }
                    None => {
                        code.push_str(rest);
                        rest = "";
                    }
                }
            }
        }
        let lower = code.to_ascii_lowercase();
        for (needle, what) in TROUBLES {
            if let Some(at) = lower.find(needle) {
                let col = lower[..at].chars().count() + 1;
                found.push((n + 1, col, needle.chars().count(), *what));
            }
        }
    }
    found
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
    fn troubles_are_found_outside_comments() {
        let css =
            "p { display: flex; }\n/* position: fixed */\nh1 {\n  -webkit-hyphens: auto;\n}\n";
        let found = reader_troubles(css);
        assert_eq!(
            found.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
            vec![(1, 5), (4, 3)]
        );
    }

    /// Every theme is made for e-ink readers and phones: nothing readers choke on, sizes
    /// relative to the reader's own.
    #[test]
    fn themes_are_safe_for_every_reader() {
        assert!(THEMES.len() >= 3);
        for theme in THEMES {
            assert!(
                reader_troubles(theme.css).is_empty(),
                "{}: {:?}",
                theme.name,
                reader_troubles(theme.css)
            );
            for line in theme
                .css
                .lines()
                .filter(|l| !l.trim_start().starts_with('*'))
            {
                let l = line.split("/*").next().unwrap_or("");
                if !l.contains("border") {
                    assert!(
                        !l.contains("px"),
                        "{}: absolute size in `{line}`",
                        theme.name
                    );
                }
                assert!(
                    !l.contains("pt;"),
                    "{}: absolute size in `{line}`",
                    theme.name
                );
            }
            assert_eq!(
                without_external_references(theme.css).1,
                0,
                "{}",
                theme.name
            );
        }
    }

    #[test]
    fn themes_are_found() {
        assert!(find("classic").is_some());
        assert!(find("modern").is_some());
        assert!(find("Large-Print").is_some());
        assert!(find("Default").is_some());
        assert!(find("nope").is_none());
    }
}
