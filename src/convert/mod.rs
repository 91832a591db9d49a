//! The converter: one essay (front matter + Markdown) → one [`Chapter`] (XHTML body, table of
//! contents entries, anchors, images). It knows nothing of zip files or the OPF.
//!
//! Markdown without raw HTML is written straight from pulldown-cmark's events. An essay with
//! raw HTML is rendered to HTML first, parsed by html5ever as a browser would, cleaned, and
//! then written by the same `writer::Writer`, so both paths share ids, links and notes.

mod dom;
mod html;
mod links;
mod markdown;
mod raw;
mod svg;
mod writer;

use std::collections::HashMap;
use std::fmt::Write as _;

use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};

use crate::book::EssayMeta;
use crate::book::{BookMeta, Chapter, CrossLink, Epigraph, EssayKind, Inline};
use crate::diag::{Diagnostic, SourceFile};
use crate::labels::Labels;
use crate::paths::Root;
use crate::text::{Packed, escape, same_title};

pub use markdown::{inline, inline_linked};

/// What the converter needs to know of the book around an essay.
pub struct Context<'a> {
    pub essay_id: &'a str,
    /// The essay's path relative to the collection (links and images are relative to it).
    pub essay_rel: &'a str,
    pub root: &'a Root,
    /// Every essay of the book: path relative to the collection → essay id.
    pub essays: &'a HashMap<&'a str, &'a str>,
    pub source: &'a SourceFile,
    pub book_language: &'a str,
    pub toc_depth: u8,
    pub labels: &'a Labels,
    /// Count the words, notes and headings: `stats` shows them, and the contents page when it
    /// gives reading times; other builds and `check` do not need them.
    pub measure: bool,
}

/// Converts an essay. Problems go to `diags`; `None` when the essay cannot become a chapter.
pub fn convert(ctx: &Context, meta: &EssayMeta, diags: &mut Vec<Diagnostic>) -> Option<Chapter> {
    let events = markdown::parse(&ctx.source.text);
    let first_block_heading = heading_at(&events, 0);
    // A heading that opens the essay is its title when it is a `#` heading or underlined
    // (`Title` over `=====` or `-----`, Setext); later, only a `#` heading is.
    let opening_is_title = matches!(
        events.first(),
        Some((Event::Start(Tag::Heading { level, .. }), range))
            if *level == HeadingLevel::H1
                || !ctx.source.text[range.clone()].trim_start().starts_with('#')
    );
    let first_h1 = (0..events.len())
        .find(|&i| {
            matches!(
                events[i].0,
                Event::Start(Tag::Heading {
                    level: HeadingLevel::H1,
                    ..
                })
            )
        })
        .and_then(|i| heading_at(&events, i));

    // The title: the manifest's or front matter's, else the first `#` heading.
    let (title_source, skip) = match &meta.title {
        Some(t) => {
            // A body that opens with the title as a heading does not print it twice.
            let skip = first_block_heading
                .filter(|h| same_title(&h.text, &inline(t).1))
                .map(|h| h.events);
            (t.clone(), skip)
        }
        None => match first_block_heading
            .filter(|_| opening_is_title)
            .or(first_h1)
        {
            Some(h) => (
                ctx.source.text[h.text_range.clone()].trim().to_string(),
                Some(h.events),
            ),
            None => {
                diags.push(
                    Diagnostic::error("no-title", "the essay has no title")
                        .in_file(&ctx.source.path)
                        .help("add `title:` to its front matter, or start it with a `# Title` heading"),
                );
                return None;
            }
        },
    };
    let (title_html, title) = inline(&title_source);
    let subtitle = meta.subtitle.as_deref().map(inline);

    // The title's own heading, when the title is printed from the metadata, is left out.
    let skip = skip.unwrap_or(0..0);
    let body = || {
        events
            .iter()
            .enumerate()
            .filter(|(i, _)| !skip.contains(i))
            .map(|(_, e)| &e.0)
    };
    // When the body uses `#` for its sections, every heading moves down a level: the essay's
    // title is the page's only `<h1>`.
    let shift = u8::from(body().any(|e| {
        matches!(
            e,
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            })
        )
    }));
    let has_html = body().any(|e| matches!(e, Event::Html(_) | Event::InlineHtml(_)));

    let mut epigraph = meta.epigraph.clone();
    if let Some(e) = &mut epigraph {
        render_epigraph(e);
    }
    let header = header(
        ctx,
        meta.kind,
        &title_html,
        subtitle.as_ref().map(|s| s.0.as_str()),
        &meta.authors,
        epigraph.as_ref(),
    );
    let header_len = header.len();
    let mut w = writer::Writer::new(ctx, header, shift);
    if has_html {
        let cuts = raw::scan(&events, &skip, ctx.source, diags);
        let mut staging = html::Staging::new(&ctx.source.text, cuts);
        markdown::drive(&events, &skip, &mut staging);
        html::write(&staging, &mut w);
    } else {
        markdown::drive(&events, &skip, &mut w);
    }
    let mut written = w.finish(ctx.labels.notes);
    written.body.push_str("</section>");
    let failed = written.diags.iter().any(Diagnostic::is_error);
    diags.append(&mut written.diags);
    if failed {
        return None;
    }
    let language = meta.language.clone().filter(|l| l != ctx.book_language);
    // Measured on the XHTML, so that Markdown and raw HTML are measured alike.
    let crate::text::Measure {
        words,
        notes,
        headings,
    } = if ctx.measure {
        crate::text::measure(written.body.get(header_len..).unwrap_or_default())
    } else {
        crate::text::Measure::default()
    };
    Some(Chapter {
        id: ctx.essay_id.to_string(),
        title,
        title_html,
        subtitle_html: subtitle.as_ref().map(|s| s.0.clone()),
        subtitle: subtitle.map(|s| s.1),
        authors: meta.authors.clone(),
        language,
        date: meta.date.clone(),
        source: meta.source.as_deref().map(|s| inline_linked(s).0),
        rights: meta.rights.as_deref().map(|s| inline_linked(s).0),
        kind: meta.kind,
        body: written.body,
        toc: written.toc,
        resources: written.resources,
        images: written.images,
        images_without_alt: written.images_without_alt,
        words,
        notes,
        headings,
        anchors: written.anchors,
        cross_links: written.cross_links,
    })
}

