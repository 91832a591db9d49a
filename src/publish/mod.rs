//! `anthology publish`: every collection under a folder → a shelf of books to download.
//!
//! The collections (folders holding an `anthology.yaml`) are found, then each one, in
//! parallel, is either reused — its inputs hash as they did when it was last built and its
//! files are still in DIST (`cache`) — or built by [`pipeline::build`] into a scratch folder. A
//! collection that fails is reported with its errors and left off the shelf; the others go on.
//! The books are then named (slugs of their titles) and placed in DIST: the EPUB, the Kobo
//! edition (`kepub`), the cover and its thumbnail (`cover`). Last come the pages (`page`) and
//! the OPDS catalogs (`opds`), drawn only from the books' records (`record`) — never from the
//! clock — so that an unchanged shelf is rewritten with the same bytes.
//!
//! DIST may hold other things, and its cache is untrusted input: every file in DIST is named,
//! written and removed through `dist`, which removes only what it can prove this tool wrote,
//! and holds DIST locked for the run.

mod cache;
mod cover;
mod dist;
mod kepub;
mod opds;
mod page;
mod record;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::manifest::MANIFEST_FILE;
use crate::paths::{Root, read_regular};
use crate::pipeline::{self, Built};
use dist::{Dist, Removal};
use record::{Download, FileRecord, Input, Record, download_file};

/// A format the shelf offers each book in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// EPUB 3, for every reader.
    Epub,
    /// Kobo's EPUB (`.kepub.epub`): highlights and reading statistics on Kobo devices.
    Kepub,
}

impl Format {
    /// Its name in `--formats` and on the shelf's page.
    pub fn name(self) -> &'static str {
        match self {
            Format::Epub => "epub",
            Format::Kepub => "kepub",
        }
    }

    /// The end of its file names.
    pub fn suffix(self) -> &'static str {
        match self {
            Format::Epub => ".epub",
            Format::Kepub => ".kepub.epub",
        }
    }

    /// Its media type, as catalogs give it.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Epub => "application/epub+zip",
            // The type Kobo's store, Calibre and OPDS servers give kepubs.
            Format::Kepub => "application/kepub+zip",
        }
    }

    /// How the page names the download.
    pub fn label(self) -> &'static str {
        match self {
            Format::Epub => "EPUB",
            Format::Kepub => "Kobo EPUB",
        }
    }
}

/// `--base-url`: an http(s) address, kept with a final `/` so that file names join it.
pub fn parse_base_url(raw: &str) -> Result<String, String> {
    let url = raw.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("the base URL must start with https:// or http://")?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err("the base URL has no host".into());
    }
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '?' | '#'))
    {
        return Err(
            "the base URL must be a plain address (no spaces, quotes, query or fragment)".into(),
        );
    }
    Ok(if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    })
}

/// What `publish` is asked to do.
pub struct Options {
    /// The folder searched for collections.
    pub folder: PathBuf,
    /// Where the shelf is written.
    pub dist: PathBuf,
    /// The formats each book is offered in.
    pub formats: Vec<Format>,
    /// With a final `/`; links are relative without it.
    pub base_url: Option<String>,
    /// The shelf's name, on its page and in the catalogs.
    pub title: String,
}

/// What a run published.
pub struct Shelf {
    /// The shelf's web page, `index.html`.
    pub index: PathBuf,
    /// Collections built in this run (as given on the command line).
    pub built: Vec<PathBuf>,
    /// Collections whose books were reused unchanged.
    pub unchanged: Vec<PathBuf>,
    /// Collections left off because of errors.
    pub failed: Vec<PathBuf>,
}

impl Shelf {
    /// One line for the terminal ("published 3 books…"); with `verbose`, a line per
    /// collection too.
    pub fn summary(&self, elapsed: std::time::Duration, verbose: bool) -> String {
        let books = self.built.len() + self.unchanged.len();
        let dir = self.index.parent().unwrap_or(Path::new("."));
        let mut out = format!(
            "published {books} book{} in {} ({} built, {} unchanged) in {} ms",
            if books == 1 { "" } else { "s" },
            dir.display(),
            self.built.len(),
            self.unchanged.len(),
            elapsed.as_millis()
        );
        if !self.failed.is_empty() {
            let n = self.failed.len();
            out.push_str(&format!(
                "; {n} collection{} left off",
                if n == 1 { "" } else { "s" }
            ));
        }
        if verbose {
            for (what, list) in [
                ("built", &self.built),
                ("unchanged", &self.unchanged),
                ("left off", &self.failed),
            ] {
                for path in list {
                    out.push_str(&format!("\n  {what:<10} {}", path.display()));
                }
            }
        }
        out
    }
}

