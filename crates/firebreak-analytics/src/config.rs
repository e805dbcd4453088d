//! Thresholds and lists: `data/analytics.yaml`, overridable by the caller.

use crate::leaks::LeakSet;
use crate::net::IpNet;
use serde::Deserialize;
use std::net::IpAddr;

/// The built-in thresholds and lists.
pub const BUILTIN_YAML: &str = include_str!("../data/analytics.yaml");

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("analytics configuration is not valid YAML for its schema: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    #[error("analytics configuration: {0}")]
    Invalid(String),
}

/// Remote-access thresholds (see the crate documentation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteAccessConfig {
    pub new_source_min_days: i64,
    pub usual_hours_min_history: usize,
    pub usual_hours_tolerance: u8,
    pub failure_window_secs: i64,
    pub account_failures: usize,
    pub spray_accounts: usize,
}

/// Chain thresholds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    pub logon_window_secs: i64,
    pub skew_secs: i64,
    pub process_window_secs: i64,
    pub max_processes: usize,
    pub logon_types: Vec<String>,
}

/// Ransomware-impact thresholds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpactConfig {
    pub burst_gap_secs: i64,
    pub burst_min_files: usize,
    pub new_extension_max_prior: usize,
    pub max_extension_len: usize,
    pub note_min_folders: usize,
    pub note_window_secs: i64,
    pub note_ignore_names: Vec<String>,
    pub note_extensions: Vec<String>,
}

/// An upload tool: its image base name and arguments that mean an upload.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolSpec {
    pub image: String,
    #[serde(default)]
    pub args_any: Vec<String>,
}

/// An archiver: arguments that create an archive and that set a password.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiverSpec {
    pub image: String,
    pub add: Vec<String>,
    pub password: Vec<String>,
}

/// Exfiltration thresholds and lists.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExfilConfig {
    pub threshold_bytes: u64,
    pub window_secs: i64,
    pub baseline_factor: f64,
    pub recurring_min_days: usize,
    pub recurring_volume_factor: f64,
    pub recurring_hour_tolerance: u8,
    pub service_accounts: Vec<String>,
    pub known_destinations: Vec<String>,
    pub archive_to_egress_secs: i64,
    pub archive_egress_min_bytes: u64,
    pub redact_args: Vec<String>,
    pub attached_password_images: Vec<String>,
    pub tools: Vec<ToolSpec>,
    pub archivers: Vec<ArchiverSpec>,
}

/// Everything the analytics are told. `Default` is `data/analytics.yaml` with no leak
/// set and no known gateway addresses.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsConfig {
    /// Leaked credentials (account names and secret digests only).
    #[serde(skip)]
    pub leaks: Option<LeakSet>,
    /// Country and AS of addresses, when the user gives a GeoIP database.
    #[serde(skip)]
    pub geoip: Option<crate::geoip::GeoIp>,
    /// Internal addresses of remote-access gateways (NetScaler SNIP/NAT addresses),
    /// besides those learned from the gateway's own log.
    #[serde(skip)]
    pub gateway_addresses: Vec<IpAddr>,
    /// Business hours `[start, end)`, local hours.
    pub work_hours: (u8, u8),
    /// Local time's offset from UTC in minutes.
    pub utc_offset_minutes: i32,
    pub internal_nets: Vec<IpNet>,
    pub remote_access: RemoteAccessConfig,
    pub chain: ChainConfig,
    pub impact: ImpactConfig,
    pub exfiltration: ExfilConfig,
}

impl AnalyticsConfig {
    /// A configuration from YAML in the shape of `data/analytics.yaml` (all keys).
    pub fn from_yaml(text: &str) -> Result<AnalyticsConfig, ConfigError> {
        let cfg: AnalyticsConfig = serde_yaml_ng::from_str(text)?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.to_string()));
        let (a, b) = self.work_hours;
        if a > 24 || b > 24 || a >= b {
            return bad("work_hours must be [start, end) with 0 <= start < end <= 24");
        }
        if self.utc_offset_minutes.abs() > 18 * 60 {
            return bad("utc_offset_minutes must be within +-18 h");
        }
        if self.exfiltration.window_secs <= 0 || self.impact.burst_gap_secs <= 0 {
            return bad("windows and gaps must be positive");
        }
        if self.exfiltration.recurring_volume_factor < 1.0
            || self.exfiltration.baseline_factor < 0.0
        {
            return bad("recurring_volume_factor must be >= 1 and baseline_factor >= 0");
        }
        Ok(())
    }
}

impl Default for AnalyticsConfig {
    fn default() -> AnalyticsConfig {
        // The built-in file is part of the crate and checked by a unit test.
        AnalyticsConfig::from_yaml(BUILTIN_YAML).expect("data/analytics.yaml is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_file_parses_and_invalid_ones_are_errors() {
        let cfg = AnalyticsConfig::from_yaml(BUILTIN_YAML).unwrap();
        assert_eq!(cfg.work_hours, (7, 19));
        assert!(cfg.exfiltration.tools.iter().any(|t| t.image == "rclone"));
        let broken = BUILTIN_YAML.replace("work_hours: [7, 19]", "work_hours: [19, 7]");
        assert!(matches!(
            AnalyticsConfig::from_yaml(&broken),
            Err(ConfigError::Invalid(_))
        ));
        assert!(matches!(
            AnalyticsConfig::from_yaml("work_hours: 3"),
            Err(ConfigError::Yaml(_))
        ));
    }
}
