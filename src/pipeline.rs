//! The pipeline: load the manifest, resolve everything a build needs (style, cover, output
//! path, dates) before any work, convert the essays on every core, and stream the chapters
//! into a temporary file that replaces the target only once the book is complete.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};

use crate::assemble::{self, EpubWriter};
use crate::book::{BookMeta, Chapter, Creator, Entry, Resource, Role, Summary};
use crate::convert::{self, Context};
use crate::diag::{Diagnostic, error_count};
use crate::labels::{self, Labels};
use crate::manifest::{self, Collection, Item};
use crate::text::slug;

/// Everything a build needs, resolved before the first essay is read.
pub struct Plan {
    pub collection: Collection,
    pub meta: BookMeta,
    pub css: String,
    /// Fonts embedded in the book (`fonts:`), their `@font-face` rules already in `css`.
    pub fonts: Vec<Resource>,
    /// The manifest's cover.
    pub cover: Option<Resource>,
    /// Without one, the theme whose cover [`write_book`] makes, alongside the essays (a
    /// `check` never spends the time).
    pub generate_cover: Option<&'static str>,
    pub contents: Vec<Entry>,
    pub labels: &'static Labels,
}

/// Loads and checks the collection at `path`; `None` if it has errors (they are in `diags`).
pub fn plan(path: &Path, diags: &mut Vec<Diagnostic>) -> Option<Plan> {
    plan_collection(manifest::load(path, diags)?, diags)
}

/// [`plan`] for a collection already loaded (from disk or from memory).
pub fn plan_collection(collection: Collection, diags: &mut Vec<Diagnostic>) -> Option<Plan> {
    let (css, fonts) = crate::styles::stylesheet(&collection, diags)?;
    let mut meta = collection.meta.clone();
    meta.modified = modified(&meta, diags)?;
    convert::render_matter(&mut meta);
    let labels = labels::for_language(&meta.language);
    let cover = collection.cover.as_ref().map(|c| Resource {
        href: crate::paths::package_path(&c.file.rel, crate::media::extension(c.media_type)),
        media_type: c.media_type,
        data: Arc::new(c.data.clone()),
    });
    let generate_cover = cover.is_none().then(|| collection.style.name());
    let contents = collection
        .contents
        .iter()
        .map(|item| match item {
            Item::Essay(e) => Entry::Essay(e.id.clone()),
            Item::Part { title, essays } => Entry::Part {
                title: title.clone(),
                essays: essays.iter().map(|e| e.id.clone()).collect(),
            },
        })
        .collect();
    Some(Plan {
        collection,
        meta,
        css,
        fonts,
        cover,
        generate_cover,
        contents,
        labels,
    })
}

/// `dcterms:modified`: from `SOURCE_DATE_EPOCH` when set, else from the book's `date`, else a
/// fixed date. Never the clock: the same input gives the same book.
fn modified(meta: &BookMeta, diags: &mut Vec<Diagnostic>) -> Option<String> {
    if let Ok(raw) = std::env::var("SOURCE_DATE_EPOCH") {
        return match raw.trim().parse::<i64>() {
            Ok(secs) if secs >= 0 => Some(crate::dates::rfc3339(secs)),
            _ => {
                diags.push(
                    Diagnostic::error(
                        "source-date-epoch",
                        format!("SOURCE_DATE_EPOCH is `{raw}`, not a number of seconds"),
                    )
                    .help("unset it, or set it to a Unix time such as 1700000000"),
                );
                None
            }
        };
    }
    Some(match meta.date.as_deref() {
        Some(d) if d.len() >= 10 => format!("{}T00:00:00Z", &d[..10]),
        Some(d) if d.len() == 7 => format!("{d}-01T00:00:00Z"),
        Some(d) if d.len() == 4 => format!("{d}-01-01T00:00:00Z"),
        _ => "2000-01-01T00:00:00Z".to_string(),
    })
}

