//! The version parser: no panic on any text, and a parsed version renders back to
//! itself and orders consistently.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relay::version::Version;

fuzz_target!(|data: (&str, &str)| {
    let (a, b) = data;
    if let Ok(va) = Version::parse(a) {
        assert_eq!(va.render("{version}").unwrap(), a);
        assert_eq!(va.cmp(&va), std::cmp::Ordering::Equal);
        if let Ok(vb) = Version::parse(b) {
            assert_eq!(va.cmp(&vb), vb.cmp(&va).reverse());
        }
    }
});
