//! Commits between two tags: read with ONE `git log` per repository, streamed and
//! parsed in-process (no process per commit), or taken from the forge's compare API;
//! then each message is split into subject and body and read as a conventional commit.
//!
//! Merges: the range is listed with `--no-merges`. Every change that entered the
//! range appears once, with its own subject, whether it came by a merge, a rebase or
//! a squash; a merge commit itself ("Merge pull request #12 from …", "Merge branch
//! …") carries no change of its own. `--first-parent` would instead hide every
//! commit of a merged branch behind that merge's subject. The compare API path drops
//! merges the same way (commits with more than one parent).

use crate::git::{Git, GitError};

/// A commit as read from git or a forge: its id and whole message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCommit {
    pub id: String,
    pub message: String,
}

/// The `git log` arguments that list `previous..new` (or all of `new` for a first
/// release), newest first, as NUL-terminated `id\nmessage` records.
pub fn log_args(previous: Option<&str>, new: &str) -> Vec<String> {
    let mut args: Vec<String> = [
        "log",
        "--no-merges",
        "--no-show-signature",
        "--no-color",
        "--encoding=UTF-8",
        "-z",
        "--format=%H%n%B",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    match previous {
        Some(previous) => args.push(format!("{previous}..{new}")),
        None => args.push(new.to_string()),
    }
    args.push("--".into());
    args
}

/// Lists the commits of `previous..new` (commit ids) in one `git log`.
pub fn read_range(
    git: &Git,
    previous: Option<&str>,
    new: &str,
) -> Result<Vec<RawCommit>, GitError> {
    let mut commits = Vec::new();
    git.for_each_record(log_args(previous, new), 0, |record| {
        if let Some(commit) = parse_record(record) {
            commits.push(commit);
        }
    })?;
    Ok(commits)
}

/// `id\nmessage` → a commit; an empty record (none) is skipped.
fn parse_record(record: &[u8]) -> Option<RawCommit> {
    let newline = record.iter().position(|&b| b == b'\n');
    let (id, message) = match newline {
        Some(at) => (&record[..at], &record[at + 1..]),
        None => (record, &record[record.len()..]),
    };
    if id.is_empty() {
        return None;
    }
    Some(RawCommit {
        id: String::from_utf8_lossy(id).into_owned(),
        message: String::from_utf8_lossy(message).into_owned(),
    })
}

/// A message read as git reads it, and as a conventional commit when it is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMessage {
    /// The first paragraph on one line (git's `%s`).
    pub subject: String,
    /// Everything after the first paragraph, trimmed.
    pub body: String,
    /// The conventional type, lower-cased (`feat`, `fix`, …), when the subject is
    /// `type(scope)!: description`.
    pub kind: Option<String>,
    pub scope: Option<String>,
    /// The subject without `type(scope)!: `; the whole subject for other commits.
    pub description: String,
    /// `!` after the type, or a `BREAKING CHANGE:` / `BREAKING-CHANGE:` footer.
    pub breaking: bool,
    /// The text of a `BREAKING CHANGE:` footer.
    pub breaking_note: Option<String>,
}

/// Splits a message into subject and body (git's rules: the subject is the first
/// paragraph joined into one line) and parses the conventional-commit form.
pub fn parse_message(message: &str) -> ParsedMessage {
    let message = message.trim_start_matches(['\n', '\r']);
    let mut subject_lines = Vec::new();
    let mut rest = "";
    let mut offset = 0;
    for line in message.split_inclusive('\n') {
        if line.trim().is_empty() {
            rest = &message[offset..];
            break;
        }
        subject_lines.push(line.trim());
        offset += line.len();
    }
    let subject = subject_lines.join(" ");
    let body = rest.trim().to_string();
    let conventional = parse_conventional(&subject);
    let breaking_note = breaking_footer(&body);
    let (kind, scope, description, bang) = match conventional {
        Some((kind, scope, description, bang)) => (
            Some(kind.to_ascii_lowercase()),
            scope.map(str::to_string),
            description.to_string(),
            bang,
        ),
        None => (None, None, subject.clone(), false),
    };
    ParsedMessage {
        breaking: bang || breaking_note.is_some(),
        subject,
        body,
        kind,
        scope,
        description,
        breaking_note,
    }
}

