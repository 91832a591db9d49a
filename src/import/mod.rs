//! `anthology import`: a Jekyll site, a Hugo site, an Obsidian vault or any folder of
//! Markdown, or plain-text articles → a new collection (`anthology.yaml` + `essays/`) that
//! builds at once.
//!
//! Each kind of source has its module, which finds the pieces of writing with their metadata
//! (a `Scan`) and turns what only it knows — Liquid tags, Hugo shortcodes, wiki links — into
//! Markdown. This module then chooses and orders the essays, settles every link and image the
//! same way for all kinds (a link to another imported post → `other.md`, an image → a copy in
//! `essays/images/`), and writes the collection into a temporary folder that becomes DIR only
//! once it is complete. Nothing is ever written over: DIR must be new or empty.
//!
//! Whatever is not understood is a warning naming the file (and line); the import goes on.

mod folder;
mod front;
mod hugo;
mod jekyll;
mod plaintext;
mod rewrite;

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use percent_encoding::percent_decode_str;

use crate::cli::{ImportArgs, SourceKind};
use crate::diag::{Diagnostic, Severity, SourceFile, did_you_mean, location_in};
use crate::manifest::{self, Data, MANIFEST_FILE, yaml_scalar};
use crate::paths::{Root, parent_of};
use crate::text::{same_title, slug};
use rewrite::{Edit, Mapped, Span, inline_link, markdown_url};

/// Link targets the kind modules write for this module to settle: another essay (by its
/// place in the book), a copied image, or a link that leads nowhere (already reported).
const TO_ESSAY: &str = "anthology-essay:";
const TO_IMAGE: &str = "anthology-image:";
const UNRESOLVED: &str = "anthology-unresolved:";

/// A piece of writing found in the source.
#[derive(Debug, Default)]
struct Essay {
    /// Relative to the source folder, `/`-separated: how messages and order lists name it.
    rel: String,
    title: String,
    subtitle: Option<String>,
    authors: Vec<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    date: Option<String>,
    /// Its address on the site, from the site's root (`/2020/01/02/slug.html`).
    url: Option<String>,
    tags: Vec<String>,
    /// Why it is left out unless `--drafts` is given ("draft", "unpublished post").
    skip: Option<&'static str>,
    body: String,
    /// Lines of the file before the body.
    body_line: usize,
    /// The base of the output file name.
    slug: String,
    /// Other names that links use for it, lowercase: post names, note names, aliases.
    names: Vec<String>,
    /// Other addresses of it on the site (`redirect_from`, Hugo's `aliases`).
    aliases: Vec<String>,
    /// Its front matter, for the kind modules (`{{ page.x }}`).
    front: Data,
}

/// The book-wide facts a source gives.
#[derive(Debug, Default)]
struct BookInfo {
    title: Option<String>,
    subtitle: Option<String>,
    authors: Vec<String>,
    description: Option<String>,
    /// The language tag, and the file that gave it.
    language: Option<(String, PathBuf)>,
}

/// Where the source's files and pages are.
#[derive(Debug, Default)]
struct Site {
    /// The source folder, canonical.
    root: PathBuf,
    /// As given, for messages.
    display: PathBuf,
    /// The site's public address with its base path, without a final `/`
    /// (`https://example.org/blog`), when the configuration gives it.
    url: Option<String>,
    /// The base path of every page (`/blog`), or empty.
    base: String,
    /// Folders that site-root paths (`/assets/x.png`) are served from, canonical.
    static_roots: Vec<PathBuf>,
    /// Files by lowercase name, for sources that find files by name (Obsidian).
    by_name: HashMap<String, Vec<PathBuf>>,
}

/// What a kind module found.
struct Scan {
    kind: SourceKind,
    /// "the Jekyll site `blog`", for the summary.
    what: String,
    book: BookInfo,
    site: Site,
    /// The site's configuration (`{{ site.x }}`, `{{< param x >}}`).
    config: Data,
    essays: Vec<Essay>,
    /// What was left out on purpose, for the summary ("left out 1 page outside …").
    notes: Vec<String>,
}

