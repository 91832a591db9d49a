//! Small text helpers shared by every stage: XML escaping that also drops the characters XML
//! forbids, slugs for file names and ids, whitespace normalisation, and strings packed end to
//! end for what a book keeps of each of thousands of essays.

/// Whether XML 1.0 allows `c` in a document. C1 controls are allowed by XML but are never
/// wanted in a book (they are what a mis-decoded Windows-1252 file leaves behind), so they go too.
#[inline]
pub fn is_xml_char(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => true,
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' => false,
        '\u{FFFE}' | '\u{FFFF}' => false,
        _ => true,
    }
}

/// The bytes [`escape_into`] looks at: `"` is escaped everywhere, so that one function serves
/// text and attribute values; bytes below 0x20 and the lead bytes of C1 controls and of
/// U+FFFE..FFFF are checked slowly. A table, so that the scan is one load and test a byte.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = matches!(
            b as u8,
            b'&' | b'<' | b'>' | b'"' | 0..=0x1F | 0x7F | 0xC2 | 0xEF
        );
        b += 1;
    }
    table
};

/// Appends `s` to `out`, escaped for XML text or a double-quoted attribute value, without the
/// characters XML forbids.
/// [`escape_into`] for an attribute value: a line break or tab in it is written as a
/// character reference, since an XML reader turns a literal one into a space.
pub fn escape_attr_into(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find(['\n', '\t']) {
        escape_into(out, &rest[..i]);
        out.push_str(if rest.as_bytes()[i] == b'\n' {
            "&#10;"
        } else {
            "&#9;"
        });
        rest = &rest[i + 1..];
    }
    escape_into(out, rest);
}

pub fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i..]
            .iter()
            .position(|&b| NEEDS_ESCAPE[usize::from(b)])
        {
            Some(skip) => i += skip,
            None => break,
        }
        let c = s[i..].chars().next().unwrap_or('\u{0}');
        let replacement = match c {
            '&' => Some("&amp;"),
            '<' => Some("&lt;"),
            '>' => Some("&gt;"),
            '"' => Some("&quot;"),
            // CRLF becomes LF and a lone CR becomes LF, as an XML reader would read them.
            '\r' if bytes.get(i + 1) == Some(&b'\n') => Some(""),
            '\r' => Some("\n"),
            c if !is_xml_char(c) => Some(""),
            _ => None,
        };
        if let Some(rep) = replacement {
            out.push_str(&s[start..i]);
            out.push_str(rep);
            start = i + c.len_utf8();
        }
        i += c.len_utf8();
    }
    out.push_str(&s[start..]);
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// Keeps only characters XML allows (for text that is escaped later or compared).
pub fn strip_forbidden(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().all(is_xml_char) {
        s.into()
    } else {
        s.chars()
            .filter(|&c| is_xml_char(c))
            .collect::<String>()
            .into()
    }
}

/// A lowercase ASCII slug: letters and digits joined by single hyphens. Non-Latin text is
/// transliterated first ("Études" → "etudes", "Ελλάδα" → "ellada"). May be empty.
pub fn slug(s: &str) -> String {
    let ascii = deunicode::deunicode(s);
    let mut out = String::with_capacity(ascii.len());
    let mut pending_dash = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c.to_ascii_lowercase());
        } else if c != '\'' && c != '’' {
            pending_dash = true;
        }
    }
    // Very long headings make very long ids; 60 characters keep them unique enough.
    if out.len() > 60 {
        out.truncate(60);
        while out.ends_with('-') {
            out.pop();
        }
    }
    out
}

/// "1 essay", "5 essays": a count and an English noun that takes an `s`.
pub fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A file or folder name as a title: `my-first-post` → "My First Post" (what Jekyll and Hugo
/// show for a post without a title). Words are split at `-`, `_`, whitespace and control
/// characters; `fallback` when none is left.
pub fn title_from_name(name: &str, fallback: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| matches!(c, '-' | '_') || c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        })
        .collect();
    if words.is_empty() {
        fallback.to_string()
    } else {
        words.join(" ")
    }
}

/// FNV-1a: a stable hash (std's hashers are seeded per process).
pub fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Collapses runs of whitespace into one space and trims the ends.
pub fn squash_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Compares two titles the way a reader would: ignoring case, punctuation style and spacing.
pub fn same_title(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '‘' | '’' | '‛' | '′' => '\'',
                '“' | '”' | '„' | '″' => '"',
                '–' | '—' => '-',
                '\u{2060}' | '\u{00AD}' => ' ',
                c => c,
            })
            .flat_map(char::to_lowercase)
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
    norm(a) == norm(b)
}