/// The start of the page: the essay's title, subtitle, byline and epigraph. The essay is a
/// `<section>` whose `epub:type` and role say what it is (a chapter, a foreword…).
fn header(
    ctx: &Context,
    kind: EssayKind,
    title_html: &str,
    subtitle_html: Option<&str>,
    authors: &[String],
    epigraph: Option<&Epigraph>,
) -> String {
    let id = ctx.essay_id;
    let (name, role) = (kind.name(), kind.role());
    let class = if kind == EssayKind::Chapter {
        "essay".to_string()
    } else {
        format!("essay {name}")
    };
    let mut s = format!(
        "<section class=\"{class}\" epub:type=\"{name}\" role=\"{role}\" aria-labelledby=\"{id}\">\n<header>\n<h1 id=\"{id}\" class=\"essay-title\">{title_html}</h1>"
    );
    if let Some(sub) = subtitle_html {
        let _ = write!(s, "<p class=\"subtitle\" role=\"doc-subtitle\">{sub}</p>");
    }
    if !authors.is_empty() {
        // The byline is the essay's list of contributors (`epub:type="contributors"`), so
        // that readers and tools can tell who wrote what.
        let names: Vec<String> = authors
            .iter()
            .map(|a| format!("<span class=\"author\">{}</span>", escape(a)))
            .collect();
        let _ = write!(
            s,
            "<p class=\"byline\" epub:type=\"contributors\">{}</p>",
            ctx.labels.join_names(&names)
        );
    }
    s.push_str("</header>\n");
    if let Some(e) = epigraph {
        s.push_str(&epigraph_html(e));
    }
    s
}

/// An epigraph as a block quotation: its lines (a blank line starts a new paragraph, a line
/// break stays one, for verse), then where it is from.
pub fn epigraph_html(e: &Epigraph) -> String {
    let mut s = String::from(
        "<blockquote class=\"epigraph\" epub:type=\"epigraph\" role=\"doc-epigraph\">",
    );
    for para in e.text.html.split("\n\n").filter(|p| !p.trim().is_empty()) {
        let _ = write!(s, "<p>{}</p>", para.trim().replace('\n', "<br/>"));
    }
    if let Some(cite) = &e.cite {
        let _ = write!(
            s,
            "<p class=\"epigraph-cite\"><cite>{}</cite></p>",
            cite.html
        );
    }
    s.push_str("</blockquote>\n");
    s
}

