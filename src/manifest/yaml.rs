//! YAML with positions. serde_yaml parses and types the document; a second pass over
//! yaml-rust2's marked events records where every key and value sits, so that problems found
//! after typing (an unknown key, a bad language tag, a missing file) point at `line:col`. That
//! pass is made only when a place is first asked for: most documents have nothing to report.
//! Neither parser sees a text that nests deeper than [`depth::MAX_DEPTH`]: their time grows
//! with the depth (see `depth.rs`). Every pass here is linear in the text.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_yaml::Value;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::depth;
use crate::diag::{Diagnostic, Location, did_you_mean, location_in};

/// Where a key or value starts, as yaml-rust2 tells it: 1-based line and column, and its width
/// in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pos {
    line: usize,
    col: usize,
    width: usize,
}

/// A YAML text and its path, with an index from value paths (`contents[2].file`) to positions.
pub struct Doc<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    /// Lines before `text` in the real file (front matter starts after the `---` line).
    pub line_offset: usize,
    index: OnceCell<Index>,
}

/// Where the keys and values of a document are: a tree of its nodes, each reached from its
/// parent by its key or its position. A node's path is never spelt out: it would repeat its
/// parent's, and a long key above many values would cost their product.
struct Index {
    /// Node 0 is the document.
    nodes: Vec<Node>,
    children: HashMap<(usize, Step), usize>,
    /// Keys given twice in one mapping, and where the second one is.
    duplicates: Vec<(String, Pos)>,
    /// Where each line of the text starts: a place is found without reading the text from the
    /// top (a manifest of 10,000 essays places each of them).
    line_starts: Vec<usize>,
    /// Where each line starts as yaml-rust2 counts them (ended by LF, CRLF or a lone CR).
    yaml_line_starts: Vec<usize>,
    /// The byte offset of every [`CHARS_PER_MARK`]th character, so that a place on a long line
    /// is found without reading the line from its start.
    char_marks: Vec<usize>,
}

const CHARS_PER_MARK: usize = 64;

/// A key and its value, as far as the document gives them.
#[derive(Default)]
struct Node {
    key: Option<Pos>,
    value: Option<Pos>,
}

/// How a node is reached from its parent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Step {
    Key(String),
    Item(usize),
}

/// `contents[2].file` → `contents`, `[2]`, `file`. The paths asked for are made by this
/// module's callers from fixed keys, which hold neither `.` nor `[`.
fn steps(path: &str) -> Vec<Step> {
    let mut out = Vec::new();
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let (name, items) = segment.split_once('[').unwrap_or((segment, ""));
        if !name.is_empty() {
            out.push(Step::Key(name.to_string()));
        }
        for item in items.split('[') {
            if let Ok(n) = item.trim_end_matches(']').parse() {
                out.push(Step::Item(n));
            }
        }
    }
    out
}

impl Index {
    fn node_id(&self, path: &str) -> Option<usize> {
        steps(path)
            .into_iter()
            .try_fold(0, |at, step| self.children.get(&(at, step)).copied())
    }

    fn node(&self, path: &str) -> Option<&Node> {
        self.nodes.get(self.node_id(path)?)
    }

    /// The byte offset of the character at `char_index`.
    /// The index of the character at byte `offset` (a character boundary) of `text`.
    fn char_of(&self, text: &str, offset: usize) -> usize {
        let mark = self.char_marks.partition_point(|&m| m <= offset).max(1) - 1;
        let from = self.char_marks.get(mark).copied().unwrap_or(0).min(offset);
        mark * CHARS_PER_MARK + text[from..offset].chars().count()
    }

    fn byte_of(&self, text: &str, char_index: usize) -> usize {
        let mark = char_index / CHARS_PER_MARK;
        let Some(&from) = self.char_marks.get(mark) else {
            return text.len();
        };
        text[from..]
            .char_indices()
            .nth(char_index % CHARS_PER_MARK)
            .map_or(text.len(), |(i, _)| from + i)
    }
}

