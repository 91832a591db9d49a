//! Safe paths and the one confined reader: every file the tool reads from a collection (or
//! from a source being imported) is named relative to its folder, must stay inside it, and is
//! read by [`Root::read`]. Absolute paths, `..` escapes (also written `..\`), symbolic links
//! that lead outside, and anything that is not a regular file (a FIFO, a device, `/proc`'s
//! endless files) are refused before a byte is read. `clippy.toml` forbids `std::fs::read` and
//! its kin everywhere else, so that no new read can go around this module.

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The largest file the tool reads from a collection: far above any essay, image or font a
/// book carries, and a budget that keeps a hostile input from filling memory.
pub const MAX_FILE: u64 = 256 * 1024 * 1024;

/// A file inside the collection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[allow(clippy::manual_non_exhaustive)] // `_checked` keeps other modules from making one.
pub struct InnerPath {
    /// Canonical absolute path (symlinks resolved), for reading.
    pub abs: PathBuf,
    /// Normalised path relative to the collection, with `/` separators: the file's identity.
    /// It is shown to the user as [`Root::shown`] makes it.
    pub rel: String,
    /// Only this module makes an `InnerPath`: holding one means the path was checked.
    _checked: (),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathProblem {
    Empty,
    Absolute,
    Escapes,
    /// Exists, but (through a symbolic link) outside the collection.
    LinksOutside(PathBuf),
    NotFound,
    IsDirectory,
    Unreadable(String),
}

impl fmt::Display for PathProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathProblem::Empty => write!(f, "the path is empty"),
            PathProblem::Absolute => write!(f, "absolute paths are not allowed"),
            PathProblem::Escapes => write!(f, "the path leads outside the collection folder"),
            PathProblem::LinksOutside(target) => write!(
                f,
                "the path is a symbolic link to {}, outside the collection folder",
                target.display()
            ),
            PathProblem::NotFound => write!(f, "no such file"),
            PathProblem::IsDirectory => write!(f, "this is a folder, not a file"),
            PathProblem::Unreadable(e) => write!(f, "cannot be read: {e}"),
        }
    }
}

impl PathProblem {
    pub fn help(&self) -> Option<&'static str> {
        match self {
            PathProblem::Absolute | PathProblem::Escapes | PathProblem::LinksOutside(_) => Some(
                "paths are relative to the manifest, and every file of a book must be inside its folder",
            ),
            PathProblem::IsDirectory => Some("name a Markdown file inside the folder"),
            _ => None,
        }
    }
}

/// The collection folder: the root every path is checked against.
#[derive(Debug, Clone)]
pub struct Root {
    /// Canonical absolute path.
    pub abs: PathBuf,
    /// As the user gave it (for messages).
    pub display: PathBuf,
    /// Every file read through this root (and its clones), by path relative to it: what a
    /// build depended on (`publish` hashes exactly these; `-o` may not name one of them).
    read: Arc<Mutex<std::collections::BTreeSet<String>>>,
    /// The files of a collection made in memory ([`Root::in_memory`]), by path relative to the
    /// root; `None` for a folder on disk.
    memory: Option<Arc<Memory>>,
}

/// The files of a collection held in memory, by normalised path relative to its root.
pub type Memory = std::collections::BTreeMap<String, Vec<u8>>;

/// Where a collection held in memory says its files are: a path no system call accepts (it
/// holds a NUL), so that nothing can read or write there by mistake.
const IN_MEMORY: &str = "/\0anthology-in-memory";

impl Root {
    pub fn new(display: &Path) -> std::io::Result<Root> {
        Ok(Root {
            abs: display.canonicalize()?,
            display: display.to_path_buf(),
            read: Arc::default(),
            memory: None,
        })
    }

    /// A root whose files are `files`, held in memory: nothing is read from disk. Paths are
    /// shown as they are named (relative, with no folder before them).
    pub fn in_memory(files: Memory) -> Root {
        Root {
            abs: PathBuf::from(IN_MEMORY),
            display: PathBuf::from("."),
            read: Arc::default(),
            memory: Some(Arc::new(files)),
        }
    }

    /// True for a root made by [`Root::in_memory`].
    pub fn is_in_memory(&self) -> bool {
        self.memory.is_some()
    }

