//! The book beyond its essays: front and back matter, generated and given covers, themes,
//! embedded fonts, and the rules of Kindle, Kobo and Apple Books. Every book is checked by
//! EPUBCheck; every bad value is an error (or a warning) at its `file:line:col`.

#![allow(clippy::disallowed_methods)] // Tests read what they built.

mod common;

use std::io::Cursor;

use common::{Project, assert_valid, minimal, repo, unzip, unzip_text};

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([90, 40, 30]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn file(epub: &std::path::Path, name: &str) -> Vec<u8> {
    unzip(epub)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} missing"))
        .1
}

const MANIFEST: &str =
    "title: Minimal\nlanguage: en\ncreators:\n  - name: Ed Itor\n    role: editor\n";

// ---- covers --------------------------------------------------------------------------------

#[test]
fn a_book_without_a_cover_gets_one_the_same_every_time() {
    let p = minimal();
    p.run(&["build", ".", "-o", "a.epub"]).success();
    p.run(&["build", ".", "-o", "b.epub"]).success();
    let a = std::fs::read(p.path().join("a.epub")).unwrap();
    assert_eq!(a, std::fs::read(p.path().join("b.epub")).unwrap());
    let epub = p.path().join("a.epub");
    let cover = file(&epub, "EPUB/images/cover.png");
    let img = image::load_from_memory(&cover).unwrap();
    assert_eq!((img.width(), img.height()), (1600, 2560));
    let files = unzip_text(&epub);
    let opf = &files["EPUB/content.opf"];
    assert!(opf.contains("properties=\"cover-image\""), "{opf}");
    assert!(opf.contains("<meta name=\"cover\" content=\"cover-image\"/>"));
    assert!(files["EPUB/text/cover.xhtml"].contains("alt=\"Cover: Minimal\""));
    assert_valid(&epub);
}

#[test]
fn a_title_the_typeface_cannot_draw_gives_a_titleless_cover_and_a_warning() {
    let p = minimal().file(
        "anthology.yaml",
        "title: 读书笔记\nlanguage: zh\ncontents:\n  - essays/one.md\n",
    );
    let run = p.run(&["build", ".", "-o", "book.epub"]);
    run.success();
    assert!(
        run.stderr
            .contains("warning: the generated cover's typeface has no letters for `读书笔记`")
            && run.stderr.contains("anthology.yaml:1:8"),
        "{}",
        run.stderr
    );
    let epub = p.path().join("book.epub");
    let cover = image::load_from_memory(&file(&epub, "EPUB/images/cover.png")).unwrap();
    assert_eq!((cover.width(), cover.height()), (1600, 2560));
    // Title-less: the middle of the cover, where a title would stand, is the plain paper.
    let rgb = cover.to_rgb8();
    let paper = *rgb.get_pixel(800, 200);
    let inked = (300..1300)
        .flat_map(|x| (900..1090).map(move |y| (x, y)))
        .filter(|&(x, y)| *rgb.get_pixel(x, y) != paper)
        .count();
    assert_eq!(inked, 0, "nothing is drawn where the title would be");
    assert_valid(&epub);
}

#[test]
fn a_title_too_long_for_the_cover_is_cut_and_warned_about() {
    let title = "Marginalia and Other Notes on Reading ".repeat(2_000);
    let p = minimal().file(
        "anthology.yaml",
        format!(
            "language: en\ntitle: \"{}\"\ncontents:\n  - essays/one.md\n",
            title.trim()
        ),
    );
    let run = p.run(&["build", ".", "-o", "book.epub"]);
    run.success();
    assert!(
        run.stderr.contains(
            "warning: the title is too long for the generated cover, which shows only its start\n --> anthology.yaml:2:8"
        ),
        "{}",
        run.stderr
    );
    let epub = p.path().join("book.epub");
    let cover = image::load_from_memory(&file(&epub, "EPUB/images/cover.png")).unwrap();
    assert_eq!((cover.width(), cover.height()), (1600, 2560));
    // The cover shows the start, and the book keeps the whole title.
    assert!(unzip_text(&epub)["EPUB/content.opf"].contains(title.trim()));
    assert_valid(&epub);
    // A title that fits says nothing.
    let run = minimal().run(&["check", "."]);
    assert!(!run.stderr.contains("too long"), "{}", run.stderr);
}

