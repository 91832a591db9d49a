//! Where a link or an image leads: a web address (kept), another essay of the book (its
//! chapter), a file inside the collection (an image, packed), or nowhere safe (dropped, with a
//! message). Paths are decoded (`%2e%2e`) and checked before any file is opened.

use percent_encoding::percent_decode_str;

use super::Context;
use crate::diag::Diagnostic;
use crate::paths::{PathProblem, Root, parent_of};
use crate::weburl::{self, UrlProblem};

pub enum Target {
    External(String),
    Chapter {
        essay: String,
        fragment: Option<String>,
    },
    Drop(LinkProblem),
}

pub enum LinkProblem {
    Empty,
    Scheme(String),
    /// A web address that is not a valid URL (EPUBCheck would refuse it).
    Invalid(String),
    Path(PathProblem),
    NotInBook {
        markdown: bool,
    },
}

impl LinkProblem {
    pub fn diagnostic(&self, href: &str) -> Diagnostic {
        let (code, message, help) = match self {
            LinkProblem::Empty => (
                "empty-link",
                "a link has no target; its text is kept".to_string(),
                None,
            ),
            LinkProblem::Scheme(s) => (
                "unsafe-link",
                format!(
                    "`{s}:` links are not allowed in a book; the link to `{}` is removed",
                    shorten(href)
                ),
                None,
            ),
            LinkProblem::Invalid(why) => (
                "invalid-link",
                format!(
                    "`{}` is not a valid web address ({why}); the link is kept as plain text",
                    shorten(href)
                ),
                Some("check the address; a space or a stray `%` is often the cause"),
            ),
            LinkProblem::Path(p) => (
                "link-path",
                format!("the link to `{href}` is removed: {p}"),
                None,
            ),
            LinkProblem::NotInBook { markdown: true } => (
                "link-not-in-book",
                format!("`{href}` is not an essay of this book; the link is kept as plain text"),
                Some("add the essay to `contents` in the manifest, or link to its web address"),
            ),
            LinkProblem::NotInBook { markdown: false } => (
                "link-not-in-book",
                format!(
                    "`{href}` is a file, not an essay of this book; the link is kept as plain text"
                ),
                Some("link to a web address instead"),
            ),
        };
        let d = Diagnostic::warning(code, message);
        match help {
            Some(h) => d.help(h),
            None => d,
        }
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

/// The scheme of a URL, as a browser would read it: ASCII whitespace and control characters
/// inside it are ignored (`java\tscript:` is `javascript:`), case does not matter.
fn scheme(href: &str) -> Option<String> {
    let cleaned: String = href
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect();
    let end = cleaned.find([':', '/', '?', '#'])?;
    let candidate = &cleaned[..end];
    let ok = cleaned[end..].starts_with(':')
        && candidate.starts_with(|c: char| c.is_ascii_alphabetic())
        && candidate
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then(|| candidate.to_ascii_lowercase())
}

/// Where `href`, written in the essay `ctx.essay_rel`, leads.
pub fn resolve(ctx: &Context, href: &str) -> Target {
    let href = href.trim();
    if href.is_empty() {
        return Target::Drop(LinkProblem::Empty);
    }
    if scheme(href).is_some() || href.starts_with("//") {
        return match weburl::check(href) {
            Ok(url) => Target::External(url),
            Err(UrlProblem::Scheme(s)) => Target::Drop(LinkProblem::Scheme(s)),
            Err(UrlProblem::Invalid(why)) => Target::Drop(LinkProblem::Invalid(why)),
        };
    }
    let (path, fragment) = match href.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string()).filter(|f| !f.is_empty())),
        None => (href, None),
    };
    let path = path.split('?').next().unwrap_or("");
    if path.is_empty() {
        return match fragment {
            Some(f) => Target::Chapter {
                essay: ctx.essay_id.to_string(),
                fragment: Some(f),
            },
            None => Target::Drop(LinkProblem::Empty),
        };
    }
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let rel = match Root::normalise(parent_of(ctx.essay_rel), &decoded) {
        Ok(rel) => rel,
        Err(p) => return Target::Drop(LinkProblem::Path(p)),
    };
    match ctx.essays.get(rel.as_str()) {
        Some(id) => Target::Chapter {
            essay: id.to_string(),
            fragment,
        },
        None => {
            let lower = rel.to_ascii_lowercase();
            let markdown = [".md", ".markdown", ".mdown", ".mkd", ".txt"]
                .iter()
                .any(|e| lower.ends_with(e));
            Target::Drop(LinkProblem::NotInBook { markdown })
        }
    }
}

