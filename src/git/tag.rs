//! Tags of a local repository: annotated tag objects (message, tagger, date, peeled
//! commit) and lightweight tags, read through git plumbing.

use super::{Git, GitError};
use chrono::{DateTime, FixedOffset, TimeZone};

/// What a tag name points at.
#[derive(Debug, Clone, PartialEq)]
pub enum TagRef {
    /// An annotated (possibly signed) tag object.
    Annotated(TagObject),
    /// A ref straight to a commit: no message, no metadata.
    Lightweight { commit: String },
}

impl TagRef {
    /// The commit the tag finally points at.
    pub fn commit(&self) -> &str {
        match self {
            TagRef::Annotated(t) => &t.commit,
            TagRef::Lightweight { commit } => commit,
        }
    }
}

/// An annotated tag as stored by git.
#[derive(Debug, Clone, PartialEq)]
pub struct TagObject {
    /// The tag name recorded inside the object.
    pub name: String,
    /// The peeled commit id.
    pub commit: String,
    pub annotation: Annotation,
}

/// The part of an annotated tag a reader cares about.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    pub tagger: Option<Tagger>,
    /// The message without its signature block.
    pub message: String,
    /// The PGP, SSH or X.509 signature block, when the tag is signed.
    pub signature: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tagger {
    pub name: String,
    pub email: String,
    pub date: Option<DateTime<FixedOffset>>,
}

const SIGNATURE_STARTS: [&str; 4] = [
    "-----BEGIN PGP SIGNATURE-----",
    "-----BEGIN PGP MESSAGE-----",
    "-----BEGIN SSH SIGNATURE-----",
    "-----BEGIN SIGNED MESSAGE-----",
];

/// Splits a tag message into the message and its signature block (the last line that
/// starts a PGP, SSH or X.509 signature, to the end), as git does.
pub fn split_signature(message: &str) -> (&str, Option<&str>) {
    let mut start = None;
    let mut offset = 0;
    for line in message.split_inclusive('\n') {
        if SIGNATURE_STARTS.iter().any(|s| line.trim_end() == *s) {
            start = Some(offset);
        }
        offset += line.len();
    }
    match start {
        Some(at) => (&message[..at], Some(&message[at..])),
        None => (message, None),
    }
}

/// Parses the raw text of a tag object (`git cat-file tag`): headers, a blank line,
/// the message (with any signature appended to it).
pub fn parse_tag_object(raw: &str) -> Result<(String, Annotation), String> {
    let (headers, message) = raw.split_once("\n\n").unwrap_or((raw, ""));
    let mut name = None;
    let mut tagger = None;
    for line in headers.lines() {
        if let Some(value) = line.strip_prefix("tag ") {
            name = Some(value.to_string());
        } else if let Some(value) = line.strip_prefix("tagger ") {
            tagger = Some(parse_tagger(value));
        }
    }
    let name = name.ok_or("no `tag` header")?;
    let (message, signature) = split_signature(message);
    Ok((
        name,
        Annotation {
            tagger,
            message: message.to_string(),
            signature: signature.map(str::to_string),
        },
    ))
}

/// `Name <email> 1700000000 +0100`
fn parse_tagger(value: &str) -> Tagger {
    let (ident, when) = match value.rfind('>') {
        Some(end) => (&value[..=end], value[end + 1..].trim()),
        None => (value, ""),
    };
    let (name, email) = match ident.rfind('<') {
        Some(start) => (
            ident[..start].trim().to_string(),
            ident[start + 1..]
                .strip_suffix('>')
                .unwrap_or(&ident[start + 1..])
                .to_string(),
        ),
        None => (ident.trim().to_string(), String::new()),
    };
    let mut parts = when.split_whitespace();
    let date = match (
        parts.next().and_then(|s| s.parse::<i64>().ok()),
        parts.next(),
    ) {
        (Some(seconds), Some(zone)) => {
            parse_zone(zone).and_then(|offset| offset.timestamp_opt(seconds, 0).single())
        }
        _ => None,
    };
    Tagger { name, email, date }
}

