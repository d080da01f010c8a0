//! `anteroom-bench`: starts the real `anteroom` binary (on the embedded default, or on a
//! throwaway PostgreSQL and Redis), points it at an in-process fake LiveKit, and drives the
//! hot flows with N concurrent clients for a fixed time, reporting throughput and p50/p99
//! latency. Run it through `just bench` (release build).

mod load;
mod scenarios;
mod server;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::server::Backend;

/// Which deployments to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// SQLite file + in-process lobby (no external service).
    Embedded,
    /// PostgreSQL + Redis (the replicated deployment).
    PostgresRedis,
    /// Both, one after the other.
    Both,
}

/// Measures Anteroom's hot flows.
#[derive(Debug, Parser)]
#[command(name = "anteroom-bench", about)]
struct Cli {
    /// Which deployments to measure.
    #[arg(long, value_enum, default_value = "both")]
    mode: Mode,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// The `anteroom` binary (default: target/release/anteroom).
    #[arg(long)]
    binary: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let binary = cli.binary.unwrap_or_else(server::release_binary);
    let backends: &[Backend] = match cli.mode {
        Mode::Embedded => &[Backend::Embedded],
        Mode::PostgresRedis => &[Backend::PostgresRedis],
        Mode::Both => &[Backend::Embedded, Backend::PostgresRedis],
    };
    let duration = Duration::from_secs(cli.seconds);
    println!(
        "| backend | scenario | requests | errors | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|"
    );
    for backend in backends {
        let deployment = server::Deployment::start(&binary, *backend).await?;
        for scenario in scenarios::ALL {
            let report = scenarios::run(*scenario, &deployment, cli.concurrency, duration).await?;
            println!("| {} | {} | {report} |", backend.name(), scenario.name());
        }
    }
    Ok(())
}
