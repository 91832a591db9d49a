//! Jekyll sites: posts in `_posts/YYYY-MM-DD-slug.md` (also `<category>/_posts/`), drafts in
//! `_drafts/`, YAML front matter, `_config.yml` for the book's title, author, language and the
//! site's address. Liquid is turned into Markdown where it means something a book can hold
//! (`{% post_url %}` and `{% link %}` → links between essays, `{% highlight %}` → a fenced
//! code block, `{{ site.baseurl }}` → nothing, `{% raw %}` → its text) and removed with a
//! warning where it does not. kramdown's attribute lists (`{: .class}`, `{:toc}`) go too.

use std::path::{Path, PathBuf};

use super::SourceKind;
use super::rewrite::{Edit, Mapped, scan as scan_markdown};
use super::{
    BookInfo, Essay, Job, MARKDOWN, Scan, Site, UNRESOLVED, authors_of, front, humanize, open_site,
    read_config, read_with_front, rel_path, walk,
};
use crate::diag::Diagnostic;
use crate::manifest::{Data, parse_data};
use crate::paths::Root;

pub fn scan(source: &Path, diags: &mut Vec<Diagnostic>) -> Option<Scan> {
    let files = open_site(source, "a Jekyll site", diags)?;
    let root = files.abs.clone();
    let (config, config_path) = config(&files, diags);
    let base = clean_base(config.text_of(&["baseurl"]).as_deref().unwrap_or(""));
    let url = config
        .text_of(&["url"])
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .map(|u| format!("{}{base}", u.trim_end_matches('/')));
    let book = BookInfo {
        title: config.text_of(&["title", "name"]),
        subtitle: config.text_of(&["tagline", "subtitle"]),
        authors: authors_of(&config),
        description: config.text_of(&["description"]),
        language: config
            .text_of(&["lang", "locale", "language"])
            .map(|l| (l, config_path)),
    };
    let pattern = config
        .text_of(&["permalink"])
        .unwrap_or_else(|| "date".into());
    for path in walk(&root, &["html", "htm", "textile", "liquid"]) {
        let rel = rel_path(&root, &path);
        if rel.split('/').any(|p| p == "_posts" || p == "_drafts") {
            diags.push(
                Diagnostic::warning(
                    "import-skipped",
                    "only Markdown posts are imported; this one is left out",
                )
                .in_file(&files.shown(&rel)),
            );
        }
    }
    let essays: Vec<Essay> = walk(&root, MARKDOWN)
        .iter()
        .filter_map(|path| post(&files, path, &pattern, diags))
        .collect();
    Some(Scan {
        kind: SourceKind::Jekyll,
        what: format!("the Jekyll site {}", source.display()),
        book,
        site: Site {
            static_roots: vec![root],
            root: files,
            url,
            base,
            by_name: Default::default(),
        },
        config,
        essays,
        notes: Vec::new(),
    })
}

/// One Markdown file of the site as a post, if it is one: in `_posts` (or `_drafts`), named
/// `YYYY-MM-DD-title.md` (a draft's name may lack the date); `None`, with a warning when
/// Jekyll would not publish it either, otherwise.
fn post(files: &Root, path: &Path, pattern: &str, diags: &mut Vec<Diagnostic>) -> Option<Essay> {
    let rel = rel_path(&files.abs, path);
    let parts: Vec<&str> = rel.split('/').collect();
    let at = parts
        .iter()
        .position(|p| *p == "_posts" || *p == "_drafts")?;
    let draft = parts[at] == "_drafts";
    let display = files.shown(&rel);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (file_date, file_slug) = match split_post_name(&stem) {
        Some((d, s)) => (Some(d), s.to_string()),
        None if draft => (None, stem.clone()),
        None => {
            diags.push(
                Diagnostic::warning(
                    "import-skipped",
                    "a post's file name must be `YYYY-MM-DD-title.md` (Jekyll does not publish this one); it is left out",
                )
                .in_file(&display),
            );
            return None;
        }
    };
    let (fm, body, body_line) = read_with_front(files, path, diags)?;
    let date = match fm.text_of(&["date"]) {
        Some(raw) => match front::iso_date(&raw) {
            Some(d) => Some(d),
            None => {
                diags.push(
                    Diagnostic::warning(
                        "import-date",
                        format!("`{raw}` is not a date anthology understands; the date of the file name is used"),
                    )
                    .in_file(&display),
                );
                file_date.clone()
            }
        },
        None => file_date.clone(),
    };
    let slug = fm.text_of(&["slug"]).unwrap_or(file_slug.clone());
    let mut categories: Vec<String> = parts[..at].iter().map(|s| (*s).to_string()).collect();
    categories.extend(words(fm.get("categories").or_else(|| fm.get("category"))));
    let own = fm.text_of(&["permalink"]);
    let url = permalink(
        own.as_deref().unwrap_or(pattern),
        date.as_deref(),
        &slug,
        &file_slug,
        &categories,
    );
    let skip = if draft {
        Some("draft")
    } else if fm.get("published").and_then(Data::as_bool) == Some(false) {
        Some("unpublished post")
    } else {
        None
    };
    let subtitle = fm
        .text_of(&["subtitle", "description", "excerpt"])
        .filter(|s| s.chars().count() <= 300);
    Some(Essay {
        title: fm
            .text_of(&["title"])
            .unwrap_or_else(|| humanize(&file_slug)),
        subtitle,
        authors: authors_of(&fm),
        date,
        url: Some(url),
        tags: words(fm.get("tags")),
        skip,
        body,
        body_line,
        slug,
        names: vec![stem.to_lowercase()],
        aliases: fm.get("redirect_from").map(Data::texts).unwrap_or_default(),
        rel,
        front: fm,
    })
}

