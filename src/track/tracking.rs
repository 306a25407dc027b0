//! A tracking issue on the forge: read its record, add an entry, render the bodies.
//!
//! Adding an entry is one new comment. Then the writer renders the bodies from every
//! entry it reads and checks again: when newer comments arrived meanwhile it renders
//! once more. The last body written is therefore always rendered from every entry made
//! before it — whichever job writes last has read all the others' entries.

use super::TrackError;
use super::event::Event;
use super::record::{Record, RecordComment};
use super::render;
use crate::Result;
use crate::forge::{Forge, Issue, IssueComment};

/// How often a writer renders again when other jobs keep recording meanwhile.
const SETTLE_ROUNDS: usize = 12;

/// A tracking issue and the release it holds.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub repo: String,
    pub issue: Issue,
    pub comments: Vec<IssueComment>,
    /// The accounts whose entries count: the issue's author and the configured ones.
    pub writers: Vec<String>,
    pub record: Record,
}

impl Tracked {
    /// The comments as the fold reads them.
    pub fn record_comments(&self) -> Vec<RecordComment> {
        record_comments(&self.comments)
    }

    /// `#12`, as people write the issue.
    pub fn reference(&self) -> String {
        format!("#{}", self.issue.number)
    }
}

pub fn record_comments(comments: &[IssueComment]) -> Vec<RecordComment> {
    comments
        .iter()
        .map(|c| RecordComment {
            id: c.id,
            author: c.author.clone(),
            author_id: c.author_id,
            created_at: c.created_at.clone(),
            body: c.body.clone(),
        })
        .collect()
}

pub(super) fn writers_of(issue: &Issue, extra: &[String]) -> Vec<String> {
    let mut writers = vec![issue.author.clone()];
    for w in extra {
        if !writers.iter().any(|k| k.eq_ignore_ascii_case(w)) {
            writers.push(w.clone());
        }
    }
    writers
}

/// Reads tracking issue `number` of `repo` and folds its record.
pub async fn load(
    forge: &dyn Forge,
    repo: &str,
    number: u64,
    writers: &[String],
) -> Result<Tracked> {
    let issue = forge.issue(repo, number).await?;
    let comments = forge.issue_comments(repo, number).await?;
    let writers = writers_of(&issue, writers);
    let record = Record::fold(&record_comments(&comments), &writers);
    if !record.is_opened() {
        return Err(TrackError::NotTracking {
            repo: repo.to_string(),
            issue: number,
            author: issue.author.clone(),
        }
        .into());
    }
    Ok(Tracked {
        repo: repo.to_string(),
        issue,
        comments,
        writers,
        record,
    })
}

/// The tracking issue of `release` among the issues labelled `label`: the oldest one
/// that carries its marker (a duplicate made by a concurrent `open` is younger).
pub async fn find(
    forge: &dyn Forge,
    repo: &str,
    release: &str,
    label: &str,
) -> Result<Option<Issue>> {
    let marker = render::marker(release, None);
    Ok(oldest_with(
        forge.issues_with_label(repo, label).await?,
        &marker,
    ))
}

pub(super) fn oldest_with(issues: Vec<Issue>, marker: &str) -> Option<Issue> {
    issues
        .into_iter()
        .filter(|i| render::has_marker(&i.body, marker))
        .min_by_key(|i| i.number)
}

/// What adding an entry did.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The comment that holds the entry.
    pub comment: IssueComment,
    /// The record after it, as last read.
    pub tracked: Tracked,
}

/// Adds `event` to the record of `tracked` as a new comment, then renders the bodies.
pub async fn append(
    forge: &dyn Forge,
    tracked: &Tracked,
    event: &Event,
    headline: &str,
) -> Result<Appended> {
    let comment = forge
        .create_issue_comment(
            &tracked.repo,
            tracked.issue.number,
            &event.to_comment(headline),
        )
        .await?;
    let tracked = settle(forge, tracked).await?;
    Ok(Appended { comment, tracked })
}

/// Renders the release's body and its subjects' bodies from the record until a look
/// after the last write finds no newer comment. Returns the record last read.
pub async fn settle(forge: &dyn Forge, tracked: &Tracked) -> Result<Tracked> {
    let mut current = tracked.clone();
    let mut comments = forge
        .issue_comments(&tracked.repo, tracked.issue.number)
        .await?;
    for _ in 0..SETTLE_ROUNDS {
        current.record = Record::fold(&record_comments(&comments), &current.writers);
        current.comments = comments;
        for (number, body) in bodies(&current) {
            let issue = forge.issue(&current.repo, number).await?;
            if issue.body != body {
                forge
                    .update_issue_body(&current.repo, number, &body)
                    .await?;
            }
            if number == current.issue.number {
                current.issue = Issue { body, ..issue };
            }
        }
        let after = forge
            .issue_comments(&current.repo, current.issue.number)
            .await?;
        let newest = |c: &[IssueComment]| c.iter().map(|c| c.id).max();
        if newest(&after) == newest(&current.comments) {
            return Ok(current);
        }
        comments = after;
    }
    Err(TrackError::Unsettled(SETTLE_ROUNDS).into())
}

/// Every body the record renders: the release's issue and each subject's own.
fn bodies(tracked: &Tracked) -> Vec<(u64, String)> {
    let record = &tracked.record;
    let mut out = vec![(tracked.issue.number, render::release_body(record))];
    for subject in &record.subjects {
        if let Some(number) = subject.issue {
            out.push((
                number,
                render::subject_body(record, &subject.name, tracked.issue.number),
            ));
        }
    }
    out
}