/// Makes `s` usable as (the tail of) an XML ID: keeps letters, digits, `-`, `_`, `.`.
pub fn id_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// How much there is to read: words in scripts that put spaces between words, and characters
/// in those that do not (Chinese, Japanese), which are read — and counted — one by one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Words {
    pub spaced: usize,
    pub cjk: usize,
}

/// Reading speeds of an adult reading for pleasure: about 230 words a minute in English and
/// its neighbours, about 500 characters a minute in Chinese and Japanese.
const WORDS_PER_MINUTE: usize = 230;
const CJK_PER_MINUTE: usize = 500;

impl Words {
    /// The word count a reader expects: each CJK character counts as a word.
    pub fn total(self) -> usize {
        self.spaced + self.cjk
    }

    /// Reading time in whole minutes, rounded up (so at least 1 for any text).
    pub fn minutes(self) -> usize {
        let seconds = (self.spaced * 60).div_ceil(WORDS_PER_MINUTE)
            + (self.cjk * 60).div_ceil(CJK_PER_MINUTE);
        seconds.div_ceil(60)
    }
}

impl std::ops::Add for Words {
    type Output = Words;
    fn add(self, other: Words) -> Words {
        Words {
            spaced: self.spaced + other.spaced,
            cjk: self.cjk + other.cjk,
        }
    }
}

/// Chinese characters and Japanese kana: scripts written without spaces between words.
/// (Korean puts spaces between words, so Hangul is counted by words.)
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'     // hiragana, katakana
        | '\u{31F0}'..='\u{31FF}'   // katakana extensions
        | '\u{3400}'..='\u{4DBF}'   // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}'   // compatibility ideographs
        | '\u{FF66}'..='\u{FF9D}'   // half-width katakana
        | '\u{20000}'..='\u{3134F}' // extensions B to G
    )
}

/// Whether the tag `rest` starts with is one of the elements that sit inside a line of text.
fn is_inline_tag(rest: &str) -> bool {
    const INLINE: &[&str] = &[
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins",
        "kbd", "mark", "q", "s", "small", "span", "strong", "sub", "sup", "time", "u", "var",
    ];
    let name = rest.trim_start_matches(['<', '/']);
    let len = name
        .bytes()
        .position(|b| !b.is_ascii_alphanumeric())
        .unwrap_or(name.len());
    INLINE.contains(&&name[..len])
}

/// [`measure`]'s classes of bytes: ASCII letters and digits; the joiners that keep a word
/// whole (`don't`, `well-read`); other ASCII, which ends a word; and the rest (markup, entities,
/// link markers, non-ASCII characters), looked at one by one.
const BREAK: u8 = 0;
const LETTER: u8 = 1;
const JOINER: u8 = 2;
const OTHER: u8 = 3;
static WORD_CLASS: [u8; 256] = {
    let mut table = [OTHER; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if c.is_ascii_alphanumeric() {
            LETTER
        } else if c == b'\'' || c == b'-' {
            JOINER
        } else if c == b'<' || c == b'&' || c == 0 {
            OTHER
        } else {
            BREAK
        };
        b += 1;
    }
    table
};

/// What [`measure`] finds in a chapter's XHTML.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measure {
    pub words: Words,
    /// Footnotes (elements with `epub:type="footnote"`).
    pub notes: usize,
    /// Section headings, `<h2>` to `<h6>`.
    pub headings: usize,
}

/// Counts the words of an XHTML fragment's text: tags, entities, note numbers and the
/// converter's link markers (`\0…\0`) are not words; `don't` and `well-read` are one word each.
#[cfg(test)]
fn count_words(xhtml: &str) -> Words {
    measure(xhtml).words
}

