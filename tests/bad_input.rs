//! Bad input: each case exits with 1, names the culprit (file, and line:col where there is
//! one), never panics, and leaves an existing book untouched with no temporary file behind.

#![allow(clippy::disallowed_methods)] // Tests read what they built.

mod common;

use common::{Project, minimal};

const SENTINEL: &[u8] = b"a good book from an earlier build";

/// Builds with `-o out.epub` over an existing file, and checks the failure; then `check`.
#[track_caller]
fn assert_rejected(p: &Project, expected: &[&str]) -> String {
    std::fs::write(p.path().join("out.epub"), SENTINEL).unwrap();
    let run = p.run(&["build", ".", "-o", "out.epub"]);
    run.failure();
    for e in expected {
        assert!(
            run.stderr.contains(e),
            "stderr should contain {e:?}:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stdout.is_empty(),
        "nothing on stdout when the build fails: {}",
        run.stdout
    );
    assert_eq!(
        std::fs::read(p.path().join("out.epub")).unwrap(),
        SENTINEL,
        "the earlier book was changed"
    );
    let leftovers: Vec<_> = std::fs::read_dir(p.path())
        .unwrap()
        .filter_map(std::result::Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".anthology") || n.ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left behind: {leftovers:?}"
    );

    // Nor is a new file created where there was none.
    p.run(&["build", ".", "-o", "fresh.epub"]).failure();
    assert!(
        !p.path().join("fresh.epub").exists(),
        "a failed build created its target"
    );

    let check = p.run(&["check", "."]);
    check.failure();
    for e in expected {
        assert!(
            check.stderr.contains(e),
            "check should report {e:?} too:\n{}",
            check.stderr
        );
    }
    run.stderr
}

fn manifest(body: &str) -> Project {
    minimal().file("anthology.yaml", body)
}

#[test]
fn malformed_yaml() {
    let p = manifest("title: Broken\nlanguage: en\ncontents: [essays/one.md\n");
    let err = assert_rejected(
        &p,
        &[
            "invalid YAML",
            "while parsing a flow sequence",
            "anthology.yaml:3:11",
        ],
    );
    assert!(
        err.contains("contents: [essays/one.md"),
        "shows the line:\n{err}"
    );
}

#[test]
fn missing_required_field() {
    let p = manifest("language: en\ncontents:\n  - essays/one.md\n");
    assert_rejected(
        &p,
        &["`title` is required", "--> anthology.yaml", "add `title:"],
    );
}

#[test]
fn wrong_type() {
    let p = manifest("title: T\nlanguage: en\ncontents:\n  - essays/one.md\ncreators: Jane Doe\n");
    assert_rejected(&p, &["`creators`", "anthology.yaml:5:11"]);
}

#[test]
fn unknown_key_suggests() {
    let p =
        manifest("titel: T\ntitle: T\nlanguage: en\npublsher: P\ncontents:\n  - essays/one.md\n");
    let err = assert_rejected(
        &p,
        &[
            "unknown key `titel`",
            "anthology.yaml:1:1",
            "did you mean `title`?",
        ],
    );
    // Every unknown key in one run, not only the first.
    assert!(
        err.contains("unknown key `publsher`") && err.contains("did you mean `publisher`?"),
        "{err}"
    );
    assert!(err.contains("anthology.yaml:4:1"), "{err}");
}

#[test]
fn invalid_language_tag() {
    let p = manifest("title: T\nlanguage: english\ncontents:\n  - essays/one.md\n");
    assert_rejected(
        &p,
        &[
            "`english` is not a valid BCP 47 language tag",
            "anthology.yaml:2:11",
            "did you mean `en`?",
        ],
    );
}

#[test]
fn empty_contents() {
    let p = manifest("title: T\nlanguage: en\ncontents: []\n");
    assert_rejected(&p, &["`contents` lists no essays", "anthology.yaml:3:11"]);
}

#[test]
fn missing_essay() {
    let p = manifest("title: T\nlanguage: en\ncontents:\n  - essays/one.md\n  - essays/nope.md\n");
    assert_rejected(
        &p,
        &["essay `essays/nope.md`: no such file", "anthology.yaml:5:5"],
    );
}

#[test]
fn folder_instead_of_essay() {
    let p = manifest("title: T\nlanguage: en\ncontents:\n  - essays\n");
    assert_rejected(
        &p,
        &[
            "essay `essays`: this is a folder, not a file",
            "anthology.yaml:4:5",
        ],
    );
}

#[test]
fn absolute_path() {
    let p = manifest("title: T\nlanguage: en\ncontents:\n  - /etc/passwd\n");
    assert_rejected(
        &p,
        &[
            "`/etc/passwd`: absolute paths are not allowed",
            "anthology.yaml:4:5",
        ],
    );
}

