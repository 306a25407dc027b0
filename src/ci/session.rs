//! The edge every binary shares: it starts with the CI context and the secrets to
//! hide, and [`Session::finish`] is the one place that prints the result, writes the
//! outputs and maps an error to its exit code (ripgrep's and cargo-release's pattern).

use super::colour::Paint;
use super::{CiContext, CiError, OutputArgs, Outputs, summary, workflow};
use crate::Location;
use std::process::ExitCode;

/// What a tool hands to the edge: its outputs, an optional Markdown summary, and,
/// when the job failed after doing part of its work, why (exit 1, outputs still
/// written).
#[derive(Debug, Default)]
pub struct Report {
    pub outputs: Outputs,
    pub summary: Option<String>,
    pub warnings: Vec<String>,
    pub failure: Option<String>,
}

pub struct Session {
    pub ctx: CiContext,
    output: OutputArgs,
    secrets: Vec<String>,
    /// How the lines on stderr are coloured (plain unless it is a terminal or forced).
    paint: Paint,
}

impl Session {
    /// Reads the CI environment and checks the tuning variables; a tool that cannot
    /// even read them stops at its edge (`cli::started`) with exit 2.
    pub fn start(output: &OutputArgs) -> Result<Session, CiError> {
        let ctx = CiContext::from_env()?;
        super::tuning::check(|name| std::env::var(name).ok())?;
        Ok(Session {
            ctx,
            output: output.clone(),
            secrets: Vec::new(),
            paint: Paint::stderr(),
        })
    }

    /// Starts a session for a tool that talks to a forge: resolves the forge settings
    /// from the flags and the environment and hides the token at once.
    pub fn start_with_forge(
        output: &OutputArgs,
        forge: &super::ForgeArgs,
    ) -> Result<(Session, crate::forge::ForgeSettings), CiError> {
        let mut session = Session::start(output)?;
        let settings = forge.resolve(&session.ctx);
        if let Some(token) = &settings.token {
            session.hide(token.expose());
        }
        Ok((session, settings))
    }

    /// A session over a given context (tests).
    pub fn with_context(ctx: CiContext, output: &OutputArgs) -> Session {
        Session {
            ctx,
            output: output.clone(),
            secrets: Vec::new(),
            paint: Paint::plain(),
        }
    }

    /// Hides a secret: masked in GitHub Actions logs and cut out of everything this
    /// session prints.
    pub fn hide(&mut self, secret: &str) {
        if secret.is_empty() || self.secrets.iter().any(|s| s == secret) {
            return;
        }
        if self.ctx.in_github_actions() {
            for line in workflow::mask_commands(secret) {
                eprintln!("{line}");
            }
        }
        for form in escaped_forms(secret) {
            if !self.secrets.contains(&form) {
                self.secrets.push(form);
            }
        }
    }

    /// The text with every hidden secret, and the password of every URL, replaced by
    /// `***`.
    pub fn redact(&self, text: &str) -> String {
        redact_secrets(&self.secrets, text)
    }

    /// Text as this session prints it to a log: secrets cut out, control characters
    /// shown as escapes, and inside GitHub Actions no workflow command runnable from a
    /// tag message or commit subject in it.
    pub fn printable(&self, text: &str) -> String {
        printable(&self.secrets, self.ctx.in_github_actions(), text)
    }

