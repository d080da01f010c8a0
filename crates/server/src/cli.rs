//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Anteroom: room management for LiveKit video conferences.
#[derive(Debug, Parser)]
#[command(name = "anteroom", version, about)]
pub struct Cli {
    /// A TOML settings file (sections as in `ANTEROOM__SECTION__KEY`); environment variables
    /// override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the gRPC API until SIGTERM or SIGINT.
    Serve,
    /// Migrate the database and exit.
    Migrate,
}
