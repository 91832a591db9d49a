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

use crate::book::{BookMeta, Chapter, Entry, Resource, Role, Summary, chapter_href};
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
                &mut self,
            )?;
        }
        page(
            "titlepage",
            chapter_href("titlepage"),
            pages::title_page(meta, labels),
            &mut self,
        )?;
        for g in &front_matter {
            page(g.id, g.href(), g.xhtml.clone(), &mut self)?;
        }
        let href = chapter_href("contents");
        self.streamed(&href, |o| pages::contents(o, meta, labels, &outline))?;
        front.push(Item {
            id: "contents".into(),
            href,
            media_type: XHTML,
            properties: None,
        });
        let mut back_items = Vec::new();
        for g in &back_matter {
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

        let first = matter::body_start(book.contents, &by_id)
            .or_else(|| outline.first_href().map(str::to_string))
            .unwrap_or_else(|| "text/contents.xhtml".to_string());
        let essay_marks: Vec<(crate::book::EssayKind, String)> =
            matter::essay_landmarks(book.contents, &by_id)
                .into_iter()
                .map(|(kind, c)| (kind, c.href()))
                .collect();
        let back_hrefs: Vec<String> = back_matter.iter().map(matter::Generated::href).collect();
        let front_hrefs: Vec<String> = front_matter.iter().map(matter::Generated::href).collect();
        let mut landmarks = Vec::new();
        if book.cover.is_some() {
            landmarks.push(nav::Landmark {
                kind: "cover",
                label: labels.cover,
                href: "text/cover.xhtml",
            });
        }
        landmarks.push(nav::Landmark {
            kind: "titlepage",
            label: labels.title_page,
            href: "text/titlepage.xhtml",
        });
        for (g, href) in front_matter.iter().zip(&front_hrefs) {
            landmarks.push(nav::Landmark {
                kind: g.kind,
                label: g.label,
                href,
            });
        }
        landmarks.push(nav::Landmark {
            kind: "toc",
            label: labels.contents,
            href: "text/contents.xhtml",
        });
        let essay_titles: Vec<&str> = matter::essay_landmarks(book.contents, &by_id)
            .into_iter()
            .map(|(_, c)| c.title())
            .collect();
        let (before, after): (Vec<_>, Vec<_>) = essay_marks
            .iter()
            .zip(&essay_titles)
            .partition(|((kind, _), _)| kind.place() == crate::book::Place::Front);
        for ((kind, href), title) in &before {
            landmarks.push(nav::Landmark {
                kind: kind.name(),
                label: title,
                href,
            });
        }
        landmarks.push(nav::Landmark {
            kind: "bodymatter",
            label: labels.start,
            href: &first,
        });
        for ((kind, href), title) in &after {
            landmarks.push(nav::Landmark {
                kind: kind.name(),
                label: title,
                href,
            });
        }
        for (g, href) in back_matter.iter().zip(&back_hrefs) {
            landmarks.push(nav::Landmark {
                kind: g.kind,
                label: g.label,
                href,
            });
        }
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
        let (front, parts, back) = (add(front), add(part_items), add(back_items));
        items.append(&mut self.items);
        let mut spine: Vec<Itemref> = items[front].iter().map(Item::itemref).collect();
        let mut parts = items[parts].iter();
        for entry in book.contents {
            match entry {
                Entry::Essay(id) => spine.push(Itemref::Chapter(id)),
                Entry::Part { essays, .. } => {
                    spine.extend(parts.next().map(Item::itemref));
                    spine.extend(essays.iter().map(|id| Itemref::Chapter(id)));
                }
            }
        }
        spine.extend(items[back].iter().map(Item::itemref));

        let mut guide = Vec::new();
        if book.cover.is_some() {
            guide.push(GuideRef {
                kind: "cover",
                title: labels.cover,
                href: "text/cover.xhtml",
            });
        }
        guide.push(GuideRef {
            kind: "title-page",
            title: labels.title_page,
            href: "text/titlepage.xhtml",
        });
        guide.push(GuideRef {
            kind: "toc",
            title: labels.contents,
            href: "text/contents.xhtml",
        });
        guide.push(GuideRef {
            kind: "text",
            title: labels.start,
            href: &first,
        });
        // The EPUB 2 guide's own names for the pages it knows.
        for (g, href) in front_matter
            .iter()
            .zip(&front_hrefs)
            .chain(back_matter.iter().zip(&back_hrefs))
        {
            let kind = match g.kind {
                "acknowledgments" => "acknowledgements",
                k @ ("dedication" | "epigraph" | "colophon") => k,
                _ => continue,
            };
            guide.push(GuideRef {
                kind,
                title: g.label,
                href,
            });
        }
        for ((kind, href), title) in &before {
            if matches!(
                kind,
                crate::book::EssayKind::Foreword | crate::book::EssayKind::Preface
            ) {
                guide.push(GuideRef {
                    kind: kind.name(),
                    title,
                    href,
                });
            }
        }

        let access = opf::Access {
            images: book.chapters.iter().map(|c| c.images).sum(),
            images_without_alt: book.chapters.iter().map(|c| c.images_without_alt).sum(),
            certifier: meta.publisher.clone(),
        };
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
