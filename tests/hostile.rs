//! Hostile input: manifests written by hand, essays pasted from web pages, files in odd
//! encodings, paths that try to leave the collection. Every case gets either a book that
//! EPUBCheck passes and that carries nothing hostile, or exit code 1 with a message naming the
//! culprit and no file written (an existing book left as it was). Never a panic.

#![allow(clippy::disallowed_methods)] // Tests read what they built.

mod common;

use common::{Project, assert_valid, minimal, unzip_text};

const SENTINEL: &[u8] = b"an earlier, good book";

/// The build refuses: exit 1, each message on stderr, the existing book untouched, nothing new.
#[track_caller]
fn refused(p: &Project, messages: &[&str]) {
    std::fs::write(p.path().join("out.epub"), SENTINEL).unwrap();
    let before = listing(p);
    let run = p.run(&["build", ".", "-o", "out.epub"]);
    run.failure();
    for m in messages {
        assert!(
            run.stderr.contains(m),
            "stderr should contain {m:?}:\n{}",
            run.stderr
        );
    }
    assert_eq!(
        std::fs::read(p.path().join("out.epub")).unwrap(),
        SENTINEL,
        "the earlier book changed"
    );
    assert_eq!(listing(p), before, "files were written");
}

/// The build succeeds with warnings naming the culprit; the book is valid and none of its
/// pages' bodies (`EPUB/text/`) contains any of `absent` (compared in lower case).
#[track_caller]
fn cleaned(
    p: &Project,
    warnings: &[&str],
    absent: &[&str],
) -> std::collections::BTreeMap<String, String> {
    let run = p.run(&["build", ".", "-o", "out.epub"]);
    run.success();
    for w in warnings {
        assert!(
            run.stderr.contains(w),
            "stderr should contain {w:?}:\n{}",
            run.stderr
        );
    }
    let book = p.path().join("out.epub");
    assert_valid(&book);
    let files = unzip_text(&book);
    for (name, text) in files.iter().filter(|(n, _)| n.starts_with("EPUB/text/")) {
        // The page's body: the head holds the book's own stylesheet link.
        let lower = text
            .split_once("<body")
            .map_or(text.as_str(), |(_, b)| b)
            .to_lowercase();
        for a in absent {
            assert!(
                !lower.contains(&a.to_lowercase()),
                "{name} contains {a:?}:\n{text}"
            );
        }
    }
    files
}