    /// Reads a file found by [`Root::file`]: opened without following a symbolic link that
    /// may have replaced it since, checked again to be a regular file (never a FIFO, a device or
    /// a folder, which could block or never end), and read up to [`MAX_FILE`] bytes.
    pub fn read(&self, file: &InnerPath) -> std::io::Result<Vec<u8>> {
        let data = match &self.memory {
            Some(files) => files
                .get(&file.rel)
                .cloned()
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))?,
            None => read_regular(&file.abs)?,
        };
        self.read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(file.rel.clone());
        Ok(data)
    }

    /// [`Root::file`] then [`Root::read`]: a path problem, or the file and its bytes.
    pub fn read_file(&self, base: &str, raw: &str) -> Result<(InnerPath, Vec<u8>), PathProblem> {
        let file = self.file(base, raw)?;
        match self.read(&file) {
            Ok(data) => Ok((file, data)),
            Err(e) => Err(PathProblem::Unreadable(e.to_string())),
        }
    }

    /// The files read through this root so far, relative to it, in order of their paths.
    pub fn files_read(&self) -> Vec<String> {
        self.read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// [`Root::file`] for a path found by walking the folder (absolute, or relative to the
    /// current folder, under [`Root::display`] or [`Root::abs`]).
    pub fn file_at(&self, path: &Path) -> Result<InnerPath, PathProblem> {
        let rel = path
            .strip_prefix(&self.display)
            .or_else(|_| path.strip_prefix(&self.abs))
            .map_err(|_| PathProblem::Escapes)?;
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        self.file("", &rel.join("/"))
    }

    /// How a path inside the collection is shown: `essays/a.md`, not `./essays/a.md`.
    pub fn shown(&self, rel: &str) -> PathBuf {
        if self.display == Path::new(".") {
            PathBuf::from(rel)
        } else {
            self.display.join(rel)
        }
    }

    /// Normalises `raw` (relative to the folder `base`, itself relative to the root) without
    /// touching the file system. `\` counts as a separator so that `..\x` cannot slip through.
    pub fn normalise(base: &str, raw: &str) -> Result<String, PathProblem> {
        if raw.trim().is_empty() {
            return Err(PathProblem::Empty);
        }
        let bytes = raw.as_bytes();
        let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
        if raw.starts_with('/') || raw.starts_with('\\') || drive || raw.starts_with('~') {
            return Err(PathProblem::Absolute);
        }
        let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
        for part in raw.split(['/', '\\']) {
            match part {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        return Err(PathProblem::Escapes);
                    }
                }
                p => parts.push(p),
            }
        }
        if parts.is_empty() {
            return Err(PathProblem::Empty);
        }
        Ok(parts.join("/"))
    }

    /// Resolves `raw` (relative to `base` inside the root) to a regular file inside the root.
    pub fn file(&self, base: &str, raw: &str) -> Result<InnerPath, PathProblem> {
        self.resolve(Self::normalise(base, raw)?)
    }

    /// [`Root::file`] for a path already normalised.
    fn resolve(&self, rel: String) -> Result<InnerPath, PathProblem> {
        if let Some(files) = &self.memory {
            return Self::resolve_in_memory(files, &self.abs, rel);
        }
        let joined = self.abs.join(&rel);
        let abs = match joined.canonicalize() {
            Ok(abs) => abs,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // A dangling symbolic link is "not found" too, but say where it points.
                return Err(match std::fs::read_link(&joined) {
                    Ok(target) if !target.starts_with(&self.abs) && target.is_absolute() => {
                        PathProblem::LinksOutside(target)
                    }
                    _ => PathProblem::NotFound,
                });
            }
            Err(e) => return Err(PathProblem::Unreadable(e.to_string())),
        };
        if !abs.starts_with(&self.abs) {
            return Err(PathProblem::LinksOutside(abs));
        }
        match std::fs::metadata(&abs) {
            Ok(m) if m.is_dir() => Err(PathProblem::IsDirectory),
            Ok(m) if m.is_file() => Ok(InnerPath {
                abs,
                rel,
                _checked: (),
            }),
            Ok(_) => Err(PathProblem::Unreadable("not a regular file".into())),
            Err(e) => Err(PathProblem::Unreadable(e.to_string())),
        }
    }
}

impl Root {
    /// [`Root::resolve`] among files held in memory: a file named exactly, a folder when some
    /// file is under the name.
    fn resolve_in_memory(
        files: &Memory,
        abs: &Path,
        rel: String,
    ) -> Result<InnerPath, PathProblem> {
        if files.contains_key(&rel) {
            return Ok(InnerPath {
                abs: abs.join(&rel),
                rel,
                _checked: (),
            });
        }
        let folder = format!("{rel}/");
        match files.range(folder.clone()..).next() {
            Some((name, _)) if name.starts_with(&folder) => Err(PathProblem::IsDirectory),
            _ => Err(PathProblem::NotFound),
        }
    }
}

