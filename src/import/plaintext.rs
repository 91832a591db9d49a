//! Plain-text articles, as saved from the web: a title line, often the same title again (the
//! page's heading and its share card), a standfirst (a sentence or two that sells the piece),
//! a byline (possibly twice, possibly "By …", possibly with a date), then the paragraphs —
//! sometimes opened by the title once more. The recogniser finds the title, standfirst
//! (→ subtitle), byline (→ author) and date, drops the repetitions, and writes the body as
//! Markdown: paragraphs (a line each, or hard-wrapped lines joined), lists, and short lines
//! that stand alone between paragraphs as section headings. Markdown's own characters in the
//! text are escaped, so the words come out as written.

use std::path::Path;

use super::SourceKind;
use super::{
    BookInfo, Essay, Scan, Site, TEXT, front, humanize, open_source, read_text, rel_in, walk,
};
use crate::diag::Diagnostic;
use crate::manifest::Data;
use crate::text::same_title;

pub fn scan(source: &Path, diags: &mut Vec<Diagnostic>) -> Option<Scan> {
    let (root, file) = open_source(source, diags)?;
    let single = file.is_some();
    let files = match file {
        Some(f) => vec![f],
        None => walk(&root.abs, TEXT),
    };
    let mut essays = Vec::new();
    for path in files {
        let rel = rel_in(&root, &path).unwrap_or_default();
        let display = root.shown(&rel);
        let Some(text) = read_text(&root, &path, diags) else {
            continue;
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let article = recognise(&text);
        if article.body.trim().is_empty() {
            diags.push(
                Diagnostic::warning("import-empty", "the file holds no text; it is left out")
                    .in_file(&display),
            );
            continue;
        }
        let title = article.title.unwrap_or_else(|| {
            diags.push(
                Diagnostic::warning(
                    "import-title",
                    "no title line was recognised; the title is made from the file name",
                )
                .in_file(&display)
                .help("start the file with the title on a line of its own"),
            );
            humanize(&stem)
        });
        essays.push(Essay {
            title,
            subtitle: article.standfirst,
            authors: article.authors,
            date: article.date,
            url: None,
            tags: Vec::new(),
            skip: None,
            body: article.body,
            body_line: 0,
            slug: stem.clone(),
            names: vec![stem.to_lowercase()],
            aliases: Vec::new(),
            rel,
            front: Data::Null,
        });
    }
    let what = if single {
        format!("the article {}", source.display())
    } else {
        format!("the articles in {}", source.display())
    };
    Some(Scan {
        kind: SourceKind::Text,
        what,
        book: BookInfo::default(),
        site: Site {
            static_roots: vec![root.abs.clone()],
            root,
            url: None,
            base: String::new(),
            by_name: Default::default(),
        },
        config: Data::Null,
        essays,
        notes: Vec::new(),
    })
}

/// What the recogniser found in an article.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Article {
    pub title: Option<String>,
    pub standfirst: Option<String>,
    pub authors: Vec<String>,
    pub date: Option<String>,
    /// Markdown.
    pub body: String,
}

