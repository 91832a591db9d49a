//! The converter's promises, tested on generated input: whatever the Markdown and raw HTML,
//! the chapter is well-formed XML, its ids are unique, and its fragment links lead somewhere.

use proptest::prelude::*;

use super::testing::{Fixture, check_sound};
use super::*;

fn fixture() -> Fixture {
    Fixture::new()
}

fn convert_text(f: &Fixture, markdown: &str) -> (Option<Chapter>, Vec<Diagnostic>) {
    f.convert(markdown)
}

#[track_caller]
fn assert_sound(body: &str) {
    if let Err(problem) = check_sound(body) {
        panic!("{problem}:\n{body}");
    }
}

const TOKENS: &[&str] = &[
    "# ",
    "## ",
    "### ",
    "\n",
    "\n\n",
    "*",
    "_",
    "**",
    "`",
    "```",
    "~~",
    "[",
    "]",
    "(",
    ")",
    "](",
    "![",
    "[^1]",
    "[^1]: ",
    "[^n]",
    "\n[^n]: note\n",
    "> ",
    "- ",
    "1. ",
    "- [ ] ",
    "| a | b |\n|---|---|\n",
    "|",
    "---",
    "\\",
    "{#id}",
    "{#e}",
    " {.cls}",
    "Term\n: def\n",
    "text",
    "more words",
    "é",
    "שלום",
    "👩‍👩‍👧",
    "\u{0}",
    "\u{1}",
    "\u{FFFE}",
    "\r",
    "\t",
    "    ",
    "&amp;",
    "&nbsp;",
    "&#xD800;",
    "&#0;",
    "&",
    "<",
    ">",
    "\"",
    "'",
    "=",
    "<div>",
    "</div>",
    "<p>",
    "</p>",
    "<span>",
    "</span>",
    "<br>",
    "<b>",
    "</b>",
    "<i>",
    "<em>",
    "</em>",
    "<a href=\"#x\">",
    "<a href=\"#id\">",
    "</a>",
    "<a name=\"n\">",
    "<img src=x.png>",
    "<img src=\"x.png\" alt=\"\">",
    "<img>",
    "<!--",
    "-->",
    "<!-- x -- y -->",
    "<!-- hidden secretword -->",
    "\n<!-- several\nlines of secretword\n\nand more -->\n",
    "<p>shown <!-- secretword\n",
    "<!--anth:10-->é",
    "data-anth-at=\"3\"",
    "<anth-ref data-label=\"1\"></anth-ref>",
    "<title>",
    "<textarea>",
    "<xmp>",
    "</xmp>",
    "<plaintext>",
    "<noscript>",
    "<div\n  class=\"c\">",
    "<img\n src=\"x.png\" alt=\"two\nlines\">",
    "<?php x ?>",
    "<![CDATA[ x ]]>",
    "<x@example.org>",
    "{.wide}",
    "\n{: .c}\n",
    "```c++\n",
    "<script>",
    "</script>",
    "<style>",
    "<iframe>",
    "<table>",
    "<tr>",
    "<td>",
    "<th>",
    "</table>",
    "<ul>",
    "<ol>",
    "<li>",
    "</ul>",
    "<dl>",
    "<dt>",
    "<dd>",
    "<svg><circle/></svg>",
    "<math><mi>x</mi></math>",
    "<h1>",
    "</h1>",
    "<h2 id=\"a\">",
    "</h2>",
    "<h2 id=\"e\">",
    "<center>",
    "<font color=red>",
    "<custom-el>",
    "<ruby>",
    "<rt>",
    "<pre>",
    "<code>",
    "<blockquote>",
    "<section>",
    "<form><input></form>",
    "<button>",
    "<select><option>",
    "<a href=\"javascript:x\">",
    "<div onclick=x>",
    "<p style=\"x\">",
    "[x](#x)",
    "[y](other.md#a)",
    "[z](other.md)",
    "[w](e.md#id)",
    "[v](missing.md)",
    "[j](javascript:alert(1))",
    "![alt](x.png)",
    "![r](https://e.org/x.png)",
    "<x:y>",
    "<?php ?>",
    "<![CDATA[x]]>",
    "<!DOCTYPE html>",
    "<html>",
    "<body>",
    "<head>",
    "<title>",
    "<base href=x>",
    "<a href=\"#fn-1\">",
];

