//! File writes that never leave a half-written file (write a temporary file in the
//! same folder, flush it, keep the old file's permissions and owner, then rename
//! over), the one routine that applies format-preserving span edits, and the check
//! that a path named by a user stays inside a folder once symbolic links are followed.
//!
//! A run killed between staging and renaming (`kill -9`, a cancelled job) leaves its
//! temporary files behind; the next write in that folder removes them (see
//! [`sweep_stale`]).

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
use std::path::{Path, PathBuf};

/// The largest file the tools read as a document (a release request, a bumped file, a
/// changelog, a link map): 16 MiB. Such files are a few kilobytes; a larger one is
/// refused before it is read, so a hostile 100 MB file costs neither memory nor time.
pub const MAX_DOCUMENT_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a document of at most [`MAX_DOCUMENT_BYTES`]. A larger file is an error of kind
/// `FileTooLarge` whose message says so; only the limit plus one byte is ever read.
pub fn read_document(path: &Path) -> std::io::Result<Vec<u8>> {
    read_document_and_metadata(path).map(|(bytes, _)| bytes)
}

/// [`read_document`], and the file's metadata (from the open file: no second lookup).
pub fn read_document_and_metadata(path: &Path) -> std::io::Result<(Vec<u8>, std::fs::Metadata)> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    let mut bytes = Vec::with_capacity(metadata.len().min(MAX_DOCUMENT_BYTES) as usize + 1);
    file.take(MAX_DOCUMENT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            too_large_message(),
        ));
    }
    Ok((bytes, metadata))
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
    let file = NewContent {
        path,
        bytes,
        existing: None,
    };
    stage(file, flush)?.commit()
}

/// The new bytes of a file, and what is known of the file they replace.
#[derive(Debug, Clone, Copy)]
pub struct NewContent<'a> {
    pub path: &'a Path,
    pub bytes: &'a [u8],
    /// The replaced file's metadata when the caller already has it (read with the old
    /// content); otherwise it is looked up.
    pub existing: Option<&'a std::fs::Metadata>,
}