/// The temporary files and folders being written (each with its registration's number),
/// removed if the process is interrupted: a book's temporary file, `publish`'s scratch folder
/// and the temporary files it writes beside the shelf's files.
static IN_PROGRESS: Mutex<Vec<(u64, PathBuf)>> = Mutex::new(Vec::new());

/// Makes Ctrl-C, SIGTERM and SIGHUP remove the unfinished book's temporary file (and any other
/// registered scratch) before the process ends: an interrupted build leaves the previous book
/// and no debris behind.
pub fn remove_partial_output_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        // Held until the process ends: nothing can be registered (created) after the sweep.
        let mut registry = IN_PROGRESS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !registry.is_empty() {
            for (_, path) in registry.drain(..) {
                // Only what this process made, by the name it made it under.
                let _ = if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
            }
            eprintln!("interrupted: no book was written");
        }
        std::process::exit(130);
    });
}

/// A temporary file or folder registered for removal on interrupt, for as long as the guard
/// lives.
pub(crate) struct InProgress(u64);

impl InProgress {
    /// Makes the temporary file or folder with `make` and registers it, holding the registry's
    /// lock throughout: an interrupt that comes as it appears waits for its name, so it is
    /// removed too.
    pub(crate) fn create<T: AsRef<Path>>(
        make: impl FnOnce() -> std::io::Result<T>,
    ) -> std::io::Result<(T, Self)> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut registry = IN_PROGRESS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let made = make()?;
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        registry.push((id, made.as_ref().to_path_buf()));
        Ok((made, InProgress(id)))
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        IN_PROGRESS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|(id, _)| *id != self.0);
    }
}

/// Where the book goes without `-o`: `<manifest folder>/build/<slug of the title>.epub`.
pub fn default_output(plan: &Plan) -> PathBuf {
    let name = slug(&plan.meta.title);
    let name = if name.is_empty() {
        "book".to_string()
    } else {
        name
    };
    plan.collection.root.shown(&format!("build/{name}.epub"))
}

/// What a build made.
pub struct Built {
    pub path: PathBuf,
    pub essays: usize,
    pub bytes: u64,
    /// The book as it was written — its metadata (with the essays' authors when the manifest
    /// names no author or editor), its parts, its chapters' summaries and its
    /// cover — for those who describe the book outside it (`publish`'s page and catalogs).
    pub meta: BookMeta,
    pub contents: Vec<Entry>,
    pub chapters: Vec<Summary>,
    pub cover: Option<Resource>,
    /// The manifest's cover file as the user would name it (`None` for a cover made by the
    /// build), for messages about it.
    pub cover_file: Option<PathBuf>,
    /// Every file the build read, relative to the collection folder (`paths::Root::files_read`):
    /// exactly what the book depends on, with the tool and the environment. `publish` hashes
    /// these to know whether the book must be built again.
    pub inputs: Vec<String>,
}

/// Told of each essay converted: how many are done, out of how many (for a progress bar).
/// Called in reading order, from the thread that writes.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// Builds the book. Returns what was written, or `None` when the input has errors (all of
/// them in `diags`); an existing book at the target is then left as it was.
pub fn build(path: &Path, output: Option<&Path>, diags: &mut Vec<Diagnostic>) -> Option<Built> {
    build_plan(&plan(path, diags)?, output, &|_, _| {}, diags)
}

