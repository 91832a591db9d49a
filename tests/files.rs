//! What the tool writes: files with the mode any program's files get (0666 less the umask),
//! and never over one of the inputs of the book.

#![allow(clippy::disallowed_methods)] // Tests read what they built.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{Project, Run, assert_valid, minimal};

/// Runs `anthology ARGS` in `p` under `umask`.
fn run_with_umask(p: &Project, umask: &str, args: &[&str]) -> Run {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_anthology"));
    command
        .args(args)
        .current_dir(p.path())
        .env("NO_COLOR", "1");
    let umask = u32::from_str_radix(umask, 8).expect("an octal umask");
    let out = common::output_with_umask(&mut command, umask);
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn files_are_written_with_the_umask() {
    for (umask, file, folder) in [
        ("077", 0o600, 0o700),
        ("022", 0o644, 0o755),
        ("002", 0o664, 0o775),
    ] {
        let p = minimal()
            .file(
                "site/_posts/2020-01-01-a-post.md",
                "---\ntitle: A Post\n---\n\nText.\n",
            )
            .dir("out");
        // The book, and each essay's own.
        run_with_umask(&p, umask, &["build", ".", "-o", "out/book.epub", "--each"]).success();
        for f in [
            "out/book.epub",
            "out/book-essays/one.epub",
            "out/book-essays/two.epub",
        ] {
            assert_eq!(mode(&p.path().join(f)), file, "umask {umask}: {f}");
        }
        // An imported collection: its folders and files.
        run_with_umask(&p, umask, &["import", "site", "imported"]).success();
        for (f, m) in [
            ("imported", folder),
            ("imported/essays", folder),
            ("imported/anthology.yaml", file),
            ("imported/essays/a-post.md", file),
        ] {
            assert_eq!(mode(&p.path().join(f)), m, "umask {umask}: {f}");
        }
        // A shelf.
        let shelf = Project::new();
        common::copy_dir(
            p.path().join("imported").as_path(),
            &shelf.path().join("books/one"),
        );
        run_with_umask(&shelf, umask, &["publish", "books", "-o", "dist"]).success();
        for f in ["dist/index.html", "dist/catalog.xml"] {
            assert_eq!(mode(&shelf.path().join(f)), file, "umask {umask}: {f}");
        }
    }
}

/// `-o` naming a file the build reads — an image found while converting, a font, a cover, the
/// style sheet, an essay — is refused: exit 1, the file named, the input untouched.
#[test]
fn the_book_never_takes_the_place_of_an_input() {
    let p = Project::copy_of("tests/fixtures/kitchen-sink");
    for input in [
        "essays/img/figure.png",
        "fonts/Caladea-Regular.ttf",
        "cover.png",
        "extra.css",
        "essays/intro.md",
        "anthology.yaml",
    ] {
        let before = std::fs::read(p.path().join(input)).unwrap();
        let run = p.run(&["build", ".", "-o", input]);
        run.failure();
        assert!(
            run.stderr
                .contains(&format!("error: {input} is an input of the book")),
            "{input}:\n{}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        assert_eq!(
            std::fs::read(p.path().join(input)).unwrap(),
            before,
            "{input} changed"
        );
        // Nor through another name for it.
        let link = p.path().join("link.epub");
        std::os::unix::fs::symlink(p.path().join(input), &link).unwrap();
        p.run(&["build", ".", "-o", "link.epub"]).failure();
        assert_eq!(
            std::fs::read(p.path().join(input)).unwrap(),
            before,
            "{input} changed"
        );
        std::fs::remove_file(link).unwrap();
    }
    let leftovers: Vec<_> = walk(p.path())
        .into_iter()
        .filter(|n| n.contains(".anthology-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Any other file is fine.
    p.run(&["build", ".", "-o", "essays/img/book.epub"])
        .success();
    assert_valid(&p.path().join("essays/img/book.epub"));
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let path = e.path();
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}
