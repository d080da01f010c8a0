//! The harness: runs the real `anteroom` binary on a free loopback port in a fresh temporary
//! folder, waits until its gRPC health check answers SERVING, and gives typed clients that
//! send a bearer token per call.
//!
//! A server is killed when its [`Server`] is dropped. Servers shared by the tests of a module
//! ([`shared`]) live in a `static` and are never dropped: a small shell watchdog kills them
//! (and removes their folder) once the test process is gone.

use std::fmt::Debug;
use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use anteroom_proto::v1::access_service_client::AccessServiceClient;
use anteroom_proto::v1::room_service_client::RoomServiceClient;
use anteroom_proto::v1::user_service_client::UserServiceClient;
use anteroom_proto::v1::{
    Access, AccessLevel, CreateAccessRequest, CreateRoomRequest, DeleteAccessRequest,
    DeleteRoomRequest, GetCurrentUserRequest, GetRoomRequest, ListAccessesRequest,
    ListAccessesResponse, ListRoomsRequest, ListRoomsResponse, Role, Room, UpdateAccessRequest,
    UpdateCurrentUserRequest, UpdateRoomRequest, User,
};
use anteroom_testkit::{TestIssuer, TokenClaims};
use prost_types::FieldMask;
use tempfile::TempDir;
use tokio::sync::OnceCell;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request, Status};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_types::StatusExt as _;

/// How long a server may take to answer SERVING.
pub(crate) const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// The gRPC name of the room service, as reported by the health service.
pub(crate) const ROOM_SERVICE: &str = "anteroom.v1.RoomService";
/// The gRPC name of the access service.
pub(crate) const ACCESS_SERVICE: &str = "anteroom.v1.AccessService";
/// The gRPC name of the user service.
pub(crate) const USER_SERVICE: &str = "anteroom.v1.UserService";

/// Kills the server (and removes its folder) once the test process (`$1`) is gone.
const WATCHDOG_SCRIPT: &str = r#"
while kill -0 "$1" 2>/dev/null; do sleep 1; done
kill -KILL "$2" 2>/dev/null
rm -rf "$3"
"#;

/// The `anteroom` binary under test: `<target>/debug/anteroom`, where `<target>` is
/// `CARGO_TARGET_DIR` or the workspace's `target` folder.
pub(crate) fn binary() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the e2e crate lives in the workspace")
        .to_path_buf();
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    let binary = target.join("debug").join("anteroom");
    assert!(
        binary.is_file(),
        "{} is missing: build it first: cargo build -p anteroom-server",
        binary.display()
    );
    binary
}

/// A free TCP port on 127.0.0.1.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A short unique tag (12 hex digits) to keep names and subjects of concurrent tests apart.
pub(crate) fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// A command running the binary with a clean environment: no inherited `ANTEROOM__*` nor
/// `RUST_LOG`, no colours, in `cwd`.
pub(crate) fn command(cwd: &Path, env: &[(String, String)]) -> Command {
    let mut command = Command::new(binary());
    for (key, _) in std::env::vars_os() {
        let name = key.to_string_lossy();
        if name.starts_with("ANTEROOM") || name == "RUST_LOG" {
            command.env_remove(&key);
        }
    }
    command
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null());
    command
}

/// Runs the binary with `args` and `env` (plus free `grpc.addr` and `http.addr` unless `env`
/// sets them) in a
/// fresh folder, to completion or at most `timeout`; returns its output and how long it ran.
///
/// # Panics
///
/// When it is still running after `timeout` (it is killed).
pub(crate) fn run_to_exit(
    args: &[&str],
    env: &[(&str, &str)],
    timeout: Duration,
) -> (Output, Duration) {
    let dir = tempfile::Builder::new()
        .prefix("anteroom-e2e-")
        .tempdir()
        .expect("a temporary folder");
    run_in(dir.path(), args, env, timeout)
}

