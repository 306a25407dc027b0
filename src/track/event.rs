//! The record of a release is a log of events, one comment on the tracking issue each.
//!
//! Appending a comment is the one write both forges make atomic: two jobs that record
//! at the same moment each add their own comment and neither can overwrite the other.
//! (An issue body edit cannot be made safe: GitHub's ETags on issues are weak, so
//! `If-Match` is not honoured, and GitLab has no conditional update at all.) The body
//! of the issue is only a view, rendered again from all events by every writer.
//!
//! A comment holds one line for people and the event as one line of JSON inside an
//! HTML comment, which both forges hide when they render Markdown. The JSON never holds
//! `<` or `>` (they are written `\u003c`, `\u003e`), so no value can close the HTML
//! comment early.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The prefix of the line that carries an event.
const EVENT_OPEN: &str = "<!-- release-relay:track-event ";
const EVENT_CLOSE: &str = " -->";
/// The version of the event format this code writes and reads.
pub const FORMAT: u32 = 1;

/// What a release is made of, as `open` declared it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    pub release: String,
    /// The versions or repositories the release is for: the columns of the table.
    #[serde(default)]
    pub subjects: Vec<SubjectDecl>,
    #[serde(default)]
    pub steps: Vec<StepDecl>,
    #[serde(default)]
    pub phases: Vec<PhaseDecl>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectDecl {
    pub name: String,
    /// The subject's own tracking issue, when `open` made one per subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDecl {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checkpoints: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub once: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseDecl {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signoffs: Vec<SignoffRule>,
}

/// `count` distinct members of `team` must sign off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignoffRule {
    pub team: String,
    pub count: u32,
}

/// The state a step reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum StepState {
    Running,
    Done,
    Failed,
    /// Not needed this time; a skipped step is finished, not failed.
    Skipped,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Running => "running",
            StepState::Done => "done",
            StepState::Failed => "failed",
            StepState::Skipped => "skipped",
        }
    }
}

/// One report of a step for one subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepUpdate {
    pub step: String,
    /// Empty for a step of the whole release.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subject: String,
    pub state: StepState,
    /// Checkpoints reached (`pr` → `12`, `merge-commit` → a commit id).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checkpoints: BTreeMap<String, String>,
    /// Links shown in the table (`pr`, `build`, `release` → an http(s) URL).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub links: BTreeMap<String, String>,
    /// The CI job that reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// How to run the step again (a failure comment quotes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rerun: Option<String>,
}

/// Someone signed off, as the phase's start records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub user: String,
    pub team: String,
}

/// A phase started (every sign-off it needs was there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseStart {
    pub phase: String,
    /// Who started it (the CI actor), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signoffs: Vec<Signature>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Abandonment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One entry of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Event {
    Opened(Declaration),
    Step(StepUpdate),
    PhaseStarted(PhaseStart),
    Abandoned(Abandonment),
}

#[derive(Serialize)]
struct Envelope<'a> {
    v: u32,
    #[serde(flatten)]
    event: &'a Event,
}

#[derive(Deserialize)]
struct ReadEnvelope {
    v: u32,
    #[serde(flatten)]
    event: serde_json::Value,
}

/// Why a comment that looks like an event is not read as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// Written by a newer release-relay.
    NewerFormat(u32),
    Invalid(String),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::NewerFormat(v) => write!(
                f,
                "written in record format {v}, newer than this release-relay reads ({FORMAT})"
            ),
            Unreadable::Invalid(message) => write!(f, "not a valid record entry: {message}"),
        }
    }
}

impl Event {
    /// The comment that carries the event: `headline` (Markdown, already escaped) for
    /// people, then the event.
    pub fn to_comment(&self, headline: &str) -> String {
        let json = serde_json::to_string(&Envelope {
            v: FORMAT,
            event: self,
        })
        .expect("events serialize");
        // `<` and `>` occur only inside JSON strings, where the escapes mean the same.
        let json = json.replace('<', "\\u003c").replace('>', "\\u003e");
        format!(
            "{}\n\n{EVENT_OPEN}{json}{EVENT_CLOSE}\n",
            headline.trim_end()
        )
    }

    /// The event a comment carries: `None` for a comment that is no record entry.
    pub fn from_comment(body: &str) -> Option<Result<Event, Unreadable>> {
        let line = body
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(EVENT_OPEN))?;
        let json = line
            .strip_prefix(EVENT_OPEN)
            .and_then(|l| l.strip_suffix(EVENT_CLOSE.trim_start()))
            .map(str::trim);
        let Some(json) = json else {
            return Some(Err(Unreadable::Invalid("the entry is not closed".into())));
        };
        let envelope: ReadEnvelope = match serde_json::from_str(json) {
            Ok(e) => e,
            Err(e) => return Some(Err(Unreadable::Invalid(e.to_string()))),
        };
        if envelope.v > FORMAT {
            return Some(Err(Unreadable::NewerFormat(envelope.v)));
        }
        Some(serde_json::from_value(envelope.event).map_err(|e| Unreadable::Invalid(e.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step() -> Event {
        Event::Step(StepUpdate {
            step: "build".into(),
            subject: "1.18.0-1".into(),
            state: StepState::Failed,
            checkpoints: BTreeMap::from([("pr".into(), "12".into())]),
            links: BTreeMap::from([("job".into(), "https://ci.example/1".into())]),
            job: None,
            message: Some("timed out --> <script>".into()),
            rerun: None,
        })
    }

    #[test]
    fn an_event_survives_its_comment_and_cannot_close_it_early() {
        let body = step().to_comment("**build** 1.18.0-1: failed");
        assert!(body.starts_with("**build** 1.18.0-1: failed\n\n<!-- release-relay:track-event {\"v\":1,\"kind\":\"step\""));
        let hidden = body.split("<!--").nth(1).unwrap();
        assert_eq!(hidden.matches("-->").count(), 1, "{body}");
        assert!(!hidden.contains('<') && !hidden.trim_end().trim_end_matches("-->").contains('>'));
        assert_eq!(Event::from_comment(&body), Some(Ok(step())));
        // GitHub hands bodies back with CRLF when a browser edited them.
        assert_eq!(
            Event::from_comment(&body.replace('\n', "\r\n")),
            Some(Ok(step()))
        );
    }

    #[test]
    fn other_comments_are_no_entries_and_broken_ones_say_why() {
        assert_eq!(Event::from_comment("/signoff ship"), None);
        assert_eq!(
            Event::from_comment("<!-- release-relay:track-event {\"v\":9,\"kind\":\"step\"} -->"),
            Some(Err(Unreadable::NewerFormat(9)))
        );
        let Some(Err(Unreadable::Invalid(message))) =
            Event::from_comment("<!-- release-relay:track-event {\"v\":1,\"kind\":\"party\"} -->")
        else {
            panic!("an unknown kind is invalid")
        };
        assert!(message.contains("party"), "{message}");
        assert_eq!(
            Event::from_comment("<!-- release-relay:track-event {\"v\":1}"),
            Some(Err(Unreadable::Invalid("the entry is not closed".into())))
        );
    }
}
