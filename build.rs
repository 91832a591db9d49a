//! Links the `anthology` executable with packed relative relocations (DT_RELR) where the C
//! library can load them (glibc 2.36 or later, which says so with the `GLIBC_ABI_DT_RELR`
//! version). A position-independent executable carries one relocation per pointer in its
//! read-only data, and the loader applies every one at each start; packed, the table is a few
//! kilobytes. Kept because it still pays: bench/README.md, "Packed relocations", measures it.
//! Nothing else changes: the executable stays position-independent.

use std::path::Path;

// The build script reads the C library, not a collection: the confined reader is not for it.
#[allow(clippy::disallowed_methods)]
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let native = var("HOST") == var("TARGET");
    if !(native && var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu") {
        return;
    }
    let arch = var("CARGO_CFG_TARGET_ARCH");
    let libc = [
        format!("/lib/{arch}-linux-gnu/libc.so.6"),
        format!("/usr/lib/{arch}-linux-gnu/libc.so.6"),
        "/lib64/libc.so.6".to_string(),
        "/usr/lib64/libc.so.6".to_string(),
        "/usr/lib/libc.so.6".to_string(),
    ];
    let supported = libc.iter().map(Path::new).any(|path| {
        std::fs::read(path).is_ok_and(|bytes| {
            bytes
                .windows(b"GLIBC_ABI_DT_RELR".len())
                .any(|w| w == b"GLIBC_ABI_DT_RELR")
        })
    });
    if supported {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
