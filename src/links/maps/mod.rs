//! Redirect maps kept in a repository, edited in place: a JSON object, a YAML map, a
//! Netlify-style `_redirects` file, or an nginx `map` block (or a file of `key value;`
//! lines that a `map` block includes).
//!
//! Every format reads its file into entries with byte spans and knows how to write
//! a value and new entries in the file's own style; [`plan`] does the rest the same
//! way for all of them: a link whose entry points right is left alone, one that
//! points elsewhere gets its value span replaced, and a new one is inserted where
//! the file's order puts it (sorted files stay sorted, others get it appended). The
//! edited text is read back and checked before anyone writes it.

mod json;
mod nginx;
mod redirects;
mod yaml;

use super::document::version_in_place_of;
use super::{Link, LinkStatus};
use crate::fsio::{SpanEdit, apply_edits};
use crate::version::Version;
use std::ops::Range;
use std::path::Path;

/// The kind of a redirect map, from its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapKind {
    Json,
    Yaml,
    /// Netlify `_redirects`: `/from /to [status]` lines.
    Redirects,
    /// nginx `map $var $target { key value; }`, or the `key value;` lines it includes.
    Nginx,
}

impl MapKind {
    /// `.json`; `.yaml`/`.yml`; a file named `_redirects`; `.map`/`.conf` (nginx).
    pub fn of(path: &Path) -> Option<MapKind> {
        let name = path.file_name()?.to_str()?;
        if name == "_redirects" {
            return Some(MapKind::Redirects);
        }
        match path.extension()?.to_str()? {
            "json" => Some(MapKind::Json),
            "yaml" | "yml" => Some(MapKind::Yaml),
            "map" | "conf" => Some(MapKind::Nginx),
            _ => None,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            MapKind::Json => "JSON object",
            MapKind::Yaml => "YAML map",
            MapKind::Redirects => "_redirects file",
            MapKind::Nginx => "nginx map",
        }
    }
}

/// One entry of a map as its format reads it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub name: String,
    /// The target, or `None` when the value is not a plain string (a nested map, a
    /// block scalar), which a link must not overwrite.
    pub value: Option<String>,
    pub value_span: Range<usize>,
    /// The entry's first and last byte.
    pub start: usize,
    pub end: usize,
}

/// A format that has read a map file.
pub(crate) trait MapFile {
    fn entries(&self) -> &[Entry];
    /// The text that replaces `entry`'s value span so that it holds `target`.
    fn value_text(&self, entry: &Entry, target: &str) -> Result<String, String>;
    /// Edits that insert `links`, in order, just before `entry`.
    fn insert_before(&self, entry: &Entry, links: &[&Link]) -> Result<Vec<SpanEdit>, String>;
    /// Edits that insert `links`, in order, after the last entry.
    fn append(&self, links: &[&Link]) -> Result<Vec<SpanEdit>, String>;
}

/// A map file could not be read or edited: where, and why.
#[derive(Debug)]
pub struct MapError {
    /// A byte offset in the map file, when the problem is at a place in it.
    pub offset: Option<usize>,
    pub message: String,
}

impl MapError {
    fn at(offset: usize, message: impl Into<String>) -> MapError {
        MapError {
            offset: Some(offset),
            message: message.into(),
        }
    }

    fn whole(message: impl Into<String>) -> MapError {
        MapError {
            offset: None,
            message: message.into(),
        }
    }
}

/// The status code of each new `_redirects` rule, by link name; 302 when not given
/// (a browser keeps a 301 for good, and a floating link moves).
#[derive(Debug, Clone, Default)]
pub struct Statuses(pub std::collections::BTreeMap<String, u16>);

impl Statuses {
    pub fn of(&self, name: &str) -> u16 {
        self.0.get(name).copied().unwrap_or(302)
    }
}

/// What upserting a link set into one map file comes to.
#[derive(Debug, Clone)]
pub struct MapPlan {
    /// The file's new text (the old one when nothing changes).
    pub text: String,
    /// Per link, in the order given: its status and the target it had.
    pub outcomes: Vec<(LinkStatus, Option<String>)>,
    /// Links left as they are because their entry names a newer release: the link's
    /// name and that version.
    pub newer: Vec<(String, Version)>,
}

/// Plans the upsert of `links` into the map `text` of `kind`. `statuses` are the
/// status codes new `_redirects` rules get.
pub fn plan(
    kind: MapKind,
    text: &str,
    links: &[Link],
    statuses: &Statuses,
) -> Result<MapPlan, MapError> {
    plan_release(kind, text, links, statuses, None)
}

