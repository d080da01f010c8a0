//! A throwaway PostgreSQL server started from the locally installed
//! binaries (`initdb`, `postgres`, `psql`).
//!
//! Tests normally share one server per test process through
//! [`shared_postgres`] and take a fresh database each with
//! [`TestPostgres::create_database`]:
//!
//! ```no_run
//! let Some(pg) = anteroom_testkit::shared_postgres() else {
//!     return; // SKIPPED (binaries missing, not on CI)
//! };
//! let url = pg.create_database();
//! // connect to `url` ...
//! ```

use std::io;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use tempfile::TempDir;

use crate::availability::skip_or_panic;
use crate::process::{self, Supervised, Watchdog};

/// The database superuser created by `initdb` and used in every URL.
const SUPERUSER: &str = "postgres";

/// The system user the server runs as when the tests run as root
/// (PostgreSQL refuses to run as root).
const SYSTEM_USER: &str = "postgres";

/// Binaries that a usable bin directory must contain.
const REQUIRED_BINARIES: [&str; 3] = ["initdb", "postgres", "psql"];

/// Where Debian and Ubuntu install the server binaries, one folder per
/// major version.
const DEBIAN_PREFIX: &str = "/usr/lib/postgresql";

/// Message of the panic when the binaries are missing on CI.
const CI_MISSING: &str =
    "PostgreSQL binaries not found; CI=true requires them: apt-get install -y postgresql";

/// A PostgreSQL server running in a temporary data directory on a free
/// loopback port, with `trust` authentication for the `postgres` superuser.
///
/// Dropping it stops the server and removes the data directory. An
/// instance that is never dropped (e.g. the [`shared_postgres`] one) is
/// stopped and removed by a watchdog once the test process exits.
#[derive(Debug)]
pub struct TestPostgres {
    /// The running `postgres` process. Fields drop in order: the server
    /// stops, then the watchdog ends, then the directory is removed.
    server: Supervised,
    /// Cleans up if the test process dies without dropping this.
    _watchdog: Watchdog,
    /// Holds `data/`, `socket/` and `postgres.log`.
    dir: TempDir,
    port: u16,
    bin_dir: PathBuf,
}

impl TestPostgres {
    /// Initialises a fresh cluster and starts a server on it, waiting until
    /// it accepts connections (at most about 30 s).
    ///
    /// When the process runs as root, the server and `initdb` run as the
    /// `postgres` system user and the temporary directory is given to it.
    pub fn start() -> io::Result<Self> {
        let bin_dir = find_bin_dir().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "PostgreSQL binaries (initdb, postgres, psql) not found on PATH or in \
                     {DEBIAN_PREFIX}/*/bin: apt-get install -y postgresql"
                ),
            )
        })?;
        let owner = if process::running_as_root() {
            let ids = process::user_ids(SYSTEM_USER).map_err(|err| {
                io::Error::other(format!(
                    "running as root, so PostgreSQL must run as the `{SYSTEM_USER}` system \
                     user, which is unusable: {err}"
                ))
            })?;
            Some(ids)
        } else {
            None
        };

        let dir = tempfile::Builder::new().prefix("anteroom-pg-").tempdir()?;
        // Stops initdb or the server with SIGQUIT (immediate shutdown).
        let watchdog = Watchdog::spawn(dir.path(), "QUIT")?;
        let data_dir = dir.path().join("data");
        let socket_dir = dir.path().join("socket");
        let log = dir.path().join("postgres.log");
        std::fs::create_dir(&socket_dir)?;
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))?;
            std::os::unix::fs::chown(&socket_dir, Some(uid), Some(gid))?;
        }

        let as_owner = |program: &str| {
            let mut command = watchdog.command(&bin_dir.join(program));
            command.current_dir(dir.path());
            if let Some((uid, gid)) = owner {
                command.uid(uid).gid(gid);
            }
            command
        };

        let initdb = process::run(
            as_owner("initdb")
                .args(["-A", "trust", "-U", SUPERUSER, "--no-sync", "-E", "UTF8"])
                .args(["--locale", "C", "-D"])
                .arg(&data_dir),
            "initdb",
        );
        watchdog.forget();
        initdb?;

        let port = process::free_loopback_port()?;
        let mut server = Supervised::spawn(
            as_owner("postgres")
                .arg("-D")
                .arg(&data_dir)
                .args(["-p", &port.to_string()])
                .args(["-c", "listen_addresses=127.0.0.1"])
                .args(["-c", "fsync=off"])
                .args(["-c", "synchronous_commit=off"])
                .args(["-c", "full_page_writes=off"])
                .args(["-c", "max_connections=200"])
                .arg("-k")
                .arg(&socket_dir),
            "postgres",
            &log,
            &watchdog,
            // SIGQUIT is PostgreSQL's immediate shutdown: the data is
            // thrown away anyway.
            "QUIT",
        )?;

        let pg_isready = bin_dir.join("pg_isready");
        let has_pg_isready = process::is_executable(&pg_isready);
        server.wait_ready("postgres", &log, || {
            process::accepts_connections(port)
                && (!has_pg_isready
                    || Command::new(&pg_isready)
                        .args(["-q", "-h", "127.0.0.1", "-U", SUPERUSER, "-d", "postgres"])
                        .args(["-p", &port.to_string()])
                        .status()
                        .is_ok_and(|status| status.success()))
        })?;

        Ok(Self {
            server,
            _watchdog: watchdog,
            dir,
            port,
            bin_dir,
        })
    }

    /// The TCP port the server listens on (at 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding the PostgreSQL binaries in use.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The data directory of the cluster (removed on drop).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The process id of the `postgres` server process.
    pub fn pid(&self) -> u32 {
        self.server.pid()
    }

    /// The connection URL of database `db` on this server, as the
    /// `postgres` superuser: `postgres://postgres@127.0.0.1:<port>/<db>`.
    pub fn url_for(&self, db: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates a new, empty database with a unique name (`t_<uuid>`) and
    /// returns its URL (see [`TestPostgres::url_for`]).
    ///
    /// # Panics
    ///
    /// Panics (failing the test) when `psql` cannot create the database.
    pub fn create_database(&self) -> String {
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        self.psql("postgres", &format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|err| panic!("cannot create test database {name}: {err}"));
        self.url_for(&name)
    }

    /// Runs one SQL command with `psql` in database `db` and returns what
    /// it printed (unaligned, tuples only).
    pub fn psql(&self, db: &str, sql: &str) -> io::Result<String> {
        let output = process::run(
            Command::new(self.bin_dir.join("psql"))
                .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
                .args(["-h", "127.0.0.1", "-U", SUPERUSER, "-d", db])
                .args(["-p", &self.port.to_string()])
                .args(["-c", sql]),
            "psql",
        )?;
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }
}

