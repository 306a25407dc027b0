//! The tag-metadata reader on arbitrary tag objects (with and without signatures), and
//! the round trip of a rendered message: what tag-from-request writes,
//! read-tag-metadata reads back key for key.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use relay::git::{parse_tag_object, split_signature};
use relay::metadata::{TagMessage, TagMetadata};

#[derive(Debug, Arbitrary)]
enum Input<'a> {
    Raw(&'a str),
    Message {
        project: &'a str,
        version: &'a str,
        series: &'a str,
        branch: &'a str,
        extra: Vec<(&'a str, &'a str)>,
    },
}

fuzz_target!(|input: Input| match input {
    Input::Raw(text) => {
        let (message, signature) = split_signature(text);
        assert_eq!(format!("{message}{}", signature.unwrap_or("")), text);
        let _ = parse_tag_object(text);
        let metadata = TagMetadata::parse(message);
        for key in metadata.keys() {
            assert!(metadata.get(key).is_some());
        }
    }
    Input::Message {
        project,
        version,
        series,
        branch,
        extra,
    } => {
        // Keys as tag-from-request accepts them: no line breaks, no ": ", not empty.
        let clean = |s: &str| s.replace(['\r', '\n'], " ").trim().to_string();
        let extra: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| (clean(k), clean(v)))
            .filter(|(k, _)| !k.is_empty() && !k.ends_with(':') && !k.contains(": "))
            .filter(|(k, _)| {
                ![
                    "version",
                    "series",
                    "branch",
                    "diff-start",
                    "release-type",
                    "first",
                    "team",
                    "pypi",
                ]
                .contains(&k.as_str())
            })
            .collect();
        let message = TagMessage {
            project: clean(project),
            version: clean(version),
            series: clean(series),
            branch: clean(branch),
            team: None,
            diff_start: None,
            pypi: None,
            first: false,
            extra: extra.clone(),
        };
        let text = message.render();
        let metadata = TagMetadata::parse(&text);
        assert_eq!(
            metadata.get("series").as_deref(),
            Some(message.series.as_str())
        );
        assert_eq!(
            metadata.get("branch").as_deref(),
            Some(message.branch.as_str())
        );
        for (key, value) in &extra {
            let got = metadata.get(key).expect("every extra key reads back");
            assert!(
                got.split('\n').any(|v| v == value),
                "{key}: {got:?} lacks {value:?}"
            );
        }
    }
});
