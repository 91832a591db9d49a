//! `anthology import`: each kind of source (Jekyll, Hugo, an Obsidian vault, plain-text
//! articles) becomes a collection that checks without a warning and builds into a book
//! EPUBCheck passes; what cannot be converted is a warning at its `file:line:col`; nothing is
//! ever written over.

#![allow(clippy::disallowed_methods)] // Tests read what they built.

mod common;

use std::path::Path;

use common::{Project, Run, assert_valid, copy_dir, repo};

/// A temporary folder holding a copy of `tests/fixtures/import/NAME` as `src/`.
fn source(name: &str) -> Project {
    let p = Project::new();
    copy_dir(
        &repo().join("tests/fixtures/import").join(name),
        &p.path().join("src"),
    );
    p
}

fn read(p: &Project, path: &str) -> String {
    std::fs::read_to_string(p.path().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[track_caller]
fn assert_has(run: &Run, expected: &[&str]) {
    for e in expected {
        assert!(
            run.stderr.contains(e),
            "stderr should contain {e:?}:\n{}",
            run.stderr
        );
    }
}

/// `check` has nothing to say, and the book passes EPUBCheck.
#[track_caller]
fn assert_builds_clean(p: &Project, dir: &str) {
    let check = p.run(&["check", dir]);
    check.success();
    assert!(
        !check.stderr.contains("warning"),
        "the imported collection has warnings:\n{}",
        check.stderr
    );
    let epub = format!("{dir}.epub");
    p.run(&["build", dir, "-o", &epub]).success();
    assert_valid(&p.path().join(&epub));
}

#[test]
fn jekyll_site() {
    let p = source("jekyll");
    let run = p.run(&["import", "src", "book"]);
    run.success();
    assert_eq!(run.stdout, "book/anthology.yaml\n");
    assert_has(
        &run,
        &[
            // Not understood: each named at its place.
            "warning: only Markdown posts are imported",
            "--> src/_posts/2021-08-01-notes.html",
            "`{% include newsletter.html %}` cannot be converted",
            "--> src/_posts/2021-03-04-on-walking.md:22:1",
            "the Liquid tag `{% if %}` cannot be converted",
            "--> src/_posts/2021-06-01-rain.md:17:1",
            "image not found: `/assets/images/flood.png`",
            "--> src/_posts/2021-06-01-rain.md:15:26",
            "leads to the unpublished post `_posts/2021-07-01-unfinished-thoughts.md`",
            "--> src/_posts/2021-05-10-the-city-at-night.md:15:50",
            // And the summary.
            "imported 3 essays from the Jekyll site src into book, with 3 images",
            "left out 1 draft and 1 unpublished post (import them with --drafts)",
        ],
    );
    assert!(
        !run.stderr.contains("endhighlight"),
        "a converted closing tag is not a problem:\n{}",
        run.stderr
    );

    let manifest = read(&p, "book/anthology.yaml");
    for line in [
        "title: Field Notes",
        "subtitle: Essays on walking and weather",
        "language: en-GB",
        "  - name: Ada Lane\n    role: author",
        "description: A blog about walking, cities and the weather, kept since 2021.",
        "subjects:\n  - cities\n",
        // By date, oldest first.
        "contents:\n  - essays/on-walking.md\n  - essays/the-city-at-night.md\n  - essays/rain.md\n",
    ] {
        assert!(manifest.contains(line), "{line:?} in:\n{manifest}");
    }

    let walking = read(&p, "book/essays/on-walking.md");
    assert!(
        walking.starts_with(
            "---\ntitle: \"On Walking: A Defence\"\n\
         subtitle: Why the slowest way to cross a city is the best way to know it.\n\
         author: Ada Lane\ndate: 2021-03-04\n\
         source: \"https://fieldnotes.example.org/2021/03/04/on-walking.html\"\n---\n\n"
        ),
        "{walking}"
    );
    for expected in [
        "[The City at Night](the-city-at-night.md)",
        "[Rain](rain.md)",
        "![The path along the river](images/path.png)",
        "The Field Notes blog began",
        "[about me](https://fieldnotes.example.org/about/)",
        "```ruby\nsteps = 10_000\n```",
    ] {
        assert!(walking.contains(expected), "{expected:?} in:\n{walking}");
    }
    for gone in ["{%", "{{", "{:", "TOC"] {
        assert!(!walking.contains(gone), "{gone:?} left in:\n{walking}");
    }
    let night = read(&p, "book/essays/the-city-at-night.md");
    for expected in [
        "[the first essay](on-walking.md#setting-out)",
        // A PNG under a .jpg name is copied as what it is.
        "![A map of the night walk](images/map.png)",
        "A template writes {{ page.title }} where the title goes.",
        "I meant to finish a piece about the unfinished.",
        "<img src=\"images/path.png\" alt=\"The river path, again\">",
    ] {
        assert!(night.contains(expected), "{expected:?} in:\n{night}");
    }
    let rain = read(&p, "book/essays/rain.md");
    for expected in [
        "authors:\n  - Ada Lane\n  - Tom Reed\n",
        "![Rain on the window](images/rain.png)",
        "[city walker](the-city-at-night.md)",
        "A picture that was lost: The flooded square",
    ] {
        assert!(rain.contains(expected), "{expected:?} in:\n{rain}");
    }
    for image in ["path.png", "map.png", "rain.png"] {
        assert!(p.path().join("book/essays/images").join(image).is_file());
    }
    assert_builds_clean(&p, "book");
}

#[test]
fn jekyll_drafts_and_order_list() {
    let p = source("jekyll");
    p.run(&["import", "src", "all", "--drafts"]).success();
    let manifest = read(&p, "all/anthology.yaml");
    assert!(
        manifest.contains("  - essays/unfinished-thoughts.md\n  - essays/a-winter-draft.md\n"),
        "drafts come last, undated ones after dated ones:\n{manifest}"
    );
    let night = read(&p, "all/essays/the-city-at-night.md");
    assert!(night.contains("[a piece about the unfinished](unfinished-thoughts.md)"));
    assert_builds_clean(&p, "all");

    let p = p.file(
        "order.txt",
        "# The book, in this order\nRain\n2021-03-04-on-walking.md\n\nunfinished-thoughts\nno-such-post\n",
    );
    let run = p.run(&["import", "src", "picked", "--order", "order.txt"]);
    run.success();
    assert_has(
        &run,
        &[
            "`unfinished-thoughts` is an unpublished post: it is not imported",
            "--> order.txt:5:1",
            "`no-such-post` names no post of the source",
            "--> order.txt:6:1",
            "left out 1 post not named in the --order list",
        ],
    );
    let manifest = read(&p, "picked/anthology.yaml");
    assert!(
        manifest.ends_with("contents:\n  - essays/rain.md\n  - essays/on-walking.md\n"),
        "{manifest}"
    );
    // The essay left out is now a web link: the site's address is known.
    let walking = read(&p, "picked/essays/on-walking.md");
    assert!(walking.contains(
        "[The City at Night](https://fieldnotes.example.org/2021/05/10/the-city-at-night.html)"
    ));
    assert_builds_clean(&p, "picked");
}

#[test]
fn hugo_site() {
    let p = source("hugo");
    let run = p.run(&["import", "src", "book"]);
    run.success();
    assert_has(
        &run,
        &[
            "`{{< youtube >}}` cannot play in a book; it becomes a link to https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "--> src/content/posts/first-frost.md:12:1",
            "the shortcode `notice` cannot be converted; it is removed (its content stays)",
            "--> src/content/posts/first-frost.md:18:1",
            "`/2021/01/winter-plans/` leads to the draft `content/posts/winter-plans.md`",
            "--> src/content/posts/orchard/index.md:11:59",
            "imported 3 essays from the Hugo site src into book, with 2 images",
            "left out 1 draft (import them with --drafts)",
            "left out 1 page outside the main section `posts`: content/about.md",
        ],
    );
    let manifest = read(&p, "book/anthology.yaml");
    for line in [
        "title: Notes from the Valley",
        "language: en-US",
        "  - name: Tom Reed\n    role: author",
        "description: Seasons in a small valley, one post at a time.",
        "contents:\n  - essays/first-frost.md\n  - essays/orchard.md\n  - essays/letters.md\n",
    ] {
        assert!(manifest.contains(line), "{line:?} in:\n{manifest}");
    }
    // TOML front matter, a site-root image from static/, a shortcode link, a code block.
    let frost = read(&p, "book/essays/first-frost.md");
    for expected in [
        "title: First Frost\nsubtitle: The morning the garden turned white.\ndate: 2020-11-02\n",
        "source: \"https://valley.example.org/2020/11/first-frost/\"",
        "![Frost on the lawn](images/frost.png)",
        "[orchard](orchard.md)",
        "[Video on YouTube](https://www.youtube.com/watch?v=dQw4w9WgXcQ)",
        "```go\nfmt.Println(\"frost\")\n```",
        "Mind the ice on the path.",
    ] {
        assert!(frost.contains(expected), "{expected:?} in:\n{frost}");
    }
    // YAML front matter in a page bundle: its own image, permalinks, relref.
    let orchard = read(&p, "book/essays/orchard.md");
    for expected in [
        "<figure><img src=\"images/blossom.png\" alt=\"Blossom in April\"/><figcaption>Blossom in April</figcaption></figure>",
        "[first frost](first-frost.md)",
        "[letters](letters.md)",
        "and my winter plans\nare still a draft.",
    ] {
        assert!(orchard.contains(expected), "{expected:?} in:\n{orchard}");
    }
    // JSON front matter; a relative link to another page's file, with its section.
    let letters = read(&p, "book/essays/letters.md");
    assert!(letters.contains("author: June Park"), "{letters}");
    assert!(
        letters.contains("[orchard](orchard.md#pruning)"),
        "{letters}"
    );
    assert_builds_clean(&p, "book");

    // With --drafts, the draft is in, by its date, and the link to it is a link.
    let run = p.run(&["import", "src", "all", "--drafts"]);
    run.success();
    assert!(!run.stderr.contains("left out 1 draft"), "{}", run.stderr);
    let manifest = read(&p, "all/anthology.yaml");
    assert!(
        manifest.ends_with(
            "contents:\n  - essays/first-frost.md\n  - essays/winter-plans.md\n  - essays/orchard.md\n  - essays/letters.md\n"
        ),
        "{manifest}"
    );
    assert!(read(&p, "all/essays/orchard.md").contains("](winter-plans.md)"));
}

#[test]
fn obsidian_vault() {
    let p = source("obsidian");
    let run = p.run(&["import", "src", "book", "--title", "The Garden Notebook"]);
    run.success();
    assert_has(
        &run,
        &[
            "`[[Missing note]]` names no note that is imported; the link is kept as plain text",
            "--> src/Essays/On Gardens.md:18:48",
            "`[[Letters]]` leads to the draft `Essays/Letters.md`",
            "the note `On Gardens` is embedded; the book links to it instead",
            "--> src/Essays/The Long Walk.md:17:1",
            "imported 2 essays from the Obsidian vault src into book, with 2 images",
        ],
    );
    let manifest = read(&p, "book/anthology.yaml");
    assert!(
        manifest.contains("title: The Garden Notebook\n"),
        "{manifest}"
    );
    // By date; the template folder is not writing.
    assert!(
        manifest.ends_with("contents:\n  - essays/the-long-walk.md\n  - essays/on-gardens.md\n"),
        "{manifest}"
    );
    assert!(manifest.contains("subjects:\n  - walking\n  - gardens\n  - essays\n"));
    let gardens = read(&p, "book/essays/on-gardens.md");
    for expected in [
        "title: On Gardens\nauthor: Mira Holt\ndate: 2022-03-01\n",
        "on [The Long Walk](the-long-walk.md);",
        "[the first mile](the-long-walk.md#setting-out)",
        "![Hedge](images/hedge.png)",
        "> **A reminder**\n>\n> Prune in late winter.",
        "The <mark>oldest</mark> roses",
        "See also Missing note and Letters.",
        "| Rose | [walk](the-long-walk.md) |",
    ] {
        assert!(gardens.contains(expected), "{expected:?} in:\n{gardens}");
    }
    assert!(!gardens.contains("Latin names"), "comments go:\n{gardens}");
    let walk = read(&p, "book/essays/the-long-walk.md");
    for expected in [
        "We left before dawn.\n",
        "![A sketch of the orchard](images/orchard-sketch.png)",
        // By alias, and by a Markdown link to the file.
        "[about gardens](on-gardens.md), and [more](on-gardens.md)",
        "code keeps [[not a link]] and %%this%%",
    ] {
        assert!(walk.contains(expected), "{expected:?} in:\n{walk}");
    }
    assert_builds_clean(&p, "book");
}

#[test]
fn plain_text_articles() {
    let p = source("text");
    let run = p.run(&["import", "src", "book", "--language", "en-gb"]);
    run.success();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    let manifest = read(&p, "book/anthology.yaml");
    assert!(manifest.contains("language: en-GB\n"), "{manifest}");
    assert!(
        manifest.ends_with(
            "contents:\n  - essays/rivers.md\n  - essays/on-maps.md\n  - essays/closeness.md\n"
        ),
        "dated first, oldest first:\n{manifest}"
    );
    let closeness = read(&p, "book/essays/closeness.md");
    assert!(
        closeness.starts_with(
            "---\ntitle: \"Closeness: A Film That Challenges the Liberal Narrative\"\n\
         subtitle: Closeness is a provocative film that challenges liberal ideals by exploring \
         complex family dynamics, cultural tensions, and socio-economic struggles in 1998 \
         Nalchik, Russia.\nauthor: Vince Vanguard\n---\n\nIn 1998, in the gritty"
        ),
        "{closeness}"
    );
    assert_eq!(closeness.matches("Vince Vanguard").count(), 1);
    assert_eq!(
        closeness
            .matches("Closeness: A Film That Challenges the Liberal Narrative")
            .count(),
        1
    );
    let maps = read(&p, "book/essays/on-maps.md");
    for expected in [
        "subtitle: Why every map is an argument, and how to read one closely.\n",
        "authors:\n  - Ann Lee\n  - Bo Chen\ndate: 2021-03-03\n",
        "---\n\nEvery map leaves things out.",
        "## What a Map Hides",
        "- Who made it?\n- What is missing?",
        "an essay in \\<lines\\> \\& colours.",
    ] {
        assert!(maps.contains(expected), "{expected:?} in:\n{maps}");
    }
    assert!(!maps.contains('\r'));
    let rivers = read(&p, "book/essays/rivers.md");
    assert!(rivers.contains("date: 2019-06-12\n"), "{rivers}");
    assert!(
        rivers.contains("the town listens to it"),
        "lines joined: {rivers}"
    );
    assert_builds_clean(&p, "book");

    // One article on its own: the book takes its title.
    let run = p.run(&["import", "src/closeness.txt", "single"]);
    run.success();
    let manifest = read(&p, "single/anthology.yaml");
    assert!(
        manifest.contains("title: \"Closeness: A Film That Challenges the Liberal Narrative\"\n")
    );
    assert!(manifest.ends_with("contents:\n  - essays/closeness.md\n"));
    assert_builds_clean(&p, "single");
}

#[test]
fn never_writes_over_anything() {
    let p = source("text")
        .file("full/keep.txt", "mine")
        .file("afile", "also mine")
        .dir("empty");
    for target in ["full", "afile"] {
        let run = p.run(&["import", "src", target]);
        run.failure();
        assert_has(
            &run,
            &[
                &format!("error: {target} already exists and is not an empty folder"),
                "never writes over files",
            ],
        );
        assert!(run.stdout.is_empty());
    }
    assert_eq!(read(&p, "full/keep.txt"), "mine");
    assert_eq!(read(&p, "afile"), "also mine");
    assert_eq!(std::fs::read_dir(p.path().join("full")).unwrap().count(), 1);
    // An empty folder is fine, and so is a new folder inside a new one.
    p.run(&["import", "src", "empty"]).success();
    p.run(&["import", "src", "new/deeper/book"]).success();
    assert!(p.path().join("empty/anthology.yaml").is_file());
    assert!(p.path().join("new/deeper/book/essays/rivers.md").is_file());
    // Nothing temporary is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(p.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // An import of a folder holding earlier imports does not take them in.
    let p = p.file("note.md", "# A Note\n\nText.\n");
    p.run(&["import", ".", "again", "--from", "folder"])
        .success();
    assert!(
        read(&p, "again/anthology.yaml").ends_with("contents:\n  - essays/note.md\n"),
        "collections are not sources:\n{}",
        read(&p, "again/anthology.yaml")
    );
}

#[test]
fn bad_requests_are_reported() {
    let p = source("jekyll").dir("nothing");
    let run = p.run(&["import", "nothing", "book"]);
    run.failure();
    assert_has(
        &run,
        &["nothing holds no Markdown (.md) or text (.txt) file"],
    );
    let run = p.run(&["import", "missing", "book"]);
    run.failure();
    assert_has(&run, &["cannot open missing"]);
    let run = p.run(&["import", "src", "book", "--language", "english"]);
    run.failure();
    assert_has(&run, &["`english` is not a valid BCP 47 language tag"]);
    let run = p.run(&["import", "src", "book", "--order", "no-such-list.txt"]);
    run.failure();
    assert_has(&run, &["cannot read the order list no-such-list.txt"]);
    let run = p.run(&["import", "src", "book", "--from", "html"]);
    assert_eq!(run.code, 2, "a usage error: {}", run.stderr);
    assert!(!Path::new(&p.path().join("book")).exists());

    // Only drafts: nothing to import, and a hint.
    let p = Project::new().file(
        "blog/_drafts/idea.md",
        "---\ntitle: An Idea\n---\n\nSoon.\n",
    );
    let run = p.run(&["import", "blog", "book"]);
    run.failure();
    assert_has(
        &run,
        &[
            "nothing to import from the Jekyll site blog",
            "add --drafts",
        ],
    );
    p.run(&["import", "blog", "book", "--drafts"]).success();
}

#[test]
fn title_order_and_forced_kind() {
    let p = Project::new()
        .file("notes/zebra.md", "# Zebra Crossings\n\nStripes.\n")
        .file("notes/b.md", "---\ntitle: The Apple Tree\n---\n\nFruit.\n")
        .file("notes/c.md", "Just text, no title.\n")
        .file("notes/later/draft.txt", "A Draft\n\nIn plain text.\n")
        .file("notes/page.html", "<p>A page.</p>\n")
        .file("notes/fig.png", b"not read");
    let run = p.run(&["import", "notes", "book", "--order", "title"]);
    run.success();
    // Writing in another format is named, each file at its place; an image is not writing.
    assert_has(
        &run,
        &[
            "warning: only Markdown notes are imported; this file is left out",
            "--> notes/later/draft.txt",
            "--from text",
            "--> notes/page.html",
            "save it as Markdown (.md) to import it",
        ],
    );
    assert_eq!(run.stderr.matches("warning:").count(), 2, "{}", run.stderr);
    let manifest = read(&p, "book/anthology.yaml");
    // "The Apple Tree" sorts as "Apple Tree"; `c.md` is titled from its file name.
    assert!(
        manifest.ends_with("contents:\n  - essays/b.md\n  - essays/c.md\n  - essays/zebra.md\n"),
        "{manifest}"
    );
    assert!(read(&p, "book/essays/zebra.md").contains("title: Zebra Crossings\n"));
    assert!(read(&p, "book/essays/c.md").contains("title: C\n"));
    assert_builds_clean(&p, "book");
}

// ---- untrusted sources: every read through the confined reader ----------------------------

/// What no file outside the source may leak into a collection or a book.
const SECRET_FILE: &str = "SECRET-FILE-c0ffee";
const SECRET_CONFIG: &str = "SECRET-CONFIG-c0ffee";
const SECRET_IMAGE: &str = "SECRET-IMAGE-c0ffee";
const SECRET_ENV: &str = "SECRET-ENV-c0ffee";

/// Runs `anthology ARGS` in `p` with `env`, and fails (rather than hangs) after a minute: a
/// FIFO read as a file blocks for ever.
fn run_or_hang(p: &Project, args: &[&str], env: &[(&str, &str)]) -> Run {
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_anthology"));
    cmd.args(args)
        .current_dir(p.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("run anthology");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(out) => {
            let out = out.expect("run anthology");
            Run {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }
        }
        Err(_) => {
            let _ = rustix::process::kill_process(
                rustix::process::Pid::from_raw(i32::try_from(pid).unwrap()).unwrap(),
                rustix::process::Signal::KILL,
            );
            panic!("`anthology {}` hangs", args.join(" "));
        }
    }
}

fn fifo(path: &Path) {
    common::mkfifo(path);
}

fn link(target: &Path, at: &Path) {
    std::fs::create_dir_all(at.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, at).unwrap();
}

/// Files outside any source: an essay, a configuration, an image; each carries a secret.
struct Outside {
    dir: tempfile::TempDir,
}

impl Outside {
    fn new() -> Outside {
        let dir = tempfile::tempdir().unwrap();
        let at = |f: &str| dir.path().join(f);
        std::fs::write(
            at("secret.md"),
            format!("---\ntitle: {SECRET_FILE}\n---\n\n{SECRET_FILE}\n"),
        )
        .unwrap();
        std::fs::write(
            at("secret.txt"),
            format!("{SECRET_FILE}\n\n{SECRET_FILE} again.\n"),
        )
        .unwrap();
        std::fs::write(at("config.yml"), format!("title: {SECRET_CONFIG}\n")).unwrap();
        std::fs::write(at("config.toml"), format!("title = \"{SECRET_CONFIG}\"\n")).unwrap();
        let mut png =
            std::fs::read(repo().join("tests/fixtures/import/jekyll/assets/images/rain.png"))
                .unwrap();
        png.extend_from_slice(SECRET_IMAGE.as_bytes());
        std::fs::write(at("secret.png"), png).unwrap();
        Outside { dir }
    }

    fn at(&self, f: &str) -> std::path::PathBuf {
        self.dir.path().join(f)
    }
}

/// Every file under `dir`, its bytes (without following links).
fn all_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            out.extend(all_bytes(&entry.path()));
        } else if kind.is_file() {
            out.push((
                entry.path().display().to_string(),
                std::fs::read(entry.path()).unwrap(),
            ));
        }
    }
    out
}

