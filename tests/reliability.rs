//! Faults and scale: an interrupted build or a full disk leaves the previous book and no
//! debris; enormous or deeply nested input builds within bounded memory or fails with a
//! message; the same input gives the same bytes whatever the file system's order.

#![allow(clippy::disallowed_methods)] // Tests read what they built.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Project, assert_valid, run_in};

const SENTINEL: &[u8] = b"an earlier, good book";

fn paragraph(i: usize) -> String {
    format!(
        "Paragraph {i}: the essay goes on, *as essays do*, weighing one thing against another \
         and finding that neither is quite what it seemed when the morning began.\n\n"
    )
}

/// A collection of `n` essays of about `words` words each.
fn many_essays(n: usize, words: usize) -> Project {
    let mut manifest = String::from("title: Many\nlanguage: en\ncontents:\n");
    let mut p = Project::new();
    for i in 0..n {
        manifest.push_str(&format!("  - essays/e{i}.md\n"));
        let body: String = (0..words.div_ceil(25)).map(paragraph).collect();
        p = p.file(&format!("essays/e{i}.md"), format!("# Essay {i}\n\n{body}"));
    }
    p.file("anthology.yaml", manifest)
}

fn one_essay(body: &str) -> Project {
    Project::new()
        .file(
            "anthology.yaml",
            "title: One\nlanguage: en\ncontents: [essays/one.md]\n",
        )
        .file("essays/one.md", format!("# One\n\n{body}\n"))
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".anthology") || n.ends_with(".tmp"))
        .collect()
}

// ---- atomic output ------------------------------------------------------------------------

/// Sends `signal` once the build's temporary file exists, i.e. in the middle of writing.
fn interrupt_mid_build(signal: &str) {
    let p = many_essays(1500, 400);
    std::fs::write(p.path().join("out.epub"), SENTINEL).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_anthology"))
        .args(["build", ".", "-o", "out.epub"])
        .current_dir(p.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while leftovers(p.path()).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the build never started writing"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the build ended before it could be interrupted"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    common::signal(
        &child,
        match signal {
            "-INT" => rustix::process::Signal::INT,
            "-TERM" => rustix::process::Signal::TERM,
            other => panic!("no signal {other}"),
        },
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted: no book was written"));
    assert_eq!(
        std::fs::read(p.path().join("out.epub")).unwrap(),
        SENTINEL,
        "the earlier book changed"
    );
    assert_eq!(
        leftovers(p.path()),
        Vec::<String>::new(),
        "temporary files left behind"
    );
}

#[test]
fn ctrl_c_leaves_the_previous_book() {
    interrupt_mid_build("-INT");
}

#[test]
fn sigterm_leaves_the_previous_book() {
    interrupt_mid_build("-TERM");
}

/// A full disk, for real: the book's folder is a 200 KiB tmpfs (mounted in a user and mount
/// namespace of its own, so no privilege is needed) and the book is bigger than that.
#[test]
fn full_disk_leaves_the_previous_book() {
    // An image that does not compress: the book cannot fit.
    let mut noise = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut x: u32 = 2_463_534_242;
    noise.extend((0..400_000).map(|_| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x as u8
    }));
    let p = one_essay("![Noise](noise.png)").file("essays/noise.png", &noise);
    let disk = tempfile::tempdir().unwrap();
    let dir = disk.path().join("full");
    std::fs::create_dir(&dir).unwrap();
    let script = r#"
        mount -t tmpfs -o size=200k tmpfs "$1" || exit 99
        printf '%s' "$4" > "$1/book.epub"
        "$2" build "$3" -o "$1/book.epub" 2> "$1.stderr"
        echo "exit=$?"
        echo "book=$(cat "$1/book.epub")"
        echo "files=$(ls -A "$1" | tr '\n' ' ')"
    "#;
    let Some(mut unshare) = common::system_tool("unshare") else {
        return;
    };
    let out = unshare
        .args(["-rm", "sh", "-c", script, "sh"])
        .arg(&dir)
        .arg(env!("CARGO_BIN_EXE_anthology"))
        .arg(p.path())
        .arg(std::str::from_utf8(SENTINEL).unwrap())
        .output()
        .expect("unshare (util-linux) runs the build on a small file system");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "could not set up the small file system: {report} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = std::fs::read_to_string(disk.path().join("full.stderr")).unwrap();
    assert!(report.contains("exit=1"), "{report}\n{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(
        stderr.contains("book.epub"),
        "the message names the book: {stderr}"
    );
    assert!(
        report.contains(&format!("book={}", std::str::from_utf8(SENTINEL).unwrap())),
        "the earlier book changed: {report}"
    );
    assert!(
        report.contains("files=book.epub \n"),
        "temporary files left behind: {report}"
    );
}

// ---- size and depth -------------------------------------------------------------------------

/// Runs `check -v` on the full-size case and returns its peak memory in MiB.
#[track_caller]
fn check_peak(p: &Project) -> u64 {
    let run = p.run(&["-v", "check", "."]);
    run.success();
    let mib = run
        .stderr
        .split(", peak memory ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no peak memory reported:\n{}", run.stderr));
    eprintln!("peak memory: {mib} MiB");
    mib
}

