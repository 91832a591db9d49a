//! A panic in a rebuild is a bug in the tool, never the end of the preview. The build runs on a
//! thread of its own, and a panic anywhere in it (on that thread, or on the threads it starts
//! to convert the essays) fails that build: `serve` shows it as an error and keeps the last good
//! book on show. The panic hook says each panic once, in one line — on the preview's page and
//! the terminal for a build's, on the terminal for any other — never with a backtrace.

use std::any::Any;
use std::io::Write as _;
use std::panic::{AssertUnwindSafe, PanicHookInfo};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Mutex, Once, PoisonError};
use std::time::{Duration, Instant};

/// The threads that answer requests (named, so that their panics are not taken for a build's).
pub const HTTP_THREAD: &str = "anthology-http";
/// The build's own thread is named this, then its number.
const BUILD_THREAD: &str = "anthology-build-";
/// How long a build whose thread panicked has to finish unwinding. Threads that wait for the
/// one that panicked may wait for ever; the build is then left behind, and the next one starts.
const GRACE: Duration = Duration::from_secs(2);

/// The build under way, and the first panic in it.
struct Building {
    number: Option<u64>,
    panic: Option<String>,
}

static BUILDING: Mutex<Building> = Mutex::new(Building {
    number: None,
    panic: None,
});

fn building() -> std::sync::MutexGuard<'static, Building> {
    BUILDING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Replaces the panic hook (once) with one that notes a build's panic for [`run`] to report and
/// says any other in one line.
pub fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(hook)));
}

fn hook(info: &PanicHookInfo) {
    let what = describe(info.payload(), info.location());
    let thread = std::thread::current();
    {
        let mut building = building();
        let ours = match thread.name() {
            Some(name) => match name.strip_prefix(BUILD_THREAD) {
                Some(n) => {
                    // Another number: a build already given up and reported, unwinding at last.
                    if n.parse().ok() != building.number {
                        return;
                    }
                    true
                }
                None => false,
            },
            // The threads a build starts (an essay's, the cover's) have no name.
            None => building.number.is_some(),
        };
        if ours {
            building.panic.get_or_insert(what);
            return;
        }
    }
    // Not `eprintln!`, which panics when stderr is closed: a panic in the hook aborts.
    let _ = writeln!(
        std::io::stderr(),
        "error: the preview failed unexpectedly: {what} — this is a bug, please report it"
    );
}

/// Runs `build` on a thread of its own. `Err` says the panic that failed it.
pub fn run<T: Send + 'static>(build: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    static NUMBER: AtomicU64 = AtomicU64::new(0);
    let number = NUMBER.fetch_add(1, Ordering::SeqCst) + 1;
    *building() = Building {
        number: Some(number),
        panic: None,
    };
    let (tx, rx) = channel();
    let spawned = std::thread::Builder::new()
        .name(format!("{BUILD_THREAD}{number}"))
        .spawn(move || {
            let _ = tx.send(std::panic::catch_unwind(AssertUnwindSafe(build)));
        });
    let panicked = || building().panic.clone();
    let outcome = match spawned {
        Err(e) => Err(format!("no thread could be started for the build: {e}")),
        Ok(_) => {
            let mut since_panic = None;
            loop {
                match rx.recv_timeout(Duration::from_millis(50)) {
                    // A panic caught inside the build still leaves it in doubt.
                    Ok(Ok(built)) => break panicked().map_or(Ok(built), Err),
                    Ok(Err(payload)) => {
                        break Err(panicked().unwrap_or_else(|| describe(&*payload, None)));
                    }
                    Err(RecvTimeoutError::Disconnected) => {
                        break Err(panicked().unwrap_or_else(|| "the build stopped".into()));
                    }
                    Err(RecvTimeoutError::Timeout) => {
                        if let Some(what) = panicked() {
                            let since = *since_panic.get_or_insert_with(Instant::now);
                            if since.elapsed() >= GRACE {
                                break Err(what);
                            }
                        }
                    }
                }
            }
        }
    };
    building().number = None;
    outcome
}

/// A panic in one line: its message (the first line of it, cut short) and where it happened.
fn describe(payload: &(dyn Any + Send), location: Option<&std::panic::Location>) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    let line = message.lines().next().unwrap_or("");
    let mut what: String = line.chars().take(300).collect();
    if what.len() < message.len() {
        what.push('…');
    }
    if let Some(l) = location {
        what.push_str(&format!(" (at {}:{}:{})", l.file(), l.line(), l.column()));
    }
    what
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_in_one_line() {
        let long = format!("first line {}\nsecond line", "x".repeat(1000));
        let what = describe(&long, None);
        assert!(
            what.starts_with("first line xxx") && what.ends_with('…'),
            "{what}"
        );
        assert!(
            !what.contains('\n') && what.chars().count() <= 301,
            "{what}"
        );
        assert_eq!(describe(&"short", None), "short");
    }
}