fn markdown() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![4 => prop::sample::select(TOKENS).prop_map(str::to_string), 1 => "\\PC{0,8}"],
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    // 2,000 cases in every test run; PROPTEST_CASES=100000 for a long search.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_markdown_gives_sound_xhtml(md in markdown()) {
        let f = fixture();
        let (chapter, diags) = convert_text(&f, &md);
        match chapter {
            Some(c) => {
                assert_sound(&c.body);
                if let Err(problem) = super::testing::check_faithful(&md, &c.body) {
                    panic!("{problem}:\n{}", c.body);
                }
            }
            // The only errors generated input can cause: a missing image, a file that is no image.
            None => prop_assert!(diags.iter().any(|d| d.is_error() && (d.code == "missing-image" || d.code == "not-an-image" || d.code == "image-path"))),
        }
    }

    #[test]
    fn any_text_gives_sound_xhtml(text in "\\PC{0,200}") {
        let f = fixture();
        if let (Some(c), _) = convert_text(&f, &text) {
            assert_sound(&c.body);
        }
    }
}

#[test]
fn title_heading_is_not_printed_twice() {
    let f = fixture();
    let (c, _) = convert_text(&f, "# A Title\n\nBody.\n");
    let body = c.unwrap().body;
    assert_eq!(body.matches("A Title").count(), 1, "{body}");
}

#[test]
fn sections_move_below_the_title() {
    let f = fixture();
    let (c, _) = convert_text(&f, "# One\n\n## Two\n");
    let c = c.unwrap();
    assert!(
        c.body.contains("<h2 id=\"e_one\">One</h2>")
            && c.body.contains("<h3 id=\"e_two\">Two</h3>"),
        "{}",
        c.body
    );
    assert_eq!(
        c.toc
            .iter()
            .map(|t| (t.level, t.title.as_str()))
            .collect::<Vec<_>>(),
        [(2, "One"), (3, "Two")]
    );
}

#[test]
fn notes_are_pop_ups_with_backlinks() {
    let f = fixture();
    let (c, _) = convert_text(&f, "Text.[^a] More.[^a]\n\n[^a]: The note.\n");
    let body = c.unwrap().body;
    assert!(
        body.contains(
            "epub:type=\"noteref\" role=\"doc-noteref\" id=\"e-fnref-1\" href=\"#e-fn-1\""
        ),
        "{body}"
    );
    assert!(body.contains("id=\"e-fnref-1-2\""), "{body}");
    assert!(body.contains("<aside class=\"footnote\" epub:type=\"footnote\" role=\"doc-footnote\" id=\"e-fn-1\"><p><a class=\"note-number\" href=\"#e-fnref-1\" role=\"doc-backlink\">1</a> The note.</p>"), "{body}");
}

#[test]
fn explicit_and_github_anchors_resolve() {
    let f = fixture();
    let (c, diags) = convert_text(
        &f,
        "## Self-Reliance & Co {#sr}\n\n[a](#sr) [b](#self-reliance--co) [c](#self-reliance-co)\n",
    );
    let body = c.unwrap().body;
    assert_eq!(body.matches("href=\"#e_sr\"").count(), 3, "{body}");
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn control_characters_and_bad_entities_are_dropped() {
    let f = fixture();
    let (c, _) = convert_text(&f, "a\u{1}b &#0; &#xD800; <b>c\u{2}</b>\n");
    let body = c.unwrap().body;
    assert_sound(&body);
    assert!(
        !body.contains('\u{1}') && !body.contains('\u{2}'),
        "{body:?}"
    );
}

/// Inputs the property tests once found wrong, kept as regressions.
#[test]
fn regressions() {
    let f = fixture();
    for md in [
        "[^1]: [^1]: *[^1]",
        "[^1]: <ul>\n[^n]: note\n",
        "\n[^n]: note\n\n[^n]: note\n<svg><circle/></svg>[^n]# ",
    ] {
        if let (Some(c), _) = convert_text(&f, md) {
            assert_sound(&c.body);
        }
    }
}

#[test]
fn packed_anchors_find_every_name_and_nothing_else() {
    let map: HashMap<String, String> = ["b", "a", "ß", "a-2", ""]
        .iter()
        .map(|n| (n.to_string(), format!("essay_{n}")))
        .collect();
    let packed = super::Anchors::pack(map.clone());
    for (name, id) in &map {
        assert_eq!(packed.get(name), Some(id.as_str()), "{name}");
    }
    assert_eq!(packed.get("c"), None);
    assert_eq!(packed.get("a-"), None);
    assert_eq!(super::Anchors::default().get("a"), None);
}
