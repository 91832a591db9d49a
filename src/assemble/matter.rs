//! The front and back matter the book makes of its manifest and its essays: a dedication and
//! an epigraph after the title page; after the last essay, the sources of the essays, a page
//! about the contributors and a colophon. Each only when the manifest asks for it. Also where
//! the body starts, and the landmarks that lead to all of these.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::outline::part_id;
use super::pages::page;
use crate::book::{
    BookMeta, Contributor, Entry, Epigraph, EssayKind, Place, Summary, chapter_href,
};
use crate::labels::Labels;
use crate::text::escape;

/// A page the book makes itself.
pub struct Generated<'l> {
    /// The manifest id and the file's name (`text/{id}.xhtml`).
    pub id: &'static str,
    pub xhtml: String,
    /// Its `epub:type`, for the landmarks.
    pub kind: &'static str,
    pub label: &'l str,
    /// Whether the table of contents lists it (the pages after the essays do).
    pub in_toc: bool,
}

impl Generated<'_> {
    pub fn href(&self) -> String {
        chapter_href(self.id)
    }
}

/// The dedication and the epigraph, in that order: they follow the title page.
pub fn front<'l>(meta: &BookMeta, labels: &'l Labels) -> Vec<Generated<'l>> {
    let mut pages = Vec::new();
    if let Some(d) = &meta.matter.dedication {
        let mut body = format!(
            "<section class=\"dedication\" epub:type=\"dedication\" role=\"doc-dedication\" aria-label=\"{}\">",
            escape(labels.dedication)
        );
        paragraphs(&mut body, &d.html, None);
        body.push_str("</section>");
        pages.push(generated(
            meta,
            "dedication",
            "dedication",
            labels.dedication,
            false,
            &body,
        ));
    }
    if let Some(e) = &meta.matter.epigraph {
        let body = format!(
            "<section class=\"epigraph-page\" epub:type=\"epigraph\" role=\"doc-epigraph\" aria-label=\"{}\">{}</section>",
            escape(labels.epigraph),
            quotation(e)
        );
        pages.push(generated(
            meta,
            "epigraph",
            "epigraph",
            labels.epigraph,
            false,
            &body,
        ));
    }
    pages
}

/// Sources, contributors and colophon, in that order: they follow the last essay.
pub fn back<'l>(meta: &BookMeta, labels: &'l Labels, chapters: &[Summary]) -> Vec<Generated<'l>> {
    let mut pages = Vec::new();
    if let Some(words) = &meta.matter.sources {
        let body = sources(labels, chapters, words.as_ref().map(|w| w.html.as_str()));
        pages.push(generated(
            meta,
            "sources",
            "acknowledgments",
            labels.sources,
            true,
            &body,
        ));
    }
    if let Some(described) = &meta.matter.contributors {
        let body = contributors(meta, labels, chapters, described);
        pages.push(generated(
            meta,
            "contributors",
            "contributors",
            labels.contributors,
            true,
            &body,
        ));
    }
    if let Some(note) = &meta.matter.colophon {
        let body = colophon(meta, labels, note.as_ref().map(|n| n.html.as_str()));
        pages.push(generated(
            meta,
            "colophon",
            "colophon",
            labels.colophon,
            true,
            &body,
        ));
    }
    pages
}

fn generated<'l>(
    meta: &BookMeta,
    id: &'static str,
    kind: &'static str,
    label: &'l str,
    in_toc: bool,
    body: &str,
) -> Generated<'l> {
    let mut xhtml = String::new();
    page(&mut xhtml, &meta.language, label, id, 1, body);
    Generated {
        id,
        xhtml,
        kind,
        label,
        in_toc,
    }
}

/// Paragraphs from XHTML with blank lines between them; a line break stays one.
fn paragraphs(out: &mut String, html: &str, class: Option<&str>) {
    for para in html.split("\n\n").filter(|p| !p.trim().is_empty()) {
        match class {
            Some(c) => {
                let _ = write!(out, "<p class=\"{c}\">");
            }
            None => out.push_str("<p>"),
        }
        out.push_str(&para.trim().replace('\n', "<br/>"));
        out.push_str("</p>");
    }
}

fn quotation(e: &Epigraph) -> String {
    let mut s = String::from("<blockquote class=\"epigraph\">");
    paragraphs(&mut s, &e.text.html, None);
    if let Some(cite) = &e.cite {
        let _ = write!(
            s,
            "<p class=\"epigraph-cite\"><cite>{}</cite></p>",
            cite.html
        );
    }
    s.push_str("</blockquote>");
    s
}

