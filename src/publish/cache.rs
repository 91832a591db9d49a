//! The shelf's memory between runs, kept in DIST: for each book, the content hash of the
//! collection it was built from and what was written for it. A collection whose hash has not
//! changed, and whose files are still in DIST as they were written, is not rebuilt — so its
//! entry in the page and the catalogs, and therefore their bytes, stay the same.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Format;
use super::record::{FileRecord, Record};

/// The cache file, beside the shelf (hidden: it is no part of what readers download).
pub const FILE: &str = ".anthology-publish.json";

/// Bumped when the meaning of a record changes: an older cache is then ignored, not misread.
const SCHEMA: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Cache {
    schema: u32,
    pub books: Vec<Record>,
    /// Files of the shelf itself (page, catalogs, style sheet), relative to DIST.
    pub shelf_files: Vec<String>,
}

impl Cache {
    /// The cache in `dist`; an empty one when there is none, or one this version cannot read
    /// (everything is then rebuilt, which is always correct).
    pub fn load(dist: &Path) -> Cache {
        std::fs::read(dist.join(FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Cache>(&bytes).ok())
            .filter(|c| c.schema == SCHEMA)
            .unwrap_or_default()
    }

    pub fn new(books: Vec<Record>, shelf_files: Vec<String>) -> Cache {
        Cache {
            schema: SCHEMA,
            books,
            shelf_files,
        }
    }

    /// The record of the collection in `folder` if it was built from inputs with this `key`
    /// and every file written for it is still in `dist`, unchanged.
    pub fn reusable(&self, folder: &str, key: &str, dist: &Path) -> Option<Record> {
        let record = self
            .books
            .iter()
            .find(|r| r.folder == folder && r.key == key)?;
        record
            .files()
            .all(|f| intact(&dist.join(&f.file), f))
            .then(|| record.clone())
    }

    /// Every file this cache says the tool wrote, relative to DIST.
    pub fn files(&self) -> BTreeSet<String> {
        self.books
            .iter()
            .flat_map(|r| r.files().map(|f| f.file.clone()).chain(r.pages()))
            .chain(self.shelf_files.iter().cloned())
            .collect()
    }

    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }
}

/// Whether `path` is still the file that was recorded (same size, same hash).
fn intact(path: &Path, recorded: &FileRecord) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == recorded.bytes)
        && sha256_file(path).is_ok_and(|h| h == recorded.sha256)
}

/// What else than the collection's files changes the bytes of a book: the tool (its version,
/// and the binary itself, so that a rebuilt tool rebuilds the books), `SOURCE_DATE_EPOCH`
/// (the book's `dcterms:modified`) and the formats asked for.
pub fn fingerprint(formats: &[Format]) -> String {
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{modified}", m.len())
        })
        .unwrap_or_default();
    let epoch = std::env::var("SOURCE_DATE_EPOCH").unwrap_or_default();
    let formats: Vec<&str> = formats.iter().map(|f| f.name()).collect();
    format!(
        "anthology {}\nexe {exe}\nSOURCE_DATE_EPOCH {epoch}\nformats {}\n",
        env!("CARGO_PKG_VERSION"),
        formats.join(",")
    )
}

/// The SHA-256 of every file under the collection folder `root` (paths and contents, in a
/// fixed order) and of `fingerprint`. Every input of a book — manifest, essays, images,
/// cover, style sheet — must be inside the collection folder, so hashing the folder covers
/// them all without asking the build which files it read. Left out: hidden files and
/// folders (`.git`, editors' droppings), EPUBs (the tool's own output, in `build/`), the
/// folder `skip` (DIST, when it is inside the collection) and links to folders (they could
/// loop; a link to a file is followed). `root` and `skip` are canonical paths.
pub fn inputs_key(root: &Path, skip: &Path, fingerprint: &str) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(fingerprint.as_bytes());
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        // Folders are visited after the files of this folder, in name order.
        let mut folders = Vec::new();
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let rel_path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if path != skip {
                    folders.push((path, rel_path));
                }
            } else if std::fs::metadata(&path).is_ok_and(|m| m.is_file())
                && !name.ends_with(".epub")
            {
                hasher.update(rel_path.as_bytes());
                hasher.update([0]);
                let digest = sha256_file(&path)?;
                hasher.update(digest.as_bytes());
                hasher.update([b'\n']);
            }
        }
        stack.extend(folders.into_iter().rev());
    }
    Ok(hex(&hasher.finalize()))
}

pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

pub fn sha256(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(dir: &Path) -> String {
        inputs_key(dir, Path::new("/nonexistent"), "f").unwrap()
    }

    #[test]
    fn key_follows_contents_not_clutter() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("anthology.yaml"), "title: A\n").unwrap();
        std::fs::create_dir_all(d.join("essays")).unwrap();
        std::fs::write(d.join("essays/a.md"), "one").unwrap();
        let first = key(d);
        assert_eq!(first, key(d), "the same files give the same key");

        // The tool's own output and hidden files do not count.
        std::fs::create_dir_all(d.join("build")).unwrap();
        std::fs::write(d.join("build/a.epub"), "zip").unwrap();
        std::fs::create_dir_all(d.join(".git")).unwrap();
        std::fs::write(d.join(".git/HEAD"), "ref").unwrap();
        assert_eq!(first, key(d));

        // A changed essay, a new image, a renamed file: a new key.
        std::fs::write(d.join("essays/a.md"), "two").unwrap();
        let second = key(d);
        assert_ne!(first, second);
        std::fs::write(d.join("essays/fig.png"), "png").unwrap();
        let third = key(d);
        assert_ne!(second, third);
        std::fs::rename(d.join("essays/fig.png"), d.join("essays/fig2.png")).unwrap();
        assert_ne!(third, key(d));
        assert_ne!(
            key(d),
            inputs_key(d, Path::new("/nonexistent"), "other tool").unwrap()
        );
    }

    #[test]
    fn sha256_is_standard() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
