//! Media types by content, not by name: a `.jpg` that is really a PNG is packed as a PNG, and
//! a file that is no image at all is refused.

/// The media type of an image from its first bytes, for the image types EPUB 3.3 allows.
pub fn sniff_image(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else if looks_like_svg(data) {
        Some("image/svg+xml")
    } else {
        None
    }
}

fn looks_like_svg(data: &[u8]) -> bool {
    let head = &data[..data.len().min(1024)];
    let Ok(text) =
        std::str::from_utf8(head).or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()]))
    else {
        return false;
    };
    let text = text.trim_start_matches('\u{feff}').trim_start();
    (text.starts_with("<?xml") || text.starts_with("<svg") || text.starts_with("<!--"))
        && text.contains("<svg")
}

/// The file extension that goes with a media type.
pub fn extension(media_type: &str) -> &'static str {
    match media_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/svg+xml" => "svg",
        _ => "bin",
    }
}

/// Width and height of a PNG or JPEG, read from its header.
pub fn dimensions(data: &[u8]) -> Option<(u32, u32)> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") && data.len() >= 24 {
        let w = u32::from_be_bytes(data[16..20].try_into().ok()?);
        let h = u32::from_be_bytes(data[20..24].try_into().ok()?);
        return Some((w, h));
    }
    if data.starts_with(&[0xFF, 0xD8]) {
        // Walk the JPEG segments up to the first start-of-frame marker.
        let mut i = 2;
        while i + 9 < data.len() {
            if data[i] != 0xFF {
                return None;
            }
            let marker = data[i + 1];
            let len = usize::from(u16::from_be_bytes([data[i + 2], data[i + 3]]));
            let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
            if is_sof {
                let h = u32::from(u16::from_be_bytes([data[i + 5], data[i + 6]]));
                let w = u32::from(u16::from_be_bytes([data[i + 7], data[i + 8]]));
                return Some((w, h));
            }
            i += 2 + len;
        }
    }
    None
}

/// What readers refuse in an image: more than 4 megapixels (Apple Books), more than 5 MB
/// (Kobo, Apple Books). A megapixel is counted as 2²⁰ pixels here: the stores' own cover size,
/// 1600×2560 (4,096,000 pixels), is within the limit as Apple applies it.
/// Each problem as words that follow "the image (…)".
pub const MAX_PIXELS: u64 = 4 * 1024 * 1024;
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

pub fn reader_limits(width: u32, height: u32, bytes: usize) -> Vec<String> {
    let mut problems = Vec::new();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        problems.push("has more than 4 megapixels (4,194,304 pixels)".to_string());
    }
    if bytes > MAX_BYTES {
        problems.push("is larger than 5 MB".to_string());
    }
    problems
}

/// `2.4 MB`, `310 KB`: a file size as a person reads it.
pub fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_image(b"GIF89a.."), Some("image/gif"));
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(
            sniff_image(b"<?xml version=\"1.0\"?>\n<svg xmlns=\"...\">"),
            Some("image/svg+xml")
        );
        assert_eq!(sniff_image(b"hello, I am text"), None);
        assert_eq!(sniff_image(b""), None);
    }

    #[test]
    fn png_dimensions() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&1600u32.to_be_bytes());
        png.extend_from_slice(&2560u32.to_be_bytes());
        assert_eq!(dimensions(&png), Some((1600, 2560)));
    }

    #[test]
    fn limits_of_readers() {
        assert!(reader_limits(1600, 2560, 1000).is_empty());
        assert_eq!(reader_limits(2048, 2049, 1000).len(), 1);
        assert_eq!(reader_limits(10, 10, 6 * 1024 * 1024).len(), 1);
        assert_eq!(size(2_500_000), "2.4 MB");
        assert_eq!(size(3000), "3 KB");
    }
}
