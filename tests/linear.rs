//! Linear time on pathological input (issue 21): each case makes a hostile input of size `n`
//! and of size `2n`, runs the stage on both, and asserts that the larger took at most ~2.5
//! times as long. A ratio, never an absolute time, so that a slow machine does not fail it and
//! a quadratic stage (4× on doubling) cannot pass it. Speed targets themselves live in
//! `bench/`, not here.

#![allow(clippy::disallowed_methods)] // Tests read what they built.

mod common;

use std::time::{Duration, Instant};

/// How much longer the doubled input may take.
const RATIO: f64 = 2.5;

/// Asserts that `run(n)` grows linearly (or as n log n) in `n`. `n` is doubled first until one
/// run takes 60 ms, so that the clock's noise and the process's start do not decide; then
/// `n` and `2n` are timed three times each, interleaved, and the best of each compared (three
/// more each, up to nine, while the ratio is over; then once more at twice the size).
/// One measure at a time: the tests of this file run on parallel threads, and one would time
/// the others' work.
#[track_caller]
pub fn assert_linear(what: &str, mut n: usize, run: impl Fn(usize)) {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let time = |n: usize| {
        let start = Instant::now();
        run(n);
        start.elapsed()
    };
    while time(n) < Duration::from_millis(60) {
        n *= 2;
        assert!(n < 1 << 40, "{what}: the input never takes measurable time");
    }
    // Another process on a busy machine (CI runs on two cores) can slow one timing down: the
    // best of more runs is taken while the ratio is over, up to 9 of each. And a size at
    // which the stage's memory outgrows a cache costs more once (cleaning 1 M `url(x)` took
    // 2.5× as long as 512 K, 2 M took 2× as long as 1 M): an input of twice the size is tried
    // once more. A quadratic stage is 4× at every try and every size; only noise gets better.
    let mut ratio = f64::INFINITY;
    let (mut small, mut large) = (Duration::MAX, Duration::MAX);
    'sizes: for size in 0..2 {
        if size > 0 {
            n *= 2;
            (small, large) = (Duration::MAX, Duration::MAX);
        }
        for _ in 0..3 {
            for _ in 0..3 {
                small = small.min(time(n));
                large = large.min(time(2 * n));
            }
            ratio = large.as_secs_f64() / small.as_secs_f64();
            if ratio <= RATIO {
                break 'sizes;
            }
        }
    }
    assert!(
        ratio <= RATIO,
        "{what}: doubling the input (n = {n}) took {ratio:.2}× as long ({small:?} → {large:?}); \
         at most {RATIO}× is linear"
    );
}

#[test]
fn the_yardstick_tells_linear_from_quadratic() {
    // The check itself must be able to fail: a quadratic loop is caught, a linear one passes.
    let spin = |k: usize| {
        let mut x = 0u64;
        for i in 0..k {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i as u64));
        }
        x
    };
    assert_linear("a linear loop", 1 << 16, |n| {
        spin(n * 64);
    });
    let quadratic = std::panic::catch_unwind(|| {
        assert_linear("a quadratic loop", 1 << 8, |n| {
            spin(n * n);
        });
    });
    assert!(quadratic.is_err(), "a quadratic loop passed as linear");
}

