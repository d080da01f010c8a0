//! Connecting to the configured database (creating the embedded SQLite file's folder).

use std::path::Path;
use std::time::Duration;

use anteroom_sql::{PoolOptions, SqlStore};
use anyhow::Context;
use secrecy::ExposeSecret;

use crate::settings::DatabaseSettings;

/// Connects to the database of the settings.
///
/// # Errors
///
/// When the SQLite folder cannot be created or the database cannot be reached.
pub(crate) async fn connect(settings: &DatabaseSettings) -> anyhow::Result<SqlStore> {
    let url = settings.url.expose_secret();
    if let Some(folder) = sqlite_folder(url) {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create the database folder {}", folder.display()))?;
    }
    let timeout = Duration::from_secs(settings.timeout_secs);
    let options = PoolOptions {
        max_connections: settings.max_connections,
        connect_timeout: timeout,
        acquire_timeout: timeout,
    };
    SqlStore::connect(url, &options)
        .await
        .context("cannot connect to the database (database.url)")
}

/// The folder of a file-backed SQLite URL (`sqlite://data/anteroom.db?mode=rwc` → `data`).
fn sqlite_folder(url: &str) -> Option<&Path> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    if path.is_empty() || path.starts_with(":memory:") {
        return None;
    }
    Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_folder_of_file_databases_only() {
        assert_eq!(
            sqlite_folder("sqlite://data/anteroom.db?mode=rwc"),
            Some(Path::new("data"))
        );
        assert_eq!(
            sqlite_folder("sqlite:///var/lib/a/x.db"),
            Some(Path::new("/var/lib/a"))
        );
        assert_eq!(sqlite_folder("sqlite://x.db"), None);
        assert_eq!(sqlite_folder("sqlite::memory:"), None);
        assert_eq!(sqlite_folder("postgres://h/db"), None);
    }
}
