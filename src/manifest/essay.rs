//! Reading one essay: bytes → UTF-8 text with LF line endings → front matter (merged with the
//! manifest's overrides) and the Markdown body, which keeps its real line numbers.

use std::path::Path;

use serde_yaml::Value;

use super::EssayRef;
use super::raw::{self, FRONT_MATTER_KEYS};
use super::yaml::Doc;
use crate::book::{Epigraph, EssayKind, EssayMeta, Inline};
use crate::diag::{Diagnostic, SourceFile, location_in};
use crate::paths::Root;

/// An essay read from disk, ready for the converter.
#[derive(Debug, Clone)]
pub struct EssaySource {
    pub meta: EssayMeta,
    /// The Markdown after the front matter; line numbers are those of the file.
    pub body: SourceFile,
}

/// Reads and splits an essay. Problems go to `diags`; `None` when the essay cannot be used.
pub fn read(root: &Root, essay: &EssayRef, diags: &mut Vec<Diagnostic>) -> Option<EssaySource> {
    let display = &root.shown(&essay.file.rel);
    let bytes = match root.read(&essay.file) {
        Ok(b) => b,
        Err(e) => {
            diags.push(
                Diagnostic::error("unreadable", format!("cannot read the essay: {e}"))
                    .in_file(display),
            );
            return None;
        }
    };
    let text = match decode(bytes, display) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let (front, body, body_line) = match split_front_matter(&text) {
        Ok(parts) => parts,
        Err(d) => {
            diags.push(d.in_file(display));
            return None;
        }
    };
    let mut meta = match front {
        Some(yaml) => parse_front_matter(display, yaml, diags)?,
        None => EssayMeta::default(),
    };
    // The manifest's word is final.
    if let Some(given) = &essay.given {
        if let Some(t) = &given.title {
            meta.title = Some(t.clone());
        }
        if let Some(s) = &given.subtitle {
            meta.subtitle = Some(s.clone());
        }
        if let Some(a) = &given.authors {
            meta.authors = a.clone();
        }
    }
    meta.kind = essay.kind;
    let body = SourceFile::with_line_offset(display.clone(), body.to_string(), body_line);
    Some(EssaySource { meta, body })
}

/// UTF-8 (with or without BOM) → text with LF line endings. Anything else is an error that
/// names the file and the first bad byte.
pub fn decode(mut bytes: Vec<u8>, display: &Path) -> Result<String, Diagnostic> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(
            Diagnostic::error("encoding", "the file is UTF-16, not UTF-8")
                .in_file(display)
                .help("save it as UTF-8 (for example `iconv -f UTF-16 -t UTF-8`)"),
        );
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let bytes = e.as_bytes();
            let offset = e.utf8_error().valid_up_to();
            let line_start = bytes[..offset]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
            let prefix = String::from_utf8_lossy(&bytes[line_start..offset]);
            let line_end = bytes[offset..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| offset + i);
            let snippet = String::from_utf8_lossy(&bytes[line_start..line_end]).into_owned();
            return Err(Diagnostic::error(
                "encoding",
                format!(
                    "the file is not UTF-8: byte 0x{:02X} at offset {offset}",
                    bytes[offset]
                ),
            )
            .at({
                // The snippet is the offending line alone: place it, then give its real number.
                let mut loc = location_in(display, &snippet, 1, prefix.chars().count() + 1, 1);
                loc.line = Some(line);
                loc
            })
            .help(
                "save it as UTF-8 (for example `iconv -f WINDOWS-1252 -t UTF-8 in.md > out.md`)",
            ));
        }
    };
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    })
}

/// Splits `---`-fenced YAML front matter from the body: (front matter, body, lines before body).
pub(super) fn split_front_matter(text: &str) -> Result<(Option<&str>, &str, usize), Diagnostic> {
    let first_line = text.split('\n').next().unwrap_or("");
    if first_line.trim_end() != "---" || !text.contains('\n') {
        return Ok((None, text, 0));
    }
    let yaml_start = first_line.len() + 1;
    let mut pos = yaml_start;
    let mut line = 1;
    for l in text[yaml_start..].split_inclusive('\n') {
        line += 1;
        let bare = l.trim_end();
        if bare == "---" || bare == "..." {
            let body_start = pos + l.len();
            return Ok((Some(&text[yaml_start..pos]), &text[body_start..], line));
        }
        pos += l.len();
    }
    Err(Diagnostic::error(
        "front-matter",
        "the front matter that opens on line 1 is never closed",
    )
    .help("end it with a line holding only `---`"))
}

