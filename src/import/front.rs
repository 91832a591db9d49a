//! Front matter of imported files, in the three forms blog engines write it — `---` YAML,
//! `+++` TOML (Hugo) and `{ … }` JSON (Hugo) — split from the body and read as plain
//! [`Data`]; and dates as blogs write them, normalised to `YYYY-MM-DD`.

use std::path::Path;

use crate::diag::{Diagnostic, Severity, SourceFile};
use crate::manifest::{Data, parse_data};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Toml,
    Json,
}

/// A file split into its front matter and its body.
#[derive(Debug)]
pub struct Split<'a> {
    pub front: Option<(Format, &'a str)>,
    pub body: &'a str,
    /// Lines of the file before the body (so that messages keep the file's line numbers).
    pub body_line: usize,
}

/// Splits off the front matter. An opening fence that is never closed is an error (the
/// caller decides what to do with the file).
pub fn split(text: &str) -> Result<Split<'_>, Diagnostic> {
    let first = text.split('\n').next().unwrap_or("").trim_end();
    let (format, close) = match first {
        "---" => (Format::Yaml, ["---", "..."]),
        "+++" => (Format::Toml, ["+++", "+++"]),
        "{" => (Format::Json, ["}", "}"]),
        _ => {
            return Ok(Split {
                front: None,
                body: text,
                body_line: 0,
            });
        }
    };
    let start = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut pos = start;
    for (line, l) in (2..).zip(text[start..].split_inclusive('\n')) {
        if close.contains(&l.trim_end()) {
            // JSON front matter is the whole object, braces included.
            let front = if format == Format::Json {
                &text[..pos + l.len()]
            } else {
                &text[start..pos]
            };
            return Ok(Split {
                front: Some((format, front)),
                body: &text[pos + l.len()..],
                body_line: line,
            });
        }
        pos += l.len();
    }
    Err(Diagnostic::warning(
        "import-front-matter",
        format!("the front matter that opens on line 1 with `{first}` is never closed"),
    ))
}

/// Reads front matter (or a site's configuration) as plain data. `line_offset`: lines of the
/// file before `raw`. A problem is a warning (the data is ignored) at the place of the problem.
pub fn parse(
    format: Format,
    raw: &str,
    display: &Path,
    line_offset: usize,
    diags: &mut Vec<Diagnostic>,
) -> Data {
    let as_warning = |mut d: Diagnostic| {
        d.severity = Severity::Warning;
        d.message = format!("{}; it is ignored", d.message);
        d
    };
    match format {
        // JSON is (for front matter, in practice) YAML's flow style.
        Format::Yaml | Format::Json => match parse_data(display, raw, line_offset) {
            Ok(d) => d,
            Err(errors) => {
                diags.extend(errors.into_iter().map(as_warning));
                Data::Null
            }
        },
        Format::Toml => match raw.parse::<toml::Table>() {
            Ok(table) => toml_data(toml::Value::Table(table)),
            Err(e) => {
                let src = SourceFile::with_line_offset(display, raw.to_string(), line_offset);
                let at = e.span().unwrap_or(0..0);
                let message = e.message().trim().to_string();
                diags.push(as_warning(
                    Diagnostic::error("import-front-matter", format!("invalid TOML: {message}"))
                        .at(src.location(at)),
                ));
                Data::Null
            }
        },
    }
}

/// TOML as plain data; dates become their text (`2020-01-02T10:00:00Z`).
pub fn toml_data(value: toml::Value) -> Data {
    match value {
        toml::Value::String(s) => Data::Text(s),
        toml::Value::Integer(i) => Data::Text(i.to_string()),
        toml::Value::Float(f) => Data::Text(f.to_string()),
        toml::Value::Boolean(b) => Data::Bool(b),
        toml::Value::Datetime(d) => Data::Text(d.to_string()),
        toml::Value::Array(items) => Data::List(items.into_iter().map(toml_data).collect()),
        toml::Value::Table(t) => Data::Map(t.into_iter().map(|(k, v)| (k, toml_data(v))).collect()),
    }
}

