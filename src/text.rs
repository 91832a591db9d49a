//! Small text helpers shared by every stage: XML escaping that also drops the characters XML
//! forbids, slugs for file names and ids, and whitespace normalisation.

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

#[inline]
fn needs_escape(b: u8) -> bool {
    // `"` is escaped everywhere so that one function serves text and attribute values.
    // Bytes below 0x20 and the lead bytes of C1 controls / U+FFFE..FFFF are checked slowly.
    matches!(b, b'&' | b'<' | b'>' | b'"' | 0..=0x1F | 0x7F | 0xC2 | 0xEF)
}

/// Appends `s` to `out`, escaped for XML text or a double-quoted attribute value, without the
/// characters XML forbids.
pub fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !needs_escape(bytes[i]) {
            i += 1;
            continue;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
