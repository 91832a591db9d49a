//! Kobo's flavour of EPUB (`.kepub.epub`), made from the built book. Kobo's reader keeps
//! highlights, bookmarks and reading statistics only in books whose text is cut into
//! numbered spans, `<span class="koboSpan" id="kobo.P.S">` (paragraph P, segment S), inside
//! `div#book-columns > div#book-inner`. This module adds that markup to each page of the
//! reading order, as Kobo's own tools do, and copies every other file of the container as it
//! is (`mimetype` first and stored, the same fixed timestamps).
//!
//! It works on the finished EPUB rather than inside the assembler: the spans are a quirk of
//! one reader, not part of the book; the EPUB and the kepub are the same book by construction;
//! and the pages are changed by splicing markup into the text the assembler wrote (roxmltree
//! keeps every node's byte range), so nothing else in them can change.

use std::io::{Read, Seek, Write};
use std::ops::Range;

use zip::{CompressionMethod, ZipArchive};

use crate::assemble::container::{Entry, Method, ZipOut};
use crate::text::escape_into;

const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// Kobo's own style tweak (it inserts one as well), reduced to what does no harm: its
/// columns should not add margins of their own.
const KOBO_STYLE: &str = "div#book-inner { margin-top: 0; margin-bottom: 0; }";

#[derive(Debug, thiserror::Error)]
pub enum KepubError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("{file}: {message}")]
    Page { file: String, message: String },
}

/// Writes the Kobo edition of `epub` to `out`.
pub fn convert<R: Read + Seek, W: Write>(epub: R, out: W) -> Result<W, KepubError> {
    let mut archive = ZipArchive::new(epub)?;
    let pages = reading_order(&mut archive)?;
    let mut zip = ZipOut::new(out);
    for i in 0..archive.len() {
        let name = archive.by_index_raw(i)?.name()?.to_string();
        let entry = if pages.contains(&name) {
            let mut text = String::new();
            archive.by_index(i)?.read_to_string(&mut text)?;
            let page = spans(&text).map_err(|message| KepubError::Page {
                file: name.clone(),
                message,
            })?;
            Entry::deflated(name, &[page.as_bytes()])
        } else {
            let mut raw = archive.by_index_raw(i)?;
            let method = match raw.compression() {
                CompressionMethod::Stored => Method::Stored,
                CompressionMethod::Deflated => Method::Deflated,
                other => {
                    return Err(KepubError::Page {
                        file: name,
                        message: format!("unexpected compression {other}"),
                    });
                }
            };
            let (crc, size) = (raw.crc32(), raw.size());
            let mut data = Vec::with_capacity(raw.compressed_size() as usize);
            raw.read_to_end(&mut data)?;
            Entry::raw(name, method, crc, size, data)
        };
        zip.add(&entry)?;
    }
    Ok(zip.finish()?)
}

/// The XHTML pages of the spine, as paths inside the container (the navigation document is
/// not in the spine: its lists must stay plain for reading systems).
fn reading_order<R: Read + Seek>(archive: &mut ZipArchive<R>) -> Result<Vec<String>, KepubError> {
    let read = |archive: &mut ZipArchive<R>, name: &str| -> Result<String, KepubError> {
        let mut text = String::new();
        archive.by_name(name)?.read_to_string(&mut text)?;
        Ok(text)
    };
    let bad = |file: &str, message: &str| KepubError::Page {
        file: file.to_string(),
        message: message.to_string(),
    };
    let container = read(archive, "META-INF/container.xml")?;
    let doc = roxmltree::Document::parse(&container)
        .map_err(|e| bad("META-INF/container.xml", &e.to_string()))?;
    let opf_path = doc
        .descendants()
        .find(|n| n.has_tag_name("rootfile"))
        .and_then(|n| n.attribute("full-path"))
        .ok_or_else(|| bad("META-INF/container.xml", "no rootfile"))?
        .to_string();
    let opf = read(archive, &opf_path)?;
    let doc = roxmltree::Document::parse(&opf).map_err(|e| bad(&opf_path, &e.to_string()))?;
    let folder = opf_path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let items: std::collections::HashMap<&str, (&str, &str)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("item"))
        .filter_map(|n| {
            Some((
                n.attribute("id")?,
                (n.attribute("href")?, n.attribute("media-type")?),
            ))
        })
        .collect();
    Ok(doc
        .descendants()
        .filter(|n| n.has_tag_name("itemref"))
        .filter_map(|n| items.get(n.attribute("idref")?))
        .filter(|(_, media_type)| *media_type == "application/xhtml+xml")
        .map(|(href, _)| {
            if folder.is_empty() {
                (*href).to_string()
            } else {
                format!("{folder}/{href}")
            }
        })
        .collect())
}

