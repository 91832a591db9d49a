//! The assembler: chapters, resources and metadata → an EPUB 3 container (with an EPUB 2 NCX).
//! It knows nothing of Markdown. Chapters are written as they come, so the whole book is
//! never held in memory; the pages that list every chapter (contents, nav, NCX, OPF) are
//! written last, from the chapters' small summaries.
//!
//! The container is deterministic: `mimetype` first and stored, fixed timestamps and
//! permissions, a fixed order of entries, no archive comment (Kobo reads one as DRM).

pub mod container;
mod matter;
mod nav;
mod opf;
pub mod outline;
mod pages;

use std::collections::{HashMap, HashSet};
use std::io::Write;

use crate::book::{
    BookMeta, Chapter, Entry, EssayKind, Place, Resource, Role, Summary, chapter_href,
};
use crate::labels::Labels;
use container::{Entry as ZipEntry, Spill, ZipOut};
use opf::{GuideRef, Item, Itemref, Person};
use outline::{Outline, part_id};

/// The folder inside the container that holds the package.
const ROOT: &str = "EPUB";
const XHTML: &str = "application/xhtml+xml";

#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    #[error("cannot write the book: {0}")]
    Io(#[from] std::io::Error),
}

/// What the closing pages need: the book's metadata and every chapter's summary.
pub struct Book<'a> {
    pub meta: &'a BookMeta,
    pub labels: &'a Labels,
    pub css: &'a str,
    /// Embedded fonts (their `@font-face` rules are in `css`).
    pub fonts: &'a [Resource],
    pub cover: Option<&'a Resource>,
    pub contents: &'a [Entry],
    /// In reading order.
    pub chapters: &'a [Summary],
}

pub struct EpubWriter<W: Write> {
    zip: ZipOut<W>,
    /// The files written so far for the package document, but the chapters' pages.
    items: Vec<Item>,
    written: HashSet<String>,
}

/// A chapter's zip entries, compressed ahead of time — on any thread — by [`prepare`].
pub struct Prepared {
    page: ZipEntry,
    /// The chapter's images: media types and names for the OPF, and their compressed entries.
    resources: Vec<(Resource, ZipEntry)>,
}

/// Compresses a chapter's page and images, ready for [`EpubWriter::add`]. Compression is most
/// of the cost of writing a book, and this is where it happens, in parallel.
pub fn prepare(meta: &BookMeta, chapter: &Chapter) -> Prepared {
    debug_assert!(
        !chapter.body.contains('\0'),
        "unsettled link markers in {}",
        chapter.id
    );
    let href = chapter.href();
    let lang = chapter.language.as_deref().unwrap_or(&meta.language);
    let head = pages::page_head(lang, &chapter.title, "essay", 1);
    let page = ZipEntry::deflated(
        format!("{ROOT}/{href}"),
        &[
            head.as_bytes(),
            chapter.body.as_bytes(),
            pages::PAGE_TAIL.as_bytes(),
        ],
    );
    let resources = chapter
        .resources
        .iter()
        .map(|r| {
            let entry = ZipEntry::for_media(format!("{ROOT}/{}", r.href), r.media_type, &r.data);
            let summary = Resource {
                data: Default::default(),
                ..r.clone()
            };
            (summary, entry)
        })
        .collect();
    Prepared { page, resources }
}

