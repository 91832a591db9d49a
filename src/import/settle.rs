//! Settling links and images, the same way for every kind of source: a link to another
//! imported essay → `other.md#section`, to a page of the site that is not imported → its web
//! address (when the site's address is known), to nothing → its text and a warning; an image
//! → a copy in `essays/images/` named by what it really is, or its alt text and a warning.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use percent_encoding::percent_decode_str;

use super::rewrite::{self, Edit, Mapped, Span, inline_link, markdown_url};
use super::{Essay, Scan, TO_ESSAY, TO_IMAGE, UNRESOLVED, refused as refused_file, rel_in};
use crate::diag::{Diagnostic, SourceFile};
use crate::paths::{InnerPath, PathProblem, Root, parent_of};
use crate::text::slug;

/// How links find the chosen essays (and recognise the drafts left out).
pub(super) struct Index {
    /// Output names (`other`, for `essays/other.md`), by place in the book.
    pub(super) names: Vec<String>,
    pub(super) keys: HashMap<String, usize>,
    /// Keys of essays left out, with what they are.
    pub(super) skipped: HashMap<String, String>,
    /// The slugs of each essay's headings, for links to a section.
    pub(super) headings: Vec<HashSet<String>>,
    /// The site addresses of published essays that are not imported (not in the `--order`
    /// list), by key: links to them become links to the web.
    pub(super) addresses: HashMap<String, String>,
}

/// A site-relative address as a key: decoded, lowercase, without `index.html`, `.html` or a
/// final `/`, so that every spelling of a page's address meets.
pub(super) fn url_key(path: &str) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy().to_lowercase();
    let mut p = decoded.trim().trim_end_matches('/').to_string();
    for suffix in ["/index.html", "/index.htm", "/index.md", ".html", ".htm"] {
        if let Some(s) = p.strip_suffix(suffix) {
            p = s.to_string();
            break;
        }
    }
    let p = p.trim_matches('/');
    format!("url:/{p}")
}

impl Index {
    pub(super) fn new(
        essays: &[Essay],
        names: &[String],
        skipped: &[Essay],
        unlisted: &[Essay],
    ) -> Self {
        let keys_of = |e: &Essay| {
            let mut keys = vec![format!("file:{}", e.rel.to_lowercase())];
            keys.extend(e.url.as_deref().map(url_key));
            keys.extend(e.aliases.iter().map(|a| url_key(a)));
            keys.extend(e.names.iter().map(|n| format!("name:{n}")));
            keys
        };
        let mut keys = HashMap::new();
        for (i, e) in essays.iter().enumerate() {
            for k in keys_of(e) {
                keys.entry(k).or_insert(i);
            }
        }
        let mut left = HashMap::new();
        for e in skipped {
            for k in keys_of(e) {
                left.entry(k)
                    .or_insert_with(|| format!("{} `{}`", e.skip.unwrap_or("draft"), e.rel));
            }
        }
        Index {
            names: names.to_vec(),
            keys,
            skipped: left,
            headings: essays.iter().map(|e| headings(&e.body)).collect(),
            addresses: unlisted
                .iter()
                .filter_map(|e| Some((e, e.url.clone()?)))
                .flat_map(|(e, url)| keys_of(e).into_iter().map(move |k| (k, url.clone())))
                .collect(),
        }
    }

    /// The site address of a published essay that is not imported.
    pub(super) fn address(&self, key: &str) -> Option<&str> {
        self.addresses.get(key).map(String::as_str)
    }

    /// The essay a key leads to; else what was left out there, if anything.
    pub(super) fn find(&self, key: &str) -> Result<usize, Option<&str>> {
        self.keys
            .get(key)
            .copied()
            .ok_or_else(|| self.skipped.get(key).map(String::as_str))
    }

    /// The Markdown link target of essay `i` (with `#fragment`).
    pub(super) fn target(&self, i: usize, fragment: Option<&str>) -> String {
        match fragment.filter(|f| !f.is_empty()) {
            Some(f) => format!("{TO_ESSAY}{i}#{f}"),
            None => format!("{TO_ESSAY}{i}"),
        }
    }
}

