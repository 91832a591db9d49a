//! The generated cover: when the manifest names no cover, the book still gets one (Kindle and
//! Kobo show a raster cover in the library, and a book without one looks broken there). A PNG
//! of 1600×2560 pixels with the title, subtitle and editors set in EB Garamond — embedded in
//! the binary with its licence (`assets/fonts/OFL.txt`) — in the colours of the theme.
//!
//! Long titles are wrapped and shrunk to fit; what still does not fit in the lines a text may
//! take is cut, with an ellipsis, before anything is measured line by line, so a cover costs
//! the same whatever the length of the title, and the manifest check warns about it
//! ([`cut_short`]). Text the typeface cannot draw (CJK, Arabic…) is never drawn as empty
//! boxes: such a line is left off, and the manifest check warns about it ([`missing_glyphs`]).
//! Everything is computed in plain arithmetic and encoded with fixed settings: the same book
//! gives the same bytes.
//!
//! The layout is recorded as a list of shapes, then painted and encoded a band of rows at a
//! time (`png.rs`): the 4 MB of a whole 1600×2560 picture are never held at once.

use std::collections::HashSet;
use std::sync::Arc;

use ab_glyph::{Font, FontRef, GlyphId, OutlinedGlyph, PxScale, ScaleFont, point};

use crate::book::{BookMeta, Resource, Role};
use crate::labels::Labels;

mod png;

/// EB Garamond 12, regular and italic (SIL Open Font License 1.1).
pub const TYPEFACE: &[u8] = include_bytes!("../../assets/fonts/EBGaramond12-Regular.otf");
pub const TYPEFACE_ITALIC: &[u8] = include_bytes!("../../assets/fonts/EBGaramond12-Italic.otf");

pub const WIDTH: u32 = 1600;
pub const HEIGHT: u32 = 2560;
/// Where the generated cover goes in the package.
pub const HREF: &str = "images/cover.png";

type Rgb = [u8; 3];

/// The look of a cover, one per theme.
struct Design {
    background: Rgb,
    ink: Rgb,
    accent: Rgb,
    /// Centred in a ruled frame (classic, large print), or set flush left (modern).
    centred: bool,
    /// The largest title size, in pixels.
    title_px: f32,
    /// Rules' thickness.
    rule: u32,
}

fn design(theme: &str) -> Design {
    match theme {
        "modern" => Design {
            background: [0x1F, 0x3A, 0x4D],
            ink: [0xF6, 0xF3, 0xEC],
            accent: [0xE3, 0xA7, 0x57],
            centred: false,
            title_px: 250.0,
            rule: 24,
        },
        "large-print" => Design {
            background: [0x0A, 0x0A, 0x0A],
            ink: [0xFF, 0xFF, 0xFF],
            accent: [0xFF, 0xD4, 0x00],
            centred: true,
            title_px: 220.0,
            rule: 10,
        },
        _ => Design {
            background: [0xF3, 0xED, 0xE2],
            ink: [0x2A, 0x27, 0x24],
            accent: [0x8E, 0x2F, 0x1C],
            centred: true,
            title_px: 190.0,
            rule: 6,
        },
    }
}

/// The characters of `text` that the cover's typeface cannot draw, each once, in order.
/// A title with any of them is left off the cover rather than drawn as boxes.
pub fn missing_glyphs(text: &str, italic: bool) -> Vec<char> {
    let Ok(font) = FontRef::try_from_slice(if italic { TYPEFACE_ITALIC } else { TYPEFACE }) else {
        return Vec::new();
    };
    let mut missing: Vec<char> = Vec::new();
    // A set beside the list: a title of many different characters is read in linear time.
    let mut seen = HashSet::new();
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if font.glyph_id(c).0 == 0 && seen.insert(c) {
            missing.push(c);
        }
    }
    missing
}

/// How a text is set on the cover: from `start` pixels down to `min` until it fits in
/// `lines` lines of `measure` pixels; what does not fit even then is cut.
#[derive(Debug, Clone, Copy)]
struct Setting {
    start: f32,
    min: f32,
    lines: usize,
    italic: bool,
    tracking: f32,
    measure: f32,
}

