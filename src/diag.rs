//! Diagnostics: what went wrong, where (`file:line:col` and the offending line), and how to
//! fix it. Stages produce them; `main` renders them once, on stderr.
//!
//! Their words come from untrusted input (titles, file names, lines of an essay), so every
//! text that reaches the terminal is passed through [`terminal_safe`] here, as it is rendered:
//! a control character or a bidi override is shown escaped (`\u{1b}`), never sent raw.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The work was done, and something deserves a look.
    Warning,
    /// The work could not be done.
    Error,
}

impl Severity {
    /// `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A place in an input file. `line` and `col` are 1-based; `col` counts characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, as the user named it (or as it is named in a collection held in memory).
    pub file: PathBuf,
    /// The line, when the problem has one.
    pub line: Option<usize>,
    /// The column, in characters, when the problem has one.
    pub col: Option<usize>,
    /// The text of the line, for the snippet under the message.
    pub snippet: Option<String>,
    /// How many characters the caret underlines.
    pub width: usize,
    /// Where the caret goes in `snippet` (differs from `col` when a long line is cut).
    pub caret: usize,
}

impl Location {
    fn with_caret_at(mut self, caret: usize) -> Self {
        self.caret = caret;
        self.width = self.width.min(SNIPPET_CHARS);
        self
    }