/// [`Root::file`] for many files: each folder's canonical path is found once (a manifest may
/// list thousands of essays in one folder), and a file that is a regular file in it, not a
/// symbolic link, then costs one `stat`. Anything else goes through [`Root::file`], with the
/// same result.
pub struct Files<'r> {
    root: &'r Root,
    /// Folders relative to the root → their canonical paths, `None` when there is none inside
    /// the root.
    folders: std::collections::HashMap<String, Option<PathBuf>>,
}

impl<'r> Files<'r> {
    pub fn new(root: &'r Root) -> Files<'r> {
        Files {
            root,
            folders: Default::default(),
        }
    }

    pub fn file(&mut self, base: &str, raw: &str) -> Result<InnerPath, PathProblem> {
        let rel = Root::normalise(base, raw)?;
        if self.root.is_in_memory() {
            return self.root.resolve(rel);
        }
        let (folder, name) = rel.rsplit_once('/').unwrap_or(("", &rel));
        if !self.folders.contains_key(folder) {
            let dir = self.root.abs.join(folder).canonicalize().ok();
            let inside = dir.filter(|d| d.starts_with(&self.root.abs));
            self.folders.insert(folder.to_string(), inside);
        }
        if let Some(Some(dir)) = self.folders.get(folder) {
            let abs = dir.join(name);
            if std::fs::symlink_metadata(&abs).is_ok_and(|m| m.is_file()) {
                return Ok(InnerPath {
                    abs,
                    rel,
                    _checked: (),
                });
            }
        }
        self.root.resolve(rel)
    }
}

impl Files<'_> {
    /// The root the files are found in (and read through).
    pub fn root(&self) -> &Root {
        self.root
    }
}

/// Opens `path` as [`Root::read`] does and reads it whole. Also for files the tool wrote itself
/// (a shelf's cache, a book it is converting), which are no safer than their folder.
#[allow(clippy::disallowed_methods)]
pub fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = std::fs::OpenOptions::new()
        .read(true)
        // Not a link put in the file's place since it was checked; and a FIFO opened without
        // blocking, to be refused below.
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() > MAX_FILE {
        return Err(std::io::Error::other(format!(
            "it is larger than {} MiB",
            MAX_FILE >> 20
        )));
    }
    let mut data = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // A file that grows (or a kernel file that says it is empty) is read to the budget only.
    file.take(MAX_FILE + 1).read_to_end(&mut data)?;
    if data.len() as u64 > MAX_FILE {
        return Err(std::io::Error::other(format!(
            "it is larger than {} MiB",
            MAX_FILE >> 20
        )));
    }
    Ok(data)
}

/// Walks the folder tree under `top`, nearest folders first, never through a symbolic link
/// (a link is an entry like a file: it could loop or lead outside). `visit` sees each entry
/// with whether it is a folder, and says whether to go into it; no more than `max_folders`
/// folders are read, `top` included.
pub fn walk_tree(top: &Path, max_folders: usize, mut visit: impl FnMut(&Path, bool) -> bool) {
    let mut folders = std::collections::VecDeque::from([top.to_path_buf()]);
    let mut read = 0;
    while let Some(dir) = folders.pop_front() {
        if read >= max_folders {
            break;
        }
        read += 1;
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            // The entry itself, not what a link points to.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if visit(&path, kind.is_dir()) && kind.is_dir() {
                folders.push_back(path);
            }
        }
    }
}

