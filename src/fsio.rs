//! File writes that never leave a half-written file (write a temporary file in the
//! same folder, flush it, keep the old file's permissions and owner, then rename
//! over), the one routine that applies format-preserving span edits, and the check
//! that a path named by a user stays inside a folder once symbolic links are followed.

use std::ops::Range;

/// Replace the bytes of `range` with `replacement`; every other byte stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanEdit {
    pub range: Range<usize>,
    pub replacement: String,
}

/// Applies non-overlapping edits to `text`. Overlapping edits, or a range outside the
/// text or not on character boundaries, are refused with a description.
pub fn apply_edits(text: &str, edits: &[SpanEdit]) -> Result<String, String> {
    let mut sorted: Vec<&SpanEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in sorted {
        let Range { start, end } = edit.range;
        if start < at {
            return Err(format!("edits overlap at byte {start}"));
        }
        if end > text.len()
            || start > end
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            return Err(format!("edit {start}..{end} is outside the text"));
        }
        out.push_str(&text[at..start]);
        out.push_str(&edit.replacement);
        at = end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

use std::io::Write;
use std::path::Path;

/// The largest file the tools read as a document (a release request, a bumped file, a
/// changelog, a link map): 16 MiB. Such files are a few kilobytes; a larger one is
/// refused before it is read, so a hostile 100 MB file costs neither memory nor time.
pub const MAX_DOCUMENT_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a document of at most [`MAX_DOCUMENT_BYTES`]. A larger file is an error of kind
/// `FileTooLarge` whose message says so; only the limit plus one byte is ever read.
pub fn read_document(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_DOCUMENT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            too_large_message(),
        ));
    }
    Ok(bytes)
}

/// What a refused oversized document is told.
pub fn too_large_message() -> String {
    format!(
        "the file is larger than {} MiB, the limit for files the tools read",
        MAX_DOCUMENT_BYTES / (1024 * 1024)
    )
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename,
/// flushed to disk before the rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, bytes, Flush::BeforeRename)
}

/// Whether [`write_atomic_with`] flushes the temporary file before renaming it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// `fsync` first: the new content survives a crash of the machine right after.
    BeforeRename,
    /// No `fsync`: readers still see the old or the new file, never half of one (the
    /// rename is atomic, and ext4/XFS/btrfs order a replacing rename after the data),
    /// at a fraction of the cost when thousands of files are written (bump-versions
    /// on a monorepo: one `fsync` per file dominated its run time).
    Skip,
}

pub fn write_atomic_with(path: &Path, bytes: &[u8], flush: Flush) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".relay-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    if flush == Flush::BeforeRename {
        tmp.as_file().sync_all()?;
    }
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    keep_owner(tmp.path(), path, dir);
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Inside a container the tool runs as root while the workspace belongs to the runner's
/// user; a root-owned file breaks the job's later steps. Give the new file the owner of
/// the file it replaces, or of its folder. Failing to (not root) changes nothing.
#[cfg(unix)]
fn keep_owner(tmp: &Path, path: &Path, dir: &Path) {
    use std::os::unix::fs::MetadataExt;
    let owner = std::fs::metadata(path).or_else(|_| std::fs::metadata(dir));
    if let (Ok(owner), Ok(current)) = (owner, std::fs::metadata(tmp))
        && (owner.uid(), owner.gid()) != (current.uid(), current.gid())
    {
        let _ = std::os::unix::fs::chown(tmp, Some(owner.uid()), Some(owner.gid()));
    }
}

#[cfg(not(unix))]
fn keep_owner(_tmp: &Path, _path: &Path, _dir: &Path) {}

/// `path` with the symbolic links of its longest existing part resolved; the part that
/// does not exist is appended as it is.
pub fn resolve_links(path: &Path) -> std::path::PathBuf {
    let mut existing = path;
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |acc, part| acc.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// Whether `path` (absolute, without `..`) lies inside `base` once every symbolic link
/// on the way is followed: a file of a checkout that is, or sits under, a link to
/// somewhere else is not inside it.
pub fn stays_inside(path: &Path, base: &Path) -> bool {
    resolve_links(path).starts_with(resolve_links(base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_path_through_a_link_to_elsewhere_does_not_stay_inside() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("sub")).unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside"), repo.join("away")).unwrap();
        std::os::unix::fs::symlink(repo.join("sub"), repo.join("near")).unwrap();
        assert!(stays_inside(&repo.join("sub/x"), &repo));
        assert!(stays_inside(&repo.join("near/x"), &repo));
        assert!(stays_inside(&repo.join("new/deeper/x"), &repo));
        assert!(!stays_inside(&repo.join("away/x"), &repo));
        assert!(!stays_inside(&repo.join("away"), &repo));
        // The base itself may be reached through a link.
        std::os::unix::fs::symlink(&repo, dir.path().join("alias")).unwrap();
        assert!(stays_inside(&repo.join("sub/x"), &dir.path().join("alias")));
    }

    #[test]
    fn applies_edits_in_any_order_and_refuses_overlaps() {
        let edit = |r: Range<usize>, s: &str| SpanEdit {
            range: r,
            replacement: s.into(),
        };
        assert_eq!(
            apply_edits("a=1\nb=2\n", &[edit(6..7, "20"), edit(2..3, "10")]).unwrap(),
            "a=10\nb=20\n"
        );
        assert!(
            apply_edits("abc", &[edit(0..2, "x"), edit(1..3, "y")])
                .unwrap_err()
                .contains("overlap")
        );
        assert!(
            apply_edits("abc", &[edit(2..9, "x")])
                .unwrap_err()
                .contains("outside")
        );
    }

    #[test]
    fn an_unflushed_write_is_still_a_whole_file_by_rename() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("VERSION");
        std::fs::write(&path, "1.0.0\n").unwrap();
        write_atomic_with(&path, b"1.1.0\n", Flush::Skip).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "1.1.0\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn replaces_the_file_and_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.sh");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }
}

#[cfg(test)]
mod document_limit_tests {
    use super::*;

    #[test]
    fn a_document_over_the_limit_is_refused_after_reading_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_DOCUMENT_BYTES + 1).unwrap();
        let err = read_document(&path).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
        assert_eq!(
            err.to_string(),
            "the file is larger than 16 MiB, the limit for files the tools read"
        );
        std::fs::write(&path, b"1.0.0\n").unwrap();
        assert_eq!(read_document(&path).unwrap(), b"1.0.0\n");
    }
}
