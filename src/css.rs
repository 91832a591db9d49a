//! CSS from outside → CSS a book may carry. A user's style sheet (`style:`, `extra-css`) and an
//! SVG image's `<style>` and attributes are read by cssparser's tokenizer, which treats escapes,
//! comments, bad strings and bad urls as CSS Syntax 3 and browsers do, and are written back
//! token by token, without what could load another file: `@import` rules, `url()`, the
//! functions that take an image or a font (`image-set()`, `src()`…), `expression()`,
//! `behavior` and `-moz-binding`. Every removal is listed with its byte range for a warning at
//! its place. Nothing is cut out of the text: the output is built from the tokens kept, with a
//! separator wherever two of them could otherwise run together, so a removal cannot make a new
//! `@import` out of its neighbours. One pass, linear in the input.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use cssparser::{ParseError, Parser, ToCss, Token, TokenSerializationType};

/// Where the CSS goes, which decides what it may refer to and how it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// The book's style sheet: it refers to nothing, not even `url(#x)`.
    Book,
    /// An SVG image's `<style>`: `url(#id)` may name the image's own gradients and markers.
    SvgSheet,
    /// An SVG attribute (`style=""`, `fill=""`…): a list of declarations or a value, with
    /// `url(#id)` as in `SvgSheet`.
    SvgAttribute,
}

impl Use {
    fn fragments_allowed(self) -> bool {
        self != Use::Book
    }
}

/// Blocks nested deeper are dropped whole (with a warning): the walk recurses once per level,
/// and no real style sheet comes near (cssparser's own limit is 75).
pub const MAX_DEPTH: usize = 64;

/// What was taken out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Removed {
    /// An `@import` rule, however spelt.
    Import,
    /// A `url(…)` token, or one that was never closed.
    Url,
    /// A function that refers to another file (`image-set`, `src`…), or `expression()`; by its
    /// name in lower case, escapes resolved.
    Function(String),
    /// A declaration of a property that binds behaviour (`behavior`, `-moz-binding`).
    Property(String),
    /// A block nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl fmt::Display for Removed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Removed::Import => f.write_str("`@import`"),
            Removed::Url => f.write_str("`url()`"),
            Removed::Function(name) => write!(f, "`{name}()`"),
            Removed::Property(name) => write!(f, "`{name}`"),
            Removed::TooDeep => write!(f, "a block nested deeper than {MAX_DEPTH} levels"),
        }
    }
}

/// A removal and its byte range in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Removal {
    pub what: Removed,
    pub at: Range<usize>,
}

/// CSS written back without what a book cannot carry, and what was removed, in order.
#[derive(Debug)]
pub struct Cleaned {
    pub css: String,
    pub removed: Vec<Removal>,
}

/// Cleans `css` for `usage`. Removed references (`url()`, `image-set()`…) are replaced by
/// `none`, so that `background: url(x) no-repeat` stays a declaration; removed rules and
/// declarations leave nothing.
pub fn clean(css: &str, usage: Use) -> Cleaned {
    let mut cleaner = Cleaner::new(css, usage);
    walk(css, &mut |event| cleaner.event(event));
    cleaner.finish()
}

/// A function of this name (lower case, escapes resolved) refers to another file or element,
/// or runs code (`expression()`): `url`, `src`, `image`, `image-set`, `cross-fade`, `element`,
/// their vendor-prefixed forms, and anything else named for a url or an image
/// (`-moz-image-rect`, `url-prefix`), which no property of a book's page needs.
pub fn fetches(name: &str) -> bool {
    let bare = ["-webkit-", "-moz-", "-ms-", "-o-"]
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name);
    matches!(
        bare,
        "src" | "image" | "cross-fade" | "element" | "expression"
    ) || bare.contains("url")
        || bare.contains("image")
}

/// A property that binds code or another document to elements (IE's `behavior`, old
/// Firefox's `-moz-binding`).
fn binds(name: &str) -> bool {
    matches!(name, "behavior" | "-moz-binding")
}

/// A reference to something inside the same document (`#id`).
fn internal(url: &str) -> bool {
    url.trim_start().starts_with('#')
}

/// An ASCII-lowercased name, for comparisons (CSS keywords are ASCII case-insensitive).
fn lower(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// A user's name shown in a message: letters, digits, `-` and `_` only, so that an escaped
/// control character cannot reach the terminal.
fn shown(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
        .take(40)
        .collect()
}

// ---- The walk ---------------------------------------------------------------------------------

/// What the walk sees, in source order.
pub enum Event<'a, 'i> {
    /// A token, with its byte range. A block's or function's opening token is followed by its
    /// contents and then by [`Event::Close`].
    Token(&'a Token<'i>, Range<usize>),
    /// The end of the block or function opened last: the token that closes it, and its byte
    /// range (empty when the input ended inside the block).
    Close(Token<'static>, Range<usize>),
    /// A block nested deeper than [`MAX_DEPTH`], not read: its opening token, contents and end.
    TooDeep(Range<usize>),
}

/// Walks the tokens of `css`, comments and whitespace included, nested blocks in order.
pub fn walk<'i>(css: &'i str, visit: &mut dyn FnMut(Event<'_, 'i>)) {
    level(&mut Parser::new(css), 0, visit);
}

fn level<'i>(p: &mut Parser<'i>, depth: usize, visit: &mut dyn FnMut(Event<'_, 'i>)) {
    loop {
        let start = p.position().byte_index();
        let token = match p.next_including_whitespace_and_comments() {
            Ok(token) => token.clone(),
            Err(_) => return,
        };
        let close = match token {
            Token::Function(_) | Token::ParenthesisBlock => Token::CloseParenthesis,
            Token::SquareBracketBlock => Token::CloseSquareBracket,
            Token::CurlyBracketBlock => Token::CloseCurlyBracket,
            _ => {
                visit(Event::Token(&token, start..p.position().byte_index()));
                continue;
            }
        };
        if depth + 1 >= MAX_DEPTH {
            // Not read: cssparser skips what a nested parser leaves (in a loop, not by
            // recursion), so the closure leaves everything; its result only says so.
            let _ = p.parse_nested_block(|_| Ok::<(), ParseError<()>>(()));
            visit(Event::TooDeep(start..p.position().byte_index()));
            continue;
        }
        visit(Event::Token(&token, start..p.position().byte_index()));
        let mut contents_end = None;
        let _ = p.parse_nested_block(|q| {
            level(q, depth + 1, visit);
            contents_end = Some(q.position().byte_index());
            Ok::<(), ParseError<()>>(())
        });
        let after = p.position().byte_index();
        visit(Event::Close(
            close,
            contents_end.unwrap_or(after).min(after)..after,
        ));
    }
}

