//! The assembler: chapters, resources and metadata → an EPUB 3 container (with an EPUB 2 NCX).
//! It knows nothing of Markdown. Chapters are written as they come, so the whole book is
//! never held in memory; the pages that list every chapter (contents, nav, NCX, OPF) are
//! written last, from the chapters' small summaries.
//!
//! The container is deterministic: `mimetype` first and stored, fixed timestamps and
//! permissions, a fixed order of entries, no archive comment (Kobo reads one as DRM).

mod matter;
mod nav;
mod opf;
pub mod outline;
mod pages;

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::io::{Seek, SeekFrom, Write};
use std::rc::Rc;

use zip::write::{PreparedZipFile, SimpleFileOptions, ZipFileBuilder};
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::book::{BookMeta, Chapter, Entry, Resource, Role, chapter_href};
use crate::labels::Labels;
use opf::{GuideRef, Item, Person};
use outline::{Outline, part_id};

/// The folder inside the container that holds the package.
const ROOT: &str = "EPUB";
const XHTML: &str = "application/xhtml+xml";

#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    #[error("cannot write the book: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write the book: {0}")]
    Zip(#[from] zip::result::ZipError),
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
    /// In reading order; bodies may already be dropped.
    pub chapters: &'a [Chapter],
}

pub struct EpubWriter<W: Write + Seek> {
    // Declared before `zip`, so dropped before it: an unfinished book is abandoned first, and
    // the zip writer's own drop (which finalises the archive) then writes nowhere.
    _abandon: Abandon,
    zip: ZipWriter<Output<W>>,
    items: Vec<Item>,
    written: HashSet<String>,
}

/// The container's output. Once a write has failed, or the book is abandoned, it accepts and
/// discards everything, keeping only the position: an abandoned book neither grows nor
/// reports a full disk a second time.
struct Output<W> {
    inner: W,
    dead: Rc<Cell<bool>>,
    pos: u64,
    len: u64,
}

impl<W: Write> Write for Output<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = if self.dead.get() {
            buf.len()
        } else {
            self.inner.write(buf).inspect_err(|_| self.dead.set(true))?
        };
        self.pos += n as u64;
        self.len = self.len.max(self.pos);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.dead.get() {
            Ok(())
        } else {
            self.inner.flush().inspect_err(|_| self.dead.set(true))
        }
    }
}

impl<W: Seek> Seek for Output<W> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        if !self.dead.get() {
            self.pos = self.inner.seek(to).inspect_err(|_| self.dead.set(true))?;
            return Ok(self.pos);
        }
        self.pos = match to {
            SeekFrom::Start(n) => n,
            SeekFrom::End(d) => self.len.saturating_add_signed(d),
            SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
        };
        Ok(self.pos)
    }
}

/// Marks the output dead when dropped, unless the book was finished.
struct Abandon(Rc<Cell<bool>>);

