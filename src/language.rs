//! Language tags (BCP 47), checked against the IANA registry as EPUBCheck and readers read
//! them: for the manifest, front matter, `lang` attributes in raw HTML and imports alike.

/// Checks a BCP 47 tag against the IANA registry. On failure: the reason and, when the intent
/// is clear (`english`, `en_US`), the tag that was probably meant.
pub fn check(tag: &str) -> Result<(), (String, Option<String>)> {
    let guess = guess_language(tag);
    match language_tags::LanguageTag::parse(tag) {
        Ok(parsed) => match parsed.validate() {
            Ok(()) => Ok(()),
            Err(e) => Err((e.to_string(), guess)),
        },
        Err(e) => Err((e.to_string(), guess)),
    }
}

fn guess_language(tag: &str) -> Option<String> {
    let lower = tag.trim().to_ascii_lowercase();
    if lower.contains('_') {
        let fixed = tag.trim().replace('_', "-");
        if language_tags::LanguageTag::parse(&fixed).is_ok_and(|t| t.is_valid()) {
            return Some(fixed);
        }
    }
    let by_name = [
        ("english", "en"),
        ("french", "fr"),
        ("francais", "fr"),
        ("français", "fr"),
        ("german", "de"),
        ("deutsch", "de"),
        ("spanish", "es"),
        ("espanol", "es"),
        ("español", "es"),
        ("italian", "it"),
        ("portuguese", "pt"),
        ("dutch", "nl"),
        ("russian", "ru"),
        ("greek", "el"),
        ("latin", "la"),
        ("chinese", "zh"),
        ("japanese", "ja"),
        ("arabic", "ar"),
        ("hebrew", "he"),
        ("polish", "pl"),
        ("swedish", "sv"),
        ("eng", "en"),
        ("fre", "fr"),
        ("ger", "de"),
        ("uk", "en-GB"),
        ("us", "en-US"),
    ];
    by_name
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, code)| (*code).to_string())
}

/// Whether `tag` is a valid BCP 47 tag.
pub fn valid(tag: &str) -> bool {
    check(tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        assert!(check("en").is_ok());
        assert!(check("en-GB").is_ok());
        assert!(check("zh-Hant-TW").is_ok());
        assert!(check("grc").is_ok());
        let (_, guess) = check("english").unwrap_err();
        assert_eq!(guess.as_deref(), Some("en"));
        let (_, guess) = check("en_US").unwrap_err();
        assert_eq!(guess.as_deref(), Some("en-US"));
        assert!(check("xx-YY-invalid-").is_err());
        assert!(check("zz").is_err());
    }
}
