//! The plain data that passes between stages: book metadata (from the manifest), chapters
//! (from the converter) and resources. No stage's internals leak into these types.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::text::Packed;

/// Everything the OPF and the generated pages say about the book.
#[derive(Debug, Clone, Default)]
pub struct BookMeta {
    pub title: String,
    pub subtitle: Option<String>,
    /// A valid BCP 47 tag.
    pub language: String,
    /// The package's unique identifier (`urn:isbn:…`, `urn:uuid:…` or the manifest's own).
    pub identifier: String,
    /// Other identifiers (the ISBN when `identifier` is also given).
    pub other_identifiers: Vec<String>,
    pub isbn: Option<String>,
    pub creators: Vec<Creator>,
    pub publisher: Option<String>,
    /// W3CDTF: `2024`, `2024-05` or `2024-05-01`.
    pub date: Option<String>,
    pub description: Option<String>,
    pub rights: Option<String>,
    pub subjects: Vec<String>,
    pub series: Option<Series>,
    pub toc_depth: u8,
    /// `show-reading-time`: each essay's reading time and word count on the contents page.
    pub show_reading_time: bool,
    /// `dcterms:modified`, `CCYY-MM-DDThh:mm:ssZ`.
    pub modified: String,
    /// The pages the book makes of the manifest's words, each only when asked for.
    pub matter: Matter,
}

/// Front and back matter generated from the manifest: a dedication and an epigraph after the
/// title page; sources, contributors and a colophon after the last essay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matter {
    pub dedication: Option<Inline>,
    pub epigraph: Option<Epigraph>,
    /// `Some` when the book has an "About the contributors" page; the bios the manifest gives.
    pub contributors: Option<Vec<Contributor>>,
    /// `Some` when the book has a page of sources and acknowledgements; its opening words.
    pub sources: Option<Option<Inline>>,
    /// `Some` when the book has a colophon; a note of the manifest's to add to it.
    pub colophon: Option<Option<Inline>>,
}

/// Words from the manifest, in inline Markdown: `text` as written, `html` as XHTML. The
/// manifest sets `html` to the escaped text; the converter renders the Markdown
/// (`convert::render_matter`), so the assembler only ever copies `html`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inline {
    pub text: String,
    pub html: String,
}

impl Inline {
    pub fn plain(text: &str) -> Inline {
        Inline {
            text: text.to_string(),
            html: crate::text::escape(text),
        }
    }
}

/// A quotation that opens the book or an essay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Epigraph {
    pub text: Inline,
    /// Who or what it is from.
    pub cite: Option<Inline>,
}

/// A contributor as the manifest describes them, for the contributors page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contributor {
    pub name: String,
    pub bio: Option<Inline>,
    pub file_as: Option<String>,
    /// An `http(s)` address: their site.
    pub url: Option<String>,
}

/// What an essay is to the book: a chapter of its body, or front or back matter. The kind
/// gives the essay's `epub:type` and ARIA role, its landmark, and where it may stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum EssayKind {
    #[default]
    Chapter,
    Foreword,
    Preface,
    Introduction,
    Prologue,
    Epilogue,
    Afterword,
    Conclusion,
    Appendix,
}

/// Where an essay of a kind stands: before, in or after the body of the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    Front,
    Body,
    Back,
}

impl EssayKind {
    pub const ALL: [EssayKind; 9] = [
        EssayKind::Chapter,
        EssayKind::Foreword,
        EssayKind::Preface,
        EssayKind::Introduction,
        EssayKind::Prologue,
        EssayKind::Epilogue,
        EssayKind::Afterword,
        EssayKind::Conclusion,
        EssayKind::Appendix,
    ];

    /// The name in the manifest, which is also the `epub:type` (EPUB Structural Semantics).
    pub fn name(self) -> &'static str {
        match self {
            EssayKind::Chapter => "chapter",
            EssayKind::Foreword => "foreword",
            EssayKind::Preface => "preface",
            EssayKind::Introduction => "introduction",
            EssayKind::Prologue => "prologue",
            EssayKind::Epilogue => "epilogue",
            EssayKind::Afterword => "afterword",
            EssayKind::Conclusion => "conclusion",
            EssayKind::Appendix => "appendix",
        }
    }

    /// The DPUB-ARIA role that says the same to assistive technology.
    pub fn role(self) -> &'static str {
        match self {
            EssayKind::Chapter => "doc-chapter",
            EssayKind::Foreword => "doc-foreword",
            EssayKind::Preface => "doc-preface",
            EssayKind::Introduction => "doc-introduction",
            EssayKind::Prologue => "doc-prologue",
            EssayKind::Epilogue => "doc-epilogue",
            EssayKind::Afterword => "doc-afterword",
            EssayKind::Conclusion => "doc-conclusion",
            EssayKind::Appendix => "doc-appendix",
        }
    }

    pub fn place(self) -> Place {
        match self {
            EssayKind::Chapter => Place::Body,
            EssayKind::Foreword
            | EssayKind::Preface
            | EssayKind::Introduction
            | EssayKind::Prologue => Place::Front,
            EssayKind::Epilogue
            | EssayKind::Afterword
            | EssayKind::Conclusion
            | EssayKind::Appendix => Place::Back,
        }
    }
}

