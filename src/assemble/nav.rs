//! Navigation documents: `nav.xhtml` (EPUB 3: table of contents and landmarks) and
//! `toc.ncx` (EPUB 2 readers), both from the same [`Outline`].

use std::fmt::Write;

use super::outline::{Node, Outline};
use super::pages::page_with;
use crate::book::BookMeta;
use crate::labels::Labels;
use crate::text::escape;

/// A landmark: an `epub:type` and the page it points at.
pub struct Landmark<'a> {
    pub kind: &'static str,
    pub label: &'a str,
    pub href: &'a str,
}

/// Writes `nav.xhtml` into `out`.
pub fn nav(
    out: &mut impl Write,
    meta: &BookMeta,
    labels: &Labels,
    outline: &Outline,
    landmarks: &[Landmark],
) {
    page_with(out, &meta.language, labels.contents, "nav", 0, |out| {
        let _ = writeln!(
            out,
            "<nav epub:type=\"toc\" id=\"toc\" role=\"doc-toc\" aria-labelledby=\"toc-title\"><h1 id=\"toc-title\">{}</h1>",
            escape(labels.contents)
        );
        nav_list(out, &outline.nodes);
        let _ = out.write_str("</nav>\n");
        let _ = write!(
            out,
            "<nav epub:type=\"landmarks\" id=\"landmarks\" hidden=\"hidden\" aria-labelledby=\"landmarks-title\"><h2 id=\"landmarks-title\">{}</h2>\n<ol>\n",
            escape(labels.landmarks)
        );
        for l in landmarks {
            let _ = writeln!(
                out,
                "<li><a epub:type=\"{}\" href=\"{}\">{}</a></li>",
                l.kind,
                escape(l.href),
                escape(l.label)
            );
        }
        let _ = out.write_str("</ol>\n</nav>");
    });
}

/// The nested lists of `nodes`. Recursive: an outline is at most seven deep (a part, an
/// essay, five levels of headings).
fn nav_list(out: &mut impl Write, nodes: &[Node]) {
    let _ = out.write_str("<ol>\n");
    for node in nodes {
        let _ = write!(
            out,
            "<li><a href=\"{}\">{}</a>",
            escape(&node.href),
            escape(node.title)
        );
        let children = node.children();
        if children.is_empty() {
            let _ = out.write_str("</li>\n");
        } else {
            let _ = out.write_char('\n');
            nav_list(out, &children);
            let _ = out.write_str("</li>\n");
        }
    }
    let _ = out.write_str("</ol>\n");
}

/// How many levels the NCX nests: as many as Kindle shows.
const NCX_DEPTH: usize = 2;

/// Writes `toc.ncx` into `out`.
pub fn ncx(out: &mut impl Write, meta: &BookMeta, outline: &Outline) {
    let _ = out.write_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
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
    let mut order = 0;
    nav_points(out, &outline.nodes, 1, &mut order);
    let _ = out.write_str("</navMap>\n</ncx>\n");
}

/// The NCX's points for `nodes` at `level`; below [`NCX_DEPTH`], a node's descendants follow
/// it as its siblings.
fn nav_points(out: &mut impl Write, nodes: &[Node], level: usize, order: &mut usize) {
    for node in nodes {
        *order += 1;
        let _ = write!(
            out,
            "<navPoint id=\"nav-{order}\" playOrder=\"{order}\"><navLabel><text>{}</text></navLabel><content src=\"{}\"/>",
            escape(node.title),
            escape(&node.href)
        );
        let children = node.children();
        if level < NCX_DEPTH {
            let _ = out.write_char('\n');
            nav_points(out, &children, level + 1, order);
            let _ = out.write_str("</navPoint>\n");
        } else {
            let _ = out.write_str("</navPoint>\n");
            nav_points(out, &children, level, order);
        }
    }
}
