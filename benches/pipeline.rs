//! Benchmarks of the costs of a build: converting Markdown, compressing chapters, drawing a
//! cover, and a whole build of a collection. `cargo bench --features testing`.

#![allow(clippy::disallowed_methods)] // Tests read what they built.

use std::hint::black_box;

use anthology::testing::convert::Fixture;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// About `words` words of essay: paragraphs with emphasis, sections, notes, a quotation.
fn essay(words: usize) -> String {
    let mut s = String::from("# An Essay\n\n");
    let mut n = 0;
    let mut i = 0;
    while n < words {
        if i % 12 == 0 {
            s.push_str(&format!("## Section {i}\n\n"));
        }
        s.push_str("The essay goes on, *as essays do*, weighing one thing against another and finding that neither is quite what it seemed when the morning began");
        if i % 5 == 0 {
            s.push_str(&format!("[^{i}]"));
        }
        s.push_str(". A reader follows, **slowly**, with a pencil in hand.\n\n");
        if i % 9 == 0 {
            s.push_str("> A quotation, set apart, from an older book.\n\n");
        }
        n += 40;
        i += 1;
    }
    for j in (0..i).step_by(5) {
        s.push_str(&format!("[^{j}]: A note on paragraph {j}.\n"));
    }
    s
}

fn convert(c: &mut Criterion) {
    let fixture = Fixture::new();
    let text = essay(20_000);
    let mut group = c.benchmark_group("convert");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("20k-word essay", |b| {
        b.iter(|| fixture.convert(black_box(&text)));
    });
    let html = text.replace("*as essays do*", "<em>as essays do</em>");
    group.bench_function("20k-word essay with raw HTML", |b| {
        b.iter(|| fixture.convert(black_box(&html)));
    });
    group.finish();
}

fn compress(c: &mut Criterion) {
    let fixture = Fixture::new();
    let (chapter, _) = fixture.convert(&essay(20_000));
    let chapter = chapter.expect("the essay converts");
    let mut group = c.benchmark_group("assemble");
    group.throughput(Throughput::Bytes(chapter.body.len() as u64));
    group.bench_function("prepare (compress) a 20k-word chapter", |b| {
        b.iter(|| anthology::testing::prepare(black_box(&chapter)));
    });
    group.finish();
}

fn build(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut manifest = String::from("title: Bench\nlanguage: en\ncontents:\n");
    std::fs::create_dir(dir.path().join("essays")).expect("essays/");
    for i in 0..100 {
        std::fs::write(dir.path().join(format!("essays/e{i}.md")), essay(2_000)).expect("an essay");
        manifest.push_str(&format!("  - essays/e{i}.md\n"));
    }
    std::fs::write(dir.path().join("anthology.yaml"), manifest).expect("the manifest");
    let out = dir.path().join("book.epub");
    let mut group = c.benchmark_group("build");
    group.sample_size(20);
    group.bench_function("100 essays x 2,000 words", |b| {
        b.iter(|| {
            let mut diags = anthology::Diagnostics::new();
            anthology::Collection::open(dir.path(), &mut diags)
                .and_then(|c| c.write_epub(&out, &mut diags))
                .expect("the book builds")
        });
    });
    group.bench_function("check 100 essays x 2,000 words", |b| {
        b.iter(|| {
            let mut diags = anthology::Diagnostics::new();
            anthology::Collection::open(dir.path(), &mut diags)
                .and_then(|c| c.check(&mut diags))
                .expect("the book checks");
        });
    });
    group.finish();
}

fn cover(c: &mut Criterion) {
    let mut group = c.benchmark_group("cover");
    for theme in ["classic", "modern"] {
        group.bench_function(format!("generate ({theme})"), |b| {
            b.iter(|| {
                anthology::testing::cover(
                    black_box("Heretics"),
                    "Twenty Essays",
                    "G. K. Chesterton",
                    theme,
                )
            });
        });
    }
    group.finish();
}

criterion_group!(benches, convert, compress, build, cover);
criterion_main!(benches);