/// How links are written: relative to DIST, or absolute under `--base-url`.
pub struct Links<'a> {
    base: Option<&'a str>,
}

impl Links<'_> {
    pub fn to(&self, file: &str) -> String {
        match self.base {
            Some(base) => format!("{base}{file}"),
            None => file.to_string(),
        }
    }
}

/// The shelf's own files.
const INDEX: &str = "index.html";
const STYLE: &str = "shelf.css";
const CATALOG_XML: &str = "catalog.xml";
const CATALOG_JSON: &str = "catalog.json";
const SHELF_FILES: [&str; 4] = [STYLE, INDEX, CATALOG_XML, CATALOG_JSON];
/// Slugs a book may not take: they would overwrite the shelf's own files or folder.
const RESERVED: &[&str] = &["index", "catalog", "shelf", dist::COVERS];

/// Boxed: a record or a build's result is large, a failure is nothing.
enum Outcome {
    Reused(Box<Record>),
    /// `inputs` is `None` when a file the build read cannot be read again: the book is placed,
    /// and built again next time.
    Built {
        inputs: Option<Vec<Input>>,
        built: Box<Built>,
    },
    Failed,
}

/// A book in place (or not), whether it was built in this run, and what was said about it.
struct Placed {
    record: Option<Record>,
    built: bool,
    diags: Vec<Diagnostic>,
}

/// One collection's way through a run.
struct Job {
    /// Relative to the published folder, with `/`: the collection's name in the cache.
    folder: String,
    /// As shown to the user.
    path: PathBuf,
    outcome: Outcome,
    diags: Vec<Diagnostic>,
}

/// Publishes every collection under `options.folder` into `options.dist`. Returns `None` when
/// nothing could be published (the problems are in `diags`); a shelf with failed collections
/// otherwise — they are in `diags` and in [`Shelf::failed`].
pub fn publish(options: &Options, diags: &mut Vec<Diagnostic>) -> Option<Shelf> {
    // Held until the run ends: a second run into this DIST waits for it.
    let (dist, collections) = open(options, diags)?;
    let work = match dist.work() {
        Ok(w) => w,
        Err(e) => {
            diags.push(io_error(&options.dist, "cannot write in", &e));
            return None;
        }
    };
    let old = cache::Cache::load(&dist, diags);
    let mut formats = options.formats.clone();
    formats.sort();
    formats.dedup();
    let tool = cache::tool(&formats);

    let mut jobs = build_all(options, &collections, &old, &tool, &dist, &work);
    let slugs = name_books(&jobs);
    let moves = park_renamed(&mut jobs, &slugs, &dist, &work);
    let placed = place_all(&mut jobs, &slugs, moves, &tool, &formats, &dist);
    let (records, shelf) = gather(options, &mut jobs, placed, diags);
    if records.is_empty() {
        // Nothing to show: the shelf in DIST, if any, is left as it was.
        return None;
    }
    let pages = write_pages(options, &records, &dist, diags)?;

    // What earlier runs wrote and this shelf no longer has (a removed or failed collection,
    // a renamed book, a format no longer asked for) goes — if it is still as it was written:
    // DIST may hold other things, and only files the cache can vouch for are ever removed.
    let new = cache::Cache::new(records, pages);
    let keep = new.written();
    for (name, proof) in old.written() {
        if !keep.contains_key(&name) {
            dist.remove(Removal::Written(&proof), diags);
        }
    }
    dist.remove(Removal::EmptyCovers, diags);
    if let Err(e) = dist.write_if_changed(cache::FILE, new.to_json().as_bytes()) {
        diags.push(io_error(&dist.shown(cache::FILE), "cannot write", &e));
    }
    Some(shelf)
}

