//! SVG images, cleaned. An SVG file is a document that can carry scripts, event handlers,
//! embedded HTML and references to files on the web; a book's picture needs none of them
//! (and EPUBCheck refuses a scripted or remote-referencing image that the OPF does not
//! declare). The file is parsed as XML and written back with only SVG (and XLink) elements and
//! attributes, minus the active and external ones.

use std::fmt::Write as _;

use roxmltree::{Document, Node, NodeType, ParsingOptions};

use crate::css;
use crate::text::{escape_into, strip_forbidden};

const SVG: &str = "http://www.w3.org/2000/svg";
const XLINK: &str = "http://www.w3.org/1999/xlink";
const XML: &str = "http://www.w3.org/XML/1998/namespace";

/// Elements removed with everything inside them.
const REMOVED: &[&str] = &[
    "script",
    "foreignObject",
    "iframe",
    "audio",
    "video",
    "handler",
    "listener",
    "discard",
];

/// An SVG written back clean, and what was taken out of it.
pub struct CleanSvg {
    pub data: Vec<u8>,
    pub removed: Vec<String>,
}

/// Parses and cleans an SVG image; the error says why it is not one.
pub fn clean(data: &[u8]) -> Result<CleanSvg, String> {
    let text = std::str::from_utf8(data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data))
        .map_err(|e| format!("it is not UTF-8 (byte {})", e.valid_up_to()))?;
    let options = ParsingOptions {
        allow_dtd: true,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options)
        .map_err(|e| format!("it is not well-formed XML: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" || root.tag_name().namespace() != Some(SVG) {
        return Err("its root element is not `<svg>` in the SVG namespace".into());
    }
    let mut out = String::with_capacity(text.len());
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let mut removed = Vec::new();
    write(root, &mut out, &mut removed);
    removed.sort();
    removed.dedup();
    Ok(CleanSvg {
        data: out.into_bytes(),
        removed,
    })
}

/// An animation that changes a link target can smuggle one in (`<set attributeName="href">`).
fn animates_a_link(node: Node) -> bool {
    matches!(node.tag_name().name(), "set" | "animate")
        && node
            .attribute("attributeName")
            .is_some_and(|a| a.ends_with("href"))
}

/// A reference inside the document (`#id`), the only kind a book's image may make.
fn internal(url: &str) -> bool {
    url.trim_start().starts_with('#')
}

/// The CSS of an attribute cleaned, with what was removed from it.
fn attribute_css(value: &str) -> css::Cleaned {
    css::clean(value, css::Use::SvgAttribute)
}

fn write(root: Node, out: &mut String, removed: &mut Vec<String>) {
    enum Step<'a, 'i> {
        Enter(Node<'a, 'i>),
        Close(&'a str),
    }
    let mut stack = vec![Step::Enter(root)];
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Close(name) => {
                let _ = write!(out, "</{name}>");
                continue;
            }
            Step::Enter(node) => node,
        };
        match node.node_type() {
            NodeType::Text => escape_into(out, node.text().unwrap_or("")),
            NodeType::Element => {
                let name = node.tag_name().name();
                if node.tag_name().namespace() != Some(SVG) {
                    // Editors' metadata, embedded HTML: not part of the picture.
                    removed.push(format!("<{name}>"));
                    continue;
                }
                if REMOVED.contains(&name) || animates_a_link(node) {
                    removed.push(format!("<{name}>"));
                    continue;
                }
                if name == "style" {
                    style(node, out, removed);
                    continue;
                }
                // A link in a picture leads nowhere a reader can go: its content stays.
                let unwrap = name == "a";
                if !unwrap {
                    let _ = write!(out, "<{name}");
                    if node.is_root() || node.parent().is_some_and(|p| p.is_root()) {
                        let _ = write!(out, " xmlns=\"{SVG}\" xmlns:xlink=\"{XLINK}\"");
                    }
                    attributes(node, out, removed);
                    out.push('>');
                    stack.push(Step::Close(name));
                }
                stack.extend(node.children().rev().map(Step::Enter));
            }
            _ => {}
        }
    }
}

fn attributes(node: Node, out: &mut String, removed: &mut Vec<String>) {
    for attr in node.attributes() {
        let (prefix, ns_ok) = match attr.namespace() {
            None => ("", true),
            Some(XLINK) => ("xlink:", true),
            Some(XML) => ("xml:", true),
            Some(_) => ("", false),
        };
        let name = attr.name();
        // Checked as it will be written: a character XML writing drops (a C1 control) must
        // not hide a `url(` from the check and then vanish (`u&#x85;rl(`).
        let value = &*strip_forbidden(attr.value());
        // Attributes of other namespaces (editors' metadata) and event handlers go.
        let drop = if !ns_ok || name.to_ascii_lowercase().starts_with("on") {
            Some(format!("{name}="))
        } else if name == "href" && !internal(value) {
            Some("an external href".to_string())
        } else if name == "style" {
            // Declarations: the rest of them stay.
            let cleaned = attribute_css(value);
            for r in &cleaned.removed {
                removed.push(format!("{} in style=", r.what));
            }
            let _ = write!(out, " {prefix}{name}=\"");
            escape_into(out, &cleaned.css);
            out.push('"');
            continue;
        } else if !attribute_css(value).removed.is_empty() {
            // A presentation attribute (`fill`, `filter`, `cursor`…) is a CSS value: one that
            // loads a file goes whole, and the default takes its place.
            Some(format!("{name}=url(…)"))
        } else {
            None
        };
        match drop {
            Some(what) => removed.push(what),
            None => {
                let _ = write!(out, " {prefix}{name}=\"");
                escape_into(out, value);
                out.push('"');
            }
        }
    }
}

