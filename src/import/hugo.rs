//! Hugo sites: pages in `content/**/*.md` (page bundles `post/index.md` with their images
//! beside them), front matter in YAML `---`, TOML `+++` or JSON, `hugo.toml` / `config.*` for
//! the book's title, author, language and the site's address, `static/` for site-root files.
//! Shortcodes become Markdown where a book can hold what they show (`ref`/`relref` → links
//! between essays, `figure` → a figure, `highlight` → a fenced code block, videos → links)
//! and are removed with a warning where it cannot.

use std::path::{Path, PathBuf};

use super::SourceKind;
use super::jekyll::{clean_base, params};
use super::rewrite::{Edit, Mapped};
use super::{
    BookInfo, Essay, Job, MARKDOWN, Scan, Site, UNRESOLVED, authors_of, front, humanize, open_site,
    read_config, read_with_front, rel_path, walk,
};
use crate::diag::Diagnostic;
use crate::manifest::Data;
use crate::paths::Root;
use crate::text::{escape, slug};

const CONFIG_FILES: &[&str] = &[
    "hugo.toml",
    "hugo.yaml",
    "hugo.yml",
    "hugo.json",
    "config.toml",
    "config.yaml",
    "config.yml",
    "config.json",
    "config/_default/hugo.toml",
    "config/_default/hugo.yaml",
    "config/_default/config.toml",
    "config/_default/config.yaml",
];

/// The site's configuration file, if it has one (relative to the site's folder).
pub fn config_file(source: &Path) -> Option<&'static str> {
    CONFIG_FILES
        .iter()
        .copied()
        .find(|f| std::fs::symlink_metadata(source.join(f)).is_ok())
}

/// The site's configuration, and the file it came from.
fn config(root: &Root, diags: &mut Vec<Diagnostic>) -> (Data, Option<PathBuf>) {
    let Some(name) = config_file(&root.abs) else {
        return (Data::Null, None);
    };
    let path = root.shown(name);
    let Some(text) = read_config(root, name, diags) else {
        return (Data::Null, Some(path));
    };
    let format = match name.rsplit_once('.').map(|(_, e)| e) {
        Some("toml") => front::Format::Toml,
        Some("json") => front::Format::Json,
        _ => front::Format::Yaml,
    };
    (front::parse(format, &text, &path, 0, diags), Some(path))
}

