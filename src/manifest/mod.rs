//! The manifest: `anthology.yaml` → a checked [`Collection`] (metadata, cover, style, and the
//! essays in reading order, every path proven to be a file inside the collection). Essays are
//! read later, one at a time, by [`read_essay`]. This is the only module that knows YAML; it
//! also reads other tools' YAML as plain [`Data`] and writes YAML scalars for `import`.

mod check;
mod depth;
mod essay;
mod foreign;
mod matter;
mod raw;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod yaml;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_yaml::Value;

pub use essay::{decode, read as read_essay};
pub use foreign::{Data, parse_data, yaml_scalar};

use crate::book::{BookMeta, Creator, EssayKind, Place, Role, Series};
use crate::diag::{Diagnostic, did_you_mean};
use crate::fonts::Font;
use crate::paths::{Files, InnerPath, Root};
use crate::text::slug;
use crate::themes::{self, Theme};
use raw::{
    CONTRIBUTOR_KEYS, CREATOR_KEYS, EPIGRAPH_KEYS, ESSAY_KEYS, MANIFEST_KEYS, PART_KEYS,
    SERIES_KEYS, Text,
};
use yaml::{Doc, index, join};

pub const MANIFEST_FILE: &str = "anthology.yaml";

/// A manifest and everything it names, checked.
#[derive(Debug, Clone)]
pub struct Collection {
    pub root: Root,
    pub meta: BookMeta,
    pub cover: Option<Cover>,
    pub style: Style,
    /// A style sheet of the user's, added after the theme.
    pub extra_css: Option<InnerPath>,
    pub fonts: Vec<Font>,
    pub contents: Vec<Item>,
}

#[derive(Debug, Clone)]
pub struct Cover {
    pub file: InnerPath,
    pub media_type: &'static str,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone)]
pub enum Style {
    Theme(&'static Theme),
    File(InnerPath),
}

impl Style {
    /// The theme's name; a style sheet of the user's counts as the default theme (for the
    /// generated cover's look).
    pub fn name(&self) -> &'static str {
        match self {
            Style::Theme(t) => t.name,
            Style::File(_) => themes::DEFAULT,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Item {
    Essay(EssayRef),
    Part {
        title: String,
        essays: Vec<EssayRef>,
    },
}

/// An essay as the manifest lists it; its text is read by [`read_essay`].
#[derive(Debug, Clone)]
pub struct EssayRef {
    /// Unique in the book, safe as a file name and as an XML id.
    pub id: String,
    pub file: InnerPath,
    /// What the manifest says of the essay, over its front matter. Boxed, and `None` for an
    /// essay listed by its path alone: a manifest may list thousands of essays.
    pub given: Option<Box<Given>>,
    pub kind: EssayKind,
}

/// The title, subtitle and authors the manifest gives an essay.
#[derive(Debug, Clone, Default)]
pub struct Given {
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub authors: Option<Vec<String>>,
}

impl Collection {
    pub fn essays(&self) -> impl Iterator<Item = &EssayRef> {
        self.contents.iter().flat_map(|item| match item {
            Item::Essay(e) => std::slice::from_ref(e),
            Item::Part { essays, .. } => essays.as_slice(),
        })
    }

    /// Essay ids by path relative to the collection, for links between essays.
    pub fn essay_ids(&self) -> HashMap<&str, &str> {
        self.essays()
            .map(|e| (e.file.rel.as_str(), e.id.as_str()))
            .collect()
    }
}

/// Whether `date` is a date the book's metadata can carry (W3CDTF: `YYYY`, `YYYY-MM`…).
pub fn valid_date(date: &str) -> bool {
    check::w3c_date(date)
}

/// Finds the manifest: `path` itself, or `anthology.yaml` inside the folder `path`.
pub fn find(path: &Path) -> Result<PathBuf, Diagnostic> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            // `anthology build .` names `anthology.yaml`, not `./anthology.yaml`.
            let file = if path == Path::new(".") {
                PathBuf::from(MANIFEST_FILE)
            } else {
                path.join(MANIFEST_FILE)
            };
            if file.is_file() {
                Ok(file)
            } else {
                Err(Diagnostic::error(
                    "no-manifest",
                    format!("no {MANIFEST_FILE} in {}", path.display()),
                )
                .help("create one with `anthology new <DIR>`, or name the manifest file"))
            }
        }
        Ok(_) => Ok(path.to_path_buf()),
        Err(e) => Err(Diagnostic::error(
            "no-manifest",
            format!("cannot open {}: {e}", path.display()),
        )),
    }
}

/// Reads and checks the manifest at `path` (a file or a folder holding one). Every problem
/// found goes to `diags`; `None` when the collection cannot be built.
pub fn load(path: &Path, diags: &mut Vec<Diagnostic>) -> Option<Collection> {
    let manifest = match find(path) {
        Ok(m) => m,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let folder = manifest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let root = match Root::new(folder) {
        Ok(r) => r,
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "unreadable",
                    format!("cannot open the collection folder: {e}"),
                )
                .in_file(folder),
            );
            return None;
        }
    };
    let name = manifest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    load_in(root, name.as_deref().unwrap_or(MANIFEST_FILE), diags)
}