// ---- Writing tokens back ----------------------------------------------------------------------

/// The cleaned text, written token by token.
struct Out {
    css: String,
    /// The serialisation type of the last token written, for cssparser's table of the pairs
    /// that need a `/**/` between them.
    last: TokenSerializationType,
    /// Whether the last token was written as its own source text.
    last_verbatim: bool,
    /// The last token must be followed by a newline: a `\` delimiter (before anything else it
    /// would escape it) or a bad string (which only a newline ends).
    newline_next: bool,
    /// Something was removed since the last token: the next one is kept apart by whitespace.
    gap: bool,
}

impl Out {
    fn new(capacity: usize) -> Out {
        Out {
            css: String::with_capacity(capacity),
            last: TokenSerializationType::Nothing,
            last_verbatim: true,
            newline_next: false,
            gap: false,
        }
    }

    /// Writes `token`, whose source text is `source` (empty for a token the input left out:
    /// the end of a block it did not close).
    fn token(&mut self, token: &Token, source: &str) {
        let verbatim = !source.is_empty() && plain(token, source);
        let text: Cow<str> = if verbatim {
            Cow::Borrowed(source)
        } else {
            match token {
                // A comment can hold anything but its end; NUL is no character for a reader.
                Token::Comment(c) => Cow::Owned(format!("/*{}*/", c.replace('\0', "\u{FFFD}"))),
                Token::Dimension {
                    value,
                    int_value,
                    has_sign,
                    unit,
                } if exponent_like(unit) => {
                    // cssparser escapes a unit `e` or `e-…`, not `e2…`: `80.0e2x` would be read
                    // again as one number. The unit's `e` is written as an escape.
                    let number = Token::Number {
                        value: *value,
                        int_value: *int_value,
                        has_sign: *has_sign,
                    };
                    let mut text = number.to_css_string();
                    text.push_str(if unit.starts_with('e') {
                        "\\65 "
                    } else {
                        "\\45 "
                    });
                    // `serialize_name` only fails when its writer does; a String's never does.
                    let _ = cssparser::serialize_name(&unit[1..], &mut text);
                    Cow::Owned(text)
                }
                _ => Cow::Owned(token.to_css_string()),
            }
        };
        self.write(&text, token.serialization_type(), verbatim);
        self.newline_next = matches!(token, Token::Delim('\\') | Token::BadString(_));
    }

    fn write(&mut self, text: &str, kind: TokenSerializationType, verbatim: bool) {
        let spaced = kind == TokenSerializationType::WhiteSpace;
        if self.newline_next {
            if !text.starts_with(['\n', '\r', '\x0c']) {
                self.css.push('\n');
            }
        } else if self.gap {
            // Whitespace ends any token but an escape's `\`, which `newline_next` handles.
            if !spaced && self.last != TokenSerializationType::WhiteSpace && !self.css.is_empty() {
                self.css.push(' ');
            }
        } else if !(verbatim && self.last_verbatim) && self.last.needs_separator_when_before(kind) {
            // Two tokens written as their source text were apart there already.
            self.css.push_str("/**/");
        }
        self.css.push_str(text);
        self.last = kind;
        self.last_verbatim = verbatim;
        self.newline_next = false;
        self.gap = false;
    }
}

/// Whether a unit, written after its number, would be read as the number's exponent.
fn exponent_like(unit: &str) -> bool {
    let mut chars = unit.chars();
    matches!(chars.next(), Some('e' | 'E'))
        && match chars.next() {
            Some(c) if c.is_ascii_digit() => true,
            Some('+' | '-') => chars.next().is_some_and(|c| c.is_ascii_digit()),
            _ => false,
        }
}

/// Whether a token's source text is itself a faithful writing of it: nothing left open by the
/// end of the input, no NUL, and no escape but in a string or comment (an identifier's escape
/// could end in a lone `\` that would escape what comes next). Others are written as cssparser
/// serialises them: closed, escaped as needed.
fn plain(token: &Token, source: &str) -> bool {
    if source.contains('\0') {
        return false;
    }
    match token {
        Token::QuotedString(_) => {
            // Closed by its own quote, not by an escaped one (`"\"` is still open).
            let bytes = source.as_bytes();
            let body = &bytes[..bytes.len().saturating_sub(1)];
            let escapes = body.iter().rev().take_while(|&&b| b == b'\\').count();
            bytes.len() >= 2 && bytes[0] == bytes[bytes.len() - 1] && escapes % 2 == 0
        }
        Token::Comment(_) => source.len() >= 4 && source.ends_with("*/"),
        Token::UnquotedUrl(_) | Token::BadUrl(_) | Token::BadString(_) => false,
        _ => !source.contains('\\'),
    }
}