/// The settings of the title, the subtitle and the credit in a design.
fn settings(d: &Design) -> [Setting; 3] {
    let (measure, title_lines, subtitle_start, subtitle_lines, credit_start) = if d.centred {
        (1140.0, 5, (d.title_px * 0.38).max(62.0), 4, 56.0)
    } else {
        (WIDTH as f32 - 300.0, 6, 72.0, 5, 60.0)
    };
    [
        Setting {
            start: d.title_px,
            min: 64.0,
            lines: title_lines,
            italic: false,
            tracking: 0.0,
            measure,
        },
        Setting {
            start: subtitle_start,
            min: 44.0,
            lines: subtitle_lines,
            italic: true,
            tracking: 0.0,
            measure,
        },
        Setting {
            start: credit_start,
            min: 30.0,
            lines: 3,
            italic: false,
            tracking: if d.centred { 6.0 } else { 0.0 },
            measure,
        },
    ]
}

/// Which of the title, the subtitle and the credit ("Edited by …") the generated cover of
/// `meta` shows only the start of, in the theme `theme`: for the manifest check.
pub fn cut_short(meta: &BookMeta, theme: &str, labels: &Labels) -> [bool; 3] {
    let (Ok(roman), Ok(italic)) = (
        FontRef::try_from_slice(TYPEFACE),
        FontRef::try_from_slice(TYPEFACE_ITALIC),
    ) else {
        return [false; 3];
    };
    let c = Canvas {
        shapes: Vec::new(),
        roman,
        italic,
    };
    let d = design(theme);
    let words = words(meta, labels, &d);
    let [title, subtitle, credit] = settings(&d);
    [
        words.title.is_some_and(|t| c.fit(&t, title).cut),
        words.subtitle.is_some_and(|s| c.fit(&s, subtitle).cut),
        words.credit.is_some_and(|t| c.credit(&t, credit).cut),
    ]
}

/// The lines a cover shows: those the typeface can draw.
struct Words {
    title: Option<String>,
    subtitle: Option<String>,
    /// "Edited by …", or the authors when the book names no editor.
    credit: Option<String>,
}

fn words(meta: &BookMeta, labels: &Labels, d: &Design) -> Words {
    let drawable = |s: &str, italic: bool| missing_glyphs(s, italic).is_empty();
    let names = |role: fn(Role) -> bool| -> Vec<String> {
        meta.creators
            .iter()
            .filter(|c| role(c.role))
            .map(|c| c.name.clone())
            .collect()
    };
    let editors = names(|r| matches!(r, Role::Editor | Role::Compiler));
    let credit = if editors.is_empty() {
        let authors = names(|r| r == Role::Author);
        match authors.len() {
            0 => None,
            1..=3 => Some(labels.join_names(&authors)),
            // A cover has no room for a list: the contents page has them all.
            _ => None,
        }
    } else {
        Some(format!(
            "{} {}",
            labels.edited_by,
            labels.join_names(&editors)
        ))
    };
    // The classic designs set the credit in capitals.
    let credit = credit.map(|c| if d.centred { c.to_uppercase() } else { c });
    Words {
        title: Some(meta.title.clone()).filter(|t| drawable(t, false)),
        subtitle: meta.subtitle.clone().filter(|s| drawable(s, true)),
        credit: credit.filter(|c| drawable(c, false)),
    }
}

/// The cover of a book that has none: a PNG resource at [`HREF`].
pub fn generate(meta: &BookMeta, theme: &str, labels: &Labels) -> Resource {
    let d = design(theme);
    let png = render(&words(meta, labels, &d), &d);
    Resource {
        href: HREF.to_string(),
        media_type: "image/png",
        data: Arc::new(png),
    }
}

/// A canvas with the typefaces: what is drawn on it is recorded, in order, and painted by
/// [`paint`] one band at a time.
struct Canvas<'f> {
    shapes: Vec<Shape>,
    roman: FontRef<'f>,
    italic: FontRef<'f>,
}

/// Something drawn on the cover.
enum Shape {
    /// A filled rectangle, already inside the picture.
    Rect {
        x: u32,
        y: u32,
        w: u32,
        h: u32,
        colour: Rgb,
    },
    /// A glyph in the colour `ink`, rasterised once: its coverage (0 to 255) of the `w` pixels
    /// a row from (`x`, `y`) down, which may reach outside the picture.
    Glyph {
        x: i64,
        y: i64,
        w: usize,
        coverage: Vec<u8>,
        ink: Rgb,
    },
}

