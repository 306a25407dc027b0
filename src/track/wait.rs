//! `wait-for`: the conditions a release waits on between its pipelines, in two modes.
//! `--check` looks once and says met, pending or failed, so that a workflow started
//! by the forge's own events (a pull request closed, a pipeline finished, a comment, a
//! schedule) advances the release as far as it can and ends, holding no runner while
//! nothing happens. `--poll` looks until the condition holds or the time-out passes,
//! waiting longer between looks and as long as the forge asks when it rate-limits.

use super::phase_start::signoff_status;
use super::tracking::Tracked;
use crate::forge::{ChangeRequestState, Forge, ForgeError};
use crate::green::{Verdict as CiVerdict, judge_commit};
use crate::{Error, Result};
use std::time::Duration;

/// What is waited for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// A pull or merge request merged; its merge commit is the value.
    Merged { repo: String, number: u64 },
    /// A commit's CI green by find-green-commit's rules.
    Green {
        repo: String,
        commit: String,
        require_jobs: Vec<String>,
    },
    /// A tag exists; its commit is the value.
    Tag { repo: String, name: String },
    /// A published release of the tag exists; its page is the value.
    Release { repo: String, tag: String },
    /// A URL answers 200.
    Url { url: String },
    /// Every sign-off of a phase is in (the tracking issue is needed).
    Signoffs { phase: String },
}

impl Condition {
    /// What is waited for, as a person says it.
    pub fn describe(&self) -> String {
        match self {
            Condition::Merged { repo, number } => {
                format!("change request #{number} of {repo} to merge")
            }
            Condition::Green { repo, commit, .. } => {
                format!(
                    "CI of {} in {repo} to pass",
                    &commit[..commit.len().min(12)]
                )
            }
            Condition::Tag { repo, name } => format!("tag {name} in {repo}"),
            Condition::Release { repo, tag } => format!("the release of {tag} in {repo}"),
            Condition::Url { url } => format!("{url} to answer"),
            Condition::Signoffs { phase } => format!("the sign-offs of phase {phase}"),
        }
    }
}

/// One look's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Look {
    Met {
        /// The value a later step takes (a merge commit, a tag's commit, a URL).
        value: String,
        /// A page showing it.
        url: Option<String>,
    },
    Pending(String),
    /// It will not happen (closed without merging, CI failed).
    Failed(String),
}

/// Looks once.
pub async fn look(
    forge: &dyn Forge,
    condition: &Condition,
    tracked: Option<&Tracked>,
) -> Result<Look> {
    Ok(match condition {
        Condition::Merged { repo, number } => {
            let status = forge.change_request_status(repo, *number).await?;
            match status.state {
                ChangeRequestState::Merged {
                    commit: Some(commit),
                } => Look::Met {
                    value: commit,
                    url: Some(status.url),
                },
                ChangeRequestState::Merged { commit: None } => {
                    Look::Pending("merged; the forge has not named the merge commit yet".into())
                }
                ChangeRequestState::Open => Look::Pending(format!("#{number} is open")),
                ChangeRequestState::Closed => Look::Failed(format!(
                    "#{number} was closed without merging ({})",
                    status.url
                )),
            }
        }
        Condition::Green {
            repo,
            commit,
            require_jobs,
        } => {
            let ci = forge.commit_ci(repo, commit).await?;
            match judge_commit(&ci, require_jobs).map_err(Error::from)? {
                CiVerdict::Green => Look::Met {
                    value: commit.clone(),
                    url: ci.url,
                },
                verdict @ (CiVerdict::Pending { .. } | CiVerdict::NoCi) => {
                    Look::Pending(verdict.reason())
                }
                verdict => Look::Failed(verdict.reason()),
            }
        }
        Condition::Tag { repo, name } => match forge.tag(repo, name).await? {
            Some(tag) => Look::Met {
                value: tag.commit,
                url: None,
            },
            None => Look::Pending(format!("no tag {name} yet")),
        },
        Condition::Release { repo, tag } => match forge.release(repo, tag).await? {
            Some(release) => Look::Met {
                value: release.web_url.clone(),
                url: Some(release.web_url),
            },
            None => Look::Pending(format!("no published release of {tag} yet")),
        },
        Condition::Url { url } => {
            let check = crate::verify::url::Prober::new().check(url).await;
            if check.holds {
                Look::Met {
                    value: url.clone(),
                    url: Some(url.clone()),
                }
            } else {
                Look::Pending(format!("answers {}", check.found))
            }
        }
        Condition::Signoffs { phase } => {
            let tracked = tracked.expect("the edge asks for --issue with --signoffs");
            let status = signoff_status(forge, tracked, phase).await?;
            if status.is_complete() {
                Look::Met {
                    value: status.counted_text(),
                    url: Some(tracked.issue.url.clone()),
                }
            } else {
                Look::Pending(format!(
                    "sign-offs missing: {} (counted: {})",
                    status.missing_text(),
                    status.counted_text()
                ))
            }
        }
    })
}