// ---- The cleaner ------------------------------------------------------------------------------

/// What the cleaner is in the middle of.
enum State<'i> {
    Copying,
    /// Dropping a rule or declaration that began at `depth`: up to its `;`, through its `{}`
    /// block, or to the end of the block holding it.
    DroppingStatement {
        depth: usize,
    },
    /// Dropping a block or function opened at `depth`, up to its end.
    DroppingBlock {
        depth: usize,
    },
    /// An identifier that names a binding property, held with the comments and whitespace
    /// after it until a `:` says it begins a declaration.
    Property {
        held: Vec<(Token<'i>, Range<usize>)>,
    },
    /// A `url(` function of an SVG, held to the end of its contents: kept if all it holds is
    /// one string naming a fragment (`url("#g")`).
    UrlFunction {
        depth: usize,
        held: Vec<(Token<'i>, Range<usize>)>,
    },
}

struct Cleaner<'i> {
    css: &'i str,
    usage: Use,
    out: Out,
    removed: Vec<Removal>,
    /// How many blocks are open at this point of the walk.
    depth: usize,
    state: State<'i>,
    /// At the top level: the statement written since the last `;` or `{}` block, if any, and
    /// whether it is an at-rule. A style sheet that ends inside one is closed, so that it
    /// cannot swallow what the book's style sheet puts after it.
    open_statement: Option<bool>,
    /// The last token written (comments and whitespace aside) names a binding property but was
    /// not followed by a `:`: a removal after it must leave something, or what comes next
    /// could make it a declaration (`behavior @import x; :…` would read `behavior :…`).
    after_binding: bool,
}

impl<'i> Cleaner<'i> {
    fn new(css: &'i str, usage: Use) -> Self {
        Cleaner {
            css,
            usage,
            out: Out::new(css.len()),
            removed: Vec::new(),
            depth: 0,
            state: State::Copying,
            open_statement: None,
            after_binding: false,
        }
    }

    /// Notes a removal that leaves nothing in its place: whatever comes next is kept apart
    /// from what came before, so that the two cannot run into one token.
    fn remove(&mut self, what: Removed, at: Range<usize>) {
        if self.after_binding {
            // Nothing in its place would join the name to a `:` after the removal.
            self.replace(what, at);
            return;
        }
        self.removed.push(Removal { what, at });
        self.out.gap = true;
    }

    /// Notes a removed reference and writes `none` in its place (a word of its own: cssparser's
    /// table keeps it apart from its neighbours).
    fn replace(&mut self, what: Removed, at: Range<usize>) {
        self.removed.push(Removal { what, at });
        self.out.write("none", TokenSerializationType::Ident, false);
        self.track(&Token::Ident("none".into()));
    }

    fn event(&mut self, event: Event<'_, 'i>) {
        // What is dropped belongs to the removal it is part of, for the warning's span.
        let dropped = match (&self.state, &event) {
            (
                State::DroppingStatement { .. } | State::DroppingBlock { .. },
                Event::Token(_, at) | Event::TooDeep(at),
            ) => Some(at.end),
            // Not the end of the block that holds the statement: that is the parent's.
            (State::DroppingStatement { depth }, Event::Close(_, at)) if self.depth > *depth => {
                Some(at.end)
            }
            (State::DroppingBlock { .. }, Event::Close(_, at)) => Some(at.end),
            _ => None,
        };
        if let (Some(end), Some(last)) = (dropped, self.removed.last_mut()) {
            last.at.end = last.at.end.max(end);
        }
        match std::mem::replace(&mut self.state, State::Copying) {
            State::Copying => self.copy(event),
            State::DroppingStatement { depth } => self.drop_statement(depth, event),
            State::DroppingBlock { depth } => match event {
                Event::Token(token, _) => {
                    self.depth += opens(token);
                    self.state = State::DroppingBlock { depth };
                }
                Event::Close(..) => {
                    self.depth -= 1;
                    if self.depth > depth {
                        self.state = State::DroppingBlock { depth };
                    }
                }
                Event::TooDeep(_) => self.state = State::DroppingBlock { depth },
            },
            State::Property { mut held } => match event {
                Event::Token(token @ (Token::WhiteSpace(_) | Token::Comment(_)), at) => {
                    held.push((token.clone(), at));
                    self.state = State::Property { held };
                }
                Event::Token(Token::Colon, _) => {
                    let (name, at) = &held[0];
                    let name = match name {
                        Token::Ident(n) => lower(n).into_owned(),
                        _ => String::new(),
                    };
                    self.remove(Removed::Property(shown(&name)), at.clone());
                    self.state = State::DroppingStatement { depth: self.depth };
                }
                other => {
                    for (token, at) in held {
                        self.write(&token, at);
                    }
                    self.copy(other);
                }
            },
            State::UrlFunction { depth, mut held } => match event {
                Event::Token(token, at) => {
                    self.depth += opens(token);
                    held.push((token.clone(), at));
                    self.state = State::UrlFunction { depth, held };
                }
                Event::TooDeep(at) => {
                    // Cannot be a fragment: mark it so.
                    held.push((Token::BadUrl("".into()), at));
                    self.state = State::UrlFunction { depth, held };
                }
                Event::Close(close, at) => {
                    self.depth -= 1;
                    if self.depth > depth {
                        held.push((close, at));
                        self.state = State::UrlFunction { depth, held };
                    } else {
                        self.url_function(held, at);
                    }
                }
            },
        }
    }

