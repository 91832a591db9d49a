//! Covers on the shelf: the book's cover as it is (the full image, for the book's page and the
//! catalogs' image link) and a thumbnail 300 pixels wide (for the shelf and the catalogs'
//! thumbnail link: e-reader apps fetch dozens of them at once). Covers are decoded within a
//! budget ([`DECODE_BUDGET`]): a PNG of a few hundred kilobytes can unfold into gigabytes, and
//! the books are placed in parallel.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageEncoder, ImageError, RgbImage};

use super::dist::Dist;
use super::record::{Cover, FileRecord, cover_file};
use crate::book::Resource;
use crate::diag::Diagnostic;

pub const THUMBNAIL_WIDTH: u32 = 300;

/// The most memory the decoding of one cover may take: a 4096×4096 cover with transparency, far
/// above the 1600×2560 pixels the stores ask for.
pub const DECODE_BUDGET: u64 = 64 << 20;

/// Neither side of a cover may be longer (the decoder's strict limit, checked from the header).
const MAX_SIDE: u32 = 16_384;

/// Writes the cover and its thumbnail into `dist`. `source` is the manifest's cover as the
/// user names it (`None` for one the build made), for messages.
///
/// A cover too large to decode within [`DECODE_BUDGET`] still goes on the shelf with its book —
/// it is the book's cover, which the build accepted, and refusing the book over a picture on a
/// web page would not be what its author wants — but gets no thumbnail, with a warning naming
/// the file: the pages show the book's title in its place, as for a book without a cover, so
/// that no visitor's browser or e-reader app has to unfold it either. A cover that cannot be
/// decoded for another reason (the build only checked its first bytes) is its own thumbnail,
/// with a warning.
pub fn write(
    cover: &Resource,
    slug: &str,
    source: Option<&Path>,
    dist: &Dist,
    diags: &mut Vec<Diagnostic>,
) -> std::io::Result<Cover> {
    let ext = crate::media::extension(cover.media_type);
    let dimensions = crate::media::dimensions(&cover.data);
    let (width, height) = dimensions.unzip();
    let full = FileRecord {
        file: cover_file(slug, ext, false),
        media_type: cover.media_type.to_string(),
        bytes: cover.data.len() as u64,
        sha256: super::cache::sha256(&cover.data),
        width,
        height,
    };
    dist.write(&full.file, &cover.data)?;
    let shown = source.map_or_else(|| dist.shown(&full.file), Path::to_path_buf);

    let thumbnail = match thumbnail(&cover.data) {
        Ok(Some((data, w, h))) => Some(
            FileRecord {
                file: cover_file(slug, "jpg", true),
                media_type: "image/jpeg".to_string(),
                bytes: data.len() as u64,
                sha256: super::cache::sha256(&data),
                width: Some(w),
                height: Some(h),
            }
            .written(dist, &data)?,
        ),
        // Small enough already: the thumbnail is the image itself.
        Ok(None) => Some(
            FileRecord {
                file: cover_file(slug, ext, true),
                ..full.clone()
            }
            .written(dist, &cover.data)?,
        ),
        Err(ImageError::Limits(_)) => {
            let size = dimensions.map_or(String::new(), |(w, h)| format!(" ({w}×{h} pixels)"));
            diags.push(
                Diagnostic::warning(
                    "cover-too-large",
                    format!(
                        "the cover{size} is too large to make a thumbnail of within {} MiB; \
                         the book is published, and the shelf shows its title in place of the cover",
                        DECODE_BUDGET >> 20
                    ),
                )
                .in_file(&shown)
                .help("export the cover at the size the stores ask for, 1600×2560 pixels"),
            );
            None
        }
        Err(e) => {
            diags.push(
                Diagnostic::warning(
                    "cover-thumbnail",
                    format!(
                        "cannot make a thumbnail of the cover ({e}); the shelf shows the full image"
                    ),
                )
                .in_file(&shown)
                .help("re-export the cover as a plain JPEG or PNG"),
            );
            Some(
                FileRecord {
                    file: cover_file(slug, ext, true),
                    ..full.clone()
                }
                .written(dist, &cover.data)?,
            )
        }
    };
    Ok(Cover { full, thumbnail })
}

