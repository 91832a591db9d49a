//! Navigation documents: `nav.xhtml` (EPUB 3: table of contents and landmarks) and
//! `toc.ncx` (EPUB 2 readers), both from the same [`Outline`].

use std::fmt::Write as _;

use super::outline::{Node, Outline};
use super::pages::page;
use crate::book::BookMeta;
use crate::labels::Labels;
use crate::text::escape;

/// A landmark: an `epub:type` and the page it points at.
pub struct Landmark<'a> {
    pub kind: &'static str,
    pub label: &'a str,
    pub href: &'a str,
}

pub fn nav(meta: &BookMeta, labels: &Labels, outline: &Outline, landmarks: &[Landmark]) -> String {
    let mut body = format!(
        "<nav epub:type=\"toc\" id=\"toc\" role=\"doc-toc\" aria-labelledby=\"toc-title\"><h1 id=\"toc-title\">{}</h1>\n",
        escape(labels.contents)
    );
    nav_list(&mut body, &outline.nodes);
    body.push_str("</nav>\n");
    let _ = write!(
        body,
        "<nav epub:type=\"landmarks\" id=\"landmarks\" hidden=\"hidden\" aria-labelledby=\"landmarks-title\"><h2 id=\"landmarks-title\">{}</h2>\n<ol>\n",
        escape(labels.landmarks)
    );
    for l in landmarks {
        let _ = writeln!(
            body,
            "<li><a epub:type=\"{}\" href=\"{}\">{}</a></li>",
            l.kind,
            escape(l.href),
            escape(l.label)
        );
    }
    body.push_str("</ol>\n</nav>");
    let mut out = String::new();
    page(&mut out, &meta.language, labels.contents, "nav", 0, &body);
    out
}

fn nav_list(out: &mut String, nodes: &[Node]) {
    // Iterative: a deeply nested outline cannot exhaust the stack.
    enum Step<'n> {
        Open(&'n Node<'n>),
        Close,
    }
    out.push_str("<ol>\n");
    let mut stack: Vec<Step> = nodes.iter().rev().map(Step::Open).collect();
    while let Some(step) = stack.pop() {
        match step {
            Step::Open(node) => {
                let _ = write!(
                    out,
                    "<li><a href=\"{}\">{}</a>",
                    escape(&node.href),
                    escape(node.title)
                );
                if node.children.is_empty() {
                    out.push_str("</li>\n");
                } else {
                    out.push_str("\n<ol>\n");
                    stack.push(Step::Close);
                    stack.extend(node.children.iter().rev().map(Step::Open));
                }
            }
            Step::Close => out.push_str("</ol>\n</li>\n"),
        }
    }
    out.push_str("</ol>\n");
}

/// How many levels the NCX nests: as many as Kindle shows.
const NCX_DEPTH: usize = 2;

pub fn ncx(meta: &BookMeta, outline: &Outline) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = write!(
        out,
        "<ncx xmlns=\"http://www.daisy.org/z3986/2005/ncx/\" version=\"2005-1\" xml:lang=\"{}\">\n<head>\n\
         <meta name=\"dtb:uid\" content=\"{}\"/>\n<meta name=\"dtb:depth\" content=\"{}\"/>\n\
         <meta name=\"dtb:totalPageCount\" content=\"0\"/>\n<meta name=\"dtb:maxPageNumber\" content=\"0\"/>\n</head>\n\
         <docTitle><text>{}</text></docTitle>\n<navMap>\n",
        escape(&meta.language),
        escape(&meta.identifier),
        outline.depth().clamp(1, NCX_DEPTH),
        escape(&meta.title)
    );
    // Kindle shows two levels of the NCX: what lies deeper is listed, in reading order, at
    // the second level (the nav document keeps the full tree).
    enum Step<'n> {
        Open(&'n Node<'n>, usize),
        /// A node below the NCX's depth, listed without its children (they follow it).
        Leaf(&'n Node<'n>),
        Close,
    }
    let mut order = 0;
    let mut stack: Vec<Step> = outline
        .nodes
        .iter()
        .rev()
        .map(|n| Step::Open(n, 1))
        .collect();
    while let Some(step) = stack.pop() {
        match step {
            Step::Open(node, level) => {
                order += 1;
                let _ = write!(
                    out,
                    "<navPoint id=\"nav-{order}\" playOrder=\"{order}\"><navLabel><text>{}</text></navLabel><content src=\"{}\"/>",
                    escape(node.title),
                    escape(&node.href)
                );
                if level < NCX_DEPTH {
                    out.push('\n');
                    stack.push(Step::Close);
                    stack.extend(node.children.iter().rev().map(|c| Step::Open(c, level + 1)));
                } else {
                    out.push_str("</navPoint>\n");
                    // Its descendants follow it as siblings, in order.
                    let mut flat: Vec<&Node> = Vec::new();
                    let mut pending: Vec<&Node> = node.children.iter().rev().collect();
                    while let Some(n) = pending.pop() {
                        flat.push(n);
                        pending.extend(n.children.iter().rev());
                    }
                    stack.extend(flat.into_iter().rev().map(Step::Leaf));
                }
            }
            Step::Leaf(node) => {
                order += 1;
                let _ = writeln!(
                    out,
                    "<navPoint id=\"nav-{order}\" playOrder=\"{order}\"><navLabel><text>{}</text></navLabel><content src=\"{}\"/></navPoint>",
                    escape(node.title),
                    escape(&node.href)
                );
            }
            Step::Close => out.push_str("</navPoint>\n"),
        }
    }
    out.push_str("</navMap>\n</ncx>\n");
    out
}