/// Reads an article's head and writes its body as Markdown.
pub fn recognise(text: &str) -> Article {
    let text = text
        .trim_start_matches('\u{feff}')
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let lines: Vec<&str> = text.lines().collect();
    // The head is made of single lines: (index in `lines`, text).
    let filled: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (i, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let mut a = Article::default();
    let Some(&(_, first)) = filled.first() else {
        return a;
    };
    let mut k = 0;
    if looks_like_title(first) && filled.len() > 1 {
        a.title = Some(first.to_string());
        k = 1;
    }
    let title = a.title.clone().unwrap_or_default();
    // The head: repeated titles, dates, bylines and at most one standfirst, in any order.
    while let Some(&(_, line)) = filled.get(k) {
        if !title.is_empty() && same_title(line, &title) {
            k += 1;
        } else if let Some(d) = date_line(line) {
            a.date.get_or_insert(d);
            k += 1;
        } else if let Some((names, date)) = byline(line, !a.authors.is_empty()) {
            let same = |x: &String, y: &String| x.to_lowercase() == y.to_lowercase();
            if a.authors.is_empty() {
                a.authors = names;
            } else if names.len() == a.authors.len()
                && names.iter().zip(&a.authors).all(|(n, m)| same(n, m))
            {
                // The same byline again: keep the better spelling (`Jane Doe`, not `JANE DOE`).
                if a.authors
                    .iter()
                    .all(|m| m.chars().all(|c| !c.is_lowercase()))
                {
                    a.authors = names;
                }
            } else {
                break;
            }
            if let Some(d) = date {
                a.date.get_or_insert(d);
            }
            k += 1;
        } else if a.standfirst.is_none()
            && a.authors.is_empty()
            && a.date.is_none()
            && looks_like_standfirst(line)
            && filled
                .get(k + 1)
                .is_some_and(|&(_, next)| is_head_line(next, &title))
        {
            // A standfirst is told from the first paragraph by what follows it: the byline,
            // a date or the title again.
            a.standfirst = Some(line.to_string());
            k += 1;
        } else {
            break;
        }
    }
    let body_start = filled.get(k).map_or(lines.len(), |&(i, _)| i);
    a.body = body(&lines[body_start..], &title);
    a
}

fn is_head_line(line: &str, title: &str) -> bool {
    (!title.is_empty() && same_title(line, title))
        || date_line(line).is_some()
        || byline(line, false).is_some()
}

fn looks_like_title(line: &str) -> bool {
    let n = line.chars().count();
    // A long line that ends a sentence is a paragraph, not a title.
    n <= 200 && !(n > 100 && line.ends_with('.'))
}

fn looks_like_standfirst(line: &str) -> bool {
    let n = line.chars().count();
    let words = line.split_whitespace().count();
    (40..=400).contains(&n) && words >= 6 && ends_sentence(line)
}

fn ends_sentence(line: &str) -> bool {
    line.trim_end_matches(['"', '\'', '”', '’', ')', '»'])
        .ends_with(['.', '!', '?', '…'])
}

/// Words that a person's name does not hold, and that section headings often do.
const NOT_NAMES: &[&str] = &[
    "the",
    "of",
    "and",
    "in",
    "on",
    "for",
    "to",
    "with",
    "at",
    "from",
    "a",
    "an",
    "is",
    "are",
    "my",
    "our",
    "your",
    "how",
    "why",
    "what",
    "when",
    "notes",
    "part",
    "chapter",
    "introduction",
    "conclusion",
    "updated",
    "published",
    "posted",
    "share",
    "read",
    "more",
    "min",
];

/// Particles names keep in lower case.
const PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "bin", "al", "el", "ibn", "y",
    "del", "dos", "das", "ter",
];

/// A person's name: two to five words, capitalised (particles aside), no digits.
fn name_like(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    (2..=5).contains(&words.len())
        && s.chars().count() <= 50
        && words.iter().all(|w| {
            let lower = w.to_lowercase();
            let bare = lower.trim_end_matches('.');
            if NOT_NAMES.contains(&bare) {
                return false;
            }
            PARTICLES.contains(&lower.as_str())
                || (w.starts_with(char::is_uppercase)
                    && w.chars()
                        .all(|c| c.is_alphabetic() || matches!(c, '.' | '-' | '\'' | '’')))
        })
}

/// A byline: `Jane Doe`, `By Jane Doe`, `By Jane Doe and John Roe`, `By Jane Doe | 3 March
/// 2021`. After the first byline (`again`), only `By …` lines and repetitions count.
fn byline(line: &str, again: bool) -> Option<(Vec<String>, Option<String>)> {
    let lower = line.to_lowercase();
    let prefixed = ["by ", "written by ", "words by ", "words: "]
        .iter()
        .find(|p| lower.starts_with(*p))
        .map(|p| line[p.len()..].trim());
    let rest = prefixed.unwrap_or(line);
    // `Jane Doe | March 3, 2021`, `Jane Doe · 5 min read`.
    let mut parts = rest.split(['|', '·', '•', '—']).map(str::trim);
    let names_part = parts.next().unwrap_or("");
    let mut date = None;
    for p in parts {
        match date_line(p) {
            Some(d) => date = Some(d),
            None if is_reading_time(p) || p.is_empty() => {}
            None => return None,
        }
    }
    // `By Jane Doe, March 3, 2021`.
    let (names_part, date) = match names_part.split_once(", ") {
        Some((n, d)) if date.is_none() && date_line(d).is_some() => (n, date_line(d)),
        _ => (names_part, date),
    };
    let names: Vec<String> = names_part
        .split(" and ")
        .flat_map(|p| p.split(" & "))
        .flat_map(|p| p.split(", "))
        .map(|n| n.trim().trim_end_matches(',').to_string())
        .filter(|n| !n.is_empty())
        .collect();
    let ok = !names.is_empty()
        && names.iter().all(|n| {
            name_like(n)
                || (prefixed.is_some()
                    && n.starts_with(char::is_uppercase)
                    && n.split_whitespace().count() <= 5)
        });
    if !ok || (again && prefixed.is_none() && names.len() > 1) {
        return None;
    }
    Some((names, date))
}

