//! Covers on the shelf: the book's cover as it is (the full image, for the book's page and the
//! catalogs' image link) and a thumbnail 300 pixels wide (for the shelf and the catalogs'
//! thumbnail link: e-reader apps fetch dozens of them at once).

use std::io::Cursor;

use image::{DynamicImage, ImageEncoder, RgbImage};

use super::dist::Dist;
use super::record::{Cover, FileRecord, cover_file};
use crate::book::Resource;
use crate::diag::Diagnostic;

pub const THUMBNAIL_WIDTH: u32 = 300;

/// Writes the cover and its thumbnail into `dist`. A cover that cannot be decoded (the build
/// only checked its first bytes) still goes on the shelf: its thumbnail is then the full image,
/// with a warning.
pub fn write(
    cover: &Resource,
    slug: &str,
    dist: &Dist,
    diags: &mut Vec<Diagnostic>,
) -> std::io::Result<Cover> {
    let ext = crate::media::extension(cover.media_type);
    let (width, height) = crate::media::dimensions(&cover.data).unzip();
    let full = FileRecord {
        file: cover_file(slug, ext, false),
        media_type: cover.media_type.to_string(),
        bytes: cover.data.len() as u64,
        sha256: super::cache::sha256(&cover.data),
        width,
        height,
    };
    dist.write(&full.file, &cover.data)?;

    let thumbnail = match thumbnail(&cover.data) {
        Ok(Some((data, w, h))) => FileRecord {
            file: cover_file(slug, "jpg", true),
            media_type: "image/jpeg".to_string(),
            bytes: data.len() as u64,
            sha256: super::cache::sha256(&data),
            width: Some(w),
            height: Some(h),
        }
        .written(dist, &data)?,
        // Small enough already: the thumbnail is the image itself.
        Ok(None) => FileRecord {
            file: cover_file(slug, ext, true),
            ..full.clone()
        }
        .written(dist, &cover.data)?,
        Err(e) => {
            diags.push(
                Diagnostic::warning(
                    "cover-thumbnail",
                    format!(
                        "cannot make a thumbnail of the cover ({e}); the shelf shows the full image"
                    ),
                )
                .help("re-export the cover as a plain JPEG or PNG"),
            );
            FileRecord {
                file: cover_file(slug, ext, true),
                ..full.clone()
            }
            .written(dist, &cover.data)?
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

/// A JPEG `THUMBNAIL_WIDTH` pixels wide, or `None` when the image is not wider than that.
/// Transparent pixels are laid on white, as a page would show them.
fn thumbnail(data: &[u8]) -> image::ImageResult<Option<(Vec<u8>, u32, u32)>> {
    let img = image::load_from_memory(data)?;
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
