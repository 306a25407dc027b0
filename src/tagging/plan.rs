//! From request files to the list of tags a run makes: which entries (newest, all, or
//! new since a revision), each project's tag name and message. Everything here is
//! checked before any remote is asked: a bad name or two different commits for one
//! tag stop the run with the position in the file.

use super::{TagRequest, TaggingError};
use crate::Location;
use crate::request::changed::{changed_since, expand};
use crate::request::{ReleaseRequest, Selection, check_tag_name};
use std::path::PathBuf;

/// One tag the run makes (or finds).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedTag {
    /// The repository as the request names it.
    pub repo: String,
    pub tag: String,
    pub commit: String,
    /// The DESIGN.md tag message.
    pub message: String,
    pub version: String,
    /// The request file and the project's position in it.
    pub request: PathBuf,
    pub location: Location,
}

/// Every tag of a run, in the order of the files and their entries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagPlan {
    pub tags: Vec<PlannedTag>,
    /// The request files read (after `--changed-since`, only the changed ones).
    pub files: Vec<PathBuf>,
}

impl TagPlan {
    /// Reads and validates every request file, then lists the tags. Any problem is
    /// bad input (exit 2) and nothing is asked of any remote.
    pub fn build(request: &TagRequest) -> crate::Result<TagPlan> {
        if request.requests.is_empty() {
            return Err(
                TaggingError::Usage("no request file given: pass --request FILE".into()).into(),
            );
        }
        if request.all && request.changed_since.is_some() {
            return Err(TaggingError::Usage(
                "--all and --changed-since choose entries differently; give one".into(),
            )
            .into());
        }
        let files = expand(&request.requests)?;
        if files.is_empty() {
            return Err(TaggingError::Usage(format!(
                "no request files (.yaml, .yml) in {}",
                request
                    .requests
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .into());
        }
        let chosen: Vec<(PathBuf, Selection)> = match &request.changed_since {
            Some(rev) => changed_since(&files, rev)?,
            None => {
                let selection = if request.all {
                    Selection::All
                } else {
                    Selection::Newest
                };
                files.into_iter().map(|f| (f, selection.clone())).collect()
            }
        };
        let mut requests = Vec::new();
        for (path, selection) in chosen {
            requests.push((ReleaseRequest::load(&path)?, selection));
        }
        let mut plan = TagPlan::default();
        for (file, selection) in &requests {
            plan.files.push(file.path.clone());
            for index in file.select(selection) {
                let release = &file.releases[index];
                for project in &release.projects {
                    let tag = match &project.tag {
                        Some(tag) => tag.clone(),
                        None => format!("{}{}", request.tag_prefix, release.version),
                    };
                    if let Err(reason) = check_tag_name(&tag) {
                        return Err(TaggingError::Invalid {
                            location: project.location.clone(),
                            message: format!(
                                "tag `{tag}` (--tag-prefix `{}` + version) is not a valid tag name: {reason}",
                                request.tag_prefix
                            ),
                        }
                        .into());
                    }
                    plan.add(PlannedTag {
                        repo: project.repo.clone(),
                        tag,
                        commit: project.hash.clone(),
                        message: file.tag_message(index, project).render(),
                        version: release.version.to_string(),
                        request: file.path.clone(),
                        location: project.location.clone(),
                    })?;
                }
            }
        }
        Ok(plan)
    }

    /// Adds a tag; the same tag twice is kept once when it names the same commit and
    /// refused when it does not.
    fn add(&mut self, tag: PlannedTag) -> Result<(), TaggingError> {
        if let Some(earlier) = self
            .tags
            .iter()
            .find(|t| t.repo == tag.repo && t.tag == tag.tag)
        {
            if earlier.commit == tag.commit {
                return Ok(());
            }
            return Err(TaggingError::Invalid {
                location: tag.location.clone(),
                message: format!(
                    "tag {} of {} would be {} here but {} at {}",
                    tag.tag, tag.repo, tag.commit, earlier.commit, earlier.location
                ),
            });
        }
        self.tags.push(tag);
        Ok(())
    }
}