/// The slugs of a Markdown text's `#` headings (and their `{#id}`s).
pub(super) fn headings(body: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    for line in body.lines() {
        let l = line.trim_start();
        let hashes = l.chars().take_while(|&c| c == '#').count();
        if !(1..=6).contains(&hashes) || !l[hashes..].starts_with([' ', '\t']) {
            continue;
        }
        let mut text = l[hashes..].trim().trim_end_matches('#').trim();
        if let Some(i) = text.rfind("{#")
            && text.ends_with('}')
        {
            out.insert(slug(&text[i + 2..text.len() - 1]));
            text = text[..i].trim();
        }
        out.insert(slug(text));
    }
    out
}

/// The images copied into `essays/images/`.
#[derive(Default)]
pub(super) struct Images {
    /// Source file (canonical) → name in `essays/images/`.
    pub(super) names: HashMap<PathBuf, String>,
    pub(super) used: HashSet<String>,
    /// Each image, checked by the source's confined reader, and its name in `essays/images/`.
    pub(super) copies: Vec<(InnerPath, String)>,
}

impl Images {
    /// The name of the copy of `file` (an image of type `ext`), the same for every essay.
    pub(super) fn add(&mut self, file: &InnerPath, ext: &str) -> String {
        if let Some(name) = self.names.get(&file.abs) {
            return name.clone();
        }
        let stem = file
            .abs
            .file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default();
        let base = match slug(&stem) {
            s if s.is_empty() => "image".to_string(),
            s => s,
        };
        let mut name = format!("{base}.{ext}");
        let mut n = 1;
        while !self.used.insert(name.clone()) {
            n += 1;
            name = format!("{base}-{n}.{ext}");
        }
        self.names.insert(file.abs.clone(), name.clone());
        self.copies.push((file.clone(), name.clone()));
        name
    }
}

/// What becomes of a link.
pub(super) enum Fate {
    Keep,
    To(String),
    /// The link goes, its text stays (the reason was reported).
    Text,
}

/// One essay being converted, with everything its links may lead to.
pub(super) struct Job<'a> {
    pub(super) scan: &'a Scan,
    pub(super) essay: &'a Essay,
    pub(super) index: &'a Index,
    pub(super) images: &'a mut Images,
    /// The original body, for messages at `file:line:col`.
    pub(super) src: SourceFile,
    pub(super) diags: Vec<Diagnostic>,
}

