//! The `anteroom` server: reads its settings, sets up telemetry, wires every adapter to the
//! domain's use cases (this is the only crate that knows them all) and runs the subcommands
//! `serve` and `migrate`.

pub mod cli;
mod database;
pub mod invitations;
pub mod recordings;
mod serve;
pub mod settings;
mod shared_state;
mod shutdown;
mod smtp;
mod telemetry;

use cli::{Cli, Command};

/// Runs the command line.
///
/// # Errors
///
/// Invalid settings (naming the key), an unreachable database, a port in use, or a server
/// failure.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = settings::Settings::load(cli.config.as_deref())?;
    telemetry::init(&settings.log)?;
    match cli.command {
        Command::Serve => serve::serve(settings).await,
        Command::Migrate => {
            let store = database::connect(&settings.database).await?;
            store.migrate().await?;
            tracing::info!("database migrated");
            Ok(())
        }
    }
}