/// The server shared by all tests of this test process, started on first
/// use. It is stopped by its watchdog when the process exits.
///
/// Returns `None` after printing `SKIPPED: ...` when the PostgreSQL
/// binaries are missing.
///
/// # Panics
///
/// Panics when the binaries are missing and `CI=true`, or when they are
/// present but the server fails to start.
pub fn shared_postgres() -> Option<&'static TestPostgres> {
    static SHARED: OnceLock<Option<TestPostgres>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            if find_bin_dir().is_none() {
                skip_or_panic(
                    "PostgreSQL binaries (initdb, postgres, psql) not found; \
                     apt-get install -y postgresql",
                    CI_MISSING,
                );
                return None;
            }
            Some(TestPostgres::start().expect("the shared test PostgreSQL server must start"))
        })
        .as_ref()
}

/// The directory with `initdb`, `postgres` and `psql`: first where `initdb`
/// is found on `PATH`, then the highest version under
/// `/usr/lib/postgresql/*/bin`.
pub fn find_bin_dir() -> Option<PathBuf> {
    let from_path = process::find_on_path("initdb")
        .and_then(|initdb| initdb.canonicalize().ok())
        .and_then(|initdb| initdb.parent().map(Path::to_path_buf));
    from_path.into_iter().chain(debian_bin_dirs()).find(|dir| {
        REQUIRED_BINARIES
            .iter()
            .all(|bin| process::is_executable(&dir.join(bin)))
    })
}

/// `/usr/lib/postgresql/<version>/bin` folders, highest version first.
fn debian_bin_dirs() -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(DEBIAN_PREFIX) else {
        return Vec::new();
    };
    let mut versions: Vec<(Vec<u32>, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name();
            let version = name
                .to_str()?
                .split('.')
                .map(str::parse)
                .collect::<Result<Vec<u32>, _>>()
                .ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start_or_skip() -> Option<TestPostgres> {
        if find_bin_dir().is_none() {
            skip_or_panic("PostgreSQL binaries not found", CI_MISSING);
            return None;
        }
        Some(TestPostgres::start().expect("test PostgreSQL must start"))
    }

    #[test]
    fn starts_creates_databases_and_cleans_up_on_drop() {
        let Some(pg) = start_or_skip() else { return };
        assert!(process::accepts_connections(pg.port()));

        let first = pg.create_database();
        let second = pg.create_database();
        assert_ne!(first, second);
        let prefix = format!("postgres://postgres@127.0.0.1:{}/t_", pg.port());
        assert!(first.starts_with(&prefix), "{first}");

        let db = second.rsplit('/').next().expect("URL has a database name");
        assert_eq!(pg.psql(db, "select 1").expect("select 1 runs"), "1");
        let count = pg
            .psql(
                "postgres",
                "select count(*) from pg_database where datname like 't\\_%'",
            )
            .expect("count runs");
        assert_eq!(count, "2");

        let data_dir = pg.data_dir();
        let port = pg.port();
        assert!(data_dir.join("PG_VERSION").is_file());
        drop(pg);
        assert!(
            !data_dir.exists(),
            "data dir {} left behind",
            data_dir.display()
        );
        assert!(
            !process::accepts_connections(port),
            "server still listening"
        );
    }

    #[test]
    fn shared_instance_is_reused() {
        let Some(first) = shared_postgres() else {
            return;
        };
        let second = shared_postgres().expect("already started");
        assert!(std::ptr::eq(first, second));
        assert_eq!(
            first.psql("postgres", "select 1").expect("select 1 runs"),
            "1"
        );
    }
}
