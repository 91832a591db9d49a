//! The `anthology` command: the command line (`cli`) on the library's facade.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Usage errors exit with 2 (clap's convention); input problems with 1.
    let cli = cli::Cli::parse();
    cli::run(&cli)
}
