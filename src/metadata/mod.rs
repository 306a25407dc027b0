//! Release metadata carried in annotated tags: the message format (README, "Tag message")
//! ([`format`](mod@format)) that tag-from-request writes and read-tag-metadata reads, and the
//! read-tag-metadata capability itself ([`read`]).

pub mod format;
pub mod read;

pub use format::{ReleaseKind, TagMessage, TagMetadata, meta_line};
pub use read::{ReadRequest, TagMetadataReport, TagSource};

/// Errors of reading tag metadata.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error(
        "no tag given: pass --tag, or run in a tag pipeline (GITHUB_REF_TYPE=tag, or CI_COMMIT_TAG)"
    )]
    NoTag,
    #[error("tag {tag} not found; searched: {searched}")]
    NotFound { tag: String, searched: String },
    #[error(
        "tag {tag} has no annotation, so no metadata (it is lightweight everywhere searched: {searched}); \
         create it with `git tag -a` or tag-from-request, or pass --allow-lightweight"
    )]
    Lightweight { tag: String, searched: String },
    #[error("tag {tag} lacks required metadata: {}", missing.join(", "))]
    MissingKeys { tag: String, missing: Vec<String> },
}

impl crate::Problem for MetadataError {
    fn is_bad_input(&self) -> bool {
        matches!(self, MetadataError::NoTag)
    }

    fn location(&self) -> Option<&crate::Location> {
        None
    }
}