/// [`run_to_exit`] in a given folder.
pub(crate) fn run_in(
    cwd: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    timeout: Duration,
) -> (Output, Duration) {
    let mut vars: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    for key in ["ANTEROOM__GRPC__ADDR", "ANTEROOM__HTTP__ADDR"] {
        if !vars.iter().any(|(k, _)| k == key) {
            vars.push((key.to_owned(), format!("127.0.0.1:{}", free_port())));
        }
    }
    let started = Instant::now();
    let mut child = command(cwd, &vars)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the anteroom binary starts");
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            let output = child.wait_with_output().expect("the output of anteroom");
            return (output, started.elapsed());
        }
        if started.elapsed() > timeout {
            child.kill().ok();
            let output = child.wait_with_output().expect("the output of anteroom");
            panic!(
                "anteroom {args:?} still running after {timeout:?}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How to start a server: its environment and the token issuer it trusts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    env: Vec<(String, String)>,
    issuer: Option<TestIssuer>,
}

impl Options {
    /// The embedded default: no database setting at all (SQLite in `./data`), no issuer.
    pub(crate) fn embedded() -> Self {
        Self::default()
    }

    /// A fresh database on the shared test PostgreSQL server, with a [`TestIssuer`].
    /// `None` when PostgreSQL is not installed (and `CI` is not `true`).
    pub(crate) fn postgres() -> Option<Self> {
        let pg = anteroom_testkit::shared_postgres()?;
        Some(
            Self::default()
                .env("ANTEROOM__DATABASE__URL", &pg.create_database())
                .with_issuer(),
        )
    }

    /// Trusts the tokens of a [`TestIssuer`] (issuer, JWKS file and audience).
    pub(crate) fn with_issuer(mut self) -> Self {
        let issuer = TestIssuer::new();
        self = self
            .env("ANTEROOM__AUTH__OIDC__ISSUER", &issuer.issuer)
            .env("ANTEROOM__AUTH__OIDC__JWKS_URL", &issuer.jwks_url())
            .env("ANTEROOM__AUTH__OIDC__AUDIENCE", &issuer.audience);
        self.issuer = Some(issuer);
        self
    }

    /// Sets an environment variable of the server.
    pub(crate) fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }
}

/// A running `anteroom serve`.
#[derive(Debug)]
pub(crate) struct Server {
    child: Child,
    watchdog: Option<Child>,
    addr: SocketAddr,
    /// The REST gateway's address.
    http_addr: SocketAddr,
    log: PathBuf,
    issuer: Option<TestIssuer>,
    /// The server's working directory (holds `anteroom.log` and `data/`); removed last.
    dir: TempDir,
}

impl Server {
    /// Starts `anteroom serve` and waits until it reports SERVING.
    ///
    /// # Panics
    ///
    /// When it exits or is not SERVING within [`READY_TIMEOUT`] (its log is in the message).
    pub(crate) async fn start(options: Options) -> Self {
        let mut server = Self::spawn(options);
        server.wait_ready().await;
        server
    }