impl<W: Write> EpubWriter<W> {
    /// Starts the container: `mimetype` and `META-INF/container.xml`.
    pub fn new(out: W) -> Result<Self, AssembleError> {
        let mut zip = ZipOut::new(out);
        zip.add(&ZipEntry::stored(
            "mimetype".into(),
            b"application/epub+zip".to_vec(),
        ))?;
        let container = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <container version=\"1.0\" xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\">\n\
             <rootfiles>\n<rootfile full-path=\"{ROOT}/content.opf\" media-type=\"application/oebps-package+xml\"/>\n\
             </rootfiles>\n</container>\n"
        );
        zip.add(&ZipEntry::deflated(
            "META-INF/container.xml".into(),
            &[container.as_bytes()],
        ))?;
        Ok(EpubWriter {
            zip,
            items: Vec::new(),
            written: HashSet::new(),
        })
    }

    /// Writes one file of the package (under `EPUB/`), compressed as its media type asks.
    fn file(&mut self, href: &str, media_type: &str, data: &[u8]) -> Result<(), AssembleError> {
        let entry = ZipEntry::for_media(format!("{ROOT}/{href}"), media_type, data);
        self.zip.add(&entry)?;
        Ok(())
    }

    /// Writes a generated page that may be long (the contents, nav, NCX, package document),
    /// a piece at a time: see [`Spill`].
    fn streamed(
        &mut self,
        href: &str,
        write: impl FnOnce(&mut Spill),
    ) -> Result<(), AssembleError> {
        let mut spill = Spill::new(format!("{ROOT}/{href}"));
        write(&mut spill);
        self.zip.add(&spill.finish()?)?;
        Ok(())
    }

    /// Writes a chapter's page and its images.
    pub fn chapter(&mut self, meta: &BookMeta, chapter: &Chapter) -> Result<(), AssembleError> {
        self.add(prepare(meta, chapter))
    }

    /// Writes a chapter compressed ahead of time by [`prepare`]: a copy, no compression. The
    /// page's item in the package document is written from the chapter's summary, at the end.
    pub fn add(&mut self, prepared: Prepared) -> Result<(), AssembleError> {
        let Prepared { page, resources } = prepared;
        self.zip.add(&page)?;
        for (r, file) in resources {
            // An image shared by several essays is packed once.
            if self.written.insert(r.href.clone()) {
                self.zip.add(&file)?;
                let id = format!("res-{}", self.written.len());
                self.items.push(Item {
                    id,
                    href: r.href,
                    media_type: r.media_type,
                    properties: None,
                });
            }
        }
        Ok(())
    }

    fn resource(
        &mut self,
        r: &Resource,
        properties: Option<&'static str>,
    ) -> Result<(), AssembleError> {
        if !self.written.insert(r.href.clone()) {
            return Ok(());
        }
        self.file(&r.href, r.media_type, &r.data)?;
        let id = if properties == Some("cover-image") {
            "cover-image".to_string()
        } else {
            format!("res-{}", self.written.len())
        };
        self.items.push(Item {
            id,
            href: r.href.clone(),
            media_type: r.media_type,
            properties,
        });
        Ok(())
    }

    /// Writes the book's own pages (cover, title page, generated front matter, contents,
    /// generated back matter, parts' pages), its fonts and style sheet; returns the package
    /// items.
    fn pages(
        &mut self,
        book: &Book,
        outline: &Outline,
        front_matter: &[matter::Generated],
        back_matter: &[matter::Generated],
    ) -> Result<PageItems, AssembleError> {
        let (meta, labels) = (book.meta, book.labels);
        let mut front: Vec<Item> = Vec::new();
        let mut page =
            |id: &str, href: String, text: String, this: &mut Self| -> Result<(), AssembleError> {
                this.file(&href, XHTML, text.as_bytes())?;
                front.push(Item {
                    id: id.to_string(),
                    href,
                    media_type: XHTML,
                    properties: None,
                });
                Ok(())
            };
        if let Some(cover) = book.cover {
            self.resource(cover, Some("cover-image"))?;
            page(
                "cover",
                chapter_href("cover"),
                pages::cover(meta, labels, &cover.href),
                self,
            )?;
        }
        page(
            "titlepage",
            chapter_href("titlepage"),
            pages::title_page(meta, labels),
            self,
        )?;
        for g in front_matter {
            page(g.id, g.href(), g.xhtml.clone(), self)?;
        }
        let href = chapter_href("contents");
        self.streamed(&href, |o| pages::contents(o, meta, labels, outline))?;
        front.push(Item {
            id: "contents".into(),
            href,
            media_type: XHTML,
            properties: None,
        });
        let mut back_items = Vec::new();
        for g in back_matter {
            self.file(&g.href(), XHTML, g.xhtml.as_bytes())?;
            back_items.push(Item {
                id: g.id.to_string(),
                href: g.href(),
                media_type: XHTML,
                properties: None,
            });
        }
        for font in book.fonts {
            self.resource(font, None)?;
        }
        if !book.fonts.is_empty() {
            // Apple Books uses a book's own fonts only when this file asks it to.
            self.zip.add(&ZipEntry::deflated(
                "META-INF/com.apple.ibooks.display-options.xml".into(),
                &[crate::fonts::APPLE_DISPLAY_OPTIONS.as_bytes()],
            ))?;
        }
        let mut part_items = Vec::new();
        for (n, entry) in book
            .contents
            .iter()
            .filter(|e| matches!(e, Entry::Part { .. }))
            .enumerate()
        {
            if let Entry::Part { title, .. } = entry {
                let id = part_id(n + 1);
                let href = chapter_href(&id);
                self.file(&href, XHTML, pages::part(meta, &id, title).as_bytes())?;
                part_items.push(Item {
                    id,
                    href,
                    media_type: XHTML,
                    properties: None,
                });
            }
        }
        self.file(pages::STYLESHEET, "text/css", book.css.as_bytes())?;
        Ok(PageItems {
            front,
            parts: part_items,
            back: back_items,
        })
    }

    /// Writes the generated pages, the navigation and the package document; closes the zip.
    pub fn finish(mut self, book: &Book) -> Result<W, AssembleError> {
        let meta = book.meta;
        let labels = book.labels;
        let by_id: HashMap<&str, &Summary> =
            book.chapters.iter().map(|c| (c.id.as_str(), c)).collect();
        let front_matter = matter::front(meta, labels);
        let back_matter = matter::back(meta, labels, book.chapters);
        let in_toc: Vec<outline::Node> = back_matter
            .iter()
            .filter(|g| g.in_toc)
            .map(|g| outline::Node::leaf(g.label, g.href()))
            .collect();
        let outline = Outline::new(book.contents, &by_id, in_toc.into_iter());

        let written = self.pages(book, &outline, &front_matter, &back_matter)?;

        let first = matter::body_start(book.contents, &by_id)
            .or_else(|| outline.first_href().map(str::to_string))
            .unwrap_or_else(|| "text/contents.xhtml".to_string());
        let places = Places::new(book, &by_id, first, &front_matter, &back_matter);
        let landmarks = landmarks(&places, labels);
        self.streamed("nav.xhtml", |o| {
            nav::nav(o, meta, labels, &outline, &landmarks);
        })?;
        self.streamed("toc.ncx", |o| nav::ncx(o, meta, &outline))?;

        // The manifest lists every file; the spine, the reading order.
        let mut items: Vec<Item> = vec![
            Item {
                id: "nav".into(),
                href: "nav.xhtml".into(),
                media_type: XHTML,
                properties: Some("nav"),
            },
            Item {
                id: "ncx".into(),
                href: "toc.ncx".into(),
                media_type: "application/x-dtbncx+xml",
                properties: None,
            },
            Item {
                id: "css".into(),
                href: pages::STYLESHEET.into(),
                media_type: "text/css",
                properties: None,
            },
        ];
        let mut add = |more: Vec<Item>| {
            let start = items.len();
            items.extend(more);
            start..items.len()
        };
        let (front, parts, back) = (add(written.front), add(written.parts), add(written.back));
        items.append(&mut self.items);
        let spine = spine(&items[front], &items[parts], &items[back], book.contents);
        let guide = guide(&places, labels);

        let access = access(meta, book.chapters);
        let people = people(meta, book.chapters);
        let files = opf::Files {
            items: &items,
            chapters: book.chapters,
            spine: &spine,
        };
        self.streamed("content.opf", |o| {
            opf::package(o, meta, &people, &access, &files, &guide);
        })?;
        Ok(self.zip.finish()?)
    }
}