impl FromStr for EssayKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let s = s.trim().to_ascii_lowercase();
        EssayKind::ALL.into_iter().find(|k| k.name() == s).ok_or(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creator {
    pub name: String,
    pub role: Role,
    pub file_as: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    pub position: Option<String>,
}

/// A contributor's role, with its MARC relator code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Wrote the work.
    Author,
    /// Edited the collection.
    Editor,
    /// Translated the work.
    Translator,
    /// Made its pictures.
    Illustrator,
    /// Contributed to it otherwise.
    Contributor,
    /// Compiled it.
    Compiler,
    /// Wrote its introduction.
    Introduction,
    /// Wrote its foreword.
    Foreword,
    /// Wrote its afterword.
    Afterword,
    /// Took its photographs.
    Photographer,
    /// Designed its cover.
    CoverDesigner,
    /// Wrote its notes.
    Annotator,
    /// Adapted it.
    Adapter,
    /// Narrated it.
    Narrator,
}

impl Role {
    /// Every role, in the order the manifest documents them.
    pub const ALL: [Role; 14] = [
        Role::Author,
        Role::Editor,
        Role::Translator,
        Role::Illustrator,
        Role::Contributor,
        Role::Compiler,
        Role::Introduction,
        Role::Foreword,
        Role::Afterword,
        Role::Photographer,
        Role::CoverDesigner,
        Role::Annotator,
        Role::Adapter,
        Role::Narrator,
    ];

    /// The name used in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Role::Author => "author",
            Role::Editor => "editor",
            Role::Translator => "translator",
            Role::Illustrator => "illustrator",
            Role::Contributor => "contributor",
            Role::Compiler => "compiler",
            Role::Introduction => "introduction",
            Role::Foreword => "foreword",
            Role::Afterword => "afterword",
            Role::Photographer => "photographer",
            Role::CoverDesigner => "cover-designer",
            Role::Annotator => "annotator",
            Role::Adapter => "adapter",
            Role::Narrator => "narrator",
        }
    }

    /// The MARC relator code (<https://id.loc.gov/vocabulary/relators>).
    pub fn marc(self) -> &'static str {
        match self {
            Role::Author => "aut",
            Role::Editor => "edt",
            Role::Translator => "trl",
            Role::Illustrator => "ill",
            Role::Contributor => "ctb",
            Role::Compiler => "com",
            Role::Introduction | Role::Foreword => "aui",
            Role::Afterword => "aft",
            Role::Photographer => "pht",
            Role::CoverDesigner => "cov",
            Role::Annotator => "ann",
            Role::Adapter => "adp",
            Role::Narrator => "nrt",
        }
    }

    /// Authors and editors are the book's creators; everyone else contributed to it.
    pub fn is_primary(self) -> bool {
        matches!(self, Role::Author | Role::Editor)
    }
}

impl FromStr for Role {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let s = s.trim().to_ascii_lowercase();
        Role::ALL
            .into_iter()
            .find(|r| r.name() == s || (r.marc() == s && *r != Role::Foreword))
            .ok_or(())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A file packed into the book: an image, the cover, a stylesheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Path inside the package folder, e.g. `images/fig-1.png`.
    pub href: String,
    pub media_type: &'static str,
    pub data: Arc<Vec<u8>>,
}

/// One heading of an essay that goes into the table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocEntry {
    /// Rendered heading level: 2 for the first level inside an essay.
    pub level: u8,
    pub title: String,
    /// The heading's id inside the chapter file.
    pub id: String,
}

/// A link from one chapter to an anchor in another, settled once every chapter is converted.
/// The chapter's body holds the markers `\0<n\0` and `\0>n\0` for the link's start and end tags,
/// `n` being the link's place in [`Chapter::cross_links`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossLink {
    /// The target essay's id.
    pub essay: String,
    /// The anchor as the author wrote it (`anchor` in `other.md#anchor`).
    pub fragment: String,
    pub title: Option<String>,
    /// Where the link is in the essay, for the warning when the anchor does not exist.
    pub origin: crate::diag::Location,
}

