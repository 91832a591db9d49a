//! Test harness: collections in temporary folders, the real binary, an XML parser and the
//! readers' rules on every book a test builds, and EPUBCheck on each of them when the
//! conformance switch is on.
//!
//! The switch: `ANTHOLOGY_CONFORMANCE=DIR` (`.ci/run` sets it). Every book a test builds is
//! then also left in DIR, named after its test, for one EPUBCheck run over all of them
//! (`tests/conformance/EpubCheckAll.java`: one JVM, not one per book), and the tools of the
//! shelf's tests (Chromium, jing, Python's jsonschema) must be there. Without the switch,
//! `cargo test` needs nothing but the Rust toolchain; with `CI` set, the switch must be on:
//! a conformance check is never skipped in CI.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A collection in a temporary folder, built up file by file or copied from a fixture.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Self {
        Project {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A copy of `collections/NAME` or `tests/fixtures/NAME`.
    pub fn copy_of(relative: &str) -> Self {
        let p = Project::new();
        copy_dir(&repo().join(relative), p.path());
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(self, path: &str, content: impl AsRef<[u8]>) -> Self {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
        self
    }

    pub fn dir(self, path: &str) -> Self {
        std::fs::create_dir_all(self.path().join(path)).unwrap();
        self
    }

    /// Runs `anthology ARGS` in the project folder.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(self.path(), args, &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        run_in(self.path(), args, env)
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_name() == "build" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// What a run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "expected success.\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn failure(&self) -> &Self {
        assert_eq!(
            self.code, 1,
            "expected exit code 1.\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "panic:\n{}", self.stderr);
        self
    }
}

pub fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_anthology"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run anthology");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The files of an EPUB, by name, in archive order.
pub fn unzip(epub: &Path) -> Vec<(String, Vec<u8>)> {
    let file = std::fs::File::open(epub).unwrap_or_else(|e| panic!("open {}: {e}", epub.display()));
    let mut zip = zip::ZipArchive::new(file).expect("a zip file");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().expect("entry name").to_string(), data)
        })
        .collect()
}

pub fn unzip_text(epub: &Path) -> BTreeMap<String, String> {
    unzip(epub)
        .into_iter()
        .filter(|(name, _)| {
            [".xhtml", ".opf", ".ncx", ".xml", ".css"]
                .iter()
                .any(|e| name.ends_with(e))
        })
        .map(|(name, data)| (name, String::from_utf8(data).expect("UTF-8")))
        .collect()
}

/// Where the books of this run wait for EPUBCheck, when the conformance switch is on.
pub fn conformance() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| match std::env::var_os("ANTHOLOGY_CONFORMANCE") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir)
                .unwrap_or_else(|e| panic!("ANTHOLOGY_CONFORMANCE={}: {e}", dir.display()));
            Some(dir)
        }
        _ => {
            assert!(
                std::env::var_os("CI").is_none_or(|v| v.is_empty()),
                "CI is set but ANTHOLOGY_CONFORMANCE is not: CI runs every conformance check \
                 (EPUBCheck, jing, Chromium); run .ci/run"
            );
            None
        }
    })
    .as_deref()
}

/// Leaves `epub` for the conformance run's EPUBCheck, named after the test that built it.
fn submit_for_epubcheck(epub: &Path) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let Some(dir) = conformance() else { return };
    let binary = std::env::current_exe()
        .ok()
        .and_then(|e| e.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let binary = binary.split('-').next().unwrap_or("tests");
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("test").replace("::", ".");
    let name = format!(
        "{binary}--{test}--{}-{}.epub",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    std::fs::copy(epub, dir.join(name))
        .unwrap_or_else(|e| panic!("copy {} for EPUBCheck: {e}", epub.display()));
}

/// Every XML file of the book parses, and the readers' rules hold; EPUBCheck (0 errors,
/// 0 warnings) when the conformance switch is on.
#[track_caller]
pub fn assert_valid(epub: &Path) {
    submit_for_epubcheck(epub);
    for (name, text) in unzip_text(epub) {
        if !name.ends_with(".css")
            && let Err(e) = roxmltree::Document::parse_with_options(
                &text,
                roxmltree::ParsingOptions {
                    allow_dtd: true,
                    ..Default::default()
                },
            )
        {
            panic!("{name} in {} is not well-formed XML: {e}", epub.display());
        }
    }
    assert_for_readers(epub);
}

const EPUB_NS: &str = "http://www.idpf.org/2007/ops";

fn xml<'a>(name: &str, text: &'a str) -> roxmltree::Document<'a> {
    roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `dir/../x.xhtml#frag` from `base`'s folder → (`EPUB/x.xhtml`, `frag`).
