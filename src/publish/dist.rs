//! DIST, the shelf's folder: the one place of `publish` that names, writes and removes files
//! in it. A name comes from the tool or from the cache, which is untrusted input (whoever can
//! write DIST can edit it); either way it is checked here to be one of the shelf's own shapes —
//! a plain file name, or one in `covers/` — before it is joined to DIST, and `covers/` must be a
//! real folder, not a link leading elsewhere. [`Dist::remove`] is the only function of
//! `publish` that deletes (a test holds the other modules to it): a file goes only with proof
//! that this tool wrote it — its name, its place and the hash recorded when it was written —
//! and scratch only by the names the tool gives its scratch. Anything else is left alone, with a
//! warning. A run holds an exclusive lock on DIST throughout, so two runs never interleave.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::paths::read_regular;
use crate::pipeline::InProgress;

/// The only folder inside DIST the shelf writes into.
pub const COVERS: &str = "covers";

/// The scratch folder of a run, beside the shelf (`.anthology-work-` + six letters and digits).
const WORK_PREFIX: &str = ".anthology-work-";
/// A file being written beside its final name (`.anthology-` + six letters and digits + `.tmp`).
const TEMP_PREFIX: &str = ".anthology-";
const TEMP_SUFFIX: &str = ".tmp";
/// The Kobo edition's temporary file, as earlier builds of the tool named it.
const OLD_KEPUB_SUFFIX: &str = ".kepub.tmp";
/// The random part of a scratch name (tempfile's letters and digits).
const RANDOM: usize = 6;

/// A file the shelf wrote, as it was written: the proof that lets [`Dist::remove`] take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    /// Relative to DIST, with `/`.
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

/// What [`Dist::remove`] is asked to remove, with the reason it may.
#[derive(Clone, Copy)]
pub enum Removal<'a> {
    /// A file the shelf wrote, as the cache recorded it when it was written.
    Written(&'a Written),
    /// Scratch left by a run that was killed (a name [`scratch_kind`] recognises).
    Scratch(&'a str),
    /// `covers/`, when nothing is left in it.
    EmptyCovers,
}

/// The kinds of scratch a run makes in DIST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scratch {
    Folder,
    File,
}

/// The shelf's folder, locked for the run.
pub struct Dist {
    /// Canonical.
    abs: PathBuf,
    /// As the user named it, for messages.
    shown: PathBuf,
    /// An exclusive lock on the folder itself (no lock file to upload), released when the run
    /// ends, however it ends.
    _lock: File,
}

impl Dist {
    /// Creates DIST if needed, and locks it: another run into the same DIST is waited for.
    /// DIST's layout is checked: a `covers` that is not a real folder is refused.
    pub fn open(shown: &Path) -> Result<Dist, Diagnostic> {
        let io = |what: &str, e: &std::io::Error| {
            Diagnostic::error("io", format!("{what} {}: {e}", shown.display()))
        };
        std::fs::create_dir_all(shown).map_err(|e| io("cannot create", &e))?;
        let abs = shown.canonicalize().map_err(|e| io("cannot open", &e))?;
        let lock = std::fs::OpenOptions::new()
            .read(true)
            .open(&abs)
            .map_err(|e| io("cannot open", &e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                // Said now rather than among the diagnostics at the end, as cargo does: the
                // user is kept waiting now.
                eprintln!(
                    "waiting for another `anthology publish` into {} to finish",
                    shown.display()
                );
                lock.lock().map_err(|e| io("cannot lock", &e))?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io("cannot lock", &e)),
        }
        let dist = Dist {
            abs,
            shown: shown.to_path_buf(),
            _lock: lock,
        };
        if let Err(e) = dist.covers(false) {
            return Err(Diagnostic::error(
                "dist-layout",
                format!(
                    "{} {e}: the shelf keeps its covers in a folder of its own inside {}",
                    dist.shown(COVERS).display(),
                    shown.display()
                ),
            )
            .help("remove it, or publish into another folder"));
        }
        Ok(dist)
    }

    /// DIST, canonical.
    pub fn abs(&self) -> &Path {
        &self.abs
    }

    /// A file of the shelf as the user would name it: `dist/covers/a.png`.
    pub fn shown(&self, name: &str) -> PathBuf {
        self.shown.join(name)
    }