/// A user's style sheet, read, cleaned and checked as a build does (`Collection::open`),
/// warnings located: 1.8 MB of `url(` took 73 s when the cleaner searched the rest of the
/// text again after each removal.
#[test]
fn style_sheets_are_cleaned_in_linear_time() {
    let p = common::minimal().file(
        "anthology.yaml",
        "title: T\nlanguage: en\nextra-css: extra.css\ncontents: [essays/one.md]\n",
    );
    let shapes: &[(&str, &str)] = &[
        ("`url(x)` again and again, one line", "url(x)"),
        ("a removal in every rule, one line", "p{b:url(x)}"),
        ("an `@import` on every line", "@import 'x';\n"),
        ("escaped references", "p{b:\\75 rl(x) \\69mage-set('y')}"),
        ("cut-outs", "@imp@import'x';ort "),
        (
            "a reader trouble in every rule, one line",
            "p{display:flex}",
        ),
        ("deep nesting", "(["),
        ("unterminated strings", "p{content:'a\n"),
    ];
    for (what, unit) in shapes {
        assert_linear(what, 1 << 10, |n| {
            std::fs::write(p.path().join("extra.css"), unit.repeat(n)).unwrap();
            let mut diags = anthology::Diagnostics::new();
            let collection = anthology::Collection::open(p.path(), &mut diags);
            std::hint::black_box((collection.expect("the collection opens"), diags));
        });
    }
}

// ---- the manifest and front matter (YAML), the generated cover ----------------------------

use common::Project;

/// `n` words of prose, for a value every stage reads in full.
fn words(n: usize) -> String {
    "lorem ipsum dolor ".repeat(n / 3 + 1)
}