    /// [`Session::printable`] as a function that outlives borrows of the session, for
    /// progress reported from other threads.
    pub fn redactor(&self) -> impl Fn(&str) -> String + Send + Sync + 'static {
        let secrets = self.secrets.clone();
        let in_actions = self.ctx.in_github_actions();
        move |text: &str| printable(&secrets, in_actions, text)
    }

    /// A progress line (or block of lines) on stderr.
    pub fn progress(&self, line: &str) {
        to_stderr(&self.printable(line));
    }

    /// A line of what the run did or, in a dry run, would do: a dry run's plan is its
    /// product ([`Session::print_product`]: stdout, or stderr beside `--json`), a real
    /// run's report is progress (stderr). Every tool prints its dry run this way.
    pub fn outcome(&self, line: &str, dry_run: bool) {
        if dry_run {
            self.print_product(&format!("{line}\n"));
        } else {
            self.progress(line);
        }
    }

    /// A product of the run meant for the reader (a dry run's diff): on stdout, or on
    /// stderr when stdout holds the `--json` outputs. Its bytes stay as they are (a
    /// diff of a CRLF file keeps its CRs), only made inert inside GitHub Actions.
    pub fn print_product(&self, text: &str) {
        let text = self.guard(&self.redact(text));
        if self.output.json {
            write_quietly(std::io::stderr().lock(), &text);
        } else {
            write_quietly(std::io::stdout().lock(), &text);
        }
    }

    /// A JSON document on stdout (`--json`, `--context`).
    pub fn print_json(&self, value: &serde_json::Value) -> serde_json::Result<()> {
        let value = redact_value(&self.secrets, value);
        let text = self.redact(&serde_json::to_string_pretty(&value)?);
        to_stdout(&workflow::inert_json(&text));
        Ok(())
    }

    pub fn warn(&self, message: &str) {
        let message = workflow::visible_controls(&self.redact(message));
        // Coloured after redaction, so that no colour code can split a secret and
        // keep it from being found; made inert after colouring, so that the lines
        // that stop the runner's commands start the line.
        to_stderr(&self.guard(&self.paint.warning(&message)));
        if self.ctx.in_github_actions() {
            to_stderr(&workflow::warning_command(&message));
        }
    }

    fn error(&self, message: &str, location: Option<&Location>) {
        let message = workflow::visible_controls(&self.redact(message));
        to_stderr(&self.guard(&self.paint.error(&message)));
        if self.ctx.in_github_actions() {
            to_stderr(&workflow::error_command(&message, location));
        }
    }

    /// Redacted text made inert for the GitHub runner.
    fn guard(&self, text: &str) -> String {
        if self.ctx.in_github_actions() {
            workflow::inert(text)
        } else {
            text.to_string()
        }
    }

    /// Prints the result, writes the outputs, and returns the exit code.
    pub fn finish(self, result: crate::Result<Report>) -> ExitCode {
        let report = match result {
            Ok(report) => report,
            Err(err) => {
                self.error(&chain_message(&err), err.location());
                return ExitCode::from(err.exit_code());
            }
        };
        for warning in &report.warnings {
            self.warn(warning);
        }
        if let Err(err) = self.write_outputs(&report) {
            self.error(&chain_message(&err), None);
            return ExitCode::from(1);
        }
        match &report.failure {
            Some(failure) => {
                self.error(failure, None);
                ExitCode::from(1)
            }
            None => ExitCode::SUCCESS,
        }
    }

    fn write_outputs(&self, report: &Report) -> crate::Result<()> {
        use crate::Context;
        let outputs = self.redacted(&report.outputs);
        if let Some(path) = &self.ctx.github.output {
            outputs
                .write_github_output(path)
                .context("writing $GITHUB_OUTPUT")?;
        }
        if let Some(path) = &self.output.dotenv {
            for warning in outputs
                .write_dotenv(path)
                .context("writing the dotenv report")?
            {
                self.warn(&warning);
            }
        }
        if let (Some(path), Some(markdown)) = (&self.ctx.github.step_summary, &report.summary) {
            summary::append(path, &self.redact(markdown))
                .with_context(|| format!("writing the step summary {}", path.display()))?;
        }
        if self.output.json {
            self.print_json(&outputs.to_json())?;
        }
        Ok(())
    }

    fn redacted(&self, outputs: &Outputs) -> Outputs {
        if self.secrets.is_empty() {
            return outputs.clone();
        }
        let mut clean = Outputs::new();
        for (name, value) in outputs.iter() {
            clean.set(name, redact_value(&self.secrets, value));
        }
        clean
    }
}

/// A secret as written and as every escaping the tools apply before a channel would
/// write it: a step summary's Markdown (`ghp_x` is `ghp\_x` there), JSON, and a URL's
/// percent encoding. Redacting each form keeps a secret out of text that was escaped
/// before it reached the session.
fn escaped_forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or(secret);
    let mut forms: Vec<String> = Vec::new();
    for form in [
        secret.to_string(),
        summary::escape_inline(secret),
        json.to_string(),
        percent_encoded(secret),
    ] {
        if !form.is_empty() && !forms.contains(&form) {
            forms.push(form);
        }
    }
    forms
}

/// `text` with every byte outside URL's unreserved set percent-encoded.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `value` with every string in it (object keys too) redacted one by one: a secret is
/// matched in the text itself, not in its JSON escaping, and nothing can fail to come
/// back. A number or boolean whose text holds a secret becomes the redacted text.
fn redact_value(secrets: &[String], value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) => Value::String(redact_secrets(secrets, text)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| redact_value(secrets, item))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| (redact_secrets(secrets, key), redact_value(secrets, item)))
                .collect(),
        ),
        Value::Number(_) | Value::Bool(_) => {
            let text = value.to_string();
            let clean = redact_secrets(secrets, &text);
            if clean == text {
                value.clone()
            } else {
                Value::String(clean)
            }
        }
        Value::Null => Value::Null,
    }
}

/// `text` with every secret, and the password of every `scheme://user:password@host`
/// URL (a remote given with its credentials), replaced by `***`.
fn redact_secrets(secrets: &[String], text: &str) -> String {
    let text = secrets
        .iter()
        .fold(text.to_string(), |t, s| t.replace(s.as_str(), "***"));
    redact_url_passwords(&text)
}

fn printable(secrets: &[String], in_actions: bool, text: &str) -> String {
    let text = workflow::visible_controls(&redact_secrets(secrets, text));
    if in_actions {
        workflow::inert(&text)
    } else {
        text
    }
}

