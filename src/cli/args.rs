//! The command line: clap's derive types for `anthology` and its subcommands, and the
//! library's options they stand for.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "anthology",
    version,
    about = "Package collections of Markdown essays into EPUB 3 books",
    after_help = "Examples:\n  anthology new my-book\n  anthology import ~/my-blog my-book\n  anthology check my-book\n  anthology serve my-book\n  anthology build my-book -o my-book.epub\n  anthology stats my-book"
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
        after_help = "Examples:\n  anthology build collections/closeness -o closeness.epub\n  \
        anthology build my-book --each\n  anthology build my-book --watch\n\n\
        Without -o the book goes to <collection>/build/<slug of the title>.epub.\n\
        With --each, every essay is also its own EPUB, in <book>-essays/<essay id>.epub beside the book.\n\
        The paths written are printed on stdout; problems go to stderr."
    )]
    Build {
        /// An anthology.yaml, or the folder that holds one.
        path: PathBuf,
        /// Where to write the EPUB.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also write every essay as a small book of its own, beside the book.
        #[arg(long)]
        each: bool,
        /// Build again whenever a file of the collection changes (stop with Ctrl-C).
        #[arg(long)]
        watch: bool,
    },
    /// Check a collection without writing anything: reports every problem.
    #[command(after_help = "Examples:\n  anthology check collections/closeness\n  \
        anthology check my-book --format json\n\n\
        With --format json, stdout is one JSON object: {\"ok\", \"errors\", \"warnings\", \"diagnostics\": \
        [{\"severity\", \"code\", \"message\", \"file\", \"line\", \"column\", \"help\"}]}.\n\
        Exit status: 0 when there is no error (warnings allowed), 1 otherwise.")]
    Check {
        /// An anthology.yaml, or the folder that holds one.
        path: PathBuf,
        /// How to report the problems: for people (on stderr) or for programs (JSON on stdout).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Preview the collection in a web browser while writing: the book's own pages, rebuilt
    /// and reloaded on every save.
    #[command(after_help = "Examples:\n  anthology serve my-book\n  \
        anthology serve my-book --port 0\n\n\
        The address is printed on stdout (port 0 picks a free port). The pages are the book's\n\
        XHTML and CSS; problems show on the page and on the terminal, and the last good book\n\
        stays on show until they are fixed. Only this computer can connect, unless --host says\n\
        otherwise. Stop with Ctrl-C.")]
    Serve {
        /// An anthology.yaml, or the folder that holds one.
        path: PathBuf,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port to listen on (0: any free port).
        #[arg(short, long, default_value_t = 3000)]
        port: u16,
    },
    /// Count each essay's words, reading time, notes, images and headings.
    #[command(
        after_help = "Examples:\n  anthology stats my-book\n  anthology stats my-book --format json\n\n\
        Words are counted as a reader would: each Chinese or Japanese character is a word.\n\
        Reading time assumes 230 words, or 500 Chinese or Japanese characters, a minute."
    )]
    Stats {
        /// An anthology.yaml, or the folder that holds one.
        path: PathBuf,
        /// A table for people, or JSON for programs.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
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
        formats: Vec<ShelfFormat>,
        /// The address the shelf will be served from: every link becomes absolute. Without it,
        /// links are relative and the folder also works opened from disk.
        #[arg(long, value_name = "URL", value_parser = anthology::parse_base_url)]
        base_url: Option<String>,
        /// The shelf's name, on its page and in the catalogs.
        #[arg(long, default_value = "Books")]
        title: String,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  anthology completions bash > ~/.local/share/bash-completion/completions/anthology\n  \
        anthology completions zsh > ~/.zfunc/_anthology\n  \
        anthology completions fish > ~/.config/fish/completions/anthology.fish\n  \
        anthology completions powershell >> $PROFILE"
    )]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command into a folder.
    #[command(after_help = "Examples:\n  anthology man | man -l -\n  \
        anthology man --out ~/.local/share/man/man1\n\n\
        --out writes anthology.1 and anthology-<command>.1 for each command, and prints their paths.")]
    Man {
        /// The folder to write the pages into.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// How a command reports: for people, or for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
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

impl ImportArgs {
    /// The library's options for this import.
    pub fn options(&self) -> anthology::ImportOptions {
        anthology::ImportOptions {
            source: self.source.clone(),
            dir: self.dir.clone(),
            from: self.from.map(|kind| match kind {
                SourceKind::Jekyll => anthology::SourceKind::Jekyll,
                SourceKind::Hugo => anthology::SourceKind::Hugo,
                SourceKind::Folder => anthology::SourceKind::Folder,
                SourceKind::Text => anthology::SourceKind::Text,
            }),
            drafts: self.drafts,
            order: self.order.clone(),
            title: self.title.clone(),
            language: self.language.clone(),
        }
    }
}

/// A format the shelf offers each book in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShelfFormat {
    /// EPUB 3, for every reader.
    Epub,
    /// Kobo's EPUB (`.kepub.epub`): highlights and reading statistics on Kobo devices.
    Kepub,
}

impl ShelfFormat {
    /// The library's format.
    pub fn format(self) -> anthology::ShelfFormat {
        match self {
            ShelfFormat::Epub => anthology::ShelfFormat::Epub,
            ShelfFormat::Kepub => anthology::ShelfFormat::Kepub,
        }
    }
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
