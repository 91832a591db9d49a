//! The command line: clap's derive types for `anthology` and its subcommands.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "anthology",
    version,
    about = "Package collections of Markdown essays into EPUB 3 books",
    after_help = "Examples:\n  anthology new my-book\n  anthology build my-book\n  anthology check collections/closeness\n  anthology build collections/closeness -o closeness.epub"
)]
pub struct Cli {
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say what is being done.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the EPUB for a collection.
    #[command(
        after_help = "Example:\n  anthology build collections/closeness -o closeness.epub\n\n\
        Without -o the book goes to <collection>/build/<slug of the title>.epub.\n\
        The path written is printed on stdout; problems go to stderr."
    )]
    Build {
        /// An anthology.yaml, or the folder that holds one.
        path: PathBuf,
        /// Where to write the EPUB.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check a collection without writing anything: reports every problem.
    #[command(after_help = "Example:\n  anthology check collections/closeness\n\n\
        Exit status: 0 when there is no error (warnings allowed), 1 otherwise.")]
    Check {
        /// An anthology.yaml, or the folder that holds one.
        path: PathBuf,
    },
    /// Create a new collection that builds at once.
    #[command(after_help = "Example:\n  anthology new my-book && anthology build my-book")]
    New {
        /// The folder to create (it must not exist, or be empty).
        dir: PathBuf,
    },
    /// List the built-in themes for `style:`.
    #[command(after_help = "Example:\n  anthology themes")]
    Themes,
    /// Build every collection in a folder into a shelf to download from: the books, a web
    /// page and OPDS catalogs for e-reader apps.
    #[command(after_help = "Examples:\n  anthology publish collections/\n  \
        anthology publish collections/ -o site --formats epub,kepub --base-url https://books.example.org/\n\n\
        Every folder under FOLDER that holds an anthology.yaml is a collection. DIST gets each book\n\
        (<slug>.epub, <slug>.kepub.epub), its cover and thumbnail (covers/), index.html with a page\n\
        per book, and the catalogs catalog.xml (OPDS 1.2) and catalog.json (OPDS 2.0).\n\
        An unchanged collection is not rebuilt. A collection with errors is reported and left off;\n\
        the others are published, and the exit status is 1.")]
    Publish {
        /// The folder holding the collections.
        folder: PathBuf,
        /// Where to write the shelf.
        #[arg(short, long, value_name = "DIST", default_value = "dist")]
        output: PathBuf,
        /// The formats to offer, comma-separated.
        #[arg(long, value_enum, value_delimiter = ',', default_value = "epub")]
        formats: Vec<crate::publish::Format>,
        /// The address the shelf will be served from: every link becomes absolute. Without it,
        /// links are relative and the folder also works opened from disk.
        #[arg(long, value_name = "URL", value_parser = crate::publish::parse_base_url)]
        base_url: Option<String>,
        /// The shelf's name, on its page and in the catalogs.
        #[arg(long, default_value = "Books")]
        title: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
