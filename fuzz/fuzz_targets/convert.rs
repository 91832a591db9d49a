//! Any bytes, read as an essay (Markdown with raw HTML), convert without a panic into a
//! chapter that is well-formed XML with unique ids and no dangling or active links, where no
//! name of the converter's own and no word the author hid in an HTML comment reaches the page.
#![no_main]

use std::sync::OnceLock;

use anthology::testing::convert::{Fixture, check_faithful, check_sound};
use libfuzzer_sys::fuzz_target;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    // Non-UTF-8 input is refused before conversion (and tested there).
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (chapter, _) = FIXTURE.get_or_init(Fixture::new).convert(text);
    if let Some(chapter) = chapter
        && let Err(problem) =
            check_sound(&chapter.body).and_then(|()| check_faithful(text, &chapter.body))
    {
        panic!("{problem}\n{}", chapter.body);
    }
});
