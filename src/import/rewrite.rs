//! Rewriting imported Markdown without disturbing it. A change is an [`Edit`] (a byte range and
//! its replacement) applied to the text, never a re-rendering: everything the importer does
//! not touch stays byte for byte as the author wrote it. A [`Mapped`] text remembers where
//! each of its bytes came from, so that a problem found after several passes is still
//! reported at its line in the original file.

use std::ops::Range;

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub with: String,
}

impl Edit {
    pub fn new(range: Range<usize>, with: impl Into<String>) -> Self {
        Edit {
            range,
            with: with.into(),
        }
    }
}

/// A stretch of the original text (a byte range; `Copy`, unlike `Range`), for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A piece of the text: from `out` on, it is the original from `orig` on (`verbatim`), or a
/// replacement for what stood at `orig`.
#[derive(Debug, Clone, Copy)]
struct Seg {
    out: usize,
    orig: usize,
    verbatim: bool,
}

/// A text with the origin of its bytes in the original text.
#[derive(Debug, Clone)]
pub struct Mapped {
    pub text: String,
    segs: Vec<Seg>,
}

impl Mapped {
    pub fn new(text: String) -> Self {
        Mapped {
            text,
            segs: vec![Seg {
                out: 0,
                orig: 0,
                verbatim: true,
            }],
        }
    }

    /// Where the byte at `pos` came from in the original text.
    pub fn origin(&self, pos: usize) -> usize {
        let i = self.segs.partition_point(|s| s.out <= pos).max(1) - 1;
        let s = self.segs[i];
        if s.verbatim {
            s.orig + (pos - s.out)
        } else {
            s.orig
        }
    }

    /// Where `range` of this text came from in the original text.
    pub fn span(&self, range: Range<usize>) -> Span {
        let start = self.origin(range.start);
        let end = if range.end > range.start {
            self.origin(range.end - 1) + 1
        } else {
            start
        };
        Span {
            start,
            end: end.max(start),
        }
    }

    /// Applies `edits` (in any order; an edit overlapping an earlier one is left out).
    pub fn edit(self, mut edits: Vec<Edit>) -> Mapped {
        if edits.is_empty() {
            return self;
        }
        edits.sort_by_key(|e| (e.range.start, std::cmp::Reverse(e.range.end)));
        let mut text = String::with_capacity(self.text.len());
        let mut segs = Vec::new();
        let mut pos = 0;
        for e in edits {
            if e.range.start < pos || e.range.end > self.text.len() {
                continue;
            }
            self.copy(pos..e.range.start, &mut text, &mut segs);
            segs.push(Seg {
                out: text.len(),
                orig: self.origin(e.range.start),
                verbatim: false,
            });
            text.push_str(&e.with);
            pos = e.range.end;
        }
        self.copy(pos..self.text.len(), &mut text, &mut segs);
        if segs.is_empty() {
            segs.push(Seg {
                out: 0,
                orig: 0,
                verbatim: false,
            });
        }
        Mapped { text, segs }
    }

    /// Copies `range` of this text unchanged, keeping the origin of each of its pieces.
    fn copy(&self, range: Range<usize>, text: &mut String, segs: &mut Vec<Seg>) {
        if range.is_empty() {
            return;
        }
        for (i, s) in self.segs.iter().enumerate() {
            let end = self.segs.get(i + 1).map_or(usize::MAX, |n| n.out);
            let (from, to) = (s.out.max(range.start), end.min(range.end));
            if from >= to {
                continue;
            }
            segs.push(Seg {
                out: text.len(),
                orig: if s.verbatim {
                    s.orig + (from - s.out)
                } else {
                    s.orig
                },
                verbatim: s.verbatim,
            });
            text.push_str(&self.text[from..to]);
        }
    }
}

/// The Markdown extensions the converter reads, so that links are found where it finds them.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_DEFINITION_LIST
}

/// A link or an image in Markdown.
#[derive(Debug, Clone)]
pub struct Link {
    pub image: bool,
    pub url: String,
    pub title: String,
    /// The whole `[text](url)`.
    pub whole: Range<usize>,
    /// The text between the brackets, as written.
    pub inner: Range<usize>,
    /// The URL as written, for inline links where it could be found.
    pub dest: Option<Range<usize>>,
    /// The text of an image's alt, or of a link, without markup.
    pub plain: String,
}

/// An attribute of raw HTML that names a file or a page (`<img src>`, `<a href>`).
#[derive(Debug, Clone)]
pub struct HtmlRef {
    pub image: bool,
    pub url: String,
    /// The value, without quotes.
    pub value: Range<usize>,
    /// The whole attribute, ` href="…"`, to remove a link that leads nowhere.
    pub attr: Range<usize>,
    /// The whole tag, to remove an image that cannot be found.
    pub tag: Range<usize>,
    /// `alt` of an image.
    pub alt: String,
}

