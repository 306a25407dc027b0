//! An nginx `map` block (`map $uri $target { /from /to; … }`), or a file of the
//! `key value;` lines such a block includes (`include redirects.map;`). Lines are
//! read one entry a line; `default`, `hostnames`, `volatile` and `include` are the
//! block's own directives, not links. Values keep their quotes; new entries line up
//! with the last one.
//!
//! Words are read and written as nginx reads them: its parser turns `\"`, `\'`, `\\`,
//! `\t`, `\r` and `\n` into characters and keeps any other backslash, quoted or not;
//! then the map module reads a key starting with `~` as a regular expression and a key
//! that names a directive as that directive, whether quoted or not, and drops one
//! leading `\` so that such a key can be literal. A link's name is therefore written
//! with that `\` when it needs it, and a regular-expression key is never a link. A
//! value is a complex value in which `$name` is a variable, and nginx has no escape for
//! `$`: a target holding one is refused.

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
    /// Whether the block holds `hostnames` (keys with `.` or `*` are then wildcards).
    hostnames: bool,
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
            let mut j = i + 1;
            loop {
                match bytes.get(j) {
                    None => return Err(MapError::at(offset + i, "a quote is not closed")),
                    Some(b'\\') if j + 1 < bytes.len() => j += 2,
                    Some(&q) if q == c => break,
                    Some(_) => j += 1,
                }
            }
            out.push(Token {
                start: offset + i,
                end: offset + j + 1,
                text: unescape(&line[i + 1..j]),
                quoted: true,
            });
            i = j + 1;
        } else {
            let start = i;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !matches!(bytes[i], b';' | b'{' | b'}' | b'"' | b'\'')
            {
                // A backslash takes the next byte into the word, whatever it is.
                i += if bytes[i] == b'\\' && i + 1 < bytes.len() {
                    2
                } else {
                    1
                };
            }
            out.push(Token {
                start: offset + start,
                end: offset + i,
                text: unescape(&line[start..i]),
                quoted: false,
            });
        }
    }
    Ok(out)
}

/// A word's text as nginx's parser makes it: `\"`, `\'` and `\\` become the character,
/// `\t`, `\r`, `\n` a tab, CR, LF; any other backslash stays.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some(&next @ ('"' | '\'' | '\\')) => {
                    out.push(next);
                    chars.next();
                    continue;
                }
                Some('t') => {
                    out.push('\t');
                    chars.next();
                    continue;
                }
                Some('r') => {
                    out.push('\r');
                    chars.next();
                    continue;
                }
                Some('n') => {
                    out.push('\n');
                    chars.next();
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

/// What the map module makes of a key's text: a directive, a regular expression, or
/// a literal source value (one leading `\` dropped).
enum Key<'a> {
    Directive,
    Regex,
    Literal(&'a str),
}

fn key(text: &str) -> Key<'_> {
    if DIRECTIVES.contains(&text) {
        Key::Directive
    } else if text.starts_with('~') {
        Key::Regex
    } else {
        Key::Literal(text.strip_prefix('\\').unwrap_or(text))
    }
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
        let mut hostnames = false;
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
            let well_formed = tokens.len() == 3 && tokens[2].text == ";" && !tokens[2].quoted;
            let alone = tokens.len() == 2 && tokens[1].text == ";" && !tokens[1].quoted;
            // `hostnames` and `volatile` are directives alone on their line; with a value
            // they are keys like any other.
            let parsed = match first.text.as_str() {
                "hostnames" | "volatile" if !alone => Key::Literal(&first.text),
                _ => key(&first.text),
            };
            if matches!(parsed, Key::Directive) && (well_formed || alone) {
                if first.text == "hostnames" {
                    hostnames = true;
                }
                continue;
            }
            if !well_formed {
                return Err(MapError::at(
                    first.start,
                    "expected one `key value;` entry on this line",
                ));
            }
            let value = &tokens[1];
            let Key::Literal(name) = parsed else {
                // A regular expression matches many sources; no link is one of them.
                value_column = value.start - start;
                continue;
            };
            entries.push(Entry {
                name: name.to_string(),
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
            hostnames,
        })
    }

    fn entry_line(&self, link: &Link) -> Result<String, String> {
        let mut line = self.key_word(&link.name)?;
        line.push(' ');
        let indent = self.indent().len();
        while indent + line.len() < self.value_column {
            line.push(' ');
        }
        line.push_str(&value_word(&link.target, false)?);
        line.push(';');
        Ok(line)
    }

    /// A link's name as a key the map module reads as that literal source value.
    fn key_word(&self, name: &str) -> Result<String, String> {
        if self.hostnames && (name.starts_with(['.', '*']) || name.ends_with(".*")) {
            return Err(format!(
                "the link name `{name}` is a wildcard in a map with `hostnames`; nginx has no \
                 way to write it as a plain name"
            ));
        }
        let needs_mark = !matches!(key(name), Key::Literal(n) if n == name);
        if needs_mark {
            // The mark survives nginx's parser bare unless the name starts with a
            // backslash of its own, which only a quoted `\\` keeps.
            let marked = format!("\\{name}");
            if name.starts_with('\\') || !is_bare(name) {
                return Ok(quoted(&marked));
            }
            return Ok(marked);
        }
        Ok(word(name, false))
    }

    fn indent(&self) -> String {
        match self.entries.last() {
            Some(e) => indent_before(self.text, e.start).unwrap_or("").to_string(),
            None if self.close_line.is_some() => format!("{}    ", self.block_indent),
            None => String::new(),
        }
    }
}

