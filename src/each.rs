//! `build --each`: every essay also as a small book of its own, for handing out one essay.
//! Each is a one-essay book made by the same pipeline from the book's plan: the essay's
//! title, subtitle, authors, language, date and rights become the book's; the anthology it
//! comes from is the collection it belongs to (`belongs-to-collection`, with its place in it).
//! The books go into `<book>-essays/<essay id>.epub` beside the book, each written atomically.

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::book::{BookMeta, Creator, Entry, Role, Series, Summary};
use crate::diag::Diagnostic;
use crate::manifest::{Collection, Item};
use crate::pipeline::{self, Built, Plan, Stop};

/// The folder the essays' books go into: `book-essays/` beside `book.epub`.
pub fn folder(book: &Path) -> PathBuf {
    let stem = book
        .file_stem()
        .map_or_else(|| "book".into(), |s| s.to_string_lossy().into_owned());
    book.with_file_name(format!("{stem}-essays"))
}

/// Writes one book per essay of the planned book whose book `built` was just written.
/// Returns the paths written, in reading order; `None` on an error (in `diags`).
pub fn write(plan: &Plan, built: &Built, diags: &mut Vec<Diagnostic>) -> Option<Vec<PathBuf>> {
    let dir = folder(&built.path);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        diags.push(Diagnostic::error(
            "output",
            format!("cannot create {}: {e}", dir.display()),
        ));
        return None;
    }
    let mut written = Vec::new();
    for (n, essay) in plan.collection.essays().enumerate() {
        let Some(chapter) = built.chapters.iter().find(|c| c.id == essay.id) else {
            continue;
        };
        let meta = essay_meta(&plan.meta, chapter, n + 1);
        let one = Plan {
            collection: Collection {
                contents: vec![Item::Essay(essay.clone())],
                ..plan.collection.clone()
            },
            labels: crate::labels::for_language(&meta.language),
            meta,
            css: plan.css.clone(),
            fonts: plan.fonts.clone(),
            // The anthology's cover shows the anthology's title: this book gets its own, made
            // for the essay in the anthology's style.
            cover: None,
            generate_cover: Some(plan.collection.style.name()),
            contents: vec![Entry::Essay(essay.id.clone())],
        };
        let target = dir.join(format!("{}.epub", essay.id));
        if let Err(d) = write_one(&one, &dir, &target, diags) {
            diags.push(d.in_file(&target));
            return None;
        }
        written.push(target);
    }
    Some(written)
}

/// Builds one essay's book into a temporary file in `dir` and moves it to `target`.
fn write_one(
    plan: &Plan,
    dir: &Path,
    target: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Result<(), Diagnostic> {
    let output = |e: &dyn std::fmt::Display| Diagnostic::error("output", e.to_string());
    let temp = tempfile::Builder::new()
        .prefix(".anthology-")
        .suffix(".epub.tmp")
        .tempfile_in(dir)
        .map_err(|e| output(&e))?;
    let file = temp.reopen().map_err(|e| output(&e))?;
    let mut own = Vec::new();
    let buf = match pipeline::write_book(plan, BufWriter::new(file), &|_, _| {}, &mut own) {
        Ok(written) => written.out,
        Err(Stop::Output(e)) => return Err(output(&e)),
        Err(Stop::Input) => {
            diags.extend(own.into_iter().filter(Diagnostic::is_error));
            return Err(Diagnostic::error(
                "each",
                "the essay could not be made into a book of its own",
            ));
        }
    };
    let file = buf.into_inner().map_err(|e| output(&e.into_error()))?;
    file.sync_all().map_err(|e| output(&e))?;
    pipeline::finish_file(temp, target).map_err(|e| output(&e))
}

/// The metadata of an essay's own book.
fn essay_meta(book: &BookMeta, chapter: &Summary, position: usize) -> BookMeta {
    let creators = if chapter.authors().len() == 0 {
        book.creators.clone()
    } else {
        chapter
            .authors()
            .map(|name| Creator {
                name: name.to_string(),
                role: Role::Author,
                file_as: None,
            })
            .collect()
    };
    // Stable across rebuilds, distinct for every essay of every book.
    let name = format!("anthology-essay:{}\n{}", book.identifier, chapter.id);
    let identifier = format!(
        "urn:uuid:{}",
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes())
    );
    BookMeta {
        title: chapter.title().to_string(),
        subtitle: chapter.subtitle().map(String::from),
        language: chapter
            .language()
            .map_or_else(|| book.language.clone(), String::from),
        identifier,
        other_identifiers: Vec::new(),
        isbn: None,
        creators,
        publisher: book.publisher.clone(),
        date: chapter
            .date()
            .filter(|d| crate::manifest::valid_date(d))
            .map(String::from)
            .or_else(|| book.date.clone()),
        description: None,
        rights: chapter
            .rights()
            .map(String::from)
            .or_else(|| book.rights.clone()),
        subjects: book.subjects.clone(),
        series: Some(Series {
            name: book.title.clone(),
            position: Some(position.to_string()),
        }),
        toc_depth: book.toc_depth,
        show_reading_time: book.show_reading_time,
        modified: book.modified.clone(),
        // A single essay's book carries no dedication, contributors or sources pages.
        matter: Default::default(),
    }
}