/// A new content written to a temporary file beside its destination, not yet in place.
/// Dropping it removes the temporary file and leaves the destination as it was.
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl Staged {
    /// Renames the temporary file over the destination: readers see the old file or
    /// the new one, never a mix.
    pub fn commit(self) -> std::io::Result<()> {
        self.tmp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Writes the new content to a temporary file in its folder with the replaced file's
/// permissions and owner, ready to [`Staged::commit`].
pub fn stage(file: NewContent<'_>, flush: Flush) -> std::io::Result<Staged> {
    let NewContent {
        path,
        bytes,
        existing,
    } = file;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    // The process id in the name tells a later run whether the writer still runs.
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    builder.prefix(&prefix).suffix(TEMP_SUFFIX);
    // A new file gets the mode any program gives it (0666 less the umask), not the
    // temporary file's 0600: a later job running as another user reads it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    sweep_once(dir, tmp.as_file());
    tmp.write_all(bytes)?;
    if flush == Flush::BeforeRename {
        tmp.as_file().sync_all()?;
    }
    let looked_up;
    let existing = match existing {
        Some(meta) => Some(meta),
        None => {
            looked_up = std::fs::metadata(path).ok();
            looked_up.as_ref()
        }
    };
    if let Some(meta) = existing {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    keep_owner(tmp.as_file(), existing, dir);
    Ok(Staged {
        tmp,
        path: path.to_path_buf(),
    })
}

const TEMP_PREFIX: &str = ".relay-";
const TEMP_SUFFIX: &str = ".tmp";

/// A temporary file whose writer is gone is removed after this long: a live writer
/// renames its files within seconds of staging them.
pub const STALE_AFTER_EXIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Any temporary file of ours is removed after this long, whoever wrote it: the
/// process id of a writer in another PID namespace (a job in another container on a
/// shared workspace) cannot be checked.
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Sweeps `dir` the first time this process writes there.
fn sweep_once(dir: &Path, own_temp: &std::fs::File) {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static SWEPT: OnceLock<Mutex<HashSet<PathBuf>>> = OnceLock::new();
    let first = SWEPT
        .get_or_init(Default::default)
        .lock()
        .map(|mut swept| swept.insert(dir.to_path_buf()))
        .unwrap_or(false);
    if first {
        sweep_stale(dir, own_temp, std::time::SystemTime::now());
    }
}

/// Removes the temporary files a killed run of ours left in `dir`, and only those: a
/// name of our pattern (`.relay-<pid>-<6 letters or digits>.tmp`, or the older
/// `.relay-<6>.tmp`), a regular file, owned by the user this process writes as (the
/// owner of `own_temp`, just created) or by the folder's owner (the owner our files
/// are given), and stale: its writer no longer runs on this machine and it is older
/// than [`STALE_AFTER_EXIT`], or it is older than [`STALE_AFTER`]. A file that cannot
/// be judged is left alone; a failed removal changes nothing.
pub fn sweep_stale(dir: &Path, own_temp: &std::fs::File, now: std::time::SystemTime) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let owners = owners_of_ours(dir, own_temp);
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(writer) = name.to_str().and_then(temp_writer) else {
            continue;
        };
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() || !owned_by(&meta, &owners) {
            continue;
        }
        let Some(age) = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
        else {
            continue;
        };
        let writer_gone = writer.is_some_and(|pid| !process_runs(pid));
        if (writer_gone && age > STALE_AFTER_EXIT) || age > STALE_AFTER {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// For a name of our temporary files, the writer's process id when the name has one.
fn temp_writer(name: &str) -> Option<Option<u32>> {
    let middle = name.strip_prefix(TEMP_PREFIX)?.strip_suffix(TEMP_SUFFIX)?;
    let random = |text: &str| text.len() == 6 && text.bytes().all(|b| b.is_ascii_alphanumeric());
    if random(middle) {
        return Some(None);
    }
    let (pid, rest) = middle.split_once('-')?;
    let digits = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    (digits && random(rest)).then(|| pid.parse().ok())
}

/// Whether process `pid` runs here; `true` when that cannot be told (no `/proc`).
fn process_runs(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

#[cfg(unix)]
fn owners_of_ours(dir: &Path, own_temp: &std::fs::File) -> Vec<u32> {
    use std::os::unix::fs::MetadataExt;
    [own_temp.metadata().ok(), std::fs::metadata(dir).ok()]
        .into_iter()
        .flatten()
        .map(|m| m.uid())
        .collect()
}

#[cfg(unix)]
fn owned_by(meta: &std::fs::Metadata, owners: &[u32]) -> bool {
    use std::os::unix::fs::MetadataExt;
    owners.contains(&meta.uid())
}

#[cfg(not(unix))]
fn owners_of_ours(_dir: &Path, _own_temp: &std::fs::File) -> Vec<u32> {
    Vec::new()
}

#[cfg(not(unix))]
fn owned_by(_meta: &std::fs::Metadata, _owners: &[u32]) -> bool {
    true
}

/// Why [`write_files`] stopped, and what it had already put in place.
#[derive(Debug)]
pub struct WriteFailure {
    /// The index of the file that failed.
    pub index: usize,
    pub error: std::io::Error,
    /// The indices of the files already replaced (none when staging failed).
    pub written: Vec<usize>,
}

/// Writes many files, all or nothing as far as the file system allows: every new
/// content is staged in a temporary file first (a full disk or a read-only folder
/// fails here, before any file changes), then each is renamed over its destination.
///
/// Staging every file before the first rename also keeps creation fast: a rename frees
/// the old file's inode, and on ext4 without a journal every later creation in that
/// block group scans past recently freed inodes, which made interleaved writes of
/// thousands of files quadratic.
pub fn write_files(files: &[NewContent<'_>], flush: Flush) -> Result<(), WriteFailure> {
    let staged = on_threads(files.to_vec(), |file| stage(file, flush));
    let mut ready = Vec::with_capacity(files.len());
    let mut failure = None;
    for (index, result) in staged.into_iter().enumerate() {
        match result {
            Ok(staged) => ready.push(staged),
            Err(error) if failure.is_none() => failure = Some((index, error)),
            Err(_) => {}
        }
    }
    if let Some((index, error)) = failure {
        // Dropping `ready` removes every temporary file: nothing changed.
        return Err(WriteFailure {
            index,
            error,
            written: Vec::new(),
        });
    }
    let mut written = Vec::with_capacity(files.len());
    for (index, result) in on_threads(ready, Staged::commit).into_iter().enumerate() {
        match result {
            Ok(()) => written.push(index),
            Err(error) if failure.is_none() => failure = Some((index, error)),
            Err(_) => {}
        }
    }
    match failure {
        None => Ok(()),
        Some((index, error)) => Err(WriteFailure {
            index,
            error,
            written,
        }),
    }
}

/// Runs `work` on every item, a share of them on each of a few threads, and returns
/// the results in the items' order. Creating and renaming files waits on the file
/// system more than on the CPU, so more threads than cores still help.
pub(crate) fn on_threads<T: Send, R: Send>(items: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    const THREADS: usize = 4;
    if items.len() < 2 * THREADS {
        return items.into_iter().map(work).collect();
    }
    let share = items.len().div_ceil(THREADS);
    let mut shares: Vec<Vec<T>> = Vec::with_capacity(THREADS);
    let mut items = items.into_iter();
    loop {
        let part: Vec<T> = items.by_ref().take(share).collect();
        if part.is_empty() {
            break;
        }
        shares.push(part);
    }
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|part| scope.spawn(move || part.into_iter().map(work).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a file-writing thread does not panic"))
            .collect()
    })
}

/// The files named, a folder standing for its files ending in `.extension` (sorted, not
/// recursive: a download of several jobs' artifacts into one folder). A folder that
/// cannot be read, or holds no such file, is the error, with the folder.
pub fn files_named(
    paths: &[std::path::PathBuf],
    extension: &str,
) -> Result<Vec<std::path::PathBuf>, (std::path::PathBuf, String)> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let listed = std::fs::read_dir(path).map_err(|e| (path.clone(), e.to_string()))?;
        let mut found: Vec<std::path::PathBuf> = listed
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == extension) && p.is_file())
            .collect();
        found.sort();
        if found.is_empty() {
            return Err((
                path.clone(),
                format!("the folder holds no .{extension} file"),
            ));
        }
        files.extend(found);
    }
    Ok(files)
}

/// Creates the missing folders of `dir`, each given the owner of the folder it is
/// made in (inside a container the tool runs as root; the workspace is the runner's).
pub fn create_folders(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_folders(parent)?;
    }
    std::fs::create_dir(dir).or_else(|e| {
        // Another writer made it meanwhile.
        if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() {
            Ok(())
        } else {
            Err(e)
        }
    })?;
    give_folder_owner(dir);
    Ok(())
}