    /// Starts `anteroom serve` without waiting.
    pub(crate) fn spawn(options: Options) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("anteroom-e2e-")
            .tempdir()
            .expect("a temporary folder");
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
        let http_addr = options
            .env
            .iter()
            .rev()
            .find(|(k, _)| k == "ANTEROOM__HTTP__ADDR")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or_else(|| SocketAddr::from((Ipv4Addr::LOCALHOST, free_port())));
        let mut env = vec![
            ("ANTEROOM__GRPC__ADDR".to_owned(), addr.to_string()),
            ("ANTEROOM__HTTP__ADDR".to_owned(), http_addr.to_string()),
        ];
        env.extend(options.env);
        let log = dir.path().join("anteroom.log");
        let out = File::create(&log).expect("the log file");
        let err = out.try_clone().expect("the log file, twice");
        let child = command(dir.path(), &env)
            .arg("serve")
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("the anteroom binary starts");
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .arg("anteroom-e2e-watchdog")
            .arg(std::process::id().to_string())
            .arg(child.id().to_string())
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok();
        Self {
            child,
            watchdog,
            addr,
            http_addr,
            log,
            issuer: options.issuer,
            dir,
        }
    }

    async fn wait_ready(&mut self) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!(
                    "anteroom exited ({status}) before serving; its log:\n{}",
                    self.log()
                );
            }
            if self.health(ROOM_SERVICE).await == Ok(ServingStatus::Serving) {
                return;
            }
            assert!(
                started.elapsed() < READY_TIMEOUT,
                "anteroom not SERVING after {READY_TIMEOUT:?}; its log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The health status of `service` (`""` for the whole server), or the failure.
    pub(crate) async fn health(&self, service: &str) -> Result<ServingStatus, String> {
        let channel = Endpoint::from_shared(self.url())
            .expect("a valid URL")
            .connect_timeout(Duration::from_secs(1))
            .timeout(Duration::from_secs(2))
            .connect()
            .await
            .map_err(|e| e.to_string())?;
        let response = HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await
            .map_err(|e| e.to_string())?;
        Ok(response.into_inner().status())
    }

    /// `http://127.0.0.1:<port>`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:<port>` of the REST gateway.
    pub(crate) fn http_url(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// The server's working directory.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the server printed so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The end of the log, for failure messages.
    pub(crate) fn log_tail(&self) -> String {
        const TAIL: u64 = 16 * 1024;
        let Ok(mut file) = File::open(&self.log) else {
            return String::from("(no log)");
        };
        let len = file.metadata().map_or(0, |m| m.len());
        file.seek(SeekFrom::Start(len.saturating_sub(TAIL))).ok();
        let mut buf = Vec::new();
        file.read_to_end(&mut buf).ok();
        String::from_utf8_lossy(&buf).into_owned()
    }

    /// Sends SIGTERM and waits at most `timeout` for the exit.
    pub(crate) async fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status()
            .expect("the kill command runs");
        assert!(sent.success(), "kill -TERM {} failed", self.pid());
        let started = Instant::now();
        while started.elapsed() < timeout {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        None
    }

    /// The issuer this server trusts.
    pub(crate) fn issuer(&self) -> &TestIssuer {
        self.issuer
            .as_ref()
            .expect("this server was started without a token issuer")
    }

    /// A signed token for `claims` from the server's issuer.
    pub(crate) fn token(&self, claims: &TokenClaims) -> String {
        self.issuer().token(claims)
    }

    /// A lazily connected channel to the server.
    pub(crate) fn channel(&self) -> Channel {
        Endpoint::from_shared(self.url())
            .expect("a valid URL")
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .connect_lazy()
    }

    /// A session without credentials.
    pub(crate) fn anonymous(&self) -> Session {
        Session {
            channel: self.channel(),
            authorization: None,
            id: String::new(),
            sub: String::new(),
        }
    }

    /// A session sending `authorization: Bearer <token>`.
    pub(crate) fn bearer(&self, token: &str) -> Session {
        self.authorization(&format!("Bearer {token}"))
    }

    /// A session sending this raw `authorization` value.
    pub(crate) fn authorization(&self, value: &str) -> Session {
        Session {
            channel: self.channel(),
            authorization: Some(value.to_owned()),
            id: String::new(),
            sub: String::new(),
        }
    }

    /// A new user, unique to this call (`<name>-<tag>`), given name `name` (capitalised) and
    /// family name `Tester`, provisioned by a first `GetCurrentUser`.
    pub(crate) async fn user(&self, name: &str) -> Session {
        let sub = format!("{name}-{}", unique());
        let mut given = name.to_owned();
        if let Some(first) = given.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        let claims = TokenClaims::user(&sub).names(
            Some(&given),
            Some("Tester"),
            Some(&format!("{given} Tester")),
        );
        let mut session = self.bearer(&self.token(&claims));
        let me = session
            .me()
            .await
            .expect("GetCurrentUser provisions the user");
        assert_eq!(me.sub.as_deref(), Some(sub.as_str()));
        session.id = me.id;
        session.sub = sub;
        session
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut watchdog) = self.watchdog.take() {
            watchdog.kill().ok();
            watchdog.wait().ok();
        }
        self.child.kill().ok();
        self.child.wait().ok();
        if std::thread::panicking() {
            eprintln!(
                "---- anteroom log ({}) ----\n{}\n---- end of anteroom log ----",
                self.url(),
                self.log_tail()
            );
        }
    }
}

/// A server shared by the tests of one module, kept in a `static`.
pub(crate) type SharedServer = OnceCell<Option<Server>>;

/// Starts the module's shared server on first use (`None` when its options are unavailable,
/// e.g. PostgreSQL is not installed).
pub(crate) async fn shared(
    cell: &'static SharedServer,
    options: fn() -> Option<Options>,
) -> Option<SharedGuard> {
    let server = cell
        .get_or_init(|| async move {
            match options() {
                Some(options) => Some(Server::start(options).await),
                None => None,
            }
        })
        .await
        .as_ref()?;
    Some(SharedGuard { server })
}

/// A test's handle on a shared server: prints the server's log when the test panics.
pub(crate) struct SharedGuard {
    server: &'static Server,
}

impl Deref for SharedGuard {
    type Target = Server;

    fn deref(&self) -> &Server {
        self.server
    }
}

impl Drop for SharedGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "---- shared anteroom log ({}), last part ----\n{}\n---- end of anteroom log ----",
                self.server.url(),
                self.server.log_tail()
            );
        }
    }
}

