//! The library's facade: what a program that makes books needs, and nothing of the pipeline's
//! insides. A [`Collection`] is opened from a folder ([`Collection::open`]) or made in memory
//! ([`Draft`], [`Collection::from_memory`]); it is checked ([`Collection::check`]) and written
//! as an EPUB to a path ([`Collection::write_epub`]) or into any [`Write`]
//! ([`Collection::write_to`]). Problems go to a [`Diagnostics`] sink; a call that could not
//! do its work returns [`Failed`], its errors being in the sink.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::book::Role;
use crate::diag::{Diagnostic, Diagnostics, Failed};
use crate::manifest::{self, MANIFEST_FILE};
use crate::paths::{Memory, Root};
use crate::pipeline::{self, Built, Plan, Stop};

/// A collection of essays, loaded and checked: everything the book needs is resolved (the
/// manifest, its style, fonts and cover), and the essays are read when the book is made.
pub struct Collection {
    plan: Plan,
}

/// Runs a stage with a list of its own and adds what it found to `diags`: the stages fail on
/// any error in their list, and errors left in the caller's sink by earlier work are not this
/// call's. `None` from the stage is [`Failed`].
fn stage<T>(
    diags: &mut Diagnostics,
    run: impl FnOnce(&mut Vec<Diagnostic>) -> Option<T>,
) -> Result<T, Failed> {
    let mut own = Vec::new();
    let out = run(&mut own);
    diags.extend(own);
    out.ok_or(Failed)
}

/// Told of each essay converted while a book is written: how many are done, out of how many.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