/// Characters of a line kept on each side of a place: more than a snippet shows
/// (`diag::location_in` cuts it to its window), so that the cut is the same as the whole
/// line's would be, and a place on a megabyte-long line costs no more than on a short one.
const AROUND: usize = 130;

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
        if let Err(at) = depth::check(text) {
            return Err(vec![
                Diagnostic::error(
                    "yaml-depth",
                    format!(
                        "the YAML nests more than {} levels deep here",
                        depth::MAX_DEPTH
                    ),
                )
                .at(location_in(path, text, at.line, at.col, 1))
                .at_line_offset(line_offset)
                .help(
                    "a bracket or brace may be left unclosed; a manifest needs only a few levels",
                ),
            ]);
        }
        match serde_yaml::from_str(text) {
            Ok(value) => Ok((doc, value)),
            // serde_yaml names a duplicate key but places it at 1:1; the index knows where.
            Err(e) if e.to_string().contains("duplicate") && !doc.index().duplicates.is_empty() => {
                Err(doc.duplicate_keys())
            }
            Err(e) => {
                let at = e
                    .location()
                    .map_or(0, |l| from_libyaml(text, l.line(), l.column()));
                let raw = e.to_string();
                let (mut message, context) = syntax_message(&raw);
                let context = context.map(|(what, l, c)| (what, from_libyaml(text, l, c)));
                if let Some((what, start)) = &context {
                    let (l, c) = line_col(text, *start);
                    message = format!(
                        "{message}, while parsing {what} that starts at line {l}, column {c}"
                    );
                }
                // At the end of the file or on a blank line, the place where the unclosed
                // construct opened says more.
                let (line_start, line_end) = (
                    text[..at].rfind('\n').map_or(0, |i| i + 1),
                    text[at..].find('\n').map_or(text.len(), |i| at + i),
                );
                let blank =
                    text[at..].trim().is_empty() || text[line_start..line_end].trim().is_empty();
                let place = match context {
                    Some((_, start)) if blank => start,
                    _ => at,
                };
                let (line, col) = line_col(text, place);
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
                nodes: index.nodes,
                children: index.children,
                duplicates: index.duplicates,
                line_starts: crate::diag::line_starts(self.text),
                yaml_line_starts: yaml_line_starts(self.text),
                char_marks: self
                    .text
                    .char_indices()
                    .step_by(CHARS_PER_MARK)
                    .map(|(i, _)| i)
                    .collect(),
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
            let at = e
                .location()
                .map_or(0, |l| from_libyaml(self.text, l.line(), l.column()));
            let (line, col) = line_col(self.text, at);
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
        let node = self.index().node(path);
        self.locate(node.and_then(|n| n.value.or(n.key)))
    }

    /// The location of `key` in the mapping at `path` (for unknown keys): the key itself,
    /// found by its text, whatever characters it holds.
    fn key_in(&self, path: &str, key: &str) -> Location {
        let index = self.index();
        let node = index
            .node_id(path)
            .and_then(|at| index.children.get(&(at, Step::Key(key.to_string()))))
            .and_then(|&n| index.nodes.get(n));
        self.locate(node.and_then(|n| n.key.or(n.value)))
    }

    /// A location with the few characters of its line around it: the same as
    /// `location_in` on the whole line, in time that does not grow with the line.
    fn locate(&self, pos: Option<Pos>) -> Location {
        let Some(p) = pos else {
            return Location::file(self.path);
        };
        let index = self.index();
        // The place from yaml-rust2's line and column: its character index is not kept to
        // (after a block scalar it has counted that scalar's bytes, not its characters). Its
        // lines also end at a lone CR, and the end of a text without a final line break is on
        // a line of its own: the place is then told as the rest of the tool counts, lines
        // ending at LF only.
        let y_start = index
            .yaml_line_starts
            .get(p.line.saturating_sub(1))
            .map_or(self.text.len(), |&s| s);
        let y_end = index
            .yaml_line_starts
            .get(p.line)
            .map_or(self.text.len(), |&s| s);
        let at = index
            .byte_of(
                self.text,
                index.char_of(self.text, y_start) + p.col.saturating_sub(1),
            )
            .clamp(y_start, y_end.max(y_start));
        let line = index.line_starts.partition_point(|&s| s <= at).max(1);
        let line_start = index.line_starts.get(line - 1).map_or(0, |&s| s.min(at));
        let column = index.char_of(self.text, at) - index.char_of(self.text, line_start) + 1;
        let from = self.text[line_start..at]
            .char_indices()
            .rev()
            .take(AROUND)
            .last()
            .map_or(at, |(i, _)| line_start + i);
        let to = self.text[at..]
            .char_indices()
            .take_while(|&(_, c)| c != '\n')
            .take(AROUND)
            .last()
            .map_or(at, |(i, c)| at + i + c.len_utf8());
        let window = &self.text[from..to];
        let col = self.text[from..at].chars().count() + 1;
        let mut loc = location_in(self.path, window, 1, col, p.width);
        loc.line = Some(line + self.line_offset);
        loc.col = Some(column);
        loc
    }

    /// Keys given twice in one mapping.
    fn duplicate_keys(&self) -> Vec<Diagnostic> {
        self.index()
            .duplicates
            .iter()
            .map(|(key, pos)| {
                Diagnostic::error("duplicate-key", format!("`{key}` is given twice"))
                    .at(self.locate(Some(*pos)))
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
            d = d.at(self.key_in(path, &name));
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
fn syntax_message(raw: &str) -> (String, Option<(&str, usize, usize)>) {
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
        [l, c] => (head, Some((what, *l, *c))),
        _ => (format!("{head}, while parsing {what}"), None),
    }
}

/// The byte offset of libyaml's line and column (1-based): libyaml also breaks lines at a lone
/// CR, NEL, U+2028 and U+2029, which editors and the rest of the tool do not, and places the
/// end of a text without a final line break on the line after it (the end, here).
fn from_libyaml(text: &str, line: usize, col: usize) -> usize {
    let (mut l, mut c) = (1, 1);
    let mut chars = text.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        if (l, c) >= (line, col) {
            return i;
        }
        let brk = match ch {
            '\r' => chars.peek().is_none_or(|&(_, n)| n != '\n'),
            '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' => true,
            _ => false,
        };
        if brk {
            (l, c) = (l + 1, 1);
        } else {
            c += 1;
        }
    }
    text.len()
}

/// Where each line of `text` starts as yaml-rust2 counts lines: ended by LF, CRLF or a lone CR.
fn yaml_line_starts(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut starts = vec![0];
    for (i, &c) in b.iter().enumerate() {
        if c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')) {
            starts.push(i + 1);
        }
    }
    starts
}

/// The 1-based line (ended by LF) and column (in characters) of byte `at` of `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[start..].chars().count() + 1,
    )
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