/// Builds a smaller case of the same shape, and validates it with EPUBCheck.
#[track_caller]
fn build_valid(p: &Project) {
    p.run(&["build", ".", "-o", "book.epub"]).success();
    assert_valid(&p.path().join("book.epub"));
}

#[test]
fn a_hundred_thousand_nested_quotes() {
    let quotes = |n: usize| one_essay(&format!("{}deep", "> ".repeat(n)));
    assert!(check_peak(&quotes(100_000)) < 200);
    build_valid(&quotes(2_000));
}

#[test]
fn lists_three_thousand_deep() {
    let lists = |n: usize| {
        one_essay(
            &(0..n)
                .map(|i| format!("{}- item {i}\n", "  ".repeat(i)))
                .collect::<String>(),
        )
    };
    assert!(check_peak(&lists(3_000)) < 200);
    build_valid(&lists(300));
}

#[test]
fn a_five_megabyte_line() {
    let p = one_essay(&"word ".repeat(1_000_000));
    assert!(check_peak(&p) < 200);
    build_valid(&p);
}

#[test]
fn a_fifty_megabyte_essay() {
    let big = |mb: usize| {
        let mut body = String::with_capacity(mb << 20);
        let mut i = 0;
        while body.len() < mb << 20 {
            if i % 200 == 0 {
                body.push_str(&format!("## Section {i}\n\n"));
            }
            body.push_str(&paragraph(i));
            i += 1;
        }
        one_essay(&body)
    };
    let peak = check_peak(&big(50));
    assert!(peak < 700, "{peak} MiB for a 50 MB essay");
    build_valid(&big(2));
}

#[test]
fn twenty_thousand_footnotes_in_one_essay() {
    let notes = |n: usize| {
        let refs: String = (0..n).map(|i| format!("Claim {i}.[^{i}] ")).collect();
        let defs: String = (0..n).map(|i| format!("[^{i}]: Source {i}.\n")).collect();
        one_essay(&format!("{refs}\n\n{defs}"))
    };
    assert!(check_peak(&notes(20_000)) < 200);
    build_valid(&notes(1_000));
}

#[test]
fn five_thousand_essays() {
    let peak = check_peak(&many_essays(5_000, 100));
    assert!(peak < 100, "{peak} MiB for 5,000 essays");
    build_valid(&many_essays(300, 100));
}

// ---- reproducibility ------------------------------------------------------------------------

/// The same collection written file by file in opposite orders (so the folders list their
/// entries differently) gives the same bytes.
#[test]
fn same_bytes_whatever_the_listing_order() {
    let files: Vec<(String, String)> = (0..40)
        .map(|i| {
            (
                format!("essays/e{i:02}.md"),
                format!("# Essay {i}\n\n{}", paragraph(i)),
            )
        })
        .collect();
    let manifest = format!(
        "title: Order\nlanguage: en\ncontents:\n{}",
        files
            .iter()
            .map(|(f, _)| format!("  - {f}\n"))
            .collect::<String>()
    );
    let forward = files
        .iter()
        .fold(Project::new(), |p, (f, t)| p.file(f, t))
        .file("anthology.yaml", &manifest);
    let backward = files
        .iter()
        .rev()
        .fold(Project::new(), |p, (f, t)| p.file(f, t))
        .file("anthology.yaml", &manifest);
    for p in [&forward, &backward] {
        run_in(p.path(), &["build", ".", "-o", "book.epub"], &[]).success();
    }
    let (a, b) = (
        std::fs::read(forward.path().join("book.epub")).unwrap(),
        std::fs::read(backward.path().join("book.epub")).unwrap(),
    );
    assert!(a == b, "the listing order changed the book");
    assert_valid(&forward.path().join("book.epub"));
}
