//! The manifest and front matter as written, before any check: the serde side of `manifest/`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// Keys of the manifest, for unknown-key checks and suggestions.
pub const MANIFEST_KEYS: &[&str] = &[
    "title",
    "subtitle",
    "language",
    "identifier",
    "isbn",
    "creators",
    "publisher",
    "date",
    "description",
    "rights",
    "subjects",
    "series",
    "cover",
    "style",
    "extra-css",
    "fonts",
    "toc-depth",
    "dedication",
    "epigraph",
    "contributors",
    "sources",
    "colophon",
    "show-reading-time",
    "contents",
];
pub const CREATOR_KEYS: &[&str] = &["name", "role", "file-as"];
pub const CONTRIBUTOR_KEYS: &[&str] = &["name", "bio", "file-as", "url"];
pub const EPIGRAPH_KEYS: &[&str] = &["text", "cite"];
pub const SERIES_KEYS: &[&str] = &["name", "position"];
pub const ESSAY_KEYS: &[&str] = &["file", "title", "subtitle", "authors", "author", "type"];
pub const PART_KEYS: &[&str] = &["part", "essays"];
pub const FRONT_MATTER_KEYS: &[&str] = &[
    "title", "subtitle", "author", "authors", "date", "language", "source", "rights", "epigraph",
];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Manifest {
    // Required fields are options here so that their absence is reported with the rest.
    pub title: Option<Text>,
    pub subtitle: Option<Text>,
    pub language: Option<Text>,
    pub identifier: Option<Text>,
    pub isbn: Option<Text>,
    #[serde(default)]
    pub creators: Vec<Creator>,
    pub publisher: Option<Text>,
    pub date: Option<Text>,
    pub description: Option<Text>,
    pub rights: Option<Text>,
    pub subjects: Option<OneOrMany>,
    pub series: Option<Series>,
    pub cover: Option<Text>,
    pub style: Option<Text>,
    pub extra_css: Option<Text>,
    pub fonts: Option<OneOrMany>,
    pub toc_depth: Option<i64>,
    pub dedication: Option<Text>,
    pub epigraph: Option<Epigraph>,
    pub contributors: Option<Contributors>,
    /// `true`, or the page's opening words.
    pub sources: Option<Text>,
    /// `true`, or a note to add to the page.
    pub colophon: Option<Text>,
    pub show_reading_time: Option<bool>,
    pub contents: Option<Vec<Item>>,
}

/// `epigraph: text` or `epigraph: {text, cite}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Epigraph {
    Text(Text),
    Full { text: Text, cite: Option<Text> },
}

/// `contributors: true`, or the list of contributors with their bios.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Contributors {
    List(Vec<Contributor>),
    Flag(Text),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Contributor {
    pub name: Text,
    pub bio: Option<Text>,
    pub file_as: Option<Text>,
    pub url: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Creator {
    pub name: Text,
    pub role: Option<Text>,
    pub file_as: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub struct Series {
    pub name: Text,
    pub position: Option<Text>,
}

/// One entry of `contents`: a path, an essay with overrides, or a part.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Item {
    Path(Text),
    Part(Part),
    Essay(Essay),
}

#[derive(Debug, Deserialize)]
pub struct Part {
    pub part: Text,
    pub essays: Vec<Item>,
}

#[derive(Debug, Deserialize)]
pub struct Essay {
    pub file: Text,
    pub title: Option<Text>,
    pub subtitle: Option<Text>,
    pub authors: Option<OneOrMany>,
    pub author: Option<OneOrMany>,
    #[serde(rename = "type")]
    pub kind: Option<Text>,
}

#[derive(Debug, Deserialize, Default)]
pub struct FrontMatter {
    pub title: Option<Text>,
    pub subtitle: Option<Text>,
    pub author: Option<OneOrMany>,
    pub authors: Option<OneOrMany>,
    pub date: Option<Text>,
    pub language: Option<Text>,
    pub source: Option<Text>,
    pub rights: Option<Text>,
    pub epigraph: Option<Epigraph>,
}

/// A name or a list of names.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(Text),
    Many(Vec<Text>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(t) => vec![t.0],
            OneOrMany::Many(v) => v.into_iter().map(|t| t.0).collect(),
        }
    }
}

/// A scalar read as text: `title: 1984` and `date: 1841` are text, not numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("text")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}
