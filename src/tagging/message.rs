//! The message of a tag made from a request entry: OpenStack's `release.sh` fields
//! from the request, the branch derived by the plan.

use crate::metadata::TagMessage;
use crate::request::{Project, ReleaseRequest};

/// The message for `project` of entry `release`, made from `branch`; `first` is
/// the file's [`first_release`](ReleaseRequest::first_release), found once per file.
pub fn tag_message(
    request: &ReleaseRequest,
    release: usize,
    project: &Project,
    branch: &str,
    first: Option<usize>,
) -> TagMessage {
    let entry = &request.releases[release];
    TagMessage {
        project: project.short_name().to_string(),
        version: entry.version.to_string(),
        team: request.team.clone(),
        diff_start: entry.diff_start.clone(),
        series: request.series.clone(),
        branch: branch.to_string(),
        pypi: request.pypi.clone(),
        first: first == Some(release),
        extra: request.metadata.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const H1: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn an_openstack_entry_gets_release_shs_message() {
        let text = format!(
            "---\nlaunchpad: oslo.i18n\nrelease-model: cycle-with-intermediary\nteam: oslo\ntype: library\n\
             include-pypi-link: true\nrepository-settings:\n  openstack/oslo.i18n: {{}}\n\
             branches:\n  - name: stable/2023.1\n    location: 6.0.0\n\
             releases:\n  - version: 6.0.0\n    projects:\n      - repo: openstack/oslo.i18n\n        hash: {H1}\n\
             \x20 - version: 2023.1-eom\n    projects:\n      - repo: openstack/oslo.i18n\n        hash: {H1}\n"
        );
        let request =
            ReleaseRequest::parse(&text, Path::new("deliverables/antelope/oslo.i18n.yaml"))
                .unwrap();
        let first = request.first_release();
        let eom = tag_message(
            &request,
            1,
            &request.releases[1].projects[0],
            "stable/2023.1",
            first,
        );
        assert_eq!(
            eom.render(),
            "oslo.i18n 2023.1-eom release\n\nmeta:version: 2023.1-eom\nmeta:team: oslo\n\
             meta:diff-start: -\nmeta:series: antelope\nmeta:branch: stable/2023.1\n\
             meta:release-type: release\nmeta:pypi: yes\nmeta:first: no\n"
        );
        let initial = tag_message(
            &request,
            0,
            &request.releases[0].projects[0],
            "master",
            first,
        );
        assert!(
            initial.render().ends_with("meta:first: yes\n"),
            "{}",
            initial.render()
        );
    }
}