/// Counts paragraphs and segments through one page, as Kobo numbers them.
#[derive(Default)]
struct Counter {
    paragraph: usize,
    segment: usize,
    /// A block (`p`, a list, a table) has begun: the next span opens a new paragraph.
    pending: bool,
}

impl Counter {
    fn open(&mut self, out: &mut String) {
        if self.pending {
            self.paragraph += 1;
            self.segment = 0;
            self.pending = false;
        }
        self.segment += 1;
        out.push_str("<span class=\"koboSpan\" id=\"kobo.");
        out.push_str(&self.paragraph.to_string());
        out.push('.');
        out.push_str(&self.segment.to_string());
        out.push_str("\">");
    }
}

/// One page with Kobo's markup: the style tweak at the end of `head`, the two `div`s around
/// the body's content, each sentence of text and each image in a numbered span. Text in
/// `pre`, `script`, `style`, audio, video, SVG and MathML stays as it is.
fn spans(page: &str) -> Result<String, String> {
    let doc = roxmltree::Document::parse_with_options(
        page,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let html = doc.root_element();
    let child = |name: &str| {
        html.children()
            .find(|n| n.tag_name().name() == name && n.tag_name().namespace() == Some(XHTML_NS))
    };
    let (Some(head), Some(body)) = (child("head"), child("body")) else {
        return Err("not an XHTML page (no head or body)".into());
    };
    if doc
        .descendants()
        .any(|n| n.attribute("class") == Some("koboSpan"))
    {
        return Ok(page.to_string());
    }

    // Every change is a range of the page replaced by new text, found in document order.
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let head_end = closing_tag(page, head.range(), "head")?;
    edits.push((
        head_end..head_end,
        format!("<style type=\"text/css\" id=\"kobostylehacks\">{KOBO_STYLE}</style>\n"),
    ));
    let body_end = closing_tag(page, body.range(), "body")?;
    let body_start = body
        .first_child()
        .map_or(body_end, |n| n.range().start)
        .min(body_end);
    edits.push((
        body_start..body_start,
        "<div id=\"book-columns\"><div id=\"book-inner\">".to_string(),
    ));

    let mut counter = Counter::default();
    let mut stack: Vec<roxmltree::Node> = body.children().rev().collect();
    while let Some(node) = stack.pop() {
        if node.is_text() {
            let text = node.text().unwrap_or("");
            let in_p = node
                .parent_element()
                .is_some_and(|p| p.tag_name().name() == "p");
            let mut out = String::with_capacity(text.len() + 64);
            for sentence in sentences(text) {
                // Whitespace between blocks stays bare; inside a paragraph it is text.
                if sentence.chars().all(char::is_whitespace) && !in_p {
                    escape_into(&mut out, sentence);
                } else {
                    counter.open(&mut out);
                    escape_into(&mut out, sentence);
                    out.push_str("</span>");
                }
            }
            edits.push((node.range(), out));
        } else if node.is_element() {
            match node.tag_name().name() {
                "img" => {
                    // An image is a paragraph of its own.
                    counter.pending = true;
                    let mut open = String::new();
                    counter.open(&mut open);
                    counter.pending = true;
                    let r = node.range();
                    edits.push((r.start..r.start, open));
                    edits.push((r.end..r.end, "</span>".to_string()));
                }
                "pre" | "script" | "style" | "audio" | "video" | "svg" | "math" => {}
                name => {
                    if matches!(name, "p" | "ol" | "ul" | "table") {
                        counter.pending = true;
                    }
                    stack.extend(node.children().rev());
                }
            }
        }
    }
    edits.push((body_end..body_end, "</div></div>".to_string()));

    let mut out = String::with_capacity(page.len() + page.len() / 4);
    let mut at = 0;
    for (range, text) in edits {
        if range.start < at {
            return Err("overlapping changes (a bug in kepub)".into());
        }
        out.push_str(&page[at..range.start]);
        out.push_str(&text);
        at = range.end;
    }
    out.push_str(&page[at..]);
    Ok(out)
}

/// Where `</name>` begins, at the end of an element's range.
fn closing_tag(page: &str, range: Range<usize>, name: &str) -> Result<usize, String> {
    let tag = format!("</{name}>");
    page[range.clone()]
        .ends_with(&tag)
        .then(|| range.end - tag.len())
        .ok_or_else(|| format!("`<{name}>` has no closing tag"))
}

/// Sentences, each with the punctuation, closing quote and spaces that end it; nothing of
/// the text is lost (`concat` gives it back). A run of marks ends one sentence (`Wait...`).
fn sentences(text: &str) -> Vec<&str> {
    let is_end = |c: char| matches!(c, '.' | '!' | '?' | ':');
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !is_end(c) {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, m)) = chars.peek()
            && is_end(m)
        {
            chars.next();
            end = j + m.len_utf8();
        }
        if let Some(&(j, q)) = chars.peek()
            && matches!(q, '\'' | '"' | '”' | '’' | '“' | '…' | '»' | ')')
        {
            chars.next();
            end = j + q.len_utf8();
        }
        while let Some(&(j, w)) = chars.peek()
            && matches!(w, ' ' | '\t' | '\n' | '\r' | '\u{c}')
        {
            chars.next();
            end = j + 1;
        }
        out.push(&text[start..end]);
        start = end;
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE html>\n\
        <html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\" xml:lang=\"en\">\n<head>\n<title>T</title>\n</head>\n\
        <body class=\"essay\">\n<section><h1 id=\"a_t\">On <em>Walden</em></h1>\n\
        <p>One &amp; two. “Three?” Four: five</p>\n<p><img src=\"../images/a.png\" alt=\"A\"/></p>\n\
        <pre>keep. this.</pre>\n</section>\n</body>\n</html>\n";

    #[test]
    fn sentences_keep_every_character() {
        let text = "He said: “Go.” Then… he went!? Yes... no. ";
        let parts = sentences(text);
        assert_eq!(parts.concat(), text);
        assert_eq!(
            parts,
            ["He said: ", "“Go.” ", "Then… he went!? ", "Yes... ", "no. "]
        );
        assert_eq!(sentences("no end"), ["no end"]);
        assert!(sentences("").is_empty());
    }

    #[test]
    fn page_gets_kobo_markup_and_stays_xml() {
        let out = spans(PAGE).unwrap();
        roxmltree::Document::parse_with_options(
            &out,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}\n{out}"));
        assert!(out.contains("<style type=\"text/css\" id=\"kobostylehacks\">"));
        assert!(out.contains(
            "<body class=\"essay\"><div id=\"book-columns\"><div id=\"book-inner\">\n<section>"
        ));
        assert!(out.contains("</section>\n</div></div></body>"), "{out}");
        assert!(out.contains(
            "<h1 id=\"a_t\"><span class=\"koboSpan\" id=\"kobo.0.1\">On </span><em><span class=\"koboSpan\" id=\"kobo.0.2\">Walden</span></em></h1>"
        ), "{out}");
        assert!(out.contains(
            "<p><span class=\"koboSpan\" id=\"kobo.1.1\">One &amp; two. </span><span class=\"koboSpan\" id=\"kobo.1.2\">“Three?” </span><span class=\"koboSpan\" id=\"kobo.1.3\">Four: </span><span class=\"koboSpan\" id=\"kobo.1.4\">five</span></p>"
        ), "{out}");
        assert!(
            out.contains("<p><span class=\"koboSpan\" id=\"kobo.2.1\"><img src=\"../images/a.png\" alt=\"A\"/></span></p>"),
            "{out}"
        );
        assert!(out.contains("<pre>keep. this.</pre>"));
        // Already converted: left alone.
        assert_eq!(spans(&out).unwrap(), out);
    }
}
