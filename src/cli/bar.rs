//! The progress bar of a long build.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A progress bar for a long build: on stderr when it is a terminal, not with `-q`, and only
/// once the build has taken a moment, so that a quick build prints nothing more.
pub struct Bar {
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

    pub fn new(wanted: bool) -> Bar {
        Bar {
            enabled: wanted && std::io::stderr().is_terminal(),
            started: Instant::now(),
            delay: Self::delay(),
            bar: OnceLock::new(),
        }
    }

    pub fn show(&self, done: usize, total: usize) {
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

    pub fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}
