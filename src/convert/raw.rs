//! Raw HTML as Markdown hands it over, read before it is parsed, for what would take the rest
//! of the essay with it. HTML5 reads the content of `<title>`, `<textarea>`, `<style>`,
//! `<script>`, `<xmp>`, `<iframe>`, `<noembed>`, `<noframes>`, `<noscript>` as raw text up
//! to its end tag, and `<plaintext>` to the end of the document; a tag whose `>` never comes
//! eats what follows as attributes. Pasted HTML leaves such things open, and a browser would
//! then hide every paragraph after them. Here each block of the essay (an HTML block, or the
//! inline HTML of one paragraph, heading, item or cell) is scanned like the HTML tokenizer
//! would; an element left open in its block loses its start tag (its content and the essay
//! after it stay), a tag left unfinished is left out, each with a warning at its place. A
//! comment left open at the end of its block ends where the author ended it: at the next
//! `-->` in the essay, even in Markdown's text (where the staging HTML would have escaped it),
//! so that what the author hid stays hidden and nothing after it is lost.
//!
//! The scan is one pass over the block: each end tag searched for is looked up in a table of
//! where each name's last end tag stands, so a thousand unclosed `<style>`s cost no more than
//! one.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};

use crate::diag::{Diagnostic, SourceFile};

/// How deep raw HTML may nest in one block before its deeper tags are left out. The HTML5
/// tree builder looks through the open elements at most tags, so depth costs time at every
/// tag; the writer keeps only 40 levels anyway (`writer::MAX_DEPTH`).
pub const MAX_RAW_DEPTH: usize = 100;

/// Elements that never hold anything, or that the parser closes by itself: they do not count
/// towards the depth.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param", "keygen", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th",
    "tbody", "thead", "tfoot", "colgroup", "rb", "rt", "rp", "rtc",
];

/// Elements whose content HTML5 reads as raw text until their end tag.
const RAW_TEXT: &[&str] = &[
    "title",
    "textarea",
    "style",
    "script",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

/// What the staging changes: in the raw HTML, by the source offset where an event starts, the
/// byte ranges of its text to leave out (each replaced by its line breaks, so that lines keep
/// their numbers); in Markdown's text, where a comment left open ends (the source offset just
/// after its `-->`, or `>` for `<!…`), to be closed there.
#[derive(Debug, Default)]
pub struct Cuts {
    raw: HashMap<usize, Vec<Range<usize>>>,
    /// (source offset, what closes the comment), in the order of the essay.
    pub closes: Vec<(usize, &'static str)>,
}

impl Cuts {
    /// `html` (the event that starts at `at`) with the cut ranges left out.
    pub fn apply<'h>(&self, html: &'h str, at: usize) -> std::borrow::Cow<'h, str> {
        let Some(ranges) = self.raw.get(&at) else {
            return html.into();
        };
        let mut out = String::with_capacity(html.len());
        let mut from = 0;
        for r in ranges {
            out.push_str(&html[from..r.start]);
            out.extend(html[r.clone()].chars().filter(|&c| c == '\n' || c == '\r'));
            from = r.end;
        }
        out.push_str(&html[from..]);
        out.into()
    }
}

/// A block's raw HTML, its events' texts end to end, and where each came from.
#[derive(Default)]
struct Block {
    text: String,
    /// (offset in `text`, source offset of the event, length).
    parts: Vec<(usize, usize, usize)>,
}

impl Block {
    /// The event (by its source offset) and the offset inside it of `text[i]`.
    fn locate(&self, i: usize) -> (usize, usize) {
        let k = self.parts.partition_point(|p| p.0 <= i).saturating_sub(1);
        let (start, at, _) = self.parts[k];
        (at, i - start)
    }

    /// Splits `range` of `text` into ranges of the events it spans.
    fn cut(&self, range: Range<usize>, cuts: &mut Cuts) {
        let first = self
            .parts
            .partition_point(|p| p.0 <= range.start)
            .saturating_sub(1);
        for &(start, at, len) in &self.parts[first..] {
            if start >= range.end {
                break;
            }
            let from = range.start.max(start) - start;
            let to = range.end.min(start + len) - start;
            if from < to {
                cuts.raw.entry(at).or_default().push(from..to);
            }
        }
    }
}