/// [`build`] for a planned book, telling `progress` of each essay converted.
pub fn build_plan(
    plan: &Plan,
    output: Option<&Path>,
    progress: Progress,
    diags: &mut Vec<Diagnostic>,
) -> Option<Built> {
    let target = match output {
        Some(o) => o.to_path_buf(),
        None => default_output(plan),
    };
    let dir = match prepare_target(plan, &target, output.is_none()) {
        Ok(dir) => dir,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let made = InProgress::create(|| {
        tempfile::Builder::new()
            .prefix(".anthology-")
            .suffix(".epub.tmp")
            .tempfile_in(&dir)
    });
    let (temp, _guard) = match made {
        Ok(created) => created,
        Err(e) => {
            diags.push(Diagnostic::error(
                "output",
                format!("cannot write in {}: {e}", dir.display()),
            ));
            return None;
        }
    };
    let file = match temp.reopen() {
        Ok(f) => f,
        Err(e) => {
            diags.push(Diagnostic::error(
                "output",
                format!("cannot write in {}: {e}", dir.display()),
            ));
            return None;
        }
    };
    let Written {
        out: buf,
        meta,
        chapters,
        cover,
    } = match write_book(plan, BufWriter::new(file), progress, diags) {
        Ok(done) => done,
        Err(Stop::Input) => return None,
        Err(Stop::Output(e)) => {
            diags.push(Diagnostic::error("output", e.to_string()).in_file(&target));
            return None;
        }
    };
    let result = buf
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error);
    if let Err(e) = result.and_then(|f| f.sync_all()) {
        diags.push(Diagnostic::error("output", e.to_string()).in_file(&target));
        return None;
    }
    // Now every input is known, the images found while converting too.
    if let Err(d) = refuse_inputs(plan, &target) {
        diags.push(d);
        return None;
    }
    if let Err(e) = finish_file(temp, &target) {
        diags.push(
            Diagnostic::error("output", format!("cannot write the book: {e}")).in_file(&target),
        );
        return None;
    }
    let bytes = std::fs::metadata(&target).map_or(0, |m| m.len());
    let root = &plan.collection.root;
    Some(Built {
        path: target,
        essays: chapters.len(),
        bytes,
        meta,
        cover_file: (plan.collection.cover.as_ref()).map(|c| root.shown(&c.file.rel)),
        inputs: root.files_read(),
        contents: plan.contents.clone(),
        chapters,
        cover,
    })
}

/// A book written by [`write_book`].
pub struct Written<W> {
    pub out: W,
    /// The metadata the book carries (with the essays' authors when the manifest names none).
    pub meta: BookMeta,
    /// The chapters' summaries (their lengths counted only for a contents page that shows
    /// reading times).
    pub chapters: Vec<Summary>,
    /// The cover, given or made.
    pub cover: Option<Resource>,
}