pub fn scan(source: &Path, diags: &mut Vec<Diagnostic>) -> Option<Scan> {
    let files = open_site(source, "a Hugo site", diags)?;
    let root = files.abs.clone();
    let (config, config_path) = config(&files, diags);
    let params = config.get("params").cloned().unwrap_or_default();
    let base_url = config.text_of(&["baseURL", "baseurl", "baseUrl"]);
    let (url, base) = match base_url.as_deref() {
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
            let after_scheme = u.split_once("//").map_or(u, |(_, r)| r);
            let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
            (Some(u.trim_end_matches('/').to_string()), clean_base(path))
        }
        _ => (None, String::new()),
    };
    let mut authors = authors_of(&config);
    for a in authors_of(&params) {
        if !authors.contains(&a) {
            authors.push(a);
        }
    }
    let book = BookInfo {
        title: config.text_of(&["title"]),
        subtitle: params.text_of(&["subtitle", "tagline"]),
        authors,
        description: params
            .text_of(&["description"])
            .or_else(|| config.text_of(&["description"])),
        language: config
            .text_of(&["languageCode", "defaultContentLanguage", "locale"])
            .zip(config_path.clone()),
    };
    let content_name = config
        .text_of(&["contentDir"])
        .unwrap_or_else(|| "content".into());
    // Only a folder inside the site is walked (every file is checked again as it is read).
    let content_dir = match root.join(&content_name).canonicalize() {
        Ok(dir) if dir.starts_with(&root) => root.join(&content_name),
        Ok(_) => {
            diags.push(
                Diagnostic::error(
                    "import-source",
                    format!("the content folder `{content_name}` is outside the site's folder"),
                )
                .in_file(config_path.as_deref().unwrap_or(source)),
            );
            return None;
        }
        Err(_) => root.join(&content_name),
    };
    let static_names = match config.get("staticDir") {
        Some(d) => d.texts(),
        None => vec!["static".to_string()],
    };
    let mut static_roots: Vec<PathBuf> = Vec::new();
    for name in static_names {
        match root.join(&name).canonicalize() {
            Ok(dir) if dir.starts_with(&root) => static_roots.push(dir),
            // Images are read only from inside the site.
            Ok(_) => diags.push(
                Diagnostic::warning(
                    "import-source",
                    format!("the static folder `{name}` is outside the site's folder; no image is taken from it"),
                )
                .in_file(config_path.as_deref().unwrap_or(source)),
            ),
            Err(_) => {}
        }
    }
    static_roots.push(root.clone());
    let permalinks = config
        .get("permalinks")
        .map(|p| p.get("page").unwrap_or(p).clone());

    let found: Vec<(String, Essay)> = walk(&content_dir, MARKDOWN)
        .iter()
        .filter_map(|path| {
            page(
                &files,
                &root,
                &content_dir,
                path,
                permalinks.as_ref(),
                diags,
            )
        })
        .collect();
    let main = main_sections(&params, &found);
    let (essays, outside): (Vec<_>, Vec<_>) = found
        .into_iter()
        .partition(|(section, _)| main.contains(section));
    let essays: Vec<Essay> = essays.into_iter().map(|(_, e)| e).collect();
    let mut notes = Vec::new();
    if !outside.is_empty() {
        let files: Vec<&str> = outside.iter().map(|(_, e)| e.rel.as_str()).collect();
        let shown = main
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        notes.push(format!(
            "left out {} outside the main section {shown}: {}",
            crate::text::count(outside.len(), "page"),
            files.join(", ")
        ));
    }
    Some(Scan {
        kind: SourceKind::Hugo,
        what: format!("the Hugo site {}", source.display()),
        book,
        site: Site {
            root: files,
            url,
            base,
            static_roots,
            by_name: Default::default(),
        },
        config,
        essays,
        notes,
    })
}

/// One page of the content folder (`path`) as a piece of writing, with its section; `None`
/// for a section's list page (`_index.md`) or a file that cannot be read (a warning says so).
fn page(
    files: &Root,
    root: &Path,
    content_dir: &Path,
    path: &Path,
    permalinks: Option<&Data>,
    diags: &mut Vec<Diagnostic>,
) -> Option<(String, Essay)> {
    let rel = rel_path(root, path);
    let in_content = rel_path(content_dir, path);
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if file_name.starts_with("_index.") {
        // A section's list page, not a piece of writing.
        return None;
    }
    let display = files.shown(&rel);
    let (fm, body, body_line) = read_with_front(files, path, diags)?;
    let mut dirs: Vec<&str> = in_content.split('/').collect();
    let file = dirs.pop().unwrap_or("");
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    // A page bundle (`post/index.md`) is named by its folder.
    let bundle = stem == "index";
    let name = if bundle {
        dirs.pop().unwrap_or("index")
    } else {
        stem
    };
    let section = in_content
        .split('/')
        .next()
        .filter(|_| in_content.contains('/'))
        .unwrap_or("");
    let date = fm
        .text_of(&["date", "publishDate", "pubDate", "published"])
        .and_then(|raw| {
            let d = front::iso_date(&raw);
            if d.is_none() {
                diags.push(
                    Diagnostic::warning(
                        "import-date",
                        format!("`{raw}` is not a date anthology understands; it is left out"),
                    )
                    .in_file(&display),
                );
            }
            d
        });
    let title = fm
        .text_of(&["title", "linkTitle"])
        .unwrap_or_else(|| humanize(name));
    let page_slug = fm.text_of(&["slug"]).unwrap_or_else(|| name.to_string());
    let url = match fm.text_of(&["url"]) {
        Some(u) => format!("/{}", u.trim_start_matches('/')),
        None => match permalinks.and_then(|p| p.text_of(&[section])) {
            Some(pattern) => permalink(&pattern, date.as_deref(), &title, &page_slug, name, &dirs),
            None => {
                let mut u = String::from("/");
                for d in &dirs {
                    u.push_str(d);
                    u.push('/');
                }
                u.push_str(&page_slug);
                u.push('/');
                u.to_lowercase()
            }
        },
    };
    let lower = in_content.to_lowercase();
    let without_ext = lower.rsplit_once('.').map_or(lower.as_str(), |(s, _)| s);
    let mut names = vec![
        lower.clone(),
        without_ext.to_string(),
        without_ext.trim_end_matches("/index").to_string(),
        name.to_lowercase(),
        format!("{}.md", name.to_lowercase()),
    ];
    names.dedup();
    let draft = fm.get("draft").and_then(Data::as_bool) == Some(true);
    let subtitle = fm
        .text_of(&["subtitle", "description", "summary"])
        .filter(|s| s.chars().count() <= 300);
    Some((
        section.to_string(),
        Essay {
            title,
            subtitle,
            authors: authors_of(&fm),
            date,
            url: Some(url),
            tags: fm.get("tags").map(Data::texts).unwrap_or_default(),
            skip: draft.then_some("draft"),
            body,
            body_line,
            slug: page_slug,
            names,
            aliases: fm.get("aliases").map(Data::texts).unwrap_or_default(),
            rel,
            front: fm,
        },
    ))
}