/// "First published in …, 2019. © …": for each essay with a source or rights, in reading order.
fn sources(labels: &Labels, chapters: &[Summary], opening: Option<&str>) -> String {
    let mut body = format!(
        "<section class=\"sources\" epub:type=\"acknowledgments\" role=\"doc-acknowledgments\" aria-labelledby=\"sources-title\"><h1 id=\"sources-title\">{}</h1>",
        escape(labels.sources)
    );
    if let Some(words) = opening {
        paragraphs(&mut body, words, Some("sources-note"));
    }
    for c in chapters
        .iter()
        .filter(|c| c.source().is_some() || c.rights().is_some())
    {
        let _ = write!(
            body,
            "<p class=\"source\"><a class=\"source-title\" href=\"{}.xhtml\">{}</a>",
            c.id,
            c.title_html()
        );
        let names: Vec<String> = c.authors().map(escape).collect();
        if !names.is_empty() {
            let _ = write!(
                body,
                ", <span class=\"source-author\">{}</span>",
                labels.join_names(&names)
            );
        }
        body.push_str(". ");
        if let Some(source) = c.source() {
            let mut s = source.trim().to_string();
            // A date the source does not already give is added to it.
            if let Some(year) = c.date().and_then(|d| d.get(..4))
                && !s.contains(year)
            {
                let _ = write!(s, ", {year}");
            }
            body.push_str(&sentence(&s));
        }
        if let Some(rights) = c.rights() {
            if c.source().is_some() {
                body.push(' ');
            }
            body.push_str(&sentence(rights.trim()));
        }
        body.push_str("</p>");
    }
    body.push_str("</section>");
    body
}

/// Ends a sentence with a full stop unless it already ends with punctuation.
fn sentence(s: &str) -> String {
    // The last character of text, outside tags.
    let mut last = None;
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag && !c.is_whitespace() => last = Some(c),
            _ => {}
        }
    }
    if matches!(last, Some('.' | '!' | '?' | '…')) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// Everyone who wrote an essay, and everyone the manifest describes, in the order of their
/// sort names ("Merrow, Tobias"), each with their bio, site and essays.
fn contributors(
    meta: &BookMeta,
    labels: &Labels,
    chapters: &[Summary],
    described: &[Contributor],
) -> String {
    // Name → essays, in reading order.
    let mut people: Vec<(String, Vec<&Summary>)> = Vec::new();
    for c in chapters {
        for a in c.authors() {
            match people.iter_mut().find(|(n, _)| n == a) {
                Some((_, essays)) => essays.push(c),
                None => people.push((a.to_string(), vec![c])),
            }
        }
    }
    for d in described {
        if !people.iter().any(|(n, _)| *n == d.name) {
            people.push((d.name.clone(), Vec::new()));
        }
    }
    let file_as = |name: &str| -> String {
        described
            .iter()
            .find(|d| d.name == name)
            .and_then(|d| d.file_as.clone())
            .or_else(|| {
                meta.creators
                    .iter()
                    .find(|c| c.name == name)
                    .and_then(|c| c.file_as.clone())
            })
            .unwrap_or_else(|| sort_name(name))
    };
    let mut keyed: Vec<(String, String, Vec<&Summary>)> = people
        .into_iter()
        .map(|(name, essays)| {
            let key = deunicode::deunicode(&file_as(&name)).to_lowercase();
            (key, name, essays)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));

    let mut body = format!(
        "<section class=\"contributors\" epub:type=\"contributors\" aria-labelledby=\"contributors-title\"><h1 id=\"contributors-title\">{}</h1>",
        escape(labels.contributors)
    );
    for (n, (_, name, essays)) in keyed.iter().enumerate() {
        let id = format!("contributor-{}", n + 1);
        let _ = write!(
            body,
            "<section class=\"contributor\" aria-labelledby=\"{id}\"><h2 id=\"{id}\" class=\"contributor-name\">{}</h2>",
            escape(name)
        );
        let d = described.iter().find(|d| d.name == *name);
        if let Some(bio) = d.and_then(|d| d.bio.as_ref()) {
            paragraphs(&mut body, &bio.html, Some("bio"));
        }
        if let Some(url) = d.and_then(|d| d.url.as_ref()) {
            let shown = url
                .split_once("://")
                .map_or(url.as_str(), |(_, rest)| rest)
                .trim_end_matches('/');
            let _ = write!(
                body,
                "<p class=\"contributor-site\"><a href=\"{}\">{}</a></p>",
                escape(url),
                escape(shown)
            );
        }
        if !essays.is_empty() {
            let _ = write!(
                body,
                "<p class=\"in-this-book\">{}</p><ul class=\"contributor-essays\">",
                escape(labels.in_this_book)
            );
            for c in essays {
                let _ = write!(
                    body,
                    "<li><a href=\"{}.xhtml\">{}</a></li>",
                    c.id,
                    c.title_html()
                );
            }
            body.push_str("</ul>");
        }
        body.push_str("</section>");
    }
    body.push_str("</section>");
    body
}