/// Converts and assembles the whole book into `out`, making its cover (when the manifest
/// gives none) on a thread of its own meanwhile. Shared by [`build`], the book in memory that
/// `serve` shows, and the one-essay books of `build --each`.
pub fn write_book<W: Write>(
    plan: &Plan,
    out: W,
    progress: Progress,
    diags: &mut Vec<Diagnostic>,
) -> Result<Written<W>, Stop> {
    std::thread::scope(|scope| {
        let made = plan.generate_cover.map(|theme| {
            scope.spawn(move || crate::cover::generate(&plan.meta, theme, plan.labels))
        });
        let mut writer = EpubWriter::new(out).map_err(Stop::Output)?;
        // The book shows the essays' lengths only on a contents page with reading times.
        let measure = plan.meta.show_reading_time;
        let chapters = convert_all(plan, Some(&mut writer), measure, progress, diags)?;
        let cover = match made {
            // Drawing a cover cannot fail; were it ever to panic, the panic goes on.
            Some(job) => Some(job.join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
            None => plan.cover.clone(),
        };
        let meta = book_meta(&plan.meta, &chapters);
        let book = assemble::Book {
            meta: &meta,
            labels: plan.labels,
            css: &plan.css,
            fonts: &plan.fonts,
            cover: cover.as_ref(),
            contents: &plan.contents,
            chapters: &chapters,
        };
        let out = writer.finish(&book).map_err(Stop::Output)?;
        Ok(Written {
            out,
            meta,
            chapters,
            cover,
        })
    })
}

/// Runs every stage but writing, and counts nothing. True when there is no error.
pub fn check(plan: &Plan, diags: &mut Vec<Diagnostic>) -> bool {
    let converted = convert_all::<Vec<u8>>(plan, None, false, &|_, _| {}, diags);
    converted.is_ok() && error_count(diags) == 0
}

/// The chapters' summaries of a planned book (words counted), or `None` on an error.
pub fn summarise(plan: &Plan, diags: &mut Vec<Diagnostic>) -> Option<Vec<Summary>> {
    convert_all::<Vec<u8>>(plan, None, true, &|_, _| {}, diags).ok()
}

/// Checks the target before any work: not a folder, not one of the inputs, its folder there.
fn prepare_target(plan: &Plan, target: &Path, default: bool) -> Result<PathBuf, Diagnostic> {
    if target.is_dir() {
        return Err(Diagnostic::error(
            "output",
            format!(
                "{} is a folder; name the .epub file to write",
                target.display()
            ),
        ));
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if default && let Err(e) = std::fs::create_dir_all(&dir) {
        return Err(Diagnostic::error(
            "output",
            format!("cannot create {}: {e}", dir.display()),
        ));
    }
    if !dir.is_dir() {
        return Err(Diagnostic::error(
            "output",
            format!("the folder {} does not exist", dir.display()),
        ));
    }
    // What is known before the work: the essays, and every file the manifest made the build
    // read (the manifest, cover, style sheets, fonts). Images are found while converting:
    // `refuse_inputs` is asked again before the book takes the target's place.
    refuse_inputs(plan, target)?;
    Ok(dir)
}

/// An error if `target` is a file the build reads: an essay, or any file read so far through
/// the collection's [`crate::paths::Root`], which logs them all — so a new kind of input
/// cannot be forgotten here.
fn refuse_inputs(plan: &Plan, target: &Path) -> Result<(), Diagnostic> {
    // Nothing there: nothing to overwrite. A link is judged by the file it leads to.
    let Ok(abs) = target.canonicalize() else {
        return Ok(());
    };
    let c = &plan.collection;
    let essay = c
        .essays()
        .find(|e| e.file.abs == abs)
        .map(|e| e.file.rel.clone());
    // Every file read is inside the collection's folder: only a target there can be one.
    let read = || {
        if !abs.starts_with(&c.root.abs) {
            return None;
        }
        c.root
            .files_read()
            .into_iter()
            .find(|rel| c.root.abs.join(rel).canonicalize().is_ok_and(|f| f == abs))
    };
    let Some(input) = essay.or_else(read) else {
        return Ok(());
    };
    let shown = c.root.shown(&input);
    let what = if shown == target {
        format!("{} is an input of the book", target.display())
    } else {
        format!(
            "{} is {}, an input of the book",
            target.display(),
            shown.display()
        )
    };
    Err(
        Diagnostic::error("output", format!("{what}; it will not be overwritten"))
            .help("name another file with -o"),
    )
}

/// Moves the finished temporary file into place (atomically, on the same file system), with
/// the mode any program's new file gets: 0666 less the umask (a temporary file is made 0600).
/// Every file the tool writes through a temporary file comes here: the book, `build --each`'s
/// books, `publish`'s files.
pub(crate) fn finish_file(temp: tempfile::NamedTempFile, target: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp.path().parent().unwrap_or(Path::new("."));
    let mode = new_file_mode(dir)?;
    std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(mode))?;
    temp.persist(target).map_err(|e| e.error)?;
    Ok(())
}

/// The mode a file created with 0666 gets in `dir`: 0666 less the umask. The umask cannot be
/// read without being set (which would race with the threads that create files meanwhile), so
/// a file is made to see it, once a run.
fn new_file_mode(dir: &Path) -> std::io::Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    static MODE: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    if let Some(&mode) = MODE.get() {
        return Ok(mode);
    }
    let probe = tempfile::Builder::new()
        .prefix(".anthology-")
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    let mode = probe.as_file().metadata()?.permissions().mode() & 0o777;
    Ok(*MODE.get_or_init(|| mode))
}