#[test]
fn a_given_cover_is_checked() {
    // A PNG signature with nothing after it.
    let p = minimal().file("cover.png", b"\x89PNG\r\n\x1a\n").file(
        "anthology.yaml",
        format!("{MANIFEST}cover: cover.png\ncontents:\n  - essays/one.md\n"),
    );
    let run = p.run(&["check", "."]);
    run.failure();
    assert!(
        run.stderr.contains("is a damaged image") && run.stderr.contains("anthology.yaml:6:8"),
        "{}",
        run.stderr
    );

    // Larger than Apple Books takes: a warning with its size, and the book is still made.
    let p = minimal().file("cover.png", png(2100, 2100)).file(
        "anthology.yaml",
        format!("{MANIFEST}cover: cover.png\ncontents:\n  - essays/one.md\n"),
    );
    let run = p.run(&["build", ".", "-o", "book.epub"]);
    run.success();
    assert!(
        run.stderr.contains("the cover (2100×2100 pixels, ")
            && run.stderr.contains("has more than 4 megapixels")
            && run.stderr.contains("anthology.yaml:6:8"),
        "{}",
        run.stderr
    );
    assert_valid(&p.path().join("book.epub"));
}

#[test]
fn images_too_large_for_readers_are_warnings_at_their_line() {
    let p = minimal().file("essays/big.png", png(2100, 2100)).file(
        "essays/one.md",
        "---\ntitle: One\n---\n\nText.\n\n![A large picture](big.png)\n",
    );
    let run = p.run(&["check", "."]);
    run.success();
    assert!(
        run.stderr.contains("the image `big.png` (2100×2100 pixels")
            && run.stderr.contains("essays/one.md:7:1"),
        "{}",
        run.stderr
    );
}

// ---- front and back matter -------------------------------------------------------------------

fn matter_book() -> Project {
    Project::new()
        .file(
            "anthology.yaml",
            "title: Matter\nlanguage: en\npublisher: Fixture Press\ndate: 2024\nrights: © 2024 the authors\nisbn: 978-0-306-40615-7\n\
             creators:\n  - name: Ed Itor\n    role: editor\n\
             dedication: \"For *you*,\\nand them\"\n\
             epigraph:\n  text: Words & <more>\n  cite: Someone, *A Book*\n\
             contributors:\n  - name: A. Writer\n    bio: Writes *essays*.\n    url: https://example.org/a\n  - name: Ed Itor\n    bio: Edits.\n\
             sources: With thanks.\ncolophon: Set with care.\n\
             contents:\n  - file: essays/foreword.md\n    type: foreword\n  - part: The Body\n    essays:\n      - essays/one.md\n  - file: essays/after.md\n    type: afterword\n",
        )
        .file("essays/foreword.md", "---\ntitle: Foreword\nauthor: Ed Itor\n---\n\nBefore.\n")
        .file(
            "essays/one.md",
            "---\ntitle: One\nauthor: A. Writer\nsource: First published in *The Review*\ndate: 2019-05\nrights: © 2019 A. Writer\nepigraph:\n  text: \"A line\\nand another\"\n  cite: Poet\n---\n\nThe essay.\n\n## A section\n\n### Deeper\n\n#### Deepest\n\nText.\n",
        )
        .file("essays/after.md", "---\ntitle: Afterword\nauthor: Ed Itor\n---\n\nAfter.\n")
}

