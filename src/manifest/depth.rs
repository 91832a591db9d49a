//! How deeply a YAML text nests, found in one pass before any YAML parser reads it.
//!
//! Both parsers here (libyaml under serde_yaml, and yaml-rust2 for positions) keep one entry
//! per open flow collection (`[`, `{`) and walk that list at every token: their time is the
//! text's length times its depth, and 150 KB of `[` took a minute. A manifest or a front
//! matter needs a few levels, so [`check`] refuses a text that nests more than [`MAX_DEPTH`]
//! deep, at the place where it passes the limit, before a parser sees it.
//!
//! The pass must never find a text shallower than a parser does, or the guard could be walked
//! around (a `[` the pass took for a quoted scalar's, a `]` it took for a closing one). Where a
//! parser's reading depends on what only parsing knows (does this line continue a plain
//! scalar? does that block scalar end here?), or where the two parsers read a character
//! differently, the pass follows every reading at once: a small automaton whose few states
//! each keep the range of depths a reading in that state may be at. It stays linear, and the
//! deepest reading is an upper bound of what either parser meets.

/// The deepest nesting a manifest or a front matter may have: mappings and lists, block or
/// flow, inside one another.
pub const MAX_DEPTH: usize = 64;

/// Where a text first nests deeper than [`MAX_DEPTH`]: 1-based line, and column in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    pub line: usize,
    pub col: usize,
}

/// Checks that `text` nests at most [`MAX_DEPTH`] levels deep, in one linear pass.
pub fn check(text: &str) -> Result<(), TooDeep> {
    match scan(text, MAX_DEPTH) {
        Scan {
            too_deep: Some(at), ..
        } => Err(at),
        _ => Ok(()),
    }
}

/// What a reading is in the middle of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Between tokens: what comes next starts one.
    Start,
    /// A plain (unquoted) scalar.
    Plain,
    /// A single-quoted scalar.
    Single,
    /// The first quote of `''` inside a single-quoted scalar.
    SingleQuote,
    /// A double-quoted scalar.
    Double,
    /// The character after `\` in a double-quoted scalar.
    Escape,
    /// A comment, or a directive (`%YAML`), to the end of the line.
    Comment,
    /// An anchor or alias name (`&a`, `*a`).
    Name,
    /// A tag (`!x`).
    Tag,
    /// A block scalar (`|`, `>`): its header and its lines.
    Literal,
}

const KINDS: [Kind; 10] = [
    Kind::Start,
    Kind::Plain,
    Kind::Single,
    Kind::SingleQuote,
    Kind::Double,
    Kind::Escape,
    Kind::Comment,
    Kind::Name,
    Kind::Tag,
    Kind::Literal,
];

/// The flow depths the readings in one state may be at: `0..=0` in block context, else
/// `lo..=hi` with `lo >= 1`. Readings in flow context behave alike whatever their depth
/// (until one reaches 0), so a range loses nothing that counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Depths {
    lo: usize,
    hi: usize,
}

const BLOCK: Depths = Depths { lo: 0, hi: 0 };

impl Depths {
    fn flow(self) -> bool {
        self.hi > 0
    }
}

/// Every reading at one point of the text: per kind, block context and flow context.
#[derive(Clone, Copy, Default)]
struct States([[Option<Depths>; 2]; KINDS.len()]);

impl States {
    fn add(&mut self, kind: Kind, d: Depths) {
        let slot = &mut self.0[kind as usize][usize::from(d.flow())];
        *slot = Some(match *slot {
            Some(o) => Depths {
                lo: o.lo.min(d.lo),
                hi: o.hi.max(d.hi),
            },
            None => d,
        });
    }

    fn merge(&mut self, other: &States) {
        for kind in KINDS {
            for d in other.0[kind as usize].iter().flatten() {
                self.add(kind, *d);
            }
        }
    }

    fn each(&self) -> impl Iterator<Item = (Kind, Depths)> + '_ {
        KINDS
            .iter()
            .flat_map(|&k| self.0[k as usize].iter().flatten().map(move |&d| (k, d)))
    }

    fn block_start(&self) -> bool {
        self.0[Kind::Start as usize][0].is_some()
    }

    fn deepest(&self) -> usize {
        self.each().map(|(_, d)| d.hi).max().unwrap_or(0)
    }
}

