//! find-green-commit: the newest commit of a branch whose CI passed — the first step of
//! the auto-update flow (GitLab's Gitaly bot pins the newest Gitaly commit whose
//! pipeline is green).
//!
//! The forge's CI state of each commit is judged here, the same way for both forges:
//! GitLab's pipeline status when it has one, else (GitHub) the check runs and commit
//! statuses together; `--require-job` patterns demand that matching jobs ran and
//! passed, so a docs-only pipeline does not count. The search goes from the newest
//! commit down and stops at the first green one, at `--min-commit`, or after `--limit`.

use crate::forge::{CommitCi, Forge, JobState, RemoteCommit};
use crate::{Error, Result};

/// Errors of find-green-commit's input.
#[derive(Debug, thiserror::Error)]
pub enum GreenError {
    #[error("--require-job `{pattern}` is not a valid glob: {message}")]
    JobPattern { pattern: String, message: String },
    #[error("--min-commit `{0}` is not a commit id: give 7 to 40 hexadecimal digits of the commit")]
    MinCommit(String),
    #[error("--limit must be at least 1")]
    Limit,
}

impl crate::Problem for GreenError {
    fn is_bad_input(&self) -> bool {
        true
    }

    fn location(&self) -> Option<&crate::Location> {
        None
    }
}

/// What find-green-commit is asked.
#[derive(Debug, Clone)]
pub struct GreenRequest {
    /// `owner/name` (GitHub) or the project path (GitLab).
    pub repo: String,
    /// The branch (or tag) to search; `None`: the repository's default branch.
    pub reference: Option<String>,
    /// How many of the newest commits to look at.
    pub limit: usize,
    /// Globs of job names that must have run and passed.
    pub require_jobs: Vec<String>,
    /// The oldest commit to consider (a full or abbreviated id).
    pub min_commit: Option<String>,
}

/// Why a commit was not taken.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Verdict {
    Green,
    /// CI failed; the failed jobs, when the forge names them.
    Failed {
        jobs: Vec<String>,
    },
    /// CI has not finished; the jobs still running or waiting.
    Pending {
        jobs: Vec<String>,
    },
    /// No CI ran for the commit at all.
    NoCi,
    /// Every job was skipped.
    NothingRan,
    /// A `--require-job` pattern that no passed job satisfies, and why.
    MissingJobs {
        missing: Vec<String>,
    },
}

impl Verdict {
    /// The reason as a person reads it, e.g. `failed: build, test`.
    pub fn reason(&self) -> String {
        let list = |jobs: &[String]| {
            if jobs.is_empty() {
                String::new()
            } else {
                format!(": {}", jobs.join(", "))
            }
        };
        match self {
            Verdict::Green => "green".into(),
            Verdict::Failed { jobs } => format!("failed{}", list(jobs)),
            Verdict::Pending { jobs } => format!("pending{}", list(jobs)),
            Verdict::NoCi => "no CI status".into(),
            Verdict::NothingRan => "no job ran (all skipped)".into(),
            Verdict::MissingJobs { missing } => {
                format!("required job missing: {}", missing.join("; "))
            }
        }
    }
}

/// One commit looked at, and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCommit {
    pub sha: String,
    pub title: String,
    pub verdict: Verdict,
    /// The CI page of the commit (GitLab pipeline, GitHub checks).
    pub ci_url: Option<String>,
}

impl CheckedCommit {
    /// The first 7 characters of the commit id.
    pub fn short(&self) -> &str {
        &self.sha[..self.sha.len().min(7)]
    }
}

/// What find-green-commit found.
#[derive(Debug, Clone)]
pub struct GreenReport {
    pub repo: String,
    pub reference: String,
    /// Every commit looked at, newest first; the green one, if any, is the last.
    pub checked: Vec<CheckedCommit>,
    /// Whether the search stopped at `--min-commit`.
    pub reached_min_commit: bool,
    /// The request's `--min-commit`, for messages.
    pub min_commit: Option<String>,
}

impl GreenReport {
    /// The green commit, if one was found.
    pub fn green(&self) -> Option<&CheckedCommit> {
        self.checked.last().filter(|c| c.verdict == Verdict::Green)
    }