/// The package items of the pages [`EpubWriter::pages`] wrote: those before the essays, the
/// parts' pages, those after the essays.
struct PageItems {
    front: Vec<Item>,
    parts: Vec<Item>,
    back: Vec<Item>,
}

/// Where the landmarks and the EPUB 2 guide point, worked out from the plan: the generated
/// pages before and after the essays, the essays that are front or back matter (a foreword,
/// an afterword), and where the body starts.
struct Places<'a> {
    cover: bool,
    /// Where the reading starts: the first part or essay.
    first: String,
    /// The generated pages before the contents (dedication, epigraph…) and their files.
    front: Vec<(&'a matter::Generated<'a>, String)>,
    /// The generated pages after the essays (contributors, colophon…) and their files.
    back: Vec<(&'a matter::Generated<'a>, String)>,
    /// Essays that are front matter, then those that are back matter: kind, file, title.
    essays_before: Vec<(EssayKind, String, &'a str)>,
    essays_after: Vec<(EssayKind, String, &'a str)>,
}

impl<'a> Places<'a> {
    fn new(
        book: &Book<'a>,
        by_id: &HashMap<&str, &'a Summary>,
        first: String,
        front: &'a [matter::Generated<'a>],
        back: &'a [matter::Generated<'a>],
    ) -> Self {
        let (essays_before, essays_after) = matter::essay_landmarks(book.contents, by_id)
            .into_iter()
            .map(|(kind, c)| (kind, c.href(), c.title()))
            .partition(|(kind, _, _)| kind.place() == Place::Front);
        Places {
            cover: book.cover.is_some(),
            first,
            front: front.iter().map(|g| (g, g.href())).collect(),
            back: back.iter().map(|g| (g, g.href())).collect(),
            essays_before,
            essays_after,
        }
    }
}

