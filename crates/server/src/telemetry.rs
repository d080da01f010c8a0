//! Logs: `tracing` to standard error, as text or JSON.

use anyhow::Context;
use tracing_subscriber::EnvFilter;

use crate::settings::LogSettings;

/// Installs the global subscriber (`RUST_LOG` wins over `log.level`).
///
/// # Errors
///
/// When the filter is invalid.
pub(crate) fn init(settings: &LogSettings) -> anyhow::Result<()> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(filter) if !filter.is_empty() => EnvFilter::try_new(filter),
        _ => EnvFilter::try_new(&settings.level),
    }
    .context("log.level (ANTEROOM__LOG__LEVEL) is not a valid filter")?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = if settings.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // A subscriber installed earlier (tests) is kept.
    drop(installed);
    Ok(())
}