/// DIST, locked and cleared of an interrupted run's scratch, and the collections under the
/// published folder, in order; `None` (the problem in `diags`) when there is nothing to do.
fn open(options: &Options, diags: &mut Vec<Diagnostic>) -> Option<(Dist, Vec<String>)> {
    let fail = |diags: &mut Vec<Diagnostic>, d: Diagnostic| {
        diags.push(d);
        None
    };
    if !options.folder.is_dir() {
        return fail(
            diags,
            Diagnostic::error(
                "no-folder",
                format!("{} is not a folder", options.folder.display()),
            )
            .help("name the folder that holds your collections"),
        );
    }
    let dist = match Dist::open(&options.dist) {
        Ok(d) => d,
        Err(d) => return fail(diags, d),
    };
    dist.clear_scratch(diags);
    let collections = match discover(&options.folder, dist.abs()) {
        Ok(c) => c,
        Err(e) => return fail(diags, io_error(&options.folder, "cannot read", &e)),
    };
    if collections.is_empty() {
        return fail(
            diags,
            Diagnostic::error(
                "no-collection",
                format!(
                    "no collection in {}: no folder holds an {MANIFEST_FILE}",
                    options.folder.display()
                ),
            )
            .help("create one with `anthology new <DIR>`"),
        );
    }
    Some((dist, collections))
}

/// Each collection, in parallel: reused (its files in DIST are still what its inputs make),
/// or built into the scratch folder.
fn build_all(
    options: &Options,
    collections: &[String],
    old: &cache::Cache,
    tool: &str,
    dist: &Dist,
    work: &dist::Work,
) -> Vec<Job> {
    collections
        .par_iter()
        .enumerate()
        .map(|(n, rel)| {
            let path = shown(&options.folder, rel);
            let mut d = Vec::new();
            let outcome = match Root::new(&path) {
                Err(e) => {
                    d.push(io_error(&path, "cannot read", &e));
                    Outcome::Failed
                }
                Ok(root) => match old.reusable(rel, tool, &root, dist) {
                    Some(record) => Outcome::Reused(Box::new(record)),
                    None => match pipeline::build(&path, Some(&work.book(n)), &mut d) {
                        Some(built) => Outcome::Built {
                            inputs: cache::inputs(&root, &built.inputs),
                            built: Box::new(built),
                        },
                        None => Outcome::Failed,
                    },
                },
            };
            Job {
                folder: rel.clone(),
                path,
                outcome,
                diags: d,
            }
        })
        .collect()
}

/// Each book's name: the slug of its title, unique on the shelf, in the collections' order.
fn name_books(jobs: &[Job]) -> Vec<Option<String>> {
    let mut taken: HashSet<String> = RESERVED.iter().map(|s| (*s).to_string()).collect();
    jobs.iter()
        .map(|job| {
            let title = match &job.outcome {
                Outcome::Reused(r) => &r.title,
                Outcome::Built { built, .. } => &built.meta.title,
                Outcome::Failed => return None,
            };
            Some(unique_slug(title, &mut taken))
        })
        .collect()
}

/// A reused book whose name changed (another book took it, or freed it) moves out first, so
/// that no two moves can clash: for each job, its parked files and their new names.
fn park_renamed(
    jobs: &mut [Job],
    slugs: &[Option<String>],
    dist: &Dist,
    work: &dist::Work,
) -> Vec<Vec<(PathBuf, String)>> {
    let mut moves = Vec::with_capacity(jobs.len());
    for (n, (job, slug)) in jobs.iter_mut().zip(slugs).enumerate() {
        let mut mine = Vec::new();
        if let (Outcome::Reused(record), Some(slug)) = (&mut job.outcome, slug)
            && &record.slug != slug
        {
            for (i, (from, to)) in record.renamed(slug).into_iter().enumerate() {
                let parked = work.parked(n, i);
                if let Err(e) = dist.park(&from, &parked) {
                    job.diags
                        .push(io_error(&dist.shown(&from), "cannot move", &e));
                    job.outcome = Outcome::Failed;
                    break;
                }
                mine.push((parked, to));
            }
        }
        moves.push(mine);
    }
    moves
}

