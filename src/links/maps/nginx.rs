//! An nginx `map` block (`map $uri $target { /from /to; … }`), or a file of the
//! `key value;` lines such a block includes (`include redirects.map;`). Lines are
//! read one entry a line; `default`, `hostnames`, `volatile` and `include` are the
//! block's own directives, not links. Values keep their quotes; new entries line up
//! with the last one.

use super::{Entry, MapError, MapFile, at_end_of_file, indent_before, line_end, line_start};
use crate::fsio::SpanEdit;
use crate::links::Link;

const DIRECTIVES: &[&str] = &["default", "hostnames", "volatile", "include"];

pub(crate) struct NginxMap<'t> {
    text: &'t str,
    entries: Vec<Entry>,
    /// Where the block's `}` line starts (none for an included file of entries).
    close_line: Option<usize>,
    /// Indentation of the block's `map` line.
    block_indent: String,
    /// Column of the value in the last entry.
    value_column: usize,
}

/// One token of a line: its byte range and its text without quotes.
struct Token {
    start: usize,
    end: usize,
    text: String,
    quoted: bool,
}

/// Splits a line into tokens; stops at `#` (a comment). `;`, `{` and `}` are tokens
/// of their own.
fn tokens(line: &str, offset: usize) -> Result<Vec<Token>, MapError> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'#' {
            break;
        } else if matches!(c, b';' | b'{' | b'}') {
            out.push(Token {
                start: offset + i,
                end: offset + i + 1,
                text: (c as char).to_string(),
                quoted: false,
            });
            i += 1;
        } else if c == b'"' || c == b'\'' {
            let mut text = String::new();
            let mut j = i + 1;
            loop {
                match bytes.get(j) {
                    None => return Err(MapError::at(offset + i, "a quote is not closed")),
                    Some(b'\\') if j + 1 < bytes.len() => {
                        let next = line[j + 1..].chars().next().unwrap_or('\\');
                        text.push(next);
                        j += 1 + next.len_utf8();
                    }
                    Some(&q) if q == c => break,
                    Some(_) => {
                        let ch = line[j..].chars().next().unwrap_or(' ');
                        text.push(ch);
                        j += ch.len_utf8();
                    }
                }
            }
            out.push(Token {
                start: offset + i,
                end: offset + j + 1,
                text,
                quoted: true,
            });
            i = j + 1;
        } else {
            let start = i;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !matches!(bytes[i], b';' | b'{' | b'}' | b'"' | b'\'')
            {
                i += 1;
            }
            out.push(Token {
                start: offset + start,
                end: offset + i,
                text: line[start..i].to_string(),
                quoted: false,
            });
        }
    }
    Ok(out)
}

impl<'t> NginxMap<'t> {
    pub fn read(text: &'t str) -> Result<NginxMap<'t>, MapError> {
        let has_block = text.split_inclusive('\n').any(|line| {
            tokens(line, 0)
                .ok()
                .and_then(|t| t.first().map(|t| t.text == "map" && !t.quoted))
                .unwrap_or(false)
        });
        // Outside the block (when there is one) lines are other configuration.
        let mut inside = !has_block;
        let mut seen_block = false;
        let mut close_line = None;
        let mut block_indent = String::new();
        let mut entries = Vec::new();
        let mut value_column = 0;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let tokens = tokens(line, start)?;
            let Some(first) = tokens.first() else {
                continue;
            };
            if !inside {
                if first.text == "map" && !first.quoted {
                    if seen_block {
                        return Err(MapError::at(
                            first.start,
                            "a second `map` block; keep one map block per file",
                        ));
                    }
                    if tokens.last().map(|t| t.text.as_str()) != Some("{") || tokens.len() != 4 {
                        return Err(MapError::at(
                            first.start,
                            "expected `map $source $target {` on one line",
                        ));
                    }
                    inside = true;
                    seen_block = true;
                    block_indent = indent_before(text, first.start).unwrap_or("").to_string();
                }
                continue;
            }
            if first.text == "}" && !first.quoted && has_block {
                inside = false;
                close_line = Some(start);
                continue;
            }
            let is_directive = !first.quoted && DIRECTIVES.contains(&first.text.as_str());
            let well_formed = tokens.len() == 3 && tokens[2].text == ";" && !tokens[2].quoted;
            if is_directive && (well_formed || tokens.len() == 2) {
                continue;
            }
            if !well_formed {
                return Err(MapError::at(
                    first.start,
                    "expected one `key value;` entry on this line",
                ));
            }
            let value = &tokens[1];
            entries.push(Entry {
                name: first.text.clone(),
                value: Some(value.text.clone()),
                value_span: value.start..value.end,
                start: first.start,
                end: tokens[2].end,
            });
            value_column = value.start - start;
        }
        if inside && has_block {
            return Err(MapError::at(text.len(), "the `map` block is not closed"));
        }
        Ok(NginxMap {
            text,
            entries,
            close_line,
            block_indent,
            value_column,
        })
    }