#[test]
fn front_and_back_matter_stand_where_they_belong() {
    let p = matter_book();
    let run = p.run(&["build", ".", "-o", "book.epub"]);
    run.success();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    let epub = p.path().join("book.epub");
    assert_valid(&epub);
    let files = unzip_text(&epub);
    let opf = &files["EPUB/content.opf"];
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
            "ch-foreword",
            "part-1",
            "ch-one",
            "ch-after",
            "sources",
            "contributors",
            "colophon"
        ]
    );

    let foreword = &files["EPUB/text/foreword.xhtml"];
    assert!(foreword.contains(
        "<section class=\"essay foreword\" epub:type=\"foreword\" role=\"doc-foreword\""
    ));
    let one = &files["EPUB/text/one.xhtml"];
    assert!(one.contains("epub:type=\"chapter\" role=\"doc-chapter\""));
    assert!(one.contains(
        "<p class=\"byline\" epub:type=\"contributors\"><span class=\"author\">A. Writer</span></p>"
    ));
    assert!(one.contains("<blockquote class=\"epigraph\" epub:type=\"epigraph\" role=\"doc-epigraph\"><p>A line<br/>and another</p><p class=\"epigraph-cite\"><cite>Poet</cite></p></blockquote>"), "{one}");
    assert!(
        files["EPUB/text/after.xhtml"].contains("epub:type=\"afterword\" role=\"doc-afterword\"")
    );

    let dedication = &files["EPUB/text/dedication.xhtml"];
    assert!(
        dedication.contains("<p>For <i>you</i>,<br/>and them</p>"),
        "{dedication}"
    );
    let epigraph = &files["EPUB/text/epigraph.xhtml"];
    assert!(epigraph.contains("<p>Words &amp; &lt;more&gt;</p><p class=\"epigraph-cite\"><cite>Someone, <i>A Book</i></cite></p>"), "{epigraph}");

    let sources = &files["EPUB/text/sources.xhtml"];
    assert!(sources.contains("<p class=\"sources-note\">With thanks.</p>"));
    assert!(
        sources.contains("<a class=\"source-title\" href=\"one.xhtml\">One</a>, <span class=\"source-author\">A. Writer</span>. First published in <i>The Review</i>, 2019. © 2019 A. Writer.</p>"),
        "{sources}"
    );

    let contributors = &files["EPUB/text/contributors.xhtml"];
    // Sorted by family name: Itor before Writer; each with bio, site and essays.
    let itor = contributors.find(">Ed Itor</h2>").unwrap();
    let writer = contributors.find(">A. Writer</h2>").unwrap();
    assert!(itor < writer, "{contributors}");
    assert!(contributors.contains("<p class=\"bio\">Writes <i>essays</i>.</p><p class=\"contributor-site\"><a href=\"https://example.org/a\">example.org/a</a></p>"), "{contributors}");
    assert!(contributors.contains("<li><a href=\"foreword.xhtml\">Foreword</a></li><li><a href=\"after.xhtml\">Afterword</a></li>"));

    let colophon = &files["EPUB/text/colophon.xhtml"];
    for expected in [
        "<i>Matter</i>",
        "Edited by <span class=\"name\">Ed Itor</span>",
        "© 2024 the authors",
        "Published by Fixture Press, 2024.",
        "ISBN 9780306406157",
        "<p class=\"colophon-note\">Set with care.</p>",
        "Made with anthology.",
    ] {
        assert!(colophon.contains(expected), "{expected} in {colophon}");
    }

    // Landmarks: one epub:type each, in reading order; the body starts at the part.
    let nav = &files["EPUB/nav.xhtml"];
    let landmarks = &nav[nav.find("epub:type=\"landmarks\"").unwrap()..];
    let kinds: Vec<&str> = landmarks
        .split("<a epub:type=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "cover",
            "titlepage",
            "dedication",
            "epigraph",
            "toc",
            "foreword",
            "bodymatter",
            "afterword",
            "acknowledgments",
            "contributors",
            "colophon"
        ]
    );
    assert!(landmarks.contains("<a epub:type=\"bodymatter\" href=\"text/part-1.xhtml\">"));
    assert!(opf.contains(
        "<reference type=\"text\" title=\"Start of the book\" href=\"text/part-1.xhtml\"/>"
    ));
    assert!(opf.contains("<reference type=\"foreword\""));
    assert!(opf.contains("<reference type=\"colophon\""));

    // The NCX follows the spine and nests two levels, as Kindle shows them.
    let ncx = &files["EPUB/toc.ncx"];
    assert!(ncx.contains("<meta name=\"dtb:depth\" content=\"2\"/>"));
    let srcs: Vec<&str> = ncx
        .split("<content src=\"")
        .skip(1)
        .map(|s| s.split(['"', '#']).next().unwrap())
        .collect();
    let order: Vec<&str> = spine
        .iter()
        .map(|id| id.trim_start_matches("ch-"))
        .collect();
    let mut last = 0;
    for src in &srcs {
        let name = src.trim_start_matches("text/").trim_end_matches(".xhtml");
        let at = order.iter().position(|o| *o == name).unwrap();
        assert!(at >= last, "{src} out of spine order");
        last = at;
    }
    let doc = roxmltree::Document::parse(ncx).unwrap();
    let deepest = doc
        .descendants()
        .filter(|n| n.has_tag_name("navPoint"))
        .map(|n| n.ancestors().filter(|a| a.has_tag_name("navPoint")).count())
        .max()
        .unwrap();
    assert_eq!(deepest, 2, "{ncx}");
    // The section under the essay under the part: third in the nav, second in the NCX.
    assert!(
        ncx.contains("<text>A section</text>"),
        "flattened, not dropped"
    );
    assert!(files["EPUB/nav.xhtml"].contains("A section"));
}

