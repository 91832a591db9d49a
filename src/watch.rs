//! Watching a collection for saves (`serve`, `build --watch`): file events from the system
//! (`notify`), gathered until the writing settles, since an editor saves in several steps (a
//! temporary file, a rename, a change of permissions).
//!
//! Only folders of the collection are watched, each on its own (never a whole tree, which
//! would follow a symbolic link to `/usr` and watch all of it), and never through a symbolic
//! link or outside the collection. Which folders: those of the files the last build read
//! ([`Watcher::follow`]), and the collection's own for the manifest; while the book does not
//! build, or before it is known what a build reads, every folder of the collection, since the
//! fix may be any file in it. A change anywhere else is not a change to the book.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant, SystemTime};

use notify::event::{CreateKind, ModifyKind, RenameMode};
use notify::{EventKind, RecursiveMode, Watcher as _};

use crate::diag::Diagnostic;

/// Quiet time after the last event before a change counts as done.
const SETTLE: Duration = Duration::from_millis(120);
/// However busy the folder, a change is acted on after this long.
const AT_MOST: Duration = Duration::from_secs(1);
/// How often a wait looks at its stop flag.
const POLL: Duration = Duration::from_millis(100);
/// The most folders watched while every folder of the collection is (the nearest first): a
/// collection is a few folders, and the system's watches are shared by every program.
const MAX_FOLDERS: usize = 2048;

pub struct Watcher {
    events: Receiver<notify::Result<notify::Event>>,
    /// The collection folder, canonical.
    folder: PathBuf,
    /// Files and folders whose changes are not the author's: the books being written.
    ignored: Vec<PathBuf>,
    /// Changed as events come (a new folder, a deleted one), behind `&self`.
    state: RefCell<State>,
}

struct State {
    // Dropping it stops the events.
    notify: notify::RecommendedWatcher,
    /// The folders watched (canonical, inside the collection), each without its subfolders.
    watched: BTreeSet<PathBuf>,
    /// Every folder of the collection, so that new ones are watched as they appear.
    everything: bool,
    /// A change came while the watched folders were changing: the next wait ends at once.
    pending: bool,
}

/// The folder of the collection at `path` (an `anthology.yaml` or its folder), as an absolute
/// path: what to watch, even while the manifest has errors.
pub fn collection_folder(path: &Path) -> Result<PathBuf, Diagnostic> {
    let manifest = crate::manifest::find(path)?;
    let folder = manifest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    folder
        .canonicalize()
        .map_err(|e| Diagnostic::error("watch", format!("cannot open {}: {e}", folder.display())))
}

impl Watcher {
    /// Watches every folder of the collection in `folder`, except `ignored` (absolute paths,
    /// or paths that may not exist yet, resolved against their existing parent).
    pub fn new(folder: &Path, ignored: &[PathBuf]) -> Result<Watcher, Diagnostic> {
        let (tx, events) = channel();
        let fail = |e: notify::Error| {
            Diagnostic::error(
                "watch",
                format!("cannot watch {} for changes: {e}", folder.display()),
            )
        };
        let mut notify = notify::recommended_watcher(move |event| {
            let _ = tx.send(event);
        })
        .map_err(fail)?;
        let folder = absolute(folder);
        // The collection's own folder must be watched; a subfolder that cannot be (the
        // system's limit) is left out.
        notify
            .watch(&folder, RecursiveMode::NonRecursive)
            .map_err(fail)?;
        let watcher = Watcher {
            events,
            ignored: ignored.iter().map(|p| absolute(p)).collect(),
            state: RefCell::new(State {
                notify,
                watched: BTreeSet::from([folder.clone()]),
                everything: true,
                pending: false,
            }),
            folder,
        };
        let all = watcher.all_folders(&watcher.folder);
        watcher.watch_more(all, None);
        Ok(watcher)
    }

    /// After a build: watches the folders of the files it read (`reads`, relative to the
    /// collection, as [`crate::paths::Root::files_read`] gives them) and the collection's own,
    /// and no others; with `None` (the build failed), every folder of the collection. A file
    /// in a folder newly watched that changed since `since`, when the build began, counts as
    /// a change still to build.
    pub fn follow(&self, reads: Option<&[String]>, since: SystemTime) {
        let wanted: BTreeSet<PathBuf> = match reads {
            Some(reads) => {
                let mut wanted = BTreeSet::from([self.folder.clone()]);
                for rel in reads {
                    let file = self.folder.join(rel);
                    // The folder as named, and the one the file is really in when it is a link.
                    let real = file.canonicalize().ok();
                    for path in [Some(&file), real.as_ref()].into_iter().flatten() {
                        if let Some(dir) = path.parent().and_then(|d| self.inside(d)) {
                            wanted.insert(dir);
                        }
                    }
                }
                wanted
            }
            None => self.all_folders(&self.folder).into_iter().collect(),
        };
        let mut state = self.state.borrow_mut();
        state.everything = reads.is_none();
        let gone: Vec<PathBuf> = state.watched.difference(&wanted).cloned().collect();
        for dir in gone {
            let _ = state.notify.unwatch(&dir);
            state.watched.remove(&dir);
        }
        drop(state);
        self.watch_more(wanted, Some(since));
    }

