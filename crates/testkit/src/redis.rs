//! A throwaway `redis-server` on a free loopback port, with persistence
//! off, that outage tests can stop and restart on the same port.
//!
//! ```no_run
//! let Some(mut redis) = anteroom_testkit::TestRedis::start_or_skip() else {
//!     return; // SKIPPED (redis-server missing, not on CI)
//! };
//! let url = redis.url();
//! redis.stop(); // the service now sees an outage
//! redis.restart().expect("redis comes back");
//! ```

use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::availability::skip_or_panic;
use crate::process::{self, Supervised, Watchdog};

/// Message of the panic when `redis-server` is missing on CI.
const CI_MISSING: &str =
    "redis-server not found; CI=true requires it: apt-get install -y redis-server";

/// Places to look for `redis-server` when it is not on `PATH`.
const FALLBACK_DIRS: [&str; 2] = ["/usr/bin", "/usr/local/bin"];

/// A `redis-server` child process listening on 127.0.0.1.
///
/// Dropping it stops the server and removes its working directory; the
/// watchdog does the same if the test process dies first.
#[derive(Debug)]
pub struct TestRedis {
    /// The running server; `None` while stopped by [`TestRedis::stop`].
    /// Fields drop in order: the server stops, then the watchdog ends, then
    /// the directory is removed.
    server: Option<Supervised>,
    /// Cleans up if the test process dies without dropping this.
    watchdog: Watchdog,
    /// Working directory and log of the server.
    dir: TempDir,
    /// The port, kept across [`TestRedis::stop`] and [`TestRedis::restart`].
    port: u16,
    binary: PathBuf,
}

impl TestRedis {
    /// Starts `redis-server` on a free port and waits until it answers
    /// `PING` (at most about 30 s).
    pub fn start() -> io::Result<Self> {
        let binary = redis_server_binary().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "redis-server not found on PATH: apt-get install -y redis-server",
            )
        })?;
        let dir = tempfile::Builder::new()
            .prefix("anteroom-redis-")
            .tempdir()?;
        let watchdog = Watchdog::spawn(dir.path(), "TERM")?;
        let port = process::free_loopback_port()?;
        let mut redis = Self {
            server: None,
            watchdog,
            dir,
            port,
            binary,
        };
        redis.restart()?;
        Ok(redis)
    }

    /// Like [`TestRedis::start`], but returns `None` after printing
    /// `SKIPPED: ...` when `redis-server` is not installed.
    ///
    /// # Panics
    ///
    /// Panics when `redis-server` is missing and `CI=true`, or when it is
    /// present but fails to start.
    pub fn start_or_skip() -> Option<Self> {
        if !redis_available() {
            return None;
        }
        Some(Self::start().expect("the test redis-server must start"))
    }

    /// The URL of the server: `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The TCP port, the same across stops and restarts.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the server process is currently running (not stopped).
    pub fn is_running(&self) -> bool {
        self.server.is_some()
    }

    /// Kills the server to simulate an outage. Its port stays assigned to
    /// this instance for [`TestRedis::restart`]. Does nothing if stopped.
    pub fn stop(&mut self) {
        // Dropping the supervised process stops it and its watchdog.
        self.server = None;
    }

    /// Starts the server again on the same port (stopping it first if it
    /// runs) and waits until it answers `PING`. The data is empty again.
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop();
        let log = self.dir.path().join("redis.log");
        let mut server = Supervised::spawn(
            self.watchdog
                .command(&self.binary)
                .current_dir(self.dir.path())
                .args(["--port", &self.port.to_string()])
                .args(["--bind", "127.0.0.1"])
                .args(["--save", ""])
                .args(["--appendonly", "no"])
                .args(["--daemonize", "no"])
                .arg("--dir")
                .arg(self.dir.path()),
            "redis-server",
            &log,
            &self.watchdog,
            "TERM",
        )?;
        let port = self.port;
        server.wait_ready("redis-server", &log, || ping(port).is_ok())?;
        self.server = Some(server);
        Ok(())
    }

    /// Sends `PING` and checks for `+PONG`, for tests that want to see the
    /// server's state without a Redis client.
    pub fn ping(&self) -> io::Result<()> {
        ping(self.port)
    }
}

/// Whether `redis-server` is installed. When it is not, this prints
/// `SKIPPED: ...` and returns false.
///
/// # Panics
///
/// Panics when `redis-server` is missing and `CI=true`.
pub fn redis_available() -> bool {
    if redis_server_binary().is_some() {
        return true;
    }
    skip_or_panic(
        "redis-server not found; apt-get install -y redis-server",
        CI_MISSING,
    );
    false
}

/// The `redis-server` binary: from `PATH`, else `/usr/bin` or
/// `/usr/local/bin`.
pub fn redis_server_binary() -> Option<PathBuf> {
    process::find_on_path("redis-server").or_else(|| {
        FALLBACK_DIRS
            .iter()
            .map(|dir| Path::new(dir).join("redis-server"))
            .find(|candidate| process::is_executable(candidate))
    })
}

/// Sends an inline `PING` to 127.0.0.1:`port` and expects `+PONG`.
fn ping(port: u16) -> io::Result<()> {
    let mut stream = process::connect(port)?;
    stream.write_all(b"PING\r\n")?;
    let mut reply = [0_u8; 7];
    stream.read_exact(&mut reply)?;
    if &reply == b"+PONG\r\n" {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "unexpected PING reply {:?}",
            String::from_utf8_lossy(&reply)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_and_restart_on_the_same_port() {
        let Some(mut redis) = TestRedis::start_or_skip() else {
            return;
        };
        let port = redis.port();
        assert_eq!(redis.url(), format!("redis://127.0.0.1:{port}"));
        redis.ping().expect("PING after start");

        redis.stop();
        assert!(!redis.is_running());
        assert!(
            process::connect(port).is_err(),
            "still accepting connections after stop"
        );

        redis.restart().expect("restart");
        assert_eq!(redis.port(), port);
        redis.ping().expect("PING after restart");

        let dir = redis.dir.path().to_path_buf();
        drop(redis);
        assert!(!dir.exists(), "redis dir {} left behind", dir.display());
        assert!(process::connect(port).is_err(), "server still listening");
    }
}
