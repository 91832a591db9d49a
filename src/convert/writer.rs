//! The XHTML writer: the one place that turns "a paragraph starts", "a link to `x.md#y`", "a
//! footnote reference" into XHTML. Both inputs drive it — Markdown events directly, raw HTML
//! through a parsed and cleaned DOM — so ids, links, images and notes are handled once.
//! Text and attribute values all pass through `escape`, so the output is XML whatever the input.
//!
//! A link to an anchor is written as a pair of markers (`\0<n\0` … `\0>n\0`): the anchor may
//! come later in the essay or live in another essay, and is settled once it is known.
//! NUL never survives escaping, so no text can forge a marker.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use super::Context;
use super::links::{self, Target};
use crate::book::{CrossLink, Resource, TocEntry};
use crate::diag::{Diagnostic, Location};
use crate::text::{escape_attr_into, escape_into, id_safe, slug, squash_whitespace};

/// How deep elements may nest in a chapter; deeper quotations, lists and spans are flattened
/// (their content stays). Readers built on libxml2 refuse documents nested 256 deep, and no
/// essay needs forty levels of quotation.
pub const MAX_DEPTH: usize = 40;

/// What an element is, for the nesting limit: what may be flattened, what must follow its
/// parent (a list item stands or goes with its list).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Can be flattened: quotations, lists, tables, divisions, phrasing.
    Nesting,
    /// Never nests in itself (`p`, `pre`, headings): always written.
    Leaf,
    /// Written only inside a written parent (`li` in `ul`, `td` in `tr`…).
    Child,
}

fn shape(name: &str) -> Shape {
    match name {
        "p" | "pre" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Shape::Leaf,
        "li" | "dt" | "dd" | "thead" | "tbody" | "tfoot" | "tr" | "td" | "th" | "caption"
        | "colgroup" => Shape::Child,
        _ => Shape::Nesting,
    }
}

/// Where the backlink goes in a note whose first block is a paragraph.
const NOTE_BACKLINK: &str = "\0N\0";

/// A link to an anchor, written as markers until the anchor is known.
struct AnchorLink {
    /// `None`: an anchor of this essay; `Some(id)`: of the essay `id`.
    essay: Option<String>,
    fragment: String,
    title: Option<String>,
    /// Where the link was written: made into a location only when there is something to say.
    at: usize,
}

struct Heading {
    saved: String,
    level: u8,
    explicit_id: Option<String>,
    class: Option<String>,
    plain: String,
}

struct Note {
    saved: String,
    label: String,
    /// Where its definition starts in the essay.
    at: usize,
    first_block_seen: bool,
}

enum OpenLink {
    /// An `<a>` was written: `</a>`, or the end marker `n`.
    Tag(Option<usize>),
    /// The link was dropped: only its text is written.
    Dropped,
}

pub struct Writer<'a> {
    ctx: &'a Context<'a>,
    out: String,
    heading: Option<Heading>,
    note: Option<Note>,
    /// Rendered note bodies by label, with where each definition starts.
    note_bodies: HashMap<String, (String, usize)>,
    /// Second definitions of a label, kept (unnumbered) so that nothing in them is lost.
    duplicate_notes: Vec<(String, (String, usize))>,
    /// Labels in order of first reference; a note's number is its place here + 1.
    note_order: Vec<String>,
    note_numbers: HashMap<String, usize>,
    note_refs: HashMap<String, usize>,
    /// Note definitions met inside a note (or a heading): their content joins the outer one.
    nested_notes: usize,
    links: Vec<OpenLink>,
    /// For each written link: where its text starts in `out`, and its address.
    link_texts: Vec<(usize, String)>,
    /// The open elements: whether each was written (see [`MAX_DEPTH`]).
    open: Vec<bool>,
    depth: usize,
    flattened: bool,
    /// Note references met inside a link (an `<a>` cannot hold another), written after it.
    after_link: String,
    used_ids: HashSet<String>,
    /// For each base of an id that was taken twice, the last number given to it.
    id_counters: HashMap<String, usize>,
    anchors: HashMap<String, String>,
    anchor_links: Vec<AnchorLink>,
    toc: Vec<TocEntry>,
    resources: Vec<Resource>,
    images: usize,
    images_without_alt: usize,
    diags: Vec<Diagnostic>,
    /// Added to every heading level (1 when the body uses `#` for its sections).
    shift: u8,
}