/// The sections that hold the writing, as Hugo's themes choose them: `params.mainSections`,
/// else the section with the most pages.
fn main_sections(params: &Data, found: &[(String, Essay)]) -> Vec<String> {
    match params.get("mainSections").map(Data::texts) {
        Some(m) if !m.is_empty() => m,
        _ => {
            let mut counts: Vec<(&str, usize)> = Vec::new();
            for (section, _) in found {
                match counts.iter_mut().find(|(s, _)| s == section) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((section, 1)),
                }
            }
            counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            counts
                .first()
                .map(|(s, _)| (*s).to_string())
                .into_iter()
                .collect()
        }
    }
}

/// A page's address from a `[permalinks]` pattern (Hugo's tokens).
fn permalink(
    pattern: &str,
    date: Option<&str>,
    title: &str,
    page_slug: &str,
    name: &str,
    dirs: &[&str],
) -> String {
    let parts: Vec<&str> = date.map(|d| d.split('-').collect()).unwrap_or_default();
    let get = |i: usize| parts.get(i).copied().unwrap_or("").to_string();
    let month_name = parts
        .get(1)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(crate::dates::month_name)
        .map_or(String::new(), str::to_lowercase);
    let out = super::fill_placeholders(
        pattern,
        |c| c.is_ascii_alphanumeric(),
        |token| match token {
            "year" => Some(get(0)),
            "month" => Some(get(1)),
            "monthname" => Some(month_name.clone()),
            "day" => Some(get(2)),
            "title" => Some(slug(title)),
            "slug" | "slugorfilename" | "slugorcontentbasename" => Some(page_slug.to_string()),
            "filename" | "contentbasename" => Some(name.to_string()),
            "section" => Some(dirs.first().copied().unwrap_or("").to_string()),
            "sections" => Some(dirs.join("/")),
            _ => None,
        },
    );
    format!("/{}", out.trim_start_matches('/')).to_lowercase()
}

