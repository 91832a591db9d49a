//! Any bytes, read as CSS for each place a user's CSS can go (the book's style sheet, an SVG's
//! `<style>`, an SVG attribute), clean without a panic into CSS that, read again by the
//! tokenizer, holds no `@import`, no url but an image's own `#fragment`, no function that
//! loads a file and no binding property, and that a second cleaning leaves as it is.
#![no_main]

use anthology::testing::css::Use;
use anthology::testing::css::check;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A style sheet that is not UTF-8 is decoded (or refused) before it is cleaned.
    let Ok(text) = std::str::from_utf8(data) else { return };
    for usage in [Use::Book, Use::SvgSheet, Use::SvgAttribute] {
        if let Err(problem) = check(text, usage) {
            panic!("{usage:?}: {problem}\ninput: {text:?}");
        }
    }
});