    /// The function `url(` held with its contents, now closed by the token at `end`.
    fn url_function(&mut self, held: Vec<(Token<'i>, Range<usize>)>, end: Range<usize>) {
        let mut inside = held[1..]
            .iter()
            .filter(|(t, _)| !matches!(t, Token::WhiteSpace(_) | Token::Comment(_)));
        let fragment = matches!(
            (inside.next(), inside.next()),
            (Some((Token::QuotedString(s), _)), None) if internal(s)
        );
        if fragment {
            for (token, at) in held {
                self.write(&token, at);
            }
            self.write(&Token::CloseParenthesis, end);
        } else {
            let last = held.iter().map(|(_, at)| at.end).max().unwrap_or(0);
            self.replace(Removed::Url, held[0].1.start..end.end.max(last));
        }
    }

    fn drop_statement(&mut self, depth: usize, event: Event<'_, 'i>) {
        match event {
            Event::Token(token, _) => {
                if self.depth == depth && matches!(token, Token::Semicolon) {
                    return;
                }
                self.depth += opens(token);
            }
            Event::Close(close, at) => {
                if self.depth == depth {
                    // The block holding the statement ends: so does the statement.
                    self.copy(Event::Close(close, at));
                    return;
                }
                self.depth -= 1;
                if self.depth == depth && matches!(close, Token::CloseCurlyBracket) {
                    return;
                }
            }
            Event::TooDeep(_) => {}
        }
        self.state = State::DroppingStatement { depth };
    }

    /// An event outside anything being dropped or held.
    fn copy(&mut self, event: Event<'_, 'i>) {
        let (token, at) = match event {
            Event::Token(token, at) => (token, at),
            Event::Close(close, at) => {
                self.depth -= 1;
                self.write(&close, at);
                if self.depth == 0 && matches!(close, Token::CloseCurlyBracket) {
                    self.open_statement = None;
                }
                return;
            }
            Event::TooDeep(at) => {
                self.remove(Removed::TooDeep, at);
                return;
            }
        };
        match token {
            Token::AtKeyword(name) if name.eq_ignore_ascii_case("import") => {
                self.remove(Removed::Import, at);
                self.state = State::DroppingStatement { depth: self.depth };
            }
            Token::UnquotedUrl(url) if self.usage.fragments_allowed() && internal(url) => {
                self.write(token, at);
            }
            Token::UnquotedUrl(_) | Token::BadUrl(_) => {
                self.replace(Removed::Url, at);
            }
            Token::Function(name) => {
                let name = lower(name);
                if name == "url" && self.usage.fragments_allowed() {
                    self.depth += 1;
                    self.state = State::UrlFunction {
                        depth: self.depth - 1,
                        held: vec![(token.clone(), at)],
                    };
                } else if name == "url" {
                    self.replace(Removed::Url, at);
                    self.drop_block();
                } else if fetches(&name) {
                    self.replace(Removed::Function(shown(&name)), at);
                    self.drop_block();
                } else {
                    self.write(token, at);
                    self.depth += 1;
                }
            }
            Token::Ident(name) if binds(&lower(name)) => {
                self.state = State::Property {
                    held: vec![(token.clone(), at)],
                };
            }
            _ => {
                self.write(token, at);
                self.depth += opens(token);
            }
        }
    }

    /// Drops the contents of the function just opened (and replaced).
    fn drop_block(&mut self) {
        self.state = State::DroppingBlock { depth: self.depth };
        self.depth += 1;
    }

    /// Writes a kept token, whose source text is `at` of the input (`0..0` for the end of a
    /// block the input left open).
    fn write(&mut self, token: &Token, at: Range<usize>) {
        self.out.token(token, self.css.get(at).unwrap_or(""));
        self.track(token);
    }

    /// Follows whether the last significant token written names a binding property.
    fn note_binding(&mut self, token: &Token) {
        match token {
            Token::WhiteSpace(_) | Token::Comment(_) => {}
            Token::Ident(name) => self.after_binding = binds(&lower(name)),
            _ => self.after_binding = false,
        }
    }

    /// Follows the top level's statements.
    fn track(&mut self, token: &Token) {
        self.note_binding(token);
        if self.depth == 0 {
            match token {
                Token::WhiteSpace(_) | Token::Comment(_) | Token::CDO | Token::CDC => {}
                Token::Semicolon => self.open_statement = None,
                Token::AtKeyword(_) if self.open_statement.is_none() => {
                    self.open_statement = Some(true);
                }
                _ if self.open_statement.is_none() => self.open_statement = Some(false),
                _ => {}
            }
        }
    }

    fn finish(mut self) -> Cleaned {
        if let State::Property { held } = std::mem::replace(&mut self.state, State::Copying) {
            for (token, at) in held {
                self.write(&token, at);
            }
        }
        if self.usage != Use::SvgAttribute {
            match self.open_statement {
                // Neither can run into what comes before.
                Some(true) => self.out.write(";", TokenSerializationType::Other, false),
                Some(false) => self.out.write("{}", TokenSerializationType::Other, false),
                None => {}
            }
        }
        Cleaned {
            css: self.out.css,
            removed: self.removed,
        }
    }
}

/// 1 if `token` opens a block (whose contents and `Close` follow), else 0.
fn opens(token: &Token) -> usize {
    usize::from(matches!(
        token,
        Token::Function(_)
            | Token::ParenthesisBlock
            | Token::SquareBracketBlock
            | Token::CurlyBracketBlock
    ))
}

// ---- What e-readers choke on ------------------------------------------------------------------

/// Something e-readers are known to lay out badly, and its byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trouble {
    pub what: &'static str,
    pub at: Range<usize>,
}

