//! Fonts a book embeds (`fonts:` in the manifest): what each file really is (read from its
//! first bytes, not its name), the family, weight and style its own tables give, and the
//! `@font-face` rules that put them to use.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::book::Resource;
use crate::text::slug;

/// A font file the manifest names, checked.
#[derive(Debug, Clone)]
pub struct Font {
    /// The path relative to the collection (`fonts/Body-Regular.otf`).
    pub rel: String,
    pub media_type: &'static str,
    pub data: Arc<Vec<u8>>,
    pub face: Face,
}

/// What `@font-face` needs to know of a font.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Face {
    pub family: String,
    pub weight: u16,
    pub italic: bool,
}

/// The media type of a font from its first bytes (EPUB 3.3's core media types).
pub fn sniff(data: &[u8]) -> Option<&'static str> {
    match data.get(..4)? {
        b"OTTO" => Some("font/otf"),
        [0, 1, 0, 0] | b"true" => Some("font/ttf"),
        b"wOFF" => Some("font/woff"),
        b"wOF2" => Some("font/woff2"),
        _ => None,
    }
}

/// A file extension for a font media type.
pub fn extension(media_type: &str) -> &'static str {
    match media_type {
        "font/otf" => "otf",
        "font/ttf" => "ttf",
        "font/woff" => "woff",
        _ => "woff2",
    }
}

/// Reads family, weight and style from an OpenType or TrueType font. WOFF files are
/// compressed; their face is guessed from the file name (`Body-BoldItalic.woff2`).
pub fn face(data: &[u8], media_type: &str, file_stem: &str) -> Result<Face, String> {
    if matches!(media_type, "font/woff" | "font/woff2") {
        return Ok(guess_from_name(file_stem));
    }
    let face = ttf_parser::Face::parse(data, 0).map_err(|e| e.to_string())?;
    let family = family_name(&face).unwrap_or_else(|| guess_from_name(file_stem).family);
    Ok(Face {
        family,
        weight: face.weight().to_number(),
        italic: face.is_italic() || face.is_oblique(),
    })
}

/// Whether the font's licence bits (OS/2 `fsType`) forbid embedding it in a document.
pub fn embedding_restricted(data: &[u8]) -> bool {
    ttf_parser::Face::parse(data, 0)
        .is_ok_and(|f| matches!(f.permissions(), Some(ttf_parser::Permissions::Restricted)))
}

fn family_name(face: &ttf_parser::Face) -> Option<String> {
    // The typographic family (16) groups weights under one name; the legacy family (1)
    // splits them ("EB Garamond 12 Bold"). Prefer the first, in English where given.
    let names = face.names();
    [
        ttf_parser::name_id::TYPOGRAPHIC_FAMILY,
        ttf_parser::name_id::FAMILY,
    ]
    .into_iter()
    .find_map(|id| {
        names
            .into_iter()
            .filter(|n| n.name_id == id && n.is_unicode())
            .find_map(|n| n.to_string())
    })
    .map(|s| s.trim().to_string())
    .filter(|s| !s.is_empty())
}

/// `Body-BoldItalic` → family `Body`, weight 700, italic.
fn guess_from_name(stem: &str) -> Face {
    let (family, style) = stem.split_once(['-', '_']).unwrap_or((stem, ""));
    let style = style.to_ascii_lowercase();
    let weight = [
        ("thin", 100),
        ("extralight", 200),
        ("light", 300),
        ("medium", 500),
        ("semibold", 600),
        ("extrabold", 800),
        ("bold", 700),
        ("black", 900),
    ]
    .into_iter()
    .find(|(w, _)| style.contains(w))
    .map_or(400, |(_, n)| n);
    Face {
        family: family.trim().to_string(),
        weight,
        italic: style.contains("italic") || style.contains("oblique"),
    }
}