/// The metadata as the book carries it: with no author or editor named in the manifest, the
/// essays' authors are the book's authors.
fn book_meta(meta: &BookMeta, chapters: &[Summary]) -> BookMeta {
    let mut meta = meta.clone();
    if !meta.creators.iter().any(|c| c.role.is_primary()) {
        let mut authors: Vec<Creator> = Vec::new();
        for name in chapters.iter().flat_map(Summary::authors) {
            if !authors.iter().any(|a| a.name == name) {
                authors.push(Creator {
                    name: name.to_string(),
                    role: Role::Author,
                    file_as: None,
                });
            }
        }
        authors.append(&mut meta.creators);
        meta.creators = authors;
    }
    meta
}

/// How many essays are converted at once: one per core, or `RAYON_NUM_THREADS` (the variable
/// that also sizes `publish`'s pool). Asked of the system rather than of rayon, whose global
/// pool would start threads that a build never uses.
fn workers() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(1)
}

/// How far ahead of the writer the workers may go. Converted chapters wait, compressed, until
/// their turn: this bounds the memory they hold, whatever the number of essays.
const WINDOW: usize = 32;

/// One essay, converted (and, when a book is being written, compressed) by a worker.
struct Converted {
    /// The essay's summary and the anchors links may name; `None` when it has errors.
    summary: Option<(Summary, convert::Anchors)>,
    /// The whole chapter when it links into other essays: it is written once every essay's
    /// anchors are known.
    unsettled: Option<Chapter>,
    prepared: Option<assemble::Prepared>,
    diags: Vec<Diagnostic>,
}

/// The workers' queue: the next essay to take, and how many the writer has taken in.
struct Queue {
    next: usize,
    done: usize,
    stop: bool,
}

