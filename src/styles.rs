//! The book's style sheet, made of a theme ([`crate::themes`]) or the user's file, the embedded fonts'
//! `@font-face` rules and the user's `extra-css`; the user's files are cleaned by [`css`],
//! with a warning at the place of each removal and of what e-readers choke on.

use crate::book::Resource;
use crate::css;
use crate::diag::{Diagnostic, SourceFile};
use crate::manifest::{Collection, Style};
use crate::paths::{InnerPath, Root};

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

/// How many of a file's removals, and of its reader troubles, get a warning at their place;
/// past that, one warning counts the rest (a generated file can hold thousands).
const SHOWN: usize = 10;

/// A style sheet of the user's: read, cleaned of references to outside files (`css::clean`),
/// and checked for what e-readers are known to choke on, each a warning at its place.
fn user_file(root: &Root, file: &InnerPath, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let display = &root.shown(&file.rel);
    let text = root
        .read(file)
        .map_err(|e| {
            Diagnostic::error("style", format!("cannot read the style sheet: {e}")).in_file(display)
        })
        .and_then(|bytes| crate::manifest::decode(bytes, display));
    let source = match text {
        Ok(t) => SourceFile::new(display, t),
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let cleaned = css::clean(&source.text, css::Use::Book);
    // What is removed troubles no reader.
    let removed = |at: usize| {
        let i = cleaned.removed.partition_point(|r| r.at.start <= at);
        i > 0 && cleaned.removed[i - 1].at.contains(&at)
    };
    let troubles: Vec<_> = css::reader_troubles(&source.text)
        .into_iter()
        .filter(|t| !removed(t.at.start))
        .collect();
    for trouble in troubles.iter().take(SHOWN) {
        diags.push(
            Diagnostic::warning("style-compat", format!("{} is known to break some e-readers", trouble.what))
                .at(source.location(trouble.at.clone()))
                .help("Kindle and Kobo lay such pages out badly or not at all: use plain blocks and relative sizes"),
        );
    }
    if troubles.len() > SHOWN {
        diags.push(
            Diagnostic::warning(
                "style-compat",
                format!(
                    "{} more places use what is known to break some e-readers",
                    troubles.len() - SHOWN
                ),
            )
            .in_file(display),
        );
    }
    const HELP: &str =
        "a book's style sheet cannot load other files; embed fonts with `fonts:` in the manifest";
    for removal in cleaned.removed.iter().take(SHOWN) {
        diags.push(
            Diagnostic::warning(
                "style-url",
                format!("{} removed from the style sheet", removal.what),
            )
            .at(source.location(removal.at.clone()))
            .help(HELP),
        );
    }
    if cleaned.removed.len() > SHOWN {
        diags.push(
            Diagnostic::warning(
                "style-url",
                format!(
                    "{} more `url()`/`@import` reference(s) removed from the style sheet",
                    cleaned.removed.len() - SHOWN
                ),
            )
            .in_file(display)
            .help(HELP),
        );
    }
    Some(cleaned.css)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_references_go() {
        let cleaned = css::clean(
            "@import 'x.css';\np { background: URL(http://e.vil/x.png) no-repeat; }",
            css::Use::Book,
        );
        assert_eq!(cleaned.removed.len(), 2);
        assert_eq!(cleaned.css, "\np { background: none no-repeat; }");
    }

    #[test]
    fn troubles_are_found_outside_comments() {
        let css = "p { display: flex; }\n/* position: fixed */\nh1 {\n  -webkit-hyphens: auto;\n}\n\
                   p::after { content: \"position: fixed\"; position :\n fixed }\n";
        let source = SourceFile::new("x.css", css.to_string());
        let found: Vec<_> = css::reader_troubles(css)
            .into_iter()
            .map(|t| (source.line_col(t.at.start), t.what))
            .collect();
        assert_eq!(
            found,
            vec![
                ((1, 5), "`display: flex`"),
                ((4, 3), "a `-webkit-` property"),
                ((6, 40), "`position: fixed`")
            ]
        );
    }

    /// Every theme is made for e-ink readers and phones: nothing readers choke on, sizes
    /// relative to the reader's own.
    #[test]
    fn themes_are_safe_for_every_reader() {
        assert!(crate::themes::THEMES.len() >= 3);
        for theme in crate::themes::THEMES {
            assert!(
                css::reader_troubles(theme.css).is_empty(),
                "{}: {:?}",
                theme.name,
                css::reader_troubles(theme.css)
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
            // Written back as it is: the cleaner keeps the text of every token it keeps.
            let cleaned = css::clean(theme.css, css::Use::Book);
            assert!(cleaned.removed.is_empty(), "{}", theme.name);
            assert_eq!(cleaned.css, theme.css, "{}", theme.name);
        }
    }
}