/// The site's configuration (`_config.yml`, `.yaml` or `.toml`) and the file it came from.
fn config(root: &Root, diags: &mut Vec<Diagnostic>) -> (Data, PathBuf) {
    for name in ["_config.yml", "_config.yaml", "_config.toml"] {
        let path = root.shown(name);
        let Some(text) = read_config(root, name, diags) else {
            continue;
        };
        if name.ends_with(".toml") {
            return (
                front::parse(front::Format::Toml, &text, &path, 0, diags),
                path,
            );
        }
        let data = match parse_data(&path, &text, 0) {
            Ok(d) => d,
            Err(errors) => {
                for mut d in errors {
                    d.severity = crate::diag::Severity::Warning;
                    d.message = format!("{}; the site's configuration is ignored", d.message);
                    diags.push(d);
                }
                Data::Null
            }
        };
        return (data, path);
    }
    (Data::Null, root.shown("_config.yml"))
}

/// `/blog/` → `/blog`; `` and `/` → ``.
pub(super) fn clean_base(base: &str) -> String {
    let b = base.trim().trim_matches('/');
    if b.is_empty() {
        String::new()
    } else {
        format!("/{b}")
    }
}

/// `2020-01-02-a-title` → (`2020-01-02`, `a-title`).
fn split_post_name(stem: &str) -> Option<(String, &str)> {
    let date = stem.get(..10)?;
    let slug = stem.get(10..)?.strip_prefix('-')?;
    let d = front::iso_date(date).filter(|d| d.len() == 10)?;
    (!slug.is_empty()).then_some((d, slug))
}

/// Tags or categories: a list, or one text of words separated by spaces (Jekyll's way).
fn words(value: Option<&Data>) -> Vec<String> {
    match value {
        Some(Data::List(items)) => items.iter().filter_map(Data::text).collect(),
        Some(other) => other
            .text()
            .map(|t| t.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    }
}

/// A post's address from a permalink style or pattern (Jekyll's placeholders).
fn permalink(
    pattern: &str,
    date: Option<&str>,
    slug: &str,
    name: &str,
    categories: &[String],
) -> String {
    let pattern = match pattern {
        "date" => "/:categories/:year/:month/:day/:title:output_ext",
        "pretty" => "/:categories/:year/:month/:day/:title/",
        "ordinal" => "/:categories/:year/:y_day/:title:output_ext",
        "none" => "/:categories/:title:output_ext",
        other => other,
    };
    let (y, m, d) = match date.map(|d| d.split('-').collect::<Vec<_>>()).as_deref() {
        Some([y, m, d]) => ((*y).to_string(), (*m).to_string(), (*d).to_string()),
        _ => (String::new(), String::new(), String::new()),
    };
    let y_day = y_day(&y, &m, &d);
    let cats: Vec<String> = categories
        .iter()
        .map(|c| c.to_lowercase().replace(' ', "-"))
        .collect();
    let out = super::fill_placeholders(
        pattern,
        |c| c.is_ascii_alphanumeric() || c == '_',
        |token| match token {
            "year" => Some(y.clone()),
            "short_year" => Some(y.get(2..).unwrap_or("").to_string()),
            "month" => Some(m.clone()),
            "i_month" => Some(m.trim_start_matches('0').to_string()),
            "day" => Some(d.clone()),
            "i_day" => Some(d.trim_start_matches('0').to_string()),
            "y_day" => Some(y_day.clone()),
            "title" | "slug" => Some(slug.to_string()),
            "name" => Some(name.to_string()),
            "categories" => Some(cats.join("/")),
            "output_ext" => Some(".html".to_string()),
            "hour" | "minute" | "second" => Some("00".to_string()),
            _ => None,
        },
    );
    let mut clean = String::from("/");
    for part in out.split('/').filter(|p| !p.is_empty()) {
        clean.push_str(part);
        clean.push('/');
    }
    if !out.ends_with('/') && clean.len() > 1 {
        clean.pop();
    }
    clean
}

fn y_day(y: &str, m: &str, d: &str) -> String {
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return String::new();
    };
    let before: u32 = (1..m)
        .map(|month| {
            (1..=31)
                .rev()
                .find(|&day| front::valid_ymd(y, month, day))
                .unwrap_or(0)
        })
        .sum();
    format!("{:03}", before + d)
}