/// Imports `args` (with a secret in the environment), then checks that the import finished,
/// named each refused file in a warning, and that no secret reached the collection, the book
/// built from it, or the terminal.
#[track_caller]
fn imports_without_secrets(p: &Project, args: &[&str], warnings: &[&str]) {
    let run = run_or_hang(p, args, &[("ANTHOLOGY_TEST_SECRET", SECRET_ENV)]);
    run.success();
    assert_has(&run, warnings);
    let book = args[2];
    let build = run_or_hang(p, &["build", book, "-o", "leak.epub"], &[]);
    build.success();
    let epub = p.path().join("leak.epub");
    assert_valid(&epub);
    let mut files = all_bytes(&p.path().join(book));
    files.extend(common::unzip(&epub));
    files.push(("stderr".into(), run.stderr.clone().into_bytes()));
    files.push(("stdout".into(), run.stdout.clone().into_bytes()));
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for secret in [SECRET_FILE, SECRET_CONFIG, SECRET_IMAGE, SECRET_ENV] {
            assert!(
                !text.contains(secret),
                "{secret} leaked into {name}:\n{text}"
            );
        }
    }
    std::fs::remove_file(&epub).unwrap();
}

const REAL_PNG: &str = "tests/fixtures/import/jekyll/assets/images/path.png";

