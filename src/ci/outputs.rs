//! Named outputs of a tool, written the three ways README's "Conventions of every tool"
//! names: `$GITHUB_OUTPUT`, a GitLab dotenv report (`--dotenv`), and one JSON object on
//! stdout (`--json`).
//!
//! Values are untrusted text (tag messages, commit subjects): each must come out as
//! exactly one output holding exactly that value, whatever newlines or delimiter-like
//! lines it holds.

use super::CiError;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// GitLab rejects a dotenv report of this size or more (5 KiB; its check is
/// `size < limit`).
pub const GITLAB_DOTENV_MAX_BYTES: usize = 5 * 1024;
/// GitLab's default limit of variables one dotenv report may define (self-managed).
pub const GITLAB_DOTENV_MAX_VARIABLES: usize = 20;

/// An ordered set of named outputs.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Outputs {
    entries: Vec<(String, Value)>,
}

impl Outputs {
    pub fn new() -> Self {
        Outputs::default()
    }

    /// Sets `name`, replacing an earlier value of the same name.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) -> &mut Self {
        let name = name.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((name, value)),
        }
        self
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entries.iter().any(|(n, _)| n == name)
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The JSON object printed by `--json`.
    pub fn to_json(&self) -> Value {
        Value::Object(self.entries.iter().cloned().collect())
    }

    /// Appends every output to the `$GITHUB_OUTPUT` file, each with its own random
    /// delimiter (a fixed `EOF` lets a value end the block early).
    pub fn write_github_output(&self, path: &Path) -> Result<(), CiError> {
        let mut block = String::new();
        for (name, value) in &self.entries {
            check_github_name(name)?;
            let text = text_of(value);
            let delimiter = format!("ghadelimiter_{}", random_hex());
            if text.contains(&delimiter) {
                return Err(CiError::Output {
                    name: name.clone(),
                    reason: "the value contains the output delimiter".into(),
                });
            }
            block.push_str(&format!("{name}<<{delimiter}\n{text}\n{delimiter}\n"));
        }
        append(path, &block)
    }

    /// Writes a GitLab dotenv report: `UPPER_SNAKE=value` lines, read the way GitLab
    /// reads them (each line split at its first `=`, both sides stripped) and then
    /// expanded by the runner (`$NAME` is replaced, `$$` is one `$`), so every `$` of a
    /// value is written as `$$`. A value GitLab cannot carry on one line (newlines,
    /// surrounding blanks) is written to a file beside the report and the variable holds
    /// that file's path; so are the longest values when the report would otherwise
    /// reach GitLab's size limit. Returns warnings about GitLab's limits and about
    /// names that fold to one key.
    pub fn write_dotenv(&self, path: &Path) -> Result<Vec<String>, CiError> {
        let mut warnings = Vec::new();
        // (key, text, kept in a side file)
        let mut entries: Vec<(String, String, bool)> = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        // GitLab refuses the upload of a report with more variables (400), failing the
        // job: the last outputs stay out of it instead.
        let mut left_out: Vec<&str> = Vec::new();
        for (name, value) in &self.entries {
            let key = dotenv_key(name);
            if is_reserved_variable(&key) {
                warnings.push(format!(
                    "output `{name}` is left out of {}: its dotenv key {key} is a variable the \
                     CI platform, git or the shell uses",
                    path.display()
                ));
                continue;
            }
            if entries.len() == GITLAB_DOTENV_MAX_VARIABLES {
                left_out.push(name.as_str());
                continue;
            }
            if let Some(i) = entries.iter().position(|(k, _, _)| *k == key) {
                // Two names that fold to one key (`a-b`, `a_b`): the first wins.
                warnings.push(format!(
                    "output `{name}` has the dotenv key {key} of output `{}`; it is left out of {}",
                    names[i],
                    path.display()
                ));
                continue;
            }
            let text = text_of(value);
            let gitlab_strips = |c: char| c.is_whitespace() || c == '\0';
            let one_line = !text.contains(['\n', '\r']) && text.trim_matches(gitlab_strips) == text;
            // A list or an object can grow past what a variable holds: it is always a
            // file, so that its variable has one form whatever its size.
            let structured = value.is_array() || value.is_object();
            entries.push((key, text, !one_line || structured));
            names.push(name);
        }
        let line = |key: &str, text: &str, side: bool| {
            let value = if side {
                side_file(path, key).display().to_string()
            } else {
                text.to_string()
            };
            format!("{key}={}\n", value.replace('$', "$$"))
        };
        let size = |entries: &[(String, String, bool)]| -> usize {
            entries
                .iter()
                .map(|(k, t, side)| line(k, t, *side).len())
                .sum()
        };
        // GitLab refuses the whole report at its size limit: the longest values move to
        // side files (their paths are shorter) until it fits.
        while size(&entries) >= GITLAB_DOTENV_MAX_BYTES {
            let longest = entries
                .iter_mut()
                .filter(|(k, t, side)| !side && line(k, t, false).len() > line(k, t, true).len())
                .max_by_key(|(k, t, _)| line(k, t, false).len());
            match longest {
                Some(entry) => entry.2 = true,
                None => break,
            }
        }
        // Still too big (long key names, a deep report path): GitLab would refuse the
        // upload and fail the job, so the last outputs stay out instead.
        let mut too_big: Vec<&str> = Vec::new();
        while size(&entries) >= GITLAB_DOTENV_MAX_BYTES {
            entries.pop();
            too_big.push(names.pop().expect("one name per entry"));
        }
        too_big.reverse();
        let mut report = String::new();
        for (key, text, side) in &entries {
            if *side {
                write_atomic(&side_file(path, key), text.as_bytes())?;
            }
            report.push_str(&line(key, text, *side));
        }
        write_atomic(path, report.as_bytes())?;
        if !too_big.is_empty() {
            warnings.push(format!(
                "{} would reach GitLab's limit of {GITLAB_DOTENV_MAX_BYTES} bytes; left out: {} \
                 (read them from --json or $GITHUB_OUTPUT)",
                path.display(),
                too_big.join(", ")
            ));
        }
        if !left_out.is_empty() {
            warnings.push(format!(
                "{} holds GitLab's limit of {GITLAB_DOTENV_MAX_VARIABLES} variables; left out: {} \
                 (read them from --json or $GITHUB_OUTPUT)",
                path.display(),
                left_out.join(", ")
            ));
        }
        Ok(warnings)
    }
}