impl Job<'_> {
    /// A warning at `at`, a stretch of the original body (shown on its first line).
    pub(super) fn warn(
        &mut self,
        code: &'static str,
        message: String,
        at: Span,
        help: Option<&str>,
    ) {
        let text = &self.src.text;
        let start = at.start.min(text.len());
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let end = if at.end > start {
            at.end.min(line_end)
        } else {
            line_end
        };
        let mut d = Diagnostic::warning(code, message).at(self.src.location(start..end));
        if let Some(h) = help {
            d = d.help(h);
        }
        self.diags.push(d);
    }

    /// The essay's folder, relative to the source root.
    pub(super) fn dir(&self) -> &str {
        parent_of(&self.essay.rel)
    }

    /// The path on the site of an absolute address of the site itself.
    pub(super) fn own_path<'u>(&self, url: &'u str) -> Option<&'u str> {
        fn strip(u: &str) -> Option<&str> {
            u.strip_prefix("https://")
                .or_else(|| u.strip_prefix("http://"))
                .or_else(|| u.strip_prefix("//"))
        }
        let site = self.scan.site.url.as_deref()?;
        let (u, s) = (strip(url)?, strip(site)?);
        let rest = u.get(..s.len()).filter(|h| h.eq_ignore_ascii_case(s))?;
        let path = &u[rest.len()..];
        (path.is_empty() || path.starts_with(['/', '#', '?'])).then_some(path)
    }

    /// A site path without the site's base path: `/blog/2020/x/` → `/2020/x/`.
    pub(super) fn unbased<'p>(&self, path: &'p str) -> &'p str {
        let base = &self.scan.site.base;
        if base.is_empty() {
            return path;
        }
        match path.strip_prefix(base.as_str()) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
            _ => path,
        }
    }

    /// The folder of this page's address (`/2020/01/02/x.html` → `/2020/01/02/`).
    pub(super) fn page_dir(&self) -> Option<String> {
        let url = self.essay.url.as_deref()?;
        Some(match url.rfind('/') {
            Some(i) => url[..=i].to_string(),
            None => "/".to_string(),
        })
    }

    /// Where a link leads.
    pub(super) fn link(&mut self, url: &str, at: Span) -> Fate {
        let url = url.trim();
        if url.starts_with(TO_ESSAY) || url.starts_with(TO_IMAGE) {
            return Fate::Keep;
        }
        if url.starts_with(UNRESOLVED) {
            return Fate::Text;
        }
        if url.is_empty() || url.starts_with('#') {
            return Fate::Keep;
        }
        let own = self.own_path(url);
        if own.is_none() && (has_scheme(url) || url.starts_with("//")) {
            return Fate::Keep;
        }
        let target = own.unwrap_or(url);
        let (path, fragment) = match target.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (target, None),
        };
        let path = path.split('?').next().unwrap_or("");
        if path.is_empty() {
            return Fate::Keep;
        }
        let decoded = percent_decode_str(path).decode_utf8_lossy().into_owned();
        // A file next to this one (`other.md`, `../notes/other.md`).
        if !path.starts_with('/')
            && let Ok(rel) = Root::normalise(self.dir(), &decoded)
        {
            for key in [
                format!("file:{}", rel.to_lowercase()),
                format!("file:{}.md", rel.to_lowercase()),
            ] {
                match self.index.find(&key) {
                    Ok(i) => return Fate::To(self.index.target(i, fragment)),
                    Err(Some(what)) => return self.left_out(url, what, at),
                    Err(None) => {}
                }
            }
        }
        // A page of the site, by its address.
        let site_path = if path.starts_with('/') {
            Some(self.unbased(path).to_string())
        } else {
            self.page_dir().map(|dir| join_url(&dir, path))
        };
        let Some(site_path) = site_path else {
            // A folder of notes: a link by name (`Other note`).
            let name = decoded.rsplit('/').next().unwrap_or(&decoded);
            let name = name.strip_suffix(".md").unwrap_or(name).to_lowercase();
            if let Ok(i) = self.index.find(&format!("name:{name}")) {
                return Fate::To(self.index.target(i, fragment));
            }
            self.warn(
                "import-link",
                format!("`{url}` is not a file that is imported; the link is kept as plain text"),
                at,
                None,
            );
            return Fate::Text;
        };
        match self.index.find(&url_key(&site_path)) {
            Ok(i) => Fate::To(self.index.target(i, fragment)),
            Err(Some(what)) => self.left_out(url, what, at),
            Err(None) => match &self.scan.site.url {
                // Another page of the site: the book links to it on the web.
                Some(site) => {
                    let mut web = format!("{site}{site_path}");
                    if let Some(f) = fragment {
                        web.push('#');
                        web.push_str(f);
                    }
                    Fate::To(web)
                }
                None => {
                    self.warn(
                        "import-link",
                        format!(
                            "`{url}` is not a post that is imported, and the site's address is unknown; the link is kept as plain text"
                        ),
                        at,
                        Some("give the site's `url` in its configuration to keep such links as web links"),
                    );
                    Fate::Text
                }
            },
        }
    }

    pub(super) fn left_out(&mut self, url: &str, what: &str, at: Span) -> Fate {
        self.warn(
            "import-link",
            format!(
                "`{url}` leads to the {what}, which is not imported; the link is kept as plain text"
            ),
            at,
            Some("add --drafts to import drafts and unpublished posts"),
        );
        Fate::Text
    }

    /// Where an image is: `Ok(Some(name))` copied into `essays/images/`, `Ok(None)` left as
    /// it is (a remote image), `Err(())` when it cannot be had (reported).
    pub(super) fn image(&mut self, url: &str, at: Span) -> Result<Option<String>, ()> {
        let url = url.trim();
        if let Some(name) = url.strip_prefix(TO_IMAGE) {
            return Ok(Some(name.to_string()));
        }
        let own = self.own_path(url);
        if own.is_none() && (has_scheme(url) || url.starts_with("//")) {
            let remote =
                url.starts_with("http:") || url.starts_with("https:") || url.starts_with("//");
            if remote {
                self.warn(
                    "import-remote-image",
                    format!(
                        "the remote image `{url}` is not downloaded; the book shows its alt text"
                    ),
                    at,
                    Some("download it into the source folder and link to the file"),
                );
                return Ok(None);
            }
            self.warn(
                "import-image",
                format!(
                    "the image `{}` cannot be put in a book; it is left out",
                    short(url)
                ),
                at,
                None,
            );
            return Err(());
        }
        let target = own.unwrap_or(url);
        let path = target.split(['?', '#']).next().unwrap_or("");
        let decoded = percent_decode_str(path).decode_utf8_lossy().into_owned();
        let site = &self.scan.site;
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(abs) = decoded.strip_prefix('/') {
            let abs = self
                .unbased(&format!("/{abs}"))
                .trim_start_matches('/')
                .to_string();
            candidates.extend(site.static_roots.iter().map(|r| r.join(&abs)));
        } else {
            candidates.push(site.root.abs.join(self.dir()).join(&decoded));
            if let Some(dir) = self.page_dir() {
                let p = join_url(&dir, &decoded);
                candidates.extend(
                    site.static_roots
                        .iter()
                        .map(|r| r.join(p.trim_start_matches('/'))),
                );
            }
            candidates.extend(site.static_roots.iter().map(|r| r.join(&decoded)));
            let name = decoded
                .rsplit('/')
                .next()
                .unwrap_or(&decoded)
                .to_lowercase();
            if let Some(files) = site.by_name.get(&name) {
                candidates.extend(files.iter().cloned());
            }
        }
        // Every candidate is checked by the source's confined reader: inside the source
        // folder, a regular file. The first that is one is the image; when none is, a file
        // that is there but refused (a link leading outside, a FIFO) is named in the warning.
        let root = &site.root;
        let mut refused = None;
        let mut found = None;
        for c in &candidates {
            match root.file_at(c) {
                Ok(file) => {
                    found = Some(file);
                    break;
                }
                Err(PathProblem::NotFound | PathProblem::IsDirectory | PathProblem::Empty) => {}
                // Outside the folder by its path: not one of the source's files at all.
                Err(PathProblem::Escapes | PathProblem::Absolute)
                    if std::fs::symlink_metadata(c).is_err() => {}
                Err(problem) => {
                    refused.get_or_insert((c, problem));
                }
            }
        }
        let Some(file) = found else {
            let message = match refused {
                Some((c, problem)) => {
                    let file = rel_in(root, c).map_or_else(|| c.clone(), |rel| root.shown(&rel));
                    let what = format!("`{url}` ({})", file.display());
                    format!("{}; it is not imported", refused_file(&what, &problem))
                }
                None => format!("image not found: `{url}`; it is left out"),
            };
            self.warn("import-missing-image", message, at, None);
            return Err(());
        };
        let media = match root.read(&file) {
            Ok(data) => crate::media::sniff_image(&data),
            Err(e) => {
                self.warn(
                    "import-image",
                    format!("`{url}` cannot be read: {e}; it is not imported"),
                    at,
                    None,
                );
                return Err(());
            }
        };
        match media {
            Some(t) => Ok(Some(self.images.add(&file, crate::media::extension(t)))),
            None => {
                self.warn(
                    "import-image",
                    format!("`{url}` is not an image a book can carry (JPEG, PNG, GIF, WebP or SVG); it is left out"),
                    at,
                    None,
                );
                Err(())
            }
        }
    }

    /// Settles every link and image of the Markdown: to other essays, to copied images, to
    /// the web, or to plain text. Returns the final body.
    pub(super) fn settle(&mut self, mapped: Mapped) -> String {
        let scan = rewrite::scan(&mapped.text);
        let text = &mapped.text;
        let mut edits = Vec::new();
        for l in &scan.links {
            let at = mapped.span(l.whole.clone());
            let inner = &text[l.inner.clone()];
            let new = if l.image {
                match self.image(&l.url, at) {
                    Ok(Some(name)) => Some(format!("images/{name}")),
                    Ok(None) => None,
                    Err(()) => {
                        edits.push(Edit::new(l.whole.clone(), l.plain.trim()));
                        continue;
                    }
                }
            } else {
                match self.link(&l.url, at) {
                    Fate::Keep => None,
                    Fate::To(url) => Some(url),
                    Fate::Text => {
                        edits.push(Edit::new(l.whole.clone(), inner));
                        continue;
                    }
                }
            };
            let Some(new) = new else { continue };
            let new = self.final_url(&new);
            edits.push(match &l.dest {
                Some(dest) => Edit::new(dest.clone(), markdown_url(&new)),
                None => Edit::new(l.whole.clone(), inline_link(l.image, inner, &new, &l.title)),
            });
        }
        for h in &scan.html {
            let at = mapped.span(h.tag.clone());
            if h.image {
                match self.image(&h.url, at) {
                    Ok(Some(name)) => {
                        edits.push(Edit::new(h.value.clone(), format!("images/{name}")));
                    }
                    Ok(None) => {}
                    Err(()) => edits.push(Edit::new(h.tag.clone(), crate::text::escape(&h.alt))),
                }
            } else {
                match self.link(&h.url, at) {
                    Fate::Keep => {}
                    Fate::To(url) => edits.push(Edit::new(
                        h.value.clone(),
                        crate::text::escape(&self.final_url(&url)),
                    )),
                    Fate::Text => edits.push(Edit::new(h.attr.clone(), "")),
                }
            }
        }
        let settled = mapped.edit(edits).text;
        self.tidy(&settled)
    }

    /// Sentinel targets → real ones.
    pub(super) fn final_url(&self, url: &str) -> String {
        if let Some(rest) = url.strip_prefix(TO_ESSAY) {
            let (n, fragment) = match rest.split_once('#') {
                Some((n, f)) => (n, Some(f)),
                None => (rest, None),
            };
            if let Some(name) = n
                .parse::<usize>()
                .ok()
                .and_then(|i| self.index.names.get(i))
            {
                return match fragment {
                    Some(f) => format!("{name}.md#{f}"),
                    None => format!("{name}.md"),
                };
            }
        }
        if let Some(name) = url.strip_prefix(TO_IMAGE) {
            return format!("images/{name}");
        }
        url.to_string()
    }

    /// A body as an essay of the book: sentinels left in prose (a Liquid tag outside a link)
    /// become the file names they stand for, the blank lines left where markup was removed
    /// are folded (outside code), and blank lines at both ends go.
    pub(super) fn tidy(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (i, name) in self.index.names.iter().enumerate().rev() {
            text = text.replace(&format!("{TO_ESSAY}{i}"), &format!("{name}.md"));
        }
        text = text.replace(TO_IMAGE, "images/").replace(UNRESOLVED, "");
        let code = rewrite::scan(&text).code;
        let mut out = String::with_capacity(text.len());
        let mut blank = 0;
        let mut pos = 0;
        for line in text.split_inclusive('\n') {
            let in_code = code.iter().any(|r| r.contains(&pos));
            pos += line.len();
            if line.trim().is_empty() && !in_code {
                blank += 1;
                if blank > 1 {
                    continue;
                }
                out.push('\n');
                continue;
            }
            blank = 0;
            out.push_str(line);
        }
        format!("{}\n", out.trim_matches('\n').trim_end())
    }
}

