//! `anthology serve`: the collection as web pages on this computer, rebuilt on every save.
//!
//! The book is built in memory by the real pipeline ([`pipeline::write_book`]) and its files are
//! served as they are in the EPUB — same XHTML, same CSS — so the preview is what a reader
//! gets. Only the served copy of a page gets a few additions, never the book: a panel listing
//! the last build's problems, links to the previous and next pages, the page margins a reading
//! app would give it, and a small script that asks `/__version` whether the book changed and
//! reloads the page when it did. A build with
//! errors leaves the last good book on show, under the panel; so does a build that panics, a
//! bug shown as an error (`panics.rs`). The folders the build read are watched by
//! [`crate::watch`]; requests are answered by a small HTTP/1.1 server on `std::net` (`http.rs`),
//! one thread per connection, so many at once (`connections.rs`).
//!
//! For the tests, a debug build panics in a rebuild when asked to by `ANTHOLOGY_TEST_PANIC`
//! (`panic_if_asked`); a release build has no such hook.

mod connections;
mod http;
mod panics;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Cursor, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use crate::assemble::outline::part_id;
use crate::book::{Entry, chapter_href};
use crate::diag::{Diagnostic, error_count};
use crate::pipeline::{self, Stop};
use crate::text::escape;
use crate::watch::{self, Watcher};
use connections::{Connections, Slot};
use http::{Request, Response};

/// What `serve` is asked to do.
pub struct Options {
    /// An `anthology.yaml`, or the folder that holds one.
    pub path: PathBuf,
    /// The address to listen on (`127.0.0.1`: only this computer can connect).
    pub host: String,
    /// The port to listen on (0: any free port).
    pub port: u16,
    /// Told of what happens, for whoever runs the preview to show.
    pub events: Box<dyn Fn(Event) + Send + Sync>,
}

/// What happens while the collection is served.
#[derive(Debug)]
pub enum Event<'a> {
    /// The book was built for the first time, and the preview is at this address.
    Listening(SocketAddr),
    /// The book was built again; its problems (warnings only).
    Built {
        /// The build's warnings.
        diagnostics: &'a [Diagnostic],
        /// How long the build took.
        took: Duration,
    },
    /// The book could not be built; its problems.
    NotBuilt {
        /// The build's errors and warnings.
        diagnostics: &'a [Diagnostic],
        /// True when an earlier book stays on show.
        last_good_on_show: bool,
    },
    /// The preview stopped (Ctrl-C).
    Stopped,
}

/// What is on show.
#[derive(Default)]
struct Site {
    /// Goes up with every build, good or bad: pages reload when it changes.
    version: u64,
    /// The last book that built.
    book: Option<Book>,
    /// The last build's problems, as a panel for the top of every page (empty when none).
    problems: String,
    /// Whether the last build failed (then `book`, if any, is an older one).
    failed: bool,
    /// The names a request may give in its `Host` header.
    hosts: Hosts,
}

/// Which `Host` headers are answered. On loopback, only this computer's names: a web page
/// that points its own name at 127.0.0.1 (DNS rebinding) gets nothing of an unpublished book.
#[derive(Default)]
enum Hosts {
    #[default]
    Local,
    /// `--host NAME`: also that name.
    Also(String),
    /// `--host 0.0.0.0` or `::`: the author asked for every network; any name.
    Any,
}

impl Hosts {
    fn allow(&self, host: Option<&str>) -> bool {
        let Some(host) = host else {
            return true;
        };
        http::is_local_host(host)
            || match self {
                Hosts::Local => false,
                Hosts::Also(own) => {
                    http::host_name(host).eq_ignore_ascii_case(own.trim_matches(['[', ']']))
                }
                Hosts::Any => true,
            }
    }
}

struct Book {
    /// The files of the package, by path inside it (`text/a.xhtml`, `styles/book.css`).
    files: HashMap<String, Vec<u8>>,
    epub: Vec<u8>,
    /// The pages in reading order, from the title page.
    order: Vec<String>,
}

