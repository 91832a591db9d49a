//! The shelf's catalogs for e-reader apps: an OPDS 1.2 acquisition feed (Atom, `catalog.xml`)
//! and an OPDS 2.0 feed (JSON, `catalog.json`) with a publication document per book
//! (`<slug>.json`, each publication's `self` link). Both are drawn from the books' records
//! alone: their `updated`/`modified` dates are the books' `dcterms:modified`, never the clock,
//! so an unchanged shelf gives the same bytes.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::Links;
use super::record::{FileRecord, Record};
use crate::book::Role;
use crate::text::escape;

pub const ATOM_TYPE: &str = "application/atom+xml;profile=opds-catalog;kind=acquisition";
pub const JSON_TYPE: &str = "application/opds+json";
const PUBLICATION_TYPE: &str = "application/opds-publication+json";
const OPEN_ACCESS: &str = "http://opds-spec.org/acquisition/open-access";

/// The book's identifier if it is a URI (`urn:uuid:…`, `urn:isbn:…`, `https://…`); Atom ids
/// and OPDS 2.0 identifiers must be. A manifest's own identifier may be any text.
fn uri(identifier: &str) -> Option<&str> {
    let (scheme, rest) = identifier.split_once(':')?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (scheme_ok
        && !rest.is_empty()
        && !identifier
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>')))
    .then_some(identifier)
}

fn uuid_urn(name: &str) -> String {
    format!(
        "urn:uuid:{}",
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes())
    )
}

/// The entry's Atom id: the book's identifier, or a UUID made from it.
fn atom_id(book: &Record) -> String {
    uri(&book.identifier).map_or_else(
        || uuid_urn(&format!("anthology:{}", book.identifier)),
        str::to_string,
    )
}

fn updated(books: &[Record]) -> String {
    books
        .iter()
        .map(|b| b.modified.as_str())
        .max()
        .unwrap_or("2000-01-01T00:00:00Z")
        .to_string()
}

/// The OPDS 1.2 acquisition feed.
pub fn atom(title: &str, books: &[Record], links: &Links) -> String {
    let mut o = String::with_capacity(2048 + books.len() * 2048);
    o.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    o.push_str(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:dc=\"http://purl.org/dc/terms/\" xml:lang=\"en\">\n",
    );
    let id = match links.base {
        Some(_) => links.to(super::CATALOG_XML),
        None => uuid_urn(&format!("anthology-shelf:{title}")),
    };
    let _ = writeln!(o, "  <id>{}</id>", escape(&id));
    let _ = writeln!(o, "  <title>{}</title>", escape(title));
    let _ = writeln!(o, "  <updated>{}</updated>", updated(books));
    // Atom wants an author for every entry; a book that names nobody takes the shelf's.
    if books.iter().any(|b| b.primary().next().is_none()) {
        let _ = writeln!(o, "  <author><name>{}</name></author>", escape(title));
    }
    let _ = writeln!(
        o,
        "  <generator version=\"{}\">anthology</generator>",
        env!("CARGO_PKG_VERSION")
    );
    let link = |o: &mut String, rel: &str, file: &str, media_type: &str| {
        let _ = writeln!(
            o,
            "  <link rel=\"{rel}\" href=\"{}\" type=\"{media_type}\"/>",
            escape(&links.to(file))
        );
    };
    link(&mut o, "self", super::CATALOG_XML, ATOM_TYPE);
    link(&mut o, "start", super::CATALOG_XML, ATOM_TYPE);
    link(&mut o, "alternate", super::CATALOG_JSON, JSON_TYPE);
    link(&mut o, "alternate", super::INDEX, "text/html");
    for book in books {
        entry(&mut o, book, links);
    }
    o.push_str("</feed>\n");
    o
}