/// What [`Writer::finish`] hands back.
pub struct Written {
    pub body: String,
    pub toc: Vec<TocEntry>,
    pub images: usize,
    pub images_without_alt: usize,
    pub anchors: HashMap<String, String>,
    pub cross_links: Vec<CrossLink>,
    pub resources: Vec<Resource>,
    pub diags: Vec<Diagnostic>,
}

impl<'a> Writer<'a> {
    pub fn new(ctx: &'a Context<'a>, mut prelude: String, shift: u8) -> Self {
        // XHTML is a little longer than its Markdown: one allocation, not a series of doublings.
        prelude.reserve(ctx.source.text.len() + ctx.source.text.len() / 4);
        Writer {
            ctx,
            out: prelude,
            heading: None,
            note: None,
            note_bodies: HashMap::new(),
            duplicate_notes: Vec::new(),
            note_order: Vec::new(),
            note_numbers: HashMap::new(),
            note_refs: HashMap::new(),
            nested_notes: 0,
            links: Vec::new(),
            link_texts: Vec::new(),
            open: Vec::new(),
            depth: 0,
            flattened: false,
            after_link: String::new(),
            used_ids: HashSet::new(),
            id_counters: HashMap::new(),
            anchors: HashMap::new(),
            anchor_links: Vec::new(),
            toc: Vec::new(),
            resources: Vec::new(),
            images: 0,
            images_without_alt: 0,
            diags: Vec::new(),
            shift,
        }
    }

    pub fn warn(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// The essay's Markdown.
    pub fn source(&self) -> &str {
        &self.ctx.source.text
    }

    pub fn location(&self, at: usize) -> Location {
        let text = &self.ctx.source.text;
        // An offset is always the converter's own, but a location must never panic.
        let mut at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let end = text[at..]
            .char_indices()
            .nth(1)
            .map_or(text.len(), |(i, _)| at + i);
        self.ctx.source.location(at..end)
    }

    /// A new id from a local name: `{chapter}_{name}`. Chapter ids are unique in the book and
    /// hold no `_`, so these are unique in the book too. The converter's own ids (notes and
    /// their references) are `{chapter}-…`, a namespace no name of the author's can reach.
    fn unique_id(&mut self, local: &str) -> String {
        let base = if local.is_empty() { "section" } else { local };
        let mut name = base.to_string();
        // The next number to try for this base: twenty thousand headings called "Notes" count
        // up once, not from 2 each time.
        let mut n = self.id_counters.get(base).copied().unwrap_or(1);
        while !self.used_ids.insert(name.clone()) {
            n += 1;
            name = format!("{base}-{n}");
        }
        if n > 1 {
            self.id_counters.insert(base.to_string(), n);
        }
        format!("{}_{name}", self.ctx.essay_id)
    }

    /// Registers a name a link may use for an id; the first holder of a name keeps it.
    fn anchor(&mut self, name: &str, id: &str) {
        if !name.is_empty() {
            self.anchors
                .entry(name.to_string())
                .or_insert_with(|| id.to_string());
        }
    }

    fn in_link(&self) -> bool {
        self.links.iter().any(|l| matches!(l, OpenLink::Tag(_)))
    }

    // ---- generic elements -------------------------------------------------------------

    /// `<name attrs…>`; attribute values are escaped here, names must be trusted.
    pub fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let written = match shape(name) {
            Shape::Leaf => true,
            Shape::Child => self.open.last().copied().unwrap_or(true),
            Shape::Nesting => self.depth < MAX_DEPTH,
        };
        self.open.push(written);
        if !written {
            if !self.flattened {
                self.flattened = true;
                self.diags.push(
                    Diagnostic::warning(
                        "too-deep",
                        format!("elements nested more than {MAX_DEPTH} deep are flattened"),
                    )
                    .in_file(&self.ctx.source.path),
                );
            }
            return;
        }
        self.depth += 1;
        self.out.push('<');
        self.out.push_str(name);
        self.attrs(attrs);
        self.out.push('>');
        if let Some(note) = &mut self.note
            && !note.first_block_seen
        {
            note.first_block_seen = true;
            if name == "p" {
                self.out.push_str(NOTE_BACKLINK);
            }
        }
    }

    /// `<name attrs…/>`
    pub fn void(&mut self, name: &str, attrs: &[(&str, &str)]) {
        if let Some(note) = &mut self.note {
            note.first_block_seen = true;
        }
        self.out.push('<');
        self.out.push_str(name);
        self.attrs(attrs);
        self.out.push_str("/>");
    }