/// [`plan`] for the links of `release`: an entry that already names a newer release
/// than `release` in the shape of its link's target (a re-run, or a patch of an older
/// line) is left as it is, so an alias never moves back.
pub fn plan_release(
    kind: MapKind,
    text: &str,
    links: &[Link],
    statuses: &Statuses,
    release: Option<&Version>,
) -> Result<MapPlan, MapError> {
    let planned = match kind {
        MapKind::Json => upsert(&json::JsonMap::read(text)?, links, release),
        MapKind::Yaml => upsert(&yaml::YamlMap::read(text)?, links, release),
        MapKind::Redirects => upsert(
            &redirects::RedirectsFile::read(text, statuses)?,
            links,
            release,
        ),
        MapKind::Nginx => upsert(&nginx::NginxMap::read(text)?, links, release),
    };
    let (mut edits, outcomes, newer) = planned?;
    let kept: Vec<&str> = newer.iter().map(|(name, _)| name.as_str()).collect();
    let checked: Vec<Link> = links
        .iter()
        .filter(|l| !kept.contains(&l.name.as_str()))
        .cloned()
        .collect();
    // The formats write `\n`; a file with CRLF line ends gets CRLF.
    if text.contains("\r\n") {
        for edit in &mut edits {
            edit.replacement = edit.replacement.replace('\n', "\r\n");
        }
    }
    let new_text = apply_edits(text, &edits).map_err(MapError::whole)?;
    check(kind, &new_text, &checked, statuses)?;
    Ok(MapPlan {
        text: new_text,
        outcomes,
        newer,
    })
}

type Planned = (
    Vec<SpanEdit>,
    Vec<(LinkStatus, Option<String>)>,
    Vec<(String, Version)>,
);

/// The newest release an entry of `link` names, when newer than `release`.
fn newer_release(entries: &[&Entry], link: &Link, release: &Version) -> Option<Version> {
    entries
        .iter()
        .filter_map(|e| e.value.as_deref())
        .filter_map(|value| version_in_place_of(value, &link.target, release.as_str()))
        .filter(|found| found > release)
        .max()
}

fn upsert(
    map: &dyn MapFile,
    links: &[Link],
    release: Option<&Version>,
) -> Result<Planned, MapError> {
    let entries = map.entries();
    let mut edits = Vec::new();
    let mut outcomes = Vec::new();
    let mut newer = Vec::new();
    let mut new: Vec<&Link> = Vec::new();
    for link in links {
        let same: Vec<&Entry> = entries.iter().filter(|e| e.name == link.name).collect();
        if same.is_empty() {
            new.push(link);
            outcomes.push((LinkStatus::Created, None));
            continue;
        }
        if let Some(found) = release.and_then(|r| newer_release(&same, link, r)) {
            outcomes.push((LinkStatus::Unchanged, same[0].value.clone()));
            newer.push((link.name.clone(), found));
            continue;
        }
        let mut status = LinkStatus::Unchanged;
        let mut previous = None;
        for entry in same {
            match &entry.value {
                Some(value) if *value == link.target => {}
                Some(value) => {
                    status = LinkStatus::Updated;
                    previous.get_or_insert_with(|| value.clone());
                    let replacement = map
                        .value_text(entry, &link.target)
                        .map_err(|m| MapError::at(entry.start, m))?;
                    edits.push(SpanEdit {
                        range: entry.value_span.clone(),
                        replacement,
                    });
                }
                None => {
                    return Err(MapError::at(
                        entry.value_span.start,
                        format!(
                            "the entry `{}` is not a plain string value; a link cannot replace it",
                            link.name
                        ),
                    ));
                }
            }
        }
        outcomes.push((status, previous.or_else(|| Some(link.target.clone()))));
    }
    if new.is_empty() {
        return Ok((edits, outcomes, newer));
    }
    let sorted = entries.windows(2).all(|w| w[0].name <= w[1].name);
    if sorted {
        // Each new link goes before the first entry that sorts after it.
        new.sort_by(|a, b| a.name.cmp(&b.name));
        let mut rest: &[&Link] = &new;
        for entry in entries {
            let count = rest.iter().take_while(|l| l.name < entry.name).count();
            if count > 0 {
                edits.extend(
                    map.insert_before(entry, &rest[..count])
                        .map_err(|m| MapError::at(entry.start, m))?,
                );
                rest = &rest[count..];
            }
        }
        if !rest.is_empty() {
            edits.extend(map.append(rest).map_err(MapError::whole)?);
        }
    } else {
        edits.extend(map.append(&new).map_err(MapError::whole)?);
    }
    Ok((edits, outcomes, newer))
}

