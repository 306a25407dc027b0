//! A redirect map as a JSON object of `"name": "target"` (comments and trailing
//! commas allowed, as JSONC), read with `jsonc-parser` for its byte ranges. New
//! entries copy the file's indentation, `": "` spacing and trailing-comma habit; a
//! comment after the last entry stays on its line.

use super::{Entry, MapError, MapFile, indent_before, line_end, line_start};
use crate::fsio::SpanEdit;
use crate::links::Link;
use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::common::Ranged;

pub(crate) struct JsonMap<'t> {
    text: &'t str,
    entries: Vec<Entry>,
    /// Byte offsets of the object's `{` and `}`.
    open: usize,
    close: usize,
    /// Entries one per line (else on the braces' line, separated by `, `).
    multiline: bool,
    indent: String,
    colon: String,
    /// The position of a comma after the last entry.
    trailing_comma: Option<usize>,
}

impl<'t> JsonMap<'t> {
    pub fn read(text: &'t str) -> Result<JsonMap<'t>, MapError> {
        let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &Default::default())
            .map_err(|e| MapError::at(e.range().start, format!("not JSON: {}", e.kind())))?;
        let object = match parsed.value {
            Some(Value::Object(object)) => object,
            Some(other) => {
                return Err(MapError::at(
                    other.range().start,
                    "the top level is not a JSON object of \"name\": \"target\"",
                ));
            }
            None => {
                return Err(MapError::at(
                    0,
                    "the file is empty; a redirect map needs at least `{}`",
                ));
            }
        };
        let open = object.range.start;
        let close = object.range.end - 1;
        let entries: Vec<Entry> = object
            .properties
            .iter()
            .map(|prop| Entry {
                name: match &prop.name {
                    ObjectPropName::String(s) => s.value.to_string(),
                    ObjectPropName::Word(w) => w.value.to_string(),
                },
                value: match &prop.value {
                    Value::StringLit(s) => Some(s.value.to_string()),
                    _ => None,
                },
                value_span: prop.value.range().start..prop.value.range().end,
                start: prop.range.start,
                end: prop.range.end,
            })
            .collect();
        let first = object.properties.first();
        let multiline = match first {
            Some(prop) => text[open + 1..prop.range.start].contains('\n'),
            None => text[open + 1..close].contains('\n'),
        };
        let indent = first
            .and_then(|p| indent_before(text, p.range.start))
            .filter(|i| multiline && !i.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| {
                let brace = indent_before(text, open).unwrap_or("");
                format!("{brace}  ")
            });
        let colon = first
            .map(|p| &text[p.name.range().end..p.value.range().start])
            .filter(|c| c.trim() == ":")
            .unwrap_or(": ")
            .to_string();
        let trailing_comma = entries.last().and_then(|last| {
            let after = &text[last.end..close];
            let skipped = after.len() - after.trim_start().len();
            after
                .trim_start()
                .starts_with(',')
                .then_some(last.end + skipped)
        });
        Ok(JsonMap {
            text,
            entries,
            open,
            close,
            multiline,
            indent,
            colon,
            trailing_comma,
        })
    }

    fn entry_text(&self, link: &Link) -> String {
        format!("{}{}{}", quote(&link.name), self.colon, quote(&link.target))
    }
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

impl MapFile for JsonMap<'_> {
    fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn value_text(&self, _entry: &Entry, target: &str) -> Result<String, String> {
        Ok(quote(target))
    }

    fn insert_before(&self, entry: &Entry, links: &[&Link]) -> Result<Vec<SpanEdit>, String> {
        let on_own_line = self.multiline && indent_before(self.text, entry.start).is_some();
        let (at, text) = if on_own_line {
            let indent = indent_before(self.text, entry.start).unwrap_or_default();
            let lines: String = links
                .iter()
                .map(|l| format!("{indent}{},\n", self.entry_text(l)))
                .collect();
            (line_start(self.text, entry.start), lines)
        } else {
            let inline: String = links
                .iter()
                .map(|l| format!("{}, ", self.entry_text(l)))
                .collect();
            (entry.start, inline)
        };
        Ok(vec![SpanEdit {
            range: at..at,
            replacement: text,
        }])
    }

