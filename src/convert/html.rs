//! Essays with raw HTML. The Markdown is first rendered as plain HTML ("staging", raw HTML
//! passed through, links and notes marked), then parsed by html5ever exactly as a browser
//! would, then walked to drive the XHTML [`Writer`]: only elements and attributes a book may
//! carry pass, obsolete ones are mapped to their modern form, and content that the XHTML
//! content model forbids where it stands (a `<div>` inside a `<span>`) is unwrapped.

use std::collections::HashSet;

use html5ever::tendril::TendrilSink;
use html5ever::{Attribute, ParseOpts, QualName, local_name, ns, parse_fragment};

use super::dom::{Data, Dom, Node};
use super::markdown::Sink;
use super::raw;
use super::writer::Writer;
use crate::diag::Diagnostic;
use crate::text::escape_into;

/// Builds the staging HTML from Markdown events: the essay's raw HTML as written (less what
/// [`raw::scan`] cut), Markdown's own elements as plain HTML, and the converter's own elements
/// and attributes (a note, where a link was written) under a name the essay cannot hold.
pub struct Staging {
    out: String,
    /// Where each line of `out` starts in the essay (`lines[0]`: the first line): html5ever
    /// tells the line of each tag, this says where in the essay that is. The staging carries
    /// no position marker of its own, so none can land inside a comment, a tag or raw text.
    lines: Vec<usize>,
    /// Where in the essay the event being staged is.
    at: usize,
    end: usize,
    /// The last line started with a line break of the staging's own: it starts where the next
    /// event does.
    line_pending: bool,
    /// What [`raw::scan`] found must not reach the parser, and where comments close.
    cuts: raw::Cuts,
    /// How many of the comments' closes are written.
    closed: usize,
    names: Names,
    /// Whether each open element of Markdown's was written: deeper than
    /// [`raw::MAX_RAW_DEPTH`] they are not (the parser would slow down at every tag, and the
    /// writer flattens them anyway).
    written: Vec<bool>,
}

/// The converter's own element and attribute names in the staging HTML, made from a prefix
/// that does not occur in the essay (in any case): an author's `<anth-ref>` or
/// `data-anth-at="10"` is just unknown markup.
pub struct Names {
    prefix: String,
    note_ref: String,
    note: String,
    at: String,
}

impl Names {
    /// Every name, for the tests that check none reaches a page.
    #[cfg(any(test, feature = "testing"))]
    pub fn all(&self) -> [&str; 3] {
        [&self.note_ref, &self.note, &self.at]
    }

    pub fn for_source(source: &str) -> Names {
        let lower = source.to_ascii_lowercase();
        // Derived from the essay's own bytes, so an essay cannot be written to contain it
        // unless it contains its own hash; and checked, so that even then it is not used.
        let mut seed = crate::text::fnv(source.as_bytes());
        let prefix = loop {
            let candidate = format!("anth{seed:016x}");
            if !lower.contains(&candidate) {
                break candidate;
            }
            seed = seed.wrapping_mul(0x100_0000_01b3).wrapping_add(1);
        };
        Names {
            note_ref: format!("{prefix}-ref"),
            note: format!("{prefix}-note"),
            at: format!("data-{prefix}-at"),
            prefix,
        }
    }

    /// `text` without the converter's own tags and attributes. Text can hold them only where
    /// the essay's raw HTML made the parser read the staging as text (inside `<xmp>`, say),
    /// and there the reader is shown the essay's markup, not the converter's.
    pub fn scrub<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        if !text.contains(&self.prefix) {
            return text.into();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find(&self.prefix) {
            let (before, after) = rest.split_at(i);
            let (keep, skip_to) = if let Some(b) = before.strip_suffix(" data-") {
                // ` data-P-at="N"`
                let end = after
                    .find('"')
                    .and_then(|q| after[q + 1..].find('"').map(|e| q + e + 2));
                (b, end)
            } else if let Some(b) = before.strip_suffix("</").or(before.strip_suffix('<')) {
                (b, after.find('>').map(|e| e + 1))
            } else {
                (before, Some(self.prefix.len()))
            };
            out.push_str(keep);
            rest = &after[skip_to.unwrap_or(after.len())..];
        }
        out.push_str(rest);
        out.into()
    }
}

