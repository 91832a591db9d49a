//! Golden files: the package document, the navigation, generated pages (title, contents,
//! parts, dedication, epigraph, sources, contributors, colophon) and chapters (front, body and
//! back matter) of the kitchen-sink fixture, with the date pinned; and how a diagnostic reads.
//! Review a change with `cargo insta review` (or `INSTA_UPDATE=always cargo test`).

#![allow(clippy::disallowed_methods)] // Tests read what they built.

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
        ("EPUB/text/intro.xhtml", "chapter_front_matter_xhtml"),
        ("EPUB/text/afterword.xhtml", "chapter_back_matter_xhtml"),
        ("EPUB/text/dedication.xhtml", "dedication_xhtml"),
        ("EPUB/text/epigraph.xhtml", "epigraph_xhtml"),
        ("EPUB/text/sources.xhtml", "sources_xhtml"),
        ("EPUB/text/contributors.xhtml", "contributors_xhtml"),
        ("EPUB/text/colophon.xhtml", "colophon_xhtml"),
        ("EPUB/text/cover.xhtml", "cover_xhtml"),
        (
            "META-INF/com.apple.ibooks.display-options.xml",
            "apple_display_options_xml",
        ),
        ("META-INF/container.xml", "container_xml"),
    ] {
        let text = files.get(name).unwrap_or_else(|| panic!("{name} missing"));
        insta::assert_snapshot!(snapshot, text);
    }
    // The style sheet ends with the fonts' rules and the fixture's `extra-css`.
    let css = &files["EPUB/styles/book.css"];
    let tail = &css[css.find("/* ---- Embedded fonts").expect("font rules")..];
    insta::assert_snapshot!("stylesheet_tail_css", tail);
    common::assert_valid(&p.path().join("book.epub"));
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
