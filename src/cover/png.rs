//! The cover's PNG: 8-bit indexed pixels, painted a band of rows at a time and streamed into
//! the png crate's encoder, so the picture is never held whole; the compressed stream is.
//!
//! The png crate's fast mode (fdeflate, with its choice of row filters) was measured against
//! the hand-written run-and-row-copy deflate this replaced, on the generated covers of the
//! three themes (bench/README.md, "The generated cover"): 63–68 KB against 82–87 KB, in less
//! time, so the book is smaller and the code is a dependency the tree already had. The bytes
//! depend on nothing but the pixels and the png crate's version (locked in Cargo.lock).

/// A band of rows to paint: `rows` rows of `width` palette indices, all 0 at first.
pub struct Band<'a> {
    data: &'a mut [u8],
    width: usize,
}

impl Band<'_> {
    pub fn rows(&self) -> usize {
        self.data.len() / self.width
    }

    /// Row `y` of the band (0 is its top), `width` pixels.
    pub fn row_mut(&mut self, y: usize) -> &mut [u8] {
        let start = y * self.width;
        &mut self.data[start..start + self.width]
    }
}

/// Encodes a `width`×`height` picture whose pixels are indices into `palette` (RGB triples,
/// at most 256). `paint` is called for each band of `band_rows` rows (fewer for the last) with
/// the band's top row and the band to paint.
pub fn indexed(
    width: u32,
    height: u32,
    palette: &[u8],
    band_rows: u32,
    mut paint: impl FnMut(u32, &mut Band),
) -> Vec<u8> {
    debug_assert!(palette.len().is_multiple_of(3) && palette.len() <= 256 * 3);
    debug_assert!(width > 0 && height > 0 && band_rows > 0);
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(palette);
    encoder.set_compression(png::Compression::Fast);
    // Writing into memory fails only on a header the encoder refuses (a size of 0, a palette
    // of more than 256 colours): the cover's are constants.
    const FIXED: &str = "the cover's size and palette are valid for PNG";
    let mut writer = encoder.write_header().expect(FIXED);
    // One IDAT chunk for a cover (the default would cut it every 4 KiB).
    let mut stream = writer.stream_writer_with_size(1 << 20).expect(FIXED);
    let w = width as usize;
    let mut buf = vec![0u8; w * band_rows as usize];
    let mut top = 0;
    while top < height {
        let rows = band_rows.min(height - top) as usize;
        let band = &mut buf[..w * rows];
        band.fill(0);
        paint(
            top,
            &mut Band {
                data: band,
                width: w,
            },
        );
        std::io::Write::write_all(&mut stream, band).expect(FIXED);
        top += rows as u32;
    }
    stream.finish().expect(FIXED);
    writer.finish().expect(FIXED);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A palette of `n` distinct colours.
    fn palette(n: usize) -> Vec<u8> {
        (0..n)
            .flat_map(|i| [i as u8, (i * 7) as u8, 255 - i as u8])
            .collect()
    }

    /// Encodes `pixels` (`width` a row) and decodes the PNG with the image crate, a decoder of
    /// its own: what it sees must be the pixels, in the palette's colours.
    fn round_trip(width: u32, pixels: &[u8], band_rows: u32) {
        let height = (pixels.len() / width as usize) as u32;
        let palette = palette(256);
        let png = indexed(width, height, &palette, band_rows, |top, band| {
            for y in 0..band.rows() {
                let start = (top as usize + y) * width as usize;
                band.row_mut(y)
                    .copy_from_slice(&pixels[start..start + width as usize]);
            }
        });
        let decoded = image::load_from_memory(&png).expect("a PNG").to_rgb8();
        assert_eq!(decoded.dimensions(), (width, height));
        let expected: Vec<u8> = pixels
            .iter()
            .flat_map(|&p| palette[3 * p as usize..3 * p as usize + 3].to_vec())
            .collect();
        assert!(decoded.as_raw() == &expected, "the pixels differ");
    }

    #[test]
    fn a_cover_sized_picture_of_runs_repeats_and_noise_decodes_to_itself() {
        let (w, h) = (1600usize, 700usize);
        let mut pixels = vec![0u8; w * h];
        let mut seed = 7u32;
        for y in 0..h {
            let row = &mut pixels[y * w..(y + 1) * w];
            match y % 7 {
                // Rows of background with a rule down each side, repeated.
                0..=2 => {
                    row[80..86].fill(254);
                    row[w - 86..w - 80].fill(254);
                }
                // Noise: no match anywhere.
                3 => row.iter_mut().for_each(|p| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    *p = (seed >> 16) as u8;
                }),
                // Short runs of every length around the minimum.
                _ => {
                    let mut x = 0;
                    let mut len = 1;
                    while x < w {
                        let end = (x + len).min(w);
                        row[x..end].fill((len * 37 + y) as u8);
                        x = end;
                        len = len % 300 + 1;
                    }
                }
            }
        }
        round_trip(w as u32, &pixels, 256);
        round_trip(w as u32, &pixels, 3);
    }

    #[test]
    fn the_first_row_refers_to_nothing_before_it() {
        round_trip(5, &[9, 9, 9, 9, 9, 9, 9, 9, 9, 9], 1);
        round_trip(1, &[0], 1);
        round_trip(300, &[0; 300 * 3], 2);
    }

    #[test]
    fn repeated_rows_of_any_width_are_copied_whole() {
        // A row copy is split into matches of at most 258 bytes, none shorter than 3.
        for width in [2, 3, 256, 257, 258, 259, 260, 514, 515, 516, 1600] {
            let mut pixels: Vec<u8> = (0..width).map(|x| (x % 7) as u8).collect();
            pixels.extend_from_within(..);
            pixels.extend_from_within(..);
            round_trip(width, &pixels, 3);
        }
    }

    proptest! {
        #[test]
        fn any_picture_decodes_to_itself(
            width in 1u32..70,
            band_rows in 1u32..9,
            rows in proptest::collection::vec(
                proptest::collection::vec((0u8..4, 1usize..40), 1..8), 1..30),
        ) {
            // Each row is runs of a few colours, or a copy of the row above (an empty run list).
            let mut pixels: Vec<u8> = Vec::new();
            for runs in &rows {
                let mut row: Vec<u8> = runs
                    .iter()
                    .flat_map(|&(colour, len)| std::iter::repeat_n(colour, len))
                    .cycle()
                    .take(width as usize)
                    .collect();
                if runs.len() == 1 && pixels.len() >= width as usize {
                    row = pixels[pixels.len() - width as usize..].to_vec();
                }
                pixels.extend(row);
            }
            round_trip(width, &pixels, band_rows);
        }
    }
}
