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
use super::writer::Writer;
use crate::diag::Diagnostic;
use crate::text::escape_into;

/// Builds the staging HTML from Markdown events.
#[derive(Default)]
pub struct Staging {
    pub out: String,
}

impl Staging {
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
}

impl Sink for Staging {
    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.open(name, attrs, ">");
    }
    fn void(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.open(name, attrs, "/>");
    }
    fn end(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }
    fn text(&mut self, s: &str) {
        escape_into(&mut self.out, s);
    }
    fn raw_html(&mut self, html: &str, at: usize) {
        // The comment tells the walker where the raw HTML that follows came from.
        self.out.push_str(&format!("<!--anth:{at}-->"));
        self.out.push_str(html);
    }
    fn link_start(&mut self, href: &str, title: Option<&str>, at: usize) {
        let at = at.to_string();
        let mut attrs = vec![("href", href), ("data-anth-at", at.as_str())];
        if let Some(t) = title {
            attrs.push(("title", t));
        }
        self.open("a", &attrs, ">");
    }
    fn link_end(&mut self) {
        self.out.push_str("</a>");
    }
    fn image(&mut self, src: &str, alt: &str, title: Option<&str>, at: usize) {
        let at = at.to_string();
        let mut attrs = vec![("src", src), ("alt", alt), ("data-anth-at", at.as_str())];
        if let Some(t) = title {
            attrs.push(("title", t));
        }
        self.open("img", &attrs, "/>");
    }
    fn heading_start(&mut self, level: u8, id: Option<&str>, class: Option<&str>, at: usize) {
        let at = at.to_string();
        let mut attrs = vec![("data-anth-at", at.as_str())];
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
    }
    fn note_ref(&mut self, label: &str, at: usize) {
        self.open(
            "anth-ref",
            &[("data-label", label), ("data-anth-at", &at.to_string())],
            "></anth-ref>",
        );
    }
    fn note_start(&mut self, label: &str, _at: usize) {
        self.open("anth-note", &[("data-label", label)], ">");
    }
    fn note_end(&mut self) {
        self.out.push_str("</anth-note>");
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
        "anth-ref" => Kind::NoteRef,
        "anth-note" => Kind::Note,
        "script" | "iframe" | "object" | "embed" | "applet" | "form" | "input" | "button"
        | "select" | "textarea" | "frame" | "frameset" | "audio" | "video" | "canvas"
        | "dialog" | "portal" | "svg" | "math" | "meta" | "base" | "link" | "style" => Kind::Remove,
        "noscript" | "template" | "noframes" | "head" | "title" | "option" | "optgroup"
        | "datalist" | "source" | "track" | "param" | "area" | "slot" => Kind::Drop,
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

/// Parses `staged` and writes it through `writer`.
pub fn write(staged: &str, writer: &mut Writer) {
    let context = QualName::new(None, ns!(html), local_name!("body"));
    let dom =
        parse_fragment(Dom::new(), ParseOpts::default(), context, Vec::new(), false).one(staged);
    let nodes = dom.into_nodes();
    // The fragment parser puts the content under an `<html>` element below the document.
    let start = nodes[0].children.first().copied().unwrap_or(0);
    Walker {
        nodes: &nodes,
        writer,
        at: 0,
        removed: HashSet::new(),
    }
    .walk(start);
}

struct Walker<'n, 'w, 'a> {
    nodes: &'n [Node],
    writer: &'w mut Writer<'a>,
    /// Byte offset in the essay of what is being walked.
    at: usize,
    removed: HashSet<String>,
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
            let d = Diagnostic::warning(
                "raw-html",
                format!("`<{name}>` is removed: a book cannot carry it"),
            )
            .at(self.writer.location(self.at));
            self.writer.warn(d);
        }
    }

    fn enter(&mut self, id: usize, place: Place, stack: &mut Vec<Step>) {
        let node = &self.nodes[id];
        let (name, attrs) = match &node.data {
            Data::Text(text) => {
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
            Data::Comment(c) => {
                if let Some(at) = c.strip_prefix("anth:").and_then(|n| n.parse().ok()) {
                    self.at = at;
                }
                return;
            }
            Data::Document | Data::Other => return,
            Data::Element { name, attrs, .. } => (name, attrs.as_slice()),
        };
        if let Some(at) = attr(attrs, "data-anth-at").and_then(|n| n.parse().ok()) {
            self.at = at;
        }
        if name.ns != ns!(html) {
            // Inline SVG and MathML would need their own checks: they are not carried.
            let local = name.local.to_string();
            if local == "svg" || local == "math" {
                self.remove(&local);
            }
            return;
        }
        let local: &str = &name.local;
        let mut kind = kind(local);
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
            Kind::Remove => {
                self.remove(local);
                (Exit::Nothing, None)
            }
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
                self.writer.image(src, alt, attr(attrs, "title"), self.at);
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
                let own = self.writer.note_start(label);
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
            && crate::manifest::valid_language(lang)
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

/// Class names: letters, digits, `-` and `_` only.
fn clean_class(s: &str) -> String {
    s.split_whitespace()
        .map(crate::text::id_safe)
        .filter(|c| !c.is_empty() && !c.starts_with("anth"))
        .collect::<Vec<_>>()
        .join(" ")
}