impl Drop for Abandon {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

/// A chapter's zip entries, compressed ahead of time — on any thread — by [`prepare`].
pub struct Prepared {
    id: String,
    href: String,
    page: PreparedZipFile,
    /// The chapter's images: media types and names for the OPF, and their compressed entries.
    resources: Vec<(Resource, PreparedZipFile)>,
}

/// Compresses a chapter's page and images, ready for [`EpubWriter::add`]. Compression is most
/// of the cost of writing a book, and this is where it happens, in parallel.
pub fn prepare(meta: &BookMeta, chapter: &Chapter) -> Result<Prepared, AssembleError> {
    debug_assert!(
        !chapter.body.contains('\0'),
        "unsettled link markers in {}",
        chapter.id
    );
    let href = chapter.href();
    let lang = chapter.language.as_deref().unwrap_or(&meta.language);
    // Head, body and tail go in one after another: the body is not copied.
    let mut page = ZipFileBuilder::new(
        format!("{ROOT}/{href}"),
        options(CompressionMethod::Deflated),
    )?;
    page.write_all(pages::page_head(lang, &chapter.title, "essay", 1).as_bytes())?;
    page.write_all(chapter.body.as_bytes())?;
    page.write_all(pages::PAGE_TAIL.as_bytes())?;
    let resources = chapter
        .resources
        .iter()
        .map(|r| {
            let file = PreparedZipFile::from_data(
                format!("{ROOT}/{}", r.href),
                options(method_for(r.media_type)),
                &r.data,
            )?;
            Ok((
                Resource {
                    data: Default::default(),
                    ..r.clone()
                },
                file,
            ))
        })
        .collect::<Result<_, AssembleError>>()?;
    Ok(Prepared {
        id: chapter.id.clone(),
        href,
        page: page.finish()?,
        resources,
    })
}

/// Raster images are compressed already; deflating them again costs time for nothing.
fn method_for(media_type: &str) -> CompressionMethod {
    if media_type == "image/svg+xml" || media_type.starts_with("text/") {
        CompressionMethod::Deflated
    } else {
        CompressionMethod::Stored
    }
}

fn options(method: CompressionMethod) -> SimpleFileOptions {
    let options = SimpleFileOptions::default()
        .compression_method(method)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    match method {
        CompressionMethod::Deflated => options.compression_level(Some(6)),
        _ => options,
    }
}

impl<W: Write + Seek> EpubWriter<W> {
    /// Starts the container: `mimetype` and `META-INF/container.xml`.
    pub fn new(mut out: W) -> Result<Self, AssembleError> {
        let dead = Rc::new(Cell::new(false));
        let pos = out.stream_position()?;
        let output = Output {
            inner: out,
            dead: dead.clone(),
            pos,
            len: pos,
        };
        let mut zip = ZipWriter::new(output);
        zip.start_file("mimetype", options(CompressionMethod::Stored))?;
        zip.write_all(b"application/epub+zip")?;
        zip.start_file(
            "META-INF/container.xml",
            options(CompressionMethod::Deflated),
        )?;
        write!(
            zip,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <container version=\"1.0\" xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\">\n\
             <rootfiles>\n<rootfile full-path=\"{ROOT}/content.opf\" media-type=\"application/oebps-package+xml\"/>\n\
             </rootfiles>\n</container>\n"
        )?;
        Ok(EpubWriter {
            _abandon: Abandon(dead),
            zip,
            items: Vec::new(),
            written: HashSet::new(),
        })
    }

    fn file(
        &mut self,
        href: &str,
        method: CompressionMethod,
        data: &[u8],
    ) -> Result<(), AssembleError> {
        self.zip
            .start_file(format!("{ROOT}/{href}"), options(method))?;
        self.zip.write_all(data)?;
        Ok(())
    }

    /// Writes a chapter's page and its images.
    pub fn chapter(&mut self, meta: &BookMeta, chapter: &Chapter) -> Result<(), AssembleError> {
        self.add(prepare(meta, chapter)?)
    }

