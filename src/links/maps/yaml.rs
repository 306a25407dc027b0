//! A redirect map as a YAML block map of `name: target`, read with `saphyr-parser`
//! for its spans. Values keep their quoting style; new entries copy the indentation,
//! the `: ` spacing and the quoting of the first entry, and are quoted whenever a
//! plain scalar would not read back as the same string (`1.4`, `yes`, `a: b`).

use super::{Entry, MapError, MapFile, at_end_of_file, indent_before, line_end, line_start};
use crate::fsio::SpanEdit;
use crate::links::Link;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};

pub(crate) struct YamlMap<'t> {
    text: &'t str,
    entries: Vec<Entry>,
    styles: Vec<ScalarStyle>,
    key_style: ScalarStyle,
    value_style: ScalarStyle,
    separator: String,
    indent: String,
}

/// Byte offsets of character indices (saphyr's markers count characters).
struct Offsets(Vec<usize>);

impl Offsets {
    fn new(text: &str) -> Offsets {
        let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        v.push(text.len());
        Offsets(v)
    }

    fn byte(&self, char_index: usize) -> usize {
        self.0
            .get(char_index)
            .copied()
            .unwrap_or(*self.0.last().unwrap_or(&0))
    }

    fn span(&self, span: &Span) -> std::ops::Range<usize> {
        self.byte(span.start.index())..self.byte(span.end.index())
    }
}