/// Rows painted and encoded at a time.
const BAND: u32 = 256;

/// A pixel of the cover as a palette index: the background (0), or one of the two inks laid
/// over it at one of [`Level::STEPS`] strengths (1 to 127 the first ink, 128 to 254 the
/// second). A cover has three colours and their blends, so one byte a pixel holds it; the PNG
/// is indexed, a third of the work of RGB to filter and compress.
struct Level;

impl Level {
    const STEPS: f32 = 127.0;

    fn solid(slot: usize) -> u8 {
        127 * slot as u8 + 127
    }

    /// `pixel` with ink `slot` laid over it at `coverage` (0 to 1).
    fn over(pixel: u8, slot: usize, coverage: f32) -> u8 {
        let (own, strength) = match pixel {
            0 => (slot, 0.0),
            1..=127 => (0, f32::from(pixel)),
            _ => (1, f32::from(pixel - 127)),
        };
        let alpha = if own == slot {
            let below = strength / Self::STEPS;
            below + coverage * (1.0 - below)
        } else if coverage >= 0.5 {
            // Where the two inks touch, the stronger one wins.
            coverage
        } else {
            return pixel;
        };
        let step = (alpha * Self::STEPS + 0.5) as u8;
        if step == 0 {
            0
        } else {
            127 * slot as u8 + step
        }
    }

    /// The palette: every level's colour, blended over the background.
    fn palette(background: Rgb, inks: [Rgb; 2]) -> Vec<u8> {
        let mut palette = background.to_vec();
        for ink in inks {
            for step in 1..=127u8 {
                let alpha = f32::from(step) / Self::STEPS;
                for (bg, fg) in background.iter().zip(ink) {
                    let blended = f32::from(*bg) * (1.0 - alpha) + f32::from(fg) * alpha;
                    palette.push((blended + 0.5) as u8);
                }
            }
        }
        palette
    }
}

