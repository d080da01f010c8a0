//! Child-process supervision shared by the throwaway servers: finding
//! binaries, picking ports, waiting for readiness, and making sure a server
//! never outlives the test process.

use std::fs::File;
use std::io::{self, Read as _, Seek as _, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long a server may take to become ready before start-up fails.
pub(crate) const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Pause between two readiness probes.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Shell script run by the watchdog.
///
/// Arguments: `$1` the test process id, `$2` the directory to remove, `$3`
/// the signal that stops the recorded process cleanly, `$4` the file
/// holding the recorded process id (absent while none runs). It waits while
/// the test process lives; once it is gone (a zombie counts as gone), it
/// gives a just-forked process a moment to record itself, stops the
/// recorded process (escalating to `KILL` after about 5 s), and removes the
/// directory.
const WATCHDOG_SCRIPT: &str = r#"
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ -r "/proc/$1/stat" ] || return 0
  case "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null)" in Z*|X*|"") return 1 ;; esac
}
while alive "$1"; do sleep 1; done
sleep 0.3
pid=$(cat "$4" 2>/dev/null)
if [ -n "$pid" ] && alive "$pid"; then
  kill -"$3" "$pid" 2>/dev/null
  i=0
  while alive "$pid" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null
fi
i=0
while [ -e "$2" ] && [ "$i" -lt 10 ]; do rm -rf "$2"; [ -e "$2" ] && sleep 0.5; i=$((i + 1)); done
"#;

/// Shell prefix that records its own process id in the file `$0`, then
/// execs the real program (`"$@"`), keeping that process id. Because the
/// child records itself, no moment exists in which it runs unrecorded
/// while the test process is alive.
const RECORD_AND_EXEC: &str = r#"echo "$$" > "$0.new" && mv -f "$0.new" "$0" && exec "$@""#;

/// Looks `name` up in the directories of `PATH`, returning the first
/// executable file found.
pub(crate) fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// Whether `path` is a regular file with an execute bit set.
pub(crate) fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// Picks a currently free TCP port on 127.0.0.1 by binding port 0.
pub(crate) fn free_loopback_port() -> io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
pub(crate) fn accepts_connections(port: u16) -> bool {
    connect(port).is_ok()
}

/// Opens a TCP connection to 127.0.0.1:`port` with a short timeout.
pub(crate) fn connect(port: u16) -> io::Result<TcpStream> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    Ok(stream)
}

/// Whether this process runs as root (uid 0).
///
/// Reads the owner of `/proc/self`, falling back to the `id -u` command.
pub(crate) fn running_as_root() -> bool {
    if let Ok(meta) = std::fs::metadata("/proc/self") {
        return meta.uid() == 0;
    }
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// The numeric user and group id of the system user `name` (via `id`).
pub(crate) fn user_ids(name: &str) -> io::Result<(u32, u32)> {
    let id = |flag: &str| -> io::Result<u32> {
        let out = run(Command::new("id").args([flag, name]), "id")?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|err| io::Error::other(format!("`id {flag} {name}` printed no number: {err}")))
    };
    Ok((id("-u")?, id("-g")?))
}

/// Runs `command` to completion, failing with its stderr when it exits
/// unsuccessfully. `what` names the command in error messages.
pub(crate) fn run(command: &mut Command, what: &str) -> io::Result<Output> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|err| io::Error::new(err.kind(), format!("cannot run {what}: {err}")))?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(io::Error::other(format!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim(),
            String::from_utf8_lossy(&output.stdout).trim(),
        )))
    }
}

/// Sends `signal` (a name such as `TERM` or `QUIT`) to `pid` with the
/// `kill` command.
fn send_signal(pid: u32, signal: &str) -> io::Result<()> {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "kill -{signal} {pid} failed ({status})"
        )))
    }
}

/// The last few lines of the log file at `path`, for error messages.
pub(crate) fn log_tail(path: &Path) -> String {
    const TAIL_BYTES: u64 = 4096;
    let Ok(mut file) = File::open(path) else {
        return String::from("(no log)");
    };
    let len = file.metadata().map_or(0, |meta| meta.len());
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(TAIL_BYTES)));
    let mut buf = Vec::new();
    let _ = file.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).trim().to_owned()
}