    /// The scratch folder of this run, removed when it is dropped or the run is interrupted.
    pub fn work(&self) -> std::io::Result<Work> {
        let (dir, registered) = InProgress::create(|| {
            tempfile::Builder::new()
                .prefix(WORK_PREFIX)
                .rand_bytes(RANDOM)
                .tempdir_in(&self.abs)
        })?;
        Ok(Work {
            dir,
            _registered: registered,
        })
    }

    /// `name` in DIST, once it is checked: a name the shelf gives its files (or its cache), in
    /// DIST or a real `covers/` folder (made when `create`).
    fn path(&self, name: &str, create: bool) -> std::io::Result<PathBuf> {
        if !valid_name(name) && name != super::cache::FILE {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{name:?} is not a name the shelf gives a file"),
            ));
        }
        if name.contains('/') {
            self.covers(create)?;
        }
        Ok(self.abs.join(name))
    }

    /// Checks that `covers/`, if it is there, is a real folder inside DIST; makes it when
    /// `create`.
    fn covers(&self, create: bool) -> std::io::Result<()> {
        let path = self.abs.join(COVERS);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(m) => Err(std::io::Error::other(if m.file_type().is_symlink() {
                "is a symbolic link"
            } else {
                "is not a folder"
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                std::fs::create_dir(&path).or_else(|e| {
                    // Made meanwhile by another thread of this run.
                    if e.kind() == std::io::ErrorKind::AlreadyExists {
                        self.covers(false)
                    } else {
                        Err(e)
                    }
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Reads a file of the shelf (never through a link).
    pub fn read(&self, name: &str) -> std::io::Result<Vec<u8>> {
        read_regular(&self.path(name, false)?)
    }

    /// Whether the file `name` holds what was recorded: it is still the file the tool wrote.
    pub fn intact(&self, name: &str, bytes: u64, sha256: &str) -> bool {
        // The size first: a file that changed is seldom read whole to find out.
        let same_size = self.path(name, false).is_ok_and(|path| {
            std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes)
        });
        same_size
            && self.read(name).is_ok_and(|data| {
                data.len() as u64 == bytes && super::cache::sha256(&data) == sha256
            })
    }

    /// Writes `data` as `name` through a temporary file beside it, so that a reader (or a web
    /// server) never sees half a file. The temporary file is removed if the run is interrupted.
    pub fn write(&self, name: &str, data: &[u8]) -> std::io::Result<Written> {
        let path = self.path(name, true)?;
        let dir = path.parent().unwrap_or(&self.abs);
        let (mut temp, registered) = InProgress::create(|| {
            tempfile::Builder::new()
                .prefix(TEMP_PREFIX)
                .rand_bytes(RANDOM)
                .suffix(TEMP_SUFFIX)
                .tempfile_in(dir)
        })?;
        std::io::Write::write_all(&mut temp, data)?;
        crate::pipeline::finish_file(temp, &path)?;
        drop(registered);
        Ok(written(name, data))
    }

    /// [`Dist::write`] unless `name` holds `data` already: an unchanged shelf keeps its files'
    /// dates, which is what `rsync` and web caches go by.
    pub fn write_if_changed(&self, name: &str, data: &[u8]) -> std::io::Result<Written> {
        if self.read(name).is_ok_and(|old| old == data) {
            return Ok(written(name, data));
        }
        self.write(name, data)
    }

    /// Moves a file the tool made in its scratch folder into place as `name`.
    pub fn place(&self, from: &Path, name: &str) -> std::io::Result<()> {
        std::fs::rename(from, self.path(name, true)?)
    }

    /// Moves the file `name` out of DIST to `to`, in the scratch folder (a book being renamed).
    pub fn park(&self, name: &str, to: &Path) -> std::io::Result<()> {
        std::fs::rename(self.path(name, false)?, to)
    }

    /// Removes what `what` names, if it can prove the tool made it; otherwise leaves it, with a
    /// warning. The only deletion in `publish`.
    pub fn remove(&self, what: Removal, diags: &mut Vec<Diagnostic>) {
        match what {
            Removal::Written(w) => self.remove_written(w, diags),
            Removal::Scratch(name) => self.remove_scratch(name, diags),
            Removal::EmptyCovers => {
                if self.covers(false).is_ok() {
                    // Fails, as it should, while anything is in it.
                    let _ = std::fs::remove_dir(self.abs.join(COVERS));
                }
            }
        }
    }

    fn remove_written(&self, w: &Written, diags: &mut Vec<Diagnostic>) {
        let shown = self.shown(&w.file);
        let left = |why: &str| {
            Diagnostic::warning(
                "left-in-place",
                format!(
                    "{} was written by an earlier publish but {why}; it is left in place",
                    shown.display()
                ),
            )
            .help("delete it yourself if it should go")
        };
        if !valid_name(&w.file) {
            return diags.push(left("its name is not one the shelf gives a file"));
        }
        let path = match self.path(&w.file, false) {
            Ok(p) => p,
            Err(e) => return diags.push(left(&format!("its folder {e}"))),
        };
        match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) => return diags.push(left(&format!("cannot be read ({e})"))),
            Ok(m) if !m.is_file() => {
                return diags.push(left("is now a link or a folder, not the file it wrote"));
            }
            Ok(_) => {}
        }
        if !self.intact(&w.file, w.bytes, &w.sha256) {
            return diags.push(left("has changed since"));
        }
        if let Err(e) = std::fs::remove_file(&path) {
            diags.push(left(&format!("cannot be removed ({e})")));
        }
    }

    fn remove_scratch(&self, name: &str, diags: &mut Vec<Diagnostic>) {
        let Some(kind) = scratch_kind(name) else {
            return;
        };
        let path = self.abs.join(name);
        let shown = self.shown(name);
        let left = |why: String| {
            Diagnostic::warning(
                "left-in-place",
                format!(
                    "{} is named like publish's scratch, but {why}; it is left in place",
                    shown.display()
                ),
            )
            .help("delete it yourself if it should go")
        };
        // Never through a `covers` that leads elsewhere.
        if name.contains('/') && self.covers(false).is_err() {
            return;
        }
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            return;
        };
        let removed = match kind {
            Scratch::File if meta.is_file() => std::fs::remove_file(&path),
            Scratch::Folder if meta.is_dir() => {
                let foreign: Vec<String> = std::fs::read_dir(&path)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter_map(|entry| {
                        let inner = entry.file_name().to_string_lossy().into_owned();
                        let own = work_entry(&inner)
                            && std::fs::symlink_metadata(entry.path()).is_ok_and(|m| m.is_file());
                        if own && std::fs::remove_file(entry.path()).is_ok() {
                            None
                        } else {
                            Some(inner)
                        }
                    })
                    .collect();
                if !foreign.is_empty() {
                    return diags.push(left(format!(
                        "it holds {}, which publish does not write",
                        foreign.join(", ")
                    )));
                }
                std::fs::remove_dir(&path)
            }
            _ => {
                return diags.push(left(
                    "it is a link, or not the kind of file publish makes".into(),
                ));
            }
        };
        match removed {
            Ok(()) => diags.push(Diagnostic::warning(
                "scratch-removed",
                format!(
                    "removed {}, left by a publish that was interrupted",
                    shown.display()
                ),
            )),
            Err(e) => diags.push(left(format!("it cannot be removed ({e})"))),
        }
    }

    /// Clears what killed runs left in DIST and `covers/` (this run holds the lock, so no other
    /// run is using it): only names the tool gives its scratch.
    pub fn clear_scratch(&self, diags: &mut Vec<Diagnostic>) {
        for folder in ["", COVERS] {
            if !folder.is_empty() && self.covers(false).is_err() {
                continue;
            }
            let Ok(entries) = std::fs::read_dir(self.abs.join(folder)) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| scratch_kind(n).is_some())
                .map(|n| {
                    if folder.is_empty() {
                        n
                    } else {
                        format!("{folder}/{n}")
                    }
                })
                .collect();
            names.sort();
            for name in names {
                self.remove(Removal::Scratch(&name), diags);
            }
        }
    }
}

