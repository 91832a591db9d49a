//! `anthology publish`, tested for real: the repository's sample collections beside a broken
//! one; every EPUB and Kobo EPUB through EPUBCheck; the OPDS 1.2 feed through jing and the
//! Atom RELAX NG schema, the OPDS 2.0 feed through its JSON Schemas; every link followed; a
//! second run that rebuilds nothing; and the page served on 127.0.0.1 and opened in headless
//! Chromium, with a screenshot. A missing tool is a failure, never a skip.

#![allow(clippy::disallowed_methods)] // Tests read what they built.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{Project, assert_valid, copy_dir, repo, unzip};

/// The sample collections, and a broken one, in `shelf/`.
fn shelf_with_broken() -> Project {
    let p = Project::new();
    for name in ["closeness", "marginalia"] {
        copy_dir(
            &repo().join("collections").join(name),
            &p.path().join("shelf").join(name),
        );
    }
    p.file(
        "shelf/broken/anthology.yaml",
        "title: Broken\nlanguage: en\ncontents:\n  - essays/missing.md\n",
    )
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file of a folder (not the cache), by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, read(&path));
            }
        }
    }
    out
}

#[test]
fn broken_collection_is_reported_and_the_others_publish() {
    let p = shelf_with_broken();
    let run = p.run(&["publish", "shelf", "-o", "dist", "--formats", "epub,kepub"]);
    run.failure();
    assert_eq!(run.stdout, "dist/index.html\n");
    // The broken collection's own error, at its place, then that it is left off.
    assert!(
        run.stderr.contains("--> shelf/broken/anthology.yaml:4:5"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("error: shelf/broken is left off the shelf"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("published 2 books in dist (2 built, 0 unchanged)"),
        "{}",
        run.stderr
    );
    let dist = p.path().join("dist");
    for book in ["closeness", "marginalia"] {
        assert_valid(&dist.join(format!("{book}.epub")));
        let kepub = dist.join(format!("{book}.kepub.epub"));
        assert_valid(&kepub);
        let pages: Vec<String> = unzip(&kepub)
            .into_iter()
            .filter(|(name, _)| name.starts_with("EPUB/text/"))
            .map(|(_, data)| String::from_utf8(data).unwrap())
            .collect();
        assert!(pages.iter().all(|page| page.contains("id=\"book-inner\"")));
        assert!(
            pages
                .iter()
                .any(|page| page.contains("<span class=\"koboSpan\" id=\"kobo.1.1\">"))
        );
        assert!(dist.join(format!("{book}.html")).is_file());
    }
    assert!(dist.join("covers/marginalia.png").is_file());
    assert!(dist.join("covers/marginalia.thumb.jpg").is_file());
    for catalog in ["catalog.xml", "catalog.json", "index.html"] {
        let text = String::from_utf8(read(&dist.join(catalog))).unwrap();
        assert!(text.contains("Marginalia") && text.contains("Closeness"));
        assert!(!text.contains("Broken"), "{catalog} lists the broken book");
    }
}

#[test]
fn second_run_rebuilds_nothing_and_changes_no_byte() {
    let p = Project::new();
    for name in ["closeness", "marginalia"] {
        copy_dir(
            &repo().join("collections").join(name),
            &p.path().join("shelf").join(name),
        );
    }
    let args = ["publish", "shelf", "-o", "dist", "--formats", "epub,kepub"];
    p.run(&args).success();
    let dist = p.path().join("dist");
    let first = files(&dist);
    let modified = std::fs::metadata(dist.join("catalog.xml"))
        .unwrap()
        .modified()
        .unwrap();

    let again = p.run(&args);
    again.success();
    assert!(
        again.stderr.contains("(0 built, 2 unchanged)"),
        "{}",
        again.stderr
    );
    assert_eq!(first, files(&dist), "a second run changed the shelf");
    assert_eq!(
        std::fs::metadata(dist.join("catalog.xml"))
            .unwrap()
            .modified()
            .unwrap(),
        modified,
        "an unchanged catalog is not even rewritten"
    );

    // One essay changes: that book alone is rebuilt.
    let essay = p.path().join("shelf/closeness/essays/closeness.md");
    let mut text = String::from_utf8(read(&essay)).unwrap();
    text.push_str("\nA new closing paragraph.\n");
    std::fs::write(&essay, text).unwrap();
    let third = p.run(&args);
    third.success();
    assert!(
        third.stderr.contains("(1 built, 1 unchanged)"),
        "{}",
        third.stderr
    );
    let now = files(&dist);
    assert_ne!(first["closeness.epub"], now["closeness.epub"]);
    assert_eq!(first["marginalia.epub"], now["marginalia.epub"]);
    assert_eq!(first["marginalia.kepub.epub"], now["marginalia.kepub.epub"]);

    // A damaged file in DIST is noticed and rebuilt, not served.
    std::fs::write(dist.join("marginalia.epub"), "not a book").unwrap();
    let fourth = p.run(&args);
    fourth.success();
    assert!(
        fourth.stderr.contains("(1 built, 1 unchanged)"),
        "{}",
        fourth.stderr
    );
    assert_eq!(
        first["marginalia.epub"],
        read(&dist.join("marginalia.epub"))
    );
}

#[test]
fn what_leaves_the_shelf_leaves_dist_and_nothing_else_does() {
    let p = Project::new();
    for name in ["closeness", "marginalia"] {
        copy_dir(
            &repo().join("collections").join(name),
            &p.path().join("shelf").join(name),
        );
    }
    let p = p.file("dist/notes.txt", "mine");
    p.run(&["publish", "shelf", "-o", "dist", "--formats", "epub,kepub"])
        .success();
    std::fs::remove_dir_all(p.path().join("shelf/marginalia")).unwrap();
    p.run(&["publish", "shelf", "-o", "dist"]).success();
    let now = files(&p.path().join("dist"));
    let names: Vec<&str> = now
        .keys()
        .map(String::as_str)
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(
        names,
        [
            "catalog.json",
            "catalog.xml",
            "closeness.epub",
            "closeness.html",
            "closeness.json",
            // Closeness has no cover of its own: the one made for it.
            "covers/closeness.png",
            "covers/closeness.thumb.jpg",
            "index.html",
            "notes.txt",
            "shelf.css"
        ]
    );
}

#[test]
fn nothing_to_publish_is_an_error() {
    let p = Project::new().dir("empty");
    let run = p.run(&["publish", "empty"]);
    run.failure();
    assert!(
        run.stderr.contains("no collection in empty"),
        "{}",
        run.stderr
    );
    assert!(!p.path().join("dist/index.html").exists());
    let bad = p.run(&["publish", "empty", "--base-url", "books.example.org"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

/// Every link of a catalog, as written.
fn catalog_links(dist: &Path) -> (Vec<String>, Vec<String>) {
    let xml = String::from_utf8(read(&dist.join("catalog.xml"))).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("catalog.xml is XML");
    let atom: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name(("http://www.w3.org/2005/Atom", "link")))
        .map(|n| n.attribute("href").expect("href").to_string())
        .collect();
    let json: serde_json::Value =
        serde_json::from_slice(&read(&dist.join("catalog.json"))).expect("catalog.json is JSON");
    let mut hrefs = Vec::new();
    fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(h)) = map.get("href") {
                    out.push(h.clone());
                }
                map.values().for_each(|v| collect(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    collect(&json, &mut hrefs);
    (atom, hrefs)
}

/// jing on `document`, when the conformance switch is on (`common::conformance`).
fn jing(schema: &Path, document: &Path) {
    if common::conformance().is_none() {
        return;
    }
    let out = Command::new("jing")
        .arg("-c")
        .arg(schema)
        .arg(document)
        .output()
        .unwrap_or_else(|e| {
            panic!("jing is not installed ({e}): run .ci/run, or apt-get install jing")
        });
    assert!(
        out.status.success(),
        "{} does not validate against {}:\n{}",
        document.display(),
        schema.display(),
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The OPDS 2.0 schemas on the feed and its publications (Python's jsonschema), when the
/// conformance switch is on.
fn opds2(dist: &Path) {
    if common::conformance().is_none() {
        return;
    }
    let mut cmd = Command::new("python3");
    cmd.arg(repo().join("tests/schemas/validate_opds2.py"))
        .arg("feed")
        .arg(dist.join("catalog.json"));
    let json: serde_json::Value =
        serde_json::from_slice(&read(&dist.join("catalog.json"))).unwrap();
    for publication in json["publications"].as_array().unwrap() {
        let own = publication["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "self")
            .expect("a self link")["href"]
            .as_str()
            .unwrap();
        let file = own.rsplit('/').next().unwrap();
        cmd.arg("publication").arg(dist.join(file));
    }
    let out = cmd.output().expect("python3 runs");
    assert!(
        out.status.success(),
        "OPDS 2.0 validation failed (run .ci/run to install jsonschema):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The Schematron rules of RFC 4287's schema, which jing does not run.
fn atom_rules(dist: &Path) {
    let xml = String::from_utf8(read(&dist.join("catalog.xml"))).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let atom = |n: roxmltree::Node, name: &str| {
        n.children()
            .filter(|c| c.has_tag_name(("http://www.w3.org/2005/Atom", name)))
            .count()
    };
    let feed = doc.root_element();
    for entry in feed
        .children()
        .filter(|c| c.has_tag_name(("http://www.w3.org/2005/Atom", "entry")))
    {
        assert!(atom(entry, "author") > 0 || atom(feed, "author") > 0);
        assert!(
            entry
                .children()
                .any(|l| l.has_tag_name(("http://www.w3.org/2005/Atom", "link"))
                    && l.attribute("rel") == Some("alternate"))
        );
    }
}

#[test]
fn catalogs_validate_and_every_link_leads_to_a_file() {
    let p = shelf_with_broken();
    p.run(&["publish", "shelf", "-o", "dist", "--formats", "epub,kepub"])
        .failure();
    let dist = p.path().join("dist");
    jing(
        &repo().join("tests/schemas/atom.rnc"),
        &dist.join("catalog.xml"),
    );
    atom_rules(&dist);
    opds2(&dist);
    let (atom, json) = catalog_links(&dist);
    assert!(atom.len() >= 12 && json.len() >= 12, "{atom:?} {json:?}");
    for href in atom.iter().chain(&json) {
        assert!(!href.contains("://"), "relative links only: {href}");
        assert!(dist.join(href).is_file(), "{href} is not in DIST");
    }
    // Acquisition links give the book in the format they announce.
    let json: serde_json::Value =
        serde_json::from_slice(&read(&dist.join("catalog.json"))).unwrap();
    for publication in json["publications"].as_array().unwrap() {
        for link in publication["links"].as_array().unwrap() {
            if link["rel"] == "http://opds-spec.org/acquisition/open-access" {
                let data = read(&dist.join(link["href"].as_str().unwrap()));
                assert_eq!(&data[30..58], b"mimetypeapplication/epub+zip");
            }
        }
    }
}

#[test]
fn base_url_makes_every_link_absolute() {
    let p = shelf_with_broken();
    let base = "https://books.example.org/shelf/";
    p.run(&[
        "publish",
        "shelf",
        "-o",
        "dist",
        "--formats",
        "epub,kepub",
        "--base-url",
        "https://books.example.org/shelf",
    ])
    .failure();
    let dist = p.path().join("dist");
    jing(
        &repo().join("tests/schemas/atom.rnc"),
        &dist.join("catalog.xml"),
    );
    opds2(&dist);
    let (atom, json) = catalog_links(&dist);
    for href in atom.iter().chain(&json) {
        let file = href
            .strip_prefix(base)
            .unwrap_or_else(|| panic!("{href} is not under {base}"));
        assert!(dist.join(file).is_file(), "{href} is not in DIST");
    }
    for page in ["index.html", "marginalia.html"] {
        let html = String::from_utf8(read(&dist.join(page))).unwrap();
        let links = html_links(&html);
        assert!(links.len() > 5);
        for link in links {
            if link.starts_with('#') {
                continue;
            }
            assert!(link.starts_with(base), "{page}: {link} is not absolute");
        }
    }
}

/// `href` and `src` values of a page.
fn html_links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in [" href=\"", " src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            out.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    out
}

/// A tiny static file server on 127.0.0.1 for the browser test: GET only, one thread per
/// connection, stopped when dropped.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start(root: PathBuf) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let root = root.clone();
                        std::thread::spawn(move || serve(stream, &root));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server { port, stop }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn content_type(path: &str) -> &'static str {
    let types = [
        (".kepub.epub", "application/kepub+zip"),
        (".epub", "application/epub+zip"),
        (".html", "text/html; charset=utf-8"),
        (".css", "text/css; charset=utf-8"),
        (
            ".xml",
            "application/atom+xml;profile=opds-catalog;kind=acquisition",
        ),
        (".json", "application/opds+json"),
        (".png", "image/png"),
        (".jpg", "image/jpeg"),
    ];
    types
        .iter()
        .find(|(ext, _)| path.ends_with(ext))
        .map_or("application/octet-stream", |(_, t)| t)
}

fn serve(mut stream: TcpStream, root: &Path) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = Vec::new();
    let mut buf = [0; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request);
    let path = request
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    let file = root.join(path);
    let response = match std::fs::read(&file) {
        Ok(body) if !path.split('/').any(|p| p == "..") => {
            let mut r = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                content_type(path),
                body.len()
            )
            .into_bytes();
            r.extend_from_slice(&body);
            r
        }
        _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
    };
    let _ = stream.write_all(&response);
}

/// GET `url` (on the test server): status, content type, body.
fn get(url: &str) -> (u16, String, Vec<u8>) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or("")
        .to_string();
    (status, content_type, response[split + 4..].to_vec())
}

fn chromium(profile: &Path, args: &[&str]) -> std::process::Output {
    let browser = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{browser} cannot run ({e}): run .ci/run, or apt-get install chromium")
        })
}

/// Chromium is a conformance tool: the test runs when the switch is on (`common::conformance`).
#[test]
fn the_shelf_in_a_real_browser() {
    if common::conformance().is_none() {
        return;
    }
    let p = shelf_with_broken();
    p.run(&[
        "publish",
        "shelf",
        "-o",
        "dist",
        "--formats",
        "epub,kepub",
        "--title",
        "Small Hours Library",
    ])
    .failure();
    let server = Server::start(p.path().join("dist"));
    let profile = tempfile::tempdir().unwrap();

    let out = chromium(profile.path(), &["--dump-dom", &server.url("index.html")]);
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        dom.contains("<h1>Small Hours Library</h1>"),
        "Chromium showed no shelf:\n{dom}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dom.contains(">Marginalia</a></h2>") && dom.contains(">Closeness</a></h2>"));
    assert!(!dom.contains("<script"));

    // Every link and image of the page is served from the shelf itself, and every download
    // is the book, with the right type.
    let links = html_links(&dom);
    let downloads: Vec<&String> = links.iter().filter(|l| l.ends_with(".epub")).collect();
    assert_eq!(downloads.len(), 4, "{links:?}");
    for link in &links {
        assert!(!link.contains("://"), "the page reaches outside: {link}");
        if link.starts_with('#') {
            continue;
        }
        let (status, content_type, body) = get(&server.url(link));
        assert_eq!(status, 200, "{link}");
        if link.ends_with(".epub") {
            let expected = if link.ends_with(".kepub.epub") {
                "application/kepub+zip"
            } else {
                "application/epub+zip"
            };
            assert_eq!(content_type, expected, "{link}");
            assert_eq!(&body[30..58], b"mimetypeapplication/epub+zip", "{link}");
        }
    }

    let shot = repo().join("target/publish-shelf.png");
    let out = chromium(
        profile.path(),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,900",
            &server.url("index.html"),
        ],
    );
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A page, not a blank: many colours (covers, text, buttons).
    let img = image::open(&shot).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1280, 900));
    let colours: std::collections::HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    assert!(colours.len() > 500, "the screenshot looks blank");
    if std::env::var_os("UPDATE_SCREENSHOT").is_some() {
        std::fs::create_dir_all(repo().join("docs")).unwrap();
        std::fs::copy(&shot, repo().join("docs/guide/images/shelf.png")).unwrap();
    }
}

#[test]
fn kobo_edition_of_the_kitchen_sink_is_valid() {
    // Raw HTML, tables, pop-up notes, images, parts: every kind of page the assembler writes.
    let p = Project::new();
    copy_dir(
        &repo().join("tests/fixtures/kitchen-sink"),
        &p.path().join("kitchen-sink"),
    );
    let run = p.run(&[
        "publish",
        "kitchen-sink",
        "-o",
        "dist",
        "--formats",
        "kepub",
    ]);
    run.success();
    let dist = p.path().join("dist");
    let kepubs: Vec<PathBuf> = std::fs::read_dir(&dist)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".epub"))
        .collect();
    assert_eq!(kepubs.len(), 1, "{kepubs:?}");
    assert!(kepubs[0].to_string_lossy().ends_with(".kepub.epub"));
    assert_valid(&kepubs[0]);
}