/// Reads, converts and compresses every essay on every core, and writes the chapters in reading
/// order as they come. Chapters that link into other essays wait until every essay's anchors
/// are known. Returns the chapters' summaries, or why it stopped.
fn convert_all<W: Write>(
    plan: &Plan,
    mut writer: Option<&mut EpubWriter<W>>,
    measure: bool,
    progress: Progress,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Summary>, Stop> {
    let essays: Vec<&manifest::EssayRef> = plan.collection.essays().collect();
    let ids = plan.collection.essay_ids();
    let writing = writer.is_some();
    let failed = AtomicBool::new(error_count(diags) > 0);
    let queue = Mutex::new(Queue {
        next: 0,
        done: 0,
        stop: false,
    });
    let turn = Condvar::new();
    let lock = || {
        queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    let threads = workers().clamp(1, essays.len().max(1));

    let mut summaries: Vec<Summary> = Vec::with_capacity(essays.len());
    let mut waiting: Vec<Chapter> = Vec::new();
    // Each essay's anchors, in the order of the summaries.
    let mut anchors: Vec<convert::Anchors> = Vec::with_capacity(essays.len());
    let mut output_error = None;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Converted)>();
        for _ in 0..threads {
            let tx = tx.clone();
            let (essays, ids, failed, turn, lock) = (&essays, &ids, &failed, &turn, &lock);
            scope.spawn(move || {
                loop {
                    let i = {
                        let mut q = lock();
                        while !q.stop && q.next < essays.len() && q.next >= q.done + WINDOW {
                            q = turn
                                .wait(q)
                                .unwrap_or_else(std::sync::PoisonError::into_inner);
                        }
                        if q.stop || q.next >= essays.len() {
                            break;
                        }
                        q.next += 1;
                        q.next - 1
                    };
                    let prepare = writing && !failed.load(Ordering::Relaxed);
                    // A panic is a bug in the converter: the essay fails with an error naming
                    // it, and the other threads go on (left alone they would wait for it
                    // forever, the writer for its turn).
                    let converted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        convert_one(plan, essays[i], ids, measure, prepare)
                    }))
                    .unwrap_or_else(|panic| panicked(plan, essays[i], &*panic));
                    if converted.summary.is_none() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    if tx.send((i, converted)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // This thread writes, in order: results that arrive early wait in `early`.
        let mut early: BTreeMap<usize, Converted> = BTreeMap::new();
        let mut next = 0;
        for (i, converted) in rx.iter() {
            early.insert(i, converted);
            while let Some(mut c) = early.remove(&next) {
                next += 1;
                progress(next, essays.len());
                diags.append(&mut c.diags);
                let Some((summary, essay_anchors)) = c.summary else {
                    continue;
                };
                anchors.push(essay_anchors);
                if let Some(chapter) = c.unsettled {
                    waiting.push(chapter);
                } else if let (Some(w), Some(prepared)) = (writer.as_deref_mut(), c.prepared)
                    && !failed.load(Ordering::Relaxed)
                    && let Err(e) = w.add(prepared)
                {
                    output_error = Some(e);
                }
                summaries.push(summary);
            }
            let mut q = lock();
            q.done = next;
            q.stop |= output_error.is_some();
            turn.notify_all();
            if q.stop {
                break;
            }
        }
    });
    if let Some(e) = output_error {
        return Err(Stop::Output(e));
    }
    let failed = failed.load(Ordering::Relaxed);
    // Looked up by essay id only when a chapter links into another essay.
    let anchors: HashMap<&str, &convert::Anchors> = if waiting.is_empty() {
        HashMap::new()
    } else {
        summaries
            .iter()
            .map(|s| s.id.as_str())
            .zip(&anchors)
            .collect()
    };
    for mut chapter in waiting {
        convert::settle_cross_links(&mut chapter, &anchors, diags);
        if !failed && let Some(w) = writer.as_deref_mut() {
            w.chapter(&plan.meta, &chapter).map_err(Stop::Output)?;
        }
    }
    if failed {
        Err(Stop::Input)
    } else {
        Ok(summaries)
    }
}

/// Reads and converts one essay; compresses its chapter when `prepare` (a book is being written
/// and nothing has failed) and the chapter needs no other essay's anchors.
/// What a panic while converting `essay` becomes: an error at the essay, saying it is a bug.
fn panicked(
    plan: &Plan,
    essay: &manifest::EssayRef,
    panic: &(dyn std::any::Any + Send),
) -> Converted {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    let d = Diagnostic::error(
        "internal",
        format!("the converter failed on this essay ({what}): this is a bug in anthology"),
    )
    .in_file(&plan.collection.root.shown(&essay.file.rel))
    .help("please report it with the essay, at the project's issue tracker");
    Converted {
        summary: None,
        unsettled: None,
        prepared: None,
        diags: vec![d],
    }
}

fn convert_one(
    plan: &Plan,
    essay: &manifest::EssayRef,
    ids: &HashMap<&str, &str>,
    measure: bool,
    prepare: bool,
) -> Converted {
    let mut diags = Vec::new();
    let chapter =
        manifest::read_essay(&plan.collection.root, essay, &mut diags).and_then(|source| {
            let ctx = Context {
                essay_id: &essay.id,
                essay_rel: &essay.file.rel,
                root: &plan.collection.root,
                essays: ids,
                source: &source.body,
                book_language: &plan.meta.language,
                toc_depth: plan.meta.toc_depth,
                labels: plan.labels,
                measure,
            };
            convert::convert(&ctx, &source.meta, &mut diags)
        });
    let mut prepared = None;
    let mut unsettled = None;
    let summary = chapter.map(|mut c| {
        let summary = Summary::of(&c);
        let anchors = convert::Anchors::pack(std::mem::take(&mut c.anchors));
        if !c.cross_links.is_empty() {
            unsettled = Some(c);
        } else if prepare {
            prepared = Some(assemble::prepare(&plan.meta, &c));
        }
        (summary, anchors)
    });
    Converted {
        summary,
        unsettled,
        prepared,
        diags,
    }
}

/// Why the conversion stopped: problems in the input (in the diagnostics), or the output.
pub enum Stop {
    Input,
    Output(assemble::AssembleError),
}
