//! The repositories of a release request file (`--request`), for the release of one
//! version.
//!
//! MERGE BOUNDARY: the project's release-request parser (`crate::request`,
//! `ReleaseRequest`, DESIGN.md "Release request file") is written in parallel. Until
//! it lands, [`repos_of_request`] reads just what a changelog needs, the entry of
//! `releases` whose `version` is the release and its `projects[].repo` / `tag`, with
//! a minimal reader over `saphyr-parser` events (positions for errors). When the
//! shared parser is merged, replace the body of [`repos_of_request`] with a call to
//! it and a map of its projects to [`RepoSpec`]s; nothing else in the changelog
//! module reads request files.

use super::ChangelogError;
use super::spec::{RepoSpec, check_repo_name, name_from_url};
use crate::Location;
use crate::version::Version;
use saphyr_parser::{Event, Parser, Span};
use std::path::{Path, PathBuf};

/// The repositories the request lists for `version`, in file order.
pub fn repos_of_request(path: &Path, version: &Version) -> Result<Vec<RepoSpec>, ChangelogError> {
    let text = std::fs::read_to_string(path).map_err(|source| ChangelogError::Read {
        path: path.to_path_buf(),
        error: source,
    })?;
    let fail = |span: Span, message: String| ChangelogError::Request {
        location: Location::new(path, span.start.line(), span.start.col() + 1),
        message,
    };
    let root = load(&text).map_err(|(span, message)| fail(span, message))?;
    let Node::Map(top, top_span) = &root else {
        return Err(fail(
            root.span(),
            "a release request is a mapping with `releases`".into(),
        ));
    };
    let Some(releases) = lookup(top, "releases") else {
        return Err(fail(*top_span, "no `releases` list".into()));
    };
    let Node::Seq(entries, _) = releases else {
        return Err(fail(releases.span(), "`releases` must be a list".into()));
    };
    let mut listed = Vec::new();
    for entry in entries {
        let Node::Map(fields, span) = entry else {
            return Err(fail(
                entry.span(),
                "a release entry must be a mapping".into(),
            ));
        };
        let Some(Node::Scalar(text, vspan)) = lookup(fields, "version") else {
            return Err(fail(*span, "a release entry needs `version`".into()));
        };
        listed.push(text.clone());
        let entry_version = Version::parse(text).map_err(|e| fail(*vspan, e.to_string()))?;
        if entry_version.as_str() != version.as_str() {
            continue;
        }
        let Some(Node::Seq(projects, _)) = lookup(fields, "projects") else {
            return Err(fail(
                *span,
                format!("release {text} needs a `projects` list"),
            ));
        };
        return projects.iter().map(|p| project(p, &fail)).collect();
    }
    Err(fail(
        releases.span(),
        format!(
            "no release {} in `releases` (it lists {})",
            version,
            if listed.is_empty() {
                "none".to_string()
            } else {
                listed.join(", ")
            }
        ),
    ))
}

/// One `projects` entry → a repository.
fn project(
    node: &Node,
    fail: &impl Fn(Span, String) -> ChangelogError,
) -> Result<RepoSpec, ChangelogError> {
    let Node::Map(fields, span) = node else {
        return Err(fail(node.span(), "a project must be a mapping".into()));
    };
    let Some(Node::Scalar(repo, repo_span)) = lookup(fields, "repo") else {
        return Err(fail(*span, "a project needs `repo`".into()));
    };
    let tag = match lookup(fields, "tag") {
        Some(Node::Scalar(tag, _)) => Some(tag.clone()),
        Some(other) => return Err(fail(other.span(), "`tag` must be a string".into())),
        None => None,
    };
    // `owner/name`, a git URL, or a path to a clone.
    let is_path = repo.starts_with(['/', '.', '~']);
    let (name, local_path) = if check_repo_name(repo).is_ok() && !is_path {
        (repo.clone(), None)
    } else if let Some(name) = name_from_url(repo) {
        (name, is_path.then(|| PathBuf::from(repo)))
    } else {
        return Err(fail(
            *repo_span,
            format!("`{repo}` is not owner/name, a git URL or a path"),
        ));
    };
    Ok(RepoSpec {
        name,
        local_path,
        tag,
    })
}