/// [`load`] for the manifest `name` of the collection at `root` (on disk or in memory).
pub fn load_in(root: Root, name: &str, diags: &mut Vec<Diagnostic>) -> Option<Collection> {
    let manifest = root.shown(name);
    let bytes = match root.read_file("", name) {
        Ok((_, b)) => b,
        Err(e) => {
            diags.push(
                Diagnostic::error("unreadable", format!("cannot read the manifest: {e}"))
                    .in_file(&manifest),
            );
            return None;
        }
    };
    let text = match decode(bytes, &manifest) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    from_text(root, &manifest, &text, diags)
}

/// Checks the manifest `text`, read from the file `manifest` of the collection at `root`.
fn from_text(
    root: Root,
    manifest: &Path,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Collection> {
    let (doc, value) = parse(manifest, text, diags)?;
    let errors_before = crate::diag::error_count(diags);
    let shaped = check_keys(&doc, &value, diags);
    let raw: raw::Manifest = match doc.typed(&value) {
        Ok(r) => r,
        Err(d) => {
            // A shape already reported at its place needs no second, vaguer message.
            if shaped {
                diags.push(d);
            }
            return None;
        }
    };
    // The untyped tree is not kept: a manifest may list thousands of essays.
    drop(value);
    let mut v = Validator {
        doc: &doc,
        files: Files::new(&root),
        diags,
        used_ids: HashSet::new(),
        next_suffix: HashMap::new(),
        seen: HashMap::new(),
    };
    let mut meta = v.meta(&raw);
    if let Some(m) = &mut meta {
        m.matter = v.matter(&raw);
    }
    let cover = raw.cover.as_ref().and_then(|c| v.cover(c));
    let style = v.style(raw.style.as_ref());
    if raw.cover.is_none()
        && let Some(m) = &meta
    {
        let theme = style.as_ref().map_or(themes::DEFAULT, Style::name);
        v.generated_cover_text(m, theme);
    }
    let extra_css = v.extra_css(raw.extra_css.as_ref());
    let fonts = v.fonts(raw.fonts.as_ref());
    let contents = match raw.contents {
        Some(c) => v.contents(c),
        None => {
            v.required(
                None,
                "contents",
                "add `contents:` with the essays, one path per line",
            );
            Vec::new()
        }
    };
    if crate::diag::error_count(diags) > errors_before {
        return None;
    }
    Some(Collection {
        root,
        meta: meta?,
        cover,
        style: style?,
        extra_css,
        fonts,
        contents,
    })
}

fn parse<'a>(
    manifest: &'a Path,
    text: &'a str,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Doc<'a>, Value)> {
    let (doc, value) = match Doc::parse(manifest, text, 0) {
        Ok(parsed) => parsed,
        Err(errors) => {
            diags.extend(errors);
            return None;
        }
    };
    if !matches!(value, Value::Mapping(_)) {
        let what = if value.is_null() {
            "the manifest is empty"
        } else {
            "the manifest must be a mapping of keys"
        };
        diags.push(
            Diagnostic::error("manifest-shape", what)
                .at(doc.value_at(""))
                .help("start with `title:`, `language:` and `contents:` (see `anthology new`)"),
        );
        return None;
    }
    Some((doc, value))
}

