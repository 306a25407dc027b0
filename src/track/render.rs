//! The body of a tracking issue, rendered from the record alone, so that every writer
//! that read the same entries writes the same bytes. Values from the record are
//! escaped for Markdown; links are the http(s) URLs the entries hold.

use super::record::{CellState, PhaseState, Record};
use crate::ci::summary::{code, escape_inline, table};

/// The marker line that names the issue of a release (or of one subject of it), by
/// which `open` finds it again.
pub fn marker(release: &str, subject: Option<&str>) -> String {
    match subject {
        Some(subject) => {
            format!("<!-- release-relay:track release={release} subject={subject} -->")
        }
        None => format!("<!-- release-relay:track release={release} -->"),
    }
}

/// Whether `body` carries `marker` as a line of its own.
pub fn has_marker(body: &str, marker: &str) -> bool {
    body.lines().any(|l| l.trim() == marker)
}

fn symbol(state: CellState) -> &'static str {
    match state {
        CellState::Pending => "⌛",
        CellState::Running => "🏃",
        CellState::Done => "✅",
        CellState::Failed => "❌",
        CellState::Skipped => "⏭️",
        CellState::Cancelled => "🚫",
    }
}

/// `2026-01-15T12:03:00Z` as `2026-01-15 12:03 UTC`.
pub fn when(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()
        })
        .unwrap_or_else(|_| escape_inline(at))
}

/// A Markdown link whose URL cannot end the link early.
fn link(text: &str, url: &str) -> String {
    let url: String = url
        .chars()
        .map(|c| match c {
            ' ' => "%20".to_string(),
            '(' => "%28".into(),
            ')' => "%29".into(),
            '<' => "%3C".into(),
            '>' => "%3E".into(),
            '|' => "%7C".into(),
            c => c.to_string(),
        })
        .collect();
    format!("[{}]({url})", escape_inline(text))
}

/// One cell: the state, where it stands and its links.
fn cell(record: &Record, step: &str, subject: &str) -> String {
    let status = record.status(step, subject);
    let mut parts = vec![format!(
        "{} {}",
        symbol(status.state),
        status.state.as_str()
    )];
    if matches!(
        status.state,
        CellState::Running | CellState::Failed | CellState::Cancelled
    ) && let Some(at) = &status.resume_from
    {
        parts[0].push_str(&format!(" at {}", code(at)));
    }
    if status.state == CellState::Running
        && let Some(since) = &status.cell.since
    {
        parts[0].push_str(&format!(" since {}", when(since)));
    }
    if let Some(job) = &status.cell.job {
        parts.push(link("job", job));
    }
    for (kind, url) in &status.cell.links {
        parts.push(link(kind, url));
    }
    parts.join(" · ")
}

fn subject_label(record: &Record, subject: &str) -> String {
    match record.subject(subject).and_then(|s| s.issue) {
        Some(issue) => format!("{} (#{issue})", escape_inline(subject)),
        None => escape_inline(subject),
    }
}

