//! The manifest's front and back matter (dedication, epigraph, contributors, sources,
//! colophon), its extra style sheet and its fonts: checked, each problem at its value's place.

use std::collections::HashSet;

use super::Validator;
use super::raw::{self, Text};
use super::yaml::{index, join};
use crate::book::{Contributor, Epigraph, Inline, Matter, Role};
use crate::diag::Diagnostic;
use crate::fonts::{self, Font};
use crate::paths::InnerPath;

/// A switch that may also carry words: `true`, `false`, or the words.
enum Switch {
    Off,
    On(Option<Inline>),
}

impl Validator<'_, '_> {
    pub(super) fn matter(&mut self, raw: &raw::Manifest) -> Matter {
        let dedication = self.text(raw.dedication.as_ref(), "dedication");
        let epigraph = raw
            .epigraph
            .as_ref()
            .and_then(|e| self.epigraph(e, "epigraph"));
        let contributors = raw.contributors.as_ref().and_then(|c| match c {
            raw::Contributors::Flag(t) => match self.switch(t, "contributors") {
                Switch::Off => None,
                Switch::On(_) => Some(Vec::new()),
            },
            raw::Contributors::List(list) => Some(self.contributors(list)),
        });
        let sources = raw
            .sources
            .as_ref()
            .and_then(|t| match self.switch(t, "sources") {
                Switch::Off => None,
                Switch::On(words) => Some(words),
            });
        let colophon = raw
            .colophon
            .as_ref()
            .and_then(|t| match self.switch(t, "colophon") {
                Switch::Off => None,
                Switch::On(words) => Some(words),
            });
        Matter {
            dedication: dedication.map(|d| Inline::plain(&d)),
            epigraph,
            contributors,
            sources,
            colophon,
        }
    }

    fn switch(&mut self, t: &Text, path: &str) -> Switch {
        match t.0.trim() {
            "true" => Switch::On(None),
            "false" => Switch::Off,
            "" => {
                self.error("empty", format!("`{path}` is empty"), path).help =
                    Some("write `true` for the page, or the words it should open with".into());
                Switch::Off
            }
            words => Switch::On(Some(Inline::plain(words))),
        }
    }

    pub(super) fn epigraph(&mut self, raw: &raw::Epigraph, path: &str) -> Option<Epigraph> {
        let (text, cite) = match raw {
            raw::Epigraph::Text(t) => (self.text(Some(t), path), None),
            raw::Epigraph::Full { text, cite } => (
                self.text(Some(text), &join(path, "text")),
                self.text(cite.as_ref(), &join(path, "cite")),
            ),
        };
        Some(Epigraph {
            text: Inline::plain(&text?),
            cite: cite.map(|c| Inline::plain(&c)),
        })
    }

    fn contributors(&mut self, raw: &[raw::Contributor]) -> Vec<Contributor> {
        let mut out: Vec<Contributor> = Vec::new();
        let mut described = HashSet::new();
        for (i, c) in raw.iter().enumerate() {
            let base = index("contributors", i);
            let Some(name) = self.text(Some(&c.name), &join(&base, "name")) else {
                continue;
            };
            if !described.insert(name.clone()) {
                self.error(
                    "duplicate-contributor",
                    format!("`{name}` is described twice"),
                    &join(&base, "name"),
                );
                continue;
            }
            let url = self.text(c.url.as_ref(), &join(&base, "url"));
            let url = url.and_then(|u| self.web_address(&u, &join(&base, "url")));
            out.push(Contributor {
                bio: self
                    .text(c.bio.as_ref(), &join(&base, "bio"))
                    .map(|b| Inline::plain(&b)),
                file_as: self.text(c.file_as.as_ref(), &join(&base, "file-as")),
                url,
                name,
            });
        }
        out
    }

    /// An address the book will link to, as `weburl` writes it; one that a reader or
    /// EPUBCheck would refuse is left out, with a warning at its place (the name it belongs
    /// to stays, as text).
    fn web_address(&mut self, url: &str, path: &str) -> Option<String> {
        match crate::weburl::check(url) {
            Ok(kept) => Some(kept),
            Err(problem) => {
                let d = Diagnostic::warning(
                    "url",
                    format!("`{url}` is left out of the book: {problem}"),
                )
                .at(self.doc.value_at(path))
                .help("write the address in full, such as `https://example.org/`");
                self.diags.push(d);
                None
            }
        }
    }