fn rasterise(outline: &OutlinedGlyph, ink: Rgb) -> Shape {
    let bounds = outline.px_bounds();
    let w = bounds.width() as usize;
    let mut coverage = vec![0; w * bounds.height() as usize];
    outline.draw(|x, y, c| {
        coverage[y as usize * w + x as usize] = (c.clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
    });
    Shape::Glyph {
        x: bounds.min.x as i64,
        y: bounds.min.y as i64,
        w,
        coverage,
        ink,
    }
}

/// A line of text laid out: its glyphs' advances sum to `width`.
struct Line {
    text: String,
    width: f32,
}

/// A text set in a size, in lines; `cut` when only its start is shown.
struct Fitted {
    px: f32,
    lines: Vec<Line>,
    cut: bool,
}

/// Characters a line may hold, at most: many more than the narrowest glyphs fill (a line of
/// letters each under several accents), and a bound for glyphs that take no room at all.
const CHARS_PER_LINE: usize = 400;

/// The width of a text measured a character at a time: the same sums, in the same order, as
/// [`Canvas::width`], so that a line is measured once however it grows.
#[derive(Clone, Copy)]
struct Measure {
    sum: f32,
    prev: Option<GlyphId>,
}

impl Measure {
    const EMPTY: Measure = Measure {
        sum: 0.0,
        prev: None,
    };

    fn push<F: Font>(&mut self, font: &ab_glyph::PxScaleFont<&F>, c: char, tracking: f32) {
        let id = font.glyph_id(c);
        if let Some(p) = self.prev {
            self.sum += font.kern(p, id);
        }
        self.sum += font.h_advance(id) + tracking;
        self.prev = Some(id);
    }

    fn width(self, tracking: f32) -> f32 {
        if self.prev.is_some() {
            self.sum - tracking
        } else {
            0.0
        }
    }
}

impl Canvas<'_> {
    fn rect(&mut self, x: u32, y: u32, w: u32, h: u32, colour: Rgb) {
        if x < WIDTH && y < HEIGHT {
            self.shapes.push(Shape::Rect {
                x,
                y,
                w: w.min(WIDTH - x),
                h: h.min(HEIGHT - y),
                colour,
            });
        }
    }

    /// A rectangle's outline, `t` pixels thick.
    fn frame(&mut self, inset: u32, t: u32, colour: Rgb) {
        let (w, h) = (WIDTH - 2 * inset, HEIGHT - 2 * inset);
        self.rect(inset, inset, w, t, colour);
        self.rect(inset, HEIGHT - inset - t, w, t, colour);
        self.rect(inset, inset, t, h, colour);
        self.rect(WIDTH - inset - t, inset, t, h, colour);
    }

    fn font(&self, italic: bool) -> &FontRef<'_> {
        if italic { &self.italic } else { &self.roman }
    }

    fn width(&self, text: &str, px: f32, italic: bool, tracking: f32) -> f32 {
        let font = self.font(italic).as_scaled(PxScale::from(px));
        let mut m = Measure::EMPTY;
        for c in text.chars() {
            m.push(&font, c, tracking);
        }
        m.width(tracking)
    }

    /// Draws `text` with its baseline at `y`, starting at `x`.
    #[allow(clippy::too_many_arguments)]
    fn draw(&mut self, text: &str, x: f32, y: f32, px: f32, italic: bool, tracking: f32, ink: Rgb) {
        let scale = PxScale::from(px);
        let mut glyphs = Vec::new();
        {
            let font = self.font(italic).as_scaled(scale);
            let mut caret = x;
            let mut prev = None;
            for c in text.chars() {
                let id = font.glyph_id(c);
                if let Some(p) = prev {
                    caret += font.kern(p, id);
                }
                glyphs.push(id.with_scale_and_position(scale, point(caret, y)));
                caret += font.h_advance(id) + tracking;
                prev = Some(id);
            }
        }
        for glyph in glyphs {
            if let Some(outline) = self.font(italic).outline_glyph(glyph) {
                self.shapes.push(rasterise(&outline, ink));
            }
        }
    }

    /// Breaks `text` into lines no wider than `max`, at spaces; a word wider than a line is
    /// broken between characters. Each line is measured as it grows, never again from its
    /// start: linear in the text.
    fn wrap(&self, text: &str, px: f32, italic: bool, tracking: f32, max: f32) -> Vec<Line> {
        let font = self.font(italic).as_scaled(PxScale::from(px));
        let mut lines: Vec<Line> = Vec::new();
        let mut current = String::new();
        let mut measure = Measure::EMPTY;
        let end = |current: &mut String, measure: &mut Measure, lines: &mut Vec<Line>| {
            lines.push(Line {
                text: std::mem::take(current),
                width: measure.width(tracking),
            });
            *measure = Measure::EMPTY;
        };
        for word in text.split_whitespace() {
            let mut candidate = measure;
            if !current.is_empty() {
                candidate.push(&font, ' ', tracking);
            }
            for c in word.chars() {
                candidate.push(&font, c, tracking);
            }
            if candidate.width(tracking) <= max {
                if !current.is_empty() {
                    current.push(' ');
                }
                current.push_str(word);
                measure = candidate;
                continue;
            }
            if !current.is_empty() {
                end(&mut current, &mut measure, &mut lines);
            }
            // The word alone: broken between characters if it is still too wide.
            for c in word.chars() {
                let mut next = measure;
                next.push(&font, c, tracking);
                if !current.is_empty() && next.width(tracking) > max {
                    end(&mut current, &mut measure, &mut lines);
                    next = Measure::EMPTY;
                    next.push(&font, c, tracking);
                }
                current.push(c);
                measure = next;
            }
        }
        if !current.is_empty() {
            end(&mut current, &mut measure, &mut lines);
        }
        lines
    }

    /// The same number of lines, as even as they go: the narrowest measure that does not add
    /// a line (no lone word on the last one) and breaks no word that the full measure kept
    /// whole ("antholog-y" is not a balance).
    fn balance(&self, text: &str, px: f32, italic: bool, max: f32, lines: Vec<Line>) -> Vec<Line> {
        if lines.len() < 2 {
            return lines;
        }
        let widest = text
            .split_whitespace()
            .map(|w| self.width(w, px, italic, 0.0))
            .filter(|&w| w <= max)
            .fold(0.0, f32::max);
        let mut best = lines;
        let mut measure = max;
        while measure > max * 0.5 && measure - 20.0 >= widest {
            measure -= 20.0;
            let tried = self.wrap(text, px, italic, 0.0, measure);
            if tried.len() != best.len() {
                break;
            }
            best = tried;
        }
        best
    }

    /// The start of `text` that could be shown in `s.lines` lines at the smallest size, and
    /// whether that is less than the whole: one pass, which stops as soon as the text is
    /// wider than all the lines together (and then some), or has more characters than they
    /// hold. Nothing after this looks at more than this start.
    fn shown<'t>(&self, text: &'t str, s: Setting) -> (&'t str, bool) {
        let font = self.font(s.italic).as_scaled(PxScale::from(s.min));
        let room = s.measure * (s.lines + 1) as f32;
        let mut m = Measure::EMPTY;
        for (n, (i, c)) in text.char_indices().enumerate() {
            m.push(&font, c, s.tracking);
            if m.sum > room || n >= CHARS_PER_LINE * s.lines {
                return (&text[..i], true);
            }
        }
        (text, false)
    }

    /// The first `max_lines` of `lines`, the last ending with an ellipsis that fits.
    fn ellipsis(&self, mut lines: Vec<Line>, max_lines: usize, px: f32, s: Setting) -> Vec<Line> {
        lines.truncate(max_lines);
        if let Some(last) = lines.pop() {
            let mut text = last.text;
            loop {
                let shown = format!("{}…", text.trim_end());
                let width = self.width(&shown, px, s.italic, s.tracking);
                if width <= s.measure || text.is_empty() {
                    lines.push(Line { text: shown, width });
                    break;
                }
                // A whole word off, or a letter when the line is one word.
                match text.trim_end().rfind(' ') {
                    Some(space) => text.truncate(space),
                    None => {
                        text.pop();
                    }
                }
            }
        }
        lines
    }

    /// The largest size from `s.start` down to `s.min` at which `text` fits in `s.lines`
    /// lines with no word broken; the wrapped lines at that size. At the smallest size,
    /// what does not fit is cut.
    fn fit(&self, text: &str, s: Setting) -> Fitted {
        let (text, cut) = self.shown(text, s);
        let mut px = s.start;
        loop {
            let lines = self.wrap(text, px, s.italic, 0.0, s.measure);
            let words_whole = text
                .split_whitespace()
                .all(|w| self.width(w, px, s.italic, 0.0) <= s.measure);
            if !cut && lines.len() <= s.lines && words_whole {
                let lines = self.balance(text, px, s.italic, s.measure, lines);
                return Fitted { px, lines, cut };
            }
            if px <= s.min {
                let cut = cut || lines.len() > s.lines;
                let lines = if cut {
                    self.ellipsis(lines, s.lines, px, s)
                } else {
                    self.balance(text, px, s.italic, s.measure, lines)
                };
                return Fitted { px, lines, cut };
            }
            px = (px * 0.92).max(s.min);
        }
    }

    /// The credit: on one line if it fits from `s.start` down to `s.min`, else wrapped at the
    /// smallest size, in at most `s.lines` lines.
    fn credit(&self, text: &str, s: Setting) -> Fitted {
        let (text, cut) = self.shown(text, s);
        let mut px = s.start;
        while self.width(text, px, false, s.tracking) > s.measure && px > s.min {
            px *= 0.94;
        }
        let lines = self.wrap(text, px, false, s.tracking, s.measure);
        let cut = cut || lines.len() > s.lines;
        let lines = if cut {
            self.ellipsis(lines, s.lines, px, s)
        } else {
            lines
        };
        Fitted { px, lines, cut }
    }
}

