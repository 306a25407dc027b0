//! Markdown for the step summary (`$GITHUB_STEP_SUMMARY`) and other rendered text.
//!
//! Text from tags and commits is untrusted: it is escaped so that it cannot leave its
//! table cell or list item, or inject HTML.

use std::io::Write;
use std::path::Path;

/// Escapes text for one Markdown table cell or list item: no HTML, no line breaks,
/// no table pipes, no emphasis or link syntax of its own.
pub fn escape_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => {}
            '\n' => out.push(' '),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
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

/// Text inside a code span: backticks in the text get a longer fence.
pub fn code(text: &str) -> String {
    let text = text.replace(['\r', '\n'], " ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// A Markdown table; cells are escaped by the caller's choice of [`escape_inline`] or
/// [`code`].
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        " --- |".repeat(header.len())
    );
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
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
    fn code_spans_fence_around_backticks() {
        assert_eq!(code("v1.0"), "`v1.0`");
        assert_eq!(code("a`b"), "``a`b``");
    }
}