#[test]
fn books_with_one_title_get_distinct_names_that_follow_them() {
    let manifest = "title: Essays\nlanguage: en\ncontents:\n  - one.md\n";
    let p = Project::new()
        .file("shelf/a/anthology.yaml", manifest)
        .file("shelf/a/one.md", "# One\n\nFirst.\n")
        .file("shelf/b/anthology.yaml", manifest)
        .file("shelf/b/one.md", "# One\n\nSecond.\n");
    p.run(&["publish", "shelf"]).success();
    let dist = p.path().join("dist");
    let second = read(&dist.join("essays-2.epub"));
    assert!(dist.join("essays.epub").is_file());

    // `a` breaks: `b`, unchanged, is not rebuilt but takes the free name; `a`'s book goes.
    std::fs::write(p.path().join("shelf/a/one.md"), [0xff, 0xfe, 0x00]).unwrap();
    let run = p.run(&["publish", "shelf", "-v"]);
    run.failure();
    assert!(
        run.stderr.contains("(0 built, 1 unchanged)"),
        "{}",
        run.stderr
    );
    assert_eq!(read(&dist.join("essays.epub")), second);
    assert!(!dist.join("essays-2.epub").exists());
    assert!(!dist.join("essays-2.html").exists());
    let (atom, json) = catalog_links(&dist);
    for href in atom.iter().chain(&json) {
        assert!(dist.join(href).is_file(), "{href} is not in DIST");
    }
}