/// A run's scratch folder: the books are built into it, and a renamed book's files wait in it.
pub struct Work {
    // Dropped in this order: the folder is removed, then no longer registered.
    dir: tempfile::TempDir,
    _registered: InProgress,
}

impl Work {
    /// Where the `n`th collection's book is built.
    pub fn book(&self, n: usize) -> PathBuf {
        self.dir.path().join(format!("{n}.epub"))
    }

    /// Where the `i`th file of the `n`th book waits while the shelf's names change.
    pub fn parked(&self, n: usize, i: usize) -> PathBuf {
        self.dir.path().join(format!("moved-{n}-{i}"))
    }
}

/// What writing `data` as `name` leaves in DIST.
pub fn written(name: &str, data: &[u8]) -> Written {
    Written {
        file: name.to_string(),
        bytes: data.len() as u64,
        sha256: super::cache::sha256(data),
    }
}

/// Whether `name` is a name the shelf gives a file: a plain file name (ASCII letters, digits,
/// `-`, `_` and `.`, not hidden), alone or in `covers/`. So no other separator, no `..`, nothing
/// absolute, no NUL or backslash.
pub fn valid_name(name: &str) -> bool {
    let plain = name
        .strip_prefix(COVERS)
        .and_then(|n| n.strip_prefix('/'))
        .unwrap_or(name);
    !plain.is_empty()
        && plain.len() <= 255
        && !plain.starts_with('.')
        && plain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Whether `name` (in DIST, or `covers/…`) is one the tool gives its scratch, and which kind.
fn scratch_kind(name: &str) -> Option<Scratch> {
    let (folder, file) = name.rsplit_once('/').unwrap_or(("", name));
    if !(folder.is_empty() || folder == COVERS) {
        return None;
    }
    if folder.is_empty()
        && let Some(rest) = file.strip_prefix(WORK_PREFIX)
        && random(rest)
    {
        return Some(Scratch::Folder);
    }
    let rest = file.strip_prefix(TEMP_PREFIX)?;
    let stem = rest
        .strip_suffix(OLD_KEPUB_SUFFIX)
        .or_else(|| rest.strip_suffix(TEMP_SUFFIX))?;
    random(stem).then_some(Scratch::File)
}

/// Whether `s` is tempfile's random part.
fn random(s: &str) -> bool {
    s.len() == RANDOM && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether `name` is a file a run puts in its scratch folder: a book being built (`3.epub`, and
/// the build's own `.anthology-XXXXXX.epub.tmp`) or a renamed book's file (`moved-3-0`).
fn work_entry(name: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    name.strip_suffix(".epub").is_some_and(digits)
        || name
            .strip_prefix("moved-")
            .and_then(|rest| rest.split_once('-'))
            .is_some_and(|(n, i)| digits(n) && digits(i))
        || name
            .strip_prefix(TEMP_PREFIX)
            .and_then(|rest| rest.strip_suffix(".epub.tmp"))
            .is_some_and(random)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_shelf_gives_and_no_other() {
        for ok in [
            "index.html",
            "a-b.kepub.epub",
            "covers/a.png",
            "covers/a.thumb.jpg",
        ] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in [
            "",
            "..",
            "../victim",
            "/etc/passwd",
            "a/../../x",
            "covers/../../x",
            "covers/",
            "covers/.hidden",
            "other/a.png",
            "a\\..\\x",
            "a\0b",
            ".anthology-publish.json",
            "C:x",
        ] {
            assert!(!valid_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn scratch_is_known_by_its_exact_names() {
        assert_eq!(
            scratch_kind(".anthology-work-aZ09xy"),
            Some(Scratch::Folder)
        );
        assert_eq!(scratch_kind(".anthology-aZ09xy.tmp"), Some(Scratch::File));
        assert_eq!(
            scratch_kind(".anthology-aZ09xy.kepub.tmp"),
            Some(Scratch::File)
        );
        assert_eq!(
            scratch_kind("covers/.anthology-aZ09xy.tmp"),
            Some(Scratch::File)
        );
        for other in [
            ".anthology-work-mine",
            ".anthology-work-aZ09xyz",
            "covers/.anthology-work-aZ09xy",
            ".anthology-notes.tmp",
            // A build's temporary file (`anthology build -o DIST/x.epub` may be running).
            ".anthology-aZ09xy.epub.tmp",
            ".anthology-publish.json",
            "keep.kepub.tmp",
            "x/.anthology-aZ09xy.tmp",
            "../.anthology-aZ09xy.tmp",
        ] {
            assert_eq!(scratch_kind(other), None, "{other}");
        }
        assert!(work_entry("12.epub") && work_entry("moved-3-0"));
        assert!(work_entry(".anthology-aZ09xy.epub.tmp"));
        assert!(!work_entry("notes.txt") && !work_entry("moved-3") && !work_entry(".epub"));
    }

    fn dist() -> (tempfile::TempDir, Dist) {
        let dir = tempfile::tempdir().unwrap();
        let dist = Dist::open(&dir.path().join("dist")).unwrap();
        (dir, dist)
    }

    #[test]
    fn removes_only_what_it_can_prove_it_wrote() {
        use std::os::unix::fs::symlink;
        let (dir, dist) = dist();
        let mut diags = Vec::new();
        let outside = dir.path().join("victim");
        std::fs::write(&outside, "precious").unwrap();
        let proof = |file: &str, data: &[u8]| written(file, data);

        // Written by the tool and unchanged: removed.
        let mine = dist.write("covers/a.png", b"png").unwrap();
        dist.remove(Removal::Written(&mine), &mut diags);
        assert!(!dist.abs().join("covers/a.png").exists());
        assert!(diags.is_empty(), "{diags:?}");

        // Changed since: left, with a warning naming it.
        let page = dist.write("a.html", b"page").unwrap();
        std::fs::write(dist.abs().join("a.html"), "edited").unwrap();
        dist.remove(Removal::Written(&page), &mut diags);
        assert_eq!(read_regular(&dist.abs().join("a.html")).unwrap(), b"edited");
        assert!(diags.pop().unwrap().message.contains("a.html"));

        // A link in DIST to a file outside, whatever its content: the link is left, and so is
        // what it points at.
        symlink(&outside, dist.abs().join("b.epub")).unwrap();
        dist.remove(Removal::Written(&proof("b.epub", b"precious")), &mut diags);
        assert!(dist.abs().join("b.epub").is_symlink());

        // Names that lead out of DIST, with the victim's own hash.
        let abs = outside.to_string_lossy().into_owned();
        for name in ["../victim", &abs, "covers/../../victim", "a\0b"] {
            dist.remove(Removal::Written(&proof(name, b"precious")), &mut diags);
        }
        assert_eq!(read_regular(&outside).unwrap(), b"precious");

        // `covers` a link to a folder outside: nothing through it.
        std::fs::remove_dir(dist.abs().join(COVERS)).unwrap();
        std::fs::create_dir(dir.path().join("away")).unwrap();
        std::fs::write(dir.path().join("away/a.png"), "png").unwrap();
        symlink(dir.path().join("away"), dist.abs().join(COVERS)).unwrap();
        dist.remove(Removal::Written(&mine), &mut diags);
        dist.remove(Removal::EmptyCovers, &mut diags);
        assert!(dir.path().join("away/a.png").is_file());
        assert!(dist.write("covers/b.png", b"png").is_err());
        assert!(!dir.path().join("away/b.png").exists());
    }

    #[test]
    fn a_second_run_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = Dist::open(dir.path()).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let path = dir.path().to_path_buf();
        let second = std::thread::spawn(move || {
            let dist = Dist::open(&path).unwrap();
            tx.send(()).unwrap();
            drop(dist);
        });
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(300))
                .is_err(),
            "the second run went on while the first held DIST"
        );
        drop(first);
        rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        second.join().unwrap();
    }

    /// Every other module of `publish`, by its text: none of them deletes, renames or
    /// truncates a file; they go through [`Dist`].
    #[test]
    fn nothing_else_in_publish_deletes() {
        let modules = [
            ("mod.rs", include_str!("mod.rs")),
            ("cache.rs", include_str!("cache.rs")),
            ("cover.rs", include_str!("cover.rs")),
            ("kepub.rs", include_str!("kepub.rs")),
            ("opds.rs", include_str!("opds.rs")),
            ("page.rs", include_str!("page.rs")),
            ("record.rs", include_str!("record.rs")),
        ];
        let names: Vec<&str> = modules.iter().map(|(name, _)| *name).collect();
        let on_disk: Vec<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/publish"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".rs") && n != "dist.rs")
                .collect();
        for file in &on_disk {
            assert!(names.contains(&file.as_str()), "{file} is not checked here");
        }
        for (name, text) in modules {
            // The modules' own tests may make files.
            let code = text.split("#[cfg(test)]").next().unwrap_or(text);
            for call in [
                "remove_file",
                "remove_dir",
                "rename(",
                "persist",
                "finish_file",
                "fs::write",
                "File::create",
                "truncate(",
                "set_len",
            ] {
                assert!(!code.contains(call), "{name} calls {call}: use Dist");
            }
        }
    }
}
