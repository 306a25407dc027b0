//! What git writes into a repository keeps the repository's owner.
//!
//! A container action runs as root while the runner's workspace belongs to the
//! runner's user: objects, refs and packs a root git writes there make the runner's
//! next `git add` fail ("insufficient permission for adding an object") and keep a
//! self-hosted runner from cleaning the workspace. After a command that writes, every
//! entry of the git directory that this process's user owns is handed to the owner of
//! the git directory. Nothing happens when this process does not run as root, or when
//! the repository is root's own.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::OnceLock;

/// Subcommands that may create or replace files in the git directory.
pub(super) const WRITING_COMMANDS: [&str; 26] = [
    "add",
    "am",
    "apply",
    "branch",
    "checkout",
    "cherry-pick",
    "commit",
    "commit-tree",
    "fetch",
    "gc",
    "hash-object",
    "merge",
    "mktag",
    "mktree",
    "notes",
    "pull",
    "push",
    "read-tree",
    "rebase",
    "remote",
    "reset",
    "stash",
    "switch",
    "tag",
    "update-index",
    "update-ref",
];

/// Whether this process runs as root (then what it creates needs handing back).
fn running_as_root() -> bool {
    static ROOT: OnceLock<bool> = OnceLock::new();
    // /proc/self belongs to the process's effective user.
    *ROOT.get_or_init(|| std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0))
}

/// Whether `git_dir` belongs to someone else than root, so that a root process
/// must hand back what it writes there.
pub(super) fn needs_handing_back(git_dir: &Path) -> bool {
    running_as_root() && std::fs::metadata(git_dir).is_ok_and(|m| m.uid() != 0)
}

/// Gives every entry below `git_dir` that root owns to the owner of `git_dir` (links
/// themselves, never what they point at). Returns how many entries changed owner.
pub fn hand_back(git_dir: &Path) -> std::io::Result<usize> {
    let owner = std::fs::metadata(git_dir)?;
    let (uid, gid) = (owner.uid(), owner.gid());
    let mut changed = 0;
    let mut pending = vec![git_dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.uid() == 0 {
                std::os::unix::fs::lchown(entry.path(), Some(uid), Some(gid))?;
                changed += 1;
            }
            if meta.is_dir() {
                pending.push(entry.path());
            }
        }
    }
    Ok(changed)
}
