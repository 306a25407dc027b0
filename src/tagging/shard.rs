//! A release split over CI jobs: each shard tags its part of the plan (whole
//! repositories, shared out so that the shards hold about as many refs each) and
//! writes a shard report; the join reads the reports back against the plan, and makes the one report
//! a single run would have made.
//!
//! Every shard is all-or-nothing for its own repositories only: a problem in one
//! shard's preflight does not stop another shard. The join says which shards stopped.

use super::{TagOutcome, TagPlan, TagReport, TagStatus, TaggingError};
use crate::Location;
use crate::ci::shard::Shard;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// What the shard report file says it is, so that another JSON file is not read as one.
const KIND: &str = "tag-from-request shard report";

impl TagPlan {
    /// The repositories of the plan, in the order of their first tag or branch.
    pub fn repositories(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.refs
            .iter()
            .map(|r| r.repo.as_str())
            .filter(|repo| seen.insert(*repo))
            .collect()
    }

    /// The part of the plan `shard` makes: every ref of its repositories (a
    /// repository is never split, so its tags and branches stay in one preflight).
    pub fn shard(&self, shard: Shard) -> TagPlan {
        let owners = self.owners(shard.total);
        TagPlan {
            refs: self
                .refs
                .iter()
                .filter(|r| owners[r.repo.as_str()] == shard.index)
                .cloned()
                .collect(),
            files: self.files.clone(),
            skipped: self.skipped.clone(),
        }
    }

    /// Which shard of `total` makes each repository: the repositories with the most
    /// refs first, each to the shard with the fewest refs so far (ties: the earlier
    /// repository, the lower shard), so that shards are about the same size. Every
    /// shard computes it from the same plan and gets the same answer.
    pub fn owners(&self, total: u32) -> HashMap<&str, u32> {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        let mut position: HashMap<&str, usize> = HashMap::new();
        for r in &self.refs {
            let at = *position.entry(r.repo.as_str()).or_insert_with(|| {
                counts.push((r.repo.as_str(), 0));
                counts.len() - 1
            });
            counts[at].1 += 1;
        }
        // A stable sort keeps the plan's order among repositories of one size.
        counts.sort_by_key(|&(_, count)| std::cmp::Reverse(count));
        let mut load = vec![0usize; total.max(1) as usize];
        let mut owners = HashMap::new();
        for (repo, count) in counts {
            let lightest = (0..load.len())
                .min_by_key(|&i| (load[i], i))
                .expect("at least one shard");
            load[lightest] += count;
            owners.insert(repo, lightest as u32 + 1);
        }
        owners
    }
}

/// One shard's outcomes, as written for the join.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ShardReport {
    pub report: String,
    /// `K/N`.
    pub shard: String,
    pub dry_run: bool,
    pub aborted: bool,
    /// How the shard wrote its refs.
    pub routes: Vec<super::Route>,
    pub warnings: Vec<String>,
    pub refs: Vec<ShardOutcome>,
}

/// What became of one ref in a shard.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardOutcome {
    pub repo: String,
    /// `tag` or `branch`.
    pub kind: String,
    pub name: String,
    pub commit: String,
    pub status: TagStatus,
    pub detail: Option<String>,
    /// A tag's message as the shard wrote it (with its approval trail, if asked).
    pub message: Option<String>,
}

impl ShardReport {
    pub fn of(report: &TagReport, shard: Shard) -> ShardReport {
        ShardReport {
            report: KIND.into(),
            shard: shard.to_string(),
            dry_run: report.dry_run,
            aborted: report.aborted,
            routes: report.routes.clone(),
            warnings: report.warnings.clone(),
            refs: report
                .outcomes
                .iter()
                .map(|o| ShardOutcome {
                    repo: o.item.repo.clone(),
                    kind: o.item.noun().into(),
                    name: o.item.name.clone(),
                    commit: o.item.commit.clone(),
                    status: o.status,
                    detail: o.detail.clone(),
                    message: o.item.message().map(str::to_string),
                })
                .collect(),
        }
    }

