//! What the converter promises, as a check that tests and fuzz targets share: converting any
//! text as an essay gives a chapter that parses as XML, with unique, namespaced ids, fragment
//! links that lead somewhere, no link inside a link, and nothing active.

use std::collections::{HashMap, HashSet};

use super::{Context, convert, settle_cross_links};
use crate::book::Chapter;
use crate::book::EssayMeta;
use crate::diag::{Diagnostic, SourceFile};
use crate::paths::Root;

/// A 1×1 PNG, `x.png` in the fixture's folder, so that generated images can be found.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde\0\0\0\x0cIDATx\x9cc\xf8\xcf\xc0\0\0\x03\x01\x01\0\xc9\xfe\x92\xef\0\0\0\0IEND\xaeB`\x82";

/// A collection folder with the essays `e.md` (being converted) and `other.md`.
pub struct Fixture {
    _dir: tempfile::TempDir,
    root: Root,
    essays: HashMap<&'static str, &'static str>,
}

impl Fixture {
    /// The folder, in a new temporary folder.
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(dir.path().join("x.png"), PNG).expect("write x.png");
        let root = Root::new(dir.path()).expect("the temporary folder");
        let essays = HashMap::from([("e.md", "e"), ("other.md", "other")]);
        Fixture {
            _dir: dir,
            root,
            essays,
        }
    }

    /// Converts `markdown` as the essay `e.md` and settles its links into other essays
    /// (none of whose anchors exist).
    pub fn convert(&self, markdown: &str) -> (Option<Chapter>, Vec<Diagnostic>) {
        let source = SourceFile::new("e.md", markdown.to_string());
        let ctx = Context {
            essay_id: "e",
            essay_rel: "e.md",
            root: &self.root,
            essays: &self.essays,
            source: &source,
            book_language: "en",
            toc_depth: 3,
            labels: crate::labels::for_language("en"),
            measure: true,
        };
        let meta = EssayMeta {
            title: Some("A Title".into()),
            ..EssayMeta::default()
        };
        let mut diags = Vec::new();
        let mut chapter = convert(&ctx, &meta, &mut diags);
        if let Some(c) = &mut chapter {
            settle_cross_links(c, &HashMap::new(), &mut diags);
        }
        (chapter, diags)
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture::new()
    }
}

/// Checks a chapter body as the assembler will wrap it; the error says what is wrong.
pub fn check_sound(body: &str) -> Result<(), String> {
    if body.contains('\0') {
        return Err("an unsettled link marker is left".into());
    }
    let page = format!(
        "<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\"><body>{body}</body></html>"
    );
    let doc = roxmltree::Document::parse(&page).map_err(|e| format!("not XML: {e}"))?;
    let mut ids = HashSet::new();
    for node in doc.descendants().filter(roxmltree::Node::is_element) {
        let name = node.tag_name().name();
        if matches!(
            name,
            "script" | "iframe" | "object" | "embed" | "form" | "style" | "meta" | "base" | "link"
        ) {
            return Err(format!("<{name}> survived"));
        }
        for attr in node.attributes() {
            if attr.name().starts_with("on") || attr.name() == "style" {
                return Err(format!("the attribute {} survived", attr.name()));
            }
            // The scheme as a browser reads it: spaces and control characters inside ignored.
            let url: String = attr
                .value()
                .chars()
                .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
                .collect::<String>()
                .to_ascii_lowercase();
            let is_url = matches!(attr.name(), "href" | "src" | "cite" | "action" | "data");
            if is_url
                && ["javascript:", "data:", "vbscript:", "file:"]
                    .iter()
                    .any(|s| url.starts_with(s))
            {
                return Err(format!("the URL {url} survived"));
            }
        }
        if let Some(id) = node.attribute("id") {
            if !ids.insert(id.to_string()) {
                return Err(format!("the id {id} appears twice"));
            }
            // `e_…`: the author's names; `e-…`: the converter's own (notes).
            if !(id == "e" || id.starts_with("e_") || id.starts_with("e-")) {
                return Err(format!("the id {id} is not namespaced by its essay"));
            }
        }
        if node.has_tag_name("a") && node.ancestors().skip(1).any(|a| a.has_tag_name("a")) {
            return Err("a link inside a link".into());
        }
    }
    for node in doc.descendants().filter(|n| n.has_tag_name("a")) {
        if let Some(fragment) = node.attribute("href").and_then(|h| h.strip_prefix('#'))
            && !ids.contains(fragment)
        {
            return Err(format!("the link #{fragment} leads nowhere"));
        }
    }
    let depth = doc
        .descendants()
        .map(|n| n.ancestors().count())
        .max()
        .unwrap_or(0);
    if depth > super::writer::MAX_DEPTH + 10 {
        return Err(format!("elements nest {depth} deep"));
    }
    Ok(())
}

