//! Which forge a tool talks to, and how its token authenticates: what the CI
//! context decides and every forge client reads.

/// The platform a tool talks to: which forge API, or plain git.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    #[value(name = "github")]
    GitHub,
    #[value(name = "gitlab")]
    GitLab,
    Git,
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Platform::GitHub => "github",
            Platform::GitLab => "gitlab",
            Platform::Git => "git",
        })
    }
}

/// How a token authenticates: a bearer/private token, or GitLab's CI job token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Bearer,
    JobToken,
}