pub(super) fn parse_front_matter(
    display: &Path,
    yaml: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<EssayMeta> {
    let (doc, value) = match Doc::parse(display, yaml, 1) {
        Ok(parsed) => parsed,
        Err(errors) => {
            diags.extend(errors);
            return None;
        }
    };
    match &value {
        Value::Null => return Some(EssayMeta::default()),
        Value::Mapping(_) => {}
        _ => {
            diags.push(
                Diagnostic::error(
                    "front-matter",
                    "the front matter must be a list of `key: value` lines",
                )
                .at(doc.value_at("")),
            );
            return None;
        }
    }
    doc.unknown_keys(
        &value,
        "",
        FRONT_MATTER_KEYS,
        "the front matter",
        false,
        diags,
    );
    if let Some(e) = value.get("epigraph") {
        doc.unknown_keys(
            e,
            "epigraph",
            raw::EPIGRAPH_KEYS,
            "`epigraph`",
            false,
            diags,
        );
    }
    if !doc.names(&value, "", &["author", "authors"], diags) {
        return None;
    }
    let fm: raw::FrontMatter = match doc.typed(&value) {
        Ok(fm) => fm,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let mut authors = fm.authors.map(raw::OneOrMany::into_vec).unwrap_or_default();
    authors.extend(fm.author.map(raw::OneOrMany::into_vec).unwrap_or_default());
    let authors: Vec<String> = authors
        .iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    let language = fm.language.map(|t| t.0.trim().to_string());
    if let Some(tag) = &language
        && let Err((reason, guess)) = crate::language::check(tag)
    {
        let mut d = Diagnostic::error(
            "language",
            format!("`{tag}` is not a valid BCP 47 language tag: {reason}"),
        )
        .at(doc.value_at("language"));
        if let Some(g) = guess {
            d = d.help(format!("did you mean `{g}`?"));
        }
        diags.push(d);
        return None;
    }
    let clean = |t: Option<raw::Text>| t.map(|t| t.0.trim().to_string()).filter(|s| !s.is_empty());
    let epigraph = match fm.epigraph {
        None => None,
        Some(raw::Epigraph::Text(t)) => clean(Some(t)).map(|t| (t, None)),
        Some(raw::Epigraph::Full { text, cite }) => clean(Some(text)).map(|t| (t, clean(cite))),
    };
    if value.get("epigraph").is_some() && epigraph.is_none() {
        diags.push(
            Diagnostic::warning("empty", "the epigraph has no text; it is left out")
                .at(doc.value_at("epigraph"))
                .help("write `epigraph: {text: \"…\", cite: \"…\"}`"),
        );
    }
    let epigraph = epigraph.map(|(text, cite)| Epigraph {
        text: Inline::plain(&text),
        cite: cite.map(|c| Inline::plain(&c)),
    });
    Some(EssayMeta {
        title: clean(fm.title),
        subtitle: clean(fm.subtitle),
        authors,
        date: clean(fm.date),
        language,
        source: clean(fm.source),
        rights: clean(fm.rights),
        epigraph,
        kind: EssayKind::Chapter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_keeps_lines() {
        let text = "---\ntitle: A\n---\n# A\n\nBody\n";
        let (fm, body, lines) = split_front_matter(text).unwrap();
        assert_eq!(fm, Some("title: A\n"));
        assert_eq!(body, "# A\n\nBody\n");
        assert_eq!(lines, 3);
    }

    #[test]
    fn no_front_matter() {
        let (fm, body, lines) = split_front_matter("# Title\n---\n").unwrap();
        assert_eq!((fm, body, lines), (None, "# Title\n---\n", 0));
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        assert!(split_front_matter("---\ntitle: A\n\nBody\n").is_err());
    }

    #[test]
    fn decode_reports_offset() {
        let err = decode(b"ok\nna\xefve\n".to_vec(), Path::new("e.md")).unwrap_err();
        assert!(err.message.contains("offset 5"), "{}", err.message);
        let loc = err.location.unwrap();
        assert_eq!((loc.line, loc.col), (Some(2), Some(3)));
    }

    #[test]
    fn decode_strips_bom_and_crlf() {
        let text = decode(b"\xEF\xBB\xBFa\r\nb\rc".to_vec(), Path::new("e.md")).unwrap();
        assert_eq!(text, "a\nb\nc");
    }
}
