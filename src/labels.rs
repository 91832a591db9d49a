//! The few words the tool writes into a book itself ("Contents", "Edited by"), in the book's
//! language where it is known, else in English.

use crate::book::Role;

pub struct Labels {
    pub contents: &'static str,
    pub notes: &'static str,
    pub cover: &'static str,
    pub title_page: &'static str,
    pub start: &'static str,
    pub landmarks: &'static str,
    /// Joins the last two names of a list ("A, B and C").
    pub and: &'static str,
    pub edited_by: &'static str,
    pub translated_by: &'static str,
    pub illustrated_by: &'static str,
    pub with: &'static str,
    pub dedication: &'static str,
    pub epigraph: &'static str,
    /// The title of the page about the contributors.
    pub contributors: &'static str,
    /// The title of the page of sources and acknowledgements.
    pub sources: &'static str,
    pub colophon: &'static str,
    /// Before the publisher's name ("Published by").
    pub published_by: &'static str,
    /// Before a contributor's essays ("In this book").
    pub in_this_book: &'static str,
    /// The colophon's last line.
    pub made_with: &'static str,
    /// After a reading time and a word count on the contents page ("12 min · 2800 words").
    pub minutes: &'static str,
    pub words: &'static str,
}

const EN: Labels = Labels {
    contents: "Contents",
    notes: "Notes",
    cover: "Cover",
    title_page: "Title Page",
    start: "Start of the book",
    landmarks: "Landmarks",
    and: "and",
    edited_by: "Edited by",
    translated_by: "Translated by",
    illustrated_by: "Illustrated by",
    with: "With",
    dedication: "Dedication",
    epigraph: "Epigraph",
    contributors: "About the Contributors",
    sources: "Sources and Acknowledgements",
    colophon: "Colophon",
    published_by: "Published by",
    in_this_book: "In this book",
    made_with: "Made with anthology.",
    minutes: "min",
    words: "words",
};

const FR: Labels = Labels {
    contents: "Table des matières",
    notes: "Notes",
    cover: "Couverture",
    title_page: "Page de titre",
    start: "Début du livre",
    landmarks: "Repères",
    and: "et",
    edited_by: "Sous la direction de",
    translated_by: "Traduit par",
    illustrated_by: "Illustré par",
    with: "Avec",
    dedication: "Dédicace",
    epigraph: "Épigraphe",
    contributors: "Les auteurs",
    sources: "Sources et remerciements",
    colophon: "Colophon",
    published_by: "Publié par",
    in_this_book: "Dans ce livre",
    made_with: "Fabriqué avec anthology.",
    minutes: "min",
    words: "mots",
};

const DE: Labels = Labels {
    contents: "Inhalt",
    notes: "Anmerkungen",
    cover: "Umschlag",
    title_page: "Titelseite",
    start: "Beginn des Buches",
    landmarks: "Orientierungspunkte",
    and: "und",
    edited_by: "Herausgegeben von",
    translated_by: "Übersetzt von",
    illustrated_by: "Illustriert von",
    with: "Mit",
    dedication: "Widmung",
    epigraph: "Motto",
    contributors: "Über die Beiträgerinnen und Beiträger",
    sources: "Quellen und Dank",
    colophon: "Impressum",
    published_by: "Veröffentlicht von",
    in_this_book: "In diesem Buch",
    made_with: "Erstellt mit anthology.",
    minutes: "Min.",
    words: "Wörter",
};

const ES: Labels = Labels {
    contents: "Índice",
    notes: "Notas",
    cover: "Cubierta",
    title_page: "Portada",
    start: "Comienzo del libro",
    landmarks: "Puntos de referencia",
    and: "y",
    edited_by: "Edición de",
    translated_by: "Traducción de",
    illustrated_by: "Ilustraciones de",
    with: "Con",
    dedication: "Dedicatoria",
    epigraph: "Epígrafe",
    contributors: "Sobre los autores",
    sources: "Fuentes y agradecimientos",
    colophon: "Colofón",
    published_by: "Publicado por",
    in_this_book: "En este libro",
    made_with: "Hecho con anthology.",
    minutes: "min",
    words: "palabras",
};

const IT: Labels = Labels {
    contents: "Indice",
    notes: "Note",
    cover: "Copertina",
    title_page: "Frontespizio",
    start: "Inizio del libro",
    landmarks: "Punti di riferimento",
    and: "e",
    edited_by: "A cura di",
    translated_by: "Traduzione di",
    illustrated_by: "Illustrazioni di",
    with: "Con",
    dedication: "Dedica",
    epigraph: "Epigrafe",
    contributors: "Gli autori",
    sources: "Fonti e ringraziamenti",
    colophon: "Colophon",
    published_by: "Pubblicato da",
    in_this_book: "In questo libro",
    made_with: "Realizzato con anthology.",
    minutes: "min",
    words: "parole",
};

const PT: Labels = Labels {
    contents: "Sumário",
    notes: "Notas",
    cover: "Capa",
    title_page: "Folha de rosto",
    start: "Início do livro",
    landmarks: "Pontos de referência",
    and: "e",
    edited_by: "Organização de",
    translated_by: "Tradução de",
    illustrated_by: "Ilustrações de",
    with: "Com",
    dedication: "Dedicatória",
    epigraph: "Epígrafe",
    contributors: "Sobre os autores",
    sources: "Fontes e agradecimentos",
    colophon: "Colofão",
    published_by: "Publicado por",
    in_this_book: "Neste livro",
    made_with: "Feito com anthology.",
    minutes: "min",
    words: "palavras",
};

const NL: Labels = Labels {
    contents: "Inhoud",
    notes: "Noten",
    cover: "Omslag",
    title_page: "Titelpagina",
    start: "Begin van het boek",
    landmarks: "Oriëntatiepunten",
    and: "en",
    edited_by: "Samengesteld door",
    translated_by: "Vertaald door",
    illustrated_by: "Geïllustreerd door",
    with: "Met",
    dedication: "Opdracht",
    epigraph: "Motto",
    contributors: "Over de auteurs",
    sources: "Bronnen en dankwoord",
    colophon: "Colofon",
    published_by: "Uitgegeven door",
    in_this_book: "In dit boek",
    made_with: "Gemaakt met anthology.",
    minutes: "min",
    words: "woorden",
};

/// The labels for a BCP 47 tag (its primary language).
pub fn for_language(tag: &str) -> &'static Labels {
    let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
    match primary.as_str() {
        "fr" => &FR,
        "de" => &DE,
        "es" => &ES,
        "it" => &IT,
        "pt" => &PT,
        "nl" => &NL,
        _ => &EN,
    }
}

impl Labels {
    /// "A", "A and B", "A, B and C" (names already escaped).
    pub fn join_names(&self, names: &[String]) -> String {
        match names {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} {} {last}", init.join(", "), self.and),
        }
    }

    /// The phrase before the names of a role on the title page; `None` for authors.
    pub fn role_phrase(&self, role: Role) -> Option<&'static str> {
        match role {
            Role::Author => None,
            Role::Editor | Role::Compiler => Some(self.edited_by),
            Role::Translator => Some(self.translated_by),
            Role::Illustrator => Some(self.illustrated_by),
            _ => Some(self.with),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_join_naturally() {
        let l = for_language("en-GB");
        let names = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(l.join_names(&names(&["A"])), "A");
        assert_eq!(l.join_names(&names(&["A", "B"])), "A and B");
        assert_eq!(l.join_names(&names(&["A", "B", "C"])), "A, B and C");
        assert_eq!(for_language("fr").join_names(&names(&["A", "B"])), "A et B");
    }
}