/// Builds the tree of positions from yaml-rust2's events.
struct Indexer {
    nodes: Vec<Node>,
    children: HashMap<(usize, Step), usize>,
    stack: Vec<Frame>,
    duplicates: Vec<(String, Pos)>,
}

impl Default for Indexer {
    fn default() -> Self {
        Indexer {
            nodes: vec![Node::default()],
            children: HashMap::new(),
            stack: Vec::new(),
            duplicates: Vec::new(),
        }
    }
}

/// A collection being read: its node, and for a mapping the key whose value comes next.
enum Frame {
    Map { node: usize, key: Option<usize> },
    Seq { node: usize, next: usize },
}

impl Indexer {
    fn new_node(&mut self) -> usize {
        self.nodes.push(Node::default());
        self.nodes.len() - 1
    }

    /// The node of what starts now at `pos`, or `None` when it is a mapping's key (recorded
    /// by its text; a mapping or list used as a key counts as `?`).
    fn next_node(&mut self, key_text: Option<&str>, pos: Pos) -> Option<usize> {
        let (parent, step) = match self.stack.last_mut() {
            // The document (a second document in the stream changes nothing).
            None => return Some(0),
            Some(Frame::Seq { node, next }) => {
                *next += 1;
                (*node, Step::Item(*next - 1))
            }
            Some(Frame::Map { node, key }) => match key.take() {
                Some(value_of) => return Some(value_of),
                None => (*node, Step::Key(key_text.unwrap_or("?").to_string())),
            },
        };
        let is_key = matches!(self.stack.last(), Some(Frame::Map { .. }));
        let child = match self.children.entry((parent, step)) {
            Entry::Occupied(e) => {
                if let (true, Step::Key(k)) = (is_key, &e.key().1) {
                    self.duplicates.push((k.clone(), pos));
                }
                *e.get()
            }
            Entry::Vacant(e) => {
                self.nodes.push(Node::default());
                *e.insert(self.nodes.len() - 1)
            }
        };
        if !is_key {
            return Some(child);
        }
        self.nodes[child].key.get_or_insert(pos);
        // yaml-rust2 marks a block mapping after its first key: the mapping really starts
        // where its first key does.
        if let Some(start) = &mut self.nodes[parent].value
            && (pos.line, pos.col) < (start.line, start.col)
        {
            *start = pos;
        }
        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
            *key = Some(child);
        }
        None
    }

    /// Records where a value starts: the first place given wins.
    fn value(&mut self, node: usize, pos: Pos) {
        self.nodes[node].value.get_or_insert(pos);
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
                if let Some(node) = self.next_node(Some(&text), p) {
                    self.value(node, p);
                }
            }
            Event::Alias(_) => {
                if let Some(node) = self.next_node(None, pos(1)) {
                    self.value(node, pos(1));
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                // A collection used as a key gets a node of its own that no path reaches.
                let node = match self.next_node(None, pos(1)) {
                    Some(node) => node,
                    None => self.new_node(),
                };
                self.value(node, pos(1));
                self.stack.push(if matches!(ev, Event::MappingStart(..)) {
                    Frame::Map { node, key: None }
                } else {
                    Frame::Seq { node, next: 0 }
                });
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
        let key = doc.key_in("contents[1]", "title");
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
    fn places_after_block_scalars_and_lone_carriage_returns_are_right() {
        // yaml-rust2 counts a block scalar's bytes in its character index, and ends a line at
        // a lone CR (found by the `manifest` fuzz target).
        let text = "a: >+\n  é\u{53791}©\n  more ©\nb: |\n  ©©\nc: 1\r\nd: 2\re: 3\nc: 4\n";
        let err = Doc::parse(Path::new("m.yaml"), text, 0)
            .err()
            .unwrap()
            .remove(0);
        let loc = err.location.unwrap();
        assert_eq!((loc.line, loc.col), (Some(8), Some(1)), "{}", err.message);
        let ok = "a: >+\n  é\u{53791}©\nb: 1\rc: x\n";
        let (doc, _) = Doc::parse(Path::new("m.yaml"), ok, 0).unwrap();
        let at = doc.value_at("c");
        assert_eq!((at.line, at.col), (Some(3), Some(9)));
        let at = doc.value_at("b");
        assert_eq!((at.line, at.col), (Some(3), Some(4)));
    }

    #[test]
    fn a_place_on_a_long_line_is_shown_as_on_a_short_one() {
        // Keys of every width along a line of 3,000 characters, some of them not ASCII: each
        // is placed, and its snippet cut, exactly as from the whole line.
        let keys: Vec<String> = (0..300)
            .map(|i| format!("k{}é{i}", "x".repeat(i % 7)))
            .collect();
        let line = format!(
            "{{{}}}",
            keys.iter()
                .map(|k| format!("{k}: v"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let text = format!("# first\n{line}\n");
        let (doc, _) = Doc::parse(Path::new("m.yaml"), &text, 0).unwrap();
        for key in &keys {
            let byte = line.find(&format!("{key}:")).unwrap();
            let col = line[..byte].chars().count() + 1;
            let width = key.chars().count();
            let mut expected = location_in(Path::new("m.yaml"), &line, 1, col, width);
            expected.line = Some(2);
            assert_eq!(doc.key_in("", key), expected, "{key}");
        }
    }

    #[test]
    fn keys_are_found_by_their_text() {
        let text = "series:\n  name: S\n  \"a.b[0]\": 1\n  \"\": 2\n";
        let (doc, value) = Doc::parse(Path::new("m.yaml"), text, 0).unwrap();
        let mut out = Vec::new();
        let series = value.get("series").unwrap();
        doc.unknown_keys(series, "series", &["name"], "`series`", true, &mut out);
        let places: Vec<_> = out
            .iter()
            .map(|d| d.location.as_ref().map(|l| (l.line, l.col)))
            .collect();
        assert_eq!(places, [Some((Some(3), Some(3))), Some((Some(4), Some(3)))]);
    }

    #[test]
    fn too_deep_is_refused_before_parsing() {
        let text = format!("title: T\nlist: {}\n", "[".repeat(100_000));
        let err = Doc::parse(Path::new("m.yaml"), &text, 3).err().unwrap();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].code, "yaml-depth");
        let loc = err[0].location.as_ref().unwrap();
        // Line 2 of the text, after the 3 lines before it in the file.
        assert_eq!((loc.line, loc.col), (Some(5), Some(6 + 64)));
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
