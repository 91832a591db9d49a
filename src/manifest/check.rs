//! Checks of single values: ISBNs, dates (language tags: [`crate::language`]).

/// Verifies an ISBN-10 or ISBN-13 checksum; returns the bare digits (with `X`).
pub fn isbn(raw: &str) -> Result<String, String> {
    let digits: String = raw
        .trim()
        .trim_start_matches("urn:isbn:")
        .trim_start_matches("ISBN")
        .trim_start_matches(':')
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .collect();
    let ok = match digits.len() {
        10 => {
            let mut sum = 0;
            for (i, c) in digits.chars().enumerate() {
                let v = match c {
                    '0'..='9' => c as u32 - '0' as u32,
                    'X' | 'x' if i == 9 => 10,
                    _ => return Err(format!("`{raw}` has a character that is not a digit")),
                };
                sum += v * (10 - i as u32);
            }
            sum % 11 == 0
        }
        13 => {
            if !digits.chars().all(|c| c.is_ascii_digit()) {
                return Err(format!("`{raw}` has a character that is not a digit"));
            }
            let sum: u32 = digits
                .chars()
                .enumerate()
                .map(|(i, c)| (c as u32 - '0' as u32) * if i % 2 == 0 { 1 } else { 3 })
                .sum();
            sum.is_multiple_of(10)
        }
        n => return Err(format!("an ISBN has 10 or 13 digits, `{raw}` has {n}")),
    };
    if ok {
        Ok(digits.to_ascii_uppercase())
    } else {
        Err(format!("the check digit of `{raw}` is wrong"))
    }
}

/// W3CDTF as the OPF wants it: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, optionally with a time.
pub fn w3c_date(s: &str) -> bool {
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let num = |p: &str, len: usize, lo: u32, hi: u32| {
        p.len() == len
            && p.chars().all(|c| c.is_ascii_digit())
            && (lo..=hi).contains(&p.parse::<u32>().unwrap_or(0))
    };
    let date_ok = match parts.as_slice() {
        [y] => num(y, 4, 0, 9999),
        [y, m] => num(y, 4, 0, 9999) && num(m, 2, 1, 12),
        [y, m, d] => num(y, 4, 0, 9999) && num(m, 2, 1, 12) && num(d, 2, 1, days_in(y, m)),
        _ => false,
    };
    let time_ok = time.is_none_or(|t| {
        let t = t.trim_end_matches('Z');
        let t = t.split(['+', '-']).next().unwrap_or("");
        let hms: Vec<&str> = t.split(':').collect();
        matches!(hms.len(), 2 | 3)
            && num(hms[0], 2, 0, 23)
            && num(hms[1], 2, 0, 59)
            && hms.get(2).is_none_or(|s| {
                let whole = s.split('.').next().unwrap_or("");
                num(whole, 2, 0, 60)
            })
    });
    // A time needs a full date.
    date_ok && (time.is_none() || (parts.len() == 3 && time_ok))
}

fn days_in(y: &str, m: &str) -> u32 {
    crate::dates::days_in_month(y.parse().unwrap_or(1), m.parse().unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isbns() {
        assert_eq!(isbn("978-0-306-40615-7").unwrap(), "9780306406157");
        assert!(isbn("978-0-306-40615-8").is_err());
        assert_eq!(isbn("0-8044-2957-X").unwrap(), "080442957X");
        assert!(isbn("12345").is_err());
    }

    #[test]
    fn dates() {
        for ok in [
            "2024",
            "2024-05",
            "2024-02-29",
            "2024-05-01T10:00:00Z",
            "1841",
        ] {
            assert!(w3c_date(ok), "{ok}");
        }
        for bad in [
            "2023-02-29",
            "24",
            "2024-13",
            "May 2024",
            "2024-05-01T25:00Z",
            "",
        ] {
            assert!(!w3c_date(bad), "{bad}");
        }
    }
}
