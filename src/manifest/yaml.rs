//! YAML with positions. serde_yaml parses and types the document; a second pass over
//! yaml-rust2's marked events records where every key and value sits, so that problems found
//! after typing (an unknown key, a bad language tag, a missing file) point at `line:col`. That
//! pass is made only when a place is first asked for: most documents have nothing to report.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_yaml::Value;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diag::{Diagnostic, Location, did_you_mean, location_in};

/// Where a key or value starts: 1-based line and column, and its width in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
    pub width: usize,
}

/// A YAML text and its path, with an index from value paths (`contents[2].file`) to positions.
pub struct Doc<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    /// Lines before `text` in the real file (front matter starts after the `---` line).
    pub line_offset: usize,
    index: OnceCell<Index>,
}

/// Where the keys and values of a document are.
struct Index {
    keys: HashMap<String, Pos>,
    values: HashMap<String, Pos>,
    duplicates: Vec<(String, Pos)>,
    /// Where each line of the text starts: a place is found without reading the text from the
    /// top (a manifest of 10,000 essays places each of them).
    line_starts: Vec<usize>,
}

impl<'a> Doc<'a> {
    /// Parses `text` into a `Value`, reporting a syntax error (or keys given twice) at its place.
    pub fn parse(
        path: &'a Path,
        text: &'a str,
        line_offset: usize,
    ) -> Result<(Self, Value), Vec<Diagnostic>> {
        let doc = Doc {
            path,
            text,
            line_offset,
            index: OnceCell::new(),
        };
        match serde_yaml::from_str(text) {
            Ok(value) => Ok((doc, value)),
            // serde_yaml names a duplicate key but places it at 1:1; the index knows where.
            Err(e) if e.to_string().contains("duplicate") && !doc.index().duplicates.is_empty() => {
                Err(doc.duplicate_keys())
            }
            Err(e) => {
                let (mut line, mut col) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
                let (message, context) = syntax_message(&e.to_string());
                // At the end of the file, the place where the unclosed construct opened says more.
                let blank = text
                    .lines()
                    .nth(line.saturating_sub(1))
                    .is_none_or(|l| l.trim().is_empty());
                if let (true, Some((l, c))) = (blank, context) {
                    (line, col) = (l, c);
                }
                Err(vec![
                    Diagnostic::error("yaml-syntax", format!("invalid YAML: {message}"))
                        .at(location_in(path, text, line, col, 1))
                        .at_line_offset(line_offset),
                ])
            }
        }
    }

