//! Which way the tags reach a forge's repositories: its REST API, metered by the
//! forge's rate limits, or a git push with the same token, which those limits do not
//! meter. A release of many repositories can take hours within GitHub's 80 writes a
//! minute and 500 an hour; the same pushes over git take as long as git takes.

use super::TagPlan;
use crate::forge::budget::Limits;
use crate::forge::{ForgeError, ForgeSettings, Platform};
use std::time::Duration;

/// How the tags are written (`--route`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// The forge's REST API (tag objects and refs), within its rate limits.
    #[default]
    Api,
    /// A git push to the forge's repositories with the forge's token.
    Git,
    /// Git when the API's writes would take longer than [`AUTO_LIMIT`] within the
    /// rate limits, the API otherwise.
    Auto,
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Route::Api => "api",
            Route::Git => "git",
            Route::Auto => "auto",
        })
    }
}

/// Past this least time of the API's writes, `auto` pushes over git: a minute is
/// GitHub's 80 writes, about 40 tags.
pub const AUTO_LIMIT: Duration = Duration::from_secs(60);

/// The route taken, and what the plan should say of it.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteChoice {
    pub route: Route,
    /// The API's cost when it matters: the least time its writes take.
    pub note: Option<String>,
}

/// The API calls a plan costs: per tag a commit and a ref read, and on GitHub a tag
/// object and a ref written (GitLab: one tag call); per branch one write.
pub fn api_calls(plan: &TagPlan, platform: Platform) -> (u64, u64) {
    let tags = plan.refs.iter().filter(|r| r.is_tag()).count() as u64;
    let branches = plan.refs.len() as u64 - tags;
    let per_tag = if platform == Platform::GitHub { 2 } else { 1 };
    (2 * plan.refs.len() as u64, per_tag * tags + branches)
}

/// Resolves `asked` for `plan` on the forge of `settings`, within `limits` (the
/// token's, `RELAY_RATE_LIMITS` applied).
pub fn choose(
    plan: &TagPlan,
    asked: Route,
    settings: &ForgeSettings,
    limits: &Limits,
) -> RouteChoice {
    if settings.platform == Platform::Git {
        return RouteChoice {
            route: Route::Git,
            note: None,
        };
    }
    let (reads, writes) = api_calls(plan, settings.platform);
    let least = limits.least_time(reads, writes);
    let cost = format!(
        "{writes} API write{} take at least {} within {}'s rate limits",
        if writes == 1 { "" } else { "s" },
        humantime::format_duration(Duration::from_secs(least.as_secs().max(1))),
        settings.platform
    );
    // Both sides in the same time: the limits' windows scale with the wait divisor.
    let slow = least > AUTO_LIMIT.div_f64(crate::forge::budget::divisor());
    match asked {
        Route::Git => RouteChoice {
            route: Route::Git,
            note: Some(format!(
                "route git: the tags are pushed over git with the token ({cost} on the API route)"
            )),
        },
        // A job token cannot push: the API (which names the token to use) it is.
        Route::Auto if slow && super::job_token_on_gitlab(settings) => RouteChoice {
            route: Route::Api,
            note: Some(format!(
                "route api (auto): {cost}; git would not be metered, but CI_JOB_TOKEN cannot push: set GITLAB_TOKEN to take it"
            )),
        },
        Route::Auto if slow => RouteChoice {
            route: Route::Git,
            note: Some(format!(
                "route git (auto): {cost}; the tags are pushed over git with the same token"
            )),
        },
        Route::Api | Route::Auto => RouteChoice {
            route: Route::Api,
            note: slow.then(|| {
                format!(
                    "route api: {cost}; --route git (or auto) pushes them over git with the same token"
                )
            }),
        },
    }
}

/// The limits of the token of `settings` as the transport will apply them: a
/// shard's part of them when the run is one of several sharing the token.
pub fn limits(settings: &ForgeSettings) -> Result<Limits, ForgeError> {
    Ok(Limits::from_env(settings.platform)?.share(crate::forge::budget::share()))
}
