//! Hooks for the fuzz targets and the benchmarks (feature `testing`), which stand outside the
//! crate yet try or time one stage alone. Not part of the API: anything here may change, and
//! nothing here is in a release build.

pub use crate::convert::testing as convert;
pub use crate::css::testing as css;
pub use crate::manifest::testing as manifest;

use crate::book::{BookMeta, Chapter, Creator, Role};

/// Compresses a converted chapter as the assembler does, for a book in English.
pub fn prepare(chapter: &Chapter) -> impl Sized {
    let meta = BookMeta {
        language: "en".into(),
        ..Default::default()
    };
    crate::assemble::prepare(&meta, chapter)
}

/// Draws the cover of a book by `author`, in `theme`, as a build does.
pub fn cover(title: &str, subtitle: &str, author: &str, theme: &str) -> impl Sized {
    let meta = BookMeta {
        title: title.into(),
        subtitle: Some(subtitle.into()),
        language: "en".into(),
        creators: vec![Creator {
            name: author.into(),
            role: Role::Author,
            file_as: None,
        }],
        ..Default::default()
    };
    crate::cover::generate(&meta, theme, crate::labels::for_language("en"))
}