impl Staging {
    pub fn new(source: &str, cuts: raw::Cuts) -> Staging {
        Staging {
            out: String::with_capacity(source.len() + source.len() / 4),
            lines: vec![0],
            at: 0,
            end: 0,
            line_pending: true,
            cuts,
            closed: 0,
            names: Names::for_source(source),
            written: Vec::new(),
        }
    }

    fn open(&mut self, name: &str, attrs: &[(&str, &str)], close: &str) {
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            escape_into(&mut self.out, v);
            self.out.push('"');
        }
        self.out.push_str(close);
    }

    /// Where line `line` (1-based, as html5ever counts) of the staging HTML starts in the essay.
    fn line_start(&self, line: u32) -> usize {
        let i = (line as usize).saturating_sub(1);
        self.lines
            .get(i)
            .or(self.lines.last())
            .copied()
            .unwrap_or(0)
    }

    /// A line break of the staging's own.
    fn newline(&mut self) {
        self.out.push('\n');
        self.lines.push(self.at);
        self.line_pending = true;
    }

    /// Notes where the lines of `text` (from the essay at `at`) start, as html5ever counts
    /// them (a lone CR is a line break too).
    fn count_lines(&mut self, text: &str, at: usize) {
        let b = text.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            if c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')) {
                self.lines.push(at + i + 1);
            }
        }
        // A line that starts after the text is where the next event is: the blank lines
        // between two blocks are not in the staging.
        if b.ends_with(b"\n") || b.ends_with(b"\r") {
            self.line_pending = true;
        }
    }
}