impl<'t> YamlMap<'t> {
    pub fn read(text: &'t str) -> Result<YamlMap<'t>, MapError> {
        let offsets = Offsets::new(text);
        let mut parser = Parser::new_from_str(text);
        let mut next = || -> Result<(Event<'t>, std::ops::Range<usize>), MapError> {
            match parser.next_event() {
                Some(Ok((event, span))) => Ok((event, offsets.span(&span))),
                Some(Err(e)) => Err(MapError::at(
                    offsets.byte(e.marker().index()),
                    format!("not YAML: {}", e.info()),
                )),
                None => Err(MapError::at(text.len(), "the YAML ends early")),
            }
        };
        let mut entries = Vec::new();
        let mut styles = Vec::new();
        next()?; // StreamStart
        match next()? {
            (Event::StreamEnd, _) => {
                // Empty, or comments only: a map with no entries yet.
                return Ok(YamlMap::with(text, entries, styles));
            }
            (Event::DocumentStart(_), _) => {}
            (_, span) => return Err(MapError::at(span.start, "expected a YAML document")),
        }
        match next()? {
            (Event::MappingStart(..), span) => {
                if text[span.start..].starts_with('{') {
                    return Err(MapError::at(
                        span.start,
                        "a flow map (`{…}`) is not supported; write the map in block style",
                    ));
                }
            }
            (_, span) => {
                return Err(MapError::at(
                    span.start,
                    "the top level is not a map of `name: target`",
                ));
            }
        }
        loop {
            let (key, key_span) = match next()? {
                (Event::MappingEnd, _) => break,
                (Event::Scalar(key, ..), span) => (key.into_owned(), span),
                (_, span) => {
                    return Err(MapError::at(span.start, "a key that is not a plain string"));
                }
            };
            let (value, value_span, style, end) = match next()? {
                (Event::Scalar(value, style, ..), mut span) => {
                    // saphyr-parser 0.3 lets a quoted scalar's span run on over a
                    // comment that follows it on the line; end it at its closing quote.
                    match style {
                        ScalarStyle::DoubleQuoted => {
                            span.end = span.start + closing(&text[span.start..], '"')
                        }
                        ScalarStyle::SingleQuoted => {
                            span.end = span.start + closing(&text[span.start..], '\'')
                        }
                        _ => {}
                    }
                    let plain = matches!(
                        style,
                        ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
                    );
                    let end = span.end;
                    (plain.then(|| value.into_owned()), span, style, end)
                }
                (Event::MappingStart(..) | Event::SequenceStart(..), span) => {
                    // A nested value: skip it, remembering where it ends.
                    let mut depth = 1;
                    let mut end = span.end;
                    while depth > 0 {
                        let (event, inner) = next()?;
                        match event {
                            Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
                            Event::MappingEnd | Event::SequenceEnd => depth -= 1,
                            _ => {}
                        }
                        if inner.end > inner.start {
                            end = end.max(inner.end);
                        }
                    }
                    (None, span, ScalarStyle::Plain, end)
                }
                (_, span) => (None, span.clone(), ScalarStyle::Plain, span.end),
            };
            entries.push(Entry {
                name: key,
                value,
                value_span,
                start: key_span.start,
                end,
            });
            styles.push(style);
        }
        next()?; // DocumentEnd
        if let (Event::DocumentStart(_), span) = next()? {
            return Err(MapError::at(
                span.start,
                "more than one YAML document; a redirect map is one map",
            ));
        }
        Ok(YamlMap::with(text, entries, styles))
    }

    fn with(text: &'t str, entries: Vec<Entry>, styles: Vec<ScalarStyle>) -> YamlMap<'t> {
        let first = entries.iter().zip(&styles).find(|(e, _)| e.value.is_some());
        let key_style = first
            // `get`: an empty complex key (`?` at the end of the text) starts at its end.
            .map(|(e, _)| match text.as_bytes().get(e.start) {
                Some(b'"') => ScalarStyle::DoubleQuoted,
                Some(b'\'') => ScalarStyle::SingleQuoted,
                _ => ScalarStyle::Plain,
            })
            .unwrap_or(ScalarStyle::Plain);
        let value_style = first.map_or(ScalarStyle::Plain, |(_, s)| *s);
        let separator = first
            .and_then(|(e, _)| {
                let key_end = e.start + key_text_len(text, e);
                text.get(key_end..e.value_span.start).map(str::to_string)
            })
            .filter(|s| s.trim() == ":" && !s.contains('\n'))
            .unwrap_or_else(|| ": ".into());
        let indent = entries
            .first()
            .and_then(|e| indent_before(text, e.start))
            .unwrap_or("")
            .to_string();
        YamlMap {
            text,
            entries,
            styles,
            key_style,
            value_style,
            separator,
            indent,
        }
    }

    fn line(&self, link: &Link) -> String {
        format!(
            "{}{}{}",
            scalar(&link.name, self.key_style),
            self.separator,
            scalar(&link.target, self.value_style)
        )
    }
}

/// The length of a key as written (its span ends at the key's last character).
fn key_text_len(text: &str, entry: &Entry) -> usize {
    let rest = &text[entry.start..];
    match rest.as_bytes().first() {
        Some(b'"') => closing(rest, '"'),
        Some(b'\'') => closing(rest, '\''),
        _ => rest
            .find(':')
            .map_or(entry.name.len(), |i| rest[..i].trim_end().len()),
    }
}

/// The length of the quoted scalar `rest` starts with, up to its closing quote
/// (`\"` escapes in double quotes, `''` in single quotes).
fn closing(rest: &str, quote: char) -> usize {
    let mut chars = rest.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if quote == '"' && c == '\\' {
            chars.next();
        } else if c == quote {
            if quote == '\'' && chars.peek().map(|&(_, n)| n) == Some('\'') {
                chars.next();
            } else {
                return i + 1;
            }
        }
    }
    rest.len()
}

/// `text` as a YAML scalar of `style`, or double-quoted when a plain scalar would not
/// read back as this string.
fn scalar(text: &str, style: ScalarStyle) -> String {
    match style {
        ScalarStyle::SingleQuoted if !text.contains(['\n', '\r', '\t']) => {
            format!("'{}'", text.replace('\'', "''"))
        }
        ScalarStyle::Plain if plain_is_safe(text) => text.to_string(),
        _ => serde_json::to_string(text).expect("a string serializes"),
    }
}

/// Whether `text` written plain reads back as the same string.
fn plain_is_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if text.trim() != text
        || "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || text.contains(": ")
        || text.contains(" #")
        || text.ends_with(':')
        || text.chars().any(|c| c.is_control())
    {
        return false;
    }
    // Words YAML 1.1 or 1.2 reads as null, booleans or numbers.
    let lower = text.to_ascii_lowercase();
    if [
        "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", "+.inf",
        ".nan",
    ]
    .contains(&lower.as_str())
    {
        return false;
    }
    let numeric_start = first.is_ascii_digit()
        || (matches!(first, '+' | '.') && text[1..].starts_with(|c: char| c.is_ascii_digit()));
    let numeric_chars = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._:+-".contains(c));
    !(numeric_start && numeric_chars)
}