impl Collection {
    /// Opens the collection at `path`: an `anthology.yaml`, or the folder that holds one.
    /// Every file it names must be inside its folder.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// std::fs::write(dir.path().join("anthology.yaml"), "title: Notes\nlanguage: en\ncontents: [one.md]\n")?;
    /// std::fs::write(dir.path().join("one.md"), "# First\n\nA line.\n")?;
    ///
    /// let mut diags = anthology::Diagnostics::new();
    /// let collection = anthology::Collection::open(dir.path(), &mut diags)?;
    /// assert_eq!(collection.title(), "Notes");
    /// assert_eq!(collection.essay_count(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn open(path: impl AsRef<Path>, diags: &mut Diagnostics) -> Result<Collection, Failed> {
        let plan = stage(diags, |d| pipeline::plan(path.as_ref(), d))?;
        Ok(Collection { plan })
    }

    /// Makes a collection of files held in memory, by path (relative, `/`-separated): one of
    /// them is the manifest, `anthology.yaml`. Nothing is read from disk; problems name the
    /// files by these paths.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let files = [
    ///     ("anthology.yaml", "title: Letters\nlanguage: en\ncontents: [essays/a.md]\n"),
    ///     ("essays/a.md", "---\ntitle: To a Friend\n---\nDear friend,\n"),
    /// ];
    /// let mut diags = anthology::Diagnostics::new();
    /// let collection = anthology::Collection::from_memory(
    ///     files.map(|(path, text)| (path.to_string(), text.as_bytes().to_vec())),
    ///     &mut diags,
    /// )?;
    /// assert_eq!(collection.title(), "Letters");
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_memory(
        files: impl IntoIterator<Item = (String, Vec<u8>)>,
        diags: &mut Diagnostics,
    ) -> Result<Collection, Failed> {
        let mut memory = Memory::new();
        let mut refused = false;
        for (path, data) in files {
            match Root::normalise("", &path) {
                Ok(rel) if memory.contains_key(&rel) => {
                    refused = true;
                    diags.push(Diagnostic::error(
                        "path",
                        format!("two files are named `{rel}`"),
                    ));
                }
                Ok(rel) => {
                    memory.insert(rel, data);
                }
                Err(problem) => {
                    refused = true;
                    diags.push(
                        Diagnostic::error("path", format!("`{path}`: {problem}"))
                            .help("name the files of a collection by paths relative to its folder"),
                    );
                }
            }
        }
        if refused {
            return Err(Failed);
        }
        let root = Root::in_memory(memory);
        let plan = stage(diags, |d| {
            manifest::load_in(root, MANIFEST_FILE, d)
                .and_then(|collection| pipeline::plan_collection(collection, d))
        })?;
        Ok(Collection { plan })
    }

    /// The book's title.
    pub fn title(&self) -> &str {
        &self.plan.meta.title
    }

    /// The book's language, a BCP 47 tag.
    pub fn language(&self) -> &str {
        &self.plan.meta.language
    }

    /// How many essays the book holds, in all its parts.
    pub fn essay_count(&self) -> usize {
        self.plan.collection.essays().count()
    }

    /// Where `anthology build` puts the book without `-o`:
    /// `<collection folder>/build/<slug of the title>.epub`.
    pub fn default_output(&self) -> PathBuf {
        pipeline::default_output(&self.plan)
    }

    /// Converts every essay, as a build does, and writes nothing. Problems go to `diags`;
    /// [`Failed`] when one is an error.
    ///
    /// ```
    /// let mut draft = anthology::Draft::new("Essays");
    /// draft.essay("a.md", "# A\n\nAn image that is not there: ![a map](map.png)\n");
    /// let mut diags = anthology::Diagnostics::new();
    /// let collection = draft.open(&mut diags).expect("a valid manifest");
    /// assert!(collection.check(&mut diags).is_err());
    /// assert!(diags.iter().any(|d| d.to_string().contains("a.md:3:")));
    /// ```
    pub fn check(&self, diags: &mut Diagnostics) -> Result<(), Failed> {
        stage(diags, |d| pipeline::check(&self.plan, d).then_some(()))
    }

    /// Writes the book to `path`, atomically: the file there is replaced only once the book is
    /// complete, and left as it was on an error. The path may not be one of the book's inputs.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let mut draft = anthology::Draft::new("Essays");
    /// draft.author("Ada Byron").essay("one.md", "# One\n\nText.\n");
    /// let mut diags = anthology::Diagnostics::new();
    /// let book = draft.open(&mut diags)?.write_epub(dir.path().join("essays.epub"), &mut diags)?;
    /// assert_eq!(book.essays(), 1);
    /// assert!(book.path().exists());
    /// # Ok(())
    /// # }
    /// ```
    pub fn write_epub(
        &self,
        path: impl AsRef<Path>,
        diags: &mut Diagnostics,
    ) -> Result<Book, Failed> {
        self.build(Some(path.as_ref()), &|_, _| {}, diags)
    }

    /// [`Collection::write_epub`] to `output`, or (`None`) to [`Collection::default_output`],
    /// whose folder is made when missing; `progress` is told of each essay converted.
    pub fn build(
        &self,
        output: Option<&Path>,
        progress: Progress,
        diags: &mut Diagnostics,
    ) -> Result<Book, Failed> {
        let built = stage(diags, |d| {
            pipeline::build_plan(&self.plan, output, progress, d)
        })?;
        Ok(Book { built })
    }

    /// Writes the book into `out` (a file, a `Vec<u8>`, a socket) and gives it back.
    ///
    /// ```
    /// let mut draft = anthology::Draft::new("In Memory");
    /// draft.essay("a.md", "# A\n\nText.\n");
    /// let mut diags = anthology::Diagnostics::new();
    /// let epub = draft.open(&mut diags).and_then(|c| c.write_to(Vec::new(), &mut diags)).unwrap();
    /// assert_eq!(&epub[..2], b"PK");
    /// ```
    pub fn write_to<W: Write>(&self, out: W, diags: &mut Diagnostics) -> Result<W, Failed> {
        stage(diags, |d| {
            match pipeline::write_book(&self.plan, out, &|_, _| {}, d) {
                Ok(written) => Some(written.out),
                Err(Stop::Input) => None,
                Err(Stop::Output(e)) => {
                    d.push(Diagnostic::error(
                        "output",
                        format!("cannot write the book: {e}"),
                    ));
                    None
                }
            }
        })
    }

    /// Writes every essay of `book` (just written from this collection) as a book of its own,
    /// into `<book>-essays/<essay id>.epub` beside it. Returns their paths in reading order.
    pub fn write_each(&self, book: &Book, diags: &mut Diagnostics) -> Result<Vec<PathBuf>, Failed> {
        stage(diags, |d| crate::each::write(&self.plan, &book.built, d))
    }

    /// Counts each essay's words, reading time, notes, images and headings, and the book's.
    ///
    /// ```
    /// let mut draft = anthology::Draft::new("Counted");
    /// draft.essay("a.md", "# Counting\n\nOne two three.\n");
    /// let mut diags = anthology::Diagnostics::new();
    /// let stats = draft.open(&mut diags).and_then(|c| c.stats(&mut diags)).unwrap();
    /// assert_eq!(stats.total_words(), 3);
    /// ```
    pub fn stats(&self, diags: &mut Diagnostics) -> Result<Stats, Failed> {
        let chapters = stage(diags, |d| pipeline::summarise(&self.plan, d))?;
        Ok(Stats(crate::stats::Stats::new(&self.plan, &chapters)))
    }
}

