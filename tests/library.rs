//! The library's facade (issue 17), used as a program that makes books would: a collection
//! opened from a folder or made in memory, checked, written to a path or into memory, with
//! its problems in a `Diagnostics` sink. Nothing internal is used here.

#![allow(clippy::disallowed_methods)] // Tests read what they built.

mod common;

use anthology::{Collection, Diagnostics, Draft, Failed, Role, Severity};
use common::{Project, assert_valid, unzip_text};

/// A PNG of one pixel.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// A book of two parts, with an image, a note and a contributor of its own.
fn draft() -> Draft {
    let mut draft = Draft::new("Small Hours: \"Night\" Essays\ncontents: []");
    draft
        .language("en-GB")
        .subtitle("Essays")
        .creator("Imogen Vale", Role::Editor)
        .publisher("Lantern Yard Press")
        .date("2025-03-14")
        .rights("CC BY-SA 4.0")
        .style("classic")
        .essay(
            "intro.md",
            "---\ntitle: Before We Begin\n---\nA few words.[^1]\n\n[^1]: A note.\n",
        )
        .part("Mornings")
        .essay(
            "mornings/dawn.md",
            "---\ntitle: Dawn\nauthors: [Caspar Doole]\n---\nLight.\n\n![The window at dawn](../img/window.png)\n",
        )
        .part("Evenings")
        .essay("evenings/dusk.md", "# Dusk\n\nDark.\n")
        .file("img/window.png", PNG);
    draft
}

/// Writes the draft's files into a folder, as a collection on disk.
fn on_disk(draft: &Draft, files: &[(&str, &[u8])]) -> Project {
    let mut project = Project::new().file("anthology.yaml", draft.manifest());
    for (path, data) in files {
        project = project.file(path, data);
    }
    project
}

#[test]
fn a_draft_in_memory_makes_the_same_book_as_its_folder_on_disk() {
    let draft = draft();
    let mut diags = Diagnostics::new();
    let collection = draft.open(&mut diags).expect("the draft opens");
    assert_eq!(
        collection.title(),
        "Small Hours: \"Night\" Essays\ncontents: []"
    );
    assert_eq!(collection.language(), "en-GB");
    assert_eq!(collection.essay_count(), 3);
    collection.check(&mut diags).expect("the draft checks");
    let in_memory = collection.write_to(Vec::new(), &mut diags).expect("a book");
    assert!(diags.is_empty(), "{:?}", diags.as_slice());

    let project = on_disk(
        &draft,
        &[
            (
                "intro.md",
                b"---\ntitle: Before We Begin\n---\nA few words.[^1]\n\n[^1]: A note.\n",
            ),
            (
                "mornings/dawn.md",
                b"---\ntitle: Dawn\nauthors: [Caspar Doole]\n---\nLight.\n\n![The window at dawn](../img/window.png)\n",
            ),
            ("evenings/dusk.md", b"# Dusk\n\nDark.\n"),
            ("img/window.png", PNG),
        ],
    );
    let from_disk = Collection::open(project.path(), &mut diags).expect("the folder opens");
    let target = project.path().join("out/book.epub");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let book = from_disk.write_epub(&target, &mut diags).expect("a book");
    assert_eq!(book.path(), target);
    assert_eq!(book.essays(), 3);
    assert_eq!(book.bytes(), std::fs::metadata(&target).unwrap().len());
    assert!(diags.is_empty(), "{:?}", diags.as_slice());
    assert!(
        std::fs::read(&target).unwrap() == in_memory,
        "the book made in memory differs from the one made from its files on disk"
    );
    assert_valid(&target);

    let text = unzip_text(&target);
    let nav = &text["EPUB/nav.xhtml"];
    for words in ["Mornings", "Evenings", "Dawn", "Dusk", "Before We Begin"] {
        assert!(
            nav.contains(words),
            "{words} is not in the contents:\n{nav}"
        );
    }
    let opf = &text["EPUB/content.opf"];
    assert!(opf.contains("Imogen Vale") && opf.contains("Lantern Yard Press"));
    assert!(
        common::unzip(&target)
            .iter()
            .any(|(name, _)| name.ends_with("window.png"))
    );
}

