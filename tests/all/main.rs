//! The integration tests, one binary: each module drives one tool (or one concern
//! across tools) through the real binaries; `common` holds the sandbox, the loopback
//! servers and the mock forges they share.

mod common;

mod announce;
mod bump_properties;
mod bump_versions;
mod colour;
mod comment_fixed_issues;
mod comment_on_issue;
mod faults;
mod find_green_commit;
mod flows;
mod generate_changelog;
mod hostile_inputs;
mod markdown_injection;
mod openstack_requests;
mod output_injection;
mod packaging;
mod patterns;
mod propose_change;
mod publish_release;
mod rate_limits;
mod read_tag_metadata;
mod relay_toml;
mod secrets;
mod tag_from_request;
mod track_release;
mod update_links;
mod verify_release;
mod workspace;