fn entry(o: &mut String, book: &Record, links: &Links) {
    let _ = writeln!(o, "  <entry xml:lang=\"{}\">", escape(&book.language));
    let _ = writeln!(o, "    <title>{}</title>", escape(&book.title));
    let _ = writeln!(o, "    <id>{}</id>", escape(&atom_id(book)));
    let _ = writeln!(o, "    <updated>{}</updated>", escape(&book.modified));
    for p in book.primary() {
        let _ = writeln!(o, "    <author><name>{}</name></author>", escape(&p.name));
    }
    let contributors = book
        .creators
        .iter()
        .filter(|p| !p.role().is_primary())
        .map(|p| &p.name)
        .chain(book.other_authors());
    for name in contributors {
        let _ = writeln!(
            o,
            "    <contributor><name>{}</name></contributor>",
            escape(name)
        );
    }
    let _ = writeln!(
        o,
        "    <dc:language>{}</dc:language>",
        escape(&book.language)
    );
    if let Some(id) = uri(&book.identifier) {
        let _ = writeln!(o, "    <dc:identifier>{}</dc:identifier>", escape(id));
    }
    if let Some(date) = &book.date {
        let _ = writeln!(o, "    <dc:issued>{}</dc:issued>", escape(date));
    }
    if let Some(p) = &book.publisher {
        let _ = writeln!(o, "    <dc:publisher>{}</dc:publisher>", escape(p));
    }
    if let Some(r) = &book.rights {
        let _ = writeln!(o, "    <rights>{}</rights>", escape(r.trim()));
    }
    for s in &book.subjects {
        let _ = writeln!(o, "    <category term=\"{0}\" label=\"{0}\"/>", escape(s));
    }
    let summary = match (&book.subtitle, &book.description) {
        (Some(sub), Some(d)) => Some(format!("{sub}. {}", d.trim())),
        (Some(sub), None) => Some(sub.clone()),
        (None, Some(d)) => Some(d.trim().to_string()),
        (None, None) => None,
    };
    if let Some(s) = summary {
        let _ = writeln!(o, "    <summary type=\"text\">{}</summary>", escape(&s));
    }
    let link = |o: &mut String, rel: &str, f: &FileRecord, title: Option<&str>| {
        let _ = write!(
            o,
            "    <link rel=\"{rel}\" href=\"{}\" type=\"{}\"",
            escape(&links.to(&f.file)),
            escape(&f.media_type)
        );
        if let Some(t) = title {
            let _ = write!(o, " title=\"{}\" length=\"{}\"", escape(t), f.bytes);
        }
        o.push_str("/>\n");
    };
    if let Some(cover) = &book.cover {
        link(o, "http://opds-spec.org/image", &cover.full, None);
        if let Some(thumbnail) = &cover.thumbnail {
            link(o, "http://opds-spec.org/image/thumbnail", thumbnail, None);
        }
    }
    for d in &book.downloads {
        link(o, OPEN_ACCESS, &d.file, Some(d.format.label()));
    }
    let _ = writeln!(
        o,
        "    <link rel=\"alternate\" href=\"{}\" type=\"text/html\" title=\"{}\"/>",
        escape(&links.to(&book.page())),
        escape(&book.title)
    );
    o.push_str("  </entry>\n");
}

#[derive(Serialize)]
struct Feed {
    metadata: FeedMetadata,
    links: Vec<Link>,
    publications: Vec<Publication>,
}

#[derive(Serialize)]
struct FeedMetadata {
    title: String,
    modified: String,
    #[serde(rename = "numberOfItems")]
    number_of_items: usize,
}

#[derive(Serialize)]
struct Link {
    #[serde(skip_serializing_if = "Option::is_none")]
    rel: Option<&'static str>,
    href: String,
    #[serde(rename = "type")]
    media_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<u32>,
}

impl Link {
    fn to(rel: &'static str, href: String, media_type: &str) -> Link {
        Link {
            rel: Some(rel),
            href,
            media_type: media_type.to_string(),
            title: None,
            width: None,
            height: None,
        }
    }
}

#[derive(Serialize)]
struct Publication {
    metadata: PublicationMetadata,
    links: Vec<Link>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    images: Vec<Link>,
}

#[derive(Serialize)]
struct Contributor {
    name: String,
    #[serde(rename = "sortAs", skip_serializing_if = "Option::is_none")]
    sort_as: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
}

#[derive(Serialize)]
struct PublicationMetadata {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<String>,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    subtitle: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    author: Vec<Contributor>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    editor: Vec<Contributor>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    translator: Vec<Contributor>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    illustrator: Vec<Contributor>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    narrator: Vec<Contributor>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    contributor: Vec<Contributor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<String>,
    language: String,
    /// Only a full date: the schema's `date` format has no year-only form.
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    modified: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    subject: Vec<String>,
    #[serde(rename = "belongsTo", skip_serializing_if = "Option::is_none")]
    belongs_to: Option<Value>,
}