/// A YAML value with the span of where it starts.
#[derive(Debug)]
enum Node {
    Scalar(String, Span),
    Seq(Vec<Node>, Span),
    Map(Vec<(String, Node)>, Span),
}

impl Node {
    fn span(&self) -> Span {
        match self {
            Node::Scalar(_, s) | Node::Seq(_, s) | Node::Map(_, s) => *s,
        }
    }
}

fn lookup<'a>(fields: &'a [(String, Node)], key: &str) -> Option<&'a Node> {
    fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Loads the first document into [`Node`]s.
fn load(text: &str) -> Result<Node, (Span, String)> {
    let mut parser = Parser::new_from_str(text);
    let mut next = || -> Result<(Event<'_>, Span), (Span, String)> {
        match parser.next_event() {
            Some(Ok(event)) => Ok(event),
            Some(Err(e)) => Err((Span::empty(*e.marker()), e.info().to_string())),
            None => Err((Span::default(), "unexpected end of the file".into())),
        }
    };
    loop {
        match next()? {
            (Event::StreamStart, _) | (Event::DocumentStart(_), _) => continue,
            (Event::StreamEnd, span) => {
                return Err((span, "the file is empty".into()));
            }
            (event, span) => return node(event, span, &mut next),
        }
    }
}

fn node<'i>(
    event: Event<'i>,
    span: Span,
    next: &mut impl FnMut() -> Result<(Event<'i>, Span), (Span, String)>,
) -> Result<Node, (Span, String)> {
    match event {
        Event::Scalar(value, ..) => Ok(Node::Scalar(value.into_owned(), span)),
        Event::SequenceStart(..) => {
            let mut items = Vec::new();
            loop {
                match next()? {
                    (Event::SequenceEnd, _) => return Ok(Node::Seq(items, span)),
                    (event, s) => items.push(node(event, s, next)?),
                }
            }
        }
        Event::MappingStart(..) => {
            let mut fields = Vec::new();
            loop {
                let key = match next()? {
                    (Event::MappingEnd, _) => return Ok(Node::Map(fields, span)),
                    (Event::Scalar(key, ..), _) => key.into_owned(),
                    (_, s) => return Err((s, "a mapping key must be a plain string".into())),
                };
                let (event, s) = next()?;
                fields.push((key, node(event, s, next)?));
            }
        }
        Event::Alias(_) => Err((
            span,
            "aliases are not supported in a release request".into(),
        )),
        _ => Err((span, "unexpected YAML content".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("release.yaml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    const REQUEST: &str = "series: \"2026.1\"\nreleases:\n  - version: 7.6.8\n    projects:\n      - repo: waldur/waldur-mastermind\n        hash: 0123456789abcdef0123456789abcdef01234567\n  - version: 7.6.9\n    projects:\n      - repo: waldur/waldur-mastermind\n        hash: 89abcdef0123456789abcdef0123456789abcdef\n      - repo: waldur/waldur-homeport\n        hash: 456789abcdef0123456789abcdef0123456789ab\n        tag: v7.6.9\n";

    #[test]
    fn lists_the_projects_of_the_release() {
        let (_dir, path) = write(REQUEST);
        let repos = repos_of_request(&path, &Version::parse("7.6.9").unwrap()).unwrap();
        let names: Vec<(&str, Option<&str>)> = repos
            .iter()
            .map(|r| (r.name.as_str(), r.tag.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                ("waldur/waldur-mastermind", None),
                ("waldur/waldur-homeport", Some("v7.6.9"))
            ]
        );
    }

    #[test]
    fn errors_name_the_position() {
        let (_dir, path) = write(REQUEST);
        let err = repos_of_request(&path, &Version::parse("7.7.0").unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}:3:3: no release 7.7.0 in `releases` (it lists 7.6.8, 7.6.9)",
                path.display()
            )
        );
        let (_dir, path) =
            write("releases:\n  - version: 1.0.0\n    projects:\n      - repo: not a repo\n");
        let err = repos_of_request(&path, &Version::parse("1.0.0").unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}:4:15: `not a repo` is not owner/name, a git URL or a path",
                path.display()
            )
        );
        let (_dir, path) = write("releases: [\n");
        let err = repos_of_request(&path, &Version::parse("1.0.0").unwrap()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("{}:2:1: ", path.display())),
            "{err}"
        );
    }
}