    /// Why the job fails when no commit was green: what was searched and why each
    /// commit was rejected.
    pub fn failure(&self) -> Option<String> {
        if self.green().is_some() {
            return None;
        }
        let scope = match (&self.min_commit, self.reached_min_commit) {
            (Some(min), true) => format!(", down to --min-commit {min}"),
            (Some(min), false) => format!(" (--min-commit {min} is older than these)"),
            (None, _) => String::new(),
        };
        let mut message = format!(
            "no green commit among the {} newest commits of {} in {}{scope}",
            self.checked.len(),
            self.reference,
            self.repo
        );
        for commit in &self.checked {
            message.push_str(&format!(
                "\n  {} {} — {}",
                commit.short(),
                commit.title,
                commit.verdict.reason()
            ));
        }
        if self.checked.is_empty() {
            message.push_str(": the branch has no commits");
        }
        Some(message)
    }
}

/// A `--require-job` pattern, compiled.
struct JobPattern {
    text: String,
    matcher: globset::GlobMatcher,
}

/// Checks a request's inputs before anything is asked of the forge.
fn validate(request: &GreenRequest) -> Result<Vec<JobPattern>, GreenError> {
    if request.limit == 0 {
        return Err(GreenError::Limit);
    }
    if let Some(min) = &request.min_commit
        && (!(7..=40).contains(&min.len()) || !min.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return Err(GreenError::MinCommit(min.clone()));
    }
    request
        .require_jobs
        .iter()
        .map(|text| {
            globset::GlobBuilder::new(text)
                .literal_separator(false)
                .build()
                .map(|glob| JobPattern {
                    text: text.clone(),
                    matcher: glob.compile_matcher(),
                })
                .map_err(|e| GreenError::JobPattern {
                    pattern: text.clone(),
                    message: e.kind().to_string(),
                })
        })
        .collect()
}

/// Finds the newest green commit of the request's branch.
pub async fn find_green_commit(request: &GreenRequest, forge: &dyn Forge) -> Result<GreenReport> {
    let patterns = validate(request).map_err(Error::from)?;
    let reference = match &request.reference {
        Some(r) => r.clone(),
        None => forge.default_branch(&request.repo).await?,
    };
    let commits = forge
        .commits(&request.repo, &reference, request.limit)
        .await?;
    let min_commit = request.min_commit.as_deref().map(str::to_ascii_lowercase);
    let mut report = GreenReport {
        repo: request.repo.clone(),
        reference,
        checked: Vec::new(),
        reached_min_commit: false,
        min_commit: request.min_commit.clone(),
    };
    for RemoteCommit { sha, title, .. } in commits {
        let ci = forge.commit_ci(&request.repo, &sha).await?;
        let verdict = judge(&ci, &patterns);
        let is_min = min_commit
            .as_deref()
            .is_some_and(|m| sha.to_ascii_lowercase().starts_with(m));
        let green = verdict == Verdict::Green;
        report.checked.push(CheckedCommit {
            sha,
            title,
            verdict,
            ci_url: ci.url,
        });
        if green {
            break;
        }
        if is_min {
            report.reached_min_commit = true;
            break;
        }
    }
    Ok(report)
}

/// The verdict on one commit's CI under find-green-commit's rules, with
/// `require_jobs` globs that must have run and passed (track-release's `wait-for
/// --green` judges one commit this way).
pub fn judge_commit(ci: &CommitCi, require_jobs: &[String]) -> Result<Verdict, GreenError> {
    let patterns = validate(&GreenRequest {
        repo: String::new(),
        reference: None,
        limit: 1,
        require_jobs: require_jobs.to_vec(),
        min_commit: None,
    })?;
    Ok(judge(ci, &patterns))
}

/// The verdict on one commit's CI.
fn judge(ci: &CommitCi, patterns: &[JobPattern]) -> Verdict {
    if ci.overall.is_none() && ci.jobs.is_empty() {
        return Verdict::NoCi;
    }
    let names = |state: JobState, allowed: bool| -> Vec<String> {
        ci.jobs
            .iter()
            .filter(|j| j.state == state && (allowed || !j.allowed_to_fail))
            .map(|j| j.name.clone())
            .collect()
    };
    let overall = ci.overall.unwrap_or_else(|| combine(ci));
    match overall {
        JobState::Failed => {
            return Verdict::Failed {
                jobs: names(JobState::Failed, false),
            };
        }
        JobState::Pending => {
            return Verdict::Pending {
                jobs: names(JobState::Pending, true),
            };
        }
        JobState::Skipped => return Verdict::NothingRan,
        JobState::Success => {}
    }
    let missing: Vec<String> = patterns
        .iter()
        .filter_map(|pattern| {
            let matching: Vec<_> = ci
                .jobs
                .iter()
                .filter(|j| pattern.matcher.is_match(&j.name))
                .collect();
            if matching.is_empty() {
                return Some(format!("{} (no job of that name ran)", pattern.text));
            }
            let unmet: Vec<String> = matching
                .iter()
                .filter(|j| j.state != JobState::Success)
                .map(|j| {
                    let state = match (j.state, j.allowed_to_fail) {
                        (JobState::Failed, true) => "failed, allowed to fail",
                        (JobState::Failed, false) => "failed",
                        (JobState::Pending, _) => "pending",
                        (JobState::Skipped, _) => "skipped",
                        (JobState::Success, _) => "passed",
                    };
                    format!("{} {state}", j.name)
                })
                .collect();
            (!unmet.is_empty()).then(|| format!("{} ({})", pattern.text, unmet.join(", ")))
        })
        .collect();
    if missing.is_empty() {
        Verdict::Green
    } else {
        Verdict::MissingJobs { missing }
    }
}