/// Serves until Ctrl-C. False when it could not start (the reason is in `diags`).
pub fn serve(options: &Options, diags: &mut Vec<Diagnostic>) -> bool {
    let folder = match watch::collection_folder(&options.path) {
        Ok(f) => f,
        Err(d) => {
            diags.push(d);
            return false;
        }
    };
    let listener = match TcpListener::bind((options.host.as_str(), options.port)) {
        Ok(l) => l,
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "serve",
                    format!("cannot listen on {}:{}: {e}", options.host, options.port),
                )
                .help("choose another port with --port, or --port 0 for any free one"),
            );
            return false;
        }
    };
    let Ok(addr) = listener.local_addr() else {
        return false;
    };
    // The default output folder: a `build` run beside the preview is not a change to show.
    let watcher = match Watcher::new(&folder, &[folder.join("build")]) {
        Ok(w) => w,
        Err(d) => {
            diags.push(d);
            return false;
        }
    };
    let hosts = match addr.ip() {
        ip if ip.is_unspecified() => Hosts::Any,
        ip if ip.is_loopback() => Hosts::Local,
        _ => Hosts::Also(options.host.clone()),
    };
    let site = Arc::new(RwLock::new(Site {
        hosts,
        ..Site::default()
    }));
    panics::install_hook();
    let began = SystemTime::now();
    let reads = rebuild(options, &site);
    watcher.follow(reads.as_deref(), began);
    (options.events)(Event::Listening(addr));

    let stop = Arc::new(AtomicBool::new(false));
    let wake = wake_address(addr);
    {
        let stop = stop.clone();
        // The accept loop blocks: a connection of our own wakes it to see the flag.
        let _ = ctrlc::set_handler(move || {
            stop.store(true, Ordering::SeqCst);
            let _ = TcpStream::connect(wake);
        });
    }
    let server = {
        let (site, stop) = (site.clone(), stop.clone());
        std::thread::spawn(move || accept(&listener, &site, &stop))
    };
    while watcher.wait(&stop) {
        let began = SystemTime::now();
        let reads = rebuild(options, &site);
        watcher.follow(reads.as_deref(), began);
    }
    stop.store(true, Ordering::SeqCst);
    let _ = TcpStream::connect(wake);
    let _ = server.join();
    (options.events)(Event::Stopped);
    true
}

/// Where to connect to reach the listener (not `0.0.0.0`, which is no destination).
fn wake_address(addr: SocketAddr) -> SocketAddr {
    let mut wake = addr;
    if addr.ip().is_unspecified() {
        wake.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    wake
}

fn accept(listener: &TcpListener, site: &Arc<RwLock<Site>>, stop: &AtomicBool) {
    let connections = Arc::new(Connections::default());
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else {
            // Out of file descriptors, say: a moment for some to close, rather than a spin.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let Some(slot) = connections.admit(&stream) else {
            // Every connection is being answered: say so now, without waiting on this one.
            let _ = stream.set_nonblocking(true);
            http::write(&stream, &Response::text(503, "busy: try again\n"), false);
            continue;
        };
        let site = site.clone();
        // When no thread can be started, the connection and its place go with the closure.
        let _ = std::thread::Builder::new()
            .name(panics::HTTP_THREAD.into())
            .spawn(move || answer(&stream, &site, &slot));
    }
}

/// Reads one request, within [`http::HEAD_DEADLINE`] for the whole of its head, and answers it.
fn answer(stream: &TcpStream, site: &RwLock<Site>, slot: &Slot) {
    let request = http::read(stream, Instant::now() + http::HEAD_DEADLINE);
    slot.answering();
    let (response, head_only) = match request {
        Ok(request) => {
            // A bug in answering (said by the panic hook) is a 500 and this connection only.
            let response = std::panic::catch_unwind(AssertUnwindSafe(|| {
                let site = site.read().unwrap_or_else(PoisonError::into_inner);
                respond(&site, &request)
            }))
            .unwrap_or_else(|_| Response::text(500, "the preview failed unexpectedly\n"));
            (response, request.head_only)
        }
        Err(response) => (response, false),
    };
    http::write(stream, &response, head_only);
}

