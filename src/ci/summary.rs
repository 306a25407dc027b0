//! Markdown for the step summary (`$GITHUB_STEP_SUMMARY`) and other rendered text.
//!
//! Text from tags and commits is untrusted: it is escaped so that it cannot leave its
//! table cell or list item, or inject HTML.

use std::io::Write;
use std::path::Path;

/// Escapes text for one Markdown table cell or list item: no HTML, no line breaks,
/// no table pipes, no emphasis, link, heading or math syntax of its own. A code span
/// the text closes itself (`` `None` ``) stays a code span — its content is shown as
/// it is, so nothing in it is markup; unmatched backticks are escaped. Control
/// characters are shown, never written (see [`visible_controls`]).
pub fn escape_inline(text: &str) -> String {
    let text = visible_controls(&text.replace('\r', "").replace('\n', " "));
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            let run = rest.len() - rest.trim_start_matches('`').len();
            if let Some(end) = closing_backticks(&rest[run..], run) {
                // The whole span, fences included, verbatim.
                out.push_str(&rest[..run + end + run]);
                rest = &rest[run + end + run..];
            } else {
                out.push_str(&"\\`".repeat(run));
                rest = &rest[run..];
            }
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' | '\\' | '*' | '_' | '[' | ']' | '#' | '!' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Where a run of exactly `n` backticks starts in `text` (a code span's end).
fn closing_backticks(text: &str, n: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let run = bytes[i..].iter().take_while(|b| **b == b'`').count();
            if run == n {
                return Some(i);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

/// Escapes text that starts a list item (`- {text}`) or a line of its own: on top of
/// [`escape_inline`], a start that Markdown would read as a nested list, a block quote
/// or a thematic break (`- `, `+ `, `1. `, `1) `, `---`, `===`) is escaped too, and
/// surrounding blanks (indented code, hard line breaks) are dropped.
pub fn escape_list_item(text: &str) -> String {
    guard_line_start(escape_inline(text.trim()))
}

/// Escapes the first character of already escaped Markdown when it would open a block
/// (a list marker, an ordered list number, a setext or thematic-break line).
pub fn guard_line_start(markdown: String) -> String {
    let bytes = markdown.as_bytes();
    match bytes.first() {
        Some(b'-' | b'+' | b'=') => format!("\\{markdown}"),
        Some(b'0'..=b'9') => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            match bytes.get(digits) {
                Some(b'.' | b')') if digits <= 9 => {
                    format!("{}\\{}", &markdown[..digits], &markdown[digits..])
                }
                _ => markdown,
            }
        }
        _ => markdown,
    }
}

/// Text with every control character made visible, so none reaches a rendered file
/// raw (an ESC sequence recolours or rewrites a terminal that shows the changelog; a
/// BEL rings it): a tab becomes a space, the other C0 characters and DEL their
/// Unicode control pictures (`␛`, `␇`, `␡`), a C1 character U+FFFD.
pub fn visible_controls(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| match c {
            '\t' => ' ',
            '\0'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
            '\u{7f}' => '\u{2421}',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Text inside a code span: backticks in the text get a longer fence.
pub fn code(text: &str) -> String {
    let text = visible_controls(&text.replace(['\r', '\n'], " "));
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// A Markdown table; cells are escaped by the caller's choice of [`escape_inline`] or
/// [`code`]. A `|` left unescaped in a cell (inside a code span, where GitHub still
/// splits cells at it) is escaped here.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        " --- |".repeat(header.len())
    );
    for row in rows {
        let cells: Vec<String> = row.iter().map(|cell| escape_cell_pipes(cell)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

/// Escapes every `|` of a cell that is not escaped yet (an even run of backslashes
/// before it escapes only themselves).
fn escape_cell_pipes(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    let mut backslashes = 0;
    for c in cell.chars() {
        if c == '|' && backslashes % 2 == 0 {
            out.push('\\');
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        out.push(c);
    }
    out
}

/// Appends to the step summary file.
pub fn append(path: &Path, markdown: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(markdown.as_bytes())?;
    if !markdown.ends_with('\n') {
        file.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_text_cannot_break_out_of_its_cell() {
        assert_eq!(
            escape_inline("a | b\n<img src=x onerror=alert(1)> [x](y)"),
            "a \\| b &lt;img src=x onerror=alert(1)&gt; \\[x\\](y)"
        );
    }

    #[test]
    fn list_items_cannot_open_blocks_of_their_own() {
        assert_eq!(escape_list_item("- nested"), "\\- nested");
        assert_eq!(escape_list_item("  + x  "), "\\+ x");
        assert_eq!(escape_list_item("12. ordered"), "12\\. ordered");
        assert_eq!(escape_list_item("3) ordered"), "3\\) ordered");
        assert_eq!(escape_list_item("2024 was good"), "2024 was good");
        assert_eq!(escape_list_item("> quote"), "&gt; quote");
        assert_eq!(escape_list_item("# heading"), "\\# heading");
        assert_eq!(escape_list_item("==="), "\\===");
    }

    #[test]
    fn hostile_text_renders_as_text() {
        for (text, markdown) in [
            (
                "</details><script>alert(1)</script>",
                "&lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
            ),
            (
                "<img src=x onerror=alert(1)>",
                "&lt;img src=x onerror=alert(1)&gt;",
            ),
            ("| cell | break |", "\\| cell \\| break \\|"),
            (
                "[click](javascript:alert(1))",
                "\\[click\\](javascript:alert(1))",
            ),
            ("<!-- ", "&lt;\\!-- "),
            ("x\n\n## Injected heading", "x  \\#\\# Injected heading"),
            (
                "**bold** _em_ ~~gone~~",
                "\\*\\*bold\\*\\* \\_em\\_ \\~\\~gone\\~\\~",
            ),
            ("$\\color{red}{x}$", "\\$\\\\color{red}{x}\\$"),
            ("&lt; is <", "&amp;lt; is &lt;"),
        ] {
            assert_eq!(escape_inline(text), markdown, "{text:?}");
        }
    }

    #[test]
    fn closed_code_spans_stay_code_and_open_backticks_are_escaped() {
        assert_eq!(
            escape_inline("handle `None` and ``a`b`` in <x>"),
            "handle `None` and ``a`b`` in &lt;x&gt;"
        );
        assert_eq!(escape_inline("`<script>` | `a|b`"), "`<script>` \\| `a|b`");
        assert_eq!(escape_inline("a ` b"), "a \\` b");
        assert_eq!(escape_inline("``a` b"), "\\`\\`a\\` b");
        assert_eq!(escape_inline("`multi\nline`"), "`multi line`");
    }

    #[test]
    fn table_cells_cannot_split_at_a_pipe_in_a_code_span() {
        let rows = vec![vec![code("a|b"), escape_inline("c|d `e|f`")]];
        assert_eq!(
            table(&["x", "y"], &rows),
            "| x | y |\n| --- | --- |\n| `a\\|b` | c\\|d `e\\|f` |\n"
        );
    }

    #[test]
    fn code_spans_fence_around_backticks() {
        assert_eq!(code("v1.0"), "`v1.0`");
        assert_eq!(code("a`b"), "``a`b``");
    }

    #[test]
    fn control_characters_are_shown_not_written() {
        let hostile = "bell\u{7} esc\u{1b}[31mred\ttab del\u{7f} c1\u{9b}";
        let shown = "bell\u{2407} esc\u{241b}\\[31mred tab del\u{2421} c1\u{FFFD}";
        assert_eq!(escape_inline(hostile), shown);
        assert_eq!(code("\u{1b}]8;;x\u{7}"), "`\u{241b}]8;;x\u{2407}`");
        assert_eq!(escape_inline("`\u{1b}[2J`"), "`\u{241b}[2J`");
    }
}