/// Name of the file, inside a watched directory, that holds the process
/// id of the running server (or `initdb`) for the watchdog.
const PID_FILE: &str = "child.pid";

/// A `sh` process that, once the test process is gone, stops the process
/// recorded in its directory and removes that directory.
///
/// Start it right after creating the directory, so that a test process
/// killed at any later point (even by `SIGKILL`) leaves nothing behind.
/// Dropping it ends the watchdog without touching anything: the owner then
/// cleans up itself.
#[derive(Debug)]
pub(crate) struct Watchdog {
    process: Child,
    pid_file: PathBuf,
}

impl Watchdog {
    /// Watches `dir`; `stop_signal` (e.g. `QUIT`, `TERM`) is how a recorded
    /// process is stopped.
    pub(crate) fn spawn(dir: &Path, stop_signal: &str) -> io::Result<Self> {
        let pid_file = dir.join(PID_FILE);
        let process = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .arg("anteroom-testkit-watchdog")
            .arg(std::process::id().to_string())
            .arg(dir)
            .arg(stop_signal)
            .arg(&pid_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| {
                io::Error::new(err.kind(), format!("cannot start watchdog `sh`: {err}"))
            })?;
        Ok(Self { process, pid_file })
    }

    /// A command that runs `program` (arguments to be added by the caller)
    /// recorded with this watchdog. Settings such as `uid` or `current_dir`
    /// apply to `program` too.
    pub(crate) fn command(&self, program: &Path) -> Command {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(RECORD_AND_EXEC)
            .arg(&self.pid_file)
            .arg(program);
        command
    }

    /// Forgets the recorded process, once it has exited.
    pub(crate) fn forget(&self) {
        let _ = std::fs::remove_file(&self.pid_file);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A server running as a child process, recorded with its [`Watchdog`].
///
/// Dropping it stops the server.
#[derive(Debug)]
pub(crate) struct Supervised {
    /// The server process itself (not a wrapper), so signals reach it.
    child: Child,
    /// Where its process id is recorded for the watchdog.
    pid_file: PathBuf,
    /// Signal name that shuts the server down cleanly and quickly.
    stop_signal: &'static str,
}

impl Supervised {
    /// Spawns `command` (made by [`Watchdog::command`]) with its output
    /// appended to `log`. `what` names it in errors; `stop_signal` stops it.
    pub(crate) fn spawn(
        command: &mut Command,
        what: &str,
        log: &Path,
        watchdog: &Watchdog,
        stop_signal: &'static str,
    ) -> io::Result<Self> {
        let log_file = File::options().create(true).append(true).open(log)?;
        let child = command
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()
            .map_err(|err| io::Error::new(err.kind(), format!("cannot start {what}: {err}")))?;
        Ok(Self {
            child,
            pid_file: watchdog.pid_file.clone(),
            stop_signal,
        })
    }

    /// Process id of the server.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the server has already exited.
    pub(crate) fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Polls `ready` until it returns true, failing if the server exits or
    /// [`READY_TIMEOUT`] passes. `what` and `log` make the error useful.
    pub(crate) fn wait_ready(
        &mut self,
        what: &str,
        log: &Path,
        mut ready: impl FnMut() -> bool,
    ) -> io::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if ready() {
                return Ok(());
            }
            if let Some(status) = self.exited() {
                return Err(io::Error::other(format!(
                    "{what} exited during start-up ({status}); log:\n{}",
                    log_tail(log)
                )));
            }
            if Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "{what} was not ready within {} s; log:\n{}",
                        READY_TIMEOUT.as_secs(),
                        log_tail(log)
                    ),
                ));
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    /// Stops the server: sends the clean stop signal, waits up to 10 s, then
    /// kills it, and forgets its recorded process id.
    fn stop(&mut self) {
        if self.exited().is_none() && send_signal(self.child.id(), self.stop_signal).is_ok() {
            let deadline = Instant::now() + Duration::from_secs(10);
            while self.exited().is_none() && Instant::now() < deadline {
                thread::sleep(POLL_INTERVAL);
            }
        }
        if self.exited().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_file(&self.pid_file);
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        self.stop();
    }
}