/// Replaces the password of every URL's `user:password@` with `***`.
fn redact_url_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, after) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end = after
            .find(|c: char| "/?#\"'`<>()[]{}".contains(c) || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..authority_end];
        match authority.rfind('@').and_then(|end| {
            let userinfo = &authority[..end];
            userinfo.find(':').map(|colon| (colon, end))
        }) {
            Some((colon, end)) => {
                out.push_str(&authority[..=colon]);
                out.push_str("***");
                out.push_str(&authority[end..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[authority_end..];
    }
    out.push_str(rest);
    out
}

/// The error with its causes on one line (`what: why: because`); a cause whose text
/// the message already ends with (an error that prints its own source) is not repeated.
fn chain_message(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut cause = err.source();
    while let Some(error) = cause {
        cause = error.source();
        let text = error.to_string();
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
    }
    message
}

/// Writes `text` and a newline to stderr in one write.
fn to_stderr(text: &str) {
    write_quietly(std::io::stderr().lock(), &format!("{text}\n"));
}

/// Writes `text` and a newline to stdout.
fn to_stdout(text: &str) {
    write_quietly(std::io::stdout().lock(), &format!("{text}\n"));
}

/// A closed stream (a pipe whose reader left, `tool | head`) loses the text instead of
/// aborting the job halfway with a panic.
fn write_quietly(mut stream: impl std::io::Write, text: &str) {
    let _ = stream
        .write_all(text.as_bytes())
        .and_then(|()| stream.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_redacted_wherever_they_appear() {
        assert_eq!(
            redact_url_passwords(
                "cannot push to 'https://bot:s3cret@git.example.org/a.git' (http://u:p@h:80/x) \
                 ssh://git@host/x https://host/a@b"
            ),
            "cannot push to 'https://bot:***@git.example.org/a.git' (http://u:***@h:80/x) \
             ssh://git@host/x https://host/a@b"
        );
        assert_eq!(redact_secrets(&["tok3n".into()], "a tok3n b"), "a *** b");
    }

    fn session_hiding(secrets: &[&str]) -> Session {
        let mut session = Session::with_context(CiContext::default(), &OutputArgs::default());
        for secret in secrets {
            session.hide(secret);
        }
        session
    }

    #[test]
    fn outputs_are_redacted_value_by_value_whatever_the_secret_holds() {
        let quoted = r#"to"k\en"#;
        let session = session_hiding(&[quoted, "12345678", r#"":"#]);
        let mut outputs = Outputs::new();
        outputs.set("plain", format!("before {quoted} after")).set(
            "nested",
            serde_json::json!({
                format!("key-{quoted}"): [format!("x{quoted}y"), {"deep": quoted}],
                "id": 12345678,
                "flag": true,
                "breaks-json": "a\":b",
            }),
        );
        let clean = session.redacted(&outputs);
        assert_eq!(clean.get("plain").unwrap(), "before *** after");
        assert_eq!(
            clean.get("nested").unwrap(),
            &serde_json::json!({
                "key-***": ["x***y", {"deep": "***"}],
                "id": "***",
                "flag": true,
                "breaks-json": "a***b",
            })
        );
        let text = clean.to_json().to_string();
        assert!(
            !text.contains("k\\\\en") && !text.contains("12345678"),
            "{text}"
        );
    }

    #[test]
    fn a_secret_escaped_before_it_reaches_the_session_is_redacted_too() {
        let session = session_hiding(&["ghp_a*b\"c d"]);
        for text in ["ghp\\_a\\*b\"c d", "ghp_a*b\\\"c d", "ghp_a%2Ab%22c%20d"] {
            assert_eq!(session.redact(&format!("x {text} y")), "x *** y", "{text}");
        }
    }

    #[test]
    fn outputs_without_a_secret_in_them_are_kept_as_they_are() {
        let session = session_hiding(&["s3cret-value"]);
        let mut outputs = Outputs::new();
        let value = serde_json::json!({"a": [1, 2.5, null, false, "text \" \\ ok"]});
        outputs.set("v", value.clone());
        assert_eq!(session.redacted(&outputs).get("v").unwrap(), &value);
    }

    #[test]
    fn a_cause_the_message_already_holds_is_not_repeated() {
        #[derive(Debug, thiserror::Error)]
        #[error("reading from `origin` failed: {source}")]
        struct Outer {
            source: std::io::Error,
        }
        impl crate::Problem for Outer {}
        use crate::Context;
        let err = Err::<(), _>(Outer {
            source: std::io::Error::other("refused"),
        })
        .context("proposing the change")
        .unwrap_err();
        assert_eq!(
            chain_message(&err),
            "proposing the change: reading from `origin` failed: refused"
        );
        let plain = Err::<(), _>(crate::Error::Failed("inner".into()))
            .context("outer")
            .unwrap_err();
        assert_eq!(chain_message(&plain), "outer: inner");
    }
}
