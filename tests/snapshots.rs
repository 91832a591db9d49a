//! Golden files: the package document, the navigation, generated pages and chapters of the
//! kitchen-sink fixture, with the date pinned; and how a diagnostic reads.
//! Review a change with `cargo insta review` (or `INSTA_UPDATE=always cargo test`).

mod common;

use common::{Project, minimal, unzip_text};

#[test]
fn kitchen_sink_documents() {
    let p = Project::copy_of("tests/fixtures/kitchen-sink");
    p.run_env(
        &["build", ".", "-o", "book.epub"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    )
    .success();
    let files = unzip_text(&p.path().join("book.epub"));
    for (name, snapshot) in [
        ("EPUB/content.opf", "content_opf"),
        ("EPUB/nav.xhtml", "nav_xhtml"),
        ("EPUB/toc.ncx", "toc_ncx"),
        ("EPUB/text/titlepage.xhtml", "titlepage_xhtml"),
        ("EPUB/text/contents.xhtml", "contents_xhtml"),
        ("EPUB/text/part-1.xhtml", "part_xhtml"),
        ("EPUB/text/notes.xhtml", "chapter_notes_xhtml"),
        ("EPUB/text/html.xhtml", "chapter_html_xhtml"),
        ("EPUB/text/tables.xhtml", "chapter_tables_xhtml"),
        ("META-INF/container.xml", "container_xml"),
    ] {
        let text = files.get(name).unwrap_or_else(|| panic!("{name} missing"));
        insta::assert_snapshot!(snapshot, text);
    }
}

#[test]
fn diagnostics_read_well() {
    let p = minimal().file(
        "anthology.yaml",
        "titel: Minimal\nlanguage: en_GB\ncontents:\n  - essays/one.md\n  - essays/three.md\n",
    );
    let run = p.run(&["check", "."]);
    run.failure();
    insta::assert_snapshot!("diagnostics_manifest", run.stderr);

    let p = minimal().file(
        "essays/two.md",
        "---\ntitle: Two\n---\n\n![](gone.png) and [x](#nowhere)\n",
    );
    let run = p.run(&["check", "."]);
    run.failure();
    insta::assert_snapshot!("diagnostics_essay", run.stderr);
}