/// Shortcodes → Markdown.
pub fn prepare(job: &mut Job, m: Mapped) -> Mapped {
    let text = m.text.clone();
    let mut edits = Vec::new();
    let mut pos = 0;
    while let Some(i) = text[pos..].find("{{").map(|i| pos + i) {
        let after = &text[i + 2..];
        if edits.iter().any(|e: &Edit| e.range.start == i) {
            // A closing tag already turned into something (`{{< /highlight >}}`).
            pos = i + 2;
            continue;
        }
        let (open, close) = if after.starts_with('<') {
            ("<", ">}}")
        } else if after.starts_with('%') {
            ("%", "%}}")
        } else {
            pos = i + 2;
            continue;
        };
        let Some(end) = text[i + 3..].find(close).map(|j| i + 3 + j + close.len()) else {
            break;
        };
        pos = end;
        let inner = text[i + 3..end - close.len()].trim();
        let at = m.span(i..end);
        // `{{</* name */>}}` shows a shortcode as text.
        if let Some(shown) = inner.strip_prefix("/*").and_then(|s| s.strip_suffix("*/")) {
            edits.push(Edit::new(
                i..end,
                format!("{{{{{open} {} {}}}}}", shown.trim(), &close[..1]),
            ));
            continue;
        }
        if inner.starts_with('/') {
            // A closing tag: its opening tag said what happens.
            edits.push(Edit::new(i..end, ""));
            continue;
        }
        let inner = inner.trim_end_matches('/').trim();
        let (name, args) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        let (positional, named) = arguments(args);
        let arg = |key: &str, n: usize| {
            named
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .or_else(|| positional.get(n).cloned())
        };
        let with = match name {
            "ref" | "relref" => {
                let target = arg("path", 0).unwrap_or_default();
                let (path, fragment) = match target.split_once('#') {
                    Some((p, f)) => (p, Some(f)),
                    None => (target.as_str(), None),
                };
                let key = path.trim_start_matches('/').to_lowercase();
                let key = key.trim_end_matches('/');
                let keys = [
                    key.to_string(),
                    format!("{key}.md"),
                    key.rsplit('/').next().unwrap_or(key).to_string(),
                ]
                .map(|k| format!("name:{k}"));
                let found = keys.iter().find_map(|k| job.index.find(k).ok());
                let address = keys.iter().find_map(|k| job.index.address(k));
                match (found, address) {
                    (Some(n), _) => job.index.target(n, fragment),
                    // Published but not imported: its address, which becomes a web link.
                    (None, Some(a)) => match fragment {
                        Some(f) => format!("{a}#{f}"),
                        None => a.to_string(),
                    },
                    (None, None) if path.is_empty() => format!("#{}", fragment.unwrap_or("")),
                    (None, None) => {
                        job.warn(
                            "import-link",
                            format!("`{{{{< {name} \"{target}\" >}}}}` names no page that is imported; the link is kept as plain text"),
                            at,
                            None,
                        );
                        UNRESOLVED.to_string()
                    }
                }
            }
            "figure" => {
                let src = arg("src", 0).unwrap_or_default();
                let caption = arg("caption", usize::MAX).or_else(|| arg("title", usize::MAX));
                let alt = arg("alt", usize::MAX)
                    .or_else(|| caption.clone())
                    .unwrap_or_default();
                match caption {
                    Some(c) => format!(
                        "<figure><img src=\"{}\" alt=\"{}\"/><figcaption>{}</figcaption></figure>",
                        escape(&src),
                        escape(&alt),
                        escape(&c)
                    ),
                    None => format!(
                        "![{}]({})",
                        alt.replace(['[', ']'], ""),
                        super::rewrite::markdown_url(&src)
                    ),
                }
            }
            "highlight" => {
                let lang = positional.first().cloned().unwrap_or_default();
                let close_tag = find_closing(&text, end, name);
                let body = &text[end..close_tag.as_ref().map_or(text.len(), |c| c.start)];
                let fence = if body.contains("```") { "~~~~" } else { "```" };
                if let Some(c) = close_tag {
                    let lead = if text[..c.start].ends_with('\n') {
                        ""
                    } else {
                        "\n"
                    };
                    edits.push(Edit::new(c, format!("{lead}{fence}")));
                }
                let lead = if i == 0 || text[..i].ends_with('\n') {
                    ""
                } else {
                    "\n"
                };
                format!("{lead}{fence}{lang}")
            }
            "youtube" | "vimeo" | "gist" | "tweet" | "x" | "instagram" => {
                let id = arg("id", 0).unwrap_or_default();
                let user = arg("user", 0).unwrap_or_default();
                let (what, address) = match name {
                    "youtube" => (
                        "Video on YouTube",
                        format!("https://www.youtube.com/watch?v={id}"),
                    ),
                    "vimeo" => ("Video on Vimeo", format!("https://vimeo.com/{id}")),
                    "gist" => (
                        "Code on GitHub",
                        format!(
                            "https://gist.github.com/{user}/{}",
                            arg("id", 1).unwrap_or_default()
                        ),
                    ),
                    "instagram" => (
                        "Photo on Instagram",
                        format!("https://www.instagram.com/p/{id}/"),
                    ),
                    _ => (
                        "Post on X",
                        format!(
                            "https://x.com/{}/status/{}",
                            arg("user", usize::MAX).unwrap_or_default(),
                            arg("id", usize::MAX).unwrap_or(id.clone())
                        ),
                    ),
                };
                job.warn(
                    "import-shortcode",
                    format!(
                        "`{{{{< {name} >}}}}` cannot play in a book; it becomes a link to {address}"
                    ),
                    at,
                    None,
                );
                format!("[{what}]({address})")
            }
            "param" => {
                let key = arg("name", 0).unwrap_or_default();
                let value = job.essay.front.get(&key).and_then(Data::text).or_else(|| {
                    job.scan
                        .config
                        .get("params")
                        .and_then(|p| p.get(&key))
                        .and_then(Data::text)
                });
                if value.is_none() {
                    job.warn(
                        "import-shortcode",
                        format!("`{{{{< param {key} >}}}}` has no value; it is removed"),
                        at,
                        None,
                    );
                }
                value.unwrap_or_default()
            }
            _ => {
                let paired = find_closing(&text, end, name).is_some();
                let content = if paired { " (its content stays)" } else { "" };
                job.warn(
                    "import-shortcode",
                    format!("the shortcode `{name}` cannot be converted; it is removed{content}"),
                    at,
                    None,
                );
                String::new()
            }
        };
        edits.push(Edit::new(i..end, with));
    }
    for (i, _) in text.match_indices("<!--more-->") {
        edits.push(Edit::new(i..i + "<!--more-->".len(), ""));
    }
    m.edit(edits)
}