/// Whether a dotenv variable named `key` would take a name the CI platform, git, the
/// shell or the tools' own inputs use. A dotenv variable outranks the job's variables
/// on GitLab, so the next job's tool would trust it (its API URL, TLS checks, inputs).
pub fn is_reserved_variable(key: &str) -> bool {
    const PREFIXES: [&str; 13] = [
        "CI_", "GITLAB_", "GITHUB_", "RUNNER_", "ACTIONS_", "INPUT_", "RELAY_", "GIT_", "FF_",
        "DOCKER_", "LD_", "SSL_", "SSH_",
    ];
    const NAMES: [&str; 22] = [
        "CI",
        "GITLAB_CI",
        "PATH",
        "HOME",
        "SHELL",
        "ENV",
        "BASH_ENV",
        "IFS",
        "PS4",
        "PROMPT_COMMAND",
        "CDPATH",
        "TMPDIR",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "CURL_CA_BUNDLE",
        "GNUPGHOME",
        "LANG",
        "LC_ALL",
        "NODE_OPTIONS",
        "PYTHONPATH",
    ];
    NAMES.contains(&key) || PREFIXES.iter().any(|p| key.starts_with(p))
}

/// An output's text: strings as they are, everything else as compact JSON.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `release-type` → `RELEASE_TYPE`; anything but ASCII letters and digits becomes `_`.
pub fn dotenv_key(name: &str) -> String {
    let mut key: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if key.is_empty() || key.starts_with(|c: char| c.is_ascii_digit()) {
        key.insert(0, '_');
    }
    key
}

/// A name GitHub accepts for an output: starts with a letter or `_`, then letters,
/// digits, `-` or `_`. Other characters become `-`.
pub fn output_name(key: &str) -> String {
    let mut name: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        name.insert(0, '_');
    }
    name
}

