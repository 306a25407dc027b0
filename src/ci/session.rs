//! The edge every binary shares: it starts with the CI context and the secrets to
//! hide, and [`Session::finish`] is the one place that prints the result, writes the
//! outputs and maps an error to its exit code (ripgrep's and cargo-release's pattern).

use super::{CiContext, OutputArgs, Outputs, summary, workflow};
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
}

impl Session {
    /// Reads the CI environment. A tool that cannot even read it stops with exit 2.
    pub fn start(output: &OutputArgs) -> Session {
        let ctx = CiContext::from_env().unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(2)
        });
        Session {
            ctx,
            output: output.clone(),
            secrets: Vec::new(),
        }
    }

    /// Starts a session for a tool that talks to a forge: resolves the forge settings
    /// from the flags and the environment and hides the token at once.
    pub fn start_with_forge(
        output: &OutputArgs,
        forge: &super::ForgeArgs,
    ) -> (Session, crate::forge::ForgeSettings) {
        let mut session = Session::start(output);
        let settings = forge.resolve(&session.ctx);
        if let Some(token) = &settings.token {
            session.hide(token.expose());
        }
        (session, settings)
    }

    /// A session over a given context (tests).
    pub fn with_context(ctx: CiContext, output: &OutputArgs) -> Session {
        Session {
            ctx,
            output: output.clone(),
            secrets: Vec::new(),
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
        self.secrets.push(secret.to_string());
    }

    /// The text with every hidden secret replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        redact_secrets(&self.secrets, text)
    }

    /// A redacting function that outlives borrows of the session, for progress
    /// reported from other threads.
    pub fn redactor(&self) -> impl Fn(&str) -> String + Send + Sync + 'static {
        let secrets = self.secrets.clone();
        move |text: &str| redact_secrets(&secrets, text)
    }

    /// A progress line (or block of lines) on stderr.
    pub fn progress(&self, line: &str) {
        to_stderr(&self.redact(line));
    }

    pub fn warn(&self, message: &str) {
        let message = self.redact(message);
        to_stderr(&format!("warning: {message}"));
        if self.ctx.in_github_actions() {
            to_stderr(&workflow::warning_command(&message));
        }
    }

    fn error(&self, message: &str, location: Option<&Location>) {
        let message = self.redact(message);
        to_stderr(&format!("error: {message}"));
        if self.ctx.in_github_actions() {
            to_stderr(&workflow::error_command(&message, location));
        }
    }

    /// Prints the result, writes the outputs, and returns the exit code.
    pub fn finish(self, result: anyhow::Result<Report>) -> ExitCode {
        let report = match result {
            Ok(report) => report,
            Err(err) => {
                let relay_error = err.downcast_ref::<crate::Error>();
                self.error(&format!("{err:#}"), relay_error.and_then(|e| e.location()));
                return ExitCode::from(relay_error.map_or(1, crate::Error::exit_code));
            }
        };
        for warning in &report.warnings {
            self.warn(warning);
        }
        if let Err(err) = self.write_outputs(&report) {
            self.error(&format!("{err:#}"), None);
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

    fn write_outputs(&self, report: &Report) -> anyhow::Result<()> {
        use anyhow::Context;
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
            println!("{}", serde_json::to_string_pretty(&outputs.to_json())?);
        }
        Ok(())
    }

    fn redacted(&self, outputs: &Outputs) -> Outputs {
        if self.secrets.is_empty() {
            return outputs.clone();
        }
        let mut clean = Outputs::new();
        for (name, value) in outputs.iter() {
            let text = serde_json::to_string(value).unwrap_or_default();
            let value = serde_json::from_str(&self.redact(&text)).unwrap_or(value.clone());
            clean.set(name, value);
        }
        clean
    }
}

/// `text` with every secret replaced by `***`.
fn redact_secrets(secrets: &[String], text: &str) -> String {
    secrets
        .iter()
        .fold(text.to_string(), |t, s| t.replace(s.as_str(), "***"))
}

/// Writes `text` and a newline to stderr in one write. A closed stderr (a pipe whose
/// reader left) loses the line instead of aborting the job halfway.
fn to_stderr(text: &str) {
    use std::io::Write;
    let mut line = String::with_capacity(text.len() + 1);
    line.push_str(text);
    line.push('\n');
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}