fn publication_of(book: &Record, links: &Links) -> Publication {
    let mut meta = PublicationMetadata {
        kind: "http://schema.org/Book",
        identifier: uri(&book.identifier).map(str::to_string),
        title: book.title.clone(),
        subtitle: book.subtitle.clone(),
        author: Vec::new(),
        editor: Vec::new(),
        translator: Vec::new(),
        illustrator: Vec::new(),
        narrator: Vec::new(),
        contributor: Vec::new(),
        publisher: book.publisher.clone(),
        language: book.language.clone(),
        published: book.date.clone().filter(|d| d.len() == 10),
        modified: book.modified.clone(),
        description: book.description.as_ref().map(|d| d.trim().to_string()),
        subject: book.subjects.clone(),
        belongs_to: book.series.as_ref().map(|s| {
            let mut series = serde_json::json!({ "name": s.name });
            if let Some(p) = s
                .position
                .as_deref()
                .and_then(|p| serde_json::from_str::<serde_json::Number>(p).ok())
            {
                series["position"] = Value::Number(p);
            }
            serde_json::json!({ "series": [series] })
        }),
    };
    for p in &book.creators {
        let role = p.role();
        // OPDS has a key for the common roles; other contributors say theirs (MARC code).
        let (list, says_role) = match role {
            Role::Author => (&mut meta.author, false),
            Role::Editor | Role::Compiler => (&mut meta.editor, false),
            Role::Translator => (&mut meta.translator, false),
            Role::Illustrator => (&mut meta.illustrator, false),
            Role::Narrator => (&mut meta.narrator, false),
            _ => (&mut meta.contributor, true),
        };
        list.push(Contributor {
            name: p.name.clone(),
            sort_as: p.file_as.clone(),
            role: says_role.then(|| role.marc()),
        });
    }
    for name in book.other_authors() {
        meta.contributor.push(Contributor {
            name: name.clone(),
            sort_as: None,
            role: Some(Role::Author.marc()),
        });
    }
    let mut links_out = vec![Link::to(
        "self",
        links.to(&book.publication()),
        PUBLICATION_TYPE,
    )];
    for d in &book.downloads {
        links_out.push(Link {
            title: Some(d.format.label().to_string()),
            ..Link::to(OPEN_ACCESS, links.to(&d.file.file), &d.file.media_type)
        });
    }
    links_out.push(Link::to("alternate", links.to(&book.page()), "text/html"));
    let images = book
        .cover
        .iter()
        .flat_map(|c| std::iter::once(&c.full).chain(&c.thumbnail))
        .map(|f| Link {
            rel: None,
            href: links.to(&f.file),
            media_type: f.media_type.clone(),
            title: None,
            width: f.width,
            height: f.height,
        })
        .collect();
    Publication {
        metadata: meta,
        links: links_out,
        images,
    }
}

fn pretty<T: Serialize>(value: &T) -> String {
    let mut json = serde_json::to_string_pretty(value).unwrap_or_default();
    json.push('\n');
    json
}

/// The OPDS 2.0 feed.
pub fn feed(title: &str, books: &[Record], links: &Links) -> String {
    pretty(&Feed {
        metadata: FeedMetadata {
            title: title.to_string(),
            modified: updated(books),
            number_of_items: books.len(),
        },
        links: vec![
            Link::to("self", links.to(super::CATALOG_JSON), JSON_TYPE),
            Link::to("alternate", links.to(super::CATALOG_XML), ATOM_TYPE),
            Link::to("alternate", links.to(super::INDEX), "text/html"),
        ],
        publications: books.iter().map(|b| publication_of(b, links)).collect(),
    })
}

/// One book's OPDS 2.0 publication document.
pub fn publication(book: &Record, links: &Links) -> String {
    pretty(&publication_of(book, links))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_that_are_uris() {
        assert_eq!(
            uri("urn:isbn:9780000000000"),
            Some("urn:isbn:9780000000000")
        );
        assert_eq!(uri("https://example.org/b"), Some("https://example.org/b"));
        assert_eq!(uri("my book 1"), None);
        assert_eq!(uri("isbn 978:1"), None);
        assert_eq!(uri("1:x"), None);
    }
}