/// Builds the book in memory and puts it on show; tells of it (`Options::events`). The files the build
/// read (relative to the collection), when it built.
fn rebuild(options: &Options, site: &RwLock<Site>) -> Option<Vec<String>> {
    let started = Instant::now();
    let path = options.path.clone();
    let built = panics::run(move || {
        let mut diags = Vec::new();
        let built = build_in_memory(&path, &mut diags);
        (built, diags)
    });
    let (built, diags) = built.unwrap_or_else(|what| {
        let bug = Diagnostic::error(
            "bug",
            format!("the build failed unexpectedly: {what} — this is a bug, please report it"),
        );
        (None, vec![bug])
    });
    let failed = built.is_none();
    let mut site = site.write().unwrap_or_else(PoisonError::into_inner);
    (options.events)(if failed {
        Event::NotBuilt {
            diagnostics: &diags,
            last_good_on_show: site.book.is_some(),
        }
    } else {
        Event::Built {
            diagnostics: &diags,
            took: started.elapsed(),
        }
    });
    site.version += 1;
    site.problems = problems_panel(&diags, failed, site.book.is_some());
    site.failed = failed;
    let (book, reads) = built?;
    site.book = Some(book);
    Some(reads)
}

/// The whole book, built by the real pipeline into memory, as its files; and the files the
/// build read.
fn build_in_memory(
    path: &std::path::Path,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Book, Vec<String>)> {
    let plan = pipeline::plan(path, diags)?;
    let out = match pipeline::write_book(&plan, Cursor::new(Vec::new()), &|_, _| {}, diags) {
        Ok(written) => written.out,
        Err(Stop::Input) => return None,
        Err(Stop::Output(e)) => {
            diags.push(Diagnostic::error("serve", e.to_string()));
            return None;
        }
    };
    let epub = out.into_inner();
    let mut files = HashMap::new();
    let mut zip = zip::ZipArchive::new(Cursor::new(&epub)).ok()?;
    for i in 0..zip.len() {
        let Ok(mut entry) = zip.by_index(i) else {
            continue;
        };
        let Some(name) = entry
            .name()
            .ok()
            .and_then(|n| n.strip_prefix("EPUB/").map(str::to_string))
        else {
            continue;
        };
        let mut data = Vec::new();
        if entry.read_to_end(&mut data).is_ok() {
            files.insert(name, data);
        }
    }
    let mut order = vec![chapter_href("titlepage"), chapter_href("contents")];
    let mut parts = 0;
    for entry in &plan.contents {
        match entry {
            Entry::Essay(id) => order.push(chapter_href(id)),
            Entry::Part { essays, .. } => {
                parts += 1;
                order.push(chapter_href(&part_id(parts)));
                order.extend(essays.iter().map(|id| chapter_href(id)));
            }
        }
    }
    #[cfg(debug_assertions)]
    panic_if_asked(&files);
    let reads = plan.collection.root.files_read();
    Some((Book { files, epub, order }, reads))
}

/// In debug builds (those the tests run), `ANTHOLOGY_TEST_PANIC=TEXT` makes a rebuild panic, as
/// a bug would, when a page of the book holds TEXT: on a thread the build started, whose panic
/// reaches the build as an essay's converting thread's does. With `TEXT-hang` in the page, the
/// build then waits for that thread for ever, as threads waiting on a dead one would. A release
/// build never reads the variable.
#[cfg(debug_assertions)]
fn panic_if_asked(files: &HashMap<String, Vec<u8>>) {
    let Some(text) = std::env::var_os("ANTHOLOGY_TEST_PANIC") else {
        return;
    };
    let text = text.to_string_lossy().into_owned();
    let holds = |t: &str| {
        !t.is_empty()
            && files
                .values()
                .any(|d| d.windows(t.len()).any(|w| w == t.as_bytes()))
    };
    let hang = holds(&format!("{text}-hang"));
    if !hang && !holds(&text) {
        return;
    }
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let kept = tx.clone();
        scope.spawn(move || {
            let _tx = tx;
            panic!("a test asked for this panic ({text})");
        });
        if hang {
            // `kept` is never dropped: no message, no end.
            let _ = rx.recv();
        }
        drop(kept);
    });
}