/// Whether something holds: surely, surely not, or in one reading and not in another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    Yes,
    No,
    Maybe,
}

/// Line breaks for libyaml (NEL, LS and PS too) but not for yaml-rust2: read both ways.
fn disputed(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r')
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t')
}

fn is_flow(c: char) -> bool {
    matches!(c, ',' | '[' | ']' | '{' | '}')
}

/// Whether `c` (`None`: the end of the text) is a blank or a line break.
fn blank_or_end(c: Option<char>) -> Tri {
    match c {
        None => Tri::Yes,
        Some(c) if is_blank(c) || is_break(c) => Tri::Yes,
        Some(c) if disputed(c) => Tri::Maybe,
        Some(_) => Tri::No,
    }
}

/// The characters around the one being read.
struct Around {
    next: Option<char>,
    /// Whether the next character is a blank, a line break or the end.
    next_blank: Tri,
    /// Whether the previous character is a blank or a line break (or there is none).
    prev_blank: Tri,
}

/// What a reading does with a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Move {
    To(Kind),
    /// Opens a flow collection.
    Open,
    /// Closes one (in block context, a parser error that changes no depth).
    Close,
}

/// The moves of one reading on one character: at most a few.
#[derive(Default)]
struct Moves {
    list: [Option<Move>; 12],
    len: usize,
}

impl Moves {
    fn push(&mut self, m: Move) {
        if !self.list[..self.len].contains(&Some(m)) {
            self.list[self.len] = Some(m);
            self.len += 1;
        }
    }

    /// `yes` where `t` holds, `no` where it does not, both where it is disputed.
    fn either(&mut self, t: Tri, yes: Move, no: Move) {
        if t != Tri::No {
            self.push(yes);
        }
        if t != Tri::Yes {
            self.push(no);
        }
    }
}

/// A character where a token may start (after blanks, or right after another token), read
/// as libyaml's and yaml-rust2's `fetch_next_token` do.
fn start(flow: bool, c: char, at: &Around, out: &mut Moves) {
    use Kind::*;
    match c {
        c if is_blank(c) || is_break(c) => out.push(Move::To(Start)),
        // A directive (`%` in column 0) runs to the end of its line; elsewhere it is an error.
        '#' | '%' => out.push(Move::To(Comment)),
        '[' | '{' => out.push(Move::Open),
        ']' | '}' => out.push(Move::Close),
        ',' => out.push(Move::To(Start)),
        '-' => out.either(at.next_blank, Move::To(Start), Move::To(Plain)),
        // An indicator before a blank. Otherwise libyaml reads one in flow context, yaml-rust2
        // the start of a plain scalar.
        '?' | ':' => {
            if at.next_blank != Tri::No || flow {
                out.push(Move::To(Start));
            }
            if at.next_blank != Tri::Yes {
                out.push(Move::To(Plain));
            }
        }
        '*' | '&' => out.push(Move::To(Name)),
        '!' => out.push(Move::To(Tag)),
        // Block scalars exist only in block context; yaml-rust2 reads `|` in flow as plain.
        '|' | '>' if !flow => out.push(Move::To(Literal)),
        '\'' => out.push(Move::To(Single)),
        '"' => out.push(Move::To(Double)),
        _ => out.push(Move::To(Plain)),
    }
}

