//! The `[track]` section of `relay.toml`: the steps a release runs (with the
//! checkpoints each step passes, in order), its phases and the sign-offs each phase
//! needs. `open` writes this declaration into the record, so that every later run
//! renders and decides from the same one, whatever its own checkout says.

use super::event::{Declaration, PhaseDecl, SignoffRule, StepDecl};
use super::names::{self, NameKind};
use crate::Location;
use crate::location::ConfigSource;
use serde::Deserialize;
use toml::Spanned;

/// The label tracking issues carry when `[track] label` does not name another: `open`
/// finds its issue again among the issues with this label.
pub const DEFAULT_LABEL: &str = "release-tracking";

/// `[track]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TrackConfig {
    /// The label of tracking issues.
    #[serde(default)]
    pub label: Option<Spanned<String>>,
    /// Accounts whose record comments count, besides the tracking issue's author (when
    /// the jobs of a release write with another token than the one that opened it).
    #[serde(default)]
    pub writers: Vec<Spanned<String>>,
    /// `[[track.step]]`, in the order the release runs them.
    #[serde(default)]
    pub step: Vec<StepConfig>,
    /// `[[track.phase]]`, in order.
    #[serde(default)]
    pub phase: Vec<PhaseConfig>,
}

/// `[[track.step]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StepConfig {
    pub name: Spanned<String>,
    /// The checkpoints the step passes, in order (a PR number, its merge commit, a
    /// build id, an images PR): a re-run resumes from the furthest one reached.
    #[serde(default)]
    pub checkpoints: Vec<Spanned<String>>,
    /// The step runs once for the whole release, not once per subject.
    #[serde(default)]
    pub once: bool,
}

/// `[[track.phase]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PhaseConfig {
    pub name: Spanned<String>,
    /// Who must sign off before the phase starts.
    #[serde(default)]
    pub signoffs: Vec<SignoffConfig>,
}

/// One sign-off requirement: `count` distinct members of `team`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SignoffConfig {
    /// GitHub: `org/team-slug`; GitLab: the group's full path (`group/subgroup`).
    pub team: Spanned<String>,
    #[serde(default = "one")]
    pub count: Spanned<u32>,
}

fn one() -> Spanned<u32> {
    Spanned::new(0..0, 1)
}

/// A `[track]` value that is wrong, with its position in the file when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub location: Option<Location>,
    pub message: String,
}

impl TrackConfig {
    /// The label tracking issues carry.
    pub fn label(&self) -> &str {
        self.label
            .as_ref()
            .map_or(DEFAULT_LABEL, |l| l.get_ref().as_str())
    }

    /// The declaration of a release named `release` with `subjects`, checked: every
    /// name valid and unique, every sign-off rule well formed.
    pub fn declaration(
        &self,
        release: &str,
        subjects: &[String],
        source: Option<&ConfigSource>,
    ) -> Result<Declaration, ConfigProblem> {
        let at = |span: std::ops::Range<usize>| source.map(|s| s.location(span.start));
        let problem = |span, message: String| ConfigProblem {
            location: at(span),
            message,
        };
        let checked = |value: &Spanned<String>, kind: NameKind| {
            names::check(value.get_ref(), kind).map_err(|m| problem(value.span(), m))
        };
        let mut steps: Vec<StepDecl> = Vec::new();
        for step in &self.step {
            let name = checked(&step.name, NameKind::Step)?;
            if steps.iter().any(|s| s.name == name) {
                return Err(problem(
                    step.name.span(),
                    format!("step `{name}` is declared twice"),
                ));
            }
            let mut checkpoints: Vec<String> = Vec::new();
            for checkpoint in &step.checkpoints {
                let value = checked(checkpoint, NameKind::Checkpoint)?;
                if checkpoints.contains(&value) {
                    return Err(problem(
                        checkpoint.span(),
                        format!("checkpoint `{value}` of step `{name}` is declared twice"),
                    ));
                }
                checkpoints.push(value);
            }
            steps.push(StepDecl {
                name,
                checkpoints,
                once: step.once,
            });
        }
        let mut phases: Vec<PhaseDecl> = Vec::new();
        for phase in &self.phase {
            let name = checked(&phase.name, NameKind::Phase)?;
            if phases.iter().any(|p| p.name == name) {
                return Err(problem(
                    phase.name.span(),
                    format!("phase `{name}` is declared twice"),
                ));
            }
            let mut signoffs: Vec<SignoffRule> = Vec::new();
            for rule in &phase.signoffs {
                let team = checked(&rule.team, NameKind::Team)?;
                if *rule.count.get_ref() == 0 {
                    return Err(problem(
                        rule.count.span(),
                        format!("phase `{name}`: a sign-off of {team} needs a count of at least 1"),
                    ));
                }
                if signoffs.iter().any(|r| r.team == team) {
                    return Err(problem(
                        rule.team.span(),
                        format!(
                            "phase `{name}` names team {team} twice: give one entry with its count"
                        ),
                    ));
                }
                signoffs.push(SignoffRule {
                    team,
                    count: *rule.count.get_ref(),
                });
            }
            phases.push(PhaseDecl { name, signoffs });
        }
        let release =
            names::check(release, NameKind::Release).map_err(|message| ConfigProblem {
                location: None,
                message,
            })?;
        let mut declared_subjects: Vec<String> = Vec::new();
        for subject in subjects {
            let subject =
                names::check(subject, NameKind::Subject).map_err(|message| ConfigProblem {
                    location: None,
                    message,
                })?;
            if !declared_subjects.contains(&subject) {
                declared_subjects.push(subject);
            }
        }
        Ok(Declaration {
            release,
            subjects: declared_subjects
                .into_iter()
                .map(|name| super::event::SubjectDecl { name, issue: None })
                .collect(),
            steps,
            phases,
        })
    }

