//! The record of what was sent (`--state FILE`, a file the pipeline keeps between runs,
//! such as a cache or an artifact): one line `<channel> <message-id>` per announcement
//! sent, so a re-run of the job finds its announcement there and sends nothing twice.
//! Lines starting with `#` are comments. The file is rewritten atomically.

use super::{AnnounceError, Channel};
use crate::Location;
use std::path::Path;

#[derive(Debug, Clone, Default)]
pub struct SentLog {
    lines: Vec<String>,
}

const HEADER: &str = "# announcements sent by release-relay's announce: <channel> <message-id>";

impl SentLog {
    /// Reads the record; a missing file is an empty record.
    pub fn read(path: &Path) -> Result<SentLog, AnnounceError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(SentLog::default()),
            Err(error) => {
                return Err(AnnounceError::Read {
                    path: path.to_path_buf(),
                    error,
                });
            }
        };
        let mut lines = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let mut words = trimmed.split_whitespace();
            let channel = words.next().unwrap_or_default();
            let id = words.next();
            let known = ["email", "webhook"].contains(&channel);
            if !known || id.is_none_or(|id| !id.starts_with('<')) || words.next().is_some() {
                let column = line.len() - line.trim_start().len() + 1;
                return Err(AnnounceError::BadState {
                    location: Location::new(path, n + 1, column),
                    message: format!(
                        "expected `<channel> <message-id>` (channel email or webhook), found `{trimmed}`"
                    ),
                });
            }
            lines.push(format!("{channel} {}", id.unwrap_or_default()));
        }
        Ok(SentLog { lines })
    }

    pub fn contains(&self, message_id: &str, channel: Channel) -> bool {
        let wanted = format!("{} {message_id}", channel.as_str());
        self.lines.contains(&wanted)
    }

    pub fn record(&mut self, message_id: &str, channel: Channel) {
        if !self.contains(message_id, channel) {
            self.lines
                .push(format!("{} {message_id}", channel.as_str()));
        }
    }

    pub fn write(&self, path: &Path) -> Result<(), AnnounceError> {
        let mut text = format!("{HEADER}\n");
        for line in &self.lines {
            text.push_str(line);
            text.push('\n');
        }
        crate::fsio::write_atomic(path, text.as_bytes()).map_err(|error| {
            AnnounceError::WriteState {
                path: path.to_path_buf(),
                error,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_round_trips_and_bad_lines_are_located() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sent");
        let mut log = SentLog::read(&path).unwrap();
        assert!(!log.contains("<a@b>", Channel::Email));
        log.record("<a@b>", Channel::Email);
        log.record("<a@b>", Channel::Email);
        log.write(&path).unwrap();
        let again = SentLog::read(&path).unwrap();
        assert!(again.contains("<a@b>", Channel::Email));
        assert!(!again.contains("<a@b>", Channel::Webhook));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap().lines().count(),
            2,
            "one header, one record"
        );
        std::fs::write(&path, "email <a@b>\n  pager <a@b>\n").unwrap();
        assert_eq!(
            SentLog::read(&path).unwrap_err().to_string(),
            format!(
                "{}:2:3: expected `<channel> <message-id>` (channel email or webhook), found `pager <a@b>`",
                path.display()
            )
        );
    }
}
