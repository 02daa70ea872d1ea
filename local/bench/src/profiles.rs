//! The release profile, chosen by measurement: the workspace's `[profile.release]` against
//! alternatives (each a `CARGO_PROFILE_RELEASE_*` override of it), on three representative
//! functions (an HTTP write with DynamoDB, the schedule exports, the tantivy search), built for the
//! host and measured for binary size, init time and peak memory. The results are kept in a
//! checked-in data file that `make bench PROFILES=1` measures anew.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// The functions the alternatives are built for.
pub const REPRESENTATIVE: &[&str] = &["create-cfp", "get-schedule", "search-talks"];

/// The settings of a release profile that matter here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSettings {
    pub opt_level: String,
    pub lto: String,
    pub codegen_units: String,
    pub panic: String,
    pub strip: String,
}

impl ProfileSettings {
    /// `[profile.release]` of the workspace manifest `cargo_toml` (cargo's defaults where silent).
    pub fn from_manifest(cargo_toml: &str) -> anyhow::Result<Self> {
        let manifest: toml::Table = toml::from_str(cargo_toml).context("parsing Cargo.toml")?;
        let release = manifest
            .get("profile")
            .and_then(|p| p.get("release"))
            .and_then(toml::Value::as_table)
            .cloned()
            .unwrap_or_default();
        let text = |key: &str, default: &str| {
            release.get(key).map_or_else(
                || default.to_owned(),
                |v| match v {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
            )
        };
        Ok(ProfileSettings {
            opt_level: text("opt-level", "3"),
            lto: text("lto", "false"),
            codegen_units: text("codegen-units", "16"),
            panic: text("panic", "unwind"),
            strip: text("strip", "none"),
        })
    }

    /// These settings with cargo's `CARGO_PROFILE_RELEASE_*` overrides applied.
    pub fn with_overrides(&self, overrides: &[(String, String)]) -> Self {
        let mut settings = self.clone();
        for (key, value) in overrides {
            let field = match key.strip_prefix("CARGO_PROFILE_RELEASE_") {
                Some("OPT_LEVEL") => &mut settings.opt_level,
                Some("LTO") => &mut settings.lto,
                Some("CODEGEN_UNITS") => &mut settings.codegen_units,
                Some("PANIC") => &mut settings.panic,
                Some("STRIP") => &mut settings.strip,
                _ => continue,
            };
            *field = value.clone();
        }
        settings
    }

    pub fn describe(&self) -> String {
        format!(
            "opt-level {}, lto {}, codegen-units {}, panic {}, strip {}",
            self.opt_level, self.lto, self.codegen_units, self.panic, self.strip
        )
    }
}

/// An alternative to measure: a name and its overrides.
#[derive(Debug, Clone)]
pub struct Alternative {
    pub name: &'static str,
    pub overrides: Vec<(String, String)>,
}

/// The profile before the measurement chose the current one (opt-level 3, thin LTO), each of
/// the two settings changed alone, and the current one with panic=abort (what it would save; it
/// is ruled out by behaviour, see `[profile.release]` in Cargo.toml). Every alternative names its
/// values outright, so it stays the same profile whatever the workspace's current one is.
pub fn alternatives() -> Vec<Alternative> {
    let profile = |name, settings: &[(&str, &str)]| Alternative {
        name,
        overrides: settings
            .iter()
            .map(|(key, value)| (format!("CARGO_PROFILE_RELEASE_{key}"), (*value).to_owned()))
            .collect(),
    };
    vec![
        profile("opt-3-lto-thin", &[("OPT_LEVEL", "3"), ("LTO", "thin")]),
        profile("opt-3-lto-fat", &[("OPT_LEVEL", "3"), ("LTO", "fat")]),
        profile("opt-s-lto-thin", &[("OPT_LEVEL", "s"), ("LTO", "thin")]),
        profile(
            "opt-s-lto-fat-panic-abort",
            &[("OPT_LEVEL", "s"), ("LTO", "fat"), ("PANIC", "abort")],
        ),
    ]
}

/// One function under one profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionFigures {
    pub size_bytes: u64,
    pub init_median_ms: f64,
    pub init_p95_ms: f64,
    pub peak_rss_mb: u64,
    /// Median Duration of the cold starts' invocations.
    pub cold_duration_median_ms: f64,
}

/// One profile's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantFigures {
    pub name: String,
    pub settings: ProfileSettings,
    /// How it was built (the current profile: the main build's command).
    pub command: String,
    /// Wall time of the (incremental) build of the three functions, when measured.
    pub build_seconds: Option<f64>,
    pub functions: BTreeMap<String, FunctionFigures>,
}

/// The data file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileComparison {
    pub measured_at: String,
    pub machine: String,
    pub arch: String,
    pub cold_starts: usize,
    pub variants: Vec<VariantFigures>,
}

impl ProfileComparison {
    pub fn load(path: &Path) -> anyhow::Result<Option<Self>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(
                serde_json::from_str(&text)
                    .with_context(|| format!("parsing {}", path.display()))?,
            )),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
        }
    }

    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_release_profile_and_applies_overrides() {
        let manifest = "[workspace]\n[profile.release]\nopt-level = 3\nlto = \"thin\"\ncodegen-units = 1\nstrip = true\n";
        let settings = ProfileSettings::from_manifest(manifest).unwrap();
        assert_eq!(
            settings.describe(),
            "opt-level 3, lto thin, codegen-units 1, panic unwind, strip true"
        );
        let fat = settings.with_overrides(&alternatives()[1].overrides);
        assert_eq!(fat.lto, "fat");
        assert_eq!(fat.opt_level, "3");
        let size =
            settings.with_overrides(&[("CARGO_PROFILE_RELEASE_OPT_LEVEL".into(), "s".into())]);
        assert_eq!(size.opt_level, "s");
        let defaults = ProfileSettings::from_manifest("[workspace]\n").unwrap();
        assert_eq!(
            (defaults.lto.as_str(), defaults.codegen_units.as_str()),
            ("false", "16")
        );
        assert!(ProfileSettings::from_manifest("[profile").is_err());
    }

    #[test]
    fn the_data_file_round_trips() {
        let comparison = ProfileComparison {
            measured_at: "2026-11-27T11:00:00Z".into(),
            machine: "2 cores".into(),
            arch: "x86_64".into(),
            cold_starts: 20,
            variants: vec![VariantFigures {
                name: "current".into(),
                settings: ProfileSettings::from_manifest("[workspace]\n").unwrap(),
                command: "cargo lambda build".into(),
                build_seconds: None,
                functions: BTreeMap::from([(
                    "create-cfp".to_owned(),
                    FunctionFigures {
                        size_bytes: 1,
                        init_median_ms: 2.0,
                        init_p95_ms: 3.0,
                        peak_rss_mb: 4,
                        cold_duration_median_ms: 5.0,
                    },
                )]),
            }],
        };
        let dir = std::env::temp_dir().join(format!("cfp-bench-profiles-{}", std::process::id()));
        let path = dir.join("data/profile-comparison.json");
        comparison.save(&path).unwrap();
        assert_eq!(ProfileComparison::load(&path).unwrap(), Some(comparison));
        std::fs::remove_file(&path).unwrap();
        assert_eq!(ProfileComparison::load(&path).unwrap(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