/// The body of the release's tracking issue: every step × subject, the phases.
pub fn release_body(record: &Record) -> String {
    let mut out = format!("{}\n", marker(&record.release, None));
    out.push_str(&format!(
        "## Release {}\n\n",
        escape_inline(&record.release)
    ));
    if let Some(abandoned) = &record.abandoned {
        out.push_str(&format!(
            "> **Abandoned**{}{}{}. Every later step refuses to run.\n\n",
            abandoned
                .by
                .as_ref()
                .map(|b| format!(" by {}", escape_inline(b)))
                .unwrap_or_default(),
            abandoned
                .at
                .as_ref()
                .map(|a| format!(" at {}", when(a)))
                .unwrap_or_default(),
            abandoned
                .reason
                .as_ref()
                .map(|r| format!(": {}", escape_inline(r)))
                .unwrap_or_default(),
        ));
    }
    let subjects: Vec<String> = record.subjects.iter().map(|s| s.name.clone()).collect();
    let release_wide = record.steps.iter().any(|s| s.once) || subjects.is_empty();
    let mut columns: Vec<String> = Vec::new();
    if release_wide {
        columns.push(String::new());
    }
    columns.extend(subjects.iter().cloned());
    let mut header: Vec<String> = vec!["step".into()];
    header.extend(columns.iter().map(|c| {
        if c.is_empty() {
            "release".to_string()
        } else {
            subject_label(record, c)
        }
    }));
    let rows: Vec<Vec<String>> = record
        .steps
        .iter()
        .map(|step| {
            let runs_for = record.subjects_of(step);
            let mut row = vec![code(&step.name)];
            for column in &columns {
                row.push(if runs_for.contains(column) {
                    cell(record, &step.name, column)
                } else {
                    "—".into()
                });
            }
            row
        })
        .collect();
    if rows.is_empty() {
        out.push_str("No step has reported yet.\n");
    } else {
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        out.push_str(&table(&header, &rows));
    }
    if !record.phases.is_empty() {
        out.push_str("\n### Phases\n\n");
        let rows: Vec<Vec<String>> = record
            .phases
            .iter()
            .map(|phase| {
                let needs = if phase.signoffs.is_empty() {
                    "—".to_string()
                } else {
                    phase
                        .signoffs
                        .iter()
                        .map(|r| format!("{} of {}", r.count, escape_inline(&r.team)))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let state = match record.phase_state(&phase.name) {
                    Some(PhaseState::Started {
                        by, at, signoffs, ..
                    }) => {
                        let mut text = "✅ started".to_string();
                        if let Some(by) = by {
                            text.push_str(&format!(" by {}", escape_inline(by)));
                        }
                        if let Some(at) = at {
                            text.push_str(&format!(" at {}", when(at)));
                        }
                        if !signoffs.is_empty() {
                            let names: Vec<String> = signoffs
                                .iter()
                                .map(|s| {
                                    format!(
                                        "{} ({})",
                                        escape_inline(&s.user),
                                        escape_inline(&s.team)
                                    )
                                })
                                .collect();
                            text.push_str(&format!("; signed off: {}", names.join(", ")));
                        }
                        text
                    }
                    Some(PhaseState::Skipped { by_phase }) => {
                        format!("⏭️ skipped ({} started first)", code(by_phase))
                    }
                    Some(PhaseState::Cancelled) => "🚫 cancelled".into(),
                    _ if phase.signoffs.is_empty() => "⌛ not started".into(),
                    _ => format!(
                        "⌛ waiting for sign-offs: comment {}",
                        code(&format!("/signoff {}", phase.name))
                    ),
                };
                vec![code(&phase.name), state, needs]
            })
            .collect();
        out.push_str(&table(&["phase", "state", "sign-offs needed"], &rows));
    }
    out.push_str(&footer(record));
    out
}

/// The body of one subject's own issue: its column, and the way back to the release.
pub fn subject_body(record: &Record, subject: &str, release_issue: u64) -> String {
    let mut out = format!("{}\n", marker(&record.release, Some(subject)));
    out.push_str(&format!(
        "## {} of release {}\n\nThe release is tracked in #{release_issue}",
        escape_inline(subject),
        escape_inline(&record.release)
    ));
    let others: Vec<String> = record
        .subjects
        .iter()
        .filter(|s| s.name != subject)
        .map(|s| subject_label(record, &s.name))
        .collect();
    if !others.is_empty() {
        out.push_str(&format!("; with it: {}", others.join(", ")));
    }
    out.push_str(".\n\n");
    if record.abandoned.is_some() {
        out.push_str("> **Abandoned.** Every later step refuses to run.\n\n");
    }
    let rows: Vec<Vec<String>> = record
        .steps
        .iter()
        .filter(|s| !s.once)
        .map(|step| vec![code(&step.name), cell(record, &step.name, subject)])
        .collect();
    if rows.is_empty() {
        out.push_str("No step has reported yet.\n");
    } else {
        out.push_str(&table(&["step", "state"], &rows));
    }
    out.push_str(&footer(record));
    out
}

fn footer(record: &Record) -> String {
    format!(
        "\n<sub>Rendered by release-relay from {} record {} (the comments below). An edit \
         of this text is replaced at the next update.</sub>\n",
        record.entries,
        if record.entries == 1 {
            "entry"
        } else {
            "entries"
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track::event::{Abandonment, Event, PhaseStart, Signature, StepState, StepUpdate};
    use crate::track::record::tests::{Log, declaration, step};
    use std::collections::BTreeMap;

    #[test]
    fn the_body_is_a_table_of_steps_by_subject_and_the_phases() {
        let mut log = Log::default();
        let mut open = declaration();
        open.subjects[2].issue = Some(14);
        log.add(Event::Opened(open));
        log.add(step("build", "1.17.8-1", StepState::Done, &[("pr", "12")]));
        log.add(Event::Step(StepUpdate {
            step: "build".into(),
            subject: "1.18.0-1".into(),
            state: StepState::Failed,
            checkpoints: BTreeMap::from([("pr".into(), "13".into())]),
            links: BTreeMap::from([("pr".into(), "https://github.com/acme/go/pull/13".into())]),
            job: Some("https://github.com/acme/go/actions/runs/9 (retry)".into()),
            message: Some("timed out".into()),
            rerun: None,
        }));
        log.add(step("build", "1.17.8-1-fips", StepState::Running, &[]));
        log.add(Event::PhaseStarted(PhaseStart {
            phase: "push".into(),
            by: Some("alice".into()),
            signoffs: vec![Signature {
                user: "bob".into(),
                team: "acme/qa".into(),
            }],
        }));
        let body = release_body(&log.fold());
        assert_eq!(
            body,
            "<!-- release-relay:track release=2026-01-15 -->\n\
             ## Release 2026-01-15\n\n\
             | step | release | 1.17.8-1 | 1.17.8-1-fips | 1.18.0-1 (#14) |\n\
             | --- | --- | --- | --- | --- |\n\
             | `build` | — | ✅ done | 🏃 running since 2026-01-15 12:03 UTC | ❌ failed at `pr` · [job](https://github.com/acme/go/actions/runs/9%20%28retry%29) · [pr](https://github.com/acme/go/pull/13) |\n\
             | `announce` | ⌛ pending | — | — | — |\n\n\
             ### Phases\n\n\
             | phase | state | sign-offs needed |\n\
             | --- | --- | --- |\n\
             | `promote` | ⏭️ skipped (`push` started first) | — |\n\
             | `push` | ✅ started by alice at 2026-01-15 12:04 UTC; signed off: bob (acme/qa) | — |\n\
             | `ship` | ⌛ waiting for sign-offs: comment `/signoff ship` | 2 of acme/qa |\n\
             \n<sub>Rendered by release-relay from 5 record entries (the comments below). An edit \
             of this text is replaced at the next update.</sub>\n"
        );
    }

    #[test]
    fn untrusted_values_stay_inside_their_cell() {
        let mut log = Log::default();
        let mut open = declaration();
        open.phases.clear();
        log.add(Event::Opened(open));
        log.add(Event::Abandoned(Abandonment {
            by: Some("<b>eve</b>".into()),
            reason: Some("| broken\n# heading".into()),
        }));
        let body = release_body(&log.fold());
        assert!(
            body.contains("> **Abandoned** by &lt;b&gt;eve&lt;/b&gt; at 2026-01-15 12:01 UTC: \\| broken \\# heading. Every later step refuses to run.\n"),
            "{body}"
        );
        assert!(
            body.contains("| `build` | — | 🚫 cancelled | 🚫 cancelled | 🚫 cancelled |"),
            "{body}"
        );
    }

    #[test]
    fn a_subject_issue_shows_its_own_column_and_links_back() {
        let mut log = Log::default();
        let mut open = declaration();
        open.subjects[0].issue = Some(12);
        log.add(Event::Opened(open));
        log.add(step(
            "build",
            "1.18.0-1",
            StepState::Running,
            &[("pr", "13"), ("merge-commit", "abc")],
        ));
        let body = subject_body(&log.fold(), "1.18.0-1", 11);
        assert!(
            body.starts_with(
                "<!-- release-relay:track release=2026-01-15 subject=1.18.0-1 -->\n\
             ## 1.18.0-1 of release 2026-01-15\n\n\
             The release is tracked in #11; with it: 1.17.8-1 (#12), 1.17.8-1-fips.\n\n\
             | step | state |\n| --- | --- |\n\
             | `build` | 🏃 running at `merge-commit` since 2026-01-15 12:01 UTC |\n"
            ),
            "{body}"
        );
        assert!(has_marker(&body, &marker("2026-01-15", Some("1.18.0-1"))));
        assert!(!has_marker(&body, &marker("2026-01-15", None)));
    }
}