/// An essay converted into XHTML: the body of its page and what the book needs to know of it.
#[derive(Debug, Clone, Default)]
pub struct Chapter {
    /// Unique in the book; also the file name (`text/{id}.xhtml`) and the prefix of its ids.
    pub id: String,
    /// Plain text, for the table of contents and metadata.
    pub title: String,
    /// XHTML (inline Markdown of the title: `On *Walden*`).
    pub title_html: String,
    pub subtitle: Option<String>,
    pub subtitle_html: Option<String>,
    pub authors: Vec<String>,
    /// The essay's own language, when it differs from the book's.
    pub language: Option<String>,
    pub date: Option<String>,
    /// Where the essay first appeared, and its rights: XHTML (inline Markdown).
    pub source: Option<String>,
    pub rights: Option<String>,
    pub kind: EssayKind,
    /// The inside of `<body>`.
    pub body: String,
    pub toc: Vec<TocEntry>,
    pub resources: Vec<Resource>,
    /// Images on the page, and how many of them have no alt text (for accessibility metadata).
    pub images: usize,
    pub images_without_alt: usize,
    /// How much there is to read (body and notes, not the title and byline), how many notes
    /// and section headings: for the reading time on the contents page and `anthology stats`.
    pub words: crate::text::Words,
    pub notes: usize,
    pub headings: usize,
    /// Anchors a link may name (`anchor` in `essay.md#anchor`) → the id written in the file.
    pub anchors: HashMap<String, String>,
    pub cross_links: Vec<CrossLink>,
}

impl Chapter {
    pub fn href(&self) -> String {
        chapter_href(&self.id)
    }
}

/// What the book keeps of an essay once its page is written: what the contents, the
/// navigation, the package document, the back matter, `stats` and `publish` say of it. A book
/// holds one for each of its essays until the end, so the texts are packed end to end in one
/// string ([`Packed`]) rather than kept as a dozen strings each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub id: String,
    pub kind: EssayKind,
    pub words: crate::text::Words,
    pub notes: usize,
    pub headings: usize,
    pub images: usize,
    pub images_without_alt: usize,
    /// The slots of [`Slot`], then the authors, then the headings.
    texts: Packed,
    /// Which of the optional slots the essay has.
    present: u8,
    authors: u16,
}

/// The texts of a [`Summary`], in this order. The first two are always there.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Title,
    TitleHtml,
    Subtitle,
    SubtitleHtml,
    Language,
    Date,
    Source,
    Rights,
}

const SLOTS: usize = Slot::Rights as usize + 1;

/// A heading of an essay's summary, as [`TocEntry`] but borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heading<'a> {
    pub level: u8,
    pub title: &'a str,
    pub id: &'a str,
}

impl Summary {
    pub fn of(chapter: &Chapter) -> Summary {
        let c = chapter;
        let mut texts = Packed::builder();
        let mut present = 0;
        let optional = [
            (Slot::Subtitle, &c.subtitle),
            (Slot::SubtitleHtml, &c.subtitle_html),
            (Slot::Language, &c.language),
            (Slot::Date, &c.date),
            (Slot::Source, &c.source),
            (Slot::Rights, &c.rights),
        ];
        texts.push(&c.title);
        texts.push(&c.title_html);
        for (slot, text) in optional {
            if text.is_some() {
                present |= 1 << slot as u8;
            }
            texts.push(text.as_deref().unwrap_or_default());
        }
        // More than 65,535 authors of one essay are not kept.
        let authors = &c.authors[..c.authors.len().min(usize::from(u16::MAX))];
        for a in authors {
            texts.push(a);
        }
        // The headings' levels, a digit each, then each heading's title and id.
        let levels: String = c
            .toc
            .iter()
            .map(|e| char::from(b'0' + e.level.min(9)))
            .collect();
        texts.push(&levels);
        for e in &c.toc {
            texts.push(&e.title);
            texts.push(&e.id);
        }
        Summary {
            id: c.id.clone(),
            kind: c.kind,
            words: c.words,
            notes: c.notes,
            headings: c.headings,
            images: c.images,
            images_without_alt: c.images_without_alt,
            texts: texts.finish(),
            present,
            authors: u16::try_from(authors.len()).unwrap_or(u16::MAX),
        }
    }

    /// An optional slot's text, when the essay has it.
    fn slot(&self, slot: Slot) -> Option<&str> {
        (self.present & (1 << slot as u8) != 0).then(|| self.texts.get(slot as usize))
    }