const XHTML: &str = "application/xhtml+xml; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

fn respond(site: &Site, request: &Request) -> Response {
    if !site.hosts.allow(request.host.as_deref()) {
        return Response::new(403, "text/plain; charset=utf-8", "not a local address\n");
    }
    let path = request.path.as_str();
    if path == "/__version" {
        return Response::new(200, "text/plain; charset=utf-8", site.version.to_string());
    }
    let Some(book) = &site.book else {
        return Response::new(200, HTML, failure_page(site));
    };
    if path == "/" {
        return Response::new(200, XHTML, index(site, book));
    }
    if path == "/book.epub" {
        return Response::new(200, "application/epub+zip", book.epub.clone());
    }
    let inner = &path[1..];
    match book.files.get(inner) {
        Some(data) if inner.ends_with(".xhtml") => {
            let page = String::from_utf8_lossy(data);
            Response::new(200, XHTML, decorate(site, book, inner, &page))
        }
        Some(data) => Response::new(200, content_type(inner), data.clone()),
        None => Response::new(
            404,
            HTML,
            format!(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"/><title>Not found</title></head>\
                 <body><p><code>{}</code> is not in the book. <a href=\"/\">Contents</a></p></body></html>",
                escape(path)
            ),
        ),
    }
}

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("");
    match ext {
        "css" => "text/css; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "opf" | "ncx" | "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}

/// A page of the book with the preview's additions: the problems at the top, the way to the
/// previous and next pages and the reload script at the bottom, a reading app's margins.
fn decorate(site: &Site, book: &Book, href: &str, page: &str) -> String {
    let place = book.order.iter().position(|p| p == href);
    let prev = place.and_then(|i| i.checked_sub(1)).map(|i| &book.order[i]);
    let next = place.and_then(|i| book.order.get(i + 1));
    let mut nav = String::from(
        "<nav id=\"anthology-preview-nav\" style=\"margin:3em 0 1em;padding-top:0.5em;border-top:1px solid #999;font-family:sans-serif;font-size:0.85em;display:flex;justify-content:space-between\">",
    );
    let link = |nav: &mut String, href: Option<&String>, text: &str| match href {
        Some(h) => {
            let _ = write!(nav, "<a href=\"/{}\">{text}</a>", escape(h));
        }
        None => nav.push_str("<span></span>"),
    };
    link(&mut nav, prev, "← Previous");
    nav.push_str("<a href=\"/\">Contents</a>");
    link(&mut nav, next, "Next →");
    nav.push_str("</nav>");
    insert(page, &site.problems, &(nav + &reload_script(site.version))).replacen(
        "</head>",
        PAGE_MARGINS,
        1,
    )
}

/// The margins a reading app gives a page (the book leaves them to it), for the preview only.
const PAGE_MARGINS: &str =
    "<style>body { max-width: 36em; margin: 2em auto; padding: 0 1.5em; }</style>\n</head>";

/// Puts `top` right after `<body …>` and `bottom` right before `</body>`.
fn insert(page: &str, top: &str, bottom: &str) -> String {
    let body_open = page
        .find("<body")
        .and_then(|i| page[i..].find('>').map(|j| i + j + 1));
    let body_close = page.rfind("</body>");
    match (body_open, body_close) {
        (Some(open), Some(close)) if open <= close => {
            format!(
                "{}{top}{}{bottom}{}",
                &page[..open],
                &page[open..close],
                &page[close..]
            )
        }
        _ => page.to_string(),
    }
}