/// What an import made.
#[derive(Debug)]
pub struct Imported {
    pub manifest: PathBuf,
    pub dir: PathBuf,
    pub what: String,
    pub essays: usize,
    pub images: usize,
    /// ("draft", 2), ("unpublished post", 1)…
    pub skipped: Vec<(&'static str, usize)>,
    /// Essays not named by an `--order` list.
    pub left_out: usize,
    /// Other things left out on purpose.
    pub notes: Vec<String>,
}

impl Imported {
    /// What was done, for the terminal.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "imported {} from {} into {}",
            count(self.essays, "essay"),
            self.what,
            self.dir.display()
        );
        if self.images > 0 {
            let _ = write!(s, ", with {}", count(self.images, "image"));
        }
        s.push('\n');
        if !self.skipped.is_empty() {
            let list: Vec<String> = self.skipped.iter().map(|(w, n)| count(*n, w)).collect();
            let _ = writeln!(
                s,
                "left out {} (import them with --drafts)",
                list.join(" and ")
            );
        }
        for note in &self.notes {
            let _ = writeln!(s, "{note}");
        }
        if self.left_out > 0 {
            let _ = writeln!(
                s,
                "left out {} not named in the --order list",
                count(self.left_out, "post")
            );
        }
        let _ = writeln!(s, "build it with: anthology build {}", self.dir.display());
        s
    }
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Runs `anthology import`. Problems go to `diags`; `None` when nothing was written.
pub fn import(args: &ImportArgs, diags: &mut Vec<Diagnostic>) -> Option<Imported> {
    if let Err(d) = check_target(&args.dir) {
        diags.push(d);
        return None;
    }
    let language = match &args.language {
        Some(tag) => match canonical_language(tag) {
            Some(t) => Some(t),
            None => {
                diags.push(
                    Diagnostic::error(
                        "language",
                        format!("`{tag}` is not a valid BCP 47 language tag"),
                    )
                    .help("use a tag such as `en`, `en-GB`, `fr` or `pt-BR`"),
                );
                return None;
            }
        },
        None => None,
    };
    let kind = match args.from {
        Some(k) => k,
        None => match detect(&args.source) {
            Ok(k) => k,
            Err(d) => {
                diags.push(d);
                return None;
            }
        },
    };
    let mut scan = match kind {
        SourceKind::Jekyll => jekyll::scan(&args.source, diags),
        SourceKind::Hugo => hugo::scan(&args.source, diags),
        SourceKind::Folder => folder::scan(&args.source, diags),
        SourceKind::Text => plaintext::scan(&args.source, diags),
    }?;
    let Chosen {
        essays,
        skipped,
        counts,
        unlisted,
    } = choose(&mut scan, args, diags)?;
    let names = output_names(&essays);
    let index = Index::new(&essays, &names, &skipped, &unlisted);
    let mut images = Images::default();
    let mut texts = Vec::with_capacity(essays.len());
    for e in &essays {
        let mut job = Job {
            scan: &scan,
            essay: e,
            index: &index,
            images: &mut images,
            src: SourceFile::with_line_offset(
                scan.site.display.join(&e.rel),
                e.body.clone(),
                e.body_line,
            ),
            diags: Vec::new(),
        };
        let mapped = Mapped::new(e.body.clone());
        let mapped = match scan.kind {
            SourceKind::Jekyll => jekyll::prepare(&mut job, mapped),
            SourceKind::Hugo => hugo::prepare(&mut job, mapped),
            SourceKind::Folder => folder::prepare(&mut job, mapped),
            SourceKind::Text => mapped,
        };
        let body = job.settle(mapped);
        diags.append(&mut job.diags);
        texts.push(essay_text(e, &scan.site, &body));
    }
    let title = args
        .title
        .clone()
        .or_else(|| scan.book.title.clone())
        .or_else(|| (essays.len() == 1).then(|| essays[0].title.clone()))
        .unwrap_or_else(|| humanize(&folder_name(&args.source)));
    let language = language
        .or_else(|| {
            let (tag, file) = scan.book.language.as_ref()?;
            let t = canonical_language(tag);
            if t.is_none() {
                diags.push(
                    Diagnostic::warning(
                        "import-language",
                        format!("`{tag}` is not a valid BCP 47 language tag; the book is in `en`"),
                    )
                    .in_file(file)
                    .help("give the language with --language"),
                );
            }
            t
        })
        .unwrap_or_else(|| "en".to_string());
    let manifest = manifest_text(&scan, &essays, &names, &title, &language);
    let written = write_collection(&args.dir, &manifest, &names, &texts, &images);
    if let Err(d) = written {
        diags.push(d);
        return None;
    }
    Some(Imported {
        manifest: args.dir.join(MANIFEST_FILE),
        dir: args.dir.clone(),
        what: scan.what,
        essays: essays.len(),
        images: images.copies.len(),
        skipped: counts,
        left_out: unlisted.len(),
        notes: scan.notes,
    })
}

/// DIR must not exist, or be an empty folder.
fn check_target(dir: &Path) -> Result<(), Diagnostic> {
    if !dir.exists() && dir.symlink_metadata().is_err() {
        return Ok(());
    }
    let empty = dir.is_dir()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
    if empty {
        Ok(())
    } else {
        Err(Diagnostic::error(
            "import-target",
            format!(
                "{} already exists and is not an empty folder",
                dir.display()
            ),
        )
        .help("name a new folder: `anthology import` never writes over files"))
    }
}

/// Recognises the kind of source by its files.
fn detect(source: &Path) -> Result<SourceKind, Diagnostic> {
    let meta = std::fs::metadata(source).map_err(|e| {
        Diagnostic::error(
            "import-source",
            format!("cannot open {}: {e}", source.display()),
        )
    })?;
    if meta.is_file() {
        return match extension(source).as_str() {
            "txt" | "text" => Ok(SourceKind::Text),
            e if MARKDOWN.contains(&e) => Ok(SourceKind::Folder),
            _ => Err(Diagnostic::error(
                "import-source",
                format!("{} is not a Markdown or text file", source.display()),
            )
            .help("import a site or a folder, a `.md` file or a `.txt` article")),
        };
    }
    let has = |p: &str| source.join(p).exists();
    if has("_config.yml")
        || has("_config.yaml")
        || has("_config.toml")
        || has("_posts")
        || has("_drafts")
    {
        return Ok(SourceKind::Jekyll);
    }
    if has("content") && hugo::config_file(source).is_some() {
        return Ok(SourceKind::Hugo);
    }
    if has(".obsidian") || !walk(source, MARKDOWN).is_empty() {
        return Ok(SourceKind::Folder);
    }
    if !walk(source, TEXT).is_empty() {
        return Ok(SourceKind::Text);
    }
    Err(Diagnostic::error(
        "import-source",
        format!(
            "{} holds no Markdown (.md) or text (.txt) file",
            source.display()
        ),
    )
    .help("name the folder of the site, vault or articles (or say what it is with --from)"))
}

const MARKDOWN: &[&str] = &["md", "markdown", "mdown", "mkd", "mkdn"];
const TEXT: &[&str] = &["txt", "text"];

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Files with one of `exts` (any, when empty) under `dir`, sorted naturally. Hidden files and folders, and
/// folders that are themselves collections (an earlier import), are not entered; nor are
/// symbolic links to folders (they could loop).
fn walk(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if d != dir && d.join(MANIFEST_FILE).is_file() {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || matches!(name.as_ref(), "_site" | "node_modules") {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                stack.push(path);
            } else if (exts.is_empty() || exts.contains(&extension(&path).as_str()))
                && path.is_file()
            {
                out.push(path);
            }
        }
    }
    out.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
    out
}