/// Every file under the project, for "nothing was written".
fn listing(p: &Project) -> Vec<String> {
    fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let path = e.path();
            out.push(path.strip_prefix(base).unwrap().display().to_string());
            if e.file_type().unwrap().is_dir() {
                walk(&path, base, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(p.path(), p.path(), &mut out);
    out.sort();
    out
}

fn essay(body: &str) -> Project {
    minimal().file("essays/two.md", format!("# Two\n\n{body}\n"))
}

/// A 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde\0\0\0\x0cIDATx\x9cc\xf8\xcf\xc0\0\0\x03\x01\x01\0\xc9\xfe\x92\xef\0\0\0\0IEND\xaeB`\x82";

fn with_image(p: Project) -> Project {
    p.file("essays/x.png", PNG)
}

fn manifest(yaml: &str) -> Project {
    minimal().file("anthology.yaml", yaml)
}

macro_rules! cases {
    ($($name:ident => $body:expr;)*) => {$(
        #[test]
        fn $name() {
            $body
        }
    )*};
}

// ---- bad YAML --------------------------------------------------------------------------

cases! {
    yaml_tab_indentation => refused(&manifest("title: T\nlanguage: en\ncontents:\n\t- essays/one.md\n"), &["invalid YAML", "anthology.yaml:4:"]);
    yaml_unclosed_quote => refused(&manifest("title: \"T\nlanguage: en\ncontents: [essays/one.md]\n"), &["invalid YAML", "anthology.yaml:"]);
    yaml_list_at_top => refused(&manifest("- title: T\n- language: en\n"), &["the manifest must be a mapping of keys", "anthology.yaml"]);
    yaml_empty_file => refused(&manifest(""), &["the manifest is empty", "anthology.yaml"]);
    yaml_binary_garbage => refused(&manifest("\u{1}\u{2}\u{3}title: x"), &["anthology.yaml"]);
    yaml_duplicate_key => refused(&manifest("title: T\nlanguage: en\ntitle: U\ncontents: [essays/one.md]\n"), &["`title` is given twice", "anthology.yaml:3:1"]);
    yaml_alias_bomb => refused(
        &manifest("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\ntitle: T\nlanguage: en\ncontents: [essays/one.md]\n"),
        &["anthology.yaml"],
    );
    yaml_deep_nesting => refused(&manifest(&format!("title: T\nlanguage: en\ncontents: {}x{}\n", "[".repeat(5000), "]".repeat(5000))), &["anthology.yaml"]);
    yaml_title_is_a_list => refused(&manifest("title: [a, b]\nlanguage: en\ncontents: [essays/one.md]\n"), &["`title`", "anthology.yaml:1:8"]);
    yaml_toc_depth_out_of_range => refused(&manifest("title: T\nlanguage: en\ntoc-depth: 99\ncontents: [essays/one.md]\n"), &["`toc-depth` must be between 1 and 6", "anthology.yaml:3:12"]);
    yaml_unknown_role => refused(&manifest("title: T\nlanguage: en\ncreators:\n  - name: A\n    role: editer\ncontents: [essays/one.md]\n"), &["unknown role `editer`", "anthology.yaml:5:11", "did you mean `editor`?"]);
    yaml_bad_isbn => refused(&manifest("title: T\nlanguage: en\nisbn: 978-0-306-40615-8\ncontents: [essays/one.md]\n"), &["invalid ISBN: the check digit", "anthology.yaml:3:7"]);
    yaml_bad_date => refused(&manifest("title: T\nlanguage: en\ndate: 31/12/2024\ncontents: [essays/one.md]\n"), &["`31/12/2024` is not a date", "anthology.yaml:3:7"]);
    yaml_nested_part => refused(&manifest("title: T\nlanguage: en\ncontents:\n  - part: A\n    essays:\n      - part: B\n        essays: [essays/one.md]\n"), &["a part cannot hold another part", "anthology.yaml:6:9"]);
    yaml_essay_listed_twice => refused(&manifest("title: T\nlanguage: en\ncontents: [essays/one.md, essays/./one.md]\n"), &["`essays/one.md` is listed twice", "anthology.yaml:3:27"]);
    front_matter_not_a_mapping => refused(&minimal().file("essays/two.md", "---\n- a list\n---\nBody\n"), &["essays/two.md", "the front matter must be a list of `key: value` lines"]);
    front_matter_wrong_type => refused(&minimal().file("essays/two.md", "---\ntitle: T\nauthors: {a: 1}\n---\nBody\n"), &["essays/two.md:3:10", "`authors` must be a name or a list of names"]);
}

// ---- paths that try to leave the collection ------------------------------------------------

cases! {
    path_percent_encoded_in_manifest => refused(&manifest("title: T\nlanguage: en\ncontents: ['%2e%2e/%2e%2e/etc/passwd']\n"), &["no such file", "anthology.yaml:3:12"]);
    path_cover_outside => refused(&manifest("title: T\nlanguage: en\ncover: ../../../../etc/hostname\ncontents: [essays/one.md]\n"), &["leads outside the collection folder", "anthology.yaml:3:8"]);
    path_style_absolute => refused(&manifest("title: T\nlanguage: en\nstyle: /etc/ssl/openssl.cnf.css\ncontents: [essays/one.md]\n"), &["absolute paths are not allowed", "anthology.yaml:3:8"]);
    path_image_absolute => refused(&essay("![x](/etc/passwd)"), &["absolute paths are not allowed", "essays/two.md:3:1"]);
    path_raw_img_dotdot => refused(&essay("<img src=\"../../../../etc/passwd\" alt=\"x\">"), &["leads outside the collection folder", "essays/two.md:3:1"]);
    path_raw_img_windows_dotdot => refused(&essay("<img src=\"..\\..\\..\\etc\\passwd\" alt=\"x\">"), &["leads outside the collection folder", "essays/two.md:3:1"]);
    path_image_entity_encoded_dotdot => refused(&essay("<img src=\"&#46;&#46;/&#46;&#46;/&#46;&#46;/etc/passwd\" alt=\"x\">"), &["leads outside the collection folder", "essays/two.md:3:1"]);
}

#[test]
fn path_symlinked_folder_outside() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), "# Secret\n\nroot:x:0:0\n").unwrap();
    let p = manifest("title: T\nlanguage: en\ncontents: [essays/one.md, linked/secret.md]\n");
    std::os::unix::fs::symlink(outside.path(), p.path().join("linked")).unwrap();
    refused(
        &p,
        &["outside the collection folder", "anthology.yaml:3:27"],
    );
}

