//! The changelog reader that finds the previous version in CHANGELOG.md text, and the
//! section writer: no panic; the previous version is a heading of the file and lower
//! than the new one; in a file without an unclosed code fence (which the tool
//! refuses), an added section is found again and opens no fence. The input is the new
//! version, a line break, and the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relay::changelog::file::{apply_section, headings, previous_version, unclosed_fence};
use relay::changelog::previous::is_candidate;
use relay::version::Version;

struct Input<'a> {
    version: &'a str,
    text: &'a str,
}

fuzz_target!(|data: &str| {
    let (version, text) = data.split_once('\n').unwrap_or((data, ""));
    let input = Input { version, text };
    let Ok(version) = Version::parse(input.version) else {
        let _ = headings(input.text);
        return;
    };
    if let Some(previous) = previous_version(input.text, &version) {
        assert!(is_candidate(&previous, &version));
        assert!(
            headings(input.text)
                .iter()
                .any(|h| h.version.as_ref() == Some(&previous))
        );
    }
    // A code fence or HTML comment that is never closed makes the rest of the file
    // code or a comment, where an added section would land too (both found by this
    // target): the tool refuses such a file, so the property is about every other
    // file, closed fences and comments included.
    if unclosed_fence(input.text).is_some() {
        return;
    }
    let section = format!("## [{}] - 2026-01-01\n\n- a change\n", version.as_str());
    let (_, new) = apply_section(Some(input.text), &section, &version);
    assert_eq!(unclosed_fence(&new), None, "{new:?}");
    assert!(
        headings(&new)
            .iter()
            .any(|h| h.version.as_ref().is_some_and(|v| v.as_str() == version.as_str())),
        "{new:?}"
    );
});
