//! The shelf's web pages: `index.html` (every book: cover, title, creators, description,
//! facts and downloads) and one page per book (`<slug>.html`) with its details and contents.
//! Plain HTML and one style sheet: no script, no web font, nothing fetched from elsewhere, so
//! the folder works from a web server and from disk alike. Landmarks, one `h1`, alt text,
//! a skip link, visible focus, colours above WCAG AA contrast in light and dark mode.

use std::fmt::Write as _;

use super::Links;
use super::record::{Download, Record, TocNode};
use crate::book::Role;
use crate::text::{count, escape};

/// The style sheet every page links (`shelf.css`).
pub const STYLE: &str = include_str!("shelf.css");

/// What a page is: its head and the frame around `main`.
fn frame(out: &mut String, title: &str, description: &str, links: &Links, shelf: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <title>{}</title>\n<meta name=\"description\" content=\"{}\">\n\
         <meta name=\"generator\" content=\"anthology {}\">\n\
         <link rel=\"stylesheet\" href=\"{}\">\n\
         <link rel=\"alternate\" type=\"{}\" href=\"{}\" title=\"{} (OPDS)\">\n\
         <link rel=\"alternate\" type=\"{}\" href=\"{}\" title=\"{} (OPDS 2)\">\n\
         </head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to the content</a>\n",
        escape(title),
        escape(description),
        env!("CARGO_PKG_VERSION"),
        escape(&links.to(super::STYLE)),
        super::opds::ATOM_TYPE,
        escape(&links.to(super::CATALOG_XML)),
        escape(shelf),
        super::opds::JSON_TYPE,
        escape(&links.to(super::CATALOG_JSON)),
        escape(shelf),
    );
}

fn footer(out: &mut String, links: &Links) {
    let _ = write!(
        out,
        "<footer class=\"site\">\n<div class=\"wrap\">\n\
         <h2>In an e-reader app</h2>\n\
         <p>Add this catalog to KOReader, Thorium, Calibre or any app that reads OPDS, and \
         browse and download the books from there: \
         <a href=\"{0}\" type=\"{1}\"><code>{0}</code></a> (OPDS 1.2) or \
         <a href=\"{2}\" type=\"{3}\"><code>{2}</code></a> (OPDS 2.0).</p>\n\
         <p>Made with anthology {4}.</p>\n</div>\n</footer>\n</body>\n</html>\n",
        escape(&links.to(super::CATALOG_XML)),
        super::opds::ATOM_TYPE,
        escape(&links.to(super::CATALOG_JSON)),
        super::opds::JSON_TYPE,
        env!("CARGO_PKG_VERSION"),
    );
}

/// The shelf: a card for every book.
pub fn index(title: &str, books: &[Record], links: &Links) -> String {
    let mut out = String::with_capacity(4096 + books.len() * 2048);
    let formats: Vec<&str> = {
        let mut f: Vec<_> = books
            .iter()
            .flat_map(|b| b.downloads.iter().map(|d| d.format))
            .collect();
        f.sort();
        f.dedup();
        f.iter().map(|f| f.label()).collect()
    };
    let lede = format!(
        "{}, free to download as {}.",
        count(books.len(), "book"),
        join(&formats, "or")
    );
    frame(&mut out, title, &lede, links, title);
    let _ = write!(
        out,
        "<header class=\"site\">\n<div class=\"wrap\">\n<h1>{}</h1>\n<p class=\"lede\">{}</p>\n</div>\n</header>\n\
         <main id=\"main\">\n<div class=\"wrap\">\n<h2 class=\"vh\">Books</h2>\n<ul class=\"shelf\">\n",
        escape(title),
        escape(&lede)
    );
    for book in books {
        card(&mut out, book, links);
    }
    out.push_str("</ul>\n</div>\n</main>\n");
    footer(&mut out, links);
    out
}