/// What e-readers are known to choke on, in declarations (not in comments or strings):
/// `display: flex` and `grid`, fixed positioning, `text-rendering`, `-webkit-` prefixes.
pub fn reader_troubles(css: &str) -> Vec<Trouble> {
    let mut found = Vec::new();
    // An identifier not yet known to be a property (a `:` after it says so).
    let mut candidate: Option<(String, Range<usize>)> = None;
    // The declaration being read: its property, where it starts, its block's depth.
    let mut property: Option<(String, usize, usize)> = None;
    let mut depth = 0;
    let webkit_value = |found: &mut Vec<Trouble>, name: &str, at: Range<usize>| {
        if name.starts_with("-webkit-") {
            found.push(Trouble {
                what: "a `-webkit-` prefix",
                at,
            });
        }
    };
    walk(css, &mut |event| {
        let (token, at) = match event {
            Event::Token(token, at) => (token, at),
            Event::Close(..) | Event::TooDeep(_) => {
                if let Event::Close(..) = event {
                    depth -= 1;
                    if property.as_ref().is_some_and(|p| p.2 > depth) {
                        property = None;
                    }
                }
                if let Some((name, at)) = candidate.take() {
                    webkit_value(&mut found, &name, at);
                }
                return;
            }
        };
        match token {
            Token::WhiteSpace(_) | Token::Comment(_) => return,
            Token::Colon => {
                if let Some((name, at)) = candidate.take() {
                    let what = match name.as_str() {
                        "text-rendering" => Some("`text-rendering`"),
                        n if n.starts_with("-webkit-") => Some("a `-webkit-` property"),
                        _ => None,
                    };
                    if let Some(what) = what {
                        found.push(Trouble {
                            what,
                            at: at.clone(),
                        });
                    }
                    property = Some((name, at.start, depth));
                }
                return;
            }
            _ => {}
        }
        if let Some((name, at)) = candidate.take() {
            webkit_value(&mut found, &name, at);
        }
        match token {
            Token::Ident(name) => {
                let name = lower(name).into_owned();
                if let Some((prop, start, d)) = &property
                    && *d == depth
                {
                    let what = match (prop.as_str(), name.as_str()) {
                        ("display", "flex") => Some("`display: flex`"),
                        ("display", "inline-flex") => Some("`display: inline-flex`"),
                        ("display", "grid") => Some("`display: grid`"),
                        ("display", "inline-grid") => Some("`display: inline-grid`"),
                        ("position", "fixed") => Some("`position: fixed`"),
                        _ => None,
                    };
                    if let Some(what) = what {
                        found.push(Trouble {
                            what,
                            at: *start..at.end,
                        });
                    }
                }
                candidate = Some((name, at));
            }
            Token::Function(name) | Token::AtKeyword(name) => {
                webkit_value(&mut found, &lower(name), at);
            }
            Token::Semicolon | Token::CurlyBracketBlock
                if property.as_ref().is_some_and(|p| p.2 == depth) =>
            {
                property = None;
            }
            _ => {}
        }
        depth += opens(token);
    });
    if let Some((name, at)) = candidate {
        webkit_value(&mut found, &name, at);
    }
    found
}

/// The promise of [`clean`], as a check that the unit tests and the fuzz target share.
#[cfg(any(test, feature = "testing"))]
pub mod testing {
    pub use super::Use;
    use super::*;

    /// Cleans `css` and checks the result, read again by the tokenizer: no `@import`, no url
    /// but a fragment where `usage` allows one, no function that loads a file, no binding
    /// property; and cleaning it again changes nothing.
    pub fn check(css: &str, usage: Use) -> Result<Cleaned, String> {
        let cleaned = clean(css, usage);
        let mut tokens: Vec<Token<'static>> = Vec::new();
        walk(&cleaned.css, &mut |event| match event {
            Event::Token(t, _) => tokens.push(owned(t)),
            Event::Close(t, _) => tokens.push(t),
            Event::TooDeep(_) => tokens.push(Token::BadUrl("too deep".into())),
        });
        let significant: Vec<&Token> = tokens
            .iter()
            .filter(|t| !matches!(t, Token::WhiteSpace(_) | Token::Comment(_)))
            .collect();
        for (i, token) in significant.iter().enumerate() {
            let next = significant.get(i + 1);
            let bad = match token {
                Token::AtKeyword(n) => n.eq_ignore_ascii_case("import"),
                Token::UnquotedUrl(u) => !(usage.fragments_allowed() && internal(u)),
                Token::BadUrl(_) => true,
                Token::Function(n) if n.eq_ignore_ascii_case("url") => {
                    !(usage.fragments_allowed()
                        && matches!(next, Some(Token::QuotedString(s)) if internal(s))
                        && matches!(significant.get(i + 2), Some(Token::CloseParenthesis)))
                }
                Token::Function(n) => fetches(&n.to_ascii_lowercase()),
                Token::Ident(n) => {
                    binds(&n.to_ascii_lowercase()) && matches!(next, Some(Token::Colon))
                }
                _ => false,
            };
            if bad {
                return Err(format!(
                    "{token:?} is left in the cleaned CSS:\n{}",
                    cleaned.css
                ));
            }
        }
        let again = clean(&cleaned.css, usage);
        if !again.removed.is_empty() || again.css != cleaned.css {
            return Err(format!(
                "cleaning twice changes the CSS ({:?} removed):\n{}\n----\n{}",
                again.removed, cleaned.css, again.css
            ));
        }
        Ok(cleaned)
    }

