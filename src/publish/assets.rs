//! The files a release ships: local files named by paths or globs, or the files inside
//! the zip archives of a CI run's artifacts, each with its size and SHA-256; and the
//! `SHA256SUMS` file that lists them.

use super::PublishError;
use crate::pattern::PathPattern;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The name of the checksums file (the format `sha256sum` writes and `sha256sum -c`
/// reads).
pub const CHECKSUMS_FILE: &str = "SHA256SUMS";

/// One file to ship.
#[derive(Debug, Clone)]
pub struct AssetFile {
    /// The name it gets in the release (its file name).
    pub name: String,
    pub bytes: Bytes,
    /// Lower-case hex.
    pub sha256: String,
    /// Its path where it was found: relative to the folder, or inside the archive.
    pub path: String,
    /// Where it came from, for messages (`dist/a.tar.gz`, `artifact dist of CI #12: a.tar.gz`).
    pub source: String,
}

impl AssetFile {
    pub fn new(name: String, bytes: Bytes, path: String, source: String) -> AssetFile {
        AssetFile {
            sha256: sha256_hex(&bytes),
            name,
            bytes,
            path,
            source,
        }
    }

    pub fn size(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// The media type GitHub stores with the asset; browsers use it on download.
    pub fn content_type(&self) -> &'static str {
        content_type(&self.name)
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn content_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        _ if lower == "sha256sums" => "text/plain",
        "gz" | "tgz" => "application/gzip",
        "zip" => "application/zip",
        "xz" => "application/x-xz",
        "zst" => "application/zstd",
        "bz2" => "application/x-bzip2",
        "tar" => "application/x-tar",
        "json" => "application/json",
        "txt" | "md" | "sha256" => "text/plain",
        "asc" | "sig" => "application/pgp-signature",
        "deb" => "application/vnd.debian.binary-package",
        "rpm" => "application/x-rpm",
        "msi" => "application/x-msi",
        _ => "application/octet-stream",
    }
}

fn has_glob_syntax(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// The files `patterns` name, relative to `dir`: a plain path must be a file; a glob
/// must match at least one file. Order: as given, each glob's matches sorted.
///
/// Every file must lie inside `dir`: a pattern that is absolute or climbs with `..`
/// is refused before anything is read, and so is a file that is (or sits under) a
/// symbolic link leading out of `dir` — an asset input must not ship a file of the
/// runner that the release never built.
pub fn local_files(dir: &Path, patterns: &[String]) -> Result<Vec<AssetFile>, PublishError> {
    let base = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let patterns: Vec<&str> = patterns
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    for pattern in &patterns {
        if Path::new(pattern)
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(PublishError::Escapes {
                pattern: pattern.to_string(),
            });
        }
    }
    let mut assets = Vec::new();
    for pattern in patterns {
        let paths: Vec<PathBuf> = if has_glob_syntax(pattern) {
            let compiled = PathPattern::new(pattern).map_err(|reason| PublishError::BadGlob {
                pattern: pattern.to_string(),
                reason,
            })?;
            let files: Vec<PathBuf> = compiled
                .find_under(dir)
                .into_iter()
                .filter(|p| p.is_file())
                .collect();
            if files.is_empty() {
                return Err(PublishError::NoMatch {
                    pattern: pattern.to_string(),
                });
            }
            files
        } else {
            let path = dir.join(pattern);
            if !path.is_file() {
                return Err(PublishError::NoFile {
                    path: pattern.to_string(),
                });
            }
            vec![path]
        };
        for path in &paths {
            let inside =
                std::path::absolute(path).is_ok_and(|p| crate::fsio::stays_inside(&p, &base));
            if !inside {
                return Err(PublishError::LinkLeaves {
                    pattern: pattern.to_string(),
                    path: path.strip_prefix(dir).unwrap_or(path).display().to_string(),
                });
            }
        }
        for path in paths {
            let bytes = std::fs::read(&path).map_err(|source| PublishError::Read {
                path: path.clone(),
                source,
            })?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let shown = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            assets.push(AssetFile::new(name, bytes.into(), shown.clone(), shown));
        }
    }
    Ok(assets)
}

/// The files inside a zip archive (directories left out), named by their file name.
pub fn archive_files(archive: &Bytes, origin: &str) -> Result<Vec<AssetFile>, PublishError> {
    let bad = |reason: String| PublishError::BadArchive {
        origin: origin.to_string(),
        reason,
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive.clone()))
        .map_err(|e| bad(e.to_string()))?;
    let mut assets = Vec::new();
    for index in 0..zip.len() {
        let mut entry = zip.by_index(index).map_err(|e| bad(e.to_string()))?;
        if entry.is_dir() {
            continue;
        }
        let path = entry.name().map_err(|e| bad(e.to_string()))?.to_string();
        let name = path.rsplit('/').next().unwrap_or(&path).to_string();
        if name.is_empty() {
            continue;
        }
        let mut bytes = Vec::with_capacity(entry.size().min(1 << 30) as usize);
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| bad(format!("{path}: {e}")))?;
        let source = format!("{origin}: {path}");
        assets.push(AssetFile::new(name, bytes.into(), path, source));
    }
    Ok(assets)
}

