//! What the manifest reader promises, as checks that tests and the `manifest` fuzz target
//! share: any text, read as a manifest or as an essay's front matter, is either a collection
//! or diagnostics that point inside the text, never a panic; and the depth guard never finds a
//! text shallower than the YAML parser does, so no parser sees a text nested deeper than
//! [`depth::MAX_DEPTH`].

use std::path::{Path, PathBuf};

use super::{depth, essay, from_text};
use crate::diag::Diagnostic;
use crate::paths::Root;

/// A collection folder with two essays (`a.md`, `essays/b.md`), an image and a style sheet,
/// so that a fuzzed manifest can name real files.
pub struct Fixture {
    _dir: tempfile::TempDir,
    root: Root,
}

impl Fixture {
    /// The folder, in a new temporary folder.
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let files: [(&str, &[u8]); 4] = [
            ("a.md", b"---\ntitle: A\nauthor: Ann\n---\n\nText.\n"),
            ("essays/b.md", b"# B\n\nText.\n"),
            ("cover.png", crate::convert::testing::PNG),
            ("extra.css", b"p { margin: 0 }\n"),
        ];
        for (name, bytes) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("a folder");
            std::fs::write(path, bytes).expect("a fixture file");
        }
        let root = Root::new(dir.path()).expect("the temporary folder");
        Fixture { _dir: dir, root }
    }

    /// Reads `text` as the collection's `anthology.yaml` and checks what comes of it.
    pub fn manifest(&self, text: &str) -> Result<(), String> {
        let mut diags = Vec::new();
        let name = PathBuf::from("anthology.yaml");
        let collection = from_text(self.root.clone(), &name, text, &mut diags);
        located(&name, text, 0, &diags)?;
        let errors = crate::diag::error_count(&diags);
        match collection {
            Some(_) if errors > 0 => Err(format!("a collection, and {errors} errors")),
            None if errors == 0 => Err("no collection, and no error to say why".into()),
            _ if depth::check(text).is_err() && errors == 0 => {
                Err("nests too deep, yet no error".into())
            }
            _ => Ok(()),
        }
    }

    /// Reads `text` as an essay file (front matter and body) and checks what comes of it.
    pub fn essay(&self, text: &str) -> Result<(), String> {
        let name = Path::new("e.md");
        let mut diags = Vec::new();
        if let Ok((Some(yaml), _, _)) = essay::split_front_matter(text) {
            let meta = essay::parse_front_matter(name, yaml, &mut diags);
            located(name, yaml, 1, &diags)?;
            if meta.is_none() && crate::diag::error_count(&diags) == 0 {
                return Err("the front matter is refused, and no error says why".into());
            }
        }
        Ok(())
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture::new()
    }
}

/// Whatever the text, the depth guard finds it at least as deep as yaml-rust2's scanner.
pub fn depth_guard(text: &str) -> Result<(), String> {
    let (ours, theirs) = (depth::flow_depth(text), depth::yaml_rust2_flow(text));
    if ours < theirs {
        return Err(format!(
            "the guard reads {ours} levels, yaml-rust2 {theirs}"
        ));
    }
    Ok(())
}

/// Every diagnostic about `file` names a line of `text` (which starts after `offset` lines of
/// the file) and a column within it.
fn located(file: &Path, text: &str, offset: usize, diags: &[Diagnostic]) -> Result<(), String> {
    let lines: Vec<&str> = text.split('\n').collect();
    for d in diags {
        let Some(at) = d.location.as_deref() else {
            continue;
        };
        if at.file != file {
            continue;
        }
        let Some(line) = at.line else { continue };
        let Some(text_line) = line.checked_sub(offset + 1).and_then(|i| lines.get(i)) else {
            return Err(format!(
                "`{}` points at line {line}, outside the text",
                d.message
            ));
        };
        if let Some(col) = at.col
            && col > text_line.chars().count() + 1
        {
            return Err(format!(
                "`{}` points at column {col} of line {line}, which has {} characters",
                d.message,
                text_line.chars().count()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checks_hold_for_ordinary_and_broken_manifests() {
        let f = Fixture::new();
        for text in [
            "title: T\nlanguage: en\neditors: [Ed]\ncontents:\n  - a.md\n  - essays/b.md\n",
            "title: T\nlanguage: en\ncover: cover.png\nextra-css: extra.css\ncontents: [a.md]\n",
            "",
            "title: [\n",
            "title: T\ncontents:\n  - missing.md\n  - ../x.md\n  - /etc/passwd\n",
            &format!("title: {}x\n", "[".repeat(200)),
            "title: T\nlanguage: en\ncontents: [a.md]\ntitel: x",
            // libyaml places this error past the end (found by the `manifest` fuzz target).
            "title: T\nlanguage: en\ndescription no colon",
        ] {
            f.manifest(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            f.essay(&format!("---\n{text}---\nbody\n"))
                .unwrap_or_else(|e| panic!("{text:?}: {e}"));
            depth_guard(text).unwrap();
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]
        /// Manifests made of the pieces real ones are made of, shuffled: a collection or
        /// errors at their place, never a panic.
        #[test]
        fn any_manifest_is_a_collection_or_located_errors(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "title: T\n", "language: en\n", "language: xx-!!\n", "contents:\n", "  - a.md\n",
                "  - essays/b.md\n", "  - ../b.md\n", "  - part: P\n", "    essays:\n",
                "      - a.md\n", "editors: [Ed]\n", "authors:\n", "  - name: A\n",
                "    url: https:evil\n", "cover: cover.png\n", "cover: nope.png\n",
                "style: modern\n", "style: {theme: x}\n", "extra-css: extra.css\n", "date: 2020\n",
                "isbn: 978\n", "series: {name: S, position: 2}\n", "[", "]", "{", "}", ": ", "- ",
                "'", "\"", "#", "\t", "&a ", "*a\n", "!!str ", "é", "\u{85}", "\n", "  ", "---\n",
            ]), 0..24)
        ) {
            let text: String = parts.concat();
            let f = Fixture::new();
            if let Err(e) = f.manifest(&text) {
                proptest::prop_assert!(false, "{text:?}: {e}");
            }
            if let Err(e) = f.essay(&format!("---\n{text}\n---\n")) {
                proptest::prop_assert!(false, "front matter {text:?}: {e}");
            }
        }
    }
}
