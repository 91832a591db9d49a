//! An Obsidian vault or any folder of Markdown files (or one file). A note's title is its
//! front matter's `title`, else its opening `# heading`, else its file name — which is what
//! Obsidian shows. Obsidian's own syntax becomes Markdown: wiki links `[[Note]]`,
//! `[[Note|label]]` and `[[Note#Heading]]` → links between essays, embeds `![[image.png]]` →
//! images (found by name anywhere in the vault, as Obsidian finds them), `%%comments%%` go,
//! `==highlights==` → `<mark>`, callouts `> [!note] Title` → a quotation opening with its title.

use std::collections::HashMap;
use std::path::Path;

use super::SourceKind;
use super::rewrite::{Edit, Mapped, Span, scan as scan_markdown};
use super::{
    BookInfo, Essay, Job, MARKDOWN, Scan, Site, TO_IMAGE, authors_of, front, humanize, open_source,
    read_config, read_with_front, rel_in, rel_path, walk,
};
use crate::diag::Diagnostic;
use crate::manifest::{Data, parse_data};
use crate::paths::Root;
use crate::text::slug;

const IMAGES: &[&str] = &["png", "jpg", "jpeg", "gif", "webp", "svg"];

/// Files that hold writing, but not in Markdown: a folder import leaves them out, with a warning.
const OTHER_WRITING: &[&str] = &[
    "txt", "text", "html", "htm", "rst", "org", "adoc", "textile", "docx", "odt", "rtf",
];

pub fn scan(source: &Path, diags: &mut Vec<Diagnostic>) -> Option<Scan> {
    let (files_root, single) = open_source(source, diags)?;
    let root = files_root.abs.clone();
    let files = match &single {
        Some(file) => vec![file.clone()],
        None => {
            let templates = templates_folder(&files_root, diags);
            let files = walk(&root, MARKDOWN)
                .into_iter()
                .filter(|f| {
                    templates
                        .as_ref()
                        .is_none_or(|t| !rel_path(&root, f).starts_with(&format!("{t}/")))
                })
                .collect();
            // Writing in another format is not read: say so, file by file, rather than lose it.
            for path in walk(&root, OTHER_WRITING) {
                let help = if matches!(super::extension(&path).as_str(), "txt" | "text") {
                    "to import plain-text articles, import them on their own: --from text"
                } else {
                    "save it as Markdown (.md) to import it"
                };
                diags.push(
                    Diagnostic::warning(
                        "import-skipped",
                        "only Markdown notes are imported; this file is left out",
                    )
                    .in_file(&files_root.shown(&rel_path(&root, &path)))
                    .help(help),
                );
            }
            files
        }
    };
    let mut by_name: HashMap<String, Vec<std::path::PathBuf>> = HashMap::new();
    if single.is_none() {
        for f in walk(&root, &[]) {
            if let Some(name) = f.file_name() {
                by_name
                    .entry(name.to_string_lossy().to_lowercase())
                    .or_default()
                    .push(f);
            }
        }
    }
    let mut essays = Vec::new();
    for path in files {
        let rel = rel_in(&files_root, &path).unwrap_or_default();
        let Some((fm, body, body_line)) = read_with_front(&files_root, &path, diags) else {
            continue;
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let title = fm
            .text_of(&["title"])
            .or_else(|| opening_heading(&body))
            .unwrap_or_else(|| {
                // `my-note` is a file name; `My Note` is a title already.
                if stem.contains(' ') || stem.chars().any(char::is_uppercase) {
                    stem.clone()
                } else {
                    humanize(&stem)
                }
            });
        let date = fm
            .text_of(&["date", "created", "published"])
            .and_then(|d| front::iso_date(&d));
        let skip = if fm.get("draft").and_then(Data::as_bool) == Some(true) {
            Some("draft")
        } else if fm.get("publish").and_then(Data::as_bool) == Some(false) {
            Some("unpublished note")
        } else {
            None
        };
        let lower = rel.to_lowercase();
        let without_ext = lower.rsplit_once('.').map_or(lower.as_str(), |(s, _)| s);
        let mut names = vec![stem.to_lowercase(), without_ext.to_string()];
        names.extend(
            fm.get("aliases")
                .or_else(|| fm.get("alias"))
                .map(Data::texts)
                .unwrap_or_default()
                .iter()
                .map(|a| a.to_lowercase()),
        );
        essays.push(Essay {
            title,
            subtitle: fm.text_of(&["subtitle", "description"]),
            authors: authors_of(&fm),
            date,
            url: None,
            tags: fm
                .get("tags")
                .map(Data::texts)
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.trim_start_matches('#').to_string())
                .collect(),
            skip,
            body,
            body_line,
            slug: stem.clone(),
            names,
            aliases: Vec::new(),
            rel,
            front: fm,
        });
    }
    let vault = root.join(".obsidian").is_dir();
    let what = match (single.is_some(), vault) {
        (true, _) => format!("the file {}", source.display()),
        (false, true) => format!("the Obsidian vault {}", source.display()),
        (false, false) => format!("the folder {}", source.display()),
    };
    Some(Scan {
        kind: SourceKind::Folder,
        what,
        book: BookInfo::default(),
        site: Site {
            static_roots: vec![root],
            root: files_root,
            url: None,
            base: String::new(),
            by_name,
        },
        config: Data::Null,
        essays,
        notes: Vec::new(),
    })
}

