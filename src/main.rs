use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Usage errors exit with 2 (clap's convention); input problems with 1.
    let cli = anthology::cli::Cli::parse();
    anthology::run(&cli)
}
