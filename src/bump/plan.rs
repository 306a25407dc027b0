//! From targets to checked edits: expand paths and globs, read every file once, find
//! every value (or collect every reason why not), render the new values, encode and
//! apply the span edits in memory, re-parse and check the result, and only then, when
//! asked to, write the files.

use super::document::{Format, Lookup, Node, NodeKind, lookup, verify_only_changed};
use super::kinds::{Defaults, defaults, format_of};
use super::target::{KeyPath, Selector, TargetSpec, Template};
use super::{BumpError, BumpReport, BumpRequest, FileChange, FoundValue, Mode, ValueChange};
use crate::Location;
use crate::fsio::{Flush, NewContent, SpanEdit, apply_edits};
use crate::version::Version;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

/// A file read once, and its nodes once parsed.
struct Loaded {
    path: PathBuf,
    display: String,
    text: String,
    /// The file's permissions and owner, kept by the rewrite.
    metadata: Option<std::fs::Metadata>,
    nodes: Option<(Format, Vec<Node>)>,
}

struct Files {
    root: PathBuf,
    loaded: Vec<Loaded>,
    index: HashMap<PathBuf, usize>,
}

impl Files {
    fn new(root: &Path) -> Files {
        Files {
            root: root.to_path_buf(),
            loaded: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Reads `path` once: two names of one file (`./a`, `a`, a glob's match) share
    /// one entry, so that all edits of a file meet in one plan.
    fn load(&mut self, path: &Path) -> Result<usize, BumpError> {
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
    fn preload<'a>(&mut self, paths: impl Iterator<Item = &'a Path>) {
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

    fn insert(&mut self, path: &Path, display: &str, text: String) -> usize {
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

    fn nodes(&mut self, id: usize, format: Format) -> Result<&[Node], BumpError> {
        let file = &mut self.loaded[id];
        let parsed = matches!(&file.nodes, Some((f, _)) if *f == format);
        if !parsed {
            let nodes = format.parse(&file.text, Path::new(&file.display))?;
            file.nodes = Some((format, nodes));
        }
        Ok(&file.nodes.as_ref().expect("parsed above").1)
    }

    fn location(&self, id: usize, offset: usize) -> Location {
        let file = &self.loaded[id];
        Location::at_offset(&file.display, &file.text, offset)
    }
}

/// How a located value is found again and re-encoded.
#[derive(Clone)]
enum Address {
    Node { format: Format, node: Node },
    Regex(regex::Regex),
}

/// A value a target names, found in its file.
#[derive(Clone)]
struct Located {
    file: usize,
    key: String,
    address: Address,
    previous: String,
    span: Range<usize>,
    at: usize,
    template: Template,
}

/// Reads the current values a target names (verify-release's `--expect-file`).
pub fn read_targets(spec: &TargetSpec, root: &Path) -> Result<Vec<FoundValue>, BumpError> {
    let mut files = Files::new(root);
    let mut located = Vec::new();
    let mut errors = Vec::new();
    locate(spec, &mut files, &mut located, &mut errors);
    if !errors.is_empty() {
        return Err(one_or_many(errors));
    }
    Ok(located
        .into_iter()
        .map(|l| FoundValue {
            file: files.loaded[l.file].display.clone(),
            path: files.loaded[l.file].path.clone(),
            location: files.location(l.file, l.at),
            key: l.key,
            value: l.previous,
        })
        .collect())
}

/// Plans, checks and (in [`Mode::Write`]) applies a bump. Nothing is written unless
/// every target was found and every edited file checked out.
pub fn bump(request: &BumpRequest) -> Result<BumpReport, BumpError> {
    let version = request.version.as_str();
    let fail = |message: &str| BumpError::Version {
        version: version.to_string(),
        message: message.to_string(),
    };
    if version.is_empty() {
        return Err(fail("the value is empty"));
    }
    if version.contains(['\n', '\r']) {
        return Err(fail("the value must be one line"));
    }
    if version.trim() != version {
        return Err(fail("the value has surrounding blanks"));
    }
    if request.targets.is_empty() {
        return Err(BumpError::NoTargets);
    }
    let parsed = Version::parse(version).ok();
    // An absolute root spares a working-directory lookup per file written.
    let root = std::path::absolute(&request.root).unwrap_or_else(|_| request.root.clone());
    let mut files = Files::new(&root);
    let mut located = Vec::new();
    let mut errors = Vec::new();
    // Several targets often share a path (`Chart.yaml` and `Chart.yaml:appVersion`):
    // each glob is walked once.
    let mut walked: HashMap<&str, Vec<(PathBuf, String)>> = HashMap::new();
    let expanded: Vec<_> = request
        .targets
        .iter()
        .map(|spec| {
            if let Some(paths) = walked.get(spec.path.as_str()) {
                return Ok(paths.clone());
            }
            let paths = expand(spec, &files.root)?;
            walked.insert(&spec.path, paths.clone());
            Ok(paths)
        })
        .collect();
    files.preload(
        expanded
            .iter()
            .flatten()
            .flatten()
            .map(|(path, _)| path.as_path()),
    );
    for (spec, paths) in request.targets.iter().zip(expanded) {
        locate_paths(spec, paths, &mut files, &mut located, &mut errors);
    }
    let mut values: Vec<(Located, String)> = Vec::new();
    let mut template_errors: Vec<String> = Vec::new();
    for l in located {
        match l.template.render(version, parsed.as_ref()) {
            Ok(new) => values.push((l, new)),
            Err(message) if !template_errors.contains(&message) => template_errors.push(message),
            Err(_) => {}
        }
    }
    errors.extend(template_errors.iter().map(|m| fail(m)));
    if !errors.is_empty() {
        return Err(one_or_many(errors));
    }

    let mut changes = Vec::new();
    // The values of each file, files in the order targets first name them.
    let mut order: Vec<usize> = Vec::new();
    let mut by_file: Vec<Vec<&(Located, String)>> = vec![Vec::new(); files.loaded.len()];
    for item in &values {
        if by_file[item.0.file].is_empty() {
            order.push(item.0.file);
        }
        by_file[item.0.file].push(item);
    }
    for id in order {
        match plan_file(&mut files, id, &by_file[id]) {
            Ok(Some(after)) => changes.push(FileChange {
                file: files.loaded[id].display.clone(),
                path: files.loaded[id].path.clone(),
                before: files.loaded[id].text.clone(),
                after,
            }),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(one_or_many(errors));
    }

    if request.mode == Mode::Write {
        write_all(&changes, &files)?;
    }
    let mut reported: Vec<ValueChange> = Vec::with_capacity(values.len());
    let mut seen = std::collections::HashSet::new();
    for (l, new) in &values {
        // One value named by two targets (a default and its explicit key) is one value.
        if !seen.insert((l.file, l.at, l.key.as_str(), new.as_str())) {
            continue;
        }
        reported.push(ValueChange {
            file: files.loaded[l.file].display.clone(),
            key: l.key.clone(),
            location: files.location(l.file, l.at),
            previous: l.previous.clone(),
            new: new.clone(),
        });
    }
    Ok(BumpReport {
        mode: request.mode,
        version: version.to_string(),
        values: reported,
        files: changes,
    })
}

/// Writes every changed file atomically, all staged before the first is replaced
/// ([`crate::fsio::write_files`]), without an `fsync` per file ([`Flush::Skip`]): a
/// monorepo bump writes thousands of files, and the rename alone already keeps readers
/// from seeing half a file.
fn write_all(changes: &[FileChange], files: &Files) -> Result<(), BumpError> {
    let metadata: HashMap<&Path, &std::fs::Metadata> = files
        .loaded
        .iter()
        .filter_map(|l| Some((l.path.as_path(), l.metadata.as_ref()?)))
        .collect();
    let files: Vec<NewContent> = changes
        .iter()
        .map(|c| NewContent {
            path: &c.path,
            bytes: c.after.as_bytes(),
            existing: metadata.get(c.path.as_path()).copied(),
        })
        .collect();
    crate::fsio::write_files(&files, Flush::Skip).map_err(|failure| BumpError::Write {
        path: changes[failure.index].path.clone(),
        written: failure
            .written
            .iter()
            .map(|&i| changes[i].file.clone())
            .collect(),
        source: failure.error,
    })
}

/// Replaces the value at `key` in `text` (a file of `format`), checked like a bump
/// checks it; the edit the property tests exercise.
pub fn edit_text(
    format: Format,
    text: &str,
    key: &KeyPath,
    value: &str,
) -> Result<String, BumpError> {
    let mut files = Files::new(Path::new("."));
    let id = files.insert(Path::new("document"), "document", text.to_string());
    let located = find(&mut files, id, format, key, &Template::default())?;
    let item = (located, value.to_string());
    Ok(plan_file(&mut files, id, &[&item])?.unwrap_or_else(|| text.to_string()))
}

/// Every `version` group of `re` in file `id`, or the error that it matches none.
fn locate_regex(
    files: &Files,
    id: usize,
    re: &regex::Regex,
    template: &Template,
    out: &mut Vec<Located>,
) -> Result<(), BumpError> {
    let text = &files.loaded[id].text;
    let before = out.len();
    for caps in re.captures_iter(text) {
        let Some(m) = caps.name("version") else {
            continue;
        };
        let n = out.len() - before + 1;
        out.push(Located {
            file: id,
            key: if n == 1 {
                format!("/{}/", re.as_str())
            } else {
                format!("/{}/#{n}", re.as_str())
            },
            address: Address::Regex(re.clone()),
            previous: m.as_str().to_string(),
            span: m.range(),
            at: m.start(),
            template: template.clone(),
        });
    }
    if out.len() == before {
        return Err(BumpError::RegexNoMatch {
            location: files.location(id, 0),
            regex: re.as_str().to_string(),
        });
    }
    Ok(())
}

/// Replaces every `version` group of `re` in `text` with `value`, checked like a bump
/// checks it; the regex edit the fuzz target exercises.
pub fn edit_text_regex(text: &str, re: &regex::Regex, value: &str) -> Result<String, BumpError> {
    let mut files = Files::new(Path::new("."));
    let id = files.insert(Path::new("document"), "document", text.to_string());
    let mut located = Vec::new();
    locate_regex(&files, id, re, &Template::default(), &mut located)?;
    let items: Vec<(Located, String)> = located
        .into_iter()
        .map(|l| (l, value.to_string()))
        .collect();
    let refs: Vec<&(Located, String)> = items.iter().collect();
    Ok(plan_file(&mut files, id, &refs)?.unwrap_or_else(|| text.to_string()))
}

fn one_or_many(mut errors: Vec<BumpError>) -> BumpError {
    if errors.len() == 1 {
        errors.remove(0)
    } else {
        BumpError::Many(errors)
    }
}

/// The files a target's path names: the path itself, or every file its glob matches.
fn expand(spec: &TargetSpec, root: &Path) -> Result<Vec<(PathBuf, String)>, BumpError> {
    // Paths and globs name files of the repository: a target from a config or a
    // workflow input must not reach a sibling checkout or a system file.
    if Path::new(&spec.path)
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(BumpError::Spec {
            spec: spec.text.clone(),
            message:
                "the path leaves the repository (an absolute path or `..`); name files inside it"
                    .into(),
            location: None,
        });
    }
    if !spec.is_glob() {
        let display = normalize(Path::new(&spec.path));
        let full = root.join(&display);
        if !full.is_file() {
            return Err(BumpError::MissingFile {
                file: display.display().to_string(),
                spec: spec.text.clone(),
            });
        }
        let found = vec![(full, display.display().to_string())];
        return stays_in_repository(spec, root, found);
    }
    let pattern = format!(
        "{}/{}",
        glob::Pattern::escape(&root.display().to_string()),
        normalize(Path::new(&spec.path)).display()
    );
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let paths = glob::glob_with(&pattern, options).map_err(|e| BumpError::Spec {
        spec: spec.text.clone(),
        message: format!("the glob is invalid: {e}"),
        location: None,
    })?;
    let mut found = Vec::new();
    for path in paths.flatten() {
        if path.is_file() {
            let display = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            found.push((path, display));
        }
    }
    if found.is_empty() {
        return Err(BumpError::NoMatch {
            spec: spec.text.clone(),
        });
    }
    stays_in_repository(spec, root, found)
}

/// Refuses a file that is, or lies under, a symbolic link leading out of the
/// repository: the name is inside, the bytes written would not be.
fn stays_in_repository(
    spec: &TargetSpec,
    root: &Path,
    found: Vec<(PathBuf, String)>,
) -> Result<Vec<(PathBuf, String)>, BumpError> {
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let base = crate::fsio::resolve_links(&root);
    // Resolving every path costs a lookup per component per file; a monorepo names
    // thousands. Only a path with a link on it needs resolving, and whether a folder
    // is a link is asked once per folder.
    let mut is_link: HashMap<PathBuf, bool> = HashMap::new();
    let mut link_on_the_way = |full: &Path| -> bool {
        let Ok(relative) = full.strip_prefix(&root) else {
            return true;
        };
        let mut at = root.clone();
        let last = relative.components().count();
        for (n, part) in relative.components().enumerate() {
            at.push(part);
            let link = if n + 1 == last {
                std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink())
            } else {
                *is_link.entry(at.clone()).or_insert_with(|| {
                    std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink())
                })
            };
            if link {
                return true;
            }
        }
        false
    };
    for (full, display) in &found {
        let full = std::path::absolute(full).unwrap_or_else(|_| full.clone());
        let inside =
            !link_on_the_way(&full) || crate::fsio::resolve_links(&full).starts_with(&base);
        if !inside {
            return Err(BumpError::Spec {
                spec: spec.text.clone(),
                message: format!(
                    "{display} is a symbolic link, or lies under one, that leads outside the repository; name files inside it"
                ),
                location: None,
            });
        }
    }
    Ok(found)
}

/// `./a/./b` → `a/b`, so that one file named two ways is one file.
fn normalize(path: &Path) -> PathBuf {
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

fn locate(
    spec: &TargetSpec,
    files: &mut Files,
    out: &mut Vec<Located>,
    errors: &mut Vec<BumpError>,
) {
    let paths = expand(spec, &files.root);
    locate_paths(spec, paths, files, out, errors);
}

/// [`locate`] over the files `spec` was already expanded to.
fn locate_paths(
    spec: &TargetSpec,
    paths: Result<Vec<(PathBuf, String)>, BumpError>,
    files: &mut Files,
    out: &mut Vec<Located>,
    errors: &mut Vec<BumpError>,
) {
    let paths = match paths {
        Ok(paths) => paths,
        Err(e) => {
            errors.push(e);
            return;
        }
    };
    for (full, display) in paths {
        if let Err(e) = locate_in_file(spec, files, &full, &display, out) {
            errors.push(match e {
                BumpError::MissingFile { file, .. } => BumpError::MissingFile {
                    file,
                    spec: spec.text.clone(),
                },
                e => e,
            });
        }
    }
}

fn locate_in_file(
    spec: &TargetSpec,
    files: &mut Files,
    full: &Path,
    display: &str,
    out: &mut Vec<Located>,
) -> Result<(), BumpError> {
    let id = files.load(full)?;
    let format = format_of(full);
    let no_keys = |message: &str| BumpError::NoKeySyntax {
        file: display.to_string(),
        spec: spec.text.clone(),
        message: message.to_string(),
    };
    match &spec.selector {
        Selector::Regex(re) => locate_regex(files, id, re, &spec.template, out)?,
        Selector::Key(key) => {
            let format = format.ok_or_else(|| {
                no_keys("this kind of file has no KEY syntax; name the value with PATH:/REGEX/ and a `version` group")
            })?;
            if format == Format::Plain {
                return Err(no_keys(
                    "a plain version file has no keys; give the path alone (the whole content is the value)",
                ));
            }
            out.push(find(files, id, format, key, &spec.template)?);
        }
        Selector::Default => match defaults(full, format) {
            None if format.is_none() => {
                return Err(no_keys(
                    "this kind of file has no KEY syntax; name the value with PATH:/REGEX/ and a `version` group",
                ));
            }
            None => {
                return Err(no_keys(&format!(
                    "no default key for this file; name one: `{display}:KEY`"
                )));
            }
            Some(Defaults::Whole) => {
                out.push(find(
                    files,
                    id,
                    Format::Plain,
                    &KeyPath::default(),
                    &spec.template,
                )?);
            }
            Some(Defaults::FirstOf(keys)) => {
                let format = format.expect("well-known files have a format");
                out.push(first_of(files, id, format, keys, &spec.template)?);
            }
            Some(Defaults::NpmLock) => {
                out.push(find(
                    files,
                    id,
                    Format::Json,
                    &key("version"),
                    &spec.template,
                )?);
                let root_package = key("packages.\"\".version");
                let nodes = files.nodes(id, Format::Json)?;
                if matches!(lookup(nodes, &root_package), Lookup::Found(_)) {
                    out.push(find(
                        files,
                        id,
                        Format::Json,
                        &root_package,
                        &spec.template,
                    )?);
                }
            }
            Some(Defaults::Cargo) => {
                let keys = ["package.version", "workspace.package.version"];
                let nodes = files.nodes(id, Format::Toml)?;
                let inherited = matches!(
                    lookup(nodes, &key("package.version.workspace")),
                    Lookup::Found(n) if n.value() == Some("true")
                );
                let has_workspace_version = matches!(
                    lookup(nodes, &key("workspace.package.version")),
                    Lookup::Found(_)
                );
                if inherited && !has_workspace_version {
                    let at = match lookup(nodes, &key("package.version")) {
                        Lookup::Found(n) => n.at,
                        _ => 0,
                    };
                    return Err(BumpError::Unsupported {
                        location: files.location(id, at),
                        key: "package.version".into(),
                        message: "is inherited from the workspace (`version.workspace = true`); bump the workspace's Cargo.toml".into(),
                    });
                }
                let manifest = first_of(files, id, Format::Toml, &keys, &spec.template)?;
                let via_workspace = manifest.key == "workspace.package.version";
                out.push(manifest);
                cargo_lock(files, id, full, via_workspace, &spec.template, out)?;
            }
        },
    }
    Ok(())
}

fn key(text: &str) -> KeyPath {
    KeyPath::parse(text).expect("a valid built-in key")
}

/// The value at `key`, or why there is none.
fn find(
    files: &mut Files,
    id: usize,
    format: Format,
    key: &KeyPath,
    template: &Template,
) -> Result<Located, BumpError> {
    let nodes = files.nodes(id, format)?;
    let found = match lookup(nodes, key) {
        Lookup::Found(node) => Ok(node.clone()),
        Lookup::Missing { at, detail } => Err((at, Err(detail))),
        Lookup::Ambiguous(all) => Err((all[1].at, Ok(all.len()))),
    };
    let node = match found {
        Ok(node) => node,
        Err((at, Err(detail))) => {
            return Err(BumpError::KeyNotFound {
                location: files.location(id, at),
                key: key.to_string(),
                detail,
            });
        }
        Err((at, Ok(count))) => {
            return Err(BumpError::Unsupported {
                location: files.location(id, at),
                key: key.to_string(),
                message: format!("the key appears {count} times; which one is meant is unclear"),
            });
        }
    };
    let location = files.location(id, node.at);
    match &node.kind {
        NodeKind::Map | NodeKind::List => Err(BumpError::NotAValue {
            location,
            key: key.to_string(),
            kind: node.kind.describe(),
        }),
        NodeKind::Alias { anchor } => Err(BumpError::Unsupported {
            location,
            key: key.to_string(),
            message: match anchor {
                Some(span) => format!(
                    "is an alias; its value is the anchor at {}: bump that key instead",
                    files.location(id, span.start)
                ),
                None => "is an alias; bump the anchored key instead".into(),
            },
        }),
        NodeKind::Scalar { value, .. } => Ok(Located {
            file: id,
            key: key.to_string(),
            previous: value.clone(),
            span: node.span.clone(),
            at: node.at,
            template: template.clone(),
            address: Address::Node { format, node },
        }),
    }
}

/// The first of `keys` the file has.
fn first_of(
    files: &mut Files,
    id: usize,
    format: Format,
    keys: &[&str],
    template: &Template,
) -> Result<Located, BumpError> {
    let mut first_error = None;
    for k in keys {
        match find(files, id, format, &key(k), template) {
            Ok(found) => return Ok(found),
            Err(BumpError::KeyNotFound { .. }) if first_error.is_some() => {}
            Err(e) => {
                let missing = matches!(e, BumpError::KeyNotFound { .. });
                if first_error.is_none() {
                    first_error = Some(e);
                }
                if !missing {
                    break;
                }
            }
        }
    }
    Err(match first_error.expect("keys is not empty") {
        BumpError::KeyNotFound {
            location, detail, ..
        } if keys.len() > 1 => BumpError::KeyNotFound {
            location,
            key: keys.join("` or `"),
            detail,
        },
        e => e,
    })
}

/// The Cargo.lock entries of the packages whose version the manifest at `manifest`
/// sets: its own package, or with `workspace.package.version` every member that
/// inherits it. The lock file is beside the manifest or in a folder above it (inside
/// the root); without one there is nothing to do.
fn cargo_lock(
    files: &mut Files,
    id: usize,
    manifest: &Path,
    via_workspace: bool,
    template: &Template,
    out: &mut Vec<Located>,
) -> Result<(), BumpError> {
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let root = files.root.clone();
    let Some(lock) = dir
        .ancestors()
        .take_while(|d| d.starts_with(&root) || root == Path::new("."))
        .map(|d| d.join("Cargo.lock"))
        .find(|p| p.is_file())
    else {
        return Ok(());
    };
    let package_name = |files: &mut Files, id: usize| -> Result<Option<String>, BumpError> {
        let nodes = files.nodes(id, Format::Toml)?;
        Ok(match lookup(nodes, &key("package.name")) {
            Lookup::Found(n) => n.value().map(str::to_string),
            _ => None,
        })
    };
    let inherits = |files: &mut Files, id: usize| -> Result<bool, BumpError> {
        let nodes = files.nodes(id, Format::Toml)?;
        Ok(matches!(
            lookup(nodes, &key("package.version.workspace")),
            Lookup::Found(n) if n.value() == Some("true")
        ))
    };
    let mut names = Vec::new();
    if !via_workspace {
        names.extend(package_name(files, id)?);
    } else {
        if inherits(files, id)? {
            names.extend(package_name(files, id)?);
        }
        let members: Vec<String> = files
            .nodes(id, Format::Toml)?
            .iter()
            .filter(|n| {
                n.path.segments().len() == 3
                    && n.path.segments()[..2] == key("workspace.members").segments()[..]
            })
            .filter_map(|n| n.value().map(str::to_string))
            .collect();
        for member in members {
            let pattern = format!(
                "{}/{}/Cargo.toml",
                glob::Pattern::escape(&dir.display().to_string()),
                member
            );
            let Ok(paths) = glob::glob(&pattern) else {
                continue;
            };
            for path in paths.flatten() {
                let member_id = files.load(&path)?;
                if inherits(files, member_id)? {
                    names.extend(package_name(files, member_id)?);
                }
            }
        }
    }
    if names.is_empty() {
        return Ok(());
    }
    let lock_id = files.load(&lock)?;
    let nodes = files.nodes(lock_id, Format::Toml)?;
    let mut entries = Vec::new();
    for node in nodes {
        let segments = node.path.segments();
        if let [
            super::Segment::Key(list),
            super::Segment::Index(i),
            super::Segment::Key(field),
        ] = segments
            && list == "package"
            && field == "name"
            && node
                .value()
                .is_some_and(|n| names.iter().any(|name| name == n))
        {
            let entry = KeyPath::default().key("package").index(*i);
            // A package from a registry or git has a `source`; the workspace's own do not.
            let local = !nodes.iter().any(|n| n.path == entry.key("source"));
            if local {
                entries.push(entry.key("version"));
            }
        }
    }
    for entry in entries {
        out.push(find(files, lock_id, Format::Toml, &entry, template)?);
    }
    Ok(())
}

/// The new text of one file, checked; `None` when no byte changes.
fn plan_file(
    files: &mut Files,
    id: usize,
    items: &[&(Located, String)],
) -> Result<Option<String>, BumpError> {
    let mut edits: Vec<SpanEdit> = Vec::new();
    let mut claimed: Vec<(Range<usize>, &str, &str, usize)> = Vec::new();
    for (l, new) in items.iter().map(|item| (&item.0, &item.1)) {
        if let Some((_, key, first, _)) = claimed.iter().find(|(span, ..)| *span == l.span) {
            if *first != new.as_str() {
                return Err(BumpError::Conflict {
                    location: files.location(id, l.at),
                    key: key.to_string(),
                    first: first.to_string(),
                    second: new.clone(),
                });
            }
            continue;
        }
        if let Some((_, key, ..)) = claimed
            .iter()
            .find(|(span, ..)| span.start < l.span.end && l.span.start < span.end)
        {
            return Err(BumpError::Unsupported {
                location: files.location(id, l.at),
                key: l.key.clone(),
                message: format!("overlaps the value of `{key}`"),
            });
        }
        claimed.push((l.span.clone(), &l.key, new, l.at));
        if l.previous == *new {
            continue;
        }
        let text = &files.loaded[id].text;
        let replacement = match &l.address {
            Address::Node { format, node } => {
                format
                    .encode(node, text, new)
                    .map_err(|message| BumpError::Unsupported {
                        location: files.location(id, l.at),
                        key: l.key.clone(),
                        message,
                    })?
            }
            Address::Regex(_) => new.clone(),
        };
        edits.push(SpanEdit {
            range: l.span.clone(),
            replacement,
        });
    }
    if edits.is_empty() {
        return Ok(None);
    }
    let before = files.loaded[id].text.clone();
    let display = files.loaded[id].display.clone();
    let after = apply_edits(&before, &edits).map_err(|message| BumpError::Verify {
        file: display.clone(),
        message,
    })?;
    verify(files, id, &after, items)?;
    Ok(Some(after))
}

/// The self-check: the new text parses, every target reads its new value, and (for
/// key targets) nothing else changed.
fn verify(
    files: &mut Files,
    id: usize,
    after: &str,
    items: &[&(Located, String)],
) -> Result<(), BumpError> {
    let display = files.loaded[id].display.clone();
    let fail = |message: String| BumpError::Verify {
        file: display.clone(),
        message,
    };
    let has_regex = items
        .iter()
        .any(|i| matches!(i.0.address, Address::Regex(_)));
    let format = items.iter().find_map(|i| match &i.0.address {
        Address::Node { format, .. } => Some(*format),
        Address::Regex(_) => None,
    });
    if let Some(format) = format {
        let after_nodes = format
            .parse(after, Path::new(&display))
            .map_err(|e| fail(format!("the new text does not parse: {e}")))?;
        let expected: Vec<(usize, KeyPath, String)> = items
            .iter()
            .filter_map(|i| match &i.0.address {
                Address::Node { node, .. } => Some((node.doc, node.path.clone(), i.1.clone())),
                Address::Regex(_) => None,
            })
            .collect();
        if has_regex {
            for (_, path, new) in &expected {
                match lookup(&after_nodes, path) {
                    Lookup::Found(n) if n.value() == Some(new.as_str()) => {}
                    _ => {
                        return Err(fail(format!(
                            "`{path}` does not read `{new}` after the edit"
                        )));
                    }
                }
            }
        } else {
            let before_nodes = files.nodes(id, format)?;
            verify_only_changed(before_nodes, &after_nodes, &expected).map_err(fail)?;
        }
    }
    let mut checked: Vec<&str> = Vec::new();
    for item in items {
        let Address::Regex(re) = &item.0.address else {
            continue;
        };
        if checked.contains(&re.as_str()) {
            continue;
        }
        checked.push(re.as_str());
        let before = re
            .captures_iter(&files.loaded[id].text)
            .filter(|c| c.name("version").is_some())
            .count();
        let groups: Vec<String> = re
            .captures_iter(after)
            .filter_map(|c| c.name("version").map(|m| m.as_str().to_string()))
            .collect();
        if groups.len() != before || groups.iter().any(|g| *g != item.1) {
            return Err(fail(format!(
                "/{}/ matched {before} times before and reads {groups:?} after, not `{}` each time",
                re.as_str(),
                item.1
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod escape_tests {
    use super::*;

    #[test]
    fn paths_and_globs_that_leave_the_repository_are_refused() {
        for text in ["../*/x", "../outside/x", "/etc/passwd", "a/../../x"] {
            let spec = TargetSpec::parse(text).unwrap();
            let err = expand(&spec, Path::new("/repo")).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "target `{text}`: the path leaves the repository (an absolute path or `..`); name files inside it"
                )
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn files_behind_links_that_leave_the_repository_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("charts")).unwrap();
        std::fs::create_dir_all(dir.path().join("outside/chart")).unwrap();
        std::fs::write(dir.path().join("outside/VERSION"), "1.0.0\n").unwrap();
        std::fs::write(
            dir.path().join("outside/chart/Chart.yaml"),
            "version: 1.0.0\n",
        )
        .unwrap();
        std::fs::write(repo.join("charts/Chart.yaml"), "version: 1.0.0\n").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside/VERSION"), repo.join("VERSION"))
            .unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside/chart"), repo.join("linked")).unwrap();
        std::os::unix::fs::symlink(repo.join("charts"), repo.join("near")).unwrap();
        for (text, file) in [
            ("VERSION", "VERSION"),
            ("linked/Chart.yaml:version", "linked/Chart.yaml"),
            ("*/Chart.yaml:version", "linked/Chart.yaml"),
        ] {
            let spec = TargetSpec::parse(text).unwrap();
            let err = expand(&spec, &repo).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "target `{text}`: {file} is a symbolic link, or lies under one, that leads outside the repository; name files inside it"
                )
            );
        }
        // A link that stays inside the repository is followed.
        let spec = TargetSpec::parse("near/Chart.yaml:version").unwrap();
        assert_eq!(expand(&spec, &repo).unwrap().len(), 1);
    }
}
