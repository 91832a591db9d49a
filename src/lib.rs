//! `anthology` packages a collection of Markdown essays into an EPUB 3 book.
//!
//! The pipeline has three stages, each in its own module, passing plain data:
//! [`manifest`] reads `anthology.yaml` into a checked `Collection` (and each essay's front
//! matter when it is read); [`convert`] turns one essay into a `Chapter` of XHTML;
//! [`assemble`] streams chapters into the EPUB container and writes the contents, navigation
//! and package document last. [`pipeline`] runs them, converting essays in parallel and writing
//! to a temporary file that replaces the target only when the book is complete.
//! [`import`] makes a new collection from a blog, a vault of notes or plain-text articles;
//! [`serve`] shows the book in a browser while it is written, rebuilt on every save
//! ([`watch`]); [`each`] makes every essay a book of its own; [`stats`] counts the words.
//! Problems are [`diag::Diagnostic`]s, rendered once, on stderr, by [`run`].

pub mod assemble;
pub mod book;
pub mod cli;
pub mod convert;
pub mod cover;
pub mod css;
pub mod dates;
pub mod diag;
pub mod each;
pub mod fonts;
pub mod import;
pub mod labels;
pub mod language;
mod library;
pub mod manifest;
pub mod media;
pub mod paths;
pub mod pipeline;
pub mod publish;
pub mod scaffold;
pub mod serve;
pub mod stats;
pub mod styles;
pub mod text;
pub mod themes;
pub mod watch;
pub mod weburl;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::CommandFactory;

pub use book::Role;
pub use diag::{Diagnostic, Diagnostics, Failed, Location, Severity};
pub use library::{Book, Collection, Draft, Progress, Stats};

use cli::{Cli, Command, Format};

/// Runs a command and reports its diagnostics. Exit code 0: success; 1: a problem in the input.
pub fn run(cli: &Cli) -> ExitCode {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let started = Instant::now();
    // `serve` stops on Ctrl-C in its own way: it has no book being written to clean up.
    if !matches!(cli.command, Command::Serve { .. }) {
        pipeline::remove_partial_output_on_interrupt();
    }
    let ok = match &cli.command {
        Command::Build {
            path,
            output,
            each,
            watch: true,
        } => return watch_build(cli, path, output.as_deref(), *each),
        Command::Build {
            path, output, each, ..
        } => build_once(cli, path, output.as_deref(), *each, &mut diags),
        Command::Check {
            path,
            format: Format::Json,
        } => {
            let ok = pipeline::check(path, &mut diags);
            let report = diag::JsonReport::new(ok, &diags);
            out(format_args!(
                "{}\n",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            ));
            return exit(ok);
        }
        Command::Check { path, .. } => {
            let ok = pipeline::check(path, &mut diags);
            report(&diags, cli.quiet);
            if ok && !cli.quiet {
                say(format_args!(
                    "{}: no errors{}\n",
                    path.display(),
                    plural(diags.len(), "warning", ", ")
                ));
            }
            if cli.verbose {
                eprintln!(
                    "checked in {} ms{}",
                    started.elapsed().as_millis(),
                    memory_note()
                );
            }
            return exit(ok);
        }
        Command::New { dir } => match scaffold::new(dir) {
            Ok(manifest) => {
                if !cli.quiet {
                    say(format_args!(
                        "created {}\nbuild it with: anthology build {}\n",
                        manifest.display(),
                        dir.display()
                    ));
                }
                true
            }
            Err(d) => {
                diags.push(d);
                false
            }
        },
        Command::Publish {
            folder,
            output,
            formats,
            base_url,
            title,
        } => {
            let options = publish::Options {
                folder: folder.clone(),
                dist: output.clone(),
                formats: formats.clone(),
                base_url: base_url.clone(),
                title: title.clone(),
            };
            let shelf = publish::publish(&options, &mut diags);
            if let Some(shelf) = &shelf {
                out(format_args!("{}\n", shelf.index.display()));
            }
            report(&diags, cli.quiet);
            if let Some(shelf) = &shelf
                && !cli.quiet
            {
                say(format_args!(
                    "{}\n",
                    shelf.summary(started.elapsed(), cli.verbose)
                ));
            }
            return exit(shelf.is_some_and(|s| s.failed.is_empty()));
        }
        Command::Import(args) => match import::import(args, &mut diags) {
            Some(done) => {
                out(format_args!("{}\n", done.manifest.display()));
                report(&diags, cli.quiet);
                if !cli.quiet {
                    say(done.summary());
                }
                return exit(true);
            }
            None => false,
        },
        Command::Serve { path, host, port } => {
            let options = serve::Options {
                path: path.clone(),
                host: host.clone(),
                port: *port,
                quiet: cli.quiet,
            };
            serve::serve(&options, &mut diags)
        }
        Command::Stats { path, format } => match pipeline::summaries(path, &mut diags) {
            Some((plan, chapters)) => {
                report(&diags, cli.quiet);
                let stats = stats::Stats::new(&plan, &chapters);
                match format {
                    // The table shows the essays' titles: for a terminal, as diagnostics do.
                    Format::Text => out(diag::terminal_safe(&stats.table(), &['\n', '\t'])),
                    Format::Json => out(stats.json()),
                }
                return exit(true);
            }
            None => false,
        },
        Command::Completions { shell } => {
            // Into memory first: clap_complete panics when it cannot write.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "anthology", &mut script);
            out(String::from_utf8_lossy(&script));
            true
        }
        Command::Man { out } => match man(out.as_deref()) {
            Ok(()) => true,
            Err(d) => {
                diags.push(d);
                false
            }
        },
        Command::Themes => {
            for theme in themes::THEMES {
                let default = if theme.name == themes::DEFAULT {
                    " (default)"
                } else {
                    ""
                };
                out(format_args!(
                    "{:<12} {}{default}\n",
                    theme.name, theme.description
                ));
            }
            true
        }
    };
    report(&diags, cli.quiet);
    exit(ok)
}

