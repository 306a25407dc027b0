//! What update-links reports: one entry per link and place.

use crate::ci::Outputs;

/// One link: a name and the URL it points at.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Link {
    pub name: String,
    pub target: String,
}

/// What happened to a link in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkStatus {
    Created,
    Updated,
    Unchanged,
}

impl LinkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Created => "created",
            LinkStatus::Updated => "updated",
            LinkStatus::Unchanged => "unchanged",
        }
    }
}

/// The kind of place a link lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Place {
    Map,
    Document,
    Tag,
    Service,
}

impl Place {
    pub fn as_str(self) -> &'static str {
        match self {
            Place::Map => "map",
            Place::Document => "document",
            Place::Tag => "tag",
            Place::Service => "service",
        }
    }
}

/// One link in one place.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkChange {
    pub place: Place,
    /// The map file, `document:line:col`, the remote or repository, the service URL.
    #[serde(rename = "where")]
    pub location: String,
    /// The link's name; for a document, the URL as it was; for a tag, its name.
    pub name: String,
    /// Where it points now (a URL, or a tag's commit).
    pub target: String,
    /// Where it pointed before, when it existed.
    pub previous: Option<String>,
    pub status: LinkStatus,
}

/// What update-links did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default)]
pub struct LinksReport {
    pub version: String,
    pub prerelease: bool,
    pub dry_run: bool,
    pub changes: Vec<LinkChange>,
    pub warnings: Vec<String>,
    /// Set when the job failed after changing part of what it planned.
    pub failure: Option<String>,
}

impl LinksReport {
    pub fn count(&self, status: LinkStatus) -> usize {
        self.changes.iter().filter(|c| c.status == status).count()
    }

    /// `links` (JSON list of the changes), `created`, `updated`, `unchanged`.
    pub fn outputs(&self) -> Outputs {
        let mut outputs = Outputs::new();
        outputs.set(
            "links",
            serde_json::to_value(&self.changes).expect("changes serialize"),
        );
        for status in [
            LinkStatus::Created,
            LinkStatus::Updated,
            LinkStatus::Unchanged,
        ] {
            outputs.set(status.as_str(), self.count(status));
        }
        outputs
    }
}