#[test]
fn path_symlinked_image_outside() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.png"), b"\x89PNG\r\n\x1a\nsecret").unwrap();
    let p = essay("![x](img.png)");
    std::os::unix::fs::symlink(
        outside.path().join("x.png"),
        p.path().join("essays/img.png"),
    )
    .unwrap();
    refused(&p, &["symbolic link", "essays/two.md:3:1"]);
}

#[test]
fn path_style_sheet_cannot_reach_out() {
    let p = manifest("title: T\nlanguage: en\nstyle: my.css\ncontents: [essays/one.md]\n").file(
        "my.css",
        "@import url(https://evil.example/x.css);\nbody { background: url('../../../etc/passwd'); }\np { margin: 0 }\n",
    );
    let files = cleaned(
        &p,
        &[
            "`@import` removed from the style sheet",
            "my.css:1:1",
            "`url()` removed from the style sheet",
            "my.css:2:20",
        ],
        &["url(", "@import", "evil.example"],
    );
    assert!(files["EPUB/styles/book.css"].contains("p { margin: 0 }"));
}

#[test]
fn path_nothing_written_outside_the_output() {
    let p = minimal();
    let out = tempfile::tempdir().unwrap();
    let before = listing(&p);
    let target = out.path().join("book.epub");
    p.run(&["build", ".", "-o", target.to_str().unwrap()])
        .success();
    assert_eq!(listing(&p), before, "the collection folder changed");
    let written: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(written, ["book.epub"]);
}

// ---- hostile HTML --------------------------------------------------------------------------

cases! {
    html_script_any_case => { cleaned(&essay("<ScRiPt>alert(1)</sCrIpT><SCRIPT src=x></SCRIPT>"), &["`<script>` is removed", "essays/two.md:3:1"], &["<script", "alert(1)"]); };
    html_split_script_tag => { cleaned(&essay("<scr<script>ipt>alert(1)</script>"), &["`<script>` is removed"], &["<script", "alert(1)</"]); };
    html_event_handlers => { cleaned(&with_image(essay("<img src=x.png alt=i onerror=alert(1)> <p onclick=\"x()\" ONMOUSEOVER=y>p</p> <a href=\"https://example.org\" onfocus=z>a</a> <body onload=z>")), &[], &["onerror", "onclick", "onmouseover", "onfocus", "onload", "alert("]); };
    html_javascript_urls_disguised => { cleaned(
        &essay("<a href=\"jav&#x09;ascript:alert(1)\">a</a> <a href=\"&#106;avascript:alert(2)\">b</a> <a href=\" JAVASCRIPT:alert(3)\">c</a> <a href=\"vbscript:msgbox\">d</a>"),
        &["`javascript:` links are not allowed", "`vbscript:` links are not allowed", "essays/two.md:3:"],
        &["javascript", "vbscript", "alert("],
    ); };
    html_data_urls => { cleaned(
        &essay("<a href=\"data:text/html;base64,PHNjcmlwdD4=\">a</a> <img src=\"data:image/svg+xml,<svg onload=alert(1)>\" alt=\"i\">"),
        &["`data:` links are not allowed", "`data:` images are not allowed"],
        &["data:", "base64", "onload"],
    ); };
    html_iframe_object_embed => { cleaned(
        &essay("<iframe srcdoc=\"<script>x</script>\"></iframe><object data=\"x.swf\"><param name=a value=b></object><embed src=x.swf><applet code=x></applet>"),
        &["`<iframe>` is removed", "`<object>` is removed", "`<embed>` is removed"],
        &["<iframe", "<object", "<embed", "<param", "<applet", "srcdoc"],
    ); };
    html_forms => { cleaned(&essay("<form action=\"https://evil.example\"><input name=p><button>Go</button><select><option>1</select><textarea>t</textarea></form>"), &["`<form>` is removed"], &["<form", "<input", "<button", "<select", "<textarea", "evil.example"]); };
    html_meta_refresh_base_link => { cleaned(&essay("<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\"><base href=\"https://evil.example/\"><link rel=stylesheet href=\"https://evil.example/x.css\">"), &["`<meta>` is removed"], &["<meta", "<base", "<link", "evil.example"]); };
    html_style_element_and_attribute => { cleaned(&essay("<style>@import 'https://evil.example/x.css'; body{background:url(https://evil.example/t.png)}</style><p style=\"background:url(https://evil.example/p.png)\">x</p>"), &["`<style>` is removed"], &["<style", "style=", "evil.example"]); };
    html_svg_and_math => { cleaned(&essay("<svg><script>alert(1)</script><foreignObject><iframe></iframe></foreignObject></svg><math><maction actiontype=\"statusline\">x</maction></math>"), &["`<svg>` is removed", "`<math>` is removed"], &["<svg", "<script", "<math", "alert(1)"]); };
    // A browser with scripting parses this `<img>` out of the attribute (mutation XSS): it is an
    // image then, with its handler dropped.
    html_noscript_and_template => { cleaned(&with_image(essay("<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></p></noscript><template><script>alert(2)</script></template>").file("essays/x", PNG)), &["the image `x` has no alt text"], &["onerror", "<script", "<template", "<noscript", "alert("]); };
    html_comments_and_cdata => { cleaned(&essay("<!-- <script>alert(1)</script> --><![CDATA[<script>alert(2)</script>]]>text -- with -- dashes"), &[], &["<script", "<!--", "]]>"]); };
    html_unclosed_and_misnested => { cleaned(&essay("<p>one<div>two<span>three<ul><li>four</p></em></div><table><td>five"), &[], &[]); };
    html_remote_image_and_link => { cleaned(&essay("<img src=\"https://evil.example/track.gif\" alt=\"A tracker\"> and [a link](https://example.org/a b)"), &["the remote image `https://evil.example/track.gif` is not fetched"], &["evil.example"]); };
}