    fn append(&self, links: &[&Link]) -> Result<Vec<SpanEdit>, String> {
        let Some(last) = self.entries.last() else {
            let inner = &self.text[self.open + 1..self.close];
            let body: Vec<String> = links
                .iter()
                .map(|l| format!("{}{}", self.indent, self.entry_text(l)))
                .collect();
            let brace = indent_before(self.text, self.open).unwrap_or("");
            return Ok(vec![if inner.trim().is_empty() {
                SpanEdit {
                    range: self.open + 1..self.close,
                    replacement: format!("\n{}\n{brace}", body.join(",\n")),
                }
            } else {
                // Only comments inside: the entries go before them.
                SpanEdit {
                    range: self.open + 1..self.open + 1,
                    replacement: format!("\n{}", body.join(",\n")),
                }
            }]);
        };
        let after = self.trailing_comma.map_or(last.end, |c| c + 1);
        let line_based = self.multiline && line_end(self.text, after) < self.close;
        let mut edits = Vec::new();
        if self.trailing_comma.is_none() {
            edits.push(SpanEdit {
                range: last.end..last.end,
                replacement: ",".into(),
            });
        }
        let (at, separator, lead) = if line_based {
            (
                line_end(self.text, after),
                ",\n",
                format!("\n{}", self.indent),
            )
        } else {
            (after, ", ", " ".to_string())
        };
        let body: Vec<String> = links.iter().map(|l| self.entry_text(l)).collect();
        let joined = if line_based {
            body.join(&format!("{separator}{}", self.indent))
        } else {
            body.join(separator)
        };
        let tail = if self.trailing_comma.is_some() {
            ","
        } else {
            ""
        };
        edits.push(SpanEdit {
            range: at..at,
            replacement: format!("{lead}{joined}{tail}"),
        });
        Ok(edits)
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
        plan(MapKind::Json, text, &links, &Default::default())
            .unwrap_or_else(|e| panic!("{}", e.message))
            .text
    }

    #[test]
    fn appends_to_an_unsorted_object_keeping_a_trailing_comment() {
        assert_eq!(
            upsert(
                "{\n    \"b\": \"1\",\n    \"a\": \"2\" // last\n}\n",
                &[("c", "3")]
            ),
            "{\n    \"b\": \"1\",\n    \"a\": \"2\", // last\n    \"c\": \"3\"\n}\n"
        );
    }

    #[test]
    fn keeps_a_trailing_comma_habit() {
        assert_eq!(
            upsert(
                "{\n  \"b\": \"1\",\n  \"a\": \"2\",\n}",
                &[("c", "3"), ("d", "4")]
            ),
            "{\n  \"b\": \"1\",\n  \"a\": \"2\",\n  \"c\": \"3\",\n  \"d\": \"4\",\n}"
        );
    }

    #[test]
    fn edits_one_line_objects_inline() {
        assert_eq!(
            upsert("{\"a\": \"1\", \"c\": \"3\"}", &[("b", "2"), ("d", "4")]),
            "{\"a\": \"1\", \"b\": \"2\", \"c\": \"3\", \"d\": \"4\"}"
        );
        assert_eq!(
            upsert("{}", &[("a", "1"), ("b", "2")]),
            "{\n  \"a\": \"1\",\n  \"b\": \"2\"\n}"
        );
    }

    #[test]
    fn refuses_what_is_no_object_and_values_that_are_not_strings() {
        let links = [Link {
            name: "a".into(),
            target: "x".into(),
        }];
        let err = plan(MapKind::Json, "[1]", &links, &Default::default()).unwrap_err();
        assert_eq!(err.offset, Some(0));
        assert_eq!(
            err.message,
            "the top level is not a JSON object of \"name\": \"target\""
        );
        let err = plan(
            MapKind::Json,
            "{\"a\": {\"b\": 1}}",
            &links,
            &Default::default(),
        )
        .unwrap_err();
        assert_eq!(err.offset, Some(6));
        let err = plan(MapKind::Json, "{\"a\": ", &links, &Default::default()).unwrap_err();
        assert!(err.message.starts_with("not JSON: "), "{}", err.message);
    }
}
