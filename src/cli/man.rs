//! `anthology man`: manual pages made from the command line's own definition.

use std::path::Path;

use anthology::Diagnostic;
use clap::CommandFactory;

use super::args::Cli;
use super::output;

/// `man`: the main page on stdout, or every command's page written into `dir`.
pub fn man(dir: Option<&Path>) -> Result<(), Diagnostic> {
    let command = Cli::command();
    let Some(dir) = dir else {
        let mut out = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut out)
            .map_err(|e| Diagnostic::error("man", e.to_string()))?;
        output::out(String::from_utf8_lossy(&out));
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
        output::out(format_args!("{}\n", target.display()));
    }
    Ok(())
}