/// Unknown keys anywhere in the manifest, all of them.
/// Returns false when a value has a shape that typing would refuse with a poorer message.
fn check_keys(doc: &Doc, value: &Value, diags: &mut Vec<Diagnostic>) -> bool {
    doc.unknown_keys(value, "", MANIFEST_KEYS, "the manifest", true, diags);
    let mut shaped = doc.names(value, "", &["subjects", "fonts"], diags);
    if let Some(Value::Sequence(list)) = value.get("contributors") {
        for (i, c) in list.iter().enumerate() {
            doc.unknown_keys(
                c,
                &index("contributors", i),
                CONTRIBUTOR_KEYS,
                "a contributor",
                true,
                diags,
            );
        }
    }
    if let Some(epigraph) = value.get("epigraph") {
        doc.unknown_keys(
            epigraph,
            "epigraph",
            EPIGRAPH_KEYS,
            "`epigraph`",
            true,
            diags,
        );
    }
    if let Some(Value::Sequence(creators)) = value.get("creators") {
        for (i, c) in creators.iter().enumerate() {
            doc.unknown_keys(
                c,
                &index("creators", i),
                CREATOR_KEYS,
                "a creator",
                true,
                diags,
            );
        }
    }
    if let Some(series) = value.get("series") {
        doc.unknown_keys(series, "series", SERIES_KEYS, "`series`", true, diags);
    }
    fn items(doc: &Doc, value: &Value, path: &str, diags: &mut Vec<Diagnostic>) -> bool {
        let Value::Sequence(list) = value else {
            return true;
        };
        let mut shaped = true;
        for (i, item) in list.iter().enumerate() {
            let p = index(path, i);
            if item.get("part").is_some() {
                doc.unknown_keys(item, &p, PART_KEYS, "a part", true, diags);
                if let Some(essays) = item.get("essays") {
                    shaped &= items(doc, essays, &join(&p, "essays"), diags);
                }
            } else {
                doc.unknown_keys(item, &p, ESSAY_KEYS, "an essay entry", true, diags);
                shaped &= doc.names(item, &p, &["author", "authors"], diags);
            }
        }
        shaped
    }
    if let Some(contents) = value.get("contents") {
        shaped &= items(doc, contents, "contents", diags);
    }
    shaped
}

/// Semantic checks, each reported at its value's place.
struct Validator<'a, 'd> {
    doc: &'a Doc<'a>,
    /// The collection's files, their folders looked up once.
    files: Files<'a>,
    diags: &'d mut Vec<Diagnostic>,
    used_ids: HashSet<String>,
    /// For each id stem, the number its next id would take (`self-reliance-3`).
    next_suffix: HashMap<String, usize>,
    /// Essay files already listed, with the path of their place in the manifest (the
    /// location is made only for a file listed twice).
    seen: HashMap<String, String>,
}

/// Page names the assembler uses itself; an essay may not take them.
const RESERVED_IDS: &[&str] = &[
    "cover",
    "titlepage",
    "contents",
    "nav",
    "toc",
    "dedication",
    "epigraph",
    "sources",
    "contributors",
    "colophon",
];

impl Validator<'_, '_> {
    fn error(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        path: &str,
    ) -> &mut Diagnostic {
        let d = Diagnostic::error(code, message).at(self.doc.value_at(path));
        self.diags.push(d);
        self.diags.last_mut().expect("just pushed")
    }

    fn text(&mut self, t: Option<&Text>, path: &str) -> Option<String> {
        let t = t?.0.trim().to_string();
        if t.is_empty() {
            self.error("empty", format!("`{path}` is empty"), path);
            return None;
        }
        Some(t)
    }

