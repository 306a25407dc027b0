//! From request files to the list of tags and branches a run makes, in four phases
//! with a result each: which files and entries ([`choose`]), the files read and
//! validated ([`read_all`], every problem of every file at once), what each file asks
//! for under OpenStack's rules ([`FilePlan`]: closed series skipped, branches that a
//! series' end already retired skipped), and the plan itself, where one tag or branch
//! named twice with two commits is refused. Nothing here asks a remote.

use super::message::tag_message;
use super::{TagRequest, TaggingError};
use crate::Location;
use crate::request::changed::{changed_since, expand, merging_commit};
use crate::request::{
    BranchStart, ReleaseFlag, ReleaseRequest, RequestError, Selection, SeriesStatus, check_tag_name,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a planned ref is.
#[derive(Debug, Clone, PartialEq)]
pub enum RefKind {
    /// An annotated tag with its message.
    Tag {
        message: String,
        /// The entry says `skipped-sig`: made without a signature even with `--sign`.
        unsigned: bool,
    },
    /// A branch, created where it is absent and never moved.
    Branch,
}

/// One tag or branch the run makes (or finds).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRef {
    pub kind: RefKind,
    /// The repository as the request names it.
    pub repo: String,
    /// The tag or branch name (without `refs/tags/`, `refs/heads/`).
    pub name: String,
    pub commit: String,
    /// The version of the release entry (a branch at a version says it too).
    pub version: Option<String>,
    /// The request file and the entry's position in it.
    pub request: PathBuf,
    pub location: Location,
    /// The commit of the requests repository that brought the entry (for the approval
    /// trail; known only when it is asked for).
    pub source_commit: Option<String>,
}

impl PlannedRef {
    pub fn is_tag(&self) -> bool {
        matches!(self.kind, RefKind::Tag { .. })
    }

    /// The full reference (`refs/tags/1.0.0`, `refs/heads/stable/2026.1`).
    pub fn full_name(&self) -> String {
        match self.kind {
            RefKind::Tag { .. } => format!("refs/tags/{}", self.name),
            RefKind::Branch => format!("refs/heads/{}", self.name),
        }
    }

    /// The tag's name, or `branch <name>`: how messages name the ref.
    pub fn label(&self) -> String {
        match self.kind {
            RefKind::Tag { .. } => self.name.clone(),
            RefKind::Branch => format!("branch {}", self.name),
        }
    }

    /// `tag` or `branch`, for messages.
    pub fn noun(&self) -> &'static str {
        if self.is_tag() { "tag" } else { "branch" }
    }

    pub fn message(&self) -> Option<&str> {
        match &self.kind {
            RefKind::Tag { message, .. } => Some(message),
            RefKind::Branch => None,
        }
    }
}

/// A file or branch the run leaves alone, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub request: PathBuf,
    /// The branch, when one branch of the file is skipped.
    pub branch: Option<String>,
    pub reason: String,
}

/// Every tag and branch of a run: per file its tags, then its branches, in the file's
/// order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagPlan {
    pub refs: Vec<PlannedRef>,
    /// The request files read (after `--changed-since`, only the changed ones).
    pub files: Vec<PathBuf>,
    pub skipped: Vec<Skipped>,
}

