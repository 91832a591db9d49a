//! Watching a collection's folder for saves (`serve`, `build --watch`): file events from the
//! system (`notify`), gathered until the writing settles, since an editor saves in several
//! steps (a temporary file, a rename, a change of permissions).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher as _};

use crate::diag::Diagnostic;

/// Quiet time after the last event before a change counts as done.
const SETTLE: Duration = Duration::from_millis(120);
/// However busy the folder, a change is acted on after this long.
const AT_MOST: Duration = Duration::from_secs(1);
/// How often a wait looks at its stop flag.
const POLL: Duration = Duration::from_millis(100);

pub struct Watcher {
    // Kept alive: dropping it stops the events.
    _watcher: notify::RecommendedWatcher,
    events: Receiver<notify::Result<notify::Event>>,
    folder: PathBuf,
    /// Files and folders whose changes are not the author's: the books being written.
    ignored: Vec<PathBuf>,
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
    /// Watches `folder` and everything in it, except `ignored` (absolute paths, or paths that
    /// may not exist yet, resolved against their existing parent).
    pub fn new(folder: &Path, ignored: &[PathBuf]) -> Result<Watcher, Diagnostic> {
        let (tx, events) = channel();
        let fail = |e: notify::Error| {
            Diagnostic::error(
                "watch",
                format!("cannot watch {} for changes: {e}", folder.display()),
            )
        };
        let mut watcher = notify::recommended_watcher(move |event| {
            let _ = tx.send(event);
        })
        .map_err(fail)?;
        watcher
            .watch(folder, RecursiveMode::Recursive)
            .map_err(fail)?;
        Ok(Watcher {
            _watcher: watcher,
            events,
            folder: absolute(folder),
            ignored: ignored.iter().map(|p| absolute(p)).collect(),
        })
    }

    /// Blocks until a file that matters has changed and the writing has settled. False when
    /// `stop` was raised, or the system stopped telling.
    pub fn wait(&self, stop: &AtomicBool) -> bool {
        loop {
            if stop.load(Ordering::Relaxed) {
                return false;
            }
            match self.events.recv_timeout(POLL) {
                Ok(Ok(event)) if self.matters(&event) => break,
                Ok(_) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return false,
            }
        }
        let started = Instant::now();
        while started.elapsed() < AT_MOST {
            match self.events.recv_timeout(SETTLE) {
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return false,
            }
        }
        !stop.load(Ordering::Relaxed)
    }

    fn matters(&self, event: &notify::Event) -> bool {
        let changes = matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
        );
        changes
            && event.paths.iter().any(|p| {
                // Only the part inside the collection: the collection itself may well be in a
                // hidden folder.
                let inside = p.strip_prefix(&self.folder).unwrap_or(p);
                !self.ignored.iter().any(|i| p.starts_with(i)) && !is_scratch(inside)
            })
    }
}

/// Hidden files and folders (`.git`, the build's own `.anthology-*.tmp`), editors' backups and
/// swap files (`x.md~`, `.x.md.swp`, vim's `4913`).
fn is_scratch(path: &Path) -> bool {
    let hidden = path.components().any(|c| {
        c.as_os_str()
            .to_str()
            .is_some_and(|s| s.starts_with('.') && s != "." && s != "..")
    });
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    hidden || name.ends_with('~') || name.ends_with(".swp") || name == "4913"
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
        for p in [".git/index", "essays/.a.md.swp", "a.md~", "4913"] {
            assert!(is_scratch(Path::new(p)), "{p}");
        }
        assert!(!is_scratch(Path::new("essays/a.md")));
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