#[test]
fn matter_in_the_wrong_place_is_an_error_at_its_type() {
    let p = matter_book().file(
        "anthology.yaml",
        "title: Matter\nlanguage: en\ncontents:\n  - file: essays/after.md\n    type: afterword\n  - essays/one.md\n  - part: P\n    essays:\n      - file: essays/foreword.md\n        type: foreword\n  - file: essays/one.md\n    type: prefase\n",
    );
    let run = p.run(&["check", "."]);
    run.failure();
    for expected in [
        "error: a chapter stands after the back matter\n --> anthology.yaml:6:5",
        "error: a foreword cannot stand inside a part\n  --> anthology.yaml:10:15",
        "error: a part stands after the back matter\n --> anthology.yaml:7:11",
        "error: unknown essay type `prefase`\n  --> anthology.yaml:12:11",
        "did you mean `preface`?",
    ] {
        assert!(run.stderr.contains(expected), "{expected}\n{}", run.stderr);
    }
}

#[test]
fn bad_matter_values_are_errors_at_their_place() {
    let p = minimal().file(
        "anthology.yaml",
        "title: M\nlanguage: en\ncontributors:\n  - name: A\n    url: example.org\n    biography: x\nepigraph:\n  txt: hello\n  text: \"\"\ncolophon: \"\"\ncontents:\n  - essays/one.md\n",
    );
    let run = p.run(&["check", "."]);
    run.failure();
    for expected in [
        "warning: `example.org` is left out of the book: it is not a valid web address",
        "--> anthology.yaml:5:10",
        "error: unknown key `biography` in a contributor\n --> anthology.yaml:6:5",
        "did you mean `bio`?",
        "error: unknown key `txt` in `epigraph`\n --> anthology.yaml:8:3",
        "error: `epigraph.text` is empty\n --> anthology.yaml:9:9",
        "error: `colophon` is empty\n  --> anthology.yaml:10:11",
    ] {
        assert!(run.stderr.contains(expected), "{expected}\n{}", run.stderr);
    }
}

#[test]
fn addresses_a_reader_would_refuse_are_left_out_with_a_warning() {
    let bad = [
        "https:evil.example",
        "http://",
        "https://[::1",
        ":99999",
        "exa%mple.com",
    ];
    let mut manifest = String::from("title: Links\nlanguage: en\ncontributors:\n");
    for (i, url) in bad.iter().enumerate() {
        manifest.push_str(&format!("  - name: Writer {i}\n    url: \"{url}\"\n"));
    }
    manifest.push_str(
        "  - name: Good Writer\n    url: https://example.org/good\ncontents:\n  - essays/one.md\n",
    );
    let p = minimal().file("anthology.yaml", manifest);
    let run = p.run(&["build", ".", "-o", "book.epub"]);
    run.success();
    for (i, url) in bad.iter().enumerate() {
        let expected =
            format!("warning: `{url}` is left out of the book: it is not a valid web address");
        let at = format!("--> anthology.yaml:{}:10", 5 + 2 * i);
        let found = run
            .stderr
            .find(&expected)
            .unwrap_or_else(|| panic!("{expected}\n{}", run.stderr));
        assert!(run.stderr[found..].contains(&at), "{at}\n{}", run.stderr);
    }
    let epub = p.path().join("book.epub");
    let page = &unzip_text(&epub)["EPUB/text/contributors.xhtml"];
    for i in 0..bad.len() {
        assert!(
            page.contains(&format!(">Writer {i}</h2>")),
            "the name stays: {page}"
        );
    }
    assert_eq!(page.matches("<a href=\"http").count(), 1, "{page}");
    assert!(
        page.contains("<a href=\"https://example.org/good\">"),
        "{page}"
    );
    assert_valid(&epub);
}

// ---- themes, style sheets, fonts ----------------------------------------------------------

#[test]
fn every_theme_builds_a_valid_book() {
    let run = minimal().run(&["themes"]);
    run.success();
    for theme in ["classic", "modern", "large-print"] {
        assert!(run.stdout.contains(theme), "{}", run.stdout);
        let p = minimal().file(
            "anthology.yaml",
            format!("{MANIFEST}style: {theme}\ncontents:\n  - essays/one.md\n"),
        );
        p.run(&["build", ".", "-o", "book.epub"]).success();
        let epub = p.path().join("book.epub");
        let css = &unzip_text(&epub)["EPUB/styles/book.css"];
        assert!(css.starts_with(&format!("/* {theme} —")), "{theme}: {css}");
        assert_valid(&epub);
    }
}

