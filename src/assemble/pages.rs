//! The XHTML pages: the template every page shares, and the pages the assembler writes
//! itself (cover, title page, contents, part openers).

use std::borrow::Cow;
use std::fmt::Write;

use super::outline::Outline;
use crate::book::{BookMeta, Role};
use crate::labels::Labels;
use crate::text::escape;

pub const STYLESHEET: &str = "styles/book.css";

/// Writes a whole page around `body`. `depth` is how many folders deep the page sits inside
/// the package (1 for `text/`), for the stylesheet's relative path.
pub fn page(out: &mut String, lang: &str, title: &str, body_class: &str, depth: usize, body: &str) {
    page_with(out, lang, title, body_class, depth, |out| {
        out.push_str(body);
    });
}

/// Writes a whole page whose body `body` writes straight into `out`: a long page (the
/// contents, the nav) is not made whole first and copied.
pub fn page_with<W: Write>(
    out: &mut W,
    lang: &str,
    title: &str,
    body_class: &str,
    depth: usize,
    body: impl FnOnce(&mut W),
) {
    let _ = out.write_str(&page_head(lang, title, body_class, depth));
    body(out);
    let _ = out.write_str(PAGE_TAIL);
}

/// Everything before a page's body (the body is written after it, without copying).
pub fn page_head(lang: &str, title: &str, body_class: &str, depth: usize) -> String {
    let lang = escape(lang);
    let up = "../".repeat(depth);
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE html>\n\
         <html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" lang=\"{lang}\" xml:lang=\"{lang}\">\n\
         <head>\n<title>{}</title>\n<link rel=\"stylesheet\" type=\"text/css\" href=\"{up}{STYLESHEET}\"/>\n</head>\n\
         <body class=\"{body_class}\">\n",
        escape(title)
    )
}

pub const PAGE_TAIL: &str = "\n</body>\n</html>\n";

pub fn cover(meta: &BookMeta, labels: &Labels, image_href: &str) -> String {
    let body = format!(
        "<section class=\"cover\" epub:type=\"cover\"><img src=\"../{}\" alt=\"{}\" role=\"doc-cover\"/></section>",
        escape(image_href),
        escape(&format!("{}: {}", labels.cover, meta.title))
    );
    let mut out = String::new();
    page(&mut out, &meta.language, labels.cover, "cover", 1, &body);
    out
}

pub fn title_page(meta: &BookMeta, labels: &Labels) -> String {
    let mut body = String::from(
        "<section class=\"titlepage\" epub:type=\"titlepage\" aria-labelledby=\"book-title\">",
    );
    let _ = write!(
        body,
        "<h1 id=\"book-title\" class=\"book-title\">{}</h1>",
        escape(&meta.title)
    );
    if let Some(sub) = &meta.subtitle {
        let _ = write!(
            body,
            "<p class=\"book-subtitle\" role=\"doc-subtitle\">{}</p>",
            escape(sub)
        );
    }
    // Authors first, then each other role with its phrase ("Edited by …").
    let mut roles: Vec<Role> = Vec::new();
    for c in &meta.creators {
        if !roles.contains(&c.role) {
            roles.push(c.role);
        }
    }
    roles.sort_by_key(|r| *r != Role::Author);
    for role in roles {
        let names: Vec<String> = meta
            .creators
            .iter()
            .filter(|c| c.role == role)
            .map(|c| format!("<span class=\"name\">{}</span>", escape(&c.name)))
            .collect();
        let names = labels.join_names(&names);
        match labels.role_phrase(role) {
            None => {
                let _ = write!(body, "<p class=\"creators authors\">{names}</p>");
            }
            Some(phrase) => {
                let _ = write!(
                    body,
                    "<p class=\"creators {}\">{phrase} {names}</p>",
                    role.name()
                );
            }
        }
    }
    if let Some(p) = &meta.publisher {
        let _ = write!(body, "<p class=\"publisher\">{}</p>", escape(p));
    }
    body.push_str("</section>");
    let mut out = String::new();
    page(&mut out, &meta.language, &meta.title, "titlepage", 1, &body);
    out
}

/// The contents page inside the book: parts and essays with their authors.
pub fn contents(out: &mut impl Write, meta: &BookMeta, labels: &Labels, outline: &Outline) {
    page_with(out, &meta.language, labels.contents, "contents", 1, |out| {
        let _ = write!(
            out,
            "<section class=\"contents\" aria-labelledby=\"contents-title\"><h1 id=\"contents-title\">{}</h1><ol class=\"contents\">",
            escape(labels.contents)
        );
        for node in &outline.nodes {
            if node.is_part {
                let _ = write!(
                    out,
                    "<li class=\"toc-part\"><a href=\"{}\">{}</a><ol>",
                    relative(&node.href),
                    escape(node.title)
                );
                for essay in node.children().iter() {
                    contents_entry(out, essay, meta, labels);
                }
                let _ = out.write_str("</ol></li>");
            } else {
                contents_entry(out, node, meta, labels);
            }
        }
        let _ = out.write_str("</ol></section>");
    });
}

fn contents_entry(
    out: &mut impl Write,
    essay: &super::outline::Node,
    meta: &BookMeta,
    labels: &Labels,
) {
    let _ = write!(
        out,
        "<li class=\"toc-essay\"><a href=\"{}\">{}</a>",
        relative(&essay.href),
        essay
            .title_html()
            .map_or_else(|| Cow::Owned(escape(essay.title)), Cow::Borrowed)
    );
    let names: Vec<String> = essay.authors().map(escape).collect();
    if !names.is_empty() {
        let _ = write!(
            out,
            " <span class=\"toc-author\">{}</span>",
            labels.join_names(&names)
        );
    }
    if meta.show_reading_time
        && let Some(words) = essay.words()
    {
        let _ = write!(
            out,
            " <span class=\"toc-reading\">{} {} · {} {}</span>",
            words.minutes(),
            labels.minutes,
            words.total(),
            labels.words
        );
    }
    let _ = out.write_str("</li>");
}

/// `text/x.xhtml` as seen from another page in `text/`.
fn relative(href: &str) -> &str {
    href.strip_prefix("text/").unwrap_or(href)
}

pub fn part(meta: &BookMeta, id: &str, title: &str) -> String {
    let body = format!(
        "<section class=\"part\" epub:type=\"part\" role=\"doc-part\" aria-labelledby=\"{id}\"><h1 id=\"{id}\" class=\"part-title\">{}</h1></section>",
        escape(title)
    );
    let mut out = String::new();
    page(&mut out, &meta.language, title, "part", 1, &body);
    out
}
