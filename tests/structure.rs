//! The layout of the code (issue 17): no import cycle between the library's top-level modules,
//! so that each stage can be read (and tested) on top of the ones it uses. A module's
//! dependencies are the `crate::name` paths in its files, outside their `mod tests`.

#![allow(clippy::disallowed_methods)] // Reads the crate's own sources.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level module of each source file, and the modules its code names.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel.iter().next().unwrap().to_string_lossy();
        let top = top.trim_end_matches(".rs").to_string();
        if top == "main" || top == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        let names = deps.entry(top.clone()).or_default();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // `use crate::{a, b::c}`: the first name of each path in the group.
                let group = &group[..group.find('}').unwrap_or(group.len())];
                for path in group.split(',') {
                    names.insert(ident(path.trim()));
                }
            } else {
                names.insert(ident(rest));
            }
        }
        names.remove(&top);
        names.remove("");
    }
    let known: BTreeSet<String> = deps.keys().cloned().collect();
    for names in deps.values_mut() {
        names.retain(|n| known.contains(n));
    }
    deps
}

fn ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// A path of dependencies from `from` back to itself, if there is one.
fn cycle_through(from: &str, deps: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    let mut stack = vec![vec![from.to_string()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        for next in &deps[path.last().unwrap()] {
            if next == from {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let deps = dependencies();
    assert!(deps.len() > 20, "the sources were not read: {deps:?}");
    assert!(
        deps["pipeline"].contains("convert"),
        "the reading of paths is wrong: {deps:?}"
    );
    for module in deps.keys() {
        if let Some(cycle) = cycle_through(module, &deps) {
            panic!("an import cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_check_finds_a_cycle() {
    let mut deps = BTreeMap::new();
    deps.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    deps.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    deps.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(cycle_through("a", &deps).unwrap(), ["a", "b", "c", "a"]);
    deps.insert("c".to_string(), BTreeSet::new());
    assert_eq!(cycle_through("a", &deps), None);
}