    /// A whole file, with no line.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Location {
            file: file.into(),
            line: None,
            col: None,
            snippet: None,
            width: 1,
            caret: 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.to_string_lossy();
        f.write_str(&terminal_safe(&file, &[]))?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.col {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

/// A problem: how bad, what kind, what, where, and how to fix it. Its `Display` is one line
/// (`file:line:col: error: message`); [`Diagnostic::render`] shows the line with a caret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A short, stable name for the kind of problem (`unknown-key`, `missing-image`…).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// Where, when it is in a file. Boxed: diagnostics travel in `Result`s, which should stay
    /// small.
    pub location: Option<Box<Location>>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error of the kind `code`.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: None,
            help: None,
        }
    }

    /// A warning of the kind `code`.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// The same, placed at `location`.
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(Box::new(location));
        self
    }

    /// The same, placed in the whole of `file`.
    pub fn in_file(self, file: &Path) -> Self {
        self.at(Location::file(file))
    }

    /// The same, with a hint how to fix it.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// True for an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic the way rustc does: headline, location, snippet with a caret, help.
    pub fn render(&self, color: bool) -> String {
        let paint = |code: &str, text: &str| {
            if color {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_string()
            }
        };
        let level = match self.severity {
            Severity::Error => paint("1;31", "error"),
            Severity::Warning => paint("1;33", "warning"),
        };
        let mut out = format!("{level}: {}\n", terminal_safe(&self.message, LINES));
        if let Some(loc) = &self.location {
            let gutter = loc.line.map_or(0, |l| l.to_string().len());
            let pad = " ".repeat(gutter);
            let _ = writeln!(out, "{pad}{} {loc}", paint("1;34", "-->"));
            if let (Some(line), Some(text)) = (loc.line, &loc.snippet) {
                // Escaping makes a character several: the caret stays under the same ones.
                let (caret, width) = span_after_escaping(text, loc.caret, loc.width);
                let text = terminal_safe(text, &['\t']);
                let bar = paint("1;34", "|");
                let _ = writeln!(out, "{pad} {bar}");
                let _ = writeln!(out, "{} {bar} {}", paint("1;34", &line.to_string()), text);
                if loc.col.is_some() {
                    // Tabs keep their width so that the caret stays under the right character.
                    let lead: String = text
                        .chars()
                        .take(caret.saturating_sub(1))
                        .map(|c| if c == '\t' { '\t' } else { ' ' })
                        .collect();
                    let carets = "^".repeat(width.max(1));
                    let _ = writeln!(out, "{pad} {bar} {lead}{}", paint("1;31", &carets));
                }
            }
        }
        if let Some(help) = &self.help {
            let help = terminal_safe(help, LINES);
            let _ = writeln!(out, "  = {}: {help}", paint("1", "help"));
        }
        out.push('\n');
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// What a message and a help keep of the control characters: they may run over lines.
const LINES: &[char] = &['\n', '\t'];

/// Whether a character must not reach a terminal raw: C0 and C1 controls (ESC, BEL, CR,
/// backspace, CSI…) and DEL, which move the cursor, retitle the window or erase the screen, and
/// the bidi embeddings, overrides and isolates, which reorder what is shown.
fn unsafe_on_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` as it may be shown on a terminal: every control character (except those in `keep`)
/// and bidi override written as an escape (`\u{1b}`). Everything the tool prints on stderr
/// goes through it.
pub fn terminal_safe<'a>(text: &'a str, keep: &[char]) -> Cow<'a, str> {
    let bad = |c: char| unsafe_on_terminal(c) && !keep.contains(&c);
    if !text.chars().any(bad) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if bad(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The caret (1-based) and the width it underlines, in characters, once `text` is escaped for
/// the terminal: an escaped character is several.
fn span_after_escaping(text: &str, caret: usize, width: usize) -> (usize, usize) {
    let shown = |c: char| {
        if unsafe_on_terminal(c) && c != '\t' {
            format!("\\u{{{:x}}}", u32::from(c)).len()
        } else {
            1
        }
    };
    let before = caret.saturating_sub(1);
    let lead: usize = text.chars().take(before).map(shown).sum();
    let under: usize = text.chars().skip(before).take(width).map(shown).sum();
    (lead + 1, under)
}

/// A diagnostic as `check --format json` writes it: flat, every field always present (`null`
/// when unknown), in a fixed order.
#[derive(serde::Serialize)]
pub struct Json<'a> {
    pub severity: &'static str,
    pub code: &'static str,
    pub message: &'a str,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub help: Option<&'a str>,
}

/// What `check --format json` prints: the outcome, the counts, and every diagnostic.
#[derive(serde::Serialize)]
pub struct JsonReport<'a> {
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<Json<'a>>,
}

impl<'a> JsonReport<'a> {
    pub fn new(ok: bool, diags: &'a [Diagnostic]) -> Self {
        let errors = error_count(diags);
        JsonReport {
            ok,
            errors,
            warnings: diags.len() - errors,
            diagnostics: diags.iter().map(Diagnostic::json).collect(),
        }
    }
}

impl Diagnostic {
    pub(crate) fn json(&self) -> Json<'_> {
        let loc = self.location.as_deref();
        Json {
            severity: self.severity.as_str(),
            code: self.code,
            message: &self.message,
            file: loc.map(|l| l.file.to_string_lossy().into_owned()),
            line: loc.and_then(|l| l.line),
            column: loc.and_then(|l| l.col),
            help: self.help.as_deref(),
        }
    }
}

/// An input file held in memory with its line index, so that byte offsets become
/// `line:col` locations with a snippet. The index is made when a location is first asked
/// for: most files have nothing to report.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as shown to the user (relative to where they ran the tool).
    pub path: PathBuf,
    pub text: String,
    line_starts: OnceLock<Vec<usize>>,
    /// The last (byte offset, character column) worked out: locations are mostly asked for in
    /// order, so a column is counted from the previous one, not from the line's start (a
    /// 1 MB line with thousands of problems stays linear).
    cursor: std::sync::Mutex<(usize, usize)>,
    /// Lines that came before `text` in the real file (front matter split off an essay body).
    line_offset: usize,
}

impl Clone for SourceFile {
    fn clone(&self) -> Self {
        SourceFile::with_line_offset(self.path.clone(), self.text.clone(), self.line_offset)
    }
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Self {
        Self::with_line_offset(path, text, 0)
    }

    pub fn with_line_offset(path: impl Into<PathBuf>, text: String, line_offset: usize) -> Self {
        SourceFile {
            path: path.into(),
            text,
            line_starts: OnceLock::new(),
            cursor: std::sync::Mutex::new((0, 1)),
            line_offset,
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| line_starts(&self.text))
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts();
        let line = line_starts.partition_point(|&start| start <= offset) - 1;
        let start = line_starts[line];
        let offset = floor_char_boundary(&self.text, offset);
        let mut cursor = self
            .cursor
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (from, col) = if (start..=offset).contains(&cursor.0) {
            *cursor
        } else {
            (start, 1)
        };
        let col = col + self.text[from..offset].chars().count();
        *cursor = (offset, col);
        (line + 1 + self.line_offset, col)
    }

    /// The location of a byte range, with the line's text as snippet.
    pub fn location(&self, range: std::ops::Range<usize>) -> Location {
        let (line, col) = self.line_col(range.start);
        let index = line - 1 - self.line_offset;
        let line_starts = self.line_starts();
        let start = line_starts[index];
        let end = line_starts
            .get(index + 1)
            .map_or(self.text.len(), |&e| e - 1);
        let clipped_end = range.end.min(end).max(range.start);
        let width = self.text[floor_char_boundary(&self.text, range.start)
            ..floor_char_boundary(&self.text, clipped_end)]
            .chars()
            .count();
        let (snippet, shown_col) = clip_at(&self.text[start..end], range.start - start, col);
        Location {
            file: self.path.clone(),
            line: Some(line),
            col: Some(col),
            snippet: Some(snippet),
            width,
            caret: 1,
        }
        .with_caret_at(shown_col)
    }
}

/// Where each line of `text` starts.
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Makes a location from a 1-based line and column in a text that is not held as a
/// [`SourceFile`] (YAML errors carry their own positions).
pub fn location_in(path: &Path, text: &str, line: usize, col: usize, width: usize) -> Location {
    let (snippet, shown_col) = match text.lines().nth(line.saturating_sub(1)) {
        Some(l) => {
            let (s, c) = clip(l.trim_end_matches('\r'), col);
            (Some(s), c)
        }
        None => (None, col),
    };
    Location {
        file: path.to_path_buf(),
        line: Some(line),
        col: Some(col),
        snippet,
        width,
        caret: 1,
    }
    .with_caret_at(shown_col)
}

/// Longest snippet shown; a longer line is cut to a window around the column.
const SNIPPET_CHARS: usize = 120;

/// Cuts a long line to a window around `col`; returns the text and the column within it.
/// [`clip`] for a line of a [`SourceFile`] and a byte offset in it (`col` being its
/// character column): only the characters around the offset are looked at, so a location in a
/// line of a megabyte costs what one in a short line does.
fn clip_at(line: &str, offset: usize, col: usize) -> (String, usize) {
    let line = line.trim_end_matches('\r');
    let offset = floor_char_boundary(line, offset);
    let back = |from: usize, n: usize| -> usize {
        from - line[..from]
            .chars()
            .rev()
            .take(n)
            .map(char::len_utf8)
            .sum::<usize>()
    };
    let mut start = back(offset, SNIPPET_CHARS / 2);
    let ahead = line[start..].chars().take(SNIPPET_CHARS);
    let (shown, end) = ahead.fold((0, start), |(n, end), c| (n + 1, end + c.len_utf8()));
    if end == line.len() && shown < SNIPPET_CHARS {
        // Near the line's end the window reaches further back, as wide as it may be.
        start = back(start, SNIPPET_CHARS - shown);
    }
    if start == 0 && end == line.len() {
        return (line.to_string(), col);
    }
    let (lead, shift) = if start > 0 { ("…", 1) } else { ("", 0) };
    let tail = if end < line.len() { "…" } else { "" };
    let caret = line[start..offset].chars().count() + 1 + shift;
    (format!("{lead}{}{tail}", &line[start..end]), caret)
}

fn clip(line: &str, col: usize) -> (String, usize) {
    let count = line.chars().count();
    if count <= SNIPPET_CHARS {
        return (line.to_string(), col);
    }
    let start = col
        .saturating_sub(1)
        .saturating_sub(SNIPPET_CHARS / 2)
        .min(count - SNIPPET_CHARS);
    let window: String = line.chars().skip(start).take(SNIPPET_CHARS).collect();
    let (lead, shift) = if start > 0 { ("…", 1) } else { ("", 0) };
    let tail = if start + SNIPPET_CHARS < count {
        "…"
    } else {
        ""
    };
    (format!("{lead}{window}{tail}"), col - start + shift)
}

/// The closest candidate to a misspelt word, if it is close enough to be what was meant.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Counts errors in a list of diagnostics.
pub fn error_count(diagnostics: &[Diagnostic]) -> usize {
    diagnostics.iter().filter(|d| d.is_error()).count()
}

/// Where the problems of a piece of work go, in the order they were found: errors (the work
/// could not be done) and warnings (it was done, and something deserves a look).
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty sink.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Adds a diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.list.push(diagnostic);
    }

    /// The diagnostics, in the order they were found.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.list.iter()
    }

    /// The diagnostics as a slice.
    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.list
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// How many are errors.
    pub fn errors(&self) -> usize {
        error_count(&self.list)
    }

    /// How many are warnings.
    pub fn warnings(&self) -> usize {
        self.list.len() - self.errors()
    }

    /// True when one is an error.
    pub fn has_errors(&self) -> bool {
        self.list.iter().any(Diagnostic::is_error)
    }

    /// Removes every diagnostic, for the next piece of work.
    pub fn clear(&mut self) {
        self.list.clear();
    }

    /// The report `anthology check --format json` prints: `{"ok", "errors", "warnings",
    /// "diagnostics": [{"severity", "code", "message", "file", "line", "column", "help"}]}`.
    pub fn to_json(&self, ok: bool) -> String {
        serde_json::to_string_pretty(&JsonReport::new(ok, &self.list)).unwrap_or_default()
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        self.list.extend(iter);
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(list: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics { list }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

/// The work could not be done: the reasons are errors in the [`Diagnostics`] it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failed;

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the input has errors (they are in the diagnostics)")
    }
}

impl std::error::Error for Failed {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let src = SourceFile::new("a.md", "one\nzwei é x\nthree".to_string());
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(4), (2, 1));
        let x = src.text.find('x').unwrap();
        assert_eq!(src.line_col(x), (2, 8));
        let loc = src.location(x..x + 1);
        assert_eq!(loc.snippet.as_deref(), Some("zwei é x"));
    }

    #[test]
    fn line_offset_shifts_lines() {
        let src = SourceFile::with_line_offset("a.md", "body\nmore".to_string(), 4);
        assert_eq!(src.line_col(5), (6, 1));
    }

    #[test]
    fn render_shows_caret_under_column() {
        let d = Diagnostic::error("unknown-key", "unknown key `titel`")
            .at(location_in(
                Path::new("anthology.yaml"),
                "x: 1\ntitel: A\n",
                2,
                1,
                5,
            ))
            .help("did you mean `title`?");
        let text = d.render(false);
        assert!(text.contains("--> anthology.yaml:2:1"), "{text}");
        assert!(text.contains("2 | titel: A"), "{text}");
        assert!(text.contains("  | ^^^^^"), "{text}");
        assert!(text.contains("help: did you mean `title`?"), "{text}");
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let line = format!("{}X{}", "a".repeat(5000), "b".repeat(5000));
        let src = SourceFile::new("a.md", line);
        let loc = src.location(5000..5001);
        assert_eq!(loc.col, Some(5001));
        let snippet = loc.snippet.as_deref().unwrap();
        assert!(
            snippet.chars().count() <= SNIPPET_CHARS + 2,
            "{}",
            snippet.len()
        );
        assert_eq!(snippet.chars().nth(loc.caret - 1), Some('X'));
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let hostile = "a\x1b]0;pwned\x07b\x1b[2J\r\x08\u{9b}31m\u{202e}txt.exe\u{2066}\x7f";
        let src = SourceFile::new(format!("dir/{hostile}.md"), format!("\t{hostile} X\n"));
        let x = src.text.find('X').unwrap();
        let d = Diagnostic::warning("test", format!("two\nlines {hostile}"))
            .at(src.location(x..x + 1))
            .help(hostile);
        let text = d.render(false);
        for c in text.chars() {
            assert!(
                !unsafe_on_terminal(c) || c == '\n' || c == '\t',
                "{c:?} in {text:?}"
            );
        }
        assert!(
            text.contains(
                r"a\u{1b}]0;pwned\u{7}b\u{1b}[2J\u{d}\u{8}\u{9b}31m\u{202e}txt.exe\u{2066}\u{7f}"
            ),
            "{text}"
        );
        assert!(text.contains("two\nlines"), "{text}");
        assert!(text.contains(r"--> dir/a\u{1b}]0;pwned"), "{text}");
        // The tab stays a tab; the caret is still under `X`.
        let lines: Vec<&str> = text.lines().collect();
        let (shown, carets) = (lines[4], lines[5]);
        assert!(shown.contains("| \ta"), "{text}");
        let bar = |l: &str| l.find('|').unwrap();
        assert_eq!(
            shown[bar(shown)..].chars().position(|c| c == 'X'),
            carets[bar(carets)..].chars().position(|c| c == '^'),
            "{text}"
        );
        assert_eq!(
            terminal_safe("plain \u{5d0} text", &[]),
            "plain \u{5d0} text"
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("titel", ["title", "subtitle", "language"]),
            Some("title")
        );
        assert_eq!(did_you_mean("zzz", ["title", "language"]), None);
    }
}
