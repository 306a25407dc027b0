//! comment-on-issue: one comment on a tracking issue (a toolchain release announces
//! itself on its tracking issue; an auto-update can point at its change request).
//!
//! With a `--marker`, the comment carries an invisible HTML comment naming it, and a
//! re-run finds it and updates it in place (or leaves it when the text is the same)
//! instead of posting a second one — a retried release job comments once.

use crate::ci::Platform;
use crate::ci::context::TokenKind;
use crate::forge::{Forge, IssueComment};
use crate::{Error, Result};

/// Errors of comment-on-issue's input.
#[derive(Debug, thiserror::Error)]
pub enum CommentError {
    #[error("the comment is empty: pass --body or --body-file with some text")]
    EmptyBody,
    #[error("--marker `{0}` must be one line of letters, digits, `-`, `_`, `.` or `/`")]
    BadMarker(String),
    #[error(
        "CI_JOB_TOKEN cannot comment on issues: create a project access token with the `api` \
         scope (role Reporter or more) and pass it as GITLAB_TOKEN or --token"
    )]
    JobToken,
}

impl crate::Problem for CommentError {
    fn is_bad_input(&self) -> bool {
        true
    }

    fn location(&self) -> Option<&crate::Location> {
        None
    }
}

/// What comment-on-issue is asked.
#[derive(Debug, Clone)]
pub struct CommentRequest {
    pub repo: String,
    pub issue: u64,
    pub body: String,
    /// Names the comment so a re-run updates it instead of adding another.
    pub marker: Option<String>,
    pub dry_run: bool,
    pub platform: Platform,
    pub token_kind: TokenKind,
}

/// What comment-on-issue did (or, in a dry run, would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentAction {
    Created,
    Updated,
    Unchanged,
}

impl CommentAction {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentAction::Created => "created",
            CommentAction::Updated => "updated",
            CommentAction::Unchanged => "unchanged",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CommentReport {
    pub action: CommentAction,
    pub dry_run: bool,
    pub issue: u64,
    /// The comment after the run (none in a dry run that would create it).
    pub comment: Option<IssueComment>,
}

/// The invisible line that names a comment.
pub fn marker_line(marker: &str) -> String {
    format!("<!-- release-relay:{marker} -->")
}

fn validate(request: &CommentRequest) -> Result<(), CommentError> {
    if request.body.trim().is_empty() {
        return Err(CommentError::EmptyBody);
    }
    if let Some(marker) = &request.marker
        && (marker.is_empty()
            || !marker
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)))
    {
        return Err(CommentError::BadMarker(marker.clone()));
    }
    if request.platform == Platform::GitLab && request.token_kind == TokenKind::JobToken {
        return Err(CommentError::JobToken);
    }
    Ok(())
}

/// Comments on the issue, or updates the comment the marker names.
pub async fn comment_on_issue(
    request: &CommentRequest,
    forge: &dyn Forge,
) -> Result<CommentReport> {
    validate(request).map_err(Error::from)?;
    let body = match &request.marker {
        Some(marker) => format!("{}\n\n{}", request.body.trim_end(), marker_line(marker)),
        None => request.body.trim_end().to_string(),
    };
    let existing = match &request.marker {
        Some(marker) => {
            let line = marker_line(marker);
            forge
                .issue_comments(&request.repo, request.issue)
                .await?
                .into_iter()
                .find(|c| c.body.lines().any(|l| l.trim() == line))
        }
        None => None,
    };
    let mut report = CommentReport {
        action: CommentAction::Unchanged,
        dry_run: request.dry_run,
        issue: request.issue,
        comment: existing.clone(),
    };
    match existing {
        Some(found) if found.body.trim_end() == body => {}
        Some(found) => {
            report.action = CommentAction::Updated;
            if !request.dry_run {
                report.comment = Some(
                    forge
                        .update_issue_comment(&request.repo, request.issue, found.id, &body)
                        .await?,
                );
            }
        }
        None => {
            report.action = CommentAction::Created;
            if !request.dry_run {
                report.comment = Some(
                    forge
                        .create_issue_comment(&request.repo, request.issue, &body)
                        .await?,
                );
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: &str, marker: Option<&str>) -> CommentRequest {
        CommentRequest {
            repo: "a/b".into(),
            issue: 1,
            body: body.into(),
            marker: marker.map(str::to_string),
            dry_run: false,
            platform: Platform::GitHub,
            token_kind: TokenKind::Bearer,
        }
    }

    #[test]
    fn inputs_are_checked_before_any_call() {
        assert_eq!(
            validate(&request(" \n", None)).unwrap_err().to_string(),
            "the comment is empty: pass --body or --body-file with some text"
        );
        assert_eq!(
            validate(&request("x", Some("a -->")))
                .unwrap_err()
                .to_string(),
            "--marker `a -->` must be one line of letters, digits, `-`, `_`, `.` or `/`"
        );
        assert!(validate(&request("x", Some("release/1.2.0"))).is_ok());
    }
}