/// A field mask of `paths` (`None` when empty).
pub(crate) fn mask(paths: &[&str]) -> Option<FieldMask> {
    (!paths.is_empty()).then(|| FieldMask {
        paths: paths.iter().map(|p| (*p).to_owned()).collect(),
    })
}

/// A caller: a channel plus the `authorization` value sent with every call.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    channel: Channel,
    authorization: Option<String>,
    /// The user's id (empty for anonymous sessions and raw tokens).
    pub(crate) id: String,
    /// The user's subject (empty for anonymous sessions and raw tokens).
    pub(crate) sub: String,
}

impl Session {
    /// Wraps `message` with this session's credentials.
    pub(crate) fn request<T>(&self, message: T) -> Request<T> {
        let mut request = Request::new(message);
        if let Some(value) = &self.authorization {
            request.metadata_mut().insert(
                "authorization",
                value.parse().expect("a valid metadata value"),
            );
        }
        request
    }

    /// A room service client.
    pub(crate) fn rooms(&self) -> RoomServiceClient<Channel> {
        RoomServiceClient::new(self.channel.clone())
    }

    /// An access service client.
    pub(crate) fn accesses(&self) -> AccessServiceClient<Channel> {
        AccessServiceClient::new(self.channel.clone())
    }

    /// A user service client.
    pub(crate) fn users(&self) -> UserServiceClient<Channel> {
        UserServiceClient::new(self.channel.clone())
    }

    /// `CreateRoom`.
    pub(crate) async fn create_room(&self, request: CreateRoomRequest) -> Result<Room, Status> {
        let response = self.rooms().create_room(self.request(request)).await?;
        Ok(response.into_inner().room.expect("CreateRoomResponse.room"))
    }

    /// `CreateRoom` with a name and nothing else.
    pub(crate) async fn create_named(&self, name: &str) -> Result<Room, Status> {
        self.create_room(CreateRoomRequest {
            name: Some(name.to_owned()),
            ..CreateRoomRequest::default()
        })
        .await
    }

    /// `CreateRoom` with a name and an access level.
    pub(crate) async fn create_with_level(
        &self,
        name: &str,
        level: AccessLevel,
    ) -> Result<Room, Status> {
        self.create_room(CreateRoomRequest {
            name: Some(name.to_owned()),
            access_level: level.into(),
            configuration: None,
            callback_id: None,
        })
        .await
    }

    /// `GetRoom`.
    pub(crate) async fn get_room(&self, reference: &str) -> Result<Room, Status> {
        let response = self
            .rooms()
            .get_room(self.request(GetRoomRequest {
                room: reference.to_owned(),
            }))
            .await?;
        Ok(response.into_inner().room.expect("GetRoomResponse.room"))
    }

    /// `ListRooms`, one page.
    pub(crate) async fn list_rooms(
        &self,
        page_size: i32,
        page_token: &str,
    ) -> Result<ListRoomsResponse, Status> {
        let response = self
            .rooms()
            .list_rooms(self.request(ListRoomsRequest {
                page_size,
                page_token: page_token.to_owned(),
            }))
            .await?;
        Ok(response.into_inner())
    }

    /// `ListRooms`, every page.
    pub(crate) async fn all_rooms(&self) -> Result<Vec<Room>, Status> {
        let mut rooms = Vec::new();
        let mut token = String::new();
        loop {
            let page = self.list_rooms(100, &token).await?;
            rooms.extend(page.rooms);
            if page.next_page_token.is_empty() {
                return Ok(rooms);
            }
            token = page.next_page_token;
        }
    }

    /// `UpdateRoom` with the given mask paths (none: no mask).
    pub(crate) async fn update_room(&self, room: Room, paths: &[&str]) -> Result<Room, Status> {
        let response = self
            .rooms()
            .update_room(self.request(UpdateRoomRequest {
                room: Some(room),
                update_mask: mask(paths),
            }))
            .await?;
        Ok(response.into_inner().room.expect("UpdateRoomResponse.room"))
    }

    /// `DeleteRoom`.
    pub(crate) async fn delete_room(&self, reference: &str) -> Result<(), Status> {
        self.rooms()
            .delete_room(self.request(DeleteRoomRequest {
                room: reference.to_owned(),
            }))
            .await?;
        Ok(())
    }

