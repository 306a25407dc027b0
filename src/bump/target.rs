//! The target syntax of README's bump-versions section: `PATH[:KEY][=TEMPLATE]` or
//! `PATH:/REGEX/[=TEMPLATE]`, the KEY paths inside it (`image.tag`,
//! `packages."".version`, `dependencies[0].version`) and the value templates
//! (`v{version}`, `{major}.{minor}`).
//!
//! Parsing only checks syntax; whether the file and key exist is the planner's job.
//! verify-release reads `--expect-file PATH:KEY` with the same parser.

use crate::Location;
use crate::version::Version;
use std::fmt;

/// One segment of a key path: a map key, or an index into a list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A path to a value inside a structured file: dotted keys, `"quoted.keys"`, `""`
/// for the empty key and `[N]` for list items.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct KeyPath(pub Vec<Segment>);

impl KeyPath {
    /// Parses a key path such as `image.tag`, `packages."".version` or `a[0].b`.
    pub fn parse(text: &str) -> Result<KeyPath, String> {
        let mut segments = Vec::new();
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        if chars.is_empty() {
            return Err("the key is empty (write `\"\"` for the empty key)".into());
        }
        // Whether a `.` must come before the next key segment.
        let mut need_dot = false;
        while i < chars.len() {
            match chars[i] {
                '[' => {
                    let close = chars[i..]
                        .iter()
                        .position(|&c| c == ']')
                        .ok_or_else(|| format!("`[` at column {} is not closed", i + 1))?
                        + i;
                    let digits: String = chars[i + 1..close].iter().collect();
                    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                        return Err(format!(
                            "`[{digits}]` at column {} is not a list index such as [0]",
                            i + 1
                        ));
                    }
                    let index = digits
                        .parse()
                        .map_err(|_| format!("the index `{digits}` is too large"))?;
                    segments.push(Segment::Index(index));
                    i = close + 1;
                    need_dot = true;
                }
                '.' if need_dot => {
                    need_dot = false;
                    i += 1;
                    if i == chars.len() {
                        return Err("the key ends with `.`".into());
                    }
                }
                '.' => {
                    return Err(format!(
                        "empty segment at column {} (write `\"\"` for the empty key)",
                        i + 1
                    ));
                }
                _ if need_dot => {
                    return Err(format!(
                        "expected `.` or `[` at column {}, found `{}`",
                        i + 1,
                        chars[i]
                    ));
                }
                '"' => {
                    let mut key = String::new();
                    i += 1;
                    loop {
                        match chars.get(i) {
                            None => return Err("a quoted segment is not closed".into()),
                            Some('"') => break,
                            Some('\\') => match chars.get(i + 1) {
                                Some(&c @ ('"' | '\\')) => {
                                    key.push(c);
                                    i += 2;
                                    continue;
                                }
                                _ => {
                                    return Err(format!(
                                        "only `\\\"` and `\\\\` are escapes in a quoted segment (column {})",
                                        i + 1
                                    ));
                                }
                            },
                            Some(&c) => key.push(c),
                        }
                        i += 1;
                    }
                    segments.push(Segment::Key(key));
                    i += 1;
                    need_dot = true;
                }
                _ => {
                    let start = i;
                    while i < chars.len() && !matches!(chars[i], '.' | '[' | ']' | '"') {
                        i += 1;
                    }
                    if i < chars.len() && matches!(chars[i], ']' | '"') {
                        return Err(format!(
                            "unexpected `{}` at column {} (quote the segment: \"...\")",
                            chars[i],
                            i + 1
                        ));
                    }
                    segments.push(Segment::Key(chars[start..i].iter().collect()));
                    need_dot = true;
                }
            }
        }
        Ok(KeyPath(segments))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    pub fn child(&self, segment: Segment) -> KeyPath {
        let mut segments = self.0.clone();
        segments.push(segment);
        KeyPath(segments)
    }

    pub fn key(&self, key: &str) -> KeyPath {
        self.child(Segment::Key(key.to_string()))
    }

    pub fn index(&self, index: usize) -> KeyPath {
        self.child(Segment::Index(index))
    }

    pub fn parent(&self) -> Option<KeyPath> {
        let (_, rest) = self.0.split_last()?;
        Some(KeyPath(rest.to_vec()))
    }
}