    /// Writes the report to `path` whole or not at all.
    pub fn write(&self, path: &Path) -> Result<(), TaggingError> {
        let mut text = serde_json::to_string_pretty(self).expect("a report serializes");
        text.push('\n');
        if let Some(folder) = path.parent() {
            crate::fsio::create_folders(folder).map_err(|e| {
                TaggingError::ShardReport(format!("cannot write {}: {e}", path.display()))
            })?;
        }
        crate::fsio::write_atomic(path, text.as_bytes())
            .map_err(|e| TaggingError::ShardReport(format!("cannot write {}: {e}", path.display())))
    }

    /// Reads a shard report; anything else is bad input at its position.
    pub fn read(path: &Path) -> Result<(ShardReport, Shard), TaggingError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            TaggingError::Usage(format!("--join: cannot read {}: {e}", path.display()))
        })?;
        let invalid = |line: usize, column: usize, message: String| TaggingError::Invalid {
            location: Location::new(path, line.max(1), column.max(1)),
            message,
        };
        let report: ShardReport = serde_json::from_str(&text).map_err(|e| {
            let (location, cause) = Location::of_json_error(path, &e);
            TaggingError::Invalid {
                location,
                message: format!("not a tag-from-request shard report (--shard-report): {cause}"),
            }
        })?;
        if report.report != KIND {
            return Err(invalid(
                1,
                1,
                format!(
                    "`report` is `{}`, not `{KIND}`: give the files --shard-report wrote",
                    report.report
                ),
            ));
        }
        let shard = match report.shard.parse() {
            Ok(crate::ci::shard::ShardArg::Given(shard)) => shard,
            _ => {
                return Err(invalid(
                    1,
                    1,
                    format!("`shard` is `{}`, not K/N", report.shard),
                ));
            }
        };
        Ok((report, shard))
    }
}

/// The shard report files named: files, or folders of `.json` files.
pub fn report_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, TaggingError> {
    crate::fsio::files_named(paths, "json").map_err(|(path, reason)| {
        TaggingError::Usage(format!("--join: cannot read {}: {reason}", path.display()))
    })
}

/// Makes the report of the whole run from the shards' reports, checked against the
/// plan: a shard that sent no report, or left out a ref of its part, fails those refs;
/// a report that names refs the plan does not have (another commit of the requests,
/// other options) is bad input.
pub fn join(plan: &TagPlan, files: &[PathBuf]) -> Result<TagReport, TaggingError> {
    let received = Received::read(files)?;
    let owners = plan.owners(received.total);
    let owner_of = |i: usize| Shard {
        index: owners[plan.refs[i].repo.as_str()],
        total: received.total,
    };
    let index: RefIndex<'_> = plan
        .refs
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.repo.as_str(), r.noun(), r.name.as_str()), i))
        .collect();
    let mut outcomes: Vec<Option<TagOutcome>> = vec![None; plan.refs.len()];
    let mut warnings = Vec::new();
    let mut routes = Vec::new();
    for (shard, (file, report)) in &received.shards {
        for (i, outcome) in placed(plan, &index, *shard, file, report, &owner_of)? {
            outcomes[i] = Some(outcome);
        }
        for route in &report.routes {
            if !routes.contains(route) {
                routes.push(*route);
            }
        }
        if report.aborted && !received.dry_run {
            warnings.push(format!(
                "shard {shard}'s preflight found problems: nothing of its part was written"
            ));
        }
        for warning in &report.warnings {
            if !warnings.contains(warning) {
                warnings.push(warning.clone());
            }
        }
    }
    let missing: Vec<String> = Shard::all(received.total)
        .filter(|s| !received.shards.contains_key(s))
        .map(|s| s.to_string())
        .collect();
    if !missing.is_empty() {
        warnings.push(format!(
            "no report from shard{} {}: their tags are counted as not made",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ));
    }
    let outcomes = outcomes
        .into_iter()
        .enumerate()
        .map(|(i, outcome)| {
            outcome.unwrap_or_else(|| {
                let owner = owner_of(i);
                let detail = if received.shards.contains_key(&owner) {
                    format!("shard {owner}'s report does not name it")
                } else {
                    format!("shard {owner} sent no report")
                };
                TagOutcome {
                    item: plan.refs[i].clone(),
                    status: TagStatus::Failed,
                    detail: Some(detail),
                }
            })
        })
        .collect();
    Ok(TagReport {
        outcomes,
        dry_run: received.dry_run,
        aborted: missing.is_empty() && received.shards.values().all(|(_, r)| r.aborted),
        files: plan.files.clone(),
        skipped: plan.skipped.clone(),
        warnings,
        routes,
    })
}

