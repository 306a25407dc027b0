//! The release-request parser on arbitrary text: no panic, and every error names a
//! place in the file (`file:line:col` with 1-based line and column).
#![no_main]

use libfuzzer_sys::fuzz_target;
use relay::Problem;
use relay::request::ReleaseRequest;
use relay::tagging::tag_message;
use std::path::Path;

fuzz_target!(|text: &str| {
    let path = Path::new("deliverables/zed/api.yaml");
    match ReleaseRequest::parse(text, path) {
        Ok(request) => {
            let first = request.first_release();
            for (index, release) in request.releases.iter().enumerate() {
                for project in &release.projects {
                    let _ = project.short_name();
                    let _ = tag_message(&request, index, project, "master", first).render();
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
            if let Some(at) = e.location() {
                assert!(at.line >= 1 && at.column >= 1, "{at:?}");
            }
        }
    }
});