    /// How many folders are watched.
    #[cfg(test)]
    pub fn watched(&self) -> usize {
        self.state.borrow().watched.len()
    }

    /// Blocks until a file that matters has changed and the writing has settled. False when
    /// `stop` was raised, or the system stopped telling.
    pub fn wait(&self, stop: &AtomicBool) -> bool {
        let pending = std::mem::take(&mut self.state.borrow_mut().pending);
        if !pending {
            loop {
                if stop.load(Ordering::Relaxed) {
                    return false;
                }
                match self.events.recv_timeout(POLL) {
                    Ok(Ok(event)) if self.take(&event) => break,
                    Ok(_) | Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return false,
                }
            }
        }
        let started = Instant::now();
        while started.elapsed() < AT_MOST {
            match self.events.recv_timeout(SETTLE) {
                Ok(Ok(event)) => {
                    self.take(&event);
                }
                Ok(Err(_)) => {}
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return false,
            }
        }
        !stop.load(Ordering::Relaxed)
    }

    /// Keeps the watched folders in step with the event, and says whether it changes the book.
    fn take(&self, event: &notify::Event) -> bool {
        // The system dropped events: anything may have changed.
        if event.need_rescan() {
            return true;
        }
        let changes = matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
        );
        if !changes {
            return false;
        }
        let mut matters = false;
        for path in &event.paths {
            let state = self.state.borrow();
            let watched = state.watched.contains(path)
                || path.parent().is_some_and(|p| state.watched.contains(p));
            drop(state);
            if !watched || self.ignored.iter().any(|i| path.starts_with(i)) || is_scratch(path) {
                continue;
            }
            matters = true;
            match event.kind {
                // A watched folder deleted or moved away: its watch went with it.
                EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_)) => {
                    self.forget(path);
                }
                _ => {}
            }
            let arrived = matches!(
                event.kind,
                EventKind::Create(CreateKind::Folder | CreateKind::Any)
                    | EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Any))
            );
            if arrived && self.state.borrow().everything {
                let more = self.all_folders(path);
                self.watch_more(more, None);
            }
        }
        matters
    }

    /// Watches `dirs` too; with `since`, notes whether anything in a newly watched one changed
    /// after it.
    fn watch_more(&self, dirs: impl IntoIterator<Item = PathBuf>, since: Option<SystemTime>) {
        let mut state = self.state.borrow_mut();
        for dir in dirs {
            if state.watched.contains(&dir) {
                continue;
            }
            if state.everything && state.watched.len() >= MAX_FOLDERS {
                break;
            }
            if state
                .notify
                .watch(&dir, RecursiveMode::NonRecursive)
                .is_ok()
            {
                state.pending |= since.is_some_and(|t| changed_since(&dir, t));
                state.watched.insert(dir);
            }
        }
    }

    /// Stops watching `path` and the folders in it.
    fn forget(&self, path: &Path) {
        let mut state = self.state.borrow_mut();
        let gone: Vec<PathBuf> = state
            .watched
            .iter()
            .filter(|d| d.starts_with(path))
            .cloned()
            .collect();
        for dir in gone {
            let _ = state.notify.unwatch(&dir);
            state.watched.remove(&dir);
        }
    }

    /// `dir`, canonical, if it is a folder inside the collection.
    fn inside(&self, dir: &Path) -> Option<PathBuf> {
        let dir = dir.canonicalize().ok()?;
        (dir.starts_with(&self.folder) && dir.is_dir()).then_some(dir)
    }

    /// `top` (a folder inside the collection) and the folders under it, nearest first, up to
    /// [`MAX_FOLDERS`]: never through a symbolic link, never into a hidden folder (`.git`) or
    /// an ignored one.
    fn all_folders(&self, top: &Path) -> Vec<PathBuf> {
        let Some(top) = self.inside(top) else {
            return Vec::new();
        };
        let mut found = vec![top.clone()];
        crate::paths::walk_tree(&top, MAX_FOLDERS, |path, is_dir| {
            let go = is_dir
                && !is_scratch(path)
                && !self.ignored.iter().any(|i| path.starts_with(i))
                && found.len() < MAX_FOLDERS;
            if go {
                found.push(path.to_path_buf());
            }
            go
        });
        found
    }
}

/// Whether the folder `dir`, or anything in it, changed after `since`.
fn changed_since(dir: &Path, since: SystemTime) -> bool {
    let after = |m: std::io::Result<std::fs::Metadata>| {
        m.and_then(|m| m.modified()).is_ok_and(|t| t >= since)
    };
    after(std::fs::metadata(dir))
        || std::fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| after(std::fs::metadata(e.path())))
        })
}

/// Hidden files and folders (`.git`, the build's own `.anthology-*.tmp`), editors' backups and
/// swap files (`x.md~`, `.x.md.swp`, vim's `4913`). By name: a hidden folder is never watched
/// unless the build read a file in it.
fn is_scratch(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    (name.starts_with('.') && name != "." && name != "..")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name == "4913"
}