impl Sink for Staging {
    fn position(&mut self, range: &std::ops::Range<usize>) {
        let at = range.start;
        self.at = at;
        self.end = range.end;
        // The end of an enclosing block reports where the block started, before the line:
        // the line waits for an event that stands on it.
        if self.line_pending
            && let Some(start) = self.lines.last_mut()
            && at >= *start
        {
            *start = at;
            self.line_pending = false;
        }
    }
    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let write = self.written.len() < raw::MAX_RAW_DEPTH;
        self.written.push(write);
        if write {
            self.open(name, attrs, ">");
        }
    }
    fn void(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.open(name, attrs, "/>");
    }
    fn end(&mut self, name: &str) {
        if !self.written.pop().unwrap_or(true) {
            return;
        }
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        // A line break after a block, as in pulldown-cmark's own HTML: a formatting element
        // left open in raw HTML is then carried on as a browser would (`<b>` reopened).
        if matches!(
            name,
            "p" | "blockquote" | "pre" | "ul" | "ol" | "li" | "table" | "tr" | "dl" | "dt" | "dd"
        ) {
            self.newline();
        }
    }
    fn text(&mut self, s: &str) {
        self.count_lines(s, self.at);
        let mut s = s;
        // A comment left open by raw HTML ends where the author ended it, here in the text
        // (escaped, its `-->` would not end it).
        while let Some(&(after, close)) = self.cuts.closes.get(self.closed) {
            if after > self.end.max(self.at) {
                break;
            }
            // Where in the text: exact when the text is as written (smart punctuation and
            // entities are not), after the whole text when the comment ends with it.
            let verbatim = self.end.saturating_sub(self.at) == s.len();
            let mut k = if after >= self.end || !verbatim {
                s.len()
            } else {
                after.saturating_sub(self.at)
            };
            while !s.is_char_boundary(k) {
                k -= 1;
            }
            escape_into(&mut self.out, &s[..k]);
            self.out.push_str(close);
            self.at += k;
            s = &s[k..];
            self.closed += 1;
        }
        escape_into(&mut self.out, s);
    }
    fn raw_html(&mut self, html: &str, at: usize) {
        // A comment the author ended in text or a link before this HTML is closed here.
        while let Some(&(after, close)) = self.cuts.closes.get(self.closed) {
            if after > at {
                break;
            }
            self.out.push_str(close);
            self.closed += 1;
        }
        let html = self.cuts.apply(html, at);
        self.count_lines(&html, at);
        self.out.push_str(&html);
    }
    fn link_start(&mut self, href: &str, title: Option<&str>, at: usize) {
        let at = at.to_string();
        let key = self.names.at.clone();
        let mut attrs = vec![("href", href), (key.as_str(), at.as_str())];
        if let Some(t) = title {
            attrs.push(("title", t));
        }
        self.open("a", &attrs, ">");
    }
    fn link_end(&mut self) {
        self.out.push_str("</a>");
    }
    fn image(&mut self, src: &str, alt: &str, title: Option<&str>, class: Option<&str>, at: usize) {
        let at = at.to_string();
        let key = self.names.at.clone();
        let mut attrs = vec![("src", src), ("alt", alt), (key.as_str(), at.as_str())];
        if let Some(t) = title {
            attrs.push(("title", t));
        }
        if let Some(c) = class {
            attrs.push(("class", c));
        }
        self.open("img", &attrs, "/>");
    }
    fn heading_start(&mut self, level: u8, id: Option<&str>, class: Option<&str>, at: usize) {
        let at = at.to_string();
        let key = self.names.at.clone();
        let mut attrs = vec![(key.as_str(), at.as_str())];
        if let Some(id) = id {
            attrs.push(("id", id));
        }
        if let Some(c) = class.filter(|c| !c.is_empty()) {
            attrs.push(("class", c));
        }
        self.open(&format!("h{level}"), &attrs, ">");
    }
    fn heading_end(&mut self, level: u8) {
        self.out.push_str(&format!("</h{level}>"));
        self.newline();
    }
    fn note_ref(&mut self, label: &str, at: usize) {
        let (name, key) = (self.names.note_ref.clone(), self.names.at.clone());
        let close = format!("></{name}>");
        self.open(
            &name,
            &[("data-label", label), (key.as_str(), &at.to_string())],
            &close,
        );
    }
    fn note_start(&mut self, label: &str, at: usize) {
        let (name, key) = (self.names.note.clone(), self.names.at.clone());
        self.open(
            &name,
            &[("data-label", label), (key.as_str(), &at.to_string())],
            ">",
        );
    }
    fn note_end(&mut self) {
        self.out.push_str("</");
        self.out.push_str(&self.names.note);
        self.out.push('>');
    }
}

/// What becomes of an element.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Kept (possibly renamed); `phrasing`: allowed where only phrasing content is.
    Keep {
        name: &'static str,
        phrasing: bool,
        void: bool,
    },
    /// The tag goes, its content stays.
    Unwrap,
    /// The element and its content go, silently.
    Drop,
    /// The element and its content go, with a warning: active or unsupported content.
    Remove,
    Link,
    Image,
    Heading(u8),
    NoteRef,
    Note,
}

