//! Finding the values a target names in its files: by key, by regex, or by the
//! file's default keys.

use super::super::BumpError;
use super::super::format::Format;
use super::super::kinds::{Defaults, defaults, format_of};
use super::super::node::{Lookup, NodeKind, lookup};
use super::super::target::{KeyPath, Selector, TargetSpec, Template, version_groups};
use super::cargo_lock::cargo_lock;
use super::expand::expand;
use super::files::Files;
use super::{Address, Located};
use std::path::{Path, PathBuf};

/// Every `version` group of `re` in file `id`, or the error that it matches none.
pub(super) fn locate_regex(
    files: &Files,
    id: usize,
    re: &regex::Regex,
    template: &Template,
    out: &mut Vec<Located>,
) -> Result<(), BumpError> {
    let text = &files.loaded[id].text;
    let before = out.len();
    for m in version_groups(re, text) {
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
            follows: false,
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

pub(super) fn locate(
    spec: &TargetSpec,
    files: &mut Files,
    out: &mut Vec<Located>,
    errors: &mut Vec<BumpError>,
) {
    let paths = expand(spec, &files.root);
    locate_paths(spec, paths, files, out, errors);
}

/// [`locate`] over the files `spec` was already expanded to.
pub(super) fn locate_paths(
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

pub(super) fn locate_in_file(
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
            if format == Format::Requirements {
                let package = super::super::requirements::package_key(key);
                let found = find(files, id, format, &package, &spec.template);
                if let Err(BumpError::KeyNotFound { .. }) = &found
                    && let Some((at, specifier)) = super::super::requirements::unpinned(
                        &files.loaded[id].text,
                        &package.to_string(),
                    )
                {
                    return Err(BumpError::Unsupported {
                        location: files.location(id, at),
                        key: key.to_string(),
                        message: format!(
                            "is not pinned to one version (`{specifier}`); only `==` and `===` pins are bumped"
                        ),
                    });
                }
                let mut located = found?;
                located.key = key.to_string();
                out.push(located);
            } else {
                out.push(find(files, id, format, key, &spec.template)?);
            }
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

pub(super) fn key(text: &str) -> KeyPath {
    KeyPath::parse(text).expect("a valid built-in key")
}

/// The value at `key`, or why there is none.
pub(super) fn find(
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
            follows: false,
        }),
    }
}

/// The first of `keys` the file has.
pub(super) fn first_of(
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