/// "Tobias Merrow" → "Merrow, Tobias": the last word first (good enough to sort by; the
/// manifest's `file-as` says better where it matters).
fn sort_name(name: &str) -> String {
    match name.trim().rsplit_once(' ') {
        Some((first, last)) => format!("{last}, {first}"),
        None => name.trim().to_string(),
    }
}

/// The copyright page: title, creators, rights, publisher and date, identifiers, series,
/// the manifest's note, and what made the book.
fn colophon(meta: &BookMeta, labels: &Labels, note: Option<&str>) -> String {
    let mut body = format!(
        "<section class=\"colophon\" epub:type=\"colophon\" role=\"doc-colophon\" aria-labelledby=\"colophon-title\"><h1 id=\"colophon-title\">{}</h1>",
        escape(labels.colophon)
    );
    let _ = write!(
        body,
        "<p class=\"colophon-book\"><i>{}</i>",
        escape(&meta.title)
    );
    if let Some(sub) = &meta.subtitle {
        let _ = write!(body, ": {}", escape(sub));
    }
    body.push_str("</p>");
    for c in &meta.creators {
        let name = format!("<span class=\"name\">{}</span>", escape(&c.name));
        match labels.role_phrase(c.role) {
            None => {
                let _ = write!(body, "<p>{name}</p>");
            }
            Some(phrase) => {
                let _ = write!(body, "<p>{phrase} {name}</p>");
            }
        }
    }
    if let Some(rights) = &meta.rights {
        let _ = write!(body, "<p class=\"rights\">{}</p>", escape(rights));
    }
    match (&meta.publisher, &meta.date) {
        (Some(p), Some(d)) => {
            let _ = write!(
                body,
                "<p>{} {}, {}.</p>",
                labels.published_by,
                escape(p),
                escape(d.get(..4).unwrap_or(d))
            );
        }
        (Some(p), None) => {
            let _ = write!(body, "<p>{} {}.</p>", labels.published_by, escape(p));
        }
        (None, Some(d)) => {
            let _ = write!(body, "<p>{}</p>", escape(d.get(..4).unwrap_or(d)));
        }
        (None, None) => {}
    }
    if let Some(series) = &meta.series {
        let _ = write!(body, "<p>{}", escape(&series.name));
        if let Some(p) = &series.position {
            let _ = write!(body, " · {}", escape(p));
        }
        body.push_str("</p>");
    }
    if let Some(isbn) = &meta.isbn {
        let _ = write!(body, "<p class=\"identifier\">ISBN {}</p>", escape(isbn));
    }
    if meta.isbn.is_none() || !meta.identifier.starts_with("urn:isbn:") {
        let _ = write!(
            body,
            "<p class=\"identifier\">{}</p>",
            escape(&meta.identifier)
        );
    }
    if let Some(n) = note {
        paragraphs(&mut body, n, Some("colophon-note"));
    }
    let _ = write!(
        body,
        "<p class=\"made-with\">{}</p></section>",
        escape(labels.made_with)
    );
    body
}

/// Where the body of the book starts: its first part, or its first essay that is not front
/// matter.
pub fn body_start(contents: &[Entry], by_id: &HashMap<&str, &Summary>) -> Option<String> {
    for entry in contents {
        match entry {
            Entry::Part { .. } => return Some(chapter_href(&part_id(1))),
            Entry::Essay(id) => {
                let place = by_id
                    .get(id.as_str())
                    .map_or(Place::Body, |c| c.kind.place());
                if place != Place::Front {
                    return Some(chapter_href(id));
                }
            }
        }
    }
    None
}

/// The essays that are front or back matter, with their kind, in reading order.
pub fn essay_landmarks<'c>(
    contents: &[Entry],
    by_id: &HashMap<&str, &'c Summary>,
) -> Vec<(EssayKind, &'c Summary)> {
    contents
        .iter()
        .filter_map(|e| match e {
            Entry::Essay(id) => by_id.get(id.as_str()).copied(),
            Entry::Part { .. } => None,
        })
        .filter(|c| c.kind != EssayKind::Chapter)
        .map(|c| (c.kind, c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_end_once() {
        assert_eq!(
            sentence("First published in <i>X</i>"),
            "First published in <i>X</i>."
        );
        assert_eq!(
            sentence("Reprinted by permission."),
            "Reprinted by permission."
        );
        assert_eq!(sentence("<i>Why?</i>"), "<i>Why?</i>");
    }

    #[test]
    fn sort_names() {
        assert_eq!(sort_name("Tobias Merrow"), "Merrow, Tobias");
        assert_eq!(sort_name("Plato"), "Plato");
    }
}