fn is_reading_time(s: &str) -> bool {
    let l = s.to_lowercase();
    l.ends_with("min read") || l.ends_with("minute read") || l.ends_with("minutes read")
}

/// A line that is only a date (`March 3, 2021`, `3 March 2021`, `2021-03-03`, `Published on
/// Wednesday, March 3rd, 2021 · 5 min read`) → `2021-03-03`.
pub fn date_line(line: &str) -> Option<String> {
    let mut s = line.trim();
    let lower = s.to_lowercase();
    for p in [
        "published on ",
        "published ",
        "posted on ",
        "posted ",
        "updated on ",
        "updated ",
        "on ",
    ] {
        if lower.starts_with(p) {
            s = s[p.len()..].trim();
            break;
        }
    }
    let main = s
        .split(['|', '·', '•'])
        .map(str::trim)
        .find(|p| !is_reading_time(p) && !p.is_empty())?;
    if s.split(['|', '·', '•'])
        .map(str::trim)
        .any(|p| p != main && !p.is_empty() && !is_reading_time(p))
    {
        return None;
    }
    if let Some(d) = front::iso_date(main).filter(|d| d.len() == 10) {
        return Some(d);
    }
    natural_date(main)
}

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// `March 3, 2021`, `Mar. 3rd 2021`, `3 March 2021`, `Wednesday, 3 March 2021`.
fn natural_date(s: &str) -> Option<String> {
    let tokens: Vec<String> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .map(|t| t.trim_end_matches('.').to_lowercase())
        .collect();
    let mut tokens: &[String] = &tokens;
    if let Some(first) = tokens.first()
        && WEEKDAYS
            .iter()
            .any(|w| w == first || (first.len() == 3 && w.starts_with(first.as_str())))
    {
        tokens = &tokens[1..];
    }
    let month = |t: &str| {
        crate::dates::MONTHS
            .iter()
            .map(|m| m.to_ascii_lowercase())
            .position(|m| {
                m == t || (t.len() >= 3 && m.starts_with(t) && (t.len() == 3 || t == "sept"))
            })
            .map(|i| i as u32 + 1)
    };
    let day = |t: &str| {
        let digits = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let suffix = &t[digits.len()..];
        (["", "st", "nd", "rd", "th"].contains(&suffix))
            .then(|| digits.parse::<u32>().ok())
            .flatten()
            .filter(|d| (1..=31).contains(d))
    };
    let year = |t: &str| (t.len() == 4).then(|| t.parse::<u32>().ok()).flatten();
    let (y, m, d) = match tokens {
        [a, b, c] => match (month(a), day(b), year(c)) {
            (Some(m), Some(d), Some(y)) => (y, m, d),
            _ => match (day(a), month(b), year(c)) {
                (Some(d), Some(m), Some(y)) => (y, m, d),
                _ => return None,
            },
        },
        _ => return None,
    };
    front::valid_ymd(y, m, d).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// The body's lines → Markdown. Leading repetitions of the title are dropped.
fn body(lines: &[&str], title: &str) -> String {
    // Blocks of lines between blank lines.
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for l in lines {
        let t = l.trim();
        if t.is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
        } else {
            current.push(t);
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    // Paragraphs: a hard-wrapped block is one paragraph; a block of long lines is a paragraph
    // a line (text saved from the web often has no blank line between paragraphs).
    let mut paras: Vec<Para> = Vec::new();
    for block in blocks {
        if is_list(&block) {
            paras.push(Para::List(block.iter().map(|l| (*l).to_string()).collect()));
        } else if block.len() > 1
            && block[..block.len() - 1]
                .iter()
                .all(|l| l.chars().count() <= 100)
        {
            paras.push(Para::Text(block.join(" ")));
        } else {
            paras.extend(block.iter().map(|l| Para::Text((*l).to_string())));
        }
    }
    while let Some(Para::Text(first)) = paras.first() {
        if !title.is_empty() && same_title(first, title) {
            paras.remove(0);
        } else {
            break;
        }
    }
    let heading_like: Vec<bool> = paras
        .iter()
        .map(|p| matches!(p, Para::Text(t) if looks_like_heading(t)))
        .collect();
    let mut out = String::new();
    for (i, p) in paras.iter().enumerate() {
        match p {
            Para::Text(t) => {
                // A short line standing alone between paragraphs is a section heading; a run of
                // short lines (a poem, an address) is not.
                let alone = heading_like[i]
                    && i + 1 < paras.len()
                    && !heading_like[i + 1]
                    && (i == 0 || !heading_like[i - 1]);
                if alone {
                    out.push_str("## ");
                    out.push_str(&escape_markdown(t, false));
                } else {
                    out.push_str(&escape_markdown(t, true));
                }
            }
            Para::List(items) => {
                for item in items {
                    let (marker, rest) = list_item(item).unwrap_or(("-", item));
                    out.push_str(marker);
                    out.push(' ');
                    out.push_str(&escape_markdown(rest, false));
                    out.push('\n');
                }
                out.pop();
            }
        }
        out.push_str("\n\n");
    }
    out.trim_end().to_string() + "\n"
}

enum Para {
    Text(String),
    List(Vec<String>),
}

fn looks_like_heading(t: &str) -> bool {
    let words = t.split_whitespace().count();
    t.chars().count() <= 80
        && (1..=12).contains(&words)
        && !t.ends_with(['.', ',', ';', ':', '!', '?', '…', '"', '”', '’', ')'])
        && t.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
}

fn is_list(block: &[&str]) -> bool {
    block.len() >= 2 && block.iter().all(|l| list_item(l).is_some())
}

/// `• item`, `- item`, `* item`, `– item` → ("-", "item"); `1. item`, `2) item` → ("1.", "item").
fn list_item(line: &str) -> Option<(&'static str, &str)> {
    for bullet in ["• ", "- ", "* ", "– ", "· ", "◦ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some(("-", rest.trim()));
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if (1..=3).contains(&digits) {
        let rest = &line[digits..];
        if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some(("1.", r.trim()));
        }
    }
    None
}

/// Escapes what Markdown would read as markup, so that the text comes out as written.
/// `block_start`: also what would open a block (a heading, a quotation, a list).
fn escape_markdown(t: &str, block_start: bool) -> String {
    let mut out = String::with_capacity(t.len() + 8);
    for c in t.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~' | '|' | '$'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    if block_start {
        let first = out.chars().next();
        if matches!(first, Some('#' | '-' | '+' | '=')) {
            out.insert(0, '\\');
        } else {
            let digits = out.chars().take_while(char::is_ascii_digit).count();
            if (1..=9).contains(&digits) && out[digits..].starts_with(['.', ')']) {
                out.insert(digits, '\\');
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // The tests read the repository's own fixtures.
mod tests {
    use super::*;

    const CLOSENESS: &str = "Closeness: A Film That Challenges the Liberal Narrative\n\n\
        Closeness: A Film That Challenges the Liberal Narrative\n\n\
        Closeness is a provocative film that challenges liberal ideals by exploring complex family dynamics.\n\n\
        Vince Vanguard\n\n\
        Vince Vanguard\n\n\
        Closeness: A Film That Challenges the Liberal Narrative\n\n\
        In 1998, in the gritty, industrial city of Nalchik, Russia, a film emerged.\n\n\
        First off, let's talk about the audacity of \"Closeness\".";

    #[test]
    fn the_seed_article() {
        let a = recognise(CLOSENESS);
        assert_eq!(
            a.title.as_deref(),
            Some("Closeness: A Film That Challenges the Liberal Narrative")
        );
        assert_eq!(
            a.standfirst.as_deref(),
            Some(
                "Closeness is a provocative film that challenges liberal ideals by exploring complex family dynamics."
            )
        );
        assert_eq!(a.authors, ["Vince Vanguard"]);
        assert_eq!(
            a.body,
            "In 1998, in the gritty, industrial city of Nalchik, Russia, a film emerged.\n\n\
             First off, let's talk about the audacity of \"Closeness\".\n"
        );
    }

    #[test]
    fn the_real_seed_file() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/import/text/closeness.txt"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let a = recognise(&text);
        assert_eq!(a.authors, ["Vince Vanguard"]);
        assert!(
            a.standfirst
                .as_deref()
                .unwrap()
                .starts_with("Closeness is a provocative film")
        );
        assert!(
            a.body.starts_with("In 1998, in the gritty"),
            "{}",
            &a.body[..80]
        );
        assert!(!a.body.contains("Vince Vanguard"));
        assert_eq!(a.body.matches("\n\n").count(), 7, "eight paragraphs");
    }

    #[test]
    fn no_standfirst_and_by_prefix() {
        let a = recognise(
            "The Quiet Room\n\nBy Jane Doe\n\nThe first paragraph is here.\n\nAnd a second one.\n",
        );
        assert_eq!(a.title.as_deref(), Some("The Quiet Room"));
        assert_eq!(a.standfirst, None);
        assert_eq!(a.authors, ["Jane Doe"]);
        assert_eq!(
            a.body,
            "The first paragraph is here.\n\nAnd a second one.\n"
        );
    }

    #[test]
    fn no_duplication_and_no_byline() {
        let a = recognise(
            "Rivers\n\nWater moves through the valley every spring, and the town listens.\n\nMore text.\n",
        );
        assert_eq!(a.title.as_deref(), Some("Rivers"));
        assert_eq!(a.standfirst, None, "a first paragraph is not a standfirst");
        assert!(a.authors.is_empty());
        assert!(a.body.starts_with("Water moves"));
    }

    #[test]
    fn crlf_date_line_and_several_authors() {
        let a = recognise(
            "On Maps\r\nOn Maps\r\nWhy every map is an argument, and how to read one closely.\r\n\
             By Ann Lee and Bo Chen | March 3, 2021\r\n\r\nMaps lie.\r\n",
        );
        assert_eq!(a.title.as_deref(), Some("On Maps"));
        assert_eq!(
            a.standfirst.as_deref(),
            Some("Why every map is an argument, and how to read one closely.")
        );
        assert_eq!(a.authors, ["Ann Lee", "Bo Chen"]);
        assert_eq!(a.date.as_deref(), Some("2021-03-03"));
        assert_eq!(a.body, "Maps lie.\n");
    }

    #[test]
    fn date_line_between_title_and_byline() {
        let a = recognise(
            "Harvest\n\nPublished on Wednesday, 3rd March 2021 · 4 min read\n\nJANE DOE\n\nBy Jane Doe\n\nText.\n",
        );
        assert_eq!(a.date.as_deref(), Some("2021-03-03"));
        assert_eq!(a.authors, ["Jane Doe"]);
        assert_eq!(a.body, "Text.\n");
        let a = recognise("Harvest\n\n2021-03-03\n\nJane Doe\n\nText.\n");
        assert_eq!(a.date.as_deref(), Some("2021-03-03"));
        assert_eq!(a.authors, ["Jane Doe"]);
    }

    #[test]
    fn headings_lists_and_escapes() {
        let a = recognise(
            "Title\n\nBy A. B. Writer\n\nIntro paragraph, long enough to be prose.\n\n\
             The Middle Part\n\nMore prose follows here.\n\n• one\n• two *stars*\n\n1. Not a list, really.\n",
        );
        assert_eq!(a.authors, ["A. B. Writer"]);
        assert_eq!(
            a.body,
            "Intro paragraph, long enough to be prose.\n\n## The Middle Part\n\n\
             More prose follows here.\n\n- one\n- two \\*stars\\*\n\n1\\. Not a list, really.\n"
        );
    }

    #[test]
    fn hard_wrapped_paragraphs_are_joined() {
        let a = recognise("T\n\nBy Jo Ray\n\nline one\nline two\n\nnext\n");
        assert_eq!(a.body, "line one line two\n\nnext\n");
    }

    #[test]
    fn dates() {
        assert_eq!(natural_date("March 3, 2021").as_deref(), Some("2021-03-03"));
        assert_eq!(natural_date("3 Mar 2021").as_deref(), Some("2021-03-03"));
        assert_eq!(
            natural_date("Sept. 30th, 2020").as_deref(),
            Some("2020-09-30")
        );
        assert_eq!(natural_date("February 30, 2021"), None);
        assert_eq!(date_line("Closeness is a film"), None);
    }
}
