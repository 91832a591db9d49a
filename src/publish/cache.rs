//! The shelf's memory between runs, kept in DIST: for each book, what it was built from (the
//! tool and its options, and every file the build read, with their hashes) and what was
//! written for it; and the shelf's own files as they were written. A collection whose inputs
//! hash as they did, and whose files are still in DIST as they were written, is not rebuilt —
//! so its entry in the page and the catalogs, and therefore their bytes, stay the same.
//!
//! The cache is untrusted input: whoever can write DIST can edit it. Every name in it is
//! checked when it is loaded to be the name the shelf would give that file; a cache that fails
//! is ignored, with a warning, and the shelf rebuilt. Its hashes are what lets
//! [`Dist::remove`](super::dist::Dist::remove) prove a file is one the tool wrote.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::dist::{self, Dist, Written};
use super::record::{Input, Record, cover_file, download_file};
use super::{Format, RESERVED, SHELF_FILES};
use crate::diag::Diagnostic;
use crate::manifest::MANIFEST_FILE;
use crate::paths::Root;

/// The cache file, beside the shelf (hidden: it is no part of what readers download).
pub const FILE: &str = ".anthology-publish.json";

/// Bumped when the meaning of a record changes: an older cache is then ignored, not misread.
const SCHEMA: u32 = 2;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cache {
    schema: u32,
    pub books: Vec<Record>,
    /// The shelf's own files (page, catalogs, style sheet) and the books' pages, as written.
    pub pages: Vec<Written>,
}

impl Cache {
    /// The cache in `dist`; an empty one when there is none, or one that cannot be trusted or
    /// read by this version (everything is then rebuilt, which is always correct, and nothing
    /// it names is removed), with a warning saying why.
    pub fn load(dist: &Dist, diags: &mut Vec<Diagnostic>) -> Cache {
        let bytes = match dist.read(FILE) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Cache::default(),
            Err(e) => return ignored(dist, &format!("it cannot be read ({e})"), diags),
        };
        let schema = serde_json::from_slice::<Schema>(&bytes).map(|s| s.schema);
        if schema.as_ref().is_ok_and(|&s| s != SCHEMA) {
            return ignored(
                dist,
                "it was written by another version of anthology",
                diags,
            );
        }
        let cache = match serde_json::from_slice::<Cache>(&bytes) {
            Ok(c) => c,
            Err(e) => {
                return ignored(
                    dist,
                    &format!("it is not a cache this tool wrote ({e})"),
                    diags,
                );
            }
        };
        match cache.check() {
            Ok(()) => cache,
            Err(why) => ignored(dist, &why, diags),
        }
    }

    pub fn new(books: Vec<Record>, pages: Vec<Written>) -> Cache {
        Cache {
            schema: SCHEMA,
            books,
            pages,
        }
    }

    /// Whether every name in the cache is the one the shelf gives that file: a book's files
    /// and pages follow from its slug, the shelf's files are the fixed few, inputs are paths
    /// inside the collection, hashes are hashes; and no file is claimed twice.
    fn check(&self) -> Result<(), String> {
        /// `file` is the name expected, a name the shelf gives, with a hash, named once.
        fn claim<'a>(
            claimed: &mut HashSet<&'a str>,
            file: &'a str,
            expected: bool,
            sha256: &str,
        ) -> Result<(), String> {
            if !(expected && dist::valid_name(file)) {
                return Err(format!("it names {file:?}, not a file the shelf writes"));
            }
            if !is_sha256(sha256) {
                return Err(format!("the hash of {file:?} is not a SHA-256"));
            }
            if !claimed.insert(file) {
                return Err(format!("it names {file:?} twice"));
            }
            Ok(())
        }
        let mut claimed: HashSet<&str> = HashSet::new();
        let inside = |path: &str| {
            Root::normalise("", path).is_ok_and(|p| p == path) && !path.contains(['\\', '\0'])
        };
        let mut pages: HashSet<String> = SHELF_FILES.iter().map(|s| (*s).to_string()).collect();
        for r in &self.books {
            if !slug(&r.slug) {
                return Err(format!(
                    "it names a book {:?}, not a name the shelf gives",
                    r.slug
                ));
            }
            if !(r.folder.is_empty() || inside(&r.folder)) {
                return Err(format!(
                    "it names a collection {:?} outside the published folder",
                    r.folder
                ));
            }
            for input in &r.inputs {
                if !inside(&input.file) || !is_sha256(&input.sha256) {
                    return Err(format!(
                        "it names an input {:?} outside the collection",
                        input.file
                    ));
                }
            }
            for d in &r.downloads {
                let file = &d.file.file;
                claim(
                    &mut claimed,
                    file,
                    *file == download_file(&r.slug, d.format),
                    &d.file.sha256,
                )?;
            }
            if let Some(c) = &r.cover {
                for (f, thumbnail) in [(Some(&c.full), false), (c.thumbnail.as_ref(), true)] {
                    let Some(f) = f else { continue };
                    let ext = f.file.rsplit('.').next().unwrap_or("");
                    let plain = (1..=5).contains(&ext.len())
                        && ext
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
                    claim(
                        &mut claimed,
                        &f.file,
                        plain && f.file == cover_file(&r.slug, ext, thumbnail),
                        &f.sha256,
                    )?;
                }
            }
            pages.extend(r.pages());
        }
        for p in &self.pages {
            claim(&mut claimed, &p.file, pages.contains(&p.file), &p.sha256)?;
        }
        Ok(())
    }

    /// The record of the collection in `folder` if it was built by this tool with these
    /// options (`tool`), from files that hash as they did (read again through `root`, the
    /// collection's confined reader: only the files the build read, never the rest of the
    /// folder), and every file written for it is still in `dist`, unchanged.
    pub fn reusable(&self, folder: &str, tool: &str, root: &Root, dist: &Dist) -> Option<Record> {
        let record = self.books.iter().find(|r| r.folder == folder)?;
        let unchanged = record.tool == tool
            && record.inputs.iter().any(|i| i.file == MANIFEST_FILE)
            && record
                .inputs
                .iter()
                .all(|i| hash_input(root, &i.file).is_some_and(|h| h == i.sha256))
            && record
                .files()
                .all(|f| dist.intact(&f.file, f.bytes, &f.sha256));
        unchanged.then(|| record.clone())
    }

    /// Every file this cache says the tool wrote, relative to DIST, with the proof of it.
    pub fn written(&self) -> BTreeMap<String, Written> {
        let books = self.books.iter().flat_map(Record::files).map(|f| Written {
            file: f.file.clone(),
            bytes: f.bytes,
            sha256: f.sha256.clone(),
        });
        books
            .chain(self.pages.iter().cloned())
            .map(|w| (w.file.clone(), w))
            .collect()
    }

    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }
}