impl MapFile for YamlMap<'_> {
    fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn value_text(&self, entry: &Entry, target: &str) -> Result<String, String> {
        let index = self
            .entries
            .iter()
            .position(|e| e.start == entry.start)
            .unwrap_or(0);
        let text = scalar(target, self.styles[index]);
        Ok(if entry.value_span.is_empty() {
            format!(" {text}")
        } else {
            text
        })
    }

    fn insert_before(&self, entry: &Entry, links: &[&Link]) -> Result<Vec<SpanEdit>, String> {
        let indent = indent_before(self.text, entry.start).ok_or_else(|| {
            "the entry does not start its line; cannot insert before it".to_string()
        })?;
        let lines: String = links
            .iter()
            .map(|l| format!("{indent}{}\n", self.line(l)))
            .collect();
        let at = line_start(self.text, entry.start);
        Ok(vec![SpanEdit {
            range: at..at,
            replacement: lines,
        }])
    }

    fn append(&self, links: &[&Link]) -> Result<Vec<SpanEdit>, String> {
        let Some(last) = self.entries.last() else {
            let lines: String = links
                .iter()
                .map(|l| format!("{}\n", self.line(l)))
                .collect();
            return Ok(vec![at_end_of_file(self.text, &lines)]);
        };
        // After the last entry's last line (a comment on it stays there).
        let end_char = self.text[..last.end].chars().next_back();
        let at = if end_char == Some('\n') {
            last.end - 1
        } else {
            line_end(self.text, last.end)
        };
        let lines: String = links
            .iter()
            .map(|l| format!("\n{}{}", self.indent, self.line(l)))
            .collect();
        Ok(vec![SpanEdit {
            range: at..at,
            replacement: lines,
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::links::maps::{MapKind, plan};

    fn upsert(text: &str, links: &[(&str, &str)]) -> String {
        let links: Vec<Link> = links
            .iter()
            .map(|(n, t)| Link {
                name: n.to_string(),
                target: t.to_string(),
            })
            .collect();
        plan(MapKind::Yaml, text, &links, &Default::default())
            .unwrap_or_else(|e| panic!("{}", e.message))
            .text
    }

    #[test]
    fn keeps_styles_comments_and_order() {
        assert_eq!(
            upsert(
                "# links\nb: 'x' # keep\n\"é\": \"y\"\na:\n  nested: 1\n",
                &[("b", "x2"), ("é", "y2"), ("c", "z")]
            ),
            "# links\nb: 'x2' # keep\n\"é\": \"y2\"\na:\n  nested: 1\nc: 'z'\n"
        );
    }

    #[test]
    fn inserts_sorted_into_a_sorted_map_and_quotes_what_must_be() {
        assert_eq!(
            upsert("a: 1\nc: 3\n", &[("b", "2"), ("1.4", "yes"), ("d", "x: y")]),
            "\"1.4\": \"yes\"\na: 1\nb: \"2\"\nc: 3\nd: \"x: y\"\n"
        );
        assert_eq!(
            upsert("", &[("tool/1.4", "https://x/a")]),
            "tool/1.4: https://x/a\n"
        );
        assert_eq!(
            upsert("# only a comment", &[("a", "b")]),
            "# only a comment\na: b\n"
        );
    }

    #[test]
    fn plain_safety() {
        for safe in [
            "tool/1.4-linux",
            "https://x.org/a#b",
            "latest",
            "v1",
            "1.4/linux",
        ] {
            assert!(plain_is_safe(safe), "{safe}");
        }
        for unsafe_ in [
            "1.4", "yes", "No", "- a", "a: b", "a #b", "", " a", "1e3", "12:30",
        ] {
            assert!(!plain_is_safe(unsafe_), "{unsafe_}");
        }
    }

    #[test]
    fn refuses_other_shapes() {
        let links = [Link {
            name: "a".into(),
            target: "x".into(),
        }];
        let message = |text: &str| {
            plan(MapKind::Yaml, text, &links, &Default::default())
                .unwrap_err()
                .message
        };
        assert_eq!(
            message("- a\n"),
            "the top level is not a map of `name: target`"
        );
        assert_eq!(
            message("{a: b}\n"),
            "a flow map (`{…}`) is not supported; write the map in block style"
        );
        assert_eq!(
            message("a: b\n---\nc: d\n"),
            "more than one YAML document; a redirect map is one map"
        );
        assert_eq!(
            message("a: |\n  x\n"),
            "the entry `a` is not a plain string value; a link cannot replace it"
        );
        assert!(message("a: [\n").starts_with("not YAML: "));
    }
}