    fn owned(token: &Token) -> Token<'static> {
        // The tokens of a string that dies with the walk: compared through their writing.
        match token {
            Token::AtKeyword(n) => Token::AtKeyword(n.to_string().into()),
            Token::UnquotedUrl(n) => Token::UnquotedUrl(n.to_string().into()),
            Token::BadUrl(n) => Token::BadUrl(n.to_string().into()),
            Token::Function(n) => Token::Function(n.to_string().into()),
            Token::Ident(n) => Token::Ident(n.to_string().into()),
            Token::QuotedString(n) => Token::QuotedString(n.to_string().into()),
            Token::Colon => Token::Colon,
            Token::CloseParenthesis => Token::CloseParenthesis,
            Token::WhiteSpace(_) => Token::WhiteSpace(" "),
            Token::Comment(_) => Token::Comment(""),
            _ => Token::Delim('?'),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::testing::check;
    use super::*;

    /// Cleans for the book, checks the promise, and gives the CSS and what was removed.
    fn book(css: &str) -> (String, Vec<Removed>) {
        let cleaned = check(css, Use::Book).unwrap_or_else(|e| panic!("{e}"));
        let removed = cleaned.removed.into_iter().map(|r| r.what).collect();
        (cleaned.css, removed)
    }

    #[test]
    fn imports_go_however_spelt() {
        for css in [
            "@import 'x.css';",
            "@IMPORT url(https://e.vil/x.css);",
            "@\\69mport url(https://e.vil/x.css);",
            "@\\000069 mport url(https://e.vil/x.css);",
            "@\\49 MPORT \"https://e.vil/x.css\" screen;",
            "@im\\70 ort url(https://e.vil/x.css) supports(display: grid) { p { color: red } }",
            "p { @import 'x.css'; color: red }",
        ] {
            let (out, removed) = book(css);
            assert_eq!(removed[0], Removed::Import, "{css}");
            assert!(!out.contains("e.vil"), "{css} → {out}");
        }
        // A removal leaves a gap, never a join: the halves around it cannot make a new one.
        assert_eq!(
            book("@imp@import \"x\";ort \"https://e.vil/x.css\";"),
            (
                "@imp ort \"https://e.vil/x.css\";".to_string(),
                vec![Removed::Import]
            )
        );
        assert_eq!(book("@imp@import \"x\";ort").0, "@imp ort;");
        // What is not an `@import` to a browser stays what it is.
        assert_eq!(book("@im/**/port 'x';").0, "@im/**/port 'x';");
    }

    #[test]
    fn references_go_however_spelt() {
        let cases = [
            ("p { background: url(https://e.vil/x.png) }", Removed::Url),
            (
                "p { background: \\75 rl(https://e.vil/x.png) }",
                Removed::Url,
            ),
            (
                "p { background: U\\RL( 'https://e.vil/x.png' ) }",
                Removed::Url,
            ),
            ("p { background: url(https://e.vil/x.png", Removed::Url),
            ("p { background: url(https://e.vil/(x).png) }", Removed::Url),
            (
                "p { background: image-set(\"https://e.vil/x.png\" 1x) }",
                Removed::Function("image-set".into()),
            ),
            (
                "p { background: -WEBKIT-image-set(url(x.png) 1x) }",
                Removed::Function("-webkit-image-set".into()),
            ),
            (
                "p { background: src(\"x.png\") }",
                Removed::Function("src".into()),
            ),
            (
                "p { background: image(\"x.png\") }",
                Removed::Function("image".into()),
            ),
            (
                "p { background: cross-fade(url(a.png), url(b.png), 50%) }",
                Removed::Function("cross-fade".into()),
            ),
            (
                "p { background: element(#x) }",
                Removed::Function("element".into()),
            ),
            (
                "p { background: -moz-element(#x) }",
                Removed::Function("-moz-element".into()),
            ),
            (
                "p { width: expression(alert(1)) }",
                Removed::Function("expression".into()),
            ),
            (
                "p { list-style: -moz-image-rect(url(x), 0, 1, 1, 0) }",
                Removed::Function("-moz-image-rect".into()),
            ),
        ];
        for (css, what) in cases {
            let (out, removed) = book(css);
            assert_eq!(removed, vec![what], "{css} → {out}");
            assert!(
                out.contains("background: none") || out.contains(": none"),
                "{css} → {out}"
            );
            assert!(
                !out.contains("e.vil") && !out.contains("x.png)"),
                "{css} → {out}"
            );
        }
        assert_eq!(
            book("p { background: url(x.png) no-repeat; color: red }").0,
            "p { background: none no-repeat; color: red }"
        );
        // In a string a url is words, not a reference.
        assert_eq!(
            book("p::after { content: \"url(https://e.vil/x.png)\" }"),
            (
                "p::after { content: \"url(https://e.vil/x.png)\" }".into(),
                vec![]
            )
        );
    }

    #[test]
    fn binding_properties_go() {
        let (out, removed) = book(
            "p { color: red; behavior: url(x.htc); margin: 0 }\nq { -MOZ-binding /* c */ : url(x.xml#b) }\nbehavior { color: red }",
        );
        assert_eq!(
            removed,
            vec![
                Removed::Property("behavior".into()),
                Removed::Property("-moz-binding".into())
            ]
        );
        assert_eq!(
            out,
            "p { color: red;  margin: 0 }\nq { }\nbehavior { color: red }"
        );
        // Found by the `css` fuzz target: a removal between the name and a later `:` leaves a
        // word there, or the name and the `:` would meet as a new declaration.
        // A block too deep to read, right after the name (the name itself at the deepest level).
        let deep = format!("{}-moz-binding [x] : y", "{".repeat(MAX_DEPTH - 1));
        for css in [
            "p { behavior @import x; : y }",
            "p { behavior/**/@import x;:y }",
            &deep,
        ] {
            let cleaned = testing::check(css, Use::Book).unwrap();
            assert!(cleaned.css.contains("none"), "{}", cleaned.css);
        }
    }

    #[test]
    fn an_image_keeps_its_own_fragments() {
        for css in [
            "fill: url(#g)",
            "fill: url( #g )",
            "fill: url(\"#g\")",
            "fill: URL( '#g' )",
        ] {
            let cleaned = check(css, Use::SvgAttribute).unwrap();
            assert!(cleaned.removed.is_empty(), "{css}: {:?}", cleaned.removed);
            assert!(cleaned.css.contains("#g"), "{css} → {}", cleaned.css);
            assert_eq!(clean(css, Use::Book).removed.len(), 1, "{css}");
        }
        for css in [
            "fill: url(x.svg#g)",
            "fill: url('https://e.vil/#g')",
            "fill: url('#g' 'x')",
            "fill: url(#g x)",
            "fill: image(\"#g\")",
        ] {
            let cleaned = check(css, Use::SvgAttribute).unwrap();
            assert_eq!(cleaned.removed.len(), 1, "{css}: {:?}", cleaned.removed);
            assert_eq!(cleaned.css, "fill: none", "{css}");
        }
    }

    #[test]
    fn removals_are_placed() {
        let css =
            "p { color: red }\n@import 'x';\nq { b: url(y); c: image-set(url(z) 1x); behavior: x }";
        let cleaned = clean(css, Use::Book);
        let at: Vec<&str> = cleaned.removed.iter().map(|r| &css[r.at.clone()]).collect();
        assert_eq!(
            at,
            vec![
                "@import 'x';",
                "url(y)",
                "image-set(url(z) 1x)",
                "behavior: x "
            ]
        );
    }

    #[test]
    fn the_sheet_ends_closed() {
        // Whatever the book puts after a user's sheet is not swallowed by what it left open.
        assert_eq!(book("p { color: red").0, "p { color: red}");
        assert_eq!(book("p { content: \"abc").0, "p { content: \"abc\"}");
        assert_eq!(book("p { color: red }\nh1").0, "p { color: red }\nh1{}");
        assert_eq!(book("@media print").0, "@media print;");
        assert_eq!(
            book("p { color: red } /* note").0,
            "p { color: red } /* note*/"
        );
        assert_eq!(book("} p { color: red }").0, "} p { color: red }");
        assert_eq!(book("p { color: red } }").0, "p { color: red } }{}");
        // A declaration list (an SVG's `style=""`) is not a style sheet: nothing is added.
        assert_eq!(clean("fill: red", Use::SvgAttribute).css, "fill: red");
    }

    #[test]
    fn a_unit_that_looks_like_an_exponent_stays_a_unit() {
        // Found by the `css` fuzz target: a dimension written anew (its unit holds a NUL) as
        // `80.0e222…` was read again as one number.
        for css in [
            "\0\0[22/0.8e2e222\0\\}#g); str(x",
            "p { width: 1e2e5\0 }",
            "p { width: 3E-4x\0 }",
        ] {
            for usage in [Use::Book, Use::SvgSheet, Use::SvgAttribute] {
                super::testing::check(css, usage).unwrap_or_else(|e| panic!("{css:?}: {e}"));
            }
        }
        assert!(exponent_like("e2") && exponent_like("E-4x") && !exponent_like("em"));
    }

    #[test]
    fn deep_nesting_is_cut_without_recursion() {
        for open in ["(", "[", "{", "a(", "url(\"#x\" "] {
            let css = open.repeat(100_000);
            let cleaned = check(&css, Use::SvgSheet).unwrap();
            let removed: Vec<_> = cleaned.removed.into_iter().map(|r| r.what).collect();
            // A `url(` holding more than a fragment goes as a whole.
            let whole = if open.starts_with("url") {
                Removed::Url
            } else {
                Removed::TooDeep
            };
            assert_eq!(removed, vec![whole], "{open}");
        }
        // `p {` is the first level: 63 in all are kept, the 64th goes.
        let nested = |n: usize| format!("p {{ {}x{} }}", "(".repeat(n), ")".repeat(n));
        let css = nested(MAX_DEPTH - 2);
        assert_eq!(book(&css), (css, vec![]));
        assert_eq!(
            book(&nested(MAX_DEPTH - 1)),
            (
                format!(
                    "p {{ {} {} }}",
                    "(".repeat(MAX_DEPTH - 2),
                    ")".repeat(MAX_DEPTH - 2)
                ),
                vec![Removed::TooDeep]
            )
        );
    }

    #[test]
    fn troubles_read_tokens() {
        let found = |css: &str| -> Vec<&'static str> {
            reader_troubles(css).into_iter().map(|t| t.what).collect()
        };
        assert_eq!(found("p { display: \\66 lex }"), vec!["`display: flex`"]);
        assert_eq!(
            found("p { DISPLAY : Inline-Grid }"),
            vec!["`display: inline-grid`"]
        );
        assert_eq!(
            found("p { content: 'display: flex'; /* position: fixed */ }"),
            Vec::<&str>::new()
        );
        assert_eq!(
            found("p { display: -webkit-box; -webkit-hyphens: auto; width: -webkit-calc(1em) }"),
            vec![
                "a `-webkit-` prefix",
                "a `-webkit-` property",
                "a `-webkit-` prefix"
            ]
        );
        assert_eq!(
            found("a:hover, p::first-line { text-rendering: auto }"),
            vec!["`text-rendering`"]
        );
    }