    /// The extra writers, checked.
    pub fn writers(&self, source: Option<&ConfigSource>) -> Result<Vec<String>, ConfigProblem> {
        self.writers
            .iter()
            .map(|w| {
                let name = w.get_ref().trim();
                if name.is_empty() || name.chars().any(char::is_whitespace) {
                    Err(ConfigProblem {
                        location: source.map(|s| s.location(w.span().start)),
                        message: format!("writer `{}` is not an account name", w.get_ref()),
                    })
                } else {
                    Ok(name.to_string())
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (TrackConfig, ConfigSource) {
        #[derive(Deserialize)]
        struct File {
            track: TrackConfig,
        }
        let file: File = toml::from_str(text).unwrap();
        (
            file.track,
            ConfigSource {
                path: "relay.toml".into(),
                text: text.into(),
            },
        )
    }

    #[test]
    fn a_declaration_keeps_the_order_of_steps_checkpoints_and_phases() {
        let (config, source) = parse(
            "[track]\n[[track.step]]\nname = \"build\"\ncheckpoints = [\"pr\", \"merge-commit\", \"build\"]\n\
             [[track.step]]\nname = \"announce\"\nonce = true\n\
             [[track.phase]]\nname = \"promote\"\n\
             [[track.phase]]\nname = \"ship\"\nsignoffs = [{ team = \"acme/release\" }, { team = \"acme/qa\", count = 2 }]\n",
        );
        let d = config
            .declaration(
                "2026-01",
                &["1.18.0-1".into(), "1.18.0-1".into()],
                Some(&source),
            )
            .unwrap();
        assert_eq!(d.release, "2026-01");
        assert_eq!(d.subjects.len(), 1);
        assert_eq!(d.steps[0].checkpoints, ["pr", "merge-commit", "build"]);
        assert!(d.steps[1].once);
        assert_eq!(d.phases[1].signoffs[0].count, 1);
        assert_eq!(d.phases[1].signoffs[1].count, 2);
        assert_eq!(config.label(), DEFAULT_LABEL);
    }

    #[test]
    fn wrong_declarations_name_their_position() {
        let cases = [
            (
                "[track]\n[[track.step]]\nname = \"build\"\n[[track.step]]\nname = \"build\"\n",
                "relay.toml:5:8: step `build` is declared twice",
            ),
            (
                "[track]\n[[track.step]]\nname = \"Build Me\"\n",
                "relay.toml:3:8: step name `Build Me` must be lower-case letters, digits and `-`, starting with a letter or digit",
            ),
            (
                "[track]\n[[track.phase]]\nname = \"ship\"\nsignoffs = [{ team = \"qa\" }]\n",
                "relay.toml:4:22: team `qa` must be a path: `org/team-slug` on GitHub, the group's full path on GitLab",
            ),
            (
                "[track]\n[[track.phase]]\nname = \"ship\"\nsignoffs = [{ team = \"acme/qa\", count = 0 }]\n",
                "relay.toml:4:41: phase `ship`: a sign-off of acme/qa needs a count of at least 1",
            ),
            (
                "[track]\n[[track.step]]\nname = \"b\"\ncheckpoints = [\"pr\", \"pr\"]\n",
                "relay.toml:4:22: checkpoint `pr` of step `b` is declared twice",
            ),
        ];
        for (text, expected) in cases {
            let (config, source) = parse(text);
            let problem = config.declaration("r", &[], Some(&source)).unwrap_err();
            assert_eq!(
                format!("{}: {}", problem.location.unwrap(), problem.message),
                expected
            );
        }
    }
}
