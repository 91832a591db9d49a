//! `anthology stats`: each essay's length (words, reading time), notes, images and headings,
//! and the book's totals — from the chapters' summaries, so they count what the book holds.

use std::fmt::Write as _;

use serde::Serialize;

use crate::book::Summary;
use crate::pipeline::Plan;
use crate::text::Words;

/// One essay's figures, or the book's totals.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub title: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// Words, each Chinese or Japanese character counted as one.
    pub words: usize,
    /// Of which Chinese and Japanese characters.
    pub cjk_characters: usize,
    pub reading_minutes: usize,
    pub notes: usize,
    pub images: usize,
    pub headings: usize,
}

/// What `--format json` prints.
#[derive(Debug, Serialize)]
pub struct Stats {
    pub title: String,
    pub essays: Vec<Row>,
    pub total: Row,
}

impl Stats {
    pub fn new(plan: &Plan, chapters: &[Summary]) -> Stats {
        let files: std::collections::HashMap<&str, &str> = plan
            .collection
            .essays()
            .map(|e| (e.id.as_str(), e.file.rel.as_str()))
            .collect();
        let row = |c: &Summary| Row {
            id: Some(c.id.clone()),
            file: files.get(c.id.as_str()).map(ToString::to_string),
            title: c.title().to_string(),
            authors: c.authors().map(String::from).collect(),
            words: c.words.total(),
            cjk_characters: c.words.cjk,
            reading_minutes: c.words.minutes(),
            notes: c.notes,
            images: c.images,
            headings: c.headings,
        };
        let essays: Vec<Row> = chapters.iter().map(row).collect();
        // The book's reading time is that of all its words, not a sum of rounded minutes.
        let words = chapters
            .iter()
            .fold(Words::default(), |sum, c| sum + c.words);
        let total = Row {
            id: None,
            file: None,
            title: format!(
                "total ({} essay{})",
                essays.len(),
                if essays.len() == 1 { "" } else { "s" }
            ),
            authors: Vec::new(),
            words: words.total(),
            cjk_characters: words.cjk,
            reading_minutes: words.minutes(),
            notes: essays.iter().map(|r| r.notes).sum(),
            images: essays.iter().map(|r| r.images).sum(),
            headings: essays.iter().map(|r| r.headings).sum(),
        };
        Stats {
            title: plan.meta.title.clone(),
            essays,
            total,
        }
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// A table, one essay a line, the totals last.
    pub fn table(&self) -> String {
        const TITLE: usize = 40;
        let clip = |t: &str| -> String {
            if t.chars().count() > TITLE {
                let cut: String = t.chars().take(TITLE - 1).collect();
                format!("{cut}…")
            } else {
                t.to_string()
            }
        };
        let width = self
            .essays
            .iter()
            .chain(std::iter::once(&self.total))
            .map(|r| clip(&r.title).chars().count())
            .max()
            .unwrap_or(0)
            .max("essay".len());
        let mut out = String::new();
        let line = |out: &mut String, title: &str, cells: [String; 5]| {
            let pad = width - title.chars().count();
            let _ = writeln!(
                out,
                "{title}{}  {:>7}  {:>7}  {:>5}  {:>6}  {:>8}",
                " ".repeat(pad),
                cells[0],
                cells[1],
                cells[2],
                cells[3],
                cells[4]
            );
        };
        line(
            &mut out,
            "essay",
            ["words", "reading", "notes", "images", "headings"].map(String::from),
        );
        for r in self.essays.iter().chain(std::iter::once(&self.total)) {
            line(
                &mut out,
                &clip(&r.title),
                [
                    r.words.to_string(),
                    format!("{} min", r.reading_minutes),
                    r.notes.to_string(),
                    r.images.to_string(),
                    r.headings.to_string(),
                ],
            );
        }
        out
    }
}