/// Only the version, read first: another version's cache is ignored, not misread.
#[derive(Deserialize)]
struct Schema {
    schema: u32,
}

/// An empty cache, for one that is ignored, and the warning that says so.
fn ignored(dist: &Dist, why: &str, diags: &mut Vec<Diagnostic>) -> Cache {
    diags.push(
        Diagnostic::warning(
            "publish-cache",
            format!(
                "the shelf's cache {} is ignored: {why}; every book is built again",
                dist.shown(FILE).display()
            ),
        )
        .help(
            "nothing it names is removed from the shelf; delete files you no longer want yourself",
        ),
    );
    Cache::default()
}

/// The SHA-256 of the file `file` of the collection, read through its confined reader; `None`
/// when it cannot be (the book is then built again, which says why).
fn hash_input(root: &Root, file: &str) -> Option<String> {
    root.read_file("", file).ok().map(|(_, data)| sha256(&data))
}

/// The inputs of a book just built — the files its build read, relative to `root` — with
/// their hashes. `None` if one cannot be read any more: such a book is not reused.
pub fn inputs(root: &Root, files: &[String]) -> Option<Vec<Input>> {
    files
        .iter()
        .map(|file| {
            Some(Input {
                file: file.clone(),
                sha256: hash_input(root, file)?,
            })
        })
        .collect()
}

/// What else than the collection's files changes the bytes of a book, hashed: the tool (its
/// version, and the binary itself, so that a rebuilt tool rebuilds the books),
/// `SOURCE_DATE_EPOCH` (the book's `dcterms:modified`) and the formats asked for.
pub fn tool(formats: &[Format]) -> String {
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
    sha256(
        format!(
            "anthology {}\nexe {exe}\nSOURCE_DATE_EPOCH {epoch}\nformats {}\n",
            env!("CARGO_PKG_VERSION"),
            formats.join(",")
        )
        .as_bytes(),
    )
}