// ---- untrusted input, trusted tool (issue 21) ----------------------------------------------

/// One small collection in the folder `dir`, titled `title`.
fn small(p: Project, dir: &str, title: &str) -> Project {
    p.file(
        &format!("{dir}/anthology.yaml"),
        format!("title: {title}\nlanguage: en\ncontents:\n  - one.md\n"),
    )
    .file(
        &format!("{dir}/one.md"),
        format!("# One\n\nThe first essay of {title}.\n"),
    )
}

/// `books` collections of `essays` essays each under `root/`: a shelf that takes a while.
fn big_shelf(mut p: Project, root: &str, books: usize, essays: usize) -> Project {
    let words = "the quiet harbour kept its lights through the long winter evening while";
    let words: Vec<&str> = words.split(' ').collect();
    for b in 0..books {
        let mut manifest = format!("title: Big {b}\nlanguage: en\ncontents:\n");
        for i in 0..essays {
            manifest.push_str(&format!("  - essays/e{i}.md\n"));
            let body: Vec<String> = (0..16)
                .map(|j| {
                    let s: Vec<&str> = (0..25).map(|k| words[(i + j + k) % words.len()]).collect();
                    format!("{}.", s.join(" "))
                })
                .collect();
            p = p.file(
                &format!("{root}/big{b}/essays/e{i}.md"),
                format!("# Essay {i}\n\n{}\n", body.join("\n\n")),
            );
        }
        p = p.file(&format!("{root}/big{b}/anthology.yaml"), manifest);
    }
    p
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn cache_json(dist: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(&dist.join(".anthology-publish.json"))).unwrap()
}