    /// Plain text, for the table of contents and metadata.
    pub fn title(&self) -> &str {
        self.texts.get(Slot::Title as usize)
    }

    /// XHTML (inline Markdown of the title).
    pub fn title_html(&self) -> &str {
        self.texts.get(Slot::TitleHtml as usize)
    }

    pub fn subtitle(&self) -> Option<&str> {
        self.slot(Slot::Subtitle)
    }

    #[cfg(test)]
    pub fn subtitle_html(&self) -> Option<&str> {
        self.slot(Slot::SubtitleHtml)
    }

    /// The essay's own language, when it differs from the book's.
    pub fn language(&self) -> Option<&str> {
        self.slot(Slot::Language)
    }

    pub fn date(&self) -> Option<&str> {
        self.slot(Slot::Date)
    }

    /// Where the essay first appeared: XHTML.
    pub fn source(&self) -> Option<&str> {
        self.slot(Slot::Source)
    }

    /// The essay's rights: XHTML.
    pub fn rights(&self) -> Option<&str> {
        self.slot(Slot::Rights)
    }

    pub fn authors(&self) -> impl ExactSizeIterator<Item = &str> + Clone {
        (SLOTS..SLOTS + usize::from(self.authors)).map(|i| self.texts.get(i))
    }

    /// The headings that go into the table of contents, in order.
    pub fn toc(&self) -> impl ExactSizeIterator<Item = Heading<'_>> + Clone {
        let first = SLOTS + usize::from(self.authors);
        let levels = self.texts.get(first).as_bytes();
        let count = levels
            .len()
            .min(self.texts.len().saturating_sub(first + 1) / 2);
        (0..count).map(move |n| Heading {
            level: levels[n].wrapping_sub(b'0'),
            title: self.texts.get(first + 1 + 2 * n),
            id: self.texts.get(first + 2 + 2 * n),
        })
    }

    pub fn href(&self) -> String {
        chapter_href(&self.id)
    }
}

/// Where a chapter's page lives, relative to the package folder.
pub fn chapter_href(id: &str) -> String {
    format!("text/{id}.xhtml")
}

/// The book's structure: parts and essays in reading order, by chapter id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Essay(String),
    Part { title: String, essays: Vec<String> },
}

/// An essay's metadata: the manifest's overrides, else its front matter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EssayMeta {
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub authors: Vec<String>,
    pub date: Option<String>,
    pub language: Option<String>,
    pub source: Option<String>,
    pub rights: Option<String>,
    /// The quotation the essay opens with (inline Markdown, as written).
    pub epigraph: Option<Epigraph>,
    /// From the manifest: what the essay is to the book.
    pub kind: EssayKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_gives_back_what_the_chapter_had() {
        let chapter = Chapter {
            id: "walden".into(),
            title: "On Walden".into(),
            title_html: "On <i>Walden</i>".into(),
            subtitle: None,
            subtitle_html: None,
            authors: vec!["Ann Lee".into(), String::new(), "Bo Ek".into()],
            language: Some("fr".into()),
            date: None,
            source: Some(String::new()),
            rights: Some("© Ann Lee".into()),
            toc: vec![
                TocEntry {
                    level: 2,
                    title: "Économie".into(),
                    id: "walden-economie".into(),
                },
                TocEntry {
                    level: 6,
                    title: String::new(),
                    id: "walden-x".into(),
                },
            ],
            notes: 3,
            ..Chapter::default()
        };
        let s = Summary::of(&chapter);
        assert_eq!(
            (s.title(), s.title_html()),
            ("On Walden", "On <i>Walden</i>")
        );
        assert_eq!((s.subtitle(), s.subtitle_html()), (None, None));
        assert_eq!((s.language(), s.date()), (Some("fr"), None));
        // Present and empty is not absent.
        assert_eq!((s.source(), s.rights()), (Some(""), Some("© Ann Lee")));
        assert_eq!(s.authors().collect::<Vec<_>>(), ["Ann Lee", "", "Bo Ek"]);
        let toc: Vec<Heading> = s.toc().collect();
        assert_eq!(
            toc,
            [
                Heading {
                    level: 2,
                    title: "Économie",
                    id: "walden-economie"
                },
                Heading {
                    level: 6,
                    title: "",
                    id: "walden-x"
                }
            ]
        );
        assert_eq!((s.id.as_str(), s.notes), ("walden", 3));

        let bare = Summary::of(&Chapter::default());
        assert_eq!(
            (bare.title(), bare.authors().len(), bare.toc().len()),
            ("", 0, 0)
        );
    }
}