/// Each book's files into place, in parallel: a reused book's parked files under its new
/// name, a built book's editions, cover thumbnails and record.
fn place_all(
    jobs: &mut [Job],
    slugs: &[Option<String>],
    moves: Vec<Vec<(PathBuf, String)>>,
    tool: &str,
    formats: &[Format],
    dist: &Dist,
) -> Vec<Placed> {
    jobs.par_iter_mut()
        .zip(slugs.par_iter())
        .zip(moves.into_par_iter())
        .map(|((job, slug), moves)| {
            let mut diags = Vec::new();
            let outcome = std::mem::replace(&mut job.outcome, Outcome::Failed);
            let (result, built) = match (outcome, slug) {
                (Outcome::Reused(record), Some(_)) => (
                    moves
                        .iter()
                        .try_for_each(|(from, to)| dist.place(from, to))
                        .map(|()| *record)
                        .map_err(|e| Some(io_error(&job.path, "cannot rename the files of", &e))),
                    false,
                ),
                (Outcome::Built { inputs, built }, Some(slug)) => {
                    let record = Record::new(
                        job.folder.clone(),
                        tool.to_string(),
                        inputs.unwrap_or_default(),
                        slug.clone(),
                        &built,
                    );
                    let placed = place(record, &built, formats, dist, &mut diags);
                    (placed.map_err(Some), true)
                }
                // A collection that failed has nothing to place.
                _ => (Err(None), false),
            };
            let record = result.map_err(|e| diags.extend(e)).ok();
            Placed {
                record,
                built,
                diags,
            }
        })
        .collect()
}

/// The records of the books on the shelf, sorted by title, and what happened to each
/// collection; every job's problems into `diags`, in the collections' order.
fn gather(
    options: &Options,
    jobs: &mut [Job],
    placed: Vec<Placed>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Record>, Shelf) {
    let mut records = Vec::new();
    let mut shelf = Shelf {
        index: options.dist.join(INDEX),
        built: Vec::new(),
        unchanged: Vec::new(),
        failed: Vec::new(),
    };
    for (job, mut placed) in jobs.iter_mut().zip(placed) {
        diags.append(&mut job.diags);
        diags.append(&mut placed.diags);
        match placed.record {
            Some(record) => {
                if placed.built {
                    shelf.built.push(job.path.clone());
                } else {
                    shelf.unchanged.push(job.path.clone());
                }
                records.push(record);
            }
            None => {
                diags.push(
                    Diagnostic::error(
                        "not-published",
                        format!("{} is left off the shelf", job.path.display()),
                    )
                    .help("fix the errors above and publish again; the other books are published"),
                );
                shelf.failed.push(job.path.clone());
            }
        }
    }
    records.sort_by(|a, b| {
        let key = |r: &Record| crate::text::squash_whitespace(&r.title).to_lowercase();
        key(a).cmp(&key(b)).then_with(|| a.slug.cmp(&b.slug))
    });
    (records, shelf)
}