/// A book written by [`Collection::write_epub`] or [`Collection::build`].
pub struct Book {
    built: Built,
}

impl Book {
    /// Where the book was written.
    pub fn path(&self) -> &Path {
        &self.built.path
    }

    /// How many essays it holds.
    pub fn essays(&self) -> usize {
        self.built.essays
    }

    /// Its size in bytes.
    pub fn bytes(&self) -> u64 {
        self.built.bytes
    }
}

/// Each essay's figures and the book's totals, from [`Collection::stats`].
pub struct Stats(crate::stats::Stats);

impl Stats {
    /// The book's words, each Chinese or Japanese character counted as one.
    pub fn total_words(&self) -> usize {
        self.0.total.words
    }

    /// A table for people, one essay a line and the totals last.
    pub fn table(&self) -> String {
        self.0.table()
    }

    /// The figures as JSON, for programs.
    pub fn json(&self) -> String {
        self.0.json()
    }
}

/// A collection made in memory by a program: the book's metadata and its essays as Markdown
/// texts (each with its own front matter, as in a file). [`Draft::open`] checks it as the
/// manifest it stands for ([`Draft::manifest`]), so problems in the metadata are reported at
/// their place in that `anthology.yaml`.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use anthology::{Draft, Role};
///
/// let mut draft = Draft::new("Small Hours");
/// draft
///     .language("en-GB")
///     .creator("Imogen Vale", Role::Editor)
///     .essay("intro.md", "---\ntitle: Before We Begin\n---\nA few words.\n")
///     .part("Mornings")
///     .essay("dawn.md", "---\ntitle: Dawn\nauthors: [Caspar Doole]\n---\nLight.\n");
/// let mut diags = anthology::Diagnostics::new();
/// let collection = draft.open(&mut diags)?;
/// assert_eq!(collection.essay_count(), 2);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Draft {
    fields: Vec<(&'static str, String)>,
    creators: Vec<(String, Role)>,
    /// The contents: `(None, essays)` outside any part, `(Some(title), essays)` for a part.
    contents: Vec<(Option<String>, Vec<String>)>,
    files: Vec<(String, Vec<u8>)>,
}

impl Draft {
    /// A book titled `title`, in English until [`Draft::language`] says otherwise.
    pub fn new(title: impl Into<String>) -> Draft {
        Draft {
            fields: vec![("title", title.into()), ("language", "en".into())],
            ..Draft::default()
        }
    }

