//! `anthology new`: a small collection that builds into a valid book at once, as a starting
//! point. It never writes over an existing file.

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::manifest::{MANIFEST_FILE, yaml_scalar};

/// Creates the collection in `dir`; returns the manifest's path.
pub fn new(dir: &Path) -> Result<PathBuf, Diagnostic> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !dir.is_dir() || !empty {
            return Err(Diagnostic::error(
                "new",
                format!(
                    "{} already exists and is not an empty folder",
                    dir.display()
                ),
            )
            .help("choose a new folder name; `anthology new` never writes over files"));
        }
    }
    // The folder's name may hold anything: written as a YAML scalar that reads back as it is.
    let title = yaml_scalar(&title_from(dir));
    let manifest = format!(
        "# The anthology's manifest: every field is described in anthology's guide (docs/guide).\n\
         title: {title}\n\
         subtitle: Essays\n\
         language: en\n\
         creators:\n  - name: Your Name\n    role: editor\n\
         # A built-in theme (`anthology themes` lists them) or the path of your own .css file.\n\
         style: classic\n\
         contents:\n  - part: First Part\n    essays:\n      - essays/first-essay.md\n"
    );
    let essay = "---\n\
        title: A First Essay\n\
        subtitle: What an essay can hold\n\
        author: Your Name\n\
        ---\n\n\
        Write here. Markdown works as you expect: *emphasis*, **strong**, [links](https://example.org),\n\
        block quotes, lists, tables, and footnotes that readers show as pop-ups.[^1]\n\n\
        ## A section\n\n\
        > A quotation, set apart.\n\n\
        Add essays to `essays/` and list them under `contents:` in `anthology.yaml`.\n\n\
        [^1]: Like this one.\n";
    let write = |path: PathBuf, text: &str| -> Result<(), Diagnostic> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Diagnostic::error("new", format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        // `create_new`: an existing file is never replaced.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
            .map_err(|e| Diagnostic::error("new", format!("cannot write {}: {e}", path.display())))
    };
    write(dir.join(MANIFEST_FILE), &manifest)?;
    write(dir.join("essays/first-essay.md"), essay)?;
    Ok(dir.join(MANIFEST_FILE))
}

/// `my-new-book` → `My New Book`. Control characters (a line break, an escape sequence) are
/// not words: they part words, as spaces do.
fn title_from(dir: &Path) -> String {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    crate::text::title_from_name(&name, "My Anthology")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_from_folder_names() {
        assert_eq!(title_from(Path::new("a/my-new_book")), "My New Book");
        assert_eq!(title_from(Path::new("a\x1b]0;x\x07b")), "A ]0;x B");
        assert_eq!(title_from(Path::new("--")), "My Anthology");
    }
}
