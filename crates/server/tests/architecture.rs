//! The dependency direction of the hexagon, checked mechanically over `cargo metadata`.
//!
//! `anteroom-domain` depends on no I/O crate; inbound adapters never depend on outbound
//! adapters; outbound adapters never depend on each other; only `anteroom-server` knows every
//! adapter.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Normal (non-dev) dependencies of every workspace package, by package name.
fn workspace_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| p["id"].as_str().is_some_and(|id| members.contains(id)))
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|d| d["kind"].is_null())
                .filter_map(|d| d["name"].as_str().map(str::to_owned))
                .collect();
            (p["name"].as_str().expect("name").to_owned(), deps)
        })
        .collect()
}

const IO_CRATES: [&str; 12] = [
    "tokio",
    "sea-orm",
    "sqlx",
    "tonic",
    "prost",
    "axum",
    "redis",
    "deadpool-redis",
    "livekit-api",
    "livekit-protocol",
    "reqwest",
    "hyper",
];
const INBOUND: [&str; 2] = ["anteroom-grpc", "anteroom-gateway"];
const OUTBOUND: [&str; 7] = [
    "anteroom-sql",
    "anteroom-redis",
    "anteroom-memory",
    "anteroom-livekit",
    "anteroom-oidc",
    "anteroom-notify",
    "anteroom-migrations",
];

#[test]
fn the_domain_depends_on_no_io_crate() {
    let deps = workspace_dependencies();
    let domain = &deps["anteroom-domain"];
    let workspace: Vec<&String> = domain
        .iter()
        .filter(|d| d.starts_with("anteroom-"))
        .collect();
    assert!(workspace.is_empty(), "domain depends on {workspace:?}");
    for io in IO_CRATES {
        assert!(!domain.contains(io), "anteroom-domain depends on {io}");
    }
}

#[test]
fn adapters_do_not_know_each_other() {
    let deps = workspace_dependencies();
    for inbound in INBOUND.iter().filter(|c| deps.contains_key(**c)) {
        for outbound in OUTBOUND {
            assert!(
                !deps[*inbound].contains(outbound),
                "{inbound} depends on {outbound}"
            );
        }
    }
    for adapter in OUTBOUND.iter().filter(|c| deps.contains_key(**c)) {
        for other in OUTBOUND.iter().filter(|o| **o != "anteroom-migrations") {
            if adapter != other {
                assert!(
                    !deps[*adapter].contains(*other),
                    "{adapter} depends on {other}"
                );
            }
        }
        for inbound in INBOUND {
            assert!(
                !deps[*adapter].contains(inbound),
                "{adapter} depends on {inbound}"
            );
        }
    }
}

#[test]
fn only_the_server_knows_every_adapter() {
    let deps = workspace_dependencies();
    for (name, crate_deps) in &deps {
        if name == "anteroom-server" || name.ends_with("-e2e") || name == "anteroom-testkit" {
            continue;
        }
        let adapters: Vec<&str> = INBOUND
            .iter()
            .chain(OUTBOUND.iter())
            .copied()
            .filter(|a| crate_deps.contains(*a))
            .collect();
        assert!(
            adapters.len() <= 1,
            "{name} knows several adapters: {adapters:?}"
        );
    }
}
