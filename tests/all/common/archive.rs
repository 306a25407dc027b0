//! Zip archives as CI artifact downloads serve them (GitHub's artifact zip, GitLab's
//! job artifacts archive), built with the same `zip` crate the tools read them with.

use std::io::Write;

/// A zip of `(path, content)` entries; a path ending in `/` is a folder.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default();
    for (path, content) in entries {
        if path.ends_with('/') {
            zip.add_directory(*path, options).unwrap();
        } else {
            zip.start_file(*path, options).unwrap();
            zip.write_all(content).unwrap();
        }
    }
    zip.finish().unwrap();
    out.into_inner()
}

/// Lower-case hex SHA-256, as `sha256sum` prints it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