/// Inline Markdown → XHTML, keeping the line breaks the text was written with (an epigraph's
/// verse, a dedication's lines); blank lines stay as paragraph breaks.
fn render_lines(inline_text: &mut Inline) {
    let paragraphs: Vec<String> = inline_text
        .text
        .split("\n\n")
        .map(|para| {
            para.lines()
                .map(|line| inline_linked(line.trim()).0)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect();
    inline_text.html = paragraphs.join("\n\n");
}

fn render_epigraph(e: &mut Epigraph) {
    render_lines(&mut e.text);
    if let Some(c) = &mut e.cite {
        c.html = inline(&c.text).0;
    }
}

/// Renders the inline Markdown of the manifest's words for the generated pages (dedication,
/// epigraph, bios, notes): the manifest knows no Markdown, the assembler copies XHTML.
pub fn render_matter(meta: &mut BookMeta) {
    let matter = &mut meta.matter;
    if let Some(d) = &mut matter.dedication {
        render_lines(d);
    }
    if let Some(e) = &mut matter.epigraph {
        render_epigraph(e);
    }
    for c in matter.contributors.iter_mut().flatten() {
        if let Some(bio) = &mut c.bio {
            render_lines(bio);
        }
    }
    for words in [&mut matter.sources, &mut matter.colophon]
        .into_iter()
        .flatten()
        .flatten()
    {
        render_lines(words);
    }
}

/// A heading found in the event list.
struct FoundHeading {
    /// The heading's events (start to end, inclusive).
    events: std::ops::Range<usize>,
    /// Its text as plain words.
    text: String,
    /// Its source between the `#` marks.
    text_range: std::ops::Range<usize>,
}

fn heading_at(events: &[(Event<'_>, std::ops::Range<usize>)], i: usize) -> Option<FoundHeading> {
    let (Event::Start(Tag::Heading { .. }), _) = events.get(i)? else {
        return None;
    };
    let end = (i..events.len()).find(|&j| matches!(events[j].0, Event::End(TagEnd::Heading(_))))?;
    let inner = &events[i + 1..end];
    let text_range = match (inner.first(), inner.last()) {
        (Some(first), Some(last)) => first.1.start..last.1.end,
        _ => events[i].1.clone(),
    };
    Some(FoundHeading {
        events: i..end + 1,
        text: markdown::plain_text(inner),
        text_range,
    })
}

/// An essay's anchors (name a link may use → id in the file), kept from the moment the essay is
/// converted until every link into it is settled: packed into one string sorted by name, since
/// a book of thousands of essays holds them all at once and a map per essay costs several
/// times its text.
#[derive(Debug, Default)]
pub struct Anchors(
    /// The name and the id of each anchor, in the order of names.
    Packed,
);

impl Anchors {
    pub fn pack(map: HashMap<String, String>) -> Anchors {
        let mut entries: Vec<(String, String)> = map.into_iter().collect();
        entries.sort_unstable();
        let mut packed = Packed::builder();
        for (name, id) in &entries {
            packed.push(name);
            packed.push(id);
        }
        Anchors(packed.finish())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        // A binary search over the names, the even strings.
        let (mut low, mut high) = (0, self.0.len() / 2);
        while low < high {
            let mid = low + (high - low) / 2;
            match self.0.get(2 * mid).cmp(name) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return Some(self.0.get(2 * mid + 1)),
            }
        }
        None
    }
}

/// Settles a chapter's links into other essays, now that every essay's anchors are known.
/// A link to an anchor that does not exist is kept as plain text, with a warning.
pub fn settle_cross_links(
    chapter: &mut Chapter,
    anchors: &HashMap<&str, &Anchors>,
    diags: &mut Vec<Diagnostic>,
) {
    if chapter.cross_links.is_empty() {
        return;
    }
    let links: Vec<CrossLink> = std::mem::take(&mut chapter.cross_links);
    let targets: Vec<Option<String>> = links
        .iter()
        .map(|link| {
            let found = anchors
                .get(link.essay.as_str())
                .and_then(|a| writer::lookup(|n| a.get(n), &link.fragment));
            if found.is_none() {
                diags.push(
                    Diagnostic::warning(
                        "broken-anchor",
                        format!("`#{}` is not an anchor of the essay it links to; the link is kept as plain text", link.fragment),
                    )
                    .at(link.origin.clone()),
                );
            }
            found.map(|id| format!("{}.xhtml#{id}", link.essay))
        })
        .collect();
    chapter.body = writer::rewrite_markers(&chapter.body, |n, open| match targets.get(n) {
        Some(Some(href)) if open => writer::open_tag(href, links[n].title.as_deref()),
        Some(Some(_)) => "</a>".into(),
        _ => String::new(),
    });
}

#[cfg(any(test, feature = "testing"))]
pub mod testing;

#[cfg(test)]
mod tests;
