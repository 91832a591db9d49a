//! The command line: clap's derive types for `anthology` and its subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// Create a collection from a blog (Jekyll, Hugo), an Obsidian vault, a folder of Markdown
    /// or plain-text articles.
    #[command(after_help = "Examples:\n  anthology import ~/my-blog my-book\n  \
        anthology import ~/vault/Essays essays --order title\n  \
        anthology import article.txt closeness\n\n\
        The kind of source is recognised by its files: _config.yml or _posts/ (Jekyll), \
        content/ with hugo.toml or config.* (Hugo), else Markdown (.md) or text (.txt) files.\n\
        Nothing is written over: DIR must be new or empty.")]
    Import(ImportArgs),
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

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The site, vault or folder to import, or one .md or .txt file.
    pub source: PathBuf,
    /// The collection folder to create (it must not exist, or be empty).
    pub dir: PathBuf,
    /// What SOURCE is, when it is not recognised by itself.
    #[arg(long, value_enum, value_name = "KIND")]
    pub from: Option<SourceKind>,
    /// Also import drafts and unpublished posts.
    #[arg(long)]
    pub drafts: bool,
    /// The order of the essays: `date` (oldest first), `title`, or a FILE naming the posts to
    /// import, one a line (by file name, path, slug or title).
    #[arg(long, value_name = "date|title|FILE", default_value = "date")]
    pub order: String,
    /// The book's title (else the site's title).
    #[arg(long)]
    pub title: Option<String>,
    /// The book's language, a BCP 47 tag (else the site's, else `en`).
    #[arg(long, value_name = "TAG")]
    pub language: Option<String>,
}

/// The kinds of source `anthology import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceKind {
    /// A Jekyll site: `_posts/`, `_drafts/`, `_config.yml`.
    Jekyll,
    /// A Hugo site: `content/`, `hugo.toml` or `config.*`.
    Hugo,
    /// An Obsidian vault or any folder of Markdown files.
    Folder,
    /// Plain-text articles: a `.txt` file or a folder of them.
    Text,
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