#[test]
fn a_tampered_cache_deletes_nothing_outside_dist() {
    let p = small(small(Project::new(), "shelf/a", "Alpha"), "shelf/b", "Beta");
    p.run(&["publish", "shelf"]).success();
    let dist = p.path().join("dist");
    let victims = p.path().join("victims");
    std::fs::create_dir_all(&victims).unwrap();
    let victim = |name: &str| {
        let path = victims.join(name);
        std::fs::write(&path, format!("precious {name}")).unwrap();
        path
    };
    let (x, abs, y) = (victim("x"), victim("abs"), victim("y"));
    // Alpha's files renamed to the victims, with the victims' own sizes and hashes: only the
    // names betray them.
    let mut cache = cache_json(&dist);
    let book = cache["books"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|b| b["title"] == "Alpha")
        .unwrap();
    let aim = |file: &mut serde_json::Value, name: String, path: &Path| {
        let data = read(path);
        file["file"] = name.into();
        file["bytes"] = data.len().into();
        file["sha256"] = sha256_hex(&data).into();
    };
    aim(&mut book["downloads"][0], "../victims/x".into(), &x);
    aim(
        &mut book["cover"]["full"],
        abs.to_string_lossy().into_owned(),
        &abs,
    );
    aim(
        &mut book["cover"]["thumbnail"],
        "covers/../../victims/y".into(),
        &y,
    );
    std::fs::write(
        dist.join(".anthology-publish.json"),
        serde_json::to_vec_pretty(&cache).unwrap(),
    )
    .unwrap();
    // Alpha leaves the shelf: what the cache says it wrote is now stale.
    std::fs::remove_dir_all(p.path().join("shelf/a")).unwrap();
    let run = p.run(&["publish", "shelf"]);
    run.success();
    for path in [&x, &abs, &y] {
        assert!(path.is_file(), "{} was deleted", path.display());
    }
    assert!(
        run.stderr.contains("dist/.anthology-publish.json"),
        "the ignored cache is not named:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("(1 built, 0 unchanged)"),
        "the shelf is rebuilt:\n{}",
        run.stderr
    );
}