/// Liquid and kramdown's extensions → Markdown.
pub fn prepare(job: &mut Job, m: Mapped) -> Mapped {
    let text = m.text.clone();
    let mut edits = Vec::new();
    // Closing tags already turned into something (`{% endhighlight %}`).
    let mut settled: std::collections::HashSet<usize> = std::collections::HashSet::new();
    let mut pos = 0;
    while let Some(i) = text[pos..].find('{').map(|i| pos + i) {
        if settled.contains(&i) {
            pos = i + 2;
            continue;
        }
        let next = text[i + 1..].chars().next();
        let close = match next {
            Some('%') => "%}",
            Some('{') => "}}",
            _ => {
                pos = i + 1;
                continue;
            }
        };
        let Some(end) = text[i + 2..].find(close).map(|j| i + 2 + j + 2) else {
            break;
        };
        let inner = text[i + 2..end - 2].trim_matches('-').trim();
        let at = m.span(i..end);
        pos = end;
        if close == "}}" {
            let value = output(job, inner);
            if value.is_none() {
                job.warn(
                    "import-liquid",
                    format!("`{{{{ {inner} }}}}` cannot be converted; it is removed"),
                    at,
                    None,
                );
            }
            edits.push(Edit::new(i..end, value.unwrap_or_default()));
            continue;
        }
        let (name, args) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        let args = args.trim();
        match name {
            "raw" => {
                // Everything up to `{% endraw %}` is text, Liquid included.
                let close = find_tag(&text, end, "endraw");
                edits.push(Edit::new(i..end, ""));
                match close {
                    Some(c) => {
                        edits.push(Edit::new(c.clone(), ""));
                        pos = c.end;
                    }
                    None => pos = text.len(),
                }
            }
            "comment" => {
                let close = find_tag(&text, end, "endcomment").map_or(text.len(), |c| c.end);
                edits.push(Edit::new(i..close, ""));
                pos = close;
            }
            "highlight" => {
                let lang = args.split_whitespace().next().unwrap_or("");
                let close = find_tag(&text, end, "endhighlight");
                let body = &text[end..close.as_ref().map_or(text.len(), |c| c.start)];
                let fence = if body.contains("```") { "~~~~" } else { "```" };
                let lead = if text[..i].ends_with('\n') || i == 0 {
                    ""
                } else {
                    "\n"
                };
                edits.push(Edit::new(i..end, format!("{lead}{fence}{lang}")));
                if let Some(c) = close {
                    let lead = if text[..c.start].ends_with('\n') {
                        ""
                    } else {
                        "\n"
                    };
                    settled.insert(c.start);
                    edits.push(Edit::new(c, format!("{lead}{fence}")));
                }
            }
            "post_url" => {
                let wanted = args.rsplit('/').next().unwrap_or(args).to_lowercase();
                let key = format!("name:{wanted}");
                let target = match job.index.find(&key) {
                    Ok(n) => job.index.target(n, None),
                    // Published but not imported: its address, which becomes a web link.
                    Err(None) if job.index.address(&key).is_some() => {
                        job.index.address(&key).unwrap_or_default().to_string()
                    }
                    Err(left) => {
                        let message = match left {
                            Some(what) => format!(
                                "`{{% post_url {args} %}}` leads to the {what}, which is not imported; the link is kept as plain text"
                            ),
                            None => format!(
                                "`{{% post_url {args} %}}` names no post of the site; the link is kept as plain text"
                            ),
                        };
                        job.warn("import-link", message, at, None);
                        UNRESOLVED.to_string()
                    }
                };
                edits.push(Edit::new(i..end, target));
            }
            "link" => {
                let path = args
                    .trim_matches(|c| c == '"' || c == '\'')
                    .trim_start_matches('/');
                let target = match job.index.find(&format!("file:{}", path.to_lowercase())) {
                    Ok(n) => job.index.target(n, None),
                    Err(_) => format!("/{path}"),
                };
                edits.push(Edit::new(i..end, target));
            }
            "include" | "include_relative" => {
                let figure = figure(args);
                if figure.is_none() {
                    job.warn(
                        "import-liquid",
                        format!("`{{% {inner} %}}` cannot be converted; it is removed"),
                        at,
                        Some("copy what it shows into the post as Markdown"),
                    );
                }
                edits.push(Edit::new(i..end, figure.unwrap_or_default()));
            }
            _ => {
                job.warn(
                    "import-liquid",
                    format!("the Liquid tag `{{% {name} %}}` cannot be converted; it is removed"),
                    at,
                    None,
                );
                edits.push(Edit::new(i..end, ""));
            }
        }
    }
    edits.extend(kramdown(&text, &job.scan.config));
    m.edit(edits)
}