#[cfg(unix)]
fn give_folder_owner(dir: &Path) {
    use std::os::unix::fs::MetadataExt;
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let (Ok(made), Ok(above)) = (std::fs::metadata(dir), std::fs::metadata(parent))
        && (made.uid(), made.gid()) != (above.uid(), above.gid())
    {
        let _ = std::os::unix::fs::chown(dir, Some(above.uid()), Some(above.gid()));
    }
}

#[cfg(not(unix))]
fn give_folder_owner(_dir: &Path) {}

/// Inside a container the tool runs as root while the workspace belongs to the runner's
/// user; a root-owned file breaks the job's later steps. Give the new file the owner of
/// the file it replaces, or of its folder. Failing to (not root) changes nothing.
#[cfg(unix)]
fn keep_owner(tmp: &std::fs::File, existing: Option<&std::fs::Metadata>, dir: &Path) {
    use std::os::unix::fs::MetadataExt;
    let owner = match existing {
        Some(meta) => (meta.uid(), meta.gid()),
        None => match std::fs::metadata(dir) {
            Ok(meta) => (meta.uid(), meta.gid()),
            Err(_) => return,
        },
    };
    let current = tmp.metadata().map(|m| (m.uid(), m.gid()));
    if current.is_ok_and(|ids| ids != owner) {
        let _ = std::os::unix::fs::fchown(tmp, Some(owner.0), Some(owner.1));
    }
}

