//! `anthology import`: a Jekyll site, a Hugo site, an Obsidian vault or any folder of
//! Markdown, or plain-text articles → a new collection (`anthology.yaml` + `essays/`) that
//! builds at once.
//!
//! Each kind of source has its module, which finds the pieces of writing with their metadata
//! (a `Scan`) and turns what only it knows — Liquid tags, Hugo shortcodes, wiki links — into
//! Markdown. This module then chooses and orders the essays, has every link and image settled
//! the same way for all kinds (`settle.rs`: a link to another imported post → `other.md`, an
//! image → a copy in `essays/images/`), and writes the collection into a temporary folder that
//! becomes DIR only once it is complete. Nothing is ever written over: DIR must be new or
//! empty.
//!
//! Whatever is not understood is a warning naming the file (and line); the import goes on.
//!
//! A source is untrusted: every file of it is read through the confined reader
//! ([`paths::Root`] made on the source folder, the folder of a single file given), so a symbolic
//! link that leads outside the source, a FIFO or a device is a warning naming it, and nothing
//! of it is read.

mod folder;
mod front;
mod hugo;
mod jekyll;
mod plaintext;
mod rewrite;
mod settle;

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Severity, SourceFile, did_you_mean, location_in};
use crate::manifest::{self, Data, MANIFEST_FILE, yaml_scalar};
use crate::paths::{self, InnerPath, PathProblem, Root};
use crate::text::{count, same_title, slug};
use rewrite::Mapped;
use settle::{Images, Index, Job};

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
#[derive(Debug)]
struct Site {
    /// The source folder: every file of the source is read through it (`read_text`,
    /// `read_config`, images in `settle.rs`), so that nothing outside it is ever read.
    root: Root,
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

/// What `import` is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// The site, vault or folder to import, or one `.md` or `.txt` file.
    pub source: PathBuf,
    /// The collection folder to create (it must not exist, or be empty).
    pub dir: PathBuf,
    /// What the source is, when it is not recognised by itself.
    pub from: Option<SourceKind>,
    /// Also import drafts and unpublished posts.
    pub drafts: bool,
    /// The order of the essays: `date` (oldest first), `title`, or a file naming the posts to
    /// import, one a line (by file name, path, slug or title).
    pub order: String,
    /// The book's title (else the site's title).
    pub title: Option<String>,
    /// The book's language, a BCP 47 tag (else the site's, else `en`).
    pub language: Option<String>,
}

/// The kinds of source `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A Jekyll site: `_posts/`, `_drafts/`, `_config.yml`.
    Jekyll,
    /// A Hugo site: `content/`, `hugo.toml` or `config.*`.
    Hugo,
    /// An Obsidian vault or any folder of Markdown files.
    Folder,
    /// Plain-text articles: a `.txt` file or a folder of them.
    Text,
}

