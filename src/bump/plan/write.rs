//! Writing the checked files, all or none.

use super::super::{BumpError, FileChange};
use super::files::Files;
use crate::fsio::{Flush, NewContent};
use std::collections::HashMap;
use std::path::Path;

/// Writes every changed file atomically, all staged before the first is replaced
/// ([`crate::fsio::write_files`]), without an `fsync` per file ([`Flush::Skip`]): a
/// monorepo bump writes thousands of files, and the rename alone already keeps readers
/// from seeing half a file.
pub(super) fn write_all(changes: &[FileChange], files: &Files) -> Result<(), BumpError> {
    let metadata: HashMap<&Path, &std::fs::Metadata> = files
        .loaded
        .iter()
        .filter_map(|l| Some((l.path.as_path(), l.metadata.as_ref()?)))
        .collect();
    let files: Vec<NewContent> = changes
        .iter()
        .map(|c| NewContent {
            path: &c.path,
            bytes: c.after.as_bytes(),
            existing: metadata.get(c.path.as_path()).copied(),
        })
        .collect();
    crate::fsio::write_files(&files, Flush::Skip).map_err(|failure| BumpError::Write {
        path: changes[failure.index].path.clone(),
        written: failure
            .written
            .iter()
            .map(|&i| changes[i].file.clone())
            .collect(),
        source: failure.error,
    })
}