/// The moves of a reading in `kind` (flow context or not) on `c`.
fn moves(kind: Kind, flow: bool, c: char, at: &Around, out: &mut Moves) {
    use Kind::*;
    match kind {
        Start => start(flow, c, at, out),
        Plain => {
            if is_break(c) {
                out.push(Move::To(Plain));
                // In block context, the next line continues the scalar only if it is indented
                // deeper than the block around it, which only parsing knows.
                if !flow {
                    out.push(Move::To(Start));
                }
            } else if c == '#' {
                // ` #` ends the scalar and starts a comment; `a#b` is text.
                out.either(at.prev_blank, Move::To(Comment), Move::To(Plain));
            } else if flow && is_flow(c) {
                start(flow, c, at, out);
            } else if c == ':' {
                // `: ` ends the scalar (the value indicator); so does `:` before a flow
                // character in flow context (yaml-rust2; libyaml stops with an error).
                let ends = if flow && at.next.is_some_and(is_flow) {
                    Tri::Yes
                } else {
                    at.next_blank
                };
                out.either(ends, Move::To(Start), Move::To(Plain));
            } else {
                out.push(Move::To(Plain));
            }
        }
        Single => match c {
            '\'' if at.next == Some('\'') => out.push(Move::To(SingleQuote)),
            '\'' => out.push(Move::To(Start)),
            _ => out.push(Move::To(Single)),
        },
        SingleQuote => out.push(Move::To(Single)),
        Double => match c {
            '\\' => out.push(Move::To(Escape)),
            '"' => out.push(Move::To(Start)),
            _ => out.push(Move::To(Double)),
        },
        Escape => out.push(Move::To(Double)),
        Comment => {
            if is_break(c) {
                out.push(Move::To(Start));
            } else {
                out.push(Move::To(Comment));
            }
        }
        // libyaml's names are letters, digits, `-` and `_`; yaml-rust2's anything but blanks
        // and flow characters.
        Name => {
            if is_blank(c) || is_break(c) || is_flow(c) {
                start(flow, c, at, out);
            } else if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                out.push(Move::To(Name));
            } else {
                out.push(Move::To(Name));
                start(flow, c, at, out);
            }
        }
        // A tag runs to a blank; yaml-rust2 ends it at a flow character too, libyaml may not.
        Tag => {
            if is_blank(c) || is_break(c) {
                start(flow, c, at, out);
            } else if is_flow(c) {
                out.push(Move::To(Tag));
                start(flow, c, at, out);
            } else {
                out.push(Move::To(Tag));
            }
        }
        Literal => {
            out.push(Move::To(Literal));
            // Where it ends depends on the indentation of the block around it.
            if is_break(c) {
                out.push(Move::To(Start));
            }
        }
    }
}

/// The outcome of a pass.
#[derive(Debug, Default)]
struct Scan {
    /// The deepest flow nesting any reading reached.
    flow: usize,
    /// The deepest nesting, block and flow, counted.
    total: usize,
    /// Where the nesting first passed the limit.
    too_deep: Option<TooDeep>,
}

/// Reads `text` once, stopping where it nests deeper than `limit`.
fn scan(text: &str, limit: usize) -> Scan {
    let mut scan = Scan::default();
    let mut now = States::default();
    now.add(Kind::Start, BLOCK);
    // The columns of the block collections open at this line, as indentation shows them.
    let mut blocks: Vec<usize> = Vec::new();
    // After `---` or `...` in column 0, every reading may start afresh: from this byte on.
    let mut marker: Option<(usize, States)> = None;
    let (mut line, mut col) = (1, 0);
    let mut prev: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if let Some((at, fresh)) = &marker
            && *at == i
        {
            now.merge(fresh);
            marker = None;
        }
        if col == 0 {
            let rest = &text[i..];
            if (rest.starts_with("---") || rest.starts_with("..."))
                && blank_or_end(rest[3..].chars().next()) != Tri::No
            {
                let mut fresh = States::default();
                for (_, d) in now.each() {
                    fresh.add(Kind::Start, d);
                }
                marker = Some((i + 3, fresh));
            }
            if now.block_start() {
                let deepest = now.deepest();
                if let Err(col) = indentation(rest, &mut blocks, limit.saturating_sub(deepest)) {
                    scan.too_deep = Some(TooDeep { line, col: col + 1 });
                    return scan;
                }
                scan.total = scan.total.max(blocks.len() + deepest);
            }
        }
        let next = chars.peek().map(|&(_, n)| n);
        let at = Around {
            next,
            next_blank: blank_or_end(next),
            prev_blank: match prev {
                None => Tri::Yes,
                Some(p) => blank_or_end(Some(p)),
            },
        };
        // A disputed character is read both as a line break and as a letter.
        let readings: &[char] = if disputed(c) { &['\n', 'x'] } else { &[c] };
        let mut after = States::default();
        for (kind, d) in now.each() {
            let mut out = Moves::default();
            for &r in readings {
                moves(kind, d.flow(), r, &at, &mut out);
            }
            for m in out.list[..out.len].iter().flatten() {
                match m {
                    Move::To(k) => after.add(*k, d),
                    Move::Open => {
                        let opened = Depths {
                            lo: d.lo + 1,
                            hi: d.hi + 1,
                        };
                        scan.flow = scan.flow.max(opened.hi);
                        scan.total = scan.total.max(blocks.len() + opened.hi);
                        if blocks.len() + opened.hi > limit {
                            scan.too_deep = Some(TooDeep { line, col: col + 1 });
                            return scan;
                        }
                        after.add(Kind::Start, opened);
                    }
                    Move::Close if !d.flow() => after.add(Kind::Start, BLOCK),
                    Move::Close => {
                        if d.lo == 1 {
                            after.add(Kind::Start, BLOCK);
                        }
                        if d.hi >= 2 {
                            let lo = (d.lo - 1).max(1);
                            after.add(Kind::Start, Depths { lo, hi: d.hi - 1 });
                        }
                    }
                }
            }
        }
        now = after;
        if c == '\n' {
            line += 1;
            col = 0;
        } else {
            col += 1;
        }
        prev = Some(c);
    }
    scan
}