    fn attrs(&mut self, attrs: &[(&str, &str)]) {
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            escape_attr_into(&mut self.out, v);
            self.out.push('"');
        }
    }

    pub fn end(&mut self, name: &str) {
        if !self.open.pop().unwrap_or(false) {
            return;
        }
        self.depth -= 1;
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        // A line break after each block keeps the files (and their diffs) readable.
        if is_block(name) {
            self.out.push('\n');
        }
    }

    pub fn text(&mut self, s: &str) {
        if let Some(h) = &mut self.heading {
            h.plain.push_str(s);
        }
        escape_into(&mut self.out, s);
    }

    /// Text for the table of contents only (the alt text of an image in a heading).
    fn plain_only(&mut self, s: &str) {
        if let Some(h) = &mut self.heading {
            h.plain.push_str(s);
        }
    }

    /// An element id from raw HTML (`<span id="x">`): made unique, linkable as `#x`.
    pub fn element_id(&mut self, requested: &str) -> String {
        let requested = requested.trim();
        let id = self.unique_id(&id_safe(requested));
        self.anchor(requested, &id);
        id
    }

    // ---- headings -----------------------------------------------------------------------

    pub fn heading_start(&mut self, level: u8, explicit_id: Option<&str>, class: Option<&str>) {
        if let Some(note) = &mut self.note {
            note.first_block_seen = true;
        }
        let saved = std::mem::take(&mut self.out);
        self.heading = Some(Heading {
            saved,
            level: level.saturating_add(self.shift).clamp(2, 6),
            explicit_id: explicit_id
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            class: class
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            plain: String::new(),
        });
    }

    pub fn heading_end(&mut self) {
        let Some(h) = self.heading.take() else { return };
        let inner = std::mem::replace(&mut self.out, h.saved);
        let plain = squash_whitespace(&h.plain);
        let auto = slug(&plain);
        let id = match &h.explicit_id {
            Some(explicit) => {
                let id = self.unique_id(&id_safe(explicit));
                self.anchor(explicit, &id);
                id
            }
            None => self.unique_id(&auto),
        };
        // Links written by hand use our slug, GitHub's or pandoc's: all three lead here.
        self.anchor(&auto, &id);
        self.anchor(&links::github_slug(&plain), &id);
        let tag = h.level;
        let _ = write!(self.out, "<h{tag} id=\"{id}\"");
        if let Some(class) = &h.class {
            self.out.push_str(" class=\"");
            escape_into(&mut self.out, class);
            self.out.push('"');
        }
        let _ = writeln!(self.out, ">{inner}</h{tag}>");
        if self.note.is_none() && h.level <= self.ctx.toc_depth && !plain.is_empty() {
            self.toc.push(TocEntry {
                level: h.level,
                title: plain,
                id,
            });
        }
    }

    // ---- links --------------------------------------------------------------------------

    pub fn link_start(&mut self, href: &str, title: Option<&str>, at: usize) {
        if self.in_link() {
            // Raw HTML can nest links; XHTML cannot. The inner one keeps its text only.
            self.links.push(OpenLink::Dropped);
            return;
        }
        let title = title
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let open = match links::resolve(self.ctx, href) {
            Target::External(url) => {
                self.out.push_str(&open_tag(&url, title.as_deref()));
                OpenLink::Tag(None)
            }
            Target::Chapter {
                essay,
                fragment: None,
            } => {
                self.out
                    .push_str(&open_tag(&format!("{essay}.xhtml"), title.as_deref()));
                OpenLink::Tag(None)
            }
            Target::Chapter {
                essay,
                fragment: Some(fragment),
            } => {
                let n = self.anchor_links.len();
                let essay = (essay != self.ctx.essay_id).then_some(essay);
                self.anchor_links.push(AnchorLink {
                    essay,
                    fragment,
                    title,
                    at,
                });
                let _ = write!(self.out, "\0<{n}\0");
                OpenLink::Tag(Some(n))
            }
            Target::Drop(problem) => {
                let d = problem.diagnostic(href).at(self.location(at));
                self.diags.push(d);
                OpenLink::Dropped
            }
        };
        if matches!(open, OpenLink::Tag(_)) {
            self.link_texts.push((self.out.len(), href.to_string()));
        }
        self.links.push(open);
    }

    pub fn link_end(&mut self) {
        if matches!(self.links.last(), Some(OpenLink::Tag(_)))
            && let Some((start, href)) = self.link_texts.pop()
            && !has_text(&self.out[start.min(self.out.len())..])
        {
            // A link must say where it leads (a screen reader reads its text): an empty one
            // shows its address.
            let shown = href.strip_prefix("mailto:").unwrap_or(&href).to_string();
            escape_into(&mut self.out, &shown);
        }
        match self.links.pop() {
            Some(OpenLink::Tag(Some(n))) => {
                let _ = write!(self.out, "\0>{n}\0");
            }
            Some(OpenLink::Tag(None)) => self.out.push_str("</a>"),
            Some(OpenLink::Dropped) | None => {}
        }
        if !self.in_link() && !self.after_link.is_empty() {
            let refs = std::mem::take(&mut self.after_link);
            self.out.push_str(&refs);
        }
    }

    // ---- images -------------------------------------------------------------------------

    pub fn image(
        &mut self,
        src: &str,
        alt: &str,
        title: Option<&str>,
        class: Option<&str>,
        at: usize,
    ) {
        let alt = squash_whitespace(alt);
        self.plain_only(&alt);
        let origin = self.location(at);
        match links::image(self.ctx, src) {
            Ok(found) => {
                self.images += 1;
                if alt.is_empty() {
                    self.images_without_alt += 1;
                    self.diags.push(
                        Diagnostic::warning("image-alt", format!("the image `{src}` has no alt text"))
                            .at(origin.clone())
                            .help("describe it, `![what it shows](path)`, so that every reader can follow"),
                    );
                }
                for note in found.notes {
                    self.diags.push(note.at(origin.clone()));
                }
                let (w, h) = crate::media::dimensions(&found.data).unwrap_or((0, 0));
                for problem in crate::media::reader_limits(w, h, found.data.len()) {
                    let size = if w > 0 {
                        format!("{w}×{h} pixels, {}", crate::media::size(found.data.len()))
                    } else {
                        crate::media::size(found.data.len())
                    };
                    self.diags.push(
                        Diagnostic::warning(
                            "image-size",
                            format!("the image `{src}` ({size}) {problem}"),
                        )
                        .at(origin.clone())
                        .help("Apple Books and Kobo may refuse it: scale it down (2000 pixels on the long side is plenty)"),
                    );
                }
                let src = format!("../{}", found.href);
                let mut attrs = vec![("src", src.as_str()), ("alt", alt.as_str())];
                if let Some(t) = title.map(str::trim).filter(|t| !t.is_empty()) {
                    attrs.push(("title", t));
                }
                if let Some(c) = class {
                    attrs.push(("class", c));
                }
                self.void("img", &attrs);
                if !self.resources.iter().any(|r| r.href == found.href) {
                    self.resources.push(Resource {
                        href: found.href,
                        media_type: found.media_type,
                        data: Arc::new(found.data),
                    });
                }
            }
            Err(d) => {
                self.diags.push(d.at(origin));
                if !alt.is_empty() {
                    self.out.push_str("<span class=\"image-alt\">");
                    escape_into(&mut self.out, &alt);
                    self.out.push_str("</span>");
                } else if let Ok(url) = crate::weburl::check(src)
                    && url.starts_with("http")
                {
                    // A remote picture with nothing to say in its place: the reader gets its
                    // address, as a link, rather than an empty paragraph.
                    if self.in_link() {
                        escape_into(&mut self.out, &url);
                    } else {
                        self.out.push_str(&open_tag(&url, None));
                        escape_into(&mut self.out, &url);
                        self.out.push_str("</a>");
                    }
                }
            }
        }
    }

    // ---- notes --------------------------------------------------------------------------

    pub fn note_ref(&mut self, label: &str) {
        let number = match self.note_numbers.get(label) {
            Some(&n) => n,
            None => {
                self.note_order.push(label.to_string());
                self.note_numbers
                    .insert(label.to_string(), self.note_order.len());
                self.note_order.len()
            }
        };
        let count = self.note_refs.entry(label.to_string()).or_insert(0);
        *count += 1;
        let eid = self.ctx.essay_id;
        let ref_id = if *count == 1 {
            format!("{eid}-fnref-{number}")
        } else {
            format!("{eid}-fnref-{number}-{count}")
        };
        let html = format!(
            "<a class=\"noteref\" epub:type=\"noteref\" role=\"doc-noteref\" id=\"{ref_id}\" href=\"#{eid}-fn-{number}\">{number}</a>"
        );
        if self.in_link() {
            self.after_link.push_str(&html);
        } else {
            self.out.push_str(&html);
        }
    }

    /// Starts writing a note's body aside. Notes do not nest: a definition inside another
    /// (or inside a heading) adds its content to the outer one.
    pub fn note_start(&mut self, label: &str, at: usize) -> bool {
        if self.note.is_some() || self.heading.is_some() {
            self.nested_notes += 1;
            return false;
        }
        let saved = std::mem::take(&mut self.out);
        self.note = Some(Note {
            saved,
            label: label.to_string(),
            at,
            first_block_seen: false,
        });
        true
    }

    pub fn note_end(&mut self) {
        if self.nested_notes > 0 {
            self.nested_notes -= 1;
            return;
        }
        let Some(note) = self.note.take() else { return };
        let body = std::mem::replace(&mut self.out, note.saved);
        match self.note_bodies.entry(note.label) {
            std::collections::hash_map::Entry::Occupied(e) => {
                self.duplicate_notes
                    .push((e.key().clone(), (body, note.at)));
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert((body, note.at));
            }
        }
    }

    // ---- the end ------------------------------------------------------------------------

    /// Appends the notes, settles links to anchors of this essay, and hands everything back.
    pub fn finish(mut self, notes_label: &str) -> Written {
        // Whatever the input, nothing stays open.
        while !self.links.is_empty() {
            self.link_end();
        }
        self.heading_end();
        self.nested_notes = 0;
        self.note_end();
        self.write_notes(notes_label);

        // What each marker becomes: an `<a>` (local anchors), a renumbered marker (anchors in
        // other essays, settled later), or nothing (broken anchors: the text stays).
        let mut cross_links = Vec::new();
        let mut replacement: Vec<Replacement> = Vec::with_capacity(self.anchor_links.len());
        for link in std::mem::take(&mut self.anchor_links) {
            match link.essay {
                Some(essay) => {
                    replacement.push(Replacement::Marker(cross_links.len()));
                    cross_links.push(CrossLink {
                        essay,
                        fragment: link.fragment,
                        title: link.title,
                        origin: self.location(link.at),
                    });
                }
                None => match lookup(|n| self.anchors.get(n).map(String::as_str), &link.fragment) {
                    Some(id) => replacement.push(Replacement::Tag(open_tag(
                        &format!("#{id}"),
                        link.title.as_deref(),
                    ))),
                    None => {
                        self.diags.push(
                            Diagnostic::warning(
                                "broken-anchor",
                                format!("`#{}` is not an anchor of this essay; the link is kept as plain text", link.fragment),
                            )
                            .at(self.location(link.at)),
                        );
                        replacement.push(Replacement::Text);
                    }
                },
            }
        }
        let body = if replacement.is_empty() {
            self.out
        } else {
            rewrite_markers(&self.out, |n, open| match replacement.get(n) {
                Some(Replacement::Tag(tag)) => {
                    if open {
                        tag.clone()
                    } else {
                        "</a>".into()
                    }
                }
                Some(Replacement::Marker(m)) => marker(*m, open),
                Some(Replacement::Text) | None => String::new(),
            })
        };
        Written {
            body,
            toc: self.toc,
            images: self.images,
            images_without_alt: self.images_without_alt,
            anchors: self.anchors,
            cross_links,
            resources: self.resources,
            diags: self.diags,
        }
    }

    /// The notes, in order of first reference, each an `<aside>` that starts with its
    /// number linking back to the reference: reading systems show them as pop-ups, and where
    /// they cannot, the notes read as a numbered list at the end of the essay. A note that is
    /// never referenced is kept, unnumbered, at the end (references inside it stay valid).
    fn write_notes(&mut self, notes_label: &str) {
        if self.note_order.is_empty()
            && self.note_bodies.is_empty()
            && self.duplicate_notes.is_empty()
        {
            return;
        }
        let eid = self.ctx.essay_id;
        self.out
            .push_str("<section class=\"footnotes\" epub:type=\"footnotes\" aria-label=\"");
        escape_into(&mut self.out, notes_label);
        self.out.push_str("\">");
        for (i, label) in std::mem::take(&mut self.note_order).iter().enumerate() {
            let n = i + 1;
            let back = format!(
                "<a class=\"note-number\" href=\"#{eid}-fnref-{n}\" role=\"doc-backlink\">{n}</a>"
            );
            let _ = write!(
                self.out,
                "<aside class=\"footnote\" epub:type=\"footnote\" role=\"doc-footnote\" id=\"{eid}-fn-{n}\">"
            );
            let body = self.note_bodies.remove(label).unwrap_or_default().0;
            match body.split_once(NOTE_BACKLINK) {
                Some((before, after)) => {
                    let _ = write!(self.out, "{before}{back} {after}");
                }
                None => {
                    let _ = write!(self.out, "<p class=\"note-label\">{back}</p>{body}");
                }
            }
            self.out.push_str("</aside>\n");
        }
        let mut unused: Vec<_> = self.note_bodies.drain().collect();
        unused.sort_by_key(|(_, (_, at))| *at);
        let unused = unused.into_iter().map(|n| (n, "is never referenced"));
        let duplicates = std::mem::take(&mut self.duplicate_notes)
            .into_iter()
            .map(|n| (n, "is defined twice"));
        for ((label, (body, at)), why) in unused.chain(duplicates) {
            let d = Diagnostic::warning(
                "unused-note",
                format!(
                    "the footnote `[^{label}]` {why}; it is printed, unnumbered, after the others"
                ),
            )
            .at(self.location(at));
            self.diags.push(d);
            // Not a footnote: no reference leads to it, and readers that show notes only as
            // pop-ups would hide it.
            let _ = writeln!(
                self.out,
                "<div class=\"footnote unreferenced\">{}</div>",
                body.replace(NOTE_BACKLINK, "")
            );
        }
        self.out.push_str("</section>\n");
    }
}

