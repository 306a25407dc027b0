//! The tags a run of tag-from-request made, read back to check them on the forge
//! (`--tags`): its shard reports, its `--json` outputs (the `tags` list), or a plain
//! list of `{repo, tag, commit}`. A release split over many jobs is verified whole
//! from what its jobs wrote.

use super::{RepoToVerify, VerifyError};
use crate::Location;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Every tag of the files (folders: every `.json` in them, sorted), in their order.
pub fn read_tag_lists(paths: &[PathBuf]) -> Result<Vec<RepoToVerify>, VerifyError> {
    let files = crate::fsio::files_named(paths, "json")
        .map_err(|(path, reason)| VerifyError::TagListUnreadable { path, reason })?;
    let mut specs = Vec::new();
    for file in files {
        specs.extend(read_tag_list(&file)?);
    }
    Ok(specs)
}

fn unreadable(path: &Path, e: std::io::Error) -> VerifyError {
    VerifyError::TagListUnreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// The tags of one file.
fn read_tag_list(path: &Path) -> Result<Vec<RepoToVerify>, VerifyError> {
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(path, e))?;
    let bad = |line: usize, column: usize, message: String| VerifyError::BadTagList {
        location: Location::new(path, line.max(1), column.max(1)),
        message,
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        let (location, cause) = Location::of_json_error(path, &e);
        VerifyError::BadTagList {
            location,
            message: format!("not JSON: {cause}"),
        }
    })?;
    // A shard report lists refs of both kinds; the outputs and plain lists, tags.
    let (entries, name_key) = match &value {
        Value::Object(report) if report.contains_key("refs") => (&report["refs"], "name"),
        Value::Object(outputs) if outputs.contains_key("tags") => (&outputs["tags"], "tag"),
        Value::Array(_) => (&value, "tag"),
        _ => {
            return Err(bad(
                1,
                1,
                "expected tag-from-request's --json outputs or --shard-report, or a list of {repo, tag, commit}".into(),
            ));
        }
    };
    let Some(entries) = entries.as_array() else {
        return Err(bad(1, 1, format!("`{name_key}`s are not a list")));
    };
    let mut specs = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        if entry.get("kind").and_then(Value::as_str) == Some("branch") {
            continue;
        }
        let field = |key: &str| {
            entry
                .get(key)
                .and_then(Value::as_str)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| bad(1, 1, format!("entry {} has no `{key}`", n + 1)))
        };
        let commit = field("commit")?;
        if !(7..=64).contains(&commit.len()) || !commit.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad(
                1,
                1,
                format!("entry {}: `commit` `{commit}` is not a commit id", n + 1),
            ));
        }
        let spec = RepoToVerify {
            repo: field("repo")?.to_string(),
            commit: Some(commit.to_ascii_lowercase()),
            tag: Some(field(name_key)?.to_string()),
        };
        // A file is data: it names repositories on the forge, never a URL to call.
        if !spec.is_forge_path() {
            return Err(bad(
                1,
                1,
                format!(
                    "entry {}: `repo` `{}` is not owner/name on the forge",
                    n + 1,
                    spec.repo
                ),
            ));
        }
        specs.push(spec);
    }
    Ok(specs)
}