/// `+0130` → UTC+01:30
fn parse_zone(zone: &str) -> Option<FixedOffset> {
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = zone.get(1..5)?;
    let hours: i32 = digits.get(0..2)?.parse().ok()?;
    let minutes: i32 = digits.get(2..4)?.parse().ok()?;
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

impl Git {
    /// The tag `name` of this repository, or `None` when there is no such tag.
    ///
    /// One `git cat-file --batch` answers both questions (the object the ref names, and
    /// the commit it peels to), so reading a tag costs one process.
    pub fn tag(&self, name: &str) -> Result<Option<TagRef>, GitError> {
        use std::io::Write;
        let mut child = self
            .command(["cat-file", "--batch"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(GitError::Spawn)?;
        let query = format!("refs/tags/{name}\nrefs/tags/{name}^{{commit}}\n");
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(query.as_bytes())
            .map_err(GitError::Spawn)?;
        let out = child.wait_with_output().map_err(GitError::Spawn)?;
        if !out.status.success() {
            return Err(GitError::Failed {
                args: "cat-file --batch".into(),
                status: out.status.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        let bad = |reason: String| GitError::BadTagObject {
            name: name.to_string(),
            reason,
        };
        let mut rest: &[u8] = &out.stdout;
        let mut objects = Vec::new();
        for _ in 0..2 {
            let line_end = rest
                .iter()
                .position(|&b| b == b'\n')
                .ok_or_else(|| bad("cat-file gave a short answer".into()))?;
            let header = String::from_utf8_lossy(&rest[..line_end]).into_owned();
            rest = &rest[line_end + 1..];
            let fields: Vec<&str> = header.split(' ').collect();
            match fields.as_slice() {
                [oid, kind, size] => {
                    let size: usize = size
                        .parse()
                        .map_err(|_| bad(format!("bad header {header}")))?;
                    if rest.len() < size + 1 {
                        return Err(bad("cat-file gave a short object".into()));
                    }
                    let body = String::from_utf8_lossy(&rest[..size]).into_owned();
                    rest = &rest[size + 1..];
                    objects.push(Some((oid.to_string(), kind.to_string(), body)));
                }
                _ => objects.push(None), // "<name> missing" or "ambiguous"
            }
        }
        let (Some((_, kind, body)), Some((commit, _, _))) = (objects[0].take(), objects[1].take())
        else {
            return Ok(None);
        };
        if kind != "tag" {
            return Ok(Some(TagRef::Lightweight { commit }));
        }
        let (recorded_name, annotation) = parse_tag_object(&body).map_err(bad)?;
        Ok(Some(TagRef::Annotated(TagObject {
            name: recorded_name,
            commit,
            annotation,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNED: &str = "object 0123456789abcdef0123456789abcdef01234567\n\
type commit\n\
tag 1.2.0\n\
tagger Jane Doe <jane@example.org> 1700000000 +0130\n\
\n\
api 1.2.0 release\n\
\n\
meta:version: 1.2.0\n\
-----BEGIN SSH SIGNATURE-----\n\
U1NIU0lH\n\
-----END SSH SIGNATURE-----\n";

    #[test]
    fn parses_a_signed_tag_object() {
        let (name, a) = parse_tag_object(SIGNED).unwrap();
        assert_eq!(name, "1.2.0");
        assert_eq!(a.message, "api 1.2.0 release\n\nmeta:version: 1.2.0\n");
        assert!(
            a.signature
                .unwrap()
                .starts_with("-----BEGIN SSH SIGNATURE-----\n")
        );
        let tagger = a.tagger.unwrap();
        assert_eq!(
            (tagger.name.as_str(), tagger.email.as_str()),
            ("Jane Doe", "jane@example.org")
        );
        assert_eq!(
            tagger.date.unwrap().to_rfc3339(),
            "2023-11-14T23:43:20+01:30"
        );
    }

    #[test]
    fn a_signature_text_inside_a_line_is_message() {
        let (msg, sig) = split_signature("note: -----BEGIN PGP SIGNATURE-----\n");
        assert_eq!((msg, sig), ("note: -----BEGIN PGP SIGNATURE-----\n", None));
    }

    #[test]
    fn a_broken_tagger_line_does_not_panic() {
        // Found by the tag_metadata fuzz target: a `<` with nothing after it.
        for raw in [
            "tag x\ntagger <\n\nmsg",
            "tag x\ntagger a <b\n\n",
            "tag x\ntagger >\n\n",
        ] {
            let (_, a) = parse_tag_object(raw).unwrap();
            assert!(a.tagger.unwrap().date.is_none());
        }
    }

    #[test]
    fn a_missing_tag_header_is_reported() {
        assert!(parse_tag_object("object abc\n\nmsg").is_err());
    }
}
