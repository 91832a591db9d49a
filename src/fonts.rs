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
/// compressed; their face is guessed from the file name (`Body-BoldItalic.woff2`). Either way
/// the file must really be a font — four bytes that look like one are not enough: an
/// OpenType or TrueType font's tables all lie within the file and its required ones parse; a
/// WOFF or WOFF2 file's header is complete and agrees with the file.
pub fn face(data: &[u8], media_type: &str, file_stem: &str) -> Result<Face, String> {
    match media_type {
        "font/woff" => woff(data)?,
        "font/woff2" => woff2(data)?,
        _ => tables_fit(data)?,
    }
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

/// An OpenType or TrueType font (or collection): its table directory is whole and every table
/// it lists lies within the file (ttf-parser alone would take a truncated table as absent).
fn tables_fit(data: &[u8]) -> Result<(), String> {
    let raw = ttf_parser::RawFace::parse(data, 0).map_err(|e| e.to_string())?;
    if raw.table_records.is_empty() {
        return Err("it has no tables".into());
    }
    for record in raw.table_records {
        let end = u64::from(record.offset) + u64::from(record.length);
        if end > data.len() as u64 {
            return Err(format!(
                "its `{}` table ends at byte {end}, past the end of the file ({} bytes): the file is cut short",
                record.tag,
                data.len()
            ));
        }
    }
    Ok(())
}

/// Big-endian numbers at an offset the caller has checked.
fn be16(data: &[u8], at: usize) -> u32 {
    u32::from(u16::from_be_bytes([data[at], data[at + 1]]))
}

fn be32(data: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

/// The fields WOFF and WOFF2 headers share: the file's length as the header gives it, the
/// number of tables, and the metadata and private blocks (offset, length) — at the same places
/// after the 16 bytes of signature, flavor, length, numTables and reserved.
fn woff_common(data: &[u8], header: usize, blocks_at: usize, what: &str) -> Result<u32, String> {
    if data.len() < header {
        return Err(format!(
            "its {what} header is cut short ({} bytes of {header})",
            data.len()
        ));
    }
    let length = be32(data, 8);
    if u64::from(length) != data.len() as u64 {
        return Err(format!(
            "its {what} header gives a length of {length} bytes, but the file has {}",
            data.len()
        ));
    }
    let tables = be16(data, 12);
    if tables == 0 {
        return Err(format!("its {what} header lists no table"));
    }
    if be16(data, 14) != 0 {
        return Err(format!(
            "its {what} header is damaged (reserved field not zero)"
        ));
    }
    // The metadata (offset, length, original length) and private data (offset, length).
    for (offset, len) in [(blocks_at, blocks_at + 4), (blocks_at + 12, blocks_at + 16)] {
        let (start, size) = (u64::from(be32(data, offset)), u64::from(be32(data, len)));
        if size > 0 && start + size > u64::from(length) {
            return Err(format!("its {what} header places a block outside the file"));
        }
    }
    Ok(tables)
}

/// A WOFF 1.0 file: the 44-byte header agrees with the file, and the table directory (20 bytes
/// a table) and every table it lists lie within it.
fn woff(data: &[u8]) -> Result<(), String> {
    const HEADER: usize = 44;
    let tables = woff_common(data, HEADER, 24, "WOFF")? as usize;
    let directory_end = HEADER + 20 * tables;
    if directory_end > data.len() {
        return Err(format!(
            "its table directory ({tables} tables) does not fit in the file"
        ));
    }
    for i in 0..tables {
        let entry = HEADER + 20 * i;
        let (offset, compressed, original) = (
            u64::from(be32(data, entry + 4)),
            u64::from(be32(data, entry + 8)),
            u64::from(be32(data, entry + 12)),
        );
        if offset < directory_end as u64
            || offset + compressed > data.len() as u64
            || compressed > original
        {
            return Err(format!(
                "its table `{}` lies outside the file",
                String::from_utf8_lossy(&data[entry..entry + 4])
            ));
        }
    }
    Ok(())
}

/// A WOFF2 file: the 48-byte header agrees with the file, and the table directory (of
/// variable length) and the compressed data it announces fit in it.
fn woff2(data: &[u8]) -> Result<(), String> {
    const HEADER: usize = 48;
    let tables = woff_common(data, HEADER, 28, "WOFF2")?;
    let compressed = u64::from(be32(data, 20));
    let cut = || "its table directory does not fit in the file".to_string();
    let mut at = HEADER;
    for _ in 0..tables {
        let flags = *data.get(at).ok_or_else(cut)?;
        at += 1;
        let tag: [u8; 4] = if flags & 0x3F == 0x3F {
            let tag = data.get(at..at + 4).ok_or_else(cut)?;
            at += 4;
            [tag[0], tag[1], tag[2], tag[3]]
        } else {
            // The known tags by index: only `glyf` (10) and `loca` (11) matter here.
            match flags & 0x3F {
                10 => *b"glyf",
                11 => *b"loca",
                _ => *b"    ",
            }
        };
        base128(data, &mut at).ok_or_else(cut)?;
        // A transformed table gives its transformed length too: `glyf` and `loca` are
        // transformed unless their version is 3, any other table when its version is not 0.
        let version = flags >> 6;
        let transformed = if matches!(&tag, b"glyf" | b"loca") {
            version != 3
        } else {
            version != 0
        };
        if transformed {
            base128(data, &mut at).ok_or_else(cut)?;
        }
    }
    if at as u64 + compressed > data.len() as u64 {
        return Err(format!(
            "its compressed data ({compressed} bytes) does not fit in the file"
        ));
    }
    Ok(())
}

/// WOFF2's UIntBase128: at most five bytes, no leading zero, within 32 bits.
fn base128(data: &[u8], at: &mut usize) -> Option<u32> {
    let mut value: u32 = 0;
    for i in 0..5 {
        let byte = *data.get(*at)?;
        *at += 1;
        if i == 0 && byte == 0x80 {
            return None;
        }
        if value & 0xFE00_0000 != 0 {
            return None;
        }
        value = (value << 7) | u32::from(byte & 0x7F);
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
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

    /// `ttf` as a WOFF 1.0 file, its tables stored uncompressed (which WOFF allows).
    fn to_woff(ttf: &[u8]) -> Vec<u8> {
        let raw = ttf_parser::RawFace::parse(ttf, 0).unwrap();
        let records: Vec<_> = raw.table_records.into_iter().collect();
        let mut out = vec![0u8; 44 + 20 * records.len()];
        out[..4].copy_from_slice(b"wOFF");
        out[4..8].copy_from_slice(&ttf[..4]);
        out[12..14].copy_from_slice(&(records.len() as u16).to_be_bytes());
        for (i, r) in records.iter().enumerate() {
            let (start, end) = (r.offset as usize, (r.offset + r.length) as usize);
            let entry = 44 + 20 * i;
            out[entry..entry + 4].copy_from_slice(&r.tag.to_bytes());
            let offset = out.len() as u32;
            out[entry + 4..entry + 8].copy_from_slice(&offset.to_be_bytes());
            out[entry + 8..entry + 12].copy_from_slice(&r.length.to_be_bytes());
            out[entry + 12..entry + 16].copy_from_slice(&r.length.to_be_bytes());
            out.extend_from_slice(&ttf[start..end]);
            while !out.len().is_multiple_of(4) {
                out.push(0);
            }
        }
        let len = out.len() as u32;
        out[8..12].copy_from_slice(&len.to_be_bytes());
        out
    }

    #[test]
    fn only_whole_fonts_are_fonts() {
        let ttf = crate::cover::TYPEFACE;
        assert!(face(ttf, "font/otf", "x").is_ok());
        // Eight bytes that start as a font are not one, nor is a font cut short.
        for forged in [
            &b"wOFF\0\0\0\0"[..],
            b"wOF2\0\0\0\0",
            b"OTTO\0\0\0\0",
            b"true",
        ] {
            let kind = sniff(forged).unwrap();
            assert!(face(forged, kind, "x").is_err(), "{forged:?}");
        }
        let cut = &ttf[..ttf.len() / 2];
        let e = face(cut, sniff(cut).unwrap(), "x").unwrap_err();
        assert!(e.contains("cut short"), "{e}");

        let woff = to_woff(ttf);
        assert_eq!(face(&woff, "font/woff", "Body-Bold").unwrap().weight, 700);
        let e = face(&woff[..woff.len() - 4], "font/woff", "x").unwrap_err();
        assert!(e.contains("length"), "{e}");
        let mut none = woff[..44].to_vec();
        none[8..12].copy_from_slice(&44u32.to_be_bytes());
        none[12..14].copy_from_slice(&[0, 0]);
        assert!(
            face(&none, "font/woff", "x")
                .unwrap_err()
                .contains("no table")
        );
        let mut far = woff.clone();
        far[44 + 4..44 + 8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(
            face(&far, "font/woff", "x")
                .unwrap_err()
                .contains("outside")
        );
        let mut many = woff.clone();
        many[12..14].copy_from_slice(&u16::MAX.to_be_bytes());
        assert!(
            face(&many, "font/woff", "x")
                .unwrap_err()
                .contains("does not fit")
        );

        // A WOFF2 header with one table (`head`, untransformed, 54 bytes) and 10 bytes of data.
        let mut woff2 = vec![0u8; 48];
        woff2[..4].copy_from_slice(b"wOF2");
        woff2[12..14].copy_from_slice(&1u16.to_be_bytes());
        woff2[20..24].copy_from_slice(&10u32.to_be_bytes());
        woff2.extend_from_slice(&[1, 54]);
        woff2.extend_from_slice(&[0; 10]);
        let len = woff2.len() as u32;
        woff2[8..12].copy_from_slice(&len.to_be_bytes());
        assert!(face(&woff2, "font/woff2", "x").is_ok());
        let mut short = woff2[..woff2.len() - 1].to_vec();
        short[8..12].copy_from_slice(&(len - 1).to_be_bytes());
        assert!(
            face(&short, "font/woff2", "x")
                .unwrap_err()
                .contains("does not fit")
        );
        assert!(
            face(&woff2[..47], "font/woff2", "x")
                .unwrap_err()
                .contains("cut short")
        );
        let mut leading_zero = woff2.clone();
        leading_zero[49] = 0x80;
        assert!(face(&leading_zero, "font/woff2", "x").is_err());
    }

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