#[test]
fn jekyll_reads_nothing_through_links_or_pipes() {
    let outside = Outside::new();
    let p = Project::new()
        .file(
            "src/_posts/2020-01-01-real.md",
            "---\ntitle: Real\n---\n\nA real post.\n\n![a picture](/assets/pic.png)\n\n![ours](/assets/ours.png)\n",
        )
        .file("src/assets/ours.png", std::fs::read(repo().join(REAL_PNG)).unwrap());
    let src = p.path().join("src");
    link(&outside.at("config.yml"), &src.join("_config.yml"));
    link(&outside.at("secret.png"), &src.join("assets/pic.png"));
    link(
        &outside.at("secret.md"),
        &src.join("_posts/2020-01-02-leak.md"),
    );
    link(
        Path::new("/proc/self/environ"),
        &src.join("_posts/2020-01-03-env.md"),
    );
    fifo(&src.join("_posts/2020-01-04-pipe.md"));
    // A link that stays inside is fine.
    link(&src.join("assets/ours.png"), &src.join("assets/alias.png"));
    imports_without_secrets(
        &p,
        &["import", "src", "book"],
        &[
            "warning: src/_config.yml is a symbolic link to",
            "warning: src/_posts/2020-01-02-leak.md is a symbolic link to",
            "warning: src/_posts/2020-01-03-env.md is a symbolic link to /proc/",
            "outside the source folder; it is not imported",
            "src/_posts/2020-01-04-pipe.md is not a regular file; it is not imported",
            "`/assets/pic.png` (src/assets/pic.png) is a symbolic link to",
            "imported 1 essay from the Jekyll site src into book, with 1 image",
        ],
    );

    // A FIFO in the configuration's place does not hang the import.
    let p = Project::new().file("src/_posts/2020-01-01-real.md", "A real post.\n");
    fifo(&p.path().join("src/_config.yml"));
    let run = run_or_hang(&p, &["import", "src", "book"], &[]);
    run.success();
    assert_has(&run, &["src/_config.yml is not a regular file"]);
}