/// Words, notes and headings of an XHTML fragment, in one pass. Text cannot forge a tag: the
/// writer escapes every `<` and `"` of it. ASCII goes byte by byte; only other characters are
/// decoded.
pub fn measure(xhtml: &str) -> Measure {
    let mut m = Measure::default();
    let bytes = xhtml.as_bytes();
    let mut in_word = false;
    let mut i = 0;
    while i < bytes.len() {
        // A run of plain ASCII text, without a branch a byte: a word starts where a letter or
        // digit follows anything but a letter, a digit or a joiner inside a word.
        let mut spaced = 0;
        let mut word = usize::from(in_word);
        let run = bytes[i..]
            .iter()
            .position(|&b| {
                let class = WORD_CLASS[usize::from(b)];
                if class == OTHER {
                    return true;
                }
                let letter = usize::from(class == LETTER);
                let joiner = usize::from(class == JOINER);
                spaced += letter & (word ^ 1);
                word = letter | (joiner & word);
                false
            })
            .unwrap_or(bytes.len() - i);
        m.words.spaced += spaced;
        in_word = word == 1;
        i += run;
        let Some(&b) = bytes.get(i) else {
            break;
        };
        match b {
            b'<' => {
                let rest = &xhtml[i..];
                let tag_end = rest.find('>').map_or(rest.len(), |e| e + 1);
                let tag = &rest[..tag_end];
                // A note's number, in the text or before the note, is a mark rather than a word.
                if tag.starts_with("<a class=\"noteref\"")
                    || tag.starts_with("<a class=\"note-number\"")
                {
                    in_word = false;
                    i += rest.find("</a>").map_or(rest.len(), |e| e + "</a>".len());
                    continue;
                }
                let name = tag.as_bytes().get(1..3).unwrap_or_default();
                if name.first() == Some(&b'h') && matches!(name.get(1), Some(b'2'..=b'6')) {
                    m.headings += 1;
                }
                if tag.len() > 20 && tag.contains("epub:type=\"footnote\"") {
                    m.notes += 1;
                }
                // An inline tag inside a word (`un<em>break</em>able`) does not split it; a
                // block's tag (`</p><p>`) does.
                in_word &= is_inline_tag(tag);
                i += tag_end;
            }
            // An entity (`&amp;`) or a link marker splits words.
            b'&' | b'\0' => {
                let end = if b == b'&' { b';' } else { b'\0' };
                in_word = false;
                i += 1 + bytes[i + 1..]
                    .iter()
                    .position(|&c| c == end)
                    .map_or(bytes.len() - i - 1, |e| e + 1);
            }
            _ => {
                let c = xhtml[i..].chars().next().unwrap_or(' ');
                if ('\u{2000}'..='\u{206F}').contains(&c) {
                    // General punctuation (curly quotes, dashes): no letters, two joiners.
                    in_word &= matches!(c, '’' | '‐');
                } else if is_cjk(c) {
                    m.words.cjk += 1;
                    in_word = false;
                } else if c.is_alphanumeric() {
                    m.words.spaced += usize::from(!in_word);
                    in_word = true;
                } else if !(in_word && matches!(c, '’' | '‐')) {
                    in_word = false;
                }
                i += c.len_utf8();
            }
        }
    }
    m
}

/// A list of strings end to end in one allocation, and where each ends in another: what a book
/// keeps of each of its essays (a summary, the anchors links may name), without a dozen small
/// allocations per essay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packed {
    text: Box<str>,
    ends: Box<[u32]>,
}

impl Packed {
    pub fn builder() -> PackedBuilder {
        PackedBuilder::default()
    }

    /// How many strings there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The `i`th string; empty past the end.
    pub fn get(&self, i: usize) -> &str {
        let start = i.checked_sub(1).and_then(|p| self.ends.get(p));
        let start = start.map_or(0, |&s| s as usize);
        let end = self.ends.get(i).map_or(start, |&e| e as usize);
        &self.text[start..end]
    }
}

#[derive(Debug, Default)]
pub struct PackedBuilder {
    text: String,
    ends: Vec<u32>,
}