fn check_github_name(name: &str) -> Result<(), CiError> {
    if output_name(name) == name {
        Ok(())
    } else {
        Err(CiError::Output {
            name: name.to_string(),
            reason: "not a valid output name".into(),
        })
    }
}

fn side_file(dotenv: &Path, key: &str) -> PathBuf {
    let file_name = dotenv
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "outputs.env".into());
    dotenv.with_file_name(format!("{file_name}.{key}"))
}

/// 32 random hex digits (output delimiters, stop-commands tokens).
pub(crate) fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn append(path: &Path, text: &str) -> Result<(), CiError> {
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        file.write_all(text.as_bytes())
    };
    write().map_err(|source| CiError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a whole file through a temporary file in the same folder and a rename, so a
/// reader never sees half of it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CiError> {
    crate::fsio::write_atomic(path, bytes).map_err(|source| CiError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_to_upper_snake_for_dotenv() {
        assert_eq!(dotenv_key("release-type"), "RELEASE_TYPE");
        assert_eq!(dotenv_key("release:Code-Review+2"), "RELEASE_CODE_REVIEW_2");
        assert_eq!(dotenv_key("1st"), "_1ST");
    }

    #[test]
    fn output_names_keep_what_github_accepts() {
        assert_eq!(output_name("release-type"), "release-type");
        assert_eq!(
            output_name("release:Code-Review+2"),
            "release-Code-Review-2"
        );
        assert_eq!(output_name("2x"), "_2x");
    }

    #[test]
    fn github_output_uses_a_fresh_random_delimiter_per_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut outputs = Outputs::new();
        outputs
            .set("a", "one\nEOF\ntwo")
            .set("b", serde_json::json!(["x"]));
        outputs.write_github_output(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let delimiters: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_once("<<").map(|(_, d)| d))
            .collect();
        assert_eq!(delimiters.len(), 2);
        assert_ne!(delimiters[0], delimiters[1]);
        assert!(delimiters[0].starts_with("ghadelimiter_") && delimiters[0].len() == 45);
        assert!(text.contains("\none\nEOF\ntwo\n"));
        assert!(text.contains("\n[\"x\"]\n"));
    }

    #[test]
    fn multi_line_dotenv_values_go_to_a_side_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.env");
        let mut outputs = Outputs::new();
        outputs.set("tag", "v1").set("message", "line 1\nline 2");
        outputs.write_dotenv(&path).unwrap();
        let side = dir.path().join("relay.env.MESSAGE");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("TAG=v1\nMESSAGE={}\n", side.display())
        );
        assert_eq!(std::fs::read_to_string(side).unwrap(), "line 1\nline 2");
    }

    #[test]
    fn dotenv_keeps_to_gitlab_s_limit_of_variables_and_names_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.env");
        let mut outputs = Outputs::new();
        for i in 0..23 {
            outputs.set(format!("k{i}"), "v");
        }
        let warnings = outputs.write_dotenv(&path).unwrap();
        let report = std::fs::read_to_string(&path).unwrap();
        assert_eq!(report.lines().count(), GITLAB_DOTENV_MAX_VARIABLES);
        assert!(report.starts_with("K0=v\n") && report.ends_with("K19=v\n"));
        assert_eq!(
            warnings,
            [format!(
                "{} holds GitLab's limit of 20 variables; left out: k20, k21, k22 (read them \
                 from --json or $GITHUB_OUTPUT)",
                path.display()
            )]
        );
    }

    #[test]
    fn dotenv_never_writes_a_variable_the_platform_or_git_uses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.env");
        let mut outputs = Outputs::new();
        outputs
            .set("ci-api-v4-url", "https://evil.example")
            .set("git_ssl_no_verify", "1")
            .set("bash-env", "/tmp/x")
            .set("input-dry-run", "false")
            .set("series", "2026.1");
        let warnings = outputs.write_dotenv(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "SERIES=2026.1\n");
        assert_eq!(warnings.len(), 4, "{warnings:?}");
        assert!(warnings[0].starts_with("output `ci-api-v4-url` is left out of"));
        assert!(warnings[0].ends_with(
            "its dotenv key CI_API_V4_URL is a variable the CI platform, git or the shell uses"
        ));
    }

    #[test]
    fn the_longest_values_move_to_side_files_until_the_report_fits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.env");
        let mut outputs = Outputs::new();
        outputs
            .set("small", "v1")
            .set("big", "b".repeat(3000))
            .set("bigger", "c".repeat(4000))
            .set("medium", "m".repeat(1000));
        assert_eq!(outputs.write_dotenv(&path).unwrap(), Vec::<String>::new());
        let report = std::fs::read_to_string(&path).unwrap();
        let side = dir.path().join("out.env.BIGGER");
        assert_eq!(
            report,
            format!(
                "SMALL=v1\nBIG={}\nBIGGER={}\nMEDIUM={}\n",
                "b".repeat(3000),
                side.display(),
                "m".repeat(1000)
            )
        );
        assert!(report.len() < GITLAB_DOTENV_MAX_BYTES);
        assert_eq!(std::fs::read_to_string(side).unwrap(), "c".repeat(4000));
    }

    #[test]
    fn a_report_that_cannot_fit_gitlab_s_size_limit_leaves_its_last_outputs_out() {
        let dir = tempfile::tempdir().unwrap();
        // A report path so deep that 20 side-file paths alone pass 5 KiB.
        let deep = dir.path().join("d".repeat(200)).join("e".repeat(100));
        std::fs::create_dir_all(&deep).unwrap();
        let path = deep.join("out.env");
        let mut outputs = Outputs::new();
        for i in 0..20 {
            outputs.set(format!("list-{i:02}"), serde_json::json!([i]));
        }
        let warnings = outputs.write_dotenv(&path).unwrap();
        let report = std::fs::read_to_string(&path).unwrap();
        assert!(report.len() < GITLAB_DOTENV_MAX_BYTES, "{}", report.len());
        let kept = report.lines().count();
        assert!((1..20).contains(&kept), "{kept}");
        assert!(report.starts_with("LIST_00="));
        let left_out: Vec<String> = (kept..20).map(|i| format!("list-{i:02}")).collect();
        assert_eq!(
            warnings,
            [format!(
                "{} would reach GitLab's limit of 5120 bytes; left out: {} (read them from \
                 --json or $GITHUB_OUTPUT)",
                path.display(),
                left_out.join(", ")
            )]
        );
        assert!(!deep.join(format!("out.env.LIST_{:02}", 19)).exists());
    }

    #[test]
    fn lists_and_objects_are_always_a_file_whatever_their_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("release.env");
        let mut outputs = Outputs::new();
        outputs
            .set("assets", serde_json::json!([{"name": "a.tar.gz"}]))
            .set("count", 1)
            .set("url", "https://x/1");
        outputs.write_dotenv(&path).unwrap();
        let side = dir.path().join("release.env.ASSETS");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("ASSETS={}\nCOUNT=1\nURL=https://x/1\n", side.display())
        );
        assert_eq!(
            std::fs::read_to_string(side).unwrap(),
            r#"[{"name":"a.tar.gz"}]"#
        );
    }

    #[test]
    fn dollars_are_doubled_for_the_runner_s_expansion() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.env");
        let mut outputs = Outputs::new();
        outputs.set("note", "costs $5, not $CI_JOB_TOKEN or $$");
        outputs.write_dotenv(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "NOTE=costs $$5, not $$CI_JOB_TOKEN or $$$$\n"
        );
    }

    #[test]
    fn names_folding_to_one_dotenv_key_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.env");
        let mut outputs = Outputs::new();
        outputs
            .set("tagger-email", "a@b")
            .set("tagger_email", "evil");
        let warnings = outputs.write_dotenv(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "TAGGER_EMAIL=a@b\n"
        );
        assert_eq!(
            warnings,
            [format!(
                "output `tagger_email` has the dotenv key TAGGER_EMAIL of output `tagger-email`; \
                 it is left out of {}",
                path.display()
            )]
        );
    }
}