/// Finds what must be cut from the raw HTML of `events` (those outside `skip`), with a warning
/// for each at its place in `source`.
pub fn scan(
    events: &[(Event<'_>, Range<usize>)],
    skip: &Range<usize>,
    source: &SourceFile,
    diags: &mut Vec<Diagnostic>,
) -> Cuts {
    let mut scan = Scan {
        source,
        diags,
        cuts: Cuts::default(),
        block: Block::default(),
        comment: None,
    };
    for (i, (event, range)) in events.iter().enumerate() {
        if skip.contains(&i) {
            continue;
        }
        // A comment left open by an earlier block ends at the author's `-->`: inside this
        // text, or before this event when the `-->` came in between (a link's address).
        if let (
            Some((_, _, end)),
            Event::Text(_) | Event::Code(_) | Event::Html(_) | Event::InlineHtml(_),
        ) = (scan.comment, event)
        {
            let raw = matches!(event, Event::Html(_) | Event::InlineHtml(_));
            if range.start >= end || (!raw && range.end >= end) {
                scan.finish();
                scan.close_at(end.max(range.start));
            }
        }
        match event {
            Event::Html(h) | Event::InlineHtml(h) => {
                let block = &mut scan.block;
                block.parts.push((block.text.len(), range.start, h.len()));
                block.text.push_str(h);
            }
            Event::Start(tag) if !inline(tag) => scan.finish(),
            Event::End(tag) if !inline_end(*tag) => scan.finish(),
            Event::Rule => scan.finish(),
            _ => {}
        }
    }
    scan.finish();
    if let Some((_, at, _)) = scan.comment {
        scan.comment_warning(at, "the rest of the essay");
    }
    scan.cuts
}

/// The scan of an essay's raw HTML, block by block.
struct Scan<'s, 'd> {
    source: &'s SourceFile,
    diags: &'d mut Vec<Diagnostic>,
    cuts: Cuts,
    block: Block,
    /// A comment left open at the end of a block, where it starts in the essay, and where the
    /// author ended it (just after the next `-->` in the essay; its end if there is none).
    comment: Option<(Open, usize, usize)>,
}

fn inline(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

fn inline_end(tag: TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// What is open at the end of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// `<!--`, closed by `-->` (or `--!>`).
    Comment,
    /// `<!…` or `<?…`, closed by `>`.
    Bogus,
}

/// What the scan of one block found.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    /// A raw-text element's start tag with no end tag in the block.
    Unclosed(&'static str, Range<usize>),
    /// A tag whose `>` never comes, from its `<` to the end of the block.
    Unfinished(String, Range<usize>),
    /// A comment (or `<!…`, `<?…`) that does not end in the block, from its `<`.
    OpenComment(Open, usize),
    /// Where a comment left open by an earlier block ends (just after it).
    CommentEnd(usize),
    /// A tag nested deeper than [`MAX_RAW_DEPTH`] (or the end tag of one).
    TooDeep(Range<usize>),
}

impl Scan<'_, '_> {
    /// The source offset of `text[i]` of the block.
    fn source_offset(&self, i: usize) -> usize {
        let (event, offset) = self.block.locate(i);
        floor_char(&self.source.text, event + offset)
    }

    /// A warning at `range` of the block (its first line).
    fn warn(&mut self, range: Range<usize>, message: String, help: &str) {
        let start = self.source_offset(range.start);
        let first_line = self.block.text.as_bytes()[range.clone()]
            .iter()
            .position(|&c| c == b'\n')
            .unwrap_or(range.len());
        let end = floor_char(&self.source.text, start + first_line.max(1));
        self.diags.push(
            Diagnostic::warning("raw-html", message)
                .at(self.source.location(start..end))
                .help(help),
        );
    }

    /// Ends the open comment at `after` (a source offset) in the staging.
    fn close_at(&mut self, after: usize) {
        let Some((kind, at, _)) = self.comment.take() else {
            return;
        };
        let close = match kind {
            Open::Comment => "-->",
            Open::Bogus => ">",
        };
        self.cuts.closes.push((after, close));
        let (line, _) = self.source.line_col(after.saturating_sub(1));
        self.comment_warning(at, &format!("everything up to its end on line {line}"));
    }

    fn comment_warning(&mut self, at: usize, hidden: &str) {
        let end = floor_char(&self.source.text, at + 4);
        self.diags.push(
            Diagnostic::warning(
                "raw-html",
                format!("this comment is not closed in its block: it hides {hidden}"),
            )
            .at(self.source.location(at..end))
            .help("close it (`-->`) before the blank line that ends its block"),
        );
    }

    /// Reads the block gathered so far and starts the next.
    fn finish(&mut self) {
        if self.block.parts.is_empty() {
            return;
        }
        let (found, _) = tokens(&self.block.text, self.comment.map(|c| c.0));
        let block_end = self.block.parts.last().map_or(0, |&(_, at, len)| at + len);
        let mut deep_told = false;
        for found in found {
            match found {
                Found::TooDeep(range) => {
                    self.block.cut(range.clone(), &mut self.cuts);
                    if !std::mem::replace(&mut deep_told, true) {
                        self.warn(
                            range,
                            format!("raw HTML nested more than {MAX_RAW_DEPTH} deep: the deeper tags are left out, their text is kept"),
                            "nest it less deeply",
                        );
                    }
                }
                Found::Unclosed(name, range) => {
                    let message = if name == "plaintext" {
                        "`<plaintext>` is left out: nothing can close it, and it would show the rest of the essay as raw text".to_string()
                    } else {
                        format!(
                            "`<{name}>` is not closed in its block: the tag is left out and what follows it is kept"
                        )
                    };
                    self.block.cut(range.clone(), &mut self.cuts);
                    self.warn(
                        range,
                        message,
                        "close the element in the same block (no blank line before its end tag)",
                    );
                }
                Found::Unfinished(name, range) => {
                    let lost = self.block.text[range.clone()].trim().chars().count();
                    self.block.cut(range.clone(), &mut self.cuts);
                    self.warn(
                        range,
                        format!(
                            "the tag `<{name}` has no closing `>`: it is left out, with the {lost} characters after it in its block"
                        ),
                        "end the tag with `>`",
                    );
                }
                Found::OpenComment(kind, at) => {
                    let end = match kind {
                        Open::Comment => "-->",
                        Open::Bogus => ">",
                    };
                    let text = &self.source.text;
                    let from = block_end.min(text.len());
                    let ends = text[from..]
                        .find(end)
                        .map_or(usize::MAX, |i| from + i + end.len());
                    self.comment = Some((kind, self.source_offset(at), ends));
                }
                Found::CommentEnd(end) => {
                    if let Some((_, at, _)) = self.comment.take() {
                        let (line, _) = self.source.line_col(self.source_offset(end));
                        self.comment_warning(at, &format!("everything up to line {line}"));
                    }
                }
            }
        }
        self.block.text.clear();
        self.block.parts.clear();
    }
}

/// `i`, or the start of the character it falls in, within `text`.
fn floor_char(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Reads `html` as the HTML tokenizer would, as far as tags, comments and raw text go.
/// `open`: a comment the block starts inside of. Also says what is open at its end.
fn tokens(html: &str, open: Option<Open>) -> (Vec<Found>, Option<Open>) {
    let b = html.as_bytes();
    let mut found = Vec::new();
    let mut start = 0;
    match open {
        Some(Open::Comment) => match comment_end(b) {
            Some(end) => start = end,
            None => return (found, open),
        },
        Some(Open::Bogus) => match b.iter().position(|&c| c == b'>') {
            Some(end) => start = end + 1,
            None => return (found, open),
        },
        None => {}
    }
    if start > 0 {
        found.push(Found::CommentEnd(start));
    }
    // Where the last `</name` of each raw-text element stands: an end tag is searched for only
    // when there is one ahead.
    let mut last_end: HashMap<&'static str, usize> = HashMap::new();
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| c == b'<') {
        let lt = i + p;
        if b.get(lt + 1) == Some(&b'/') && tag_name_at(b, lt + 2).is_some() {
            let name = tag_name_at(b, lt + 2).unwrap_or_default();
            if let Some(raw) = RAW_TEXT.iter().find(|r| r.eq_ignore_ascii_case(&name)) {
                last_end.insert(raw, lt);
            }
        }
        i = lt + 1;
    }
    // Open elements, and end tags still to be left out for start tags left out.
    let (mut depth, mut excess) = (0usize, 0usize);
    let mut i = start;
    while let Some(p) = b[i..].iter().position(|&c| c == b'<') {
        let lt = i + p;
        let rest = &b[lt + 1..];
        if rest.starts_with(b"!--") {
            let body = lt + 4;
            if b[body..].starts_with(b">") {
                i = body + 1;
            } else if b[body..].starts_with(b"->") {
                i = body + 2;
            } else if let Some(end) = comment_end(&b[body..]) {
                i = body + end;
            } else {
                found.push(Found::OpenComment(Open::Comment, lt));
                return (found, Some(Open::Comment));
            }
        } else if rest.starts_with(b"!") || rest.starts_with(b"?") {
            match b[lt..].iter().position(|&c| c == b'>') {
                Some(end) => i = lt + end + 1,
                None => {
                    found.push(Found::OpenComment(Open::Bogus, lt));
                    return (found, Some(Open::Bogus));
                }
            }
        } else if let Some((name, end_tag)) = match rest.first() {
            Some(b'/') => tag_name_at(b, lt + 2).map(|n| (n, true)),
            _ => tag_name_at(b, lt + 1).map(|n| (n, false)),
        } {
            let Some(close) = tag_end(b, lt + 1) else {
                found.push(Found::Unfinished(name, lt..b.len()));
                break;
            };
            i = close;
            let nests = !NOT_NESTING.contains(&name.as_str()) && b[close - 2] != b'/';
            if end_tag {
                if excess > 0 {
                    excess -= 1;
                    found.push(Found::TooDeep(lt..close));
                } else if nests {
                    depth = depth.saturating_sub(1);
                }
                continue;
            }
            if nests {
                if depth >= MAX_RAW_DEPTH {
                    excess += 1;
                    found.push(Found::TooDeep(lt..close));
                    continue;
                }
                depth += 1;
            }
            let Some(raw) = RAW_TEXT.iter().find(|r| r.eq_ignore_ascii_case(&name)) else {
                continue;
            };
            let ahead = *raw != "plaintext" && last_end.get(raw).is_some_and(|&e| e >= close);
            if !ahead {
                found.push(Found::Unclosed(raw, lt..close));
                continue;
            }
            // The content is raw text up to the first `</name` after the tag.
            let mut j = close;
            while let Some(q) = b[j..].windows(2).position(|w| w == b"</") {
                let at = j + q;
                if tag_name_at(b, at + 2).is_some_and(|n| n.eq_ignore_ascii_case(raw)) {
                    j = at;
                    break;
                }
                j = at + 2;
            }
            i = j;
        } else {
            i = lt + 1;
        }
    }
    (found, None)
}

/// The end of a comment's body (after `-->` or `--!>`), relative to `body`.
fn comment_end(body: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(p) = body[i..].windows(2).position(|w| w == b"--") {
        let at = i + p;
        if body[at + 2..].starts_with(b">") {
            return Some(at + 3);
        }
        if body[at + 2..].starts_with(b"!>") {
            return Some(at + 4);
        }
        i = at + 1;
    }
    None
}

/// The lower-cased tag name that starts at `i` (an ASCII letter, then anything up to
/// whitespace, `/` or `>`), if one does.
fn tag_name_at(b: &[u8], i: usize) -> Option<String> {
    if !b.get(i)?.is_ascii_alphabetic() {
        return None;
    }
    let len = b[i..]
        .iter()
        .position(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>'))
        .unwrap_or(b.len() - i);
    Some(String::from_utf8_lossy(&b[i..i + len]).to_ascii_lowercase())
}

/// Just after the `>` that ends the tag whose name starts at `i`, skipping quoted attribute
/// values; `None` when the block ends first.
fn tag_end(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'>' => return Some(i + 1),
            b'=' => {
                i += 1;
                while b.get(i).is_some_and(u8::is_ascii_whitespace) {
                    i += 1;
                }
                if let Some(&q @ (b'"' | b'\'')) = b.get(i) {
                    i += 1 + b[i + 1..].iter().position(|&c| c == q)?;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens0(html: &str) -> Vec<Found> {
        tokens(html, None).0
    }

    #[test]
    fn closed_elements_and_comments_are_left_alone() {
        assert!(tokens0("<style>p { color: red }</style><p>x</p>").is_empty());
        assert!(tokens0("<TITLE>a</Title >").is_empty());
        assert!(tokens0("<!-- <title> --><!----><!--->").is_empty());
        assert!(tokens0("<a title='x>y' href=\"a>b\">t</a>").is_empty());
        assert!(tokens0("<xmp><title></xmp>").is_empty());
        assert!(tokens0("a < b and <3").is_empty());
    }

    #[test]
    fn what_would_take_the_rest_is_found() {
        assert_eq!(
            tokens0("<p>x <textarea rows=2> y"),
            vec![Found::Unclosed("textarea", 5..22)]
        );
        assert_eq!(
            tokens0("<plaintext>a</plaintext>"),
            vec![Found::Unclosed("plaintext", 0..11)]
        );
        assert_eq!(
            tokens0("<div id=\"foo\"\n*hi*\n"),
            vec![Found::Unfinished("div".into(), 0..19)]
        );
        assert_eq!(
            tokens("x <!-- open", None),
            (
                vec![Found::OpenComment(Open::Comment, 2)],
                Some(Open::Comment)
            )
        );
        // A comment left open by an earlier block ends in this one.
        assert_eq!(
            tokens("still hidden --> <title>", Some(Open::Comment)),
            (
                vec![Found::CommentEnd(16), Found::Unclosed("title", 17..24)],
                None
            )
        );
        assert_eq!(tokens("<p>", Some(Open::Comment)).1, Some(Open::Comment));
        // The end tag must come after the start tag.
        assert_eq!(
            tokens0("</style><style>"),
            vec![Found::Unclosed("style", 8..15)]
        );
        // Raw text hides what looks like tags inside it.
        assert_eq!(tokens0("<script>if (a <b) {}</script>"), vec![]);
    }

    #[test]
    fn deep_nesting_is_cut_with_its_end_tags() {
        let depth = MAX_RAW_DEPTH + 3;
        let html = format!("{}x{}", "<div>".repeat(depth), "</div>".repeat(depth));
        let found = tokens0(&html);
        assert_eq!(found.len(), 6, "{found:?}");
        assert_eq!(
            found[0],
            Found::TooDeep(5 * MAX_RAW_DEPTH..5 * MAX_RAW_DEPTH + 5)
        );
        // Elements that close themselves do not count.
        assert!(tokens0(&"<p>x<br><li>".repeat(500)).is_empty());
    }

    #[test]
    fn cuts_keep_line_breaks() {
        let block = Block {
            parts: vec![(0, 100, 5), (5, 200, 11)],
            text: "<div\n class=\"x\"\n".into(),
        };
        let mut cuts = Cuts::default();
        block.cut(0..16, &mut cuts);
        assert_eq!(cuts.apply("<div\n", 100), "\n");
        assert_eq!(cuts.apply(" class=\"x\"\n", 200), "\n");
        assert_eq!(cuts.apply("<b>", 300), "<b>");
    }
}