/// Compares with runs of digits as numbers: `note-2` before `note-10`.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars().flat_map(char::to_lowercase) {
            let digit = c.is_ascii_digit();
            match out.last_mut() {
                Some((d, run)) if *d == digit => run.push(c),
                _ => out.push((digit, c.to_string())),
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let ord = if x.0 && y.0 {
            let (tx, ty) = (x.1.trim_start_matches('0'), y.1.trim_start_matches('0'));
            tx.len().cmp(&ty.len()).then_with(|| tx.cmp(ty))
        } else {
            x.1.cmp(&y.1)
        };
        if ord.is_ne() {
            return ord;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

/// The source's path relative to its root, `/`-separated.
fn rel_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads a source file as UTF-8 text; a file that cannot be read is a warning and is left out.
fn read_text(path: &Path, display: &Path, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            diags.push(
                Diagnostic::warning(
                    "import-unreadable",
                    format!("cannot read the file: {e}; it is not imported"),
                )
                .in_file(display),
            );
            return None;
        }
    };
    match manifest::decode(bytes, display) {
        Ok(t) => Some(t),
        Err(mut d) => {
            d.severity = Severity::Warning;
            d.message = format!("{}; the file is not imported", d.message);
            diags.push(d);
            None
        }
    }
}

/// Reads a file with front matter: (front matter, body, lines before the body).
fn read_with_front(
    path: &Path,
    display: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Data, String, usize)> {
    let text = read_text(path, display, diags)?;
    match front::split(&text) {
        Ok(split) => {
            let data = match split.front {
                Some((format, raw)) => {
                    let offset = usize::from(format != front::Format::Json);
                    front::parse(format, raw, display, offset, diags)
                }
                None => Data::Null,
            };
            Some((data, split.body.to_string(), split.body_line))
        }
        Err(d) => {
            diags.push(
                d.in_file(display)
                    .help("end it with a line holding only `---`; the file is imported as it is"),
            );
            Some((Data::Null, text, 0))
        }
    }
}

/// `my-first-post` → "My First Post" (what Jekyll and Hugo show for a post without a title).
fn humanize(stem: &str) -> String {
    let words: Vec<String> = stem
        .split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        })
        .collect();
    if words.is_empty() {
        "Untitled".to_string()
    } else {
        words.join(" ")
    }
}

fn folder_name(path: &Path) -> String {
    let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let name = if abs.is_file() {
        abs.file_stem()
    } else {
        abs.file_name()
    };
    name.map_or_else(|| "Anthology".into(), |n| n.to_string_lossy().into_owned())
}

/// A language tag in its usual spelling (`en_us` → `en-US`), if it is valid.
fn canonical_language(tag: &str) -> Option<String> {
    let parts: Vec<String> = tag
        .trim()
        .split(['-', '_'])
        .enumerate()
        .map(|(i, p)| match p.len() {
            _ if i == 0 => p.to_ascii_lowercase(),
            2 => p.to_ascii_uppercase(),
            4 => {
                let mut c = p.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase())
                    .unwrap_or_default()
            }
            _ => p.to_ascii_lowercase(),
        })
        .collect();
    let t = parts.join("-");
    manifest::valid_language(&t).then_some(t)
}

/// The authors of a front matter: `author`/`authors`, each a name or `{name: …}`.
fn authors_of(front: &Data) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for key in ["author", "authors"] {
        let items = match front.get(key) {
            Some(Data::List(items)) => items.iter().collect(),
            Some(one) => vec![one],
            None => vec![],
        };
        for item in items {
            let name = match item {
                Data::Map(_) => item.text_of(&["name", "display_name", "title"]),
                other => other.text(),
            };
            if let Some(n) = name
                && !out.contains(&n)
            {
                out.push(n);
            }
        }
    }
    out
}

// ---- choosing and ordering ------------------------------------------------------------------

