//! `[fixed-issues]` of relay.toml: the comment, the label, and the trackers that
//! trailers name.
//!
//! ```toml
//! [fixed-issues]
//! message = "This issue was fixed in {repo} {version}: {url}"
//! label = "released"
//!
//! [[fixed-issues.trackers]]
//! trailer = "Closes-Bug"                          # Closes-Bug: #1234567
//! url = "https://bugs.launchpad.net/bugs/{id}"    # listed, not commented
//!
//! [[fixed-issues.trackers]]
//! trailer = "Fixes-Issue"
//! url = "https://github.com/acme/tracker/issues/{id}"
//! repo = "acme/tracker"                           # issues on the forge: commented
//! ```

use super::{FixedIssuesError, Tracker};
use crate::location::ConfigSource;
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FixedIssuesConfig {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub trackers: Vec<TrackerConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TrackerConfig {
    pub trailer: Spanned<String>,
    pub url: Spanned<String>,
    #[serde(default)]
    pub repo: Option<Spanned<String>>,
}

impl FixedIssuesConfig {
    /// The trackers, checked: a trailer key is one word (`Closes-Bug`), a URL template
    /// an http(s) URL with `{id}`, a repository `owner/name`.
    pub fn trackers(
        &self,
        source: Option<&ConfigSource>,
    ) -> Result<Vec<Tracker>, FixedIssuesError> {
        let problem = |span: std::ops::Range<usize>, message: String| FixedIssuesError::Config {
            location: source.map_or_else(
                || crate::Location::new("relay.toml", 1, 1),
                |s| s.location(span.start),
            ),
            message,
        };
        let mut trackers = Vec::new();
        for tracker in &self.trackers {
            let trailer = tracker.trailer.get_ref();
            if trailer.is_empty()
                || !trailer
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(problem(
                    tracker.trailer.span(),
                    format!(
                        "trailer `{trailer}` must be a trailer key of letters, digits and `-` (`Closes-Bug`)"
                    ),
                ));
            }
            let url = tracker.url.get_ref();
            if !(url.starts_with("https://") || url.starts_with("http://")) || !url.contains("{id}")
            {
                return Err(problem(
                    tracker.url.span(),
                    format!(
                        "url `{url}` must be an http(s) URL with `{{id}}` where the issue's id goes"
                    ),
                ));
            }
            let repo = match &tracker.repo {
                Some(repo) => {
                    let name = repo.get_ref();
                    let ok = name.split('/').count() >= 2
                        && name.split('/').all(|s| {
                            !s.is_empty()
                                && s.chars()
                                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                        });
                    if !ok {
                        return Err(problem(
                            repo.span(),
                            format!("repo `{name}` must be a repository of the forge, owner/name"),
                        ));
                    }
                    Some(name.clone())
                }
                None => None,
            };
            trackers.push(Tracker {
                trailer: trailer.clone(),
                url: url.clone(),
                repo,
            });
        }
        Ok(trackers)
    }
}