/// A date as blog engines write it (`2020-01-02`, `2020-01-02 10:00:00 +0100`,
/// `2020-01-02T10:00:00Z`, `2020/01/02`) → `2020-01-02`. Also `2020-01` and `2020`.
pub fn iso_date(s: &str) -> Option<String> {
    let s = s.trim();
    let head: String = s
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '/'))
        .collect();
    let rest = &s[head.len()..];
    // What follows the date must be a time, not more of something else.
    if !(rest.is_empty() || rest.starts_with([' ', 'T', 't'])) {
        return None;
    }
    let parts: Vec<&str> = head.split(['-', '/']).collect();
    let num = |p: &str, len: usize| (p.len() == len).then(|| p.parse::<u32>().ok()).flatten();
    match parts.as_slice() {
        [y] => num(y, 4).map(|y| format!("{y:04}")),
        [y, m] => {
            let (y, m) = (num(y, 4)?, num(m, 2)?);
            (1..=12).contains(&m).then(|| format!("{y:04}-{m:02}"))
        }
        [y, m, d] => {
            let y = num(y, 4)?;
            let m = p2(m)?;
            let d = p2(d)?;
            valid_ymd(y, m, d).then(|| format!("{y:04}-{m:02}-{d:02}"))
        }
        _ => None,
    }
}

/// A month or day of one or two digits.
fn p2(s: &str) -> Option<u32> {
    (1..=2).contains(&s.len()).then(|| s.parse().ok()).flatten()
}

pub fn valid_ymd(y: u32, m: u32, d: u32) -> bool {
    (1..=crate::dates::days_in_month(y, m)).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_three_forms() {
        let s = split("---\ntitle: A\n---\nBody\n").unwrap();
        assert_eq!(s.front, Some((Format::Yaml, "title: A\n")));
        assert_eq!((s.body, s.body_line), ("Body\n", 3));
        let s = split("+++\ntitle = \"A\"\n+++\n\nBody").unwrap();
        assert_eq!(s.front, Some((Format::Toml, "title = \"A\"\n")));
        assert_eq!(s.body, "\nBody");
        let s = split("{\n\"title\": \"A\"\n}\nBody").unwrap();
        assert_eq!(s.front, Some((Format::Json, "{\n\"title\": \"A\"\n}\n")));
        let s = split("# Just a title\n").unwrap();
        assert!(s.front.is_none());
        assert!(split("---\ntitle: A\n").is_err());
    }

    #[test]
    fn reads_toml_and_json() {
        let mut diags = Vec::new();
        let d = parse(
            Format::Toml,
            "title = \"A\"\ndate = 2020-01-02T10:00:00Z\ndraft = true\ntags = [\"x\"]\n",
            Path::new("a.md"),
            1,
            &mut diags,
        );
        assert_eq!(d.text_of(&["title"]).as_deref(), Some("A"));
        assert_eq!(
            iso_date(&d.text_of(&["date"]).unwrap()).as_deref(),
            Some("2020-01-02")
        );
        assert_eq!(d.get("draft").and_then(Data::as_bool), Some(true));
        let d = parse(
            Format::Json,
            "{\n\"title\": \"B\", \"draft\": false\n}\n",
            Path::new("b.md"),
            0,
            &mut diags,
        );
        assert_eq!(d.text_of(&["title"]).as_deref(), Some("B"));
        assert!(diags.is_empty(), "{diags:?}");
        parse(
            Format::Toml,
            "\ntitle = \n",
            Path::new("c.md"),
            1,
            &mut diags,
        );
        assert_eq!(diags.len(), 1);
        assert!(!diags[0].is_error());
        assert!(diags[0].to_string().contains("c.md:3"), "{}", diags[0]);
    }

    #[test]
    fn dates() {
        for (raw, want) in [
            ("2020-01-02", Some("2020-01-02")),
            ("2020-01-02 10:00:00 +0100", Some("2020-01-02")),
            ("2020-01-02T10:00:00Z", Some("2020-01-02")),
            ("2020/1/2", Some("2020-01-02")),
            ("2020-02-30", None),
            ("2020-05", Some("2020-05")),
            ("2021", Some("2021")),
            ("yesterday", None),
            ("2020-01-02x", None),
        ] {
            assert_eq!(iso_date(raw).as_deref(), want, "{raw}");
        }
    }
}
