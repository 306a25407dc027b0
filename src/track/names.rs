//! The names a release is made of, checked once where they enter: step, phase and
//! checkpoint names become output names (`checkpoint-merge-commit`) and markers, so
//! they are kept to a small alphabet; releases and subjects (versions, repositories)
//! are shown in issues and outputs, and may not carry markup or spaces.

/// What a name names, for its rule and its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Step,
    Phase,
    Checkpoint,
    Release,
    Subject,
    Team,
}

impl NameKind {
    fn what(self) -> &'static str {
        match self {
            NameKind::Step => "step name",
            NameKind::Phase => "phase name",
            NameKind::Checkpoint => "checkpoint name",
            NameKind::Release => "release name",
            NameKind::Subject => "subject",
            NameKind::Team => "team",
        }
    }
}

const MAX_KEY: usize = 40;
const MAX_NAME: usize = 100;

/// `text` when it is a valid name of `kind`, else the message that says the rule.
pub fn check(text: &str, kind: NameKind) -> Result<String, String> {
    let what = kind.what();
    let starts_well = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    match kind {
        NameKind::Step | NameKind::Phase | NameKind::Checkpoint => {
            let ok = starts_well
                && text.len() <= MAX_KEY
                && text
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if ok {
                Ok(text.to_string())
            } else {
                Err(format!(
                    "{what} `{text}` must be lower-case letters, digits and `-`, starting with a \
                     letter or digit{}",
                    if text.len() > MAX_KEY {
                        format!(" (at most {MAX_KEY} characters)")
                    } else {
                        String::new()
                    }
                ))
            }
        }
        NameKind::Release | NameKind::Subject => {
            let ok = starts_well
                && text.len() <= MAX_NAME
                && !text.contains("..")
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._+-/".contains(c));
            if ok {
                Ok(text.to_string())
            } else {
                Err(format!(
                    "{what} `{text}` must be letters, digits, `.`, `_`, `+`, `-` or `/`, starting \
                     with a letter or digit, without `..`, at most {MAX_NAME} characters"
                ))
            }
        }
        NameKind::Team => {
            let segments: Vec<&str> = text.split('/').collect();
            let ok = segments.len() >= 2
                && segments.iter().all(|s| {
                    !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                });
            if ok {
                Ok(text.to_string())
            } else {
                Err(format!(
                    "{what} `{text}` must be a path: `org/team-slug` on GitHub, the group's full \
                     path on GitLab"
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_small_and_subjects_carry_versions_and_repositories() {
        assert!(check("merge-commit", NameKind::Checkpoint).is_ok());
        assert!(check("Merge", NameKind::Checkpoint).is_err());
        assert!(check("-x", NameKind::Step).is_err());
        assert!(check(&"a".repeat(41), NameKind::Step).is_err());
        for subject in ["1.17.8-1-fips", "acme/api", "go1.22.3", "v2.0.0+build.1"] {
            assert!(check(subject, NameKind::Subject).is_ok(), "{subject}");
        }
        for subject in ["", "a b", "../x", "a<b", "x`y", ".hidden"] {
            assert!(check(subject, NameKind::Subject).is_err(), "{subject}");
        }
        assert!(check("acme/release-managers", NameKind::Team).is_ok());
        assert!(check("group/sub/team", NameKind::Team).is_ok());
        assert!(check("acme/", NameKind::Team).is_err());
        assert_eq!(
            check("a b", NameKind::Subject).unwrap_err(),
            "subject `a b` must be letters, digits, `.`, `_`, `+`, `-` or `/`, starting with a \
             letter or digit, without `..`, at most 100 characters"
        );
    }
}