/// The reader's landmarks, in reading order: cover, title page, the generated front matter,
/// contents, the essays that are front matter, the start of the body, the essays that are
/// back matter, the generated back matter.
fn landmarks<'p>(p: &'p Places, labels: &'p Labels) -> Vec<nav::Landmark<'p>> {
    let mut marks = Vec::new();
    let mark = |kind, label, href| nav::Landmark { kind, label, href };
    if p.cover {
        marks.push(mark("cover", labels.cover, "text/cover.xhtml"));
    }
    marks.push(mark("titlepage", labels.title_page, "text/titlepage.xhtml"));
    marks.extend(p.front.iter().map(|(g, href)| mark(g.kind, g.label, href)));
    marks.push(mark("toc", labels.contents, "text/contents.xhtml"));
    marks.extend(
        p.essays_before
            .iter()
            .map(|(kind, href, title)| mark(kind.name(), title, href)),
    );
    marks.push(mark("bodymatter", labels.start, &p.first));
    marks.extend(
        p.essays_after
            .iter()
            .map(|(kind, href, title)| mark(kind.name(), title, href)),
    );
    marks.extend(p.back.iter().map(|(g, href)| mark(g.kind, g.label, href)));
    marks
}

/// The EPUB 2 guide: the pages it has names for, under those names.
fn guide<'p>(p: &'p Places, labels: &'p Labels) -> Vec<GuideRef<'p>> {
    let mut guide = Vec::new();
    let reference = |kind, title, href| GuideRef { kind, title, href };
    if p.cover {
        guide.push(reference("cover", labels.cover, "text/cover.xhtml"));
    }
    guide.push(reference(
        "title-page",
        labels.title_page,
        "text/titlepage.xhtml",
    ));
    guide.push(reference("toc", labels.contents, "text/contents.xhtml"));
    guide.push(reference("text", labels.start, &p.first));
    for (g, href) in p.front.iter().chain(&p.back) {
        let kind = match g.kind {
            "acknowledgments" => "acknowledgements",
            k @ ("dedication" | "epigraph" | "colophon") => k,
            _ => continue,
        };
        guide.push(reference(kind, g.label, href));
    }
    for (kind, href, title) in &p.essays_before {
        if matches!(kind, EssayKind::Foreword | EssayKind::Preface) {
            guide.push(reference(kind.name(), title, href));
        }
    }
    guide
}

/// The reading order: the pages before the essays, then each essay (a part's page before its
/// essays), then the pages after them.
fn spine<'i>(
    front: &'i [Item],
    parts: &'i [Item],
    back: &'i [Item],
    contents: &'i [Entry],
) -> Vec<Itemref<'i>> {
    let mut spine: Vec<Itemref> = front.iter().map(Item::itemref).collect();
    let mut parts = parts.iter();
    for entry in contents {
        match entry {
            Entry::Essay(id) => spine.push(Itemref::Chapter(id)),
            Entry::Part { essays, .. } => {
                spine.extend(parts.next().map(Item::itemref));
                spine.extend(essays.iter().map(|id| Itemref::Chapter(id)));
            }
        }
    }
    spine.extend(back.iter().map(Item::itemref));
    spine
}

/// What the accessibility metadata says of the book's images, and who certifies it.
fn access(meta: &BookMeta, chapters: &[Summary]) -> opf::Access {
    opf::Access {
        images: chapters.iter().map(|c| c.images).sum(),
        images_without_alt: chapters.iter().map(|c| c.images_without_alt).sum(),
        certifier: meta.publisher.clone(),
    }
}

