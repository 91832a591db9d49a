//! The built-in themes (`styles/*.css`, embedded in the binary so that a build needs nothing
//! beside it): a catalogue the manifest names a theme from, and the style sheet is made of.
//! It depends on nothing of the crate.

/// A built-in theme: a style sheet the manifest names in `style:`.
#[derive(Debug)]
pub struct Theme {
    /// Its name in `style:`.
    pub name: &'static str,
    /// What it looks like, in a line.
    pub description: &'static str,
    /// Its style sheet.
    pub css: &'static str,
}

/// The theme of a manifest that names none.
pub const DEFAULT: &str = "classic";

/// Every built-in theme.
pub const THEMES: &[Theme] = &[
    Theme {
        name: "classic",
        description: "a serif book page: indented paragraphs, small caps bylines, quiet notes",
        css: include_str!("../styles/classic.css"),
    },
    Theme {
        name: "modern",
        description: "a sans-serif page: spaced paragraphs, ragged right, bold headings",
        css: include_str!("../styles/modern.css"),
    },
    Theme {
        name: "large-print",
        description: "high contrast and large type: bigger text and spacing, no italics, underlined links",
        css: include_str!("../styles/large-print.css"),
    },
];

pub fn find(name: &str) -> Option<&'static Theme> {
    let name = name.trim().to_ascii_lowercase();
    let name = if name == "default" {
        DEFAULT
    } else {
        name.as_str()
    };
    THEMES.iter().find(|t| t.name == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    THEMES.iter().map(|t| t.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn themes_are_found() {
        assert!(find("classic").is_some());
        assert!(find("modern").is_some());
        assert!(find("Large-Print").is_some());
        assert!(find("Default").is_some());
        assert!(find("nope").is_none());
    }
}
