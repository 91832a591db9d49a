//! The book's outline — parts → essays → headings — built once and read by the contents
//! page, `nav.xhtml` and `toc.ncx`, so that the three always agree.

use std::collections::HashMap;

use crate::book::{Chapter, Entry, TocEntry, chapter_href};
use crate::text::Words;

/// An entry of the outline. Its texts are borrowed from the chapters' summaries: a book of
/// thousands of essays does not hold its table of contents twice.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub title: &'a str,
    /// The essay title as XHTML (with its italics), for the contents page.
    pub title_html: Option<&'a str>,
    /// Relative to the package folder: `text/essay.xhtml#id`.
    pub href: String,
    pub authors: &'a [String],
    /// An essay's length, for its reading time on the contents page.
    pub words: Option<Words>,
    pub is_part: bool,
    pub children: Vec<Node<'a>>,
}

#[derive(Debug, Clone, Default)]
pub struct Outline<'a> {
    pub nodes: Vec<Node<'a>>,
}

/// A part's page: `text/part-1.xhtml`, with the id `part-1`.
pub fn part_id(n: usize) -> String {
    format!("part-{n}")
}

impl<'a> Outline<'a> {
    pub fn new(entries: &'a [Entry], chapters: &HashMap<&str, &'a Chapter>) -> Outline<'a> {
        let essay = |id: &String| -> Option<Node<'a>> {
            let c: &'a Chapter = chapters.get(id.as_str())?;
            Some(Node {
                title: &c.title,
                title_html: Some(&c.title_html),
                href: chapter_href(&c.id),
                authors: &c.authors,
                words: Some(c.words),
                is_part: false,
                children: nest(&c.id, &c.toc),
            })
        };
        let mut parts = 0;
        let nodes = entries
            .iter()
            .filter_map(|entry| match entry {
                Entry::Essay(id) => essay(id),
                Entry::Part { title, essays } => {
                    parts += 1;
                    Some(Node {
                        title,
                        title_html: None,
                        href: chapter_href(&part_id(parts)),
                        authors: &[],
                        words: None,
                        is_part: true,
                        children: essays.iter().filter_map(essay).collect(),
                    })
                }
            })
            .collect();
        Outline { nodes }
    }

    /// Levels of nesting (1: a flat list).
    pub fn depth(&self) -> usize {
        fn depth(nodes: &[Node<'_>]) -> usize {
            nodes
                .iter()
                .map(|n| 1 + depth(&n.children))
                .max()
                .unwrap_or(0)
        }
        depth(&self.nodes)
    }

    /// The first page of the body (the first part or essay).
    pub fn first_href(&self) -> Option<&str> {
        self.nodes.first().map(|n| n.href.as_str())
    }
}

/// Headings as a tree: each one under the nearest shallower heading before it.
fn nest<'a>(chapter: &str, entries: &'a [TocEntry]) -> Vec<Node<'a>> {
    // Built bottom-up with an explicit stack, so any sequence of levels nests correctly.
    let mut stack: Vec<(u8, Node<'a>)> = Vec::new();
    let mut roots: Vec<Node<'a>> = Vec::new();
    let close = |stack: &mut Vec<(u8, Node<'a>)>, roots: &mut Vec<Node<'a>>| {
        let (_, node) = stack.pop().expect("caller checked");
        match stack.last_mut() {
            Some((_, parent)) => parent.children.push(node),
            None => roots.push(node),
        }
    };
    for e in entries {
        while stack.last().is_some_and(|(level, _)| *level >= e.level) {
            close(&mut stack, &mut roots);
        }
        stack.push((
            e.level,
            Node {
                title: &e.title,
                title_html: None,
                href: format!("{}#{}", chapter_href(chapter), e.id),
                authors: &[],
                words: None,
                is_part: false,
                children: Vec::new(),
            },
        ));
    }
    while !stack.is_empty() {
        close(&mut stack, &mut roots);
    }
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(level: u8, id: &str) -> TocEntry {
        TocEntry {
            level,
            title: id.to_string(),
            id: id.to_string(),
        }
    }

    #[test]
    fn nests_by_level() {
        let entries = [
            entry(2, "a"),
            entry(3, "a1"),
            entry(4, "a1x"),
            entry(2, "b"),
            entry(4, "b-deep"),
        ];
        let tree = nest("e", &entries);
        assert_eq!(tree.len(), 2);
        assert_eq!(tree[0].children[0].children[0].title, "a1x");
        assert_eq!(tree[1].children[0].title, "b-deep");
        assert_eq!(tree[1].children[0].href, "text/e.xhtml#b-deep");
    }
}
