//! The package document (`content.opf`): metadata, manifest, spine and guide.

use std::fmt::Write;

use crate::book::{BookMeta, Role, Summary};
use crate::text::escape;

/// Accessibility metadata, derived from what the book holds: a book with an image that has no
/// alt text does not claim `alternativeText`, nor that text alone suffices.
fn accessibility(o: &mut impl Write, access: &Access) {
    let images = access.images > 0;
    let described = access.images_without_alt == 0;
    let mut meta = |property: &str, value: &str| {
        let _ = writeln!(o, "<meta property=\"schema:{property}\">{value}</meta>");
    };
    meta("accessMode", "textual");
    if images {
        meta("accessMode", "visual");
        meta("accessModeSufficient", "textual,visual");
    }
    if described {
        meta("accessModeSufficient", "textual");
    }
    for feature in ["structuralNavigation", "tableOfContents", "readingOrder"] {
        meta("accessibilityFeature", feature);
    }
    if images && described {
        meta("accessibilityFeature", "alternativeText");
    }
    meta("accessibilityHazard", "none");
    let pictures = match (access.images, access.images_without_alt) {
        (0, _) => "It has no images.".to_string(),
        (n, 0) => format!(
            "Its {n} image{} described in text.",
            if n == 1 { " is" } else { "s are all" }
        ),
        (n, m) => format!(
            "{m} of its {n} images {} no text description.",
            if m == 1 { "has" } else { "have" }
        ),
    };
    meta(
        "accessibilitySummary",
        &format!(
            "This book has a table of contents, structured headings and a logical reading order; \
             its notes link to and from the text. {pictures} It has no flashing, motion or sound."
        ),
    );
    // Conformance is claimed only when the book earns it: every image described, and the
    // rest (language, titles, structure, notes, link text, contrast left to the reader) is
    // what every book of this tool has.
    if described {
        let _ = writeln!(
            o,
            "<meta property=\"dcterms:conformsTo\">EPUB Accessibility 1.1 - WCAG 2.1 Level AA</meta>"
        );
        let _ = writeln!(
            o,
            "<meta property=\"a11y:certifiedBy\">{}</meta>",
            escape(access.certifier.as_deref().unwrap_or("anthology"))
        );
    }
}

/// An entry of the spine: a page's item id, or an essay's page (`ch-{id}`).
#[derive(Debug, Clone, Copy)]
pub enum Itemref<'a> {
    Page(&'a str),
    Chapter(&'a str),
}

impl std::fmt::Display for Itemref<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Itemref::Page(id) => f.write_str(id),
            Itemref::Chapter(id) => write!(f, "ch-{id}"),
        }
    }
}

/// The files of the package, for its manifest, and the reading order.
pub struct Files<'a> {
    /// Every file but the essays' pages.
    pub items: &'a [Item],
    /// The essays, in reading order: their pages are listed after the other files.
    pub chapters: &'a [Summary],
    pub spine: &'a [Itemref<'a>],
}

/// One file of the package other than an essay's page.
pub struct Item {
    pub id: String,
    pub href: String,
    pub media_type: &'static str,
    pub properties: Option<&'static str>,
}

impl Item {
    pub fn itemref(&self) -> Itemref<'_> {
        Itemref::Page(&self.id)
    }
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

/// What the book holds, for its accessibility metadata (EPUB Accessibility 1.1).
pub struct Access {
    pub images: usize,
    pub images_without_alt: usize,
    /// Who vouches for the conformance claim: the publisher, else the tool that checked it.
    pub certifier: Option<String>,
}

/// Writes the package document into `o`.
pub fn package(
    o: &mut impl Write,
    meta: &BookMeta,
    people: &[Person],
    access: &Access,
    files: &Files,
    guide: &[GuideRef],
) {
    let &Files {
        items,
        chapters,
        spine,
    } = files;
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
        let _ = o.write_str("<meta refines=\"#pub-id\" property=\"identifier-type\" scheme=\"onix:codelist5\">15</meta>\n");
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
    let _ = o.write_str("<meta refines=\"#title\" property=\"title-type\">main</meta>\n");
    if let Some(sub) = &meta.subtitle {
        let _ = writeln!(o, "<dc:title id=\"subtitle\">{}</dc:title>", escape(sub));
        let _ =
            o.write_str("<meta refines=\"#subtitle\" property=\"title-type\">subtitle</meta>\n");
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
    accessibility(o, access);
    if let Some(series) = &meta.series {
        let _ = writeln!(
            o,
            "<meta property=\"belongs-to-collection\" id=\"series\">{}</meta>",
            escape(&series.name)
        );
        let _ =
            o.write_str("<meta refines=\"#series\" property=\"collection-type\">series</meta>\n");
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
    let _ = o.write_str("</metadata>\n<manifest>\n");
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
        let _ = o.write_str("/>\n");
    }
    // The essays' pages, in reading order (their ids are slugs: nothing to escape).
    for c in chapters {
        let _ = writeln!(
            o,
            "<item id=\"{}\" href=\"{}\" media-type=\"application/xhtml+xml\"/>",
            Itemref::Chapter(&c.id),
            c.href()
        );
    }
    let _ = o.write_str("</manifest>\n<spine toc=\"ncx\">\n");
    for id in spine {
        let _ = writeln!(o, "<itemref idref=\"{id}\"/>");
    }
    let _ = o.write_str("</spine>\n<guide>\n");
    for g in guide {
        let _ = writeln!(
            o,
            "<reference type=\"{}\" title=\"{}\" href=\"{}\"/>",
            g.kind,
            escape(g.title),
            escape(g.href)
        );
    }
    let _ = o.write_str("</guide>\n</package>\n");
}