/// Everyone the metadata names: the manifest's creators (one entry per person, with all their
/// roles; authors and editors are the book's creators), then each essay's author — a
/// contributor of the book, or an added role of someone already named.
fn people(meta: &BookMeta, chapters: &[Summary]) -> Vec<Person> {
    let mut people: Vec<Person> = Vec::new();
    let mut add = |name: &str, role: Role, file_as: Option<&String>, creator: bool| match people
        .iter_mut()
        .find(|p| p.name == name)
    {
        Some(p) => {
            if !p.roles.contains(&role) {
                p.roles.push(role);
            }
            p.file_as = p.file_as.take().or_else(|| file_as.cloned());
            p.creator |= creator;
        }
        None => people.push(Person {
            name: name.to_string(),
            roles: vec![role],
            file_as: file_as.cloned(),
            creator,
        }),
    };
    for c in &meta.creators {
        add(&c.name, c.role, c.file_as.as_ref(), c.role.is_primary());
    }
    for name in chapters.iter().flat_map(Summary::authors) {
        // The contributors page's `file-as` sorts the essays' authors in the metadata too.
        let file_as = meta
            .matter
            .contributors
            .iter()
            .flatten()
            .find(|c| c.name == name)
            .and_then(|c| c.file_as.as_ref());
        add(name, Role::Author, file_as, false);
    }
    people
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(
        id: &'static str,
        kind: &'static str,
        label: &'static str,
    ) -> matter::Generated<'static> {
        matter::Generated {
            id,
            xhtml: String::new(),
            kind,
            label,
            in_toc: false,
        }
    }

    fn item(id: &str) -> Item {
        Item {
            id: id.into(),
            href: chapter_href(id),
            media_type: XHTML,
            properties: None,
        }
    }

    #[test]
    fn landmarks_and_guide_follow_the_reading_order() {
        let labels = crate::labels::for_language("en");
        let front = [
            generated("dedication", "dedication", "Dedication"),
            generated("epigraph", "epigraph", "Epigraph"),
        ];
        let back = [
            generated("contributors", "contributors", "Contributors"),
            generated("colophon", "colophon", "Colophon"),
        ];
        let places = Places {
            cover: true,
            first: "text/part-1.xhtml".into(),
            front: front.iter().map(|g| (g, g.href())).collect(),
            back: back.iter().map(|g| (g, g.href())).collect(),
            essays_before: vec![
                (
                    EssayKind::Foreword,
                    "text/foreword.xhtml".into(),
                    "Foreword",
                ),
                (
                    EssayKind::Introduction,
                    "text/intro.xhtml".into(),
                    "Introduction",
                ),
            ],
            essays_after: vec![(EssayKind::Afterword, "text/after.xhtml".into(), "Afterword")],
        };
        let marks: Vec<(&str, &str)> = landmarks(&places, labels)
            .iter()
            .map(|m| (m.kind, m.href))
            .collect();
        assert_eq!(
            marks,
            [
                ("cover", "text/cover.xhtml"),
                ("titlepage", "text/titlepage.xhtml"),
                ("dedication", "text/dedication.xhtml"),
                ("epigraph", "text/epigraph.xhtml"),
                ("toc", "text/contents.xhtml"),
                ("foreword", "text/foreword.xhtml"),
                ("introduction", "text/intro.xhtml"),
                ("bodymatter", "text/part-1.xhtml"),
                ("afterword", "text/after.xhtml"),
                ("contributors", "text/contributors.xhtml"),
                ("colophon", "text/colophon.xhtml"),
            ]
        );
        // EPUB 2 knows fewer kinds: no contributors, no introduction, no afterword.
        let kinds: Vec<&str> = guide(&places, labels).iter().map(|g| g.kind).collect();
        assert_eq!(
            kinds,
            [
                "cover",
                "title-page",
                "toc",
                "text",
                "dedication",
                "epigraph",
                "colophon",
                "foreword"
            ]
        );
        let places = Places {
            cover: false,
            front: Vec::new(),
            back: Vec::new(),
            essays_before: Vec::new(),
            essays_after: Vec::new(),
            ..places
        };
        let kinds: Vec<&str> = landmarks(&places, labels).iter().map(|m| m.kind).collect();
        assert_eq!(kinds, ["titlepage", "toc", "bodymatter"]);
    }

    #[test]
    fn the_spine_puts_each_part_before_its_essays() {
        let front = [item("titlepage"), item("contents")];
        let parts = [item("part-1"), item("part-2")];
        let back = [item("colophon")];
        let contents = [
            Entry::Essay("opening".into()),
            Entry::Part {
                title: "One".into(),
                essays: vec!["a".into(), "b".into()],
            },
            Entry::Part {
                title: "Two".into(),
                essays: vec!["c".into()],
            },
            Entry::Essay("closing".into()),
        ];
        let order: Vec<String> = spine(&front, &parts, &back, &contents)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            order,
            [
                "titlepage",
                "contents",
                "ch-opening",
                "part-1",
                "ch-a",
                "ch-b",
                "part-2",
                "ch-c",
                "ch-closing",
                "colophon"
            ]
        );
    }
}
