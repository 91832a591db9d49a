//! The editor's day: `serve` (pages over loopback, a change seen, an error shown while the
//! server keeps going, a panic survived, slow clients outlasted, only the book's folders
//! watched), `build --watch`, `build --each`, `stats`, `check --format json`,
//! shell completions, man pages, reading times, and an example in every command's help.

#![allow(clippy::disallowed_methods)] // Tests read what they built.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Project, assert_valid, minimal, repo, unzip_text};

/// How long anything a test waits for may take (a loaded CI machine is slow).
const PATIENCE: Duration = Duration::from_secs(30);

/// The binary running in the background, its stdout read line by line and its stderr
/// gathered; killed when dropped.
struct Background {
    child: Child,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
}

impl Background {
    fn start(dir: &std::path::Path, args: &[&str]) -> Background {
        Background::start_env(dir, args, &[])
    }

    fn start_env(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Background {
        let mut child = Command::new(env!("CARGO_BIN_EXE_anthology"))
            .args(args)
            .current_dir(dir)
            .env_remove("SOURCE_DATE_EPOCH")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start anthology");
        let stdout = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let gathered = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0; 4096];
            while let Ok(n @ 1..) = err.read(&mut buf) {
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                gathered.lock().unwrap().push_str(&text);
            }
        });
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Background {
            child,
            lines,
            stderr,
        }
    }

    /// What it has written on stderr so far.
    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The next line on stdout.
    #[track_caller]
    fn line(&self) -> String {
        self.lines
            .recv_timeout(PATIENCE)
            .expect("a line on stdout in time")
    }

    /// Ctrl-C, and the exit status.
    fn interrupt(mut self) -> Option<i32> {
        common::signal(&self.child, rustix::process::Signal::INT);
        let started = Instant::now();
        while started.elapsed() < PATIENCE {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, content type and body.
struct Page {
    status: u16,
    content_type: String,
    body: String,
}

fn get(url: &str, path: &str) -> Page {
    get_as(url, path, None)
}

/// `GET path` over loopback, with `host` as the Host header (else the server's own address).
fn get_as(url: &str, path: &str, host: Option<&str>) -> Page {
    let addr = url
        .strip_prefix("http://")
        .and_then(|a| a.strip_suffix('/'))
        .unwrap();
    let mut stream = TcpStream::connect(addr).expect("connect to the server");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        host.unwrap_or(addr)
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response head");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or("")
        .to_string();
    Page {
        status,
        content_type,
        body: body.to_string(),
    }
}

/// Polls until `check` holds; the last value it saw otherwise.
#[track_caller]
fn eventually(what: &str, mut check: impl FnMut() -> Result<(), String>) {
    let started = Instant::now();
    loop {
        match check() {
            Ok(()) => return,
            Err(last) if started.elapsed() > PATIENCE => panic!("{what}: never happened\n{last}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn serve(p: &Project) -> (Background, String) {
    let server = Background::start(p.path(), &["serve", ".", "--port", "0"]);
    let url = server.line();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (server, url)
}

#[test]
fn serve_shows_the_books_own_pages() {
    let p = minimal();
    p.run(&["build", ".", "-o", "book.epub"]).success();
    let book = unzip_text(&p.path().join("book.epub"));
    let (server, url) = serve(&p);

    // The index: the title page and the contents.
    let index = get(&url, "/");
    assert_eq!(index.status, 200);
    assert_eq!(index.content_type, "application/xhtml+xml; charset=utf-8");
    assert!(
        index.body.contains("class=\"book-title\">Minimal</h1>"),
        "{}",
        index.body
    );
    assert!(
        index.body.contains("<a href=\"one.xhtml\">One</a>"),
        "{}",
        index.body
    );

    // A chapter: the book's page, with the preview's additions only at the ends of its body.
    let one = get(&url, "/text/one.xhtml");
    assert_eq!(one.status, 200);
    let in_book = &book["EPUB/text/one.xhtml"];
    let body = |page: &str| {
        let start = page.find("<body").unwrap();
        let start = start + page[start..].find('>').unwrap() + 1;
        page[start..page.rfind("</body>").unwrap()].to_string()
    };
    assert!(
        body(&one.body).contains(&body(in_book)),
        "the served page is not the book's:\n{}\n---\n{in_book}",
        one.body
    );
    // The same head and style sheet, with a reading app's margins.
    let head = &one.body[..one.body.find("<body").unwrap()];
    let margins = head.find("<style>").unwrap()..head.find("</style>\n").unwrap() + 9;
    assert_eq!(
        head.replace(&head[margins], ""),
        in_book[..in_book.find("<body").unwrap()]
    );
    assert!(one.body.contains("/__version"), "the reload script");
    roxmltree::Document::parse_with_options(
        &one.body,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("a served page is well-formed XHTML");
    // And the book's stylesheet, and the book itself.
    let css = get(&url, "/styles/book.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.body, book["EPUB/styles/book.css"]);
    assert_eq!(get(&url, "/book.epub").content_type, "application/epub+zip");
    assert_eq!(get(&url, "/text/nothing.xhtml").status, 404);
    // Only the book's own files are served: nothing of the folder, nothing outside it.
    for path in [
        "/../anthology.yaml",
        "/anthology.yaml",
        "/essays/one.md",
        "/../../../../../../etc/passwd",
        "/text/../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/text/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/%2E%2E%5C%2E%2E%5Cetc%5Cpasswd",
        "//etc/passwd",
        "/images/%2e%2e/%2e%2e/anthology.yaml",
    ] {
        let page = get(&url, path);
        assert_eq!(page.status, 404, "{path}: {}", page.body);
        assert!(
            !page.body.contains("root:") && !page.body.contains("contents:"),
            "{path}: {}",
            page.body
        );
    }
    // A target that is not a path (a proxy's absolute form) is a bad request.
    assert_eq!(get(&url, "http://127.0.0.1/etc/passwd").status, 400);
    // A page of another site that points its name at this computer gets nothing.
    assert_eq!(
        get_as(&url, "/text/one.xhtml", Some("evil.example:80")).status,
        403
    );
    // Ctrl-C stops it cleanly.
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn serve_rebuilds_on_save_and_shows_errors_without_stopping() {
    let png =
        std::fs::read(repo().join("tests/fixtures/kitchen-sink/essays/img/figure.png")).unwrap();
    let p = minimal().file("essays/fig.png", &png);
    let (server, url) = serve(&p);
    let version = get(&url, "/__version").body;
    assert!(
        get(&url, "/text/one.xhtml")
            .body
            .contains("The first essay.")
    );

    // An edit is seen, and the version that makes pages reload moves on.
    std::fs::write(
        p.path().join("essays/one.md"),
        "---\ntitle: One\nauthor: A. Writer\n---\n\nA sentence written just now.\n",
    )
    .unwrap();
    eventually("the edit shows", || {
        let page = get(&url, "/text/one.xhtml").body;
        page.contains("A sentence written just now.")
            .then_some(())
            .ok_or(page)
    });
    assert_ne!(get(&url, "/__version").body, version);

    // A missing image: the error is on the page, escaped, and the last good book stays.
    std::fs::write(
        p.path().join("essays/one.md"),
        "---\ntitle: One\n---\n\nBroken now. ![a <figure>](missing.png)\n",
    )
    .unwrap();
    eventually("the error shows", || {
        let page = get(&url, "/text/one.xhtml").body;
        page.contains("anthology-preview-problems")
            .then_some(())
            .ok_or(page)
    });
    let page = get(&url, "/text/one.xhtml").body;
    assert!(page.contains("image not found: `missing.png`"), "{page}");
    assert!(page.contains("essays/one.md:5:13"), "{page}");
    assert!(page.contains("A sentence written just now."), "{page}");
    assert!(!page.contains("<figure>"), "escaped:\n{page}");
    assert!(get(&url, "/").body.contains("image not found"));
    // And on the terminal, at its place; the server goes on.
    eventually("the error on the terminal", || {
        let err = server.stderr();
        (err.contains("error: image not found: `missing.png`")
            && err.contains("essays/one.md:5:13")
            && err.contains("the last good one stays on show"))
        .then_some(())
        .ok_or(err)
    });

    // Fixed: the error goes, the new text comes.
    std::fs::write(
        p.path().join("essays/one.md"),
        "---\ntitle: One\n---\n\nFixed. ![A figure](fig.png)\n",
    )
    .unwrap();
    eventually("the fix shows", || {
        let page = get(&url, "/text/one.xhtml").body;
        (page.contains("Fixed.") && !page.contains("anthology-preview-problems"))
            .then_some(())
            .ok_or(page)
    });
    assert_eq!(
        get(&url, "/images/essays/fig.png").content_type,
        "image/png"
    );
    drop(server);
}

#[test]
fn serve_starts_with_a_broken_collection_and_waits_for_a_fix() {
    let p = minimal().file(
        "anthology.yaml",
        "title: Broken\nlanguage: en_GB\ncontents: []\n",
    );
    let (_server, url) = serve(&p);
    let page = get(&url, "/");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("The book could not be built."),
        "{}",
        page.body
    );
    assert!(page.body.contains("did you mean `en-GB`?"), "{}", page.body);
    std::fs::write(
        p.path().join("anthology.yaml"),
        "title: Mended\nlanguage: en-GB\ncontents:\n  - essays/one.md\n",
    )
    .unwrap();
    eventually("the book shows", || {
        let page = get(&url, "/").body;
        page.contains(">Mended</h1>").then_some(()).ok_or(page)
    });
}

#[test]
fn build_watch_rebuilds_on_save() {
    let p = minimal();
    let watcher = Background::start(p.path(), &["build", ".", "-o", "book.epub", "--watch"]);
    assert_eq!(watcher.line(), "book.epub");
    let first = std::fs::read(p.path().join("book.epub")).unwrap();
    std::fs::write(p.path().join("essays/two.md"), "# Two\n\nRevised.\n").unwrap();
    assert_eq!(watcher.line(), "book.epub");
    let book = p.path().join("book.epub");
    assert_ne!(std::fs::read(&book).unwrap(), first);
    assert!(unzip_text(&book)["EPUB/text/two.xhtml"].contains("Revised."));
    assert_valid(&book);
    // Writing the book is not a change: no build follows by itself.
    assert!(
        watcher
            .lines
            .recv_timeout(Duration::from_millis(1500))
            .is_err(),
        "the book's own writing started another build"
    );
}

#[test]
fn each_essay_becomes_its_own_book() {
    let p = minimal().file(
        "anthology.yaml",
        "title: Minimal\nlanguage: en\npublisher: Test Press\ncreators:\n  - name: Ed Itor\n    role: editor\ncontents:\n  - essays/one.md\n  - part: Second\n    essays: [essays/two.md]\n",
    );
    let run = p.run(&["build", ".", "-o", "book.epub", "--each"]);
    run.success();
    assert_eq!(
        run.stdout,
        "book.epub\nbook-essays/one.epub\nbook-essays/two.epub\n"
    );
    // Essays' own books do not repeat the book's warnings, nor warn of the links they drop.
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    for name in ["one", "two"] {
        assert_valid(&p.path().join(format!("book-essays/{name}.epub")));
    }
    let one = unzip_text(&p.path().join("book-essays/one.epub"));
    let opf = &one["EPUB/content.opf"];
    for expected in [
        "<dc:title id=\"title\">One</dc:title>",
        "<dc:creator id=\"creator-1\">A. Writer</dc:creator>",
        "<dc:publisher>Test Press</dc:publisher>",
        "<meta property=\"belongs-to-collection\" id=\"series\">Minimal</meta>",
        "<meta refines=\"#series\" property=\"group-position\">1</meta>",
    ] {
        assert!(opf.contains(expected), "{expected}:\n{opf}");
    }
    assert!(!opf.contains("Ed Itor"), "{opf}");
    assert!(one["EPUB/text/titlepage.xhtml"].contains(">One</h1>"));
    assert!(one["EPUB/text/one.xhtml"].contains("<p class=\"byline\" epub:type=\"contributors\">"));
    // An essay without an author is the book's creators'; its link to another essay is text.
    let two = unzip_text(&p.path().join("book-essays/two.epub"));
    assert!(two["EPUB/content.opf"].contains(">Ed Itor</dc:creator>"));
    assert!(two["EPUB/content.opf"].contains("group-position\">2<"));
    assert!(
        two["EPUB/text/two.xhtml"].contains("linking back")
            && !two["EPUB/text/two.xhtml"].contains("one.xhtml"),
        "{}",
        two["EPUB/text/two.xhtml"]
    );
    // Each book has an identity of its own, the same at every build, and the same bytes.
    let id = |files: &std::collections::BTreeMap<String, String>| {
        let opf = &files["EPUB/content.opf"];
        let start = opf.find("<dc:identifier id=\"pub-id\">").unwrap();
        opf[start..opf[start..].find("</").unwrap() + start].to_string()
    };
    assert_ne!(id(&one), id(&two));
    let bytes = std::fs::read(p.path().join("book-essays/one.epub")).unwrap();
    p.run(&["build", ".", "-o", "book.epub", "--each"])
        .success();
    assert!(bytes == std::fs::read(p.path().join("book-essays/one.epub")).unwrap());
    // Without -o, beside the book in build/.
    let run = p.run(&["build", ".", "--each"]);
    run.success();
    assert!(
        run.stdout.contains("build/minimal-essays/two.epub\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn reading_time_on_the_contents_page() {
    let words = "word ".repeat(460);
    let p = minimal()
        .file(
            "anthology.yaml",
            "title: Minimal\nlanguage: en\nshow-reading-time: true\ncontents:\n  - essays/one.md\n  - essays/two.md\n  - essays/zh.md\n",
        )
        .file("essays/one.md", format!("# One\n\n{words}\n"))
        .file(
            "essays/zh.md",
            "---\ntitle: 读书\nlanguage: zh-Hans\n---\n\n我爱读书。读书使人快乐。\n",
        );
    p.run(&["build", ".", "-o", "book.epub"]).success();
    assert_valid(&p.path().join("book.epub"));
    let contents = &unzip_text(&p.path().join("book.epub"))["EPUB/text/contents.xhtml"];
    assert!(
        contents.contains("<span class=\"toc-reading\">2 min · 460 words</span>"),
        "{contents}"
    );
    // Chinese is counted by characters (punctuation aside).
    assert!(
        contents.contains("<span class=\"toc-reading\">1 min · 10 words</span>"),
        "{contents}"
    );
    // Off by default.
    let plain = minimal();
    plain.run(&["build", ".", "-o", "book.epub"]).success();
    assert!(
        !unzip_text(&plain.path().join("book.epub"))["EPUB/text/contents.xhtml"]
            .contains("toc-reading")
    );
}

#[test]
fn stats_as_a_table_and_as_json() {
    let p = minimal().file(
        "essays/two.md",
        "# Two\n\nSome words here.[^1]\n\n## A section\n\nMore.\n\n[^1]: A note.\n",
    );
    let run = p.run(&["stats", "."]);
    run.success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("essay"), "{}", run.stdout);
    assert!(lines[1].starts_with("One "), "{}", run.stdout);
    assert!(lines[3].starts_with("total (2 essays)"), "{}", run.stdout);
    let run = p.run(&["stats", ".", "--format", "json"]);
    run.success();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(json["title"], "Minimal");
    let two = &json["essays"][1];
    assert_eq!(two["id"], "two");
    assert_eq!(two["file"], "essays/two.md");
    assert_eq!(two["words"], 8, "Some words here, A section, More, A note");
    assert_eq!(two["notes"], 1);
    assert_eq!(two["headings"], 1);
    assert_eq!(two["reading_minutes"], 1);
    assert_eq!(json["total"]["words"], 11);
    assert_eq!(json["total"]["notes"], 1);
    // A collection with errors has no statistics.
    let broken = minimal().file("essays/two.md", "![x](gone.png)\n");
    broken.run(&["stats", "."]).failure();
}

#[test]
fn check_reports_json_for_editors() {
    let p = minimal().file(
        "essays/two.md",
        "# Two\n\nA [link](three.md) and ![x](gone.png).\n",
    );
    let run = p.run(&["check", ".", "--format", "json"]);
    run.failure();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(json["ok"], false);
    assert_eq!(json["errors"], 1);
    assert_eq!(json["warnings"], 1);
    let d = &json["diagnostics"];
    let missing = d
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "missing-image")
        .expect("the missing image");
    assert_eq!(missing["severity"], "error");
    assert_eq!(missing["message"], "image not found: `gone.png`");
    assert_eq!(missing["file"], "essays/two.md");
    assert_eq!(missing["line"], 3);
    assert_eq!(missing["column"], 24);
    let link = d
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "link-not-in-book")
        .unwrap();
    assert_eq!(link["severity"], "warning");
    assert!(link["help"].as_str().unwrap().contains("contents"));
    // The keys, in order; a problem without a place has nulls.
    let keys: Vec<&String> = missing.as_object().unwrap().keys().collect();
    assert_eq!(
        keys.len(),
        7,
        "severity, code, message, file, line, column, help"
    );
    let clean = minimal().run(&["check", ".", "--format", "json"]);
    clean.success();
    let json: serde_json::Value = serde_json::from_str(&clean.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["diagnostics"], serde_json::json!([]));
    let none = Project::new().run(&["check", "nowhere", "--format", "json"]);
    none.failure();
    let json: serde_json::Value = serde_json::from_str(&none.stdout).unwrap();
    assert_eq!(json["diagnostics"][0]["code"], "no-manifest");
    assert_eq!(json["diagnostics"][0]["line"], serde_json::Value::Null);
}

#[test]
fn shell_completions() {
    let p = Project::new();
    for (shell, expected) in [
        ("bash", "complete -F _anthology"),
        ("zsh", "#compdef anthology"),
        ("fish", "complete -c anthology"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = p.run(&["completions", shell]);
        run.success();
        assert!(run.stdout.contains(expected), "{shell}:\n{}", run.stdout);
        for command in ["build", "serve", "stats", "import", "publish"] {
            assert!(run.stdout.contains(command), "{shell} lacks {command}");
        }
    }
    // The bash script loads, and completes the commands.
    let script = p.path().join("anthology.bash");
    std::fs::write(&script, p.run(&["completions", "bash"]).stdout.as_bytes()).unwrap();
    let Some(mut bash) = common::system_tool("bash") else {
        return;
    };
    let out = bash
        .arg("-c")
        .arg(format!(
            "source '{}'; COMP_WORDS=(anthology se); COMP_CWORD=1; _anthology anthology se anthology; echo \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("serve"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(p.run(&["completions", "tcsh"]).code, 2);
}

#[test]
fn man_pages() {
    let p = Project::new();
    let run = p.run(&["man"]);
    run.success();
    assert!(run.stdout.starts_with(".ie"), "{}", &run.stdout[..80]);
    assert!(run.stdout.contains(".TH anthology 1"), "{}", run.stdout);
    assert!(run.stdout.contains("serve"));
    let run = p.run(&["man", "--out", "man"]);
    run.success();
    assert!(run.stdout.contains("man/anthology.1\n"), "{}", run.stdout);
    let serve = std::fs::read_to_string(p.path().join("man/anthology-serve.1")).unwrap();
    assert!(
        serve.contains(".TH serve 1") || serve.contains(".TH anthology-serve 1"),
        "{serve}"
    );
    assert!(serve.contains("\\-\\-port"), "{serve}");
}

#[test]
fn every_command_shows_an_example() {
    let p = Project::new();
    let main = p.run(&["--help"]);
    main.success();
    assert!(main.stdout.contains("Examples:"), "{}", main.stdout);
    // The commands, as `--help` lists them: a line each under "Commands:".
    let commands: Vec<String> = main
        .stdout
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    for name in ["serve", "stats", "completions", "man", "import", "publish"] {
        assert!(commands.contains(&name.to_string()), "{name}");
    }
    for name in commands {
        let run = p.run(&[&name, "--help"]);
        run.success();
        assert!(
            run.stdout.contains("Example"),
            "`anthology {name} --help` shows no example:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains(&format!("anthology {name}")),
            "`anthology {name} --help`'s example is not of itself"
        );
    }
}

#[test]
fn a_progress_bar_only_on_a_terminal() {
    // The bar waits 300 ms before it shows; here it is told not to wait, so that the test does
    // not depend on how fast the machine is.
    let mut manifest = String::from("title: Long\nlanguage: en\ncontents:\n");
    let text = "A sentence of a long essay, one of many in a long book. ".repeat(300);
    let mut p = Project::new();
    for i in 0..300 {
        manifest.push_str(&format!("  - essays/e{i}.md\n"));
        p = p.file(
            &format!("essays/e{i}.md"),
            format!("# Essay {i}\n\n{text}\n\n{text}\n"),
        );
    }
    let p = p.file("anthology.yaml", manifest);
    // Piped: nothing but the path.
    let piped = p.run_env(
        &["build", ".", "-o", "book.epub"],
        &[("ANTHOLOGY_PROGRESS_DELAY_MS", "0")],
    );
    piped.success();
    assert!(piped.stderr.is_empty(), "{}", piped.stderr);
    // On a terminal (a pseudo-terminal of the test's), the bar; with -q, none.
    let on_terminal = |quiet: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_anthology"));
        command
            .args(
                [quiet, "build", ".", "-o", "book.epub"]
                    .into_iter()
                    .filter(|a| !a.is_empty()),
            )
            .current_dir(p.path())
            .env("ANTHOLOGY_PROGRESS_DELAY_MS", "0")
            // What a terminal's shell sets: a bar is not drawn on a `dumb` one.
            .env("TERM", "xterm-256color");
        let (status, shown) = common::output_on_terminal(command);
        assert!(status.success(), "{shown}");
        shown
    };
    let shown = on_terminal("");
    assert!(shown.contains("converting essays"), "{shown}");
    assert!(shown.contains("/300"), "{shown}");
    let quiet = on_terminal("-q");
    assert!(!quiet.contains("converting essays"), "{quiet}");
}

#[test]
fn a_reader_that_goes_away_is_not_a_panic() {
    // `anthology check --format json | head -1`: the reader closes the pipe early. The
    // output ends quietly; anything else on stdout that fails (a full disk) is an error.
    let p = minimal();
    for args in [
        &["check", ".", "--format", "json"][..],
        &["stats", ".", "--format", "json"],
        &["completions", "bash"],
        &["man"],
        &["themes"],
        &["build", ".", "-o", "book.epub"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_anthology"))
            .args(args)
            .current_dir(p.path())
            .env("NO_COLOR", "1")
            .stdout(writer)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}:\n{stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}:\n{stderr}");
    }
    assert_valid(&p.path().join("book.epub"));
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_anthology"))
        .args(["completions", "fish"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: cannot write to stdout"));
}

#[test]
fn serve_survives_a_panic_in_a_rebuild() {
    // A debug build (the tests') panics in a rebuild when a page holds this text; with
    // `-hang`, the build also waits for ever on the thread that panicked.
    let trigger = "PANIC-IN-A-REBUILD";
    let p = minimal();
    let server = Background::start_env(
        p.path(),
        &["serve", ".", "--port", "0"],
        &[("ANTHOLOGY_TEST_PANIC", trigger), ("RUST_BACKTRACE", "1")],
    );
    let url = server.line();
    let mut good = "The first essay.".to_string();
    assert!(get(&url, "/text/one.xhtml").body.contains(&good));
    for (breaks, mends) in [("", "Mended."), ("-hang", "Mended again.")] {
        std::fs::write(
            p.path().join("essays/one.md"),
            format!("# One\n\nThis breaks it: {trigger}{breaks}\n"),
        )
        .unwrap();
        eventually("the panic shows as an error", || {
            let page = get(&url, "/text/one.xhtml").body;
            (page.contains("anthology-preview-problems")
                && page.contains("the build failed unexpectedly: a test asked for this panic")
                && page.contains("this is a bug, please report it"))
            .then_some(())
            .ok_or(page)
        });
        // The last good book stays on show.
        let page = get(&url, "/text/one.xhtml").body;
        assert!(
            page.contains(&good) && !page.contains("This breaks it"),
            "{page}"
        );
        std::fs::write(
            p.path().join("essays/one.md"),
            format!("# One\n\n{mends}\n"),
        )
        .unwrap();
        eventually("the next save builds again", || {
            let page = get(&url, "/text/one.xhtml").body;
            (page.contains(mends) && !page.contains("anthology-preview-problems"))
                .then_some(())
                .ok_or(page)
        });
        good = mends.to_string();
    }
    // On the terminal, one line each, and no panic's own report or backtrace.
    let err = server.stderr();
    assert_eq!(
        err.matches("error: the build failed unexpectedly:").count(),
        2,
        "{err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn serve_answers_a_reader_while_slow_clients_trickle() {
    let p = minimal();
    let (server, url) = serve(&p);
    let addr = url
        .strip_prefix("http://")
        .and_then(|a| a.strip_suffix('/'))
        .unwrap()
        .to_string();
    // More clients than the server takes at once, each sending its request a byte a second.
    let request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let mut slow: Vec<TcpStream> = (0..80)
        .map(|_| TcpStream::connect(&addr).expect("connect a slow client"))
        .collect();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let trickle = {
        let stop = stop.clone();
        let mut clients: Vec<TcpStream> = slow.iter().map(|s| s.try_clone().unwrap()).collect();
        std::thread::spawn(move || {
            let mut sent = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) && sent < request.len() - 1 {
                for c in &mut clients {
                    let _ = c.write_all(&request[sent..=sent]);
                }
                sent += 1;
                std::thread::sleep(Duration::from_secs(1));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(1500));
    // A reader's request is answered at once all the same.
    let started = Instant::now();
    let page = get(&url, "/");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(">Minimal</h1>"), "{}", page.body);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered only after {:?}",
        started.elapsed()
    );
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    trickle.join().unwrap();
    slow.clear();

    // However steadily a client trickles, its whole request head has 10 seconds.
    let mut client = TcpStream::connect(&addr).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut writer = client.try_clone().unwrap();
    let started = Instant::now();
    std::thread::spawn(move || {
        for byte in request.iter().cycle().take(200) {
            if writer.write_all(&[*byte]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    });
    let mut answer = String::new();
    let _ = client.read_to_string(&mut answer);
    let took = started.elapsed();
    assert!(
        answer.starts_with("HTTP/1.1 408 "),
        "after {took:?}: {answer:?}"
    );
    assert!(took < Duration::from_secs(13), "closed after {took:?}");
    assert_eq!(get(&url, "/").status, 200);
    assert_eq!(server.interrupt(), Some(0));
}

/// How many inotify watches the process `pid` holds (Linux's own count).
#[cfg(target_os = "linux")]
fn inotify_watches(pid: u32) -> usize {
    let mut watches = 0;
    for fd in std::fs::read_dir(format!("/proc/{pid}/fdinfo"))
        .unwrap()
        .flatten()
    {
        if let Ok(info) = std::fs::read_to_string(fd.path()) {
            watches += info
                .lines()
                .filter(|l| l.starts_with("inotify wd:"))
                .count();
        }
    }
    watches
}

#[test]
#[cfg(target_os = "linux")]
fn serve_watches_only_what_the_book_reads() {
    // A big folder outside the collection, reached through a symbolic link inside it.
    let outside = tempfile::tempdir().unwrap();
    for i in 0..300 {
        let dir = outside.path().join(format!("d{i}/deeper"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("note.md"), "# A note\n").unwrap();
    }
    let p = minimal().file("drafts/notes.md", "# Notes\n\nNot in the book.\n");
    std::os::unix::fs::symlink(outside.path(), p.path().join("library")).unwrap();
    let (server, url) = serve(&p);
    let pid = server.child.id();
    let version = get(&url, "/__version").body;
    // The collection's folder (for the manifest) and `essays/`.
    let watches = inotify_watches(pid);
    assert!(watches <= 3, "{watches} watches");

    // Changes outside what the book reads are not changes to it.
    std::fs::write(outside.path().join("d7/deeper/note.md"), "# Changed\n").unwrap();
    std::fs::write(outside.path().join("d8/new.md"), "# New\n").unwrap();
    std::fs::write(p.path().join("drafts/notes.md"), "# Notes\n\nChanged.\n").unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        get(&url, "/__version").body,
        version,
        "a rebuild for nothing"
    );

    // An essay's edit is one.
    std::fs::write(p.path().join("essays/one.md"), "# One\n\nEdited.\n").unwrap();
    eventually("the edit shows", || {
        let page = get(&url, "/text/one.xhtml").body;
        page.contains("Edited.").then_some(()).ok_or(page)
    });

    // A build that fails may be mended by any file of the collection: every folder of it is
    // watched until it builds again, never through the link.
    let manifest =
        "title: Minimal\nlanguage: en\ncontents:\n  - essays/one.md\n  - drafts/new.md\n";
    std::fs::write(p.path().join("anthology.yaml"), manifest).unwrap();
    eventually("the error shows", || {
        let page = get(&url, "/").body;
        page.contains("drafts/new.md").then_some(()).ok_or(page)
    });
    let watches = inotify_watches(pid);
    assert!(watches <= 4, "{watches} watches");
    std::fs::write(p.path().join("drafts/new.md"), "# New\n\nA new essay.\n").unwrap();
    eventually("the new essay shows", || {
        let page = get(&url, "/text/new.xhtml").body;
        page.contains("A new essay.").then_some(()).ok_or(page)
    });
    // Its folder is watched now that the book reads it.
    std::fs::write(p.path().join("drafts/new.md"), "# New\n\nRevised.\n").unwrap();
    eventually("the new essay's edit shows", || {
        let page = get(&url, "/text/new.xhtml").body;
        page.contains("Revised.").then_some(()).ok_or(page)
    });
    assert!(inotify_watches(pid) <= 4);
    assert_eq!(server.interrupt(), Some(0));
}