/// The essays chosen, in order, and those left out.
struct Chosen {
    essays: Vec<Essay>,
    /// Drafts and unpublished posts left out, and how many of each kind.
    skipped: Vec<Essay>,
    counts: Vec<(&'static str, usize)>,
    /// Published essays an `--order` list does not name.
    unlisted: Vec<Essay>,
}

/// Drafts out (unless `--drafts`), then the order: by date, by title, or as a list names them.
fn choose(scan: &mut Scan, args: &ImportArgs, diags: &mut Vec<Diagnostic>) -> Option<Chosen> {
    let all = std::mem::take(&mut scan.essays);
    let (mut essays, skipped): (Vec<Essay>, Vec<Essay>) = all
        .into_iter()
        .partition(|e| args.drafts || e.skip.is_none());
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for e in &skipped {
        let why = e.skip.unwrap_or("draft");
        match counts.iter_mut().find(|(w, _)| *w == why) {
            Some((_, n)) => *n += 1,
            None => counts.push((why, 1)),
        }
    }
    let mut unlisted = Vec::new();
    match args.order.as_str() {
        "date" => {
            // Oldest first, as a book reads; undated essays after, in the order of their files.
            essays.sort_by(|a, b| match (&a.date, &b.date) {
                (Some(x), Some(y)) => x.cmp(y).then_with(|| natural_cmp(&a.rel, &b.rel)),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => natural_cmp(&a.rel, &b.rel),
            });
        }
        "title" => essays.sort_by(|a, b| {
            natural_cmp(&sort_title(&a.title), &sort_title(&b.title))
                .then_with(|| natural_cmp(&a.rel, &b.rel))
        }),
        file => {
            (essays, unlisted) = order_list(Path::new(file), essays, &skipped, diags)?;
        }
    }
    if essays.is_empty() {
        let mut d = Diagnostic::error(
            "import-empty",
            format!("nothing to import from {}", scan.what),
        );
        if !skipped.is_empty() {
            d = d.help("every post found is a draft or unpublished: add --drafts to import them");
        }
        diags.push(d);
        return None;
    }
    Some(Chosen {
        essays,
        skipped,
        counts,
        unlisted,
    })
}

/// A title as it sorts: without a leading article, ASCII-folded.
fn sort_title(title: &str) -> String {
    let t = deunicode::deunicode(title).to_lowercase();
    let t = t.trim_start_matches(|c: char| !c.is_alphanumeric());
    for article in ["the ", "a ", "an "] {
        if let Some(rest) = t.strip_prefix(article) {
            return rest.to_string();
        }
    }
    t.to_string()
}

/// The essays an order file names, in its order. Each line names one essay by its path, file
/// name, slug or title; blank lines and `#` comments are skipped.
fn order_list(
    file: &Path,
    essays: Vec<Essay>,
    skipped: &[Essay],
    diags: &mut Vec<Diagnostic>,
) -> Option<(Vec<Essay>, Vec<Essay>)> {
    let text = match std::fs::read(file) {
        Ok(bytes) => match manifest::decode(bytes, file) {
            Ok(t) => t,
            Err(d) => {
                diags.push(d);
                return None;
            }
        },
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "import-order",
                    format!("cannot read the order list {}: {e}", file.display()),
                )
                .help("--order takes `date`, `title` or a file listing the posts, one a line"),
            );
            return None;
        }
    };
    let mut slots: Vec<Option<Essay>> = essays.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let entry = line
            .trim()
            .trim_start_matches("- ")
            .trim_matches(|c| c == '"' || c == '\'')
            .trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let col = line
            .find(entry)
            .map_or(1, |i| line[..i].chars().count() + 1);
        let here = location_in(file, &text, n + 1, col, entry.chars().count());
        let found = slots
            .iter()
            .position(|s| s.as_ref().is_some_and(|e| names_essay(entry, e)));
        match found {
            Some(i) => out.extend(slots[i].take()),
            None => {
                let d = if out.iter().any(|e| names_essay(entry, e)) {
                    Diagnostic::warning(
                        "import-order",
                        format!("`{entry}` is listed twice; it is imported once"),
                    )
                } else if let Some(e) = skipped.iter().find(|e| names_essay(entry, e)) {
                    Diagnostic::warning(
                        "import-order",
                        format!(
                            "`{entry}` is {}: it is not imported",
                            with_article(e.skip.unwrap_or("draft"))
                        ),
                    )
                    .help("add --drafts to import drafts and unpublished posts")
                } else {
                    let stems: Vec<String> = slots.iter().flatten().map(stem_of).collect();
                    let d = Diagnostic::warning(
                        "import-order",
                        format!("`{entry}` names no post of the source"),
                    );
                    match did_you_mean(entry, stems.iter().map(String::as_str)) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help("name a post by its file name, path, slug or title"),
                    }
                };
                diags.push(d.at(here));
            }
        }
    }
    Some((out, slots.into_iter().flatten().collect()))
}

fn with_article(what: &str) -> String {
    if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {what}")
    } else {
        format!("a {what}")
    }
}

fn stem_of(e: &Essay) -> String {
    let file = e.rel.rsplit('/').next().unwrap_or(&e.rel);
    file.rsplit_once('.').map_or(file, |(s, _)| s).to_string()
}

/// Whether a line of an order list names `e`.
fn names_essay(entry: &str, e: &Essay) -> bool {
    let lower = entry.to_lowercase();
    let stem = stem_of(e).to_lowercase();
    let file = e.rel.rsplit('/').next().unwrap_or(&e.rel).to_lowercase();
    lower == e.rel.to_lowercase()
        || lower == file
        || lower == stem
        || lower == e.slug
        || e.names.contains(&lower)
        || same_title(entry, &e.title)
        || (!slug(entry).is_empty() && (slug(entry) == e.slug || slug(entry) == slug(&e.title)))
}

/// Unique output file names (`essays/<name>.md`), from each essay's slug.
fn output_names(essays: &[Essay]) -> Vec<String> {
    let mut used = HashSet::new();
    essays
        .iter()
        .map(|e| {
            let base = match slug(&e.slug) {
                s if s.is_empty() => match slug(&e.title) {
                    t if t.is_empty() => "essay".to_string(),
                    t => t,
                },
                s => s,
            };
            let mut name = base.clone();
            let mut n = 1;
            while !used.insert(name.clone()) {
                n += 1;
                name = format!("{base}-{n}");
            }
            name
        })
        .collect()
}

// ---- links and images -----------------------------------------------------------------------

/// How links find the chosen essays (and recognise the drafts left out).
struct Index {
    /// Output names (`other`, for `essays/other.md`), by place in the book.
    names: Vec<String>,
    keys: HashMap<String, usize>,
    /// Keys of essays left out, with what they are.
    skipped: HashMap<String, String>,
    /// The slugs of each essay's headings, for links to a section.
    headings: Vec<HashSet<String>>,
    /// The site addresses of published essays that are not imported (not in the `--order`
    /// list), by key: links to them become links to the web.
    addresses: HashMap<String, String>,
}

/// A site-relative address as a key: decoded, lowercase, without `index.html`, `.html` or a
/// final `/`, so that every spelling of a page's address meets.
fn url_key(path: &str) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy().to_lowercase();
    let mut p = decoded.trim().trim_end_matches('/').to_string();
    for suffix in ["/index.html", "/index.htm", "/index.md", ".html", ".htm"] {
        if let Some(s) = p.strip_suffix(suffix) {
            p = s.to_string();
            break;
        }
    }
    let p = p.trim_matches('/');
    format!("url:/{p}")
}