    fn set(&mut self, key: &'static str, value: String) -> &mut Draft {
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.fields.push((key, value)),
        }
        self
    }

    /// The subtitle.
    pub fn subtitle(&mut self, subtitle: impl Into<String>) -> &mut Draft {
        self.set("subtitle", subtitle.into())
    }

    /// The language, a BCP 47 tag (`en`, `fr-CA`, `ar`).
    pub fn language(&mut self, tag: impl Into<String>) -> &mut Draft {
        self.set("language", tag.into())
    }

    /// The publisher.
    pub fn publisher(&mut self, publisher: impl Into<String>) -> &mut Draft {
        self.set("publisher", publisher.into())
    }

    /// The date of publication (`2025`, `2025-03`, `2025-03-14`).
    pub fn date(&mut self, date: impl Into<String>) -> &mut Draft {
        self.set("date", date.into())
    }

    /// The rights statement (a copyright line, a licence).
    pub fn rights(&mut self, rights: impl Into<String>) -> &mut Draft {
        self.set("rights", rights.into())
    }

    /// A short description of the book.
    pub fn description(&mut self, description: impl Into<String>) -> &mut Draft {
        self.set("description", description.into())
    }

    /// The theme, by name (`anthology themes` lists them).
    pub fn style(&mut self, theme: impl Into<String>) -> &mut Draft {
        self.set("style", theme.into())
    }

    /// Adds a person who made the book, in a role.
    pub fn creator(&mut self, name: impl Into<String>, role: Role) -> &mut Draft {
        self.creators.push((name.into(), role));
        self
    }

    /// Adds an author of the book.
    pub fn author(&mut self, name: impl Into<String>) -> &mut Draft {
        self.creator(name, Role::Author)
    }

    /// Adds an editor of the book.
    pub fn editor(&mut self, name: impl Into<String>) -> &mut Draft {
        self.creator(name, Role::Editor)
    }

    /// Adds an essay at `path` (relative, `/`-separated: its images and links are found from
    /// there), its Markdown `text` with any front matter. It goes into the part begun last.
    pub fn essay(&mut self, path: impl Into<String>, text: impl Into<String>) -> &mut Draft {
        let path = path.into();
        match self.contents.last_mut() {
            Some((_, essays)) => essays.push(path.clone()),
            None => self.contents.push((None, vec![path.clone()])),
        }
        self.files.push((path, text.into().into_bytes()));
        self
    }

    /// Begins a part: the essays added next belong to it.
    pub fn part(&mut self, title: impl Into<String>) -> &mut Draft {
        self.contents.push((Some(title.into()), Vec::new()));
        self
    }

    /// Adds a file the essays use (an image, a style sheet), at `path`.
    pub fn file(&mut self, path: impl Into<String>, data: impl Into<Vec<u8>>) -> &mut Draft {
        self.files.push((path.into(), data.into()));
        self
    }

    /// The manifest, `anthology.yaml`, that the draft stands for.
    pub fn manifest(&self) -> String {
        use manifest::yaml_scalar as scalar;
        let mut out = String::new();
        for (key, value) in &self.fields {
            out.push_str(&format!("{key}: {}\n", scalar(value)));
        }
        if !self.creators.is_empty() {
            out.push_str("creators:\n");
            for (name, role) in &self.creators {
                out.push_str(&format!(
                    "  - name: {}\n    role: {}\n",
                    scalar(name),
                    role.name()
                ));
            }
        }
        out.push_str("contents:");
        if self.contents.is_empty() {
            out.push_str(" []");
        }
        out.push('\n');
        for (part, essays) in &self.contents {
            let (indent, list) = match part {
                Some(title) => {
                    out.push_str(&format!("  - part: {}\n    essays:", scalar(title)));
                    out.push_str(if essays.is_empty() { " []\n" } else { "\n" });
                    ("      ", essays)
                }
                None => ("  ", essays),
            };
            for essay in list {
                out.push_str(&format!("{indent}- {}\n", scalar(essay)));
            }
        }
        out
    }

    /// Checks the draft and makes it a [`Collection`].
    pub fn open(&self, diags: &mut Diagnostics) -> Result<Collection, Failed> {
        let manifest = self.manifest();
        if let Some((path, _)) = (self.files.iter())
            .find(|(p, _)| Root::normalise("", p).is_ok_and(|p| p == MANIFEST_FILE))
        {
            diags.push(Diagnostic::error(
                "path",
                format!("`{path}` is the draft's own manifest; a file cannot take its place"),
            ));
            return Err(Failed);
        }
        let files = std::iter::once((MANIFEST_FILE.to_string(), manifest.into_bytes()));
        Collection::from_memory(files.chain(self.files.iter().cloned()), diags)
    }
}

