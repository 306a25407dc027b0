//! The rules the GitLab mock holds itself to, written from GitLab's API documentation.

use super::{MockResponse, Recorded};

/// GitLab's answer to a request it refuses before any handler sees it, and the ways
/// the request breaks the documented rules.
pub fn before(_request: &Recorded) -> (Option<MockResponse>, Vec<String>) {
    (None, Vec::new())
}

/// The ways the mock's answer breaks the documented rules.
pub fn after(_request: &Recorded, _response: &MockResponse) -> Vec<String> {
    Vec::new()
}