#[test]
fn dotdot_escape() {
    let p = manifest("title: T\nlanguage: en\ncontents:\n  - essays/../../x.md\n");
    assert_rejected(
        &p,
        &["leads outside the collection folder", "anthology.yaml:4:5"],
    );
}

#[test]
fn windows_dotdot_escape() {
    let p = manifest("title: T\nlanguage: en\ncontents:\n  - '..\\x.md'\n");
    assert_rejected(
        &p,
        &["leads outside the collection folder", "anthology.yaml:4:5"],
    );
}

#[test]
fn symlink_outside() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), "# Secret\n\nroot:x:0:0\n").unwrap();
    let p = manifest("title: T\nlanguage: en\ncontents:\n  - essays/link.md\n");
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        p.path().join("essays/link.md"),
    )
    .unwrap();
    assert_rejected(
        &p,
        &[
            "symbolic link",
            "outside the collection folder",
            "anthology.yaml:4:5",
        ],
    );
}

#[test]
fn essay_not_utf8() {
    let p = minimal().file("essays/two.md", b"# Two\n\nCaf\xe9 cr\xe8me\n".as_slice());
    assert_rejected(&p, &["two.md:3:4", "not UTF-8", "byte 0xE9 at offset 10"]);
}

#[test]
fn essay_utf16() {
    let p = minimal().file("essays/two.md", b"\xff\xfe#\0 \0T\0".as_slice());
    assert_rejected(&p, &["two.md", "UTF-16"]);
}

#[test]
fn malformed_front_matter() {
    let p = minimal().file(
        "essays/two.md",
        "---\ntitle: Two\nauthor: [unclosed\n---\n\nBody.\n",
    );
    assert_rejected(&p, &["essays/two.md:", "invalid YAML"]);
}

#[test]
fn nesting_too_deep_for_a_manifest() {
    // A bracket bomb: refused where the nesting passes 64 levels, before any YAML parser
    // reads it (their time grows with the depth).
    let p = manifest(&format!(
        "title: Deep\nlanguage: en\ncontents: {}\n",
        "[".repeat(200_000)
    ));
    let err = assert_rejected(
        &p,
        &[
            "error: the YAML nests more than 64 levels deep here",
            "anthology.yaml:3:74",
            "a bracket or brace may be left unclosed",
        ],
    );
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    // Block indentation counts too.
    let mut deep = String::from("title: Deep\nlanguage: en\ncontents: [essays/one.md]\nseries:\n");
    for level in 1..100 {
        deep.push_str(&format!("{}k:\n", " ".repeat(level)));
    }
    assert_rejected(
        &manifest(&deep),
        &["nests more than 64 levels", "anthology.yaml:68:65"],
    );
}

#[test]
fn nesting_too_deep_for_a_front_matter() {
    let p = minimal().file(
        "essays/two.md",
        format!(
            "---\ntitle: Two\nnotes: {}\n---\n\nBody.\n",
            "{a: ".repeat(100_000)
        ),
    );
    assert_rejected(
        &p,
        &[
            "essays/two.md:3:",
            "the YAML nests more than 64 levels deep here",
        ],
    );
}

#[test]
fn unclosed_front_matter() {
    let p = minimal().file("essays/two.md", "---\ntitle: Two\n\nBody without end.\n");
    assert_rejected(&p, &["essays/two.md", "never closed"]);
}

#[test]
fn front_matter_wrong_language() {
    let p = minimal().file(
        "essays/two.md",
        "---\ntitle: Two\nlanguage: Klingon!\n---\n\nBody.\n",
    );
    assert_rejected(
        &p,
        &["essays/two.md:3:11", "not a valid BCP 47 language tag"],
    );
}

#[test]
fn cover_missing() {
    let p =
        manifest("title: T\nlanguage: en\ncover: images/cover.jpg\ncontents:\n  - essays/one.md\n");
    assert_rejected(
        &p,
        &[
            "cover `images/cover.jpg`: no such file",
            "anthology.yaml:3:8",
        ],
    );
}

#[test]
fn cover_not_an_image() {
    let p = manifest("title: T\nlanguage: en\ncover: cover.jpg\ncontents:\n  - essays/one.md\n")
        .file("cover.jpg", "<html>not an image</html>");
    assert_rejected(
        &p,
        &[
            "`cover.jpg` is not a JPEG or PNG image",
            "anthology.yaml:3:8",
        ],
    );
}

#[test]
fn missing_image() {
    let p = minimal().file(
        "essays/two.md",
        "# Two\n\nText.\n\n![A chart](img/chart.png)\n",
    );
    assert_rejected(
        &p,
        &["image not found: `img/chart.png`", "essays/two.md:5:1"],
    );
}

#[test]
fn image_outside_collection() {
    let p = minimal().file(
        "essays/two.md",
        "# Two\n\n![secret](%2e%2e/%2e%2e/etc/passwd)\n",
    );
    assert_rejected(
        &p,
        &["leads outside the collection folder", "essays/two.md:3:1"],
    );
}

