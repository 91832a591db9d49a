//! Markdown events → [`Sink`] calls. pulldown-cmark parses; this adapter maps its events to
//! the writer's vocabulary (elements, links, images, headings, notes), keeping each event's
//! byte offset so that problems are reported at their line.

use std::ops::Range;

use pulldown_cmark::{
    Alignment, CodeBlockKind, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};

use super::writer::Writer;

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_DEFINITION_LIST
}

pub fn parse(text: &str) -> Vec<(Event<'_>, Range<usize>)> {
    Parser::new_ext(text, options())
        .into_offset_iter()
        .collect()
}

/// What a converter stage receives: the XHTML writer, or the staging HTML for raw-HTML essays.
pub trait Sink {
    /// Where in the source the event about to be given is (only the staging HTML needs it).
    fn position(&mut self, _range: &Range<usize>) {}
    fn start(&mut self, name: &str, attrs: &[(&str, &str)]);
    fn void(&mut self, name: &str, attrs: &[(&str, &str)]);
    fn end(&mut self, name: &str);
    fn text(&mut self, s: &str);
    fn raw_html(&mut self, html: &str, at: usize);
    fn link_start(&mut self, href: &str, title: Option<&str>, at: usize);
    fn link_end(&mut self);
    fn image(&mut self, src: &str, alt: &str, title: Option<&str>, class: Option<&str>, at: usize);
    fn heading_start(&mut self, level: u8, id: Option<&str>, class: Option<&str>, at: usize);
    fn heading_end(&mut self, level: u8);
    fn note_ref(&mut self, label: &str, at: usize);
    fn note_start(&mut self, label: &str, at: usize);
    fn note_end(&mut self);
}

impl Sink for Writer<'_> {
    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        Writer::start(self, name, attrs);
    }
    fn void(&mut self, name: &str, attrs: &[(&str, &str)]) {
        Writer::void(self, name, attrs);
    }
    fn end(&mut self, name: &str) {
        Writer::end(self, name);
    }
    fn text(&mut self, s: &str) {
        Writer::text(self, s);
    }
    fn raw_html(&mut self, html: &str, _at: usize) {
        // Essays with raw HTML take the HTML path; should one reach here, it stays text.
        Writer::text(self, html);
    }
    fn link_start(&mut self, href: &str, title: Option<&str>, at: usize) {
        Writer::link_start(self, href, title, at);
    }
    fn link_end(&mut self) {
        Writer::link_end(self);
    }
    fn image(&mut self, src: &str, alt: &str, title: Option<&str>, class: Option<&str>, at: usize) {
        Writer::image(self, src, alt, title, class, at);
    }
    fn heading_start(&mut self, level: u8, id: Option<&str>, class: Option<&str>, _at: usize) {
        Writer::heading_start(self, level, id, class);
    }
    fn heading_end(&mut self, _level: u8) {
        Writer::heading_end(self);
    }
    fn note_ref(&mut self, label: &str, _at: usize) {
        Writer::note_ref(self, label);
    }
    fn note_start(&mut self, label: &str, at: usize) {
        Writer::note_start(self, label, at);
    }
    fn note_end(&mut self) {
        Writer::note_end(self);
    }
}

pub fn level(l: HeadingLevel) -> u8 {
    l as u8
}

/// An image's alt text is its inner events; they are collected until the image ends.
struct ImageAlt<'e> {
    src: &'e str,
    title: &'e str,
    at: usize,
    alt: String,
    depth: usize,
}

/// An attribute list, as pandoc (`{#id .class key=value}`) and kramdown (`{: …}`) write
/// them after an image, a heading or a paragraph.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AttrList {
    pub classes: Vec<String>,
    pub id: Option<String>,
}

impl AttrList {
    /// `s`, when it is exactly one attribute list.
    pub fn parse(s: &str) -> Option<AttrList> {
        let inner = s.strip_prefix('{')?.strip_suffix('}')?;
        let inner = inner.strip_prefix(':').unwrap_or(inner);
        let mut list = AttrList::default();
        let mut tokens = Vec::new();
        let (mut token, mut quote) = (String::new(), None);
        for c in inner.chars() {
            match (quote, c) {
                (_, '{' | '}') => return None,
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, c) if c.is_whitespace() => {
                    tokens.extend(Some(std::mem::take(&mut token)).filter(|t| !t.is_empty()));
                }
                _ => token.push(c),
            }
        }
        if quote.is_some() {
            return None;
        }
        tokens.extend(Some(token).filter(|t| !t.is_empty()));
        for token in &tokens {
            if let Some(class) = token.strip_prefix('.') {
                let class = crate::text::id_safe(class);
                if class.is_empty() {
                    return None;
                }
                list.classes.push(class);
            } else if let Some(id) = token.strip_prefix('#') {
                if id.is_empty() {
                    return None;
                }
                list.id = Some(id.to_string());
            } else {
                let (key, _) = token.split_once('=')?;
                let name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':');
                if key.is_empty() || !key.chars().all(name) {
                    return None;
                }
            }
        }
        (!tokens.is_empty()).then_some(list)
    }

    /// A kramdown block attribute list (`{: .class}`) standing for a whole paragraph.
    fn block(s: &str) -> Option<AttrList> {
        let s = s.trim();
        s.starts_with("{:").then(|| AttrList::parse(s)).flatten()
    }
}