impl TagPlan {
    /// Reads and validates every request file, then lists the tags and branches. Any
    /// problem is bad input (exit 2), every problem of every file is named, and
    /// nothing is asked of any remote.
    pub fn build(request: &TagRequest) -> crate::Result<TagPlan> {
        let chosen = choose(request)?;
        let requests = read_all(&chosen)?;
        let mut series = SeriesCatalog::default();
        let mut plan = TagPlan::default();
        let mut seen: HashMap<(String, String, bool), usize> = HashMap::new();
        let mut problems = Vec::new();
        for (file, selection) in &requests {
            plan.files.push(file.path.clone());
            let status = series
                .for_request(&file.path)
                .map_err(|e| problems_error(vec![e]))?;
            let mut file_plan = FilePlan::of(file, selection, status.as_deref(), request);
            if request.approvals && !file_plan.refs.is_empty() {
                let commit = merging_commit(&file.path, request.changed_since.as_deref())?;
                for planned in &mut file_plan.refs {
                    planned.source_commit = Some(commit.clone());
                }
            }
            plan.skipped.extend(file_plan.skipped);
            problems.extend(file_plan.problems);
            for planned in file_plan.refs {
                if let Err(problem) = plan.add(planned, &mut seen) {
                    problems.push(problem);
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems_error(problems).into());
        }
        Ok(plan)
    }

    pub fn tags(&self) -> impl Iterator<Item = &PlannedRef> {
        self.refs.iter().filter(|r| r.is_tag())
    }

    pub fn branches(&self) -> impl Iterator<Item = &PlannedRef> {
        self.refs.iter().filter(|r| !r.is_tag())
    }

    /// Adds a ref; the same ref twice is kept once when it names the same commit and
    /// refused when it does not. `seen` finds an earlier one in one look-up.
    fn add(
        &mut self,
        planned: PlannedRef,
        seen: &mut HashMap<(String, String, bool), usize>,
    ) -> Result<(), RequestError> {
        let key = (planned.repo.clone(), planned.name.clone(), planned.is_tag());
        if let Some(earlier) = seen.get(&key).map(|&at| &self.refs[at]) {
            if earlier.commit == planned.commit {
                return Ok(());
            }
            return Err(RequestError::Invalid {
                location: planned.location.clone(),
                message: format!(
                    "{} {} of {} would be {} here but {} at {}; name one commit",
                    planned.noun(),
                    planned.name,
                    planned.repo,
                    planned.commit,
                    earlier.commit,
                    earlier.location
                ),
            });
        }
        seen.insert(key, self.refs.len());
        self.refs.push(planned);
        Ok(())
    }
}

/// Every problem as one bad-input error.
fn problems_error(problems: Vec<RequestError>) -> TaggingError {
    TaggingError::Problems(problems)
}

/// The files of the run and, for each, which entries it takes.
fn choose(request: &TagRequest) -> crate::Result<Vec<(PathBuf, Selection)>> {
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
            "no request files (.yaml, .yml) in {}; name a request file or a folder that holds some",
            request
                .requests
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into());
    }
    Ok(match &request.changed_since {
        Some(rev) => changed_since(&files, rev)?,
        None => {
            let selection = if request.all {
                Selection::All
            } else {
                Selection::Newest
            };
            files.into_iter().map(|f| (f, selection.clone())).collect()
        }
    })
}

/// Every file read and validated; the error lists every problem of every file.
fn read_all(
    chosen: &[(PathBuf, Selection)],
) -> Result<Vec<(ReleaseRequest, Selection)>, TaggingError> {
    let mut requests = Vec::with_capacity(chosen.len());
    let mut problems = Vec::new();
    for (path, selection) in chosen {
        match ReleaseRequest::load_checked(path) {
            Ok(request) => requests.push((request, selection.clone())),
            Err(found) => problems.extend(found),
        }
    }
    if problems.is_empty() {
        Ok(requests)
    } else {
        Err(problems_error(problems))
    }
}

/// The series-status file of each requests repository, read once.
#[derive(Default)]
struct SeriesCatalog {
    /// Folder of a request → the status of its repository.
    by_folder: HashMap<PathBuf, Option<Arc<SeriesStatus>>>,
    by_file: HashMap<PathBuf, Arc<SeriesStatus>>,
}

impl SeriesCatalog {
    fn for_request(&mut self, request: &Path) -> Result<Option<Arc<SeriesStatus>>, RequestError> {
        let folder = request.parent().unwrap_or(Path::new(".")).to_path_buf();
        if let Some(known) = self.by_folder.get(&folder) {
            return Ok(known.clone());
        }
        let status = match SeriesStatus::find_for(request) {
            None => None,
            Some(file) => match self.by_file.get(&file) {
                Some(status) => Some(status.clone()),
                None => {
                    let status = Arc::new(SeriesStatus::load(&file)?);
                    self.by_file.insert(file, status.clone());
                    Some(status)
                }
            },
        };
        self.by_folder.insert(folder, status.clone());
        Ok(status)
    }
}

/// What one file asks the run for.
struct FilePlan {
    refs: Vec<PlannedRef>,
    skipped: Vec<Skipped>,
    problems: Vec<RequestError>,
}

impl FilePlan {
    /// OpenStack's rules: a file of a series at end of life is left alone (its
    /// branches were deleted), except the releases of a trailing deliverable; a file
    /// with no releases and no branches has nothing to make.
    fn of(
        file: &ReleaseRequest,
        selection: &Selection,
        status: Option<&SeriesStatus>,
        request: &TagRequest,
    ) -> FilePlan {
        let mut out = FilePlan {
            refs: Vec::new(),
            skipped: Vec::new(),
            problems: Vec::new(),
        };
        let skip = |reason: String| Skipped {
            request: file.path.clone(),
            branch: None,
            reason,
        };
        if file.releases.is_empty() && file.branches.is_empty() {
            out.skipped.push(skip(
                "the file lists no releases and no branches: nothing to make".into(),
            ));
            return out;
        }
        let closed = status.is_some_and(|s| s.is_closed(&file.series));
        if closed && !file.is_trailing() {
            out.skipped.push(skip(format!(
                "series {} is at end of life ({}): its releases and branches are not made any more",
                file.series,
                status.map_or(String::new(), |s| shown(&s.path))
            )));
            return out;
        }
        let branch = file
            .branch
            .clone()
            .or_else(|| status.map(|s| s.branch_of(&file.series)))
            .unwrap_or_else(|| "-".to_string());
        let first = file.first_release();
        for index in file.select(selection) {
            out.tags_of(file, index, &branch, first, request);
        }
        if closed {
            if !file.branches.is_empty() {
                out.skipped.push(skip(format!(
                    "series {} is at end of life: its branches are not made any more",
                    file.series
                )));
            }
            return out;
        }
        for index in file.select_branches(selection) {
            out.branch_of(file, index);
        }
        out
    }