/// Updates `blocks` for a line that may hold block structure (`line` runs from its first
/// character): its indentation, and each `- `, `? ` or `: ` that opens a collection further
/// right on the same line (`- - a`). Fails with the column where more than `room` are open.
/// Reads only the line's indentation and leading indicators.
fn indentation(line: &str, blocks: &mut Vec<usize>, room: usize) -> Result<(), usize> {
    let bytes = line.as_bytes();
    let mut i = bytes
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(bytes.len());
    if matches!(bytes.get(i), None | Some(b'\n' | b'\r' | b'#')) {
        return Ok(());
    }
    while blocks.last().is_some_and(|&top| top > i) {
        blocks.pop();
    }
    let open = |col: usize, blocks: &mut Vec<usize>| {
        if blocks.last().is_none_or(|&top| top < col) {
            blocks.push(col);
        }
        if blocks.len() > room {
            Err(col)
        } else {
            Ok(())
        }
    };
    open(i, blocks)?;
    // The indentation and indicators are ASCII: byte offsets are columns.
    while matches!(bytes.get(i), Some(b'-' | b'?' | b':'))
        && matches!(bytes.get(i + 1), Some(b' ' | b'\t'))
    {
        i += 1;
        while matches!(bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        if matches!(bytes.get(i), None | Some(b'\n' | b'\r' | b'#')) {
            break;
        }
        open(i, blocks)?;
    }
    Ok(())
}

/// How deep a text's flow collections nest by this module's reading (the deepest of all its
/// readings), with no limit: for the tests that compare it with a parser's.
#[cfg(any(test, feature = "testing"))]
pub fn flow_depth(text: &str) -> usize {
    scan(text, usize::MAX).flow
}

#[cfg(any(test, feature = "testing"))]
/// yaml-rust2's scanner's deepest flow level, read token by token up to its first error: the
/// brackets and braces it took for flow indicators, each counted once, in the order of the
/// text. (yaml-rust2 also marks the implicit mapping of `[a: b]` with tokens, out of order and
/// at the place of a later token, which open nothing.)
pub fn yaml_rust2_flow(text: &str) -> usize {
    use yaml_rust2::scanner::{Scanner, TokenType};
    let chars: Vec<char> = text.chars().collect();
    let mut scanner = Scanner::new(text.chars());
    let mut indicators = std::collections::BTreeMap::new();
    while let Ok(Some(token)) = scanner.next_token() {
        let i = token.0.index();
        let step = match (token.1, chars.get(i)) {
            (TokenType::StreamEnd, _) => break,
            (TokenType::FlowSequenceStart | TokenType::FlowMappingStart, Some('[' | '{')) => 1,
            (TokenType::FlowSequenceEnd | TokenType::FlowMappingEnd, Some(']' | '}')) => -1,
            _ => continue,
        };
        indicators.insert(i, step);
    }
    let (mut level, mut deepest) = (0i64, 0i64);
    for step in indicators.values() {
        level = (level + step).max(0);
        deepest = deepest.max(level);
    }
    usize::try_from(deepest).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(text: &str) -> usize {
        scan(text, usize::MAX).total
    }

    #[test]
    fn ordinary_documents_are_shallow() {
        let manifest = "title: \"It's [not] a list\" # [[[\nlanguage: en\ncreators:\n  - name: A\n    role: editor\ncontents:\n  - essays/a.md\n  - {file: essays/b.md, title: 'B [draft]', authors: [X, Y]}\n  - part: One\n    essays: [essays/c.md]\ndescription: |\n  Text with [brackets and {braces\n  and 'quotes\n";
        let d = depth(manifest);
        assert!((2..=6).contains(&d), "{d}");
        assert!(check(manifest).is_ok());
    }

    #[test]
    fn flow_nesting_is_counted_and_placed() {
        assert_eq!(scan("a: [[[x]]]\n", usize::MAX).flow, 3);
        let deep = format!("title: T\ncontents: {}\n", "[".repeat(100));
        assert_eq!(
            check(&deep),
            Err(TooDeep {
                line: 2,
                col: 10 + 64
            })
        );
        let braces = format!("---\ntitle: {}\n", "{a: ".repeat(100));
        assert!(check(&braces).is_err());
        // Closed as it goes, any length is fine.
        assert!(check(&"[[x]], ".repeat(10_000)).is_ok());
    }

    #[test]
    fn block_nesting_is_counted() {
        let mut deep = String::new();
        for level in 0..100 {
            deep.push_str(&" ".repeat(level));
            deep.push_str("k:\n");
        }
        let err = check(&deep).unwrap_err();
        assert_eq!((err.line, err.col), (65, 65));
        assert!(check(&"- ".repeat(100)).is_err());
        // Indentation that comes and goes does not add up.
        assert!(check(&"a:\n  b:\n    c: 1\n".repeat(1000)).is_ok());
    }

    #[test]
    fn quoted_and_commented_brackets_do_not_count() {
        assert_eq!(
            scan("a: '[[['\nb: \"[[[\\\"\"\n# [[[\n", usize::MAX).flow,
            0
        );
        assert_eq!(scan("a: 'it''s [' \n", usize::MAX).flow, 0);
    }

    #[test]
    fn no_reading_hides_a_bracket() {
        // A quote inside a plain scalar is text: the brackets after it open lists.
        assert_eq!(scan("[a'b, [[c]]]", usize::MAX).flow, 3);
        // A `]` inside quotes closes nothing.
        assert_eq!(scan("[\"]]]\", [[x", usize::MAX).flow, 3);
        // A line that may continue a plain scalar, or start anew: counted either way.
        assert_eq!(scan("a: b\n'c': [[[x", usize::MAX).flow, 3);
        assert_eq!(scan("a: |\n  text\nb: [[[x", usize::MAX).flow, 3);
        // Where the parsers differ (a NEL is a line break for libyaml only), both count.
        assert_eq!(scan("[a\u{85}#, [[x", usize::MAX).flow, 3);
        // After a document marker, a plain scalar has ended.
        assert_eq!(scan("a\n--- [[[x", usize::MAX).flow, 3);
    }

    #[test]
    fn the_yardstick_sees_flow_levels() {
        assert_eq!(yaml_rust2_flow("a: [[[x]]]"), 3);
        assert_eq!(yaml_rust2_flow("[a: [b: c], {d: e}]"), 2);
        assert_eq!(yaml_rust2_flow("[a, 'b [[[', c]"), 1);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        /// Whatever the text, the pass finds it at least as deep as yaml-rust2's scanner does.
        #[test]
        fn never_shallower_than_the_scanner(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "[", "]", "{", "}", ",", ":", ": ", "- ", "? ", "'", "\"", "#", " #", "\\",
                "|", ">", "&a", "*a", "!t", "!", "%", "\n", "\n  ", "\n    ", " ", "a", "b:",
                "---", "\n---\n", "...", "''", "\u{85}", "\t", "x y",
            ]), 0..40)
        ) {
            let text: String = parts.concat();
            let ours = scan(&text, usize::MAX).flow;
            let theirs = yaml_rust2_flow(&text);
            proptest::prop_assert!(ours >= theirs, "{text:?}: ours {ours}, yaml-rust2 {theirs}");
        }
    }
}
