//! Other tools' YAML, for `anthology import`: blog front matter and site configuration read as
//! plain [`Data`] (no schema: every blog engine has its own keys), and scalars written back
//! as safe YAML. It lives here so that serde_yaml stays inside `manifest/`.

use std::path::Path;

use serde_yaml::Value;

use super::yaml::Doc;
use crate::diag::Diagnostic;

/// A YAML (or TOML, or JSON) document as plain data. Numbers and dates are kept as text:
/// a post's `title: 1984` is a title, and `date: 2020-01-02 10:00` is read later.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Data {
    #[default]
    Null,
    Bool(bool),
    Text(String),
    List(Vec<Data>),
    /// Keys in document order.
    Map(Vec<(String, Data)>),
}

impl Data {
    /// The value of `key` in a mapping (`None` for anything else).
    pub fn get(&self, key: &str) -> Option<&Data> {
        match self {
            Data::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The first of `keys` that holds a non-empty text.
    pub fn text_of(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.get(k).and_then(Data::text))
    }

    /// A scalar as trimmed text; `None` when empty or not a scalar.
    pub fn text(&self) -> Option<String> {
        match self {
            Data::Text(t) => Some(t.trim().to_string()).filter(|t| !t.is_empty()),
            Data::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A boolean, also when written as text (`draft: "true"`).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Data::Bool(b) => Some(*b),
            Data::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" => Some(true),
                "false" | "no" | "off" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The texts of a list, or of a single scalar.
    pub fn texts(&self) -> Vec<String> {
        match self {
            Data::List(items) => items.iter().filter_map(Data::text).collect(),
            other => other.text().into_iter().collect(),
        }
    }
}

/// Parses YAML into [`Data`]. A syntax error is reported at its `line:col` in `path`
/// (`line_offset`: lines of the file before `text`, as for front matter).
pub fn parse_data(path: &Path, text: &str, line_offset: usize) -> Result<Data, Vec<Diagnostic>> {
    let (_, value) = Doc::parse(path, text, line_offset)?;
    Ok(data(value))
}

fn data(value: Value) -> Data {
    match value {
        Value::Null => Data::Null,
        Value::Bool(b) => Data::Bool(b),
        Value::Number(n) => Data::Text(n.to_string()),
        Value::String(s) => Data::Text(s),
        Value::Sequence(items) => Data::List(items.into_iter().map(data).collect()),
        Value::Mapping(map) => Data::Map(
            map.into_iter()
                .filter_map(|(k, v)| match k {
                    Value::String(s) => Some((s, data(v))),
                    Value::Number(n) => Some((n.to_string(), data(v))),
                    Value::Bool(b) => Some((b.to_string(), data(v))),
                    _ => None,
                })
                .collect(),
        ),
        Value::Tagged(tagged) => data(tagged.value),
    }
}

/// `s` as a YAML scalar that reads back as exactly `s`: plain when that is safe and
/// unambiguous (`Jane Doe`, `2020-01-02`), else double-quoted with escapes.
pub fn yaml_scalar(s: &str) -> String {
    if plain_is_safe(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}') => {
                out.push_str(&format!("\\u{:04X}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn plain_is_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let is_date = {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        match b.len() {
            4 => digits(0..4),
            7 => digits(0..4) && b[4] == b'-' && digits(5..7),
            10 => digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10),
            _ => false,
        }
    };
    if is_date {
        return true;
    }
    // Words YAML 1.1 readers take for booleans or null, and anything that may read as a number.
    const SPECIAL: &[&str] = &[
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    ];
    first.is_alphabetic()
        && !SPECIAL.contains(&s.to_ascii_lowercase().as_str())
        && s.trim() == s
        && !s.chars().any(|c| {
            c.is_control()
                || matches!(
                    c,
                    '#' | ':'
                        | '{'
                        | '}'
                        | '['
                        | ']'
                        | '&'
                        | '*'
                        | '!'
                        | '|'
                        | '>'
                        | '%'
                        | '@'
                        | '`'
                        | '\\'
                        | '"'
                        | '\u{2028}'
                        | '\u{2029}'
                        | '\u{FEFF}'
                )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(s: &str) -> String {
        let yaml = format!("k: {}\n", yaml_scalar(s));
        let v: std::collections::BTreeMap<String, String> =
            serde_yaml::from_str(&yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"));
        v["k"].clone()
    }

    #[test]
    fn scalars_read_back_as_written() {
        for s in [
            "Jane Doe",
            "Closeness: A Film",
            "yes",
            "No",
            "1984",
            "3.14",
            "2020-01-02",
            "#hashtag",
            "- dash",
            "a \"quoted\" word",
            "back\\slash",
            "two\nlines",
            " padded ",
            "O'Brien's",
            "Études, été",
            "tab\there\u{7}",
            "[not] a list",
            "?",
            "",
        ] {
            assert_eq!(round_trip(s), s, "{s:?} → {}", yaml_scalar(s));
        }
        assert_eq!(yaml_scalar("Jane Doe"), "Jane Doe");
        assert_eq!(yaml_scalar("2020-01-02"), "2020-01-02");
        assert_eq!(yaml_scalar("yes"), "\"yes\"");
    }

    #[test]
    fn data_from_yaml() {
        let d = parse_data(
            Path::new("p.md"),
            "title: 1984\ndraft: true\ntags: [a, b]\nauthor:\n  name: X\n",
            1,
        )
        .unwrap();
        assert_eq!(d.text_of(&["title"]).as_deref(), Some("1984"));
        assert_eq!(d.get("draft").and_then(Data::as_bool), Some(true));
        assert_eq!(
            d.get("tags").map(Data::texts),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            d.get("author")
                .and_then(|a| a.text_of(&["name"]))
                .as_deref(),
            Some("X")
        );
        let err = parse_data(Path::new("p.md"), "title: [unclosed\n", 1).unwrap_err();
        assert!(err[0].to_string().contains("p.md:"), "{}", err[0]);
    }
}
