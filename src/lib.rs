//! `anthology` packages a collection of Markdown essays into an EPUB 3 book.
//!
//! The pipeline has three stages, each in its own module, passing plain data:
//! [`manifest`] reads `anthology.yaml` into a checked `Collection` (and each essay's front
//! matter when it is read); [`convert`] turns one essay into a `Chapter` of XHTML;
//! [`assemble`] streams chapters into the EPUB container and writes the contents, navigation
//! and package document last. [`build`] runs them, converting essays in parallel and writing
//! to a temporary file that replaces the target only when the book is complete.
//! [`import`] makes a new collection from a blog, a vault of notes or plain-text articles.
//! Problems are [`diag::Diagnostic`]s, rendered once, on stderr, by [`run`].

pub mod assemble;
pub mod book;
pub mod build;
pub mod cli;
pub mod convert;
pub mod cover;
pub mod dates;
pub mod diag;
pub mod fonts;
pub mod import;
pub mod labels;
pub mod manifest;
pub mod media;
pub mod paths;
pub mod publish;
pub mod scaffold;
pub mod styles;
pub mod text;

use std::io::IsTerminal;
use std::process::ExitCode;

use cli::{Cli, Command};
use diag::{Diagnostic, Severity};

/// Runs a command and reports its diagnostics. Exit code 0: success; 1: a problem in the input.
pub fn run(cli: &Cli) -> ExitCode {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let started = std::time::Instant::now();
    build::remove_partial_output_on_interrupt();
    let ok = match &cli.command {
        Command::Build { path, output } => {
            match build::build(path, output.as_deref(), &mut diags) {
                Some(built) => {
                    println!("{}", built.path.display());
                    if cli.verbose {
                        eprintln!(
                            "built {} essays into {} ({} KiB) in {} ms{}",
                            built.essays,
                            built.path.display(),
                            built.bytes.div_ceil(1024),
                            started.elapsed().as_millis(),
                            memory_note()
                        );
                    }
                    true
                }
                None => false,
            }
        }
        Command::Check { path } => {
            let ok = build::check(path, &mut diags);
            report(&diags, cli.quiet);
            if ok && !cli.quiet {
                eprintln!(
                    "{}: no errors{}",
                    path.display(),
                    plural(diags.len(), "warning", ", ")
                );
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
                    eprintln!(
                        "created {}\nbuild it with: anthology build {}",
                        manifest.display(),
                        dir.display()
                    );
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
                println!("{}", shelf.index.display());
            }
            report(&diags, cli.quiet);
            if let Some(shelf) = &shelf
                && !cli.quiet
            {
                eprintln!("{}", shelf.summary(started.elapsed(), cli.verbose));
            }
            return exit(shelf.is_some_and(|s| s.failed.is_empty()));
        }
        Command::Import(args) => match import::import(args, &mut diags) {
            Some(done) => {
                println!("{}", done.manifest.display());
                report(&diags, cli.quiet);
                if !cli.quiet {
                    eprint!("{}", done.summary());
                }
                return exit(true);
            }
            None => false,
        },
        Command::Themes => {
            for theme in styles::THEMES {
                let default = if theme.name == styles::DEFAULT {
                    " (default)"
                } else {
                    ""
                };
                println!("{:<12} {}{default}", theme.name, theme.description);
            }
            true
        }
    };
    report(&diags, cli.quiet);
    exit(ok)
}

/// ", peak memory N MiB": the process's peak resident memory, where the system tells it
/// (Linux: `VmHWM`).
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

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn plural(n: usize, word: &str, lead: &str) -> String {
    match n {
        0 => String::new(),
        1 => format!("{lead}1 {word}"),
        n => format!("{lead}{n} {word}s"),
    }
}

/// Prints the diagnostics on stderr, in colour when it is a terminal, with a count at the end.
fn report(diags: &[Diagnostic], quiet: bool) {
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