// ---- text that must survive -------------------------------------------------------------

cases! {
    text_bom_crlf_cr => { cleaned(&minimal().file("essays/two.md", b"\xEF\xBB\xBF---\r\ntitle: Two\r\n---\r\n\r\nLine one,\rline two.\r\n".as_slice()), &[], &["\u{feff}", "\r"]); };
    text_control_characters => { cleaned(&essay("NUL\u{0} BEL\u{7} ESC\u{1b} VT\u{b} FF\u{c} DEL\u{7f} C1\u{85}\u{9f} U+FFFE\u{fffe} end"), &[], &["\u{0}", "\u{7}", "\u{1b}", "\u{b}", "\u{85}", "\u{fffe}"]); };
    text_entities_out_of_range => { cleaned(&essay("&#xD800; &#0; &#x110000; &#x1F; &#65535; &#xDFFF;"), &[], &["&#xd800;", "&#0;", "\u{1f}"]); };
    text_bidi_combining_emoji => {
        let files = cleaned(&essay("שלום עולם and مرحبا, e\u{301}\u{302}, 👩‍👩‍👧‍👦 🏳️‍🌈, \u{202E}reversed\u{202C}"), &[], &[]);
        let two = &files["EPUB/text/two.xhtml"];
        for kept in ["שלום עולם", "مرحبا", "e\u{301}\u{302}", "👩‍👩‍👧‍👦", "🏳️‍🌈"] {
            assert!(two.contains(kept), "{kept} was lost:\n{two}");
        }
    };
    text_latin1_essay => refused(&minimal().file("essays/two.md", b"# Two\n\nna\xefve caf\xe9\n".as_slice()), &["essays/two.md:3:3", "not UTF-8: byte 0xEF at offset 9"]);
    text_overlong_utf8 => refused(&minimal().file("essays/two.md", b"# Two\n\n\xc0\xaf\n".as_slice()), &["essays/two.md:3:1", "not UTF-8"]);
    text_utf16_be => refused(&minimal().file("essays/two.md", b"\xfe\xff\0#\0 \0T".as_slice()), &["essays/two.md", "UTF-16"]);
    text_latin1_manifest => refused(&manifest_bytes(b"title: Caf\xe9\nlanguage: fr\ncontents: [essays/one.md]\n"), &["anthology.yaml:1:11", "not UTF-8"]);
}