pub(super) fn has_scheme(url: &str) -> bool {
    match url.find(':') {
        Some(i) => {
            let s = &url[..i];
            !s.is_empty()
                && s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !s.contains('/')
        }
        None => false,
    }
}

/// Resolves a relative address against a folder address (`/a/b/` + `../c` → `/a/c`).
pub(super) fn join_url(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let trailing = if rel.ends_with('/') { "/" } else { "" };
    format!("/{}{trailing}", parts.join("/"))
}

pub(super) fn short(s: &str) -> String {
    if s.chars().count() > 50 {
        format!("{}…", s.chars().take(50).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_keys_meet() {
        let k = url_key("/2020/01/02/x.html");
        assert_eq!(url_key("/2020/01/02/x/"), k);
        assert_eq!(url_key("/2020/01/02/x"), k);
        assert_eq!(url_key("/2020/01/02/x/index.html"), k);
        assert_eq!(url_key("/2020/01/02/X%20"), url_key("/2020/01/02/x "));
        assert_eq!(url_key("/"), "url:/");
    }

    #[test]
    fn urls_join() {
        assert_eq!(join_url("/a/b/", "../c"), "/a/c");
        assert_eq!(join_url("/a/b/", "c/d/"), "/a/b/c/d/");
        assert_eq!(join_url("/", "x.png"), "/x.png");
    }
}
