//! Which tags are releases: a glob (`v*`, `release-[0-9]*`) or, by default, version-like names.

/// A pattern given with `--tags` that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error(
    "the tag pattern `{pattern}` {problem}; write a glob such as `v*` or `release-[0-9]*` (`*` any text, `?` one character, `[a-z]` one of a set)"
)]
pub struct PatternError {
    pub pattern: String,
    pub problem: String,
}

/// Which tag names are releases.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TagPattern {
    /// Version-like names: an optional word prefix (`v`, `release-`, `release/`), numbers
    /// separated by dots (`1.2.3`, `4`), and an optional pre-release or build suffix
    /// (`-rc.1`, `+build.5`).
    #[default]
    VersionLike,
    /// A glob over the whole name.
    Glob(Vec<Token>),
}

/// A part of a glob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    Char(char),
    /// `?`
    Any,
    /// `*`
    Many,
    /// `[...]`: ranges (a single character is a range of one), and whether it is negated.
    Set(Vec<(char, char)>, bool),
}

impl TagPattern {
    pub fn parse(pattern: &str) -> Result<TagPattern, PatternError> {
        let fail = |problem: &str| PatternError {
            pattern: pattern.to_string(),
            problem: problem.to_string(),
        };
        if pattern.trim().is_empty() {
            return Err(fail("is empty"));
        }
        let mut tokens = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            tokens.push(match c {
                '*' => Token::Many,
                '?' => Token::Any,
                '[' => {
                    let negated = chars.next_if(|c| *c == '!' || *c == '^').is_some();
                    let mut ranges = Vec::new();
                    loop {
                        match chars.next() {
                            None => return Err(fail("opens a `[` set it does not close")),
                            Some(']') if !ranges.is_empty() => break,
                            Some(']') => return Err(fail("has an empty `[]` set")),
                            Some(low) => {
                                if chars.next_if_eq(&'-').is_some() {
                                    match chars.next() {
                                        Some(high) if high != ']' && high >= low => {
                                            ranges.push((low, high));
                                        }
                                        _ => {
                                            return Err(fail(&format!(
                                                "has a bad range after `{low}-`"
                                            )));
                                        }
                                    }
                                } else {
                                    ranges.push((low, low));
                                }
                            }
                        }
                    }
                    Token::Set(ranges, negated)
                }
                c => Token::Char(c),
            });
        }
        Ok(TagPattern::Glob(tokens))
    }

    pub fn matches(&self, name: &str) -> bool {
        match self {
            TagPattern::VersionLike => version_like(name),
            TagPattern::Glob(tokens) => glob(tokens, &name.chars().collect::<Vec<_>>()),
        }
    }
}

fn version_like(name: &str) -> bool {
    let rest =
        name.trim_start_matches(|c: char| c.is_ascii_alphabetic() || matches!(c, '-' | '_' | '/'));
    let (version, suffix) = match rest.find(['-', '+']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let numbers = !version.is_empty()
        && version
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()));
    let suffix_ok = suffix.is_none_or(|s| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
    });
    numbers && suffix_ok
}

fn glob(tokens: &[Token], name: &[char]) -> bool {
    match tokens.split_first() {
        None => name.is_empty(),
        Some((Token::Many, rest)) => (0..=name.len()).any(|skip| glob(rest, &name[skip..])),
        Some((token, rest)) => {
            let Some((c, tail)) = name.split_first() else {
                return false;
            };
            let one = match token {
                Token::Char(want) => want == c,
                Token::Any => true,
                Token::Set(ranges, negated) => {
                    ranges.iter().any(|(low, high)| (low..=high).contains(&c)) != *negated
                }
                Token::Many => unreachable!("handled above"),
            };
            one && glob(rest, tail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_like_tags_are_releases_by_default() {
        let default = TagPattern::default();
        for name in [
            "v1.2.3",
            "1.2",
            "release-4",
            "v2.0.0-rc.1",
            "v2.0.0-alpha",
            "release/7.1",
            "v3+build.5",
        ] {
            assert!(default.matches(name), "{name}");
        }
        for name in [
            "latest", "nightly", "v", "v1.", "v1..2", "foo-bar", "v1.2-", "1.2.3 ",
        ] {
            assert!(!default.matches(name), "{name}");
        }
    }

    #[test]
    fn globs_match_the_whole_name_and_bad_ones_say_why() {
        let p = TagPattern::parse("v[0-9]*.?").unwrap();
        assert!(p.matches("v12.3"));
        assert!(!p.matches("va.3"));
        assert!(!p.matches("xv1.3"));
        assert!(TagPattern::parse("[!v]*").unwrap().matches("1.0"));
        for (bad, problem) in [
            ("", "is empty"),
            ("v[0-9", "opens a `[` set it does not close"),
            ("v[]", "has an empty `[]` set"),
            ("v[9-0]", "has a bad range after `9-`"),
        ] {
            assert_eq!(
                TagPattern::parse(bad).unwrap_err().problem,
                problem,
                "{bad}"
            );
        }
        assert_eq!(
            TagPattern::parse("v[").unwrap_err().to_string(),
            "the tag pattern `v[` opens a `[` set it does not close; write a glob such as `v*` or `release-[0-9]*` (`*` any text, `?` one character, `[a-z]` one of a set)"
        );
    }
}