fn render(words: &Words, d: &Design) -> Vec<u8> {
    let (Ok(roman), Ok(italic)) = (
        FontRef::try_from_slice(TYPEFACE),
        FontRef::try_from_slice(TYPEFACE_ITALIC),
    ) else {
        // The typefaces are part of the binary; should they ever fail to parse, the cover
        // is the plain design.
        return encode(&[], d);
    };
    let mut c = Canvas {
        shapes: Vec::new(),
        roman,
        italic,
    };
    if d.centred {
        centred(&mut c, words, d);
    } else {
        flush_left(&mut c, words, d);
    }
    encode(&c.shapes, d)
}

/// Classic and large print: a ruled frame, the title centred above an ornament, the subtitle
/// in italic below it, the credit near the foot.
fn centred(c: &mut Canvas, words: &Words, d: &Design) {
    c.frame(80, d.rule, d.ink);
    c.frame(80 + d.rule + 14, (d.rule / 3).max(2), d.ink);
    let [title_setting, subtitle_setting, credit_setting] = settings(d);
    let mid = WIDTH as f32 / 2.0;
    let title = words.title.as_deref().map(|t| c.fit(t, title_setting));
    let subtitle = words
        .subtitle
        .as_deref()
        .map(|s| c.fit(s, subtitle_setting));
    // The block (title, ornament, subtitle) is centred a little above the middle.
    let title_h = title
        .as_ref()
        .map_or(0.0, |f| f.px * 1.12 * f.lines.len() as f32);
    let sub_h = subtitle
        .as_ref()
        .map_or(0.0, |f| f.px * 1.3 * f.lines.len() as f32);
    let ornament_h = 140.0;
    let block = title_h + ornament_h + sub_h;
    let mut y = ((HEIGHT as f32 * 0.44) - block / 2.0).max(300.0);
    // Lines centred one under the other, `leading` sizes apart, the baseline `rise` sizes up.
    let set = |c: &mut Canvas, f: &Fitted, leading: f32, rise: f32, italic: bool, y: &mut f32| {
        for line in &f.lines {
            *y += f.px * leading;
            let x = mid - line.width / 2.0;
            c.draw(&line.text, x, *y - f.px * rise, f.px, italic, 0.0, d.ink);
        }
    };
    if let Some(title) = &title {
        set(c, title, 1.12, 0.28, false, &mut y);
    }
    // The ornament: a short rule in the accent colour, with a lozenge at its middle.
    let rule_y = (y + ornament_h / 2.0) as u32;
    c.rect(WIDTH / 2 - 170, rule_y, 340, d.rule.max(4), d.accent);
    lozenge(c, WIDTH / 2, rule_y + d.rule.max(4) / 2, 22, d.accent);
    y += ornament_h;
    if let Some(subtitle) = &subtitle {
        set(c, subtitle, 1.3, 0.3, true, &mut y);
    }
    if let Some(credit) = &words.credit {
        let f = c.credit(credit, credit_setting);
        let mut y = HEIGHT as f32 - 300.0 - f.px * 1.3 * (f.lines.len() as f32 - 1.0);
        for line in &f.lines {
            c.draw(
                &line.text,
                mid - line.width / 2.0,
                y,
                f.px,
                false,
                credit_setting.tracking,
                d.ink,
            );
            y += f.px * 1.3;
        }
    }
}