/// An image found inside the collection.
pub struct FoundImage {
    /// Path inside the package (`images/…`).
    pub href: String,
    pub media_type: &'static str,
    pub data: Vec<u8>,
    /// A remark worth a warning (the extension lies about the format).
    pub notes: Vec<Diagnostic>,
}

/// Finds and checks the image `src` of the essay. Remote and unsafe sources are warnings
/// (the alt text stays); a missing file or one that is no image is an error.
pub fn image(ctx: &Context, src: &str) -> Result<FoundImage, Diagnostic> {
    let src = src.trim();
    if src.is_empty() {
        return Err(Diagnostic::warning(
            "image-src",
            "an image has no source; its alt text is kept",
        ));
    }
    if let Some(s) = scheme(src).or_else(|| src.starts_with("//").then(|| "https".into())) {
        return Err(if s == "http" || s == "https" {
            Diagnostic::warning(
                "remote-image",
                format!(
                    "the remote image `{}` is not fetched; its alt text is kept",
                    shorten(src)
                ),
            )
            .help("download it into the collection folder and link to the file")
        } else {
            Diagnostic::warning(
                "unsafe-image",
                format!("`{s}:` images are not allowed in a book; the image is removed"),
            )
        });
    }
    let path = src.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let file = ctx
        .root
        .file(parent_of(ctx.essay_rel), &decoded)
        .map_err(|p| match p {
            PathProblem::NotFound => {
                Diagnostic::error("missing-image", format!("image not found: `{src}`"))
            }
            other => {
                let d = Diagnostic::error("image-path", format!("image `{src}`: {other}"));
                match other.help() {
                    Some(h) => d.help(h),
                    None => d,
                }
            }
        })?;
    let data = ctx.root.read(&file).map_err(|e| {
        Diagnostic::error("image-read", format!("cannot read the image `{src}`: {e}"))
    })?;
    let Some(media_type) = crate::media::sniff_image(&data) else {
        return Err(Diagnostic::error(
            "not-an-image",
            format!("`{src}` is not an image (JPEG, PNG, GIF, WebP or SVG)"),
        ));
    };
    let ext = crate::media::extension(media_type);
    let given = file
        .rel
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    let mut notes = Vec::new();
    if !matches!(given.as_deref(), Some(g) if g == ext || (g == "jpeg" && ext == "jpg")) {
        notes.push(Diagnostic::warning(
            "image-type",
            format!("`{src}` is really {media_type}; it is packed as such"),
        ));
    }
    let data = if media_type == "image/svg+xml" {
        let clean = super::svg::clean(&data).map_err(|reason| {
            Diagnostic::error(
                "bad-svg",
                format!("`{src}` cannot be used as an SVG image: {reason}"),
            )
        })?;
        if !clean.removed.is_empty() {
            notes.push(Diagnostic::warning(
                "svg-cleaned",
                format!(
                    "removed from `{src}`, which a book's image cannot carry: {}",
                    clean.removed.join(", ")
                ),
            ));
        }
        clean.data
    } else {
        data
    };
    Ok(FoundImage {
        href: crate::paths::package_path(&file.rel, ext),
        media_type,
        data,
        notes,
    })
}

/// The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces as hyphens.
pub fn github_slug(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_as_browsers_read_them() {
        assert_eq!(scheme("https://x.org").as_deref(), Some("https"));
        assert_eq!(
            scheme("JaVa\tScRiPt:alert(1)").as_deref(),
            Some("javascript")
        );
        assert_eq!(scheme(" javascript:x").as_deref(), Some("javascript"));
        assert_eq!(scheme("other.md#x").as_deref(), None);
        assert_eq!(scheme("dir/a:b.md").as_deref(), None);
        assert_eq!(scheme("#frag:x").as_deref(), None);
    }

    #[test]
    fn urls_are_cleaned() {
        assert_eq!(
            crate::weburl::clean("https://x.org/a b\"c"),
            "https://x.org/a%20b%22c"
        );
        assert_eq!(
            crate::weburl::clean("https://x.org/é"),
            "https://x.org/%C3%A9"
        );
    }

    #[test]
    fn github_slugs() {
        assert_eq!(
            github_slug("Self-Reliance & Other Essays"),
            "self-reliance--other-essays"
        );
        assert_eq!(github_slug("Über uns"), "über-uns");
    }
}