/// Whether written XHTML shows any text: characters outside tags and link markers, or an
/// image's alt text.
fn has_text(xhtml: &str) -> bool {
    let mut rest = xhtml;
    while let Some(c) = rest.chars().next() {
        let skip_to = |rest: &str, end: char| rest[1..].find(end).map_or(rest.len(), |i| i + 2);
        match c {
            '<' => {
                let n = skip_to(rest, '>');
                let tag = &rest[..n];
                if tag.starts_with("<img") && !tag.contains("alt=\"\"") {
                    return true;
                }
                rest = &rest[n..];
            }
            // A link marker (`\0<n\0`) is no text.
            '\0' => rest = &rest[skip_to(rest, '\0')..],
            c if c.is_whitespace() => rest = &rest[c.len_utf8()..],
            _ => return true,
        }
    }
    false
}

/// Elements after which a line break is insignificant whitespace.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "blockquote"
            | "pre"
            | "ul"
            | "ol"
            | "li"
            | "dl"
            | "dt"
            | "dd"
            | "table"
            | "thead"
            | "tbody"
            | "tfoot"
            | "tr"
            | "div"
            | "section"
            | "aside"
            | "header"
            | "footer"
            | "figure"
            | "article"
            | "address"
            | "caption"
            | "figcaption"
    )
}

