//! A tool's work split over a CI system's parallel jobs: shard `K/N` of a run takes
//! every `N`th item from the `K`th, so that `N` jobs with the same input cover it all
//! once. A GitHub Actions matrix (`strategy.matrix` from a plan's JSON) or a GitLab
//! `parallel: N` job (`CI_NODE_INDEX` / `CI_NODE_TOTAL`, `--shard auto`) runs them.

use std::fmt;
use std::str::FromStr;

/// The most shards a plan makes: GitHub Actions runs at most 256 jobs per matrix
/// (GitLab's `parallel:` stops at 200, named in its own message).
pub const MATRIX_LIMIT: u32 = 256;

/// The most jobs GitLab's `parallel:` makes.
pub const GITLAB_PARALLEL_LIMIT: u32 = 200;

/// One shard of a run: the `index`th (from 1) of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shard {
    pub index: u32,
    pub total: u32,
}

/// What `--shard` was given: a shard, or `auto` (GitLab's `parallel:` variables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardArg {
    Given(Shard),
    Auto,
}

impl Shard {
    /// The whole run, unsplit.
    pub const WHOLE: Shard = Shard { index: 1, total: 1 };

    /// Whether the item at `position` (from 0, in the order every shard sees) is
    /// this shard's.
    pub fn owns(&self, position: usize) -> bool {
        position % self.total as usize == (self.index - 1) as usize
    }

    /// Every shard of a run split `total` ways.
    pub fn all(total: u32) -> impl Iterator<Item = Shard> {
        (1..=total).map(move |index| Shard { index, total })
    }

    fn parse(text: &str) -> Result<Shard, String> {
        let (index, total) = text
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not K/N (e.g. 3/8), nor `auto`"))?;
        let number = |part: &str, what: &str| {
            part.trim()
                .parse::<u32>()
                .map_err(|_| format!("`{text}`: the {what} `{part}` is not a whole number"))
        };
        let (index, total) = (number(index, "shard")?, number(total, "count")?);
        if total == 0 || total > MATRIX_LIMIT {
            return Err(format!(
                "`{text}`: the count must be 1 to {MATRIX_LIMIT} (GitHub's matrix limit)"
            ));
        }
        if index == 0 || index > total {
            return Err(format!("`{text}`: the shard must be 1 to {total}"));
        }
        Ok(Shard { index, total })
    }

    /// The shard GitLab's `parallel:` made this job: `CI_NODE_INDEX` of
    /// `CI_NODE_TOTAL`.
    pub fn from_gitlab(index: Option<&str>, total: Option<&str>) -> Result<Shard, String> {
        match (index, total) {
            (Some(index), Some(total)) => Shard::parse(&format!("{index}/{total}"))
                .map_err(|e| format!("CI_NODE_INDEX/CI_NODE_TOTAL {e}")),
            _ => Err(
                "--shard auto reads CI_NODE_INDEX and CI_NODE_TOTAL, which GitLab sets only in a job with `parallel: N`: give --shard K/N"
                    .into(),
            ),
        }
    }
}

impl Default for Shard {
    fn default() -> Shard {
        Shard::WHOLE
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

impl ShardArg {
    /// The shard this run is: as given, or for `auto` the one GitLab's `parallel:` made.
    pub fn resolve(self, ctx: &super::CiContext) -> Result<Shard, String> {
        match self {
            ShardArg::Given(shard) => Ok(shard),
            ShardArg::Auto => ctx.parallel_shard(),
        }
    }
}

impl FromStr for ShardArg {
    type Err = String;

    fn from_str(text: &str) -> Result<ShardArg, String> {
        if text.trim() == "auto" {
            Ok(ShardArg::Auto)
        } else {
            Shard::parse(text).map(ShardArg::Given)
        }
    }
}

/// How many shards `items` items make when at most `asked` are wanted: never more
/// than there are items (a shard with nothing to do is a job spent), at least one.
pub fn count_for(items: usize, asked: u32) -> u32 {
    asked.min(MATRIX_LIMIT).min(items.max(1) as u32).max(1)
}

/// The matrix a GitHub Actions job takes with
/// `strategy.matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}`: one `shard` per job.
pub fn matrix(total: u32) -> serde_json::Value {
    serde_json::json!({
        "shard": Shard::all(total).map(|s| s.to_string()).collect::<Vec<_>>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_position_once() {
        for total in [1, 2, 3, 8] {
            for position in 0..50 {
                let owners = Shard::all(total).filter(|s| s.owns(position)).count();
                assert_eq!(owners, 1, "position {position} of {total} shards");
            }
        }
    }

    #[test]
    fn a_shard_is_k_of_n_within_the_matrix_limit() {
        assert_eq!(
            "3/8".parse::<ShardArg>(),
            Ok(ShardArg::Given(Shard { index: 3, total: 8 }))
        );
        assert_eq!("auto".parse::<ShardArg>(), Ok(ShardArg::Auto));
        assert_eq!(
            "3".parse::<ShardArg>().unwrap_err(),
            "`3` is not K/N (e.g. 3/8), nor `auto`"
        );
        assert_eq!(
            "9/8".parse::<ShardArg>().unwrap_err(),
            "`9/8`: the shard must be 1 to 8"
        );
        assert_eq!(
            "0/8".parse::<ShardArg>().unwrap_err(),
            "`0/8`: the shard must be 1 to 8"
        );
        assert_eq!(
            "1/257".parse::<ShardArg>().unwrap_err(),
            "`1/257`: the count must be 1 to 256 (GitHub's matrix limit)"
        );
        assert_eq!(
            "a/8".parse::<ShardArg>().unwrap_err(),
            "`a/8`: the shard `a` is not a whole number"
        );
    }

    #[test]
    fn gitlab_parallel_variables_name_the_shard() {
        assert_eq!(
            Shard::from_gitlab(Some("2"), Some("4")),
            Ok(Shard { index: 2, total: 4 })
        );
        assert!(
            Shard::from_gitlab(None, Some("4"))
                .unwrap_err()
                .contains("parallel: N")
        );
    }

    #[test]
    fn a_plan_makes_no_empty_shards() {
        assert_eq!(count_for(3, 8), 3);
        assert_eq!(count_for(0, 8), 1);
        assert_eq!(count_for(10_000, 500), MATRIX_LIMIT);
        assert_eq!(matrix(2), serde_json::json!({"shard": ["1/2", "2/2"]}));
    }
}