#[cfg(not(unix))]
fn keep_owner(_tmp: &std::fs::File, _existing: Option<&std::fs::Metadata>, _dir: &Path) {}

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
    fn new_folders_take_the_owner_of_the_folder_they_are_made_in() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let workspace = dir.path().join("workspace");
        std::fs::create_dir(&workspace).unwrap();
        // As root (inside a container) the workspace is another user's; otherwise ours.
        let _ = std::os::unix::fs::chown(&workspace, Some(4321), Some(4321));
        let owner = std::fs::metadata(&workspace)
            .map(|m| (m.uid(), m.gid()))
            .unwrap();
        create_folders(&workspace.join("shard-reports/deep")).unwrap();
        for made in ["shard-reports", "shard-reports/deep"] {
            let meta = std::fs::metadata(workspace.join(made)).unwrap();
            assert!(meta.is_dir());
            assert_eq!((meta.uid(), meta.gid()), owner, "{made}");
        }
        // Folders already there are left as they are.
        create_folders(&workspace.join("shard-reports")).unwrap();
    }

    #[test]
    fn a_folder_stands_for_its_files_of_one_kind_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let reports = dir.path().join("reports");
        std::fs::create_dir(&reports).unwrap();
        for name in ["2.json", "1.json", "notes.txt"] {
            std::fs::write(reports.join(name), "{}").unwrap();
        }
        let single = dir.path().join("single.json");
        let found = files_named(&[reports.clone(), single.clone()], "json").unwrap();
        assert_eq!(
            found,
            [reports.join("1.json"), reports.join("2.json"), single]
        );
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert_eq!(
            files_named(std::slice::from_ref(&empty), "json").unwrap_err(),
            (empty, "the folder holds no .json file".to_string())
        );
    }

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
    fn many_files_are_all_staged_before_any_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<_> = (0..20).map(|i| dir.path().join(format!("f{i}"))).collect();
        for path in &paths {
            std::fs::write(path, "old").unwrap();
        }
        // The 13th destination's folder does not exist: staging it fails, and then no
        // file may have changed and no temporary file may be left.
        let missing = dir.path().join("gone").join("f12");
        let mut targets: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        targets[12] = &missing;
        let new_contents = |targets: &[&Path]| -> Vec<(PathBuf, &'static [u8])> {
            targets
                .iter()
                .map(|p| (p.to_path_buf(), &b"new"[..]))
                .collect()
        };
        let write = |contents: Vec<(PathBuf, &[u8])>| {
            let files: Vec<NewContent> = contents
                .iter()
                .map(|(path, bytes)| NewContent {
                    path,
                    bytes,
                    existing: None,
                })
                .collect();
            write_files(&files, Flush::Skip)
        };
        let failure = write(new_contents(&targets)).unwrap_err();
        assert_eq!(failure.index, 12);
        assert!(failure.written.is_empty());
        for path in &paths {
            assert_eq!(std::fs::read_to_string(path).unwrap(), "old");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 20);

        targets[12] = &paths[12];
        write(new_contents(&targets)).unwrap();
        for path in &paths {
            assert_eq!(std::fs::read_to_string(path).unwrap(), "new");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 20);
    }

    #[test]
    fn the_metadata_read_with_the_old_content_gives_the_new_file_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("VERSION");
        std::fs::write(&path, "1.0.0\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let (old, metadata) = read_document_and_metadata(&path).unwrap();
        assert_eq!(old, b"1.0.0\n");
        let content = NewContent {
            path: &path,
            bytes: b"1.1.0\n",
            existing: Some(&metadata),
        };
        write_files(&[content], Flush::Skip).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "1.1.0\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_gets_the_mode_of_the_umask_like_any_other() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        // What this process's umask makes of a new file (std creates files 0666).
        let plain = dir.path().join("plain");
        std::fs::File::create(&plain).unwrap();
        let expected = std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777;
        let path = dir.path().join("outputs.env.NOTES");
        write_atomic(&path, b"notes").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, expected);
        assert_ne!(mode, 0o600, "the umask of a test run is not 077");
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

    #[test]
    fn only_names_of_our_temporary_files_are_ours() {
        assert_eq!(temp_writer(".relay-4242-aB3xZ9.tmp"), Some(Some(4242)));
        assert_eq!(temp_writer(".relay-aB3xZ9.tmp"), Some(None));
        for other in [
            ".relay-notes.tmp",
            ".relay-4242-aB3xZ9.tmp.bak",
            "relay-4242-aB3xZ9.tmp",
            ".relay-42x-aB3xZ9.tmp",
            ".relay--aB3xZ9.tmp",
            ".relay-4242-aB3x.tmp",
        ] {
            assert_eq!(temp_writer(other), None, "{other}");
        }
    }
}