/// Reads the edited text back: every link must now be there, pointing right.
fn check(kind: MapKind, text: &str, links: &[Link], statuses: &Statuses) -> Result<(), MapError> {
    let fail = |e: MapError| {
        MapError::whole(format!(
            "the edited {} does not read back ({}); nothing was written",
            kind.describe(),
            e.message
        ))
    };
    let entries: Vec<Entry> = match kind {
        MapKind::Json => json::JsonMap::read(text).map_err(fail)?.entries().to_vec(),
        MapKind::Yaml => yaml::YamlMap::read(text).map_err(fail)?.entries().to_vec(),
        MapKind::Redirects => redirects::RedirectsFile::read(text, statuses)
            .map_err(fail)?
            .entries()
            .to_vec(),
        MapKind::Nginx => nginx::NginxMap::read(text)
            .map_err(fail)?
            .entries()
            .to_vec(),
    };
    for link in links {
        let found: Vec<&Entry> = entries.iter().filter(|e| e.name == link.name).collect();
        if found.is_empty()
            || found
                .iter()
                .any(|e| e.value.as_deref() != Some(link.target.as_str()))
        {
            return Err(MapError::whole(format!(
                "the edited {} does not hold `{}` → `{}`; nothing was written",
                kind.describe(),
                link.name,
                link.target
            )));
        }
    }
    Ok(())
}

/// The start of the line holding byte `pos`.
pub(crate) fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |p| p + 1)
}

/// The end of the line holding byte `pos` (its `\n` or `\r\n`, or the end of the text).
pub(crate) fn line_end(text: &str, pos: usize) -> usize {
    match text[pos..].find('\n') {
        Some(p) if p > 0 && text.as_bytes()[pos + p - 1] == b'\r' => pos + p - 1,
        Some(p) => pos + p,
        None => text.len(),
    }
}

/// The white space before `pos` on its line, when nothing else is there.
pub(crate) fn indent_before(text: &str, pos: usize) -> Option<&str> {
    let start = line_start(text, pos);
    let indent = &text[start..pos];
    indent
        .chars()
        .all(|c| c == ' ' || c == '\t')
        .then_some(indent)
}

/// The text to insert at the end of a file for new lines: a newline first when the
/// file does not end with one.
pub(crate) fn at_end_of_file(text: &str, lines: &str) -> SpanEdit {
    let lead = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    SpanEdit {
        range: text.len()..text.len(),
        replacement: format!("{lead}{lines}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(name: &str, target: &str) -> Link {
        Link {
            name: name.into(),
            target: target.into(),
        }
    }

    #[test]
    fn kinds_come_from_file_names() {
        assert_eq!(
            MapKind::of(Path::new("site/_redirects")),
            Some(MapKind::Redirects)
        );
        assert_eq!(MapKind::of(Path::new("links.yml")), Some(MapKind::Yaml));
        assert_eq!(
            MapKind::of(Path::new("redirects.map")),
            Some(MapKind::Nginx)
        );
        assert_eq!(MapKind::of(Path::new("links.txt")), None);
    }

    #[test]
    fn a_file_with_crlf_line_ends_keeps_them() {
        let links = [link("b", "2"), link("d", "4")];
        let json = plan(
            MapKind::Json,
            "{\r\n  \"c\": \"3\",\r\n  \"a\": \"1\"\r\n}\r\n",
            &links,
            &Statuses::default(),
        )
        .unwrap();
        assert_eq!(
            json.text,
            "{\r\n  \"c\": \"3\",\r\n  \"a\": \"1\",\r\n  \"b\": \"2\",\r\n  \"d\": \"4\"\r\n}\r\n"
        );
        let redirects = plan(
            MapKind::Redirects,
            "/a /1 302\r\n/c /3 302\r\n",
            &[link("/b", "/2"), link("/d", "/4")],
            &Statuses::default(),
        )
        .unwrap();
        assert_eq!(
            redirects.text,
            "/a /1 302\r\n/b /2 302\r\n/c /3 302\r\n/d /4 302\r\n"
        );
        let yaml = plan(
            MapKind::Yaml,
            "c: 3\r\na: 1\r\n",
            &links,
            &Statuses::default(),
        )
        .unwrap();
        assert_eq!(yaml.text, "c: 3\r\na: 1\r\nb: \"2\"\r\nd: \"4\"\r\n");
    }

    #[test]
    fn statuses_follow_what_the_file_holds() {
        let text = "{\n  \"a\": \"1\",\n  \"c\": \"3\"\n}\n";
        let plan = plan(
            MapKind::Json,
            text,
            &[link("a", "1"), link("c", "30"), link("b", "2")],
            &Statuses::default(),
        )
        .unwrap();
        assert_eq!(
            plan.text,
            "{\n  \"a\": \"1\",\n  \"b\": \"2\",\n  \"c\": \"30\"\n}\n"
        );
        assert_eq!(
            plan.outcomes,
            [
                (LinkStatus::Unchanged, Some("1".into())),
                (LinkStatus::Updated, Some("3".into())),
                (LinkStatus::Created, None)
            ]
        );
    }
}

#[cfg(test)]
mod fuzz_regressions {
    use super::*;

    /// Found by the `link_map` fuzz target: an empty complex key at the end of a YAML
    /// map indexed one byte past the text.
    #[test]
    fn an_empty_complex_key_at_the_end_of_a_yaml_map_does_not_panic() {
        let links = [Link {
            name: "t".into(),
            target: String::new(),
        }];
        let _ = plan(MapKind::Yaml, "?\r", &links, &Statuses::default());
    }
}