    fn entry_line(&self, link: &Link) -> String {
        let mut line = word(&link.name, false);
        line.push(' ');
        let indent = self
            .entries
            .last()
            .and_then(|e| indent_before(self.text, e.start))
            .map_or(0, str::len);
        while indent + line.len() < self.value_column {
            line.push(' ');
        }
        line.push_str(&word(&link.target, false));
        line.push(';');
        line
    }

    fn indent(&self) -> String {
        match self.entries.last() {
            Some(e) => indent_before(self.text, e.start).unwrap_or("").to_string(),
            None if self.close_line.is_some() => format!("{}    ", self.block_indent),
            None => String::new(),
        }
    }
}

/// A key or value as nginx reads it: bare when it can be, else double-quoted.
fn word(text: &str, quoted: bool) -> String {
    let bare = !quoted
        && !text.is_empty()
        && !text
            .chars()
            .any(|c| c.is_whitespace() || ";{}#\"'\\".contains(c))
        && !DIRECTIVES.contains(&text);
    if bare {
        text.to_string()
    } else {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

impl MapFile for NginxMap<'_> {
    fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn value_text(&self, entry: &Entry, target: &str) -> Result<String, String> {
        let quoted = matches!(self.text.as_bytes()[entry.value_span.start], b'"' | b'\'');
        Ok(word(target, quoted))
    }

    fn insert_before(&self, entry: &Entry, links: &[&Link]) -> Result<Vec<SpanEdit>, String> {
        let indent =
            indent_before(self.text, entry.start).ok_or("the entry does not start its line")?;
        let lines: String = links
            .iter()
            .map(|l| format!("{indent}{}\n", self.entry_line(l)))
            .collect();
        let at = line_start(self.text, entry.start);
        Ok(vec![SpanEdit {
            range: at..at,
            replacement: lines,
        }])
    }

    fn append(&self, links: &[&Link]) -> Result<Vec<SpanEdit>, String> {
        let indent = self.indent();
        Ok(vec![match (self.entries.last(), self.close_line) {
            (Some(last), _) => {
                let at = line_end(self.text, last.end);
                SpanEdit {
                    range: at..at,
                    replacement: links
                        .iter()
                        .map(|l| format!("\n{indent}{}", self.entry_line(l)))
                        .collect(),
                }
            }
            (None, Some(close)) => SpanEdit {
                range: close..close,
                replacement: links
                    .iter()
                    .map(|l| format!("{indent}{}\n", self.entry_line(l)))
                    .collect(),
            },
            (None, None) => at_end_of_file(
                self.text,
                &links
                    .iter()
                    .map(|l| format!("{}\n", self.entry_line(l)))
                    .collect::<String>(),
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
        plan(MapKind::Nginx, text, &links, &Default::default())
            .unwrap_or_else(|e| panic!("{}", e.message))
            .text
    }

    #[test]
    fn edits_inside_the_map_block_only() {
        let text = "server_name x;\nmap $uri $target {\n    default       \"\";\n    /dl/b         \"/old\"; # pinned\n}\nlocation / { }\n";
        assert_eq!(
            upsert(text, &[("/dl/b", "/new"), ("/dl/a", "/a"), ("/dl/c", "/c")]),
            "server_name x;\nmap $uri $target {\n    default       \"\";\n    /dl/a         /a;\n    /dl/b         \"/new\"; # pinned\n    /dl/c         /c;\n}\nlocation / { }\n"
        );
    }

    #[test]
    fn an_empty_block_and_an_included_file() {
        assert_eq!(
            upsert("  map $uri $t {\n  }\n", &[("/a", "/b")]),
            "  map $uri $t {\n      /a /b;\n  }\n"
        );
        assert_eq!(
            upsert("/x /y;\n", &[("/a", "/b c")]),
            "/a \"/b c\";\n/x /y;\n"
        );
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let links = [Link {
            name: "/a".into(),
            target: "/b".into(),
        }];
        let err = |text: &str| plan(MapKind::Nginx, text, &links, &Default::default()).unwrap_err();
        let e = err("map $a $b {\n  /x /y /z;\n}\n");
        assert_eq!(
            (e.offset, e.message.as_str()),
            (Some(14), "expected one `key value;` entry on this line")
        );
        assert_eq!(
            err("map $a $b {\n").message,
            "the `map` block is not closed"
        );
        assert_eq!(
            err("map $a $b {\n}\nmap $c $d {\n}\n").message,
            "a second `map` block; keep one map block per file"
        );
        assert_eq!(err("/x \"/y;\n").message, "a quote is not closed");
    }
}