#[test]
fn an_unknown_theme_is_an_error_at_its_place() {
    let p = minimal().file(
        "anthology.yaml",
        format!("{MANIFEST}style: moden\ncontents:\n  - essays/one.md\n"),
    );
    let run = p.run(&["check", "."]);
    run.failure();
    assert!(
        run.stderr
            .contains("error: unknown theme `moden`\n --> anthology.yaml:6:8")
            && run.stderr.contains("did you mean `modern`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn extra_css_is_added_cleaned_and_checked() {
    let p = minimal()
        .file(
            "extra.css",
            "h1 { color: #222; }\n.x { display: flex; background: url(http://e.vil/x.png); }\n",
        )
        .file(
            "anthology.yaml",
            format!(
                "{MANIFEST}style: modern\nextra-css: extra.css\ncontents:\n  - essays/one.md\n"
            ),
        );
    let run = p.run(&["build", ".", "-o", "book.epub"]);
    run.success();
    assert!(
        run.stderr.contains(
            "warning: `display: flex` is known to break some e-readers\n --> extra.css:2:6"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`url()` removed from the style sheet\n --> extra.css:2:33"),
        "{}",
        run.stderr
    );
    let epub = p.path().join("book.epub");
    let css = &unzip_text(&epub)["EPUB/styles/book.css"];
    assert!(css.starts_with("/* modern"));
    assert!(css.contains("h1 { color: #222; }"));
    assert!(!css.contains("e.vil"));
    assert_valid(&epub);

    let p = minimal().file(
        "anthology.yaml",
        format!("{MANIFEST}extra-css: missing.css\ncontents:\n  - essays/one.md\n"),
    );
    let run = p.run(&["check", "."]);
    run.failure();
    assert!(run.stderr.contains("anthology.yaml:6:12"), "{}", run.stderr);
}

fn font() -> Vec<u8> {
    std::fs::read(repo().join("tests/fixtures/kitchen-sink/fonts/Caladea-Regular.ttf")).unwrap()
}

#[test]
fn fonts_are_embedded_for_every_reader() {
    let p = minimal().file("fonts/Body Text.ttf", font()).file(
        "anthology.yaml",
        format!("{MANIFEST}fonts:\n  - fonts/Body Text.ttf\ncontents:\n  - essays/one.md\n"),
    );
    let run = p.run(&["build", ".", "-o", "book.epub"]);
    run.success();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    let epub = p.path().join("book.epub");
    let files = unzip_text(&epub);
    // A safe file name, the media type read from the file, and rules that use it.
    assert!(
        files["EPUB/content.opf"].contains("href=\"fonts/body-text.ttf\" media-type=\"font/ttf\""),
        "{}",
        files["EPUB/content.opf"]
    );
    let css = &files["EPUB/styles/book.css"];
    assert!(css.contains("@font-face {\n  font-family: \"Caladea\";\n  font-weight: 400;\n  font-style: normal;\n  src: url(\"../fonts/body-text.ttf\") format(\"truetype\");\n}"), "{css}");
    assert!(css.contains("body {\n  font-family: \"Caladea\", serif;\n}"));
    let apple = &files["META-INF/com.apple.ibooks.display-options.xml"];
    assert!(apple.contains("<option name=\"specified-fonts\">true</option>"));
    assert_valid(&epub);
}

#[test]
fn a_missing_font_or_one_that_is_not_a_font_is_an_error() {
    let p = minimal().file("fonts/fake.otf", "not a font at all").file(
        "anthology.yaml",
        format!("{MANIFEST}fonts:\n  - fonts/gone.ttf\n  - fonts/fake.otf\ncontents:\n  - essays/one.md\n"),
    );
    let run = p.run(&["build", ".", "-o", "book.epub"]);
    run.failure();
    assert!(
        run.stderr
            .contains("error: font `fonts/gone.ttf`: no such file\n --> anthology.yaml:7:5"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("error: `fonts/fake.otf` is not a font\n --> anthology.yaml:8:5"),
        "{}",
        run.stderr
    );
    assert!(!p.path().join("book.epub").exists());
}

// ---- what readers need -----------------------------------------------------------------------

#[test]
fn every_file_says_it_is_utf8_and_every_link_says_something() {
    let p = matter_book().file(
        "essays/one.md",
        "---\ntitle: One\nauthor: A. Writer\n---\n\nAn [](https://example.org/empty) link.\n",
    );
    p.run(&["build", ".", "-o", "book.epub"]).success();
    let epub = p.path().join("book.epub");
    assert_valid(&epub);
    for (name, text) in unzip_text(&epub) {
        if name.ends_with(".css") {
            continue;
        }
        assert!(
            text.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
            "{name} has no UTF-8 declaration"
        );
        assert!(!name.contains(' '), "{name}");
        if name.ends_with(".xhtml") {
            assert!(text.contains(" lang=\""), "{name} has no lang");
            assert!(!text.contains("<title></title>"), "{name} has no title");
            assert!(
                !text.contains("<img ") || !text.contains("<img alt"),
                "{name}"
            );
            assert!(
                !text.contains("\"></a>"),
                "{name} has an empty link:\n{text}"
            );
        }
    }
    let one = &unzip_text(&epub)["EPUB/text/one.xhtml"];
    assert!(
        one.contains("<a href=\"https://example.org/empty\">https://example.org/empty</a>"),
        "{one}"
    );
}

#[test]
fn awkward_input_is_warned_about_and_the_book_keeps_the_readers_rules() {
    // File names with spaces and accents, images without a source, an image too large for
    // Apple Books in raw HTML, headings six levels deep listed in the contents, and a note.
    let p = Project::new()
        .file(
            "anthology.yaml",
            "title: Awkward <&> Names\nlanguage: en\ntoc-depth: 6\ncontents:\n  - \"essays/My Essay (draft) #2.md\"\n  - essays/Ünïcode näme.md\n",
        )
        .file("essays/Pics/Fig 1 ü.png", png(2100, 2100))
        .file("essays/Pics/small (a).png", png(40, 30))
        .file(
            "essays/My Essay (draft) #2.md",
            "---\ntitle: My Essay\nauthor: A. Writer\n---\n\nA note.[^n] See [the other](<Ünïcode näme.md#deep-one>).\n\n\
             ![A small picture](<Pics/small (a).png>)\n\n\
             <p>Raw <img alt=\"no source\"> and <img src=\"\" alt=\"empty\"> here.</p>\n\n\
             <img src=\"Pics/Fig 1 ü.png\" alt=\"A large picture\">\n\n\
             ## Two\n\n### Three\n\n#### Four\n\n##### Five\n\n###### Six\n\n[^n]: The note.\n",
        )
        .file("essays/Ünïcode näme.md", "# Other\n\n## Deep one\n\nText.\n");
    let check = p.run(&["check", "."]);
    check.success();
    assert_eq!(
        check
            .stderr
            .matches("warning: an image has no source; its alt text is kept\n  --> essays/My Essay (draft) #2.md:10:")
            .count(),
        2,
        "{}",
        check.stderr
    );
    assert!(
        check
            .stderr
            .contains("warning: the image `Pics/Fig 1 ü.png` (2100×2100 pixels, ")
            && check.stderr.contains("has more than 4 megapixels")
            && check.stderr.contains("essays/My Essay (draft) #2.md:12:1"),
        "{}",
        check.stderr
    );
    let run = p.run(&["build", ".", "-o", "book.epub"]);
    run.success();
    let epub = p.path().join("book.epub");
    // EPUBCheck, then every rule of Kindle, Apple Books and Kobo (`assert_for_readers`).
    assert_valid(&epub);
    let names: Vec<String> = unzip(&epub).into_iter().map(|(n, _)| n).collect();
    for expected in [
        "EPUB/text/my-essay-draft-2.xhtml",
        "EPUB/text/unicode-name.xhtml",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
    }
    let files = unzip_text(&epub);
    let essay = &files["EPUB/text/my-essay-draft-2.xhtml"];
    assert!(
        essay.contains("<p>Raw <span class=\"image-alt\">no source</span> and <span class=\"image-alt\">empty</span> here.</p>"),
        "{essay}"
    );
    assert_eq!(essay.matches("<img src=\"../images/").count(), 2, "{essay}");
    // The nav lists all five levels; the NCX keeps them all, at two.
    assert!(files["EPUB/nav.xhtml"].contains(">Six</a>"));
    let ncx = &files["EPUB/toc.ncx"];
    for heading in ["Two", "Three", "Four", "Five", "Six"] {
        assert!(
            ncx.contains(&format!("<text>{heading}</text>")),
            "{heading}: {ncx}"
        );
    }
}
