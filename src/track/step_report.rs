//! `record`: a step's report (its state, the checkpoints it reached, its links) added
//! to the record, and the failure comment people see: made once when the step fails,
//! updated when it fails again, and updated to say so when a re-run succeeds.

use super::TrackError;
use super::event::{Event, StepState, StepUpdate};
use super::names::{self, NameKind};
use super::record::StepStatus;
use super::tracking::{self, Tracked};
use crate::Result;
use crate::ci::summary::{code, escape_inline};
use crate::forge::{Forge, IssueComment};
use std::collections::BTreeMap;

/// What `record` is asked.
#[derive(Debug, Clone, Default)]
pub struct StepReport {
    pub step: String,
    /// `None` for a step of the whole release.
    pub subject: Option<String>,
    pub state: Option<StepState>,
    pub checkpoints: Vec<(String, String)>,
    pub links: Vec<(String, String)>,
    /// The CI job that reports (default: this job's page).
    pub job: Option<String>,
    pub message: Option<String>,
    /// How to run the step again, for the failure comment.
    pub rerun: Option<String>,
    pub dry_run: bool,
}

/// What the failure comment became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureNote {
    Created,
    Updated,
    /// A re-run succeeded: the comment now says so.
    Resolved,
}

impl FailureNote {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureNote::Created => "created",
            FailureNote::Updated => "updated",
            FailureNote::Resolved => "resolved",
        }
    }
}

/// What `record` did.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The step after the report (in a dry run: as it would be).
    pub status: StepStatus,
    /// The comment holding the entry (none in a dry run).
    pub entry: Option<IssueComment>,
    pub failure: Option<(FailureNote, IssueComment)>,
    pub dry_run: bool,
}

const MAX_VALUE: usize = 1000;

/// A value the record keeps: one line, no control characters.
fn check_value(flag: &'static str, name: &str, value: &str) -> Result<String, TrackError> {
    let value = value.trim();
    if value.is_empty() || value.len() > MAX_VALUE || value.chars().any(char::is_control) {
        return Err(TrackError::BadValue {
            flag,
            name: name.to_string(),
            why: format!("the value must be one line of at most {MAX_VALUE} characters"),
        });
    }
    Ok(value.to_string())
}

/// `NAME=VALUE` pairs of a repeatable flag.
pub fn pairs(flag: &'static str, values: &[String]) -> Result<Vec<(String, String)>, TrackError> {
    values
        .iter()
        .map(|v| {
            v.split_once('=')
                .filter(|(k, _)| !k.trim().is_empty())
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| TrackError::BadPair {
                    flag,
                    value: v.clone(),
                })
        })
        .collect()
}

/// An http(s) URL that a table link may point at.
pub fn check_url(flag: &'static str, name: &str, url: &str) -> Result<String, TrackError> {
    let url = check_value(flag, name, url)?;
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.contains(char::is_whitespace) || url.contains(['<', '>', '"', '`']) {
        return Err(TrackError::BadValue {
            flag,
            name: name.to_string(),
            why: format!("`{url}` is not an http(s) URL"),
        });
    }
    Ok(url)
}