/// The fonts as files of the book (`fonts/<name>.<ext>`, names unique and safe for every
/// reader) and the `@font-face` rules for a style sheet at `styles/`. The first font's family
/// becomes the text's, with the theme's own family as the fallback.
pub fn package(fonts: &[Font]) -> (Vec<Resource>, String) {
    let mut resources: Vec<Resource> = Vec::new();
    let mut css = String::new();
    for font in fonts {
        let stem = font
            .rel
            .rsplit('/')
            .next()
            .and_then(|n| n.rsplit_once('.').map(|(s, _)| s))
            .unwrap_or("font");
        let base = match slug(stem) {
            s if s.is_empty() => "font".to_string(),
            s => s,
        };
        let ext = extension(font.media_type);
        let mut href = format!("fonts/{base}.{ext}");
        let mut n = 1;
        while resources.iter().any(|r| r.href == href) {
            n += 1;
            href = format!("fonts/{base}-{n}.{ext}");
        }
        let format = match font.media_type {
            "font/otf" => "opentype",
            "font/ttf" => "truetype",
            "font/woff" => "woff",
            _ => "woff2",
        };
        let _ = write!(
            css,
            "@font-face {{\n  font-family: \"{}\";\n  font-weight: {};\n  font-style: {};\n  src: url(\"../{href}\") format(\"{format}\");\n}}\n\n",
            css_string(&font.face.family),
            font.face.weight,
            if font.face.italic { "italic" } else { "normal" },
        );
        resources.push(Resource {
            href,
            media_type: font.media_type,
            data: font.data.clone(),
        });
    }
    if let Some(first) = fonts.first() {
        let _ = write!(
            css,
            "body {{\n  font-family: \"{}\", serif;\n}}\n\n",
            css_string(&first.face.family)
        );
    }
    (resources, css)
}

/// A CSS string's content: quotes and backslashes escaped, line breaks dropped.
fn css_string(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

/// Apple Books ignores a book's fonts unless this file says to use them.
pub const APPLE_DISPLAY_OPTIONS: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
<display_options>\n<platform name=\"*\">\n<option name=\"specified-fonts\">true</option>\n</platform>\n</display_options>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_fonts_by_content() {
        assert_eq!(sniff(b"OTTO...."), Some("font/otf"));
        assert_eq!(sniff(&[0, 1, 0, 0, 0]), Some("font/ttf"));
        assert_eq!(sniff(b"wOF2...."), Some("font/woff2"));
        assert_eq!(sniff(b"wOFF...."), Some("font/woff"));
        assert_eq!(sniff(b"\x89PNG"), None);
        assert_eq!(sniff(b"ab"), None);
    }

    #[test]
    fn reads_the_embedded_typeface() {
        let data = crate::cover::TYPEFACE;
        let face = face(data, sniff(data).unwrap(), "x").unwrap();
        assert_eq!(face.family, "EB Garamond");
        assert_eq!(face.weight, 400);
        assert!(!face.italic);
        assert!(!embedding_restricted(data));
    }

    #[test]
    fn names_say_the_style_of_woff_files() {
        let f = guess_from_name("Body-BoldItalic");
        assert_eq!((f.family.as_str(), f.weight, f.italic), ("Body", 700, true));
        assert_eq!(guess_from_name("Plain").weight, 400);
    }

    #[test]
    fn font_face_rules_and_safe_names() {
        let font = |rel: &str, family: &str| Font {
            rel: rel.to_string(),
            media_type: "font/otf",
            data: Arc::new(Vec::new()),
            face: Face {
                family: family.to_string(),
                weight: 400,
                italic: false,
            },
        };
        let (files, css) = package(&[
            font("fonts/My Font.otf", "My \"Font\""),
            font("other/my-font.otf", "B"),
        ]);
        assert_eq!(files[0].href, "fonts/my-font.otf");
        assert_eq!(files[1].href, "fonts/my-font-2.otf");
        assert!(css.contains("font-family: \"My \\\"Font\\\"\";"), "{css}");
        assert!(css.contains("src: url(\"../fonts/my-font.otf\") format(\"opentype\")"));
        assert!(css.contains("body {\n  font-family: \"My \\\"Font\\\"\", serif;"));
    }
}