/// What an import may rewrite in Markdown: links, images, raw HTML references, and where
/// code is (which nothing touches).
#[derive(Debug, Default)]
pub struct Scan {
    pub links: Vec<Link>,
    pub html: Vec<HtmlRef>,
    /// Code spans, code blocks and raw HTML: not prose.
    pub code: Vec<Range<usize>>,
}

pub fn scan(text: &str) -> Scan {
    let mut out = Scan::default();
    // Open links and images: index into `out.links`, and whether text is being gathered.
    let mut open: Vec<usize> = Vec::new();
    let mut code_start = None;
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        if let Some(&i) = open.last() {
            let link = &mut out.links[i];
            if !matches!(event, Event::End(TagEnd::Link | TagEnd::Image)) {
                if link.inner.is_empty() {
                    link.inner = range.clone();
                } else {
                    link.inner.end = link.inner.end.max(range.end);
                }
            }
            if let Event::Text(t) | Event::Code(t) = &event {
                for &j in &open {
                    out.links[j].plain.push_str(t);
                }
            }
        }
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            })
            | Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                let image = text[range.clone()].starts_with('!');
                let dest = matches!(link_type, LinkType::Inline)
                    .then(|| find_dest(text, range.clone(), &dest_url))
                    .flatten();
                let after_bracket = range.start + if image { 2 } else { 1 };
                out.links.push(Link {
                    image,
                    url: dest_url.to_string(),
                    title: title.to_string(),
                    whole: range.clone(),
                    inner: after_bracket..after_bracket,
                    dest,
                    plain: String::new(),
                });
                open.push(out.links.len() - 1);
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                open.pop();
            }
            Event::Start(Tag::CodeBlock(_)) => code_start = Some(range.start),
            Event::End(TagEnd::CodeBlock) => {
                if let Some(start) = code_start.take() {
                    out.code.push(start..range.end);
                }
            }
            Event::Code(_) => out.code.push(range),
            Event::Html(_) | Event::InlineHtml(_) => {
                html_refs(text, range.clone(), &mut out.html);
                out.code.push(range);
            }
            _ => {}
        }
    }
    out
}

/// The range of an inline link's URL: the last place it is written after `(` or `<`.
fn find_dest(text: &str, whole: Range<usize>, url: &str) -> Option<Range<usize>> {
    if url.is_empty() {
        return None;
    }
    let slice = &text[whole.clone()];
    let mut end = slice.len();
    while let Some(i) = slice[..end].rfind(url) {
        let before = slice[..i].trim_end();
        if before.ends_with('(') || before.ends_with("(<") {
            return Some(whole.start + i..whole.start + i + url.len());
        }
        end = i;
    }
    None
}

/// Finds `src` of `<img>` and `href` of `<a>` in a piece of raw HTML.
fn html_refs(text: &str, range: Range<usize>, out: &mut Vec<HtmlRef>) {
    let html = &text[range.clone()];
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(i) = lower[at..].find('<') {
        let start = at + i;
        let rest = &lower[start + 1..];
        // As an HTML parser reads it: `<` starts a tag only before a letter (or `/`, `!`).
        if rest.starts_with("!--") {
            at = rest.find("-->").map_or(lower.len(), |j| start + 1 + j + 3);
            continue;
        }
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!') {
            at = start + 1;
            continue;
        }
        let end = tag_end(&lower, start);
        let tag = &lower[start..end];
        let name: String = tag[1..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let wanted = match name.as_str() {
            "img" => Some(("src", true)),
            "a" => Some(("href", false)),
            _ => None,
        };
        if let Some((attr, image)) = wanted
            && let Some((whole, value)) = attribute(tag, attr)
        {
            let alt = attribute(tag, "alt")
                .map(|(_, r)| html[start + r.start..start + r.end].to_string())
                .unwrap_or_default();
            let abs = |r: Range<usize>| range.start + start + r.start..range.start + start + r.end;
            out.push(HtmlRef {
                image,
                url: html[start + value.start..start + value.end].to_string(),
                value: abs(value),
                attr: abs(whole),
                tag: range.start + start..range.start + end,
                alt,
            });
        }
        at = end.max(start + 1);
    }
}

/// Where the tag opening at `start` ends: after its `>`, quoted attribute values skipped.
fn tag_end(html: &str, start: usize) -> usize {
    let bytes = html.as_bytes();
    let mut i = start + 1;
    let mut after_equals = false;
    while i < bytes.len() {
        match bytes[i] {
            b'>' => return i + 1,
            q @ (b'"' | b'\'') if after_equals => {
                i = html[i + 1..]
                    .find(q as char)
                    .map_or(bytes.len(), |j| i + 1 + j);
                after_equals = false;
            }
            b'=' => after_equals = true,
            b if b.is_ascii_whitespace() => {}
            _ => after_equals = false,
        }
        i += 1;
    }
    bytes.len()
}