fn resolve(base: &str, href: &str) -> (String, String) {
    let (path, frag) = href.split_once('#').unwrap_or((href, ""));
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    if path.is_empty() {
        return (base.to_string(), frag.to_string());
    }
    for seg in path.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." => {}
            s => parts.push(s),
        }
    }
    (parts.join("/"), frag.to_string())
}

/// The rules Kindle (Send to Kindle), Apple Books and Kobo enforce, on a built book: an XML
/// declaration with `encoding="utf-8"` on every file, a language, no link to a `<body>` id,
/// a `<guide>`, an NCX in spine order nested at most two levels, no `<img>` without `src`,
/// landmarks with one `epub:type` each, the cover in a page of its own, safe file names,
/// no archive comment, notes that start with their back link and stand in no list.
#[track_caller]
pub fn assert_for_readers(epub: &Path) {
    let book = epub.display();
    let bytes = std::fs::read(epub).unwrap();
    let eocd = bytes.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    assert_eq!(
        &bytes[eocd + 20..eocd + 22],
        &[0, 0],
        "{book}: the archive has a comment (Kobo)"
    );
    let files = unzip(epub);
    for (name, _) in &files {
        if let Some(inner) = name.strip_prefix("EPUB/") {
            assert!(
                inner
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-./".contains(&b)),
                "{book}: `{name}` is not a safe file name (Kobo)"
            );
        } else {
            assert!(
                name == "mimetype" || name.starts_with("META-INF/"),
                "{book}: `{name}` outside EPUB/"
            );
        }
    }
    let text = unzip_text(epub);
    for (name, t) in &text {
        if !name.ends_with(".css") {
            assert!(
                t.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
                "{book}: {name} does not declare UTF-8 (Kindle)"
            );
        }
    }

    // The package: language, guide, spine.
    let opf_text = &text["EPUB/content.opf"];
    let opf = xml("content.opf", opf_text);
    let language = opf
        .descendants()
        .find(|n| n.has_tag_name("language"))
        .and_then(|n| n.text())
        .unwrap_or("");
    assert!(!language.trim().is_empty(), "{book}: no dc:language");
    let references = opf
        .descendants()
        .filter(|n| n.has_tag_name("guide"))
        .flat_map(|g| g.children().filter(|n| n.has_tag_name("reference")))
        .count();
    assert!(references > 0, "{book}: no <guide> in the OPF (Kindle)");
    let href_of = |id: &str| {
        opf.descendants()
            .find(|n| n.has_tag_name("item") && n.attribute("id") == Some(id))
            .and_then(|n| n.attribute("href"))
            .map(|h| format!("EPUB/{h}"))
            .unwrap_or_else(|| panic!("{book}: no manifest item `{id}`"))
    };
    let spine: Vec<String> = opf
        .descendants()
        .filter(|n| n.has_tag_name("itemref"))
        .map(|n| href_of(n.attribute("idref").unwrap()))
        .collect();

    // The NCX: spine order, two levels.
    let ncx_text = &text["EPUB/toc.ncx"];
    let ncx = xml("toc.ncx", ncx_text);
    let mut last = 0;
    for point in ncx.descendants().filter(|n| n.has_tag_name("navPoint")) {
        let depth = point
            .ancestors()
            .filter(|a| a.has_tag_name("navPoint"))
            .count();
        assert!(
            depth <= 2,
            "{book}: the NCX nests deeper than two levels (Kindle)"
        );
        let src = point
            .children()
            .find(|n| n.has_tag_name("content"))
            .and_then(|n| n.attribute("src"))
            .unwrap();
        let (file, _) = resolve("EPUB/toc.ncx", src);
        let at = spine
            .iter()
            .position(|s| *s == file)
            .unwrap_or_else(|| panic!("{book}: the NCX points at {src}, not in the spine"));
        assert!(
            at >= last,
            "{book}: the NCX is not in spine order at {src} (Kindle)"
        );
        last = at;
    }

    // Pages: body ids, images, landmarks, notes, links.
    let mut body_ids = std::collections::HashSet::new();
    let mut links = Vec::new();
    for (name, t) in text.iter().filter(|(n, _)| n.ends_with(".xhtml")) {
        let doc = xml(name, t);
        for n in doc.descendants().filter(roxmltree::Node::is_element) {
            match n.tag_name().name() {
                "body" => {
                    if let Some(id) = n.attribute("id") {
                        body_ids.insert((name.clone(), id.to_string()));
                    }
                }
                "img" => assert!(
                    n.attribute("src").is_some_and(|s| !s.trim().is_empty()),
                    "{book}: {name} has an <img> without src (Kindle)"
                ),
                "a" => {
                    if let Some(href) = n.attribute("href")
                        && !href.contains(':')
                    {
                        links.push((name.clone(), href.to_string()));
                    }
                }
                "nav" if n.attribute((EPUB_NS, "type")) == Some("landmarks") => {
                    for a in n.descendants().filter(|a| a.has_tag_name("a")) {
                        let kinds = a.attribute((EPUB_NS, "type")).unwrap_or("");
                        assert_eq!(
                            kinds.split_whitespace().count(),
                            1,
                            "{book}: landmark `{kinds}` needs exactly one epub:type (Apple Books)"
                        );
                    }
                }
                _ => {}
            }
            let kinds = n.attribute((EPUB_NS, "type")).unwrap_or("");
            if kinds
                .split_whitespace()
                .any(|k| k == "footnote" || k == "endnote")
            {
                assert!(
                    !n.ancestors()
                        .any(|a| matches!(a.tag_name().name(), "ol" | "ul" | "li")),
                    "{book}: a note in {name} stands in a list (Kindle, Kobo pop-ups)"
                );
                let first = n
                    .descendants()
                    .find(|d| d.is_text() && !d.text().unwrap_or("").trim().is_empty())
                    .unwrap_or_else(|| panic!("{book}: an empty note in {name}"));
                assert!(
                    first.ancestors().any(|a| a.has_tag_name("a")
                        && a.attribute("role") == Some("doc-backlink")),
                    "{book}: a note in {name} does not start with its back link (Kindle, Kobo)"
                );
            }
        }
    }
    for (name, t) in [("EPUB/toc.ncx", ncx_text)] {
        for src in t.split("<content src=\"").skip(1) {
            links.push((name.to_string(), src.split('"').next().unwrap().to_string()));
        }
    }
    for (from, href) in &links {
        let target = resolve(from, href);
        assert!(
            !body_ids.contains(&target),
            "{book}: {from} links to `{href}`, the id of a <body> (Kindle)"
        );
    }

    // The cover image, if any, is on a page of its own.
    if let Some(cover) = opf.descendants().find(|n| {
        n.has_tag_name("item")
            && n.attribute("properties")
                .is_some_and(|p| p.split_whitespace().any(|p| p == "cover-image"))
    }) {
        let image = format!("EPUB/{}", cover.attribute("href").unwrap());
        let pages: Vec<&String> = spine
            .iter()
            .filter(|page| {
                let doc = xml(page, &text[*page]);
                doc.descendants().any(|n| {
                    n.has_tag_name("img")
                        && n.attribute("src").map(|s| resolve(page, s).0) == Some(image.clone())
                })
            })
            .collect();
        assert!(
            !pages.is_empty(),
            "{book}: the cover image is on no page (Kobo)"
        );
        let doc = xml(pages[0], &text[pages[0]]);
        let body = doc.descendants().find(|n| n.has_tag_name("body")).unwrap();
        // Kobo's own wrappers (`book-columns`, `book-inner`) and its text spans are not
        // content; anything else besides the body and the image is.
        let kobo = |n: &roxmltree::Node| {
            matches!(n.attribute("id"), Some("book-columns" | "book-inner"))
                || n.attribute("class") == Some("koboSpan")
        };
        assert_eq!(
            body.descendants()
                .filter(|n| n.is_element() && n.tag_name().name() != "section" && !kobo(n))
                .count(),
            2,
            "{book}: the cover page {} holds more than the cover (Kobo)",
            pages[0]
        );
    }
}