/// When to look again: the first wait, growing by half each time up to `max`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub interval: Duration,
    pub max: Duration,
}

impl Backoff {
    pub fn new(interval: Duration) -> Backoff {
        Backoff {
            interval,
            max: (interval * 10).min(Duration::from_secs(600)).max(interval),
        }
    }

    /// The wait after look number `n` (0-based).
    pub fn wait(&self, n: u32) -> Duration {
        let grown = self.interval.as_secs_f64() * 1.5f64.powi(n.min(30) as i32);
        Duration::from_secs_f64(grown.min(self.max.as_secs_f64()))
    }
}

/// How a wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waited {
    pub look: Look,
    pub looks: u32,
    /// The deadline passed before the condition held (`look` is the last pending one).
    pub timed_out: bool,
    pub elapsed: Duration,
}

/// The forge's wait and the call it answered, when `error` is a rate limit.
fn rate_limited(error: &Error) -> Option<(Option<u64>, String)> {
    match error.downcast_ref::<ForgeError>()? {
        ForgeError::RateLimited {
            retry_after, what, ..
        } => Some((*retry_after, what.clone())),
        _ => None,
    }
}

/// Looks until met or failed, or until `timeout` passed. `progress` hears each
/// pending look.
pub async fn poll(
    forge: &dyn Forge,
    condition: &Condition,
    tracked: Option<&Tracked>,
    timeout: Duration,
    backoff: Backoff,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Waited> {
    let start = tokio::time::Instant::now();
    let deadline = start + timeout;
    let mut looks = 0;
    loop {
        let outcome = look(forge, condition, tracked).await;
        looks += 1;
        let (look, wait) = match outcome {
            Ok(Look::Pending(why)) => {
                let wait = backoff.wait(looks - 1);
                progress(&format!(
                    "pending: {why}; next look in {}",
                    humantime::format_duration(wait)
                ));
                (Look::Pending(why), wait)
            }
            // The forge asks to slow down: wait as it says, within the deadline.
            Err(e) if rate_limited(&e).is_some() => {
                let (retry_after, what) = rate_limited(&e).unwrap_or_default();
                let wait = Duration::from_secs(retry_after.unwrap_or(60));
                progress(&format!(
                    "{what}: rate limited; next look in {}",
                    humantime::format_duration(wait)
                ));
                (Look::Pending("the forge is rate limiting".into()), wait)
            }
            Ok(done) => {
                return Ok(Waited {
                    look: done,
                    looks,
                    timed_out: false,
                    elapsed: start.elapsed(),
                });
            }
            Err(e) => return Err(e),
        };
        let now = tokio::time::Instant::now();
        if now + wait > deadline {
            // One last look at the deadline rather than giving up early.
            if now < deadline {
                tokio::time::sleep_until(deadline).await;
                if let Ok(done @ (Look::Met { .. } | Look::Failed(_))) =
                    super::wait::look(forge, condition, tracked).await
                {
                    return Ok(Waited {
                        look: done,
                        looks: looks + 1,
                        timed_out: false,
                        elapsed: start.elapsed(),
                    });
                }
                looks += 1;
            }
            return Ok(Waited {
                look,
                looks,
                timed_out: true,
                elapsed: start.elapsed(),
            });
        }
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_grow_apart_up_to_their_bound() {
        let backoff = Backoff::new(Duration::from_secs(30));
        let waits: Vec<u64> = (0..8).map(|n| backoff.wait(n).as_secs()).collect();
        assert_eq!(waits, [30, 45, 67, 101, 151, 227, 300, 300]);
        let tight = Backoff::new(Duration::from_millis(100));
        assert_eq!(tight.wait(20), Duration::from_secs(1));
        let long = Backoff::new(Duration::from_secs(900));
        assert_eq!(long.wait(3), Duration::from_secs(900));
    }
}

/// A duration flag's value, as humantime reads it (`90s`, `2h 30m`).
pub fn duration(flag: &str, text: &str) -> std::result::Result<Duration, super::TrackError> {
    humantime::parse_duration(text.trim())
        .map_err(|e| super::TrackError::BadDuration(format!("{flag} `{text}`"), e.to_string()))
}

/// How a wait ended, in the words of the outputs and the progress line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitOutcome {
    /// `met`, `pending`, `failed` or `timed-out`.
    pub state: &'static str,
    pub met: bool,
    /// The value the condition gave (a commit, a tag's target), when met.
    pub value: String,
    pub url: Option<String>,
    /// Why it is not met.
    pub detail: String,
    /// The failure of the run: a condition that failed or did not hold in time.
    pub failure: Option<String>,
    /// The progress line that says how the wait ended.
    pub line: String,
}

impl WaitOutcome {
    /// The outcome of the last look at `what`, after `looks` looks within `timeout`.
    pub fn of(look: &Look, timed_out: bool, looks: u32, timeout: Duration, what: &str) -> Self {
        let (state, met, value, url, detail) = match look {
            Look::Met { value, url } => ("met", true, value.clone(), url.clone(), String::new()),
            Look::Pending(why) if timed_out => {
                ("timed-out", false, String::new(), None, why.clone())
            }
            Look::Pending(why) => ("pending", false, String::new(), None, why.clone()),
            Look::Failed(why) => ("failed", false, String::new(), None, why.clone()),
        };
        let waited = humantime::format_duration(timeout);
        let line = match state {
            "met" => format!("met: {what}: {value}"),
            "timed-out" => format!("timed out after {waited} waiting for {what}: {detail}"),
            _ => format!("{state}: {what}: {detail}"),
        };
        let failure = match state {
            "failed" => Some(format!("{what}: {detail}")),
            "timed-out" => Some(format!(
                "{what}: still pending after {waited} ({looks} looks): {detail}"
            )),
            _ => None,
        };
        WaitOutcome {
            state,
            met,
            value,
            url,
            detail,
            failure,
            line,
        }
    }

    /// What the record of `step` learns: the value as checkpoint `record_as`, or the
    /// failure; nothing while the condition is pending.
    pub fn step_report(
        &self,
        step: &str,
        subject: Option<String>,
        record_as: Option<&str>,
    ) -> Option<super::step_report::StepReport> {
        if self.state == "pending" {
            return None;
        }
        let mut report = super::step_report::StepReport {
            step: step.to_string(),
            subject,
            state: Some(if self.met {
                super::StepState::Running
            } else {
                super::StepState::Failed
            }),
            ..Default::default()
        };
        if self.met {
            if let Some(name) = record_as {
                report
                    .checkpoints
                    .push((name.to_string(), self.value.clone()));
            }
        } else {
            report.message = self.failure.clone();
        }
        Some(report)
    }
}