    /// `ListAccesses`, one page.
    pub(crate) async fn list_accesses(
        &self,
        room_id: &str,
        page_size: i32,
        page_token: &str,
    ) -> Result<ListAccessesResponse, Status> {
        let response = self
            .accesses()
            .list_accesses(self.request(ListAccessesRequest {
                room_id: room_id.to_owned(),
                page_size,
                page_token: page_token.to_owned(),
            }))
            .await?;
        Ok(response.into_inner())
    }

    /// `ListAccesses`, every page (`room_id` empty: no filter).
    pub(crate) async fn all_accesses(&self, room_id: &str) -> Result<Vec<Access>, Status> {
        let mut accesses = Vec::new();
        let mut token = String::new();
        loop {
            let page = self.list_accesses(room_id, 100, &token).await?;
            accesses.extend(page.accesses);
            if page.next_page_token.is_empty() {
                return Ok(accesses);
            }
            token = page.next_page_token;
        }
    }

    /// `CreateAccess`.
    pub(crate) async fn grant(
        &self,
        room_id: &str,
        user_id: &str,
        role: Role,
    ) -> Result<Access, Status> {
        let response = self
            .accesses()
            .create_access(self.request(CreateAccessRequest {
                access: Some(Access {
                    room_id: room_id.to_owned(),
                    user_id: user_id.to_owned(),
                    role: role.into(),
                    ..Access::default()
                }),
            }))
            .await?;
        Ok(response
            .into_inner()
            .access
            .expect("CreateAccessResponse.access"))
    }

    /// `UpdateAccess` of the role, with mask `role`.
    pub(crate) async fn set_role(&self, access_id: &str, role: Role) -> Result<Access, Status> {
        let response = self
            .accesses()
            .update_access(self.request(UpdateAccessRequest {
                access: Some(Access {
                    id: access_id.to_owned(),
                    role: role.into(),
                    ..Access::default()
                }),
                update_mask: mask(&["role"]),
            }))
            .await?;
        Ok(response
            .into_inner()
            .access
            .expect("UpdateAccessResponse.access"))
    }

    /// `DeleteAccess`.
    pub(crate) async fn revoke(&self, access_id: &str) -> Result<(), Status> {
        self.accesses()
            .delete_access(self.request(DeleteAccessRequest {
                id: access_id.to_owned(),
            }))
            .await?;
        Ok(())
    }

    /// `GetCurrentUser`.
    pub(crate) async fn me(&self) -> Result<User, Status> {
        let response = self
            .users()
            .get_current_user(self.request(GetCurrentUserRequest {}))
            .await?;
        Ok(response
            .into_inner()
            .user
            .expect("GetCurrentUserResponse.user"))
    }

    /// `UpdateCurrentUser` with the given mask paths (none: no mask).
    pub(crate) async fn update_me(&self, user: User, paths: &[&str]) -> Result<User, Status> {
        let response = self
            .users()
            .update_current_user(self.request(UpdateCurrentUserRequest {
                user: Some(user),
                update_mask: mask(paths),
            }))
            .await?;
        Ok(response
            .into_inner()
            .user
            .expect("UpdateCurrentUserResponse.user"))
    }
}

/// The fields of the `BadRequest` violations a status carries.
pub(crate) fn violated_fields(status: &Status) -> Vec<String> {
    status
        .get_error_details()
        .bad_request()
        .map(|bad| {
            bad.field_violations
                .iter()
                .map(|v| v.field.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts that `result` failed with `code` and returns the status.
#[track_caller]
pub(crate) fn expect_code<T: Debug>(result: Result<T, Status>, code: Code) -> Status {
    match result {
        Ok(value) => panic!("expected {code:?}, got OK: {value:?}"),
        Err(status) => {
            assert_eq!(status.code(), code, "unexpected status: {status:?}");
            status
        }
    }
}

/// Asserts that `result` failed with INVALID_ARGUMENT carrying a violation on `field`.
#[track_caller]
pub(crate) fn expect_invalid<T: Debug>(result: Result<T, Status>, field: &str) -> Status {
    let status = expect_code(result, Code::InvalidArgument);
    let fields = violated_fields(&status);
    assert!(
        fields.iter().any(|f| f == field),
        "expected a violation on `{field}`, got {fields:?} ({status:?})"
    );
    status
}

/// The access of `user_id` among `accesses`, if any.
pub(crate) fn access_of<'a>(accesses: &'a [Access], user_id: &str) -> Option<&'a Access> {
    accesses.iter().find(|a| a.user_id == user_id)
}