#[test]
fn a_covers_folder_linked_outside_dist_is_neither_written_nor_emptied() {
    let p = small(small(Project::new(), "shelf/a", "Alpha"), "shelf/b", "Beta");
    p.run(&["publish", "shelf"]).success();
    let dist = p.path().join("dist");
    // `covers` becomes a link to a folder outside DIST holding the same files: their names
    // and hashes match the cache, but they are not the shelf's.
    let victims = p.path().join("victims");
    copy_dir(&dist.join("covers"), &victims);
    std::fs::remove_dir_all(dist.join("covers")).unwrap();
    std::os::unix::fs::symlink(&victims, dist.join("covers")).unwrap();
    let before = files(&victims);
    std::fs::remove_dir_all(p.path().join("shelf/a")).unwrap();
    let run = p.run(&["publish", "shelf"]);
    assert_eq!(files(&victims), before, "{}", run.stderr);
    assert!(run.stderr.contains("dist/covers"), "{}", run.stderr);
}

#[test]
fn files_changed_since_they_were_written_are_left_in_place() {
    let p = small(small(Project::new(), "shelf/a", "Alpha"), "shelf/b", "Beta");
    p.run(&["publish", "shelf"]).success();
    let dist = p.path().join("dist");
    let mut page = read(&dist.join("alpha.html"));
    page.extend_from_slice(b"<!-- my note -->\n");
    std::fs::write(dist.join("alpha.html"), &page).unwrap();
    std::fs::write(dist.join("alpha.epub"), "my own book now").unwrap();
    std::fs::remove_dir_all(p.path().join("shelf/a")).unwrap();
    let run = p.run(&["publish", "shelf"]);
    run.success();
    assert_eq!(read(&dist.join("alpha.html")), page, "{}", run.stderr);
    assert_eq!(read(&dist.join("alpha.epub")), b"my own book now");
    // What was not changed goes; what was is named.
    assert!(!dist.join("alpha.json").exists());
    assert!(!dist.join("covers/alpha.png").exists());
    for name in ["dist/alpha.html", "dist/alpha.epub"] {
        assert!(run.stderr.contains(name), "{name}:\n{}", run.stderr);
    }
}