#[test]
fn image_that_is_no_image() {
    let p = minimal()
        .file(
            "essays/two.md",
            "# Two\n\n<img src=\"notes.txt\" alt=\"x\">\n",
        )
        .file("essays/notes.txt", "text");
    assert_rejected(&p, &["`notes.txt` is not an image", "essays/two.md:3:1"]);
}

#[test]
fn no_manifest_in_folder() {
    let p = Project::new().file("essays/one.md", "# One\n");
    std::fs::write(p.path().join("out.epub"), SENTINEL).unwrap();
    let run = p.run(&["build", ".", "-o", "out.epub"]);
    run.failure();
    assert!(
        run.stderr.contains("no anthology.yaml in ."),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(p.path().join("out.epub")).unwrap(), SENTINEL);
}

#[test]
fn essay_without_title() {
    let p = minimal().file("essays/two.md", "Just text, no heading.\n");
    assert_rejected(&p, &["essays/two.md", "the essay has no title"]);
}

#[test]
fn every_problem_in_one_run() {
    let p = manifest(
        "title: T\nlanguage: xx-invalid-tag-\ncontents:\n  - essays/one.md\n  - essays/missing.md\n  - /abs.md\n",
    );
    let err = assert_rejected(
        &p,
        &[
            "anthology.yaml:2:11",
            "anthology.yaml:5:5",
            "anthology.yaml:6:5",
        ],
    );
    assert!(err.contains("3 errors"), "{err}");
}

#[test]
fn problems_in_several_essays_are_all_reported() {
    let p = minimal()
        .file("essays/one.md", "---\ntitle: [bad\n---\n")
        .file("essays/two.md", "# Two\n\n![x](missing.png)\n");
    assert_rejected(&p, &["essays/one.md:", "essays/two.md:3:1"]);
}

#[test]
fn output_must_not_be_an_input() {
    let p = minimal();
    let before = std::fs::read(p.path().join("essays/one.md")).unwrap();
    let run = p.run(&["build", ".", "-o", "essays/one.md"]);
    run.failure();
    assert!(
        run.stderr.contains("is an input of the book"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read(p.path().join("essays/one.md")).unwrap(),
        before
    );
}

#[test]
fn output_folder_must_exist() {
    let p = minimal();
    let run = p.run(&["build", ".", "-o", "no/such/dir/book.epub"]);
    run.failure();
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    assert!(!p.path().join("no").exists());
}

#[test]
fn usage_errors_exit_2() {
    let p = minimal();
    assert_eq!(p.run(&["build"]).code, 2);
    assert_eq!(p.run(&["frobnicate"]).code, 2);
    assert_eq!(p.run(&["build", ".", "--nope"]).code, 2);
}

/// Four bytes that look like a font do not make one: a forged WOFF or WOFF2 header, an
/// OpenType signature with nothing after it, a real font cut short. Each is an error at its
/// `fonts:` entry.
#[test]
fn forged_and_truncated_fonts() {
    let ttf =
        std::fs::read(common::repo().join("tests/fixtures/kitchen-sink/fonts/Caladea-Regular.ttf"))
            .unwrap();
    let mut woff = b"wOFF\0\x01\0\0".to_vec();
    woff.resize(44, 0);
    woff[8..12].copy_from_slice(&44u32.to_be_bytes());
    woff[12..14].copy_from_slice(&3u16.to_be_bytes());
    let p = minimal()
        .file("fonts/eight.woff", b"wOFF\0\x01\0\0")
        .file("fonts/eight.woff2", b"wOF2\0\x01\0\0")
        .file("fonts/header-only.woff", &woff)
        .file("fonts/otto.otf", b"OTTO\0\0\0\0")
        .file("fonts/cut.ttf", &ttf[..ttf.len() / 2])
        .file(
            "anthology.yaml",
            "title: T\nlanguage: en\nfonts:\n  - fonts/eight.woff\n  - fonts/eight.woff2\n  - fonts/header-only.woff\n  - fonts/otto.otf\n  - fonts/cut.ttf\ncontents:\n  - essays/one.md\n",
        );
    assert_rejected(
        &p,
        &[
            "error: `fonts/eight.woff` is a damaged font: its WOFF header is cut short (8 bytes of 44)\n --> anthology.yaml:4:5",
            "error: `fonts/eight.woff2` is a damaged font: its WOFF2 header is cut short (8 bytes of 48)\n --> anthology.yaml:5:5",
            "error: `fonts/header-only.woff` is a damaged font: its table directory (3 tables) does not fit in the file\n --> anthology.yaml:6:5",
            "error: `fonts/otto.otf` is a damaged font: malformed font\n --> anthology.yaml:7:5",
            "error: `fonts/cut.ttf` is a damaged font: its `",
            "the file is cut short\n --> anthology.yaml:8:5",
        ],
    );
}
