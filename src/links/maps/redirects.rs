//! A Netlify-style `_redirects` file: one rule a line, `/from /to [status[!]]
//! [conditions]`, `#` comments. A link is a rule whose `from` is the link's name; its
//! `to` is replaced in place (status and conditions kept). New rules line up with the
//! columns of the last rule and carry the configured status (default 302, because a
//! browser keeps a 301 for good and a floating link moves).

use super::{
    Entry, MapError, MapFile, Statuses, at_end_of_file, indent_before, line_end, line_start,
};
use crate::fsio::SpanEdit;
use crate::links::Link;

pub(crate) struct RedirectsFile<'t> {
    text: &'t str,
    entries: Vec<Entry>,
    statuses: &'t Statuses,
    /// Columns (bytes from the line start) of `to` and of the status in the last rule.
    to_column: usize,
    status_column: Option<usize>,
}

/// White-space separated fields of a line with their byte ranges.
fn fields(line: &str, offset: usize) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                out.push((offset + s, &line[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((offset + s, &line[s..]));
    }
    out
}

impl<'t> RedirectsFile<'t> {
    pub fn read(text: &'t str, statuses: &'t Statuses) -> Result<RedirectsFile<'t>, MapError> {
        let mut entries = Vec::new();
        let mut to_column = 0;
        let mut status_column = None;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let content = line.trim_end_matches(['\n', '\r']);
            let fields = fields(content, start);
            match fields.first() {
                None => continue,
                Some((_, first)) if first.starts_with('#') => continue,
                Some(_) => {}
            }
            if fields.len() < 2 {
                return Err(MapError::at(fields[0].0, "a rule needs `from to [status]`"));
            }
            let (from_at, from) = fields[0];
            let (to_at, to) = fields[1];
            let (last_at, last) = fields[fields.len() - 1];
            entries.push(Entry {
                name: from.to_string(),
                value: Some(to.to_string()),
                value_span: to_at..to_at + to.len(),
                start: from_at,
                end: last_at + last.len(),
            });
            to_column = to_at - start;
            status_column = fields.get(2).map(|(at, _)| at - start);
        }
        Ok(RedirectsFile {
            text,
            entries,
            statuses,
            to_column,
            status_column,
        })
    }

    fn rule(&self, link: &Link) -> Result<String, String> {
        for text in [&link.name, &link.target] {
            if text.is_empty() || text.contains(char::is_whitespace) {
                return Err(format!(
                    "`{text}` cannot be a _redirects field (empty or with white space)"
                ));
            }
        }
        let mut line = link.name.clone();
        pad(&mut line, self.to_column);
        line.push_str(&link.target);
        pad(&mut line, self.status_column.unwrap_or(0));
        line.push_str(&self.statuses.of(&link.name).to_string());
        Ok(line)
    }
}

/// Pads `line` with spaces up to `column`, with at least one space.
fn pad(line: &mut String, column: usize) {
    line.push(' ');
    while line.len() < column {
        line.push(' ');
    }
}

