//! The versions a request may ask for: every form OpenStack's deliverable files hold.
//! A release version (SemVer or PEP 440, pbr's `6.0.0.0rc1` included), the tag that
//! marks a stage at the end of a series (`victoria-em`, `2023.1-eom`, `juno-eol`,
//! `2023.1-last`), or a legacy version written with a `v` (`v0.4.0`, tagged as
//! written).

use crate::version::{Version, VersionError};
use std::fmt;

/// The stage a series-end tag marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesStage {
    /// `-em`: extended maintenance.
    ExtendedMaintenance,
    /// `-eom`: end of maintenance (the branch becomes unmaintained).
    EndOfMaintenance,
    /// `-eol`: end of life.
    EndOfLife,
    /// `-last`: the last release of a branchless deliverable for the series.
    Last,
}

impl SeriesStage {
    fn from_suffix(suffix: &str) -> Option<SeriesStage> {
        Some(match suffix {
            "em" => SeriesStage::ExtendedMaintenance,
            "eom" => SeriesStage::EndOfMaintenance,
            "eol" => SeriesStage::EndOfLife,
            "last" => SeriesStage::Last,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Form {
    Release(Version),
    /// `v` + a release version.
    Prefixed(Version),
    /// `<series or release id>-<stage>`.
    SeriesEnd {
        series: String,
        stage: SeriesStage,
    },
}

/// The `version` of a release entry, kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestVersion {
    text: String,
    form: Form,
}

impl RequestVersion {
    pub fn parse(text: &str) -> Result<RequestVersion, VersionError> {
        // Before the versions: SemVer would read `2023.1-eom` as a pre-release.
        if let Some((series, stage)) = series_end(text) {
            return Ok(RequestVersion {
                text: text.to_string(),
                form: Form::SeriesEnd { series, stage },
            });
        }
        let form = match Version::parse(text) {
            Ok(version) => Form::Release(version),
            Err(error) => {
                if let Some(version) = text
                    .strip_prefix('v')
                    .and_then(|rest| Version::parse(rest).ok())
                {
                    Form::Prefixed(version)
                } else {
                    return Err(VersionError {
                        text: text.to_string(),
                        reason: format!(
                            "{}; a request's version is a release (1.2.0, 1.2.0rc1, 1.2.0-rc.1) \
                             or the end of a series (<series>-em, -eom, -eol, -last)",
                            error.reason
                        ),
                    });
                }
            }
        };
        Ok(RequestVersion {
            text: text.to_string(),
            form,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The release version, when the entry names one (with or without its `v`).
    pub fn release(&self) -> Option<&Version> {
        match &self.form {
            Form::Release(v) | Form::Prefixed(v) => Some(v),
            Form::SeriesEnd { .. } => None,
        }
    }

    /// The series and stage of a series-end tag.
    pub fn series_end(&self) -> Option<(&str, SeriesStage)> {
        match &self.form {
            Form::SeriesEnd { series, stage } => Some((series, *stage)),
            _ => None,
        }
    }

    /// Whether the version is a pre-release; series-end tags are not.
    pub fn is_prerelease(&self) -> bool {
        self.release().is_some_and(Version::is_prerelease)
    }

    /// Whether the `v` is part of the version as written.
    pub fn has_v(&self) -> bool {
        matches!(self.form, Form::Prefixed(_))
    }
}

impl fmt::Display for RequestVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `victoria-em` → (`victoria`, extended maintenance): a series name or release id
/// (letters, digits, dots), a hyphen, a stage.
pub fn series_end(text: &str) -> Option<(String, SeriesStage)> {
    let (series, suffix) = text.rsplit_once('-')?;
    let stage = SeriesStage::from_suffix(suffix)?;
    let well_formed = series.starts_with(|c: char| c.is_ascii_alphanumeric())
        && series
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    well_formed.then(|| (series.to_string(), stage))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_openstacks_deliverable_files_is_a_version() {
        for (text, pre) in [
            ("1.0.0", false),
            ("6.0.0.0rc1", true),
            ("6.1.1.0b1", true),
            ("1.0", false),
            ("0.11.0.3", false),
            ("1.0.0rc1", true),
            ("0.3.rc1", true),
            ("0.3a1", true),
            ("0.2.2.rc3", true),
            ("v0.4.0", false),
            ("2023.1-eol", false),
            ("victoria-em", false),
            ("zed-eom", false),
            ("2023.1-last", false),
            ("juno-eol", false),
        ] {
            let v = RequestVersion::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(v.as_str(), text);
            assert_eq!(v.is_prerelease(), pre, "{text}");
        }
        assert_eq!(
            RequestVersion::parse("2023.1-eom").unwrap().series_end(),
            Some(("2023.1", SeriesStage::EndOfMaintenance))
        );
        assert!(RequestVersion::parse("v0.4.0").unwrap().has_v());
        assert_eq!(
            RequestVersion::parse("v0.4.0")
                .unwrap()
                .release()
                .map(Version::as_str),
            Some("0.4.0")
        );
    }

    #[test]
    fn anything_else_is_refused_with_the_forms_a_version_takes() {
        for text in [
            "1.2.x",
            "x-eol-",
            "-eol",
            "victoria-gone",
            "v",
            "vx1",
            "a b-eol",
        ] {
            let err = RequestVersion::parse(text).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("invalid version `{text}`: "))
                    && err.ends_with(
                        "a request's version is a release (1.2.0, 1.2.0rc1, 1.2.0-rc.1) or the end of a series (<series>-em, -eom, -eol, -last)"
                    ),
                "{err}"
            );
        }
    }
}
