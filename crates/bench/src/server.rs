//! Starting a deployment to measure: the binary with its backend and a fake LiveKit.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anteroom_livekit_fake::{FakeConfig, FakeLiveKit};
use anteroom_testkit::{TestIssuer, TestRedis};
use anyhow::{Context, bail};
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// What the binary runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// SQLite file + in-process lobby.
    Embedded,
    /// PostgreSQL + Redis.
    PostgresRedis,
}

impl Backend {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Embedded => "embedded (SQLite + memory)",
            Self::PostgresRedis => "PostgreSQL + Redis",
        }
    }
}

/// `target/release/anteroom` of this workspace.
pub(crate) fn release_binary() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/anteroom")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// A running deployment: the binary, its dependencies, and how to call it.
pub(crate) struct Deployment {
    child: Child,
    pub(crate) grpc: Channel,
    pub(crate) http: String,
    pub(crate) issuer: TestIssuer,
    pub(crate) livekit: FakeLiveKit,
    _redis: Option<TestRedis>,
    _folder: tempfile::TempDir,
}

impl Drop for Deployment {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Deployment {
    /// Starts the binary on `backend` and waits until it serves.
    pub(crate) async fn start(binary: &Path, backend: Backend) -> anyhow::Result<Self> {
        if !binary.is_file() {
            bail!(
                "{} is missing: cargo build --release -p anteroom-server",
                binary.display()
            );
        }
        let folder = tempfile::tempdir()?;
        let issuer = TestIssuer::new();
        let livekit = FakeLiveKit::start(FakeConfig::default()).await?;
        let grpc_port = free_port()?;
        let http_port = free_port()?;
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .current_dir(folder.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("ANTEROOM__GRPC__ADDR", format!("127.0.0.1:{grpc_port}"))
            .env("ANTEROOM__HTTP__ADDR", format!("127.0.0.1:{http_port}"))
            .env("ANTEROOM__LOG__LEVEL", "warn")
            .env("ANTEROOM__DATABASE__MAX_CONNECTIONS", "32")
            .env("ANTEROOM__AUTH__OIDC__ISSUER", &issuer.issuer)
            .env("ANTEROOM__AUTH__OIDC__JWKS_URL", issuer.jwks_url())
            .env("ANTEROOM__AUTH__OIDC__AUDIENCE", &issuer.audience)
            .env("ANTEROOM__LIVEKIT__URL", livekit.ws_url())
            .env("ANTEROOM__LIVEKIT__API_URL", livekit.url())
            .env("ANTEROOM__LOBBY__RATE_LIMIT", "1000000")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let redis = match backend {
            Backend::Embedded => None,
            Backend::PostgresRedis => {
                let postgres = anteroom_testkit::shared_postgres()
                    .context("PostgreSQL binaries are needed: apt-get install postgresql")?;
                let redis = TestRedis::start().context("redis-server is needed")?;
                command
                    .env("ANTEROOM__DATABASE__URL", postgres.create_database())
                    .env("ANTEROOM__REDIS__URL", redis.url());
                Some(redis)
            }
        };
        let child = command.spawn().context("cannot start the binary")?;
        let grpc = Channel::from_shared(format!("http://127.0.0.1:{grpc_port}"))?.connect_lazy();
        let deployment = Self {
            child,
            grpc,
            http: format!("http://127.0.0.1:{http_port}"),
            issuer,
            livekit,
            _redis: redis,
            _folder: folder,
        };
        deployment.wait_serving().await?;
        Ok(deployment)
    }

    async fn wait_serving(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut health = HealthClient::new(self.grpc.clone());
        loop {
            let answer = health
                .check(HealthCheckRequest {
                    service: "anteroom.v1.RoomService".to_owned(),
                })
                .await;
            if answer.is_ok_and(|a| a.get_ref().status == ServingStatus::Serving as i32) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the binary did not serve within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