/// The range of `{% name %}` (with or without `-`) after `from`.
fn find_tag(text: &str, from: usize, name: &str) -> Option<std::ops::Range<usize>> {
    let mut pos = from;
    while let Some(i) = text[pos..].find("{%").map(|i| pos + i) {
        let end = text[i + 2..].find("%}").map(|j| i + 2 + j + 2)?;
        if text[i + 2..end - 2].trim_matches('-').trim() == name {
            return Some(i..end);
        }
        pos = end;
    }
    None
}

/// The value of `{{ expression }}` when it is one a book can hold.
fn output(job: &Job, expr: &str) -> Option<String> {
    let mut parts = expr.split('|');
    let base = parts.next().unwrap_or("").trim();
    if let Some(literal) = base
        .strip_prefix('"')
        .and_then(|b| b.strip_suffix('"'))
        .or_else(|| base.strip_prefix('\'').and_then(|b| b.strip_suffix('\'')))
    {
        // `{{ "/assets/x.png" | relative_url }}`: the path, which the link pass resolves.
        return Some(literal.to_string());
    }
    match base {
        // The site's own address: links are resolved against the site anyway.
        "site.url" | "site.baseurl" | "site.github.url" | "base_path" => Some(String::new()),
        "page.title" => Some(job.essay.title.clone()),
        "page.date" => job.essay.date.clone(),
        _ => {
            if let Some(key) = base.strip_prefix("site.") {
                job.scan.config.get(key).and_then(Data::text)
            } else if let Some(key) = base.strip_prefix("page.") {
                job.essay.front.get(key).and_then(Data::text)
            } else {
                None
            }
        }
    }
}

/// `{% include figure.html image="/assets/x.png" caption="…" %}` → `![…](/assets/x.png)`:
/// includes that only show an image are common, and a book can hold an image.
fn figure(args: &str) -> Option<String> {
    let params = params(args);
    let image = params.iter().find(|(_, v)| {
        let v = v.to_ascii_lowercase();
        [".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"]
            .iter()
            .any(|e| v.split(['?', '#']).next().unwrap_or("").ends_with(e))
    })?;
    let alt = ["alt", "caption", "title", "description"]
        .iter()
        .find_map(|k| params.iter().find(|(p, _)| p == k))
        .map_or_else(
            || {
                let stem = image.1.rsplit('/').next().unwrap_or(&image.1);
                humanize(stem.rsplit_once('.').map_or(stem, |(s, _)| s))
            },
            |(_, v)| v.clone(),
        );
    Some(format!(
        "![{}]({})",
        alt.replace(['[', ']'], ""),
        super::rewrite::markdown_url(&image.1)
    ))
}

/// `key="value" key2='v' key3=v` → pairs.
pub(super) fn params(args: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = args;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq]
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or("")
            .to_string();
        let after = rest[eq + 1..].trim_start();
        let (value, next) = match after.chars().next() {
            Some(q @ ('"' | '\'')) => match after[1..].find(q) {
                Some(j) => (after[1..=j].to_string(), &after[j + 2..]),
                None => (after[1..].to_string(), ""),
            },
            _ => {
                let j = after.find(char::is_whitespace).unwrap_or(after.len());
                (after[..j].to_string(), &after[j..])
            }
        };
        out.push((key, value));
        rest = next;
    }
    out
}