/// `build`, once: the book (and with `each`, every essay's own book), their paths on stdout.
fn build_once(
    cli: &Cli,
    path: &Path,
    output: Option<&Path>,
    each: bool,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let started = Instant::now();
    let bar = Bar::new(!cli.quiet);
    let Some(plan) = pipeline::plan(path, diags) else {
        return false;
    };
    let built = pipeline::build_plan(&plan, output, &|done, total| bar.show(done, total), diags);
    bar.finish();
    let Some(built) = built else {
        return false;
    };
    out(format_args!("{}\n", built.path.display()));
    if each {
        let Some(paths) = each::write(&plan, &built, diags) else {
            return false;
        };
        for p in paths {
            out(format_args!("{}\n", p.display()));
        }
    }
    if cli.verbose {
        say(format_args!(
            "built {} essays into {} ({} KiB) in {} ms{}\n",
            built.essays,
            built.path.display(),
            built.bytes.div_ceil(1024),
            started.elapsed().as_millis(),
            memory_note()
        ));
    }
    true
}

/// `build --watch`: builds, then builds again after every change, until Ctrl-C.
fn watch_build(cli: &Cli, path: &Path, output: Option<&Path>, each: bool) -> ExitCode {
    let fail = |d: Diagnostic| {
        report(&[d], cli.quiet);
        exit(false)
    };
    let folder = match watch::collection_folder(path) {
        Ok(f) => f,
        Err(d) => return fail(d),
    };
    // What the build writes is not a change: the default `build/` folder, or the book named
    // with -o and its essays' folder.
    let mut ignored = vec![folder.join("build")];
    if let Some(o) = output {
        ignored.push(o.to_path_buf());
        ignored.push(each::folder(o));
    }
    let watcher = match watch::Watcher::new(&folder, &ignored) {
        Ok(w) => w,
        Err(d) => return fail(d),
    };
    let never = std::sync::atomic::AtomicBool::new(false);
    loop {
        let mut diags = Vec::new();
        let ok = build_once(cli, path, output, each, &mut diags);
        report(&diags, cli.quiet);
        if !cli.quiet {
            let done = if ok { "built" } else { "not built" };
            say(format_args!(
                "{done}; watching {} for changes (Ctrl-C to stop)\n",
                folder.display()
            ));
        }
        if !watcher.wait(&never) {
            return exit(false);
        }
    }
}

/// A progress bar for a long build: on stderr when it is a terminal, not with `-q`, and only
/// once the build has taken a moment, so that a quick build prints nothing more.
struct Bar {
    enabled: bool,
    started: Instant,
    delay: Duration,
    bar: OnceLock<indicatif::ProgressBar>,
}