/// Modern: a band of accent colour, the title set flush left and large, the credit at the foot.
fn flush_left(c: &mut Canvas, words: &Words, d: &Design) {
    let left = 150.0;
    let [title_setting, subtitle_setting, credit_setting] = settings(d);
    c.rect(150, 300, 220, d.rule, d.accent);
    let mut y = 420.0;
    if let Some(t) = &words.title {
        let f = c.fit(t, title_setting);
        for line in &f.lines {
            y += f.px * 1.05;
            c.draw(&line.text, left, y - f.px * 0.25, f.px, false, 0.0, d.ink);
        }
        y += 40.0;
    }
    if let Some(s) = &words.subtitle {
        let f = c.fit(s, subtitle_setting);
        y += 30.0;
        for line in &f.lines {
            y += f.px * 1.3;
            c.draw(&line.text, left, y, f.px, true, 0.0, d.accent);
        }
    }
    c.rect(0, HEIGHT - 420, WIDTH, 4, d.accent);
    if let Some(credit) = &words.credit {
        let f = c.credit(credit, credit_setting);
        let mut y = HEIGHT as f32 - 300.0;
        for line in &f.lines {
            c.draw(&line.text, left, y, f.px, false, 0.0, d.ink);
            y += f.px * 1.3;
        }
    }
}