    /// A required field that is absent: reported at the top of the file, unless an unknown
    /// key already said "did you mean" this field.
    fn required<'t>(&mut self, value: Option<&'t Text>, key: &str, help: &str) -> Option<&'t Text> {
        if value.is_none() {
            let suggested = format!("did you mean `{key}`?");
            if !self
                .diags
                .iter()
                .any(|d| d.help.as_deref() == Some(&suggested))
            {
                let d = Diagnostic::error("missing-field", format!("`{key}` is required"))
                    .in_file(self.doc.path);
                self.diags.push(d.help(help));
            }
        }
        value
    }

    fn meta(&mut self, raw: &raw::Manifest) -> Option<BookMeta> {
        let title = self.required(
            raw.title.as_ref(),
            "title",
            "add `title: <the book's title>`",
        );
        let title = title.and_then(|t| self.text(Some(t), "title"));
        let language = self
            .required(
                raw.language.as_ref(),
                "language",
                "add `language: en` (or the book's BCP 47 language tag)",
            )
            .map(|l| l.0.trim().to_string())
            .unwrap_or_default();
        if raw.language.is_some()
            && let Err((reason, guess)) = crate::language::check(&language)
        {
            let d = self.error(
                "language",
                format!("`{language}` is not a valid BCP 47 language tag: {reason}"),
                "language",
            );
            d.help = Some(match guess {
                Some(g) => format!("did you mean `{g}`?"),
                None => "use a tag such as `en`, `en-GB`, `fr` or `pt-BR`".into(),
            });
        }
        let isbn = raw.isbn.as_ref().and_then(|t| match check::isbn(&t.0) {
            Ok(digits) => Some(digits),
            Err(reason) => {
                self.error("isbn", format!("invalid ISBN: {reason}"), "isbn");
                None
            }
        });
        let date = self.text(raw.date.as_ref(), "date");
        if let Some(d) = &date
            && !check::w3c_date(d)
        {
            self.error(
                "date",
                format!("`{d}` is not a date the book can carry"),
                "date",
            )
            .help = Some("write it as YYYY, YYYY-MM or YYYY-MM-DD".into());
        }
        let creators = self.creators(&raw.creators);
        let toc_depth = match raw.toc_depth {
            None => 2,
            Some(d @ 1..=6) => d as u8,
            Some(d) => {
                self.error(
                    "toc-depth",
                    format!("`toc-depth` must be between 1 and 6, not {d}"),
                    "toc-depth",
                );
                2
            }
        };
        let series = raw.series.as_ref().and_then(|s| {
            let name = self.text(Some(&s.name), "series.name")?;
            let position = s.position.as_ref().map(|p| p.0.trim().to_string());
            if let Some(p) = &position
                && !p.parse::<f64>().is_ok_and(|n| n >= 0.0)
            {
                self.error(
                    "series",
                    format!("`series.position` must be a number, not `{p}`"),
                    "series.position",
                );
            }
            Some(Series { name, position })
        });
        let subjects = raw
            .subjects
            .as_ref()
            .map(|s| match s {
                raw::OneOrMany::One(t) => vec![t.0.clone()],
                raw::OneOrMany::Many(v) => v.iter().map(|t| t.0.clone()).collect(),
            })
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let title = title?;
        let own_identifier = self.text(raw.identifier.as_ref(), "identifier");
        let isbn_urn = isbn.as_ref().map(|d| format!("urn:isbn:{d}"));
        let (identifier, other_identifiers) = match (own_identifier, isbn_urn) {
            (Some(id), Some(isbn)) => (id, vec![isbn]),
            (Some(id), None) => (id, vec![]),
            (None, Some(isbn)) => (isbn, vec![]),
            (None, None) => (default_identifier(&title, &creators), vec![]),
        };
        Some(BookMeta {
            subtitle: self.text(raw.subtitle.as_ref(), "subtitle"),
            language,
            identifier,
            other_identifiers,
            isbn,
            creators,
            publisher: self.text(raw.publisher.as_ref(), "publisher"),
            date,
            description: self.text(raw.description.as_ref(), "description"),
            rights: self.text(raw.rights.as_ref(), "rights"),
            subjects,
            series,
            toc_depth,
            show_reading_time: raw.show_reading_time.unwrap_or(false),
            modified: String::new(),
            matter: crate::book::Matter::default(),
            title,
        })
    }

    fn creators(&mut self, raw: &[raw::Creator]) -> Vec<Creator> {
        let mut out = Vec::new();
        for (i, c) in raw.iter().enumerate() {
            let base = index("creators", i);
            let Some(name) = self.text(Some(&c.name), &join(&base, "name")) else {
                continue;
            };
            let role = match &c.role {
                None => Role::Author,
                Some(r) => match r.0.parse::<Role>() {
                    Ok(role) => role,
                    Err(()) => {
                        let names = Role::ALL.map(Role::name);
                        let d = self.error(
                            "role",
                            format!("unknown role `{}`", r.0),
                            &join(&base, "role"),
                        );
                        d.help = Some(match did_you_mean(&r.0.to_ascii_lowercase(), names) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("roles: {}", names.join(", ")),
                        });
                        continue;
                    }
                },
            };
            let file_as = self.text(c.file_as.as_ref(), &join(&base, "file-as"));
            out.push(Creator {
                name,
                role,
                file_as,
            });
        }
        out
    }

    fn file(&mut self, raw: &Text, path: &str, what: &str) -> Option<InnerPath> {
        match self.files.file("", raw.0.trim()) {
            Ok(p) => Some(p),
            Err(problem) => {
                let help = problem.help();
                let d = self.error(
                    "path",
                    format!("{what} `{}`: {problem}", raw.0.trim()),
                    path,
                );
                d.help = help.map(str::to_string);
                None
            }
        }
    }

    fn cover(&mut self, raw: &Text) -> Option<Cover> {
        let file = self.file(raw, "cover", "cover")?;
        let data = match self.files.root().read(&file) {
            Ok(d) => d,
            Err(e) => {
                self.error("cover", format!("cannot read the cover: {e}"), "cover");
                return None;
            }
        };
        match crate::media::sniff_image(&data) {
            Some(t @ ("image/jpeg" | "image/png")) => {
                let Some((w, h)) = crate::media::dimensions(&data) else {
                    self.error(
                        "cover",
                        format!("`{}` is a damaged image: its size cannot be read", file.rel),
                        "cover",
                    )
                    .help = Some("export it again as a JPEG or PNG".into());
                    return None;
                };
                for problem in crate::media::reader_limits(w, h, data.len()) {
                    let d = Diagnostic::warning(
                        "cover-size",
                        format!("the cover ({w}×{h} pixels, {}) {problem}", crate::media::size(data.len())),
                    )
                    .at(self.doc.value_at("cover"))
                    .help("Apple Books and Kobo refuse larger covers: 1600×2560 pixels is what the stores ask for");
                    self.diags.push(d);
                }
                Some(Cover {
                    file,
                    media_type: t,
                    data,
                })
            }
            Some(other) => {
                self.error(
                    "cover",
                    format!("the cover is {other}; it must be a JPEG or PNG image"),
                    "cover",
                )
                .help =
                    Some("Kindle and Kobo need a raster cover: export it as JPEG or PNG".into());
                None
            }
            None => {
                self.error(
                    "cover",
                    format!("`{}` is not a JPEG or PNG image", raw.0.trim()),
                    "cover",
                );
                None
            }
        }
    }

    fn style(&mut self, raw: Option<&Text>) -> Option<Style> {
        let Some(raw) = raw else {
            return Some(Style::Theme(
                themes::find(themes::DEFAULT).expect("the default theme exists"),
            ));
        };
        let name = raw.0.trim();
        if let Some(theme) = themes::find(name) {
            return Some(Style::Theme(theme));
        }
        if name.ends_with(".css") || name.contains('/') {
            return self.file(raw, "style", "style sheet").map(Style::File);
        }
        let d = self.error("style", format!("unknown theme `{name}`"), "style");
        d.help = Some(match did_you_mean(name, themes::names()) {
            Some(s) => format!("did you mean `{s}`? (or give the path of a .css file)"),
            None => format!(
                "themes: {} (or give the path of a .css file)",
                themes::names().collect::<Vec<_>>().join(", ")
            ),
        });
        None
    }

    fn contents(&mut self, raw: Vec<raw::Item>) -> Vec<Item> {
        if raw.is_empty() {
            self.error("empty-contents", "`contents` lists no essays", "contents")
                .help = Some("list the essays' Markdown files under `contents:`".into());
        }
        let mut out = Vec::with_capacity(raw.len());
        let mut seen = Place::Front;
        for (i, item) in raw.into_iter().enumerate() {
            let path = index("contents", i);
            match item {
                raw::Item::Part(part) => {
                    let title = self.text(Some(&part.part), &join(&path, "part"));
                    let essays_path = join(&path, "essays");
                    if part.essays.is_empty() {
                        self.error("empty-part", "this part lists no essays", &essays_path);
                    }
                    let mut essays = Vec::new();
                    for (j, e) in part.essays.into_iter().enumerate() {
                        let p = index(&essays_path, j);
                        if let raw::Item::Part(_) = e {
                            self.error("nested-part", "a part cannot hold another part", &p);
                        } else if let Some(essay) = self.essay(e, &p) {
                            if essay.kind != EssayKind::Chapter {
                                self.error(
                                    "matter-order",
                                    format!("a {} cannot stand inside a part", essay.kind.name()),
                                    &join(&p, "type"),
                                )
                                .help =
                                    Some("list it outside the parts, before or after them".into());
                            }
                            essays.push(essay);
                        }
                    }
                    self.place(&mut seen, Place::Body, "a part", &join(&path, "part"));
                    if let Some(title) = title {
                        out.push(Item::Part { title, essays });
                    }
                }
                other => {
                    if let Some(essay) = self.essay(other, &path) {
                        let what = format!("a {}", essay.kind.name());
                        let at = if essay.kind == EssayKind::Chapter {
                            path.clone()
                        } else {
                            join(&path, "type")
                        };
                        self.place(&mut seen, essay.kind.place(), &what, &at);
                        out.push(Item::Essay(essay));
                    }
                }
            }
        }
        out
    }

    fn essay(&mut self, item: raw::Item, path: &str) -> Option<EssayRef> {
        let (file_text, file_path, title, subtitle, authors, kind) = match item {
            raw::Item::Path(t) => (t, path.to_string(), None, None, None, EssayKind::Chapter),
            raw::Item::Essay(e) => {
                let mut authors = e.authors.map(raw::OneOrMany::into_vec);
                if let Some(more) = e.author.map(raw::OneOrMany::into_vec) {
                    authors.get_or_insert_with(Vec::new).extend(more);
                }
                let title = self.text(e.title.as_ref(), &join(path, "title"));
                let subtitle = self.text(e.subtitle.as_ref(), &join(path, "subtitle"));
                let kind = self.essay_kind(e.kind.as_ref(), &join(path, "type"));
                (e.file, join(path, "file"), title, subtitle, authors, kind)
            }
            raw::Item::Part(_) => unreachable!("parts are handled by the caller"),
        };
        let file = self.file(&file_text, &file_path, "essay")?;
        if let Some(first) = self.seen.get(&file.rel) {
            let first = self.doc.value_at(first);
            self.error(
                "duplicate-essay",
                format!("`{}` is listed twice", file.rel),
                &file_path,
            )
            .help = Some(format!("it is first listed at {first}"));
            return None;
        }
        self.seen.insert(file.rel.clone(), file_path);
        let id = self.essay_id(&file.rel);
        let authors = authors.map(|a| {
            a.into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        });
        let given = Given {
            title,
            subtitle,
            authors,
        };
        let given = (given.title.is_some() || given.subtitle.is_some() || given.authors.is_some())
            .then(|| Box::new(given));
        Some(EssayRef {
            id,
            file,
            given,
            kind,
        })
    }

    fn essay_kind(&mut self, raw: Option<&Text>, path: &str) -> EssayKind {
        let Some(raw) = raw else {
            return EssayKind::Chapter;
        };
        raw.0.parse().unwrap_or_else(|()| {
            let names = EssayKind::ALL.map(EssayKind::name);
            let d = self.error(
                "type",
                format!("unknown essay type `{}`", raw.0.trim()),
                path,
            );
            d.help = Some(
                match did_you_mean(&raw.0.trim().to_ascii_lowercase(), names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("types: {}", names.join(", ")),
                },
            );
            EssayKind::Chapter
        })
    }

    /// Front matter (a foreword…) stands before the body and back matter (an afterword…)
    /// after it: readers' landmarks and the contents page rely on it.
    fn place(&mut self, seen: &mut Place, place: Place, what: &str, path: &str) {
        if place < *seen {
            let before = if place == Place::Front {
                "after the first chapter"
            } else {
                "after the back matter"
            };
            self.error("matter-order", format!("{what} stands {before}"), path)
                .help = Some(
                "list forewords and introductions first, afterwords and appendices last".into(),
            );
        }
        *seen = (*seen).max(place);
    }

    /// `essays/02-self-reliance.md` → `self-reliance`: the file's stem without an ordering
    /// prefix, as a slug that starts with a letter, unique in the book.
    fn essay_id(&mut self, rel: &str) -> String {
        let stem = Path::new(rel)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("essay");
        let unprefixed = stem
            .trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '-' | '_' | '.' | ' '));
        let mut base = slug(if unprefixed.is_empty() {
            stem
        } else {
            unprefixed
        });
        if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
            base = format!("essay-{base}").trim_end_matches('-').to_string();
        }
        if RESERVED_IDS.contains(&base.as_str()) || base.starts_with("part-") {
            base = format!("essay-{base}");
        }
        // Each stem counts on from where it last stopped: a thousand `index.md` of a site's
        // page bundles are not each tried against all the ids before them.
        let next = self.next_suffix.entry(base.clone()).or_insert(1);
        let mut id = if *next == 1 {
            base.clone()
        } else {
            format!("{base}-{next}")
        };
        while self.used_ids.contains(&id) {
            *next += 1;
            id = format!("{base}-{next}");
        }
        self.used_ids.insert(id.clone());
        id
    }
}

/// A UUID v5 of the title and the creators: the same book keeps the same identity.
fn default_identifier(title: &str, creators: &[Creator]) -> String {
    let mut name = format!("anthology:{title}");
    for c in creators {
        name.push('\n');
        name.push_str(&c.name);
    }
    format!(
        "urn:uuid:{}",
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes())
    )
}