/// The ranges of an attribute (from the space before it) and of its value, inside a
/// (lowercased) tag.
fn attribute(tag: &str, name: &str) -> Option<(Range<usize>, Range<usize>)> {
    let mut from = 0;
    while let Some(i) = tag[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let boundary = tag[..at].ends_with(|c: char| c.is_ascii_whitespace());
        let rest = tag[from..].trim_start();
        if !boundary || !rest.starts_with('=') {
            continue;
        }
        let value_start = tag.len() - rest[1..].trim_start().len();
        let value = &tag[value_start..];
        let attr_start = tag[..at].trim_end().len();
        let quoted = |len: usize| {
            (
                attr_start..(value_start + len + 2).min(tag.len()),
                value_start + 1..value_start + 1 + len,
            )
        };
        return Some(match value.chars().next() {
            Some(q @ ('"' | '\'')) => quoted(value[1..].find(q).unwrap_or(value.len() - 1)),
            _ => {
                let len = value
                    .find(|c: char| c.is_ascii_whitespace() || c == '>')
                    .unwrap_or(value.len());
                let len = if value[..len].ends_with('/') {
                    len - 1
                } else {
                    len
                };
                (
                    attr_start..value_start + len,
                    value_start..value_start + len,
                )
            }
        });
    }
    None
}

/// A URL written so that Markdown reads it as one destination.
pub fn markdown_url(url: &str) -> String {
    if url.contains([' ', '(', ')', '<', '>']) {
        format!("<{}>", url.replace('<', "%3C").replace('>', "%3E"))
    } else {
        url.to_string()
    }
}

/// `[inner](url "title")` or `![inner](url "title")`.
pub fn inline_link(image: bool, inner: &str, url: &str, title: &str) -> String {
    let bang = if image { "!" } else { "" };
    let title = if title.is_empty() {
        String::new()
    } else {
        format!(" \"{}\"", title.replace('"', "\\\""))
    };
    format!("{bang}[{inner}]({}{title})", markdown_url(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_origins() {
        let m = Mapped::new("one {% x %} two\nthree {{ y }} four".to_string());
        let a = m.text.find("{%").unwrap();
        let b = m.text.find("{{").unwrap();
        let m = m.edit(vec![
            Edit::new(b..b + 7, "Y"),
            Edit::new(a..a + 7, "replaced text"),
        ]);
        assert_eq!(m.text, "one replaced text two\nthree Y four");
        let four = m.text.find("four").unwrap();
        assert_eq!(m.origin(four), "one {% x %} two\nthree {{ y }} ".len());
        assert_eq!(m.origin(m.text.find("two").unwrap()), 12);
        assert_eq!(m.origin(m.text.find("text").unwrap()), 4);
        // A second pass maps through the first.
        let m = m.edit(vec![Edit::new(0..3, "1")]);
        assert_eq!(m.text.find("three").map(|p| m.origin(p)), Some(16));
    }

    #[test]
    fn overlapping_edits_are_left_out() {
        let m = Mapped::new("abcdef".to_string()).edit(vec![
            Edit::new(1..4, "X"),
            Edit::new(2..3, "Y"),
            Edit::new(4..5, "Z"),
        ]);
        assert_eq!(m.text, "aXZf");
    }

    #[test]
    fn html_is_read_as_a_browser_reads_it() {
        let text = "<p>a <% b <img src=x.png> <img alt=\"1 > 0\" src='y.png'> <!-- <img src=z.png> --></p>\n";
        let urls: Vec<_> = scan(text).html.into_iter().map(|h| h.url).collect();
        assert_eq!(urls, ["x.png", "y.png"]);
    }

    #[test]
    fn finds_links_images_and_html() {
        let text = "A [link](/a/b/ \"t\") and ![alt *x*](/img/x.png).\n\n\
                    [![inner](i.png)](/outer/) `[not](code)`\n\n\
                    [ref]: /r\n\nSee [ref].\n\n<p><img src=\"/p.png\" alt=\"P\"> <a href='/q'>q</a></p>\n";
        let s = scan(text);
        let urls: Vec<_> = s.links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(urls, ["/a/b/", "/img/x.png", "/outer/", "i.png", "/r"]);
        let link = &s.links[0];
        assert_eq!(&text[link.dest.clone().unwrap()], "/a/b/");
        assert_eq!(&text[link.inner.clone()], "link");
        assert_eq!(link.title, "t");
        assert_eq!(s.links[1].plain, "alt x");
        assert_eq!(&text[s.links[1].inner.clone()], "alt *x*");
        assert_eq!(&text[s.links[2].dest.clone().unwrap()], "/outer/");
        assert!(s.links[4].dest.is_none());
        assert_eq!(s.html.len(), 2);
        assert_eq!(&text[s.html[0].value.clone()], "/p.png");
        assert_eq!(s.html[0].alt, "P");
        assert_eq!(
            &text[s.html[0].tag.clone()],
            "<img src=\"/p.png\" alt=\"P\">"
        );
        assert_eq!(&text[s.html[1].value.clone()], "/q");
        assert_eq!(&text[s.html[1].attr.clone()], " href='/q'");
        let not = text.find("[not]").unwrap();
        assert!(s.code.iter().any(|r| r.contains(&not)));
    }
}