/// Each planned ref's place in the plan, by repository, kind and name.
type RefIndex<'a> = HashMap<(&'a str, &'a str, &'a str), usize>;

/// The shard reports of one run, by shard.
struct Received {
    shards: BTreeMap<Shard, (PathBuf, ShardReport)>,
    total: u32,
    dry_run: bool,
}

impl Received {
    /// Reads every file; two splits of the run, a shard twice, dry runs beside real
    /// ones are refused.
    fn read(files: &[PathBuf]) -> Result<Received, TaggingError> {
        let mut shards: BTreeMap<Shard, (PathBuf, ShardReport)> = BTreeMap::new();
        for file in files {
            let (report, shard) = ShardReport::read(file)?;
            let at = |message: String| TaggingError::Invalid {
                location: Location::new(file, 1, 1),
                message,
            };
            if let Some((first, (path, _))) = shards.first_key_value()
                && first.total != shard.total
            {
                return Err(at(format!(
                    "shard {shard} is of a run split {} ways, {} of one split {} ways",
                    shard.total,
                    path.display(),
                    first.total
                )));
            }
            if let Some((other, _)) = shards.get(&shard) {
                return Err(at(format!(
                    "shard {shard} is reported twice: here and in {}",
                    other.display()
                )));
            }
            shards.insert(shard, (file.clone(), report));
        }
        let Some(first) = shards.values().next().map(|(_, r)| r.dry_run) else {
            return Err(TaggingError::Usage(
                "--join needs the shard reports: give the files or folders --shard-report wrote"
                    .into(),
            ));
        };
        if shards.values().any(|(_, r)| r.dry_run != first) {
            return Err(TaggingError::Usage(
                "the shard reports mix dry runs and real runs: join the reports of one run".into(),
            ));
        }
        let total = shards.keys().next().map_or(1, |s| s.total);
        Ok(Received {
            shards,
            total,
            dry_run: first,
        })
    }
}

/// Each ref of one shard's report at its place in the plan, with the message the shard
/// wrote; a ref that is not in the shard's part of the plan is bad input.
fn placed(
    plan: &TagPlan,
    index: &RefIndex<'_>,
    shard: Shard,
    file: &Path,
    report: &ShardReport,
    owner_of: &dyn Fn(usize) -> Shard,
) -> Result<Vec<(usize, TagOutcome)>, TaggingError> {
    let mut placed = Vec::new();
    for found in &report.refs {
        let key = (
            found.repo.as_str(),
            found.kind.as_str(),
            found.name.as_str(),
        );
        let at = index
            .get(&key)
            .copied()
            .filter(|&i| plan.refs[i].commit == found.commit && owner_of(i) == shard);
        let Some(i) = at else {
            return Err(TaggingError::Invalid {
                location: Location::new(file, 1, 1),
                message: format!(
                    "shard {shard} reports {} {} of {} at {}, which is not its part of this plan: were the shards run on another commit of the requests or with other options?",
                    found.kind, found.name, found.repo, found.commit
                ),
            });
        };
        let mut item = plan.refs[i].clone();
        if let (super::RefKind::Tag { message, .. }, Some(written)) =
            (&mut item.kind, &found.message)
        {
            message.clone_from(written);
        }
        placed.push((
            i,
            TagOutcome {
                item,
                status: found.status,
                detail: found.detail.clone(),
            },
        ));
    }
    Ok(placed)
}
