//! Options shared by every tool, flattened into each tool's clap struct so that they
//! are spelled, documented and resolved the same way everywhere.

use super::context::{CiContext, Platform, TokenKind};
use crate::forge::{ForgeSettings, Secret};
use std::path::PathBuf;

/// The configuration file, for a tool whose section of it holds only defaults for its
/// flags (`[tool-name]`; read before the tool starts, README "Configuration file").
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfigArgs {
    /// Configuration file [default: relay.toml when present]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Where the forge is and who the tool is there.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Forge")]
pub struct ForgeArgs {
    /// Platform to talk to [default: github in GitHub Actions, gitlab in GitLab CI, else git]
    #[arg(long, value_enum, value_name = "FORGE")]
    pub forge: Option<Platform>,
    /// API base URL [default: GITHUB_API_URL or CI_API_V4_URL, else the public service]
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Web server URL [default: GITHUB_SERVER_URL or CI_SERVER_URL, else the public service]
    #[arg(long, value_name = "URL")]
    pub server_url: Option<String>,
    /// API token [default: GITHUB_TOKEN, GITLAB_TOKEN or CI_JOB_TOKEN]; never printed
    #[arg(long, value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

impl ForgeArgs {
    /// Flags first, then the CI environment, then the public defaults.
    pub fn resolve(&self, ctx: &CiContext) -> ForgeSettings {
        let platform = ctx.platform(self.forge);
        let (token, kind) = match self.token.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => (Some(t.to_string()), TokenKind::Bearer),
            None => match ctx.token(platform) {
                Some((t, kind)) => (Some(t.to_string()), kind),
                None => (None, TokenKind::Bearer),
            },
        };
        let api_url = self
            .api_url
            .clone()
            .filter(|u| !u.is_empty())
            .or_else(|| ctx.api_url(platform))
            .map(|u| u.trim_end_matches('/').to_string());
        let server_url = self
            .server_url
            .clone()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| ctx.server_url(platform))
            .trim_end_matches('/')
            .to_string();
        ForgeSettings {
            platform,
            api_url,
            server_url,
            token: token.map(Secret::new),
            token_kind: kind,
        }
    }
}

/// Where the outputs go besides `$GITHUB_OUTPUT`.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Also write the outputs as a dotenv file (GitLab `artifacts:reports:dotenv`)
    #[arg(long, value_name = "FILE")]
    pub dotenv: Option<PathBuf>,
    /// Print the outputs as one JSON object on stdout
    #[arg(long)]
    pub json: bool,
}