/// The range of `{{< /name >}}` (or `{{% /name %}}`) after `from`.
fn find_closing(text: &str, from: usize, name: &str) -> Option<std::ops::Range<usize>> {
    let mut pos = from;
    while let Some(i) = text[pos..].find("{{").map(|i| pos + i) {
        let close = match text[i + 2..].chars().next() {
            Some('<') => ">}}",
            Some('%') => "%}}",
            // `{{` of something else (a Go template, text): not a shortcode.
            _ => {
                pos = i + 2;
                continue;
            }
        };
        let end = text[i + 3..].find(close).map(|j| i + 3 + j + close.len())?;
        let inner = text[i + 3..end - close.len()].trim();
        if inner.strip_prefix('/').map(str::trim) == Some(name) {
            return Some(i..end);
        }
        pos = end;
    }
    None
}

/// A shortcode's arguments: positional ones and `name="value"` ones.
fn arguments(args: &str) -> (Vec<String>, Vec<(String, String)>) {
    let mut positional = Vec::new();
    let mut rest = args.trim();
    let named = if rest.contains('=') {
        params(rest)
    } else {
        Vec::new()
    };
    if named.is_empty() {
        while !rest.is_empty() {
            let (value, next) = match rest.chars().next() {
                Some(q @ ('"' | '`' | '\'')) => match rest[1..].find(q) {
                    Some(j) => (rest[1..=j].to_string(), &rest[j + 2..]),
                    None => (rest[1..].to_string(), ""),
                },
                _ => {
                    let j = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    (rest[..j].to_string(), &rest[j..])
                }
            };
            positional.push(value);
            rest = next.trim_start();
        }
    }
    (positional, named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcode_arguments() {
        assert_eq!(
            arguments(r#""posts/x.md#a" other"#).0,
            vec!["posts/x.md#a".to_string(), "other".to_string()]
        );
        let (_, named) = arguments(r#"src="/i/x.png" caption="A view""#);
        assert_eq!(named[1], ("caption".to_string(), "A view".to_string()));
    }

    #[test]
    fn closing_tags_among_other_braces() {
        let text = "{{é}} {{ .x }} {{< /notice >}}";
        assert_eq!(
            find_closing(text, 0, "notice"),
            Some(text.find("{{<").unwrap()..text.len())
        );
        assert_eq!(find_closing("{{é", 0, "notice"), None);
        assert_eq!(find_closing("{{%}} {{<>}}", 0, "notice"), None);
    }

    #[test]
    fn permalinks() {
        assert_eq!(
            permalink(
                "/:year/:month/:slug/",
                Some("2021-03-04"),
                "T",
                "my-post",
                "f",
                &["posts"]
            ),
            "/2021/03/my-post/"
        );
        assert_eq!(
            permalink("/:section/:title/", None, "A Title", "s", "f", &["posts"]),
            "/posts/a-title/"
        );
    }
}