/// A small filled lozenge (a square on its point) centred at (`cx`, `cy`).
fn lozenge(c: &mut Canvas, cx: u32, cy: u32, r: u32, colour: Rgb) {
    for dy in 0..=r {
        let half = r - dy;
        for y in [cy.saturating_sub(dy), cy + dy] {
            c.rect(cx.saturating_sub(half), y, 2 * half + 1, 1, colour);
        }
    }
}

/// Paints the rows from `top` into `band`, which holds the background. `inks` are the two
/// colours drawn with.
fn paint(shapes: &[Shape], top: u32, band: &mut png::Band, inks: [Rgb; 2]) {
    let rows = band.rows() as u32;
    let slot = |colour: &Rgb| usize::from(inks[0] != *colour);
    for shape in shapes {
        match shape {
            Shape::Rect { x, y, w, h, colour } => {
                let solid = Level::solid(slot(colour));
                for yy in (*y).max(top)..(y + h).min(top + rows) {
                    band.row_mut((yy - top) as usize)[*x as usize..(x + w) as usize].fill(solid);
                }
            }
            Shape::Glyph {
                x,
                y,
                w,
                coverage,
                ink,
            } => {
                let slot = slot(ink);
                // The glyph's columns and rows that fall in the picture and in the band.
                let left = (-x).clamp(0, *w as i64) as usize;
                let right = (i64::from(WIDTH) - x).clamp(0, *w as i64) as usize;
                let glyph_rows = (coverage.len() / (*w).max(1)) as i64;
                let first = (i64::from(top) - y).clamp(0, glyph_rows);
                let last = (i64::from(top + rows) - y).clamp(0, glyph_rows);
                for gy in first..last {
                    let row = band.row_mut((y + gy - i64::from(top)) as usize);
                    let cells = &coverage[gy as usize * w..][left..right];
                    let pixels = &mut row[(x + left as i64) as usize..][..cells.len()];
                    for (pixel, &c) in pixels.iter_mut().zip(cells) {
                        if c > 0 {
                            *pixel = Level::over(*pixel, slot, f32::from(c) / 255.0);
                        }
                    }
                }
            }
        }
    }
}