fn card(out: &mut String, book: &Record, links: &Links) {
    let lang = escape(&book.language);
    let id = format!("book-{}", book.slug);
    let _ = write!(
        out,
        "<li class=\"book\">\n<article aria-labelledby=\"{id}\">\n<div class=\"cover\">"
    );
    match book.cover.as_ref().and_then(|c| c.thumbnail.as_ref()) {
        Some(thumbnail) => {
            let _ = write!(
                out,
                "<img src=\"{}\"{} alt=\"Cover of {}\" loading=\"lazy\">",
                escape(&links.to(&thumbnail.file)),
                size_attrs(thumbnail.width, thumbnail.height),
                escape(&book.title)
            );
        }
        None => placeholder(out, book),
    }
    let _ = write!(
        out,
        "</div>\n<div class=\"about\">\n<h2 id=\"{id}\" lang=\"{lang}\"><a href=\"{}\">{}</a></h2>\n",
        escape(&links.to(&book.page())),
        escape(&book.title)
    );
    subtitle(out, book, &lang);
    creators(out, book);
    if let Some(d) = &book.description {
        let _ = writeln!(
            out,
            "<p class=\"description\" lang=\"{lang}\">{}</p>",
            escape(d.trim())
        );
    }
    let mut facts = vec![
        escape(&language_name(&book.language)),
        count(book.essays, "essay"),
    ];
    if let Some(date) = &book.date {
        facts.push(time(date));
    }
    out.push_str("<ul class=\"facts\">");
    for f in facts {
        let _ = write!(out, "<li>{f}</li>");
    }
    out.push_str("</ul>\n");
    downloads(out, book, links);
    out.push_str("</div>\n</article>\n</li>\n");
}

/// The book's subtitle, if it has one, in its language (`lang`, escaped).
fn subtitle(out: &mut String, book: &Record, lang: &str) {
    if let Some(sub) = &book.subtitle {
        let _ = writeln!(
            out,
            "<p class=\"subtitle\" lang=\"{lang}\">{}</p>",
            escape(sub)
        );
    }
}

/// A cover for a book that has none: its title and creators on a plain board. Hidden from
/// screen readers, which read the same words next to it.
fn placeholder(out: &mut String, book: &Record) {
    let names: Vec<&str> = book.primary().map(|p| p.name.as_str()).collect();
    let _ = write!(
        out,
        "<div class=\"placeholder\" aria-hidden=\"true\"><span class=\"t\">{}</span><span class=\"n\">{}</span></div>",
        escape(&book.title),
        escape(&join(&names, "and"))
    );
}

/// "By A and B", "Edited by C": authors, then editors, then the other roles.
fn creators(out: &mut String, book: &Record) {
    let mut roles: Vec<Role> = Vec::new();
    for p in &book.creators {
        if !roles.contains(&p.role()) {
            roles.push(p.role());
        }
    }
    roles.sort();
    let labels = crate::labels::for_language("en");
    for role in roles {
        let names: Vec<String> = book
            .creators
            .iter()
            .filter(|p| p.role() == role)
            .map(|p| escape(&p.name))
            .collect();
        let phrase = labels.role_phrase(role).unwrap_or("By");
        let _ = writeln!(
            out,
            "<p class=\"creators\">{phrase} {}</p>",
            labels.join_names(&names)
        );
    }
}

fn downloads(out: &mut String, book: &Record, links: &Links) {
    out.push_str("<ul class=\"downloads\">");
    for (n, Download { format, file }) in book.downloads.iter().enumerate() {
        // The first format is the one for everyone; the others are for some readers.
        let class = if n == 0 { "button" } else { "button other" };
        let _ = write!(
            out,
            "<li><a class=\"{class}\" href=\"{}\" type=\"{}\" download>Download <span class=\"vh\">{} as </span>{} <span class=\"size\">{}</span></a></li>",
            escape(&links.to(&file.file)),
            format.media_type(),
            escape(&book.title),
            format.label(),
            size(file.bytes)
        );
    }
    out.push_str("</ul>\n");
}