/// `type(scope)!: description` → (type, scope, description, bang).
fn parse_conventional(subject: &str) -> Option<(&str, Option<&str>, &str, bool)> {
    let type_end = subject
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(subject.len());
    let kind = &subject[..type_end];
    if kind.is_empty() || !kind.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut rest = &subject[type_end..];
    let mut scope = None;
    if let Some(after) = rest.strip_prefix('(') {
        let close = after.find(')')?;
        let inner = after[..close].trim();
        if inner.is_empty() {
            return None;
        }
        scope = Some(inner);
        rest = &after[close + 1..];
    }
    let bang = rest.starts_with('!');
    if bang {
        rest = &rest[1..];
    }
    let description = rest.strip_prefix(':')?;
    if !description.starts_with([' ', '\t']) {
        return None;
    }
    let description = description.trim();
    if description.is_empty() {
        return None;
    }
    Some((kind, scope, description, bang))
}

/// The text of a `BREAKING CHANGE:` footer paragraph, on one line.
fn breaking_footer(body: &str) -> Option<String> {
    let mut lines = body.lines();
    while let Some(line) = lines.next() {
        let Some(text) = line
            .strip_prefix("BREAKING CHANGE:")
            .or_else(|| line.strip_prefix("BREAKING-CHANGE:"))
        else {
            continue;
        };
        let mut note = vec![text.trim().to_string()];
        for more in lines.by_ref() {
            if more.trim().is_empty() {
                break;
            }
            note.push(more.trim().to_string());
        }
        return Some(note.join(" ").trim().to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_records_into_id_and_message() {
        assert_eq!(
            parse_record(b"abc\nfeat: x\n\nbody\n"),
            Some(RawCommit {
                id: "abc".into(),
                message: "feat: x\n\nbody\n".into()
            })
        );
        assert_eq!(parse_record(b""), None);
    }

    #[test]
    fn reads_conventional_subjects() {
        let m = parse_message("feat(api)!: drop v1 (#12)\n\nwhy\n");
        assert_eq!(m.kind.as_deref(), Some("feat"));
        assert_eq!(m.scope.as_deref(), Some("api"));
        assert_eq!(m.description, "drop v1 (#12)");
        assert!(m.breaking);
        assert_eq!(m.body, "why");

        let m = parse_message("Fix: Typo");
        assert_eq!(m.kind.as_deref(), Some("fix"));
        assert!(!m.breaking);

        for other in [
            "Merge branch 'x'",
            "feat:no space",
            "feat(): empty scope",
            "2fa: not a type",
            "feat: ",
            "WIP",
        ] {
            let m = parse_message(other);
            assert_eq!(m.kind, None, "{other}");
            assert_eq!(m.description, other.trim());
        }
    }

    #[test]
    fn the_subject_is_the_first_paragraph_on_one_line() {
        let m = parse_message("\nfix: a long\n  subject line\n\nbody 1\n\nbody 2\n");
        assert_eq!(m.subject, "fix: a long subject line");
        assert_eq!(m.description, "a long subject line");
        assert_eq!(m.body, "body 1\n\nbody 2");
    }

    #[test]
    fn a_breaking_change_footer_makes_a_commit_breaking() {
        let m = parse_message(
            "refactor: store\n\nDetails.\n\nBREAKING CHANGE: the config key\n moved.\nReviewed-by: x\n\nmore",
        );
        assert!(m.breaking);
        assert_eq!(
            m.breaking_note.as_deref(),
            Some("the config key moved. Reviewed-by: x")
        );
        assert!(parse_message("chore: x\n\nBREAKING-CHANGE: y").breaking);
        assert!(!parse_message("chore: x\n\nnot a BREAKING CHANGE: y").breaking);
    }

    #[test]
    fn log_lists_the_range_without_merges() {
        assert_eq!(
            log_args(Some("aaa"), "bbb")[7..],
            ["aaa..bbb".to_string(), "--".to_string()]
        );
        assert!(log_args(None, "bbb").contains(&"--no-merges".to_string()));
    }
}
