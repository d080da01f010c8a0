//! The `anteroom` binary.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = anteroom_server::cli::Cli::parse();
    match anteroom_server::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("anteroom: {error:#}");
            ExitCode::FAILURE
        }
    }
}