fn kind(name: &str) -> Kind {
    const fn keep(name: &'static str, phrasing: bool) -> Kind {
        Kind::Keep {
            name,
            phrasing,
            void: false,
        }
    }
    match name {
        "abbr" | "b" | "bdi" | "bdo" | "cite" | "code" | "data" | "del" | "dfn" | "em" | "i"
        | "ins" | "kbd" | "mark" | "q" | "rp" | "rt" | "ruby" | "s" | "samp" | "small" | "span"
        | "strong" | "sub" | "sup" | "time" | "u" | "var" => keep(static_name(name), true),
        "br" | "wbr" => Kind::Keep {
            name: static_name(name),
            phrasing: true,
            void: true,
        },
        "hr" => Kind::Keep {
            name: "hr",
            phrasing: false,
            void: true,
        },
        "col" => Kind::Keep {
            name: "col",
            phrasing: false,
            void: true,
        },
        "address" | "article" | "aside" | "blockquote" | "div" | "dl" | "dt" | "dd" | "figure"
        | "figcaption" | "footer" | "header" | "ol" | "ul" | "li" | "p" | "pre" | "section"
        | "table" | "caption" | "colgroup" | "thead" | "tbody" | "tfoot" | "tr" | "th" | "td" => {
            keep(static_name(name), false)
        }
        // Obsolete or unsuitable elements, mapped to what a reading system understands.
        "center" | "main" | "nav" | "details" | "hgroup" | "search" => keep("div", false),
        "summary" => keep("p", false),
        "font" | "big" | "blink" | "marquee" | "nobr" | "label" | "output" | "meter"
        | "progress" => keep("span", true),
        "tt" => keep("code", true),
        "strike" => keep("s", true),
        "acronym" => keep("abbr", true),
        "dir" | "menu" => keep("ul", false),
        "listing" | "xmp" | "plaintext" => keep("pre", false),
        "a" => Kind::Link,
        "img" | "image" => Kind::Image,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Kind::Heading(name.as_bytes()[1] - b'0'),
        "script" | "iframe" | "object" | "embed" | "applet" | "form" | "input" | "button"
        | "select" | "textarea" | "frame" | "frameset" | "audio" | "video" | "canvas"
        | "dialog" | "portal" | "svg" | "math" | "meta" | "base" | "link" | "style"
        | "noscript" | "template" | "noframes" | "noembed" | "head" | "title" | "option"
        | "optgroup" | "datalist" => Kind::Remove,
        // Empty by nature: nothing of the author's goes with them.
        "source" | "track" | "param" | "area" | "slot" => Kind::Drop,
        _ => Kind::Unwrap,
    }
}

/// The `'static` spelling of a kept element name.
fn static_name(name: &str) -> &'static str {
    const NAMES: &[&str] = &[
        "abbr",
        "b",
        "bdi",
        "bdo",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
        "br",
        "wbr",
        "address",
        "article",
        "aside",
        "blockquote",
        "div",
        "dl",
        "dt",
        "dd",
        "figure",
        "figcaption",
        "footer",
        "header",
        "ol",
        "ul",
        "li",
        "p",
        "pre",
        "section",
        "table",
        "caption",
        "colgroup",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
    ];
    NAMES
        .iter()
        .find(|n| **n == name)
        .copied()
        .unwrap_or("span")
}

/// Where an element stands, which decides what may go there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Flow,
    /// Only phrasing content (inside `<p>`, `<span>`, a heading…).
    Phrasing,
    /// Directly inside `<ul>`/`<ol>`: only `<li>`.
    List,
    /// Directly inside `<dl>`: only `<dt>`, `<dd>`.
    DefList,
    /// Inside table structure, where the parser already placed everything.
    Table,
}

enum Exit {
    End(&'static str),
    Link,
    Heading,
    Note,
    Nothing,
}

enum Step {
    Enter(usize, Place),
    Exit(Exit),
}

/// Parses the staging HTML and writes it through `writer`.
pub fn write(staging: &Staging, writer: &mut Writer) {
    let context = QualName::new(None, ns!(html), local_name!("body"));
    let dom = parse_fragment(Dom::new(), ParseOpts::default(), context, Vec::new(), false)
        .one(staging.out.as_str());
    let nodes = dom.into_nodes();
    // The fragment parser puts the content under an `<html>` element below the document.
    let start = nodes[0].children.first().copied().unwrap_or(0);
    Walker {
        nodes: &nodes,
        writer,
        at: 0,
        removed: HashSet::new(),
        staging,
    }
    .walk(start);
}

struct Walker<'n, 'w, 'a> {
    nodes: &'n [Node],
    writer: &'w mut Writer<'a>,
    /// Byte offset in the essay of what is being walked.
    at: usize,
    removed: HashSet<String>,
    staging: &'n Staging,
}

fn attr<'x>(attrs: &'x [Attribute], name: &str) -> Option<&'x str> {
    attrs
        .iter()
        .find(|a| a.name.ns == ns!() && &*a.name.local == name)
        .map(|a| &*a.value)
}

fn digits(v: &str) -> bool {
    let v = v.trim().strip_prefix('-').unwrap_or(v.trim());
    !v.is_empty() && v.len() < 6 && v.chars().all(|c| c.is_ascii_digit())
}