/// Makes a new collection from a blog (Jekyll, Hugo), a vault of notes, a folder of Markdown
/// or plain-text articles: clean Markdown essays, their images, and a manifest that builds.
/// Nothing is written over: the target folder must be new or empty.
pub fn import(
    options: &crate::import::Options,
    diags: &mut Diagnostics,
) -> Result<crate::import::Imported, Failed> {
    stage(diags, |d| crate::import::import(options, d))
}

/// Builds every collection under a folder into a shelf to download from: the books, a web
/// page and OPDS catalogs. A collection with errors is left off the shelf and named in
/// [`Shelf::failed`](crate::Shelf::failed) (its errors in `diags`); [`Failed`] only when there
/// is no shelf at all.
pub fn publish(
    options: &crate::publish::Options,
    diags: &mut Diagnostics,
) -> Result<crate::publish::Shelf, Failed> {
    stage(diags, |d| crate::publish::publish(options, d))
}

/// Serves the collection as web pages on this computer, rebuilt on every save, until Ctrl-C.
/// [`Failed`] when it could not start.
pub fn serve(options: &crate::serve::Options, diags: &mut Diagnostics) -> Result<(), Failed> {
    stage(diags, |d| crate::serve::serve(options, d).then_some(()))
}

/// Creates a new collection in `dir` (new, or empty) that builds at once. Returns its
/// manifest.
pub fn new_collection(dir: impl AsRef<Path>, diags: &mut Diagnostics) -> Result<PathBuf, Failed> {
    crate::scaffold::new(dir.as_ref()).map_err(|d| {
        diags.push(d);
        Failed
    })
}

/// Makes Ctrl-C, SIGTERM and SIGHUP remove the book being written (and any other unfinished
/// file of the tool's) before the process ends: an interrupted build leaves the previous book
/// and no debris. For programs that end on those signals; it replaces their Ctrl-C handler.
pub fn clean_up_on_interrupt() {
    crate::pipeline::remove_partial_output_on_interrupt();
}

/// Waits for changes to a collection's files, for building again after each.
pub struct Watcher {
    inner: crate::watch::Watcher,
    folder: PathBuf,
}

impl Watcher {
    /// Watches the collection at `path` (an `anthology.yaml`, or its folder), except what a
    /// build writes: the default `build/` folder, and `output` with its essays' folder.
    pub fn for_build(
        path: impl AsRef<Path>,
        output: Option<&Path>,
        diags: &mut Diagnostics,
    ) -> Result<Watcher, Failed> {
        let fail = |diags: &mut Diagnostics, d| {
            diags.push(d);
            Failed
        };
        let folder = crate::watch::collection_folder(path.as_ref()).map_err(|d| fail(diags, d))?;
        let mut ignored = vec![folder.join("build")];
        if let Some(o) = output {
            ignored.push(o.to_path_buf());
            ignored.push(crate::each::folder(o));
        }
        let inner = crate::watch::Watcher::new(&folder, &ignored).map_err(|d| fail(diags, d))?;
        Ok(Watcher { inner, folder })
    }

    /// The collection's folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Waits until a file of the collection changes. False when watching failed.
    pub fn wait(&self) -> bool {
        self.inner.wait(&std::sync::atomic::AtomicBool::new(false))
    }
}