/// The update the report adds, checked against what the release declares.
pub fn update_of(tracked: &Tracked, report: &StepReport) -> Result<StepUpdate, TrackError> {
    let record = &tracked.record;
    if let Some(abandoned) = &record.abandoned {
        return Err(TrackError::Abandoned(super::phase::abandoned_message(
            &abandoned.by,
            &abandoned.reason,
        )));
    }
    let step = names::check(&report.step, NameKind::Step).map_err(TrackError::BadName)?;
    let declared = record.declared_steps();
    let decl = match declared.iter().find(|s| s.name == step) {
        Some(decl) => Some(decl),
        None if declared.is_empty() => None,
        None => {
            return Err(TrackError::UnknownStep {
                step,
                declared: declared
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    };
    let subjects: Vec<&str> = record.subjects.iter().map(|s| s.name.as_str()).collect();
    let once = decl.is_some_and(|d| d.once);
    let subject = match (&report.subject, once) {
        (Some(_), true) => return Err(TrackError::OnceStepWithSubject { step }),
        (None, false) if !subjects.is_empty() && decl.is_some() => {
            return Err(TrackError::SubjectNeeded {
                step,
                declared: subjects.join(", "),
            });
        }
        (None, _) => String::new(),
        (Some(subject), false) => {
            let subject = names::check(subject, NameKind::Subject).map_err(TrackError::BadName)?;
            if !subjects.is_empty() && !subjects.contains(&subject.as_str()) {
                return Err(TrackError::UnknownSubject {
                    subject,
                    declared: subjects.join(", "),
                });
            }
            subject
        }
    };
    let mut checkpoints = BTreeMap::new();
    for (name, value) in &report.checkpoints {
        let name = names::check(name, NameKind::Checkpoint).map_err(TrackError::BadName)?;
        if let Some(decl) = decl.filter(|d| !d.checkpoints.is_empty())
            && !decl.checkpoints.contains(&name)
        {
            return Err(TrackError::UnknownCheckpoint {
                step,
                checkpoint: name,
                declared: decl.checkpoints.join(", "),
            });
        }
        let value = check_value("checkpoint", &name, value)?;
        checkpoints.insert(name, value);
    }
    let mut links = BTreeMap::new();
    for (kind, url) in &report.links {
        let kind = names::check(kind, NameKind::Checkpoint).map_err(TrackError::BadName)?;
        let url = check_url("link", &kind, url)?;
        links.insert(kind, url);
    }
    let job = report
        .job
        .as_deref()
        .map(|j| check_url("job-url", "job", j))
        .transpose()?;
    let one_line = |text: &Option<String>| {
        text.as_ref()
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|t| !t.is_empty())
    };
    Ok(StepUpdate {
        step,
        subject,
        state: report.state.unwrap_or(StepState::Running),
        checkpoints,
        links,
        job,
        message: one_line(&report.message),
        rerun: one_line(&report.rerun),
    })
}

/// The line people read for an entry.
pub fn headline(update: &StepUpdate) -> String {
    let symbol = match update.state {
        StepState::Running => "🏃",
        StepState::Done => "✅",
        StepState::Failed => "❌",
        StepState::Skipped => "⏭️",
    };
    let mut line = format!("{symbol} {}", code(&update.step));
    if !update.subject.is_empty() {
        line.push_str(&format!(" · {}", escape_inline(&update.subject)));
    }
    line.push_str(&format!(": {}", update.state.as_str()));
    for (name, value) in &update.checkpoints {
        line.push_str(&format!(" · {} = {}", code(name), code(value)));
    }
    if let Some(message) = &update.message {
        line.push_str(&format!(" — {}", escape_inline(message)));
    }
    line
}

/// Adds the report to the record and keeps the failure comment in step.
pub async fn record(forge: &dyn Forge, tracked: &Tracked, report: &StepReport) -> Result<Recorded> {
    let update = update_of(tracked, report)?;
    if report.dry_run {
        let mut comments = tracked.record_comments();
        comments.push(super::record::RecordComment {
            id: u64::MAX,
            author: tracked.issue.author.clone(),
            author_id: None,
            created_at: None,
            body: Event::Step(update.clone()).to_comment(""),
        });
        let after = super::record::Record::fold(&comments, &tracked.writers);
        return Ok(Recorded {
            status: after.status(&update.step, &update.subject),
            entry: None,
            failure: None,
            dry_run: true,
        });
    }
    let appended = tracking::append(
        forge,
        tracked,
        &Event::Step(update.clone()),
        &headline(&update),
    )
    .await?;
    let after = &appended.tracked;
    if let Err(ignored) = after.record.outcome(appended.comment.id) {
        return Err(match &after.record.abandoned {
            Some(a) => TrackError::Abandoned(super::phase::abandoned_message(&a.by, &a.reason)),
            None => TrackError::Superseded(format!(
                "the report did not count: {}",
                ignored.map_or("unknown reason", |i| i.reason.as_str())
            )),
        }
        .into());
    }
    let status = after.record.status(&update.step, &update.subject);
    let failure = failure_note(forge, after, &update, &status).await?;
    Ok(Recorded {
        status,
        entry: Some(appended.comment),
        failure,
        dry_run: false,
    })
}

/// The marker of a step's failure comment.
fn failure_marker(step: &str, subject: &str) -> String {
    let of = if subject.is_empty() {
        "release"
    } else {
        subject
    };
    crate::comment::marker_line(&format!("track-failure/{step}/{of}"))
}

async fn failure_note(
    forge: &dyn Forge,
    tracked: &Tracked,
    update: &StepUpdate,
    status: &StepStatus,
) -> Result<Option<(FailureNote, IssueComment)>> {
    let marker = failure_marker(&update.step, &update.subject);
    let existing = tracked.comments.iter().find(|c| {
        tracked
            .writers
            .iter()
            .any(|w| w.eq_ignore_ascii_case(&c.author))
            && c.body.lines().any(|l| l.trim() == marker)
    });
    let (action, body) = match (update.state, existing) {
        (StepState::Failed, None) => (FailureNote::Created, failure_text(update, status, &marker)),
        (StepState::Failed, Some(_)) => {
            (FailureNote::Updated, failure_text(update, status, &marker))
        }
        (StepState::Done | StepState::Skipped, Some(_)) => (
            FailureNote::Resolved,
            resolved_text(update, status, &marker),
        ),
        _ => return Ok(None),
    };
    let number = tracked.issue.number;
    let comment = match existing {
        Some(found) if found.body.trim_end() == body.trim_end() => found.clone(),
        Some(found) => {
            forge
                .update_issue_comment(&tracked.repo, number, found.id, &body)
                .await?
        }
        None => {
            forge
                .create_issue_comment(&tracked.repo, number, &body)
                .await?
        }
    };
    Ok(Some((action, comment)))
}

fn subject_words(update: &StepUpdate) -> String {
    if update.subject.is_empty() {
        String::new()
    } else {
        format!(" of **{}**", escape_inline(&update.subject))
    }
}

fn failure_text(update: &StepUpdate, status: &StepStatus, marker: &str) -> String {
    let mut text = format!(
        "❌ **{}**{} failed{}\n\n",
        code(&update.step),
        subject_words(update),
        update
            .message
            .as_ref()
            .map(|m| format!(": {}", escape_inline(m)))
            .unwrap_or_default()
    );
    if let Some(job) = &status.cell.job {
        text.push_str(&format!("- Job: {job}\n"));
    }
    match &status.resume_from {
        Some(at) => {
            let value = status
                .checkpoints
                .iter()
                .find(|(n, _)| n == at)
                .and_then(|(_, v)| v.clone())
                .unwrap_or_default();
            text.push_str(&format!(
                "- A re-run resumes from checkpoint {} = {}: the record keeps it, nothing to copy.\n",
                code(at),
                code(&value)
            ));
        }
        None => text.push_str("- A re-run starts from the beginning: no checkpoint was reached.\n"),
    }
    if let Some(rerun) = &update.rerun {
        text.push_str(&format!("- To re-run: {}\n", code(rerun)));
    }
    text.push_str(&format!(
        "\nThis comment is updated when the step runs again.\n\n{marker}\n"
    ));
    text
}

fn resolved_text(update: &StepUpdate, status: &StepStatus, marker: &str) -> String {
    let mut text = format!(
        "✅ **{}**{} is {} now, after a re-run.\n\n",
        code(&update.step),
        subject_words(update),
        update.state.as_str()
    );
    if let Some(job) = &status.cell.job {
        text.push_str(&format!("- Job: {job}\n"));
    }
    text.push_str(&format!("\n{marker}\n"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track::event::Event;
    use crate::track::record::tests::{Log, declaration};

    fn tracked(log: &Log) -> Tracked {
        Tracked {
            repo: "acme/go".into(),
            issue: crate::forge::Issue {
                number: 1,
                title: "Release".into(),
                body: String::new(),
                author: "bot".into(),
                url: "https://github.com/acme/go/issues/1".into(),
                open: true,
                labels: vec![],
            },
            comments: vec![],
            writers: vec!["bot".into()],
            record: log.fold(),
        }
    }

    fn report(step: &str, subject: Option<&str>) -> StepReport {
        StepReport {
            step: step.into(),
            subject: subject.map(str::to_string),
            state: Some(StepState::Done),
            ..StepReport::default()
        }
    }

    #[test]
    fn a_report_must_fit_the_declared_release() {
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        let t = tracked(&log);
        let err = |r: StepReport| update_of(&t, &r).unwrap_err().to_string();
        assert_eq!(
            err(report("biuld", Some("1.18.0-1"))),
            "the release does not declare step `biuld` (its steps: build, announce)"
        );
        assert_eq!(
            err(report("build", None)),
            "step `build` runs for each subject: pass --subject (one of 1.17.8-1, 1.17.8-1-fips, 1.18.0-1)"
        );
        assert_eq!(
            err(report("announce", Some("1.18.0-1"))),
            "step `announce` runs once for the whole release: leave out --subject"
        );
        assert_eq!(
            err(report("build", Some("1.19.0-1"))),
            "the release has no subject `1.19.0-1` (its subjects: 1.17.8-1, 1.17.8-1-fips, 1.18.0-1)"
        );
        let mut r = report("build", Some("1.18.0-1"));
        r.checkpoints = vec![("sha".into(), "x".into())];
        assert_eq!(
            err(r),
            "step `build` declares no checkpoint `sha` (its checkpoints: pr, merge-commit, build, images-pr)"
        );
        let mut r = report("build", Some("1.18.0-1"));
        r.links = vec![("pr".into(), "javascript:alert(1)".into())];
        assert_eq!(
            err(r),
            "--link `pr`: `javascript:alert(1)` is not an http(s) URL"
        );
        let mut r = report("build", Some("1.18.0-1"));
        r.checkpoints = vec![("pr".into(), "12\n13".into())];
        assert_eq!(
            err(r),
            "--checkpoint `pr`: the value must be one line of at most 1000 characters"
        );
        assert!(update_of(&t, &report("announce", None)).is_ok());
    }

    #[test]
    fn the_failure_comment_names_the_checkpoint_a_rerun_resumes_from() {
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        let t = tracked(&log);
        let mut r = report("build", Some("1.18.0-1"));
        r.state = Some(StepState::Failed);
        r.checkpoints = vec![("pr".into(), "13".into())];
        r.message = Some("timed out after 2h\nwaiting".into());
        r.job = Some("https://github.com/acme/go/actions/runs/9".into());
        r.rerun = Some("gh run rerun 9 --failed --repo acme/go".into());
        let update = update_of(&t, &r).unwrap();
        let mut log2 = log;
        log2.add(Event::Step(update.clone()));
        let status = log2.fold().status("build", "1.18.0-1");
        let marker = failure_marker("build", "1.18.0-1");
        assert_eq!(
            failure_text(&update, &status, &marker),
            "❌ **`build`** of **1.18.0-1** failed: timed out after 2h waiting\n\n\
             - Job: https://github.com/acme/go/actions/runs/9\n\
             - A re-run resumes from checkpoint `pr` = `13`: the record keeps it, nothing to copy.\n\
             - To re-run: `gh run rerun 9 --failed --repo acme/go`\n\n\
             This comment is updated when the step runs again.\n\n\
             <!-- release-relay:track-failure/build/1.18.0-1 -->\n"
        );
        assert_eq!(
            headline(&update),
            "❌ `build` · 1.18.0-1: failed · `pr` = `13` — timed out after 2h waiting"
        );
    }

    #[test]
    fn nothing_is_recorded_for_an_abandoned_release() {
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        log.add(Event::Abandoned(crate::track::event::Abandonment {
            by: Some("alice".into()),
            reason: None,
        }));
        assert_eq!(
            update_of(&tracked(&log), &report("announce", None))
                .unwrap_err()
                .to_string(),
            "the release was abandoned by alice; nothing more runs for it"
        );
    }
}