impl Bar {
    /// How long a build goes before the bar shows: 300 ms, or `ANTHOLOGY_PROGRESS_DELAY_MS`
    /// (the tests set 0, so that they do not depend on how fast the machine is).
    fn delay() -> Duration {
        let ms = std::env::var("ANTHOLOGY_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(300);
        Duration::from_millis(ms)
    }

    fn new(wanted: bool) -> Bar {
        Bar {
            enabled: wanted && std::io::stderr().is_terminal(),
            started: Instant::now(),
            delay: Self::delay(),
            bar: OnceLock::new(),
        }
    }

    fn show(&self, done: usize, total: usize) {
        if !self.enabled || (self.bar.get().is_none() && self.started.elapsed() < self.delay) {
            return;
        }
        let bar = self.bar.get_or_init(|| {
            let style = indicatif::ProgressStyle::with_template(
                "{spinner} converting essays [{bar:30}] {pos}/{len} ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
            indicatif::ProgressBar::new(total as u64).with_style(style)
        });
        bar.set_position(done as u64);
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

/// `man`: the main page on stdout, or every command's page written into `dir`.
fn man(dir: Option<&Path>) -> Result<(), Diagnostic> {
    let command = Cli::command();
    let Some(dir) = dir else {
        let mut out = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut out)
            .map_err(|e| Diagnostic::error("man", e.to_string()))?;
        crate::out(String::from_utf8_lossy(&out));
        return Ok(());
    };
    let written = |e: std::io::Error| {
        Diagnostic::error("man", format!("cannot write in {}: {e}", dir.display()))
    };
    std::fs::create_dir_all(dir).map_err(written)?;
    // clap_mangen writes `anthology.1` and `anthology-<command>.1` for each command.
    let mut command = command;
    command.build();
    let mut pages = vec![command.clone()];
    pages.extend(command.get_subcommands().cloned());
    for page in pages {
        let name = if page.get_name() == "anthology" {
            "anthology".to_string()
        } else {
            format!("anthology-{}", page.get_name())
        };
        let mut out = Vec::new();
        clap_mangen::Man::new(page)
            .title(name.clone())
            .render(&mut out)
            .map_err(written)?;
        let target = dir.join(format!("{name}.1"));
        std::fs::write(&target, out).map_err(written)?;
        crate::out(format_args!("{}\n", target.display()));
    }
    Ok(())
}

/// ", peak memory N MiB": the process's peak resident memory, where the system tells it
/// (Linux: `VmHWM`).
// The process's own status, not a user's file.
#[allow(clippy::disallowed_methods)]
fn memory_note() -> String {
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        });
    peak.map(|kib| format!(", peak memory {} MiB", kib.div_ceil(1024)))
        .unwrap_or_default()
}

/// Set when stdout failed for another reason than a reader that went away.
static STDOUT_FAILED: AtomicBool = AtomicBool::new(false);
/// Set once stdout cannot be written: nothing more is tried.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes to stdout. A reader that went away (`anthology man | head`) ends the output
/// quietly, as it does for `cat`; any other failure (a full disk) is an error, and exit 1.
pub(crate) fn out(text: impl std::fmt::Display) {
    use std::io::Write;
    if STDOUT_CLOSED.load(Ordering::SeqCst) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = write!(stdout, "{text}").and_then(|()| stdout.flush()) {
        STDOUT_CLOSED.store(true, Ordering::SeqCst);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            STDOUT_FAILED.store(true, Ordering::SeqCst);
            eprintln!("error: cannot write to stdout: {e}");
        }
    }
}

fn exit(ok: bool) -> ExitCode {
    if ok && !STDOUT_FAILED.load(Ordering::SeqCst) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `lead` and a count ("1 warning", "5 warnings"); nothing when there are none.
fn plural(n: usize, word: &str, lead: &str) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("{lead}{}", text::count(n, word))
    }
}

/// Writes a line of the tool's own on stderr (a summary, a note): it names files and titles
/// that came from the input, so control characters are shown escaped, as in diagnostics.
fn say(text: impl std::fmt::Display) {
    eprint!("{}", diag::terminal_safe(&text.to_string(), &['\n']));
}

/// Prints the diagnostics on stderr, in colour when it is a terminal, with a count at the end.
pub(crate) fn report(diags: &[Diagnostic], quiet: bool) {
    let stderr = std::io::stderr();
    let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let errors = diag::error_count(diags);
    let mut shown = 0;
    for d in diags {
        if quiet && d.severity == Severity::Warning {
            continue;
        }
        eprint!("{}", d.render(color));
        shown += 1;
    }
    if errors > 0 && shown > 1 {
        let warnings = diags.len() - errors;
        eprintln!(
            "{}{}",
            plural(errors, "error", ""),
            plural(warnings, "warning", ", ")
        );
    }
}