impl Index {
    fn new(essays: &[Essay], names: &[String], skipped: &[Essay], unlisted: &[Essay]) -> Self {
        let keys_of = |e: &Essay| {
            let mut keys = vec![format!("file:{}", e.rel.to_lowercase())];
            keys.extend(e.url.as_deref().map(url_key));
            keys.extend(e.aliases.iter().map(|a| url_key(a)));
            keys.extend(e.names.iter().map(|n| format!("name:{n}")));
            keys
        };
        let mut keys = HashMap::new();
        for (i, e) in essays.iter().enumerate() {
            for k in keys_of(e) {
                keys.entry(k).or_insert(i);
            }
        }
        let mut left = HashMap::new();
        for e in skipped {
            for k in keys_of(e) {
                left.entry(k)
                    .or_insert_with(|| format!("{} `{}`", e.skip.unwrap_or("draft"), e.rel));
            }
        }
        Index {
            names: names.to_vec(),
            keys,
            skipped: left,
            headings: essays.iter().map(|e| headings(&e.body)).collect(),
            addresses: unlisted
                .iter()
                .filter_map(|e| Some((e, e.url.clone()?)))
                .flat_map(|(e, url)| keys_of(e).into_iter().map(move |k| (k, url.clone())))
                .collect(),
        }
    }

    /// The site address of a published essay that is not imported.
    fn address(&self, key: &str) -> Option<&str> {
        self.addresses.get(key).map(String::as_str)
    }

    /// The essay a key leads to; else what was left out there, if anything.
    fn find(&self, key: &str) -> Result<usize, Option<&str>> {
        self.keys
            .get(key)
            .copied()
            .ok_or_else(|| self.skipped.get(key).map(String::as_str))
    }

    /// The Markdown link target of essay `i` (with `#fragment`).
    fn target(&self, i: usize, fragment: Option<&str>) -> String {
        match fragment.filter(|f| !f.is_empty()) {
            Some(f) => format!("{TO_ESSAY}{i}#{f}"),
            None => format!("{TO_ESSAY}{i}"),
        }
    }
}

/// The slugs of a Markdown text's `#` headings (and their `{#id}`s).
fn headings(body: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    for line in body.lines() {
        let l = line.trim_start();
        let hashes = l.chars().take_while(|&c| c == '#').count();
        if !(1..=6).contains(&hashes) || !l[hashes..].starts_with([' ', '\t']) {
            continue;
        }
        let mut text = l[hashes..].trim().trim_end_matches('#').trim();
        if let Some(i) = text.rfind("{#")
            && text.ends_with('}')
        {
            out.insert(slug(&text[i + 2..text.len() - 1]));
            text = text[..i].trim();
        }
        out.insert(slug(text));
    }
    out
}

/// The images copied into `essays/images/`.
#[derive(Default)]
struct Images {
    /// Source file → name in `essays/images/`.
    names: HashMap<PathBuf, String>,
    used: HashSet<String>,
    copies: Vec<(PathBuf, String)>,
}

impl Images {
    /// The name of the copy of `file` (an image of type `ext`), the same for every essay.
    fn add(&mut self, file: &Path, ext: &str) -> String {
        if let Some(name) = self.names.get(file) {
            return name.clone();
        }
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default();
        let base = match slug(&stem) {
            s if s.is_empty() => "image".to_string(),
            s => s,
        };
        let mut name = format!("{base}.{ext}");
        let mut n = 1;
        while !self.used.insert(name.clone()) {
            n += 1;
            name = format!("{base}-{n}.{ext}");
        }
        self.names.insert(file.to_path_buf(), name.clone());
        self.copies.push((file.to_path_buf(), name.clone()));
        name
    }
}

/// What becomes of a link.
enum Fate {
    Keep,
    To(String),
    /// The link goes, its text stays (the reason was reported).
    Text,
}

/// One essay being converted, with everything its links may lead to.
struct Job<'a> {
    scan: &'a Scan,
    essay: &'a Essay,
    index: &'a Index,
    images: &'a mut Images,
    /// The original body, for messages at `file:line:col`.
    src: SourceFile,
    diags: Vec<Diagnostic>,
}