#[test]
fn hugo_reads_nothing_through_links_or_pipes() {
    let outside = Outside::new();
    let p = Project::new()
        .file(
            "src/content/posts/real.md",
            "---\ntitle: Real\n---\n\nA real post.\n\n![a picture](/pic.png)\n",
        )
        .dir("src/static");
    let src = p.path().join("src");
    link(&outside.at("config.toml"), &src.join("hugo.toml"));
    link(&outside.at("secret.png"), &src.join("static/pic.png"));
    link(&outside.at("secret.md"), &src.join("content/posts/leak.md"));
    link(Path::new("/proc/self/environ"), &src.join("content/env.md"));
    fifo(&src.join("content/pipe.md"));
    imports_without_secrets(
        &p,
        &["import", "src", "book"],
        &[
            "warning: src/hugo.toml is a symbolic link to",
            "warning: src/content/posts/leak.md is a symbolic link to",
            "warning: src/content/env.md is a symbolic link to /proc/",
            "src/content/pipe.md is not a regular file; it is not imported",
            "`/pic.png` (src/static/pic.png) is a symbolic link to",
        ],
    );
}

#[test]
fn vaults_and_folders_read_nothing_through_links_or_pipes() {
    let outside = Outside::new();
    let p = Project::new()
        .file(
            "src/Real.md",
            "# Real\n\nA real note. ![[pic.png]]\n\n![[ours.png]]\n",
        )
        .file(
            "src/Attachments/ours.png",
            std::fs::read(repo().join(REAL_PNG)).unwrap(),
        )
        .dir("src/.obsidian");
    let src = p.path().join("src");
    link(&outside.at("secret.png"), &src.join("Attachments/pic.png"));
    link(&outside.at("secret.md"), &src.join("Leak.md"));
    link(Path::new("/proc/self/environ"), &src.join("notes/env.md"));
    fifo(&src.join("pipe.md"));
    fifo(&src.join(".obsidian/templates.json"));
    imports_without_secrets(
        &p,
        &["import", "src", "book"],
        &[
            "warning: src/Leak.md is a symbolic link to",
            "warning: src/notes/env.md is a symbolic link to /proc/",
            "src/pipe.md is not a regular file; it is not imported",
            "src/.obsidian/templates.json is not a regular file",
            "`pic.png` (src/Attachments/pic.png) is a symbolic link to",
            "with 1 image",
        ],
    );

    // One file given as the source: its folder is the root.
    let p = Project::new().file("src/real.md", "# Real\n\nText.\n");
    link(&outside.at("secret.md"), &p.path().join("src/link.md"));
    let run = run_or_hang(&p, &["import", "src/link.md", "book"], &[]);
    run.failure();
    assert_has(
        &run,
        &[
            "src/link.md is a symbolic link to",
            "outside the source folder",
        ],
    );
    assert!(!run.stderr.contains(SECRET_FILE) && !p.path().join("book").exists());
}

#[test]
fn text_articles_read_nothing_through_links_or_pipes() {
    let outside = Outside::new();
    let p = Project::new().file(
        "src/real.txt",
        "A Real Article\n\nThe first paragraph is here.\n\nAnd a second one.\n",
    );
    let src = p.path().join("src");
    link(&outside.at("secret.txt"), &src.join("leak.txt"));
    link(Path::new("/proc/self/environ"), &src.join("env.txt"));
    fifo(&src.join("pipe.txt"));
    imports_without_secrets(
        &p,
        &["import", "src", "book"],
        &[
            "warning: src/leak.txt is a symbolic link to",
            "warning: src/env.txt is a symbolic link to /proc/",
            "src/pipe.txt is not a regular file; it is not imported",
        ],
    );
}
