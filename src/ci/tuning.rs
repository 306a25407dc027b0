//! The environment variables that tune every tool (`RELAY_GIT_TIMEOUT`,
//! `RELAY_HTTP_TIMEOUT`, `RELAY_HTTP_WAIT_DIVISOR`), checked once when a tool starts:
//! a value that would be ignored is refused instead, naming the variable and the value.
//! The layers that use them read them again with the same parsers.

use super::CiError;

/// One tuning variable: its name, whether a value is valid, and what is expected.
struct Tunable {
    name: &'static str,
    valid: fn(&str) -> bool,
    expected: &'static str,
}

const TUNABLES: &[Tunable] = &[
    Tunable {
        name: crate::git::TIMEOUT_VARIABLE,
        valid: |v| crate::git::parse_timeout(v).is_some(),
        expected: "a whole number of seconds greater than 0, such as 300",
    },
    Tunable {
        name: crate::forge::http::HTTP_TIMEOUT_VARIABLE,
        valid: |v| crate::forge::http::parse_http_timeout(v).is_some(),
        expected: "a whole number of seconds greater than 0, such as 30",
    },
    Tunable {
        name: crate::forge::budget::DIVISOR_VARIABLE,
        valid: |v| crate::forge::budget::parse_divisor(v).is_some(),
        expected: "a whole number of at least 1",
    },
];

/// Refuses the first tuning variable of `vars` whose value is set but invalid; an
/// empty value counts as unset (a CI variable defined without a value).
pub fn check<'a>(mut var: impl FnMut(&str) -> Option<String> + 'a) -> Result<(), CiError> {
    for tunable in TUNABLES {
        if let Some(value) = var(tunable.name).filter(|v| !v.trim().is_empty())
            && !(tunable.valid)(&value)
        {
            return Err(CiError::Tuning {
                name: tunable.name,
                value,
                expected: tunable.expected,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &'static str, value: &'static str) -> impl FnMut(&str) -> Option<String> {
        move |n| (n == name).then(|| value.to_string())
    }

    #[test]
    fn valid_empty_and_unset_values_pass() {
        assert!(check(|_| None).is_ok());
        assert!(check(with("RELAY_GIT_TIMEOUT", "60")).is_ok());
        assert!(check(with("RELAY_GIT_TIMEOUT", "")).is_ok());
        assert!(check(with("RELAY_HTTP_WAIT_DIVISOR", "60")).is_ok());
    }

    #[test]
    fn an_invalid_value_is_named_with_what_is_expected() {
        for (name, value) in [
            ("RELAY_GIT_TIMEOUT", "abc"),
            ("RELAY_GIT_TIMEOUT", "0"),
            ("RELAY_GIT_TIMEOUT", "1.5"),
            ("RELAY_HTTP_TIMEOUT", "-3"),
            ("RELAY_HTTP_WAIT_DIVISOR", "0.5"),
        ] {
            let err = check(with(name, value)).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("{name}=`{value}`: expected ")),
                "{err}"
            );
        }
    }
}
