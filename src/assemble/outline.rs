//! The book's outline — parts → essays → headings — built once and read by the contents
//! page, `nav.xhtml` and `toc.ncx`, so that the three always agree.
//!
//! Parts and essays are held; an essay's headings become nodes only while they are read
//! ([`Node::children`]): a book of thousands of essays with a dozen sections each does not
//! hold a node for every section, only the summaries it already has.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::book::{Entry, Heading, Summary, chapter_href};
use crate::text::Words;

/// An entry of the outline. Its texts are borrowed from the chapters' summaries: a book of
/// thousands of essays does not hold its table of contents twice.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub title: &'a str,
    /// Relative to the package folder: `text/essay.xhtml#id`.
    pub href: String,
    pub is_part: bool,
    /// The essay the node stands for: its title as XHTML, its authors, length and headings.
    essay: Option<&'a Summary>,
    /// The children it holds: a part's essays, a heading's subheadings.
    held: Vec<Node<'a>>,
}

impl<'a> Node<'a> {
    /// The nodes under this one: a part's essays, an essay's headings (nested by level, at
    /// most five deep: `h2` to `h6`), a heading's subheadings.
    pub fn children(&self) -> Cow<'_, [Node<'a>]> {
        match self.essay {
            Some(essay) => Cow::Owned(nest(&essay.id, essay.toc())),
            None => Cow::Borrowed(&self.held),
        }
    }

    /// A node with nothing under it yet: a heading, a page of the back matter.
    pub fn leaf(title: &'a str, href: String) -> Node<'a> {
        Node {
            title,
            href,
            is_part: false,
            essay: None,
            held: Vec::new(),
        }
    }

    /// An essay's title as XHTML (with its italics), for the contents page.
    pub fn title_html(&self) -> Option<&'a str> {
        self.essay.map(Summary::title_html)
    }

    /// An essay's authors.
    pub fn authors(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.essay.into_iter().flat_map(Summary::authors)
    }

    /// An essay's length, for its reading time on the contents page.
    pub fn words(&self) -> Option<Words> {
        self.essay.map(|e| e.words)
    }

    /// Levels of nesting below and including this node.
    fn depth(&self) -> usize {
        match self.essay {
            Some(essay) => 1 + heading_depth(essay.toc().map(|h| h.level)),
            None => 1 + self.held.iter().map(Node::depth).max().unwrap_or(0),
        }
    }
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
    /// The outline of the parts and essays of `entries`, then of the pages `after` them (the
    /// back matter's).
    pub fn new(
        entries: &'a [Entry],
        chapters: &HashMap<&str, &'a Summary>,
        after: impl ExactSizeIterator<Item = Node<'a>>,
    ) -> Outline<'a> {
        let essay = |id: &String| -> Option<Node<'a>> {
            let c: &'a Summary = chapters.get(id.as_str())?;
            Some(Node {
                title: c.title(),
                href: chapter_href(&c.id),
                is_part: false,
                essay: Some(c),
                held: Vec::new(),
            })
        };
        let mut parts = 0;
        // Sized once: a book of thousands of essays has as many nodes.
        let mut nodes = Vec::with_capacity(entries.len() + after.len());
        let body = entries.iter().filter_map(|entry| match entry {
            Entry::Essay(id) => essay(id),
            Entry::Part { title, essays } => {
                parts += 1;
                Some(Node {
                    title,
                    href: chapter_href(&part_id(parts)),
                    is_part: true,
                    essay: None,
                    held: essays.iter().filter_map(essay).collect(),
                })
            }
        });
        nodes.extend(body);
        nodes.extend(after);
        Outline { nodes }
    }

    /// Levels of nesting (1: a flat list).
    pub fn depth(&self) -> usize {
        self.nodes.iter().map(Node::depth).max().unwrap_or(0)
    }

    /// The first page of the body (the first part or essay).
    pub fn first_href(&self) -> Option<&str> {
        self.nodes.first().map(|n| n.href.as_str())
    }
}

/// Headings as a tree: each one under the nearest shallower heading before it.
fn nest<'a>(chapter: &str, entries: impl Iterator<Item = Heading<'a>>) -> Vec<Node<'a>> {
    // Built bottom-up with an explicit stack, so any sequence of levels nests correctly.
    let mut stack: Vec<(u8, Node<'a>)> = Vec::new();
    let mut roots: Vec<Node<'a>> = Vec::new();
    let close = |stack: &mut Vec<(u8, Node<'a>)>, roots: &mut Vec<Node<'a>>| {
        let (_, node) = stack.pop().expect("caller checked");
        match stack.last_mut() {
            Some((_, parent)) => parent.held.push(node),
            None => roots.push(node),
        }
    };
    for e in entries {
        while stack.last().is_some_and(|(level, _)| *level >= e.level) {
            close(&mut stack, &mut roots);
        }
        stack.push((
            e.level,
            Node::leaf(e.title, format!("{}#{}", chapter_href(chapter), e.id)),
        ));
    }
    while !stack.is_empty() {
        close(&mut stack, &mut roots);
    }
    roots
}

/// How deep [`nest`] nests headings of these levels, without making the nodes.
fn heading_depth(levels: impl Iterator<Item = u8>) -> usize {
    let mut open: Vec<u8> = Vec::new();
    let mut deepest = 0;
    for level in levels {
        while open.last().is_some_and(|l| *l >= level) {
            open.pop();
        }
        open.push(level);
        deepest = deepest.max(open.len());
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(level: u8, id: &str) -> Heading<'_> {
        Heading {
            level,
            title: id,
            id,
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
        let tree = nest("e", entries.into_iter());
        assert_eq!(tree.len(), 2);
        assert_eq!(tree[0].children()[0].children()[0].title, "a1x");
        assert_eq!(tree[1].children()[0].title, "b-deep");
        assert_eq!(tree[1].children()[0].href, "text/e.xhtml#b-deep");
        let depth = |headings: &[Heading]| heading_depth(headings.iter().map(|h| h.level));
        assert_eq!(depth(&entries), 3);
        assert_eq!(depth(&entries[3..]), 2);
        assert_eq!(depth(&[]), 0);
    }
}