    /// A keyword as an attacker may spell it: each letter as it is, in upper case, or
    /// escaped (`\69`, `\000069 `, `\69 `); a comment may cut it (which makes it another word).
    fn spelt(word: &'static str) -> impl Strategy<Value = String> {
        let letters: Vec<BoxedStrategy<String>> = word
            .chars()
            .map(|c| {
                let hex = format!("{:x}", c as u32);
                prop_oneof![
                    4 => Just(c.to_string()),
                    2 => Just(c.to_ascii_uppercase().to_string()),
                    1 => Just(format!("\\{hex}")),
                    1 => Just(format!("\\{hex} ")),
                    1 => Just(format!("\\{hex:0>6} ")),
                    1 => Just(format!("\\{:X}\t", c as u32)),
                    1 => Just(if c.is_ascii_hexdigit() { c.to_string() } else { format!("\\{c}") }),
                    1 => Just(format!("/**/{c}")),
                ]
                .boxed()
            })
            .collect();
        letters.prop_map(|parts| parts.concat())
    }

    /// Pieces of a hostile style sheet.
    fn piece() -> impl Strategy<Value = String> {
        let remote = prop_oneof![
            Just("https://e.vil/x".to_string()),
            Just("//e.vil/x".to_string()),
            Just("#g".to_string()),
            Just("x.png".to_string()),
        ];
        let function = prop_oneof![
            spelt("url"),
            spelt("image-set"),
            spelt("-webkit-image-set"),
            spelt("src"),
            spelt("image"),
            spelt("cross-fade"),
            spelt("element"),
            spelt("expression"),
            Just("var".to_string()),
            Just("calc".to_string()),
        ];
        let quote = prop_oneof![Just(""), Just("\""), Just("'")];
        prop_oneof![
            (
                spelt("@import"),
                quote.clone(),
                remote.clone(),
                quote.clone()
            )
                .prop_map(|(a, q1, r, q2)| format!("{a} {q1}{r}{q2};")),
            (spelt("@import"), spelt("url"), remote.clone())
                .prop_map(|(a, u, r)| format!("{a} {u}({r});")),
            (function.clone(), quote.clone(), remote.clone(), quote)
                .prop_map(|(f, q1, r, q2)| format!("{f}({q1}{r}{q2})")),
            (spelt("behavior"), remote.clone()).prop_map(|(b, r)| format!("{b}: url({r});")),
            (spelt("-moz-binding"), remote.clone()).prop_map(|(b, r)| format!("{b}:url({r})")),
            remote,
            prop_oneof![
                Just("p { color: red; }"),
                Just("p{"),
                Just("}"),
                Just("("),
                Just(")"),
                Just("["),
                Just("\""),
                Just("'"),
                Just("\\"),
                Just("\\\n"),
                Just("/*"),
                Just("*/"),
                Just("\n"),
                Just(" "),
                Just(";"),
                Just(":"),
                Just("@"),
                Just("-"),
                Just("--"),
                Just("<!--"),
                Just("-->"),
                Just("1e"),
                Just(".5"),
                Just("0"),
                Just("#"),
                Just("%"),
                Just("u"),
                Just("\0"),
                Just("content: \"url(https://e.vil/x)\";"),
            ]
            .prop_map(str::to_string),
        ]
    }

    proptest! {
        // 2,000 cases in every test run; PROPTEST_CASES=100000 for a long search.
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2000),
            ..ProptestConfig::default()
        })]

        /// Obfuscated `@import`s and references, cut into each other, left open, nested:
        /// what is cleaned, read again, holds none, and cleaning it again changes nothing.
        #[test]
        fn any_css_is_cleaned_for_good(pieces in prop::collection::vec(piece(), 1..12)) {
            let css = pieces.concat();
            for usage in [Use::Book, Use::SvgSheet, Use::SvgAttribute] {
                if let Err(e) = check(&css, usage) {
                    return Err(TestCaseError::fail(format!("{usage:?} on {css:?}: {e}")));
                }
            }
        }

        #[test]
        fn any_text_is_cleaned_for_good(css in "\\PC{0,120}") {
            for usage in [Use::Book, Use::SvgSheet, Use::SvgAttribute] {
                if let Err(e) = check(&css, usage) {
                    return Err(TestCaseError::fail(format!("{usage:?} on {css:?}: {e}")));
                }
            }
        }
    }
}