impl FileRecord {
    fn written(self, dist: &Dist, data: &[u8]) -> std::io::Result<FileRecord> {
        dist.write(&self.file, data)?;
        Ok(self)
    }
}

/// Decodes an image within [`DECODE_BUDGET`] and [`MAX_SIDE`]: `ImageError::Limits` when it
/// would take more, found from its header before anything is allocated.
fn decode(data: &[u8]) -> image::ImageResult<DynamicImage> {
    let mut reader = image::ImageReader::new(Cursor::new(data)).with_guessed_format()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(DECODE_BUDGET);
    reader.limits(limits);
    reader.decode()
}

/// A JPEG `THUMBNAIL_WIDTH` pixels wide, or `None` when the image is not wider than that.
/// Transparent pixels are laid on white, as a page would show them.
fn thumbnail(data: &[u8]) -> image::ImageResult<Option<(Vec<u8>, u32, u32)>> {
    let img = decode(data)?;
    if img.width() <= THUMBNAIL_WIDTH {
        return Ok(None);
    }
    let height = u32::try_from(
        (u64::from(img.height()) * u64::from(THUMBNAIL_WIDTH) + u64::from(img.width()) / 2)
            / u64::from(img.width()),
    )
    .unwrap_or(u32::MAX)
    .max(1);
    let small = img.thumbnail_exact(THUMBNAIL_WIDTH, height);
    drop(img);
    let rgb = on_white(&small);
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).write_image(
        rgb.as_raw(),
        rgb.width(),
        rgb.height(),
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(Some((out.into_inner(), THUMBNAIL_WIDTH, height)))
}

fn on_white(img: &DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend = |c: u8| {
            let c = u32::from(c) * u32::from(a) + 255 * (255 - u32::from(a));
            u8::try_from((c + 127) / 255).unwrap_or(u8::MAX)
        };
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, rgba: [u8; 4]) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(width, height, image::Rgba(rgba));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn thumbnails_keep_the_proportions() {
        let (jpeg, w, h) = thumbnail(&png(1600, 2560, [200, 30, 30, 255]))
            .unwrap()
            .unwrap();
        assert_eq!((w, h), (300, 480));
        assert_eq!(crate::media::sniff_image(&jpeg), Some("image/jpeg"));
        assert_eq!(crate::media::dimensions(&jpeg), Some((300, 480)));
    }

    #[test]
    fn covers_past_the_budget_are_refused_before_they_are_decoded() {
        // Only the header and the start of the pixels: the budget is checked before a pixel is
        // read. 8000×8000 RGBA is 244 MiB decoded; 20000 pixels is past the longest side.
        let header = |w: u32, h: u32| {
            let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
            let mut ihdr = Vec::new();
            ihdr.extend_from_slice(&w.to_be_bytes());
            ihdr.extend_from_slice(&h.to_be_bytes());
            ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
            for (kind, data) in [(b"IHDR", &ihdr[..]), (b"IDAT", &[0x78, 0x9c][..])] {
                let mut chunk = kind.to_vec();
                chunk.extend_from_slice(data);
                png.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
                png.extend_from_slice(&chunk);
                png.extend_from_slice(&libdeflater::crc32(&chunk).to_be_bytes());
            }
            png
        };
        for (w, h) in [(8000, 8000), (20_000, 10)] {
            assert!(
                matches!(thumbnail(&header(w, h)), Err(ImageError::Limits(_))),
                "{w}×{h}"
            );
        }
        // Within the budget: 2000×3000 RGBA is 23 MiB.
        assert!(
            thumbnail(&png(2000, 3000, [10, 20, 30, 255]))
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn small_covers_are_their_own_thumbnail() {
        assert!(thumbnail(&png(200, 300, [0, 0, 0, 255])).unwrap().is_none());
    }

    #[test]
    fn transparency_is_laid_on_white() {
        let img = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
            2,
            2,
            image::Rgba([0, 0, 0, 0]),
        ));
        assert_eq!(on_white(&img).get_pixel(0, 0).0, [255, 255, 255]);
    }
}