/// `anthology check` on a collection whose manifest is `manifest`, and an essay.
fn check(manifest: &str) {
    let p = Project::new()
        .file("anthology.yaml", manifest)
        .file("essays/one.md", "# One\n\nText.\n");
    let run = p.run(&["check", "."]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn unclosed_brackets_in_a_manifest() {
    // Both YAML parsers walk a list as long as the depth at every token: 150 KB of `[` took
    // a minute. The depth is refused before they read it; what is left is reading the text.
    assert_linear("unclosed `[` in a manifest", 1 << 15, |n| {
        check(&format!(
            "title: T\nlanguage: en\ndescription: {}\ncontents: [essays/one.md]\nsubjects: {}\n",
            words(n),
            "[".repeat(n)
        ));
    });
}

#[test]
fn deep_nesting_in_front_matter() {
    assert_linear("`{` and `[` nested in front matter", 1 << 15, |n| {
        let p = Project::new()
            .file(
                "anthology.yaml",
                "title: T\nlanguage: en\ncontents: [essays/one.md]\n",
            )
            .file(
                "essays/one.md",
                format!(
                    "---\ntitle: One\nsummary: {}\nnotes: {}\n---\n\nText.\n",
                    words(n),
                    "{a: [".repeat(n)
                ),
            );
        p.run(&["check", "."]).failure();
    });
}

#[test]
fn many_keys_in_one_mapping() {
    // Every key is an unknown key, each reported at its place on one long line.
    assert_linear("unknown keys on one long line", 1 << 10, |n| {
        let keys: Vec<String> = (0..n).map(|i| format!("k{i}: 1")).collect();
        check(&format!(
            "title: T\nlanguage: en\ncontents: [essays/one.md]\nseries: {{name: \"{}\", {}}}\n",
            words(16 * n),
            keys.join(", ")
        ));
    });
}

#[test]
fn many_contributors() {
    assert_linear("contributors", 1 << 11, |n| {
        let mut m =
            String::from("title: T\nlanguage: en\ncontents: [essays/one.md]\ncontributors:\n");
        // Names alike but for their end take longest to tell apart.
        let alike = "A Writer of Essays ".repeat(50);
        for i in 0..n {
            m.push_str(&format!(
                "  - name: {alike}{i:08}\n    url: https://example.org/{i}\n"
            ));
        }
        check(&m);
    });
}

#[test]
fn many_essays_of_the_same_name() {
    // A site's page bundles: every essay is an `index.md`, each id numbered after the last.
    // Each collection is written once and kept: the best of three runs times `check` alone,
    // not the file system making thousands of files.
    let made = std::cell::RefCell::new(std::collections::HashMap::new());
    assert_linear("essays named alike", 1 << 11, |n| {
        let mut made = made.borrow_mut();
        let p = made.entry(n).or_insert_with(|| {
            let mut m = String::from("title: T\nlanguage: en\ncontents:\n");
            let mut p = Project::new();
            for i in 0..n {
                // `00001-index.md`: the ordering prefix is not part of the id.
                m.push_str(&format!("  - {i:05}-index.md\n"));
                p = p.file(
                    &format!("{i:05}-index.md"),
                    format!("# Essay {i}\n\nText.\n"),
                );
            }
            p.file("anthology.yaml", m)
        });
        p.run(&["check", "."]).success();
    });
}

#[test]
fn a_title_of_characters_the_typeface_lacks() {
    // Each character the cover cannot draw is named once: the list is not searched for it.
    let lacking = || {
        (0x4E00..0x10_FFFF)
            .filter(|c| !(0xD800..0xE000).contains(c) && !(0xF900..0x1_0000).contains(c))
            .filter_map(char::from_u32)
    };
    assert_linear("a title the typeface cannot draw", 1 << 12, |n| {
        let title: String = lacking().take(n).collect();
        check(&format!(
            "title: \"{title}\"\nlanguage: zh\ncontents: [essays/one.md]\n"
        ));
    });
}

#[test]
fn a_long_title_without_a_cover() {
    // The generated cover sets only what it shows: the title is cut before it is measured
    // line by line, and its glyphs drawn. The worst title to wrap: a word that takes no room,
    // accents upon accents, which every line would take in whole.
    assert_linear("a long title on the generated cover", 1 << 10, |n| {
        let title = format!("{}{}{}", words(n), "W".repeat(40), "\u{301}".repeat(n));
        let p = Project::new()
            .file(
                "anthology.yaml",
                format!("title: \"{title}\"\nlanguage: en\ncontents: [essays/one.md]\n"),
            )
            .file("essays/one.md", "# One\n\nText.\n");
        p.run(&["build", ".", "-o", "book.epub"]).success();
    });
}

// ---- the converter ----------------------------------------------------------------------------

/// `anthology check` on a collection whose one essay is `markdown`: the converter runs in full
/// (a check converts every essay to find what it warns of).
fn check_essay(p: &Project, markdown: &str) {
    std::fs::write(p.path().join("essays/one.md"), markdown).unwrap();
    let run = p.run(&["check", "."]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn essays_of_hostile_shapes_convert_in_linear_time() {
    let p = Project::new()
        .file(
            "anthology.yaml",
            "title: T\nlanguage: en\ncontents: [essays/one.md]\n",
        )
        .file("essays/one.md", "# One\n");
    let shapes: &[(&str, &str, &str)] = &[
        // Each needs an id of its own: `a`, `a-2`, `a-3`…
        ("headings of one name", "", "## a\n\n"),
        (
            "ids asked for again and again",
            "",
            "<span id=\"x\">x</span>\n\n",
        ),
        ("nested <div>s", "", "<div>"),
        (
            "links to an anchor, one paragraph",
            "<a id=\"a\"></a>",
            "[x](#a) ",
        ),
        (
            "notes referred to, one paragraph",
            "[^1]: A note.\n\n",
            "x[^1] ",
        ),
        ("notes nobody refers to", "", "[^a]: A note.\n\n"),
        ("comments left open", "", "<!-- x\n\ny\n\n"),
        ("raw-text elements left open", "", "<script>x\n\n"),
        ("tags left unfinished", "", "<span title=\"x\n\n"),
        ("attribute lists", "", "Text.\n{: .c #i}\n\n"),
        ("many tags on one line", "<p>", "<b>x</b>"),
        (
            "web addresses to check",
            "",
            "<https://example.org/a?b=c#d> ",
        ),
        ("addresses in raw HTML", "<div>", "<a@b.c> "),
    ];
    for (what, head, unit) in shapes {
        assert_linear(what, 1 << 9, |n| {
            check_essay(&p, &format!("# One\n\n{head}{}\n", unit.repeat(n)));
        });
    }
}