impl Walker<'_, '_, '_> {
    fn walk(&mut self, root: usize) {
        let mut stack: Vec<Step> = self.nodes[root]
            .children
            .iter()
            .rev()
            .map(|&c| Step::Enter(c, Place::Flow))
            .collect();
        while let Some(step) = stack.pop() {
            match step {
                Step::Exit(exit) => self.exit(&exit),
                Step::Enter(id, place) => self.enter(id, place, &mut stack),
            }
        }
    }

    fn exit(&mut self, exit: &Exit) {
        match *exit {
            Exit::End(name) => self.writer.end(name),
            Exit::Link => self.writer.link_end(),
            Exit::Heading => self.writer.heading_end(),
            Exit::Note => self.writer.note_end(),
            Exit::Nothing => {}
        }
    }

    fn children(&self, id: usize, place: Place, stack: &mut Vec<Step>) {
        stack.extend(
            self.nodes[id]
                .children
                .iter()
                .rev()
                .map(|&c| Step::Enter(c, place)),
        );
    }

    fn remove(&mut self, name: &str) {
        if self.removed.insert(name.to_string()) {
            let at = self.tag_at(name);
            let d = Diagnostic::warning(
                "raw-html",
                format!("`<{name}>` is removed: a book cannot carry it"),
            )
            .at(self.writer.location(at));
            self.writer.warn(d);
        }
    }

    /// Where the tag `<name` stands: on the line the walk is at, or that line's start.
    fn tag_at(&self, name: &str) -> usize {
        let text = self.writer.source();
        let Some(line) = text.get(self.at..) else {
            return self.at;
        };
        let line = &line[..line.find('\n').unwrap_or(line.len())];
        let needle = format!("<{name}");
        line.as_bytes()
            .windows(needle.len())
            .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
            .map_or(self.at, |i| self.at + i)
    }

    fn enter(&mut self, id: usize, place: Place, stack: &mut Vec<Step>) {
        let node = &self.nodes[id];
        let (name, attrs) = match &node.data {
            Data::Text(text) => {
                let text = &*self.staging.names.scrub(text);
                if place == Place::List && !text.trim().is_empty() {
                    self.writer.start("li", &[]);
                    self.writer.text(text);
                    self.writer.end("li");
                } else if place == Place::DefList && !text.trim().is_empty() {
                    self.writer.start("dd", &[]);
                    self.writer.text(text);
                    self.writer.end("dd");
                } else {
                    self.writer.text(text);
                }
                return;
            }
            // Comments are the author's, never content.
            Data::Comment | Data::Document | Data::Other => return,
            Data::Element { name, attrs, .. } => (name, attrs.as_slice()),
        };
        let names = &self.staging.names;
        self.at = match attr(attrs, &names.at).and_then(|n| n.parse().ok()) {
            Some(at) => at,
            None => self.staging.line_start(node.line),
        };
        if name.ns != ns!(html) {
            // Inline SVG and MathML would need their own checks: they are not carried.
            let local = name.local.to_string();
            if local == "svg" || local == "math" {
                self.remove(&local);
            }
            return;
        }
        let local: &str = &name.local;
        if attrs.is_empty() && is_email(local) {
            // `<name@example.com>` in raw HTML: an address, as CommonMark reads it elsewhere
            // (a browser would take it for an unknown tag and show nothing). What the parser
            // put inside it is the text that followed it.
            let at = self.tag_at(local);
            let address = self
                .writer
                .source()
                .get(at + 1..at + 1 + local.len())
                .filter(|a| a.eq_ignore_ascii_case(local))
                .unwrap_or(local);
            let href = format!("mailto:{address}");
            self.writer.link_start(&href, None, self.at);
            self.writer.link_end();
            self.children(id, place, stack);
            return;
        }
        let mut kind = if local == names.note_ref {
            Kind::NoteRef
        } else if local == names.note {
            Kind::Note
        } else {
            kind(local)
        };
        // What the content model forbids where the element stands.
        let flow_only = match kind {
            Kind::Keep { phrasing, .. } => !phrasing,
            Kind::Heading(_) => true,
            _ => false,
        };
        if place == Place::Phrasing && flow_only {
            kind = if matches!(kind, Kind::Keep { void: true, .. }) {
                Kind::Drop
            } else {
                Kind::Unwrap
            };
        }
        if let Kind::Keep {
            name: kept,
            phrasing,
            void,
        } = kind
        {
            kind = match kept {
                "li" if place != Place::List => Kind::Keep {
                    name: "div",
                    phrasing,
                    void,
                },
                "dt" | "dd" if place != Place::DefList => Kind::Keep {
                    name: "div",
                    phrasing,
                    void,
                },
                "figcaption" if !self.parent_is(id, "figure") => Kind::Keep {
                    name: "div",
                    phrasing,
                    void,
                },
                "caption" | "colgroup" | "col" | "thead" | "tbody" | "tfoot" | "tr" | "th"
                | "td"
                    if place != Place::Table =>
                {
                    Kind::Unwrap
                }
                _ => kind,
            };
        }
        // Inside a list, anything but an item is wrapped in one.
        let wrapper = match (place, kind) {
            (Place::List, Kind::Keep { name: "li", .. }) => None,
            (
                Place::DefList,
                Kind::Keep {
                    name: "dt" | "dd" | "div",
                    ..
                },
            ) => None,
            (
                Place::List | Place::DefList,
                Kind::Drop | Kind::Remove | Kind::Note | Kind::Unwrap,
            ) => None,
            (Place::List, _) => Some("li"),
            (Place::DefList, _) => Some("dd"),
            _ => None,
        };
        if let Some(w) = wrapper {
            self.writer.start(w, &[]);
        }
        let inner_place = |phrasing: bool, name: &str| match name {
            "ul" | "ol" => Place::List,
            "dl" => Place::DefList,
            "table" | "thead" | "tbody" | "tfoot" | "tr" | "colgroup" => Place::Table,
            // Transparent: they hold what their parent may hold (`<del><p>…</p></del>`).
            "del" | "ins" if place != Place::Phrasing => Place::Flow,
            _ if phrasing || matches!(name, "p" | "pre" | "dt") => Place::Phrasing,
            _ => Place::Flow,
        };
        // What to do after the children, and where the children stand (`None`: not walked).
        let (exit, inner) = match kind {
            Kind::Keep {
                name: kept,
                phrasing,
                void,
            } => {
                let mut out_attrs: Vec<(&str, String)> = Vec::new();
                self.attributes(kept, local, attrs, &mut out_attrs);
                let borrowed: Vec<(&str, &str)> =
                    out_attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                if void {
                    self.writer.void(kept, &borrowed);
                    (Exit::Nothing, None)
                } else {
                    self.writer.start(kept, &borrowed);
                    (Exit::End(kept), Some(inner_place(phrasing, kept)))
                }
            }
            Kind::Unwrap => (
                Exit::Nothing,
                Some(if place == Place::Table {
                    Place::Flow
                } else {
                    place
                }),
            ),
            Kind::Drop => (Exit::Nothing, None),
            Kind::Remove => match self.embedded(id, local, attrs) {
                Some((href, label)) => {
                    // A video or page shown in a frame: the book keeps a link to it.
                    let at = self.tag_at(local);
                    let d = Diagnostic::warning(
                        "embed",
                        format!("`<{local}>` cannot play in a book: a link to what it showed is kept instead"),
                    )
                    .at(self.writer.location(at));
                    self.writer.warn(d);
                    let block = place != Place::Phrasing;
                    if block {
                        self.writer.start("p", &[("class", "embed")]);
                    }
                    self.writer.link_start(&href, None, self.at);
                    if let Some(label) = label {
                        self.writer.text(&label);
                    }
                    self.writer.link_end();
                    if block {
                        self.writer.end("p");
                    }
                    (Exit::Nothing, None)
                }
                None => {
                    self.remove(local);
                    (Exit::Nothing, None)
                }
            },
            Kind::Link => match attr(attrs, "href") {
                Some(href) => {
                    self.writer.link_start(href, attr(attrs, "title"), self.at);
                    (Exit::Link, Some(Place::Phrasing))
                }
                // An anchor without a target: its id is kept on a span.
                None => match attr(attrs, "id")
                    .or_else(|| attr(attrs, "name"))
                    .filter(|a| !a.trim().is_empty())
                {
                    Some(anchor) => {
                        let id_value = self.writer.element_id(anchor);
                        self.writer.start("span", &[("id", &id_value)]);
                        (Exit::End("span"), Some(Place::Phrasing))
                    }
                    None => (Exit::Nothing, Some(Place::Phrasing)),
                },
            },
            Kind::Image => {
                let src = attr(attrs, "src").unwrap_or("");
                let alt = attr(attrs, "alt").unwrap_or("");
                let class = attr(attrs, "class").map(clean_class);
                let class = class.as_deref().filter(|c| !c.is_empty());
                self.writer
                    .image(src, alt, attr(attrs, "title"), class, self.at);
                (Exit::Nothing, None)
            }
            Kind::Heading(level) => {
                let class = attr(attrs, "class").map(clean_class);
                self.writer
                    .heading_start(level, attr(attrs, "id"), class.as_deref());
                (Exit::Heading, Some(Place::Phrasing))
            }
            Kind::NoteRef => {
                if let Some(label) = attr(attrs, "data-label") {
                    self.writer.note_ref(label);
                }
                (Exit::Nothing, None)
            }
            Kind::Note => {
                let label = attr(attrs, "data-label").unwrap_or("");
                // A note inside a note joins it; its end must still be matched.
                let own = self.writer.note_start(label, self.at);
                (Exit::Note, Some(if own { Place::Flow } else { place }))
            }
        };
        if let Some(w) = wrapper {
            stack.push(Step::Exit(Exit::End(w)));
        }
        stack.push(Step::Exit(exit));
        if let Some(p) = inner {
            self.children(id, p, stack);
        }
    }

    /// The web address and title of what an `<iframe>`, `<video>`, `<audio>`, `<embed>` or
    /// `<object>` shows, when it is one a reader can open: an embedded YouTube or Vimeo player
    /// becomes the video's own page.
    fn embedded(
        &self,
        id: usize,
        local: &str,
        attrs: &[Attribute],
    ) -> Option<(String, Option<String>)> {
        let src = match local {
            "iframe" | "embed" => attr(attrs, "src"),
            "object" => attr(attrs, "data"),
            "video" | "audio" => attr(attrs, "src").or_else(|| {
                self.nodes[id]
                    .children
                    .iter()
                    .find_map(|&c| match &self.nodes[c].data {
                        Data::Element { name, attrs, .. } if &*name.local == "source" => {
                            attr(attrs, "src")
                        }
                        _ => None,
                    })
            }),
            _ => None,
        }?;
        let url = crate::weburl::check(src)
            .ok()
            .filter(|u| u.starts_with("http"))?;
        let parsed = url::Url::parse(&url).ok()?;
        let host = parsed.host_str().unwrap_or("").trim_start_matches("www.");
        let segments: Vec<&str> = parsed
            .path_segments()
            .map(Iterator::collect)
            .unwrap_or_default();
        let page = match (host, segments.as_slice()) {
            ("youtube.com" | "youtube-nocookie.com", ["embed", id, ..]) if !id.is_empty() => {
                format!("https://www.youtube.com/watch?v={id}")
            }
            ("player.vimeo.com", ["video", id, ..]) if !id.is_empty() => {
                format!("https://vimeo.com/{id}")
            }
            _ => url,
        };
        // Players' generic titles ("YouTube video player") say nothing: the address does.
        let title = attr(attrs, "title")
            .or_else(|| attr(attrs, "aria-label"))
            .map(crate::text::squash_whitespace)
            .filter(|t| !t.is_empty() && !t.to_lowercase().contains("player"));
        Some((page, title))
    }

    fn parent_is(&self, id: usize, name: &str) -> bool {
        self.nodes[id].parent.is_some_and(
            |p| matches!(&self.nodes[p].data, Data::Element { name: n, .. } if &*n.local == name),
        )
    }

    /// The attributes a kept element may carry, cleaned.
    fn attributes(
        &mut self,
        kept: &str,
        original: &str,
        attrs: &[Attribute],
        out: &mut Vec<(&'static str, String)>,
    ) {
        if let Some(id) = attr(attrs, "id").filter(|v| !v.trim().is_empty()) {
            out.push(("id", self.writer.element_id(id)));
        }
        let mut classes: Vec<String> = attr(attrs, "class")
            .map(clean_class)
            .into_iter()
            .filter(|c| !c.is_empty())
            .collect();
        if original != kept && matches!(original, "center" | "big") {
            classes.push(original.to_string());
        }
        if let Some(align) = attr(attrs, "align").map(|a| a.trim().to_ascii_lowercase())
            && matches!(align.as_str(), "left" | "right" | "center" | "justify")
        {
            classes.push(format!("align-{align}"));
        }
        if !classes.is_empty() {
            out.push(("class", classes.join(" ")));
        }
        if let Some(t) = attr(attrs, "title") {
            out.push(("title", t.to_string()));
        }
        if let Some(lang) = attr(attrs, "lang").map(str::trim)
            && crate::language::valid(lang)
        {
            out.push(("lang", lang.to_string()));
            out.push(("xml:lang", lang.to_string()));
        }
        if let Some(dir) = attr(attrs, "dir").map(|d| d.trim().to_ascii_lowercase())
            && matches!(dir.as_str(), "ltr" | "rtl" | "auto")
        {
            out.push(("dir", dir));
        }
        match kept {
            "td" | "th" => {
                for name in ["colspan", "rowspan"] {
                    if let Some(v) = attr(attrs, name).filter(|v| digits(v) && !v.starts_with('-'))
                    {
                        out.push((
                            if name == "colspan" {
                                "colspan"
                            } else {
                                "rowspan"
                            },
                            v.trim().to_string(),
                        ));
                    }
                }
                if let Some(scope) = attr(attrs, "scope").map(|s| s.trim().to_ascii_lowercase())
                    && kept == "th"
                    && matches!(scope.as_str(), "row" | "col" | "rowgroup" | "colgroup")
                {
                    out.push(("scope", scope));
                }
            }
            "ol" => {
                if let Some(v) = attr(attrs, "start").filter(|v| digits(v)) {
                    out.push(("start", v.trim().to_string()));
                }
                if attr(attrs, "reversed").is_some() {
                    out.push(("reversed", "reversed".into()));
                }
                if let Some(t) =
                    attr(attrs, "type").filter(|t| matches!(*t, "1" | "a" | "A" | "i" | "I"))
                {
                    out.push(("type", t.to_string()));
                }
            }
            "li" => {
                if let Some(v) = attr(attrs, "value").filter(|v| digits(v)) {
                    out.push(("value", v.trim().to_string()));
                }
            }
            "col" | "colgroup" => {
                if let Some(v) = attr(attrs, "span")
                    .filter(|v| digits(v) && !v.starts_with('-') && v.trim() != "0")
                {
                    out.push(("span", v.trim().to_string()));
                }
            }
            _ => {}
        }
    }
}

/// An email address as CommonMark's autolinks know them: `local@domain.tld`.
fn is_email(name: &str) -> bool {
    let Some((local, domain)) = name.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c));
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    local_ok && domain.split('.').all(label_ok)
}

/// Class names as written (any token is a class in HTML and XHTML: `language-c++` is one),
/// less the converter's own (`anth…`) and characters XML cannot carry. A list that needs no
/// change keeps its spacing.
fn clean_class(s: &str) -> String {
    let clean: Vec<String> = s
        .split_whitespace()
        .map(|c| c.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|c| !c.is_empty() && !c.starts_with("anth"))
        .collect();
    if clean.iter().map(String::as_str).eq(s.split_whitespace()) && !clean.is_empty() {
        s.to_string()
    } else {
        clean.join(" ")
    }
}