impl Job<'_> {
    /// A warning at `at`, a stretch of the original body (shown on its first line).
    fn warn(&mut self, code: &'static str, message: String, at: Span, help: Option<&str>) {
        let text = &self.src.text;
        let start = at.start.min(text.len());
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let end = if at.end > start {
            at.end.min(line_end)
        } else {
            line_end
        };
        let mut d = Diagnostic::warning(code, message).at(self.src.location(start..end));
        if let Some(h) = help {
            d = d.help(h);
        }
        self.diags.push(d);
    }

    /// The essay's folder, relative to the source root.
    fn dir(&self) -> &str {
        parent_of(&self.essay.rel)
    }

    /// The path on the site of an absolute address of the site itself.
    fn own_path<'u>(&self, url: &'u str) -> Option<&'u str> {
        fn strip(u: &str) -> Option<&str> {
            u.strip_prefix("https://")
                .or_else(|| u.strip_prefix("http://"))
                .or_else(|| u.strip_prefix("//"))
        }
        let site = self.scan.site.url.as_deref()?;
        let (u, s) = (strip(url)?, strip(site)?);
        let rest = u.get(..s.len()).filter(|h| h.eq_ignore_ascii_case(s))?;
        let path = &u[rest.len()..];
        (path.is_empty() || path.starts_with(['/', '#', '?'])).then_some(path)
    }

    /// A site path without the site's base path: `/blog/2020/x/` → `/2020/x/`.
    fn unbased<'p>(&self, path: &'p str) -> &'p str {
        let base = &self.scan.site.base;
        if base.is_empty() {
            return path;
        }
        match path.strip_prefix(base.as_str()) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
            _ => path,
        }
    }

    /// The folder of this page's address (`/2020/01/02/x.html` → `/2020/01/02/`).
    fn page_dir(&self) -> Option<String> {
        let url = self.essay.url.as_deref()?;
        Some(match url.rfind('/') {
            Some(i) => url[..=i].to_string(),
            None => "/".to_string(),
        })
    }

    /// Where a link leads.
    fn link(&mut self, url: &str, at: Span) -> Fate {
        let url = url.trim();
        if url.starts_with(TO_ESSAY) || url.starts_with(TO_IMAGE) {
            return Fate::Keep;
        }
        if url.starts_with(UNRESOLVED) {
            return Fate::Text;
        }
        if url.is_empty() || url.starts_with('#') {
            return Fate::Keep;
        }
        let own = self.own_path(url);
        if own.is_none() && (has_scheme(url) || url.starts_with("//")) {
            return Fate::Keep;
        }
        let target = own.unwrap_or(url);
        let (path, fragment) = match target.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (target, None),
        };
        let path = path.split('?').next().unwrap_or("");
        if path.is_empty() {
            return Fate::Keep;
        }
        let decoded = percent_decode_str(path).decode_utf8_lossy().into_owned();
        // A file next to this one (`other.md`, `../notes/other.md`).
        if !path.starts_with('/')
            && let Ok(rel) = Root::normalise(self.dir(), &decoded)
        {
            for key in [
                format!("file:{}", rel.to_lowercase()),
                format!("file:{}.md", rel.to_lowercase()),
            ] {
                match self.index.find(&key) {
                    Ok(i) => return Fate::To(self.index.target(i, fragment)),
                    Err(Some(what)) => return self.left_out(url, what, at),
                    Err(None) => {}
                }
            }
        }
        // A page of the site, by its address.
        let site_path = if path.starts_with('/') {
            Some(self.unbased(path).to_string())
        } else {
            self.page_dir().map(|dir| join_url(&dir, path))
        };
        let Some(site_path) = site_path else {
            // A folder of notes: a link by name (`Other note`).
            let name = decoded.rsplit('/').next().unwrap_or(&decoded);
            let name = name.strip_suffix(".md").unwrap_or(name).to_lowercase();
            if let Ok(i) = self.index.find(&format!("name:{name}")) {
                return Fate::To(self.index.target(i, fragment));
            }
            self.warn(
                "import-link",
                format!("`{url}` is not a file that is imported; the link is kept as plain text"),
                at,
                None,
            );
            return Fate::Text;
        };
        match self.index.find(&url_key(&site_path)) {
            Ok(i) => Fate::To(self.index.target(i, fragment)),
            Err(Some(what)) => self.left_out(url, what, at),
            Err(None) => match &self.scan.site.url {
                // Another page of the site: the book links to it on the web.
                Some(site) => {
                    let mut web = format!("{site}{site_path}");
                    if let Some(f) = fragment {
                        web.push('#');
                        web.push_str(f);
                    }
                    Fate::To(web)
                }
                None => {
                    self.warn(
                        "import-link",
                        format!(
                            "`{url}` is not a post that is imported, and the site's address is unknown; the link is kept as plain text"
                        ),
                        at,
                        Some("give the site's `url` in its configuration to keep such links as web links"),
                    );
                    Fate::Text
                }
            },
        }
    }

    fn left_out(&mut self, url: &str, what: &str, at: Span) -> Fate {
        self.warn(
            "import-link",
            format!(
                "`{url}` leads to the {what}, which is not imported; the link is kept as plain text"
            ),
            at,
            Some("add --drafts to import drafts and unpublished posts"),
        );
        Fate::Text
    }

    /// Where an image is: `Ok(Some(name))` copied into `essays/images/`, `Ok(None)` left as
    /// it is (a remote image), `Err(())` when it cannot be had (reported).
    fn image(&mut self, url: &str, at: Span) -> Result<Option<String>, ()> {
        let url = url.trim();
        if let Some(name) = url.strip_prefix(TO_IMAGE) {
            return Ok(Some(name.to_string()));
        }
        let own = self.own_path(url);
        if own.is_none() && (has_scheme(url) || url.starts_with("//")) {
            let remote =
                url.starts_with("http:") || url.starts_with("https:") || url.starts_with("//");
            if remote {
                self.warn(
                    "import-remote-image",
                    format!(
                        "the remote image `{url}` is not downloaded; the book shows its alt text"
                    ),
                    at,
                    Some("download it into the source folder and link to the file"),
                );
                return Ok(None);
            }
            self.warn(
                "import-image",
                format!(
                    "the image `{}` cannot be put in a book; it is left out",
                    short(url)
                ),
                at,
                None,
            );
            return Err(());
        }
        let target = own.unwrap_or(url);
        let path = target.split(['?', '#']).next().unwrap_or("");
        let decoded = percent_decode_str(path).decode_utf8_lossy().into_owned();
        let site = &self.scan.site;
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(abs) = decoded.strip_prefix('/') {
            let abs = self
                .unbased(&format!("/{abs}"))
                .trim_start_matches('/')
                .to_string();
            candidates.extend(site.static_roots.iter().map(|r| r.join(&abs)));
        } else {
            candidates.push(site.root.join(self.dir()).join(&decoded));
            if let Some(dir) = self.page_dir() {
                let p = join_url(&dir, &decoded);
                candidates.extend(
                    site.static_roots
                        .iter()
                        .map(|r| r.join(p.trim_start_matches('/'))),
                );
            }
            candidates.extend(site.static_roots.iter().map(|r| r.join(&decoded)));
            let name = decoded
                .rsplit('/')
                .next()
                .unwrap_or(&decoded)
                .to_lowercase();
            if let Some(files) = site.by_name.get(&name) {
                candidates.extend(files.iter().cloned());
            }
        }
        let found = candidates.iter().find_map(|c| {
            let abs = c.canonicalize().ok()?;
            (abs.starts_with(&site.root) && abs.is_file()).then_some(abs)
        });
        let Some(file) = found else {
            self.warn(
                "import-missing-image",
                format!("image not found: `{url}`; it is left out"),
                at,
                None,
            );
            return Err(());
        };
        let media = std::fs::read(&file)
            .ok()
            .and_then(|data| crate::media::sniff_image(&data));
        match media {
            Some(t) => Ok(Some(self.images.add(&file, crate::media::extension(t)))),
            None => {
                self.warn(
                    "import-image",
                    format!("`{url}` is not an image a book can carry (JPEG, PNG, GIF, WebP or SVG); it is left out"),
                    at,
                    None,
                );
                Err(())
            }
        }
    }

    /// Settles every link and image of the Markdown: to other essays, to copied images, to
    /// the web, or to plain text. Returns the final body.
    fn settle(&mut self, mapped: Mapped) -> String {
        let scan = rewrite::scan(&mapped.text);
        let text = &mapped.text;
        let mut edits = Vec::new();
        for l in &scan.links {
            let at = mapped.span(l.whole.clone());
            let inner = &text[l.inner.clone()];
            let new = if l.image {
                match self.image(&l.url, at) {
                    Ok(Some(name)) => Some(format!("images/{name}")),
                    Ok(None) => None,
                    Err(()) => {
                        edits.push(Edit::new(l.whole.clone(), l.plain.trim()));
                        continue;
                    }
                }
            } else {
                match self.link(&l.url, at) {
                    Fate::Keep => None,
                    Fate::To(url) => Some(url),
                    Fate::Text => {
                        edits.push(Edit::new(l.whole.clone(), inner));
                        continue;
                    }
                }
            };
            let Some(new) = new else { continue };
            let new = self.final_url(&new);
            edits.push(match &l.dest {
                Some(dest) => Edit::new(dest.clone(), markdown_url(&new)),
                None => Edit::new(l.whole.clone(), inline_link(l.image, inner, &new, &l.title)),
            });
        }
        for h in &scan.html {
            let at = mapped.span(h.tag.clone());
            if h.image {
                match self.image(&h.url, at) {
                    Ok(Some(name)) => {
                        edits.push(Edit::new(h.value.clone(), format!("images/{name}")));
                    }
                    Ok(None) => {}
                    Err(()) => edits.push(Edit::new(h.tag.clone(), crate::text::escape(&h.alt))),
                }
            } else {
                match self.link(&h.url, at) {
                    Fate::Keep => {}
                    Fate::To(url) => edits.push(Edit::new(
                        h.value.clone(),
                        crate::text::escape(&self.final_url(&url)),
                    )),
                    Fate::Text => edits.push(Edit::new(h.attr.clone(), "")),
                }
            }
        }
        let settled = mapped.edit(edits).text;
        self.tidy(&settled)
    }

    /// Sentinel targets → real ones.
    fn final_url(&self, url: &str) -> String {
        if let Some(rest) = url.strip_prefix(TO_ESSAY) {
            let (n, fragment) = match rest.split_once('#') {
                Some((n, f)) => (n, Some(f)),
                None => (rest, None),
            };
            if let Some(name) = n
                .parse::<usize>()
                .ok()
                .and_then(|i| self.index.names.get(i))
            {
                return match fragment {
                    Some(f) => format!("{name}.md#{f}"),
                    None => format!("{name}.md"),
                };
            }
        }
        if let Some(name) = url.strip_prefix(TO_IMAGE) {
            return format!("images/{name}");
        }
        url.to_string()
    }

    /// A body as an essay of the book: sentinels left in prose (a Liquid tag outside a link)
    /// become the file names they stand for, the blank lines left where markup was removed
    /// are folded (outside code), and blank lines at both ends go.
    fn tidy(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (i, name) in self.index.names.iter().enumerate().rev() {
            text = text.replace(&format!("{TO_ESSAY}{i}"), &format!("{name}.md"));
        }
        text = text.replace(TO_IMAGE, "images/").replace(UNRESOLVED, "");
        let code = rewrite::scan(&text).code;
        let mut out = String::with_capacity(text.len());
        let mut blank = 0;
        let mut pos = 0;
        for line in text.split_inclusive('\n') {
            let in_code = code.iter().any(|r| r.contains(&pos));
            pos += line.len();
            if line.trim().is_empty() && !in_code {
                blank += 1;
                if blank > 1 {
                    continue;
                }
                out.push('\n');
                continue;
            }
            blank = 0;
            out.push_str(line);
        }
        format!("{}\n", out.trim_matches('\n').trim_end())
    }
}