    /// The index, made by a second parse the first time it is needed.
    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let mut index = Indexer::default();
            // Both parsers accept the same documents in practice; should yaml-rust2 refuse one
            // that serde_yaml takes, problems are still reported, only without a line.
            let _ = Parser::new_from_str(self.text).load(&mut index, false);
            Index {
                keys: index.keys,
                values: index.values,
                duplicates: index.duplicates,
                line_starts: crate::diag::line_starts(self.text),
            }
        })
    }

    /// Types the document parsed as `value`, reporting the first type error at its place.
    pub fn typed<T: DeserializeOwned>(&self, value: &Value) -> Result<T, Diagnostic> {
        // Typed from the tree already parsed; only a document that does not type is parsed
        // again, for serde_yaml's message with its place.
        if let Ok(typed) = T::deserialize(value) {
            return Ok(typed);
        }
        serde_yaml::from_str(self.text).map_err(|e| {
            let (line, col) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
            let raw = strip_position(&e.to_string());
            let message = match raw.split_once(": ") {
                Some((path, rest)) if !path.contains(' ') => format!("`{path}`: {rest}"),
                _ => raw,
            };
            let message = message
                .replace(
                    "did not match any variant of untagged enum Item",
                    "is not a path, an essay `{file: …}` or a part `{part: …, essays: […]}`",
                )
                .replace(
                    "did not match any variant of untagged enum OneOrMany",
                    "must be a name or a list of names",
                );
            Diagnostic::error("yaml-type", message)
                .at(location_in(self.path, self.text, line, col, 1))
                .at_line_offset(self.line_offset)
        })
    }

    /// The location of the value at `path`, or of its key, or the file.
    pub fn value_at(&self, path: &str) -> Location {
        let index = self.index();
        self.locate(index.values.get(path).or_else(|| index.keys.get(path)))
    }

    /// The location of the key at `path` (for unknown keys).
    pub fn key_at(&self, path: &str) -> Location {
        let index = self.index();
        self.locate(index.keys.get(path).or_else(|| index.values.get(path)))
    }

    fn locate(&self, pos: Option<&Pos>) -> Location {
        match pos {
            Some(p) => {
                let line = self
                    .index()
                    .line_starts
                    .get(p.line.saturating_sub(1))
                    .map_or("", |&start| {
                        let rest = &self.text[start..];
                        &rest[..rest.find('\n').unwrap_or(rest.len())]
                    });
                let mut loc = location_in(self.path, line, 1, p.col, p.width);
                loc.line = Some(p.line + self.line_offset);
                loc
            }
            None => Location::file(self.path),
        }
    }

    /// Keys given twice in one mapping.
    fn duplicate_keys(&self) -> Vec<Diagnostic> {
        self.index()
            .duplicates
            .iter()
            .map(|(path, pos)| {
                let key = path.rsplit('.').next().unwrap_or(path);
                Diagnostic::error("duplicate-key", format!("`{key}` is given twice"))
                    .at(self.locate(Some(pos)))
            })
            .collect()
    }

    /// Checks that each of `keys` in the mapping at `path`, where present, is a name or a list
    /// of names (`authors`, `subjects`), reporting it at its place: serde's own message for
    /// these says neither which key nor where. Returns false after an error.
    pub fn names(
        &self,
        value: &Value,
        path: &str,
        keys: &[&str],
        out: &mut Vec<Diagnostic>,
    ) -> bool {
        let scalar = |v: &Value| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_));
        let mut ok = true;
        for key in keys {
            let Some(v) = value.get(key) else { continue };
            let fine = match v {
                Value::Null => true,
                Value::Sequence(items) => items.iter().all(scalar),
                other => scalar(other),
            };
            if !fine {
                ok = false;
                out.push(
                    Diagnostic::error(
                        "yaml-type",
                        format!("`{key}` must be a name or a list of names"),
                    )
                    .at(self.value_at(&join(path, key))),
                );
            }
        }
        ok
    }

    /// Reports every key of the mapping at `path` that is not in `known`, with a suggestion.
    pub fn unknown_keys(
        &self,
        value: &Value,
        path: &str,
        known: &[&str],
        what: &str,
        severity_error: bool,
        out: &mut Vec<Diagnostic>,
    ) {
        let Value::Mapping(map) = value else { return };
        for key in map.keys() {
            let name = match key {
                Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            };
            if known.contains(&name.as_str()) {
                continue;
            }
            let suggestion = did_you_mean(&name, known.iter().copied());
            // Front matter often carries keys for other tools (layout, tags…): only likely
            // misspellings of ours are worth a warning there.
            if !severity_error && suggestion.is_none() {
                continue;
            }
            let message = format!("unknown key `{name}` in {what}");
            let mut d = if severity_error {
                Diagnostic::error("unknown-key", message)
            } else {
                Diagnostic::warning("unknown-key", message)
            };
            d = d.at(self.key_at(&join(path, &name)));
            d = match suggestion {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!("known keys: {}", known.join(", "))),
            };
            out.push(d);
        }
    }
}

/// `contents[2]` + `file` → `contents[2].file`.
pub fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