/// A book's own page: everything about it, and its contents.
pub fn book(shelf: &str, book: &Record, links: &Links) -> String {
    let mut out = String::with_capacity(8192);
    let lang = escape(&book.language);
    let description = book
        .description
        .as_deref()
        .or(book.subtitle.as_deref())
        .unwrap_or(&book.title)
        .trim()
        .to_string();
    frame(&mut out, &book.title, &description, links, shelf);
    let _ = write!(
        out,
        "<header class=\"site\">\n<div class=\"wrap\">\n<nav aria-label=\"Breadcrumb\"><a href=\"{}\">{}</a></nav>\n</div>\n</header>\n\
         <main id=\"main\">\n<div class=\"wrap\">\n<article class=\"book-page\" aria-labelledby=\"title\">\n<div class=\"intro\">\n<div class=\"cover\">",
        escape(&links.to(super::INDEX)),
        escape(shelf)
    );
    // A cover too large to make a thumbnail of is too large to show on a page, too.
    match book.cover.as_ref().filter(|c| c.thumbnail.is_some()) {
        Some(c) => {
            let _ = write!(
                out,
                "<a href=\"{0}\"><img src=\"{0}\"{1} alt=\"Cover of {2}\"></a>",
                escape(&links.to(&c.full.file)),
                size_attrs(c.full.width, c.full.height),
                escape(&book.title)
            );
        }
        None => placeholder(&mut out, book),
    }
    let _ = write!(
        out,
        "</div>\n<div class=\"about\">\n<h1 id=\"title\" lang=\"{lang}\">{}</h1>\n",
        escape(&book.title)
    );
    subtitle(&mut out, book, &lang);
    creators(&mut out, book);
    if let Some(d) = &book.description {
        for para in d.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
            let _ = writeln!(
                out,
                "<p class=\"description\" lang=\"{lang}\">{}</p>",
                escape(para)
            );
        }
    }
    downloads(&mut out, book, links);
    out.push_str("<dl class=\"details\">\n");
    let mut fact = |term: &str, value: String| {
        let _ = writeln!(out, "<dt>{term}</dt><dd>{value}</dd>");
    };
    fact("Language", escape(&language_name(&book.language)));
    fact("Essays", book.essays.to_string());
    if !book.essay_authors.is_empty() {
        let names: Vec<String> = book.essay_authors.iter().map(|a| escape(a)).collect();
        fact(
            "Essays by",
            crate::labels::for_language("en").join_names(&names),
        );
    }
    if let Some(p) = &book.publisher {
        fact("Publisher", escape(p));
    }
    if let Some(d) = &book.date {
        fact("Published", time(d));
    }
    if let Some(s) = &book.series {
        let position = s
            .position
            .as_ref()
            .map(|p| format!(", number {}", escape(p)))
            .unwrap_or_default();
        fact("Series", format!("{}{position}", escape(&s.name)));
    }
    if !book.subjects.is_empty() {
        let subjects: Vec<String> = book.subjects.iter().map(|s| escape(s)).collect();
        fact("Subjects", subjects.join(", "));
    }
    if let Some(r) = &book.rights {
        fact("Rights", escape(r.trim()));
    }
    out.push_str("</dl>\n</div>\n</div>\n");
    if !book.contents.is_empty() {
        let _ = write!(
            out,
            "<section class=\"contents\" aria-labelledby=\"contents\">\n<h2 id=\"contents\">Contents</h2>\n<ol lang=\"{lang}\">\n"
        );
        for node in &book.contents {
            toc(&mut out, node);
        }
        out.push_str("</ol>\n</section>\n");
    }
    out.push_str("</article>\n</div>\n</main>\n");
    footer(&mut out, links);
    out
}