/// kramdown's extensions that mean nothing in a book: attribute lists (`{: .center}`), the
/// generated table of contents (`* TOC` + `{:toc}`), `{::comment}`, and the excerpt marker.
fn kramdown(text: &str, config: &Data) -> Vec<Edit> {
    let code = scan_markdown(text).code;
    let in_code = |p: usize| code.iter().any(|r| r.contains(&p));
    let mut edits = Vec::new();
    let mut line_start = 0;
    let mut previous: Option<std::ops::Range<usize>> = None;
    for line in text.split_inclusive('\n') {
        let range = line_start..line_start + line.len();
        line_start = range.end;
        let bare = line.trim();
        if in_code(range.start) {
            previous = Some(range);
            continue;
        }
        if bare == "{:toc}" || bare == "{:.toc}" {
            if let Some(p) = &previous {
                let prev = text[p.clone()].trim();
                if ["* TOC", "- TOC", "1. TOC", "+ TOC"].contains(&prev) {
                    edits.push(Edit::new(p.clone(), ""));
                }
            }
            edits.push(Edit::new(range.clone(), ""));
        } else if bare.starts_with("{::") && bare.ends_with('}') || bare.starts_with("{:/") {
            edits.push(Edit::new(range.clone(), ""));
        } else {
            // Attribute lists anywhere on the line.
            let mut from = 0;
            while let Some(i) = line[from..].find("{:").map(|i| from + i) {
                let Some(j) = line[i..].find('}').map(|j| i + j + 1) else {
                    break;
                };
                edits.push(Edit::new(range.start + i..range.start + j, ""));
                from = j;
            }
        }
        previous = Some(range);
    }
    let mut markers = vec!["<!--more-->".to_string()];
    if let Some(sep) = config.text_of(&["excerpt_separator"])
        && sep.trim().len() > 3
    {
        markers.push(sep);
    }
    for marker in markers {
        for (i, _) in text.match_indices(&marker) {
            edits.push(Edit::new(i..i + marker.len(), ""));
        }
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_names() {
        assert_eq!(
            split_post_name("2020-01-02-a-title"),
            Some(("2020-01-02".into(), "a-title"))
        );
        assert_eq!(split_post_name("about"), None);
        assert_eq!(split_post_name("2020-13-02-x"), None);
    }

    #[test]
    fn permalinks() {
        let cats = vec!["Essays".to_string()];
        assert_eq!(
            permalink("date", Some("2020-01-02"), "x", "x", &[]),
            "/2020/01/02/x.html"
        );
        assert_eq!(
            permalink("pretty", Some("2020-01-02"), "x", "x", &cats),
            "/essays/2020/01/02/x/"
        );
        assert_eq!(
            permalink("/blog/:title/", Some("2020-01-02"), "x", "x", &[]),
            "/blog/x/"
        );
        assert_eq!(
            permalink("ordinal", Some("2020-03-01"), "x", "x", &[]),
            "/2020/061/x.html"
        );
    }

    #[test]
    fn tags_found_among_stray_braces() {
        assert_eq!(find_tag("x {%- endraw %}", 0, "endraw"), Some(2..15));
        assert_eq!(find_tag("{%}", 0, "endraw"), None);
    }

    #[test]
    fn include_params() {
        assert_eq!(
            params(r#"figure.html image="/a b.png" caption='A, b' w=3"#),
            vec![
                ("image".to_string(), "/a b.png".to_string()),
                ("caption".to_string(), "A, b".to_string()),
                ("w".to_string(), "3".to_string())
            ]
        );
        assert_eq!(
            figure(r#"figure.html image="/assets/x.png" caption="A view""#).as_deref(),
            Some("![A view](/assets/x.png)")
        );
        assert_eq!(figure("footer.html"), None);
    }

    #[test]
    fn kramdown_extensions_go() {
        let text =
            "Intro\n\n* TOC\n{:toc}\n\n![x](y.png){: .center}\n\n```\n{: keep}\n```\n<!--more-->\n";
        let m = Mapped::new(text.to_string()).edit(kramdown(text, &Data::Null));
        assert_eq!(m.text, "Intro\n\n\n![x](y.png)\n\n```\n{: keep}\n```\n\n");
    }
}