/// The combined state of jobs that have no overall verdict (GitHub): any failure
/// fails, else anything unfinished is pending, else it passed if something passed.
fn combine(ci: &CommitCi) -> JobState {
    let any = |state: JobState| {
        ci.jobs
            .iter()
            .any(|j| j.state == state && !(state == JobState::Failed && j.allowed_to_fail))
    };
    if any(JobState::Failed) {
        JobState::Failed
    } else if any(JobState::Pending) {
        JobState::Pending
    } else if any(JobState::Success) {
        JobState::Success
    } else {
        JobState::Skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::CiJob;

    fn job(name: &str, state: JobState) -> CiJob {
        CiJob {
            name: name.into(),
            state,
            allowed_to_fail: false,
        }
    }

    fn patterns(globs: &[&str]) -> Vec<JobPattern> {
        validate(&GreenRequest {
            repo: "a/b".into(),
            reference: None,
            limit: 1,
            require_jobs: globs.iter().map(|g| g.to_string()).collect(),
            min_commit: None,
        })
        .unwrap()
    }

    #[test]
    fn a_failure_anywhere_fails_a_github_commit() {
        let ci = CommitCi {
            overall: None,
            jobs: vec![
                job("build", JobState::Success),
                job("lint", JobState::Pending),
                job("test", JobState::Failed),
            ],
            url: None,
        };
        assert_eq!(
            judge(&ci, &[]),
            Verdict::Failed {
                jobs: vec!["test".into()]
            }
        );
    }

    #[test]
    fn neutral_and_skipped_checks_do_not_block_a_green_commit() {
        let ci = CommitCi {
            overall: None,
            jobs: vec![
                job("build", JobState::Success),
                job("docs", JobState::Skipped),
            ],
            url: None,
        };
        assert_eq!(judge(&ci, &[]), Verdict::Green);
        let skipped_only = CommitCi {
            overall: None,
            jobs: vec![job("docs", JobState::Skipped)],
            url: None,
        };
        assert_eq!(judge(&skipped_only, &[]), Verdict::NothingRan);
    }

    #[test]
    fn a_required_job_must_have_run_and_passed() {
        let mut allowed = job("test-slow", JobState::Failed);
        allowed.allowed_to_fail = true;
        let ci = CommitCi {
            overall: Some(JobState::Success),
            jobs: vec![job("test-fast", JobState::Success), allowed],
            url: None,
        };
        assert_eq!(
            judge(&ci, &patterns(&["test-*", "build"])),
            Verdict::MissingJobs {
                missing: vec![
                    "test-* (test-slow failed, allowed to fail)".into(),
                    "build (no job of that name ran)".into()
                ]
            }
        );
        assert_eq!(judge(&ci, &patterns(&["test-fast"])), Verdict::Green);
    }

    #[test]
    fn bad_inputs_are_refused_before_any_call() {
        let request = |min: Option<&str>, globs: &[&str], limit| GreenRequest {
            repo: "a/b".into(),
            reference: None,
            limit,
            require_jobs: globs.iter().map(|g| g.to_string()).collect(),
            min_commit: min.map(str::to_string),
        };
        assert_eq!(
            validate(&request(Some("xyz1234"), &[], 5))
                .err()
                .unwrap()
                .to_string(),
            "--min-commit `xyz1234` is not a commit id: give 7 to 40 hexadecimal digits of the commit"
        );
        assert_eq!(
            validate(&request(None, &["test-[a"], 5))
                .err()
                .unwrap()
                .to_string(),
            "--require-job `test-[a` is not a valid glob: unclosed character class; missing ']'"
        );
        assert_eq!(
            validate(&request(None, &[], 0)).err().unwrap().to_string(),
            "--limit must be at least 1"
        );
    }
}