    /// A book without a cover gets one made with its title; what the cover's typeface cannot
    /// draw (CJK, Arabic…) is left off it, and what does not fit on it is cut: both are said
    /// here.
    pub(super) fn generated_cover_text(&mut self, meta: &crate::book::BookMeta, theme: &str) {
        let mut check = |text: &str, italic: bool, path: &str, what: &str| {
            let missing = crate::cover::missing_glyphs(text, italic);
            if missing.is_empty() {
                return;
            }
            let shown: String = missing.iter().take(5).collect();
            let d = Diagnostic::warning(
                "cover-text",
                format!(
                    "the generated cover's typeface has no letters for `{shown}`: the cover is made without {what}"
                ),
            )
            .at(self.doc.value_at(path))
            .help("give the book a cover of your own: `cover: cover.jpg`");
            self.diags.push(d);
        };
        check(&meta.title, false, "title", "the title");
        if let Some(sub) = &meta.subtitle {
            check(sub, true, "subtitle", "the subtitle");
        }
        // Only editors (or, without one, authors) are named on the cover.
        let named = |c: &&crate::book::Creator| {
            matches!(c.role, Role::Author | Role::Editor | Role::Compiler)
        };
        for (i, c) in meta.creators.iter().enumerate().filter(|(_, c)| named(c)) {
            check(
                &c.name,
                false,
                &join(&index("creators", i), "name"),
                "the names",
            );
        }
        let labels = crate::labels::for_language(&meta.language);
        let [title, subtitle, credit] = crate::cover::cut_short(meta, theme, labels);
        let first_named = meta.creators.iter().position(|c| named(&c));
        let too_long = |what: &str| {
            format!("the {what} is too long for the generated cover, which shows only its start")
        };
        for (cut, message, path) in [
            (title, too_long("title"), "title".to_string()),
            (subtitle, too_long("subtitle"), "subtitle".to_string()),
            (
                credit,
                "the generated cover has no room for all the names: it shows only the first"
                    .to_string(),
                first_named.map_or_else(
                    || "creators".to_string(),
                    |i| join(&index("creators", i), "name"),
                ),
            ),
        ] {
            if cut {
                let d = Diagnostic::warning("cover-text", message)
                    .at(self.doc.value_at(&path))
                    .help("give the book a cover of your own (`cover: cover.jpg`), or shorten it");
                self.diags.push(d);
            }
        }
    }

    pub(super) fn extra_css(&mut self, raw: Option<&Text>) -> Option<InnerPath> {
        let file = self.file(raw?, "extra-css", "style sheet")?;
        if !file.rel.to_ascii_lowercase().ends_with(".css") {
            self.error(
                "extra-css",
                format!("`{}` is not a .css file", file.rel),
                "extra-css",
            );
            return None;
        }
        Some(file)
    }

    pub(super) fn fonts(&mut self, raw: Option<&raw::OneOrMany>) -> Vec<Font> {
        let paths: Vec<(Text, String)> = match raw {
            None => return Vec::new(),
            Some(raw::OneOrMany::One(t)) => vec![(t.clone(), "fonts".to_string())],
            Some(raw::OneOrMany::Many(v)) => v
                .iter()
                .enumerate()
                .map(|(i, t)| (t.clone(), index("fonts", i)))
                .collect(),
        };
        let mut out = Vec::new();
        for (text, path) in paths {
            let Some(file) = self.file(&text, &path, "font") else {
                continue;
            };
            let data = match self.files.root().read(&file) {
                Ok(d) => d,
                Err(e) => {
                    self.error("font", format!("cannot read the font: {e}"), &path);
                    continue;
                }
            };
            let Some(media_type) = fonts::sniff(&data) else {
                self.error("font", format!("`{}` is not a font", file.rel), &path)
                    .help =
                    Some("fonts must be OpenType (.otf), TrueType (.ttf), WOFF or WOFF2".into());
                continue;
            };
            let stem = file
                .rel
                .rsplit('/')
                .next()
                .and_then(|n| n.rsplit_once('.').map(|(s, _)| s))
                .unwrap_or("font")
                .to_string();
            let face = match fonts::face(&data, media_type, &stem) {
                Ok(face) => face,
                Err(e) => {
                    self.error(
                        "font",
                        format!("`{}` is a damaged font: {e}", file.rel),
                        &path,
                    );
                    continue;
                }
            };
            if fonts::embedding_restricted(&data) {
                let d = Diagnostic::warning(
                    "font-licence",
                    format!(
                        "`{}` says its licence does not allow embedding it in a document",
                        file.rel
                    ),
                )
                .at(self.doc.value_at(&path))
                .help("check the font's licence, or choose a font under the SIL Open Font License");
                self.diags.push(d);
            }
            out.push(Font {
                rel: file.rel,
                media_type,
                data: std::sync::Arc::new(data),
                face,
            });
        }
        out
    }
}
