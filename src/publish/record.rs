//! What the shelf knows of a book: everything its pages and catalog entries say, and the files
//! written for it. Made once from a build's result and kept in the cache, so that a book that
//! was not rebuilt is described exactly as before.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::Format;
use crate::assemble::outline::{Node, Outline};
use crate::book::{Role, Summary};
use crate::pipeline::Built;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The collection folder, relative to the published folder (`""` for the folder itself).
    pub folder: String,
    /// What the book was built with: the tool and its options, hashed (`cache::tool`).
    pub tool: String,
    /// Every file the build read, with its hash: the book is reused while they hash the same.
    pub inputs: Vec<Input>,
    /// The book's name in DIST: `<slug>.epub`, `<slug>.html`…
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub language: String,
    pub identifier: String,
    /// The book's creators and contributors, as its metadata names them.
    pub creators: Vec<Person>,
    /// Every essay's author, in reading order, once.
    pub essay_authors: Vec<String>,
    pub publisher: Option<String>,
    /// W3CDTF: `2024`, `2024-05` or `2024-05-01`.
    pub date: Option<String>,
    /// The book's `dcterms:modified`: the catalogs' `updated`, never the clock.
    pub modified: String,
    pub description: Option<String>,
    pub rights: Option<String>,
    pub subjects: Vec<String>,
    pub series: Option<SeriesRecord>,
    pub essays: usize,
    pub contents: Vec<TocNode>,
    pub cover: Option<Cover>,
    pub downloads: Vec<Download>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    /// The role's name as the manifest spells it (`editor`).
    pub role: String,
    pub file_as: Option<String>,
}

impl Person {
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Author)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesRecord {
    pub name: String,
    pub position: Option<String>,
}

/// A line of the book's contents: a part, an essay (with its authors) or a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TocNode {
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub part: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<TocNode>,
}

/// A file of the collection the build read, relative to the collection folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cover {
    pub full: FileRecord,
    /// `None` when the cover is too large to decode within the shelf's budget
    /// (`cover::DECODE_BUDGET`): the pages then show the book's title in its place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<FileRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Download {
    pub format: Format,
    #[serde(flatten)]
    pub file: FileRecord,
}

/// A file written into DIST, with what is needed to link it and to know it is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Relative to DIST, with `/`.
    pub file: String,
    pub media_type: String,
    pub bytes: u64,
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

/// `marginalia.epub`, `marginalia.kepub.epub`.
pub fn download_file(slug: &str, format: Format) -> String {
    format!("{slug}{}", format.suffix())
}

/// `covers/marginalia.png`; the thumbnail is `covers/marginalia.thumb.jpg`. Slugs hold no
/// dot, so the two names never meet.
pub fn cover_file(slug: &str, ext: &str, thumbnail: bool) -> String {
    if thumbnail {
        format!("covers/{slug}.thumb.{ext}")
    } else {
        format!("covers/{slug}.{ext}")
    }
}

impl Record {
    /// Describes a book just built; its files (`downloads`, `cover`) are added by the caller.
    pub fn new(
        folder: String,
        tool: String,
        inputs: Vec<Input>,
        slug: String,
        built: &Built,
    ) -> Record {
        let meta = &built.meta;
        let mut essay_authors: Vec<String> = Vec::new();
        for name in built.chapters.iter().flat_map(Summary::authors) {
            if !essay_authors.iter().any(|a| a == name) {
                essay_authors.push(name.to_string());
            }
        }
        Record {
            folder,
            tool,
            inputs,
            slug,
            title: meta.title.clone(),
            subtitle: meta.subtitle.clone(),
            language: meta.language.clone(),
            identifier: meta.identifier.clone(),
            creators: meta
                .creators
                .iter()
                .map(|c| Person {
                    name: c.name.clone(),
                    role: c.role.name().to_string(),
                    file_as: c.file_as.clone(),
                })
                .collect(),
            essay_authors,
            publisher: meta.publisher.clone(),
            date: meta.date.clone(),
            modified: meta.modified.clone(),
            description: meta.description.clone(),
            rights: meta.rights.clone(),
            subjects: meta.subjects.clone(),
            series: meta.series.as_ref().map(|s| SeriesRecord {
                name: s.name.clone(),
                position: s.position.clone(),
            }),
            essays: built.essays,
            contents: contents(built),
            cover: None,
            downloads: Vec::new(),
        }
    }

    /// The files written for the book that the cache checks: downloads and cover images.
    pub fn files(&self) -> impl Iterator<Item = &FileRecord> {
        self.downloads.iter().map(|d| &d.file).chain(
            self.cover
                .iter()
                .flat_map(|c| std::iter::once(&c.full).chain(&c.thumbnail)),
        )
    }

    /// The book's own page.
    pub fn page(&self) -> String {
        format!("{}.html", self.slug)
    }

    /// The book's OPDS 2.0 publication document (its `self` link).
    pub fn publication(&self) -> String {
        format!("{}.json", self.slug)
    }

    /// The files the shelf writes for the book anew at every run.
    pub fn pages(&self) -> [String; 2] {
        [self.page(), self.publication()]
    }

    /// The same book under another slug: its files renamed. Returns the renames to make
    /// (old, new), relative to DIST.
    pub fn renamed(&mut self, slug: &str) -> Vec<(String, String)> {
        let mut moves = Vec::new();
        for d in &mut self.downloads {
            let new = download_file(slug, d.format);
            moves.push((std::mem::replace(&mut d.file.file, new.clone()), new));
        }
        if let Some(cover) = &mut self.cover {
            let thumbnail = cover.thumbnail.as_mut().map(|t| (t, true));
            for (file, thumbnail) in std::iter::once((&mut cover.full, false)).chain(thumbnail) {
                let ext = file.file.rsplit('.').next().unwrap_or("img").to_string();
                let new = cover_file(slug, &ext, thumbnail);
                moves.push((std::mem::replace(&mut file.file, new.clone()), new));
            }
        }
        self.slug = slug.to_string();
        moves
    }

    /// Authors and editors: the names a catalog shows as the book's authors.
    pub fn primary(&self) -> impl Iterator<Item = &Person> {
        self.creators.iter().filter(|p| p.role().is_primary())
    }

    /// The essays' authors the book's creators do not already name.
    pub fn other_authors(&self) -> impl Iterator<Item = &String> {
        self.essay_authors
            .iter()
            .filter(|a| !self.creators.iter().any(|c| &c.name == *a))
    }
}

/// Parts, essays (with their authors) and sections, as the book's own contents page has them.
fn contents(built: &Built) -> Vec<TocNode> {
    fn node(n: &Node) -> TocNode {
        TocNode {
            title: n.title.to_string(),
            authors: n.authors().map(String::from).collect(),
            part: n.is_part,
            children: n.children().iter().map(node).collect(),
        }
    }
    let by_id: HashMap<&str, &Summary> =
        built.chapters.iter().map(|c| (c.id.as_str(), c)).collect();
    Outline::new(&built.contents, &by_id, std::iter::empty())
        .nodes
        .iter()
        .map(node)
        .collect()
}