/// Whether nginx's parser reads `text` back unchanged as a bare word.
fn is_bare(text: &str) -> bool {
    !text.is_empty()
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || ";{}#\"'\\".contains(c))
}

/// `text` between double quotes, escaped so that nginx's parser gives `text` back.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A word as nginx's parser reads it: bare when it can be (and not `quoted` before),
/// else double-quoted.
fn word(text: &str, was_quoted: bool) -> String {
    if !was_quoted && is_bare(text) {
        text.to_string()
    } else {
        quoted(text)
    }
}

/// A map value: nginx expands `$name` and `${name}` in it and has no escape for `$`.
fn value_word(target: &str, was_quoted: bool) -> Result<String, String> {
    if target.contains('$') {
        return Err(format!(
            "the target `{target}` holds `$`, which nginx reads as a variable in a map value \
             and cannot escape; percent-encode it (`%24`)"
        ));
    }
    Ok(word(target, was_quoted))
}

impl MapFile for NginxMap<'_> {
    fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn value_text(&self, entry: &Entry, target: &str) -> Result<String, String> {
        let was_quoted = matches!(self.text.as_bytes()[entry.value_span.start], b'"' | b'\'');
        value_word(target, was_quoted)
    }

    fn insert_before(&self, entry: &Entry, links: &[&Link]) -> Result<Vec<SpanEdit>, String> {
        let indent =
            indent_before(self.text, entry.start).ok_or("the entry does not start its line")?;
        let lines = links
            .iter()
            .map(|l| Ok(format!("{indent}{}\n", self.entry_line(l)?)))
            .collect::<Result<String, String>>()?;
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
                        .map(|l| Ok(format!("\n{indent}{}", self.entry_line(l)?)))
                        .collect::<Result<String, String>>()?,
                }
            }
            (None, Some(close)) => SpanEdit {
                range: close..close,
                replacement: links
                    .iter()
                    .map(|l| Ok(format!("{indent}{}\n", self.entry_line(l)?)))
                    .collect::<Result<String, String>>()?,
            },
            (None, None) => at_end_of_file(
                self.text,
                &links
                    .iter()
                    .map(|l| Ok(format!("{}\n", self.entry_line(l)?)))
                    .collect::<Result<String, String>>()?,
            ),
        }])
    }
}

#[cfg(test)]
mod tests {
    use crate::links::Link;
    use crate::links::maps::{MapFile, MapKind, plan};

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
    fn names_nginx_would_read_as_regex_or_directive_are_written_literal() {
        let text = "map $uri $t {\n    default /;\n    ~^/old /;\n}\n";
        let links = [
            ("~.*1.0.0", "/a"),
            ("include", "/b"),
            ("default", "/c"),
            ("\\x", "/d"),
            ("a b", "/e"),
        ];
        let written = upsert(text, &links);
        assert_eq!(
            written,
            "map $uri $t {\n    default /;\n    ~^/old /;\n    \"\\\\\\\\x\" /d;\n    \"a b\"  /e;\n    \
             \\default /c;\n    \\include /b;\n    \\~.*1.0.0 /a;\n}\n"
        );
        // Read back, every name is the literal one, and the regex and `default` are no links.
        let map = super::NginxMap::read(&written).unwrap();
        let mut names: Vec<&str> = map.entries().iter().map(|e| e.name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["\\x", "a b", "default", "include", "~.*1.0.0"]);
        // A second run finds them all and changes nothing.
        assert_eq!(upsert(&written, &links), written);
    }

    #[test]
    fn a_regex_key_is_no_link_and_hostnames_are_kept_literal_or_refused() {
        let text = "map $uri $t {\n    \"~x\" /regex;\n}\n";
        assert_eq!(
            upsert(text, &[("~x", "/literal")]),
            "map $uri $t {\n    \"~x\" /regex;\n    \\~x  /literal;\n}\n"
        );
        let links = [Link {
            name: "*.example.org".into(),
            target: "/b".into(),
        }];
        let text = "map $host $t {\n    hostnames;\n}\n";
        assert_eq!(
            plan(MapKind::Nginx, text, &links, &Default::default())
                .unwrap_err()
                .message,
            "the link name `*.example.org` is a wildcard in a map with `hostnames`; nginx has \
             no way to write it as a plain name"
        );
    }

    #[test]
    fn a_target_with_a_variable_is_refused() {
        let links = [Link {
            name: "/a".into(),
            target: "https://$host/x".into(),
        }];
        for text in ["map $uri $t {\n}\n", "map $uri $t {\n    /a /old;\n}\n"] {
            let err = plan(MapKind::Nginx, text, &links, &Default::default()).unwrap_err();
            assert_eq!(
                err.message,
                "the target `https://$host/x` holds `$`, which nginx reads as a variable in a map \
                 value and cannot escape; percent-encode it (`%24`)"
            );
        }
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
