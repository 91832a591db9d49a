//! `anthology` packages a collection of Markdown essays into an EPUB 3 book: the library
//! behind the `anthology` command.
//!
//! A [`Collection`] is opened from a folder that holds an `anthology.yaml`
//! ([`Collection::open`]), or made in memory by a program ([`Draft`],
//! [`Collection::from_memory`]). It is checked ([`Collection::check`]) and written as an EPUB
//! to a path ([`Collection::write_epub`], atomically) or into any [`std::io::Write`]
//! ([`Collection::write_to`]). Every problem goes to a [`Diagnostics`] sink, placed at its
//! `file:line:col` where there is one; a call that could not do its work returns [`Failed`].
//!
//! ```
//! use anthology::{Diagnostics, Draft};
//!
//! let mut draft = Draft::new("Small Hours");
//! draft.author("Imogen Vale").essay("dawn.md", "# Dawn\n\nThe first light.\n");
//!
//! let mut diags = Diagnostics::new();
//! let epub: Vec<u8> = draft
//!     .open(&mut diags)
//!     .and_then(|collection| collection.write_to(Vec::new(), &mut diags))
//!     .expect("a book");
//! assert!(epub.starts_with(b"PK"));
//! assert!(diags.is_empty());
//! ```
//!
//! The command's other work is here too: [`import()`] makes a collection from a blog or a vault
//! of notes, [`publish()`] a shelf of books with a web page and catalogs, [`serve()`] a preview
//! rebuilt on every save, [`new_collection`] a collection that builds at once.
//!
//! The API is young: it follows semantic versioning, and may change in any 0.x release.
//! Inside, the pipeline runs in three stages (read the manifest, convert each essay, assemble
//! the book): `ARCHITECTURE.md` describes them.

#![warn(missing_docs)]

mod assemble;
mod book;
mod convert;
mod cover;
mod css;
mod dates;
mod diag;
mod each;
mod fonts;
mod import;
mod labels;
mod language;
mod library;
mod manifest;
mod media;
mod paths;
mod pipeline;
mod publish;
mod scaffold;
mod serve;
mod stats;
mod styles;
#[cfg(feature = "testing")]
#[doc(hidden)]
#[allow(missing_docs)]
pub mod testing;
mod text;
mod themes;
mod watch;
mod weburl;

pub use book::Role;
pub use diag::terminal_safe;
pub use diag::{Diagnostic, Diagnostics, Failed, Location, Severity};
pub use import::{Imported, Options as ImportOptions, SourceKind};
pub use library::{
    Book, Collection, Draft, Progress, Stats, Watcher, clean_up_on_interrupt, import,
    new_collection, publish, serve,
};
pub use publish::{Format as ShelfFormat, Options as PublishOptions, Shelf, parse_base_url};
pub use serve::{Event as ServeEvent, Options as ServeOptions};
pub use themes::{DEFAULT as DEFAULT_THEME, THEMES, Theme};