/// What an import made.
#[derive(Debug)]
pub struct Imported {
    /// The new collection's manifest.
    pub manifest: PathBuf,
    /// The new collection's folder.
    pub dir: PathBuf,
    /// What was imported ("the Jekyll site `blog`").
    pub what: String,
    /// How many essays it holds.
    pub essays: usize,
    /// How many images were copied with them.
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

/// Runs `anthology import`. Problems go to `diags`; `None` when nothing was written.
pub fn import(args: &Options, diags: &mut Vec<Diagnostic>) -> Option<Imported> {
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
                scan.site.root.shown(&e.rel),
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
    let written = write_collection(
        &args.dir,
        &manifest,
        &names,
        &texts,
        &images,
        &scan.site.root,
    );
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

/// Files with one of `exts` (any, when empty) under `dir`, sorted naturally. Hidden files and
/// folders, and folders that are themselves collections (an earlier import), are not entered;
/// nor are symbolic links to folders (they could loop). Everything else that bears the name is
/// listed, symbolic links, FIFOs and devices included: they are refused, with a warning naming
/// them, when they are read (through the source's [`Root`]), not dropped here in silence.
fn walk(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    paths::walk_tree(dir, usize::MAX, |path, is_dir| {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with('.') || matches!(name.as_ref(), "_site" | "node_modules") {
            return false;
        }
        if is_dir {
            // A collection of its own inside the source is not part of it.
            return !path.join(MANIFEST_FILE).is_file();
        }
        if exts.is_empty() || exts.contains(&extension(path).as_str()) {
            out.push(path.to_path_buf());
        }
        false
    });
    out.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
    out
}

/// A permalink pattern with its `:name` placeholders filled in: `value` gives each name's
/// text (names are runs of the characters `is_name` accepts); an unknown name stays as written.
fn fill_placeholders(
    pattern: &str,
    is_name: impl Fn(char) -> bool,
    value: impl Fn(&str) -> Option<String>,
) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(i) = rest.find(':') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let len = after.find(|c| !is_name(c)).unwrap_or(after.len());
        match value(&after[..len]) {
            Some(v) => out.push_str(&v),
            None => {
                out.push(':');
                out.push_str(&after[..len]);
            }
        }
        rest = &after[len..];
    }
    out.push_str(rest);
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

/// The source, as the confined reader sees it: a folder is the root; a single file's folder is,
/// and the file is then returned as a path under it to read through it.
fn open_source(source: &Path, diags: &mut Vec<Diagnostic>) -> Option<(Root, Option<PathBuf>)> {
    let single = source.is_file();
    let folder = if single {
        match source.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        }
    } else {
        source
    };
    match Root::new(folder) {
        Ok(root) => {
            let file = single.then(|| root.display.join(source.file_name().unwrap_or_default()));
            Some((root, file))
        }
        Err(e) => {
            diags.push(Diagnostic::error(
                "import-source",
                format!("cannot open {}: {e}", source.display()),
            ));
            None
        }
    }
}

/// A site's folder as the confined reader's root: a site is a folder, never one file.
fn open_site(source: &Path, what: &str, diags: &mut Vec<Diagnostic>) -> Option<Root> {
    if source.is_file() {
        diags.push(
            Diagnostic::error(
                "import-source",
                format!("{} is a file; {what} is a folder", source.display()),
            )
            .help("name the site's folder, or import the file with --from folder"),
        );
        return None;
    }
    open_source(source, diags).map(|(root, _)| root)
}

/// A file found in the source (under [`Root::abs`] or [`Root::display`]), relative to it.
fn rel_in(root: &Root, path: &Path) -> Option<String> {
    let rel = path
        .strip_prefix(&root.display)
        .or_else(|_| path.strip_prefix(&root.abs))
        .ok()?;
    Some(rel_path(Path::new(""), rel))
}

/// How a file found in the source is shown: `src/_posts/a.md`.
fn shown(root: &Root, path: &Path) -> PathBuf {
    rel_in(root, path).map_or_else(|| path.to_path_buf(), |rel| root.shown(&rel))
}

/// Why a file of the source is not read, as a warning naming it (`what` is the file, shown).
fn refused(what: &str, problem: &PathProblem) -> String {
    match problem {
        PathProblem::LinksOutside(target) => format!(
            "{what} is a symbolic link to {}, outside the source folder",
            target.display()
        ),
        PathProblem::Absolute | PathProblem::Escapes => {
            format!("{what} is outside the source folder")
        }
        PathProblem::NotFound => format!("{what} is not there (a broken symbolic link?)"),
        PathProblem::IsDirectory => format!("{what} is a folder, not a file"),
        PathProblem::Unreadable(e) if e == "not a regular file" => {
            format!("{what} is not a regular file")
        }
        PathProblem::Empty | PathProblem::Unreadable(_) => {
            format!("{what} cannot be read: {problem}")
        }
    }
}

