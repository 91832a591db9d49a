//! The command line, on the library's facade: each command is parsed (`args`), done by the
//! library, and reported here — the paths a script reads on stdout, the diagnostics and the
//! tool's own lines on stderr (`output`), a progress bar for a long build (`bar`).

mod args;
mod bar;
mod man;
mod output;

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anthology::{Collection, Diagnostics, ServeEvent, Watcher};
use clap::CommandFactory;

pub use args::Cli;
use args::{Command, Format};
use bar::Bar;
use output::{exit, memory_note, out, plural, report, say};

/// Runs a command and reports its diagnostics. Exit code 0: success; 1: a problem in the input.
pub fn run(cli: &Cli) -> ExitCode {
    let mut diags = Diagnostics::new();
    let started = Instant::now();
    // `serve` stops on Ctrl-C in its own way: it has no book being written to clean up.
    if !matches!(cli.command, Command::Serve { .. }) {
        anthology::clean_up_on_interrupt();
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
            let ok = check(path, &mut diags);
            out(format_args!("{}\n", diags.to_json(ok)));
            return exit(ok);
        }
        Command::Check { path, .. } => {
            let ok = check(path, &mut diags);
            report(diags.as_slice(), cli.quiet);
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
        Command::New { dir } => match anthology::new_collection(dir, &mut diags) {
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
            Err(_) => false,
        },
        Command::Publish {
            folder,
            output,
            formats,
            base_url,
            title,
        } => {
            let options = anthology::PublishOptions {
                folder: folder.clone(),
                dist: output.clone(),
                formats: formats.iter().map(|f| f.format()).collect(),
                base_url: base_url.clone(),
                title: title.clone(),
            };
            let shelf = anthology::publish(&options, &mut diags).ok();
            if let Some(shelf) = &shelf {
                out(format_args!("{}\n", shelf.index.display()));
            }
            report(diags.as_slice(), cli.quiet);
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
        Command::Import(args) => match anthology::import(&args.options(), &mut diags) {
            Ok(done) => {
                out(format_args!("{}\n", done.manifest.display()));
                report(diags.as_slice(), cli.quiet);
                if !cli.quiet {
                    say(done.summary());
                }
                return exit(true);
            }
            Err(_) => false,
        },
        Command::Serve { path, host, port } => {
            let (quiet, shown) = (cli.quiet, path.clone());
            let options = anthology::ServeOptions {
                path: path.clone(),
                host: host.clone(),
                port: *port,
                events: Box::new(move |event| served(&event, &shown, quiet)),
            };
            anthology::serve(&options, &mut diags).is_ok()
        }
        Command::Stats { path, format } => {
            let stats = Collection::open(path, &mut diags).and_then(|c| c.stats(&mut diags));
            match stats {
                Ok(stats) => {
                    report(diags.as_slice(), cli.quiet);
                    match format {
                        // The table shows the essays' titles: for a terminal, as diagnostics do.
                        Format::Text => {
                            out(anthology::terminal_safe(&stats.table(), &['\n', '\t']));
                        }
                        Format::Json => out(stats.json()),
                    }
                    return exit(true);
                }
                Err(_) => false,
            }
        }
        Command::Completions { shell } => {
            // Into memory first: clap_complete panics when it cannot write.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "anthology", &mut script);
            out(String::from_utf8_lossy(&script));
            true
        }
        Command::Man { out } => match man::man(out.as_deref()) {
            Ok(()) => true,
            Err(d) => {
                diags.push(d);
                false
            }
        },
        Command::Themes => {
            for theme in anthology::THEMES {
                let default = if theme.name == anthology::DEFAULT_THEME {
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
    report(diags.as_slice(), cli.quiet);
    exit(ok)
}

/// `check`: the collection opened and every essay converted; true when there is no error.
fn check(path: &Path, diags: &mut Diagnostics) -> bool {
    Collection::open(path, diags)
        .and_then(|c| c.check(diags))
        .is_ok()
}

/// `build`, once: the book (and with `each`, every essay's own book), their paths on stdout.
fn build_once(
    cli: &Cli,
    path: &Path,
    output: Option<&Path>,
    each: bool,
    diags: &mut Diagnostics,
) -> bool {
    let started = Instant::now();
    let bar = Bar::new(!cli.quiet);
    let Ok(collection) = Collection::open(path, diags) else {
        return false;
    };
    let built = collection.build(output, &|done, total| bar.show(done, total), diags);
    bar.finish();
    let Ok(book) = built else {
        return false;
    };
    out(format_args!("{}\n", book.path().display()));
    if each {
        let Ok(paths) = collection.write_each(&book, diags) else {
            return false;
        };
        for p in paths {
            out(format_args!("{}\n", p.display()));
        }
    }
    if cli.verbose {
        say(format_args!(
            "built {} essays into {} ({} KiB) in {} ms{}\n",
            book.essays(),
            book.path().display(),
            book.bytes().div_ceil(1024),
            started.elapsed().as_millis(),
            memory_note()
        ));
    }
    true
}

/// `build --watch`: builds, then builds again after every change, until Ctrl-C.
fn watch_build(cli: &Cli, path: &Path, output: Option<&Path>, each: bool) -> ExitCode {
    let mut diags = Diagnostics::new();
    let Ok(watcher) = Watcher::for_build(path, output, &mut diags) else {
        report(diags.as_slice(), cli.quiet);
        return exit(false);
    };
    loop {
        let mut diags = Diagnostics::new();
        let ok = build_once(cli, path, output, each, &mut diags);
        report(diags.as_slice(), cli.quiet);
        if !cli.quiet {
            let done = if ok { "built" } else { "not built" };
            say(format_args!(
                "{done}; watching {} for changes (Ctrl-C to stop)\n",
                watcher.folder().display()
            ));
        }
        if !watcher.wait() {
            return exit(false);
        }
    }
}

/// `serve`'s news on the terminal: the address on stdout (what a script would want), the
/// rest on stderr.
fn served(event: &ServeEvent, path: &Path, quiet: bool) {
    match event {
        ServeEvent::Listening(addr) => {
            out(format_args!("http://{addr}/\n"));
            if !quiet {
                eprintln!(
                    "serving {} at http://{addr}/ (Ctrl-C to stop)",
                    path.display()
                );
            }
        }
        ServeEvent::Built { diagnostics, took } => {
            report(diagnostics, quiet);
            if !quiet {
                eprintln!("built in {} ms", took.as_millis());
            }
        }
        ServeEvent::NotBuilt {
            diagnostics,
            last_good_on_show,
        } => {
            report(diagnostics, quiet);
            if !quiet && *last_good_on_show {
                eprintln!("the book could not be built; the last good one stays on show");
            }
        }
        ServeEvent::Stopped => {
            if !quiet {
                eprintln!("stopped");
            }
        }
    }
}
