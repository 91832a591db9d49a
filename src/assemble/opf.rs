//! The package document (`content.opf`): metadata, manifest, spine and guide.

use std::fmt::Write as _;

use crate::book::{BookMeta, Role};
use crate::text::escape;

/// One file of the package.
pub struct Item {
    pub id: String,
    pub href: String,
    pub media_type: &'static str,
    pub properties: Option<&'static str>,
}

/// A `<guide>` reference (EPUB 2; Kindle still reads it).
pub struct GuideRef<'a> {
    pub kind: &'static str,
    pub title: &'a str,
    pub href: &'a str,
}

/// Someone named in the metadata, with every role they had in the book.
pub struct Person {
    pub name: String,
    pub roles: Vec<Role>,
    pub file_as: Option<String>,
    /// A `dc:creator` (the book's authors and editors) rather than a `dc:contributor`.
    pub creator: bool,
}

pub fn package(
    meta: &BookMeta,
    people: &[Person],
    items: &[Item],
    spine: &[&str],
    guide: &[GuideRef],
) -> String {
    let mut o = String::with_capacity(4096);
    let lang = escape(&meta.language);
    let _ = write!(
        o,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" unique-identifier=\"pub-id\" xml:lang=\"{lang}\">\n\
         <metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
    );
    let _ = writeln!(
        o,
        "<dc:identifier id=\"pub-id\">{}</dc:identifier>",
        escape(&meta.identifier)
    );
    if meta.identifier.starts_with("urn:isbn:") {
        o.push_str("<meta refines=\"#pub-id\" property=\"identifier-type\" scheme=\"onix:codelist5\">15</meta>\n");
    }
    for (i, other) in meta.other_identifiers.iter().enumerate() {
        let _ = writeln!(
            o,
            "<dc:identifier id=\"id-{}\">{}</dc:identifier>",
            i + 1,
            escape(other)
        );
    }
    let _ = writeln!(
        o,
        "<dc:title id=\"title\">{}</dc:title>",
        escape(&meta.title)
    );
    o.push_str("<meta refines=\"#title\" property=\"title-type\">main</meta>\n");
    if let Some(sub) = &meta.subtitle {
        let _ = writeln!(o, "<dc:title id=\"subtitle\">{}</dc:title>", escape(sub));
        o.push_str("<meta refines=\"#subtitle\" property=\"title-type\">subtitle</meta>\n");
    }
    let _ = writeln!(o, "<dc:language>{lang}</dc:language>");

    let creators = people
        .iter()
        .filter(|p| p.creator)
        .map(|p| ("dc:creator", "creator", p));
    let contributors = people
        .iter()
        .filter(|p| !p.creator)
        .map(|p| ("dc:contributor", "contributor", p));
    for (n, (element, kind, person)) in creators.chain(contributors).enumerate() {
        let id = format!("{kind}-{}", n + 1);
        let _ = writeln!(
            o,
            "<{element} id=\"{id}\">{}</{element}>",
            escape(&person.name)
        );
        for role in &person.roles {
            let _ = writeln!(
                o,
                "<meta refines=\"#{id}\" property=\"role\" scheme=\"marc:relators\">{}</meta>",
                role.marc()
            );
        }
        if let Some(f) = &person.file_as {
            let _ = writeln!(
                o,
                "<meta refines=\"#{id}\" property=\"file-as\">{}</meta>",
                escape(f)
            );
        }
    }

    for (element, value) in [
        ("dc:publisher", &meta.publisher),
        ("dc:date", &meta.date),
        ("dc:rights", &meta.rights),
        ("dc:description", &meta.description),
    ] {
        if let Some(v) = value {
            let _ = writeln!(o, "<{element}>{}</{element}>", escape(v));
        }
    }
    for s in &meta.subjects {
        let _ = writeln!(o, "<dc:subject>{}</dc:subject>", escape(s));
    }
    let _ = writeln!(
        o,
        "<meta property=\"dcterms:modified\">{}</meta>",
        escape(&meta.modified)
    );
    if let Some(series) = &meta.series {
        let _ = writeln!(
            o,
            "<meta property=\"belongs-to-collection\" id=\"series\">{}</meta>",
            escape(&series.name)
        );
        o.push_str("<meta refines=\"#series\" property=\"collection-type\">series</meta>\n");
        if let Some(p) = &series.position {
            let _ = writeln!(
                o,
                "<meta refines=\"#series\" property=\"group-position\">{}</meta>",
                escape(p)
            );
        }
        // Calibre and the readers built on it read the series from these.
        let _ = writeln!(
            o,
            "<meta name=\"calibre:series\" content=\"{}\"/>",
            escape(&series.name)
        );
        if let Some(p) = &series.position {
            let _ = writeln!(
                o,
                "<meta name=\"calibre:series_index\" content=\"{}\"/>",
                escape(p)
            );
        }
    }
    if let Some(cover) = items.iter().find(|i| i.properties == Some("cover-image")) {
        // EPUB 2 readers (and Kindle) find the cover this way.
        let _ = writeln!(o, "<meta name=\"cover\" content=\"{}\"/>", cover.id);
    }
    o.push_str("</metadata>\n<manifest>\n");
    for item in items {
        let _ = write!(
            o,
            "<item id=\"{}\" href=\"{}\" media-type=\"{}\"",
            item.id,
            escape(&item.href),
            item.media_type
        );
        if let Some(p) = item.properties {
            let _ = write!(o, " properties=\"{p}\"");
        }
        o.push_str("/>\n");
    }
    o.push_str("</manifest>\n<spine toc=\"ncx\">\n");
    for id in spine {
        let _ = writeln!(o, "<itemref idref=\"{id}\"/>");
    }
    o.push_str("</spine>\n<guide>\n");
    for g in guide {
        let _ = writeln!(
            o,
            "<reference type=\"{}\" title=\"{}\" href=\"{}\"/>",
            g.kind,
            escape(g.title),
            escape(g.href)
        );
    }
    o.push_str("</guide>\n</package>\n");
    o
}