/// The attribute list that `text` (what follows an image) starts with, and its length.
fn leading_attr_list(text: &str) -> Option<(usize, AttrList)> {
    let end = text.strip_prefix('{')?.find('}')? + 2;
    Some((end, AttrList::parse(&text[..end])?))
}

/// Where the heading that starts at `i` ends, and the block attribute list standing alone
/// in the paragraph after it (kramdown's way to give a heading a class), if there is one.
fn heading_attr_list(events: &[(Event<'_>, Range<usize>)], i: usize) -> Option<(usize, AttrList)> {
    let end = i + events[i..]
        .iter()
        .position(|(e, _)| matches!(e, Event::End(TagEnd::Heading(_))))?;
    match &events.get(end + 1..end + 4)? {
        [
            (Event::Start(Tag::Paragraph), _),
            (Event::Text(t), _),
            (Event::End(TagEnd::Paragraph), _),
        ] => Some((end, AttrList::block(t)?)),
        _ => None,
    }
}

/// Drives `sink` with `events`, leaving out those in `skip` (the title's own heading).
pub fn drive<S: Sink>(events: &[(Event<'_>, Range<usize>)], skip: &Range<usize>, sink: &mut S) {
    let mut aligns: Vec<Alignment> = Vec::new();
    let mut cell = 0;
    let mut in_head = false;
    let mut image: Option<ImageAlt> = None;
    // Attribute lists are markup, never text: those consumed (by event index) are skipped,
    // and the start of the text after an image that was one is cut off.
    let mut consumed: Range<usize> = 0..0;
    let mut cut_next = 0;
    for (i, (event, range)) in events.iter().enumerate() {
        if skip.contains(&i) || consumed.contains(&i) {
            continue;
        }
        let at = range.start;
        sink.position(range);
        if let Some(img) = &mut image {
            match event {
                Event::Start(Tag::Image { .. }) => img.depth += 1,
                Event::End(TagEnd::Image) if img.depth > 0 => img.depth -= 1,
                Event::End(TagEnd::Image) => {
                    let img = image.take().expect("inside an image");
                    let title = Some(img.title).filter(|t| !t.is_empty());
                    let list = match events.get(i + 1) {
                        Some((Event::Text(t), _)) => leading_attr_list(t),
                        _ => None,
                    };
                    let class = list.as_ref().map(|(_, l)| l.classes.join(" "));
                    cut_next = list.map_or(0, |(len, _)| len);
                    let class = class.as_deref().filter(|c| !c.is_empty());
                    sink.image(img.src, &img.alt, title, class, img.at);
                }
                Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                    img.alt.push_str(t);
                }
                Event::SoftBreak | Event::HardBreak => img.alt.push(' '),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => {
                    // A paragraph that is only a block attribute list says nothing.
                    if let [(Event::Text(t), _), (Event::End(TagEnd::Paragraph), _), ..] =
                        &events[i + 1..]
                        && AttrList::block(t).is_some()
                    {
                        consumed = i..i + 3;
                        continue;
                    }
                    sink.start("p", &[]);
                }
                Tag::Heading {
                    level: l,
                    id,
                    classes,
                    ..
                } => {
                    let mut classes: Vec<String> =
                        classes.iter().map(|c| crate::text::id_safe(c)).collect();
                    let mut id = id.as_deref().map(str::to_string);
                    if let Some((end, list)) = heading_attr_list(events, i) {
                        classes.extend(list.classes);
                        id = id.or(list.id);
                        consumed = end + 1..end + 4;
                    }
                    let class = classes.join(" ");
                    sink.heading_start(level(*l), id.as_deref(), Some(class.as_str()), at);
                }
                Tag::BlockQuote(kind) => match kind {
                    Some(k) => {
                        let class = format!("{k:?}").to_ascii_lowercase();
                        sink.start("blockquote", &[("class", &class)]);
                    }
                    None => sink.start("blockquote", &[]),
                },
                Tag::CodeBlock(kind) => {
                    sink.start("pre", &[]);
                    // The info string's first word names the language, as CommonMark says:
                    // exactly as written (the writer escapes it).
                    let lang = match kind {
                        CodeBlockKind::Fenced(info) => info.split_whitespace().next(),
                        CodeBlockKind::Indented => None,
                    };
                    match lang.filter(|l| !l.is_empty()) {
                        Some(l) => sink.start("code", &[("class", &format!("language-{l}"))]),
                        None => sink.start("code", &[]),
                    }
                }
                Tag::HtmlBlock | Tag::MetadataBlock(_) => {}
                Tag::List(Some(start)) if *start != 1 => {
                    sink.start("ol", &[("start", &start.to_string())]);
                }
                Tag::List(Some(_)) => sink.start("ol", &[]),
                Tag::List(None) => sink.start("ul", &[]),
                Tag::Item => {
                    let task = events[i + 1..]
                        .iter()
                        .take(2)
                        .any(|(e, _)| matches!(e, Event::TaskListMarker(_)));
                    if task {
                        sink.start("li", &[("class", "task")]);
                    } else {
                        sink.start("li", &[]);
                    }
                }
                Tag::FootnoteDefinition(label) => sink.note_start(label, at),
                Tag::DefinitionList => sink.start("dl", &[]),
                Tag::DefinitionListTitle => sink.start("dt", &[]),
                Tag::DefinitionListDefinition => sink.start("dd", &[]),
                Tag::Table(a) => {
                    aligns.clone_from(a);
                    sink.start("table", &[]);
                }
                Tag::TableHead => {
                    in_head = true;
                    cell = 0;
                    sink.start("thead", &[]);
                    sink.start("tr", &[]);
                }
                Tag::TableRow => {
                    cell = 0;
                    sink.start("tr", &[]);
                }
                Tag::TableCell => {
                    let name = if in_head { "th" } else { "td" };
                    let class = match aligns.get(cell) {
                        Some(Alignment::Left) => Some("align-left"),
                        Some(Alignment::Center) => Some("align-center"),
                        Some(Alignment::Right) => Some("align-right"),
                        _ => None,
                    };
                    let mut attrs: Vec<(&str, &str)> = Vec::new();
                    if in_head {
                        attrs.push(("scope", "col"));
                    }
                    if let Some(c) = class {
                        attrs.push(("class", c));
                    }
                    sink.start(name, &attrs);
                }
                Tag::Emphasis => sink.start("em", &[]),
                Tag::Strong => sink.start("strong", &[]),
                Tag::Strikethrough => sink.start("del", &[]),
                Tag::Superscript => sink.start("sup", &[]),
                Tag::Subscript => sink.start("sub", &[]),
                Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    ..
                } => {
                    let title = Some(title.as_ref()).filter(|t| !t.is_empty());
                    if *link_type == LinkType::Email {
                        sink.link_start(&format!("mailto:{dest_url}"), title, at);
                    } else {
                        sink.link_start(dest_url, title, at);
                    }
                }
                Tag::Image {
                    dest_url, title, ..
                } => {
                    image = Some(ImageAlt {
                        src: dest_url,
                        title,
                        at,
                        alt: String::new(),
                        depth: 0,
                    });
                }
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph => sink.end("p"),
                TagEnd::Heading(l) => sink.heading_end(level(*l)),
                TagEnd::BlockQuote(_) => sink.end("blockquote"),
                TagEnd::CodeBlock => {
                    sink.end("code");
                    sink.end("pre");
                }
                TagEnd::HtmlBlock | TagEnd::MetadataBlock(_) => {}
                TagEnd::List(ordered) => sink.end(if *ordered { "ol" } else { "ul" }),
                TagEnd::Item => sink.end("li"),
                TagEnd::FootnoteDefinition => sink.note_end(),
                TagEnd::DefinitionList => sink.end("dl"),
                TagEnd::DefinitionListTitle => sink.end("dt"),
                TagEnd::DefinitionListDefinition => sink.end("dd"),
                TagEnd::Table => {
                    if in_head {
                        // A table with a head only.
                        in_head = false;
                    } else {
                        sink.end("tbody");
                    }
                    sink.end("table");
                }
                TagEnd::TableHead => {
                    in_head = false;
                    sink.end("tr");
                    sink.end("thead");
                    let has_body =
                        matches!(events.get(i + 1), Some((Event::Start(Tag::TableRow), _)));
                    if has_body {
                        sink.start("tbody", &[]);
                    } else {
                        // Keep `</tbody>` balanced at the table's end.
                        in_head = true;
                    }
                }
                TagEnd::TableRow => sink.end("tr"),
                TagEnd::TableCell => {
                    cell += 1;
                    sink.end(if in_head { "th" } else { "td" });
                }
                TagEnd::Emphasis => sink.end("em"),
                TagEnd::Strong => sink.end("strong"),
                TagEnd::Strikethrough => sink.end("del"),
                TagEnd::Superscript => sink.end("sup"),
                TagEnd::Subscript => sink.end("sub"),
                TagEnd::Link => sink.link_end(),
                TagEnd::Image => {}
            },
            Event::Text(t) => {
                let mut t = &t[std::mem::take(&mut cut_next).min(t.len())..];
                // kramdown's attribute list for the paragraph, on its last line.
                if let Some((Event::End(TagEnd::Paragraph), _)) = events.get(i + 1)
                    && let Some(open) = t.rfind("{:")
                    && AttrList::block(&t[open..]).is_some()
                {
                    t = t[..open].trim_end();
                }
                sink.text(t);
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => sink.text(t),
            Event::Code(t) => {
                sink.start("code", &[]);
                sink.text(t);
                sink.end("code");
            }
            Event::Html(h) | Event::InlineHtml(h) => sink.raw_html(h, at),
            Event::FootnoteReference(label) => sink.note_ref(label, at),
            Event::SoftBreak => sink.text("\n"),
            Event::HardBreak => sink.void("br", &[]),
            Event::Rule => sink.void("hr", &[]),
            Event::TaskListMarker(done) => {
                let (class, mark) = if *done {
                    ("task-marker done", "☑")
                } else {
                    ("task-marker", "☐")
                };
                sink.start("span", &[("class", class)]);
                sink.text(mark);
                sink.end("span");
                sink.text(" ");
            }
        }
    }
}

/// Plain text of the events in `range` (a heading's words, for titles and comparisons).
pub fn plain_text(events: &[(Event<'_>, Range<usize>)]) -> String {
    let mut s = String::new();
    for (e, _) in events {
        match e {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) => s.push_str(t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    crate::text::squash_whitespace(&s)
}

/// Renders a one-line Markdown string (a title) as inline XHTML and as plain text, with the
/// same smart punctuation as the essays. Links, images and raw HTML keep only their text.
pub fn inline(s: &str) -> (String, String) {
    inline_with(s, false)
}

/// [`inline`] for words that may carry links (a source, a bio, a colophon): web and email
/// addresses (`<name@example.com>`, `[site](https://…)`) stay links.
pub fn inline_linked(s: &str) -> (String, String) {
    inline_with(s, true)
}

fn inline_with(s: &str, links: bool) -> (String, String) {
    // For each open link: whether an `<a>` was written for it.
    let mut open: Vec<bool> = Vec::new();
    let mut html = String::new();
    let mut plain = String::new();
    let opts = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION;
    let mut parser = Parser::new_ext(s, opts).peekable();
    // "1. Introduction" or "# Title" would parse as a block: such titles stay as written.
    if !matches!(parser.peek(), Some(Event::Start(Tag::Paragraph))) {
        let plain = crate::text::squash_whitespace(s);
        return (crate::text::escape(&plain), plain);
    }
    for event in parser {
        match event {
            Event::Text(t) | Event::InlineHtml(t) | Event::Html(t) => {
                crate::text::escape_into(&mut html, &t);
                plain.push_str(&t);
            }
            Event::Code(t) => {
                html.push_str("<code>");
                crate::text::escape_into(&mut html, &t);
                html.push_str("</code>");
                plain.push_str(&t);
            }
            Event::Start(Tag::Emphasis) => html.push_str("<i>"),
            Event::End(TagEnd::Emphasis) => html.push_str("</i>"),
            Event::Start(Tag::Strong) => html.push_str("<b>"),
            Event::End(TagEnd::Strong) => html.push_str("</b>"),
            Event::Start(Tag::Strikethrough) => html.push_str("<s>"),
            Event::End(TagEnd::Strikethrough) => html.push_str("</s>"),
            Event::SoftBreak | Event::HardBreak => {
                html.push(' ');
                plain.push(' ');
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                let href = if link_type == LinkType::Email {
                    format!("mailto:{dest_url}")
                } else {
                    dest_url.to_string()
                };
                let url = crate::weburl::check(&href)
                    .ok()
                    .filter(|_| links && open.is_empty());
                if let Some(url) = &url {
                    html.push_str("<a href=\"");
                    crate::text::escape_into(&mut html, url);
                    html.push_str("\">");
                }
                open.push(url.is_some());
            }
            Event::End(TagEnd::Link) if open.pop() == Some(true) => html.push_str("</a>"),
            _ => {}
        }
    }
    let plain = crate::text::squash_whitespace(&plain);
    (html.trim().to_string(), plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_titles() {
        let (html, plain) = inline("On *Walden* & \"Nature\"");
        assert_eq!(html, "On <i>Walden</i> &amp; “Nature”");
        assert_eq!(plain, "On Walden & “Nature”");
        let (html, plain) = inline("1. Not a list <script>x</script>");
        assert_eq!(plain, "1. Not a list <script>x</script>");
        assert!(!html.contains("<script"), "{html}");
    }
}
