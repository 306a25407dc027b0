//! Every file a bump reads, read once and parsed once per format.

use super::super::BumpError;
use super::super::format::Format;
use super::super::kinds::format_of;
use super::super::node::Node;
use crate::Location;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// A file read once, and its nodes once parsed.
pub(super) struct Loaded {
    pub(super) path: PathBuf,
    pub(super) display: String,
    pub(super) text: String,
    /// The file's permissions and owner, kept by the rewrite.
    pub(super) metadata: Option<std::fs::Metadata>,
    pub(super) nodes: Option<(Format, Vec<Node>)>,
}

pub(super) struct Files {
    pub(super) root: PathBuf,
    pub(super) loaded: Vec<Loaded>,
    pub(super) index: HashMap<PathBuf, usize>,
}

impl Files {
    pub(super) fn new(root: &Path) -> Files {
        Files {
            root: root.to_path_buf(),
            loaded: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Reads `path` once: two names of one file (`./a`, `a`, a glob's match) share
    /// one entry, so that all edits of a file meet in one plan.
    pub(super) fn load(&mut self, path: &Path) -> Result<usize, BumpError> {
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        let key = normalize(relative);
        if let Some(&id) = self.index.get(&key) {
            return Ok(id);
        }
        let display = key.display().to_string();
        let display = display.as_str();
        let (bytes, metadata) =
            crate::fsio::read_document_and_metadata(path).map_err(|source| {
                match source.kind() {
                    std::io::ErrorKind::NotFound => BumpError::MissingFile {
                        file: display.to_string(),
                        spec: display.to_string(),
                    },
                    std::io::ErrorKind::FileTooLarge => BumpError::Parse {
                        location: Location::new(display, 1, 1),
                        format: "a file to edit",
                        message: crate::fsio::too_large_message(),
                    },
                    _ => BumpError::Read {
                        path: path.to_path_buf(),
                        source,
                    },
                }
            })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            BumpError::Parse {
                location: Location::at_offset(display, &text, valid),
                format: "UTF-8 text",
                message: "invalid UTF-8".into(),
            }
        })?;
        let id = self.insert(path, display, text);
        self.loaded[id].metadata = Some(metadata);
        self.index.insert(key, id);
        Ok(id)
    }

    /// Reads and parses many files at once, on a few threads (a monorepo bump names
    /// thousands). A file that fails here is left to [`Files::load`], which reports it.
    pub(super) fn preload<'a>(&mut self, paths: impl Iterator<Item = &'a Path>) {
        let mut seen = std::collections::HashSet::new();
        let mut wanted: Vec<(&Path, PathBuf)> = Vec::new();
        for path in paths {
            let key = normalize(path.strip_prefix(&self.root).unwrap_or(path));
            if !self.index.contains_key(&key) && seen.insert(key.clone()) {
                wanted.push((path, key));
            }
        }
        let read = crate::fsio::on_threads(wanted, |(path, key)| {
            let (bytes, metadata) = crate::fsio::read_document_and_metadata(path).ok()?;
            let text = String::from_utf8(bytes).ok()?;
            let display = key.display().to_string();
            let nodes = format_of(path)
                .and_then(|format| Some((format, format.parse(&text, Path::new(&display)).ok()?)));
            Some((path, key, display, text, metadata, nodes))
        });
        for (path, key, display, text, metadata, nodes) in read.into_iter().flatten() {
            let id = self.insert(path, &display, text);
            self.loaded[id].metadata = Some(metadata);
            self.loaded[id].nodes = nodes;
            self.index.insert(key, id);
        }
    }

    pub(super) fn insert(&mut self, path: &Path, display: &str, text: String) -> usize {
        let id = self.loaded.len();
        self.loaded.push(Loaded {
            path: path.to_path_buf(),
            display: display.to_string(),
            text,
            metadata: None,
            nodes: None,
        });
        self.index.insert(normalize(path), id);
        id
    }

    pub(super) fn nodes(&mut self, id: usize, format: Format) -> Result<&[Node], BumpError> {
        let file = &mut self.loaded[id];
        let parsed = matches!(&file.nodes, Some((f, _)) if *f == format);
        if !parsed {
            let nodes = format.parse(&file.text, Path::new(&file.display))?;
            file.nodes = Some((format, nodes));
        }
        Ok(&file.nodes.as_ref().expect("parsed above").1)
    }

    pub(super) fn location(&self, id: usize, offset: usize) -> Location {
        let file = &self.loaded[id];
        Location::at_offset(&file.display, &file.text, offset)
    }
}

/// `./a/./b` → `a/b`, so that one file named two ways is one file.
pub(super) fn normalize(path: &Path) -> PathBuf {
    let normal: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if normal.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        normal
    }
}