enum Replacement {
    Tag(String),
    Marker(usize),
    Text,
}

/// The id an anchor name leads to, `get` being the essay's anchors: as written, or as the slug
/// of what was written.
pub fn lookup<'m>(get: impl Fn(&str) -> Option<&'m str>, fragment: &str) -> Option<&'m str> {
    let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    get(fragment)
        .or_else(|| get(decoded.as_ref()))
        .or_else(|| get(&slug(&decoded)))
}

pub fn marker(n: usize, open: bool) -> String {
    if open {
        format!("\0<{n}\0")
    } else {
        format!("\0>{n}\0")
    }
}

pub fn open_tag(href: &str, title: Option<&str>) -> String {
    let mut s = String::from("<a href=\"");
    escape_into(&mut s, href);
    s.push('"');
    if let Some(t) = title {
        s.push_str(" title=\"");
        escape_into(&mut s, t);
        s.push('"');
    }
    s.push('>');
    s
}

/// Replaces each link marker in `text` with `f(number, is_start_tag)`.
pub fn rewrite_markers(text: &str, mut f: impl FnMut(usize, bool) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('\0') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(j) = after.find('\0') else {
            rest = after;
            break;
        };
        let marker = &after[..j];
        let open = marker.starts_with('<');
        if let Some(n) = marker.get(1..).and_then(|n| n.parse().ok()) {
            out.push_str(&f(n, open));
        }
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    out
}
