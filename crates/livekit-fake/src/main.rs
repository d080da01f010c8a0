//! `anteroom-livekit-fake`: runs the fake LiveKit server (see the library docs).
//!
//! ```text
//! anteroom-livekit-fake [--bind 127.0.0.1] [--port 7880] [--keys "KEY: SECRET, KEY2: SECRET2"]…
//!                       [--webhook-url URL]… [--egress-delay-ms 100] [--enable-remote-unmute]
//! ```
//!
//! Without `--keys` (or `LIVEKIT_KEYS`) the key is `devkey: secret`, like `livekit-server --dev`.

use std::net::IpAddr;
use std::time::Duration;

use anteroom_livekit_fake::{FakeConfig, FakeLiveKit};
use anyhow::{Context as _, bail};
use clap::Parser;

/// Command-line flags, named as livekit-server names them.
#[derive(Debug, Parser)]
#[command(
    name = "anteroom-livekit-fake",
    about = "A fake LiveKit server for tests and local development"
)]
struct Args {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port for the HTTP/Twirp API.
    #[arg(long, default_value_t = 7880)]
    port: u16,
    /// API keys as "KEY: SECRET", comma-separated and/or repeated.
    #[arg(long, env = "LIVEKIT_KEYS")]
    keys: Vec<String>,
    /// Webhook URL (repeatable).
    #[arg(long = "webhook-url")]
    webhook_urls: Vec<String>,
    /// Delay of the automatic egress transitions in milliseconds (0: manual only).
    #[arg(long, default_value_t = 100)]
    egress_delay_ms: u64,
    /// Allow unmuting through MutePublishedTrack (livekit-server `room.enable_remote_unmute`).
    #[arg(long)]
    enable_remote_unmute: bool,
}

fn parse_keys(values: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    let mut keys = Vec::new();
    for pair in values.iter().flat_map(|v| v.split(',')) {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let Some((key, secret)) = pair.split_once(':') else {
            bail!("invalid key pair {pair:?}: expected \"KEY: SECRET\"");
        };
        let (key, secret) = (key.trim(), secret.trim());
        if key.is_empty() || secret.is_empty() {
            bail!("invalid key pair {pair:?}: empty key or secret");
        }
        keys.push((key.to_owned(), secret.to_owned()));
    }
    if keys.is_empty() {
        keys.push(("devkey".to_owned(), "secret".to_owned()));
    }
    Ok(keys)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let config = FakeConfig {
        keys: parse_keys(&args.keys)?,
        webhook_urls: args.webhook_urls,
        bind: args.bind,
        port: args.port,
        egress_transition_delay: (args.egress_delay_ms > 0)
            .then(|| Duration::from_millis(args.egress_delay_ms)),
        enable_remote_unmute: args.enable_remote_unmute,
        ..FakeConfig::default()
    };
    let keys: Vec<&str> = config.keys.iter().map(|(k, _)| k.as_str()).collect();
    let mut fake = FakeLiveKit::start(config.clone())
        .await
        .with_context(|| format!("cannot bind {}:{}", config.bind, config.port))?;
    tracing::info!(url = %fake.url(), keys = ?keys, webhooks = ?config.webhook_urls, "ready");
    tokio::select! {
        () = fake.wait() => {}
        result = tokio::signal::ctrl_c() => result.context("waiting for Ctrl-C")?,
    }
    tracing::info!("stopping");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_like_livekit_server() {
        let keys = parse_keys(&["a: s1, b:s2".to_owned(), "c: s3".to_owned()]).expect("parses");
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[1], ("b".to_owned(), "s2".to_owned()));
        assert_eq!(parse_keys(&[]).expect("default")[0].0, "devkey");
        assert!(parse_keys(&["nocolon".to_owned()]).is_err());
    }
}