fn manifest_bytes(bytes: &[u8]) -> Project {
    minimal().file("anthology.yaml", bytes)
}

// ---- size and depth -----------------------------------------------------------------------

cases! {
    depth_nested_quotes => { cleaned(&essay(&format!("{}deep", "> ".repeat(20_000))), &["elements nested more than 40 deep are flattened", "essays/two.md"], &[]); };
    depth_nested_lists => { cleaned(&essay(&(0..2_000).map(|i| format!("{}- item\n", "  ".repeat(i))).collect::<String>()), &["flattened"], &[]); };
    depth_nested_spans => { cleaned(&essay(&format!("{}x{}", "<span>".repeat(20_000), "</span>".repeat(20_000))), &["flattened"], &[]); };
    depth_nested_emphasis => { cleaned(&essay(&format!("{}x{}", "*_".repeat(5_000), "_*".repeat(5_000))), &[], &[]); };
    size_one_long_line => { cleaned(&essay(&"word ".repeat(1_000_000)), &[], &[]); };
    size_unclosed_brackets => { cleaned(&essay(&"[".repeat(100_000)), &[], &[]); };
}

// ---- SVG images ---------------------------------------------------------------------------

const SCRIPTED_SVG: &str = r#"<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10" onload="alert(1)">
<script>alert(2)</script><circle r="4" cx="5" cy="5"/><image xlink:href="https://evil.example/x.png"/>
<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="javascript:alert(3)"></iframe></foreignObject></svg>"#;