/// A small valid collection: a manifest and two essays.
pub fn minimal() -> Project {
    Project::new()
        .file(
            "anthology.yaml",
            "title: Minimal\nlanguage: en\ncreators:\n  - name: Ed Itor\n    role: editor\ncontents:\n  - essays/one.md\n  - essays/two.md\n",
        )
        .file("essays/one.md", "---\ntitle: One\nauthor: A. Writer\n---\n\nThe first essay.\n")
        .file("essays/two.md", "# Two\n\nThe second essay, [linking back](one.md).\n")
}

// ---- The system, without the shell: `cargo test` needs only the Rust toolchain --------------

/// Sends `signal` (`rustix::process::Signal::INT`, `TERM`…) to a child process.
pub fn signal(child: &std::process::Child, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).expect("a pid"))
        .expect("a child's pid is not 0");
    rustix::process::kill_process(pid, signal)
        .unwrap_or_else(|e| panic!("signal {signal:?} to {}: {e}", child.id()));
}

/// A named pipe at `path`.
pub fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap_or_else(|e| panic!("mkfifo {}: {e}", path.display()));
}

/// Runs `command` (which inherits it) under `umask`. The umask is the process's: one at a
/// time, and restored after.
pub fn output_with_umask(command: &mut Command, umask: u32) -> std::process::Output {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let before = rustix::process::umask(rustix::fs::Mode::from_raw_mode(umask));
    let out = command.output();
    rustix::process::umask(before);
    out.unwrap_or_else(|e| panic!("run {command:?}: {e}"))
}