/// A slug the shelf gives a book: what `text::slug` makes, never one of the shelf's own names.
fn slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !RESERVED.contains(&s)
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
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

    /// A cache of one book, `essays`, as a run writes it.
    fn valid() -> serde_json::Value {
        let h = sha256(b"x");
        let file = |name: &str| serde_json::json!({"file": name, "media_type": "x", "bytes": 1, "sha256": h});
        serde_json::json!({
            "schema": SCHEMA,
            "books": [{
                "folder": "group/essays", "tool": h,
                "inputs": [{"file": "anthology.yaml", "sha256": h}, {"file": "essays/a.md", "sha256": h}],
                "slug": "essays", "title": "Essays", "subtitle": null, "language": "en",
                "identifier": "urn:x", "creators": [], "essay_authors": [], "publisher": null,
                "date": null, "modified": "2000-01-01T00:00:00Z", "description": null,
                "rights": null, "subjects": [], "series": null, "essays": 1, "contents": [],
                "cover": {"full": file("covers/essays.png"), "thumbnail": file("covers/essays.thumb.jpg")},
                "downloads": [{"format": "epub", "file": "essays.epub", "media_type": "x", "bytes": 1, "sha256": h}],
            }],
            "pages": [
                {"file": "index.html", "bytes": 1, "sha256": h},
                {"file": "essays.html", "bytes": 1, "sha256": h},
            ],
        })
    }

    fn check(json: &serde_json::Value) -> Result<(), String> {
        serde_json::from_value::<Cache>(json.clone())
            .map_err(|e| e.to_string())?
            .check()
    }

    #[test]
    fn every_name_in_the_cache_is_checked() {
        check(&valid()).unwrap();
        fn victim(name: &str) -> serde_json::Value {
            serde_json::json!({"file": name, "bytes": 1, "sha256": sha256(b"x")})
        }
        let tampered: Vec<fn(&mut serde_json::Value)> = vec![
            |c| c["books"][0]["downloads"][0]["file"] = "../victims/x".into(),
            |c| c["books"][0]["downloads"][0]["file"] = "/home/me/x.epub".into(),
            |c| c["books"][0]["cover"]["full"]["file"] = "covers/../../x.png".into(),
            |c| c["books"][0]["cover"]["thumbnail"]["file"] = "covers\\..\\x.jpg".into(),
            |c| c["books"][0]["downloads"][0]["file"] = "essays\0.epub".into(),
            |c| c["books"][0]["downloads"][0]["sha256"] = "x".into(),
            |c| c["books"][0]["slug"] = "../x".into(),
            |c| c["books"][0]["slug"] = "index".into(),
            |c| c["books"][0]["folder"] = "../elsewhere".into(),
            |c| c["books"][0]["inputs"][1]["file"] = "../../etc/passwd".into(),
            |c| c["books"][0]["inputs"][1]["file"] = "/etc/passwd".into(),
            |c| c["pages"].as_array_mut().unwrap().push(victim("../victim")),
            |c| c["pages"].as_array_mut().unwrap().push(victim("notes.txt")),
            |c| {
                let pages = c["pages"].as_array_mut().unwrap();
                pages.push(victim("index.html"));
            },
            |c| c["extra"] = "field".into(),
        ];
        for (n, tamper) in tampered.iter().enumerate() {
            let mut json = valid();
            tamper(&mut json);
            assert!(check(&json).is_err(), "case {n} passes: {json}");
        }
    }

    #[test]
    fn a_book_is_reused_while_the_files_its_build_read_are_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("essays");
        std::fs::create_dir_all(d.join("essays")).unwrap();
        std::fs::write(d.join("anthology.yaml"), "title: A\n").unwrap();
        std::fs::write(d.join("essays/a.md"), "one").unwrap();
        std::fs::write(d.join("notes.txt"), "draft").unwrap();
        let root = Root::new(&d).unwrap();
        let dist = Dist::open(&dir.path().join("dist")).unwrap();
        let mut json = valid();
        json["books"][0]["folder"] = "".into();
        json["books"][0]["cover"] = serde_json::Value::Null;
        json["books"][0]["downloads"] = serde_json::json!([]);
        let mut cache: Cache = serde_json::from_value(json).unwrap();
        let read = vec!["anthology.yaml".to_string(), "essays/a.md".to_string()];
        cache.books[0].inputs = inputs(&root, &read).unwrap();
        let tool = cache.books[0].tool.clone();
        assert!(cache.reusable("", &tool, &root, &dist).is_some());
        assert!(cache.reusable("", "another tool", &root, &dist).is_none());

        // What no build read does not count.
        std::fs::write(d.join("notes.txt"), "another draft").unwrap();
        assert!(cache.reusable("", &tool, &root, &dist).is_some());
        std::fs::write(d.join("essays/a.md"), "two").unwrap();
        assert!(cache.reusable("", &tool, &root, &dist).is_none());

        // A list that leaves out the manifest is not trusted.
        cache.books[0].inputs = inputs(&root, &read[1..]).unwrap();
        assert!(cache.reusable("", &tool, &root, &dist).is_none());
    }

    #[test]
    fn sha256_is_standard() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