cases! {
    svg_image_with_scripts => {
        let p = essay("![A circle](c.svg)").file("essays/c.svg", SCRIPTED_SVG);
        let run = p.run(&["build", ".", "-o", "out.epub"]);
        run.success();
        assert!(run.stderr.contains("removed from `c.svg`") && run.stderr.contains("essays/two.md:3:1"), "{}", run.stderr);
        assert_valid(&p.path().join("out.epub"));
        let svg = String::from_utf8(common::unzip(&p.path().join("out.epub")).into_iter().find(|(n, _)| n.ends_with(".svg")).unwrap().1).unwrap();
        for gone in ["alert", "script", "onload", "evil.example", "iframe", "foreignObject"] {
            assert!(!svg.contains(gone), "{gone} survived:\n{svg}");
        }
        assert!(svg.contains("<circle"), "{svg}");
    };
    svg_image_malformed => refused(&essay("![A circle](c.svg)").file("essays/c.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"><circle></svg>"), &["`c.svg` cannot be used as an SVG image: it is not well-formed XML", "essays/two.md:3:1"]);
}

// ---- what reaches the terminal -------------------------------------------------------------

/// A title that retitles the terminal's window, and a sequence that clears its screen.
const OSC: &str = "\x1b]0;pwned\x07";
const CLEAR: &str = "\x1b[2J";

/// No control character (but line breaks and tabs) nor bidi override reaches stderr raw; they
/// are shown escaped.
#[track_caller]
fn shown_escaped(stderr: &str) {
    let raw = stderr.chars().find(|&c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    });
    assert!(raw.is_none(), "a raw {raw:?} on stderr:\n{stderr:?}");
    assert!(
        stderr.contains(r"\u{1b}"),
        "nothing shown escaped:\n{stderr}"
    );
}

#[test]
fn terminal_escapes_from_input_are_shown_escaped() {
    // An imported post: its file name, title and body carry them, each into a warning.
    let p = Project::new()
        .file(
            &format!("src/_posts/2020-01-01-a{OSC}b.md"),
            format!(
                "---\ntitle: T{OSC}{CLEAR}\u{9b}2J\u{202e}\n---\n\n{{% include x{OSC}.html %}}\n\n[a link](/nowhere{CLEAR})\n"
            ),
        )
        // A Hugo page outside the main section is named in the summary.
        .file("hugo/hugo.toml", "title = \"H\"\n")
        .file("hugo/content/posts/one.md", "---\ntitle: One\n---\n\nText.\n")
        .file("hugo/content/posts/two.md", "---\ntitle: Two\n---\n\nText.\n")
        .file(&format!("hugo/content/pages/x{CLEAR}.md"), "---\ntitle: X\n---\n\nText.\n");
    let run = p.run(&["import", "src", "book"]);
    run.success();
    shown_escaped(&run.stderr);
    assert!(
        run.stderr.contains(r"a\u{1b}]0;pwned\u{7}b.md"),
        "{}",
        run.stderr
    );
    let run = p.run(&["import", "hugo", "hbook"]);
    run.success();
    shown_escaped(&run.stderr);
    assert!(
        run.stderr.contains(r"pages/x\u{1b}[2J.md"),
        "{}",
        run.stderr
    );

    // A build: a missing image and a folder named with them.
    let p = essay(&format!("<img src=\"img/{OSC}.png\" alt=\"a{CLEAR}\">"));
    let run = p.run(&["build", ".", "-o", "out.epub"]);
    run.failure();
    shown_escaped(&run.stderr);
    let dir = format!("c{CLEAR}");
    std::fs::create_dir(p.path().join(&dir)).unwrap();
    for f in ["anthology.yaml", "essays/one.md"] {
        let to = p.path().join(&dir).join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(p.path().join(f), to).unwrap();
    }
    std::fs::write(
        p.path().join(&dir).join("essays/two.md"),
        "# Two\n\nFine.\n",
    )
    .unwrap();
    let run = p.run(&["check", &dir]);
    run.success();
    shown_escaped(&run.stderr);
    assert!(
        run.stderr.contains(r"c\u{1b}[2J: no errors"),
        "{}",
        run.stderr
    );
    // The words table shows the essays' titles.
    std::fs::write(
        p.path().join(&dir).join("essays/two.md"),
        "---\ntitle: \"Two\\e]0;pwned\\a\"\n---\n\nFine.\n",
    )
    .unwrap();
    let run = p.run(&["stats", &dir]);
    run.success();
    shown_escaped(&run.stdout);
}

/// `anthology new` writes the folder's name as the title: whatever the name holds, the manifest
/// reads back to that title (a YAML scalar quoted and escaped as needed; control characters
/// and line breaks are not words, and are not kept), and checks at once.
#[test]
fn new_writes_any_folder_name_as_a_title_that_reads_back() {
    let p = Project::new();
    let cases = [
        ("my-first-book", "My First Book"),
        ("say-\"hi\"-now", "Say \"hi\" Now"),
        ("back\\slash", "Back\\slash"),
        ("key: value", "Key: Value"),
        ("not #a-comment", "Not #a Comment"),
        ("-leading-dash", "Leading Dash"),
        ("*star", "*star"),
        ("&anchor", "&anchor"),
        ("!tag", "!tag"),
        ("yes", "Yes"),
        ("1984", "1984"),
        ("[list]", "[list]"),
        ("{map}", "{map}"),
        ("'quote", "'quote"),
        ("two\nlines", "Two Lines"),
        ("bell\x07and\x1b[2J-escape\u{9b}", "Bell And [2J Escape"),
        ("tab\there", "Tab Here"),
    ];
    for (i, (name, title)) in cases.iter().enumerate() {
        let dir = format!("{i}/{name}");
        std::fs::create_dir_all(p.path().join(i.to_string())).unwrap();
        let run = p.run(&["new", &dir]);
        run.success();
        let yaml = std::fs::read_to_string(p.path().join(&dir).join("anthology.yaml")).unwrap();
        let value: serde_yaml::Value = serde_yaml::from_str(&yaml)
            .unwrap_or_else(|e| panic!("{name:?}: the manifest is not YAML: {e}\n{yaml}"));
        let read = match &value["title"] {
            serde_yaml::Value::Number(n) => Some(n.to_string()),
            v => v.as_str().map(str::to_string),
        };
        assert_eq!(
            read.as_deref(),
            Some(*title),
            "{name:?}: the title does not read back:\n{yaml}"
        );
        // And the tool reads it so: the book carries it.
        let epub = p.path().join(format!("{i}.epub"));
        p.run(&["build", &dir, "-o", &format!("{i}.epub")])
            .success();
        let opf = &unzip_text(&epub)["EPUB/content.opf"];
        let doc = roxmltree::Document::parse(opf).unwrap();
        let shown = doc
            .descendants()
            .find(|n| n.tag_name().name() == "title")
            .and_then(|n| n.text());
        assert_eq!(shown, Some(*title), "{name:?}");
        // Titles are escaped alike in every book: EPUBCheck sees the one with `"` and `&`.
        if name.contains('"') || name.contains('&') {
            assert_valid(&epub);
        }
        let check = p.run(&["check", &dir]);
        check.success();
    }
}

// ---- CSS, read as a browser reads it --------------------------------------------------------

fn with_extra_css(css: &str) -> Project {
    manifest("title: T\nlanguage: en\nextra-css: extra.css\ncontents: [essays/one.md]\n")
        .file("extra.css", css)
}

/// Builds `p`: EPUBCheck passes (no RSC-006: no remote resource); the book's style sheet and
/// SVG images hold nothing the cleaner would still take out (read again by the tokenizer), and
/// the images do not name `e.vil`; then, each warning is on stderr. The book's style sheet.
#[track_caller]
fn css_cleaned(p: &Project, warnings: &[&str]) -> String {
    let run = p.run(&["build", ".", "-o", "out.epub"]);
    run.success();
    let book = p.path().join("out.epub");
    assert_valid(&book);
    let css = unzip_text(&book).remove("EPUB/styles/book.css").unwrap();
    let again = removed_when_cleaned_again(&css);
    assert!(again.is_empty(), "{again:?} left in:\n{css}");
    for (name, svg) in svgs(p) {
        assert!(!svg.to_lowercase().contains("e.vil"), "{name}:\n{svg}");
        assert!(!svg.to_lowercase().contains("@import"), "{name}:\n{svg}");
    }
    for w in warnings {
        assert!(
            run.stderr.contains(w),
            "stderr should contain {w:?}:\n{}",
            run.stderr
        );
    }
    css
}

/// The SVG images of the book `p` built.
fn svgs(p: &Project) -> Vec<(String, String)> {
    common::unzip(&p.path().join("out.epub"))
        .into_iter()
        .filter(|(n, _)| n.ends_with(".svg"))
        .map(|(n, data)| (n, String::from_utf8(data).unwrap()))
        .collect()
}

cases! {
    // Cut-outs are read again: what is left of `@imp@import "x";ort` is no rule.
    css_import_cut_into_an_import => {
        let css = css_cleaned(
            &with_extra_css("@imp@import \"x\";ort \"https://e.vil/x.css\";\np { color: red }\n"),
            &["`@import` removed from the style sheet", "extra.css:1:5"],
        );
        assert!(css.contains("@imp ort"), "{css}");
    };
    css_escaped_import => { css_cleaned(&with_extra_css("@\\69mport url(https://e.vil/x.css);\n"), &["`@import` removed", "extra.css:1:1"]); };
    css_escaped_url => {
        let css = css_cleaned(
            &with_extra_css("p {\n  background: \\75 rl(https://e.vil/x.png) no-repeat;\n}\n"),
            &["`url()` removed from the style sheet", "extra.css:2:15"],
        );
        assert!(css.contains("background: none no-repeat;"), "{css}");
    };
    css_image_set => { css_cleaned(&with_extra_css("p { background-image: image-set(\"https://e.vil/x.png\" 1x); }\n"), &["`image-set()` removed", "extra.css:1:23"]); };
    css_many_removals_are_counted => {
        css_cleaned(
            &with_extra_css(&"p { background: url(https://e.vil/x.png) }\n".repeat(25)),
            &["extra.css:10:17", "15 more `url()`/`@import` reference(s) removed"],
        );
    };
    svg_style_import_after_a_comment => {
        svg_case("<style><!-- x -->@import url(https://e.vil/x.css);</style>", &["`@import` in <style>"]);
    };
    svg_style_escaped_import => {
        svg_case("<style>@\\69mport \"https://e.vil/x.css\";</style>", &["`@import` in <style>"]);
    };
    // U+0085 is allowed in XML but never written: checked as it is written, it hides nothing.
    svg_style_import_split_by_a_dropped_character => {
        svg_case("<style>@imp&#x85;ort \"https://e.vil/x.css\";</style>", &["`@import` in <style>"]);
    };
    svg_escaped_url_in_attributes => {
        svg_case(
            "<circle r=\"1\" style=\"stroke: red; fill: \\75 rl(https://e.vil/x.svg#g)\" filter=\"U\\RL(https://e.vil/f.svg#f)\"/>",
            &["`url()` in style=", "filter=url(…)"],
        );
    };
}

/// An essay showing an SVG image made of `inside`, built with `warnings`: see [`css_cleaned`].
#[track_caller]
fn svg_case(inside: &str, warnings: &[&str]) {
    let p = essay("![A circle](c.svg)").file("essays/c.svg", svg_styled(inside));
    css_cleaned(&p, warnings);
    let [(_, svg)] = &svgs(&p)[..] else {
        panic!("one SVG image")
    };
    assert!(svg.contains("fill=\"url(#g)\""), "{svg}");
}

/// An SVG image with a gradient of its own, and `inside`.
fn svg_styled(inside: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><defs><linearGradient id=\"g\"><stop offset=\"0\" stop-color=\"red\"/></linearGradient></defs>{inside}<circle r=\"4\" cx=\"5\" cy=\"5\" fill=\"url(#g)\"/></svg>"
    )
}