    /// Writes a chapter compressed ahead of time by [`prepare`]: a copy, no compression.
    pub fn add(&mut self, prepared: Prepared) -> Result<(), AssembleError> {
        let Prepared {
            id,
            href,
            page,
            resources,
        } = prepared;
        self.zip.add_prepared_file(page)?;
        self.items.push(Item {
            id: format!("ch-{id}"),
            href,
            media_type: XHTML,
            properties: None,
        });
        for (r, file) in resources {
            // An image shared by several essays is packed once.
            if self.written.insert(r.href.clone()) {
                self.zip.add_prepared_file(file)?;
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
        self.file(&r.href, method_for(r.media_type), &r.data)?;
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
        let by_id: HashMap<&str, &Chapter> =
            book.chapters.iter().map(|c| (c.id.as_str(), c)).collect();
        let mut outline = Outline::new(book.contents, &by_id);
        let front_matter = matter::front(meta, labels);
        let back_matter = matter::back(meta, labels, book.chapters);
        outline.nodes.extend(
            back_matter
                .iter()
                .filter(|g| g.in_toc)
                .map(|g| outline::Node {
                    title: g.label.to_string(),
                    title_html: None,
                    href: g.href(),
                    authors: Vec::new(),
                    words: None,
                    is_part: false,
                    children: Vec::new(),
                }),
        );

        let mut front: Vec<Item> = Vec::new();
        let mut page =
            |id: &str, href: String, text: String, this: &mut Self| -> Result<(), AssembleError> {
                this.file(&href, CompressionMethod::Deflated, text.as_bytes())?;
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
        page(
            "contents",
            chapter_href("contents"),
            pages::contents(meta, labels, &outline),
            &mut self,
        )?;
        let mut back_items = Vec::new();
        for g in &back_matter {
            self.file(&g.href(), CompressionMethod::Deflated, g.xhtml.as_bytes())?;
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
            self.zip.start_file(
                "META-INF/com.apple.ibooks.display-options.xml",
                options(CompressionMethod::Deflated),
            )?;
            self.zip
                .write_all(crate::fonts::APPLE_DISPLAY_OPTIONS.as_bytes())?;
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
                self.file(
                    &href,
                    CompressionMethod::Deflated,
                    pages::part(meta, &id, title).as_bytes(),
                )?;
                part_items.push(Item {
                    id,
                    href,
                    media_type: XHTML,
                    properties: None,
                });
            }
        }
        self.file(
            pages::STYLESHEET,
            CompressionMethod::Deflated,
            book.css.as_bytes(),
        )?;

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
            .map(|(_, c)| c.title.as_str())
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
        self.file(
            "nav.xhtml",
            CompressionMethod::Deflated,
            nav::nav(meta, labels, &outline, &landmarks).as_bytes(),
        )?;
        self.file(
            "toc.ncx",
            CompressionMethod::Deflated,
            nav::ncx(meta, &outline).as_bytes(),
        )?;

        // The manifest lists every file; the spine, the reading order.
        let mut items: Vec<Item> = Vec::new();
        items.push(Item {
            id: "nav".into(),
            href: "nav.xhtml".into(),
            media_type: XHTML,
            properties: Some("nav"),
        });
        items.push(Item {
            id: "ncx".into(),
            href: "toc.ncx".into(),
            media_type: "application/x-dtbncx+xml",
            properties: None,
        });
        items.push(Item {
            id: "css".into(),
            href: pages::STYLESHEET.into(),
            media_type: "text/css",
            properties: None,
        });
        let mut spine: Vec<String> = front.iter().map(|i| i.id.clone()).collect();
        let mut part_n = 0;
        for entry in book.contents {
            match entry {
                Entry::Essay(id) => spine.push(format!("ch-{id}")),
                Entry::Part { essays, .. } => {
                    spine.push(part_items[part_n].id.clone());
                    part_n += 1;
                    spine.extend(essays.iter().map(|id| format!("ch-{id}")));
                }
            }
        }
        spine.extend(back_items.iter().map(|i| i.id.clone()));
        items.extend(front);
        items.extend(part_items);
        items.extend(back_items);
        items.append(&mut self.items);
        let spine: Vec<&str> = spine.iter().map(String::as_str).collect();

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
        let package = opf::package(
            meta,
            &people(meta, book.chapters),
            &access,
            &items,
            &spine,
            &guide,
        );
        self.file(
            "content.opf",
            CompressionMethod::Deflated,
            package.as_bytes(),
        )?;
        let output = self.zip.finish()?;
        if output.dead.get() {
            return Err(AssembleError::Io(std::io::Error::other(
                "an earlier write failed",
            )));
        }
        Ok(output.inner)
    }
}

/// Everyone the metadata names: the manifest's creators (one entry per person, with all their
/// roles; authors and editors are the book's creators), then each essay's author — a
/// contributor of the book, or an added role of someone already named.
fn people(meta: &BookMeta, chapters: &[Chapter]) -> Vec<Person> {
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
    for name in chapters.iter().flat_map(|c| &c.authors) {
        // The contributors page's `file-as` sorts the essays' authors in the metadata too.
        let file_as = meta
            .matter
            .contributors
            .iter()
            .flatten()
            .find(|c| &c.name == name)
            .and_then(|c| c.file_as.as_ref());
        add(name, Role::Author, file_as, false);
    }
    people
}
