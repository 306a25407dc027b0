//! A local clone of one repository of the release: its tags (read once, with
//! `for-each-ref`), its tag prefix, and the deepening of a shallow clone.
//!
//! A shallow clone (actions/checkout's depth 1, GitLab's depth 20) may lack the
//! previous tag, or hold it while the history between the tags is cut off; either
//! way `git log` would list too few commits. So a shallow clone is deepened from its
//! remote (`git fetch --unshallow --tags`) whenever the range needs it, and without a
//! remote the run fails with the fix instead of writing a short changelog.

use super::ChangelogError;
use crate::git::{Credentials, Git};
use crate::version::Version;
use crate::{Error, Result};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// A tag as `for-each-ref` lists it.
#[derive(Debug, Clone)]
pub struct TagInfo {
    /// The commit the tag leads to, when it points at one directly or through one
    /// annotated tag object.
    commit: Option<String>,
    /// `YYYY-MM-DD` of the tag (tagger date) or of its commit (lightweight).
    pub date: String,
}

/// What happened to a clone on the way (shown as progress).
pub type Notes = Vec<String>;

pub struct LocalRepo {
    pub git: Git,
    /// Name used in messages (`acme/api`, or the folder).
    pub label: String,
    remote: String,
    tags: HashMap<String, TagInfo>,
    shallow: bool,
}

impl LocalRepo {
    /// Opens the clone at `dir` and reads its tags; `None` when it is no repository.
    pub fn open(
        dir: &Path,
        label: &str,
        remote: &str,
        credentials: Option<Credentials>,
    ) -> Result<Option<LocalRepo>> {
        let git = Git::new(dir).with_credentials(credentials);
        if !git.is_repository() {
            return Ok(None);
        }
        let mut repo = LocalRepo {
            shallow: git.is_shallow()?,
            git,
            label: label.to_string(),
            remote: remote.to_string(),
            tags: HashMap::new(),
        };
        repo.read_tags()?;
        Ok(Some(repo))
    }

    fn read_tags(&mut self) -> Result<()> {
        let listing = self.git.run([
            "for-each-ref",
            "--format=%(refname:strip=2)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)%00%(creatordate:short)",
            "refs/tags",
        ])?;
        self.tags.clear();
        for line in listing.lines() {
            let fields: Vec<&str> = line.split('\0').collect();
            let [name, kind, object, peeled_kind, peeled, date] = fields[..] else {
                continue;
            };
            let commit = match (kind, peeled_kind) {
                ("commit", _) => Some(object.to_string()),
                ("tag", "commit") => Some(peeled.to_string()),
                _ => None,
            };
            self.tags.insert(
                name.to_string(),
                TagInfo {
                    commit,
                    date: date.to_string(),
                },
            );
        }
        Ok(())
    }

    pub fn is_shallow(&self) -> bool {
        self.shallow
    }

    pub fn has_tag(&self, name: &str) -> bool {
        self.tags.contains_key(name)
    }

    pub fn tag(&self, name: &str) -> Option<&TagInfo> {
        self.tags.get(name)
    }

    /// The commit of tag `name`, peeling nested tag objects when there are any.
    pub fn tag_commit(&self, name: &str) -> Result<Option<String>> {
        match self.tags.get(name) {
            None => Ok(None),
            Some(TagInfo {
                commit: Some(commit),
                ..
            }) => Ok(Some(commit.clone())),
            Some(_) => Ok(self.git.resolve(&format!("refs/tags/{name}^{{commit}}"))?),
        }
    }

    /// The tag prefix this clone uses for releases: `""` or `v`, whichever names the
    /// version's tag (or the previous version's); else the one most tags parse with.
    pub fn detect_prefix(&self, version: &Version, previous: Option<&Version>) -> String {
        const CANDIDATES: [&str; 2] = ["", "v"];
        for v in std::iter::once(version).chain(previous) {
            if let Some(p) = CANDIDATES.iter().find(|p| self.has_tag(&format!("{p}{v}"))) {
                return p.to_string();
            }
        }
        let count = |prefix: &str| {
            self.tags
                .keys()
                .filter_map(|t| t.strip_prefix(prefix))
                .filter(|rest| Version::parse(rest).is_ok())
                .count()
        };
        if count("v") > count("") {
            "v".into()
        } else {
            String::new()
        }
    }