/// Written back in the syntax `parse` reads; segments that need it are quoted.
impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Index(i) => write!(f, "[{i}]")?,
                Segment::Key(key) => {
                    if n > 0 {
                        f.write_str(".")?;
                    }
                    let bare = !key.is_empty()
                        && !key
                            .chars()
                            .any(|c| matches!(c, '.' | '[' | ']' | '"' | '=') || c.is_whitespace());
                    if bare {
                        f.write_str(key)?;
                    } else {
                        write!(f, "\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Which value(s) of a file a target names.
#[derive(Debug, Clone)]
pub enum Selector {
    /// No KEY: the default of a well-known file (`Chart.yaml` → `version`), or the
    /// whole content of a plain file.
    Default,
    Key(KeyPath),
    /// The text of the named group `version` of every match.
    Regex(regex::Regex),
}

impl Selector {
    /// `image.tag` or `/REGEX/`; empty for the default.
    pub fn describe(&self) -> String {
        match self {
            Selector::Default => String::new(),
            Selector::Key(key) => key.to_string(),
            Selector::Regex(re) => format!("/{}/", re.as_str()),
        }
    }
}

/// How the written value is made from `--version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    text: String,
    /// Uses `{major}`, `{minor}`, `{patch}` or `{prerelease}`, so the version must parse.
    needs_parts: bool,
}

pub const TEMPLATE_FIELDS: [&str; 5] = ["version", "major", "minor", "patch", "prerelease"];

impl Template {
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut rest = text;
        let mut needs_parts = false;
        while let Some(start) = rest.find('{') {
            let end = rest[start..]
                .find('}')
                .ok_or_else(|| format!("template `{text}`: a `{{` is not closed"))?
                + start;
            let field = &rest[start + 1..end];
            if !TEMPLATE_FIELDS.contains(&field) {
                return Err(format!(
                    "template `{text}`: unknown field `{{{field}}}` (known: {{version}}, {{major}}, {{minor}}, {{patch}}, {{prerelease}})"
                ));
            }
            needs_parts |= field != "version";
            rest = &rest[end + 1..];
        }
        if text.contains(['\n', '\r']) {
            return Err(format!("template `{text}`: a value is one line"));
        }
        Ok(Template {
            text: text.to_string(),
            needs_parts,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn needs_parts(&self) -> bool {
        self.needs_parts
    }

    /// The value for `version`. `parsed` is required when the template uses the
    /// version's parts.
    pub fn render(&self, version: &str, parsed: Option<&Version>) -> Result<String, String> {
        if self.needs_parts {
            let parsed = parsed.ok_or_else(|| match crate::version::tag_prefix_of(version) {
                Some(prefix) => format!(
                    "template `{}` uses the parts of the version, which is a tag name; \
                     pass --tag-prefix {prefix} (the version is then `{}`)",
                    self.text,
                    &version[prefix.len()..]
                ),
                None => format!(
                    "template `{}` uses the parts of the version, but `{version}` is not a version such as 1.2.0",
                    self.text
                ),
            })?;
            parsed.render(&self.text)
        } else {
            self.refuse_doubled_prefix(version)?;
            Ok(self.text.replace("{version}", version))
        }
    }

    /// A tag name given as the version, into a template that adds the tag prefix
    /// itself (`v{version}` with `v1.4.0`), would write `vv1.4.0`.
    fn refuse_doubled_prefix(&self, version: &str) -> Result<(), String> {
        let Some(prefix) = crate::version::tag_prefix_of(version) else {
            return Ok(());
        };
        let mut rest = self.text.as_str();
        while let Some(at) = rest.find("{version}") {
            if rest[..at].ends_with(prefix) {
                return Err(format!(
                    "template `{}` would write `{}`: the version is a tag name that \
                     already starts with `{prefix}`; pass --tag-prefix {prefix} (the \
                     version is then `{}`) or drop `{prefix}` from the template",
                    self.text,
                    self.text.replace("{version}", version),
                    &version[prefix.len()..]
                ));
            }
            rest = &rest[at + "{version}".len()..];
        }
        Ok(())
    }
}

impl Default for Template {
    fn default() -> Self {
        Template {
            text: "{version}".into(),
            needs_parts: false,
        }
    }
}

/// Where a target was given: a `--file` flag or an entry of `relay.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecOrigin {
    Flag,
    Config(Location),
}

/// One `--file` SPEC or `[[bump.files]]` entry.
#[derive(Debug, Clone)]
pub struct TargetSpec {
    /// A path or a glob, relative to the root.
    pub path: String,
    pub selector: Selector,
    pub template: Template,
    /// The spec as written (for messages).
    pub text: String,
    pub origin: SpecOrigin,
}

impl TargetSpec {
    /// Parses `PATH[:KEY][=TEMPLATE]` or `PATH:/REGEX/[=TEMPLATE]`. PATH ends at the
    /// first `:` or `=`. In a `/REGEX/`, `\/` stands for `/`; the first other `/`
    /// closes it.
    pub fn parse(text: &str) -> Result<TargetSpec, String> {
        let path_end = text.find([':', '=']).unwrap_or(text.len());
        let path = &text[..path_end];
        if path.is_empty() {
            return Err("the path is empty (expected PATH[:KEY][=TEMPLATE])".into());
        }
        let mut rest = &text[path_end..];
        let mut selector = Selector::Default;
        if let Some(after) = rest.strip_prefix(':') {
            if let Some(body) = after.strip_prefix('/') {
                let (pattern, tail) = split_regex(body)?;
                selector = Selector::Regex(compile_regex(&pattern)?);
                rest = tail;
            } else {
                let key_end = key_end(after);
                let key = &after[..key_end];
                selector = Selector::Key(KeyPath::parse(key).map_err(|e| format!("key: {e}"))?);
                rest = &after[key_end..];
            }
        }
        let template = match rest.strip_prefix('=') {
            Some(t) => Template::parse(t)?,
            None if rest.is_empty() => Template::default(),
            None => return Err(format!("unexpected `{rest}` after the key")),
        };
        Ok(TargetSpec {
            path: path.to_string(),
            selector,
            template,
            text: text.to_string(),
            origin: SpecOrigin::Flag,
        })
    }

    /// A spec from the parts of a `[[bump.files]]` entry.
    pub fn from_parts(
        path: &str,
        key: Option<&str>,
        regex: Option<&str>,
        template: Option<&str>,
    ) -> Result<TargetSpec, String> {
        if path.is_empty() {
            return Err("`path` is empty".into());
        }
        let selector = match (key, regex) {
            (Some(_), Some(_)) => return Err("give `key` or `regex`, not both".into()),
            (Some(key), None) => {
                Selector::Key(KeyPath::parse(key).map_err(|e| format!("key: {e}"))?)
            }
            (None, Some(re)) => Selector::Regex(compile_regex(re)?),
            (None, None) => Selector::Default,
        };
        let template = match template {
            Some(t) => Template::parse(t)?,
            None => Template::default(),
        };
        let mut text = path.to_string();
        match &selector {
            Selector::Default => {}
            Selector::Key(k) => text.push_str(&format!(":{k}")),
            Selector::Regex(re) => text.push_str(&format!(":/{}/", re.as_str())),
        }
        if template != Template::default() {
            text.push_str(&format!("={}", template.as_str()));
        }
        Ok(TargetSpec {
            path: path.to_string(),
            selector,
            template,
            text,
            origin: SpecOrigin::Flag,
        })
    }

    /// Whether the path is a glob rather than one file.
    pub fn is_glob(&self) -> bool {
        self.path.contains(['*', '?', '['])
    }
}

/// The end of a KEY: the first `=` outside a quoted segment.
fn key_end(text: &str) -> usize {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '=' if !quoted => return i,
            _ => {}
        }
    }
    text.len()
}

/// Splits `REGEX/rest` at the closing `/`, turning `\/` into `/`.
fn split_regex(body: &str) -> Result<(String, &str), String> {
    let mut pattern = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, '/')) => pattern.push('/'),
                Some((_, other)) => {
                    pattern.push('\\');
                    pattern.push(other);
                }
                None => pattern.push('\\'),
            },
            '/' => return Ok((pattern, &body[i + 1..])),
            _ => pattern.push(c),
        }
    }
    Err("the /REGEX/ is not closed with `/` (write `\\/` for a `/` inside it)".into())
}