/// The folder part of a root-relative path (`essays/a.md` → `essays`).
pub fn parent_of(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `essays/Fig 1.PNG` → `images/essays/fig-1-3f2a1b.png`: safe names for every reader, the
/// folder structure kept so that names do not collide, a short hash where a name was changed.
pub fn package_path(rel: &str, ext: &str) -> String {
    let stem = rel.rsplit_once('.').map_or(rel, |(s, _)| s);
    let parts: Vec<String> = stem
        .split('/')
        .map(|part| {
            let clean = part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !part.is_empty();
            if clean {
                part.to_string()
            } else {
                format!(
                    "{}-{:06x}",
                    crate::text::slug(part),
                    crate::text::fnv(part.as_bytes()) & 0xFF_FFFF
                )
            }
        })
        .collect();
    format!("images/{}.{ext}", parts.join("/").trim_start_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_walk_never_goes_through_a_link_and_stops_at_its_budget() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        std::fs::create_dir_all(top.join("a/b/c")).unwrap();
        std::fs::write(top.join("a/b/c/deep.md"), "x").unwrap();
        std::os::unix::fs::symlink(top, top.join("a/loop")).unwrap();
        let mut seen = Vec::new();
        walk_tree(top, usize::MAX, |path, is_dir| {
            let rel = path
                .strip_prefix(top)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            seen.push((rel, is_dir));
            true
        });
        seen.sort();
        let want = [
            ("a", true),
            ("a/b", true),
            ("a/b/c", true),
            ("a/b/c/deep.md", false),
            ("a/loop", false),
        ];
        assert_eq!(seen, want.map(|(p, d)| (p.to_string(), d)));
        // Two folders read: `top` and `a`; what is in `a/b` is never seen.
        let mut count = 0;
        walk_tree(top, 2, |_, _| {
            count += 1;
            true
        });
        assert_eq!(count, 3);
    }

    #[test]
    fn normalises_inside() {
        assert_eq!(Root::normalise("", "essays/a.md").unwrap(), "essays/a.md");
        assert_eq!(Root::normalise("essays", "../b.md").unwrap(), "b.md");
        assert_eq!(
            Root::normalise("essays", "./x/./y.png").unwrap(),
            "essays/x/y.png"
        );
    }

    #[test]
    fn refuses_escapes() {
        assert_eq!(Root::normalise("", "../x.md"), Err(PathProblem::Escapes));
        assert_eq!(
            Root::normalise("essays", "..\\..\\x.md"),
            Err(PathProblem::Escapes)
        );
        assert_eq!(
            Root::normalise("", "/etc/passwd"),
            Err(PathProblem::Absolute)
        );
        assert_eq!(Root::normalise("", "C:\\x.md"), Err(PathProblem::Absolute));
        assert_eq!(
            Root::normalise("", "\\\\server\\x"),
            Err(PathProblem::Absolute)
        );
        assert_eq!(Root::normalise("", ""), Err(PathProblem::Empty));
    }

    #[test]
    fn package_paths() {
        assert_eq!(package_path("img/fig-1.png", "png"), "images/img/fig-1.png");
        let odd = package_path("essays/Fig 1.PNG", "png");
        assert!(
            odd.starts_with("images/essays/fig-1-") && odd.ends_with(".png"),
            "{odd}"
        );
        assert_ne!(
            package_path("a/Fig 1.png", "png"),
            package_path("a/fig-1.png", "png")
        );
    }

    #[test]
    fn refuses_symlink_outside() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.md"), "x").unwrap();
        let root_dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.md"),
            root_dir.path().join("a.md"),
        )
        .unwrap();
        std::fs::create_dir(root_dir.path().join("dir")).unwrap();
        let root = Root::new(root_dir.path()).unwrap();
        assert!(matches!(
            root.file("", "a.md"),
            Err(PathProblem::LinksOutside(_))
        ));
        assert_eq!(root.file("", "dir"), Err(PathProblem::IsDirectory));
        assert_eq!(root.file("", "nope.md"), Err(PathProblem::NotFound));
    }

    #[test]
    fn files_resolve_as_root_does() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.md"), "x").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let at = |p: &str| dir.path().join(p);
        std::fs::create_dir_all(at("essays/deeper")).unwrap();
        for f in ["a.md", "essays/b.md", "essays/deeper/c.md"] {
            std::fs::write(at(f), "x").unwrap();
        }
        symlink(at("essays/b.md"), at("essays/link.md")).unwrap();
        symlink(outside.path().join("secret.md"), at("essays/out.md")).unwrap();
        symlink(outside.path(), at("away")).unwrap();
        symlink(at("essays"), at("alias")).unwrap();
        let root = Root::new(dir.path()).unwrap();
        let mut files = Files::new(&root);
        let cases = [
            "a.md",
            "essays/b.md",
            "essays/b.md",
            "./essays/deeper/c.md",
            "essays/link.md",
            "essays/out.md",
            "away/secret.md",
            "alias/b.md",
            "essays/deeper",
            "essays/nope.md",
            "nowhere/x.md",
            "../x.md",
        ];
        for raw in cases {
            assert_eq!(files.file("", raw), root.file("", raw), "{raw}");
        }
        // Through a symbolic link inside, the file is read where it is.
        assert_eq!(
            files.file("", "alias/b.md").unwrap().abs,
            root.abs.join("essays/b.md")
        );
    }
}
