//! What the author wrote is what the reader gets (issue 14, and the converter's part of issue
//! 21): hidden text stays hidden, no text is lost without a warning at its place, no markup or
//! internal marker shows as text, and every book still passes EPUBCheck. Each test builds an
//! essay as `essays/two.md` of a small collection and reads the page back as a reader would.

#![allow(clippy::disallowed_methods)] // Tests read what they built.

mod common;

use common::{Project, assert_valid, minimal, unzip_text};

/// A 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde\0\0\0\x0cIDATx\x9cc\xf8\xcf\xc0\0\0\x03\x01\x01\0\xc9\xfe\x92\xef\0\0\0\0IEND\xaeB`\x82";

/// A book built from the collection, its essay page and what a reader sees on it.
struct Built {
    stderr: String,
    /// The essay's page, `EPUB/text/two.xhtml`.
    page: String,
    /// The words of the page's body after its header, as a reader sees them.
    text: String,
}

fn essay(markdown: &str) -> Project {
    minimal()
        .file("essays/two.md", markdown)
        .file("essays/pic.png", PNG)
}

/// Builds `p`, which must succeed with a book EPUBCheck passes with no error and no warning.
#[track_caller]
fn build(p: &Project) -> Built {
    let run = p.run(&["build", ".", "-o", "out.epub"]);
    run.success();
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let book = p.path().join("out.epub");
    assert_valid(&book);
    let page = unzip_text(&book)
        .remove("EPUB/text/two.xhtml")
        .expect("the essay's page");
    let body = page.split_once("</header>").map_or("", |(_, b)| b);
    let xml = format!(
        "<body xmlns:epub=\"http://www.idpf.org/2007/ops\">{}</body>",
        body.rsplit_once("</section>").map_or(body, |(b, _)| b)
    );
    let doc = roxmltree::Document::parse(&xml).expect("the page's body is XML");
    let text: Vec<&str> = doc
        .descendants()
        .filter(roxmltree::Node::is_text)
        .filter_map(|n| n.text())
        .collect();
    Built {
        stderr: run.stderr,
        page,
        text: text
            .concat()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[track_caller]
fn shows(b: &Built, words: &[&str]) {
    for w in words {
        assert!(b.text.contains(w), "the page should show {w:?}: {}", b.text);
    }
}

#[track_caller]
fn hides(b: &Built, words: &[&str]) {
    for w in words {
        assert!(
            !b.page.contains(w),
            "the page should not hold {w:?}:\n{}",
            b.page
        );
    }
}

#[track_caller]
fn warns(b: &Built, messages: &[&str]) {
    for m in messages {
        assert!(
            b.stderr.contains(m),
            "stderr should contain {m:?}:\n{}",
            b.stderr
        );
    }
}

// ---- hidden stays hidden ---------------------------------------------------------------

#[test]
fn comments_over_several_lines_stay_hidden() {
    let b = build(&essay(
        "# Two\n\nPara one.\n\n<div>\n<!-- a private note\nspanning lines -->\nShown.\n</div>\n\n- item\n\n  <!-- hidden\n  remark -->\n- item two\n\n<p>Para <!-- secret\n\nstill secret --> two.</p>\n\nPara three.\n",
    ));
    shows(
        &b,
        &[
            "Para one.",
            "Shown.",
            "item two",
            "Para two.",
            "Para three.",
        ],
    );
    hides(&b, &["private", "spanning", "hidden", "remark", "secret"]);
    // The comment that outlives its block says up to where it hides.
    warns(
        &b,
        &[
            "essays/two.md:17:9",
            "hides everything up to its end on line 19",
        ],
    );
}

#[test]
fn comments_are_not_content() {
    // An `<svg>` or `<iframe>` inside a comment is not removed: it was never there.
    let b = build(&essay(
        "# Two\n\nText.\n\n<!--\n<svg><circle r=\"1\"/></svg>\n<iframe src=\"https://example.org\"></iframe>\n-->\n",
    ));
    assert!(!b.stderr.contains("is removed"), "{}", b.stderr);
    hides(&b, &["circle", "example.org"]);
}

#[test]
fn no_internal_marker_reaches_a_page() {
    // What looked like the converter's own position markers and notes, written by the author.
    let b = build(&essay(
        "# Two\n\nééééééééé\n\n<p><!--anth:10-->é <span data-anth-at=\"3\">x</span></p>\n\n<anth-ref data-label=\"1\"></anth-ref><anth-note data-label=\"1\">not a note</anth-note>\n\n<xmp>\n[a link](https://example.org) and a note[^1]\n</xmp>\n\n[^1]: The note.\n",
    ));
    hides(
        &b,
        &["anth:", "data-anth", "anth-ref", "anth-note", "noteref"],
    );
    shows(&b, &["not a note", "[a link](https://example.org)"]);
}

// ---- nothing lost without a warning --------------------------------------------------------

#[test]
fn multi_line_tags_keep_their_attributes_and_images() {
    let b = build(&essay(
        "# Two\n\n<div id=\"a\"\n  class=\"note wide\">\nHello\n</div>\n\nBefore.\n\n<p><img\n  src=\"pic.png\"\n  alt=\"A picture\"></p>\n\n<p><img src=\"pic.png\" alt=\"two\nlines\"></p>\n\nAfter.\n",
    ));
    shows(&b, &["Hello", "Before.", "After."]);
    hides(&b, &["class=&quot;", "src=&quot;", "alt=&quot;"]);
    assert!(b.page.contains("class=\"note wide\""), "{}", b.page);
    assert!(b.page.contains("alt=\"A picture\""), "{}", b.page);
    assert_eq!(b.page.matches("<img").count(), 2, "{}", b.page);
}

#[test]
fn unclosed_raw_text_elements_do_not_swallow_the_essay() {
    for tag in [
        "title", "noscript", "textarea", "style", "iframe", "xmp", "script", "noembed",
    ] {
        let b = build(&essay(&format!(
            "# Two\n\nPara one.\n\n<{tag}>\n\nPara two.\n\nInline <{tag}> here.\n\n## Heading\n\nPara three.\n"
        )));
        shows(
            &b,
            &[
                "Para one.",
                "Para two.",
                "Inline here.",
                "Heading",
                "Para three.",
            ],
        );
        warns(
            &b,
            &[
                &format!("`<{tag}>` is not closed in its block"),
                "essays/two.md:5:1",
            ],
        );
    }
    let b = build(&essay("# Two\n\nPara one.\n\n<plaintext>\n\nPara *two*.\n"));
    shows(&b, &["Para one.", "Para", "two"]);
    hides(&b, &["*two*", "&lt;p&gt;"]);
    warns(&b, &["`<plaintext>` is left out", "essays/two.md:5:1"]);
}

#[test]
fn an_unfinished_tag_is_left_out_with_a_warning() {
    let b = build(&essay("# Two\n\n<div id=\"foo\"\n*hi*\n\nPara two.\n"));
    shows(&b, &["Para two."]);
    hides(&b, &["*hi*", "foo"]);
    warns(
        &b,
        &["the tag `<div` has no closing `>`", "essays/two.md:3:1"],
    );
}

// ---- Markdown as the author meant it ----------------------------------------------------

#[test]
fn code_blocks_keep_their_language_exactly() {
    for extra in ["", "\n<div>raw HTML too</div>\n"] {
        let b = build(&essay(&format!(
            "# Two\n\n```c++ numbers\nint x;\n```\n\n``` f&ouml;&ouml;\nfoo\n```\n\n````;\n````\n{extra}"
        )));
        for class in ["language-c++", "language-föö", "language-;"] {
            assert!(
                b.page.contains(&format!("<code class=\"{class}\">")),
                "{class}:\n{}",
                b.page
            );
        }
    }
}

#[test]
fn an_underlined_heading_opening_the_essay_is_its_title() {
    for (markdown, title) in [
        ("Walking Out\n===========\n\nThe body.\n", "Walking Out"),
        ("On Rain\n-------\n\nThe body.\n", "On Rain"),
    ] {
        let b = build(&essay(markdown));
        assert!(
            b.page.contains(&format!(
                "<h1 id=\"two\" class=\"essay-title\">{title}</h1>"
            )),
            "{}",
            b.page
        );
        // Printed once, as the title.
        assert_eq!(
            b.page.matches(title).count(),
            2,
            "title and <title>:\n{}",
            b.page
        );
        shows(&b, &["The body."]);
    }
}

#[test]
fn attribute_lists_are_markup_not_text() {
    let b = build(&essay(
        "# Two\n\n![A picture](pic.png){.wide #fig}\n\n![Again](pic.png){: .narrow}\n\n## Section\n{: .special}\n\nA paragraph.\n{: .aside}\n\nText {not a list} stays.\n",
    ));
    hides(&b, &["{.wide", "{:", ".special}", ".aside}"]);
    shows(&b, &["A paragraph.", "Text {not a list} stays."]);
    assert!(b.page.contains("class=\"wide\""), "{}", b.page);
    assert!(b.page.contains("class=\"narrow\""), "{}", b.page);
    assert!(
        b.page.contains("class=\"special\">Section</h2>"),
        "{}",
        b.page
    );
}

// ---- links and embeds ------------------------------------------------------------------------

#[test]
fn invalid_web_addresses_are_text_with_a_warning() {
    let p = essay(
        "# Two\n\n[one](http://%20http://example.com/) [two](https:evil.example) [three](http://) [four](https://[::1) [five](https://example.com:99999/) [six](https://exa%mple.com/) [good](https://example.com/a_(b))\n",
    );
    // `check` says so, at the link's place: a clean check means a clean EPUBCheck.
    let check = p.run(&["check", "."]);
    check.success();
    assert!(
        check.stderr.contains("is not a valid web address")
            && check.stderr.contains("essays/two.md:3:1")
            && check.stderr.matches("is not a valid web address").count() == 6,
        "{}",
        check.stderr
    );
    let b = build(&p);
    shows(&b, &["one two three four five six good"]);
    assert_eq!(b.page.matches("<a href").count(), 1, "{}", b.page);
    hides(&b, &["evil.example", "99999"]);
}

#[test]
fn embedded_videos_become_links() {
    let b = build(&essay(
        "# Two\n\n<iframe width=\"560\" height=\"315\" src=\"https://www.youtube.com/embed/dQw4w9WgXcQ?si=x\" title=\"YouTube video player\" allowfullscreen></iframe>\n\n<iframe src=\"https://player.vimeo.com/video/76979871\" title=\"The New Vimeo Player\"></iframe>\n\n<video controls><source src=\"https://example.org/talk.mp4\" type=\"video/mp4\"></video>\n\n<p>Inline <iframe src=\"https://example.org/map\" title=\"A map of the walk\"></iframe>.</p>\n\n![](https://example.org/remote.png)\n",
    ));
    for href in [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://vimeo.com/76979871",
        "https://example.org/talk.mp4",
        "https://example.org/map",
        "https://example.org/remote.png",
    ] {
        assert!(
            b.page.contains(&format!("<a href=\"{href}\">")),
            "{href}:\n{}",
            b.page
        );
    }
    shows(&b, &["Inline A map of the walk."]);
    warns(
        &b,
        &["`<iframe>` cannot play in a book", "essays/two.md:3:1"],
    );
    hides(&b, &["<p></p>", "<div></div>"]);
}

#[test]
fn email_autolinks_are_links_everywhere() {
    let p = essay(
        "---\ntitle: Two\nsource: Sent by <Ann.Lee@Example.com>\n---\nWrite to <me@example.com>.\n\n<div>Or to <Ann.Lee@Example.com> today.</div>\n",
    )
    .file(
        "anthology.yaml",
        "title: Minimal\nlanguage: en\nsources: true\ncontents:\n  - essays/one.md\n  - essays/two.md\n",
    );
    let b = build(&p);
    assert!(
        b.page
            .contains("<a href=\"mailto:me@example.com\">me@example.com</a>"),
        "{}",
        b.page
    );
    assert!(
        b.page
            .contains("<a href=\"mailto:Ann.Lee@Example.com\">Ann.Lee@Example.com</a> today"),
        "{}",
        b.page
    );
    let sources = unzip_text(&p.path().join("out.epub"))
        .remove("EPUB/text/sources.xhtml")
        .expect("a sources page");
    assert!(
        sources.contains("<a href=\"mailto:Ann.Lee@Example.com\">"),
        "{sources}"
    );
}

// ---- ids ------------------------------------------------------------------------------------

#[test]
fn author_ids_never_take_the_notes_ids() {
    // EPUBCheck (RSC-005) would refuse a duplicate id: `assert_valid` in `build` says so.
    let b = build(&essay(
        "# Two\n\n## Fn 1\n\n## Fnref 1 {#fnref-1}\n\nA note.[^1] Another.[^2]\n\n<span id=\"fn-2\">span</span> <a name=\"fnref-2\">anchor</a>\n\n## Heading {#fn-1}\n\n[^1]: One.\n[^2]: Two.\n",
    ));
    assert!(b.page.contains("id=\"two-fn-1\""), "{}", b.page);
    assert!(b.page.contains("id=\"two_fn-1\""), "{}", b.page);
}

#[test]
fn markers_written_by_the_author_cannot_panic() {
    // A position marker of the old staging, pointing inside a multi-byte character.
    let p = essay(
        "# Two\n\nééééééééé\n\n<p><!--anth:10-->é<svg></svg> <a data-anth-at=\"10\" href=\"nowhere.md\">x</a></p>\n",
    );
    let b = build(&p);
    shows(&b, &["ééééééééé", "é x"]);
}

#[test]
fn a_note_nobody_refers_to_is_shown_where_readers_show_text() {
    // Readers that show notes only as pop-ups hide every footnote `aside`: a note no
    // reference leads to would never be seen. Its warning says where it is.
    let b = build(&essay(
        "# Two\n\nText.[^a]\n\n[^a]: Referred to.\n\n[^b]: Nobody refers to this.\n\n[^a]: Twice.\n",
    ));
    shows(&b, &["Referred to.", "Nobody refers to this.", "Twice."]);
    assert_eq!(b.page.matches("<aside").count(), 1, "{}", b.page);
    assert_eq!(
        b.page
            .matches("<div class=\"footnote unreferenced\">")
            .count(),
        2,
        "{}",
        b.page
    );
    warns(
        &b,
        &[
            "the footnote `[^b]` is never referenced",
            "essays/two.md:7:1",
            "the footnote `[^a]` is defined twice",
            "essays/two.md:9:1",
        ],
    );
}

#[test]
fn warnings_in_html_blocks_after_blank_lines_name_their_own_line() {
    // Each HTML block is staged without the blank lines before it: a warning about its tag
    // must still name its line, not the blank line above.
    let p = essay(
        "# Two\n\n<p>Raw <img alt=\"no source\"> here.</p>\n\n<img src=\"https://example.com/a.png\" alt=\"\">\n\n\n<img alt=\"late\">\n",
    );
    let b = build(&p);
    let lines: Vec<&str> = b
        .stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("--> essays/two.md:"))
        .collect();
    assert_eq!(lines, ["3:1", "5:1", "8:1"], "{}", b.stderr);
}