/// Runs `anthology ARGS` in `dir`, killed after `limit`: `None` if it had to be.
fn run_within(dir: &Path, args: &[&str], limit: Duration) -> Option<std::process::Output> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_anthology"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(child.wait_with_output().unwrap())
}

#[test]
fn only_the_files_the_build_reads_are_hashed() {
    let p = small(Project::new(), "shelf/a", "Alpha").file("shelf/a/notes.txt", "draft");
    // Endless if read; and no book reads it.
    std::os::unix::fs::symlink("/proc/self/pagemap", p.path().join("shelf/a/stray")).unwrap();
    let publish = || {
        let out = run_within(p.path(), &["publish", "shelf"], Duration::from_secs(30))
            .expect("publish hangs on a file no book reads");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(publish().contains("(1 built, 0 unchanged)"));
    // A file no book reads changes: nothing to rebuild.
    std::fs::write(p.path().join("shelf/a/notes.txt"), "another draft").unwrap();
    let second = publish();
    assert!(second.contains("(0 built, 1 unchanged)"), "{second}");
    // The essay changes: the book is rebuilt.
    std::fs::write(p.path().join("shelf/a/one.md"), "# One\n\nRewritten.\n").unwrap();
    let third = publish();
    assert!(third.contains("(1 built, 0 unchanged)"), "{third}");
}

/// A `size`×`size` RGB PNG of one colour, compressed as it is made (it is half a gigabyte
/// decoded, half a megabyte on disk).
fn huge_png(size: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&size.to_be_bytes());
    header.extend_from_slice(&size.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &header);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let mut row = vec![0x80u8; 1 + 3 * size as usize];
    row[0] = 0;
    z.write_all(&row).unwrap();
    // Every later row: filter "up", all zero.
    row.fill(0);
    row[0] = 2;
    for _ in 1..size {
        z.write_all(&row).unwrap();
    }
    chunk(&mut png, b"IDAT", &z.finish().unwrap());
    chunk(&mut png, b"IEND", &[]);
    png
}