    /// Every tag `prefix` + version, with its version.
    pub fn version_tags(&self, prefix: &str) -> Vec<(Version, &str)> {
        self.tags
            .keys()
            .filter_map(|name| {
                let version = Version::parse(name.strip_prefix(prefix)?).ok()?;
                Some((version, name.as_str()))
            })
            .collect()
    }

    fn has_remote(&self) -> bool {
        self.git.remote_url_for_display(&self.remote).is_some()
    }

    /// Fetches the whole history and every tag from the remote; `what` names what was
    /// missing, for the error when there is no remote.
    pub fn deepen(&mut self, what: &str, notes: &mut Notes) -> Result<()> {
        let Some(url) = self.git.remote_url_for_display(&self.remote) else {
            return Err(ChangelogError::ShallowWithoutRemote {
                repo: self.label.clone(),
                what: what.to_string(),
                remote: self.remote.clone(),
            }
            .into());
        };
        self.git.run([
            "fetch",
            "--unshallow",
            "--tags",
            "--quiet",
            "--end-of-options",
            &self.remote,
        ])?;
        notes.push(format!(
            "{}: shallow clone lacked {what}; fetched the whole history and tags from `{}` ({url})",
            self.label, self.remote
        ));
        self.shallow = self.git.is_shallow()?;
        self.read_tags()
    }

    /// Makes sure tag `name` is here: a shallow clone is deepened, a full clone
    /// fetches the one tag from the remote. Returns false when it exists nowhere.
    pub fn ensure_tag(&mut self, name: &str, notes: &mut Notes) -> Result<bool> {
        if self.has_tag(name) {
            return Ok(true);
        }
        if self.shallow {
            self.deepen(&format!("tag {name}"), notes)?;
        } else if self.has_remote() && self.git.fetch_tag(&self.remote, name)? {
            notes.push(format!(
                "{}: fetched tag {name} from `{}`",
                self.label, self.remote
            ));
            self.read_tags()?;
        }
        Ok(self.has_tag(name))
    }

    /// Finds the release's own tag, which may not exist yet. Unlike a previous
    /// version's tag, its absence is no error, so a remote that cannot be asked (an
    /// offline runner, a remote that needs credentials) leaves it [`NewTag::Unknown`].
    pub fn ensure_new_tag(&mut self, name: &str, notes: &mut Notes) -> Result<NewTag> {
        if self.has_tag(name) {
            return Ok(NewTag::Found);
        }
        if self.shallow {
            self.deepen(&format!("tag {name}"), notes)?;
        } else if self.has_remote() {
            match self.git.fetch_tag(&self.remote, name) {
                Ok(true) => {
                    notes.push(format!(
                        "{}: fetched tag {name} from `{}`",
                        self.label, self.remote
                    ));
                    self.read_tags()?;
                }
                Ok(false) => {}
                Err(error) => {
                    return Ok(NewTag::Unknown {
                        remote: self.remote.clone(),
                        reason: error.reason(),
                    });
                }
            }
        }
        Ok(if self.has_tag(name) {
            NewTag::Found
        } else {
            NewTag::Absent
        })
    }

    /// The remote a missing tag was also looked for on, for the error message.
    pub fn remote_searched(&self) -> Option<String> {
        self.has_remote().then(|| self.remote.clone())
    }

    /// In a shallow clone, whether the history of `previous..new` is cut off: a
    /// commit of the range is a shallow boundary (its parents are missing), so `git
    /// log` would stop early. A full clone is never cut.
    pub fn range_is_cut(&self, previous: Option<&str>, new: &str) -> Result<bool> {
        if !self.shallow {
            return Ok(false);
        }
        let shallow_file = self.git.run(["rev-parse", "--git-path", "shallow"])?;
        let shallow_file = self.git.dir().join(shallow_file);
        let boundary: HashSet<String> = std::fs::read_to_string(&shallow_file)
            .map_err(|source| {
                Error::from(ChangelogError::Read {
                    path: shallow_file.clone(),
                    error: source,
                })
            })?
            .lines()
            .map(str::to_string)
            .collect();
        let range = match previous {
            Some(p) => format!("{p}..{new}"),
            None => new.to_string(),
        };
        let listed = self.git.run(["rev-list", &range, "--"])?;
        Ok(listed.lines().any(|id| boundary.contains(id)))
    }
}

/// Whether the release's own tag exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewTag {
    Found,
    Absent,
    /// The clone lacks it and its remote could not be asked.
    Unknown {
        remote: String,
        reason: String,
    },
}
