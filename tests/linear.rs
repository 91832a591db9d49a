//! Linear time on pathological input (issue 21): each case makes a hostile input of size `n`
//! and of size `2n`, runs the stage on both, and asserts that the larger took at most ~2.5
//! times as long. A ratio, never an absolute time, so that a slow machine does not fail it and
//! a quadratic stage (4× on doubling) cannot pass it. Speed targets themselves live in
//! `bench/`, not here.

#![allow(clippy::disallowed_methods)] // Tests read what they built.

mod common;

use std::time::{Duration, Instant};

/// How much longer the doubled input may take.
const RATIO: f64 = 2.5;

/// Asserts that `run(n)` grows linearly (or as n log n) in `n`. `n` is doubled first until one
/// run takes 60 ms, so that the clock's noise and the process's start do not decide; then
/// `n` and `2n` are timed three times each, interleaved, and the best of each compared.
#[track_caller]
pub fn assert_linear(what: &str, mut n: usize, run: impl Fn(usize)) {
    let time = |n: usize| {
        let start = Instant::now();
        run(n);
        start.elapsed()
    };
    while time(n) < Duration::from_millis(60) {
        n *= 2;
        assert!(n < 1 << 40, "{what}: the input never takes measurable time");
    }
    let (mut small, mut large) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        small = small.min(time(n));
        large = large.min(time(2 * n));
    }
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    assert!(
        ratio <= RATIO,
        "{what}: doubling the input (n = {n}) took {ratio:.2}× as long ({small:?} → {large:?}); \
         at most {RATIO}× is linear"
    );
}

#[test]
fn the_yardstick_tells_linear_from_quadratic() {
    // The check itself must be able to fail: a quadratic loop is caught, a linear one passes.
    let spin = |k: usize| {
        let mut x = 0u64;
        for i in 0..k {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i as u64));
        }
        x
    };
    assert_linear("a linear loop", 1 << 16, |n| {
        spin(n * 64);
    });
    let quadratic = std::panic::catch_unwind(|| {
        assert_linear("a quadratic loop", 1 << 8, |n| {
            spin(n * n);
        });
    });
    assert!(quadratic.is_err(), "a quadratic loop passed as linear");
}

/// A user's style sheet, read, cleaned and checked as a build does (`styles::stylesheet`),
/// warnings located: 1.8 MB of `url(` took 73 s when the cleaner searched the rest of the
/// text again after each removal.
#[test]
fn style_sheets_are_cleaned_in_linear_time() {
    let p = common::minimal().file(
        "anthology.yaml",
        "title: T\nlanguage: en\nextra-css: extra.css\ncontents: [essays/one.md]\n",
    );
    let shapes: &[(&str, &str)] = &[
        ("`url(x)` again and again, one line", "url(x)"),
        ("a removal in every rule, one line", "p{b:url(x)}"),
        ("an `@import` on every line", "@import 'x';\n"),
        ("escaped references", "p{b:\\75 rl(x) \\69mage-set('y')}"),
        ("cut-outs", "@imp@import'x';ort "),
        (
            "a reader trouble in every rule, one line",
            "p{display:flex}",
        ),
        ("deep nesting", "(["),
        ("unterminated strings", "p{content:'a\n"),
    ];
    for (what, unit) in shapes {
        assert_linear(what, 1 << 10, |n| {
            std::fs::write(p.path().join("extra.css"), unit.repeat(n)).unwrap();
            let mut diags = Vec::new();
            let collection = anthology::manifest::load(p.path(), &mut diags).expect("the manifest");
            let (css, _) =
                anthology::styles::stylesheet(&collection, &mut diags).expect("a style sheet");
            std::hint::black_box((css, diags));
        });
    }
}