/// The index: the title page with the contents under it.
fn index(site: &Site, book: &Book) -> String {
    let page = |href: &str| {
        book.files
            .get(href)
            .map(|d| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_default()
    };
    let title_page = page(&chapter_href("titlepage"));
    let contents = page(&chapter_href("contents"));
    let list = contents
        .find("<section")
        .zip(contents.rfind("</body>"))
        .map_or("", |(a, b)| &contents[a..b]);
    // The contents' links are relative to `text/`, where the pages are.
    let page = title_page.replacen("<head>", "<head>\n<base href=\"/text/\"/>", 1);
    let page = insert(&page, "", list);
    let download = "<p style=\"font-family:sans-serif;font-size:0.85em;text-align:center\"><a href=\"/book.epub\">Download the EPUB</a></p>";
    let start = book.order.get(2).map_or(String::new(), |h| {
        format!(
            "<p style=\"font-family:sans-serif;font-size:0.85em;text-align:center\"><a href=\"/{}\">Start reading →</a></p>",
            escape(h)
        )
    });
    insert(
        &page,
        &site.problems,
        &format!("{start}{download}{}", reload_script(site.version)),
    )
    .replacen("</head>", PAGE_MARGINS, 1)
}

/// The page shown while no book has ever built: the problems, and the reload script.
fn failure_page(site: &Site) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/><title>The book could not be built</title></head>\
         <body style=\"margin:2em;font-family:sans-serif\">{}{}</body></html>\n",
        site.problems,
        reload_script(site.version)
    )
}

/// Polls `/__version` and reloads the page when the book changed. In a CDATA section, so that
/// the page stays well-formed XHTML.
fn reload_script(version: u64) -> String {
    format!(
        "<script>//<![CDATA[\n(function () {{\n  var seen = \"{version}\";\n  function poll() {{\n    \
         fetch(\"/__version\", {{cache: \"no-store\"}})\n      .then(function (r) {{ return r.text(); }})\n      \
         .then(function (v) {{ if (v !== seen) {{ location.reload(); }} else {{ setTimeout(poll, 400); }} }},\n            \
         function () {{ setTimeout(poll, 1500); }});\n  }}\n  setTimeout(poll, 400);\n}})();\n//]]></script>"
    )
}

/// The last build's problems, escaped, as the terminal shows them.
fn problems_panel(diags: &[Diagnostic], failed: bool, had_book: bool) -> String {
    if diags.is_empty() && !failed {
        return String::new();
    }
    let errors = error_count(diags);
    let warnings = diags.len() - errors;
    let count = |n: usize, word: &str| (n > 0).then(|| crate::text::count(n, word));
    let counts: Vec<String> = [count(errors, "error"), count(warnings, "warning")]
        .into_iter()
        .flatten()
        .collect();
    let headline = match (failed, had_book) {
        (true, true) => "The book could not be built: this is the last version that could.",
        (true, false) => "The book could not be built.",
        (false, _) => "The book was built.",
    };
    let (border, background) = if failed {
        ("#b00020", "#fdecee")
    } else {
        ("#8a6d00", "#fff8e1")
    };
    let mut panel = format!(
        "<div id=\"anthology-preview-problems\" role=\"alert\" style=\"margin:0 0 2em;padding:0.8em 1em;border:2px solid {border};background:{background};color:#111;font-family:sans-serif;font-size:0.85em;text-align:left;text-indent:0\">\
         <p style=\"margin:0 0 0.5em;text-indent:0\"><strong>{}</strong> {headline}</p><pre style=\"white-space:pre-wrap;margin:0;font-size:0.95em\">",
        escape(&counts.join(", "))
    );
    for d in diags {
        panel.push_str(&escape(&d.render(false)));
    }
    panel.push_str("</pre></div>");
    panel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_answered() {
        let local = Hosts::Local;
        assert!(local.allow(Some("127.0.0.1:3000")) && local.allow(Some("localhost:3000")));
        assert!(!local.allow(Some("evil.example:3000")));
        let named = Hosts::Also("192.168.1.5".into());
        assert!(named.allow(Some("192.168.1.5:3000")) && named.allow(Some("localhost")));
        assert!(!named.allow(Some("evil.example:3000")));
        let v6 = Hosts::Also("fe80::1".into());
        assert!(v6.allow(Some("[fe80::1]:3000")) && v6.allow(Some("[fe80::1]")));
        assert!(!v6.allow(Some("[fe80::2]")));
        assert!(Hosts::Any.allow(Some("my-laptop.local:3000")));
    }
}
