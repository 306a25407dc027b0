//! Opening a release: its tracking issue (and each subject's), found again by its
//! marker when it exists, and the `opened` entry that declares the release.

use super::TrackError;
use super::event::{Declaration, Event, PhaseDecl, SubjectDecl};
use super::record::Record;
use super::render;
use super::tracking::{Tracked, append, oldest_with, record_comments, settle, writers_of};
use crate::Result;
use crate::forge::{Forge, Issue, IssueDraft};

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
    /// A duplicate this run opened and closed again, having lost the race to another.
    pub closed_duplicate: Option<u64>,
    pub dry_run: bool,
}

/// Opens the tracking issue of a release, or finds it again by its marker; with
/// `subject_issues`, the same for each subject. Idempotent: a second run finds
/// everything and, when the declaration is the same, writes nothing.
pub async fn open(forge: &dyn Forge, request: &OpenRequest) -> Result<OpenReport> {
    let labelled = forge
        .issues_with_label(&request.repo, &request.label)
        .await?;
    let Some(release_issue) = release_issue(forge, request, &labelled).await? else {
        // A dry run that would create the issue: nothing more to look at.
        return Ok(OpenReport {
            action: OpenAction::Created,
            issue: None,
            subjects: request
                .declaration
                .subjects
                .iter()
                .map(|s| (s.name.clone(), None))
                .collect(),
            closed_duplicate: None,
            dry_run: true,
        });
    };
    let main = release_issue.issue;
    let comments = forge.issue_comments(&request.repo, main.number).await?;
    let writers = writers_of(&main, &request.writers);
    let record = Record::fold(&record_comments(&comments), &writers);
    check_phases(&record, &request.declaration.phases)?;
    let subjects = subject_issues(forge, request, &labelled, &record, main.number).await?;
    let mut declaration = request.declaration.clone();
    declaration.subjects = subjects;
    let unchanged = record.is_opened()
        && record.subjects == declaration.subjects
        && record.declared_steps() == declaration.steps.as_slice();
    let report = OpenReport {
        action: release_issue.action,
        issue: Some(main.clone()),
        subjects: declaration
            .subjects
            .iter()
            .map(|s| (s.name.clone(), s.issue))
            .collect(),
        closed_duplicate: release_issue.closed_duplicate,
        dry_run: request.dry_run,
    };
    if request.dry_run {
        return Ok(report);
    }
    let tracked = Tracked {
        repo: request.repo.clone(),
        issue: main,
        comments,
        writers,
        record,
    };
    if unchanged {
        // A run that lost its render to a crash renders now; else this writes nothing.
        settle(forge, &tracked).await?;
    } else {
        let headline = opened_headline(&declaration);
        append(forge, &tracked, &Event::Opened(declaration), &headline).await?;
    }
    Ok(report)
}

/// The release's issue, found or made by this run.
struct ReleaseIssue {
    issue: Issue,
    action: OpenAction,
    closed_duplicate: Option<u64>,
}

/// The release's issue among `labelled`, else a new one; none in a dry run that would
/// make it.
async fn release_issue(
    forge: &dyn Forge,
    request: &OpenRequest,
    labelled: &[Issue],
) -> Result<Option<ReleaseIssue>> {
    let release = &request.declaration.release;
    let marker = render::marker(release, None);
    if let Some(issue) = oldest_with(labelled.to_vec(), &marker) {
        return Ok(Some(ReleaseIssue {
            issue,
            action: OpenAction::Found,
            closed_duplicate: None,
        }));
    }
    if request.dry_run {
        return Ok(None);
    }
    let title = request
        .title
        .clone()
        .unwrap_or_else(|| format!("Release {release}"));
    let body = format!("{marker}\nOpening release {release}…\n");
    let labels = vec![request.label.clone()];
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
                    &format!(
                        "Duplicate of #{}: another job opened release {release} at the same time.",
                        winner.number
                    ),
                )
                .await?;
            forge.close_issue(&request.repo, created.number).await?;
            Ok(Some(ReleaseIssue {
                issue: winner,
                action: OpenAction::Found,
                closed_duplicate: Some(created.number),
            }))
        }
        _ => Ok(Some(ReleaseIssue {
            issue: created,
            action: OpenAction::Created,
            closed_duplicate: None,
        })),
    }
}

/// A release keeps the phases it was opened with: their sign-offs may have begun.
fn check_phases(record: &Record, declared: &[PhaseDecl]) -> Result<()> {
    if !record.is_opened() || record.phases == declared {
        return Ok(());
    }
    Err(TrackError::PhasesChanged {
        recorded: phase_names(&record.phases),
        declared: phase_names(declared),
    }
    .into())
}

/// `ship (2 of qa, 1 of ops), announce`, or `(none)`.
fn phase_names(phases: &[PhaseDecl]) -> String {
    if phases.is_empty() {
        return "(none)".to_string();
    }
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

/// The subjects the record holds and those the request adds; with `subject_issues`,
/// each with its own issue, found by its marker or made.
async fn subject_issues(
    forge: &dyn Forge,
    request: &OpenRequest,
    labelled: &[Issue],
    record: &Record,
    release_number: u64,
) -> Result<Vec<SubjectDecl>> {
    let release = &request.declaration.release;
    let mut subjects: Vec<SubjectDecl> = record.subjects.clone();
    for subject in &request.declaration.subjects {
        if !subjects.iter().any(|s| s.name == subject.name) {
            subjects.push(subject.clone());
        }
    }
    if !request.subject_issues {
        return Ok(subjects);
    }
    let labels = vec![request.label.clone()];
    for subject in subjects.iter_mut().filter(|s| s.issue.is_none()) {
        let marker = render::marker(release, Some(&subject.name));
        if let Some(found) = oldest_with(labelled.to_vec(), &marker) {
            subject.issue = Some(found.number);
            continue;
        }
        if request.dry_run {
            continue;
        }
        let title = format!("{} (release {release})", subject.name);
        let body = format!("{marker}\nPart of release {release}: #{release_number}\n");
        let issue = forge
            .create_issue(
                &request.repo,
                &IssueDraft {
                    title: &title,
                    body: &body,
                    labels: &labels,
                },
            )
            .await?;
        subject.issue = Some(issue.number);
    }
    Ok(subjects)
}

/// The headline of an `opened` entry: the release and its subjects.
fn opened_headline(declaration: &Declaration) -> String {
    let subjects = if declaration.subjects.is_empty() {
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
    };
    format!(
        "📋 Release **{}** opened{subjects}",
        crate::ci::summary::escape_inline(&declaration.release)
    )
}