/// The PNG: painted and compressed [`BAND`] rows at a time.
fn encode(shapes: &[Shape], d: &Design) -> Vec<u8> {
    let inks = [d.ink, d.accent];
    let palette = Level::palette(d.background, inks);
    png::indexed(WIDTH, HEIGHT, &palette, BAND, |top, band| {
        paint(shapes, top, band, inks);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::Creator;

    fn meta(title: &str) -> BookMeta {
        BookMeta {
            title: title.to_string(),
            subtitle: Some("Essays on <Reading> & Books".into()),
            language: "en".into(),
            creators: vec![Creator {
                name: "Imogen Vale".into(),
                role: Role::Editor,
                file_as: None,
            }],
            ..BookMeta::default()
        }
    }

    #[test]
    fn a_cover_of_the_right_size_every_time_the_same() {
        let labels = crate::labels::for_language("en");
        let a = generate(&meta("Marginalia"), "classic", labels);
        let b = generate(&meta("Marginalia"), "classic", labels);
        assert_eq!(a.data, b.data, "the same book gives the same cover");
        assert_eq!(crate::media::sniff_image(&a.data), Some("image/png"));
        assert_eq!(crate::media::dimensions(&a.data), Some((WIDTH, HEIGHT)));
        let other = generate(&meta("Another Title"), "classic", labels);
        assert_ne!(a.data, other.data);
        for theme in ["modern", "large-print"] {
            let c = generate(&meta("Marginalia"), theme, labels);
            assert_eq!(crate::media::dimensions(&c.data), Some((WIDTH, HEIGHT)));
            assert_ne!(c.data, a.data);
        }
    }

    #[test]
    fn scripts_the_typeface_lacks_are_left_off() {
        assert_eq!(
            missing_glyphs("Marginalia: <&> «Études» Ωμέγα Книга", false),
            Vec::<char>::new()
        );
        assert_eq!(missing_glyphs("读书 ok", false), vec!['读', '书']);
        assert!(!missing_glyphs("كتاب", false).is_empty());
        let labels = crate::labels::for_language("en");
        let w = words(&meta("读书笔记"), labels, &design("classic"));
        assert!(w.title.is_none());
        assert!(w.subtitle.is_some() && w.credit.is_some());
        // The title-less design is still a cover, and differs from a cover with a title.
        let titleless = generate(&meta("读书笔记"), "classic", labels);
        assert_eq!(
            crate::media::dimensions(&titleless.data),
            Some((WIDTH, HEIGHT))
        );
    }

    fn canvas() -> Canvas<'static> {
        Canvas {
            shapes: Vec::new(),
            roman: FontRef::try_from_slice(TYPEFACE).unwrap(),
            italic: FontRef::try_from_slice(TYPEFACE_ITALIC).unwrap(),
        }
    }

    #[test]
    fn long_titles_wrap_and_shrink_to_fit() {
        let c = canvas();
        let [title, ..] = settings(&design("classic"));
        let f = c.fit("Marginalia", title);
        assert_eq!((f.px, f.lines.len(), f.cut), (190.0, 1, false));
        let long = "The Extraordinarily Long and Winding Title of an Anthology That Goes On and On Without End";
        let f = c.fit(long, title);
        assert!(
            f.px < 190.0 && f.lines.len() <= 5,
            "{} {}",
            f.px,
            f.lines.len()
        );
        assert!(f.lines.iter().all(|l| l.width <= 1140.0));
        assert!(!f.cut);
        let word = "Supercalifragilisticexpialidociousnessesandmoreandmoreandmoreandmore";
        let f = c.fit(word, title);
        assert!(f.lines.iter().all(|l| l.width <= 1140.0));
        assert_eq!(
            f.lines.iter().map(|l| l.text.as_str()).collect::<String>(),
            word
        );
    }

    #[test]
    fn balancing_the_lines_breaks_no_word() {
        // Found on the guide's cover: "The anthology Guide" in three lines at the full measure
        // was "balanced" into "The / antholog / y Guide".
        let c = canvas();
        for theme in ["classic", "modern", "large-print"] {
            for (i, setting) in settings(&design(theme)).into_iter().enumerate().take(2) {
                for title in [
                    "The anthology Guide",
                    "On Extraordinarily Unaccountable Things",
                ] {
                    let f = c.fit(title, setting);
                    let words: Vec<&str> = title.split_whitespace().collect();
                    let set: Vec<&str> = f
                        .lines
                        .iter()
                        .flat_map(|l| l.text.split_whitespace())
                        .collect();
                    assert_eq!(set, words, "{theme} {i}");
                }
            }
        }
    }

    #[test]
    fn what_does_not_fit_is_cut_with_an_ellipsis() {
        let c = canvas();
        for theme in ["classic", "modern"] {
            let [title, subtitle, credit] = settings(&design(theme));
            for (text, s) in [
                ("Word ".repeat(100_000), title),
                ("W".repeat(10_000) + &"\u{301}".repeat(100_000), title),
                ("Subtitle ".repeat(10_000), subtitle),
                ("EDITED BY ".repeat(10_000), credit),
            ] {
                let f = if s.tracking > 0.0 || s.min == 30.0 {
                    c.credit(&text, s)
                } else {
                    c.fit(&text, s)
                };
                assert!(f.cut, "{theme}");
                assert_eq!(f.lines.len(), s.lines, "{theme}");
                assert!(f.lines.last().unwrap().text.ends_with('…'));
                assert!(f.lines.iter().all(|l| l.width <= s.measure), "{theme}");
                assert!(text.starts_with(f.lines[0].text.trim_end_matches('…')));
            }
        }
    }

    #[test]
    fn a_cover_shows_only_the_start_of_a_long_title() {
        let labels = crate::labels::for_language("en");
        let mut m = meta(&"A Title That Never Ends ".repeat(50_000));
        m.creators = (0..20_000)
            .map(|i| Creator {
                name: format!("Editor {i}"),
                role: Role::Editor,
                file_as: None,
            })
            .collect();
        for theme in ["classic", "modern", "large-print"] {
            assert_eq!(cut_short(&m, theme, labels), [true, false, true], "{theme}");
            let cover = generate(&m, theme, labels);
            assert_eq!(crate::media::dimensions(&cover.data), Some((WIDTH, HEIGHT)));
        }
        assert_eq!(
            cut_short(&meta("Marginalia"), "classic", labels),
            [false; 3]
        );
    }
}
