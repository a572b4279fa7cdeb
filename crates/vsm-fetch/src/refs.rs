//! The work items a pull request names in its title, branch or body: issue keys (`PROJ-12`, the
//! Jira convention: two or more capitals or digits starting with a capital, a dash, a number) and
//! issue numbers (`#123`, not `owner/repo#123` nor `&#123;`).

/// At most this many items of each kind are taken from one pull request's texts.
pub const MAX_MENTIONS: usize = 50;

/// What a pull request's texts name, each once, in the order first named.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Mentions {
    /// Issue keys such as `EE-7121`.
    pub keys: Vec<String>,
    /// Issue numbers such as 123 (from `#123`).
    pub numbers: Vec<u64>,
}

pub(crate) fn mentions(texts: &[&str]) -> Mentions {
    let mut found = Mentions::default();
    for text in texts {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let boundary = i == 0 || !is_word(bytes[i - 1]);
            if bytes[i] == b'#'
                && (i == 0 || !(is_word(bytes[i - 1]) || matches!(bytes[i - 1], b'/' | b'&')))
            {
                let digits = count(&bytes[i + 1..], |b| b.is_ascii_digit());
                let end = i + 1 + digits;
                if (1..=9).contains(&digits) && !bytes.get(end).is_some_and(|&b| is_word(b)) {
                    if let Ok(number) = text[i + 1..end].parse::<u64>()
                        && !found.numbers.contains(&number)
                        && found.numbers.len() < MAX_MENTIONS
                    {
                        found.numbers.push(number);
                    }
                    i = end;
                    continue;
                }
            } else if boundary && bytes[i].is_ascii_uppercase() {
                let project = count(&bytes[i..], |b| {
                    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'
                });
                let dash = i + project;
                let digits = count(bytes.get(dash + 1..).unwrap_or_default(), |b| {
                    b.is_ascii_digit()
                });
                let end = dash + 1 + digits;
                if project >= 2 && bytes.get(dash) == Some(&b'-') && (1..=9).contains(&digits) {
                    if !bytes.get(end).is_some_and(|&b| is_word(b)) {
                        let key = &text[i..end];
                        if !found.keys.iter().any(|k| k == key) && found.keys.len() < MAX_MENTIONS {
                            found.keys.push(key.to_string());
                        }
                    }
                    i = end;
                    continue;
                }
                i = dash.max(i + 1);
                continue;
            }
            i += 1;
        }
    }
    found
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn count(bytes: &[u8], keep: impl Fn(u8) -> bool) -> usize {
    bytes.iter().take_while(|&&b| keep(b)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_numbers_from_titles_branches_and_bodies() {
        let found = mentions(&[
            "EE-7121: fix the pool (#22)",
            "feature/EE-7121-pool",
            "fix #3, see panjf2000/ants#9 and &#123; ABC-1x E-5 #22",
        ]);
        assert_eq!(found.keys, ["EE-7121"]);
        assert_eq!(found.numbers, [22, 3]);
    }

    #[test]
    fn a_huge_text_gives_a_bounded_list() {
        let text = (0..10_000)
            .map(|n| format!("#{n} PROJ-{n}"))
            .collect::<Vec<_>>()
            .join(" ");
        let found = mentions(&[&text]);
        assert_eq!(
            (found.keys.len(), found.numbers.len()),
            (MAX_MENTIONS, MAX_MENTIONS)
        );
    }
}
