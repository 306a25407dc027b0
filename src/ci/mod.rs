//! The CI platform layer every tool uses: where it runs ([`context`]), how options
//! arrive ([`inputs`]), where results go ([`outputs`], [`summary`]), how problems
//! and secrets are shown ([`workflow`]), and the one place that turns a tool's
//! result into printed output and an exit code ([`session`]).

pub mod args;
pub mod colour;
pub mod context;
pub mod inputs;
pub mod outputs;
pub mod session;
pub mod shard;
pub mod summary;
pub mod tuning;
pub mod workflow;

pub use args::{ConfigArgs, ForgeArgs, OutputArgs};
pub use context::{CiContext, Platform};
pub use outputs::Outputs;
pub use session::{Report, Session};

use std::path::PathBuf;

/// `noun` as a count of `n` takes it in a message: `file` for 1, `files` otherwise.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        noun.to_string()
    } else {
        format!("{noun}s")
    }
}

/// Errors of the CI layer.
#[derive(Debug, thiserror::Error)]
pub enum CiError {
    #[error("cannot read the CI environment: {0}")]
    Environment(String),
    #[error("output `{name}`: {reason}")]
    Output { name: String, reason: String },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown forge `{0}`: expected github, gitlab or git")]
    UnknownForge(String),
    #[error("{name}=`{value}`: expected {expected}")]
    Tuning {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
}

impl crate::Problem for CiError {
    fn is_bad_input(&self) -> bool {
        matches!(
            self,
            CiError::UnknownForge(_) | CiError::Environment(_) | CiError::Tuning { .. }
        )
    }
}