/// Runs `command` with a terminal as its stdout and stderr (a pseudo-terminal), and returns
/// its exit status and everything it wrote there.
pub fn output_on_terminal(mut command: Command) -> (std::process::ExitStatus, String) {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pseudo-terminal");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let name = ptsname(&master, Vec::new()).expect("ptsname");
    let terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().expect("a UTF-8 terminal name"))
        .expect("the terminal's other end");
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(terminal.try_clone().unwrap())
        .stderr(terminal)
        .spawn()
        .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
    // The command holds the terminal's other end too: without it, the reader sees the end.
    drop(command);
    // Read while it runs (a full terminal buffer would block it); the read ends with an error
    // (EIO) once the child, the last holder of the other end, has exited.
    let mut reader = std::fs::File::from(master);
    let drained = std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        out
    });
    let status = child.wait().expect("wait");
    let out = drained.join().expect("the reader");
    (status, String::from_utf8_lossy(&out).into_owned())
}

/// A tool outside the Rust toolchain that a test cannot do without (`bash` for its
/// completions, `unshare` for a small file system): `None`, and the test says it skipped,
/// when the tool is missing outside CI; with `CI` set, a missing tool fails the test.
pub fn system_tool(name: &str) -> Option<Command> {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()));
    if found {
        return Some(Command::new(name));
    }
    assert!(
        std::env::var_os("CI").is_none_or(|v| v.is_empty()),
        "{name} is not on PATH, and CI runs every test"
    );
    eprintln!("skipped: {name} is not on PATH (CI runs it)");
    None
}
