//! Any bytes, read as a collection's `anthology.yaml` and as an essay's front matter, give a
//! collection or diagnostics that point inside the text (never a panic, never a collection
//! with errors, never a refusal without one), and the depth guard that runs before the YAML
//! parsers never finds a text shallower than yaml-rust2 does.
#![no_main]

use std::sync::OnceLock;

use anthology::testing::manifest::{Fixture, depth_guard};
use libfuzzer_sys::fuzz_target;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    // A manifest that is not UTF-8 is refused before it is parsed (and tested there).
    let Ok(text) = std::str::from_utf8(data) else { return };
    let fixture = FIXTURE.get_or_init(Fixture::new);
    if let Err(problem) = depth_guard(text) {
        panic!("depth: {problem}\n{text:?}");
    }
    if let Err(problem) = fixture.manifest(text) {
        panic!("manifest: {problem}\n{text:?}");
    }
    if let Err(problem) = fixture.essay(&format!("---\n{text}\n---\n")) {
        panic!("front matter: {problem}\n{text:?}");
    }
});