pub fn index(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

/// "X at line 4 column 1, while parsing Y at line 3 column 11" → ("X, while parsing Y that
/// starts at line 3, column 11", Some((3, 11))).
fn syntax_message(raw: &str) -> (String, Option<(usize, usize)>) {
    let Some((head, context)) = raw.split_once(", while parsing ") else {
        return (strip_position(raw), None);
    };
    let head = strip_position(head);
    let Some((what, at)) = context.split_once(" at line ") else {
        return (format!("{head}, while parsing {context}"), None);
    };
    let numbers: Vec<usize> = at
        .split(" column ")
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    match numbers.as_slice() {
        [l, c] => (
            format!("{head}, while parsing {what} that starts at line {l}, column {c}"),
            Some((*l, *c)),
        ),
        _ => (format!("{head}, while parsing {what}"), None),
    }
}

/// serde_yaml appends " at line L column C"; the location is shown separately.
fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

impl Diagnostic {
    fn at_line_offset(mut self, offset: usize) -> Self {
        if let Some(loc) = &mut self.location {
            loc.line = loc.line.map(|l| l + offset);
        }
        self
    }
}

/// Builds the path → position maps from yaml-rust2's events.
#[derive(Default)]
struct Indexer {
    stack: Vec<Frame>,
    keys: HashMap<String, Pos>,
    values: HashMap<String, Pos>,
    duplicates: Vec<(String, Pos)>,
}

enum Frame {
    Map {
        path: String,
        key: Option<String>,
        seen: Vec<String>,
    },
    Seq {
        path: String,
        next: usize,
    },
}

impl Indexer {
    /// The path of the node that starts now, or `None` when it is a mapping key.
    fn next_path(&mut self, key_text: Option<&str>, pos: Pos) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, next }) => {
                let p = index(path, *next);
                *next += 1;
                Some(p)
            }
            Some(Frame::Map { path, key, seen }) => match key.take() {
                Some(k) => Some(join(path, &k)),
                None => {
                    // This node is a key. Complex keys (mappings as keys) are recorded as "?".
                    let k = key_text.unwrap_or("?").to_string();
                    let p = join(path, &k);
                    if seen.contains(&k) {
                        self.duplicates.push((p.clone(), pos));
                    } else {
                        // yaml-rust2 marks a block mapping after its first key: the mapping
                        // really starts where that key does.
                        if seen.is_empty()
                            && let Some(start) = self.values.get_mut(path.as_str())
                            && (pos.line, pos.col) < (start.line, start.col)
                        {
                            *start = pos;
                        }
                        seen.push(k.clone());
                    }
                    self.keys.insert(p, pos);
                    *key = Some(k);
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for Indexer {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = |width: usize| Pos {
            line: mark.line(),
            col: mark.col() + 1,
            width: width.max(1),
        };
        match ev {
            Event::Scalar(text, ..) => {
                let width = text.lines().next().map_or(1, |l| l.chars().count());
                let p = pos(width);
                if let Some(path) = self.next_path(Some(&text), p) {
                    self.values.insert(path, p);
                }
            }
            Event::Alias(_) => {
                if let Some(path) = self.next_path(None, pos(1)) {
                    self.values.insert(path, pos(1));
                }
            }
            Event::MappingStart(..) => {
                let path = self.next_path(None, pos(1)).unwrap_or_else(|| "?".into());
                self.values.entry(path.clone()).or_insert(pos(1));
                self.stack.push(Frame::Map {
                    path,
                    key: None,
                    seen: Vec::new(),
                });
            }
            Event::SequenceStart(..) => {
                let path = self.next_path(None, pos(1)).unwrap_or_else(|| "?".into());
                self.values.entry(path.clone()).or_insert(pos(1));
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_keys_and_values() {
        let text = "title: Héllo\ncontents:\n  - a.md\n  - {file: \"x.md\", title: b}\n";
        let (doc, _) = Doc::parse(Path::new("m.yaml"), text, 0).unwrap();
        let title = doc.value_at("title");
        assert_eq!((title.line, title.col), (Some(1), Some(8)));
        let file = doc.value_at("contents[1].file");
        assert_eq!((file.line, file.col), (Some(4), Some(12)));
        let key = doc.key_at("contents[1].title");
        assert_eq!((key.line, key.col), (Some(4), Some(20)));
    }

    #[test]
    fn syntax_error_has_position() {
        let err = Doc::parse(Path::new("m.yaml"), "a: [1,\nb: 2", 0)
            .err()
            .unwrap()
            .remove(0);
        // The error is at the end of the file: the place where the list opened says more.
        let loc = err.location.unwrap();
        assert_eq!((loc.line, loc.col), (Some(1), Some(4)));
        assert!(
            err.message
                .contains("while parsing a flow sequence that starts at line 1"),
            "{}",
            err.message
        );
    }

    #[test]
    fn unknown_keys_suggest() {
        let text = "titel: x\nlanguage: en\n";
        let (doc, value) = Doc::parse(Path::new("m.yaml"), text, 0).unwrap();
        let mut out = Vec::new();
        doc.unknown_keys(
            &value,
            "",
            &["title", "language"],
            "the manifest",
            true,
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].help.as_deref(), Some("did you mean `title`?"));
        assert_eq!(out[0].location.as_ref().unwrap().line, Some(1));
    }

    #[test]
    fn duplicate_keys_are_placed() {
        let errs = Doc::parse(Path::new("m.yaml"), "a: 1\nb:\n  c: 2\n  c: 3\n", 0)
            .err()
            .unwrap();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].message, "`c` is given twice");
        assert_eq!(errs[0].location.as_ref().unwrap().line, Some(4));
    }
}