    fn tags_of(
        &mut self,
        file: &ReleaseRequest,
        index: usize,
        branch: &str,
        first: Option<usize>,
        request: &TagRequest,
    ) {
        let release = &file.releases[index];
        let unsigned = release.flags.contains(&ReleaseFlag::SkippedSignature);
        for project in &release.projects {
            let tag = match &project.tag {
                Some(tag) => tag.clone(),
                None => {
                    if release.version.has_v() && request.tag_prefix.starts_with('v') {
                        self.problems.push(RequestError::Invalid {
                            location: release.location.clone(),
                            message: format!(
                                "version {} already starts with `v`, and --tag-prefix `{}` would make it `{}{}`; write the version without `v`, or give the project a `tag`",
                                release.version, request.tag_prefix, request.tag_prefix, release.version
                            ),
                        });
                        continue;
                    }
                    format!("{}{}", request.tag_prefix, release.version)
                }
            };
            if let Err(reason) = check_tag_name(&tag) {
                self.problems.push(RequestError::Invalid {
                    location: project.location.clone(),
                    message: format!(
                        "tag `{tag}` (--tag-prefix `{}` + version) is not a valid tag name: {reason}; choose another --tag-prefix",
                        request.tag_prefix
                    ),
                });
                continue;
            }
            self.refs.push(PlannedRef {
                kind: RefKind::Tag {
                    message: tag_message(file, index, project, branch, first).render(),
                    unsigned,
                },
                repo: project.repo.clone(),
                name: tag,
                commit: project.hash.clone(),
                version: Some(release.version.to_string()),
                request: file.path.clone(),
                location: project.location.clone(),
                source_commit: None,
            });
        }
    }

    fn branch_of(&mut self, file: &ReleaseRequest, index: usize) {
        let entry = &file.branches[index];
        if let Some(ended) = retired_by(file, &entry.name) {
            self.skipped.push(Skipped {
                request: file.path.clone(),
                branch: Some(entry.name.clone()),
                reason: format!(
                    "the file lists {ended}, which ended this branch: it is not made again"
                ),
            });
            return;
        }
        let (version, commits) = match &entry.start {
            BranchStart::Version(version) => (
                Some(version.clone()),
                file.release(version)
                    .map(|r| r.projects.clone())
                    .unwrap_or_default(),
            ),
            BranchStart::Commits(commits) => (None, commits.clone()),
        };
        for project in commits {
            self.refs.push(PlannedRef {
                kind: RefKind::Branch,
                repo: project.repo.clone(),
                name: entry.name.clone(),
                commit: project.hash.clone(),
                version: version.clone(),
                request: file.path.clone(),
                location: entry.location.clone(),
                source_commit: None,
            });
        }
    }
}

/// `path` from the working folder when it lies inside it, else as it is.
fn shown(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The series-end entry of `file` after which `branch` is not made again, as
/// OpenStack's `make_branch.sh` decides: `stable/<id>` ends with `<id>-eol` or
/// `<id>-eom` (it became `unmaintained/<id>`), `unmaintained/<id>` with `<id>-eol`,
/// `bugfix/<x>` with `bugfix-<x>-eol`.
fn retired_by<'a>(file: &'a ReleaseRequest, branch: &str) -> Option<&'a str> {
    let mut ends: Vec<String> = vec![format!("{}-eol", branch.replacen('/', "-", 1))];
    if let Some(id) = branch.strip_prefix("stable/") {
        ends.push(format!("{id}-eol"));
        ends.push(format!("{id}-eom"));
    }
    if let Some(id) = branch.strip_prefix("unmaintained/") {
        ends.push(format!("{id}-eol"));
    }
    file.releases
        .iter()
        .map(|r| r.version.as_str())
        .find(|v| ends.iter().any(|end| end == v))
}
