//! Building books: every sample and fixture gives a book EPUBCheck passes with no error and no
//! warning; the book has the structure the manifest describes; the same input gives the same
//! bytes.

#![allow(clippy::disallowed_methods)] // Tests read what they built.

mod common;

use common::{Project, assert_valid, minimal, repo, unzip, unzip_text};

fn sample_collections() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("collections"))
        .unwrap()
        .filter_map(std::result::Result::ok)
        .filter(|e| e.path().join("anthology.yaml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn there_are_samples() {
    let names = sample_collections();
    assert!(
        names.len() >= 2,
        "collections/ should hold at least two anthologies: {names:?}"
    );
    assert!(names.contains(&"closeness".to_string()));
}

#[test]
fn every_sample_builds_valid_and_clean() {
    for name in sample_collections() {
        let p = Project::copy_of(&format!("collections/{name}"));
        let check = p.run(&["check", "."]);
        check.success();
        assert!(
            !check.stderr.contains("warning"),
            "collections/{name} has warnings:\n{}",
            check.stderr
        );
        let run = p.run(&["build", ".", "-o", "book.epub"]);
        run.success();
        assert_eq!(run.stdout, "book.epub\n");
        assert_valid(&p.path().join("book.epub"));
    }
}

/// The user guide (`docs/guide`) is a collection: it builds with no warning into a book that
/// passes every check, and every chapter is in its contents.
#[test]
fn the_guide_builds_valid_and_clean() {
    let p = Project::copy_of("docs/guide");
    let run = p.run(&["build", ".", "-o", "guide.epub"]);
    run.success();
    assert!(run.stderr.is_empty(), "docs/guide: {}", run.stderr);
    let book = p.path().join("guide.epub");
    assert_valid(&book);
    let nav = &unzip_text(&book)["EPUB/nav.xhtml"];
    for entry in std::fs::read_dir(repo().join("docs/guide/essays")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let title = text
            .lines()
            .find_map(|l| l.strip_prefix("title: "))
            .expect("a title in the front matter")
            .trim_matches('"');
        assert!(
            nav.contains(&format!(">{title}</a>")),
            "{title} is not in the contents"
        );
    }
}

#[test]
fn kitchen_sink_builds_valid() {
    let p = Project::copy_of("tests/fixtures/kitchen-sink");
    p.run(&["build", ".", "-o", "book.epub"]).success();
    assert_valid(&p.path().join("book.epub"));
}

#[test]
fn default_output_is_build_slug_epub() {
    let p = minimal();
    let run = p.run(&["build", "anthology.yaml"]);
    run.success();
    assert_eq!(run.stdout, "build/minimal.epub\n");
    assert!(p.path().join("build/minimal.epub").is_file());
    // And from outside the folder.
    let outside = tempfile::tempdir().unwrap();
    let run = common::run_in(outside.path(), &["build", p.path().to_str().unwrap()], &[]);
    run.success();
    assert_eq!(
        run.stdout.trim(),
        p.path().join("build/minimal.epub").to_str().unwrap()
    );
}

#[test]
fn rebuild_replaces_the_book() {
    let p = minimal();
    p.run(&["build", ".", "-o", "out.epub"]).success();
    let first = std::fs::read(p.path().join("out.epub")).unwrap();
    let p = p.file(
        "essays/one.md",
        "---\ntitle: One, revised\n---\n\nChanged.\n",
    );
    p.run(&["build", ".", "-o", "out.epub"]).success();
    let second = std::fs::read(p.path().join("out.epub")).unwrap();
    assert_ne!(first, second);
    assert_valid(&p.path().join("out.epub"));
}

#[test]
fn mimetype_first_and_stored_without_extras() {
    let p = minimal();
    p.run(&["build", ".", "-o", "b.epub"]).success();
    let bytes = std::fs::read(p.path().join("b.epub")).unwrap();
    // Local file header: signature, then "mimetype" stored (method 0) with no extra field.
    assert_eq!(&bytes[0..4], b"PK\x03\x04");
    assert_eq!(
        u16::from_le_bytes([bytes[8], bytes[9]]),
        0,
        "mimetype must be stored"
    );
    assert_eq!(
        u16::from_le_bytes([bytes[26], bytes[27]]),
        8,
        "file name length"
    );
    assert_eq!(
        u16::from_le_bytes([bytes[28], bytes[29]]),
        0,
        "no extra field"
    );
    assert_eq!(&bytes[30..38], b"mimetype");
    assert_eq!(&bytes[38..58], b"application/epub+zip");
    // End of central directory: no archive comment.
    let eocd = bytes.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    assert_eq!(
        u16::from_le_bytes([bytes[eocd + 20], bytes[eocd + 21]]),
        0,
        "no archive comment"
    );
    assert_eq!(unzip(&p.path().join("b.epub"))[0].0, "mimetype");
}

#[test]
fn same_input_same_bytes_from_two_folders() {
    let env = [("SOURCE_DATE_EPOCH", "1700000000")];
    let a = Project::copy_of("tests/fixtures/kitchen-sink");
    let b = Project::copy_of("tests/fixtures/kitchen-sink");
    a.run_env(&["build", ".", "-o", "book.epub"], &env)
        .success();
    b.run_env(&["build", ".", "-o", "book.epub"], &env)
        .success();
    let (x, y) = (
        std::fs::read(a.path().join("book.epub")).unwrap(),
        std::fs::read(b.path().join("book.epub")).unwrap(),
    );
    assert!(x == y, "two builds from two folders differ");
    let opf = &unzip_text(&a.path().join("book.epub"))["EPUB/content.opf"];
    assert!(
        opf.contains("<meta property=\"dcterms:modified\">2023-11-14T22:13:20Z</meta>"),
        "{opf}"
    );
    // No path of the machine ends up in the book.
    let dir = a.path().to_string_lossy().into_owned();
    for (name, text) in unzip_text(&a.path().join("book.epub")) {
        assert!(!text.contains(&dir), "{name} contains the build folder");
    }
}

#[test]
fn same_input_same_bytes_whatever_the_environment() {
    let a = Project::copy_of("tests/fixtures/kitchen-sink");
    let b = Project::copy_of("tests/fixtures/kitchen-sink");
    // Different modification times, time zone, locale and thread count.
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    for entry in [
        "essays/intro.md",
        "essays/notes.md",
        "anthology.yaml",
        "cover.png",
    ] {
        std::fs::File::options()
            .write(true)
            .open(b.path().join(entry))
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    a.run_env(
        &["build", ".", "-o", "book.epub"],
        &[("TZ", "UTC"), ("LC_ALL", "C"), ("RAYON_NUM_THREADS", "1")],
    )
    .success();
    b.run_env(
        &["build", ".", "-o", "book.epub"],
        &[
            ("TZ", "Pacific/Kiritimati"),
            ("LC_ALL", "tr_TR.UTF-8"),
            ("RAYON_NUM_THREADS", "7"),
        ],
    )
    .success();
    assert!(
        std::fs::read(a.path().join("book.epub")).unwrap()
            == std::fs::read(b.path().join("book.epub")).unwrap(),
        "the environment changed the book"
    );
}

#[test]
fn structure_follows_the_manifest() {
    let p = Project::copy_of("tests/fixtures/kitchen-sink");
    p.run(&["build", ".", "-o", "book.epub"]).success();
    let files = unzip_text(&p.path().join("book.epub"));
    let opf = &files["EPUB/content.opf"];
    let nav = &files["EPUB/nav.xhtml"];
    let ncx = &files["EPUB/toc.ncx"];

    // Spine: cover, title page, dedication, epigraph, contents, then parts and essays in
    // order, then the back matter.
    let spine: Vec<&str> = opf
        .lines()
        .filter_map(|l| l.strip_prefix("<itemref idref=\""))
        .map(|l| l.trim_end_matches("\"/>"))
        .collect();
    assert_eq!(
        spine,
        [
            "cover",
            "titlepage",
            "dedication",
            "epigraph",
            "contents",
            "ch-intro",
            "part-1",
            "ch-notes",
            "ch-html",
            "part-2",
            "ch-tables",
            "ch-second-notes",
            "ch-afterword",
            "sources",
            "contributors",
            "colophon"
        ]
    );
    // Metadata.
    for expected in [
        "<dc:identifier id=\"pub-id\">urn:isbn:9780306406157</dc:identifier>",
        "<dc:creator id=\"creator-1\">Ada Editor</dc:creator>",
        "<meta refines=\"#creator-1\" property=\"role\" scheme=\"marc:relators\">edt</meta>",
        "<meta refines=\"#creator-1\" property=\"file-as\">Editor, Ada</meta>",
        "<dc:contributor id=\"contributor-2\">Tom Translator</dc:contributor>",
        "scheme=\"marc:relators\">trl</meta>",
        ">Nora Notes</dc:contributor>",
        ">Hana Html</dc:contributor>",
        "<dc:language>en-GB</dc:language>",
        "<dc:publisher>Fixture Press</dc:publisher>",
        "<dc:date>2024-05-01</dc:date>",
        "<dc:subject>Testing</dc:subject>",
        "the assembler &lt;all of it&gt;",
        "<meta property=\"belongs-to-collection\" id=\"series\">Fixtures</meta>",
        "<meta refines=\"#series\" property=\"group-position\">2</meta>",
        "<meta name=\"calibre:series\" content=\"Fixtures\"/>",
        "properties=\"cover-image\"",
        "<reference type=\"toc\"",
    ] {
        assert!(opf.contains(expected), "OPF lacks {expected}:\n{opf}");
    }
    // The nav and the NCX list the same targets in the same order.
    let targets = |text: &str, attr: &str| -> Vec<String> {
        text.split(attr)
            .skip(1)
            .map(|s| s.split('"').next().unwrap().to_string())
            .collect()
    };
    let nav_toc = nav.split("epub:type=\"landmarks\"").next().unwrap();
    assert_eq!(
        targets(nav_toc, "<a href=\""),
        targets(ncx, "<content src=\"")
    );
    assert!(
        nav_toc.contains("text/notes.xhtml#notes_deeper"),
        "toc-depth 3 lists ### headings"
    );
    // Ids are unique in the whole book.
    let mut ids = std::collections::HashSet::new();
    for (name, text) in files.iter().filter(|(n, _)| n.starts_with("EPUB/text/")) {
        for id in text
            .split(" id=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap())
        {
            assert!(
                ids.insert(id.to_string()),
                "id {id} appears twice (second time in {name})"
            );
        }
    }
    // The title is not printed twice; notes are namespaced; links point at chapters.
    let notes = &files["EPUB/text/notes.xhtml"];
    assert_eq!(
        notes.matches(">On Notes<").count(),
        2,
        "once in <title>, once in <h1>"
    );
    assert!(
        notes.contains("id=\"notes-fn-1\"")
            && files["EPUB/text/second-notes.xhtml"].contains("id=\"second-notes-fn-1\"")
    );
    assert!(files["EPUB/text/intro.xhtml"].contains("<a href=\"notes.xhtml#notes_on-footnotes\">"));
    // The essay in its own language says so.
    assert!(notes.contains("lang=\"en-US\" xml:lang=\"en-US\""));
    // Nothing hostile survives.
    let html = &files["EPUB/text/html.xhtml"];
    for bad in ["<script", "<iframe", "onclick", "javascript:", "style="] {
        assert!(
            !html.to_lowercase().contains(bad),
            "{bad} survived:\n{html}"
        );
    }
}

#[test]
fn new_collection_builds_at_once() {
    let p = Project::new();
    let run = p.run(&["new", "my-first-book"]);
    run.success();
    let check = p.run(&["check", "my-first-book"]);
    check.success();
    assert!(!check.stderr.contains("warning"), "{}", check.stderr);
    let run = p.run(&["build", "my-first-book"]);
    run.success();
    assert_eq!(run.stdout, "my-first-book/build/my-first-book.epub\n");
    assert_valid(&p.path().join("my-first-book/build/my-first-book.epub"));
    // `new` never writes over an existing collection.
    let again = p.run(&["new", "my-first-book"]);
    again.failure();
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
}

#[test]
fn warnings_do_not_stop_a_build() {
    let p = minimal().file(
        "essays/two.md",
        "# Two\n\nA [broken anchor](#nowhere), [a missing essay](three.md), ![remote](https://example.org/x.png).\n",
    );
    let run = p.run(&["build", ".", "-o", "b.epub"]);
    run.success();
    assert!(
        run.stderr
            .contains("`#nowhere` is not an anchor of this essay"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`three.md` is not an essay of this book"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("remote image"), "{}", run.stderr);
    assert!(run.stderr.contains("essays/two.md:3:3"), "{}", run.stderr);
    assert_valid(&p.path().join("b.epub"));
    let quiet = p.run(&["-q", "build", ".", "-o", "b.epub"]);
    quiet.success();
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
}

#[test]
fn a_link_to_a_missing_anchor_in_another_essay_becomes_text() {
    let p = minimal().file(
        "essays/two.md",
        "# Two\n\nSee [this](one.md#no-such-place) and [that](one.md).\n",
    );
    let run = p.run(&["build", ".", "-o", "b.epub"]);
    run.success();
    assert!(
        run.stderr
            .contains("`#no-such-place` is not an anchor of the essay it links to"),
        "{}",
        run.stderr
    );
    let two = &unzip_text(&p.path().join("b.epub"))["EPUB/text/two.xhtml"];
    assert!(
        two.contains("See this and <a href=\"one.xhtml\">that</a>"),
        "{two}"
    );
    assert_valid(&p.path().join("b.epub"));
}

#[test]
fn accessibility_metadata_follows_the_content() {
    let png =
        std::fs::read(repo().join("tests/fixtures/kitchen-sink/essays/img/figure.png")).unwrap();
    let opf_of = |alt: &str| {
        let p = minimal()
            .file("essays/fig.png", &png)
            .file("essays/two.md", format!("# Two\n\n![{alt}](fig.png)\n"));
        p.run(&["build", ".", "-o", "b.epub"]).success();
        assert_valid(&p.path().join("b.epub"));
        unzip_text(&p.path().join("b.epub"))["EPUB/content.opf"].clone()
    };
    let described = opf_of("A blue rectangle");
    assert!(
        described.contains("<meta property=\"schema:accessibilityFeature\">alternativeText</meta>"),
        "{described}"
    );
    assert!(described.contains("<meta property=\"schema:accessModeSufficient\">textual</meta>"));
    assert!(described.contains("<meta property=\"schema:accessMode\">visual</meta>"));
    let undescribed = opf_of("");
    assert!(!undescribed.contains("alternativeText"), "{undescribed}");
    assert!(!undescribed.contains("<meta property=\"schema:accessModeSufficient\">textual</meta>"));
    assert!(undescribed.contains("1 of its 1 images has no text description"));
    // Conformance is claimed only when earned.
    assert!(described.contains(
        "<meta property=\"dcterms:conformsTo\">EPUB Accessibility 1.1 - WCAG 2.1 Level AA</meta>"
    ));
    assert!(described.contains("<meta property=\"a11y:certifiedBy\">anthology</meta>"));
    assert!(!undescribed.contains("conformsTo"), "{undescribed}");
}