/// The shelf's pages and catalogs, each written only if it changed; what was written, for the
/// cache, or `None` (the problem in `diags`) when one could not be.
fn write_pages(
    options: &Options,
    records: &[Record],
    dist: &Dist,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<dist::Written>> {
    let links = Links {
        base: options.base_url.as_deref(),
    };
    let mut files: Vec<(String, String)> = vec![
        (STYLE.to_string(), page::STYLE.to_string()),
        (
            INDEX.to_string(),
            page::index(&options.title, records, &links),
        ),
        (
            CATALOG_XML.to_string(),
            opds::atom(&options.title, records, &links),
        ),
        (
            CATALOG_JSON.to_string(),
            opds::feed(&options.title, records, &links),
        ),
    ];
    for r in records {
        files.push((r.page(), page::book(&options.title, r, &links)));
        files.push((r.publication(), opds::publication(r, &links)));
    }
    let mut pages = Vec::with_capacity(files.len());
    for (name, text) in &files {
        match dist.write_if_changed(name, text.as_bytes()) {
            Ok(written) => pages.push(written),
            Err(e) => {
                diags.push(io_error(&dist.shown(name), "cannot write", &e));
                return None;
            }
        }
    }
    Some(pages)
}

/// Puts a freshly built book's files into DIST and completes its record.
/// `formats` are in order (EPUB first).
fn place(
    mut record: Record,
    built: &Built,
    formats: &[Format],
    dist: &Dist,
    diags: &mut Vec<Diagnostic>,
) -> Result<Record, Diagnostic> {
    let err = |file: &str, e: &dyn std::fmt::Display| {
        Diagnostic::error(
            "output",
            format!("cannot write {}: {e}", dist.shown(file).display()),
        )
    };
    // The book this run built, read once: recorded by its hash, and the Kobo edition made from
    // it before it moves into place.
    let epub = read_regular(&built.path).map_err(|e| {
        Diagnostic::error(
            "output",
            format!(
                "cannot read the book built in {}: {e}",
                built.path.display()
            ),
        )
    })?;
    for &format in formats.iter().rev() {
        let file = download_file(&record.slug, format);
        let written = match format {
            Format::Kepub => kepub::convert(std::io::Cursor::new(&epub[..]), Vec::new())
                .map_err(|e| err(&file, &e))
                .and_then(|kepub| dist.write(&file, &kepub).map_err(|e| err(&file, &e)))?,
            Format::Epub => {
                dist.place(&built.path, &file).map_err(|e| err(&file, &e))?;
                dist::written(&file, &epub)
            }
        };
        record.downloads.insert(
            0,
            Download {
                format,
                file: FileRecord {
                    file,
                    media_type: format.media_type().to_string(),
                    bytes: written.bytes,
                    sha256: written.sha256,
                    width: None,
                    height: None,
                },
            },
        );
    }
    if let Some(c) = &built.cover {
        let source = built.cover_file.as_deref();
        record.cover = Some(
            cover::write(c, &record.slug, source, dist, diags)
                .map_err(|e| err(dist::COVERS, &e))?,
        );
    }
    Ok(record)
}

/// `title` as a slug no other book has: `marginalia`, then `marginalia-2`…
fn unique_slug(title: &str, taken: &mut HashSet<String>) -> String {
    let mut base = crate::text::slug(title);
    if base.is_empty() {
        base = "book".to_string();
    }
    let mut slug = base.clone();
    let mut n = 1;
    while taken.contains(&slug) {
        n += 1;
        slug = format!("{base}-{n}");
    }
    taken.insert(slug.clone());
    slug
}

/// The collections under `folder`, as paths relative to it (`""` when `folder` is one), in
/// order. A collection's own subfolders are not searched; hidden folders, links to folders and
/// DIST are skipped.
fn discover(folder: &Path, dist: &Path) -> std::io::Result<Vec<String>> {
    if folder.join(MANIFEST_FILE).is_file() {
        return Ok(vec![String::new()]);
    }
    let mut found = Vec::new();
    let mut stack = vec![(folder.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        let mut folders = Vec::new();
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.starts_with('.')
                || !entry.file_type()?.is_dir()
                || path.canonicalize().ok().as_deref() == Some(dist)
            {
                continue;
            }
            let rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if path.join(MANIFEST_FILE).is_file() {
                found.push(rel);
            } else {
                folders.push((path, rel));
            }
        }
        stack.extend(folders.into_iter().rev());
    }
    found.sort();
    Ok(found)
}

/// A collection's path as the user would write it: `collections/marginalia`.
fn shown(folder: &Path, rel: &str) -> PathBuf {
    if rel.is_empty() {
        folder.to_path_buf()
    } else if folder == Path::new(".") {
        PathBuf::from(rel)
    } else {
        folder.join(rel)
    }
}

fn io_error(path: &Path, what: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error("io", format!("{what} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            parse_base_url("https://books.example.org/shelf").unwrap(),
            "https://books.example.org/shelf/"
        );
        assert_eq!(
            parse_base_url("http://127.0.0.1:8000/").unwrap(),
            "http://127.0.0.1:8000/"
        );
        assert!(parse_base_url("books.example.org").is_err());
        assert!(parse_base_url("https://").is_err());
        assert!(parse_base_url("https://x.org/a b").is_err());
        assert!(parse_base_url("https://x.org/?q=1").is_err());
    }

    #[test]
    fn slugs_are_unique_and_never_the_shelfs_own() {
        let mut taken: HashSet<String> = RESERVED.iter().map(|s| (*s).to_string()).collect();
        assert_eq!(unique_slug("Essays", &mut taken), "essays");
        assert_eq!(unique_slug("Essays!", &mut taken), "essays-2");
        assert_eq!(unique_slug("Index", &mut taken), "index-2");
        assert_eq!(unique_slug("???", &mut taken), "book");
    }

    #[test]
    fn discovers_collections_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for c in ["b", "a", "group/c", "a/nested", ".hidden/x"] {
            std::fs::create_dir_all(d.join(c)).unwrap();
            std::fs::write(d.join(c).join(MANIFEST_FILE), "title: x\n").unwrap();
        }
        std::fs::create_dir_all(d.join("dist/y")).unwrap();
        std::fs::write(d.join("dist/y").join(MANIFEST_FILE), "").unwrap();
        let dist = d.join("dist").canonicalize().unwrap();
        assert_eq!(discover(d, &dist).unwrap(), ["a", "b", "group/c"]);
        assert_eq!(discover(&d.join("a"), &dist).unwrap(), [""]);
    }
}