/// The peak resident memory of a process, from `/proc`, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[test]
fn huge_covers_are_published_without_thumbnails_in_bounded_memory() {
    let png = huge_png(13_000);
    assert!(png.len() < 2 << 20, "{}", png.len());
    let mut p = Project::new();
    for n in 0..4 {
        p = p
            .file(
                &format!("shelf/c{n}/anthology.yaml"),
                format!("title: Huge {n}\nlanguage: en\ncover: cover.png\ncontents:\n  - one.md\n"),
            )
            .file(&format!("shelf/c{n}/one.md"), "# One\n\nText.\n")
            .file(&format!("shelf/c{n}/cover.png"), &png);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_anthology"))
        .args(["publish", "shelf"])
        .current_dir(p.path())
        .env("NO_COLOR", "1")
        // Four at once, whatever the machine: the peak must not grow with them.
        .env("RAYON_NUM_THREADS", "4")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        peak = peak.max(peak_kib(child.id()).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(peak < 300 * 1024, "peak {} MiB:\n{stderr}", peak / 1024);
    for n in 0..4 {
        let cover = format!("shelf/c{n}/cover.png");
        assert!(stderr.contains(&cover), "{cover} is not named:\n{stderr}");
        let dist = p.path().join("dist");
        assert!(dist.join(format!("huge-{n}.epub")).is_file());
        for ext in ["png", "jpg"] {
            assert!(!dist.join(format!("covers/huge-{n}.thumb.{ext}")).exists());
        }
    }
    let index = String::from_utf8(read(&p.path().join("dist/index.html"))).unwrap();
    assert!(!index.contains(".thumb."), "no thumbnail to show");
}

/// Names in DIST (and `covers/`) that only an unfinished run leaves.
fn scratch(dist: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for dir in [dist.to_path_buf(), dist.join("covers")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if (name.starts_with(".anthology-") && name != ".anthology-publish.json")
                || name.ends_with(".tmp")
            {
                out.push(name);
            }
        }
    }
    out.sort();
    out
}

/// Starts `publish FOLDER -o dist` and returns once it is building (its scratch folder holds
/// something).
fn publish_started(p: &Project, folder: &str) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_anthology"))
        .args(["publish", folder, "-o", "dist", "--formats", "epub,kepub"])
        .current_dir(p.path())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let dist = p.path().join("dist");
    let busy = || {
        std::fs::read_dir(&dist).into_iter().flatten().any(|e| {
            let e = e.unwrap();
            e.file_name()
                .to_string_lossy()
                .starts_with(".anthology-work-")
                && std::fs::read_dir(e.path()).is_ok_and(|mut d| d.next().is_some())
        })
    };
    let started = std::time::Instant::now();
    while !busy() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("publish never started building");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    child
}