/// The files one of `patterns` matches (by path or by name); every pattern must match
/// one. No patterns: all files.
pub fn select(files: Vec<AssetFile>, patterns: &[String]) -> Result<Vec<AssetFile>, PublishError> {
    let mut compiled = Vec::new();
    for text in patterns.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let pattern = PathPattern::new(text).map_err(|reason| PublishError::BadGlob {
            pattern: text.to_string(),
            reason,
        })?;
        compiled.push(pattern);
    }
    if compiled.is_empty() {
        return Ok(files);
    }
    let hits = |p: &PathPattern, a: &AssetFile| p.matches(&a.path) || p.matches(&a.name);
    if let Some(unmatched) = compiled.iter().find(|p| !files.iter().any(|a| hits(p, a))) {
        return Err(PublishError::NoArtifactMatch {
            pattern: unmatched.as_str().to_string(),
        });
    }
    Ok(files
        .into_iter()
        .filter(|a| compiled.iter().any(|p| hits(p, a)))
        .collect())
}

/// The `SHA256SUMS` file for `assets`: `<sha256>  <name>` lines sorted by name.
pub fn checksums(assets: &[AssetFile]) -> AssetFile {
    let mut lines: Vec<(&str, &str)> = assets
        .iter()
        .map(|a| (a.name.as_str(), a.sha256.as_str()))
        .collect();
    lines.sort();
    let text: String = lines
        .iter()
        .map(|(name, sha)| format!("{sha}  {name}\n"))
        .collect();
    AssetFile::new(
        CHECKSUMS_FILE.to_string(),
        text.into_bytes().into(),
        CHECKSUMS_FILE.to_string(),
        "checksums of the assets".to_string(),
    )
}