/// `path` made absolute through its nearest existing ancestor (a book's folder may not exist
/// before the first build).
fn absolute(path: &Path) -> PathBuf {
    let mut tail = Vec::new();
    let mut head = path.to_path_buf();
    loop {
        if let Ok(abs) = head.canonicalize() {
            return tail.into_iter().rev().fold(abs, |p, t| p.join(t));
        }
        match (head.file_name().map(ToOwned::to_owned), head.parent()) {
            (Some(name), Some(parent)) => {
                tail.push(name);
                head = if parent.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    parent.to_path_buf()
                };
            }
            _ => return path.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_files_are_not_changes() {
        for p in [
            ".git",
            "essays/.a.md.swp",
            "a.md~",
            "4913",
            ".anthology-x.epub.tmp",
        ] {
            assert!(is_scratch(Path::new(p)), "{p}");
        }
        assert!(!is_scratch(Path::new("essays/a.md")));
    }

    /// Whether `watcher` sees a change within `time`.
    fn sees_a_change(watcher: &Watcher, time: Duration) -> bool {
        let (stop, done) = (AtomicBool::new(false), AtomicBool::new(false));
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let started = Instant::now();
                while started.elapsed() < time && !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                stop.store(true, Ordering::Relaxed);
            });
            let seen = watcher.wait(&stop);
            done.store(true, Ordering::Relaxed);
            seen
        })
    }

    #[test]
    fn only_the_folders_of_the_collection_and_of_what_was_read() {
        let outside = tempfile::tempdir().unwrap();
        for i in 0..50 {
            std::fs::create_dir_all(outside.path().join(format!("d{i}/deeper"))).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().canonicalize().unwrap();
        for d in ["essays/img", "drafts", ".git/objects/00", "build/x"] {
            std::fs::create_dir_all(folder.join(d)).unwrap();
        }
        std::fs::write(folder.join("essays/a.md"), "a").unwrap();
        std::os::unix::fs::symlink(outside.path(), folder.join("library")).unwrap();
        std::os::unix::fs::symlink(folder.join("essays"), folder.join("alias")).unwrap();

        // Before anything is read: the collection's folders, not through links, not hidden or
        // ignored ones.
        let watcher = Watcher::new(&folder, &[folder.join("build")]).unwrap();
        let all = ["", "essays", "essays/img", "drafts"].map(|d| folder.join(d));
        assert_eq!(
            watcher.state.borrow().watched,
            all.iter().cloned().collect::<BTreeSet<_>>()
        );
        // After a build: the folders of what it read (through a link, where the file is).
        let reads = ["anthology.yaml".to_string(), "alias/a.md".to_string()];
        watcher.follow(Some(&reads), SystemTime::now());
        assert_eq!(
            watcher.state.borrow().watched,
            BTreeSet::from([folder.clone(), folder.join("essays")])
        );
        std::fs::write(outside.path().join("d3/x.md"), "x").unwrap();
        std::fs::write(folder.join("drafts/x.md"), "x").unwrap();
        std::fs::write(folder.join("essays/img/x.png"), "x").unwrap();
        assert!(!sees_a_change(&watcher, Duration::from_millis(600)));
        std::fs::write(folder.join("essays/a.md"), "b").unwrap();
        assert!(sees_a_change(&watcher, Duration::from_secs(10)));

        // A failed build: every folder again, and a new one as it comes.
        watcher.follow(None, SystemTime::now());
        assert_eq!(watcher.watched(), all.len());
        std::fs::create_dir_all(folder.join("drafts/new/deeper")).unwrap();
        assert!(sees_a_change(&watcher, Duration::from_secs(10)));
        assert!(
            watcher
                .state
                .borrow()
                .watched
                .contains(&folder.join("drafts/new/deeper")),
            "{:?}",
            watcher.state.borrow().watched
        );
        std::fs::write(folder.join("drafts/new/deeper/b.md"), "b").unwrap();
        assert!(sees_a_change(&watcher, Duration::from_secs(10)));
    }

    #[test]
    fn a_change_while_a_folder_was_not_yet_watched_is_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(folder.join("more")).unwrap();
        let watcher = Watcher::new(&folder, &[]).unwrap();
        watcher.follow(Some(&["anthology.yaml".to_string()]), SystemTime::now());
        assert_eq!(watcher.watched(), 1);
        // The build that begins reads `more/b.md`, which is saved again while it runs, before
        // its folder is watched.
        let began = SystemTime::now() - Duration::from_secs(1);
        std::fs::write(folder.join("more/b.md"), "b").unwrap();
        let reads = ["anthology.yaml".to_string(), "more/b.md".to_string()];
        watcher.follow(Some(&reads), began);
        assert_eq!(watcher.watched(), 2);
        assert!(sees_a_change(&watcher, Duration::from_secs(10)));
        // Once only.
        assert!(!sees_a_change(&watcher, Duration::from_millis(300)));
    }

    #[test]
    fn absolute_paths_of_files_yet_to_be() {
        let dir = tempfile::tempdir().unwrap();
        let abs = dir.path().canonicalize().unwrap();
        assert_eq!(
            absolute(&dir.path().join("build/x.epub")),
            abs.join("build/x.epub")
        );
    }
}