/// Finds and reads a file of the source through the confined reader: inside the source
/// folder, a regular file, within the size budget. Anything else is a warning naming the file
/// (ending with `then`), and `None`.
fn read_source(
    root: &Root,
    file: Result<InnerPath, PathProblem>,
    display: &Path,
    then: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<u8>> {
    let what = display.display().to_string();
    let problem = match file {
        Ok(file) => match root.read(&file) {
            Ok(bytes) => return Some(bytes),
            Err(e) => PathProblem::Unreadable(e.to_string()),
        },
        Err(p) => p,
    };
    let help = matches!(problem, PathProblem::LinksOutside(_)).then_some(
        "only the files inside the source folder are imported: copy the file in to import it",
    );
    let mut d = Diagnostic::warning(
        "import-unreadable",
        format!("{}; {then}", refused(&what, &problem)),
    )
    .in_file(display);
    if let Some(h) = help {
        d = d.help(h);
    }
    diags.push(d);
    None
}

/// Reads a source file found by walking it as UTF-8 text; a file that cannot be read (or must
/// not be) is a warning and is left out.
fn read_text(root: &Root, path: &Path, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let display = shown(root, path);
    let bytes = read_source(
        root,
        root.file_at(path),
        &display,
        "it is not imported",
        diags,
    )?;
    decode(bytes, &display, diags)
}

/// A file's bytes as UTF-8; a file that is not is a warning and is left out.
fn decode(bytes: Vec<u8>, display: &Path, diags: &mut Vec<Diagnostic>) -> Option<String> {
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

/// A file the source may have at `rel` (a site's configuration): its text, or `None` when
/// there is none. One that is there but must not be read is a warning.
fn read_config(root: &Root, rel: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let file = match root.file("", rel) {
        Err(PathProblem::NotFound) if std::fs::symlink_metadata(root.abs.join(rel)).is_err() => {
            return None;
        }
        file => file,
    };
    let display = root.shown(rel);
    let bytes = read_source(root, file, &display, "it is ignored", diags)?;
    decode(bytes, &display, diags)
}

/// Reads a file with front matter: (front matter, body, lines before the body).
fn read_with_front(
    root: &Root,
    path: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Data, String, usize)> {
    let text = read_text(root, path, diags)?;
    let display = &shown(root, path);
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
    crate::text::title_from_name(stem, "Untitled")
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
    crate::language::valid(&t).then_some(t)
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
fn choose(scan: &mut Scan, args: &Options, diags: &mut Vec<Diagnostic>) -> Option<Chosen> {
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
    // The list is the user's own, named on the command line: their link to it is followed, but
    // it is read as a regular file within the size budget like any other.
    let read = file
        .canonicalize()
        .and_then(|abs| paths::read_regular(&abs));
    let text = match read {
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
         # Every field is described in anthology's guide (docs/guide). Reorder `contents` as you like, or\n\
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
    source: &Root,
) -> Result<(), Diagnostic> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |what: String, e: std::io::Error| {
        Diagnostic::error("import-write", format!("cannot write {what}: {e}"))
    };
    std::fs::create_dir_all(&parent).map_err(|e| fail(parent.display().to_string(), e))?;
    let temp = {
        use std::os::unix::fs::PermissionsExt;
        // A folder as any program makes one: 0777 less the umask.
        tempfile::Builder::new()
            .prefix(".anthology-import-")
            .permissions(std::fs::Permissions::from_mode(0o777))
            .tempdir_in(&parent)
    }
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
            // Read again through the source's confined reader: the file may have been
            // replaced (by a link, a FIFO) since it was looked at.
            let data = source.read(from).map_err(|e| {
                Diagnostic::error(
                    "import-image",
                    format!("cannot read {}: {e}", source.shown(&from.rel).display()),
                )
            })?;
            std::fs::write(dest.join(name), data)
                .map_err(|e| fail(format!("essays/images/{name}"), e))?;
        }
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