/// Refuses two assets of one name: a release holds one file per name.
pub fn check_unique(assets: &[AssetFile]) -> Result<(), PublishError> {
    for (i, a) in assets.iter().enumerate() {
        if let Some(b) = assets[..i].iter().find(|b| b.name == a.name) {
            return Err(PublishError::DuplicateName {
                name: a.name.clone(),
                first: b.source.clone(),
                second: a.source.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8])]) -> Bytes {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        for (name, bytes) in entries {
            if name.ends_with('/') {
                zip.add_directory(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
            } else {
                zip.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                zip.write_all(bytes).unwrap();
            }
        }
        zip.finish().unwrap();
        out.into_inner().into()
    }

    #[test]
    fn sha256_is_lower_case_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn checksums_list_every_asset_by_name() {
        let a = AssetFile::new(
            "b.txt".into(),
            Bytes::from_static(b"abc"),
            "b".into(),
            "b".into(),
        );
        let b = AssetFile::new(
            "a.txt".into(),
            Bytes::from_static(b""),
            "a".into(),
            "a".into(),
        );
        let sums = checksums(&[a, b]);
        assert_eq!(
            std::str::from_utf8(&sums.bytes).unwrap(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.txt\n\
             ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  b.txt\n"
        );
        assert_eq!(sums.content_type(), "text/plain");
    }

    #[test]
    fn archives_give_their_files_by_name_and_filter() {
        let zip = zip_of(&[
            ("bin/", b""),
            ("bin/tool-linux.tar.gz", b"linux"),
            ("notes.txt", b"n"),
        ]);
        let all = archive_files(&zip, "artifact dist").unwrap();
        let names: Vec<&str> = all.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["tool-linux.tar.gz", "notes.txt"]);
        assert_eq!(&all[0].bytes[..], b"linux");
        assert_eq!(all[0].source, "artifact dist: bin/tool-linux.tar.gz");
        let only = select(all.clone(), &["bin/*.tar.gz".into()]).unwrap();
        assert_eq!(only.len(), 1);
        let only = select(all.clone(), &["notes.*".into()]).unwrap();
        assert_eq!(only[0].name, "notes.txt");
        let err = select(all, &["*.zip".into()]).unwrap_err();
        assert_eq!(err.to_string(), "no artifact file matches --asset *.zip");
        let err = archive_files(&Bytes::from_static(b"not a zip"), "artifact x").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("artifact x is not a zip archive:"),
            "{err}"
        );
    }

    #[test]
    fn local_files_expand_globs_and_require_plain_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("dist")).unwrap();
        std::fs::write(dir.path().join("dist/b.tar.gz"), "b").unwrap();
        std::fs::write(dir.path().join("dist/a.tar.gz"), "a").unwrap();
        std::fs::write(dir.path().join("README"), "r").unwrap();
        let found = local_files(dir.path(), &["dist/*.tar.gz".into(), "README".into()]).unwrap();
        let names: Vec<&str> = found.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["a.tar.gz", "b.tar.gz", "README"]);
        assert_eq!(found[0].source, "dist/a.tar.gz");
        let err = local_files(dir.path(), &["dist/*.zip".into()]).unwrap_err();
        assert_eq!(err.to_string(), "--asset dist/*.zip matches no file");
        let err = local_files(dir.path(), &["nope.bin".into()]).unwrap_err();
        assert_eq!(err.to_string(), "--asset nope.bin: no such file");
    }

    #[test]
    fn local_files_stay_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("work");
        std::fs::create_dir_all(work.join("dist")).unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        std::fs::write(dir.path().join("outside/x"), "secret").unwrap();
        std::fs::write(work.join("dist/a.tar.gz"), "a").unwrap();
        for pattern in [
            "../*/x",
            "../outside/x",
            "/etc/hostname",
            "dist/../../outside/x",
        ] {
            let err = local_files(&work, &[pattern.into()]).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "--asset {pattern}: the path leaves the working folder (an absolute path or `..`); name files inside it"
                )
            );
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("outside/x"), work.join("dist/x.tar.gz"))
                .unwrap();
            std::os::unix::fs::symlink(dir.path().join("outside"), work.join("linked")).unwrap();
            std::os::unix::fs::symlink(work.join("dist/a.tar.gz"), work.join("near.tar.gz"))
                .unwrap();
            for (pattern, path) in [
                ("dist/*.tar.gz", "dist/x.tar.gz"),
                ("linked/x", "linked/x"),
                ("linked/*", "linked/x"),
            ] {
                let err = local_files(&work, &[pattern.into()]).unwrap_err();
                assert_eq!(
                    err.to_string(),
                    format!(
                        "--asset {pattern}: {path} is a symbolic link, or lies under one, that leads outside the working folder; name files inside it"
                    )
                );
            }
            // A link that stays inside is a file like any other.
            let found = local_files(&work, &["near.tar.gz".into()]).unwrap();
            assert_eq!(&found[0].bytes[..], b"a");
        }
    }
}