/// Checks that a chapter converted from `markdown` is faithful where it matters most: no
/// position marker or name of the converter's own reaches the page, and no word that the
/// author hid in an HTML comment does. What is hidden is decided by an independent reading:
/// pulldown-cmark's own HTML renderer, parsed by html5ever into its reference DOM
/// (markup5ever_rcdom), as a browser would show that HTML — the words inside comment nodes
/// that appear nowhere else (no text node, no attribute value).
pub fn check_faithful(markdown: &str, body: &str) -> Result<(), String> {
    let names = super::html::Names::for_source(markdown);
    if let Some(name) = names.all().into_iter().find(|n| body.contains(n)) {
        return Err(format!("the converter's own name {name} reached the page"));
    }
    let hidden = hidden_words(markdown);
    if hidden.is_empty() {
        return Ok(());
    }
    let page = format!(
        "<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\"><body>{body}</body></html>"
    );
    let doc = roxmltree::Document::parse(&page).map_err(|e| format!("not XML: {e}"))?;
    for node in doc.descendants() {
        let shown = node.text().filter(|_| node.is_text()).into_iter().chain(
            node.attributes()
                .filter(|a| matches!(a.name(), "alt" | "title"))
                .map(|a| a.value()),
        );
        for text in shown {
            if let Some(word) = words(text).find(|w| hidden.contains(*w)) {
                return Err(format!("`{word}`, hidden in a comment, reached the page"));
            }
        }
    }
    Ok(())
}

/// Words of three letters or more.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
}

/// The words a browser hides in comments of pulldown-cmark's rendering of `markdown`.
fn hidden_words(markdown: &str) -> HashSet<String> {
    use html5ever::tendril::TendrilSink;
    use markup5ever_rcdom::{Handle, NodeData, RcDom};

    let mut html = String::new();
    let parser = pulldown_cmark::Parser::new_ext(markdown, super::markdown::options());
    pulldown_cmark::html::push_html(&mut html, parser);
    let context =
        html5ever::QualName::new(None, html5ever::ns!(html), html5ever::local_name!("body"));
    let dom = html5ever::parse_fragment(
        RcDom::default(),
        html5ever::ParseOpts::default(),
        context,
        Vec::new(),
        false,
    )
    .one(html);
    let (mut in_comments, mut elsewhere) = (HashSet::new(), HashSet::new());
    let mut stack: Vec<Handle> = vec![dom.document];
    while let Some(node) = stack.pop() {
        match &node.data {
            NodeData::Comment { contents } => {
                in_comments.extend(words(contents).map(str::to_string));
            }
            NodeData::Text { contents } => {
                elsewhere.extend(words(&contents.borrow()).map(str::to_string));
            }
            NodeData::Element { attrs, .. } => {
                for a in attrs.borrow().iter() {
                    elsewhere.extend(words(&a.value).map(str::to_string));
                }
            }
            _ => {}
        }
        stack.extend(node.children.borrow().iter().cloned());
    }
    in_comments.retain(|w| !elsewhere.contains(w));
    in_comments
}
