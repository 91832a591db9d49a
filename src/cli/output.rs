//! What the tool writes on stdout and stderr: the paths and reports a script reads on
//! stdout (a reader that went away ends it quietly), its own lines and the diagnostics on
//! stderr, control characters from the input always escaped.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use anthology::{Diagnostic, Severity, terminal_safe};

/// ", peak memory N MiB": the process's peak resident memory, where the system tells it
/// (Linux: `VmHWM`).
// The process's own status, not a user's file.
#[allow(clippy::disallowed_methods)]
pub fn memory_note() -> String {
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
pub fn out(text: impl std::fmt::Display) {
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

pub fn exit(ok: bool) -> ExitCode {
    if ok && !STDOUT_FAILED.load(Ordering::SeqCst) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `lead` and a count ("1 warning", "5 warnings"); nothing when there are none.
pub fn plural(n: usize, word: &str, lead: &str) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("{lead}{n} {word}{}", if n == 1 { "" } else { "s" })
    }
}

/// Writes a line of the tool's own on stderr (a summary, a note): it names files and titles
/// that came from the input, so control characters are shown escaped, as in diagnostics.
pub fn say(text: impl std::fmt::Display) {
    eprint!("{}", terminal_safe(&text.to_string(), &['\n']));
}

/// Prints the diagnostics on stderr, in colour when it is a terminal, with a count at the end.
pub fn report(diags: &[Diagnostic], quiet: bool) {
    let stderr = std::io::stderr();
    let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
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