/// The folder of Obsidian's templates (they are not writing), from `.obsidian/templates.json`.
fn templates_folder(root: &Root, diags: &mut Vec<Diagnostic>) -> Option<String> {
    const FILE: &str = ".obsidian/templates.json";
    let text = read_config(root, FILE, diags)?;
    let data = parse_data(&root.shown(FILE), &text, 0).ok()?;
    data.text_of(&["folder"])
        .map(|f| f.trim_matches('/').to_string())
        .filter(|f| !f.is_empty())
}

/// The text of a `# heading` that opens the body.
fn opening_heading(body: &str) -> Option<String> {
    let first = body.lines().find(|l| !l.trim().is_empty())?;
    let text = first
        .strip_prefix("# ")?
        .trim()
        .trim_end_matches('#')
        .trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Obsidian's syntax → Markdown.
pub fn prepare(job: &mut Job, m: Mapped) -> Mapped {
    let text = m.text.clone();
    let code = scan_markdown(&text).code;
    let in_code = |p: usize| code.iter().any(|r| r.contains(&p));
    let mut edits = Vec::new();
    // %% comments %%, which may span lines.
    let mut pos = 0;
    while let Some(i) = text[pos..].find("%%").map(|i| pos + i) {
        if in_code(i) {
            pos = i + 2;
            continue;
        }
        let end = text[i + 2..]
            .find("%%")
            .map_or(text.len(), |j| i + 2 + j + 2);
        edits.push(Edit::new(i..end, ""));
        pos = end;
    }
    // Wiki links and embeds.
    let mut pos = 0;
    while let Some(i) = text[pos..].find("[[").map(|i| pos + i) {
        let Some(end) = text[i + 2..]
            .find("]]")
            .map(|j| i + 2 + j + 2)
            .filter(|&e| !text[i..e].contains('\n'))
        else {
            pos = i + 2;
            continue;
        };
        pos = end;
        if in_code(i) {
            continue;
        }
        let embed = i > 0 && text[..i].ends_with('!');
        let start = if embed { i - 1 } else { i };
        // `\|` is how a wiki link's label is written inside a table.
        let inner = text[i + 2..end - 2].replace("\\|", "|");
        let (target, label) = match inner.split_once('|') {
            Some((t, l)) => (t.trim(), Some(l.trim())),
            None => (inner.trim(), None),
        };
        let at = m.span(start..end);
        let with = if embed {
            embed_of(job, target, label, at)
        } else {
            wiki_link(job, target, label, at)
        };
        edits.push(Edit::new(start..end, with));
    }
    for (line_start, line) in lines(&text) {
        if in_code(line_start) {
            continue;
        }
        callout(line, line_start, &mut edits);
        highlights(line, line_start, &mut edits);
        // A block id (` ^a1b2c3`) at the end of a line is Obsidian's anchor, not text.
        let bare = line.trim_end();
        if let Some(i) = bare.rfind(" ^")
            && bare[i + 2..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
            && bare.len() > i + 2
        {
            edits.push(Edit::new(line_start + i..line_start + bare.len(), ""));
        }
    }
    m.edit(edits)
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split_inclusive('\n').map(move |l| {
        let s = start;
        start += l.len();
        (s, l.trim_end_matches('\n'))
    })
}

/// `[[Note#Heading|label]]` → `[label](note.md#heading)`.
fn wiki_link(job: &mut Job, target: &str, label: Option<&str>, at: Span) -> String {
    let (note, heading) = match target.split_once('#') {
        Some((n, h)) => (n.trim(), Some(h.trim())),
        None => (target, None),
    };
    let shown = label
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| match (note.is_empty(), heading) {
            (true, Some(h)) => h.to_string(),
            _ => note.rsplit('/').next().unwrap_or(note).to_string(),
        });
    let shown_md = shown.replace('[', "\\[").replace(']', "\\]");
    let key = note
        .trim_start_matches('/')
        .trim_end_matches(".md")
        .to_lowercase();
    let index = if note.is_empty() {
        // `[[#Heading]]`: a section of this very note.
        job.index
            .keys
            .get(&format!("file:{}", job.essay.rel.to_lowercase()))
            .copied()
    } else {
        match job.index.find(&format!("name:{key}")) {
            Ok(n) => Some(n),
            Err(left) => {
                let message = match left {
                    Some(what) => format!(
                        "`[[{target}]]` leads to the {what}, which is not imported; the link is kept as plain text"
                    ),
                    None => format!(
                        "`[[{target}]]` names no note that is imported; the link is kept as plain text"
                    ),
                };
                job.warn("import-link", message, at, None);
                None
            }
        }
    };
    let Some(n) = index else {
        return shown_md;
    };
    // A block reference (`#^id`) leads to the note; a heading to its section, if it has it.
    let fragment = heading.filter(|h| !h.starts_with('^')).and_then(|h| {
        let s = slug(h.rsplit('#').next().unwrap_or(h));
        if job.index.headings[n].contains(&s) {
            Some(s)
        } else {
            job.warn(
                "import-link",
                format!(
                    "`[[{target}]]`: the note has no heading `{h}`; the link leads to the note"
                ),
                at,
                None,
            );
            None
        }
    });
    format!("[{shown_md}]({})", job.index.target(n, fragment.as_deref()))
}

/// `![[image.png|alt]]` → an image; `![[Note]]` → a link to the note (a book cannot
/// transclude).
fn embed_of(job: &mut Job, target: &str, label: Option<&str>, at: Span) -> String {
    let file = target.split('#').next().unwrap_or(target).trim();
    let ext = file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    if ext.as_deref().is_some_and(|e| IMAGES.contains(&e)) {
        // `|300` or `|300x200` is a size, not a description.
        let alt = label
            .filter(|l| !l.chars().all(|c| c.is_ascii_digit() || c == 'x'))
            .map(str::to_string)
            .unwrap_or_else(|| {
                let name = file.rsplit('/').next().unwrap_or(file);
                humanize(name.rsplit_once('.').map_or(name, |(s, _)| s))
            });
        return match job.image(file, at) {
            Ok(Some(name)) => format!("![{}]({TO_IMAGE}{name})", alt.replace(['[', ']'], "")),
            _ => String::new(),
        };
    }
    if ext.as_deref().is_some_and(|e| e != "md") {
        job.warn(
            "import-embed",
            format!("the embedded file `{file}` cannot be put in a book; it is left out"),
            at,
            None,
        );
        return String::new();
    }
    let link = wiki_link(job, target, label, at);
    if link.contains("](") {
        job.warn(
            "import-embed",
            format!("the note `{target}` is embedded; the book links to it instead"),
            at,
            None,
        );
        link
    } else {
        // Already reported; a dangling embed leaves nothing behind.
        String::new()
    }
}

/// `> [!note]- Title` → `> **Title**` (the kind when there is no title).
fn callout(line: &str, line_start: usize, edits: &mut Vec<Edit>) {
    let quoted = line.trim_start_matches(['>', ' ']);
    if quoted.len() == line.len() || !quoted.starts_with("[!") {
        return;
    }
    let Some(close) = quoted.find(']') else {
        return;
    };
    let kind = &quoted[2..close];
    let rest = quoted[close + 1..].trim_start_matches(['+', '-']).trim();
    let title = if rest.is_empty() {
        humanize(kind)
    } else {
        rest.to_string()
    };
    let from = line_start + (line.len() - quoted.len());
    // The title is a paragraph of its own: an empty quoted line follows it.
    let prefix = line[..line.len() - quoted.len()].trim_end();
    edits.push(Edit::new(
        from..line_start + line.len(),
        format!("**{title}**\n{prefix}"),
    ));
}

/// `==text==` → `<mark>text</mark>` (not a setext underline `===`).
fn highlights(line: &str, line_start: usize, edits: &mut Vec<Edit>) {
    if line.trim().chars().all(|c| c == '=') {
        return;
    }
    let mut pos = 0;
    while let Some(i) = line[pos..].find("==").map(|i| pos + i) {
        let inner_start = i + 2;
        let Some(j) = line[inner_start..].find("==").map(|j| inner_start + j) else {
            return;
        };
        let inner = &line[inner_start..j];
        if inner.is_empty() || inner.starts_with(' ') || inner.ends_with(' ') {
            pos = inner_start;
            continue;
        }
        edits.push(Edit::new(
            line_start + i..line_start + inner_start,
            "<mark>",
        ));
        edits.push(Edit::new(line_start + j..line_start + j + 2, "</mark>"));
        pos = j + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(f: impl Fn(&str, usize, &mut Vec<Edit>), line: &str) -> String {
        let mut edits = Vec::new();
        f(line, 0, &mut edits);
        Mapped::new(line.to_string()).edit(edits).text
    }

    #[test]
    fn callouts_and_highlights() {
        assert_eq!(apply(callout, "> [!note] Remember"), "> **Remember**\n>");
        assert_eq!(apply(callout, "> > [!warning]-"), "> > **Warning**\n> >");
        assert_eq!(apply(callout, "> plain"), "> plain");
        assert_eq!(
            apply(highlights, "a ==bright== word"),
            "a <mark>bright</mark> word"
        );
        assert_eq!(apply(highlights, "====="), "=====");
        assert_eq!(apply(highlights, "a == b == c"), "a == b == c");
    }

    #[test]
    fn titles_from_headings() {
        assert_eq!(
            opening_heading("\n# The Long Walk\n\nText").as_deref(),
            Some("The Long Walk")
        );
        assert_eq!(opening_heading("Text\n# Later"), None);
    }
}