impl PackedBuilder {
    /// Adds a string. Lengths are counted in `u32`: past 4 GiB in all (which nothing an essay's
    /// summary or anchors hold comes near) a string is cut short at a character's boundary.
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        let mut end = self.text.len().min(u32::MAX as usize);
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        self.text.truncate(end);
        self.ends.push(end as u32);
    }

    pub fn finish(self) -> Packed {
        Packed {
            text: self.text.into_boxed_str(),
            ends: self.ends.into_boxed_slice(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_titles() {
        assert_eq!(
            title_from_name("my-first_post", "Untitled"),
            "My First Post"
        );
        assert_eq!(title_from_name("élan\tvital", "Untitled"), "Élan Vital");
        assert_eq!(title_from_name("--", "Untitled"), "Untitled");
        assert_eq!(count(0, "essay"), "0 essays");
        assert_eq!(count(1, "essay"), "1 essay");
    }

    /// The first, plain version of the word count: a character at a time.
    fn words_one_by_one(xhtml: &str) -> Words {
        let mut words = Words::default();
        let mut in_word = false;
        let mut rest = xhtml;
        while let Some(c) = rest.chars().next() {
            let skip_to = match c {
                '<' if rest.starts_with("<a class=\"noteref\"")
                    || rest.starts_with("<a class=\"note-number\"") =>
                {
                    Some("</a>")
                }
                '<' => Some(">"),
                '&' => Some(";"),
                '\0' => Some("\0"),
                _ => None,
            };
            if let Some(end) = skip_to {
                in_word &= end == ">" && is_inline_tag(rest);
                rest = rest[1..]
                    .find(end)
                    .map_or("", |i| &rest[1 + i + end.len()..]);
                continue;
            }
            if is_cjk(c) {
                words.cjk += 1;
                in_word = false;
            } else if c.is_alphanumeric() {
                words.spaced += usize::from(!in_word);
                in_word = true;
            } else if !(in_word && matches!(c, '\'' | '’' | '-' | '‐')) {
                in_word = false;
            }
            rest = &rest[c.len_utf8()..];
        }
        words
    }

    proptest::proptest! {
        #[test]
        fn the_fast_count_is_the_plain_count(
            xhtml in "([a-zé9 '’\\-‐.,;&<>\\x00读]|<em>|</em>|<p>|</p>|&amp;|<a class=\"noteref\" href=\"#n\">1</a>){0,60}"
        ) {
            proptest::prop_assert_eq!(measure(&xhtml).words, words_one_by_one(&xhtml));
        }
    }

    #[test]
    fn measures_notes_and_headings_in_one_pass() {
        let xhtml = "<h2 id=\"a\">One &amp; two</h2><p>Text<a class=\"noteref\" href=\"#n\">1</a> \
                     h2 &lt;h3</p><h6>Six</h6><header>x</header>\
                     <aside class=\"footnote\" epub:type=\"footnote\"><p><a class=\"note-number\" \
                     href=\"#r\">1</a> A note’s words.</p></aside>";
        let m = measure(xhtml);
        assert_eq!((m.notes, m.headings), (1, 2));
        // One, two, Text, h2, h3, Six, x, A, note’s, words.
        assert_eq!(m.words.spaced, 10);
    }

    #[test]
    fn escapes_and_drops_forbidden() {
        assert_eq!(escape("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
        assert_eq!(escape("x\u{0}y\u{1b}z\u{85}\u{FFFF}é€"), "xyzé€");
        assert_eq!(escape("a\r\nb\rc"), "a\nb\nc");
        assert_eq!(escape("tab\there"), "tab\there");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Self-Reliance"), "self-reliance");
        assert_eq!(slug("On Living to One’s Self"), "on-living-to-ones-self");
        assert_eq!(slug("  Études: été! "), "etudes-ete");
        assert_eq!(slug("!!!"), "");
    }

    #[test]
    fn titles_compare_loosely() {
        assert!(same_title("Closeness: A Film", "closeness:  a film"));
        assert!(same_title("Don’t", "Don't"));
        assert!(!same_title("One", "Two"));
    }

    #[test]
    fn words_are_counted_in_any_script() {
        let w = count_words("<p>Don't <em>stop</em> the well-read reader &amp; friends.</p>");
        assert_eq!(w, Words { spaced: 6, cjk: 0 });
        // A tag inside a word does not split it; block tags between words are spaces.
        assert_eq!(
            count_words("<p>un<em>break</em>able</p><p>next</p>").spaced,
            2
        );
        // Each Chinese or Japanese character is a word; Latin words among them too.
        let w = count_words("<p>我爱读书。ひらがな and iPhone</p>");
        assert_eq!(w, Words { spaced: 2, cjk: 8 });
        // Korean is spaced: words, not characters.
        assert_eq!(
            count_words("<p>나는 책을 읽는다</p>"),
            Words { spaced: 3, cjk: 0 }
        );
        // Link markers and note numbers are not text.
        assert_eq!(count_words("see \0<12\0this\0>12\0 now").spaced, 3);
        let note = "<p>Said.<a class=\"noteref\" epub:type=\"noteref\" href=\"#e_fn-1\">1</a></p>\
            <aside><p><a class=\"note-number\" href=\"#e_fnref-1\">1</a> A note.</p></aside>";
        assert_eq!(count_words(note).spaced, 3);
    }

    #[test]
    fn reading_time_rounds_up() {
        assert_eq!(Words::default().minutes(), 0);
        assert_eq!(Words { spaced: 1, cjk: 0 }.minutes(), 1);
        assert_eq!(
            Words {
                spaced: 230,
                cjk: 0
            }
            .minutes(),
            1
        );
        assert_eq!(
            Words {
                spaced: 231,
                cjk: 0
            }
            .minutes(),
            2
        );
        assert_eq!(
            Words {
                spaced: 0,
                cjk: 5000
            }
            .minutes(),
            10
        );
    }
}
