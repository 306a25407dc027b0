//! A tracking issue on the forge: read its record, add an entry, render the bodies,
//! and open (or find again) the issues of a release.
//!
//! Adding an entry is one new comment. Then the writer renders the bodies from every
//! entry it reads and checks again: when newer comments arrived meanwhile it renders
//! once more. The last body written is therefore always rendered from every entry made
//! before it — whichever job writes last has read all the others' entries.

use super::TrackError;
use super::event::{Declaration, Event, SubjectDecl};
use super::record::{Record, RecordComment};
use super::render;
use crate::Result;
use crate::forge::{Forge, Issue, IssueComment, IssueDraft};

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

fn writers_of(issue: &Issue, extra: &[String]) -> Vec<String> {
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

fn oldest_with(issues: Vec<Issue>, marker: &str) -> Option<Issue> {
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
    /// Bodies this writer rewrote.
    pub rendered: Vec<u64>,
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
    let (tracked, rendered) = settle(forge, tracked).await?;
    Ok(Appended {
        comment,
        tracked,
        rendered,
    })
}

/// Renders the release's body and its subjects' bodies from the record until a look
/// after the last write finds no newer comment. Returns the record last read and the
/// issues whose bodies this run rewrote.
pub async fn settle(forge: &dyn Forge, tracked: &Tracked) -> Result<(Tracked, Vec<u64>)> {
    let mut current = tracked.clone();
    let mut rendered = Vec::new();
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
                if !rendered.contains(&number) {
                    rendered.push(number);
                }
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
            return Ok((current, rendered));
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

/// What `open` is asked.
#[derive(Debug, Clone)]
pub struct OpenRequest {
    pub repo: String,
    /// The release as relay.toml declares it, with the subjects of the command line.
    pub declaration: Declaration,
    /// One issue per subject besides the release's.
    pub subject_issues: bool,
    pub title: Option<String>,
    pub label: String,
    pub writers: Vec<String>,
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenAction {
    Created,
    Found,
}

impl OpenAction {
    pub fn as_str(self) -> &'static str {
        match self {
            OpenAction::Created => "created",
            OpenAction::Found => "found",
        }
    }
}

/// What `open` did (or would do).
#[derive(Debug, Clone)]
pub struct OpenReport {
    pub action: OpenAction,
    /// The release's issue; none in a dry run that would create it.
    pub issue: Option<Issue>,
    /// Each subject and its issue, when it has one.
    pub subjects: Vec<(String, Option<u64>)>,
    /// Subject issues made by this run.
    pub created_subjects: Vec<String>,
    /// A duplicate this run opened and closed again, having lost the race to another.
    pub closed_duplicate: Option<u64>,
    /// Whether this run added an `opened` entry.
    pub declared: bool,
    pub dry_run: bool,
}

/// Opens the tracking issue of a release, or finds it again by its marker; with
/// `subject_issues`, the same for each subject. Idempotent: a second run finds
/// everything and, when the declaration is the same, writes nothing.
pub async fn open(forge: &dyn Forge, request: &OpenRequest) -> Result<OpenReport> {
    let release = &request.declaration.release;
    let labels = vec![request.label.clone()];
    let mut report = OpenReport {
        action: OpenAction::Found,
        issue: None,
        subjects: Vec::new(),
        created_subjects: Vec::new(),
        closed_duplicate: None,
        declared: false,
        dry_run: request.dry_run,
    };
    let labelled = forge
        .issues_with_label(&request.repo, &request.label)
        .await?;
    let marker = render::marker(release, None);
    let mut main = oldest_with(labelled.clone(), &marker);
    if main.is_none() {
        report.action = OpenAction::Created;
        if request.dry_run {
            report.subjects = request
                .declaration
                .subjects
                .iter()
                .map(|s| (s.name.clone(), None))
                .collect();
            return Ok(report);
        }
        let title = request
            .title
            .clone()
            .unwrap_or_else(|| format!("Release {release}"));
        let body = format!("{marker}\nOpening release {release}…\n");
        let created = forge
            .create_issue(
                &request.repo,
                &IssueDraft {
                    title: &title,
                    body: &body,
                    labels: &labels,
                },
            )
            .await?;
        // Another job may have opened the same release at the same moment: the oldest
        // issue wins and the younger one is closed.
        let now = oldest_with(
            forge
                .issues_with_label(&request.repo, &request.label)
                .await?,
            &marker,
        );
        match now {
            Some(winner) if winner.number != created.number => {
                forge
                    .create_issue_comment(
                        &request.repo,
                        created.number,
                        &format!("Duplicate of #{}: another job opened release {release} at the same time.", winner.number),
                    )
                    .await?;
                forge.close_issue(&request.repo, created.number).await?;
                report.closed_duplicate = Some(created.number);
                report.action = OpenAction::Found;
                main = Some(winner);
            }
            _ => main = Some(created),
        }
    }
    let main = main.expect("found or created");
    let comments = forge.issue_comments(&request.repo, main.number).await?;
    let writers = writers_of(&main, &request.writers);
    let record = Record::fold(&record_comments(&comments), &writers);
    if record.is_opened() && record.phases != request.declaration.phases {
        let names = |phases: &[super::event::PhaseDecl]| {
            if phases.is_empty() {
                "(none)".to_string()
            } else {
                phases
                    .iter()
                    .map(|p| {
                        let rules: Vec<String> = p
                            .signoffs
                            .iter()
                            .map(|r| format!("{} of {}", r.count, r.team))
                            .collect();
                        if rules.is_empty() {
                            p.name.clone()
                        } else {
                            format!("{} ({})", p.name, rules.join(", "))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        return Err(TrackError::PhasesChanged {
            recorded: names(&record.phases),
            declared: names(&request.declaration.phases),
        }
        .into());
    }
    // The subjects' own issues.
    let mut declaration = request.declaration.clone();
    let mut subjects: Vec<SubjectDecl> = record.subjects.clone();
    for subject in &declaration.subjects {
        if !subjects.iter().any(|s| s.name == subject.name) {
            subjects.push(subject.clone());
        }
    }
    if request.subject_issues {
        for subject in subjects.iter_mut().filter(|s| s.issue.is_none()) {
            let marker = render::marker(release, Some(&subject.name));
            if let Some(found) = oldest_with(labelled.clone(), &marker) {
                subject.issue = Some(found.number);
                continue;
            }
            if request.dry_run {
                report.created_subjects.push(subject.name.clone());
                continue;
            }
            let title = format!("{} (release {release})", subject.name);
            let body = format!("{marker}\nPart of release {release}: #{}\n", main.number);
            let created = forge
                .create_issue(
                    &request.repo,
                    &IssueDraft {
                        title: &title,
                        body: &body,
                        labels: &labels,
                    },
                )
                .await?;
            subject.issue = Some(created.number);
            report.created_subjects.push(subject.name.clone());
        }
    }
    declaration.subjects = subjects.clone();
    report.subjects = subjects.iter().map(|s| (s.name.clone(), s.issue)).collect();
    let unchanged = record.is_opened()
        && record.subjects == declaration.subjects
        && declared_steps(&record) == declaration.steps;
    let tracked = Tracked {
        repo: request.repo.clone(),
        issue: main.clone(),
        comments,
        writers,
        record,
    };
    report.issue = Some(main);
    if request.dry_run {
        report.declared = !unchanged;
        return Ok(report);
    }
    if unchanged {
        // A run that lost its render to a crash renders now; else this writes nothing.
        settle(forge, &tracked).await?;
    } else {
        let headline = format!(
            "📋 Release **{}** opened{}",
            crate::ci::summary::escape_inline(release),
            if declaration.subjects.is_empty() {
                String::new()
            } else {
                format!(
                    " for {}",
                    declaration
                        .subjects
                        .iter()
                        .map(|s| crate::ci::summary::escape_inline(&s.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
        append(forge, &tracked, &Event::Opened(declaration), &headline).await?;
        report.declared = true;
    }
    Ok(report)
}

/// The steps an `opened` entry declared (the record also lists steps only reported).
fn declared_steps(record: &Record) -> Vec<super::event::StepDecl> {
    record.declared_steps().to_vec()
}