/// A `<style>` element: its CSS is the text of all its text children (an XML comment between
/// them hides nothing), cleaned; an element inside is no CSS and goes.
fn style(node: Node, out: &mut String, removed: &mut Vec<String>) {
    let mut text = String::new();
    for child in node.children() {
        match child.node_type() {
            NodeType::Text => text.push_str(child.text().unwrap_or("")),
            NodeType::Element => removed.push(format!("<{}> in <style>", child.tag_name().name())),
            _ => {}
        }
    }
    // As for attributes: cleaned as it will be written, without what XML writing drops.
    let cleaned = css::clean(&strip_forbidden(&text), css::Use::SvgSheet);
    for r in &cleaned.removed {
        removed.push(format!("{} in <style>", r.what));
    }
    out.push_str("<style");
    attributes(node, out, removed);
    out.push('>');
    escape_into(out, &cleaned.css);
    out.push_str("</style>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_picture_and_drops_the_rest() {
        let svg = br##"<?xml version="1.0"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="10" height="10" onload="alert(1)">
  <script>alert(2)</script>
  <defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient></defs>
  <circle r="4" cx="5" cy="5" fill="url(#g)" inkscape:label="c" onclick="x()"/>
  <image xlink:href="https://evil.example/x.png" width="1" height="1"/>
  <use xlink:href="#g"/>
  <a href="https://example.org"><text x="1" y="9">A &amp; B</text></a>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">html</div></foreignObject>
  <set attributeName="href" to="javascript:alert(3)"/>
  <style>@import url(https://evil.example/x.css);</style>
</svg>"##;
        let clean = clean(svg).unwrap();
        let text = String::from_utf8(clean.data).unwrap();
        for gone in [
            "alert",
            "script",
            "onload",
            "onclick",
            "evil.example",
            "inkscape",
            "foreignObject",
            "<a ",
            "<set",
            "@import",
        ] {
            assert!(!text.contains(gone), "{gone} survived:\n{text}");
        }
        for kept in [
            "<circle",
            "fill=\"url(#g)\"",
            "xlink:href=\"#g\"",
            "<text x=\"1\" y=\"9\">A &amp; B</text>",
            "stop-color=\"red\"",
        ] {
            assert!(text.contains(kept), "{kept} was lost:\n{text}");
        }
        assert!(roxmltree::Document::parse(&text).is_ok(), "{text}");
        assert!(!clean.removed.is_empty());
    }

    /// The CSS of a `<style>` is all its text, whatever splits it; what it loads goes, the
    /// rest stays, and so does the rest of a `style=""`.
    #[test]
    fn styles_are_read_whole_and_cleaned() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\">\
            <style><!-- x -->@import url(https://e.vil/a.css);<![CDATA[@\\69mport 'https://e.vil/b.css';]]>\
            @imp&#x85;ort 'https://e.vil/c.css';<g>@import 'd.css';</g>circle { fill: url(#g) }</style>\
            <circle style=\"fill: \\75 rl(https://e.vil/x.svg#g); stroke: red\" cursor=\"u&#x85;rl(https://e.vil/c.cur)\" \
            filter=\"URL('#f')\" mask=\"\\75 rl(m.svg#m)\"/></svg>";
        let clean = clean(svg.as_bytes()).unwrap();
        let text = String::from_utf8(clean.data).unwrap();
        assert!(
            !text.contains("e.vil") && !text.contains("mport") && !text.contains("m.svg"),
            "{text}"
        );
        for kept in [
            "circle { fill: url(#g) }</style>",
            "style=\"fill: none; stroke: red\"",
            "filter=\"URL('#f')\"",
        ] {
            assert!(text.contains(kept), "{kept} was lost:\n{text}");
        }
        assert_eq!(
            clean.removed,
            [
                "<g> in <style>",
                "`@import` in <style>",
                "`url()` in style=",
                "cursor=url(…)",
                "mask=url(…)"
            ]
        );
    }

    #[test]
    fn refuses_what_is_not_svg() {
        assert!(clean(b"<svg><unclosed></svg>").is_err());
        assert!(clean(b"<html xmlns=\"http://www.w3.org/1999/xhtml\"/>").is_err());
        assert!(clean(b"\xff\xfe<").is_err());
    }
}