fn signal(child: &std::process::Child, signal: &str) {
    use rustix::process::Signal;
    let signal = match signal {
        "-INT" => Signal::INT,
        "-TERM" => Signal::TERM,
        "-KILL" => Signal::KILL,
        other => panic!("no signal {other}"),
    };
    common::signal(child, signal);
}

#[test]
fn an_interrupted_publish_leaves_no_scratch_in_dist() {
    let p = big_shelf(Project::new(), "shelf", 4, 2000);
    let child = publish_started(&p, "shelf");
    signal(&child, "-TERM");
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(scratch(&p.path().join("dist")), Vec::<String>::new());
}

#[test]
fn a_killed_publishs_scratch_is_cleared_next_time_and_nothing_else() {
    let p = small(
        big_shelf(Project::new(), "big", 4, 2000),
        "shelf/a",
        "Alpha",
    );
    let mut child = publish_started(&p, "big");
    signal(&child, "-KILL");
    child.wait().unwrap();
    let dist = p.path().join("dist");
    assert!(!scratch(&dist).is_empty(), "the killed run left nothing");
    // Look-alikes the tool did not make: never touched.
    let outside = p.path().join("outside.txt");
    std::fs::write(&outside, "mine").unwrap();
    let p = p
        .file("dist/.anthology-work-mine/notes.txt", "mine")
        .file("dist/.anthology-work-ABCDEF/notes.txt", "mine")
        .file("dist/keep.kepub.tmp", "mine")
        .file("dist/.anthology-notes.tmp", "mine");
    std::os::unix::fs::symlink(&outside, dist.join(".anthology-qwerty.kepub.tmp")).unwrap();
    let decoys = [
        ".anthology-work-ABCDEF",
        ".anthology-work-mine",
        ".anthology-notes.tmp",
        ".anthology-qwerty.kepub.tmp",
        "keep.kepub.tmp",
    ];
    let run = p.run(&["publish", "shelf", "-o", "dist"]);
    run.success();
    let mut left = scratch(&dist);
    left.retain(|n| !decoys.contains(&n.as_str()));
    assert_eq!(left, Vec::<String>::new(), "{}", run.stderr);
    for decoy in [
        ".anthology-work-mine/notes.txt",
        ".anthology-work-ABCDEF/notes.txt",
        "keep.kepub.tmp",
        ".anthology-notes.tmp",
    ] {
        assert_eq!(read(&dist.join(decoy)), b"mine", "{decoy}");
    }
    assert_eq!(read(&outside), b"mine");
}

#[test]
fn concurrent_publishes_into_one_dist_leave_a_shelf_whose_links_hold() {
    // `a` comes first: it is found unchanged before the big books are built.
    let p = small(
        big_shelf(Project::new(), "shelf", 4, 2000),
        "shelf/a",
        "Kept",
    );
    let p = small(p, "other/b", "Other");
    p.run(&["publish", "shelf", "-o", "dist", "--formats", "epub,kepub"])
        .success();
    // The big books change (their rebuild takes a while); `a` does not, and is reused.
    for b in 0..4 {
        let essay = p.path().join(format!("shelf/big{b}/essays/e0.md"));
        let mut text = read(&essay);
        text.extend_from_slice(b"\nA new line.\n");
        std::fs::write(&essay, text).unwrap();
    }
    let first = publish_started(&p, "shelf");
    // Meanwhile another shelf is published into the same DIST.
    let second = p.run(&["publish", "other", "-o", "dist", "--formats", "epub,kepub"]);
    let first = first.wait_with_output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    second.success();
    let dist = p.path().join("dist");
    let (atom, json) = catalog_links(&dist);
    for href in atom.iter().chain(&json) {
        assert!(
            dist.join(href).is_file(),
            "{href} is not in DIST:\n{}",
            second.stderr
        );
    }
    assert!(second.stderr.contains("waiting"), "{}", second.stderr);
}