/// Whether the rule `from` (with `*` splats and `:placeholder` segments) matches the
/// path `name`.
fn matches(from: &str, name: &str) -> bool {
    let mut pattern = from.split('/');
    let mut path = name.split('/');
    loop {
        match (pattern.next(), path.next()) {
            (Some("*"), _) => return true,
            (Some(p), Some(segment)) if p.starts_with(':') && !segment.is_empty() => {}
            (Some(p), Some(segment)) if p == segment => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

impl MapFile for RedirectsFile<'_> {
    fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn value_text(&self, _entry: &Entry, target: &str) -> Result<String, String> {
        if target.is_empty() || target.contains(char::is_whitespace) {
            return Err(format!(
                "`{target}` cannot be a _redirects target (empty or with white space)"
            ));
        }
        Ok(target.to_string())
    }

    fn insert_before(&self, entry: &Entry, links: &[&Link]) -> Result<Vec<SpanEdit>, String> {
        let indent =
            indent_before(self.text, entry.start).ok_or("the rule does not start its line")?;
        let mut lines = String::new();
        for link in links {
            lines.push_str(&format!("{indent}{}\n", self.rule(link)?));
        }
        let at = line_start(self.text, entry.start);
        Ok(vec![SpanEdit {
            range: at..at,
            replacement: lines,
        }])
    }

    fn append(&self, links: &[&Link]) -> Result<Vec<SpanEdit>, String> {
        // The first rule that matches wins: a new rule after a catch-all (`/*`) would
        // never be reached, so it goes right after the rule before the first one
        // that would take it.
        let shadow = self
            .entries
            .iter()
            .position(|e| links.iter().any(|l| matches(&e.name, &l.name)));
        let after = match shadow {
            Some(0) => return self.insert_before(&self.entries[0], links),
            Some(i) => self.entries.get(i - 1),
            None => self.entries.last(),
        };
        let mut lines = Vec::new();
        for link in links {
            lines.push(self.rule(link)?);
        }
        Ok(vec![match after {
            Some(last) => {
                let at = line_end(self.text, last.end);
                SpanEdit {
                    range: at..at,
                    replacement: lines.iter().map(|l| format!("\n{l}")).collect(),
                }
            }
            None => at_end_of_file(
                self.text,
                &lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
            ),
        }])
    }
}

#[cfg(test)]
mod tests {
    use crate::links::Link;
    use crate::links::maps::{MapKind, plan};

    fn upsert(text: &str, links: &[(&str, &str)]) -> String {
        let links: Vec<Link> = links
            .iter()
            .map(|(n, t)| Link {
                name: n.to_string(),
                target: t.to_string(),
            })
            .collect();
        plan(MapKind::Redirects, text, &links, &Default::default())
            .unwrap_or_else(|e| panic!("{}", e.message))
            .text
    }

    #[test]
    fn replaces_the_target_and_keeps_status_and_conditions() {
        assert_eq!(
            upsert(
                "# site\n/dl/latest   /old.tgz   302!  Country=de\n/z /y\n",
                &[("/dl/latest", "/new.tgz"), ("/dl/v1", "/v1.tgz")]
            ),
            "# site\n/dl/latest   /new.tgz   302!  Country=de\n/dl/v1 /v1.tgz 302\n/z /y\n"
        );
    }

    #[test]
    fn lines_up_new_rules_with_the_last_one() {
        assert_eq!(
            upsert(
                "/a      /x.tgz     301\n/c      /z.tgz     301",
                &[("/b", "/y.tgz"), ("/d", "/w.tgz")]
            ),
            "/a      /x.tgz     301\n/b      /y.tgz     302\n/c      /z.tgz     301\n/d      /w.tgz     302"
        );
        assert_eq!(upsert("", &[("/a", "/b")]), "/a /b 302\n");
    }

    #[test]
    fn new_rules_go_before_a_rule_that_would_shadow_them() {
        assert_eq!(
            upsert(
                "/z /y 301\n/download/:version/* /archive/:version 301\n/* /index.html 200\n",
                &[("/download/latest", "/x.tgz")]
            ),
            "/z /y 301\n/download/latest /x.tgz 302\n/download/:version/* /archive/:version 301\n/* /index.html 200\n",
            "a splat may match nothing: the new rule goes first"
        );
        assert!(super::matches("/download/:v", "/download/latest"));
        assert!(!super::matches("/download/:v", "/download/v1/x"));
        assert!(!super::matches("/docs/*", "/download/latest"));
    }

    #[test]
    fn a_rule_without_target_is_refused() {
        let links = [Link {
            name: "/a".into(),
            target: "/b".into(),
        }];
        let err = plan(
            MapKind::Redirects,
            "/ok /x\n  /lonely\n",
            &links,
            &Default::default(),
        )
        .unwrap_err();
        assert_eq!(err.offset, Some(9));
        assert_eq!(err.message, "a rule needs `from to [status]`");
    }
}
