//! The file kinds with a KEY syntax, and the one place that sends each to its reader.
//! The readers know only the node model ([`super::node`]), never this dispatch.

use super::BumpError;
use super::node::Node;
use super::{dotenv, json, plain, requirements, toml, yaml};
use std::path::Path;

/// A file kind with a KEY syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Yaml,
    Json,
    Toml,
    Dotenv,
    /// pip requirements and constraints files.
    Requirements,
    /// The whole file is the value.
    Plain,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => yaml::NAME,
            Format::Json => json::NAME,
            Format::Toml => toml::NAME,
            Format::Dotenv => dotenv::NAME,
            Format::Requirements => requirements::NAME,
            Format::Plain => plain::NAME,
        }
    }

    /// Reads every node of `text` (`file` is for messages).
    pub fn parse(self, text: &str, file: &Path) -> Result<Vec<Node>, BumpError> {
        match self {
            Format::Yaml => yaml::nodes(text, file),
            Format::Json => json::nodes(text, file),
            Format::Toml => toml::nodes(text, file),
            Format::Dotenv => dotenv::nodes(text, file),
            Format::Requirements => requirements::nodes(text, file),
            Format::Plain => plain::nodes(text, file),
        }
    }

    /// The text that replaces `node.span` so that the node reads `value`, in the
    /// node's own quoting style where the value allows it.
    pub fn encode(self, node: &Node, text: &str, value: &str) -> Result<String, String> {
        match self {
            Format::Yaml => yaml::encode(node, text, value),
            Format::Json => json::encode(node, value),
            Format::Toml => toml::encode(node, value),
            Format::Dotenv => dotenv::encode(node, value),
            Format::Requirements => requirements::encode(value),
            Format::Plain => plain::encode(value),
        }
    }
}