#[test]
fn a_collection_in_memory_reads_nothing_outside_itself() {
    let manifest = "title: Escapes\nlanguage: en\ncontents: [a.md]\n";
    let essay = "# A\n\n![secret](../../../../etc/hostname)\n\n![root](/etc/hostname)\n";
    let mut diags = Diagnostics::new();
    let collection = Collection::from_memory(
        [
            ("anthology.yaml".to_string(), manifest.as_bytes().to_vec()),
            ("a.md".to_string(), essay.as_bytes().to_vec()),
        ],
        &mut diags,
    )
    .expect("the manifest is sound");
    assert_eq!(collection.check(&mut diags), Err(Failed));
    let shown: Vec<String> = diags.iter().map(ToString::to_string).collect();
    assert_eq!(diags.errors(), 2, "{shown:#?}");
    assert!(
        shown
            .iter()
            .all(|d| d.contains("a.md:3:") || d.contains("a.md:5:")),
        "{shown:#?}"
    );

    // A file named outside the collection is refused before anything is made of it.
    let mut diags = Diagnostics::new();
    let refused = Collection::from_memory(
        [
            (
                "../anthology.yaml".to_string(),
                manifest.as_bytes().to_vec(),
            ),
            ("/etc/a.md".to_string(), essay.as_bytes().to_vec()),
        ],
        &mut diags,
    );
    assert!(refused.is_err());
    assert_eq!(diags.errors(), 2, "{:?}", diags.as_slice());
}

#[test]
fn problems_name_the_file_line_and_column_and_a_failed_call_writes_nothing() {
    let mut draft = Draft::new("Broken");
    draft.date("yesterday").essay("a.md", "no title here\n");
    let mut diags = Diagnostics::new();
    assert!(draft.open(&mut diags).is_err());
    let shown: Vec<String> = diags.iter().map(ToString::to_string).collect();
    // The draft's metadata is placed in the manifest it stands for.
    let date_line = draft
        .manifest()
        .lines()
        .position(|l| l.starts_with("date:"))
        .unwrap()
        + 1;
    assert!(
        shown
            .iter()
            .any(|d| d.contains(&format!("anthology.yaml:{date_line}:"))),
        "{shown:#?}"
    );

    // An essay's own problem names its file; the book at the target is left alone.
    let mut draft = Draft::new("Broken");
    draft.essay("a.md", "no title here\n");
    let project = Project::new().file("keep.epub", "a good book");
    let mut diags = Diagnostics::new();
    let written = draft
        .open(&mut diags)
        .and_then(|c| c.write_epub(project.path().join("keep.epub"), &mut diags));
    assert_eq!(written.err(), Some(Failed));
    assert!(
        diags
            .iter()
            .any(|d| d.severity == Severity::Error && d.to_string().contains("a.md"))
    );
    assert_eq!(
        std::fs::read_to_string(project.path().join("keep.epub")).unwrap(),
        "a good book"
    );
    let names: Vec<_> = std::fs::read_dir(project.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "debris left: {names:?}");
}

#[test]
fn a_sample_collection_opens_checks_and_counts_through_the_facade() {
    let mut diags = Diagnostics::new();
    let collection =
        Collection::open(common::repo().join("collections/marginalia"), &mut diags).unwrap();
    assert_eq!(collection.title(), "Marginalia");
    collection.check(&mut diags).unwrap();
    let stats = collection.stats(&mut diags).unwrap();
    assert!(stats.total_words() > 1000);
    assert!(stats.json().contains("\"essays\""));
    assert!(stats.table().contains("Marginalia") || stats.table().contains("words"));
    assert_eq!(diags.errors(), 0);
    let json = diags.to_json(true);
    assert!(json.contains("\"ok\": true"), "{json}");
}

#[test]
fn each_essay_can_be_written_as_its_own_book() {
    let project = Project::new();
    let mut diags = Diagnostics::new();
    let collection = draft().open(&mut diags).unwrap();
    let book = collection
        .write_epub(project.path().join("small.epub"), &mut diags)
        .unwrap();
    let each = collection.write_each(&book, &mut diags).unwrap();
    assert_eq!(each.len(), 3);
    for path in &each {
        assert!(path.starts_with(project.path().join("small-essays")));
        assert_valid(path);
    }
}

#[test]
fn a_sink_that_holds_earlier_errors_fails_no_later_call() {
    let mut diags = Diagnostics::new();
    let mut broken = Draft::new("Broken");
    broken.essay("a.md", "no title here\n");
    assert!(
        broken
            .open(&mut diags)
            .and_then(|c| c.check(&mut diags))
            .is_err()
    );
    let errors = diags.errors();
    assert!(errors > 0);
    let mut good = Draft::new("Good");
    good.essay("a.md", "# A\n\nText.\n");
    let epub = good
        .open(&mut diags)
        .and_then(|c| c.write_to(Vec::new(), &mut diags));
    assert!(epub.is_ok(), "{:?}", diags.as_slice());
    assert_eq!(diags.errors(), errors);
}