/// One line of the contents, with what it holds nested under it.
fn toc(out: &mut String, node: &TocNode) {
    let class = if node.part {
        "part"
    } else if node.authors.is_empty() && node.children.iter().all(|c| c.authors.is_empty()) {
        "entry"
    } else {
        "essay"
    };
    let _ = write!(
        out,
        "<li class=\"{class}\"><span class=\"title\">{}</span>",
        escape(&node.title)
    );
    if !node.authors.is_empty() {
        let names: Vec<String> = node.authors.iter().map(|a| escape(a)).collect();
        let _ = write!(
            out,
            " <span class=\"by\">{}</span>",
            crate::labels::for_language("en").join_names(&names)
        );
    }
    if !node.children.is_empty() {
        out.push_str("\n<ol>\n");
        for child in &node.children {
            toc(out, child);
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</li>\n");
}

fn size_attrs(width: Option<u32>, height: Option<u32>) -> String {
    match (width, height) {
        (Some(w), Some(h)) => format!(" width=\"{w}\" height=\"{h}\""),
        _ => String::new(),
    }
}

/// "A", "A or B", "A, B or C".
fn join(items: &[&str], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

/// A file size as people read it: "96 kB", "1.4 MB".
fn size(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let b = bytes as f64;
    if bytes < 1000 {
        format!("{bytes} bytes")
    } else if bytes < 1_000_000 {
        format!("{:.0} kB", b / 1e3)
    } else {
        format!("{:.1} MB", b / 1e6)
    }
}

/// A W3CDTF date for people: "14 March 2025", "March 2025", "2025".
fn time(date: &str) -> String {
    let parts: Vec<&str> = date.split('-').collect();
    let month = |m: &str| m.parse::<usize>().ok().and_then(crate::dates::month_name);
    let text = match parts.as_slice() {
        [y, m, d] => match (month(m), d.parse::<u32>()) {
            (Some(m), Ok(d)) => format!("{d} {m} {y}"),
            _ => date.to_string(),
        },
        [y, m] => month(m).map_or_else(|| date.to_string(), |m| format!("{m} {y}")),
        _ => date.to_string(),
    };
    format!(
        "<time datetime=\"{}\">{}</time>",
        escape(date),
        escape(&text)
    )
}

/// The language's English name, with the full tag when it says more: "English (en-GB)".
fn language_name(tag: &str) -> String {
    let primary = tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
    let name = match primary.as_str() {
        "ar" => "Arabic",
        "ca" => "Catalan",
        "cs" => "Czech",
        "cy" => "Welsh",
        "da" => "Danish",
        "de" => "German",
        "el" => "Greek",
        "en" => "English",
        "eo" => "Esperanto",
        "es" => "Spanish",
        "et" => "Estonian",
        "eu" => "Basque",
        "fa" => "Persian",
        "fi" => "Finnish",
        "fr" => "French",
        "ga" => "Irish",
        "he" => "Hebrew",
        "hi" => "Hindi",
        "hu" => "Hungarian",
        "is" => "Icelandic",
        "it" => "Italian",
        "ja" => "Japanese",
        "ko" => "Korean",
        "la" => "Latin",
        "lt" => "Lithuanian",
        "lv" => "Latvian",
        "nb" => "Norwegian Bokmål",
        "nl" => "Dutch",
        "nn" => "Norwegian Nynorsk",
        "no" => "Norwegian",
        "pl" => "Polish",
        "pt" => "Portuguese",
        "ro" => "Romanian",
        "ru" => "Russian",
        "sk" => "Slovak",
        "sl" => "Slovenian",
        "sr" => "Serbian",
        "sv" => "Swedish",
        "tr" => "Turkish",
        "uk" => "Ukrainian",
        "zh" => "Chinese",
        _ => return tag.to_string(),
    };
    if tag.len() > primary.len() {
        format!("{name} ({tag})")
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_for_people() {
        assert_eq!(size(999), "999 bytes");
        assert_eq!(size(96_400), "96 kB");
        assert_eq!(size(1_400_000), "1.4 MB");
        assert_eq!(
            time("2025-03-14"),
            "<time datetime=\"2025-03-14\">14 March 2025</time>"
        );
        assert_eq!(
            time("2025-03"),
            "<time datetime=\"2025-03\">March 2025</time>"
        );
        assert_eq!(time("2025"), "<time datetime=\"2025\">2025</time>");
        assert_eq!(language_name("en-GB"), "English (en-GB)");
        assert_eq!(language_name("fr"), "French");
        assert_eq!(language_name("tlh"), "tlh");
        assert_eq!(join(&["EPUB", "Kobo EPUB"], "or"), "EPUB or Kobo EPUB");
        assert_eq!(count(1, "essay"), "1 essay");
    }
}