/// Compiles a target regex: multi-line (`^`/`$` match at every line), with a named
/// group `version`.
fn compile_regex(pattern: &str) -> Result<regex::Regex, String> {
    let re = regex::RegexBuilder::new(pattern)
        .multi_line(true)
        .build()
        .map_err(|e| format!("regex `{pattern}`: {e}"))?;
    if !re.capture_names().any(|n| n == Some("version")) {
        return Err(format!(
            "regex `{pattern}` has no group named `version`; write (?P<version>...) around the text to replace"
        ));
    }
    Ok(re)
}

/// The `version` groups of a target regex in `text`, one per match. A match of no text
/// at all is no place in the file (`(?P<version>.*)` also matches after the final
/// newline, and `[0-9.]*` between any two characters), so it is skipped.
pub fn version_groups<'t>(
    re: &regex::Regex,
    text: &'t str,
) -> impl Iterator<Item = regex::Match<'t>> {
    re.captures_iter(text).filter_map(|caps| {
        let whole = caps.get(0)?;
        if whole.is_empty() {
            return None;
        }
        caps.name("version")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Vec<Segment> {
        KeyPath::parse(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .0
    }

    fn k(s: &str) -> Segment {
        Segment::Key(s.into())
    }

    #[test]
    fn parses_key_paths() {
        assert_eq!(key("image.tag"), [k("image"), k("tag")]);
        assert_eq!(
            key("packages.\"\".version"),
            [k("packages"), k(""), k("version")]
        );
        assert_eq!(
            key("dependencies[0].version"),
            [k("dependencies"), Segment::Index(0), k("version")]
        );
        assert_eq!(
            key("\"a.b\"[2][3]"),
            [k("a.b"), Segment::Index(2), Segment::Index(3)]
        );
        assert_eq!(key("[1]"), [Segment::Index(1)]);
        assert_eq!(key("\"q\\\"x\""), [k("q\"x")]);
        assert_eq!(key("a b.c-d"), [k("a b"), k("c-d")]);
    }

    #[test]
    fn refuses_malformed_keys() {
        for (text, reason) in [
            ("", "empty"),
            ("a..b", "empty segment at column 3"),
            ("a.", "ends with `.`"),
            ("a[x]", "not a list index"),
            ("a[1", "not closed"),
            ("a\"b\"", "unexpected `\"`"),
            ("\"a\"b", "expected `.` or `[`"),
            ("\"a", "not closed"),
            ("\"a\\n\"", "escapes"),
        ] {
            let err = KeyPath::parse(text).unwrap_err();
            assert!(err.contains(reason), "{text}: {err}");
        }
    }

    #[test]
    fn key_paths_print_as_they_parse() {
        for text in [
            "image.tag",
            "packages.\"\".version",
            "a[0].b",
            "\"a.b\".c",
            "\"x=y\"",
        ] {
            assert_eq!(KeyPath::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn parses_target_specs() {
        let spec = TargetSpec::parse("charts/*/Chart.yaml:appVersion=v{version}").unwrap();
        assert_eq!(spec.path, "charts/*/Chart.yaml");
        assert!(matches!(&spec.selector, Selector::Key(k) if k.to_string() == "appVersion"));
        assert_eq!(spec.template.as_str(), "v{version}");
        assert!(spec.is_glob());

        let spec = TargetSpec::parse("VERSION").unwrap();
        assert!(matches!(spec.selector, Selector::Default));
        assert_eq!(spec.template, Template::default());

        let spec = TargetSpec::parse("Chart.yaml={major}.{minor}").unwrap();
        assert!(matches!(spec.selector, Selector::Default));
        assert!(spec.template.needs_parts());

        let spec = TargetSpec::parse("a.json:\"x=y\".z=v{version}").unwrap();
        assert!(matches!(&spec.selector, Selector::Key(k) if k.0 == [k_("x=y"), k_("z")]));
        assert_eq!(spec.template.as_str(), "v{version}");

        let spec =
            TargetSpec::parse(r"README.md:/download\/v(?P<version>[0-9.]+)\//=https://x/{version}")
                .unwrap();
        let Selector::Regex(re) = &spec.selector else {
            panic!()
        };
        assert_eq!(re.as_str(), r"download/v(?P<version>[0-9.]+)/");
        assert_eq!(spec.template.as_str(), "https://x/{version}");
    }

    fn k_(s: &str) -> Segment {
        Segment::Key(s.into())
    }

    #[test]
    fn refuses_malformed_specs() {
        for (text, reason) in [
            (":version", "path is empty"),
            ("a.yaml:a..b", "key: empty segment"),
            ("a.md:/x(/", "regex `x(`"),
            ("a.md:/v[0-9]+/", "no group named `version`"),
            ("a.md:/(?P<version>x)", "not closed with `/`"),
            ("a.md:/(?P<version>x)/y", "unexpected `y`"),
            ("a.yaml:v={nope}", "unknown field `{nope}`"),
            ("a.yaml:v={version", "not closed"),
        ] {
            let err = TargetSpec::parse(text).map(|_| ()).unwrap_err();
            assert!(err.contains(reason), "{text}: {err}");
        }
    }

    #[test]
    fn templates_need_a_version_only_for_its_parts() {
        let t = Template::parse("v{version}").unwrap();
        assert_eq!(t.render("0123abc", None).unwrap(), "v0123abc");
        let t = Template::parse("{major}.{minor}").unwrap();
        let v = Version::parse("1.4.2").unwrap();
        assert_eq!(t.render("1.4.2", Some(&v)).unwrap(), "1.4");
        assert!(t.render("abc", None).unwrap_err().contains("not a version"));
    }
}