fn has_scheme(url: &str) -> bool {
    match url.find(':') {
        Some(i) => {
            let s = &url[..i];
            !s.is_empty()
                && s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !s.contains('/')
        }
        None => false,
    }
}

/// Resolves a relative address against a folder address (`/a/b/` + `../c` → `/a/c`).
fn join_url(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let trailing = if rel.ends_with('/') { "/" } else { "" };
    format!("/{}{trailing}", parts.join("/"))
}

fn short(s: &str) -> String {
    if s.chars().count() > 50 {
        format!("{}…", s.chars().take(50).collect::<String>())
    } else {
        s.to_string()
    }
}

// ---- writing --------------------------------------------------------------------------------

/// An essay file: clean anthology front matter, then the body.
fn essay_text(e: &Essay, site: &Site, body: &str) -> String {
    let mut out = String::from("---\n");
    let _ = writeln!(out, "title: {}", yaml_scalar(&e.title));
    if let Some(s) = &e.subtitle {
        let _ = writeln!(out, "subtitle: {}", yaml_scalar(s));
    }
    match e.authors.as_slice() {
        [] => {}
        [one] => {
            let _ = writeln!(out, "author: {}", yaml_scalar(one));
        }
        many => {
            out.push_str("authors:\n");
            for a in many {
                let _ = writeln!(out, "  - {}", yaml_scalar(a));
            }
        }
    }
    if let Some(d) = &e.date {
        let _ = writeln!(out, "date: {d}");
    }
    if let Some(url) = &e.url {
        let source = match &site.url {
            Some(s) => format!("{s}{url}"),
            None => url.clone(),
        };
        let _ = writeln!(out, "source: {}", yaml_scalar(&source));
    }
    out.push_str("---\n\n");
    out.push_str(body);
    out
}