/// One book with everything at once: a hostile `extra-css` and a hostile SVG image. EPUBCheck
/// sees no remote resource (RSC-006), and the image keeps its own gradient.
#[test]
fn css_hostile_book_passes_epubcheck() {
    let extra = "@imp@import \"x\";ort \"https://e.vil/a.css\";\n@\\000069 mport url(https://e.vil/b.css);\n\
                 @font-face { font-family: X; src: \\75 rl(https://e.vil/x.woff2) format(\"woff2\"); }\n\
                 p { background: image-set(\"https://e.vil/x.png\" 1x), -webkit-image-set(url(https://e.vil/y.png) 1x);\n\
                 behavior: url(https://e.vil/x.htc); -moz-binding: url(https://e.vil/x.xml#b); color: red }\n\
                 h1 { background: url(https://e.vil/(x).png), URL( \"https://e.vil/z.png\" ); cursor: url(https://e.vil/c.cur), auto }\n\
                 h2 { content: \"url(https://e.vil/not-a-reference)\"";
    let svg = svg_styled(
        "<style><!-- x -->@import url(https://e.vil/a.css);<![CDATA[@\\69mport 'https://e.vil/b.css';]]>\
         circle { fill: \\75 rl(https://e.vil/x.svg#g); stroke: url(#g) }</style>\
         <rect width=\"2\" height=\"2\" style=\"fill: url(https://e.vil/r.svg#g); stroke: url('#g')\" mask=\"url(https://e.vil/m.svg#m)\"/>",
    );
    let p = with_extra_css(extra)
        .file("essays/one.md", "# One\n\n![A circle](c.svg)\n")
        .file("essays/c.svg", svg);
    let run = p.run(&["build", ".", "-o", "out.epub"]);
    run.success();
    let book = p.path().join("out.epub");
    assert_valid(&book);
    let files = unzip_text(&book);
    let css = &files["EPUB/styles/book.css"];
    assert!(removed_when_cleaned_again(css).is_empty(), "{css}");
    // The string is words, not a reference: it stays.
    assert!(
        css.contains("\"url(https://e.vil/not-a-reference)\""),
        "{css}"
    );
    assert_eq!(css.matches("e.vil").count(), 2, "{css}");
    let [(_, svg)] = &svgs(&p)[..] else {
        panic!("one SVG image")
    };
    assert!(!svg.contains("e.vil"), "{svg}");
    assert!(
        svg.contains("stroke: url(#g)") && svg.contains("fill=\"url(#g)\""),
        "{svg}"
    );
    assert!(
        run.stderr.contains("`@import` in <style>"),
        "{}",
        run.stderr
    );
}

/// What cleaning a book's style sheet again would remove: the sheet given back as a
/// collection's own (`extra-css:`), and the warnings of its removals.
fn removed_when_cleaned_again(css: &str) -> Vec<String> {
    let manifest = "title: T\nlanguage: en\nextra-css: extra.css\ncontents: [a.md]\n";
    let files = [
        ("anthology.yaml", manifest.as_bytes()),
        ("extra.css", css.as_bytes()),
        ("a.md", b"# A\n\nText.\n".as_slice()),
    ];
    let mut diags = anthology::Diagnostics::new();
    anthology::Collection::from_memory(
        files.map(|(path, data)| (path.to_string(), data.to_vec())),
        &mut diags,
    )
    .expect("the style sheet is taken");
    diags
        .iter()
        .filter(|d| d.code == "style-url")
        .map(ToString::to_string)
        .collect()
}
