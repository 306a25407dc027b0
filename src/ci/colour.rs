//! Colour on a terminal, by the conventions other command-line tools share: `NO_COLOR`
//! (any non-empty value) turns it off, `CLICOLOR_FORCE` or `FORCE_COLOR` (non-empty,
//! not `0`) turns it on where the stream is no terminal, and otherwise a stream is
//! coloured only when it is a terminal. CI logs are no terminal and stay plain unless
//! forced. Only printed lines are coloured, after their secrets are cut out; files the
//! tools write (outputs, dotenv, step summary, JSON) never are.

use std::io::IsTerminal;

/// Whether a stream is coloured, as the environment decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// `NO_COLOR` is set.
    Never,
    /// `CLICOLOR_FORCE` or `FORCE_COLOR` is set (and `NO_COLOR` is not).
    Always,
    /// Colour where the stream is a terminal.
    Auto,
}

impl Choice {
    /// The choice the variables `var` reads make (`std::env::var` for the process).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Choice {
        let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
        if set("NO_COLOR") {
            return Choice::Never;
        }
        let forced = |name: &str| var(name).is_some_and(|v| !v.is_empty() && v != "0");
        if forced("CLICOLOR_FORCE") || forced("FORCE_COLOR") {
            return Choice::Always;
        }
        Choice::Auto
    }

    /// The choice of this process's environment.
    pub fn from_env() -> Choice {
        Choice::from_vars(|name| std::env::var(name).ok())
    }

    /// Whether a stream that `is_terminal` (or not) is coloured; a dumb terminal is
    /// not, unless forced.
    pub fn colours(self, is_terminal: bool, term: Option<&str>) -> bool {
        match self {
            Choice::Never => false,
            Choice::Always => true,
            Choice::Auto => is_terminal && term != Some("dumb"),
        }
    }

    /// clap's choice for its help and usage errors: the same variables decide it, and
    /// clap checks itself whether the stream it writes to is a terminal.
    pub fn for_clap(self) -> clap::ColorChoice {
        match self {
            Choice::Never => clap::ColorChoice::Never,
            Choice::Always => clap::ColorChoice::Always,
            Choice::Auto => clap::ColorChoice::Auto,
        }
    }
}

/// How lines printed to one stream are coloured (or not).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Paint {
    on: bool,
}

const RESET: &str = "\x1b[0m";
const ERROR: &str = "\x1b[1;31m";
const WARNING: &str = "\x1b[1;33m";

impl Paint {
    /// Plain text, whatever the environment says.
    pub fn plain() -> Paint {
        Paint { on: false }
    }

    /// Colour or not, as given.
    pub fn new(on: bool) -> Paint {
        Paint { on }
    }

    /// How this process colours stderr.
    pub fn stderr() -> Paint {
        Paint::new(Choice::from_env().colours(
            std::io::stderr().is_terminal(),
            std::env::var("TERM").ok().as_deref(),
        ))
    }

    /// Whether this paint colours anything.
    pub fn is_on(self) -> bool {
        self.on
    }

    /// `error: message` with `error:` in bold red. `message` is printable text
    /// already: redacted and with its control characters made visible.
    pub fn error(self, message: &str) -> String {
        self.labelled(ERROR, "error:", message)
    }

    /// `warning: message` with `warning:` in bold yellow.
    pub fn warning(self, message: &str) -> String {
        self.labelled(WARNING, "warning:", message)
    }

    fn labelled(self, style: &str, label: &str, message: &str) -> String {
        if self.on {
            format!("{style}{label}{RESET} {message}")
        } else {
            format!("{label} {message}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(vars: &[(&str, &str)]) -> Choice {
        Choice::from_vars(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn no_color_wins_and_force_needs_a_value_other_than_zero() {
        assert_eq!(choice(&[]), Choice::Auto);
        assert_eq!(choice(&[("NO_COLOR", "1")]), Choice::Never);
        assert_eq!(choice(&[("NO_COLOR", "")]), Choice::Auto);
        assert_eq!(
            choice(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]),
            Choice::Never
        );
        assert_eq!(choice(&[("CLICOLOR_FORCE", "1")]), Choice::Always);
        assert_eq!(choice(&[("FORCE_COLOR", "true")]), Choice::Always);
        assert_eq!(choice(&[("FORCE_COLOR", "0")]), Choice::Auto);
        assert_eq!(choice(&[("CLICOLOR_FORCE", "")]), Choice::Auto);
    }

    #[test]
    fn auto_colours_a_terminal_only_and_never_a_dumb_one() {
        assert!(Choice::Auto.colours(true, Some("xterm-256color")));
        assert!(!Choice::Auto.colours(false, None));
        assert!(!Choice::Auto.colours(true, Some("dumb")));
        assert!(Choice::Always.colours(false, Some("dumb")));
        assert!(!Choice::Never.colours(true, None));
    }

    #[test]
    fn only_the_label_is_coloured() {
        let on = Paint::new(true);
        assert_eq!(on.error("x"), "\x1b[1;31merror:\x1b[0m x");
        assert_eq!(on.warning("y"), "\x1b[1;33mwarning:\x1b[0m y");
        assert_eq!(Paint::plain().error("x"), "error: x");
    }
}