fn manifest_text(
    scan: &Scan,
    essays: &[Essay],
    names: &[String],
    title: &str,
    language: &str,
) -> String {
    let mut out = format!(
        "# Imported by `anthology import` from {}.\n\
         # Every field is described in anthology's README. Reorder `contents` as you like, or\n\
         # group the essays into parts:\n\
         #   - part: A Part's Title\n\
         #     essays:\n\
         #       - essays/an-essay.md\n",
        scan.what.replace('\n', " ")
    );
    let _ = writeln!(out, "title: {}", yaml_scalar(title));
    let book = &scan.book;
    if let Some(s) = &book.subtitle {
        let _ = writeln!(out, "subtitle: {}", yaml_scalar(s));
    }
    let _ = writeln!(out, "language: {language}");
    if !book.authors.is_empty() {
        out.push_str("creators:\n");
        for a in &book.authors {
            let _ = writeln!(out, "  - name: {}\n    role: author", yaml_scalar(a));
        }
    }
    if let Some(d) = &book.description {
        let _ = writeln!(
            out,
            "description: {}",
            yaml_scalar(&crate::text::squash_whitespace(d))
        );
    }
    let subjects = subjects(essays);
    if !subjects.is_empty() {
        out.push_str("subjects:\n");
        for s in subjects {
            let _ = writeln!(out, "  - {}", yaml_scalar(&s));
        }
    }
    out.push_str("style: classic\ncontents:\n");
    for name in names {
        let _ = writeln!(out, "  - essays/{name}.md");
    }
    out
}

/// The essays' tags as the book's subjects: the most used first, each once.
fn subjects(essays: &[Essay]) -> Vec<String> {
    let mut tally: Vec<(String, usize)> = Vec::new();
    for tag in essays.iter().flat_map(|e| &e.tags) {
        let tag = tag.trim();
        if tag.is_empty() {
            continue;
        }
        match tally
            .iter_mut()
            .find(|(t, _)| t.to_lowercase() == tag.to_lowercase())
        {
            Some((_, n)) => *n += 1,
            None => tally.push((tag.to_string(), 1)),
        }
    }
    // Stable: equally used tags keep the order they were met in.
    tally.sort_by_key(|t| std::cmp::Reverse(t.1));
    tally.into_iter().map(|(t, _)| t).collect()
}

/// Writes the collection into a temporary folder beside DIR, then moves it into place: a
/// failed import leaves nothing behind, and nothing is written over.
fn write_collection(
    dir: &Path,
    manifest: &str,
    names: &[String],
    texts: &[String],
    images: &Images,
) -> Result<(), Diagnostic> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |what: String, e: std::io::Error| {
        Diagnostic::error("import-write", format!("cannot write {what}: {e}"))
    };
    std::fs::create_dir_all(&parent).map_err(|e| fail(parent.display().to_string(), e))?;
    let temp = tempfile::Builder::new()
        .prefix(".anthology-import-")
        .tempdir_in(&parent)
        .map_err(|e| fail(format!("in {}", parent.display()), e))?;
    let root = temp.path();
    let essays = root.join("essays");
    std::fs::create_dir_all(&essays).map_err(|e| fail("essays/".into(), e))?;
    std::fs::write(root.join(MANIFEST_FILE), manifest)
        .map_err(|e| fail(MANIFEST_FILE.into(), e))?;
    for (name, text) in names.iter().zip(texts) {
        std::fs::write(essays.join(format!("{name}.md")), text)
            .map_err(|e| fail(format!("essays/{name}.md"), e))?;
    }
    if !images.copies.is_empty() {
        let dest = essays.join("images");
        std::fs::create_dir_all(&dest).map_err(|e| fail("essays/images/".into(), e))?;
        for (from, name) in &images.copies {
            std::fs::copy(from, dest.join(name))
                .map_err(|e| fail(format!("essays/images/{name}"), e))?;
        }
    }
    {
        use std::os::unix::fs::PermissionsExt;
        // A temporary folder is private (0700); a collection is an ordinary folder.
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| fail(dir.display().to_string(), e))?;
    }
    // Checked again: DIR may have been filled since the start. `rename` itself replaces
    // only an empty folder.
    check_target(dir)?;
    std::fs::rename(root, dir).map_err(|e| fail(dir.display().to_string(), e))?;
    // The folder has moved; there is nothing left for `temp` to remove.
    let _ = temp.keep();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_keys_meet() {
        let k = url_key("/2020/01/02/x.html");
        assert_eq!(url_key("/2020/01/02/x/"), k);
        assert_eq!(url_key("/2020/01/02/x"), k);
        assert_eq!(url_key("/2020/01/02/x/index.html"), k);
        assert_eq!(url_key("/2020/01/02/X%20"), url_key("/2020/01/02/x "));
        assert_eq!(url_key("/"), "url:/");
    }

    #[test]
    fn urls_join() {
        assert_eq!(join_url("/a/b/", "../c"), "/a/c");
        assert_eq!(join_url("/a/b/", "c/d/"), "/a/b/c/d/");
        assert_eq!(join_url("/", "x.png"), "/x.png");
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["note-10", "note-2", "Note-1", "a"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["a", "Note-1", "note-2", "note-10"]);
    }

    #[test]
    fn languages_in_usual_spelling() {
        assert_eq!(canonical_language("en_us").as_deref(), Some("en-US"));
        assert_eq!(canonical_language("EN").as_deref(), Some("en"));
        assert_eq!(canonical_language("zh-hant").as_deref(), Some("zh-Hant"));
        assert_eq!(canonical_language("english"), None);
    }

    #[test]
    fn titles_sort_without_articles() {
        assert_eq!(sort_title("The Last Word"), "last word");
        assert_eq!(humanize("my-first_post"), "My First Post");
    }
}
